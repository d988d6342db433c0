"""One Jira import's files combined: rejected rows counted once, JSON issues over CSV rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.importers.rows import duplicate_rows
from slametrics.importers.synthesize import snapshot_events
from slametrics.problems import ProblemReport


def reject_rows(rejected: set, frame: pd.DataFrame, mask: pd.Series, file: str) -> None:
    lines = frame.loc[mask.fillna(False).astype(bool), "_line"].astype(int)
    rejected.update((file, int(n)) for n in lines)


def combine(json_parts, csv_parts, report: ProblemReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """JSON issues win over CSV rows of the same key (which only fill gaps); CSV duplicates warn."""
    js_t = pd.concat([t for t, _ in json_parts], ignore_index=True) if json_parts else None
    js_e = pd.concat([e for _, e in json_parts], ignore_index=True) if json_parts else None
    cs_t = pd.concat([t for t, _ in csv_parts], ignore_index=True) if csv_parts else None
    cs_e = pd.concat([e for _, e in csv_parts], ignore_index=True) if csv_parts else None
    if js_t is not None:
        js_t = js_t.sort_values("updated_at", na_position="first", kind="stable")
        keep = ~js_t.duplicated("ticket_id", keep="last")
        js_t = js_t[keep].sort_index()
        # JSON issues take replies from their comment events, never from a CSV fill
        for col in ("first_response_at", "agent_replies"):
            js_t[col] = np.nan
    if cs_t is not None:
        dup, probs = duplicate_rows(cs_t)
        if dup.any():
            report.problems += probs
            last_line = cs_t[~dup].set_index("ticket_id")["_line"]
            cs_e = cs_e[cs_e["_line"].to_numpy() == cs_e["ticket_id"].map(last_line).to_numpy()]
            cs_t = cs_t[~dup]
    if js_t is None and cs_t is None:
        return pd.DataFrame(columns=["ticket_id"]), pd.DataFrame(columns=["ticket_id"])
    parts_e = []
    if js_t is not None:
        parts_e.append(js_e)
        snap = js_t[js_t["fidelity"] == "snapshot"]
        if len(snap):
            parts_e.append(snapshot_events(snap))
    if cs_t is not None:
        only_csv = cs_t if js_t is None else cs_t[~cs_t["ticket_id"].isin(js_t["ticket_id"])]
        cs_t = cs_t.assign(fidelity="snapshot")
        if len(only_csv):
            # comments first: a reply and a resolution stamped in the same minute keep that order
            parts_e.append(cs_e[cs_e["ticket_id"].isin(only_csv["ticket_id"])])
            parts_e.append(snapshot_events(only_csv))
    if js_t is not None and cs_t is not None:
        tickets = (
            js_t.set_index("ticket_id").combine_first(cs_t.set_index("ticket_id")).reset_index()
        )
    else:
        tickets = js_t if js_t is not None else cs_t
    parts_e = [p for p in parts_e if len(p)]
    if not parts_e:
        return tickets, pd.DataFrame(columns=["ticket_id", "at", "event"])
    events = pd.concat(parts_e, ignore_index=True)
    # a reply known from both a comment cell and the first-response column is one reply
    dup_reply = (events["event"] == "agent_reply") & events.duplicated(["ticket_id", "at", "event"])
    return tickets, events[~dup_reply]
