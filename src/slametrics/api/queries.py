"""Queries over a SOURCE for a period: metrics, check, tickets and the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from slametrics import periods
from slametrics.api.engines import check_engine, engine_map
from slametrics.api.imports import Loaded, load_source, log_columns
from slametrics.check import check_thresholds, judge_thresholds
from slametrics.engine.buckets import View, bucket_sources
from slametrics.engine.clocks import compute_clocks
from slametrics.errors import UserError
from slametrics.eventlog import bucket_count, import_totals, is_event_log, snapshot_dir
from slametrics.metrics import (
    backlog_clocks,
    compute_metrics,
    counted_clocks,
    in_period,
    of_period_mask,
    prepare,
    resolve_as_of,
)
from slametrics.metrics.buckets import (
    LogSurvey,
    MapFn,
    clock_states,
    metrics_by_bucket,
    survey_log,
)
from slametrics.periods import (
    Period,
    active_since,
    parse_instant,
    parse_period,
    resolve_period,
)
from slametrics.policy import Policy, load_policy
from slametrics.results import CheckResult, MetricsResult


@dataclass
class Query:
    """What metrics, tickets, check and report share: source, policy, period and as_of."""

    sources: list[Path]
    policy: Path
    period: str | None = None
    as_of: str | None = None
    format: str | None = None
    mapping: Path | None = None
    tz: str | None = None
    now: pd.Timestamp | None = None
    # a partitioned log is computed bucket by bucket: in-process (`local`) or on Dask workers
    # (`dask`: a local cluster, or the one at `scheduler`); results are the same
    engine: str = "local"
    scheduler: str | None = None

    def partitioned_log(self) -> Path | None:
        """The SOURCE when it is one partitioned event log (computed bucket by bucket).

        Not for a policy with a `contract:` (DESIGN §12): its sections read the whole log's
        events, so it is computed in-process over the whole log.
        """
        check_engine(self.engine, self.scheduler)
        log = Path(self.sources[0]) if len(self.sources) == 1 else None
        whole = getattr(load_policy(self.policy), "contract", None) is not None
        if log is not None and is_event_log(log) and bucket_count(snapshot_dir(log)):
            if not whole:
                return log
            if self.engine != "local":
                raise UserError(
                    f"--engine {self.engine}: a policy with a `contract:` is computed over the "
                    "whole log in-process (its contract sections are not computed per bucket); "
                    "use --engine local"
                )
            return None
        if self.engine != "local":
            raise UserError(
                f"--engine {self.engine} needs a partitioned event log as SOURCE: import the "
                "exports with `slametrics import` first (a log written by an older version is "
                "partitioned by its next import)"
            )
        return None

    def survey(
        self, log: Path, run: MapFn
    ) -> tuple[LogSurvey, Policy, Period, pd.Timestamp | None]:
        """`prepare` for a partitioned log: its whole-log facts instead of the log itself."""
        policy = load_policy(self.policy)
        as_of = parse_instant(self.as_of, policy.timezone) if self.as_of else None
        anchor = as_of if as_of is not None else self.now
        named = parse_period(self.period, policy.timezone, anchor) if self.period else None
        since = _active_since(named, policy, as_of)
        sources = bucket_sources(log, log_columns(with_tags=bool(policy.exclude)), since)
        survey = survey_log(sources, policy, run)
        period = named or resolve_period(None, policy.timezone, survey.span(), anchor, as_of)
        return survey, policy, period, as_of

    def prepare(self) -> tuple[Loaded, Policy, Period, pd.Timestamp | None]:
        """The source loaded for the period, the policy, the period and the given as_of.

        A naive --as-of is a wall time in the policy timezone; relative periods (`last-week`)
        count from --as-of when given, else from now.
        """
        policy = load_policy(self.policy)
        as_of = parse_instant(self.as_of, policy.timezone) if self.as_of else None
        anchor = as_of if as_of is not None else self.now
        named = parse_period(self.period, policy.timezone, anchor) if self.period else None
        loaded = load_source(
            self.sources,
            format=self.format,
            mapping=self.mapping,
            tz=self.tz,
            with_tags=bool(policy.exclude),
            active_since=_active_since(named, policy, as_of),
        )
        span = loaded.log.span()
        period = named or resolve_period(None, policy.timezone, span, anchor, as_of)
        return loaded, policy, period, as_of


def _active_since(
    named: Period | None, policy: Policy, as_of: pd.Timestamp | None
) -> pd.Timestamp | None:
    """How far back the loaded log must reach: the period's trend and repeat window, and the
    earlier billing periods of a contract (else they would lose tickets settled before)."""
    since = active_since(named, policy.trend_periods, policy.repeat_incidents.window, as_of)
    if since is None or named is None or policy.contract is None:
        return since
    from slametrics.metrics.contract import contract_active_since

    return min(since, contract_active_since(policy, named))


def metrics(q: Query, by: str | None = None, allow_unjudged: bool = False) -> MetricsResult:
    """Compute every metric for the query's period, its thresholds judged."""
    log = q.partitioned_log()
    if log is not None:
        rejected, problems = import_totals(log)
        with engine_map(q.engine, q.scheduler) as run:
            survey, policy, period, as_of = q.survey(log, run)
            result = metrics_by_bucket(
                survey,
                policy,
                period,
                as_of,
                by=by,
                rows_rejected=rejected,
                problems=problems,
                run=run,
            )
        return judge_thresholds(result, allow_unjudged)
    loaded, policy, period, as_of = q.prepare()
    result = compute_metrics(
        loaded.log,
        policy,
        period,
        as_of,
        by=by,
        rows_rejected=loaded.rows_rejected,
        problems=loaded.problems,
    )
    return judge_thresholds(result, allow_unjudged)


def check(q: Query, allow_unjudged: bool = False) -> CheckResult:
    """Evaluate the policy's thresholds for the query's period.

    A policy without thresholds, and data that ends before the period starts (a failed export
    must not read as "0% on time"), are usage errors rather than a verdict.
    """
    policy = load_policy(q.policy)
    if not policy.thresholds:
        raise UserError(
            f"{q.policy}: the policy has no thresholds, so there is nothing to check; "
            "add a `thresholds:` list (e.g. - {metric: on_time_share, min: 0.95})"
        )
    result = metrics(q, allow_unjudged=allow_unjudged)
    start = result.period.start
    if result.data_until is None or result.data_until < start:
        until = "no data" if result.data_until is None else f"data until {_iso(result.data_until)}"
        raise UserError(
            f"the data ends before the period {result.period.label} starts "
            f"({until}; the period starts {_iso(start)}): import the newer export first"
        )
    return check_thresholds(result, allow_unjudged)


def _iso(instant: dt.datetime) -> str:
    return pd.Timestamp(instant).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


TICKET_OUTPUT_COLUMNS = [
    "ticket_id",
    "clock",
    "priority",
    "kind",
    "started_at",
    "stopped_at",
    "target_s",
    "elapsed_s",
    "paused_s",
    "due_at",
    "outcome",
    "decided_at",
    "calendar",
    "source",
    "subject",
    "organization",
    "status_class",
]
OUTCOME_CHOICES = ("met", "breached", "running", "unknown", "canceled")


def period_clocks(q: Query) -> tuple[pd.DataFrame, pd.DataFrame, Period]:
    """The clocks of the query's period (decided in it, running or unknown at its end, canceled
    in it, and the backlog past target) with the tickets in scope and the period."""
    log = q.partitioned_log()
    if log is not None:
        with engine_map(q.engine, q.scheduler) as run:
            survey, policy, period, as_of = q.survey(log, run)
            knowledge = as_of if as_of is not None else survey.latest
            cut = periods.resolve_as_of(survey.latest, period, as_of)
            (state,) = clock_states(survey, policy, [View(cut, None, False, knowledge)], run)
    else:
        loaded, policy, period, as_of = q.prepare()
        knowledge = as_of if as_of is not None else loaded.log.latest_timestamp()
        cut = resolve_as_of(loaded.log, period, as_of)
        prepared = prepare(loaded.log, policy)
        state = compute_clocks(loaded.log.tickets, None, policy, cut, prepared, knowledge=knowledge)
    c, t = state.clocks, state.tickets
    of_period = t.loc[of_period_mask(t, period).to_numpy(), "tix"]
    decided = c.index.isin(counted_clocks(c, period).index)
    backlog = c.index.isin(backlog_clocks(c, period).index)
    open_now = c["outcome"].isin(["running", "unknown"]) & c["tix"].isin(of_period)
    canceled = (c["outcome"] == "canceled") & in_period(c["stopped_at"], period)
    return c[decided | backlog | open_now | canceled], t, period


def tickets(q: Query, outcome: str | None = None) -> pd.DataFrame:
    """One row per ticket and clock of the period: decided in it, running, unknown or canceled
    at its end, and the backlog that breached before it."""
    if outcome and outcome not in OUTCOME_CHOICES:
        raise UserError(f"--outcome {outcome!r}: use one of {', '.join(OUTCOME_CHOICES)}")
    rows, t, _ = period_clocks(q)
    if outcome:
        rows = rows[rows["outcome"] == outcome]
    info = t.set_index("tix")[["subject", "organization", "status_class_at"]]
    rows = rows.join(info, on="tix").rename(columns={"status_class_at": "status_class"})
    rows = rows.sort_values(["ticket_id", "clock"], kind="stable")
    return rows[TICKET_OUTPUT_COLUMNS].reset_index(drop=True)


def report(
    q: Query,
    *,
    fmt: str = "md",
    lang: str = "en",
    redact: bool = False,
    redact_salt: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The one-page report of the query's period as Markdown or HTML."""
    from slametrics.render.report import render_report

    result = metrics(q)
    generated = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return render_report(
        result, fmt=fmt, lang=lang, now=generated, redact=redact, redact_salt=redact_salt
    )


def report_pdf(
    q: Query,
    *,
    lang: str = "en",
    redact: bool = False,
    redact_salt: str | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The one-page report as an A4 PDF (printed by headless Chromium)."""
    from slametrics.render.report import render_report_pdf

    result = metrics(q)
    generated = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return render_report_pdf(
        result, lang=lang, now=generated, redact=redact, redact_salt=redact_salt
    )
