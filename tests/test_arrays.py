"""The model's fast array helpers give numpy's values bit for bit (a faster run, the same result)."""

from __future__ import annotations

import numpy as np
import pytest
from leadsim.sim.arrays import any_of, choose, choose_distinct, clip, clip01, count_nonzero, mean, share_of


@pytest.mark.parametrize("n", [1, 2, 7, 60, 61, 1000, 4097])
def test_mean_is_ndarray_mean_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    for scale in (1e-9, 1.0, 1e6):
        x = rng.normal(0.3, scale, n)
        assert mean(x).hex() == float(x.mean()).hex()
        assert mean(x[::2]).hex() == float(x[::2].mean()).hex()
        assert share_of(x > 0.3).hex() == float((x > 0.3).mean()).hex()


def test_mean_of_nothing_is_nan_as_ndarray_mean() -> None:
    with pytest.warns(RuntimeWarning):
        assert np.isnan(mean(np.zeros(0)))


def test_any_of_is_ndarray_any() -> None:
    for x in (
        np.zeros(5, bool),
        np.eye(3, dtype=bool)[0],
        np.zeros(0, bool),
        np.array([0.0, -0.0]),
        np.array([0.0, np.nan]),
    ):
        assert any_of(x) is bool(x.any())


def test_count_nonzero_is_np_count_nonzero() -> None:
    rng = np.random.default_rng(1)
    for x in (np.zeros(0, bool), rng.random(60) < 0.3, rng.random((60, 60)) < 0.5, np.array([0.0, -0.0, 2.0, np.nan])):
        got = count_nonzero(x)
        assert got == np.count_nonzero(x) and type(got) is type(np.count_nonzero(x))


def test_clip_is_np_clip() -> None:
    x = np.array([-1.0, -0.0, 0.0, 0.5, 1.0, 2.0, np.nan])
    for lo, hi in ((0.0, 1.0), (0, 1), (0.05, 0.95)):
        np.testing.assert_array_equal(clip(x, lo, hi), np.clip(x, lo, hi))
        assert np.array_equal(np.signbit(clip(x, lo, hi)), np.signbit(np.clip(x, lo, hi)))
    assert float(clip(1.7, 0.0, 1.0)) == float(np.clip(1.7, 0.0, 1.0))
    y = x.copy()
    clip(y, 0.0, 1.0, out=y)
    np.testing.assert_array_equal(y, np.clip(x, 0.0, 1.0))


def test_clip01_is_np_clip_to_a_share() -> None:
    x = np.concatenate(
        [[-1.0, -0.0, 0.0, 0.5, 1.0, 2.0, np.nan, np.inf, -np.inf], np.random.default_rng(0).normal(0.5, 1, 99)]
    )
    want = np.clip(x, 0.0, 1.0)
    for got in (clip01(x), clip01(x.copy(), out=np.empty_like(x))):
        assert got.dtype == want.dtype
        assert got.tobytes() == want.tobytes()  # bit for bit, signed zeros and NaN included
    y = x.copy()
    assert clip01(y, out=y) is y and y.tobytes() == want.tobytes()


@pytest.mark.parametrize("size", [None, 1, 3, 50])
@pytest.mark.parametrize("k", [4, 5, 60])
def test_choose_draws_as_generator_choice(size: int | None, k: int) -> None:
    p = np.random.default_rng(k).random(k)
    p /= p.sum()
    ours, theirs = np.random.default_rng(7), np.random.default_rng(7)
    for _ in range(20):
        np.testing.assert_array_equal(choose(ours, p, size), theirs.choice(k, size=size, p=p))
    # the two streams are in the same place afterwards: as many draws were taken
    assert ours.random() == theirs.random()


@pytest.mark.parametrize("k", [2, 3, 5, 20, 60])
def test_choose_distinct_draws_as_generator_choice_without_replacement(k: int) -> None:
    rng = np.random.default_rng(k)
    ours, theirs = np.random.default_rng(11), np.random.default_rng(11)
    for trial in range(200):
        p = rng.random(k) ** (1 + trial % 7 * 3)  # from even to a few indices holding nearly all (redraws)
        p[rng.random(k) < 0.3] = 0.0
        if np.count_nonzero(p) == 0:
            p[0] = 1.0
        p /= p.sum()
        size = int(rng.integers(1, np.count_nonzero(p) + 1))
        before = p.copy()
        got, want = choose_distinct(ours, p, size), theirs.choice(k, size=size, replace=False, p=p)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(p, before)
    assert ours.random() == theirs.random()
