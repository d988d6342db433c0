"""Random intervals, a brute-force oracle and the other libraries' idioms for business time."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

WORK_HOURS = (9 * 3600, 18 * 3600)  # 09:00-18:00, Mon-Fri, in the comparisons of business time
HOURS = {"mon-fri": "09:00-18:00"}  # the same, as a policy's calendar states it
# Intervals for business time: starts uniform over this span (UTC), lengths log-normal.
SPAN = ("2025-01-01", "2026-12-01")
MEDIAN_LENGTH_S = 5 * 3600
LENGTH_SIGMA = 1.6
MAX_LENGTH_S = 21 * 86400
HOLIDAY_YEARS = range(2024, 2028)


def random_intervals(n: int, seed: int, step_s: int = 1):
    """`n` intervals [start, end) in UTC seconds: uniform starts over SPAN, log-normal lengths."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lo, hi = (int(np.datetime64(d, "s").astype(np.int64)) for d in SPAN)
    start = lo + rng.integers(0, (hi - lo) // step_s, n) * step_s
    length = np.minimum(rng.lognormal(np.log(MEDIAN_LENGTH_S), LENGTH_SIGMA, n), MAX_LENGTH_S)
    length = (np.round(length / step_s) * step_s).astype(np.int64)
    return start.astype(np.int64), (start + length).astype(np.int64)


def stress_intervals(n: int, seed: int, tz: str, holidays: list[dt.date], step_s: int = 60):
    """As `random_intervals`, but a quarter contain a DST transition and a quarter a holiday's start."""
    import numpy as np
    import pandas as pd

    start, end = random_intervals(n, seed, step_s)
    length = end - start
    lo, hi = (pd.Timestamp(d, tz="UTC") for d in SPAN)
    dst = dst_transitions(tz, lo, hi)
    midnights = pd.DatetimeIndex(sorted(holidays)).tz_localize(tz).tz_convert("UTC")
    hol = midnights.as_unit("s").asi8
    hol = hol[(hol >= int(lo.timestamp())) & (hol < int(hi.timestamp()))]
    rng = np.random.default_rng(seed + 1)
    kind = rng.integers(0, 4, n)  # 0: near a DST transition, 1: near a holiday, else uniform
    anchor = np.where(kind == 0, rng.choice(dst, n), rng.choice(hol, n))
    before = (np.floor(rng.random(n) * length / step_s) * step_s).astype(np.int64)
    start = np.where(kind <= 1, anchor - before, start)
    return start, start + length


def dst_transitions(tz: str, lo, hi):
    """UTC seconds at which the zone's UTC offset changes in [lo, hi) (to the minute)."""
    import numpy as np
    import pandas as pd

    grid = pd.date_range(lo, hi, freq="min", tz="UTC")
    off = grid.tz_convert(tz).tz_localize(None).asi8 - grid.tz_localize(None).asi8
    change = np.nonzero(off[1:] != off[:-1])[0] + 1
    return grid.as_unit("s").asi8[change].astype(np.int64)


def utc_offsets_s(tz: str, t_s):
    """The zone's UTC offset in seconds at each UTC second."""
    import pandas as pd

    idx = pd.DatetimeIndex(t_s.astype("datetime64[s]")).tz_localize("UTC")
    return (idx.tz_convert(tz).tz_localize(None).as_unit("s").asi8 - t_s).astype("int64")


def _local_day(tz: str, t_s):
    """Local date of each UTC second as days since 1970-01-01."""
    return (t_s + utc_offsets_s(tz, t_s)) // 86400


def touches(days, a_s, b_s, tz: str):
    """Whether [a, b) touches any of `days` (local dates, days since epoch)."""
    import numpy as np

    d = np.sort(np.asarray(days, dtype=np.int64))
    first = _local_day(tz, a_s)
    last = _local_day(tz, np.maximum(b_s - 1, a_s))
    return np.searchsorted(d, last, side="right") - np.searchsorted(d, first, side="left") > 0


def day_numbers(dates) -> list[int]:
    return sorted((d - dt.date(1970, 1, 1)).days for d in dates)


def oracle_business(
    a_s: int, b_s: int, tz: str, off: list[int], worked: list[int], step_s: int = 60
) -> int:
    """Brute force: working seconds in [a, b), testing every `step_s`-th second's local wall time.

    Exact when a, b and the working windows fall on multiples of `step_s` (and transitions of
    the zone on whole minutes). Mon-Fri 09:00-18:00 except `off` days, plus `worked` days.
    """
    import numpy as np
    import pandas as pd

    t = np.arange(a_s, b_s, step_s, dtype=np.int64)
    if not len(t):
        return 0
    local = pd.DatetimeIndex(t.astype("datetime64[s]")).tz_localize("UTC").tz_convert(tz)
    wall = local.tz_localize(None).as_unit("s").asi8
    day, sod = wall // 86400, wall % 86400
    weekday = (day + 3) % 7
    working = ((weekday < 5) & ~np.isin(day, off)) | np.isin(day, worked)
    inside = (sod >= WORK_HOURS[0]) & (sod < WORK_HOURS[1])
    return int((working & inside).sum()) * step_s


def oracle_24x7(a_s: int, b_s: int) -> float:
    """Brute force for 24x7: the whole minutes in [a, b), counted one by one."""
    import numpy as np
    import pandas as pd

    a, b = to_index(np.array([a_s, b_s], dtype=np.int64))
    return len(pd.date_range(a, b, freq="min", inclusive="left")) * 60.0


def _iso(t_s: int, tz: str | None = None) -> str:
    import pandas as pd

    ts = pd.Timestamp(int(t_s), unit="s", tz="UTC")
    return (ts.tz_convert(tz) if tz else ts).isoformat()


def to_index(t_s):
    """UTC seconds as a tz-aware (UTC) DatetimeIndex."""
    import pandas as pd

    return pd.DatetimeIndex(t_s.astype("datetime64[s]")).tz_localize("UTC")


def mismatch_example(i: int, a_s, b_s, tz: str, ours, theirs, **extra) -> dict[str, Any]:
    return {
        "start": _iso(a_s[i], tz),
        "end": _iso(b_s[i], tz),
        "slametrics_s": float(ours[i]),
        "other_s": float(theirs[i]),
        **extra,
    }


def bdt_rules(tz: str, country: str):
    """businesstimedelta as users set it up by hand: a WorkDayRule plus a HolidayRule."""
    import businesstimedelta
    import holidays
    import pytz

    zone = pytz.timezone(tz)
    workday = businesstimedelta.WorkDayRule(
        start_time=dt.time(9), end_time=dt.time(18), working_days=[0, 1, 2, 3, 4], tz=zone
    )
    days_off = businesstimedelta.HolidayRule(holidays.country_holidays(country), tz=zone)
    return businesstimedelta.Rules([workday, days_off])


def bdt_seconds(rules, a_s, b_s) -> tuple[list[float], float]:
    """businesstimedelta's business seconds per interval, looping; and the loop's wall time."""
    starts = [dt.datetime.fromtimestamp(int(x), dt.UTC) for x in a_s]
    ends = [dt.datetime.fromtimestamp(int(x), dt.UTC) for x in b_s]
    t0 = time.perf_counter()
    out = [
        rules.difference(a, b).timedelta.total_seconds() for a, b in zip(starts, ends, strict=True)
    ]
    return out, time.perf_counter() - t0


def cbh_seconds(a_s, b_s, tz: str | None, holidays: list[dt.date], inclusive: str):
    """pandas CustomBusinessHour: business hours counted as the offset's ticks in [a, b]."""
    import pandas as pd

    cbh = pd.offsets.CustomBusinessHour(start="09:00", end="18:00", holidays=holidays)
    a_idx, b_idx = to_index(a_s), to_index(b_s)
    if tz:
        a_idx, b_idx = a_idx.tz_convert(tz), b_idx.tz_convert(tz)
    out = []
    t0 = time.perf_counter()
    for a, b in zip(a_idx, b_idx, strict=True):
        try:
            out.append(len(pd.date_range(a, b, freq=cbh, inclusive=inclusive)) * 3600.0)
        except ValueError:  # e.g. an endpoint in the repeated hour when DST ends
            out.append(float("nan"))
    return out, time.perf_counter() - t0
