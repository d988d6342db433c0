"""Policy loading: shipped policies validate; errors name the file, key path, bad value, choices."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import POLICIES
from slametrics.errors import PolicyError, UserError
from slametrics.policy import load_policy, parse_duration, policy_warnings


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_policies_validate(path: Path) -> None:
    policy = load_policy(path)
    assert policy.targets and policy.thresholds


def test_ru_contract_uses_moscow_and_ru_holidays() -> None:
    p = load_policy(POLICIES / "ru-contract.yaml")
    assert p.timezone == "Europe/Moscow"
    assert p.calendars["business"].holidays.country == "RU"
    assert p.calendars["business"].weekday_windows()[0] == [(32400, 46800), (50400, 64800)]


def _errors(tmp_path: Path, text: str) -> list[str]:
    f = tmp_path / "p.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_policy(f)
    assert str(f) in str(exc.value)
    return exc.value.problems


def test_unknown_key_is_named_with_its_path(tmp_path: Path) -> None:
    problems = _errors(
        tmp_path, "version: 1\nclocks:\n  resolution: {pause_on: [], reopn: first}\n"
    )
    assert problems == ["clocks.resolution.reopn: Extra inputs are not permitted (got 'first')"]


def test_bad_status_class_lists_allowed_values(tmp_path: Path) -> None:
    problems = _errors(tmp_path, "clocks:\n  resolution: {pause_on: [waiting]}\n")
    assert len(problems) == 1
    assert problems[0].startswith("clocks.resolution.pause_on.0: Input should be 'new', 'open'")
    assert "(got 'waiting')" in problems[0]


def test_bad_timezone_duration_and_calendar_reference(tmp_path: Path) -> None:
    problems = _errors(
        tmp_path,
        "\n".join(
            [
                "timezone: Mars/Olympus",
                "calendars: {always: 24x7}",
                "targets:",
                "  - {match: {}, calendar: always, first_response: soon}",
            ]
        ),
    )
    assert problems == [
        "timezone: unknown IANA timezone 'Mars/Olympus' (examples: UTC, Europe/Moscow) "
        "(got 'Mars/Olympus')",
        "targets.0.first_response: not a duration: 'soon' (examples: 90s, 15m, 4h, 1h30m, 2d, 1w) "
        "(got 'soon')",
    ]


def test_unknown_calendar_reference(tmp_path: Path) -> None:
    problems = _errors(
        tmp_path, "calendars: {always: 24x7}\ntargets:\n  - {calendar: business, resolution: 4h}\n"
    )
    assert problems == ["targets.0.calendar: unknown calendar 'business'; defined: always"]


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    assert _errors(tmp_path, "a: [1, 2\n")[0].startswith("not valid YAML")
    with pytest.raises(UserError, match="policy file not found"):
        load_policy(tmp_path / "missing.yaml")


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    problems = _errors(tmp_path, "name: !!python/object/apply:os.system ['echo hacked']\n")
    assert "not valid YAML" in problems[0]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("4h", 14400), ("1h30m", 5400), ("2d", 172800), ("90s", 90), ("1W", 604800)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("value", [4, "4", 4.0, " 4 ", "4.0"])
def test_bare_number_is_not_a_duration(value: object) -> None:
    with pytest.raises(ValueError, match=r"needs a unit: write 4h, 4m or 4s") as exc:
        parse_duration(value)
    assert "d = 24 h of working time" in str(exc.value)


def test_bare_number_in_a_policy_file_names_the_key_and_the_fix(tmp_path: Path) -> None:
    problems = _errors(tmp_path, "targets:\n  - {match: {}, calendar: always, resolution: 240}\n")
    assert problems == [
        "targets.0.resolution: a duration needs a unit: write 240h, 240m or 240s instead of the "
        "bare number 240 (units: s, m, h, d = 24 h of working time, w = 7 d) (got 240)"
    ]


def test_shipped_policies_have_no_warnings() -> None:
    for path in sorted(POLICIES.glob("*.yaml")):
        assert policy_warnings(load_policy(path)) == [], path.name
