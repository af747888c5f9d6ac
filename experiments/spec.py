"""Experiment specs: a base scenario, factors, a design, replications and a seed, in one YAML file.

An experiment file is read with the scenario loader's safe YAML reader (line numbers, duplicate
keys, alias bombs, refused tags) and validated by a strict pydantic model; every problem is a
:class:`SpecError` whose message is one line, ``<file>:<line>: <field>: <what was expected> (got
<value>)``, with a did-you-mean for misspelt keys. Every design point's scenario is built and
validated before anything runs, so a factor value out of a setting's range is reported with the
line of that value::

    # experiments/example.yaml
    description: Charisma by successor style
    scenario: charismatic-solo        # a bundled scenario, or a path relative to this file
    set: {years: 12}                  # changes to the base (a scenario fragment, or dotted keys)
    design: factorial
    replications: 50
    seed: 2026
    factors:
      head.charisma: [0.5, 0.9]
      events.successor.style: [top_down, distributive]

Example:
    >>> from leadsim.experiments.spec import load_experiment
    >>> exp = load_experiment("experiments/smoke.yaml", ["replications=2"])  # doctest: +SKIP
    >>> exp.n_points, exp.n_runs  # doctest: +SKIP
    (4, 8)
"""

from __future__ import annotations

import difflib
import functools
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import yaml
from leadsim.sim.config import Scenario
from leadsim.sim.scenario import bundled_scenarios
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leadsim.bundled import Bundled
from leadsim.inputs import (
    InputError,
    Key,
    Origin,
    closest,
    expected,
    fmt_key,
    get_path,
    load_chain,
    locate,
    note_origin,
    parse_value,
    paths_below,
    read_document,
    set_label,
    show,
    type_at,
    validation_error,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DESIGNS",
    "BUNDLED_EXPERIMENTS",
    "Experiment",
    "Factor",
    "LoadedExperiment",
    "SpecError",
    "bundled_experiments",
    "load_experiment",
    "run_key",
    "run_seed",
    "summary_columns",
    "tiny_timeseries",
]

#: the experiments shipped with leadsim (``leadsim sweep succession``), package data of ``leadsim.experiments``
BUNDLED_EXPERIMENTS = Bundled("leadsim.experiments", "experiment")

DESIGNS = ("factorial", "lhs", "morris", "sobol")
#: designs whose factors are ranges {min, max} sampled by a sampler
SAMPLED = ("lhs", "morris", "sobol")
#: more design points or runs than this is a mistake, not an experiment
MAX_POINTS = 1_000_000
MAX_RUNS = 10_000_000
#: columns of design.parquet and summaries.parquet that a factor may not be named after
RESERVED = ("run_key", "point", "replicate", "seed", "status", "error", "label")


class SpecError(InputError):
    """An experiment that cannot be run as specified; ``str()`` is always one line."""


def run_seed(seed: int, point: int, replicate: int, paired: bool = False) -> int:
    """The seed of one run: from the experiment's seed tree, by design point and replicate only.

    With ``paired`` (common random numbers) the seed depends on the replicate only: replicate r of
    every design point starts from the same seed, so two points differ only by their settings and a
    difference between them can be taken run by run (e.g. a departure against the same school in
    which the head stays). Its branch of the tree, ``spawn_key=(replicate,)``, no unpaired run uses.
    """
    key = (replicate,) if paired else (point, replicate)
    state = np.random.SeedSequence(entropy=seed, spawn_key=key).generate_state(1, np.uint64)[0]
    return int(state) & (2**63 - 1)


def design_seed(seed: int) -> int:
    """The seed handed to the samplers (lhs, morris, sobol): a branch of the seed tree no run uses."""
    return int(np.random.SeedSequence(entropy=seed, spawn_key=(2**32 - 1,)).generate_state(1, np.uint32)[0])


def run_key(point: int, replicate: int) -> str:
    """The key of a run, ``p00012-r003``."""
    return f"p{point:05d}-r{replicate:03d}"


@functools.cache
def _tiny_run() -> tuple[tuple[str, ...], Any]:
    """A four-week run of a tiny school: the keys of ``SchoolModel.summary()`` and a time series."""
    from leadsim.sim.model import SchoolModel

    tiny = Scenario.model_validate(
        {
            "years": 0.1,
            "school": {"teachers": 4, "students": 10, "parents": 10, "departments": 1},
            "teachers": {"senior_team": 0, "middle_leaders": 0},
            "leadership": {"team_size": 2},
        }
    )
    model = SchoolModel(tiny, rng=0)
    model.run()
    return tuple(model.summary()), model.timeseries()


def summary_columns() -> tuple[str, ...]:
    """The keys of ``SchoolModel.summary()``, in order: the measures columns of summaries.parquet."""
    return _tiny_run()[0]


def tiny_timeseries() -> pd.DataFrame:
    """A short time series of the model: its columns and types are those of every run's time series.

    The sweep's timeseries shards take their schema from it. A copy: the run behind it is cached.
    """
    return _tiny_run()[1].copy()


# --- the spec model -----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, populate_by_name=True)


class Range(_Strict):
    """A factor of a sampled design: a numeric setting varied between ``min`` and ``max``."""

    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.min < self.max:
            raise ValueError(f"min ({self.min:g}) must be below max ({self.max:g})")
        return self


class _Ranges(_Strict):
    factors: dict[str, Range]


class Experiment(_Strict):
    """What an experiment file holds (see ``experiments/Readme.md``)."""

    name: str | None = Field(None, min_length=1, max_length=100, description="default: the file's name")
    description: str = ""
    scenario: str | dict[str, Any] = Field(
        description="base scenario: a bundled scenario's name, a path relative to the file, or a mapping"
    )
    set_: dict[str, Any] = Field(default_factory=dict, alias="set", description="changes to the base scenario")
    design: Literal["factorial", "lhs", "morris", "sobol"] = "factorial"
    replications: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    #: common random numbers: replicate r has the same seed at every design point (None: false, not written)
    paired: bool | None = None
    keep: Literal["summaries", "timeseries", "both"] = "summaries"
    timeseries_every: int = Field(1, ge=1, le=100_000)
    factors: dict[str, Any] = Field(default_factory=dict)
    samples: int | None = Field(None, ge=1, le=1_000_000)
    levels: int | None = Field(None, ge=2, le=1000)
    second_order: bool | None = None
    outputs: list[str] | None = None

    @property
    def keeps_timeseries(self) -> bool:
        return self.keep in ("timeseries", "both")


FIELDS = tuple(f.alias or name for name, f in Experiment.model_fields.items())


# --- loaded experiments -------------------------------------------------------------------------


@dataclass
class Factor:
    """One factor: a named factor (labels -> scenario fragments) or a scenario path (values or a range)."""

    key: str
    kind: Literal["named", "values", "range"]
    path: Key = ()
    #: named: the labels; values: the values; range: (min, max)
    levels: list[Any] = field(default_factory=list)
    fragments: dict[str, dict] = field(default_factory=dict)
    #: the setting at ``path`` is a whole number (sampled values are rounded)
    integer: bool = False


@dataclass
class LoadedExperiment:
    """A validated experiment: its spec, base scenario, factors and design points.

    ``points[i]`` holds, per factor, the level label (named factors) or the value (paths).
    """

    spec: Experiment
    name: str
    path: Path
    display: str
    base: dict
    base_origins: dict[Key, Origin]
    factors: list[Factor]
    points: list[tuple]
    spec_origins: dict[Key, Origin]

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return len(self.points) * self.spec.replications

    def label(self, point: int) -> str:
        """``pattern=solo, head.charisma=0.5`` (``base`` when there are no factors)."""
        if not self.factors:
            return "base"
        return ", ".join(f"{f.key}={_label_value(v)}" for f, v in zip(self.factors, self.points[point], strict=True))

    def scenario_data(self, point: int, seed: int | None = None) -> dict:
        """The scenario of a design point as plain data (the base with the point's factors applied)."""
        data, _ = self._build(self.points[point], track=False)
        if seed is not None:
            data = {**data, "seed": seed}
        return data

    def scenario(self, point: int, seed: int | None = None) -> Scenario:
        return Scenario.model_validate(self.scenario_data(point, seed))

    def runs(self) -> Iterator[tuple[str, int, int, int]]:
        """Every run as (run_key, point, replicate, seed), point by point."""
        for p in range(self.n_points):
            for r in range(self.spec.replications):
                yield run_key(p, r), p, r, run_seed(self.spec.seed, p, r, bool(self.spec.paired))

    def resolved(self) -> dict:
        """The resolved spec written to ``experiment.yaml``: defaults filled, ``--set`` applied and the
        base scenario given in full (every setting, ``set`` applied), so the file runs again anywhere."""
        out = self.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
        try:
            base = Scenario.model_validate(self.base).model_dump(mode="json")
        except ValidationError:  # only valid once the factors are applied: keep what was given
            base = self.base
        out = {"name": self.name, **{k: v for k, v in out.items() if k != "name"}}
        out["scenario"] = base
        if self.spec.design == "morris":
            out["levels"] = self.spec.levels or 4
        if self.spec.design == "sobol":
            out["second_order"] = True if self.spec.second_order is None else self.spec.second_order
        return out

    def resolved_yaml(self) -> str:
        return yaml.safe_dump(self.resolved(), sort_keys=False, allow_unicode=True, width=100)

    def design_columns(self) -> list[tuple[str, list[Any], str]]:
        """design.parquet's factor columns: (name, values by point, arrow type name)."""
        cols = []
        for i, f in enumerate(self.factors):
            values = [pt[i] for pt in self.points]
            cols.append((f.key, *_column(f, values)))
        return cols

    # --- building a point's scenario ---------------------------------------------------------

    def _build(self, values: tuple, track: bool) -> tuple[dict, dict[Key, Origin] | None]:
        data = self.base
        origins = dict(self.base_origins) if track else None
        for f, v in zip(self.factors, values, strict=True):
            if f.kind == "named":
                data = _apply_fragment(
                    data, f.fragments[v], (), ("factors", f.key, v), origins, self.spec_origins, self.display
                )
            else:
                data = _set_checked(data, f.path, v, self._factor_key(f, v), self.spec_origins, self.display)
                if origins is not None:
                    _note(origins, f.path, v, self._factor_key(f, v), self.spec_origins)
        return data, origins

    def _factor_key(self, f: Factor, value: Any) -> Key:
        if f.kind == "values":
            for i, level in enumerate(f.levels):
                if level is value or (type(level) is type(value) and level == value):
                    return ("factors", f.key, i)
        return ("factors", f.key)

    def _validate_points(self) -> None:
        """Build and validate every design point's scenario; the first problem becomes a SpecError."""
        seen: set[tuple] = set()
        if self.spec.design != "factorial":  # endpoints first: the message points at min or max
            for f in self.factors:
                for end, value in zip(("min", "max"), f.levels, strict=True):
                    v = round(value) if f.integer else value
                    data = _set_checked(self.base, f.path, v, ("factors", f.key, end), self.spec_origins, self.display)
                    try:
                        Scenario.model_validate(data)
                    except ValidationError:
                        origins = dict(self.base_origins)
                        _note(origins, f.path, v, ("factors", f.key, end), self.spec_origins)
                        self._raise_point(data, origins, f"factors.{f.key}.{end}", f" = {_label_value(v)}")
        for i, values in enumerate(self.points):
            key = tuple(_hashable(v) for v in values)
            if key in seen:
                continue
            seen.add(key)
            data, _ = self._build(values, track=False)
            try:
                Scenario.model_validate(data)
            except ValidationError:
                data, origins = self._build(values, track=True)
                if self.factors:
                    self._raise_point(data, origins, f"design point {i}", f": {self.label(i)}")
                self._raise_point(data, origins, "the base scenario", ", set: applied")

    def _raise_point(self, data: dict, origins: dict[Key, Origin] | None, what: str, detail: str) -> None:
        try:
            Scenario.model_validate(data)
        except ValidationError as e:
            error = str(validation_error(Scenario, e, origins or {}, self.display))
            if not error.startswith(f"{self.display}:"):  # located in the base scenario's file
                what += f" of {self.display}"
            raise SpecError(f"{error} (in {what}{detail})") from None


def _hashable(v: Any) -> Any:
    return v if isinstance(v, str | int | float | bool | type(None)) else repr(v)


def _label_value(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "true" if v is True else "false" if v is False else "null"
    if isinstance(v, float):
        return format(v, ".6g")
    if isinstance(v, int | str):
        return str(v)
    return yaml.safe_dump(v, default_flow_style=True, width=10**6).strip()


def _column(f: Factor, values: list[Any]) -> tuple[list[Any], str]:
    """A factor's design column and its arrow type: labels, numbers, true/false or text."""
    if f.kind == "named":
        return values, "string"
    if f.kind == "range":
        return values, "int64" if f.integer else "float64"
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return values, "bool"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        if len(present) == len(values) and all(isinstance(v, int) for v in present):
            return values, "int64"
        return [None if v is None else float(v) for v in values], "float64"
    if all(isinstance(v, str) for v in values):
        return values, "string"
    return [_label_value(v) for v in values], "string"


# --- scenario data: paths and fragments ---------------------------------------------------------


def _parse_path(text: str) -> Key | None:
    """``events.crises[0].year`` -> ("events", "crises", 0, "year"); None if malformed."""
    parts = re.sub(r"\[(\d+)\]", r".\1", text).split(".")
    if not text or any(not p for p in parts):
        return None
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _is_plain(name: str) -> bool:
    return "." not in name and "[" not in name


class _NoItem(Exception):
    """A path indexes past the end of a list (``events.crises[2]`` with one crisis)."""


def _set_path(node: Any, path: Key, value: Any, at: Key = ()) -> Any:
    """``node`` with ``value`` at ``path``, copying containers along the way (the original is not changed)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        n = len(node) if isinstance(node, list) else 0
        if head >= n:
            raise _NoItem(f"{fmt_key(at)} has {n} item(s), so [{head}] does not exist")
        out = list(node)
        out[head] = _set_path(node[head], rest, value, at + (head,))
        return out
    out = dict(node) if isinstance(node, dict) else {}
    out[head] = _set_path(out.get(head), rest, value, at + (head,))
    return out


def _set_checked(data: Any, path: Key, value: Any, spec_key: Key, spec_origins: dict[Key, Origin], display: str) -> Any:
    try:
        return _set_path(data, path, value)
    except _NoItem as e:
        raise SpecError(f"{_where(spec_origins, spec_key, display)}: {fmt_key(spec_key)}: {e}") from None


def _origin(spec_origins: dict[Key, Origin], spec_key: Key) -> Origin | None:
    """Where a value of the experiment file came from (its nearest ancestor that has a line)."""
    for n in range(len(spec_key), 0, -1):
        found = spec_origins.get(spec_key[:n])
        if found is not None:
            return found
    return None


def _note(origins: dict[Key, Origin], path: Key, value: Any, spec_key: Key, spec_origins: dict[Key, Origin]) -> None:
    """Record that the scenario's ``path`` now comes from the experiment file's ``spec_key``."""
    for k in [k for k in origins if k[: len(path)] == path]:
        del origins[k]
    here = _origin(spec_origins, spec_key)
    if here is not None:
        origins[path] = here
    for sub in paths_below(value, ()):
        found = spec_origins.get(spec_key + sub)
        if found is not None:
            origins[path + sub] = found


def _apply_fragment(
    data: Any,
    fragment: dict,
    prefix: Key,
    spec_prefix: Key,
    origins: dict[Key, Origin] | None,
    spec_origins: dict[Key, Origin],
    display: str,
) -> Any:
    """Apply a scenario fragment: a mapping under a plain key merges into the mapping there (as
    ``extends`` does); a dotted key (``head.charisma``) or any other value replaces the setting."""
    for k, v in fragment.items():
        spec_key = spec_prefix + (k,)
        rel = _parse_path(k)
        if rel is None:
            raise SpecError(f"{_where(spec_origins, spec_key, display)}: {fmt_key(spec_key)}: not a setting name")
        path = prefix + rel
        if _is_plain(k) and isinstance(v, dict) and isinstance(get_path(data, path), dict):
            data = _apply_fragment(data, v, path, spec_key, origins, spec_origins, display)
            continue
        data = _set_checked(data, path, v, spec_key, spec_origins, display)
        if origins is not None:
            _note(origins, path, v, spec_key, spec_origins)
    return data


def _where(spec_origins: dict[Key, Origin], spec_key: Key, display: str) -> str:
    found, _ = locate(spec_key, spec_origins, display)
    return found


# --- loading ------------------------------------------------------------------------------------


def bundled_experiments() -> list[tuple[str, Path]]:
    """The bundled experiments: (name, path), by name."""
    return BUNDLED_EXPERIMENTS.paths()


def resolve_experiment_path(experiment: str | Path) -> Path:
    """A path to an experiment file from a path or the name of a bundled experiment (``succession``)."""
    try:
        return BUNDLED_EXPERIMENTS.resolve(experiment)
    except InputError as e:
        raise SpecError(str(e)) from None


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_experiment(path: str | Path, overrides: Sequence[str] = ()) -> LoadedExperiment:
    """Read, override and validate an experiment file, its base scenario and every design point.

    Args:
        path: a YAML file, or the name of a bundled experiment (``succession`` for
            ``experiments/succession.yaml``).
        overrides: ``field=value`` strings changing the spec (values are YAML):
            ``replications=5``, ``set.years=3``, ``factors.head.charisma=[0.2, 0.8]``,
            ``factors.pattern.solo={head: {distribution: 0.1}}``; ``factors.X=null`` drops a factor.

    Raises:
        SpecError: anything wrong, as one line naming file, line and field.
    """
    file = resolve_experiment_path(path)
    display = str(path) if Path(path).expanduser().exists() else _display(file)
    try:
        data, lines = read_document(file, display, "experiment")
    except InputError as e:
        raise SpecError(str(e)) from None
    if isinstance(data, dict) and "parameters" in data and "scenario" not in data:
        raise SpecError(
            f"{display}: this is a calibration spec (it has 'parameters' and no 'scenario'), not an experiment; "
            f"run it with 'leadsim calibrate {path}'"
        )
    origins: dict[Key, Origin] = {k: (display, line, None) for k, line in lines.items()}
    for item in overrides:
        _override(data, origins, display, item)
    try:
        spec = Experiment.model_validate(data)
    except ValidationError as e:
        raise _spec_error(e, origins, display) from None
    name = spec.name or file.stem
    factors = _factors(spec, origins, display)
    _check_options(spec, origins, display, factors)
    base, base_origins = _base(spec, file, origins, display)
    points = _design(spec, factors)
    if len(points) * spec.replications > MAX_RUNS:
        raise SpecError(
            f"{display}: {len(points):,} design points x {spec.replications} replications is more than "
            f"{MAX_RUNS:,} runs; split the experiment"
        )
    exp = LoadedExperiment(spec, name, file, display, base, base_origins, factors, points, origins)
    exp._validate_points()
    return exp


def _override(data: dict, origins: dict[Key, Origin], display: str, item: str) -> None:
    """Apply one ``--set field=value`` to the experiment's data."""
    label = set_label(item)
    if "=" not in item:
        raise SpecError(f"{display}: {label}: expected field=value, e.g. --set replications=5")
    path, _, text = item.partition("=")
    path = path.strip()
    head, _, rest = path.partition(".")
    if head not in FIELDS:
        close = difflib.get_close_matches(head, FIELDS, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"fields: {', '.join(FIELDS)}"
        raise SpecError(f"{display}: {label}: unknown field '{head}'; {hint}")
    try:
        value = parse_value(text, f"{display}: {label}") if text.strip() else None
    except InputError as e:
        raise SpecError(str(e)) from None
    if not rest:
        key: Key = (head,)
        data[head] = value
    elif head == "set":
        key = ("set", rest)
        data["set"] = {**(data.get("set") if isinstance(data.get("set"), dict) else {}), rest: value}
    elif head == "factors":
        factors = dict(data.get("factors")) if isinstance(data.get("factors"), dict) else {}
        owner = next((f for f in factors if isinstance(factors[f], dict) and rest.startswith(f + ".")), None)
        if owner is not None and rest not in factors:
            level, _, inner = rest[len(owner) + 1 :].partition(".")
            levels = dict(factors[owner])
            if inner:
                frag = dict(levels.get(level) or {}) if isinstance(levels.get(level), dict) else {}
                frag[inner] = value
                levels[level] = frag
                key = ("factors", owner, level, inner)
            else:
                levels[level] = value
                key = ("factors", owner, level)
            factors[owner] = levels
        elif value is None:
            factors.pop(rest, None)
            key = ("factors", rest)
        else:
            factors[rest] = value
            key = ("factors", rest)
        data["factors"] = factors
    else:
        raise SpecError(f"{display}: {label}: '{head}' has no sub-fields; use --set {head}=VALUE")
    note_origin(origins, key, value, (display, None, label))


def _spec_error(err: ValidationError, origins: dict[Key, Origin], display: str) -> SpecError:
    problems: dict[Key, str] = {}
    for e in err.errors(include_url=False):
        key: Key = tuple(e["loc"])
        if key[:1] == ("scenario",) and len(key) == 2:  # a union reports each member: one message
            key = ("scenario",)
            if key in problems:
                continue
            problems[key] = (
                f"{_where(origins, key, display)}: scenario: expected a bundled scenario's name or a file "
                f"path (or a mapping of settings) (got {show(e.get('input'))})"
            )
            continue
        if e["type"] == "extra_forbidden":
            names = FIELDS if len(key) == 1 else ("min", "max")
            close = difflib.get_close_matches(str(key[-1]), names, n=1, cutoff=0.6)
            expected_text = "unknown key; " + (
                f"did you mean '{close[0]}'?" if close else f"valid keys here: {', '.join(names)}"
            )
            if len(key) > 1 and key[0] == "factors":
                expected_text += (
                    " (lhs, morris and sobol designs sample each factor over a range {min, max}; "
                    "named levels and lists of values need design: factorial)"
                )
        elif e["type"] == "missing":
            expected_text = "required field is missing" + (
                " (the base scenario: a bundled name or a file)" if key == ("scenario",) else ""
            )
        else:
            expected_text = expected(Scenario, e, key)
        where = _where(origins, key, display)
        msg = f"{where}: {fmt_key(key)}: {expected_text}" if key else f"{display}: {expected_text}"
        if e["type"] not in ("extra_forbidden", "missing", "value_error"):
            msg += f" (got {show(e.get('input'))})"
        problems.setdefault(key, msg)
    messages = sorted(problems.values(), key=lambda m: "unknown key" not in m)
    message = messages[0]
    if len(messages) > 1:
        message += f" (and {len(messages) - 1} more problem{'s' if len(messages) > 2 else ''})"
    return SpecError(message)


def _fail(
    origins: dict[Key, Origin], display: str, key: Key, text: str, got: Any = ..., at: Key | None = None
) -> SpecError:
    """A one-line error about ``key``, located at ``key`` (or at ``at`` when ``key`` was not given)."""
    where, found = locate(key, origins, display)
    if found is None and at is not None:
        where, _ = locate(at, origins, display)
    msg = f"{where}: {fmt_key(key)}: {text}"
    if got is not ...:
        msg += f" (got {show(got)})"
    return SpecError(msg)


def _factors(spec: Experiment, origins: dict[Key, Origin], display: str) -> list[Factor]:
    """Check the factors against the design and the scenario's settings."""
    sampled = spec.design in SAMPLED
    reserved = set(RESERVED) | set(summary_columns())
    out = []
    for name, value in spec.factors.items():
        key: Key = ("factors", name)
        if not name.strip() or any(ch in name for ch in ",=\n"):
            raise _fail(origins, display, key, "a factor's name may not be empty or hold ',', '=' or a line break")
        if name in reserved:
            raise _fail(origins, display, key, f"'{name}' is a column of the results; name the factor otherwise")
        path = _parse_path(name)
        if sampled:
            if not isinstance(value, dict):
                raise _fail(
                    origins, display, key, f"a {spec.design} design varies settings over ranges: expected "
                    "{min: .., max: ..}", value
                )  # fmt: skip
            try:
                rng = _Ranges.model_validate({"factors": {name: value}}).factors[name]
            except ValidationError as e:
                raise _spec_error(e, origins, display) from None
            setting = _setting(path, name, key, origins, display)
            ann = type_at(Scenario, setting)
            if ann not in (int, float):
                raise _fail(origins, display, key, "only a numeric setting can be sampled over a range")
            if ann is int and round(rng.min) == round(rng.max):
                # sampled values are rounded (as below): a range whose ends round alike varies nothing
                raise _fail(
                    origins, display, key, "a whole-number setting needs a range whose ends round to different "
                    "whole numbers (sampled values are rounded)", value,
                )  # fmt: skip
            out.append(Factor(name, "range", setting, [rng.min, rng.max], integer=ann is int))
        elif isinstance(value, list):
            setting = _setting(path, name, key, origins, display)
            if not value:
                raise _fail(origins, display, key, "give at least one value")
            seen: list[Any] = []
            for i, v in enumerate(value):
                if any(type(v) is type(s) and v == s for s in seen):
                    raise _fail(origins, display, key + (i,), "value given twice", v)
                seen.append(v)
            out.append(Factor(name, "values", setting, list(value)))
        elif isinstance(value, dict):
            if "min" in value and "max" in value:
                raise _fail(
                    origins, display, key, "ranges {min, max} are for lhs, morris and sobol designs; a factorial "
                    "design takes a list of values (or labels -> scenario fragments)"
                )  # fmt: skip
            if not value:
                raise _fail(origins, display, key, "give at least one level (label: {settings})")
            for label, frag in value.items():
                if not label.strip() or any(ch in label for ch in ",=\n"):
                    raise _fail(origins, display, key + (label,), "a level's label may not hold ',', '=' or a newline")
                if not isinstance(frag, dict):
                    raise _fail(
                        origins, display, key + (label,), "expected a mapping of scenario settings "
                        "({} for the base as it is)", frag
                    )  # fmt: skip
            out.append(Factor(name, "named", (), list(value), fragments=dict(value)))
        else:
            raise _fail(
                origins,
                display,
                key,
                "expected a list of values for a setting, or labels -> scenario fragments",
                value,
            )
    _check_overlap(out, origins, display)
    return out


def _touched(fragment: dict, prefix: Key = ()) -> set[Key]:
    """The settings a fragment of a named factor's level sets (mappings under plain keys merge, so their leaves)."""
    found: set[Key] = set()
    for k, v in fragment.items():
        rel = _parse_path(k) if isinstance(k, str) else None
        if rel is None:
            continue  # reported as 'not a setting name' when the design point is built
        if _is_plain(k) and isinstance(v, dict) and v:
            found |= _touched(v, prefix + rel)
        else:
            found.add(prefix + rel)
    return found


def _check_overlap(factors: list[Factor], origins: dict[Key, Origin], display: str) -> None:
    """Two factors may not vary one setting: the later would overwrite the earlier at every design point,
    and the earlier's column in design.parquet and summaries.parquet would name values that were never run."""
    seen: list[tuple[Factor, Key]] = []
    for f in factors:
        mine = set().union(*(_touched(frag) for frag in f.fragments.values())) if f.kind == "named" else {f.path}
        for other, path in seen:
            for here in sorted(mine, key=fmt_key):
                if here[: len(path)] == path or path[: len(here)] == here:
                    what = "varies" if f.kind != "named" else "has a level that sets"
                    also = "" if fmt_key(path) in (other.key, fmt_key(here)) else f" ('{fmt_key(path)}')"
                    raise _fail(
                        origins, display, ("factors", f.key), f"{what} '{fmt_key(here)}', which factor "
                        f"'{other.key}' varies too{also}; vary each setting in one factor only (the later would "
                        "overwrite the earlier at every design point)"
                    )  # fmt: skip
        seen += [(f, path) for path in sorted(mine, key=fmt_key)]


def _setting(path: Key | None, name: str, key: Key, origins: dict[Key, Origin], display: str) -> Key:
    """The scenario setting a path factor varies; unknown paths get a did-you-mean."""
    if path is None:
        raise _fail(origins, display, key, "expected a setting's path, e.g. head.charisma")
    for i in range(len(path)):
        if type_at(Scenario, path[: i + 1]) is None:
            parent = path[:i]
            part = path[i]
            close = closest(Scenario, str(part), parent, in_file=False) if isinstance(part, str) else None
            if close:
                hint = f"did you mean '{fmt_key(parent + (close,))}'?"
            elif isinstance(type_at(Scenario, parent), type) and issubclass(type_at(Scenario, parent), BaseModel):
                hint = f"valid keys in {fmt_key(parent) or 'a scenario'}: " + ", ".join(
                    type_at(Scenario, parent).model_fields
                )
            else:
                hint = f"{fmt_key(parent)} has no sub-settings"
            raise _fail(origins, display, key, f"unknown scenario setting '{name}'; {hint}")
    return path


def _check_options(spec: Experiment, origins: dict[Key, Origin], display: str, factors: list[Factor]) -> None:
    sampled = spec.design in SAMPLED
    if sampled and spec.samples is None:
        what = {"lhs": "rows", "morris": "trajectories", "sobol": "base samples N"}[spec.design]
        raise _fail(origins, display, ("samples",), f"a {spec.design} design needs samples ({what})", at=("design",))
    if not sampled and spec.samples is not None:
        raise _fail(origins, display, ("samples",), "only lhs, morris and sobol designs take samples")
    if sampled and not factors:
        raise _fail(origins, display, ("factors",), f"a {spec.design} design needs at least one factor", at=("design",))
    if spec.levels is not None and spec.design != "morris":
        raise _fail(origins, display, ("levels",), "only a morris design takes levels")
    if spec.levels is not None and spec.levels % 2:
        # SALib's sampler only warns, and samples anyway: its grid jump p / (2 (p - 1)) visits the
        # levels equally often only for an even p (Morris 1991; SALib: "should be even")
        raise _fail(
            origins,
            display,
            ("levels",),
            "a morris design needs an even number of levels, e.g. 4 or 6 (with an odd number the sample is biased)",
            spec.levels,
        )
    if spec.second_order is not None and spec.design != "sobol":
        raise _fail(origins, display, ("second_order",), "only a sobol design takes second_order")
    if spec.design == "morris" and len(factors) < 2:
        raise _fail(origins, display, ("factors",), "a morris design needs at least two factors", at=("design",))
    if spec.design == "sobol" and (spec.samples or 0) & ((spec.samples or 0) - 1):
        raise _fail(origins, display, ("samples",), "a sobol design needs a power of 2, e.g. 256 or 1024", spec.samples)
    if spec.outputs is not None:
        known = summary_columns()
        for i, out in enumerate(spec.outputs):
            if out not in known:
                close = difflib.get_close_matches(out, known, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "see the columns of summaries.parquet"
                raise _fail(origins, display, ("outputs", i), f"unknown output '{out}'; {hint}")
    if spec.name is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec.name):
        raise _fail(origins, display, ("name",), "use letters, digits, '.', '_' and '-' only", spec.name)


def _base(spec: Experiment, file: Path, origins: dict[Key, Origin], display: str) -> tuple[dict, dict[Key, Origin]]:
    """The base scenario's data and origins, ``set`` applied (not yet validated: factors may complete it)."""
    if isinstance(spec.scenario, dict):
        if "extends" in spec.scenario:
            raise _fail(
                origins, display, ("scenario", "extends"), "a scenario given in the spec cannot extend a file; name "
                "the file as the base (scenario: FILE) and change it with set:"
            )  # fmt: skip
        data = dict(spec.scenario)
        base_origins = {k[1:]: v for k, v in origins.items() if k[:1] == ("scenario",) and len(k) > 1}
        data.setdefault("name", file.stem)
    else:
        target = _scenario_file(spec.scenario, file, origins, display)
        shown = _display(target)
        from leadsim.sim.system_scenario import is_system_file

        if is_system_file(target):
            raise _fail(
                origins, display, ("scenario",), f"{spec.scenario} is a system of schools; a sweep runs one school "
                "(a system's paired-seed study is 'leadsim system study')"
            )  # fmt: skip
        try:
            data, base_origins = load_chain(target, shown, [])
        except InputError as e:
            raise SpecError(f"{e} (the base scenario of {display})") from None
        if base_origins.get(("name",), (None,))[0] != shown:
            data["name"] = target.stem
            base_origins.pop(("name",), None)
    data = _apply_fragment(data, spec.set_, (), ("set",), base_origins, origins, display)
    return data, base_origins


def _scenario_file(text: str, file: Path, origins: dict[Key, Origin], display: str) -> Path:
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = file.parent / candidate
    if candidate.is_file():
        return candidate
    if text and "/" not in text and "\\" not in text:
        stem = text.removesuffix(".yaml").removesuffix(".yml")
        bundled = {n: p for n, p, _ in bundled_scenarios()}
        if stem in bundled:
            return bundled[stem]
        close = difflib.get_close_matches(stem, list(bundled), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; bundled scenarios: {', '.join(bundled)}"
        raise _fail(
            origins, display, ("scenario",), f"no scenario file '{text}' next to the experiment nor bundled{hint}"
        )
    raise _fail(origins, display, ("scenario",), f"scenario file not found: {_display(candidate)}")


def _design(spec: Experiment, factors: list[Factor]) -> list[tuple]:
    """The design points: per point, one level label or value per factor."""
    if spec.design == "factorial":
        size = math.prod(len(f.levels) for f in factors)
        if size > MAX_POINTS:
            raise SpecError(f"factors: {size:,} combinations is more than {MAX_POINTS:,} design points")
        return list(itertools.product(*(f.levels for f in factors)))
    n = spec.samples or 0
    lo = np.array([f.levels[0] for f in factors], dtype=float)
    hi = np.array([f.levels[1] for f in factors], dtype=float)
    seed = design_seed(spec.seed)
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(n)
        x = qmc.scale(unit, lo, hi)
    else:
        problem = {
            "num_vars": len(factors),
            "names": [f.key for f in factors],
            "bounds": [[float(a), float(b)] for a, b in zip(lo, hi, strict=True)],
        }
        expected = n * (len(factors) + 1) if spec.design == "morris" else n * (2 * len(factors) + 2)
        if expected > MAX_POINTS:
            raise SpecError(f"samples: {expected:,} design points is more than {MAX_POINTS:,}")
        if spec.design == "morris":
            from SALib.sample import morris

            x = morris.sample(problem, n, num_levels=spec.levels or 4, seed=seed)
        else:
            from SALib.sample import sobol

            second = True if spec.second_order is None else spec.second_order
            x = sobol.sample(problem, n, calc_second_order=second, seed=seed)
    return [
        tuple(int(round(v)) if f.integer else float(v) for f, v in zip(factors, row, strict=True)) for row in x.tolist()
    ]
