"""The problems catalogue: messages and severities by code, and the cap per code."""

from __future__ import annotations

import pandas as pd

from conftest import run_importer
from slametrics.importers.servicenow import ServiceNowImporter
from slametrics.problems import (
    MAX_PER_CODE,
    MESSAGES,
    PROBLEM_CODES,
    WARNING_CODES,
    cap_problems,
    problem,
    problems_from_mask,
)


def test_problem_takes_message_and_severity_from_the_catalogue():
    p = problem("future-timestamp", file="a.csv", line=3, column="created_at", detail="2099")
    assert p.severity == "warning"
    assert p.message == f"{PROBLEM_CODES['future-timestamp']}: 2099"
    assert problem("bad-number").severity == "error"
    assert problem("truncated-history").severity == "warning"


def test_mask_problems_are_capped_with_one_summary():
    n = MAX_PER_CODE + 250
    frame = pd.DataFrame({"_line": range(2, n + 2), "x": ["bad"] * n})
    got = problems_from_mask(
        frame, pd.Series(True, index=frame.index), code="bad-number", column="x", file="f.csv"
    )
    assert len(got) == MAX_PER_CODE + 1
    assert [p.line for p in got[:2]] == [2, 3]
    last = got[-1]
    assert (last.code, last.column, last.line) == ("bad-number", "x", None)
    assert last.message.endswith("and 250 more")


def test_cap_problems_keeps_each_code_file_and_column_apart():
    many = [problem("bad-number", file="f", column="a", line=i) for i in range(5)]
    other = [problem("bad-number", file="f", column="b", line=1)]
    got = cap_problems(many + other, limit=2)
    assert [(p.column, p.line) for p in got] == [("a", 0), ("a", 1), ("b", 1), ("a", None)]
    assert got[-1].message.endswith("and 3 more")


def test_malformed_rows_are_counted_past_the_cap(tmp_path):
    n = MAX_PER_CODE + 10
    rows = "".join(f"INC{i:07d},2026-11-02T10:00:00Z,s,extra\n" for i in range(n))
    path = tmp_path / "incidents.csv"
    path.write_text("number,opened_at,short_description\nINC1,2026-11-02T10:00:00Z,ok\n" + rows)
    result = run_importer(ServiceNowImporter, path)
    report = result.report
    assert (report.rows_read, report.rows_imported, report.rows_rejected) == (n + 1, 1, n)
    assert len(report.problems) == MAX_PER_CODE + 1
    assert report.problems[-1].message.endswith("and 10 more")


def test_templated_messages_name_their_specifics():
    p = problem("encoding-guessed", file="a.csv", line=4, value="cp1251", encoding="cp1251")
    assert p.message == "not UTF-8 (first bad byte on line 4); decoded as cp1251"
    assert p.severity == "warning"
    p = problem("unknown-status", line=2, value="x", note="", rows=3)
    assert p.message == f"{PROBLEM_CODES['unknown-status']}; 3 row(s)"
    p = problem("unknown-value", note="; left empty", rows=1)
    assert p.message == f"{PROBLEM_CODES['unknown-value']}; left empty; 1 row(s)"
    p = problem("future-timestamp", ticket="T-1")
    assert p.message == f"ticket T-1: {PROBLEM_CODES['future-timestamp']}"


def test_every_template_belongs_to_a_catalogued_code():
    assert set(MESSAGES) <= set(PROBLEM_CODES)
    assert set(WARNING_CODES) <= set(PROBLEM_CODES)
