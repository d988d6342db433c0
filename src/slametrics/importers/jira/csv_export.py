"""The Jira CSV export ("all fields"; English, Russian or German headers): snapshot issues."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.importers.cells import clean_strings, parse_numbers, parse_timestamps
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.headers import extra_map, norm_header, read_translated_csv
from slametrics.importers.io import InputFile
from slametrics.importers.jira.combine import reject_rows
from slametrics.importers.jira.dates import jira_dates
from slametrics.importers.jira.vocabulary import (
    COMMENT_HEADERS,
    CSV_ALIASES,
    CSV_REQUIRED,
    CUSTOM_FIELD,
    CUSTOM_TEXT,
    FIRST_RESPONSE_DATE,
    FIRST_RESPONSE_SLA,
    LABEL_HEADERS,
    RESOLUTION_SLA,
    SLA_CELL,
    classify,
)
from slametrics.importers.rows import drop_resolved_before_created, reject_missing
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import DONE_CLASSES


def header_base(name: str) -> str:
    """A header without the `.N` suffix that made a repeated header unique."""
    return re.sub(r"\.\d+$", "", norm_header(name))


def read_csv_export(
    f: InputFile, tz: str, overrides: dict[str, str], report: ProblemReport, rejected: set
) -> tuple[pd.DataFrame, pd.DataFrame]:
    table, cols = read_translated_csv(
        f, report, CSV_ALIASES, CSV_REQUIRED, what="a Jira CSV export"
    )
    df = table.frame
    custom = _custom_columns(table)
    problems: list[Problem] = []
    out = pd.DataFrame({"_line": df["_line"], "_file": f.name, "_id_col": cols["ticket_id"]})
    for fld in (
        "ticket_id",
        "status",
        "subject",
        "type",
        "priority",
        "assignee",
        "requester",
        "_reporter_id",
        "_category",
    ):
        if fld in cols:
            out[fld] = clean_strings(df[cols[fld]])
    for fld, col in cols.items():
        if fld in ("created_at", "updated_at", "resolved_at"):
            out[fld], probs = parse_timestamps(
                df.assign(**{col: jira_dates(df[col])}), col, file=f.name, tz=tz
            )
            problems += probs
    if "csat" in cols:
        out["csat"], probs = parse_numbers(df, cols["csat"], file=f.name)
        problems += probs
    for fld, col in custom.get("text", {}).items():
        out[fld] = clean_strings(df[col])
    if "first_date" in custom:
        col = custom["first_date"]
        out["first_response_at"], probs = parse_timestamps(
            df.assign(**{col: jira_dates(df[col])}), col, file=f.name, tz=tz
        )
        problems += probs
    labels = [c for c in table.columns if header_base(c) in LABEL_HEADERS]
    if labels:
        out["tags"] = _labels(df, labels)
    out["status_class"], probs = classify(
        out["status"],
        df,
        column=cols["status"],
        file=f.name,
        overrides=overrides,
        categories=out.get("_category"),
    )
    problems += probs
    comments, probs = _csv_comments(df, table, out, f.name, tz)
    problems += probs
    comments = _replies_from_comments(comments, out, custom)
    problems += _sla_columns(df, out, custom, f.name)
    used = set(cols.values()) | set(custom.get("used", ()))
    rest = [c for c in table.columns if c not in used and c not in labels]
    out["extra"] = extra_map(df[rest])
    if "resolved_at" in cols:
        problems += drop_resolved_before_created(out, f.name, cols["resolved_at"])
    report.problems += problems
    bad, probs = reject_missing(out, df, cols, f.name)
    report.problems += probs
    reject_rows(rejected, out, bad, f.name)
    kept = out[~bad]
    comments = comments[comments["ticket_id"].isin(kept["ticket_id"])]
    return kept, comments


def _replies_from_comments(
    comments: pd.DataFrame, out: pd.DataFrame, custom: dict[str, Any]
) -> pd.DataFrame:
    """Comment events with internal ones made notes; the first response and the reply count
    set on `out` (in place) from them, and the comment the summary already gives dropped."""
    if len(comments) and "first_date" in custom:
        # comments carry no visibility flag; an agent comment before JSM's own first-response
        # date (or on an issue without one) was internal
        by_key = out.drop_duplicates("ticket_id", keep="last").set_index("ticket_id")
        first = comments["ticket_id"].map(by_key["first_response_at"])
        minute = first.dt.floor("min")  # comment cells have minutes, the date has seconds
        internal = (comments["event"] == "agent_reply") & ~(comments["at"] >= minute)
        comments.loc[internal, "event"] = "note"
        comments.loc[internal, "public"] = False
    if len(comments):
        agent = comments[comments["event"] == "agent_reply"].groupby("ticket_id")["at"]
        if "first_response_at" not in out:
            out["first_response_at"] = out["ticket_id"].map(agent.min())
        out["agent_replies"] = out["ticket_id"].map(agent.size()).fillna(0)
        # the comment that is the first response comes back, to the second, from the summary
        by_key = out.drop_duplicates("ticket_id", keep="last").set_index("ticket_id")
        first = comments["ticket_id"].map(by_key["first_response_at"])
        same = (comments["event"] == "agent_reply") & (comments["at"] == first.dt.floor("min"))
        comments = comments[~same]
    return comments


def _sla_columns(
    df: pd.DataFrame, out: pd.DataFrame, custom: dict[str, Any], file: str
) -> list[Problem]:
    """The vendor's verdicts from the SLA cells, set on `out` (in place); a positive cell on an
    unfinished issue is no verdict yet."""
    problems: list[Problem] = []
    done = out["status_class"].isin(DONE_CLASSES)
    for kind, col in custom.get("sla", {}).items():
        verdict, probs = _csv_sla(df, col, file)
        problems += probs
        answered = done | out["first_response_at"].notna() if "first_response_at" in out else done
        settled = answered if kind == "first" else done
        met = verdict.where(~verdict.fillna(False) | settled)
        out["vendor_first_response_met" if kind == "first" else "vendor_resolution_met"] = met
    return problems


def _custom_columns(table: CsvTable) -> dict[str, Any]:
    """SLA, first-response date and text custom fields among the CSV's `Custom field (...)`."""
    out: dict[str, Any] = {"sla": {}, "text": {}, "used": []}
    for col in table.columns:
        m = CUSTOM_FIELD.match(norm_header(col))
        if not m:
            continue
        inner = m.group(1).strip()
        if inner in FIRST_RESPONSE_SLA and "first" not in out["sla"]:
            out["sla"]["first"] = col
        elif inner in RESOLUTION_SLA and "resolution" not in out["sla"]:
            out["sla"]["resolution"] = col
        elif inner in FIRST_RESPONSE_DATE and "first_date" not in out:
            out["first_date"] = col
        elif inner in CUSTOM_TEXT and CUSTOM_TEXT[inner] not in out["text"]:
            out["text"][CUSTOM_TEXT[inner]] = col
        else:
            continue
        out["used"].append(col)
    return out


def _labels(df: pd.DataFrame, cols: list[str]) -> list:
    values = df[cols].astype("string").to_numpy(dtype=object, na_value=None)
    filled = pd.notna(values) & (values != "")
    rows, colidx = np.nonzero(filled)
    offsets = np.concatenate([[0], np.cumsum(filled.sum(axis=1))]).astype(np.int32)
    arr = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values[rows, colidx], pa.string()))
    return arr.to_pandas().tolist()


def _csv_comments(
    df: pd.DataFrame, table: CsvTable, tickets: pd.DataFrame, file: str, tz: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Comment cells `date;author;body` (any number of Comment columns) as reply events."""
    cols = [c for c in table.columns if header_base(c) in COMMENT_HEADERS]
    empty = pd.DataFrame(columns=["ticket_id", "at", "event", "actor", "public", "_line"])
    if not cols:
        return empty, []
    headers = {c: h for c, h in zip(table.columns, table.header, strict=True)}
    values = df[cols].astype("string").to_numpy(dtype=object, na_value=None)
    filled = pd.notna(values) & (values != "")
    rows, colidx = np.nonzero(filled)
    if not len(rows):
        return empty, []
    cells = pd.Series(values[rows, colidx], dtype="string")
    parts = cells.str.split(";", n=2, expand=True).reindex(columns=[0, 1, 2])
    frame = pd.DataFrame(
        {
            "_line": df["_line"].to_numpy()[rows],
            "ticket_id": tickets["ticket_id"].to_numpy()[rows],
            "_col": np.asarray([headers[c].strip() for c in cols], dtype=object)[colidx],
            "date": jira_dates(parts[0]),
            "author": clean_strings(parts[1]),
        }
    )
    problems: list[Problem] = []
    frame["at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    for col, grp in frame.groupby("_col", sort=False):
        at, probs = parse_timestamps(grp.rename(columns={"date": col}), col, file=file, tz=tz)
        frame.loc[grp.index, "at"] = at
        problems += probs
    reporter_col = "_reporter_id" if "_reporter_id" in tickets else "requester"
    agent = True
    if reporter_col in tickets:
        reporter = tickets[reporter_col].to_numpy(dtype=object, na_value=None)[rows]
        agent = frame["author"].to_numpy(dtype=object, na_value=None) != reporter
    frame["event"] = np.where(agent, "agent_reply", "customer_reply")
    frame["actor"] = np.where(agent, "agent", "customer")
    frame["public"] = True
    frame = frame[frame["at"].notna() & frame["ticket_id"].notna()]
    return frame[["ticket_id", "at", "event", "actor", "public", "_line"]], problems


def _csv_sla(df: pd.DataFrame, col: str, file: str) -> tuple[pd.Series, list[Problem]]:
    """SLA cells: `-h:mm` (breached) -> False, `h:mm` -> True; others a `bad-number` problem."""
    raw = clean_strings(df[col])
    valid = raw.str.match(SLA_CELL).fillna(False).astype(bool)
    verdict = pd.Series(pd.NA, index=df.index, dtype="boolean")
    verdict[valid] = ~raw[valid].str.startswith("-").astype(bool)
    bad = raw.notna() & ~valid
    problems = problems_from_mask(
        df.assign(**{col: raw}), bad, code="bad-number", column=col, file=file, severity="warning"
    )
    for p in problems:
        p.message = "an SLA cell is neither h:mm nor -h:mm remaining time"
    return verdict, problems
