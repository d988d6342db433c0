"""Terminal renderers: rich tables for metrics, tickets, check and import summaries."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from slametrics.render.report.labels import threshold_state
from slametrics.results import ImportSummary, MetricsResult, SliceStats, ThresholdValue


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _na(reason: str | None) -> str:
    """What a null metric shows: n/a with its reason, never a number."""
    return f"n/a ({reason})" if reason else "n/a"


def _dur(s: float | None) -> str:
    if s is None:
        return "—"
    h, rem = divmod(int(round(s)), 3600)
    return f"{h}h{rem // 60:02d}m"


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


def _clocks(r: MetricsResult) -> Table:
    t = Table(title="clocks")
    for c in CLOCK_COLUMNS:
        t.add_column(c, justify="right" if c != "clock" else "left")
    for name, c in r.clocks.items():
        counts = (c.met, c.breached, c.running, c.unknown, c.canceled, c.untargeted, c.backlog)
        share = _na(c.reason) if c.on_time_share is None else _pct(c.on_time_share)
        times = [_dur(c.p50_s), _dur(c.p90_s), _dur(c.p95_s)]
        t.add_row(name, *map(str, counts), share, *times)
    return t


def _slices(title: str, rows: list[SliceStats]) -> Table:
    t = Table(title=title)
    for c in ("key", "clock", "met", "breached", "running", "on time", "p90"):
        t.add_column(c)
    for s in rows:
        counts = [str(s.met), str(s.breached), str(s.running)]
        share = "n/a" if s.on_time_share is None else _pct(s.on_time_share)
        t.add_row(s.key, s.clock, *counts, share, _dur(s.p90_s))
    return t


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


def frame_table(df: pd.DataFrame, title: str = "") -> Table:
    t = Table(title=title or None)
    for c in df.columns:
        t.add_column(str(c))
    for row in df.astype(object).where(df.notna(), "").itertuples(index=False):
        t.add_row(*[_cell(v) for v in row])
    return t


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
