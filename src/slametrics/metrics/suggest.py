"""`audit --suggest`: the stop, pauses, calendar and target that reproduce the vendor's verdicts.

For each candidate clock definition (stop among [resolved], [closed], [resolved, closed]; with
and without the policy's pauses; on the policy's calendars or each one alone) one rerun of
`compute_clocks` with a target longer than the data measures every compared clock's elapsed
working time. The vendor met a clock iff its elapsed time is at most the target, so the best
target of a group is found exactly by sorting the elapsed times and scanning the thresholds with
cumulative sums. Fitted targets describe the contractor's behaviour, not a contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.metrics.audit import (
    STOPS,
    AuditInput,
    alternative,
    compared_clocks,
    human_duration,
    on_calendar,
    other_calendars,
    with_clock,
)
from slametrics.policy import Policy

FIT_WARNING = (
    "targets fitted on the audited data describe the contractor's behaviour, not a contract"
)
# the granularities a fitted target is rounded to, coarsest first; a rounding is taken when it
# loses at most ROUNDING_LOSS_PCT percentage points against the exact optimum
GRAINS_S = (7 * 86400, 86400, 12 * 3600, 4 * 3600, 3600, 1800, 900, 300, 60, 1)
ROUNDING_LOSS_PCT = 0.1
SUGGEST_COLUMNS = [
    "clock",
    "priority",
    "stop",
    "pauses",
    "calendar",
    "compared",
    "target",
    "target_s",
    "agreement",
    "agreement_0_8x",
    "agreement_1_25x",
    "optimum_from_s",
    "optimum_to_s",
    "optimum_agreement",
    "best",
]


@dataclass
class Threshold:
    """The best target of a group: how many verdicts it reproduces, on [lo, hi) seconds."""

    agree: int
    lo: float
    hi: float


class SortedElapsed:
    """Elapsed times sorted with the vendor's verdicts: agreement of any target by bisection."""

    def __init__(self, elapsed: np.ndarray, met: np.ndarray) -> None:
        known = np.isfinite(elapsed)
        order = np.argsort(elapsed[known], kind="stable")
        self.e = elapsed[known][order]
        m = met[known][order].astype(bool)
        self.cum_met = np.concatenate([[0], np.cumsum(m)])
        self.cum_breached = np.concatenate([[0], np.cumsum(~m)])
        self.breached = int(self.cum_breached[-1])

    def agree_at(self, targets: np.ndarray) -> np.ndarray:
        """Verdicts reproduced by each target: met iff elapsed <= target."""
        k = np.searchsorted(self.e, np.asarray(targets, dtype=float), side="right")
        return self.cum_met[k] + self.breached - self.cum_breached[k]

    def best(self) -> Threshold:
        """The target reproducing most verdicts (the smallest such interval), exactly."""
        e = self.e
        if not len(e):
            return Threshold(0, 0.0, np.inf)
        ends = np.flatnonzero(np.concatenate([e[1:] != e[:-1], [True]]))  # last of each value
        # a target below every elapsed time (all breached) exists only above zero
        below = self.breached if e[0] > 0 else -1
        agree = np.concatenate([[below], self.agree_at(e[ends])])
        j = int(np.argmax(agree))
        if j == 0:
            return Threshold(int(agree[0]), 0.0, float(e[0]))
        nxt = ends[j - 1] + 1
        return Threshold(
            int(agree[j]), float(e[ends[j - 1]]), float(e[nxt]) if nxt < len(e) else np.inf
        )


def best_threshold(elapsed: np.ndarray, met: np.ndarray) -> Threshold:
    """The best target for elapsed times (NaN: unknown) and the vendor's verdicts."""
    return SortedElapsed(np.asarray(elapsed, dtype=float), np.asarray(met, dtype=bool)).best()


def round_target(s: SortedElapsed, fit: Threshold, n: int) -> float:
    """The roundest duration near the optimum that loses at most ROUNDING_LOSS_PCT points of
    agreement (else the optimum's start, to the second)."""
    floor = fit.agree - ROUNDING_LOSS_PCT / 100 * n
    ref = fit.lo if not np.isfinite(fit.hi) else (fit.lo + fit.hi) / 2
    for grain in GRAINS_S:
        options = np.unique([np.floor(ref / grain) * grain, np.ceil(ref / grain) * grain])
        options = options[options > 0]
        if not len(options):
            continue
        agree = s.agree_at(options)
        if agree.max() >= floor:
            return float(options[np.argmax(agree)])
    return float(np.ceil(fit.lo))


def candidates(policy: Policy, huge_s: int) -> list[tuple[dict[str, str], Policy]]:
    """(labels, policy) per candidate: stop x pauses x calendar, every target `huge_s`."""
    targets = [
        r.model_copy(
            update={
                "first_response": huge_s,
                "resolution": huge_s,
                "resolution_due_from_source": False,
            }
        )
        for r in policy.targets
    ]
    base = policy.model_copy(update={"targets": targets})
    pause_sets = {}
    for clock in ("first_response", "resolution"):
        own = policy.clock(clock).pause_on
        pause_sets[clock] = [own, []] if own else [[]]
    out = []
    for calendar in ["(policy)", *other_calendars(policy)]:
        on_cal = base if calendar == "(policy)" else on_calendar(base, calendar)
        for stops in STOPS:
            for i in range(2):
                p = on_cal
                pauses = {}
                for clock, sets in pause_sets.items():
                    pauses[clock] = sets[min(i, len(sets) - 1)]
                    p = with_clock(p, clock, pause_on=list(pauses[clock]))
                if i and all(len(s) == 1 for s in pause_sets.values()):
                    continue  # no pauses anywhere: nothing to leave out
                p = with_clock(p, "resolution", stop_on=list(stops))
                labels = {"calendar": calendar, "stop": ", ".join(stops)}
                labels.update({f"pauses_{c}": ", ".join(v) or "none" for c, v in pauses.items()})
                out.append((labels, p))
    return out


def suggest(inp: AuditInput) -> pd.DataFrame:
    """Per clock, priority and candidate: the fitted target and the agreement it reaches."""
    rows = compared_clocks(inp, inp.clocks())
    if not len(rows):
        return pd.DataFrame(columns=SUGGEST_COLUMNS)
    p = inp.prepared
    span_s = int((inp.as_of.value // 1000 - p.created.min()) // 1_000_000) + 86400
    rows["priority"] = rows["priority"].astype("string").fillna("(none)")
    out = []
    seen_first = set()
    for labels, policy in candidates(inp.policy, span_s):
        elapsed = alternative(inp, rows, policy)["elapsed_s"].to_numpy(dtype=float)
        for (clock, priority), idx in rows.groupby(
            ["clock", "priority"], sort=True
        ).indices.items():
            stop = "first reply" if clock == "first_response" else labels["stop"]
            key = (clock, priority, labels["calendar"], labels[f"pauses_{clock}"], stop)
            if key in seen_first:
                continue  # the first-response clock ignores the stop candidates
            seen_first.add(key)
            out.append(_fit_row(elapsed[idx], rows["vendor_met"].to_numpy()[idx], key))
    frame = pd.DataFrame(out, columns=SUGGEST_COLUMNS[:-1])
    frame = frame.sort_values(["clock", "priority"], kind="stable").reset_index(drop=True)
    # per clock and priority the first candidate with the best agreement (the policy's first)
    best = frame.groupby(["clock", "priority"], sort=False)["optimum_agreement"].idxmax()
    frame["best"] = frame.index.isin(best.to_numpy())
    return frame


def _fit_row(elapsed: np.ndarray, met: np.ndarray, key: tuple) -> dict:
    clock, priority, calendar, pauses, stop = key
    s = SortedElapsed(elapsed, met)
    fit = s.best()
    n = len(elapsed)
    target = round_target(s, fit, n)

    def pct(agree: float) -> float:
        return round(100 * float(agree) / n, 2) if n else float("nan")

    near = s.agree_at(np.array([0.8 * target, target, 1.25 * target]))
    return {
        "clock": clock,
        "priority": priority,
        "stop": stop,
        "pauses": pauses,
        "calendar": calendar,
        "compared": n,
        "target": human_duration(target),
        "target_s": target,
        "agreement": pct(near[1]),
        "agreement_0_8x": pct(near[0]),
        "agreement_1_25x": pct(near[2]),
        "optimum_from_s": fit.lo,
        "optimum_to_s": fit.hi,
        "optimum_agreement": pct(fit.agree),
    }


def best_per_clock(frame: pd.DataFrame) -> pd.DataFrame:
    """Per clock, each (stop, pauses) with every priority on its best calendar and target:
    the clock definition a policy can state once for all priorities."""
    if not len(frame):
        return pd.DataFrame(columns=["clock", "stop", "pauses", "compared", "agreement"])
    agree = frame["agreement"] * frame["compared"] / 100
    g = frame.assign(_agree=agree).groupby(["clock", "stop", "pauses", "priority"])
    per = g.agg(_agree=("_agree", "max"), compared=("compared", "first")).reset_index()
    tot = per.groupby(["clock", "stop", "pauses"])[["_agree", "compared"]].sum().reset_index()
    tot["agreement"] = (100 * tot["_agree"] / tot["compared"]).round(2)
    tot = tot.sort_values(["clock", "agreement"], ascending=[True, False], kind="stable")
    return tot.drop(columns="_agree").reset_index(drop=True)
