"""Generic CSV importer: canonical tickets.csv / events.csv, or any CSV through a column map."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from slametrics.columns import concat_frames
from slametrics.errors import UserError
from slametrics.importers.base import Importer, ImportOptions, ImportResult
from slametrics.importers.csv_reader import CsvTable, first_record, read_csv, unique_names
from slametrics.importers.finalize import finalize_with_codes
from slametrics.importers.generic_csv.events import read_events
from slametrics.importers.generic_csv.fields import CODED_EVENT_FIELDS, file_role
from slametrics.importers.generic_csv.mapped import read_event_layout
from slametrics.importers.generic_csv.sources import read_source
from slametrics.importers.generic_csv.tickets import read_tickets
from slametrics.importers.io import InputFile
from slametrics.importers.options import ColumnMapping, load_mapping, timezone_and_source
from slametrics.importers.ordering import TicketLinks, link_events
from slametrics.importers.registry import IMPORTER_INFO
from slametrics.importers.synthesize import snapshot_events
from slametrics.problems import Problem, ProblemReport, problems_from_mask


class GenericCsvImporter(Importer):
    name = "csv"
    description = IMPORTER_INFO["csv"].description
    fidelity = IMPORTER_INFO["csv"].fidelity

    @classmethod
    def detect(cls, f: InputFile) -> int:
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        return 60 if file_role(first_record(f)) else 0

    @classmethod
    def stream_key(cls, header: list[str], options: ImportOptions) -> str | None:
        """`ticket_id` of a canonical tickets.csv or events.csv; a mapping's ticket id column
        when it names one column (not a combination of several)."""
        names = unique_names(header)
        if options.mapping is None:
            if file_role(header) is None:
                return None
            lower = {n.strip().lower(): n for n in names}  # the last wins, as the readers do
            return lower.get("ticket_id")
        mapping = load_mapping(options.mapping)
        em = mapping.event_mapping
        spec = mapping.columns.get("ticket_id") or (em.columns.get("ticket_id") if em else None)
        return spec if isinstance(spec, str) and spec in names else None

    @classmethod
    def stream_coded(cls, header: list[str], options: ImportOptions) -> tuple[str, ...]:
        if options.mapping is not None or file_role(header) != "events":
            return ()
        return tuple(_coded_columns(header))

    @classmethod
    def stream_source(cls, options: ImportOptions) -> str | None:
        mapping = load_mapping(options.mapping) if options.mapping else None
        return timezone_and_source(options, mapping, default_tz="UTC", default_source="csv")[1]

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        mapping = load_mapping(options.mapping) if options.mapping else None
        tz, source = timezone_and_source(options, mapping, default_tz="UTC", default_source="csv")
        report = ProblemReport()
        ticket_parts, event_parts = [], []
        # the next file is parsed (Arrow, GIL released) while this one is cleaned
        with ThreadPoolExecutor(max_workers=1) as reader:
            upcoming = reader.submit(_read_csv, files[0], mapping) if files else None
            for i, f in enumerate(files):
                table = upcoming.result()
                f.release()
                upcoming = (
                    reader.submit(_read_csv, files[i + 1], mapping) if i + 1 < len(files) else None
                )
                report.problems += table.problems
                if mapping is not None and mapping.layout == "events":
                    tickets, events, rep = read_event_layout(table, f.name, mapping, tz)
                    ticket_parts.append(tickets)
                    event_parts.append(events)
                else:
                    role = "tickets" if mapping is not None else file_role(table.header)
                    if role is None:
                        raise UserError(
                            f"{f.name}: not a canonical tickets.csv or events.csv (needs columns "
                            "ticket_id, created_at / ticket_id, at, event); give --mapping FILE"
                        )
                    if role == "tickets":
                        frame, rep = read_tickets(table, f.name, mapping, tz)
                        ticket_parts.append(frame)
                    else:
                        frame, rep = read_events(table, f.name, tz)
                        event_parts.append(frame)
                rep.rows_read = table.rows_read
                rep.rows_rejected += table.rows_read - table.rows
                report = report.merge(rep)
                del table  # the raw string columns are not needed past this point
        if not ticket_parts:
            raise UserError("events.csv given without tickets.csv: the tickets file is required")
        tickets = pd.concat(ticket_parts, ignore_index=True)
        tickets, dup_problems = _dedupe_tickets(tickets)
        report.problems += dup_problems
        history = bool(event_parts)
        events = concat_frames(event_parts) if history else snapshot_events(tickets)
        event_parts.clear()
        frame = None  # the loop's last reference to a part, so it can be freed
        links = link_events(events, tickets)
        events, orphan_problems, links = _drop_orphans(events, links)
        report.problems += orphan_problems
        report.rows_imported -= len(orphan_problems)
        report.rows_rejected += len(orphan_problems)
        tickets = tickets.drop(columns=["_line", "_file"], errors="ignore")
        events = events.drop(columns=["_line", "_file"], errors="ignore")
        tickets, events, codes = finalize_with_codes(
            tickets,
            events,
            source=source,
            fidelity="history" if history else "snapshot",
            links=links,
        )
        return ImportResult(tickets, events, report, self.name, codes)


def _read_csv(f: InputFile, mapping: ColumnMapping | None) -> CsvTable:
    """`read_csv`, with a canonical events file's few-valued columns coded while parsing; a
    mapping's source (CSV or JSON/NDJSON records) through `read_source`."""
    if mapping is not None:
        return read_source(f, mapping)
    header = first_record(f)
    if file_role(header) != "events":
        return read_csv(f)
    return read_csv(f, dictionary=_coded_columns(header))


def _coded_columns(header: list[str]) -> set[str]:
    """An events file's few-valued columns, by their names in the file."""
    lower = {name.strip().lower(): name for name in unique_names(header)}
    return {lower[c] for c in CODED_EVENT_FIELDS if c in lower}


def _dedupe_tickets(tickets: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    dup = tickets.duplicated("ticket_id", keep="last")
    problems = (
        problems_from_mask(
            tickets.assign(_line=tickets["_line"]),
            dup,
            code="duplicate-ticket",
            column="ticket_id",
            file="",
            severity="warning",
        )
        if "_line" in tickets
        else []
    )
    if "_file" in tickets:
        files = tickets.loc[dup, "_file"].tolist()
        for p, f in zip(problems, files, strict=True):
            p.file = f
    return tickets[~dup].reset_index(drop=True), problems


def _drop_orphans(events: pd.DataFrame, links: TicketLinks):
    """Events of tickets not in the tickets file dropped, each a problem (when lines are known)."""
    orphan = ~links.known[links.code]
    if not orphan.any():
        return events, [], links
    problems: list[Problem] = []
    if "_line" in events:
        problems = problems_from_mask(
            events,
            pd.Series(orphan, index=events.index),
            code="unknown-ticket",
            column="ticket_id",
            file="",
        )
        for p, f in zip(problems, events.loc[orphan, "_file"].tolist(), strict=True):
            p.file = f
    return events[~orphan].reset_index(drop=True), problems, links.without(orphan)
