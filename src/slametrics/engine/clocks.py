"""SLA clocks (DESIGN §6): start, stop, pauses, elapsed working time, due time and outcome per ticket.

Everything is computed over all tickets at once: the status history becomes a table of intervals,
each clock's active intervals are clipped to [start, stop or as_of), and their working time is
measured on the calendar's cumulative axis (see business_time.py). The only Python loops are over
the policy's calendars and clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.columns import NAT, from_us, group_first, group_last
from slametrics.engine.measure import (
    LEAN_CLOCK_COLUMNS,
    OUTCOMES,
    ClockInput,
    clock_frame,
)
from slametrics.engine.prepare import (
    LEAN_TICKET_COLUMNS,
    PreparedLog,
    instant_us,
    prepare_log,
    priority_until,
    timeline_order,
)
from slametrics.engine.rules import match_targets
from slametrics.engine.timeline import (
    CANCELED,
    RESOLVED_CODES,
    TicketState,
    Timeline,
    cut_timeline,
    earliest,
    ticket_state,
)
from slametrics.eventcodes import CLASS_CODE, CLASS_NAMES
from slametrics.policy import Policy

__all__ = [
    "LEAN_TICKET_COLUMNS",
    "LEAN_CLOCK_COLUMNS",
    "OUTCOMES",
    "ClockInputs",
    "ClockResult",
    "PreparedLog",
    "clock_inputs",
    "prepare_log",
    "timeline_order",
    "compute_clocks",
]


@dataclass
class ClockResult:
    """Clocks (one row per ticket and clock with a target) and per-ticket state at `as_of`."""

    clocks: pd.DataFrame
    tickets: pd.DataFrame  # the tickets in scope, with kind, state and summary columns
    as_of: pd.Timestamp
    timeline: Timeline  # the status rows of the tickets in scope, up to as_of


def compute_clocks(
    tickets: pd.DataFrame,
    events: pd.DataFrame | None,
    policy: Policy,
    as_of: pd.Timestamp,
    prepared: PreparedLog | None = None,
    since: pd.Timestamp | None = None,
    lean: bool = False,
    knowledge: pd.Timestamp | None = None,
) -> ClockResult:
    """Recompute every SLA clock of every ticket created by `as_of`, ignoring later events.

    With `since`, tickets settled (done, no change) before it are left out: a period starting
    at `since` cannot count them. `lean` keeps only what the headline figures need
    (LEAN_CLOCK_COLUMNS, LEAN_TICKET_COLUMNS), as the trend does. `knowledge` (the query's
    instant, later than a past period's `as_of`) marks met clocks whose ticket was reopened
    after `as_of` as `superseded`: their verdict is decided later, so a period counts each
    clock once.
    """
    p = prepared or prepare_log(tickets, events, policy)
    as_of_us = instant_us(as_of)
    in_scope = p.created <= as_of_us
    since_us = None if since is None else instant_us(since)
    if since_us is not None:
        in_scope &= p.settled_at >= since_us
    inputs = clock_inputs(p, policy, as_of_us, in_scope, knowledge)
    frames = []
    targeted = {}
    for clock, (c, c_tl) in inputs.clocks.items():
        targeted[clock] = c.targets >= 0
        if lean and since_us is not None:
            # a period counts a clock decided in it or still running: skip the others' pieces
            c.has &= (c.stop == NAT) | (c.stop >= since_us)
        frames.append(clock_frame(p.tickets, c_tl, c, as_of_us, policy, inputs.priority, lean))
    clocks = pd.concat(frames, ignore_index=True)
    t = _ticket_frame(p, inputs.state, inputs.replies, targeted, in_scope, inputs.priority, lean)
    return ClockResult(clocks, t, as_of, inputs.timeline)


@dataclass
class ClockInputs:
    """What the clocks of the tickets in scope read at as_of (also what `explain` shows)."""

    timeline: Timeline  # status rows up to as_of, stops at resolved/closed
    state: TicketState
    priority: pd.Series  # per ticket, the priority the target rules saw
    rule: np.ndarray  # per ticket, the first matching target rule, -1 for none
    replies: tuple[np.ndarray, np.ndarray]  # first public reply, replies before resolution
    clocks: dict[str, tuple[ClockInput, Timeline]]  # per clock, its input and its timeline


def clock_inputs(
    p: PreparedLog,
    policy: Policy,
    as_of_us: int,
    in_scope: np.ndarray,
    knowledge: pd.Timestamp | None = None,
) -> ClockInputs:
    """Start, stop, target and pauses of every declared clock for the tickets in `in_scope`."""
    tl = cut_timeline(p.st_tix, p.st_at, p.st_cls, as_of_us, in_scope)
    state = ticket_state(tl, p.created)
    later_reopen = _later_reopens(p, as_of_us, knowledge, in_scope)
    priority = priority_until(
        p.tickets, p.pr_tix, p.pr_at, p.pr_value, np.full_like(p.created, as_of_us)
    )
    if policy.target_priority == "at_start":
        priority = p.tickets["priority"]
    rule = _rules_at(p, policy, priority)
    replies = _replies(p, as_of_us, in_scope, state)
    clocks = {}
    for clock in policy.clock_names:
        spec = policy.clock(clock)
        own = _own_stops(spec.stop_on)
        # a clock of its own stops at its own classes: its timeline, state and later reopens
        c_tl = tl if own is None else tl.with_stops(own)
        c_state = state if own is None else ticket_state(c_tl, p.created)
        c_later = (
            later_reopen if own is None else _later_reopens(p, as_of_us, knowledge, in_scope, own)
        )
        c = _clock_input(p, policy, clock, c_state, replies[0], rule, in_scope, c_later)
        clocks[clock] = (_started(c, spec, c_tl, p.created), c_tl)
    return ClockInputs(tl, state, priority, rule, replies, clocks)


def _own_stops(stop_on: list[str]) -> np.ndarray | None:
    """The class codes of a clock's stops, None for the default (resolved, closed)."""
    codes = np.array(sorted(CLASS_CODE[c] for c in stop_on), dtype=np.int8)
    return None if set(codes.tolist()) == set(RESOLVED_CODES.tolist()) else codes


def _started(c: ClockInput, spec, tl: Timeline, created: np.ndarray) -> ClockInput:
    """A clock with `start_on` classes starts at the first entry into one (else not at all)."""
    if spec.start_on == "created":
        return c
    codes = np.array([CLASS_CODE[x] for x in spec.start_on], dtype=np.int8)
    rows = np.flatnonzero(np.isin(tl.cls, codes))
    start = np.full(len(created), NAT, dtype=np.int64)
    firsts = group_first(tl.tix[rows])
    start[tl.tix[rows][firsts]] = tl.at[rows][firsts]
    c.has = c.has & (start != NAT)
    c.start = np.where(start == NAT, created, start)
    c.stop = np.where((c.stop != NAT) & (c.stop < c.start), NAT, c.stop)
    return c


def _later_reopens(
    p: PreparedLog,
    as_of_us: int,
    knowledge: pd.Timestamp | None,
    in_scope: np.ndarray,
    stop_codes: np.ndarray | None = None,
) -> np.ndarray:
    """Per ticket, its last reopen (out of the stop classes) in (as_of, knowledge], else NAT."""
    n = len(p.created)
    if knowledge is None or instant_us(knowledge) <= as_of_us:
        return np.full(n, NAT, dtype=np.int64)
    later = cut_timeline(p.st_tix, p.st_at, p.st_cls, instant_us(knowledge), in_scope)
    if stop_codes is not None:
        later = later.with_stops(stop_codes)
    rows = np.flatnonzero(later.reopen & (later.at > as_of_us))
    out = np.full(n, NAT, dtype=np.int64)
    last = group_last(later.tix[rows])
    out[later.tix[rows][last]] = later.at[rows][last]
    return out


def _rules_at(p: PreparedLog, policy: Policy, priority: pd.Series) -> np.ndarray:
    """Target rules on the priority known at as_of (re-matched only where it differs)."""
    latest = p.tickets["priority"].astype("string")
    changed = (
        (priority.astype("string") != latest)
        .fillna(priority.isna() != latest.isna())
        .to_numpy(dtype=bool)
    )
    if not changed.any():
        return p.rule
    rule = p.rule.copy()
    subset = p.tickets[changed].assign(priority=priority[changed])
    rule[changed] = match_targets(subset, policy)
    return rule


def _replies(
    p: PreparedLog, as_of_us: int, in_scope: np.ndarray, state: TicketState
) -> tuple[np.ndarray, np.ndarray]:
    """(first public reply, public replies strictly before the first resolution) per ticket."""
    n = len(p.created)
    keep = (p.rp_at <= as_of_us) & in_scope[p.rp_tix]
    rp_tix, rp_at = p.rp_tix[keep], p.rp_at[keep]
    first_reply = np.full(n, NAT, dtype=np.int64)
    firsts = (
        np.flatnonzero(np.concatenate([[True], rp_tix[1:] != rp_tix[:-1]]))
        if len(rp_tix)
        else rp_tix
    )
    first_reply[rp_tix[firsts]] = rp_at[firsts]
    first_res = state.first_entry[rp_tix]
    before = (first_res == NAT) | (rp_at < first_res)
    return first_reply, np.bincount(rp_tix[before], minlength=n)


def _clock_input(
    p: PreparedLog,
    policy: Policy,
    clock: str,
    state: TicketState,
    first_reply: np.ndarray,
    rule: np.ndarray,
    in_scope: np.ndarray,
    later_reopen: np.ndarray,
) -> ClockInput:
    """Start, stop, target and pauses of one clock for every ticket."""
    n = len(p.created)
    spec = policy.clock(clock)
    rules = policy.targets
    targets = np.array([_target(r, clock) for r in rules] + [-1], dtype=np.int64)[rule]
    source_due = np.zeros(n, dtype=bool)
    if clock == "resolution":
        source_due = np.array([r.resolution_due_from_source for r in rules] + [False])[rule]
        due_known = p.tickets["due_at"].notna().to_numpy()
        targets = np.where(source_due, np.where(due_known, 0, -1), targets)
    if clock == "first_response":
        stop = earliest(first_reply, state.first_entry)
        unknown = ~p.reply_known
        reopen_after = np.full(n, NAT, dtype=np.int64)
    else:
        resume = spec.reopen == "resume"
        stop = np.where(state.resolved_now, state.last_entry, NAT) if resume else state.first_entry
        unknown = np.zeros(n, dtype=bool)
        reopen_after = later_reopen if resume else np.full(n, NAT, dtype=np.int64)
    by_cancel = (stop == NAT) & state.canceled
    stop = np.where(by_cancel, state.final_since, stop)
    pause = {CLASS_CODE[c] for c in spec.pause_on} | {CANCELED}
    if clock != "first_response" and spec.reopen == "resume":
        pause |= {CLASS_CODE[c] for c in spec.stop_on}  # time between a stop and its reopen
    calendars = np.array([r.calendar for r in rules] + [""], dtype=object)[rule]
    return ClockInput(
        name=clock,
        start=p.created,
        stop=stop,
        by_cancel=by_cancel,
        targets=targets,
        has=(targets >= 0) & in_scope & ~p.excluded,
        pause=np.array(sorted(pause), dtype=np.int8),
        unknown=unknown,
        later_reopen=reopen_after,
        calendar=calendars,
        source_due=source_due,
    )


def _target(rule, clock: str) -> int:
    value = rule.target(clock)
    return -1 if value is None else int(value)


def _ticket_frame(
    p: PreparedLog,
    state: TicketState,
    replies: tuple[np.ndarray, np.ndarray],
    targeted: dict[str, np.ndarray],
    in_scope: np.ndarray,
    priority: pd.Series,
    lean: bool,
) -> pd.DataFrame:
    """The tickets in scope with their state at as_of (what the metrics read)."""
    rows = np.flatnonzero(in_scope)
    t = p.tickets[list(LEAN_TICKET_COLUMNS)] if lean else p.tickets
    t = t.take(rows).reset_index(drop=True)
    if not lean:
        t["priority"] = priority.take(rows).to_numpy()
    t["status_class_at"] = CLASS_NAMES[state.final_cls[rows]]
    t["status_since"] = from_us(state.final_since[rows])
    t["first_resolved_at"] = from_us(state.first_entry[rows])
    t["last_resolved_at"] = from_us(np.where(state.resolved_now, state.last_entry, NAT)[rows])
    t["canceled_at"] = from_us(np.where(state.canceled, state.final_since, NAT)[rows])
    t["reopen_count"] = state.reopen_count[rows]
    t["last_reopen_at"] = from_us(state.last_reopen[rows])
    t["replies_before_resolution"] = replies[1][rows]
    t["reply_known"] = p.reply_known[rows]
    t["history_known"] = p.history_known[rows]
    t["excluded"] = p.excluded[rows]
    for clock, has_target in targeted.items():
        t[f"targeted_{clock}"] = has_target[rows]
    return t
