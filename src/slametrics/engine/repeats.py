"""Repeat incidents: an incident with an earlier one of the same key within the policy's window."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.columns import US, to_us
from slametrics.policy import Policy


def repeat_flags(t: pd.DataFrame, policy: Policy, excluded: np.ndarray | None = None) -> np.ndarray:
    """True for an incident with an earlier one of the same key created within the window.

    Earlier incidents only: so the flags hold at any as_of, and are computed once per log.
    Excluded tickets are neither repeats nor the incidents a repeat follows.
    """
    incident = (t["kind"] == "incident").to_numpy()
    if excluded is not None:
        incident = incident & ~excluded
    flags = np.zeros(len(t), dtype=bool)
    rows = np.flatnonzero(incident)
    if not len(rows):
        return flags
    group = key_groups(t, rows, policy.repeat_incidents.key)
    complete = group >= 0
    rows, group = rows[complete], group[complete]
    if not len(rows):
        return flags
    created = to_us(t["created_at"])[rows]
    order = np.lexsort((created, group))
    group, created, rows = group[order], created[order], rows[order]
    same = np.concatenate([[False], group[1:] == group[:-1]])
    gap = np.concatenate([[0], created[1:] - created[:-1]])
    flags[rows[same & (gap <= policy.repeat_incidents.window * US)]] = True
    return flags


def key_groups(t: pd.DataFrame, rows: np.ndarray, fields: list[str]) -> np.ndarray:
    """Group number of each of `t`'s `rows` by its `fields` (trimmed, case-folded), numbered by
    first appearance; -1 where a field is missing or blank."""
    group = np.zeros(len(rows), dtype=np.int64)
    complete = np.ones(len(rows), dtype=bool)
    for field in fields:
        code = normalized_codes(t[field].take(rows))
        complete &= code >= 0
        # renumbered after each key, so the combined code never overflows
        group = pd.factorize(group * (int(code.max(initial=0)) + 1) + np.maximum(code, 0))[0]
    out = np.full(len(rows), -1, dtype=np.int64)
    out[complete] = pd.factorize(group[complete])[0]
    return out


def normalized_codes(values: pd.Series) -> np.ndarray:
    """Group code per cell by its stripped, lower-cased text; -1 for missing or blank."""
    codes, uniques = pd.factorize(values.astype("string"))
    norm = [str(u).strip().lower() for u in uniques]
    distinct = {v: i for i, v in enumerate(dict.fromkeys(v for v in norm if v))}
    lookup = np.array([distinct.get(v, -1) for v in norm] + [-1], dtype=np.int64)
    return lookup[codes]
