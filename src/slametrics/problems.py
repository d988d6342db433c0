"""Problems: bad input rows as values with stable kebab-case codes, collected into a report."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

# code -> human description; codes are a stable interface (tests and users grep for them).
PROBLEM_CODES: dict[str, str] = {
    "importer-chosen": "the importer was chosen by the --mapping file",
    "missing-column": "a required column is missing from the header",
    "missing-value": "a required cell is empty",
    "unparseable-timestamp": "a timestamp cell could not be parsed",
    "timestamp-out-of-range": "a timestamp is outside 1970..2100",
    "unknown-status": "a raw status has no status class (mapped to open)",
    "unknown-event": "an event type is not one of the canonical event types",
    "unknown-value": "a cell is not one of its column's allowed values",
    "unknown-ticket": "an event refers to a ticket that is not in the tickets file",
    "bad-number": "a numeric cell could not be parsed",
    "bad-boolean": "a boolean cell could not be parsed",
    "duplicate-ticket": "the same ticket id appears more than once; the last row wins",
    "resolved-before-created": "a response/resolution/closing time precedes creation; creation time used",
    "event-before-created": "an event precedes the ticket's creation",
    "malformed-row": "a row could not be parsed (wrong number of cells or broken quoting)",
    "malformed-json": "a JSON document or line could not be parsed",
    "encoding-guessed": "the file is not UTF-8; it was decoded with a guessed encoding",
    "ambiguous-timestamp": "a local timestamp is ambiguous or does not exist in its timezone",
    "bad-duration": "a duration cell is not HH:MM[:SS] or a number of hours",
    "out-of-order-update": "an update is stamped before an earlier update of the same record; "
    "it was moved to that earlier update's time",
    "future-timestamp": "a timestamp lies after the time of import; imported, never used as as_of",
    "reply-before-created": "a reply is stamped before the ticket's creation; it was ignored",
    "unknown-sla-definition": "an SLA definition name says neither response nor resolution; "
    "its verdicts were not used",
    "truncated-history": "the export holds fewer comments or changelog entries than the issue has; "
    "replies or status changes past them are missing",
    "naive-timestamp": "timestamps carry no offset; they were read as local time in the zone named",
    "incomplete-export": "the export says it holds more pages or records than were given; "
    "tickets past them are missing",
    "not-a-ticket": "search results that are not tickets (users, organizations, groups) were "
    "skipped",
    "priority-at-start-unknown": "the history does not reach the ticket's creation: the priority "
    "it was opened with is unknown (`target_priority: at_start` uses its latest priority)",
}

# code -> message template, for codes whose message names specifics: `{description}` is the
# code's description, the other fields are `problem()`'s keyword arguments of the same names
MESSAGES: dict[str, str] = {
    "encoding-guessed": "not UTF-8 (first bad byte on line {line}); decoded as {encoding}",
    "naive-timestamp": "timestamps carry no offset; they were read as local time in {zone}",
    "incomplete-export": "{description}: {missing}",
    "not-a-ticket": "{description}: {skipped}",
    # one warning per distinct value: `note` is empty or starts with "; "
    "unknown-status": "{description}{note}; {rows} row(s)",
    "unknown-value": "{description}{note}; {rows} row(s)",
    "unknown-event": "{description}{note}; {rows} row(s)",
    "future-timestamp": "ticket {ticket}: {description}",
    "reply-before-created": "ticket {ticket}: {description}",
}


# codes whose problems are warnings wherever they arise (the row is imported); the rest are errors
WARNING_CODES = frozenset(
    {
        "encoding-guessed",
        "future-timestamp",
        "out-of-order-update",
        "unknown-sla-definition",
        "truncated-history",
        "naive-timestamp",
        "incomplete-export",
        "not-a-ticket",
        "priority-at-start-unknown",
    }
)


# codes said once per file: the first of each (code, file) stands for the rest
ONCE_PER_FILE = frozenset({"naive-timestamp"})


MAX_PER_CODE = 1000  # problems kept per code, file and column; the rest are one "and N more"


class Problem(BaseModel):
    """One bad cell or row: where it is, what it holds and what is wrong with it."""

    code: str
    file: str = ""
    line: int | None = None
    column: str | None = None
    value: str | None = None
    message: str = ""
    severity: Literal["error", "warning"] = "error"


class ProblemReport(BaseModel):
    """Problems collected during an import, with row accounting."""

    rows_read: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    problems: list[Problem] = Field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_imported + self.rows_rejected

    def flatten(self, fields: list[str]) -> list[list[object]]:
        """Problems as compact lists of the given fields, for tests and quick listings."""
        return [[getattr(p, f) for f in fields] for p in self.problems]

    def to_frame(self) -> pd.DataFrame:
        cols = list(Problem.model_fields)
        return pd.DataFrame([p.model_dump() for p in self.problems], columns=cols)

    def merge(self, other: ProblemReport) -> ProblemReport:
        return ProblemReport(
            rows_read=self.rows_read + other.rows_read,
            rows_imported=self.rows_imported + other.rows_imported,
            rows_rejected=self.rows_rejected + other.rows_rejected,
            problems=self.problems + other.problems,
        )


def problem(
    code: str,
    *,
    file: str = "",
    line: int | None = None,
    column: str | None = None,
    value: str | None = None,
    detail: str = "",
    severity: Literal["error", "warning"] | None = None,
    **fields: object,
) -> Problem:
    """A problem from the catalogue: its message is the code's template (`MESSAGES`) filled with
    `fields`, or else the code's description, then `detail`."""
    message = PROBLEM_CODES.get(code, code)
    if fields:
        message = MESSAGES[code].format(description=message, line=line, **fields)
    return Problem(
        code=code,
        file=file,
        line=line,
        column=column,
        value=value,
        message=f"{message}: {detail}" if detail else message,
        severity=severity or ("warning" if code in WARNING_CODES else "error"),
    )


def more_problems(
    code: str, count: int, *, file: str, column: str | None = None, severity: str | None = None
) -> Problem:
    """The one problem standing for `count` further ones of a code past the cap."""
    return problem(
        code,
        file=file,
        column=column,
        detail=f"and {count} more",
        severity=severity,  # type: ignore[arg-type]
    )


def once_per_file(problems: list[Problem]) -> list[Problem]:
    """The problems with only the first of each `ONCE_PER_FILE` code per file kept."""
    seen: set[tuple[str, str]] = set()
    kept: list[Problem] = []
    for p in problems:
        if p.code in ONCE_PER_FILE:
            if (p.code, p.file) in seen:
                continue
            seen.add((p.code, p.file))
        kept.append(p)
    return kept


def cap_problems(problems: list[Problem], limit: int = MAX_PER_CODE) -> list[Problem]:
    """At most `limit` problems per (code, file, column), then one "and N more" in its place."""
    seen: dict[tuple, int] = {}
    kept: list[Problem] = []
    for p in problems:
        key = (p.code, p.file, p.column)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= limit:
            kept.append(p)
    for (code, file, column), n in seen.items():
        if n > limit:
            first = next(p for p in kept if (p.code, p.file, p.column) == (code, file, column))
            kept.append(
                more_problems(code, n - limit, file=file, column=column, severity=first.severity)
            )
    return kept


def problems_from_mask(
    frame: pd.DataFrame,
    mask: pd.Series,
    *,
    code: str,
    column: str,
    file: str,
    severity: Literal["error", "warning"] = "error",
    line_column: str = "_line",
    label: str | None = None,
) -> list[Problem]:
    """Problems for the rows where `mask` holds, vectorized: one object per bad row up to
    MAX_PER_CODE, then one "and N more" (a bad column of 10M rows is not 10M objects)."""
    selected = mask.fillna(False).astype(bool)
    bad = frame.loc[selected, [line_column, column]]
    extra = len(bad) - MAX_PER_CODE
    bad = bad.iloc[:MAX_PER_CODE]
    message = PROBLEM_CODES.get(code, code)
    tail = (
        [more_problems(code, extra, file=file, column=label or column, severity=severity)]
        if extra > 0
        else []
    )
    return [
        Problem(
            code=code,
            file=file,
            line=int(line),
            column=label or column,
            value=None if pd.isna(value) else str(value)[:200],
            message=message,
            severity=severity,
        )
        for line, value in bad.itertuples(index=False, name=None)
    ] + tail
