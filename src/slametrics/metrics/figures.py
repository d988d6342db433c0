"""The headline figures of one period: counted clocks, shares, FCR, repeats, reopens, waiting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics import periods
from slametrics.columns import codes_in
from slametrics.engine.clocks import (
    OUTCOMES,
    ClockResult,
    PreparedLog,
    compute_clocks,
    prepare_log,
)
from slametrics.eventlog import EventLog
from slametrics.periods import Period
from slametrics.policy import Policy, Threshold
from slametrics.results import (
    MetricValue,
    ThresholdValue,
)


@dataclass
class PeriodFigures:
    """Clock rows that count in the period plus the headline metric values."""

    counted: pd.DataFrame
    metrics: dict[str, MetricValue]
    state: ClockResult


def prepare(log: EventLog, policy: Policy) -> PreparedLog:
    """`prepare_log` for an event log, from its stored event codes when it has them."""
    need_events = log.codes is None or policy.target_priority == "at_start"
    return prepare_log(log.tickets, log.events if need_events else None, policy, codes=log.codes)


def resolve_as_of(log: EventLog, period: Period, as_of: pd.Timestamp | None) -> pd.Timestamp:
    """The query's as_of over this log (see `periods.resolve_as_of`)."""
    return periods.resolve_as_of(log.latest_timestamp(), period, as_of)


def share(num: float, den: float) -> MetricValue:
    return MetricValue(value=(num / den) if den else None, numerator=num, denominator=den)


def in_period(series: pd.Series, period: Period) -> pd.Series:
    return series.notna() & (series >= period.start) & (series < period.end)


def counted_clocks(clocks: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Clocks that count in the period: stopped inside it, or running and breached at its end."""
    stopped_in = in_period(clocks["stopped_at"], period)
    running_breached = clocks["stopped_at"].isna() & (clocks["outcome"] == "breached")
    return clocks[stopped_in | running_breached]


def period_figures(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    prepared: PreparedLog | None = None,
    lean: bool = False,
) -> PeriodFigures:
    """Compute the clocks at `as_of` and the headline metrics of one period.

    Only tickets not settled before the period starts are computed (see `compute_clocks`);
    `lean` keeps just the columns the figures need.
    """
    prepared = prepared or prepare(log, policy)
    state = compute_clocks(
        log.tickets, None, policy, as_of, prepared, since=period.start, lean=lean
    )
    t = state.tickets
    counted = counted_clocks(state.clocks, period)
    met = int((counted["outcome"] == "met").sum())
    breached = int((counted["outcome"] == "breached").sum())
    m: dict[str, MetricValue] = {"on_time_share": share(met, met + breached)}

    first_res = in_period(t["first_resolved_at"], period)
    fcr = policy.first_contact_resolution
    snapshot = (t["fidelity"] == "snapshot").to_numpy()
    # history: counted from events up to as_of; snapshot: only the source's summary counts exist
    recorded_replies = t["agent_replies"].fillna(0).to_numpy()
    replies = np.where(snapshot, recorded_replies, t["replies_before_resolution"].to_numpy())
    reopened = (t["reopen_count"] > 0) | (snapshot & (t["reopens"].fillna(0) > 0))
    ok = (replies <= fcr.max_agent_replies) & (~reopened if fcr.exclude_reopened else True)
    # a source that records no replies at all (a status-only process log) cannot show FCR
    known = np.where(snapshot, t["agent_replies"].notna(), t["source"].isin(state.reply_sources))
    first_res = first_res & known
    m["first_contact_resolution"] = share(int((first_res & ok).sum()), int(first_res.sum()))

    # repeats look back across the window, beyond the tickets computed for the period
    pt = prepared.tickets
    created_in = (in_period(pt["created_at"], period) & (pt["created_at"] <= as_of)).to_numpy()
    incident_in = created_in & (pt["kind"] == "incident").to_numpy()
    m["repeat_incident_rate"] = share(
        int((prepared.repeat & incident_in).sum()), int(incident_in.sum())
    )

    resolved_in = resolved_in_period(t, period)
    m["reopen_rate"] = share(int((resolved_in & reopened).sum()), int(resolved_in.sum()))

    waiting = t["status_class_at"] == "waiting_customer"
    m["waiting_on_customer"] = MetricValue(value=float(waiting.sum()))
    m["created"] = MetricValue(value=float(in_period(t["created_at"], period).sum()))
    m["resolved"] = MetricValue(value=float(resolved_in.sum()))
    open_at_end = ~t["status_class_at"].isin(["resolved", "closed", "canceled"])
    m["open_at_end"] = MetricValue(value=float(open_at_end.sum()))
    return PeriodFigures(counted, m, state)


def resolved_in_period(t: pd.DataFrame, period: Period) -> pd.Series:
    """Tickets first resolved in the period, or whose final resolution (as of now) falls in it."""
    return in_period(t["last_resolved_at"], period) | in_period(t["first_resolved_at"], period)


def clock_stats(rows: pd.DataFrame) -> dict[str, float | int | None]:
    return stats_of(
        codes_in(rows["outcome"], OUTCOMES),
        rows["stopped_at"].notna().to_numpy(),
        rows["elapsed_s"].to_numpy(dtype=float),
    )


def stats_of(
    outcome: np.ndarray, stopped: np.ndarray, elapsed: np.ndarray
) -> dict[str, float | int | None]:
    """Counts and percentiles of clock rows; `outcome` holds codes into OUTCOMES."""
    met = int((outcome == OUTCOMES.index("met")).sum())
    breached = int((outcome == OUTCOMES.index("breached")).sum())
    done = elapsed[stopped]
    pct = np.percentile(done, [50, 90, 95]) if len(done) else [None] * 3
    return {
        "met": met,
        "breached": breached,
        "on_time_share": met / (met + breached) if met + breached else None,
        "p50_s": rounded(pct[0]),
        "p90_s": rounded(pct[1]),
        "p95_s": rounded(pct[2]),
    }


def rounded(x: object) -> float | None:
    return None if x is None else round(float(x), 3)


def threshold_value(th: Threshold, fig: PeriodFigures) -> float | None:
    if th.metric != "on_time_share" or not (th.clock or th.priority or th.kind):
        return fig.metrics[th.metric].value
    rows = fig.counted
    if th.clock:
        rows = rows[rows["clock"] == th.clock]
    if th.priority:
        rows = rows[rows["priority"].astype("string").str.lower() == th.priority.lower()]
    if th.kind:
        rows = rows[rows["kind"] == th.kind]
    return clock_stats(rows)["on_time_share"]  # type: ignore[return-value]


def measure_thresholds(policy: Policy, fig: PeriodFigures) -> list[ThresholdValue]:
    """Each threshold of the policy with its value in the period; `check` judges them."""
    return [
        ThresholdValue(
            label=th.label,
            metric=th.metric,
            value=threshold_value(th, fig),
            min=th.min,
            max=th.max,
            clock=th.clock,
            priority=th.priority,
            kind=th.kind,
        )
        for th in policy.thresholds
    ]
