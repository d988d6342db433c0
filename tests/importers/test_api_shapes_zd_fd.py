"""Zendesk and Freshdesk API shapes as the vendors document them: pages, sideloads, embeds."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_importer
from slametrics.errors import UserError
from slametrics.importers import IMPORTERS, detect_importer, get_importer
from slametrics.importers.freshdesk import FreshdeskImporter
from slametrics.importers.io import open_inputs
from slametrics.importers.zendesk import ZendeskImporter

ROOT = Path(__file__).resolve().parents[2]
ZD = ROOT / "tests" / "fixtures" / "zendesk"
FD = ROOT / "tests" / "fixtures" / "freshdesk"
ZD_NEW = ["cursor_page1.json", "cursor_page2.json", "time_based_page.json"]
ZD_NEW += ["cursor_pages.ndjson", "show_ticket.json"]
FD_NEW = ["list_page_no_tags.json", "list_include_stats_requester.json"]
FD_NEW += ["view_ticket_include_stats.json"]
SUMMARY = ["status", "status_class", "first_response_at", "resolved_at", "reopens"]


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def table(result) -> pd.DataFrame:
    return result.tickets.set_index("ticket_id")


def row(result, tid: str, cols: list[str]) -> list:
    values = table(result).loc[tid, cols].tolist()
    return [None if v is pd.NaT or (not isinstance(v, list) and pd.isna(v)) else v for v in values]


def events_of(result, tid: str) -> list[tuple]:
    ev = result.events.loc[result.events["ticket_id"] == tid, ["at", "event", "status_class"]]
    ev = ev.astype(object)
    return list(ev.where(ev.notna(), None).itertuples(index=False, name=None))


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def problems(result) -> list[list]:
    return result.report.flatten(["code", "line", "column", "value"])


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize("name", ZD_NEW)
def test_zendesk_api_shapes_are_detected_without_options(name):
    (f,) = open_inputs(ZD / name)
    scores = {n: get_importer(n).detect(f) for n in IMPORTERS}
    assert detect_importer(f) == "zendesk"
    assert scores["jira"] == 0 and scores["freshdesk"] == 0


@pytest.mark.parametrize("name", FD_NEW)
def test_freshdesk_api_shapes_are_detected_without_options(name):
    (f,) = open_inputs(FD / name)
    assert detect_importer(f) == "freshdesk"
    assert ZendeskImporter.detect(f) < FreshdeskImporter.detect(f)


def test_tickets_carrying_fields_are_zendesk_and_not_jira(tmp_path):
    """Every Tickets API ticket has `fields`; Jira's issues have `fields` with `issuetype`."""
    ticket = json.loads((ZD / "show_ticket.json").read_text())["ticket"]
    (f,) = open_inputs(write(tmp_path, "t.json", {"tickets": [ticket]}))
    assert detect_importer(f) == "zendesk"
    jira = {"issues": [{"key": "SD-1", "fields": {"issuetype": {"name": "Bug"}}}]}
    (j,) = open_inputs(write(tmp_path, "j.json", jira))
    assert ZendeskImporter.detect(j) == 0


# --------------------------------------------------------------------------- Zendesk pages


@pytest.fixture(scope="module")
def cursor():
    return run_importer(ZendeskImporter, ZD / "cursor_page1.json", ZD / "cursor_page2.json")


def test_cursor_pages_tickets_statuses_replies_and_resolutions(cursor):
    t = table(cursor)
    assert sorted(t.index) == ["9101", "9102", "9103", "9104", "9105"]
    assert (cursor.report.rows_read, cursor.report.rows_rejected) == (7, 0)
    assert cursor.report.problems == []
    assert row(cursor, "9101", SUMMARY) == [
        "solved",
        "resolved",
        ts("2026-11-02 08:45"),
        ts("2026-11-03 09:30"),
        0,
    ]
    # page 2's later copies win: 9102 pending -> open, 9103 new -> solved after a reopen
    assert row(cursor, "9102", SUMMARY) == ["open", "open", ts("2026-11-02 11:00"), None, 0]
    assert row(cursor, "9103", SUMMARY) == [
        "solved",
        "resolved",
        ts("2026-11-03 10:00"),
        ts("2026-11-05 15:00"),
        1,
    ]
    assert row(cursor, "9105", SUMMARY) == ["hold", "on_hold", ts("2026-11-04 09:30"), None, 0]
    assert t.loc["9103", "agent_replies"] == 3


def test_cursor_pages_deleted_ticket_is_canceled(cursor):
    assert row(cursor, "9104", ["status", "status_class"]) == ["deleted", "canceled"]
    assert events_of(cursor, "9104") == [
        (ts("2026-11-02 11:00"), "created", "new"),
        (ts("2026-11-02 13:00"), "status", "canceled"),
    ]


def test_cursor_pages_sideloads_name_ids_and_fields_are_kept(cursor):
    cols = ["requester", "assignee", "group", "organization", "priority", "type", "csat"]
    assert row(cursor, "9101", cols) == [
        "Olga Smirnova",
        "Anna Agent",
        "Billing",
        "Client Ltd",
        "high",
        "incident",
        1.0,
    ]
    # null priority and type stay unknown; `unoffered` is no score; `bad` is 0
    assert row(cursor, "9102", cols) == [
        "Pavel Orlov",
        "Anna Agent",
        "Tier 2",
        None,
        None,
        None,
        None,
    ]
    assert table(cursor).loc["9103", "csat"] == 0.0
    extra = dict(table(cursor).loc["9101", "extra"])
    assert extra["custom_field_360101"] == "plan_pro"
    assert extra["custom_status_id"] == "9001"
    assert "custom_field_360101" not in dict(table(cursor).loc["9102", "extra"])


def test_open_ticket_status_dated_by_metric_status_updated_at(cursor):
    assert events_of(cursor, "9102") == [
        (ts("2026-11-02 09:00"), "created", "new"),
        (ts("2026-11-02 11:00"), "agent_reply", None),
        (ts("2026-11-04 08:00"), "status", "open"),
    ]
    assert events_of(cursor, "9105")[-1] == (ts("2026-11-04 10:00"), "status", "on_hold")


def test_page_order_does_not_decide_the_latest_update():
    r = run_importer(ZendeskImporter, ZD / "cursor_page2.json", ZD / "cursor_page1.json")
    assert row(r, "9103", SUMMARY) == row(
        run_importer(ZendeskImporter, ZD / "cursor_page1.json", ZD / "cursor_page2.json"),
        "9103",
        SUMMARY,
    )
    assert row(r, "9102", ["status", "updated_at"]) == ["open", ts("2026-11-04 08:00")]


def test_time_based_page_repeated_ticket_later_copy_wins():
    r = run_importer(ZendeskImporter, ZD / "time_based_page.json")
    assert sorted(table(r).index) == ["9201", "9202"]
    assert (r.report.rows_read, r.report.rows_imported) == (3, 3)
    assert row(r, "9201", SUMMARY) == [
        "closed",
        "closed",
        ts("2026-11-06 08:25"),
        ts("2026-11-06 09:30"),
        0,
    ]
    assert row(r, "9202", [*SUMMARY, "priority"]) == ["new", "new", None, None, 0, None]


def test_ndjson_one_cursor_page_per_line():
    r = run_importer(ZendeskImporter, ZD / "cursor_pages.ndjson")
    assert r.report.problems == []
    assert row(r, "9302", [*SUMMARY, "requester", "group"]) == [
        "solved",
        "resolved",
        ts("2026-11-09 11:00"),
        ts("2026-11-10 09:00"),
        0,
        "Pavel Orlov",
        "Billing",
    ]
    assert row(r, "9301", SUMMARY) == ["open", "open", ts("2026-11-09 08:15"), None, 0]


def test_single_ticket_response_with_sideloads():
    r = run_importer(ZendeskImporter, ZD / "show_ticket.json")
    assert row(r, "9401", [*SUMMARY, "agent_replies", "organization", "tags"]) == [
        "pending",
        "waiting_customer",
        ts("2026-11-11 08:10"),
        None,
        0,
        2,
        "Client Ltd",
        ["vip"],
    ]
    assert events_of(r, "9401")[-1] == (ts("2026-11-11 11:00"), "status", "waiting_customer")


# --------------------------------------------------------------------------- Zendesk broken


def test_zendesk_page_with_bad_tickets_keeps_the_good_ones(tmp_path):
    page = json.loads((ZD / "cursor_page1.json").read_text())
    del page["tickets"][1]["id"]
    page["tickets"][2]["created_at"] = "2026-13-45T00:00:00Z"
    page["metric_sets"][0]["solved_at"] = "soon"
    r = run_importer(ZendeskImporter, write(tmp_path, "page.json", page))
    assert problems(r) == [
        ["unparseable-timestamp", 1, "metric_sets.solved_at", "soon"],
        ["unparseable-timestamp", 3, "created_at", "2026-13-45T00:00:00Z"],
        ["missing-value", 2, "id", None],
        ["incomplete-export", None, None, None],  # page 1 of 2: end_of_stream is false
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (4, 2, 2)
    # without a readable solve time, creation + the full resolution time (1530 min) stands
    assert row(r, "9101", ["resolved_at"]) == [ts("2026-11-03 09:30")]


def test_truncated_zendesk_page_is_one_readable_error(tmp_path):
    text = (ZD / "cursor_page1.json").read_text()
    path = write(tmp_path, "page.json", text[: len(text) // 2])
    with pytest.raises(UserError, match=r"page.json: not valid JSON \(line \d+, column \d+"):
        run_importer(ZendeskImporter, path)


def test_truncated_ndjson_page_line_is_a_problem_and_other_pages_import(tmp_path):
    first, second = (ZD / "cursor_pages.ndjson").read_text().splitlines()
    path = write(tmp_path, "pages.ndjson", first + "\n" + second[: len(second) // 2] + "\n")
    r = run_importer(ZendeskImporter, path)
    # the page that ends the stream is the broken line: what remains says more pages follow
    assert [p[:3] for p in problems(r)] == [
        ["malformed-json", 2, None],
        ["incomplete-export", None, None],
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (3, 2, 1)
    assert row(r, "9302", ["status", "resolved_at"]) == ["new", None]


def test_zendesk_page_with_odd_values_in_every_slot(tmp_path):
    page = json.loads((ZD / "cursor_page1.json").read_text())
    t = page["tickets"][0]
    t.update(fields="x", custom_fields=[None, {"id": 1}], tags={"a": 1}, via=[])
    t.update(satisfaction_rating="good", priority=["high"], custom_status_id={"id": 1})
    page["metric_sets"] = [1, None, {"ticket_id": 9101, "reply_time_in_minutes": "x"}]
    page["users"] = "nobody"
    r = run_importer(ZendeskImporter, write(tmp_path, "page.json", page))
    assert [p.code for p in r.report.problems] == ["incomplete-export"]  # end_of_stream false
    assert row(r, "9101", ["priority", "channel", "csat", "tags", "first_response_at"]) == [
        None,
        None,
        None,
        None,
        None,
    ]


# --------------------------------------------------------------------------- Freshdesk


def test_freshdesk_page_where_no_ticket_has_tags():
    r = run_importer(FreshdeskImporter, FD / "list_page_no_tags.json")
    assert r.report.problems == [] and r.report.rows_imported == 4
    t = table(r)
    assert t["tags"].isna().all()
    assert t["status_class"].to_dict() == {
        "701": "open",
        "702": "waiting_customer",
        "703": "resolved",
        "704": "closed",
    }
    # no `include=stats`: no reply or resolution time is known, none is made up
    assert t[["first_response_at", "resolved_at", "closed_at"]].isna().all().all()
    assert row(r, "702", ["priority", "channel", "type", "assignee"]) == [
        "High",
        "Portal",
        "Question",
        "47000001",
    ]


def test_freshdesk_page_with_no_tags_writes_to_the_log(tmp_path, capsys):
    from slametrics.cli import main

    code = main(["import", str(FD / "list_page_no_tags.json"), "--log", str(tmp_path / "log")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "freshdesk" in out


@pytest.fixture(scope="module")
def embedded():
    return run_importer(FreshdeskImporter, FD / "list_include_stats_requester.json")


def test_freshdesk_include_stats_requester(embedded):
    assert embedded.report.problems == []
    cols = [*SUMMARY, "closed_at", "requester", "tags"]
    assert row(embedded, "711", cols) == [
        "Resolved",
        "resolved",
        ts("2026-11-03 08:20"),
        ts("2026-11-03 12:00"),
        0,
        None,
        "Maria Lopez",
        ["outage", "vip"],
    ]
    assert row(embedded, "713", cols) == [
        "Closed",
        "closed",
        ts("2026-11-03 11:00"),
        ts("2026-11-04 09:30"),
        1,
        ts("2026-11-06 10:00"),
        "Maria Lopez",
        None,
    ]
    assert row(embedded, "714", cols) == ["Open", "open", None, None, 0, None, "Tom Baker", None]
    verdicts = ["vendor_first_response_met", "vendor_resolution_met"]
    assert row(embedded, "711", verdicts) == [True, True]
    assert row(embedded, "712", verdicts) == [False, None]
    extra = dict(table(embedded).loc["711", "extra"])
    assert extra["stats.agent_responded_at"] == "2026-11-03T11:00:00Z"
    assert extra["custom_fields.cf_contract"] == "gold"


def test_freshdesk_pending_status_dated_by_pending_since(embedded):
    assert events_of(embedded, "712") == [
        (ts("2026-11-03 09:00"), "created", "new"),
        (ts("2026-11-03 14:00"), "agent_reply", None),
        (ts("2026-11-03 14:00"), "status", "waiting_customer"),
    ]


def test_freshdesk_single_ticket_with_stats():
    r = run_importer(FreshdeskImporter, FD / "view_ticket_include_stats.json")
    cols = [*SUMMARY, "requester", "vendor_first_response_met", "vendor_resolution_met"]
    assert row(r, "721", cols) == [
        "Resolved",
        "resolved",
        ts("2026-11-04 13:00"),
        ts("2026-11-04 15:00"),
        0,
        "Tom Baker",
        False,
        True,
    ]


def test_freshdesk_two_pages_latest_update_wins_in_any_order(tmp_path):
    page = json.loads((FD / "list_include_stats_requester.json").read_text())
    later = copy.deepcopy(page[1])
    later.update(status=4, updated_at="2026-11-05T09:00:00Z")
    later["stats"].update(resolved_at="2026-11-05T09:00:00Z", status_updated_at=None)
    newer = write(tmp_path, "page2.json", [later])
    first = FD / "list_include_stats_requester.json"
    for files in ([first, newer], [newer, first]):
        r = run_importer(FreshdeskImporter, *files)
        assert row(r, "712", ["status", "resolved_at"]) == ["Resolved", ts("2026-11-05 09:00")]
        assert [p[0] for p in problems(r)] == ["duplicate-ticket"]


def test_freshdesk_page_with_bad_tickets_keeps_the_good_ones(tmp_path):
    page = json.loads((FD / "list_include_stats_requester.json").read_text())
    del page[1]["id"]
    page[2]["stats"]["resolved_at"] = "2026-11-04 25:00"
    page[3]["created_at"] = "not a time"
    r = run_importer(FreshdeskImporter, write(tmp_path, "page.json", page))
    assert problems(r) == [
        ["unparseable-timestamp", 4, "created_at", "not a time"],
        ["unparseable-timestamp", 3, "stats.resolved_at", "2026-11-04 25:00"],
        ["missing-value", 2, "id", None],
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (4, 2, 2)
    assert row(r, "713", ["status_class", "resolved_at", "closed_at"]) == [
        "closed",
        None,
        ts("2026-11-06 10:00"),
    ]


def test_truncated_freshdesk_page_is_one_readable_error(tmp_path):
    text = (FD / "list_page_no_tags.json").read_text()
    path = write(tmp_path, "page.json", text[: len(text) // 2])
    with pytest.raises(UserError, match=r"page.json: not valid JSON"):
        run_importer(FreshdeskImporter, path)


def test_freshdesk_deleted_or_spam_ticket_is_canceled(tmp_path):
    page = json.loads((FD / "list_page_no_tags.json").read_text())
    page[0]["deleted"] = True
    page[1]["spam"] = True
    r = run_importer(FreshdeskImporter, write(tmp_path, "trash.json", page))
    assert row(r, "701", ["status", "status_class"]) == ["Open", "canceled"]
    assert row(r, "702", ["status", "status_class"]) == ["Pending", "canceled"]
    assert row(r, "703", ["status_class"]) == ["resolved"]
    assert events_of(r, "701")[-1] == (ts("2026-11-02 08:00"), "status", "canceled")


def test_zendesk_dates_sideload_fills_what_the_metric_set_lacks(tmp_path):
    """`include=dates` puts the ticket's metric dates in each ticket (no durations)."""
    page = json.loads((ZD / "time_based_page.json").read_text())
    del page["metric_sets"]
    page["tickets"][2]["dates"] = {
        "solved_at": "2026-11-06T09:40:00Z",
        "status_updated_at": "2026-11-07T12:00:00Z",
    }
    page["tickets"][1]["dates"] = {"status_updated_at": "2026-11-06T09:05:00Z"}
    page["tickets"][1]["metric_set"] = {"reply_time_in_minutes": {"calendar": 7}}
    r = run_importer(ZendeskImporter, write(tmp_path, "page.json", page))
    assert row(r, "9201", ["status_class", "resolved_at", "first_response_at"]) == [
        "closed",
        ts("2026-11-06 09:40"),
        None,
    ]
    assert row(r, "9202", ["first_response_at"]) == [ts("2026-11-06 09:07")]
    assert (ts("2026-11-06 09:05"), "status", "new") in events_of(r, "9202")


def test_freshdesk_pages_as_ndjson_lines_import_as_the_pages_do(embedded):
    """Each line a list page (the array the API returns): every ticket of every page is read,
    at its page's line, as the page files are on their own."""
    r = run_importer(FreshdeskImporter, FD / "list_pages.ndjson")
    assert r.report.problems == []
    assert (r.report.rows_read, r.report.rows_imported) == (8, 8)
    alone = run_importer(FreshdeskImporter, FD / "list_page_no_tags.json")
    assert sorted(table(r).index) == sorted([*table(alone).index, *table(embedded).index])
    # `reopens` left out: a page without `stats` has none alone, 0 beside a page with them
    # (as in one document holding both kinds of ticket)
    cols = [c for c in SUMMARY if c != "reopens"] + ["tags", "vendor_first_response_met"]
    for page in (alone, embedded):
        got = table(r).loc[table(page).index, cols]
        pd.testing.assert_frame_equal(got, table(page)[cols], check_like=True)


def test_a_broken_item_of_an_ndjson_page_is_a_problem_at_its_line(tmp_path):
    pages = [json.loads((FD / name).read_text()) for name in FD_NEW[:2]]
    pages[1][2] = "not a ticket"
    text = "\n".join(json.dumps(p) for p in pages) + "\n{broken\n"
    r = run_importer(FreshdeskImporter, write(tmp_path, "pages.ndjson", text))
    assert r.report.flatten(["code", "line"]) == [["malformed-json", 2], ["malformed-json", 3]]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (9, 7, 2)
    assert "713" not in table(r).index and "714" in table(r).index
