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
    parts = [
        pd.DataFrame(
            {
                "ticket_id": t["ticket_id"],
                "at": t["created_at"],
                "event": "created",
                "value": "new",
                "status_class": "new",
                "actor": "system",
                "public": False,
            }
        )
    ]
    if "first_response_at" in t:
        fr = t[t["first_response_at"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": fr["ticket_id"],
                    "at": fr["first_response_at"],
                    "event": "agent_reply",
                    "value": None,
                    "status_class": None,
                    "actor": "agent",
                    "public": True,
                }
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
            parts.append(
                pd.DataFrame(
                    {
                        "ticket_id": sel["ticket_id"],
                        "at": sel[col],
                        "event": event,
                        "value": cls,
                        "status_class": cls,
                        "actor": "agent",
                        "public": False,
                    }
                )
            )
    if "status_class" in t:
        canceled = t[(t["status_class"] == "canceled")]
        last_known = _last_known(canceled)
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": canceled["ticket_id"],
                    "at": last_known,
                    "event": "status",
                    "value": canceled.get("status"),
                    "status_class": "canceled",
                    "actor": "system",
                    "public": False,
                }
            )
        )
        current = t[~done & t["status_class"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": current["ticket_id"],
                    "at": _last_known(current),
                    "event": "status",
                    "value": current.get("status"),
                    "status_class": current["status_class"],
                    "actor": "system",
                    "public": False,
                }
            )
        )
    non_empty = [p for p in parts if len(p)] or parts[:1]
    events = pd.concat(non_empty, ignore_index=True)
    return events[events["at"].notna()]


def _last_known(t: pd.DataFrame) -> pd.Series:
    cols = [c for c in ("updated_at", "first_response_at", "created_at") if c in t]
    if "updated_at" in t:
        return t["updated_at"].fillna(t[cols].max(axis=1))
    return t[cols].max(axis=1)
