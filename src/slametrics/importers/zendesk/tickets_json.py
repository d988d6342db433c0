"""Zendesk incremental ticket export records as tickets (with their metric sets)."""

from __future__ import annotations

import pandas as pd

from slametrics.importers.cells import clean_strings, parse_timestamps, text_series
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import json_list, json_path, json_texts
from slametrics.importers.rows import reject_missing
from slametrics.importers.statuses import map_status_classes
from slametrics.importers.zendesk.accumulate import Accumulator
from slametrics.importers.zendesk.sla_metrics import metrics_frame, parse_metrics
from slametrics.importers.zendesk.vocabulary import SLAS_CLOCKS, csat_scores
from slametrics.problems import Problem


def read_tickets(
    f: InputFile,
    recs: list[dict],
    lines: list[int],
    acc: Accumulator,
    tz: str,
    overrides: dict[str, str],
) -> None:
    raw = pd.DataFrame(
        {
            "_line": lines,
            "id": json_texts([r.get("id") for r in recs]),
            "created_at": json_texts([r.get("created_at") for r in recs]),
            "updated_at": json_texts([r.get("updated_at") for r in recs]),
            "due_at": json_texts([r.get("due_at") for r in recs]),
            "status": json_texts([r.get("status") for r in recs]),
        }
    )
    out = pd.DataFrame({"_line": lines, "_file": f.name})
    out["ticket_id"] = clean_strings(raw["id"])
    problems: list[Problem] = []
    for col in ("created_at", "updated_at", "due_at"):
        out[col], probs = parse_timestamps(raw, col, file=f.name, tz=tz)
        problems += probs
    text = {
        "subject": json_texts([r.get("subject") or r.get("raw_subject") for r in recs]),
        "type": json_texts([r.get("type") for r in recs]),
        "priority": json_texts([r.get("priority") for r in recs]),
        "channel": json_texts([json_path(r, "via", "channel") for r in recs]),
        "organization": json_texts([r.get("organization_id") for r in recs]),
        "requester": json_texts([r.get("requester_id") for r in recs]),
        "assignee": json_texts([r.get("assignee_id") for r in recs]),
        "group": json_texts([r.get("group_id") for r in recs]),
    }
    for col, values in text.items():
        out[col] = text_series(values)
    out["_requester_id"] = out["requester"]
    out["status"] = clean_strings(raw["status"])
    out["status_class"], probs = map_status_classes(
        out["status"], out, column="status", file=f.name, overrides=overrides
    )
    problems += probs
    out["csat"] = csat_scores(
        pd.Series(
            json_texts([json_path(r, "satisfaction_rating", "score") for r in recs]), dtype="object"
        ).astype("string")
    )
    out["tags"] = [
        [str(t) for t in json_list(r.get("tags")) if isinstance(t, (str, int))] or None
        for r in recs
    ]
    out["extra"] = [_ticket_extra(r) for r in recs]
    problems += _sla_dues(out, recs, f.name, tz)
    acc.report.problems += problems
    bad, probs = reject_missing(out, raw, {"ticket_id": "id", "created_at": "created_at"}, f.name)
    acc.reject(probs, bad, out)
    acc.json_tickets.append(out[~bad])
    _embedded_metrics(f, recs, lines, acc, tz)


def _embedded_metrics(
    f: InputFile, recs: list[dict], lines: list[int], acc: Accumulator, tz: str
) -> None:
    """Metrics inside each ticket: `metric_set`, and the `dates` sideload (solve and status
    times without durations), which comes first so that a metric set of the ticket wins."""
    for key in ("dates", "metric_set"):
        embedded = [
            (dict(r[key], ticket_id=r.get("id")), n)
            for r, n in zip(recs, lines, strict=True)
            if isinstance(r.get(key), dict)
        ]
        if embedded:
            frame = metrics_frame([m for m, _ in embedded], [n for _, n in embedded], f.name)
            acc.metrics.append(parse_metrics(frame, f.name, tz, acc, False, key))


def _ticket_extra(r: dict) -> list[tuple[str, str]]:
    pairs = [
        (k, str(r[k]))
        for k in (
            "requester_id",
            "submitter_id",
            "assignee_id",
            "group_id",
            "organization_id",
            "external_id",
            "brand_id",
            "custom_status_id",
        )
        if r.get(k) is not None
    ]
    # `custom_fields` and `fields` hold the same values (the API returns both); either may be
    # missing from a trimmed export, so both are read and each field id kept once
    custom = {
        f"custom_field_{c.get('id')}": _field_text(c.get("value"))
        for key in ("fields", "custom_fields")
        for c in json_list(r.get(key))
        if isinstance(c, dict) and c.get("value") not in (None, "", [])
    }
    return pairs + list(custom.items())


def _field_text(value: object) -> str:
    """A custom field's value as text: multi-select lists as their options joined by spaces."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _sla_dues(out: pd.DataFrame, recs: list[dict], file: str, tz: str) -> list[Problem]:
    """The SLA due times of the `slas` sideload (`policy_metrics[].breach_at`) as columns of
    `out`, the earliest per clock; the ticket's own `due_at` (a task's Due date) is not one."""
    problems: list[Problem] = []
    for col in dict.fromkeys(SLAS_CLOCKS.values()):
        names = [m for m, c in SLAS_CLOCKS.items() if c == col]
        breach = [
            [
                str(m["breach_at"])
                for m in json_list(json_path(r, "slas", "policy_metrics"))
                if isinstance(m, dict) and m.get("metric") in names and m.get("breach_at")
            ]
            for r in recs
        ]
        raw = pd.DataFrame(
            {"_line": out["_line"], "breach_at": [min(b) if b else None for b in breach]}
        )
        if raw["breach_at"].isna().all():
            continue
        out[col], probs = parse_timestamps(raw, "breach_at", file=file, tz=tz)
        problems += probs
    return problems
