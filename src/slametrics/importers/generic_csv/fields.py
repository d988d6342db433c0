"""The canonical CSV's fields by kind, how a file's role is told from its header, column names."""

from __future__ import annotations

from slametrics.problems import Problem
from slametrics.schema import TICKET_COLUMNS

TIMESTAMP_FIELDS = (
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "due_at",
    "vendor_first_response_due_at",
    "vendor_resolution_due_at",
)


NUMBER_FIELDS = ("agent_replies", "reopens", "csat", "time_spent_s")


BOOL_FIELDS = ("vendor_first_response_met", "vendor_resolution_met")


TEXT_FIELDS = tuple(
    c
    for c in TICKET_COLUMNS
    if c
    not in (
        *TIMESTAMP_FIELDS,
        *NUMBER_FIELDS,
        *BOOL_FIELDS,
        "source",
        "tags",
        "extra",
        "fidelity",
        "status_class",
    )
)


CODED_EVENT_FIELDS = ("event", "value", "actor", "status_class", "public")


STATUS_EVENTS = ("status", "created", "reopened", "resolved", "closed")


def file_role(header: list[str]) -> str | None:
    cols = {h.strip().lower() for h in header}
    if {"ticket_id", "at", "event"} <= cols:
        return "events"
    if {"ticket_id", "created_at"} <= cols:
        return "tickets"
    return None


def source_columns(problems: list[Problem], cols: dict[str, str | None]) -> list[Problem]:
    """Problems name the source column, not our canonical field."""
    for p in problems:
        if p.column in cols and cols[p.column]:
            p.column = cols[p.column]
    return problems
