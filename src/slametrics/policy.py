"""The SLA policy: pydantic models (unknown keys rejected), a loader with path-aware errors, lint."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    WithJsonSchema,
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
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_KINDS: dict[str, list[str]] = {
    "incident": ["incident", "problem", "[System] Incident", "bug", "outage"],
    "consultation": ["question", "consultation", "how-to", "request for information"],
    "change": ["task", "service request", "change", "service_request", "[System] Service request"],
    "improvement": ["feature request", "improvement", "new feature", "enhancement"],
}

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(w|d|h|m|s)")
_UNIT_S = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
DURATION_PATTERN = r"^ *([0-9]+(\.[0-9]+)? *[wdhmsWDHMS] *)+$"
DURATION_UNITS = "units: s, m, h, d = 24 h of working time, w = 7 d"


def parse_duration(value: Any) -> int:
    """Seconds in a duration with a unit: `90s`, `15m`, `4h`, `1h30m`, `2d`, `1w`.

    `d` is 24 h and `w` 7 d of working time. A bare number (`4`, `"4"`, `4.0`) is an error:
    whether it meant seconds, minutes or hours cannot be told, so the message names the choices.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"not a duration: {value!r} (examples: 90s, 15m, 4h, 1h30m, 2d, 1w)")
    text = str(value).strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        n = f"{float(text):g}"
        raise ValueError(
            f"a duration needs a unit: write {n}h, {n}m or {n}s instead of the bare number "
            f"{value!r} ({DURATION_UNITS})"
        )
    pos, total = 0, 0.0
    for m in _DURATION_RE.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_S[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"not a duration: {value!r} (examples: 90s, 15m, 4h, 1h30m, 2d, 1w)")
    return int(round(total))


def duration_schema() -> WithJsonSchema:
    """The JSON Schema of a duration: a string with a unit (what the YAML holds, not seconds)."""
    return WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": f"A duration with a unit, e.g. 15m, 4h, 1h30m, 3d ({DURATION_UNITS})",
        }
    )


Duration = Annotated[int, BeforeValidator(parse_duration), duration_schema()]


def _parse_clock(text: str) -> int:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise ValueError(f"not a time of day: {text!r} (expected HH:MM)")
    seconds = int(m.group(1)) * 3600 + int(m.group(2)) * 60
    if seconds > 86400:
        raise ValueError(f"time of day after 24:00: {text!r}")
    return seconds


def parse_windows(text: str) -> list[tuple[int, int]]:
    """Windows such as `09:00-13:00,14:00-18:00` as (start, end) seconds after local midnight.

    A window that ends before it starts runs past midnight and belongs to the day it starts:
    `22:00-06:00` is (79200, 108000), its end counted from the same midnight as its start.
    """
    windows = []
    for part in str(text).split(","):
        if not part.strip():
            continue
        if "-" not in part:
            raise ValueError(f"not a time window: {part!r} (expected HH:MM-HH:MM)")
        a, b = part.split("-", 1)
        start, end = _parse_clock(a), _parse_clock(b)
        if start == 86400:
            raise ValueError(f"a window cannot start at 24:00: {part.strip()!r} (use 00:00)")
        if end == start:
            raise ValueError(f"empty window: {part.strip()!r} (a whole day is 00:00-24:00)")
        windows.append((start, end if end > start else end + 86400))
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
    pause_on: list[StatusClass] = Field(default_factory=list)
    reopen: Literal["resume", "first"] = "resume"


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

    calendar: str
    first_response: Duration | None = None
    resolution: Duration | None = None
    resolution_due_from_source: bool = Field(
        False,
        description="Use each ticket's recorded due_at as its resolution target (working time "
        "from creation to due_at); tickets without due_at get no resolution clock",
    )

    def targets_clock(self, clock: str) -> bool:
        """Whether the rule gives tickets a target for `clock`."""
        if clock == "resolution" and self.resolution_due_from_source:
            return True
        return getattr(self, clock, None) is not None


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
    exclude: list[ExcludeRule] = Field(
        default_factory=list, description="Tickets not judged at all: any matching rule excludes"
    )
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
        return self.clocks.get(name, _default_clocks()[name])  # type: ignore[index]


def _format_error(err: dict[str, Any]) -> str:
    hidden = ("function-", "literal[", "calendar-")
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith(hidden))
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
            for text in _format_error(err).splitlines():  # a policy check may report several
                if text in seen:
                    continue
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


def _norm(values: list[str]) -> set[str]:
    return {v.strip().lower() for v in values}


def _rule_warnings(policy: Policy) -> list[str]:
    """Target rules that match nothing, are shadowed by an earlier rule, or set no clock."""
    out = []
    rules = [{k: _norm(v) for k, v in r.match_values().items()} for r in policy.targets]
    for i, (rule, match) in enumerate(zip(policy.targets, rules, strict=True)):
        empty = [k for k, v in match.items() if not v]
        if empty:
            out.append(
                f"targets.{i}: match.{empty[0]} is an empty list: the rule matches no ticket"
            )
        # an earlier rule whose every field accepts all of this rule's values takes its tickets
        for j, earlier in enumerate(rules[:i]):
            if all(k in match and match[k] <= v for k, v in earlier.items()):
                why = "matches every ticket" if not earlier else "matches all its tickets"
                out.append(f"targets.{i}: unreachable: the earlier rule targets.{j} {why}")
                break
        if not any(rule.targets_clock(c) for c in CLOCK_NAMES):
            out.append(
                f"targets.{i}: no clock target ({', '.join(CLOCK_NAMES)}): the tickets it "
                "matches get no clock (later rules do not apply to them)"
            )
    return out


def _threshold_warnings(policy: Policy) -> list[str]:
    """Thresholds whose clock, priority or kind no target rule or kind of the policy has."""
    out = []
    kinds = [*policy.kinds, "other"]
    for i, th in enumerate(policy.thresholds):
        name = f"thresholds.{i} ({th.label})"
        clocks = [th.clock] if th.clock else list(CLOCK_NAMES)
        rules = [r for r in policy.targets if any(r.targets_clock(c) for c in clocks)]
        if th.clock and not rules:
            out.append(f"{name}: no target rule sets a {th.clock} target")
        if th.kind is not None and th.kind not in kinds:
            out.append(f"{name}: kind {th.kind!r} is not defined (kinds: {', '.join(kinds)})")
        if th.priority is not None and rules and all("priority" in r.match for r in rules):
            matched = sorted(set().union(*(_norm(r.match_values()["priority"]) for r in rules)))
            if th.priority.strip().lower() not in matched:
                out.append(
                    f"{name}: no target rule matches priority {th.priority!r} "
                    f"(rules match: {', '.join(matched)})"
                )
    return out


def policy_warnings(policy: Policy) -> list[str]:
    """Rules, thresholds and calendars of a valid policy that can never apply to a ticket.

    Each warning names the rule (`targets.N`), threshold (`thresholds.N (label)`) or calendar.
    """
    used = {r.calendar for r in policy.targets}
    unused = [f"calendars.{c}: no target rule uses it" for c in policy.calendars if c not in used]
    return [*_rule_warnings(policy), *_threshold_warnings(policy), *unused]


assert set(STATUS_CLASSES) == set(StatusClass.__args__)  # type: ignore[attr-defined]
