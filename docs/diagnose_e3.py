"""Why E3 does not recover: which stores carry the slow tail of the gap after a head change.

E3's computation (``analysis/empirical.py``, ``e3_head_change_dip``: the calm default school, a
head leaving at year 5 of 12, against the same school whose head stays; 20 seeds, base 0) run with
one scenario setting changed at a time, printing the dip, E3's recovery year and the yearly gaps
in ``learning_gain`` and in the stores (practice, trust, routines, the head's lift ...). Run from
the repository root (about two minutes for the variants in docs/validation.md, one process)::

    .venv/bin/python docs/diagnose_e3.py baseline,1a,2a,4a,6a,7a,7b     # the table's variants
    .venv/bin/python docs/diagnose_e3.py                                 # every variant below

Each variant is named by the first word of its key in ``VARIANTS``.
"""

import json
import sys

import numpy as np
from leadsim.analysis.validation import CALM, W, merge, run_many_models
from leadsim.sim.config import Scenario
from leadsim.sim.model import SchoolModel

SEEDS = list(range(20))
D = 5 * W
BASE = merge(CALM, {"years": 12})
DEP = {"events": {"head_departures": [{"year": 5}]}}


def instrumented(spec, seed):
    """Same construction as experiments.worker.simulate, stepped week by week to read stores not in the timeseries."""
    m = SchoolModel(Scenario.model_validate(spec), rng=seed)
    rows = []
    for _ in range(m.scenario.steps - m.week):
        m.step()
        s = m.staff
        rows.append(
            (
                float(np.mean(m.effort)),
                float(np.mean(s.motivation)),
                m.head.capacity if m.head is not None else np.nan,
                m.head_lift,
                float(np.mean(s.memory)),
                float(np.mean(m.teaching)),
            )
        )
    return np.array(rows).T  # rows: effort, motivation, head_cap, head_lift, memory, teaching (weeks 1..)


def yearly(x):
    """x: (seeds, weeks) gap; yearly means for years 1..7 after the departure."""
    return np.array([x[:, D + k * W : D + (k + 1) * W].mean(axis=1) for k in range(7)]).T


def dip_of(g):
    return float(-g.mean(axis=0)[:2].min())


def recovery_of(g):
    m = g.mean(axis=0)
    worst = int(np.argmin(m[:2]))
    back = np.flatnonzero(m[worst:] > 0.25 * m[worst])
    return float(worst + back[0] + 1) if back.size else float("nan")


COLS = [
    "teaching_quality",
    "teaching_practice",
    "practice_owned",
    "trust_head",
    "cynicism",
    "leadership_capacity",
    "routines",
    "student_engagement",
    "fatigue",
    "overload",
    "teacher_turnover",
]
EXTRA = ["effort", "motivation", "head_capacity", "head_lift", "memory"]

# name -> (change in both arms, change in the departure arm only)
SUCC = "events"
VARIANTS = {
    "baseline (as E3: a first-time top-down successor)": ({}, {}),
    "1a successor like the predecessor": ({}, {SUCC: {"successor": {"style": "like_predecessor"}}}),
    "2a an experienced successor": ({}, {SUCC: {"successor": {"experienced": True}}}),
    "3a an external successor": ({}, {SUCC: {"successor": {"origin": "external"}}}),
    "3b an internal successor": ({}, {SUCC: {"successor": {"origin": "internal"}}}),
    "4a no first-year uncertainty": ({"succession": {"uncertainty": 0.0}}, {}),
    "4b no loyalty exits": ({"succession": {"loyalty_exit": 0.0}}, {}),
    "6a the successor keeps every routine (stance 1)": ({}, {SUCC: {"successor": {"distribution": 1.0}}}),
    "7a no routines in either arm": ({"routines": {"creation": 0.0}}, {}),
    "7b no routines, an experienced successor": (
        {"routines": {"creation": 0.0}},
        {SUCC: {"successor": {"experienced": True}}},
    ),
}

_stay_cache = {}


def run_variant(name, both, leave_only):
    stay_spec = merge(BASE, both)
    leave_spec = merge(merge(stay_spec, DEP), leave_only)
    key = json.dumps(stay_spec, sort_keys=True)
    if key not in _stay_cache:
        _stay_cache[key] = (run_many_models(stay_spec, SEEDS, 1), [instrumented(stay_spec, s) for s in SEEDS])
    stay, stay_x = _stay_cache[key]
    go = run_many_models(leave_spec, SEEDS, 1)
    go_x = [instrumented(leave_spec, s) for s in SEEDS]
    # sanity: the instrumented run is the same run as run_many_models' (teaching mean vs teaching_quality)
    chk = max(abs(gx[5] - g["teaching_quality"][1:]).max() for gx, g in zip(go_x, go, strict=True))
    gap = np.array([g["learning_gain"] - s["learning_gain"] for g, s in zip(go, stay, strict=True)])
    y = yearly(gap)
    out = {"dip": dip_of(y), "recover": recovery_of(y), "lg": y.mean(axis=0)}
    for c in COLS:
        out[c] = yearly(np.array([g[c] - s[c] for g, s in zip(go, stay, strict=True)])).mean(axis=0)
    for i, c in enumerate(EXTRA):
        # instrumented arrays start at week 1; pad a week-0 column so indices match the timeseries
        gx = np.array([np.r_[np.nan, a[i]] for a in go_x])
        sx = np.array([np.r_[np.nan, a[i]] for a in stay_x])
        if c == "head_capacity":
            out[c] = yearly(gx).mean(axis=0)  # level in the departure arm (stay head is at 0.6)
        else:
            out[c] = yearly(gx - sx).mean(axis=0)
    out["chk"] = chk
    return out


def fmt(v, p=3):
    return " ".join(f"{x:+.{p}f}" for x in v)


if __name__ == "__main__":
    keep = sys.argv[1].split(",") if len(sys.argv) > 1 else None
    known = [name.split()[0] for name in VARIANTS]
    unknown = [k for k in keep or [] if k not in known]
    if unknown:
        print(
            f"diagnose_e3.py: unknown variant {', '.join(unknown)}; expected some of {','.join(known)}", file=sys.stderr
        )
        sys.exit(2)
    print(
        f"seeds {SEEDS[0]}..{SEEDS[-1]}, W={W}, departure at week {D}; "
        "gaps = departure arm - stay arm, yearly means, years 1..7 after"
    )
    for name, (both, leave_only) in VARIANTS.items():
        if keep and name.split()[0] not in keep:
            continue
        r = run_variant(name, both, leave_only)
        print(f"\n=== {name}   both={both} leave_only={leave_only}")
        print(f"dip {r['dip']:.4f}  recovery year {r['recover']}  (instrumented-vs-timeseries check {r['chk']:.1e})")
        print(f"  learning_gain     {fmt(r['lg'], 4)}")
        for c in COLS + EXTRA:
            print(f"  {c:18s}{fmt(r[c], 4)}")
        sys.stdout.flush()
