"""Audit of the vendor's own SLA verdicts: agreement per clock and priority, and why they differ.

Each disagreement gets the first cause, in this order, under which the recomputation would give
the vendor's verdict: `stop` (the clock stopped at another status), `pauses` (without the
policy's pauses, or with waiting paused), `target` (the vendor's own due time, which implies
another target), `calendar` (another calendar of the policy, or 24x7), `history` (a snapshot:
pauses and reopens could not be reconstructed), else `unexplained`. The alternatives are whole
reruns of `compute_clocks` under modified policies over the same prepared log: a handful of
reruns, each vectorized over all tickets, never one per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slametrics.business_time import build_working_time
from slametrics.columns import NAT, US, to_us
from slametrics.engine.clocks import PreparedLog, compute_clocks
from slametrics.metrics.figures import counted_clocks
from slametrics.periods import Period
from slametrics.policy import Policy

# per clock: the ticket columns of the vendor's verdict and of its due time
VENDOR_COLUMNS = {
    "first_response": ("vendor_first_response_met", "vendor_first_response_due_at"),
    "resolution": ("vendor_resolution_met", "vendor_resolution_due_at"),
}
CAUSES = ("stop", "pauses", "target", "calendar", "history", "unexplained")
STOPS = (("resolved",), ("closed",), ("resolved", "closed"))
WAITING = ("waiting_customer", "waiting_third_party", "on_hold")
TARGET_TOLERANCE_S = 60  # due times closer than this are the same due time
AUDIT_COLUMNS = [
    "ticket_id",
    "clock",
    "priority",
    "vendor_met",
    "outcome",
    "agree",
    "cause",
    "evidence",
    "elapsed_s",
    "paused_s",
    "target_s",
    "calendar",
    "started_at",
    "stopped_at",
    "vendor_due_at",
    "due_at",
    "source",
]
SUMMARY_COLUMNS = ["clock", "priority", "compared", "agree", "disagree", "agreement"]


@dataclass
class AuditInput:
    """What every rerun shares: the prepared log, the policy, the period and its instants."""

    prepared: PreparedLog
    policy: Policy
    period: Period
    as_of: pd.Timestamp
    knowledge: pd.Timestamp | None = None

    def clocks(self, policy: Policy | None = None) -> pd.DataFrame:
        """The clocks under `policy` (default: the audited one) over the same prepared log."""
        state = compute_clocks(
            self.prepared.tickets,
            None,
            policy or self.policy,
            self.as_of,
            self.prepared,
            since=self.period.start,
            knowledge=self.knowledge,
        )
        return state.clocks


@dataclass
class AuditResult:
    """Agreement per clock and priority, disagreements per cause, the compared clocks."""

    summary: pd.DataFrame  # SUMMARY_COLUMNS
    causes: dict[str, int]
    tickets: pd.DataFrame  # AUDIT_COLUMNS, one row per compared clock


def compared_clocks(inp: AuditInput, clocks: pd.DataFrame) -> pd.DataFrame:
    """The clocks decided in the period whose ticket carries the vendor's verdict on them."""
    counted = counted_clocks(clocks, inp.period)
    t = inp.prepared.tickets
    parts = []
    for clock, (met_col, due_col) in VENDOR_COLUMNS.items():
        c = counted[counted["clock"] == clock]
        tix = c["tix"].to_numpy()
        vendor = t[met_col].to_numpy()[tix] if met_col in t else np.full(len(c), pd.NA)
        due = t[due_col].array.take(tix) if due_col in t else pd.NaT
        c = c.assign(vendor_met=vendor, vendor_due_at=due)
        parts.append(c[pd.notna(c["vendor_met"]).to_numpy()])
    rows = pd.concat(parts, ignore_index=True)
    rows["vendor_met"] = rows["vendor_met"].astype(bool)
    rows["vendor_due_at"] = pd.to_datetime(rows["vendor_due_at"], utc=True)
    rows["agree"] = rows["vendor_met"] == (rows["outcome"] == "met")
    return rows


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Compared, agreeing and disagreeing clocks per clock and priority, agreement in percent."""
    key = rows["priority"].astype("string").fillna("(none)")
    g = rows.assign(priority=key).groupby(["clock", "priority"], sort=True)["agree"]
    out = pd.DataFrame({"compared": g.size(), "agree": g.sum()}).reset_index()
    out["compared"] = out["compared"].astype(int)
    out["agree"] = out["agree"].astype(int)
    out["disagree"] = out["compared"] - out["agree"]
    out["agreement"] = (100 * out["agree"] / out["compared"]).round(2)
    return out[SUMMARY_COLUMNS]


def audit_clocks(inp: AuditInput) -> AuditResult:
    """Compare the vendor's verdicts with the recomputation; classify each disagreement."""
    rows = classified_clocks(inp)
    counts = rows["cause"].value_counts()
    causes = {c: int(counts.get(c, 0)) for c in CAUSES}
    return AuditResult(summarize(rows), causes, rows[AUDIT_COLUMNS])


def classified_clocks(inp: AuditInput) -> pd.DataFrame:
    """The compared clocks (with `tix`), each disagreement with its cause and evidence."""
    rows = compared_clocks(inp, inp.clocks())
    rows["cause"] = pd.Series(None, index=rows.index, dtype=object)
    rows["evidence"] = pd.Series(None, index=rows.index, dtype=object)
    if len(rows) and not rows["agree"].all():
        for check in (_stop_cause, _pause_cause, _target_cause, _calendar_cause, _history_cause):
            open_ = (~rows["agree"] & rows["cause"].isna()).to_numpy()
            if not open_.any():
                break
            check(inp, rows, open_)
        rows.loc[~rows["agree"] & rows["cause"].isna(), "cause"] = "unexplained"
    return rows.sort_values(["clock", "ticket_id"], kind="stable").reset_index(drop=True)


def alternative(inp: AuditInput, rows: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """The clocks of `rows` (same ticket and clock) recomputed under `policy`."""
    alt = inp.clocks(policy).set_index(["tix", "clock"])
    key = pd.MultiIndex.from_arrays([rows["tix"].to_numpy(), rows["clock"].to_numpy()])
    return alt.reindex(key).set_axis(rows.index)


def _assign(rows: pd.DataFrame, mask: np.ndarray, cause: str, evidence: pd.Series) -> None:
    rows.loc[mask, "cause"] = cause
    rows.loc[mask, "evidence"] = evidence[mask]


def _matches(rows: pd.DataFrame, alt: pd.DataFrame) -> np.ndarray:
    """Where the alternative decides the clock and its verdict is the vendor's."""
    decided = alt["outcome"].isin(["met", "breached"]).to_numpy()
    return decided & ((alt["outcome"] == "met").to_numpy() == rows["vendor_met"].to_numpy())


def _iso(times: pd.Series) -> pd.Series:
    text = pd.to_datetime(times, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return text.fillna("none").astype(object)


def with_clock(policy: Policy, clock: str, **changes: object) -> Policy:
    """`policy` with the clock's definition changed (its other clocks as they were)."""
    spec = policy.clock(clock).model_copy(update=changes)
    return policy.model_copy(update={"clocks": {**policy.clocks, clock: spec}})


def on_calendar(policy: Policy, name: str) -> Policy:
    """`policy` with every target rule on calendar `name` (24x7 when the policy lacks it)."""
    calendars = {**policy.calendars, name: policy.calendars.get(name, "24x7")}
    targets = [r.model_copy(update={"calendar": name}) for r in policy.targets]
    return policy.model_copy(update={"calendars": calendars, "targets": targets})


def other_calendars(policy: Policy) -> list[str]:
    """The policy's calendars, and 24x7 under the name `24x7` when none of them is."""
    names = list(policy.calendars)
    return names if "24x7" in policy.calendars.values() else [*names, "24x7"]


def _stop_cause(inp: AuditInput, rows: pd.DataFrame, open_: np.ndarray) -> None:
    """Another stop: each other stop set (and reopen rule) of the resolution-type clocks."""
    timed = open_ & (rows["clock"] != "first_response").to_numpy()
    spec = inp.policy.clock("resolution")
    for stops in STOPS:
        for reopen in ("resume", "first"):
            if set(stops) == set(spec.stop_on) and reopen == spec.reopen:
                continue
            pending = timed & rows["cause"].isna().to_numpy()
            if not pending.any():
                return
            policy = with_clock(inp.policy, "resolution", stop_on=list(stops), reopen=reopen)
            alt = alternative(inp, rows, policy)
            label = f"stop_on [{', '.join(stops)}], reopen {reopen}: stops "
            evidence = label + _iso(alt["stopped_at"]) + " (recomputed " + _iso(rows["stopped_at"])
            # the vendor stopped at another event: a clock left running is no explanation
            stopped = alt["stopped_at"].notna().to_numpy()
            _assign(rows, pending & stopped & _matches(rows, alt), "stop", evidence + ")")


def _pause_cause(inp: AuditInput, rows: pd.DataFrame, open_: np.ndarray) -> None:
    """Without the clock's pauses, or with waiting paused where the clock has no pauses."""
    policy = inp.policy
    paused = {}
    for clock in VENDOR_COLUMNS:
        paused[clock] = bool(inp.policy.clock(clock).pause_on)
        policy = with_clock(policy, clock, pause_on=[] if paused[clock] else list(WAITING))
    alt = alternative(inp, rows, policy)
    had = rows["clock"].map(paused).to_numpy(dtype=bool)
    seconds = np.where(had, rows["paused_s"], alt["paused_s"])
    text = pd.Series(seconds, index=rows.index).round().astype("Int64").astype("string")
    evidence = pd.Series(
        np.where(had, "without pauses: ", f"with {', '.join(WAITING)} paused: "), index=rows.index
    ) + (text.fillna("?") + " s paused").astype(object)
    _assign(rows, open_ & _matches(rows, alt), "pauses", evidence)


def _target_cause(inp: AuditInput, rows: pd.DataFrame, open_: np.ndarray) -> None:
    """The vendor's due time differs from the recomputed one and gives the vendor's verdict."""
    vendor_due = to_us(rows["vendor_due_at"])
    due = to_us(rows["due_at"])
    stopped = to_us(rows["stopped_at"])
    known = (vendor_due != NAT) & (stopped != NAT)
    differs = (due == NAT) | (np.abs(vendor_due - due) > TARGET_TOLERANCE_S * US)
    verdict = stopped <= vendor_due
    hit = open_ & known & differs & (verdict == rows["vendor_met"].to_numpy())
    if not hit.any():
        return
    implied = implied_targets(inp, rows, hit)
    evidence = (
        "vendor due "
        + _iso(rows["vendor_due_at"])
        + ", recomputed due "
        + _iso(rows["due_at"])
        + ": implied vendor target "
        + pd.Series([human_duration(s) for s in implied], index=rows.index, dtype=object)
    )
    _assign(rows, hit, "target", evidence)


def implied_targets(inp: AuditInput, rows: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
    """The target (seconds) that would put the recomputed due at the vendor's due time:
    the recomputed target plus the working time between the two dues on the rule's calendar
    (from the start when the recomputed due is unknown: a clock paused at its stop)."""
    out = np.full(len(rows), np.nan)
    vendor_due, due = to_us(rows["vendor_due_at"]), to_us(rows["due_at"])
    start = to_us(rows["started_at"])
    for name, cal in inp.policy.calendars.items():
        sel = mask & (rows["calendar"] == name).to_numpy()
        if not sel.any():
            continue
        lo = int(min(start[sel].min(), vendor_due[sel].min()))
        hi = int(max(vendor_due[sel].max(), due[sel].max()))
        wt = build_working_time(cal, inp.policy.timezone, lo, hi)
        to_vendor = wt.measure(vendor_due[sel])
        from_due = np.where(
            due[sel] == NAT,
            to_vendor - wt.measure(start[sel]),
            rows["target_s"].to_numpy()[sel] * US + to_vendor - wt.measure(np.maximum(due[sel], 0)),
        )
        out[sel] = from_due / US
    return out


def _calendar_cause(inp: AuditInput, rows: pd.DataFrame, open_: np.ndarray) -> None:
    for name in other_calendars(inp.policy):
        pending = open_ & rows["cause"].isna().to_numpy() & (rows["calendar"] != name).to_numpy()
        if not pending.any():
            continue
        alt = alternative(inp, rows, on_calendar(inp.policy, name))
        evidence = pd.Series(f"on calendar {name}", index=rows.index, dtype=object)
        _assign(rows, pending & _matches(rows, alt), "calendar", evidence)


def _history_cause(inp: AuditInput, rows: pd.DataFrame, open_: np.ndarray) -> None:
    t = inp.prepared.tickets
    tix = rows["tix"].to_numpy()
    snapshot = (t["fidelity"] != "history").to_numpy()[tix] | ~inp.prepared.history_known[tix]
    evidence = pd.Series(
        "snapshot: pauses and reopens could not be reconstructed", index=rows.index, dtype=object
    )
    _assign(rows, open_ & snapshot, "history", evidence)


HUMAN_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def human_duration(seconds: float | None) -> str:
    """A duration as the policy writes it: `4h`, `2d`, `1h30m`, `45m`; `?` when unknown."""
    if seconds is None or not np.isfinite(seconds):
        return "?"
    left = int(round(seconds))
    sign = "-" if left < 0 else ""
    left = abs(left)
    if left == 0:
        return "0s"
    parts = []
    for unit, size in HUMAN_UNITS:
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return sign + "".join(parts)
