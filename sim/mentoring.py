"""Mentoring as pairs: a mentor and a novice, costing the mentor time.

A novice (first two years at the school) is paired with an experienced colleague — always where
the school runs a mentoring scheme (a routine, :mod:`leadsim.sim.routines`), otherwise with the
chance ``mentoring.informal``. The mentor is the best practitioner near them: their department
first, then colleagues they are tied to. The novice learns from that mentor's practice;
the mentor gives time every week (Arden School, seed 002; Ingersoll & Strong 2011).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from leadsim.sim import routines

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel

#: years at the school during which a teacher is a novice who may be mentored
NOVICE_YEARS = 2
#: years at the school before a teacher mentors others
MENTOR_YEARS = 5
#: mentees one mentor takes at most
MAX_MENTEES = 2


def assign_mentors(model: SchoolModel) -> None:
    """Pair each novice without a mentor with an experienced colleague, if the school finds one."""
    staff, rng = model.staff, model.rng
    staff.mentor[(staff.tenure >= NOVICE_YEARS) & (staff.mentor >= 0)] = -1
    novices = np.flatnonzero((staff.tenure < NOVICE_YEARS) & (staff.mentor < 0))
    if novices.size == 0:
        return
    scheme = float(model.routines[routines.MENTORING])
    chance = scheme + (1.0 - scheme) * model.scenario.mentoring.informal
    veterans = staff.tenure >= MENTOR_YEARS
    for i in novices[rng.random(novices.size) < chance]:
        taken = np.bincount(staff.mentor[staff.mentor >= 0], minlength=staff.n)
        ok = veterans & (taken < MAX_MENTEES)
        if not ok.any():
            return
        # The best practitioner near them: their department first, then colleagues they are tied to.
        score = staff.practice + 0.3 * (staff.department == staff.department[i]) + 0.3 * staff.ties[i]
        score = np.where(ok, score + 0.001 * rng.random(staff.n), -np.inf)
        staff.mentor[i] = int(score.argmax())


def mentoring_time(model: SchoolModel) -> np.ndarray:
    """Share of each teacher's week spent mentoring this week."""
    # (kept with the pairs, which change a few times a year; read-only)
    return model.staff.mentoring_time(model.scenario.mentoring.time)


def mentoring_lift(model: SchoolModel) -> None:
    """Each mentored novice closes part of the gap to their own mentor's practice (owned: they did it)."""
    staff = model.staff
    paired = staff.mentored()
    if paired.size == 0:
        return
    gap = np.maximum(staff.practice[staff.mentor[paired]] - staff.practice[paired], 0.0)
    gain = model.scenario.mentoring.rate * gap
    staff.practice[paired] += gain
    staff.owned[paired] += gain
