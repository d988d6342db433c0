"""Canonical frames completed: source, implied classes, created events, order, derived summaries."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from slametrics.columns import (
    categorical,
    categories_of,
    codes_in,
    concat_frames,
    fill_by_key,
    group_first,
    group_last,
    index_in,
    is_categorical,
    to_us,
)
from slametrics.eventcodes import EventCodes, priority_codes
from slametrics.importers.ordering import TicketLinks, sorted_events, ticket_codes
from slametrics.importers.statuses import IMPLIED_CLASSES
from slametrics.schema import DONE_CLASSES, STATUS_CLASSES, TICKET_COLUMNS

# `tickets.attrs` key: a boolean Series (the tickets' index) of the rows whose `updated_at`
# was derived from their events rather than given by the export
UPDATED_AT_DERIVED = "slametrics.updated_at_derived"


def finalize(
    tickets: pd.DataFrame, events: pd.DataFrame, *, source: str, fidelity: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complete canonical frames: source, event classes, a created event, order, derived summaries.

    Summary fields the source did not give (first response, resolution, reply and reopen counts,
    last status class) are derived from the events, all with grouped vectorized operations.
    """
    tickets, events, _ = finalize_with_codes(tickets, events, source=source, fidelity=fidelity)
    # the signal is for `api.read_export_tables`, which reads `finalize_with_codes` results
    # (the generic CSV importer); Arrow would try to store it as table metadata and warn
    tickets.attrs.pop(UPDATED_AT_DERIVED, None)
    return tickets, events


def finalize_with_codes(
    tickets: pd.DataFrame,
    events: pd.DataFrame,
    *,
    source: str,
    fidelity: str,
    links: TicketLinks | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, EventCodes | None]:
    """`finalize`, and the events' `EventCodes` for the log (as `clocks.code_events` would
    give them for these tables with the tickets in id order), from the codes worked out here.

    The codes are None unless every ticket has events and every event a ticket: only then is a
    ticket's code its row in the tickets ordered by id. `links` (`link_events`), when the caller
    has them, are for `tickets` with a default index.
    """
    tickets, events = _stamped(tickets, events, source=source, fidelity=fidelity)
    events, code, uniques, pos = _with_created_events(tickets, events, source, links)
    n_codes = len(uniques)
    at = events["at"].to_numpy("datetime64[us]").view(np.int64)
    # codes, not Python strings: these columns have one row per event
    ev_code = codes_in(events["event"], ("agent_reply",))
    cls_code = codes_in(events["status_class"], STATUS_CLASSES)

    replies = (ev_code == 0) & events["public"].to_numpy(dtype=bool)
    # a reply stamped before its ticket's creation is ignored (and reported by the import)
    created_us = to_us(tickets["created_at"])
    created_of_code = np.full(n_codes, np.iinfo(np.int64).min, dtype=np.int64)
    created_of_code[pos[pos >= 0]] = created_us[pos >= 0]
    replies &= at >= created_of_code[code]

    summaries = _Summaries(events, code, at, cls_code, replies, n_codes)
    # each worked out only when the tickets lack some of its values
    derived = {
        "updated_at": lambda: summaries.last_at(None),
        "first_response_at": summaries.first_reply,
        "agent_replies": lambda: np.bincount(code[replies], minlength=n_codes),
        "reopens": lambda: _reopens(code, cls_code, summaries.status_rows, n_codes),
        "status_class": lambda: summaries.final_cls,
        "status": summaries.final_value,
        "resolved_at": summaries.resolved_at,
        "closed_at": lambda: summaries.last_at(cls_code == STATUS_CLASSES.index("closed")),
    }
    # what the source can tell (DESIGN §3): a reply count only where it carries replies, a
    # reopen count only where it carries status history; otherwise they stay empty (unknown)
    carries_replies = bool((ev_code == 0).any()) or any(
        col in tickets and tickets[col].notna().any()
        for col in ("agent_replies", "first_response_at")
    )
    if not carries_replies:
        del derived["agent_replies"]
    # which tickets' `updated_at` the export lacked (filled here from their last event): the
    # log's merge treats those as "no updated_at", so that the later import wins (DESIGN §3)
    given = tickets["updated_at"].notna() if "updated_at" in tickets else None
    _fill_summaries(tickets, derived, pos)
    tickets.attrs[UPDATED_AT_DERIVED] = (
        ~given if given is not None else pd.Series(True, index=tickets.index)
    )
    codes = None
    found = pos >= 0
    if n_codes == len(tickets) and found.all() and np.bincount(pos, minlength=1).max() == 1:
        not_customer = codes_in(events["actor"], ("customer",)) != 0
        prio, prio_names = priority_codes(events)
        codes = EventCodes(
            tix=code,
            at=at,
            seq=events["seq"].to_numpy(),
            cls=cls_code.astype(np.int8),
            reply=replies & not_customer,
            prio=prio,
            prio_names=prio_names,
        )
    return tickets, events, codes


def _stamped(
    tickets: pd.DataFrame, events: pd.DataFrame, *, source: str, fidelity: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shallow copies with the source and fidelity set, and the event columns a source may
    omit filled: the class an event type implies, replies public, actors by event type."""
    tickets = tickets.copy(deep=False)  # copy-on-write: our column changes stay ours
    events = events.copy(deep=False)
    tickets["source"] = source
    if is_categorical(events["event"]):  # text held as codes: the source too (one code)
        events["source"] = categorical(np.zeros(len(events), np.int8), [source], events.index)
    else:
        events["source"] = source
    if "fidelity" not in tickets or tickets["fidelity"].isna().all():
        tickets["fidelity"] = fidelity
    for col in ("status_class", "value", "public", "actor"):
        if col not in events:
            events[col] = None
    events["status_class"] = fill_by_key(events["status_class"], events["event"], IMPLIED_CLASSES)
    # an agent or customer reply whose `public` is empty or absent is public (DESIGN §3)
    is_reply = codes_in(events["event"], ("agent_reply", "customer_reply")) >= 0
    events["public"] = (
        events["public"].astype("boolean").fillna(pd.Series(is_reply, index=events.index))
    )
    events["actor"] = fill_by_key(
        events["actor"],
        events["event"],
        {"agent_reply": "agent", "customer_reply": "customer"},
        default="system",
    )
    return tickets, events


def _with_created_events(
    tickets: pd.DataFrame, events: pd.DataFrame, source: str, links: TicketLinks | None
) -> tuple[pd.DataFrame, np.ndarray, pd.Index, np.ndarray]:
    """(events, code, uniques, pos): the events sorted, with a created event added for each
    ticket that lacks one; `code` per event and `pos` per ticket index the sorted `uniques`."""
    # which tickets lack a created event: through ticket codes, which the sort needs anyway
    if links is not None:
        code, uniques, pos = links.code, links.uniques, links.pos
    else:
        code, uniques = ticket_codes(events["ticket_id"])
        pos = index_in(tickets["ticket_id"], uniques)
    is_created = codes_in(events["event"], ("created",)) == 0
    has_created = np.zeros(len(uniques) + 1, dtype=bool)  # the extra slot: tickets without events
    has_created[code[is_created]] = True
    missing = tickets[~has_created[np.where(pos >= 0, pos, len(uniques))]]
    if len(missing):
        created = pd.DataFrame(
            {
                "source": source,
                "ticket_id": missing["ticket_id"],
                "at": missing["created_at"],
                "event": "created",
                "value": "new",
                "status_class": "new",
                "actor": "system",
                "public": False,
            }
        )
        events = concat_frames([created, events])
        events, code, uniques = sorted_events(events)
        pos = index_in(tickets["ticket_id"], uniques)
    else:
        events, code, uniques = sorted_events(events, code, uniques, ~is_created)
    return events, code, uniques, pos


class _Summaries:
    """Per-ticket summaries derived from sorted events, by ticket code; each worked out (and
    the status rows they share) only when asked for."""

    def __init__(
        self,
        events: pd.DataFrame,
        code: np.ndarray,
        at: np.ndarray,
        cls_code: np.ndarray,
        replies: np.ndarray,
        n_codes: int,
    ) -> None:
        self.events, self.code, self.at = events, code, at
        self.cls_code, self.replies, self.n_codes = cls_code, replies, n_codes

    def last_at(self, mask: np.ndarray | None) -> np.ndarray:
        """Per code, the time of its last event in `mask` (None: of all its events)."""
        code, at = self.code, self.at
        out = np.full(self.n_codes, np.datetime64("NaT"), dtype="datetime64[us]")
        if mask is None:
            pick = group_last(code)
        else:
            rows = np.flatnonzero(mask)
            pick = rows[group_last(code[rows])]
        out[code[pick]] = at[pick].view("datetime64[us]")
        return out

    def first_reply(self) -> np.ndarray:
        code, at = self.code, self.at
        reply_rows = np.flatnonzero(self.replies)
        out = np.full(self.n_codes, np.datetime64("NaT"), dtype="datetime64[us]")
        pick = reply_rows[group_first(code[reply_rows])]
        out[code[pick]] = at[pick].view("datetime64[us]")
        return out

    @functools.cached_property
    def status_rows(self) -> np.ndarray:
        return np.flatnonzero(self.cls_code >= 0)

    @functools.cached_property
    def last_status(self) -> np.ndarray:
        rows = self.status_rows
        return rows[group_last(self.code[rows])]

    @functools.cached_property
    def final_cls(self) -> np.ndarray:
        cls_names = np.array([*STATUS_CLASSES, None], dtype=object)  # code -1 -> None
        out = np.full(self.n_codes, None, dtype=object)
        out[self.code[self.last_status]] = cls_names[self.cls_code[self.last_status]]
        return out

    def final_value(self) -> np.ndarray:
        events, last_status = self.events, self.last_status
        out = np.full(self.n_codes, None, dtype=object)
        values = categories_of(events["value"])  # as codes: the column is not decoded
        if values is not None:
            names = np.array([*values[1], None], dtype=object)
            out[self.code[last_status]] = names[values[0][last_status]]
        else:
            out[self.code[last_status]] = events["value"].take(last_status).to_numpy(dtype=object)
        return out

    def resolved_at(self) -> np.ndarray:
        out = self.last_at(self.cls_code == STATUS_CLASSES.index("resolved"))
        out[~np.isin(self.final_cls, ["resolved", "closed"])] = np.datetime64("NaT")
        return out


def _fill_summaries(tickets: pd.DataFrame, derived: dict, pos: np.ndarray) -> None:
    """Fill the tickets' empty summary cells (in place) from `derived` (column -> per-code
    values); a snapshot ticket's reopen count stays what its source gave."""
    given_reopens = tickets["reopens"].notna() if "reopens" in tickets else None
    found = pos >= 0
    ticket_code = np.where(found, pos, 0)
    for col, compute in derived.items():
        if col in tickets and tickets[col].notna().all():
            continue
        values = compute()
        series = pd.Series(values[ticket_code], index=tickets.index)
        if values.dtype.kind == "M":
            series = series.dt.tz_localize("UTC")
        series = series.where(found)
        if col not in tickets:
            tickets[col] = series
        else:
            tickets[col] = tickets[col].where(tickets[col].notna(), series)
    tickets["updated_at"] = tickets[["updated_at", "created_at"]].max(axis=1)
    # synthesized events show no reopens: a snapshot ticket's count is what its source gave
    history = (tickets["fidelity"] == "history").to_numpy()
    keep = history if given_reopens is None else history | given_reopens.to_numpy()
    tickets["reopens"] = tickets["reopens"].where(keep)
    if "agent_replies" not in tickets:
        tickets["agent_replies"] = pd.Series(pd.NA, index=tickets.index, dtype="Int64")


def _reopens(code: np.ndarray, cls_code: np.ndarray, status_rows: np.ndarray, n: int) -> np.ndarray:
    """Per ticket, how often its status left resolved/closed/canceled for an active class."""
    c = code[status_rows]
    done = np.isin(cls_code[status_rows], [STATUS_CLASSES.index(x) for x in DONE_CLASSES])
    same = np.concatenate([[False], c[1:] == c[:-1]])[: len(c)]
    prev_done = np.concatenate([[False], done[:-1]])[: len(c)]
    return np.bincount(c[same & prev_done & ~done], minlength=n)


def finalize_mixed(
    tickets: pd.DataFrame, events: pd.DataFrame, *, source: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`finalize` for importers whose tickets have history or are snapshots, ticket by ticket.

    Only canonical ticket columns and no `_`-prefixed event columns are kept; a ticket with
    history that had no reply or reopen counts 0 of them, a snapshot one stays unknown.
    """
    tickets = tickets[[c for c in tickets.columns if c in TICKET_COLUMNS]]
    events = events[[c for c in events.columns if not c.startswith("_")]]
    tickets, events = finalize(
        tickets.reset_index(drop=True), events, source=source, fidelity="snapshot"
    )
    known = tickets["fidelity"] == "history"
    for col in ("agent_replies", "reopens"):
        tickets[col] = tickets[col].mask(known & tickets[col].isna(), 0)
    return tickets, events
