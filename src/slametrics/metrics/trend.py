"""The trend: headline figures of the previous periods and each metric's direction of change."""

from __future__ import annotations

import pandas as pd

from slametrics.engine.clocks import (
    PreparedLog,
)
from slametrics.eventlog import EventLog
from slametrics.metrics.figures import PeriodFigures, period_figures
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import (
    TrendDirection,
    TrendPoint,
)

# every metric of the trend; None: a direction without better or worse (volumes)
HIGHER_IS_BETTER: dict[str, bool | None] = {
    "on_time_share": True,
    "first_contact_resolution": True,
    "repeat_incident_rate": False,
    "reopen_rate": False,
    "waiting_on_customer": False,
    "created": None,
    "resolved": None,
}


def earlier_periods(log: EventLog, policy: Policy, period: Period) -> list[Period]:
    """The trend's periods before `period` that have data, oldest first."""
    if not len(log.tickets):
        return []
    first_data = log.tickets["created_at"].min()
    return [p for p in period.previous(policy.trend_periods) if p.end > first_data]


def trend_point(
    log: EventLog,
    policy: Policy,
    p: Period,
    as_of: pd.Timestamp,
    prepared: PreparedLog,
    knowledge: pd.Timestamp | None = None,
) -> TrendPoint:
    """The headline figures of an earlier period, at its end (or at as_of when earlier)."""
    cut = min(as_of, p.end - pd.Timedelta(microseconds=1))
    return point_of(
        p, period_figures(log, policy, p, cut, prepared, lean=True, knowledge=knowledge)
    )


def point_of(p: Period, f: PeriodFigures) -> TrendPoint:
    m = f.metrics
    return TrendPoint(
        label=p.label,
        start=p.start,
        end=p.end,
        on_time_share=m["on_time_share"].value,
        first_contact_resolution=m["first_contact_resolution"].value,
        repeat_incident_rate=m["repeat_incident_rate"].value,
        reopen_rate=m["reopen_rate"].value,
        created=int(m["created"].value or 0),
        resolved=int(m["resolved"].value or 0),
        waiting_on_customer=int(m["waiting_on_customer"].value or 0),
    )


def directions(trend: list[TrendPoint]) -> list[TrendDirection]:
    out = []
    for metric, higher_better in HIGHER_IS_BETTER.items():
        series = [getattr(p, metric) for p in trend]
        vals = [v for v in series if v is not None]
        if len(vals) < 2:
            out.append(
                TrendDirection(metric=metric, direction="unknown", better=None, worse_streak=0)
            )
            continue
        diff = vals[-1] - vals[-2]
        direction = "flat" if abs(diff) < 1e-9 else ("up" if diff > 0 else "down")
        better = (
            None if direction == "flat" or higher_better is None else (diff > 0) == higher_better
        )
        streak = 0
        for a, b in zip(vals[-2::-1], vals[::-1], strict=False):  # newest pair first
            if higher_better is not None and ((b < a) if higher_better else (b > a)):
                streak += 1
            else:
                break
        out.append(
            TrendDirection(metric=metric, direction=direction, better=better, worse_streak=streak)
        )
    return out
