"""The library facade the CLI calls: import, metrics, tickets, check. Returns data; never prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa

from slametrics.check import check_thresholds, judge_thresholds
from slametrics.engine.clocks import compute_clocks
from slametrics.errors import UserError, check_timezone
from slametrics.eventcodes import EventCodes
from slametrics.eventlog import (
    EventLog,
    import_totals,
    is_event_log,
    merge_into_log,
    read_log,
    record_import,
)
from slametrics.importers import IMPORTERS, detect_importer, get_importer
from slametrics.importers.base import ImportOptions
from slametrics.importers.checks import timeline_warnings
from slametrics.importers.io import InputFile, open_inputs
from slametrics.metrics import (
    DONE,
    backlog_clocks,
    compute_metrics,
    counted_clocks,
    in_period,
    prepare,
    resolve_as_of,
    vendor_agreement,
)
from slametrics.metrics.quality import VENDOR_VERDICTS
from slametrics.periods import (
    Period,
    active_since,
    parse_instant,
    parse_period,
    resolve_period,
)
from slametrics.policy import Policy, load_policy
from slametrics.problems import ProblemReport
from slametrics.results import CheckResult, FileSummary, ImportSummary, MetricsResult
from slametrics.schema import (
    EVENT_COLUMNS,
    EVENT_DTYPES,
    EVENTS_SCHEMA,
    TICKET_COLUMNS,
    TICKETS_SCHEMA,
    plain_text,
    validate_events,
    validate_tickets,
)

Progress = Callable[[str, int, int], None]


@dataclass
class Loaded:
    """An event log in memory, with what its imports rejected."""

    log: EventLog
    rows_rejected: int
    problems: int


def read_exports(
    paths: list[Path],
    *,
    format: str | None = None,
    mapping: Path | None = None,
    tz: str | None = None,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, ImportSummary]:
    """Read export files with their importers (named or detected) into canonical frames."""
    t, e, summary, _ = read_export_tables(
        paths, format=format, mapping=mapping, tz=tz, progress=progress
    )
    return t.to_pandas(), plain_text(e).to_pandas(types_mapper=EVENT_DTYPES.get), summary


class ExportTables(NamedTuple):
    """Validated Arrow tables of exports, with the events' codes when the importer gave them."""

    tickets: pa.Table
    events: pa.Table
    summary: ImportSummary
    codes: EventCodes | None  # as `clocks.code_events` gives them with tickets in id order


def read_export_tables(
    paths: list[Path],
    *,
    format: str | None = None,
    mapping: Path | None = None,
    tz: str | None = None,
    progress: Progress | None = None,
) -> ExportTables:
    """`read_exports` as validated Arrow tables, as the event log stores them."""
    if format is not None and format not in IMPORTERS:
        get_importer(format)  # raises UnknownImporter listing the valid names
    check_timezone(tz)
    groups: dict[str, list[InputFile]] = {}
    for f in (f for p in paths for f in open_inputs(p)):
        name = format or ("csv" if mapping else detect_importer(f))
        groups.setdefault(name, []).append(f)
    summary = ImportSummary()
    tickets, events = [], []
    codes = None
    options = ImportOptions(tz=tz, mapping=mapping)
    n_groups = len(groups)
    for i, name in enumerate(sorted(groups)):
        if progress:
            progress(name, i, n_groups)
        files = groups.pop(name)  # the raw bytes are freed once this group is read
        result = get_importer(name)().read(files, options)
        rep: ProblemReport = result.report
        summary.groups.append(
            FileSummary(
                importer=name,
                files=[f.name for f in files],
                rows_read=rep.rows_read,
                rows_imported=rep.rows_imported,
                rows_rejected=rep.rows_rejected,
            )
        )
        summary.problems += rep.problems
        summary.problems += timeline_warnings(
            result.tickets, result.events, ", ".join(f.name for f in files)
        )
        del files
        with ThreadPoolExecutor(max_workers=1) as pool:  # Arrow conversion frees the GIL
            events_job = pool.submit(validate_events, result.events)
            tickets.append(validate_tickets(result.tickets))
            events.append(events_job.result())
        result.tickets = result.events = None  # each frame is freed once it is an Arrow table
        codes = result.codes if n_groups == 1 else None  # codes of one importer's tables only
        del result
    if progress:
        progress("done", n_groups, n_groups)
    t = pa.concat_tables(tickets) if tickets else TICKETS_SCHEMA.empty_table()
    # one importer's text columns may come dictionary-encoded: concatenation needs one schema
    if len({table.schema.remove_metadata() for table in events}) > 1:
        events = [plain_text(table) for table in events]
    e = pa.concat_tables(events) if events else EVENTS_SCHEMA.empty_table()
    summary.tickets, summary.events = t.num_rows, e.num_rows
    return ExportTables(t, e, summary, codes if n_groups == 1 else None)


def import_exports(
    paths: list[Path],
    log_dir: Path,
    *,
    format: str | None = None,
    mapping: Path | None = None,
    tz: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import exports into the event log at `log_dir` (created if missing); idempotent."""
    t, e, summary, codes = read_export_tables(
        paths, format=format, mapping=mapping, tz=tz, progress=progress
    )
    summary.log = str(log_dir)
    if strict and summary.rows_rejected:
        return summary  # --strict: nothing is written when any row was rejected
    stats = merge_into_log(log_dir, t, e, codes=codes)
    summary.tickets_new, summary.tickets_updated = stats.tickets_new, stats.tickets_updated
    summary.events_new, summary.events_duplicate = stats.events_new, stats.events_duplicate
    record_import(Path(log_dir), [g.model_dump() for g in summary.groups], len(summary.problems))
    return summary


def load_source(
    sources: list[Path],
    *,
    format: str | None = None,
    mapping: Path | None = None,
    tz: str | None = None,
    event_values: bool = True,
    with_tags: bool = False,
    active_since: pd.Timestamp | None = None,
) -> Loaded:
    """SOURCE as an event log: a log directory, or export files imported in memory.

    From a log directory only the columns the metrics use are read: not the tickets' `extra` (nor
    `tags` unless `with_tags`), and not the events' `value` unless `event_values` (it is the widest column).
    """
    if not sources:
        raise UserError("no SOURCE given: an event-log directory or export files")
    if len(sources) == 1 and Path(sources[0]).is_dir():
        if not is_event_log(Path(sources[0])):
            raise UserError(
                f"{sources[0]} is a directory but not an event log (no CURRENT snapshot pointer)"
            )
        skipped = ("extra",) if with_tags else ("extra", "tags")
        tickets = [c for c in TICKET_COLUMNS if c not in skipped]
        events = [c for c in EVENT_COLUMNS if event_values or c != "value"]
        log = read_log(
            sources[0], columns={"tickets": tickets, "events": events}, active_since=active_since
        )
        rejected, problems = import_totals(Path(sources[0]))
        return Loaded(log, rejected, problems)
    t, e, summary = read_exports(sources, format=format, mapping=mapping, tz=tz)
    return Loaded(EventLog(t, e), summary.rows_rejected, len(summary.problems))


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
            active_since=active_since(
                named, policy.trend_periods, policy.repeat_incidents.window, as_of
            ),
        )
        span = loaded.log.span()
        period = named or resolve_period(None, policy.timezone, span, anchor, as_of)
        return loaded, policy, period, as_of


def metrics(q: Query, by: str | None = None, allow_unjudged: bool = False) -> MetricsResult:
    """Compute every metric for the query's period, its thresholds judged."""
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
    loaded, policy, period, as_of = q.prepare()
    knowledge = as_of if as_of is not None else loaded.log.latest_timestamp()
    cut = resolve_as_of(loaded.log, period, as_of)
    prepared = prepare(loaded.log, policy)
    state = compute_clocks(loaded.log.tickets, None, policy, cut, prepared, knowledge=knowledge)
    c, t = state.clocks, state.tickets
    of_period = t.loc[
        (in_period(t["created_at"], period) | ~t["status_class_at"].isin(DONE)).to_numpy(), "tix"
    ]
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
    now: dt.datetime | None = None,
) -> str:
    """The one-page report of the query's period as Markdown or HTML."""
    from slametrics.render.report import render_report

    result = metrics(q)
    generated = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return render_report(result, fmt=fmt, lang=lang, now=generated, redact=redact)


AUDIT_COLUMNS = [
    "ticket_id",
    "clock",
    "vendor_met",
    "outcome",
    "agree",
    "elapsed_s",
    "target_s",
    "started_at",
    "stopped_at",
    "vendor_due_at",
    "due_at",
    "priority",
    "source",
]


def audit(q: Query, disagreements_only: bool = True) -> tuple[list, pd.DataFrame]:
    """Where the source's own SLA verdicts and the recomputation disagree, per clock and ticket.

    Compared are the clocks decided in the period (met at their stop, breached when they breached)
    and whose ticket carries the vendor's verdict for that clock.
    """
    clocks, tickets_in_scope, period = period_clocks(q)
    counted = counted_clocks(clocks, period)
    t = tickets_in_scope.set_index("tix")
    parts = []
    for clock, col in VENDOR_VERDICTS.items():
        c = counted[counted["clock"] == clock]
        vendor = t[col].reindex(c["tix"]).set_axis(c.index) if col in t else pd.NA
        c = c.assign(
            vendor_met=vendor, vendor_due_at=t["due_at"].reindex(c["tix"]).set_axis(c.index)
        )
        parts.append(c[pd.notna(c["vendor_met"])])
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=AUDIT_COLUMNS)
    rows["vendor_met"] = rows["vendor_met"].astype(bool)
    rows["agree"] = rows["vendor_met"] == (rows["outcome"] == "met")
    summary = vendor_agreement(tickets_in_scope, counted)
    if disagreements_only:
        rows = rows[~rows["agree"]]
    rows = rows.sort_values(["clock", "ticket_id"], kind="stable")
    return summary, rows[AUDIT_COLUMNS].reset_index(drop=True)
