"""Ablation behind docs/validation.md (N4): study ``partnerships`` as built and with covered lessons
taught as well as an ordinary lesson (``boundary.cover_teaching`` = ``students.reference_teaching``),
on the same 20 seeds as ``leadsim check --only N4`` at base seed 0.

Run: ``.venv/bin/python docs/ablate_cover.py`` (about five minutes on two cores).
"""

from __future__ import annotations

import pandas as pd
from leadsim.analysis import validation_network as vn
from leadsim.experiments.system_study import load_study, run_task, study_tasks
from leadsim.experiments.worker import map_local
from leadsim.sim.config import Scenario

COL = "system_final_system_attainment_mean"


def run(label: str, more: list[tuple[str, str]]) -> None:
    spec, scenario = load_study("partnerships", ["seed=0", "replications=20"])
    tasks = [{**t, "overrides": [*t["overrides"], *more]} for t in study_tasks(spec, scenario)]
    rows = pd.DataFrame(map_local(run_task, tasks, 2))
    shown = [f"{k}: {vn._fmt(*vn._ci(vn.paired(rows, COL, 'networks', k, '0')))}" for k in ("1", "2", "4", "8")]
    print(label, "| against none:", "; ".join(shown), flush=True)


if __name__ == "__main__":
    run("as built (cover_teaching 0)", [])
    ordinary = Scenario().students.reference_teaching
    run(f"cover as an ordinary lesson ({ordinary})", [("ablation", f"boundary.cover_teaching={ordinary}")])
