"""The library facade the CLI calls: import, metrics, tickets, check, report, explain, audit.

Functions take and return data; they never print or exit.
"""

from slametrics.api.audit import AUDIT_COLUMNS, audit, audit_result, audit_suggest
from slametrics.api.contract import signals
from slametrics.api.explain import explain
from slametrics.api.imports import (
    ExportTables,
    Loaded,
    import_exports,
    load_source,
    read_export_tables,
    read_exports,
)
from slametrics.api.queries import (
    OUTCOME_CHOICES,
    TICKET_OUTPUT_COLUMNS,
    Query,
    check,
    metrics,
    period_clocks,
    report,
    report_pdf,
    tickets,
)
from slametrics.results import FileSummary, ImportSummary

__all__ = [
    "AUDIT_COLUMNS",
    "OUTCOME_CHOICES",
    "TICKET_OUTPUT_COLUMNS",
    "ExportTables",
    "FileSummary",
    "ImportSummary",
    "Loaded",
    "Query",
    "audit",
    "audit_result",
    "audit_suggest",
    "check",
    "explain",
    "import_exports",
    "load_source",
    "metrics",
    "period_clocks",
    "read_export_tables",
    "read_exports",
    "report",
    "report_pdf",
    "signals",
    "tickets",
]
