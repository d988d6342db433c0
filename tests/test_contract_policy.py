"""The policy's `contract:` section: exact money, defaults, and errors that name the key."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slametrics.errors import PolicyError
from slametrics.metrics.resolution_clock import first_after, last_before
from slametrics.policy import load_policy, parse_policy, policy_json_schema

THRESHOLDS = [{"metric": "on_time_share", "min": 0.9}]


def contract(**section) -> dict:
    return {"thresholds": THRESHOLDS, "contract": section}


def errors(data: dict) -> list[str]:
    with pytest.raises(PolicyError) as exc:
        parse_policy(data)
    return exc.value.problems


def test_money_is_exact_and_defaults_are_stated() -> None:
    p = parse_policy(contract(fee=13900.1, overage={"ticket": "0.10"}, included={"tickets": 50}))
    assert p.contract.fee == Decimal("13900.1")
    assert p.contract.overage.ticket == Decimal("0.10")
    s = p.contract.signals
    assert (s.shortly, s.ask_within, s.reopen_within, s.split_within) == (3600, 3600, 172800, 86400)
    assert (p.contract.billing_period, p.contract.credit_cap) == ("month", 1.0)
    assert parse_policy({}).contract is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"billing_period": "week"},
            "contract.billing_period: Input should be 'month' or 'quarter'",
        ),
        ({"fee": "lots"}, "contract.fee: not an amount of money: 'lots'"),
        ({"fee": -1}, "contract.fee: Input should be greater than or equal to 0"),
        (
            {"credit_cap": 30},
            "contract.credit_cap: a share is a fraction in [0, 1]: write 0.3 for 30%",
        ),
        ({"credits": [{"threshold": "on_time_share", "credit": 1.5}]}, "contract.credits.0.credit"),
        (
            {"credits": [{"threshold": "reopen_rate", "credit": 0.1}]},
            "contract.credits.0.threshold: no threshold 'reopen_rate' in `thresholds:`",
        ),
        (
            {"overage": {"hour": 50}},
            "contract.overage.hour: a price per extra hour needs `contract.included.hours`",
        ),
        ({"signals": {"shortly": 60}}, "contract.signals.shortly: a duration needs a unit"),
        ({"lines": {"L1": {}}}, "contract.lines: L1: a line needs `group:` or `assignee:` values"),
        (
            {"lines": {"L1": {"group": ["Desk"]}, "L2": {"group": [" desk"]}}},
            "contract.lines: L2: ' desk' is already on line L1",
        ),
        ({"refund": 1}, "contract.refund: Extra inputs are not permitted"),
    ],
)
def test_errors_name_the_key(section: dict, message: str) -> None:
    assert any(m.startswith(message) for m in errors(contract(**section))), errors(
        contract(**section)
    )


def test_credit_names_a_threshold_by_label() -> None:
    th = [*THRESHOLDS, {"metric": "on_time_share", "clock": "first_response", "min": 0.98}]
    label = "on_time_share clock=first_response"
    p = parse_policy(
        {"thresholds": th, "contract": {"credits": [{"threshold": label, "credit": 0.1}]}}
    )
    assert p.contract.credits[0].threshold == label


def test_schema_has_the_contract_and_the_example_policy_loads(tmp_path) -> None:
    props = policy_json_schema()["$defs"]["Contract"]["properties"]
    assert {
        "billing_period",
        "fee",
        "included",
        "overage",
        "credits",
        "credit_cap",
        "lines",
    } <= set(props)
    p = load_policy("policies/contract-example.yaml")
    assert p.contract.fee == Decimal(13900) and list(p.contract.lines) == ["L1", "L2"]


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 20)), max_size=30),
    queries=st.lists(st.tuples(st.integers(0, 4), st.integers(-1, 21)), max_size=20),
    strict=st.booleans(),
)
def test_last_before_and_first_after_match_brute_force(rows, queries, strict) -> None:
    rows = sorted(rows)
    r_tix = np.array([r[0] for r in rows], dtype=np.int64)
    r_at = np.array([r[1] for r in rows], dtype=np.int64)
    q_tix = np.array([q[0] for q in queries], dtype=np.int64)
    q_at = np.array([q[1] for q in queries], dtype=np.int64)
    got = last_before(q_tix, q_at, r_tix, r_at, strict)
    after = first_after(q_tix, q_at, r_tix, r_at)
    for i, (t, a) in enumerate(queries):
        before = [
            j for j, r in enumerate(rows) if r[0] == t and (r[1] < a if strict else r[1] <= a)
        ]
        later = [j for j, r in enumerate(rows) if r[0] == t and r[1] >= a]
        assert got[i] == (before[-1] if before else -1)
        # among equal instants any row will do: compare the instants
        assert (after[i] >= 0) == bool(later)
        if later:
            assert r_at[after[i]] == rows[later[0]][1] and r_tix[after[i]] == t


def test_contract_reaches_back_to_its_earliest_billing_period() -> None:
    from slametrics.metrics.contract import contract_active_since
    from slametrics.periods import parse_period

    policy = parse_policy(contract(billing_period="month"))
    since = contract_active_since(policy, parse_period("2016-W20", "UTC"))
    # W20 (16-22 May) touches May; the trend's 4 months start 1 January; repeats look 30d back
    assert since == pd.Timestamp("2016-01-01T00:00:00Z") - pd.Timedelta(days=30)
    assert contract_active_since(parse_policy({}), parse_period("2016-W20", "UTC")) is None
