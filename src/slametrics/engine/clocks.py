"""SLA clocks (DESIGN §6): start, stop, pauses, elapsed working time, due time and outcome per ticket.

Everything is computed over all tickets at once: the status history becomes a table of intervals,
each clock's active intervals are clipped to [start, stop or as_of), and their working time is
measured on the calendar's cumulative axis (see business_time.py). The only Python loops are over the
policy's calendars and clocks.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.business_time import WorkingTime, build_working_time
from slametrics.columns import FAR, NAT, US, ascending, from_us, to_us
from slametrics.engine.rules import assign_kinds, match_targets
from slametrics.eventcodes import (
    CLASS_CODE,
    CLASS_NAMES,
    DONE_CODES,
    EventCodes,
    code_events,
    ticket_index,
)
from slametrics.policy import CLOCK_NAMES, Policy
from slametrics.schema import DONE_CLASSES

CLOCK_COLUMNS = [
    "source",
    "ticket_id",
    "clock",
    "priority",
    "kind",
    "calendar",
    "target_s",
    "started_at",
    "stopped_at",
    "elapsed_s",
    "paused_s",
    "due_at",
    "outcome",
]
OUTCOMES = ("met", "breached", "running")
OUTCOME_NAMES = np.array(OUTCOMES, dtype=object)
# what the headline figures of a period need (the trend computes only these)
LEAN_CLOCK_COLUMNS = ("clock", "stopped_at", "outcome", "tix")
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
    tickets: pd.DataFrame  # the tickets created by as_of, with kind, state and summary columns
    as_of: pd.Timestamp
    untargeted: dict[str, int]
    reply_sources: frozenset[str]  # sources with any agent reply by as_of (FCR is judgeable)


@dataclass
class PreparedLog:
    """What does not depend on as_of: ticket keys, kinds, rules, the sorted status timeline.

    Built once per log and policy, so that the trend's several as_of values each cost only numpy.
    """

    tickets: pd.DataFrame  # every ticket, index 0..n-1, with kind (and priority at start)
    created: np.ndarray  # us
    rule: np.ndarray  # first matching target rule, -1 for none
    st_tix: np.ndarray  # status timeline sorted by ticket, time, seq; a 'new' row at creation
    st_at: np.ndarray
    st_cls: np.ndarray  # int8 codes into STATUS_CLASSES
    rp_tix: np.ndarray  # public agent replies, sorted by ticket and time
    rp_at: np.ndarray
    settled_at: np.ndarray  # us after which nothing about the ticket changes (FAR while not done)
    repeat: np.ndarray  # incident with an earlier one of the same key within the policy's window


def prepare_log(
    tickets: pd.DataFrame,
    events: pd.DataFrame | None,
    policy: Policy,
    codes: EventCodes | None = None,
) -> PreparedLog:
    """The as_of-independent part of the clock computation, vectorized over the whole log.

    `codes` (as stored beside the log) spare decoding `events`, which is then needed only for
    a policy that takes the priority at the start.
    """
    t = tickets.reset_index(drop=True).copy()
    n = len(t)
    t["tix"] = np.arange(n)
    created = to_us(t["created_at"])
    # the tickets' side (kinds, rules, repeats) runs on a second thread while the timeline is
    # assembled here: pandas and numpy release the GIL for much of either
    with ThreadPoolExecutor(max_workers=1) as pool:
        ticket_side = pool.submit(_ticket_side, t, events, policy, created)
        if codes is None:
            codes = code_events(t, events)
        ev_tix = codes.tix
        # an event stamped before creation counts at creation (clocks never start before it)
        ev_at = np.maximum(codes.at, created[ev_tix])
        has_cls = codes.cls >= 0
        st_tix = np.concatenate([np.arange(n), ev_tix[has_cls]])
        st_at = np.concatenate([created, ev_at[has_cls]])
        st_seq = np.concatenate([np.full(n, -1, dtype=np.int64), codes.seq[has_cls]])
        st_cls = np.concatenate([np.full(n, CLASS_CODE["new"], dtype=np.int8), codes.cls[has_cls]])
        order = timeline_order(st_tix, st_at, st_seq, n)
        rp_tix, rp_at = ev_tix[codes.reply], ev_at[codes.reply]
        if not ascending(rp_tix, rp_at):
            rp_order = np.lexsort((rp_at, rp_tix))
            rp_tix, rp_at = rp_tix[rp_order], rp_at[rp_order]
        st_tix, st_at, st_cls = st_tix[order], st_at[order], st_cls[order]
        settled_at = _settled_at(t, created, st_tix, st_at, st_cls, rp_tix, rp_at)
        kind, priority, rule, repeat = ticket_side.result()
    t["kind"] = kind
    if priority is not None:
        t["priority"] = priority
    return PreparedLog(
        tickets=t,
        created=created,
        rule=rule,
        st_tix=st_tix,
        st_at=st_at,
        st_cls=st_cls,
        rp_tix=rp_tix,
        rp_at=rp_at,
        settled_at=settled_at,
        repeat=repeat,
    )


def _ticket_side(
    t: pd.DataFrame, events: pd.DataFrame | None, policy: Policy, created: np.ndarray
) -> tuple:
    """(kind, priority at start or None, target rule, repeat flags) per ticket; `t` unchanged."""
    t = t.copy(deep=False)
    t["kind"] = assign_kinds(t, policy)
    priority = None
    if policy.target_priority == "at_start":
        if events is None:
            raise ValueError("target_priority: at_start needs the events")
        tix = ticket_index(t, events)
        known = tix >= 0
        at = np.maximum(to_us(events["at"])[known], created[tix[known]])
        priority = _priority_at_start(t, events[known], tix[known], at, created)
        t["priority"] = priority
    return t["kind"], priority, match_targets(t, policy), repeat_flags(t, policy)


def timeline_order(
    st_tix: np.ndarray, st_at: np.ndarray, st_seq: np.ndarray, n: int
) -> np.ndarray:
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


def repeat_flags(t: pd.DataFrame, policy: Policy) -> np.ndarray:
    """True for an incident with an earlier one of the same key created within the window.

    Earlier incidents only: so the flags hold at any as_of, and are computed once per log.
    """
    incident = (t["kind"] == "incident").to_numpy()
    flags = np.zeros(len(t), dtype=bool)
    rows = np.flatnonzero(incident)
    if not len(rows):
        return flags
    group = key_groups(t, rows, policy.repeat_incidents.key)
    complete = group >= 0
    rows, group = rows[complete], group[complete]
    if not len(rows):
        return flags
    created = to_us(t["created_at"])[rows]
    order = np.lexsort((created, group))
    group, created, rows = group[order], created[order], rows[order]
    same = np.concatenate([[False], group[1:] == group[:-1]])
    gap = np.concatenate([[0], created[1:] - created[:-1]])
    flags[rows[same & (gap <= policy.repeat_incidents.window * US)]] = True
    return flags


def key_groups(t: pd.DataFrame, rows: np.ndarray, fields: list[str]) -> np.ndarray:
    """Group number of each of `t`'s `rows` by its `fields` (trimmed, case-folded), numbered by
    first appearance; -1 where a field is missing or blank."""
    group = np.zeros(len(rows), dtype=np.int64)
    complete = np.ones(len(rows), dtype=bool)
    for field in fields:
        code = normalized_codes(t[field].take(rows))
        complete &= code >= 0
        # renumbered after each key, so the combined code never overflows
        group = pd.factorize(group * (int(code.max(initial=0)) + 1) + np.maximum(code, 0))[0]
    out = np.full(len(rows), -1, dtype=np.int64)
    out[complete] = pd.factorize(group[complete])[0]
    return out


def normalized_codes(values: pd.Series) -> np.ndarray:
    """Group code per cell by its stripped, lower-cased text; -1 for missing or blank."""
    codes, uniques = pd.factorize(values.astype("string"))
    norm = [str(u).strip().lower() for u in uniques]
    distinct = {v: i for i, v in enumerate(dict.fromkeys(v for v in norm if v))}
    lookup = np.array([distinct.get(v, -1) for v in norm] + [-1], dtype=np.int64)
    return lookup[codes]


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
    last = _group_last(st_tix)
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


def _group_first(tix: np.ndarray) -> np.ndarray:
    """Positions of the first row of each run of equal values in a sorted array."""
    return np.flatnonzero(np.concatenate([[True], tix[1:] != tix[:-1]])) if len(tix) else tix


def _group_last(tix: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.concatenate([tix[1:] != tix[:-1], [True]])) if len(tix) else tix


@dataclass
class Timeline:
    """The status timeline cut at as_of, with next-change times and resolution entries."""

    tix: np.ndarray
    at: np.ndarray
    cls: np.ndarray
    next_at: np.ndarray
    done: np.ndarray
    entry: np.ndarray
    reopen: np.ndarray
    last: np.ndarray


def _timeline(p: PreparedLog, as_of_us: int, in_scope: np.ndarray) -> Timeline:
    keep = (p.st_at <= as_of_us) & in_scope[p.st_tix]
    tix, at, cls = p.st_tix[keep], p.st_at[keep], p.st_cls[keep]
    same = tix[1:] == tix[:-1]
    same_next = np.concatenate([same, [False]])[: len(tix)]
    same_prev = np.concatenate([[False], same])[: len(tix)]
    done = np.isin(cls, DONE_CODES)
    prev_done = np.concatenate([[False], done[:-1]])[: len(tix)] & same_prev
    next_at = np.where(same_next, np.concatenate([at[1:], [FAR]])[: len(tix)], FAR)
    return Timeline(tix, at, cls, next_at, done, done & ~prev_done, ~done & prev_done, ~same_next)


def compute_clocks(
    tickets: pd.DataFrame,
    events: pd.DataFrame | None,
    policy: Policy,
    as_of: pd.Timestamp,
    prepared: PreparedLog | None = None,
    since: pd.Timestamp | None = None,
    lean: bool = False,
) -> ClockResult:
    """Recompute every SLA clock of every ticket created by `as_of`, ignoring later events.

    With `since`, tickets settled (done, no change) before it are left out: a period starting
    at `since` cannot count them, and the trend's periods each see only a slice of a long log.
    `untargeted` still counts every ticket created by `as_of`. `lean` keeps only what the
    headline figures need (LEAN_CLOCK_COLUMNS, LEAN_TICKET_COLUMNS), as the trend does.
    """
    p = prepared or prepare_log(tickets, events, policy)
    as_of_us = int(to_us(pd.DatetimeIndex([as_of]))[0])
    n = len(p.tickets)
    created_by = p.created <= as_of_us
    in_scope = created_by
    since_us = None if since is None else int(to_us(pd.DatetimeIndex([since]))[0])
    if since_us is not None:
        in_scope = created_by & (p.settled_at >= since_us)
    tl = _timeline(p, as_of_us, in_scope)

    entries = np.flatnonzero(tl.entry)
    first_entry = np.full(n, NAT, dtype=np.int64)
    last_entry = np.full(n, NAT, dtype=np.int64)
    e_tix = tl.tix[entries]
    first_entry[e_tix[_group_first(e_tix)]] = tl.at[entries][_group_first(e_tix)]
    last_entry[e_tix[_group_last(e_tix)]] = tl.at[entries][_group_last(e_tix)]
    last_rows = np.flatnonzero(tl.last)
    final_done = np.zeros(n, dtype=bool)
    final_done[tl.tix[last_rows]] = tl.done[last_rows]
    final_cls = np.full(n, CLASS_CODE["new"], dtype=np.int8)
    final_cls[tl.tix[last_rows]] = tl.cls[last_rows]
    final_since = p.created.copy()
    final_since[tl.tix[last_rows]] = tl.at[last_rows]
    rkeep = (p.rp_at <= as_of_us) & in_scope[p.rp_tix]
    rp_tix, rp_at = p.rp_tix[rkeep], p.rp_at[rkeep]
    first_reply = np.full(n, NAT, dtype=np.int64)
    first_reply[rp_tix[_group_first(rp_tix)]] = rp_at[_group_first(rp_tix)]
    reopen_count = np.bincount(tl.tix[tl.reopen], minlength=n)
    before_res = (first_entry[rp_tix] == NAT) | (rp_at <= first_entry[rp_tix])
    replies_before_res = np.bincount(rp_tix[before_res], minlength=n)

    stops = {
        "first_response": _earliest(first_reply, first_entry),
        "resolution": first_entry
        if policy.clock("resolution").reopen == "first"
        else np.where(final_done, last_entry, NAT),
    }
    frames, untargeted = [], {}
    for clock in CLOCK_NAMES:
        spec = policy.clock(clock)
        targets = np.array(
            [getattr(r, clock) if getattr(r, clock) is not None else -1 for r in policy.targets]
            + [-1],
            dtype=np.int64,
        )[p.rule]
        source_due = np.zeros(n, dtype=bool)
        if clock == "resolution":
            flags = np.array([r.resolution_due_from_source for r in policy.targets] + [False])
            source_due = flags[p.rule]
            due_known = p.tickets["due_at"].notna().to_numpy()
            targets = np.where(source_due, np.where(due_known, 0, -1), targets)
        has = (targets >= 0) & in_scope
        if lean and since_us is not None:
            # a period counts a clock that stops in it or still runs: skip the others' pieces
            has &= (stops[clock] == NAT) | (stops[clock] >= since_us)
        untargeted[clock] = int(((targets < 0) & created_by).sum())
        pause = set(spec.pause_on)
        if clock == "resolution" and spec.reopen == "resume":
            pause |= set(DONE_CLASSES)  # time between a resolution and its reopen
        pause_codes = np.array([CLASS_CODE[c] for c in pause], dtype=np.int8)
        frames.append(
            _clock_frame(
                p,
                tl,
                clock,
                stops[clock],
                targets,
                has,
                pause_codes,
                as_of_us,
                policy,
                source_due,
                lean,
            )
        )
    clocks = pd.concat(frames, ignore_index=True)
    rows = np.flatnonzero(in_scope)
    t = p.tickets[list(LEAN_TICKET_COLUMNS)] if lean else p.tickets
    t = t.take(rows).reset_index(drop=True)
    t["status_class_at"] = CLASS_NAMES[final_cls[rows]]
    t["status_since"] = from_us(final_since[rows])
    t["first_resolved_at"] = from_us(first_entry[rows])
    t["last_resolved_at"] = from_us(np.where(final_done, last_entry, NAT)[rows])
    t["reopen_count"] = reopen_count[rows]
    t["replies_before_resolution"] = replies_before_res[rows]
    t["has_reply_events"] = (np.bincount(rp_tix, minlength=n) > 0)[rows]
    replied = np.zeros(n, dtype=bool)
    replied[p.rp_tix[(p.rp_at <= as_of_us) & created_by[p.rp_tix]]] = True
    reply_sources = frozenset(map(str, p.tickets["source"][replied].unique()))
    return ClockResult(clocks, t, as_of, untargeted, reply_sources)


def _priority_at_start(
    t: pd.DataFrame,
    events: pd.DataFrame,
    ev_tix: np.ndarray,
    ev_at: np.ndarray,
    created: np.ndarray,
) -> pd.Series:
    """The priority recorded at creation: the last `priority` event at or before created_at.

    Without such an event the last known priority stands (an export that records only changes
    cannot tell the original value otherwise).
    """
    sel = (events["event"].to_numpy() == "priority") & (ev_at <= created[ev_tix])
    pe = pd.DataFrame(
        {
            "tix": ev_tix[sel],
            "at": ev_at[sel],
            "seq": events["seq"].to_numpy()[sel],
            "value": events["value"].to_numpy()[sel],
        }
    )
    at_start = pe.sort_values(["tix", "at", "seq"]).groupby("tix")["value"].last()
    return at_start.reindex(t["tix"]).set_axis(t.index).fillna(t["priority"])


def _earliest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise earliest instant, where NAT means "never" rather than "earliest"."""
    return np.where(a == NAT, b, np.where(b == NAT, a, np.minimum(a, b)))


def _clock_frame(
    p: PreparedLog,
    tl: Timeline,
    clock: str,
    stop: np.ndarray,
    targets: np.ndarray,
    has: np.ndarray,
    pause: np.ndarray,
    as_of_us: int,
    policy: Policy,
    source_due: np.ndarray,
    lean: bool,
) -> pd.DataFrame:
    start = p.created
    n = len(start)
    targets = targets.copy()
    due_at_us = to_us(p.tickets["due_at"]) if source_due.any() else None
    if due_at_us is not None:
        # the working time from creation to the recorded due_at becomes the target, per calendar
        targets = np.where(source_due & has, np.maximum((due_at_us - start) // US, 0), targets)
    stopped = stop != NAT
    bound = np.where(stopped, stop, as_of_us)
    active = ~np.isin(tl.cls, pause)
    keep = active & has[tl.tix]
    seg_tix = tl.tix[keep]
    seg_s = np.maximum(tl.at[keep], start[seg_tix])
    seg_e = np.minimum(tl.next_at[keep], bound[seg_tix])
    real = seg_e > seg_s
    seg_tix, seg_s, seg_e = seg_tix[real], seg_s[real], seg_e[real]
    # the clock's state where it ends: a stopped clock continues hypothetically (for due_at of
    # met clocks); a running one continues only if it is not paused at as_of
    last = np.flatnonzero(tl.last)
    active_at_end = np.zeros(n, dtype=bool)
    active_at_end[tl.tix[last]] = active[last]
    tail_tix = np.flatnonzero(has & (stopped | active_at_end))
    # segments (sorted by ticket and time) end before their clock's bound and a tail starts at
    # it, so each tail goes right after its ticket's last segment: a merge, not a sort
    tail_pos = np.searchsorted(seg_tix, tail_tix, side="right") + np.arange(len(tail_tix))
    is_tail = np.zeros(len(seg_tix) + len(tail_tix), dtype=bool)
    is_tail[tail_pos] = True
    seg_tix = _place(seg_tix, tail_tix, is_tail)
    seg_s = _place(seg_s, bound[tail_tix], is_tail)
    seg_e = _place(seg_e, np.full(len(tail_tix), FAR, dtype=np.int64), is_tail)

    elapsed = np.zeros(n, dtype=np.int64)
    span = np.zeros(n, dtype=np.int64)
    due = np.full(n, NAT, dtype=np.int64)
    cal_of_rule = np.array([r.calendar for r in policy.targets] + [""], dtype=object)
    calendar_name = cal_of_rule[p.rule]
    for name, cal in policy.calendars.items():  # a few calendars, each vectorized
        in_cal = has & (calendar_name == name)
        if not in_cal.any():
            continue
        wt = build_working_time(
            cal,
            policy.timezone,
            int(start[in_cal].min()),
            int(bound[in_cal].max()),
            int(targets[in_cal].max()) * US,
        )
        from_source = in_cal & source_due
        if from_source.any():
            targets[from_source] = wt.between(start[from_source], due_at_us[from_source]) // US
        sel = in_cal[seg_tix]
        _measure(wt, seg_tix[sel], seg_s[sel], seg_e[sel], is_tail[sel], targets * US, elapsed, due)
        span[in_cal] = wt.between(start[in_cal], bound[in_cal])
    target_us = targets * US
    outcome_code = np.where(
        stopped, np.where(elapsed <= target_us, 0, 1), np.where(elapsed > target_us, 1, 2)
    )
    rows = np.flatnonzero(has)
    outcome = OUTCOME_NAMES[outcome_code[rows]]  # objects: numpy's fixed-width text converts slowly
    if lean:
        return pd.DataFrame(
            {"clock": clock, "stopped_at": from_us(stop[rows]), "outcome": outcome, "tix": rows}
        )
    t = p.tickets
    out = pd.DataFrame(
        {
            "source": t["source"].array.take(rows),
            "ticket_id": t["ticket_id"].array.take(rows),
            "clock": clock,
            "priority": t["priority"].array.take(rows),
            "kind": t["kind"].array.take(rows),
            "calendar": calendar_name[rows],
            "target_s": targets[rows].astype(float),
            "started_at": from_us(start[rows]),
            "stopped_at": from_us(stop[rows]),
            "elapsed_s": elapsed[rows] / US,
            "paused_s": (span[rows] - elapsed[rows]) / US,
            "due_at": from_us(due[rows]),
            "outcome": outcome,
            "tix": rows,
        }
    )
    return out


def _place(pieces: np.ndarray, tails: np.ndarray, is_tail: np.ndarray) -> np.ndarray:
    out = np.empty(len(is_tail), dtype=pieces.dtype)
    out[~is_tail] = pieces
    out[is_tail] = tails
    return out


def _measure(
    wt: WorkingTime,
    tix: np.ndarray,
    s: np.ndarray,
    e: np.ndarray,
    tail: np.ndarray,
    target_us: np.ndarray,
    elapsed: np.ndarray,
    due: np.ndarray,
) -> None:
    """Fill elapsed working time (excluding tails) and the instant each target is reached.

    Pieces come sorted by ticket and time; running sums restart at each ticket's first piece.
    """
    if not len(tix):
        return
    ms = wt.measure(s)
    length = np.maximum(wt.measure(e) - ms, 0)
    np.add.at(elapsed, tix[~tail], length[~tail])
    firsts = _group_first(tix)
    total = np.cumsum(length)
    sizes = np.diff(np.append(firsts, len(tix)))
    cum_after = total - np.repeat(total[firsts] - length[firsts], sizes)
    cum_before = cum_after - length
    tgt = target_us[tix]
    crossing = np.flatnonzero((cum_before < tgt) & (cum_after >= tgt))
    first = crossing[_group_first(tix[crossing])]
    due[tix[first]] = wt.instant_at(ms[first] + (tgt[first] - cum_before[first]))
    zero = tgt[firsts] == 0  # a zero target is due when the clock first runs
    due[tix[firsts[zero]]] = s[firsts[zero]]
