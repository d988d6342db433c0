"""Excel workbooks of result tables: a sheet per table, typed cells, frozen header, autofilter.

Instants are Excel dates in UTC (the header names the zone), durations given in seconds are Excel
durations (days, shown `[h]:mm:ss`, the header says so), shares (0..1) are percentages and
agreements already in percent keep their number with a `%` sign. Text is always a text cell and
goes through the CSV's formula neutralization, so a subject `=HYPERLINK(...)` reads back exactly
as in `--format csv` and never becomes a formula, even when the cell is edited.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

import pandas as pd

from slametrics.errors import UserError
from slametrics.render.machine import neutralize

if TYPE_CHECKING:
    from slametrics.results import MetricsResult
    from slametrics.results.explain import ExplainResult

SHARE_COLUMNS = {
    "on_time_share",
    "used_share",
    "share",
    "first_contact_resolution",
    "repeat_incident_rate",
    "reopen_rate",
}
# audit agreements are computed in percent (0..100): shown with a % sign, never rescaled
PERCENT_COLUMNS = {"agreement", "agreement_0_8x", "agreement_1_25x", "optimum_agreement"}
UNIT_KINDS = {"share": "share", "seconds": "duration", "count": "number"}
EXCEL_MAX_ROWS = 1_048_576
MAX_WIDTH = 60
FORMATS = {
    "header": {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True},
    "instant": {"num_format": "yyyy-mm-dd hh:mm:ss"},
    "duration": {"num_format": "[h]:mm:ss"},
    "share": {"num_format": "0.0%"},
    "percent": {"num_format": '0.00"%"'},
}


def is_duration(column: str) -> bool:
    """Seconds columns: `elapsed_s`, `target_s`, `p90_s`, `seconds`, ..."""
    return column.endswith("_s") or column == "seconds"


def header(column: str, kind: str) -> str:
    """The header cell of a column: instants name their zone, durations their display."""
    if kind == "instant":
        return f"{column} [UTC]"
    if kind == "duration":
        name = "duration" if column == "seconds" else column.removesuffix("_s")
        return f"{name} [h:mm:ss]"
    return column


def frames_to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook with a sheet per (name, table), cells typed by their column."""
    import xlsxwriter  # imported where used: the CLI starts without it

    for name, frame in sheets.items():
        if len(frame) >= EXCEL_MAX_ROWS:
            raise UserError(
                f"{name}: {len(frame)} rows do not fit an Excel sheet ({EXCEL_MAX_ROWS - 1} "
                "at most); use --format csv or a shorter --period"
            )
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}
    )
    formats = {name: book.add_format(spec) for name, spec in FORMATS.items()}
    used: set[str] = set()
    for name, frame in sheets.items():
        _write_sheet(book.add_worksheet(_sheet_name(name, used)), frame, formats)
    book.close()
    return buf.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31].strip("'") or "sheet"
    cleaned, n = base, 1
    while cleaned.lower() in used:
        n += 1
        cleaned = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    used.add(cleaned.lower())
    return cleaned


def _write_sheet(sheet, frame: pd.DataFrame, formats: dict) -> None:
    kinds = [_kind(str(c), frame[c]) for c in frame.columns]
    headers = [header(str(c), k) for c, k in zip(frame.columns, kinds, strict=True)]
    for col, text in enumerate(headers):
        sheet.write_string(0, col, text, formats["header"])
    units = frame["unit"].tolist() if "unit" in frame.columns else None
    widths = [len(h) for h in headers]
    for col, column in enumerate(frame.columns):
        cells = _cells(frame[column], kinds[col])
        for row, value in enumerate(cells, start=1):
            kind = kinds[col]
            if units is not None and column == "value":
                kind = UNIT_KINDS.get(units[row - 1], "number")
            width = _write_cell(sheet, row, col, value, kind, formats)
            widths[col] = max(widths[col], width)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(width + 2, MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))


def _kind(column: str, values: pd.Series) -> str:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return "instant"
    if pd.api.types.is_bool_dtype(values.dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(values.dtype) or values.dtype == object:
        if is_duration(column):
            return "duration"
        if column in SHARE_COLUMNS:
            return "share"
        if column in PERCENT_COLUMNS:
            return "percent"
    return "number" if pd.api.types.is_numeric_dtype(values.dtype) else "text"


def _cells(values: pd.Series, kind: str) -> list:
    if kind == "instant":
        utc = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in utc]
    return [None if _missing(v) else v for v in values.tolist()]


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _write_cell(sheet, row: int, col: int, value, kind: str, formats: dict) -> int:
    """Write one typed cell; returns the width its text needs."""
    if value is None:
        return 0  # an empty cell: nothing to write
    if kind == "instant":
        sheet.write_datetime(row, col, value, formats["instant"])
        return 19
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
        return 5
    if isinstance(value, int | float):
        if math.isinf(value):  # Excel has no infinity: said in words
            sheet.write_string(row, col, "inf" if value > 0 else "-inf")
            return 4
        if kind == "duration":
            sheet.write_number(row, col, value / 86400, formats["duration"])
            return 10
        if kind in ("share", "percent"):
            sheet.write_number(row, col, value, formats[kind])
            return 8
        sheet.write_number(row, col, value)
        return len(f"{value:g}")
    text = str(neutralize(str(value)))
    sheet.write_string(row, col, text)
    return max((len(line) for line in text.splitlines()), default=0)


def instants(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`columns` as UTC datetimes (from model dumps, where they are Python datetimes)."""
    out = frame.copy()
    for c in columns:
        if c in out.columns:
            out[c] = pd.to_datetime(out[c], utc=True)
    return out


def metrics_sheets(r: MetricsResult) -> dict[str, pd.DataFrame]:
    """The metrics result as sheets: metrics, clocks, the breakdowns, thresholds, period."""
    metrics = pd.DataFrame(
        [
            {
                "name": name,
                "value": m.value,
                "unit": "share" if m.denominator is not None else "count",
                "numerator": m.numerator,
                "denominator": m.denominator,
                "reason": m.reason,
            }
            for name, m in r.metrics.items()
        ],
        columns=["name", "value", "unit", "numerator", "denominator", "reason"],
        dtype=object,
    )
    clocks = pd.DataFrame(
        [{"clock": name, **c.model_dump()} for name, c in r.clocks.items()], dtype=object
    )
    sheets = {"metrics": metrics, "clocks": instants(clocks, ["backlog_oldest_at"])}
    for rows in (r.by_priority, r.by_kind, r.by_field):
        if rows:
            sheets[f"by {rows[0].dimension}"] = pd.DataFrame(
                [s.model_dump() for s in rows], dtype=object
            )
    if r.thresholds:
        sheets["thresholds"] = pd.DataFrame([t.model_dump() for t in r.thresholds], dtype=object)
    sheets["period"] = _period(r)
    return sheets


def _period(r: MetricsResult) -> pd.DataFrame:
    row = {
        "policy": r.policy,
        "period": r.period.label,
        "timezone": r.period.timezone,
        "start": r.period.start,
        "end": r.period.end,
        "as_of": r.as_of,
        "data_until": r.data_until,
    }
    return instants(pd.DataFrame([row]), ["start", "end", "as_of", "data_until"])


EXPLAIN_INSTANTS = ["created_at", "started_at", "stopped_at", "due_at", "decided_at"]


def explain_sheets(r: ExplainResult) -> dict[str, pd.DataFrame]:
    """`explain` as two sheets: a row per ticket and clock, a row per segment of its span."""
    clocks, segments = [], []
    for t in r.tickets:
        info = {"ticket_id": t.ticket_id, "source": t.source, "subject": t.subject}
        info |= {"priority": t.priority, "kind": t.kind, "status_class": t.status_class}
        for c in t.clocks:
            start, stop, vendor = c.start_event, c.stop_event, c.vendor
            clocks.append(
                {
                    **info,
                    "created_at": t.created_at,
                    "clock": c.clock,
                    "rule": None if c.rule is None else c.rule.index,
                    "calendar": c.calendar,
                    "target_s": c.target_s,
                    "started_at": c.started_at,
                    "start_event": None if start is None else start.event or start.by,
                    "stopped_at": c.stopped_at,
                    "stop_event": None if stop is None else stop.event or stop.by,
                    "elapsed_s": c.elapsed_s,
                    "paused_s": c.paused_s,
                    "due_at": c.due_at,
                    "outcome": c.outcome,
                    "decided_at": c.decided_at,
                    "note": c.note,
                    "vendor_met": None if vendor is None else vendor.met,
                    "vendor_due_at": None if vendor is None else vendor.due_at,
                    "vendor_agrees": None if vendor is None else vendor.agrees,
                }
            )
            for s in c.segments:
                segments.append({"ticket_id": t.ticket_id, "clock": c.clock, **s.model_dump()})
    clock_frame = pd.DataFrame(clocks, dtype=object)
    segment_frame = pd.DataFrame(
        segments,
        columns=["ticket_id", "clock", "start", "end", "kind", "seconds", "status"]
        + ["running_total_s"],
        dtype=object,
    )
    return {
        "clocks": instants(clock_frame, [*EXPLAIN_INSTANTS, "vendor_due_at"]),
        "segments": instants(segment_frame, ["start", "end"]),
    }
