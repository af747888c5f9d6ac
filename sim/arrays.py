"""Array operations the weekly loop makes dozens of times, without numpy's Python-level wrappers.

On the small arrays of one school, ``ndarray.mean``, ``np.clip`` and ``Generator.choice`` cost
several times the arithmetic they do (their wrappers count items, check dtypes and arguments and
dispatch on every call). These make the same computation (the same pairwise sum and division; the
same clip ufunc; the same uniform draw looked up in the same cumulative sum), so their values are
bit-identical to numpy's: a faster run must give the same result for the same seed
(``tests/test_arrays.py`` holds them to it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    # the ufunc np.clip hands float arrays to, after its Python-level dispatch (numpy >= 2)
    from numpy._core.umath import clip
except ImportError:  # pragma: no cover - numpy 1.x
    clip = np.clip

try:
    # the C function np.count_nonzero hands a whole array to (its Python wrapper costs three times the count)
    from numpy._core.multiarray import count_nonzero
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import count_nonzero

_sum = np.add.reduce
#: 0 and 1 as read-only 0-d float64 arrays: a ufunc converts a Python float operand on every call (about
#: half a microsecond, as much as clipping a school's array), a 0-d array not; the same float64 loop runs
_ZERO, _ONE = np.array(0.0), np.array(1.0)
_ZERO.flags.writeable = _ONE.flags.writeable = False


def mean(x: np.ndarray) -> float:
    """``float(x.mean())`` of a 1-d float array, bit for bit."""
    n = x.size
    if n == 0:
        return float(_sum(x) / n)  # NaN with NumPy's warning, as the method gives
    # the same IEEE division as NumPy's scalar one (the size is exact as a double), without its overhead
    return float(_sum(x)) / n


def clip01(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.clip(x, 0.0, 1.0)`` (or into ``out``) of a float64 array, bit for bit."""
    if out is None:
        return clip(x, _ZERO, _ONE)
    return clip(x, _ZERO, _ONE, out=out)


def share_of(mask: np.ndarray) -> float:
    """``float(mask.mean())`` of a boolean array (the share of True), bit for bit."""
    return count_nonzero(mask) / mask.size


def any_of(mask: np.ndarray) -> bool:
    """``bool(mask.any())``: whether any element is true (non-zero), without the method's wrapper."""
    return bool(count_nonzero(mask))


def choose(rng: np.random.Generator, p: np.ndarray, size: int | None = None) -> Any:
    """``rng.choice(p.size, size, p=p)``: the same indices from the same draws of the stream.

    Without ``Generator.choice``'s checks of its arguments, so only for probabilities the model
    has just normalised itself (non-negative, summing to 1).
    """
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(size), side="right")


def choose_distinct(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(p.size, size, replace=False, p=p)``: the same indices from the same draws of the stream.

    Generator.choice's own algorithm (draw with replacement, keep the first of each index in the
    order drawn, zero the chosen and draw again for the rest) without its checks of the arguments and
    its ``np.unique`` over one or two draws, so only for probabilities the model has just normalised
    itself with at least ``size`` of them positive. Leaves ``p`` as it was.
    """
    p = p.copy()
    found = np.zeros(size, dtype=np.int64)
    n = 0
    while n < size:
        x = rng.random(size - n)
        if n > 0:
            p[found[:n]] = 0
        cdf = p.cumsum()
        cdf /= cdf[-1]
        # np.unique(..., return_index=True) then sorting the indices: the first of each, as drawn
        new = list(dict.fromkeys(cdf.searchsorted(x, side="right").tolist()))
        found[n : n + len(new)] = new
        n += len(new)
    return found
