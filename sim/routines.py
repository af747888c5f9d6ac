"""Routines and structures: where leadership practice lives beyond the people who made it.

Spillane (2006): leadership practice is stretched over routines and tools. Improvement work that
succeeds can leave a routine behind (a data meeting, peer observation, protected team time, a
mentoring scheme, behaviour routines, the student council). A routine has a strength (0-1); it
costs every teacher time to run, decays when nobody keeps it up, and acts through mechanisms:

- ``data_meetings``: evidence for collaboration (its discipline) and press on practice;
- ``peer_observation``: practice spreads further along ties, and press on practice;
- ``team_time``: institutionalised protected time for any team, whoever is head;
- ``mentoring_scheme``: every novice gets a mentor (otherwise only some find one);
- ``behaviour_routines``: steadier student engagement;
- ``student_council``: students are heard and join improvement work.

Routines are kept up by the capacity of the people running them — role holders and the head — so
a routine survives a head's departure as far as others can run it (Hargreaves & Fink 2006), and a
successor who dismantles one pays for it in cynicism.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from leadsim.sim.vocabulary import DOMAINS

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel

ROUTINES = (
    "data_meetings",
    "peer_observation",
    "team_time",
    "mentoring_scheme",
    "behaviour_routines",
    "student_council",
)
DATA, OBSERVATION, TEAM_TIME, MENTORING, BEHAVIOUR_ROUTINES, COUNCIL = range(len(ROUTINES))
#: the routine successful work in each domain leaves behind
OF_DOMAIN = {
    DOMAINS.index("curriculum"): TEAM_TIME,
    DOMAINS.index("pedagogy"): OBSERVATION,
    DOMAINS.index("behaviour"): BEHAVIOUR_ROUTINES,
    DOMAINS.index("assessment"): DATA,
    DOMAINS.index("inclusion"): MENTORING,
}
#: memory (remembered abandoned initiatives) a successor's dismantling leaves in those who lose
#: a routine at full strength, or their whole-school role (ODD 7.10, 7.13)
DISMANTLE_MEMORY = 0.5
#: share of a routine's decay that running it prevents
KEPT_SHARE = 0.7
#: routines that take every teacher's time (the council takes students' time, team time gives time)
TIME_TAKING = np.array([DATA, OBSERVATION, MENTORING, BEHAVIOUR_ROUTINES])


def initial_routines(model: SchoolModel) -> np.ndarray:
    """Strength of each routine at the start: a council if the scenario has one, nothing else."""
    strength = np.zeros(len(ROUTINES))
    if model.scenario.school.student_council:
        strength[COUNCIL] = 1.0
    return strength


def create(model: SchoolModel, domain: int, belief: float, students: bool) -> None:
    """A successful collaborative item leaves (or strengthens) the routine of its domain.

    Args:
        domain: the item's domain.
        belief: how far those who carried it out agree with it (0-1): a routine nobody believes in
            is weak from the start.
        students: students took part (the council grows with use).
    """
    r = model.routines
    add = model.scenario.routines.creation * belief
    k = OF_DOMAIN[domain]
    r[k] += add * (1.0 - r[k])
    if students:
        r[COUNCIL] += add * (1.0 - r[COUNCIL])


def runners(model: SchoolModel) -> float:
    """Capacity available to keep routines going: role holders (less their fatigue) and the head."""
    staff = model.staff
    holders = staff.role_holder_slots()
    total = float(np.add.reduce(staff.capacity[holders] * (1.0 - staff.fatigue[holders])))
    if model.head is not None:
        total += model.head.capacity
    return total


def upkeep(model: SchoolModel) -> None:
    """Routines decay as far as the capacity needed to run them is missing."""
    r = model.routines
    total = float(np.add.reduce(r))  # r.sum() without its wrapper
    if total <= 0:
        return
    cfg = model.scenario.routines
    kept = min(1.0, runners(model) / (cfg.upkeep * total))
    # Even a routine that is run wears (its people move on, its format goes stale) at a third of the rate.
    r -= cfg.decay * (1.0 - KEPT_SHARE * kept) * r
    # A council exists as long as the scenario says so; what decays is how much it is used.
    if model.scenario.school.student_council:
        r[COUNCIL] = max(r[COUNCIL], 0.3)


def weekly_time(model: SchoolModel) -> float:
    """Share of every teacher's week the running routines take."""
    # (np.add.reduce: ndarray.sum without its wrapper, the same reduction)
    return model.scenario.routines.time * float(np.add.reduce(model.routines[TIME_TAKING]))


def press(model: SchoolModel) -> float:
    """Press on practice from routines that make it visible (observation, data), 0-1."""
    r = model.routines
    return model.scenario.routines.press * float(0.5 * (r[DATA] + r[OBSERVATION]))


def dismantle(model: SchoolModel, keep_chance: np.ndarray) -> None:
    """A successor dismantles each routine with ``1 - keep_chance``; the staff who ran it grow cynical.

    Args:
        keep_chance: per routine, the chance the successor keeps it.
    """
    r = model.routines
    drop = model.rng.random(len(ROUTINES)) >= keep_chance
    drop[COUNCIL] &= not model.scenario.school.student_council
    if not drop.any():
        return
    lost = float(r[drop].sum())
    r[drop] = 0.0
    cyn = model.staff.cynicism
    cyn += model.scenario.routines.dismantle_cost * min(lost, 1.0) * (1.0 - cyn)
    model.staff.memory += DISMANTLE_MEMORY * lost
