"""Ticket rules of a policy: each ticket's kind, the target rule that applies, and exclusions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.policy import MatchRule, Policy
from slametrics.schema import TICKET_FIELDS

LIST_FIELDS = frozenset(name for name, kind, _ in TICKET_FIELDS if pa.types.is_list(kind))


def assign_kinds(tickets: pd.DataFrame, policy: Policy) -> pd.Series:
    """Kind per ticket: the policy's mapping of raw types, else the importer's kind, else other."""
    lookup = {raw.strip().lower(): kind for kind, raws in policy.kinds.items() for raw in raws}
    # through the distinct types: a handful of values over a million tickets
    codes, uniques = pd.factorize(tickets["type"].astype("string"))
    mapped = np.array([lookup.get(str(u).strip().lower()) for u in uniques] + [None], dtype=object)
    by_type = pd.Series(mapped[codes], index=tickets.index, dtype="string")
    existing = tickets["kind"].astype("string") if "kind" in tickets else None
    kinds = by_type if existing is None else by_type.fillna(existing)
    return kinds.fillna("other").astype(str)


def field_mask(tickets: pd.DataFrame, field: str, values: list[str]) -> np.ndarray:
    """Tickets whose `field` is one of `values` (trimmed, case-insensitive; null never matches).

    A list field (tags) matches when any of its items is one of the values.
    """
    wanted = [v.strip().lower() for v in values]
    if field not in tickets:
        return np.zeros(len(tickets), dtype=bool)
    col = tickets[field]
    if field not in LIST_FIELDS:
        norm = col.astype("string").str.strip().str.lower()
        return norm.isin(wanted).fillna(False).to_numpy(dtype=bool)
    # one row per item, labelled by the ticket's position: vectorized, no loop per ticket
    items = col.reset_index(drop=True).explode()
    norm = items.astype("string").str.strip().str.lower()
    hit = norm.isin(wanted).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(tickets), dtype=bool)
    out[items.index.to_numpy()[hit]] = True
    return out


def rule_mask(tickets: pd.DataFrame, rule: MatchRule) -> np.ndarray:
    """Tickets matching every field of the rule's `match` (all tickets for `match: {}`)."""
    mask = np.ones(len(tickets), dtype=bool)
    for field, values in rule.match_values().items():
        mask &= field_mask(tickets, field, values)
    return mask


def match_targets(tickets: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Index of the first matching target rule per ticket (-1 for none); case-insensitive."""
    rule = np.full(len(tickets), -1, dtype=np.int64)
    for i, target in enumerate(policy.targets):
        rule[(rule < 0) & rule_mask(tickets, target)] = i
    return rule


def excluded_mask(tickets: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Tickets the policy's `exclude` rules take out of judgement (any matching rule excludes)."""
    out = np.zeros(len(tickets), dtype=bool)
    for rule in policy.exclude:
        out |= rule_mask(tickets, rule)
    return out
