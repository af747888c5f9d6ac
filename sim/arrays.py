"""Array operations the weekly loop makes dozens of times, without numpy's Python-level wrappers.

On the small arrays of one school, ``ndarray.mean`` and ``np.clip`` cost several times the
arithmetic they do (their Python wrappers count items, check dtypes and dispatch on every call).
These make the same computation (the same pairwise sum and division; the same clip ufunc), so
their values are bit-identical to numpy's: a faster run must give the same result for the same seed.
"""

from __future__ import annotations

import numpy as np

try:
    # the ufunc np.clip hands float arrays to, after its Python-level dispatch (numpy >= 2)
    from numpy._core.umath import clip
except ImportError:  # pragma: no cover - numpy 1.x
    clip = np.clip

_sum = np.add.reduce


def mean(x: np.ndarray) -> float:
    """``float(x.mean())`` of a 1-d float array, bit for bit."""
    return float(_sum(x) / x.size)


def share_of(mask: np.ndarray) -> float:
    """``float(mask.mean())`` of a boolean array (the share of True), bit for bit."""
    return np.count_nonzero(mask) / mask.size
