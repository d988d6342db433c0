"""Values a policy file writes as text: durations (`4h`), time windows (`09:00-18:00`), weekdays."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    WithJsonSchema,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

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
