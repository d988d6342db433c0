"""Ticket lists of a period: critical incidents, repeat groups, waiting on the customer, at risk."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slametrics.engine.repeats import key_groups
from slametrics.metrics.figures import in_period
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import (
    CRITICAL_RANK,
    RISK_SHARE,
    RepeatGroup,
    TicketLine,
)

LIST_LIMIT = 500  # the result carries at most this many tickets per list; `tickets` has all


LINE_COLUMNS = (
    "ticket_id",
    "subject",
    "priority",
    "kind",
    "organization",
    "requester",
    "created_at",
)


def ticket_lines(t: pd.DataFrame, **extra: object) -> list[TicketLine]:
    """Ticket lines for a list in the result; `extra` holds per-line columns (clock figures)."""
    cols = [c for c in LINE_COLUMNS if c in t]
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


@dataclass
class ListPart:
    """One list's candidate rows (`tix`, with `_clock` for clock rows) and its total.

    A bucket keeps only its first LIST_LIMIT candidates in the list's order: the whole log's
    first LIST_LIMIT are among the buckets' (ties go by log order, restored before sorting).
    """

    rows: pd.DataFrame
    total: int
    counts: Counter = field(default_factory=Counter)  # candidates by outcome (critical list)

    @staticmethod
    def merged(parts: list[ListPart]) -> ListPart:
        return ListPart(
            pd.concat([p.rows for p in parts], ignore_index=True),
            sum(p.total for p in parts),
            sum((p.counts for p in parts), Counter()),
        )

    def in_log_order(self) -> pd.DataFrame:
        keys = ["_clock", "tix"] if "_clock" in self.rows else ["tix"]
        return self.rows.sort_values(keys, kind="stable")


def _line_columns(t: pd.DataFrame, tix: pd.Series) -> pd.DataFrame:
    """The ticket line columns of the tickets `tix` (rows of `t` by its `tix`), with `tix`."""
    cols = [c for c in LINE_COLUMNS if c in t]
    return t.set_index("tix")[cols].loc[tix.to_numpy()].reset_index()


def list_parts(
    t: pd.DataFrame,
    clocks: pd.DataFrame,
    counted: pd.DataFrame,
    running: pd.DataFrame,
    backlog_rows: pd.DataFrame,
    of_period: pd.Series,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
) -> dict[str, ListPart]:
    """The candidates of every ticket list of the period (see `ListPart`)."""
    clock_no = {name: i for i, name in enumerate(policy.clock_names)}
    waiting = t[(t["status_class_at"] == "waiting_customer") & ~t["excluded"]]
    waiting = waiting.assign(hours=(as_of - waiting["status_since"]).dt.total_seconds() / 3600)
    risky = running.assign(used=running["elapsed_s"] / running["target_s"].replace(0, np.nan))
    risky = risky[risky["used"] >= RISK_SHARE]
    excluded_rows = t[t["excluded"] & of_period]
    parts = {
        "waiting": ListPart(_waiting_top(waiting), len(waiting)),
        "at_risk": ListPart(_clock_rows(t, _risky_top(risky), clock_no), len(risky)),
        "backlog": ListPart(
            _clock_rows(t, _backlog_top(backlog_rows), clock_no), len(backlog_rows)
        ),
        "excluded": ListPart(_excluded_top(excluded_rows), len(excluded_rows)),
    }
    crit = _critical_rows(t, clocks, counted, policy, period)
    outcomes = Counter(crit["outcome"].dropna().astype(str).value_counts().to_dict())
    parts["critical"] = ListPart(_critical_top(crit), len(crit), outcomes)
    return parts


def _waiting_top(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["hours", "ticket_id"], ascending=[False, True]).head(LIST_LIMIT)


def _risky_top(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["used", "ticket_id"], ascending=[False, True]).head(LIST_LIMIT)


def _backlog_top(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["decided_at", "ticket_id", "clock"]).head(LIST_LIMIT)


def _critical_top(rows: pd.DataFrame) -> pd.DataFrame:
    """Breached first, then running, then met, each by creation (ties in the rows' order)."""
    keys = pd.DataFrame(
        {
            "rank": rows["outcome"]
            .astype(object)
            .map(CRITICAL_RANK)
            .fillna(len(CRITICAL_RANK))
            .to_numpy(),
            "created_at": rows["created_at"].to_numpy(),
            "ticket_id": rows["ticket_id"].astype(str).to_numpy(),
        }
    )
    order = keys.sort_values(["rank", "created_at", "ticket_id"], kind="stable").index
    return rows.take(order[:LIST_LIMIT])


def _excluded_top(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values("ticket_id", kind="stable").head(LIST_LIMIT)


CLOCK_FIGURES = ["clock", "outcome", "elapsed_s", "target_s", "due_at", "stopped_at", "decided_at"]


def _clock_rows(t: pd.DataFrame, rows: pd.DataFrame, clock_no: dict[str, int]) -> pd.DataFrame:
    """Clock rows as list candidates: their ticket's line columns, the clock's figures."""
    figures = [c for c in [*CLOCK_FIGURES, "used"] if c in rows]
    out = _line_columns(t, rows["tix"])
    for c in figures:
        out[c] = rows[c].reset_index(drop=True)
    out["_clock"] = rows["clock"].astype(str).map(clock_no).to_numpy()
    return out


def _critical_rows(
    t: pd.DataFrame, clocks: pd.DataFrame, counted: pd.DataFrame, policy: Policy, period: Period
) -> pd.DataFrame:
    """Incidents of a critical priority created in the period or whose resolution counts in it,
    with their resolution clock's figures."""
    res = clocks[clocks["clock"] == "resolution"].set_index("tix")
    critical = [p.lower() for p in policy.critical_priorities]
    crit = t[
        (t["kind"] == "incident")
        & t["priority"].astype("string").str.lower().isin(critical).fillna(False)
        & (
            in_period(t["created_at"], period)
            | t["tix"].isin(counted.loc[counted["clock"] == "resolution", "tix"])
        )
    ]
    out = _line_columns(t, crit["tix"])
    r = res.reindex(crit["tix"])
    for c in ("outcome", "elapsed_s", "target_s", "due_at", "stopped_at"):
        out[c] = r[c].to_numpy()
    return out


def critical_incidents(part: ListPart) -> tuple[list[TicketLine], int, dict[str, int]]:
    """Critical incidents of the period by creation (see `_critical_rows`): at most LIST_LIMIT,
    breached and running ones first (`_critical_top`), how many there are and their outcomes."""
    top = _critical_top(part.in_log_order())
    crit = top.sort_values("tix", kind="stable").sort_values("created_at", kind="stable")
    lines = ticket_lines(
        crit,
        clock=["resolution"] * len(crit),
        **{
            c: crit[c].to_numpy()
            for c in ("outcome", "elapsed_s", "target_s", "due_at", "stopped_at")
        },
    )
    return lines, part.total, dict(sorted(part.counts.items()))


def waiting_on_customer(part: ListPart) -> tuple[list[TicketLine], int]:
    """Tickets waiting on the customer at as_of, longest first, and how many there are."""
    top = _waiting_top(part.in_log_order())
    lines = ticket_lines(
        top,
        waiting_since=top["status_since"].to_numpy(),
        waiting_hours=top["hours"].round(2).to_numpy(),
    )
    return lines, part.total


def at_risk(part: ListPart) -> tuple[list[TicketLine], int]:
    """Running clocks that used at least RISK_SHARE of their target, most used first."""
    top = _risky_top(part.in_log_order())
    lines = ticket_lines(
        top,
        **{c: top[c].to_numpy() for c in ("clock", "outcome", "elapsed_s", "target_s", "due_at")},
        used_share=top["used"].round(4).to_numpy(),
    )
    return lines, part.total


def backlog(part: ListPart) -> tuple[list[TicketLine], int]:
    """Clocks past target since before the period and still running at its end, oldest first."""
    top = _backlog_top(part.in_log_order())
    figures = ("clock", "outcome", "elapsed_s", "target_s", "due_at", "decided_at")
    return ticket_lines(top, **{c: top[c].to_numpy() for c in figures}), part.total


def excluded(part: ListPart) -> tuple[list[TicketLine], int]:
    """Tickets of the period that an `exclude:` rule keeps from being judged."""
    return ticket_lines(_excluded_top(part.in_log_order())), part.total
