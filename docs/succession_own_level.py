"""The succession study read on each school's own level: how far it fell back, pattern against solo.

Run from the repository root on a finished sweep of ``experiments/succession.yaml`` (seconds)::

    .venv/bin/python docs/succession_own_level.py runs/succession

The study's headline compares a school whose head left with the same school whose head stayed
(``paired.parquet``): what the departure cost. The brief's own question, "which schools fall
back", is read on the school itself: ``succession_lost_3y``, attainment just before the
departure minus attainment three years on, in the same week of the school year (ODD 8). This
measure includes whatever the school would have done had the head stayed, so a school that was
still improving "loses" less by it. Both are right answers to different questions; this script
prints the second, as each pattern minus the solo school of the same seed, successor style and
origin (positive: it fell back less than the solo school), with a 95 % percentile bootstrap
interval over those pairs (2000 resamples, seed 0).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

KEYS = ["seed", "events.successor.style", "events.successor.origin"]


def interval(x: np.ndarray, rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean and 95 % percentile bootstrap interval of ``x``."""
    means = rng.choice(x, (2000, len(x))).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(x.mean()), float(low), float(high)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sweep", type=Path, help="folder of a finished sweep of experiments/succession.yaml")
    p.add_argument("--years", type=int, choices=(1, 3, 5), default=3)
    args = p.parse_args()
    s = pd.read_parquet(args.sweep / "summaries.parquet")
    s = s[s["departure"] == "leaves"]
    col = f"succession_lost_{args.years}y"
    lost = s.pivot_table(index=KEYS, columns="pattern", values=col)
    gain = s.groupby("pattern")["succession_gain_before"].mean()
    print(f"{args.sweep}: {len(s)} runs with a departure; attainment fallen {args.years} y after, by pattern (SD):")
    for pattern in lost.columns:
        print(f"  {pattern:12s} fell {lost[pattern].mean():+.4f}, having gained {gain[pattern]:+.4f} before")
    print("Each pattern minus solo, same seed, successor style and origin (+: fell back less than solo):")
    rng = np.random.default_rng(0)
    for style in sorted(s["events.successor.style"].unique()):
        for origin in [*sorted(s["events.successor.origin"].unique()), None]:
            levels = (style,) if origin is None else (style, origin)
            sub = lost.xs(levels, level=KEYS[1 : 1 + len(levels)])
            for pattern in [c for c in lost.columns if c != "solo"]:
                d = (sub["solo"] - sub[pattern]).dropna().to_numpy()
                m, lo, hi = interval(d, rng)
                print(f"  {style:12s} {origin or 'both':9s} {pattern:12s} {m:+.4f} [{lo:+.4f}, {hi:+.4f}]  n={len(d)}")


if __name__ == "__main__":
    main()
