"""Jira REST issue JSON (search results, issue lists, one issue, NDJSON) as tickets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.errors import UserError
from slametrics.importers.cells import parse_timestamps, text_series
from slametrics.importers.io import InputFile
from slametrics.importers.jira.changelog import issue_events
from slametrics.importers.jira.combine import reject_rows
from slametrics.importers.jira.issue_fields import (
    custom_values,
    display_name,
    first_name,
    issue_extra,
    sla_frame,
    truncated_history,
    user_id,
)
from slametrics.importers.jira.pages import page_set
from slametrics.importers.jira.vocabulary import classify
from slametrics.importers.json_reader import (
    PageSet,
    json_list,
    json_path,
    json_text,
    load_json,
)
from slametrics.importers.rows import drop_resolved_before_created, reject_missing
from slametrics.problems import Problem, ProblemReport


def read_issues_json(
    f: InputFile,
    tz: str,
    overrides: dict[str, str],
    report: ProblemReport,
    rejected: set,
    page_sets: list[PageSet],
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """One file's issues as (tickets, events); what its search pages say of the result's end
    goes to `page_sets` (a later file may hold the pages that follow)."""
    doc, recs, lines, problems = load_json(f)
    report.problems += f.problems + problems
    report.rows_read += len(problems)
    report.rows_rejected += len(problems)
    names: dict[str, str] = {}
    if doc is None and recs and all(isinstance(r.get("issues"), list) for r in recs):
        doc = recs  # NDJSON of search pages: one page per line
    if (
        isinstance(doc, list)
        and doc
        and all(isinstance(p, dict) and isinstance(p.get("issues"), list) for p in doc)
    ):
        _note_pages(doc, f.name, page_sets)
        doc = merge_pages(doc)  # v2 startAt/total or v3 nextPageToken/isLast pages in a list
    elif isinstance(doc, dict) and isinstance(doc.get("issues"), list):
        _note_pages([doc], f.name, page_sets)
    if doc is not None:
        if isinstance(doc, dict) and isinstance(doc.get("issues"), list):
            names = doc.get("names") if isinstance(doc.get("names"), dict) else {}
            recs = doc["issues"]
        elif isinstance(doc, list):
            recs = doc
        elif isinstance(doc, dict) and ("fields" in doc or "key" in doc):
            recs = [doc]
        else:
            keys = sorted(doc)[:20] if isinstance(doc, dict) else []
            raise UserError(
                f"{f.name}: not a Jira issue export (expected a search result with `issues`, a "
                f"list of issues or one issue); keys found: {', '.join(keys)}"
            )
        recs = [r for r in recs if isinstance(r, dict)]
        lines = list(range(1, len(recs) + 1))
    report.rows_read += len(recs)
    if not recs:
        return None
    if not any(isinstance(r.get("fields"), dict) for r in recs):
        raise UserError(
            f"{f.name}: JSON records have no `fields`; not Jira issues (keys found: "
            f"{', '.join(sorted(recs[0])[:20])})"
        )
    return _issues(f.name, recs, lines, names, tz, overrides, report, rejected)


def _note_pages(pages: list[dict], file: str, page_sets: list[PageSet]) -> None:
    state = page_set(pages, file)
    if state is not None:
        page_sets.append(state)


def _issues(
    file: str,
    recs: list[dict],
    lines: list[int],
    names: dict[str, str],
    tz: str,
    overrides: dict[str, str],
    report: ProblemReport,
    rejected: set,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    fields = [r.get("fields") if isinstance(r.get("fields"), dict) else {} for r in recs]
    raw = pd.DataFrame(
        {
            "_line": lines,
            "key": [json_text(r.get("key") or r.get("id")) for r in recs],
            "fields.created": [json_text(x.get("created")) for x in fields],
            "fields.updated": [json_text(x.get("updated")) for x in fields],
            "fields.resolutiondate": [json_text(x.get("resolutiondate")) for x in fields],
        }
    )
    out = pd.DataFrame({"_line": lines, "_file": file})
    out["ticket_id"] = text_series(raw["key"].tolist())
    problems: list[Problem] = []
    for src, dst in (
        ("fields.created", "created_at"),
        ("fields.updated", "updated_at"),
        ("fields.resolutiondate", "resolved_at"),
    ):
        out[dst], probs = parse_timestamps(raw, src, file=file, tz=tz)
        problems += probs
    _text_fields(out, fields)
    problems += _custom_fields(out, recs, fields, names, lines, file, tz)
    problems += truncated_history(recs, lines, file)
    # a status's category from the issues that currently have it classes it in the changelog
    cat_of = (
        pd.DataFrame({"s": out["status"].str.lower(), "c": out["_category"]})
        .dropna()
        .drop_duplicates("s")
        .set_index("s")["c"]
    )
    out["status_class"], probs = classify(
        out["status"],
        raw.assign(_line=lines),
        column="fields.status.name",
        file=file,
        overrides=overrides,
        categories=out["_category"],
    )
    problems += probs
    out["extra"] = [issue_extra(r, x) for r, x in zip(recs, fields, strict=True)]
    problems += drop_resolved_before_created(out, file, "fields.resolutiondate")
    report.problems += problems
    bad, probs = reject_missing(
        out, raw, {"ticket_id": "key", "created_at": "fields.created"}, file
    )
    report.problems += probs
    reject_rows(rejected, out, bad, file)
    has_log = pd.Series([isinstance(json_path(r, "changelog", "histories"), list) for r in recs])
    out["fidelity"] = np.where(has_log, "history", "snapshot")
    ok = (~bad).to_numpy()
    events = issue_events(
        file, recs, out, ok & has_log.to_numpy(), ok, cat_of, tz, overrides, report
    )
    return out[ok], events


def _text_fields(out: pd.DataFrame, fields: list[dict]) -> None:
    """The issues' text fields and labels, as columns of `out`."""
    text = {
        "subject": [x.get("summary") for x in fields],
        "type": [json_path(x, "issuetype", "name") for x in fields],
        "priority": [json_path(x, "priority", "name") for x in fields],
        "status": [json_path(x, "status", "name") for x in fields],
        "_category": [json_path(x, "status", "statusCategory", "key") for x in fields],
        "requester": [display_name(x.get("reporter")) for x in fields],
        "_reporter_id": [user_id(x.get("reporter")) for x in fields],
        "assignee": [display_name(x.get("assignee")) for x in fields],
        "service": [first_name(x.get("components")) for x in fields],
    }
    for col, values in text.items():
        out[col] = text_series([json_text(v) for v in values])
    out["tags"] = [
        [str(t) for t in json_list(x.get("labels")) if isinstance(t, (str, int))] or None
        for x in fields
    ]


def _custom_fields(
    out: pd.DataFrame,
    recs: list[dict],
    fields: list[dict],
    names: dict[str, str],
    lines: list[int],
    file: str,
    tz: str,
) -> list[Problem]:
    """The JSM custom fields (request type, organizations, satisfaction, SLAs) as columns of
    `out`; the problems of the SLA breach times."""
    issue_names = [
        {**names, **(r["names"] if isinstance(r.get("names"), dict) else {})} for r in recs
    ]
    custom = [custom_values(x, n) for x, n in zip(fields, issue_names, strict=True)]
    for col in ("category", "organization"):
        out[col] = text_series([json_text(c.get(col)) for c in custom])
    out["csat"] = pd.to_numeric(
        pd.Series([c.get("csat") for c in custom], dtype="object"), errors="coerce"
    )
    sla = sla_frame(custom, out.index)
    for col in ("vendor_first_response_met", "vendor_resolution_met"):
        out[col] = sla[col]
    sla = sla.assign(_line=lines)
    out["due_at"], probs = parse_timestamps(sla, "due", file=file, tz=tz)
    # the resolution cycle's breach time is also the ticket's due_at (Jira has no other SLA due)
    out["vendor_resolution_due_at"] = out["due_at"]
    out["vendor_first_response_due_at"], first = parse_timestamps(
        sla, "first_due", file=file, tz=tz
    )
    probs = _rename(probs, "due", "fields.<Time to resolution>.breachTime")
    return probs + _rename(first, "first_due", "fields.<Time to first response>.breachTime")


def _rename(problems: list[Problem], old: str, new: str) -> list[Problem]:
    for p in problems:
        if p.column == old:
            p.column = new
    return problems


def merge_pages(pages: list[dict]) -> dict:
    """Search pages as one result: their issues in order, `names` of all pages merged (a later
    page's copy of an issue is kept too; the latest record wins downstream)."""
    names: dict = {}
    for page in pages:
        if isinstance(page.get("names"), dict):
            names.update(page["names"])
    return {"issues": [i for p in pages for i in p["issues"]], "names": names}
