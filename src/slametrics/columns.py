"""Column helpers: instants as int64 microseconds, and what pandas lacks for large text columns."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

US = 1_000_000
DAY_US = 86_400 * US
FAR = 2**60  # microseconds; far beyond any plausible data but safe from int64 overflow
NAT = np.iinfo(np.int64).min  # "no instant", as pandas encodes NaT


def to_us(values: pd.Series | np.ndarray | pd.DatetimeIndex) -> np.ndarray:
    """Tz-aware timestamps as int64 UTC microseconds (NaT becomes int64 min)."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    return idx.tz_convert("UTC").as_unit("us").asi8


def from_us(values: np.ndarray) -> pd.DatetimeIndex:
    """Int64 UTC microseconds as a tz-aware DatetimeIndex (NAT becomes NaT)."""
    arr = np.asarray(values, dtype=np.int64).astype("datetime64[us]")
    return pd.DatetimeIndex(arr).as_unit("us").tz_localize("UTC")


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
    """Position of each value in `candidates` (its first, -1 when absent), hashed in Arrow;
    one lookup per run of equal values when they come in runs (a ticket's events)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    left = _arrow(values)
    right = _arrow(candidates)
    if not (_stringy(left.type) and _stringy(right.type)):
        return pd.Index(candidates).get_indexer(values)
    left, right = pc.cast(left, pa.large_string()), pc.cast(right, pa.large_string())
    if isinstance(left, pa.ChunkedArray):
        left = left.combine_chunks()
    return per_run(left, lambda v: _positions(pc.index_in(v, value_set=right)))


def _positions(found: pa.Array) -> np.ndarray:
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


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


def codes_in(
    values: pd.Series | pa.Array | pa.ChunkedArray, choices: tuple[str, ...] | list[str]
) -> np.ndarray:
    """Position of each value in `choices` (-1 for anything else or missing), hashed in Arrow;
    a categorical (dictionary) column is looked up through its categories alone."""
    coded = categories_of(values)
    if coded is not None:
        codes, names = coded
        where: dict[str, int] = {}
        for i, c in enumerate(choices):
            where.setdefault(c, i)  # the first of equal choices, as Arrow's index_in
        lookup = np.array([where.get(n, -1) for n in names] + [-1], dtype=np.int64)
        return lookup[codes]  # code -1 (missing) takes the last slot
    if isinstance(values, pa.Array | pa.ChunkedArray):
        values = pd.Series(
            pd.arrays.ArrowStringArray(
                pa.chunked_array([values]) if isinstance(values, pa.Array) else values
            )
        )
    return index_in(values, pd.Series(list(choices), dtype="string"))


def categories_of(
    values: pd.Series | pa.Array | pa.ChunkedArray,
) -> tuple[np.ndarray, list[str]] | None:
    """(codes, categories) of a pandas categorical or Arrow dictionary column, codes -1 where
    missing; None for any other column."""
    if isinstance(values, pd.Series):
        if not isinstance(values.dtype, pd.CategoricalDtype):
            return None
        return values.cat.codes.to_numpy(), list(values.cat.categories)
    if not pa.types.is_dictionary(values.type):
        return None
    if isinstance(values, pa.ChunkedArray):
        values = values.unify_dictionaries()
        values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    return (
        pc.fill_null(values.indices, -1).to_numpy(zero_copy_only=False),
        values.dictionary.to_pylist(),
    )


def is_categorical(values: pd.Series | pa.Array | pa.ChunkedArray) -> bool:
    """Whether `values` is a pandas categorical or an Arrow dictionary column."""
    if isinstance(values, pd.Series):
        return isinstance(values.dtype, pd.CategoricalDtype)
    return pa.types.is_dictionary(values.type)


def categorical(codes: np.ndarray, names: list[str], index: pd.Index | None = None) -> pd.Series:
    """A categorical `Series` from codes into `names` (-1 missing): a text column of millions of
    cells with a few distinct values, kept as codes until it is written."""
    cats = pd.Index(names, dtype=str) if names else pd.Index([], dtype=str)
    return pd.Series(
        pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cats), validate=False),
        index=index,
    )


def distinct_codes(values: pd.Series | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(codes, distinct values) of a column, hashed in Arrow; int32 codes, -1 for missing cells."""
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else _arrow(values)
    if pa.types.is_null(arr.type) or not len(arr):
        empty = pa.array([], pa.large_string() if pa.types.is_null(arr.type) else arr.type)
        return np.full(len(arr), -1, dtype=np.int32), empty
    if pa.types.is_dictionary(arr.type):  # coded already (as the CSV reader may give it)
        enc = arr.unify_dictionaries() if isinstance(arr, pa.ChunkedArray) else arr
    else:
        enc = pc.dictionary_encode(arr)  # chunks share one dictionary: combining them is cheap
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    return pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), enc.dictionary


def fill_by_key(
    values: pd.Series, key: pd.Series, mapping: dict[str, str], default: str | None = None
) -> pd.Series:
    """`values` where present, else `mapping[key]`, else `default`, as a `string` column.

    Only the missing cells are looked at, through their distinct keys: these are event columns
    with millions of rows and a handful of distinct values. A categorical `values` (or an empty
    one beside a categorical `key`) gives a categorical result, worked out on codes alone.
    """
    if isinstance(values.dtype, pd.CategoricalDtype) or (
        isinstance(key.dtype, pd.CategoricalDtype) and not values.notna().any()
    ):
        return _fill_categorical(values, key, mapping, default)
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
        fills = np.array(
            [mapping.get(n, default) for n in k_names.to_pylist()] + [default], dtype=object
        )
        filled = fills[k_codes]
        arr = pc.replace_with_mask(arr, pa.array(missing), pa.array(filled, pa.large_string()))
    return pd.Series(
        pd.arrays.ArrowStringArray(pa.chunked_array([arr])),
        index=values.index,
        dtype=pd.StringDtype("pyarrow"),
    )


def concat_frames(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """`pd.concat(parts, ignore_index=True)` keeping categorical columns categorical.

    pandas turns categoricals with differing categories (or beside plain text) into objects:
    millions of Python strings. Here each such column is recoded to the union of categories.
    """
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    cat_cols = {
        c for part in parts for c in part.columns if isinstance(part[c].dtype, pd.CategoricalDtype)
    }
    if cat_cols:
        parts = [part.copy(deep=False) for part in parts]
        for col in sorted(cat_cols):
            union: dict[str, None] = {}
            for part in parts:
                if col not in part:
                    part[col] = categorical(np.full(len(part), -1, np.int8), [], part.index)
                values = part[col]
                if isinstance(values.dtype, pd.CategoricalDtype):
                    union |= dict.fromkeys(values.cat.categories)
                else:
                    union |= dict.fromkeys(values.dropna().unique())
            dtype = pd.CategoricalDtype(pd.Index(list(union), dtype=str))
            for part in parts:
                part[col] = part[col].astype(dtype)
    return pd.concat(parts, ignore_index=True)


def _fill_categorical(
    values: pd.Series, key: pd.Series, mapping: dict[str, str], default: str | None
) -> pd.Series:
    coded = categories_of(values)
    v_codes, names = coded if coded is not None else (np.full(len(values), -1, np.int64), [])
    k_codes, k_names = categories_of(key) or _codes_and_names(key)
    names = list(names)
    position: dict[str, int] = {}
    for i, n in enumerate(names):
        position.setdefault(n, i)
    fills = []
    for k in [*k_names, None]:  # per distinct key, the last slot for a missing key
        fill = mapping.get(k, default) if k is not None else default
        if fill is not None and fill not in position:
            position[fill] = len(names)
            names.append(fill)
        fills.append(-1 if fill is None else position[fill])
    out = np.where(v_codes >= 0, v_codes, np.array(fills, dtype=np.int64)[k_codes])
    return categorical(out, names, values.index)


def _codes_and_names(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, names = distinct_codes(values)
    return codes, names.to_pylist()


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


def take_rows(table: pa.Table, rows: np.ndarray | pa.Array | pa.ChunkedArray) -> pa.Table:
    """`table.take(rows)`, its columns taken on two threads (Arrow lets go of the GIL): Arrow
    takes a table's columns one after the other, and reordering the text columns of a chunk
    or a bucket is one of an import's largest steps. Rows already in order are not copied."""
    indices = rows if isinstance(rows, pa.Array | pa.ChunkedArray) else pa.array(rows)
    if len(indices) == table.num_rows and _identity(indices):
        return table
    if table.num_columns < 2 or table.num_rows < 1 << 16:
        return table.take(indices)
    columns = list(_take_pool().map(lambda column: column.take(indices), table.columns))
    return pa.Table.from_arrays(columns, schema=table.schema)


def _identity(indices: pa.Array | pa.ChunkedArray) -> bool:
    """Whether `indices` are 0, 1, 2, ... (a take that would copy the table as it is)."""
    if indices.null_count or not pa.types.is_integer(indices.type):
        return False
    values = indices.to_numpy(zero_copy_only=False) if len(indices) else np.zeros(0, np.int64)
    return bool(np.array_equal(values, np.arange(len(values))))


@functools.cache
def _take_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="slametrics-take")


def sort_order(table: pa.Table, keys: list[str]) -> pa.Array:
    """`pc.sort_indices` of `table` by `keys` ascending (stable), the first key left out when
    it holds one value and no null (a log of one source, sorted by ticket id): Arrow sorts
    one text column three times faster than a table by two (17.5 s against 5.9 s for 10M
    ticket ids)."""
    first = table.column(keys[0])
    if len(keys) > 1 and table.num_rows and not first.null_count and _stringy(first.type):
        low, high = pc.min_max(first).values()
        if low == high:
            keys = keys[1:]
    if len(keys) == 1:
        return pc.sort_indices(table.column(keys[0]))
    return pc.sort_indices(table.select(keys), sort_keys=[(k, "ascending") for k in keys])


def distinct_text(column: pa.ChunkedArray) -> pa.Array:
    """The column's values once each, as large strings: a dictionary-encoded column's are its
    dictionaries' (a superset at most, so a check over them is never looser), without
    decoding every row."""
    return pc.unique(runs_of(column))


def runs_of(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column's text as large strings, one value per run of equal values (a ticket's rows
    come together: a tenth of the rows for a set or a lookup), or its dictionaries' values."""
    if pa.types.is_dictionary(column.type):
        pieces = [chunk.dictionary for chunk in column.chunks]
    else:
        pieces = [run_heads(chunk) for chunk in column.chunks]
    text = [pc.cast(piece, pa.large_string()) for piece in pieces]
    return pa.chunked_array(text, pa.large_string())


def run_starts(values: pa.Array, *more: pa.Array) -> np.ndarray:
    """Positions where a run of rows equal in every column starts (nulls each start one), in
    one comparison of neighbours per column: an export lists a ticket's events together, so
    runs are far fewer than rows, and one value per run is all a per-value step needs."""
    n = len(values)
    if n < 2:
        return np.arange(n)
    differs = np.zeros(n - 1, dtype=bool)
    for column in (values, *more):
        ne = pc.fill_null(pc.not_equal(column.slice(1), column.slice(0, n - 1)), True)
        differs |= ne.to_numpy(zero_copy_only=False)
    return np.concatenate([[0], np.flatnonzero(differs) + 1])


def run_lengths(starts: np.ndarray, n: int) -> np.ndarray:
    """Rows in each run of `n` rows, from the runs' starts."""
    return np.diff(np.append(starts, n))


def expand_runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of runs (`lengths[i]` rows from `starts[i]`) one run after the other:
    a run order made a row order without a loop."""
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1] if len(ends) else 0)


def per_run(values: pa.Array, of_values: Callable[[pa.Array], np.ndarray]) -> np.ndarray:
    """`of_values(values)`, a value for each row, computed once per run of equal values and
    repeated over the run's rows; row by row when hardly any rows come in runs."""
    starts = run_starts(values)
    if 2 * len(starts) > len(values):  # the comparison bought nothing
        return of_values(values)
    return np.repeat(of_values(values.take(pa.array(starts))), run_lengths(starts, len(values)))


def run_heads(values: pa.Array) -> pa.Array:
    """The first value of each run of equal values (all rows when they come in no runs)."""
    return values.take(pa.array(run_starts(values)))


def coded_by_runs(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(distinct values in first-seen order, each row's index into them): Arrow's
    `dictionary_encode`, exactly, but over one value per run when rows come in runs (a
    chunk of events: 10 rows per ticket id), which codes a tenth of the text."""
    starts = run_starts(values) if not values.null_count else np.arange(len(values))
    if 2 * len(starts) > len(values):  # hardly any runs: the comparison bought nothing
        coded = pc.dictionary_encode(values)
        return coded.dictionary, coded.indices.to_numpy(zero_copy_only=False)
    coded = pc.dictionary_encode(values.take(pa.array(starts)))
    lengths = run_lengths(starts, len(values))
    return coded.dictionary, np.repeat(coded.indices.to_numpy(zero_copy_only=False), lengths)


def hashed_mod(distinct: pa.Array, n: int) -> np.ndarray:
    """Each text's stable hash (pandas' SipHash of the UTF-8 text, with its fixed key: the same
    in every process and version) modulo `n`. The texts are distinct (coded by Arrow first):
    pandas' own coding of them (`categorize`) would only cost time, 0.6 s a million, for the
    same hashes."""
    hashes = pd.util.hash_array(distinct.to_numpy(zero_copy_only=False), categorize=False)
    return (hashes % np.uint64(n)).astype(np.int64)
