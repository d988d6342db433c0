"""`slametrics signals`: the tickets behind each signal, from export files, in text, JSON and CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

import slametrics.cli.signals  # noqa: F401  (registers the command until cli/__init__ imports it)
from conftest import invoke
from slametrics.api.contract import CODES

CASE = Path(__file__).parent / "cases" / "signals" / "each_signal.yml"
TICKET_COLUMNS = [
    "ticket_id",
    "created_at",
    "priority",
    "group",
    "assignee",
    "requester",
    "subject",
]


@pytest.fixture
def exports(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The signal case as canonical CSV exports (without its `due` events, which no export
    format carries yet) and its policy as a file."""
    case = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    tickets, events, policy = (tmp_path / n for n in ("tickets.csv", "events.csv", "p.yaml"))
    with tickets.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, TICKET_COLUMNS)
        w.writeheader()
        w.writerows(case["tickets"])
    with events.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "at", "event", "value", "actor", "public"])
        w.writerows(
            ["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in row]
            for row in case["events"]
            if row[2] != "due"
        )
    policy.write_text(yaml.safe_dump(case["policy"]), encoding="utf-8")
    return tickets, events, policy


def test_text_lists_each_signal_with_its_ticket(exports, capsys) -> None:
    tickets, events, policy = exports
    out, _ = invoke(
        [
            "signals",
            tickets,
            events,
            "--policy",
            policy,
            "--period",
            "2021-03",
            "--as-of",
            "2021-03-31T00:00:00Z",
        ],
        capsys,
    )
    for code, ticket in [
        ("priority-lowered-before-breach", "S1"),
        ("paused-before-due", "S2"),
        ("parked-in-waiting", "S3"),
        ("reopened-soon-after-resolution", "S4"),
        ("canceled-before-breach", "S5"),
        ("split-after-resolution", "S7b"),
    ]:
        block = out.split(f"\n{code}: ")[1].split("\n\n")[0]
        assert f"  {ticket}  " in block, (code, block)
    assert "due-changed: n/a (no due-time history)" in out
    assert not any(f"  N{i}  " in out for i in range(1, 8))


def test_json_and_csv(exports, capsys) -> None:
    tickets, events, policy = exports
    args = ["signals", tickets, events, "--policy", policy, "--period", "2021-03"]
    out, _ = invoke([*args, "--format", "json"], capsys)
    doc = json.loads(out)
    assert [s["code"] for s in doc["signals"]] == list(CODES)
    s1 = next(t for t in doc["tickets"] if t["ticket_id"] == "S1")
    assert s1["evidence"] == {
        "from": "high",
        "to": "normal",
        "remaining_s": 1800.0,
        "target_s": 14400,
        "new_target_s": 28800.0,
    }
    assert (s1["group"], s1["assignee"], s1["at"]) == ("Desk", "ann", "2021-03-01T13:30:00Z")
    out, _ = invoke([*args, "--format", "csv", "--code", "split-after-resolution"], capsys)
    rows = list(csv.DictReader(out.splitlines()))
    assert [(r["code"], r["ticket_id"]) for r in rows] == [("split-after-resolution", "S7b")]
    assert "previous_ticket=S7a" in rows[0]["evidence"]


def test_unknown_code_is_a_usage_error(exports, capsys) -> None:
    tickets, events, policy = exports
    _, err = invoke(
        ["signals", tickets, events, "--policy", policy, "--code", "blame"], capsys, expect_code=2
    )
    assert "--code 'blame': use one of priority-lowered-before-breach" in err
