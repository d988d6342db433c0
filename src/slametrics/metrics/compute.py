"""compute_metrics: every figure, breakdown, list, trend point and threshold value of a period."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from slametrics.errors import UserError
from slametrics.eventlog import EventLog
from slametrics.metrics.breakdowns import priority_order, slices, volumes, work_status
from slametrics.metrics.figures import (
    clock_stats,
    measure_thresholds,
    period_figures,
    prepare,
    resolve_as_of,
)
from slametrics.metrics.lists import at_risk, critical_incidents, repeat_groups, waiting_on_customer
from slametrics.metrics.quality import data_quality, touched
from slametrics.metrics.trend import directions, earlier_periods, point_of, trend_point
from slametrics.periods import Period
from slametrics.policy import CLOCK_NAMES, Policy
from slametrics.results import ClockStats, MetricsResult, PeriodInfo, SliceStats


def compute_metrics(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp | None = None,
    by: str | None = None,
    rows_rejected: int = 0,
    problems: int = 0,
) -> MetricsResult:
    """All metrics of `period` at `as_of`, with breakdowns, lists, trend and threshold values."""
    # the trend's periods are independent of the rest: computed meanwhile on other threads
    # (numpy and Arrow release the GIL for the heavy parts)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return _compute_metrics(log, policy, period, as_of, by, rows_rejected, problems, pool)


def _compute_metrics(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp | None,
    by: str | None,
    rows_rejected: int,
    problems: int,
    pool: ThreadPoolExecutor,
) -> MetricsResult:
    as_of = resolve_as_of(log, period, as_of)
    prepared = prepare(log, policy)
    earlier = [
        pool.submit(trend_point, log, policy, p, as_of, prepared)
        for p in earlier_periods(log, policy, period)
    ]
    fig = period_figures(log, policy, period, as_of, prepared)
    clocks, t = fig.state.clocks, fig.state.tickets
    running = clocks[clocks["outcome"] == "running"]
    counted = fig.counted
    clock_figures = {}
    for clock in CLOCK_NAMES:
        rows = counted[counted["clock"] == clock]
        clock_figures[clock] = ClockStats(
            running=int((running["clock"] == clock).sum()),
            untargeted=fig.state.untargeted.get(clock, 0),
            **clock_stats(rows),
        )

    pt = prepared.tickets
    created_by = (pt["created_at"] <= as_of).to_numpy()
    incident = np.flatnonzero(created_by & (pt["kind"] == "incident").to_numpy())
    waiting, waiting_total = waiting_on_customer(t, as_of)
    risky, at_risk_total = at_risk(t, running)
    trend = [*(job.result() for job in earlier), point_of(period, fig)]
    return MetricsResult(
        policy=policy.name,
        period=PeriodInfo(
            start=period.start, end=period.end, label=period.label, timezone=period.timezone
        ),
        as_of=as_of,
        metrics=fig.metrics,
        clocks=clock_figures,
        by_priority=slices(counted, running, "priority"),
        by_kind=slices(counted, running, "kind"),
        by_field=_by_field(by, t, clocks, counted, running),
        volumes=volumes(t, period),
        work_status=work_status(t, period),
        critical_incidents=critical_incidents(t, clocks, counted, policy, period),
        repeat_groups=repeat_groups(pt, incident, prepared.repeat, policy, period),
        waiting=waiting,
        waiting_total=waiting_total,
        at_risk=risky,
        at_risk_total=at_risk_total,
        priority_order=priority_order(policy),
        trend=trend,
        directions=directions(trend),
        thresholds=measure_thresholds(policy, fig),
        data_quality=data_quality(touched(t, period), fig.counted, rows_rejected, problems),
    )


def _by_field(
    by: str | None,
    t: pd.DataFrame,
    clocks: pd.DataFrame,
    counted: pd.DataFrame,
    running: pd.DataFrame,
) -> list[SliceStats]:
    """On-time figures per value of the `--by` ticket field."""
    if not by:
        return []
    if by not in t.columns:
        fields = ", ".join(c for c in t.columns if not c.startswith("_"))
        raise UserError(f"--by {by!r}: not a ticket field; use one of: {fields}")
    if not len(clocks):
        return []
    vals = t.set_index("tix")[by]
    return slices(
        counted.assign(**{by: counted["tix"].map(vals)}),
        running.assign(**{by: running["tix"].map(vals)}),
        by,
    )
