"""The Freshdesk ticket CSV export: snapshot tickets with the vendor's SLA verdicts."""

from __future__ import annotations

import pandas as pd

from slametrics.importers.cells import (
    clean_strings,
    guess_dayfirst,
    parse_booleans,
    parse_durations,
    parse_numbers,
    parse_timestamps,
)
from slametrics.importers.csv_reader import read_csv
from slametrics.importers.freshdesk.vocabulary import (
    CSV_ALIASES,
    REQUIRED_CSV,
    STATUS_CLASSES,
    VERDICTS,
)
from slametrics.importers.headers import extra_map, norm_header, require_columns, resolve_columns
from slametrics.importers.io import InputFile
from slametrics.importers.rows import reject_unusable
from slametrics.importers.statuses import map_status_classes
from slametrics.problems import Problem, ProblemReport


def _verdicts(frame: pd.DataFrame, column: str, *, file: str) -> tuple[pd.Series, list]:
    key = clean_strings(frame[column]).str.lower()
    words = key.map(VERDICTS)
    return parse_booleans(frame.assign(**{column: words.fillna(key)}), column, file=file)


def read_csv_export(
    f: InputFile, tz: str, overrides: dict[str, str]
) -> tuple[pd.DataFrame, ProblemReport]:
    table = read_csv(f)
    df = table.frame
    cols = resolve_columns(table.columns, CSV_ALIASES)
    require_columns(
        cols,
        REQUIRED_CSV,
        CSV_ALIASES,
        file=f.name,
        found=table.columns,
        what="a Freshdesk ticket export",
    )
    problems: list[Problem] = list(table.problems)
    out = pd.DataFrame({"_line": df["_line"]}, index=df.index)
    _text_columns(out, df, cols)
    # English exports write ISO dates; localized ones may use the locale's day-first dates
    localized = norm_header(cols["ticket_id"]) != "ticket id"
    for field in (
        "created_at",
        "due_at",
        "resolved_at",
        "closed_at",
        "updated_at",
        "first_response_at",
    ):
        if field in cols:
            dayfirst = guess_dayfirst(df[cols[field]], default=localized)
            out[field], probs = parse_timestamps(
                df, cols[field], file=f.name, tz=tz, dayfirst=dayfirst
            )
            problems += probs
    if "due_at" in out:
        # "Due by Time" is the resolution SLA's due time (the API's due_by)
        out["vendor_resolution_due_at"] = out["due_at"]
    if "agent_replies" in cols:
        out["agent_replies"], probs = parse_numbers(df, cols["agent_replies"], file=f.name)
        problems += probs
    for field in ("vendor_first_response_met", "vendor_resolution_met"):
        if field in cols:
            out[field], probs = _verdicts(df, cols[field], file=f.name)
            problems += probs
    if "time_tracked" in cols:
        out["time_spent_s"], probs = parse_durations(df, cols["time_tracked"], file=f.name)
        problems += probs
    derived, probs = _business_hours(df, cols, f.name)
    problems += probs
    if "status" in out:
        out["status_class"], probs = map_status_classes(
            out["status"],
            df,
            column=cols["status"],
            file=f.name,
            overrides={**STATUS_CLASSES, **overrides},
        )
        problems += probs
    if "tags" in cols:
        tags = clean_strings(clean_strings(df[cols["tags"]]).str.strip(", "))
        out["tags"] = tags.str.split(r"\s*,\s*", regex=True)
    # mapped for detection but not a canonical field: kept raw in `extra`
    unused = ("first_response_business", "resolution_business", "customer_interactions")
    used = set(cols.values()) - {cols.get(k) for k in unused}
    rest = [c for c in table.columns if c not in used]
    out["extra"] = extra_map(pd.concat([df[rest].apply(clean_strings), derived], axis=1))
    out, rep = reject_unusable(out, df, cols, f.name, problems)
    rep.rows_read = table.rows_read
    rep.rows_rejected += table.rows_read - len(df)
    return out, rep


def _text_columns(out: pd.DataFrame, df: pd.DataFrame, cols: dict[str, str]) -> None:
    """The text fields as columns of `out`; the requester by name, else by address."""
    for field in (
        "ticket_id",
        "subject",
        "status",
        "priority",
        "channel",
        "type",
        "assignee",
        "group",
        "organization",
        "service",
        "category",
    ):
        if field in cols:
            out[field] = clean_strings(df[cols[field]])
    for field in ("requester_name", "requester_email"):  # the name, else the address
        if field in cols:
            val = clean_strings(df[cols[field]])
            out["requester"] = out["requester"].fillna(val) if "requester" in out else val


def _business_hours(
    df: pd.DataFrame, cols: dict[str, str], file: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Freshdesk's business-hours response and resolution times, as seconds for `extra`."""
    problems: list[Problem] = []
    derived = pd.DataFrame(index=df.index)
    for field, key in (
        ("first_response_business", "first_response_business_s"),
        ("resolution_business", "resolution_business_s"),
    ):
        if field in cols:
            secs, probs = parse_durations(df, cols[field], file=file)
            problems += probs
            derived[key] = secs.round().astype("Int64").astype("string")
    return derived, problems
