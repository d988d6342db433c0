"""`slametrics import`: helpdesk exports into the Parquet event log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slametrics.cli.app import app
from slametrics.cli.options import ImporterOpt, MappingOpt, TzOpt, console, emit
from slametrics.errors import EXIT_THRESHOLD_MISSED, UserError

if TYPE_CHECKING:
    from slametrics.results import ImportSummary

SHOWN_PROBLEMS = 20  # the terminal shows the first few; --problems FILE has them all


def import_summary_lines(summary: ImportSummary) -> list[str]:
    """The plain lines under the import table: what was imported (stdout)."""
    lines = [
        f"tickets: {summary.tickets_new} new, {summary.tickets_updated} updated; "
        f"events: {summary.events_new} new, {summary.events_duplicate} already in the log"
    ]
    if summary.tickets_outdated or summary.events_replaced:
        lines.append(
            f"newest export wins: {summary.tickets_outdated} ticket(s) in this import older than "
            f"the log's kept the log's version; {summary.events_replaced} event(s) replaced"
        )
    if summary.layout_change:
        lines.append(summary.layout_change)
    return lines


def import_problem_lines(summary: ImportSummary) -> list[str]:
    """The first problems and warnings, one a line (stderr; --problems FILE has them all)."""
    from slametrics.render.terminal import problem_line

    lines = [problem_line(p) for p in summary.problems[:SHOWN_PROBLEMS]]
    if len(summary.problems) > SHOWN_PROBLEMS:
        lines.append(
            f"... and {len(summary.problems) - SHOWN_PROBLEMS} more problems "
            "(use --problems FILE for all)"
        )
    return lines


@app.command("import")
def import_cmd(
    exports: Annotated[
        list[Path], typer.Argument(help="Export files (CSV, JSON, NDJSON; .gz, .zip).")
    ],
    log: Annotated[
        Path,
        typer.Option("--log", metavar="DIR", help="Event-log directory (created if missing)."),
    ],
    importer: ImporterOpt = None,
    format: Annotated[
        str | None,
        # the name before --importer existed, kept so that existing scripts keep working
        typer.Option("--format", hidden=True, help="Alias of --importer."),
    ] = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 and write nothing if any row is rejected.")
    ] = False,
    problems: Annotated[
        Path | None,
        typer.Option("--problems", metavar="FILE", help="Write every problem to this CSV file."),
    ] = None,
) -> None:
    """Import helpdesk exports into a Parquet event log (`slametrics formats` lists importers)."""
    from rich.progress import Progress

    from slametrics import api
    from slametrics.problems import ProblemReport
    from slametrics.render import machine, terminal

    if importer and format and importer != format:
        raise UserError(f"--importer {importer} and --format {format} disagree: give one")
    err = console(stderr=True)
    with Progress(console=err, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("importing", total=None)

        def progress(name: str, i: int, n: int) -> None:
            bar.update(task, description=name, completed=i, total=n)

        summary = api.import_exports(
            exports,
            log,
            format=importer or format,
            mapping=mapping,
            tz=tz,
            strict=strict,
            progress=progress,
        )
    out = console()
    out.print(terminal.import_table(summary))
    for line in import_summary_lines(summary):
        out.print(line, markup=False)
    for line in import_problem_lines(summary):  # problems on stderr: stdout stays the summary
        err.print(line, markup=False)
    if problems:
        emit(machine.frame_to_csv(ProblemReport(problems=summary.problems).to_frame()), problems)
    if strict and summary.rows_rejected:
        err.print(f"--strict: {summary.rows_rejected} row(s) rejected; nothing was written")
        raise typer.Exit(EXIT_THRESHOLD_MISSED)
