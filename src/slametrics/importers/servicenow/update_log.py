"""The ServiceNow update-snapshot log: one ticket per number, events from its changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.importers.cells import (
    clean_strings,
    parse_booleans,
    parse_numbers,
    parse_timestamps,
)
from slametrics.importers.csv_reader import CsvTable
from slametrics.importers.headers import extra_map, require_columns, resolve_columns
from slametrics.importers.servicenow.vocabulary import LOG_ALIASES, REQUIRED_LOG, timestamp_format
from slametrics.importers.statuses import map_status_classes
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import DONE_CLASSES


def read_log(
    table: CsvTable, file: str, tz: str, classes: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, ProblemReport]:
    """History from an update-snapshot log: one ticket per number, events from changes."""
    df = table.frame
    cols = resolve_columns(table.columns, LOG_ALIASES)
    require_columns(
        cols,
        REQUIRED_LOG,
        LOG_ALIASES,
        file=file,
        found=table.columns,
        what="a ServiceNow update log",
    )
    problems: list[Problem] = list(table.problems)
    tid = clean_strings(df[cols["ticket_id"]])
    state = clean_strings(df[cols["status"]])
    fmt = timestamp_format(df[cols["at"]])
    at, probs = parse_timestamps(df, cols["at"], file=file, tz=tz, fmt=fmt)
    problems += probs
    opened, probs = parse_timestamps(
        df, cols["created_at"], file=file, tz=tz, fmt=timestamp_format(df[cols["created_at"]])
    )
    problems += probs
    mod, probs = parse_numbers(df, cols["sys_mod_count"], file=file)
    problems += probs
    raw_at = clean_strings(df[cols["at"]])
    reject, probs = _unplaceable(df, cols, tid, state, at, raw_at, file)
    problems += probs
    cls, probs = map_status_classes(
        state.where(~reject), df, column=cols["status"], file=file, overrides=classes
    )
    problems += probs

    keep = ~reject.to_numpy()

    def report() -> ProblemReport:
        return ProblemReport(
            rows_read=table.rows_read,
            rows_imported=int(keep.sum()),
            rows_rejected=int((~keep).sum()) + table.rows_read - len(df),
            problems=problems,
        )

    if not keep.any():
        return pd.DataFrame(columns=["ticket_id", "_file", "_line"]), pd.DataFrame(), report()
    code, ids = pd.factorize(tid[keep])
    w = _updates(code, keep, mod, at, opened, state, cls)
    codes = w["code"].to_numpy()
    first = np.r_[True, codes[1:] != codes[:-1]]
    problems += _monotonic_times(w, df, raw_at, cols, file)
    g = w.groupby("code", sort=False)
    w["state"] = g["state"].ffill()
    w["cls"] = g["cls"].ffill()

    created = _created(w, first)
    problems += _unknown_start_priority(w, first, df, cols, file)
    events = _log_events(w, first, created, df, cols, ids)
    tickets = _log_tickets(w, first, created, df, cols, ids, file, tz, problems)
    return tickets, events, report()


def _created(w: pd.DataFrame, first: np.ndarray) -> np.ndarray:
    """Per ticket code, created_at: opened_at (its first parseable value), else the first
    update's time."""
    opened = w.groupby("code", sort=False)["opened"].first().to_numpy()
    return np.where(pd.isna(opened), w["at"].to_numpy()[first], opened)


def _unplaceable(
    df: pd.DataFrame,
    cols: dict[str, str],
    tid: pd.Series,
    state: pd.Series,
    at: pd.Series,
    raw_at: pd.Series,
    file: str,
) -> tuple[pd.Series, list[Problem]]:
    """(rows to reject, problems): rows without an id or a usable update time; a row without a
    state is kept, with a warning."""
    missing_id = tid.isna()
    problems = problems_from_mask(
        df.assign(**{cols["ticket_id"]: tid}),
        missing_id,
        code="missing-value",
        column=cols["ticket_id"],
        file=file,
    )
    problems += problems_from_mask(
        df.assign(**{cols["at"]: raw_at}),
        raw_at.isna() & ~missing_id,
        code="missing-value",
        column=cols["at"],
        file=file,
    )
    # a row without an id or a usable update time cannot be placed in any history
    reject = missing_id | at.isna()
    problems += problems_from_mask(
        df.assign(**{cols["status"]: state}),
        state.isna() & ~reject,
        code="missing-value",
        column=cols["status"],
        file=file,
        severity="warning",
    )
    return reject, problems


def _updates(
    code: np.ndarray,
    keep: np.ndarray,
    mod: pd.Series,
    at: pd.Series,
    opened: pd.Series,
    state: pd.Series,
    cls: pd.Series,
) -> pd.DataFrame:
    """The kept updates, one row each, in ticket and sys_mod_count order."""
    # times are handled as naive UTC datetime64 here: numpy-fast, tz added back at the end
    w = pd.DataFrame(
        {
            "code": code,
            # no sys_mod_count: its predecessor's (in file order), so the row stays in place
            "mod": mod[keep].groupby(code).ffill().fillna(-1).to_numpy(),
            "at": at[keep].dt.tz_convert(None).to_numpy(),
            "opened": opened[keep].dt.tz_convert(None).to_numpy(),
            "state": state[keep].to_numpy(dtype=object, na_value=None),
            "cls": cls[keep].to_numpy(dtype=object, na_value=None),
            "row": np.flatnonzero(keep),
        }
    )
    order = np.lexsort(
        (w["row"].to_numpy(), w["at"].to_numpy(), w["mod"].to_numpy(), w["code"].to_numpy())
    )
    return w.iloc[order].reset_index(drop=True)


def _monotonic_times(
    w: pd.DataFrame, df: pd.DataFrame, raw_at: pd.Series, cols: dict[str, str], file: str
) -> list[Problem]:
    """Update times made non-decreasing per ticket (in place), each late one a warning."""
    # Event times must follow sys_mod_count order, or the engine (which orders by time) would
    # replay another history; an update stamped before its predecessor takes that time.
    mono = w.groupby("code", sort=False)["at"].cummax()
    late = (w["at"] < mono).to_numpy()
    if not late.any():
        return []
    w["at"] = mono
    bad = df.iloc[w.loc[late, "row"].to_numpy()]
    return problems_from_mask(
        bad.assign(**{cols["at"]: raw_at.loc[bad.index]}),
        pd.Series(True, index=bad.index),
        code="out-of-order-update",
        column=cols["at"],
        file=file,
        severity="warning",
    )


def _utc(values: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(values).tz_localize("UTC").astype("datetime64[us, UTC]")


def _log_events(
    w: pd.DataFrame,
    first: np.ndarray,
    created: np.ndarray,
    df: pd.DataFrame,
    cols: dict[str, str],
    ids: pd.Index,
) -> pd.DataFrame:
    """Status, resolved, closed and reopened events from state changes, plus priority and
    assignee events (the values the ticket was created with, then each change), all from
    shifted columns."""
    state = w["state"].to_numpy(dtype=object)
    cls = w["cls"].to_numpy(dtype=object)
    at = w["at"].to_numpy()
    prev_state = np.r_[[None], state[:-1]]
    prev_cls = np.r_[[None], cls[:-1]]
    known = pd.notna(cls)
    changed = known & (first | (state != prev_state))
    done = np.isin(cls, DONE_CLASSES)
    prev_done = np.isin(prev_cls, DONE_CLASSES) & ~first
    # the first snapshot in New repeats the creation, which finalize records as `created`
    emit = changed & ~(first & (cls == "new"))
    kind = np.select(
        [
            prev_done & ~done,
            (cls == "resolved") & (prev_cls != "resolved"),
            (cls == "closed") & (prev_cls != "closed"),
        ],
        ["reopened", "resolved", "closed"],
        "status",
    )
    tid = ids.to_numpy(dtype=object)[w["code"].to_numpy()]
    parts = [
        pd.DataFrame(
            {
                "ticket_id": tid[emit],
                "at": _utc(at[emit]),
                "event": kind[emit],
                "value": state[emit],
                "status_class": cls[emit],
            }
        )
    ]
    parts += _value_events(w, first, created, df, cols, tid)
    events = pd.concat(parts, ignore_index=True)
    events["actor"] = "agent"
    events["public"] = False
    return events


def _value_events(
    w: pd.DataFrame,
    first: np.ndarray,
    created: np.ndarray,
    df: pd.DataFrame,
    cols: dict[str, str],
    tid: np.ndarray,
) -> list[pd.DataFrame]:
    """Priority and assigned events: the values of a ticket's first update, then each change."""
    rows = w["row"].to_numpy()
    # The first update of the record (sys_mod_count 0, or none given) is the ticket as created:
    # its priority and assignee are set at creation, where a policy's `target_priority:
    # at_start` and the support lines look for them. A log that starts later dates them at
    # its first update.
    at = w["at"].to_numpy()
    set_at = np.where(first & (w["mod"].to_numpy() <= 0), created[w["code"].to_numpy()], at)
    parts = []
    for field, event in (("priority", "priority"), ("assignee", "assigned")):
        if field not in cols:
            continue
        val = clean_strings(df[cols[field]]).to_numpy(dtype=object, na_value=None)[rows]
        # compared with the last known value: A, ?, A is no reassignment
        known_val = pd.Series(val).groupby(w["code"].to_numpy()).ffill().to_numpy(dtype=object)
        prev = np.r_[[None], known_val[:-1]]
        set_now = pd.notna(val) & (first | (val != prev))
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": tid[set_now],
                    "at": _utc(set_at[set_now]),
                    "event": event,
                    "value": val[set_now],
                    "status_class": None,
                }
            )
        )
    return parts


def _unknown_start_priority(
    w: pd.DataFrame, first: np.ndarray, df: pd.DataFrame, cols: dict[str, str], file: str
) -> list[Problem]:
    """A warning per incident whose first update in the log is a later version
    (sys_mod_count > 0) or has no priority: the priority it was opened with is unknown."""
    if "priority" not in cols:
        return []
    rows = w["row"].to_numpy()[first]
    priority = clean_strings(df[cols["priority"]]).to_numpy(dtype=object, na_value=None)[rows]
    unknown = (w["mod"].to_numpy()[first] > 0) | pd.isna(priority)
    found = df.iloc[rows[unknown]]
    return problems_from_mask(
        found,
        pd.Series(True, index=found.index),
        code="priority-at-start-unknown",
        column=cols["ticket_id"],
        file=file,
        severity="warning",
    )


def _log_tickets(
    w: pd.DataFrame,
    first: np.ndarray,
    created: np.ndarray,
    df: pd.DataFrame,
    cols: dict[str, str],
    ids: pd.Index,
    file: str,
    tz: str,
    problems: list[Problem],
) -> pd.DataFrame:
    """One ticket per number: attributes from its last update (highest sys_mod_count), each
    the latest value known (an update that leaves one empty, `?`, does not unset it)."""
    last = np.r_[first[1:], True]
    rows = w["row"].to_numpy()
    lr = df.iloc[rows[last]]
    t = pd.DataFrame(
        {"ticket_id": ids.to_numpy(dtype=object)[w["code"].to_numpy()[last]]}, index=lr.index
    )
    t["_line"] = lr["_line"]
    t["_file"] = file
    t["fidelity"] = "history"
    t["created_at"] = _utc(created.astype("datetime64[us]"))
    for field in (
        "priority",
        "assignee",
        "group",
        "requester",
        "channel",
        "category",
        "service",
        "subject",
    ):
        if field in cols:
            values = clean_strings(df[cols[field]]).iloc[rows].reset_index(drop=True)
            known = values.groupby(w["code"].to_numpy(), sort=False).ffill()
            t[field] = known[last].set_axis(lr.index)
    t["status"] = w["state"].to_numpy(dtype=object)[last]
    t["status_class"] = w["cls"].to_numpy(dtype=object)[last]
    t["type"] = "incident"
    done = t["status_class"].isin(DONE_CLASSES).to_numpy()
    for field in ("resolved_at", "closed_at"):
        if field in cols:
            val, probs = parse_timestamps(
                lr, cols[field], file=file, tz=tz, fmt=timestamp_format(lr[cols[field]])
            )
            problems += probs
            # the log repeats final values on every row, also before (or without) the
            # resolution, so they count only once the ticket is actually done
            t[field] = val.where(done)
    if "vendor_resolution_met" in cols:
        t["vendor_resolution_met"], probs = parse_booleans(
            lr, cols["vendor_resolution_met"], file=file
        )
        problems += probs
    if "reopens" in cols:
        t["reopens"], probs = parse_numbers(lr, cols["reopens"], file=file)
        problems += probs
    used = set(cols.values())
    rest = [c for c in df.columns if c not in used and c != "_line"]
    t["extra"] = extra_map(lr[rest].apply(clean_strings))
    return t.reset_index(drop=True)
