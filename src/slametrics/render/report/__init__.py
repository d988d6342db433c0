"""The one-page report (DESIGN §9) as Markdown or self-contained HTML, from a MetricsResult."""

from __future__ import annotations

import datetime as dt
import functools

import jinja2
from markupsafe import Markup

from slametrics.render.i18n import Texts
from slametrics.render.pdf import TIMEOUT_S, html_to_pdf
from slametrics.render.report.fit import CAPS, FLOORS, PAGE_BUDGET_MM, SCALES, estimate_height_mm
from slametrics.render.report.svg import page_charts
from slametrics.render.report.text import keep_na, md_escape, new_salt, pseudonym
from slametrics.render.report.view import page_view
from slametrics.results import MetricsResult

__all__ = [
    "CAPS",
    "FLOORS",
    "FORMATS",
    "PAGE_BUDGET_MM",
    "SCALES",
    "estimate_height_mm",
    "md_escape",
    "new_salt",
    "page_view",
    "pseudonym",
    "render_report",
    "render_report_pdf",
]

FORMATS = ("md", "html")


def render_report(
    result: MetricsResult,
    *,
    fmt: str,
    lang: str,
    now: dt.datetime,
    redact: bool = False,
    redact_salt: str | None = None,
) -> str:
    """The report of `result` as `md` or `html` in `lang`; `now` is the "generated at" time.

    Pure: the same arguments give the same text (with `redact`, only when `redact_salt` is given:
    without it every call draws a new salt, so pseudonyms differ from report to report). HTML
    autoescapes every value; Markdown escapes every value for GitHub-flavoured Markdown. PDF is
    `render_report_pdf`.
    """
    if fmt not in FORMATS:
        hint = "; PDF is render_report_pdf" if fmt == "pdf" else ""
        raise ValueError(f"unknown report format {fmt!r}; use one of: {', '.join(FORMATS)}{hint}")
    t = Texts(lang)
    view, _ = page_view(result, t, now, redact, redact_salt)
    if fmt == "html":
        view["charts"] = {k: Markup(v) for k, v in page_charts(result, t, view).items()}
    return _environment(fmt).get_template(f"report.{fmt}.j2").render(v=view, t=t)


def render_report_pdf(
    result: MetricsResult,
    *,
    lang: str,
    now: dt.datetime,
    redact: bool = False,
    redact_salt: str | None = None,
    timeout: float = TIMEOUT_S,
) -> bytes:
    """The HTML report printed to one A4 page of PDF by headless Chromium (the same content).

    Raises SlametricsError, with one line on how to get it, when Chromium is not installed.
    """
    page = render_report(
        result, fmt="html", lang=lang, now=now, redact=redact, redact_salt=redact_salt
    )
    return html_to_pdf(page, timeout=timeout)


@functools.cache
def _environment(fmt: str) -> jinja2.Environment:
    loader = jinja2.PackageLoader("slametrics.render", "templates")
    common = {"loader": loader, "trim_blocks": True, "lstrip_blocks": True}
    if fmt == "html":
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, **common)
        env.filters["keep_na"] = keep_na
        return env
    return jinja2.Environment(
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=md_escape,
        **common,
    )
