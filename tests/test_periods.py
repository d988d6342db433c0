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
    "text", ["2026-W60", "2026-13", "2026-Q5", "yesterday", "2026-11-05..2026-11-01"]
)
def test_invalid_periods(text):
    with pytest.raises(UserError, match="invalid period"):
        parse_period(text, TZ)


def test_as_of_instants():
    assert parse_instant("2026-11-30T23:00:00Z") == pd.Timestamp("2026-11-30T23:00:00Z")
    assert parse_instant("2026-11-30T23:00:00+03:00") == pd.Timestamp("2026-11-30T20:00:00Z")
    with pytest.raises(UserError):
        parse_instant("soon")
