"""compute_metrics over a partitioned log, bucket by bucket, in memory bounded by a bucket.

Each bucket's clocks come from `engine.buckets` (run by a `MapFn`: in-process, or on Dask
workers) and are summarized there (`metrics.summary`): counts that add, the elapsed values the
percentiles read, and each list's first candidates with their rows in the whole log's order.
The merged summaries give the same figures, percentiles, lists and tie-breaks as in-process
over the whole log; `clock_states` (the `tickets` command's rows) still combines the frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics import periods
from slametrics.columns import sort_order
from slametrics.engine.buckets import (
    BucketSource,
    Survey,
    View,
    WholeLog,
    bucket_clocks,
    incident_repeats,
    prepared_bucket,
    survey_bucket,
    view_clocks,
)
from slametrics.engine.clocks import ClockResult
from slametrics.engine.timeline import Timeline
from slametrics.metrics.compute import Incidents, assemble_result
from slametrics.metrics.period import headline_metrics
from slametrics.metrics.summary import PeriodSummary, concat_parts, merge_summaries, summarize
from slametrics.metrics.trend import point_of
from slametrics.periods import Period
from slametrics.policy import Policy
from slametrics.results import MetricsResult

# runs fn over each argument tuple, results in order (in-process, or on a cluster)
MapFn = Callable[[Callable, Sequence[tuple]], list]


def run_local(fn: Callable, args: Sequence[tuple]) -> list:
    """The in-process engine: one bucket after the other (memory of one bucket at a time)."""
    return [fn(*a) for a in args]


@dataclass
class LogSurvey:
    """The whole-log facts of a partitioned log, gathered from every bucket (first pass)."""

    sources: list[BucketSource]
    offsets: np.ndarray  # first global row of each bucket's tickets in bucket order
    position: np.ndarray  # per ticket in bucket order, its row in the log's key order
    facts: WholeLog
    incidents: Incidents  # the log's incidents in log order
    incident_rows: list[np.ndarray]  # per bucket, its repeat incidents (rows in the bucket)
    latest: pd.Timestamp  # `EventLog.latest_timestamp` over the whole log
    first_created: pd.Timestamp | None
    tickets: int

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        return None if not self.tickets else (self.first_created, self.latest)


def survey_log(
    sources: list[BucketSource], policy: Policy, run: MapFn = run_local, now=None
) -> LogSurvey:
    """First pass over every bucket: what the clocks of any bucket need of the others."""
    now = now or pd.Timestamp.now(tz="UTC")
    parts: list[Survey] = run(survey_bucket, [(s, policy, now) for s in sources])
    sizes = [p.keys.num_rows for p in parts]
    offsets = np.cumsum([0, *sizes])
    keys = pa.concat_tables([p.keys for p in parts])
    order = sort_order(keys, ["source", "ticket_id"])
    position = np.empty(keys.num_rows, dtype=np.int64)
    position[order.to_numpy()] = np.arange(keys.num_rows)
    del keys, order
    incidents = pd.concat(
        [p.incidents.assign(tix=position[offsets[i] + p.incidents["tix"].to_numpy()], _b=i)
         for i, p in enumerate(parts)],
        ignore_index=True,
    )  # fmt: skip
    incidents = incidents.sort_values("tix", kind="stable").reset_index(drop=True)
    repeat = incident_repeats(incidents, policy)
    local = incidents["tix"].to_numpy()  # back to rows in each bucket
    back = np.empty(len(position), dtype=np.int64)
    back[position] = np.arange(len(position))
    local = back[local] - offsets[incidents["_b"].to_numpy()]
    rows = [local[repeat & (incidents["_b"] == i).to_numpy()] for i in range(len(parts))]
    latest = [p.latest for p in parts if p.latest is not None]
    first = [p.first_created for p in parts if p.first_created is not None]
    return LogSurvey(
        sources=sources,
        offsets=offsets,
        position=position,
        facts=WholeLog(
            frozenset().union(*(p.reply_sources for p in parts)),
            frozenset().union(*(p.history_sources for p in parts)),
        ),
        incidents=Incidents(
            incidents.drop(columns=["_b"]),
            repeat,
            incidents["excluded"].to_numpy(dtype=bool),
        ),
        incident_rows=rows,
        latest=max(latest) if latest else pd.Timestamp("1970-01-01", tz="UTC"),
        first_created=min(first) if first else None,
        tickets=int(offsets[-1]),
    )


def bucket_summaries(
    src: BucketSource,
    policy: Policy,
    facts: WholeLog,
    repeats: np.ndarray,
    views: list[View],
    view_periods: list[Period],
    position: np.ndarray,
    by: str | None,
) -> list[PeriodSummary]:
    """One bucket's summary of each view (its list candidates' rows moved to the log's rows
    by `position`); each view's clocks are dropped once summarized."""
    p = prepared_bucket(src, policy, facts, repeats)
    out = []
    for v, period in zip(views, view_periods, strict=True):
        state = view_clocks(p, policy, v)
        summary = summarize(state, policy, period, v.as_of, lean=v.lean, by=by)
        out.append(summary.remap_tickets(position))
        del state
    return out


def metrics_by_bucket(
    survey: LogSurvey,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp | None = None,
    *,
    by: str | None = None,
    rows_rejected: int = 0,
    problems: int = 0,
    run: MapFn = run_local,
) -> MetricsResult:
    """`compute_metrics` of a partitioned log (second pass: each bucket's summaries, merged)."""
    knowledge = as_of if as_of is not None else survey.latest
    as_of = periods.resolve_as_of(survey.latest, period, as_of)
    earlier = []
    if survey.tickets:
        earlier = [p for p in period.previous(policy.trend_periods) if p.end > survey.first_created]
    views = [
        View(min(as_of, p.end - pd.Timedelta(microseconds=1)), p.start, True, knowledge)
        for p in earlier
    ]
    views.append(View(as_of, period.start, False, knowledge))
    view_periods = [*earlier, period]
    o = survey.offsets
    args = [
        (src, policy, survey.facts, survey.incident_rows[i], views, view_periods,
         survey.position[o[i] : o[i + 1]], by)
        for i, src in enumerate(survey.sources)
    ]  # fmt: skip
    per_bucket: list[list[PeriodSummary]] = run(bucket_summaries, args)
    summaries = [merge_summaries([b[i] for b in per_bucket]) for i in range(len(views))]
    metrics = [
        headline_metrics(s, survey.incidents, p, v.as_of)
        for s, p, v in zip(summaries, view_periods, views, strict=True)
    ]
    trend = [point_of(p, m) for p, m in zip(view_periods, metrics, strict=True)]
    return assemble_result(
        summaries[-1],
        metrics[-1],
        survey.incidents,
        trend,
        policy,
        period,
        as_of,
        survey.latest if survey.tickets else None,
        rows_rejected=rows_rejected,
        problems=problems,
    )


def clock_states(
    survey: LogSurvey, policy: Policy, views: list[View], run: MapFn = run_local
) -> list[ClockResult]:
    """Per view, the clocks of every bucket combined in the log's order."""
    args = [
        (src, policy, survey.facts, survey.incident_rows[i], views)
        for i, src in enumerate(survey.sources)
    ]
    per_bucket: list[list[ClockResult | None]] = run(bucket_clocks, args)
    out = []
    for i in range(len(views)):
        parts = [results[i] for results in per_bucket]
        for results in per_bucket:
            results[i] = None  # each view's parts are freed once combined
        out.append(combine_states(parts, survey, policy))
    return out


def combine_states(parts: list[ClockResult], survey: LogSurvey, policy: Policy) -> ClockResult:
    """The buckets' clocks of one view as one ClockResult with the log's ticket rows (`tix`).

    Takes `parts` over: each part's frames are dropped once copied, so that no more than the
    combined frame and one reordered copy of it are held at once.
    """
    as_of = parts[0].as_of

    def combined(name: str) -> pd.DataFrame:
        frames = []
        for i, p in enumerate(parts):
            frame = getattr(p, name)
            tix = survey.position[survey.offsets[i] + frame["tix"].to_numpy()]
            frames.append(frame.assign(tix=tix))
            setattr(p, name, None)
        return concat_parts(frames)

    tickets = combined("tickets")
    tickets = tickets.take(np.argsort(tickets["tix"].to_numpy(), kind="stable"))
    clocks = combined("clocks")
    clock_no = pd.Categorical(clocks["clock"], categories=policy.clock_names).codes
    clocks = clocks.take(np.lexsort((clocks["tix"].to_numpy(), clock_no)))
    tl = [p.timeline for p in parts]
    tix = np.concatenate([survey.position[survey.offsets[i] + t.tix] for i, t in enumerate(tl)])
    order = np.argsort(tix, kind="stable")
    timeline = Timeline(
        tix[order],
        *(
            np.concatenate([getattr(t, f) for t in tl])[order]
            for f in list(Timeline.__dataclass_fields__)[1:]
        ),
    )
    return ClockResult(
        clocks.reset_index(drop=True), tickets.reset_index(drop=True), as_of, timeline
    )
