"""The one-page report (DESIGN §9) as Markdown or self-contained HTML, from a MetricsResult."""

from __future__ import annotations

import datetime as dt
import functools

import jinja2
from markupsafe import Markup

from slametrics.render.i18n import Texts
from slametrics.render.report.fit import CAPS, FLOORS, PAGE_BUDGET_MM, estimate_height_mm
from slametrics.render.report.svg import page_charts
from slametrics.render.report.text import keep_na, md_escape, pseudonym
from slametrics.render.report.view import page_view
from slametrics.results import MetricsResult

__all__ = [
    "CAPS",
    "FLOORS",
    "FORMATS",
    "PAGE_BUDGET_MM",
    "estimate_height_mm",
    "md_escape",
    "page_view",
    "pseudonym",
    "render_report",
]

FORMATS = ("md", "html")


def render_report(
    result: MetricsResult, *, fmt: str, lang: str, now: dt.datetime, redact: bool = False
) -> str:
    """The report of `result` as `md` or `html` in `lang`; `now` is the "generated at" time.

    Pure: the same arguments give the same text. HTML autoescapes every value; Markdown escapes
    every value for GitHub-flavoured Markdown.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; use one of: {', '.join(FORMATS)}")
    t = Texts(lang)
    view, _ = page_view(result, t, now, redact)
    if fmt == "html":
        view["charts"] = {k: Markup(v) for k, v in page_charts(result, t, view).items()}
    return _environment(fmt).get_template(f"report.{fmt}.j2").render(v=view, t=t)


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
