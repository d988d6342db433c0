"""Clocks bucket by bucket (DESIGN §10): what each bucket of a partitioned log contributes.

Two passes, each a function of one bucket (so that it runs in-process or on a Dask worker):
`survey_bucket` reads what must be known over the whole log before any clock is computed (each
source's reply and history knowledge, the incidents' small key columns for repeats, the latest
instant), and `bucket_clocks` computes the bucket's clocks for each requested view (as_of,
since, lean) with those whole-log facts put in, keeping only per-ticket frames. Every bucket
holds all events of its tickets, so nothing else crosses buckets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.engine.clocks import ClockResult, PreparedLog, compute_clocks, prepare_log
from slametrics.engine.repeats import repeat_flags
from slametrics.engine.rules import assign_kinds, excluded_mask
from slametrics.engine.timeline import Timeline
from slametrics.eventcodes import code_events
from slametrics.eventlog import EventLog, bucket_files, read_tables, snapshot_dir
from slametrics.policy import Policy
from slametrics.schema import TICKET_KEY


@dataclass(frozen=True)
class BucketSource:
    """Where and what to read of one bucket: the snapshot, the bucket, the columns."""

    snap: Path
    bucket: int
    buckets: int
    columns: dict[str, list[str]] | None = None
    active_since: pd.Timestamp | None = None

    def read(self) -> EventLog:
        files = bucket_files(self.snap, self.bucket, self.buckets)
        return read_tables(files, self.columns, self.active_since, label=self.snap.parent)


def bucket_sources(
    log_dir: Path,
    columns: dict[str, list[str]] | None = None,
    active_since: pd.Timestamp | None = None,
) -> list[BucketSource] | None:
    """The buckets of a partitioned log's current snapshot; None for a flat log."""
    from slametrics.eventlog import bucket_count

    snap = snapshot_dir(log_dir)
    n = bucket_count(snap)
    if n is None:
        return None
    return [BucketSource(snap, b, n, columns, active_since) for b in range(n)]


@dataclass
class Survey:
    """One bucket's part of the whole-log facts."""

    keys: pa.Table  # source, ticket_id of every ticket (bucket order)
    reply_sources: set[str]  # sources with reply information in this bucket
    history_sources: set[str]  # sources with status history or reopen counts
    incidents: pd.DataFrame  # tix (in the bucket), created_at, kind, excluded, repeat keys
    latest: pd.Timestamp | None  # `EventLog.latest_timestamp` candidates' max, None if empty
    first_created: pd.Timestamp | None


def survey_bucket(src: BucketSource, policy: Policy, now: pd.Timestamp) -> Survey:
    """The whole-log facts of one bucket (see the module docstring)."""
    log = src.read()
    t = log.tickets.reset_index(drop=True).copy(deep=False)
    codes = log.codes if log.codes is not None else code_events(t, log.events)
    t["kind"] = assign_kinds(t, policy)
    excluded = excluded_mask(t, policy)
    created = t["created_at"].to_numpy("datetime64[us]").view(np.int64)
    # as `clocks.prepare_log` decides it: reply events at or after creation, or reply columns
    replies = np.zeros(len(t), dtype=bool)
    replies[codes.tix[codes.reply & (codes.at >= created[codes.tix])]] = True
    for col in ("agent_replies", "first_response_at"):
        if col in t:
            replies |= t[col].notna().to_numpy()
    history = (t["fidelity"] == "history").to_numpy(dtype=bool, copy=True)
    if "reopens" in t:
        history |= t["reopens"].notna().to_numpy()
    source = t["source"].astype("string")
    incident = np.flatnonzero((t["kind"] == "incident").fillna(False).to_numpy(dtype=bool))
    keep = list(dict.fromkeys(["ticket_id", "created_at", "kind", *policy.repeat_incidents.key]))
    incidents = t[keep].take(incident).reset_index(drop=True)
    incidents.insert(0, "tix", incident)
    incidents["excluded"] = excluded[incident]
    return Survey(
        keys=pa.table(
            {c: pa.array(t[c].astype("string")).cast(pa.large_string()) for c in TICKET_KEY}
        ),
        reply_sources=set(source[replies].dropna().unique()),  # unique: no per-ticket iteration
        history_sources=set(source[history].dropna().unique()),
        incidents=incidents,
        latest=log.latest_timestamp(now) if len(t) else None,
        first_created=t["created_at"].min() if len(t) else None,
    )


def incident_repeats(incidents: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Repeat flags of the log's incidents (in log order), as `prepare_log` sets them."""
    excluded = incidents["excluded"].to_numpy(dtype=bool)
    return repeat_flags(incidents, policy, excluded) & ~excluded


@dataclass(frozen=True)
class View:
    """One `compute_clocks` call: the instant, the first instant a ticket must be active from,
    whether only the headline columns are kept, and the query's instant."""

    as_of: pd.Timestamp
    since: pd.Timestamp | None
    lean: bool
    knowledge: pd.Timestamp | None


@dataclass(frozen=True)
class WholeLog:
    """The whole-log facts a bucket's clocks need."""

    reply_sources: frozenset[str]
    history_sources: frozenset[str]


def prepared_bucket(
    src: BucketSource, policy: Policy, facts: WholeLog, repeats: np.ndarray
) -> PreparedLog:
    """The bucket's prepared log with the whole-log facts put in.

    `repeats` are the rows (in the bucket) of its incidents that repeat an earlier one.
    """
    log = src.read()
    events = log.events if log.codes is None else None
    p = prepare_log(log.tickets, events, policy, codes=log.codes)
    source = p.tickets["source"].astype("string")
    p.reply_known = source.isin(facts.reply_sources).fillna(False).to_numpy(dtype=bool)
    p.history_known = source.isin(facts.history_sources).fillna(False).to_numpy(dtype=bool)
    p.repeat = np.zeros(len(p.created), dtype=bool)
    p.repeat[repeats] = True
    return p


def view_clocks(p: PreparedLog, policy: Policy, v: View) -> ClockResult:
    """One view's clocks of a prepared bucket."""
    return compute_clocks(
        p.tickets, None, policy, v.as_of, p, since=v.since, lean=v.lean, knowledge=v.knowledge
    )


def bucket_clocks(
    src: BucketSource,
    policy: Policy,
    facts: WholeLog,
    repeats: np.ndarray,
    views: list[View],
) -> list[ClockResult]:
    """The bucket's clocks for each view (`tix` the ticket's row in the bucket), with its
    timeline cut down to the resolution entries (what the period figures read of it)."""
    p = prepared_bucket(src, policy, facts, repeats)
    return [
        replace(state, timeline=entries_only(state.timeline))
        for state in (view_clocks(p, policy, v) for v in views)
    ]


def entries_only(tl: Timeline) -> Timeline:
    """The timeline's resolution entries alone (still sorted by ticket and time)."""
    rows = np.flatnonzero(tl.entry)
    return Timeline(
        *(getattr(tl, f)[rows] for f in Timeline.__dataclass_fields__)  # all per-row arrays
    )
