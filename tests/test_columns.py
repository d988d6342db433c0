"""Column helpers for large Arrow-backed columns against plain pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slametrics.columns import (
    coded_by_runs,
    codes_in,
    concat_frames,
    distinct_text,
    expand_runs,
    fill_by_key,
    index_in,
    run_starts,
    sort_order,
    take_rows,
)

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


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(CELLS, KEYS), max_size=30),
    default=st.sampled_from([None, "system"]),
    values_kind=st.sampled_from(["categorical", "empty-object"]),
    key_categorical=st.booleans(),
)
def test_fill_by_key_on_categoricals_equals_the_string_path(
    rows, default, values_kind, key_categorical
) -> None:
    """Categorical columns (as the csv importer keeps event text) fill like string ones."""
    mapping = {"created": "new", "resolved": "resolved", "agent_reply": "agent"}
    if values_kind == "categorical":
        plain = pd.Series([v for v, _ in rows], dtype="string")
        values = plain.astype("category")
    else:
        plain = pd.Series([None] * len(rows), dtype=object)
        values = plain
    key = pd.Series([k for _, k in rows], dtype="string")
    got = fill_by_key(values, key.astype("category") if key_categorical else key, mapping, default)
    want = fill_by_key(plain, key, mapping, default)
    if values_kind == "categorical" or key_categorical:
        assert isinstance(got.dtype, pd.CategoricalDtype)
    assert _cells(got) == _cells(want)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(CELLS, max_size=30), choices=st.lists(CELLS.filter(bool), max_size=4))
def test_codes_in_categorical_and_dictionary_equal_strings(cells, choices) -> None:
    plain = pd.Series(cells, dtype="string")
    want = codes_in(plain, choices).tolist()
    assert codes_in(plain.astype("category"), choices).tolist() == want
    dictionary = pa.chunked_array(
        [
            pa.array(cells[:3], pa.large_string()).dictionary_encode(),
            pa.array(cells[3:], pa.large_string()).dictionary_encode(),
        ]
    )
    assert codes_in(dictionary, choices).tolist() == want


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(
        st.tuples(st.lists(CELLS, max_size=6), st.sampled_from(["category", "string", "absent"])),
        min_size=1,
        max_size=4,
    )
)
def test_concat_frames_keeps_categoricals_and_values(parts) -> None:
    frames = []
    for i, (cells, kind) in enumerate(parts):
        frame = pd.DataFrame({"n": [i] * len(cells)})
        if kind != "absent":
            frame["x"] = pd.Series(cells, dtype="string").astype(
                "category" if kind == "category" else "string"
            )
        frames.append(frame)
    got = concat_frames(frames)
    want = pd.concat(
        [f.astype({"x": object}) if "x" in f else f for f in frames], ignore_index=True
    )
    assert got["n"].tolist() == want["n"].tolist()
    if "x" in want:
        if any(kind == "category" for _, kind in parts):
            assert isinstance(got["x"].dtype, pd.CategoricalDtype)
        assert _cells(got["x"]) == _cells(want["x"])


def _cells(s: pd.Series) -> list:
    return [None if pd.isna(x) else str(x) for x in s.astype(object).tolist()]


def test_validated_categorical_text_checks_values_in_use() -> None:
    """A categorical event column becomes a dictionary column; a category outside the schema's
    values fails validation only where a row holds it."""
    import pytest

    from slametrics.errors import UserError
    from slametrics.schema import validate_events

    def events(codes: list[int]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "source": "s",
                "ticket_id": ["1"] * len(codes),
                "at": pd.Timestamp("2026-11-02", tz="UTC"),
                "event": pd.Categorical.from_codes(codes, ["created", "teleported"]),
            }
        )

    table = validate_events(events([0, 0]))
    assert pa.types.is_dictionary(table.schema.field("event").type)
    assert table.column("event").to_pylist() == ["created", "created"]
    with pytest.raises(UserError, match="teleported"):
        validate_events(events([0, 1]))


def _wide_table(rows: int, seed: int) -> pa.Table:
    import numpy as np  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    ids = [f"T-{i:07d}" if i % 97 else None for i in range(rows)]
    status = pa.array(rng.choice(["new", "open", "solved"], rows)).dictionary_encode()
    half = rows // 2
    table = pa.table(
        {"id": pa.array(ids, pa.large_string()), "status": status, "n": rng.integers(0, 9, rows)}
    )
    return pa.concat_tables([table.slice(0, half), table.slice(half)])  # two chunks


@pytest.mark.parametrize("kind", ["permutation", "repeats", "identity", "reversed", "empty"])
def test_take_rows_equals_arrow_take(kind) -> None:
    """The two-thread take gives Arrow's take: values, types, nulls and dictionaries; rows in
    order give the table itself."""
    import numpy as np  # noqa: PLC0415

    table = _wide_table(70_000, seed=5)
    rng = np.random.default_rng(11)
    rows = {
        "permutation": rng.permutation(table.num_rows),
        "repeats": rng.integers(0, table.num_rows, 90_000),
        "identity": np.arange(table.num_rows),
        "reversed": np.arange(table.num_rows)[::-1].copy(),
        "empty": np.zeros(0, dtype=np.int64),
    }[kind]
    taken = take_rows(table, rows)
    assert taken.schema == table.schema
    assert taken.equals(table.take(pa.array(rows)))
    if kind == "identity":
        assert taken is table


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["zendesk", "jira", "csv"]), st.text("abAB19-é", max_size=4)),
        max_size=40,
    ),
    one_source=st.booleans(),
)
def test_sort_order_equals_arrows_sort_by_source_and_id(rows, one_source) -> None:
    """One source or several, ties kept in row order (stable): Arrow's two-key sort."""
    sources = ["csv" if one_source else s for s, _ in rows]
    table = pa.table(
        {
            "source": pa.array(sources, pa.large_string()),
            "ticket_id": pa.array([t for _, t in rows], pa.large_string()),
        }
    )
    keys = [("source", "ascending"), ("ticket_id", "ascending")]
    expected = pc.sort_indices(table, sort_keys=keys) if len(table) else pa.array([], pa.uint64())
    assert sort_order(table, ["source", "ticket_id"]).to_pylist() == expected.to_pylist()


IDS = st.sampled_from([None, "T-1", "T-2", " T-1", "T-10", "", "é"])


@settings(max_examples=400, deadline=None)
@given(
    runs=st.lists(st.tuples(IDS, st.integers(1, 12)), max_size=40),
    large=st.booleans(),
)
def test_coded_by_runs_is_arrows_dictionary_encode(runs, large) -> None:
    """Coding one value per run gives Arrow's own dictionary and indices, with or without
    runs (the cut-over to plain coding included) and with nulls."""
    rows = [v for v, n in runs for _ in range(n)]
    values = pa.array(rows, pa.large_string() if large else pa.string())
    distinct, codes = coded_by_runs(values)
    want = pc.dictionary_encode(values)
    assert distinct.equals(want.dictionary)
    # a null row has no index: NaN in both, as Arrow's indices come to numpy
    np.testing.assert_array_equal(codes, want.indices.to_numpy(zero_copy_only=False))


@settings(max_examples=300, deadline=None)
@given(runs=st.lists(st.tuples(IDS, st.integers(1, 5)), max_size=30), cut=st.integers(0, 60))
def test_distinct_text_is_the_set_of_values(runs, cut) -> None:
    """The distinct values of a chunked column, runs split across chunks or not."""
    rows = [v for v, n in runs for _ in range(n)]
    cut = min(cut, len(rows))
    column = pa.chunked_array(
        [pa.array(rows[:cut], pa.string()), pa.array(rows[cut:], pa.string())]
    )
    got = distinct_text(column).to_pylist()
    assert len(got) == len(set(got))
    assert set(got) == set(rows)


@settings(max_examples=300, deadline=None)
@given(
    runs=st.lists(st.tuples(IDS, st.integers(1, 8)), max_size=30),
    candidates=st.lists(IDS, max_size=8),
    chunked=st.booleans(),
)
def test_index_in_is_the_first_position_with_or_without_runs(runs, candidates, chunked) -> None:
    """Each value's first position among the candidates (-1 when absent; a null finds a null,
    as in Arrow and pandas), looked up once a run or row by row (the cut-over included)."""
    rows = [v for v, n in runs for _ in range(n)]
    values = pd.Series(rows, dtype="string")
    if chunked and len(rows) > 1:  # a column pandas holds in two pieces
        half = len(rows) // 2
        values = pd.concat([values.iloc[:half], values.iloc[half:]], ignore_index=True)
    got = index_in(values, pd.Series(candidates, dtype="string"))
    want = [candidates.index(v) if v in candidates else -1 for v in rows]
    assert got.tolist() == want


def test_run_starts_marks_each_change_and_every_null() -> None:
    values = pa.array(["a", "a", None, None, "b", "a", "a"])
    assert run_starts(values).tolist() == [0, 2, 3, 4, 5]
    assert run_starts(pa.array([], pa.string())).tolist() == []
    assert run_starts(pa.array(["x"])).tolist() == [0]


@settings(max_examples=300, deadline=None)
@given(runs=st.lists(st.tuples(st.integers(0, 5), st.integers(1, 6)), max_size=30))
def test_runs_ordered_as_runs_equal_the_stable_row_sort(runs) -> None:
    """Sorting one key per run and expanding the runs is the stable sort of the rows (a key
    may come in several runs, apart)."""
    keys = np.array([k for k, n in runs for _ in range(n)], dtype=np.int64)
    values = pa.array(keys)
    starts = run_starts(values)
    lengths = np.diff(np.append(starts, len(keys)))
    by_key = np.argsort(keys[starts], kind="stable")
    order = expand_runs(starts[by_key], lengths[by_key])
    assert order.tolist() == np.argsort(keys, kind="stable").tolist()
