"""Text helpers of the report: Markdown escaping, cut strings, pseudonyms, short names, decimals."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from markupsafe import Markup, escape

from slametrics.render.i18n import MESSAGES

_MD_SPACE = re.compile(r"[ \t\r\n\f\v]+")  # not str.split(): it would eat no-break spaces
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(>|[#+=-](?=[\s#=-]|$)|\d+[.)](?=\s|$))")


def md_escape(value: Any) -> str:
    """Any value printed into Markdown: GitHub renders it as text, and a `|` keeps tables whole."""
    if value is None:
        return ""
    text = _MD_SPACE.sub(" ", str(value)).strip()  # line breaks would end a table row
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # a value that starts a line must not turn into a heading, quote or list item
    return _MD_LINE_START.sub(r"\\\1", text)


NA_WORDS = tuple(sorted({m["na"] for m in MESSAGES.values()}))


def keep_na(value: str) -> Markup:
    """HTML text in which `n/a` never breaks at its slash (a line ending in `н/` reads badly)."""
    text = str(escape(value))
    for word in NA_WORDS:
        text = text.replace(word, f'<span class="na">{word}</span>')
    return Markup(text)  # safe: the value was escaped above, the span is ours


def new_salt() -> str:
    """A random salt for one run's pseudonyms: nobody can recompute them from known names."""
    return secrets.token_hex(16)


def pseudonym(prefix: str, name: str, salt: str) -> str:
    """A stand-in for a name, keyed by `salt`: the same name and salt give the same pseudonym.

    A keyed hash (HMAC-SHA256), so that hashing a list of known names does not reveal whom a
    pseudonym stands for unless the salt is known too. Six hex digits keep two names of a few
    hundred apart (an even chance of a clash needs about 5,000 names).
    """
    key = salt.encode("utf-8")
    digest = hmac.new(key, name.strip().casefold().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}-{digest[:6].upper()}"


def cut(text: str | None, limit: int) -> str:
    """`text` on one line, ending in `…` where it is longer than `limit` characters."""
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cut_middle(text: str, limit: int) -> str:
    """`text` on one line, its middle replaced by `…` where it is longer than `limit`: both ends
    stay (a key's first field and a ticket number's last digits are what tell two apart)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head].rstrip() + "…" + text[len(text) - (limit - 1 - head) :].lstrip()


# An id column is as wide as its longest id up to this many em (a 19-digit id); a longer id wraps.
ID_EM = 11.0
_NARROW, _WIDE = set("1ijlrtfI.,:;-_ /|()[]'"), set("MWmw@%")


def id_em(ticket_id: str) -> float:
    """A ticket id's width in em of the page's sans-serif type, from its letters' widths."""
    upper = sum(1 for c in ticket_id if c.isupper() and c not in _NARROW and c not in _WIDE)
    narrow = sum(1 for c in ticket_id if c in _NARROW)
    wide = sum(1 for c in ticket_id if c in _WIDE)
    rest = len(ticket_id) - upper - narrow - wide  # digits and lower case: about 0.56 em
    return 0.56 * rest + 0.72 * upper + 0.3 * narrow + 0.94 * wide


def id_width(ids: list[str], header: str) -> str:
    """The CSS width of a table's ticket column: room for its longest id (never cut) and for
    its header (bold, in the headers' smaller type)."""
    widest = max([len(header) * 0.62, *(id_em(i) for i in ids)])
    return f"{min(max(widest, 3.5), ID_EM) + 0.9:.1f}em"  # + the cell's padding (1.8 mm)


def short_person(name: str | None) -> str | None:
    """An e-mail address as its local part (`anna.ivanova`); the domain only repeats the org."""
    if name and "@" in name and not name.startswith("@"):
        return name.split("@", 1)[0]
    return name


def bound_places(v: float) -> int:
    """Decimals for a contract bound: 95 % and 97.5 % as written."""
    pct = v * 100
    if abs(pct - round(pct)) < 1e-9:
        return 0
    return 1 if abs(pct * 10 - round(pct * 10)) < 1e-6 else 2
