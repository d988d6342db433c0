"""Explain: per ticket and clock, the rule, the events and every segment behind its verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.api.queries import Query
from slametrics.columns import to_us
from slametrics.engine.explain import Explained, explain_clocks, setting_events
from slametrics.errors import UserError
from slametrics.metrics import prepare, resolve_as_of
from slametrics.policy import Policy
from slametrics.results.explain import ExplainResult

__all__ = ["explain"]

ID_EXAMPLES = 3  # ids shown in the hint of an unknown-id error


def explain(q: Query, ticket_ids: list[str]) -> ExplainResult:
    """Explain every declared clock of the tickets `ticket_ids` at the query's as_of.

    The as_of is resolved as `tickets` resolves it without a period, so each clock's
    `elapsed_s` equals the one `tickets` reports. Unknown ids are a usage error that names them.
    """
    loaded, policy, period, as_of = q.prepare()
    knowledge = as_of if as_of is not None else loaded.log.latest_timestamp()
    cut = resolve_as_of(loaded.log, period, as_of)
    prepared = prepare(loaded.log, policy)
    tix = _ticket_rows(prepared.tickets, ticket_ids)
    ex = explain_clocks(prepared, policy, int(to_us(pd.DatetimeIndex([cut]))[0]), tix, knowledge)
    events = setting_events(prepared, loaded.log.events, ex.clocks, policy)
    doc = {
        "policy": policy.name,
        "timezone": policy.timezone,
        "as_of": cut,
        "tickets": _tickets(prepared.tickets, policy, ex, events, tix),
    }
    return ExplainResult.model_validate(doc)


def _ticket_rows(tickets: pd.DataFrame, ticket_ids: list[str]) -> np.ndarray:
    """Rows of the asked tickets in the order asked (every source's ticket of an id)."""
    wanted = list(dict.fromkeys(str(i) for i in ticket_ids))
    ids = tickets["ticket_id"].astype(str)
    found = set(ids[ids.isin(wanted)])
    missing = [i for i in wanted if i not in found]
    if missing:
        examples = ", ".join(ids.head(ID_EXAMPLES))
        raise UserError(
            f"ticket id(s) not found: {', '.join(missing)} "
            f"(ids in this data look like {examples or 'nothing: the data has no tickets'})"
        )
    rows = pd.DataFrame({"ticket_id": ids, "tix": np.arange(len(ids))})
    order = pd.DataFrame({"ticket_id": wanted, "asked": np.arange(len(wanted))})
    hit = order.merge(rows, on="ticket_id").sort_values(["asked", "tix"], kind="stable")
    return hit["tix"].to_numpy(dtype=np.int64)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for every missing value (NaN, NaT, pd.NA)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _tickets(
    t: pd.DataFrame, policy: Policy, ex: Explained, events: pd.DataFrame, tix: np.ndarray
) -> list[dict]:
    """The nested document: tickets, their clocks, each clock's events and segments."""
    c = ex.clocks
    seg = _records(ex.segments.drop(columns="row"))
    bounds = np.searchsorted(ex.segments["row"].to_numpy(), np.arange(len(c) + 1))
    ev = {(r["row"], r["role"]): r for r in _records(events)}
    clocks = _records(c.drop(columns=["tix", "start_by", "stop_by", "row"]))
    rules = _rules(t, policy, c, ex.priority)
    vendor = _vendor(t, c)
    per_ticket: list[list[dict]] = [[] for _ in tix]
    n_clocks = len(policy.clock_names)
    # packaging one dict per clock row; the segment records themselves come from pandas
    for row, doc in enumerate(clocks):
        doc["rule"] = rules[row]
        doc["vendor"] = vendor[row]
        doc["start_event"] = _event(ev.get((row, "start")))
        doc["stop_event"] = _event(ev.get((row, "stop")))
        doc["segments"] = seg[bounds[row] : bounds[row + 1]]
        per_ticket[row // n_clocks].append(doc)
    info = _records(_ticket_info(t, ex, tix))
    return [{**i, "clocks": cl} for i, cl in zip(info, per_ticket, strict=True)]


def _ticket_info(t: pd.DataFrame, ex: Explained, tix: np.ndarray) -> pd.DataFrame:
    cols = [x for x in ("ticket_id", "source", "subject", "kind", "created_at") if x in t]
    info = t[cols].take(tix).reset_index(drop=True)
    info["priority"] = ex.priority.take(tix).to_numpy()
    info["status_class"] = ex.status_at[tix]
    return info


def _event(r: dict | None) -> dict | None:
    if r is None or r["at"] is None:
        return None
    return {"at": r["at"], "event": r["event"], "value": r["value"], "by": r["by"]}


def _rules(t: pd.DataFrame, policy: Policy, c: pd.DataFrame, priority: pd.Series) -> list:
    """Per clock row, the matched rule's number and the ticket's values of its match fields."""
    out: list[dict | None] = [None] * len(c)
    rule = c["rule"].to_numpy()
    tix = c["tix"].to_numpy()
    values = t.assign(priority=priority)
    for i, target in enumerate(policy.targets):  # per rule, each field read vectorized
        rows = np.flatnonzero(rule == i)
        if not len(rows):
            continue
        fields = {
            f: _cells(values[f].take(tix[rows])) if f in values else [None] * len(rows)
            for f in target.match_values()
        }
        for j, row in enumerate(rows):
            out[row] = {"index": i + 1, "matched": {f: v[j] for f, v in fields.items()}}
    return out


def _cells(s: pd.Series) -> list:
    """Values as str (a list field as its list of str), None when missing."""
    return [
        None
        if v is None or (not isinstance(v, list | np.ndarray) and pd.isna(v))
        else [str(x) for x in v]
        if isinstance(v, list | np.ndarray)
        else str(v)
        for v in s.astype(object).tolist()
    ]


def _vendor(t: pd.DataFrame, c: pd.DataFrame) -> list[dict | None]:
    """Per clock row, the vendor's verdict and due time from `vendor_<clock>_met/_due_at`."""
    out: list[dict | None] = [None] * len(c)
    tix = c["tix"].to_numpy()
    for clock in c["clock"].unique():
        met_col, due_col = f"vendor_{clock}_met", f"vendor_{clock}_due_at"
        rows = np.flatnonzero((c["clock"] == clock).to_numpy())
        met = t[met_col].take(tix[rows]).tolist() if met_col in t else [None] * len(rows)
        due = t[due_col].take(tix[rows]).tolist() if due_col in t else [None] * len(rows)
        outcome = c["outcome"].to_numpy()[rows]
        for j, row in enumerate(rows):
            m = None if pd.isna(met[j]) else bool(met[j])
            d = None if pd.isna(due[j]) else due[j]
            if m is None and d is None:
                continue
            decided = outcome[j] in ("met", "breached")
            agrees = m == (outcome[j] == "met") if m is not None and decided else None
            out[row] = {"met": m, "due_at": d, "agrees": agrees}
    return out
