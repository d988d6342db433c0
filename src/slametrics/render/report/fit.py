"""One page: how tall the HTML page will be, and the list cuts that make it fit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# How much of each list fits the page; the rest is "… and N more" (`slametrics tickets` has all).
# The lists' lengths start here and shrink one row at a time, round robin in this order, until
# the page estimate fits: first down to the first floors, and only for very long policies and
# many priorities (the contract's own thresholds last) down to the second.
ROWS = {  # list: (start, first floor, second floor)
    "repeat": (5, 3, 2),
    "risks": (5, 3, 2),
    "critical": (8, 5, 3),
    "waiting": (5, 3, 3),
    "kpis": (5, 3, 1),
    "thresholds": (5, 5, 3),
    "priorities": (5, 5, 3),
    "kinds": (5, 5, 3),
    # data quality: the sources named, and the example tickets of the vendor and excluded lines
    "sources": (3, 3, 1),
    "ids": (3, 3, 0),
}
CAPS = {name: rows[0] for name, rows in ROWS.items()}
FLOORS = tuple({name: rows[i] for name, rows in ROWS.items()} for i in (1, 2))

# The page-height model behind the list cuts, in mm, measured from the HTML's CSS in Chromium
# (tests/test_report_browser.py checks real renderings against the page).
PAGE_BUDGET_MM = 264.0
_ROW, _TH, _TH2, _H2, _LINE, _MORE, _GAP = 3.8, 3.5, 6.4, 4.8, 3.35, 3.0, 1.6
_LINE_CHART, _BAR_CHART = 22.4, 25.6
_FULL, _HALF = 118, 56  # characters per line of running text, with room for wide letters
_QUALITY = 56  # characters per line of the data quality list, in table type
_SMALL = 3.1  # the height of one of its lines
_META = 70  # characters per line of the header's right-hand block

View = dict[str, Any]


def fit(build: Callable[[Mapping[str, int]], View]) -> tuple[View, dict[str, int]]:
    """The view `build` makes with the longest lists that fit the page, and those lists' caps."""
    caps = dict(CAPS)
    turn = 0
    view = build(caps)
    while estimate_height_mm(view) > PAGE_BUDGET_MM:
        turn = _shrink(caps, turn)
        if turn < 0:
            break
        view = build(caps)
    return view, caps


def _shrink(caps: dict[str, int], turn: int) -> int:
    """Take one row off the next list (round robin) above its floor: the next turn, -1 if none."""
    names = list(CAPS)
    for floors in FLOORS:
        for _ in names:
            key = names[turn % len(names)]
            turn += 1
            if caps[key] > floors[key]:
                caps[key] -= 1
                return turn
    return -1


def estimate_height_mm(v: View) -> float:
    """How tall the HTML page will be, from the counts and text lengths of its view."""
    # Sums run in one fixed order, so that the same view always gives the same float.
    total = 9.5 + 4.0  # header, footer
    total += _LINE * _lines(v["redacted"], _META)  # the header's redaction line
    if v["empty"]:
        total += 3.0 + _LINE * (1 + _lines(v["empty_text"], _FULL)) + _GAP
    if v["freshness"]["level"]:
        total += 2.6 + _LINE * _lines(v["freshness"]["text"], _FULL)
    ver = v["verdict"]
    beside = "".join("; " + x["text"] for x in ver["beside"])
    # the status line is larger type: its characters count one and a half
    status = _lines(ver["text"] + ver["text"][: len(ver["text"]) // 2] + "; " + ver["also"], _FULL)
    total += _H2 + 2.0 + _LINE * (status + _lines(ver["headline"] + " ...." + beside, _FULL))
    total += _TH + _ROW * len(ver["rows"]) + _more(ver["more"]) + _GAP
    total += _sla(v["sla"])
    risks, quality, waiting = _risks(v["risks"]), _quality(v["quality"]), _waiting(v["waiting"])
    if v["empty"]:
        return total + max(waiting, risks) + _GAP + quality + _GAP
    total += _incidents(v["incidents"], v["critical"])
    total += max(_repeat(v["repeat"]), waiting) + _GAP
    total += _work_and_trend(v["work"], v["trend"])
    return total + max(risks, quality) + _GAP


def _lines(text: str, width: int) -> int:
    return max(1, -(-len(text) // width)) if text else 0


def _more(text: str) -> float:
    return _MORE if text else 0.0


def _sla(sla: View) -> float:
    if sla["none"]:
        notes = _lines(sla["none_text"], _FULL) + _lines(sla["notes"], _FULL)
        return _H2 + _LINE * notes + _GAP
    table = 2 * _TH + _ROW * (len(sla["rows"]) + 1) + _more(sla["more"])
    table += _LINE * _lines(sla["notes"], 70)
    chart = 4.0 + (14 + 13 * len(sla["bars"])) * 0.33
    return _H2 + max(table, chart) + _GAP


def _risks(risks: View) -> float:
    body = _LINE
    if risks["rows"]:
        summary = _LINE * _lines(risks["summary"], _HALF)
        body = summary + _TH + _ROW * len(risks["rows"]) + _more(risks["more"])
    return _H2 + body + _LINE * _lines(risks["worse"] or "x", _HALF)


def _quality(quality: View) -> float:
    return _H2 + sum(_SMALL * _lines(line, _QUALITY) for line in quality["lines"])


def _waiting(w: View) -> float:
    body = _LINE
    if w["rows"]:
        body = _LINE + _TH + _ROW * len(w["rows"]) + _more(w["more"])
    return _H2 + body


def _incidents(inc: View, crit: View) -> float:
    left = _LINE
    if inc["rows"]:
        left = _TH + _ROW * (len(inc["rows"]) + 1) + _more(inc["more"])
    right = _LINE
    if crit["rows"]:
        right = _TH2 + _ROW * len(crit["rows"]) + _more(crit["more"])
    return _H2 + max(left, _LINE + right) + _GAP


def _repeat(rep: View) -> float:
    body = _LINE
    if rep["rows"]:
        summary = _LINE * _lines(rep["summary"], _HALF)
        body = 1.2 + summary + _TH + _ROW * len(rep["rows"]) + _more(rep["more"])
    return _H2 + body


def _work_and_trend(work: View, trend: View) -> float:
    work_h = _LINE
    if work["rows"]:
        work_h = _TH2 + _ROW * (len(work["rows"]) + 1) + _more(work["more"])
    trend_h = _LINE if trend["none"] else 2 * _LINE_CHART
    return _H2 + max(work_h + (0 if trend["none"] else _BAR_CHART), trend_h) + _GAP
