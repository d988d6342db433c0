"""The HTML report printed by headless Chromium: exactly one A4 page, nothing cut off, screenshots.

Screenshots and PDFs go to artifacts/report/ (gitignored) so that a person can look at them.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT
from slametrics import api
from slametrics.render.report import render_report
from slametrics.results import MetricsResult
from slametrics.sample import write_sample_csv
from test_render_judgeable import BEFORE_PERIOD, STALE_PERIOD, na_result
from test_report import (
    NOW,
    POLICY,
    empty_result,
    import_sample,
    sample_result,
    worst_case_result,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "artifacts" / "report"
A4_CONTENT_MM = 297 - 2 * 12  # @page margin 12mm
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="headless chromium is not installed"),
]
# Print styles as they apply on paper, for measuring the page in screen mode.
MEASURE_CSS = (
    ".page{padding:0!important;width:186mm!important;max-height:none!important;"
    "min-height:0!important;box-shadow:none!important}body{padding:0!important}"
)
MEASURE_JS = (
    "<script>document.body.setAttribute('data-height-px',"
    "String(document.querySelector('.page').scrollHeight));"
    # ticket ids and repeat keys are never cut: any such cell whose text overflows is listed
    "document.body.setAttribute('data-cut',JSON.stringify(Array.from("
    "document.querySelectorAll('td.id,td.wrap')).filter(function(e){"
    "return e.scrollWidth>e.clientWidth+1}).map(function(e){return e.textContent})))</script>"
)


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
        ]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def count_pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def measure_page(html_path: Path) -> tuple[float, list[str]]:
    """The page's natural height at print width (over A4 means the print guard cut content),
    and the texts of id and key cells cut short at that width."""
    probe = html_path.with_name(html_path.stem + ".measure.html")
    text = html_path.read_text(encoding="utf-8")
    text = text.replace("</style>", MEASURE_CSS + "</style>", 1)
    probe.write_text(text.replace("</body>", MEASURE_JS + "</body>", 1), encoding="utf-8")
    dom = chromium("--dump-dom", probe.as_uri()).stdout
    probe.unlink()
    px = int(re.search(r'data-height-px="(\d+)"', dom).group(1))  # type: ignore[union-attr]
    cut = re.search(r'data-cut="([^"]*)"', dom).group(1)  # type: ignore[union-attr]
    return px * 25.4 / 96, json.loads(html.unescape(cut))


def print_and_check(result: MetricsResult, name: str, lang: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    html_path = ARTIFACTS / f"{name}.{lang}.html"
    html_path.write_text(render_report(result, fmt="html", lang=lang, now=NOW), encoding="utf-8")
    pdf = ARTIFACTS / f"{name}.{lang}.pdf"
    chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html_path.as_uri())
    chromium(
        f"--screenshot={ARTIFACTS / f'{name}.{lang}.png'}",
        "--window-size=1240,1754",
        "--hide-scrollbars",
        html_path.as_uri(),
    )
    data = pdf.read_bytes()
    assert count_pages(data) == 1, f"{name}.{lang}: {count_pages(data)} pages, see {pdf}"
    assert b"/MediaBox [0 0 595" in data or b"/MediaBox [0 0 594" in data, "not A4 portrait"
    height, cut = measure_page(html_path)
    assert height <= A4_CONTENT_MM, f"{name}.{lang}: content is {height:.0f} mm, cut off on paper"
    assert cut == [], f"{name}.{lang}: ids or keys cut short: {cut}"


def test_page_counter() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    assert count_pages(out.getvalue()) == 2


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return import_sample(tmp_path_factory.mktemp("browser") / "log")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_sample_week_is_one_page(log_dir: Path, lang: str) -> None:
    print_and_check(sample_result(log_dir), "sample-2026-W44", lang)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_empty_period_is_one_page(lang: str) -> None:
    print_and_check(empty_result(), "empty-2020-W01", lang)


def test_empty_period_from_the_engine_is_one_page(log_dir: Path) -> None:
    r = sample_result(log_dir, period="2020-W01", as_of=None)
    for lang in ("en", "ru"):
        print_and_check(r, "empty-engine-2020-W01", lang)


TWO_TICKETS = """ticket_id,created_at,subject,type,priority,organization,category,status
T1,2026-11-16T09:00:00Z,<script>alert(1)</script>,incident,urgent,Acme,vpn,resolved
T2,2026-11-17T10:00:00Z,Printer,question,normal,Acme,printing,waiting_customer
"""
TWO_EVENTS = """ticket_id,at,event,value,actor,public
T1,2026-11-16T09:10:00Z,agent_reply,,agent,true
T1,2026-11-16T11:00:00Z,resolved,resolved,agent,false
T2,2026-11-17T10:30:00Z,agent_reply,,agent,true
T2,2026-11-17T10:31:00Z,status,waiting_customer,agent,false
"""


def test_two_ticket_week_is_one_page(tmp_path: Path) -> None:
    (tmp_path / "tickets.csv").write_text(TWO_TICKETS, encoding="utf-8")
    (tmp_path / "events.csv").write_text(TWO_EVENTS, encoding="utf-8")
    api.import_exports([tmp_path / "tickets.csv", tmp_path / "events.csv"], tmp_path / "log")
    r = api.metrics(api.Query(sources=[tmp_path / "log"], policy=POLICY, period="2026-W47"))
    assert r.metrics["created"].value == 2
    for lang in ("en", "ru"):
        print_and_check(r, "two-tickets-2026-W47", lang)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_share_na_is_one_page(lang: str) -> None:
    print_and_check(na_result(), "na-2026-W46", lang)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_backlog_and_stale_data_is_one_page(log_dir: Path, lang: str) -> None:
    r = sample_result(log_dir, period=STALE_PERIOD, as_of=None)
    assert r.data_until is not None and r.data_until < r.period.end
    assert sum(c.backlog for c in r.clocks.values())
    print_and_check(r, f"stale-backlog-{STALE_PERIOD}", lang)


def test_data_before_the_period_is_one_page(log_dir: Path) -> None:
    r = sample_result(log_dir, period=BEFORE_PERIOD, as_of=None)
    for lang in ("en", "ru"):
        print_and_check(r, f"before-{BEFORE_PERIOD}", lang)


def test_worst_case_is_one_page() -> None:
    for lang in ("en", "ru"):
        print_and_check(worst_case_result(), "worst-case", lang)


@pytest.mark.slow
def test_100k_ticket_log_is_one_page(tmp_path: Path) -> None:
    paths = write_sample_csv(tmp_path / "csv", 100_000, seed=1)
    api.import_exports(list(paths), tmp_path / "log")
    for period in ("2026-W46", "2026-11"):
        q = api.Query(sources=[tmp_path / "log"], policy=POLICY, period=period)
        r = api.metrics(q)
        for lang in ("en", "ru"):
            print_and_check(r, f"100k-{period}", lang)


def long_ids(result: MetricsResult) -> MetricsResult:
    """The result with 19-digit ticket ids sharing their first 12 digits, as real ServiceNow and
    311 exports carry: cut at the end, five risk rows would all read `101001281234…`."""
    r = result.model_copy(deep=True)
    new = {}
    for lst in (r.critical_incidents, r.waiting, r.at_risk):
        for x in lst:
            x.ticket_id = new.setdefault(x.ticket_id, f"1010012812345{len(new):06d}")
    for g in r.repeat_groups:
        g.tickets = [new.setdefault(i, f"1010012812345{len(new):06d}") for i in g.tickets]
    return r


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_long_ticket_ids_are_shown_whole(log_dir: Path, lang: str) -> None:
    r = long_ids(sample_result(log_dir))
    assert len(r.at_risk) >= 3 and r.repeat_groups
    print_and_check(r, "long-ids-2026-W44", lang)
    page = (ARTIFACTS / f"long-ids-2026-W44.{lang}.html").read_text(encoding="utf-8")
    cells = re.findall(r'<td class="id"[^>]*>([^<]*)</td>', page)
    ids = {x.ticket_id for lst in (r.critical_incidents, r.waiting, r.at_risk) for x in lst}
    assert len(cells) >= 5 and set(cells) <= ids  # every id cell holds a whole id
