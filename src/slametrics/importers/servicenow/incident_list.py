"""The ServiceNow incident list export (field names or display labels): snapshot tickets."""

from __future__ import annotations

import pandas as pd

from slametrics.importers.cells import (
    clean_strings,
    guess_dayfirst,
    parse_booleans,
    parse_numbers,
    parse_timestamps,
)
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.headers import extra_map, require_columns, resolve_columns
from slametrics.importers.rows import reject_unusable
from slametrics.importers.servicenow.vocabulary import (
    DISPLAY_FIELDS,
    HOLD_REASONS,
    LIST_ALIASES,
    RAW_PRIORITIES,
    RAW_STATES,
    REQUIRED_LIST,
    timestamp_format,
)
from slametrics.importers.statuses import map_status_classes
from slametrics.problems import Problem, ProblemReport


def prefer_display_values(df: pd.DataFrame) -> pd.DataFrame:
    """A CSV exported with displayvalue=all holds `dv_<field>` beside the raw value: the display
    value (a group's name, not its sys_id) wins where it is not empty."""
    shown = {f: f"dv_{f}" for f in DISPLAY_FIELDS if f in df and f"dv_{f}" in df}
    if not shown:
        return df
    return df.assign(
        **{f: df[dv].where(clean_strings(df[dv]).notna(), df[f]) for f, dv in shown.items()}
    )


def read_list(
    table: CsvTable, file: str, tz: str, classes: dict[str, str]
) -> tuple[pd.DataFrame, ProblemReport]:
    """Snapshot tickets from the incident list export."""
    df = table.frame
    cols = resolve_columns(table.columns, LIST_ALIASES)
    require_columns(
        cols,
        REQUIRED_LIST,
        LIST_ALIASES,
        file=file,
        found=table.columns,
        what="a ServiceNow incident list export",
    )
    problems: list[Problem] = list(table.problems)
    df = prefer_display_values(df)
    # display-label exports use the user's date format; localized ones put the day first
    labels = cols["ticket_id"] != "number"
    out = pd.DataFrame({"_line": df["_line"]}, index=df.index)
    for field in (
        "ticket_id",
        "subject",
        "priority",
        "status",
        "group",
        "assignee",
        "requester",
        "category",
        "channel",
        "service",
        "organization",
    ):
        if field in cols:
            out[field] = clean_strings(df[cols[field]])
    # raw-value exports: choice numbers become the display values policies match on
    if "priority" in out:
        out["priority"] = out["priority"].replace(RAW_PRIORITIES)
    if "status" in out:
        out["status"] = out["status"].replace(RAW_STATES)
    out["type"] = "incident"
    for field in ("created_at", "resolved_at", "closed_at", "updated_at"):
        if field in cols:
            out[field], probs = parse_timestamps(
                df,
                cols[field],
                file=file,
                tz=tz,
                dayfirst=guess_dayfirst(df[cols[field]], labels),
                fmt=timestamp_format(df[cols[field]]),
            )
            problems += probs
    if "vendor_resolution_met" in cols:
        out["vendor_resolution_met"], probs = parse_booleans(
            df, cols["vendor_resolution_met"], file=file
        )
        problems += probs
    if "reopens" in cols:
        out["reopens"], probs = parse_numbers(df, cols["reopens"], file=file)
        problems += probs
    if "status" in out:
        out["status_class"], probs = map_status_classes(
            out["status"], df, column=cols["status"], file=file, overrides=classes
        )
        problems += probs
        if "hold_reason" in cols:
            reason = clean_strings(df[cols["hold_reason"]]).str.lower().map(HOLD_REASONS)
            on_hold = out["status_class"] == "on_hold"
            out["status_class"] = out["status_class"].mask(on_hold & reason.notna(), reason)
    used = set(cols.values()) - {cols.get("hold_reason")}
    rest = [c for c in table.columns if c not in used]
    out["extra"] = extra_map(df[rest].apply(clean_strings))
    kept, rep = reject_unusable(out, df, cols, file, problems)
    kept = kept.assign(_file=file, fidelity="snapshot")
    rep.rows_read = table.rows_read
    rep.rows_rejected += table.rows_read - len(df)
    return kept, rep
