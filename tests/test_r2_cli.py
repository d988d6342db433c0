"""r2 on the command line: gate states and exit codes, stale data, relative periods, warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slametrics.cli import main

POLICY = """
version: 1
name: gate test
timezone: Europe/Moscow
calendars: {always: 24x7}
targets:
  - {match: {priority: [urgent]}, calendar: always, first_response: 15m, resolution: 4h}
  - {match: {priority: [normal]}, calendar: always, first_response: 1h, resolution: 8h}
thresholds:
"""
TICKETS = """ticket_id,created_at,priority,status
T1,2026-11-10T07:00:00Z,normal,resolved
T2,2026-11-10T08:00:00Z,normal,resolved
T3,2026-11-11T08:00:00Z,low,open
"""
EVENTS = """ticket_id,at,event,value,actor,public
T1,2026-11-10T07:30:00Z,agent_reply,,agent,
T1,2026-11-10T09:00:00Z,resolved,resolved,agent,
T2,2026-11-10T10:00:00Z,agent_reply,,agent,
T2,2026-11-10T12:00:00Z,resolved,resolved,agent,
"""


def _write(tmp: Path, thresholds: str, tickets: str = TICKETS, events: str = EVENTS) -> tuple:
    (tmp / "tickets.csv").write_text(tickets, encoding="utf-8")
    (tmp / "events.csv").write_text(events, encoding="utf-8")
    (tmp / "policy.yaml").write_text(POLICY + thresholds, encoding="utf-8")
    return str(tmp / "tickets.csv"), str(tmp / "events.csv"), str(tmp / "policy.yaml")


def _check(tmp: Path, thresholds: str, *extra: str, capsys) -> tuple[int, dict, str]:
    t, e, p = _write(tmp, thresholds)
    rc = main(["check", t, e, "--policy", p, "--period", "2026-W46", "--format", "json", *extra])
    captured = capsys.readouterr()
    doc = json.loads(captured.out) if captured.out.strip() else {}
    return rc, doc, captured.err


def test_check_pass_and_fail(tmp_path, capsys) -> None:
    # first response: T1 met (30m), T2 breached (2h > 1h); resolution: T1 met, T2 met
    rc, doc, _ = _check(tmp_path, "  - {metric: on_time_share, min: 0.7}\n", capsys=capsys)
    assert rc == 0 and doc["thresholds"][0]["state"] == "pass"
    assert doc["thresholds"][0]["value"] == pytest.approx(3 / 4)
    rc, doc, _ = _check(tmp_path, "  - {metric: on_time_share, min: 0.8}\n", capsys=capsys)
    assert rc == 1 and doc["thresholds"][0]["state"] == "fail"


def test_no_tickets_passes_and_says_so(tmp_path, capsys) -> None:
    urgent = "  - {metric: on_time_share, clock: resolution, priority: urgent, min: 0.99}\n"
    rc, doc, _ = _check(tmp_path, urgent, capsys=capsys)
    th = doc["thresholds"][0]
    assert rc == 0
    assert (th["state"], th["value"], th["reason"]) == ("no tickets", None, "no tickets")
    assert doc["passed"] is True


def test_not_judgeable_fails_unless_allowed(tmp_path, capsys) -> None:
    # T3 (priority low) matches no target rule: tickets exist, none can be judged
    low = "  - {metric: on_time_share, priority: low, min: 0.9}\n"
    rc, doc, _ = _check(tmp_path, low, capsys=capsys)
    th = doc["thresholds"][0]
    assert rc == 1
    assert (th["state"], th["reason"]) == ("not judgeable", "no target")
    assert doc["untargeted"] == {"first_response": 1, "resolution": 1}
    rc, doc, _ = _check(tmp_path, low, "--allow-unjudged", capsys=capsys)
    assert rc == 0 and doc["thresholds"][0]["state"] == "not judgeable"


def test_every_format_prints_freshness_and_untargeted(tmp_path, capsys) -> None:
    t, e, p = _write(tmp_path, "  - {metric: on_time_share, min: 0.5}\n")
    for fmt in ("text", "junit", "github"):
        main(["check", t, e, "--policy", p, "--period", "2026-W46", "--format", fmt])
        out = capsys.readouterr().out
        assert "2026-11-11T08:00:00Z" in out, fmt  # data_until: the latest instant
        assert "untargeted" in out, fmt


def test_policy_without_thresholds_is_a_usage_error(tmp_path, capsys) -> None:
    t, e, p = _write(tmp_path, " []\n")
    rc = main(["check", t, e, "--policy", p, "--period", "2026-W46"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "no thresholds" in err and "Traceback" not in err


def test_data_that_ends_before_the_period_is_exit_2(tmp_path, capsys) -> None:
    t, e, p = _write(tmp_path, "  - {metric: on_time_share, min: 0.5}\n")
    rc = main(["check", t, e, "--policy", p, "--period", "2026-W48"])
    err = capsys.readouterr().err
    assert rc == 2
    # both dates: where the data ends and where the period starts (Moscow midnight)
    assert "2026-11-11T08:00:00Z" in err and "2026-11-22T21:00:00Z" in err


def test_relative_period_counts_from_as_of_and_naive_as_of_is_local(tmp_path, capsys) -> None:
    t, e, p = _write(tmp_path, "  - {metric: on_time_share, min: 0.5}\n")
    # naive: Moscow wall time 2026-11-18 00:30 = 2026-11-17T21:30Z, a Wednesday of W47
    rc = main(["metrics", t, e, "--policy", p, "--period", "last-week", "--as-of",
               "2026-11-18T00:30", "--format", "json"])  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert doc["period"]["label"] == "2026-W46"
    rc = main(["metrics", t, e, "--policy", p, "--period", "this-week", "--as-of",
               "2026-11-16T00:30", "--format", "json"])  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert doc["period"]["label"] == "2026-W47"  # Monday 00:30 Moscow is still Sunday in UTC


def test_future_timestamp_is_a_warning_and_never_the_default_as_of(tmp_path, capsys) -> None:
    tickets = TICKETS + "T4,2099-01-01T00:00:00Z,normal,open\n"
    t, e, p = _write(tmp_path, "  - {metric: on_time_share, min: 0.5}\n", tickets=tickets)
    log = tmp_path / "log"
    assert main(["import", t, e, "--log", str(log)]) == 0
    captured = capsys.readouterr()  # problems go to stderr, the summary to stdout
    assert "future-timestamp" in captured.err and "T4" in captured.err
    assert "future-timestamp" not in captured.out
    assert main(["metrics", str(log), "--policy", p, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["data_until"] == "2026-11-11T08:00:00Z"
    assert doc["as_of"].startswith("2026-11-11T08:00:00")


def test_reply_before_creation_is_reported(tmp_path, capsys) -> None:
    events = EVENTS + "T3,2026-11-11T07:00:00Z,agent_reply,,agent,true\n"
    t, e, p = _write(tmp_path, "  - {metric: on_time_share, min: 0.5}\n", events=events)
    assert main(["import", t, e, "--log", str(tmp_path / "log")]) == 0
    captured = capsys.readouterr()  # problems go to stderr, the summary to stdout
    assert "reply-before-created" in captured.err and "T3" in captured.err
    assert "reply-before-created" not in captured.out


def test_tickets_csv_has_decided_at_and_metrics_json_the_r2_keys(tmp_path, capsys) -> None:
    t, e, p = _write(tmp_path, "  - {metric: on_time_share, min: 0.5}\n")
    assert main(["tickets", t, e, "--policy", p, "--period", "2026-W46", "--format", "csv"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert "decided_at" in header.split(",")
    assert any(r.startswith("T2,first_response,") and ",breached," in r for r in rows)
    assert main(["metrics", t, e, "--policy", p, "--period", "2026-W46", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["data_until"] == "2026-11-11T08:00:00Z"
    for key in ("met", "breached", "running", "unknown", "canceled", "untargeted", "backlog"):
        assert isinstance(doc["clocks"]["first_response"][key], int), key
    assert doc["metrics"]["created"]["value"] == 3 and "reason" in doc["metrics"]["created"]
