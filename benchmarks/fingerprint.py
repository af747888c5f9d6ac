"""Hashes of what a run produces, to check that a speed change leaves results bit for bit unchanged.

For every bundled school scenario (and the default school), a run with one seed for six years
(a scenario whose scheduled events fall later runs its own length); for every bundled system, a
few weeks. Each line is the scenario, a hash of the timeseries (its CSV text and pandas' hash of
its values) and a hash of the summary. Run it in the checkout before a change and after it, on
the same machine and environment, and compare the output:

    .venv/bin/python benchmarks/fingerprint.py > /tmp/before.txt     # in the old checkout
    .venv/bin/python benchmarks/fingerprint.py | diff /tmp/before.txt -

The hashes are not recorded anywhere: another NumPy version or machine may change the last bits of
a run, and that is not what a speed change must not do.
"""

from __future__ import annotations

import argparse
import hashlib
from typing import Any

import pandas as pd
from leadsim.sim import SchoolModel
from leadsim.sim.config import Scenario
from leadsim.sim.scenario import bundled_scenarios, load_scenario
from leadsim.sim.system import SystemModel
from leadsim.sim.system_scenario import bundled_systems, load_system_scenario


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def fingerprint(timeseries: pd.DataFrame, summary: dict[str, Any]) -> str:
    """The timeseries' CSV text and values, and the summary, hashed."""
    values = pd.util.hash_pandas_object(timeseries, index=True).to_numpy().tobytes()
    return " ".join(
        (
            _hash(timeseries.to_csv().encode()),
            _hash(values),
            _hash(repr(sorted(summary.items())).encode()),
        )
    )


def school_runs(years: int, seed: int) -> dict[str, str]:
    """Fingerprints of the default school and every bundled scenario, shortened to ``years``."""
    scenarios = {"(default)": Scenario()}
    scenarios.update({name: load_scenario(path) for name, path, _ in bundled_scenarios()})
    out = {}
    for name, scenario in scenarios.items():
        try:
            short = Scenario.model_validate(scenario.model_copy(update={"years": years}).model_dump())
        except ValueError:  # an event scheduled beyond the shortened run: run it whole
            short, name = scenario, f"{name} (whole run)"
        model = SchoolModel(short, rng=seed)
        model.run()
        out[name] = fingerprint(model.timeseries(), model.summary())
    return out


def system_runs(weeks: int, seed: int) -> dict[str, str]:
    """Fingerprints of every bundled system after ``weeks`` weeks."""
    out = {}
    for name, path, _ in bundled_systems():
        model = SystemModel(load_system_scenario(path), rng=seed)
        model.run(weeks)
        out[f"system {name}"] = fingerprint(model.timeseries(), model.summary())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=6, help="length of the school runs (default 6)")
    parser.add_argument("--weeks", type=int, default=20, help="length of the system runs (default 20)")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    for name, line in {**school_runs(args.years, args.seed), **system_runs(args.weeks, args.seed)}.items():
        print(f"{name}: {line}")


if __name__ == "__main__":
    main()
