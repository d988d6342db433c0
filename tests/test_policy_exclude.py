"""Exclusion rules on real ticket frames: tags as the event log holds them, and tags in targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slametrics.engine.rules import excluded_mask, match_targets
from slametrics.policy import parse_policy

POLICY = parse_policy(
    {
        "exclude": [{"match": {"tags": ["spam", "merged"]}}, {"match": {"channel": ["test"]}}],
        "targets": [
            {"match": {"tags": ["VIP"]}, "calendar": "always", "resolution": "1h"},
            {"match": {}, "calendar": "always", "resolution": "8h"},
        ],
    }
)
TAGS = [["spam"], None, [], ["vip", "Merged"], ["billing"], [" VIP "]]
CHANNEL = ["email", "test", None, "web", "TEST ", "phone"]


def frame(tags_type: str) -> pd.DataFrame:
    """Tickets with tags as list<string>: numpy arrays (Parquet log) or Arrow lists or lists."""
    table = pa.table(
        {"tags": pa.array(TAGS, pa.list_(pa.string())), "channel": pa.array(CHANNEL, pa.string())}
    )
    if tags_type == "arrow":
        return table.to_pandas(types_mapper=pd.ArrowDtype)
    if tags_type == "lists":
        return pd.DataFrame({"tags": TAGS, "channel": CHANNEL})
    return table.to_pandas()


@pytest.mark.parametrize("tags_type", ["numpy", "arrow", "lists"])
def test_excluded_mask_on_every_tags_representation(tags_type: str) -> None:
    tickets = frame(tags_type).set_axis([10, 11, 12, 13, 14, 15])  # not a RangeIndex
    got = excluded_mask(tickets, POLICY)
    assert got.dtype == np.bool_
    assert got.tolist() == [True, True, False, True, True, False]


@pytest.mark.parametrize("tags_type", ["numpy", "arrow", "lists"])
def test_target_rules_match_tags_too(tags_type: str) -> None:
    assert match_targets(frame(tags_type), POLICY).tolist() == [1, 1, 1, 0, 1, 0]


def test_no_rules_and_no_tickets() -> None:
    assert excluded_mask(frame("numpy"), parse_policy({})).tolist() == [False] * 6
    empty = frame("numpy").iloc[:0]
    assert excluded_mask(empty, POLICY).tolist() == []


def test_a_field_missing_from_the_frame_matches_nothing() -> None:
    tickets = pd.DataFrame({"ticket_id": ["1", "2"]})
    assert excluded_mask(tickets, POLICY).tolist() == [False, False]


TAG = st.sampled_from(["spam", "Spam ", "merged", "vip", "billing", "x"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(TAG, max_size=4)), max_size=30))
def test_tags_rule_equals_any_tag_listed(rows) -> None:
    """The vectorized mask equals "any tag, trimmed and case-folded, is listed", per ticket."""
    tickets = pa.table({"tags": pa.array(rows, pa.list_(pa.string()))}).to_pandas()
    want = [any(t.strip().lower() in ("spam", "merged") for t in (r or [])) for r in rows]
    assert excluded_mask(tickets, POLICY).tolist() == want
