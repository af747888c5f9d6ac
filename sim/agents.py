"""The four kinds of people in a school, as Mesa agents.

Teachers, students and parents are many and are updated in bulk, so their state lives in
arrays the model owns (:class:`leadsim.sim.staff.Staff`, :class:`leadsim.sim.community.Pupils`,
:class:`leadsim.sim.community.Families`). Each agent is a view onto one slot of those arrays: it
has its own Mesa identity (``unique_id``) for as long as that person is in the school,
while the slot is reused by whoever replaces them. The head is a single plain agent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import mesa
from leadsim.sim.config import DOMAINS

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel

ROLES = ("none", "middle_leader", "senior_team")


class Head(mesa.Agent):
    """The head teacher in post.

    Attributes:
        charisma: personal lift to staff effort while in post (0-1).
        distribution: stance toward distribution: opportunity, time and support created (0-1).
        authenticity: genuine sharing (1) versus delegation dressed up as sharing (0).
        succession_planning: how much they prepare an internal successor (0-1).
        control_reversion: tendency to take control back under pressure (0-1).
        experience: years of headship.
        tenure: years in post at this school.
        capacity: own leadership capacity (0-1).
        internal: promoted from inside the school.
        arrived: the week they took up post (0 for the head in post when the run starts).
    """

    def __init__(
        self,
        model: SchoolModel,
        *,
        charisma: float,
        distribution: float,
        authenticity: float,
        succession_planning: float,
        control_reversion: float,
        experience: float,
        tenure: float,
        capacity: float,
        internal: bool = False,
        arrived: int = 0,
    ) -> None:
        super().__init__(model)
        self.charisma = charisma
        self.distribution = distribution
        self.authenticity = authenticity
        self.succession_planning = succession_planning
        self.control_reversion = control_reversion
        self.experience = experience
        self.tenure = tenure
        self.capacity = capacity
        self.internal = internal
        self.arrived = arrived
        #: the week up to which ``tenure`` counts their time in post (the last year end, or arrival)
        self.counted_to = arrived

    def years_in_post(self, week: int, weeks_per_year: int) -> float:
        """Years in post at ``week``: ``tenure`` (counted at year ends) and the weeks since."""
        return self.tenure + (week - self.counted_to) / weeks_per_year

    @property
    def support(self) -> float:
        """Coaching, time and backing given to others' leadership: genuine stance only."""
        return self.distribution * self.authenticity


class _SlotView(mesa.Agent):
    """An agent whose state is one slot of arrays owned by the model."""

    def __init__(self, model: SchoolModel, slot: int) -> None:
        super().__init__(model)
        self.slot = slot


class Teacher(_SlotView):
    """A teacher: a view onto ``model.staff`` at ``slot``."""

    @property
    def expertise(self) -> dict[str, float]:
        """Expertise per domain (0-1)."""
        row = self.model.staff.expertise[self.slot]
        return {d: float(x) for d, x in zip(DOMAINS, row, strict=True)}

    @property
    def practice(self) -> float:
        """Teaching practice quality (0-1)."""
        return float(self.model.staff.practice[self.slot])

    @property
    def ownership(self) -> float:
        """Share of the teacher's practice they own (0-1); the rest erodes without press."""
        p = self.model.staff.practice[self.slot]
        return float(self.model.staff.owned[self.slot] / p) if p > 0 else 1.0

    @property
    def fatigue(self) -> float:
        """Strain from overload, crisis work and imposed initiatives (0-1)."""
        return float(self.model.staff.fatigue[self.slot])

    @property
    def capacity(self) -> float:
        """Leadership capacity (0-1)."""
        return float(self.model.staff.capacity[self.slot])

    @property
    def motivation(self) -> float:
        return float(self.model.staff.motivation[self.slot])

    @property
    def trust_head(self) -> float:
        return float(self.model.staff.trust_head[self.slot])

    @property
    def trust_colleagues(self) -> float:
        return float(self.model.staff.trust_colleagues[self.slot])

    @property
    def cynicism(self) -> float:
        return float(self.model.staff.cynicism[self.slot])

    @property
    def role(self) -> str:
        """Formal role: none, middle_leader or senior_team."""
        return ROLES[int(self.model.staff.role[self.slot])]

    @property
    def department(self) -> int:
        return int(self.model.staff.department[self.slot])

    @property
    def tenure(self) -> float:
        """Years at this school."""
        return float(self.model.staff.tenure[self.slot])

    @property
    def time_available(self) -> float:
        """Share of the week free for leadership work, after current commitments."""
        return float(self.model.staff.spare_time()[self.slot])


class Student(_SlotView):
    """A student: a view onto ``model.pupils`` at ``slot``."""

    @property
    def attainment(self) -> float:
        """Attainment in SD units against the intake baseline."""
        return float(self.model.pupils.attainment[self.slot])

    @property
    def engagement(self) -> float:
        return float(self.model.pupils.engagement[self.slot])

    @property
    def voice(self) -> float:
        return float(self.model.pupils.voice[self.slot])

    @property
    def on_council(self) -> bool:
        return bool(self.model.pupils.council[self.slot])

    @property
    def teacher_slot(self) -> int:
        """Slot of the teacher who teaches this student's class."""
        return int(self.model.pupils.teacher[self.slot])

    @property
    def cohort(self) -> int:
        """Year group (0 = newest intake)."""
        return int(self.model.pupils.cohort[self.slot])


class Parent(_SlotView):
    """A parent or carer: a view onto ``model.families`` at ``slot``; their child is student ``slot``."""

    @property
    def engagement(self) -> float:
        return float(self.model.families.engagement[self.slot])

    @property
    def trust(self) -> float:
        """Trust in the school."""
        return float(self.model.families.trust[self.slot])

    @property
    def child_slot(self) -> int:
        return self.slot


# --- many people at once -------------------------------------------------------------------------

#: Mesa's registries are written to directly only in the Mesa they were read from (3.5); any other
#: version takes Mesa's own calls
_MESA_REGISTRIES = mesa.__version__.split(".")[:2] == ["3", "5"]


def _registries(model: mesa.Model, cls: type[_SlotView]) -> tuple[dict, dict] | None:
    """Mesa's registries of all agents and of ``cls`` (ordered dicts keyed by agent), where writing to them
    does exactly what ``Agent.__init__`` and ``Agent.remove`` would; None where it would not, or might not.

    Mesa's own calls register one agent at a time through a signal emitter, a log call and a
    context manager (about 13 microseconds a student replaced, 5000 a year in a school of 1000);
    their only effects beyond the registries are signals to observers, debug log lines and data
    sets tracking the class, so any of those (or another Mesa) takes the ordinary path.
    """
    if not _MESA_REGISTRIES or cls._datasets:
        return None
    from mesa.experimental.mesa_signals import ModelSignals
    from mesa.model import _mesa_logger

    if (
        model._batch_context is not None
        or model._has_subscribers("agents", ModelSignals.AGENT_ADDED)
        or model._has_subscribers("agents", ModelSignals.AGENT_REMOVED)
        or _mesa_logger.isEnabledFor(logging.DEBUG)
    ):
        return None
    of_type = model._agents_by_type.get(cls)
    if of_type is None:  # the class's first agent creates its registry: Mesa does that
        return None
    return model._all_agents._agents, of_type._agents


def _arrive(model: mesa.Model, cls: type[_SlotView], slot: int, every: dict, own: dict) -> _SlotView:
    # What Agent.__init__ and _SlotView.__init__ leave, in the same order: the attributes, the next
    # id, a place at the end of both registries.
    agent = cls.__new__(cls)
    agent.model = model
    agent.unique_id = model.agent_id_counter
    agent.pos = None
    model.agent_id_counter += 1
    every[agent] = None
    own[agent] = None
    agent.slot = slot
    return agent


def new_people(model: SchoolModel, cls: type[_SlotView], slots: Iterable[int]) -> list[_SlotView]:
    """``[cls(model, s) for s in slots]``: the same agents, ids and registries, made faster where
    nothing observes Mesa's registration (:func:`_registries`)."""
    out: list[_SlotView] = []
    rest = iter(slots)
    for s in rest:  # the first through Mesa, which creates the class's registry if it has none yet
        out.append(cls(model, s))
        break
    reg = _registries(model, cls)
    for s in rest:
        out.append(cls(model, s) if reg is None else _arrive(model, cls, s, *reg))
    return out


def replace_people(model: SchoolModel, agents: list[_SlotView], cls: type[_SlotView], slots: list[int]) -> None:
    """For each slot in turn, ``agents[s].remove()`` then ``agents[s] = cls(model, s)``: whoever held the slot
    leaves the model, a newcomer with the next id takes it. The same agents, ids and registries (in the same
    order) as those calls, made faster where nothing observes Mesa's registration (:func:`_registries`).
    """
    reg = _registries(model, cls)
    if reg is None:
        for s in slots:
            agents[s].remove()
            agents[s] = cls(model, s)
        return
    every, own = reg
    for s in slots:
        old = agents[s]
        if type(old) is cls:
            # Model.deregister_agent, as Agent.remove calls it: a KeyError from the first registry is
            # ignored and leaves the other alone
            try:
                del own[old]
                del every[old]
            except KeyError:
                pass
        else:
            old.remove()
        agents[s] = _arrive(model, cls, s, every, own)
