"""`slametrics mapping validate|schema`: check mapping files, print their JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from slametrics.cli.app import HELP_OPTIONS, FlagGroup, Typer, app
from slametrics.cli.options import OutputOpt, console, emit
from slametrics.errors import EXIT_ERROR, SlametricsError

mapping_app = Typer(
    help="Validate a mapping file or print its JSON Schema.",
    no_args_is_help=True,
    cls=FlagGroup,
    context_settings=HELP_OPTIONS,
)
app.add_typer(mapping_app, name="mapping")


@mapping_app.command("validate")
def mapping_validate(
    files: Annotated[list[Path], typer.Argument(help="Mapping YAML files.")],
) -> None:
    """Validate mapping files; errors name the key and what is allowed.

    Keys without effect where they stand are warnings (stderr). Exit 2 when any file is
    invalid; every file is checked.
    """
    from slametrics.importers.options import load_mapping
    from slametrics.mapping_schema import mapping_errors, mapping_warnings

    out, err = console(), console(stderr=True)
    invalid = 0
    for file in files:
        try:
            m = load_mapping(file)
        except SlametricsError as exc:
            err.print(f"error: {exc}", markup=False, style="red")
            invalid += 1
            continue
        errors = mapping_errors(m)
        for message in errors:
            err.print(f"error: {file}: {message}", markup=False, style="red")
        invalid += bool(errors)
        if not errors:
            out.print(f"{file}: valid ({_summary(m)})", markup=False)
        for warning in mapping_warnings(m):
            err.print(f"warning: {file}: {warning}", markup=False)
    if invalid:
        raise typer.Exit(EXIT_ERROR)


def _summary(m) -> str:  # noqa: ANN001 (a ColumnMapping, imported lazily)
    importer = m.importer or ("csv" if m.is_column_map() else "the detected vendor importer")
    parts = [f"for {importer}", f"layout {m.layout}"]
    parts.append(f"{len(m.columns)} column(s)")
    if m.event_mapping is not None:
        parts.append(f"{len(m.event_mapping.events)} activity entries")
    parts.append(f"{len(m.statuses)} status(es)")
    if m.headers:
        parts.append(f"{len(m.headers)} header translation(s)")
    return "; ".join(parts)


@mapping_app.command("schema")
def mapping_schema(output: OutputOpt = None) -> None:
    """Print the mapping file's JSON Schema (for editors)."""
    from slametrics.mapping_schema import mapping_json_schema

    emit(json.dumps(mapping_json_schema(), indent=2, ensure_ascii=False) + "\n", output)
