"""Merging an import into the log: tickets upserted (the newest knowledge wins), events stored once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import ascending, isin
from slametrics.eventcodes import EventCodes
from slametrics.eventlog.snapshots import is_event_log, locked, read_log, to_pandas, write_snapshot
from slametrics.schema import (
    EVENT_KEY,
    TICKET_KEY,
    plain_text,
    validate_events,
    validate_tickets,
)


@dataclass
class MergeStats:
    tickets_new: int
    tickets_updated: int
    events_new: int
    events_duplicate: int


def _ticket_keys(df: pd.DataFrame) -> pd.Series:
    return df["source"].astype("string") + "\x1f" + df["ticket_id"].astype("string")


def is_ordered(events: pd.DataFrame | pa.Table) -> bool:
    """Whether events already run by source, ticket, time and seq (an importer's usual output)."""
    keys = []
    for col in ("source", "ticket_id"):
        arr = (
            events[col]
            if isinstance(events, pa.Table)
            else getattr(events[col].array, "_pa_array", None)
        )
        if arr is None:
            return False
        if _single_value(arr):
            continue  # orders nothing (the source of a single import)
        keys.append(pc.cast(arr, pa.large_string()))
    if isinstance(events, pa.Table):
        at = pc.cast(events["at"], pa.int64()).to_numpy()
    else:
        at = events["at"].to_numpy("datetime64[us]").view(np.int64)
    return ascending(*keys, at, np.asarray(events["seq"].to_numpy()), strict=True)


def _single_value(arr: pa.ChunkedArray) -> bool:
    """Whether a dictionary column holds one value and no nulls (checked on its dictionary)."""
    if not pa.types.is_dictionary(arr.type) or arr.null_count or not arr.num_chunks:
        return False
    return len(pc.unique(arr.unify_dictionaries().chunk(0).dictionary)) <= 1


def _order_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events by source, ticket, time and seq: integer codes sorted with numpy, not strings."""
    if is_ordered(events):
        return events.reset_index(drop=True)
    src, _ = pd.factorize(events["source"], sort=True)
    tid, _ = pd.factorize(events["ticket_id"], sort=True)
    at = events["at"].to_numpy("datetime64[us]").view(np.int64)
    order = np.lexsort((events["seq"].to_numpy(), at, tid, src))
    if (order == np.arange(len(order))).all():
        return events.reset_index(drop=True)
    return events.take(order).reset_index(drop=True)


def _sorted_table(table: pa.Table, keys: list[str], ordered: bool) -> pa.Table:
    """`table` in `keys` order (Arrow's sort is stable), untouched when already `ordered`."""
    if ordered:
        return table
    return table.take(pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys]))


def merge_into_log(
    path: str | Path,
    tickets: pd.DataFrame | pa.Table,
    events: pd.DataFrame | pa.Table,
    *,
    codes: EventCodes | None = None,
) -> MergeStats:
    """Validate and merge frames into the log: tickets upserted, each source event stored once.

    Only the events of tickets already in the log can duplicate stored ones (within one import,
    `seq` tells equal-looking events apart), so deduplication looks at those alone. Arrow tables
    are taken as validated already (`read_export_tables`); a new log is written from them as is,
    with their `codes` (`ExportTables.codes`) when given and the events need no reordering.
    """
    p = Path(path)
    with locked(p):
        if not is_event_log(p):
            if isinstance(tickets, pa.Table) and isinstance(events, pa.Table):
                all_t = _sorted_table(
                    tickets,
                    TICKET_KEY,
                    ascending(*(pc.cast(tickets[c], pa.large_string()) for c in TICKET_KEY)),
                )

                def ordered_events() -> tuple[pa.Table, EventCodes | None]:
                    # one source's codes order its events as their ticket ids do: numbers
                    # are compared instead of strings
                    ordered = (
                        ascending(codes.tix, codes.at, codes.seq, strict=True)
                        if codes is not None
                        else is_ordered(events)
                    )
                    all_e = _sorted_table(events, ["source", "ticket_id", "at", "seq"], ordered)
                    return all_e, codes if ordered else None

                write_snapshot(p, all_t, ordered_events)
                return MergeStats(tickets.num_rows, 0, events.num_rows, 0)
            all_t = tickets.sort_values(TICKET_KEY, kind="stable")
            all_e = _order_events(events)
            write_snapshot(p, validate_tickets(all_t), validate_events(all_e))
            return MergeStats(len(tickets), 0, len(events), 0)
        if isinstance(tickets, pa.Table):
            tickets = to_pandas(tickets)
        if isinstance(events, pa.Table):
            events = to_pandas(plain_text(events))
        old = read_log(p)
        old_keys = _ticket_keys(old.tickets)
        new_keys = _ticket_keys(tickets)
        overlap = isin(new_keys, old_keys)
        updated = int(overlap.sum())
        all_t = pd.concat([old.tickets.assign(_new=0), tickets.assign(_new=1)], ignore_index=True)
        # the newest knowledge wins: later updated_at, and on a tie the later import
        all_t = all_t.sort_values(["updated_at", "_new"], na_position="first", kind="stable")
        all_t = all_t.drop_duplicates(TICKET_KEY, keep="last").drop(columns="_new")
        all_t = all_t.sort_values(TICKET_KEY, kind="stable")
        shared = new_keys[overlap]
        old_shared = isin(_ticket_keys(old.events), shared)
        new_shared = isin(_ticket_keys(events), shared)
        both = pd.concat([old.events[old_shared], events[new_shared]], ignore_index=True)
        kept = both[~both.duplicated(EVENT_KEY, keep="first")]
        dup = len(both) - len(kept)
        all_e = pd.concat([old.events[~old_shared], kept, events[~new_shared]], ignore_index=True)
        write_snapshot(p, validate_tickets(all_t), validate_events(_order_events(all_e)))
    return MergeStats(len(tickets) - updated, updated, len(events) - dup, dup)
