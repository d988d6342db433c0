"""The `signals` command: the tickets behind each behaviour signal of a period, with evidence."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from slametrics.cli.app import app
from slametrics.cli.options import (
    AsOfOpt,
    ImporterOpt,
    MappingOpt,
    OutputOpt,
    PeriodOpt,
    PolicyOpt,
    Sources,
    TzOpt,
    emit,
    format_option,
    query,
    resolve_format,
)


class SignalsFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


@app.command()
def signals(
    sources: Sources,
    policy: PolicyOpt,
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    code: Annotated[
        str | None, typer.Option("--code", metavar="CODE", help="Only this signal.")
    ] = None,
    format: format_option(SignalsFormat, "text") = None,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """List the tickets behind each behaviour signal of a period, with the evidence."""
    from slametrics.api.contract import signals as find
    from slametrics.render import machine
    from slametrics.render.signals import signals_frame, signals_text

    fmt = resolve_format(format, output, SignalsFormat, SignalsFormat.text)
    result = find(query(sources, policy, period, as_of, importer, mapping, tz), code=code)
    renderers = {
        SignalsFormat.text: signals_text,
        SignalsFormat.json: machine.render_json,
        SignalsFormat.csv: lambda r: machine.frame_to_csv(signals_frame(r)),
    }
    emit(renderers[fmt](result), output)
