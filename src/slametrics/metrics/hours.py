"""Hours (DESIGN §12): time_spent by kind and priority, support against development, with trend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.columns import NAT, to_us
from slametrics.engine.clocks import ClockResult, PreparedLog
from slametrics.engine.timeline import cut_timeline, ticket_state
from slametrics.eventlog import EventLog
from slametrics.metrics.figures import rounded
from slametrics.metrics.trend import earlier_periods
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import HoursFigures, HoursPoint, HoursRow

SUPPORT_KINDS = ("incident", "consultation")
DEVELOPMENT_KINDS = ("change", "improvement")
NO_TIME_SPENT = "no time_spent data"


@dataclass
class Resolutions:
    """Per ticket of the prepared log, what the money reads at as_of (numpy arrays)."""

    created: np.ndarray  # us
    resolved: np.ndarray  # us of the resolution that stands at as_of, NAT when none
    judged: np.ndarray  # created by as_of and not excluded
    time_spent_s: np.ndarray  # float, NaN when unknown
    time_spent_known: bool  # the log carries time_spent at all


def resolutions(prepared: PreparedLog, as_of: pd.Timestamp) -> Resolutions:
    """Creation, standing resolution and time_spent of every ticket at `as_of`.

    A ticket resolved, reopened and resolved again counts once, at its last resolution: its
    hours are billed when the work is done, in exactly one billing period.
    """
    as_of_us = int(to_us(pd.DatetimeIndex([as_of]))[0])
    n = len(prepared.created)
    scope = prepared.created <= as_of_us
    tl = cut_timeline(prepared.st_tix, prepared.st_at, prepared.st_cls, as_of_us, scope)
    state = ticket_state(tl, prepared.created)
    resolved = np.where(state.resolved_now, state.last_entry, NAT)
    t = prepared.tickets
    spent = (
        t["time_spent_s"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if "time_spent_s" in t
        else np.full(n, np.nan)
    )
    return Resolutions(
        created=prepared.created,
        resolved=resolved,
        judged=scope & ~prepared.excluded,
        time_spent_s=spent,
        time_spent_known=bool(np.isfinite(spent).any()),
    )


def _bounds(p: Period) -> tuple[int, int]:
    lo, hi = to_us(pd.DatetimeIndex([p.start, p.end]))
    return int(lo), int(hi)


def _resolved_in(res: Resolutions, p: Period) -> np.ndarray:
    lo, hi = _bounds(p)
    return res.judged & (res.resolved != NAT) & (res.resolved >= lo) & (res.resolved < hi)


def hours_point(
    p: Period, res: Resolutions, kind: np.ndarray, incident_clocks: pd.DataFrame
) -> HoursPoint:
    """Support and development hours of the tickets resolved in `p`, and the median working
    time of the incidents' resolution clocks that stopped in it."""
    mine = _resolved_in(res, p)
    spent = np.where(np.isnan(res.time_spent_s), 0.0, res.time_spent_s)
    support = float(spent[mine & np.isin(kind, SUPPORT_KINDS)].sum()) / 3600
    development = float(spent[mine & np.isin(kind, DEVELOPMENT_KINDS)].sum()) / 3600
    lo, hi = _bounds(p)
    stop = to_us(incident_clocks["stopped_at"])
    elapsed = incident_clocks["elapsed_s"].to_numpy(dtype=float)[(stop >= lo) & (stop < hi)]
    elapsed = elapsed[~np.isnan(elapsed)]
    total = support + development
    return HoursPoint(
        label=p.label,
        support_hours=round(support, 2),
        development_hours=round(development, 2),
        development_share=round(development / total, 4) if total else None,
        incident_resolution_p50_s=rounded(np.median(elapsed)) if len(elapsed) else None,
    )


def _flag(trend: list[HoursPoint]) -> bool | None:
    """Development's share grew while the incidents' median resolution time grew too."""
    if len(trend) < 2:
        return None
    a, b = trend[-2], trend[-1]
    values = (a.development_share, b.development_share)
    times = (a.incident_resolution_p50_s, b.incident_resolution_p50_s)
    if None in values or None in times:
        return None
    return bool(values[1] > values[0] and times[1] > times[0])


def hours_figures(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    prepared: PreparedLog,
    state: ClockResult,
) -> HoursFigures:
    """time_spent of the tickets whose standing resolution falls in the period, by kind and
    priority; support against development hours over the trend's periods."""
    res = resolutions(prepared, as_of)
    if not res.time_spent_known:
        return HoursFigures(reason=NO_TIME_SPENT)
    t = prepared.tickets
    kind = t["kind"].astype("string").fillna("other").to_numpy(dtype=object)
    mine = _resolved_in(res, period)
    frame = pd.DataFrame(
        {
            "kind": kind[mine],
            "priority": t["priority"]
            .astype("string")
            .fillna("(none)")
            .to_numpy(dtype=object)[mine],
            "hours": res.time_spent_s[mine] / 3600,
        }
    )
    grouped = frame.groupby(["kind", "priority"], sort=True)["hours"].agg(["size", "sum"])
    rows = [
        HoursRow(kind=k, priority=p, tickets=int(n), hours=round(float(h), 2))
        for (k, p), n, h in zip(grouped.index, grouped["size"], grouped["sum"], strict=True)
    ]
    c = state.clocks
    incident_clocks = c[
        (c["clock"] == "resolution")
        & c["outcome"].isin(["met", "breached"])
        & (c["kind"] == "incident")
    ]
    periods = [*earlier_periods(log, policy, period), period]
    trend = [hours_point(p, res, kind, incident_clocks) for p in periods]
    return HoursFigures(
        rows=rows,
        unknown=int(np.isnan(res.time_spent_s[mine]).sum()),
        trend=trend,
        development_up_resolution_slower=_flag(trend),
    )
