"""ServiceNow importer: the update-snapshot event log, the incident list CSV and task_sla CSV."""

from __future__ import annotations

import pandas as pd

from slametrics.errors import UserError
from slametrics.importers.base import Importer, ImportOptions, ImportResult
from slametrics.importers.csv_reader import first_record, read_csv
from slametrics.importers.finalize import finalize
from slametrics.importers.headers import resolve_columns
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import is_json
from slametrics.importers.options import status_overrides
from slametrics.importers.registry import IMPORTER_INFO
from slametrics.importers.rows import dedupe_tickets, empty_result
from slametrics.importers.servicenow.incident_list import read_list
from slametrics.importers.servicenow.json_records import (
    looks_like_records,
    read_records,
    unique_numbers,
)
from slametrics.importers.servicenow.task_sla import merge_task_sla
from slametrics.importers.servicenow.update_log import read_log
from slametrics.importers.servicenow.vocabulary import LIST_ALIASES, STATUS_CLASSES, export_role
from slametrics.importers.synthesize import snapshot_events
from slametrics.problems import ProblemReport


class ServiceNowImporter(Importer):
    name = "servicenow"
    description = IMPORTER_INFO["servicenow"].description
    fidelity = IMPORTER_INFO["servicenow"].fidelity
    default_tz = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        if is_json(f):
            return 90 if looks_like_records(f.head(1 << 16)) else 0
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        header = first_record(f)
        role = export_role(header)
        if role == "log":
            return 95
        if role == "sla":
            return 85
        if role == "list":
            cols = resolve_columns(header, LIST_ALIASES)
            return min(90, 55 + 5 * len(cols))
        return 0

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        overrides, mapping_tz = status_overrides(options)
        tz = options.tz or mapping_tz or self.default_tz
        classes = {**STATUS_CLASSES, **overrides}
        report = ProblemReport()
        logs, lists, slas = [], [], []
        for f in files:
            table = read_records(f) if is_json(f) else read_csv(f)
            role = export_role(table.columns)
            if role == "log" and is_json(f) and unique_numbers(table):
                role = "list"  # a JSON record per incident carries sys_mod_count too
            if role is None:
                raise UserError(
                    f"{f.name}: not a ServiceNow export: expected the update log (number, "
                    "incident_state, sys_mod_count, sys_updated_at, opened_at), an incident list "
                    "(number, opened_at, ...) or task_sla (task, sla, stage, has_breached); "
                    f"columns found: {', '.join(table.columns[:40])}"
                )
            if role == "log":
                tickets, events, rep = read_log(table, f.name, tz, classes)
                logs.append((tickets, events))
            elif role == "list":
                tickets, rep = read_list(table, f.name, tz, classes)
                lists.append(tickets)
            else:
                slas.append((table, f.name))
                continue
            report = report.merge(rep)
        if not logs and not lists:
            raise UserError(
                "a task_sla export holds SLA verdicts only: import it together with the incident "
                "export it belongs to (the incident list CSV or the update log)"
            )
        tickets, events = _combine(logs, lists, report)
        for table, name in slas:
            tickets, rep = merge_task_sla(tickets, table, name, tz)
            report = report.merge(rep)
        if tickets.empty:
            return empty_result(report, self.name)
        tickets = tickets.drop(columns=["_line", "_file"], errors="ignore")
        tickets, events = finalize(
            tickets, events, source=options.source or "servicenow", fidelity="history"
        )
        return ImportResult(tickets, events, report, self.name)


def _combine(
    logs: list[tuple[pd.DataFrame, pd.DataFrame]], lists: list[pd.DataFrame], report: ProblemReport
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log tickets (history) win; list rows add tickets the log lacks and fill empty fields."""
    log_tickets = pd.concat([t for t, _ in logs], ignore_index=True) if logs else None
    log_events = pd.concat([e for _, e in logs], ignore_index=True) if logs else None
    if log_tickets is not None:
        log_tickets, dups = dedupe_tickets(log_tickets)
        report.problems += dups
    if not lists:
        return log_tickets, log_events
    snap = pd.concat(lists, ignore_index=True)
    snap, dups = dedupe_tickets(snap)
    report.problems += dups
    if log_tickets is None:
        return snap, _snapshot_events(snap)
    in_log = snap["ticket_id"].isin(log_tickets["ticket_id"])
    fill = snap[in_log].set_index("ticket_id")
    merged = log_tickets.set_index("ticket_id")
    for col in ("subject", "organization", "service", "category", "channel"):
        if col in fill:
            filler = fill[col].reindex(merged.index)
            merged[col] = merged[col].fillna(filler) if col in merged else filler
    log_tickets = merged.reset_index()
    only = snap[~in_log]
    tickets = pd.concat([log_tickets, only], ignore_index=True)
    events = pd.concat([log_events, _snapshot_events(only)], ignore_index=True)
    return tickets, events


def _snapshot_events(tickets: pd.DataFrame) -> pd.DataFrame:
    return snapshot_events(tickets) if len(tickets) else pd.DataFrame(columns=["ticket_id", "at"])
