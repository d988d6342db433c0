"""The Zendesk admin CSV export (English, Russian or German headers): snapshot tickets."""

from __future__ import annotations

import pandas as pd

from slametrics.importers.cells import clean_strings, parse_numbers, parse_timestamps
from slametrics.importers.headers import extra_map, read_translated_csv
from slametrics.importers.io import InputFile
from slametrics.importers.rows import drop_resolved_before_created, reject_missing
from slametrics.importers.statuses import map_status_classes
from slametrics.importers.zendesk.accumulate import Accumulator
from slametrics.importers.zendesk.vocabulary import (
    CSV_ALIASES,
    CSV_REQUIRED,
    CSV_TEXT,
    CSV_TIMESTAMPS,
    csat_scores,
)
from slametrics.problems import Problem


def read_admin_csv(f: InputFile, acc: Accumulator, tz: str, overrides: dict[str, str]) -> None:
    table, cols = read_translated_csv(
        f, acc.report, CSV_ALIASES, CSV_REQUIRED, what="a Zendesk admin export"
    )
    df = table.frame
    out = pd.DataFrame(index=df.index)
    out["_line"] = df["_line"]
    out["_file"] = f.name
    out["_id_col"] = cols["ticket_id"]
    problems: list[Problem] = []
    for fld in CSV_TEXT:
        if fld in cols:
            out[fld] = clean_strings(df[cols[fld]])
    for fld in CSV_TIMESTAMPS:
        if fld in cols:
            out[fld], probs = parse_timestamps(df, cols[fld], file=f.name, tz=tz)
            problems += probs
    for fld in ("reopens", "agent_replies", "_first_reply_min"):
        if fld in cols:
            out[fld], probs = parse_numbers(df, cols[fld], file=f.name)
            problems += probs
    if "_first_reply_min" in out:
        minutes = pd.to_timedelta(out.pop("_first_reply_min"), unit="m")
        out["first_response_at"] = out["created_at"] + minutes
    if "csat" in cols:
        out["csat"] = csat_scores(clean_strings(df[cols["csat"]]))
    if "tags" in cols:
        out["tags"] = clean_strings(df[cols["tags"]]).str.split()
    out["status_class"], probs = map_status_classes(
        out["status"], df, column=cols["status"], file=f.name, overrides=overrides
    )
    problems += probs
    used = set(cols.values())
    out["extra"] = extra_map(df[[c for c in table.columns if c not in used]])
    if "resolved_at" in cols:
        problems += drop_resolved_before_created(out, f.name, cols["resolved_at"])
    acc.report.problems += problems
    bad, probs = reject_missing(out, df, cols, f.name)
    acc.reject(probs, bad, out)
    acc.csv_tickets.append(out[~bad])
