"""`slametrics policy validate|schema`: check a policy file, print its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from slametrics.cli.app import policy_app
from slametrics.cli.options import OutputOpt, console, emit
from slametrics.policy import load_policy, policy_json_schema


@policy_app.command("validate")
def policy_validate(file: Annotated[Path, typer.Argument(help="Policy YAML file.")]) -> None:
    """Validate a policy file; errors name the key path, the bad value and what is allowed."""
    p = load_policy(file)
    console().print(
        f"{file}: valid ({p.name}; {len(p.calendars)} calendar(s), "
        f"{len(p.targets)} target rule(s), {len(p.thresholds)} threshold(s))",
        markup=False,
    )


@policy_app.command("schema")
def policy_schema(output: OutputOpt = None) -> None:
    """Print the policy file's JSON Schema (for editors)."""
    emit(json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n", output)
