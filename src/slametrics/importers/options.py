"""Option resolution for importers (CLI > --mapping file > vendor default) and the mapping file."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from slametrics.errors import UserError, check_timezone
from slametrics.importers.base import ImportOptions
from slametrics.mapping_schema import EVENT_FIELDS, ColumnMapping, Effect, EventMapping


def load_mapping(path: Path) -> ColumnMapping:
    """Read a column-map YAML file; errors name the file and the bad key."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
    except FileNotFoundError:
        raise UserError(f"mapping file not found: {path}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read mapping file {path}: {exc}") from None
    try:
        mapping = ColumnMapping.model_validate(data)
    except ValidationError as exc:
        errs = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '<top>'}: {e['msg']}" for e in exc.errors()
        )
        raise UserError(f"invalid mapping file {path}: {errs}") from None
    check_timezone(mapping.timezone, f"mapping file {path}: timezone")
    return mapping


def timezone_and_source(
    options: ImportOptions, mapping: ColumnMapping | None, *, default_tz: str, default_source: str
) -> tuple[str, str]:
    """(timezone, source name): the command line's, else the mapping's, else the defaults."""
    tz = options.tz or (mapping.timezone if mapping else None) or default_tz
    source = options.source or (mapping.source if mapping and mapping.source else default_source)
    return tz, source


def mapping_options(
    options: ImportOptions, *, statuses: dict[str, str], default_tz: str, default_source: str
) -> tuple[str, dict[str, str], str]:
    """(timezone, status classes, source name): the command line's, else the --mapping file's,
    else the importer's; the mapping's statuses override the importer's `statuses`."""
    mapping = load_mapping(options.mapping) if options.mapping else None
    tz, source = timezone_and_source(
        options, mapping, default_tz=default_tz, default_source=default_source
    )
    overrides = {**statuses, **(mapping.statuses if mapping else {})}
    return tz, overrides, source


def status_overrides(options: ImportOptions) -> tuple[dict[str, str], str | None]:
    """Status-to-class overrides and timezone from a --mapping file, if one was given."""
    if options.mapping is None:
        return {}, None
    mapping = load_mapping(options.mapping)
    return dict(mapping.statuses), mapping.timezone


__all__ = [
    "EVENT_FIELDS",
    "ColumnMapping",
    "Effect",
    "EventMapping",
    "load_mapping",
    "mapping_options",
    "status_overrides",
    "timezone_and_source",
]
