"""A period's figures as mergeable parts: counts add, elapsed values and list candidates concatenate.

The clocks of one bucket of a partitioned log (or of the whole log in memory) are summarized
into a `PeriodSummary`; the summaries of every bucket merge into the whole log's, from which
the result is assembled. So peak memory depends on a bucket, not on the log (DESIGN §10), and
both engines compute every figure with the same rules, from the same rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slametrics.engine.clocks import ClockResult
from slametrics.errors import UserError
from slametrics.metrics.breakdowns import slim_clock_rows, volume_counts, work_status_counts
from slametrics.metrics.figures import (
    DONE,
    Judgeable,
    PeriodRows,
    fcr_counts,
    in_period,
    judge,
    reopen_counts,
    resolved_in_period,
    stopped_in_period,
)
from slametrics.metrics.lists import ListPart, list_parts
from slametrics.metrics.quality import VendorPart, touched, vendor_parts
from slametrics.periods import Period
from slametrics.policy import Policy


@dataclass
class ClockPart:
    """One clock's counts in the period (its percentiles come from the summary's rows)."""

    running: int = 0
    unknown: int = 0
    canceled: int = 0
    untargeted: int = 0
    backlog: int = 0
    backlog_oldest_at: pd.Timestamp | None = None
    judge: Judgeable = field(default_factory=Judgeable)

    def __add__(self, o: ClockPart) -> ClockPart:
        oldest = [x for x in (self.backlog_oldest_at, o.backlog_oldest_at) if x is not None]
        return ClockPart(
            self.running + o.running,
            self.unknown + o.unknown,
            self.canceled + o.canceled,
            self.untargeted + o.untargeted,
            self.backlog + o.backlog,
            min(oldest) if oldest else None,
            self.judge + o.judge,
        )


@dataclass
class ThresholdPart:
    """A qualified on-time threshold's (clock, priority or kind) decided clocks in the period."""

    met: int = 0
    breached: int = 0
    judge: Judgeable = field(default_factory=Judgeable)

    def __add__(self, o: ThresholdPart) -> ThresholdPart:
        return ThresholdPart(self.met + o.met, self.breached + o.breached, self.judge + o.judge)


@dataclass
class PeriodSummary:
    """What the result reads of a period's clocks, in parts that merge across buckets.

    A `lean` summary holds only the headline counts (a trend point's figures).
    """

    counts: Counter
    on_time: Judgeable
    lean: bool = True
    by: str | None = None  # the `--by` field of the breakdown (`_by` in the clock rows)
    clocks: dict[str, ClockPart] = field(default_factory=dict)
    thresholds: dict[int, ThresholdPart] = field(default_factory=dict)  # by policy position
    counted: pd.DataFrame | None = None  # decided rows: clock, outcome, slice keys, elapsed
    running: pd.DataFrame | None = None  # running rows: clock and slice keys
    stopped: pd.DataFrame | None = None  # stopped in the period: clock, elapsed_s
    volumes: pd.DataFrame | None = None
    work_status: pd.DataFrame | None = None
    lists: dict[str, ListPart] = field(default_factory=dict)
    fidelity: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    vendor: dict[str, VendorPart] = field(default_factory=dict)

    def remap_tickets(self, position: np.ndarray) -> PeriodSummary:
        """The list candidates' ticket rows (`tix`) moved to `position[tix]` (a bucket's rows
        to the whole log's)."""
        for part in self.lists.values():
            part.rows["tix"] = position[part.rows["tix"].to_numpy()]
        return self


def summarize(
    state: ClockResult,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    *,
    lean: bool = True,
    by: str | None = None,
    rows: PeriodRows | None = None,
) -> PeriodSummary:
    """The summary of a period from its clocks (`compute_clocks` at the period's as_of);
    `rows` when the caller has them already."""
    t, clocks = state.tickets, state.clocks
    rows = rows or PeriodRows.of(state, period)
    judged = ~t["excluded"]
    open_at_end = ~t["status_class_at"].isin(DONE)
    of_period, counted, backlog = rows.of_period, rows.counted, rows.backlog
    c = Counter()
    c["met"] = int((counted["outcome"] == "met").sum())
    c["breached"] = int((counted["outcome"] == "breached").sum())
    c["fcr_ok"], c["fcr_judged"], c["fcr_first"] = fcr_counts(t, period, policy)
    c["reopened"], c["reopen_judged"], c["reopen_resolved"] = reopen_counts(state, period)
    c["waiting"] = int(((t["status_class_at"] == "waiting_customer") & judged).sum())
    c["created"] = int((in_period(t["created_at"], period) & judged).sum())
    c["resolved"] = int((resolved_in_period(t, period) & judged).sum())
    c["canceled"] = int((in_period(t["canceled_at"], period) & judged).sum())
    c["open_at_end"] = int((open_at_end & judged).sum())
    c["excluded"] = int((of_period & ~judged).sum())
    summary = PeriodSummary(c, judge(t, clocks, (of_period & judged).to_numpy(), None))
    if lean:
        return summary
    if by and by not in t.columns:
        fields_ = ", ".join(x for x in t.columns if not x.startswith("_"))
        raise UserError(f"--by {by!r}: not a ticket field; use one of: {fields_}")
    judged_of_period = (of_period & judged).to_numpy()
    summary.lean, summary.by = False, by
    summary.clocks = _clock_parts(t, clocks, backlog, judged_of_period, period, policy)
    summary.thresholds = _threshold_parts(t, counted, clocks, of_period & judged, policy)
    running = clocks[clocks["outcome"] == "running"]
    summary.counted = slim_clock_rows(counted, t, by, elapsed=True)
    summary.running = slim_clock_rows(running, t, by, elapsed=False)
    stopped = stopped_in_period(clocks, period)
    summary.stopped = pd.DataFrame(
        {
            "clock": pd.Categorical(stopped["clock"].astype(str).to_numpy()),
            "elapsed_s": stopped["elapsed_s"].to_numpy(float),
        }
    )
    summary.volumes = volume_counts(t, period)
    summary.work_status = work_status_counts(t, period)
    summary.lists = list_parts(
        t, clocks, counted, running, backlog, of_period, policy, period, as_of
    )
    seen = touched(t, period)
    summary.fidelity = Counter(_value_counts(seen["fidelity"]))
    summary.sources = Counter(_value_counts(seen["source"]))
    summary.vendor = vendor_parts(seen, counted)
    return summary


def _value_counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items() if v}


def _clock_parts(
    t: pd.DataFrame,
    clocks: pd.DataFrame,
    backlog: pd.DataFrame,
    judged_of_period: np.ndarray,
    period: Period,
    policy: Policy,
) -> dict[str, ClockPart]:
    """Per clock: running, unknown, canceled, untargeted and backlog counts, and judgeability."""
    of_period_tix = t["tix"].to_numpy()[judged_of_period]
    out = {}
    for clock in policy.clock_names:
        rows = clocks[clocks["clock"] == clock]
        backlog_rows = backlog[backlog["clock"] == clock]
        canceled = (rows["outcome"] == "canceled") & in_period(rows["stopped_at"], period)
        unknown = (rows["outcome"] == "unknown") & rows["tix"].isin(of_period_tix)
        out[clock] = ClockPart(
            running=int((rows["outcome"] == "running").sum()),
            unknown=int(unknown.sum()),
            canceled=int(canceled.sum()),
            untargeted=int((judged_of_period & ~t[f"targeted_{clock}"].to_numpy(bool)).sum()),
            backlog=len(backlog_rows),
            backlog_oldest_at=backlog_rows["decided_at"].min() if len(backlog_rows) else None,
            judge=judge(t, clocks, judged_of_period, clock),
        )
    return out


def _threshold_parts(
    t: pd.DataFrame,
    counted: pd.DataFrame,
    clocks: pd.DataFrame,
    of_period: pd.Series,
    policy: Policy,
) -> dict[int, ThresholdPart]:
    """The qualified on-time thresholds' decided clocks and judgeability in the period."""
    out = {}
    for i, th in enumerate(policy.thresholds):
        if th.metric != "on_time_share" or not (th.clock or th.priority or th.kind):
            continue
        rows, tickets = counted, of_period
        if th.clock:
            rows = rows[rows["clock"] == th.clock]
        if th.priority:
            wanted = th.priority.lower()
            rows = rows[rows["priority"].astype("string").str.lower() == wanted]
            tickets = tickets & (t["priority"].astype("string").str.lower() == wanted)
        if th.kind:
            rows = rows[rows["kind"] == th.kind]
            tickets = tickets & (t["kind"] == th.kind)
        out[i] = ThresholdPart(
            int((rows["outcome"] == "met").sum()),
            int((rows["outcome"] == "breached").sum()),
            judge(t, clocks, tickets.fillna(False).to_numpy(bool), th.clock),
        )
    return out


def merge_summaries(parts: list[PeriodSummary]) -> PeriodSummary:
    """The summaries of disjoint sets of tickets (buckets) as one; list candidates stay in the
    parts' order (`assemble` puts them back in log order)."""
    first = parts[0]
    out = PeriodSummary(
        sum((p.counts for p in parts), Counter()),
        sum((p.on_time for p in parts), Judgeable()),
        lean=first.lean,
        by=first.by,
    )
    if first.lean:
        return out
    out.clocks = {k: sum((p.clocks[k] for p in parts), ClockPart()) for k in first.clocks}
    out.thresholds = {
        k: sum((p.thresholds[k] for p in parts), ThresholdPart()) for k in first.thresholds
    }
    for name in ("counted", "running", "stopped", "volumes", "work_status"):
        setattr(out, name, concat_parts([getattr(p, name) for p in parts]))
    out.lists = {k: ListPart.merged([p.lists[k] for p in parts]) for k in first.lists}
    out.fidelity = sum((p.fidelity for p in parts), Counter())
    out.sources = sum((p.sources for p in parts), Counter())
    keys = list(dict.fromkeys(k for p in parts for k in p.vendor))
    out.vendor = {k: VendorPart.merged([p.vendor[k] for p in parts if k in p.vendor]) for k in keys}
    return out


def concat_parts(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of the parts as one; categoricals keep a common category list."""
    frames = [f for f in frames if len(f)] or frames[:1]  # empty ones have untyped categories
    if len(frames) == 1:
        return frames[0]
    cats = {
        c: pd.api.types.union_categoricals([f[c] for f in frames]).categories
        for c in frames[0].columns
        if isinstance(frames[0][c].dtype, pd.CategoricalDtype)
    }
    if cats:
        frames = [f.astype({c: pd.CategoricalDtype(v) for c, v in cats.items()}) for f in frames]
    return pd.concat(frames, ignore_index=True)
