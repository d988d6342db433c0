"""The trend: headline figures of the previous periods and each metric's direction of change."""

from __future__ import annotations

import pandas as pd

from slametrics.engine.clocks import (
    PreparedLog,
)
from slametrics.eventlog import EventLog
from slametrics.metrics.period import period_figures
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import (
    MetricValue,
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
    fig = period_figures(log, policy, p, cut, prepared, lean=True, knowledge=knowledge)
    return point_of(p, fig.metrics)


def point_of(p: Period, m: dict[str, MetricValue]) -> TrendPoint:
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
    """Each metric's direction from the last known value before the current period's.

    A current value that is n/a has no direction ("unknown"), even when older periods have
    values: comparing two earlier periods would present their change as this period's.
    """
    return [_direction(metric, [getattr(p, metric) for p in trend]) for metric in HIGHER_IS_BETTER]


def _direction(metric: str, series: list[float | None]) -> TrendDirection:
    higher_better = HIGHER_IS_BETTER[metric]
    known = [v for v in series[:-1] if v is not None]
    if not series or series[-1] is None or not known:
        return TrendDirection(metric=metric, direction="unknown", better=None, worse_streak=0)
    diff = series[-1] - known[-1]
    direction = "flat" if abs(diff) < 1e-9 else ("up" if diff > 0 else "down")
    better = None if direction == "flat" or higher_better is None else (diff > 0) == higher_better
    return TrendDirection(
        metric=metric,
        direction=direction,
        better=better,
        worse_streak=_worse_streak(series, higher_better),
    )


def _worse_streak(series: list[float | None], higher_better: bool | None) -> int:
    """How many periods in a row, newest first, got worse than the one before (n/a ends it)."""
    if higher_better is None:
        return 0
    streak = 0
    for older, newer in zip(series[-2::-1], series[::-1], strict=False):  # newest pair first
        if older is None or newer is None:
            break
        if not ((newer < older) if higher_better else (newer > older)):
            break
        streak += 1
    return streak
