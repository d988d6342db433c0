"""The SLA policy (DESIGN §5): the model and its loader, the values it writes as text, its lint."""

from slametrics.policy.lint import policy_warnings
from slametrics.policy.loading import load_policy, parse_policy, policy_json_schema
from slametrics.policy.model import (
    CLOCK_NAMES,
    DEFAULT_KINDS,
    SHARE_METRICS,
    BusinessCalendar,
    Calendar,
    ClockSpec,
    ExcludeRule,
    FirstContactResolution,
    HolidaySource,
    MatchRule,
    Policy,
    RepeatIncidents,
    TargetRule,
    Threshold,
)
from slametrics.policy.values import parse_days, parse_duration, parse_windows

__all__ = [
    "CLOCK_NAMES",
    "DEFAULT_KINDS",
    "SHARE_METRICS",
    "BusinessCalendar",
    "Calendar",
    "ClockSpec",
    "ExcludeRule",
    "FirstContactResolution",
    "HolidaySource",
    "MatchRule",
    "Policy",
    "RepeatIncidents",
    "TargetRule",
    "Threshold",
    "load_policy",
    "parse_days",
    "parse_duration",
    "parse_policy",
    "parse_windows",
    "policy_json_schema",
    "policy_warnings",
]
