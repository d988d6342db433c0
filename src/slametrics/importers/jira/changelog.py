"""Jira issue comments and changelogs as canonical events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.importers.cells import parse_timestamps
from slametrics.importers.jira.issue_fields import is_public, user_id
from slametrics.importers.jira.vocabulary import classify
from slametrics.importers.json_reader import json_list, json_path, json_text
from slametrics.importers.statuses import transition_events
from slametrics.problems import ProblemReport


def issue_events(
    file: str,
    recs: list[dict],
    tickets: pd.DataFrame,
    history: np.ndarray,
    ok: np.ndarray,
    cat_of: pd.Series,
    tz: str,
    overrides: dict[str, str],
    report: ProblemReport,
) -> pd.DataFrame:
    """Comment events for every kept issue; changelog events for the issues that have one."""
    parts = [_comment_events(file, recs, tickets, ok, tz, report)]
    ch = _changes(file, recs, tickets, history, tz, report)
    parts.append(_status_events(file, ch, tickets, history, cat_of, overrides, report))
    other = ch[ch["field"].isin(["assignee", "priority"])]
    parts.append(
        pd.DataFrame(
            {
                "ticket_id": other["ticket_id"],
                "at": other["at"],
                "event": np.where(other["field"] == "priority", "priority", "assigned"),
                "value": other["to"],
                "status_class": None,
                "actor": other["actor"],
                "public": False,
                "_order": other["_order"],
            }
        )
    )
    # a truncated changelog may lack the first changes: the values at creation are not known
    whole = history & np.array([not _truncated(r.get("changelog")) for r in recs], dtype=bool)
    parts += [_initial_value(ch, tickets, whole, f, e) for f, e in INITIAL_VALUES]
    events = pd.concat([p for p in parts if len(p)] or [parts[0]], ignore_index=True)
    events = events[events["at"].notna()]
    return events.sort_values(["ticket_id", "at", "_order"], kind="stable")


# fields whose value at creation is an event then (`target_priority: at_start`, support lines)
INITIAL_VALUES = (("priority", "priority"), ("assignee", "assigned"))


def _truncated(changelog: object) -> bool:
    if not isinstance(changelog, dict):
        return False
    total = changelog.get("total")
    return isinstance(total, int) and total > len(json_list(changelog.get("histories")))


def _initial_value(
    ch: pd.DataFrame, tickets: pd.DataFrame, history: np.ndarray, field: str, event: str
) -> pd.DataFrame:
    """The field's value at creation of each issue with history, as an event then: where its
    first change came from, else its current value (as for the status at creation)."""
    rows = np.flatnonzero(history)
    first_from = _first_change_from(ch, field)
    current = (
        tickets[field].to_numpy(dtype=object) if field in tickets else np.full(len(tickets), None)
    )
    value = pd.Series(current[rows], index=rows, dtype=object)
    changed = first_from.index.intersection(value.index)
    value[changed] = first_from[changed]  # a first change from nothing: none at creation
    keep = value.notna().to_numpy()
    rows = rows[keep]
    return pd.DataFrame(
        {
            "ticket_id": tickets["ticket_id"].to_numpy()[rows],
            "at": tickets["created_at"].to_numpy()[rows],
            "event": event,
            "value": value.to_numpy()[keep],
            "status_class": None,
            "actor": "system",
            "public": False,
            "_order": -1,
        }
    )


def _first_change_from(ch: pd.DataFrame, field: str) -> pd.Series:
    """Per issue row (`_row`) with a change of `field`, the value its first change came from
    (null when it came from nothing: an empty `from` is not skipped for a later one)."""
    changes = ch[ch["field"] == field].sort_values(["_row", "at", "_order"], kind="stable")
    return changes.groupby("_row")["from"].first(skipna=False)


def _comment_events(
    file: str,
    recs: list[dict],
    tickets: pd.DataFrame,
    ok: np.ndarray,
    tz: str,
    report: ProblemReport,
) -> pd.DataFrame:
    """Replies and notes from the comments of the kept issues (any author but the reporter is an
    agent)."""
    ids = tickets["ticket_id"].to_numpy()
    line = tickets["_line"].to_numpy()
    comments = [
        (i, user_id(c.get("author")), json_text(c.get("created")), is_public(c))
        for i, r in enumerate(recs)
        if ok[i]
        for c in json_list(json_path(r, "fields", "comment", "comments"))
        if isinstance(c, dict)
    ]
    cm = pd.DataFrame(
        comments, columns=["_row", "author", "fields.comment.comments.created", "public"]
    )
    cm["_line"] = line[cm["_row"].to_numpy(dtype=int)] if len(cm) else []
    at, probs = parse_timestamps(cm, "fields.comment.comments.created", file=file, tz=tz)
    report.problems += probs
    rows = cm["_row"].to_numpy(dtype=int)
    reporters = tickets["_reporter_id"].to_numpy(dtype=object, na_value=None)
    agent = cm["author"].to_numpy(dtype=object, na_value=None) != reporters[rows]
    public = cm["public"].astype("boolean").fillna(True).astype(bool).to_numpy()
    return pd.DataFrame(
        {
            "ticket_id": ids[rows],
            "at": at,
            "event": np.where(public, np.where(agent, "agent_reply", "customer_reply"), "note"),
            "value": None,
            "status_class": None,
            "actor": np.where(agent, "agent", "customer"),
            "public": public,
            "_order": -1,
        }
    )


def _changes(
    file: str,
    recs: list[dict],
    tickets: pd.DataFrame,
    history: np.ndarray,
    tz: str,
    report: ProblemReport,
) -> pd.DataFrame:
    """Status, assignee and priority changelog items of the issues with history, one row each
    with its time, ticket and actor."""
    ids = tickets["ticket_id"].to_numpy()
    line = tickets["_line"].to_numpy()
    reporters = tickets["_reporter_id"].to_numpy(dtype=object, na_value=None)
    changes = [
        (
            i,
            json_text(h.get("created")),
            user_id(h.get("author")),
            json_path(h, "author", "accountType"),
            item.get("field") or item.get("fieldId"),
            json_text(item.get("fromString")),
            json_text(item.get("toString")),
        )
        for i, r in enumerate(recs)
        if history[i]
        for h in json_list(json_path(r, "changelog", "histories"))
        if isinstance(h, dict)
        for item in json_list(h.get("items"))
        if isinstance(item, dict)
        and (item.get("field") or item.get("fieldId")) in ("status", "assignee", "priority")
    ]
    ch = pd.DataFrame(
        changes,
        columns=[
            "_row",
            "changelog.histories.created",
            "author",
            "account_type",
            "field",
            "from",
            "to",
        ],
    )
    ch["_order"] = np.arange(len(ch))
    ch["_line"] = line[ch["_row"].to_numpy(dtype=int)] if len(ch) else []
    ch["at"], probs = parse_timestamps(ch, "changelog.histories.created", file=file, tz=tz)
    report.problems += probs
    ch = ch[ch["at"].notna()]
    crow = ch["_row"].to_numpy(dtype=int)
    ch_agent = ch["author"].to_numpy(dtype=object, na_value=None) != reporters[crow]
    actor = np.where(ch_agent, "agent", "customer")
    # automation rules (Jira "app" users) act for the system, not for an agent
    actor = np.where(ch["account_type"].to_numpy() == "app", "system", actor)
    ch = ch.assign(ticket_id=ids[crow], actor=actor)
    return ch


def _status_events(
    file: str,
    ch: pd.DataFrame,
    tickets: pd.DataFrame,
    history: np.ndarray,
    cat_of: pd.Series,
    overrides: dict[str, str],
    report: ProblemReport,
) -> pd.DataFrame:
    """Status events of the issues with history: the status at creation, then each change."""
    ids = tickets["ticket_id"].to_numpy()
    line = tickets["_line"].to_numpy()
    # the status at creation: where the first change came from, else the current status
    hist_rows = np.flatnonzero(history)
    st = ch[ch["field"] == "status"].sort_values(["_row", "at", "_order"], kind="stable")
    first_from = _first_change_from(ch, "status")
    init_status = pd.Series(tickets["status"].to_numpy()[hist_rows], index=hist_rows)
    init_status.update(first_from.dropna())
    init = pd.DataFrame(
        {
            "_row": hist_rows,
            "at": tickets["created_at"].to_numpy()[hist_rows],
            "to": init_status.to_numpy(),
            "from": None,
            "actor": "system",
            "ticket_id": ids[hist_rows],
            "_line": line[hist_rows],
            "_order": -1,
            "_init": True,
        }
    )
    st = pd.concat([init, st.assign(_init=False)], ignore_index=True)
    st = st[st["to"].notna()].sort_values(
        ["_row", "at", "_init", "_order"], ascending=[True, True, False, True], kind="stable"
    )
    cats = st["to"].str.lower().map(cat_of)
    classes, probs = classify(
        st["to"],
        st,
        column="changelog.items.toString",
        file=file,
        overrides=overrides,
        categories=cats,
    )
    current = set(tickets["status"].dropna())
    report.problems += [p for p in probs if p.value not in current]
    prev_raw, _ = classify(
        st["from"],
        st,
        column="from",
        file=file,
        overrides=overrides,
        categories=st["from"].str.lower().map(cat_of),
    )
    event = transition_events(st["ticket_id"], classes, prev_raw.where(st["from"].notna()))
    event = np.where(st["_init"].to_numpy(dtype=bool), "status", event)
    return pd.DataFrame(
        {
            "ticket_id": st["ticket_id"],
            "at": st["at"],
            "event": event,
            "value": st["to"],
            "status_class": classes,
            "actor": st["actor"],
            "public": False,
            "_order": st["_order"],
        }
    )
