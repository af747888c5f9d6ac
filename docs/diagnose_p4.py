"""Why P4 fails: where a crisis's extra leadership comes from in a distrustful school.

Run from the repository root (under a minute)::

    .venv/bin/python docs/diagnose_p4.py --seeds 10

For P4's two schools (docs/validation.md: both led by default, the population registered on
2026-12-01; trusting, trust 0.8 and cynicism 0.1; distrustful, trust 0.2 and cynicism 0.6) and
its 8-week behaviour crisis at year 3, it prints, over the year
before the crisis and the crisis weeks: improvement items started per week by the way they were
taken up, their mean number of members, the leadership acts a running item of each kind counts in a week
(the head's mandate one, fewer while the head is overloaded, ODD 7.3.6; a team its members'
parts, at most ``work.working_group``, ODD 7.6), the share of the crisis's
pull left open to all-hands work by threat-rigidity (``opens``, ODD 7.2), the items meant for the
head during the crisis and how many became mandates, the take-over of running work (``work.centralise``:
the weeks of P4's crisis the head had no room left, the chances, one per teacher-led item and
crisis week, and how many were taken; other crises the run brings on itself, such as an
inspection after its value added falls, are counted apart), the overloaded centre (items the head
holds over their slots, and the
chance of success of the head's mandates that end before, during and in the term after the
crisis), and the distribution index. It reads the model as it runs (wrapping ``work._begin``,
``work.start_item``, ``work.centralise`` and ``work.success_chance``) and changes nothing in it.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
from leadsim.analysis.validation import BY_DEFAULT, CALM, W, merge
from leadsim.sim import work
from leadsim.sim.config import Scenario
from leadsim.sim.model import SchoolModel, crisis_opening

SCHOOLS = {
    "trusting": {"teachers": {"trust_colleagues": 0.8, "trust_head": 0.8, "cynicism": 0.1}},
    "distrustful": {"teachers": {"trust_colleagues": 0.2, "trust_head": 0.2, "cynicism": 0.6}},
}
CRISIS = {"years": 4, "events": {"crises": [{"year": 3, "kind": "behaviour", "severity": 0.8, "duration_weeks": 8}]}}
START, WEEKS = 3 * W, 8
NAMES = {work.SOLO: "solo (head's mandate)", work.DEFAULT: "default (volunteers)", work.DESPERATION: "all-hands"}


def diagnose(spec: dict, seeds: int) -> None:
    """Print the breakdown for one school over ``seeds`` runs."""
    started: dict[tuple[str, int], list[int]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    original, original_start, original_centralise = work._begin, work.start_item, work.centralise
    original_chance = work.success_chance
    chances: dict[str, list[float]] = defaultdict(list)
    load: list[float] = []

    def success_chance(model, item):  # noqa: ANN001, ANN202
        p = original_chance(model, item)
        if item.mode == work.SOLO:
            w = model.week
            phase = (
                "before"
                if START - W <= w < START
                else "during"
                if START <= w < START + WEEKS
                else "term after"
                if START + WEEKS <= w < START + WEEKS + 13
                else ""
            )
            if phase:
                chances[phase].append(p)
        return p

    def begin(model, mode, domain, difficulty, leader, members, **kw):  # noqa: ANN001, ANN202
        phase = "before" if START - W <= model.week < START else "during" if START <= model.week < START + WEEKS else ""
        if phase:
            started[(phase, int(mode))].append(len(members))
        return original(model, mode, domain, difficulty, leader, members, **kw)

    def start_item(model, mode, domain, difficulty):  # noqa: ANN001, ANN202
        item = original_start(model, mode, domain, difficulty)
        if START <= model.week < START + WEEKS and mode == work.SOLO:
            counts["meant for the head"] += 1
            counts["started as mandates"] += item is not None and item.mode == work.SOLO
        return item

    def centralise(model, share):  # noqa: ANN001, ANN202
        if not START <= model.week < START + WEEKS:
            # Crises the run brings on itself later (an inspection after the value added falls)
            # are not P4's crisis: counted apart, by kind, so they do not blur its figures.
            counts[f"other {model.crisis.kind} weeks"] += 1
            counts["other in the term after"] += START + WEEKS <= model.week < START + WEEKS + 13
            return original_centralise(model, share)
        counts["crisis weeks"] += 1
        counts["head had no room"] += model.head_items >= work.head_slots(model)
        load.append(model.head_items / max(work.head_slots(model), 1e-9))
        counts["chances"] += sum(1 for i in model.items if i.mode != work.SOLO)
        taken = original_centralise(model, share)
        counts["taken over"] += taken
        return taken

    work._begin, work.start_item, work.centralise = begin, start_item, centralise
    work.success_chance = success_chance
    opens, di = [], []
    try:
        for seed in range(seeds):
            model = SchoolModel(Scenario.model_validate(merge(merge(CALM, merge(BY_DEFAULT, spec)), CRISIS)), rng=seed)
            while model.week < START + 4:
                model.step()
            s = model.staff
            trust = float((s.trust_colleagues * (1.0 - s.cynicism)).mean())
            opens.append(crisis_opening(trust, model.scenario.threat.rigidity))
            model.run()
            d = model.timeseries()["distribution_index"].to_numpy()
            di.append((d[START - W : START].mean(), d[START + 2 : START + 7].mean()))
    finally:
        work._begin, work.start_item, work.centralise = original, original_start, original_centralise
        work.success_chance = original_chance
    g = model.scenario.work.working_group
    for mode, name in NAMES.items():
        row = []
        for phase, weeks in (("before", W), ("during", WEEKS)):
            sizes = started.get((phase, mode), [])
            per_week = len(sizes) / seeds / weeks
            size = float(np.mean(sizes)) if sizes else 0.0
            acts = 1.0 if mode == work.SOLO else min(size, g) if sizes else 0.0
            row.append(f"{phase}: {per_week:.3f}/week, {size:.1f} members, {acts:.1f} acts each")
        print(f"  {name:24s} " + "; ".join(row))
    before, during = np.mean(di, axis=0)
    print(f"  opens (share of the crisis pull left to all-hands) {np.mean(opens):.2f}")
    print(
        f"  crisis: {counts['meant for the head']} items meant for the head, {counts['started as mandates']} "
        f"started as mandates; take-over: head at or over their slots in {counts['head had no room']} of "
        f"{counts['crisis weeks']} crisis weeks, {counts['taken over']} taken of {counts['chances']} chances"
    )
    others = {k: v for k, v in counts.items() if k.startswith("other ") and k.endswith(" weeks")}
    print(
        f"  other crisis weeks of the runs (not P4's, not counted above): {others or 'none'}; "
        f"{counts['other in the term after']} of them in the term after"
    )
    if load:
        print(
            f"  overloaded centre: items held per slot in crisis weeks, mean {np.mean(load):.2f}, "
            f"max {np.max(load):.2f}"
        )
    print(
        "  head's mandates ending, mean chance of success: "
        + "; ".join(f"{k} {np.mean(v):.2f} ({len(v)})" for k, v in chances.items() if v)
    )
    print(f"  distribution index: year before {before:.3f}, crisis weeks 2-6 {during:.3f} ({during - before:+.3f})")


def acts_counted_whole(base: int) -> None:
    """P4 at ``base`` (20 seeds, the check's own code) with the head's items counted as the model
    counts them (as the slots they fill when overloaded, ODD 8) and counted whole: the measure
    sensitivity docs/validation.md reports."""
    from leadsim.analysis.suite import run_check
    from leadsim.sim import metrics

    print(f"P4, base seed {base}, head's items counted as slots filled: {run_check('P4', 20, 1, base).measured}")
    original = metrics.attention
    metrics.attention = lambda model: 1.0
    try:
        print(f"P4, base seed {base}, head's items counted whole: {run_check('P4', 20, 1, base).measured}")
    finally:
        metrics.attention = original


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument(
        "--acts-whole",
        type=int,
        metavar="BASE",
        help="instead, run P4 at this base seed with the head's items counted both ways (about 20 s)",
    )
    args = p.parse_args()
    if args.acts_whole is not None:
        acts_counted_whole(args.acts_whole)
        return
    for name, spec in SCHOOLS.items():
        print(f"{name} school, {args.seeds} seeds:")
        diagnose(spec, args.seeds)


if __name__ == "__main__":
    main()
