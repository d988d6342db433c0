"""Zendesk importer: the sample exports, localized and broken variants, detection."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from naive_notices import pop_naive

from conftest import run_importer
from slametrics.errors import UserError
from slametrics.importers import detect_importer, get_importer
from slametrics.importers.generic_csv import GenericCsvImporter
from slametrics.importers.io import open_inputs
from slametrics.importers.zendesk import ZendeskImporter

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "zendesk"
FIX = ROOT / "tests" / "fixtures" / "zendesk"
TICKETS = SAMPLE / "incremental_tickets.json"
AUDITS = SAMPLE / "ticket_audits.json"
METRICS = SAMPLE / "ticket_metric_events.json"
CSV = SAMPLE / "admin_export.csv"


def load(*paths, **options):
    return run_importer(ZendeskImporter, *paths, **options)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def ticket(result, tid: str) -> pd.Series:
    return result.tickets.set_index("ticket_id").loc[tid]


def events_of(result, tid: str) -> list[tuple]:
    ev = result.events.loc[
        result.events["ticket_id"] == tid, ["event", "value", "status_class", "actor"]
    ].astype(object)
    return list(ev.where(ev.notna(), None).itertuples(index=False, name=None))


def write_csv_variant(tmp_path: Path, edit) -> Path:
    df = pd.read_csv(CSV, dtype=str, keep_default_na=False)
    df = edit(df)
    out = tmp_path / "admin_export.csv"
    df.to_csv(out, index=False)
    return out


@pytest.fixture(scope="module")
def full():
    return load(*sorted(SAMPLE.iterdir()))


# --------------------------------------------------------------------------- the sample export


def test_every_sample_file_is_detected_as_zendesk():
    for path in sorted(SAMPLE.iterdir()):
        (f,) = open_inputs(path)
        assert detect_importer(f) == "zendesk", path.name


def test_sample_with_audits_is_history(full):
    t = full.tickets
    assert len(t) == 30
    assert t["ticket_id"].tolist() == [str(i) for i in range(4101, 4131)]
    assert set(t["fidelity"]) == {"history"}
    assert t["status"].value_counts().to_dict() == {
        "closed": 20,
        "pending": 3,
        "open": 3,
        "new": 2,
        "hold": 1,
        "solved": 1,
    }
    assert t["status_class"].value_counts().to_dict() == {
        "closed": 20,
        "waiting_customer": 3,
        "open": 3,
        "new": 2,
        "on_hold": 1,
        "resolved": 1,
    }
    assert full.report.rows_read == 30 + 30 + 122 + 235  # CSV rows, tickets, audits, metric events
    assert full.report.rows_rejected == 0
    assert pop_naive(full.report) == ["UTC"]
    assert full.report.problems == []


def test_sample_reopens_and_reply_counts(full):
    t = full.tickets.set_index("ticket_id")
    assert t.loc[t["reopens"] > 0, "reopens"].to_dict() == {"4105": 1, "4115": 1, "4122": 1}
    assert t.loc["4105", "agent_replies"] == 4
    assert t.loc["4128", "agent_replies"] == 0


def test_sample_first_replies_hand_checked(full):
    # 4101: created 08:02:07, first public reply 38 min 16 s later
    assert ticket(full, "4101")["first_response_at"] == ts("2026-11-02 08:40:23")
    # 4103: the internal note at +25 min is no reply; the public one at +140 min 30 s is
    assert ticket(full, "4103")["first_response_at"] == ts("2026-11-02 14:00:37")
    assert pd.isna(ticket(full, "4128")["first_response_at"])


def test_sample_event_sequence_with_reopen(full):
    assert events_of(full, "4122") == [
        ("created", "new", "new", "system"),
        ("status", "new", "new", "customer"),
        ("priority", "high", None, "customer"),  # the Create audit's priority, at creation
        ("agent_reply", None, None, "agent"),
        ("assigned", "Clara Weber", None, "agent"),
        ("status", "open", "open", "agent"),
        ("agent_reply", None, None, "agent"),
        ("resolved", "solved", "resolved", "agent"),
        ("customer_reply", None, None, "customer"),
        ("reopened", "open", "open", "customer"),
        ("agent_reply", None, None, "agent"),
    ]
    # the assignee is named through the users sideload of the tickets export
    assert ticket(full, "4122")["assignee"] == "Clara Weber"


def test_sample_vendor_verdicts_and_due_times(full):
    t = full.tickets.set_index("ticket_id")
    verdicts = t[["vendor_first_response_met", "vendor_resolution_met"]].astype(object)
    verdicts = verdicts.where(verdicts.notna(), None)
    assert verdicts.loc["4101"].tolist() == [True, True]
    # 4103 high: first public reply after 140 > 120 min; 1440 min of requester wait exceeded
    assert verdicts.loc["4103"].tolist() == [False, False]
    assert t.loc["4103", "vendor_resolution_due_at"] == ts("2026-11-03 11:40:07")
    # the reply_time SLA (120 min, calendar hours) falls due 2 h after creation
    assert t.loc["4103", "vendor_first_response_due_at"] == ts("2026-11-02 13:40:07")
    # the SLA due times never fill the ticket's own due_at (a task's Due date)
    assert t["due_at"].isna().all()
    # 4110: pending paused the requester wait clock for 2 h, so the breach came 24 h + 2 h later
    assert verdicts.loc["4110"].tolist() == [True, False]
    assert t.loc["4110", "vendor_resolution_due_at"] == ts("2026-11-07 12:09:57")
    # 4128 never answered: first reply breached; resolution still running, due by target
    assert verdicts.loc["4128"].tolist() == [False, None]
    assert t.loc["4128", "vendor_resolution_due_at"] == ts("2026-12-01 15:00:07")
    # 4130 created 3 h before the export: nothing decided yet
    assert verdicts.loc["4130"].tolist() == [None, None]
    assert (verdicts["vendor_first_response_met"] == False).sum() == 8  # noqa: E712
    assert (verdicts["vendor_resolution_met"] == False).sum() == 8  # noqa: E712


def test_sample_admin_csv_alone_is_snapshot():
    r = load(CSV)
    t = r.tickets.set_index("ticket_id")
    assert len(t) == 30 and set(t["fidelity"]) == {"snapshot"}
    row = t.loc["4105"]
    assert row["first_response_at"] == ts("2026-11-03 13:50:07")  # created + 200 minutes
    assert row["resolved_at"] == ts("2026-11-06 11:50:07")
    assert (row["reopens"], row["agent_replies"]) == (1, 4)
    assert t.loc["4101", "csat"] == 1.0 and t.loc["4107", "csat"] == 0.0
    assert t.loc["4101", ["organization", "requester", "group", "channel"]].tolist() == [
        "ACME Logistics",
        "Ivan Petrov",
        "Support L2",
        "Mail",
    ]
    assert list(t.loc["4101", "tags"]) == ["outage", "gateway"]
    assert ("Contract [list]", "Standard") in t.loc["4101", "extra"]
    # snapshot events: created, first reply, resolution, current class when not done
    assert events_of(r, "4121") == [
        ("created", "new", "new", "system"),
        ("agent_reply", None, None, "agent"),
        ("status", "pending", "waiting_customer", "system"),
    ]


def test_tickets_json_alone_names_sideloads_and_approximates_resolution():
    r = load(TICKETS)
    t = r.tickets.set_index("ticket_id")
    assert set(t["fidelity"]) == {"snapshot"}
    assert t.loc[
        "4101", ["requester", "assignee", "group", "organization", "channel"]
    ].tolist() == [
        "Ivan Petrov",
        "Boris Kuznetsov",
        "Support L2",
        "ACME Logistics",
        "email",
    ]
    # no solve time in the tickets export: the last update stands for it
    assert t.loc["4127", "resolved_at"] == t.loc["4127", "updated_at"]
    assert t.loc["4101", "closed_at"] == ts("2026-11-06 14:40:43")
    assert ("custom_field_360020", "contract_standard") in t.loc["4101", "extra"]


def test_tickets_with_metric_events_fill_reply_and_solve_times():
    r = load(TICKETS, METRICS)
    t = r.tickets.set_index("ticket_id")
    assert set(t["fidelity"]) == {"snapshot"}
    assert t.loc["4101", "first_response_at"] == ts("2026-11-02 08:40:23")
    assert t.loc["4101", "resolved_at"] == ts("2026-11-02 14:40:43")  # requester wait fulfilled
    assert bool(t.loc["4103", "vendor_first_response_met"]) is False


def test_audits_alone_build_tickets_from_their_creation():
    r = load(AUDITS)
    t = r.tickets.set_index("ticket_id")
    assert len(t) == 30 and set(t["fidelity"]) == {"history"}
    assert t.loc["4101", "created_at"] == ts("2026-11-02 08:02:07")
    assert t.loc["4101", "requester"] == "5001"
    assert t.loc["4122", "status"] == "open" and t.loc["4122", "reopens"] == 1
    # without users, an agent is anyone but the requester
    assert t.loc["4103", "first_response_at"] == ts("2026-11-02 14:00:37")


def test_incremental_ticket_events_with_child_events():
    r = load(FIX / "ticket_events.json")
    t = r.tickets.set_index("ticket_id")
    assert r.report.flatten(["code", "line", "column", "value", "severity"]) == [
        ["unknown-status", 7, "child_events.status", "awaiting-vendor", "warning"]
    ]
    assert t.loc["501", ["status", "status_class", "reopens"]].tolist() == ["hold", "on_hold", 1]
    # the ticket's description is no reply; the unix `timestamp` dates the internal note
    assert events_of(r, "501")[1:4] == [
        ("status", "new", "new", "customer"),
        ("note", None, None, "agent"),
        ("status", "open", "open", "agent"),
    ]
    assert r.events.loc[r.events["event"] == "note", "at"].tolist() == [ts("2026-11-02 08:45")]
    assert t.loc["501", "first_response_at"] == ts("2026-11-02 09:30")
    # 502 was opened by an agent for the requester: its first comment is no reply either
    assert t.loc["502", "first_response_at"] == ts("2026-11-04 09:20")
    assert t.loc["502", "status_class"] == "open"


def test_scheduled_breach_after_fulfilment_is_no_breach(tmp_path):
    events = [
        {"ticket_id": 4101, "metric": "reply_time", "instance_id": 1, "type": t, "time": at, **kw}
        for t, at, kw in [
            ("activate", "2026-11-02T08:02:07Z", {}),
            ("apply_sla", "2026-11-02T08:02:07Z", {"sla": {"target": 60, "business_hours": False}}),
            ("fulfill", "2026-11-02T08:40:23Z", {}),
            ("breach", "2026-11-02T09:02:07Z", {}),
        ]
    ]
    path = tmp_path / "metric_events.json"
    path.write_text(json.dumps({"ticket_metric_events": events}))
    r = load(TICKETS, path)
    assert bool(ticket(r, "4101")["vendor_first_response_met"]) is True


# --------------------------------------------------------------------------- localized and packed


def test_russian_cp1251_semicolon_export():
    r = load(FIX / "admin_export_ru_cp1251.csv")
    t = r.tickets.set_index("ticket_id")
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "value", "severity"]) == [
        ["encoding-guessed", "cp1251", "warning"]
    ]
    assert t["status_class"].tolist() == ["resolved", "waiting_customer", "on_hold", "new"]
    assert t.loc["9001", ["subject", "organization", "assignee"]].tolist() == [
        "Не работает касса",
        "ООО Ромашка",
        "Анна Смирнова",
    ]
    assert t.loc["9001", "first_response_at"] == ts("2026-11-02 10:25")
    assert t.loc["9003", "reopens"] == 1


def test_german_export_with_bom_and_timezone():
    r = load(FIX / "admin_export_de.csv", tz="Europe/Berlin")
    t = r.tickets.set_index("ticket_id")
    assert pop_naive(r.report) == ["Europe/Berlin"]
    assert r.report.problems == []
    assert t["status_class"].tolist() == ["resolved", "waiting_customer", "open"]
    # account-timezone timestamps: 10:00 in Berlin (CET) is 09:00 UTC
    assert t.loc["7001", "created_at"] == ts("2026-11-02 09:00")
    assert t.loc["7001", "csat"] == 1.0


def test_zip_with_several_export_files(tmp_path):
    archive = tmp_path / "zendesk_export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (TICKETS, AUDITS, METRICS):
            zf.write(path, f"export/{path.name}")
    files = open_inputs(archive)
    assert {detect_importer(f) for f in files} == {"zendesk"}
    r = load(archive)
    assert len(r.tickets) == 30 and set(r.tickets["fidelity"]) == {"history"}


def test_ndjson_with_wrapped_lines_duplicates_and_broken_lines():
    r = load(FIX / "tickets.ndjson")
    assert r.report.flatten(["code", "line", "column", "value"]) == [
        [
            "malformed-json",
            4,
            None,
            '{"id": 804, "created_at": "2026-11-05T13:00:00Z", "updated_at": '
            '"2026-11-05T13:30:00Z", "status": "pending", "requester_id": 6003, "sub',
        ],
        ["unparseable-timestamp", 3, "created_at", "yesterday"],
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (6, 4, 2)
    t = r.tickets.set_index("ticket_id")
    assert sorted(t.index) == ["801", "802", "805"]
    assert t.loc["801", "status"] == "pending"  # the later copy of an updated ticket wins
    assert t.loc["802", "subject"] == "Invoice copy"  # {"ticket": {...}} lines unwrapped


# --------------------------------------------------------------------------- broken variants


def test_missing_required_column_names_it_and_the_columns_found(tmp_path):
    path = write_csv_variant(tmp_path, lambda df: df.drop(columns=["Created at"]))
    with pytest.raises(UserError) as err:
        load(path)
    msg = str(err.value)
    assert "missing required column 'Created at'" in msg
    assert "columns found: Id, Requester, Requester id," in msg


def test_bad_timestamp_rejects_the_row_with_its_line(tmp_path):
    def edit(df):
        df.loc[2, "Created at"] = "yesterday"
        return df

    r = load(write_csv_variant(tmp_path, edit))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "line", "column", "value"]) == [
        ["unparseable-timestamp", 4, "Created at", "yesterday"]
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (30, 29, 1)
    assert "4103" not in set(r.tickets["ticket_id"])


def test_bad_optional_timestamp_keeps_the_row(tmp_path):
    def edit(df):
        df.loc[0, "Solved at"] = "31/31/2026"
        return df

    r = load(write_csv_variant(tmp_path, edit))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "line", "column", "value"]) == [
        ["unparseable-timestamp", 2, "Solved at", "31/31/2026"]
    ]
    assert len(r.tickets) == 30 and r.report.rows_rejected == 0


def test_unknown_status_is_a_warning_once_per_status(tmp_path):
    def edit(df):
        df.loc[[4, 7], "Status"] = "escalated-l3"
        return df

    r = load(write_csv_variant(tmp_path, edit))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "line", "column", "value", "severity"]) == [
        ["unknown-status", 6, "Status", "escalated-l3", "warning"]
    ]
    assert ticket(r, "4105")["status_class"] == "open"


def test_duplicate_csv_ticket_warns_and_last_row_wins(tmp_path):
    def edit(df):
        dup = df.iloc[[0]].assign(Status="open")
        return pd.concat([df, dup], ignore_index=True)

    r = load(write_csv_variant(tmp_path, edit))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "line", "column", "value"]) == [
        ["duplicate-ticket", 2, "Id", "4101"]
    ]
    assert len(r.tickets) == 30 and ticket(r, "4101")["status"] == "open"


def test_truncated_json_is_one_readable_error(tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text(TICKETS.read_text()[:5000])
    with pytest.raises(UserError, match=r"tickets.json: not valid JSON \(line \d+, column \d+"):
        load(path)


def test_wrong_encoding_json_is_decoded_with_a_warning(tmp_path):
    path = tmp_path / "tickets.json"
    doc = {
        "tickets": [
            {
                "id": 1,
                "created_at": "2026-11-02T10:00:00Z",
                "status": "open",
                "subject": "Касса не работает",
                "requester_id": 2,
            }
        ]
    }
    path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("cp1251"))
    r = load(path)
    assert r.report.flatten(["code", "value"]) == [["encoding-guessed", "cp1251"]]
    assert ticket(r, "1")["subject"] == "Касса не работает"


def test_json_that_is_not_a_zendesk_export(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"widgets": [{"a": 1}]}))
    with pytest.raises(UserError, match="keys found: widgets"):
        load(path)


def test_metric_events_without_tickets_ask_for_them():
    with pytest.raises(UserError, match="add the tickets export"):
        load(METRICS)


def test_audits_for_unknown_tickets_are_rejected(tmp_path):
    doc = json.loads(AUDITS.read_text())
    doc["audits"].append(
        {
            "id": 1,
            "ticket_id": 9999,
            "created_at": "2026-11-05T10:00:00Z",
            "author_id": 9001,
            "events": [],
        }
    )
    path = tmp_path / "audits.json"
    path.write_text(json.dumps(doc))
    r = load(TICKETS, path)
    assert r.report.flatten(["code", "line", "value"]) == [["unknown-ticket", 123, "9999"]]
    assert r.report.rows_rejected == 1


def test_empty_tickets_page_imports_nothing(tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text('{"tickets": [], "count": 0, "end_of_stream": true}')
    r = load(path)
    assert len(r.tickets) == 0 and len(r.events) == 0


# --------------------------------------------------------------------------- detection


def test_detection_does_not_claim_other_formats(tmp_path):
    generic = tmp_path / "tickets.csv"
    generic.write_text("ticket_id,created_at,status\n1,2026-11-02 10:00,open\n")
    (f,) = open_inputs(generic)
    assert ZendeskImporter.detect(f) == 0
    assert detect_importer(f) == "csv"
    (z,) = open_inputs(CSV)
    assert GenericCsvImporter.detect(z) == 0
    for path in sorted((ROOT / "sample_data" / "jira").iterdir()):
        (j,) = open_inputs(path)
        assert ZendeskImporter.detect(j) == 0, path.name


def test_registered_under_its_name():
    assert get_importer("zendesk") is ZendeskImporter


def test_deeply_nested_json_is_one_readable_error(tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text('{"tickets": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(UserError, match="nested too deeply"):
        load(path)
    lines = tmp_path / "tickets.ndjson"
    good = '{"id": 1, "created_at": "2026-11-02T10:00:00Z", "status": "open", "requester_id": 2}'
    lines.write_text(good + "\n" + "[" * 100_000 + "\n")
    r = load(lines)
    assert r.report.flatten(["code", "line"]) == [["malformed-json", 2]]
    assert len(r.tickets) == 1


def test_slas_sideload_gives_sla_due_times_and_task_due_date_stays_due_at(tmp_path):
    """`include=slas` (Zendesk: "Sideloading SLAs"): `slas.policy_metrics[].breach_at` per metric;
    a task's `due_at` is the ticket's own due date, not an SLA's."""
    doc = {
        "tickets": [
            {
                "id": 7001,
                "created_at": "2026-11-02T09:00:00Z",
                "updated_at": "2026-11-02T10:00:00Z",
                "type": "task",
                "status": "open",
                "due_at": "2026-11-20T12:00:00Z",
                "slas": {
                    "policy_metrics": [
                        {
                            "breach_at": "2026-11-02T10:00:00Z",
                            "stage": "active",
                            "metric": "first_reply_time",
                            "hours": 1,
                            "minutes": 0,
                            "days": 0,
                        },
                        {
                            "breach_at": "2026-11-03T09:00:00Z",
                            "stage": "active",
                            "metric": "requester_wait_time",
                            "hours": 24,
                            "minutes": 0,
                            "days": 0,
                        },
                        {
                            "breach_at": "2026-11-04T09:00:00Z",
                            "stage": "paused",
                            "metric": "agent_work_time",
                            "hours": 48,
                            "minutes": 0,
                            "days": 0,
                        },
                    ]
                },
            },
            {
                "id": 7002,
                "created_at": "2026-11-02T09:00:00Z",
                "updated_at": "2026-11-02T10:00:00Z",
                "status": "new",
            },
        ],
        "count": 2,
        "end_of_stream": True,
    }
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    t = load(path).tickets.set_index("ticket_id")
    assert t.loc["7001", "due_at"] == ts("2026-11-20 12:00:00")
    assert t.loc["7001", "vendor_first_response_due_at"] == ts("2026-11-02 10:00:00")
    # the earliest of the resolution metrics' breach times
    assert t.loc["7001", "vendor_resolution_due_at"] == ts("2026-11-03 09:00:00")
    assert pd.isna(t.loc["7002", "vendor_first_response_due_at"])
    assert pd.isna(t.loc["7002", "due_at"])


def test_create_audit_priority_and_assignee_are_events_at_creation(tmp_path):
    # a ticket created urgent and assigned to agent 61007, lowered to normal and reassigned later
    def change(kind, field, value, previous=None):
        child = {"id": 1, "type": kind, "field_name": field, "value": value}
        return child if previous is None else {**child, "previous_value": previous}

    audits = {
        "audits": [
            {
                "id": 1,
                "ticket_id": 9901,
                "created_at": "2026-11-20T08:00:00Z",
                "author_id": 51009,
                "events": [
                    change("Create", "status", "new"),
                    change("Create", "priority", "urgent"),
                    change("Create", "assignee_id", "61007"),
                    change("Create", "requester_id", "51009"),
                ],
            },
            {
                "id": 2,
                "ticket_id": 9901,
                "created_at": "2026-11-20T09:30:00Z",
                "author_id": 61007,
                "events": [
                    change("Change", "priority", "normal", "urgent"),
                    change("Change", "assignee_id", "61008", "61007"),
                ],
            },
        ]
    }
    path = tmp_path / "audits.json"
    path.write_text(json.dumps(audits), encoding="utf-8")
    ev = load(path).events
    ev = ev[ev["event"].isin(["priority", "assigned"])].sort_values(["at", "seq"])
    assert [(str(a), e, v) for a, e, v in ev[["at", "event", "value"]].values] == [
        ("2026-11-20 08:00:00+00:00", "priority", "urgent"),
        ("2026-11-20 08:00:00+00:00", "assigned", "61007"),
        ("2026-11-20 09:30:00+00:00", "priority", "normal"),
        ("2026-11-20 09:30:00+00:00", "assigned", "61008"),
    ]
