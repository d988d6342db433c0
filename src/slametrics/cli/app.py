"""The typer apps the command modules register on (kept apart from `__init__` to avoid cycles)."""

from __future__ import annotations

from typing import Annotated

import typer

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


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """SLA metrics from helpdesk ticket exports."""
    # `--debug` is read by `main` before typer parses the line; it is declared here for --help.
