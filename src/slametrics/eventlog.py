"""The Parquet event log on disk: atomic writes, a lock against concurrent imports, idempotent merge."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from slametrics.errors import UserError
from slametrics.schema import (
    EVENT_KEY,
    EVENTS_SCHEMA,
    TICKET_KEY,
    TICKETS_SCHEMA,
    empty_frame,
    validate_events,
    validate_tickets,
)

TICKETS_FILE = "tickets.parquet"
EVENTS_FILE = "events.parquet"
LOCK_FILE = ".slametrics.lock"


@dataclass
class EventLog:
    """Tickets and events as pandas frames with the canonical dtypes."""

    tickets: pd.DataFrame
    events: pd.DataFrame


def is_event_log(path: Path) -> bool:
    return path.is_dir() and (path / TICKETS_FILE).exists()


def read_log(path: str | Path, columns: dict[str, list[str]] | None = None) -> EventLog:
    """Read an event-log directory (optionally only some columns of each table)."""
    p = Path(path)
    if not is_event_log(p):
        raise UserError(
            f"{p} is not an event log (no {TICKETS_FILE}); create it with `slametrics import`"
        )
    cols = columns or {}
    try:
        tickets = pq.read_table(p / TICKETS_FILE, columns=cols.get("tickets"))
        events = (
            pq.read_table(p / EVENTS_FILE, columns=cols.get("events"))
            if (p / EVENTS_FILE).exists()
            else EVENTS_SCHEMA.empty_table()
        )
    except (OSError, pa.ArrowException) as exc:
        raise UserError(f"cannot read event log {p}: {exc}") from None
    return EventLog(_to_pandas(tickets), _to_pandas(events))


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas()


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


def _atomic_write(table: pa.Table, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=target.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=1 << 20)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@dataclass
class MergeStats:
    tickets_new: int
    tickets_updated: int
    events_new: int
    events_duplicate: int


def merge_into_log(path: str | Path, tickets: pd.DataFrame, events: pd.DataFrame) -> MergeStats:
    """Validate and merge frames into the log: tickets upserted, each source event stored once."""
    p = Path(path)
    new_t = validate_tickets(tickets).to_pandas()
    new_e = validate_events(events).to_pandas()
    with locked(p):
        old = (
            read_log(p)
            if is_event_log(p)
            else EventLog(empty_frame(TICKETS_SCHEMA), empty_frame(EVENTS_SCHEMA))
        )
        old_keys = old.tickets.set_index(TICKET_KEY).index
        new_keys = new_t.set_index(TICKET_KEY).index
        updated = int(new_keys.isin(old_keys).sum())
        all_t = pd.concat([old.tickets.assign(_new=0), new_t.assign(_new=1)], ignore_index=True)
        # the newest knowledge wins: later updated_at, and on a tie the later import
        all_t = all_t.sort_values(["updated_at", "_new"], na_position="first", kind="stable")
        all_t = all_t.drop_duplicates(TICKET_KEY, keep="last").drop(columns="_new")
        all_t = all_t.sort_values(TICKET_KEY, kind="stable")
        all_e = pd.concat([old.events, new_e], ignore_index=True)
        before = len(all_e)
        all_e = all_e.drop_duplicates(EVENT_KEY, keep="first")
        dup = before - len(all_e)
        all_e = all_e.sort_values(["source", "ticket_id", "at", "seq"], kind="stable")
        _atomic_write(validate_events(all_e), p / EVENTS_FILE)
        _atomic_write(validate_tickets(all_t), p / TICKETS_FILE)
    return MergeStats(len(new_t) - updated, updated, len(new_e) - dup, dup)
