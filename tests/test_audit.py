"""audit: agreement per clock and priority, each cause of disagreement on a hand-built case,
and the --suggest threshold scan against a brute-force search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slametrics import api
from slametrics.api.audit import audit_result, audit_suggest
from slametrics.metrics.suggest import best_threshold

POLICY = """version: 1
timezone: UTC
calendars:
  business: {hours: {mon-fri: "09:00-17:00"}}
clocks:
  resolution: {pause_on: [waiting_customer]}
targets:
  - {calendar: business, resolution: 4h}
"""
# Monday 2026-11-09 .. Sunday 2026-11-15 is 2026-W46
TICKETS = """ticket_id,created_at,priority,status,vendor_resolution_met,vendor_resolution_due_at
STOP,2026-11-09T09:00:00Z,high,closed,false,
PAUSE,2026-11-09T09:00:00Z,high,resolved,false,
TARGET,2026-11-09T09:00:00Z,low,resolved,false,2026-11-09T11:00:00Z
CAL,2026-11-13T16:00:00Z,low,resolved,false,
ODD,2026-11-10T09:00:00Z,low,resolved,false,
OK,2026-11-10T09:00:00Z,low,resolved,true,
"""
EVENTS = """ticket_id,at,event,value,actor,public
STOP,2026-11-09T09:00:00Z,created,new,system,
STOP,2026-11-09T11:00:00Z,resolved,resolved,agent,
STOP,2026-11-09T15:00:00Z,closed,closed,system,
PAUSE,2026-11-09T09:00:00Z,created,new,system,
PAUSE,2026-11-09T10:00:00Z,status,waiting_customer,agent,
PAUSE,2026-11-09T13:00:00Z,status,open,customer,
PAUSE,2026-11-09T14:00:00Z,resolved,resolved,agent,
TARGET,2026-11-09T09:00:00Z,created,new,system,
TARGET,2026-11-09T12:00:00Z,resolved,resolved,agent,
CAL,2026-11-13T16:00:00Z,created,new,system,
CAL,2026-11-14T10:00:00Z,resolved,resolved,agent,
ODD,2026-11-10T09:00:00Z,created,new,system,
ODD,2026-11-10T10:00:00Z,resolved,resolved,agent,
OK,2026-11-10T09:00:00Z,created,new,system,
OK,2026-11-10T10:00:00Z,resolved,resolved,agent,
"""
SNAPSHOT = """ticket_id,created_at,priority,status,resolved_at,vendor_resolution_met
SNAP,2026-11-11T09:00:00Z,low,resolved,2026-11-11T10:00:00Z,false
"""


@pytest.fixture(scope="module")
def query(tmp_path_factory: pytest.TempPathFactory) -> api.Query:
    d = tmp_path_factory.mktemp("audit")
    (d / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    (d / "events.csv").write_text(EVENTS, encoding="utf-8")
    (d / "snap" / "tickets.csv").parent.mkdir()
    (d / "snap" / "tickets.csv").write_text(SNAPSHOT, encoding="utf-8")
    (d / "policy.yaml").write_text(POLICY, encoding="utf-8")
    log = d / "log"
    api.import_exports([d / "tickets.csv", d / "events.csv"], log)
    api.import_exports([d / "snap" / "tickets.csv"], log)
    return api.Query(
        sources=[log], policy=d / "policy.yaml", period="2026-W46", as_of="2026-11-20T00:00:00Z"
    )


def test_each_cause_with_its_evidence(query: api.Query) -> None:
    result = audit_result(query, disagreements_only=False)
    rows = result.tickets.set_index("ticket_id")
    assert rows.loc["OK", "agree"] and pd.isna(rows.loc["OK", "cause"])
    expected = {
        "STOP": "stop",
        "PAUSE": "pauses",
        "TARGET": "target",
        "CAL": "calendar",
        "SNAP": "history",
        "ODD": "unexplained",
    }
    assert rows.loc[list(expected), "cause"].to_dict() == expected
    # the vendor stopped at closed (15:00): 6 h > 4 h
    assert "stop_on [closed]" in rows.loc["STOP", "evidence"]
    assert "2026-11-09T15:00:00Z" in rows.loc["STOP", "evidence"]
    assert rows.loc["PAUSE", "evidence"] == "without pauses: 10800 s paused"
    # the vendor's due at 11:00 against 13:00 recomputed: a 2 h target
    assert rows.loc["TARGET", "evidence"].endswith("implied vendor target 2h")
    assert "2026-11-09T11:00:00Z" in rows.loc["TARGET", "evidence"]
    assert rows.loc["CAL", "evidence"] == "on calendar 24x7"
    assert rows.loc["SNAP", "evidence"].startswith("snapshot")
    assert result.causes == {
        "stop": 1,
        "pauses": 1,
        "target": 1,
        "calendar": 1,
        "history": 1,
        "unexplained": 1,
    }


def test_summary_per_clock_and_priority(query: api.Query) -> None:
    summary = audit_result(query).summary
    records = summary.to_dict("records")
    assert records == [
        {
            "clock": "resolution",
            "priority": "high",
            "compared": 2,
            "agree": 0,
            "disagree": 2,
            "agreement": 0.0,
        },
        {
            "clock": "resolution",
            "priority": "low",
            "compared": 5,
            "agree": 1,
            "disagree": 4,
            "agreement": 20.0,
        },
    ]


def test_disagreements_only_by_default(query: api.Query) -> None:
    assert not audit_result(query).tickets["agree"].any()
    vendor, rows = api.audit(query)
    assert vendor[0].compared == 7 and vendor[0].disagree == 6 and len(rows) == 6


def test_suggest_marks_one_best_candidate_per_priority(query: api.Query) -> None:
    candidates, per_clock = audit_suggest(query)
    best = candidates[candidates["best"]]
    assert sorted(best["priority"]) == ["high", "low"]
    assert (best["optimum_agreement"] >= candidates["optimum_agreement"].min()).all()
    assert set(per_clock["stop"]) == {"resolved", "closed", "resolved, closed"}


def brute_force(elapsed: np.ndarray, met: np.ndarray) -> int:
    """Most verdicts any target reproduces, trying every elapsed value and one below all."""
    known = np.isfinite(elapsed)
    e, m = elapsed[known], met[known]
    options = [*e.tolist(), -0.5] if len(e) and e.min() > 0 else e.tolist()
    if not options:
        return 0
    return max(int(((e <= t) == m).sum()) for t in options)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 30).map(float), st.just(float("nan"))),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_threshold_scan_matches_brute_force(pairs: list[tuple[float, bool]]) -> None:
    elapsed = np.array([e for e, _ in pairs], dtype=float)
    met = np.array([m for _, m in pairs], dtype=bool)
    fit = best_threshold(elapsed, met)
    assert fit.agree == brute_force(elapsed, met)
    # every target in the optimum interval reaches the optimum, and the interval is real
    known = np.isfinite(elapsed)
    for t in (fit.lo, (fit.lo + min(fit.hi, fit.lo + 10)) / 2):
        if t < fit.hi:
            assert int(((elapsed[known] <= t) == met[known]).sum()) == fit.agree
