"""Exceptions for "cannot proceed" situations and the exit-code contract."""

from __future__ import annotations

EXIT_OK = 0
EXIT_THRESHOLD_MISSED = 1
EXIT_ERROR = 2


class SlametricsError(Exception):
    """Base class of every error slametrics reports to the user as one message."""


class UserError(SlametricsError):
    """The input or the invocation cannot be used: missing file, bad policy, unknown format."""


class UnknownImporter(UserError):
    """An importer name that is not in the registry."""

    def __init__(self, name: str, valid: list[str]):
        super().__init__(f"unknown format {name!r}; valid formats: {', '.join(valid)}")
        self.name = name
        self.valid = valid


class PolicyError(UserError):
    """A policy file that does not validate; `problems` lists every bad key."""

    def __init__(self, path: str, problems: list[str]):
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid policy {path}:\n{lines}")
        self.path = path
        self.problems = problems


def check_timezone(tz: str | None, option: str = "--tz") -> str | None:
    """The zone name if it is a known IANA zone, else a UserError naming the option."""
    if tz is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"{option}: unknown IANA timezone {tz!r} (examples: UTC, Europe/Moscow)"
        ) from None
    return tz
