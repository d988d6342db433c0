"""compute_metrics: every figure, breakdown, list, trend point and threshold value of a period."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.engine.clocks import PreparedLog
from slametrics.errors import UserError
from slametrics.eventlog import EventLog
from slametrics.metrics.breakdowns import priority_order, slices, volumes, work_status
from slametrics.metrics.contract import contract_sections
from slametrics.metrics.figures import (
    PeriodFigures,
    clock_stats,
    in_period,
    measure_thresholds,
    period_figures,
    prepare,
    resolve_as_of,
    stopped_in_period,
    unjudged_reason,
)
from slametrics.metrics.lists import (
    at_risk,
    backlog,
    critical_incidents,
    excluded,
    repeat_groups,
    waiting_on_customer,
)
from slametrics.metrics.quality import data_quality, touched
from slametrics.metrics.trend import directions, earlier_periods, point_of, trend_point
from slametrics.periods import Period
from slametrics.policy import Policy
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
    data_until = log.latest_timestamp()
    knowledge = as_of if as_of is not None else data_until
    as_of = resolve_as_of(log, period, as_of)
    prepared = prepare(log, policy)
    earlier = [
        pool.submit(trend_point, log, policy, p, as_of, prepared, knowledge)
        for p in earlier_periods(log, policy, period)
    ]
    fig = period_figures(log, policy, period, as_of, prepared, knowledge=knowledge)
    trend = [*(job.result() for job in earlier), point_of(period, fig)]
    result = assemble_result(
        fig,
        Incidents.of(prepared),
        trend,
        policy,
        period,
        as_of,
        data_until if len(log.tickets) else None,
        by=by,
        rows_rejected=rows_rejected,
        problems=problems,
    )
    # DESIGN §12 (contract, lines, hours, signals): only for a policy with a `contract:`
    sections = contract_sections(log, policy, period, as_of, prepared, fig, knowledge)
    return result.model_copy(update=sections) if sections else result


@dataclass
class Incidents:
    """What the repeat figures read of every ticket of the log (not only those in scope):
    `tickets` (created_at, kind, ticket_id and the repeat key columns; rows of the log in its
    order, or only its incidents in that order), their repeat and exclusion flags."""

    tickets: pd.DataFrame
    repeat: np.ndarray
    excluded: np.ndarray

    @classmethod
    def of(cls, prepared: PreparedLog) -> Incidents:
        return cls(prepared.tickets, prepared.repeat, prepared.excluded)


def assemble_result(
    fig: PeriodFigures,
    incidents: Incidents,
    trend: list,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    data_until: pd.Timestamp | None,
    *,
    by: str | None = None,
    rows_rejected: int = 0,
    problems: int = 0,
) -> MetricsResult:
    """The MetricsResult of a period from its figures, the log's incidents and the trend."""
    clocks, t = fig.state.clocks, fig.state.tickets
    running = clocks[clocks["outcome"] == "running"]
    counted = fig.counted
    pt = incidents.tickets
    created_by = (pt["created_at"] <= as_of).to_numpy()
    incident = np.flatnonzero(created_by & (pt["kind"] == "incident").to_numpy())
    waiting, waiting_total = waiting_on_customer(t, as_of)
    risky, at_risk_total = at_risk(t, running)
    backlog_lines, backlog_total = backlog(t, fig.backlog)
    excluded_lines, excluded_total = excluded(t, fig.of_period)
    return MetricsResult(
        policy=policy.name,
        period=PeriodInfo(
            start=period.start, end=period.end, label=period.label, timezone=period.timezone
        ),
        as_of=as_of,
        data_until=data_until,
        metrics=fig.metrics,
        clocks=_clock_figures(fig, period, policy.clock_names),
        by_priority=slices(counted, running, "priority", policy.clock_names),
        by_kind=slices(counted, running, "kind", policy.clock_names),
        by_field=_by_field(by, t, clocks, counted, running, policy.clock_names),
        volumes=volumes(t, period),
        work_status=work_status(t, period),
        critical_incidents=critical_incidents(t, clocks, counted, policy, period),
        repeat_groups=repeat_groups(pt, incident, incidents.repeat, policy, period),
        waiting=waiting,
        waiting_total=waiting_total,
        at_risk=risky,
        at_risk_total=at_risk_total,
        backlog=backlog_lines,
        backlog_total=backlog_total,
        excluded=excluded_lines,
        excluded_total=excluded_total,
        priority_order=priority_order(policy),
        trend=trend,
        directions=directions(trend),
        thresholds=measure_thresholds(policy, fig),
        data_quality=data_quality(touched(t, period), fig.counted, rows_rejected, problems),
    )


def _clock_figures(fig: PeriodFigures, period: Period, names: list[str]) -> dict[str, ClockStats]:
    """Per clock: decided outcomes, running, unknown, canceled, untargeted, backlog, percentiles."""
    clocks, t = fig.state.clocks, fig.state.tickets
    judged_of_period = fig.of_period & ~t["excluded"]
    of_period_tix = t.loc[judged_of_period.to_numpy(), "tix"]
    stopped = stopped_in_period(clocks, period)
    out = {}
    for clock in names:
        mine = clocks["clock"] == clock
        rows = clocks[mine]
        backlog_rows = fig.backlog[fig.backlog["clock"] == clock]
        stats = clock_stats(
            fig.counted[fig.counted["clock"] == clock], stopped[stopped["clock"] == clock]
        )
        canceled = (rows["outcome"] == "canceled") & in_period(rows["stopped_at"], period)
        unknown = (rows["outcome"] == "unknown") & rows["tix"].isin(of_period_tix)
        untargeted = judged_of_period & ~t[f"targeted_{clock}"]
        reason = None
        if stats["on_time_share"] is None:
            reason = unjudged_reason(clocks, t, judged_of_period, clock)
        out[clock] = ClockStats(
            running=int((rows["outcome"] == "running").sum()),
            unknown=int(unknown.sum()),
            canceled=int(canceled.sum()),
            untargeted=int(untargeted.sum()),
            backlog=len(backlog_rows),
            backlog_oldest_at=backlog_rows["decided_at"].min() if len(backlog_rows) else None,
            reason=reason,
            **stats,
        )
    return out


def _by_field(
    by: str | None,
    t: pd.DataFrame,
    clocks: pd.DataFrame,
    counted: pd.DataFrame,
    running: pd.DataFrame,
    names: list[str],
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
        names,
    )
