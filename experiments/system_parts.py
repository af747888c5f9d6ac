"""A large system run whose shards write their own parts of the time series (issue 14, item 7).

Gathering every school's time series into one process stops working long before a national system
(20,000 schools over 10 years are about 3 GB). With ``leadsim system run ... --shards K --parts``
each shard writes its own schools' rows where it runs, and the driver writes only what needs every
shard: the system measures of each week, the summary, the scenario and the manifest. The run
directory then holds::

    runs/national-0/
      timeseries/part-000000.parquet ...  per shard its schools' rows: ``school``, the school's own
                                          measures and the system's per-school additions
      system.parquet                      the system measures (``system_*``), one row a week, ``step``
      summary.json, scenario.yaml         as for any system run
      manifest.json                       versions, seed, command, the hash of every file and part

``pd.read_parquet("runs/national-0/timeseries")`` reads the parts as one table; joined with
``system.parquet`` on ``step`` they are the one-file run's rows, grouped by shard rather than in
school order (a shard holds schools tied to each other, not a range): ``summary.json``'s ``schools``
lists the schools in order, to sort by. The driver still gathers each school's seven per-week
numbers that the system measures need (``SCHOOL_COLUMNS``, ``STATE_COLUMNS``), so those are bit
for bit the one-process run's. On a Dask cluster the shards write
into the run's staging folder, so the workers must see the same file system as this process (a
shared disk), as for any Dask job that writes files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from leadsim.experiments.outputs import (
    OutputError,
    atomic_write_text,
    manifest,
    staged_dir,
    write_json,
    write_parquet,
)
from leadsim.sim.shard import Shard, ShardedRun
from leadsim.sim.system import school_frames
from leadsim.sim.system_config import SystemScenario
from leadsim.sim.system_scenario import system_scenario_to_yaml

__all__ = ["PARTED_FILES", "SYSTEM_RUN_FILES", "PartShard", "staged_parted_dir", "write_parted_run"]

#: what a parted system run directory holds (the last marks it complete)
PARTED_FILES = ("timeseries", "system.parquet", "summary.json", "scenario.yaml", "manifest.json")
#: what a system run directory of either kind may hold: a run of one kind may replace a run of the other
SYSTEM_RUN_FILES = ("timeseries.parquet", *PARTED_FILES)
#: the folder of the parts inside a run directory
PARTS = "timeseries"


class PartShard(Shard):
    """A shard that writes its own schools' part of the time series at the end instead of sending it.

    Args:
        scenario: the whole system.
        own: the schools of this shard (indices).
        rng: the system's seed.
        parts_dir: the folder to write into (on a cluster, one every worker can reach).
    """

    def __init__(self, scenario: SystemScenario, own: Sequence[int], rng: Any, parts_dir: str) -> None:
        super().__init__(scenario, own, rng)
        self.parts_dir = parts_dir

    def results(self) -> dict[str, Any]:
        """As :meth:`Shard.results`, with the time series written to a part file and ``frames`` None."""
        out = super().results()
        frame = school_frames(out["names"], out["frames"], out["rows"])
        first = min(out["own"])
        path = Path(self.parts_dir) / f"part-{first:06d}.parquet"
        write_parquet(path, frame)
        # hashed here, where the part lies: the driver of a national run should not read them all again
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        out["frames"] = None
        size = path.stat().st_size
        out["part"] = {"first": first, "path": str(path), "rows": len(frame), "bytes": size, "sha256": digest}
        return out


def write_parted_run(
    tmp: Path, run: ShardedRun, summary: dict[str, Any], scenario: SystemScenario, seed: int, command: Any
) -> None:
    """Write the driver's files of a parted run next to the parts the shards wrote into ``tmp/timeseries``.

    Raises:
        OutputError: a part is not where its shard said, or not as large (the workers wrote to a
            folder this machine does not see).
    """
    for p in run.parts:
        path = Path(p["path"])
        if not path.is_file() or path.stat().st_size != p["bytes"]:
            raise OutputError(
                f"{tmp.parent}: shard part {path.name} is not in the run folder as written; with --parts the "
                "workers must write to a folder this machine reads (a shared disk)"
            )
    files = {"system.parquet": tmp / "system.parquet"}
    write_parquet(files["system.parquet"], run.system_series())
    files["summary.json"] = tmp / "summary.json"
    write_json(files["summary.json"], summary)
    files["scenario.yaml"] = tmp / "scenario.yaml"
    atomic_write_text(files["scenario.yaml"], system_scenario_to_yaml(scenario))
    record = manifest(scenario, seed, command, files)
    for p in run.parts:
        record["files"][f"{PARTS}/{Path(p['path']).name}"] = {"bytes": p["bytes"], "sha256": p["sha256"]}
    write_json(tmp / "manifest.json", record)


def staged_parted_dir(out_dir: str | Path) -> Any:
    """:func:`~leadsim.experiments.outputs.staged_dir` for a parted run: all or nothing, parts included."""
    return staged_dir(out_dir, SYSTEM_RUN_FILES, "system run")
