"""compute_metrics: every figure, breakdown, list, trend point and threshold value of a period."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.engine.clocks import PreparedLog
from slametrics.eventlog import EventLog
from slametrics.metrics.breakdowns import priority_order, slices, volumes, work_status
from slametrics.metrics.contract import contract_sections
from slametrics.metrics.figures import clock_stats, prepare, resolve_as_of
from slametrics.metrics.lists import (
    at_risk,
    backlog,
    critical_incidents,
    excluded,
    repeat_groups,
    waiting_on_customer,
)
from slametrics.metrics.period import measure_thresholds, period_figures
from slametrics.metrics.quality import data_quality
from slametrics.metrics.summary import PeriodSummary
from slametrics.metrics.trend import directions, earlier_periods, point_of, trend_point
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import ClockStats, MetricsResult, PeriodInfo


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
    fig = period_figures(log, policy, period, as_of, prepared, knowledge=knowledge, by=by)
    trend = [*(job.result() for job in earlier), point_of(period, fig.metrics)]
    result = assemble_result(
        fig.summary,
        fig.metrics,
        Incidents.of(prepared),
        trend,
        policy,
        period,
        as_of,
        data_until if len(log.tickets) else None,
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
    s: PeriodSummary,
    metrics: dict,
    incidents: Incidents,
    trend: list,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    data_until: pd.Timestamp | None,
    *,
    rows_rejected: int = 0,
    problems: int = 0,
) -> MetricsResult:
    """The MetricsResult of a period from its summary and metrics, the log's incidents and the
    trend."""
    pt = incidents.tickets
    created_by = (pt["created_at"] <= as_of).to_numpy()
    incident = np.flatnonzero(created_by & (pt["kind"] == "incident").to_numpy())
    waiting, waiting_total = waiting_on_customer(s.lists["waiting"])
    risky, at_risk_total = at_risk(s.lists["at_risk"])
    backlog_lines, backlog_total = backlog(s.lists["backlog"])
    excluded_lines, excluded_total = excluded(s.lists["excluded"])
    critical, critical_total, critical_outcomes = critical_incidents(s.lists["critical"])
    names = policy.clock_names
    return MetricsResult(
        policy=policy.name,
        period=PeriodInfo(
            start=period.start, end=period.end, label=period.label, timezone=period.timezone
        ),
        as_of=as_of,
        data_until=data_until,
        metrics=metrics,
        clocks=_clock_figures(s, names),
        by_priority=slices(s.counted, s.running, "priority", "priority", names),
        by_kind=slices(s.counted, s.running, "kind", "kind", names),
        by_field=slices(s.counted, s.running, "_by", s.by, names) if s.by else [],
        volumes=volumes(s.volumes),
        work_status=work_status(s.work_status),
        critical_incidents=critical,
        critical_total=critical_total,
        critical_outcomes=critical_outcomes,
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
        thresholds=measure_thresholds(policy, s, metrics),
        data_quality=data_quality(s.fidelity, s.sources, s.vendor, rows_rejected, problems),
    )


def _clock_figures(s: PeriodSummary, names: list[str]) -> dict[str, ClockStats]:
    """Per clock: decided outcomes, running, unknown, canceled, untargeted, backlog, percentiles."""
    out = {}
    for clock in names:
        part = s.clocks[clock]
        stats = clock_stats(
            s.counted[s.counted["clock"] == clock], s.stopped[s.stopped["clock"] == clock]
        )
        out[clock] = ClockStats(
            running=part.running,
            unknown=part.unknown,
            canceled=part.canceled,
            untargeted=part.untargeted,
            backlog=part.backlog,
            backlog_oldest_at=part.backlog_oldest_at,
            reason=part.judge.reason() if stats["on_time_share"] is None else None,
            **stats,
        )
    return out
