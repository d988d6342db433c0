"""Arrow text columns for the large-export path: cleaning and coding by distinct value.

A column of millions of cells usually holds a few hundred distinct values (event types,
statuses, actors); each step here works on those distinct values and numpy codes, not per cell.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import distinct_codes

TextArray = pa.Array | pa.ChunkedArray


def clean_text(values: TextArray, null_tokens: tuple[str, ...]) -> pa.ChunkedArray:
    """Strip cells and turn null tokens into nulls (as `clean_strings`), cell by cell in Arrow."""
    trimmed = pc.utf8_trim_whitespace(values)
    is_null = pc.is_in(trimmed, value_set=pa.array(list(null_tokens), trimmed.type))
    return pc.if_else(is_null, pa.scalar(None, trimmed.type), trimmed)


def text_codes(
    values: TextArray,
    null_tokens: tuple[str, ...],
    transform: Callable[[pa.Array], pa.Array] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """(codes, names): cells cleaned as `clean_text` (then `transform`ed), coded by value.

    `codes` (int32, one per cell) index `names`; -1 for null.
    """
    raw_codes, dictionary = distinct_codes(values)
    if not len(raw_codes):
        return np.zeros(0, dtype=np.int32), []
    cleaned = pc.utf8_trim_whitespace(dictionary)
    null = pc.is_in(cleaned, value_set=pa.array(list(null_tokens), cleaned.type)).to_pylist()
    if transform is not None:
        cleaned = transform(cleaned)
    names: dict[str, int] = {}
    remap = [
        -1 if is_null else names.setdefault(v, len(names))  # per distinct value
        for v, is_null in zip(cleaned.to_pylist(), null, strict=True)
    ]
    lookup = np.array([*remap, -1], dtype=np.int32)  # raw code -1 (null) -> -1
    return lookup[raw_codes], list(names)


def to_series(values: TextArray, index: pd.Index | None = None) -> pd.Series:
    """A pandas `string` Series over an Arrow string array (nulls as <NA>)."""
    arr = values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=index, dtype=pd.StringDtype("pyarrow"))
