"""Jira REST search pages: v2 startAt/total and v3 nextPageToken pages, custom fields found by
their content when `names` is absent, and `truncated-history` warnings."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_importer
from slametrics.importers import detect_importer
from slametrics.importers.io import open_inputs
from slametrics.importers.jira import JiraImporter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jira"
V2 = FIXTURES / "search_v2_no_names.json"
V3 = FIXTURES / "search_v3_pages.ndjson"
PROBLEM = ["code", "line", "column", "value", "severity"]


def _iso(value) -> str | None:
    return None if value is None or value != value else value.isoformat()


def test_pages_detected_without_options():
    assert detect_importer(open_inputs(V2)[0]) == "jira"
    assert detect_importer(open_inputs(V3)[0]) == "jira"


def test_v2_page_without_names_keeps_organizations_and_slas():
    result = run_importer(JiraImporter, V2)
    t = result.tickets.set_index("ticket_id")
    assert t.loc["HELP-1", "organization"] == "Charlie Cakes Franchises"
    assert t["category"].tolist() == ["Get IT help", "Get IT help"]
    assert t["status_class"].tolist() == ["open", "resolved"]
    assert _iso(t.loc["HELP-1", "first_response_at"]) == "2026-11-10T08:30:00+00:00"
    # HELP-2's first comment is internal (jsdPublic false): the public one is the first reply
    assert _iso(t.loc["HELP-2", "first_response_at"]) == "2026-11-10T09:40:00+00:00"
    assert _iso(t.loc["HELP-2", "resolved_at"]) == "2026-11-10T10:00:00+00:00"
    assert t["vendor_first_response_met"].tolist() == [True, True]
    assert t["vendor_resolution_met"].isna().all()  # the resolution cycle is still running
    assert _iso(t.loc["HELP-1", "vendor_resolution_due_at"]) == "2026-11-12T08:00:00+00:00"


def test_truncated_comment_and_changelog_pages_are_warnings():
    result = run_importer(JiraImporter, V2)
    assert result.report.flatten(PROBLEM) == [
        ["truncated-history", 1, "fields.comment", "1 of 3", "warning"],
        ["truncated-history", 1, "changelog", "1 of 2", "warning"],
    ]


def test_v3_token_pages_one_per_line():
    result = run_importer(JiraImporter, V3)
    t = result.tickets.set_index("ticket_id")
    assert sorted(t.index) == ["HELP-3", "HELP-4"]
    assert t.loc["HELP-3", "status_class"] == "waiting_customer"
    assert t.loc["HELP-4", "organization"] == "Volga Logistics"
    assert _iso(t.loc["HELP-4", "first_response_at"]) == "2026-11-11T11:05:00+00:00"
    events = result.events[result.events["ticket_id"] == "HELP-4"]["event"].tolist()
    assert events == ["created", "status", "priority", "assigned", "agent_reply", "closed"]
    assert result.report.problems == []


def test_pages_in_one_json_list_and_a_broken_page(tmp_path):
    pages = [json.loads(line) for line in V3.read_text().splitlines()]
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(pages))
    assert sorted(run_importer(JiraImporter, path).tickets["ticket_id"]) == ["HELP-3", "HELP-4"]
    lines = V3.read_text().splitlines()
    path = tmp_path / "pages.ndjson"
    path.write_text(lines[0] + "\n" + lines[1][:-40] + "\n")
    result = run_importer(JiraImporter, path)
    # the last page held is page 1, whose nextPageToken says more follow
    assert result.report.flatten(["code", "line"]) == [
        ["malformed-json", 2],
        ["incomplete-export", None],
    ]
    assert result.tickets["ticket_id"].tolist() == ["HELP-3"]


def test_organizations_are_not_guessed_from_other_lists(tmp_path):
    doc = json.loads(V2.read_text())
    for issue in doc["issues"]:  # a plain multi-select field is no organization
        issue["fields"]["customfield_10002"] = [{"id": "7", "value": "Blue"}]
    path = tmp_path / "search.json"
    path.write_text(json.dumps(doc))
    assert run_importer(JiraImporter, path).tickets["organization"].isna().all()
