"""Metrics for a period (DESIGN §7): on-time share, FCR, repeat incidents, reopens, waiting, volumes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.columns import codes_in
from slametrics.engine.clocks import (
    OUTCOMES,
    ClockResult,
    PreparedLog,
    compute_clocks,
    key_groups,
    prepare_log,
)
from slametrics.eventlog import EventLog
from slametrics.periods import Period
from slametrics.policy import CLOCK_NAMES, Policy, Threshold
from slametrics.results import (
    RISK_SHARE,
    ClockStats,
    DataQuality,
    MetricsResult,
    MetricValue,
    PeriodInfo,
    RepeatGroup,
    SliceStats,
    ThresholdValue,
    TicketLine,
    TrendDirection,
    TrendPoint,
    VendorDisagreement,
    VolumeRow,
    WorkStatusRow,
)

LIST_LIMIT = 500  # the result carries at most this many tickets per list; `tickets` has all
HIGHER_IS_BETTER = {
    "on_time_share": True, "first_contact_resolution": True, "repeat_incident_rate": False,
    "reopen_rate": False, "waiting_on_customer": False,
}  # fmt: skip


@dataclass
class PeriodFigures:
    """Clock rows that count in the period plus the headline metric values."""

    counted: pd.DataFrame
    metrics: dict[str, MetricValue]
    state: ClockResult


def prepare(log: EventLog, policy: Policy) -> PreparedLog:
    """`prepare_log` for an event log, from its stored event codes when it has them."""
    need_events = log.codes is None or policy.target_priority == "at_start"
    return prepare_log(log.tickets, log.events if need_events else None, policy, codes=log.codes)


def latest_timestamp(log: EventLog) -> pd.Timestamp:
    """The latest instant in the log (events and tickets)."""
    latest_event = log.latest_event_at()
    candidates = [latest_event if latest_event is not None else pd.NaT,
                  log.tickets["updated_at"].max() if len(log.tickets) else pd.NaT,
                  log.tickets["created_at"].max() if len(log.tickets) else pd.NaT]  # fmt: skip
    valid = [c for c in candidates if pd.notna(c)]
    return max(valid) if valid else pd.Timestamp("1970-01-01", tz="UTC")


def resolve_as_of(log: EventLog, period: Period, as_of: pd.Timestamp | None) -> pd.Timestamp:
    """--as-of if given, else the latest timestamp in the log; capped at the period's end."""
    t = as_of if as_of is not None else latest_timestamp(log)
    return min(t, period.end - pd.Timedelta(microseconds=1))


def _share(num: float, den: float) -> MetricValue:
    return MetricValue(value=(num / den) if den else None, numerator=num, denominator=den)


def _in(series: pd.Series, period: Period) -> pd.Series:
    return series.notna() & (series >= period.start) & (series < period.end)


def counted_clocks(clocks: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Clocks that count in the period: stopped inside it, or running and breached at its end."""
    stopped_in = _in(clocks["stopped_at"], period)
    running_breached = clocks["stopped_at"].isna() & (clocks["outcome"] == "breached")
    return clocks[stopped_in | running_breached]


def period_figures(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    prepared: PreparedLog | None = None,
    lean: bool = False,
) -> PeriodFigures:
    """Compute the clocks at `as_of` and the headline metrics of one period.

    Only tickets not settled before the period starts are computed (see `compute_clocks`);
    `lean` keeps just the columns the figures need.
    """
    prepared = prepared or prepare(log, policy)
    state = compute_clocks(log.tickets, None, policy, as_of, prepared, since=period.start,
                           lean=lean)  # fmt: skip
    t = state.tickets
    counted = counted_clocks(state.clocks, period)
    met = int((counted["outcome"] == "met").sum())
    breached = int((counted["outcome"] == "breached").sum())
    m: dict[str, MetricValue] = {"on_time_share": _share(met, met + breached)}

    first_res = _in(t["first_resolved_at"], period)
    fcr = policy.first_contact_resolution
    snapshot = (t["fidelity"] == "snapshot").to_numpy()
    # history: counted from events up to as_of; snapshot: only the source's summary counts exist
    recorded_replies = t["agent_replies"].fillna(0).to_numpy()
    replies = np.where(snapshot, recorded_replies, t["replies_before_resolution"].to_numpy())
    reopened = (t["reopen_count"] > 0) | (snapshot & (t["reopens"].fillna(0) > 0))
    ok = (replies <= fcr.max_agent_replies) & (~reopened if fcr.exclude_reopened else True)
    # a source that records no replies at all (a status-only process log) cannot show FCR
    known = np.where(snapshot, t["agent_replies"].notna(), t["source"].isin(state.reply_sources))
    first_res = first_res & known
    m["first_contact_resolution"] = _share(int((first_res & ok).sum()), int(first_res.sum()))

    # repeats look back across the window, beyond the tickets computed for the period
    pt = prepared.tickets
    created_in = (_in(pt["created_at"], period) & (pt["created_at"] <= as_of)).to_numpy()
    incident_in = created_in & (pt["kind"] == "incident").to_numpy()
    m["repeat_incident_rate"] = _share(int((prepared.repeat & incident_in).sum()),
                                       int(incident_in.sum()))  # fmt: skip

    resolved_in = resolved_in_period(t, period)
    m["reopen_rate"] = _share(int((resolved_in & reopened).sum()), int(resolved_in.sum()))

    waiting = t["status_class_at"] == "waiting_customer"
    m["waiting_on_customer"] = MetricValue(value=float(waiting.sum()))
    m["created"] = MetricValue(value=float(_in(t["created_at"], period).sum()))
    m["resolved"] = MetricValue(value=float(resolved_in.sum()))
    open_at_end = ~t["status_class_at"].isin(["resolved", "closed", "canceled"])
    m["open_at_end"] = MetricValue(value=float(open_at_end.sum()))
    return PeriodFigures(counted, m, state)


def resolved_in_period(t: pd.DataFrame, period: Period) -> pd.Series:
    """Tickets first resolved in the period, or whose final resolution (as of now) falls in it."""
    return _in(t["last_resolved_at"], period) | _in(t["first_resolved_at"], period)


def _stats(rows: pd.DataFrame) -> dict[str, float | int | None]:
    return _stats_of(
        codes_in(rows["outcome"], OUTCOMES),
        rows["stopped_at"].notna().to_numpy(),
        rows["elapsed_s"].to_numpy(dtype=float),
    )


def _stats_of(outcome: np.ndarray, stopped: np.ndarray,
              elapsed: np.ndarray) -> dict[str, float | int | None]:  # fmt: skip
    """Counts and percentiles of clock rows; `outcome` holds codes into OUTCOMES."""
    met = int((outcome == OUTCOMES.index("met")).sum())
    breached = int((outcome == OUTCOMES.index("breached")).sum())
    done = elapsed[stopped]
    pct = np.percentile(done, [50, 90, 95]) if len(done) else [None] * 3
    return {"met": met, "breached": breached,
            "on_time_share": met / (met + breached) if met + breached else None,
            "p50_s": _f(pct[0]), "p90_s": _f(pct[1]), "p95_s": _f(pct[2])}  # fmt: skip


def _f(x: object) -> float | None:
    return None if x is None else round(float(x), 3)


def _slices(counted: pd.DataFrame, running: pd.DataFrame, field: str) -> list[SliceStats]:
    """Per value of `field` and clock: counted outcomes and percentiles, running clocks.

    Rows are grouped once by (clock, value) codes and split with numpy: a breakdown of the
    whole span has millions of clock rows.
    """
    c_key = counted[field].astype("string").fillna("(none)")
    r_key = running[field].astype("string").fillna("(none)")
    keys = sorted(set(c_key.unique()) | set(r_key.unique()))
    c_code, r_code = codes_in(c_key, keys), codes_in(r_key, keys)
    c_clock = codes_in(counted["clock"], CLOCK_NAMES)
    r_clock = codes_in(running["clock"], CLOCK_NAMES)
    outcome = codes_in(counted["outcome"], OUTCOMES)
    stopped = counted["stopped_at"].notna().to_numpy()
    elapsed = counted["elapsed_s"].to_numpy(dtype=float)
    out = []
    for n, clock in enumerate(CLOCK_NAMES):
        rows = np.flatnonzero(c_clock == n)
        rows = rows[np.argsort(c_code[rows], kind="stable")]
        bounds = np.searchsorted(c_code[rows], np.arange(len(keys) + 1))
        runs = np.bincount(r_code[r_clock == n], minlength=len(keys))
        for i, key in enumerate(keys):  # a handful of values of the field
            part = rows[bounds[i] : bounds[i + 1]]
            if not len(part) and not runs[i]:
                continue
            out.append(SliceStats(dimension=field, key=str(key), clock=clock, running=int(runs[i]),
                                  **_stats_of(outcome[part], stopped[part], elapsed[part])))  # fmt: skip
    return out


def threshold_value(th: Threshold, fig: PeriodFigures) -> float | None:
    if th.metric != "on_time_share" or not (th.clock or th.priority or th.kind):
        return fig.metrics[th.metric].value
    rows = fig.counted
    if th.clock:
        rows = rows[rows["clock"] == th.clock]
    if th.priority:
        rows = rows[rows["priority"].astype("string").str.lower() == th.priority.lower()]
    if th.kind:
        rows = rows[rows["kind"] == th.kind]
    return _stats(rows)["on_time_share"]  # type: ignore[return-value]


def measure_thresholds(policy: Policy, fig: PeriodFigures) -> list[ThresholdValue]:
    """Each threshold of the policy with its value in the period; `check` judges them."""
    return [
        ThresholdValue(label=th.label, metric=th.metric, value=threshold_value(th, fig), min=th.min,
                       max=th.max, clock=th.clock, priority=th.priority, kind=th.kind)
        for th in policy.thresholds
    ]  # fmt: skip


def _line(t: pd.DataFrame, **extra: object) -> list[TicketLine]:
    """Ticket lines for a list in the result; `extra` holds per-line columns (clock figures)."""
    cols = [c for c in ("ticket_id", "subject", "priority", "kind", "organization", "requester",
                        "created_at") if c in t]  # fmt: skip
    frame = t[cols].reset_index(drop=True)
    text = [c for c in cols if c != "created_at"]
    frame[text] = frame[text].astype("string")
    for name, values in extra.items():
        frame[name] = list(values) if not isinstance(values, np.ndarray) else values
    # column lists zipped into rows: far cheaper than DataFrame.to_dict for thousands of lines
    values = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame]
    names = list(frame.columns)
    return [TicketLine(**dict(zip(names, row, strict=True))) for row in zip(*values, strict=True)]


def compute_metrics(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp | None = None,
    by: str | None = None,
    rows_rejected: int = 0,
    problems: int = 0,
) -> MetricsResult:
    """All metrics of `period` at `as_of`, with breakdowns, lists, trend and threshold values."""
    # the trend's periods are independent of the rest: computed meanwhile on other threads
    # (numpy and Arrow release the GIL for the heavy parts)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return _compute_metrics(log, policy, period, as_of, by, rows_rejected, problems, pool)


def _compute_metrics(log: EventLog, policy: Policy, period: Period, as_of: pd.Timestamp | None,
                     by: str | None, rows_rejected: int, problems: int,
                     pool: ThreadPoolExecutor) -> MetricsResult:  # fmt: skip
    as_of = resolve_as_of(log, period, as_of)
    prepared = prepare(log, policy)
    earlier = [pool.submit(_trend_point, log, policy, p, as_of, prepared)
               for p in _earlier_periods(log, policy, period)]  # fmt: skip
    fig = period_figures(log, policy, period, as_of, prepared)
    clocks, t = fig.state.clocks, fig.state.tickets
    running = clocks[clocks["outcome"] == "running"]
    counted = fig.counted
    clock_stats = {}
    for clock in CLOCK_NAMES:
        rows = counted[counted["clock"] == clock]
        clock_stats[clock] = ClockStats(
            running=int((running["clock"] == clock).sum()),
            untargeted=fig.state.untargeted.get(clock, 0), **_stats(rows),
        )  # fmt: skip

    by_field: list[SliceStats] = []
    if by:
        if by not in t.columns:
            from slametrics.errors import UserError

            raise UserError(f"--by {by!r}: not a ticket field; use one of: "
                            f"{', '.join(c for c in t.columns if not c.startswith('_'))}")  # fmt: skip
        vals = t.set_index("tix")[by]
        if len(clocks):
            by_field = _slices(counted.assign(**{by: counted["tix"].map(vals)}),
                               running.assign(**{by: running["tix"].map(vals)}), by)  # fmt: skip

    volumes = _volumes(t, period)
    res = clocks[clocks["clock"] == "resolution"].set_index("tix")
    crit = t[(t["kind"] == "incident")
             & t["priority"].astype("string").str.lower().isin([p.lower() for p in policy.critical_priorities]).fillna(False)
             & (_in(t["created_at"], period) | t["tix"].isin(counted.loc[counted["clock"] == "resolution", "tix"]))]  # fmt: skip
    crit = crit.sort_values("created_at")
    r = res.reindex(crit["tix"])
    critical = _line(crit, clock=["resolution"] * len(crit), outcome=r["outcome"].to_numpy(),
                     elapsed_s=r["elapsed_s"].to_numpy(), target_s=r["target_s"].to_numpy(),
                     due_at=r["due_at"].to_numpy(), stopped_at=r["stopped_at"].to_numpy())  # fmt: skip

    pt = prepared.tickets
    created_by = (pt["created_at"] <= as_of).to_numpy()
    incident = np.flatnonzero(created_by & (pt["kind"] == "incident").to_numpy())
    repeat_groups = _repeat_groups(pt, incident, prepared.repeat, policy, period)

    waiting_t = t[t["status_class_at"] == "waiting_customer"].copy()
    waiting_total = len(waiting_t)
    waiting_t["hours"] = (as_of - waiting_t["status_since"]).dt.total_seconds() / 3600
    waiting_t = waiting_t.sort_values(["hours", "ticket_id"], ascending=[False, True]).head(
        LIST_LIMIT
    )
    waiting = _line(waiting_t, waiting_since=waiting_t["status_since"].to_numpy(),
                    waiting_hours=waiting_t["hours"].round(2).to_numpy())  # fmt: skip

    risky = running.assign(used=running["elapsed_s"] / running["target_s"].replace(0, np.nan))
    at_risk_total = int((risky["used"] >= RISK_SHARE).sum())
    risky = (
        risky[risky["used"] >= RISK_SHARE]
        .sort_values(["used", "ticket_id"], ascending=[False, True])
        .head(LIST_LIMIT)
    )
    rt = t.set_index("tix").loc[risky["tix"]].reset_index()
    at_risk = _line(rt, clock=risky["clock"].to_numpy(), outcome=risky["outcome"].to_numpy(),
                    elapsed_s=risky["elapsed_s"].to_numpy(), target_s=risky["target_s"].to_numpy(),
                    due_at=risky["due_at"].to_numpy(), used_share=risky["used"].round(4).to_numpy())  # fmt: skip

    trend = [*(job.result() for job in earlier), _point(period, fig)]
    directions = _directions(trend)
    return MetricsResult(
        policy=policy.name,
        period=PeriodInfo(
            start=period.start, end=period.end, label=period.label, timezone=period.timezone
        ),  # fmt: skip
        as_of=as_of,
        metrics=fig.metrics,
        clocks=clock_stats,
        by_priority=_slices(counted, running, "priority"),
        by_kind=_slices(counted, running, "kind"),
        by_field=by_field,
        volumes=volumes,
        work_status=_work_status(t, period),
        critical_incidents=critical,
        repeat_groups=repeat_groups,
        waiting=waiting,
        waiting_total=waiting_total,
        at_risk=at_risk,
        at_risk_total=at_risk_total,
        priority_order=_priority_order(policy),
        trend=trend,
        directions=directions,
        thresholds=measure_thresholds(policy, fig),
        data_quality=_data_quality(_touched(t, period), fig.counted, rows_rejected, problems),
    )


def _repeat_groups(t: pd.DataFrame, rows: np.ndarray, flags: np.ndarray, policy: Policy,
                   period: Period) -> list[RepeatGroup]:  # fmt: skip
    """Key groups with a repeat incident created in the period, largest first, with members.

    `rows` are the incidents among `t`; groups are numbered by first appearance, which breaks
    ties in size before the list is cut.
    """
    key = policy.repeat_incidents.key
    created = t["created_at"].take(rows).reset_index(drop=True)
    rep = flags[rows] & _in(created, period).to_numpy()
    if not rep.any():
        return []
    gid = key_groups(t, rows, key)
    complete = gid >= 0
    # members: the group's incidents from one window before the period to its end
    since = period.start - pd.Timedelta(seconds=policy.repeat_incidents.window)
    window = ((created < period.end) & (created >= since)).to_numpy()
    member = complete & window & np.isin(gid, np.unique(gid[rep]))
    sizes = np.bincount(gid[member], minlength=int(gid.max()) + 1)
    shown = np.lexsort((np.arange(len(sizes)), -sizes))[:LIST_LIMIT]
    shown = shown[sizes[shown] > 0]
    pick = np.flatnonzero(member & np.isin(gid, shown))
    members = (
        t[["ticket_id", *key]]
        .take(rows[pick])
        .reset_index(drop=True)
        .assign(created_at=created.take(pick).array, _g=gid[pick])
    )
    members = members.sort_values(["_g", "created_at", "ticket_id"])
    ids = members["ticket_id"].astype(str).tolist()
    firsts = np.flatnonzero(np.diff(members["_g"].to_numpy(), prepend=-1) != 0)
    bounds = [*firsts.tolist(), len(members)]
    first_keys = members[key].iloc[firsts].astype(str).to_dict("records")
    groups = [  # at most LIST_LIMIT groups
        RepeatGroup(key=first_keys[i], tickets=ids[bounds[i] : bounds[i + 1]])
        for i in range(len(firsts))
    ]
    groups.sort(key=lambda g: (-len(g.tickets), sorted(g.key.items())))
    return groups


def _volumes(t: pd.DataFrame, period: Period) -> list[VolumeRow]:
    df = pd.DataFrame({
        "kind": t["kind"].astype(str),
        "priority": t["priority"].astype("string").fillna("(none)").astype(str),
        "created": _in(t["created_at"], period).astype(int),
        "resolved": resolved_in_period(t, period).astype(int),
        "open_at_end": (~t["status_class_at"].isin(["resolved", "closed", "canceled"])).astype(int),
    })  # fmt: skip
    g = df.groupby(["kind", "priority"], sort=True)[["created", "resolved", "open_at_end"]].sum()
    g = g[(g > 0).any(axis=1)].reset_index()
    return [VolumeRow(**r) for r in g.to_dict("records")]


def _priority_order(policy: Policy) -> list[str]:
    """Priorities named by the target rules, in rule order: the contract's own ranking."""
    seen: list[str] = []
    for rule in policy.targets:
        for value in rule.match_values().get("priority", []):
            if value not in seen:
                seen.append(value)
    return seen


def _work_status(t: pd.DataFrame, period: Period) -> list[WorkStatusRow]:
    cls = t["status_class_at"]
    waiting = cls.isin(["waiting_customer", "waiting_third_party", "on_hold"])
    done = cls.isin(["resolved", "closed", "canceled"])
    df = pd.DataFrame({
        "kind": t["kind"].astype(str),
        "in_progress": (~waiting & ~done).astype(int),
        "waiting": waiting.astype(int),
        "done_in_period": (done & resolved_in_period(t, period)).astype(int),
    })  # fmt: skip
    g = df.groupby("kind", sort=True).sum()
    g = g[(g > 0).any(axis=1)].reset_index()
    return [WorkStatusRow(**r) for r in g.to_dict("records")]


def _earlier_periods(log: EventLog, policy: Policy, period: Period) -> list[Period]:
    """The trend's periods before `period` that have data, oldest first."""
    if not len(log.tickets):
        return []
    first_data = log.tickets["created_at"].min()
    return [p for p in period.previous(policy.trend_periods) if p.end > first_data]


def _trend_point(log: EventLog, policy: Policy, p: Period, as_of: pd.Timestamp,
                 prepared: PreparedLog) -> TrendPoint:  # fmt: skip
    as_of = min(as_of, p.end - pd.Timedelta(microseconds=1))
    return _point(p, period_figures(log, policy, p, as_of, prepared, lean=True))


def _point(p: Period, f: PeriodFigures) -> TrendPoint:
    m = f.metrics
    return TrendPoint(
        label=p.label, start=p.start, end=p.end, on_time_share=m["on_time_share"].value,
        first_contact_resolution=m["first_contact_resolution"].value,
        repeat_incident_rate=m["repeat_incident_rate"].value, reopen_rate=m["reopen_rate"].value,
        created=int(m["created"].value or 0), resolved=int(m["resolved"].value or 0),
        waiting_on_customer=int(m["waiting_on_customer"].value or 0),
    )  # fmt: skip


def _directions(trend: list[TrendPoint]) -> list[TrendDirection]:
    out = []
    for metric, higher_better in HIGHER_IS_BETTER.items():
        series = [getattr(p, metric) for p in trend]
        vals = [v for v in series if v is not None]
        if len(vals) < 2:
            out.append(
                TrendDirection(metric=metric, direction="unknown", better=None, worse_streak=0)
            )
            continue
        diff = vals[-1] - vals[-2]
        direction = "flat" if abs(diff) < 1e-9 else ("up" if diff > 0 else "down")
        better = None if direction == "flat" else (diff > 0) == higher_better
        streak = 0
        for a, b in zip(vals[-2::-1], vals[::-1], strict=False):  # newest pair first
            if (b < a) if higher_better else (b > a):
                streak += 1
            else:
                break
        out.append(TrendDirection(metric=metric, direction=direction, better=better,
                                  worse_streak=streak))  # fmt: skip
    return out


def _touched(t: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Tickets the period saw: changed during or after its start, or still open at as_of."""
    open_now = ~t["status_class_at"].isin(["resolved", "closed", "canceled"])
    return t[(t["updated_at"] >= period.start) | open_now]


def _data_quality(t: pd.DataFrame, clocks: pd.DataFrame, rows_rejected: int,
                  problems: int) -> DataQuality:  # fmt: skip
    vendor = []
    for clock, col in (("first_response", "vendor_first_response_met"),
                       ("resolution", "vendor_resolution_met")):  # fmt: skip
        if col not in t:
            continue
        c = clocks[(clocks["clock"] == clock) & clocks["outcome"].isin(["met", "breached"])]
        v = t.set_index("tix")[col].reindex(c["tix"]).to_numpy()
        known = pd.notna(v)
        if not known.any():
            continue
        vm = v[known].astype(bool)
        rm = c["outcome"].to_numpy()[known] == "met"
        diff = vm != rm
        vendor.append(VendorDisagreement(
            clock=clock, compared=int(known.sum()), disagree=int(diff.sum()),
            vendor_met_recomputed_breached=int((vm & ~rm).sum()),
            vendor_breached_recomputed_met=int((~vm & rm).sum()),
            tickets=sorted(c["ticket_id"].to_numpy()[known][diff].astype(str).tolist())[:LIST_LIMIT],
        ))  # fmt: skip
    return DataQuality(
        fidelity={str(k): int(v) for k, v in t["fidelity"].value_counts().sort_index().items()},
        sources={str(k): int(v) for k, v in t["source"].value_counts().sort_index().items()},
        rows_rejected=rows_rejected, problems=problems, vendor=vendor,
    )  # fmt: skip
