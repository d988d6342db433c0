"""Row rules every importer's output passes through: timestamps in the future, replies before creation.

Both are warnings: the rows are imported, and the engine never lets them move a verdict (a
future instant never becomes the default as_of; a reply before creation is ignored).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.columns import NAT, codes_in, index_in, to_us
from slametrics.problems import Problem, more_problems, problem

# instants that describe what happened (a due time in the future is normal)
HAPPENED_COLUMNS = ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at")
MAX_PER_CODE = 100  # problems kept per code; the rest are counted in one summary line


def timeline_warnings(
    tickets: pd.DataFrame, events: pd.DataFrame, file: str, now: pd.Timestamp | None = None
) -> list[Problem]:
    """`future-timestamp` and `reply-before-created` warnings for one importer's output."""
    now_us = (now or pd.Timestamp.now(tz="UTC")).value // 1000
    out = _future_cells(tickets, events, file, now_us)
    out += _replies_before_created(tickets, events, file)
    return out


def _future_cells(
    tickets: pd.DataFrame, events: pd.DataFrame, file: str, now_us: int
) -> list[Problem]:
    found: list[tuple[str, str, int]] = []  # (column, ticket id, us)
    for frame, columns in ((tickets, HAPPENED_COLUMNS), (events, ("at",))):
        for col in columns:
            if col not in frame or not len(frame):
                continue
            us = to_us(frame[col])
            rows = np.flatnonzero((us != NAT) & (us > now_us))
            if not len(rows):
                continue  # nearly always: no id column converted to Python objects
            ids = frame["ticket_id"].iloc[rows].to_numpy()
            found += [(col, str(i), int(u)) for i, u in zip(ids, us[rows], strict=True)]
    return _capped("future-timestamp", found, file)


def _replies_before_created(
    tickets: pd.DataFrame, events: pd.DataFrame, file: str
) -> list[Problem]:
    if not len(events) or not len(tickets):
        return []
    # a categorical event column is compared through its categories, not row by row
    is_reply = codes_in(events["event"], ("agent_reply",)) == 0
    if not is_reply.any():
        return []
    rows = np.flatnonzero(is_reply)
    ids = events["ticket_id"].iloc[rows].astype("string")
    # the last ticket of an id wins: its first match among the tickets read backwards
    known = tickets["ticket_id"].astype("string").iloc[::-1]
    pos = index_in(ids, known)
    created = to_us(tickets["created_at"])[::-1]
    ticket_created = np.where(pos >= 0, created[np.maximum(pos, 0)], NAT)
    at = to_us(events["at"])[rows]
    early = np.flatnonzero((ticket_created != NAT) & (at != NAT) & (at < ticket_created))
    if not len(early):
        return []
    found = [
        ("at", str(i), int(u)) for i, u in zip(ids.iloc[early].to_numpy(), at[early], strict=True)
    ]
    return _capped("reply-before-created", found, file)


def _capped(code: str, found: list[tuple[str, str, int]], file: str) -> list[Problem]:
    problems = [
        problem(
            code,
            file=file,
            column=col,
            value=pd.Timestamp(us, unit="us", tz="UTC").isoformat(),
            severity="warning",
            ticket=ticket,
        )
        for col, ticket, us in found[:MAX_PER_CODE]
    ]
    if len(found) > MAX_PER_CODE:
        problems.append(
            more_problems(code, len(found) - MAX_PER_CODE, file=file, severity="warning")
        )
    return problems
