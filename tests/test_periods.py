"""Periods: names to [start, end) between local midnights, and the previous periods for trends."""

from __future__ import annotations

import pandas as pd
import pytest

from slametrics.errors import UserError
from slametrics.periods import parse_instant, parse_period

TZ = "Europe/Moscow"


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-W46", "2026-11-08T21:00:00Z", "2026-11-15T21:00:00Z", "2026-W46"),
        ("2026-11", "2026-10-31T21:00:00Z", "2026-11-30T21:00:00Z", "2026-11"),
        ("2026-Q4", "2026-09-30T21:00:00Z", "2026-12-31T21:00:00Z", "2026-Q4"),
        ("2026", "2025-12-31T21:00:00Z", "2026-12-31T21:00:00Z", "2026"),
        (
            "2026-11-01..2026-11-15",
            "2026-10-31T21:00:00Z",
            "2026-11-15T21:00:00Z",
            "2026-11-01..2026-11-15",
        ),
    ],
)
def test_named_periods(text, start, end, label):
    p = parse_period(text, TZ)
    assert (p.start, p.end, p.label) == (pd.Timestamp(start), pd.Timestamp(end), label)


def test_relative_periods_count_from_injected_now():
    now = pd.Timestamp("2026-11-22T12:00:00Z")  # a Sunday
    assert parse_period("this-week", TZ, now).label == "2026-W47"
    assert parse_period("last-week", TZ, now).label == "2026-W46"
    assert parse_period("last-month", TZ, now).label == "2026-10"
    assert parse_period("this-month", TZ, now).label == "2026-11"


def test_previous_periods_and_dst():
    p = parse_period("2026-W44", "Europe/Berlin")  # the week after DST ended on 2026-10-25
    prev = p.previous(2)
    assert [x.label for x in prev] == ["2026-W42", "2026-W43"]
    assert prev[1].end - prev[1].start == pd.Timedelta(hours=7 * 24 + 1)
    assert [x.label for x in parse_period("2026-01", TZ).previous(2)] == ["2025-11", "2025-12"]
    r = parse_period("2026-11-10..2026-11-12", TZ).previous(1)[0]
    assert r.label == "2026-11-07..2026-11-09"


@pytest.mark.parametrize(
    "text", ["2026-W60", "2026-13", "2026-Q5", "tomorrow", "last-year", "2026-11-05..2026-11-01"]
)
def test_invalid_periods(text):
    with pytest.raises(UserError, match="invalid period"):
        parse_period(text, TZ)


def test_invalid_period_lists_the_names():
    with pytest.raises(UserError) as exc:
        parse_period("tomorrow", TZ)
    for name in ("2026-W46", "2026-11-04", "today", "yesterday", "this-quarter", "last-quarter"):
        assert name in str(exc.value)
    assert "relative to --as-of (else now)" in str(exc.value)


# 2026-11-22 is a Sunday; 00:30 in Moscow is still Saturday the 21st in UTC
@pytest.mark.parametrize(
    ("name", "now", "label", "start", "end"),
    [
        (
            "today",
            "2026-11-21T21:30:00Z",
            "2026-11-22..2026-11-22",
            "2026-11-21T21:00Z",
            "2026-11-22T21:00Z",
        ),
        (
            "yesterday",
            "2026-11-21T21:30:00Z",
            "2026-11-21..2026-11-21",
            "2026-11-20T21:00Z",
            "2026-11-21T21:00Z",
        ),
        (
            "this-quarter",
            "2026-11-21T21:30:00Z",
            "2026-Q4",
            "2026-09-30T21:00Z",
            "2026-12-31T21:00Z",
        ),
        (
            "last-quarter",
            "2026-11-21T21:30:00Z",
            "2026-Q3",
            "2026-06-30T21:00Z",
            "2026-09-30T21:00Z",
        ),
        # the first local day of a year: the last quarter is the previous year's Q4
        (
            "last-quarter",
            "2025-12-31T21:00:00Z",
            "2025-Q4",
            "2025-09-30T21:00Z",
            "2025-12-31T21:00Z",
        ),
        (
            "this-quarter",
            "2025-12-31T20:59:59Z",
            "2025-Q4",
            "2025-09-30T21:00Z",
            "2025-12-31T21:00Z",
        ),
        (
            "yesterday",
            "2026-03-01T12:00:00Z",
            "2026-02-28..2026-02-28",
            "2026-02-27T21:00Z",
            "2026-02-28T21:00Z",
        ),
        (
            "Today",
            "2026-11-21T12:00:00+03:00",
            "2026-11-21..2026-11-21",
            "2026-11-20T21:00Z",
            "2026-11-21T21:00Z",
        ),
    ],
)
def test_relative_days_and_quarters(name, now, label, start, end):
    p = parse_period(name, TZ, pd.Timestamp(now))
    assert (p.label, p.start, p.end) == (label, pd.Timestamp(start), pd.Timestamp(end))


def test_relative_periods_step_back_like_named_ones():
    now = pd.Timestamp("2026-11-21T21:30:00Z")
    assert [p.label for p in parse_period("last-quarter", TZ, now).previous(2)] == [
        "2026-Q1",
        "2026-Q2",
    ]
    assert parse_period("yesterday", TZ, now).previous(1)[0].label == "2026-11-20..2026-11-20"


def test_today_is_a_dst_day_of_23_hours_in_berlin():
    p = parse_period("today", "Europe/Berlin", pd.Timestamp("2026-03-29T12:00:00Z"))
    assert p.end - p.start == pd.Timedelta(hours=23)


def test_relative_names_default_to_now():
    assert parse_period("today", "UTC").label == pd.Timestamp.now(tz="UTC").strftime(
        "%Y-%m-%d..%Y-%m-%d"
    )


def test_as_of_instants():
    assert parse_instant("2026-11-30T23:00:00Z") == pd.Timestamp("2026-11-30T23:00:00Z")
    assert parse_instant("2026-11-30T23:00:00+03:00") == pd.Timestamp("2026-11-30T20:00:00Z")
    with pytest.raises(UserError):
        parse_instant("soon")


@pytest.mark.parametrize(
    ("text", "tz", "utc"),
    [
        ("2026-11-30T23:00:00", None, "2026-11-30T23:00:00Z"),  # no zone given: UTC
        ("2026-11-30T23:00:00", TZ, "2026-11-30T20:00:00Z"),
        ("2026-11-30", TZ, "2026-11-29T21:00:00Z"),  # a date: its local midnight
        ("2026-11-30T23:00:00Z", TZ, "2026-11-30T23:00:00Z"),  # an offset wins over the zone
        ("2026-11-30T23:00:00-05:00", TZ, "2026-12-01T04:00:00Z"),
        # fall back: the repeated wall time is read as its earlier instant
        ("2026-10-25T02:30:00", "Europe/Berlin", "2026-10-25T00:30:00Z"),  # CEST, not CET
        ("2026-11-01T01:30:00", "America/New_York", "2026-11-01T05:30:00Z"),  # EDT, not EST
        # Lord Howe repeats half an hour; Moscow 2014 moved from +04 to +03 without DST flags
        ("2026-04-05T01:45:00", "Australia/Lord_Howe", "2026-04-04T14:45:00Z"),
        ("2014-10-26T01:30:00", "Europe/Moscow", "2014-10-25T21:30:00Z"),
        ("2026-03-29T03:00:00", "Europe/Berlin", "2026-03-29T01:00:00Z"),  # just after the gap
    ],
)
def test_naive_as_of_is_read_in_the_policy_zone(text, tz, utc):
    assert parse_instant(text, tz) == pd.Timestamp(utc)


@pytest.mark.parametrize(
    ("text", "tz", "example"),
    [
        ("2026-03-29T02:30:00", "Europe/Berlin", "2026-03-29T02:30:00+01:00"),
        ("2026-03-08T02:00", "America/New_York", "2026-03-08T02:00:00-05:00"),
    ],
)
def test_naive_as_of_in_a_dst_gap_is_an_error(text, tz, example):
    with pytest.raises(UserError) as exc:
        parse_instant(text, tz)
    msg = str(exc.value)
    assert msg.startswith(f"invalid --as-of {text!r}: ")
    assert f"does not exist in {tz} (the clocks skip it at a DST switch)" in msg
    assert msg.endswith(f"give the offset, e.g. {example}")
    assert parse_instant(example) == parse_instant(example, tz)
