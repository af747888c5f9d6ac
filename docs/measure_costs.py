"""Issue 11's done-when measurements: what leadership costs, over paired seeds with 95 % intervals.

Run from the repository root (a minute or two on 2 workers)::

    .venv/bin/python docs/measure_costs.py --seeds 30 --workers 2

It prints the three comparisons written up in docs/validation.md ("What leading costs"):

1. A school kept permanently on all-hands work against one that distributes by design, after
   5 calm years (same head, same seeds): attainment, value added, fatigue and teacher turnover.
2. Crisis-born distribution in a trusting school: how much of the jump is left a year after the
   crisis, when nothing is built on it and when it is institutionalised (the school turns to
   design teams when the crisis ends).
3. What a crisis costs learning while it lasts: value added in the crisis weeks against the same
   weeks of the same school (same seed) without the crisis.

Every run is calm (no random departures or crises) except for the scheduled crisis.
"""

from __future__ import annotations

import numpy as np
from leadsim.analysis.validation import CALM, DESIGN, W, merge, run_many
from leadsim.sim.vocabulary import MIXES
from measuring import interval, seeds_and_workers

#: the same head in both arms of comparison 1, a distributing one (as in the validation's design arm)
ALL_HANDS = {
    "head": {"distribution": 0.8, "authenticity": 0.9},
    "leadership": {"pattern": {"solo": 0.2, "desperation": 0.8}},
}
TRUSTING = {"teachers": {"trust_colleagues": 0.8, "trust_head": 0.8, "cynicism": 0.1}}
CRISIS_YEAR = 3
CRISIS = {"year": CRISIS_YEAR, "kind": "behaviour", "severity": 0.8, "duration_weeks": 8}


def all_hands_vs_design(seeds: range, workers: int) -> None:
    """Comparison 1: permanent all-hands against design after 5 years."""
    years = {"years": 5}
    runs = {
        name: run_many(merge(merge(CALM, spec), years), seeds, workers)
        for name, spec in (("all-hands", ALL_HANDS), ("design", DESIGN))
    }
    end = 5 * W

    def at(name: str, column: str, span: slice) -> np.ndarray:
        return np.array([ts[column].to_numpy()[span].mean() for ts in runs[name]])

    last_year = slice(end - W + 1, end + 1)
    print("1. permanent all-hands minus design after 5 years (paired seeds)")
    for column, span in (
        ("attainment", slice(end, end + 1)),
        ("value_added", slice(end, end + 1)),
        ("fatigue", last_year),
        ("cynicism", slice(end, end + 1)),
        ("leadership_capacity", slice(end, end + 1)),
    ):
        a, d = at("all-hands", column, span), at("design", column, span)
        print(f"   {column:20s} all-hands {a.mean():.3f}  design {d.mean():.3f}  diff {interval(a - d)}")
    # turnover: the mean of the five year-end values
    ends = [y * W for y in range(1, 6)]
    a = np.array([ts["teacher_turnover"].to_numpy()[ends].mean() for ts in runs["all-hands"]])
    d = np.array([ts["teacher_turnover"].to_numpy()[ends].mean() for ts in runs["design"]])
    print(f"   {'teacher_turnover':20s} all-hands {a.mean():.3f}  design {d.mean():.3f}  diff {interval(a - d)}")


def crisis_born_distribution(seeds: range, workers: int) -> None:
    """Comparison 2: crisis-born distribution fades unless institutionalised."""
    c = CRISIS_YEAR * W
    crisis = {"years": CRISIS_YEAR + 2, "events": {"crises": [CRISIS]}}
    after_crisis = (c + CRISIS["duration_weeks"]) / W
    built = {"leadership": {"schedule": [{"year": after_crisis, "pattern": MIXES["design"]}]}}
    head = {"head": {"distribution": 0.8, "authenticity": 0.9}}
    arms = {
        "left alone": merge(merge(CALM, TRUSTING), merge(head, crisis)),
        "institutionalised": merge(merge(merge(CALM, TRUSTING), merge(head, crisis)), built),
    }
    print("2. crisis-born distribution in a trusting school (distribution index)")
    kept = {}
    for name, spec in arms.items():
        di = np.array([ts["distribution_index"].to_numpy() for ts in run_many(spec, seeds, workers)])
        before = di[:, c - W : c].mean(axis=1)
        during = di[:, c + 2 : c + 7].mean(axis=1)
        year_after = di[:, c + 8 + W - 6 : c + 8 + W + 7].mean(axis=1)
        kept[name] = (year_after - before) / np.maximum(during - before, 1e-6)
        print(
            f"   {name:18s} before {before.mean():.3f}  during {during.mean():.3f}  a year after "
            f"{year_after.mean():.3f}; share of the jump left {interval(kept[name])}"
        )
    print(f"   institutionalised minus left alone: {interval(kept['institutionalised'] - kept['left alone'])}")


def crisis_costs_learning(seeds: range, workers: int) -> None:
    """Comparison 3: value added during the crisis against the same weeks without it."""
    c = CRISIS_YEAR * W
    years = {"years": CRISIS_YEAR + 1}
    hit = run_many(merge(merge(CALM, years), {"events": {"crises": [CRISIS]}}), seeds, workers)
    calm = run_many(merge(CALM, years), seeds, workers)
    weeks = slice(c + 1, c + 1 + CRISIS["duration_weeks"])
    h = np.array([ts["learning_gain"].to_numpy()[weeks].mean() for ts in hit])
    n = np.array([ts["learning_gain"].to_numpy()[weeks].mean() for ts in calm])
    print("3. learning_gain (SD/yr) in the 8 crisis weeks, crisis minus the same school without it")
    print(f"   with crisis {h.mean():+.3f}  without {n.mean():+.3f}  diff {interval(h - n)}")


def main() -> None:
    seeds, workers = seeds_and_workers(__doc__)
    all_hands_vs_design(seeds, workers)
    crisis_born_distribution(seeds, workers)
    crisis_costs_learning(seeds, workers)


if __name__ == "__main__":
    main()
