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
    if not pa.types.is_string(left.type) or not pa.types.is_string(right.type):
        return values.isin(candidates).to_numpy()
    return pc.is_in(left, value_set=pc.unique(right)).to_numpy(zero_copy_only=False).astype(bool)
