"""The calibration of the stationary baseline and of teacher turnover (issue 12 item 7, E2).

Run from the repository root (a few minutes on 2 workers)::

    .venv/bin/python docs/calibrate_baseline.py [--seeds 8] [--workers 2] [--set teachers.exit_rate=0.1 ...]

On calibration seeds (9000 on, never a check's) it prints

1. teacher turnover as E2 measures it (the default school with its events, 10 years, 20 runs),
   the target of ``teachers.exit_rate`` (16 %, the centre of E2's 14-18 %);
2. the levels an unchanged ordinary school holds in years 15-39 of calm 40-year runs, which the
   starting state is set to (docs/validation.md, "Calibrated parameters"): teaching effectiveness
   (``students.reference_teaching``), practice (``teachers.practice_mean``, given the novices'
   lower start), cynicism (``teachers.cynicism``) and the capacity of teachers without a post
   (``teachers.capacity_mean`` and ``capacity_sd``);
3. each level in the first week and in years 0-2, 4-6 and 28-30 (inclusive) against its long-run
   value: the start the calibrated values give, and the drift the stationary baseline test bounds.
"""

from __future__ import annotations

import argparse

import numpy as np
import yaml
from leadsim.analysis.empirical import e2_teacher_turnover
from leadsim.analysis.validation import merge
from leadsim.experiments.worker import map_local
from leadsim.sim import Scenario, SchoolModel
from pydantic import ValidationError

CALIBRATION_SEEDS = 9000
YEARS = 40
LEVELS = [
    "value_added",
    "teaching_quality",
    "teaching_practice",
    "cynicism",
    "leadership_capacity",
    "trust",
    "leadership_density",
]


def one_run(args: tuple[dict, int]) -> dict:
    """Yearly means of the levels, the capacity of teachers without a post at each year end, and
    the first week's levels."""
    spec, seed = args
    model = SchoolModel(Scenario.model_validate(spec), rng=seed)
    c = model.staff.capacity[model.staff.role == 0]
    first = {"no_post_capacity": c.mean(), "no_post_capacity_sd": c.std()}
    w = model.scenario.school.weeks_per_year
    no_post_mean, no_post_sd = [], []
    for _ in range(YEARS):
        for _ in range(w):
            model.step()
        c = model.staff.capacity[model.staff.role == 0]
        no_post_mean.append(c.mean())
        no_post_sd.append(c.std())
    ts = model.timeseries()
    out = {k: ts[k].to_numpy()[: YEARS * w].reshape(YEARS, w).mean(axis=1) for k in LEVELS}
    out["no_post_capacity"] = np.array(no_post_mean)
    out["no_post_capacity_sd"] = np.array(no_post_sd)
    out["start"] = first | {k: ts[k].iloc[0] for k in LEVELS}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], help="key.path=value, as on leadsim run")
    args = parser.parse_args()
    over: dict = {}
    for text in args.set:
        path, eq, value = text.partition("=")
        if not eq or not path:
            parser.exit(2, f"calibrate_baseline.py: --set {text!r}: expected key.path=value\n")
        node = over
        *head, last = path.split(".")
        for key in head:
            node = node.setdefault(key, {})
        node[last] = yaml.safe_load(value)
    try:  # refuse a bad value here, in one line, before any worker runs it
        Scenario.model_validate(over)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        parser.exit(2, f"calibrate_baseline.py: --set {field}: {first['msg']} (got {first.get('input')!r})\n")
    e2 = e2_teacher_turnover(range(CALIBRATION_SEEDS, CALIBRATION_SEEDS + 20), args.workers, over)
    print(f"1. turnover (E2's measure, 20 runs): {e2.measured}")
    calm = merge(over, {"years": YEARS, "events": {"head_exit_hazard": 0.0, "crisis_hazard": 0.0}})
    seeds = range(CALIBRATION_SEEDS, CALIBRATION_SEEDS + args.seeds)
    runs = map_local(one_run, [(calm, s) for s in seeds], args.workers)
    print(f"2. long-run levels of the calm default school, years 15-{YEARS - 1} ({args.seeds} runs)")
    mean = {k: np.mean([r[k] for r in runs], axis=0) for k in runs[0] if k != "start"}
    for k, v in mean.items():
        print(f"   {k:22s} long run {v[15:].mean():.4f}")
    print("3. first week, years 0-2, 4-6, 28-30 minus the long run")
    for k, v in mean.items():
        lr = v[15:].mean()
        start = np.mean([r["start"][k] for r in runs]) if k in runs[0]["start"] else float("nan")
        print(
            f"   {k:22s} {start - lr:+.4f} {v[0:3].mean() - lr:+.4f} {v[4:7].mean() - lr:+.4f} "
            f"{v[28:31].mean() - lr:+.4f}"
        )


if __name__ == "__main__":
    main()
