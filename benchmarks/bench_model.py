"""Speed of one run of the reference school (1 head, 60 teachers, 1000 students, 1000 parents, 10 years).

Prints the median of several runs in seconds per run and agent-updates per second, and the
same figure for Mesa's own BoltzmannWealth example on this machine, for scale.

    python benchmarks/bench_model.py [--repeats 9]

Target: <= 0.20 s per run on one core (issues 11 and 12; 0.25 s in issue 2); >= 12x BoltzmannWealth's agent-steps/s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from leadsim.sim import SchoolModel
from leadsim.sim.scenario import load_scenario

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "reference.yaml"


def time_reference(repeats: int) -> tuple[float, int]:
    scenario = load_scenario(REFERENCE)
    times = []
    for seed in range(repeats):
        t = time.perf_counter()
        model = SchoolModel(scenario, rng=seed)
        model.run()
        times.append(time.perf_counter() - t)
    s = scenario.school
    agents = 1 + s.teachers + s.students + s.parents
    return statistics.median(times), agents * scenario.steps


def time_boltzmann(repeats: int, n: int = 100, steps: int = 1000) -> float:
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    rates = []
    for seed in range(repeats):
        model = BoltzmannWealth(BoltzmannScenario(n=n, rng=seed))
        t = time.perf_counter()
        for _ in range(steps):
            model.step()
        rates.append(n * steps / (time.perf_counter() - t))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    sec, updates = time_reference(args.repeats)
    boltz = time_boltzmann(max(3, args.repeats // 3))
    rate = updates / sec
    print(f"reference school, 10 years: median {sec:.3f} s per run over {args.repeats} runs (target <= 0.20 s)")
    print(f"agent-updates per second: {rate / 1e6:.2f} M ({updates} updates per run)")
    print(
        f"Mesa BoltzmannWealth (100 agents): {boltz / 1e6:.3f} M agent-steps/s; ratio {rate / boltz:.1f}x "
        "(target >= 12x)"
    )


if __name__ == "__main__":
    main()
