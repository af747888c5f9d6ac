"""Paired-seed factorial studies of systems of schools, on local processes (Dask) or in this process.

The sweep runner (:mod:`leadsim.experiments.runner`) runs single-school scenarios; a system study runs
system scenarios. A study spec names a bundled system scenario, factors whose levels are ``--set``
style overrides (``key.path: value``), replications and a base seed. Replication ``r`` of every design
point runs with seed ``seed + r``: the schools' own random streams are the same across design points,
so differences between levels are paired by seed. Each finished run is written at once as one JSON
row (atomically) under ``<out>/rows/``; an interrupted study resumes where it stopped, and the
collected ``summaries.parquet`` is written when all runs are done.

Example spec (``experiments/systems/federation-succession.yaml``)::

    scenario: federation-succession
    replications: 30
    seed: 2026
    factors:
      context:
        alone: {}
        federation: {federations: [{name: f, schools: [hill, dale, vale]}]}
    focus: [hill]
    measures: [succession_lost_3y, final_attainment]
    compare: {factor: context, baseline: alone}
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from leadsim.experiments.outputs import atomic_write_text, write_json, write_parquet
from leadsim.sim.system_scenario import BUNDLED_SYSTEMS, load_system_scenario
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from leadsim.bundled import Bundled
from leadsim.inputs import InputError, apply_override, load_chain, locate, parse_override, validation_error

__all__ = [
    "BUNDLED_STUDIES",
    "Compare",
    "StudySpec",
    "check_study_dir",
    "default_workers",
    "load_study",
    "point_overrides",
    "run_study",
    "run_task",
    "study_fingerprint",
    "study_tasks",
]

#: the bundled system studies, package data of ``leadsim.experiments.systems``
BUNDLED_STUDIES = Bundled("leadsim.experiments.systems", "system study")
#: what a study folder holds: the spec, what its runs depend on besides, one row per run, the results
FINGERPRINT = "fingerprint.json"
STUDY_FILES = ("study.json", FINGERPRINT, "rows", "summaries.parquet", "report.md")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Compare(_Strict):
    """Which factor's levels are compared, pairwise by seed, against which baseline level."""

    factor: str
    baseline: str


class StudySpec(_Strict):
    """A paired-seed factorial study of a system scenario."""

    name: str = "study"
    description: str = ""
    scenario: str = Field(..., description="bundled system scenario name, or a path relative to the spec")
    replications: int = Field(30, ge=1, le=10000)
    seed: int = Field(0, ge=0, le=2**62)
    set: dict[str, Any] = Field(default_factory=dict, description="overrides for every design point")
    factors: dict[str, dict[str, dict[str, Any]]] = Field(..., description="factor -> level -> overrides")
    focus: list[str] = Field(default_factory=list, description="schools whose own measures are reported")
    measures: list[str] = Field(default_factory=list, description="keys of each focus school's summary")
    compare: Compare

    @field_validator("name")
    @classmethod
    def _a_folder_name(cls, name: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name):  # it names the folder runs/<name>/
            raise ValueError(
                f"use letters, digits, '.', '_' and '-' only, starting with a letter or digit (got {name!r})"
            )
        return name

    @model_validator(mode="after")
    def _consistent(self) -> StudySpec:
        if self.compare.factor not in self.factors:
            raise ValueError(f"compare.factor: '{self.compare.factor}' is not a factor ({', '.join(self.factors)})")
        if self.compare.baseline not in self.factors[self.compare.factor]:
            raise ValueError(f"compare.baseline: '{self.compare.baseline}' is not a level of {self.compare.factor}")
        for f, levels in self.factors.items():
            if not levels:
                raise ValueError(f"factors.{f}: a factor needs at least one level")
        return self

    def points(self) -> list[dict[str, str]]:
        """Every design point: factor -> level, in the order of the factorial product."""
        names = list(self.factors)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*self.factors.values())]


def _overrides(mapping: dict[str, Any], label: str) -> list[tuple[str, str]]:
    """``key.path: value`` pairs as ``--set`` style overrides (JSON is YAML)."""
    return [(f"{label} {k}", f"{k}={json.dumps(v)}") for k, v in mapping.items()]


def load_study(path: str | Path, overrides: Sequence[str] = ()) -> tuple[StudySpec, Path]:
    """Load a study spec (a file or a bundled name); check every design point's scenario loads.

    Returns:
        The spec and the path of its system scenario.

    Raises:
        InputError: one line naming file, line and field.
    """
    file = BUNDLED_STUDIES.resolve(path)
    top = str(path) if Path(path).expanduser().exists() else str(file)
    data, origins = load_chain(file, top, [], what="system study")
    if origins.get(("name",), (None,))[0] != top:
        data["name"] = file.stem
    for label, key, value in (parse_override(StudySpec, o) for o in overrides):
        apply_override(data, origins, top, label, key, value)
    try:
        spec = StudySpec.model_validate(data)
    except ValidationError as e:
        raise validation_error(StudySpec, e, origins, top) from None
    from leadsim.experiments.spec import summary_columns

    known = (*summary_columns(), "practice_imported")
    for i, measure in enumerate(spec.measures):
        if measure not in known:  # it would be an empty column, found only in the report
            import difflib

            close = difflib.get_close_matches(measure, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "see the columns of a run's summary.json"
            where, _ = locate(("measures", i), origins, top)
            raise InputError(f"{where}: measures[{i}]: unknown measure '{measure}'; {hint}")
    scenario = Path(spec.scenario)
    if not scenario.is_absolute() and (file.parent / scenario).exists():
        scenario = file.parent / scenario
    else:
        scenario = BUNDLED_SYSTEMS.resolve(spec.scenario)
    for point in spec.points():
        loaded = load_system_scenario(scenario, point_overrides(spec, point, 0))
        names = loaded.school_names()
        for i, school in enumerate(spec.focus):
            if school not in names:
                where, _ = locate(("focus", i), origins, top)
                label = ", ".join(f"{k}={v}" for k, v in point.items())
                shown = ", ".join(names[:6]) + (f", ... ({len(names)} in all)" if len(names) > 6 else "")
                raise InputError(
                    f"{where}: focus[{i}]: school '{school}' is not a school of the system at {label} "
                    f"(schools: {shown})"
                )
    return spec, scenario


def point_overrides(spec: StudySpec, point: dict[str, str], replication: int) -> list[tuple[str, str]]:
    """The overrides of one run: the spec's ``set``, each factor's level, then the seed."""
    out = _overrides(spec.set, "set:")
    for factor, level in point.items():
        out += _overrides(spec.factors[factor][level], f"{factor}={level}:")
    out.append((f"replication {replication}", f"seed={spec.seed + replication}"))
    return out


def study_tasks(spec: StudySpec, scenario: Path) -> list[dict[str, Any]]:
    """One task per run: its id, design point, replication and overrides."""
    tasks = []
    for p, point in enumerate(spec.points()):
        for r in range(spec.replications):
            tasks.append(
                {
                    "id": f"p{p:03d}-r{r:04d}",
                    "point": point,
                    "replication": r,
                    "scenario": str(scenario),
                    "overrides": point_overrides(spec, point, r),
                    "focus": spec.focus,
                    "measures": spec.measures,
                }
            )
    return tasks


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run one system scenario and return its row: design point, seed, system and focus-school measures."""
    from leadsim.sim.system import SystemModel

    scenario = load_system_scenario(task["scenario"], task["overrides"])
    model = SystemModel(scenario)
    model.run()
    row: dict[str, Any] = {"id": task["id"], **task["point"], "replication": task["replication"]}
    row["seed"] = scenario.seed
    row.update({f"system_{k}": v for k, v in model.summary().items()})
    results = model.school_results()
    for name in task["focus"]:
        summary = results[name]["summary"]
        for m in task["measures"]:
            row[f"{name}.{m}"] = summary.get(m, results[name].get(m))
        row[f"{name}.practice_imported"] = results[name]["practice_imported"]
    return row


def run_study(
    spec: StudySpec,
    scenario: Path,
    out: Path,
    *,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Run every task not yet done, then collect ``summaries.parquet``.

    Args:
        spec: the study.
        scenario: its system scenario.
        out: output folder (``rows/`` holds one JSON per finished run; resumable).
        workers: local worker processes (Dask); 0 runs in this process.
        progress: called with (done, total) after each run.

    Returns:
        The path of ``summaries.parquet``.
    """
    import pandas as pd

    fingerprint = study_fingerprint(spec, scenario)
    check_study_dir(out, spec, fingerprint)
    rows_dir = out / "rows"
    rows_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / FINGERPRINT, json.dumps(fingerprint, indent=2) + "\n")
    atomic_write_text(out / "study.json", json.dumps(spec.model_dump(mode="json"), indent=2) + "\n")
    tasks = study_tasks(spec, scenario)
    todo = [t for t in tasks if not (rows_dir / f"{t['id']}.json").exists()]
    done = len(tasks) - len(todo)

    def keep(row: dict[str, Any]) -> None:
        nonlocal done
        write_json(rows_dir / f"{row['id']}.json", row)
        done += 1
        if progress is not None:
            progress(done, len(tasks))

    if todo and workers > 0:
        import logging
        import warnings

        import dask
        from dask.distributed import Client, LocalCluster, as_completed

        # As the sweep runner's cluster: bound to 127.0.0.1, no profiler, short message logs.
        config = {"distributed.worker.profile.enabled": False, "distributed.admin.low-level-log-length": 50}
        with dask.config.set(config), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            with (
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,  # a worker losing its heartbeat at shutdown is not news
                ) as cluster,
                Client(cluster) as client,
            ):
                futures = client.map(run_task, todo, pure=False)
                for future in as_completed(futures):
                    keep(future.result())
    else:
        for task in todo:
            keep(run_task(task))
    # Only this spec's runs: rows of replications a larger spec ran before are kept on disk, not collected.
    rows = [json.loads((rows_dir / f"{t['id']}.json").read_text()) for t in tasks]
    path = out / "summaries.parquet"
    write_parquet(path, pd.DataFrame(rows).sort_values("id", kind="stable").reset_index(drop=True))
    return path


def study_fingerprint(spec: StudySpec, scenario: Path) -> dict[str, str]:
    """What the runs of a study depend on besides its spec: the model's source and each design point's
    system scenario as resolved (the scenario file may change between two runs of one spec)."""
    import hashlib

    from leadsim.experiments.worker import model_hash
    from leadsim.sim.system_scenario import system_scenario_to_yaml

    digest = hashlib.sha256()
    for point in spec.points():
        resolved = load_system_scenario(scenario, point_overrides(spec, point, 0))
        digest.update(system_scenario_to_yaml(resolved).encode())
    return {"model": model_hash(), "scenarios": digest.hexdigest()}


def check_study_dir(out: Path, spec: StudySpec, fingerprint: dict[str, str]) -> None:
    """Refuse an output folder whose finished runs are not this study's, before anything is written.

    A folder is this study's if it is new or empty, or holds only a study's files and its
    ``study.json`` is this spec (the number of replications aside: a larger or smaller spec's rows
    are shared) and its ``fingerprint.json`` this model and these scenarios.

    Raises:
        OutputError: one line naming the folder and what differs.
    """
    from leadsim.experiments.outputs import OutputError, probe_writable
    from leadsim.experiments.store import _first_difference

    from leadsim.inputs import InputError, parse_value, read_text

    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    names = {p.name for p in out.iterdir()} if out.is_dir() else set()
    if names - set(STUDY_FILES):
        raise OutputError(f"{out}: exists and is not a leadsim study folder; not writing into it")
    probe_writable(out)
    retry = "use another --out, or delete the folder to start again"
    rows = out / "rows"
    has_rows = rows.is_dir() and any(rows.glob("*.json"))
    for name, now in (("study.json", spec.model_dump(mode="json")), (FINGERPRINT, fingerprint)):
        file = out / name
        if not file.exists():
            if name == "study.json" and has_rows:
                raise OutputError(f"{out}: holds runs but no study.json, so whose they are is unknown; {retry}")
            continue
        try:  # the folder may come from anyone: read it with the bounded reader, like any input
            was = parse_value(read_text(file, what="study").decode("utf-8"), str(file))
        except (InputError, UnicodeDecodeError) as e:
            raise OutputError(f"{file}: cannot read it: {e}") from None
        if not isinstance(was, dict):
            raise OutputError(f"{file}: not a study's {name}; {retry}")
        if name == "study.json":
            was, now = ({k: v for k, v in d.items() if k != "replications"} for d in (was, now))
        if was != now:
            if name == FINGERPRINT and was.get("model") != now["model"]:
                raise OutputError(
                    f"{file}: the runs in this folder were made by another version of the model (sim/ has "
                    f"changed since); {retry}"
                )
            if name == FINGERPRINT:
                raise OutputError(
                    f"{file}: the runs in this folder were made from other system scenarios (the scenario file "
                    f"has changed since); {retry}"
                )
            where, before, after = _first_difference(was, now)
            raise OutputError(
                f"{file}: this folder holds a study of a different spec ({where}: {before} there, {after} here); "
                f"{retry}"
            )


def default_workers() -> int:
    """Two local workers, or fewer on a one-core machine."""
    return max(1, min(2, os.cpu_count() or 1))
