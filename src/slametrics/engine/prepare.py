"""What the clocks need that does not depend on as_of: keys, kinds, rules, sorted timelines.

Built once per log and policy (`prepare_log`), so that the trend's several as_of values each cost
only numpy work in `compute_clocks` (engine/clocks.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.columns import FAR, NAT, ascending, group_last, to_us
from slametrics.engine.repeats import repeat_flags
from slametrics.engine.rules import assign_kinds, excluded_mask, match_targets
from slametrics.eventcodes import CLASS_CODE, DONE_CODES, EventCodes, code_events
from slametrics.policy import Policy

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
        settled_at = _settled_at(t, created, st_tix, st_at, st_cls, rp_tix, rp_at, policy)
        kind, repeat, excluded = ticket_side.result()
    t["kind"] = kind
    if policy.target_priority == "at_start":
        t["priority"] = priority_until(t, pr_tix, pr_at, pr_value, created)
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


def priority_until(
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
    policy: Policy,
) -> np.ndarray:
    """Per ticket, the instant of its last change if it ends settled, else FAR (never settled).

    A ticket settled before a period starts has every clock stopped, its resolutions and
    creation before the period and a final status throughout it: it cannot count in the period.
    """
    n = len(created)
    last = group_last(st_tix)
    final_done = np.zeros(n, dtype=bool)
    final_done[st_tix[last]] = np.isin(st_cls[last], settling_codes(policy))
    settled = created.copy()
    settled[st_tix[last]] = np.maximum(settled[st_tix[last]], st_at[last])
    if len(rp_tix):
        np.maximum.at(settled, rp_tix, rp_at)
    if "updated_at" in t:
        updated = to_us(t["updated_at"])
        settled = np.maximum(settled, np.where(updated == NAT, settled, updated))
    return np.where(final_done, settled, FAR)


def settling_codes(policy: Policy) -> np.ndarray:
    """Final classes that stop every clock of the policy: done, and in each clock's `stop_on`.

    A clock that stops only at `closed` still runs on a ticket that ends `resolved`, so such a
    ticket is not settled (canceled stops every clock).
    """
    codes = set(DONE_CODES.tolist())
    for spec in policy.clocks.values():
        codes &= {CLASS_CODE[c] for c in spec.stop_on} | {CLASS_CODE["canceled"]}
    return np.array(sorted(codes), dtype=np.int8)


def instant_us(ts: pd.Timestamp) -> int:
    return int(to_us(pd.DatetimeIndex([ts]))[0])
