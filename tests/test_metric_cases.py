"""Data-driven metric cases: each tests/cases/metrics/*.yml holds events and hand-computed results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from slametrics.engine.clocks import compute_clocks
from slametrics.eventlog import EventLog
from slametrics.importers.base import finalize
from slametrics.metrics import compute_metrics
from slametrics.periods import parse_period, whole_span
from slametrics.policy import parse_policy
from slametrics.schema import validate_events, validate_tickets

CASES = sorted((Path(__file__).parent / "cases" / "metrics").glob("*.yml"))
STATUS_EVENTS = {"status", "resolved", "reopened", "closed", "created"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", CASES, ids=[c.stem for c in CASES])


def load_case(path: Path) -> tuple[dict, EventLog]:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    tickets = pd.DataFrame(case["tickets"])
    for col in ("created_at",):
        tickets[col] = pd.to_datetime(tickets[col], utc=True)
    rows = case.get("events") or []
    events = pd.DataFrame(rows, columns=["ticket_id", "at", "event", "value", "actor", "public"])
    events["at"] = pd.to_datetime(events["at"], utc=True)
    events["status_class"] = events["value"].where(events["event"].isin(STATUS_EVENTS))
    t, e = finalize(tickets, events, source="case", fidelity="history")
    log = EventLog(validate_tickets(t).to_pandas(), validate_events(e).to_pandas())
    return case, log


def _ts(v):
    return None if v is None else pd.Timestamp(v)


def _check_clock_rows(state, expect: dict) -> None:
    clocks = state.clocks.set_index(["ticket_id", "clock"])
    for row in expect.get("clocks", []):
        got = clocks.loc[(row["ticket_id"], row["clock"])]
        for field, want in row.items():
            if field in ("ticket_id", "clock"):
                continue
            have = got[field]
            if field in ("due_at", "stopped_at", "decided_at"):
                assert (pd.isna(have) and want is None) or have == _ts(want), (row, field, have)
            else:
                assert have == want, (row["ticket_id"], row["clock"], field, have, want)
    if "clock_count" in expect:
        assert len(state.clocks) == expect["clock_count"]


def _check_metric(name: str, m, want) -> None:
    if want is None:
        assert m.value is None, (name, m)
    elif isinstance(want, dict):
        assert m.value == want["value"], (name, m)
        assert m.reason == want.get("reason"), (name, m)
    elif isinstance(want, list):
        assert (m.numerator, m.denominator) == tuple(want), (name, m)
        assert m.reason is None, (name, m)
    else:
        assert m.value == pytest.approx(want), (name, m)


def _check_result(result, expect: dict) -> None:
    if "untargeted" in expect:
        assert {c: s.untargeted for c, s in result.clocks.items()} == expect["untargeted"]
    for name, want in expect.get("metrics", {}).items():
        _check_metric(name, result.metrics[name], want)
    for clock, fields in expect.get("clock_stats", {}).items():
        stats = result.clocks[clock].model_dump(mode="json")
        got = {k: stats[k] for k in fields}
        want = {
            k: (v.replace("+00:00", "Z") if isinstance(v, str) else v) for k, v in fields.items()
        }
        got = {k: (v.replace("+00:00", "Z") if isinstance(v, str) else v) for k, v in got.items()}
        assert got == want, clock
    for row in expect.get("waiting", []):
        line = next(w for w in result.waiting if w.ticket_id == row["ticket_id"])
        assert line.waiting_hours == row["waiting_hours"], line
        assert line.waiting_since == _ts(row["waiting_since"]), line
    if "excluded" in expect:
        assert sorted(x.ticket_id for x in result.excluded) == expect["excluded"]
        assert result.excluded_total == len(expect["excluded"])


def test_case(case: Path) -> None:
    spec, log = load_case(case)
    policy = parse_policy(spec["policy"])
    as_of = pd.Timestamp(spec["as_of"]) if spec.get("as_of") else None
    expect = spec.get("expect", {})
    state = compute_clocks(log.tickets, log.events, policy, as_of or log.latest_timestamp())
    _check_clock_rows(state, expect)
    tz = policy.timezone
    if {"metrics", "clock_stats", "untargeted", "waiting", "excluded"} & set(expect):
        period = (
            parse_period(spec["period"], tz)
            if "period" in spec
            else whole_span(log.tickets["created_at"].min(), as_of or log.latest_timestamp(), tz)
        )
        _check_result(compute_metrics(log, policy, period, as_of), expect)
    for label, period_expect in spec.get("periods", {}).items():
        _check_result(compute_metrics(log, policy, parse_period(label, tz), as_of), period_expect)
