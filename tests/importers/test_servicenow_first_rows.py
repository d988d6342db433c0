"""ServiceNow update log: the first row's priority and assignment (creation values) and the
ticket's latest known attributes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from conftest import invoke, run_importer
from slametrics.importers.servicenow import ServiceNowImporter

LOG = Path(__file__).resolve().parents[1] / "fixtures" / "servicenow" / "update_log_first_rows.csv"

POLICY = """\
version: 1
name: first rows
timezone: UTC
calendars: {always: 24x7}
target_priority: %s
targets:
  - {match: {priority: ["1 - Critical"]}, calendar: always, resolution: 1h}
  - {match: {}, calendar: always, resolution: 8h}
"""


@pytest.fixture(scope="module")
def result():
    return run_importer(ServiceNowImporter, LOG)


def changes(result, ticket: str) -> list[tuple[str, str, str]]:
    """(time, event, value) of a ticket's priority and assigned events, in order."""
    ev = result.events[
        (result.events["ticket_id"] == ticket)
        & result.events["event"].isin(["priority", "assigned"])
    ].sort_values(["at", "seq"])
    return [(a.strftime("%H:%M"), e, v) for a, e, v in ev[["at", "event", "value"]].values]


def test_the_priority_at_creation_is_an_event_at_creation(result):
    # row 1 (sys_mod_count 0) is the incident as created at opened_at 08:00 (saved 08:05):
    # 3 - Moderate then; raised to 1 - Critical at 09:00; assigned at 08:30 and 09:00
    assert changes(result, "INC0090001") == [
        ("08:00", "priority", "3 - Moderate"),
        ("08:30", "assigned", "Resolver 7"),
        ("09:00", "priority", "1 - Critical"),
        ("09:00", "assigned", "Resolver 9"),
    ]


def test_an_assignment_made_at_creation_is_an_assigned_event_at_creation(result):
    # as Zendesk's Create audit and every later change: the first line reached counts too
    assert changes(result, "INC0090002") == [
        ("09:00", "priority", "2 - High"),
        ("09:00", "assigned", "Resolver 9"),
    ]


def test_a_log_that_starts_after_the_creation_dates_its_values_at_its_first_row(result):
    # the first row given has sys_mod_count 3: what the incident was created with is unknown
    assert changes(result, "INC0090003") == [
        ("10:20", "priority", "4 - Low"),
        ("10:20", "assigned", "Resolver 7"),
    ]


def test_ticket_attributes_are_the_latest_known_values(result):
    t = result.tickets.set_index("ticket_id")
    # INC0090001's last two rows leave group and assignee empty (`?`): they stay as last known
    assert t.loc["INC0090001", ["priority", "group", "assignee"]].tolist() == [
        "1 - Critical",
        "Network",
        "Resolver 9",
    ]
    assert t.loc["INC0090002", ["priority", "group", "assignee"]].tolist() == [
        "2 - High",
        "Network",
        "Resolver 9",
    ]
    assert t.loc["INC0090001", "created_at"] == pd.Timestamp("2026-11-02 08:00", tz="UTC")


def clocks(tmp_path: Path, capsys, target_priority: str, as_of: str) -> dict[str, list[str]]:
    policy = tmp_path / f"{target_priority}.yaml"
    policy.write_text(POLICY % target_priority, encoding="utf-8")
    args = ["tickets", LOG, "--policy", policy, "--as-of", as_of, "--format", "csv"]
    out, _ = invoke(args, capsys)
    rows = csv.DictReader(io.StringIO(out))
    return {
        r["ticket_id"]: [r["priority"], r["target_s"], r["outcome"]]
        for r in rows
        if r["clock"] == "resolution"
    }


def test_target_by_the_priority_at_start(tmp_path, capsys):
    # opened 3 - Moderate (8h), raised to 1 - Critical at 09:00, resolved after 4h
    got = clocks(tmp_path, capsys, "at_start", "2026-11-03T00:00:00Z")
    assert got["INC0090001"] == ["3 - Moderate", "28800.0", "met"]
    # a log that starts late knows no priority at creation: the last one stands
    assert got["INC0090003"] == ["4 - Low", "28800.0", "met"]


def test_target_by_the_last_priority_known_at_as_of(tmp_path, capsys):
    before = clocks(tmp_path, capsys, "last", "2026-11-02T08:45:00Z")
    assert before["INC0090001"] == ["3 - Moderate", "28800.0", "running"]
    after = clocks(tmp_path, capsys, "last", "2026-11-03T00:00:00Z")
    assert after["INC0090001"] == ["1 - Critical", "3600.0", "breached"]
