"""Detection: every export file of the samples and fixtures, against every importer."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from slametrics.errors import UserError
from slametrics.importers import IMPORTERS, detect_importer, importer_for, importer_scores
from slametrics.importers.io import InputFile, open_inputs

DATA_SUFFIXES = (".csv", ".tsv", ".json", ".ndjson", ".jsonl", ".xlsx", ".xls", ".gz", ".zip")

# the expected importer of each file: by its folder (named after its vendor), else listed here
EXPECTED_BY_FILE = {
    "sample_data/tickets.csv": "csv",
    "sample_data/events.csv": "csv",
    # workbooks: every sheet goes to the importer its header names
    "tests/fixtures/excel/canonical_tickets.xlsx": "csv",
    "tests/fixtures/excel/servicenow_incidents.xlsx": "servicenow",
}

EXPORTS = sorted(
    str(p.relative_to(ROOT))
    for folder in ("sample_data", "tests/fixtures")
    for p in (ROOT / folder).rglob("*")
    if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES)
)


def expected_importer(rel: str) -> str:
    if rel in EXPECTED_BY_FILE:
        return EXPECTED_BY_FILE[rel]
    folder = Path(rel).parent.name
    assert folder in IMPORTERS, f"{rel}: add its expected importer to EXPECTED_BY_FILE"
    return folder


def test_the_table_covers_every_vendor_and_the_canonical_csv() -> None:
    assert {expected_importer(rel) for rel in EXPORTS} == set(IMPORTERS)


@pytest.mark.parametrize("rel", EXPORTS)
def test_every_file_is_detected_as_its_importer(rel: str) -> None:
    expected = expected_importer(rel)
    for f in open_inputs(ROOT / rel):
        scores = importer_scores(f)  # every importer's detect runs; none may raise
        assert set(scores) == set(IMPORTERS)
        assert all(0 <= s <= 100 for s in scores.values()), scores
        assert scores[expected] > 0, f"{expected} does not claim {rel}: {scores}"
        assert detect_importer(f) == expected, scores


def _file(name: str, text: str) -> InputFile:
    return InputFile(name, text.encode("utf-8"))


def test_canonical_csv_beats_a_vendor_that_also_claims_it() -> None:
    # canonical columns plus Zendesk's admin-export labels: the canonical CSV wins the tie-break
    f = _file(
        "t.csv", "ticket_id,created_at,Id,Requester,Created at,Status\n1,2026-01-01,1,a,x,open\n"
    )
    assert detect_importer(f) == "csv"


def test_unrecognized_file_names_the_importers() -> None:
    with pytest.raises(UserError, match="--importer"):
        detect_importer(_file("x.csv", "a,b\n1,2\n"))


def test_mapping_headers_let_a_localized_vendor_file_be_detected(tmp_path: Path) -> None:
    english = (ROOT / "sample_data" / "freshdesk" / "tickets_export.csv").read_text("utf-8")
    header, rest = english.split("\n", 1)
    polish = {"Ticket ID": "Identyfikator zgłoszenia", "Created time": "Czas utworzenia"}
    for en, pl in polish.items():
        header = header.replace(en, pl)
    f = _file("zgloszenia.csv", header + "\n" + rest)
    assert (
        importer_scores(f, {"Identyfikator zgłoszenia": "Ticket ID"})["freshdesk"]
        > (importer_scores(f)["freshdesk"])
    )
    assert detect_importer(f, {pl: en for en, pl in polish.items()}) == "freshdesk"
    mapping = tmp_path / "pl.yaml"
    mapping.write_text(
        "headers:\n" + "".join(f"  {pl}: {en}\n" for en, pl in polish.items()), "utf-8"
    )
    name, notice = importer_for(f, mapping)
    assert name == "freshdesk" and "read as a freshdesk export with the mapping" in notice


def test_a_column_map_keeps_the_csv_importer_and_says_so(tmp_path: Path) -> None:
    f = open_inputs(ROOT / "sample_data" / "freshdesk" / "tickets_export.csv")[0]
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {ticket_id: Ticket ID, created_at: Created time}\n", "utf-8")
    name, notice = importer_for(f, mapping)
    assert name == "csv"
    assert "looks like a freshdesk export" in notice and "--importer freshdesk" in notice
    mapping.write_text("importer: freshdesk\nstatuses: {Closed: closed}\n", "utf-8")
    assert importer_for(f, mapping) == ("freshdesk", None)
