"""CSV files read as Arrow string columns: delimiter sniffing, headers, each row's source line."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from slametrics.errors import UserError
from slametrics.importers.io import InputFile
from slametrics.problems import MAX_PER_CODE, Problem, more_problems


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV header line: the most frequent of `,` `;` tab `|` outside quotes."""
    counts = {}
    for d in (",", ";", "\t", "|"):
        try:
            row = next(csv.reader([header], delimiter=d))
        except (csv.Error, StopIteration):
            continue
        counts[d] = len(row)
    best = max(counts, key=lambda d: counts[d]) if counts else ","
    return best if counts.get(best, 1) > 1 else ","


def first_record(f: InputFile) -> list[str]:
    """The header cells of a CSV file (quoted newlines allowed)."""
    head = f.head(1 << 16)
    first_line = head.split("\n", 1)[0]
    delim = sniff_delimiter(first_line)
    try:
        return next(csv.reader(io.StringIO(head), delimiter=delim))
    except (csv.Error, StopIteration):
        return []


def unique_names(names: list[str]) -> list[str]:
    """Header names made unique positionally: `Comment`, `Comment.1`, `Comment.2` (as pandas does)."""
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = raw.strip() or "unnamed"
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out


def record_lines(data: bytes, quote: int = 0x22) -> np.ndarray:
    """1-based physical line where each non-empty CSV record starts (header included).

    A newline ends a record when an even number of quote characters precede it. Only the
    positions of quotes and newlines are kept (numpy), so it costs no Python loop per row.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 0x0A)
    quotes = np.flatnonzero(buf == quote)
    ends = nl[np.searchsorted(quotes, nl) % 2 == 0] if len(quotes) else nl
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(buf)]])
    line_of_start = np.searchsorted(nl, starts, side="left") + 1
    length = stops - starts
    cr_only = (length == 1) & (buf[np.clip(starts, 0, max(len(buf) - 1, 0))] == 0x0D)
    non_empty = (length > 0) & ~cr_only
    return line_of_start[non_empty]


def longest_record(data: bytes, quoted: bool, chunk: int = 1 << 24) -> int:
    """Bytes in the longest CSV record (a quoted newline does not end one), in numpy chunks.

    Arrow's reader needs every record inside one block: a longer one fails the whole file, and
    with threads it can hang or abort instead of raising, so the block size is chosen from this.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    longest, last_end, quotes_before = 0, -1, 0
    for i in range(0, len(buf), chunk):
        part = buf[i : i + chunk]
        ends = np.flatnonzero(part == 0x0A)
        if quoted:
            at = np.flatnonzero(part == 0x22)
            even = (quotes_before + np.searchsorted(at, ends)) % 2 == 0
            quotes_before += len(at)
            ends = ends[even]
        if len(ends):
            ends = ends + i
            gaps = np.diff(ends, prepend=last_end)
            longest = max(longest, int(gaps.max()))
            last_end = int(ends[-1])
    return max(longest, len(buf) - 1 - last_end)


def block_size_for(longest: int) -> int:
    """Arrow's block size for records up to `longest` bytes: 1 MiB (the fastest, measured
    against 4 and 16 MiB), else a power of two holding two such records."""
    size = 1 << 20
    while size < 2 * longest + 1024:
        size <<= 1
    if size > MAX_BLOCK_BYTES:
        return 0
    return size


MAX_BLOCK_BYTES = 1 << 30  # Arrow counts a block's bytes in a 32-bit integer
SHORT_LINES = 1 << 17  # a window of this many bytes with a newline in it: see _block_size


def _block_size(data: bytes, quoted: bool) -> int:
    """Arrow's block size for `data`. Without quotes a record is a line, and when every
    window of SHORT_LINES bytes holds a newline no line reaches twice that, well inside the
    default block: a few hundred `find` calls instead of listing every newline (a tenth of
    the time of parsing a chunk of events)."""
    if len(data) <= 1 << 19:
        return 1 << 20
    if not quoted and all(
        data.find(b"\n", i, i + SHORT_LINES) >= 0
        for i in range(0, len(data) - SHORT_LINES + 1, SHORT_LINES)
    ):
        return block_size_for(2 * SHORT_LINES)
    return block_size_for(longest_record(data, quoted))


def _single_line_records(data: bytes, records: int) -> bool:
    """True when every record is one physical line and no blank line hides in between.

    Each record spans at least one line, and a blank line or a quoted newline adds a line
    without a record, so equal counts rule both out (no search through the data needed).
    """
    lines = count_newlines(data) + (0 if data.endswith(b"\n") else 1)
    return lines == records


def count_newlines(data: bytes, chunk: int = 1 << 24) -> int:
    """`data.count(b"\n")` in numpy chunks: twice as fast, and it lets go of the GIL (the
    next file is read on another thread meanwhile)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    return sum(int(np.count_nonzero(buf[i : i + chunk] == 0x0A)) for i in range(0, len(buf), chunk))


def _find_record(data: bytes, text: bytes, start: int) -> int:
    """Offset of `text` as a whole record (a line of its own) at or after `start`, or -1.

    A bad row "a" must not be found inside an earlier "aa" or "a,": it starts after a newline
    and ends at one (or at the end of the data).
    """
    if (
        start == 0
        and data.startswith(text)
        and data[len(text) : len(text) + 1] in (b"", b"\n", b"\r")
    ):
        return 0  # the first record (a chunk parsed without its header)
    at = data.find(b"\n" + text, max(start - 1, 0))
    while at >= 0:
        end = at + 1 + len(text)
        if end == len(data) or data[end : end + 1] in (b"\n", b"\r"):
            return at + 1
        at = data.find(b"\n" + text, at + 1)
    return -1


@dataclass
class CsvTable:
    """A CSV file read as strings: the Arrow table, each row's source line, and (built on first
    use) a pandas frame with `_line` holding that line."""

    arrow: pa.Table
    lines: np.ndarray
    columns: list[str]
    header: list[str]
    delimiter: str
    problems: list[Problem]
    rows_read: int

    @cached_property
    def frame(self) -> pd.DataFrame:
        frame = self.arrow.to_pandas(types_mapper=None)
        frame["_line"] = self.lines
        return frame

    @property
    def rows(self) -> int:
        return len(self.lines)

    def take_columns(self) -> dict[str, pa.ChunkedArray]:
        """The Arrow columns by name, handed over: the table lets go of them (and of the memory
        they hold once the caller drops them too)."""
        columns = dict(zip(self.arrow.column_names, self.arrow.columns, strict=True))
        self.arrow = None
        return columns


def read_csv(f: InputFile, dictionary: Collection[str] = ()) -> CsvTable:
    """Read a CSV export as string columns; malformed rows become problems, never exceptions.

    Columns named in `dictionary` (few distinct values over many rows) come dictionary-encoded:
    Arrow codes them while parsing, on all cores, and never builds their strings. A file that
    carries its table already (one part of a streamed import) is that table.
    """
    if f.table is not None:
        return f.table
    if not f.data:  # reads the file now: decoding it may add an encoding problem
        raise UserError(f"{f.name}: empty file or no header row")
    header = first_record(f)
    if not header or all(not h.strip() for h in header):
        raise UserError(f"{f.name}: empty file or no header row")
    delim = sniff_delimiter(f.head(1 << 16).split("\n", 1)[0])
    names = unique_names(header)
    parsed = parse_records(f.data, f.name, names, delim, dictionary)
    problems = list(f.problems) + parsed.problems
    if parsed.bad_rows > MAX_PER_CODE:
        problems.append(more_problems("malformed-row", parsed.bad_rows - MAX_PER_CODE, file=f.name))
    rows = parsed.table.num_rows
    return CsvTable(
        parsed.table, parsed.lines, names, header, delim, problems, rows + parsed.bad_rows
    )


@dataclass
class Records:
    """Parsed CSV records: the table, each row's line, the malformed rows' problems (at most
    MAX_PER_CODE of them) and how many rows were malformed."""

    table: pa.Table
    lines: np.ndarray
    problems: list[Problem]
    bad_rows: int


def parse_records(
    data: bytes,
    name: str,
    names: list[str],
    delim: str,
    dictionary: Collection[str] = (),
    line_shift: int = 0,
    header: bool = True,
) -> Records:
    """The records of `data` as string columns (the first is the header, skipped, if `header`).

    `line_shift` is added to every line: a chunk of a file (without the header) numbers its
    rows as the file does.
    """
    head = 1 if header else 0
    problems: list[Problem] = []
    bad_rows: list[int] = []
    search_from = [0]

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # pyarrow does not number rows when values may hold newlines: find the row's text
        line = row.number
        if line is None and row.text:
            at = _find_record(data, row.text.encode("utf-8"), search_from[0])
            if at >= 0:
                search_from[0] = at + len(row.text)
                line = data.count(b"\n", 0, at) + 1
        bad_rows.append(line or 0)
        if len(bad_rows) > MAX_PER_CODE:
            return "skip"  # counted; one "and N more" stands for the rest
        problems.append(
            Problem(
                code="malformed-row",
                file=name,
                line=line + line_shift if line else line,
                value=(row.text or "")[:200],
                message=f"expected {row.expected_columns} cells, found {row.actual_columns}",
            )
        )
        return "skip"

    # a value can hold a newline only between quotes: without any, Arrow may split the file
    # at every newline, which parses faster than tracking quotes across blocks
    quoted = b'"' in data
    block = _block_size(data, quoted)
    if not block:
        raise UserError(f"{name}: a CSV record is larger than 512 MiB; cannot read it")
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=head,
                block_size=block,
                use_threads=True,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, newlines_in_values=quoted, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    n: pa.dictionary(pa.int32(), pa.string()) if n in dictionary else pa.string()
                    for n in names
                },
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise UserError(f"{name}: cannot parse as CSV ({exc})") from None
    rows = table.num_rows
    total = rows + len(bad_rows) + head
    if _single_line_records(data, total):
        lines = np.arange(1 + head, total + 1)
    else:
        lines = record_lines(data)[head:]
    if bad_rows and len(lines) == rows + len(bad_rows):
        # pyarrow numbers invalid rows by physical line, so drop those lines from the map
        lines = lines[~np.isin(lines, np.array(bad_rows))]
    if len(lines) != rows:
        lines = np.arange(1 + head, rows + 1 + head)  # record numbers (header = line 1)
    return Records(table, lines + line_shift, problems, len(bad_rows))
