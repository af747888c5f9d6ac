"""A system of 600 schools in one process against 2 shards on a local 2-worker Dask cluster.

540 primaries (20 teachers, 210 pupils) and 60 secondaries (60 teachers, 1000 pupils), the local
authority's mix four times over (14,400 teachers, about 173,000 pupils), each in two learning
networks of about six, for ``--weeks`` school weeks (default a school year, 39). Runs the system once in this
process and once cut into two shards (``leadsim.sim.shard.partition``), each a Dask actor on its own
worker process (``leadsim.experiments.system_shards.run_on_dask``, the cluster started and stopped
inside the timing), checks the two time series are identical, and prints medians over the weeks:
seconds per week in one process, the driver's seconds per week on 2 shards, each shard's own seconds
of work per week, and the rest of the driver's week (routing, waiting for the slower shard, Dask's
messages) as the exchange's share.

    python benchmarks/bench_shard.py [--weeks 39] [--primaries 540] [--secondaries 60]

On a machine of 2 cores both workers need a core each: another busy process slows the sharded run
more than the one-process run. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd
from leadsim.experiments.system_shards import run_on_dask
from leadsim.sim.shard import partition, spanning
from leadsim.sim.system import SystemModel
from leadsim.sim.system_config import SystemScenario


def scenario(primaries: int, secondaries: int, weeks: int) -> SystemScenario:
    """The generated system: the local authority's sizes of school, networks of about six."""
    return SystemScenario.model_validate(
        {
            "name": f"bench-{primaries + secondaries}",
            "years": weeks / 39,
            "generate": {
                "primaries": primaries,
                "secondaries": secondaries,
                "primary_teachers": 20,
                "primary_students": 210,
                "secondary_teachers": 60,
                "secondary_students": 1000,
                "network_size": 6,
                # two rounds of networks, so they overlap and a cut must span some (one round makes
                # disjoint networks that any cut along them keeps whole)
                "networks_per_school": 2,
            },
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=39)
    parser.add_argument("--primaries", type=int, default=540)
    parser.add_argument("--secondaries", type=int, default=60)
    args = parser.parse_args()
    s = scenario(args.primaries, args.secondaries, args.weeks)
    n = args.primaries + args.secondaries
    print(f"load average before: {os.getloadavg()[0]:.1f}; {n} schools, {s.steps} weeks")

    t0 = time.perf_counter()
    one = SystemModel(s)
    built = time.perf_counter() - t0
    weeks = []
    for _ in range(s.steps):
        t = time.perf_counter()
        one.step()
        weeks.append(time.perf_counter() - t)
    total_one = time.perf_counter() - t0
    per_week = statistics.median(weeks)
    print(
        f"one process: {total_one:.1f} s ({built:.1f} s building); median {per_week:.3f} s per week, "
        f"{per_week / n * 1e3:.2f} ms per school-week"
    )

    skeleton = SystemModel(s, own=[])
    parts = partition(skeleton, 2)
    nets = sum(g.kind == "network" for g in skeleton.groups)
    print(
        f"2 shards: {[len(p) for p in parts]} schools, {[int(skeleton.sizes[p].sum()) for p in parts]} teachers; "
        f"{spanning(skeleton, parts)} of {nets} learning networks span the two"
    )
    t0 = time.perf_counter()
    run = run_on_dask(s, parts, "local")
    total_two = time.perf_counter() - t0
    same = run.timeseries().equals(one.timeseries())
    pd.testing.assert_frame_equal(run.timeseries(), one.timeseries(), check_exact=True)
    wall = statistics.median(run.wall)
    work = np.array(run.shard_seconds)  # shards x weeks
    exchange = [(w - work[:, k].max()) / w for k, w in enumerate(run.wall)]
    print(f"2 shards on 2 local worker processes: {total_two:.1f} s (cluster start, building and gathering included)")
    print(f"  driver: median {wall:.3f} s per week; speed-up per week {per_week / wall:.2f}x")
    for k, (own, sec) in enumerate(zip(parts, work, strict=True)):
        med = statistics.median(sec)
        print(f"  shard {k}: median {med:.3f} s of work per week, {med / len(own) * 1e3:.2f} ms per school-week")
    print(f"  exchange (routing, waiting, messages): median {statistics.median(exchange):.1%} of the driver's week")
    print(f"identical time series: {same}; load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
