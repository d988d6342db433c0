"""A streamed import: CSV groups larger than memory read in parts of whole tickets, spilled by
bucket and merged into the log bucket by bucket (DESIGN §10), with the whole-file import's
counts and problems."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from slametrics.api.imports import Progress, add_group
from slametrics.eventlog import BUCKET_TICKETS, MergeStats
from slametrics.eventlog.spill import ImportSpill, merge_spill_into_log, spill_groups
from slametrics.importers import get_importer
from slametrics.importers.base import ImportOptions
from slametrics.importers.io import InputFile
from slametrics.importers.stream import (
    NotStreamable,
    StreamFile,
    StreamSettings,
    capped_over_parts,
    in_file_order,
    part_count,
    part_files,
    partition,
    streamable,
)
from slametrics.results import FileSummary, ImportSummary


def streamed_groups(
    groups: dict[str, list[InputFile]], options: ImportOptions, settings: StreamSettings
) -> dict[str, list[StreamFile]]:
    """The groups that stream (by size and importer), set up for it."""
    out = {}
    for name, files in groups.items():
        found = streamable(get_importer(name), files, options, settings.threshold)
        if found is not None:
            out[name] = found
    return out


def import_streamed(
    groups: dict[str, list[InputFile]],
    streams: dict[str, list[StreamFile]],
    log_dir: Path,
    summary: ImportSummary,
    options: ImportOptions,
    settings: StreamSettings,
    *,
    strict: bool = False,
    per_bucket: int = BUCKET_TICKETS,
    progress: Progress | None = None,
) -> MergeStats | None:
    """Read `groups` (those in `streams` part by part) into a spill next to the log, then
    merge it; the spill is removed at the end, also on error. None when `strict` and rows
    were rejected (nothing is written)."""
    parent = Path(log_dir).resolve().parent
    spill_dir = Path(
        tempfile.mkdtemp(prefix=".slametrics-import-", dir=parent if parent.is_dir() else None)
    )
    try:
        parts: dict[str, int] = {}
        rows = 0
        for name in sorted(streams):
            parts[name] = part_count(streams[name], settings.part_bytes)
            (spill_dir / name).mkdir()
            try:
                rows += partition(
                    streams[name], parts[name], spill_dir / name, settings.chunk_bytes
                )
            except NotStreamable:  # not UTF-8: read whole, as the encoding is guessed for it
                del streams[name], parts[name]
        sink = ImportSpill(spill_dir / "import", spill_groups(log_dir, rows, per_bucket))
        n_groups = len(groups)
        for i, name in enumerate(sorted(groups)):
            if progress:
                progress(name, i, n_groups)
            files = groups.pop(name)
            if name in streams:
                spilled = spill_dir / name
                _read_parts(name, streams.pop(name), parts[name], spilled, sink, summary, options)
            else:
                result = get_importer(name)().read(files, options)
                sink.add(*add_group(summary, name, [f.name for f in files], result))
            del files
        if progress:
            progress("done", n_groups, n_groups)
        summary.tickets, summary.events = sink.rows, sink.events
        if strict and summary.rows_rejected:
            return None
        return merge_spill_into_log(log_dir, sink, per_bucket=per_bucket)
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)


def _read_parts(
    name: str,
    files: list[StreamFile],
    parts: int,
    spill: Path,
    sink: ImportSpill,
    summary: ImportSummary,
    options: ImportOptions,
) -> None:
    """One streamed group imported part by part into `sink`: one FileSummary and the group's
    problems (capped over all parts) added to `summary`."""
    names = [sf.file.name for sf in files]
    total = ImportSummary()
    for p in range(parts):
        inputs = part_files(files, p, spill)
        if not any(f.table.rows for f in inputs):
            continue
        result = get_importer(name)().read(inputs, options)
        sink.add(*add_group(total, name, names, result))
    bad = sum(sf.bad_rows for sf in files)
    problems = [p for sf in files for p in sf.problems] + total.problems
    summary.groups.append(
        FileSummary(
            importer=name,
            files=names,
            rows_read=sum(g.rows_read for g in total.groups) + bad,
            rows_imported=sum(g.rows_imported for g in total.groups),
            rows_rejected=sum(g.rows_rejected for g in total.groups) + bad,
        )
    )
    summary.problems += in_file_order(capped_over_parts(in_file_order(problems, names)), names)
