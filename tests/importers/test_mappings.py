"""Mapping files: activity effects, reopen rules, combined and constant columns, offsets, JSON
sources, validation, and header/status translations for vendor importers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from naive_notices import pop_naive

from conftest import ROOT
from slametrics.api import read_exports
from slametrics.errors import UserError
from slametrics.importers.options import load_mapping
from slametrics.mapping_schema import mapping_json_schema

LOG = """case,when,activity,team
A,2026-01-05 09:00,Open,T1
A,2026-01-05 10:00,Assignment,T2
A,2026-01-05 11:00,Mail to Customer,T2
A,2026-01-05 12:00,Update from customer,T2
A,2026-01-05 13:00,Closed,T2
A,2026-01-05 14:00,Operator Update,T2
A,2026-01-05 15:00,Reopen,T2
A,2026-01-05 16:00,Closed,T2
B,2026-01-06 09:00,Open,T1
B,2026-01-06 10:00,Closed,T1
B,2026-01-06 11:00,Update from customer,T1
"""

EFFECTS = """layout: events
timezone: UTC
columns: {ticket_id: case, at: when, group: team}
event_mapping:
  columns: {event: activity}
  events:
    Open: {event: status, status: open}
    Assignment: {event: assigned, value_from: team}
    Mail to Customer: [agent_reply, {event: status, status: waiting_customer}]
    Update from customer: [customer_reply, {event: status, status: open}]
    Closed: closed
    Reopen: reopened
"""


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def read(tmp: Path, data: str, mapping: str, name: str = "log.csv"):
    return read_exports([write(tmp, name, data)], mapping=write(tmp, "m.yaml", mapping))


def test_activity_effects_and_unlisted_activities_as_notes(tmp_path: Path) -> None:
    t, e, s = read(tmp_path, LOG, EFFECTS)
    a = e[e["ticket_id"] == "A"]
    assert a["event"].tolist() == [
        "created",
        "status",
        "assigned",
        "agent_reply",
        "status",
        "customer_reply",
        "status",
        "closed",
        "note",
        "reopened",
        "closed",
    ]
    assert a.loc[a["event"] == "assigned", "value"].tolist() == ["T2"]  # from the team column
    assert a.loc[a["event"] == "note", "value"].tolist() == ["Operator Update"]
    assert a["status_class"].tolist()[4] == "waiting_customer"
    assert pd.isna(a["status_class"].tolist()[8])  # a note changes no status
    tickets = t.set_index("ticket_id")
    # A: one explicit reopen; B: a customer update after closing reopens (reopen_on: status)
    assert tickets["reopens"].to_dict() == {"A": 1, "B": 1}
    assert tickets.loc["A", "first_response_at"] == pd.Timestamp("2026-01-05 11:00", tz="UTC")
    assert tickets.loc["A", "group"] == "T2" and tickets.loc["B", "status_class"] == "open"
    assert pop_naive(s) == ["UTC"]
    assert not s.problems  # no unknown-status warning for notes, replies or assignments


def test_reopen_on_explicit_activities_only(tmp_path: Path) -> None:
    mapping = EFFECTS + "  reopen_on: [Reopen]\n"
    t, e, _ = read(tmp_path, LOG, mapping)
    tickets = t.set_index("ticket_id")
    # B's customer update after closing is kept as a reply, its status change a note
    assert tickets["reopens"].to_dict() == {"A": 1, "B": 0}
    assert tickets.loc["B", "status_class"] == "closed"
    b = e[e["ticket_id"] == "B"]
    assert b["event"].tolist() == ["created", "status", "closed", "customer_reply", "note"]


def test_reopen_on_repeated_resolution(tmp_path: Path) -> None:
    data = """id,at,status
X,2026-01-05 09:00,Active
X,2026-01-05 10:00,Done
X,2026-01-05 11:00,Active
X,2026-01-05 12:00,Done
X,2026-01-05 13:00,Active
Y,2026-01-05 09:00,Active
Y,2026-01-05 10:00,Done
Y,2026-01-05 11:00,Active
"""
    mapping = """layout: events
columns: {ticket_id: id, at: at, status: status}
statuses: {Active: open, Done: resolved}
event_mapping: {reopen_on: repeated_resolution}
"""
    t, e, _ = read(tmp_path, data, mapping)
    tickets = t.set_index("ticket_id")
    # X: the move at 11:00 is followed by a resolution (a reopen), the one at 13:00 is not
    assert tickets["reopens"].to_dict() == {"X": 1, "Y": 0}
    assert tickets["status_class"].to_dict() == {"X": "resolved", "Y": "resolved"}
    plain = read(tmp_path, data, mapping.replace("repeated_resolution", "status"))[0]
    assert plain.set_index("ticket_id")["reopens"].to_dict() == {"X": 2, "Y": 1}


def test_default_event_status_keeps_the_old_reading_with_warnings(tmp_path: Path) -> None:
    mapping = EFFECTS.replace("  events:", "  default_event: status\n  events:")
    t, e, s = read(tmp_path, LOG, mapping)
    # `Operator Update` is now a status (unknown -> open): A counts as reopened from 14:00, an
    # hour before its explicit Reopen
    a = e[(e["ticket_id"] == "A") & (e["at"] == pd.Timestamp("2026-01-05 14:00", tz="UTC"))]
    assert a[["event", "status_class"]].values.tolist() == [["status", "open"]]
    assert t.set_index("ticket_id")["reopens"].to_dict() == {"A": 1, "B": 1}
    assert pop_naive(s) == ["UTC"]
    unknown = [(p.code, p.value, p.line) for p in s.problems]
    assert unknown == [("unknown-status", "Operator Update", 7)]


def test_events_layout_without_activity_entries(tmp_path: Path) -> None:
    no_activity = "layout: events\ncolumns: {ticket_id: case, at: when}\n"
    with pytest.raises(UserError, match="needs the activity column"):
        read(tmp_path, LOG, no_activity)
    only_column = no_activity + "event_mapping: {columns: {event: activity}}\n"
    t, e, s = read(tmp_path, LOG, only_column)
    assert pop_naive(s) == ["UTC"]
    assert len(t) == 2 and not s.problems
    assert set(e["event"]) == {"created", "note"}  # every activity a note: no status history


def test_combined_and_constant_columns_with_offsets_ignored(tmp_path: Path) -> None:
    data = """Id,Opened,State,Sub state
1,2026-03-02T09:00:00+00:00,Accepted,Wait - User
2,2026-03-02T10:30:00.000+00:00,Completed,Resolved
"""
    mapping = """timezone: Europe/Amsterdam
ignore_offsets: true
columns: {ticket_id: Id, created_at: Opened, status: [State, Sub state]}
separator: " / "
constants: {channel: phone, priority: P3}
statuses: {"Accepted / Wait - User": waiting_customer, "Completed / Resolved": resolved}
"""
    t, _, s = read(tmp_path, data, mapping)
    t = t.set_index("ticket_id")
    assert t["status"].tolist() == ["Accepted / Wait - User", "Completed / Resolved"]
    assert t["status_class"].tolist() == ["waiting_customer", "resolved"]
    assert t["channel"].tolist() == ["phone", "phone"] and t["priority"].tolist() == ["P3"] * 2
    # 09:00 Amsterdam wall clock (CET) is 08:00 UTC: the written +00:00 was not used
    assert t.loc["1", "created_at"] == pd.Timestamp("2026-03-02 08:00", tz="UTC")
    assert t.loc["2", "created_at"] == pd.Timestamp("2026-03-02 09:30", tz="UTC")
    assert pop_naive(s) == ["Europe/Amsterdam"]
    assert not s.problems


def test_json_document_and_ndjson_sources(tmp_path: Path) -> None:
    records = [
        {"id": 7, "opened": "2026-01-02 08:00", "state": "Open", "who": {"team": "L1"}},
        {"id": 8, "opened": "2026-01-03 08:00", "state": "Closed", "who": {"team": "L2"}},
    ]
    mapping = """columns: {ticket_id: id, created_at: opened, status: state, group: who.team}
statuses: {Open: open, Closed: closed}
"""
    doc = json.dumps({"meta": {"count": 2}, "records": records})
    t, _, s = read(tmp_path, doc, mapping, name="cases.json")
    assert t["ticket_id"].tolist() == ["7", "8"] and t["group"].tolist() == ["L1", "L2"]
    lines = json.dumps(records[0]) + "\n{broken\n" + json.dumps(records[1]) + "\n"
    t, _, s = read(tmp_path, lines, mapping, name="cases.ndjson")
    g = s.groups[0]
    assert (g.rows_read, g.rows_imported, g.rows_rejected) == (3, 2, 1)
    assert pop_naive(s) == ["UTC"]
    assert [(p.code, p.line) for p in s.problems] == [("malformed-json", 2)]
    assert t["status_class"].tolist() == ["open", "closed"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("event_mapping: {events: {Mail: reply}}\n", "unknown event type 'reply'"),
        ("statuses: {Done: finished}\n", "unknown status class"),
        ("columns: {ticket: Id}\n", "unknown canonical field"),
        ("event_mapping: {events: {A: {event: note, value: x, value_from: y}}}\n", "not both"),
        ("event_mapping: {events: {A: {event: note, status: open}}}\n", "status-changing"),
        ("event_mapping: {reopen_on: sometimes}\n", "reopen_on"),
        ("constants: {colour: red}\n", "unknown canonical field"),
    ],
)
def test_invalid_mappings_are_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        load_mapping(write(tmp_path, "m.yaml", text))


def test_shipped_mappings_are_valid_and_the_schema_names_their_keys() -> None:
    schema = mapping_json_schema()
    for path in sorted((ROOT / "mappings").glob("*.yaml")):
        mapping = load_mapping(path)
        assert set(mapping.model_fields_set) <= set(schema["properties"])
    assert {"headers", "constants", "ignore_offsets", "event_mapping"} <= set(schema["properties"])


def test_headers_and_statuses_apply_to_a_vendor_importer(tmp_path: Path) -> None:
    english = (ROOT / "sample_data" / "freshdesk" / "tickets_export.csv").read_text("utf-8")
    header, rest = english.split("\n", 1)
    polish = {
        "Ticket ID": "Identyfikator zgłoszenia",
        "Created time": "Czas utworzenia",
        "Status": "Stan",
        "Resolved time": "Czas rozwiązania",
    }
    cells = header.split(",")
    header = ",".join(polish.get(c, c) for c in cells)
    rest = rest.replace(",Closed,", ",Zamknięte,")
    export = write(tmp_path, "zgloszenia.csv", header + "\n" + rest)
    mapping = "headers:\n" + "".join(f"  {pl}: {en}\n" for en, pl in polish.items())
    mapping += "statuses: {Zamknięte: closed}\n"
    m = write(tmp_path, "pl.yaml", mapping)
    t, _, s = read_exports([export], format="freshdesk", mapping=m)
    base, _, _ = read_exports([ROOT / "sample_data" / "freshdesk" / "tickets_export.csv"])
    cols = ["ticket_id", "created_at", "resolved_at", "status_class"]
    pd.testing.assert_frame_equal(t[cols], base[cols])
    assert not [p for p in s.problems if p.code == "unknown-status"]


def test_the_reference_page_documents_every_key() -> None:
    page = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
    schema = mapping_json_schema()
    keys = [*schema["properties"], *schema["$defs"]["EventMapping"]["properties"]]
    keys += list(schema["$defs"]["Effect"]["properties"])
    assert [k for k in keys if f"`{k}`" not in page] == []
    for path in sorted((ROOT / "mappings").glob("*.yaml")):
        assert f"mappings/{path.name}" in page
