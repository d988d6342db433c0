"""SLA clocks (DESIGN §6): start, stop, pauses, elapsed working time, due time and outcome per ticket.

Everything is computed over all tickets at once: the status history becomes a table of intervals,
each clock's active intervals are clipped to [start, stop or as_of), and their working time is
measured on the calendar's cumulative axis (see business_time.py). The only Python loops are over
the policy's calendars and clocks.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.columns import FAR, NAT, ascending, from_us, group_first, group_last, to_us
from slametrics.engine.measure import (
    LEAN_CLOCK_COLUMNS,
    OUTCOMES,
    ClockInput,
    clock_frame,
)
from slametrics.engine.repeats import repeat_flags
from slametrics.engine.rules import assign_kinds, excluded_mask, match_targets
from slametrics.engine.timeline import (
    CANCELED,
    RESOLVED_CODES,
    TicketState,
    Timeline,
    cut_timeline,
    earliest,
    ticket_state,
)
from slametrics.eventcodes import CLASS_CODE, CLASS_NAMES, DONE_CODES, EventCodes, code_events
from slametrics.policy import Policy

__all__ = [
    "LEAN_CLOCK_COLUMNS",
    "OUTCOMES",
    "ClockInputs",
    "ClockResult",
    "PreparedLog",
    "clock_inputs",
    "compute_clocks",
]

LEAN_TICKET_COLUMNS = (
    "tix",
    "source",
    "created_at",
    "fidelity",
    "kind",
    "agent_replies",
    "reopens",
)


@dataclass
class ClockResult:
    """Clocks (one row per ticket and clock with a target) and per-ticket state at `as_of`."""

    clocks: pd.DataFrame
    tickets: pd.DataFrame  # the tickets in scope, with kind, state and summary columns
    as_of: pd.Timestamp
    timeline: Timeline  # the status rows of the tickets in scope, up to as_of


@dataclass
class PreparedLog:
    """What does not depend on as_of: ticket keys, kinds, rules, the sorted status timeline.

    Built once per log and policy, so that the trend's several as_of values each cost only numpy.
    """

    tickets: pd.DataFrame  # every ticket, index 0..n-1, with kind
    created: np.ndarray  # us
    rule: np.ndarray  # first matching target rule on the latest attributes, -1 for none
    st_tix: np.ndarray  # status timeline sorted by ticket, time, seq; a 'new' row at creation
    st_at: np.ndarray
    st_cls: np.ndarray  # int8 codes into STATUS_CLASSES
    rp_tix: np.ndarray  # public agent replies at or after creation, sorted by ticket and time
    rp_at: np.ndarray
    pr_tix: np.ndarray  # priority changes, sorted by ticket and time
    pr_at: np.ndarray
    pr_value: np.ndarray  # the new priority (objects)
    settled_at: np.ndarray  # us after which nothing about the ticket changes (FAR while not done)
    repeat: np.ndarray  # incident with an earlier one of the same key within the policy's window
    excluded: np.ndarray  # matched by an `exclude:` rule of the policy: never judged
    reply_known: np.ndarray  # the ticket's source carries reply information
    history_known: np.ndarray  # the ticket's source carries status history or reopen counts


def prepare_log(
    tickets: pd.DataFrame,
    events: pd.DataFrame | None,
    policy: Policy,
    codes: EventCodes | None = None,
) -> PreparedLog:
    """The as_of-independent part of the clock computation, vectorized over the whole log.

    `codes` (as stored beside the log) spare decoding `events`.
    """
    t = tickets.reset_index(drop=True).copy()
    n = len(t)
    t["tix"] = np.arange(n)
    created = to_us(t["created_at"])
    # the tickets' side (kinds, repeats, exclusions) runs on a second thread while the timeline
    # is assembled here: pandas and numpy release the GIL for much of either
    with ThreadPoolExecutor(max_workers=1) as pool:
        ticket_side = pool.submit(_ticket_side, t, policy)
        if codes is None:
            codes = code_events(t, events)
        ev_tix = codes.tix
        # a status stamped before creation counts at creation (clocks never start before it);
        # a reply stamped before creation is ignored (importers report it)
        ev_at = np.maximum(codes.at, created[ev_tix])
        has_cls = codes.cls >= 0
        st_tix = np.concatenate([np.arange(n), ev_tix[has_cls]])
        st_at = np.concatenate([created, ev_at[has_cls]])
        st_seq = np.concatenate([np.full(n, -1, dtype=np.int64), codes.seq[has_cls]])
        st_cls = np.concatenate([np.full(n, CLASS_CODE["new"], dtype=np.int8), codes.cls[has_cls]])
        order = timeline_order(st_tix, st_at, st_seq, n)
        reply = codes.reply & (codes.at >= created[ev_tix])
        rp_tix, rp_at = _sorted_pair(ev_tix[reply], ev_at[reply])
        is_prio = codes.prio >= 0
        names = np.array([*codes.prio_names, None], dtype=object)
        pr_order = np.lexsort((codes.seq[is_prio], ev_at[is_prio], ev_tix[is_prio]))
        pr_tix, pr_at = ev_tix[is_prio][pr_order], ev_at[is_prio][pr_order]
        pr_value = names[codes.prio[is_prio][pr_order]]
        st_tix, st_at, st_cls = st_tix[order], st_at[order], st_cls[order]
        settled_at = _settled_at(t, created, st_tix, st_at, st_cls, rp_tix, rp_at)
        kind, repeat, excluded = ticket_side.result()
    t["kind"] = kind
    if policy.target_priority == "at_start":
        t["priority"] = _priority_until(t, pr_tix, pr_at, pr_value, created)
    reply_known, history_known = _source_knowledge(t, rp_tix)
    return PreparedLog(
        tickets=t,
        created=created,
        rule=match_targets(t, policy),
        st_tix=st_tix,
        st_at=st_at,
        st_cls=st_cls,
        rp_tix=rp_tix,
        rp_at=rp_at,
        pr_tix=pr_tix,
        pr_at=pr_at,
        pr_value=pr_value,
        settled_at=settled_at,
        repeat=repeat & ~excluded,
        excluded=excluded,
        reply_known=reply_known,
        history_known=history_known,
    )


def _sorted_pair(tix: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if ascending(tix, at):
        return tix, at
    order = np.lexsort((at, tix))
    return tix[order], at[order]


def _ticket_side(t: pd.DataFrame, policy: Policy) -> tuple:
    """(kind, repeat flags, excluded) per ticket; `t` unchanged."""
    t = t.copy(deep=False)
    t["kind"] = assign_kinds(t, policy)
    excluded = excluded_mask(t, policy)
    return t["kind"], repeat_flags(t, policy, excluded), excluded


def _source_knowledge(t: pd.DataFrame, rp_tix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per ticket, whether its source carries reply information and status/reopen history.

    Decided per source over the whole log: reply events, or first-response / reply-count
    values; status history (fidelity `history`), or reopen counts. A ticket without replies
    in a source that records them has had none: it is judged, not left out.
    """
    src, names = pd.factorize(t["source"].astype("string"))
    n_src = len(names) + 1
    src = np.where(src < 0, n_src - 1, src)

    def any_per_source(mask: np.ndarray) -> np.ndarray:
        return np.bincount(src[mask], minlength=n_src) > 0

    replies = np.zeros(len(t), dtype=bool)
    replies[rp_tix] = True
    for col in ("agent_replies", "first_response_at"):
        if col in t:
            replies |= t[col].notna().to_numpy()
    history = (t["fidelity"] == "history").to_numpy() if "fidelity" in t else replies & False
    if "reopens" in t:
        history = history | t["reopens"].notna().to_numpy()
    return any_per_source(replies)[src], any_per_source(history)[src]


def _priority_until(
    t: pd.DataFrame,
    pr_tix: np.ndarray,
    pr_at: np.ndarray,
    pr_value: np.ndarray,
    until: np.ndarray,
) -> pd.Series:
    """Per ticket, the value of its last priority change at or before `until` (us per ticket).

    Without such a change the ticket's latest priority stands: an export that records only
    changes cannot tell an earlier value otherwise.
    """
    keep = pr_at <= until[pr_tix]
    tix, value = pr_tix[keep], pr_value[keep]
    out = t["priority"].astype(object).to_numpy(copy=True)
    last = group_last(tix)
    out[tix[last]] = value[last]
    return pd.Series(out, index=t.index, dtype=t["priority"].dtype)


def timeline_order(st_tix: np.ndarray, st_at: np.ndarray, st_seq: np.ndarray, n: int) -> np.ndarray:
    """Order of the status timeline: n creation rows first, then the events' status rows.

    The log stores events sorted by ticket, time and seq, so usually the creation rows only
    need merging in, each before its ticket's first event (events never precede creation
    here and creation rows have seq -1); otherwise a full sort.
    """
    ev_tix, ev_at, ev_seq = st_tix[n:], st_at[n:], st_seq[n:]
    if not ascending(ev_tix, ev_at, ev_seq):
        return np.lexsort((st_seq, st_at, st_tix))
    created_pos = np.searchsorted(ev_tix, np.arange(n), side="left") + np.arange(n)
    order = np.empty(len(st_tix), dtype=np.int64)
    is_created = np.zeros(len(st_tix), dtype=bool)
    is_created[created_pos] = True
    order[created_pos] = np.arange(n)
    order[~is_created] = np.arange(n, len(st_tix))
    return order


def _settled_at(
    t: pd.DataFrame,
    created: np.ndarray,
    st_tix: np.ndarray,
    st_at: np.ndarray,
    st_cls: np.ndarray,
    rp_tix: np.ndarray,
    rp_at: np.ndarray,
) -> np.ndarray:
    """Per ticket, the instant of its last change if it ends done, else FAR (never settled).

    A ticket settled before a period starts has every clock stopped, its resolutions and
    creation before the period and a done status throughout it: it cannot count in the period.
    """
    n = len(created)
    last = group_last(st_tix)
    final_done = np.zeros(n, dtype=bool)
    final_done[st_tix[last]] = np.isin(st_cls[last], DONE_CODES)
    settled = created.copy()
    settled[st_tix[last]] = np.maximum(settled[st_tix[last]], st_at[last])
    if len(rp_tix):
        np.maximum.at(settled, rp_tix, rp_at)
    if "updated_at" in t:
        updated = to_us(t["updated_at"])
        settled = np.maximum(settled, np.where(updated == NAT, settled, updated))
    return np.where(final_done, settled, FAR)


def _instant_us(ts: pd.Timestamp) -> int:
    return int(to_us(pd.DatetimeIndex([ts]))[0])


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
    as_of_us = _instant_us(as_of)
    in_scope = p.created <= as_of_us
    since_us = None if since is None else _instant_us(since)
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
    priority = _priority_until(
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
    if knowledge is None or _instant_us(knowledge) <= as_of_us:
        return np.full(n, NAT, dtype=np.int64)
    later = cut_timeline(p.st_tix, p.st_at, p.st_cls, _instant_us(knowledge), in_scope)
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
