"""The importer registry: names to importer classes, and detection of a file's format."""

from __future__ import annotations

import importlib

from slametrics.errors import UnknownImporter, UserError
from slametrics.importers.base import Importer, ImportOptions, ImportResult
from slametrics.importers.io import InputFile

# name -> "module:Class"; modules are imported lazily so one broken importer cannot break the rest.
IMPORTERS: dict[str, str] = {
    "csv": "slametrics.importers.generic_csv:GenericCsvImporter",
    "zendesk": "slametrics.importers.zendesk:ZendeskImporter",
    "jira": "slametrics.importers.jira:JiraImporter",
    "freshdesk": "slametrics.importers.freshdesk:FreshdeskImporter",
    "servicenow": "slametrics.importers.servicenow:ServiceNowImporter",
}


def get_importer(name: str) -> type[Importer]:
    """The importer class registered as `name`; unknown names list the valid ones."""
    if name not in IMPORTERS:
        raise UnknownImporter(name, sorted(IMPORTERS))
    module, _, cls = IMPORTERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def detect_importer(f: InputFile) -> str:
    """The registered importer most confident that `f` is its format."""
    scores = {name: get_importer(name).detect(f) for name in IMPORTERS}
    best = max(scores, key=lambda n: scores[n])
    if scores[best] <= 0:
        raise UserError(
            f"{f.name}: format not recognized from its header/keys; name it with --format "
            f"({', '.join(sorted(IMPORTERS))}) or give a --mapping file for the csv importer"
        )
    return best


__all__ = [
    "IMPORTERS",
    "Importer",
    "ImportOptions",
    "ImportResult",
    "get_importer",
    "detect_importer",
]
