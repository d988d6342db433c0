"""Merging an import into the log: tickets upserted (the newest knowledge wins), events stored once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from slametrics.columns import ascending, isin, sort_order, take_rows
from slametrics.eventcodes import EventCodes
from slametrics.eventlog.buckets import (
    BUCKET_TICKETS,
    bucket_count,
    bucket_files,
    buckets_for,
    event_buckets,
    link_bucket,
    split_codes,
    split_rows,
    ticket_buckets,
    write_layout,
)
from slametrics.eventlog.snapshots import (
    EventLog,
    LogFiles,
    is_event_log,
    locked,
    publish,
    read_tables,
    snapshot_dir,
    to_pandas,
    write_files,
)
from slametrics.schema import (
    EVENT_KEY,
    TICKET_KEY,
    plain_text,
    validate_events,
    validate_tickets,
)


@dataclass
class MergeStats:
    """What a merge did, for `ImportSummary`.

    Tickets of the import: `tickets_new + tickets_updated + tickets_outdated` are its rows (an
    outdated one is already in the log with a later `updated_at`: the log's state is kept).
    Events of the import: `events_new + events_duplicate + events_outdated` are its rows (an
    outdated one is a snapshot's synthesized event of an outdated ticket). `events_replaced`
    counts the stored events removed from the log: those a snapshot synthesized, replaced by
    a newer snapshot or by history of the same ticket.
    """

    tickets_new: int
    tickets_updated: int
    events_new: int
    events_duplicate: int
    tickets_outdated: int = 0
    events_outdated: int = 0
    events_replaced: int = 0
    migrated: bool = False  # the log was flat (written before partitioning) and is now bucketed
    buckets: int = 1  # the log's bucket count after the merge


def _ticket_keys(df: pd.DataFrame) -> pd.Series:
    return df["source"].astype("string") + "\x1f" + df["ticket_id"].astype("string")


def is_ordered(events: pd.DataFrame | pa.Table) -> bool:
    """Whether events already run by source, ticket, time and seq (an importer's usual output)."""
    keys = []
    for col in ("source", "ticket_id"):
        arr = (
            events[col]
            if isinstance(events, pa.Table)
            else getattr(events[col].array, "_pa_array", None)
        )
        if arr is None:
            return False
        if _single_value(arr):
            continue  # orders nothing (the source of a single import)
        keys.append(pc.cast(arr, pa.large_string()))
    if isinstance(events, pa.Table):
        at = pc.cast(events["at"], pa.int64()).to_numpy()
    else:
        at = events["at"].to_numpy("datetime64[us]").view(np.int64)
    return ascending(*keys, at, np.asarray(events["seq"].to_numpy()), strict=True)


def _single_value(arr: pa.ChunkedArray) -> bool:
    """Whether a dictionary column holds one value and no nulls (checked on its dictionary)."""
    if not pa.types.is_dictionary(arr.type) or arr.null_count or not arr.num_chunks:
        return False
    return len(pc.unique(arr.unify_dictionaries().chunk(0).dictionary)) <= 1


def _order_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events by source, ticket, time and seq: integer codes sorted with numpy, not strings."""
    if is_ordered(events):
        return events.reset_index(drop=True)
    src, _ = pd.factorize(events["source"], sort=True)
    tid, _ = pd.factorize(events["ticket_id"], sort=True)
    at = events["at"].to_numpy("datetime64[us]").view(np.int64)
    order = np.lexsort((events["seq"].to_numpy(), at, tid, src))
    if (order == np.arange(len(order))).all():
        return events.reset_index(drop=True)
    return events.take(order).reset_index(drop=True)


def _sorted_table(table: pa.Table, keys: list[str], ordered: bool) -> pa.Table:
    """`table` in `keys` order (Arrow's sort is stable), untouched when already `ordered`."""
    if ordered:
        return table
    return take_rows(table, sort_order(table, keys))


def merge_into_log(
    path: str | Path,
    tickets: pd.DataFrame | pa.Table,
    events: pd.DataFrame | pa.Table,
    *,
    codes: EventCodes | None = None,
    per_bucket: int = BUCKET_TICKETS,
) -> MergeStats:
    """Validate and merge frames into the log: the newest export of a ticket wins (DESIGN §3).

    A ticket's row comes from the side with the later `updated_at`; the import wins a tie and
    whenever either side lacks `updated_at` (then the later import is the newer). Events of
    `history` tickets accumulate, each source event stored once: only the events of tickets
    already in the log can duplicate stored ones (within one import, `seq` tells equal-looking
    events apart), so deduplication looks at those alone. Events of `snapshot` tickets were
    synthesized from summary timestamps, so only the winning side's are kept. A ticket that is
    a snapshot on one side and has history on the other keeps the history side's events (they
    are real, the others derived) whichever row wins, and the winning row keeps its fidelity.

    The log is partitioned (`eventlog.buckets`, about `per_bucket` tickets a bucket): the merge
    runs bucket by bucket, buckets the import does not touch carried over as they are. A flat
    log (written before partitioning) is partitioned by this merge (`MergeStats.migrated`).
    Arrow tables are taken as validated already (`read_export_tables`); a new log is written
    from them as is, with their `codes` (`ExportTables.codes`) when given and the events need
    no reordering.
    """
    p = Path(path)
    with locked(p):
        if not is_event_log(p):
            return _new_log(p, tickets, events, codes, per_bucket)
        if isinstance(tickets, pa.Table):
            tickets = to_pandas(tickets)
        if isinstance(events, pa.Table):
            events = to_pandas(plain_text(events))
        return _merge_buckets(p, tickets, events, per_bucket)


def _new_log(
    p: Path,
    tickets: pd.DataFrame | pa.Table,
    events: pd.DataFrame | pa.Table,
    codes: EventCodes | None,
    per_bucket: int,
) -> MergeStats:
    """A new log from one import: sorted as before, then split into buckets."""
    if isinstance(tickets, pa.Table) and isinstance(events, pa.Table):
        all_t = _sorted_table(
            tickets,
            TICKET_KEY,
            ascending(*(pc.cast(tickets[c], pa.large_string()) for c in TICKET_KEY)),
        )
        # one source's codes order its events as their ticket ids do: numbers are compared
        # instead of strings
        ordered = (
            ascending(codes.tix, codes.at, codes.seq, strict=True)
            if codes is not None
            else is_ordered(events)
        )
        all_e = _sorted_table(events, ["source", "ticket_id", "at", "seq"], ordered)
        codes = codes if ordered else None
    else:
        all_t = validate_tickets(tickets.sort_values(TICKET_KEY, kind="stable"))
        all_e, codes = validate_events(_order_events(events)), None
    all_t = fill_updated_at(all_t, all_e, codes.tix if codes is not None else None)
    n = buckets_for(all_t.num_rows, per_bucket)
    publish(p, lambda tmp: _write_split(tmp, all_t, all_e, codes, n))
    return MergeStats(all_t.num_rows, 0, all_e.num_rows, 0, buckets=n)


def fill_updated_at(tickets: pa.Table, events: pa.Table, tix: np.ndarray | None = None) -> pa.Table:
    """`tickets` with an empty `updated_at` filled as importers derive it: the ticket's last
    event, or its creation when later (or when it has no events). An import whose export lacked
    `updated_at` leaves it empty so that the merge lets it win (DESIGN §3); the log stores the
    value derived from the events it keeps. `tix` (each event's ticket row, ascending), when
    known, spares looking the tickets up by key."""
    updated = tickets.column("updated_at")
    if not updated.null_count:
        return tickets
    created = pc.cast(tickets.column("created_at"), pa.int64()).to_numpy(zero_copy_only=False)
    if tix is not None and len(tix) == events.num_rows and ascending(tix):
        last = np.full(tickets.num_rows, np.iinfo(np.int64).min, dtype=np.int64)
        if len(tix):
            at = pc.cast(events.column("at"), pa.int64()).to_numpy(zero_copy_only=False)
            starts = np.flatnonzero(np.concatenate([[True], tix[1:] != tix[:-1]]))
            last[tix[starts]] = np.maximum.reduceat(at, starts)
        derived = pa.array(np.maximum(created, last)).cast(updated.type)
    else:
        keys = list(TICKET_KEY)
        by_ticket = plain_text(events.select([*keys, "at"])).group_by(keys)
        latest = by_ticket.aggregate([("at", "max")])
        rows = tickets.select(keys).append_column("__row", pa.array(np.arange(tickets.num_rows)))
        joined = rows.join(latest, keys=keys, join_type="left outer").sort_by("__row")
        last = pc.cast(joined.column("at_max"), pa.int64())
        derived = pc.cast(pc.max_element_wise(pa.array(created), last), updated.type)
    i = tickets.schema.get_field_index("updated_at")
    filled = pc.if_else(pc.is_null(updated), derived, updated)
    return tickets.set_column(i, tickets.schema.field(i), filled)


def _write_split(
    tmp: Path, tickets: pa.Table, events: pa.Table, codes: EventCodes | None, n: int
) -> None:
    """Tables in log order written as `n` buckets (each keeps that order)."""
    write_layout(tmp, n)
    if n == 1:
        write_files(bucket_files(tmp, 0, 1), tickets, events, codes)
        return
    t_bucket = ticket_buckets(tickets["source"], tickets["ticket_id"], n)
    e_bucket = event_buckets(tickets, t_bucket, events, n, codes.tix if codes else None)
    t_rows, e_rows = split_rows(t_bucket, n), split_rows(e_bucket, n)
    for b in range(n):
        part_codes = split_codes(codes, e_rows[b], t_bucket) if codes is not None else None
        write_files(
            bucket_files(tmp, b, n),
            tickets.take(pa.array(t_rows[b])),
            events.take(pa.array(e_rows[b])),
            part_codes,
        )


def _stored_tickets(snap: Path, n_old: int | None) -> int:
    files = (
        [LogFiles.flat(snap)]
        if n_old is None
        else [bucket_files(snap, b, n_old) for b in range(n_old)]
    )
    return sum(pq.ParquetFile(f.tickets).metadata.num_rows for f in files)


class ImportBuckets:
    """An import's tickets and events handed to the merge one log bucket at a time (here split
    from frames in memory; `eventlog.spill` reads them from a streamed import's spill)."""

    def __init__(self, tickets: pd.DataFrame, events: pd.DataFrame) -> None:
        self.tickets, self.events = tickets, events
        self.rows = len(tickets)
        self._split: tuple[int, list[np.ndarray], list[np.ndarray]] | None = None

    def _rows(self, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        if self._split is None or self._split[0] != n:
            t_bucket = ticket_buckets(self.tickets["source"], self.tickets["ticket_id"], n)
            e_bucket = event_buckets(self.tickets, t_bucket, self.events, n)
            self._split = (n, split_rows(t_bucket, n), split_rows(e_bucket, n))
        return self._split[1], self._split[2]

    def empty(self, b: int, n: int) -> bool:
        t_rows, e_rows = self._rows(n)
        return not len(t_rows[b]) and not len(e_rows[b])

    def frames(self, b: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        t_rows, e_rows = self._rows(n)
        return (
            self.tickets.take(t_rows[b]).reset_index(drop=True),
            self.events.take(e_rows[b]).reset_index(drop=True),
        )


def _merge_buckets(
    p: Path, tickets: pd.DataFrame, events: pd.DataFrame, per_bucket: int
) -> MergeStats:
    return merge_buckets(p, ImportBuckets(tickets, events), per_bucket)


def merge_buckets(p: Path, new: ImportBuckets, per_bucket: int) -> MergeStats:
    """Merge an import into an existing log, bucket by bucket (see `merge_into_log`); the
    caller holds the lock."""
    snap = snapshot_dir(p)
    n_old = bucket_count(snap)
    stored = _stored_tickets(snap, n_old)
    grown = stored + new.rows > 2 * (n_old or 1) * per_bucket
    n_new = buckets_for(stored + new.rows, per_bucket) if n_old is None or grown else n_old
    n_new = max(n_new, n_old or 1)
    stats = MergeStats(0, 0, 0, 0, migrated=n_old is None, buckets=n_new)

    def write_into(tmp: Path) -> None:
        write_layout(tmp, n_new)
        for ob in range(n_old or 1):
            old_files = LogFiles.flat(snap) if n_old is None else bucket_files(snap, ob, n_old)
            targets = list(range(ob, n_new, n_old or 1))
            if n_old == n_new and new.empty(ob, n_new):
                link_bucket(old_files, bucket_files(tmp, ob, n_new))
                continue
            old = read_tables(old_files, label=p)
            for nb, (old_t, old_e) in zip(targets, _split_log(old, n_new, targets), strict=True):
                new_t, new_e = new.frames(nb, n_new)
                all_t, all_e = _merge_frames(old_t, old_e, new_t, new_e, stats)
                all_e = validate_events(_order_events(all_e))
                all_t = fill_updated_at(validate_tickets(all_t), all_e)
                write_files(bucket_files(tmp, nb, n_new), all_t, all_e)

    publish(p, write_into)
    return stats


def _split_log(
    old: EventLog, n: int, targets: list[int]
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """An old bucket's (or flat log's) tickets and events, per bucket of `targets` out of `n`."""
    t, e = old.tickets, old.events
    if len(targets) == 1:
        return [(t, e)]
    t_bucket = ticket_buckets(t["source"], t["ticket_id"], n)
    e_bucket = event_buckets(t, t_bucket, e, n)
    return [
        (t[t_bucket == b].reset_index(drop=True), e[e_bucket == b].reset_index(drop=True))
        for b in targets
    ]


def _merge_frames(
    old_t: pd.DataFrame,
    old_e: pd.DataFrame,
    new_t: pd.DataFrame,
    new_e: pd.DataFrame,
    stats: MergeStats,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One bucket's stored tickets and events with the import's merged in; counts added."""
    if not len(new_t) and not len(new_e):
        return old_t, old_e
    all_t, sides, part = _merge_tickets(old_t, new_t)
    all_e = _merge_events(old_e, new_e, sides, part)
    for name in (
        "tickets_new",
        "tickets_updated",
        "tickets_outdated",
        "events_new",
        "events_duplicate",
        "events_outdated",
        "events_replaced",
    ):
        setattr(stats, name, getattr(stats, name) + getattr(part, name))
    return all_t, all_e


@dataclass
class _Sides:
    """For the tickets both in the log and in the import (`shared` keys): whose events go."""

    shared: pd.Series
    drop_old: np.ndarray  # the log's events of the ticket are dropped (a replaced snapshot)
    drop_new: np.ndarray  # the import's events of the ticket are dropped (an outdated snapshot)


def _latest_rows(tickets: pd.DataFrame) -> pd.DataFrame:
    """One row per ticket of an import: the latest `updated_at`, on a tie (or none) the last."""
    ordered = tickets.sort_values("updated_at", na_position="first", kind="stable")
    return ordered.drop_duplicates(TICKET_KEY, keep="last")


def _utc_us(times: pd.Series) -> np.ndarray:
    # NaT compares false: without both times the log's row is never the later one
    return times.to_numpy("datetime64[us]")


def _is_snapshot(fidelity: pd.Series) -> np.ndarray:
    return fidelity.eq("snapshot").fillna(False).to_numpy(dtype=bool)


def _merge_tickets(
    old: pd.DataFrame, tickets: pd.DataFrame
) -> tuple[pd.DataFrame, _Sides, MergeStats]:
    """The log's tickets with the import's upserted, whose events go, and the ticket counts."""
    row_keys = _ticket_keys(tickets)
    repeated = bool(row_keys.duplicated().any())  # one import naming a ticket twice: rare
    new = _latest_rows(tickets) if repeated else tickets
    new_keys = _ticket_keys(new) if repeated else row_keys
    old_keys = _ticket_keys(old)
    overlap = isin(new_keys, old_keys)
    shared = new_keys[overlap]
    pos = pd.Index(old_keys).get_indexer(shared)
    # the import wins unless both sides know `updated_at` and the log's is later
    new_wins = ~(_utc_us(old["updated_at"].iloc[pos]) > _utc_us(new["updated_at"][overlap]))
    old_snap = _is_snapshot(old["fidelity"].iloc[pos])
    new_snap = _is_snapshot(new["fidelity"][overlap])
    sides = _Sides(
        shared,
        drop_old=old_snap & (new_wins | ~new_snap),
        drop_new=new_snap & (~new_wins | ~old_snap),
    )
    old_lost = np.zeros(len(old), dtype=bool)
    old_lost[pos[new_wins]] = True
    new_lost = overlap.copy()
    new_lost[overlap] = ~new_wins
    all_t = pd.concat([old[~old_lost], new[~new_lost]], ignore_index=True)
    all_t = all_t.sort_values(TICKET_KEY, kind="stable")
    if repeated:
        updated = int(isin(row_keys, shared[new_wins]).sum())
        outdated = int(isin(row_keys, shared[~new_wins]).sum())
    else:
        updated, outdated = int(new_wins.sum()), int((~new_wins).sum())
    stats = MergeStats(len(tickets) - updated - outdated, updated, 0, 0, tickets_outdated=outdated)
    return all_t, sides, stats


def _merge_events(
    old: pd.DataFrame, events: pd.DataFrame, sides: _Sides, stats: MergeStats
) -> pd.DataFrame:
    """The log's events with the import's merged in (`merge_into_log`); counts into `stats`."""
    old_keys, new_keys = _ticket_keys(old), _ticket_keys(events)
    old_shared = isin(old_keys, sides.shared)
    new_shared = isin(new_keys, sides.shared)
    gone_old = _of_tickets(old_keys[old_shared], sides.shared[sides.drop_old])
    gone_new = _of_tickets(new_keys[new_shared], sides.shared[sides.drop_new])
    both = pd.concat([old[old_shared], events[new_shared]], ignore_index=True)
    n_old = int(old_shared.sum())
    ids, n_ids = _event_ids(both)
    ids_old, ids_new = ids[:n_old], ids[n_old:]
    repeat = pd.Series(ids_new).duplicated().to_numpy()  # within the import: kept once
    stored = _marked(n_ids, ids_old)[ids_new] | repeat
    in_kept_old = _marked(n_ids, ids_old[~gone_old])[ids_new] if gone_old.any() else stored
    keep_new = ~gone_new & ~(in_kept_old | repeat)
    kept = both[np.concatenate([~gone_old, keep_new])]
    stats.events_duplicate = int(stored.sum())
    stats.events_outdated = int((gone_new & ~stored).sum())
    stats.events_new = len(events) - stats.events_duplicate - stats.events_outdated
    stats.events_replaced = int((gone_old & ~_marked(n_ids, ids_new)[ids_old]).sum())
    return pd.concat([old[~old_shared], kept, events[~new_shared]], ignore_index=True)


def _of_tickets(keys: pd.Series, tickets: pd.Series) -> np.ndarray:
    """Which of the event `keys` belong to `tickets` (none when there are none)."""
    return isin(keys, tickets) if len(tickets) else np.zeros(len(keys), dtype=bool)


def _event_ids(events: pd.DataFrame) -> tuple[np.ndarray, int]:
    """One number per distinct event (by `EVENT_KEY`), 0 to n - 1, and n: matches between
    the log's events and an import's are then array look-ups. As `duplicated` does it: each
    column factorized and the codes combined, renumbered only when they could overflow."""
    ids = np.zeros(len(events), dtype=np.int64)
    n = 1
    for col in EVENT_KEY:
        codes, uniques = pd.factorize(events[col], use_na_sentinel=False)
        if n * max(len(uniques), 1) >= 1 << 62:
            ids, distinct = pd.factorize(ids)
            n = len(distinct)
        ids = ids * len(uniques) + codes
        n *= max(len(uniques), 1)
    ids, distinct = pd.factorize(ids)
    return ids, len(distinct)


def _marked(n: int, ids: np.ndarray) -> np.ndarray:
    """A lookup table over event ids 0 to n - 1: True for those in `ids`."""
    table = np.zeros(n, dtype=bool)
    table[ids] = True
    return table
