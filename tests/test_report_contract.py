"""The report's contract block: each billing period's money and the top signals, on the one page."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pypdf
import pytest

from slametrics.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = str(ROOT / "policies" / "contract-example.yaml")
PLAIN = str(ROOT / "policies" / "ru-contract.yaml")
EXPORTS = [str(ROOT / "sample_data" / "tickets.csv"), str(ROOT / "sample_data" / "events.csv")]
PERIOD = ["--period", "2026-W46"]
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="headless chromium is not installed"
)


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("contract") / "log")
    assert main(["import", *EXPORTS, "--log", path]) == 0
    return path


def _run(capsys, args: list[str]) -> str:
    capsys.readouterr()
    assert main(args) == 0
    return capsys.readouterr().out


def test_the_block_says_what_the_json_says(log: str, capsys) -> None:
    figures = json.loads(
        _run(capsys, ["metrics", log, "--policy", CONTRACT, *PERIOD, "--format", "json"])
    )
    month = figures["contract"]["periods"][0]
    md = _run(capsys, ["report", log, "--policy", CONTRACT, *PERIOD, "--format", "md"])
    line = next(x for x in md.splitlines() if x.startswith("Contract, billing period"))
    assert line.startswith(f"Contract, billing period {month['label']} (so far): ")
    assert f"{month['tickets']} tickets" in line
    extra = f"{month['included_tickets']} included, {month['overage_tickets']} extra"
    assert extra in line
    net = f"{float(month['net']):,.2f} RUB"
    assert f"net due {net}" in line and "(capped)" in line
    signals = next(x for x in md.splitlines() if x.startswith("Signals worth a conversation"))
    counted = [s for s in figures["signals"] if s["count"]]
    assert counted and all(s["tickets"][0] in signals for s in counted[:4])


def test_no_block_without_a_contract(log: str, capsys) -> None:
    md = _run(capsys, ["report", log, "--policy", PLAIN, *PERIOD, "--format", "md"])
    assert "billing period" not in md and "Signals worth" not in md


def test_russian_block(log: str, capsys) -> None:
    md = _run(capsys, ["report", log, "--policy", CONTRACT, *PERIOD, "--lang", "ru"])
    assert "Договор, расчётный период 2026-11 (на дату отчёта)" in md
    assert "Что стоит обсудить:" in md and "billing" not in md


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_page_with_the_block_is_one_a4_page(log: str, tmp_path: Path, lang: str) -> None:
    out = tmp_path / f"contract-{lang}.pdf"
    args = ["report", log, "--policy", CONTRACT, *PERIOD, "--lang", lang, "--output", str(out)]
    assert main(args) == 0
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 1 and abs(float(box.height) - 842) < 1
    artifacts = ROOT / "artifacts" / "report-pdf"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, artifacts / out.name)
