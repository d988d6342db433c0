"""Tests of the Freshdesk importer: CSV export (EN/ES/RU), API JSON, broken inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from naive_notices import pop_naive

from conftest import run_importer
from slametrics.errors import UserError
from slametrics.importers import detect_importer, get_importer
from slametrics.importers.base import ImportOptions
from slametrics.importers.freshdesk import FreshdeskImporter
from slametrics.importers.io import InputFile, open_inputs
from slametrics.schema import validate_events, validate_tickets

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data" / "freshdesk"
FIXTURES = ROOT / "tests" / "fixtures" / "freshdesk"
CSV_SAMPLE = SAMPLES / "tickets_export.csv"
JSON_SAMPLE = SAMPLES / "tickets_api.json"
PROBLEM = ["code", "line", "column", "value"]


def load(*paths, **options):
    return run_importer(FreshdeskImporter, *paths, **options)


def ts(value: str) -> pd.Timestamp:
    return pd.Timestamp(value, tz="UTC")


def variant(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def by_id(result) -> pd.DataFrame:
    return result.tickets.set_index("ticket_id")


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        CSV_SAMPLE,
        JSON_SAMPLE,
        FIXTURES / "tickets_es.csv",
        FIXTURES / "tickets_ru_cp1251.csv",
        FIXTURES / "tickets_api.ndjson",
    ],
)
def test_detects_freshdesk_exports(path):
    (f,) = open_inputs(path)
    assert detect_importer(f) == "freshdesk"
    assert get_importer("freshdesk") is FreshdeskImporter


def test_does_not_claim_the_canonical_csv_and_vice_versa():
    canonical = InputFile("tickets.csv", b"ticket_id,created_at,status\n1,2026-11-02 09:00,open\n")
    assert FreshdeskImporter.detect(canonical) == 0
    assert detect_importer(canonical) == "csv"
    (sample,) = open_inputs(CSV_SAMPLE)
    assert get_importer("csv").detect(sample) == 0


def test_a_bare_ticket_id_and_created_time_csv_is_not_claimed():
    f = InputFile("x.csv", b"Ticket ID,Created time,Subject\n1,2026-11-02 09:00:00,Hi\n")
    assert FreshdeskImporter.detect(f) == 0


# --- the CSV sample --------------------------------------------------------------------------


def test_csv_sample_counts_classes_and_verdicts():
    r = load(CSV_SAMPLE)
    t = r.tickets
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (30, 30, 0)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.problems == []
    assert t["ticket_id"].is_unique and len(t) == 30
    assert set(t["source"]) == {"freshdesk"} and set(t["fidelity"]) == {"snapshot"}
    assert t["status_class"].value_counts().to_dict() == {
        "closed": 12,
        "resolved": 8,
        "open": 4,
        "waiting_customer": 5,
        "waiting_third_party": 1,
    }
    assert t["vendor_resolution_met"].value_counts(dropna=False).to_dict() == {
        True: 11,
        False: 9,
        pd.NA: 10,
    }
    assert t["vendor_first_response_met"].value_counts(dropna=False).to_dict() == {
        True: 19,
        False: 9,
        pd.NA: 2,
    }
    # every unresolved ticket lacks a resolution verdict, as Freshdesk leaves it blank
    unresolved = ~t["status_class"].isin(["resolved", "closed"])
    assert t.loc[unresolved, "vendor_resolution_met"].isna().all()


def test_csv_sample_ticket_1001_by_hand():
    t = by_id(load(CSV_SAMPLE)).loc["1001"]
    assert (t["status"], t["status_class"], t["priority"], t["channel"], t["type"]) == (
        "Closed",
        "closed",
        "Low",
        "Email",
        "Incident",
    )
    assert (t["assignee"], t["group"], t["requester"], t["organization"], t["service"]) == (
        "Olga Kuznetsova",
        "L1 Support",
        "Jenny Walsh",
        "Northwind Traders",
        "Network",
    )
    assert t["created_at"] == ts("2026-11-02 08:06:56")
    assert t["first_response_at"] == ts("2026-11-02 10:36:33")
    assert t["resolved_at"] == ts("2026-11-03 12:00:01")
    assert t["closed_at"] == ts("2026-11-05 12:00:16")
    assert t["due_at"] == ts("2026-11-06 13:00:00")
    # "Due by Time" is the resolution SLA's due time; the export has no first-response due
    assert t["vendor_resolution_due_at"] == ts("2026-11-06 13:00:00")
    assert pd.isna(t.get("vendor_first_response_due_at"))
    assert t["updated_at"] == ts("2026-11-05 12:00:16")
    assert t["agent_replies"] == 3
    assert t["time_spent_s"] == 1 * 3600 + 54 * 60
    assert bool(t["vendor_first_response_met"]) and bool(t["vendor_resolution_met"])
    assert list(t["tags"]) == ["vpn", "network"]
    extra = dict(t["extra"])
    assert extra["first_response_business_s"] == str(1 * 3600 + 36 * 60 + 33)
    assert extra["resolution_business_s"] == str(12 * 3600 + 1)
    assert extra["Customer interactions"] == "1"
    assert extra["Description"].startswith("Hi,\nour VPN client")


def test_csv_sample_waiting_and_violated_tickets_by_hand():
    t = by_id(load(CSV_SAMPLE))
    waiting = t.loc["1013"]
    assert (waiting["status"], waiting["status_class"]) == (
        "Waiting on Customer",
        "waiting_customer",
    )
    assert pd.isna(waiting["resolved_at"]) and pd.isna(waiting["vendor_resolution_met"])
    assert bool(waiting["vendor_first_response_met"])
    assert t.loc["1015", "status_class"] == "waiting_third_party"
    late = t.loc["1028"]
    assert (
        late["resolved_at"]
        == ts("2026-11-11 09:27:53")
        > late["due_at"]
        == ts("2026-11-10 17:15:12")
    )
    assert late["vendor_resolution_met"] is False or not late["vendor_resolution_met"]
    assert bool(late["vendor_first_response_met"])


def test_csv_sample_snapshot_events():
    ev = load(CSV_SAMPLE).events
    assert ev.groupby("event").size().to_dict() == {
        "agent_reply": 28,
        "closed": 12,
        "created": 30,
        "resolved": 20,
        "status": 10,
    }
    waiting = ev[(ev["ticket_id"] == "1013") & (ev["event"] == "status")]
    assert waiting[["at", "value", "status_class"]].values.tolist() == [
        [ts("2026-11-06 20:24:36"), "Waiting on Customer", "waiting_customer"]
    ]


def test_naive_times_are_read_in_the_given_timezone():
    t = by_id(load(CSV_SAMPLE, tz="Europe/Moscow")).loc["1001"]
    assert t["created_at"] == ts("2026-11-02 05:06:56")


# --- localized exports -----------------------------------------------------------------------


def test_spanish_export():
    r = load(FIXTURES / "tickets_es.csv")
    t = by_id(r)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.problems == []
    assert t["status_class"].to_dict() == {
        "501": "closed",
        "502": "waiting_customer",
        "503": "open",
        "504": "resolved",
    }
    assert t["vendor_resolution_met"].tolist() == [True, pd.NA, pd.NA, False]
    assert t["vendor_first_response_met"].tolist() == [True, False, pd.NA, True]
    assert t.loc["501", "created_at"] == ts("2026-11-02 09:10:00")
    assert t.loc["501", "due_at"] == ts("2026-11-02 17:10:00")
    assert list(t.loc["501", "tags"]) == ["facturación", "urgente"]
    assert t.loc["501", "organization"] == "Ferretería López"


def test_russian_cp1251_semicolon_export():
    r = load(FIXTURES / "tickets_ru_cp1251.csv")
    t = by_id(r)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM + ["severity"]) == [
        ["encoding-guessed", 1, None, "cp1251", "warning"]
    ]
    assert t["status_class"].to_dict() == {
        "701": "closed",
        "702": "waiting_customer",
        "703": "open",
    }
    # dd.mm.yyyy: 02.11.2026 is the 2nd of November, not February 11
    assert t.loc["701", "created_at"] == ts("2026-11-02 09:10:00")
    assert t.loc["701", "subject"] == "Не приходят письма"
    assert t.loc["701", "organization"] == 'ООО "Ромашка"'
    assert t["vendor_first_response_met"].tolist() == [True, False, pd.NA]


# --- API JSON --------------------------------------------------------------------------------


def test_json_sample():
    r = load(JSON_SAMPLE)
    t = by_id(r)
    assert (r.report.rows_read, r.report.rows_imported, r.report.problems) == (20, 20, [])
    assert t["status"].value_counts().to_dict() == {
        "Closed": 6,
        "Resolved": 6,
        "Open": 3,
        "Pending": 2,
        "Waiting on Customer": 2,
        "Waiting on Third Party": 1,
    }
    assert t.loc["1041", "status_class"] == "waiting_third_party"
    assert t.loc["1040", "status_class"] == "waiting_customer"
    one = t.loc["1031"]
    assert (one["priority"], one["channel"], one["requester"], one["group"]) == (
        "Medium",
        "Email",
        "48000100",
        "43000001",
    )
    assert one["created_at"] == ts("2026-11-16 08:30:39")
    assert one["first_response_at"] == ts("2026-11-16 10:12:00")
    assert one["due_at"] == ts("2026-11-18 15:00:00")
    # the API's own SLA due times: fr_due_by (first response) and due_by (resolution)
    assert one["vendor_first_response_due_at"] == ts("2026-11-16 13:00:00")
    assert one["vendor_resolution_due_at"] == ts("2026-11-18 15:00:00")
    assert dict(one["extra"])["custom_fields.cf_contract"] == "ACME-2026"
    # verdicts as Freshdesk computes them: resolved_at < due_by, first response < fr_due_by
    assert bool(one["vendor_resolution_met"]) and bool(one["vendor_first_response_met"])
    assert t.loc["1041", "vendor_first_response_met"] == False  # noqa: E712 (fr_escalated one)
    assert pd.isna(t.loc["1041", "vendor_resolution_met"])


def test_json_reopened_ticket_counts_one_reopen():
    t = by_id(load(JSON_SAMPLE))
    assert t.loc["1043", "reopens"] == 1
    assert t["reopens"].sum() == 1


def test_json_conversations_become_reply_events():
    r = load(JSON_SAMPLE)
    ev = r.events[r.events["ticket_id"] == "1031"].sort_values(["at", "seq"])
    assert ev[["event", "actor", "public"]].values.tolist() == [
        ["created", "system", False],
        ["note", "agent", False],
        ["agent_reply", "agent", True],
        ["customer_reply", "customer", True],
        ["agent_reply", "agent", True],
        ["resolved", "agent", False],
        ["closed", "agent", False],
    ]
    assert by_id(r).loc["1031", "agent_replies"] == 2


def test_ndjson_with_broken_records():
    r = load(FIXTURES / "tickets_api.ndjson")
    assert sorted(r.report.flatten(PROBLEM + ["severity"]), key=lambda p: p[1]) == [
        ["malformed-json", 3, None, '{"id": 803, "subject": "broken line follows",', "error"],
        ["unknown-status", 4, "status", "12", "warning"],
        ["unparseable-timestamp", 5, "created_at", "last tuesday", "error"],
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (5, 3, 2)
    t = by_id(r)
    assert t.loc["801", "requester"] == "Jenny Walsh"
    assert t.loc["804", "status_class"] == "open"
    # the current wait starts at pending_since, while updated_at stays the ticket's last change
    ev = r.events[(r.events["ticket_id"] == "802") & (r.events["event"] == "status")]
    assert ev[["at", "status_class"]].values.tolist() == [
        [ts("2026-11-03 15:30:00"), "waiting_third_party"]
    ]
    assert t.loc["802", "updated_at"] == ts("2026-11-03 16:00:00")


def test_json_without_created_at_names_the_key(tmp_path):
    path = variant(tmp_path, json.dumps([{"id": 1, "status": 2}]), "t.json")
    with pytest.raises(UserError, match=r"'created_at'.*keys found: id, status"):
        load(path)


# --- broken CSV variants ---------------------------------------------------------------------


def test_missing_column_names_it_and_the_columns_found(tmp_path):
    text = CSV_SAMPLE.read_text(encoding="utf-8").replace("Created time", "Creation", 1)
    with pytest.raises(UserError) as err:
        load(variant(tmp_path, text))
    msg = str(err.value)
    assert "'Created time'" in msg and "columns found: 'Ticket ID', 'Subject'" in msg
    assert "'Creation'" in msg


def test_bad_timestamp_rejects_the_row_with_its_line(tmp_path):
    text = CSV_SAMPLE.read_text(encoding="utf-8").replace("2026-11-02 22:54:56", "yesterday")
    r = load(variant(tmp_path, text))
    # ticket 1003 is on line 6: ticket 1001's description spans lines 2-4
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM) == [["unparseable-timestamp", 6, "Created time", "yesterday"]]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (30, 29, 1)
    assert "1003" not in set(r.tickets["ticket_id"])


def test_bad_optional_timestamp_keeps_the_row(tmp_path):
    text = CSV_SAMPLE.read_text(encoding="utf-8").replace("2026-11-03 16:12:18,,", "31/31/31,,")
    r = load(variant(tmp_path, text))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM) == [["unparseable-timestamp", 6, "Resolved time", "31/31/31"]]
    assert r.report.rows_imported == 30
    assert pd.isna(by_id(r).loc["1003", "resolved_at"])


def test_unknown_status_is_a_warning_and_maps_to_open(tmp_path):
    text = CSV_SAMPLE.read_text(encoding="utf-8").replace(
        ",Resolved,Medium,Phone,", ",Escalated to L3,Medium,Phone,", 1
    )
    r = load(variant(tmp_path, text))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM + ["severity"]) == [
        ["unknown-status", 6, "Status", "Escalated to L3", "warning"]
    ]
    assert by_id(r).loc["1003", "status_class"] == "open"


def test_bad_duration_and_bad_count(tmp_path):
    text = CSV_SAMPLE.read_text(encoding="utf-8").replace(
        ",01:53,05:36:50,07:12:18,2,3,", ",01:53,5h36,07:12:18,two,3,"
    )
    r = load(variant(tmp_path, text))
    assert pop_naive(r.report) == ["UTC"]
    assert sorted(r.report.flatten(PROBLEM)) == [
        ["bad-duration", 6, "First response time (in hrs)", "5h36"],
        ["bad-number", 6, "Agent interactions", "two"],
    ]


def test_missing_ticket_id_rejects_the_row(tmp_path):
    text = CSV_SAMPLE.read_text(encoding="utf-8").replace("\n1003,", "\n,")
    r = load(variant(tmp_path, text))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM) == [["missing-value", 6, "Ticket ID", None]]
    assert r.report.rows_rejected == 1


def test_duplicate_ticket_keeps_the_last_row(tmp_path):
    lines = CSV_SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    text = "".join(lines + [lines[5].replace(",Resolved,", ",Closed,", 1)])
    r = load(variant(tmp_path, text))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM + ["severity"]) == [
        ["duplicate-ticket", 6, "ticket_id", "1003", "warning"]
    ]
    assert len(r.tickets) == 30 and by_id(r).loc["1003", "status"] == "Closed"


def test_cp1252_semicolon_variant_of_the_spanish_export(tmp_path):
    text = FIXTURES.joinpath("tickets_es.csv").read_text(encoding="utf-8")
    path = tmp_path / "es.csv"
    path.write_bytes(text.replace(",", ";").encode("cp1252"))
    r = load(path)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM) == [["encoding-guessed", 1, None, "cp1252"]]
    assert by_id(r).loc["501", "organization"] == "Ferretería López"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Ticket ID,Created time,Due by Time,Agent interactions\n",
        b"\x00\x01\x02garbage",
        b'Ticket ID,Created time,Due by Time\n"unterminated,2026-11-02 09:00:00,\n',
        b"Ticket ID,Created time,Due by Time\n1,2026-11-02 09:00:00\n2,x,y,z,w\n",
    ],
)
def test_garbage_never_raises_a_traceback(data):
    f = InputFile("junk.csv", data)
    try:
        r = FreshdeskImporter().read([f], ImportOptions())
    except UserError:
        return
    assert r.report.balanced


@pytest.mark.parametrize(
    "doc",
    [
        [
            {
                "id": 1,
                "created_at": "2026-11-01T00:00:00Z",
                "conversations": [{"incoming": "yes"}, 5],
            }
        ],
        [
            {
                "id": 1,
                "created_at": "2026-11-01T00:00:00Z",
                "conversations": "none",
                "tags": [1, None, {"x": 2}],
                "stats": {"resolved_at": "bad"},
            }
        ],
        [{"id": 1, "created_at": 5, "status": "x", "priority": [1], "tags": "abc", "stats": 7}],
        [{"id": None, "created_at": "2026-11-01T00:00:00Z"}, {"id": 2, "created_at": None}],
        [{"id": {"nested": 1}, "created_at": "2026-11-01T00:00:00Z"}],
        {"tickets": []},
        [1, "x"],
    ],
)
def test_odd_json_never_raises_a_traceback(doc):
    f = InputFile("odd.json", json.dumps(doc).encode())
    try:
        r = FreshdeskImporter().read([f], ImportOptions())
    except UserError:
        return
    validate_tickets(r.tickets)
    validate_events(r.events)
    assert r.report.balanced
