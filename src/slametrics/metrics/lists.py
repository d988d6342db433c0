"""Ticket lists of a period: critical incidents, repeat groups, waiting on the customer, at risk."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.engine.repeats import key_groups
from slametrics.metrics.figures import in_period
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import (
    RISK_SHARE,
    RepeatGroup,
    TicketLine,
)

LIST_LIMIT = 500  # the result carries at most this many tickets per list; `tickets` has all


def ticket_lines(t: pd.DataFrame, **extra: object) -> list[TicketLine]:
    """Ticket lines for a list in the result; `extra` holds per-line columns (clock figures)."""
    cols = [
        c
        for c in (
            "ticket_id",
            "subject",
            "priority",
            "kind",
            "organization",
            "requester",
            "created_at",
        )
        if c in t
    ]
    frame = t[cols].reset_index(drop=True)
    text = [c for c in cols if c != "created_at"]
    frame[text] = frame[text].astype("string")
    for name, values in extra.items():
        frame[name] = list(values) if not isinstance(values, np.ndarray) else values
    # column lists zipped into rows: far cheaper than DataFrame.to_dict for thousands of lines
    values = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame]
    names = list(frame.columns)
    return [TicketLine(**dict(zip(names, row, strict=True))) for row in zip(*values, strict=True)]


def repeat_groups(
    t: pd.DataFrame, rows: np.ndarray, flags: np.ndarray, policy: Policy, period: Period
) -> list[RepeatGroup]:
    """Key groups with a repeat incident created in the period, largest first, with members.

    `rows` are the incidents among `t`; groups are numbered by first appearance, which breaks
    ties in size before the list is cut.
    """
    key = policy.repeat_incidents.key
    created = t["created_at"].take(rows).reset_index(drop=True)
    rep = flags[rows] & in_period(created, period).to_numpy()
    if not rep.any():
        return []
    gid = key_groups(t, rows, key)
    complete = gid >= 0
    # members: the group's incidents from one window before the period to its end
    since = period.start - pd.Timedelta(seconds=policy.repeat_incidents.window)
    window = ((created < period.end) & (created >= since)).to_numpy()
    member = complete & window & np.isin(gid, np.unique(gid[rep]))
    sizes = np.bincount(gid[member], minlength=int(gid.max()) + 1)
    shown = np.lexsort((np.arange(len(sizes)), -sizes))[:LIST_LIMIT]
    shown = shown[sizes[shown] > 0]
    pick = np.flatnonzero(member & np.isin(gid, shown))
    members = (
        t[["ticket_id", *key]]
        .take(rows[pick])
        .reset_index(drop=True)
        .assign(created_at=created.take(pick).array, _g=gid[pick])
    )
    members = members.sort_values(["_g", "created_at", "ticket_id"])
    ids = members["ticket_id"].astype(str).tolist()
    firsts = np.flatnonzero(np.diff(members["_g"].to_numpy(), prepend=-1) != 0)
    bounds = [*firsts.tolist(), len(members)]
    first_keys = members[key].iloc[firsts].astype(str).to_dict("records")
    groups = [  # at most LIST_LIMIT groups
        RepeatGroup(key=first_keys[i], tickets=ids[bounds[i] : bounds[i + 1]])
        for i in range(len(firsts))
    ]
    groups.sort(key=lambda g: (-len(g.tickets), sorted(g.key.items())))
    return groups


def critical_incidents(
    t: pd.DataFrame, clocks: pd.DataFrame, counted: pd.DataFrame, policy: Policy, period: Period
) -> list[TicketLine]:
    """Incidents of a critical priority created in the period or whose resolution counts in it."""
    res = clocks[clocks["clock"] == "resolution"].set_index("tix")
    critical = policy.critical_priorities
    crit = t[
        (t["kind"] == "incident")
        & t["priority"]
        .astype("string")
        .str.lower()
        .isin([p.lower() for p in critical])
        .fillna(False)
        & (
            in_period(t["created_at"], period)
            | t["tix"].isin(counted.loc[counted["clock"] == "resolution", "tix"])
        )
    ]
    crit = crit.sort_values("created_at")
    r = res.reindex(crit["tix"])
    return ticket_lines(
        crit,
        clock=["resolution"] * len(crit),
        outcome=r["outcome"].to_numpy(),
        elapsed_s=r["elapsed_s"].to_numpy(),
        target_s=r["target_s"].to_numpy(),
        due_at=r["due_at"].to_numpy(),
        stopped_at=r["stopped_at"].to_numpy(),
    )


def waiting_on_customer(t: pd.DataFrame, as_of: pd.Timestamp) -> tuple[list[TicketLine], int]:
    """Tickets waiting on the customer at as_of, longest first, and how many there are."""
    waiting_t = t[(t["status_class_at"] == "waiting_customer") & ~t["excluded"]].copy()
    total = len(waiting_t)
    waiting_t["hours"] = (as_of - waiting_t["status_since"]).dt.total_seconds() / 3600
    waiting_t = waiting_t.sort_values(["hours", "ticket_id"], ascending=[False, True]).head(
        LIST_LIMIT
    )
    lines = ticket_lines(
        waiting_t,
        waiting_since=waiting_t["status_since"].to_numpy(),
        waiting_hours=waiting_t["hours"].round(2).to_numpy(),
    )
    return lines, total


def at_risk(t: pd.DataFrame, running: pd.DataFrame) -> tuple[list[TicketLine], int]:
    """Running clocks that used at least RISK_SHARE of their target, most used first."""
    risky = running.assign(used=running["elapsed_s"] / running["target_s"].replace(0, np.nan))
    total = int((risky["used"] >= RISK_SHARE).sum())
    risky = (
        risky[risky["used"] >= RISK_SHARE]
        .sort_values(["used", "ticket_id"], ascending=[False, True])
        .head(LIST_LIMIT)
    )
    rt = t.set_index("tix").loc[risky["tix"]].reset_index()
    lines = ticket_lines(
        rt,
        clock=risky["clock"].to_numpy(),
        outcome=risky["outcome"].to_numpy(),
        elapsed_s=risky["elapsed_s"].to_numpy(),
        target_s=risky["target_s"].to_numpy(),
        due_at=risky["due_at"].to_numpy(),
        used_share=risky["used"].round(4).to_numpy(),
    )
    return lines, total


def backlog(t: pd.DataFrame, rows: pd.DataFrame) -> tuple[list[TicketLine], int]:
    """Clocks past target since before the period and still running at its end, oldest first."""
    total = len(rows)
    rows = rows.sort_values(["decided_at", "ticket_id", "clock"]).head(LIST_LIMIT)
    bt = t.set_index("tix").loc[rows["tix"]].reset_index()
    lines = ticket_lines(
        bt,
        clock=rows["clock"].to_numpy(),
        outcome=rows["outcome"].to_numpy(),
        elapsed_s=rows["elapsed_s"].to_numpy(),
        target_s=rows["target_s"].to_numpy(),
        due_at=rows["due_at"].to_numpy(),
        decided_at=rows["decided_at"].to_numpy(),
    )
    return lines, total


def excluded(t: pd.DataFrame, of_period: pd.Series) -> tuple[list[TicketLine], int]:
    """Tickets of the period that an `exclude:` rule keeps from being judged."""
    rows = t[t["excluded"] & of_period]
    return ticket_lines(rows.sort_values("ticket_id").head(LIST_LIMIT)), len(rows)
