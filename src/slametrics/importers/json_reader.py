"""JSON and NDJSON exports: documents, records with their line numbers, and nested values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slametrics.errors import UserError
from slametrics.importers.io import InputFile
from slametrics.problems import Problem, problem

MAX_JSON_DOCUMENT_BYTES = 1024**3  # one JSON document is parsed whole; NDJSON has no such limit


def is_json(f: InputFile) -> bool:
    """A JSON or NDJSON file by its name, else by its first non-blank character (or no content)."""
    return f.suffix in (".json", ".ndjson", ".jsonl") or f.head(1 << 12).lstrip()[:1] in "{["


def load_json(f: InputFile) -> tuple[Any, list[dict], list[int], list[Problem]]:
    """A JSON document, or NDJSON records with their line numbers; broken JSON -> UserError.

    NDJSON is recognized by its first non-blank line being a whole JSON value; then each bad line
    is a `malformed-json` problem. Returns (document or None, records, lines, problems).
    """
    text = f.text()
    stripped = text.lstrip()
    if not stripped:
        raise UserError(f"{f.name}: empty file")
    lines = text.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.strip())
    if len(f.data) > MAX_JSON_DOCUMENT_BYTES and len(lines) - first < 2:
        raise UserError(
            f"{f.name}: a single JSON document over 1 GiB; export it as NDJSON (one record per line)"
        )
    try:
        return json.loads(text), [], [], []
    except json.JSONDecodeError as exc:
        error = exc
    except RecursionError:
        raise UserError(f"{f.name}: JSON nested too deeply to be a ticket export") from None
    try:
        json.loads(lines[first])
    except (json.JSONDecodeError, RecursionError):
        raise UserError(
            f"{f.name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    records, numbers, problems = [], [], []
    for i, line in enumerate(lines[first:], start=first + 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(_malformed(f.name, i, line, exc.msg))
            continue
        except RecursionError:
            problems.append(_malformed(f.name, i, line, "nested too deeply"))
            continue
        if isinstance(rec, dict):
            records.append(rec)
            numbers.append(i)
        elif isinstance(rec, list):  # a list page per line (Freshdesk's pages as NDJSON)
            page, bad = _objects(rec, f.name, [])
            records += page
            numbers += [i] * len(page)
            problems += [p.model_copy(update={"line": i}) for p in bad]
        else:
            problems.append(_malformed(f.name, i, line, "not a JSON object"))
    return None, records, numbers, problems


def _malformed(file: str, line: int, text: str, msg: str) -> Problem:
    return problem("malformed-json", file=file, line=line, value=text[:200], detail=msg)


def read_json_records(
    f: InputFile, keys: tuple[str, ...] = ()
) -> tuple[list[dict], list[int], list[Problem]]:
    """Records from a JSON document (a list, or a dict holding a list under one of `keys`) or
    NDJSON (a record, or a list page of records, per line), with each record's line (NDJSON) or
    ordinal (a document's records have no line of their own)."""
    doc, records, lines, problems = load_json(f)
    if doc is None:
        return records, lines, problems
    if isinstance(doc, dict):
        listed = next((doc[k] for k in keys if isinstance(doc.get(k), list)), None)
        doc = [doc] if listed is None else listed
    if isinstance(doc, list):
        records, problems = _objects(doc, f.name, [])
        return records, list(range(1, len(records) + 1)), problems
    raise UserError(f"{f.name}: JSON holds neither records nor a list of records")


def _objects(
    items: list, name: str, problems: list[Problem], ndjson: bool = False
) -> tuple[list[dict], list[Problem]]:
    """Keep the JSON objects; anything else in a record position becomes a problem."""
    records = []
    for i, item in enumerate(items, start=1):  # only type checks; the work is per column later
        if isinstance(item, dict):
            records.append(item)
        else:
            where = "line" if ndjson else "record"
            problems.append(
                problem(
                    "malformed-json",
                    file=name,
                    line=i if ndjson else None,
                    value=repr(item)[:200],
                    detail=f"{where} {i} is {type(item).__name__}, not an object",
                )
            )
    return records, problems


@dataclass
class PageSet:
    """What one file's API pages say of the whole export they come from."""

    file: str
    kind: str  # pages of one kind across the files of an import continue each other
    held: int  # records the pages hold
    total: int | None  # records the whole export holds, where the pages say so
    ended: bool  # a page says nothing follows it
    missing: str  # what is missing: a template of `{held}` (across the files), `{total}`
    # and the export's own values as `literal()`s


def literal(value: object) -> str:
    """A value of the export (a cursor, a URL) as text for a `PageSet.missing` template."""
    return str(value).replace("{", "{{").replace("}", "}}")


def incomplete_exports(sets: list[PageSet]) -> list[Problem]:
    """One `incomplete-export` warning per kind of pages whose files, taken together, say that
    more follow (no page ends the export, or its total exceeds the records held): on the last
    file given, since the files of an import are read as one run of pages."""
    problems = []
    for kind in dict.fromkeys(s.kind for s in sets):
        group = [s for s in sets if s.kind == kind]
        held = sum(s.held for s in group)
        totals = [s.total for s in group if s.total is not None]
        if any(s.ended for s in group) or (totals and held >= max(totals)):
            continue
        last = group[-1]
        missing = last.missing.format(held=held, total=max(totals, default=0))
        problems.append(problem("incomplete-export", file=last.file, missing=missing))
    return problems


def json_path(rec: Any, *path: str) -> Any:
    """The value at `path` in nested JSON objects; None where a step is missing or not an object."""
    for key in path:
        if not isinstance(rec, dict):
            return None
        rec = rec.get(key)
    return rec


def json_list(value: Any) -> list:
    """A JSON array, or an empty list for anything else (a malformed export)."""
    return value if isinstance(value, list) else []


def json_text(value: Any) -> str | None:
    """A scalar as text (ids as `35436`, not `35436.0`); containers (a malformed export) as missing."""
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def json_texts(values: list[Any]) -> list[str | None]:
    """Scalars as text; containers (malformed input) missing."""
    return [json_text(v) for v in values]
