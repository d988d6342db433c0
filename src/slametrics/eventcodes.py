"""The events of a log as numbers (ticket row, time, status class, public reply): what clocks read."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import NAT, codes_in, run_lengths, run_starts, to_us
from slametrics.schema import DONE_CLASSES, STATUS_CLASSES

TICKET_KEY_COLUMNS = ("source", "ticket_id")
# stored codes of an older version are not read (the events are decoded instead): version 2
# reads an empty `public` as public and codes priority events
CODES_VERSION = 2
CLASS_CODE = {c: np.int8(i) for i, c in enumerate(STATUS_CLASSES)}
DONE_CODES = np.array([CLASS_CODE[c] for c in DONE_CLASSES], dtype=np.int8)
CLASS_NAMES = np.array(STATUS_CLASSES, dtype=object)


def _arrow_strings(s: pd.Series | pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    if isinstance(s, pa.ChunkedArray | pa.Array):
        return pc.cast(s, pa.large_string())
    native = getattr(s.array, "_pa_array", None)
    arr = native if native is not None else pa.array(s.astype(object), from_pandas=True)
    return pc.cast(arr, pa.large_string())


def ticket_index(tickets: pd.DataFrame | pa.Table, events: pd.DataFrame | pa.Table) -> np.ndarray:
    """Row of each event's ticket in `tickets` (-1 when unknown), by source and ticket id."""
    sources = pc.unique(_arrow_strings(tickets["source"]))
    ev_sources = pc.unique(_arrow_strings(events["source"]))
    if len(sources) == 1 and ev_sources.equals(sources):
        # one source (the usual log): ticket ids alone are the key, no joined strings needed
        idx = pc.index_in(
            _arrow_strings(events["ticket_id"]), value_set=_arrow_strings(tickets["ticket_id"])
        )
        return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    sep = pa.scalar("\x1f", pa.large_string())
    tkey = pc.binary_join_element_wise(
        _arrow_strings(tickets["source"]), _arrow_strings(tickets["ticket_id"]), sep
    )
    ekey = pc.binary_join_element_wise(
        _arrow_strings(events["source"]), _arrow_strings(events["ticket_id"]), sep
    )
    idx = pc.index_in(ekey, value_set=tkey)
    return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _us(values: pd.Series | pa.ChunkedArray) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        us = pc.cast(pc.cast(values, pa.timestamp("us", tz="UTC")), pa.int64())
        return pc.fill_null(us, NAT).to_numpy(zero_copy_only=False)
    return to_us(values)


def _flags(values: pd.Series | pa.ChunkedArray, default: bool) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return pc.fill_null(values, default).to_numpy(zero_copy_only=False).astype(bool)
    return values.astype("boolean").fillna(default).to_numpy(dtype=bool)


def priority_codes(events: pd.DataFrame | pa.Table) -> tuple[np.ndarray, list[str]]:
    """Per event, a code into the returned priority names for `priority` events, else -1."""
    is_priority = codes_in(events["event"], ("priority",)) == 0
    codes = np.full(len(events), -1, dtype=np.int32)
    rows = np.flatnonzero(is_priority)
    if not len(rows) or "value" not in getattr(events, "column_names", events.columns):
        return codes, []
    values = events["value"]
    if isinstance(values, pa.ChunkedArray | pa.Array):
        picked = pc.cast(values.take(pa.array(rows)), pa.large_string()).to_pandas()
    else:
        picked = values.take(rows).astype("string")
    found, names = pd.factorize(picked)
    codes[rows] = found
    return codes, [str(n) for n in names]


@dataclass
class EventCodes:
    """Every event of known tickets as numbers: what the clocks read, without any strings.

    Derived from the canonical tables (`code_events`); the event log stores it beside each
    snapshot so that queries need not decode the events table at all.
    """

    tix: np.ndarray  # row of the ticket in the tickets table
    at: np.ndarray  # us
    seq: np.ndarray
    cls: np.ndarray  # int8 code into STATUS_CLASSES, -1 when the event sets no status
    reply: np.ndarray  # a public agent reply (an empty `public` is public)
    prio: np.ndarray | None = None  # int32 code into `prio_names` for priority events, else -1
    prio_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.prio is None:
            self.prio = np.full(len(self.tix), -1, dtype=np.int32)

    def take(self, rows: np.ndarray) -> EventCodes:
        return EventCodes(
            self.tix[rows],
            self.at[rows],
            self.seq[rows],
            self.cls[rows],
            self.reply[rows],
            self.prio[rows],
            self.prio_names,
        )


def _run_index(tickets: pa.Table, events: pa.Table) -> np.ndarray | None:
    """Ticket rows of events when both tables run in the same key order and every ticket has
    events (as in a stored snapshot): counting runs, no hashing. None when they do not."""
    keys = [(_arrow_strings(tickets[c]), _arrow_strings(events[c])) for c in TICKET_KEY_COLUMNS]
    starts = run_starts(*(ev for _, ev in keys))
    if len(starts) != len(tickets):
        return None
    for tk, ev in keys:
        if not pc.all(pc.equal(tk, ev.take(pa.array(starts)))).as_py():
            return None
    return np.repeat(np.arange(len(starts)), run_lengths(starts, len(events)))


def code_events(tickets: pd.DataFrame | pa.Table, events: pd.DataFrame | pa.Table) -> EventCodes:
    """The events of `tickets` (pandas frames or Arrow tables) as `EventCodes`, in their order."""
    if not len(events):
        empty = np.zeros(0, dtype=np.int64)
        return EventCodes(empty, empty, empty, empty.astype(np.int8), empty.astype(bool))
    tix = None
    if isinstance(tickets, pa.Table) and isinstance(events, pa.Table):
        tix = _run_index(tickets, events)
    if tix is None:
        tix = ticket_index(tickets, events)
    known = np.flatnonzero(tix >= 0)
    # comparisons in Arrow: converting 10M strings to Python objects would cost gigabytes
    reply = (
        (codes_in(events["event"], ("agent_reply",)) == 0)
        & _flags(events["public"], default=True)
        & (codes_in(events["actor"], ("customer",)) != 0)
    )
    prio, prio_names = priority_codes(events)
    seq = events["seq"].to_numpy() if isinstance(events, pa.Table) else events["seq"].to_numpy()
    return EventCodes(
        tix=tix[known],
        at=_us(events["at"])[known],
        seq=np.asarray(seq)[known].astype(np.int64),
        cls=codes_in(events["status_class"], STATUS_CLASSES)[known].astype(np.int8),
        reply=reply[known],
        prio=prio[known],
        prio_names=prio_names,
    )
