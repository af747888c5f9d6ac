"""Reductions the weekly loop makes dozens of times, without numpy's Python-level wrappers.

``ndarray.mean`` on the small arrays of one school costs several times the sum it does (its
Python wrapper counts items and checks dtypes on every call). :func:`mean` makes the same
pairwise sum and the same division, so its value is bit-identical to ``float(x.mean())``: a
faster run must give the same result for the same seed.
"""

from __future__ import annotations

import numpy as np

_sum = np.add.reduce


def mean(x: np.ndarray) -> float:
    """``float(x.mean())`` of a 1-d float array, bit for bit."""
    return float(_sum(x) / x.size)


def share_of(mask: np.ndarray) -> float:
    """``float(mask.mean())`` of a boolean array (the share of True), bit for bit."""
    return np.count_nonzero(mask) / mask.size
