"""Ticket rows of a canonical tickets.csv, or of any CSV through a --mapping column map."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from slametrics.errors import UserError
from slametrics.importers.cells import (
    NULL_TOKENS,
    clean_strings,
    parse_booleans,
    parse_numbers,
    parse_timestamps,
)
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.generic_csv.fields import (
    BOOL_FIELDS,
    NUMBER_FIELDS,
    TEXT_FIELDS,
    TIMESTAMP_FIELDS,
    source_columns,
)
from slametrics.importers.generic_csv.sources import mapped_frame, wanted_columns, without_offsets
from slametrics.importers.headers import extra_map
from slametrics.importers.options import ColumnMapping
from slametrics.importers.statuses import map_status_classes
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import TICKET_COLUMNS


def _canonical_columns(table: CsvTable) -> dict[str, str | None]:
    """Canonical field -> column of a canonical tickets.csv (names compared case-insensitively)."""
    lower = {c.strip().lower(): c for c in table.columns}
    return {f: lower.get(f) for f in TICKET_COLUMNS}


def read_tickets(
    table: CsvTable, file: str, mapping: ColumnMapping | None, tz: str
) -> tuple[pd.DataFrame, ProblemReport]:
    df = table.frame
    problems: list[Problem] = []
    nulls = NULL_TOKENS if mapping is None or mapping.null_values is None else mapping.null_values
    nulls = tuple(nulls)
    out = pd.DataFrame(index=df.index)
    out["_line"] = df["_line"]
    out["_file"] = file
    if mapping is None:
        cols = _canonical_columns(table)
    else:
        df, found = mapped_frame(df, mapping.columns, mapping, file)
        cols = {f: found.get(f) for f in TICKET_COLUMNS}
    for req in ("ticket_id", "created_at"):
        if not cols.get(req):
            raise UserError(
                f"{file}: missing required column for {req!r}"
                + (" (the mapping's `columns:` names none)" if mapping is not None else "")
            )
    renamed = _renamed(df, cols, mapping)
    problems += _parsed_columns(out, renamed, cols, file, mapping, tz, nulls)
    if "status" in out:
        out["status_class"], probs = map_status_classes(
            out["status"],
            out,
            column="status",
            file=file,
            overrides=mapping.statuses if mapping else None,
        )
        problems += source_columns(probs, cols)
    if "tags" in renamed:
        out["tags"] = clean_strings(renamed["tags"], nulls).str.split(r"[,\s]+", regex=True)
    mapped_cols = set(wanted_columns(mapping)) if mapping else {c for c in cols.values() if c}
    extra_cols = [c for c in table.columns if c not in mapped_cols]
    if extra_cols and mapping is not None:
        out["extra"] = extra_map(df[extra_cols])
    reject, probs = _unusable(out, renamed, cols, file, nulls)
    problems += probs
    kept = out[~reject] if reject.any() else out
    rep = ProblemReport(rows_imported=len(kept), rows_rejected=int(reject.sum()), problems=problems)
    return kept, rep


def _renamed(
    df: pd.DataFrame, cols: dict[str, str | None], mapping: ColumnMapping | None
) -> pd.DataFrame:
    """The mapped columns under their canonical names, with the mapping's value maps applied."""
    renamed = pd.DataFrame({f: df[c] for f, c in cols.items() if c}, index=df.index)
    renamed["_line"] = df["_line"]
    if mapping is not None and mapping.ignore_offsets:
        for field in TIMESTAMP_FIELDS:
            if field in renamed:
                renamed[field] = without_offsets(renamed[field])
    values = mapping.values if mapping else {}
    for field, vmap in values.items():
        if field in renamed:
            key = renamed[field].astype("string").str.strip()
            mapped = key.map({str(k): v for k, v in vmap.items()})
            renamed[field] = (
                mapped.where(mapped.notna(), key)
                .astype("object")
                .map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v).lower())
                if field in BOOL_FIELDS
                else mapped.where(mapped.notna(), key)
            )
    return renamed


def _parsed_columns(
    out: pd.DataFrame,
    renamed: pd.DataFrame,
    cols: dict[str, str | None],
    file: str,
    mapping: ColumnMapping | None,
    tz: str,
    nulls: tuple[str, ...],
) -> list[Problem]:
    """Text, timestamp, number and boolean fields parsed into `out` (in place); their problems
    name the source columns."""
    problems: list[Problem] = []
    fmt = mapping.timestamp_format if mapping else None
    dayfirst = mapping.dayfirst if mapping else False
    with ThreadPoolExecutor(max_workers=2) as pool:  # columns are independent; Arrow frees the GIL
        texts = {
            f: pool.submit(clean_strings, renamed[f], nulls) for f in TEXT_FIELDS if f in renamed
        }
        times = {
            f: pool.submit(
                parse_timestamps,
                renamed,
                f,
                file=file,
                tz=tz,
                fmt=fmt,
                dayfirst=dayfirst,
                null_tokens=nulls,
            )
            for f in TIMESTAMP_FIELDS
            if f in renamed
        }
        for field, job in texts.items():
            out[field] = job.result()
        for field, job in times.items():
            out[field], probs = job.result()
            problems += source_columns(probs, cols)
    for field in NUMBER_FIELDS:
        if field in renamed:
            out[field], probs = parse_numbers(renamed, field, file=file)
            problems += source_columns(probs, cols)
    for field in BOOL_FIELDS:
        if field in renamed:
            out[field], probs = parse_booleans(renamed, field, file=file)
            problems += source_columns(probs, cols)
    return problems


def _unusable(
    out: pd.DataFrame,
    renamed: pd.DataFrame,
    cols: dict[str, str | None],
    file: str,
    nulls: tuple[str, ...],
) -> tuple[pd.Series, list[Problem]]:
    """(rows to reject, problems): rows without an id or a creation time; a summary time before
    creation is moved to creation (in place) with a warning."""
    missing_id = out["ticket_id"].isna()
    problems = problems_from_mask(
        out,
        missing_id,
        code="missing-value",
        column="ticket_id",
        file=file,
        label=cols["ticket_id"],
    )
    missing_created = out["created_at"].isna() & ~missing_id
    if missing_created.any():  # empty ones are missing values (bad ones were reported)
        raw_created = clean_strings(renamed["created_at"], nulls)
        problems += problems_from_mask(
            out.assign(created_at=raw_created),
            missing_created & raw_created.isna(),
            code="missing-value",
            column="created_at",
            file=file,
            label=cols["created_at"],
        )
    reject = missing_id | missing_created
    for field in ("first_response_at", "resolved_at", "closed_at"):
        if field not in out:
            continue
        # clock skew between systems: a case "closed at creation" may carry a time seconds
        # earlier; it is kept at creation time and reported, not dropped
        before = out[field].notna() & (out[field] < out["created_at"]) & ~reject
        problems += problems_from_mask(
            out.assign(**{field: renamed.get(field)}),
            before,
            code="resolved-before-created",
            column=field,
            file=file,
            label=cols[field],
            severity="warning",
        )
        out.loc[before, field] = out.loc[before, "created_at"]
    return reject, problems
