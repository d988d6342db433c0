"""A canonical events.csv, cleaned in Arrow: text columns coded by distinct value."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import categorical
from slametrics.importers.arrow_text import clean_text, text_codes, to_series
from slametrics.importers.cells import BOOL_FALSE, BOOL_TRUE, NULL_TOKENS, parse_timestamps
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.generic_csv.fields import CODED_EVENT_FIELDS, STATUS_EVENTS
from slametrics.importers.statuses import (
    IMPLIED_CLASSES,
    distinct_value_warnings,
    status_classes_of,
)
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import ACTORS, EVENT_TYPES, STATUS_CLASSES


def read_events(table: CsvTable, file: str, tz: str) -> tuple[pd.DataFrame, ProblemReport]:
    """Canonical events.csv rows, cleaned in Arrow: text columns are coded by distinct value,
    so ten million rows cost a few vectorized passes (the pandas string path took seconds)."""
    # column by column on two threads: Arrow's kernels release the GIL
    with ThreadPoolExecutor(max_workers=2) as pool:
        return _clean_events(table, file, tz, pool)


def _clean_events(
    table: CsvTable, file: str, tz: str, pool: ThreadPoolExecutor
) -> tuple[pd.DataFrame, ProblemReport]:
    lines = table.lines
    lower = {c.strip().lower(): c for c in table.columns}
    n = table.rows
    raw = table.take_columns()  # each raw column is freed once coded
    problems: list[Problem] = []
    ticket_job = pool.submit(clean_text, raw.pop(lower["ticket_id"]), NULL_TOKENS)
    at_job = pool.submit(_event_times, raw.pop(lower["at"]), lines, file, tz)
    code_jobs = {
        field: pool.submit(
            text_codes,
            raw.pop(lower[field]),
            NULL_TOKENS,
            None if field == "value" else pc.utf8_lower,
        )
        for field in CODED_EVENT_FIELDS
        if field in lower
    }
    del raw
    coded = {field: job.result() for field, job in code_jobs.items()}
    ticket_id = ticket_job.result()
    at, probs = at_job.result()
    problems += probs
    ev_codes, ev_names = coded["event"]
    if "public" in coded:
        public, probs = _event_booleans(coded["public"], lines, file)
        problems += probs
    cls_codes, cls_names, probs = _event_classes(coded, lines, file, n)
    problems += probs
    bad_event = _lookup(ev_codes, [e not in EVENT_TYPES for e in ev_names])
    problems += _row_problems(
        bad_event,
        lines,
        lambda rows: np.array(ev_names)[ev_codes[rows]],
        code="unknown-event",
        column="event",
        file=file,
    )
    missing_id = pc.is_null(ticket_id).to_numpy(zero_copy_only=False)
    problems += _row_problems(
        missing_id,
        lines,
        lambda rows: [None] * len(rows),
        code="missing-value",
        column="ticket_id",
        file=file,
    )
    reject = missing_id | bad_event | np.isnat(at) | (ev_codes < 0)
    keep = np.flatnonzero(~reject)
    all_kept = len(keep) == n
    texts = {"event": (ev_codes, ev_names), "status_class": (cls_codes, cls_names)}
    texts |= {f: coded[f] for f in ("value", "actor") if f in coded}
    out = pd.DataFrame(
        {
            "_line": lines if all_kept else lines[keep],
            "_file": pd.Categorical.from_codes(np.zeros(len(keep), dtype=np.int8), [file]),
            "ticket_id": to_series(ticket_id if all_kept else ticket_id.take(pa.array(keep))),
        }
    )
    # text columns stay codes (categoricals) up to the Parquet writer, which takes them as
    # dictionaries: decoding ten million cells to strings and hashing them again costs seconds
    for field in ("event", "value", "actor"):
        if field in texts:
            codes, names = texts[field]
            out[field] = categorical(codes if all_kept else codes[keep], names).array
    out["at"] = pd.Series(at if all_kept else at[keep]).dt.tz_localize("UTC")
    if "public" in coded:
        public = public if all_kept else public[keep]
        out["public"] = pd.arrays.BooleanArray(public == 1, public < 0)
    out["status_class"] = categorical(cls_codes if all_kept else cls_codes[keep], cls_names).array
    return out, ProblemReport(
        rows_imported=len(keep), rows_rejected=int(reject.sum()), problems=problems
    )


def _event_classes(
    coded: dict, lines: np.ndarray, file: str, n: int
) -> tuple[np.ndarray, list[str], list[Problem]]:
    """(codes, names, problems): each event's status class, from the class the file states,
    else its value (status-like events), else the class its type implies. A class or actor
    outside the schema's is made missing in `coded` (in place), with a warning."""
    ev_codes, ev_names = coded["event"]
    problems: list[Problem] = []
    status_like = _lookup(ev_codes, [e in STATUS_EVENTS for e in ev_names])
    cls_codes, cls_names, probs = _status_classes(coded.get("value"), status_like, lines, file, n)
    problems += probs
    # a class or actor outside the schema's is a warning and left empty (derived instead)
    for field, allowed in (("status_class", STATUS_CLASSES), ("actor", ACTORS)):
        if field in coded:
            *coded[field], probs = _allowed_only(*coded[field], allowed, field, lines, file)
            problems += probs
    if "status_class" in coded:  # a class the file states wins over one derived from the value
        sc_codes, sc_names = coded["status_class"]
        to_cls = np.array([cls_names.index(c) for c in sc_names] + [-1], dtype=np.int64)
        cls_codes = np.where(sc_codes >= 0, to_cls[sc_codes], cls_codes)
    # the class an event type implies (created -> new ...) where the value gave none
    implied = [
        cls_names.index(IMPLIED_CLASSES[e]) if e in IMPLIED_CLASSES else -1 for e in ev_names
    ]
    implied_codes = np.array([*implied, -1], dtype=np.int64)[ev_codes]
    cls_codes = np.where(cls_codes >= 0, cls_codes, implied_codes)
    return cls_codes, cls_names, problems


def _lookup(codes: np.ndarray, flags: list[bool]) -> np.ndarray:
    """Per row, the flag of its code (False for -1): a table lookup, not a set search."""
    return np.array([*flags, False], dtype=bool)[codes]


def _row_problems(mask: np.ndarray, lines: np.ndarray, values_at, **kw) -> list[Problem]:
    """Problems for the rows in `mask`; `values_at(rows)` gives their cells (only bad rows)."""
    if not mask.any():
        return []
    rows = np.flatnonzero(mask)
    frame = pd.DataFrame({"_line": lines[rows], kw["column"]: list(values_at(rows))})
    return problems_from_mask(frame, pd.Series(True, index=frame.index), **kw)


def _event_times(
    raw: pa.ChunkedArray, lines: np.ndarray, file: str, tz: str
) -> tuple[np.ndarray, list[Problem]]:
    """UTC instants (datetime64[us], NaT when missing or bad) of the `at` column."""
    frame = pd.DataFrame({"_line": lines, "at": to_series(raw)})
    at, problems = parse_timestamps(frame, "at", file=file, tz=tz)
    return at.dt.tz_localize(None).to_numpy("datetime64[us]"), problems


def _event_booleans(coded, lines: np.ndarray, file: str) -> tuple[np.ndarray, list[Problem]]:
    """`public` as True/False/None per row (as `parse_booleans`), decided per distinct value."""
    codes, names = coded
    truth = [1 if v in BOOL_TRUE else 0 if v in BOOL_FALSE else -1 for v in names]
    values = np.array([*truth, -1], dtype=np.int8)[codes]  # 1 true, 0 false, -1 unknown
    bad = np.array([t < 0 for t in truth] + [False])[codes]
    return values, _row_problems(
        bad,
        lines,
        lambda rows: np.array(names)[codes[rows]],
        code="bad-boolean",
        column="public",
        file=file,
    )


def _allowed_only(
    codes: np.ndarray,
    names: list[str],
    allowed: tuple[str, ...],
    column: str,
    lines: np.ndarray,
    file: str,
) -> tuple[np.ndarray, list[str], list[Problem]]:
    """(codes, names, problems) with values outside `allowed` made missing, one warning each."""
    bad = [n not in allowed for n in names]
    if not any(bad):
        return codes, names, []
    kept = [n for n in names if n in allowed]
    remap = np.array(
        [-1 if b else kept.index(n) for n, b in zip(names, bad, strict=True)] + [-1], dtype=np.int64
    )
    rows = np.flatnonzero(_lookup(codes, bad))
    problems = distinct_value_warnings(
        rows,
        codes,
        names,
        lines,
        file=file,
        column=column,
        code="unknown-value",
        note=f"not one of {', '.join(allowed)}; left empty",
    )
    return remap[codes], kept, problems


def _status_classes(
    coded, status_like: np.ndarray, lines: np.ndarray, file: str, n: int
) -> tuple[np.ndarray, list[str], list[Problem]]:
    """(codes, names, problems): the status class of each status-like event, from its value
    (as `map_status_classes`: case-insensitive, unknown -> open and one warning per value)."""
    names_out = list(STATUS_CLASSES)
    if coded is None:
        return np.full(n, -1, dtype=np.int64), names_out, []
    codes, names = coded
    mapped = status_classes_of(names)
    to_cls = np.array([names_out.index(m) if m else -1 for m in mapped] + [-1], dtype=np.int64)
    cls = np.where(status_like, to_cls[codes], -1)
    unknown = status_like & (codes >= 0) & (to_cls[codes] < 0)
    rows = np.flatnonzero(unknown)
    problems = distinct_value_warnings(
        rows, codes, names, lines, file=file, column="value", code="unknown-status"
    )
    cls[rows] = names_out.index("open")
    return cls, names_out, problems
