"""The command line: thin typer commands over `slametrics.api` and the renderers, one error handler."""

from __future__ import annotations

import sys
import traceback

import typer

# The command modules register on `app` when imported, and typer lists commands in the order
# they were registered: this (alphabetical) order is the order of `slametrics --help`
# (import; metrics, tickets, check, report, audit, explain (after the queries it imports);
# sample, formats; the policy group last).
from slametrics.cli import explain, ingest, mapping, policy, queries, signals, tools  # noqa: F401
from slametrics.cli.app import app
from slametrics.cli.options import console
from slametrics.errors import EXIT_ERROR, EXIT_OK, SlametricsError

__all__ = ["app", "main", "run"]


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
        console(stderr=True).print(f"error: {exc}", markup=False, style="red")
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
        console(stderr=True).print(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
            markup=False,
            style="red",
        )
        return EXIT_ERROR
    return rc if isinstance(rc, int) else EXIT_OK


def run() -> None:
    """Console entry for `python -m slametrics`: exit with `main`'s code."""
    sys.exit(main())
