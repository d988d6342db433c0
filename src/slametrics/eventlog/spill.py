"""A streamed import spilled to disk by bucket, then merged into the log bucket by bucket."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from slametrics.columns import (
    ascending,
    distinct_text,
    expand_runs,
    run_lengths,
    run_starts,
    sort_order,
    take_rows,
)
from slametrics.eventcodes import EventCodes
from slametrics.eventlog.buckets import (
    BUCKET_TICKETS,
    bucket_count,
    bucket_files,
    buckets_for,
    ticket_buckets,
    write_layout,
)
from slametrics.eventlog.merge import (
    MergeStats,
    _stored_tickets,
    fill_updated_at,
    merge_buckets,
)
from slametrics.eventlog.snapshots import (
    LogFiles,
    is_event_log,
    locked,
    publish,
    read_columns,
    snapshot_dir,
    to_pandas,
    write_files,
)
from slametrics.importers.stream import rows_by_group
from slametrics.schema import EVENTS_SCHEMA, TICKET_KEY, TICKETS_SCHEMA, plain_text

MAX_GROUPS = 1024  # bucket groups a part file is cut into, at most


def spill_groups(path: str | Path, rows: int, per_bucket: int = BUCKET_TICKETS) -> int:
    """Bucket groups to spill an import of at most `rows` tickets into: a power of two no
    smaller than the log's bucket count after the merge, so that each bucket reads only its
    groups (a log that grows more meanwhile is still right: its buckets filter a group)."""
    p = Path(path)
    n_old, stored = 1, 0
    if is_event_log(p):
        snap = snapshot_dir(p)
        n_old = bucket_count(snap) or 1
        stored = _stored_tickets(snap, bucket_count(snap))
    return min(max(n_old, buckets_for(stored + rows, per_bucket)), MAX_GROUPS)


class ImportSpill:
    """Validated tables of an import's parts, each part's rows in `groups` batches by the hash
    of their ticket's key (the log's bucket hash): bucket b of n reads group b's batches.

    `in_log_order`: a part that is one whole group may be spilled as the log's bucket files
    already (`add_ordered`), in the part's own thread; when the new log has as many buckets as
    the spill has groups, such a bucket's files are moved into the log, not written again."""

    def __init__(self, directory: Path, groups: int, in_log_order: bool = False) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.groups = groups
        self.in_log_order = in_log_order
        self.parts = 0
        self.rows = 0  # tickets
        self.events = 0
        self._rows: dict[str, list[np.ndarray]] = {"tickets": [], "events": []}  # per part, group
        self._schemas: dict[tuple[str, int], pa.Schema] = {}
        self._ordered: dict[int, LogFiles] = {}  # part -> its files, written in log order

    def add(self, tickets: pa.Table, events: pa.Table, group: int | None = None) -> None:
        """Spill one part's tickets and events (Arrow IPC files, read back memory-mapped);
        `group`: the caller knows that every row is of that group (no hashing, no reorder)."""
        for name, table in (("tickets", tickets), ("events", events)):
            if group is None:
                of_row = ticket_buckets(table["source"], table["ticket_id"], self.groups)
            else:
                of_row = np.full(table.num_rows, group, dtype=np.int64)
            rows = _write_groups(
                self.dir / f"{name}-{self.parts}.arrow", table, of_row, self.groups, group
            )
            self._rows[name].append(rows)
        self.parts += 1
        self.rows += tickets.num_rows
        self.events += events.num_rows

    def ordered_files(self, key: int) -> LogFiles:
        """Where a part written in log order goes (`key`: the caller's part number)."""
        d = self.dir / f"ordered-{key}"
        return LogFiles(d / "tickets.parquet", d / "events.parquet", d / "codes.parquet")

    def add_ordered(self, files: LogFiles, tickets: int, events: int, group: int) -> None:
        """Take in a part of `group` only, written to `files` by `write_bucket`."""
        for name, rows in (("tickets", tickets), ("events", events)):
            counts = np.zeros(self.groups, dtype=np.int64)
            counts[group] = rows
            self._rows[name].append(counts)
        self._ordered[self.parts] = files
        # as `_read_ordered` reads them (asked when another bucket is read: moved by then)
        self._schemas[("tickets", self.parts)] = pq.read_schema(files.tickets)
        self._schemas[("events", self.parts)] = EVENTS_SCHEMA
        self.parts += 1
        self.rows += tickets
        self.events += events

    def bucket_ready(self, b: int, n: int) -> LogFiles | None:
        """The files of bucket b of n when one part written in log order holds all its rows."""
        if n != self.groups:
            return None
        holders = [
            part
            for part in range(self.parts)
            if self._rows["tickets"][part][b] or self._rows["events"][part][b]
        ]
        return self._ordered.get(holders[0]) if len(holders) == 1 else None

    def empty(self, b: int, n: int) -> bool:
        groups = self._groups_of(b, n)
        return not any(r[groups].sum() for rows in self._rows.values() for r in rows)

    def _groups_of(self, b: int, n: int) -> list[int]:
        if self.groups % n == 0:
            return list(range(b, self.groups, n))
        return [b % self.groups]  # more buckets than groups: the group is filtered

    def tables(self, b: int, n: int) -> tuple[pa.Table, pa.Table]:
        """Bucket b of n: its tickets and events from every part, in part order."""
        out = []
        groups = self._groups_of(b, n)
        for name, schema in (("tickets", TICKETS_SCHEMA), ("events", EVENTS_SCHEMA)):
            pieces, skipped = [], []
            for part in range(self.parts):
                if not self._rows[name][part][groups].sum():
                    # nothing of this bucket: not read (a part that is one bucket group holds
                    # nothing of the others; reading every part per bucket grows as n squared)
                    skipped.append(self._schema(name, part))
                    continue
                if part in self._ordered:
                    pieces.append(self._read_ordered(name, part))
                    continue
                reader = pa.ipc.open_file(pa.memory_map(str(self.dir / f"{name}-{part}.arrow")))
                batches = [reader.get_batch(g) for g in groups]
                pieces.append(pa.Table.from_batches(batches, reader.schema))
            schemas = {x.remove_metadata() for x in [*skipped, *(t.schema for t in pieces)]}
            if not pieces:  # as the parts' empty batches would give
                pieces = [x.empty_table() for x in skipped]
            if len(schemas) > 1:
                pieces = [plain_text(t) for t in pieces]
            table = pa.concat_tables(pieces) if pieces else schema.empty_table()
            if self.groups % n:
                keep = ticket_buckets(table["source"], table["ticket_id"], n) == b
                table = table.filter(pa.array(keep))
            out.append(table)
        return out[0], out[1]

    def _read_ordered(self, name: str, part: int) -> pa.Table:
        """A part written in log order, read back as the importer gave it: tickets with their
        stored Arrow schema (its pandas metadata gives the log's frames their dtypes), events
        (stored without it) with the declared types."""
        files = self._ordered[part]
        if name == "tickets":
            return pq.read_table(files.tickets)
        return read_columns(files.events, EVENTS_SCHEMA, declared=True)

    def _schema(self, name: str, part: int) -> pa.Schema:
        """The schema of a part's table (read once: its footer)."""
        key = (name, part)
        if key not in self._schemas:
            path = str(self.dir / f"{name}-{part}.arrow")
            self._schemas[key] = pa.ipc.open_file(pa.memory_map(path)).schema
        return self._schemas[key]

    def frames(self, b: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        t, e = self.tables(b, n)
        return to_pandas(t), to_pandas(plain_text(e))


def _write_groups(
    path: Path, table: pa.Table, group: np.ndarray, groups: int, only: int | None = None
) -> np.ndarray:
    """`table` as an IPC file of one batch per group (in group order); rows per group. `only`:
    every row is of that group (the table is written as it is)."""
    # one dictionary per column for the whole file (IPC files allow no replacement)
    table = table.unify_dictionaries()
    if only is None:
        order, bounds = rows_by_group(group, groups)
        table = take_rows(table, order)
    else:
        bounds = np.full(groups + 1, table.num_rows, dtype=np.int64)
        bounds[: only + 1] = 0
    table = table.combine_chunks()
    batches = table.to_batches()
    whole = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
    # an empty slice would carry the whole batch's buffers into the file (one per group:
    # 3.7 GB for 87 MB of events at 128 groups); an empty `take` shares only the dictionaries
    empty = whole.take(pa.array([], type=pa.int64()))
    with pa.ipc.new_file(str(path), table.schema) as writer:
        for g in range(groups):
            size = bounds[g + 1] - bounds[g]
            writer.write_batch(whole.slice(bounds[g], size) if size else empty)
    return np.diff(bounds)


def in_log_order(tickets: pa.Table, events: pa.Table) -> tuple[pa.Table, pa.Table]:
    """One bucket's tickets and events as the log stores them: by key, events by key, time
    and seq, `updated_at` filled where the export lacked it."""
    tickets = _key_sorted(tickets, TICKET_KEY)
    events, tix = _events_in_log_order(tickets, events)
    return fill_updated_at(tickets, events, tix), events


def write_bucket(
    files: LogFiles, tickets: pa.Table, events: pa.Table, codes: EventCodes | None = None
) -> None:
    """One bucket's tables written as the log stores them (`in_log_order`). `codes`: the
    importer's (`ImportResult.codes`, tickets in id order); when they show the events in log
    order already, as `_new_log` takes them, they are stored as they are, not worked out
    again, and the events are not looked up by ticket."""
    if codes is not None and len(codes.tix) == events.num_rows:
        if ascending(codes.tix, codes.at, codes.seq, strict=True):
            tickets = _key_sorted(tickets, TICKET_KEY)
            write_files(files, fill_updated_at(tickets, events, codes.tix), events, codes)
            return
    write_files(files, *in_log_order(tickets, events))


def _key_sorted(table: pa.Table, keys: list[str]) -> pa.Table:
    """`table` in `keys` order (stable; text keys compared as text, as `_new_log` sorts)."""
    plain = {k: plain_text(table.select([k])).column(0) for k in keys}
    return take_rows(table, sort_order(pa.table(plain), keys))


def _events_in_log_order(tickets: pa.Table, events: pa.Table) -> tuple[pa.Table, np.ndarray | None]:
    """Events by source, ticket, time and seq (as `_new_log` stores them), with each event's
    ticket row when known. A part's events come ordered already, ticket by ticket: ordering
    their tickets by their rank among the (sorted) tickets orders them, without a string sort."""
    keys = ["source", "ticket_id"]
    sources = {*_sources(tickets), *_sources(events)}
    if len(sources) <= 1 and events.num_rows:
        ids = plain_text(events.select(["ticket_id"])).column(0).combine_chunks()
        known = plain_text(tickets.select(["ticket_id"])).column(0)
        starts = run_starts(ids)
        rows = pc.index_in(ids.take(pa.array(starts)), value_set=known.combine_chunks())
        if not rows.null_count:
            # each run of one ticket's events looked up and ordered as one
            rows = rows.to_numpy(zero_copy_only=False).astype(np.int64)
            lengths = run_lengths(starts, len(ids))
            by_row = np.argsort(rows, kind="stable")
            order = expand_runs(starts[by_row], lengths[by_row])
            tix = np.repeat(rows[by_row], lengths[by_row])
            at = pc.cast(events["at"], pa.int64()).to_numpy(zero_copy_only=False)[order]
            seq = events["seq"].to_numpy()[order]
            if ascending(tix, at, seq, strict=True):
                return take_rows(events, order), tix
    return _key_sorted(events, [*keys, "at", "seq"]), None


def _sources(table: pa.Table) -> list[str]:
    """The table's sources (of a dictionary-encoded column, its dictionaries' values: a
    superset at most, which only forgoes the shortcut)."""
    return distinct_text(table.column("source")).to_pylist()


def merge_spill_into_log(
    path: str | Path, spill: ImportSpill, *, per_bucket: int = BUCKET_TICKETS
) -> MergeStats:
    """`merge_into_log` of a spilled import: a new log written, or the import merged, bucket by
    bucket, one bucket's spilled rows in memory at a time; atomic, under the lock."""
    p = Path(path)
    with locked(p):
        if is_event_log(p):
            return merge_buckets(p, spill, per_bucket)
        n = buckets_for(spill.rows, per_bucket)

        def write_into(tmp: Path) -> None:
            write_layout(tmp, n)
            # a bucket's Parquet is written (GIL released) while the next one is ordered
            with ThreadPoolExecutor(max_workers=1) as writer:
                pending = None
                for b in range(n):
                    ready = spill.bucket_ready(b, n)
                    if ready is not None:  # written in its part's thread already
                        _move_files(ready, bucket_files(tmp, b, n))
                        continue
                    t, e = in_log_order(*spill.tables(b, n))
                    if pending is not None:
                        pending.result()  # one bucket waits to be written, at most
                    pending = writer.submit(write_files, bucket_files(tmp, b, n), t, e)
                    del t, e
                if pending is not None:
                    pending.result()

        publish(p, write_into)
        return MergeStats(spill.rows, 0, spill.events, 0, buckets=n)


def _move_files(source: LogFiles, target: LogFiles) -> None:
    """Renamed (copied when the spill is on another file system: a log whose parent folder
    did not exist yet spills to the system's temporary folder)."""
    for a, b in (
        (source.tickets, target.tickets),
        (source.events, target.events),
        (source.codes, target.codes),
    ):
        b.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(a, b)


__all__ = ["ImportSpill", "in_log_order", "merge_spill_into_log", "spill_groups", "write_bucket"]
