"""The HTML page's inline SVG charts, drawn from the same figures as the Markdown tables."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from slametrics.render import charts
from slametrics.render.i18n import Texts
from slametrics.render.report.labels import is_plain
from slametrics.render.report.text import bound_places, cut
from slametrics.results import MetricsResult, TrendPoint

LINES = (("on_time", "on_time_share"), ("fcr", "first_contact_resolution"))


def page_charts(r: MetricsResult, t: Texts, view: dict[str, Any]) -> dict[str, str]:
    """The SVGs by name: met and breached by priority, on time, FCR and volume over the trend."""
    out = dict.fromkeys(("by_priority", "on_time", "fcr", "volume"), "")
    bars = view["sla"]["bars"]
    if bars:
        out["by_priority"] = charts.met_breached_bars(
            bars,
            title=t("chart.by_priority"),
            legend=(t("col.met"), t("col.breached")),
            count_labels=[(t.integer(m), t.integer(b)) for _, m, b in bars],
        )
    pts = r.trend
    if len(pts) < 2:
        return out
    labels = [_x_label(t, p.label, p.start, r.period.timezone) for p in pts]
    for name, metric in LINES:
        if any(getattr(p, metric) is not None for p in pts):  # no line at all: the page says n/a
            out[name] = _line(r, t, name, metric, labels)
    out["volume"] = _volume(pts, t, labels)
    return out


def _line(r: MetricsResult, t: Texts, name: str, metric: str, labels: list[str]) -> str:
    values = [getattr(p, metric) for p in r.trend]
    ticks = [(0.0, t.percent(0.0, 0)), (0.5, t.percent(0.5, 0)), (1.0, t.percent(1.0, 0))]
    return charts.line_chart(
        values,
        labels,
        title=t(f"chart.{name}"),
        y_ticks=ticks,
        width=300,
        height=56,
        reference=_chart_minimum(r, metric, t),
        value_labels=["" if v is None else t.percent(v, 0) for v in values],
    )


def _volume(pts: list[TrendPoint], t: Texts, labels: list[str]) -> str:
    return charts.pair_bars(
        [p.created for p in pts],
        [p.resolved for p in pts],
        labels,
        title=t("chart.volume"),
        legend=(t("col.created"), t("col.resolved")),
        width=260,
        height=72,
        value_labels=([t.integer(p.created) for p in pts], [t.integer(p.resolved) for p in pts]),
    )


def _x_label(t: Texts, label: str, start: dt.datetime, tz: str) -> str:
    """A period's short name under a chart: `W46`, `Q3`, a month, or the label cut short."""
    if m := re.fullmatch(r"\d{4}-(W\d\d|Q\d)", label):
        return m.group(1)
    if re.fullmatch(r"\d{4}-\d\d", label):
        # a Russian month reads as `11.2026`: the date format without its day
        return t.date(start + dt.timedelta(days=1), tz)[3:] if t.lang == "ru" else label
    return cut(label, 10)


def _chart_minimum(r: MetricsResult, metric: str, t: Texts) -> tuple[float, str] | None:
    """The contract's minimum for the whole period, drawn as the chart's reference line."""
    th = next((x for x in r.thresholds if is_plain(x, metric) and x.min is not None), None)
    if th is None or th.min is None:
        return None
    return th.min, "≥ " + t.percent(th.min, bound_places(th.min))
