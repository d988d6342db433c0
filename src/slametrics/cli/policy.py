"""`slametrics policy validate|schema`: check a policy file, print its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from slametrics.cli.app import policy_app
from slametrics.cli.options import OutputOpt, console, emit
from slametrics.errors import EXIT_ERROR, SlametricsError


@policy_app.command("validate")
def policy_validate(
    files: Annotated[list[Path], typer.Argument(help="Policy YAML files.")],
) -> None:
    """Validate policy files; errors name the key path, the bad value and what is allowed.

    Rules and thresholds that can never match what the policy defines are warnings (stderr).
    Exit 2 when any file is invalid; every file is checked.
    """
    from slametrics.policy import load_policy, policy_warnings

    out, err = console(), console(stderr=True)
    invalid = 0
    for file in files:
        try:
            p = load_policy(file)
        except SlametricsError as exc:
            err.print(f"error: {exc}", markup=False, style="red")
            invalid += 1
            continue
        out.print(
            f"{file}: valid ({p.name}; {len(p.calendars)} calendar(s), "
            f"{len(p.targets)} target rule(s), {len(p.thresholds)} threshold(s))",
            markup=False,
        )
        for warning in policy_warnings(p):
            err.print(f"warning: {file}: {warning}", markup=False)
    if invalid:
        raise typer.Exit(EXIT_ERROR)


@policy_app.command("schema")
def policy_schema(output: OutputOpt = None) -> None:
    """Print the policy file's JSON Schema (for editors)."""
    from slametrics.policy import policy_json_schema

    emit(json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n", output)
