"""HTML to a PDF with headless Chromium: the report's one A4 page exactly as a browser prints it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from slametrics.errors import SlametricsError

ENV_CHROMIUM = "SLAMETRICS_CHROMIUM"
# Debian and Ubuntu name the binary chromium, older packages chromium-browser, Google's build
# google-chrome; the first one on PATH wins.
BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW_TO_GET = (
    "headless Chromium is needed for PDF output: install it (apt-get install -y chromium) "
    f"or set {ENV_CHROMIUM}=/path/to/chromium"
)
TIMEOUT_S = 120.0
# A fresh profile and no background services: the print must not depend on (or touch) a user's
# browser profile, and a machine without network must not wait on update or sync requests.
FLAGS = (
    "--headless",
    "--no-sandbox",  # root in containers; the page is our own self-contained HTML
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",  # no date, title and URL printed in the page margins
)


def find_chromium() -> str:
    """The Chromium to print with: $SLAMETRICS_CHROMIUM, else the first browser on PATH."""
    given = os.environ.get(ENV_CHROMIUM, "").strip()
    if given:
        path = shutil.which(given)
        if path is None:
            raise SlametricsError(f"{ENV_CHROMIUM}={given!r} is not an executable; {HOW_TO_GET}")
        return path
    for name in BINARIES:
        path = shutil.which(name)
        if path is not None:
            return path
    raise SlametricsError(HOW_TO_GET)


def html_to_pdf(html: str, *, timeout: float = TIMEOUT_S, chromium: str | None = None) -> bytes:
    """`html` printed to PDF by headless Chromium; the page size comes from the CSS `@page` rule.

    The HTML must be self-contained (the report is): it is loaded from a temporary file.
    """
    exe = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="slametrics-pdf-") as tmp:
        folder = Path(tmp)
        page, out, profile = folder / "page.html", folder / "page.pdf", folder / "profile"
        page.write_text(html, encoding="utf-8")
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={out}", page.as_uri()]
        _run(cmd, timeout)
        data = out.read_bytes() if out.is_file() else b""
    if not data.startswith(b"%PDF-"):
        raise SlametricsError(f"{Path(exe).name} printed no PDF; {HOW_TO_GET}")
    return data


def _run(cmd: list[str], timeout: float) -> None:
    name = Path(cmd[0]).name
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SlametricsError(f"{name} did not finish printing the PDF in {timeout:g} s") from None
    except OSError as e:
        raise SlametricsError(f"cannot run {cmd[0]}: {e.strerror or e}; {HOW_TO_GET}") from None
    if done.returncode != 0:
        lines = [x for x in (done.stderr or "").splitlines() if x.strip()]
        why = lines[-1].strip() if lines else f"exit code {done.returncode}"
        raise SlametricsError(f"{name} could not print the PDF: {why}")
