"""`explain` as terminal text and as a self-contained HTML page with one timeline per clock."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import jinja2

from slametrics.render.i18n import Texts
from slametrics.results.explain import ExplainClock, ExplainEvent, ExplainResult, ExplainTicket

# segment kind -> fill colour; the legend's words come from the i18n tables (explain.kind.*)
KIND_COLOURS = {
    "working": "#2f80ed",
    "outside_hours": "#d5dbe3",
    "paused": "#f2a93b",
    "after_resolution": "#9b7fd4",
}
SVG_WIDTH = 1000  # viewBox units; the drawing scales to the page
BAR_X, BAR_W = 10, 980
MIN_SEGMENT_W = 0.6  # a segment of a few seconds on a weeks-long span stays visible


def duration(seconds: float | None) -> str:
    """`2h 05m 10s` (hours never roll into days: a policy's `d` means 24 h of working time)."""
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    h, rem = divmod(int(round(abs(seconds))), 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{sign}{h}h {m:02d}m {s:02d}s"
    return f"{sign}{m}m {s:02d}s" if m else f"{sign}{s}s"


def _local(t: dt.datetime | None, tz: ZoneInfo) -> str:
    return "—" if t is None else t.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _event(e: ExplainEvent | None, tz: ZoneInfo) -> str:
    """`2026-09-28 12:39:13 MSK  agent_reply` or `... resolved → Solved` (the raw value)."""
    if e is None:
        return "—"
    value = f" → {e.value}" if e.value else ""
    return f"{_local(e.at, tz)}  {e.event or e.by}{value}"


def _rule(c: ExplainClock) -> str:
    if c.rule is None:
        return "none matched"
    fields = ", ".join(f"{k}={v}" for k, v in c.rule.matched.items()) or "any ticket: match {}"
    return f"#{c.rule.index} ({fields})"


def _due(c: ExplainClock, tz: ZoneInfo) -> str:
    if c.due_at is None and c.outcome == "running":
        return "— (paused at as_of: no due instant while paused)"
    return _local(c.due_at, tz)


def _verdict(c: ExplainClock) -> str:
    if c.outcome is None:
        return c.note or "not computed"
    return (
        f"{c.outcome.upper()}: {duration(c.elapsed_s)} elapsed of a {duration(c.target_s)} target"
    )


def _vendor(c: ExplainClock, tz: ZoneInfo) -> str:
    v = c.vendor
    if v is None:
        return "—"
    met = "unknown" if v.met is None else ("met" if v.met else "breached")
    agree = "" if v.agrees is None else ("  (agrees)" if v.agrees else "  (DISAGREES)")
    return f"{met}, due {_local(v.due_at, tz)}{agree}"


def _clock_lines(c: ExplainClock, tz: ZoneInfo) -> list[str]:
    lines = [f"  {c.clock}: {_verdict(c)}"]
    if c.note and c.outcome is not None:
        lines.append(f"    note      {c.note}")
    if c.outcome is None:
        lines.append(f"    rule      {_rule(c)}")
        return lines
    lines += [
        f"    rule      {_rule(c)}; calendar {c.calendar}; target {duration(c.target_s)}",
        f"    start     {_event(c.start_event, tz) if c.start_event else _local(c.started_at, tz)}",
        f"    stop      {_event(c.stop_event, tz) if c.stop_event else 'not stopped (running)'}",
        f"    due       {_due(c, tz)}",
        f"    vendor    {_vendor(c, tz)}",
        "    segments  "
        + f"{'from':<24} {'to':<24} {'kind':<17} {'status':<20} {'length':>12} {'elapsed':>12}",
    ]
    for s in c.segments:
        lines.append(
            f"              {_local(s.start, tz):<24} {_local(s.end, tz):<24} {s.kind:<17} "
            f"{s.status or '':<20} {duration(s.seconds):>12} {duration(s.running_total_s):>12}"
        )
    return lines


def _facts(t: ExplainTicket, tz: ZoneInfo) -> str:
    facts = [f"{k} {v}" for k, v in (("priority", t.priority), ("kind", t.kind)) if v]
    if t.status_class:
        facts.append(f"{t.status_class} at as_of")
    return ", ".join([*facts, f"created {_local(t.created_at, tz)}"])


def _ticket_head(t: ExplainTicket, tz: ZoneInfo) -> str:
    return f"{t.ticket_id}  {t.subject or ''}  [{_facts(t, tz)}]"


def explain_text(r: ExplainResult) -> str:
    """Plain text for the terminal: per ticket and clock, the verdict and then its reasons."""
    tz = ZoneInfo(r.timezone)
    lines = [f"{r.policy}: as of {_local(r.as_of, tz)} (times in {r.timezone})"]
    for t in r.tickets:
        lines += ["", _ticket_head(t, tz)]
        for c in t.clocks:
            lines += _clock_lines(c, tz)
    return "\n".join(lines) + "\n"


def _x(at: dt.datetime, lo: float, span: float) -> float:
    return BAR_X + BAR_W * (at.timestamp() - lo) / span


def timeline(c: ExplainClock, as_of: dt.datetime) -> dict | None:
    """Geometry of one clock's drawing: segment rectangles, due, stop and as_of marks."""
    if c.started_at is None or not c.segments:
        return None
    end = c.stopped_at or as_of
    lo = c.started_at.timestamp()
    hi = max(end.timestamp(), c.due_at.timestamp() if c.due_at else 0)
    span = max(hi - lo, 1.0)
    rects = [
        {
            "x": round(_x(s.start, lo, span), 2),
            "w": round(max(_x(s.end, lo, span) - _x(s.start, lo, span), MIN_SEGMENT_W), 2),
            "kind": s.kind,
            "fill": KIND_COLOURS[s.kind],
            "title": f"{s.kind} {s.status or ''}: {duration(s.seconds)}",
        }
        for s in c.segments
    ]
    marks = []
    if c.due_at is not None:
        marks.append({"x": round(_x(c.due_at, lo, span), 2), "label": "due", "cls": "due"})
    if c.stopped_at is not None:
        marks.append({"x": round(_x(c.stopped_at, lo, span), 2), "label": "stop", "cls": "stop"})
    else:
        marks.append({"x": round(_x(as_of, lo, span), 2), "label": "as of", "cls": "asof"})
    return {"rects": rects, "marks": marks, "width": SVG_WIDTH}


@functools.cache
def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("slametrics.render", "templates")
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration
    return env


def explain_html(r: ExplainResult) -> str:
    """A self-contained page (inline CSS and SVG, no external resource); every value escaped."""
    tz = ZoneInfo(r.timezone)
    tickets = [
        {
            "t": t,
            "head": _facts(t, tz),
            "clocks": [
                {
                    "c": c,
                    "verdict": _verdict(c),
                    "rule": _rule(c),
                    "start": _event(c.start_event, tz)
                    if c.start_event
                    else _local(c.started_at, tz),
                    "stop": _event(c.stop_event, tz) if c.stop_event else "not stopped (running)",
                    "due": _due(c, tz),
                    "vendor": _vendor(c, tz),
                    "drawing": timeline(c, r.as_of),
                    "segments": [(s, _local(s.start, tz), _local(s.end, tz)) for s in c.segments],
                }
                for c in t.clocks
            ],
        }
        for t in r.tickets
    ]
    return (
        _environment()
        .get_template("explain.html.j2")
        .render(r=r, as_of=_local(r.as_of, tz), tickets=tickets, kinds=KIND_COLOURS, t=Texts("en"))
    )
