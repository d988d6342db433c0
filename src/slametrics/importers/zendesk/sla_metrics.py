"""Zendesk ticket_metrics and ticket_metric_events: summary times and the vendor's SLA verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from slametrics.importers.cells import parse_timestamps
from slametrics.importers.io import InputFile
from slametrics.importers.json_reader import json_path, json_texts
from slametrics.importers.rows import reject_missing
from slametrics.importers.zendesk.vocabulary import RESOLUTION_METRICS
from slametrics.problems import problems_from_mask
from slametrics.schema import DONE_CLASSES

# the frame of `_sla_verdicts` -> the canonical due-time columns
VENDOR_DUES = {
    "first_due": "vendor_first_response_due_at",
    "resolution_due": "vendor_resolution_due_at",
}

if TYPE_CHECKING:  # for annotations only: the accumulator imports this module
    from slametrics.importers.zendesk.accumulate import Accumulator


# ticket_metrics / metric_sets keys read as times, and as minute counts (`{calendar, business}`)
METRIC_TIMES = ("solved_at", "status_updated_at", "updated_at")
METRIC_MINUTES = {
    "reply_minutes": "reply_time_in_minutes",
    "full_resolution_minutes": "full_resolution_time_in_minutes",
}


def metrics_frame(recs: list[dict], lines: list[int], file: str) -> pd.DataFrame:
    """ticket_metrics records (or `metric_sets` sideloads) as text columns, one row each."""
    frame = pd.DataFrame(
        {
            "_line": lines,
            "_file": file,
            "ticket_id": json_texts([r.get("ticket_id") for r in recs]),
            "reopens": json_texts([r.get("reopens") for r in recs]),
            "replies": json_texts([r.get("replies") for r in recs]),
            # seconds where Zendesk gives them (messaging tickets), else whole minutes
            "reply_seconds": json_texts(
                [json_path(r, "reply_time_in_seconds", "calendar") for r in recs]
            ),
        }
    )
    for col in METRIC_TIMES:
        frame[col] = json_texts([r.get(col) for r in recs])
    for col, key in METRIC_MINUTES.items():
        frame[col] = json_texts([json_path(r, key, "calendar") for r in recs])
    return frame


def parse_metrics(
    frame: pd.DataFrame, file: str, tz: str, acc: Accumulator, own_rows: bool, within: str = ""
) -> pd.DataFrame:
    """ticket_metrics records; `own_rows` when they are the file's rows, not a sideload (whose
    key, `within`, prefixes the columns its problems name: `metric_sets.solved_at`)."""
    frame = frame.copy()
    for col in METRIC_TIMES:
        frame[col], probs = parse_timestamps(frame, col, file=file, tz=tz)
        for p in probs:
            p.column = f"{within}.{col}" if within else col
        acc.report.problems += probs
    for col in ("reopens", "replies", "reply_seconds", *METRIC_MINUTES):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    missing = frame["ticket_id"].isna()
    if own_rows:
        acc.reject(
            problems_from_mask(frame, missing, code="missing-value", column="ticket_id", file=file),
            missing,
            frame,
        )
    return frame[~missing]


def read_metric_events(
    f: InputFile, recs: list[dict], lines: list[int], acc: Accumulator, tz: str
) -> None:
    frame = pd.DataFrame(
        {
            "_line": lines,
            "_file": f.name,
            "ticket_id": json_texts([r.get("ticket_id") for r in recs]),
            "metric": json_texts([r.get("metric") for r in recs]),
            "instance_id": pd.to_numeric(
                pd.Series([r.get("instance_id") for r in recs], dtype="object"), errors="coerce"
            ),
            "type": json_texts([r.get("type") for r in recs]),
            "time": json_texts([r.get("time") for r in recs]),
            "target_min": pd.to_numeric(
                pd.Series([_sla_target(r) for r in recs], dtype="object"), errors="coerce"
            ),
            "business_hours": [
                b if isinstance(b := json_path(r, "sla", "business_hours"), bool) else None
                for r in recs
            ],
        }
    )
    parsed, probs = parse_timestamps(frame, "time", file=f.name, tz=tz)
    keys = {"ticket_id": "ticket_id", "created_at": "time"}
    bad, missing = reject_missing(frame.assign(created_at=parsed), frame, keys, f.name)
    acc.reject(probs + missing, bad, frame)
    frame["time"] = parsed
    acc.metric_events.append(frame[~bad])


def _sla_target(r: dict) -> float | None:
    """An apply_sla event's target in minutes (`target`, or the newer `target_in_seconds`)."""
    sla = r.get("sla")
    if not isinstance(sla, dict):
        return None
    if isinstance(sla.get("target_in_seconds"), (int, float)):
        return sla["target_in_seconds"] / 60
    return sla.get("target") if isinstance(sla.get("target"), (int, float)) else None


def apply_metrics(
    tickets: pd.DataFrame, metrics: list[pd.DataFrame], metric_events: pd.DataFrame | None
) -> pd.DataFrame:
    """Fill summary times, counts and the vendor's SLA verdicts from metric data."""
    t = tickets.set_index("ticket_id")
    for col in ("first_response_at", "resolved_at", *VENDOR_DUES.values()):
        if col not in t:
            t[col] = pd.Series(pd.NaT, index=t.index, dtype="datetime64[us, UTC]")
    if metrics:
        _apply_metric_sets(t, pd.concat(metrics, ignore_index=True))
    if metric_events is not None and len(metric_events):
        v = _sla_verdicts(metric_events).reindex(t.index)
        t["vendor_first_response_met"] = v["first_response_met"]
        t["vendor_resolution_met"] = v["resolution_met"]
        # the SLA's due times, never the ticket's own due_at (a task's Due date in Zendesk);
        # the metric events are the SLA's record, the `slas` sideload its state at export
        for key, col in VENDOR_DUES.items():
            t[col] = v[key].fillna(t[col])
        t["first_response_at"] = t["first_response_at"].fillna(v["first_reply"])
        solved = (
            t["status_class"].isin(DONE_CLASSES)
            if "status_class" in t
            else pd.Series(False, index=t.index)
        )
        t["resolved_at"] = t["resolved_at"].fillna(v["solved"].where(solved))
    return t.reset_index()


def _apply_metric_sets(t: pd.DataFrame, m: pd.DataFrame) -> None:
    """Summary times and counts from ticket metrics, into `t` (indexed by ticket id).

    The latest metric record of a ticket wins (by its `updated_at`, then the later page), field
    by field where it has no value. The
    first reply is creation + the calendar reply time; the resolution, of a solved or closed
    ticket only (a reopened ticket keeps its last `solved_at`), is `solved_at`, else creation
    + the full calendar resolution time. `status_updated_at` dates an open ticket's current
    status (`_status_since`).
    """
    m = m.sort_values("updated_at", na_position="first", kind="stable")
    # per field the latest value known: a `dates` record fills what a metric set lacks
    m = m.groupby("ticket_id", sort=False).last().reindex(t.index)
    since_created = m["reply_seconds"].mul(1.0).fillna(m["reply_minutes"] * 60)
    reply = _after(t["created_at"], since_created)
    t["first_response_at"] = t["first_response_at"].fillna(reply)
    cls = t["status_class"] if "status_class" in t else pd.Series(pd.NA, index=t.index)
    solved = cls.isin(["resolved", "closed"]).fillna(False).astype(bool)
    full = _after(t["created_at"], m["full_resolution_minutes"].mul(60.0))
    t["resolved_at"] = t["resolved_at"].fillna(m["solved_at"].fillna(full).where(solved))
    for col, src in (("reopens", "reopens"), ("agent_replies", "replies")):
        t[col] = t[col].fillna(m[src]) if col in t else m[src]
    open_now = cls.notna() & ~cls.isin(DONE_CLASSES)
    since = m["status_updated_at"].where(open_now & (m["status_updated_at"] >= t["created_at"]))
    t["_status_since"] = since


MAX_DURATION_S = 100 * 366 * 86400  # past this a metric's duration is no time of a ticket


def _after(start: pd.Series, seconds: pd.Series) -> pd.Series:
    """`start` + `seconds`; a duration beyond a century (a broken export) gives no time."""
    sane = seconds.astype("float64").where(lambda s: s.abs() <= MAX_DURATION_S)
    return start + pd.to_timedelta(sane, unit="s")


def _sla_verdicts(me: pd.DataFrame) -> pd.DataFrame:
    """Per ticket: the vendor's first-reply and resolution verdicts, due time, fulfilment times.

    A metric instance is breached by a breach event that falls while it is active (after an
    activate, not after a pause or fulfilment: Zendesk may schedule breach events ahead) and not
    after the export's last event; it is met when its last state is fulfilled under an applied
    SLA without such a breach, and has no verdict while it still runs.
    """
    keys = ["ticket_id", "metric", "instance_id"]
    order = {"activate": 0, "apply_sla": 1, "apply_group_sla": 1, "pause": 2, "fulfill": 3}
    me = me.assign(
        instance_id=me["instance_id"].fillna(1).astype(int), _rank=me["type"].map(order).fillna(4)
    )
    me = me.sort_values([*keys, "time", "_rank"], kind="stable").reset_index(drop=True)
    by = [me[k] for k in keys]
    state = me["type"].where(me["type"].isin(["activate", "pause", "fulfill"]))
    before = state.groupby(by).ffill()
    end = me["time"].max()
    real = (me["type"] == "breach") & (before.isna() | (before == "activate")) & (me["time"] <= end)
    fulfil = me["time"].where(me["type"] == "fulfill").groupby(by)
    calendar = me["business_hours"].map({False: True, True: False})
    agg = pd.DataFrame(
        {
            "breach": me["time"].where(real).groupby(by).min(),
            "last_state": state.groupby(by).last(),
            "fulfill": fulfil.min(),
            "last_fulfill": fulfil.max(),
            "sla": me["type"].isin(["apply_sla", "apply_group_sla"]).groupby(by).any(),
            "target_s": (me["target_min"] * 60).groupby(by).last(),
            "calendar": calendar.groupby(by).last(),
        }
    )
    breached = agg["breach"].notna()
    met = ~breached & (agg["last_state"] == "fulfill") & agg["sla"]
    agg["verdict"] = pd.Series(pd.NA, index=agg.index, dtype="boolean")
    agg.loc[met, "verdict"] = True
    agg.loc[breached, "verdict"] = False
    agg["due"] = agg["breach"].fillna(_calendar_due(me, state, agg, keys))
    agg = agg.reset_index()
    first = agg[(agg["metric"] == "reply_time") & (agg["instance_id"] == 1)]
    first = first.drop_duplicates("ticket_id").set_index("ticket_id")
    res = agg[agg["metric"].isin(RESOLUTION_METRICS)]
    any_false = res["verdict"].eq(False).fillna(False).groupby(res["ticket_id"]).any()
    any_true = res["verdict"].eq(True).fillna(False).groupby(res["ticket_id"]).any()
    res_verdict = pd.Series(pd.NA, index=any_false.index, dtype="boolean")
    res_verdict[any_true] = True
    res_verdict[any_false] = False
    rwt = agg[agg["metric"] == "requester_wait_time"].groupby("ticket_id")["last_fulfill"].max()
    return pd.DataFrame(
        {
            "first_response_met": first["verdict"],
            "first_reply": first["fulfill"],
            "resolution_met": res_verdict,
            "first_due": first["due"],
            "resolution_due": res.groupby("ticket_id")["due"].min(),
            "solved": rwt,
        }
    )


def _calendar_due(
    me: pd.DataFrame, state: pd.Series, agg: pd.DataFrame, keys: list[str]
) -> pd.Series:
    """When a calendar-hours SLA target is reached: active (activate -> next state) time summed.

    Business-hours targets need the account's schedule, which the export lacks: no due time.
    """
    st = me.loc[state.notna(), [*keys, "time", "type"]]
    by = [st[k] for k in keys]
    nxt = st["time"].groupby(by).shift(-1)
    active = st["type"] == "activate"
    dur = (nxt - st["time"]).dt.total_seconds().where(active, 0.0)
    known = dur.fillna(0.0)
    before = known.groupby(by).cumsum() - known
    goal = agg[["target_s", "calendar"]].reindex(pd.MultiIndex.from_frame(st[keys]))
    target = goal["target_s"].where(goal["calendar"].eq(True)).to_numpy()
    reach = (
        active.to_numpy()
        & (before.to_numpy() < target)
        & (dur.isna().to_numpy() | (before.to_numpy() + dur.fillna(0).to_numpy() >= target))
    )
    due = st["time"] + pd.to_timedelta(target - before.to_numpy(), unit="s")
    return due.where(reach).groupby(by).min()
