"""The report's data quality: fidelity, what the source cannot tell, what is not counted, vendor."""

from __future__ import annotations

from typing import Any

from slametrics.render.report.labels import SHARE_METRICS, Labels
from slametrics.render.report.text import cut
from slametrics.render.report.verdict import untargeted_items
from slametrics.results import MetricsResult

# An unknown clock lacks what its source cannot tell: replies for the first response, the
# status history for the others (DESIGN §6, "not judgeable").
UNKNOWN_REASON = {"first_response": "no reply data"}
NO_HISTORY = "no status history"
SOURCE_REASONS = ("no reply data", NO_HISTORY)


def quality(r: MetricsResult, lab: Labels, sources: int, ids: int) -> dict[str, Any]:
    """Where the figures come from and what they leave out, one line per topic: up to `sources`
    sources named, and up to `ids` example tickets where a line names some."""
    t = lab.t
    q = r.data_quality
    snapshot = q.fidelity.get("snapshot", 0)
    history = t.integer(q.fidelity.get("history", 0))
    fidelity = t("quality.fidelity", history=history, snapshot=t.integer(snapshot))
    lines = [fidelity + ("; " + t("quality.snapshot_note") if snapshot else "")]
    if q.sources:
        names = sorted(q.sources.items(), key=lambda kv: (-kv[1], kv[0]))
        text = ", ".join(f"{cut(k, 20)}: {t.integer(v)}" for k, v in names[:sources])
        if len(names) > sources:
            text += " " + lab.more(sources, len(names))
        lines.append(t("quality.sources", sources=text))
    if cannot := cannot_tell(r, lab):
        lines.append(t("quality.cannot_tell", items="; ".join(cannot)))
    lines.append(
        t("quality.rejected", n=t.integer(q.rows_rejected), problems=t.integer(q.problems))
    )
    if uncounted := not_counted(r, lab, ids):
        lines.append(t("quality.not_counted", items="; ".join(uncounted)))
    return {"lines": lines + (vendor_lines(r, lab, ids) or [t("quality.no_vendor")])}


def cannot_tell(r: MetricsResult, lab: Labels) -> list[str]:
    """Clocks left unknown for want of replies or history, and the metrics therefore n/a."""
    t = lab.t
    out = []
    for name, c in r.clocks.items():
        if c.unknown:
            reason = UNKNOWN_REASON.get(name, NO_HISTORY)
            if c.reason in SOURCE_REASONS:
                reason = c.reason
            clock = lab.clock(name).lower()
            n = t.integer(c.unknown)
            out.append(t("quality.unknown", clock=clock, reason=lab.reason(reason), n=n))
    for name in SHARE_METRICS:
        m = r.metrics.get(name)
        if m is not None and m.value is None and m.reason in SOURCE_REASONS:
            metric = lab.metric(name).lower()
            out.append(t("quality.metric_na", metric=metric, reason=lab.reason(m.reason)))
    return out


def not_counted(r: MetricsResult, lab: Labels, ids: int) -> list[str]:
    """The period's tickets without a target, excluded by the policy, or canceled."""
    t = lab.t
    out = []
    if items := untargeted_items(r, lab):
        out.append(t("quality.untargeted", items=items))
    excluded = r.metrics.get("excluded")
    n = int(excluded.value or 0) if excluded is not None else 0
    n = n or r.excluded_total
    if n:
        text = t("quality.excluded", n=t.integer(n))
        shown = [x.ticket_id for x in r.excluded[:ids]]
        if shown:
            text += " (" + ", ".join(shown) + (" …" if n > len(shown) else "") + ")"
        out.append(text)
    canceled = r.metrics.get("canceled")
    n = int(canceled.value or 0) if canceled is not None else 0
    n = n or max((c.canceled for c in r.clocks.values()), default=0)
    if n:
        out.append(t("quality.canceled", n=t.integer(n)))
    return out


def vendor_lines(r: MetricsResult, lab: Labels, ids: int) -> list[str]:
    """The vendor's own SLA verdicts against the recomputation, per clock (two at most)."""
    t = lab.t
    out = []
    for v in r.data_quality.vendor[:2]:
        text = t(
            "quality.vendor",
            clock=lab.clock(v.clock).lower(),
            disagree=t.integer(v.disagree),
            compared=t.integer(v.compared),
            vm=t.integer(v.vendor_met_recomputed_breached),
            vb=t.integer(v.vendor_breached_recomputed_met),
        )
        if v.tickets and ids:
            shown = ", ".join(v.tickets[:ids])
            if len(v.tickets) > ids:
                shown += " …"
            text += "; " + t("quality.vendor_examples", ids=shown)
        out.append(text)
    return out
