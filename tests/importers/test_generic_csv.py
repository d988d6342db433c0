"""Generic csv importer: canonical files, mapped files, encodings, compression and broken rows."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from naive_notices import pop_naive

from slametrics.api import read_exports
from slametrics.errors import UserError
from slametrics.importers.csv_reader import record_lines

TICKETS = """ticket_id,created_at,subject,type,priority,status
1,2026-11-02T09:00:00Z,"two
lines",incident,high,solved
2,2026-11-02T10:00:00Z,hello,question,normal,pending
3,yesterday,x,question,normal,open
4,2026-11-03T10:00:00Z,hi,question,normal,in limbo
,2026-11-03T10:00:00Z,no id,question,normal,open
"""
EVENTS = """ticket_id,at,event,value,actor,public
1,2026-11-02T09:30:00Z,agent_reply,,agent,true
1,2026-11-02T12:00:00Z,resolved,resolved,agent,false
9,2026-11-02T12:00:00Z,resolved,resolved,agent,false
2,2026-11-02T12:00:00Z,teleported,,agent,false
2,2026-11-02T12:30:00Z,status,waiting_customer,agent,false
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_canonical_files_with_bad_rows(tmp_path: Path) -> None:
    t, e, s = read_exports(
        [write(tmp_path, "tickets.csv", TICKETS), write(tmp_path, "events.csv", EVENTS)]
    )
    assert sorted(t["ticket_id"]) == ["1", "2", "4"]
    assert s.groups[0].importer == "csv"
    assert (s.groups[0].rows_read, s.groups[0].rows_imported, s.groups[0].rows_rejected) == (
        10,
        6,
        4,
    )
    found = [(p.code, Path(p.file).name, p.line, p.column, p.value) for p in s.problems]
    assert found == [
        ("unparseable-timestamp", "tickets.csv", 5, "created_at", "yesterday"),
        ("unknown-status", "tickets.csv", 6, "status", "in limbo"),
        ("missing-value", "tickets.csv", 7, "ticket_id", None),
        ("unknown-event", "events.csv", 5, "event", "teleported"),
        ("unknown-ticket", "events.csv", 4, "ticket_id", "9"),
    ]
    by_id = t.set_index("ticket_id")
    assert by_id.loc["1", "subject"] == "two\nlines"
    assert by_id.loc["1", "status_class"] == "resolved"
    assert by_id.loc["2", "status_class"] == "waiting_customer"
    assert by_id.loc["4", "status_class"] == "open"
    assert set(t["fidelity"]) == {"history"}


def test_tickets_only_is_snapshot_with_synthesized_events(tmp_path: Path) -> None:
    text = "ticket_id,created_at,first_response_at,resolved_at,status\n7,2026-11-02T09:00:00Z,2026-11-02T09:20:00Z,2026-11-02T11:00:00Z,closed\n"
    t, e, s = read_exports([write(tmp_path, "tickets.csv", text)])
    assert t["fidelity"].tolist() == ["snapshot"]
    assert e.sort_values("at")["event"].tolist() == ["created", "agent_reply", "resolved"]


def test_cp1251_semicolon_gzip_and_zip(tmp_path: Path) -> None:
    text = "ticket_id;created_at;subject;status\n1;2026-11-02 12:00;Не работает почта;Решена\n2;2026-11-02 13:00;Вопрос;Ожидание\n"
    plain = write(tmp_path, "tickets.csv", text, "cp1251")
    t, _, s = read_exports([plain], tz="Europe/Moscow")
    assert t["subject"].tolist() == ["Не работает почта", "Вопрос"]
    assert t["status_class"].tolist() == ["resolved", "waiting_customer"]
    assert str(t["created_at"].iloc[0]) == "2026-11-02 09:00:00+00:00"  # 12:00 MSK
    assert pop_naive(s) == ["Europe/Moscow"]
    assert [(p.code, p.value) for p in s.problems] == [("encoding-guessed", "cp1251")]
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_exports([gz], tz="Europe/Moscow")[0]["subject"].tolist() == t["subject"].tolist()
    zp = tmp_path / "export.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.writestr("tickets.csv", TICKETS)
        zf.writestr("events.csv", EVENTS)
    zt, ze, zs = read_exports([zp])
    assert sorted(zt["ticket_id"]) == ["1", "2", "4"]
    assert zs.problems[0].file.endswith("export.zip:tickets.csv")


def test_file_read_lazily_still_reports_its_encoding(tmp_path: Path) -> None:
    """A plain file is detected from its head and read later: a cp1251 row past the first
    64 KiB is still decoded as cp1251 and reported, at its line."""
    rows = [f"{i},2026-11-02T09:00:00Z,ascii subject,open" for i in range(1, 3001)]
    text = "\n".join(
        ["ticket_id,created_at,subject,status", *rows, "3001,2026-11-02T09:00:00Z,Почта,open"]
    )
    path = write(tmp_path, "tickets.csv", text + "\n", "cp1251")
    assert path.stat().st_size > 65536 + 3
    t, _, s = read_exports([path])
    assert t["subject"].iloc[-1] == "Почта" and len(t) == 3001
    assert [(p.code, p.line, p.value) for p in s.problems] == [("encoding-guessed", 3002, "cp1251")]


def test_read_csv_codes_named_columns_while_parsing() -> None:
    """Dictionary-coded columns hold the same cells (empty and odd ones too) as string ones."""
    from slametrics.importers.csv_reader import read_csv
    from slametrics.importers.io import InputFile

    text = 'a,event\n1,created\n2, Status \n3,\n4,"x,y"\n5,created\n'
    plain = read_csv(InputFile("e.csv", text.encode()))
    coded = read_csv(InputFile("e.csv", text.encode()), dictionary={"event"})
    assert str(coded.arrow.schema.field("event").type).startswith("dictionary")
    assert coded.arrow["event"].cast("string").to_pylist() == plain.arrow["event"].to_pylist()
    assert plain.arrow["event"].to_pylist() == ["created", " Status ", "", "x,y", "created"]


def test_export_through_a_pipe_is_read_once_whole(tmp_path: Path) -> None:
    """A FIFO (as /dev/stdin or <(...) give) cannot be read twice: it is read whole at once."""
    import os
    import threading

    fifo = tmp_path / "tickets.csv"
    os.mkfifo(fifo)
    got = {}
    # daemon threads with a timeout: reading a pipe twice would block, not fail
    writer = threading.Thread(target=fifo.write_text, args=(TICKETS,), daemon=True)
    reader = threading.Thread(target=lambda: got.update(t=read_exports([fifo])[0]), daemon=True)
    writer.start()
    reader.start()
    reader.join(timeout=30)
    assert "t" in got, "reading the pipe blocked or failed"
    assert sorted(got["t"]["ticket_id"]) == ["1", "2", "4"]


def test_malformed_row_is_reported_and_skipped(tmp_path: Path) -> None:
    text = "ticket_id,created_at,status\n1,2026-11-02T09:00:00Z,open\n2,2026-11-02T09:00:00Z,open,extra,cells\n3,2026-11-02T09:00:00Z,open\n"
    t, _, s = read_exports([write(tmp_path, "tickets.csv", text)])
    assert t["ticket_id"].tolist() == ["1", "3"]
    assert [(p.code, p.line) for p in s.problems] == [("malformed-row", 3)]
    g = s.groups[0]
    assert g.rows_read == g.rows_imported + g.rows_rejected == 3


def test_mapping_file(tmp_path: Path) -> None:
    csv = (
        "Case,Opened,Closed,State,Prio,Verdict,Team\n"
        "A-1,03/11/2026 09:00,03/11/2026 11:30,Done,P1,ONTIME,Blue\n"
        "A-2,04/11/2026 10:00,,Work,P3,OVERDUE,\n"
    )
    mapping = """source: acme
timezone: Europe/Berlin
timestamp_format: "%d/%m/%Y %H:%M"
columns: {ticket_id: Case, created_at: Opened, resolved_at: Closed, status: State, priority: Prio,
          vendor_resolution_met: Verdict}
values:
  priority: {P1: urgent, P3: normal}
  vendor_resolution_met: {ONTIME: "true", OVERDUE: "false"}
statuses: {Done: resolved, Work: open}
"""
    t, _, s = read_exports(
        [write(tmp_path, "cases.csv", csv)], mapping=write(tmp_path, "m.yaml", mapping)
    )
    assert pop_naive(s) == ["Europe/Berlin"]
    assert s.problems == []
    t = t.set_index("ticket_id")
    assert t.loc["A-1", "priority"] == "urgent"
    assert str(t.loc["A-1", "created_at"]) == "2026-11-03 08:00:00+00:00"
    assert t.loc["A-1", "status_class"] == "resolved"
    assert bool(t.loc["A-1", "vendor_resolution_met"]) is True
    assert bool(t.loc["A-2", "vendor_resolution_met"]) is False
    assert set(t["source"]) == {"acme"}
    assert dict(t.loc["A-1", "extra"]) == {"Team": "Blue"}  # unmapped columns are kept
    assert dict(t.loc["A-2", "extra"]) == {}


def test_mapping_naming_a_missing_column_is_one_clear_error(tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.yaml", "columns: {ticket_id: Id, created_at: Created}\n")
    with pytest.raises(UserError, match="the mapping names column 'Created'"):
        read_exports([write(tmp_path, "x.csv", "Id,Opened\n1,2026-01-01\n")], mapping=mapping)


def test_unrecognized_file_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="format not recognized"):
        read_exports([write(tmp_path, "x.csv", "foo,bar\n1,2\n")])
    with pytest.raises(UserError, match="file not found"):
        read_exports([tmp_path / "nope.csv"])


def test_zip_member_with_parent_path_is_refused(tmp_path: Path) -> None:
    zp = tmp_path / "evil.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.writestr("../../etc/passwd.csv", TICKETS)
    with pytest.raises(UserError, match="unsafe path"):
        read_exports([zp])


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.text(alphabet='ab,"\n x', max_size=6), min_size=2, max_size=2),
        min_size=1,
        max_size=8,
    )
)
def test_record_lines_match_the_csv_module(rows: list[list[str]]) -> None:
    """Line numbers found with numpy equal the csv module's, quoted newlines included."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["h1", "h2"], *rows])
    data = buf.getvalue().encode()
    reader = csv.reader(io.StringIO(buf.getvalue()))
    expected, line = [], 1
    for _ in reader:
        expected.append(line)
        line = reader.line_num + 1
    assert record_lines(data).tolist() == expected


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.lists(st.text(alphabet="ab x", max_size=3), min_size=0, max_size=3),
        min_size=1,
        max_size=10,
    ),
    eol=st.sampled_from(["\n", "\r\n"]),
    final_eol=st.booleans(),
)
def test_rows_and_bad_rows_keep_their_source_lines(
    lines: list[list[str]], eol: str, final_eol: bool
) -> None:
    """Rows and malformed rows keep their source line numbers past blank lines (an empty cell
    list), and a bad row "a" is not found inside an earlier "aa" or "a,"."""
    from slametrics.importers.csv_reader import read_csv
    from slametrics.importers.io import InputFile

    text = eol.join(["h1,h2", *(",".join(cells) for cells in lines)]) + (eol if final_eol else "")
    expected_rows, expected_bad = [], []
    for number, cells in enumerate(lines, start=2):
        if not cells or cells == [""]:
            continue  # a blank line is no record
        (expected_rows if len(cells) == 2 else expected_bad).append(number)
    table = read_csv(InputFile("t.csv", text.encode()))
    assert table.lines.tolist() == expected_rows
    assert [(p.code, p.line) for p in table.problems] == [
        ("malformed-row", n) for n in expected_bad
    ]
    assert table.rows_read == len(expected_rows) + len(expected_bad)


def test_parse_timestamps_fast_and_general_paths_keep_rows_aligned() -> None:
    import pandas as pd

    from slametrics.importers.cells import parse_timestamps

    iso = pd.DataFrame(
        {"at": ["2026-11-16T08:30:39Z", "", "2026-11-17T10:00:00+03:00"], "_line": [2, 3, 4]}
    )
    got, problems = parse_timestamps(iso, "at", file="f")
    assert [str(x) for x in got] == [
        "2026-11-16 08:30:39+00:00",
        "NaT",
        "2026-11-17 07:00:00+00:00",
    ]
    mixed = pd.DataFrame(
        {"at": ["2026-11-16 11:30", "", "soon", "2026-10-25 02:30"], "_line": [2, 3, 4, 5]}
    )
    got, problems = parse_timestamps(mixed, "at", file="f", tz="Europe/Berlin")
    # 02:30 on 2026-10-25 happens twice in Berlin: the first (summer time) occurrence is taken
    assert [str(x) for x in got] == [
        "2026-11-16 10:30:00+00:00",
        "NaT",
        "NaT",
        "2026-10-25 00:30:00+00:00",
    ]
    assert [(p.code, p.line, p.value) for p in problems] == [
        ("naive-timestamp", None, None),  # the zone assumed, said once for the column
        ("unparseable-timestamp", 4, "soon"),
    ]
    assert problems[0].message.endswith("local time in Europe/Berlin")


EVENTS_MESSY = """ticket_id,at,event,value,actor,public
 1 ,2026-11-02T09:30:00Z, Agent_Reply ,,agent, TRUE
1,2026-11-02T10:00:00Z,status,In Limbo,agent,false
1,2026-11-02T10:05:00Z,status,in limbo ,agent,maybe
null,2026-11-02T10:10:00Z,status,open,agent,false
1,2150-01-01T00:00:00Z,status,open,agent,false
1,2026-11-02T11:00:00Z,status, Waiting Customer ,agent,-
"""


def _events_of_ticket_1(tmp_path: Path, events: str):
    """(events frame, import summary) of `events` for a tickets file holding only ticket 1."""
    tickets = "ticket_id,created_at\n1,2026-11-02T09:00:00Z\n"
    _, e, s = read_exports(
        [write(tmp_path, "tickets.csv", tickets), write(tmp_path, "events.csv", events)]
    )
    return e, s


def _cells(frame) -> list[list]:
    """The frame's cells as lists, missing ones as None."""
    cells = frame.astype(object)
    return cells.where(cells.notna(), None).values.tolist()


def test_canonical_events_are_cleaned_and_checked_cell_by_cell(tmp_path: Path) -> None:
    """Events cells are trimmed, case-folded where the schema says so, and every bad one cited."""
    e, s = _events_of_ticket_1(tmp_path, EVENTS_MESSY)
    found = [(p.code, p.line, p.column, p.value, p.severity) for p in s.problems]
    assert found == [
        ("timestamp-out-of-range", 6, "at", "2150-01-01T00:00:00Z", "error"),
        ("bad-boolean", 4, "public", "maybe", "error"),
        ("unknown-status", 3, "value", "In Limbo", "warning"),
        ("missing-value", 5, "ticket_id", None, "error"),
    ]
    assert "2 row(s)" in s.problems[2].message  # one warning for both spellings
    rows = e[e["event"] != "created"].sort_values("at")
    assert _cells(rows[["ticket_id", "event", "value", "status_class"]]) == [
        ["1", "agent_reply", None, None],
        ["1", "status", "In Limbo", "open"],
        ["1", "status", "in limbo", "open"],
        ["1", "status", "Waiting Customer", "waiting_customer"],
    ]
    assert rows["public"].tolist() == [True, False, False, False]  # unknown -> not public
    assert (s.groups[0].rows_read, s.groups[0].rows_rejected) == (7, 2)


def test_canonical_events_actor_and_class_outside_the_schema_are_warnings(tmp_path: Path) -> None:
    """An actor or stated class is case-folded; one outside the schema is a warning per distinct
    value and left empty (actor from the event type, class from the value), not a failed import."""
    events = (
        "ticket_id,at,event,value,actor,status_class\n"
        "1,2026-11-02T09:30:00Z,agent_reply,, Agent ,\n"
        "1,2026-11-02T10:00:00Z,status,pending,robot,Waiting_Customer\n"
        "1,2026-11-02T10:05:00Z,status,pending,ROBOT,limbo\n"
        "1,2026-11-02T10:10:00Z,customer_reply,,,\n"
    )
    e, s = _events_of_ticket_1(tmp_path, events)
    found = [(p.code, p.line, p.column, p.value, p.severity) for p in s.problems]
    assert found == [
        ("unknown-value", 4, "status_class", "limbo", "warning"),
        ("unknown-value", 3, "actor", "robot", "warning"),
    ]
    assert "2 row(s)" in s.problems[1].message
    rows = e[e["event"] != "created"].sort_values("at")
    assert _cells(rows[["actor", "status_class"]]) == [
        ["agent", None],
        ["system", "waiting_customer"],
        ["system", "waiting_customer"],  # "pending" says waiting_customer by the default table
        ["customer", None],
    ]
    assert s.groups[0].rows_rejected == 0


def test_mapping_one_column_as_due_at_and_vendor_resolution_due(tmp_path: Path) -> None:
    """A city's target date is both the recorded due date and its SLA due (Boston 311)."""
    csv = "Case,Opened,Target\nB-1,03/11/2026 09:00,05/11/2026 09:00\nB-2,04/11/2026 10:00,\n"
    mapping = """timezone: UTC
timestamp_format: "%d/%m/%Y %H:%M"
columns: {ticket_id: Case, created_at: Opened, due_at: Target, vendor_resolution_due_at: Target}
"""
    t, _, s = read_exports(
        [write(tmp_path, "cases.csv", csv)], mapping=write(tmp_path, "m.yaml", mapping)
    )
    assert pop_naive(s) == ["UTC"]
    assert s.problems == []
    t = t.set_index("ticket_id")
    assert str(t.loc["B-1", "vendor_resolution_due_at"]) == "2026-11-05 09:00:00+00:00"
    assert t.loc["B-1", "due_at"] == t.loc["B-1", "vendor_resolution_due_at"]
    assert t["vendor_first_response_due_at"].isna().all()
    assert t["vendor_resolution_due_at"].isna().sum() == 1
