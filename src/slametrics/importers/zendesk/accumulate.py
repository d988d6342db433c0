"""What the files of one Zendesk import contribute, combined into tickets and events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.errors import UserError
from slametrics.importers.base import ImportResult
from slametrics.importers.finalize import finalize_mixed
from slametrics.importers.json_reader import PageSet, incomplete_exports
from slametrics.importers.rows import duplicate_rows, empty_result
from slametrics.importers.synthesize import snapshot_events
from slametrics.importers.zendesk.audits import activity_events, tickets_from_activity
from slametrics.importers.zendesk.sla_metrics import apply_metrics
from slametrics.importers.zendesk.vocabulary import SUMMARY_FIELDS
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import DONE_CLASSES


class Accumulator:
    """What the files of one import contribute, combined into tickets and events at the end."""

    def __init__(self) -> None:
        self.report = ProblemReport()
        self.rejected: set[tuple[str, int]] = set()
        self.json_tickets: list[pd.DataFrame] = []
        self.csv_tickets: list[pd.DataFrame] = []
        self.metrics: list[pd.DataFrame] = []
        self.metric_events: list[pd.DataFrame] = []
        self.activity: list[pd.DataFrame] = []
        self.activity_records: list[pd.DataFrame] = []
        self.users: dict[str, str] = {}
        self.roles: dict[str, str] = {}
        self.names: dict[str, dict[str, str]] = {"groups": {}, "organizations": {}}
        self.page_sets: list[PageSet] = []  # what each file's API pages say of the export's end

    def reject(self, problems: list[Problem], mask: pd.Series, frame: pd.DataFrame) -> None:
        self.report.problems += problems
        sel = frame.loc[mask.fillna(False).astype(bool), ["_file", "_line"]]
        self.rejected.update(zip(sel["_file"], sel["_line"].astype(int), strict=True))

    def build(self, source: str, overrides: dict[str, str], importer: str) -> ImportResult:
        rep = self.report
        rep.problems += incomplete_exports(self.page_sets)
        tickets = self._tickets()
        activity = pd.concat(self.activity, ignore_index=True) if self.activity else None
        metric_events = (
            pd.concat(self.metric_events, ignore_index=True) if self.metric_events else None
        )
        if tickets is None and activity is not None:
            tickets = tickets_from_activity(activity)
        if tickets is None:
            if metric_events is not None or self.metrics:
                raise UserError(
                    "Zendesk metric files need the tickets they describe: add the tickets export "
                    "(incremental tickets JSON/NDJSON or the admin CSV) or the ticket audits"
                )
            tickets = pd.DataFrame(columns=["ticket_id", "created_at", "_file", "_line"])
        known = set(tickets["ticket_id"])
        events = None
        if activity is not None:
            records = pd.concat(self.activity_records, ignore_index=True)
            self._drop_orphans(records, known, "ticket_id")
            activity = activity[activity["ticket_id"].isin(known)]
            events = activity_events(activity, tickets, self.roles, self.users, overrides, rep)
        if metric_events is not None:
            metric_events = self._drop_orphans(metric_events, known, "ticket_id")
        tickets = apply_metrics(tickets, self.metrics, metric_events)
        rep.rows_rejected += len(self.rejected)
        rep.rows_imported = rep.rows_read - rep.rows_rejected
        if not len(tickets):
            return empty_result(rep, importer)
        history_ids = set(events["ticket_id"]) if events is not None else set()
        history = tickets["ticket_id"].isin(history_ids)
        tickets["fidelity"] = np.where(history, "history", "snapshot")
        # a ticket with history takes its summaries from its events, not from rounded CSV
        # minutes or a metric record that may predate a reopen
        for col in SUMMARY_FIELDS:
            if col in tickets:
                tickets[col] = tickets[col].mask(history)
        snap = approximate_resolution(tickets[~history])
        parts = [dated_current_status(snapshot_events(snap), snap)] if len(snap) else []
        if events is not None and len(events):
            parts.append(events)
        tickets = pd.concat([tickets[history], snap]) if len(snap) else tickets
        tickets = tickets.drop(columns=["_status_since"], errors="ignore")
        ev = pd.concat(parts, ignore_index=True)
        tickets, ev = finalize_mixed(tickets, ev, source=source)
        return ImportResult(tickets, ev, rep, importer)

    def _tickets(self) -> pd.DataFrame | None:
        js = None
        if self.json_tickets:
            js = pd.concat(self.json_tickets, ignore_index=True)
            # the incremental export repeats a ticket for every update: the latest one wins
            js = js.sort_values("updated_at", na_position="first", kind="stable")
            js = js.drop_duplicates("ticket_id", keep="last").sort_index()
            for col, table in (
                ("requester", self.users),
                ("assignee", self.users),
                ("group", self.names["groups"]),
                ("organization", self.names["organizations"]),
            ):
                if table and col in js:
                    js[col] = js[col].replace(table)
        cs = None
        if self.csv_tickets:
            cs = pd.concat(self.csv_tickets, ignore_index=True)
            dup, probs = duplicate_rows(cs)
            self.report.problems += probs
            cs = cs[~dup]
        if js is None:
            return cs.reset_index(drop=True) if cs is not None else None
        if cs is None:
            return js.reset_index(drop=True)
        # the JSON export wins; the admin CSV fills what JSON lacks (solve time, reply counts)
        both = js.set_index("ticket_id").combine_first(cs.set_index("ticket_id"))
        return both.reset_index()

    def _drop_orphans(self, frame: pd.DataFrame, known: set, col: str) -> pd.DataFrame:
        orphan = ~frame[col].isin(known)
        if orphan.any():
            first = orphan & ~frame.duplicated(["_file", "_line"])
            probs = problems_from_mask(frame, first, code="unknown-ticket", column=col, file="")
            for p, file in zip(probs, frame.loc[first, "_file"], strict=True):
                p.file = file
            self.reject(probs, orphan, frame)
        return frame[~orphan]


def approximate_resolution(snap: pd.DataFrame) -> pd.DataFrame:
    """Snapshot tickets done without a recorded time: their last update stands for it."""
    if not len(snap) or "updated_at" not in snap or "status_class" not in snap:
        return snap
    snap = snap.copy()
    for col in ("resolved_at", "closed_at"):
        if col not in snap:
            snap[col] = pd.Series(pd.NaT, index=snap.index, dtype="datetime64[us, UTC]")
    unknown = snap["resolved_at"].isna() & snap["closed_at"].isna()
    cls = snap["status_class"]
    snap.loc[unknown & (cls == "resolved"), "resolved_at"] = snap["updated_at"]
    snap.loc[unknown & (cls == "closed"), "closed_at"] = snap["updated_at"]
    return snap


def dated_current_status(events: pd.DataFrame, snap: pd.DataFrame) -> pd.DataFrame:
    """The synthesized current-status event of an open ticket moved to when that status began
    (ticket metrics' `status_updated_at`), which places it better than the last update."""
    if "_status_since" not in snap:
        return events
    since = snap.set_index("ticket_id")["_status_since"].dropna()
    current = (events["event"] == "status") & events["ticket_id"].isin(since.index)
    current &= ~events["status_class"].isin(DONE_CLASSES)
    if current.any():
        events = events.copy()
        events.loc[current, "at"] = events.loc[current, "ticket_id"].map(since)
    return events
