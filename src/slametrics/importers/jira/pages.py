"""Jira search pages: whether a file's pages say that more issues follow them."""

from __future__ import annotations

from slametrics.importers.json_reader import PageSet, literal


def page_set(pages: list[dict], file: str) -> PageSet | None:
    """What search pages say of the whole result: v2 (`startAt`, `maxResults`, `total`) by the
    total against the issues held, v3 `/search/jql` by `isLast` or a `nextPageToken` on the last
    page; None for issues that are no search page."""
    if not pages:
        return None
    last = pages[-1]
    held = sum(len(p["issues"]) for p in pages)
    if "isLast" in last or "nextPageToken" in last:
        token = last.get("nextPageToken")
        ended = last.get("isLast") is True or (not token and last.get("isLast") is not False)
        said = "isLast is false" if last.get("isLast") is False else "the last page given"
        follows = f"nextPageToken {literal(token)}" if token else "it"
        missing = f"{said}: more pages follow {follows}"
        return PageSet(file, "search v3", held, None, ended, missing)
    totals = [p["total"] for p in pages if _count(p.get("total"))]
    if totals:
        missing = "total {total} issues, {held} given"
        return PageSet(file, "search v2", held, max(totals), False, missing)
    return None


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
