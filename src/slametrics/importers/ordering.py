"""Ticket codes, event order and event-to-ticket links, worked out on integer codes, not strings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import ascending, codes_in, index_in


def ticket_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Index | np.ndarray]:
    """Codes of ticket ids in sorted order (as `pd.factorize(sort=True)`).

    Exports usually list events ticket by ticket in id order: then a neighbour comparison in
    Arrow gives the codes, with no hashing and no sort. The ids are in order when the first id
    of each run of equal ones rises strictly, which is checked on those alone.
    """
    arr = getattr(ids.array, "_pa_array", None)
    if arr is not None and len(ids) > 1 and arr.null_count == 0:
        arr = pc.cast(arr, pa.large_string())
        new = np.ones(len(arr), dtype=bool)
        new[1:] = pc.not_equal(arr.slice(0, len(arr) - 1), arr.slice(1)).to_numpy(
            zero_copy_only=False
        )
        uniques = arr.take(pa.array(np.flatnonzero(new)))
        n = len(uniques)
        if n < 2 or pc.all(pc.less(uniques.slice(0, n - 1), uniques.slice(1))).as_py():
            code = np.cumsum(new, dtype=np.int64)
            code -= 1
            return code, pd.Index(pd.arrays.ArrowStringArray(uniques), dtype="string")
    return pd.factorize(ids, sort=True)


def sorted_events(
    events: pd.DataFrame,
    code: np.ndarray | None = None,
    uniques: pd.Index | None = None,
    not_created: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray, pd.Index]:
    """Events ordered by ticket, time, created-first and source order, with `seq` set.

    Sorting integer codes with numpy instead of strings with pandas: this runs on every event.
    `code`/`uniques` (`ticket_codes`) and `not_created` are computed unless given.
    """
    if code is None:
        code, uniques = ticket_codes(events["ticket_id"])
    at = events["at"].to_numpy("datetime64[us]").view(np.int64)
    if not_created is None:
        not_created = codes_in(events["event"], ("created",)) != 0
    not_created = not_created.astype(np.int8)
    if not ascending(code, at, not_created):  # exports usually come sorted: check, then sort
        order = np.lexsort((np.arange(len(events)), not_created, at, code))
        events = events.take(order).reset_index(drop=True)
        code, at = code[order], at[order]
    else:
        events = events.reset_index(drop=True)
    # seq: the position within a run of equal ticket and time; only rows inside runs (ties,
    # few) need it worked out, the rest are 0
    tied = np.flatnonzero((code[1:] == code[:-1]) & (at[1:] == at[:-1])) + 1
    seq = np.zeros(len(code), dtype=np.int64)
    if len(tied):
        first = np.diff(tied, prepend=-2) != 1  # the first tie of each run
        run_start = tied[first] - 1  # the row the run starts at (seq 0)
        seq[tied] = tied - run_start[np.cumsum(first) - 1]
    events["seq"] = seq
    return events, code, pd.Index(uniques)


@dataclass
class TicketLinks:
    """How events refer to tickets, by codes of the events' distinct ticket ids (sorted)."""

    code: np.ndarray  # per event, the code of its ticket id
    uniques: pd.Index  # the distinct ticket ids of the events, sorted
    pos: np.ndarray  # per ticket row, the code of its id (-1: the ticket has no events)
    known: np.ndarray  # per code, whether a ticket has that id

    def without(self, rows: np.ndarray) -> TicketLinks:
        """The links with the events at `rows` (a boolean mask) dropped."""
        return TicketLinks(self.code[~rows], self.uniques, self.pos, self.known)


def link_events(events: pd.DataFrame, tickets: pd.DataFrame) -> TicketLinks:
    """`TicketLinks` of events to tickets whose ids are unique: one hash lookup of the distinct
    ids, where checking every event's id would hash ten million strings."""
    code, uniques = ticket_codes(events["ticket_id"])
    if _same_ids(uniques, tickets["ticket_id"]):  # the tickets in id order, each with events
        row = np.arange(len(uniques))
    else:
        row = index_in(pd.Series(uniques), tickets["ticket_id"])  # per code, the ticket's row
    known = row >= 0
    pos = np.full(len(tickets), -1, dtype=np.int64)
    pos[row[known]] = np.flatnonzero(known)
    return TicketLinks(code, pd.Index(uniques), pos, known)


def _same_ids(uniques: pd.Index, ids: pd.Series) -> bool:
    """Whether `ids` are `uniques`, in the same order (a comparison, no hashing)."""
    a = getattr(pd.Series(uniques).array, "_pa_array", None)
    b = getattr(ids.array, "_pa_array", None)
    if a is None or b is None or len(a) != len(b) or a.null_count or b.null_count:
        return False
    equal = pc.equal(pc.cast(a, pa.large_string()), pc.cast(b, pa.large_string()))
    return bool(pc.all(equal).as_py()) if len(a) else True
