"""Activities of an event log to canonical events: each activity's effects, and the reopen rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.mapping_schema import STATUS_LIKE_EVENTS, Effect, EventMapping
from slametrics.schema import DONE_CLASSES


def activity_effects(
    names: list[str], em: EventMapping, statuses: dict[str, str], has_status: bool
) -> list[list[Effect]]:
    """The effects of each distinct activity in `names`, then of a row with no activity (last).

    Listed activities (exact name, else trimmed and case-insensitive) do what `events:` says; an
    activity named in `reopen_on` is a reopen; with a status column every other row is a status
    change; else an activity named in `statuses:` sets that status, and the rest are
    `default_event`s.
    """
    listed = em.effects()
    folded = {k.strip().lower(): v for k, v in listed.items()}
    known_statuses = {k.strip().lower() for k in statuses}
    reopens = {a.strip().lower() for a in em.reopen_on} if isinstance(em.reopen_on, list) else set()
    out = []
    for name in [*names, None]:
        key = name.strip().lower() if name is not None else None
        if name in listed or key in folded:
            out.append(listed.get(name) or folded[key])
        elif key in reopens:
            out.append([Effect(event="reopened")])
        elif has_status or key in known_statuses or em.default_event == "status":
            out.append([Effect(event="status")])
        else:
            out.append([Effect(event=em.default_event)])
    return out


def effect_rows(codes: np.ndarray, effects: list[list[Effect]]) -> list[tuple[np.ndarray, list]]:
    """Per effect position k: (the rows whose activity has a k-th effect, the k-th effect of
    each distinct activity or None). `codes` index `effects` per row; -1 is the last entry."""
    counts = np.array([len(e) for e in effects], dtype=np.int64)
    per_row = counts[np.where(codes < 0, len(effects) - 1, codes)]
    out = []
    for k in range(int(counts.max(initial=0))):
        rows = np.flatnonzero(per_row > k)
        out.append((rows, [e[k] if len(e) > k else None for e in effects]))
    return out


def effect_field(effects_k: list, codes: np.ndarray, attr: str) -> np.ndarray:
    """Per row, `attr` of its activity's k-th effect (object array; None where unset)."""
    table = np.array([getattr(e, attr) if e is not None else None for e in effects_k], dtype=object)
    return table[np.where(codes < 0, len(effects_k) - 1, codes)]


def apply_reopen_rule(ev: pd.DataFrame, rule: str | list[str], activities: pd.Series) -> None:
    """Make moves out of resolved/closed that the rule does not count as reopens into notes
    (in place); `ev` is sorted by ticket and time, `activities` holds each row's activity.

    A row reopens when it is a reopen mark: an activity of the list, or (repeated_resolution)
    a status change followed later by a resolution. Any other active status change while the
    ticket's last mark is a resolution leaves the ticket resolved: it becomes a note.
    """
    if rule == "status":
        return
    cls = ev["status_class"]
    done = cls.isin(DONE_CLASSES).to_numpy()
    active = (cls.notna() & ~cls.isin(DONE_CLASSES)).to_numpy()
    tid = ev["ticket_id"]
    if isinstance(rule, list):
        listed = {a.strip().lower() for a in rule}
        mark_reopen = (
            active & activities.str.strip().str.lower().isin(listed).fillna(False).to_numpy()
        )
    else:
        resolution = cls.isin(("resolved", "closed")).to_numpy()
        later = pd.Series(resolution[::-1].astype(np.int64)).groupby(tid.to_numpy()[::-1]).cumsum()
        later = later.to_numpy()[::-1] - resolution
        mark_reopen = active & (later > 0)
    marks = pd.Series(np.where(done, 1.0, np.where(mark_reopen, 2.0, np.nan)), index=ev.index)
    last_mark = marks.groupby(tid).ffill().groupby(tid).shift()
    suppressed = active & ~mark_reopen & (last_mark == 1).to_numpy()
    if suppressed.any():
        status_like = ev["event"].isin(STATUS_LIKE_EVENTS).to_numpy()
        ev.loc[suppressed & status_like, "event"] = "note"
        ev.loc[suppressed, "status_class"] = None
