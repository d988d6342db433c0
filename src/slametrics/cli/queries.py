"""The commands over a log and a policy: metrics, tickets, check, report, audit."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slametrics.cli.app import app
from slametrics.cli.options import (
    AsOfOpt,
    CheckFormat,
    EngineOpt,
    ImporterOpt,
    Lang,
    MappingOpt,
    OutputOpt,
    PeriodOpt,
    PolicyOpt,
    ReportFormat,
    SchedulerOpt,
    Sources,
    TableFormat,
    TableFormatOpt,
    TzOpt,
    console,
    emit,
    emit_frame,
    format_option,
    query,
    resolve_format,
)
from slametrics.errors import EXIT_THRESHOLD_MISSED, UserError

if TYPE_CHECKING:
    from slametrics import api

# the renderers by name in slametrics.render.machine, imported when a command runs
CHECK_RENDERERS = {
    CheckFormat.text: "check_text",
    CheckFormat.json: "render_json",
    CheckFormat.junit: "check_junit",
    CheckFormat.github: "check_github",
}


@app.command()
def metrics(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", metavar="FIELD", help="Also break on-time figures down by this ticket field."
        ),
    ] = None,
    format: TableFormatOpt = None,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
) -> None:
    """Compute SLA metrics for a period."""
    from slametrics import api
    from slametrics.render import machine, terminal, xlsx

    fmt = resolve_format(format, output, TableFormat, TableFormat.table, TableFormat.csv)
    result = api.metrics(
        query(sources, policy, period, as_of, importer, mapping, tz, engine, scheduler), by=by
    )
    if fmt is TableFormat.json:
        emit(machine.render_json(result), output)
    elif fmt is TableFormat.xlsx:
        emit(xlsx.frames_to_xlsx(xlsx.metrics_sheets(result)), output)
    elif fmt is TableFormat.csv or output:
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
    format: TableFormatOpt = None,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
) -> None:
    """List each ticket's SLA clocks (one row per ticket and clock)."""
    from slametrics import api

    fmt = resolve_format(format, output, TableFormat, TableFormat.table, TableFormat.csv)
    q = query(sources, policy, period, as_of, importer, mapping, tz, engine, scheduler)
    rows = api.tickets(q, outcome=outcome)
    if fmt is TableFormat.table and output is None:
        from slametrics.render import terminal

        console().print(terminal.tickets_table(rows))
    else:
        emit_frame(rows, fmt, output, sheet="tickets")


@app.command()
def check(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    format: format_option(CheckFormat, "text") = None,
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
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
) -> None:
    """Exit 1 when a threshold is missed or not judgeable (a CI gate); 2 on unusable input.

    With --format github and $GITHUB_STEP_SUMMARY set, a Markdown summary is appended there.
    """
    from slametrics import api
    from slametrics.render import machine

    fmt = resolve_format(format, output, CheckFormat, CheckFormat.text)
    q = query(sources, policy, period, as_of, importer, mapping, tz, engine, scheduler)
    result = api.check(q, allow_unjudged=allow_unjudged)
    emit(getattr(machine, CHECK_RENDERERS[fmt])(result), output)
    if output and fmt is not CheckFormat.text:
        # a CI log still shows the verdict when the machine format went to a file
        sys.stderr.write(machine.check_text(result))
    if fmt is CheckFormat.github and os.environ.get("GITHUB_STEP_SUMMARY"):
        append_step_summary(Path(os.environ["GITHUB_STEP_SUMMARY"]), machine.check_markdown(result))
    if not result.passed and not no_fail:
        raise typer.Exit(EXIT_THRESHOLD_MISSED)


def append_step_summary(path: Path, markdown: str) -> None:
    """Append to the job summary file GitHub Actions names (other steps may have written it)."""
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write(markdown)
    except OSError as exc:
        raise UserError(f"$GITHUB_STEP_SUMMARY {path}: cannot append: {exc.strerror}") from None


@app.command()
def report(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    format: format_option(ReportFormat, "md") = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Report language.")] = Lang.en,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="Replace requester and organization names with salted pseudonyms (new in "
            "every report unless --redact-salt).",
        ),
    ] = False,
    redact_salt: Annotated[
        str | None,
        typer.Option(
            "--redact-salt",
            envvar="SLAMETRICS_REDACT_SALT",
            help="Secret salt for --redact, so weekly reports keep the same pseudonyms.",
        ),
    ] = None,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
) -> None:
    """Render the one-page report (Markdown, self-contained HTML, or an A4 PDF)."""
    from slametrics import api

    fmt = resolve_format(format, output, ReportFormat, ReportFormat.md)
    q = query(sources, policy, period, as_of, importer, mapping, tz, engine, scheduler)
    if fmt is ReportFormat.pdf:
        emit(api.report_pdf(q, lang=lang.value, redact=redact, redact_salt=redact_salt), output)
        return
    page = api.report(q, fmt=fmt.value, lang=lang.value, redact=redact, redact_salt=redact_salt)
    emit(page, output)


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
    format: TableFormatOpt = None,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Compare the helpdesk's own SLA verdicts with the recomputation under the policy: agreement
    per clock and priority, each disagreement with its cause (stop, pauses, target, calendar,
    history, unexplained) and the evidence."""
    from slametrics.api.audit import audit_result
    from slametrics.render import audit as render_audit
    from slametrics.render import machine, xlsx

    fmt = resolve_format(format, output, TableFormat, TableFormat.table, TableFormat.csv)
    q = query(sources, policy, period, as_of, importer, mapping, tz)
    if suggest:
        _suggest(q, fmt, output)
        return
    result = audit_result(q, disagreements_only=not all_rows)
    if fmt is TableFormat.json:
        emit(render_audit.audit_json(result), output)
    elif fmt is TableFormat.xlsx:
        emit(xlsx.frames_to_xlsx(render_audit.audit_sheets(result)), output)
    elif fmt is TableFormat.csv or output:
        emit(machine.frame_to_csv(result.tickets), output)
    else:
        console().print(render_audit.audit_tables(result))


def _suggest(q: api.Query, fmt: TableFormat, output: Path | None) -> None:
    from slametrics.api.audit import FIT_WARNING, audit_suggest
    from slametrics.render import audit as render_audit
    from slametrics.render import machine, xlsx

    candidates, per_clock = audit_suggest(q)
    sys.stderr.write(f"warning: {FIT_WARNING}\n")
    if fmt is TableFormat.json:
        emit(render_audit.suggest_json(candidates, per_clock, FIT_WARNING), output)
    elif fmt is TableFormat.xlsx:
        sheets = {"candidates": candidates, "per clock": per_clock}
        emit(xlsx.frames_to_xlsx(sheets), output)
    elif fmt is TableFormat.csv or output:
        emit(machine.frame_to_csv(candidates), output)
    else:
        console().print(render_audit.suggest_tables(candidates, per_clock))
