"""Vectorized business time: a calendar's working intervals in UTC and a cumulative working axis.

A calendar's working time is the set of instants whose local wall-clock time (in the policy
timezone) falls on a non-holiday local date inside one of that weekday's windows. A window that runs
past midnight (`22:00-06:00`) belongs to the date it starts on: it is one naive local interval from
that date's 22:00 to the next date's 06:00, so a holiday on its start date removes all of it and a
holiday on the next date none of it. We build it as
sorted, disjoint UTC intervals, exactly, across DST: the zone's UTC offset is constant between
transitions, and within such a segment the naive local windows map to UTC by subtracting the offset.
Wall times that do not exist (spring forward) are not working time; wall times that occur twice
(fall back) are working time both times.

Elapsed working time between instants is then a difference of a cumulative measure, found with
`searchsorted`: no loop per ticket or per interval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.columns import DAY_US, FAR, NAT, US, to_us
from slametrics.policy import BusinessCalendar, Calendar


@dataclass(frozen=True)
class WorkingTime:
    """Sorted disjoint working intervals [starts, ends) in UTC microseconds, with their measure."""

    starts: np.ndarray
    ends: np.ndarray
    cum: np.ndarray  # working microseconds before each interval

    @classmethod
    def from_intervals(cls, starts: np.ndarray, ends: np.ndarray) -> WorkingTime:
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        lengths = ends - starts
        cum = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        return cls(starts, ends, cum)

    @property
    def total(self) -> int:
        return int(self.cum[-1] + self.ends[-1] - self.starts[-1]) if len(self.starts) else 0

    def measure(self, t: np.ndarray) -> np.ndarray:
        """Working microseconds from the axis origin up to each instant `t` (int64 microseconds)."""
        t = np.asarray(t, dtype=np.int64)
        if not len(self.starts):
            return np.zeros_like(t)
        k = np.searchsorted(self.starts, t, side="right") - 1
        kc = np.clip(k, 0, None)
        inside = np.clip(t - self.starts[kc], 0, self.ends[kc] - self.starts[kc])
        return np.where(k < 0, 0, self.cum[kc] + inside)

    def between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Working microseconds in [a, b) (zero where b <= a)."""
        return np.maximum(self.measure(b) - self.measure(a), 0)

    def instant_at(self, m: np.ndarray) -> np.ndarray:
        """The earliest instant whose measure reaches `m`; NAT where the axis ends before that.

        An `m` that lands exactly on the end of a working interval gives that interval's end, so a
        target of 8h on a 09:00-17:00 day is due at 17:00 that day, not 09:00 the next.
        """
        m = np.asarray(m, dtype=np.int64)
        if not len(self.starts):
            return np.full_like(m, NAT)
        cum_end = self.cum + (self.ends - self.starts)
        k = np.searchsorted(cum_end, m, side="left")
        kc = np.clip(k, 0, len(self.starts) - 1)
        t = self.starts[kc] + (m - self.cum[kc])
        return np.where((k >= len(self.starts)) | (m == NAT), NAT, t)


def always() -> WorkingTime:
    """The 24x7 calendar: every instant is working time."""
    return WorkingTime.from_intervals(np.array([-FAR]), np.array([FAR]))


def holiday_dates(cal: BusinessCalendar, years: range) -> tuple[set[dt.date], set[dt.date]]:
    """(days off, worked weekend days) for the given years: the country's and the policy's own."""
    off: set[dt.date] = set(cal.extra_holidays)
    worked: set[dt.date] = set(cal.extra_workdays)
    if cal.holidays is not None:
        import holidays

        country = holidays.country_holidays(
            cal.holidays.country, subdiv=cal.holidays.subdiv, years=list(years)
        )
        off |= set(country.keys())
        worked |= set(getattr(country, "weekend_workdays", set()) or set())
    return off, worked - off


def _naive_windows(
    cal: BusinessCalendar, first: np.datetime64, last: np.datetime64
) -> tuple[np.ndarray, np.ndarray]:
    """Working windows as naive local microseconds, for windows starting on dates first..last.

    Each date's windows come from its own pattern (weekday, holiday, worked day); an overnight
    window's end lies on the next date, so it may overlap that date's windows (merged).
    """
    dates = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    years = range(int(str(first)[:4]), int(str(last)[:4]) + 1)
    off, worked = holiday_dates(cal, years)
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    pattern = weekday.copy()
    if off:
        pattern[np.isin(dates, np.array(sorted(off), dtype="datetime64[D]"))] = -1
    if worked:
        pattern[np.isin(dates, np.array(sorted(worked), dtype="datetime64[D]"))] = 0
    windows = cal.weekday_windows()
    day_us = dates.astype("datetime64[us]").astype(np.int64)
    starts, ends = [], []
    for wd, wins in windows.items():  # at most 7 patterns x a few windows: not per day
        days = day_us[pattern == wd]
        for a, b in wins:
            starts.append(days + a * US)
            ends.append(days + b * US)
    if not starts:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    return _merge(np.concatenate(starts), np.concatenate(ends))


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals as sorted disjoint intervals (touching intervals are joined)."""
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if not len(starts):
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    new_group = np.concatenate([[True], starts[1:] > reach[:-1]])
    group = np.cumsum(new_group) - 1
    out_starts = starts[new_group]
    out_ends = np.zeros(len(out_starts), dtype=np.int64)
    np.maximum.at(out_ends, group, ends)
    return out_starts, out_ends


def utc_offsets(tz: str, lo_us: int, hi_us: int) -> tuple[np.ndarray, np.ndarray]:
    """Constant-offset segments of zone `tz` covering [lo, hi]: (segment starts, offsets), in us.

    Offsets are sampled hourly and each change is refined to the minute, which finds every
    transition of the tz database since 1970 (they fall on whole minutes).
    """
    lo_h = (lo_us // (3600 * US) - 1) * 3600 * US
    hi_h = (hi_us // (3600 * US) + 2) * 3600 * US
    grid = np.arange(lo_h, hi_h + 1, 3600 * US, dtype=np.int64)
    off = _offsets_at(tz, grid)
    change = np.nonzero(off[1:] != off[:-1])[0]
    seg_starts = [grid[0]]
    seg_offsets = [off[0]]
    for i in change:  # one iteration per DST transition (about two a year)
        minutes = grid[i] + np.arange(1, 61, dtype=np.int64) * 60 * US
        moff = _offsets_at(tz, minutes)
        j = int(np.argmax(moff != off[i]))
        seg_starts.append(minutes[j])
        seg_offsets.append(moff[j])
    return np.array(seg_starts, dtype=np.int64), np.array(seg_offsets, dtype=np.int64)


def _offsets_at(tz: str, instants_us: np.ndarray) -> np.ndarray:
    idx = pd.DatetimeIndex(instants_us.astype("datetime64[us]")).as_unit("us").tz_localize("UTC")
    local = idx.tz_convert(tz).tz_localize(None).as_unit("us")
    return (local.asi8 - instants_us).astype(np.int64)


def naive_to_utc(
    tz: str, starts: np.ndarray, ends: np.ndarray, lo_us: int, hi_us: int
) -> tuple[np.ndarray, np.ndarray]:
    """Map naive local intervals to the UTC instants whose wall time falls inside them."""
    if not len(starts):
        return starts, ends
    seg_starts, seg_offsets = utc_offsets(tz, lo_us, hi_us)
    seg_ends = np.append(seg_starts[1:], FAR)
    seg_starts = seg_starts.copy()
    seg_starts[0] = -FAR
    out_s, out_e = [], []
    for s0, s1, off in zip(seg_starts, seg_ends, seg_offsets, strict=True):  # per DST segment
        a = np.maximum(starts - off, s0)
        b = np.minimum(ends - off, s1)
        keep = b > a
        out_s.append(a[keep])
        out_e.append(b[keep])
    return _merge(np.concatenate(out_s), np.concatenate(out_e))


def build_working_time(
    calendar: Calendar, tz: str, lo_us: int, hi_us: int, min_tail_us: int = 0
) -> WorkingTime:
    """Working time of `calendar` covering [lo, hi], extended so that at least `min_tail_us` of
    working time follows `hi` (so due times can be found), when the calendar has any."""
    if calendar == "24x7":
        return always()
    assert isinstance(calendar, BusinessCalendar)
    pad = DAY_US * 14
    for _ in range(12):
        first = np.datetime64(int(lo_us - 2 * DAY_US), "us").astype("datetime64[D]")
        last = np.datetime64(int(hi_us + pad + 2 * DAY_US), "us").astype("datetime64[D]")
        ns, ne = _naive_windows(calendar, first, last)
        span_lo = int(first.astype("datetime64[us]").astype(np.int64)) - DAY_US
        span_hi = int(last.astype("datetime64[us]").astype(np.int64)) + 2 * DAY_US
        us, ue = naive_to_utc(tz, ns, ne, span_lo, span_hi)
        wt = WorkingTime.from_intervals(us, ue)
        if not len(us) or min_tail_us <= 0:
            return wt
        if wt.total - int(wt.measure(np.array([hi_us]))[0]) >= min_tail_us:
            return wt
        pad *= 2
    return wt


def business_seconds(
    calendar: Calendar, tz: str, starts: pd.Series | np.ndarray, ends: pd.Series | np.ndarray
) -> np.ndarray:
    """Working seconds in each [start, end) under `calendar` in zone `tz` (timestamps tz-aware)."""
    a = to_us(starts)
    b = to_us(ends)
    if not len(a):
        return np.zeros(0)
    wt = build_working_time(calendar, tz, int(a.min()), int(b.max()))
    return wt.between(a, b) / US
