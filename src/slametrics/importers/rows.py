"""Row rules: rows without an id or creation time, resolutions before creation, duplicate tickets."""

from __future__ import annotations

import pandas as pd

from slametrics.importers.base import ImportResult
from slametrics.importers.cells import clean_strings, is_blank
from slametrics.problems import Problem, ProblemReport, problem, problems_from_mask
from slametrics.schema import EVENTS_SCHEMA, TICKETS_SCHEMA, empty_frame


def reject_missing(
    out: pd.DataFrame, raw: pd.DataFrame, cols: dict[str, str], file: str
) -> tuple[pd.Series, list[Problem]]:
    """Rows to reject: no `ticket_id` or no usable `created_at` in `out` (parsed from `raw`).

    An empty id cell, and an empty creation cell of a row with an id, are `missing-value`
    problems showing `raw`'s cell in its column `cols["ticket_id"]` / `cols["created_at"]`; an
    unparseable time already has its own problem.
    """
    id_col, created_col = cols["ticket_id"], cols["created_at"]
    missing_id = out["ticket_id"].isna()
    no_created = is_blank(raw[created_col]) & ~missing_id
    problems = problems_from_mask(raw, missing_id, code="missing-value", column=id_col, file=file)
    problems += problems_from_mask(
        raw, no_created, code="missing-value", column=created_col, file=file
    )
    return missing_id | out["created_at"].isna(), problems


def reject_unusable(
    out: pd.DataFrame, raw: pd.DataFrame, cols: dict[str, str], file: str, problems: list[Problem]
) -> tuple[pd.DataFrame, ProblemReport]:
    """Rows without an id or a usable creation time are rejected (each with its problem); a
    resolution before creation is an error and dropped. Problems show the cleaned cells."""
    id_col, created_col = cols["ticket_id"], cols["created_at"]
    shown = raw.assign(**{id_col: out["ticket_id"], created_col: clean_strings(raw[created_col])})
    reject, probs = reject_missing(out, shown, cols, file)
    problems += probs
    if "resolved_at" in out and cols.get("resolved_at") in raw:
        before = out["resolved_at"].notna() & (out["resolved_at"] < out["created_at"]) & ~reject
        col = cols["resolved_at"]
        problems += problems_from_mask(
            raw.assign(**{col: clean_strings(raw[col])}),
            before,
            code="resolved-before-created",
            column=col,
            file=file,
        )
        out.loc[before, "resolved_at"] = pd.NaT
    kept = out[~reject]
    return kept, ProblemReport(
        rows_imported=len(kept), rows_rejected=int(reject.sum()), problems=problems
    )


def drop_resolved_before_created(out: pd.DataFrame, file: str, column: str) -> list[Problem]:
    """A resolution stamped before creation is a warning showing the parsed time, and dropped
    (the ticket is kept)."""
    if "resolved_at" not in out:
        return []
    before = out["resolved_at"].notna() & (out["resolved_at"] < out["created_at"])
    shown = out.assign(**{column: out["resolved_at"].astype("string")})
    problems = problems_from_mask(
        shown, before, code="resolved-before-created", column=column, file=file, severity="warning"
    )
    out.loc[before, "resolved_at"] = pd.NaT
    return problems


def duplicate_rows(tickets: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
    """Rows whose ticket id comes again later (the last row wins), each a warning citing the row's
    `_file` and its id column `_id_col`."""
    dup = tickets.duplicated("ticket_id", keep="last")
    if not dup.any():
        return dup, []
    problems = problems_from_mask(
        tickets, dup, code="duplicate-ticket", column="ticket_id", file="", severity="warning"
    )
    where = tickets.loc[dup, ["_file", "_id_col"]].itertuples(index=False)
    for p, (file, col) in zip(problems, where, strict=True):
        p.file, p.column = file, col
    return dup, problems


def dedupe_tickets(tickets: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per ticket id: the last row (in input order) wins, earlier ones become warnings."""
    dup = tickets.duplicated("ticket_id", keep="last")
    problems = []
    if dup.any():
        bad = tickets.loc[dup, ["_file", "_line", "ticket_id"]]
        problems = [
            problem(
                "duplicate-ticket",
                file=f,
                line=int(ln),
                column="ticket_id",
                value=t,
                severity="warning",
            )
            for f, ln, t in bad.itertuples(index=False, name=None)
        ]
    return tickets[~dup].reset_index(drop=True), problems


def empty_result(report: ProblemReport, importer: str) -> ImportResult:
    """The result of an import in which no row survived (every row is in the report)."""
    return ImportResult(empty_frame(TICKETS_SCHEMA), empty_frame(EVENTS_SCHEMA), report, importer)
