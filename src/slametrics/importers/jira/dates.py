"""Jira CSV dates: `dd/MMM/yy h:mm a` with localized month abbreviations, read as ISO text."""

from __future__ import annotations

import re

import pandas as pd

from slametrics.importers.cells import clean_strings

# Month abbreviations of localized Jira date formats -> the English ones `%b` reads.
MONTHS = {
    "янв": "Jan",
    "фев": "Feb",
    "мар": "Mar",
    "апр": "Apr",
    "ма[йя]": "May",
    "июн": "Jun",
    "июл": "Jul",
    "авг": "Aug",
    "сен": "Sep",
    "окт": "Oct",
    "ноя": "Nov",
    "дек": "Dec",
    "mär": "Mar",
    "mrz": "Mar",
    "mai": "May",
    "okt": "Oct",
    "dez": "Dec",
}


DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%Y %H:%M",
    "%d.%m.%y %H:%M",
    "%d.%m.%Y %H:%M",
)


_ENGLISH_MONTHS = {
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
}


def jira_dates(raw: pd.Series) -> pd.Series:
    """Jira CSV date cells rewritten as ISO text where a Jira format reads them, else untouched.

    parse_timestamps then reads the ISO text in the export's timezone, and cells no format
    reads keep their original text for the problem report.
    """
    text = clean_strings(raw)
    parts = text.str.extract(r"^(\s*\d{1,2})/([^/\d\s]+)/(.*)$").astype("string")
    # month names are few: translate the distinct ones, then reassemble column-wise
    table = {m: _english_month(m) for m in parts[1].dropna().unique()}
    english = parts[1].map(table).astype("string")
    norm = (parts[0] + "/" + english + "/" + parts[2]).where(english.notna(), text)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & norm.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(norm[todo], format=fmt, errors="coerce")
    iso = parsed.dt.strftime("%Y-%m-%d %H:%M:%S")
    return iso.where(parsed.notna(), text)


def _english_month(name: str) -> str | None:
    """`Nov`, `ноя`, `нояб.`, `Dez` ... -> the English abbreviation `%b` reads."""
    key = name.strip().rstrip(".").lower()
    for local, english in MONTHS.items():
        if re.match(local, key):
            return english
    return key[:3].title() if key[:3] in _ENGLISH_MONTHS else None
