"""A CSV group larger than memory read in parts of whole tickets: chunks cut at record ends,
each row hashed by its ticket id into a part file (Arrow IPC) in a spill directory.

Every row of a ticket (in the tickets file and in the events file) lands in the same part, in
its file's order, so an importer run over one part at a time dedupes tickets, drops orphan
events and synthesizes events as it would over the whole files (DESIGN §10).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import hashed_mod, per_run, take_rows
from slametrics.importers.base import Importer, ImportOptions
from slametrics.importers.chunks import NotStreamable, last_record_end, record_chunks
from slametrics.importers.csv_reader import (
    CsvTable,
    Records,
    first_record,
    parse_records,
    sniff_delimiter,
    unique_names,
)
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import is_json
from slametrics.problems import MAX_PER_CODE, Problem, more_problems

# a group of files at least this large is streamed (SLAMETRICS_STREAM_BYTES overrides it)
STREAM_BYTES = 256 << 20
CHUNK_BYTES = 64 << 20  # bytes parsed at a time (SLAMETRICS_STREAM_CHUNK_BYTES)
# input bytes per part: about a log bucket's worth (BUCKET_TICKETS tickets of 10 events)
PART_BYTES = 128 << 20
LINE = "__line"  # the spilled rows' source line
# (trimmed ticket ids, n) -> each row's bucket of n: the log's hash, given by the caller
BucketOf = Callable[[pa.Array, int], np.ndarray]


@dataclass
class StreamSettings:
    """When a group streams, and in what pieces (each from its environment variable)."""

    threshold: int = field(default_factory=lambda: _env("SLAMETRICS_STREAM_BYTES", STREAM_BYTES))
    chunk_bytes: int = field(
        default_factory=lambda: _env("SLAMETRICS_STREAM_CHUNK_BYTES", CHUNK_BYTES)
    )
    part_bytes: int = field(
        default_factory=lambda: _env("SLAMETRICS_STREAM_PART_BYTES", PART_BYTES)
    )


def _env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip().isdigit() else default


@dataclass
class StreamFile:
    """One file of a streamed group: where its ticket ids are and how it is parsed."""

    file: InputFile
    key: str
    header: list[str]
    names: list[str]
    delimiter: str
    coded: tuple[str, ...]
    header_bytes: bytes = b""
    problems: list[Problem] = field(default_factory=list)  # malformed rows, capped
    bad_rows: int = 0


def streamable(
    importer: type[Importer], files: list[InputFile], options: ImportOptions, threshold: int
) -> list[StreamFile] | None:
    """The group's files set up for streaming, or None when it is read whole: smaller than
    `threshold`, or a file the importer cannot read by ticket (no key column, not CSV)."""
    if not files or sum(f.size for f in files) < threshold:
        return None
    out = []
    for f in files:
        if f.sheet_suffix or f.suffix not in (".csv", ".tsv", ".txt", "") or is_json(f):
            return None
        header = first_record(f)
        key = importer.stream_key(header, options) if header else None
        if key is None:
            return None
        delim = sniff_delimiter(f.head(1 << 16).split("\n", 1)[0])
        coded = importer.stream_coded(header, options)
        out.append(StreamFile(f, key, header, unique_names(header), delim, coded))
    return out


def part_count(files: list[StreamFile], part_bytes: int) -> int:
    """Parts for the group: a power of two, each about `part_bytes` of input."""
    need = max(1, -(-sum(s.file.size for s in files) // max(1, part_bytes)))
    return 1 << (need - 1).bit_length()


def estimated_tickets(files: list[StreamFile], sample_bytes: int = 1 << 20) -> int | None:
    """Tickets in the group, estimated from each file's first MiB: its rows scaled to the
    file's size, times its share of distinct ids (the least estimate of the files, as events
    repeat their ticket's id); None when no sample parses."""
    found = []
    for sf in files:
        head = sf.file.head_bytes(sample_bytes)
        start, end = last_record_end(head, first=True), last_record_end(head)
        if not start or end <= start:
            continue
        records = parse_records(head[:end], sf.file.name, sf.names, sf.delimiter)
        ids = records.table.column(sf.key) if records.table.num_rows else None
        if ids is None:
            continue
        distinct = len(pc.unique(pc.utf8_trim_whitespace(ids)))
        found.append(distinct * sf.file.size // end)
    return min(found) if found else None


def partition(
    files: list[StreamFile],
    parts: int,
    spill: Path,
    chunk_bytes: int,
    bucket_of: BucketOf | None = None,
) -> int:
    """Every file's rows, chunk by chunk, into `parts` part files under `spill` (by `part_of`);
    the count of data rows parsed (malformed ones not included: they stay with their
    `StreamFile`)."""
    rows = 0
    for i, sf in enumerate(files):
        sf.problems = []
        writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}
        try:
            for records in _parsed(sf, chunk_bytes):
                _keep_problems(sf, records.problems, records.bad_rows)
                rows += records.table.num_rows
                _spill_chunk(
                    records.table, records.lines, sf.key, parts, spill, i, writers, bucket_of
                )
        finally:
            for w in writers.values():
                w.close()
        if sf.bad_rows > MAX_PER_CODE:
            more = sf.bad_rows - MAX_PER_CODE
            sf.problems.append(more_problems("malformed-row", more, file=sf.file.name))
        sf.problems = sf.file.problems + sf.problems  # a guessed encoding comes first
        sf.file.release()
    return rows


def _parsed(sf: StreamFile, chunk_bytes: int) -> Iterator[Records]:
    """The file's chunks parsed in order: the next one read and parsed on a thread (Arrow lets
    go of the GIL) while the caller hashes and spills this one. (Two chunks parsed at once
    gained nothing measurable at 1M tickets: Arrow parses each on both cores already.)"""
    inputs = _parse_inputs(sf, chunk_bytes)

    def parse_next() -> Records | None:
        item = next(inputs, None)
        if item is None:
            return None
        data, shift, header = item
        return parse_records(data, sf.file.name, sf.names, sf.delimiter, sf.coded, shift, header)

    with ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(parse_next)
        while (records := upcoming.result()) is not None:
            upcoming = pool.submit(parse_next)
            yield records


def _keep_problems(sf: StreamFile, problems: list[Problem], bad_rows: int) -> None:
    room = max(0, MAX_PER_CODE - len(sf.problems))
    sf.problems += problems[:room]
    sf.bad_rows += bad_rows


def _parse_inputs(sf: StreamFile, chunk_bytes: int) -> Iterator[tuple[bytearray, int, bool]]:
    """(bytes to parse, line shift, whether they start with the header), chunk by chunk."""
    for chunk, first_line in record_chunks(sf.file, chunk_bytes):
        if not sf.header_bytes:
            end = last_record_end(chunk, first=True)
            sf.header_bytes = bytes(chunk[:end] if end else chunk)
            if len(chunk) > len(sf.header_bytes):
                yield chunk, 0, True
            continue
        yield chunk, first_line - 1, False


def part_of(
    keys: pa.ChunkedArray | pa.Array, parts: int, bucket_of: BucketOf | None = None
) -> np.ndarray:
    """Part of each row by its ticket id (trimmed, as the importers clean it): `bucket_of` the
    trimmed ids when given (the log's bucket hash: a part then holds whole bucket groups), else
    a stable hash of each distinct id (pandas' SipHash), modulo `parts`. Rows of one id that
    come together (a ticket's events) are trimmed and hashed once."""
    if parts == 1 or not len(keys):
        return np.zeros(len(keys), dtype=np.int64)
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if pa.types.is_dictionary(keys.type):
        keys = keys.cast(pa.string())
    return per_run(keys, lambda ids: _part_of_each(ids, parts, bucket_of))


def _part_of_each(keys: pa.Array, parts: int, bucket_of: BucketOf | None) -> np.ndarray:
    trimmed = pc.utf8_trim_whitespace(keys)
    if bucket_of is not None:
        return bucket_of(trimmed, parts)
    encoded = pc.dictionary_encode(trimmed)
    return hashed_mod(encoded.dictionary, parts)[encoded.indices.to_numpy(zero_copy_only=False)]


def _spill_chunk(table, lines, key, parts, spill: Path, i: int, writers: dict, bucket_of) -> None:
    part = part_of(table.column(key), parts, bucket_of)
    order, bounds = rows_by_group(part, parts)
    table = table.append_column(LINE, pa.array(lines.astype(np.int64)))
    table = take_rows(table, order)
    for p in range(parts):
        if bounds[p] == bounds[p + 1]:
            continue
        if p not in writers:
            writers[p] = pa.ipc.new_stream(spill / f"in-{i}-{p}.arrows", table.schema)
        writers[p].write_table(table.slice(bounds[p], bounds[p + 1] - bounds[p]))


def rows_by_group(group: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(row order by group, stable; each group's start in it, and the end): small integers sort
    by radix, ten times faster than int64 keys."""
    small = group.astype(np.int16) if groups < 1 << 15 else group
    order = np.argsort(small, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=groups))])
    return order, bounds


def part_files(files: list[StreamFile], p: int, spill: Path) -> list[InputFile]:
    """Part `p` of each file, as input files that carry their parsed rows (the part files are
    removed once read: the table holds the rows)."""
    out = []
    for i, sf in enumerate(files):
        path = spill / f"in-{i}-{p}.arrows"
        if path.exists():
            with pa.memory_map(str(path)) as source:
                table = pa.ipc.open_stream(source).read_all()
            path.unlink()
        else:
            table = _empty_table(sf)
        lines = table.column(LINE).to_numpy()
        arrow = table.drop_columns([LINE])
        rows = arrow.num_rows
        parsed = CsvTable(arrow, lines, sf.names, sf.header, sf.delimiter, [], rows)
        f = InputFile(sf.file.name, sf.header_bytes or b"\n")
        f.table = parsed
        out.append(f)
    return out


def _empty_table(sf: StreamFile) -> pa.Table:
    coded = pa.dictionary(pa.int32(), pa.string())
    fields = [pa.field(n, coded if n in sf.coded else pa.string()) for n in sf.names]
    return pa.schema([*fields, pa.field(LINE, pa.int64())]).empty_table()


def in_file_order(problems: list[Problem], files: list[str]) -> list[Problem]:
    """Problems by file (in the order given; others after), then line; those without a line
    after, by code, column, value and message: one order however the rows were read (whole or
    in parts). Problems of one line keep their order (the importer's stages)."""

    def key(p: Problem) -> tuple:
        rank = files.index(p.file) if p.file in files else len(files)
        if p.line is not None:
            return (rank, p.file, 0, p.line, "", "", "", "")
        return (rank, p.file, 1, 0, p.code, p.column or "", p.value or "", p.message)

    return sorted(problems, key=key)


_MORE = re.compile(r"\band (\d+) more\b")
# codes whose cap counts a file's problems over all columns (`importers.checks`)
_CAPPED_PER_FILE = {"future-timestamp": 100, "reply-before-created": 100}


def capped_over_parts(problems: list[Problem]) -> list[Problem]:
    """Problems of an import's parts, each part capped per code (and file and column) with an
    "and N more": capped once more over the whole, the "more" counts added up; a file's
    notice (no line) that several parts said is said once."""
    kept: list[Problem] = []
    seen: dict[tuple, int] = {}
    more: dict[tuple, tuple[Problem | None, int]] = {}
    notices: set[tuple] = set()
    for p in problems:
        per_file = p.code in _CAPPED_PER_FILE
        key = (p.code, p.file) if per_file else (p.code, p.file, p.column)
        found = _MORE.search(p.message) if p.line is None and p.value is None else None
        if found is not None:
            first, count = more.get(key, (None, 0))
            more[key] = (first or p, count + int(found.group(1)))
            continue
        if p.line is None:
            said = tuple(p.model_dump().values())
            if said in notices:
                continue
            notices.add(said)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= _CAPPED_PER_FILE.get(p.code, MAX_PER_CODE):
            kept.append(p)
        else:
            first, count = more.get(key, (None, 0))
            more[key] = (first, count + 1)
    for key, (first, count) in more.items():
        if first is None:  # past the cap over the whole only: the catalogue's wording
            column = key[2] if len(key) > 2 else None
            first = more_problems(key[0], 1, file=key[1], column=column)
        message = _MORE.sub(f"and {count} more", first.message, count=1)
        kept.append(first.model_copy(update={"message": message}))
    return kept


__all__ = [
    "capped_over_parts",
    "in_file_order",
    "CHUNK_BYTES",
    "PART_BYTES",
    "STREAM_BYTES",
    "NotStreamable",
    "StreamFile",
    "StreamSettings",
    "part_count",
    "part_files",
    "part_of",
    "partition",
    "record_chunks",
    "rows_by_group",
    "streamable",
]
