"""The network checks (N1-N4): what each compares and when it passes, on made-up study rows.

The checks themselves run minutes of system studies (``leadsim check --suite network``; their
recorded standing is tested with marker ``patterns``, as the single-school checks are). Here the
study's rows are replaced by constructed ones, so each rule is shown to pass and to fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from leadsim.analysis import validation_network as vn
from leadsim.analysis.suite import STANDING, as_documented, run_check, standing, suite

SEEDS = range(12)


def _rows(factor: str, levels: dict[str, float], other: str | None = None, other_levels: dict | None = None, **cols):
    """One row per replication and design point; ``cols[c](level, other_level, r)`` gives column c."""
    rng = np.random.default_rng(0)
    rows = []
    for r in SEEDS:
        noise = rng.normal(0, 0.005)
        for lv in levels:
            for ov in other_levels or {None: 0}:
                row = {factor: lv, "replication": r}
                if other is not None:
                    row[other] = ov
                for c, f in cols.items():
                    row[c] = f(lv, ov, r) + noise
                rows.append(row)
    return pd.DataFrame(rows)


def test_paired_differences_are_taken_within_each_replication():
    rows = pd.DataFrame(
        {
            "executive": ["none", "executive"] * 3,
            "home_pattern": ["solo"] * 6,
            "replication": [0, 0, 1, 1, 2, 2],
            "y": [1.0, 1.5, 10.0, 10.25, -3.0, -3.0],
        }
    )
    d = vn.paired(rows, "y", "executive", "executive", "none", home_pattern="solo")
    assert d.tolist() == [0.5, 0.25, 0.0]


def _executive(low_gain: float, cost_solo: float, cost_design: float):
    def low(lv, ov, r):
        return low_gain if lv == "executive" else 0.0

    def high(lv, ov, r):
        return {"solo": cost_solo, "design": cost_design}[ov] if lv == "executive" else 0.1

    return _rows(
        "executive",
        {"none": 0, "executive": 1},
        "home_pattern",
        {"solo": 0, "design": 1},
        **{"low.final_attainment": low, "high.final_attainment": high},
    )


@pytest.mark.parametrize(("gain", "passes"), [(0.04, True), (0.0, False), (-0.03, False)])
def test_n1_passes_only_when_the_weak_school_gains_under_both_patterns(monkeypatch, gain, passes):
    monkeypatch.setattr(vn, "study_rows", lambda *a, **k: _executive(gain, 0.0, 0.0))
    assert vn.n1_executive_raises(SEEDS).passed is passes


@pytest.mark.parametrize(
    ("solo", "design", "passes"),
    [(-0.05, -0.01, True), (-0.03, -0.03, False), (-0.01, -0.05, False)],
    ids=["design protects", "no difference", "design costs more"],
)
def test_n2_passes_only_when_distribution_at_home_makes_the_cost_smaller(monkeypatch, solo, design, passes):
    monkeypatch.setattr(vn, "study_rows", lambda *a, **k: _executive(0.04, solo, design))
    r = vn.n2_home_protected(SEEDS)
    assert r.passed is passes
    assert r.value == pytest.approx(design - solo, abs=1e-9)


@pytest.mark.parametrize(("less_lost", "passes"), [(0.03, True), (0.0, False), (-0.03, False)])
def test_n3_passes_only_when_the_federated_school_loses_less(monkeypatch, less_lost, passes):
    rows = _rows(
        "context",
        {"alone": 0, "federation": 1},
        "hill_pattern",
        {"solo": 0, "design": 1},
        **{"hill.succession_lost_3y": lambda lv, ov, r: 0.1 - (less_lost if lv == "federation" else 0.0)},
    )
    monkeypatch.setattr(vn, "study_rows", lambda *a, **k: rows)
    r = vn.n3_federation_keeps(SEEDS)
    assert r.passed is passes
    assert r.value == pytest.approx(less_lost, abs=1e-9)


def test_n3_pools_the_two_patterns_within_each_seed(monkeypatch):
    """Solo and design differences of one seed are averaged before the seeds are resampled; a seed
    whose design run could not be read still counts with its solo one."""
    rows = _rows(
        "context",
        {"alone": 0, "federation": 1},
        "hill_pattern",
        {"solo": 0, "design": 1},
        **{"hill.succession_lost_3y": lambda lv, ov, r: 0.1 - 0.01 * r * (ov == "solo") * (lv == "federation")},
    )
    rows.loc[(rows.replication == 0) & (rows.hill_pattern == "design"), "hill.succession_lost_3y"] = np.nan
    monkeypatch.setattr(vn, "study_rows", lambda *a, **k: rows)
    r = vn.n3_federation_keeps(SEEDS)
    per_seed = [0.0] + [(0.01 * k + 0.0) / 2 for k in SEEDS if k]  # seed 0: its solo difference alone
    assert r.value == pytest.approx(np.mean(per_seed), abs=1e-9)


@pytest.mark.parametrize(
    ("curve", "passes"),
    [
        ({"0": 0.0, "1": 0.01, "2": 0.03, "4": 0.02, "8": 0.0}, True),
        ({"0": 0.0, "1": 0.01, "2": 0.02, "4": 0.03, "8": 0.04}, False),
        ({"0": 0.0, "1": -0.01, "2": -0.02, "4": -0.03, "8": -0.04}, False),
        ({"0": 0.0, "1": 0.01, "2": 0.03, "4": 0.03, "8": 0.03}, False),
    ],
    ids=["inverted U", "more is better", "networks only cost", "a plateau, no fall"],
)
def test_n4_passes_only_for_an_interior_optimum_with_a_fall_beyond_it(monkeypatch, curve, passes):
    rows = _rows("networks", curve, **{"system_final_system_attainment_mean": lambda lv, ov, r: curve[lv]})
    monkeypatch.setattr(vn, "study_rows", lambda *a, **k: rows)
    assert vn.n4_optimum(SEEDS).passed is passes


def test_the_study_seeds_must_be_consecutive():
    with pytest.raises(ValueError, match="consecutive"):
        vn.study_rows("executive-head", [0, 2, 3])


def test_the_network_suite_is_its_own_and_every_check_has_a_standing():
    assert list(suite("network")) == ["N1", "N2", "N3", "N4"]
    assert not set(suite("network")) & set(suite("school"))
    assert set(suite("all")) == set(suite("school")) | set(suite("network"))
    with pytest.raises(ValueError, match="unknown suite"):
        suite("district")


@pytest.mark.patterns
@pytest.mark.parametrize("key", list(vn.NETWORK_CHECKS))
def test_network_verdict_is_the_one_docs_validation_records(key):
    result = run_check(key, 20, 2)
    assert as_documented(key, result.passed), (
        f"{result.key}: recorded as {standing(key)} ({STANDING.get(key, ('', ''))[1]}); measured {result.measured}"
    )


def test_the_checks_run_the_bundled_study_on_their_own_seeds_once_for_n1_and_n2(monkeypatch):
    """Three seeds of the real executive-head study: replication r on seed base + r at every design
    point, and N2 reads the rows N1 ran rather than running the study again."""
    from leadsim.experiments import system_study

    calls = []
    real = system_study.run_task

    def counted(task):
        calls.append(task["id"])
        return real(task)

    monkeypatch.setattr(vn, "run_task", counted)
    vn._LAST_STUDY.clear()
    rows = vn.study_rows("executive-head", range(7, 10))
    assert len(rows) == 4 * 3 and sorted(set(rows["seed"])) == [7, 8, 9]
    assert (rows["seed"] == 7 + rows["replication"]).all()
    n1 = vn.n1_executive_raises(range(7, 10))
    n2 = vn.n2_home_protected(range(7, 10))
    assert len(calls) == 12  # one study for both checks
    assert np.isfinite([n1.value, n1.low, n1.high, n2.value, n2.low, n2.high]).all()
    assert set(n1.details) == {f"{p}_{k}" for p in vn.ROLES for k in ("mean", "low", "high")}
