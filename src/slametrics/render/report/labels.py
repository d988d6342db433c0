"""Display strings of the report's names and values in one language, time zone and redaction."""

from __future__ import annotations

from dataclasses import dataclass

from slametrics.render.i18n import Texts
from slametrics.render.report.text import bound_places, pseudonym
from slametrics.results import ThresholdValue

SHARE_METRICS = ("on_time_share", "first_contact_resolution", "repeat_incident_rate", "reopen_rate")
KIND_ORDER = ("incident", "consultation", "change", "improvement")
# Helpdesks name priorities freely; this ranks the common names from most to least critical so
# that tables read top-down by criticality (unknown names follow, alphabetically).
PRIORITY_RANK = [
    "blocker",
    "1 - critical",
    "critical",
    "urgent",
    "highest",
    "p1",
    "критический",
    "срочный",
    "2 - high",
    "high",
    "p2",
    "высокий",
    "3 - moderate",
    "medium",
    "moderate",
    "normal",
    "p3",
    "средний",
    "обычный",
    "4 - low",
    "low",
    "p4",
    "низкий",
    "5 - planning",
    "lowest",
    "p5",
    "trivial",
    "(none)",
]


def priority_key(name: str, policy_order: list[str] | None = None) -> tuple[int, int, str]:
    """Sort key: the policy's own order of priorities first, then the common names' ranking."""
    low = name.strip().lower()
    order = [p.strip().lower() for p in policy_order or []]
    first = order.index(low) if low in order else len(order)
    rank = PRIORITY_RANK.index(low) if low in PRIORITY_RANK else len(PRIORITY_RANK)
    return first, rank, low


def kind_key(name: str) -> tuple[int, str]:
    """Sort key: the default kinds in their order, then the policy's own kinds alphabetically."""
    return (KIND_ORDER.index(name) if name in KIND_ORDER else len(KIND_ORDER)), name


# a threshold's state (`check` sets it) -> the report's status class and result text
STATES = {
    "pass": ("pass", "result.pass"),
    "fail": ("fail", "result.fail"),
    "no tickets": ("no_data", "result.no_tickets"),
    "not judgeable": ("unjudged", "result.unjudged"),
}
NO_TICKETS = "no tickets"


def threshold_state(th: ThresholdValue) -> str:
    """pass, fail, no tickets or not judgeable: the check's state, or the same rule when the
    result was never judged (a null value is "no tickets" only when that is its reason)."""
    if th.state in STATES:
        return th.state
    if th.value is None:
        return NO_TICKETS if th.reason in (None, NO_TICKETS) else "not judgeable"
    return "pass" if th.passed else "fail"


def qualifiers(th: ThresholdValue) -> list[tuple[str, str]]:
    """The (name, value) qualifiers a threshold is narrowed by, in the policy label's order."""
    pairs = (("clock", th.clock), ("priority", th.priority), ("kind", th.kind))
    return [(name, value.strip()) for name, value in pairs if value is not None]


def is_plain(th: ThresholdValue, metric: str) -> bool:
    """Whether `th` bounds `metric` over the whole period, not narrowed by a qualifier."""
    return th.metric == metric and not qualifiers(th)


@dataclass(frozen=True)
class Labels:
    """Names and values as the report shows them: translated, formatted, pseudonymized."""

    t: Texts
    tz: str
    redact: bool = False
    salt: str = ""
    stable: bool = False  # the salt was given: pseudonyms repeat in every report made with it

    def more(self, shown: int, total: int) -> str:
        if total <= shown:
            return ""
        return self.t("more", n=self.t.integer(total - shown))

    def org(self, name: str | None) -> str:
        if not name:
            return ""
        return pseudonym(self.t("pseudonym.org"), name, self.salt) if self.redact else name

    def person(self, name: str | None) -> str:
        if not name:
            return ""
        return pseudonym(self.t("pseudonym.person"), name, self.salt) if self.redact else name

    def priority(self, name: str | None) -> str:
        if not name or name == "(none)":
            return self.t("priority.none")
        return self.t.priority_name(name)

    def kind(self, name: str | None) -> str:
        # slametrics' own kinds are translated; a kind the policy declares is its own name
        if not name or name == "other":
            return self.t("kind.other")
        return self.t.kind_name(name)

    def clock(self, name: str | None) -> str:
        key = f"clock.{name}"
        return self.t(key) if name and self.t.has(key) else (name or "")

    def metric(self, name: str) -> str:
        key = f"m.{name}"
        return self.t(key) if self.t.has(key) else name

    def field_name(self, name: str) -> str:
        key = f"field.{name}"
        return self.t(key) if self.t.has(key) else name

    def reason(self, reason: str | None) -> str:
        """Why a metric is null, in the report's language (an unknown reason as written)."""
        if not reason:
            return ""
        key = "reason." + reason.replace(" ", "_")
        return self.t(key) if self.t.has(key) else reason

    def na(self, reason: str | None) -> str:
        """`n/a` with its reason: what a null metric shows instead of a number."""
        return self.t("na.reason", reason=self.reason(reason)) if reason else self.t("na")

    def value(self, metric: str, v: float | None, places: int = 1) -> str:
        if v is None:
            return self.t("na")
        if metric in SHARE_METRICS:
            return self.t.percent(v, places)
        return self.t.integer(v)

    def bound(self, metric: str, th: ThresholdValue) -> str:
        parts = []
        if th.min is not None:
            parts.append("≥ " + self.value(metric, th.min, bound_places(th.min)))
        if th.max is not None:
            parts.append("≤ " + self.value(metric, th.max, bound_places(th.max)))
        return ", ".join(parts)

    def shown_value(self, th: ThresholdValue) -> str:
        """The value with enough decimals that it never reads as equal to a bound it misses."""
        if th.value is None:
            return self.t("na")
        places = 1
        if th.metric in SHARE_METRICS and threshold_state(th) == "fail":
            for b in (th.min, th.max):
                while b is not None and places < 4 and self._same(th.value, b, places):
                    places += 1
        return self.value(th.metric, th.value, places)

    def _same(self, a: float, b: float, places: int) -> bool:
        return self.t.percent(a, places) == self.t.percent(b, places)

    def threshold(self, th: ThresholdValue) -> str:
        """A threshold's name: its metric, then its clock, priority and kind."""
        parts = [self.metric(th.metric)]
        for name, val in qualifiers(th):
            if name == "clock":
                parts.append(self.clock(val).lower())
            elif name == "priority":
                parts.append(f"{self.t('qual.priority')} {self.priority(val)}")
            else:
                parts.append(f"{self.t('qual.kind')} {self.kind(val)}")
        return ", ".join(parts)
