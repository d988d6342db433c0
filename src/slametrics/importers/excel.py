"""Excel workbooks (.xlsx, .xls) read like CSV: each sheet that looks like an export becomes CSV text.

python-calamine reads the workbook (Rust; faster than openpyxl's read-only mode, measured in
benchmarks/excel_readers.py). Typed cells are written as an export would have written them:
Excel dates as naive ISO wall times (the importer's zone rule then applies), whole numbers
without `.0` (ids like 10100128), booleans as true/false, durations as H:MM:SS.
"""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa
import pyarrow.csv as pacsv

from slametrics.errors import UserError

XLSX_MARKER = b"xl/workbook"  # an .xlsx is a zip whose directory names xl/workbook.xml
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy .xls (BIFF in an OLE container)


def is_workbook(raw: bytes) -> bool:
    """An .xlsx (a zip holding xl/workbook.xml) or a legacy .xls (OLE container)."""
    return raw[:8] == OLE_MAGIC or (raw[:4] == b"PK\x03\x04" and XLSX_MARKER in raw[-65536:])


def workbook_sheets(name: str, raw: bytes) -> list[tuple[str, bytes]]:
    """(sheet name, CSV bytes) for every sheet that looks like an export: a header row of at
    least two named cells and at least one row below it. None such: UserError."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheets = []
        for sheet_name in book.sheet_names:
            rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=True)
            if _looks_like_export(rows):
                sheets.append((sheet_name, rows_to_csv(rows)))
    except (CalamineError, ValueError, OSError) as exc:
        raise UserError(f"{name}: not a readable Excel workbook ({exc})") from None
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise UserError(f"{name}: not a readable Excel workbook ({type(exc).__name__})") from None
    if not sheets:
        raise UserError(f"{name}: no sheet has a header row and data below it")
    return sheets


def _looks_like_export(rows: list[list]) -> bool:
    if len(rows) < 2:
        return False
    named = [c for c in rows[0] if isinstance(c, str) and c.strip()]
    return len(named) >= 2


def rows_to_csv(rows: list[list]) -> bytes:
    """Sheet rows (header first) as UTF-8 CSV, each column's typed cells as text."""
    width = max(len(r) for r in rows)
    padded = [list(r) + [""] * (width - len(r)) for r in rows]
    header = [cell_text(c) or f"column {i + 1}" for i, c in enumerate(padded[0])]
    columns = list(zip(*padded[1:], strict=True)) if len(padded) > 1 else [()] * width
    # one pass per cell is what reading a workbook costs anyway (calamine builds the objects)
    arrays = [pa.array([cell_text(c) for c in col], pa.string()) for col in columns]
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(width)])
    out = io.BytesIO()
    out.write((",".join(_quoted(h) for h in header) + "\n").encode("utf-8"))
    pacsv.write_csv(table, out, write_options=pacsv.WriteOptions(include_header=False))
    return out.getvalue()


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


def cell_text(value: object) -> str:
    """A typed cell as the text a CSV export would hold."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)
