"""Ticket lifecycles of the sample: a template of optional event slots, timed on working axes.

Every ticket follows one template of optional event slots (created, assignment, first response,
customer/agent exchanges, a waiting-on-customer period, a third-party or on-hold period,
resolution, up to two reopens, closing). Each slot has a per-ticket presence flag and a per-ticket
gap measured on a time axis: wall time (24x7), the agents' business hours, or the customers'
(longer) hours. Slots are advanced one at a time over all tickets at once (numpy, a loop over the
~50 slots, never over tickets or events), and the events past the end of the period are cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slametrics.sample.axes import AGENT, CUSTOMER, DAY, HOUR, WALL, Period
from slametrics.sample.draws import lognormal
from slametrics.sample.tickets import Tickets
from slametrics.sample.vocabulary import ACTOR_CODE, EVENT_CODE, STATUS_CODE, STATUSES

FIRST_RESPONSE_TARGET_S = np.array([900, 3600, 14400, 14400])  # typical contract targets
PRIORITY_SCALE = np.array([0.08, 0.35, 1.0, 1.2])  # urgent gaps are short and in wall time
MAX_EXCHANGES = 8
# per type: the share of tickets settled by the first reply, and the conversation length otherwise
P_ONE_REPLY = np.array([0.50, 0.62, 0.55, 0.40])
EXTRA_EXCHANGES = np.array([2.2, 1.8, 2.0, 2.2])
P_WAIT_CUSTOMER = np.array([0.24, 0.32, 0.25, 0.20])
P_THIRD_PARTY = np.array([0.08, 0.03, 0.12, 0.20])  # tasks / feature requests go on hold instead
P_REOPEN = np.array([0.09, 0.04, 0.05, 0.05])
P_CLOSED = 0.7
RESOLVE_WORK = np.array([1.0, 0.8, 2.0, 8.0])  # per type: planned improvements take days


@dataclass
class Fates:
    """What happens to each ticket (which optional slots it has) and its typical pace."""

    urgent: np.ndarray
    scale: np.ndarray  # gaps are scaled by priority
    noreply: np.ndarray
    exchanges: np.ndarray
    wait: np.ndarray
    abandoned: np.ndarray
    third: np.ndarray
    third_status: np.ndarray
    reopen1: np.ndarray
    reopen2: np.ndarray
    closed: np.ndarray
    reassign: np.ndarray
    triage: np.ndarray
    forgotten: np.ndarray
    backlog: np.ndarray  # a factor of the resolution's delay
    resolve_work: np.ndarray  # another factor, per type
    fr: np.ndarray  # the first response's delay on the agents' axis
    split: np.ndarray  # the share of `fr` before the ticket is opened


def draw_fates(rng: np.random.Generator, t: Tickets, period: Period) -> Fates:
    """The lifecycle parameters of every ticket."""
    n, typ, prio = len(t.created), t.typ, t.prio
    progress = (t.created - period.t_start) / max(1, period.t_end - period.t_start)
    noreply = rng.random(n) < 0.035  # duplicates / spam resolved without a reply
    talk = np.minimum(1 + rng.poisson(EXTRA_EXCHANGES[typ]), MAX_EXCHANGES)
    exchanges = np.where(noreply | (rng.random(n) < P_ONE_REPLY[typ]), 0, talk)
    wait = (rng.random(n) < P_WAIT_CUSTOMER[typ]) & ~noreply
    abandoned = wait & (rng.random(n) < 0.25)  # the customer never answers: auto-resolved
    third = (rng.random(n) < P_THIRD_PARTY[typ]) & ~noreply & ~abandoned
    reopen1 = (rng.random(n) < P_REOPEN[typ]) & ~noreply & ~abandoned
    reopen2 = reopen1 & (rng.random(n) < 0.2)
    closed = rng.random(n) < P_CLOSED
    reassign = (rng.random(n) < 0.08) & ~noreply
    triage = rng.random(n) < 0.2
    forgotten = rng.random(n) < 0.02  # slow, breaching first responses
    backlog = np.where(rng.random(n) < 0.025, 25.0, 1.0)  # stuck in the backlog for weeks
    # first response on the agents' axis: mostly well inside the target, slowly worsening
    fr = (
        FIRST_RESPONSE_TARGET_S[prio]
        * np.exp(rng.normal(np.log(0.22) + 0.55 * progress, 0.8, n))
        * np.select([prio == 0, prio == 3], [0.7, 1.4], 1.0)
        * np.where(forgotten, rng.uniform(3, 10, n), 1.0)
    )
    return Fates(
        urgent=prio == 0,
        scale=PRIORITY_SCALE[prio],
        noreply=noreply,
        exchanges=exchanges,
        wait=wait,
        abandoned=abandoned,
        third=third,
        third_status=np.where(typ >= 2, STATUS_CODE["on_hold"], STATUS_CODE["waiting_third_party"]),
        reopen1=reopen1,
        reopen2=reopen2,
        closed=closed,
        reassign=reassign,
        triage=triage,
        forgotten=forgotten,
        backlog=backlog,
        resolve_work=RESOLVE_WORK[typ],
        fr=fr,
        split=rng.uniform(0.4, 0.95, n),
    )


@dataclass
class Slot:
    """One optional event of the template: codes, and per ticket its gap and presence."""

    event: int
    value: int  # status code, -1: none (or per ticket, see value_pt)
    actor: int
    public: int  # 1, 0, -1: null
    axis: int | np.ndarray  # WALL / AGENT / CUSTOMER, for all tickets or per ticket
    gap: np.ndarray | None  # seconds on the axis after the previous present slot (freed when used)
    present: np.ndarray
    value_pt: np.ndarray | None = None  # per-ticket value: a status code, or an agent code
    actor_pt: np.ndarray | None = None  # per-ticket actor code


class _Template:
    """Collects slots in time order; its lognormal gaps scale with each ticket's priority."""

    def __init__(self, rng: np.random.Generator, fates: Fates):
        self.rng, self.fates, self.n = rng, fates, len(fates.urgent)
        self.agent_ax = np.where(fates.urgent, WALL, AGENT)
        self.cust_ax = np.where(fates.urgent, WALL, CUSTOMER)
        self.slots: list[Slot] = []

    def slot(self, event, value, actor, public, axis, gap, present, value_pt=None, actor_pt=None):
        self.slots.append(
            Slot(
                event=EVENT_CODE[event],
                value=-1 if value is None else STATUS_CODE[value],
                actor=ACTOR_CODE[actor],
                public=-1 if public is None else int(public),
                axis=axis,
                gap=np.maximum(np.asarray(gap), 0).astype(np.int64),
                present=present,
                value_pt=value_pt,
                actor_pt=actor_pt,
            )
        )

    def ln(self, median: float, sigma: float, minimum: float = 1.0) -> np.ndarray:
        return np.maximum(lognormal(self.rng, median, sigma, self.n) * self.fates.scale, minimum)


def plan_slots(rng: np.random.Generator, t: Tickets, fates: Fates) -> list[Slot]:
    """The template's slots in time order, with every ticket's gaps drawn."""
    plan = _Template(rng, fates)
    _opening(plan, t)
    _conversation(plan)
    _waiting(plan)
    _resolution(plan)
    return plan.slots


def _opening(plan: _Template, t: Tickets) -> None:
    """Creation, assignment, triage, opening, the first response and a reassignment."""
    rng, f, n, agent_ax = plan.rng, plan.fates, plan.n, plan.agent_ax
    always = np.ones(n, dtype=bool)
    plan.slot("created", "new", "system", None, WALL, np.zeros(n), always)
    gap = lognormal(rng, 40, 1.0, n) + 1
    plan.slot("assigned", None, "system", None, WALL, gap, always, value_pt=t.assignee1)
    plan.slot("note", None, "agent", False, agent_ax, plan.ln(600, 1.0), f.triage)
    plan.slot("status", "open", "agent", None, agent_ax, f.split * f.fr, always)
    first_reply = (1 - f.split) * f.fr + 30
    plan.slot("agent_reply", None, "agent", True, agent_ax, first_reply, ~f.noreply)
    gap = plan.ln(HOUR, 1.0)
    plan.slot("assigned", None, "agent", None, agent_ax, gap, f.reassign, value_pt=t.assignee2)


def _conversation(plan: _Template) -> None:
    """Up to MAX_EXCHANGES customer replies, each with an agent's answer (and sometimes a note)."""
    rng, n, agent_ax, cust_ax = plan.rng, plan.n, plan.agent_ax, plan.cust_ax
    for e in range(MAX_EXCHANGES):
        has = plan.fates.exchanges > e
        plan.slot("customer_reply", None, "customer", True, cust_ax, plan.ln(1.5 * HOUR, 1.1), has)
        gap = plan.ln(1200, 1.0)
        plan.slot("note", None, "agent", False, agent_ax, gap, has & (rng.random(n) < 0.15))
        plan.slot("agent_reply", None, "agent", True, agent_ax, plan.ln(HOUR, 1.1), has)


def _waiting(plan: _Template) -> None:
    """Waiting on the customer (who may never answer), then a third party or an on-hold period."""
    rng, f, n, agent_ax, cust_ax = plan.rng, plan.fates, plan.n, plan.agent_ax, plan.cust_ax
    answered = f.wait & ~f.abandoned
    gap = lognormal(rng, 120, 0.8, n)
    plan.slot("status", "waiting_customer", "agent", None, agent_ax, gap, f.wait)
    plan.slot("customer_reply", None, "customer", True, cust_ax, plan.ln(13 * HOUR, 1.4), answered)
    plan.slot("status", "open", "system", None, WALL, rng.integers(0, 4, n), answered)
    plan.slot("agent_reply", None, "agent", True, agent_ax, plan.ln(HOUR, 1.0), answered)
    plan.slot("note", None, "agent", False, agent_ax, plan.ln(900, 1.0), f.third)
    gap = lognormal(rng, 60, 0.8, n)
    plan.slot("status", None, "agent", None, agent_ax, gap, f.third, value_pt=f.third_status)
    gap = np.maximum(lognormal(rng, 18 * HOUR, 1.0, n) * np.maximum(f.scale, 0.3), 60)
    plan.slot("status", "open", "agent", None, agent_ax, gap, f.third)
    plan.slot("agent_reply", None, "agent", True, agent_ax, plan.ln(1800, 1.0), f.third)


def _resolution(plan: _Template) -> None:
    """Resolution (automatic for abandoned tickets), up to two reopens, and closing."""
    rng, f, n, agent_ax, cust_ax = plan.rng, plan.fates, plan.n, plan.agent_ax, plan.cust_ax
    gap = np.where(
        f.abandoned,
        7 * DAY + rng.integers(0, HOUR, n),
        np.where(
            f.noreply, plan.ln(1200, 0.8), plan.ln(1.5 * HOUR, 1.1) * f.resolve_work * f.backlog
        ),
    )
    axis = np.where(f.abandoned, WALL, agent_ax)
    actor = np.where(f.abandoned, ACTOR_CODE["system"], ACTOR_CODE["agent"])
    always = np.ones(n, dtype=bool)
    plan.slot("resolved", "resolved", "agent", None, axis, gap, always, actor_pt=actor)
    for again in (f.reopen1, f.reopen2):
        plan.slot("customer_reply", None, "customer", True, cust_ax, plan.ln(13 * HOUR, 1.0), again)
        plan.slot("reopened", "open", "customer", None, WALL, rng.integers(0, 4, n), again)
        plan.slot("agent_reply", None, "agent", True, agent_ax, plan.ln(1.5 * HOUR, 1.0), again)
        plan.slot("resolved", "resolved", "agent", None, agent_ax, plan.ln(2 * HOUR, 1.0), again)
    gap = 3 * DAY + rng.integers(0, 2 * DAY, n)
    plan.slot("closed", "closed", "system", None, WALL, gap, f.closed)


@dataclass
class Events:
    """The events of all tickets, by ticket and then in time order (parallel arrays of codes)."""

    rows: np.ndarray  # ticket code
    at: np.ndarray  # UTC seconds
    ev: np.ndarray
    val: np.ndarray  # a status code, or len(STATUSES) + an agent code
    actor: np.ndarray
    public: np.ndarray  # 1, 0, -1: null
    seq: np.ndarray  # position within the ticket
    counts: np.ndarray  # events per ticket
    first_pos: np.ndarray  # position of each ticket's first event


def place_events(slots: list[Slot], created: np.ndarray, period: Period) -> Events:
    """Times every slot, cuts the log at the end of the period, and flattens it to events."""
    n = len(created)
    times, present = _advance(slots, created, period)
    rows, cols = np.nonzero(present.T)  # row-major: by ticket, then slot = time order
    del present  # the (slots x tickets) matrices are the generator's largest arrays
    at = times[cols, rows]
    del times
    cols = cols.astype(np.int16)
    ev = np.array([s.event for s in slots], dtype=np.int8)[cols]
    val = np.array([s.value for s in slots], dtype=np.int32)[cols]
    actor = np.array([s.actor for s in slots], dtype=np.int8)[cols]
    public = np.array([s.public for s in slots], dtype=np.int8)[cols]
    n_status = len(STATUSES)
    for k, s in enumerate(slots):  # per-ticket values / actors of a few slots
        if s.value_pt is None and s.actor_pt is None:
            continue
        sel = np.flatnonzero(cols == k)
        if s.value_pt is not None:
            offset_codes = 0 if s.event == EVENT_CODE["status"] else n_status
            val[sel] = s.value_pt[rows[sel]] + offset_codes
        if s.actor_pt is not None:
            actor[sel] = s.actor_pt[rows[sel]]
    counts = np.bincount(rows, minlength=n)
    first_pos = np.cumsum(counts) - counts
    seq = np.arange(len(rows), dtype=np.int64) - first_pos[rows]
    return Events(rows, at, ev, val, actor, public, seq, counts, first_pos)


def _advance(slots: list[Slot], created: np.ndarray, period: Period) -> tuple:
    """(times, present) as (slots x tickets) matrices: slot by slot over all tickets at once."""
    k_slots, n = len(slots), len(created)
    times = np.empty((k_slots, n), dtype=np.int64)
    present = np.empty((k_slots, n), dtype=bool)
    cur = created.astype(np.int64).copy()
    for k, s in enumerate(slots):
        p, axis, gap = s.present, s.axis, s.gap
        s.gap = None  # free as we go
        nxt = cur + gap
        if not np.isscalar(axis):
            for code, ax in ((AGENT, period.agent_axis), (CUSTOMER, period.customer_axis)):
                sel = np.flatnonzero(p & (axis == code))
                nxt[sel] = ax.advance(cur[sel], gap[sel])
        cur = np.where(p, nxt, cur)
        times[k] = cur
        present[k] = p & (cur < period.t_end)  # the export is taken at the end of the period
    return times, present
