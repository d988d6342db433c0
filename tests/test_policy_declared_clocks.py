"""Declared clocks (DESIGN §5-§6): names, stops, targets and thresholds that name them."""

from __future__ import annotations

import pytest

from slametrics.errors import PolicyError
from slametrics.policy import parse_policy

BASE = {
    "timezone": "UTC",
    "calendars": {"always": "24x7"},
    "clocks": {"closure": {"stop_on": ["closed"]}},
    "targets": [{"match": {}, "calendar": "always", "resolution": "4h", "closure": "2d"}],
}


def test_declared_clock_and_its_target() -> None:
    policy = parse_policy(BASE)
    assert policy.clock_names == ["first_response", "resolution", "closure"]
    assert policy.targets[0].target("closure") == 2 * 86400
    assert policy.clock("closure").stop_on == ["closed"]
    assert policy.clock("resolution").stop_on == ["resolved", "closed"]  # the default


@pytest.mark.parametrize(
    "change, message",
    [
        ({"targets": [{"match": {}, "calendar": "always", "closing": "2d"}]},
         "targets.0.closing: unknown clock 'closing'; declared clocks: first_response, "
         "resolution, closure"),
        ({"thresholds": [{"metric": "on_time_share", "clock": "closing", "min": 0.9}]},
         "thresholds.0.clock: unknown clock 'closing'"),
        ({"clocks": {"closure": {"stop_on": ["done"]}}}, "clocks.closure.stop_on.0"),
        ({"clocks": {"closure": {"stop_on": []}}}, "needs at least one stop_on class"),
        ({"targets": [{"match": {}, "calendar": "always", "closure": 4}]}, "needs a unit"),
        ({"clocks": {"Closure": {"stop_on": ["closed"]}}}, "clocks.Closure: a clock name"),
    ],
)  # fmt: skip
def test_declared_clock_errors_name_the_fix(change: dict, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy({**BASE, **change})
    assert message in str(err.value)
