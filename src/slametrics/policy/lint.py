"""Policy lint: rules and thresholds that can never match what the policy defines (warnings)."""

from __future__ import annotations

from slametrics.policy.model import Policy


def _norm(values: list[str]) -> set[str]:
    return {v.strip().lower() for v in values}


def _rule_warnings(policy: Policy) -> list[str]:
    """Target rules that match nothing, are shadowed by an earlier rule, or set no clock."""
    out = []
    rules = [{k: _norm(v) for k, v in r.match_values().items()} for r in policy.targets]
    for i, (rule, match) in enumerate(zip(policy.targets, rules, strict=True)):
        empty = [k for k, v in match.items() if not v]
        if empty:
            out.append(
                f"targets.{i}: match.{empty[0]} is an empty list: the rule matches no ticket"
            )
        # an earlier rule whose every field accepts all of this rule's values takes its tickets
        for j, earlier in enumerate(rules[:i]):
            if all(k in match and match[k] <= v for k, v in earlier.items()):
                why = "matches every ticket" if not earlier else "matches all its tickets"
                out.append(f"targets.{i}: unreachable: the earlier rule targets.{j} {why}")
                break
        if not any(rule.targets_clock(c) for c in policy.clock_names):
            out.append(
                f"targets.{i}: no clock target ({', '.join(policy.clock_names)}): the tickets it "
                "matches get no clock (later rules do not apply to them)"
            )
    return out


def _threshold_warnings(policy: Policy) -> list[str]:
    """Thresholds whose clock, priority or kind no target rule or kind of the policy has."""
    out = []
    kinds = [*policy.kinds, "other"]
    for i, th in enumerate(policy.thresholds):
        name = f"thresholds.{i} ({th.label})"
        clocks = [th.clock] if th.clock else list(policy.clock_names)
        rules = [r for r in policy.targets if any(r.targets_clock(c) for c in clocks)]
        if th.clock and not rules:
            out.append(f"{name}: no target rule sets a {th.clock} target")
        if th.kind is not None and th.kind not in kinds:
            out.append(f"{name}: kind {th.kind!r} is not defined (kinds: {', '.join(kinds)})")
        if th.priority is not None and rules and all("priority" in r.match for r in rules):
            matched = sorted(set().union(*(_norm(r.match_values()["priority"]) for r in rules)))
            if th.priority.strip().lower() not in matched:
                out.append(
                    f"{name}: no target rule matches priority {th.priority!r} "
                    f"(rules match: {', '.join(matched)})"
                )
    return out


def policy_warnings(policy: Policy) -> list[str]:
    """Rules, thresholds and calendars of a valid policy that can never apply to a ticket.

    Each warning names the rule (`targets.N`), threshold (`thresholds.N (label)`) or calendar.
    """
    used = {r.calendar for r in policy.targets}
    unused = [f"calendars.{c}: no target rule uses it" for c in policy.calendars if c not in used]
    return [*_rule_warnings(policy), *_threshold_warnings(policy), *unused]
