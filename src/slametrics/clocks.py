"""SLA clocks (DESIGN §6): start, stop, pauses, elapsed working time, due time and outcome per ticket.

Everything is computed over all tickets at once: the status history becomes a table of intervals,
each clock's active intervals are clipped to [start, stop or as_of), and their working time is
measured on the calendar's cumulative axis (see calendar.py). The only Python loops are over the
policy's calendars and clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.calendar import FAR, NAT, US, WorkingTime, build_working_time, from_us, to_us
from slametrics.policy import CLOCK_NAMES, Policy
from slametrics.schema import DONE_CLASSES

CLOCK_COLUMNS = [
    "source", "ticket_id", "clock", "priority", "kind", "calendar", "target_s", "started_at",
    "stopped_at", "elapsed_s", "paused_s", "due_at", "outcome",
]  # fmt: skip
OUTCOMES = ("met", "breached", "running")


@dataclass
class ClockResult:
    """Clocks (one row per ticket and clock with a target) and per-ticket state at `as_of`."""

    clocks: pd.DataFrame
    tickets: pd.DataFrame  # the tickets created by as_of, with kind, state and summary columns
    as_of: pd.Timestamp
    untargeted: dict[str, int]


def assign_kinds(tickets: pd.DataFrame, policy: Policy) -> pd.Series:
    """Kind per ticket: the policy's mapping of raw types, else the importer's kind, else other."""
    lookup = {raw.strip().lower(): kind for kind, raws in policy.kinds.items() for raw in raws}
    by_type = tickets["type"].astype("string").str.strip().str.lower().map(lookup)
    existing = tickets["kind"].astype("string") if "kind" in tickets else None
    kinds = by_type if existing is None else by_type.fillna(existing)
    return kinds.fillna("other").astype(str)


def match_targets(tickets: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Index of the first matching target rule per ticket (-1 for none); case-insensitive."""
    rule = np.full(len(tickets), -1, dtype=np.int64)
    for i, target in enumerate(policy.targets):
        mask = np.ones(len(tickets), dtype=bool)
        for field, values in target.match_values().items():
            col = tickets[field].astype("string").str.strip().str.lower()
            mask &= col.isin([v.strip().lower() for v in values]).fillna(False).to_numpy()
        rule[(rule < 0) & mask] = i
    return rule


def _status_timeline(t: pd.DataFrame, ev: pd.DataFrame, created: np.ndarray) -> pd.DataFrame:
    """Status intervals per ticket: tix, at, cls, next_at (FAR for the last), done flags."""
    st = ev.loc[ev["status_class"].notna(), ["tix", "at_us", "seq", "status_class"]]
    start = pd.DataFrame({"tix": t["tix"].to_numpy(), "at_us": created, "seq": -1,
                          "status_class": "new"})  # fmt: skip
    st = pd.concat([start, st], ignore_index=True)
    st = st.sort_values(["tix", "at_us", "seq"], kind="stable").reset_index(drop=True)
    tix = st["tix"].to_numpy()
    at = st["at_us"].to_numpy()
    same = tix[1:] == tix[:-1]
    same_next = np.concatenate([same, [False]])[: len(st)]
    same_prev = np.concatenate([[False], same])[: len(st)]
    done = st["status_class"].isin(DONE_CLASSES).to_numpy()
    prev_done = np.concatenate([[False], done[:-1]])[: len(st)] & same_prev
    st["next_at"] = np.where(same_next, np.append(at[1:], FAR), FAR)
    st["done"] = done
    st["entry"] = done & ~prev_done
    st["reopen"] = ~done & prev_done
    st["last"] = ~same_next
    return st


def compute_clocks(
    tickets: pd.DataFrame, events: pd.DataFrame, policy: Policy, as_of: pd.Timestamp
) -> ClockResult:
    """Recompute every SLA clock of every ticket created by `as_of`, ignoring later events."""
    as_of_us = int(to_us(pd.DatetimeIndex([as_of]))[0])
    t = tickets[to_us(tickets["created_at"]) <= as_of_us].reset_index(drop=True).copy()
    t["tix"] = np.arange(len(t))
    created = to_us(t["created_at"])
    key = pd.MultiIndex.from_arrays([t["source"].astype(str), t["ticket_id"].astype(str)])
    ev_at = to_us(events["at"])
    ev = events.loc[ev_at <= as_of_us, ["source", "ticket_id", "event", "status_class", "actor",
                                        "public", "seq"]].copy()  # fmt: skip
    ev["at_us"] = ev_at[ev_at <= as_of_us]
    ev["tix"] = key.get_indexer(
        pd.MultiIndex.from_arrays([ev["source"].astype(str), ev["ticket_id"].astype(str)])
    )
    ev = ev[ev["tix"] >= 0]
    # an event stamped before creation counts at creation (clocks never start before it)
    ev["at_us"] = np.maximum(ev["at_us"].to_numpy(), created[ev["tix"].to_numpy()])
    st = _status_timeline(t, ev, created)

    n = len(t)
    first_entry = _per_ticket_min(st.loc[st["entry"], ["tix", "at_us"]], n)
    last_entry = _per_ticket_max(st.loc[st["entry"], ["tix", "at_us"]], n)
    last_rows = st[st["last"]]
    final_done = np.zeros(n, dtype=bool)
    final_done[last_rows["tix"].to_numpy()] = last_rows["done"].to_numpy()
    final_class = np.full(n, "new", dtype=object)
    final_class[last_rows["tix"].to_numpy()] = last_rows["status_class"].to_numpy()
    final_since = created.copy()
    final_since[last_rows["tix"].to_numpy()] = last_rows["at_us"].to_numpy()
    replies = ev[(ev["event"] == "agent_reply") & ev["public"].fillna(False).astype(bool)
                 & (ev["actor"] != "customer")]  # fmt: skip
    first_reply = _per_ticket_min(replies[["tix", "at_us"]], n)
    reopen_count = np.bincount(st.loc[st["reopen"], "tix"], minlength=n)
    replies_before_res = np.bincount(
        replies["tix"][replies["at_us"].to_numpy() <= first_entry[replies["tix"].to_numpy()]],
        minlength=n,
    )

    t["kind"] = assign_kinds(t, policy).to_numpy()
    if policy.target_priority == "at_start":
        t["priority"] = _priority_at_start(t, events, key)
    rule = match_targets(t, policy)
    stops = {
        "first_response": _earliest(first_reply, first_entry),
        "resolution": first_entry if policy.clock("resolution").reopen == "first"
        else np.where(final_done, last_entry, NAT),
    }  # fmt: skip
    frames, untargeted = [], {}
    for clock in CLOCK_NAMES:
        spec = policy.clock(clock)
        targets = np.array(
            [getattr(r, clock) if getattr(r, clock) is not None else -1 for r in policy.targets]
            + [-1], dtype=np.int64,
        )[rule]  # fmt: skip
        source_due = np.zeros(len(t), dtype=bool)
        if clock == "resolution":
            flags = np.array([r.resolution_due_from_source for r in policy.targets] + [False])
            source_due = flags[rule]
            due_known = t["due_at"].notna().to_numpy() if "due_at" in t else np.zeros(len(t), bool)
            targets = np.where(source_due, np.where(due_known, 0, -1), targets)
        has = targets >= 0
        untargeted[clock] = int((~has).sum())
        pause = set(spec.pause_on)
        if clock == "resolution" and spec.reopen == "resume":
            pause |= set(DONE_CLASSES)  # time between a resolution and its reopen
        frames.append(
            _clock_frame(
                t, st, clock, stops[clock], targets, has, rule, pause, as_of_us, policy, source_due
            )  # fmt: skip
        )
    clocks = pd.concat(frames, ignore_index=True)
    t["status_class_at"] = final_class
    t["status_since"] = from_us(final_since)
    t["first_resolved_at"] = from_us(first_entry)
    t["last_resolved_at"] = from_us(np.where(final_done, last_entry, NAT))
    t["reopen_count"] = reopen_count
    t["replies_before_resolution"] = replies_before_res
    t["has_reply_events"] = np.bincount(replies["tix"], minlength=n) > 0
    return ClockResult(clocks, t, as_of, untargeted)


def _priority_at_start(t: pd.DataFrame, events: pd.DataFrame, key: pd.MultiIndex) -> pd.Series:
    """The priority recorded at creation: the last `priority` event at or before created_at.

    Without such an event the last known priority stands (an export that records only changes
    cannot tell the original value otherwise).
    """
    pe = events[events["event"] == "priority"]
    tix = key.get_indexer(pd.MultiIndex.from_arrays([pe["source"].astype(str),
                                                     pe["ticket_id"].astype(str)]))  # fmt: skip
    pe = pe.assign(tix=tix)[tix >= 0]
    pe = pe[to_us(pe["at"]) <= to_us(t["created_at"])[pe["tix"].to_numpy()]]
    at_start = pe.sort_values(["tix", "at", "seq"]).groupby("tix")["value"].last()
    return at_start.reindex(t["tix"]).set_axis(t.index).fillna(t["priority"])


def _earliest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise earliest instant, where NAT means "never" rather than "earliest"."""
    return np.where(a == NAT, b, np.where(b == NAT, a, np.minimum(a, b)))


def _per_ticket_min(df: pd.DataFrame, n: int) -> np.ndarray:
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, df["tix"].to_numpy(), df["at_us"].to_numpy())
    return np.where(out == np.iinfo(np.int64).max, NAT, out)


def _per_ticket_max(df: pd.DataFrame, n: int) -> np.ndarray:
    out = np.full(n, NAT, dtype=np.int64)
    np.maximum.at(out, df["tix"].to_numpy(), df["at_us"].to_numpy())
    return out


def _clock_frame(
    t: pd.DataFrame,
    st: pd.DataFrame,
    clock: str,
    stop: np.ndarray,
    targets: np.ndarray,
    has: np.ndarray,
    rule: np.ndarray,
    pause: set[str],
    as_of_us: int,
    policy: Policy,
    source_due: np.ndarray,
) -> pd.DataFrame:
    start = to_us(t["created_at"])
    targets = targets.copy()
    if source_due.any():
        # the working time from creation to the recorded due_at becomes the target, per calendar
        due_wall_s = np.maximum((to_us(t["due_at"]) - start) // US, 0)
        targets = np.where(source_due & has, due_wall_s, targets)
    stopped = stop != NAT
    bound = np.where(stopped, stop, as_of_us)
    active = ~st["status_class"].isin(pause).to_numpy()
    stix = st["tix"].to_numpy()
    keep = active & has[stix]
    seg_tix = stix[keep]
    seg_s = np.maximum(st["at_us"].to_numpy()[keep], start[seg_tix])
    seg_e = np.minimum(st["next_at"].to_numpy()[keep], bound[seg_tix])
    real = seg_e > seg_s
    seg_tix, seg_s, seg_e = seg_tix[real], seg_s[real], seg_e[real]
    # the clock's state where it ends: a stopped clock continues hypothetically (for due_at of
    # met clocks); a running one continues only if it is not paused at as_of
    last = st[st["last"].to_numpy()]
    active_at_end = np.zeros(len(t), dtype=bool)
    active_at_end[last["tix"].to_numpy()] = ~last["status_class"].isin(pause).to_numpy()
    tail = has & (stopped | active_at_end)
    tail_tix = np.nonzero(tail)[0]
    seg = pd.DataFrame({
        "tix": np.concatenate([seg_tix, tail_tix]),
        "s": np.concatenate([seg_s, bound[tail_tix]]),
        "e": np.concatenate([seg_e, np.full(len(tail_tix), FAR, dtype=np.int64)]),
        "tail": np.concatenate([np.zeros(len(seg_tix), bool), np.ones(len(tail_tix), bool)]),
    }).sort_values(["tix", "s"], kind="stable")  # fmt: skip

    elapsed = np.zeros(len(t), dtype=np.int64)
    span = np.zeros(len(t), dtype=np.int64)
    due = np.full(len(t), NAT, dtype=np.int64)
    calendar_name = np.array([r.calendar for r in policy.targets] + [""], dtype=object)[rule]
    for name, cal in policy.calendars.items():  # a few calendars, each vectorized
        in_cal = has & (calendar_name == name)
        if not in_cal.any():
            continue
        wt = build_working_time(cal, policy.timezone, int(start[in_cal].min()),
                                int(bound[in_cal].max()), int(targets[in_cal].max()) * US)  # fmt: skip
        from_source = in_cal & source_due
        if from_source.any():
            due_us = to_us(t["due_at"])[from_source]
            targets[from_source] = wt.between(start[from_source], due_us) // US
        sel = seg[in_cal[seg["tix"].to_numpy()]]
        _measure(wt, sel, targets * US, elapsed, due)
        span[in_cal] = wt.between(start[in_cal], bound[in_cal])
    target_us = targets * US
    outcome = np.where(
        stopped, np.where(elapsed <= target_us, "met", "breached"),
        np.where(elapsed > target_us, "breached", "running"),
    )  # fmt: skip
    out = pd.DataFrame({
        "source": t["source"].to_numpy(), "ticket_id": t["ticket_id"].to_numpy(),
        "clock": clock, "priority": t["priority"].to_numpy(), "kind": t["kind"].to_numpy(),
        "calendar": calendar_name, "target_s": targets.astype(float),
        "started_at": t["created_at"].to_numpy(), "stopped_at": from_us(stop),
        "elapsed_s": elapsed / US, "paused_s": (span - elapsed) / US,
        "due_at": from_us(due), "outcome": outcome, "tix": t["tix"].to_numpy(),
    })  # fmt: skip
    return out[has].reset_index(drop=True)


def _measure(
    wt: WorkingTime, seg: pd.DataFrame, target_us: np.ndarray, elapsed: np.ndarray, due: np.ndarray
) -> None:
    """Fill elapsed working time (excluding tails) and the instant each target is reached."""
    if not len(seg):
        return
    tix = seg["tix"].to_numpy()
    s = seg["s"].to_numpy()
    e = seg["e"].to_numpy()
    ms = wt.measure(s)
    length = np.maximum(wt.measure(e) - ms, 0)
    tail = seg["tail"].to_numpy()
    np.add.at(elapsed, tix[~tail], length[~tail])
    cum_after = pd.Series(length).groupby(tix).cumsum().to_numpy()
    cum_before = cum_after - length
    tgt = target_us[tix]
    crossing = (cum_before < tgt) & (cum_after >= tgt)
    first = crossing & ~pd.Series(crossing).groupby(tix).cumsum().gt(1).to_numpy()
    idx = np.nonzero(first)[0]
    due[tix[idx]] = wt.instant_at(ms[idx] + (tgt[idx] - cum_before[idx]))
    zero = np.unique(tix[tgt == 0])
    due[zero] = np.minimum.reduceat(s, np.searchsorted(tix, zero)) if len(zero) else due[zero]
