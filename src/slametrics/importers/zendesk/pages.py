"""Zendesk API pages: whether a file's pages say that more pages follow them."""

from __future__ import annotations

from slametrics.importers.json_reader import PageSet, json_path, literal
from slametrics.importers.zendesk.vocabulary import SEARCH_LIMIT

# what a page's records are called in a warning, where not by their key
NOUNS = {"results": "search results"}


def page_set(pages: list[dict], keys: list[str], file: str) -> PageSet | None:
    """What the pages (each with its records under the key at the same place in `keys`) say of
    the whole export: incremental exports by `end_of_stream`, list and search pages by `count`
    and `next_page` (offset pagination) or `meta.has_more` (cursor pagination); None for
    records that are no page of a paginated response."""
    if not pages:
        return None
    last, noun = pages[-1], NOUNS.get(keys[-1], keys[-1])
    held = sum(len(p[k]) if isinstance(p[k], list) else 1 for p, k in zip(pages, keys, strict=True))
    if any(isinstance(p.get("end_of_stream"), bool) for p in pages):
        # the incremental exports (time- and cursor-based) end where a page says end_of_stream
        cursor = last.get("after_cursor")
        follows = f"after_cursor {cursor}" if cursor else f"next_page {last.get('next_page')}"
        follows = literal(follows)
        ended = any(p.get("end_of_stream") is True for p in pages)
        missing = f"end_of_stream is false: more pages follow {follows}"
        way = "cursor" if any("after_cursor" in p for p in pages) else "time"
        return PageSet(file, f"{way}-based incremental {noun}", held, None, ended, missing)
    has_more = json_path(last, "meta", "has_more")
    if isinstance(has_more, bool):
        missing = f"meta.has_more is true: more pages follow links.next {literal(_next_link(last))}"
        return PageSet(file, f"cursor list {noun}", held, None, not has_more, missing)
    count = last.get("count")
    if isinstance(count, int) and not isinstance(count, bool) and "next_page" in last:
        follows = last.get("next_page")
        missing = f"count {{total}} {noun}, {{held}} given; more pages follow next_page "
        missing += literal(follows)
        ended = follows is None
        if ended and keys[-1] == "results" and count > SEARCH_LIMIT:
            # offset search stops at its limit while `count` tells all the query matched
            ended = False
            missing = f"count {{total}} {noun}, {{held}} given; the Search API returns at most "
            missing += f"{SEARCH_LIMIT} results per query (the Search Export API returns all)"
        return PageSet(file, f"list {noun}", held, count, ended, missing)
    return None


def _next_link(page: dict) -> object:
    return json_path(page, "links", "next")
