"""The headline figures of one period (DESIGN §7): decided clocks, backlog, FCR, repeats, reopens."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics import periods
from slametrics.columns import NAT, codes_in, to_us
from slametrics.engine.clocks import OUTCOMES, ClockResult, PreparedLog, prepare_log
from slametrics.engine.timeline import first_in_window
from slametrics.eventlog import EventLog
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import MetricValue

DONE = ["resolved", "closed", "canceled"]
NO_TICKETS, NO_REPLY_DATA, NO_HISTORY, NO_TARGET = (
    "no tickets",
    "no reply data",
    "no status history",
    "no target",
)


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


def of_period_mask(t: pd.DataFrame, period: Period) -> pd.Series:
    """Per ticket: created in the period or open at its end (what the period's figures judge)."""
    return in_period(t["created_at"], period) | ~t["status_class_at"].isin(DONE)


@dataclass
class PeriodRows:
    """The rows a period's figures start from: its tickets (`of_period_mask`), the clocks decided
    in it and the backlog past target at its end."""

    of_period: pd.Series
    counted: pd.DataFrame
    backlog: pd.DataFrame

    @classmethod
    def of(cls, state: ClockResult, period: Period) -> PeriodRows:
        return cls(
            of_period_mask(state.tickets, period),
            counted_clocks(state.clocks, period),
            backlog_clocks(state.clocks, period),
        )


@dataclass
class Judgeable:
    """What decides why nothing of a period could be judged, as counts that add across buckets:
    the clock rows of the period's judged tickets, how many of them are unknown, the tickets,
    and how many of those have a target."""

    rows: int = 0
    unknown: int = 0
    tickets: int = 0
    targeted: int = 0

    def __add__(self, o: Judgeable) -> Judgeable:
        return Judgeable(
            self.rows + o.rows,
            self.unknown + o.unknown,
            self.tickets + o.tickets,
            self.targeted + o.targeted,
        )

    def reason(self) -> str:
        """No reply data (every clock row unknown), no target, or no tickets."""
        if self.rows and self.unknown == self.rows:
            return NO_REPLY_DATA
        if self.tickets and not self.targeted:
            return NO_TARGET
        return NO_TICKETS


def judge(
    t: pd.DataFrame, clocks: pd.DataFrame, tickets: np.ndarray, clock: str | None
) -> Judgeable:
    """The `Judgeable` of the tickets selected by the mask `tickets` (of `clock`, or of all)."""
    tix = t["tix"].to_numpy()[tickets]
    rows = clocks["tix"].isin(tix).to_numpy()
    if clock is not None:
        rows = rows & (clocks["clock"] == clock).to_numpy()
    unknown = rows & (clocks["outcome"] == "unknown").to_numpy()
    names = [f"targeted_{clock}"] if clock else [c for c in t.columns if c.startswith("targeted_")]
    targeted = int(t.loc[tickets, names].any(axis=1).sum()) if names else 0
    return Judgeable(int(rows.sum()), int(unknown.sum()), len(tix), targeted)


def fcr_counts(t: pd.DataFrame, period: Period, policy: Policy) -> tuple[int, int, int]:
    """First-contact resolution as (solved at first contact, judged, first resolved) counts.

    Among tickets first resolved in the period whose reply information is known: solved with
    at most `max_agent_replies` public replies before that resolution, and (by default) not
    reopened by as_of. Canceled and excluded tickets are not in it.
    """
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
    return int((judged & ok).sum()), int(judged.sum()), int(first_res.sum())


def repeat_incident_rate(prepared: PreparedLog, period: Period, as_of: pd.Timestamp) -> MetricValue:
    """Among incidents created in the period: share with an earlier same-key incident in the
    window (repeats look back beyond the tickets computed for the period)."""
    pt = prepared.tickets
    created_in = (in_period(pt["created_at"], period) & (pt["created_at"] <= as_of)).to_numpy()
    incident_in = created_in & (pt["kind"] == "incident").to_numpy() & ~prepared.excluded
    return share(int((prepared.repeat & incident_in).sum()), int(incident_in.sum()))


def reopen_counts(state: ClockResult, period: Period) -> tuple[int, int, int]:
    """Reopens as (reopened, judged, resolved in the period) counts.

    Among tickets with an entry into resolved/closed inside the period: reopened after such an
    entry (by as_of); judged only with status history or a reopen count.
    """
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
    return int((judged & reopened).sum()), int(judged.sum()), int(resolved_in.sum())


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
