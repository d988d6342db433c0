"""The importers by name, with what they read: light (no pandas), for `formats` and `--help`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

from slametrics.errors import UnknownImporter

if TYPE_CHECKING:
    from slametrics.importers.base import Importer


class ImporterInfo(NamedTuple):
    """One importer as `slametrics formats` lists it; its class reads these (one copy)."""

    name: str
    target: str  # "module:Class", imported only when the importer is used
    description: str
    fidelity: str
    files: tuple[str, ...]  # the file kinds it reads (suffixes)


_TABULAR = (".csv", ".tsv", ".txt", ".xlsx", ".xls")
_JSON = (".json", ".ndjson", ".jsonl")

IMPORTER_INFO: dict[str, ImporterInfo] = {
    info.name: info
    for info in (
        ImporterInfo(
            "csv",
            "slametrics.importers.generic_csv:GenericCsvImporter",
            "canonical tickets.csv (+ events.csv), or any CSV or JSON/NDJSON records with "
            "--mapping FILE",
            "history if events.csv is given, else snapshot",
            _TABULAR + _JSON,
        ),
        ImporterInfo(
            "zendesk",
            "slametrics.importers.zendesk:ZendeskImporter",
            "Zendesk tickets API / incremental export pages (JSON/NDJSON, with sideloads), "
            "audits, ticket_events, ticket_metric_events; admin CSV export",
            "history with audits / ticket_events, else snapshot",
            _JSON + _TABULAR,
        ),
        ImporterInfo(
            "jira",
            "slametrics.importers.jira:JiraImporter",
            "Jira Service Management REST issue JSON/NDJSON (expand=changelog); CSV export",
            "history with a changelog, else snapshot",
            _JSON + _TABULAR,
        ),
        ImporterInfo(
            "freshdesk",
            "slametrics.importers.freshdesk:FreshdeskImporter",
            "Freshdesk ticket CSV export (English, Spanish or Russian headers) or API ticket JSON",
            "snapshot",
            _TABULAR + _JSON,
        ),
        ImporterInfo(
            "servicenow",
            "slametrics.importers.servicenow:ServiceNowImporter",
            "ServiceNow update-snapshot log (history), incident list CSV or JSON (JSONv2, Table "
            "API; snapshot), task_sla CSV",
            "history (update log) / snapshot (list export)",
            _TABULAR + _JSON,
        ),
    )
}

# name -> "module:Class"; modules are imported lazily so one broken importer cannot break the rest
IMPORTERS: dict[str, str] = {name: info.target for name, info in IMPORTER_INFO.items()}


def get_importer(name: str) -> type[Importer]:
    """The importer class registered as `name`; unknown names list the valid ones."""
    if name not in IMPORTERS:
        raise UnknownImporter(name, sorted(IMPORTERS))
    module, _, cls = IMPORTERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)
