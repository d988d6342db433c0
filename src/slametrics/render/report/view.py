"""The template's view of a MetricsResult: every figure as a display string, lists cut to fit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from slametrics.render.i18n import Texts
from slametrics.render.report.contract import contract_block
from slametrics.render.report.fit import BASE_PT, fit
from slametrics.render.report.labels import NO_TICKETS, Labels, kind_key, priority_key
from slametrics.render.report.quality import quality
from slametrics.render.report.text import cut, cut_middle, id_width, new_salt, short_person
from slametrics.render.report.verdict import MAX_TREND_ROWS, freshness, verdict
from slametrics.results import CRITICAL_RANK, RISK_SHARE, MetricsResult, MetricValue, SliceStats

MAX_REPEAT_IDS = 2
MAX_WORSE = 3
SUBJECT_CHARS = 60
NAME_CHARS = 34
# A repeat group's key wraps on the page; one longer than two lines of its column is cut in the
# middle there (in full on hover and in the Markdown).
KEY_CHARS = 48


def page_view(
    r: MetricsResult,
    t: Texts,
    now: dt.datetime,
    redact: bool = False,
    redact_salt: str | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    """The view of `r` whose lists fit one page, and the caps those lists were cut to.

    Redacted names are keyed by `redact_salt`; without one, a random salt of this call only.
    """
    salt = (redact_salt or new_salt()) if redact else ""
    lab = Labels(t, r.period.timezone, redact, salt, stable=bool(redact_salt))
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    view, caps = fit(lambda caps: build_view(r, lab, now, caps))
    view["type_pt"] = f"{BASE_PT * view['scale']:.2f}"  # the HTML page's base type size
    return view, caps


def build_view(
    r: MetricsResult, lab: Labels, now: dt.datetime, caps: Mapping[str, int]
) -> dict[str, Any]:
    """Both templates' view of `r` (same content), with each list cut to its cap."""
    t, tz = lab.t, lab.tz
    last_day = r.period.end - dt.timedelta(microseconds=1)
    clocks_counted = sum(c.met + c.breached for c in r.clocks.values())
    created = _metric(r, "created").value or 0
    resolved = _metric(r, "resolved").value or 0
    empty = not created and not resolved and not clocks_counted
    start, end = t.date(r.period.start, tz), t.date(last_day, tz)
    return {
        "title": t("title"),
        "policy": cut(r.policy, 80),
        "period_label": r.period.label,
        "period_range": f"{start} – {end}",
        "timezone": tz,
        "as_of": t.datetime(r.as_of, tz),
        "generated": t.datetime(now, tz),
        "redacted": _redacted(lab),
        "empty": empty,
        "empty_text": t("empty.text", start=start, end=end),
        "freshness": freshness(r, lab),
        "verdict": verdict(r, lab, caps, empty),
        "contract": contract_block(r, lab),
        "sla": sla(r, lab, caps["priorities"]),
        "incidents": incidents(r, lab, caps["priorities"]),
        "critical": critical(r, lab, caps["critical"]),
        "repeat": repeat(r, lab, caps["repeat"]),
        "waiting": waiting(r, lab, caps["waiting"]),
        "work": work(r, lab, caps["kinds"]),
        "trend": trend(r, lab),
        "risks": risks(r, lab, caps["risks"]),
        "quality": quality(r, lab, caps["sources"], caps["ids"]),
        "tickets_command": f"slametrics tickets SOURCE --policy FILE --period {r.period.label}",
    }


def _redacted(lab: Labels) -> str:
    """The line that says names are pseudonyms, and whether they stay the same across runs."""
    if not lab.redact:
        return ""
    return lab.t("redacted.stable" if lab.stable else "redacted.run")


def _metric(r: MetricsResult, name: str) -> MetricValue:
    return r.metrics.get(name) or MetricValue(value=None)


def _clock_cells(t: Texts, s: SliceStats | None) -> dict[str, str]:
    if s is None:
        return {"share": t("none"), "n": "", "p90": t("none")}
    n = s.met + s.breached
    return {
        "share": t("na") if s.on_time_share is None else t.percent(s.on_time_share),
        "n": f"{t.integer(s.met)} / {t.integer(n)}" if n else "",
        "p90": t.duration(s.p90_s),
    }


def sla(r: MetricsResult, lab: Labels, cap: int) -> dict[str, Any]:
    """On-time shares per priority and clock, with the bars of the HTML chart."""
    t = lab.t
    by: dict[str, dict[str, SliceStats]] = {}
    for s in r.by_priority:
        by.setdefault(s.key, {})[s.clock] = s
    keys = sorted(by, key=lambda k: priority_key(k, r.priority_order))
    rows = []
    bars = []
    for key in keys[:cap]:
        clocks = by[key]
        rows.append(
            {
                "priority": lab.priority(key),
                "fr": _clock_cells(t, clocks.get("first_response")),
                "res": _clock_cells(t, clocks.get("resolution")),
                "running": t.integer(sum(s.running for s in clocks.values())),
            }
        )
        met = sum(s.met for s in clocks.values())
        breached = sum(s.breached for s in clocks.values())
        bars.append((lab.priority(key), met, breached))
    counted = sum(c.met + c.breached for c in r.clocks.values())
    notes = _clock_notes(r, lab)
    unjudged = any(c.reason not in (None, NO_TICKETS) for c in r.clocks.values())
    return {
        "rows": rows,
        "all": _sla_all(r, t),
        "more": lab.more(len(rows), len(keys)),
        "bars": bars if counted else [],
        "notes": notes,
        "none": not counted,
        # with nothing counted, the notes say why when the reason is more than "no tickets"
        "none_text": "" if counted or (unjudged and notes) else t("sla.none"),
    }


def _sla_all(r: MetricsResult, t: Texts) -> dict[str, Any]:
    cells = {}
    for name in ("first_response", "resolution"):
        c = r.clocks.get(name)
        s = None
        if c is not None:
            s = SliceStats(
                dimension="all",
                key="all",
                clock=name,
                met=c.met,
                breached=c.breached,
                running=c.running,
                on_time_share=c.on_time_share,
                p50_s=c.p50_s,
                p90_s=c.p90_s,
                p95_s=c.p95_s,
            )
        cells[name] = _clock_cells(t, s)
    running = t.integer(sum(c.running for c in r.clocks.values()))
    return {"fr": cells["first_response"], "res": cells["resolution"], "running": running}


def _clock_notes(r: MetricsResult, lab: Labels) -> str:
    """Per clock: its percentiles, or n/a with the reason; and its tickets without a target."""
    t = lab.t
    notes = []
    for name, c in r.clocks.items():
        parts = []
        if c.p50_s is not None:
            p = {k: t.duration(getattr(c, f"{k}_s")) for k in ("p50", "p90", "p95")}
            parts.append(t("sla.percentiles", **p))
        elif c.on_time_share is None and c.reason not in (None, NO_TICKETS):
            parts.append(lab.na(c.reason))
        if c.untargeted:
            parts.append(t("verdict.untargeted", items=t.integer(c.untargeted)))
        if parts:
            notes.append(f"{lab.clock(name)}: " + " · ".join(parts))
    return "; ".join(notes)


def incidents(r: MetricsResult, lab: Labels, cap: int) -> dict[str, Any]:
    """Incidents created, resolved and open per priority."""
    t = lab.t
    by: dict[str, list[int]] = {}
    for v in r.volumes:
        if v.kind != "incident":
            continue
        acc = by.setdefault(v.priority, [0, 0, 0])
        acc[0] += v.created
        acc[1] += v.resolved
        acc[2] += v.open_at_end
    keys = sorted(by, key=lambda k: priority_key(k, r.priority_order))
    rows = [
        {
            "priority": lab.priority(k),
            "created": t.integer(by[k][0]),
            "resolved": t.integer(by[k][1]),
            "open": t.integer(by[k][2]),
        }
        for k in keys[:cap]
    ]
    sums = [sum(x[i] for x in by.values()) for i in range(3)]
    total = dict(zip(("created", "resolved", "open"), map(t.integer, sums), strict=True))
    return {"rows": rows, "total": total, "more": lab.more(len(rows), len(keys))}


def critical(r: MetricsResult, lab: Labels, cap: int) -> dict[str, Any]:
    """Critical incidents, breached first, with restore time against target."""
    t, tz = lab.t, lab.tz
    lines = sorted(
        r.critical_incidents,
        key=lambda x: (CRITICAL_RANK.get(x.outcome or "", 3), _ts(x.created_at), x.ticket_id),
    )
    rows = []
    for x in lines[:cap]:
        outcome = x.outcome if x.outcome in CRITICAL_RANK else "none"
        rows.append(
            {
                "id": x.ticket_id,
                "priority": lab.priority(x.priority),
                "subject": cut(x.subject, SUBJECT_CHARS),
                "created": t.datetime(x.created_at, tz),
                "restore": t.duration(x.elapsed_s),
                "target": t.duration(x.target_s),
                "outcome": t(f"outcome.{outcome}"),
                "status": outcome,
            }
        )
    # the result lists at most its first incidents in this order; the counts cover them all
    count = r.critical_outcomes
    summary = t(
        "critical.summary",
        n=t.integer(r.critical_total),
        breached=t.integer(count.get("breached", 0)),
        running=t.integer(count.get("running", 0)),
    )
    return {
        "rows": rows,
        "summary": summary,
        "more": lab.more(len(rows), r.critical_total),
        "id_width": id_width([row["id"] for row in rows], t("col.ticket")),
    }


def _ts(t: dt.datetime | None) -> float:
    return t.timestamp() if t is not None else float("inf")


def repeat(r: MetricsResult, lab: Labels, cap: int) -> dict[str, Any]:
    """Groups of repeat incidents, with this period's members."""
    t = lab.t
    groups = r.repeat_groups
    rows = []
    for g in groups[:cap]:
        values = [
            lab.org(v) if k == "organization" else lab.person(v) if k == "requester" else v
            for k, v in g.key.items()
        ]
        key = " · ".join(" ".join(v.split()) for v in values)
        rows.append(
            {
                "key": key,  # in full: the Markdown and the page's hover text
                "key_shown": cut_middle(key, KEY_CHARS),
                "count": t.integer(len(g.tickets)),
                # the latest members are the ones this period added
                "tickets": ", ".join(g.tickets[-MAX_REPEAT_IDS:]),
            }
        )
    m = _metric(r, "repeat_incident_rate")
    summary = ""
    if m.denominator:
        key_names = list(groups[0].key) if groups else []
        fields = t("join.and").join(lab.field_name(k) for k in key_names) if key_names else "—"
        summary = t(
            "repeat.summary",
            rate=t.percent(m.value),
            num=t.integer(m.numerator or 0),
            den=t.integer(m.denominator),
            fields=fields,
        )
    return {"summary": summary, "rows": rows, "more": lab.more(len(rows), len(groups))}


def waiting(r: MetricsResult, lab: Labels, cap: int) -> dict[str, Any]:
    """Tickets waiting on the customer, longest first."""
    t, tz = lab.t, lab.tz
    total = int(_metric(r, "waiting_on_customer").value or len(r.waiting))
    rows = []
    for x in r.waiting[:cap]:
        who = lab.person(short_person(x.requester)) or lab.org(x.organization)
        hours = x.waiting_hours
        rows.append(
            {
                "id": x.ticket_id,
                "subject": cut(x.subject, SUBJECT_CHARS),
                "who": cut(who, NAME_CHARS),
                "since": t.date(x.waiting_since, tz),
                "waited": t.duration(None if hours is None else hours * 3600),
            }
        )
    return {
        "rows": rows,
        "summary": t("waiting.summary", n=t.integer(total)),
        "more": lab.more(len(rows), max(total, len(r.waiting))),
        "id_width": id_width([row["id"] for row in rows], t("col.ticket")),
    }


def work(r: MetricsResult, lab: Labels, cap: int) -> dict[str, Any]:
    """Per kind: created in the period, in progress, waiting and done at as_of."""
    t = lab.t
    created: dict[str, int] = {}
    for v in r.volumes:
        created[v.kind] = created.get(v.kind, 0) + v.created
    status = {w.kind: w for w in r.work_status}
    kinds = sorted(set(status) | {k for k, n in created.items() if n}, key=kind_key)
    rows = []
    sums = [0, 0, 0, 0]
    for k in kinds:
        w = status.get(k)
        counts = (w.in_progress, w.waiting, w.done_in_period) if w else (0, 0, 0)
        vals = [created.get(k, 0), *counts]
        sums = [a + b for a, b in zip(sums, vals, strict=True)]
        rows.append({"kind": lab.kind(k), "cells": [t.integer(v) for v in vals]})
    shown = rows[:cap]
    return {
        "rows": shown,
        "total": [t.integer(v) for v in sums],
        "more": lab.more(len(shown), len(rows)),
    }


def trend(r: MetricsResult, lab: Labels) -> dict[str, Any]:
    """The last periods' main figures, the report's own period marked."""
    t = lab.t
    rows = [
        {
            "label": p.label,
            "on_time": lab.value("on_time_share", p.on_time_share),
            "fcr": lab.value("first_contact_resolution", p.first_contact_resolution),
            "created": t.integer(p.created),
            "resolved": t.integer(p.resolved),
            "current": p.label == r.period.label,
        }
        for p in r.trend[-MAX_TREND_ROWS:]
    ]
    return {"rows": rows, "none": len(r.trend) < 2}


def risks(r: MetricsResult, lab: Labels, cap: int) -> dict[str, Any]:
    """Running clocks near their target, and the metrics that got worse period after period."""
    t, tz = lab.t, lab.tz
    rows = [
        {
            "id": x.ticket_id,
            "clock": lab.clock(x.clock),
            "priority": lab.priority(x.priority),
            "subject": cut(x.subject, SUBJECT_CHARS),
            "used": t.percent(x.used_share, 0),
            "due": t.datetime(x.due_at, tz),
        }
        for x in r.at_risk[:cap]
    ]
    worse = [
        t("risks.worse_item", metric=lab.metric(d.metric), n=t.integer(d.worse_streak))
        for d in sorted(r.directions, key=lambda d: -d.worse_streak)
        if d.worse_streak >= 2
    ]
    if len(worse) > MAX_WORSE:
        worse = worse[:MAX_WORSE] + [lab.more(MAX_WORSE, len(worse))]
    share = t.percent(RISK_SHARE, 0)
    return {
        "rows": rows,
        "summary": t("risks.summary", share=share, n=t.integer(r.at_risk_total)),
        "more": lab.more(len(rows), r.at_risk_total),
        "id_width": id_width([row["id"] for row in rows], t("col.ticket")),
        "worse": t("risks.worse", items="; ".join(worse)) if worse else "",
    }
