"""Writing a system run's results, all or nothing, like a single run (:mod:`leadsim.experiments.outputs`).

A system run directory holds the same four files as a single run::

    runs/federation-0/
      timeseries.parquet   one row per school per week: a ``school`` column, the school's own measures,
                           the system's per-school additions and the system measures (``system_*``)
      summary.json         system measures at the end; per school its summary, succession measures per
                           departure, departures, crises; the events that happened across the system
      scenario.yaml        the fully resolved system scenario, loadable again
      manifest.json        versions, seed, command line, UTC time, file hashes
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadsim.experiments.outputs import write_run_files
from leadsim.experiments.system_parts import SYSTEM_RUN_FILES
from leadsim.sim.system_scenario import system_scenario_to_yaml

if TYPE_CHECKING:
    from leadsim.sim.system import SystemModel
    from leadsim.sim.system_config import SystemScenario

__all__ = ["system_run_summary", "write_system_run"]


def system_run_summary(model: SystemModel, scenario: SystemScenario, seed: int) -> dict[str, Any]:
    """What ``summary.json`` of a system run holds."""
    return {
        "scenario": scenario.name,
        "seed": seed,
        "weeks": model.week,
        "system": model.summary(),
        "schools": model.school_results(),
        "events": model.event_log,
    }


def write_system_run(
    out_dir: str | Path, model: SystemModel, scenario: SystemScenario, seed: int, command: Sequence[str] | str
) -> Path:
    """Write the four files of a finished system run into ``out_dir``, all or nothing.

    Args:
        out_dir: the run directory; created, or replaced if it holds an earlier run.
        model: the system after ``run()``.
        scenario: the system scenario it ran (written fully resolved).
        seed: the seed it ran with.
        command: the command line, for the manifest.

    Returns:
        ``out_dir`` as a Path.
    """
    return write_run_files(
        out_dir,
        model.timeseries(),
        system_run_summary(model, scenario, seed),
        system_scenario_to_yaml(scenario),
        scenario,
        seed,
        command,
        SYSTEM_RUN_FILES,
    )
