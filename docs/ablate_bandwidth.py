"""Ablation behind docs/validation.md (N1, N2): study ``executive-head`` with the head's bandwidth
scaled by presence, as built, and with presence ignored (``work.head_bandwidth`` patched in this
process), on the same 20 seeds as ``leadsim check --only N2`` at base seed 0.

Run: ``.venv/bin/python docs/ablate_bandwidth.py`` (about two minutes, one process).
"""

from __future__ import annotations

from leadsim.analysis import validation_network as vn
from leadsim.sim import metrics, work


def run(label: str) -> None:
    vn._LAST_STUDY.clear()
    rows = vn.study_rows("executive-head", range(0, 20), workers=1)  # in this process: the patch holds

    def diff(school: str, pattern: str):
        return vn.paired(rows, f"{school}.final_attainment", "executive", "executive", "none", home_pattern=pattern)

    cost = {p: diff("high", p) for p in vn.ROLES}
    gain = {p: diff("low", p) for p in vn.ROLES}
    print(
        label,
        "| High's cost: solo",
        vn._fmt(*vn._ci(cost["solo"])),
        "design",
        vn._fmt(*vn._ci(cost["design"])),
        "design - solo",
        vn._fmt(*vn._ci(cost["design"] - cost["solo"])),
        "| Low's gain: solo",
        vn._fmt(*vn._ci(gain["solo"])),
        "design",
        vn._fmt(*vn._ci(gain["design"])),
        flush=True,
    )


if __name__ == "__main__":
    run("bandwidth scaled by presence (as built)")
    work.head_bandwidth = metrics.head_bandwidth = lambda model: model.scenario.head.bandwidth
    run("bandwidth not scaled (ablation)")
