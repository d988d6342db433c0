"""Support lines (DESIGN §12): the highest line a ticket's assignments reached, per resolved ticket."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.columns import to_us
from slametrics.engine.clocks import PreparedLog
from slametrics.eventcodes import ticket_index
from slametrics.eventlog import EventLog
from slametrics.metrics.figures import in_period, resolved_in_period, rounded, share
from slametrics.metrics.period import PeriodFigures
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import LineFigures, LineRow

NO_ASSIGNMENTS = "no assignment history"
NO_LINE = "no assignment matches a line"
UNLINED = -1


def line_ranks(policy: Policy) -> dict[str, int]:
    """Each group or assignee name of the contract's lines (trimmed, case-folded) to its rank."""
    assert policy.contract is not None
    out = {}
    for rank, line in enumerate(policy.contract.lines.values()):
        for value in [*line.group, *line.assignee]:
            out[value.strip().casefold()] = rank
    return out


def _rank_of(values: pd.Series, ranks: dict[str, int]) -> np.ndarray:
    key = values.astype("string").str.strip().str.casefold()
    return key.map(ranks).astype("Float64").fillna(UNLINED).to_numpy(dtype=np.int64)


def ticket_lines(
    log: EventLog, prepared_tickets: pd.DataFrame, policy: Policy, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """(highest line rank or -1, assignment history known) per ticket of the prepared log.

    A ticket's assignments are its `assigned` events up to as_of and its current group and
    assignee. The history is known for every ticket of a source that records assignments.
    """
    ranks = line_ranks(policy)
    t = prepared_tickets
    n = len(t)
    best = np.full(n, UNLINED, dtype=np.int64)
    for col in ("group", "assignee"):
        if col in t:
            best = np.maximum(best, _rank_of(t[col], ranks))
    ev = log.events
    ev = ev[(ev["event"] == "assigned").to_numpy()]
    ev = ev[(to_us(ev["at"]) <= to_us(pd.DatetimeIndex([as_of]))[0])]
    tix = ticket_index(t, ev) if len(ev) else np.zeros(0, dtype=np.int64)
    keep = tix >= 0
    if keep.any():
        np.maximum.at(best, tix[keep], _rank_of(ev["value"][keep], ranks))
    src, names = pd.factorize(t["source"].astype("string"))
    src = np.where(src < 0, len(names), src)
    has = np.bincount(src[tix[keep]], minlength=len(names) + 1) > 0
    return best, has[src]


def line_figures(
    log: EventLog,
    policy: Policy,
    period: Period,
    fig: PeriodFigures,
    prepared: PreparedLog,
    as_of: pd.Timestamp,
) -> LineFigures:
    """First-line share, escalation share, and resolution time per line, over the tickets
    resolved in the period (not canceled, not excluded) whose source records assignments."""
    assert policy.contract is not None
    t = fig.state.tickets
    resolved = (resolved_in_period(t, period) & ~t["excluded"] & t["canceled_at"].isna()).to_numpy()
    tix = t["tix"].to_numpy()
    best_all, known_all = ticket_lines(log, prepared.tickets, policy, as_of)
    best, known = best_all[tix], known_all[tix]
    judged = resolved & known
    lined = judged & (best != UNLINED)
    names = list(policy.contract.lines)
    unknown = int((resolved & ~known).sum())
    reason = None if judged.any() else (NO_ASSIGNMENTS if resolved.any() else "no tickets")
    if judged.any() and not lined.any():
        reason = NO_LINE
    first = share(int((lined & (best == 0)).sum()), int(lined.sum()), reason)
    escalated = share(int((lined & (best > 0)).sum()), int(lined.sum()), reason)
    clocks = fig.state.clocks
    res = clocks[
        (clocks["clock"] == "resolution")
        & clocks["outcome"].isin(["met", "breached"])
        & in_period(clocks["stopped_at"], period)
    ]
    line_of_tix = pd.Series(np.where(lined, best, UNLINED), index=tix)
    res_line = line_of_tix.reindex(res["tix"].to_numpy()).fillna(UNLINED).to_numpy()
    spent = t["time_spent_s"].astype("Float64") if "time_spent_s" in t else None
    rows = []
    for rank, name in enumerate(names):  # a loop over the contract's few lines
        mine = lined & (best == rank)
        elapsed = res["elapsed_s"].to_numpy(dtype=float)[res_line == rank]
        elapsed = elapsed[~np.isnan(elapsed)]
        pct = np.percentile(elapsed, [50, 90]) if len(elapsed) else [None, None]
        hours = spent[mine].sum() if spent is not None and spent[mine].notna().any() else None
        rows.append(
            LineRow(
                line=name,
                tickets=int(mine.sum()),
                share=int(mine.sum()) / int(lined.sum()) if lined.any() else None,
                resolution_p50_s=rounded(pct[0]),
                resolution_p90_s=rounded(pct[1]),
                time_spent_s=None if hours is None else float(hours),
            )
        )
    return LineFigures(
        resolved=int(judged.sum()),
        first_line=first,
        escalation=escalated,
        lines=rows,
        unlined=int((judged & (best == UNLINED)).sum()),
        unknown=unknown,
        reason=reason,
    )
