"""Reading export files: gzip and zip members, BOM, UTF-8 or a guessed single-byte encoding."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from slametrics.errors import UserError
from slametrics.importers.excel import OLE_MAGIC, is_workbook, workbook_sheets
from slametrics.problems import Problem, problem

if TYPE_CHECKING:
    from slametrics.importers.csv_reader import CsvTable

MAX_FILE_BYTES = 4 * 1024**3


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
        self.sheet_suffix = ""  # ".csv" for a workbook sheet converted to CSV text
        # the rows already parsed (a part of a streamed import: `data` is then its header)
        self.table: CsvTable | None = None

    @property
    def unread_path(self) -> Path | None:
        """The file on disk while its bytes are not yet read (a streamed import reads it in
        chunks instead), else None."""
        return self._path if self._data is None else None

    @property
    def size(self) -> int:
        """Bytes of the file: on disk while unread, else decoded."""
        path = self.unread_path
        return path.stat().st_size if path is not None else len(self._data or b"")

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
        if self.sheet_suffix:
            return self.sheet_suffix
        name = self.name.lower().removesuffix(".gz")
        return PurePosixPath(name).suffix

    def head_bytes(self, n: int = 65536) -> bytes:
        """The first `n` bytes (after a UTF-8 BOM), without reading the whole file."""
        if self._data is not None:
            return self._data[:n]
        if len(self._head) < n + 3:
            try:
                with open(self._path, "rb") as fh:
                    self._head = fh.read(n + 3)
            except OSError as exc:
                raise UserError(f"cannot read {self._path}: {exc.strerror}") from None
        return self._head[: n + 3].removeprefix(b"\xef\xbb\xbf")[:n]

    def head(self, n: int = 65536) -> str:
        if self._data is None:
            chunk = self.head_bytes(n)
            if chunk.isascii():  # decodes the same whatever the whole file's encoding is
                return chunk.decode("ascii")
            text = _utf8_prefix(chunk)
            if text is not None:  # a large file's head without reading the whole file
                return text
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
        if magic[:2] != b"\x1f\x8b" and magic[:4] != b"PK\x03\x04" and magic != OLE_MAGIC[:4]:
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
    if is_workbook(raw):
        return _sheets(str(p), raw)
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
        if is_workbook(data):
            files += _sheets(f"{p}:{info.filename}", data)
        else:
            files.append(_decoded(f"{p}:{info.filename}", data))
    if not files:
        raise UserError(f"{p}: the zip file has no files in it")
    return files


def _sheets(name: str, raw: bytes) -> list[InputFile]:
    """A workbook's export-like sheets, each as a CSV file named `workbook:sheet`."""
    files = []
    for sheet, data in workbook_sheets(name, raw):
        f = InputFile(f"{name}:{sheet}", data, "utf-8")
        f.sheet_suffix = ".csv"
        files.append(f)
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
    guessed = problem("encoding-guessed", file=name, line=line, value=encoding, encoding=encoding)
    text = raw.decode(encoding, errors="replace")
    return InputFile(name, text.encode("utf-8"), "utf-8", [guessed])


def _utf8_prefix(raw: bytes) -> str | None:
    """`raw` decoded as UTF-8 when it is (a character cut at its end dropped), else None."""
    for cut in range(4):
        try:
            return raw[: len(raw) - cut].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(raw) - 3:
                return None
    return None


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
