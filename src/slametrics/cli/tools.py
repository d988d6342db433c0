"""The commands that need no log: `sample` writes a synthetic one, `formats` lists the importers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from slametrics.cli.app import app
from slametrics.cli.options import console
from slametrics.errors import UserError, check_timezone


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
    # imported here so that the other commands do not pay for loading the generator
    from slametrics.sample import write_sample_csv

    check_timezone(tz)
    check_start(start)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file; give a directory for tickets.csv and events.csv")
    paths = write_sample_csv(out, tickets, seed=seed, start=start, weeks=weeks, tz=tz)
    console().print("wrote " + ", ".join(str(p) for p in paths), markup=False)


def check_start(start: str) -> None:
    """--start is a calendar date (the generator's weeks start on that day)."""
    try:
        dt.date.fromisoformat(start)
    except ValueError:
        raise UserError(f"--start {start!r}: not a date; use YYYY-MM-DD, e.g. 2026-09-28") from None


@app.command()
def formats() -> None:
    """List the importers and what they read."""
    from slametrics.importers import IMPORTER_INFO  # the light registry: no pandas

    con = console()
    for name, info in IMPORTER_INFO.items():
        con.print(f"{name:<11} {info.description} [fidelity: {info.fidelity}]", markup=False)
