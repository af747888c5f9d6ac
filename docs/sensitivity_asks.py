"""How the checks P1-P3 move with ``leadership.asks``: a sensitivity of an assumed setting, not a fit.

The lead of a design team may decline (ODD 7.3.3); how many teachers the head asks in turn before
leaving the work to whoever picks it up is an assumption (default 1, set before any check was run).
This runs the chosen checks of the school suite with ``asks`` set in every school they build
(their calm base, ``analysis.validation.CALM``), at 20 seeds from a base seed, and prints one line
each. A large value (say 100) is the rule before stop 26: the best suited among the willing leads.
From the repository root (about a minute per check and value on 2 cores)::

    .venv/bin/python docs/sensitivity_asks.py --asks 1,2,100 --checks P1,P2,P3 [--base 0] [--workers 2]

``--charge-every-team`` runs them instead with the head charged for every running design team, as
before stop 26 (``work.head_slots`` replaced in this process, so the runs are made in it, one at a
time): with ``--asks 1`` that separates the lead who may decline from the orchestration correction.
"""

from __future__ import annotations

import argparse
import sys

from leadsim.analysis.suite import run_check, suite
from leadsim.sim import work
from sensitivity_checks import BUILT_ON_CALM, calm_with  # docs/, beside this script


def _head_slots_before_stop_26(model) -> float:  # noqa: ANN001
    """``work.head_slots`` as it was until stop 25: every running design team charged to the head."""
    cfg = model.scenario
    free = work.head_bandwidth(model) - cfg.orchestration.team_cost * work.design_teams(model)
    return max(0.0, free) * cfg.work.duration_weeks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asks", default="1,2,100", help="values of leadership.asks, comma-separated")
    parser.add_argument("--checks", default="P1,P2,P3", help="school checks, comma-separated")
    parser.add_argument("--base", type=int, default=0, help="base seed (default 0)")
    parser.add_argument("--seeds", type=int, default=20, help="seeds per arm (default 20)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--charge-every-team",
        action="store_true",
        help="charge the head for every running design team, as before stop 26 (runs in this process)",
    )
    args = parser.parse_args(argv)
    try:
        values = [int(v) for v in args.asks.split(",") if v.strip()]
    except ValueError:
        values = []
    checks = [k.strip().upper() for k in args.checks.split(",") if k.strip()]
    school = [k for k in suite("school") if k in BUILT_ON_CALM]
    if not values or any(not 1 <= v <= 100 for v in values):
        print(f"sensitivity_asks.py: error: --asks {args.asks!r}: expected integers from 1 to 100", file=sys.stderr)
        return 2
    if not checks or any(k not in school for k in checks):
        expected = ", ".join(school)
        print(f"sensitivity_asks.py: error: --checks {args.checks!r}: expected some of {expected}", file=sys.stderr)
        return 2
    workers = args.workers
    if args.charge_every_team:
        work.head_slots = _head_slots_before_stop_26
        workers = 1  # the replacement lives in this process only
    for asks in values:
        with calm_with({"leadership": {"asks": asks}}):
            for key in checks:
                r = run_check(key, args.seeds, workers, args.base)
                print(f"asks {asks:3d}  {key}  {'pass' if r.passed else 'fail'}: {r.measured}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
