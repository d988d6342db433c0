"""An export with one row per activity, through a --mapping file with `layout: events`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.columns import distinct_codes
from slametrics.errors import UserError
from slametrics.importers.cells import NULL_TOKENS, clean_strings, parse_timestamps
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.generic_csv.effects import (
    activity_effects,
    apply_reopen_rule,
    effect_field,
    effect_rows,
)
from slametrics.importers.generic_csv.fields import TEXT_FIELDS, source_columns
from slametrics.importers.generic_csv.sources import mapped_frame, without_offsets
from slametrics.importers.statuses import IMPLIED_CLASSES, map_status_classes, status_classes_of
from slametrics.mapping_schema import STATUS_LIKE_EVENTS, ColumnMapping, EventMapping
from slametrics.problems import Problem, ProblemReport, problems_from_mask


def read_event_layout(
    table: CsvTable, file: str, mapping: ColumnMapping, tz: str
) -> tuple[pd.DataFrame, pd.DataFrame, ProblemReport]:
    """An export with one row per activity: events from each row's activity (one or several
    effects), tickets from their first and last rows."""
    em = mapping.event_mapping or EventMapping()
    df, cols = mapped_frame(table.frame, {**mapping.columns, **em.columns}, mapping, file)
    _check_layout(cols, em, df, file)
    nulls = tuple(NULL_TOKENS if mapping.null_values is None else mapping.null_values)
    renamed = pd.DataFrame({f: df[c] for f, c in cols.items()}, index=df.index)
    renamed["_line"] = df["_line"]
    if mapping.ignore_offsets:
        renamed["at"] = without_offsets(renamed["at"])
    problems: list[Problem] = []
    at, probs = parse_timestamps(
        renamed,
        "at",
        file=file,
        tz=tz,
        fmt=mapping.timestamp_format,
        dayfirst=mapping.dayfirst,
        null_tokens=nulls,
    )
    problems += source_columns(probs, cols)
    ticket_id = clean_strings(renamed["ticket_id"], nulls)
    reject = ticket_id.isna() | at.isna()
    problems += _missing(renamed, ticket_id, nulls, cols, file)
    rows = pd.DataFrame({"_line": df["_line"], "ticket_id": ticket_id, "at": at})[~reject]
    rows = rows.sort_values(["ticket_id", "at", "_line"], kind="stable")
    activity = clean_strings(renamed["event"], nulls) if "event" in renamed else None
    ev, probs = _events(rows, renamed, df, activity, mapping, em, file, nulls)
    problems += probs
    tickets = _tickets(rows, renamed, nulls)
    rep = ProblemReport(rows_imported=len(rows), rows_rejected=int(reject.sum()), problems=problems)
    return tickets, ev, rep


def _check_layout(cols: dict[str, str], em: EventMapping, df: pd.DataFrame, file: str) -> None:
    if "ticket_id" not in cols or "at" not in cols:
        raise UserError(
            f"{file}: an events-layout mapping needs columns for ticket_id and at "
            "(`columns:` or `event_mapping.columns:`)"
        )
    if "event" not in cols and "status" not in cols:
        raise UserError(
            f"{file}: an events-layout mapping needs the activity column "
            "(`event_mapping: {columns: {event: COLUMN}}`) or a status column "
            "(`columns: {status: COLUMN}`); it names neither"
        )
    froms = {e.value_from for effects in em.effects().values() for e in effects if e.value_from}
    missing = sorted(froms - set(df.columns))
    if missing:
        raise UserError(f"{file}: `value_from` names column(s) {missing}, which the file lacks")


def _missing(renamed, ticket_id, nulls, cols, file) -> list[Problem]:
    """`missing-value` problems for rows without a ticket id or without a time cell."""
    empty_at = clean_strings(renamed["at"], nulls).isna() & ticket_id.notna()
    return problems_from_mask(
        renamed, ticket_id.isna(), code="missing-value", column="ticket_id", file=file
    ) + problems_from_mask(renamed, empty_at, code="missing-value", column="at", file=file)


def _events(rows, renamed, df, activity, mapping, em, file, nulls):
    """(events, problems): one event per effect of each kept row, classes and reopens settled."""
    idx = rows.index
    act = activity.loc[idx] if activity is not None else pd.Series(pd.NA, idx, dtype="string")
    codes, names = distinct_codes(act)
    names = names.to_pylist()
    effects = activity_effects(names, em, mapping.statuses, "status" in renamed)
    status_col = clean_strings(renamed["status"].loc[idx], nulls) if "status" in renamed else None
    value_col = clean_strings(renamed["value"].loc[idx], nulls) if "value" in renamed else None
    parts = []
    for k, (sel, effects_k) in enumerate(effect_rows(codes, effects)):
        c = codes[sel]
        event = effect_field(effects_k, c, "event")
        status = pd.Series(effect_field(effects_k, c, "status"), dtype="string")
        if status_col is not None:
            status = status.fillna(status_col.iloc[sel].reset_index(drop=True))
        status = status.fillna(act.iloc[sel].reset_index(drop=True))
        value = pd.Series(effect_field(effects_k, c, "value"), dtype="string")
        for col in {e.value_from for e in effects_k if e is not None and e.value_from}:
            use = effect_field(effects_k, c, "value_from") == col
            cells = clean_strings(df.loc[idx[sel], col], nulls).reset_index(drop=True)
            value = value.mask(use, cells)
        status_like = pd.Series(event).isin(STATUS_LIKE_EVENTS).to_numpy()
        fallback = value_col.iloc[sel].reset_index(drop=True) if value_col is not None else None
        fallback = act.iloc[sel].reset_index(drop=True) if fallback is None else fallback
        value = value.fillna(status.where(status_like)).fillna(fallback)
        parts.append(
            pd.DataFrame(
                {
                    "_line": rows["_line"].to_numpy()[sel],
                    "_k": k,
                    "ticket_id": rows["ticket_id"].to_numpy()[sel],
                    "at": rows["at"].iloc[sel].to_numpy("datetime64[us]"),
                    "event": event,
                    "value": value.to_numpy(),
                    "_status": status.where(status_like).to_numpy(),
                    "_activity": act.iloc[sel].to_numpy(),
                    "actor": effect_field(effects_k, c, "actor"),
                    "public": pd.array(effect_field(effects_k, c, "public"), dtype="boolean"),
                }
            )
        )
    ev = pd.concat(parts, ignore_index=True)
    ev["at"] = pd.to_datetime(ev["at"], utc=True)
    ev = ev.sort_values(["ticket_id", "at", "_line", "_k"], kind="stable").reset_index(drop=True)
    ev["status_class"], problems = _classes(ev, mapping.statuses, file)
    apply_reopen_rule(ev, em.reopen_on, ev["_activity"].astype("string"))
    ev = ev.drop(columns=["_k", "_status", "_activity"])
    if "actor" in renamed:  # a mapped actor column fills what the effects leave open
        actor_cells = clean_strings(renamed["actor"], nulls).str.lower()
        by_line = pd.Series(actor_cells.to_numpy(), index=renamed["_line"].to_numpy())
        ev["actor"] = ev["actor"].fillna(pd.Series(by_line.reindex(ev["_line"]).to_numpy()))
    return ev, problems


def _classes(ev: pd.DataFrame, statuses: dict[str, str], file: str):
    """(status class per event, problems): status events through the status table (unknown ->
    open, one warning per status); resolved/closed/reopened/created fall back to the class
    their type implies, silently; other events have none."""
    out = pd.Series(None, index=ev.index, dtype="object")
    is_status = (ev["event"] == "status").to_numpy()
    problems: list[Problem] = []
    if is_status.any():
        sub = ev[is_status]
        classes, problems = map_status_classes(
            sub["_status"].astype("string"), sub, column="value", file=file, overrides=statuses
        )
        out[is_status] = classes.to_numpy(dtype=object)
    implied = ev["event"].isin(list(IMPLIED_CLASSES)).to_numpy() & ~is_status
    if implied.any():
        sub = ev[implied]
        codes, names = distinct_codes(sub["_status"].astype("string"))
        known = np.array([*status_classes_of(names.to_pylist(), statuses), None], dtype=object)
        found = pd.Series(known[codes], index=sub.index)
        out[implied] = found.fillna(sub["event"].map(IMPLIED_CLASSES)).to_numpy(dtype=object)
    return out, problems


def _tickets(rows: pd.DataFrame, renamed: pd.DataFrame, nulls) -> pd.DataFrame:
    """A ticket per id: created at its first row's time, text fields from its last row (`rows`
    are sorted by ticket and time, so first and last rows come in the same ticket order)."""
    first = rows[~rows["ticket_id"].duplicated()]
    last_idx = rows.index[~rows["ticket_id"].duplicated(keep="last")]
    tickets = pd.DataFrame(
        {
            "ticket_id": first["ticket_id"].to_numpy(),
            "created_at": first["at"].to_numpy(),
            "_line": first["_line"].to_numpy(),
        }
    )
    for field in TEXT_FIELDS:
        if field in renamed and field != "ticket_id":
            tickets[field] = clean_strings(renamed.loc[last_idx, field], nulls).to_numpy()
    tickets["created_at"] = pd.to_datetime(tickets["created_at"], utc=True)
    return tickets
