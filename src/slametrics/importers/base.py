"""What every importer shares: options, results, timestamp and status parsing, snapshot events."""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import (
    ascending,
    categorical,
    categories_of,
    codes_in,
    concat_frames,
    distinct_codes,
    fill_by_key,
    group_first,
    group_last,
    index_in,
    is_categorical,
    to_us,
)
from slametrics.errors import UserError
from slametrics.eventcodes import EventCodes, priority_codes
from slametrics.importers.arrow_text import clean_text, to_series
from slametrics.importers.io import CsvTable, InputFile, read_csv
from slametrics.problems import PROBLEM_CODES, Problem, ProblemReport, problems_from_mask
from slametrics.schema import (
    DONE_CLASSES,
    EVENTS_SCHEMA,
    STATUS_CLASSES,
    TICKET_COLUMNS,
    TICKETS_SCHEMA,
    empty_frame,
)

NULL_TOKENS = ("", "?", "null", "NULL", "None", "none", "NaN", "nan", "N/A", "n/a", "-", "#N/A")
MIN_TS = pd.Timestamp("1970-01-01", tz="UTC")
MAX_TS = pd.Timestamp("2100-01-01", tz="UTC")

# Raw status (lower-cased) -> status class. Class names map to themselves; vendors' common names
# have defaults here; a mapping file or a vendor importer can add or override.
DEFAULT_STATUS_CLASSES: dict[str, str] = {
    **{c: c for c in STATUS_CLASSES},
    "cancelled": "canceled",
    "waiting customer": "waiting_customer",
    "waiting on customer": "waiting_customer",
    "waiting for customer": "waiting_customer",
    "awaiting customer": "waiting_customer",
    "awaiting user info": "waiting_customer",
    "awaiting caller": "waiting_customer",
    "pending": "waiting_customer",
    "waiting on third party": "waiting_third_party",
    "waiting for third party": "waiting_third_party",
    "waiting third party": "waiting_third_party",
    "awaiting vendor": "waiting_third_party",
    "awaiting problem": "waiting_third_party",
    "awaiting change": "waiting_third_party",
    "awaiting evidence": "waiting_customer",
    "pending vendor": "waiting_third_party",
    "hold": "on_hold",
    "on hold": "on_hold",
    "on-hold": "on_hold",
    "suspended": "on_hold",
    "deferred": "on_hold",
    "solved": "resolved",
    "done": "resolved",
    "fixed": "resolved",
    "completed": "resolved",
    "complete": "resolved",
    "in progress": "open",
    "work in progress": "open",
    "active": "open",
    "assigned": "open",
    "accepted": "open",
    "queued": "open",
    "escalated": "open",
    "reopened": "open",
    "to do": "open",
    "waiting for support": "open",
    "under investigation": "open",
    "unassigned": "new",
    "submitted": "new",
    "registered": "new",
    # Russian helpdesks (ITSM 365, Naumen, Bitrix24, 1C)
    "новый": "new",
    "новая": "new",
    "открыт": "open",
    "открыта": "open",
    "в работе": "open",
    "возобновлена": "open",
    "ожидает ответа клиента": "waiting_customer",
    "ожидание ответа": "waiting_customer",
    "ожидание клиента": "waiting_customer",
    "ожидание": "waiting_customer",
    "отложена": "on_hold",
    "отложен": "on_hold",
    "решена": "resolved",
    "решен": "resolved",
    "решён": "resolved",
    "выполнена": "resolved",
    "закрыта": "closed",
    "закрыт": "closed",
    "отменена": "canceled",
    "отменен": "canceled",
}


@dataclass
class ImportOptions:
    """Options every importer accepts (DESIGN §8 `import`)."""

    tz: str | None = None
    mapping: Path | None = None
    source: str | None = None


@dataclass
class ImportResult:
    """Canonical frames from one importer run, with its problems and row accounting."""

    tickets: pd.DataFrame
    events: pd.DataFrame
    report: ProblemReport = field(default_factory=ProblemReport)
    importer: str = ""
    codes: EventCodes | None = None  # of `events` with `tickets` in id order, when known


class Importer:
    """An export format: detects its files and reads them into canonical tickets and events."""

    name: ClassVar[str]
    description: ClassVar[str]
    fidelity: ClassVar[str]
    default_tz: ClassVar[str] = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        """Confidence (0 = not mine, 100 = certain) that `f` is this importer's format."""
        return 0

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        raise NotImplementedError


def clean_strings(s: pd.Series, null_tokens: tuple[str, ...] = NULL_TOKENS) -> pd.Series:
    """Strip cells and turn the source's null tokens into missing values."""
    arr = getattr(s.array, "_pa_array", None)
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return to_series(clean_text(arr, null_tokens), index=s.index)  # no pandas detour
    s = s.astype("string").str.strip()
    return s.mask(s.isin(null_tokens))


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
    times take their first occurrence, nonexistent ones move forward). Without `fmt`, ISO 8601 is
    tried first, then a format inferred from the data.
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
    if len(naive):
        parsed = _to_datetime(naive, fmt, dayfirst, utc=False)
        if getattr(parsed.dt, "tz", None) is None:
            parsed = parsed.dt.tz_localize(
                tz, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward"
            )
        out.loc[naive.index] = parsed.dt.tz_convert("UTC")
    bad = present & out.isna()
    problems = problems_from_mask(
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


def map_status_classes(
    raw: pd.Series,
    frame: pd.DataFrame,
    *,
    column: str,
    file: str,
    overrides: dict[str, str] | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """Status classes for raw statuses (case-insensitive); unknown ones become `open` + a warning.

    Worked out per distinct status (a handful over many rows), one warning per distinct unknown
    one at its first row.
    """
    codes, names = distinct_codes(raw.astype("string"))
    names = names.to_pylist()
    classes = status_classes_of(names, overrides)
    unknown = np.array([c is None for c in classes] + [False])[codes]
    lines = frame["_line"] if frame.index.equals(raw.index) else frame["_line"].reindex(raw.index)
    problems = distinct_value_warnings(
        np.flatnonzero(unknown),
        codes,
        names,
        lines.to_numpy(),
        file=file,
        column=column,
        code="unknown-status",
    )
    indices = pa.array(np.where(codes < 0, 0, codes).astype(np.int32), mask=codes < 0)
    dictionary = pa.array([c or "open" for c in classes] or [""], pa.large_string())
    out = pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.large_string())
    return to_series(out, index=raw.index), problems


def status_classes_of(names: list[str], overrides: dict[str, str] | None = None) -> list:
    """The status class of each raw status (trimmed, case-insensitive); None for unknown ones."""
    table = dict(DEFAULT_STATUS_CLASSES)
    table.update({k.strip().lower(): v for k, v in (overrides or {}).items()})
    return [table.get(n.strip().lower()) for n in names]


def distinct_value_warnings(
    rows: np.ndarray,
    codes: np.ndarray,
    names: list[str],
    lines: np.ndarray,
    *,
    file: str,
    column: str,
    code: str,
    note: str = "",
) -> list[Problem]:
    """One warning per distinct value among `rows` (trimmed, case-insensitive), at its first row
    and with its row count, not one per row. `codes` index `names` per row of the file, whose
    source lines are `lines`."""
    if not len(rows):
        return []
    key = np.array([v.strip().lower() for v in names], dtype=object)[codes[rows]]
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return [
        Problem(
            code=code,
            file=file,
            line=int(lines[rows[i]]),
            column=column,
            value=names[codes[rows[i]]][:200],
            severity="warning",
            message="; ".join(x for x in (PROBLEM_CODES[code], note, f"{int(c)} row(s)") if x),
        )
        for i, c in sorted(zip(first, counts, strict=True))
    ]


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


# --------------------------------------------------------------------------- columns and rows


def norm_header(name: str) -> str:
    """A header label compared loosely: BOM and outer blanks removed, blanks collapsed, lower case."""
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()


def resolve_columns(columns: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical field -> the file's column, for the fields whose label (or an alias) is present."""
    present = {}
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


def text_series(values: list) -> pd.Series:
    """Python values (JSON scalars or None) as a cleaned string column."""
    return clean_strings(pd.Series(values, dtype="object").astype("string"))


def is_blank(values: pd.Series) -> pd.Series:
    """Cells that are missing, empty or a null token."""
    return clean_strings(values.astype("object").astype("string")).isna()


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


def reject_missing(
    out: pd.DataFrame, raw: pd.DataFrame, cols: dict[str, str], file: str
) -> tuple[pd.Series, list[Problem]]:
    """Rows to reject: no `ticket_id` or no usable `created_at` in `out` (parsed from `raw`).

    An empty id cell, and an empty creation cell of a row with an id, are `missing-value`
    problems showing `raw`'s cell in its column `cols["ticket_id"]` / `cols["created_at"]`; an
    unparseable time already has its own problem.
    """
    id_col, created_col = cols["ticket_id"], cols["created_at"]
    missing_id = out["ticket_id"].isna()
    no_created = is_blank(raw[created_col]) & ~missing_id
    problems = problems_from_mask(raw, missing_id, code="missing-value", column=id_col, file=file)
    problems += problems_from_mask(
        raw, no_created, code="missing-value", column=created_col, file=file
    )
    return missing_id | out["created_at"].isna(), problems


def reject_unusable(
    out: pd.DataFrame, raw: pd.DataFrame, cols: dict[str, str], file: str, problems: list[Problem]
) -> tuple[pd.DataFrame, ProblemReport]:
    """Rows without an id or a usable creation time are rejected (each with its problem); a
    resolution before creation is an error and dropped. Problems show the cleaned cells."""
    id_col, created_col = cols["ticket_id"], cols["created_at"]
    shown = raw.assign(**{id_col: out["ticket_id"], created_col: clean_strings(raw[created_col])})
    reject, probs = reject_missing(out, shown, cols, file)
    problems += probs
    if "resolved_at" in out and cols.get("resolved_at") in raw:
        before = out["resolved_at"].notna() & (out["resolved_at"] < out["created_at"]) & ~reject
        col = cols["resolved_at"]
        problems += problems_from_mask(
            raw.assign(**{col: clean_strings(raw[col])}),
            before,
            code="resolved-before-created",
            column=col,
            file=file,
        )
        out.loc[before, "resolved_at"] = pd.NaT
    kept = out[~reject]
    return kept, ProblemReport(
        rows_imported=len(kept), rows_rejected=int(reject.sum()), problems=problems
    )


def drop_resolved_before_created(out: pd.DataFrame, file: str, column: str) -> list[Problem]:
    """A resolution stamped before creation is a warning showing the parsed time, and dropped
    (the ticket is kept)."""
    if "resolved_at" not in out:
        return []
    before = out["resolved_at"].notna() & (out["resolved_at"] < out["created_at"])
    shown = out.assign(**{column: out["resolved_at"].astype("string")})
    problems = problems_from_mask(
        shown, before, code="resolved-before-created", column=column, file=file, severity="warning"
    )
    out.loc[before, "resolved_at"] = pd.NaT
    return problems


def duplicate_rows(tickets: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """Rows whose ticket id comes again later (the last row wins), each a warning citing the row's
    `_file` and its id column `_id_col`."""
    dup = tickets.duplicated("ticket_id", keep="last")
    if not dup.any():
        return dup, []
    problems = problems_from_mask(
        tickets, dup, code="duplicate-ticket", column="ticket_id", file="", severity="warning"
    )
    where = tickets.loc[dup, ["_file", "_id_col"]].itertuples(index=False)
    for p, (file, col) in zip(problems, where, strict=True):
        p.file, p.column = file, col
    return dup, problems


def dedupe_tickets(tickets: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per ticket id: the last row (in input order) wins, earlier ones become warnings."""
    dup = tickets.duplicated("ticket_id", keep="last")
    problems = []
    if dup.any():
        bad = tickets.loc[dup, ["_file", "_line", "ticket_id"]]
        problems = [
            Problem(
                code="duplicate-ticket",
                file=f,
                line=int(ln),
                column="ticket_id",
                value=t,
                message="the same ticket id appears more than once; the last row wins",
                severity="warning",
            )
            for f, ln, t in bad.itertuples(index=False, name=None)
        ]
    return tickets[~dup].reset_index(drop=True), problems


def empty_result(report: ProblemReport, importer: str) -> ImportResult:
    """The result of an import in which no row survived (every row is in the report)."""
    return ImportResult(empty_frame(TICKETS_SCHEMA), empty_frame(EVENTS_SCHEMA), report, importer)


def transition_events(
    ticket_ids: pd.Series, classes: pd.Series, prev_class: pd.Series
) -> np.ndarray:
    """Event names for status changes in time order per ticket: resolved / closed / reopened /
    status, by transition; `prev_class` stands in for the class before a ticket's first one."""
    prev = classes.groupby(ticket_ids).shift().fillna(prev_class)
    done_now = classes.isin(DONE_CLASSES)
    done_before = prev.isin(DONE_CLASSES)
    return np.select(
        [
            (classes == "closed").to_numpy(),
            (done_now & ~done_before).to_numpy(),
            (~done_now & done_before).to_numpy(),
        ],
        ["closed", "resolved", "reopened"],
        "status",
    )


def snapshot_events(tickets: pd.DataFrame) -> pd.DataFrame:
    """Events synthesized from summary timestamps, for sources without history (fidelity snapshot).

    created (class new), the first public agent reply, the resolution and the closing; and,
    for an unresolved ticket, its current class at `updated_at` (or its last known time), so
    "waiting on customer" is known. Pauses before that cannot be reconstructed.
    """
    t = tickets
    parts = [
        pd.DataFrame(
            {
                "ticket_id": t["ticket_id"],
                "at": t["created_at"],
                "event": "created",
                "value": "new",
                "status_class": "new",
                "actor": "system",
                "public": False,
            }
        )
    ]
    if "first_response_at" in t:
        fr = t[t["first_response_at"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": fr["ticket_id"],
                    "at": fr["first_response_at"],
                    "event": "agent_reply",
                    "value": None,
                    "status_class": None,
                    "actor": "agent",
                    "public": True,
                }
            )
        )
    done = (
        t["status_class"].isin(DONE_CLASSES) if "status_class" in t else pd.Series(False, t.index)
    )
    for col, event, cls in (
        ("resolved_at", "resolved", "resolved"),
        ("closed_at", "closed", "closed"),
    ):
        if col in t:
            sel = t[t[col].notna()]
            parts.append(
                pd.DataFrame(
                    {
                        "ticket_id": sel["ticket_id"],
                        "at": sel[col],
                        "event": event,
                        "value": cls,
                        "status_class": cls,
                        "actor": "agent",
                        "public": False,
                    }
                )
            )
    if "status_class" in t:
        canceled = t[(t["status_class"] == "canceled")]
        last_known = _last_known(canceled)
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": canceled["ticket_id"],
                    "at": last_known,
                    "event": "status",
                    "value": canceled.get("status"),
                    "status_class": "canceled",
                    "actor": "system",
                    "public": False,
                }
            )
        )
        current = t[~done & t["status_class"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": current["ticket_id"],
                    "at": _last_known(current),
                    "event": "status",
                    "value": current.get("status"),
                    "status_class": current["status_class"],
                    "actor": "system",
                    "public": False,
                }
            )
        )
    non_empty = [p for p in parts if len(p)] or parts[:1]
    events = pd.concat(non_empty, ignore_index=True)
    return events[events["at"].notna()]


def _last_known(t: pd.DataFrame) -> pd.Series:
    cols = [c for c in ("updated_at", "first_response_at", "created_at") if c in t]
    if "updated_at" in t:
        return t["updated_at"].fillna(t[cols].max(axis=1))
    return t[cols].max(axis=1)


# the status class an event type implies when the event states none
IMPLIED_CLASSES = {"created": "new", "resolved": "resolved", "closed": "closed", "reopened": "open"}


@dataclass
class TicketLinks:
    """How events refer to tickets, by codes of the events' distinct ticket ids (sorted)."""

    code: np.ndarray  # per event, the code of its ticket id
    uniques: pd.Index  # the distinct ticket ids of the events, sorted
    pos: np.ndarray  # per ticket row, the code of its id (-1: the ticket has no events)
    known: np.ndarray  # per code, whether a ticket has that id

    def without(self, rows: np.ndarray) -> TicketLinks:
        """The links with the events at `rows` (a boolean mask) dropped."""
        return TicketLinks(self.code[~rows], self.uniques, self.pos, self.known)


def link_events(events: pd.DataFrame, tickets: pd.DataFrame) -> TicketLinks:
    """`TicketLinks` of events to tickets whose ids are unique: one hash lookup of the distinct
    ids, where checking every event's id would hash ten million strings."""
    code, uniques = ticket_codes(events["ticket_id"])
    if _same_ids(uniques, tickets["ticket_id"]):  # the tickets in id order, each with events
        row = np.arange(len(uniques))
    else:
        row = index_in(pd.Series(uniques), tickets["ticket_id"])  # per code, the ticket's row
    known = row >= 0
    pos = np.full(len(tickets), -1, dtype=np.int64)
    pos[row[known]] = np.flatnonzero(known)
    return TicketLinks(code, pd.Index(uniques), pos, known)


def _same_ids(uniques: pd.Index, ids: pd.Series) -> bool:
    """Whether `ids` are `uniques`, in the same order (a comparison, no hashing)."""
    a = getattr(pd.Series(uniques).array, "_pa_array", None)
    b = getattr(ids.array, "_pa_array", None)
    if a is None or b is None or len(a) != len(b) or a.null_count or b.null_count:
        return False
    equal = pc.equal(pc.cast(a, pa.large_string()), pc.cast(b, pa.large_string()))
    return bool(pc.all(equal).as_py()) if len(a) else True


def finalize(
    tickets: pd.DataFrame, events: pd.DataFrame, *, source: str, fidelity: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complete canonical frames: source, event classes, a created event, order, derived summaries.

    Summary fields the source did not give (first response, resolution, reply and reopen counts,
    last status class) are derived from the events, all with grouped vectorized operations.
    """
    tickets, events, _ = finalize_with_codes(tickets, events, source=source, fidelity=fidelity)
    return tickets, events


def finalize_with_codes(
    tickets: pd.DataFrame,
    events: pd.DataFrame,
    *,
    source: str,
    fidelity: str,
    links: TicketLinks | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, EventCodes | None]:
    """`finalize`, and the events' `EventCodes` for the log (as `clocks.code_events` would
    give them for these tables with the tickets in id order), from the codes worked out here.

    The codes are None unless every ticket has events and every event a ticket: only then is a
    ticket's code its row in the tickets ordered by id. `links` (`link_events`), when the caller
    has them, are for `tickets` with a default index.
    """
    tickets = tickets.copy(deep=False)  # copy-on-write: our column changes stay ours
    events = events.copy(deep=False)
    tickets["source"] = source
    if is_categorical(events["event"]):  # text held as codes: the source too (one code)
        events["source"] = categorical(np.zeros(len(events), np.int8), [source], events.index)
    else:
        events["source"] = source
    if "fidelity" not in tickets or tickets["fidelity"].isna().all():
        tickets["fidelity"] = fidelity
    for col in ("status_class", "value", "public", "actor"):
        if col not in events:
            events[col] = None
    events["status_class"] = fill_by_key(events["status_class"], events["event"], IMPLIED_CLASSES)
    # an agent or customer reply whose `public` is empty or absent is public (DESIGN §3)
    is_reply = codes_in(events["event"], ("agent_reply", "customer_reply")) >= 0
    events["public"] = (
        events["public"].astype("boolean").fillna(pd.Series(is_reply, index=events.index))
    )
    events["actor"] = fill_by_key(
        events["actor"],
        events["event"],
        {"agent_reply": "agent", "customer_reply": "customer"},
        default="system",
    )

    # which tickets lack a created event: through ticket codes, which the sort needs anyway
    if links is not None:
        code, uniques, pos = links.code, links.uniques, links.pos
    else:
        code, uniques = ticket_codes(events["ticket_id"])
        pos = index_in(tickets["ticket_id"], uniques)
    is_created = codes_in(events["event"], ("created",)) == 0
    has_created = np.zeros(len(uniques) + 1, dtype=bool)  # the extra slot: tickets without events
    has_created[code[is_created]] = True
    missing = tickets[~has_created[np.where(pos >= 0, pos, len(uniques))]]
    if len(missing):
        created = pd.DataFrame(
            {
                "source": source,
                "ticket_id": missing["ticket_id"],
                "at": missing["created_at"],
                "event": "created",
                "value": "new",
                "status_class": "new",
                "actor": "system",
                "public": False,
            }
        )
        events = concat_frames([created, events])
        events, code, uniques = sorted_events(events)
        pos = index_in(tickets["ticket_id"], uniques)
    else:
        events, code, uniques = sorted_events(events, code, uniques, ~is_created)
    n_codes = len(uniques)
    at = events["at"].to_numpy("datetime64[us]").view(np.int64)
    # codes, not Python strings: these columns have one row per event
    ev_code = codes_in(events["event"], ("agent_reply",))
    cls_code = codes_in(events["status_class"], STATUS_CLASSES)
    cls_names = np.array([*STATUS_CLASSES, None], dtype=object)  # code -1 -> None

    def last_at(mask: np.ndarray | None) -> np.ndarray:
        """Per code, the time of its last event in `mask` (None: of all its events)."""
        out = np.full(n_codes, np.datetime64("NaT"), dtype="datetime64[us]")
        if mask is None:
            pick = group_last(code)
        else:
            rows = np.flatnonzero(mask)
            pick = rows[group_last(code[rows])]
        out[code[pick]] = at[pick].view("datetime64[us]")
        return out

    replies = (ev_code == 0) & events["public"].to_numpy(dtype=bool)
    # a reply stamped before its ticket's creation is ignored (and reported by the import)
    created_us = to_us(tickets["created_at"])
    created_of_code = np.full(n_codes, np.iinfo(np.int64).min, dtype=np.int64)
    created_of_code[pos[pos >= 0]] = created_us[pos >= 0]
    replies &= at >= created_of_code[code]

    def first_reply() -> np.ndarray:
        reply_rows = np.flatnonzero(replies)
        out = np.full(n_codes, np.datetime64("NaT"), dtype="datetime64[us]")
        pick = reply_rows[group_first(code[reply_rows])]
        out[code[pick]] = at[pick].view("datetime64[us]")
        return out

    @functools.cache
    def status_rows() -> np.ndarray:
        return np.flatnonzero(cls_code >= 0)

    @functools.cache
    def last_status() -> np.ndarray:
        rows = status_rows()
        return rows[group_last(code[rows])]

    @functools.cache
    def final_cls() -> np.ndarray:
        out = np.full(n_codes, None, dtype=object)
        out[code[last_status()]] = cls_names[cls_code[last_status()]]
        return out

    def final_value() -> np.ndarray:
        out = np.full(n_codes, None, dtype=object)
        values = categories_of(events["value"])  # as codes: the column is not decoded
        if values is not None:
            names = np.array([*values[1], None], dtype=object)
            out[code[last_status()]] = names[values[0][last_status()]]
        else:
            out[code[last_status()]] = events["value"].take(last_status()).to_numpy(dtype=object)
        return out

    def resolved_at() -> np.ndarray:
        out = last_at(cls_code == STATUS_CLASSES.index("resolved"))
        out[~np.isin(final_cls(), ["resolved", "closed"])] = np.datetime64("NaT")
        return out

    # each worked out only when the tickets lack some of its values
    derived = {
        "updated_at": lambda: last_at(None),
        "first_response_at": first_reply,
        "agent_replies": lambda: np.bincount(code[replies], minlength=n_codes),
        "reopens": lambda: _reopens(code, cls_code, status_rows(), n_codes),
        "status_class": final_cls,
        "status": final_value,
        "resolved_at": resolved_at,
        "closed_at": lambda: last_at(cls_code == STATUS_CLASSES.index("closed")),
    }
    # what the source can tell (DESIGN §3): a reply count only where it carries replies, a
    # reopen count only where it carries status history; otherwise they stay empty (unknown)
    carries_replies = bool((ev_code == 0).any()) or any(
        col in tickets and tickets[col].notna().any()
        for col in ("agent_replies", "first_response_at")
    )
    if not carries_replies:
        del derived["agent_replies"]
    given_reopens = tickets["reopens"].notna() if "reopens" in tickets else None
    found = pos >= 0
    ticket_code = np.where(found, pos, 0)
    for col, compute in derived.items():
        if col in tickets and tickets[col].notna().all():
            continue
        values = compute()
        series = pd.Series(values[ticket_code], index=tickets.index)
        if values.dtype.kind == "M":
            series = series.dt.tz_localize("UTC")
        series = series.where(found)
        if col not in tickets:
            tickets[col] = series
        else:
            tickets[col] = tickets[col].where(tickets[col].notna(), series)
    tickets["updated_at"] = tickets[["updated_at", "created_at"]].max(axis=1)
    # synthesized events show no reopens: a snapshot ticket's count is what its source gave
    history = (tickets["fidelity"] == "history").to_numpy()
    keep = history if given_reopens is None else history | given_reopens.to_numpy()
    tickets["reopens"] = tickets["reopens"].where(keep)
    if "agent_replies" not in tickets:
        tickets["agent_replies"] = pd.Series(pd.NA, index=tickets.index, dtype="Int64")
    codes = None
    if n_codes == len(tickets) and found.all() and np.bincount(pos, minlength=1).max() == 1:
        not_customer = codes_in(events["actor"], ("customer",)) != 0
        prio, prio_names = priority_codes(events)
        codes = EventCodes(
            tix=code,
            at=at,
            seq=events["seq"].to_numpy(),
            cls=cls_code.astype(np.int8),
            reply=replies & not_customer,
            prio=prio,
            prio_names=prio_names,
        )
    return tickets, events, codes


def _reopens(code: np.ndarray, cls_code: np.ndarray, status_rows: np.ndarray, n: int) -> np.ndarray:
    """Per ticket, how often its status left resolved/closed/canceled for an active class."""
    c = code[status_rows]
    done = np.isin(cls_code[status_rows], [STATUS_CLASSES.index(x) for x in DONE_CLASSES])
    same = np.concatenate([[False], c[1:] == c[:-1]])[: len(c)]
    prev_done = np.concatenate([[False], done[:-1]])[: len(c)]
    return np.bincount(c[same & prev_done & ~done], minlength=n)


def ticket_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Index | np.ndarray]:
    """Codes of ticket ids in sorted order (as `pd.factorize(sort=True)`).

    Exports usually list events ticket by ticket in id order: then a neighbour comparison in
    Arrow gives the codes, with no hashing and no sort. The ids are in order when the first id
    of each run of equal ones rises strictly, which is checked on those alone.
    """
    arr = getattr(ids.array, "_pa_array", None)
    if arr is not None and len(ids) > 1 and arr.null_count == 0:
        arr = pc.cast(arr, pa.large_string())
        new = np.ones(len(arr), dtype=bool)
        new[1:] = pc.not_equal(arr.slice(0, len(arr) - 1), arr.slice(1)).to_numpy(
            zero_copy_only=False
        )
        uniques = arr.take(pa.array(np.flatnonzero(new)))
        n = len(uniques)
        if n < 2 or pc.all(pc.less(uniques.slice(0, n - 1), uniques.slice(1))).as_py():
            code = np.cumsum(new, dtype=np.int64)
            code -= 1
            return code, pd.Index(pd.arrays.ArrowStringArray(uniques), dtype="string")
    return pd.factorize(ids, sort=True)


def sorted_events(
    events: pd.DataFrame,
    code: np.ndarray | None = None,
    uniques: pd.Index | None = None,
    not_created: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray, pd.Index]:
    """Events ordered by ticket, time, created-first and source order, with `seq` set.

    Sorting integer codes with numpy instead of strings with pandas: this runs on every event.
    `code`/`uniques` (`ticket_codes`) and `not_created` are computed unless given.
    """
    if code is None:
        code, uniques = ticket_codes(events["ticket_id"])
    at = events["at"].to_numpy("datetime64[us]").view(np.int64)
    if not_created is None:
        not_created = codes_in(events["event"], ("created",)) != 0
    not_created = not_created.astype(np.int8)
    if not ascending(code, at, not_created):  # exports usually come sorted: check, then sort
        order = np.lexsort((np.arange(len(events)), not_created, at, code))
        events = events.take(order).reset_index(drop=True)
        code, at = code[order], at[order]
    else:
        events = events.reset_index(drop=True)
    # seq: the position within a run of equal ticket and time; only rows inside runs (ties,
    # few) need it worked out, the rest are 0
    tied = np.flatnonzero((code[1:] == code[:-1]) & (at[1:] == at[:-1])) + 1
    seq = np.zeros(len(code), dtype=np.int64)
    if len(tied):
        first = np.diff(tied, prepend=-2) != 1  # the first tie of each run
        run_start = tied[first] - 1  # the row the run starts at (seq 0)
        seq[tied] = tied - run_start[np.cumsum(first) - 1]
    events["seq"] = seq
    return events, code, pd.Index(uniques)


def finalize_mixed(
    tickets: pd.DataFrame, events: pd.DataFrame, *, source: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`finalize` for importers whose tickets have history or are snapshots, ticket by ticket.

    Only canonical ticket columns and no `_`-prefixed event columns are kept; a ticket with
    history that had no reply or reopen counts 0 of them, a snapshot one stays unknown.
    """
    tickets = tickets[[c for c in tickets.columns if c in TICKET_COLUMNS]]
    events = events[[c for c in events.columns if not c.startswith("_")]]
    tickets, events = finalize(
        tickets.reset_index(drop=True), events, source=source, fidelity="snapshot"
    )
    known = tickets["fidelity"] == "history"
    for col in ("agent_replies", "reopens"):
        tickets[col] = tickets[col].mask(known & tickets[col].isna(), 0)
    return tickets, events
