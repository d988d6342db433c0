"""What `explain` returns: one ticket's events, rules, vendor verdicts and clock segments."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ExplainEvent(BaseModel):
    """The event that set a clock's start or stop (`event: created` for a bare creation)."""

    at: dt.datetime
    event: str | None = None
    value: str | None = None
    by: str  # created, status, reply or canceled: what kind of instant it is


class ExplainRule(BaseModel):
    """The target rule that matched: its position in `targets:` (from 1) and the ticket's values
    of the fields it matches on."""

    index: int
    matched: dict[str, str | list[str] | None]


class ExplainVendor(BaseModel):
    """The helpdesk's own verdict for the clock, beside the recomputation."""

    met: bool | None = None
    due_at: dt.datetime | None = None
    agrees: bool | None = None  # vendor's met equals a recomputed met (decided clocks only)


class ExplainSegment(BaseModel):
    """A piece of the clock's span: working, outside_hours, paused or after_resolution."""

    start: dt.datetime
    end: dt.datetime
    kind: str
    seconds: float
    status: str | None = None  # the status class during the segment
    running_total_s: float  # working time elapsed by the segment's end


class ExplainClock(BaseModel):
    """One clock of one ticket: why its verdict is what it is."""

    clock: str
    rule: ExplainRule | None = None
    calendar: str | None = None
    target_s: float | None = None
    started_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    start_event: ExplainEvent | None = None
    stop_event: ExplainEvent | None = None
    elapsed_s: float | None = None
    paused_s: float | None = None
    outcome: str | None = None
    due_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    note: str | None = None  # untargeted, excluded, not started, unknown, canceled
    vendor: ExplainVendor | None = None
    segments: list[ExplainSegment] = Field(default_factory=list)


class ExplainTicket(BaseModel):
    ticket_id: str
    source: str | None = None
    subject: str | None = None
    priority: str | None = None
    kind: str | None = None
    status_class: str | None = None  # at as_of (None when created later)
    created_at: dt.datetime | None = None
    clocks: list[ExplainClock]


class ExplainResult(BaseModel):
    """`explain`: per ticket and declared clock, the segments behind its verdict."""

    policy: str
    timezone: str
    as_of: dt.datetime
    tickets: list[ExplainTicket]
