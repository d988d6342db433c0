"""Breakdowns of a period: on-time figures per field value, volumes and work status by kind."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.columns import codes_in
from slametrics.engine.clocks import (
    OUTCOMES,
)
from slametrics.metrics.figures import in_period, resolved_in_period, stats_of
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import (
    SliceStats,
    VolumeRow,
    WorkStatusRow,
)


def slim_clock_rows(
    rows: pd.DataFrame, t: pd.DataFrame, by: str | None, *, elapsed: bool
) -> pd.DataFrame:
    """What the breakdowns read of clock rows, compactly: the clock, the slice keys (priority,
    kind and the `--by` field as text, "(none)" when missing), and with `elapsed` the outcome
    and the elapsed time of the stopped ones (NaN for the others)."""
    keys = {"priority": rows["priority"], "kind": rows["kind"]}
    if by:
        keys["_by"] = rows["tix"].map(t.set_index("tix")[by])
    out = pd.DataFrame(
        {"clock": _category(rows["clock"])}
        | {k: _category(v.astype("string").fillna("(none)")) for k, v in keys.items()}
    )
    if elapsed:
        out["outcome"] = _category(rows["outcome"])
        stopped = rows["stopped_at"].notna().to_numpy()
        out["elapsed_s"] = np.where(stopped, rows["elapsed_s"].to_numpy(dtype=float), np.nan)
    return out


def _category(values: pd.Series) -> pd.Categorical:
    """Values as a categorical of their text (a byte or two a row), index dropped."""
    return pd.Categorical(values.astype("string").to_numpy(dtype=object, na_value=None))


def slices(
    counted: pd.DataFrame, running: pd.DataFrame, column: str, dimension: str, clocks: list[str]
) -> list[SliceStats]:
    """Per value of `column` and clock: counted outcomes and percentiles, running clocks.

    `counted` and `running` are `slim_clock_rows`. Rows are grouped once by (clock, value) codes
    and split with numpy: a breakdown of the whole span has millions of clock rows.
    """
    c_key, r_key = counted[column], running[column]
    keys = sorted(set(c_key.dropna().unique()) | set(r_key.dropna().unique()))
    c_code, r_code = codes_in(c_key, keys), codes_in(r_key, keys)
    c_clock = codes_in(counted["clock"], clocks)
    r_clock = codes_in(running["clock"], clocks)
    outcome = codes_in(counted["outcome"], OUTCOMES)
    elapsed = counted["elapsed_s"].to_numpy(dtype=float)
    out = []
    for n, clock in enumerate(clocks):
        rows = np.flatnonzero(c_clock == n)
        rows = rows[np.argsort(c_code[rows], kind="stable")]
        bounds = np.searchsorted(c_code[rows], np.arange(len(keys) + 1))
        runs = np.bincount(r_code[r_clock == n], minlength=len(keys))
        for i, key in enumerate(keys):  # a handful of values of the field
            part = rows[bounds[i] : bounds[i + 1]]
            if not len(part) and not runs[i]:
                continue
            out.append(
                SliceStats(
                    dimension=dimension,
                    key=str(key),
                    clock=clock,
                    running=int(runs[i]),
                    **stats_of(outcome[part], elapsed[part]),
                )
            )
    return out


VOLUME_COUNTS = ["created", "resolved", "canceled", "excluded", "open_at_end"]


def volume_counts(t: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Created, resolved, canceled, excluded and open at the period's end, by kind and priority
    (the rows with a count: those of several buckets add up)."""
    judged = ~t["excluded"]
    open_at_end = ~t["status_class_at"].isin(["resolved", "closed", "canceled"])
    created = in_period(t["created_at"], period)
    df = pd.DataFrame(
        {
            "kind": t["kind"].astype(str),
            "priority": t["priority"].astype("string").fillna("(none)").astype(str),
            "created": (created & judged).astype(int),
            "resolved": (resolved_in_period(t, period) & judged).astype(int),
            "canceled": (in_period(t["canceled_at"], period) & judged).astype(int),
            "excluded": ((created | open_at_end) & ~judged).astype(int),
            "open_at_end": (open_at_end & judged).astype(int),
        }
    )
    g = df.groupby(["kind", "priority"], sort=True)[VOLUME_COUNTS].sum()
    return g[(g > 0).any(axis=1)].reset_index()


def volumes(counts: pd.DataFrame) -> list[VolumeRow]:
    """The volume rows from (merged) `volume_counts`."""
    g = counts.groupby(["kind", "priority"], sort=True)[VOLUME_COUNTS].sum().reset_index()
    return [VolumeRow(**r) for r in g.to_dict("records")]


def priority_order(policy: Policy) -> list[str]:
    """Priorities named by the target rules, in rule order: the contract's own ranking."""
    seen: list[str] = []
    for rule in policy.targets:
        for value in rule.match_values().get("priority", []):
            if value not in seen:
                seen.append(value)
    return seen


WORK_COUNTS = ["in_progress", "waiting", "done_in_period"]


def work_status_counts(t: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Tickets by kind at as_of: in progress, waiting, done in the period (excluded left out)."""
    t = t[~t["excluded"]]
    cls = t["status_class_at"]
    waiting = cls.isin(["waiting_customer", "waiting_third_party", "on_hold"])
    done = cls.isin(["resolved", "closed", "canceled"])
    df = pd.DataFrame(
        {
            "kind": t["kind"].astype(str),
            "in_progress": (~waiting & ~done).astype(int),
            "waiting": waiting.astype(int),
            "done_in_period": (done & resolved_in_period(t, period)).astype(int),
        }
    )
    g = df.groupby("kind", sort=True)[WORK_COUNTS].sum()
    return g[(g > 0).any(axis=1)].reset_index()


def work_status(counts: pd.DataFrame) -> list[WorkStatusRow]:
    """The work status rows from (merged) `work_status_counts`."""
    g = counts.groupby("kind", sort=True)[WORK_COUNTS].sum().reset_index()
    return [WorkStatusRow(**r) for r in g.to_dict("records")]
