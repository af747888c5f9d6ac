"""Regenerate the figures in README.md and docs/ (a development task, not part of a run).

    .venv/bin/pip install -e '.[docs]' && .venv/bin/python docs/make_figures.py

Runs the two bundled headline scenarios over 30 seeds and draws attainment and
leadership capacity around the head's departure (median and 90 % band per school).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from leadsim.sim import SchoolModel  # noqa: E402
from leadsim.sim.scenario import load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(30)
SCHOOLS = {
    "charismatic-solo": ("Charismatic head, leads alone", "#c0392b"),
    "charismatic-design": ("Same head, distributes by design", "#2471a3"),
}


def series(name: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    scenario = load_scenario(name)
    runs = []
    for seed in SEEDS:
        model = SchoolModel(scenario, rng=seed)
        model.run()
        runs.append(model.timeseries()[column].to_numpy())
    arr = np.array(runs)
    return np.arange(arr.shape[1]) / scenario.school.weeks_per_year, arr


def main() -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), dpi=120)
    for ax, (column, label) in zip(
        axes,
        (
            ("attainment", "Attainment (SD above intake baseline)"),
            ("leadership_capacity", "Collective leadership capacity"),
        ),
        strict=True,
    ):
        for name, (title, colour) in SCHOOLS.items():
            years, arr = series(name, column)
            lo, mid, hi = np.quantile(arr, [0.05, 0.5, 0.95], axis=0)
            ax.fill_between(years, lo, hi, color=colour, alpha=0.18, linewidth=0)
            ax.plot(years, mid, color=colour, label=title)
        ax.axvline(5, color="black", linestyle="--", linewidth=1)
        ax.text(5.1, ax.get_ylim()[1] * 0.95, "head leaves", va="top", fontsize=9)
        ax.set_xlabel("years")
        ax.set_title(label, fontsize=11)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right", fontsize=9)
    fig.suptitle("A charismatic head leaves in year 5 (30 seeds each: median and 90 % band)", fontsize=12)
    fig.tight_layout()
    out = ROOT / "docs" / "img" / "succession.png"
    fig.savefig(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
