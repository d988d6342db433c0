"""The Parquet event log on disk: versioned snapshots, a lock against concurrent imports, idempotent merge.

Layout: `DIR/CURRENT` names the current snapshot directory (`DIR/v000007/`), which holds
`tickets.parquet` and `events.parquet`, plus `codes.parquet`: the events as numbers (ticket row,
time, status class, reply flag; see `clocks.EventCodes`), derived from the two at write time so
that queries need not decode the events table. An import writes a complete new snapshot and then
replaces `CURRENT` atomically, so a crash at any point leaves the log as it was before. A snapshot
without `codes.parquet` (written by an older version) is read from its events.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from slametrics.errors import UserError
from slametrics.eventcodes import CODES_VERSION, EventCodes, code_events
from slametrics.schema import (
    DONE_CLASSES,
    EVENT_DTYPES,
    EVENTS_SCHEMA,
    TICKETS_SCHEMA,
)

TICKETS_FILE = "tickets.parquet"
EVENTS_FILE = "events.parquet"
# events: dictionary pages only for the few-valued columns and statistics only where readers
# filter (ticket ids, times): a quarter less write time than the defaults, and smaller
EVENTS_WRITE_OPTIONS = {
    "use_dictionary": ["source", "event", "value", "status_class", "actor", "public"],
    "write_statistics": ["source", "ticket_id", "at"],
    "column_encoding": {"at": "DELTA_BINARY_PACKED"},  # times rise within a ticket: small deltas
}
# tickets: no dictionary for the ids (all distinct) and statistics only where readers filter
# (ids, creation, last change, status class): a quarter less write time, and smaller
TICKETS_WRITE_OPTIONS = {
    "use_dictionary": [
        f.name for f in TICKETS_SCHEMA if f.type == pa.large_string() and f.name != "ticket_id"
    ],
    "write_statistics": ["source", "ticket_id", "created_at", "updated_at", "status_class"],
}
CODES_FILE = "codes.parquet"  # derived from the two above (clocks.EventCodes), read first
LOCK_FILE = ".slametrics.lock"
CURRENT_FILE = "CURRENT"


class EventLog:
    """Tickets and events as pandas frames with the canonical dtypes.

    Read from a log directory, `codes` (the events as numbers, stored beside the snapshot) come
    first and the events table is decoded only when something asks for `events`.
    """

    def __init__(
        self,
        tickets: pd.DataFrame,
        events: pd.DataFrame | None = None,
        *,
        codes: EventCodes | None = None,
        load_events: Callable[[], pd.DataFrame] | None = None,
    ) -> None:
        if events is None and load_events is None:
            raise ValueError("EventLog needs events or a way to load them")
        self.tickets = tickets
        self._events = events
        self._load_events = load_events
        self.codes = codes

    @property
    def events(self) -> pd.DataFrame:
        if self._events is None:
            self._events = self._load_events()
        return self._events

    def latest_event_at(self, now: pd.Timestamp | None = None) -> pd.Timestamp | None:
        """The latest event time not after `now` (default: the wall clock), from the codes when
        the events table is not loaded."""
        now = now or pd.Timestamp.now(tz="UTC")
        if self._events is None and self.codes is not None:
            at = self.codes.at[self.codes.at <= now.value // 1000]
            return pd.Timestamp(int(at.max()), unit="us", tz="UTC") if len(at) else None
        at = self.events["at"]
        at = at[at <= now]
        return at.max() if len(at) else None

    def latest_timestamp(self, now: pd.Timestamp | None = None) -> pd.Timestamp:
        """The latest instant in the log (events and tickets) that is not in the future (after
        `now`, default the wall clock): a mistyped 2099 never becomes the default as_of. 1970
        for an empty log."""
        now = now or pd.Timestamp.now(tz="UTC")
        candidates = [self.latest_event_at(now)]
        for col in ("updated_at", "created_at"):
            if len(self.tickets):
                values = self.tickets[col]
                candidates.append(values[values <= now].max())
        valid = [c for c in candidates if c is not None and pd.notna(c)]
        return max(valid) if valid else pd.Timestamp("1970-01-01", tz="UTC")

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """(first creation, latest instant) of the log, None when it has no tickets."""
        if not len(self.tickets):
            return None
        return self.tickets["created_at"].min(), self.latest_timestamp()


def is_event_log(path: Path) -> bool:
    return Path(path).is_dir() and (Path(path) / CURRENT_FILE).exists()


def snapshot_dir(path: str | Path) -> Path:
    """The directory of the log's current snapshot."""
    p = Path(path)
    try:
        name = (p / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise UserError(
            f"{p} is not an event log (no {CURRENT_FILE}); create it with `slametrics import`"
        ) from None
    if not name or "/" in name or name.startswith("."):
        raise UserError(f"{p / CURRENT_FILE} is corrupt: {name!r}")
    return p / name


def read_log(
    path: str | Path,
    columns: dict[str, list[str]] | None = None,
    active_since: pd.Timestamp | None = None,
) -> EventLog:
    """Read an event-log directory, optionally only some columns of each table.

    With `active_since`, tickets whose last change came before it and that were finished by then
    are left out with their events: every one of their clocks stopped earlier, so no period from
    `active_since` on can count them. The events table is read only when first used; the clocks
    work from the snapshot's event codes (`codes.parquet`) when it has them. A partitioned log
    (`eventlog.buckets`) is read bucket by bucket and put in the order of a flat one.
    """
    from slametrics.eventlog.buckets import bucket_count, bucket_files, combine_buckets

    snap = snapshot_dir(path)
    n = bucket_count(snap)
    if n is None:
        return read_tables(LogFiles.flat(snap), columns, active_since, label=path)
    parts = [
        read_tables(bucket_files(snap, b, n), columns, active_since, label=path) for b in range(n)
    ]
    return combine_buckets(parts, label=path)


@dataclass(frozen=True)
class LogFiles:
    """The three files of a flat snapshot or of one bucket of a partitioned one."""

    tickets: Path
    events: Path
    codes: Path

    @classmethod
    def flat(cls, snap: Path) -> LogFiles:
        return cls(snap / TICKETS_FILE, snap / EVENTS_FILE, snap / CODES_FILE)


def read_tables(
    files: LogFiles,
    columns: dict[str, list[str]] | None = None,
    active_since: pd.Timestamp | None = None,
    label: str | Path = "",
) -> EventLog:
    """One snapshot's (or bucket's) tables as an EventLog (see `read_log`)."""
    cols = columns or {}
    tfilter = None
    if active_since is not None:
        since = pa.scalar(active_since.to_pydatetime(), pa.timestamp("us", tz="UTC"))
        tfilter = (pc.field("updated_at") >= since) | ~pc.field("status_class").isin(
            list(DONE_CLASSES)
        )
    has_codes = files.codes.exists()
    try:
        tcols = cols.get("tickets")
        # the codes are read meanwhile (Parquet decoding releases the GIL)
        with ThreadPoolExecutor(max_workers=1) as pool:
            stored = pool.submit(pq.read_table, files.codes) if has_codes else None
            if has_codes and tfilter is not None:
                # the kept rows' positions renumber the codes, so filter after reading
                need = (
                    None
                    if tcols is None
                    else list(dict.fromkeys([*tcols, "updated_at", "status_class"]))
                )
                full = read_columns(files.tickets, TICKETS_SCHEMA, need)
                full = full.append_column("__row", pa.array(np.arange(full.num_rows)))
                tickets = full.filter(tfilter)
                rows = tickets.column("__row").to_numpy()
                tickets = tickets.select(tcols) if tcols is not None else tickets.drop(["__row"])
                n_all = full.num_rows
                del full
            else:
                tickets = read_columns(files.tickets, TICKETS_SCHEMA, tcols, tfilter)
                rows, n_all = None, tickets.num_rows
            codes = _codes_of(stored.result(), rows, n_all) if stored is not None else None
    except (OSError, pa.ArrowException) as exc:
        raise UserError(f"cannot read event log {label}: {exc}") from None
    ticket_ids = tickets.column("ticket_id") if active_since is not None else None

    def load_events() -> pd.DataFrame:
        return to_event_frame(read_event_table(files, cols.get("events"), ticket_ids, label))

    if codes is None:
        return EventLog(to_pandas(tickets), load_events())
    return EventLog(to_pandas(tickets), codes=codes, load_events=load_events)


def read_event_table(
    files: LogFiles,
    columns: list[str] | None,
    ticket_ids: pa.ChunkedArray | None,
    label: str | Path = "",
) -> pa.Table:
    """The stored events (of `ticket_ids` only, when given) with the declared types."""
    efilter = pc.field("ticket_id").isin(pc.unique(ticket_ids)) if ticket_ids is not None else None
    try:
        # the declared schema decodes dictionary-encoded text (as `import` writes it)
        return read_columns(files.events, EVENTS_SCHEMA, columns, efilter, declared=True)
    except (OSError, pa.ArrowException) as exc:
        raise UserError(f"cannot read event log {label}: {exc}") from None


def to_event_frame(events: pa.Table) -> pd.DataFrame:
    return events.to_pandas(self_destruct=True, split_blocks=True, types_mapper=EVENT_DTYPES.get)


def read_columns(
    path: Path,
    schema: pa.Schema,
    columns: list[str] | None = None,
    filters=None,
    declared: bool = False,
) -> pa.Table:
    """`columns` (default: all declared in `schema`) of a stored table.

    A column the file lacks (written before it was declared) comes back as nulls of its
    declared type: an older log stays readable. `declared` reads the stored columns with the
    declared types (dictionary-encoded text decoded), else as the file's own schema says.
    """
    stored = set(pq.read_schema(path).names)
    wanted = list(columns) if columns is not None else schema.names
    present = [c for c in wanted if c in stored]
    read_schema = (
        pa.schema([schema.field(c) for c in schema.names if c in stored]) if declared else None
    )
    table = pq.read_table(path, columns=present, filters=filters, schema=read_schema)
    if len(present) == len(wanted):
        return table
    fields = [table.schema.field(c) if c in stored else schema.field(c) for c in wanted]
    arrays = [
        table.column(c) if c in stored else pa.nulls(table.num_rows, schema.field(c).type)
        for c in wanted
    ]
    return pa.table(arrays, schema=pa.schema(fields, metadata=table.schema.metadata))


def _codes_of(table: pa.Table, rows: np.ndarray | None, n_all: int) -> EventCodes | None:
    """A snapshot's stored event codes; with `rows` (the tickets kept), only theirs, renumbered.

    None for codes of an older version (the caller decodes the events instead).
    """
    meta = table.schema.metadata or {}
    if int(meta.get(b"slametrics.codes_version", b"1")) < CODES_VERSION:
        return None
    codes = EventCodes(
        tix=table.column("tix").to_numpy().astype(np.int64),
        at=table.column("at").to_numpy(),
        seq=np.arange(table.num_rows),  # stored in log order: position orders equal times
        cls=table.column("cls").to_numpy(),
        reply=table.column("reply").to_numpy(zero_copy_only=False),
        prio=table.column("prio").to_numpy().astype(np.int32),
        prio_names=json.loads(meta.get(b"slametrics.prio_names", b"[]")),
    )
    if rows is None:
        return codes
    renumber = np.full(n_all, -1, dtype=np.int64)
    renumber[rows] = np.arange(len(rows))
    new_tix = renumber[codes.tix]
    codes = codes.take(np.flatnonzero(new_tix >= 0))
    codes.tix = renumber[codes.tix]
    return codes


def write_codes(
    path: Path, tickets: pa.Table, events: pa.Table, codes: EventCodes | None = None
) -> None:
    """Store the events' codes (see `EventCodes`) for a snapshot's tickets and events tables;
    `codes` when the importer has them already (checked for shape), else worked out here.

    Kept: status changes, replies and each ticket's last event (the log's latest instant);
    in log order, so `seq` is the row position.
    """
    if codes is None:
        codes = code_events(tickets, events)
    elif len(codes.tix) != events.num_rows or (
        len(codes.tix) and codes.tix.max() >= tickets.num_rows
    ):
        raise ValueError("event codes do not fit the tables")  # an importer bug
    last = np.ones(len(codes.tix), dtype=bool)
    last[:-1] = codes.tix[1:] != codes.tix[:-1]
    codes = codes.take(np.flatnonzero((codes.cls >= 0) | codes.reply | last | (codes.prio >= 0)))
    table = pa.table(
        {
            "tix": pa.array(codes.tix.astype(np.int32)),
            "at": pa.array(codes.at),
            "cls": pa.array(codes.cls),
            "reply": pa.array(codes.reply),
            "prio": pa.array(codes.prio.astype(np.int32)),
        },
        metadata={
            "slametrics.codes_version": str(CODES_VERSION),
            "slametrics.prio_names": json.dumps(codes.prio_names),
        },
    )
    pq.write_table(
        table,
        path,
        compression="zstd",
        row_group_size=1 << 22,
        use_dictionary=False,
        column_encoding={"tix": "DELTA_BINARY_PACKED", "at": "DELTA_BINARY_PACKED"},
    )


def to_pandas(table: pa.Table) -> pd.DataFrame:
    # self_destruct frees each Arrow column once converted: the log is not held twice
    return table.to_pandas(self_destruct=True, split_blocks=True)


@contextlib.contextmanager
def locked(path: Path, timeout_s: float = 60.0) -> Iterator[None]:
    """Hold an exclusive lock on the log directory; a second importer waits, then fails clearly."""
    path.mkdir(parents=True, exist_ok=True)
    fh = open(path / LOCK_FILE, "w")  # noqa: SIM115 - held for the whole block
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise UserError(
                        f"another import holds the lock on {path} (waited {timeout_s:.0f}s)"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        fh.close()


def write_snapshot(
    path: Path,
    tickets: pa.Table,
    events: pa.Table | Callable[[], tuple[pa.Table, EventCodes | None]],
    codes: EventCodes | None = None,
) -> None:
    """Write a new flat snapshot (the layout before partitioning), then point CURRENT at it.

    `events` may be a function giving (events, codes): it runs while the tickets are written.
    """
    publish(path, lambda tmp: write_files(LogFiles.flat(tmp), tickets, events, codes))


def publish(path: Path, write_into: Callable[[Path], None]) -> str:
    """Write a new snapshot directory with `write_into(tmp)`, then point CURRENT at it (one
    atomic rename); the previous snapshot is removed after. Returns the new snapshot's name."""
    for stale in path.glob(".tmp-*"):  # left by an import that was killed
        shutil.rmtree(stale, ignore_errors=True)
    old = (path / CURRENT_FILE).read_text(encoding="utf-8").strip() if is_event_log(path) else ""
    version = int(old[1:]) + 1 if old.startswith("v") and old[1:].isdigit() else 1
    name = f"v{version:06d}"
    tmp = path / f".tmp-{name}"
    tmp.mkdir()
    write_into(tmp)
    for sub in sorted(p for p in tmp.rglob("*") if p.is_dir()):
        fsync_dir(sub)
    fsync_dir(tmp)
    os.replace(tmp, path / name)
    pointer = path / f".tmp-{CURRENT_FILE}"
    with open(pointer, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer, path / CURRENT_FILE)
    fsync_dir(path)
    if old and old != name:
        shutil.rmtree(path / old, ignore_errors=True)
    return name


def write_files(
    files: LogFiles,
    tickets: pa.Table,
    events: pa.Table | Callable[[], tuple[pa.Table, EventCodes | None]],
    codes: EventCodes | None = None,
) -> None:
    """Write tickets, events and their codes to `files` (a flat snapshot or one bucket)."""
    files.tickets.parent.mkdir(parents=True, exist_ok=True)
    files.events.parent.mkdir(parents=True, exist_ok=True)
    files.codes.parent.mkdir(parents=True, exist_ok=True)
    # the Parquet writers and Arrow kernels release the GIL: the three files use both cores
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [
            pool.submit(
                pq.write_table,
                tickets,
                files.tickets,
                compression="zstd",
                row_group_size=1 << 20,
                **TICKETS_WRITE_OPTIONS,
            )
        ]
        if callable(events):
            events, codes = events()
        # text held as dictionaries is written as such, but without the Arrow schema that would
        # make other readers see categoricals: they get plain text, as the log is documented
        jobs += [
            pool.submit(
                pq.write_table,
                events.replace_schema_metadata(None),
                files.events,
                compression="zstd",
                row_group_size=1 << 20,
                store_schema=False,
                **EVENTS_WRITE_OPTIONS,
            ),
            pool.submit(write_codes, files.codes, tickets, events, codes),
        ]
        for job in jobs:
            job.result()  # re-raises a writer's error here


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
