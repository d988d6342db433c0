"""The tickets' summary columns, derived from their surviving events so both tables agree."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slametrics.sample.lifecycle import Events
from slametrics.sample.vocabulary import EVENT_CODE, IS_STATUS_EVENT, STATUS_CODE, STATUSES

# P(score 1..5) of a CSAT answer, from a smooth ticket and from a troubled one
CSAT_GOOD = np.array([0.04, 0.05, 0.11, 0.25, 0.55])
CSAT_BAD = np.array([0.15, 0.15, 0.2, 0.25, 0.25])


@dataclass
class Summary:
    """Per ticket: its last status and the times and counts the tickets table reports."""

    status: np.ndarray  # status code
    done: np.ndarray  # resolved or closed now
    first_response: np.ndarray
    has_fr: np.ndarray
    resolved_at: np.ndarray
    has_res: np.ndarray
    closed_at: np.ndarray
    has_closed: np.ndarray
    assignee: np.ndarray  # agent code
    has_assignee: np.ndarray
    agent_replies: np.ndarray
    reopens: np.ndarray
    updated: np.ndarray  # the last event's time


def first_last(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the first and last element of each run in sorted `rows`, and which tickets."""
    if not len(rows):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    change = np.flatnonzero(rows[1:] != rows[:-1]) + 1
    first = np.concatenate([[0], change])
    last = np.concatenate([change - 1, [len(rows) - 1]])
    return first, last, rows[first]


def summarize(e: Events, n: int) -> Summary:
    """The summary columns of `n` tickets from their events."""
    rows, at, ev, val = e.rows, e.at, e.ev, e.val
    sub = np.flatnonzero(IS_STATUS_EVENT[ev])
    _, last, who = first_last(rows[sub])
    status = np.full(n, -1, dtype=np.int64)
    status[who] = val[sub[last]]

    def first_time(mask):
        sub = np.flatnonzero(mask)
        first, _, who = first_last(rows[sub])
        out = np.zeros(n, dtype=np.int64)
        has = np.zeros(n, dtype=bool)
        out[who], has[who] = at[sub[first]], True
        return out, has

    def last_of(mask, values):
        sub = np.flatnonzero(mask)
        _, last, who = first_last(rows[sub])
        out = np.zeros(n, dtype=np.int64)
        has = np.zeros(n, dtype=bool)
        out[who], has[who] = values[sub[last]], True
        return out, has

    public_reply = (ev == EVENT_CODE["agent_reply"]) & (e.public == 1)
    first_response, has_fr = first_time(public_reply)
    resolved_at, has_res = last_of(ev == EVENT_CODE["resolved"], at)
    closed_at, has_closed = last_of(ev == EVENT_CODE["closed"], at)
    assignee, has_assignee = last_of(ev == EVENT_CODE["assigned"], val - len(STATUSES))
    return Summary(
        status=status,
        done=(status == STATUS_CODE["resolved"]) | (status == STATUS_CODE["closed"]),
        first_response=first_response,
        has_fr=has_fr,
        resolved_at=resolved_at,
        has_res=has_res,
        closed_at=closed_at,
        has_closed=has_closed,
        assignee=assignee,
        has_assignee=has_assignee,
        agent_replies=np.bincount(rows[public_reply], minlength=n),
        reopens=np.bincount(rows[ev == EVENT_CODE["reopened"]], minlength=n),
        updated=at[e.first_pos + e.counts - 1],
    )


def csat_scores(unhappy: np.ndarray, csat_u: np.ndarray) -> np.ndarray:
    """Scores 1..5 from uniform draws `csat_u`, lower for `unhappy` tickets."""
    score = 1 + np.where(
        unhappy,
        np.searchsorted(np.cumsum(CSAT_BAD), csat_u, side="right"),
        np.searchsorted(np.cumsum(CSAT_GOOD), csat_u, side="right"),
    )
    return np.minimum(score, 5)
