"""The command line: thin typer commands over `slametrics.api` and the renderers, one error handler."""

from __future__ import annotations

import json
import os
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from slametrics import api
from slametrics.errors import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_THRESHOLD_MISSED,
    SlametricsError,
    check_timezone,
)
from slametrics.importers import IMPORTERS, get_importer
from slametrics.periods import PERIOD_HELP
from slametrics.policy import load_policy, policy_json_schema
from slametrics.problems import ProblemReport
from slametrics.render import machine, terminal

app = typer.Typer(
    name="slametrics",
    help="SLA metrics from helpdesk ticket exports: import, recompute clocks, check, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
policy_app = typer.Typer(
    help="Validate a policy file or print its JSON Schema.", no_args_is_help=True
)
app.add_typer(policy_app, name="policy")


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, width=None if tty else 200, no_color=not tty or "NO_COLOR" in os.environ,
                   highlight=False, soft_wrap=not tty)  # fmt: skip


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        tmp = output.with_name(f".{output.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _emit_frame(frame, format: TableFormat, output: Path | None) -> None:
    """A table of rows as JSON records, CSV (also whenever --output is given) or a rich table."""
    if format is TableFormat.json:
        _emit(machine.frame_to_json(frame), output)
    elif format is TableFormat.csv or output:
        _emit(machine.frame_to_csv(frame), output)
    else:
        _console().print(terminal.frame_table(frame))


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


Sources = Annotated[
    list[Path], typer.Argument(help="Event-log directory, or export files imported on the fly.")
]
PolicyOpt = Annotated[Path, typer.Option("--policy", "-p", help="SLA policy YAML file.")]
PeriodOpt = Annotated[str | None, typer.Option(help=f"Period: {PERIOD_HELP}. Default: all data.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Evaluate at this ISO 8601 instant, e.g. 2026-11-30T23:00:00Z."),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
]
ImporterOpt = Annotated[
    str | None,
    typer.Option(
        "--importer", help="Importer for export files given as SOURCE (default: detected)."
    ),
]
MappingOpt = Annotated[
    Path | None, typer.Option("--mapping", help="Column-map YAML for the csv importer.")
]
TzOpt = Annotated[
    str | None, typer.Option("--tz", help="Timezone of naive timestamps in the exports.")
]


def _query(sources, policy, period, as_of, importer, mapping, tz) -> api.Query:
    return api.Query(sources=sources, policy=policy, period=period, as_of=as_of, format=importer,
                     mapping=mapping, tz=tz)  # fmt: skip


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """SLA metrics from helpdesk ticket exports."""


@app.command("import")
def import_cmd(
    exports: Annotated[
        list[Path], typer.Argument(help="Export files (CSV, JSON, NDJSON; .gz, .zip).")
    ],
    log: Annotated[Path, typer.Option("--log", help="Event-log directory (created if missing).")],
    format: Annotated[
        str | None,
        typer.Option(
            "--format", help="Importer name (see `slametrics formats`); default: detected."
        ),
    ] = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 and write nothing if any row is rejected.")
    ] = False,
    problems: Annotated[
        Path | None, typer.Option("--problems", help="Write every problem to this CSV file.")
    ] = None,
) -> None:
    """Import helpdesk exports into a Parquet event log."""
    err = _console(stderr=True)
    with Progress(console=err, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("importing", total=None)
        summary = api.import_exports(exports, log, format=format, mapping=mapping, tz=tz, strict=strict,
                                     progress=lambda name, i, n: bar.update(task, description=name, completed=i, total=n))  # fmt: skip
    out = _console()
    out.print(terminal.import_table(summary))
    out.print(f"tickets: {summary.tickets_new} new, {summary.tickets_updated} updated; "
              f"events: {summary.events_new} new, {summary.events_duplicate} already in the log")  # fmt: skip
    for p in summary.problems[:20]:
        out.print(
            f"{p.severity}: {p.file}:{p.line or ''} [{p.column or ''}] {p.code}: {p.value!r} {p.message}",
            markup=False,
        )
    if len(summary.problems) > 20:
        out.print(
            f"... and {len(summary.problems) - 20} more problems (use --problems FILE for all)"
        )
    if problems:
        frame = ProblemReport(problems=summary.problems).to_frame()
        _emit(machine.frame_to_csv(frame), problems)
    if strict and summary.rows_rejected:
        out.print(f"--strict: {summary.rows_rejected} row(s) rejected; nothing was written")
        raise typer.Exit(EXIT_THRESHOLD_MISSED)


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
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Compute SLA metrics for a period."""
    result = api.metrics(_query(sources, policy, period, as_of, importer, mapping, tz), by=by)
    if format is TableFormat.json:
        _emit(machine.render_json(result), output)
    elif format is TableFormat.csv or output:
        _emit(machine.frame_to_csv(machine.metrics_frame(result)), output)
    else:
        _console().print(terminal.metrics_tables(result))


@app.command()
def tickets(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help="Only clocks with this outcome: met, breached, running."),
    ] = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """List each ticket's SLA clocks (one row per ticket and clock)."""
    frame = api.tickets(
        _query(sources, policy, period, as_of, importer, mapping, tz), outcome=outcome
    )
    _emit_frame(frame, format, output)


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
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Exit 1 when a threshold of the policy is missed (a CI gate)."""
    result = api.check(_query(sources, policy, period, as_of, importer, mapping, tz))
    render = {CheckFormat.text: machine.check_text, CheckFormat.json: machine.render_json,
              CheckFormat.junit: machine.check_junit, CheckFormat.github: machine.check_github}[format]  # fmt: skip
    _emit(render(result), output)
    if output and format is not CheckFormat.text:
        sys.stderr.write(machine.check_text(result))
    if not result.passed and not no_fail:
        raise typer.Exit(EXIT_THRESHOLD_MISSED)


class ReportFormat(StrEnum):
    md = "md"
    html = "html"


class Lang(StrEnum):
    en = "en"
    ru = "ru"


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
    q = _query(sources, policy, period, as_of, importer, mapping, tz)
    _emit(api.report(q, fmt=format.value, lang=lang.value, redact=redact), output)


@app.command()
def audit(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    all_rows: Annotated[
        bool, typer.Option("--all", help="List every compared clock, not only disagreements.")
    ] = False,
    format: Annotated[TableFormat, typer.Option("--format", "-f")] = TableFormat.table,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Compare the helpdesk's own SLA verdicts with the recomputation under the policy."""
    q = _query(sources, policy, period, as_of, importer, mapping, tz)
    summary, rows = api.audit(q, disagreements_only=not all_rows)
    if format is TableFormat.json:
        doc = {
            "summary": [s.model_dump(mode="json") for s in summary],
            "tickets": machine.frame_records(rows),
        }
        _emit(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", output)
    elif format is TableFormat.csv or output:
        _emit(machine.frame_to_csv(rows), output)
    else:
        con = _console()
        for s in summary:
            con.print(f"{s.clock}: {s.compared} compared, {s.disagree} disagree "
                      f"(vendor met / recomputed breached: {s.vendor_met_recomputed_breached}; "
                      f"vendor breached / recomputed met: {s.vendor_breached_recomputed_met})")  # fmt: skip
        if not summary:
            con.print("no vendor SLA verdicts in the data to compare")
        con.print(terminal.frame_table(rows.head(200)))


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Directory for tickets.csv and events.csv.")],
    tickets: Annotated[int, typer.Option("--tickets", min=1, help="Number of tickets.")] = 400,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
    start: Annotated[
        str, typer.Option("--start", help="First day (a Monday), YYYY-MM-DD.")
    ] = "2026-09-28",
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Weeks of data.")] = 8,
    tz: Annotated[
        str, typer.Option("--tz", help="Timezone of the helpdesk's working hours.")
    ] = "Europe/Moscow",
) -> None:
    """Generate a deterministic synthetic helpdesk log in the canonical CSV form."""
    from slametrics.sample import write_sample_csv

    check_timezone(tz)
    paths = write_sample_csv(out, tickets, seed=seed, start=start, weeks=weeks, tz=tz)
    _console().print("wrote " + ", ".join(str(p) for p in paths), markup=False)


@policy_app.command("validate")
def policy_validate(file: Annotated[Path, typer.Argument(help="Policy YAML file.")]) -> None:
    """Validate a policy file; errors name the key path, the bad value and what is allowed."""
    p = load_policy(file)
    _console().print(f"{file}: valid ({p.name}; {len(p.calendars)} calendar(s), {len(p.targets)} target rule(s), "
                     f"{len(p.thresholds)} threshold(s))", markup=False)  # fmt: skip


@policy_app.command("schema")
def policy_schema(output: OutputOpt = None) -> None:
    """Print the policy file's JSON Schema (for editors)."""
    _emit(json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n", output)


@app.command()
def formats() -> None:
    """List the importers and what they read."""
    con = _console()
    for name in IMPORTERS:
        imp = get_importer(name)
        con.print(f"{name:<11} {imp.description} [fidelity: {imp.fidelity}]", markup=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; SlametricsError becomes one message and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    if debug:  # accepted anywhere on the line, not only before the command
        args = ["--debug", *[a for a in args if a != "--debug"]]
    try:
        rc = app(args=args, standalone_mode=False, prog_name="slametrics")
    except SlametricsError as exc:
        if debug:
            traceback.print_exc()
        _console(stderr=True).print(f"error: {exc}", markup=False, style="red")
        return EXIT_ERROR
    except typer.Abort:
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one message, the traceback only with --debug
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click's usage errors
            exc.show()
            return EXIT_ERROR
        if debug:
            traceback.print_exc()
        _console(stderr=True).print(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
            markup=False, style="red",
        )  # fmt: skip
        return EXIT_ERROR
    return rc if isinstance(rc, int) else EXIT_OK


def run() -> None:
    sys.exit(main())
