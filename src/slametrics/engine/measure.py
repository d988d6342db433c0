"""One clock of every ticket: its pieces of active time measured on the calendars, due and outcome."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.business_time import WorkingTime, build_working_time
from slametrics.columns import FAR, NAT, US, from_us, group_first, to_us
from slametrics.engine.timeline import Timeline
from slametrics.policy import Policy

OUTCOMES = ("met", "breached", "running", "unknown", "canceled")
MET, BREACHED, RUNNING, UNKNOWN, CANCELED_OUTCOME = range(len(OUTCOMES))
OUTCOME_NAMES = np.array(OUTCOMES, dtype=object)
# what the headline figures of a period need (the trend computes only these)
LEAN_CLOCK_COLUMNS = ("clock", "stopped_at", "outcome", "tix", "decided_at", "superseded")


@dataclass
class ClockInput:
    """Everything one clock needs, per ticket (arrays over all n tickets of the prepared log)."""

    name: str
    start: np.ndarray  # us
    stop: np.ndarray  # us, NAT while running
    by_cancel: np.ndarray  # the stop is the ticket's cancellation
    targets: np.ndarray  # seconds, -1 without a target
    has: np.ndarray  # the clock is computed for the ticket
    pause: np.ndarray  # class codes during which the clock is paused
    unknown: np.ndarray  # the source cannot tell this clock's stop: outcome unknown
    later_reopen: np.ndarray  # us of a reopen after as_of (known by the query's instant), else NAT
    calendar: np.ndarray  # calendar name per ticket ("" without a rule)
    source_due: np.ndarray  # the target is the source's own due_at


def clock_frame(
    tickets: pd.DataFrame,
    tl: Timeline,
    c: ClockInput,
    as_of_us: int,
    policy: Policy,
    priority: pd.Series,
    lean: bool,
) -> pd.DataFrame:
    """One row per ticket with the clock: start, stop, elapsed, paused, due, outcome, decided."""
    stopped = c.stop != NAT
    bound = np.where(stopped, c.stop, as_of_us)
    targets, elapsed, span, due, breach = _measure_calendars(tickets, tl, c, policy, bound, stopped)
    over = elapsed > targets * US
    code = np.where(
        stopped,
        np.where(over, BREACHED, np.where(c.by_cancel, CANCELED_OUTCOME, MET)),
        np.where(over, BREACHED, RUNNING),
    )
    code[c.unknown] = UNKNOWN
    decided = np.where(code == MET, c.stop, np.where(code == BREACHED, breach, NAT))
    superseded = (code == MET) & (c.later_reopen != NAT) & (c.later_reopen > c.stop)
    rows = np.flatnonzero(c.has)
    outcome = OUTCOME_NAMES[code[rows]]  # objects: numpy's fixed-width text converts slowly
    frame = {
        "clock": c.name,
        "stopped_at": from_us(np.where(c.unknown, NAT, c.stop)[rows]),
        "outcome": outcome,
        "tix": rows,
        "decided_at": from_us(decided[rows]),
        "superseded": superseded[rows],
    }
    if lean:
        return pd.DataFrame(frame)
    known = ~c.unknown[rows]
    return pd.DataFrame(
        {
            "source": tickets["source"].array.take(rows),
            "ticket_id": tickets["ticket_id"].array.take(rows),
            "clock": c.name,
            "priority": priority.array.take(rows),
            "kind": tickets["kind"].array.take(rows),
            "calendar": c.calendar[rows],
            "target_s": targets[rows].astype(float),
            "started_at": from_us(c.start[rows]),
            "stopped_at": frame["stopped_at"],
            "elapsed_s": np.where(known, elapsed[rows] / US, np.nan),
            "paused_s": np.where(known, (span[rows] - elapsed[rows]) / US, np.nan),
            "due_at": from_us(np.where(c.unknown, NAT, due)[rows]),
            "outcome": outcome,
            "decided_at": frame["decided_at"],
            "tix": rows,
            "superseded": frame["superseded"],
        }
    )


def _measure_calendars(
    tickets: pd.DataFrame,
    tl: Timeline,
    c: ClockInput,
    policy: Policy,
    bound: np.ndarray,
    stopped: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per ticket, on its calendar: the target (s; the source's own due time turned into working
    time where the rule says so), the working time elapsed and spanned (us) by `bound`, the due
    instant and the breach instant (us, NAT when none)."""
    n = len(c.start)
    targets = c.targets.copy()
    due_at_us = to_us(tickets["due_at"]) if c.source_due.any() else None
    seg_tix, seg_s, seg_e, is_tail = _pieces(tl, c, bound, stopped)
    elapsed = np.zeros(n, dtype=np.int64)
    span = np.zeros(n, dtype=np.int64)
    due = np.full(n, NAT, dtype=np.int64)
    breach = np.full(n, NAT, dtype=np.int64)
    for name, cal in policy.calendars.items():  # a few calendars, each vectorized
        in_cal = c.has & (c.calendar == name)
        if not in_cal.any():
            continue
        if due_at_us is not None:
            # the working time from creation to the recorded due_at becomes the target
            known = in_cal & c.source_due & (due_at_us != NAT)
            targets[known] = np.maximum((due_at_us[known] - c.start[known]) // US, 0)
        wt = build_working_time(
            cal,
            policy.timezone,
            int(c.start[in_cal].min()),
            int(bound[in_cal].max()),
            int(targets[in_cal].max()) * US,
        )
        from_source = in_cal & c.source_due & (targets >= 0)
        if from_source.any():
            targets[from_source] = wt.between(c.start[from_source], due_at_us[from_source]) // US
        sel = in_cal[seg_tix]
        measure(
            wt, seg_tix[sel], seg_s[sel], seg_e[sel], is_tail[sel], targets * US, elapsed, due,
            breach,
        )  # fmt: skip
        span[in_cal] = wt.between(c.start[in_cal], bound[in_cal])
    return targets, elapsed, span, due, breach


def _pieces(
    tl: Timeline, c: ClockInput, bound: np.ndarray, stopped: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Active pieces of the clock (sorted by ticket and time) plus one open tail per ticket.

    A stopped clock continues hypothetically after its stop (for the due_at of met clocks); a
    running one continues only if it is not paused at as_of.
    """
    n = len(c.start)
    active = ~np.isin(tl.cls, c.pause)
    keep = active & c.has[tl.tix]
    seg_tix = tl.tix[keep]
    seg_s = np.maximum(tl.at[keep], c.start[seg_tix])
    seg_e = np.minimum(tl.next_at[keep], bound[seg_tix])
    real = seg_e > seg_s
    seg_tix, seg_s, seg_e = seg_tix[real], seg_s[real], seg_e[real]
    last = np.flatnonzero(tl.last)
    active_at_end = np.zeros(n, dtype=bool)
    active_at_end[tl.tix[last]] = active[last]
    tail_tix = np.flatnonzero(c.has & (stopped | active_at_end))
    # pieces end before their clock's bound and a tail starts at it, so each tail goes right
    # after its ticket's last piece: a merge, not a sort
    tail_pos = np.searchsorted(seg_tix, tail_tix, side="right") + np.arange(len(tail_tix))
    is_tail = np.zeros(len(seg_tix) + len(tail_tix), dtype=bool)
    is_tail[tail_pos] = True
    seg_tix = _place(seg_tix, tail_tix, is_tail)
    seg_s = _place(seg_s, bound[tail_tix], is_tail)
    seg_e = _place(seg_e, np.full(len(tail_tix), FAR, dtype=np.int64), is_tail)
    return seg_tix, seg_s, seg_e, is_tail


def _place(pieces: np.ndarray, tails: np.ndarray, is_tail: np.ndarray) -> np.ndarray:
    out = np.empty(len(is_tail), dtype=pieces.dtype)
    out[~is_tail] = pieces
    out[is_tail] = tails
    return out


def measure(
    wt: WorkingTime,
    tix: np.ndarray,
    s: np.ndarray,
    e: np.ndarray,
    tail: np.ndarray,
    target_us: np.ndarray,
    elapsed: np.ndarray,
    due: np.ndarray,
    breach: np.ndarray,
) -> None:
    """Fill elapsed working time (excluding tails), the instant each target is reached (`due`)
    and the instant it is exceeded (`breach`: the clock is breached from then on).

    The two differ when the target is reached at the end of a working window: due at Friday
    17:00, breached when work resumes on Monday (a stop over the weekend is still met).
    Pieces come sorted by ticket and time; running sums restart at each ticket's first piece.
    """
    if not len(tix):
        return
    ms = wt.measure(s)
    length = np.maximum(wt.measure(e) - ms, 0)
    np.add.at(elapsed, tix[~tail], length[~tail])
    firsts = group_first(tix)
    total = np.cumsum(length)
    sizes = np.diff(np.append(firsts, len(tix)))
    cum_after = total - np.repeat(total[firsts] - length[firsts], sizes)
    cum_before = cum_after - length
    tgt = target_us[tix]
    crossing = np.flatnonzero((cum_before < tgt) & (cum_after >= tgt))
    first = crossing[group_first(tix[crossing])]
    due[tix[first]] = wt.instant_at(ms[first] + (tgt[first] - cum_before[first]))
    zero = tgt[firsts] == 0  # a zero target is due when the clock first runs
    due[tix[firsts[zero]]] = s[firsts[zero]]
    over = np.flatnonzero((cum_before <= tgt) & (cum_after > tgt))
    first_over = over[group_first(tix[over])]
    # the last instant whose measure is still the target: the start of the next working time
    exceeded = ms[first_over] + (tgt[first_over] - cum_before[first_over]) + 1
    breach[tix[first_over]] = wt.instant_at(exceeded) - 1
