"""Statistics shared by the analyses: bootstrap intervals, per-group summaries, paired differences.

Every interval here is a percentile bootstrap with a fixed seed, so the same numbers give
the same interval on every machine and every run of a report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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


#: level of the interval that must lie inside a range (two one-sided tests at 5 %: Schuirmann 1987)
EQUIVALENCE_LEVEL = 0.90


def within(interval: tuple[float, float], low: float, high: float) -> bool:
    """The range rule of the checks: the whole interval lies inside ``[low, high]``.

    With a 90 % interval this is the two one-sided tests of equivalence (Schuirmann 1987), the
    usual test that a model's output agrees with a published range (Robinson & Froese 2004): a
    point estimate inside the range is not enough, since near an edge it moves in and out with
    the sample.
    """
    lo, hi = interval
    return low <= lo and hi <= high


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


# --- the sweep report's statistics ----------------------------------------------------------------


def bands(df: pd.DataFrame, measure: str, group: pd.Series) -> pd.DataFrame:
    """Median and 5-95 % band of ``measure`` per group and ``x`` (columns group, x, low, median, high, n).

    Where runs start or end at different times relative to the departure, only times covered by
    at least half of a group's runs are kept.
    """
    frame = pd.DataFrame({"group": group.to_numpy(), "x": df["x"].to_numpy(), "v": df[measure].to_numpy()})
    frame["run"] = df["run_key"].to_numpy()
    grp = frame.groupby(["group", "x"], sort=True)["v"]
    q = grp.quantile([0.05, 0.5, 0.95]).unstack()
    q.columns = ["low", "median", "high"]
    q["n"] = grp.count()
    q = q.reset_index()
    runs = frame.groupby("group")["run"].nunique()
    need = np.maximum(1, np.ceil(0.5 * q["group"].map(runs).to_numpy()))
    return q[q["n"].to_numpy() >= need].reset_index(drop=True)


def group_estimates(values: pd.DataFrame, labels: list[str], columns: list[str]) -> dict[str, dict[str, Estimate]]:
    """Mean and bootstrap 95 % interval of every column per group (``values`` has a ``group`` column)."""
    out: dict[str, dict[str, Estimate]] = {}
    for lab in labels:
        sub = values[values["group"] == lab]
        out[lab] = {c: mean_ci(sub[c].to_numpy(dtype=float)) for c in columns}
    return out


#: a share of the gain kept is shown only where the 95 % interval of the mean gain before the departure
#: lies above this many SD: 3x the model's MIN_GAIN, i.e. about 4.5x the between-seed spread of a
#: school's mean attainment after a year (sim/metrics.py), so the denominator is not noise
CLEAR_GAIN = 0.03
#: ... and where at least this share of the group's runs had a defined share (no selection on the gain)
CLEAR_DEFINED = 0.9


def gain_is_clear(gain: Estimate, share: Estimate) -> bool:
    """A share kept means something: the gain it divides by is clearly above noise in nearly every run."""
    total = share.n + share.missing
    return gain.has_interval and gain.low > CLEAR_GAIN and total > 0 and share.n >= CLEAR_DEFINED * total


@dataclass(frozen=True)
class Pairing:
    """How a sweep pairs departures with the same schools in which the head stayed."""

    factor: str  # the factor whose levels are 'the head leaves' and 'the head stays'
    leaves: list[str]  # its levels in which the head left
    stays: str  # its level in which no head left
    common_seeds: bool  # replicate r had the same seed in both (common random numbers)


def find_pairing(summaries: pd.DataFrame, factors: list[str]) -> Pairing | None:
    """The factor that switches the departure off (one level without departures, the others with), if any."""
    if "departures" not in summaries.columns:
        return None
    ok = summaries[summaries["status"] == "ok"]
    for f in factors:
        if f not in ok.columns or ok[f].nunique() < 2:
            continue
        left = ok.groupby(f, sort=False)["departures"].agg(lambda s: bool((s > 0).all()))
        none = ok.groupby(f, sort=False)["departures"].agg(lambda s: bool((s == 0).all()))
        stays = [str(v) for v in none.index if none[v]]
        leaves = [str(v) for v in left.index if left[v]]
        if len(stays) == 1 and len(leaves) == len(left) - 1:
            common = True
            if "seed" in ok.columns and "replicate" in ok.columns:
                common = bool((ok.groupby("replicate")["seed"].nunique() == 1).all())
            return Pairing(f, leaves, stays[0], common)
    return None


def paired_differences(
    ts: pd.DataFrame,
    runs: pd.DataFrame,
    pairing: Pairing,
    others: list[str],
    measures: list[tuple[str, str]],
    years: tuple[int, ...],
) -> pd.DataFrame:
    """Run by run, a departure minus the same school (same other factors, same replicate) without it.

    Args:
        ts: the time series (run_key, step, year, head_id and the measures' columns).
        runs: the successful runs (run_key, point, replicate and the factor columns).
        pairing: which factor switches the departure off.
        others: the factors that must match between the two runs of a pair.
        measures: (column, how): ``week`` reads the value in the week N years after the departure
            (the same week of the school year in both runs), ``year`` the mean over the N-th year after.
        years: the N.

    Returns:
        One row per departure run: its run_key, the key of its pair (``stays_key``), the factor
        columns, and ``<column>_<N>y`` per measure and year (NaN where the run ended too soon).
    """
    from leadsim.analysis.sweep_data import departure_steps, weeks_per_year

    runs = runs.copy()
    runs[pairing.factor] = runs[pairing.factor].astype(str)
    leave_runs = runs[runs[pairing.factor] != pairing.stays]
    stay_runs = runs[runs[pairing.factor] == pairing.stays]
    match = [*others, "replicate"]
    stay_key = stay_runs.set_index(match)["run_key"] if match else pd.Series(dtype=str)
    stay_key = stay_key[~stay_key.index.duplicated()]
    dep = departure_steps(ts[ts["run_key"].isin(set(leave_runs["run_key"]))])
    wpy = weeks_per_year(ts)
    by_run = {k: g.set_index("step") for k, g in ts.groupby("run_key", sort=False)}
    rows = []
    for r in leave_runs.to_dict("records"):  # not itertuples: factor names hold dots
        key = r["run_key"]
        mkey = tuple(r[c] for c in match) if len(match) > 1 else r[match[0]]
        if key not in dep.index or mkey not in stay_key.index:
            continue
        partner = stay_key[mkey]
        a, b = by_run.get(key), by_run.get(partner)
        if a is None or b is None:
            continue
        d, w = int(dep[key]), int(wpy.get(key, 39))
        row: dict[str, Any] = {"run_key": key, "stays_key": partner, **{c: r[c] for c in others}}
        # the series may keep every k-th week only (timeseries_every): read the kept week at or just
        # before the target (the same week in both runs: they share their steps), and a year's mean
        # over the kept weeks of that year, if the run reached its end
        steps = a.index.to_numpy()
        every = int(np.median(np.diff(steps))) if steps.size > 1 else 1
        reach = min(int(steps.max()), int(b.index.max())) if steps.size else -1
        for col, how in measures:
            for n in years:
                end = d + n * w
                name = f"{col}_{n}y"
                if reach < end - every + 1:
                    row[name] = math.nan  # the run ended before
                elif how == "week":
                    at = int(steps[steps <= end].max())
                    row[name] = float(a.at[at, col] - b.at[at, col])
                else:
                    wa, wb = a[col].loc[end - w + 1 : end], b[col].loc[end - w + 1 : end]
                    row[name] = float(wa.mean() - wb.mean()) if len(wa) and len(wb) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)
