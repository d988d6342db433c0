"""The SLA policy: pydantic models (unknown keys rejected), durations, and a loader with path-aware errors."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from slametrics.errors import PolicyError, UserError
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
ClockName = Literal["first_response", "resolution"]
CLOCK_NAMES: tuple[str, ...] = ("first_response", "resolution")
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
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_KINDS: dict[str, list[str]] = {
    "incident": ["incident", "problem", "[System] Incident", "bug", "outage"],
    "consultation": ["question", "consultation", "how-to", "request for information"],
    "change": ["task", "service request", "change", "service_request", "[System] Service request"],
    "improvement": ["feature request", "improvement", "new feature", "enhancement"],
}

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)")
_UNIT_S = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: Any) -> int:
    """Seconds in a duration such as `15m`, `4h`, `1h30m`, `2d` or a bare number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"duration must not be negative: {value!r}")
        return int(value)
    text = str(value).strip().lower().replace(" ", "")
    if text.isdigit():
        return int(text)
    pos, total = 0, 0.0
    for m in _DURATION_RE.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_S[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"not a duration: {value!r} (examples: 90s, 15m, 4h, 1h30m, 2d, 1w)")
    return int(round(total))


Duration = Annotated[int, BeforeValidator(parse_duration)]


def _parse_clock(text: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise ValueError(f"not a time of day: {text!r} (expected HH:MM)")
    seconds = int(m.group(1)) * 3600 + int(m.group(2)) * 60
    if seconds > 86400:
        raise ValueError(f"time of day after 24:00: {text!r}")
    return seconds


def parse_windows(text: str) -> list[tuple[int, int]]:
    """Windows such as `09:00-13:00,14:00-18:00` as (start, end) seconds after local midnight."""
    windows = []
    for part in str(text).split(","):
        if not part.strip():
            continue
        if "-" not in part:
            raise ValueError(f"not a time window: {part!r} (expected HH:MM-HH:MM)")
        a, b = part.split("-", 1)
        start, end = _parse_clock(a), _parse_clock(b)
        if end <= start:
            raise ValueError(f"window ends before it starts: {part.strip()!r}")
        windows.append((start, end))
    return windows


def parse_days(text: str) -> list[int]:
    """Weekday numbers (Monday = 0) in `mon-fri`, `sat,sun` or `mon`."""
    days: list[int] = []
    for part in str(text).lower().split(","):
        part = part.strip()
        if "-" in part:
            a, b = (p.strip()[:3] for p in part.split("-", 1))
            if a not in WEEKDAYS or b not in WEEKDAYS:
                raise ValueError(f"unknown weekday range {part!r}; use {', '.join(WEEKDAYS)}")
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            days.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        else:
            if part[:3] not in WEEKDAYS:
                raise ValueError(f"unknown weekday {part!r}; use {', '.join(WEEKDAYS)}")
            days.append(WEEKDAYS.index(part[:3]))
    return days


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


class BusinessCalendar(Strict):
    """Working windows per weekday, holidays and transferred working days."""

    hours: dict[str, str] = Field(
        description='Weekday ranges to windows, e.g. {"mon-fri": "09:00-13:00,14:00-18:00"}'
    )
    holidays: HolidaySource | None = None
    extra_holidays: list[dt.date] = Field(default_factory=list)
    extra_workdays: list[dt.date] = Field(
        default_factory=list, description="Weekend dates worked with Monday's windows"
    )

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, v: dict[str, str]) -> dict[str, str]:
        for days, windows in v.items():
            parse_days(days)
            parse_windows(windows)
        return v

    def weekday_windows(self) -> dict[int, list[tuple[int, int]]]:
        """Windows for each weekday (Monday = 0); later keys add to earlier ones."""
        out: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
        for days, windows in self.hours.items():
            for d in parse_days(days):
                out[d].extend(parse_windows(windows))
        return out


Calendar = Literal["24x7"] | BusinessCalendar


class ClockSpec(Strict):
    pause_on: list[StatusClass] = Field(default_factory=list)
    reopen: Literal["resume", "first"] = "resume"


def _default_clocks() -> dict[str, ClockSpec]:
    return {
        "first_response": ClockSpec(),
        "resolution": ClockSpec(pause_on=["waiting_customer", "waiting_third_party"]),
    }


class TargetRule(Strict):
    """First matching rule wins; `match` keys are ticket fields, values the accepted raw values."""

    match: dict[str, list[str] | str] = Field(default_factory=dict)
    calendar: str
    first_response: Duration | None = None
    resolution: Duration | None = None
    resolution_due_from_source: bool = Field(
        False,
        description="Use each ticket's recorded due_at as its resolution target (working time "
        "from creation to due_at); tickets without due_at get no resolution clock",
    )

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


class RepeatIncidents(Strict):
    key: list[str] = Field(default_factory=lambda: ["organization", "category"])
    window: Duration = 30 * 86400


class FirstContactResolution(Strict):
    max_agent_replies: int = Field(1, ge=0)
    exclude_reopened: bool = True


class Threshold(Strict):
    metric: MetricName
    min: float | None = None
    max: float | None = None
    clock: ClockName | None = None
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
    clocks: dict[ClockName, ClockSpec] = Field(default_factory=_default_clocks)
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
        return self

    def clock(self, name: str) -> ClockSpec:
        return self.clocks.get(name, _default_clocks()[name])  # type: ignore[index]


def _format_error(err: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("function-", "literal[")))
    msg = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return f"{loc}: {msg}{shown}" if loc else msg


def parse_policy(data: Any, path: str = "<policy>") -> Policy:
    """Validate already-loaded YAML data as a Policy; errors name the key path and bad value."""
    if not isinstance(data, dict):
        raise PolicyError(path, ["<top>: the policy must be a mapping of keys to values"])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        seen, messages = set(), []
        for err in exc.errors():
            text = _format_error(err)
            if text not in seen:
                seen.add(text)
                messages.append(text)
        raise PolicyError(path, messages) from exc


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy YAML file (safe loader only)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"policy file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read policy file {p}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(str(p), [f"not valid YAML: {exc}"]) from None
    return parse_policy(data, str(p))


def policy_json_schema() -> dict[str, Any]:
    """JSON Schema of the policy file, for editors."""
    schema = Policy.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "slametrics SLA policy"
    return schema


assert set(STATUS_CLASSES) == set(StatusClass.__args__)  # type: ignore[attr-defined]
