"""Vendor CSV headers (English, Russian, German labels) resolved to canonical fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.errors import UserError
from slametrics.importers.csv_reader import CsvTable, read_csv
from slametrics.importers.io import InputFile
from slametrics.problems import ProblemReport


def norm_header(name: str) -> str:
    """A header label compared loosely: BOM and outer blanks removed, blanks collapsed, lower case."""
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()


# a mapping's `headers:` (file header -> the vendor's English header), normalized, for the
# importer running now: set by `Importer.read` (base.py), read by `resolve_columns`, so every
# vendor's alias lookup sees them without each vendor passing them down
_HEADER_RENAMES: ContextVar[dict[str, str] | None] = ContextVar("header_renames", default=None)


@contextmanager
def renamed_headers(renames: dict[str, str]) -> Iterator[None]:
    """Within the block, `resolve_columns` reads a file header `k` as `renames[k]`."""
    token = _HEADER_RENAMES.set({norm_header(k): v for k, v in renames.items()})
    try:
        yield
    finally:
        _HEADER_RENAMES.reset(token)


def resolve_columns(columns: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical field -> the file's column, for the fields whose label (or an alias) is present;
    a header the active mapping renames (`renamed_headers`) counts under its new label first."""
    present = {}
    renames = _HEADER_RENAMES.get() or {}
    for c in columns:
        if norm_header(c) in renames:
            present[norm_header(renames[norm_header(c)])] = c
    for c in columns:
        present.setdefault(norm_header(c), c)
    out = {}
    for fld, labels in aliases.items():
        for label in labels:
            if norm_header(label) in present:
                out[fld] = present[norm_header(label)]
                break
    return out


def require_columns(
    cols: dict[str, str],
    required: tuple[str, ...],
    aliases: dict[str, tuple[str, ...]],
    *,
    file: str,
    found: list[str],
    what: str,
) -> None:
    """UserError naming the first missing required column, its accepted labels and the header."""
    for fld in required:
        if fld not in cols:
            labels = aliases[fld]
            alt = f" (or {', '.join(repr(a) for a in labels[1:5])})" if len(labels) > 1 else ""
            shown = ", ".join(repr(c) for c in found[:40] if not c.startswith("_"))
            more = f" ... ({len(found)} in all)" if len(found) > 40 else ""
            raise UserError(
                f"{file}: {what} needs column {labels[0]!r}{alt}, which is missing; "
                f"columns found: {shown}{more}"
            )


def read_translated_csv(
    f: InputFile,
    report: ProblemReport,
    aliases: dict[str, tuple[str, ...]],
    required: dict[str, str],
    *,
    what: str,
) -> tuple[CsvTable, dict[str, str]]:
    """A vendor CSV export (English, Russian or German headers) and its resolved columns.

    Its rows and malformed-row problems are counted in `report`; a missing required field is a
    UserError naming the field's English label (`required` maps field -> label).
    """
    table = read_csv(f)
    report.problems += table.problems
    report.rows_read += table.rows_read
    report.rows_rejected += table.rows_read - table.rows
    cols = resolve_columns(table.columns, aliases)
    for fld, label in required.items():
        if fld not in cols:
            raise UserError(
                f"{f.name}: missing required column {label!r} (or its Russian/German "
                f"translation) for {what}; columns found: "
                f"{', '.join(table.header[:40])}"
            )
    return table, cols


def extra_map(df: pd.DataFrame) -> pd.Series:
    """Each row's non-empty cells as a list of (column, value) pairs, built with Arrow, not a loop."""
    if df.shape[1] == 0 or len(df) == 0:
        return pd.Series([[] for _ in range(len(df))], index=df.index, dtype=object)
    strings = df.astype("string")
    mask = (strings.notna() & (strings != "")).fillna(False).to_numpy(dtype=bool)
    values = strings.to_numpy(dtype=object, na_value=None)
    keys = np.broadcast_to(np.array(df.columns, dtype=object), values.shape)
    offsets = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int32)
    arr = pa.MapArray.from_arrays(
        pa.array(offsets, pa.int32()),
        pa.array(keys[mask], pa.string()),
        pa.array(values[mask], pa.string()),
    )
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=df.index, dtype=object)
