"""Everyday use of the command line: narrow terminals, --output, --version/-h, flags, one-line
mistakes, `import --importer`, and the GitHub job summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import POLICIES, SAMPLE, invoke

POLICY = POLICIES / "ru-contract.yaml"
W46 = ["--period", "2026-W46"]


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    from slametrics.cli import main

    d = tmp_path_factory.mktemp("out") / "log"
    assert (
        main(["import", str(SAMPLE / "tickets.csv"), str(SAMPLE / "events.csv"), "--log", str(d)])
        == 0
    )
    return d


def test_tickets_and_audit_at_80_columns_show_full_ids(log, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    csv_out, _ = invoke(["tickets", log, "-p", POLICY, *W46, "-f", "csv"], capsys)
    ids = {line.split(",")[0] for line in csv_out.splitlines()[1:]}
    out, _ = invoke(["tickets", log, "-p", POLICY, *W46], capsys)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert all(i in out for i in ids) and "…" not in out
    data = sorted((SAMPLE / "servicenow").glob("*.csv"))
    audit = ["audit", *data, "-p", POLICIES / "servicenow-made-sla.yaml", "--all"]
    csv_out, _ = invoke([*audit, "-f", "csv"], capsys)
    ids = {line.split(",")[0] for line in csv_out.splitlines()[1:]}
    out, _ = invoke(audit, capsys)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert len(ids) > 10 and all(i in out for i in ids) and "…" not in out


def test_version_short_help_and_flags_without_a_value(capsys):
    from slametrics import __version__

    out, _ = invoke(["--version"], capsys)
    assert out.strip() == f"slametrics {__version__}"
    out, _ = invoke(["-h"], capsys)
    assert "Usage: slametrics" in out and "<bool>" not in out
    out, _ = invoke(["check", "-h"], capsys)
    assert "--no-fail" in out and "<bool>" not in out
    out, _ = invoke(["import", "-h"], capsys)
    assert "--importer" in out and "--format" not in out  # the old name is a hidden alias


def test_output_suffix_names_the_format_and_the_folder_is_created(log, tmp_path, capsys):
    target = tmp_path / "new" / "deeper" / "tickets.json"
    invoke(["tickets", log, "-p", POLICY, *W46, "-o", target], capsys)
    assert isinstance(json.loads(target.read_text(encoding="utf-8")), list)
    report = tmp_path / "r" / "report.html"
    invoke(["report", log, "-p", POLICY, *W46, "-o", report], capsys)
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    plain = tmp_path / "tickets.txt"  # no known suffix: CSV, as before
    invoke(["tickets", log, "-p", POLICY, *W46, "-o", plain], capsys)
    assert plain.read_text(encoding="utf-8").startswith("ticket_id,clock,")
    _, err = invoke(["tickets", log, "-p", POLICY, *W46, "-f", "csv", "-o", target], capsys)
    assert "looks like json but --format csv: writing csv" in err
    assert target.read_text(encoding="utf-8").startswith("ticket_id,")
    junit = tmp_path / "check.xml"
    invoke(["check", log, "-p", POLICY, *W46, "--no-fail", "-o", junit], capsys)
    assert junit.read_text(encoding="utf-8").startswith("<?xml")


@pytest.mark.parametrize(
    "args,message",
    [
        (["report", "{log}", "-p", str(POLICY), "-o", "{tmp}/r.xlsx"], "writes no xlsx"),
        (["tickets", "{log}", "-p", str(POLICY), "-o", "{tmp}"], "is a directory"),
        (
            ["sample", "--out", "{tmp}/s", "--start", "2026-13-01"],
            "--start '2026-13-01': not a date",
        ),
        (["sample", "--out", "{log}/CURRENT"], "is a file"),
        (["tickets", "{log}", "-p", str(POLICY), "-f", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_everyday_mistakes_are_one_clear_line(args, message, log, tmp_path, capsys):
    filled = [a.format(log=log, tmp=tmp_path) for a in args]
    _, err = invoke(filled, capsys, 2)
    assert message in err
    assert "internal error" not in err and "Traceback" not in err


def test_import_importer_option_and_its_format_alias(tmp_path, capsys):
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    out, _ = invoke(["import", *files, "--log", tmp_path / "a", "--importer", "csv"], capsys)
    assert "tickets: 400 new" in out
    out, _ = invoke(["import", *files, "--log", tmp_path / "b", "--format", "csv"], capsys)
    assert "tickets: 400 new" in out
    _, err = invoke(
        ["import", *files, "--log", tmp_path / "c", "--importer", "csv", "--format", "jira"],
        capsys,
        2,
    )
    assert "disagree" in err
    _, err = invoke(["import", *files, "--log", tmp_path / "d", "--importer", "nosuch"], capsys, 2)
    assert "unknown format 'nosuch'" in err


def test_check_github_appends_its_summary_to_the_step_summary(log, tmp_path, monkeypatch, capsys):
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    args = ["check", log, "-p", POLICY, *W46, "--format", "github"]
    out, _ = invoke(args, capsys, 1)
    assert out.startswith("::error title=SLA threshold missed::")  # stdout as before
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### slametrics check failed: ACME support contract")
    assert "| on_time_share | 0.8611 | >= 0.95 | fail |" in text
    assert "- data until " in text
    invoke(args, capsys, 1)
    assert summary.read_text(encoding="utf-8").count("### slametrics check") == 2
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    invoke([*args[:-2], "--format", "text"], capsys, 1)
    assert summary.read_text(encoding="utf-8").count("### slametrics check") == 2


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_import_problems_on_stderr_one_readable_line_each(tmp_path, capsys):
    tickets = tmp_path / "tickets.csv"
    tickets.write_bytes(
        "ticket_id,created_at,subject\nT1,2026-11-02T09:00:00Z,Caf\u00e9\nT2,soon,x\n".encode(
            "cp1252"
        )
    )
    page = FIXTURES / "jira" / "search_v3_page_of_more.json"
    out, err = invoke(["import", tickets, page, "--log", tmp_path / "log"], capsys)
    assert "tickets: 3 new" in out
    assert "warning" not in out and "error" not in out
    from slametrics.problems import PROBLEM_CODES

    assert err.splitlines() == [
        f"{tickets}:2: warning encoding-guessed: not UTF-8 (first bad byte on line 2); "
        "decoded as cp1252 (value 'cp1252')",
        f"{tickets}:3 [created_at]: error unparseable-timestamp: "
        f"{PROBLEM_CODES['unparseable-timestamp']} (value 'soon')",
        f"{page}: warning incomplete-export: {PROBLEM_CODES['incomplete-export']}: "
        "isLast is false: more pages follow nextPageToken CAEaAggE",
    ]


def test_problem_line_shows_only_the_parts_a_problem_has():
    from slametrics.problems import Problem
    from slametrics.render.terminal import problem_line

    whole_file = Problem(code="encoding-guessed", file="a.csv", message="m", severity="warning")
    assert problem_line(whole_file) == "a.csv: warning encoding-guessed: m"
    cell = Problem(code="bad-number", file="a.csv", line=0, column="csat", value="", message="m")
    assert problem_line(cell) == "a.csv:0 [csat]: error bad-number: m (value '')"
    assert problem_line(Problem(code="x", message="m")) == "error x: m"
