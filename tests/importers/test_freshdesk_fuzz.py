"""Fuzzing the Freshdesk API reader: tickets with any JSON in any slot never end in a traceback."""

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
FIX = ROOT / "tests" / "fixtures" / "freshdesk"
PAGE = json.loads((FIX / "list_include_stats_requester.json").read_text())
EXAMPLES = int(os.environ.get("SLAMETRICS_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TICKET_KEYS = sorted(PAGE[0])
STATS_KEYS = sorted(PAGE[0]["stats"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2026-11-02T10:00:00Z", "1970-01-01", "9999-12-31T23:59:59Z", "2", "", "x"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "email", "id", "resolved_at"]), inner)
    ),
    max_leaves=6,
)


def mutated_page(data: st.DataObject) -> list:
    page = json.loads(json.dumps(PAGE))
    if data.draw(st.booleans(), label="no tags anywhere"):
        for t in page:
            t["tags"] = []
    for _ in range(data.draw(st.integers(0, 6), label="edits")):
        ticket = page[data.draw(st.integers(0, len(page) - 1), label="ticket")]
        in_stats = data.draw(st.booleans(), label="in stats") and isinstance(
            ticket.get("stats"), dict
        )
        target = ticket["stats"] if in_stats else ticket
        key = data.draw(st.sampled_from(STATS_KEYS if in_stats else TICKET_KEYS), label="key")
        if data.draw(st.booleans(), label="delete"):
            target.pop(key, None)
        else:
            target[key] = data.draw(VALUES, label="value")
    return page


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
    shape=st.sampled_from(["list", "ndjson", "single"]),
    fmt=st.sampled_from([None, "freshdesk"]),
)
def test_mutated_freshdesk_pages(data: st.DataObject, shape: str, fmt: str | None) -> None:
    page = mutated_page(data)
    if shape == "ndjson":
        read("".join(json.dumps(t) + "\n" for t in page), "tickets.ndjson", fmt)
    elif shape == "single":
        read(json.dumps(page[0]), "ticket.json", fmt)
    else:
        read(json.dumps(page), "tickets.json", fmt)


@FUZZ
@given(cut=st.integers(0, 8000), ndjson=st.booleans())
def test_truncated_freshdesk_pages(cut: int, ndjson: bool) -> None:
    text = "".join(json.dumps(t) + "\n" for t in PAGE) if ndjson else json.dumps(PAGE)
    read(text[: cut % (len(text) + 1)], "tickets.ndjson" if ndjson else "tickets.json", None)
