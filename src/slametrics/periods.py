"""Reporting periods: `2026-W46`, `2026-11`, `2026-Q4`, `2026`, date ranges and relative names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slametrics.errors import UserError
from slametrics.period_syntax import PERIOD_HELP

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Period:
    """[start, end) between local midnights in `timezone`; `unit` says how to step back."""

    start: pd.Timestamp
    end: pd.Timestamp
    label: str
    timezone: str
    unit: str  # week | month | quarter | year | days | all
    days: int = 0

    def previous(self, n: int) -> list[Period]:
        """The `n` periods of the same length before this one, oldest first."""
        out: list[Period] = []
        p = self
        for _ in range(n):
            p = p._shift_back()
            if p is None:
                break
            out.append(p)
        return out[::-1]

    def _shift_back(self) -> Period | None:
        import pandas as pd

        local = self.start.tz_convert(self.timezone).tz_localize(None).normalize().date()
        if self.unit == "week":
            return week_period(local - dt.timedelta(days=7), self.timezone)
        if self.unit == "month":
            prev = (pd.Timestamp(local) - pd.DateOffset(months=1)).date()
            return month_period(prev.year, prev.month, self.timezone)
        if self.unit == "quarter":
            prev = (pd.Timestamp(local) - pd.DateOffset(months=3)).date()
            return quarter_period(prev.year, (prev.month - 1) // 3 + 1, self.timezone)
        if self.unit == "year":
            return year_period(local.year - 1, self.timezone)
        if self.unit == "days":
            first = local - dt.timedelta(days=self.days)
            return range_period(first, local - dt.timedelta(days=1), self.timezone)
        return None


def _midnight(d: dt.date, tz: str) -> pd.Timestamp:
    import pandas as pd

    return (
        pd.Timestamp(d)
        .tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
        .tz_convert("UTC")
    )


def week_period(day: dt.date, tz: str) -> Period:
    monday = day - dt.timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    return Period(
        _midnight(monday, tz),
        _midnight(monday + dt.timedelta(days=7), tz),
        f"{year}-W{week:02d}",
        tz,
        "week",
    )


def month_period(year: int, month: int, tz: str) -> Period:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period(_midnight(first, tz), _midnight(nxt, tz), f"{year}-{month:02d}", tz, "month")


def quarter_period(year: int, q: int, tz: str) -> Period:
    first = dt.date(year, 3 * q - 2, 1)
    nxt = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)
    return Period(_midnight(first, tz), _midnight(nxt, tz), f"{year}-Q{q}", tz, "quarter")


def year_period(year: int, tz: str) -> Period:
    return Period(
        _midnight(dt.date(year, 1, 1), tz),
        _midnight(dt.date(year + 1, 1, 1), tz),
        str(year),
        tz,
        "year",
    )


def range_period(first: dt.date, last: dt.date, tz: str) -> Period:
    days = (last - first).days + 1
    return Period(
        _midnight(first, tz),
        _midnight(last + dt.timedelta(days=1), tz),
        f"{first.isoformat()}..{last.isoformat()}",
        tz,
        "days",
        days,
    )


def whole_span(start: pd.Timestamp, end: pd.Timestamp, tz: str) -> Period:
    """The period covering all data: from the first local midnight to after the last instant."""
    first = start.tz_convert(tz).date()
    last = end.tz_convert(tz).date()
    p = range_period(first, last, tz)
    return Period(p.start, p.end, "all", tz, "all")


def relative_period(name: str, today: dt.date, tz: str) -> Period | None:
    """`today`, `yesterday`, `this-week` ... `last-quarter` around the local date `today`."""
    if name in ("today", "yesterday"):
        d = today - dt.timedelta(days=int(name == "yesterday"))
        return range_period(d, d, tz)
    if name in ("this-week", "last-week"):
        return week_period(today - dt.timedelta(days=7 * (name == "last-week")), tz)
    if name in ("this-month", "last-month"):
        d = today.replace(day=1)
        if name == "last-month":
            d = (d - dt.timedelta(days=1)).replace(day=1)
        return month_period(d.year, d.month, tz)
    if name in ("this-quarter", "last-quarter"):
        year, q = today.year, (today.month - 1) // 3 + 1
        if name == "last-quarter":
            year, q = (year - 1, 4) if q == 1 else (year, q - 1)
        return quarter_period(year, q, tz)
    return None


def parse_period(text: str, tz: str, now: pd.Timestamp | None = None) -> Period:
    """Parse a period name; boundaries are local midnights in `tz`.

    `now` is the instant relative names (`today`, `last-week`, `this-quarter` ...) count from:
    the caller passes `--as-of` when given, else the current time (the default). Its local date
    in `tz` is "today"; a naive `now` is read as UTC.
    """
    import pandas as pd

    s = text.strip()
    t = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    today = (t.tz_localize("UTC") if t.tzinfo is None else t).tz_convert(tz).date()
    try:
        if (relative := relative_period(s.lower(), today, tz)) is not None:
            return relative
        if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", s, re.IGNORECASE):
            return week_period(dt.date.fromisocalendar(int(m[1]), int(m[2]), 1), tz)
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
            return month_period(int(m[1]), int(m[2]), tz)
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", s, re.IGNORECASE):
            return quarter_period(int(m[1]), int(m[2]), tz)
        if m := re.fullmatch(r"(\d{4})", s):
            return year_period(int(m[1]), tz)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", s):
            first, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
            if last < first:
                raise ValueError("the range ends before it starts")
            return range_period(first, last, tz)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})", s):
            d = dt.date.fromisoformat(m[1])
            return range_period(d, d, tz)
    except ValueError as exc:
        raise UserError(f"invalid period {text!r}: {exc}") from None
    raise UserError(f"invalid period {text!r}; use {PERIOD_HELP}")


def parse_instant(text: str, tz: str | None = None) -> pd.Timestamp:
    """An ISO 8601 instant for --as-of, in UTC.

    A value with an offset or `Z` (`2026-11-30T23:00:00+03:00`) is taken as is. A naive value
    (`2026-11-30T23:00`, `2026-11-30`) is a wall time in `tz` (the policy timezone; UTC when not
    given). A naive wall time the zone skips (spring forward) is an error; one it repeats (fall
    back) is read as the earlier of its two instants.
    """
    import pandas as pd

    try:
        ts = pd.Timestamp(text.strip())
    except (ValueError, TypeError, AttributeError):
        raise UserError(
            f"invalid --as-of {text!r}; use ISO 8601, e.g. 2026-11-30T23:00:00Z"
        ) from None
    if ts is pd.NaT:
        raise UserError(f"invalid --as-of {text!r}")
    if ts.tzinfo is not None:
        return ts.tz_convert("UTC")
    return local_instant(ts, tz or "UTC", text)


def local_instant(wall: pd.Timestamp, tz: str, text: str) -> pd.Timestamp:
    """The UTC instant of a naive wall time in `tz`: the earlier one if it occurs twice."""
    import pandas as pd

    zone = ZoneInfo(tz)
    naive = wall.to_pydatetime(warn=False)
    # fold=0 is the first occurrence of a repeated wall time, whatever the zone's DST flags say
    local = naive.replace(tzinfo=zone, fold=0)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        example = local.isoformat()  # with the offset in force before the switch
        raise UserError(
            f"invalid --as-of {text!r}: {naive.isoformat()} does not exist in {tz} (the clocks "
            f"skip it at a DST switch); give the offset, e.g. {example}"
        )
    return (wall - pd.Timedelta(local.utcoffset() or dt.timedelta())).tz_localize("UTC")


def resolve_as_of(latest: pd.Timestamp, period: Period, as_of: pd.Timestamp | None) -> pd.Timestamp:
    """--as-of if given, else `latest` (the data's latest instant); capped at the period's end."""
    import pandas as pd

    t = as_of if as_of is not None else latest
    return min(t, period.end - pd.Timedelta(microseconds=1))


def resolve_period(
    text: str | None,
    tz: str,
    data_span: tuple[pd.Timestamp, pd.Timestamp] | None,
    now: pd.Timestamp | None = None,
    as_of: pd.Timestamp | None = None,
) -> Period:
    """The named period, or without a name the whole span of the data (up to --as-of if later)."""
    import pandas as pd

    if text:
        return parse_period(text, tz, now)
    if data_span is None:
        today = (now or pd.Timestamp.now(tz="UTC")).normalize()
        return whole_span(today, today, tz)
    first, last = data_span
    return whole_span(first, last if as_of is None else max(last, as_of), tz)


def active_since(
    period: Period | None, trend_periods: int, lookback_s: float, as_of: pd.Timestamp | None
) -> pd.Timestamp | None:
    """The earliest instant a named period's metrics and trend can depend on (None: all data).

    The trend reaches back `trend_periods`, and a repeat incident looks `lookback_s` further.
    """
    import pandas as pd

    if period is None:
        return None
    earliest = (period.previous(trend_periods) or [period])[0].start
    if as_of is not None and as_of < earliest:
        return None
    return earliest - pd.Timedelta(seconds=lookback_s)
