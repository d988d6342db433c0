"""Zendesk importer: incremental ticket JSON, audits / ticket events, metric events, admin CSV."""

from __future__ import annotations

from slametrics.importers.base import Importer, ImportOptions, ImportResult
from slametrics.importers.csv_reader import first_record
from slametrics.importers.headers import resolve_columns
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import is_json
from slametrics.importers.options import mapping_options
from slametrics.importers.registry import IMPORTER_INFO
from slametrics.importers.zendesk.accumulate import Accumulator
from slametrics.importers.zendesk.admin_csv import read_admin_csv
from slametrics.importers.zendesk.documents import read_json_file
from slametrics.importers.zendesk.vocabulary import (
    CSV_ALIASES,
    CSV_MARKERS,
    CSV_REQUIRED,
    JSON_MARKERS,
    KEY_RE,
    STATUS_CLASSES,
)


class ZendeskImporter(Importer):
    """Zendesk exports into canonical tickets and events.

    JSON (UTC timestamps): Tickets API and incremental ticket export pages `{"tickets": [...]}`,
    time- or cursor-based (`next_page`/`end_time`/`count` or `after_cursor`/`end_of_stream`), as
    documents, lists of pages or one page per NDJSON line, and single-ticket responses
    `{"ticket": {...}}`; Search API pages `{"results": [...]}` (`search.json`, offset
    pagination, and `search/export`, cursor pagination), of whose results only those with
    `result_type` ticket are kept (the others are counted in one `not-a-ticket` notice); their
    `users`/`groups`/`organizations` sideloads name ids, the
    `metric_sets` sideload (and a ticket's `metric_set` or `dates`) gives the first reply, solve
    time, reopen and reply counts and when the current status began. A ticket seen twice: the
    latest `updated_at` wins (then the later page); status `deleted` is canceled. NDJSON with
    one ticket per line (bare or as `{"ticket": {...}}`), ticket audits `{"audits": [...]}`,
    incremental
    `{"ticket_events": [...]}` with `child_events`, `{"ticket_metric_events": [...]}` and
    `{"ticket_metrics": [...]}`. Files given together are combined: audits or ticket events make a
    ticket's fidelity `history` (first reply = first public comment whose author is an agent by
    the users sideload, else anyone but the requester; solved -> not solved = reopened). Without
    them a ticket is a `snapshot`; the tickets export has no solve time, so a solved ticket's
    `updated_at` stands for its resolution (and a closed one's for its closing) unless metric
    events (requester_wait_time fulfilment) or ticket_metrics (`solved_at`) give the real one.
    The SLA verdicts come from metric events: `breach` / `fulfill` of reply_time instance 1 ->
    vendor_first_response_met; of requester_wait_time / agent_work_time / resolution_time ->
    vendor_resolution_met; their breach times are vendor_first_response_due_at /
    vendor_resolution_due_at (also from the tickets' `slas` sideload). The ticket's own `due_at`
    (a task's Due date) stays `due_at`: it is no SLA due time.

    The admin CSV export (English, Russian or German headers) is a snapshot. Its timestamps are
    naive in the ACCOUNT's timezone: pass it as `--tz` (default UTC).
    """

    name = "zendesk"
    description = IMPORTER_INFO["zendesk"].description
    fidelity = IMPORTER_INFO["zendesk"].fidelity
    default_tz = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        head = f.head(1 << 16)
        start = head.lstrip()[:1]
        if start in ("{", "["):
            keys = set(KEY_RE.findall(head))
            if {"tickets", "ticket", "users"} & keys and {"requester_id", "via"} & keys:
                return 90
            if "result_type" in keys and {"results", "facets", "via"} & keys:
                return 90  # Search API pages, or their results one per line
            hits = len(JSON_MARKERS & keys)
            return min(95, 40 + 15 * hits) if hits else 0
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        header = first_record(f)
        found = resolve_columns(header, CSV_ALIASES)
        if not all(k in found for k in CSV_REQUIRED):
            return 0
        markers = sum(m in found for m in CSV_MARKERS)
        return min(95, 60 + 8 * markers) if markers else 0

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        tz, overrides, source = mapping_options(
            options, statuses=STATUS_CLASSES, default_tz=self.default_tz, default_source="zendesk"
        )
        acc = Accumulator()
        for f in files:
            if is_json(f):
                read_json_file(f, acc, tz, overrides)
            else:
                read_admin_csv(f, acc, tz, overrides)
        return acc.build(source, overrides, self.name)
