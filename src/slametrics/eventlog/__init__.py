"""The Parquet event log on disk: snapshots, the import lock, merging imports, import history."""

from slametrics.eventlog.history import IMPORTS_FILE, import_totals, record_import
from slametrics.eventlog.merge import MergeStats, is_ordered, merge_into_log
from slametrics.eventlog.snapshots import (
    CODES_FILE,
    CURRENT_FILE,
    EVENTS_FILE,
    TICKETS_FILE,
    EventLog,
    is_event_log,
    locked,
    read_log,
    snapshot_dir,
    write_codes,
)

__all__ = [
    "CODES_FILE",
    "CURRENT_FILE",
    "EVENTS_FILE",
    "IMPORTS_FILE",
    "TICKETS_FILE",
    "EventLog",
    "MergeStats",
    "import_totals",
    "is_event_log",
    "is_ordered",
    "locked",
    "merge_into_log",
    "read_log",
    "record_import",
    "snapshot_dir",
    "write_codes",
]
