"""The report as PDF: one A4 page from headless Chromium, and one clear line when it is missing."""

from __future__ import annotations

import io
import shutil
import stat
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, invoke
from slametrics import api
from slametrics.errors import SlametricsError
from slametrics.render import pdf
from slametrics.render.report import render_report, render_report_pdf
from slametrics.results import MetricsResult
from test_report import NOW, POLICY, empty_result, import_sample, sample_result, worst_case_result
from test_report_browser import TWO_EVENTS, TWO_TICKETS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "artifacts" / "report-pdf"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless chromium is not installed")
# A4 in PostScript points (1/72 in): 210 mm x 297 mm; Chromium writes 594.96 x 841.92
A4_PT = (210 / 25.4 * 72, 297 / 25.4 * 72)


def fake_browser(folder: Path, script: str) -> Path:
    """An executable standing in for Chromium, to drive the error paths without a browser."""
    exe = folder / "fake-chromium"
    exe.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


# --- finding Chromium and its failures (no browser needed) ----------------------------------


def test_missing_chromium_says_in_one_line_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(pdf.ENV_CHROMIUM, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no browser anywhere
    with pytest.raises(SlametricsError) as err:
        render_report_pdf(empty_result(), lang="en", now=NOW)
    message = str(err.value)
    assert "\n" not in message
    assert "apt-get install -y chromium" in message and "SLAMETRICS_CHROMIUM" in message


def test_env_names_the_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    exe = fake_browser(tmp_path, "exit 0")
    monkeypatch.setenv(pdf.ENV_CHROMIUM, str(exe))
    assert pdf.find_chromium() == str(exe)
    monkeypatch.setenv(pdf.ENV_CHROMIUM, str(tmp_path / "nope"))
    with pytest.raises(SlametricsError, match="SLAMETRICS_CHROMIUM=.*nope.*not an executable"):
        pdf.find_chromium()


def test_browser_failure_is_one_message(tmp_path: Path) -> None:
    exe = fake_browser(tmp_path, "echo 'starting' >&2; echo 'ERROR: no display' >&2; exit 3")
    with pytest.raises(SlametricsError, match=r"could not print the PDF: ERROR: no display$"):
        pdf.html_to_pdf("<p>x</p>", chromium=str(exe))


def test_browser_that_writes_no_pdf(tmp_path: Path) -> None:
    exe = fake_browser(tmp_path, "exit 0")
    with pytest.raises(SlametricsError, match="printed no PDF"):
        pdf.html_to_pdf("<p>x</p>", chromium=str(exe))


def test_browser_that_hangs_times_out(tmp_path: Path) -> None:
    exe = fake_browser(tmp_path, "exec sleep 30")
    with pytest.raises(SlametricsError, match="did not finish printing the PDF in 0.5 s"):
        pdf.html_to_pdf("<p>x</p>", chromium=str(exe), timeout=0.5)


def test_pdf_is_not_a_text_format() -> None:
    with pytest.raises(ValueError, match="render_report_pdf"):
        render_report(empty_result(), fmt="pdf", lang="en", now=NOW)


# --- real prints -----------------------------------------------------------------------------


def check_one_a4_page(result: MetricsResult, name: str, lang: str) -> pypdf.PdfReader:
    """The PDF of `result` is one A4 portrait page carrying the page's words; kept as artifacts."""
    data = render_report_pdf(result, lang=lang, now=NOW)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.{lang}.pdf").write_bytes(data)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1, f"{name}.{lang}: {len(reader.pages)} pages"
    box = reader.pages[0].mediabox
    assert (float(box.left), float(box.bottom)) == (0.0, 0.0)
    assert float(box.width) == pytest.approx(A4_PT[0], abs=1.0), f"{name}.{lang}: not A4 wide"
    assert float(box.height) == pytest.approx(A4_PT[1], abs=1.0), f"{name}.{lang}: not A4 tall"
    text = reader.pages[0].extract_text()
    title = {"en": "Support report", "ru": "Отчёт о работе поддержки"}[lang]
    assert title in text and result.period.label in text
    return reader


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return import_sample(tmp_path_factory.mktemp("pdf") / "log")


@needs_chromium
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_sample_pdf_is_one_a4_page(log_dir: Path, lang: str) -> None:
    result = sample_result(log_dir)
    reader = check_one_a4_page(result, "sample-2026-W44", lang)
    text = reader.pages[0].extract_text()
    for x in result.critical_incidents:  # the same content as the HTML: ids in full
        assert x.ticket_id in text


@needs_chromium
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_empty_period_pdf_is_one_a4_page(lang: str) -> None:
    check_one_a4_page(empty_result(), "empty-2020-W01", lang)


@needs_chromium
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_worst_case_pdf_is_one_a4_page(lang: str) -> None:
    check_one_a4_page(worst_case_result(), "worst-case", lang)


@needs_chromium
@pytest.mark.browser
def test_two_ticket_week_pdf_is_one_a4_page(tmp_path: Path) -> None:
    (tmp_path / "tickets.csv").write_text(TWO_TICKETS, encoding="utf-8")
    (tmp_path / "events.csv").write_text(TWO_EVENTS, encoding="utf-8")
    api.import_exports([tmp_path / "tickets.csv", tmp_path / "events.csv"], tmp_path / "log")
    r = api.metrics(api.Query(sources=[tmp_path / "log"], policy=POLICY, period="2026-W47"))
    for lang in ("en", "ru"):
        check_one_a4_page(r, "two-tickets-2026-W47", lang)


@needs_chromium
@pytest.mark.browser
def test_redacted_pdf_says_so_and_hides_names(log_dir: Path) -> None:
    result = sample_result(log_dir)
    data = render_report_pdf(result, lang="en", now=NOW, redact=True, redact_salt="weekly")
    text = " ".join(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert "Redacted: requester and organization names are pseudonyms" in text
    assert result.repeat_groups[0].key["organization"] not in text


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_100k_ticket_log_pdf_is_one_a4_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "csv"
    invoke(["sample", "--out", csv, "--tickets", "100000", "--seed", "1"], capsys)
    api.import_exports([csv / "tickets.csv", csv / "events.csv"], tmp_path / "log")
    for period in ("2026-W46", "2026-11"):
        r = api.metrics(api.Query(sources=[tmp_path / "log"], policy=POLICY, period=period))
        assert r.metrics["created"].value
        for lang in ("en", "ru"):
            check_one_a4_page(r, f"100k-{period}", lang)
