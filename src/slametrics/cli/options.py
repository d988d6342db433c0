"""What the commands share: the Annotated options, the output formats and the output helpers.

Nothing heavy is imported at module level: `--help`, `formats`, `policy validate` and usage errors
never load pandas (the api and the renderers are imported inside the helpers that use them).
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from slametrics.errors import UserError
from slametrics.period_syntax import PERIOD_HELP

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from slametrics import api

Sources = Annotated[
    list[Path],
    typer.Argument(
        metavar="SOURCE",
        help="Event-log directory, or export files imported on the fly.",
        show_default=False,
    ),
]
PolicyOpt = Annotated[
    Path, typer.Option("--policy", "-p", metavar="FILE", help="SLA policy YAML file.")
]
PeriodOpt = Annotated[
    str | None, typer.Option(metavar="P", help=f"Period: {PERIOD_HELP}. Default: all data.")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="T",
        help="Evaluate at this ISO 8601 instant, e.g. 2026-11-30T23:00:00Z.",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE instead of stdout (its folder is created; without --format, the "
        "format follows the suffix: .html .md .pdf .xlsx .json .csv).",
    ),
]
ImporterOpt = Annotated[
    str | None,
    typer.Option(
        "--importer",
        metavar="NAME",
        help="Importer of the export files (see `slametrics formats`); default: detected.",
    ),
]
MappingOpt = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        metavar="FILE",
        help="Mapping YAML: a column map for the csv importer, or header/status translations "
        "for a vendor (docs/mappings.md).",
    ),
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="local | dask: compute a partitioned log bucket by bucket in this process or on "
        "Dask workers (pip install 'slametrics[dask]').",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Address of a running Dask scheduler, e.g. tcp://host:8786 (default: a local "
        "cluster).",
    ),
]
TzOpt = Annotated[
    str | None,
    typer.Option("--tz", metavar="ZONE", help="Timezone of naive timestamps in the exports."),
]


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    pdf = "pdf"


class ExplainFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"
    xlsx = "xlsx"


class Lang(StrEnum):
    en = "en"
    ru = "ru"


def format_option(choices: type[StrEnum], default: str):
    """`--format/-f` without a typer default, so that `resolve_format` knows it was not given."""
    return Annotated[
        choices | None,
        typer.Option(
            "--format", "-f", help=f"Output format. Default: {default}, or the suffix of --output."
        ),
    ]


TableFormatOpt = format_option(TableFormat, "table")
F = TypeVar("F", bound=StrEnum)

# --output's suffix names the format when --format is not given
SUFFIX_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".pdf": "pdf",
    ".xlsx": "xlsx",
    ".json": "json",
    ".csv": "csv",
    ".xml": "junit",
}


def resolve_format(
    given: F | None,
    output: Path | None,
    choices: type[F],
    default: F,
    file_default: F | None = None,
) -> F:
    """The format to write: --format when given (a conflicting suffix is a warning), else the
    one --output's suffix names, else `file_default` for a file (CSV for tables, as before) or
    `default` for stdout. A suffix naming a format the command cannot write is a usage error."""
    inferred = SUFFIX_FORMATS.get(output.suffix.lower()) if output else None
    valid = [c.value for c in choices]
    if given is not None:
        if inferred and inferred in valid and inferred != given.value:
            warn(
                f"--output {output} looks like {inferred} but --format {given.value}: "
                f"writing {given.value}"
            )
        return given
    if inferred in valid:
        return choices(inferred)
    if inferred:
        # never Markdown inside a file named .pdf: the user names the format or another file
        raise UserError(
            f"--output {output}: this command writes no {inferred}; formats: "
            f"{', '.join(valid)} (name one with --format)"
        )
    return file_default if (output and file_default is not None) else default


def query(
    sources: list[Path],
    policy: Path,
    period: str | None,
    as_of: str | None,
    importer: str | None,
    mapping: Path | None,
    tz: str | None,
    engine: str = "local",
    scheduler: str | None = None,
) -> api.Query:
    """The options every query command takes, as one `api.Query`."""
    from slametrics import api

    return api.Query(
        sources=sources,
        policy=policy,
        period=period,
        as_of=as_of,
        format=importer,
        mapping=mapping,
        tz=tz,
        engine=engine,
        scheduler=scheduler,
    )


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr): plain, and wide and unwrapped when not a terminal
    (unless COLUMNS sets the width). rich is imported here: `--help` needs none of it."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    columns = os.environ.get("COLUMNS", "")
    # a pipe gets wide lines unless COLUMNS says how wide (as a terminal's size does)
    width = int(columns) if columns.isdigit() else None if tty else 200
    return Console(
        file=stream,
        width=width,
        no_color=not tty or "NO_COLOR" in os.environ,
        highlight=False,
        soft_wrap=not tty and not columns.isdigit(),
    )


def warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def emit(content: str | bytes, output: Path | None) -> None:
    """Write text (or a binary file's bytes) to stdout, or to `output` through a temporary file
    so a reader never sees half; the output's folder is created when missing."""
    if output is None:
        if isinstance(content, bytes):
            if sys.stdout.isatty():
                raise UserError("a binary format is not written to a terminal: give --output FILE")
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(content)
        return
    if output.is_dir():
        raise UserError(f"--output {output}: is a directory; give a file name inside it")
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content, encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"--output {output}: cannot write: {exc.strerror or exc}") from None


def emit_frame(
    frame: pd.DataFrame, format: TableFormat, output: Path | None, sheet: str = "rows"
) -> None:
    """A table of rows as JSON records, CSV, an Excel workbook or a rich table."""
    from slametrics.render import machine, terminal, xlsx

    if format is TableFormat.json:
        emit(machine.frame_to_json(frame), output)
    elif format is TableFormat.xlsx:
        emit(xlsx.frames_to_xlsx({sheet: frame}), output)
    elif format is TableFormat.csv or output:
        emit(machine.frame_to_csv(frame), output)
    else:
        console().print(terminal.frame_table(frame))
