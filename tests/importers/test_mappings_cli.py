"""`slametrics mapping validate|schema` on the shipped mappings and on broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import slametrics.cli.mapping  # noqa: F401 (registers the `mapping` group on the app)
from conftest import ROOT, invoke

SHIPPED = sorted((ROOT / "mappings").glob("*.yaml"))


def test_shipped_mappings_validate(capsys: pytest.CaptureFixture[str]) -> None:
    out, err = invoke(["mapping", "validate", *SHIPPED], capsys)
    assert out.count(": valid (") == len(SHIPPED) >= 2 and not err
    assert "bpic2014-activity.yaml: valid (for csv; layout events; 3 column(s); 13 activity" in out


def test_invalid_and_unusable_mappings_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("statuses: {Done: finished}\n", encoding="utf-8")
    unusable = tmp_path / "unusable.yaml"
    unusable.write_text("layout: events\ncolumns: {ticket_id: a, at: b}\n", encoding="utf-8")
    out, err = invoke(["mapping", "validate", bad, unusable, SHIPPED[0]], capsys, expect_code=2)
    assert "statuses: Value error, unknown status class(es) ['finished']" in err
    assert "needs the activity column" in err
    assert out.count(": valid (") == 1  # every file is checked


def test_warning_for_a_reopen_activity_that_changes_no_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m = tmp_path / "m.yaml"
    m.write_text(
        "layout: events\ncolumns: {ticket_id: a, at: b}\nevent_mapping:\n"
        "  columns: {event: c}\n  reopen_on: [Reopen]\n  events: {Reopen: note}\n",
        encoding="utf-8",
    )
    out, err = invoke(["mapping", "validate", m], capsys)
    assert "reopen_on names 'Reopen', whose events change no status" in err


def test_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = invoke(["mapping", "schema"], capsys)
    schema = json.loads(out)
    assert schema["title"] == "slametrics mapping"
    assert schema["additionalProperties"] is False
    assert {"Effect", "EventMapping"} <= set(schema["$defs"])
