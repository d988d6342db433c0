"""Trend directions: computed from the current value against the last known one, never around n/a."""

from __future__ import annotations

import datetime as dt

import pytest

from slametrics.metrics.trend import directions
from slametrics.results import TrendPoint

UTC = dt.UTC


def _points(shares: list[float | None]) -> list[TrendPoint]:
    start = dt.datetime(2026, 1, 5, tzinfo=UTC)
    week = dt.timedelta(days=7)
    return [
        TrendPoint(
            label=f"W{i}",
            start=start + i * week,
            end=start + (i + 1) * week,
            on_time_share=share,
            first_contact_resolution=None,
            repeat_incident_rate=None,
            reopen_rate=None,
            created=10 + i,
            resolved=10,
            waiting_on_customer=0,
        )
        for i, share in enumerate(shares)
    ]


def _on_time(shares: list[float | None]):
    return next(d for d in directions(_points(shares)) if d.metric == "on_time_share")


@pytest.mark.parametrize(
    ("shares", "direction", "better", "streak"),
    [
        ([0.9, 0.8, 0.7], "down", False, 2),
        ([0.7, 0.8, 0.9], "up", True, 0),
        ([0.8, 0.8], "flat", None, 0),
        # the current period is n/a: no direction, even though W0 -> W1 went down
        ([0.9, 0.8, None], "unknown", None, 0),
        # the previous period is n/a: compared with the last known one; n/a ends the streak
        ([0.6, 0.9, None, 0.7], "down", False, 0),
        ([0.9], "unknown", None, 0),
        ([None, None], "unknown", None, 0),
    ],
)
def test_on_time_direction(shares, direction, better, streak) -> None:
    d = _on_time(shares)
    assert (d.direction, d.better, d.worse_streak) == (direction, better, streak)


def test_volumes_have_a_direction_but_no_better() -> None:
    created = next(d for d in directions(_points([0.5, 0.5, 0.5])) if d.metric == "created")
    assert (created.direction, created.better, created.worse_streak) == ("up", None, 0)
    fcr = next(d for d in directions(_points([0.5, 0.5])) if d.metric == "first_contact_resolution")
    assert fcr.direction == "unknown"
