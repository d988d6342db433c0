"""Fuzzing the Zendesk API-shape reader: pages with any JSON in any slot never end in a traceback."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from slametrics.api import read_exports
from slametrics.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
PAGE = json.loads((ROOT / "tests" / "fixtures" / "zendesk" / "cursor_page1.json").read_text())
EXAMPLES = int(os.environ.get("SLAMETRICS_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TICKET_KEYS = sorted(PAGE["tickets"][0])
METRIC_KEYS = sorted(PAGE["metric_sets"][0])
PAGE_KEYS = sorted(PAGE)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["2026-11-02T10:00:00Z", "1970-01-01", "9999-12-31T23:59:59Z", "deleted", "solved", ""]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "value", "calendar", "score", "name"]), inner)
    ),
    max_leaves=6,
)


def mutated_page(data: st.DataObject) -> dict:
    page = json.loads(json.dumps(PAGE))
    for _ in range(data.draw(st.integers(0, 6), label="edits")):
        where = data.draw(st.sampled_from(["ticket", "metric", "page"]), label="where")
        if where == "page":
            target, keys = page, PAGE_KEYS
        else:
            items = page.get("tickets" if where == "ticket" else "metric_sets")
            if not isinstance(items, list) or not items or not isinstance(items[0], dict):
                continue
            target = items[data.draw(st.integers(0, len(items) - 1), label="item")]
            if not isinstance(target, dict):
                continue
            keys = TICKET_KEYS if where == "ticket" else METRIC_KEYS
        key = data.draw(st.sampled_from(keys), label="key")
        if data.draw(st.booleans(), label="delete"):
            target.pop(key, None)
        else:
            target[key] = data.draw(VALUES, label="value")
    return page


def serialized(page: dict, shape: str) -> str:
    if shape == "ndjson pages":
        return json.dumps(page) + "\n" + json.dumps(PAGE) + "\n"
    if shape == "ndjson tickets":
        tickets = page.get("tickets")
        lines = tickets if isinstance(tickets, list) else [tickets]
        return "".join(json.dumps(t) + "\n" for t in lines)
    if shape == "list of pages":
        return json.dumps([page, PAGE])
    return json.dumps(page)


def read(text: str, name: str, fmt: str | None) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_text(text)
        try:
            tickets, _, summary = read_exports([path], format=fmt)
        except UserError as exc:
            assert str(exc).strip()
            event("one readable error")
            return
        event("imported" if len(tickets) else "imported nothing")
        for g in summary.groups:
            assert g.rows_read == g.rows_imported + g.rows_rejected, g
        assert tickets["ticket_id"].notna().all()
        assert tickets["created_at"].notna().all()


@FUZZ
@given(
    data=st.data(),
    shape=st.sampled_from(["page", "ndjson pages", "ndjson tickets", "list of pages"]),
    fmt=st.sampled_from([None, "zendesk"]),
)
def test_mutated_zendesk_pages(data: st.DataObject, shape: str, fmt: str | None) -> None:
    text = serialized(mutated_page(data), shape)
    name = "page.ndjson" if shape.startswith("ndjson") else "page.json"
    read(text, name, fmt)


@FUZZ
@given(cut=st.integers(0, 12000), shape=st.sampled_from(["page", "ndjson pages"]))
def test_truncated_zendesk_pages(cut: int, shape: str) -> None:
    text = serialized(PAGE, shape)
    read(text[: cut % (len(text) + 1)], "page.json", "zendesk")
