"""The mapping file (YAML) as a pydantic model: column maps, statuses, activity effects, headers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from slametrics.schema import ACTORS, EVENT_TYPES, STATUS_CLASSES, TICKET_COLUMNS

EVENT_FIELDS = ("ticket_id", "at", "event", "value", "actor", "public")
# the event types an activity's effect may produce (`created` comes from the first row anyway)
EFFECT_EVENTS = tuple(e for e in EVENT_TYPES)
STATUS_LIKE_EVENTS = ("status", "created", "reopened", "resolved", "closed")
REOPEN_RULES = ("status", "repeated_resolution")

Column = str | list[str]


class Effect(BaseModel):
    """One event an activity produces: its type, and where its value and status come from."""

    model_config = ConfigDict(extra="forbid")
    event: str = Field(description="canonical event type: " + ", ".join(EFFECT_EVENTS))
    status: str | None = Field(
        None,
        description="raw status this event sets (mapped through `statuses:`); a status event "
        "without one takes the row's status column, else the activity's name",
    )
    value: str | None = Field(None, description="a constant value for the event")
    value_from: str | None = Field(
        None, description="the column whose cell is the event's value (an assignment's group)"
    )
    actor: Literal["agent", "customer", "system"] | None = None
    public: bool | None = None

    @field_validator("event")
    @classmethod
    def _known_event(cls, v: str) -> str:
        if v not in EFFECT_EVENTS:
            raise ValueError(f"unknown event type {v!r}; one of {', '.join(EFFECT_EVENTS)}")
        return v

    @model_validator(mode="after")
    def _one_value_source(self) -> Effect:
        if self.value is not None and self.value_from is not None:
            raise ValueError("give `value` or `value_from`, not both")
        if self.status is not None and self.event not in STATUS_LIKE_EVENTS:
            raise ValueError(f"`status` is for status-changing events, not {self.event!r}")
        return self


EffectSpec = str | Effect | list[str | Effect]


class EventMapping(BaseModel):
    """How rows of an activity log (`layout: events`) become canonical events."""

    model_config = ConfigDict(extra="forbid")
    columns: dict[str, Column] = Field(
        default_factory=dict, description="event field (event = the activity column) -> column"
    )
    events: dict[str, EffectSpec] = Field(
        default_factory=dict,
        description="activity -> event type, an effect, or a list of effects",
    )
    default_event: str = Field(
        "note",
        description="event type of an activity listed neither in `events` nor in `statuses` "
        "(`status` treats it as a status named after the activity)",
    )
    reopen_on: Literal["status", "repeated_resolution"] | list[str] = Field(
        "status",
        description="`status`: any move out of resolved/closed reopens; `repeated_resolution`: "
        "only a move followed by another resolution; a list: only these activities reopen",
    )

    @field_validator("events")
    @classmethod
    def _known_events(cls, v: dict[str, EffectSpec]) -> dict[str, EffectSpec]:
        for activity, spec in v.items():
            for e in spec if isinstance(spec, list) else [spec]:
                if isinstance(e, str) and e not in EFFECT_EVENTS:
                    raise ValueError(
                        f"{activity!r}: unknown event type {e!r}; one of {', '.join(EFFECT_EVENTS)}"
                    )
        return v

    @field_validator("default_event")
    @classmethod
    def _known_default(cls, v: str) -> str:
        if v not in EFFECT_EVENTS:
            raise ValueError(f"unknown event type {v!r}; one of {', '.join(EFFECT_EVENTS)}")
        return v

    def effects(self) -> dict[str, list[Effect]]:
        """Each listed activity's effects, as a list of `Effect`s."""
        out = {}
        for activity, spec in self.events.items():
            items = spec if isinstance(spec, list) else [spec]
            out[activity] = [Effect(event=e) if isinstance(e, str) else e for e in items]
        return out


class ColumnMapping(BaseModel):
    """A mapping file: a column map for the csv importer (CSV, JSON/NDJSON records or an
    activity log), or header and status translations for a vendor importer."""

    model_config = ConfigDict(extra="forbid")
    importer: str | None = Field(
        None, description="the importer this mapping is for (csv by default when it maps columns)"
    )
    source: str | None = None
    layout: Literal["tickets", "events"] = "tickets"
    timezone: str | None = None
    timestamp_format: str | None = None
    dayfirst: bool = False
    ignore_offsets: bool = Field(
        False,
        description="drop UTC offsets written in the timestamps (conversion artifacts) and read "
        "the wall clock in `timezone`",
    )
    null_values: list[str] | None = Field(None, description="cells read as empty")
    columns: dict[str, Column] = Field(
        default_factory=dict,
        description="canonical field -> column, or a list of columns joined with `separator`",
    )
    separator: str = Field("/", description="joins the cells of a combined column")
    constants: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="canonical field -> the same value for every row"
    )
    values: dict[str, dict[str, str | bool | int | float]] = Field(default_factory=dict)
    statuses: dict[str, str] = Field(default_factory=dict, description="raw status -> class")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="vendor importers: the file's header -> the vendor's English header",
    )
    event_mapping: EventMapping | None = None

    @field_validator("statuses")
    @classmethod
    def _known_classes(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted({c for c in v.values() if c not in STATUS_CLASSES})
        if bad:
            raise ValueError(f"unknown status class(es) {bad}; one of {', '.join(STATUS_CLASSES)}")
        return v

    @model_validator(mode="after")
    def _known_fields(self) -> ColumnMapping:
        allowed = set(TICKET_COLUMNS) | set(EVENT_FIELDS)
        for key in ("columns", "constants"):
            unknown = sorted(set(getattr(self, key)) - allowed)
            if unknown:
                raise ValueError(
                    f"{key}: unknown canonical field(s) {unknown}; allowed: "
                    + ", ".join(TICKET_COLUMNS)
                )
        if self.event_mapping is not None:
            unknown = sorted(set(self.event_mapping.columns) - set(EVENT_FIELDS))
            if unknown:
                raise ValueError(
                    f"event_mapping.columns: unknown event field(s) {unknown}; allowed: "
                    + ", ".join(EVENT_FIELDS)
                )
        return self

    def is_column_map(self) -> bool:
        """Whether it describes columns for the csv importer (not only vendor translations)."""
        return bool(self.columns or self.constants or self.event_mapping or self.layout == "events")


def mapping_errors(m: ColumnMapping) -> list[str]:
    """What makes a well-formed mapping unusable for an import (as the import would say)."""
    errors = []
    if m.layout == "events":
        em = m.event_mapping or EventMapping()
        cols = {**m.columns, **em.columns}
        if "ticket_id" not in cols or "at" not in cols:
            errors.append("layout events needs columns for ticket_id and at")
        if "event" not in cols and "status" not in cols:
            errors.append(
                "layout events needs the activity column (event_mapping.columns.event) or a "
                "status column (columns.status)"
            )
    elif m.is_column_map() and not {"ticket_id", "created_at"} <= set(m.columns):
        errors.append("a tickets mapping needs columns for ticket_id and created_at")
    return errors


def mapping_warnings(m: ColumnMapping) -> list[str]:
    """Keys that have no effect where they stand, and activities that can never match."""
    warnings = []
    em = m.event_mapping
    if em is not None and m.layout != "events":
        warnings.append("event_mapping is only read with layout: events; it is ignored here")
    if m.headers and m.is_column_map():
        warnings.append("headers apply to vendor importers; the csv importer reads `columns:`")
    folded = [k.strip().lower() for k in m.statuses]
    dupes = sorted({k for k in folded if folded.count(k) > 1})
    if dupes:
        warnings.append(f"statuses listed twice (case-insensitively): {dupes}; the last wins")
    if em is not None and isinstance(em.reopen_on, list):
        listed = {a.strip().lower(): effects for a, effects in em.effects().items()}
        for activity in em.reopen_on:
            effects = listed.get(activity.strip().lower())
            if effects is not None and not any(e.event in ("reopened", "status") for e in effects):
                warnings.append(
                    f"reopen_on names {activity!r}, whose events change no status: it can "
                    "never reopen a ticket"
                )
    return warnings


def mapping_json_schema() -> dict:
    """The JSON Schema of mapping files (for editors and `mapping schema`)."""
    schema = ColumnMapping.model_json_schema()
    schema["title"] = "slametrics mapping"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


__all__ = [
    "ACTORS",
    "ColumnMapping",
    "Effect",
    "EventMapping",
    "mapping_errors",
    "mapping_json_schema",
    "mapping_warnings",
]
