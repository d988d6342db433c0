"""A period's headline metrics and threshold values, from its summary (DESIGN §7)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from slametrics.engine.clocks import ClockResult, PreparedLog, compute_clocks
from slametrics.eventlog import EventLog
from slametrics.metrics.figures import (
    NO_HISTORY,
    NO_REPLY_DATA,
    NO_TICKETS,
    PeriodRows,
    prepare,
    repeat_incident_rate,
    share,
)
from slametrics.metrics.summary import PeriodSummary, summarize
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import MetricValue, ThresholdValue


@dataclass
class PeriodFigures:
    """Clock rows decided in the period, the backlog, the headline metric values, and the
    period's summary (what the result is assembled from)."""

    counted: pd.DataFrame  # met or breached, decided in the period
    backlog: pd.DataFrame  # still running past target at the period's end, breached before it
    metrics: dict[str, MetricValue]
    state: ClockResult
    of_period: pd.Series  # per ticket of `state.tickets`: created in the period or open at its end
    summary: PeriodSummary


def headline_metrics(
    s: PeriodSummary, incidents: PreparedLog, period: Period, as_of: pd.Timestamp
) -> dict[str, MetricValue]:
    """The headline metrics of a period from its summary; repeats from every ticket's
    `incidents` (the prepared log, or the bucketed engine's `Incidents`)."""
    c = s.counts
    fcr_reason = NO_REPLY_DATA if c["fcr_first"] else NO_TICKETS
    return {
        "on_time_share": share(c["met"], c["met"] + c["breached"], s.on_time.reason()),
        "first_contact_resolution": share(c["fcr_ok"], c["fcr_judged"], fcr_reason),
        "repeat_incident_rate": repeat_incident_rate(incidents, period, as_of),
        "reopen_rate": share(
            c["reopened"], c["reopen_judged"], NO_HISTORY if c["reopen_resolved"] else NO_TICKETS
        ),
        "waiting_on_customer": MetricValue(value=int(c["waiting"])),
        **{
            name: MetricValue(value=int(c[name]))
            for name in ("created", "resolved", "canceled", "open_at_end", "excluded")
        },
    }


def figures_of(
    state: ClockResult,
    incidents: PreparedLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    *,
    lean: bool = True,
    by: str | None = None,
) -> PeriodFigures:
    """The figures of a period from its clocks (`compute_clocks` at the period's as_of)."""
    rows = PeriodRows.of(state, period)
    summary = summarize(state, policy, period, as_of, lean=lean, by=by, rows=rows)
    return PeriodFigures(
        rows.counted,
        rows.backlog,
        headline_metrics(summary, incidents, period, as_of),
        state,
        rows.of_period,
        summary,
    )


def period_figures(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    prepared: PreparedLog | None = None,
    lean: bool = False,
    knowledge: pd.Timestamp | None = None,
    by: str | None = None,
) -> PeriodFigures:
    """Compute the clocks at `as_of` and the figures of one period.

    Only tickets not settled before the period starts are computed (see `compute_clocks`);
    `lean` keeps just the columns the headline figures need; `knowledge` is the query's instant.
    """
    prepared = prepared or prepare(log, policy)
    state = compute_clocks(
        log.tickets, None, policy, as_of, prepared, since=period.start, lean=lean,
        knowledge=knowledge,
    )  # fmt: skip
    return figures_of(state, prepared, policy, period, as_of, lean=lean, by=by)


def measure_thresholds(
    policy: Policy, summary: PeriodSummary, metrics: dict[str, MetricValue]
) -> list[ThresholdValue]:
    """Each threshold of the policy with its value in the period; `check` judges them.

    A threshold qualified by clock, priority or kind reads that slice of the on-time share.
    """
    if summary.lean:
        raise ValueError("thresholds need a full summary (summarize with lean=False)")
    out = []
    for i, th in enumerate(policy.thresholds):
        part = summary.thresholds.get(i)
        if part is None:
            value, reason = metrics[th.metric].value, metrics[th.metric].reason
        elif part.met + part.breached:
            value, reason = part.met / (part.met + part.breached), None
        else:
            value, reason = None, part.judge.reason()
        out.append(
            ThresholdValue(
                label=th.label, metric=th.metric, clock=th.clock, priority=th.priority,
                kind=th.kind, value=value, min=th.min, max=th.max, reason=reason,
            )
        )  # fmt: skip
    return out
