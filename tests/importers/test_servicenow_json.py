"""ServiceNow JSON (JSONv2 records, Table API result) and raw-value CSV exports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from naive_notices import pop_naive

from conftest import run_importer
from slametrics.importers import detect_importer
from slametrics.importers.io import open_inputs
from slametrics.importers.servicenow import ServiceNowImporter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "servicenow"
COLUMNS = ["ticket_id", "created_at", "priority", "status", "status_class", "group", "resolved_at"]
PROBLEM = ["code", "line", "column", "value"]


def _tickets(result) -> list[list]:
    frame = result.tickets.sort_values("ticket_id")[COLUMNS]
    rows = frame.astype(object).values.tolist()
    return [
        [None if pd.isna(v) else getattr(v, "isoformat", lambda v=v: v)() for v in r] for r in rows
    ]


@pytest.mark.parametrize(
    "name", ["incident_jsonv2.json", "incident_table_api.json", "incident_raw_values.csv"]
)
def test_detected_without_options(name):
    assert detect_importer(open_inputs(FIXTURES / name)[0]) == "servicenow"


def test_jsonv2_display_values_and_utc_raw_times():
    result = run_importer(ServiceNowImporter, FIXTURES / "incident_jsonv2.json")
    assert _tickets(result) == [
        [
            "INC0050001",
            "2026-11-02T08:00:00+00:00",
            "1 - Critical",
            "Resolved",
            "resolved",
            "Network",
            "2026-11-02T10:30:00+00:00",
        ],
        [
            "INC0050002",
            "2026-11-03T14:10:00+00:00",
            "4 - Low",
            "On Hold",
            "waiting_customer",
            "Hardware",
            None,
        ],
        [
            "INC0050003",
            "2026-11-04T07:45:00+00:00",
            "3 - Moderate",
            "Closed",
            "closed",
            None,
            "2026-11-05T12:00:00+00:00",
        ],
    ]
    assert pop_naive(result.report) == ["UTC"]
    assert result.report.problems == []
    assert result.tickets.set_index("ticket_id").loc["INC0050001", "requester"] == "Fred Luddy"
    first_reply = result.tickets["first_response_at"]
    assert first_reply.isna().all()  # a list export knows no replies: never invented
    events = result.events[result.events["ticket_id"] == "INC0050003"]
    assert list(events["event"]) == ["created", "resolved", "closed"]


def test_table_api_display_value_pairs():
    result = run_importer(ServiceNowImporter, FIXTURES / "incident_table_api.json")
    assert _tickets(result) == [
        [
            "INC0050101",
            "2026-11-05T12:00:00+00:00",
            "2 - High",
            "In Progress",
            "open",
            "Service Desk",
            None,
        ],
        [
            "INC0050102",
            "2026-11-06T09:00:00+00:00",
            "5 - Planning",
            "Canceled",
            "canceled",
            None,
            None,
        ],
    ]


def test_raw_value_csv_maps_choices_to_display_values():
    result = run_importer(ServiceNowImporter, FIXTURES / "incident_raw_values.csv")
    got = result.tickets.sort_values("ticket_id")
    assert list(got["priority"]) == ["2 - High", "3 - Moderate", "1 - Critical", "5 - Planning"]
    assert list(got["status"]) == ["Resolved", "On Hold", "Closed", "New"]
    assert list(got["status_class"]) == ["resolved", "waiting_customer", "closed", "new"]
    assert pop_naive(result.report) == ["UTC"]
    assert result.report.problems == []


def test_broken_records_are_problems(tmp_path):
    doc = json.loads((FIXTURES / "incident_jsonv2.json").read_text())
    records = doc["records"]
    records[0]["opened_at"] = "yesterday-ish"
    records[1]["number"] = ""
    records.append("not a record")
    records.append({**records[2], "resolved_at": "2026-11-01 00:00:00"})
    records[4]["number"] = "INC0050004"
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(doc))
    result = run_importer(ServiceNowImporter, path)
    assert pop_naive(result.report) == ["UTC"]
    got = [p[:3] for p in result.report.flatten(PROBLEM)]
    assert got == [
        ["malformed-json", 4, None],
        ["unparseable-timestamp", 1, "opened_at"],
        ["missing-value", 2, "number"],
        ["resolved-before-created", 5, "resolved_at"],
    ]
    report = result.report
    assert (report.rows_read, report.rows_imported, report.rows_rejected) == (5, 2, 3)
    assert sorted(result.tickets["ticket_id"]) == ["INC0050003", "INC0050004"]
    kept = result.tickets.set_index("ticket_id")
    assert pd.isna(kept.loc["INC0050004", "resolved_at"])


def test_ndjson_records_keep_their_lines(tmp_path):
    records = json.loads((FIXTURES / "incident_jsonv2.json").read_text())["records"]
    lines = [json.dumps(r) for r in records]
    lines.insert(1, "{broken")
    path = tmp_path / "incidents.ndjson"
    path.write_text("\n".join(lines) + "\n")
    assert detect_importer(open_inputs(path)[0]) == "servicenow"
    result = run_importer(ServiceNowImporter, path)
    assert pop_naive(result.report) == ["UTC"]
    assert [p[:2] for p in result.report.flatten(PROBLEM)] == [["malformed-json", 2]]
    assert len(result.tickets) == 3


def test_csv_with_display_value_columns_prefers_them(tmp_path):
    path = tmp_path / "incident.csv"
    path.write_text(
        "number,opened_at,priority,dv_priority,state,dv_state,assignment_group,dv_assignment_group\n"
        "INC1,2026-11-02 10:00:00,2,2 - High,6,Resolved,287ebd7da9fe198100f92cc8d1d2154e,Network\n"
        "INC2,2026-11-02 11:00:00,3,,2,,8a5055c9c61122780043563ef53438e3,\n"
    )
    assert detect_importer(open_inputs(path)[0]) == "servicenow"
    got = run_importer(ServiceNowImporter, path).tickets.sort_values("ticket_id")
    assert list(got["priority"]) == ["2 - High", "3 - Moderate"]
    assert list(got["status_class"]) == ["resolved", "open"]
    # an empty display value leaves the raw one (a sys_id is still better than nothing)
    assert list(got["group"]) == ["Network", "8a5055c9c61122780043563ef53438e3"]
