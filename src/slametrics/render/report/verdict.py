"""The report's verdict: the contract's thresholds, the other indicators, their trends."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from slametrics.render import charts
from slametrics.render.report.labels import (
    NO_TICKETS,
    STATES,
    Labels,
    is_plain,
    qualifiers,
    threshold_state,
)
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
CUT_ORDER = {"fail": 0, "not judgeable": 1}
PERIOD_UNITS = (
    ("week", r"\d{4}-W\d\d"),
    ("month", r"\d{4}-\d\d"),
    ("quarter", r"\d{4}-Q\d"),
    ("year", r"\d{4}"),
)


def verdict(r: MetricsResult, lab: Labels, caps: Mapping[str, int], empty: bool) -> dict[str, Any]:
    """The verdict section: status line, on-time headline with the backlog and untargeted
    tickets beside it, and one row per indicator."""
    ths = list(r.thresholds)
    if len(ths) > caps["thresholds"]:  # the missed ones matter most when cut, then the unjudged
        ths = sorted(ths, key=lambda th: CUT_ORDER.get(threshold_state(th), 2))
        ths = ths[: caps["thresholds"]]
    rows = [_threshold_row(r, lab, th) for th in ths]
    plain = {th.metric for th in ths if not qualifiers(th)}
    rows += _kpi_rows(r, lab, caps["kpis"], plain)
    status, text, also = _status(r, lab, empty)
    return {
        "status": status,
        "text": text,
        "also": also,
        "headline": _headline(r, lab),
        "on_time_arrow": arrow(r, lab, "on_time_share"),
        "beside": beside(r, lab),
        "rows": rows,
        "more": lab.more(len(ths), len(r.thresholds)),
    }


def _threshold_row(r: MetricsResult, lab: Labels, th: ThresholdValue) -> dict[str, Any]:
    state = threshold_state(th)
    status, result = STATES[state]
    # a null value says why beside it, unless the result column already says "no tickets"
    detail = lab.reason(th.reason) if th.value is None and state != "no tickets" else ""
    row = {
        "label": lab.threshold(th),
        "value": lab.shown_value(th),
        "detail": detail,
        "why": th.value is None,  # the detail is the reason the value is null
        "contract": lab.bound(th.metric, th),
        "result": lab.t(result),
        "status": status,
        "previous": "",
        "spark": "",
        **NO_ARROW,
    }
    if qualifiers(th):  # the figures and the trend are those of the whole period
        return row
    return {
        **row,
        "detail": detail if th.value is None else _detail(lab, r.metrics.get(th.metric)),
        "previous": previous_cell(r, lab, th.metric),
        "spark": sparkline(r, th.metric),
        **arrow(r, lab, th.metric),
    }


def _kpi_rows(r: MetricsResult, lab: Labels, cap: int, plain: set[str]) -> list[dict[str, Any]]:
    """The indicators without a threshold of their own, up to `cap` of them."""
    rows = []
    for name in KPI_ORDER:
        m = r.metrics.get(name)
        if name in plain or m is None or len(rows) >= cap:
            continue
        rows.append(
            {
                "label": lab.metric(name),
                "value": lab.value(name, m.value),
                "detail": _detail(lab, m),
                "why": m.value is None,
                "contract": "",
                "result": "",
                "status": "none",
                "previous": previous_cell(r, lab, name),
                "spark": sparkline(r, name),
                **arrow(r, lab, name),
            }
        )
    return rows


def _detail(lab: Labels, m: MetricValue | None) -> str:
    """`num / den` of a share; for a null metric, why it is null."""
    if m is None:
        return ""
    if m.value is None:
        return lab.reason(m.reason)
    if not m.denominator:
        return ""
    return f"{lab.t.integer(m.numerator or 0)} / {lab.t.integer(m.denominator)}"


def _headline(r: MetricsResult, lab: Labels) -> str:
    t = lab.t
    on_time = r.metrics.get("on_time_share") or MetricValue(value=None)
    if on_time.value is None:
        headline = t("verdict.on_time_none", reason=lab.reason(on_time.reason or NO_TICKETS))
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


def beside(r: MetricsResult, lab: Labels) -> list[dict[str, str]]:
    """What stands beside the on-time share, never inside it: the clocks past target since
    before the period (the backlog) and the period's tickets without a target."""
    t = lab.t
    out = []
    backlog = sum(c.backlog for c in r.clocks.values())
    oldest = [c.backlog_oldest_at for c in r.clocks.values() if c.backlog_oldest_at is not None]
    if backlog:
        date = t.date(min(oldest), lab.tz) if oldest else t("none")
        unit = period_unit(r.period.label)
        out.append({"text": t(f"backlog.{unit}", n=t.integer(backlog), date=date), "cls": "bad"})
    if items := untargeted_items(r, lab):
        out.append({"text": t("verdict.untargeted", items=items), "cls": "neutral"})
    return out


def untargeted_items(r: MetricsResult, lab: Labels) -> str:
    """`first response 3, resolution 5`: the period's tickets without a target, per clock."""
    return ", ".join(
        f"{lab.clock(name).lower()} {lab.t.integer(c.untargeted)}"
        for name, c in r.clocks.items()
        if c.untargeted
    )


def period_unit(label: str) -> str:
    """week, month, quarter or year when the label names one, else other."""
    for unit, pattern in PERIOD_UNITS:
        if re.fullmatch(pattern, label):
            return unit
    return "other"


def freshness(r: MetricsResult, lab: Labels) -> dict[str, str]:
    """A banner when the data ends before the period does: `stale`, or `before` its start."""
    until = r.data_until
    if until is None or until >= r.period.end:
        return {"level": "", "text": ""}
    t, tz = lab.t, lab.tz
    shown = t.datetime(until, tz)
    last_day = r.period.end - dt.timedelta(microseconds=1)
    if until < r.period.start:
        return {
            "level": "before",
            "text": t("fresh.before", until=shown, start=t.date(r.period.start, tz)),
        }
    return {
        "level": "stale",
        "text": t("fresh.stale", until=shown, end=t.date(last_day, tz)),
    }


def _status(r: MetricsResult, lab: Labels, empty: bool) -> tuple[str, str, str]:
    """The banner's class, text and what it adds: missed first, then not judgeable, then met;
    the thresholds without tickets are said, never counted as met."""
    t = lab.t
    if not r.thresholds:
        return "none", t("verdict.no_thresholds"), ""
    states = [threshold_state(th) for th in r.thresholds]
    n = {s: states.count(s) for s in STATES}
    total = t.integer(len(states))
    also = []
    if n["fail"] and n["not judgeable"]:
        also.append(t("verdict.also_unjudged", n=t.integer(n["not judgeable"])))
    if n["no tickets"]:
        also.append(t("verdict.also_no_tickets", n=t.integer(n["no tickets"])))
    if n["fail"]:
        status, text = "fail", t("verdict.missed", n=t.integer(n["fail"]), total=total)
    elif n["not judgeable"]:
        status = "unjudged"
        text = t("verdict.unjudged", n=t.integer(n["not judgeable"]), total=total)
    elif not n["pass"] or empty:  # nothing measured is not "met"
        return "none", t("verdict.no_data"), ""
    elif n["no tickets"]:
        status, text = "pass", t("verdict.met_some", met=t.integer(n["pass"]), total=total)
    else:
        return "pass", t("verdict.all_met"), ""
    return status, text, "; ".join(also)


def arrow(r: MetricsResult, lab: Labels, metric: str) -> dict[str, str]:
    """The metric's trend arrow, with whether that is better or worse where the engine knows;
    none beside a null value (n/a has no direction)."""
    m = r.metrics.get(metric)
    if m is not None and m.value is None:
        return dict(NO_ARROW)
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


def previous_cell(r: MetricsResult, lab: Labels, metric: str) -> str:
    """The metric's value in the period before the report's (`n/a` when it had none), or empty
    when the trend does not end with the report's period."""
    s = series(r, metric)
    if len(s) >= 2 and r.trend[-1].label == r.period.label:
        return lab.value(metric, s[-2])
    return ""


def sparkline(r: MetricsResult, metric: str) -> str:
    return charts.sparkline(series(r, metric)[-MAX_TREND_ROWS:])
