"""Test helper: take the `naive-timestamp` notices out of a problem list, checking their form."""

from __future__ import annotations

import re

NOTICE = re.compile(r"^timestamps carry no offset; they were read as local time in (\S+)$")


def pop_naive(holder) -> list[str]:
    """The zones named by `holder.problems`' naive-timestamp notices (one per file at most, in
    order), which are removed so that the test can compare the rest as before."""
    notices = [p for p in holder.problems if p.code == "naive-timestamp"]
    holder.problems = [p for p in holder.problems if p.code != "naive-timestamp"]
    files = [p.file for p in notices]
    assert len(files) == len(set(files)), f"more than one notice for a file: {files}"
    zones = []
    for p in notices:
        assert (p.severity, p.line, p.column) == ("warning", None, None), p
        found = NOTICE.match(p.message)
        assert found, p.message
        zones.append(found.group(1))
    return zones
