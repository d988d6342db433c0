"""Terminal renderers: rich tables for metrics, tickets, check and import summaries."""

from __future__ import annotations

import pandas as pd
from rich.console import Group
from rich.table import Table

from slametrics.results import CheckResult, ImportSummary, MetricsResult


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _dur(s: float | None) -> str:
    if s is None:
        return "—"
    h, rem = divmod(int(round(s)), 3600)
    return f"{h}h{rem // 60:02d}m"


def metrics_tables(r: MetricsResult) -> Group:
    head = Table(
        title=f"{r.policy} — {r.period.label} ({r.period.timezone}), as of {r.as_of:%Y-%m-%d %H:%M} UTC"
    )
    head.add_column("metric")
    head.add_column("value", justify="right")
    head.add_column("of", justify="right")
    for name, m in r.metrics.items():
        shown = (
            _pct(m.value)
            if m.denominator is not None
            else ("—" if m.value is None else f"{m.value:g}")
        )
        of = "" if m.denominator is None else f"{m.numerator:g}/{m.denominator:g}"
        head.add_row(name, shown, of)
    clocks = Table(title="clocks")
    for c in ("clock", "met", "breached", "running", "on time", "p50", "p90", "p95"):
        clocks.add_column(c, justify="right" if c != "clock" else "left")
    for name, c in r.clocks.items():
        clocks.add_row(name, str(c.met), str(c.breached), str(c.running), _pct(c.on_time_share),
                       _dur(c.p50_s), _dur(c.p90_s), _dur(c.p95_s))  # fmt: skip
    parts = [head, clocks]
    for title, rows in (("by priority", r.by_priority), ("by kind", r.by_kind),
                        (f"by {r.by_field[0].dimension}" if r.by_field else "", r.by_field)):  # fmt: skip
        if not rows:
            continue
        t = Table(title=title)
        for c in ("key", "clock", "met", "breached", "running", "on time", "p90"):
            t.add_column(c)
        for s in rows:
            t.add_row(s.key, s.clock, str(s.met), str(s.breached), str(s.running),
                      _pct(s.on_time_share), _dur(s.p90_s))  # fmt: skip
        parts.append(t)
    if r.thresholds:
        t = Table(title="thresholds")
        for c in ("threshold", "value", "limit", "result"):
            t.add_column(c)
        for th in r.thresholds:
            limit = " ".join(x for x in (f">= {th.min:g}" if th.min is not None else "",
                                         f"<= {th.max:g}" if th.max is not None else "") if x)  # fmt: skip
            value = "no data" if th.value is None else f"{th.value:.4g}"
            t.add_row(th.label, value, limit, "[green]pass[/]" if th.passed else "[red]FAIL[/]")
        parts.append(t)
    return Group(*parts)


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


def check_table(r: CheckResult) -> Table:
    t = Table(
        title=f"{r.policy} — {r.period.label}: {'all thresholds met' if r.passed else 'thresholds missed'}"
    )
    for c in ("threshold", "value", "min", "max", "result"):
        t.add_column(c)
    for th in r.thresholds:
        t.add_row(th.label, "no data" if th.value is None else f"{th.value:.4g}",
                  "" if th.min is None else f"{th.min:g}", "" if th.max is None else f"{th.max:g}",
                  "[green]pass[/]" if th.passed else "[red]FAIL[/]")  # fmt: skip
    return t


def import_table(s: ImportSummary) -> Table:
    t = Table(title=f"import into {s.log}" if s.log else "import")
    for c in ("importer", "files", "rows read", "imported", "rejected"):
        t.add_column(c)
    for g in s.groups:
        t.add_row(g.importer, str(len(g.files)), str(g.rows_read), str(g.rows_imported),
                  str(g.rows_rejected))  # fmt: skip
    return t
