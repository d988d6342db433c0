"""The status timeline cut at as_of, and each ticket's state read from it (DESIGN §6)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slametrics.columns import FAR, NAT, group_first, group_last
from slametrics.eventcodes import CLASS_CODE
from slametrics.schema import STATUS_CLASSES

# a resolution is an entry into resolved or closed; canceled is neither resolved nor a reopen
RESOLVED_CODES = np.array([CLASS_CODE["resolved"], CLASS_CODE["closed"]], dtype=np.int8)
CANCELED = CLASS_CODE["canceled"]
WAITING_CUSTOMER = CLASS_CODE["waiting_customer"]
CLASS_COUNT = len(STATUS_CLASSES)


@dataclass
class Timeline:
    """Status rows (sorted by ticket and time) up to as_of, with what each row means.

    `resolved`, `entry` and `reopen` are about the stop classes, by default resolved and closed.
    """

    tix: np.ndarray
    at: np.ndarray
    cls: np.ndarray
    next_at: np.ndarray  # when the ticket's next status row starts (FAR after its last)
    resolved: np.ndarray  # the row's class is resolved or closed
    entry: np.ndarray  # an entry into resolved/closed from any other class
    reopen: np.ndarray  # leaving resolved/closed for an active class (not canceled)
    run_start: np.ndarray  # first row of the run of equal classes this row belongs to
    last: np.ndarray  # the ticket's last row
    same_prev: np.ndarray  # the row before is the same ticket's

    def with_stops(self, stop_codes: np.ndarray) -> Timeline:
        """The timeline with `resolved`/`entry`/`reopen` for another set of stop classes."""
        resolved, entry, reopen = stop_flags(self.tix, self.cls, self.same_prev, stop_codes)
        return Timeline(
            self.tix, self.at, self.cls, self.next_at, resolved, entry, reopen, self.run_start,
            self.last, self.same_prev,
        )  # fmt: skip


def stop_flags(
    tix: np.ndarray, cls: np.ndarray, same_prev: np.ndarray, stop_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(in a stop class, an entry into one, a reopen out of one) per status row.

    Canceled right after a stop keeps the stop: closed -> canceled -> closed is one stop (not
    a second entry that would move the verdict to a later period), and resolved -> canceled ->
    open is a reopen. A move from a stop class to canceled is not a reopen.
    """
    n = len(tix)
    stopped = np.isin(cls, stop_codes)
    canceled = cls == CANCELED
    # each ticket's rows start with its creation row (never canceled), so the last row that is
    # not canceled, at or before a row, is of the same ticket
    last_not_canceled = np.maximum.accumulate(np.where(canceled, 0, np.arange(n))) if n else tix
    held = stopped | (canceled & stopped[last_not_canceled])
    prev_held = np.zeros(n, dtype=bool)
    prev_held[1:] = held[:-1]
    prev_held &= same_prev
    return stopped, held & ~prev_held, prev_held & ~held & ~canceled


def cut_timeline(
    st_tix: np.ndarray, st_at: np.ndarray, st_cls: np.ndarray, until_us: int, keep: np.ndarray
) -> Timeline:
    """The rows at or before `until_us` of the tickets in `keep` (a mask over tickets)."""
    rows = (st_at <= until_us) & keep[st_tix]
    tix, at, cls = st_tix[rows], st_at[rows], st_cls[rows]
    n = len(tix)
    same_prev = np.zeros(n, dtype=bool)
    same_prev[1:] = tix[1:] == tix[:-1]
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = same_prev[1:]
    resolved, entry, reopen = stop_flags(tix, cls, same_prev, RESOLVED_CODES)
    next_at = np.full(n, FAR, dtype=np.int64)
    next_at[:-1] = np.where(same_next[:-1], at[1:], FAR)
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = ~same_prev[1:] | (cls[1:] != cls[:-1])
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(n), 0)) if n else new_run
    return Timeline(
        tix=tix,
        at=at,
        cls=cls,
        next_at=next_at,
        resolved=resolved,
        entry=entry,
        reopen=reopen,
        same_prev=same_prev,
        run_start=run_start.astype(np.int64),
        last=~same_next,
    )


@dataclass
class TicketState:
    """Per ticket (all n tickets; NAT where nothing applies) at the timeline's cut."""

    first_entry: np.ndarray  # first entry into resolved/closed
    last_entry: np.ndarray
    last_reopen: np.ndarray
    final_cls: np.ndarray  # class at the cut ('new' before any row)
    final_since: np.ndarray  # start of the current uninterrupted run of that class
    reopen_count: np.ndarray

    @property
    def resolved_now(self) -> np.ndarray:
        """Resolved (or closed) and not reopened since: the last resolution stands."""
        return (self.last_entry != NAT) & (self.last_entry > self.last_reopen)

    @property
    def canceled(self) -> np.ndarray:
        return self.final_cls == CANCELED


def ticket_state(tl: Timeline, created: np.ndarray) -> TicketState:
    """Resolution entries, reopens and the current status run of each ticket."""
    n = len(created)
    first_entry, last_entry = _first_last(tl.tix, tl.at, tl.entry, n)
    _, last_reopen = _first_last(tl.tix, tl.at, tl.reopen, n)
    last_rows = np.flatnonzero(tl.last)
    final_cls = np.full(n, CLASS_CODE["new"], dtype=np.int8)
    final_cls[tl.tix[last_rows]] = tl.cls[last_rows]
    final_since = created.copy()
    final_since[tl.tix[last_rows]] = tl.at[tl.run_start[last_rows]]
    return TicketState(
        first_entry=first_entry,
        last_entry=last_entry,
        last_reopen=last_reopen,
        final_cls=final_cls,
        final_since=final_since,
        reopen_count=np.bincount(tl.tix[tl.reopen], minlength=n),
    )


def _first_last(
    tix: np.ndarray, at: np.ndarray, mask: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per ticket, the first and last `at` of the rows in `mask` (rows sorted by ticket, time)."""
    first = np.full(n, NAT, dtype=np.int64)
    last = np.full(n, NAT, dtype=np.int64)
    rows = np.flatnonzero(mask)
    keys = tix[rows]
    first[keys[group_first(keys)]] = at[rows][group_first(keys)]
    last[keys[group_last(keys)]] = at[rows][group_last(keys)]
    return first, last


def first_in_window(
    tix: np.ndarray, at: np.ndarray, mask: np.ndarray, start_us: int, end_us: int, n: int
) -> np.ndarray:
    """Per ticket, the first `at` of the rows in `mask` inside [start_us, end_us), else NAT."""
    first, _ = _first_last(tix, at, mask & (at >= start_us) & (at < end_us), n)
    return first


def earliest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise earliest instant, where NAT means "never" rather than "earliest"."""
    return np.where(a == NAT, b, np.where(b == NAT, a, np.minimum(a, b)))
