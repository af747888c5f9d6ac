"""Issue 12, item 5: what departments' agendas, middle leaders' brokerage and the barriers of
culture and distance do, over paired seeds with 95 % intervals.

Run from the repository root (a few minutes on 2 workers)::

    .venv/bin/python docs/measure_departments.py --seeds 30 --workers 2

It prints the comparisons written up in docs/validation.md ("Departments, brokerage and
barriers"). Every run is calm (no random departures or crises) and lasts 5 years; arms of a
comparison share their seeds.

1. A top-down school (the default) as built, against the same school whose departments lose
   nothing of a head's initiative off their agenda (``departments.agenda_pull`` 0), one whose
   leaders do not broker initiatives down (``departments.brokerage`` 0) and one whose agendas do
   not reach the head (``departments.voice`` 0): teaching practice and value added at year 5.
2. A school distributing by design with a hierarchical culture (``school.hierarchy`` 0.5)
   against the same school without one: tie strength between post holders and the rest, network
   density, capacity and practice at year 5.
3. The same design school on three sites far apart (``school.sites`` 3, ``site_distance`` 0.8)
   against one site: tie strength between teachers on different sites (the sites the three-site
   school would have), density and practice.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from leadsim.analysis.validation import CALM, DESIGN, W, merge
from leadsim.experiments.worker import map_local
from leadsim.sim import Scenario, SchoolModel
from leadsim.sim.staff import site_of
from measuring import interval, seeds_and_workers

YEARS = 5
HIERARCHY = {"school": {"hierarchy": 0.5}}
SITES = {"school": {"sites": 3, "site_distance": 0.8}}


def one_run(args: tuple[dict, int]) -> dict[str, float]:
    """The measures of one calm 5-year run (a module-level function: it goes to worker processes)."""
    spec, seed = args
    model = SchoolModel(Scenario.model_validate(merge(merge(CALM, spec), {"years": YEARS})), rng=seed)
    model.run()
    ts = model.timeseries()
    staff = model.staff
    post = staff.role > 0
    site = site_of(staff, 3)
    apart = site[:, None] != site[None, :]
    end = YEARS * W
    return {
        "teaching_practice": float(ts["teaching_practice"].iloc[end]),
        "value_added": float(ts["value_added"].iloc[end]),
        "leadership_capacity": float(ts["leadership_capacity"].iloc[end]),
        "network_density": float(ts["network_density"].iloc[end]),
        "ties_across_posts": float(staff.ties[np.ix_(post, ~post)].mean()),
        "ties_across_sites": float(staff.ties[apart].mean()),
    }


def compare(arms: dict[str, dict[str, Any]], seeds: range, workers: int, columns: list[str]) -> None:
    """Each arm against the first, paired by seed."""
    runs = {name: map_local(one_run, [(spec, s) for s in seeds], workers) for name, spec in arms.items()}
    first = next(iter(arms))
    for name in list(arms)[1:]:
        print(f"   {name} minus {first}")
        for c in columns:
            a = np.array([r[c] for r in runs[name]])
            b = np.array([r[c] for r in runs[first]])
            print(f"      {c:20s} {first} {b.mean():.4f}  {name} {a.mean():.4f}  diff {interval(a - b, 4)}")


def main() -> None:
    seeds, workers = seeds_and_workers(__doc__)
    print(f"1. departments' agendas and brokerage in a top-down school, year {YEARS} ({len(seeds)} paired seeds)")
    compare(
        {
            "as built": {},
            "no agenda": {"departments": {"agenda_pull": 0.0}},
            "no brokerage": {"departments": {"brokerage": 0.0}},
            "no voice": {"departments": {"voice": 0.0}},
        },
        seeds,
        workers,
        ["teaching_practice", "value_added"],
    )
    print(f"2. a hierarchical culture in a design school, year {YEARS}")
    compare(
        {"no hierarchy": DESIGN, "hierarchy 0.5": merge(DESIGN, HIERARCHY)},
        seeds,
        workers,
        ["ties_across_posts", "network_density", "leadership_capacity", "teaching_practice"],
    )
    print(f"3. three sites far apart in a design school, year {YEARS}")
    compare(
        {"one site": DESIGN, "three sites": merge(DESIGN, SITES)},
        seeds,
        workers,
        ["ties_across_sites", "network_density", "leadership_capacity", "teaching_practice"],
    )


if __name__ == "__main__":
    main()
