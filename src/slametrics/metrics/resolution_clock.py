"""The resolution clock the behaviour signals measure against: working, unpaused time of every
ticket at any instant, and per-ticket "last row before" / "first row after" lookups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.business_time import build_working_time
from slametrics.columns import NAT, US, to_us
from slametrics.engine.clocks import PreparedLog, clock_inputs
from slametrics.policy import Policy


def last_before(
    q_tix: np.ndarray, q_at: np.ndarray, r_tix: np.ndarray, r_at: np.ndarray, strict: bool
) -> np.ndarray:
    """Per query, the index of the last row of `r` (sorted by ticket, time) of the same ticket
    at (or, `strict`, strictly) before the query's instant; -1 when there is none."""
    if not len(q_tix):
        return np.zeros(0, dtype=np.int64)
    # queries sort after rows of the same instant unless strict: one merged sort, no per-ticket loop
    tie = np.concatenate([np.zeros(len(r_tix)), np.full(len(q_tix), -1.0 if strict else 1.0)])
    tix = np.concatenate([r_tix, q_tix])
    at = np.concatenate([r_at, q_at])
    order = np.lexsort((tie, at, tix))
    is_r = order < len(r_tix)
    pos = np.where(is_r, order, -1)
    last_r = np.maximum.accumulate(pos)
    out = np.empty(len(q_tix), dtype=np.int64)
    q_pos = order[~is_r] - len(r_tix)
    found = last_r[~is_r]
    same = (
        (found >= 0) & (r_tix[np.clip(found, 0, None)] == q_tix[q_pos])
        if len(r_tix)
        else found < -1
    )
    out[q_pos] = np.where(same, found, -1)
    return out


def first_after(
    q_tix: np.ndarray, q_at: np.ndarray, r_tix: np.ndarray, r_at: np.ndarray
) -> np.ndarray:
    """Per query, the index of the first row of `r` of the same ticket at or after its instant."""
    if not len(r_tix):
        return np.full(len(q_tix), -1, dtype=np.int64)
    rev = np.lexsort((-r_at, r_tix))  # same tickets, time reversed
    idx = last_before(q_tix, -q_at, r_tix[rev], -r_at[rev], strict=False)
    return np.where(idx >= 0, rev[np.clip(idx, 0, None)], -1)


class ResolutionClock:
    """The resolution clock of every ticket at as_of, and its working time elapsed by an instant."""

    def __init__(self, prepared: PreparedLog, policy: Policy, as_of: pd.Timestamp) -> None:
        as_of_us = int(to_us(pd.DatetimeIndex([as_of]))[0])
        scope = prepared.created <= as_of_us
        self.inputs = clock_inputs(prepared, policy, as_of_us, scope)
        self.c, self.tl = self.inputs.clocks["resolution"]
        self.policy = policy
        self.as_of_us = as_of_us
        paused = np.isin(self.tl.cls, self.c.pause)
        self.p_tix, self.p_at = self.tl.tix[paused], self.tl.at[paused]
        self.p_end = np.minimum(self.tl.next_at[paused], as_of_us)
        lo = int(prepared.created.min()) if len(prepared.created) else 0
        self.axes = {
            name: build_working_time(cal, policy.timezone, lo, as_of_us, 400 * 86400 * US)
            for name, cal in policy.calendars.items()
        }

    def measure(self, tix: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Working microseconds of each ticket's calendar up to `at` (0 without a calendar)."""
        out = np.zeros(len(tix), dtype=np.int64)
        for name, wt in self.axes.items():  # a loop over the policy's calendars
            mine = self.c.calendar[tix] == name
            out[mine] = wt.measure(at[mine])
        return out

    def instant_at(self, tix: np.ndarray, m: np.ndarray) -> np.ndarray:
        out = np.full(len(tix), NAT, dtype=np.int64)
        for name, wt in self.axes.items():
            mine = self.c.calendar[tix] == name
            out[mine] = wt.instant_at(m[mine])
        return out

    def elapsed(
        self, tix: np.ndarray, at: np.ndarray, calendar: np.ndarray | None = None
    ) -> np.ndarray:
        """Working, unpaused microseconds of the clock from its start to `at`, on each ticket's
        calendar (or on `calendar`, a name per query: the one of another target rule)."""
        calendar = self.c.calendar[tix] if calendar is None else calendar
        start = self.c.start[tix]
        # pause rows are sorted by ticket and time and never overlap: all but the last one
        # before `at` are whole; the ticket's first pause row bounds the sum from below
        last = last_before(tix, at, self.p_tix, self.p_at, strict=True)
        first = np.searchsorted(self.p_tix, tix, side="left")
        has = last >= 0
        k = np.clip(last, 0, None)
        out = np.zeros(len(tix), dtype=np.int64)
        for name, wt in self.axes.items():  # a loop over the policy's calendars
            m = calendar == name
            if not m.any():
                continue
            full = wt.measure(self.p_end) - wt.measure(self.p_at)
            cum = np.concatenate([[0], np.cumsum(full)])
            total = wt.measure(at[m]) - wt.measure(start[m])
            over = np.maximum(wt.measure(self.p_end[k[m]]) - wt.measure(at[m]), 0)
            paused = cum[k[m] + 1] - cum[np.minimum(first[m], k[m])] - over
            out[m] = total - np.where(has[m], paused, 0)
        return out

    def remaining_s(
        self,
        tix: np.ndarray,
        at: np.ndarray,
        target_s: np.ndarray,
        calendar: np.ndarray | None = None,
    ) -> np.ndarray:
        """Target minus elapsed at `at`, in seconds (negative: already past the target)."""
        return target_s - self.elapsed(tix, at, calendar) / US

    def running_at(self, tix: np.ndarray, at: np.ndarray, targeted: bool = True) -> np.ndarray:
        """The clock had started and not stopped by `at` (and, `targeted`, has a target now)."""
        stop = self.c.stop[tix]
        has = self.c.has[tix] if targeted else ~self.c.unknown[tix]
        return has & (self.c.start[tix] <= at) & ((stop == NAT) | (stop > at))
