"""The partitioned log: tickets and their events in hash buckets of the ticket key, hive-style.

A snapshot `vNNNNNN/` of a partitioned log holds `layout.json` (the bucket count) and, per
bucket, `tickets/bucket=07/part-0.parquet`, `events/bucket=07/part-0.parquet` and
`codes/bucket=07/part-0.parquet`. A ticket's bucket is a stable hash of its source and id
modulo the count, so each bucket holds all of its tickets' events: the clocks and metrics of a
bucket need no other (DESIGN §10), and DuckDB, Spark or Trino read `tickets/` and `events/` as
plain hive-partitioned Parquet datasets. Bucket counts are powers of two: a log that grows past
its buckets is split (bucket b of n into b and b + n of 2n) on the next import.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import coded_by_runs, hashed_mod
from slametrics.eventcodes import EventCodes
from slametrics.eventlog.snapshots import EventLog, LogFiles

LAYOUT_FILE = "layout.json"
# tickets per bucket the log aims at (10 events each: about 100 MB of frames per bucket);
# a bucket may grow to twice this before the next import splits the buckets
BUCKET_TICKETS = 1 << 17


def bucket_count(snap: Path) -> int | None:
    """The snapshot's bucket count, None for a flat snapshot (written before partitioning)."""
    try:
        layout = json.loads((snap / LAYOUT_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return int(layout["buckets"])


def write_layout(snap: Path, n: int) -> None:
    (snap / LAYOUT_FILE).write_text(json.dumps({"buckets": n}) + "\n", encoding="utf-8")


def buckets_for(n_tickets: int, per_bucket: int = BUCKET_TICKETS) -> int:
    """The power of two of buckets nearest to `n_tickets / per_bucket` by ratio: each then
    holds 0.71 to 1.41 times `per_bucket` tickets (1 bucket up to 1.41 times).

    Rounding up instead would leave buckets as little as half full: 10M tickets took 128
    buckets of 78k, and a bucket's fixed costs (files, frames, thread hand-offs) made the
    10M metrics and import grow faster than the log.
    """
    per = max(1, per_bucket)
    if n_tickets * n_tickets <= 2 * per * per:
        return 1
    lower = 1 << ((n_tickets // per).bit_length() - 1)  # the largest power of two <= n / per
    # the larger one when n / per > lower * sqrt(2), compared in integers
    return 2 * lower if n_tickets * n_tickets > 2 * (lower * per) ** 2 else lower


def bucket_name(b: int, n: int) -> str:
    return f"bucket={b:0{max(2, len(str(n - 1)))}d}"


def bucket_files(snap: Path, b: int, n: int) -> LogFiles:
    name = bucket_name(b, n)
    return LogFiles(
        snap / "tickets" / name / "part-0.parquet",
        snap / "events" / name / "part-0.parquet",
        snap / "codes" / name / "part-0.parquet",
    )


def snapshot_files(path: str | Path) -> list[LogFiles]:
    """The files of the log's current snapshot: one per bucket, or the flat snapshot's."""
    from slametrics.eventlog.snapshots import snapshot_dir

    snap = snapshot_dir(path)
    n = bucket_count(snap)
    return [LogFiles.flat(snap)] if n is None else [bucket_files(snap, b, n) for b in range(n)]


def _texts(values: pd.Series | pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    if isinstance(values, pd.Series):
        native = getattr(values.array, "_pa_array", None)
        values = native if native is not None else pa.array(values.astype(object))
    return pc.cast(values, pa.large_string())


def ticket_buckets(source, ticket_id, n: int) -> np.ndarray:
    """Bucket of each (source, ticket id): a stable hash (pandas' SipHash with its fixed key,
    the same in every process and version) of the joined key, modulo `n`. `source` is a column
    or one name for every row."""
    if n == 1 or not len(ticket_id):
        return np.zeros(len(ticket_id), dtype=np.int64)
    sep = pa.scalar("\x1f", pa.large_string())
    if isinstance(source, str):
        # one source: the ids are coded first and only the distinct ones get the source joined
        distinct, codes = coded_by_runs(_combined(_texts(ticket_id)))
        keys = pc.binary_join_element_wise(pa.scalar(source, pa.large_string()), distinct, sep)
        return hashed_mod(keys, n)[codes]
    key = pc.binary_join_element_wise(_texts(source), _texts(ticket_id), sep)
    # each distinct key hashed once (an event's key repeats its ticket's): Arrow codes them,
    # only the distinct strings become Python objects
    distinct, codes = coded_by_runs(_combined(key))
    return hashed_mod(distinct, n)[codes]


def _combined(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def event_buckets(
    tickets, ticket_bucket: np.ndarray, events, n: int, tix: np.ndarray | None = None
) -> np.ndarray:
    """Bucket of each event: its ticket's (`tix`, the ticket row of each event, when known;
    else looked up by key), hashing only the keys of events whose ticket is not in `tickets`.
    Strings are hashed once per ticket, not once per event."""
    from slametrics.eventcodes import ticket_index

    if n == 1 or not len(events):
        return np.zeros(len(events), dtype=np.int64)
    if tix is None or len(tix) != len(events):
        tix = ticket_index(tickets, events)
    out = np.where(tix >= 0, ticket_bucket[np.maximum(tix, 0)], 0)
    orphans = np.flatnonzero(tix < 0)
    if len(orphans):
        rows = pa.array(orphans)
        src, tid = events["source"], events["ticket_id"]
        if isinstance(src, pd.Series):
            src, tid = src.take(orphans), tid.take(orphans)
        else:
            src, tid = src.take(rows), tid.take(rows)
        out[orphans] = ticket_buckets(src, tid, n)
    return out


def split_rows(buckets: np.ndarray, n: int) -> list[np.ndarray]:
    """Row positions of each bucket, each in their original order."""
    order = np.argsort(buckets, kind="stable")
    bounds = np.searchsorted(buckets[order], np.arange(n + 1))
    return [order[bounds[b] : bounds[b + 1]] for b in range(n)]


def split_codes(codes: EventCodes, event_rows: np.ndarray, ticket_bucket: np.ndarray) -> EventCodes:
    """The codes of one bucket's events (`event_rows`, in order), their `tix` renumbered from
    rows of all tickets (in key order) to rows of the bucket's tickets (the same order)."""
    local = pd.Series(ticket_bucket).groupby(ticket_bucket).cumcount().to_numpy()
    part = codes.take(event_rows)
    part.tix = local[part.tix]
    return part


def link_bucket(old: LogFiles, new: LogFiles) -> None:
    """Carry an unchanged bucket into the new snapshot: hard links (a copy where not possible)."""
    for src, dst in ((old.tickets, new.tickets), (old.events, new.events), (old.codes, new.codes)):
        if not src.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)


def combine_buckets(parts: list[EventLog], label: str | Path = "") -> EventLog:
    """The buckets' logs as one, in the order a flat log has (tickets by source and id, events
    by ticket in their stored order), codes renumbered: whole-log computations give what they
    gave on a flat log."""
    tickets = pd.concat([p.tickets for p in parts], ignore_index=True)
    offsets = np.cumsum([0, *(len(p.tickets) for p in parts)])
    order = key_order(tickets)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    tickets = tickets.take(order).reset_index(drop=True)
    codes = None
    if all(p.codes is not None for p in parts):
        codes = _combined_codes(parts, offsets, position)

    def load_events() -> pd.DataFrame:
        events = pd.concat([p.events for p in parts], ignore_index=True)
        # lexsort is stable: each ticket's events (all in one bucket) keep their stored order
        return events.take(key_order(events)).reset_index(drop=True)

    if codes is None:
        return EventLog(tickets, load_events())
    return EventLog(tickets, codes=codes, load_events=load_events)


def key_order(frame: pd.DataFrame) -> np.ndarray:
    """Row order of `frame` by source, then ticket id (as a flat log stores them); stable."""
    src, _ = pd.factorize(frame["source"], sort=True)
    tid, _ = pd.factorize(frame["ticket_id"], sort=True)
    return np.lexsort((tid, src))


def _combined_codes(parts: list[EventLog], offsets: np.ndarray, position: np.ndarray) -> EventCodes:
    lookup: dict[str, int] = {}
    tix, at, cls, reply, prio = [], [], [], [], []
    for i, p in enumerate(parts):
        c = p.codes
        tix.append(position[offsets[i] + c.tix])
        at.append(c.at)
        cls.append(c.cls)
        reply.append(c.reply)
        # priority names differ per bucket: recoded into one list (first appearance)
        recode = np.array([*(lookup.setdefault(n, len(lookup)) for n in c.prio_names), -1])
        prio.append(recode[c.prio].astype(np.int32))
    names = list(lookup)
    all_tix = np.concatenate(tix)
    order = np.argsort(all_tix, kind="stable")
    return EventCodes(
        tix=all_tix[order],
        at=np.concatenate(at)[order],
        seq=np.arange(len(order)),  # in log order: position orders equal times
        cls=np.concatenate(cls)[order],
        reply=np.concatenate(reply)[order],
        prio=np.concatenate(prio)[order],
        prio_names=names,
    )


__all__ = [
    "BUCKET_TICKETS",
    "LAYOUT_FILE",
    "bucket_count",
    "bucket_files",
    "bucket_name",
    "buckets_for",
    "combine_buckets",
    "event_buckets",
    "link_bucket",
    "snapshot_files",
    "split_codes",
    "split_rows",
    "ticket_buckets",
    "write_layout",
]
