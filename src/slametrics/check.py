"""The threshold gate: judges each threshold of a MetricsResult; the CLI turns that into exit codes."""

from __future__ import annotations

from slametrics.results import CheckResult, MetricsResult, ThresholdValue


def judge_threshold(th: ThresholdValue) -> ThresholdValue:
    """The threshold with `passed` and `note` set from its measured value and bounds."""
    if th.value is None:
        return th.model_copy(update={"passed": True, "note": "no data in the period"})
    passed = (th.min is None or th.value >= th.min) and (th.max is None or th.value <= th.max)
    return th.model_copy(update={"passed": passed, "note": ""})


def judge_thresholds(result: MetricsResult) -> MetricsResult:
    """The result with every threshold judged."""
    return result.model_copy(update={"thresholds": [judge_threshold(t) for t in result.thresholds]})


def check_thresholds(result: MetricsResult) -> CheckResult:
    """Pass when every threshold of the policy holds (thresholds without data pass, noted)."""
    judged = judge_thresholds(result).thresholds
    return CheckResult(
        policy=result.policy,
        period=result.period,
        as_of=result.as_of,
        passed=all(t.passed for t in judged),
        thresholds=judged,
    )
