"""The sample in the canonical CSV form: tickets.csv and events.csv, written atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from slametrics.sample.generator import generate_tables

CSV_TICKET_COLUMNS = [
    "ticket_id",
    "created_at",
    "subject",
    "type",
    "priority",
    "channel",
    "organization",
    "requester",
    "assignee",
    "group",
    "category",
    "service",
    "status",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "agent_replies",
    "reopens",
    "csat",
]
CSV_EVENT_COLUMNS = ["ticket_id", "at", "event", "value", "actor", "public"]


def iso_utc(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """UTC timestamps as `2026-10-05T06:12:33Z` strings (null stays null).

    Casting to a naive type first keeps the UTC value and avoids Arrow's slow per-value zone
    lookup in `strftime`.
    """
    text = col.cast(pa.timestamp("s"), safe=False).cast(pa.string())
    text = pc.utf8_replace_slice(text, 10, 11, "T")
    return pc.binary_join_element_wise(text, "Z", "")


def csv_table(table: pa.Table, columns: list[str]) -> pa.Table:
    """`columns` of `table`, timestamps as ISO 8601 UTC text."""
    out = []
    for name in columns:
        col = table.column(name)
        out.append(iso_utc(col) if pa.types.is_timestamp(col.type) else col)
    return pa.table(out, names=columns)


def write_csv_atomic(table: pa.Table, path: Path) -> None:
    """Writes `table` to `path` through a temporary file, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, "wb") as f:  # the header unquoted on every pyarrow version
            f.write((",".join(table.column_names) + "\n").encode())
            options = pacsv.WriteOptions(include_header=False, quoting_style="none")
            pacsv.write_csv(table, f, options)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; these are ordinary data files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


CHUNK_TICKETS = 2_000_000  # larger samples are generated and written in parts of this size


def write_sample_csv(out_dir: Path, tickets: int, seed: int = 0, **kw) -> tuple[Path, Path]:
    """Writes out_dir/tickets.csv and out_dir/events.csv in the canonical CSV form.

    Timestamps are ISO 8601 UTC with `Z` at seconds precision, nulls are empty cells, `public` is
    `true`/`false`. Keyword arguments are those of `generate_sample`. Over CHUNK_TICKETS tickets
    the sample is made of parts (part k: seed + k, ids `T<k>-...`) so that memory stays that
    of one part: a 10M-ticket log fits any machine.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tickets_path, events_path = out_dir / "tickets.csv", out_dir / "events.csv"
    if tickets <= CHUNK_TICKETS:
        t, e = generate_tables(tickets, seed=seed, **kw)
        write_csv_atomic(csv_table(t, CSV_TICKET_COLUMNS), tickets_path)
        write_csv_atomic(csv_table(e, CSV_EVENT_COLUMNS), events_path)
        return tickets_path, events_path
    sizes = [CHUNK_TICKETS] * (tickets // CHUNK_TICKETS)
    sizes += [tickets % CHUNK_TICKETS] if tickets % CHUNK_TICKETS else []
    with _atomic(tickets_path) as ft, _atomic(events_path) as fe:
        for k, n in enumerate(sizes):
            t, e = generate_tables(n, seed=seed + k, **kw)
            t, e = (_renamed_ids(x, f"T{k}-") for x in (t, e))
            _append_csv(csv_table(t, CSV_TICKET_COLUMNS), ft, header=k == 0)
            _append_csv(csv_table(e, CSV_EVENT_COLUMNS), fe, header=k == 0)
            del t, e
    return tickets_path, events_path


def _renamed_ids(table: pa.Table, prefix: str) -> pa.Table:
    i = table.schema.get_field_index("ticket_id")
    ids = pc.replace_substring_regex(table.column(i), "^T-", prefix)
    return table.set_column(i, table.schema.field(i), ids)


def _append_csv(table: pa.Table, f, header: bool) -> None:
    if header:  # the header unquoted on every pyarrow version
        f.write((",".join(table.column_names) + "\n").encode())
    pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))


@contextlib.contextmanager
def _atomic(path: Path):
    """A file written through a temporary one, moved to `path` when complete."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
