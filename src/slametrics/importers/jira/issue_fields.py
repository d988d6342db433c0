"""Values of Jira issue JSON fields: users, comment visibility, custom and SLA fields."""

from __future__ import annotations

from typing import Any

import pandas as pd

from slametrics.importers.jira.vocabulary import CUSTOM_TEXT, FIRST_RESPONSE_SLA, RESOLUTION_SLA
from slametrics.importers.json_reader import json_list, json_path
from slametrics.problems import Problem, cap_problems, problem


def user_id(u: Any) -> str | None:
    """A Jira user's stable id: Cloud accountId, else Server name/key."""
    if not isinstance(u, dict):
        return None if u is None else str(u)
    for key in ("accountId", "name", "key", "emailAddress", "displayName"):
        if u.get(key):
            return str(u[key])
    return None


def display_name(u: Any) -> str | None:
    if not isinstance(u, dict):
        return None if u is None else str(u)
    return u.get("displayName") or user_id(u)


def is_public(comment: dict) -> bool | None:
    """jsdPublic, else the Server/DC `sd.public.comment` property, else visible."""
    if isinstance(comment.get("jsdPublic"), bool):
        return comment["jsdPublic"]
    for prop in comment.get("properties") or []:
        if isinstance(prop, dict) and prop.get("key") == "sd.public.comment":
            return not bool(json_path(prop, "value", "internal"))
    return None


def first_name(values: Any) -> str | None:
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return values[0].get("name") or values[0].get("value")
    return None


def custom_values(fields: dict, names: dict[str, str]) -> dict[str, Any]:
    """SLA cycles and the JSM text fields among an issue's custom fields."""
    out: dict[str, Any] = {}
    for fid, value in fields.items():
        if not fid.startswith("customfield_") or value is None:
            continue
        name = str(names.get(fid) or (value.get("name") if isinstance(value, dict) else "") or "")
        name = name.strip().lower()
        kind = CUSTOM_TEXT.get(name) or content_kind(value)
        if isinstance(value, dict) and ("completedCycles" in value or "ongoingCycle" in value):
            if name in FIRST_RESPONSE_SLA:
                out["first"] = value
            elif name in RESOLUTION_SLA:
                out["resolution"] = value
        elif kind == "category":
            out["category"] = (
                json_path(value, "requestType", "name")
                or json_path(value, "name")
                or (value if isinstance(value, str) else None)
            )
        elif kind == "organization":
            out["organization"] = first_name(value) or json_path(value, "name")
        elif name in ("satisfaction", "удовлетворенность", "zufriedenheit"):
            out["csat"] = json_path(value, "rating")
    return out


def content_kind(value: Any) -> str | None:
    """What a custom field holds, told by its value when the export has no `names` (a search
    without expand=names): JSM organizations link to servicedeskapi/organization/<id>, the
    customer request type holds `requestType` [Atlassian JSM REST: Organization, CustomerRequest]."""
    if isinstance(value, dict) and isinstance(value.get("requestType"), dict):
        return "category"
    items = value if isinstance(value, list) else []
    if items and all(
        isinstance(v, dict)
        and "name" in v
        and "/servicedeskapi/organization/" in str(json_path(v, "_links", "self") or "")
        for v in items
    ):
        return "organization"
    return None


def _sla_verdict(sla: Any) -> tuple[bool | None, Any]:
    """(verdict, breach time) of one SLA field value: any breached cycle = False; a running
    unbreached cycle = None; only completed unbreached cycles = True."""
    if not isinstance(sla, dict):
        return None, None
    done = [c for c in json_list(sla.get("completedCycles")) if isinstance(c, dict)]
    ongoing = sla.get("ongoingCycle") if isinstance(sla.get("ongoingCycle"), dict) else None
    cycles = done + ([ongoing] if ongoing else [])
    last = cycles[-1] if cycles else {}
    breach = json_path(last, "breachTime", "iso8601") or json_path(
        last, "breachTime", "epochMillis"
    )
    if any(c.get("breached") is True for c in cycles):
        return False, breach
    if ongoing is not None or not done:
        return None, breach
    return True, breach


def sla_frame(custom: list[dict], index: pd.Index) -> pd.DataFrame:
    """Per issue: the verdicts of the first-response and resolution SLAs and their breach times
    (as text: ISO, or epoch milliseconds made ISO), `first_due` and `due`."""
    first = [_sla_verdict(c.get("first")) for c in custom]
    res = [_sla_verdict(c.get("resolution")) for c in custom]
    return pd.DataFrame(
        {
            "vendor_first_response_met": pd.array([v for v, _ in first], dtype="boolean"),
            "vendor_resolution_met": pd.array([v for v, _ in res], dtype="boolean"),
            "first_due": _breach_texts([b for _, b in first], index),
            "due": _breach_texts([b for _, b in res], index),
        },
        index=index,
    )


# epoch milliseconds pandas can hold as a time (years 1677 to 2262)
_MILLIS_RANGE = (pd.Timestamp.min.value // 10**6 + 1, pd.Timestamp.max.value // 10**6)


def _breach_texts(values: list[Any], index: pd.Index) -> pd.Series:
    """Breach times as text: epoch milliseconds made ISO; anything else (ISO text, or a
    value that is no time: `true`, a number past the calendar) kept as written, for the
    timestamp parser to accept or report."""
    due = pd.Series(values, index=index, dtype="object")
    # a JSON `true` is a Python bool, which pandas would take for 1 ms
    numbers = [None if isinstance(v, bool) else v for v in values]
    millis = pd.to_numeric(pd.Series(numbers, index=index, dtype="object"), errors="coerce")
    millis = millis.astype("float64")
    millis = millis.where(millis.between(*_MILLIS_RANGE))
    as_iso = pd.to_datetime(millis, unit="ms", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return as_iso.where(millis.notna(), due.astype("string"))


def issue_extra(r: dict, fields: dict) -> list[tuple[str, str]]:
    pairs = [("issue_id", str(r["id"]))] if r.get("id") is not None else []
    for key in ("duedate",):
        if fields.get(key):
            pairs.append((key, str(fields[key])))
    for key, path in (("resolution", ("resolution", "name")), ("project", ("project", "key"))):
        value = json_path(fields, *path)
        if value:
            pairs.append((key, str(value)))
    return pairs


def truncated_history(recs: list[dict], lines: list[int], file: str) -> list[Problem]:
    """A warning per issue whose comment or changelog page holds fewer entries than its `total`
    (the search returns at most maxResults of each: replies or status changes are missing)."""
    found = []
    for rec, line in zip(recs, lines, strict=True):
        for column, page, key in (
            ("fields.comment", json_path(rec, "fields", "comment"), "comments"),
            ("changelog", rec.get("changelog"), "histories"),
        ):
            total = page.get("total") if isinstance(page, dict) else None
            held = len(json_list(page.get(key))) if isinstance(page, dict) else 0
            if isinstance(total, int) and total > held:
                found.append(
                    problem(
                        "truncated-history",
                        file=file,
                        line=line,
                        column=column,
                        value=f"{held} of {total}",
                        detail=f"{rec.get('key') or rec.get('id')}: {held} of {total} {key}",
                    )
                )
    return cap_problems(found)
