"""Column helpers for large Arrow-backed columns against plain pandas."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from slametrics.frames import fill_by_key

CELLS = st.sampled_from([None, "new", "open", "resolved", "Agent", ""])
KEYS = st.sampled_from([None, "created", "resolved", "agent_reply", "status"])


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(CELLS, KEYS), max_size=30),
    default=st.sampled_from([None, "system"]),
    object_dtype=st.booleans(),
)
def test_fill_by_key_equals_pandas_fillna_map(rows, default, object_dtype) -> None:
    """Missing cells take the key's mapped value, else the default; present cells stay."""
    mapping = {"created": "new", "resolved": "resolved", "agent_reply": "agent"}
    values = pd.Series([v for v, _ in rows], dtype=object if object_dtype else "string")
    key = pd.Series([k for _, k in rows], dtype="string")
    got = fill_by_key(values, key, mapping, default)
    want = values.astype(object).where(values.notna(), key.astype(object).map(mapping))
    if default is not None:
        want = want.where(want.notna(), default)
    assert str(got.dtype) == "string"
    assert got.astype(object).where(got.notna(), None).tolist() == [
        None if pd.isna(x) else x for x in want.tolist()
    ]
