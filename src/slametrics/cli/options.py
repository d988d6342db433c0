"""What the commands share: the Annotated options, the output formats and the output helpers."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from slametrics import api
from slametrics.periods import PERIOD_HELP
from slametrics.render import machine, terminal

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


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


class ReportFormat(StrEnum):
    md = "md"
    html = "html"


class Lang(StrEnum):
    en = "en"
    ru = "ru"


TableFormatOpt = Annotated[TableFormat, typer.Option("--format", "-f")]


def query(
    sources: list[Path],
    policy: Path,
    period: str | None,
    as_of: str | None,
    importer: str | None,
    mapping: Path | None,
    tz: str | None,
) -> api.Query:
    """The options every query command takes, as one `api.Query`."""
    return api.Query(
        sources=sources,
        policy=policy,
        period=period,
        as_of=as_of,
        format=importer,
        mapping=mapping,
        tz=tz,
    )


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr): plain, wide and unwrapped when not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(
        file=stream,
        width=None if tty else 200,
        no_color=not tty or "NO_COLOR" in os.environ,
        highlight=False,
        soft_wrap=not tty,
    )


def emit(text: str, output: Path | None) -> None:
    """Write text to stdout, or to `output` through a temporary file so a reader never sees half."""
    if output is None:
        sys.stdout.write(text)
    else:
        tmp = output.with_name(f".{output.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)


def emit_frame(frame: pd.DataFrame, format: TableFormat, output: Path | None) -> None:
    """A table of rows as JSON records, CSV (also whenever --output is given) or a rich table."""
    if format is TableFormat.json:
        emit(machine.frame_to_json(frame), output)
    elif format is TableFormat.csv or output:
        emit(machine.frame_to_csv(frame), output)
    else:
        console().print(terminal.frame_table(frame))
