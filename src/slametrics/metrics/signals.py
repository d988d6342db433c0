"""Behaviour signals (DESIGN §12): facts about tickets worth a conversation, each with evidence.

Every signal is computed over all tickets at once; the only loops run over the policy's
calendars. "Shortly before the due time" is working time of the resolution clock: the target
minus the working, unpaused time elapsed by the event (see `remaining_at`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.columns import NAT, US, from_us, to_us
from slametrics.engine.clocks import ClockResult, PreparedLog
from slametrics.engine.rules import match_targets
from slametrics.eventcodes import CLASS_CODE, CLASS_NAMES, ticket_index
from slametrics.eventlog import EventLog
from slametrics.metrics.resolution_clock import ResolutionClock, first_after, last_before
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import SignalCount

CODES = (
    "priority-lowered-before-breach",
    "paused-before-due",
    "parked-in-waiting",
    "reopened-soon-after-resolution",
    "canceled-before-breach",
    "due-changed",
    "split-after-resolution",
)
WAITING = ("waiting_customer", "waiting_third_party", "on_hold")
NO_HISTORY, NO_REPLY_DATA, NO_DUE_HISTORY, NO_SUBJECT = (
    "no status history",
    "no reply data",
    "no due-time history",
    "no requester and subject",
)
# a source event that moves the source's own due time (value: the new due instant, ISO 8601)
DUE_EVENT = "due"


@dataclass
class Found:
    """Occurrences of one signal: ticket rows (tix), instants (us) and evidence columns."""

    code: str
    tix: np.ndarray
    at: np.ndarray
    evidence: dict[str, np.ndarray]


def _target_for(
    prepared: PreparedLog, policy: Policy, tix: np.ndarray, priority
) -> tuple[np.ndarray, np.ndarray]:
    """(resolution target in s or -1, calendar name) of tickets `tix` under another priority."""
    sub = prepared.tickets.take(tix).assign(priority=pd.array(priority, dtype="string"))
    rule = match_targets(sub.reset_index(drop=True), policy)
    targets = [-1 if r.resolution is None else int(r.resolution) for r in policy.targets]
    calendars = np.array([r.calendar for r in policy.targets] + [""], dtype=object)
    return np.array([*targets, -1], dtype=np.int64)[rule], calendars[rule]


def priority_lowered(prepared: PreparedLog, policy: Policy, clock: ResolutionClock) -> Found:
    """A priority change whose resolution target is longer than the previous priority's, while
    the clock had at most `shortly` of working time left under the previous one."""
    shortly = policy.contract.signals.shortly
    tix, at, new = prepared.pr_tix, prepared.pr_at, prepared.pr_value
    prev_ok = np.zeros(len(tix), dtype=bool)
    prev_ok[1:] = tix[1:] == tix[:-1]
    rows = np.flatnonzero(prev_ok)
    tix, at, old, new = tix[rows], at[rows], prepared.pr_value[rows - 1], new[rows]
    t_old, cal = _target_for(prepared, policy, tix, old)
    t_new, _ = _target_for(prepared, policy, tix, new)
    keep = (t_old >= 0) & ((t_new > t_old) | (t_new < 0)) & clock.running_at(tix, at, False)
    tix, at, t_old, t_new, old, new, cal = (x[keep] for x in (tix, at, t_old, t_new, old, new, cal))
    # measured on the calendar of the rule the previous priority matched
    left = clock.remaining_s(tix, at, t_old.astype(float), cal)
    hit = (left >= 0) & (left <= shortly)
    return Found(
        CODES[0],
        tix[hit],
        at[hit],
        {
            "from": old[hit],
            "to": new[hit],
            "remaining_s": left[hit],
            "target_s": t_old[hit],
            "new_target_s": np.where(t_new[hit] < 0, np.nan, t_new[hit]),
        },
    )


def _entries(clock: ResolutionClock, classes: list[str]) -> np.ndarray:
    """Timeline rows that enter one of `classes` from a class outside them."""
    tl = clock.tl
    codes = np.array([CLASS_CODE[c] for c in classes], dtype=np.int8)
    inside = np.isin(tl.cls, codes)
    prev_inside = np.zeros(len(inside), dtype=bool)
    prev_inside[1:] = inside[:-1] & tl.same_prev[1:]
    return np.flatnonzero(inside & ~prev_inside & (tl.at <= clock.as_of_us))


def _run_end(clock: ResolutionClock, rows: np.ndarray, classes: list[str]) -> np.ndarray:
    """When the run of `classes` that starts at each row ends (as_of while it lasts)."""
    tl = clock.tl
    inside = np.isin(tl.cls, np.array([CLASS_CODE[c] for c in classes], dtype=np.int8))
    # the next row of the same ticket outside the classes ends the run
    out_rows = np.flatnonzero(~inside)
    nxt = first_after(tl.tix[rows], tl.at[rows] + 1, tl.tix[out_rows], tl.at[out_rows])
    return np.where(nxt >= 0, tl.at[out_rows[np.clip(nxt, 0, None)]], clock.as_of_us)


def paused_before_due(policy: Policy, clock: ResolutionClock) -> Found:
    """A move into a waiting class that pauses the resolution clock with at most `shortly` of
    working time left, and the ticket still waiting at the instant the clock would have been due."""
    shortly = policy.contract.signals.shortly
    classes = [c for c in WAITING if CLASS_CODE[c] in set(clock.c.pause.tolist())]
    rows = _entries(clock, classes)
    tix, at = clock.tl.tix[rows], clock.tl.at[rows]
    keep = clock.running_at(tix, at)
    rows, tix, at = rows[keep], tix[keep], at[keep]
    target = clock.c.targets[tix].astype(float)
    left = clock.remaining_s(tix, at, target)
    due = clock.instant_at(tix, clock.measure(tix, at) + np.maximum(left, 0).astype(np.int64) * US)
    back = _run_end(clock, rows, classes)
    hit = (left >= 0) & (left <= shortly) & (due != NAT) & (back > due)
    return Found(
        CODES[1],
        tix[hit],
        at[hit],
        {
            "status": CLASS_NAMES[clock.tl.cls[rows[hit]]],
            "remaining_s": left[hit],
            "due_at": _iso(due[hit]),
            "back_at": _iso(np.where(back[hit] >= clock.as_of_us, NAT, back[hit])),
        },
    )


def parked_in_waiting(prepared: PreparedLog, policy: Policy, clock: ResolutionClock) -> Found:
    """A move into waiting_customer with no public agent reply within `ask_within` of it."""
    window = policy.contract.signals.ask_within * US
    rows = _entries(clock, ["waiting_customer"])
    tix, at = clock.tl.tix[rows], clock.tl.at[rows]
    keep = prepared.reply_known[tix]
    tix, at = tix[keep], at[keep]
    before = last_before(tix, at, prepared.rp_tix, prepared.rp_at, strict=False)
    after = first_after(tix, at, prepared.rp_tix, prepared.rp_at)
    near_before = (before >= 0) & (at - prepared.rp_at[np.clip(before, 0, None)] <= window)
    near_after = (after >= 0) & (prepared.rp_at[np.clip(after, 0, None)] - at <= window)
    last_reply = np.where(before >= 0, prepared.rp_at[np.clip(before, 0, None)], NAT)
    hit = ~near_before & ~near_after
    return Found(CODES[2], tix[hit], at[hit], {"last_public_reply_at": _iso(last_reply[hit])})


def reopened_soon(policy: Policy, clock: ResolutionClock) -> Found:
    """A reopen within `reopen_within` (wall time) of the resolution it undid."""
    tl = clock.tl
    window = policy.contract.signals.reopen_within * US
    rows = np.flatnonzero(tl.reopen & (tl.at <= clock.as_of_us))
    entries = np.flatnonzero(tl.entry)
    prev = last_before(tl.tix[rows], tl.at[rows], tl.tix[entries], tl.at[entries], strict=False)
    resolved_at = np.where(prev >= 0, tl.at[entries[np.clip(prev, 0, None)]], NAT)
    after = tl.at[rows] - resolved_at
    hit = (prev >= 0) & (after <= window)
    return Found(
        CODES[3],
        tl.tix[rows][hit],
        tl.at[rows][hit],
        {"resolved_at": _iso(resolved_at[hit]), "after_s": after[hit] / US},
    )


def canceled_before_breach(policy: Policy, state: ClockResult) -> Found:
    """A clock stopped by the ticket's cancellation with at most `shortly` of its target left."""
    c = state.clocks
    c = c[(c["outcome"] == "canceled").to_numpy()]
    left = (c["target_s"] - c["elapsed_s"]).to_numpy(dtype=float)
    hit = left <= policy.contract.signals.shortly
    c = c[hit]
    return Found(
        CODES[4],
        c["tix"].to_numpy(),
        to_us(c["stopped_at"]),
        {"clock": c["clock"].to_numpy(dtype=object), "remaining_s": left[hit]},
    )


def _iso(us: np.ndarray) -> np.ndarray:
    ts = from_us(np.asarray(us, dtype=np.int64))
    return np.asarray(ts.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object).where(ts.notna(), None))


def due_changed(log: EventLog, prepared: PreparedLog) -> tuple[Found, bool]:
    """A `due` event that moves the source's own due time away from the one it recorded before
    (the first recorded due time sets it, it does not move it). Also: whether the log records
    due times at all."""
    ev = log.events
    ev = ev[(ev["event"] == DUE_EVENT).to_numpy()]
    if not len(ev):
        return Found(CODES[5], *(np.zeros(0, dtype=np.int64),) * 2, {}), False
    tix = ticket_index(prepared.tickets, ev)
    at = to_us(ev["at"])
    value = to_us(pd.to_datetime(ev["value"], utc=True, errors="coerce"))
    keep = (tix >= 0) & (value != NAT)
    order = np.lexsort((at[keep], tix[keep]))
    tix, at, value = tix[keep][order], at[keep][order], value[keep][order]
    same_prev = np.zeros(len(tix), dtype=bool)
    same_prev[1:] = tix[1:] == tix[:-1]
    prev = np.concatenate([[NAT], value[:-1]])
    hit = same_prev & (value != prev)
    return Found(
        CODES[5],
        tix[hit],
        at[hit],
        {"from": _iso(prev[hit]), "to": _iso(value[hit]), "moved_s": (value - prev)[hit] / US},
    ), True


def _key(values: pd.Series) -> pd.Series:
    """Requester or subject compared trimmed, case-folded, without `Re:`/`Fwd:` prefixes."""
    text = values.astype("string").str.strip().str.casefold()
    text = text.str.replace(r"^((re|fw|fwd|aw|отв|пересл)\s*:\s*)+", "", regex=True).str.strip()
    return text.where(text != "")


def split_after_resolution(prepared: PreparedLog, policy: Policy, clock: ResolutionClock) -> Found:
    """A ticket created within `split_within` after a resolution of an earlier ticket with the
    same requester and subject (both non-empty)."""
    t = prepared.tickets
    window = policy.contract.signals.split_within * US
    if "requester" not in t or "subject" not in t:
        return Found(CODES[6], *(np.zeros(0, dtype=np.int64),) * 2, {})
    key = pd.factorize(_key(t["requester"]) + "\x1f" + _key(t["subject"]), use_na_sentinel=True)[0]
    rows = np.flatnonzero((key >= 0) & (prepared.created <= clock.as_of_us))
    # resolutions of each ticket, as rows of (key, instant): the latest one before a creation
    tl = clock.tl
    entries = np.flatnonzero(tl.entry & (key[tl.tix] >= 0))
    e_key, e_at, e_tix = key[tl.tix[entries]], tl.at[entries], tl.tix[entries]
    order = np.lexsort((e_at, e_key))
    e_key, e_at, e_tix = e_key[order], e_at[order], e_tix[order]
    q_key, q_at = key[rows], prepared.created[rows]
    prev = last_before(q_key, q_at, e_key, e_at, strict=True)
    k = np.clip(prev, 0, None)
    hit = (prev >= 0) & (e_tix[k] != rows) & (q_at - e_at[k] <= window)
    ids = t["ticket_id"].astype("string").to_numpy(dtype=object)
    return Found(
        CODES[6],
        rows[hit],
        q_at[hit],
        {
            "previous_ticket": ids[e_tix[k][hit]],
            "resolved_at": _iso(e_at[k][hit]),
            "after_s": (q_at - e_at[k])[hit] / US,
        },
    )


def find_signals(
    log: EventLog, policy: Policy, as_of: pd.Timestamp, prepared: PreparedLog, state: ClockResult
) -> tuple[list[Found], dict[str, str]]:
    """Every occurrence of every signal up to as_of, and the reason a signal cannot show."""
    clock = ResolutionClock(prepared, policy, as_of)
    due, due_known = due_changed(log, prepared)
    found = [
        priority_lowered(prepared, policy, clock),
        paused_before_due(policy, clock),
        parked_in_waiting(prepared, policy, clock),
        reopened_soon(policy, clock),
        canceled_before_breach(policy, state),
        due,
        split_after_resolution(prepared, policy, clock),
    ]
    reasons = {}
    if not prepared.history_known.any():
        for code in CODES[:5]:
            reasons[code] = NO_HISTORY
    if not prepared.reply_known.any():
        reasons[CODES[2]] = NO_REPLY_DATA
    if not due_known:
        reasons[CODES[5]] = NO_DUE_HISTORY
    t = prepared.tickets
    if (
        not all(c in t for c in ("requester", "subject"))
        or not (t["requester"].notna() & t["subject"].notna()).any()
    ):
        reasons[CODES[6]] = NO_SUBJECT
    return found, reasons


def in_window(found: list[Found], prepared: PreparedLog, period: Period, as_of: pd.Timestamp):
    """The occurrences in the period (by their instant, up to as_of), excluded tickets left out."""
    lo, hi = to_us(pd.DatetimeIndex([period.start, min(period.end, as_of + pd.Timedelta(1, "us"))]))
    out = []
    for f in found:  # a loop over the seven signals
        keep = (f.at >= lo) & (f.at < hi) & ~prepared.excluded[f.tix]
        out.append(
            Found(f.code, f.tix[keep], f.at[keep], {k: v[keep] for k, v in f.evidence.items()})
        )
    return out


def attr(t: pd.DataFrame, col: str, tix: np.ndarray) -> np.ndarray:
    if col not in t:
        return np.full(len(tix), None, dtype=object)
    return t[col].astype("string").to_numpy(dtype=object, na_value=None)[tix]


def signal_counts(
    found: list[Found], reasons: dict[str, str], prepared: PreparedLog, limit: int
) -> list[SignalCount]:
    """Per signal: distinct tickets, their ids (at most `limit`), counts per group and assignee."""
    t = prepared.tickets
    out = []
    for f in found:
        tix = np.unique(f.tix)
        ids = sorted(str(x) for x in attr(t, "ticket_id", tix))
        by = {}
        for col in ("group", "assignee"):
            vals = pd.Series(attr(t, col, tix), dtype="string").fillna("(none)")
            by[col] = {str(k): int(v) for k, v in vals.value_counts().sort_index().items()}
        reason = reasons.get(f.code) if not len(tix) else None
        out.append(
            SignalCount(
                code=f.code,
                count=len(tix),
                tickets=ids[:limit],
                by_group=by["group"],
                by_assignee=by["assignee"],
                reason=reason,
            )
        )
    return out
