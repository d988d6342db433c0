"""Vectorized random draws of the sample generator: each call takes its values in one go."""

from __future__ import annotations

import numpy as np


def choice(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """`n` indices drawn with weights `p` (need not sum to 1)."""
    return np.searchsorted(np.cumsum(p) / np.sum(p), rng.random(n), side="right").astype(np.int64)


def choice_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each element pick a column with probabilities probs[rows[i]] (rows of probs sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(rows))
    out = np.zeros(len(rows), dtype=np.int64)
    for j in range(probs.shape[1] - 1):  # loop over the few columns, not over elements
        out += u >= cum[rows, j]
    return out


def lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, n)
