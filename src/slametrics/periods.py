"""Reporting periods: `2026-W46`, `2026-11`, `2026-Q4`, `2026`, date ranges and relative names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from slametrics.errors import UserError

PERIOD_HELP = (
    "2026-W46 (ISO week), 2026-11, 2026-Q4, 2026, 2026-11-01..2026-11-15 (inclusive), "
    "last-week, this-week, last-month, this-month"
)


@dataclass(frozen=True)
class Period:
    """[start, end) between local midnights in `timezone`; `unit` says how to step to the previous."""

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


def parse_period(text: str, tz: str, now: pd.Timestamp | None = None) -> Period:
    """Parse a period name; relative names count from `now` (local date in `tz`)."""
    s = text.strip()
    today = (now or pd.Timestamp.now(tz="UTC")).tz_convert(tz).date()
    try:
        if s in ("this-week", "last-week"):
            return week_period(today - dt.timedelta(days=7 * (s == "last-week")), tz)
        if s in ("this-month", "last-month"):
            d = today.replace(day=1)
            if s == "last-month":
                d = (d - dt.timedelta(days=1)).replace(day=1)
            return month_period(d.year, d.month, tz)
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


def parse_instant(text: str) -> pd.Timestamp:
    """An ISO 8601 instant (`2026-11-30T23:00:00Z`); a value without offset is taken as UTC."""
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise UserError(
            f"invalid --as-of {text!r}; use ISO 8601, e.g. 2026-11-30T23:00:00Z"
        ) from None
    if ts is pd.NaT:
        raise UserError(f"invalid --as-of {text!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def resolve_as_of(latest: pd.Timestamp, period: Period, as_of: pd.Timestamp | None) -> pd.Timestamp:
    """--as-of if given, else `latest` (the data's latest instant); capped at the period's end."""
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
    if period is None:
        return None
    earliest = (period.previous(trend_periods) or [period])[0].start
    if as_of is not None and as_of < earliest:
        return None
    return earliest - pd.Timedelta(seconds=lookback_s)
