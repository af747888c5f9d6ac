"""Where a sweep's runs go: this process, or a Dask cluster (local processes or a remote scheduler).

Both back-ends have one small interface (:class:`Backend`): ``where`` (for messages), ``prepare``
(wait for workers, check them) and ``run`` (send tasks, hand each result back, return the runs
lost for good). The orchestration in :mod:`leadsim.experiments.runner` does not know which one
it drives.

Every task carries the model hash the sweep expects; a Dask worker that runs another model
refuses it (:class:`~leadsim.experiments.worker.ModelMismatch`) and the task is sent again,
restricted to the workers that have not refused. If none is left the sweep stops with one line.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import signal
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from leadsim.experiments.progress import SweepListener
from leadsim.experiments.store import SweepError
from leadsim.experiments.worker import ModelMismatch, error_line, model_hash, run_chunk, worker_info

__all__ = [
    "ALLOWED_FAILURES",
    "DASK_CONFIG",
    "Aborted",
    "Backend",
    "DaskBackend",
    "InProcess",
    "Run",
    "Work",
]

#: one run: (run_key, point, replicate, seed)
Run = tuple[str, int, int, int]
#: tasks in flight per worker thread (enough to keep workers busy, few enough to keep memory flat)
IN_FLIGHT_PER_SLOT = 4
#: runs are batched into tasks of about this many seconds (Dask's overhead per task is a few ms)
TASK_SECONDS = 0.5
MAX_CHUNK = 64
#: a task whose worker dies this many times is given up (its runs are retried by the next sweep)
ALLOWED_FAILURES = 5
#: Dask settings for the sweep's cluster (the local one, and this process's client). Dask's statistical
#: profiler keeps 1000 one-second profiles of each worker's stack and its message logs the last 1000
#: batches of messages, task payloads included: hundreds of MB per process on a long sweep
DASK_CONFIG = {
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.low-level-log-length": 50,
}
#: how long to try to reach a scheduler given by address before saying it cannot be reached
CONNECT_TIMEOUT = "10s"


class Aborted(Exception):
    """The cluster failed in a way no run caused (lost scheduler, no worker runs this model); one line."""


@dataclass(frozen=True)
class Work:
    """What a back-end is asked to run, and where each result goes."""

    #: the runs still to do, streamed (memory stays flat), and how many there are
    todo: Iterator[Run]
    remaining: int
    #: the task payload of a chunk of runs (it carries the model hash the sweep expects)
    payload: Callable[[list[Run]], dict]
    #: called in this process with each task's result
    on_result: Callable[[dict], None]
    #: called between results (the store flushes there)
    on_idle: Callable[[], None]
    #: true once the sweep should stop (Ctrl-C)
    stopped: Callable[[], bool]


class Backend(Protocol):
    """Where the runs of a sweep are computed."""

    #: for messages: "this process", "2 local worker processes", "the Dask cluster at tcp://..."
    where: str

    def prepare(self, listener: SweepListener, stopped: Callable[[], bool]) -> None:
        """Wait until runs can be sent, and refuse workers that cannot run them (:class:`SweepError`)."""

    def run(self, work: Work) -> list[str]:
        """Run every run of ``work.todo`` until done or stopped; return the keys of runs lost for good."""
        ...


class InProcess:
    """Every run here, one after the other, without Dask (``--workers 0``; debuggers and tests)."""

    where = "this process"

    def prepare(self, listener: SweepListener, stopped: Callable[[], bool]) -> None:
        """Nothing to wait for: this process runs this model."""

    def run(self, work: Work) -> list[str]:
        for item in work.todo:
            if work.stopped():
                break
            work.on_result(run_chunk(work.payload([item])))
            work.on_idle()
        return []


class DaskBackend:
    """A Dask client on a new local cluster of ``workers`` processes, or on the scheduler at ``scheduler``.

    A context manager: the cluster starts on entering and is closed on leaving.
    """

    def __init__(self, name: str, workers: int | None = None, scheduler: str | None = None) -> None:
        self.name, self.workers, self.scheduler = name, workers, scheduler
        self.client: Any = None
        self.cluster: Any = None
        self.where = ""
        self._log_level = logging.NOTSET
        self._config: Any = None
        self.checked: list[str] = []

    def __enter__(self) -> DaskBackend:
        import dask
        import distributed

        quiet = logging.getLogger("distributed")
        self._log_level = quiet.level
        quiet.setLevel(logging.ERROR)
        self._config = dask.config.set(DASK_CONFIG)
        self._config.__enter__()
        try:
            if self.scheduler is None:
                old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # workers inherit: Ctrl-C is ours to handle
                try:
                    with warnings.catch_warnings():
                        # with the dashboard off the scheduler still serves /health, on 8787 or, if taken, another port
                        warnings.filterwarnings("ignore", message="Port .* is already in use")
                        self.cluster = distributed.LocalCluster(
                            n_workers=self.workers,
                            threads_per_worker=1,
                            processes=True,
                            host="127.0.0.1",
                            dashboard_address=None,
                            silence_logs=logging.ERROR,
                        )
                finally:
                    signal.signal(signal.SIGINT, old)
                self.client = distributed.Client(self.cluster)
                self.where = f"{self.workers} local worker process{'es' if self.workers != 1 else ''}"
            else:
                try:
                    self.client = distributed.Client(self.scheduler, timeout=CONNECT_TIMEOUT)
                except (OSError, TimeoutError, ValueError) as e:
                    raise SweepError(f"--scheduler {self.scheduler}: cannot connect: {e}") from None
                self.where = f"the Dask cluster at {self.scheduler}"
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        for thing in (self.client, self.cluster):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.close(timeout=10) if thing is self.cluster else thing.close()
        self.client = self.cluster = None
        if self._config is not None:
            self._config.__exit__(None, None, None)
            self._config = None
        logging.getLogger("distributed").setLevel(self._log_level)

    def prepare(self, listener: SweepListener, stopped: Callable[[], bool]) -> None:
        """Wait for a worker, then make sure every worker present runs this model's code."""
        client = self.client
        if not client.nthreads():
            listener.waiting(self.scheduler or "the local cluster")
            while not client.nthreads():
                if stopped():
                    raise KeyboardInterrupt
                time.sleep(0.5)
        try:
            infos = client.run(worker_info)
        except Exception as e:  # noqa: BLE001 - anything a worker raises is a setup problem
            raise SweepError(
                f"the workers cannot run leadsim ({type(e).__name__}: {e}); install leadsim on every worker"
            ) from None
        here = model_hash()
        #: the workers whose code was checked: work pinned to workers goes to these only
        self.checked = sorted(infos)
        for address, info in sorted(infos.items()):
            if info["fingerprint"] != here:
                raise SweepError(
                    f"worker {address} runs other leadsim code (leadsim {info['leadsim']}, its sim/ differs from "
                    "this one's); install the same leadsim on every worker"
                )

    def run(self, work: Work) -> list[str]:
        """Keep a bounded number of tasks in flight; returns the run keys lost to dying workers."""
        from distributed import KilledWorker, as_completed

        client, todo, remaining, stopped = self.client, work.todo, work.remaining, work.stopped
        token = uuid.uuid4().hex[:8]
        ac = as_completed()
        pending: dict[Any, list[Run]] = {}
        lost: list[str] = []
        refused: set[str] = set()  # workers that run another model: never sent a task again
        per_run: float | None = None
        fixed = self.workers if self.scheduler is None else None
        slots = fixed or 1
        checked = 0.0
        exhausted = False
        sent = itertools.count()

        def submit(chunk: list[Run]) -> None:
            options: dict[str, Any] = {}
            if refused:
                allowed = [w for w in client.scheduler_info()["workers"] if w not in refused]
                if not allowed:
                    raise Aborted(
                        f"no worker runs this model: {len(refused)} refused the sweep's tasks (their sim/ differs "
                        f"from this one's: {', '.join(sorted(refused))}); install the same leadsim on every worker"
                    )
                options = {"workers": allowed, "allow_other_workers": False}
            key = f"leadsim-{self.name}-{chunk[0][0]}-{len(chunk)}-{token}-{next(sent)}"
            future = client.submit(run_chunk, work.payload(chunk), key=key, pure=False, retries=0, **options)
            pending[future] = chunk
            ac.add(future)

        try:
            while True:
                if stopped():
                    return lost
                if fixed is None and time.monotonic() - checked > 5:
                    slots = max(1, sum(client.nthreads().values()))
                    checked = time.monotonic()
                while not exhausted and len(pending) < IN_FLIGHT_PER_SLOT * slots:
                    size = 1 if per_run is None else max(1, min(MAX_CHUNK, int(TASK_SECONDS / max(per_run, 1e-6))))
                    size = max(1, min(size, math.ceil(remaining / (2 * slots))))
                    chunk = list(itertools.islice(todo, size))
                    if not chunk:
                        exhausted = True
                        break
                    remaining -= len(chunk)
                    submit(chunk)
                if not pending:
                    return lost
                batch = ac.next_batch(block=False)
                if not batch:
                    time.sleep(0.02)
                    work.on_idle()
                    continue
                for future in batch:
                    chunk = pending.pop(future)
                    try:
                        result = future.result()
                    except KilledWorker:
                        lost.extend(c[0] for c in chunk)
                        continue
                    except ModelMismatch as e:  # nothing was run: send it to a worker that runs this model
                        refused.add(e.address)
                        submit(chunk)
                        continue
                    except Exception as e:  # noqa: BLE001 - run_chunk records run errors; this is the cluster
                        raise Aborted(error_line(e)) from None
                    finally:
                        future.release()
                    work.on_result(result)
                    n = len(result["rows"])
                    seconds = result["seconds"] / max(1, n)
                    per_run = seconds if per_run is None else 0.8 * per_run + 0.2 * seconds
                work.on_idle()
        finally:
            if pending:
                with contextlib.suppress(Exception):
                    client.cancel(list(pending))
