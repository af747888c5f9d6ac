"""The statistics behind the report: bootstrap intervals, missing values, Morris and Sobol on known functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from leadsim.analysis import sensitivity
from leadsim.analysis.statistics import bootstrap_ci, diff_ci, mean_ci, quantile_band


def test_bootstrap_ci_is_the_percentile_bootstrap_with_a_fixed_seed():
    x = np.random.default_rng(1).normal(0.3, 1.0, 40)
    lo, hi = bootstrap_ci(x)
    rng = np.random.default_rng(12345)
    means = np.array([x[i].mean() for i in rng.integers(0, x.size, size=(2000, x.size))])
    assert (lo, hi) == pytest.approx((np.quantile(means, 0.025), np.quantile(means, 0.975)), abs=1e-12)
    assert bootstrap_ci(x) == (lo, hi)  # reproducible
    assert lo < x.mean() < hi
    # about 1.96 standard errors either side
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert hi - lo == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_validation_uses_the_same_bootstrap():
    from leadsim.analysis import validation

    assert validation.bootstrap_ci is bootstrap_ci


def test_mean_ci_drops_and_counts_missing_values():
    x = np.array([0.1, 0.4, np.nan, 0.3, 0.9, np.nan])
    e = mean_ci(x)
    assert e == mean_ci(x)
    assert (e.n, e.missing, e.ok, e.has_interval) == (4, 2, True, True)
    assert e.mean == pytest.approx(0.425)
    assert (e.low, e.high) == bootstrap_ci(x[~np.isnan(x)])
    one = mean_ci(np.array([np.nan, 0.5]))
    assert (one.mean, one.low, one.high, one.n, one.has_interval) == (0.5, 0.5, 0.5, 1, False)
    none = mean_ci(np.array([np.nan, np.nan]))
    assert (none.n, none.missing, none.ok) == (0, 2, False)
    assert np.isnan(none.mean) and np.isnan(none.low)
    assert mean_ci(np.array([])).n == 0


def test_diff_ci_of_two_groups():
    rng = np.random.default_rng(4)
    a, b = rng.normal(1.0, 0.2, 50), rng.normal(0.5, 0.2, 60)
    d = diff_ci(np.append(a, np.nan), b)
    assert d.mean == pytest.approx(a.mean() - b.mean())
    assert 0 < d.low < d.mean < d.high
    assert (d.n, d.missing) == (110, 1)
    same = diff_ci(a, a)
    assert same.low < 0 < same.high
    assert np.isnan(diff_ci(np.array([np.nan]), b).mean)


def test_quantile_band():
    lo, mid, hi = quantile_band(np.append(np.arange(101.0), np.nan))
    assert (lo, mid, hi) == (5.0, 50.0, 95.0)
    assert all(np.isnan(quantile_band(np.array([np.nan]))))


def _morris_design(k: int, trajectories: int, seed: int = 3) -> tuple[pd.DataFrame, list[str]]:
    from SALib.sample import morris as morris_sample

    names = [f"x{i}" for i in range(k)]
    x = morris_sample.sample({"num_vars": k, "names": names, "bounds": [[0, 1]] * k}, trajectories, seed=seed)
    design = pd.DataFrame(x, columns=names)
    design.insert(0, "point", np.arange(len(x)))
    return design, names


def _summaries(design: pd.DataFrame, y: np.ndarray, reps: int = 1) -> pd.DataFrame:
    rows = pd.concat([design.assign(out=y, replicate=r) for r in range(reps)], ignore_index=True)
    return rows.assign(status="ok")


def test_morris_finds_the_known_ranking_and_drops_trajectories_with_gaps():
    design, names = _morris_design(4, 10)
    x = design[names].to_numpy()
    y = 3 * x[:, 0] - 1 * x[:, 1] + x[:, 2] * x[:, 3] * 4  # x2 and x3 interact
    y[[2, 17]] = np.nan  # trajectories 0 and 3 lose a point each
    res = sensitivity.morris(design, _summaries(design, y), names, "out")
    assert (res.units, res.used, res.dropped, res.points_missing) == (10, 8, 2, 2)
    t = res.table
    assert t.loc["x0", "mu_star"] == pytest.approx(3, abs=1e-9)
    assert t.loc["x1", "mu"] == pytest.approx(-1, abs=1e-9)
    assert t.loc["x0", "sigma"] == pytest.approx(0, abs=1e-9)  # linear: the same effect everywhere
    assert t.loc["x2", "sigma"] > 0.3 * t.loc["x2", "mu_star"]  # interaction shows as spread
    assert list(t.sort_values("mu_star", ascending=False).index[:1]) == ["x0"]


def test_morris_averages_replicates_and_ignores_failed_runs():
    design, names = _morris_design(2, 6)
    y = 2 * design["x0"].to_numpy()
    s = _summaries(design, y, reps=2)
    s.loc[s["replicate"] == 1, "out"] += 1.0  # replicates differ by a constant: the mean moves, effects do not
    s.loc[0, "status"] = "error"
    s.loc[0, "out"] = 1e9
    res = sensitivity.morris(design, s, names, "out")
    assert res.used == 6
    assert res.table.loc["x0", "mu_star"] == pytest.approx(2, abs=1e-9)


def test_morris_with_no_whole_trajectory_says_so():
    design, names = _morris_design(3, 4)
    y = np.where(np.arange(len(design)) % 4 == 0, np.nan, 1.0)
    res = sensitivity.morris(design, _summaries(design, y), names, "out")
    assert not res.ok and res.used == 0
    assert "too few to analyse" in " ".join(res.notes)


def test_sobol_on_a_known_function():
    from SALib.sample import sobol as sobol_sample

    names = ["a", "b", "c"]
    x = sobol_sample.sample({"num_vars": 3, "names": names, "bounds": [[0, 1]] * 3}, 256, seed=1)
    design = pd.DataFrame(x, columns=names)
    design.insert(0, "point", np.arange(len(x)))
    y = 4 * x[:, 0] + 2 * x[:, 1]
    res = sensitivity.sobol(design, _summaries(design, y), names, "out")
    assert res.ok and res.used == 256
    # variances 16/12 and 4/12: S1 = 0.8 and 0.2
    assert res.table.loc["a", "S1"] == pytest.approx(0.8, abs=0.1)
    assert res.table.loc["b", "S1"] == pytest.approx(0.2, abs=0.1)
    assert abs(res.table.loc["c", "ST"]) < 0.05


def test_a_range_holds_only_when_the_whole_interval_is_inside_it():
    from leadsim.analysis.statistics import within

    assert within((0.16, 0.21), 0.15, 0.22)
    assert within((0.15, 0.22), 0.15, 0.22)  # the edges belong to the range
    assert not within((0.148, 0.19), 0.15, 0.22)  # the mean may be inside; the interval is not
    assert not within((0.10, 0.30), 0.15, 0.22)


def test_a_narrower_interval_at_90_percent_than_at_95():
    from leadsim.analysis.statistics import EQUIVALENCE_LEVEL, bootstrap_ci

    x = np.random.default_rng(1).normal(0.17, 0.02, size=40)
    lo90, hi90 = bootstrap_ci(x, level=EQUIVALENCE_LEVEL)
    lo95, hi95 = bootstrap_ci(x)
    assert lo95 < lo90 < x.mean() < hi90 < hi95


def test_p1_cannot_pass_on_resamples_in_which_an_arm_gained_nothing(monkeypatch):
    # Solo schools that gained nothing clear have no share kept: P1's interval must then be
    # unbounded below, not NaN and not computed over the resamples that happen to be defined.
    from leadsim.analysis import validation

    flat = pd.DataFrame({"attainment": np.zeros(12 * 39 + 1)})
    rising = pd.DataFrame({"attainment": np.linspace(0.0, 0.3, 12 * 39 + 1)})
    calls = iter([[flat] * 6 + [rising] * 2, [rising] * 8])
    monkeypatch.setattr(validation, "run_many", lambda spec, seeds, workers=1: next(calls))
    r = validation.p1_succession(range(8))
    assert r.low == -np.inf and not r.passed
