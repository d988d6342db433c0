"""The committed JSON Schema: current, and it accepts every shipped policy and rejects bare numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import POLICIES
from slametrics.policy import parse_policy, policy_json_schema

jsonschema = pytest.importorskip("jsonschema")

SCHEMA_FILE = POLICIES / "policy.schema.json"
CASES = Path(__file__).parent / "cases" / "policy"


def committed() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_errors(data: Any) -> list[str]:
    # YAML reads 2026-12-31 as a date; an editor's YAML schema check sees the string
    as_json = json.loads(json.dumps(data, default=str))
    validator = jsonschema.Draft202012Validator(committed())
    return sorted(
        ".".join(map(str, e.absolute_path)) + ": " + e.message
        for e in validator.iter_errors(as_json)
    )


def test_committed_schema_is_current() -> None:
    # regenerate with `slametrics policy schema -o policies/policy.schema.json`
    assert committed() == policy_json_schema(), "policies/policy.schema.json is stale"
    jsonschema.Draft202012Validator.check_schema(committed())


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_policies_match_the_schema(path: Path) -> None:
    assert schema_errors(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_valid_case_policies_match_the_schema() -> None:
    """Every policy the loader accepts in tests/cases/policy is accepted by the schema too."""
    for path in sorted(CASES.glob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            if "errors" not in case and "errors_start" not in case:
                parse_policy(case["policy"])
                assert schema_errors(case["policy"]) == [], (path.name, case["name"])


def test_durations_are_strings_with_a_unit() -> None:
    rule = committed()["$defs"]["TargetRule"]["properties"]["resolution"]["anyOf"][0]
    assert rule["type"] == "string"
    policy = {
        "targets": [{"match": {}, "calendar": "always", "first_response": 4, "resolution": "4"}],
        "repeat_incidents": {"window": "30 days"},
    }
    errors = schema_errors(policy)
    assert len(errors) == 3
    assert errors[0].startswith("repeat_incidents.window: '30 days' does not match")
    assert errors[1].startswith("targets.0.first_response: 4 is not valid")
    assert errors[2].startswith("targets.0.resolution: '4' is not valid")
    ok = {"targets": [{"match": {}, "calendar": "always", "resolution": "1h 30m"}]}
    assert schema_errors(ok) == []
    assert parse_policy(ok).targets[0].resolution == 5400


def test_share_bounds_are_fractions_in_the_schema() -> None:
    bad = {"thresholds": [{"metric": "on_time_share", "min": 95}]}
    assert schema_errors(bad) == ["thresholds.0.min: 95 is greater than the maximum of 1"]
    counts = {"thresholds": [{"metric": "waiting_on_customer", "max": 10}]}
    assert schema_errors(counts) == []
