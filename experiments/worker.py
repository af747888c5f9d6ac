"""The run worker: one run, a chunk of a sweep's runs, and many seeds in local processes.

Every way leadsim runs the model over many seeds goes through this module, so that a run is made
the same way everywhere (the sweep on Dask or in this process, the validation suite on a process
pool): :func:`simulate` builds and runs one model; :func:`run_chunk` is the sweep's task (a few
runs, each failure an error row); :func:`run_seeds` runs ``(scenario, seed)`` jobs on local
processes and returns what a ``measure`` function takes from each finished model.

Each sweep task carries the model hash it expects (:func:`model_hash` of the process that
planned the sweep); a worker whose model code differs refuses the task with
:class:`ModelMismatch` instead of running it, so one sweep never mixes two models.
"""

from __future__ import annotations

import functools
import hashlib
import io
import multiprocessing
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel

__all__ = [
    "MAX_ERROR",
    "ModelMismatch",
    "error_line",
    "model_hash",
    "run_chunk",
    "run_seeds",
    "running_model",
    "map_local",
    "simulate",
    "worker_info",
]

#: error messages are cut to this length in summaries.parquet
MAX_ERROR = 500
#: worker processes start clean: forking a process that may hold threads (Dask, rich) can deadlock
_CONTEXT = multiprocessing.get_context("forkserver")


class ModelMismatch(RuntimeError):
    """A task planned for one model reached a worker running another; the task was not run.

    ``address`` names the worker (its Dask address, or "this process"), so the task can be sent elsewhere.
    """

    def __init__(self, message: str, address: str = "this process") -> None:
        super().__init__(message)
        self.address = address


@functools.cache
def model_hash() -> str:
    """SHA-256 of the model's source (``sim/*.py``): what a sweep's tasks expect their worker to run.

    Cached: the source of a running process does not change under it (a changed file on disk is
    not what the process runs), and a task checks it for every chunk.
    """
    import leadsim.sim

    root = Path(leadsim.sim.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def running_model() -> str:
    """The hash of the model this worker runs (a seam: tests make a worker that runs "another model")."""
    return model_hash()


def worker_info() -> dict[str, str]:
    """What a worker runs: model hash, leadsim and Python versions (asked of every Dask worker at the start)."""
    import platform

    from leadsim.sim import __version__

    return {"fingerprint": running_model(), "leadsim": __version__, "python": platform.python_version()}


def simulate(scenario_data: dict, seed: int) -> SchoolModel:
    """One run: the model of ``scenario_data`` with random stream ``seed``, run to its end."""
    from leadsim.sim.config import Scenario
    from leadsim.sim.model import SchoolModel

    model = SchoolModel(Scenario.model_validate(scenario_data), rng=seed)
    model.run()
    return model


def error_line(exc: BaseException) -> str:
    """``ValueError: message (sim/work.py:120)``: one line, the innermost frame of leadsim's code."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/sim/" in f.filename.replace("\\", "/")] or frames
    if ours:
        f = ours[-1]
        where = "/".join(Path(f.filename).parts[-2:])
        text += f" ({where}:{f.lineno})"
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 3] + "..."


def _where() -> str:
    """This worker's Dask address, or "this process" (not in a Dask worker)."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "this process"


def run_chunk(task: dict) -> dict:
    """Run a few of a sweep's runs. A run that raises becomes an error row; the others go on.

    Args:
        task: ``model`` (the model hash the sweep expects), ``runs`` (a list of (run_key, point,
            replicate, seed)), ``scenarios`` (the scenario data of each design point among them,
            by point), ``keep_timeseries`` and ``every``.

    Returns:
        ``rows`` (one dict per run: the run columns and the summary's values), ``timeseries``
        (Arrow IPC bytes of the kept series, or None) and ``seconds`` (compute time).

    Raises:
        ModelMismatch: this worker runs another model than the task expects; nothing was run.
    """
    here = running_model()
    if task["model"] != here:
        where = _where()
        who = where if where == "this process" else f"worker {where}"
        raise ModelMismatch(
            f"{who} runs another model (sim/ hash {here[:12]}; the sweep's is {task['model'][:12]})", where
        )
    keep, every, scenarios = task["keep_timeseries"], task["every"], task["scenarios"]
    rows, tables = [], []
    start = time.perf_counter()
    for key, point, replicate, seed in task["runs"]:
        row: dict[str, Any] = {
            "run_key": key,
            "point": point,
            "replicate": replicate,
            "seed": seed,
            "status": "ok",
            "error": None,
        }
        try:
            model = simulate({**scenarios[point], "seed": seed}, seed)
            summary = model.summary()
            ts = model.timeseries().iloc[::every] if keep else None
        except Exception as e:  # noqa: BLE001 - any failure of a run is recorded, not raised
            row["status"] = "error"
            row["error"] = error_line(e)
        else:
            row.update({k: float(v) for k, v in summary.items()})
            if ts is not None:
                table = pa.Table.from_pandas(ts, preserve_index=False).replace_schema_metadata(None)
                n = table.num_rows
                table = table.add_column(0, "replicate", pa.array([replicate] * n, pa.int64()))
                table = table.add_column(0, "point", pa.array([point] * n, pa.int64()))
                table = table.add_column(0, "run_key", pa.array([key] * n, pa.string()))
                tables.append(table)
        rows.append(row)
    blob = None
    if tables:
        sink = io.BytesIO()
        combined = pa.concat_tables(tables)
        with pa.ipc.new_stream(sink, combined.schema) as writer:
            writer.write_table(combined)
        blob = sink.getvalue()
    return {"rows": rows, "timeseries": blob, "seconds": time.perf_counter() - start}


def _measured(job: tuple[dict, int, Callable[[Any], Any]]) -> Any:
    scenario_data, seed, measure = job
    return measure(simulate(scenario_data, seed))


def run_seeds[T](jobs: Sequence[tuple[dict, int]], measure: Callable[[SchoolModel], T], workers: int = 1) -> list[T]:
    """Run every ``(scenario data, seed)`` job and return ``measure(model)`` of each, in job order.

    Args:
        jobs: the runs: a scenario (as data) and the seed of its random stream.
        measure: what to keep of a finished model; a module-level function (it goes to other processes).
        workers: local worker processes; 1 or fewer runs every job in this process.
    """
    return map_local(_measured, [(dict(data), int(seed), measure) for data, seed in jobs], workers)


def map_local[A, T](fn: Callable[[A], T], items: Sequence[A], workers: int = 1) -> list[T]:
    """``fn`` of every item, in order, on fresh local worker processes (1 or fewer: in this process).

    Args:
        fn: a module-level function (it goes to other processes).
        items: its arguments.
        workers: local worker processes.
    """
    if workers > 1 and len(items) > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_CONTEXT) as pool:
            return list(pool.map(fn, items, chunksize=max(1, len(items) // (4 * workers))))
    return [fn(t) for t in items]
