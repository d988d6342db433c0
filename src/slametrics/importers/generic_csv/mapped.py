"""An export with one row per activity, through a --mapping file with `layout: events`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.errors import UserError
from slametrics.importers.cells import clean_strings, parse_timestamps
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.generic_csv.fields import TEXT_FIELDS, source_columns
from slametrics.importers.options import ColumnMapping, EventMapping
from slametrics.importers.statuses import map_status_classes
from slametrics.problems import Problem, ProblemReport


def read_event_layout(
    table: CsvTable, file: str, mapping: ColumnMapping, tz: str
) -> tuple[pd.DataFrame, pd.DataFrame, ProblemReport]:
    """An export with one row per activity: events from each row, tickets from the first/last."""
    em = mapping.event_mapping or EventMapping()
    cols = {**mapping.columns, **em.columns}
    df = table.frame
    missing = [c for c in cols.values() if c not in df.columns]
    if missing:
        raise UserError(f"{file}: the mapping names missing column(s) {missing}")
    if "ticket_id" not in cols or "at" not in cols:
        raise UserError(f"{file}: an events layout mapping needs columns for ticket_id and at")
    renamed = pd.DataFrame({f: df[c] for f, c in cols.items()}, index=df.index)
    renamed["_line"] = df["_line"]
    problems: list[Problem] = []
    at, probs = parse_timestamps(
        renamed, "at", file=file, tz=tz, fmt=mapping.timestamp_format, dayfirst=mapping.dayfirst
    )
    problems += source_columns(probs, cols)
    ev = pd.DataFrame(
        {"_line": df["_line"], "ticket_id": clean_strings(renamed["ticket_id"]), "at": at}
    )
    raw_event = (
        clean_strings(renamed["event"])
        if "event" in renamed
        else pd.Series(pd.NA, index=df.index, dtype="string")
    )
    ev["event"] = raw_event.map(em.events).fillna("status")
    status_col = "status" if "status" in renamed else None
    raw_status = clean_strings(renamed[status_col]) if status_col else raw_event
    ev["value"] = raw_status
    classes, probs = map_status_classes(
        raw_status,
        ev.assign(value=raw_status),
        column="value",
        file=file,
        overrides=mapping.statuses,
    )
    problems += probs
    ev["status_class"] = classes.where(
        ev["event"].isin(["status", "resolved", "closed", "reopened", "created"])
    )
    ev["actor"] = np.where(
        ev["event"] == "customer_reply",
        "customer",
        np.where(ev["event"] == "agent_reply", "agent", "system"),
    )
    ev["public"] = ev["event"].isin(["agent_reply", "customer_reply"])
    reject = ev["ticket_id"].isna() | ev["at"].isna()
    ev = ev[~reject].sort_values(["ticket_id", "at", "_line"], kind="stable")
    g = ev.groupby("ticket_id", sort=False)
    tickets = pd.DataFrame(
        {
            "ticket_id": g["ticket_id"].first(),
            "created_at": g["at"].min(),
            "_line": g["_line"].first(),
        }
    )
    last_rows = renamed.loc[g.tail(1).index]
    for field in TEXT_FIELDS:
        if field in last_rows and field not in ("ticket_id",):
            tickets[field] = (
                clean_strings(last_rows[field])
                .set_axis(last_rows.index)
                .groupby(ev.loc[last_rows.index, "ticket_id"].values)
                .first()
                .reindex(tickets.index)
            )
    tickets = tickets.reset_index(drop=True)
    rep = ProblemReport(rows_imported=len(ev), rows_rejected=int(reject.sum()), problems=problems)
    return tickets, ev, rep
