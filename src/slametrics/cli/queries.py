"""The commands over a log and a policy: metrics, tickets, check, report, audit."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from slametrics import api
from slametrics.api.audit import FIT_WARNING, audit_result, audit_suggest
from slametrics.cli.app import app
from slametrics.cli.options import (
    AsOfOpt,
    CheckFormat,
    ImporterOpt,
    Lang,
    MappingOpt,
    OutputOpt,
    PeriodOpt,
    PolicyOpt,
    ReportFormat,
    Sources,
    TableFormat,
    TableFormatOpt,
    TzOpt,
    console,
    emit,
    emit_frame,
    query,
)
from slametrics.errors import EXIT_THRESHOLD_MISSED
from slametrics.render import audit as render_audit
from slametrics.render import machine, terminal

CHECK_RENDERERS = {
    CheckFormat.text: machine.check_text,
    CheckFormat.json: machine.render_json,
    CheckFormat.junit: machine.check_junit,
    CheckFormat.github: machine.check_github,
}


@app.command()
def metrics(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Also break on-time figures down by this ticket field."),
    ] = None,
    format: TableFormatOpt = TableFormat.table,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Compute SLA metrics for a period."""
    result = api.metrics(query(sources, policy, period, as_of, importer, mapping, tz), by=by)
    if format is TableFormat.json:
        emit(machine.render_json(result), output)
    elif format is TableFormat.csv or output:
        emit(machine.frame_to_csv(machine.metrics_frame(result)), output)
    else:
        console().print(terminal.metrics_tables(result))


@app.command()
def tickets(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            "--outcome",
            help="Only clocks with this outcome: met, breached, running, unknown, canceled.",
        ),
    ] = None,
    format: TableFormatOpt = TableFormat.table,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """List each ticket's SLA clocks (one row per ticket and clock)."""
    q = query(sources, policy, period, as_of, importer, mapping, tz)
    emit_frame(api.tickets(q, outcome=outcome), format, output)


@app.command()
def check(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f")] = CheckFormat.text,
    output: OutputOpt = None,
    no_fail: Annotated[
        bool, typer.Option("--no-fail", help="Exit 0 even when a threshold is missed.")
    ] = False,
    allow_unjudged: Annotated[
        bool,
        typer.Option(
            "--allow-unjudged",
            help="Pass thresholds that are not judgeable (tickets, but none could be judged).",
        ),
    ] = False,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Exit 1 when a threshold is missed or not judgeable (a CI gate); 2 on unusable input."""
    q = query(sources, policy, period, as_of, importer, mapping, tz)
    result = api.check(q, allow_unjudged=allow_unjudged)
    emit(CHECK_RENDERERS[format](result), output)
    if output and format is not CheckFormat.text:
        # a CI log still shows the verdict when the machine format went to a file
        sys.stderr.write(machine.check_text(result))
    if not result.passed and not no_fail:
        raise typer.Exit(EXIT_THRESHOLD_MISSED)


@app.command()
def report(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.md,
    lang: Annotated[Lang, typer.Option("--lang", help="Report language.")] = Lang.en,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact", help="Replace requester and organization names with stable pseudonyms."
        ),
    ] = False,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Render the one-page report (Markdown or self-contained HTML)."""
    q = query(sources, policy, period, as_of, importer, mapping, tz)
    emit(api.report(q, fmt=format.value, lang=lang.value, redact=redact), output)


@app.command()
def audit(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    all_rows: Annotated[
        bool, typer.Option("--all", help="List every compared clock, not only disagreements.")
    ] = False,
    suggest: Annotated[
        bool,
        typer.Option(
            "--suggest",
            help="Fit, per clock and priority, the stop, pauses, calendar and target that "
            "reproduce the vendor's verdicts best.",
        ),
    ] = False,
    format: TableFormatOpt = TableFormat.table,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Compare the helpdesk's own SLA verdicts with the recomputation under the policy: agreement
    per clock and priority, each disagreement with its cause (stop, pauses, target, calendar,
    history, unexplained) and the evidence."""
    q = query(sources, policy, period, as_of, importer, mapping, tz)
    if suggest:
        _suggest(q, format, output)
        return
    result = audit_result(q, disagreements_only=not all_rows)
    if format is TableFormat.json:
        emit(render_audit.audit_json(result), output)
    elif format is TableFormat.csv or output:
        emit(machine.frame_to_csv(result.tickets), output)
    else:
        console().print(render_audit.audit_tables(result))


def _suggest(q: api.Query, format: TableFormat, output) -> None:
    candidates, per_clock = audit_suggest(q)
    warning = FIT_WARNING
    sys.stderr.write(f"warning: {warning}\n")
    if format is TableFormat.json:
        emit(render_audit.suggest_json(candidates, per_clock, warning), output)
    elif format is TableFormat.csv or output:
        emit(machine.frame_to_csv(candidates), output)
    else:
        console().print(render_audit.suggest_tables(candidates, per_clock))
