"""Events synthesized from a ticket's summary timestamps, for sources without history."""

from __future__ import annotations

import pandas as pd

from slametrics.schema import DONE_CLASSES


def snapshot_events(tickets: pd.DataFrame) -> pd.DataFrame:
    """Events synthesized from summary timestamps, for sources without history (fidelity snapshot).

    created (class new), the first public agent reply, the resolution and the closing; and,
    for an unresolved ticket, its current class at `updated_at` (or its last known time), so
    "waiting on customer" is known. Pauses before that cannot be reconstructed.
    """
    t = tickets
    parts = [_events(t["ticket_id"], t["created_at"], "created", "new", "new", "system", False)]
    if "first_response_at" in t:
        fr = t[t["first_response_at"].notna()]
        parts.append(
            _events(
                fr["ticket_id"], fr["first_response_at"], "agent_reply", None, None, "agent", True
            )
        )
    done = (
        t["status_class"].isin(DONE_CLASSES) if "status_class" in t else pd.Series(False, t.index)
    )
    for col, event, cls in (
        ("resolved_at", "resolved", "resolved"),
        ("closed_at", "closed", "closed"),
    ):
        if col in t:
            sel = t[t[col].notna()]
            parts.append(_events(sel["ticket_id"], sel[col], event, cls, cls, "agent", False))
    if "status_class" in t:
        canceled = t[(t["status_class"] == "canceled")]
        last_known = _last_known(canceled)
        parts.append(
            _events(
                canceled["ticket_id"],
                last_known,
                "status",
                canceled.get("status"),
                "canceled",
                "system",
                False,
            )
        )
        current = t[~done & t["status_class"].notna()]
        parts.append(
            _events(
                current["ticket_id"],
                _last_known(current),
                "status",
                current.get("status"),
                current["status_class"],
                "system",
                False,
            )
        )
    non_empty = [p for p in parts if len(p)] or parts[:1]
    events = pd.concat(non_empty, ignore_index=True)
    return events[events["at"].notna()]


def _events(ticket_id, at, event, value, status_class, actor, public) -> pd.DataFrame:
    """One synthesized event per ticket row: columns are Series over the tickets or scalars."""
    return pd.DataFrame(
        {
            "ticket_id": ticket_id,
            "at": at,
            "event": event,
            "value": value,
            "status_class": status_class,
            "actor": actor,
            "public": public,
        }
    )


def _last_known(t: pd.DataFrame) -> pd.Series:
    cols = [c for c in ("updated_at", "first_response_at", "created_at") if c in t]
    if "updated_at" in t:
        return t["updated_at"].fillna(t[cols].max(axis=1))
    return t[cols].max(axis=1)
