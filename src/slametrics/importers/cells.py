"""Cell parsers shared by importers: text with null tokens, timestamps, numbers, booleans, durations."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.importers.arrow_text import clean_text, to_series
from slametrics.problems import Problem, problem, problems_from_mask

NULL_TOKENS = ("", "?", "null", "NULL", "None", "none", "NaN", "nan", "N/A", "n/a", "-", "#N/A")


MIN_TS = pd.Timestamp("1970-01-01", tz="UTC")


MAX_TS = pd.Timestamp("2100-01-01", tz="UTC")


def clean_strings(s: pd.Series, null_tokens: tuple[str, ...] = NULL_TOKENS) -> pd.Series:
    """Strip cells and turn the source's null tokens into missing values."""
    arr = getattr(s.array, "_pa_array", None)
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return to_series(clean_text(arr, null_tokens), index=s.index)  # no pandas detour
    s = s.astype("string").str.strip()
    return s.mask(s.isin(null_tokens))


def text_series(values: list) -> pd.Series:
    """Python values (JSON scalars or None) as a cleaned string column."""
    return clean_strings(pd.Series(values, dtype="object").astype("string"))


def is_blank(values: pd.Series) -> pd.Series:
    """Cells that are missing, empty or a null token."""
    return clean_strings(values.astype("object").astype("string")).isna()


_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)$", re.IGNORECASE)


def parse_timestamps(
    frame: pd.DataFrame,
    column: str,
    *,
    file: str,
    tz: str = "UTC",
    fmt: str | None = None,
    dayfirst: bool = False,
    null_tokens: tuple[str, ...] = NULL_TOKENS,
) -> tuple[pd.Series, list[Problem]]:
    """Parse a timestamp column to UTC, vectorized; bad cells become problems and NaT.

    Cells with an offset or `Z` keep it; naive cells are local time in `tz` (ambiguous wall
    times take their first occurrence, nonexistent ones move forward) and bring one
    `naive-timestamp` notice naming `tz` (the importer keeps one per file). Without `fmt`, ISO
    8601 is tried first, then a format inferred from the data.
    """
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    if column not in frame:
        return out, []
    if fmt is None:
        fast = _iso_utc(frame[column])  # clean instants as written: nothing to strip or null
        if fast is not None:
            return _check_range(fast, frame, frame[column], column, file, [])
    raw = clean_strings(frame[column], null_tokens)
    present = raw.notna()
    if not present.any():
        return out, []
    values = raw[present]
    if fmt is None:
        fast = _iso_utc(values)
        if fast is not None:
            out.loc[values.index] = fast
            return _check_range(out, frame, raw, column, file, [])
    aware = (
        values.str.contains(_TZ_SUFFIX, na=False) if fmt is None else pd.Series(False, values.index)
    )
    if aware.any():
        out.loc[aware[aware].index] = _to_datetime(values[aware], fmt, dayfirst, utc=True)
    naive = values[~aware]
    notices: list[Problem] = []
    if len(naive):
        parsed = _to_datetime(naive, fmt, dayfirst, utc=False)
        if getattr(parsed.dt, "tz", None) is None:
            parsed = parsed.dt.tz_localize(
                tz, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward"
            )
            if parsed.notna().any():  # the zone was assumed: say which
                notices.append(problem("naive-timestamp", file=file, zone=tz))
        out.loc[naive.index] = parsed.dt.tz_convert("UTC")
    bad = present & out.isna()
    problems = notices + problems_from_mask(
        frame.assign(**{column: raw}), bad, code="unparseable-timestamp", column=column, file=file
    )
    return _check_range(out, frame, raw, column, file, problems)


def _check_range(
    out: pd.Series,
    frame: pd.DataFrame,
    raw: pd.Series,
    column: str,
    file: str,
    problems: list[Problem],
) -> tuple[pd.Series, list[Problem]]:
    out_of_range = out.notna() & ((out < MIN_TS) | (out >= MAX_TS))
    if out_of_range.any():
        problems += problems_from_mask(
            frame.assign(**{column: raw}),
            out_of_range,
            code="timestamp-out-of-range",
            column=column,
            file=file,
        )
        out = out.mask(out_of_range)
    return out, problems


def _iso_utc(values: pd.Series) -> pd.Series | None:
    """All cells as ISO 8601 instants with `Z` or an offset, parsed by Arrow; None if any is not.

    Exports written by machines (and canonical files) are all like that, and Arrow parses them
    far faster than pandas; anything else takes the general path.
    """
    arr = getattr(values.array, "_pa_array", None)
    if arr is None:
        return None
    try:
        parsed = pc.cast(arr, pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return parsed.to_pandas().set_axis(values.index).astype("datetime64[us, UTC]")


def _to_datetime(values: pd.Series, fmt: str | None, dayfirst: bool, utc: bool) -> pd.Series:
    if fmt:
        res = pd.to_datetime(values, format=fmt, errors="coerce", utc=utc)
    else:
        res = pd.to_datetime(values, format="ISO8601", errors="coerce", utc=utc)
        if res.isna().mean() > 0.5:
            try:
                with warnings.catch_warnings():
                    # garbage cells leave pandas no format to infer: expected here, not news
                    warnings.filterwarnings(
                        "ignore", message="Could not infer format", category=UserWarning
                    )
                    alt = pd.to_datetime(values, errors="coerce", utc=utc, dayfirst=dayfirst)
            except (ValueError, TypeError):
                alt = res
            if alt.notna().sum() > res.notna().sum():
                res = alt
    if not utc and getattr(res.dt, "tz", None) is not None:
        res = res.dt.tz_convert("UTC")
    return res.astype("datetime64[us, UTC]" if res.dt.tz is not None else "datetime64[us]")


_DATE_START = re.compile(r"^(\d{1,2})([./-])(\d{1,2})[./-]\d{2,4}")


def guess_dayfirst(raw: pd.Series, default: bool = False) -> bool:
    """Whether `01.02.2026`-style cells put the day first: dots always do; with slashes or
    dashes, a first part above 12 says day-first and a second part above 12 month-first."""
    parts = clean_strings(raw.head(5000)).str.extract(_DATE_START).dropna()
    if parts.empty:
        return default
    if (parts[1] == ".").any():
        return True
    if (pd.to_numeric(parts[0]) > 12).any():
        return True
    if (pd.to_numeric(parts[2]) > 12).any():
        return False
    return default


def parse_numbers(
    frame: pd.DataFrame, column: str, *, file: str
) -> tuple[pd.Series, list[Problem]]:
    """Numeric cells (decimal comma accepted); unparseable ones become problems and NaN."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index), []
    raw = clean_strings(frame[column])
    arr = getattr(raw.array, "_pa_array", None)
    if arr is not None:
        try:  # all cells numbers (the usual case): Arrow parses them at C speed
            parsed = pc.cast(pc.replace_substring(arr, ",", "."), pa.float64())
            return pd.Series(parsed.to_numpy(zero_copy_only=False), index=frame.index), []
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    nums = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce")
    bad = raw.notna() & nums.isna()
    return nums, problems_from_mask(
        frame.assign(**{column: raw}), bad, code="bad-number", column=column, file=file
    )


BOOL_TRUE = {"true", "yes", "y", "1", "t", "да", "met", "ontime", "within sla", "achieved"}


BOOL_FALSE = {
    "false",
    "no",
    "n",
    "0",
    "f",
    "нет",
    "breached",
    "overdue",
    "sla violated",
    "violated",
}


def parse_booleans(
    frame: pd.DataFrame, column: str, *, file: str
) -> tuple[pd.Series, list[Problem]]:
    """Boolean cells (true/false, yes/no, 1/0, met/breached ...); others become problems."""
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="boolean"), []
    key = clean_strings(frame[column]).str.lower()
    out = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    out[key.isin(BOOL_TRUE).fillna(False)] = True
    out[key.isin(BOOL_FALSE).fillna(False)] = False
    bad = key.notna() & out.isna()
    return out, problems_from_mask(
        frame.assign(**{column: key}), bad, code="bad-boolean", column=column, file=file
    )


_HMS = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d))?$")


def parse_durations(frame: pd.DataFrame, column: str, *, file: str) -> tuple[pd.Series, list]:
    """`HH:MM:SS` / `HH:MM` (hours may exceed 24) or decimal hours -> seconds; bad cells -> problems."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index), []
    raw = clean_strings(frame[column])
    parts = raw.str.extract(_HMS)
    hms = (
        pd.to_numeric(parts[0]) * 3600
        + pd.to_numeric(parts[1]) * 60
        + pd.to_numeric(parts[2]).fillna(0)
    )
    hours = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce") * 3600
    seconds = hms.fillna(hours).astype(float)
    bad = raw.notna() & seconds.isna()
    return seconds, problems_from_mask(
        frame.assign(**{column: raw}), bad, code="bad-duration", column=column, file=file
    )
