"""Hand-computed contract, lines, hours and signal cases: tests/cases/{contract,signals}/*.yml."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from slametrics.eventlog import EventLog
from slametrics.importers.base import finalize
from slametrics.metrics import compute_metrics
from slametrics.periods import parse_period
from slametrics.policy import parse_policy
from slametrics.schema import EVENT_TYPES, validate_events, validate_tickets

HERE = Path(__file__).parent / "cases"
CASES = sorted([*(HERE / "contract").glob("*.yml"), *(HERE / "signals").glob("*.yml")])
STATUS_EVENTS = {"status", "resolved", "reopened", "closed", "created"}
TIMESTAMPS = ("created_at", "due_at")


def load(path: Path) -> tuple[dict, EventLog]:
    """The case and its log. Events of a type the schema does not know yet (a source's `due`
    changes) are appended after validation, as an importer that records them would store them."""
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    tickets = pd.DataFrame(case["tickets"])
    for col in TIMESTAMPS:
        if col in tickets:
            tickets[col] = pd.to_datetime(tickets[col], utc=True)
    rows = case.get("events") or []
    events = pd.DataFrame(rows, columns=["ticket_id", "at", "event", "value", "actor", "public"])
    events["at"] = pd.to_datetime(events["at"], utc=True)
    events["status_class"] = events["value"].where(events["event"].isin(STATUS_EVENTS))
    unknown = ~events["event"].isin(EVENT_TYPES)
    t, e = finalize(tickets, events[~unknown], source="case", fidelity="history")
    e = validate_events(e).to_pandas()
    if unknown.any():
        extra = events[unknown].assign(source="case", seq=0, status_class=None)
        e = pd.concat([e, extra[e.columns].astype(e.dtypes.to_dict())], ignore_index=True)
    return case, EventLog(validate_tickets(t).to_pandas(), e)


def subset(got, want, path: str = "") -> None:
    """`want` is a part of `got`: dict keys given are compared, lists element by element."""
    if isinstance(want, dict):
        assert isinstance(got, dict), (path, got)
        for key, value in want.items():
            assert key in got, (path, key, sorted(got))
            subset(got[key], value, f"{path}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (path, got, want)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            subset(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and isinstance(got, float):
        assert got == pytest.approx(want, abs=1e-4), (path, got, want)
    else:
        assert got == want, (path, got, want)


@pytest.mark.parametrize("path", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_case(path: Path) -> None:
    spec, log = load(path)
    policy = parse_policy(spec["policy"])
    as_of = pd.Timestamp(spec["as_of"]) if spec.get("as_of") else None
    assert spec["periods"], "a case names at least one period"
    for label, expect in spec["periods"].items():
        result = compute_metrics(log, policy, parse_period(label, policy.timezone), as_of)
        out = result.model_dump(mode="json")
        signals = expect.pop("signals", None)
        subset(out, expect, label)
        # per code: the tickets showing it, or a part of its SignalCount
        got = {s["code"]: s for s in out.get("signals") or []}
        for code, want in (signals or {}).items():
            if isinstance(want, list):
                assert got[code]["tickets"] == want, (label, code)
            else:
                subset(got[code], want, f"{label}.signals.{code}")
