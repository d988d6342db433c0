"""The threshold gate: judges each threshold of a MetricsResult; the CLI turns that into exit codes.

States (DESIGN §8): `pass`, `fail`, `no tickets` (nothing of that slice in the period: passes, and
says so) and `not judgeable` (tickets exist but none could be judged: fails unless allowed).
"""

from __future__ import annotations

from slametrics.results import CheckResult, MetricsResult, ThresholdValue

PASS, FAIL, NO_TICKETS, NOT_JUDGEABLE = "pass", "fail", "no tickets", "not judgeable"


def judge_threshold(th: ThresholdValue, allow_unjudged: bool = False) -> ThresholdValue:
    """The threshold with `state`, `passed` and `note` set from its value, bounds and reason."""
    if th.value is None:
        if th.reason in (None, NO_TICKETS):
            update = {"state": NO_TICKETS, "passed": True, "note": "no tickets in the period"}
        else:
            note = f"not judgeable: {th.reason}" + (" (allowed)" if allow_unjudged else "")
            update = {"state": NOT_JUDGEABLE, "passed": allow_unjudged, "note": note}
        return th.model_copy(update=update)
    passed = (th.min is None or th.value >= th.min) and (th.max is None or th.value <= th.max)
    return th.model_copy(update={"state": PASS if passed else FAIL, "passed": passed, "note": ""})


def judge_thresholds(result: MetricsResult, allow_unjudged: bool = False) -> MetricsResult:
    """The result with every threshold judged."""
    judged = [judge_threshold(t, allow_unjudged) for t in result.thresholds]
    return result.model_copy(update={"thresholds": judged})


def check_thresholds(result: MetricsResult, allow_unjudged: bool = False) -> CheckResult:
    """Pass when every threshold holds or has no tickets (and, if allowed, is not judgeable)."""
    judged = judge_thresholds(result, allow_unjudged).thresholds
    return CheckResult(
        policy=result.policy,
        period=result.period,
        as_of=result.as_of,
        data_until=result.data_until,
        passed=all(t.passed for t in judged),
        allow_unjudged=allow_unjudged,
        untargeted={clock: stats.untargeted for clock, stats in result.clocks.items()},
        thresholds=judged,
    )
