"""Business time: the vectorized calendar against a brute-force per-minute oracle (hypothesis)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slametrics.business_time import build_working_time, business_seconds, holiday_dates
from slametrics.columns import US, from_us, to_us
from slametrics.policy import BusinessCalendar

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Europe/Moscow", "Australia/Lord_Howe"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def oracle_seconds(cal: BusinessCalendar, tz: str, start: dt.datetime, end: dt.datetime) -> int:
    """Working seconds in [start, end) by checking every minute's local wall time (slow, obvious).

    A minute works when its wall time lies in a window of its local date, or in an overnight
    window of the date before (whose end is counted past 24:00).
    """
    zone = ZoneInfo(tz)
    windows = cal.weekday_windows()
    years = range(start.year - 1, end.year + 2)
    off, worked = holiday_dates(cal, years)

    def windows_of(d: dt.date) -> list[tuple[int, int]]:
        if d in off:
            return []
        return windows[0] if d in worked else windows[d.weekday()]

    total = 0
    t = start
    while t < end:
        local = t.astimezone(zone)
        d = local.date()
        sec = local.hour * 3600 + local.minute * 60
        today = any(a <= sec < b for a, b in windows_of(d))
        overnight = any(a <= sec + 86400 < b for a, b in windows_of(d - dt.timedelta(days=1)))
        if today or overnight:
            total += 60
        t += dt.timedelta(minutes=1)
    return total


def half_hour(n: int) -> str:
    return f"{n // 2:02d}:{n % 2 * 30:02d}"


@st.composite
def calendars(draw, overnight=False):
    hours = {}
    for day in draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True)):
        n = draw(st.integers(1, 3))
        # windows at 30-minute resolution, sometimes touching midnight and the DST hours
        points = sorted(
            draw(st.lists(st.integers(0, 48), min_size=2 * n, max_size=2 * n, unique=True))
        )
        wins = [
            f"{half_hour(a)}-{half_hour(b)}" for a, b in zip(points[::2], points[1::2], strict=True)
        ]
        if overnight and draw(st.booleans()):
            # a window that ends before it starts, possibly overlapping the day's others
            start = draw(st.integers(1, 47))
            wins.append(f"{half_hour(start)}-{half_hour(draw(st.integers(0, start - 1)))}")
        hours[day] = ",".join(wins)
    base = dt.date(2026, 3, 1)
    holidays = draw(st.lists(st.integers(0, 300), max_size=4))
    workdays = draw(st.lists(st.integers(0, 300), max_size=2))
    country = draw(st.sampled_from([None, {"country": "RU"}, {"country": "US"}, {"country": "DE"}]))
    return BusinessCalendar(
        hours=hours,
        holidays=country,
        extra_holidays=[base + dt.timedelta(days=d) for d in holidays],
        extra_workdays=[base + dt.timedelta(days=d) for d in workdays],
    )


# intervals around both 2026 DST switches of Europe and the US, in whole minutes
INSTANTS = st.integers(0, 60 * 24 * 300).map(
    lambda m: dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=m)
)


@settings(max_examples=60, deadline=None)
@given(cal=calendars(), tz=st.sampled_from(ZONES), a=INSTANTS, length=st.integers(0, 60 * 24 * 9))
def test_business_seconds_match_oracle(cal, tz, a, length):
    b = a + dt.timedelta(minutes=length)
    got = business_seconds(cal, tz, pd.Series([pd.Timestamp(a)]), pd.Series([pd.Timestamp(b)]))
    assert got[0] == oracle_seconds(cal, tz, a, b)


@settings(max_examples=60, deadline=None)
@given(
    cal=calendars(overnight=True),
    tz=st.sampled_from(ZONES),
    a=INSTANTS,
    length=st.integers(0, 60 * 24 * 9),
)
def test_overnight_windows_match_oracle(cal, tz, a, length):
    b = a + dt.timedelta(minutes=length)
    got = business_seconds(cal, tz, pd.Series([pd.Timestamp(a)]), pd.Series([pd.Timestamp(b)]))
    assert got[0] == oracle_seconds(cal, tz, a, b)


@st.composite
def night_shifts(draw):
    """(windows per weekday with overnight ones, the same split at midnight into two days)."""
    whole: dict[int, list[str]] = {d: [] for d in range(7)}
    split: dict[int, list[str]] = {d: [] for d in range(7)}
    for day in draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)):
        start = draw(st.integers(1, 47))
        end = draw(st.integers(0, start - 1))
        whole[day].append(f"{half_hour(start)}-{half_hour(end)}")
        split[day].append(f"{half_hour(start)}-24:00")
        if end:
            split[(day + 1) % 7].append(f"00:00-{half_hour(end)}")

    def calendar(windows: dict[int, list[str]]) -> BusinessCalendar:
        return BusinessCalendar(hours={DAYS[d]: ",".join(w) for d, w in windows.items() if w})

    return calendar(whole), calendar(split)


@settings(max_examples=60, deadline=None)
@given(
    shifts=night_shifts(),
    tz=st.sampled_from(ZONES),
    a=INSTANTS,
    length=st.integers(0, 60 * 24 * 14),
)
def test_overnight_window_equals_its_parts_split_at_midnight(shifts, tz, a, length):
    """Without holidays, a night window measures what its two halves on two days measure."""
    whole, split = shifts
    starts = pd.Series([pd.Timestamp(a)])
    ends = pd.Series([pd.Timestamp(a + dt.timedelta(minutes=length))])
    assert (
        business_seconds(whole, tz, starts, ends)[0] == business_seconds(split, tz, starts, ends)[0]
    )


@settings(max_examples=40, deadline=None)
@given(
    cal=calendars(overnight=True),
    tz=st.sampled_from(ZONES),
    a=INSTANTS,
    target_min=st.integers(1, 60 * 30),
)
def test_instant_at_is_inverse_of_measure(cal, tz, a, target_min):
    """The due instant is the earliest one at which the target amount of work is done."""
    a_us = to_us(pd.DatetimeIndex([a]))
    wt = build_working_time(cal, tz, int(a_us[0]), int(a_us[0]), target_min * 60 * US)
    if wt.total == 0:
        return
    due = wt.instant_at(wt.measure(a_us) + target_min * 60 * US)
    assert wt.between(a_us, due)[0] == target_min * 60 * US
    assert wt.between(a_us, due - 1)[0] < target_min * 60 * US


def test_dst_spring_forward_24x7_business_hours():
    """Berlin 2026-03-29 has 23 hours; an all-day window counts every real hour, not 24 wall hours."""
    cal = BusinessCalendar(hours={"mon-sun": "00:00-24:00"})
    a = pd.Series([pd.Timestamp("2026-03-28T23:00:00Z")])  # local midnight of the 29th
    b = pd.Series([pd.Timestamp("2026-03-29T22:00:00Z")])  # local midnight of the 30th
    assert business_seconds(cal, "Europe/Berlin", a, b)[0] == 23 * 3600


def test_dst_fall_back_repeated_hour_counts_twice():
    """New York 2026-11-01 01:00-02:00 happens twice; a 00:00-03:00 window is 4 real hours."""
    cal = BusinessCalendar(hours={"sun": "00:00-03:00"})
    a = pd.Series([pd.Timestamp("2026-11-01T00:00:00Z")])
    b = pd.Series([pd.Timestamp("2026-11-02T00:00:00Z")])
    assert business_seconds(cal, "America/New_York", a, b)[0] == 4 * 3600


def test_russian_holidays_and_transferred_workday():
    """2025-11-01 (Saturday) was a working day in Russia; 2025-11-03 and 11-04 were days off."""
    cal = BusinessCalendar(hours={"mon-fri": "09:00-18:00"}, holidays={"country": "RU"})
    starts = pd.Series(pd.to_datetime(["2025-10-31T21:00:00Z"] * 1))  # local midnight, Nov 1
    ends = pd.Series(pd.to_datetime(["2025-11-04T21:00:00Z"]))  # local midnight, Nov 5
    # Nov 1 worked (Monday's windows, 9h), Nov 2 Sunday, Nov 3 and 4 off
    assert business_seconds(cal, "Europe/Moscow", starts, ends)[0] == 9 * 3600


def test_due_at_end_of_day_not_next_morning():
    cal = BusinessCalendar(hours={"mon-fri": "09:00-17:00"})
    a = to_us(pd.DatetimeIndex(["2026-11-02T09:00:00Z"]))
    wt = build_working_time(cal, "UTC", int(a[0]), int(a[0]), 8 * 3600 * US)
    due = from_us(wt.instant_at(wt.measure(a) + 8 * 3600 * US))
    assert due[0] == pd.Timestamp("2026-11-02T17:00:00Z")


def test_vectorized_over_many_intervals_matches_one_by_one():
    cal = BusinessCalendar(hours={"mon-fri": "09:00-13:00,14:00-18:00"}, holidays={"country": "RU"})
    rng = np.random.default_rng(3)
    a = pd.Timestamp("2026-01-01T00:00:00Z") + pd.to_timedelta(
        rng.integers(0, 300 * 86400, 200), "s"
    )
    b = a + pd.to_timedelta(rng.integers(0, 20 * 86400, 200), "s")
    together = business_seconds(cal, "Europe/Moscow", pd.Series(a), pd.Series(b))
    alone = [
        business_seconds(cal, "Europe/Moscow", pd.Series([x]), pd.Series([y]))[0]
        for x, y in zip(a, b, strict=True)
    ]
    assert together.tolist() == alone


def test_due_inside_a_night_shift_after_midnight():
    """4 h of a Friday 22:00-06:00 shift, from Friday 20:00, are done at Saturday 02:00."""
    cal = BusinessCalendar(hours={"fri": "22:00-06:00"})
    a = to_us(pd.DatetimeIndex(["2026-11-06T20:00:00Z"]))
    wt = build_working_time(cal, "UTC", int(a[0]), int(a[0]), 4 * 3600 * US)
    due = from_us(wt.instant_at(wt.measure(a) + 4 * 3600 * US))
    assert due[0] == pd.Timestamp("2026-11-07T02:00:00Z")
    # 8 h is the whole shift: due at its end, not at the next Friday's start
    due = from_us(wt.instant_at(wt.measure(a) + 8 * 3600 * US))
    assert due[0] == pd.Timestamp("2026-11-07T06:00:00Z")


def test_a_night_shift_started_before_the_interval_counts():
    """An interval that starts on Saturday still sees the tail of Friday's night."""
    cal = BusinessCalendar(hours={"fri": "22:00-06:00"})
    a = pd.Series([pd.Timestamp("2026-11-07T03:00:00Z")])
    b = pd.Series([pd.Timestamp("2026-11-07T05:00:00Z")])
    assert business_seconds(cal, "UTC", a, b)[0] == 2 * 3600


@pytest.mark.parametrize("text", ["09:00-09:00", "24:00-06:00", "25:00-26:00", "9-17", "09:00"])
def test_bad_windows_rejected(text):
    with pytest.raises(ValueError):
        BusinessCalendar(hours={"mon": text})


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("22:00-06:00", [(79200, 108000)]),
        ("22:00-00:00", [(79200, 86400)]),
        ("23:30-23:00", [(84600, 169200)]),
        ("00:00-24:00", [(0, 86400)]),
        ("09:00-08:00", [(32400, 115200)]),
    ],
)
def test_window_that_ends_before_it_starts_runs_into_the_next_day(text, windows):
    assert BusinessCalendar(hours={"mon": text}).weekday_windows()[0] == windows
