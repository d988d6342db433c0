"""Importing exports: read them with their importers, merge them into the event log, load a SOURCE."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.errors import UserError, check_timezone
from slametrics.eventcodes import EventCodes
from slametrics.eventlog import (
    BUCKET_TICKETS,
    EventLog,
    fill_updated_at,
    import_totals,
    is_event_log,
    merge_into_log,
    read_log,
    record_import,
)
from slametrics.importers import IMPORTERS, get_importer, importer_for
from slametrics.importers.base import ImportOptions, ImportResult
from slametrics.importers.checks import timeline_warnings
from slametrics.importers.finalize import UPDATED_AT_DERIVED
from slametrics.importers.io import InputFile, open_inputs
from slametrics.importers.stream import StreamSettings, in_file_order
from slametrics.problems import Problem, ProblemReport
from slametrics.results import FileSummary, ImportSummary
from slametrics.schema import (
    EVENT_COLUMNS,
    EVENT_DTYPES,
    EVENTS_SCHEMA,
    TICKET_COLUMNS,
    TICKETS_SCHEMA,
    plain_text,
    validate_events,
    validate_tickets,
)

Progress = Callable[[str, int, int], None]


@dataclass
class Loaded:
    """An event log in memory, with what its imports rejected."""

    log: EventLog
    rows_rejected: int
    problems: int


def read_exports(
    paths: list[Path],
    *,
    format: str | None = None,
    mapping: Path | None = None,
    tz: str | None = None,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, ImportSummary]:
    """Read export files with their importers (named or detected) into canonical frames."""
    t, e, summary, _ = read_export_tables(
        paths, format=format, mapping=mapping, tz=tz, progress=progress
    )
    t = fill_updated_at(t, e)  # as the importers derive it (left empty for the merge)
    return t.to_pandas(), plain_text(e).to_pandas(types_mapper=EVENT_DTYPES.get), summary


class ExportTables(NamedTuple):
    """Validated Arrow tables of exports, with the events' codes when the importer gave them."""

    tickets: pa.Table
    events: pa.Table
    summary: ImportSummary
    codes: EventCodes | None  # as `clocks.code_events` gives them with tickets in id order


def read_export_tables(
    paths: list[Path],
    *,
    format: str | None = None,
    mapping: Path | None = None,
    tz: str | None = None,
    progress: Progress | None = None,
    groups: tuple[dict[str, list[InputFile]], list[Problem]] | None = None,
) -> ExportTables:
    """`read_exports` as validated Arrow tables, as the event log stores them (`groups`: the
    inputs grouped by `group_inputs` already)."""
    groups, notices = groups or group_inputs(paths, format, mapping, tz)
    summary = ImportSummary()
    summary.problems += notices
    tickets, events = [], []
    codes = None
    options = ImportOptions(tz=tz, mapping=mapping)
    n_groups = len(groups)
    for i, name in enumerate(sorted(groups)):
        if progress:
            progress(name, i, n_groups)
        files = groups.pop(name)  # the raw bytes are freed once this group is read
        result = get_importer(name)().read(files, options)
        names = [f.name for f in files]
        del files
        t, e = add_group(summary, name, names, result)
        tickets.append(t)
        events.append(e)
        codes = result.codes if n_groups == 1 else None  # codes of one importer's tables only
        del result
    if progress:
        progress("done", n_groups, n_groups)
    t = pa.concat_tables(tickets) if tickets else TICKETS_SCHEMA.empty_table()
    # one importer's text columns may come dictionary-encoded: concatenation needs one schema
    if len({table.schema.remove_metadata() for table in events}) > 1:
        events = [plain_text(table) for table in events]
    e = pa.concat_tables(events) if events else EVENTS_SCHEMA.empty_table()
    summary.tickets, summary.events = t.num_rows, e.num_rows
    return ExportTables(t, e, summary, codes if n_groups == 1 else None)


def group_inputs(
    paths: list[Path], format: str | None, mapping: Path | None, tz: str | None
) -> tuple[dict[str, list[InputFile]], list[Problem]]:
    """The input files by importer (named or detected), with the notices of mapped choices."""
    if format is not None and format not in IMPORTERS:
        get_importer(format)  # raises UnknownImporter listing the valid names
    check_timezone(tz)
    groups: dict[str, list[InputFile]] = {}
    notices = []
    for f in (f for p in paths for f in open_inputs(p)):
        name, notice = (format, None) if format else importer_for(f, mapping)
        if notice:
            notices.append(
                Problem(code="importer-chosen", file=f.name, severity="warning", message=notice)
            )
        groups.setdefault(name, []).append(f)
    return groups, notices


def add_group(
    summary: ImportSummary, name: str, files: list[str], result: ImportResult
) -> tuple[pa.Table, pa.Table]:
    """One importer run's counts and problems added to `summary`; its validated tables (the
    result's frames are let go of)."""
    rep: ProblemReport = result.report
    summary.groups.append(
        FileSummary(
            importer=name,
            files=files,
            rows_read=rep.rows_read,
            rows_imported=rep.rows_imported,
            rows_rejected=rep.rows_rejected,
        )
    )
    summary.problems += rep.problems
    summary.problems += timeline_warnings(result.tickets, result.events, ", ".join(files))
    with ThreadPoolExecutor(max_workers=1) as pool:  # Arrow conversion frees the GIL
        events_job = pool.submit(validate_events, result.events)
        tickets = _derived_updated_at_empty(result.tickets)
        events = events_job.result()
    result.tickets = result.events = None  # each frame is freed once it is an Arrow table
    return tickets, events


def _derived_updated_at_empty(frame: pd.DataFrame) -> pa.Table:
    """The validated tickets, `updated_at` left empty where the importer derived it from the
    events (the export had none): for the merge, that import is the newer (DESIGN §3)."""
    derived = frame.attrs.pop(UPDATED_AT_DERIVED, None)  # not for the table's metadata
    table = validate_tickets(frame)
    if not isinstance(derived, pd.Series) or not derived.index.equals(frame.index):
        return table  # no signal (or rows moved since): the derived times stand
    mask = pa.array(derived.to_numpy(dtype=bool))
    i = table.schema.get_field_index("updated_at")
    empty = pa.nulls(table.num_rows, table.schema.field(i).type)
    return table.set_column(i, table.schema.field(i), pc.if_else(mask, empty, table.column(i)))


def import_exports(
    paths: list[Path],
    log_dir: Path,
    *,
    format: str | None = None,
    mapping: Path | None = None,
    tz: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    stream: StreamSettings | None = None,
    per_bucket: int = BUCKET_TICKETS,
) -> ImportSummary:
    """Import exports into the event log at `log_dir` (created if missing); idempotent.

    A group of CSV files larger than `stream.threshold` (256 MiB, SLAMETRICS_STREAM_BYTES)
    whose importer reads them ticket by ticket streams: read in chunks, in parts of whole
    tickets, so that memory holds a part and a bucket, not the files (`api.streaming`).
    """
    from slametrics.api.streaming import import_streamed, streamed_groups  # noqa: PLC0415

    settings = stream or StreamSettings()
    groups, notices = group_inputs(paths, format, mapping, tz)
    options = ImportOptions(tz=tz, mapping=mapping)
    streams = streamed_groups(groups, options, settings)
    if streams:
        summary = ImportSummary(problems=notices, log=str(log_dir))
        stats = import_streamed(
            groups,
            streams,
            log_dir,
            summary,
            options,
            settings,
            strict=strict,
            per_bucket=per_bucket,
            progress=progress,
        )
        _in_file_order(summary)
        if stats is None:
            return summary
    else:
        t, e, summary, codes = read_export_tables(
            paths,
            format=format,
            mapping=mapping,
            tz=tz,
            progress=progress,
            groups=(groups, notices),
        )
        summary.log = str(log_dir)
        _in_file_order(summary)
        if strict and summary.rows_rejected:
            return summary  # --strict: nothing is written when any row was rejected
        stats = merge_into_log(log_dir, t, e, codes=codes, per_bucket=per_bucket)
    for name in (
        "tickets_new",
        "tickets_updated",
        "tickets_outdated",
        "events_new",
        "events_duplicate",
        "events_outdated",
        "events_replaced",
    ):
        setattr(summary, name, getattr(stats, name))
    if stats.migrated:
        summary.layout_change = (
            f"the log was stored as one file per table; it is now partitioned into "
            f"{stats.buckets} hash bucket(s) of tickets"
        )
    record_import(Path(log_dir), [g.model_dump() for g in summary.groups], len(summary.problems))
    return summary


def _in_file_order(summary: ImportSummary) -> None:
    """The problems in file and line order: a streamed import finds them part by part, so the
    whole-file import says them in the same order (`stream.in_file_order`)."""
    summary.problems = in_file_order(summary.problems, [f for g in summary.groups for f in g.files])


def log_columns(with_tags: bool = False, event_values: bool = True) -> dict[str, list[str]]:
    """The columns queries read of a log: not the tickets' `extra` (nor `tags` unless
    `with_tags`), and not the events' `value` unless `event_values` (the widest column)."""
    skipped = ("extra",) if with_tags else ("extra", "tags")
    return {
        "tickets": [c for c in TICKET_COLUMNS if c not in skipped],
        "events": [c for c in EVENT_COLUMNS if event_values or c != "value"],
    }


def load_source(
    sources: list[Path],
    *,
    format: str | None = None,
    mapping: Path | None = None,
    tz: str | None = None,
    event_values: bool = True,
    with_tags: bool = False,
    active_since: pd.Timestamp | None = None,
) -> Loaded:
    """SOURCE as an event log: a log directory, or export files imported in memory.

    From a log directory only the columns the metrics use are read: not the tickets' `extra` (nor
    `tags` unless `with_tags`), and not the events' `value` unless `event_values` (it is the widest column).
    """
    if not sources:
        raise UserError("no SOURCE given: an event-log directory or export files")
    if len(sources) == 1 and Path(sources[0]).is_dir():
        if not is_event_log(Path(sources[0])):
            raise UserError(
                f"{sources[0]} is a directory but not an event log (no CURRENT snapshot pointer)"
            )
        log = read_log(
            sources[0], columns=log_columns(with_tags, event_values), active_since=active_since
        )
        rejected, problems = import_totals(Path(sources[0]))
        return Loaded(log, rejected, problems)
    t, e, summary = read_exports(sources, format=format, mapping=mapping, tz=tz)
    return Loaded(EventLog(t, e), summary.rows_rejected, len(summary.problems))
