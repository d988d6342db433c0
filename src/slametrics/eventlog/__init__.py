"""The Parquet event log on disk: snapshots, buckets, the import lock, merging imports, history."""

from slametrics.eventlog.buckets import (
    BUCKET_TICKETS,
    LAYOUT_FILE,
    bucket_count,
    bucket_files,
    snapshot_files,
    ticket_buckets,
)
from slametrics.eventlog.history import IMPORTS_FILE, import_totals, record_import
from slametrics.eventlog.merge import MergeStats, fill_updated_at, is_ordered, merge_into_log
from slametrics.eventlog.snapshots import (
    CODES_FILE,
    CURRENT_FILE,
    EVENTS_FILE,
    TICKETS_FILE,
    EventLog,
    LogFiles,
    is_event_log,
    locked,
    read_log,
    read_tables,
    snapshot_dir,
    write_codes,
    write_snapshot,
)

__all__ = [
    "BUCKET_TICKETS",
    "LAYOUT_FILE",
    "LogFiles",
    "bucket_count",
    "bucket_files",
    "fill_updated_at",
    "read_tables",
    "snapshot_files",
    "ticket_buckets",
    "write_snapshot",
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
