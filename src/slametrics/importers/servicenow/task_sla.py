"""ServiceNow task_sla rows: the vendor's SLA verdicts and due times, onto their tickets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.importers.cells import clean_strings, parse_booleans, parse_timestamps
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.headers import require_columns, resolve_columns
from slametrics.importers.servicenow.vocabulary import (
    REQUIRED_SLA,
    RESOLUTION,
    RESPONSE,
    SLA_ALIASES,
    timestamp_format,
)
from slametrics.problems import Problem, ProblemReport, problems_from_mask


def merge_task_sla(
    tickets: pd.DataFrame, table: CsvTable, file: str, tz: str
) -> tuple[pd.DataFrame, ProblemReport]:
    """Vendor verdicts and the resolution due time from task_sla rows, onto their tickets.

    Cancelled SLAs are superseded (e.g. by a priority change) and ignored. Per ticket and clock
    (by the definition's name: "response" or "resolution"): breached if any SLA breached, met if
    all completed without breach, else unknown (still running). vendor_*_due_at is the planned
    end of the latest-started SLA of the clock (the resolution one also `due_at`).
    """
    df = table.frame
    cols = resolve_columns(table.columns, SLA_ALIASES)
    require_columns(
        cols,
        REQUIRED_SLA,
        SLA_ALIASES,
        file=file,
        found=table.columns,
        what="a ServiceNow task_sla export",
    )
    problems: list[Problem] = list(table.problems)
    task = clean_strings(df[cols["task"]])
    name = clean_strings(df[cols["sla"]])
    stage = (
        clean_strings(df[cols["stage"]]).str.lower().str.replace("_", " ")
        if "stage" in cols
        else pd.Series(pd.NA, index=df.index, dtype="string")
    )
    breached, probs = parse_booleans(df, cols["has_breached"], file=file)
    problems += probs
    times = {}
    for field in ("start_time", "planned_end_time"):
        times[field] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[us, UTC]")
        if field in cols:
            times[field], probs = parse_timestamps(
                df, cols[field], file=file, tz=tz, fmt=timestamp_format(df[cols[field]])
            )
            problems += probs
    start, planned = times["start_time"], times["planned_end_time"]
    unknown = task.notna() & ~task.isin(tickets["ticket_id"])
    problems += problems_from_mask(
        df.assign(**{cols["task"]: task}),
        unknown | task.isna(),
        code="unknown-ticket",
        column=cols["task"],
        file=file,
    )
    clock, probs = _clocks(df, cols, task, name, unknown, file)
    problems += probs
    use = task.notna() & ~unknown & clock.notna() & ~stage.str.startswith("cancel").fillna(False)
    completed = stage.isin(["completed", "achieved", "breached"]).fillna(False)
    met = pd.Series(pd.NA, index=df.index, dtype="boolean")
    met[(breached == True).fillna(False)] = False  # noqa: E712 (nullable boolean)
    met[((breached == False) & completed).fillna(False)] = True  # noqa: E712
    s = pd.DataFrame(
        {
            "task": task,
            "clock": clock,
            "start": start,
            "due": planned,
            "breached": (met == False).fillna(False),  # noqa: E712 (nullable)
            "met": (met == True).fillna(False),  # noqa: E712
            "row": np.arange(len(df)),
        }
    )[use]
    verdict, due = _verdicts_and_due(s)
    t = _onto_tickets(tickets, verdict, due)
    rejected = int((unknown | task.isna()).sum())
    rep = ProblemReport(
        rows_read=table.rows_read,
        rows_imported=len(df) - rejected,
        rows_rejected=rejected + table.rows_read - len(df),
        problems=problems,
    )
    return t.reset_index(), rep


def _clocks(
    df: pd.DataFrame,
    cols: dict[str, str],
    task: pd.Series,
    name: pd.Series,
    unknown: pd.Series,
    file: str,
) -> tuple[pd.Series, list[Problem]]:
    """The clock of each row by its SLA definition's name (response, resolution or None); one
    warning per name that is neither."""
    clock = pd.Series(
        np.where(
            name.str.contains(RESPONSE).fillna(False),
            "response",
            np.where(name.str.contains(RESOLUTION).fillna(False), "resolution", None),
        ),
        index=df.index,
    )
    neither = clock.isna() & name.notna() & ~unknown & task.notna()
    first_of_name = neither & ~name.where(neither).duplicated()
    return clock, problems_from_mask(
        df.assign(**{cols["sla"]: name}),
        first_of_name,
        code="unknown-sla-definition",
        column=cols["sla"],
        file=file,
        severity="warning",
    )


def _verdicts_and_due(s: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(verdict per task and clock, due time per task) from the SLA rows in use."""
    agg = s.groupby(["task", "clock"], sort=False).agg(
        any_breached=("breached", "any"), all_met=("met", "all")
    )
    verdict = pd.Series(pd.NA, index=agg.index, dtype="boolean")
    verdict[agg["all_met"]] = True
    verdict[agg["any_breached"]] = False
    latest = s.sort_values(["start", "row"], na_position="first").groupby(["task", "clock"]).tail(1)
    due = latest.set_index(["task", "clock"])["due"]
    return verdict, due


CLOCK_FIELDS = {
    "response": ("vendor_first_response_met", "vendor_first_response_due_at"),
    "resolution": ("vendor_resolution_met", "vendor_resolution_due_at"),
}


def _onto_tickets(tickets: pd.DataFrame, verdict: pd.Series, due: pd.Series) -> pd.DataFrame:
    """The tickets (indexed by id) with the verdicts and due times set where task_sla has them:
    per clock, the latest-started SLA's planned end; the resolution one is also `due_at`."""
    t = tickets.set_index("ticket_id")
    for clk, (field, due_field) in CLOCK_FIELDS.items():
        v = verdict[verdict.index.get_level_values("clock") == clk].droplevel("clock")
        if not v.empty:
            old = (t[field] if field in t else pd.Series(pd.NA, index=t.index)).astype("boolean")
            # task_sla is the SLA engine's own record; made_sla is legacy, so task_sla wins
            t[field] = v.reindex(t.index).where(t.index.isin(v.index), old)
        d = due[due.index.get_level_values("clock") == clk].droplevel("clock")
        if len(d):
            t[due_field] = d.reindex(t.index)
            if clk == "resolution":
                new_due = t[due_field]
                t["due_at"] = (
                    new_due.where(new_due.notna(), t["due_at"]) if "due_at" in t else new_due
                )
    return t
