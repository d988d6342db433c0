"""Data-driven policy cases: each tests/cases/policy/*.yml holds policies and hand-computed results.

A case has a `policy` mapping and any of: `errors` (the exact problems, in order), `errors_start`
(each problem's start), `values` (dotted paths into the parsed policy; a method on the path is
called), `warnings` (the exact `policy_warnings`), `working_hours` (calendar -> [start, end,
hours]) and `tickets` with `excluded` (the ticket ids `excluded_mask` takes out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from slametrics.business_time import business_seconds
from slametrics.engine.rules import excluded_mask
from slametrics.errors import PolicyError
from slametrics.policy import Policy, parse_policy, policy_warnings

FILES = sorted((Path(__file__).parent / "cases" / "policy").glob("*.yml"))
CASES = [
    pytest.param(case, id=f"{path.stem}: {case['name']}")
    for path in FILES
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
]
KEYS = {"name", "policy", "errors", "errors_start", "values", "warnings", "working_hours"}


def lookup(policy: Policy, path: str) -> Any:
    """The value at a dotted path (`targets.0.resolution`, `calendars.night.weekday_windows.4`)."""
    value: Any = policy
    for part in path.split("."):
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value[int(part) if part.isdigit() and int(part) in value else part]
        else:
            value = getattr(value, part)
        if callable(value):
            value = value()
    return value


def check_working_hours(policy: Policy, spec: dict[str, list[list[Any]]]) -> None:
    for name, rows in spec.items():
        starts = pd.Series(pd.to_datetime([r[0] for r in rows], utc=True))
        ends = pd.Series(pd.to_datetime([r[1] for r in rows], utc=True))
        got = business_seconds(policy.calendars[name], policy.timezone, starts, ends) / 3600
        assert got.tolist() == [r[2] for r in rows], (name, rows)


def check_excluded(policy: Policy, tickets: list[dict[str, Any]], want: list[str]) -> None:
    frame = pd.DataFrame(tickets)
    got = frame.loc[excluded_mask(frame, policy), "ticket_id"].tolist()
    assert got == want


@pytest.mark.parametrize("case", CASES)
def test_policy_case(case: dict[str, Any]) -> None:
    assert set(case) <= KEYS | {"tickets", "excluded"}, set(case) - KEYS
    if "errors" in case or "errors_start" in case:
        with pytest.raises(PolicyError) as exc:
            parse_policy(case["policy"])
        problems = exc.value.problems
        if "errors" in case:
            assert problems == case["errors"]
        else:
            assert len(problems) == len(case["errors_start"]), problems
            for have, want in zip(problems, case["errors_start"], strict=True):
                assert have.startswith(want), (have, want)
        return
    policy = parse_policy(case["policy"])
    for path, want in case.get("values", {}).items():
        have = lookup(policy, path)
        assert [list(x) for x in have] == want if isinstance(want, list) else have == want, path
    if "warnings" in case:
        assert policy_warnings(policy) == case["warnings"]
    check_working_hours(policy, case.get("working_hours", {}))
    if "tickets" in case:
        check_excluded(policy, case["tickets"], case["excluded"])


def test_every_case_checks_something() -> None:
    for param in CASES:
        case = param.values[0]
        assert set(case) - {"name", "policy"}, case["name"]
