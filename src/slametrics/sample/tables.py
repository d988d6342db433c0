"""The sample's Arrow tables in the canonical schema, from the generator's code arrays."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.sample.lifecycle import Events
from slametrics.sample.population import Population
from slametrics.sample.summary import Summary
from slametrics.sample.tickets import Tickets
from slametrics.sample.vocabulary import (
    CATEGORY_NAMES,
    CHANNELS,
    EVENTS,
    GROUPS,
    IS_STATUS_EVENT,
    KIND_OF_TYPE,
    PRIORITIES,
    STATUSES,
    TYPES,
)
from slametrics.schema import ACTORS, EVENTS_SCHEMA, TICKETS_SCHEMA

SOURCE = "sample"


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """UTC epoch seconds as a timestamp[us, UTC] array, null where not `valid`."""
    us = pa.array(np.asarray(seconds, dtype=np.int64) * 1_000_000, type=pa.int64())
    arr = us.view(pa.timestamp("us", tz="UTC"))
    if valid is not None:
        arr = pc.if_else(pa.array(valid), arr, pa.scalar(None, arr.type))
    return arr


def take(vocab: list[str] | tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Strings vocab[codes], null where codes < 0."""
    codes = np.asarray(codes, dtype=np.int64)
    idx = pa.array(codes, mask=codes < 0)
    return pc.take(pa.array(list(vocab), type=pa.string()), idx)


def constant(value: str, n: int) -> pa.Array:
    return pc.take(pa.array([value], type=pa.string()), pa.array(np.zeros(n, dtype=np.int64)))


def ticket_ids(n: int) -> pa.Array:
    """T-000001, T-000002, ... (wider once `n` needs more digits)."""
    width = max(6, len(str(n)))
    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise("T-", pc.utf8_lpad(numbers, width, "0"), "")


def tickets_table(
    ids: pa.Array, t: Tickets, pop: Population, s: Summary, csat: np.ndarray, has_csat: np.ndarray
) -> pa.Table:
    """The tickets table; columns the CSV form does not carry are null."""
    n = len(t.created)
    status_names = pc.take(pa.array(list(STATUSES)), pa.array(s.status))
    cols = {
        "source": constant(SOURCE, n),
        "ticket_id": ids,
        "created_at": timestamps(t.created),
        "updated_at": timestamps(s.updated),
        "subject": take(t.subjects, t.subject),
        "type": take(TYPES, t.typ),
        "kind": take([KIND_OF_TYPE[x] for x in TYPES], t.typ),
        "priority": take(PRIORITIES, t.prio),
        "channel": take(CHANNELS, t.channel),
        "organization": take([name for name, _ in pop.orgs], t.org),
        "requester": pc.take(pop.requesters, pa.array(t.requester)),
        "assignee": take(pop.agents, np.where(s.has_assignee, s.assignee, -1)),
        "group": take(GROUPS, t.group),
        "category": take(CATEGORY_NAMES, t.cat),
        "service": take([svc for _, svc in pop.services], t.service),
        "status": status_names,
        "status_class": status_names,
        "first_response_at": timestamps(s.first_response, s.has_fr),
        "resolved_at": timestamps(s.resolved_at, s.has_res & s.done),
        "closed_at": timestamps(s.closed_at, s.has_closed),
        "agent_replies": pa.array(s.agent_replies.astype(np.int64)),
        "reopens": pa.array(s.reopens.astype(np.int64)),
        "csat": pa.array(csat.astype(np.float64), mask=~has_csat),
        "fidelity": constant("history", n),
    }
    return pa.table(
        [cols[f.name] if f.name in cols else pa.nulls(n, type=f.type) for f in TICKETS_SCHEMA],
        schema=TICKETS_SCHEMA,
    )


def events_table(ids: pa.Array, e: Events, agents: list[str]) -> pa.Table:
    """The events table; an event's value is a status or, on assignments, an agent."""
    m = len(e.rows)
    status_class = np.where(IS_STATUS_EVENT[e.ev], e.val, -1)
    cols = {
        "source": constant(SOURCE, m),
        "ticket_id": pc.take(ids, pa.array(e.rows)),
        "at": timestamps(e.at),
        "event": take(EVENTS, e.ev),
        "value": take(list(STATUSES) + agents, e.val),
        "status_class": take(STATUSES, status_class),
        "actor": take(ACTORS, e.actor),
        "public": pa.array(e.public == 1, mask=e.public < 0),
        "seq": pa.array(e.seq),
    }
    return pa.table([cols[f.name] for f in EVENTS_SCHEMA], schema=EVENTS_SCHEMA)
