"""A streamed import: CSV groups larger than memory read in parts of whole tickets, spilled by
bucket and merged into the log bucket by bucket (DESIGN §10), with the whole-file import's
counts and problems."""

from __future__ import annotations

import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.api.imports import Progress, add_group
from slametrics.columns import distinct_text, runs_of
from slametrics.eventlog import BUCKET_TICKETS, MergeStats
from slametrics.eventlog.buckets import ticket_buckets
from slametrics.eventlog.snapshots import LogFiles, is_event_log
from slametrics.eventlog.spill import (
    ImportSpill,
    merge_spill_into_log,
    spill_groups,
    write_bucket,
)
from slametrics.importers import get_importer
from slametrics.importers.base import ImportOptions
from slametrics.importers.io import InputFile
from slametrics.importers.stream import (
    NotStreamable,
    StreamFile,
    StreamSettings,
    capped_over_parts,
    estimated_tickets,
    in_file_order,
    part_count,
    part_files,
    partition,
    streamable,
)
from slametrics.results import FileSummary, ImportSummary

T = TypeVar("T")
# parts imported at a time (threads): two keep both cores of a small machine busy
PART_WORKERS = 2


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
        parts: dict[str, Parts] = {}
        rows = 0
        for name in sorted(streams):
            source = get_importer(name).stream_source(options)
            parts[name] = _parts(log_dir, streams[name], source, settings, per_bucket)
            (spill_dir / name).mkdir()
            try:
                rows += partition(
                    streams[name],
                    parts[name].count,
                    spill_dir / name,
                    settings.chunk_bytes,
                    None if source is None else partial(_bucket_of, source),
                )
            except NotStreamable:  # not UTF-8: read whole, as the encoding is guessed for it
                del streams[name], parts[name]
        spilled_groups = _groups(log_dir, rows, per_bucket, parts)
        bucket_per_part = _bucket_per_part(log_dir, parts, spilled_groups)
        sink = ImportSpill(spill_dir / "import", spilled_groups, bucket_per_part)
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


@dataclass
class Parts:
    """How a streamed group was cut: `count` parts, by the log's bucket hash of `source` and
    the trimmed ticket id when a source is known (else by the id alone); `buckets`: the log's
    buckets after the import, as estimated from the files' heads."""

    count: int
    source: str | None
    buckets: int | None = None


def _parts(
    log_dir: Path, files: list[StreamFile], source: str | None, s: StreamSettings, per_bucket: int
) -> Parts:
    """At least as many parts as the log will have buckets (its tickets estimated from the
    files' heads): each part is then a bucket group, spilled and merged as it is; fewer parts
    than buckets make every bucket filter its group and hash it again (about 20% slower)."""
    count = part_count(files, s.part_bytes)
    tickets = estimated_tickets(files) if source is not None else None
    if tickets is None:
        return Parts(count, source)
    buckets = spill_groups(log_dir, tickets, per_bucket)
    return Parts(max(count, buckets), source, buckets)


def _bucket_per_part(log_dir: Path, parts: dict[str, Parts], groups: int) -> bool:
    """Whether each part is likely one bucket of a new log (the estimate can miss: the merge
    then reads such parts back): it is then written as the log stores it, in its own thread."""
    cut = [pp for pp in parts.values() if pp.source is not None]
    return (
        bool(cut)
        and not is_event_log(log_dir)
        and all(pp.count == groups == pp.buckets for pp in cut)
    )


def _groups(log_dir: Path, rows: int, per_bucket: int, parts: dict[str, Parts]) -> int:
    """The spill's bucket groups: `spill_groups` (rows of all files bound the tickets from
    above, often ten times over), or as many as the fewest parts cut by the log's hash when
    the log needs no more yet: each such part is then one group, spilled as it is (a log that
    ends up with more buckets filters the groups when merging)."""
    groups = spill_groups(log_dir, rows, per_bucket)
    cut = [pp.count for pp in parts.values() if pp.source is not None]
    if cut and min(cut) >= spill_groups(log_dir, 0, per_bucket):
        return min(groups, min(cut))
    return groups


def _bucket_of(source: str, ids: pa.Array, n: int) -> np.ndarray:
    return ticket_buckets(source, ids, n)


def _read_parts(
    name: str,
    files: list[StreamFile],
    parts: Parts,
    spill: Path,
    sink: ImportSpill,
    summary: ImportSummary,
    options: ImportOptions,
) -> None:
    """One streamed group imported part by part into `sink`: one FileSummary and the group's
    problems (capped over all parts) added to `summary`. Two parts are imported at a time, on
    threads (much of an importer's work is Arrow's and lets go of the GIL), and spilled in part
    order: the counts, problems and spill are those of one part after the other."""
    names = [sf.file.name for sf in files]
    # parts cut by the log's hash, as many as the spill's groups or more: a part is in one group
    by_bucket = parts.source is not None and parts.count % sink.groups == 0

    def import_part(p: int) -> ImportedPart | None:
        inputs = part_files(files, p, spill)
        if not any(f.table.rows for f in inputs):
            return None
        # read before the importer takes the tables over
        known = _part_ids(inputs, [sf.key for sf in files]) if by_bucket else None
        result = get_importer(name)().read(inputs, options)
        counts = ImportSummary()
        tickets, events = add_group(counts, name, names, result)
        codes, result = result.codes, None
        if known is None or not _all_known(tickets, events, parts.source, known):
            return ImportedPart(counts, tickets, events)
        if not sink.in_log_order:
            return ImportedPart(counts, tickets, events, p % sink.groups)
        written = ImportedPart(counts, tickets.num_rows, events.num_rows, p % sink.groups)
        written.files = sink.ordered_files(p)
        write_bucket(written.files, tickets, events, codes)
        return written

    total = ImportSummary()
    for done in in_order(import_part, range(parts.count), workers=PART_WORKERS):
        if done is not None:
            total.groups += done.counts.groups
            total.problems += done.counts.problems
            if done.files is not None:
                sink.add_ordered(done.files, done.tickets, done.events, done.group)
            else:
                sink.add(done.tickets, done.events, group=done.group)
            del done
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


@dataclass
class ImportedPart:
    """One part's counts and problems, and its tables (or their row counts once written as
    its bucket to `files`); `group`: the spill group that holds all its rows, when known."""

    counts: ImportSummary
    tickets: pa.Table | int
    events: pa.Table | int
    group: int | None = None
    files: LogFiles | None = None


def in_order(work: Callable[[int], T], items: range, workers: int) -> Iterator[T]:
    """`work` of each item, yielded in the items' order, at most `workers` of them running
    (and their results held) at a time."""
    if workers < 2 or len(items) < 2:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[T]] = deque()
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _part_ids(inputs: list[InputFile], keys: list[str]) -> pa.Array:
    """The ticket ids of a part's rows, trimmed as `partition` hashed them (one per run of
    equal ids, repeats kept: a set lookup takes them as they are)."""
    runs = [runs_of(f.table.arrow.column(key)) for f, key in zip(inputs, keys, strict=True)]
    pieces = [chunk for run in runs for chunk in run.chunks]
    return pc.utf8_trim_whitespace(pa.chunked_array(pieces, pa.large_string()).combine_chunks())


def _all_known(tickets: pa.Table, events: pa.Table, source: str, known: pa.Array) -> bool:
    """Whether every row has `source` and one of the `known` ticket ids (those of the part's
    rows, all of the part's bucket group by the log's hash): the part is then spilled as that
    group as it is. Ids the importer changed, or another source, are hashed row by row; one
    set lookup in Arrow, without the GIL, instead of hashing each id again (1 s of a 1M
    import)."""
    tables = [t for t in (tickets, events) if t.num_rows]
    if any(distinct_text(t.column("source")).to_pylist() != [source] for t in tables):
        return False
    ids = [chunk for t in tables for chunk in runs_of(t.column("ticket_id")).chunks]
    return not ids or pc.all(pc.is_in(pa.chunked_array(ids), value_set=known)).as_py()
