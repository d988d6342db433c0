"""The sample generator's steps in order: period, population, tickets, lifecycles, tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.sample.axes import build_period
from slametrics.sample.lifecycle import draw_fates, place_events, plan_slots
from slametrics.sample.population import build_population
from slametrics.sample.summary import csat_scores, summarize
from slametrics.sample.tables import events_table, ticket_ids, tickets_table
from slametrics.sample.tickets import draw_tickets


def generate_tables(
    tickets: int,
    seed: int = 0,
    start: str = "2026-09-28",
    weeks: int = 8,
    tz: str = "Europe/Moscow",
    country: str | None = "RU",
) -> tuple[pa.Table, pa.Table]:
    """(tickets, events) as Arrow tables in the canonical schema; see `generate_sample`."""
    n = int(tickets)
    if n < 1:
        raise ValueError("tickets must be at least 1")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    # One stream for every draw: the steps below must keep their order (and each its draws'
    # order) for a seed to keep giving the same log.
    rng = np.random.default_rng(seed)
    period = build_period(start, weeks, tz, country)
    pop = build_population(rng, n, weeks)
    t = draw_tickets(rng, n, period, pop)
    fates = draw_fates(rng, t, period)
    slots = plan_slots(rng, t, fates)
    csat_answer = rng.random(n) < 0.3
    csat_u = rng.random(n)
    events = place_events(slots, t.created, period)
    del slots
    s = summarize(events, n)
    unhappy = (s.reopens > 0) | fates.forgotten | (fates.exchanges >= 4)
    csat = csat_scores(unhappy, csat_u)
    ids = ticket_ids(n)
    return (
        tickets_table(ids, t, pop, s, csat, csat_answer & s.done),
        events_table(ids, events, pop.agents),
    )


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


def generate_sample(
    tickets: int,
    seed: int = 0,
    start: str = "2026-09-28",
    weeks: int = 8,
    tz: str = "Europe/Moscow",
    country: str | None = "RU",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tickets_df, events_df) with exactly the columns of schema.TICKET_COLUMNS / EVENT_COLUMNS.

    Deterministic for given arguments. Creation times follow the business hours of `tz` over
    `weeks` weeks from `start`; agents work Mon-Fri 09-18 in `tz` except public holidays of
    `country` (None: no holidays), urgent tickets are handled 24x7. The log is cut at the end of
    the period, so recent tickets are still open. Columns the CSV form does not carry (due_at,
    vendor_*, time_spent_s, tags, extra) are null; `updated_at` is the ticket's last event.
    """
    t, e = generate_tables(tickets, seed=seed, start=start, weeks=weeks, tz=tz, country=country)
    return _to_pandas(t), _to_pandas(e)
