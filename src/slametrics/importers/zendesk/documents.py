"""Zendesk JSON files: which export a document or NDJSON file holds, and the sideloads."""

from __future__ import annotations

from typing import Any

from slametrics.errors import UserError
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import load_json
from slametrics.importers.zendesk.accumulate import Accumulator
from slametrics.importers.zendesk.audits import read_activity
from slametrics.importers.zendesk.sla_metrics import (
    metrics_frame,
    parse_metrics,
    read_metric_events,
)
from slametrics.importers.zendesk.tickets_json import read_tickets
from slametrics.importers.zendesk.vocabulary import DOC_KEYS


def read_json_file(f: InputFile, acc: Accumulator, tz: str, overrides: dict[str, str]) -> None:
    doc, records, lines, problems = load_json(f)
    acc.report.problems += f.problems + problems
    acc.report.rows_read += len(problems)
    acc.report.rows_rejected += len(problems)
    kind = None
    if doc is not None:
        records, kind = _doc_records(f, doc, acc)
        lines = list(range(1, len(records) + 1))
    # the full JSON export wraps each line as {"ticket": {...}}
    records = [
        r["ticket"] if r.keys() == {"ticket"} and isinstance(r["ticket"], dict) else r
        for r in records
    ]
    kind = kind or _record_kind(records)
    if kind is None:
        if not records:
            return
        keys = sorted(records[0])[:20]
        raise UserError(
            f"{f.name}: JSON records are not a Zendesk export this importer knows (tickets, "
            f"audits, ticket_events, ticket_metric_events, ticket_metrics); keys found: "
            f"{', '.join(keys)}"
        )
    if kind == "users":
        _add_users(records, acc)
        return
    acc.report.rows_read += len(records)
    if not records:
        return
    if kind == "tickets":
        read_tickets(f, records, lines, acc, tz, overrides)
    elif kind == "metric_events":
        read_metric_events(f, records, lines, acc, tz)
    elif kind == "ticket_metrics":
        frame = metrics_frame(records, lines, f.name)
        acc.metrics.append(parse_metrics(frame, f.name, tz, acc, own_rows=True))
    else:
        read_activity(f, records, lines, kind, acc, tz)


def _doc_records(f: InputFile, doc: Any, acc: Accumulator) -> tuple[list[dict], str | None]:
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, dict)], None
    if not isinstance(doc, dict):
        raise UserError(f"{f.name}: JSON holds neither records nor a list of records")
    for key in ("users", "groups", "organizations"):
        if isinstance(doc.get(key), list) and key != _main_key(doc):
            _add_sideload(key, doc[key], acc)
    key = _main_key(doc)
    if key is None:
        return [doc], None
    value = doc[key]
    records = [value] if isinstance(value, dict) else [r for r in value if isinstance(r, dict)]
    return records, DOC_KEYS[key]


def _main_key(doc: dict) -> str | None:
    for key in DOC_KEYS:
        if key != "users" and isinstance(doc.get(key), (list, dict)):
            return key
    return "users" if isinstance(doc.get("users"), list) else None


def _record_kind(records: list[dict]) -> str | None:
    if not records:
        return None
    keys = set(records[0])
    if {"metric", "instance_id"} <= keys or {"metric", "time", "type"} <= keys:
        return "metric_events"
    if "child_events" in keys:
        return "ticket_events"
    if {"events", "ticket_id"} <= keys:
        return "audits"
    if "reply_time_in_minutes" in keys or {"ticket_id", "solved_at"} <= keys:
        return "ticket_metrics"
    if {"requester_id", "status"} & keys and "id" in keys:
        return "tickets"
    if {"role", "name"} <= keys:
        return "users"
    return None


def _add_users(records: list[dict], acc: Accumulator) -> None:
    _add_sideload("users", records, acc)


def _add_sideload(key: str, records: list, acc: Accumulator) -> None:
    recs = [r for r in records if isinstance(r, dict) and r.get("id") is not None]
    names = {str(r["id"]): str(r["name"]) for r in recs if r.get("name")}
    if key == "users":
        acc.users.update(names)
        acc.roles.update({str(r["id"]): str(r["role"]) for r in recs if r.get("role")})
    else:
        acc.names[key].update(names)
