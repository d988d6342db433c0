"""The threshold gate: a CheckResult from a MetricsResult; the CLI turns `passed` into exit codes."""

from __future__ import annotations

from slametrics.results import CheckResult, MetricsResult


def check_thresholds(result: MetricsResult) -> CheckResult:
    """Pass when every threshold of the policy holds (thresholds without data pass, noted)."""
    return CheckResult(
        policy=result.policy,
        period=result.period,
        as_of=result.as_of,
        passed=all(t.passed for t in result.thresholds),
        thresholds=result.thresholds,
    )
