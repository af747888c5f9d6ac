"""Heads: the styles successors bring, and what an arriving head is like.

These functions compute; :class:`~leadsim.sim.model.SchoolModel` changes its own state
(``depart_head``, ``install_successor``). A head's charisma lifts staff effort only while they
are in post: when they leave, ``model.head`` is None (or the successor), and the lift is gone
the same week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from leadsim.sim.agents import Head
from leadsim.sim.arrays import clip
from leadsim.sim.config import Pattern, Successor
from leadsim.sim.vocabulary import MIXES

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
    senior = staff.senior_slots()
    if senior.size == 0:
        senior = np.arange(staff.n)
    return int(senior[staff.capacity[senior].argmax()])  # np.argmax without its wrapper


def promoted_capacity(deputy_capacity: float) -> float:
    """A promoted deputy's capacity as head, on the heads' scale.

    A teacher's leadership capacity (leading colleagues and teams, 0-1) is not a head's capacity
    (running a school, where an experienced head sits at ``EXPERIENCED_CAPACITY``). Preparation as
    a deputy closes part of a first-time head's gap: a deputy at full capacity starts as an
    experienced head would, never above (Clark, Martorell & Rockoff 2009: prior assistant-principal
    experience; Bartanen, Grissom & Rogers 2019: smaller dips after internal promotions).
    """
    return NOVICE_CAPACITY + (EXPERIENCED_CAPACITY - NOVICE_CAPACITY) * min(1.0, max(0.0, deputy_capacity))


def successor_head(model: SchoolModel, successor: Successor, origin: str, previous: dict) -> dict:
    """What the arriving head is like: the style's traits (or the predecessor's), with overrides.

    Returns the keyword arguments of :class:`Head` plus ``pattern`` (the mix they run) and
    ``internal``.
    """
    if successor.style == "like_predecessor":
        base = {
            k: previous.get(k, getattr(model.scenario.head, k)) for k in ("charisma", "distribution", "authenticity")
        }
        pattern = previous.get("pattern", model.pattern)
    else:
        style = STYLES[successor.style]
        base = {k: style[k] for k in ("charisma", "distribution", "authenticity")}
        pattern = style["pattern"]
    for k in list(base):
        override = getattr(successor, k)
        if override is not None:
            base[k] = override
    capacity = EXPERIENCED_CAPACITY if successor.experienced else NOVICE_CAPACITY
    if origin == "internal":
        capacity = max(capacity, promoted_capacity(float(model.staff.capacity[deputy(model)])))
    return {
        **base,
        "succession_planning": previous.get("succession_planning", model.scenario.head.succession_planning),
        "control_reversion": previous.get("control_reversion", model.scenario.head.control_reversion),
        "experience": 5.0 if successor.experienced else 0.0,
        "tenure": 0.0,
        "capacity": capacity,
        "internal": origin == "internal",
        "pattern": pattern,
    }


def keep_chance(model: SchoolModel, distribution: float) -> np.ndarray:
    """Per routine, the chance an arriving head keeps it: a head who distributes keeps what others run;
    any head keeps what is embedded (strong routines are hard to undo: Hargreaves & Fink 2006)."""
    r = model.routines
    return clip(distribution + (1.0 - distribution) * r, 0.0, 1.0)


def trust_in_successor(model: SchoolModel, internal: bool) -> np.ndarray:
    """Staff trust in the arriving head: a colleague they know, or a stranger who inherits part of the office's."""
    staff = model.staff
    if internal:
        known = staff.ties[:, deputy(model)]
        return clip(0.5 * staff.trust_colleagues + 0.5 * (0.3 + known), 0.0, 1.0)
    return 0.5 * staff.trust_head + 0.5 * model.scenario.teachers.trust_head
