"""Calibration: fit chosen parameters to chosen empirical targets by approximate Bayesian computation.

A calibration spec (YAML, read with :mod:`leadsim.inputs`) names the parameters to fit, each with a
uniform prior range, and the targets: measures of the empirical checks (``analysis/empirical.py``)
with their E-ranges, or a researcher's own summary statistics given in a small data file::

    # experiments/calibrate-turnover.yaml
    description: Head and teacher turnover and the post-succession dip
    parameters:
      events.head_exit_hazard: {min: 0.05, max: 0.4}
      teachers.exit_rate: {min: 0.04, max: 0.25}
      practice.head_capacity_effect: {min: 0.0, max: 2.0}
    targets: [E1.rate, E2.rate, E3.dip]     # or a mapping with {low, high} or {value, sd} per target
    data: my-district.yaml                    # optional: the researcher's own statistics
    population: 24
    generations: 4
    seeds: 2
    seed: 2026

The fit is pyabc's ABC-SMC (``pip install 'leadsim[calibrate]'``) with a sampler of our own,
:func:`ordered_sampler`, that makes the posterior a function of the seed alone: candidate ``i`` of
generation ``t`` draws its parameters and model seeds from ``SeedSequence(seed, spawn_key=(t, i))``,
and candidates are accepted in index order, however many local processes or Dask workers evaluate
them and in whatever order they finish.

Each candidate runs, per model seed, the school that the targets measure: an ordinary school
(default events, crises included) for ``ordinary_years`` (E1.rate: heads leaving per year, E2:
teachers leaving per year), and a calm school whose head leaves in year 5 against the same seed's
school whose head stays, for 7 years (E3.dip: the deepest yearly shortfall of ``learning_gain``
within two years of the change). These are the statistics of E1-E3 on shorter runs, so that a
candidate costs seconds, not minutes.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from leadsim.analysis.validation import CALM, W, merge
from leadsim.experiments.spec import Range
from leadsim.sim.config import Scenario
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leadsim.inputs import InputError, Key, Origin, load_chain, parse_override, type_at, validation_error

__all__ = [
    "MEASURES",
    "CalibrationError",
    "CalibrationResult",
    "LoadedCalibration",
    "Measure",
    "ordered_sampler",
    "calibrate",
    "calibrated_scenario",
    "load_calibration",
    "page",
    "simulate",
    "write_calibration",
]

#: the year of the head change in the succession pair, and the pair's length (the dip is read in years 1-2)
CHANGE_YEAR = 5
PAIR_YEARS = CHANGE_YEAR + 2
#: the files of a calibration folder (summary.json last: its presence marks a complete folder)
OUTPUT_FILES = ("posterior.parquet", "generations.parquet", "calibration.html", "calibrated.yaml", "summary.json")


class CalibrationError(InputError):
    """A calibration that cannot be run as specified (or cannot be run here); ``str()`` is one line."""


@dataclass(frozen=True)
class Measure:
    """A summary statistic of the model that a target can fix.

    Attributes:
        key: its name in specs and data files, ``E1.rate``.
        check: the empirical check it comes from.
        meaning: what it measures, in words.
        low, high: the check's E-range, or None where the check gives none (then data must give it).
        runs: which runs it needs: ``ordinary`` or ``pair`` (a head change and its counterfactual).
        least, most: the values the measure can take at all (a share lies within 0 and 1); None: no bound.
    """

    key: str
    check: str
    meaning: str
    low: float | None
    high: float | None
    runs: str
    least: float | None = None
    most: float | None = None


#: the measures a calibration can target; the ranges are those of ``analysis/empirical.py``
MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("E1.rate", "E1", "share of heads leaving a year", 0.15, 0.22, "ordinary", 0.0),
        Measure("E2.rate", "E2", "share of teachers leaving a year", 0.14, 0.18, "ordinary", 0.0, 1.0),
        Measure(
            "E2.novices", "E2", "share of teachers in their first 3 years leaving", None, None, "ordinary", 0.0, 1.0
        ),
        Measure(
            "E2.veterans", "E2", "share of teachers past their first 3 years leaving", None, None, "ordinary", 0.0, 1.0
        ),
        Measure(
            "E3.dip",
            "E3",
            "deepest yearly shortfall of learning_gain (SD/yr) within 2 years of a head change, "
            "against the same school whose head stays",
            0.01,
            0.06,
            "pair",
        ),
    )
}


# --- the spec -----------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, populate_by_name=True)


class Target(_Strict):
    """What the data say about one measure: a range (``low``, ``high``) or a value with its ``sd``."""

    low: float | None = None
    high: float | None = None
    value: float | None = None
    sd: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        ranged = self.low is not None or self.high is not None
        valued = self.value is not None or self.sd is not None
        if ranged == valued:
            raise ValueError("give either low and high, or value and sd")
        if ranged and (self.low is None or self.high is None or not self.low < self.high):
            raise ValueError("give low below high")
        if valued and (self.value is None or self.sd is None):
            raise ValueError("give both value and sd")
        return self

    def centre_scale(self) -> tuple[float, float]:
        """Centre, and the distance from it that counts as 1 (a range's half-width, or 2 sd)."""
        if self.value is not None and self.sd is not None:
            return self.value, 2.0 * self.sd
        assert self.low is not None and self.high is not None
        return (self.low + self.high) / 2.0, (self.high - self.low) / 2.0


class Spec(_Strict):
    """What a calibration file holds (see the module docstring)."""

    name: str | None = Field(None, min_length=1, max_length=100, description="default: the file's name")
    description: str = ""
    set_: dict[str, Any] = Field(default_factory=dict, alias="set", description="a scenario fragment under all runs")
    parameters: dict[str, Range] = Field(min_length=1, max_length=20)  # uniform priors
    targets: list[str] | dict[str, Target | None] = Field(default_factory=list)
    data: str | None = Field(None, min_length=1, description="a YAML file of the researcher's own statistics")
    population: int = Field(24, ge=2, le=10_000)
    generations: int = Field(4, ge=1, le=100)
    max_evaluations: int | None = Field(None, ge=1, le=10_000_000)
    seeds: int = Field(2, ge=1, le=1000, description="model seeds per candidate")
    ordinary_years: float = Field(15.0, ge=1.0, le=200.0)
    seed: int = Field(0, ge=0, le=2**63 - 1)


class _Data(_Strict):
    """A researcher's data file: measure -> target."""

    targets: dict[str, Target]


@dataclass
class LoadedCalibration:
    """A validated calibration: its spec, the parameters' priors and the targets' centres and scales."""

    spec: Spec
    name: str
    path: Path
    base: dict
    priors: dict[str, tuple[float, float]]
    targets: dict[str, tuple[float, float]]
    #: where each target came from: "E-range", the spec, or the data file
    target_sources: dict[str, str] = field(default_factory=dict)

    @property
    def needs(self) -> set[str]:
        """The kinds of runs the targets need."""
        return {MEASURES[k].runs for k in self.targets}

    def scenario_data(self, values: Mapping[str, float]) -> dict:
        """The base with the parameters set to ``values`` (plain data, not yet validated)."""
        data = self.base
        for key, v in values.items():
            data = merge(data, _fragment(key, v))
        return data


def _fragment(path: str, value: Any) -> dict:
    out: Any = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


def _where(origins: Mapping[Key, Origin], key: Key, default: str) -> str:
    for n in range(len(key), 0, -1):
        o = origins.get(key[:n])
        if o is not None:
            return f"{o[0]}:{o[1]}" if o[1] else o[0]
    return default


def load_calibration(path: str | Path) -> LoadedCalibration:
    """Read and check a calibration spec: every parameter and target is known, every range possible.

    Args:
        path: a calibration YAML file, or the name of a bundled one (``calibrate-turnover``).

    Raises:
        CalibrationError: one line naming the file, line and field, and what was expected.
    """
    from leadsim.experiments.spec import BUNDLED_EXPERIMENTS

    try:
        file = BUNDLED_EXPERIMENTS.resolve(path)
        name = str(path) if Path(path).expanduser().exists() else str(file)
        data, origins = load_chain(file, name, [], what="calibration")
        spec = Spec.model_validate(data)
    except InputError as e:
        raise CalibrationError(str(e)) from None
    except ValidationError as e:
        raise CalibrationError(str(validation_error(Spec, e, origins, name))) from None
    if spec.name is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec.name):
        # the name makes the default output folder, runs/calibrate-<name>/: it may not leave runs/
        raise CalibrationError(
            f"{_where(origins, ('name',), name)}: name: use letters, digits, '.', '_' and '-' only, starting with "
            f"a letter or digit (got {spec.name!r})"
        )
    base = dict(spec.set_)
    try:
        Scenario.model_validate(base)
    except ValidationError as e:
        sub = {(("set",) + k): v for k, v in origins.items() if k[:1] == ("set",)}
        shifted = {k[1:]: v for k, v in sub.items()}
        raise CalibrationError(f"{validation_error(Scenario, e, shifted, name)} (in 'set')") from None
    priors: dict[str, tuple[float, float]] = {}
    for key, prior in spec.parameters.items():
        where = _where(origins, ("parameters", key), name)
        try:
            _, path_key, _ = parse_override(Scenario, (f"{where}: parameters", f"{key}=0"))
        except InputError as e:
            raise CalibrationError(str(e)) from None
        kind = type_at(Scenario, path_key)
        if kind is not float:
            raise CalibrationError(
                f"{where}: parameters.{key}: expected a numeric (non-integer) setting to fit, "
                f"got one of type {getattr(kind, '__name__', kind)}"
            )
        for end, value in (("min", prior.min), ("max", prior.max)):
            try:
                Scenario.model_validate(merge(base, _fragment(key, value)))
            except ValidationError as e:
                msg = e.errors(include_url=False)[0]
                from leadsim.inputs import expected

                at = _where(origins, ("parameters", key, end), name)
                raise CalibrationError(
                    f"{at}: parameters.{key}.{end}: {expected(Scenario, msg, path_key)} (got {value:g})"
                ) from None
        priors[key] = (prior.min, prior.max)
    targets: dict[str, tuple[float, float]] = {}
    sources: dict[str, str] = {}
    if isinstance(spec.targets, list):
        for j, key in enumerate(spec.targets):
            if key in spec.targets[:j]:
                raise CalibrationError(f"{_where(origins, ('targets', j), name)}: targets[{j}]: {key} is listed twice")
    given = spec.targets if isinstance(spec.targets, dict) else dict.fromkeys(spec.targets)
    for i, (key, target) in enumerate(given.items()):
        loc = ("targets", key) if isinstance(spec.targets, dict) else ("targets", i)
        where = _where(origins, loc, name)
        _check_measure(key, where, "targets")
        if target is None:
            m = MEASURES[key]
            if m.low is None or m.high is None:
                raise CalibrationError(
                    f"{where}: targets: {key} has no E-range; give its value (e.g. {key}: {{value: 0.2, sd: 0.02}})"
                    " in the spec or in the data file"
                )
            target = Target(low=m.low, high=m.high)
            sources[key] = f"E-range of {m.check}"
        else:
            _check_reachable(key, target, where)
            sources[key] = name
        targets[key] = target.centre_scale()
    if spec.data is not None:
        data_path = Path(spec.data).expanduser()
        if not data_path.is_absolute():
            data_path = file.parent / data_path
        shown = os.path.normpath(Path(name).parent / spec.data) if not Path(spec.data).is_absolute() else spec.data
        where = _where(origins, ("data",), name)
        if not data_path.exists():
            raise CalibrationError(f"{where}: data: file not found: {shown}")
        try:
            raw, data_origins = load_chain(data_path, shown, [], what="data")
            own = _Data.model_validate({"targets": raw})
        except InputError as e:
            raise CalibrationError(str(e)) from None
        except ValidationError as e:
            shifted = {("targets",) + k: v for k, v in data_origins.items()}
            raise CalibrationError(str(validation_error(_Data, e, shifted, shown)).replace("targets.", "", 1)) from None
        for key, target in own.targets.items():
            _check_measure(key, _where(data_origins, (key,), shown), "")
            _check_reachable(key, target, _where(data_origins, (key,), shown), "")
            if key in targets:  # one target, one source: which of the two would be fitted is not for us to guess
                raise CalibrationError(
                    f"{_where(data_origins, (key,), shown)}: {key}: a target the spec gives too ({sources[key]}); "
                    "give each target in one place"
                )
            targets[key] = target.centre_scale()
            sources[key] = shown
    if not targets:
        raise CalibrationError(f"{name}: targets: give at least one target, e.g. targets: [E1.rate]")
    return LoadedCalibration(
        spec=spec,
        name=spec.name or file.stem,
        path=file,
        base=base,
        priors=priors,
        targets=targets,
        target_sources=sources,
    )


def _check_reachable(key: str, target: Target, where: str, field_name: str = "targets.") -> None:
    """A target the measure can reach: a share's range or value within 0 and 1, a rate's not below 0."""
    m = MEASURES[key]
    for end in ("low", "high", "value"):
        v = getattr(target, end)
        if v is None:
            continue
        if (m.least is not None and v < m.least) or (m.most is not None and v > m.most):
            span = f"between {m.least:g} and {m.most:g}" if m.most is not None else f"of at least {m.least:g}"
            raise CalibrationError(
                f"{where}: {field_name}{key}.{end}: {key} is the {m.meaning}, so the model gives only values "
                f"{span} (got {v:g})"
            )


def _check_measure(key: str, where: str, field_name: str) -> None:
    if key not in MEASURES:
        import difflib

        close = difflib.get_close_matches(key, list(MEASURES), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(MEASURES)}"
        prefix = f"{field_name}: " if field_name else ""
        raise CalibrationError(f"{where}: {prefix}unknown target '{key}'; {hint}")


# --- simulating the targets --------------------------------------------------------------------


def _ordinary(scenario: dict, seed: int) -> dict[str, float]:
    from leadsim.sim.model import SchoolModel

    model = SchoolModel(Scenario.model_validate(scenario), rng=seed)
    model.run()
    years = scenario["years"]
    exits = model.teacher_exits
    return {
        "heads_left": float(len(model.departures)),
        "years": float(years),
        # E2 averages the yearly shares within a run
        "teacher_rate": float(
            np.mean([(e["novice_leavers"] + e["veteran_leavers"]) / (e["novices"] + e["veterans"]) for e in exits])
        ),
        "novice_leavers": float(sum(e["novice_leavers"] for e in exits)),
        "novices": float(sum(e["novices"] for e in exits)),
        "veteran_leavers": float(sum(e["veteran_leavers"] for e in exits)),
        "veterans": float(sum(e["veterans"] for e in exits)),
    }


def _pair_gap(scenario: dict, seed: int) -> np.ndarray:
    """Yearly means of learning_gain after a head change minus the same seed's school whose head stays."""
    from leadsim.sim.model import SchoolModel

    calm = merge(merge(scenario, CALM), {"years": PAIR_YEARS})
    go = merge(calm, {"events": {"head_departures": [{"year": CHANGE_YEAR}]}})
    series = []
    for spec in (go, calm):
        model = SchoolModel(Scenario.model_validate(spec), rng=seed)
        model.run()
        series.append(model.timeseries()["learning_gain"].to_numpy())
    gap = series[0] - series[1]
    d = CHANGE_YEAR * W
    return np.array([gap[d + k * W : d + (k + 1) * W].mean() for k in range(PAIR_YEARS - CHANGE_YEAR)])


def simulate(
    base: dict, values: Mapping[str, float], measures: Sequence[str], seeds: Sequence[int], ordinary_years: float
) -> dict[str, float]:
    """The measures for one set of parameter values, over the given model seeds.

    Args:
        base: scenario fragment under every run.
        values: parameter path -> value.
        measures: keys of :data:`MEASURES`.
        seeds: model seeds; each runs the schools the measures need.
        ordinary_years: length of the ordinary school's run.

    Returns:
        measure -> value (pooled over the seeds as the checks pool them).
    """
    scenario = base
    for key, v in values.items():
        scenario = merge(scenario, _fragment(key, float(v)))
    kinds = {MEASURES[m].runs for m in measures}
    out: dict[str, float] = {}
    if "ordinary" in kinds:
        runs = [_ordinary(merge(scenario, {"years": ordinary_years}), s) for s in seeds]
        out["E1.rate"] = float(np.mean([r["heads_left"] / r["years"] for r in runs]))
        out["E2.rate"] = float(np.mean([r["teacher_rate"] for r in runs]))
        out["E2.novices"] = sum(r["novice_leavers"] for r in runs) / max(1.0, sum(r["novices"] for r in runs))
        out["E2.veterans"] = sum(r["veteran_leavers"] for r in runs) / max(1.0, sum(r["veterans"] for r in runs))
    if "pair" in kinds:
        yearly = np.mean([_pair_gap(scenario, s) for s in seeds], axis=0)
        out["E3.dip"] = float(-yearly.min())
    return {m: out[m] for m in measures}


class _Model:
    """The model pyabc calls: parameters in, the targets' measures out (model seeds from numpy's state).

    The sampler seeds numpy's global generator for each candidate from the seed tree, and pyabc
    draws the candidate's parameters from it; the model seeds come from the same stream next.
    """

    def __init__(
        self, base: dict, parameters: Sequence[str], measures: Sequence[str], seeds: int, ordinary_years: float
    ) -> None:
        self.base, self.parameters, self.measures = base, list(parameters), list(measures)
        self.seeds, self.ordinary_years = seeds, ordinary_years

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, float]:
        seeds = [int(s) for s in np.random.randint(0, 2**31 - 1, size=self.seeds)]
        values = {k: float(parameters[_safe(k)]) for k in self.parameters}
        return simulate(self.base, values, self.measures, seeds, self.ordinary_years)


class _Distance:
    """Root mean square of each measure's distance from its target's centre, in units of its scale."""

    def __init__(self, targets: Mapping[str, tuple[float, float]]) -> None:
        self.targets = dict(targets)

    def __call__(self, x: Mapping[str, float], x0: Mapping[str, float]) -> float:
        d = [((x[k] - c) / s) ** 2 for k, (c, s) in self.targets.items()]
        value = math.sqrt(sum(d) / len(d))
        return value if math.isfinite(value) else math.inf


# pyabc's parameter names must be identifiers in its database: dots become double underscores
def _safe(key: str) -> str:
    return key.replace(".", "__")


# --- a sampler whose result depends only on the seed -------------------------------------------


def _evaluate(payload: bytes, entropy: int, t: int, i: int) -> Any:
    """Candidate ``i`` of generation ``t``: numpy seeded from the seed tree, then pyabc's simulate_one."""
    simulate_one = _unpickled(payload)
    # t + 1: generation -1 is pyabc's calibration sample, should a spec ever need one
    state = np.random.SeedSequence(entropy=entropy, spawn_key=(t + 1, i)).generate_state(1)[0]
    np.random.seed(int(state))  # pyabc and scipy.stats draw from numpy's global generator
    return simulate_one()


_CACHE: dict[int, Callable] = {}


def _unpickled(payload: bytes) -> Callable:
    """simulate_one, unpickled once per generation in each process."""
    import cloudpickle

    key = hash(payload)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = cloudpickle.loads(payload)
    return _CACHE[key]


def ordered_sampler() -> type:
    """The class OrderedSampler, a pyabc Sampler (built on first use: pyabc is an optional extra)."""
    from pyabc.sampler import Sampler

    class OrderedSampler(Sampler):
        """Evaluate candidates in parallel, accept them in index order: the sample depends on the seed alone.

        ``submit(payload, entropy, t, i)`` starts one evaluation and returns a handle with
        ``result()`` (a concurrent.futures or Dask future); ``None`` runs in this process.
        """

        def __init__(
            self,
            entropy: int,
            submit: Callable | None = None,
            window: int = 4,
            on_generation: Callable[[int, int], None] | None = None,
        ) -> None:
            super().__init__()
            self.entropy, self.submit, self.window, self.on_generation = entropy, submit, window, on_generation
            self.evaluations: list[int] = []

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
            sample = self._create_empty_sample()
            pending: dict[int, Any] = {}
            next_i = done = 0
            while sample.n_accepted < n and done < max_eval:
                while self.submit is not None and len(pending) < self.window and next_i < max_eval:
                    pending[next_i] = self.submit(payload, self.entropy, t, next_i)
                    next_i += 1
                if self.submit is None:
                    particle = _evaluate(payload, self.entropy, t, done)
                else:
                    particle = pending.pop(done).result()
                sample.append(particle)
                done += 1
            for f in pending.values():  # candidates past the n-th acceptance are not part of the sample
                with contextlib.suppress(Exception):
                    f.cancel()
            self.nr_evaluations_ = done
            self.evaluations.append(done)
            if self.on_generation is not None:
                self.on_generation(t, done)
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return OrderedSampler


# --- running ------------------------------------------------------------------------------------


@dataclass
class CalibrationResult:
    """What a calibration found.

    Attributes:
        posterior: the last generation: one row per particle, the parameters, ``weight`` and ``distance``.
        generations: per generation: epsilon, evaluations, acceptance rate, weighted mean and sd of each parameter.
        centre: the posterior's weighted mean of each parameter.
        spread: weighted sd, and the 5 % and 95 % weighted quantiles of each parameter.
        defaults: each parameter's default value (the model's, before any ``set``).
        predicted: each target's measure, weighted mean over the last generation's particles.
        evaluations: model evaluations (candidates) over all generations.
    """

    loaded: LoadedCalibration
    posterior: pd.DataFrame
    generations: pd.DataFrame
    centre: dict[str, float]
    spread: dict[str, dict[str, float]]
    defaults: dict[str, float]
    predicted: dict[str, float]
    evaluations: int


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order]) / w.sum()
    return float(x[order][min(np.searchsorted(cw, q), len(x) - 1)])


def _default(key: str) -> float:
    value: Any = Scenario().model_dump()
    for part in key.split("."):
        value = value[part]
    return float(value)


@contextlib.contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[tuple[Callable | None, int]]:
    """(submit, window): a Dask client, local processes, or None (this process)."""
    if scheduler:
        from distributed import Client

        try:
            client = Client(scheduler, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:  # unreachable, or not an address
            raise CalibrationError(f"--scheduler {scheduler}: cannot connect ({e})") from None
        try:
            n = max(1, sum(client.nthreads().values()))

            def submit(payload: bytes, entropy: int, t: int, i: int) -> Any:
                return client.submit(_evaluate, payload, entropy, t, i, pure=False)

            yield submit, 2 * n
        finally:
            client.close()
    elif workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver: workers start clean (forking a process that holds threads can deadlock)
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
        try:

            def submit(payload: bytes, entropy: int, t: int, i: int) -> Any:
                return pool.submit(_evaluate, payload, entropy, t, i)

            yield submit, 2 * workers
        finally:  # on Ctrl-C too: candidates not yet started are dropped, not run
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        yield None, 1


def calibrate(
    loaded: LoadedCalibration,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CalibrationResult:
    """Run ABC-SMC on a loaded spec; the result depends on the spec (and its seed) alone.

    Args:
        loaded: from :func:`load_calibration`.
        workers: local processes (1 runs in this process); ignored with ``scheduler``.
        scheduler: address of a running Dask scheduler.
        progress: called after each generation with (generation, evaluations).

    Raises:
        CalibrationError: pyabc is not installed, or the scheduler cannot be reached.
    """
    try:
        import pyabc
    except ImportError:
        raise CalibrationError(
            "leadsim calibrate needs pyabc: install the extra with scripts/setup.sh --extras calibrate "
            "(or pip install 'leadsim[calibrate]')"
        ) from None
    spec = loaded.spec
    measures = list(loaded.targets)
    priors = pyabc.Distribution(**{_safe(k): pyabc.RV("uniform", lo, hi - lo) for k, (lo, hi) in loaded.priors.items()})
    model = _Model(loaded.base, list(loaded.priors), measures, spec.seeds, spec.ordinary_years)
    observed = {k: c for k, (c, _) in loaded.targets.items()}
    tmp = Path(tempfile.mkdtemp(prefix="leadsim-calibrate-"))
    np.random.seed(int(np.random.SeedSequence(spec.seed).generate_state(1)[0]))  # any draw pyabc makes here
    try:
        with _executor(workers, scheduler) as (submit, window):
            sampler = ordered_sampler()(spec.seed, submit, window, progress)
            abc = pyabc.ABCSMC(
                model,
                priors,
                _Distance(loaded.targets),
                population_size=spec.population,
                sampler=sampler,
                # generation 0 keeps every prior draw; each later one keeps the better half
                eps=pyabc.MedianEpsilon(initial_epsilon=math.inf),
            )
            abc.new(f"sqlite:///{tmp / 'abc.db'}", observed)
            with warnings.catch_warnings():  # pyabc compares the first (infinite) epsilon with the next
                warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
                history = abc.run(
                    max_nr_populations=spec.generations,
                    max_total_nr_simulations=spec.max_evaluations or np.inf,
                )
            gens = []
            for t in range(history.max_t + 1):
                df, w = history.get_distribution(m=0, t=t)
                df = df.rename(columns={_safe(k): k for k in loaded.priors})[list(loaded.priors)]
                w = np.asarray(w, dtype=float)
                g: dict[str, Any] = {"generation": t, "evaluations": sampler.evaluations[t]}
                g["acceptance_rate"] = spec.population / sampler.evaluations[t]
                for k in loaded.priors:
                    x = df[k].to_numpy(dtype=float)
                    mean = float(np.average(x, weights=w))
                    g[f"{k} mean"] = mean
                    g[f"{k} sd"] = float(math.sqrt(np.average((x - mean) ** 2, weights=w)))
                gens.append(g)
                if t == history.max_t:
                    post = df.reset_index(drop=True)
                    post["weight"] = w / w.sum()
            pops = history.get_all_populations()
            eps = dict(zip(pops["t"], pops["epsilon"], strict=True))
            for g in gens:
                g["epsilon"] = float(eps.get(g["generation"], math.nan))
            sw, stats = history.get_weighted_sum_stats(t=history.max_t)
            dist = history.get_weighted_distances(t=history.max_t)
            post["distance"] = dist["distance"].to_numpy(dtype=float)
            sw = np.asarray(sw, dtype=float)
            predicted = {k: float(np.average([s[k] for s in stats], weights=sw)) for k in measures}
            rows = post
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    w = rows["weight"].to_numpy()
    centre, spread = {}, {}
    for k in loaded.priors:
        x = rows[k].to_numpy(dtype=float)
        centre[k] = float(np.average(x, weights=w))
        spread[k] = {
            "sd": float(math.sqrt(np.average((x - centre[k]) ** 2, weights=w))),
            "q05": _weighted_quantile(x, w, 0.05),
            "q95": _weighted_quantile(x, w, 0.95),
        }
    generations = pd.DataFrame(gens)
    return CalibrationResult(
        loaded=loaded,
        posterior=rows,
        generations=generations,
        centre=centre,
        spread=spread,
        defaults={k: _default(k) for k in loaded.priors},
        predicted=predicted,
        evaluations=int(sum(sampler.evaluations)),
    )


# --- writing ------------------------------------------------------------------------------------


def _sig(x: float, digits: int = 4) -> float:
    """``x`` to ``digits`` significant digits (what the calibrated scenario file holds)."""
    return float(f"{x:.{digits}g}")


def calibrated_scenario(result: CalibrationResult) -> Scenario:
    """The scenario at the posterior's centre (its weighted mean, to 4 significant digits)."""
    loaded = result.loaded
    data = loaded.scenario_data({k: _sig(v) for k, v in result.centre.items()})
    return Scenario.model_validate({**data, "name": f"{loaded.name}-calibrated"})


def _marginal(result: CalibrationResult, key: str) -> Any:
    import plotly.graph_objects as go

    lo, hi = result.loaded.priors[key]
    x = result.posterior[key].to_numpy(dtype=float)
    counts, edges = np.histogram(x, bins=12, range=(lo, hi), weights=result.posterior["weight"].to_numpy())
    width = edges[1] - edges[0]
    fig = go.Figure(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts / width,
            width=width,
            marker_color="#0072B2",
            name="posterior",
            hovertemplate="%{x:.3g}: density %{y:.3g}<extra></extra>",
        )
    )
    fig.add_hline(y=1.0 / (hi - lo), line_dash="dot", line_color="#999", annotation_text="prior")
    fig.add_vline(x=result.defaults[key], line_dash="dash", line_color="#D55E00", annotation_text="default")
    fig.add_vline(x=result.centre[key], line_color="#009E73", annotation_text="centre", annotation_position="bottom")
    fig.update_layout(
        title=f"{key}: posterior after {len(result.generations)} generations",
        xaxis_title=key,
        yaxis_title="density",
        xaxis_range=[lo, hi],
        height=360,
        margin={"t": 50, "b": 40},
        showlegend=False,
    )
    return fig


def page(result: CalibrationResult) -> str:
    """A self-contained HTML page: what was fitted to what, the marginals, and how the fit went."""
    import html

    loaded, spec = result.loaded, result.loaded.spec

    def table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"

    params = [
        (
            k,
            f"{result.defaults[k]:.4g}",
            f"U({lo:.4g}, {hi:.4g})",
            f"{result.centre[k]:.4g}",
            f"{result.spread[k]['sd']:.3g}",
            f"[{result.spread[k]['q05']:.4g}, {result.spread[k]['q95']:.4g}]",
        )
        for k, (lo, hi) in loaded.priors.items()
    ]
    targets = [
        (k, MEASURES[k].meaning, f"{c:.4g} ± {s:.3g}", loaded.target_sources[k], f"{result.predicted[k]:.4g}")
        for k, (c, s) in loaded.targets.items()
    ]
    gens = [
        (int(g["generation"]), f"{g['epsilon']:.3g}", int(g["evaluations"]), f"{g['acceptance_rate']:.2f}")
        for g in result.generations.to_dict("records")
    ]
    figures = []
    for i, k in enumerate(loaded.priors):
        js = "inline" if i == 0 else False
        figures.append(_marginal(result, k).to_html(full_html=False, include_plotlyjs=js, div_id=f"marginal-{i}"))
    from leadsim.sim import __version__

    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>leadsim calibration: {html.escape(loaded.name)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
        "</style></head><body>"
        f"<h1>Calibration: {html.escape(loaded.name)}</h1>"
        f"<p>{html.escape(spec.description)}</p>"
        f"<p>ABC-SMC (pyabc) with {spec.population} particles per generation, {len(result.generations)} "
        f"generations, {result.evaluations} model evaluations, {spec.seeds} model seed(s) per evaluation, "
        f"seed {spec.seed}; leadsim {html.escape(__version__)}. The distance is the root mean square, over the "
        "targets, of each measure's distance from its target's centre in units of its half-width (a range's "
        "half-width, or 2 sd): 1 is the edge of the target.</p>"
        "<h2>Parameters</h2>"
        + table(("parameter", "default", "prior", "posterior centre", "sd", "90 % interval"), params)
        + "<h2>Targets</h2>"
        + table(("target", "measure", "target", "from", "posterior mean of the measure"), targets)
        + "<h2>Marginals</h2>"
        + "".join(figures)
        + "<h2>Generations</h2>"
        + table(("generation", "epsilon", "evaluations", "acceptance rate"), gens)
        + "</body></html>"
    )


def write_calibration(out_dir: str | Path, result: CalibrationResult, command: Sequence[str]) -> Path:
    """Write a calibration's folder, all or nothing (an existing calibration folder there is replaced).

    Files: posterior.parquet (last generation), generations.parquet, calibration.html (the page),
    calibrated.yaml (the scenario at the posterior's centre) and summary.json (written last).

    Raises:
        leadsim.experiments.outputs.OutputError: ``out_dir`` is a file or holds something else.
    """
    import datetime as dt
    import shlex
    from importlib import metadata

    from leadsim.experiments.outputs import atomic_write_text, staged_dir, write_json, write_parquet
    from leadsim.sim import __version__
    from leadsim.sim.scenario import scenario_to_yaml

    loaded = result.loaded
    out = Path(out_dir)
    with staged_dir(out, OUTPUT_FILES, "calibration") as tmp:
        write_parquet(tmp / "posterior.parquet", result.posterior)
        write_parquet(tmp / "generations.parquet", result.generations)
        atomic_write_text(tmp / "calibration.html", page(result))
        header = (
            f"# The scenario at the centre of the posterior of calibration '{loaded.name}'\n"
            f"# (leadsim calibrate {loaded.path.name}, seed {loaded.spec.seed}); fitted: "
            + ", ".join(loaded.priors)
            + "\n"
        )
        atomic_write_text(tmp / "calibrated.yaml", header + scenario_to_yaml(calibrated_scenario(result)))
        write_json(
            tmp / "summary.json",
            {
                "name": loaded.name,
                "spec": loaded.spec.model_dump(mode="json", by_alias=True),
                "targets": {
                    k: {"centre": c, "scale": s, "from": loaded.target_sources[k], "predicted": result.predicted[k]}
                    for k, (c, s) in loaded.targets.items()
                },
                "priors": {k: {"min": lo, "max": hi} for k, (lo, hi) in loaded.priors.items()},
                "defaults": result.defaults,
                "centre": result.centre,
                "spread": result.spread,
                "evaluations": result.evaluations,
                "leadsim_version": __version__,
                "pyabc_version": metadata.version("pyabc"),
                "command": shlex.join(command),
                "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        )
    return out
