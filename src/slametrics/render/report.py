"""The one-page report (DESIGN §9) as Markdown or self-contained HTML, from a MetricsResult."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markupsafe import Markup

from slametrics.render import charts
from slametrics.render.i18n import Texts
from slametrics.results import RISK_SHARE, MetricsResult, MetricValue, SliceStats, ThresholdValue

FORMATS = ("md", "html")
# How much of each list fits the page; the rest is "… and N more" (`slametrics tickets` has all).
# The lists' lengths start here and shrink one row at a time, round robin in this order, until
# the page estimate fits: first down to the first floors, and only for very long policies and
# many priorities (the contract's own thresholds last) down to the second.
CAPS = {"repeat": 5, "risks": 5, "critical": 8, "waiting": 5, "kpis": 5, "thresholds": 5,
        "priorities": 5, "kinds": 5}  # fmt: skip
FLOORS = (
    {"repeat": 3, "risks": 3, "critical": 5, "waiting": 3, "kpis": 3, "thresholds": 5,
     "priorities": 5, "kinds": 5},
    {"repeat": 2, "risks": 2, "critical": 3, "waiting": 3, "kpis": 2, "thresholds": 3,
     "priorities": 3, "kinds": 4},
)  # fmt: skip
MAX_REPEAT_IDS = 3
MAX_TREND_ROWS = 8
MAX_VENDOR_IDS = 3
MAX_SOURCES = 3
MAX_WORSE = 3
SUBJECT_CHARS = 60
NAME_CHARS = 34
KEY_CHARS = 40

SHARE_METRICS = ("on_time_share", "first_contact_resolution", "repeat_incident_rate", "reopen_rate")
# Volumes are not here: the work-status table and the volume chart carry them.
KPI_ORDER = (*SHARE_METRICS, "waiting_on_customer")
TREND_FIELDS = {
    "on_time_share", "first_contact_resolution", "repeat_incident_rate", "reopen_rate",
    "waiting_on_customer", "created", "resolved",
}  # fmt: skip
KIND_ORDER = ("incident", "consultation", "change", "improvement")
# Helpdesks name priorities freely; this ranks the common names from most to least critical so
# that tables read top-down by criticality (unknown names follow, alphabetically).
PRIORITY_RANK = [
    "blocker", "1 - critical", "critical", "urgent", "highest", "p1", "критический",
    "срочный", "2 - high", "high", "p2", "высокий", "3 - moderate", "medium", "moderate",
    "normal", "p3", "средний", "обычный", "4 - low", "low", "p4", "низкий", "5 - planning",
    "lowest", "p5", "trivial", "(none)",
]  # fmt: skip
OUTCOME_RANK = {"breached": 0, "running": 1, "met": 2}
ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


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
    builder = _View(result, t, now, redact)
    view = builder.build()
    while estimate_height_mm(view) > PAGE_BUDGET_MM and builder.shrink():
        view = builder.build()
    if fmt == "html":
        view["charts"] = {k: Markup(v) for k, v in builder.charts(view).items()}
    return _environment(fmt).get_template(f"report.{fmt}.j2").render(v=view, t=t)


@functools.cache
def _environment(fmt: str) -> jinja2.Environment:
    loader = jinja2.PackageLoader("slametrics.render", "templates")
    if fmt == "html":
        return jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True,
                                  lstrip_blocks=True, undefined=jinja2.StrictUndefined)  # fmt: skip
    return jinja2.Environment(loader=loader, autoescape=False, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined, finalize=md_escape)  # fmt: skip


_MD_SPACE = re.compile(r"[ \t\r\n\f\v]+")  # not str.split(): it would eat no-break spaces
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(>|[#+=-](?=[\s#=-]|$)|\d+[.)](?=\s|$))")


def md_escape(value: Any) -> str:
    """Any value printed into Markdown: GitHub renders it as text, and a `|` keeps tables whole."""
    if value is None:
        return ""
    text = _MD_SPACE.sub(" ", str(value)).strip()  # line breaks would end a table row
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # a value that starts a line must not turn into a heading, quote or list item
    return _MD_LINE_START.sub(r"\\\1", text)


def pseudonym(prefix: str, name: str) -> str:
    """A stable stand-in for a name: the same name gives the same pseudonym in every run."""
    digest = hashlib.sha256(name.strip().casefold().encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:4].upper()}"


def _cut(text: str | None, limit: int) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def priority_key(name: str, policy_order: list[str] | None = None) -> tuple[int, int, str]:
    """Sort key: the policy's own order of priorities first, then the common names' ranking."""
    low = name.strip().lower()
    order = [p.strip().lower() for p in policy_order or []]
    first = order.index(low) if low in order else len(order)
    rank = PRIORITY_RANK.index(low) if low in PRIORITY_RANK else len(PRIORITY_RANK)
    return first, rank, low


def kind_key(name: str) -> tuple[int, str]:
    return (KIND_ORDER.index(name) if name in KIND_ORDER else len(KIND_ORDER)), name


@dataclass
class _View:
    """Turns the result into display strings, shared by both templates (same content)."""

    r: MetricsResult
    t: Texts
    now: dt.datetime
    redact: bool
    tz: str = field(init=False)
    caps: dict[str, int] = field(init=False)
    _turn: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.tz = self.r.period.timezone
        self.caps = dict(CAPS)
        if self.now.tzinfo is None:
            self.now = self.now.replace(tzinfo=dt.UTC)

    def shrink(self) -> bool:
        """Take one row off the next list (round robin) above its floor; False when none is."""
        names = list(CAPS)
        for floors in FLOORS:
            for _ in names:
                key = names[self._turn % len(names)]
                self._turn += 1
                if self.caps[key] > floors[key]:
                    self.caps[key] -= 1
                    return True
        return False

    # --- formatting helpers ---------------------------------------------------------------

    def more(self, shown: int, total: int) -> str:
        if total <= shown:
            return ""
        return self.t("more", n=self.t.integer(total - shown))

    def org(self, name: str | None) -> str:
        if not name:
            return ""
        return pseudonym(self.t("pseudonym.org"), name) if self.redact else name

    def person(self, name: str | None) -> str:
        if not name:
            return ""
        return pseudonym(self.t("pseudonym.person"), name) if self.redact else name

    def priority(self, name: str | None) -> str:
        if not name or name == "(none)":
            return self.t("priority.none")
        return name

    def kind(self, name: str | None) -> str:
        # Kinds are the policy's own names and shown as written; only the fallback is ours.
        if not name or name == "other":
            return self.t("kind.other")
        return name

    def clock(self, name: str | None) -> str:
        key = f"clock.{name}"
        return self.t(key) if name and self.t.has(key) else (name or "")

    def metric(self, name: str) -> str:
        key = f"m.{name}"
        return self.t(key) if self.t.has(key) else name

    def field_name(self, name: str) -> str:
        key = f"field.{name}"
        return self.t(key) if self.t.has(key) else name

    def value(self, metric: str, v: float | None, places: int = 1) -> str:
        if v is None:
            return self.t("none")
        if metric in SHARE_METRICS:
            return self.t.percent(v, places)
        return self.t.integer(v)

    def bound(self, metric: str, th: ThresholdValue) -> str:
        parts = []
        if th.min is not None:
            parts.append("≥ " + self.value(metric, th.min, _places(th.min)))
        if th.max is not None:
            parts.append("≤ " + self.value(metric, th.max, _places(th.max)))
        return ", ".join(parts)

    def shown_value(self, th: ThresholdValue) -> str:
        """The value with enough decimals that it never reads as equal to a bound it misses."""
        if th.value is None:
            return self.t("result.no_data")
        places = 1
        if th.metric in SHARE_METRICS:
            for b in (th.min, th.max):
                while b is not None and places < 4 and not th.passed and \
                        self.t.percent(th.value, places) == self.t.percent(b, places):  # fmt: skip
                    places += 1
        return self.value(th.metric, th.value, places)

    def arrow(self, metric: str) -> dict[str, str]:
        d = next((x for x in self.r.directions if x.metric == metric), None)
        if d is not None and d.direction in ("up", "down", "flat"):
            cls = "neutral" if d.better is None else ("good" if d.better else "bad")
            word = "trend.flat" if d.direction == "flat" else (
                "trend.better" if d.better else "trend.worse")  # fmt: skip
            return {"arrow": ARROWS[d.direction], "cls": cls, "word": self.t(word)}
        if d is not None:  # fewer than two periods with a value: no direction to show
            return {"arrow": "", "cls": "neutral", "word": ""}
        series = self.series(metric)
        if len(series) >= 2 and series[-1] is not None and series[-2] is not None:
            diff = series[-1] - series[-2]
            direction = "flat" if diff == 0 else ("up" if diff > 0 else "down")
            return {"arrow": ARROWS[direction], "cls": "neutral", "word": ""}
        return {"arrow": "", "cls": "neutral", "word": ""}

    def series(self, metric: str) -> list[float | None]:
        if metric not in TREND_FIELDS:
            return []
        return [getattr(p, metric) for p in self.r.trend]

    def previous(self, metric: str) -> float | None:
        s = self.series(metric)
        if len(s) >= 2 and self.r.trend[-1].label == self.r.period.label:
            return s[-2]
        return None

    def sparkline(self, metric: str) -> str:
        s = self.series(metric)[-MAX_TREND_ROWS:]
        return charts.sparkline(s)

    # --- sections -------------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        r, t = self.r, self.t
        last_day = r.period.end - dt.timedelta(microseconds=1)
        clocks_counted = sum(c.met + c.breached for c in r.clocks.values())
        created = (r.metrics.get("created") or _none()).value or 0
        resolved = (r.metrics.get("resolved") or _none()).value or 0
        empty = not created and not resolved and not clocks_counted
        return {
            "title": t("title"),
            "policy": _cut(r.policy, 80),
            "period_label": r.period.label,
            "period_range": f"{t.date(r.period.start, self.tz)} – {t.date(last_day, self.tz)}",
            "timezone": self.tz,
            "as_of": t.datetime(r.as_of, self.tz),
            "generated": t.datetime(self.now, self.tz),
            "empty": empty,
            "empty_text": t(
                "empty.text", start=t.date(r.period.start, self.tz), end=t.date(last_day, self.tz)
            ),  # fmt: skip
            "verdict": self.verdict(empty),
            "sla": self.sla(),
            "incidents": self.incidents(),
            "critical": self.critical(),
            "repeat": self.repeat(),
            "waiting": self.waiting(),
            "work": self.work(),
            "trend": self.trend(),
            "risks": self.risks(),
            "quality": self.quality(),
            "tickets_command": f"slametrics tickets SOURCE --policy FILE --period {r.period.label}",
        }

    def threshold_label(self, th: ThresholdValue) -> str:
        parts = [self.metric(th.metric)]
        for name, val in _qualifiers(th):
            if name == "clock":
                parts.append(self.clock(val).lower())
            elif name == "priority":
                parts.append(f"{self.t('qual.priority')} {self.priority(val)}")
            elif name == "kind":
                parts.append(f"{self.t('qual.kind')} {self.kind(val)}")
            else:
                parts.append(f"{name}={val}")
        return ", ".join(parts)

    def verdict(self, empty: bool) -> dict[str, Any]:
        r, t = self.r, self.t
        ths = list(r.thresholds)
        failed = [th for th in ths if not th.passed]
        if len(ths) > self.caps["thresholds"]:  # the missed ones matter most when cut
            ths = (failed + [th for th in ths if th.passed])[: self.caps["thresholds"]]
        rows = []
        plain = set()
        for th in ths:
            qualified = bool(_qualifiers(th))
            m = r.metrics.get(th.metric)
            detail = ""
            if not qualified and m is not None and m.denominator:
                detail = f"{t.integer(m.numerator or 0)} / {t.integer(m.denominator)}"
            if not qualified:
                plain.add(th.metric)
            status = "no_data" if th.value is None else ("pass" if th.passed else "fail")
            prev = None if qualified else self.previous(th.metric)
            rows.append({
                "label": self.threshold_label(th),
                "value": self.shown_value(th),
                "detail": detail,
                "contract": self.bound(th.metric, th),
                "result": t(f"result.{status}"),
                "status": status,
                "previous": "" if prev is None else self.value(th.metric, prev),
                "spark": "" if qualified else self.sparkline(th.metric),
                **(self.arrow(th.metric) if not qualified else
                   {"arrow": "", "cls": "neutral", "word": ""}),
            })  # fmt: skip
        kpis = 0
        for name in KPI_ORDER:
            m = r.metrics.get(name)
            if name in plain or m is None or kpis >= self.caps["kpis"]:
                continue
            kpis += 1
            prev = self.previous(name)
            detail = ""
            if m.denominator:
                detail = f"{t.integer(m.numerator or 0)} / {t.integer(m.denominator)}"
            rows.append({
                "label": self.metric(name), "value": self.value(name, m.value), "detail": detail,
                "contract": "", "result": "", "status": "none",
                "previous": "" if prev is None else self.value(name, prev),
                "spark": self.sparkline(name), **self.arrow(name),
            })  # fmt: skip
        on_time = r.metrics.get("on_time_share") or _none()
        plain_on_time = next(
            (th for th in r.thresholds if th.label == "on_time_share" and th.min is not None), None
        )
        if on_time.value is None:
            headline = t("verdict.on_time_none")
        else:
            headline = t("verdict.on_time", value=t.percent(on_time.value),
                         num=t.integer(on_time.numerator or 0),
                         den=t.integer(on_time.denominator or 0))  # fmt: skip
        if plain_on_time is not None:
            headline += ", " + t(
                "verdict.contract", bound=self.bound("on_time_share", plain_on_time)
            )
        no_data = sum(th.value is None for th in r.thresholds)
        total = t.integer(len(r.thresholds))
        if not r.thresholds:
            status, text = "none", t("verdict.no_thresholds")
        elif failed:
            status, text = "fail", t("verdict.missed", n=t.integer(len(failed)), total=total)
        elif no_data == len(r.thresholds) or empty:  # nothing measured is not "met"
            status, text = "none", t("verdict.no_data")
        elif no_data:
            met = t.integer(len(r.thresholds) - no_data)
            status, text = "pass", t("verdict.met_some", met=met, total=total)
        else:
            status, text = "pass", t("verdict.all_met")
        return {
            "status": status, "text": text, "headline": headline,
            "on_time_arrow": self.arrow("on_time_share"), "rows": rows,
            "more": self.more(len(ths), len(r.thresholds)),
        }  # fmt: skip

    def _clock_cells(self, s: SliceStats | None) -> dict[str, str]:
        t = self.t
        if s is None:
            return {"share": t("none"), "n": "", "p50": t("none"), "p90": t("none")}
        n = s.met + s.breached
        return {
            "share": t.percent(s.on_time_share),
            "n": f"{t.integer(s.met)} / {t.integer(n)}" if n else "",
            "p50": t.duration(s.p50_s),
            "p90": t.duration(s.p90_s),
        }

    def sla(self) -> dict[str, Any]:
        r, t = self.r, self.t
        by: dict[str, dict[str, SliceStats]] = {}
        for s in r.by_priority:
            by.setdefault(s.key, {})[s.clock] = s
        keys = sorted(by, key=lambda k: priority_key(k, self.r.priority_order))
        rows = []
        bars = []
        for key in keys[: self.caps["priorities"]]:
            fr, res = by[key].get("first_response"), by[key].get("resolution")
            running = sum(s.running for s in by[key].values())
            rows.append({"priority": self.priority(key), "fr": self._clock_cells(fr),
                         "res": self._clock_cells(res), "running": t.integer(running)})  # fmt: skip
            met = sum(s.met for s in by[key].values())
            breached = sum(s.breached for s in by[key].values())
            bars.append((self.priority(key), met, breached))
        total = {}
        for name in ("first_response", "resolution"):
            c = r.clocks.get(name)
            if c is None:
                total[name] = self._clock_cells(None)
                continue
            total[name] = self._clock_cells(SliceStats(
                dimension="all", key="all", clock=name, met=c.met, breached=c.breached,
                running=c.running, on_time_share=c.on_time_share, p50_s=c.p50_s, p90_s=c.p90_s,
                p95_s=c.p95_s))  # fmt: skip
        percentiles = [
            t("sla.percentiles", clock=self.clock(name), p50=t.duration(c.p50_s),
              p90=t.duration(c.p90_s), p95=t.duration(c.p95_s))
            for name, c in r.clocks.items() if c.p50_s is not None
        ]  # fmt: skip
        counted = sum(c.met + c.breached for c in r.clocks.values())
        return {
            "rows": rows,
            "all": {"fr": total["first_response"], "res": total["resolution"],
                    "running": t.integer(sum(c.running for c in r.clocks.values()))},
            "more": self.more(len(rows), len(keys)),
            "bars": bars if counted else [],
            "percentiles": "; ".join(percentiles),
            "none": not counted,
        }  # fmt: skip

    def incidents(self) -> dict[str, Any]:
        t = self.t
        by: dict[str, list[int]] = {}
        for v in self.r.volumes:
            if v.kind != "incident":
                continue
            acc = by.setdefault(v.priority, [0, 0, 0])
            acc[0] += v.created
            acc[1] += v.resolved
            acc[2] += v.open_at_end
        keys = sorted(by, key=lambda k: priority_key(k, self.r.priority_order))
        rows = [{"priority": self.priority(k), "created": t.integer(by[k][0]),
                 "resolved": t.integer(by[k][1]), "open": t.integer(by[k][2])}
                for k in keys[: self.caps["priorities"]]]  # fmt: skip
        sums = [sum(x[i] for x in by.values()) for i in range(3)]
        return {
            "rows": rows,
            "total": {"created": t.integer(sums[0]), "resolved": t.integer(sums[1]),
                      "open": t.integer(sums[2])},
            "more": self.more(len(rows), len(keys)),
        }  # fmt: skip

    def critical(self) -> dict[str, Any]:
        t = self.t
        lines = sorted(
            self.r.critical_incidents,
            key=lambda x: (OUTCOME_RANK.get(x.outcome or "", 3), _ts(x.created_at), x.ticket_id),
        )
        rows = []
        for x in lines[: self.caps["critical"]]:
            outcome = x.outcome if x.outcome in OUTCOME_RANK else "none"
            rows.append({
                "id": x.ticket_id, "priority": self.priority(x.priority),
                "subject": _cut(x.subject, SUBJECT_CHARS), "created": t.datetime(x.created_at, self.tz),
                "restore": t.duration(x.elapsed_s), "target": t.duration(x.target_s),
                "outcome": t(f"outcome.{outcome}"), "status": outcome,
            })  # fmt: skip
        count = {o: sum(1 for x in lines if x.outcome == o) for o in OUTCOME_RANK}
        summary = t("critical.summary", n=t.integer(len(lines)),
                    breached=t.integer(count["breached"]), running=t.integer(count["running"]))  # fmt: skip
        return {"rows": rows, "summary": summary, "more": self.more(len(rows), len(lines))}

    def repeat(self) -> dict[str, Any]:
        r, t = self.r, self.t
        groups = r.repeat_groups
        m = r.metrics.get("repeat_incident_rate") or _none()
        rows = []
        for g in groups[: self.caps["repeat"]]:
            values = []
            for k, val in g.key.items():
                if k == "organization":
                    val = self.org(val)
                elif k == "requester":
                    val = self.person(val)
                values.append(val)
            # the latest members are the ones this period added
            rows.append({"key": _cut(" · ".join(values), KEY_CHARS),
                         "count": t.integer(len(g.tickets)),
                         "tickets": ", ".join(g.tickets[-MAX_REPEAT_IDS:])})  # fmt: skip
        key_names = list(groups[0].key) if groups else []
        summary = ""
        if m.denominator:
            summary = t("repeat.summary", rate=t.percent(m.value), num=t.integer(m.numerator or 0),
                        den=t.integer(m.denominator),
                        fields=t("join.and").join(self.field_name(k) for k in key_names)
                        if key_names else "—")  # fmt: skip
        return {
            "rate": t.percent(m.value), "summary": summary, "rows": rows,
            "more": self.more(len(rows), len(groups)),
        }  # fmt: skip

    def waiting(self) -> dict[str, Any]:
        r, t = self.r, self.t
        total = int((r.metrics.get("waiting_on_customer") or _none()).value or len(r.waiting))
        rows = []
        for x in r.waiting[: self.caps["waiting"]]:
            who = self.person(_short_person(x.requester)) or self.org(x.organization)
            rows.append({
                "id": x.ticket_id, "subject": _cut(x.subject, SUBJECT_CHARS),
                "who": _cut(who, NAME_CHARS), "since": t.date(x.waiting_since, self.tz),
                "waited": t.duration(None if x.waiting_hours is None else x.waiting_hours * 3600),
            })  # fmt: skip
        return {
            "rows": rows, "summary": t("waiting.summary", n=t.integer(total)),
            "more": self.more(len(rows), max(total, len(r.waiting))),
        }  # fmt: skip

    def work(self) -> dict[str, Any]:
        t = self.t
        created: dict[str, int] = {}
        for v in self.r.volumes:
            created[v.kind] = created.get(v.kind, 0) + v.created
        status = {w.kind: w for w in self.r.work_status}
        kinds = sorted(set(status) | {k for k, n in created.items() if n}, key=kind_key)
        rows = []
        sums = [0, 0, 0, 0]
        for k in kinds:
            w = status.get(k)
            vals = [created.get(k, 0), w.in_progress if w else 0, w.waiting if w else 0,
                    w.done_in_period if w else 0]  # fmt: skip
            sums = [a + b for a, b in zip(sums, vals, strict=True)]
            rows.append({"kind": self.kind(k), "cells": [t.integer(v) for v in vals]})
        shown = rows[: self.caps["kinds"]]
        return {
            "rows": shown, "total": [t.integer(v) for v in sums],
            "more": self.more(len(shown), len(rows)),
        }  # fmt: skip

    def x_label(self, label: str, start: dt.datetime) -> str:
        if m := re.fullmatch(r"\d{4}-(W\d\d|Q\d)", label):
            return m.group(1)
        if re.fullmatch(r"\d{4}-\d\d", label):
            return self.t.date(start + dt.timedelta(days=1), self.tz)[3:] if \
                self.t.lang == "ru" else label  # fmt: skip
        return _cut(label, 10)

    def trend(self) -> dict[str, Any]:
        t = self.t
        points = self.r.trend[-MAX_TREND_ROWS:]
        rows = [{
            "label": p.label,
            "on_time": t.percent(p.on_time_share),
            "fcr": t.percent(p.first_contact_resolution),
            "created": t.integer(p.created),
            "resolved": t.integer(p.resolved),
            "current": p.label == self.r.period.label,
        } for p in points]  # fmt: skip
        return {"rows": rows, "none": len(self.r.trend) < 2}

    def risks(self) -> dict[str, Any]:
        r, t = self.r, self.t
        rows = []
        for x in r.at_risk[: self.caps["risks"]]:
            rows.append({
                "id": x.ticket_id, "clock": self.clock(x.clock), "priority": self.priority(x.priority),
                "subject": _cut(x.subject, SUBJECT_CHARS),
                "used": t.percent(x.used_share, 0), "due": t.datetime(x.due_at, self.tz),
            })  # fmt: skip
        worse = [
            t("risks.worse_item", metric=self.metric(d.metric), n=t.integer(d.worse_streak))
            for d in sorted(r.directions, key=lambda d: -d.worse_streak) if d.worse_streak >= 2
        ]  # fmt: skip
        if len(worse) > MAX_WORSE:
            worse = worse[:MAX_WORSE] + [self.more(MAX_WORSE, len(worse))]
        return {
            "rows": rows,
            "summary": t("risks.summary", share=t.percent(RISK_SHARE, 0),
                         n=t.integer(r.at_risk_total)),
            "more": self.more(len(rows), r.at_risk_total),
            "worse": t("risks.worse", items="; ".join(worse)) if worse else "",
        }  # fmt: skip

    def quality(self) -> dict[str, Any]:
        r, t = self.r, self.t
        q = r.data_quality
        lines = []
        snapshot = q.fidelity.get("snapshot", 0)
        fidelity = t("quality.fidelity", history=t.integer(q.fidelity.get("history", 0)),
                     snapshot=t.integer(snapshot))  # fmt: skip
        lines.append(fidelity + ("; " + t("quality.snapshot_note") if snapshot else ""))
        if q.sources:
            names = sorted(q.sources.items(), key=lambda kv: (-kv[1], kv[0]))
            text = ", ".join(f"{_cut(k, 20)}: {t.integer(v)}" for k, v in names[:MAX_SOURCES])
            if len(names) > MAX_SOURCES:
                text += " " + self.more(MAX_SOURCES, len(names))
            lines.append(t("quality.sources", sources=text))
        rejected = t("quality.rejected", n=t.integer(q.rows_rejected),
                     problems=t.integer(q.problems))  # fmt: skip
        untargeted = sum(c.untargeted for c in r.clocks.values())
        if untargeted:
            rejected += "; " + t("quality.untargeted", n=t.integer(untargeted))
        lines.append(rejected)
        vendor = []
        for v in q.vendor[:2]:
            text = t("quality.vendor", clock=self.clock(v.clock).lower(),
                     disagree=t.integer(v.disagree), compared=t.integer(v.compared),
                     vm=t.integer(v.vendor_met_recomputed_breached),
                     vb=t.integer(v.vendor_breached_recomputed_met))  # fmt: skip
            if v.tickets:
                ids = ", ".join(v.tickets[:MAX_VENDOR_IDS])
                if len(v.tickets) > MAX_VENDOR_IDS:
                    ids += " …"
                text += "; " + t("quality.vendor_examples", ids=ids)
            vendor.append(text)
        if not vendor:
            vendor.append(t("quality.no_vendor"))
        return {"lines": lines + vendor}

    def charts(self, view: dict[str, Any]) -> dict[str, str]:
        """The HTML page's inline SVGs, drawn from the same figures as the Markdown tables."""
        r, t = self.r, self.t
        out = dict.fromkeys(("by_priority", "on_time", "fcr", "volume"), "")
        bars = view["sla"]["bars"]
        if bars:
            out["by_priority"] = charts.met_breached_bars(
                bars, title=t("chart.by_priority"), legend=(t("col.met"), t("col.breached")),
                count_labels=[(t.integer(m), t.integer(b)) for _, m, b in bars],
            )  # fmt: skip
        pts = r.trend
        if len(pts) < 2:
            return out
        labels = [self.x_label(p.label, p.start) for p in pts]
        ticks = [(0.0, t.percent(0.0, 0)), (0.5, t.percent(0.5, 0)), (1.0, t.percent(1.0, 0))]
        for name, metric in (("on_time", "on_time_share"), ("fcr", "first_contact_resolution")):
            values = [getattr(p, metric) for p in pts]
            out[name] = charts.line_chart(
                values, labels, title=t(f"chart.{name}"), y_ticks=ticks, width=300, height=56,
                reference=_chart_minimum(r, metric, t),
                value_labels=["" if v is None else t.percent(v, 0) for v in values],
            )  # fmt: skip
        out["volume"] = charts.pair_bars(
            [p.created for p in pts], [p.resolved for p in pts], labels,
            title=t("chart.volume"), legend=(t("col.created"), t("col.resolved")), width=260,
            height=72,
            value_labels=([t.integer(p.created) for p in pts], [t.integer(p.resolved) for p in pts]),
        )  # fmt: skip
        return out


_QUALIFIER = re.compile(r"\b(clock|priority|kind)=(.*?)(?=\s+(?:clock|priority|kind)=|$)")


def _qualifiers(th: ThresholdValue) -> list[tuple[str, str]]:
    """(name, value) pairs of a threshold label `metric clock=x priority=y kind=z`.

    Values may contain spaces (`priority=1 - Critical`), so split at the next known name.
    """
    rest = th.label[len(th.metric) :] if th.label.startswith(th.metric) else th.label
    return [(m.group(1), m.group(2).strip()) for m in _QUALIFIER.finditer(rest.strip())]


# The page-height model behind the list cuts, in mm, measured from the HTML's CSS in Chromium
# (tests/test_report_browser.py checks real renderings against the page).
PAGE_BUDGET_MM = 264.0
_ROW, _TH, _TH2, _H2, _LINE, _MORE, _GAP = 3.8, 3.5, 6.4, 4.8, 3.35, 3.0, 1.6
_LINE_CHART, _BAR_CHART = 22.4, 25.6
_FULL, _HALF = 118, 56  # characters per line of running text, with room for wide letters


def _lines(text: str, width: int) -> int:
    return max(1, -(-len(text) // width)) if text else 0


def _more(text: str) -> float:
    return _MORE if text else 0.0


def estimate_height_mm(v: dict[str, Any]) -> float:
    """How tall the HTML page will be, from the counts and text lengths of its view."""
    total = 9.5 + 4.0  # header, footer
    if v["empty"]:
        total += 3.0 + _LINE * (1 + _lines(v["empty_text"], _FULL)) + _GAP
    ver = v["verdict"]
    total += _H2 + 2.0 + _LINE * _lines(ver["text"] + ver["headline"] + "  ....", _FULL)
    total += _TH + _ROW * len(ver["rows"]) + _more(ver["more"]) + _GAP
    sla = v["sla"]
    if sla["none"]:
        total += _H2 + _LINE + _GAP
    else:
        table = 2 * _TH + _ROW * (len(sla["rows"]) + 1) + _more(sla["more"])
        table += _LINE * _lines(sla["percentiles"], 70)
        chart = 4.0 + (14 + 13 * len(sla["bars"])) * 0.33
        total += _H2 + max(table, chart) + _GAP
    risks = v["risks"]
    risk_h = _H2 + (
        _LINE * _lines(risks["summary"], _HALF)
        + _TH
        + _ROW * len(risks["rows"])
        + _more(risks["more"])
        if risks["rows"]
        else _LINE
    )
    risk_h += _LINE * _lines(risks["worse"] or "x", _HALF)
    quality_h = _H2 + sum(_LINE * _lines(line, _HALF - 4) for line in v["quality"]["lines"])
    w = v["waiting"]
    wait_h = _H2 + (_LINE + _TH + _ROW * len(w["rows"]) + _more(w["more"]) if w["rows"] else _LINE)
    if v["empty"]:
        return total + max(wait_h, risk_h) + _GAP + quality_h + _GAP
    inc, crit = v["incidents"], v["critical"]
    left = _TH + _ROW * (len(inc["rows"]) + 1) + _more(inc["more"]) if inc["rows"] else _LINE
    right = _LINE + (
        _TH2 + _ROW * len(crit["rows"]) + _more(crit["more"]) if crit["rows"] else _LINE
    )
    total += _H2 + max(left, right) + _GAP
    rep = v["repeat"]
    rep_h = _H2 + (
        1.2
        + _LINE * _lines(rep["summary"], _HALF)
        + _TH
        + _ROW * len(rep["rows"])
        + _more(rep["more"])
        if rep["rows"]
        else _LINE
    )
    total += max(rep_h, wait_h) + _GAP
    work = v["work"]
    work_h = _TH2 + _ROW * (len(work["rows"]) + 1) + _more(work["more"]) if work["rows"] else _LINE
    trend_h = _LINE if v["trend"]["none"] else 2 * _LINE_CHART
    total += _H2 + max(work_h + (0 if v["trend"]["none"] else _BAR_CHART), trend_h) + _GAP
    return total + max(risk_h, quality_h) + _GAP


def _places(v: float) -> int:
    """Decimals for a contract bound: 95 % and 97.5 % as written."""
    pct = v * 100
    return (
        0 if abs(pct - round(pct)) < 1e-9 else (1 if abs(pct * 10 - round(pct * 10)) < 1e-6 else 2)
    )


def _short_person(name: str | None) -> str | None:
    """An e-mail address as its local part (`anna.ivanova`); the domain only repeats the org."""
    if name and "@" in name and not name.startswith("@"):
        return name.split("@", 1)[0]
    return name


def _ts(t: dt.datetime | None) -> float:
    return t.timestamp() if t is not None else float("inf")


def _none() -> MetricValue:
    return MetricValue(value=None)


def _chart_minimum(result: MetricsResult, metric: str, t: Texts) -> tuple[float, str] | None:
    th = next((x for x in result.thresholds if x.label == metric and x.min is not None), None)
    if th is None or th.min is None:
        return None
    return th.min, "≥ " + t.percent(th.min, _places(th.min))
