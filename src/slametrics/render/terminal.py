"""Terminal renderers: rich tables for metrics, tickets, check and import summaries."""

from __future__ import annotations

import pandas as pd
from rich.console import Group
from rich.table import Table

from slametrics.results import ImportSummary, MetricsResult, SliceStats, ThresholdValue


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _dur(s: float | None) -> str:
    if s is None:
        return "—"
    h, rem = divmod(int(round(s)), 3600)
    return f"{h}h{rem // 60:02d}m"


def metrics_tables(r: MetricsResult) -> Group:
    """The metrics, clocks, breakdowns and thresholds of a period as rich tables."""
    parts = [_head(r), _clocks(r)]
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
        if m.denominator is not None:
            shown = _pct(m.value)
        else:
            shown = "—" if m.value is None else f"{m.value:g}"
        of = "" if m.denominator is None else f"{m.numerator:g}/{m.denominator:g}"
        head.add_row(name, shown, of)
    return head


def _clocks(r: MetricsResult) -> Table:
    t = Table(title="clocks")
    for c in ("clock", "met", "breached", "running", "on time", "p50", "p90", "p95"):
        t.add_column(c, justify="right" if c != "clock" else "left")
    for name, c in r.clocks.items():
        counts = [str(c.met), str(c.breached), str(c.running)]
        times = [_dur(c.p50_s), _dur(c.p90_s), _dur(c.p95_s)]
        t.add_row(name, *counts, _pct(c.on_time_share), *times)
    return t


def _slices(title: str, rows: list[SliceStats]) -> Table:
    t = Table(title=title)
    for c in ("key", "clock", "met", "breached", "running", "on time", "p90"):
        t.add_column(c)
    for s in rows:
        counts = [str(s.met), str(s.breached), str(s.running)]
        t.add_row(s.key, s.clock, *counts, _pct(s.on_time_share), _dur(s.p90_s))
    return t


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
        value = "no data" if th.value is None else f"{th.value:.4g}"
        t.add_row(th.label, value, limit, "[green]pass[/]" if th.passed else "[red]FAIL[/]")
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
