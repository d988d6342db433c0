"""Freshdesk API ticket JSON (with stats and conversations when fetched): tickets and replies."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.errors import UserError
from slametrics.importers.cells import clean_strings, parse_timestamps
from slametrics.importers.freshdesk.vocabulary import (
    API_PRIORITY,
    API_SOURCE,
    API_STATUS,
    STATUS_CLASSES,
)
from slametrics.importers.headers import extra_map
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import read_json_records
from slametrics.importers.rows import reject_unusable
from slametrics.importers.statuses import map_status_classes
from slametrics.problems import Problem, ProblemReport
from slametrics.schema import DONE_CLASSES


def _codes(series: pd.Series | None, names: dict[int, str], index: pd.Index) -> pd.Series:
    """API enumeration codes -> names; strings pass through (some tools export names already)."""
    if series is None:
        return pd.Series(pd.NA, index=index, dtype="string")
    raw = clean_strings(series.astype("string"))
    num = pd.to_numeric(raw, errors="coerce")
    whole = num.where(num.notna() & (num == num.round()) & (num.abs() < 2**31))
    named = whole.astype("Int64").map(names).astype("string")
    return named.fillna(raw.str.replace(r"\.0$", "", regex=True))


# Keys read into canonical fields (or dropped): the others are kept in `extra`.
USED_KEYS = {
    "id",
    "subject",
    "type",
    "group_id",
    "responder_id",
    "company_id",
    "product_id",
    "requester.name",
    "requester.email",
    "requester_id",
    "company.name",
    "status",
    "priority",
    "source",
    "created_at",
    "updated_at",
    "due_by",
    "stats.first_responded_at",
    "stats.resolved_at",
    "stats.closed_at",
    "_line",
    "description",
    "description_text",
    "deleted",
}


def read_api_json(
    f: InputFile, tz: str, overrides: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, ProblemReport]:
    records, lines, problems = read_json_records(f, keys=("tickets", "results", "data"))
    malformed = len(problems)
    rows_read = len(records) + malformed
    if not records:
        empty = pd.DataFrame(columns=["ticket_id", "created_at", "_line"])
        return (
            empty,
            empty,
            ProblemReport(rows_read=rows_read, rows_rejected=len(problems), problems=problems),
        )
    df = pd.json_normalize(records, max_level=1)
    df["_line"] = np.array(lines, dtype=np.int64)
    if "id" not in df or "created_at" not in df:
        missing = "id" if "id" not in df else "created_at"
        raise UserError(
            f"{f.name}: Freshdesk ticket JSON needs key {missing!r} in each ticket; keys found: "
            f"{', '.join(c for c in list(df.columns)[:40] if c != '_line')}"
        )
    out = pd.DataFrame({"_line": df["_line"]}, index=df.index)
    strings = df.drop(columns=[c for c in ("tags", "conversations") if c in df]).astype("string")
    strings["_line"] = df["_line"]
    _text_columns(out, df, strings)
    ts, probs = _timestamps(strings, df.index, f.name, tz)
    problems += probs
    out["created_at"] = ts["created_at"]
    out["updated_at"] = ts["updated_at"]
    out["due_at"] = ts["due_by"]
    out["vendor_first_response_due_at"] = ts["fr_due_by"]
    out["vendor_resolution_due_at"] = ts["due_by"]
    out["first_response_at"] = ts["stats.first_responded_at"]
    out["resolved_at"] = ts["stats.resolved_at"]
    out["closed_at"] = ts["stats.closed_at"]
    out["status_class"], probs = map_status_classes(
        out["status"],
        strings,
        column="status",
        file=f.name,
        overrides={**STATUS_CLASSES, **overrides},
    )
    problems += probs
    out.loc[_given_up(df), "status_class"] = "canceled"
    _vendor_verdicts(out, ts["fr_due_by"])
    # The current status began at status_updated_at (or pending_since), which places it better
    # than updated_at (any later edit), where snapshot_events would put it.
    since = ts["stats.status_updated_at"].fillna(ts["stats.pending_since"])
    out["_status_since"] = since.where(~out["status_class"].isin(DONE_CLASSES))
    # reopened_at proves at least one reopen (a lower bound: the count is not in the API), but
    # not when the earlier resolution happened, so no reopened event is synthesized
    if any(c.startswith("stats.") for c in df.columns):
        out["reopens"] = ts["stats.reopened_at"].notna().astype(int)
    if "tags" in df:
        out["tags"] = tag_lists(df["tags"])
    rest = [c for c in strings.columns if c not in USED_KEYS]
    out["extra"] = extra_map(strings[rest].apply(clean_strings))
    replies = _conversations(df, out, tz, f.name, problems)
    cols = {"ticket_id": "id", "created_at": "created_at", "resolved_at": "stats.resolved_at"}
    out, rep = reject_unusable(out, strings, cols, f.name, problems)
    rep.rows_read = rows_read
    rep.rows_rejected += malformed
    return out, replies, rep


def tag_lists(tags: pd.Series) -> pd.Series:
    """Each ticket's `tags` as a list of text, None without tags; always an object column.

    A page where no ticket has tags must still give a column of lists: exploding empty lists
    and regrouping them would leave an all-missing column that pandas types as text, which
    Arrow cannot cast to the log's list<string> column (the whole import failed).
    """
    lists = tags.where(tags.map(type).isin([list]))
    flat = lists.explode()
    flat = flat[flat.map(type).isin([str, int, float]) & flat.notna()].astype(str)
    out = pd.Series([None] * len(tags), index=tags.index, dtype=object)
    if len(flat):
        grouped = flat.groupby(level=0).agg(list)
        out[grouped.index] = grouped
    return out.where(out.notna(), None)


def _given_up(df: pd.DataFrame) -> pd.Series:
    """Tickets in the trash (`deleted`, from `filter=deleted` or a ticket view) or marked as
    spam: they keep their last status but were given up, canceled as deleted Zendesk tickets."""
    return _flag(df, "deleted") | _flag(df, "spam")


def _flag(df: pd.DataFrame, key: str) -> pd.Series:
    """A boolean key of the API's tickets (true as JSON true or text), False where absent."""
    if key not in df:
        return pd.Series(False, index=df.index)
    return df[key].isin([True, "true"]).astype(bool)


def _text_columns(out: pd.DataFrame, df: pd.DataFrame, strings: pd.DataFrame) -> None:
    """Ids and text fields as columns of `out`: enumeration codes named, `35.0` read as `35`."""
    out["ticket_id"] = clean_strings(strings["id"]).str.replace(r"\.0$", "", regex=True)
    for field, key in (
        ("subject", "subject"),
        ("type", "type"),
        ("group", "group_id"),
        ("assignee", "responder_id"),
        ("organization", "company_id"),
        ("service", "product_id"),
    ):
        if key in strings:
            out[field] = clean_strings(strings[key]).str.replace(r"\.0$", "", regex=True)
    for key in ("requester.name", "requester.email", "requester_id"):
        if key in strings:
            val = clean_strings(strings[key]).str.replace(r"\.0$", "", regex=True)
            out["requester"] = out["requester"].fillna(val) if "requester" in out else val
    if "company.name" in strings:
        name = clean_strings(strings["company.name"])
        out["organization"] = name.fillna(out["organization"]) if "organization" in out else name
    out["status"] = _codes(df.get("status"), API_STATUS, df.index)
    out["priority"] = _codes(df.get("priority"), API_PRIORITY, df.index)
    out["channel"] = _codes(df.get("source"), API_SOURCE, df.index)


def _timestamps(
    strings: pd.DataFrame, index: pd.Index, file: str, tz: str
) -> tuple[dict[str, pd.Series], list[Problem]]:
    """The API's timestamps by key (NaT for keys the export lacks), and their problems."""
    problems: list[Problem] = []
    ts = {}
    for key in (
        "created_at",
        "updated_at",
        "due_by",
        "fr_due_by",
        "stats.first_responded_at",
        "stats.resolved_at",
        "stats.closed_at",
        "stats.reopened_at",
        "stats.pending_since",
        "stats.status_updated_at",
    ):
        if key in strings:
            ts[key], probs = parse_timestamps(strings, key, file=file, tz=tz)
            problems += probs
        else:
            ts[key] = pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
    return ts, problems


def _vendor_verdicts(out: pd.DataFrame, fr_due: pd.Series) -> None:
    """The vendor's verdicts as columns of `out`, computed as Freshdesk's own export does:
    resolved_at < due_by and first response < fr_due_by, blank while unresolved / unanswered."""
    fr, res = out["first_response_at"], out["resolved_at"]
    out["vendor_first_response_met"] = pd.Series(
        (fr < fr_due).where(fr.notna() & fr_due.notna()), dtype="boolean"
    )
    out["vendor_resolution_met"] = pd.Series(
        (res < out["due_at"]).where(res.notna() & out["due_at"].notna()), dtype="boolean"
    )


def _conversations(
    df: pd.DataFrame, out: pd.DataFrame, tz: str, file: str, problems: list[Problem]
) -> pd.DataFrame:
    """Reply and note events from `conversations` (present when fetched with the ticket)."""
    cols = ["ticket_id", "at", "event", "actor", "public"]
    if "conversations" not in df:
        return pd.DataFrame(columns=cols)
    conv = pd.DataFrame(
        {"ticket_id": out["ticket_id"], "c": df["conversations"], "_line": df["_line"]}
    ).explode("c")
    conv = conv[conv["c"].map(lambda v: isinstance(v, dict))].reset_index(drop=True)
    if conv.empty:
        return pd.DataFrame(columns=cols)
    body = pd.DataFrame.from_records(conv["c"].tolist(), index=conv.index)
    body = body.reindex(columns=["created_at", "incoming", "private"])
    body["_line"] = conv["_line"]
    at, probs = parse_timestamps(
        body.astype({"created_at": "string"}), "created_at", file=file, tz=tz
    )
    for p in probs:
        p.column = "conversations.created_at"
    problems += probs
    incoming = body["incoming"].isin([True, "true"]).to_numpy(dtype=bool)
    private = body["private"].isin([True, "true"]).to_numpy(dtype=bool)
    ev = pd.DataFrame(
        {
            "ticket_id": conv["ticket_id"].to_numpy(),
            "at": at.to_numpy(),
            "event": np.where(incoming, "customer_reply", np.where(private, "note", "agent_reply")),
            "actor": np.where(incoming, "customer", "agent"),
            "public": ~private,
        }
    )
    return ev[ev["at"].notna() & ev["ticket_id"].notna()].reset_index(drop=True)
