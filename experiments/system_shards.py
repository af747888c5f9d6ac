"""A system of schools cut into shards on a Dask cluster: one actor per shard, the weeks driven from here.

Each shard (:class:`leadsim.sim.shard.Shard`) is a Dask actor, so its schools stay in one worker's
memory for the whole run; each on its own worker where there are enough (a shard is pinned to a
worker whose code was checked, round robin). Every week this process asks every shard to start
its week, routes the crossers' levels of learning networks that span shards (a few numbers per
network), and asks every shard to finish it; at the end it gathers each shard's per-school
results. The cluster is a new local one (``"local"``: one worker process per shard on 127.0.0.1,
but no more processes than cores: ``--shards 64`` on two cores puts 32 shards in each of two
processes) or a running scheduler's, whose
workers must run this leadsim (checked as for a sweep, :class:`~leadsim.experiments.backends.DaskBackend`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from leadsim.experiments.backends import DaskBackend
from leadsim.experiments.progress import SweepListener
from leadsim.experiments.store import SweepError
from leadsim.experiments.system_parts import PartShard
from leadsim.experiments.worker import error_line
from leadsim.sim.shard import Shard, ShardedRun, run_shards
from leadsim.sim.system_config import SystemScenario

__all__ = ["run_on_dask"]


def _cores() -> int:
    """The cores this process may use (its CPU affinity, as a container's limit sets it), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity on this platform
        return os.cpu_count() or 1


def run_on_dask(
    scenario: SystemScenario,
    shards: Sequence[Sequence[int]],
    scheduler: str = "local",
    rng: Any = None,
    progress: Callable[[int], None] | None = None,
    parts_dir: str | None = None,
) -> ShardedRun:
    """Run a sharded system on Dask actors; the same result as the one-process run with the same seed.

    Args:
        scenario: the system.
        shards: the schools of each shard (:func:`leadsim.sim.shard.partition`).
        scheduler: ``"local"`` (a new cluster of one worker process per shard) or a scheduler's address.
        rng: the system's seed (default the scenario's).
        progress: called with the week after each week.
        parts_dir: where each shard writes its own part of the time series
            (:class:`~leadsim.experiments.system_parts.PartShard`; a folder every worker can reach);
            None to gather every school's time series here.

    Raises:
        leadsim.experiments.store.SweepError: the scheduler cannot be reached, its workers run other
            code, or a shard failed (one line: the error and where in leadsim it arose).
    """
    local = scheduler == "local"
    processes = min(len(shards), _cores())
    backend = DaskBackend(
        f"system-{scenario.name}", workers=processes if local else None, scheduler=None if local else scheduler
    )
    with backend:
        backend.prepare(SweepListener(), lambda: False)
        client = backend.client
        # Only workers whose code prepare() checked: one that joined since then may run other code.
        workers = backend.checked
        kind, extra = (Shard, ()) if parts_dir is None else (PartShard, (parts_dir,))
        futures = [
            client.submit(
                kind,
                scenario,
                list(own),
                rng,
                *extra,
                actor=True,
                pure=False,
                workers=[workers[s % len(workers)]],
                allow_other_workers=False,
            )
            for s, own in enumerate(shards)
        ]
        actors: list[Any] = []
        try:
            actors = [f.result() for f in futures]
            return run_shards(scenario, actors, progress)
        except Exception as e:  # noqa: BLE001 - an error on a worker reaches here as itself; say it in one line
            raise SweepError(f"a shard failed: {error_line(e)}") from None
        finally:
            del actors
            client.cancel(futures)
