"""Column helpers pandas lacks for large Arrow-backed string columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(values: pd.Series | pd.Index | np.ndarray | list) -> pa.Array | pa.ChunkedArray:
    arr = getattr(values, "array", values)
    native = getattr(arr, "_pa_array", None)  # pandas' Arrow-backed arrays keep theirs
    if native is not None:
        return native
    return pa.array(np.asarray(values, dtype=object), from_pandas=True)


def isin(values: pd.Series, candidates: pd.Series | pd.Index | np.ndarray | list) -> np.ndarray:
    """`values.isin(candidates)` for big candidate sets of strings.

    pandas' ArrowStringArray.isin converts each candidate to a Python scalar first, which costs
    seconds for a million ticket ids; Arrow's hash-based is_in does it in C.
    """
    if not len(values):
        return np.zeros(0, dtype=bool)
    left = _arrow(values)
    right = _arrow(candidates)
    if not (_stringy(left.type) and _stringy(right.type)):
        return values.isin(candidates).to_numpy()
    left = pc.cast(left, pa.large_string())
    right = pc.unique(pc.cast(right, pa.large_string()))
    return pc.is_in(left, value_set=right).to_numpy(zero_copy_only=False).astype(bool)


def _stringy(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def index_in(values: pd.Series, candidates: pd.Series | pd.Index) -> np.ndarray:
    """Position of each value in `candidates` (-1 when absent), hashed in Arrow."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    left = _arrow(values)
    right = _arrow(candidates)
    if not (_stringy(left.type) and _stringy(right.type)):
        return pd.Index(candidates).get_indexer(values)
    idx = pc.index_in(pc.cast(left, pa.large_string()), value_set=pc.cast(right, pa.large_string()))
    return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def group_first(keys: np.ndarray) -> np.ndarray:
    """Positions of the first row of each run of equal keys in a sorted array."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))


def group_last(keys: np.ndarray) -> np.ndarray:
    """Positions of the last row of each run of equal keys in a sorted array."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate([keys[1:] != keys[:-1], [True]]))


def map_values(values: pd.Series, mapping: dict) -> pd.Series:
    """`values.map(mapping)` through the distinct values: one dict lookup per distinct value.

    A status or event column has a handful of distinct values over millions of rows, and
    pandas' own map looks each row up.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)  # per distinct
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def codes_in(values: pd.Series, choices: tuple[str, ...] | list[str]) -> np.ndarray:
    """Position of each value in `choices` (-1 for anything else or missing), hashed in Arrow."""
    return index_in(values, pd.Series(list(choices), dtype="string"))


def distinct_codes(values: pd.Series | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(codes, distinct values) of a column, hashed in Arrow; int32 codes, -1 for missing cells."""
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else _arrow(values)
    if pa.types.is_null(arr.type) or not len(arr):
        empty = pa.array([], pa.large_string() if pa.types.is_null(arr.type) else arr.type)
        return np.full(len(arr), -1, dtype=np.int32), empty
    enc = pc.dictionary_encode(arr)  # chunks share one dictionary: combining them is cheap
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    return pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), enc.dictionary


def fill_by_key(values: pd.Series, key: pd.Series, mapping: dict[str, str],
                default: str | None = None) -> pd.Series:  # fmt: skip
    """`values` where present, else `mapping[key]`, else `default`, as a `string` column.

    Only the missing cells are looked at, through their distinct keys: these are event columns
    with millions of rows and a handful of distinct values.
    """
    arr = pc.cast(_arrow(values), pa.large_string())  # also an all-None object column
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.large_string())
    missing = pc.is_null(arr).to_numpy(zero_copy_only=False)
    if default is None and missing.any():
        # often no missing cell has a key in `mapping` (importers fill what they know)
        keyed = codes_in(key, tuple(mapping)) >= 0
        missing &= keyed
    if missing.any():
        rows = np.flatnonzero(missing)
        k_codes, k_names = distinct_codes(key.iloc[rows])
        fills = np.array([mapping.get(n, default) for n in k_names.to_pylist()] + [default],
                         dtype=object)  # fmt: skip
        filled = fills[k_codes]
        arr = pc.replace_with_mask(arr, pa.array(missing), pa.array(filled, pa.large_string()))
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arr])), index=values.index,
                     dtype=pd.StringDtype("pyarrow"))  # fmt: skip


def ascending(*keys: np.ndarray | pa.Array | pa.ChunkedArray, strict: bool = False) -> bool:
    """Whether rows already run in the order of `keys` (the first most significant), so that a
    stable sort would not move them; with `strict`, no two rows may tie on every key.

    Neighbours are compared, numpy arrays in numpy and Arrow (string) arrays in Arrow: far
    cheaper than sorting to find out, and exports and stored logs usually come ordered.
    """
    n = len(keys[0])
    if n < 2:
        return True
    later = np.zeros(n - 1, dtype=bool)
    tied = np.ones(n - 1, dtype=bool)
    for key in keys:
        if isinstance(key, pa.Array | pa.ChunkedArray):
            a, b = key.slice(0, n - 1), key.slice(1)
            lt = pc.less(a, b).to_numpy(zero_copy_only=False).astype(bool)
            eq = pc.equal(a, b).to_numpy(zero_copy_only=False).astype(bool)
        else:
            lt, eq = key[:-1] < key[1:], key[:-1] == key[1:]
        if (tied & ~lt & ~eq).any():
            return False
        later |= tied & lt
        tied &= eq
    return not (strict and tied.any())
