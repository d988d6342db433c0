"""Behaviour signals as text and as a table (CSV): neutral facts about tickets, with evidence."""

from __future__ import annotations

import pandas as pd

from slametrics.results import SignalsResult

# what each signal states about a ticket: a fact to discuss, never a verdict about a person
DESCRIPTIONS = {
    "priority-lowered-before-breach": "priority lowered while little of the resolution target "
    "was left",
    "paused-before-due": "moved to a waiting status shortly before the resolution due time, "
    "and back after it",
    "parked-in-waiting": "moved to waiting on the customer without a public agent reply near it",
    "reopened-soon-after-resolution": "reopened shortly after its resolution",
    "canceled-before-breach": "canceled while little of a clock's target was left",
    "due-changed": "the source's own due time was moved",
    "split-after-resolution": "a new ticket of the same requester and subject shortly after a "
    "resolution",
}
SIGNAL_COLUMNS = ["code", "ticket_id", "at", "group", "assignee", "evidence"]


def _local(at, tz: str) -> str:
    return pd.Timestamp(at).tz_convert(tz).strftime("%Y-%m-%d %H:%M")


def _evidence(values: dict) -> str:
    return ", ".join(f"{k}={'' if v is None else v}" for k, v in values.items())


def signals_text(result: SignalsResult) -> str:
    """Per signal: what it states, how many tickets, where; then each occurrence."""
    tz = result.period.timezone
    lines = [
        f"{result.policy}: behaviour signals, {result.period.label} "
        f"(as of {_local(result.as_of, tz)} {tz})",
        "",
    ]
    for s in result.signals:
        head = f"{s.code}: {s.count} ticket(s), {DESCRIPTIONS.get(s.code, '')}"
        if s.reason and not s.count:
            head = f"{s.code}: n/a ({s.reason})"
        lines.append(head)
        if s.by_group:
            lines.append("  by group: " + ", ".join(f"{k} {v}" for k, v in s.by_group.items()))
        if s.by_assignee:
            people = ", ".join(f"{k} {v}" for k, v in s.by_assignee.items())
            lines.append("  by assignee: " + people)
        for e in (e for e in result.tickets if e.code == s.code):
            lines.append(
                f"  {e.ticket_id}  {_local(e.at, tz)}  {e.group or '-'} / {e.assignee or '-'}  "
                f"{_evidence(e.evidence)}"
            )
    return "\n".join(lines) + "\n"


def signals_frame(result: SignalsResult) -> pd.DataFrame:
    """One row per occurrence: code, ticket, instant (UTC), group, assignee, evidence."""
    rows = [
        {
            "code": e.code,
            "ticket_id": e.ticket_id,
            "at": pd.Timestamp(e.at),
            "group": e.group,
            "assignee": e.assignee,
            "evidence": _evidence(e.evidence),
        }
        for e in result.tickets
    ]
    return pd.DataFrame(rows, columns=SIGNAL_COLUMNS)
