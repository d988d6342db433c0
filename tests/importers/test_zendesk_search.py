"""Zendesk Search API pages (`search.json`, `search/export`): tickets kept, others a notice."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_importer
from slametrics import api
from slametrics.importers import detect_importer
from slametrics.importers.io import open_inputs
from slametrics.importers.zendesk import ZendeskImporter
from slametrics.problems import PROBLEM_CODES

ZD = Path(__file__).resolve().parents[1] / "fixtures" / "zendesk"
OFFSET = ZD / "search_offset_pages.json"
EXPORT_MORE = ZD / "search_export_page_of_more.json"
EXPORT_NDJSON = ZD / "search_export_pages.ndjson"
SEARCH = "https://acme-help.zendesk.com/api/v2/search.json?query=printer&per_page=3"
EXPORT_NEXT = (
    "https://acme-help.zendesk.com/api/v2/search/export?filter%5Btype%5D=ticket&page%5Bsize%5D=2"
    "&query=status%3Copen&page%5Bafter%5D="
    "eyJmaWVsZCI6ImNyZWF0ZWRfYXQiLCJkZXNjIjpmYWxzZSwidGllQnJlYWtGaWVsZCI6ImlkIn0%3D"
)


def said(result, code: str) -> list[tuple[str, str, str]]:
    """(file name, severity, message after the code's description) of each `code` problem."""
    prefix = PROBLEM_CODES[code] + ": "
    return [
        (Path(p.file).name, p.severity, p.message.removeprefix(prefix))
        for p in result.report.problems
        if p.code == code
    ]


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_offset_pages_keep_the_tickets_and_count_the_other_results():
    r = run_importer(ZendeskImporter, OFFSET)
    t = r.tickets.set_index("ticket_id").sort_index()
    assert list(t.index) == ["9801", "9802", "9803"]
    assert t[["status", "status_class", "priority"]].values.tolist() == [
        ["open", "open", "high"],
        ["solved", "resolved", "normal"],
        ["pending", "waiting_customer", "urgent"],
    ]
    assert t.loc["9803", "created_at"] == pd.Timestamp("2026-11-17 07:45", tz="UTC")
    assert t.loc["9801", "requester"] == "51002" and t.loc["9801", "group"] == "71002"
    # the user, the organization and the group of the results are no rows, only a notice
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (3, 3, 0)
    assert said(r, "not-a-ticket") == [
        ("search_offset_pages.json", "warning", "3 (user 1, organization 1, group 1)")
    ]
    assert said(r, "incomplete-export") == []  # page 2 of 2: next_page null
    assert [p.code for p in r.report.problems] == ["not-a-ticket"]


def test_offset_page_of_more_alone_is_an_incomplete_export(tmp_path):
    page1 = json.loads(OFFSET.read_text())[0]
    r = run_importer(ZendeskImporter, write(tmp_path, "page1.json", page1))
    assert sorted(r.tickets["ticket_id"]) == ["9801", "9802"]
    assert said(r, "incomplete-export") == [
        (
            "page1.json",
            "warning",
            f"count 6 search results, 3 given; more pages follow next_page {SEARCH}&page=2",
        )
    ]
    assert said(r, "not-a-ticket") == [("page1.json", "warning", "1 (user 1)")]


@pytest.mark.parametrize("order", [[0, 1], [1, 0]])
def test_offset_pages_in_two_files_complete_each_other(tmp_path, order):
    pages = json.loads(OFFSET.read_text())
    files = [write(tmp_path, f"page{i + 1}.json", pages[i]) for i in order]
    r = run_importer(ZendeskImporter, *files)
    assert said(r, "incomplete-export") == []
    assert sorted(r.tickets["ticket_id"]) == ["9801", "9802", "9803"]
    # one notice per file that skipped results
    assert sorted(m for _, _, m in said(r, "not-a-ticket")) == [
        "1 (user 1)",
        "2 (organization 1, group 1)",
    ]


def test_export_page_of_more_names_its_next_link():
    r = run_importer(ZendeskImporter, EXPORT_MORE)
    t = r.tickets.set_index("ticket_id").sort_index()
    assert list(t.index) == ["9811", "9812"]
    assert pd.isna(t.loc["9812", "priority"]) and pd.isna(t.loc["9812", "assignee"])
    assert said(r, "incomplete-export") == [
        (
            "search_export_page_of_more.json",
            "warning",
            f"meta.has_more is true: more pages follow links.next {EXPORT_NEXT}",
        )
    ]
    assert said(r, "not-a-ticket") == []


def test_export_pages_one_per_ndjson_line_end_the_export():
    r = run_importer(ZendeskImporter, EXPORT_NDJSON)
    t = r.tickets.set_index("ticket_id").sort_index()
    assert list(t.index) == ["9811", "9812", "9813"]
    assert t.loc["9813", ["status_class", "priority", "requester"]].tolist() == [
        "new",
        "high",
        "51004",
    ]
    assert r.report.problems == []
    assert (r.report.rows_read, r.report.rows_imported) == (3, 3)


def test_export_page_with_more_then_the_last_page_in_another_file(tmp_path):
    last = json.loads(EXPORT_NDJSON.read_text().splitlines()[1])
    r = run_importer(ZendeskImporter, EXPORT_MORE, write(tmp_path, "page2.json", last))
    assert said(r, "incomplete-export") == []
    assert sorted(r.tickets["ticket_id"]) == ["9811", "9812", "9813"]


@pytest.mark.parametrize("fixture", [OFFSET, EXPORT_NDJSON])
def test_gzipped_search_pages_are_detected_and_read(tmp_path, fixture):
    gz = tmp_path / (fixture.name + ".gz")
    gz.write_bytes(gzip.compress(fixture.read_bytes()))
    (f,) = open_inputs(gz)
    assert detect_importer(f) == "zendesk"
    tickets, _, summary = api.read_exports([gz])
    plain, _, _ = api.read_exports([fixture])
    assert sorted(tickets["ticket_id"]) == sorted(plain["ticket_id"])
    expected = ["not-a-ticket"] if fixture is OFFSET else []
    assert [p.code for p in summary.problems] == expected


def test_results_saved_one_per_line_keep_only_the_tickets(tmp_path):
    results = [r for page in json.loads(OFFSET.read_text()) for r in page["results"]]
    path = tmp_path / "results.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in results), encoding="utf-8")
    (f,) = open_inputs(path)
    assert detect_importer(f) == "zendesk"
    r = run_importer(ZendeskImporter, path)
    assert sorted(r.tickets["ticket_id"]) == ["9801", "9802", "9803"]
    assert said(r, "not-a-ticket") == [
        ("results.ndjson", "warning", "3 (user 1, organization 1, group 1)")
    ]
    assert r.report.rows_rejected == 0


def test_search_past_its_result_limit_is_incomplete_without_a_next_page(tmp_path):
    # offset search returns at most 1000 results; `count` still tells all that matched
    page = json.loads(OFFSET.read_text())[1]
    page["count"] = 4200
    r = run_importer(ZendeskImporter, write(tmp_path, "page10.json", page))
    assert said(r, "incomplete-export") == [
        (
            "page10.json",
            "warning",
            "count 4200 search results, 3 given; the Search API returns at most 1000 results "
            "per query (the Search Export API returns all)",
        )
    ]


def test_search_without_tickets_imports_nothing_and_says_why(tmp_path):
    page = {
        "results": [json.loads(OFFSET.read_text())[0]["results"][1]],
        "facets": None,
        "next_page": None,
        "previous_page": None,
        "count": 1,
    }
    r = run_importer(ZendeskImporter, write(tmp_path, "users.json", page))
    assert len(r.tickets) == 0
    assert said(r, "not-a-ticket") == [("users.json", "warning", "1 (user 1)")]
    assert [p.severity for p in r.report.problems] == ["warning"]
