"""A mapping's source table: CSV or JSON/NDJSON records, combined and constant columns, offsets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.errors import UserError
from slametrics.importers.csv_reader import CsvTable, read_csv
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import is_json, json_path, json_text, load_json
from slametrics.mapping_schema import ColumnMapping, EventMapping

# a UTC offset at the end of a timestamp (`Z`, `+02:00`, `-0500`), after a digit of the time
OFFSET_RE = r"(?<=\d)(?:Z|[+-]\d{2}:?\d{2})\s*$"


def read_source(f: InputFile, mapping: ColumnMapping) -> CsvTable:
    """The file's records as string columns with their source lines: CSV, or JSON/NDJSON."""
    if f.suffix in (".xlsx", ".xlsm", ".xls"):
        raise UserError(
            f"{f.name}: Excel workbooks are not yet read through a mapping; save the sheet as "
            "CSV (UTF-8) and import that"
        )
    if is_json(f):
        return json_table(f, wanted_columns(mapping))
    return read_csv(f)


def wanted_columns(mapping: ColumnMapping) -> list[str]:
    """Every source column the mapping names (a nested JSON key may be a dotted path)."""
    em = mapping.event_mapping or EventMapping()
    names: list[str] = []
    for spec in (*mapping.columns.values(), *em.columns.values()):
        names += spec if isinstance(spec, list) else [spec]
    names += [e.value_from for effects in em.effects().values() for e in effects if e.value_from]
    return names


def json_table(f: InputFile, wanted: list[str]) -> CsvTable:
    """JSON records (a list, a document holding one, or NDJSON lines) as a table of text cells.

    Lines are NDJSON line numbers, or record numbers (1-based) within one JSON document. A key
    the records lack but the mapping names as `a.b` is read from nested objects.
    """
    doc, records, lines, problems = load_json(f)
    if doc is not None:
        records = _document_records(doc, f.name)
        lines = list(range(1, len(records) + 1))
    keys = list(dict.fromkeys(k for rec in records for k in rec))
    nested = [w for w in dict.fromkeys(wanted) if w not in keys and "." in w]
    columns = {k: [json_text(rec.get(k)) for rec in records] for k in keys}
    for name in nested:
        path = name.split(".")
        columns[name] = [json_text(json_path(rec, *path)) for rec in records]
    names = list(columns)
    arrow = pa.table({n: pa.array(v, pa.string()) for n, v in columns.items()})
    if not names:
        raise UserError(f"{f.name}: no JSON records with fields to map")
    rows_read = len(records) + sum(p.code == "malformed-json" for p in problems)
    return CsvTable(arrow, np.array(lines, dtype=np.int64), names, names, "", problems, rows_read)


def _document_records(doc, name: str) -> list[dict]:
    """The records of one JSON document: itself when a list, else its longest list of objects."""
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        doc = max(lists, key=len) if lists else [doc]
    if not isinstance(doc, list):
        raise UserError(f"{name}: JSON holds neither records nor a list of records")
    return [rec for rec in doc if isinstance(rec, dict)]


def source_name(spec: str | list[str]) -> str:
    """The column a field reads: its name, or a combined column's parts joined with ` + `."""
    return " + ".join(spec) if isinstance(spec, list) else spec


def constant_name(field: str) -> str:
    return f"constant {field}"


def mapped_frame(
    frame: pd.DataFrame, specs: dict[str, str | list[str]], mapping: ColumnMapping, file: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """(frame with combined and constant columns added, canonical field -> column name).

    A missing source column is one UserError listing the file's columns.
    """
    present = set(frame.columns)
    missing = [
        (field, c)
        for field, spec in specs.items()
        for c in ([spec] if isinstance(spec, str) else spec)
        if c not in present
    ]
    if missing:
        field, col = missing[0]
        shown = ", ".join(c for c in list(frame.columns)[:40] if c != "_line")
        more = f" (and {len(missing) - 1} more missing)" if len(missing) > 1 else ""
        raise UserError(
            f"{file}: the mapping names column {col!r} for {field}, but the file has no such "
            f"column{more}; columns: {shown}"
        )
    added: dict[str, pd.Series] = {}
    cols: dict[str, str] = {}
    for field, spec in specs.items():
        cols[field] = source_name(spec)
        if isinstance(spec, list) and cols[field] not in present:
            added[cols[field]] = combined(frame, spec, mapping.separator)
    for field, value in mapping.constants.items():
        if field not in cols:
            cols[field] = constant_name(field)
            text = str(value).lower() if isinstance(value, bool) else str(value)
            added[cols[field]] = pd.Series(text, index=frame.index, dtype="string")
    if added:
        frame = frame.assign(**added)
    return frame, cols


def combined(frame: pd.DataFrame, parts: list[str], separator: str) -> pd.Series:
    """The non-empty cells of `parts` joined with `separator` (empty when all are)."""
    out = None
    for col in parts:
        cell = frame[col].astype("string").str.strip()
        cell = cell.where(cell != "")
        out = cell if out is None else (out + separator + cell).fillna(out).fillna(cell)
    return out


def without_offsets(values: pd.Series) -> pd.Series:
    """Timestamps with their written UTC offset removed (the wall clock is kept)."""
    return values.astype("string").str.replace(OFFSET_RE, "", regex=True)
