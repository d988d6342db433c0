"""Jira importer: the sample exports, localized and broken variants, detection."""

from __future__ import annotations

import csv
import io
import json
import re
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
from slametrics.importers.jira import JiraImporter

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "jira"
FIX = ROOT / "tests" / "fixtures" / "jira"
ISSUES = SAMPLE / "search_issues.json"
CSV = SAMPLE / "jsm_export.csv"


def load(*paths, **options):
    return run_importer(JiraImporter, *paths, **options)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def ticket(result, key: str) -> pd.Series:
    return result.tickets.set_index("ticket_id").loc[key]


def verdicts(result, key: str) -> list:
    row = ticket(result, key).reindex(["vendor_first_response_met", "vendor_resolution_met"])
    return [None if pd.isna(v) else bool(v) for v in row]


def events_of(result, key: str) -> list[tuple]:
    ev = result.events.loc[
        result.events["ticket_id"] == key, ["event", "value", "status_class", "actor"]
    ].astype(object)
    return list(ev.where(ev.notna(), None).itertuples(index=False, name=None))


def csv_variant(tmp_path: Path, edit) -> Path:
    """The sample CSV with `edit(rows)` applied to its rows (header = rows[0]), written back."""
    rows = list(csv.reader(io.StringIO(CSV.read_text(encoding="utf-8"))))
    edit(rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    out = tmp_path / "jsm_export.csv"
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


def json_variant(tmp_path: Path, edit) -> Path:
    doc = json.loads(ISSUES.read_text())
    edit(doc)
    out = tmp_path / "issues.json"
    out.write_text(json.dumps(doc))
    return out


@pytest.fixture(scope="module")
def rest():
    return load(ISSUES)


# --------------------------------------------------------------------------- REST JSON


def test_sample_files_are_detected_as_jira():
    for path in sorted(SAMPLE.iterdir()):
        (f,) = open_inputs(path)
        assert detect_importer(f) == "jira", path.name


def test_rest_issues_with_changelog_are_history(rest):
    t = rest.tickets
    assert len(t) == 30 and set(t["fidelity"]) == {"history"}
    assert t["ticket_id"].tolist() == [f"HD-{n}" for n in range(101, 131)]
    assert t["status"].value_counts().to_dict() == {
        "Closed": 17,
        "In Progress": 4,
        "Waiting for support": 3,
        "Waiting for customer": 2,
        "Canceled": 1,
        "Pending": 1,
        "Escalated": 1,
        "Resolved": 1,
    }
    assert t["status_class"].value_counts().to_dict() == {
        "closed": 17,
        "open": 8,
        "waiting_customer": 3,
        "canceled": 1,
        "resolved": 1,
    }
    assert t.set_index("ticket_id").query("reopens > 0")["reopens"].to_dict() == {
        "HD-105": 1,
        "HD-116": 1,
    }
    assert rest.report.problems == []
    assert (rest.report.rows_read, rest.report.rows_rejected) == (30, 0)


def test_rest_first_response_skips_internal_comments(rest):
    # HD-103: internal comment at +10 min, first customer-visible one at +75 min 30 s
    assert ticket(rest, "HD-103")["first_response_at"] == ts("2026-11-02 14:45:37")
    assert ticket(rest, "HD-103")["agent_replies"] == 2
    assert ticket(rest, "HD-101")["first_response_at"] == ts("2026-11-02 09:56:45")
    assert pd.isna(ticket(rest, "HD-130")["first_response_at"])  # only an internal comment


def test_rest_events_of_a_reopened_issue(rest):
    assert events_of(rest, "HD-105") == [
        ("created", "new", "new", "system"),
        ("status", "Waiting for support", "open", "system"),
        ("priority", "Medium", None, "system"),  # never changed: the priority at creation
        ("agent_reply", None, None, "agent"),
        ("assigned", "Sophie Brandt", None, "agent"),  # from nobody: none at creation
        ("status", "In Progress", "open", "agent"),
        ("agent_reply", None, None, "agent"),
        ("resolved", "Resolved", "resolved", "agent"),
        ("customer_reply", None, None, "customer"),
        ("reopened", "Waiting for support", "open", "customer"),
        ("status", "In Progress", "open", "agent"),
        ("agent_reply", None, None, "agent"),
        ("resolved", "Resolved", "resolved", "agent"),
        ("closed", "Closed", "closed", "system"),  # closed by an automation rule
    ]


def test_rest_sla_cycles_give_vendor_verdicts_and_due(rest):
    t = rest.tickets
    assert verdicts(rest, "HD-101") == [True, True]
    # HD-103 (Highest): 75 min to the first reply (goal 1 h), 6 h 20 min to resolve (goal 4 h)
    assert verdicts(rest, "HD-103") == [False, False]
    assert ticket(rest, "HD-103")["due_at"] == ts("2026-11-02 17:30:07")
    # each SLA's breach time is the vendor's due time of its clock (goals 1 h and 4 h)
    assert ticket(rest, "HD-103")["vendor_resolution_due_at"] == ts("2026-11-02 17:30:07")
    assert ticket(rest, "HD-103")["vendor_first_response_due_at"] == ts("2026-11-02 14:30:07")
    # HD-116 was reopened; its second resolution cycle has been running for days
    assert verdicts(rest, "HD-116") == [True, False]
    assert ticket(rest, "HD-116")["due_at"] == ts("2026-11-18 02:30:12")
    # HD-119 waits for the customer: its running cycle has no verdict yet
    assert verdicts(rest, "HD-119") == [True, None]
    assert verdicts(rest, "HD-130") == [None, None]
    assert ticket(rest, "HD-130")["due_at"] == ts("2026-12-01 13:05:07")
    assert int((t["vendor_first_response_met"] == False).sum()) == 10  # noqa: E712
    assert int((t["vendor_resolution_met"] == False).sum()) == 10  # noqa: E712


def test_rest_custom_fields_through_names(rest):
    row = ticket(rest, "HD-103")
    assert row[
        ["organization", "category", "requester", "assignee", "type", "priority"]
    ].tolist() == [
        "Volga Freight",
        "Report a system problem",
        "Olga Ivanova",
        "Karim Haddad",
        "[System] Incident",
        "Highest",
    ]
    assert list(row["tags"]) == ["outage", "erp"]
    assert ("issue_id", "10103") in row["extra"]


def test_ndjson_server_comments_epoch_breach_and_category_fallback():
    r = load(FIX / "issues.ndjson")
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "line", "column", "value"]) == [
        ["malformed-json", 3, None, '{"id": "3", "key": "OPS-3", "fields": {"created": '],
        ["unknown-status", 2, "fields.status.name", "Fixed in release"],
    ]
    assert "classed resolved by its category" in r.report.problems[1].message
    t = r.tickets.set_index("ticket_id")
    assert t["status_class"].to_dict() == {
        "OPS-1": "waiting_third_party",
        "OPS-2": "resolved",
        "OPS-4": "open",
    }
    assert t["fidelity"].to_dict() == {"OPS-1": "history", "OPS-2": "snapshot", "OPS-4": "snapshot"}
    # sd.public.comment {"internal": true} is a note; +0100 offsets are kept
    assert [e for e, *_ in events_of(r, "OPS-1")] == [
        "created",
        "status",
        "priority",  # neither changed in the (whole) changelog: the values at creation
        "assigned",
        "note",
        "agent_reply",
        "status",
        "customer_reply",
    ]
    assert t.loc["OPS-1", "first_response_at"] == ts("2026-11-10 08:45")
    # the SLA value names itself; its ongoing cycle's breachTime is in epoch milliseconds
    assert verdicts(r, "OPS-1") == [True, None]
    assert t.loc["OPS-1", "due_at"] == ts("2026-11-11 08:00")
    # an SLA field without a name cannot be told apart: no verdict
    assert verdicts(r, "OPS-2") == [None, None]


@pytest.mark.parametrize("bad, shown", [("true", "True"), ("1e20", "1e+20")])
def test_a_breach_time_that_is_no_time_is_a_problem_not_a_crash(tmp_path, bad, shown):
    """`epochMillis: true` (pandas took a bool for 1 ms, and a mix of bools and numbers
    crashed) or past the calendar: that row's cell is reported, the import goes on."""
    text = (FIX / "issues.ndjson").read_text(encoding="utf-8")
    path = tmp_path / "issues.ndjson"
    path.write_text(re.sub(r'"epochMillis":\s*[0-9]+', f'"epochMillis": {bad}', text), "utf-8")
    r = load(path)
    assert pd.isna(ticket(r, "OPS-1")["due_at"])
    found = [p for p in r.report.problems if p.code == "unparseable-timestamp"]
    assert [(p.line, p.column, p.value) for p in found] == [
        (1, "fields.<Time to resolution>.breachTime", shown)
    ]
    assert len(r.tickets) == 3


# --------------------------------------------------------------------------- CSV export


def test_csv_export_is_snapshot_with_comment_replies():
    r = load(CSV)
    t = r.tickets.set_index("ticket_id")
    assert len(t) == 30 and set(t["fidelity"]) == {"snapshot"}
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.problems == []
    row = t.loc["HD-103"]
    assert row["created_at"] == ts("2026-11-02 13:30")  # the CSV has minutes only
    assert row["resolved_at"] == ts("2026-11-02 19:50")
    # the [CHART] first-response date wins; the earlier comment cell was internal
    assert row["first_response_at"] == ts("2026-11-02 14:45:37")
    assert row["agent_replies"] == 2
    assert verdicts(r, "HD-103") == [False, False]  # "-0:15" and "-2:20" cells
    assert verdicts(r, "HD-119") == [True, None]  # time left on a waiting issue: no verdict
    assert verdicts(r, "HD-130") == [None, None]
    assert pd.isna(t.loc["HD-130", "first_response_at"])
    assert row[["organization", "category", "requester"]].tolist() == [
        "Volga Freight",
        "Report a system problem",
        "Olga Ivanova",
    ]
    assert list(row["tags"]) == ["outage", "erp"]
    assert ("Project key", "HD") in row["extra"]
    assert t["status_class"].value_counts().to_dict() == {
        "closed": 17,
        "open": 8,
        "waiting_customer": 3,
        "canceled": 1,
        "resolved": 1,
    }
    kinds = r.events.loc[r.events["ticket_id"] == "HD-103", "event"].tolist()
    assert kinds == ["created", "note", "agent_reply", "agent_reply", "resolved"]


def test_csv_and_rest_together_rest_wins():
    r = load(CSV, ISSUES)
    t = r.tickets.set_index("ticket_id")
    assert len(t) == 30 and set(t["fidelity"]) == {"history"}
    assert (r.report.rows_read, r.report.rows_imported) == (60, 60)
    assert t.loc["HD-103", "created_at"] == ts("2026-11-02 13:30:07")
    assert t.loc["HD-103", "agent_replies"] == 2


def test_russian_cp1251_semicolon_export():
    r = load(FIX / "export_ru_cp1251.csv")
    t = r.tickets.set_index("ticket_id")
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "value"]) == [["encoding-guessed", "cp1251"]]
    assert t["status_class"].to_dict() == {
        "SD-11": "resolved",
        "SD-12": "waiting_customer",
        "SD-13": "open",
    }
    assert t.loc["SD-11", "created_at"] == ts("2026-11-03 09:15")  # "03/ноя/26 9:15 AM"
    assert t.loc["SD-11", "resolved_at"] == ts("2026-11-03 14:30")
    assert t.loc["SD-12", "first_response_at"] == ts("2026-11-04 11:00")
    assert t.loc["SD-12", "agent_replies"] == 1  # the reporter's own comment is no reply
    assert verdicts(r, "SD-11") == [True, True]
    assert verdicts(r, "SD-13") == [False, False]


def test_german_export_in_the_users_timezone():
    r = load(FIX / "export_de.csv", tz="Europe/Berlin")
    t = r.tickets.set_index("ticket_id")
    assert pop_naive(r.report) == ["Europe/Berlin"]
    assert r.report.problems == []
    assert t["status_class"].to_dict() == {"IT-7": "resolved", "IT-8": "waiting_customer"}
    assert t.loc["IT-7", "created_at"] == ts("2026-11-28 08:00")  # 9:00 AM CET
    assert t.loc["IT-7", "resolved_at"] == ts("2026-12-01 08:30")  # "01/Dez/26 9:30 AM"
    assert verdicts(r, "IT-7") == [None, False]


def test_zip_with_rest_and_csv(tmp_path):
    archive = tmp_path / "jira.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(ISSUES, "export/search_issues.json")
        zf.write(CSV, "export/jsm_export.csv")
    assert {detect_importer(f) for f in open_inputs(archive)} == {"jira"}
    r = load(archive)
    assert len(r.tickets) == 30 and set(r.tickets["fidelity"]) == {"history"}


# --------------------------------------------------------------------------- broken variants


def test_missing_required_column(tmp_path):
    def edit(rows):
        i = rows[0].index("Created")
        for r in rows:
            del r[i]

    with pytest.raises(UserError) as err:
        load(csv_variant(tmp_path, edit))
    assert "missing required column 'Created'" in str(err.value)
    assert "columns found: Summary, Issue key, Issue id," in str(err.value)


def test_bad_timestamp_cites_the_physical_line(tmp_path):
    def edit(rows):
        rows[3][rows[0].index("Created")] = "yesterday"

    r = load(csv_variant(tmp_path, edit))
    # every row holds a two-line Description, so the third issue starts on line 6
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "line", "column", "value"]) == [
        ["unparseable-timestamp", 6, "Created", "yesterday"]
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (30, 29, 1)


def test_bad_comment_date_and_sla_cell(tmp_path):
    def edit(rows):
        header = rows[0]
        rows[1][header.index("Comment")] = "soon;712020:x;hello"
        rows[2][header.index("Custom field (Time to resolution)")] = "n/a yet"

    r = load(csv_variant(tmp_path, edit))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "line", "column", "value", "severity"]) == [
        ["unparseable-timestamp", 2, "Comment", "soon", "error"],
        ["bad-number", 4, "Custom field (Time to resolution)", "n/a yet", "warning"],
    ]
    assert r.report.rows_rejected == 0


def test_unknown_status_classed_by_status_category(tmp_path):
    def edit(rows):
        header = rows[0]
        rows[1][header.index("Status")] = "Awaiting deployment"
        rows[1][header.index("Status Category")] = "Done"
        rows[5][header.index("Status")] = "Awaiting deployment"

    r = load(csv_variant(tmp_path, edit))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(["code", "line", "column", "value", "severity"]) == [
        ["unknown-status", 2, "Status", "Awaiting deployment", "warning"]
    ]
    assert ticket(r, "HD-101")["status_class"] == "resolved"
    assert ticket(r, "HD-105")["status_class"] == "resolved"  # its category column says Done too
    assert r.report.problems[0].message.endswith("(classed resolved by its category); 2 row(s)")


def test_rest_bad_timestamp_and_unknown_status(tmp_path):
    def edit(doc):
        doc["issues"][3]["fields"]["created"] = "yesterday"
        doc["issues"][21]["fields"]["status"] = {
            "name": "Vendor check",
            "statusCategory": {"key": "indeterminate"},
        }

    r = load(json_variant(tmp_path, edit))
    assert r.report.flatten(["code", "line", "column", "value"]) == [
        ["unparseable-timestamp", 4, "fields.created", "yesterday"],
        ["unknown-status", 22, "fields.status.name", "Vendor check"],
    ]
    assert (r.report.rows_imported, r.report.rows_rejected) == (29, 1)
    assert "HD-104" not in set(r.tickets["ticket_id"])
    assert ticket(r, "HD-122")["status_class"] == "open"


def test_truncated_json_is_one_readable_error(tmp_path):
    path = tmp_path / "issues.json"
    path.write_text(ISSUES.read_text()[:20000])
    with pytest.raises(UserError, match=r"issues.json: not valid JSON \(line \d+, column \d+"):
        load(path)


def test_json_without_issues(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"values": [{"name": "Time to resolution"}]}))
    with pytest.raises(UserError, match="not a Jira issue export.*keys found: values"):
        load(path)


def test_empty_search_result(tmp_path):
    path = tmp_path / "issues.json"
    path.write_text('{"startAt": 0, "maxResults": 50, "total": 0, "issues": []}')
    r = load(path)
    assert len(r.tickets) == 0 and len(r.events) == 0


# --------------------------------------------------------------------------- detection


def test_detection_does_not_claim_other_formats(tmp_path):
    generic = tmp_path / "tickets.csv"
    generic.write_text("ticket_id,created_at,status,priority\n1,2026-11-02 10:00,open,high\n")
    (f,) = open_inputs(generic)
    assert JiraImporter.detect(f) == 0 and detect_importer(f) == "csv"
    (j,) = open_inputs(CSV)
    assert GenericCsvImporter.detect(j) == 0
    for path in sorted((ROOT / "sample_data" / "zendesk").iterdir()):
        (z,) = open_inputs(path)
        assert JiraImporter.detect(z) == 0, path.name


def test_registered_under_its_name():
    assert get_importer("jira") is JiraImporter


def test_deeply_nested_json_is_one_readable_error(tmp_path):
    path = tmp_path / "issues.json"
    path.write_text('{"issues": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(UserError, match="nested too deeply"):
        load(path)


def _issue(key: str, changelog: dict) -> dict:
    return {
        "id": key[-1],
        "key": key,
        "fields": {
            "summary": f"Issue {key}",
            "created": "2026-11-10T09:00:00.000+0000",
            "updated": "2026-11-10T12:00:00.000+0000",
            "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
            "priority": {"name": "Highest"},
            "issuetype": {"name": "Incident"},
            "reporter": {"accountId": "c1", "displayName": "Customer"},
            "assignee": {"accountId": "a2", "displayName": "Bob Second"},
        },
        "changelog": changelog,
    }


def _change(at: str, field: str, before: str | None, after: str) -> dict:
    item = {"field": field, "fromString": before, "toString": after}
    return {"created": at, "author": {"accountId": "a9"}, "items": [item]}


def test_values_at_creation_come_from_the_first_change(tmp_path):
    # P-1 was opened Medium with Alice, raised to Highest at 10:00 and handed to Bob at 11:00:
    # its priority and assignee at creation are where those first changes came from. P-2's
    # changelog holds 1 of its 5 histories: what it was created with is not known (no event).
    histories = [
        _change("2026-11-10T10:00:00.000+0000", "priority", "Medium", "Highest"),
        _change("2026-11-10T11:00:00.000+0000", "assignee", "Alice First", "Bob Second"),
    ]
    page = {
        "startAt": 0,
        "maxResults": 50,
        "total": 2,
        "issues": [
            _issue("P-1", {"startAt": 0, "maxResults": 2, "total": 2, "histories": histories}),
            _issue("P-2", {"startAt": 0, "maxResults": 1, "total": 5, "histories": histories[:1]}),
        ],
    }
    path = tmp_path / "search.json"
    path.write_text(json.dumps(page))
    r = load(path)
    at = {
        (e.ticket_id, e.event, e.value): e.at.isoformat()
        for e in r.events.itertuples()
        if e.event in ("priority", "assigned")
    }
    assert at == {
        ("P-1", "priority", "Medium"): "2026-11-10T09:00:00+00:00",
        ("P-1", "assigned", "Alice First"): "2026-11-10T09:00:00+00:00",
        ("P-1", "priority", "Highest"): "2026-11-10T10:00:00+00:00",
        ("P-1", "assigned", "Bob Second"): "2026-11-10T11:00:00+00:00",
        ("P-2", "priority", "Highest"): "2026-11-10T10:00:00+00:00",
    }


def test_an_assignee_first_set_from_nobody_is_none_at_creation(tmp_path):
    # P-3 was created unassigned, given to Alice at 10:00 and to Bob at 11:00: nobody was
    # assigned at creation (Alice is where the *second* change came from, not the first)
    histories = [
        _change("2026-11-10T10:00:00.000+0000", "assignee", None, "Alice First"),
        _change("2026-11-10T11:00:00.000+0000", "assignee", "Alice First", "Bob Second"),
    ]
    changelog = {"startAt": 0, "maxResults": 2, "total": 2, "histories": histories}
    path = tmp_path / "search.json"
    path.write_text(json.dumps({"total": 1, "issues": [_issue("P-3", changelog)]}))
    r = load(path)
    assigned = r.events[r.events["event"] == "assigned"]
    assert [(e.value, e.at.isoformat()) for e in assigned.itertuples()] == [
        ("Alice First", "2026-11-10T10:00:00+00:00"),
        ("Bob Second", "2026-11-10T11:00:00+00:00"),
    ]
