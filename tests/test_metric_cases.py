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


def test_case(case: Path) -> None:
    spec, log = load_case(case)
    policy = parse_policy(spec["policy"])
    as_of = pd.Timestamp(spec["as_of"])
    expect = spec["expect"]
    state = compute_clocks(log.tickets, log.events, policy, as_of)
    clocks = state.clocks.set_index(["ticket_id", "clock"])
    for row in expect.get("clocks", []):
        got = clocks.loc[(row["ticket_id"], row["clock"])]
        for field, want in row.items():
            if field in ("ticket_id", "clock"):
                continue
            have = got[field]
            if field in ("due_at", "stopped_at"):
                assert (pd.isna(have) and want is None) or have == _ts(want), (row, field, have)
            else:
                assert have == want, (row["ticket_id"], row["clock"], field, have, want)
    if "clock_count" in expect:
        assert len(state.clocks) == expect["clock_count"]
    if "metrics" in expect or "clock_stats" in expect or "untargeted" in expect:
        tz = policy.timezone
        period = (
            parse_period(spec["period"], tz)
            if "period" in spec
            else whole_span(log.tickets["created_at"].min(), as_of, tz)
        )
        result = compute_metrics(log, policy, period, as_of)
        if "untargeted" in expect:
            got_untargeted = {c: s.untargeted for c, s in result.clocks.items()}
            assert got_untargeted == expect["untargeted"]
        for name, want in expect.get("metrics", {}).items():
            m = result.metrics[name]
            if want is None:
                assert m.value is None, (name, m)
            elif isinstance(want, list):
                assert (m.numerator, m.denominator) == tuple(want), (name, m)
            else:
                assert m.value == pytest.approx(want), (name, m)
        for clock, fields in expect.get("clock_stats", {}).items():
            stats = result.clocks[clock].model_dump()
            assert {k: stats[k] for k in fields} == fields, clock
