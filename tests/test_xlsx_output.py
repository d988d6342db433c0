"""Excel outputs read back with a second reader (openpyxl, through pandas) equal `--format csv`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import POLICIES, SAMPLE, invoke

SUBJECT = '=HYPERLINK("http://evil.example/x","click me")'
TICKETS = f"""ticket_id,created_at,subject,type,priority,organization,category,status
T1,2026-11-02T09:00:00Z,"{SUBJECT.replace('"', '""')}",incident,urgent,Acme,vpn,resolved
T2,2026-11-02T10:00:00Z,Printer,question,normal,Acme,printing,waiting_customer
T3,2026-11-03T10:00:00Z,VPN again,incident,high,Acme,vpn,open
"""
EVENTS = """ticket_id,at,event,value,actor,public
T1,2026-11-02T09:10:00Z,agent_reply,,agent,true
T1,2026-11-02T11:00:00Z,resolved,resolved,agent,false
T2,2026-11-02T10:30:00Z,agent_reply,,agent,true
T2,2026-11-02T10:31:00Z,status,waiting_customer,agent,false
T3,2026-11-03T10:05:00Z,agent_reply,,agent,true
"""
POLICY = """version: 1
name: test contract
timezone: UTC
calendars: {always: 24x7}
targets:
  - {match: {priority: [urgent]}, calendar: always, first_response: 15m, resolution: 4h}
  - {match: {}, calendar: always, first_response: 1h, resolution: 24h}
thresholds:
  - {metric: on_time_share, min: 0.5}
"""
AS_OF = ["--as-of", "2026-11-03T12:00:00Z"]


@pytest.fixture
def small(tmp_path: Path, capsys) -> tuple[Path, Path]:
    (tmp_path / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    log = tmp_path / "log"
    invoke(["import", tmp_path / "tickets.csv", tmp_path / "events.csv", "--log", log], capsys)
    return log, policy


@pytest.fixture(scope="module")
def sample_log(tmp_path_factory) -> Path:
    from slametrics.cli import main

    log = tmp_path_factory.mktemp("xlsx") / "log"
    assert (
        main(["import", str(SAMPLE / "tickets.csv"), str(SAMPLE / "events.csv"), "--log", str(log)])
        == 0
    )
    return log


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def as_csv_text(column: str, value: object) -> str:
    """A cell read from the workbook written as the CSV writes it (the header tells the type)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if column.endswith("[UTC]"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if column.endswith("[h:mm:ss]"):
        return repr(round(value.total_seconds(), 3))
    if isinstance(value, bool):
        return str(value)
    return str(value)


def csv_column(header: str) -> str:
    """The CSV's column name of a workbook header (`elapsed [h:mm:ss]` -> `elapsed_s`)."""
    if header.endswith(" [UTC]"):
        return header.removesuffix(" [UTC]")
    if header.endswith(" [h:mm:ss]"):
        return header.removesuffix(" [h:mm:ss]") + "_s"
    return header


def assert_sheet_equals_csv(sheet: pd.DataFrame, rows: list[dict[str, str]]) -> None:
    assert [csv_column(h) for h in sheet.columns] == list(rows[0])
    assert len(sheet) == len(rows)
    for got, want in zip(sheet.to_dict("records"), rows, strict=True):
        for header, value in got.items():
            name = csv_column(header)
            text = as_csv_text(header, value)
            if header.endswith("[h:mm:ss]") and text:
                # Excel keeps durations as days: equal to the second's thousandth
                assert float(text) == pytest.approx(float(want[name]), abs=1e-3), (name, want)
            elif isinstance(value, float) and text:
                assert value == pytest.approx(float(want[name]), rel=1e-12), (name, want)
            else:
                assert text == want[name], (name, want)


def test_tickets_xlsx_equals_csv_and_a_formula_subject_stays_text(small, tmp_path, capsys):
    log, policy = small
    out, _ = invoke(["tickets", log, "-p", policy, *AS_OF, "--format", "csv"], capsys)
    book = tmp_path / "out" / "tickets.xlsx"  # the folder does not exist yet
    invoke(["tickets", log, "-p", policy, *AS_OF, "--output", book], capsys)
    sheet = pd.read_excel(book, sheet_name="tickets", engine="openpyxl")
    assert_sheet_equals_csv(sheet, read_csv(out))
    ws = openpyxl.load_workbook(book)["tickets"]
    subjects = [c for c in next(ws.iter_cols(min_col=15, max_col=15)) if c.value]
    assert ws.cell(1, 15).value == "subject"
    t1 = next(c for c in subjects if "HYPERLINK" in str(c.value))
    assert t1.data_type == "s"  # a string cell, not a formula ("f")
    assert t1.value == "'" + SUBJECT  # neutralized as in the CSV
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")
    started = ws.cell(2, 5)
    assert ws.cell(1, 5).value == "started_at [UTC]"
    assert started.is_date and started.value == dt.datetime(2026, 11, 2, 9, 0)
    assert ws.cell(1, 8).value == "elapsed [h:mm:ss]" and ws.cell(2, 8).number_format == "[h]:mm:ss"


def test_metrics_xlsx_sheets_equal_the_csv_rows(sample_log, tmp_path, capsys):
    policy = POLICIES / "ru-contract.yaml"
    args = ["metrics", sample_log, "-p", policy, "--period", "2026-W46"]
    rows = read_csv(invoke([*args, "--format", "csv"], capsys)[0])
    book = tmp_path / "m.xlsx"
    invoke([*args, "-o", book], capsys)
    sheets = pd.read_excel(book, sheet_name=None, engine="openpyxl")
    assert list(sheets)[:3] == ["metrics", "clocks", "by priority"]
    metric_rows = [r for r in rows if r["section"] == "metric"]
    got = sheets["metrics"]
    assert list(got["name"]) == [r["name"] for r in metric_rows]
    for (_, g), r in zip(got.iterrows(), metric_rows, strict=True):
        assert g["value"] == pytest.approx(float(r["value"]))
        assert ("" if pd.isna(g["numerator"]) else f"{g['numerator']:g}") == r["numerator"]
    for r in (r for r in rows if r["section"] == "clock" and r["value"] != ""):
        clock = sheets["clocks"].set_index("clock").loc[r["clock"]]
        if r["name"].endswith("_s"):
            shown = clock[r["name"].removesuffix("_s") + " [h:mm:ss]"].total_seconds()
            assert shown == pytest.approx(float(r["value"]), abs=1e-3)
        else:
            assert clock[r["name"]] == pytest.approx(float(r["value"]))
    by = sheets["by priority"].set_index(["key", "clock"])
    for r in (r for r in rows if r["section"] == "by_priority" and r["value"] != ""):
        assert by.loc[(r["key"], r["clock"]), "on_time_share"] == pytest.approx(float(r["value"]))
    ws = openpyxl.load_workbook(book)["metrics"]
    assert ws.cell(2, 1).value == "on_time_share" and ws.cell(2, 2).number_format == "0.0%"


def test_audit_xlsx_tickets_equal_the_csv(tmp_path, capsys):
    data = sorted((SAMPLE / "servicenow").glob("*.csv"))
    policy = POLICIES / "servicenow-made-sla.yaml"
    args = ["audit", *data, "-p", policy, "--all"]
    rows = read_csv(invoke([*args, "--format", "csv"], capsys)[0])
    book = tmp_path / "audit.xlsx"
    invoke([*args, "--format", "xlsx", "-o", book], capsys)
    sheets = pd.read_excel(book, sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["summary", "causes", "tickets"]
    assert len(rows) > 10
    assert_sheet_equals_csv(sheets["tickets"], rows)
    ws = openpyxl.load_workbook(book)["summary"]
    assert ws.cell(1, 6).value == "agreement" and ws.cell(2, 6).number_format == '0.00"%"'


def test_explain_xlsx_equals_the_json(small, tmp_path, capsys):
    log, policy = small
    doc = json.loads(invoke(["explain", log, "T1", "-p", policy, *AS_OF, "-f", "json"], capsys)[0])
    book = tmp_path / "explain.xlsx"
    invoke(["explain", log, "T1", "-p", policy, *AS_OF, "-o", book], capsys)
    sheets = pd.read_excel(book, sheet_name=None, engine="openpyxl")
    clocks = sheets["clocks"].set_index("clock")
    for c in doc["tickets"][0]["clocks"]:
        row = clocks.loc[c["clock"]]
        assert row["elapsed [h:mm:ss]"].total_seconds() == pytest.approx(c["elapsed_s"], abs=1e-3)
        assert row["outcome"] == c["outcome"]
        assert row["due_at [UTC]"].strftime("%Y-%m-%dT%H:%M:%SZ") == c["due_at"]
    segments = sheets["segments"]
    want = [s for c in doc["tickets"][0]["clocks"] for s in c["segments"]]
    assert len(segments) == len(want)
    assert [s.total_seconds() for s in segments["duration [h:mm:ss]"]] == pytest.approx(
        [s["seconds"] for s in want], abs=1e-3
    )
    assert clocks.iloc[0]["subject"] == "'" + SUBJECT


def test_xlsx_to_a_terminal_is_refused_and_a_directory_output_is_one_line(small, tmp_path, capsys):
    log, policy = small
    _, err = invoke(["tickets", log, "-p", policy, "-o", tmp_path], capsys, 2)
    assert err.strip().splitlines() == [
        f"error: --output {tmp_path}: is a directory; give a file name inside it"
    ]
