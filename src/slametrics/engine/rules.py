"""Ticket rules of a policy: each ticket's kind and the target rule that applies to it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.policy import Policy


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


def match_targets(tickets: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Index of the first matching target rule per ticket (-1 for none); case-insensitive."""
    rule = np.full(len(tickets), -1, dtype=np.int64)
    for i, target in enumerate(policy.targets):
        mask = np.ones(len(tickets), dtype=bool)
        for field, values in target.match_values().items():
            col = tickets[field].astype("string").str.strip().str.lower()
            mask &= col.isin([v.strip().lower() for v in values]).fillna(False).to_numpy()
        rule[(rule < 0) & mask] = i
    return rule
