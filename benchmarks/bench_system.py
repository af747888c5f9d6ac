"""Speed of a local authority of 150 schools (scenarios/systems/local-authority.yaml) for 10 school years.

135 primaries (20 teachers, 210 pupils) and 15 secondaries (60 teachers, 1000 pupils): 3600 teachers
and about 43,000 pupils, in learning networks of about six, with federations, executive headships
and support partnerships, 390 weekly steps, on one core. Prints the median of ``--repeats`` runs
(building the system included, writing outputs not), the cost per school-week, the share spent
inside the schools' own steps, and - for scale on a shared machine - the reference single school
(bench_model.py's) timed in the same process just before.

    python benchmarks/bench_system.py [--repeats 3]

Target (issue 14): <= 30 s per run, median of 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from leadsim.sim import SchoolModel
from leadsim.sim.scenario import load_scenario
from leadsim.sim.system import SystemModel
from leadsim.sim.system_scenario import load_system_scenario


def time_system(seed: int) -> tuple[float, float, int, int]:
    """(seconds for the whole run, seconds inside the schools' steps, school-weeks, students)."""
    scenario = load_system_scenario("local-authority", [f"seed={seed}"])
    t0 = time.perf_counter()
    model = SystemModel(scenario)
    inside = 0.0
    steps = [s.school_model.step for s in model.schools]
    for school in model.schools:  # time the schools' own steps separately from the system's work

        def timed(step=school.school_model.step) -> None:
            nonlocal inside
            t = time.perf_counter()
            step()
            inside += time.perf_counter() - t

        school.school_model.step = timed  # type: ignore[method-assign]
    model.run()
    total = time.perf_counter() - t0
    for school, step in zip(model.schools, steps, strict=True):
        school.school_model.step = step  # type: ignore[method-assign]
    return total, inside, len(model.schools) * scenario.steps, model.summary()["students"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ref = load_scenario("reference")
    t = time.perf_counter()
    SchoolModel(ref, rng=0).run()
    reference = time.perf_counter() - t
    print(f"load average before: {os.getloadavg()[0]:.1f}; reference school (bench_model.py) {reference:.3f} s")
    runs = []
    for seed in range(args.repeats):
        total, inside, school_weeks, students = time_system(seed)
        runs.append(total)
        print(
            f"  seed {seed}: {total:.1f} s ({total / school_weeks * 1e3:.2f} ms per school-week; "
            f"{inside / total:.0%} inside the schools' own steps); {students} students"
        )
    med = statistics.median(runs)
    print(f"150 schools, 10 years: median {med:.1f} s over {args.repeats} runs (target <= 30 s)")
    print(f"  = {med / reference:.0f} reference-school runs on this machine now; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
