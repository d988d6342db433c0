"""The canonical event log: declared pyarrow schemas for `tickets` and `events`, and their validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from slametrics.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

STATUS_CLASSES = (
    "new",
    "open",
    "waiting_customer",
    "waiting_third_party",
    "on_hold",
    "resolved",
    "closed",
    "canceled",
)
DONE_CLASSES = ("resolved", "closed", "canceled")
EVENT_TYPES = (
    "created",
    "status",
    "agent_reply",
    "customer_reply",
    "note",
    "assigned",
    "priority",
    "resolved",
    "reopened",
    "closed",
)
ACTORS = ("agent", "customer", "system")
FIDELITIES = ("history", "snapshot")

TS = pa.timestamp("us", tz="UTC")
# large strings: pandas keeps text columns as large_string, so the log's tables convert to and
# from pandas without copying every cell (Parquet stores both string types the same way)
TEXT = pa.large_string()

# One row per source + ticket_id, latest known attributes (DESIGN §3).
TICKET_FIELDS: list[tuple[str, pa.DataType, str]] = [
    ("source", TEXT, "Name of the helpdesk or export the ticket came from"),
    ("ticket_id", TEXT, "Ticket identifier in the source system"),
    ("created_at", TS, "When the ticket was created (clock start)"),
    ("updated_at", TS, "Latest change known for the ticket; decides which import wins"),
    ("subject", TEXT, "Ticket subject / summary"),
    ("type", TEXT, "Raw ticket type as the source names it"),
    ("kind", TEXT, "incident, consultation, change, improvement or other"),
    ("priority", TEXT, "Priority as last known (raw value)"),
    ("channel", TEXT, "Channel the ticket came in through"),
    ("organization", TEXT, "Customer organization"),
    ("requester", TEXT, "Requester name or address"),
    ("assignee", TEXT, "Assigned agent"),
    ("group", TEXT, "Assigned group / team"),
    ("category", TEXT, "Category"),
    ("service", TEXT, "Service / configuration item"),
    ("status", TEXT, "Raw status as last known"),
    ("status_class", TEXT, "Status class of the last known status"),
    ("first_response_at", TS, "First public agent reply as recorded by the source"),
    ("resolved_at", TS, "Resolution time as recorded by the source"),
    ("closed_at", TS, "Closing time as recorded by the source"),
    ("agent_replies", pa.int64(), "Count of public agent replies as recorded by the source"),
    ("reopens", pa.int64(), "Count of reopens as recorded by the source"),
    ("csat", pa.float64(), "Customer satisfaction score"),
    ("due_at", TS, "Due date as the source records it (its SLA due times: vendor_*_due_at)"),
    ("vendor_first_response_met", pa.bool_(), "The source's own first-response SLA verdict"),
    ("vendor_first_response_due_at", TS, "When the source's own first-response SLA falls due"),
    ("vendor_resolution_met", pa.bool_(), "The source's own resolution SLA verdict"),
    ("vendor_resolution_due_at", TS, "When the source's own resolution SLA falls due"),
    ("fidelity", TEXT, "history (status/reply history known) or snapshot"),
    ("time_spent_s", pa.float64(), "Time spent by agents, seconds"),
    ("tags", pa.list_(pa.string()), "Tags"),
    ("extra", pa.map_(pa.string(), pa.string()), "Remaining source columns"),
]

# One row per change (DESIGN §3). `status_class` and `seq` extend the design's columns:
# the class is resolved at import time so that the engine never needs the vendor mapping,
# and `seq` keeps the source order of events that share a timestamp.
EVENT_FIELDS: list[tuple[str, pa.DataType, str]] = [
    ("source", TEXT, "Name of the helpdesk or export"),
    ("ticket_id", TEXT, "Ticket identifier in the source system"),
    ("at", TS, "When the change happened"),
    ("event", TEXT, "One of EVENT_TYPES"),
    ("value", TEXT, "New status / priority / assignee (raw)"),
    ("status_class", TEXT, "Status class after a status-changing event, else null"),
    ("actor", TEXT, "agent, customer or system"),
    ("public", pa.bool_(), "Whether a reply or note was visible to the customer"),
    ("seq", pa.int64(), "Source order among events of one ticket with the same timestamp"),
]

TICKETS_SCHEMA = pa.schema([pa.field(n, t) for n, t, _ in TICKET_FIELDS])
EVENTS_SCHEMA = pa.schema([pa.field(n, t) for n, t, _ in EVENT_FIELDS])
TICKET_COLUMNS = [n for n, _, _ in TICKET_FIELDS]
EVENT_COLUMNS = [n for n, _, _ in EVENT_FIELDS]
TICKET_KEY = ["source", "ticket_id"]
# seq is part of the key so that A -> B -> A within one timestamp keeps both A's
EVENT_KEY = ["source", "ticket_id", "at", "event", "value", "actor", "public", "seq"]

_ENUMS = {
    "tickets": {"status_class": STATUS_CLASSES, "fidelity": FIDELITIES},
    "events": {"event": EVENT_TYPES, "actor": ACTORS, "status_class": STATUS_CLASSES},
}
_REQUIRED = {
    "tickets": ("source", "ticket_id", "created_at", "fidelity"),
    "events": ("source", "ticket_id", "at", "event"),
}


def empty_frame(schema: pa.Schema) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of `schema`."""
    return schema.empty_table().to_pandas()


def to_table(df: pd.DataFrame, schema: pa.Schema, name: str) -> pa.Table:
    """Conform `df` to `schema` (missing columns become nulls) and check the declared invariants.

    Raises UserError (an importer bug, not a data problem) when a required column has nulls or a
    categorical column holds a value outside its enumeration.
    """
    import pandas as pd

    df = df.copy(deep=False)  # only columns are added: the caller's frame stays as it was
    df.attrs = {}  # an importer's side notes (e.g. which updated_at it derived) are not stored
    for field in schema:
        if field.name not in df.columns:
            df[field.name] = None
    df = df[[f.name for f in schema]]
    # a text column held as a categorical stays dictionary-encoded: the Parquet writer stores
    # it as is, and readers get plain text back (`read_log` reads with the declared schema)
    fields = [
        f.with_type(pa.dictionary(pa.int32(), f.type))
        if f.type == pa.large_string()
        and isinstance(df[f.name].dtype, pd.CategoricalDtype)
        and pd.api.types.is_string_dtype(df[f.name].cat.categories)
        else f
        for f in schema
    ]
    table = pa.Table.from_pandas(
        df, schema=pa.schema(fields, metadata=schema.metadata), preserve_index=False, safe=False
    )
    for col in _REQUIRED[name]:
        nulls = table.column(col).null_count
        if nulls:
            raise UserError(f"{name}: column {col!r} has {nulls} null value(s); it is required")
    for col, allowed in _ENUMS[name].items():
        column = table.column(col)
        if pa.types.is_dictionary(column.type):
            # the dictionaries first: only a value outside `allowed` needs its rows looked at
            words = {v for chunk in column.chunks for v in chunk.dictionary.to_pylist()}
            if words <= set(allowed):
                continue
        values = set(column.drop_null().unique().to_pylist())
        bad = sorted(values - set(allowed))
        if bad:
            raise UserError(
                f"{name}: column {col!r} has value(s) {bad}; allowed: {', '.join(allowed)}"
            )
    return table


# pandas dtypes of events made from Arrow, stated rather than taken from the table's pandas
# metadata (which records how the writing frame held each column: text may have been codes)
# (built on first use, so that importing the schema does not import pandas)
def __getattr__(name: str) -> object:
    if name == "EVENT_DTYPES":
        import pandas as pd

        dtypes = {pa.large_string(): pd.StringDtype("pyarrow"), pa.bool_(): pd.BooleanDtype()}
        globals()["EVENT_DTYPES"] = dtypes
        return dtypes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plain_text(table: pa.Table) -> pa.Table:
    """`table` with dictionary-encoded columns decoded to their value type (as declared)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            column = pc.cast(table.column(i), field.type.value_type)
            table = table.set_column(i, field.with_type(field.type.value_type), column)
    return table


def validate_tickets(df: pd.DataFrame) -> pa.Table:
    """Validate a tickets frame against TICKETS_SCHEMA and return it as an Arrow table."""
    return to_table(df, TICKETS_SCHEMA, "tickets")


def validate_events(df: pd.DataFrame) -> pa.Table:
    """Validate an events frame against EVENTS_SCHEMA and return it as an Arrow table."""
    return to_table(df, EVENTS_SCHEMA, "events")
