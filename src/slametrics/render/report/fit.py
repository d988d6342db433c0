"""One page: how tall the HTML page will be, and the list cuts that make it fit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slametrics.render.report.text import ID_EM, id_em

# How much of each list fits the page; the rest is "… and N more" (`slametrics tickets` has all).
# The lists' lengths start here and shrink one row at a time, round robin in this order, until
# the page estimate fits: first down to the first floors, and only for very long policies and
# many priorities (the contract's own thresholds last) down to the second.
ROWS = {  # list: (start, first floor, second floor)
    "repeat": (5, 3, 1),
    "risks": (5, 3, 2),
    "critical": (8, 5, 2),
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
# Type sizes tried, largest first, while every list is whole: the page's base size in pt is
# 8 times the scale. A page whose lists must be cut keeps the smallest (1.0).
SCALES = (1.15, 1.1, 1.05)
BASE_PT = 8.0
FLOORS = tuple({name: rows[i] for name, rows in ROWS.items()} for i in (1, 2))

# The page-height model behind the list cuts, in mm, measured from the HTML's CSS in Chromium
# (tests/test_report_browser.py checks real renderings against the page).
PAGE_BUDGET_MM = 264.0
_ROW, _TH, _TH2, _H2, _LINE, _MORE, _GAP = 3.8, 3.5, 6.4, 4.8, 3.35, 3.0, 1.6
_LINE_CHART, _BAR_CHART = 22.4, 25.6
_FULL, _HALF = 118, 56  # characters per line of running text, with room for wide letters
_QUALITY = 56  # characters per line of the data quality list, in table type
_SMALL = 3.1  # the height of one of its lines
# characters per line of a wrapping cell: a repeat group's key (bold) and its ticket list
_KEY, _IDS = 28, 19
_RISK_ID_EM = 8.0  # past this, a risk row's due time wraps under its date
_META = 70  # characters per line of the header's right-hand block

View = dict[str, Any]


def fit(build: Callable[[Mapping[str, int]], View]) -> tuple[View, dict[str, int]]:
    """The view `build` makes with the longest lists that fit the page, and those lists' caps;
    with every list whole, in the largest type that still fits (the view's `scale`)."""
    caps = dict(CAPS)
    view = build(caps)
    for scale in SCALES:
        if estimate_height_mm({**view, "scale": scale}) <= PAGE_BUDGET_MM:
            view["scale"] = scale
            return view, caps
    view["scale"] = 1.0
    turn = 0
    while estimate_height_mm(view) > PAGE_BUDGET_MM:
        turn = _shrink(caps, turn)
        if turn < 0:
            break
        view = build(caps)
        view["scale"] = 1.0
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
    """How tall the HTML page will be, from the counts and text lengths of its view.

    Text heights grow with the view's type `scale` and its lines hold fewer characters; the
    charts (sized by the page's width) and the gaps do not grow.
    """
    return _Model(v.get("scale", 1.0)).page(v)


class _Model:
    """The page-height model at one type scale."""

    def __init__(self, scale: float) -> None:
        self.k = scale
        self.row, self.th, self.th2 = _ROW * scale, _TH * scale, _TH2 * scale
        self.h2, self.line, self.more_h, self.small = (
            _H2 * scale,
            _LINE * scale,
            _MORE * scale,
            _SMALL * scale,
        )

    def lines(self, text: str, width: int) -> int:
        return _lines(text, int(width / self.k))

    def more(self, text: str) -> float:
        return self.more_h if text else 0.0

    def page(self, v: View) -> float:
        # Sums run in one fixed order, so that the same view always gives the same float.
        total = 9.5 * self.k + 4.0 * self.k  # header, footer
        total += self.line * self.lines(v["redacted"], _META)  # the header's redaction line
        if v["empty"]:
            total += 3.0 * self.k + self.line * (1 + self.lines(v["empty_text"], _FULL)) + _GAP
        if v["freshness"]["level"]:
            total += 2.6 + self.line * self.lines(v["freshness"]["text"], _FULL)
        total += self.verdict(v["verdict"])
        contract = [*v["contract"]["lines"], v["contract"]["signals"]]
        total += sum(self.line * self.lines(x, _FULL) for x in contract if x)
        total += self.sla(v["sla"])
        risks, quality = self.risks(v["risks"]), self.quality(v["quality"])
        waiting = self.waiting(v["waiting"])
        if v["empty"]:
            return total + max(waiting, risks) + _GAP + quality + _GAP
        total += self.incidents(v["incidents"], v["critical"])
        total += max(self.repeat(v["repeat"]), waiting) + _GAP
        total += self.work_and_trend(v["work"], v["trend"])
        return total + max(risks, quality) + _GAP

    def verdict(self, ver: View) -> float:
        beside = "".join("; " + x["text"] for x in ver["beside"])
        # the status line is larger type: its characters count one and a half
        status = ver["text"] + ver["text"][: len(ver["text"]) // 2] + "; " + ver["also"]
        text = self.lines(status, _FULL) + self.lines(ver["headline"] + " ...." + beside, _FULL)
        total = self.h2 + 2.0 + self.line * text
        return total + self.th + self.row * len(ver["rows"]) + self.more(ver["more"]) + _GAP

    def sla(self, sla: View) -> float:
        if sla["none"]:
            notes = self.lines(sla["none_text"], _FULL) + self.lines(sla["notes"], _FULL)
            return self.h2 + self.line * notes + _GAP
        table = 2 * self.th + self.row * (len(sla["rows"]) + 1) + self.more(sla["more"])
        table += self.line * self.lines(sla["notes"], 70)
        chart = 4.0 * self.k + (14 + 13 * len(sla["bars"])) * 0.33
        return self.h2 + max(table, chart) + _GAP

    def id_rows(self, rows: list[View], wide: float = ID_EM) -> float:
        """Table rows, taller where the ticket id wraps past its column (ids are never cut), or
        where an id wider than `wide` em squeezes the row's other cells onto two lines."""
        widths = [id_em(row["id"]) for row in rows]
        lines = [max(1, -(-w // ID_EM), 2 if w > wide else 1) for w in widths]
        return self.row * sum(lines)

    def risks(self, risks: View) -> float:
        body = self.line
        if risks["rows"]:
            summary = self.line * self.lines(risks["summary"], _HALF)
            rows = self.id_rows(risks["rows"], _RISK_ID_EM)
            body = summary + self.th + rows + self.more(risks["more"])
        return self.h2 + body + self.line * self.lines(risks["worse"] or "x", _HALF)

    def quality(self, quality: View) -> float:
        return self.h2 + sum(self.small * self.lines(line, _QUALITY) for line in quality["lines"])

    def waiting(self, w: View) -> float:
        body = self.line
        if w["rows"]:
            body = self.line + self.th + self.id_rows(w["rows"]) + self.more(w["more"])
        return self.h2 + body

    def incidents(self, inc: View, crit: View) -> float:
        left = self.line
        if inc["rows"]:
            left = self.th + self.row * (len(inc["rows"]) + 1) + self.more(inc["more"])
        right = self.line
        if crit["rows"]:
            right = self.th2 + self.id_rows(crit["rows"]) + self.more(crit["more"])
        return self.h2 + max(left, self.line * self.lines(crit["summary"], 80) + right) + _GAP

    def repeat(self, rep: View) -> float:
        body = self.line
        if rep["rows"]:
            summary = self.line * self.lines(rep["summary"], _HALF)
            rows = sum(
                max(self.lines(row["key_shown"], _KEY), self.lines(row["tickets"], _IDS))
                for row in rep["rows"]
            )
            body = 1.2 + summary + self.th + self.row * rows + self.more(rep["more"])
        return self.h2 + body

    def work_and_trend(self, work: View, trend: View) -> float:
        work_h = self.line
        if work["rows"]:
            work_h = self.th2 + self.row * (len(work["rows"]) + 1) + self.more(work["more"])
        trend_h = self.line if trend["none"] else 2 * _LINE_CHART
        chart = 0 if trend["none"] else _BAR_CHART
        return self.h2 + max(work_h + chart, trend_h) + _GAP


def _lines(text: str, width: int) -> int:
    return max(1, -(-len(text) // width)) if text else 0
