"""Report texts in English and Russian, and number, date and duration formats per language."""

from __future__ import annotations

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

from slametrics.render.i18n.en import EN
from slametrics.render.i18n.ru import NBSP, RU, RU_KINDS, RU_PRIORITIES

__all__ = ["EN", "FORMAT_KEYS", "KIND_NAMES", "MESSAGES", "NBSP", "PRIORITY_NAMES", "RU", "Texts"]

# Every visible label of the report goes through these tables; tests/test_report.py checks
# that both languages have the same keys and that a Russian report shows no English label.
MESSAGES: dict[str, dict[str, str]] = {"en": EN, "ru": RU}
# Kind and priority names translated per language (English shows the names as written).
KIND_NAMES: dict[str, dict[str, str]] = {"en": {}, "ru": RU_KINDS}
PRIORITY_NAMES: dict[str, dict[str, str]] = {"en": {}, "ru": RU_PRIORITIES}
# a numbered priority (`1 - Critical`, ServiceNow's form): the number stays, the word translates
_NUMBERED = re.compile(r"^(\d+\s*-\s*)(.+)$")
# Keys whose values are formats or symbols rather than words a reader sees as a label.
FORMAT_KEYS = frozenset(k for k in EN if k.startswith(("fmt.", "dur."))) | {"none"}


class Texts:
    """Labels and formats of one language; every string the report shows comes from here."""

    def __init__(self, lang: str):
        if lang not in MESSAGES:
            raise ValueError(f"unknown report language {lang!r}; use one of: {', '.join(MESSAGES)}")
        self.lang = lang
        self.messages = MESSAGES[lang]

    def __call__(self, key: str, /, **values: object) -> str:
        text = self.messages[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.messages

    def kind_name(self, name: str) -> str:
        """A kind as this language names it: slametrics' own kinds translated, others as written."""
        return KIND_NAMES[self.lang].get(name.strip().lower(), name)

    def priority_name(self, name: str) -> str:
        """A priority with its common word translated (`urgent`, `1 - Critical`), else as written."""
        words = PRIORITY_NAMES[self.lang]
        low = name.strip().lower()
        if low in words:
            return words[low]
        m = _NUMBERED.match(low)
        if m and m.group(2) in words:
            return m.group(1) + words[m.group(2)]
        return name

    def integer(self, n: float | int) -> str:
        text = f"{int(round(n)):,}"
        return text.replace(",", self.messages["fmt.thousands"])

    def decimal(self, v: float, places: int) -> str:
        text = f"{v:,.{places}f}"
        sep, dec = self.messages["fmt.thousands"], self.messages["fmt.decimal"]
        return text.replace(",", "\0").replace(".", dec).replace("\0", sep)

    def percent(self, share: float | None, places: int = 1) -> str:
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return self("none")
        return self("fmt.percent", v=self.decimal(share * 100, places))

    def date(self, t: dt.datetime | None, tz: str) -> str:
        if t is None:
            return self("none")
        return t.astimezone(ZoneInfo(tz)).strftime(self.messages["fmt.date"])

    def datetime(self, t: dt.datetime | None, tz: str) -> str:
        if t is None:
            return self("none")
        return t.astimezone(ZoneInfo(tz)).strftime(self.messages["fmt.datetime"])

    def duration(self, seconds: float | None) -> str:
        """Seconds as `3d 4h`, `26h`, `2h 05m` or `12m`: as precise as a reader needs."""
        if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
            return self("none")
        s = int(round(seconds))
        if s < 60:
            return self("dur.seconds", s=s)
        m = (s + 30) // 60
        if m < 60:
            return self("dur.minutes", m=m)
        h, m = divmod(m, 60)
        if h < 10 and m:
            return self("dur.hours", h=h, m=m)
        if h < 10:
            return self("dur.whole_hours", h=h)
        if h < 48:  # minutes are noise next to ten hours and more
            return self("dur.whole_hours", h=(s + 1800) // 3600)
        d, h = divmod(h, 24)
        return self("dur.days", d=self.integer(d), h=h)
