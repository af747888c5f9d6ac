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
from leadsim.sim.staff import Staff
from leadsim.sim.vocabulary import DOMAINS

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel


def agendas(staff: Staff, departments: int) -> np.ndarray:
    """Each department's agenda: the domain it knows best *relative to the rest of the school*.

    ``argmax_k (mean expertise of the department in k − mean expertise of the staff in k)``: what
    sets a department apart, its own realm (Siskin 1994). Taken relative to the school, so that a
    domain every department is strong in (specialisms lean toward one domain, ``expertise_diversity``)
    does not become every department's agenda. Changes only when teachers are replaced, so it is
    kept until the staff's expertise changes. A department with no teachers has the first domain,
    never read.

    Args:
        staff: the teachers.
        departments: how many departments the school has (``school.departments``).

    Returns:
        One domain index per department, read-only.
    """

    def build() -> np.ndarray:
        total = np.zeros((departments, len(DOMAINS)))
        np.add.at(total, staff.department, staff.expertise)
        count = np.bincount(staff.department, minlength=departments)[:, None]
        own = total / np.maximum(count, 1)
        school = staff.expertise.mean(axis=0)
        return np.where(count > 0, own - school, 0.0).argmax(axis=1)

    return staff._kept(f"agendas_{departments}", staff.expertise, build)


def _post_holders(staff: Staff, departments: int, value: np.ndarray) -> np.ndarray:
    """Per department, the largest ``value`` among its formal post holders; 0 where it has none."""
    out = np.zeros(departments)
    holders = staff.role_holder_slots()
    if holders.size:
        np.maximum.at(out, staff.department[holders], value[holders])
    return out


def broker_strength(staff: Staff, departments: int) -> np.ndarray:
    """How strongly each department's leadership brokers a head's initiative into it (0-1).

    A post holder of the department (its middle leader, or a member of the senior team who teaches
    in it where middle posts, given by merit across the school, left it none) brokers as far as they
    trust the head and can lead: ``trust_head * capacity``; the strongest of them does it.

    Args:
        staff: the teachers.
        departments: how many departments the school has.

    Returns:
        One strength per department; 0 for a department without a post holder.
    """
    return _post_holders(staff, departments, staff.trust_head * staff.capacity)


def advocacy(staff: Staff, departments: int) -> np.ndarray:
    """How strongly each department's leadership argues for its agenda (0-1): its strongest post
    holder's capacity. Trust in the head does not enter: a wary middle leader still speaks up.

    Args:
        staff: the teachers.
        departments: how many departments the school has.

    Returns:
        One strength per department; 0 for a department without a post holder.
    """
    return _post_holders(staff, departments, staff.capacity)


def uptake(model: SchoolModel, domain: int) -> np.ndarray:
    """Share of a head's initiative in ``domain`` each teacher's department takes up (0-1).

    On the department's own agenda, all of it. Off it, ``agenda_pull`` of it is lost to the
    department's own priorities, less what its leadership brokers
    (``departments.brokerage * broker_strength``).

    Args:
        model: the school.
        domain: the initiative's domain (an index of :data:`~leadsim.sim.vocabulary.DOMAINS`).

    Returns:
        One share per teacher (slot).
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

    Each department argues for its agenda (:func:`advocacy`) and is heard as far as the head shares
    leadership (``head.distribution``): reciprocal communication needs a head who listens. The
    departments together add at most ``departments.voice`` to the need profile (whose entries are
    0.5 or more), divided over the departments. Nothing reaches a vacant post.

    Args:
        model: the school.

    Returns:
        What to add to the need for each domain (zeros with no head in post or no voice).
    """
    cfg = model.scenario
    k = cfg.school.departments
    head = model.head
    if head is None or cfg.departments.voice == 0:
        return np.zeros(len(DOMAINS))
    staff = model.staff
    heard = cfg.departments.voice * head.distribution * advocacy(staff, k)
    return np.bincount(agendas(staff, k), weights=heard, minlength=len(DOMAINS)) / k
