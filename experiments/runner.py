"""Running an experiment: every missing run of every design point, resumable; the orchestration.

The jobs are split by module:

* :mod:`~leadsim.experiments.worker`: one run, a task of a few runs, many seeds on local processes;
* :mod:`~leadsim.experiments.store`: the output folder (shards, manifest with checksums, resume, verify);
* :mod:`~leadsim.experiments.backends`: where runs go (this process, a Dask cluster), one interface;
* :mod:`~leadsim.experiments.progress`: progress as callbacks;
* this module: :func:`sweep` ties them together and returns a :class:`SweepResult`. It prints
  nothing and chooses no exit code: the command line (:mod:`leadsim.cli.sweep`) does both.

Example:
    >>> from leadsim.experiments.runner import sweep
    >>> result = sweep("experiments/smoke.yaml", out="runs/smoke", workers=2)  # doctest: +SKIP
    >>> result.status, result.failed  # doctest: +SKIP
    ('ok', 0)
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from leadsim.experiments.backends import ALLOWED_FAILURES, Aborted, Backend, DaskBackend, InProcess, Run, Work
from leadsim.experiments.outputs import OutputError, probe_writable
from leadsim.experiments.progress import SweepListener, SweepPlan
from leadsim.experiments.spec import LoadedExperiment, SpecError, load_experiment
from leadsim.experiments.store import FLUSH_RUNS, FLUSH_SECONDS, RUN_COLUMNS, SweepError, SweepStore, verify_sweep
from leadsim.experiments.worker import ModelMismatch, model_hash

__all__ = [
    "FLUSH_RUNS",
    "FLUSH_SECONDS",
    "RUN_COLUMNS",
    "SpecError",
    "SweepError",
    "SweepResult",
    "sweep",
    "verify_sweep",
]

#: failed runs a result keeps the messages of (the command shows them)
FIRST_FAILURES = 5


@dataclass
class SweepResult:
    """What a sweep did. ``status`` says how it ended; the counts are runs of the experiment."""

    #: ``ok`` (every run done, none failed), ``failed`` (every run done, some are error rows),
    #: ``incomplete`` (some runs lost to dying workers), ``stopped`` (the cluster failed, the disk
    #: filled up, or workers run another model; see ``message``), ``interrupted`` (Ctrl-C, SIGTERM)
    status: Literal["ok", "failed", "incomplete", "stopped", "interrupted"]
    name: str
    out: Path
    total: int
    #: runs finished (ok or error rows), of which ``failed`` are error rows
    done: int = 0
    failed: int = 0
    #: runs finished before this invocation, so not run again ("skipped")
    skipped: int = 0
    #: runs whose stored shard failed verification and were run again
    repaired: int = 0
    #: runs not done: lost to dying workers, or left by an interruption
    lost: int = 0
    points: int = 0
    #: where the runs of this invocation went ("this process", "2 local worker processes", ...)
    where: str = "this process"
    wall: float = 0.0
    #: the final table, once every run is done
    summaries: Path | None = None
    #: (run_key, error) of the first few failed runs
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: why the sweep stopped (status ``stopped``)
    message: str = ""
    #: whether the folder was opened (False: interrupted before anything was written)
    started: bool = False

    @property
    def ran(self) -> int:
        """Runs finished by this invocation."""
        return self.done - self.skipped


class _Stop:
    """Ctrl-C (SIGINT) or SIGTERM asks the sweep to stop at the next safe point; a second one aborts."""

    def __init__(self) -> None:
        self.requested = False
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Stop:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: Any) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _payload(exp: LoadedExperiment, expected_model: str, chunk: list[Run]) -> dict:
    return {
        "model": expected_model,
        "runs": chunk,
        "scenarios": {p: exp.scenario_data(p) for p in sorted({p for _, p, _, _ in chunk})},
        "keep_timeseries": exp.spec.keeps_timeseries,
        "every": exp.spec.timeseries_every,
    }


def sweep(
    experiment: str | Path,
    out: str | Path | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    listener: SweepListener | None = None,
) -> SweepResult:
    """Run every missing run of an experiment and write its output folder.

    Args:
        experiment: an experiment file, or a bundled experiment's name.
        out: the output folder (default ``runs/<experiment name>/``).
        overrides: ``field=value`` changes to the spec (``replications=5``, ``set.years=3``).
        workers: local worker processes (default: all cores); 0 runs in this process, without Dask.
        scheduler: the address of a running Dask scheduler (``tcp://host:8786``) to use instead.
        listener: told of the plan and of every finished task (e.g. :class:`~.progress.ConsoleProgress`).

    Returns:
        What happened: status, counts of done / failed / skipped runs, the folder and the final table.

    Raises:
        SpecError, SweepError: the sweep cannot start (one line; nothing was run or written).
    """
    if workers is not None and scheduler is not None:
        raise SweepError("give either --workers or --scheduler, not both")
    if workers is not None and workers < 0:
        raise SweepError(f"--workers: expected 0 or more (got {workers})")
    exp = load_experiment(experiment, overrides)
    out_dir = Path(out) if out is not None else Path("runs") / exp.name
    if scheduler is None and workers is None:
        workers = _cores()
    listener = listener or SweepListener()
    store = SweepStore(out_dir, exp)
    store.check()  # nothing is written before the cluster is up: a wrong --scheduler leaves no folder
    try:  # by trying, before any cluster starts: a folder we cannot write fails now, not after the runs
        probe_writable(out_dir)
    except OutputError as e:
        raise SweepError(f"--out {e}") from None
    expected_model = model_hash()
    result = SweepResult(status="ok", name=exp.name, out=out_dir, total=exp.n_runs, points=exp.n_points)
    started = time.monotonic()
    n_missing = 0

    def begin() -> Iterator[Run]:
        nonlocal n_missing
        store.open()
        n_missing = store.missing()
        result.started = True
        result.skipped, result.repaired = len(store.done), store.repaired
        listener.started(
            SweepPlan(
                exp.name,
                out_dir,
                exp.n_runs,
                exp.n_points,
                exp.spec.replications,
                len(store.done),
                store.failed_before,
                store.repaired,
            )
        )
        return (run for run in exp.runs() if run[0] not in store.done)  # streamed: memory stays flat

    def on_result(res: dict) -> None:
        store.add(res)
        failed = sum(r["status"] != "ok" for r in res["rows"])
        listener.advanced(len(res["rows"]) - failed, failed)

    def on_idle() -> None:
        if store.due():
            store.flush()

    lost: list[str] = []
    try:
        with _Stop() as stop:
            try:
                backend: Backend
                with _backend(exp, workers == 0 or not store.missing(), workers, scheduler) as backend:
                    result.where = backend.where
                    backend.prepare(listener, lambda: stop.requested)
                    todo = begin()
                    lost = backend.run(
                        Work(
                            todo,
                            n_missing,
                            lambda chunk: _payload(exp, expected_model, chunk),
                            on_result,
                            on_idle,
                            lambda: stop.requested,
                        )
                    )
                store.flush()
            except KeyboardInterrupt:
                stop.requested = True
                _flush_quietly(store, result)
            except (Aborted, ModelMismatch) as e:
                result.status, result.message = "stopped", str(e)
                _flush_quietly(store, result)
            except SweepError as e:
                if not result.started:
                    raise
                result.status, result.message = "stopped", str(e)  # a full disk: what is stored stays
            finally:
                if result.started:
                    listener.closed()
        result.wall = time.monotonic() - started
        result.done = len(store.done)
        result.lost = result.total - result.done
        if not result.started:
            result.status = "interrupted"
            return result
        if result.status == "stopped":
            return result
        if stop.requested and result.done < result.total:
            result.status = "interrupted"
            return result
        if lost or result.done < result.total:
            result.status = "incomplete"
            result.message = f"their workers died {ALLOWED_FAILURES} times running them (out of memory?)"
            return result
        table = store.assemble()
        result.summaries = out_dir / "summaries.parquet"
        status, keys, errors = (table.column(c).to_pylist() for c in ("status", "run_key", "error"))
        failed = [i for i, s in enumerate(status) if s != "ok"]
        result.failed = len(failed)
        result.failures = [(keys[i], errors[i]) for i in failed[:FIRST_FAILURES]]
        result.status = "failed" if failed else "ok"
        return result
    finally:
        store.close()


def _flush_quietly(store: SweepStore, result: SweepResult) -> None:
    """Save the finished runs on the way out; a failure to write becomes the result's message."""
    try:
        store.flush()
    except SweepError as e:
        result.status, result.message = "stopped", str(e)


@contextlib.contextmanager
def _backend(exp: LoadedExperiment, here: bool, workers: int | None, scheduler: str | None) -> Iterator[Backend]:
    """This process if ``here`` (``--workers 0``, or nothing left to run), else a Dask cluster."""
    if here:
        yield InProcess()
        return
    with DaskBackend(exp.name, workers=workers, scheduler=scheduler) as backend:
        yield backend


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
