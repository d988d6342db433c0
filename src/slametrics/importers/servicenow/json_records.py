"""ServiceNow JSON: JSONv2 `{"records": [...]}` (with `dv_*` display values) and Table API
`{"result": [...]}` (`sysparm_display_value=all` pairs), read as a table of strings."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.errors import UserError
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import json_text, load_json
from slametrics.importers.servicenow.vocabulary import DISPLAY_FIELDS
from slametrics.problems import Problem, problem

RECORD_KEYS = ("records", "result")

# head markers: an incident record names itself and its creation time; a sys_ field says ServiceNow
_NUMBER = re.compile(r'"number"\s*:')
_OPENED = re.compile(r'"opened_at"\s*:')
_SYS = re.compile(r'"(?:sys_id|sys_updated_on|sys_created_on|dv_[a-z_]+)"\s*:')


def looks_like_records(head: str) -> bool:
    """Whether a JSON head holds ServiceNow incident records."""
    return bool(_NUMBER.search(head) and _OPENED.search(head) and _SYS.search(head))


def read_records(f: InputFile) -> CsvTable:
    """The records of a ServiceNow JSON export as string columns, one row per record.

    Display values (`dv_priority`, or the Table API's `display_value`) replace raw ones for the
    fields policies match on (priority, state, groups, people); timestamps keep their raw value,
    which ServiceNow stores and returns in UTC (display values are in the user's zone and format).
    """
    doc, records, lines, problems = load_json(f)
    if doc is not None:
        records, lines, problems = _document_records(doc, f.name)
    columns: dict[str, list] = {}
    for i, rec in enumerate(records):  # JSON is parsed per value anyway; this only files them
        for key, value in rec.items():
            if isinstance(
                value, dict
            ):  # Table API: {"value", "display_value"} or {"link", "value"}
                if "display_value" in value:
                    columns.setdefault(f"dv_{key}", [None] * len(records))[i] = json_text(
                        value.get("display_value")
                    )
                value = value.get("value")
            columns.setdefault(key, [None] * len(records))[i] = json_text(value)
    for field in DISPLAY_FIELDS:
        shown = columns.get(f"dv_{field}")
        if shown is not None:
            raw = columns.get(field, [None] * len(records))
            columns[field] = [
                d if d not in (None, "") else r for d, r in zip(shown, raw, strict=True)
            ]
    names = list(columns)
    arrow = pa.table({n: pa.array(columns[n], pa.string()) for n in names})
    if not names:
        arrow = pa.table({"number": pa.array([None] * len(records), pa.string())})
        names = ["number"]
    line_numbers = np.asarray(lines, dtype=np.int64)
    return CsvTable(arrow, line_numbers, names, names, "", problems, len(records) + len(problems))


def _document_records(doc: object, name: str) -> tuple[list[dict], list[int], list[Problem]]:
    """A document's records: under `records` (JSONv2) or `result` (Table API), or a bare list;
    a single record (`get`) is one. Lines are record numbers (a document has no row lines)."""
    if isinstance(doc, dict):
        items = next((doc[k] for k in RECORD_KEYS if isinstance(doc.get(k), list)), None)
        if items is None:
            items = [doc[k] for k in RECORD_KEYS if isinstance(doc.get(k), dict)] or [doc]
    elif isinstance(doc, list):
        items = doc
    else:
        raise UserError(f"{name}: JSON holds neither records nor a list of records")
    records, lines, problems = [], [], []
    for i, item in enumerate(items, start=1):  # type checks only
        if isinstance(item, dict):
            records.append(item)
            lines.append(i)
        else:
            problems.append(
                problem(
                    "malformed-json",
                    file=name,
                    line=i,
                    value=repr(item)[:200],
                    detail=f"record {i} is {type(item).__name__}, not an object",
                )
            )
    return records, lines, problems


def unique_numbers(table: CsvTable) -> bool:
    """One record per incident (a list export), rather than one per update (the audit log)."""
    if "number" not in table.columns:
        return True
    numbers = pd.Series(table.arrow.column("number").to_pandas()).dropna()
    return not numbers.duplicated().any()
