"""Departments: their own agenda, the middle leaders who broker between them and the head, and
the barriers that keep colleagues apart.

A secondary school's departments are "realms of knowledge" with priorities of their own (Siskin
1994); their leaders work "in the middle", bridging and brokering between the department and the
senior team in both directions (Busher & Harris 1999). Here:

- a department's **agenda** is the expertise domain its members are strongest in, together: what
  it knows and cares about (:func:`agendas`);
- a department takes up less of a head's initiative outside its agenda (``departments.agenda_pull``)
  unless its middle leader **brokers** it, translating it into the department's terms as far as
  they trust the head and know how to lead (:func:`broker_strength`, :func:`uptake`);
- the same middle leaders carry their departments' agendas up to the head, so that the work that
  arises in the school leans toward what the departments want (:func:`agenda_need`);
- the three barriers of seed 002 (Harris 2008) — **structure** (the egg crate between
  departments, ``school.egg_crate``), **culture** (the divide between post holders and the rest in
  a top-down school, ``school.hierarchy``) and **distance** (teachers on different sites,
  ``school.sites`` and ``school.site_distance``) — slow the ties that form across them
  (:func:`leadsim.sim.staff.barriers_between`, with the staff's own arrays).

Everything is derived from the staff's own state; no draw from the model's generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from leadsim.sim.staff import MIDDLE, Staff
from leadsim.sim.vocabulary import DOMAINS

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel


def agendas(staff: Staff, departments: int) -> np.ndarray:
    """Each department's agenda: the domain in which its members' summed expertise is highest.

    Changes only when teachers are replaced (expertise is a teacher's own), so it is kept until the
    staff's expertise changes. A department with no teachers has the first domain, never read.
    """

    def build() -> np.ndarray:
        total = np.zeros((departments, len(DOMAINS)))
        np.add.at(total, staff.department, staff.expertise)
        return total.argmax(axis=1)

    return staff._kept(f"agendas_{departments}", staff.expertise, build)


def broker_strength(staff: Staff, departments: int) -> np.ndarray:
    """How strongly each department's middle leadership brokers between it and the head (0-1).

    A middle leader brokers as far as they trust the head and can lead (``trust_head * capacity``);
    where a department has several, the strongest of them does it; where it has none, nobody does.
    """
    out = np.zeros(departments)
    middle = np.flatnonzero(staff.role == MIDDLE)
    if middle.size:
        np.maximum.at(out, staff.department[middle], staff.trust_head[middle] * staff.capacity[middle])
    return out


def uptake(model: SchoolModel, domain: int) -> np.ndarray:
    """Share of a head's initiative in ``domain`` each teacher's department takes up (0-1).

    On the department's own agenda, all of it. Off it, ``agenda_pull`` of it is lost to the
    department's own priorities, less what its middle leader brokers
    (``departments.brokerage * broker_strength``).
    """
    cfg = model.scenario
    d = cfg.departments
    staff = model.staff
    k = cfg.school.departments
    if d.agenda_pull == 0:
        return np.ones(staff.n)
    off = agendas(staff, k) != domain
    lost = d.agenda_pull * off * (1.0 - np.minimum(d.brokerage * broker_strength(staff, k), 1.0))
    return (1.0 - lost)[staff.department]


def agenda_need(model: SchoolModel) -> np.ndarray:
    """What the departments' agendas add to the school's need for work in each domain.

    Each department's agenda reaches the head as far as its middle leader brokers it; the
    departments' voices together add at most 1 to the need profile (whose entries are 0.5 or more),
    divided over the departments. Nothing reaches a vacant post.
    """
    cfg = model.scenario
    k = cfg.school.departments
    if model.head is None or cfg.departments.brokerage == 0:
        return np.zeros(len(DOMAINS))
    staff = model.staff
    voice = np.minimum(cfg.departments.brokerage * broker_strength(staff, k), 1.0)
    return np.bincount(agendas(staff, k), weights=voice, minlength=len(DOMAINS)) / k
