"""The headline figures of one period (DESIGN §7): decided clocks, backlog, FCR, repeats, reopens."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics import periods
from slametrics.columns import NAT, codes_in, to_us
from slametrics.engine.clocks import OUTCOMES, ClockResult, PreparedLog, compute_clocks, prepare_log
from slametrics.engine.timeline import first_in_window
from slametrics.eventlog import EventLog
from slametrics.periods import Period
from slametrics.policy import Policy, Threshold
from slametrics.results import MetricValue, ThresholdValue

DONE = ["resolved", "closed", "canceled"]
NO_TICKETS, NO_REPLY_DATA, NO_HISTORY, NO_TARGET = (
    "no tickets",
    "no reply data",
    "no status history",
    "no target",
)


@dataclass
class PeriodFigures:
    """Clock rows decided in the period, the backlog, and the headline metric values."""

    counted: pd.DataFrame  # met or breached, decided in the period
    backlog: pd.DataFrame  # still running past target at the period's end, breached before it
    metrics: dict[str, MetricValue]
    state: ClockResult
    of_period: pd.Series  # per ticket of `state.tickets`: created in the period or open at its end


def prepare(log: EventLog, policy: Policy) -> PreparedLog:
    """`prepare_log` for an event log, from its stored event codes when it has them."""
    events = log.events if log.codes is None else None
    return prepare_log(log.tickets, events, policy, codes=log.codes)


def resolve_as_of(log: EventLog, period: Period, as_of: pd.Timestamp | None) -> pd.Timestamp:
    """The query's as_of over this log (see `periods.resolve_as_of`)."""
    return periods.resolve_as_of(log.latest_timestamp(), period, as_of)


def share(num: int, den: int, reason: str | None = None) -> MetricValue:
    if not den:
        return MetricValue(value=None, numerator=num, denominator=den, reason=reason or NO_TICKETS)
    return MetricValue(value=num / den, numerator=num, denominator=den)


def count(mask: pd.Series | np.ndarray) -> MetricValue:
    return MetricValue(value=int(np.asarray(mask).sum()))


def in_period(series: pd.Series, period: Period) -> pd.Series:
    return series.notna() & (series >= period.start) & (series < period.end)


def counted_clocks(clocks: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Clocks decided in the period: met at a stop in it, breached at an instant in it.

    A met clock whose ticket was reopened after the period (`superseded`) is decided later.
    """
    decided = clocks["outcome"].isin(["met", "breached"]) & in_period(clocks["decided_at"], period)
    return clocks[decided & ~clocks["superseded"]]


def backlog_clocks(clocks: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Clocks still running past their target at the period's end that breached before it."""
    still_running = clocks["stopped_at"].isna() | (clocks["stopped_at"] >= period.end)
    early = clocks["decided_at"] < period.start
    return clocks[(clocks["outcome"] == "breached") & early.fillna(False) & still_running]


def period_figures(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    prepared: PreparedLog | None = None,
    lean: bool = False,
    knowledge: pd.Timestamp | None = None,
) -> PeriodFigures:
    """Compute the clocks at `as_of` and the headline metrics of one period.

    Only tickets not settled before the period starts are computed (see `compute_clocks`);
    `lean` keeps just the columns the figures need; `knowledge` is the query's instant.
    """
    prepared = prepared or prepare(log, policy)
    state = compute_clocks(
        log.tickets, None, policy, as_of, prepared, since=period.start, lean=lean,
        knowledge=knowledge,
    )  # fmt: skip
    return figures_of(state, prepared, policy, period, as_of)


def on_time_share(
    counted: pd.DataFrame, clocks: pd.DataFrame, t: pd.DataFrame, of_period: pd.Series
) -> MetricValue:
    """met / (met + breached) over the clocks decided in the period, or why there is none."""
    met = int((counted["outcome"] == "met").sum())
    breached = int((counted["outcome"] == "breached").sum())
    return share(met, met + breached, unjudged_reason(clocks, t, of_period, None))


def unjudged_reason(
    clocks: pd.DataFrame, t: pd.DataFrame, of_period: pd.Series, clock: str | None
) -> str:
    """Why nothing of the period could be judged: no reply data, no target, or no tickets."""
    ticket_rows = t.loc[of_period.to_numpy(), "tix"]
    rows = clocks[clocks["tix"].isin(ticket_rows)]
    if clock is not None:
        rows = rows[rows["clock"] == clock]
    if len(rows) and (rows["outcome"] == "unknown").all():
        return NO_REPLY_DATA
    names = [f"targeted_{clock}"] if clock else [c for c in t.columns if c.startswith("targeted_")]
    targeted = t.loc[of_period.to_numpy(), names].any(axis=1) if names else pd.Series(False)
    if len(ticket_rows) and not targeted.any():
        return NO_TARGET
    return NO_TICKETS


def first_contact_resolution(t: pd.DataFrame, period: Period, policy: Policy) -> MetricValue:
    """Among tickets first resolved in the period whose reply information is known: share
    solved with at most `max_agent_replies` public replies before that resolution, and (by
    default) not reopened by as_of. Canceled and excluded tickets are not in it."""
    fcr = policy.first_contact_resolution
    first_res = in_period(t["first_resolved_at"], period) & ~t["excluded"]
    first_res &= t["canceled_at"].isna()
    snapshot = (t["fidelity"] == "snapshot").to_numpy()
    # history: counted from events up to as_of; snapshot: only the source's summary counts exist
    recorded = t["agent_replies"].fillna(0).to_numpy()
    replies = np.where(snapshot, recorded, t["replies_before_resolution"].to_numpy())
    reopened = (t["reopen_count"] > 0) | (snapshot & (t["reopens"].fillna(0) > 0))
    ok = (replies <= fcr.max_agent_replies) & (~reopened if fcr.exclude_reopened else True)
    known = t["reply_known"].to_numpy() & (~snapshot | t["agent_replies"].notna().to_numpy())
    judged = first_res & known
    reason = NO_REPLY_DATA if first_res.any() else NO_TICKETS
    return share(int((judged & ok).sum()), int(judged.sum()), reason)


def repeat_incident_rate(prepared: PreparedLog, period: Period, as_of: pd.Timestamp) -> MetricValue:
    """Among incidents created in the period: share with an earlier same-key incident in the
    window (repeats look back beyond the tickets computed for the period)."""
    pt = prepared.tickets
    created_in = (in_period(pt["created_at"], period) & (pt["created_at"] <= as_of)).to_numpy()
    incident_in = created_in & (pt["kind"] == "incident").to_numpy() & ~prepared.excluded
    return share(int((prepared.repeat & incident_in).sum()), int(incident_in.sum()))


def reopen_rate(state: ClockResult, period: Period) -> MetricValue:
    """Among tickets with an entry into resolved/closed inside the period: share reopened after
    such an entry (by as_of); needs status history or a reopen count."""
    t, tl = state.tickets, state.timeline
    n = int(t["tix"].max()) + 1 if len(t) else 0
    start_us, end_us = (int(to_us(pd.DatetimeIndex([x]))[0]) for x in (period.start, period.end))
    entry = first_in_window(tl.tix, tl.at, tl.entry, start_us, end_us, n)[t["tix"].to_numpy()]
    resolved_in = (entry != NAT) & ~t["excluded"].to_numpy()
    last_reopen = to_us(t["last_reopen_at"])
    snapshot = (t["fidelity"] == "snapshot").to_numpy()
    reopened = ((last_reopen != NAT) & (last_reopen > entry)) | (
        snapshot & (t["reopens"].fillna(0) > 0).to_numpy()
    )
    judged = resolved_in & t["history_known"].to_numpy()
    reason = NO_HISTORY if resolved_in.any() else NO_TICKETS
    return share(int((judged & reopened).sum()), int(judged.sum()), reason)


def resolved_in_period(t: pd.DataFrame, period: Period) -> pd.Series:
    """Tickets first resolved in the period, or whose final resolution (as of now) falls in it."""
    return in_period(t["last_resolved_at"], period) | in_period(t["first_resolved_at"], period)


def clock_stats(decided: pd.DataFrame, stopped: pd.DataFrame) -> dict[str, float | int | None]:
    """Counts of the decided rows, percentiles of the elapsed time of the stopped ones."""
    return stats_of(
        codes_in(decided["outcome"], OUTCOMES), stopped["elapsed_s"].to_numpy(dtype=float)
    )


def stats_of(outcome: np.ndarray, stopped_elapsed: np.ndarray) -> dict[str, float | int | None]:
    """Counts and percentiles of clock rows; `outcome` holds codes into OUTCOMES."""
    met = int((outcome == OUTCOMES.index("met")).sum())
    breached = int((outcome == OUTCOMES.index("breached")).sum())
    done = stopped_elapsed[~np.isnan(stopped_elapsed)]
    pct = np.percentile(done, [50, 90, 95]) if len(done) else [None] * 3
    return {
        "met": met,
        "breached": breached,
        "on_time_share": met / (met + breached) if met + breached else None,
        "p50_s": rounded(pct[0]),
        "p90_s": rounded(pct[1]),
        "p95_s": rounded(pct[2]),
    }


def stopped_in_period(clocks: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Met or breached clocks that stopped in the period: what the duration percentiles read."""
    return clocks[
        clocks["outcome"].isin(["met", "breached"]) & in_period(clocks["stopped_at"], period)
    ]


def rounded(x: object) -> float | None:
    return None if x is None else round(float(x), 3)


def threshold_value(th: Threshold, fig: PeriodFigures) -> tuple[float | None, str | None]:
    """The threshold's metric in the period (a slice of the on-time share when qualified)."""
    if th.metric != "on_time_share" or not (th.clock or th.priority or th.kind):
        mv = fig.metrics[th.metric]
        return mv.value, mv.reason
    rows = fig.counted
    t = fig.state.tickets
    of_period = fig.of_period & ~t["excluded"]
    if th.clock:
        rows = rows[rows["clock"] == th.clock]
    if th.priority:
        rows = rows[rows["priority"].astype("string").str.lower() == th.priority.lower()]
        of_period = of_period & (t["priority"].astype("string").str.lower() == th.priority.lower())
    if th.kind:
        rows = rows[rows["kind"] == th.kind]
        of_period = of_period & (t["kind"] == th.kind)
    value = stats_of(codes_in(rows["outcome"], OUTCOMES), np.zeros(0))["on_time_share"]
    if value is not None:
        return value, None  # type: ignore[return-value]
    return None, unjudged_reason(fig.state.clocks, t, of_period.fillna(False), th.clock)


def measure_thresholds(policy: Policy, fig: PeriodFigures) -> list[ThresholdValue]:
    """Each threshold of the policy with its value in the period; `check` judges them."""
    out = []
    for th in policy.thresholds:
        value, reason = threshold_value(th, fig)
        out.append(
            ThresholdValue(
                label=th.label, metric=th.metric, clock=th.clock, priority=th.priority,
                kind=th.kind, value=value, min=th.min, max=th.max, reason=reason,
            )
        )  # fmt: skip
    return out


def figures_of(
    state: ClockResult, incidents: PreparedLog, policy: Policy, period: Period, as_of: pd.Timestamp
) -> PeriodFigures:
    """The headline figures of a period from its clocks (`compute_clocks` at the period's as_of).

    `incidents` is what the repeat figure reads of every ticket: the prepared log, or the
    bucketed engine's `Incidents` (the same fields).
    """
    t, clocks = state.tickets, state.clocks
    judged = ~t["excluded"]
    open_at_end = ~t["status_class_at"].isin(DONE)
    of_period = in_period(t["created_at"], period) | open_at_end
    counted = counted_clocks(clocks, period)
    m: dict[str, MetricValue] = {
        "on_time_share": on_time_share(counted, clocks, t, of_period & judged)
    }
    m["first_contact_resolution"] = first_contact_resolution(t, period, policy)
    m["repeat_incident_rate"] = repeat_incident_rate(incidents, period, as_of)
    m["reopen_rate"] = reopen_rate(state, period)
    m["waiting_on_customer"] = count((t["status_class_at"] == "waiting_customer") & judged)
    m["created"] = count(in_period(t["created_at"], period) & judged)
    m["resolved"] = count(resolved_in_period(t, period) & judged)
    m["canceled"] = count(in_period(t["canceled_at"], period) & judged)
    m["open_at_end"] = count(open_at_end & judged)
    m["excluded"] = count(of_period & ~judged)
    return PeriodFigures(counted, backlog_clocks(clocks, period), m, state, of_period)
