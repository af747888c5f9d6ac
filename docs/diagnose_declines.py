"""How often the lead of a design team declines (ODD 7.3.3), and what follows: P2's and P3's schools, counted.

Run from the repository root (about a minute for 20 seeds, one process)::

    .venv/bin/python docs/diagnose_declines.py --seeds 20 [--base 0]

For P2's design school (five calm years, distribution by design) and P3's two arms
(``analysis.validation.p3_inauthentic``: five years of honest top-down leadership or of
delegation dressed up as sharing, then a genuinely distributive external successor for three
years), it prints, for the first head's five years and (P3) the successor's first two: design
items the head asked someone to lead (per year), the share whose lead declined (the work is then
left to whoever picks it up), teams formed per year, and the mean cynicism and trust in the head
at year 5; then P3's statistic, the practice gain over the successor's first two years. It reads
the model as it runs (wrapping ``work._design_team`` and ``work._volunteer``) and changes nothing
in it.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import numpy as np
from leadsim.analysis.statistics import bootstrap_ci
from leadsim.analysis.validation import CALM, DESIGN, MIXES, W, merge
from leadsim.sim import work
from leadsim.sim.config import Scenario
from leadsim.sim.model import SchoolModel

GENUINE = {
    "years": 8,
    "events": {"head_departures": [{"year": 5, "successor": {"style": "distributive", "origin": "external"}}]},
}
ARMS = {
    "honest": {"head": {"distribution": 0.2, "authenticity": 0.9}},
    "inauthentic": {"head": {"distribution": 0.6, "authenticity": 0.15}, "leadership": {"pattern": MIXES["design"]}},
}
PHASES = (("first head, years 0-5", 0, 5 * W), ("successor, years 5-7", 5 * W, 7 * W))
P2_DESIGN = merge(DESIGN, {"years": 5})


def diagnose(name: str, spec: dict, seeds: range, phases: tuple = PHASES) -> np.ndarray:
    """Print the counts for one school; return each run's practice gain over weeks 5-7 years (P3's arms)."""
    asked: dict[str, int] = defaultdict(int)
    declined: dict[str, int] = defaultdict(int)
    formed: dict[str, int] = defaultdict(int)
    original_team, original_volunteer = work._design_team, work._volunteer
    state = {"inside": False, "phase": ""}

    def volunteer(model, domain, difficulty):  # noqa: ANN001, ANN202
        if state["inside"]:
            declined[state["phase"]] += 1
            state["inside"] = False  # counted once; what the volunteer does is not design work
        return original_volunteer(model, domain, difficulty)

    def design_team(model, domain, difficulty):  # noqa: ANN001, ANN202
        phase = next((p for p, a, b in phases if a <= model.week < b), "")
        state.update(inside=True, phase=phase)
        item = original_team(model, domain, difficulty)
        state["inside"] = False
        if phase:
            asked[phase] += 1
            if item is not None and item.mode == work.DESIGN:
                formed[phase] += 1
        return item

    work._design_team, work._volunteer = design_team, volunteer
    gains, cynicism, trust = [], [], []
    try:
        for seed in seeds:
            m = SchoolModel(Scenario.model_validate(merge(CALM, spec)), rng=seed)
            m.run()
            ts = m.timeseries()
            if len(ts) > 7 * W:
                gains.append(ts["teaching_practice"].iloc[7 * W] - ts["teaching_practice"].iloc[5 * W])
            cynicism.append(ts["cynicism"].iloc[min(5 * W, len(ts) - 1)])
            trust.append(ts["trust_head"].iloc[min(5 * W, len(ts) - 1)])
    finally:
        work._design_team, work._volunteer = original_team, original_volunteer
    n = len(seeds)
    print(f"{name} ({n} seeds): cynicism {np.mean(cynicism):.3f}, trust in the head {np.mean(trust):.3f} at year 5")
    for phase, a, b in phases:
        years = (b - a) / W * n
        share = declined[phase] / asked[phase] if asked[phase] else float("nan")
        print(
            f"  {phase}: design items asked {asked[phase] / years:.1f}/yr, lead declined {share:.2f}, "
            f"teams formed {formed[phase] / years:.1f}/yr"
        )
    return np.array(gains)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per arm (default 20, as P3)")
    parser.add_argument("--base", type=int, default=0, help="first seed (default 0)")
    args = parser.parse_args(argv)
    if args.seeds < 2 or args.base < 0:
        print("diagnose_declines.py: error: --seeds must be at least 2 and --base at least 0", file=sys.stderr)
        return 2
    seeds = range(args.base, args.base + args.seeds)
    diagnose("P2's design school", P2_DESIGN, seeds, PHASES[:1])
    gains = {f"P3 {name}": diagnose(f"P3 {name}", merge(spec, GENUINE), seeds) for name, spec in ARMS.items()}
    d = gains["P3 inauthentic"] - gains["P3 honest"]
    lo, hi = bootstrap_ci(d)
    print(
        f"P3, practice gain over the successor's first two years: honest {gains['P3 honest'].mean():+.4f}, "
        f"inauthentic {gains['P3 inauthentic'].mean():+.4f}; difference {d.mean():+.4f} [{lo:+.4f}, {hi:+.4f}]"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
