"""Jira Service Management importer: REST issue JSON (changelog, comments, SLAs), CSV export."""

from __future__ import annotations

import pandas as pd

from slametrics.importers.base import Importer, ImportOptions, ImportResult
from slametrics.importers.csv_reader import first_record
from slametrics.importers.finalize import finalize_mixed
from slametrics.importers.headers import norm_header, resolve_columns
from slametrics.importers.io import InputFile
from slametrics.importers.jira.combine import combine
from slametrics.importers.jira.csv_export import read_csv_export
from slametrics.importers.jira.issues_json import read_issues_json
from slametrics.importers.jira.vocabulary import (
    CSV_ALIASES,
    CSV_MARKERS,
    CSV_REQUIRED,
    CUSTOM_FIELD,
    KEY_RE,
    STATUS_CLASSES,
)
from slametrics.importers.json_reader import PageSet, incomplete_exports, is_json
from slametrics.importers.options import mapping_options
from slametrics.importers.registry import IMPORTER_INFO
from slametrics.importers.rows import empty_result
from slametrics.problems import ProblemReport


class JiraImporter(Importer):
    """Jira Service Management exports into canonical tickets and events.

    REST JSON: a search result `{"issues": [...], "names": {...}}`, a list of issues, one issue,
    or NDJSON with one issue per line, fetched with `expand=changelog` (and `names`). An issue
    with a changelog has fidelity `history`: its status changes, with done -> not done as a
    reopen, and its comments (`jsdPublic` false = internal note; any author but the reporter
    is an agent). SLA custom fields (values with `completedCycles` / `ongoingCycle`) named
    "Time to first response" / "Time to resolution" (through `names` or the value's own `name`)
    give vendor_first_response_met / vendor_resolution_met (any breached cycle = not met; a
    running unbreached cycle = no verdict yet) and their breach times (vendor_*_due_at; the
    resolution cycle's breachTime is also `due_at`).
    Unknown status names are classed by their status category where the export has it.

    The CSV export ("all fields"; English, Russian or German headers) is a snapshot: dates are
    `dd/MMM/yy h:mm a` (localized month abbreviations accepted) in the EXPORTING USER's timezone,
    pass it as `--tz` (default UTC). Comment cells `date;author;body` give the reply times. They
    carry no visibility flag: a comment by anyone but the reporter counts as a public agent
    reply, except, when the export has JSM's `[CHART] Date of First Response`, an agent comment
    before that date (an internal note). SLA cells (`h:mm` remaining, `-h:mm` breached) give the
    vendor verdicts; a positive cell on an unfinished issue is no verdict yet.
    """

    name = "jira"
    description = IMPORTER_INFO["jira"].description
    fidelity = IMPORTER_INFO["jira"].fidelity
    default_tz = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        head = f.head(1 << 16)
        if head.lstrip()[:1] in ("{", "["):
            keys = set(KEY_RE.findall(head))
            if "fields" in keys and {"issues", "changelog", "issuetype", "statusCategory"} & keys:
                return 90
            return 60 if {"issuetype", "statusCategory"} <= keys else 0
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        header = first_record(f)
        lower = {norm_header(h) for h in header}
        found = resolve_columns(header, CSV_ALIASES)
        if not all(k in found for k in CSV_REQUIRED):
            return 0
        markers = len(lower & set(CSV_MARKERS)) + any(CUSTOM_FIELD.match(h) for h in lower)
        return min(95, 70 + 5 * markers)

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        tz, overrides, source = mapping_options(
            options, statuses=STATUS_CLASSES, default_tz=self.default_tz, default_source="jira"
        )
        report = ProblemReport()
        rejected: set[tuple[str, int]] = set()
        json_parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
        csv_parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
        page_sets: list[PageSet] = []
        for f in files:
            if is_json(f):
                part = read_issues_json(f, tz, overrides, report, rejected, page_sets)
                if part is not None:
                    json_parts.append(part)
            else:
                csv_parts.append(read_csv_export(f, tz, overrides, report, rejected))
        report.problems += incomplete_exports(page_sets)
        report.rows_rejected += len(rejected)
        report.rows_imported = report.rows_read - report.rows_rejected
        tickets, events = combine(json_parts, csv_parts, report)
        if not len(tickets):
            return empty_result(report, self.name)
        tickets, events = finalize_mixed(tickets, events, source=source)
        return ImportResult(tickets, events, report, self.name)
