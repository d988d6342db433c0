"""Terminal renderers: rich tables for metrics, tickets, check and import summaries."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from slametrics.problems import Problem
from slametrics.render.report.labels import threshold_state
from slametrics.results import ImportSummary, MetricsResult, SliceStats, ThresholdValue


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _na(reason: str | None) -> str:
    """What a null metric shows: n/a with its reason, never a number."""
    return f"n/a ({reason})" if reason else "n/a"


def duration(s: float | None) -> str:
    """Seconds as `3h 20m` (`45m` under an hour, `40s` under a minute); "—" when missing."""
    if s is None:
        return "—"
    total = int(round(s))
    if total < 60:
        return f"{total}s"
    h, rem = divmod(total // 60 * 60, 3600)
    return f"{h}h {rem // 60:02d}m" if h else f"{rem // 60}m"


def _utc(t: dt.datetime | None) -> str:
    return "—" if t is None else f"{t.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def metrics_tables(r: MetricsResult) -> Group:
    """The metrics, clocks, breakdowns and thresholds of a period as rich tables, with the
    data's freshness, the backlog and the untargeted tickets said beside them."""
    parts: list[RenderableType] = [_head(r), *_notes(r), _clocks(r)]
    by_field = f"by {r.by_field[0].dimension}" if r.by_field else ""
    for title, rows in (
        ("by priority", r.by_priority),
        ("by kind", r.by_kind),
        (by_field, r.by_field),
    ):
        if rows:
            parts.append(_slices(title, rows))
    if r.thresholds:
        parts.append(_thresholds(r.thresholds))
    return Group(*parts)


def _head(r: MetricsResult) -> Table:
    as_of = f"{r.as_of:%Y-%m-%d %H:%M}"
    head = Table(title=f"{r.policy} — {r.period.label} ({r.period.timezone}), as of {as_of} UTC")
    head.add_column("metric")
    head.add_column("value", justify="right")
    head.add_column("of", justify="right")
    for name, m in r.metrics.items():
        if m.value is None:
            shown = _na(m.reason)
        elif m.denominator is not None:
            shown = _pct(m.value)
        else:
            shown = f"{m.value:g}"
        of = (
            "" if m.denominator is None or m.value is None else f"{m.numerator:g}/{m.denominator:g}"
        )
        head.add_row(name, shown, of)
    return head


def _notes(r: MetricsResult) -> list[Text]:
    """The data's freshness, the clocks past target since before the period (never inside the
    on-time share) and the period's tickets without a target."""
    notes = []
    if r.data_until is not None:
        line = f"data until {_utc(r.data_until)}"
        style = ""
        if r.data_until < r.period.start:
            line += f", before the period starts ({_utc(r.period.start)}): no data of the period"
            style = "bold red"
        elif r.data_until < r.period.end:
            line += f", before the period ends ({_utc(r.period.end)}): later tickets are missing"
            style = "yellow"
        notes.append(Text(line, style=style))
    backlog = sum(c.backlog for c in r.clocks.values())
    if backlog:
        oldest = min(c.backlog_oldest_at for c in r.clocks.values() if c.backlog_oldest_at)
        notes.append(
            Text(
                f"backlog: {backlog} clock(s) past target since before the period, oldest "
                f"breached {_utc(oldest)} (beside the on-time share, not in it)",
                style="red",
            )
        )
    untargeted = ", ".join(f"{k} {c.untargeted}" for k, c in r.clocks.items() if c.untargeted)
    if untargeted:
        notes.append(Text(f"untargeted tickets of the period: {untargeted}", style="yellow"))
    return notes


CLOCK_COLUMNS = [
    *("clock", "met", "breached", "running", "unknown", "canceled", "untargeted", "backlog"),
    *("on time", "p50", "p90", "p95"),
]


def _clocks(r: MetricsResult) -> FrameTable:
    rows = []
    for name, c in r.clocks.items():
        counts = (c.met, c.breached, c.running, c.unknown, c.canceled, c.untargeted, c.backlog)
        share = _na(c.reason) if c.on_time_share is None else _pct(c.on_time_share)
        times = [duration(c.p50_s), duration(c.p90_s), duration(c.p95_s)]
        rows.append([name, *map(str, counts), share, *times])
    frame = pd.DataFrame(rows, columns=CLOCK_COLUMNS, dtype=object)
    # a narrow terminal keeps the verdict columns; the rarer counts go first
    keep = ["clock", "met", "breached", "running", "on time", "p50", "p90", "p95", "backlog"]
    return FrameTable(frame, "clocks", keep=keep)


def _slices(title: str, rows: list[SliceStats]) -> FrameTable:
    cells = [
        [
            s.key,
            s.clock,
            str(s.met),
            str(s.breached),
            str(s.running),
            "n/a" if s.on_time_share is None else _pct(s.on_time_share),
            duration(s.p90_s),
        ]
        for s in rows
    ]
    columns = ["key", "clock", "met", "breached", "running", "on time", "p90"]
    return FrameTable(pd.DataFrame(cells, columns=columns, dtype=object), title)


RESULTS = {
    "pass": "[green]pass[/]",
    "fail": "[red]FAIL[/]",
    "no tickets": "[dim]no tickets[/]",
    "not judgeable": "[yellow]NOT JUDGEABLE[/]",
}


def _thresholds(thresholds: list[ThresholdValue]) -> Table:
    t = Table(title="thresholds")
    for c in ("threshold", "value", "limit", "result"):
        t.add_column(c)
    for th in thresholds:
        bounds = (
            f">= {th.min:g}" if th.min is not None else "",
            f"<= {th.max:g}" if th.max is not None else "",
        )
        limit = " ".join(x for x in bounds if x)
        value = _na(th.reason) if th.value is None else f"{th.value:.4g}"
        t.add_row(th.label, value, limit, RESULTS[threshold_state(th)])
    return t


class FrameTable:
    """A table of rows that fits the console it is printed on without cutting a value.

    Ids, numbers, instants and durations are never shortened: their columns keep their full
    width (`no_wrap`). Text columns (subjects, evidence, names) wrap (`overflow="fold"`). When
    even that is too wide, the columns last in `keep` (by default the last of the frame) are left
    out and a caption names them; `--format csv` or `json` has every column.
    """

    def __init__(self, df: pd.DataFrame, title: str = "", keep: list[str] | None = None):
        self.df, self.title = df, title
        self.keep = [str(c) for c in (keep or df.columns) if c in df.columns]
        self.keep += [str(c) for c in df.columns if str(c) not in self.keep]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        cells = {c: _column_cells(c, self.df[c]) for c in map(str, self.df.columns)}
        # the wanted columns in order, each that still fits: a border and two padding spaces
        # per column, one more border at the edge; the first column always
        shown, used = [], 1
        for c in self.keep:
            need = _min_width(c, *cells[c]) + 3
            if not shown or used + need <= options.max_width:
                shown.append(c)
                used += need
        yield self.table(shown, cells)

    def table(self, shown: list[str], cells: dict[str, tuple[list[str], bool]]) -> Table:
        hidden = [c for c in self.keep if c not in shown]
        caption = (
            f"not shown at this width: {', '.join(hidden)} (--format csv has every column)"
            if hidden
            else None
        )
        t = Table(title=self.title or None, caption=caption, caption_justify="left")
        columns = [c for c in map(str, self.df.columns) if c in shown]
        for c in columns:
            texts, fixed = cells[c]
            name = _column_header(c)
            if fixed:
                width = _min_width(c, texts, fixed)
                numeric = (
                    pd.api.types.is_numeric_dtype(self.df[c].dtype)
                    or is_duration(c)
                    or all(NUMBERISH.match(x) for x in texts)
                )
                t.add_column(
                    name, no_wrap=True, min_width=width, justify="right" if numeric else "left"
                )
            else:
                t.add_column(name, overflow="fold")
        for i in range(len(self.df)):
            t.add_row(*[cells[c][0][i] for c in columns])
        return t


def frame_table(df: pd.DataFrame, title: str = "", keep: list[str] | None = None) -> FrameTable:
    """The rows of `df` as a table that wraps text and never cuts ids or numbers."""
    return FrameTable(df, title, keep)


def tickets_table(df: pd.DataFrame) -> FrameTable:
    """`tickets` for a terminal: the verdict columns first when the width is short."""
    return FrameTable(df, keep=[*TICKET_KEEP, "subject", "kind", "stopped_at"])


# cells shown as numbers (counts, shares, durations): right-aligned like numbers
NUMBERISH = re.compile(r"^(|—|[-+]?\d[\d.]*%?|(\d+h )?\d+[hms]( \d\dm)?)$")
TEXT_MIN = 10
# what a narrow terminal keeps of `tickets` first (every column fits a wide one)
TICKET_KEEP = ["ticket_id", "clock", "outcome", "elapsed_s", "target_s", "due_at", "priority"]
SHORT_TEXT = 24  # longer text wraps; ids and short codes keep their width
TEXT_COLUMNS = {"subject", "organization", "evidence", "note", "reason", "requester", "title"}


def is_duration(column: str) -> bool:
    """Seconds columns: `elapsed_s`, `target_s`, `p90_s`, ..."""
    return column.endswith("_s")


def _column_header(column: str) -> str:
    if column.endswith("_at"):  # instants are shown in UTC
        return f"{column} (UTC)"
    return column.removesuffix("_s") if is_duration(column) else column


def _min_width(column: str, texts: list[str], fixed: bool) -> int:
    """A fixed column's full width; a text column's narrowest useful width (it folds)."""
    widest = max([len(_column_header(column)), *map(len, texts)])
    return widest if fixed else min(widest, TEXT_MIN)


def _column_cells(column: str, values: pd.Series) -> tuple[list[str], bool]:
    """The cells of a column as text, and whether the column keeps its full width."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        utc = values.dt.tz_convert("UTC")
        return [v.strftime("%Y-%m-%d %H:%M") if pd.notna(v) else "" for v in utc], True
    raw = values.astype(object).where(values.notna(), None).tolist()
    if is_duration(column):
        return ["" if v is None else _duration_cell(v) for v in raw], True
    texts = ["" if v is None else _cell(v) for v in raw]
    if column.endswith("_id") or column in ("key", "id"):
        return texts, True
    short = max(map(len, texts), default=0) <= SHORT_TEXT
    return texts, column not in TEXT_COLUMNS and short


def _duration_cell(v: object) -> str:
    return duration(float(v)) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


def _cell(v: object) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def import_table(s: ImportSummary) -> Table:
    t = Table(title=f"import into {s.log}" if s.log else "import")
    for c in ("importer", "files", "rows read", "imported", "rejected"):
        t.add_column(c)
    for g in s.groups:
        counts = [str(g.rows_read), str(g.rows_imported), str(g.rows_rejected)]
        t.add_row(g.importer, str(len(g.files)), *counts)
    return t


def problem_line(p: Problem) -> str:
    """One problem on one line: `FILE:LINE [COLUMN]: severity code: message (value 'x')`, each
    part only where the problem has it (a file-level one is `FILE: severity code: message`)."""
    where = p.file + (f":{p.line}" if p.line is not None else "")
    if p.column:
        where += f" [{p.column}]"
    value = f" (value {p.value!r})" if p.value is not None else ""
    return f"{where + ': ' if where else ''}{p.severity} {p.code}: {p.message}{value}"
