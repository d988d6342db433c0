"""The typer apps the command modules register on (kept apart from `__init__` to avoid cycles)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from slametrics import __version__


def _bare_flags(params: list) -> list:
    """Flags take no value: an empty metavar keeps `--help` from showing them as `<bool>`."""
    for p in params:
        if getattr(p, "is_flag", False) and p.metavar is None:
            p.metavar = ""
    return params


class FlagCommand(TyperCommand):
    """A command whose help shows flags without a value placeholder."""

    def get_params(self, ctx):  # noqa: ANN001, ANN201 (click's signature)
        return _bare_flags(super().get_params(ctx))


class FlagGroup(TyperGroup):
    """A command group whose help shows flags (`--debug`, `--version`, `-h`) without a value."""

    def get_params(self, ctx):  # noqa: ANN001, ANN201 (click's signature)
        return _bare_flags(super().get_params(ctx))


class Typer(typer.Typer):
    """typer.Typer whose commands default to `FlagCommand`, with click's plain help and usage
    errors: typer's rich panels import rich's Markdown, Syntax (pygments) and Traceback
    modules first, which made `slametrics --help` cost 3x `import typer` instead of 1.8x."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rich_markup_mode", None)
        super().__init__(*args, **kwargs)

    def command(self, name: str | None = None, *, cls: Any = None, **kwargs: Any):  # noqa: ANN201
        return super().command(name, cls=cls or FlagCommand, **kwargs)


HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

app = Typer(
    name="slametrics",
    help="SLA metrics from helpdesk ticket exports: import, recompute clocks, check, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=FlagGroup,
    context_settings=HELP_OPTIONS,
)
policy_app = Typer(
    help="Validate a policy file or print its JSON Schema.",
    no_args_is_help=True,
    cls=FlagGroup,
    context_settings=HELP_OPTIONS,
)
app.add_typer(policy_app, name="policy")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"slametrics {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """SLA metrics from helpdesk ticket exports."""
    # `--debug` is read by `main` before typer parses the line; it is declared here for --help.
