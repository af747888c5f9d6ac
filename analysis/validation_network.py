"""Validation patterns about leadership across schools (seed 002), as checks on the system model (N1-N4).

Each check runs one of the bundled system studies (``experiments/systems/``) with the check's seeds
in place of the study's own: replication ``r`` runs with seed ``base + r`` at every design point,
so every comparison is paired by seed, as in the studies. What each check expects, and why, is in
``docs/validation.md`` ("Networks of schools"); ``leadsim check --suite network`` runs them.

These checks take minutes each (every run is a system of two to eight schools over five to nine
years), so they are a suite of their own, not part of the default ``leadsim check``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from leadsim.analysis import validation_figures as vf
from leadsim.analysis.statistics import bootstrap_ci
from leadsim.analysis.validation import PatternResult
from leadsim.experiments.system_study import load_study, run_task, study_tasks
from leadsim.experiments.worker import map_local

__all__ = ["NETWORK_CHECKS", "n1_executive_raises", "n2_home_protected", "n3_federation_keeps", "n4_optimum"]

#: the strong school's pattern at home in study ``executive-head`` (and Hill's own in ``federation-succession``)
ROLES = ("solo", "design")
SEED_002 = "Harris 2008 (seed 002), 'Crossing boundaries and breaking barriers'"


def study_rows(name: str, seeds: Sequence[int], workers: int = 1) -> pd.DataFrame:
    """Every run of the bundled system study ``name`` with replication r on seed ``seeds[r]``.

    Args:
        name: a bundled system study (``experiments/systems/NAME.yaml``).
        seeds: consecutive seeds (the study derives replication r's seed as its base plus r).
        workers: local worker processes; 1 or fewer runs in this process.

    Returns:
        One row per run: the design point's factor levels, ``replication``, ``seed`` and the measures.
    """
    seeds = [int(s) for s in seeds]
    if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        raise ValueError("a system study's seeds are consecutive: base, base + 1, ...")
    key = (name, seeds[0], len(seeds))
    if key not in _LAST_STUDY:
        # N1 and N2 read the same study: run it once per set of seeds (the last one only is kept)
        spec, scenario = load_study(name, [f"seed={seeds[0]}", f"replications={len(seeds)}"])
        _LAST_STUDY.clear()
        _LAST_STUDY[key] = pd.DataFrame(map_local(run_task, study_tasks(spec, scenario), workers))
    return _LAST_STUDY[key].copy()


_LAST_STUDY: dict[tuple[str, int, int], pd.DataFrame] = {}


def paired(rows: pd.DataFrame, column: str, factor: str, level: str, baseline: str, **where: str) -> np.ndarray:
    """Per replication, ``column`` at ``factor=level`` minus at ``factor=baseline``, the other factors as ``where``."""
    sel = rows
    for f, v in where.items():
        sel = sel[sel[f] == v]
    wide = sel.pivot(index="replication", columns=factor, values=column)
    return (wide[level] - wide[baseline]).to_numpy(dtype=float)


def _ci(d: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % bootstrap interval over the seeds that measured it (a run that did not, e.g. a
    departure too late to read three years after it, leaves NaN; a check of none is NaN and fails)."""
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    lo, hi = bootstrap_ci(d)
    return float(d.mean()), lo, hi


def _fmt(m: float, lo: float, hi: float) -> str:
    return f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def n1_executive_raises(seeds: Sequence[int], workers: int = 1) -> PatternResult:
    """An executive head from a strong school raises a weak one, whatever the strong school's pattern.

    Study ``executive-head``: Low's attainment at the end with High's head as its executive head,
    minus the same seed without; passes when both 95 % intervals (High led solo, High led by
    design) lie above zero.
    """
    rows = study_rows("executive-head", seeds, workers)
    d = {p: paired(rows, "low.final_attainment", "executive", "executive", "none", home_pattern=p) for p in ROLES}
    est = {p: _ci(v) for p, v in d.items()}
    worst = min(est.values(), key=lambda e: e[1])
    return PatternResult(
        key="N1",
        name="An executive head raises a weak school",
        source=f"{SEED_002}: the executive head model 'particularly effective at mobilising change' in "
        "schools in difficult contexts",
        expected="weak school's final attainment higher with the executive head (SD, paired): 95 % interval > 0 "
        "with the strong school led solo and by design",
        value=worst[0],
        low=worst[1],
        high=worst[2],
        passed=all(e[1] > 0 for e in est.values()),
        measured="; ".join(f"High {p}: {_fmt(*e)}" for p, e in est.items()),
        details={f"{p}_{k}": v for p, e in est.items() for k, v in zip(("mean", "low", "high"), e, strict=True)},
        figure=vf.arms("N1: weak school's gain with an executive head (paired, SD)", d, "Δ attainment", 0.0),
    )


def n2_home_protected(seeds: Sequence[int], workers: int = 1) -> PatternResult:
    """While its head leads another school too, a strong school that distributes leadership loses less.

    Study ``executive-head``: High's cost (its final attainment with its head as executive head of
    Low, minus without) when High distributes by design, minus that cost when High is led solo, per
    seed. Passes when the 95 % interval of this difference lies above zero.
    """
    rows = study_rows("executive-head", seeds, workers)
    cost = {p: paired(rows, "high.final_attainment", "executive", "executive", "none", home_pattern=p) for p in ROLES}
    d = cost["design"] - cost["solo"]
    m, lo, hi = _ci(d)
    solo, design = _ci(cost["solo"]), _ci(cost["design"])
    return PatternResult(
        key="N2",
        name="Distributed leadership at home protects the strong school",
        source=f"{SEED_002}: lateral leadership works through leadership distributed within schools; issue 14: "
        "the supporting school's results depend on it",
        expected="the strong school's cost of its head leading another school is smaller with leadership "
        "distributed by design at home than led solo (SD, paired): 95 % interval > 0",
        value=m,
        low=lo,
        high=hi,
        passed=lo > 0,
        measured=f"{_fmt(m, lo, hi)} (cost solo {_fmt(*solo)}, design {_fmt(*design)})",
        details={"solo_cost": solo[0], "design_cost": design[0]},
        figure=vf.arms("N2: strong school's cost of an executive headship (paired, SD)", cost, "Δ attainment", 0.0),
    )


def n3_federation_keeps(seeds: Sequence[int], workers: int = 1) -> PatternResult:
    """When a charismatic head leaves, a school inside a federation with shared leadership loses less.

    Study ``federation-succession``: Hill's attainment lost three years after its head leaves (SD),
    alone minus inside the federation (partners that distribute by design), per seed and averaged
    over Hill's own pattern (solo, design) within each seed. Passes when the 95 % interval over the
    seeds lies above zero.
    """
    rows = study_rows("federation-succession", seeds, workers)
    col = "hill.succession_lost_3y"
    d = {p: -paired(rows, col, "context", "federation", "alone", hill_pattern=p) for p in ROLES}
    # Pooled per seed: the two patterns' differences come from the same seeds, so they are averaged
    # within each seed and the seeds resampled (resampling 2n values as if independent would narrow
    # the interval).
    per_seed = np.column_stack(list(d.values()))
    seen = np.isfinite(per_seed).any(axis=1)
    pooled = np.array([np.nanmean(r) for r in per_seed[seen]])
    m, lo, hi = _ci(pooled)
    each = {p: _ci(v) for p, v in d.items()}
    return PatternResult(
        key="N3",
        name="A federation keeps more when a charismatic head leaves",
        source=f"{SEED_002}: federations 'build capacity between schools'; leadership 'stretched over very "
        "different school types and contexts'",
        expected="attainment lost 3 years after the departure, alone minus inside the federation (SD, paired, "
        "averaged over the school's own pattern within each seed): 95 % interval > 0",
        value=m,
        low=lo,
        high=hi,
        passed=lo > 0,
        measured=f"{_fmt(m, lo, hi)} (solo {_fmt(*each['solo'])}, design {_fmt(*each['design'])})",
        details={f"{p}_mean": e[0] for p, e in each.items()},
        figure=vf.arms("N3: less lost inside a federation (alone - federation, SD)", d, "Δ lost after 3 years", 0.0),
    )


def n4_optimum(seeds: Sequence[int], workers: int = 1) -> PatternResult:
    """Joining networks helps up to an optimum number, beyond which energy is dissipated.

    Study ``partnerships``: system mean attainment after 5 years with 0, 1, 2, 4 or 8 learning
    networks per school, each against none, per seed. The best level is the one with the highest mean
    difference; passes when it is neither none nor the most (8), its 95 % interval against none lies
    above zero (Caldwell: success depends on joining networks) and so does its interval against the
    most (the benefit falls beyond the optimum). Choosing the best on the same seeds favours a pass
    a little; the two intervals must both clear zero.
    """
    rows = study_rows("partnerships", seeds, workers)
    col = "system_final_system_attainment_mean"
    levels = sorted(rows["networks"].unique(), key=int)
    none, most = levels[0], levels[-1]
    d = {k: paired(rows, col, "networks", k, none) for k in levels[1:]}
    best = max(d, key=lambda k: _ci(d[k])[0])
    gain = _ci(d[best])
    over = _ci(d[best] - d[most]) if best != most else (0.0, 0.0, 0.0)
    passed = bool(best != most and gain[1] > 0 and over[1] > 0)
    shown = ", ".join(f"{k}: {_ci(d[k])[0]:+.3f}" for k in levels[1:])
    return PatternResult(
        key="N4",
        name="An optimum number of networks",
        source=f"{SEED_002}: 'there must be an optimum number of networks that any one school can engage in "
        "before energy is dissipated'; Caldwell: success depends on joining networks",
        expected="system attainment against no networks is highest at an interior number of networks per school, "
        "above none and above the most (8), both 95 % intervals > 0",
        value=gain[0],
        low=gain[1],
        high=gain[2],
        passed=passed,
        measured=f"best {best} networks: {_fmt(*gain)} against none; best - {most}: {_fmt(*over)} "
        f"(each against none: {shown})",
        details={f"networks_{k}": _ci(d[k])[0] for k in levels[1:]},
        figure=vf.arms("N4: system attainment against no networks (paired, SD)", d, "Δ attainment", 0.0),
    )


#: the network checks by key, as :func:`leadsim.analysis.suite.suite` lists them
NETWORK_CHECKS = {
    "N1": n1_executive_raises,
    "N2": n2_home_protected,
    "N3": n3_federation_keeps,
    "N4": n4_optimum,
}
