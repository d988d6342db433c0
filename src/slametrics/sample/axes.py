"""Time axes of the sample generator: the period, its working days, agents' and customers' hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd

DAY = 86_400
HOUR = 3_600

# axis codes of an event slot's gap: wall time (24x7), agents' hours, customers' hours
WALL, AGENT, CUSTOMER = 0, 1, 2

# Agents work Mon-Fri 09-18 local (urgent tickets are handled 24x7); customers answer on working
# days 08-20 and a little on days off.
AGENT_WINDOWS = {"work": ((9, 18),), "off": ()}
CUSTOMER_WINDOWS = {"work": ((8, 20),), "off": ((11, 16),)}


class Axis:
    """Working intervals in UTC seconds with a cumulative measure; linear (24x7) after the end."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray):
        far = np.int64(2**40)
        self.starts = np.append(starts, ends[-1] if len(ends) else 0).astype(np.int64)
        lengths = np.append(ends - starts, far).astype(np.int64)
        self.cum = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self.lengths = lengths

    def to_work(self, t: np.ndarray) -> np.ndarray:
        k = np.clip(np.searchsorted(self.starts, t, side="right") - 1, 0, None)
        return self.cum[k] + np.clip(t - self.starts[k], 0, self.lengths[k])

    def from_work(self, w: np.ndarray) -> np.ndarray:
        k = np.searchsorted(self.cum, w, side="right") - 1
        return self.starts[k] + (w - self.cum[k])

    def advance(self, t: np.ndarray, gap: np.ndarray) -> np.ndarray:
        return self.from_work(self.to_work(t) + gap)


def local_to_utc_s(naive: np.ndarray, tz: str) -> np.ndarray:
    """Naive local datetime64 values -> UTC epoch seconds (DST gaps shift forward)."""
    idx = pd.DatetimeIndex(naive).tz_localize(
        tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )
    return idx.as_unit("s").asi8.copy()


def day_kinds(days: np.ndarray, country: str | None) -> np.ndarray:
    """True for local working days: Mon-Fri except public holidays, plus transferred workdays."""
    work = pd.DatetimeIndex(days).day_of_week < 5
    if country:
        years = sorted({d.year for d in pd.DatetimeIndex(days)})
        cal = holidays.country_holidays(country, years=years)
        off = np.array(sorted(cal), dtype="datetime64[D]")
        extra = np.array(sorted(getattr(cal, "weekend_workdays", ())), dtype="datetime64[D]")
        work = (work & ~np.isin(days, off)) | np.isin(days, extra)
    return np.asarray(work)


def working_axis(days: np.ndarray, workday: np.ndarray, windows: dict, tz: str) -> Axis:
    """The axis of the local hours `windows` ({"work": ..., "off": ...}) over `days`."""
    starts, ends = [], []
    for key, mask in (("work", workday), ("off", ~workday)):
        for h0, h1 in windows[key]:
            d = days[mask].astype("datetime64[s]")
            starts.append(d + np.timedelta64(h0 * HOUR, "s"))
            ends.append(d + np.timedelta64(h1 * HOUR, "s"))
    s = local_to_utc_s(np.concatenate(starts), tz)
    e = local_to_utc_s(np.concatenate(ends), tz)
    order = np.argsort(s, kind="stable")
    return Axis(s[order], e[order])


@dataclass
class Period:
    """The generated period: its local days (with a margin), their kinds and both working axes."""

    tz: str
    start_day: np.datetime64
    n_days: int
    days: np.ndarray
    workday: np.ndarray
    agent_axis: Axis
    customer_axis: Axis
    t_start: int  # UTC seconds of the first local midnight
    t_end: int  # UTC seconds of the local midnight after the last day: the export's cut


def build_period(start: str, weeks: int, tz: str, country: str | None) -> Period:
    """The period of `weeks` weeks from local day `start` in `tz`, holidays of `country`."""
    start_day = np.datetime64(dt.date.fromisoformat(start), "D")
    n_days = weeks * 7
    days = start_day + np.arange(-3, n_days + 4)  # a margin on both sides
    workday = day_kinds(days, country)
    bounds = local_to_utc_s(np.array([start_day, start_day + n_days], dtype="datetime64[s]"), tz)
    return Period(
        tz=tz,
        start_day=start_day,
        n_days=n_days,
        days=days,
        workday=workday,
        agent_axis=working_axis(days, workday, AGENT_WINDOWS, tz),
        customer_axis=working_axis(days, workday, CUSTOMER_WINDOWS, tz),
        t_start=int(bounds[0]),
        t_end=int(bounds[1]),
    )
