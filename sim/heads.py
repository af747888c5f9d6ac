"""Heads: the styles successors bring, departures and arrivals.

A head's charisma lifts staff effort only while they are in post: when they leave,
``model.head`` is None (or the successor), and the lift is gone the same week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from leadsim.sim.agents import Head, Teacher
from leadsim.sim.config import Pattern, Successor
from leadsim.sim.staff import SENIOR, fill_roles, replace_with_novice
from leadsim.sim.vocabulary import MIXES
from leadsim.sim.work import abandon_all, abandon_mandates, drop_members

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel

#: leadership capacity of an experienced head and of a first-time head (Clark, Martorell & Rockoff 2009:
#: principals' effectiveness rises over their first years in post)
EXPERIENCED_CAPACITY, NOVICE_CAPACITY = 0.6, 0.45

#: What each successor style brings: charisma, stance toward distribution, authenticity, and the
#: pattern mix they run. Chosen to span the space the texts describe (Harris 2008): the charismatic
#: 'superhero', the ordinary top-down manager, and the 'leader of leaders' who distributes by design.
STYLES: dict[str, dict] = {
    "charismatic": {"charisma": 0.8, "distribution": 0.2, "authenticity": 0.7, "pattern": Pattern(**MIXES["solo"])},
    "top_down": {"charisma": 0.3, "distribution": 0.2, "authenticity": 0.8, "pattern": Pattern(**MIXES["solo"])},
    "distributive": {
        "charisma": 0.3,
        "distribution": 0.8,
        "authenticity": 0.9,
        "pattern": Pattern(**MIXES["design"]),
    },
}


def first_head(model: SchoolModel) -> Head:
    h = model.scenario.head
    return Head(
        model,
        charisma=h.charisma,
        distribution=h.distribution,
        authenticity=h.authenticity,
        succession_planning=h.succession_planning,
        control_reversion=h.control_reversion,
        experience=h.experience,
        tenure=h.tenure,
        capacity=h.capacity,
    )


def deputy(model: SchoolModel) -> int:
    """The senior-team member a planning head grooms: the one with most capacity (anyone if no senior team)."""
    staff = model.staff
    senior = np.flatnonzero(staff.role == SENIOR)
    if senior.size == 0:
        senior = np.arange(staff.n)
    return int(senior[np.argmax(staff.capacity[senior])])


def depart(model: SchoolModel, successor: Successor, reason: str) -> None:
    """The head in post leaves now; the successor arrives after any interim."""
    head = model.head
    if head is None:
        return
    # Mandates held by this head's pressure and the work they led alone stop with them.
    abandon_mandates(model)
    planning = head.succession_planning
    # What the head imposed now has nobody pressing for it: it starts to lapse.
    model.staff.lapsing += model.staff.compliance
    model.staff.compliance[:] = 0.0
    model.departures.append(
        {
            "week": model.week,
            "head_id": head.unique_id,
            "reason": reason,
            "charisma": head.charisma,
            "tenure": head.tenure,
        }
    )
    model.last_support = head.support
    model.previous_head = {
        "charisma": head.charisma,
        "distribution": head.distribution,
        "authenticity": head.authenticity,
        "succession_planning": head.succession_planning,
        "control_reversion": head.control_reversion,
        "pattern": model.pattern,
    }
    head.remove()
    model.head = None
    origin = successor.origin
    if origin == "auto":
        origin = "internal" if model.rng.random() < planning else "external"
    model.pending_successor = (successor, origin, model.week + successor.interim_weeks)
    if successor.interim_weeks == 0:
        arrive(model)


def arrive(model: SchoolModel) -> None:
    """The pending successor takes up post."""
    successor, origin, _ = model.pending_successor
    model.pending_successor = None
    prev = model.previous_head or {}
    if successor.style == "like_predecessor":
        base = {k: prev.get(k, getattr(model.scenario.head, k)) for k in ("charisma", "distribution", "authenticity")}
        pattern = prev.get("pattern", model.pattern)
    else:
        style = STYLES[successor.style]
        base = {k: style[k] for k in ("charisma", "distribution", "authenticity")}
        pattern = style["pattern"]
    for k in base:
        override = getattr(successor, k)
        if override is not None:
            base[k] = override
    staff = model.staff
    internal = origin == "internal"
    capacity = EXPERIENCED_CAPACITY if successor.experienced else NOVICE_CAPACITY
    if internal:
        slot = deputy(model)
        capacity = max(capacity, float(staff.capacity[slot]))
        # Colleagues trust someone they have worked with as much as they trusted working with them.
        known = staff.ties[:, slot]
        staff.trust_head = np.clip(0.5 * staff.trust_colleagues + 0.5 * (0.3 + known), 0.0, 1.0)
        _remove_teacher(model, slot)
    else:
        # A stranger starts from neutral; part of the old trust (or distrust) carries to the office.
        staff.trust_head = 0.5 * staff.trust_head + 0.5 * model.scenario.teachers.trust_head
    model.head = Head(
        model,
        charisma=base["charisma"],
        distribution=base["distribution"],
        authenticity=base["authenticity"],
        succession_planning=prev.get("succession_planning", model.scenario.head.succession_planning),
        control_reversion=prev.get("control_reversion", model.scenario.head.control_reversion),
        experience=5.0 if successor.experienced else 0.0,
        tenure=0.0,
        capacity=capacity,
        internal=internal,
    )
    model.pattern = pattern
    if not successor.keeps_running_work:
        abandon_all(model)


def _remove_teacher(model: SchoolModel, slot: int) -> None:
    """A teacher leaves their slot mid-year (promoted to head): a novice is hired at once."""
    slots = np.array([slot])
    drop_members(model, slots)
    model.teacher_agents[slot].remove()
    replace_with_novice(model.rng, model.staff, slots, model.scenario)
    model.measures.forget(slots)
    model.teacher_agents[slot] = Teacher(model, slot)
    fill_roles(model.staff, model.scenario)
