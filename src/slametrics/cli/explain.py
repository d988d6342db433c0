"""The `explain` command: why each clock of the tickets asked for has its verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# registered after the query commands, so `--help` lists explain after audit
from slametrics.cli import ingest, queries  # noqa: F401
from slametrics.cli.app import app
from slametrics.cli.options import (
    AsOfOpt,
    ExplainFormat,
    ImporterOpt,
    MappingOpt,
    OutputOpt,
    PolicyOpt,
    TzOpt,
    emit,
    format_option,
    query,
    resolve_format,
)
from slametrics.errors import UserError


def split_arguments(args: list[str]) -> tuple[list[Path], list[str]]:
    """SOURCE... then TICKET...: the leading arguments that exist as paths are the sources."""
    n = next((i for i, a in enumerate(args) if not Path(a).exists()), len(args))
    if n == 0:
        raise UserError(f"SOURCE not found: {args[0]} (an event-log directory or export files)")
    if n == len(args):
        raise UserError("no TICKET given: name the ticket ids to explain after SOURCE")
    return [Path(a) for a in args[:n]], args[n:]


@app.command()
def explain(
    args: Annotated[
        list[str],
        typer.Argument(
            metavar="SOURCE... TICKET...",
            help="Event-log directory (or export files imported on the fly), then ticket ids.",
            show_default=False,
        ),
    ],
    policy: PolicyOpt,
    as_of: AsOfOpt = None,
    format: format_option(ExplainFormat, "text") = None,
    output: OutputOpt = None,
    importer: ImporterOpt = None,
    mapping: MappingOpt = None,
    tz: TzOpt = None,
) -> None:
    """Show why each clock of the tickets has its verdict: rule, events, segments, due time."""
    from slametrics import api
    from slametrics.render import machine, xlsx
    from slametrics.render.explain import explain_html, explain_text

    fmt = resolve_format(format, output, ExplainFormat, ExplainFormat.text)
    sources, tickets = split_arguments(args)
    q = query(sources, policy, None, as_of, importer, mapping, tz)
    renderers = {
        ExplainFormat.text: explain_text,
        ExplainFormat.json: machine.render_json,
        ExplainFormat.html: explain_html,
        ExplainFormat.xlsx: lambda r: xlsx.frames_to_xlsx(xlsx.explain_sheets(r)),
    }
    emit(renderers[fmt](api.explain(q, tickets)), output)
