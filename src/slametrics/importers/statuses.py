"""Status vocabulary: raw statuses to status classes, and the events status changes make."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.columns import distinct_codes
from slametrics.importers.arrow_text import to_series
from slametrics.problems import Problem, problem
from slametrics.schema import DONE_CLASSES, STATUS_CLASSES

# Raw status (lower-cased) -> status class. Class names map to themselves; vendors' common names
# have defaults here; a mapping file or a vendor importer can add or override.
DEFAULT_STATUS_CLASSES: dict[str, str] = {
    **{c: c for c in STATUS_CLASSES},
    "cancelled": "canceled",
    "waiting customer": "waiting_customer",
    "waiting on customer": "waiting_customer",
    "waiting for customer": "waiting_customer",
    "awaiting customer": "waiting_customer",
    "awaiting user info": "waiting_customer",
    "awaiting caller": "waiting_customer",
    "pending": "waiting_customer",
    "waiting on third party": "waiting_third_party",
    "waiting for third party": "waiting_third_party",
    "waiting third party": "waiting_third_party",
    "awaiting vendor": "waiting_third_party",
    "awaiting problem": "waiting_third_party",
    "awaiting change": "waiting_third_party",
    "awaiting evidence": "waiting_customer",
    "pending vendor": "waiting_third_party",
    "hold": "on_hold",
    "on hold": "on_hold",
    "on-hold": "on_hold",
    "suspended": "on_hold",
    "deferred": "on_hold",
    "solved": "resolved",
    "done": "resolved",
    "fixed": "resolved",
    "completed": "resolved",
    "complete": "resolved",
    "in progress": "open",
    "work in progress": "open",
    "active": "open",
    "assigned": "open",
    "accepted": "open",
    "queued": "open",
    "escalated": "open",
    "reopened": "open",
    "to do": "open",
    "waiting for support": "open",
    "under investigation": "open",
    "unassigned": "new",
    "submitted": "new",
    "registered": "new",
    # Russian helpdesks (ITSM 365, Naumen, Bitrix24, 1C)
    "новый": "new",
    "новая": "new",
    "открыт": "open",
    "открыта": "open",
    "в работе": "open",
    "возобновлена": "open",
    "ожидает ответа клиента": "waiting_customer",
    "ожидание ответа": "waiting_customer",
    "ожидание клиента": "waiting_customer",
    "ожидание": "waiting_customer",
    "отложена": "on_hold",
    "отложен": "on_hold",
    "решена": "resolved",
    "решен": "resolved",
    "решён": "resolved",
    "выполнена": "resolved",
    "закрыта": "closed",
    "закрыт": "closed",
    "отменена": "canceled",
    "отменен": "canceled",
}


# the status class an event type implies when the event states none
IMPLIED_CLASSES = {"created": "new", "resolved": "resolved", "closed": "closed", "reopened": "open"}


def map_status_classes(
    raw: pd.Series,
    frame: pd.DataFrame,
    *,
    column: str,
    file: str,
    overrides: dict[str, str] | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """Status classes for raw statuses (case-insensitive); unknown ones become `open` + a warning.

    Worked out per distinct status (a handful over many rows), one warning per distinct unknown
    one at its first row.
    """
    codes, names = distinct_codes(raw.astype("string"))
    names = names.to_pylist()
    classes = status_classes_of(names, overrides)
    unknown = np.array([c is None for c in classes] + [False])[codes]
    lines = frame["_line"] if frame.index.equals(raw.index) else frame["_line"].reindex(raw.index)
    problems = distinct_value_warnings(
        np.flatnonzero(unknown),
        codes,
        names,
        lines.to_numpy(),
        file=file,
        column=column,
        code="unknown-status",
    )
    indices = pa.array(np.where(codes < 0, 0, codes).astype(np.int32), mask=codes < 0)
    dictionary = pa.array([c or "open" for c in classes] or [""], pa.large_string())
    out = pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.large_string())
    return to_series(out, index=raw.index), problems


def status_classes_of(names: list[str], overrides: dict[str, str] | None = None) -> list:
    """The status class of each raw status (trimmed, case-insensitive); None for unknown ones."""
    table = dict(DEFAULT_STATUS_CLASSES)
    table.update({k.strip().lower(): v for k, v in (overrides or {}).items()})
    return [table.get(n.strip().lower()) for n in names]


def distinct_value_warnings(
    rows: np.ndarray,
    codes: np.ndarray,
    names: list[str],
    lines: np.ndarray,
    *,
    file: str,
    column: str,
    code: str,
    note: str = "",
) -> list[Problem]:
    """One warning per distinct value among `rows` (trimmed, case-insensitive), at its first row
    and with its row count, not one per row. `codes` index `names` per row of the file, whose
    source lines are `lines`."""
    if not len(rows):
        return []
    key = np.array([v.strip().lower() for v in names], dtype=object)[codes[rows]]
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return [
        problem(
            code,
            file=file,
            line=int(lines[rows[i]]),
            column=column,
            value=names[codes[rows[i]]][:200],
            severity="warning",
            note=f"; {note}" if note else "",
            rows=int(c),
        )
        for i, c in sorted(zip(first, counts, strict=True))
    ]


def transition_events(
    ticket_ids: pd.Series, classes: pd.Series, prev_class: pd.Series
) -> np.ndarray:
    """Event names for status changes in time order per ticket: resolved / closed / reopened /
    status, by transition; `prev_class` stands in for the class before a ticket's first one."""
    prev = classes.groupby(ticket_ids).shift().fillna(prev_class)
    done_now = classes.isin(DONE_CLASSES)
    done_before = prev.isin(DONE_CLASSES)
    return np.select(
        [
            (classes == "closed").to_numpy(),
            (done_now & ~done_before).to_numpy(),
            (~done_now & done_before).to_numpy(),
        ],
        ["closed", "resolved", "reopened"],
        "status",
    )
