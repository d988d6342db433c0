"""Naive timestamps: one `naive-timestamp` notice per file naming the zone assumed, none for
files whose timestamps carry their offset; the zone is --tz's, else the mapping's, else the
importer's default."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT
from slametrics.api import read_exports
from slametrics.cli import main

NOTICE = "timestamps carry no offset; they were read as local time in {zone}"
TICKETS = (
    "ticket_id,created_at,first_response_at,resolved_at,status\n"
    "1,2026-11-02 09:00:00,2026-11-02 09:30:00,2026-11-02 12:00:00,resolved\n"
    "2,2026-11-03 10:00:00,,,open\n"
)
EVENTS = (
    "ticket_id,at,event,value\n"
    "1,2026-11-02 09:00:00,created,\n"
    "1,2026-11-02 09:30:00,agent_reply,\n"
    "1,2026-11-02 12:00:00,resolved,\n"
    "2,2026-11-03 10:00:00,created,\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def notices(summary) -> list[tuple[str, str, str]]:
    return [
        (Path(p.file).name, p.severity, p.message)
        for p in summary.problems
        if p.code == "naive-timestamp"
    ]


def test_one_notice_per_naive_file_naming_the_zone(tmp_path: Path) -> None:
    paths = [write(tmp_path, "tickets.csv", TICKETS), write(tmp_path, "events.csv", EVENTS)]
    tickets, _, summary = read_exports(paths, tz="Europe/Moscow")
    moscow = NOTICE.format(zone="Europe/Moscow")
    # three naive columns in tickets.csv, one in events.csv: one notice each file
    assert notices(summary) == [
        ("tickets.csv", "warning", moscow),
        ("events.csv", "warning", moscow),
    ]
    # read as Moscow time (UTC+3), as the notice says
    assert str(tickets.loc[0, "created_at"]) == "2026-11-02 06:00:00+00:00"


def test_no_notice_when_every_timestamp_carries_its_offset(tmp_path: Path) -> None:
    aware = TICKETS.replace(":00:00,", ":00:00Z,").replace(":30:00,", ":30:00+03:00,")
    assert aware.count("Z,") == 3 and "+03:00" in aware
    _, _, summary = read_exports([write(tmp_path, "tickets.csv", aware)], tz="Europe/Moscow")
    assert notices(summary) == []


def test_the_mapping_zone_is_named_when_no_tz_is_given(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        "map.yaml",
        "timezone: Asia/Yekaterinburg\ncolumns:\n  ticket_id: Case\n  created_at: Opened\n",
    )
    data = write(tmp_path, "cases.csv", "Case,Opened\nA,2026-11-02 09:00\nB,2026-11-02 10:00\n")
    _, _, summary = read_exports([data], mapping=mapping)
    assert notices(summary) == [("cases.csv", "warning", NOTICE.format(zone="Asia/Yekaterinburg"))]
    _, _, summary = read_exports([data], mapping=mapping, tz="Europe/Berlin")  # --tz first
    assert notices(summary) == [("cases.csv", "warning", NOTICE.format(zone="Europe/Berlin"))]


def test_a_vendor_export_names_the_importers_default_zone() -> None:
    # Zendesk's admin CSV export: naive account-zone times, read as UTC unless --tz says
    path = ROOT / "sample_data" / "zendesk" / "admin_export.csv"
    _, _, summary = read_exports([path])
    assert notices(summary) == [("admin_export.csv", "warning", NOTICE.format(zone="UTC"))]
    # its API JSON carries `Z` times: no notice
    _, _, summary = read_exports([ROOT / "tests" / "fixtures" / "zendesk" / "cursor_page1.json"])
    assert notices(summary) == []


def test_the_cli_says_it_once(tmp_path: Path, capsys) -> None:
    paths = [write(tmp_path, "tickets.csv", TICKETS)]
    rc = main(["import", *map(str, paths), "--log", str(tmp_path / "log"), "--tz", "Asia/Tokyo"])
    said = capsys.readouterr()
    shown = said.err  # the import's problems go to stderr, its summary to stdout
    assert rc == 0
    assert shown.count("naive-timestamp") == 1 and "naive-timestamp" not in said.out
    assert NOTICE.format(zone="Asia/Tokyo") in " ".join(shown.split())
