"""Reading export files: gzip and zip, encoding and delimiter sniffing, CSV with line numbers."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from slametrics.errors import UserError
from slametrics.problems import PROBLEM_CODES, Problem

MAX_FILE_BYTES = 4 * 1024**3
MAX_JSON_DOCUMENT_BYTES = 1024**3  # one JSON document is parsed whole; NDJSON has no such limit


class InputFile:
    """One export file's decoded bytes; `name` is what problems cite (zip members as zip:member).

    A plain file on disk (`path`) is read on first use of `data`: detection needs only its head,
    so a large file is read while the one before it is being cleaned.
    """

    def __init__(
        self,
        name: str,
        data: bytes | None = None,
        encoding: str = "utf-8",
        problems: list[Problem] | None = None,
        *,
        path: Path | None = None,
    ) -> None:
        if data is None and path is None:
            raise ValueError("InputFile needs data or a path")
        self.name = name
        self._data = data
        self.encoding = encoding
        self.problems = list(problems or [])
        self._path = path
        self._head = b""  # the first bytes of a file not yet read whole (detection asks often)

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._load()
        return self._data

    def _load(self) -> None:
        try:
            raw = self._path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read {self._path}: {exc.strerror}") from None
        decoded = _decoded(self.name, raw)
        self._data, self.encoding = decoded.data, decoded.encoding
        self.problems += decoded.problems

    @property
    def suffix(self) -> str:
        name = self.name.lower().removesuffix(".gz")
        return PurePosixPath(name).suffix

    def head(self, n: int = 65536) -> str:
        if self._data is None:
            if len(self._head) < n + 3:
                try:
                    with open(self._path, "rb") as fh:
                        self._head = fh.read(n + 3)
                except OSError as exc:
                    raise UserError(f"cannot read {self._path}: {exc.strerror}") from None
            chunk = self._head[: n + 3]
            chunk = chunk[3:] if chunk[:3] == b"\xef\xbb\xbf" else chunk
            if chunk.isascii():  # decodes the same whatever the whole file's encoding is
                return chunk[:n].decode("ascii")
        return self.data[:n].decode(self.encoding, errors="replace")

    def text(self) -> str:
        return self.data.decode(self.encoding, errors="replace")

    def release(self) -> None:
        """Drop the raw bytes once parsed: a large export is not held twice in memory."""
        self._data = b""


def open_inputs(path: str | Path) -> list[InputFile]:
    """The input files in `path`: itself, its gunzipped content, or each member of a zip."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"file not found: {p}")
    if p.is_dir():
        raise UserError(
            f"{p} is a directory; give export files, or an event-log directory as SOURCE"
        )
    if p.is_file():  # a pipe (/dev/stdin, <(...)) can be read once only: it is read whole below
        try:
            with open(p, "rb") as fh:
                magic = fh.read(4)
        except OSError as exc:
            raise UserError(f"cannot read {p}: {exc.strerror}") from None
        if magic[:2] != b"\x1f\x8b" and magic[:4] != b"PK\x03\x04":
            return [InputFile(str(p), path=p)]  # read when first needed
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {p}: {exc.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = _gunzip(raw)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise UserError(f"{p}: not a readable gzip file ({exc})") from None
    if raw[:4] == b"PK\x03\x04":
        return _zip_members(p, raw)
    return [_decoded(str(p), raw)]


def _gunzip(raw: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
        out = fh.read(MAX_FILE_BYTES + 1)
    if len(out) > MAX_FILE_BYTES:
        raise UserError("gzip content is larger than 4 GiB; split the export")
    return out


def _zip_members(p: Path, raw: bytes) -> list[InputFile]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise UserError(f"{p}: not a readable zip file ({exc})") from None
    files = []
    for info in zf.infolist():
        if info.is_dir() or info.filename.startswith("__MACOSX/"):
            continue
        member = PurePosixPath(info.filename)
        if member.is_absolute() or ".." in member.parts:
            raise UserError(f"{p}: refusing zip member with an unsafe path: {info.filename!r}")
        if info.file_size > MAX_FILE_BYTES:
            raise UserError(f"{p}: zip member {info.filename} is larger than 4 GiB")
        data = zf.read(info)
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(data)
        files.append(_decoded(f"{p}:{info.filename}", data))
    if not files:
        raise UserError(f"{p}: the zip file has no files in it")
    return files


def _decoded(name: str, raw: bytes) -> InputFile:
    """Strip a BOM and choose the encoding: UTF-8 if it decodes, else cp1251 or cp1252."""
    if raw[:3] == b"\xef\xbb\xbf":
        raw = raw[3:]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16")
        return InputFile(name, text.encode("utf-8"), "utf-8")
    if is_utf8(raw):
        return InputFile(name, raw, "utf-8")
    try:
        raw.decode("utf-8")
        bad_at = 0  # not reached: Arrow and Python agree on what UTF-8 is
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    encoding = _guess_single_byte(raw)
    line = raw.count(b"\n", 0, bad_at) + 1
    problem = Problem(
        code="encoding-guessed",
        file=name,
        line=line,
        value=encoding,
        message=f"not UTF-8 (first bad byte on line {line}); decoded as {encoding}",
        severity="warning",
    )
    text = raw.decode(encoding, errors="replace")
    return InputFile(name, text.encode("utf-8"), "utf-8", [problem])


def is_utf8(raw: bytes) -> bool:
    """Whether `raw` is valid UTF-8, checked without building a Python string of it."""
    if raw.isascii():
        return True
    offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(raw)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _guess_single_byte(raw: bytes) -> str:
    """cp1251 when high bytes come in runs (Cyrillic words), cp1252 when they stand alone.

    Both code pages put letters in 0xC0-0xFF, so the byte values cannot tell them apart; but a
    Russian word is made of such bytes, while a Spanish or German word has one accented letter
    between ASCII ones ("Atención", "Größe").
    """
    sample = np.frombuffer(raw[: 1 << 20], dtype=np.uint8)
    high = sample >= 0xC0
    if not high.any():
        return "cp1252"
    runs = (high[1:] & high[:-1]).sum()
    return "cp1251" if runs / high.sum() > 0.4 else "cp1252"


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


def _single_line_records(data: bytes, records: int) -> bool:
    """True when every record is one physical line and no blank line hides in between.

    Each record spans at least one line, and a blank line or a quoted newline adds a line
    without a record, so equal counts rule both out (no search through the data needed).
    """
    lines = _count_newlines(data) + (0 if data.endswith(b"\n") else 1)
    return lines == records


def _count_newlines(data: bytes, chunk: int = 1 << 24) -> int:
    """`data.count(b"\n")` in numpy chunks: twice as fast, and it lets go of the GIL (the
    next file is read on another thread meanwhile)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    return sum(int(np.count_nonzero(buf[i : i + chunk] == 0x0A)) for i in range(0, len(buf), chunk))


def _find_record(data: bytes, text: bytes, start: int) -> int:
    """Offset of `text` as a whole record (a line of its own) at or after `start`, or -1.

    A bad row "a" must not be found inside an earlier "aa" or "a,": it starts after a newline
    and ends at one (or at the end of the data).
    """
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
    Arrow codes them while parsing, on all cores, and never builds their strings.
    """
    if not f.data:  # reads the file now: decoding it may add an encoding problem
        raise UserError(f"{f.name}: empty file or no header row")
    header = first_record(f)
    if not header or all(not h.strip() for h in header):
        raise UserError(f"{f.name}: empty file or no header row")
    delim = sniff_delimiter(f.head(1 << 16).split("\n", 1)[0])
    names = unique_names(header)
    problems: list[Problem] = list(f.problems)
    bad_rows: list[int] = []

    search_from = [0]

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # pyarrow does not number rows when values may hold newlines: find the row's text
        line = row.number
        if line is None and row.text:
            at = _find_record(f.data, row.text.encode("utf-8"), search_from[0])
            if at >= 0:
                search_from[0] = at + len(row.text)
                line = f.data.count(b"\n", 0, at) + 1
        bad_rows.append(line or 0)
        problems.append(
            Problem(
                code="malformed-row",
                file=f.name,
                line=line,
                value=(row.text or "")[:200],
                message=f"expected {row.expected_columns} cells, found {row.actual_columns}",
            )
        )
        return "skip"

    # a value can hold a newline only between quotes: without any, Arrow may split the file
    # at every newline, which parses faster than tracking quotes across blocks
    quoted = b'"' in f.data
    try:
        table = pacsv.read_csv(
            pa.BufferReader(f.data),
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                # 1 MiB blocks parse fastest, quoted newlines or not (measured against 4, 16 MiB)
                block_size=1 << 20,
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
        raise UserError(f"{f.name}: cannot parse as CSV ({exc})") from None
    rows = table.num_rows
    total = rows + len(bad_rows) + 1
    if _single_line_records(f.data, total):
        lines = np.arange(2, total + 1)
    else:
        lines = record_lines(f.data)[1:]
    if bad_rows and len(lines) == rows + len(bad_rows):
        # pyarrow numbers invalid rows by physical line, so drop those lines from the map
        lines = lines[~np.isin(lines, np.array(bad_rows))]
    if len(lines) != rows:
        lines = np.arange(2, rows + 2)  # fall back to record numbers (header = line 1)
    return CsvTable(table, lines, names, header, delim, problems, rows + len(bad_rows))


def _objects(
    items: list, name: str, problems: list[Problem], ndjson: bool = False
) -> tuple[list[dict], list[Problem]]:
    """Keep the JSON objects; anything else in a record position becomes a problem."""
    records = []
    for i, item in enumerate(items, start=1):  # only type checks; the work is per column later
        if isinstance(item, dict):
            records.append(item)
        else:
            where = "line" if ndjson else "record"
            problems.append(
                Problem(
                    code="malformed-json",
                    file=name,
                    line=i if ndjson else None,
                    value=repr(item)[:200],
                    message=f"{where} {i} is {type(item).__name__}, not an object",
                )
            )
    return records, problems


def read_json_records(f: InputFile, keys: tuple[str, ...] = ()) -> tuple[list[dict], list[Problem]]:
    """Records from a JSON document (a list, or a dict holding a list under one of `keys`) or NDJSON."""
    text = f.text()
    stripped = text.lstrip()
    problems: list[Problem] = []
    if not stripped:
        raise UserError(f"{f.name}: empty file")
    if (
        len(f.data) > MAX_JSON_DOCUMENT_BYTES
        and stripped.startswith(("[", "{"))
        and "\n{" not in text[:65536]
    ):
        raise UserError(
            f"{f.name}: a single JSON document over 1 GiB; export it as NDJSON (one record per line)"
        )
    try:
        doc = json.loads(text)
    except RecursionError:
        raise UserError(f"{f.name}: JSON nested too deeply to be a ticket export") from None
    except json.JSONDecodeError as exc:
        if stripped.startswith("[") or "\n" not in stripped.strip():
            raise UserError(f"{f.name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        doc = None
    if doc is None:
        records = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except RecursionError:
                raise UserError(f"{f.name}: line {i}: JSON nested too deeply") from None
            except json.JSONDecodeError as exc:
                problems.append(
                    Problem(
                        code="malformed-json",
                        file=f.name,
                        line=i,
                        value=line[:200],
                        message=exc.msg,
                    )
                )
        return _objects(records, f.name, problems, ndjson=True)
    if isinstance(doc, list):
        return _objects(doc, f.name, problems)
    if isinstance(doc, dict):
        for key in keys:
            if isinstance(doc.get(key), list):
                return _objects(doc[key], f.name, problems)
        return [doc], problems
    raise UserError(f"{f.name}: JSON holds neither records nor a list of records")


def is_json(f: InputFile) -> bool:
    """A JSON or NDJSON file by its name, else by its first non-blank character (or no content)."""
    return f.suffix in (".json", ".ndjson", ".jsonl") or f.head(1 << 12).lstrip()[:1] in "{["


def load_json(f: InputFile) -> tuple[Any, list[dict], list[int], list[Problem]]:
    """A JSON document, or NDJSON records with their line numbers; broken JSON -> UserError.

    NDJSON is recognized by its first non-blank line being a whole JSON value; then each bad line
    is a `malformed-json` problem. Returns (document or None, records, lines, problems).
    """
    text = f.text()
    stripped = text.lstrip()
    if not stripped:
        raise UserError(f"{f.name}: empty file")
    lines = text.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.strip())
    if len(f.data) > MAX_JSON_DOCUMENT_BYTES and len(lines) - first < 2:
        raise UserError(
            f"{f.name}: a single JSON document over 1 GiB; export it as NDJSON (one record per line)"
        )
    try:
        return json.loads(text), [], [], []
    except json.JSONDecodeError as exc:
        error = exc
    except RecursionError:
        raise UserError(f"{f.name}: JSON nested too deeply to be a ticket export") from None
    try:
        json.loads(lines[first])
    except (json.JSONDecodeError, RecursionError):
        raise UserError(
            f"{f.name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    records, numbers, problems = [], [], []
    for i, line in enumerate(lines[first:], start=first + 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(_malformed(f.name, i, line, exc.msg))
            continue
        except RecursionError:
            problems.append(_malformed(f.name, i, line, "nested too deeply"))
            continue
        if isinstance(rec, dict):
            records.append(rec)
            numbers.append(i)
        else:
            problems.append(_malformed(f.name, i, line, "not a JSON object"))
    return None, records, numbers, problems


def _malformed(file: str, line: int, text: str, msg: str) -> Problem:
    return Problem(
        code="malformed-json",
        file=file,
        line=line,
        value=text[:200],
        message=f"{PROBLEM_CODES['malformed-json']}: {msg}",
    )


def json_path(rec: Any, *path: str) -> Any:
    """The value at `path` in nested JSON objects; None where a step is missing or not an object."""
    for key in path:
        if not isinstance(rec, dict):
            return None
        rec = rec.get(key)
    return rec


def json_list(value: Any) -> list:
    """A JSON array, or an empty list for anything else (a malformed export)."""
    return value if isinstance(value, list) else []


def json_text(value: Any) -> str | None:
    """A scalar as text (ids as `35436`, not `35436.0`); containers (a malformed export) as missing."""
    return None if value is None or isinstance(value, (dict, list)) else str(value)
