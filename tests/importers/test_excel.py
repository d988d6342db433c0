"""Excel workbooks read like CSV: sheets that look like exports, typed cells as export text."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from naive_notices import pop_naive

from conftest import run_importer
from slametrics.errors import UserError
from slametrics.importers import detect_importer
from slametrics.importers.excel import cell_text, rows_to_csv
from slametrics.importers.generic_csv import GenericCsvImporter
from slametrics.importers.io import open_inputs
from slametrics.importers.servicenow import ServiceNowImporter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "excel"


def test_typed_cells_as_export_text():
    assert cell_text(10100128.0) == "10100128"
    assert cell_text(2.5) == "2.5"
    assert cell_text(True) == "true"
    assert cell_text(dt.datetime(2026, 11, 2, 9, 15)) == "2026-11-02 09:15:00"
    assert cell_text(dt.date(2026, 11, 2)) == "2026-11-02"
    assert cell_text(dt.timedelta(hours=26, minutes=3, seconds=4)) == "26:03:04"
    assert cell_text(None) == ""


def test_rows_to_csv_quotes_and_pads():
    data = rows_to_csv([["id", "text, quoted"], [1.0, 'say "hi"\nbye'], [2.0]])
    assert data.decode().splitlines()[0] == 'id,"text, quoted"'
    assert b'"say ""hi""\nbye"' in data


def test_servicenow_excel_export_detected_and_imported():
    files = open_inputs(FIXTURES / "servicenow_incidents.xlsx")
    assert [f.name.rsplit(":", 1)[1] for f in files] == ["Page 1"]  # the Summary sheet skipped
    assert detect_importer(files[0]) == "servicenow"
    result = run_importer(ServiceNowImporter, FIXTURES / "servicenow_incidents.xlsx")
    tickets = result.tickets.set_index("ticket_id")
    assert list(tickets.index) == ["INC0060001", "INC0060002"]
    assert tickets.loc["INC0060001", "resolved_at"].isoformat() == "2026-11-02T11:00:00+00:00"
    assert list(tickets["status_class"]) == ["resolved", "open"]
    assert list(tickets["reopens"]) == [0, 1]
    assert pop_naive(result.report) == ["UTC"]
    problems = result.report.flatten(["code", "line", "column", "value"])
    assert problems == [["unparseable-timestamp", 4, "Opened", "not a date"]]
    assert (result.report.rows_read, result.report.rows_rejected) == (3, 1)


def test_numeric_ids_stay_text_ids(tmp_path):
    files = open_inputs(FIXTURES / "canonical_tickets.xlsx")
    assert detect_importer(files[0]) == "csv"
    result = run_importer(GenericCsvImporter, FIXTURES / "canonical_tickets.xlsx")
    tickets = result.tickets.set_index("ticket_id")
    assert sorted(tickets.index) == ["10100128", "10100129"]
    first = tickets.loc["10100128"]
    assert first["first_response_at"].isoformat() == "2026-11-02T09:30:00+00:00"
    assert first["resolved_at"].isoformat() == "2026-11-02T12:00:00+00:00"
    assert pop_naive(result.report) == ["UTC"]
    assert result.report.problems == []


def test_naive_excel_dates_follow_the_zone_option():
    result = run_importer(
        GenericCsvImporter, FIXTURES / "canonical_tickets.xlsx", tz="Europe/Moscow"
    )
    created = result.tickets.set_index("ticket_id").loc["10100128", "created_at"]
    assert created.isoformat() == "2026-11-02T06:00:00+00:00"


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\0" * 100 + b"xl/workbook.xml",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64,
    ],
)
def test_broken_workbook_is_one_message(tmp_path, data):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(data)
    with pytest.raises(UserError, match="broken.xlsx"):
        open_inputs(path)


def test_workbook_without_a_table_is_one_message(tmp_path):
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.add_worksheet("Notes").write(0, 0, "nothing here")
    book.close()
    path = tmp_path / "notes.xlsx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(UserError, match="no sheet has a header row"):
        open_inputs(path)


SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.mark.parametrize(
    "name",
    ["servicenow/incident.csv", "jira/jsm_export.csv", "freshdesk/tickets_export.csv"],
)
def test_a_sheet_of_text_cells_imports_as_its_csv_does(name, tmp_path):
    import csv

    import xlsxwriter

    from slametrics.api import read_exports

    source = SAMPLES / name
    with open(source, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    path = tmp_path / (source.stem + ".xlsx")
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = book.add_worksheet("Export")
    for i, row in enumerate(rows):
        sheet.write_row(i, 0, row)  # every cell a text cell, as the CSV holds it
    book.close()
    csv_tickets, csv_events, _ = read_exports([source])
    xlsx_tickets, xlsx_events, _ = read_exports([path])
    pd.testing.assert_frame_equal(
        csv_tickets.drop(columns=["source"], errors="ignore"),
        xlsx_tickets.drop(columns=["source"], errors="ignore"),
    )
    assert len(csv_events) == len(xlsx_events)
