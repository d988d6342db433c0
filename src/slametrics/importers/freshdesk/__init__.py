"""Freshdesk importer: the ticket CSV export (English, Spanish, Russian headers), API JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.importers.base import Importer, ImportOptions, ImportResult
from slametrics.importers.csv_reader import first_record
from slametrics.importers.finalize import finalize
from slametrics.importers.freshdesk.api_json import read_api_json
from slametrics.importers.freshdesk.csv_export import read_csv_export
from slametrics.importers.freshdesk.vocabulary import API_KEYS, CSV_ALIASES, DISTINCTIVE
from slametrics.importers.headers import resolve_columns
from slametrics.importers.io import InputFile
from slametrics.importers.options import status_overrides
from slametrics.importers.registry import IMPORTER_INFO
from slametrics.importers.rows import dedupe_tickets, empty_result
from slametrics.importers.synthesize import snapshot_events
from slametrics.problems import ProblemReport


class FreshdeskImporter(Importer):
    name = "freshdesk"
    description = IMPORTER_INFO["freshdesk"].description
    fidelity = IMPORTER_INFO["freshdesk"].fidelity
    default_tz = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        if f.suffix in (".json", ".ndjson", ".jsonl"):
            head = f.head(1 << 16)
            hits = sum(f'"{k}"' in head for k in API_KEYS)
            return min(90, 40 + 15 * hits) if hits else 0
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        cols = resolve_columns(first_record(f), CSV_ALIASES)
        distinctive = sum(k in cols for k in DISTINCTIVE)
        has_id = "ticket_id" in cols
        score = 30 * has_id + 20 * ("created_at" in cols) + 6 * distinctive
        # "Ticket ID" + "Created time" alone could be anyone's CSV: some Freshdesk-only column
        # must be there too; with several of them, a missing id column still routes the file
        # here so that the error names it.
        mine = (has_id and distinctive >= 1) or distinctive >= 3
        return min(95, score) if mine else 0

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        overrides, mapping_tz = status_overrides(options)
        tz = options.tz or mapping_tz or self.default_tz
        report = ProblemReport()
        parts, reply_parts = [], []
        for f in files:
            if f.suffix in (".json", ".ndjson", ".jsonl") or f.head(64).lstrip()[:1] in ("[", "{"):
                tickets, replies, rep = read_api_json(f, tz, overrides)
                reply_parts.append(replies)
            else:
                tickets, rep = read_csv_export(f, tz, overrides)
            tickets["_file"] = f.name
            parts.append(tickets)
            report = report.merge(rep)
        tickets = pd.concat(parts, ignore_index=True)
        if tickets.empty:
            return empty_result(report, self.name)
        tickets, dups = latest_tickets(tickets)
        report.problems += dups
        events = snapshot_events(tickets)
        if "_status_since" in tickets:
            since = tickets.set_index("ticket_id")["_status_since"].dropna()
            current = (events["event"] == "status") & events["ticket_id"].isin(since.index)
            if current.any():
                events.loc[current, "at"] = events.loc[current, "ticket_id"].map(since)
            tickets = tickets.drop(columns=["_status_since"])
        replies = pd.concat(reply_parts, ignore_index=True) if reply_parts else None
        if replies is not None and len(replies):
            # conversations give the real reply times: they replace the synthesized first reply
            with_conv = replies["ticket_id"].unique()
            synth = (events["event"] == "agent_reply") & events["ticket_id"].isin(with_conv)
            replies = replies[replies["ticket_id"].isin(tickets["ticket_id"])]
            events = pd.concat([events[~synth], replies], ignore_index=True)
        tickets = tickets.drop(columns=["_line", "_file"], errors="ignore")
        tickets, events = finalize(
            tickets, events, source=options.source or "freshdesk", fidelity="snapshot"
        )
        return ImportResult(tickets, events, report, self.name)


def latest_tickets(tickets: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """One row per ticket, in input order: of a ticket seen twice (two API pages, two exports)
    the latest `updated_at` wins, among equal or unknown update times the later row."""
    if "updated_at" not in tickets:
        return dedupe_tickets(tickets)
    ordered = tickets.assign(_order=np.arange(len(tickets)))
    ordered = ordered.sort_values("updated_at", na_position="first", kind="stable")
    kept, dups = dedupe_tickets(ordered)
    kept = kept.sort_values("_order", kind="stable").drop(columns="_order")
    return kept.reset_index(drop=True), dups
