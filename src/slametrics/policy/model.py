"""The SLA policy model: pydantic models (unknown keys rejected); `policy.loading` reads it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from slametrics.policy.contract import Contract
from slametrics.policy.values import (
    DURATION_PATTERN,
    Duration,
    parse_days,
    parse_duration,
    parse_windows,
)
from slametrics.schema import STATUS_CLASSES, TICKET_COLUMNS

StatusClass = Literal[
    "new",
    "open",
    "waiting_customer",
    "waiting_third_party",
    "on_hold",
    "resolved",
    "closed",
    "canceled",
]
# the two clocks every policy has; `clocks:` may redefine them and declare clocks of its own
CLOCK_NAMES: tuple[str, ...] = ("first_response", "resolution")
CLOCK_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
MetricName = Literal[
    "on_time_share",
    "first_contact_resolution",
    "repeat_incident_rate",
    "reopen_rate",
    "waiting_on_customer",
    "created",
    "resolved",
    "open_at_end",
]
SHARE_METRICS: tuple[str, ...] = (
    "on_time_share",
    "first_contact_resolution",
    "repeat_incident_rate",
    "reopen_rate",
)
# editors flag a share bound outside [0, 1] (`min: 95`) before the loader does
SHARE_BOUNDS_SCHEMA: dict[str, Any] = {
    "if": {"properties": {"metric": {"enum": list(SHARE_METRICS)}}, "required": ["metric"]},
    "then": {
        "properties": {
            "min": {"minimum": 0, "maximum": 1},
            "max": {"minimum": 0, "maximum": 1},
        }
    },
}
DEFAULT_KINDS: dict[str, list[str]] = {
    "incident": ["incident", "problem", "[System] Incident", "bug", "outage"],
    "consultation": ["question", "consultation", "how-to", "request for information"],
    "change": ["task", "service request", "change", "service_request", "[System] Service request"],
    "improvement": ["feature request", "improvement", "new feature", "enhancement"],
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HolidaySource(Strict):
    """Public holidays from the `holidays` package."""

    country: str = Field(description="ISO 3166 country code, e.g. RU, US, DE")
    subdiv: str | None = Field(None, description="Subdivision (state / province) code")

    @field_validator("country")
    @classmethod
    def _known_country(cls, v: str) -> str:
        import holidays

        supported = holidays.list_supported_countries()
        if v.upper() not in supported:
            raise ValueError(f"unknown country {v!r}; see the `holidays` package's country codes")
        return v.upper()


def _valid_days(text: str) -> str:
    parse_days(text)
    return text


def _valid_windows(text: str) -> str:
    parse_windows(text)
    return text


# checked one by one, so that an error names its weekday key (`hours.mon`)
WeekdayRange = Annotated[str, AfterValidator(_valid_days)]
Windows = Annotated[str, AfterValidator(_valid_windows)]


class BusinessCalendar(Strict):
    """Working windows per weekday, holidays and transferred working days."""

    hours: dict[WeekdayRange, Windows] = Field(
        description='Weekday ranges to windows, e.g. {"mon-fri": "09:00-13:00,14:00-18:00"}; '
        'a window that ends before it starts ("22:00-06:00") runs into the next day and belongs '
        "to the day it starts (holidays included)"
    )
    holidays: HolidaySource | None = None
    extra_holidays: list[dt.date] = Field(default_factory=list)
    extra_workdays: list[dt.date] = Field(
        default_factory=list, description="Weekend dates worked with Monday's windows"
    )

    def weekday_windows(self) -> dict[int, list[tuple[int, int]]]:
        """Windows for each weekday (Monday = 0); later keys add to earlier ones."""
        out: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
        for days, windows in self.hours.items():
            for d in parse_days(days):
                out[d].extend(parse_windows(windows))
        return out


def _calendar_tag(value: Any) -> str:
    return "calendar-hours" if isinstance(value, dict | BusinessCalendar) else "calendar-24x7"


# tagged, so that a bad window is reported once, under its own key, not as "not 24x7" as well
Calendar = Annotated[
    Annotated[Literal["24x7"], Tag("calendar-24x7")]
    | Annotated[BusinessCalendar, Tag("calendar-hours")],
    Discriminator(_calendar_tag),
]


class ClockSpec(Strict):
    """A clock (DESIGN §6): it runs from `start_on` to the first lasting entry into `stop_on`.

    `first_response` stops at the first public agent reply (or a resolution, if earlier).
    """

    start_on: Literal["created"] | list[StatusClass] = Field(
        "created",
        description="`created`, or status classes: the clock starts at the first entry into one",
    )
    stop_on: list[StatusClass] = Field(
        default_factory=lambda: ["resolved", "closed"],
        description="Status classes whose entry stops the clock",
    )
    pause_on: list[StatusClass] = Field(default_factory=list)
    reopen: Literal["resume", "first"] = Field(
        "resume",
        description="resume: the last stop not followed by a reopen counts, the time between a "
        "stop and its reopen paused; first: the first stop counts",
    )

    @field_validator("stop_on")
    @classmethod
    def _stops(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("a clock needs at least one stop_on class, e.g. [resolved, closed]")
        return v


def _default_clocks() -> dict[str, ClockSpec]:
    return {
        "first_response": ClockSpec(),
        "resolution": ClockSpec(pause_on=["waiting_customer", "waiting_third_party"]),
    }


class MatchRule(Strict):
    """`match` keys are ticket fields, values the accepted raw values (trimmed, any case).

    A ticket matches when every field matches; a list field (tags) matches when any of its
    items is accepted.
    """

    match: dict[str, list[str] | str] = Field(default_factory=dict)

    @field_validator("match")
    @classmethod
    def _known_fields(cls, v: dict[str, list[str] | str]) -> dict[str, list[str] | str]:
        for key in v:
            if key not in TICKET_COLUMNS:
                raise ValueError(
                    f"unknown ticket field {key!r}; allowed: {', '.join(TICKET_COLUMNS)}"
                )
        return v

    def match_values(self) -> dict[str, list[str]]:
        return {
            k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in self.match.items()
        }


class TargetRule(MatchRule):
    """First matching rule wins; a rule without a target for a clock leaves it untargeted."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "additionalProperties": {
                "type": "string",
                "pattern": DURATION_PATTERN,
                "description": "The target of a clock declared under `clocks:`",
            }
        },
    )

    calendar: str
    first_response: Duration | None = None
    resolution: Duration | None = None
    resolution_due_from_source: bool = Field(
        False,
        description="Use each ticket's recorded due_at as its resolution target (working time "
        "from creation to due_at); tickets without due_at get no resolution clock",
    )

    @model_validator(mode="after")
    def _clock_targets(self) -> TargetRule:
        """Targets of declared clocks (extra keys) are durations; `Policy` checks the names."""
        for key, value in (self.model_extra or {}).items():
            if value is not None:
                try:
                    self.model_extra[key] = parse_duration(value)
                except ValueError as exc:
                    raise ValueError(f"{key}: {exc}") from None
        return self

    def target(self, clock: str) -> int | None:
        """The rule's target for `clock` in seconds (None: the clock is untargeted)."""
        if clock in ("first_response", "resolution"):
            return getattr(self, clock)
        return (self.model_extra or {}).get(clock)

    def targets_clock(self, clock: str) -> bool:
        """Whether the rule gives tickets a target for `clock`."""
        if clock == "resolution" and self.resolution_due_from_source:
            return True
        return self.target(clock) is not None


class ExcludeRule(MatchRule):
    """Tickets matching this rule are not judged at all (counted and listed as excluded)."""

    @field_validator("match")
    @classmethod
    def _not_everything(cls, v: dict[str, list[str] | str]) -> dict[str, list[str] | str]:
        if not v:
            raise ValueError("an exclude rule needs at least one field, e.g. {tags: [spam]}")
        return v


class RepeatIncidents(Strict):
    key: list[str] = Field(default_factory=lambda: ["organization", "category"])
    window: Duration = Field(30 * 86400, json_schema_extra={"default": "30d"})


class FirstContactResolution(Strict):
    max_agent_replies: int = Field(1, ge=0)
    exclude_reopened: bool = True


class Threshold(Strict):
    """A bound on a metric; shares are fractions in [0, 1], counts are counts."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=SHARE_BOUNDS_SCHEMA)

    metric: MetricName
    min: float | None = None
    max: float | None = None
    clock: str | None = None
    priority: str | None = None
    kind: str | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Threshold:
        if self.min is None and self.max is None:
            raise ValueError("a threshold needs `min` or `max`")
        return self

    @property
    def label(self) -> str:
        parts = [self.metric]
        for name in ("clock", "priority", "kind"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)}")
        return " ".join(parts)


class Policy(Strict):
    """An SLA contract: calendars, clocks, targets, metric options and thresholds."""

    version: Literal[1] = 1
    name: str = "SLA policy"
    timezone: str = "UTC"
    calendars: dict[str, Calendar] = Field(default_factory=lambda: {"always": "24x7"})
    kinds: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_KINDS))
    exclude: list[ExcludeRule] = Field(
        default_factory=list, description="Tickets not judged at all: any matching rule excludes"
    )
    clocks: dict[str, ClockSpec] = Field(
        default_factory=_default_clocks,
        description="first_response and resolution always exist; other names declare clocks",
    )
    target_priority: Literal["last", "at_start"] = Field(
        "last", description="Look targets up by the last known priority or the one at creation"
    )
    targets: list[TargetRule] = Field(default_factory=list)
    repeat_incidents: RepeatIncidents = Field(default_factory=RepeatIncidents)
    first_contact_resolution: FirstContactResolution = Field(default_factory=FirstContactResolution)
    trend_periods: int = Field(4, ge=0, le=52)
    critical_priorities: list[str] = Field(
        default_factory=lambda: ["urgent", "critical", "P1", "highest", "blocker", "1 - Critical"],
        description="Priorities whose incidents the report lists one by one",
    )
    thresholds: list[Threshold] = Field(default_factory=list)
    contract: Contract | None = Field(
        None, description="Volumes and money, support lines and behaviour signals (DESIGN §12)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown IANA timezone {v!r} (examples: UTC, Europe/Moscow)"
            ) from None
        return v

    @model_validator(mode="after")
    def _references(self) -> Policy:
        for i, rule in enumerate(self.targets):
            if rule.calendar not in self.calendars:
                raise ValueError(
                    f"targets.{i}.calendar: unknown calendar {rule.calendar!r}; "
                    f"defined: {', '.join(self.calendars)}"
                )
        for key in self.repeat_incidents.key:
            if key not in TICKET_COLUMNS:
                raise ValueError(f"repeat_incidents.key: unknown ticket field {key!r}")
        names = self.clock_names
        for name in self.clocks:
            if not re.fullmatch(CLOCK_NAME_PATTERN, name):
                raise ValueError(f"clocks.{name}: a clock name is lower case, e.g. closure")
        for i, rule in enumerate(self.targets):
            for key in rule.model_extra or {}:
                if key not in names:
                    raise ValueError(
                        f"targets.{i}.{key}: unknown clock {key!r}; declared clocks: "
                        f"{', '.join(names)} (declare it under `clocks:`)"
                    )
        for i, th in enumerate(self.thresholds):
            if th.clock is not None and th.clock not in names:
                raise ValueError(
                    f"thresholds.{i}.clock: unknown clock {th.clock!r}; declared clocks: "
                    f"{', '.join(names)}"
                )
        if self.contract is not None:
            labels = [th.label for th in self.thresholds]
            metrics = [th.metric for th in self.thresholds]
            problems = self.contract.credit_problems(labels, metrics)
            problems += self.contract.pricing_problems()
            if problems:
                raise ValueError("\n".join(problems))
        return self

    @property
    def clock_names(self) -> list[str]:
        """first_response, resolution, then the clocks the policy declares, in its order."""
        return [*CLOCK_NAMES, *(name for name in self.clocks if name not in CLOCK_NAMES)]

    @model_validator(mode="after")
    def _shares(self) -> Policy:
        problems = []
        for i, th in enumerate(self.thresholds):
            if th.metric not in SHARE_METRICS:
                continue
            for bound in ("min", "max"):
                value = getattr(th, bound)
                if value is not None and not 0 <= value <= 1:
                    pct = value / 100 if 1 < value <= 100 else 0.95
                    problems.append(
                        f"thresholds.{i}.{bound}: {th.metric} is a share, a fraction in [0, 1]: "
                        f"write e.g. {pct:g} for {pct * 100:g}% (got {value:g})"
                    )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def clock(self, name: str) -> ClockSpec:
        """The clock's definition: as declared, else the default of first_response/resolution."""
        return self.clocks.get(name) or _default_clocks()[name]


assert set(STATUS_CLASSES) == set(StatusClass.__args__)  # type: ignore[attr-defined]
