"""Global sensitivity analysis of a sweep: Morris elementary effects and Sobol indices (SALib).

The design matrix is the factor columns of ``design.parquet`` in point order, as the sampler
made it; the output of a design point is the mean over its replicates. SALib needs whole
trajectories (Morris) or whole blocks of a base sample (Sobol): a point without an output
(every replicate failed, or the measure is undefined there, e.g. no gain to keep) takes its
whole trajectory or block out of the analysis, and the result says how many went.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: bootstrap resamples behind mu*_conf and the Sobol intervals, and their seed (reproducible)
RESAMPLES = 1000
SEED = 12345


@dataclass
class SensitivityResult:
    """Indices of one output, one row per parameter, and what was left out to get them."""

    output: str
    method: str  # "morris" or "sobol"
    table: pd.DataFrame  # morris: mu_star, mu, sigma, mu_star_conf; sobol: S1, S1_conf, ST, ST_conf
    units: int  # trajectories (morris) or base samples (sobol) in the design
    used: int  # ... of which had an output at every point
    points_missing: int  # design points without an output
    notes: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return self.units - self.used

    @property
    def ok(self) -> bool:
        """There are indices to show."""
        return not self.table.empty and bool(self.table.iloc[:, 0].notna().any())


def _matrix(design: pd.DataFrame, factors: list[str]) -> tuple[np.ndarray, list[str]]:
    """The design's factor columns as floats; level labels of a named factor become their order."""
    cols, notes = [], []
    for f in factors:
        col = design[f]
        if pd.api.types.is_numeric_dtype(col):
            cols.append(col.to_numpy(dtype=float))
        else:
            codes, uniques = pd.factorize(col, sort=False)
            cols.append(codes.astype(float))
            notes.append(f"{f} has named levels ({', '.join(map(str, uniques))}); they were taken in that order.")
    return np.column_stack(cols) if cols else np.zeros((len(design), 0)), notes


def point_outputs(summaries: pd.DataFrame, output: str, points: np.ndarray) -> np.ndarray:
    """Mean of ``output`` over the successful replicates of each point, in the order of ``points``."""
    ok = summaries[summaries["status"] == "ok"] if "status" in summaries else summaries
    means = ok.groupby("point")[output].mean()
    return means.reindex(points).to_numpy(dtype=float)


def morris(
    design: pd.DataFrame, summaries: pd.DataFrame, factors: list[str], output: str, num_levels: int = 4
) -> SensitivityResult:
    """Morris mu*, mu, sigma and mu*_conf of ``output`` for every factor."""
    from SALib.analyze import morris as salib_morris

    design = design.sort_values("point")
    x, notes = _matrix(design, factors)
    y = point_outputs(summaries, output, design["point"].to_numpy())
    k = len(factors)
    size = k + 1
    units = len(y) // size
    empty = pd.DataFrame(columns=["mu_star", "mu", "sigma", "mu_star_conf"], index=pd.Index(factors, name="parameter"))
    missing = int(np.isnan(y).sum())
    if k == 0 or units == 0 or len(y) % size:
        notes.append(
            f"The design has {len(y)} points, which is not a whole number of Morris trajectories of "
            f"{size} points each ({k} parameters + 1): it cannot be analysed."
        )
        return SensitivityResult(output, "morris", empty, units, 0, missing, notes)
    whole = ~np.isnan(y.reshape(units, size)).any(axis=1)
    used = int(whole.sum())
    if used < 2:
        notes.append(
            f"Only {used} of {units} trajectories have a value of {output} at every one of their {size} points "
            f"({missing} of {len(y)} design points have none), and the method needs whole trajectories: too few "
            "to analyse. More replications per point (a point has a value if any of its runs has one) or an "
            "output defined in every run would help."
        )
        return SensitivityResult(output, "morris", empty, units, used, missing, notes)
    keep = np.repeat(whole, size)
    problem = {"num_vars": k, "names": list(factors), "bounds": [[0.0, 1.0]] * k}
    si = salib_morris.analyze(
        problem,
        x[keep],
        y[keep],
        num_resamples=RESAMPLES,
        conf_level=0.95,
        num_levels=num_levels,
        seed=SEED,
    )
    table = pd.DataFrame(
        {
            "mu_star": np.asarray(si["mu_star"], dtype=float),
            "mu": np.asarray(si["mu"], dtype=float),
            "sigma": np.asarray(si["sigma"], dtype=float),
            "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
        },
        index=pd.Index(factors, name="parameter"),
    )
    return SensitivityResult(output, "morris", table, units, used, missing, notes)


def sobol(
    design: pd.DataFrame,
    summaries: pd.DataFrame,
    factors: list[str],
    output: str,
    second_order: bool | None = None,
) -> SensitivityResult:
    """First-order (S1) and total (ST) Sobol indices of ``output`` for every factor.

    ``second_order`` says whether the Saltelli sample has the second-order rows (2k + 2 rows per
    base sample rather than k + 2); by default it is inferred from the number of points.
    """
    from SALib.analyze import sobol as salib_sobol

    design = design.sort_values("point")
    y = point_outputs(summaries, output, design["point"].to_numpy())
    k = len(factors)
    notes: list[str] = []
    if second_order is None:
        second_order = len(y) % (2 * k + 2) == 0
    size = 2 * k + 2 if second_order else k + 2
    units = len(y) // size if size else 0
    missing = int(np.isnan(y).sum())
    empty = pd.DataFrame(columns=["S1", "S1_conf", "ST", "ST_conf"], index=pd.Index(factors, name="parameter"))
    if k == 0 or units == 0 or len(y) % size:
        notes.append(
            f"The design has {len(y)} points, which is not a whole number of Saltelli blocks of {size} "
            "points each: it cannot be analysed."
        )
        return SensitivityResult(output, "sobol", empty, units, 0, missing, notes)
    whole = ~np.isnan(y.reshape(units, size)).any(axis=1)
    used = int(whole.sum())
    if used < 2:
        notes.append(
            f"Only {used} of {units} base samples have a value of {output} at every one of their {size} points "
            f"({missing} of {len(y)} design points have none): too few to analyse."
        )
        return SensitivityResult(output, "sobol", empty, units, used, missing, notes)
    problem = {"num_vars": k, "names": list(factors), "bounds": [[0.0, 1.0]] * k}
    si = salib_sobol.analyze(
        problem,
        y[np.repeat(whole, size)],
        calc_second_order=second_order,
        num_resamples=RESAMPLES,
        conf_level=0.95,
        seed=SEED,
    )
    table = pd.DataFrame(
        {key: np.asarray(si[key], dtype=float) for key in ("S1", "S1_conf", "ST", "ST_conf")},
        index=pd.Index(factors, name="parameter"),
    )
    return SensitivityResult(output, "sobol", table, units, used, missing, notes)
