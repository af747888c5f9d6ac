"""Small statistics shared by the analyses: bootstrap intervals and per-group summaries.

Every interval here is a percentile bootstrap with a fixed seed, so the same numbers give
the same interval on every machine and every run of a report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: resamples of every bootstrap interval
RESAMPLES = 2000
#: seed of every bootstrap (the intervals are reproducible)
SEED = 12345


def bootstrap_ci(
    x: np.ndarray, stat: Callable[[np.ndarray], float] = np.mean, n: int = RESAMPLES, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat`` over the first axis (fixed seed: reproducible).

    ``x`` is used as it is: drop missing values first (see :func:`mean_ci`).
    """
    x = np.asarray(x, dtype=float)
    rng = np.random.default_rng(SEED)
    idx = rng.integers(0, len(x), size=(n, len(x)))
    vals = np.array([stat(x[i]) for i in idx])
    a = (1.0 - level) / 2.0
    return float(np.quantile(vals, a)), float(np.quantile(vals, 1.0 - a))


@dataclass(frozen=True)
class Estimate:
    """A mean with its bootstrap interval, over the values that were not missing."""

    mean: float
    low: float
    high: float
    n: int  # values used
    missing: int  # values dropped because they were NaN

    @property
    def ok(self) -> bool:
        """There was at least one value."""
        return self.n > 0

    @property
    def has_interval(self) -> bool:
        """There were enough values (2 or more) for an interval that means something."""
        return self.n >= 2


def mean_ci(x: np.ndarray, level: float = 0.95, n: int = RESAMPLES) -> Estimate:
    """Mean of ``x`` with its percentile bootstrap interval, NaN dropped (and counted).

    With no values left the mean and interval are NaN; with one value the interval is that value.
    """
    x = np.asarray(x, dtype=float).ravel()
    keep = x[~np.isnan(x)]
    missing = int(x.size - keep.size)
    if keep.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, missing)
    lo, hi = bootstrap_ci(keep, np.mean, n=n, level=level)
    return Estimate(float(keep.mean()), lo, hi, int(keep.size), missing)


def quantile_band(values: np.ndarray, low: float = 0.05, high: float = 0.95) -> tuple[float, float, float]:
    """(low quantile, median, high quantile) of the non-missing values; NaNs if there are none."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan
    q = np.quantile(v, [low, 0.5, high])
    return float(q[0]), float(q[1]), float(q[2])


def diff_ci(a: np.ndarray, b: np.ndarray, level: float = 0.95, n: int = RESAMPLES) -> Estimate:
    """Difference of the means of two independent samples, ``a`` minus ``b``, NaN dropped in each.

    The interval resamples each sample on its own (percentile bootstrap, fixed seed); ``n`` of the
    result is the number of values used from both, ``missing`` the number dropped.
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    ka, kb = a[~np.isnan(a)], b[~np.isnan(b)]
    missing = int(a.size - ka.size + b.size - kb.size)
    if ka.size == 0 or kb.size == 0:
        return Estimate(math.nan, math.nan, math.nan, int(ka.size + kb.size), missing)
    rng = np.random.default_rng(SEED)
    ma = ka[rng.integers(0, ka.size, size=(n, ka.size))].mean(axis=1)
    mb = kb[rng.integers(0, kb.size, size=(n, kb.size))].mean(axis=1)
    q = (1.0 - level) / 2.0
    d = ma - mb
    return Estimate(
        float(ka.mean() - kb.mean()),
        float(np.quantile(d, q)),
        float(np.quantile(d, 1.0 - q)),
        int(ka.size + kb.size),
        missing,
    )
