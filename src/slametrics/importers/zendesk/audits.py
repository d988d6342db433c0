"""Zendesk ticket audits and incremental ticket events: history as canonical events."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from slametrics.importers.cells import parse_timestamps
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import json_list, json_texts
from slametrics.importers.rows import reject_missing
from slametrics.importers.statuses import map_status_classes, transition_events
from slametrics.problems import ProblemReport

if TYPE_CHECKING:  # for annotations only: the accumulator imports this module
    from slametrics.importers.zendesk.accumulate import Accumulator


def read_activity(
    f: InputFile, recs: list[dict], lines: list[int], kind: str, acc: Accumulator, tz: str
) -> None:
    """Audits or incremental ticket events, flattened to one row per relevant child event."""
    child_key = "events" if kind == "audits" else "child_events"
    audits = pd.DataFrame(
        {
            "_line": lines,
            "_file": f.name,
            "ticket_id": json_texts([r.get("ticket_id") for r in recs]),
            "created_at": json_texts([r.get("created_at") for r in recs]),
            "timestamp": pd.to_numeric(
                pd.Series([r.get("timestamp") for r in recs], dtype="object"), errors="coerce"
            ),
            "author_id": json_texts([r.get("author_id", r.get("updater_id")) for r in recs]),
            "top_type": json_texts([r.get("event_type") for r in recs]),
        }
    )
    from_unix = audits["created_at"].isna() & audits["timestamp"].notna()
    if from_unix.any():
        stamps = pd.to_datetime(audits.loc[from_unix, "timestamp"], unit="s", utc=True)
        audits.loc[from_unix, "created_at"] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    at, probs = parse_timestamps(audits, "created_at", file=f.name, tz=tz)
    keys = {"ticket_id": "ticket_id", "created_at": "created_at"}
    bad, missing = reject_missing(audits.assign(created_at=at), audits, keys, f.name)
    acc.reject(probs + missing, bad, audits)
    audits["at"] = at
    acc.activity_records.append(audits.loc[~bad, ["_file", "_line", "ticket_id"]])
    keep = (~bad).tolist()
    children = [
        (i, *_child(c))
        for i, r in enumerate(recs)
        if keep[i]
        for c in json_list(r.get(child_key))
        if isinstance(c, dict)
    ]
    cols = ["_row", "src", "kind", "field", "value", "previous", "public", "author"]
    ch = pd.DataFrame(children, columns=cols)
    creation = set(ch.loc[ch["kind"] == "Create", "_row"]) | set(
        np.flatnonzero(audits["top_type"].eq("Create").to_numpy())
    )
    ch["_creation"] = ch["_row"].isin(creation)
    relevant = (ch["kind"] == "Comment") | ch["field"].isin(
        ["status", "priority", "assignee_id", "requester_id"]
    )
    ch = ch[relevant & ch["kind"].isin(["Comment", "Change", "Create"])]
    base = audits.iloc[ch["_row"].to_numpy()].reset_index(drop=True)
    ch = ch.reset_index(drop=True)
    flat = pd.DataFrame(
        {
            "_line": base["_line"],
            "_file": base["_file"],
            "_order": np.arange(len(ch)),
            "ticket_id": base["ticket_id"],
            "at": base["at"],
            "kind": ch["kind"],
            "field": ch["field"],
            "value": ch["value"],
            "previous": ch["previous"],
            "public": ch["public"],
            "author": ch["author"].fillna(base["author_id"]),
            "creation": ch["_creation"],
            "_col": child_key + "." + ch["src"],
        }
    )
    acc.activity.append(flat)


def _child(c: dict) -> tuple:
    kind = json_texts([c.get("type") or c.get("event_type")])[0]
    field, value, src = json_texts([c.get("field_name")])[0], c.get("value"), "value"
    if field is None and kind in ("Change", "Create"):
        # incremental ticket_events name the field by its key: {"status": "open", ...}
        for key in ("status", "priority", "assignee_id", "requester_id"):
            if key in c:
                field, value, src = key, c[key], key
                break
    prev = c.get("previous_value")
    return (
        src,
        kind,
        field,
        None if value is None else str(value),
        None if prev is None or isinstance(prev, (list, dict)) else str(prev),
        c.get("public") if isinstance(c.get("public"), bool) else None,
        json_texts([c.get("author_id")])[0],
    )


def tickets_from_activity(act: pd.DataFrame) -> pd.DataFrame:
    """Tickets known only from audits: created at their Create audit (else the first audit)."""
    act = act.sort_values(["ticket_id", "at", "_order"], kind="stable")
    g = act.groupby("ticket_id", sort=False)
    created = act[act["creation"]].groupby("ticket_id")["at"].min()
    tickets = pd.DataFrame(
        {"created_at": g["at"].min(), "_file": g["_file"].first(), "_line": g["_line"].first()}
    )
    tickets["created_at"] = created.reindex(tickets.index).fillna(tickets["created_at"])
    req = act[act["field"] == "requester_id"].groupby("ticket_id")["value"].first()
    creator = act[act["creation"]].groupby("ticket_id")["author"].first()
    tickets["_requester_id"] = req.reindex(tickets.index).fillna(creator.reindex(tickets.index))
    tickets["requester"] = tickets["_requester_id"]
    return tickets.rename_axis("ticket_id").reset_index()


def activity_events(
    act: pd.DataFrame,
    tickets: pd.DataFrame,
    roles: dict[str, str],
    users: dict[str, str],
    overrides: dict[str, str],
    rep: ProblemReport,
) -> pd.DataFrame:
    """Canonical events from flattened audit children, vectorized over all of them."""
    actor = pd.Series(_actors(act, tickets, roles), index=act.index)
    parts = [
        _comment_events(act, actor),
        _status_events(act, actor, overrides, rep),
        _change_events(act, actor, users),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(
            columns=["ticket_id", "at", "event", "value", "status_class", "actor", "public"]
        )
    events = pd.concat(parts, ignore_index=True)
    return events.sort_values(["ticket_id", "at", "_order"], kind="stable").drop(columns="_order")


def _actors(act: pd.DataFrame, tickets: pd.DataFrame, roles: dict[str, str]) -> np.ndarray:
    """Who acted in each audit child: an agent by the users sideload's role, else anyone but
    the requester; author -1 is Zendesk itself."""
    requester_col = "_requester_id" if "_requester_id" in tickets else "requester"
    requester = act["ticket_id"].map(tickets.set_index("ticket_id")[requester_col])
    req_change = act[act["field"] == "requester_id"]
    if len(req_change):
        # a requester set at creation (audits without a tickets file) stands for the ticket's
        requester = requester.fillna(
            req_change.groupby("ticket_id")["value"]
            .first()
            .reindex(act["ticket_id"])
            .set_axis(act.index)
        )
    role = act["author"].map(roles)
    not_requester = (act["author"] != requester).astype("boolean").fillna(True)
    agent = role.isin(["agent", "admin"]).where(role.notna(), not_requester)
    agent = agent.astype(bool).to_numpy()
    actor = np.where(act["author"] == "-1", "system", np.where(agent, "agent", "customer"))
    return actor


def _comment_events(act: pd.DataFrame, actor: pd.Series) -> pd.DataFrame:
    """Public comments as replies (by who wrote them), private ones as notes."""
    comments = act[(act["kind"] == "Comment") & ~act["creation"]]
    public = comments["public"].astype("boolean").fillna(True).astype(bool)
    c_actor = actor[comments.index]
    return pd.DataFrame(
        {
            "ticket_id": comments["ticket_id"],
            "at": comments["at"],
            "event": np.where(
                public, np.where(c_actor == "customer", "customer_reply", "agent_reply"), "note"
            ),
            "value": None,
            "status_class": None,
            "actor": c_actor,
            "public": public,
            "_order": comments["_order"],
        }
    )


def _status_events(
    act: pd.DataFrame, actor: pd.Series, overrides: dict[str, str], rep: ProblemReport
) -> pd.DataFrame:
    """Status changes as status / resolved / closed / reopened events, by transition."""
    st = act[(act["field"] == "status") & act["value"].notna()]
    st = st.sort_values(["ticket_id", "at", "_order"], kind="stable")
    classes = pd.Series(pd.NA, index=st.index, dtype="string")
    for (file, col), grp in st.groupby(["_file", "_col"], sort=False):
        cls, probs = map_status_classes(
            grp["value"], grp, column=col, file=file, overrides=overrides
        )
        classes.loc[grp.index] = cls
        rep.problems += probs
    prev_raw, _ = map_status_classes(
        st["previous"], st, column="previous", file="", overrides=overrides
    )
    event = np.where(
        st["kind"].eq("Create").to_numpy(),
        "status",
        transition_events(st["ticket_id"], classes, prev_raw.where(st["previous"].notna())),
    )
    s_actor = actor[st.index]
    return pd.DataFrame(
        {
            "ticket_id": st["ticket_id"],
            "at": st["at"],
            "event": event,
            "value": st["value"],
            "status_class": classes,
            "actor": s_actor,
            "public": False,
            "_order": st["_order"],
        }
    )


def _change_events(act: pd.DataFrame, actor: pd.Series, users: dict[str, str]) -> pd.DataFrame:
    """Priority and assignee events (assignees by name where the users sideload has it): the
    values a ticket was created with (its Create audit), then each change."""
    # a `priority` at creation is what `target_priority: at_start` looks up; an assignee at
    # creation is the first support line the ticket reached
    kinds = act["kind"].eq("Change") | (act["kind"].eq("Create") & act["value"].notna())
    ch = act[kinds & act["field"].isin(["priority", "assignee_id"])]
    return pd.DataFrame(
        {
            "ticket_id": ch["ticket_id"],
            "at": ch["at"],
            "event": np.where(ch["field"] == "priority", "priority", "assigned"),
            "value": ch["value"].replace(users).where(ch["field"] == "assignee_id", ch["value"]),
            "status_class": None,
            "actor": actor[ch.index],
            "public": False,
            "_order": ch["_order"],
        }
    )
