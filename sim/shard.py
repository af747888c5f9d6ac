"""A system of schools cut into shards that run side by side and give the one-process run, bit for bit.

A shard (:class:`Shard`) is a :class:`~leadsim.sim.system.SystemModel` built with ``own``: it knows
every school, grouping and event of the system (all built from the same seed, identically
everywhere) but holds the models, rows of trust and measures of its own schools only. What reads or
writes two schools' state stays in one shard: an executive head's school and the schools they lead
(also those a scheduled takeover adds), a federation, a supporter and the school it supports. Only
learning networks may span shards, and what crosses a shard's edge each week is what the crossers of
such a network see of each other: ``(school, L_j)``, the mean practice of the teachers school ``j``
sent. Each shard then does its own schools' exchange (adoption, its rows of trust); the system
measures are taken at the end from every shard's per-school numbers, in school order.

:func:`partition` cuts the system; :func:`run_shards` drives the weeks, on shards in this process
(:func:`local_shards`) or on Dask actors (:mod:`leadsim.experiments.system_shards`): the driver only
calls ``start_week``, ``finish_week`` and ``results`` and routes the levels.

Example:
    >>> from leadsim.sim.system_config import SystemScenario
    >>> s = SystemScenario.model_validate({"years": 0.1, "generate": {"primaries": 6, "network_size": 3}})
    >>> run = run_shards(s, local_shards(s, partition(SystemModel(s, own=[]), 2)))
    >>> one = SystemModel(s)
    >>> one.run()
    >>> run.timeseries().equals(one.timeseries())
    True
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from leadsim.sim.system import (
    Crossings,
    SystemModel,
    system_frame,
    system_row,
    system_summary,
    system_timeseries,
    with_system_measures,
)
from leadsim.sim.system_config import SystemScenario, Takeover

__all__ = ["PartitionError", "Shard", "ShardedRun", "local_shards", "partition", "route", "run_shards"]

#: a shard may take this much more than its share of teachers to keep tied schools together
BALANCE = 0.02


class PartitionError(ValueError):
    """The system cannot be cut into that many shards (one line, for the command line)."""


def together(model: SystemModel) -> list[list[int]]:
    """The groups of schools that must share a shard, each in school order, in order of their first school.

    Federations and executive headships (with the schools scheduled takeovers add) read and write
    each other's heads and trust both ways, as do a supporter and the school it supports.
    """
    n = len(model.schools)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, c: int) -> None:
        parent[find(a)] = find(c)

    for g in model.groups:
        if g.kind != "network":
            for m in g.members[1:]:
                union(g.members[0], m)
    for a, c, _ in model.support:
        union(a, c)
    for events in model._events.values():
        for e in events:
            if isinstance(e, Takeover):
                union(model._exec_names[e.executive_head], model.index[e.school])
    parts: dict[int, list[int]] = {}
    for i in range(n):
        parts.setdefault(find(i), []).append(i)
    return list(parts.values())


def partition(model: SystemModel, k: int) -> list[list[int]]:
    """Cut the system into ``k`` shards balanced by teachers, few learning networks spanning two.

    Greedy, over the groups of schools that must stay together (:func:`together`): they are taken
    in breadth-first order along learning-network ties, starting from the heaviest, and each goes to
    the shard it shares most network ties with among those with room for it (a shard has room up to
    ``1 + BALANCE`` times an equal share of the teachers); if none has room, to the lightest. So a
    shard fills with a region of the network before the next one starts.

    Args:
        model: the system (a model built with ``own=[]`` is enough: no school is built).
        k: number of shards.

    Returns:
        The schools (indices) of each shard, in school order.

    Raises:
        PartitionError: ``k`` below 1, above the number of schools, or above the number of groups
            that must stay together.
    """
    n = len(model.schools)
    if k < 1:
        raise PartitionError(f"expected 1 or more shards, not {k}")
    if k > n:
        raise PartitionError(f"{k} shards for {n} schools: at most one shard per school")
    groups = together(model)
    if k > len(groups):
        raise PartitionError(
            f"{k} shards, but the {n} schools form only {len(groups)} group{'s' if len(groups) != 1 else ''} "
            "that must stay together "
            "(federations, executive headships, support)"
        )
    of = np.empty(n, dtype=np.int64)
    for c, members in enumerate(groups):
        of[members] = c
    weight = [int(model.sizes[members].sum()) for members in groups]
    ties: list[Counter[int]] = [Counter() for _ in groups]
    for g in model.groups:
        if g.kind == "network":
            cs = [int(of[m]) for m in g.members]
            for a in cs:
                for c in cs:
                    if a != c:
                        ties[a][c] += 1
    order = _breadth_first(weight, ties)
    room = (1.0 + BALANCE) * sum(weight) / k
    load = [0] * k
    affinity = np.zeros((len(groups), k))
    shards: list[list[int]] = [[] for _ in range(k)]
    for placed, c in enumerate(order):
        empty = [s for s in range(k) if not shards[s]]
        if len(order) - placed <= len(empty):  # every shard gets at least one group
            fits = empty
        else:
            fits = [s for s in range(k) if load[s] + weight[c] <= room] or [min(range(k), key=lambda s: load[s])]
        s = max(fits, key=lambda s: (affinity[c, s], -load[s], -s))
        shards[s].extend(groups[c])
        load[s] += weight[c]
        for d, w in ties[c].items():
            affinity[d, s] += w
    return [sorted(members) for members in shards]


def _breadth_first(weight: list[int], ties: list[Counter[int]]) -> list[int]:
    """Groups in breadth-first order along network ties (strongest first), each region from its heaviest group."""
    seen = [False] * len(weight)
    order: list[int] = []
    for start in sorted(range(len(weight)), key=lambda c: (-weight[c], c)):
        if seen[start]:
            continue
        seen[start] = True
        queue = deque([start])
        while queue:
            c = queue.popleft()
            order.append(c)
            for d, _ in sorted(ties[c].items(), key=lambda x: (-x[1], x[0])):
                if not seen[d]:
                    seen[d] = True
                    queue.append(d)
    return order


def spanning(model: SystemModel, shards: Sequence[Sequence[int]]) -> int:
    """Learning networks with members in more than one of ``shards``."""
    where = np.empty(len(model.schools), dtype=np.int64)
    for s, members in enumerate(shards):
        where[list(members)] = s
    return sum(len(set(where[g.members].tolist())) > 1 for g in model.groups if g.kind == "network")


class Shard:
    """Some schools of a system, stepped a week at a time by a driver (in this process, or a Dask actor).

    Args:
        scenario: the whole system.
        own: the schools of this shard (indices).
        rng: the system's seed, as for :class:`SystemModel` (default the scenario's).
    """

    def __init__(self, scenario: SystemScenario, own: Sequence[int], rng: Any = None) -> None:
        self.model = SystemModel(scenario, rng=rng, own=own)
        #: seconds of work of each week (both halves), measured here: a driver sees the rest as communication
        self.seconds: list[float] = []
        self._started = 0.0

    def start_week(self) -> Crossings:
        """Events, lending and the schools' own weeks; return this shard's crossings that others need."""
        t = time.perf_counter()
        self.model.step()
        out = self.model.crossings()
        self._started = time.perf_counter() - t
        return out

    def finish_week(self, other: Crossings) -> None:
        """The exchange, with the other shards' levels in this shard's crossers' groupings; the measures."""
        t = time.perf_counter()
        self.model.finish_week(other)
        self.seconds.append(self._started + time.perf_counter() - t)

    def results(self) -> dict[str, Any]:
        """What the driver needs at the end: per school its time series, measures and results; the events.

        A shard that writes its own part of the time series (:class:`leadsim.experiments.system_parts.PartShard`)
        sends ``frames`` as None and says what it wrote under ``part``.
        """
        m = self.model
        upto = m.week + 1
        return {
            "own": m.own,
            "names": [s.name for s in m.mine],
            "frames": [s.school_model.timeseries() for s in m.mine],
            "part": None,
            "rows": m._school_rows[:upto],
            "state": m._school_state[:upto],
            "school_results": m.school_results(),
            "counts": m.counts(),
            "events": m.event_log,
            "week": m.week,
            "seconds": self.seconds,
        }


def route(out: list[Crossings]) -> list[Crossings]:
    """To each shard, the other shards' levels in the groupings its own crossers were in this week.

    Args:
        out: per shard, the levels of its crossers in groupings that span shards (:meth:`Shard.start_week`).
    """
    by_group: dict[int, list[tuple[int, tuple[int, float]]]] = {}
    for s, crossings in enumerate(out):
        for g, levels in crossings.items():
            by_group.setdefault(g, []).extend((s, x) for x in levels)
    return [{g: [x for t, x in by_group[g] if t != s] for g in crossings} for s, crossings in enumerate(out)]


class ShardedRun:
    """A finished sharded run, read like a :class:`SystemModel` (``timeseries``, ``summary``, ...).

    Args:
        parts: each shard's :meth:`Shard.results`.
        wall: the driver's seconds per week (both halves, routing included).
    """

    def __init__(self, parts: list[dict[str, Any]], wall: list[float]) -> None:
        own = [i for p in parts for i in p["own"]]
        order = np.argsort(own, kind="stable")
        self.week: int = parts[0]["week"]
        self.event_log: list[dict] = parts[0]["events"]  # every shard applies (and logs) every event
        self.names: list[str] = [n for p in parts for n in p["names"]]
        self.names = [self.names[k] for k in order]
        #: what each shard wrote of the time series itself (in the order of their first school), or []
        self.parts: list[dict[str, Any]] = sorted(
            (p["part"] for p in parts if p["part"] is not None), key=lambda part: part["first"]
        )
        self._frames: list[pd.DataFrame] | None = None
        if not self.parts:
            frames = [f for p in parts for f in p["frames"]]
            self._frames = [frames[k] for k in order]
        self._rows = np.concatenate([p["rows"] for p in parts], axis=1)[:, order]
        state = np.concatenate([p["state"] for p in parts], axis=1)[:, order]
        self._system_rows = np.array([system_row(r, st) for r, st in zip(self._rows, state, strict=True)])
        results = {name: r for p in parts for name, r in p["school_results"].items()}
        self._results = {name: results[name] for name in self.names}
        self._counts = {key: sum(p["counts"][key] for p in parts) for key in parts[0]["counts"]}
        #: per shard, seconds of its own work each week; the driver's seconds per week
        self.shard_seconds: list[list[float]] = [p["seconds"] for p in parts]
        self.wall = wall

    def timeseries(self) -> pd.DataFrame:
        """As :meth:`SystemModel.timeseries`. Where the shards wrote their parts, read them back: for
        a system small enough to hold in memory (a test); a large run's parts are read where they lie."""
        if self._frames is None:
            schools = pd.concat([pd.read_parquet(p["path"]) for p in self.parts], ignore_index=True)
            # a shard holds the schools tied to each other, not a range of them: back into school order
            rank = schools["school"].map({name: k for k, name in enumerate(self.names)}).to_numpy()
            schools = schools.iloc[np.argsort(rank, kind="stable")]
            return with_system_measures(schools, self._system_rows)
        return system_timeseries(self.names, self._frames, self._rows, self._system_rows)

    def system_series(self) -> pd.DataFrame:
        """The system measures, one row a week (the part of the time series no shard can write alone)."""
        return system_frame(self._system_rows)

    def summary(self) -> dict[str, Any]:
        """As :meth:`SystemModel.summary`."""
        return system_summary(self._system_rows[self.week], self._counts)

    def school_results(self) -> dict[str, dict[str, Any]]:
        """As :meth:`SystemModel.school_results`."""
        return self._results


class _Ready:
    """A value already computed, read as a Dask actor's answer is (``result()``)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


class _Here:
    """A shard in this process, called as a Dask actor is: each method call returns something with ``result()``."""

    def __init__(self, shard: Shard) -> None:
        self._shard = shard

    def __getattr__(self, name: str) -> Callable[..., _Ready]:
        method = getattr(self._shard, name)
        return lambda *args: _Ready(method(*args))


def local_shards(scenario: SystemScenario, shards: Sequence[Sequence[int]], rng: Any = None) -> list[Any]:
    """Shards in this process, one after the other (tests, debugging): handles for :func:`run_shards`."""
    return [_Here(Shard(scenario, own, rng)) for own in shards]


def run_shards(
    scenario: SystemScenario, handles: Sequence[Any], progress: Callable[[int], None] | None = None
) -> ShardedRun:
    """Run every week on the shards behind ``handles`` (:func:`local_shards`, or Dask actors of :class:`Shard`).

    Each week every shard starts its week at once; their crossings are routed; every shard finishes.

    Args:
        scenario: the system (its length).
        handles: one per shard; each method call returns an object with ``result()``.
        progress: called with the week after each week.
    """
    wall: list[float] = []
    for week in range(1, scenario.steps + 1):
        t = time.perf_counter()
        out = [f.result() for f in [h.start_week() for h in handles]]
        for f in [h.finish_week(other) for h, other in zip(handles, route(out), strict=True)]:
            f.result()
        wall.append(time.perf_counter() - t)
        if progress is not None:
            progress(week)
    return ShardedRun([f.result() for f in [h.results() for h in handles]], wall)
