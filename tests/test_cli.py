"""The command-line contract of DESIGN §8: commands, JSON keys, CSV columns and exit codes 0/1/2."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from conftest import POLICIES, invoke
from slametrics import api
from slametrics.cli import app
from slametrics.eventlog import read_log

CANONICAL_TICKETS = """ticket_id,created_at,subject,type,priority,organization,category,status
T1,2026-11-02T09:00:00Z,=cmd|' /C calc'!A0,incident,urgent,Acme,vpn,resolved
T2,2026-11-02T10:00:00Z,Printer,question,normal,Acme,printing,waiting_customer
T3,2026-11-03T10:00:00Z,VPN again,incident,high,Acme,vpn,open
"""
CANONICAL_EVENTS = """ticket_id,at,event,value,actor,public
T1,2026-11-02T09:10:00Z,agent_reply,,agent,true
T1,2026-11-02T11:00:00Z,resolved,resolved,agent,false
T2,2026-11-02T10:30:00Z,agent_reply,,agent,true
T2,2026-11-02T10:31:00Z,status,waiting_customer,agent,false
T3,2026-11-03T10:05:00Z,agent_reply,,agent,true
"""
POLICY = """version: 1
name: test contract
timezone: UTC
calendars: {always: 24x7}
targets:
  - {match: {priority: [urgent]}, calendar: always, first_response: 15m, resolution: 4h}
  - {match: {}, calendar: always, first_response: 1h, resolution: 24h}
thresholds:
  - {metric: on_time_share, min: 0.5}
  - {metric: waiting_on_customer, max: 5}
"""


@pytest.fixture
def exports(tmp_path: Path) -> list[Path]:
    t = tmp_path / "tickets.csv"
    e = tmp_path / "events.csv"
    t.write_text(CANONICAL_TICKETS, encoding="utf-8")
    e.write_text(CANONICAL_EVENTS, encoding="utf-8")
    return [t, e]


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(POLICY, encoding="utf-8")
    return p


@pytest.fixture
def log(tmp_path: Path, exports: list[Path], capsys) -> Path:
    d = tmp_path / "log"
    invoke(["import", *exports, "--log", d], capsys)
    return d


def test_import_detects_canonical_files_and_is_idempotent(tmp_path, exports, capsys):
    d = tmp_path / "log"
    out, _ = invoke(["import", *exports, "--log", d], capsys)
    assert "tickets: 3 new, 0 updated; events: 8 new, 0 already in the log" in out
    out, _ = invoke(["import", *exports, "--log", d], capsys)
    assert "tickets: 0 new, 3 updated; events: 0 new, 8 already in the log" in out
    assert len(read_log(d).events) == 8


def test_metrics_json_has_contract_keys_and_equals_library(log, policy, capsys):
    out, _ = invoke(
        ["metrics", log, "--policy", policy, "--as-of", "2026-11-03T12:00:00Z", "--format", "json"],
        capsys,
    )
    data = json.loads(out)
    assert set(data["period"]) >= {"start", "end", "label", "timezone"}
    assert data["as_of"] == "2026-11-03T12:00:00Z"
    for name in (
        "on_time_share",
        "first_contact_resolution",
        "repeat_incident_rate",
        "reopen_rate",
        "waiting_on_customer",
    ):
        assert "value" in data["metrics"][name]
    for clock in ("first_response", "resolution"):
        assert set(data["clocks"][clock]) >= {
            "met",
            "breached",
            "running",
            "on_time_share",
            "p50_s",
            "p90_s",
            "p95_s",
        }
    lib = api.metrics(api.Query(sources=[log], policy=policy, as_of="2026-11-03T12:00:00Z"))
    assert data == lib.model_dump(mode="json")
    assert data["metrics"]["waiting_on_customer"]["value"] == 1
    assert data["metrics"]["repeat_incident_rate"]["numerator"] == 1


def test_tickets_csv_columns_and_formula_neutralized(log, policy, capsys):
    out, _ = invoke(
        ["tickets", log, "--policy", policy, "--as-of", "2026-11-03T12:00:00Z", "--format", "csv"],
        capsys,
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:11] == [
        "ticket_id",
        "clock",
        "priority",
        "kind",
        "started_at",
        "stopped_at",
        "target_s",
        "elapsed_s",
        "paused_s",
        "due_at",
        "outcome",
    ]
    t1 = {r["clock"]: r for r in rows if r["ticket_id"] == "T1"}
    assert t1["first_response"]["elapsed_s"] == "600.0"
    assert t1["first_response"]["outcome"] == "met"
    assert t1["resolution"]["stopped_at"] == "2026-11-02T11:00:00Z"
    assert t1["resolution"]["subject"].startswith("'=")


def test_tickets_outcome_filter_and_json(log, policy, capsys):
    query = ["tickets", log, "--policy", policy, "--as-of", "2026-11-03T12:00:00Z"]
    out, _ = invoke([*query, "--outcome", "running", "--format", "json"], capsys)
    rows = json.loads(out)
    assert {(r["ticket_id"], r["clock"]) for r in rows} == {
        ("T2", "resolution"),
        ("T3", "resolution"),
    }


def test_check_exit_codes(log, policy, tmp_path, capsys):
    out, _ = invoke(
        ["check", log, "--policy", policy, "--as-of", "2026-11-03T12:00:00Z"], capsys, 0
    )
    assert "all thresholds met" in out
    strict = tmp_path / "strict.yaml"
    strict.write_text(POLICY.replace("min: 0.5", "min: 0.99"), encoding="utf-8")
    late = ["--as-of", "2026-11-05T12:00:00Z"]  # T3's 24h resolution clock has breached by then
    out, _ = invoke(["check", log, "--policy", strict, *late], capsys, 1)
    assert "FAIL on_time_share: 0.8 (limit >= 0.99)" in out
    assert "1 threshold(s) missed" in out
    invoke(["check", log, "--policy", strict, *late, "--no-fail"], capsys, 0)
    invoke(["check", log, "--policy", policy, *late], capsys, 0)
    out, _ = invoke(["check", log, "--policy", strict, *late, "--format", "junit"], capsys, 1)
    assert (
        '<testsuites name="slametrics test contract all" tests="2" failures="1" skipped="0">' in out
    )
    out, _ = invoke(["check", log, "--policy", strict, *late, "--format", "github"], capsys, 1)
    assert out.startswith("::error title=SLA threshold missed::on_time_share: 0.8 (limit >= 0.99)")
    out, _ = invoke(["check", log, "--policy", strict, *late, "--format", "json"], capsys, 1)
    assert json.loads(out)["passed"] is False


def test_errors_exit_2_with_one_message(log, policy, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("timezone: Nowhere/Land\n", encoding="utf-8")
    _, err = invoke(["check", log, "--policy", bad], capsys, 2)
    assert "invalid policy" in err and "Nowhere/Land" in err and "Traceback" not in err
    _, err = invoke(["metrics", tmp_path / "missing.csv", "--policy", policy], capsys, 2)
    assert "file not found" in err
    _, err = invoke(
        ["import", tmp_path / "missing.csv", "--log", tmp_path / "l2", "--format", "nosuch"],
        capsys,
        2,
    )
    assert (
        "unknown format 'nosuch'; valid formats: csv, freshdesk, jira, servicenow, zendesk" in err
    )
    _, err = invoke(["metrics", log, "--policy", policy, "--period", "2026-W99"], capsys, 2)
    assert "invalid period" in err
    _, err = invoke(["metrics", log, "--policy", policy, "--as-of", "tomorrow"], capsys, 2)
    assert "invalid --as-of" in err


def test_source_as_export_files_on_the_fly(exports, policy, capsys):
    out, _ = invoke(
        [
            "metrics",
            *exports,
            "--policy",
            policy,
            "--as-of",
            "2026-11-03T12:00:00Z",
            "--format",
            "json",
        ],
        capsys,
    )
    assert json.loads(out)["metrics"]["created"]["value"] == 3


def test_strict_import_exits_1_and_writes_nothing(tmp_path, capsys):
    t = tmp_path / "tickets.csv"
    t.write_text("ticket_id,created_at\n1,2026-11-02T09:00:00Z\n2,not a date\n", encoding="utf-8")
    out, err = invoke(["import", t, "--log", tmp_path / "log", "--strict"], capsys, 1)
    assert not (tmp_path / "log" / "CURRENT").exists()
    # the summary on stdout; the rejected row and the --strict verdict on stderr
    assert "tickets:" in out and "unparseable-timestamp" not in out
    assert f"{t}:3 [created_at]: error unparseable-timestamp: " in err
    assert "--strict: 1 row(s) rejected; nothing was written" in err


def test_policy_commands_and_formats(capsys):
    out, _ = invoke(["policy", "validate", POLICIES / "ru-contract.yaml"], capsys)
    assert "valid" in out
    out, _ = invoke(["policy", "schema"], capsys)
    assert json.loads(out)["title"] == "slametrics SLA policy"
    out, _ = invoke(["formats"], capsys)
    assert out.startswith("csv")


def test_commands_are_listed_in_help_order():
    # the command modules register on import; this pins the order `slametrics --help` shows
    group = typer.main.get_command(app)
    order = "import metrics tickets check report audit explain signals sample formats policy mapping".split()
    assert list(group.commands) == order
    assert list(group.commands["policy"].commands) == ["validate", "schema"]


def test_console_script_no_traceback_and_debug(tmp_path):
    env = {**os.environ, "NO_COLOR": "1"}
    cli = [sys.executable, "-m", "slametrics"]
    bad = ["metrics", str(tmp_path / "x.csv"), "--policy", "p.yaml"]
    run = subprocess.run([*cli, *bad], capture_output=True, text=True, env=env)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    run = subprocess.run([*cli, "--debug", *bad], capture_output=True, text=True, env=env)
    assert run.returncode == 2 and "Traceback" in run.stderr
