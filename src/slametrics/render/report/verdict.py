"""The report's verdict: the contract's thresholds, the other indicators, their trends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slametrics.render import charts
from slametrics.render.report.labels import Labels, is_plain, qualifiers
from slametrics.results import MetricsResult, MetricValue, ThresholdValue

# Volumes are not here: the work-status table and the volume chart carry them.
KPI_ORDER = (
    "on_time_share",
    "first_contact_resolution",
    "repeat_incident_rate",
    "reopen_rate",
    "waiting_on_customer",
)
TREND_FIELDS = {
    "on_time_share",
    "first_contact_resolution",
    "repeat_incident_rate",
    "reopen_rate",
    "waiting_on_customer",
    "created",
    "resolved",
}
MAX_TREND_ROWS = 8
ARROWS = {"up": "↑", "down": "↓", "flat": "→"}
NO_ARROW = {"arrow": "", "cls": "neutral", "word": ""}


def verdict(r: MetricsResult, lab: Labels, caps: Mapping[str, int], empty: bool) -> dict[str, Any]:
    """The verdict section: status line, on-time headline and one row per indicator."""
    ths = list(r.thresholds)
    failed = [th for th in ths if not th.passed]
    if len(ths) > caps["thresholds"]:  # the missed ones matter most when cut
        ths = (failed + [th for th in ths if th.passed])[: caps["thresholds"]]
    rows = [_threshold_row(r, lab, th) for th in ths]
    plain = {th.metric for th in ths if not qualifiers(th)}
    rows += _kpi_rows(r, lab, caps["kpis"], plain)
    status, text = _status(r, lab, len(failed), empty)
    return {
        "status": status,
        "text": text,
        "headline": _headline(r, lab),
        "on_time_arrow": arrow(r, lab, "on_time_share"),
        "rows": rows,
        "more": lab.more(len(ths), len(r.thresholds)),
    }


def _threshold_row(r: MetricsResult, lab: Labels, th: ThresholdValue) -> dict[str, str]:
    status = "no_data" if th.value is None else ("pass" if th.passed else "fail")
    row = {
        "label": lab.threshold(th),
        "value": lab.shown_value(th),
        "detail": "",
        "contract": lab.bound(th.metric, th),
        "result": lab.t(f"result.{status}"),
        "status": status,
        "previous": "",
        "spark": "",
        **NO_ARROW,
    }
    if qualifiers(th):  # the figures and the trend are those of the whole period
        return row
    prev = previous(r, th.metric)
    return {
        **row,
        "detail": _detail(lab, r.metrics.get(th.metric)),
        "previous": "" if prev is None else lab.value(th.metric, prev),
        "spark": sparkline(r, th.metric),
        **arrow(r, lab, th.metric),
    }


def _kpi_rows(r: MetricsResult, lab: Labels, cap: int, plain: set[str]) -> list[dict[str, str]]:
    """The indicators without a threshold of their own, up to `cap` of them."""
    rows = []
    for name in KPI_ORDER:
        m = r.metrics.get(name)
        if name in plain or m is None or len(rows) >= cap:
            continue
        prev = previous(r, name)
        rows.append(
            {
                "label": lab.metric(name),
                "value": lab.value(name, m.value),
                "detail": _detail(lab, m),
                "contract": "",
                "result": "",
                "status": "none",
                "previous": "" if prev is None else lab.value(name, prev),
                "spark": sparkline(r, name),
                **arrow(r, lab, name),
            }
        )
    return rows


def _detail(lab: Labels, m: MetricValue | None) -> str:
    if m is None or not m.denominator:
        return ""
    return f"{lab.t.integer(m.numerator or 0)} / {lab.t.integer(m.denominator)}"


def _headline(r: MetricsResult, lab: Labels) -> str:
    t = lab.t
    on_time = r.metrics.get("on_time_share") or MetricValue(value=None)
    if on_time.value is None:
        headline = t("verdict.on_time_none")
    else:
        headline = t(
            "verdict.on_time",
            value=t.percent(on_time.value),
            num=t.integer(on_time.numerator or 0),
            den=t.integer(on_time.denominator or 0),
        )
    contract = next(
        (th for th in r.thresholds if is_plain(th, "on_time_share") and th.min is not None), None
    )
    if contract is not None:
        headline += ", " + t("verdict.contract", bound=lab.bound("on_time_share", contract))
    return headline


def _status(r: MetricsResult, lab: Labels, failed: int, empty: bool) -> tuple[str, str]:
    t = lab.t
    no_data = sum(th.value is None for th in r.thresholds)
    total = t.integer(len(r.thresholds))
    if not r.thresholds:
        return "none", t("verdict.no_thresholds")
    if failed:
        return "fail", t("verdict.missed", n=t.integer(failed), total=total)
    if no_data == len(r.thresholds) or empty:  # nothing measured is not "met"
        return "none", t("verdict.no_data")
    if no_data:
        met = t.integer(len(r.thresholds) - no_data)
        return "pass", t("verdict.met_some", met=met, total=total)
    return "pass", t("verdict.all_met")


def arrow(r: MetricsResult, lab: Labels, metric: str) -> dict[str, str]:
    """The metric's trend arrow, with whether that is better or worse where the engine knows."""
    d = next((x for x in r.directions if x.metric == metric), None)
    if d is not None and d.direction in ARROWS:
        cls = "neutral" if d.better is None else ("good" if d.better else "bad")
        if d.direction == "flat":
            word = "trend.flat"
        else:
            word = "trend.better" if d.better else "trend.worse"
        return {"arrow": ARROWS[d.direction], "cls": cls, "word": lab.t(word)}
    if d is not None:  # fewer than two periods with a value: no direction to show
        return dict(NO_ARROW)
    s = series(r, metric)
    if len(s) >= 2 and s[-1] is not None and s[-2] is not None:
        diff = s[-1] - s[-2]
        direction = "flat" if diff == 0 else ("up" if diff > 0 else "down")
        return {"arrow": ARROWS[direction], "cls": "neutral", "word": ""}
    return dict(NO_ARROW)


def series(r: MetricsResult, metric: str) -> list[float | None]:
    """The metric's value in each trend period, oldest first (empty for a metric not traced)."""
    if metric not in TREND_FIELDS:
        return []
    return [getattr(p, metric) for p in r.trend]


def previous(r: MetricsResult, metric: str) -> float | None:
    """The metric's value in the period before the report's, when the trend ends with it."""
    s = series(r, metric)
    if len(s) >= 2 and r.trend[-1].label == r.period.label:
        return s[-2]
    return None


def sparkline(r: MetricsResult, metric: str) -> str:
    return charts.sparkline(series(r, metric)[-MAX_TREND_ROWS:])
