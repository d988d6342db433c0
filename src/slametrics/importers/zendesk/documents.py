"""Zendesk JSON files: which export a document or NDJSON file holds, its pages and sideloads."""

from __future__ import annotations

from collections import Counter

from slametrics.errors import UserError
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import json_list, load_json
from slametrics.importers.zendesk.accumulate import Accumulator
from slametrics.importers.zendesk.audits import read_activity
from slametrics.importers.zendesk.pages import page_set
from slametrics.importers.zendesk.sla_metrics import (
    metrics_frame,
    parse_metrics,
    read_metric_events,
)
from slametrics.importers.zendesk.tickets_json import read_tickets
from slametrics.importers.zendesk.vocabulary import (
    DOC_KEYS,
    NAME_SIDELOADS,
    SEARCH_TICKET,
    SINGLE_KEYS,
)
from slametrics.problems import problem

# records of one kind (tickets, audits, ...) with the line (NDJSON) or ordinal each came from
Batch = tuple[list[dict], list[int]]


def read_json_file(f: InputFile, acc: Accumulator, tz: str, overrides: dict[str, str]) -> None:
    """One Zendesk JSON document or NDJSON file: its records by kind, its sideloads."""
    doc, records, lines, problems = load_json(f)
    acc.report.problems += f.problems + problems
    acc.report.rows_read += len(problems)
    acc.report.rows_rejected += len(problems)
    metric_sets: Batch = ([], [])
    if doc is not None:
        if isinstance(doc, dict):
            records, lines = [doc], [1]
        elif isinstance(doc, list):
            records = [r for r in doc if isinstance(r, dict)]
            lines = list(range(1, len(records) + 1))
        else:
            raise UserError(f"{f.name}: JSON holds neither records nor a list of records")
    _note_pages(records, f.name, acc)
    skipped: Counter[str] = Counter()
    batches = _split_pages(records, lines, acc, metric_sets, skipped, ordinal=doc is not None)
    if skipped:
        counts = ", ".join(f"{kind} {n}" for kind, n in skipped.items())
        said = f"{skipped.total()} ({counts})"
        acc.report.problems.append(problem("not-a-ticket", file=f.name, skipped=said))
    if metric_sets[0]:
        frame = metrics_frame(*metric_sets, f.name)
        acc.metrics.append(parse_metrics(frame, f.name, tz, acc, False, "metric_sets"))
    for kind, (recs, nums) in batches.items():
        if kind is None:
            if not recs:
                continue
            keys = sorted(recs[0])[:20]
            raise UserError(
                f"{f.name}: JSON records are not a Zendesk export this importer knows (tickets, "
                f"search results, audits, ticket_events, ticket_metric_events, ticket_metrics); "
                f"keys found: {', '.join(keys)}"
            )
        if kind == "users":
            _add_sideload("users", recs, acc)
            continue
        acc.report.rows_read += len(recs)
        if recs:
            _dispatch(f, kind, recs, nums, acc, tz, overrides)


def _dispatch(
    f: InputFile,
    kind: str,
    recs: list[dict],
    lines: list[int],
    acc: Accumulator,
    tz: str,
    overrides: dict[str, str],
) -> None:
    if kind == "tickets":
        read_tickets(f, recs, lines, acc, tz, overrides)
    elif kind == "metric_events":
        read_metric_events(f, recs, lines, acc, tz)
    elif kind == "ticket_metrics":
        frame = metrics_frame(recs, lines, f.name)
        acc.metrics.append(parse_metrics(frame, f.name, tz, acc, own_rows=True))
    else:
        read_activity(f, recs, lines, kind, acc, tz)


def _note_pages(records: list[dict], file: str, acc: Accumulator) -> None:
    """Keep what the file's API pages say of the export's end (`incomplete-export` is decided
    over all the files of the import: a later file may hold the pages that follow)."""
    pages = [(r, k) for r in records if (k := _main_key(r)) not in (None, "users")]
    state = page_set([r for r, _ in pages], [k for _, k in pages], file)  # type: ignore[misc]
    if state is not None:
        acc.page_sets.append(state)


def _split_pages(
    records: list[dict],
    lines: list[int],
    acc: Accumulator,
    metric_sets: Batch,
    skipped: Counter[str],
    ordinal: bool,
) -> dict[str | None, Batch]:
    """Records grouped by kind. API pages (`{"tickets": [...], "after_cursor": ...}`, one per
    NDJSON line or a list of them, and the full JSON export's `{"ticket": {...}}` lines) are
    opened into their records, their sideloads kept. Search results (pages' `results` or loose
    records) that are not tickets are counted in `skipped` by their `result_type`.

    In a JSON document a record's line is its ordinal in its page list; in NDJSON the line of
    the page (or of the record itself) in the file.
    """
    batches: dict[str | None, Batch] = {}
    loose: Batch = ([], [])
    # a loop per page or loose record, not per field: the work per field is columnar later
    for rec, line in zip(records, lines, strict=True):
        key = _main_key(rec)
        if key is None:
            loose[0].append(rec)
            loose[1].append(line)
            continue
        _add_page_sideloads(rec, key, acc, metric_sets, line, ordinal)
        value = rec[key]
        recs = [value] if isinstance(value, dict) else [r for r in value if isinstance(r, dict)]
        if key == "results":
            recs = [recs[i] for i in _search_tickets(recs, skipped)]
        batch = batches.setdefault(DOC_KEYS[key], ([], []))
        start = len(batch[0])
        batch[0].extend(recs)
        batch[1].extend(range(start + 1, start + len(recs) + 1) if ordinal else [line] * len(recs))
    if any("result_type" in r for r in loose[0]):
        # search results saved one per line: the tickets among them, whatever keys they carry
        kept = _search_tickets(loose[0], skipped)
        batch = batches.setdefault("tickets", ([], []))
        batch[0].extend(loose[0][i] for i in kept)
        batch[1].extend(loose[1][i] for i in kept)
        loose = ([], [])
    if loose[0] or not batches:
        kind = _record_kind(loose[0])
        batch = batches.setdefault(kind, ([], []))
        batch[0].extend(loose[0])
        batch[1].extend(loose[1])
    return batches


def _add_page_sideloads(
    page: dict, key: str, acc: Accumulator, metric_sets: Batch, line: int, ordinal: bool
) -> None:
    for name in NAME_SIDELOADS:
        if isinstance(page.get(name), list) and name != key:
            _add_sideload(name, page[name], acc)
    sets = [m for m in json_list(page.get("metric_sets")) if isinstance(m, dict)]
    if key != "metric_sets" and sets:
        start = len(metric_sets[0])
        metric_sets[0].extend(sets)
        numbers = range(start + 1, start + len(sets) + 1) if ordinal else [line] * len(sets)
        metric_sets[1].extend(numbers)


def _search_tickets(recs: list[dict], skipped: Counter[str]) -> list[int]:
    """The positions of the search results that are tickets (or name no type); the others are
    counted in `skipped` by their `result_type`."""
    kept = []
    for i, rec in enumerate(recs):  # a type check per result; the work per field is columnar
        kind = rec.get("result_type")
        if kind is None or str(kind).lower() == SEARCH_TICKET:
            kept.append(i)
        else:
            skipped[str(kind)] += 1
    return kept


def _main_key(doc: dict) -> str | None:
    """The key holding a page's records (`{"ticket": {...}}` holds one); None for a record."""
    for key in DOC_KEYS:
        if key != "users" and isinstance(doc.get(key), (list, dict)):
            if isinstance(doc[key], dict) and key not in SINGLE_KEYS:
                continue
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


def _add_sideload(key: str, records: list, acc: Accumulator) -> None:
    recs = [r for r in records if isinstance(r, dict) and r.get("id") is not None]
    names = {str(r["id"]): str(r["name"]) for r in recs if r.get("name")}
    if key == "users":
        acc.users.update(names)
        acc.roles.update({str(r["id"]): str(r["role"]) for r in recs if r.get("role")})
    else:
        acc.names[key].update(names)
