"""incomplete-export: API pages that say more pages or issues follow give one warning per export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_importer
from slametrics import api
from slametrics.importers.jira import JiraImporter
from slametrics.importers.zendesk import ZendeskImporter
from slametrics.problems import PROBLEM_CODES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ZD = FIXTURES / "zendesk"
JIRA = FIXTURES / "jira"
PREFIX = PROBLEM_CODES["incomplete-export"] + ": "


def incomplete(result) -> list[tuple[str, str, str]]:
    """(file name, severity, what is missing) of each incomplete-export problem."""
    return [
        (Path(p.file).name, p.severity, p.message.removeprefix(PREFIX))
        for p in result.report.problems
        if p.code == "incomplete-export"
    ]


def tickets(result) -> list[str]:
    return sorted(result.tickets["ticket_id"])


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- Zendesk


def test_cursor_page_with_more_to_follow():
    r = run_importer(ZendeskImporter, ZD / "cursor_page1.json")
    assert incomplete(r) == [
        (
            "cursor_page1.json",
            "warning",
            "end_of_stream is false: more pages follow after_cursor MTc5NDE0MjgwMC4wfHw5MTA0fA==",
        )
    ]
    assert tickets(r) == ["9101", "9102", "9103", "9104"]


@pytest.mark.parametrize(
    "names",
    [
        ["cursor_page1.json", "cursor_page2.json"],
        ["cursor_page2.json", "cursor_page1.json"],  # the stream's end is given, in any order
        ["cursor_pages.ndjson"],
        ["time_based_page.json"],
        ["show_ticket.json"],
        ["tickets.ndjson"],
    ],
)
def test_complete_zendesk_exports_have_no_warning(names):
    r = run_importer(ZendeskImporter, *[ZD / n for n in names])
    assert incomplete(r) == []


def test_time_based_page_with_more_to_follow():
    r = run_importer(ZendeskImporter, ZD / "time_based_more_pages.json")
    url = "https://acme-help.zendesk.com/api/v2/incremental/tickets.json?start_time=1794909600"
    assert incomplete(r) == [
        (
            "time_based_more_pages.json",
            "warning",
            f"end_of_stream is false: more pages follow next_page {url}",
        )
    ]
    assert tickets(r) == ["9501", "9502"]
    assert r.tickets.set_index("ticket_id").loc["9502", "status_class"] == "resolved"


def test_cursor_and_time_based_pages_are_separate_exports():
    # a time-based page that ends its stream says nothing of a cursor-based one
    r = run_importer(ZendeskImporter, ZD / "cursor_page1.json", ZD / "time_based_page.json")
    assert [name for name, _, _ in incomplete(r)] == ["cursor_page1.json"]


def test_two_unfinished_files_give_one_warning_on_the_last(tmp_path):
    page = json.loads((ZD / "cursor_page1.json").read_text())
    first = write(tmp_path, "a.json", page)
    page["after_cursor"] = "NEXT"
    second = write(tmp_path, "b.json", page)
    r = run_importer(ZendeskImporter, first, second)
    assert incomplete(r) == [
        ("b.json", "warning", "end_of_stream is false: more pages follow after_cursor NEXT")
    ]


def test_tickets_list_page_of_more():
    r = run_importer(ZendeskImporter, ZD / "list_page_of_more.json")
    url = "https://acme-help.zendesk.com/api/v2/tickets.json?page=2&per_page=2"
    assert incomplete(r) == [
        (
            "list_page_of_more.json",
            "warning",
            f"count 250 tickets, 2 given; more pages follow next_page {url}",
        )
    ]
    assert tickets(r) == ["9601", "9602"]


def test_tickets_list_pages_complete():
    r = run_importer(ZendeskImporter, ZD / "list_pages_complete.json")
    assert incomplete(r) == []
    assert tickets(r) == ["9701", "9702", "9703"]


def test_tickets_list_pages_in_two_files(tmp_path):
    pages = json.loads((ZD / "list_pages_complete.json").read_text())
    files = [write(tmp_path, f"page{i}.json", p) for i, p in enumerate(pages, start=1)]
    assert incomplete(run_importer(ZendeskImporter, *files)) == []
    # page 1 alone: count 3, 2 held, next_page set
    assert [m for _, _, m in incomplete(run_importer(ZendeskImporter, files[0]))] == [
        "count 3 tickets, 2 given; more pages follow next_page "
        "https://acme-help.zendesk.com/api/v2/tickets.json?page=2&per_page=2"
    ]


@pytest.mark.parametrize("has_more", [True, False])
def test_tickets_list_cursor_pagination(tmp_path, has_more):
    page = json.loads((ZD / "list_page_of_more.json").read_text())
    for key in ("next_page", "previous_page", "count"):
        del page[key]
    nxt = "https://acme-help.zendesk.com/api/v2/tickets.json?page[size]=2&page[after]=xxx"
    page["meta"] = {"has_more": has_more, "after_cursor": "xxx", "before_cursor": "yyy"}
    page["links"] = {"next": nxt if has_more else None, "prev": None}
    r = run_importer(ZendeskImporter, write(tmp_path, "list.json", page))
    expected = [f"meta.has_more is true: more pages follow links.next {nxt}"] if has_more else []
    assert [m for _, _, m in incomplete(r)] == expected
    assert tickets(r) == ["9601", "9602"]


# --------------------------------------------------------------------------- Jira


def test_jira_v2_pages_of_more():
    r = run_importer(JiraImporter, JIRA / "search_v2_pages_of_more.json")
    assert incomplete(r) == [("search_v2_pages_of_more.json", "warning", "total 6 issues, 4 given")]
    assert tickets(r) == ["HELP-31", "HELP-32", "HELP-33", "HELP-34"]


def test_jira_v2_pages_across_files(tmp_path):
    pages = json.loads((JIRA / "search_v2_pages_of_more.json").read_text())
    for page in pages:
        page["total"] = 4
    files = [write(tmp_path, f"p{i}.json", p) for i, p in enumerate(pages)]
    assert incomplete(run_importer(JiraImporter, *files)) == []
    assert incomplete(run_importer(JiraImporter, files[1])) == [
        ("p1.json", "warning", "total 4 issues, 2 given")
    ]


def test_jira_v3_page_of_more():
    r = run_importer(JiraImporter, JIRA / "search_v3_page_of_more.json")
    assert incomplete(r) == [
        (
            "search_v3_page_of_more.json",
            "warning",
            "isLast is false: more pages follow nextPageToken CAEaAggE",
        )
    ]
    assert tickets(r) == ["HELP-41", "HELP-42"]


def test_jira_v3_token_without_is_last(tmp_path):
    page = json.loads((JIRA / "search_v3_page_of_more.json").read_text())
    del page["isLast"]
    page["nextPageToken"] = "a{held}{0}}"  # the token is the export's text, braces and all
    r = run_importer(JiraImporter, write(tmp_path, "v3.json", page))
    assert [m for _, _, m in incomplete(r)] == [
        "the last page given: more pages follow nextPageToken a{held}{0}}"
    ]


@pytest.mark.parametrize(
    "name", ["search_v2_no_names.json", "search_v3_pages.ndjson", "issues.ndjson"]
)
def test_complete_jira_exports_have_no_warning(name):
    assert incomplete(run_importer(JiraImporter, JIRA / name)) == []


def test_auto_detected_and_in_the_summary():
    _, _, summary = api.read_exports([JIRA / "search_v3_page_of_more.json"])
    assert [(p.code, p.severity) for p in summary.problems] == [("incomplete-export", "warning")]
    assert summary.rows_rejected == 0
