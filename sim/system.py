"""A system of schools: federations, executive heads, learning networks and school-to-school support.

Each school is an agent of :class:`SystemModel` holding its own staff, students, parents and head:
a whole :class:`leadsim.sim.model.SchoolModel`, stepped by the system once a week. Nothing of the
single-school mechanisms is copied. The schools sit on the nodes of a Mesa network space whose
edges are the ties between them (federation, executive headship, learning network, support), and
the cross-school mechanisms act only through each school's public state (see ``docs/ODD.md``,
"System of schools"):

- **the head's time**: every partnership costs a share of the head's week
  (``boundary.partnership_cost``), an executive head spends ``boundary.executive_share`` of it
  in each other school they lead. While the head is away, their personal lift (charisma) is not
  felt and day-to-day leadership is the best senior colleague's at home (their capacity), so the
  cost of being away depends on the leadership capacity a school has built in others;
- **people who cross the boundary**: teachers who work in a partner school (federation,
  executive headship, learning network) carry load away from home and close part of the gap to
  the better practice they see there, as far as trust between the schools and their own
  buy-in allow; trust between schools grows with contact and fades without;
- **support**: a supporter's strongest leaders spend the week in the supported school,
  coaching its teachers (practice and leadership capacity), and are not available at home.

What follows inside each school (practice spreading along its ties, effort, teaching,
attainment, turnover) is the single-school model's own doing.

Example:
    >>> from leadsim.sim.system import SystemModel
    >>> from leadsim.sim.system_config import SystemScenario
    >>> s = SystemScenario.model_validate({"years": 1, "generate": {"primaries": 3}})
    >>> m = SystemModel(s)
    >>> m.run()
    >>> m.timeseries()["school"].unique().tolist()
    ['p001', 'p002', 'p003']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from leadsim.sim.arrays import any_of, choose_distinct, mean
from leadsim.sim.config import (
    Events,
    Leadership,
    Pattern,
    Scenario,
    Students,
    Teachers,
)
from leadsim.sim.config import School as SchoolSection
from leadsim.sim.conventions import LeadsimModel
from leadsim.sim.model import SchoolModel
from leadsim.sim.staff import SENIOR
from leadsim.sim.system_config import (
    NetworkChange,
    SchoolSpec,
    SystemCrisis,
    SystemDeparture,
    SystemScenario,
    Takeover,
    grouping_problems,
)
from leadsim.sim.work import MAX_LOAD
from mesa.discrete_space import CellAgent, Network
from pydantic import ValidationError

__all__ = [
    "SYSTEM_COLUMNS",
    "SCHOOL_COLUMNS",
    "Crossings",
    "School",
    "SystemModel",
    "school_scenario",
    "system_row",
    "system_summary",
    "system_timeseries",
]

#: per-school columns the system adds to each school's own time series
SCHOOL_COLUMNS = ("head_presence", "partnerships", "teachers_away", "practice_imported", "partner_trust")
#: system-wide columns, the same on every school's row of a week
SYSTEM_COLUMNS = (
    "system_attainment_mean",
    "system_attainment_spread",
    "system_attainment_gap",
    "system_practice_travelled",
    "system_schools_reached",
    "system_head_time_away",
    "system_teacher_time_away",
)
#: per-school numbers kept for the system measures only: (attainment, teachers)
STATE_COLUMNS = ("attainment", "teachers")
#: the levels L_j of a week's crossers, by grouping (its index in ``SystemModel.groups``): [(school, L_j), ...]
Crossings = dict[int, list[tuple[int, float]]]
#: practice (teacher-units) a school must have taken in from others to count as reached
REACHED = 0.5
#: formal roles and phase structure of the two kinds of school
KIND_DEFAULTS: dict[str, dict[str, int]] = {
    "primary": {"departments": 3, "cohorts": 7, "senior_team": 2, "middle_leaders": 3},
    "secondary": {"departments": 6, "cohorts": 5, "senior_team": 4, "middle_leaders": 8},
}


def school_scenario(spec: SchoolSpec, system: SystemScenario, size: tuple[int, int]) -> Scenario:
    """The single-school scenario of one school of the system.

    Args:
        spec: the school's entry.
        system: the system (length, weeks per year, shared hazards and successor).
        size: (teachers, students) of the school's kind, used where the entry gives none.
    """
    kind = KIND_DEFAULTS[spec.kind]
    teachers = spec.teachers if spec.teachers is not None else size[0]
    students = spec.students if spec.students is not None else size[1]
    senior = min(kind["senior_team"], max(0, teachers // 5))
    middle = min(kind["middle_leaders"], max(0, teachers // 3))
    ev = system.events
    return Scenario(
        name=spec.name,
        years=system.years,
        school=SchoolSection(
            teachers=teachers,
            students=students,
            parents=students,
            departments=min(kind["departments"], teachers),
            cohorts=kind["cohorts"],
            weeks_per_year=system.weeks_per_year,
        ),
        head=spec.head,
        leadership=spec.leadership.model_copy(update={"team_size": min(spec.leadership.team_size, teachers)}),
        events=Events(head_exit_hazard=ev.head_exit_hazard, crisis_hazard=ev.crisis_hazard, successor=ev.successor),
        teachers=Teachers(senior_team=senior, middle_leaders=middle),
        students=Students() if spec.intake is None else Students(engagement=spec.intake),
    )


def _generated(system: SystemScenario, rng: np.random.Generator) -> list[SchoolSpec]:
    """The generated schools: intake drawn around 0.6, a share of heads who distribute by design."""
    g = system.generate
    out = []
    for prefix, kind, count in (("p", "primary", g.primaries), ("s", "secondary", g.secondaries)):
        for i in range(count):
            intake = float(np.clip(rng.normal(0.6, g.intake_mix), 0.2, 0.95))
            if rng.random() < g.distributive_share:
                head = {"distribution": 0.8, "authenticity": 0.9}
                lead = Leadership(pattern=Pattern(solo=0.2, design=0.8))
            else:
                head, lead = {"distribution": 0.2}, Leadership()
            out.append(SchoolSpec(name=f"{prefix}{i + 1:03d}", kind=kind, intake=intake, head=head, leadership=lead))
    return out


@dataclass
class Group:
    """A federation, an executive headship or a learning network: schools whose teachers cross over."""

    kind: str  # "federation" | "executive" | "network"
    name: str
    members: list[int]
    crossers: float  # teachers per member school per week


@dataclass
class _Loan:
    """Teachers of one school working elsewhere this week (their slots and Mesa ids, and the share of the week)."""

    school: int
    slots: np.ndarray
    ids: list[int]
    share: float
    group: int  # index in SystemModel.groups (-1 for support)
    partner: int | None  # the supported school, for a support loan


@dataclass
class _HeadState:
    """The in-post head's own attributes while the system shows the school their effective ones."""

    head: Any
    charisma: float
    capacity: float
    charisma_eff: float = 0.0
    capacity_eff: float = 0.0
    departures: int = 0
    extra: dict = field(default_factory=dict)


class School(CellAgent):
    """One school of the system: a node of the network space holding a whole single-school model.

    Attributes:
        name: the school's name.
        kind: primary or secondary.
        school_model: the school itself (staff, students, parents, head), a :class:`SchoolModel`.
        presence: share of the head's week spent in this school this week (1 = a head of one school).
        imported: practice taken in from other schools so far (sum over teachers, practice units).
    """

    def __init__(
        self, model: SystemModel, index: int, name: str, kind: str, scenario: Scenario | None, seed: int
    ) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.kind = kind
        # A shard holds the schools of other shards as names on the network only (no model: ``None``).
        self.school_model: SchoolModel = SchoolModel(scenario, rng=seed) if scenario is not None else None  # type: ignore[assignment]
        self.presence = 1.0
        self.imported = 0.0
        self.away = 0

    @property
    def attainment(self) -> float:
        """Mean attainment of the school's students (SD units against the intake baseline)."""
        return mean(self.school_model.pupils.attainment)

    @property
    def practice(self) -> float:
        """Mean teaching practice of the school's teachers (owned or not)."""
        return mean(self.school_model.staff.practice)


class SystemModel(LeadsimModel):
    """A system of schools stepped one school week at a time.

    Every random draw that concerns one school comes from that school's own generators (its model's, and
    one for choosing who crosses), and the draws of the system as a whole (generated schools, their
    seeds, generated networks) are made here, once: so the run does not depend on the order in which
    schools are stepped, and a shard holding some of the schools (``own``) reproduces their share of
    the one-process run exactly (:mod:`leadsim.sim.shard`).

    Args:
        scenario: the system; its groupings must be possible (:func:`grouping_problems`).
        rng: seed or generator; defaults to ``scenario.seed``. Each school's seeds are drawn from it.
        own: build a shard: only these schools (indices) get a school model, rows of trust and
            measures; the others are names on the network. A shard's :meth:`step` is the first half
            of the week and :meth:`finish_week` the second, with the crossings of the other shards.

    Raises:
        ValueError: an impossible grouping (the loader reports these with file and line first), or an
            index in ``own`` that is no school.
    """

    def __init__(self, scenario: SystemScenario, *, rng: Any = None, own: Sequence[int] | None = None) -> None:
        problems = grouping_problems(scenario)
        if problems:
            key, msg = problems[0]
            raise ValueError(f"{'.'.join(str(k) for k in key)}: {msg}")
        super().__init__(rng=scenario.seed if rng is None else rng)
        self._leadsim_scenario = scenario
        b = scenario.boundary
        self.boundary = b
        specs = list(scenario.schools) + _generated(scenario, self.rng)
        g = scenario.generate
        sizes = {
            "primary": (g.primary_teachers, g.primary_students),
            "secondary": (g.secondary_teachers, g.secondary_students),
        }
        self.index = {s.name: i for i, s in enumerate(specs)}
        seeds = self.rng.integers(0, 2**63 - 1, size=len(specs))
        n = len(specs)
        self.sharded = own is not None
        self.own: list[int] = list(range(n)) if own is None else sorted(set(own))
        if self.own and not 0 <= self.own[0] <= self.own[-1] < n:
            raise ValueError(f"own: school indices are 0 to {n - 1}")
        #: row of each school in the arrays this model keeps per school (trust, measures); -1: another shard's
        self._row = np.full(n, -1, dtype=np.int64)
        self._row[self.own] = np.arange(len(self.own))
        #: teachers of each school (known without building it: the shards are cut by them)
        self.sizes = np.array([s.teachers if s.teachers is not None else sizes[s.kind][0] for s in specs])
        self.schools: list[School] = [
            School(
                self,
                i,
                s.name,
                s.kind,
                school_scenario(s, scenario, sizes[s.kind]) if self._row[i] >= 0 else None,
                int(seeds[i]),
            )
            for i, s in enumerate(specs)
        ]
        self.mine = [self.schools[i] for i in self.own]
        #: T[i, j] for the schools i of this model (rows in ``_row`` order), every school j
        self.trust = np.zeros((len(self.own), n))
        self.groups: list[Group] = []
        for f in scenario.federations:
            self._add_group("federation", f.name, f.schools, b.federation_crossers, b.federation_trust)
        for e in scenario.executive_heads:
            self._add_group("executive", e.name, [e.home, *e.schools], b.federation_crossers, b.federation_trust)
        for w in scenario.networks:
            self._add_group("network", w.name, w.schools, b.network_crossers, b.network_trust)
        self._generate_networks(specs)
        #: executive headships: home school -> the other schools led, and the reverse
        self.led: dict[int, list[int]] = {}
        self.executive_of: dict[int, int] = {}
        self._exec_names = {e.name: self.index[e.home] for e in scenario.executive_heads}
        for e in scenario.executive_heads:
            for s in e.schools:
                self._lead(self.index[e.home], self.index[s])
        self.support = [(self.index[p.supporter], self.index[p.supported], p.leaders) for p in scenario.support]
        for a, c, _ in self.support:
            self._trust_at_least(c, a, b.support_trust)
            self._trust_at_least(a, c, b.support_trust)
        # Who crosses is drawn from each school's own generator, spawned once from the system's (after
        # every other draw of the system, so the schools and networks are those of earlier versions).
        root = np.random.SeedSequence(int(self.rng.integers(0, 2**63 - 1)))
        self._lend_rng = {i: np.random.default_rng(seq) for i, seq in enumerate(root.spawn(n)) if self._row[i] >= 0}

        # The Mesa network space: one node per school, one edge per pair of schools tied in any way.
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        self.network = Network(graph, random=self.random, layout=None)
        for school in self.schools:
            school.cell = self.network._cells[school.index]
        self._rebuild_ties()

        wpy = scenario.weeks_per_year
        self._events: dict[int, list[Any]] = {}
        ev = scenario.events
        for e in [*ev.head_departures, *ev.crises, *ev.takeovers, *ev.network_changes]:
            self._events.setdefault(e.step(wpy), []).append(e)
        self.event_log: list[dict] = []
        steps = scenario.steps + 1
        self._school_rows = np.zeros((steps, len(self.own), len(SCHOOL_COLUMNS)))
        self._school_state = np.zeros((steps, len(self.own), len(STATE_COLUMNS)))
        self._system_rows = np.zeros((steps, len(SYSTEM_COLUMNS)))
        self._loans: list[_Loan] = []
        self._crossings: Crossings = {}
        self._observe()

    # --- groupings -----------------------------------------------------------------------------

    def _add_group(self, kind: str, name: str, schools: list[str], crossers: float, trust: float) -> None:
        group = Group(kind, name, [], crossers)
        self.groups.append(group)
        for s in schools:
            self._join(group, self.index[s], trust)

    def _join(self, group: Group, i: int, trust: float) -> None:
        """School ``i`` joins ``group``; it and each member start from at least ``trust`` in each other."""
        for j in group.members:
            self._trust_at_least(i, j, trust)
            self._trust_at_least(j, i, trust)
        group.members.append(i)

    def _trust_at_least(self, i: int, j: int, trust: float) -> None:
        """``T[i, j]`` is at least ``trust``; only the shard holding school ``i`` keeps (and writes) its row."""
        r = self._row[i]
        if r >= 0:
            self.trust[r, j] = max(self.trust[r, j], trust)

    def _generate_networks(self, specs: list[SchoolSpec]) -> None:
        """Learning networks of about ``network_size`` generated schools, ``networks_per_school`` rounds.

        Each round is a fresh random partition of the generated schools (the model's rng), so a school
        is in that many networks and meets different schools in each.
        """
        g, b = self.scenario.generate, self.boundary
        listed = {x.name for x in self.scenario.schools}
        pool = [i for i, s in enumerate(specs) if s.name not in listed]
        if g.network_size < 2 or len(pool) < 2:
            return
        parts = max(1, round(len(pool) / g.network_size))
        count = 0
        for _ in range(g.networks_per_school):
            order = [pool[int(i)] for i in self.rng.permutation(len(pool))]
            for part in np.array_split(np.array(order), parts):
                if part.size >= 2:
                    count += 1
                    names = [specs[int(i)].name for i in part]
                    self._add_group("network", f"n{count:03d}", names, b.network_crossers, b.network_trust)

    def _lead(self, home: int, school: int) -> None:
        self.led.setdefault(home, []).append(school)
        self.executive_of[school] = home
        sm = self.schools[school].school_model
        head = sm.head if sm is not None else None
        if head is not None:
            # The school's own head becomes its head of school: a senior leader acting up, day to day.
            head.capacity = min(head.capacity, self.boundary.head_of_school_capacity)

    def _rebuild_ties(self) -> None:
        """The network space's edges: every pair of schools tied by a grouping or support."""
        self._count_partnerships()
        graph = self.network.G
        graph.remove_edges_from(list(graph.edges))
        for g in self.groups:
            for a in g.members:
                for c in g.members:
                    if a < c:
                        graph.add_edge(a, c)
                        graph.edges[a, c].setdefault("kinds", set()).add(g.kind)
        for a, c, _ in self.support:
            graph.add_edge(a, c)
            graph.edges[a, c].setdefault("kinds", set()).add("support")
        for school in self.schools:  # the cells' neighbourhoods follow the graph
            cell = school.cell
            for other in list(cell.connections.values()):
                cell.disconnect(other)
        for a, c in graph.edges:
            self.network._cells[a].connect(self.network._cells[c], (a, c))
            self.network._cells[c].connect(self.network._cells[a], (c, a))

    def partnerships(self, i: int) -> int:
        """Partnerships school ``i`` is in: its groupings and support partnerships on either side."""
        return int(self._partnerships[i])

    def _count_partnerships(self) -> None:
        # Counted when the groupings change (start, events), not every week: 150 schools x 30 groups adds up.
        counts = np.zeros(len(self.schools), dtype=np.int64)
        for g in self.groups:
            if g.kind != "executive":
                counts[g.members] += 1
        for a, c, _ in self.support:
            counts[[a, c]] += 1
        self._partnerships = counts

    # --- the week ---------------------------------------------------------------------------------

    def step(self) -> None:
        """One school week for every school, with the exchange between them.

        In a shard (``own``), the first half of the week only: events, lending, the schools' own weeks;
        :meth:`crossings` then tells what the other shards need and :meth:`finish_week` ends the week.
        """
        self._apply_events()
        loans = self._lend()
        # Every head's own charisma and capacity before any is scaled for this week, so an executive
        # head's lift in the schools they lead does not depend on which school is stepped first.
        own = {s.index: (h.charisma, h.capacity) for s in self.mine if (h := s.school_model.head) is not None}
        states = [self._show_presence(s, own) for s in self.mine]
        for school in self.mine:
            school.school_model.step()
        for school, state in zip(self.mine, states, strict=True):
            self._restore(school, state)
        for loan in loans:
            self.schools[loan.school].school_model.release_time(loan.slots, loan.share, loan.ids)
        # What partners see of each school this week: its crossers' practice as they met, before anyone
        # takes anything home, so no school's level depends on the order the exchange is worked through.
        self._loans = loans
        self._crossings = {}
        for loan in loans:
            if loan.partner is None:
                self._crossings.setdefault(loan.group, []).append((loan.school, self._practice_of(loan)))
        self.running = self.steps < self.scenario.steps
        if not self.sharded:
            self.finish_week({})

    def crossings(self) -> Crossings:
        """This week's levels of this shard's crossers in groupings with members in other shards."""
        return {
            g: levels for g, levels in self._crossings.items() if any(self._row[m] < 0 for m in self.groups[g].members)
        }

    def finish_week(self, other: Crossings) -> None:
        """The second half of the week: exchange (with ``other`` shards' crossings), then measures.

        Args:
            other: the levels of the other shards' crossers in the groupings this shard's crossers
                were in this week (empty in one process).
        """
        crossings = {g: list(levels) for g, levels in self._crossings.items()}
        for g, levels in other.items():
            if g in crossings:
                # in member order, as one process sees them (the exchange does not depend on it, but a
                # future change of it should not make shards differ)
                place = {m: k for k, m in enumerate(self.groups[g].members)}
                crossings[g] = sorted([*crossings[g], *levels], key=lambda x: place[x[0]])
        self._exchange(self._loans, crossings)
        self._loans, self._crossings = [], {}
        self._observe()

    def run(self, steps: int | None = None) -> None:
        """Run the whole scenario (or ``steps`` more weeks)."""
        for _ in range(self.scenario.steps - self.week if steps is None else steps):
            self.step()

    def _apply_events(self) -> None:
        changed = False
        for e in self._events.get(self.week, []):
            school = self.schools[self.index[e.school]]
            sm = school.school_model  # None in a shard that does not hold the school: groupings change all the same
            if isinstance(e, SystemDeparture):
                if sm is not None:
                    sm.head_leaves_now(e.successor.model_dump() if e.successor is not None else None)
            elif isinstance(e, SystemCrisis):
                if sm is not None:
                    sm.crisis_now(e.kind, severity=e.severity, duration_weeks=e.duration_weeks)
            elif isinstance(e, Takeover):
                home = self._exec_names[e.executive_head]
                self._lead(home, school.index)
                grp = next(g for g in self.groups if g.kind == "executive" and g.name == e.executive_head)
                self._join(grp, school.index, self.boundary.federation_trust)
                changed = True
            elif isinstance(e, NetworkChange):
                grp = next(g for g in self.groups if g.kind == "network" and g.name == e.network)
                if e.action == "join" and school.index not in grp.members:
                    self._join(grp, school.index, self.boundary.network_trust)
                elif e.action == "leave" and school.index in grp.members:
                    grp.members.remove(school.index)
                changed = True
            self.event_log.append({"week": self.week, "event": type(e).__name__, **e.model_dump(mode="json")})
        if changed:
            self._rebuild_ties()

    # --- live events (the trainers' page calls these between weeks) -----------------------------

    def head_leaves_now(self, school: str, successor: dict | None = None) -> None:
        """The head of ``school`` leaves at the start of the next week, as a departure scheduled now would.

        Args:
            school: the school's name.
            successor: fields of :class:`leadsim.sim.config.Successor`; default the system's successor.

        Raises:
            ValueError: an unknown school or successor field, or the run has ended.
        """
        self._now(SystemDeparture, school, successor=successor)

    def crisis_now(self, school: str, kind: str = "behaviour", severity: float = 0.5, duration_weeks: int = 8) -> None:
        """A crisis starts in ``school`` next week, as a crisis scheduled now would.

        Raises:
            ValueError: an unknown school or crisis kind, a severity or length out of range, or the run has ended.
        """
        self._now(SystemCrisis, school, kind=kind, severity=severity, duration_weeks=duration_weeks)

    def executive_takes_on(self, home: str, school: str) -> None:
        """The executive head of ``home`` takes on ``school`` from next week, as a scheduled takeover would.

        Raises:
            ValueError: ``home`` has no executive headship, ``school`` already has an executive head or is
                one's home, it would close a cycle of leading or supporting, or the run has ended.
        """
        i, j = self._school_index(home), self._school_index(school)
        names = [name for name, h in self._exec_names.items() if h == i]
        if not names:
            homes = ", ".join(f"{n} (home {self.schools[h].name})" for n, h in self._exec_names.items()) or "none"
            raise ValueError(f"'{home}' has no executive head (executive headships: {homes})")
        if j == i or j in self.executive_of or j in self._exec_names.values() or self._pending_takeover(j):
            raise ValueError(f"'{school}' already has an executive head or is one's home")
        # The scheduled path is checked for cycles when the scenario loads; a live one is checked here.
        led = [(h, s) for h, schools in self.led.items() for s in schools]
        leads = nx.DiGraph([*led, *((a, c) for a, c, _ in self.support)])
        if leads.has_node(j) and leads.has_node(i) and nx.has_path(leads, j, i):
            raise ValueError(f"'{school}' leads or supports '{home}': taking it on would close a cycle")
        self._now(Takeover, school, executive_head=names[0])

    def network_change_now(self, school: str, network: str, action: str) -> None:
        """``school`` joins or leaves the learning network ``network`` from next week, as a scheduled change would.

        Raises:
            ValueError: an unknown network or action, a school already in (join) or not in (leave) it, or the
                run has ended.
        """
        i = self._school_index(school)
        grp = next((g for g in self.groups if g.kind == "network" and g.name == network), None)
        if grp is None:
            nets = ", ".join(g.name for g in self.groups if g.kind == "network") or "none"
            raise ValueError(f"no learning network '{network}' (networks: {nets})")
        if action == "join" and i in grp.members:
            raise ValueError(f"'{school}' is already in network '{network}'")
        if action == "leave" and i not in grp.members:
            raise ValueError(f"'{school}' is not in network '{network}'")
        self._now(NetworkChange, school, network=network, action=action)

    def _school_index(self, name: str) -> int:
        if name not in self.index:
            raise ValueError(f"no school '{name}' (schools: {', '.join(list(self.index)[:6])}, ...)")
        return self.index[name]

    def _pending_takeover(self, j: int) -> bool:
        return any(isinstance(e, Takeover) and self.index[e.school] == j for e in self._events.get(self.week + 1, []))

    def _now(self, cls: type, school: str, **fields: Any) -> None:
        """Queue an event of type ``cls`` as if scheduled for the next week: the scheduled events' own path applies it.

        Mesa counts a step before running it, so the step from week ``w`` to ``w + 1`` applies the events
        scheduled for ``w + 1``: that is the first week a request made at week ``w`` can still change.
        """
        self._school_index(school)
        if self.sharded:
            # Each shard applies every event; a request reaching only some shards would split the run.
            raise ValueError("live events need the one-process run; this is one shard of a sharded system")
        if self.week >= self.scenario.steps:
            raise ValueError(f"the run has ended (week {self.week} of {self.scenario.steps})")
        try:
            event = cls.model_validate({"school": school, "week": self.week + 1, **fields})
        except ValidationError as e:
            err = e.errors()[0]
            raise ValueError(f"{'.'.join(str(k) for k in err['loc'])}: {err['msg']}") from None
        self._events.setdefault(self.week + 1, []).append(event)

    def _head_presence(self, i: int) -> float:
        """Share of the head's week left for their own school after partnerships and other schools led."""
        b = self.boundary
        away = b.partnership_cost * self.partnerships(i) + b.executive_share * len(self.led.get(i, ()))
        return max(0.0, 1.0 - away)

    def _cover(self, sm: SchoolModel) -> float:
        """Capacity of whoever leads day to day while the head is away: the ablest senior colleague at home."""
        staff = sm.staff
        here = staff.away < 1.0  # not lent out for the whole week
        senior = (staff.role == SENIOR) & here
        pool = senior if any_of(senior) else here
        return float(np.maximum.reduce(staff.capacity[pool])) if any_of(pool) else 0.0

    def _show_presence(self, school: School, own: dict[int, tuple[float, float]]) -> _HeadState | None:
        """Give the in-post head their effective charisma and capacity for this week's step.

        Charisma is a personal lift felt only where the head is; day-to-day instructional leadership is
        the head's while present and the ablest senior colleague's while away. In a school led by an
        executive head, the executive head adds their own lift and capacity for the share of the week
        they spend there.

        Args:
            school: the school about to step.
            own: every head's own ``(charisma, capacity)`` by school index, read before any head's
                presence was applied this week.
        """
        sm = school.school_model
        p = self._head_presence(school.index)
        school.presence = sm.head_presence = p  # the head's bandwidth, too, is theirs only while there
        head = sm.head
        if head is None:
            return None
        state = _HeadState(head, head.charisma, head.capacity, departures=len(sm.departures))
        charisma = p * head.charisma
        capacity = p * head.capacity + (1.0 - p) * self._cover(sm)
        home = self.executive_of.get(school.index)
        if home is not None:
            s = self.boundary.executive_share
            if home in own:
                exec_charisma, exec_capacity = own[home]
                charisma = min(1.0, charisma + s * exec_charisma)
                capacity = (1.0 - s) * capacity + s * exec_capacity
        state.charisma_eff, state.capacity_eff = charisma, capacity
        head.charisma, head.capacity = charisma, capacity
        return state

    def _restore(self, school: School, state: _HeadState | None) -> None:
        """Give the head back their own attributes, keeping what changed during the week (learning in post)."""
        if state is None:
            return
        head, sm = state.head, school.school_model
        head.capacity = state.capacity + (head.capacity - state.capacity_eff)
        head.charisma = state.charisma + (head.charisma - state.charisma_eff)
        if len(sm.departures) > state.departures:  # the head left this week: record them as they were
            sm.departures[state.departures]["charisma"] = state.charisma
            if sm.previous_head is not None:
                sm.previous_head["charisma"] = state.charisma

    def _lend(self) -> list[_Loan]:
        """Choose who crosses the boundary this week and take their time away from home."""
        b = self.boundary
        loans: list[_Loan] = []
        away = {s.index: np.zeros(s.school_model.staff.n, dtype=bool) for s in self.mine}
        for a, c, leaders in self.support:
            if a not in away:
                continue
            sm = self.schools[a].school_model
            slots = _ablest(sm, away[a], leaders)
            away[a][slots] = True
            loans.append(self._loan(a, slots, 1.0, -1, c))  # the whole week
        for gi, g in enumerate(self.groups):
            if len(g.members) < 2:
                continue
            for i in g.members:
                if i not in away:
                    continue
                rng = self._lend_rng[i]
                k = int(g.crossers) + int(rng.random() < g.crossers - int(g.crossers))
                if k == 0:
                    continue
                sm = self.schools[i].school_model
                free = ~away[i] & (sm.staff.load < MAX_LOAD)
                n_free = np.count_nonzero(free)
                if not n_free:
                    continue
                # Those who already lead are the ones asked to work across schools.
                w = (0.05 + sm.staff.capacity) * free
                slots = choose_distinct(rng, w / np.add.reduce(w), min(k, n_free))
                away[i][slots] = True
                loans.append(self._loan(i, slots, b.crossing_time, gi, None))
        for school in self.mine:
            school.away = np.count_nonzero(away[school.index])
        return loans

    def _loan(self, i: int, slots: np.ndarray, share: float, group: int, partner: int | None) -> _Loan:
        sm = self.schools[i].school_model
        return _Loan(i, slots, sm.commit_time(slots, share, self.boundary.cover_teaching), share, group, partner)

    def _exchange(self, loans: list[_Loan], crossings: Crossings) -> None:
        """Crossers close part of the gap to better practice they saw; trust between schools moves.

        Only this model's schools and rows of trust change (``T[i, ·]`` moves with what school ``i``'s
        crossers saw), so shards that each do their own schools do together what one process does.

        Args:
            loans: this week's loans of this model's schools.
            crossings: every crosser's level this week in the groupings of this model's crossers.
        """
        b, row = self.boundary, self._row
        met = np.zeros_like(self.trust, dtype=bool)
        by_group: dict[int, list[_Loan]] = {}
        for loan in loans:
            if loan.partner is not None:
                self._coach(loan)
                met[row[loan.school], loan.partner] = met[row[loan.partner], loan.school] = True
            else:
                by_group.setdefault(loan.group, []).append(loan)
        for g in sorted(by_group):  # groupings in their order, each school's loans in member order
            seen = crossings[g]
            if len(seen) < 2:
                continue
            for ln in by_group[g]:
                i, r = ln.school, row[ln.school]
                others = [(j, lvl) for j, lvl in seen if j != i]
                sm = self.schools[i].school_model
                # What each crosser takes home: the best practice they saw in a partner school, as far
                # as they trust that school (more partners, more chances to meet better practice).
                level = np.array([lvl for _, lvl in others])
                trust = self.trust[r, [j for j, _ in others]]
                mine = sm.staff.practice[ln.slots]
                gap = np.maximum.reduce(trust[None, :] * np.maximum(level[None, :] - mine[:, None], 0.0), axis=1)
                gained = sm.adopt_practice(ln.slots, mine + gap, b.exchange_rate)
                self.schools[i].imported += gained
                openness = mean(sm.staff.trust_colleagues[ln.slots])
                for j, _ in others:
                    met[r, j] = True
                    self.trust[r, j] += b.trust_growth * openness * (1.0 - self.trust[r, j])
        tied = self.trust > 0
        fade = tied & ~met
        self.trust[fade] -= b.trust_decay * self.trust[fade]

    def _practice_of(self, loan: _Loan) -> float:
        """Mean practice of the teachers of one loan: what colleagues from elsewhere see of their school."""
        return mean(self.schools[loan.school].school_model.staff.practice[loan.slots])

    def _coach(self, loan: _Loan) -> None:
        """Lent leaders coach teachers of the supported school: practice toward theirs, capacity grows."""
        b = self.boundary
        giver = self.schools[loan.school].school_model
        w = loan.partner
        taker = self.schools[w].school_model
        k = min(taker.staff.n, b.support_coachees * loan.slots.size)
        if k == 0:
            return
        # The coached are those furthest behind (the support is aimed where it is needed).
        coached = np.argsort(taker.staff.practice, kind="stable")[:k]
        level = mean(giver.staff.practice[loan.slots])
        # both rows are this model's: a supporter and the school it supports are always in one shard
        rw, ra = self._row[w], self._row[loan.school]
        assert rw >= 0 and ra >= 0, "a supporter and the school it supports must share a shard"
        trust = float(self.trust[rw, loan.school])
        gained = taker.adopt_practice(coached, np.full(k, level), b.support_rate * trust)
        coach = mean(giver.staff.capacity[loan.slots])
        taker.grow_capacity(coached, b.support_capacity * coach)
        self.schools[w].imported += gained
        openness = mean(taker.staff.trust_colleagues[coached])
        self.trust[rw, loan.school] += b.trust_growth * openness * (1.0 - self.trust[rw, loan.school])
        self.trust[ra, w] = self.trust[rw, loan.school]

    # --- measures -------------------------------------------------------------------------------

    def _observe(self) -> None:
        w = self.week
        rows, state = self._school_rows[w], self._school_state[w]
        for r, s in enumerate(self.mine):
            i = s.index
            trust = self.trust[r]
            partners = trust[trust > 0]
            rows[r] = (
                s.presence,
                self.partnerships(i) + len(self.led.get(i, ())) + (i in self.executive_of),
                s.away,
                s.imported,
                mean(partners) if partners.size else np.nan,
            )
            # the school's own weekly measure: the same mean of the same array (nothing since its step
            # changes the students), not taken again over each school's students every week
            state[r] = (s.school_model.current["attainment"], s.school_model.staff.n)
        if not self.sharded:  # a sharded run's system measures are taken from every shard's rows at the end
            self._system_rows[w] = system_row(rows, state)

    # --- results -------------------------------------------------------------------------------

    def timeseries(self) -> pd.DataFrame:
        """One row per school per week: the school's own measures, the system's additions, the system's measures."""
        upto = self.week + 1
        return system_timeseries(
            [s.name for s in self.mine],
            [s.school_model.timeseries() for s in self.mine],
            self._school_rows[:upto],
            self._system_rows[:upto],
        )

    def summary(self) -> dict[str, Any]:
        """Final system measures, and per school: its summary, succession measures and events."""
        return system_summary(self._system_rows[self.week], self.counts())

    def counts(self) -> dict[str, int]:
        """Schools, teachers, students and head departures of this model's schools."""
        return {
            "schools": len(self.mine),
            "teachers": sum(s.school_model.staff.n for s in self.mine),
            "students": sum(s.school_model.pupils.n for s in self.mine),
            "departures": sum(len(s.school_model.departures) for s in self.mine),
        }

    def school_results(self) -> dict[str, dict[str, Any]]:
        """Per school: kind, summary, succession measures around each departure, departures, crises."""
        return {
            s.name: {
                "kind": s.kind,
                "summary": s.school_model.summary(),
                "succession": s.school_model.succession(),
                "departures": s.school_model.departures,
                "crises": s.school_model.crises,
                "practice_imported": s.imported,
            }
            for s in self.mine
        }


def system_row(rows: np.ndarray, state: np.ndarray) -> tuple[float, ...]:
    """The system measures of one week (:data:`SYSTEM_COLUMNS`) from every school's numbers, in school order.

    Args:
        rows: per school its :data:`SCHOOL_COLUMNS` of the week.
        state: per school its :data:`STATE_COLUMNS` of the week.
    """
    att = state[:, 0]
    imported = rows[:, SCHOOL_COLUMNS.index("practice_imported")]
    away = rows[:, SCHOOL_COLUMNS.index("teachers_away")]
    return (
        float(att.mean()),
        float(att.std()),
        float(att.max() - att.min()),
        # the sum of what each school took in, so far (summed in school order: the same in a sharded run)
        float(imported.sum()),
        float((imported >= REACHED).mean()),
        float(1.0 - rows[:, SCHOOL_COLUMNS.index("head_presence")].mean()),
        float(away.sum() / max(1.0, state[:, 1].sum())),
    )


def school_frames(names: list[str], frames: list[pd.DataFrame], school_rows: np.ndarray) -> pd.DataFrame:
    """Per school its own frame and its :data:`SCHOOL_COLUMNS`, with a ``school`` column first.

    What a shard can write of its own schools (a part of the system's time series) without the
    other shards: the system measures are the one thing it lacks.

    Args:
        names: the schools, in order.
        frames: each school's own time series (``SchoolModel.timeseries()``), in the same order.
        school_rows: weeks x schools x :data:`SCHOOL_COLUMNS`, schools in the same order.
    """
    out = []
    for k, (name, df) in enumerate(zip(names, frames, strict=True)):
        extra = pd.DataFrame(school_rows[:, k], columns=list(SCHOOL_COLUMNS))
        extra["partnerships"] = extra["partnerships"].astype("int64")
        extra["teachers_away"] = extra["teachers_away"].astype("int64")
        frame = pd.concat([df, extra], axis=1)
        frame.insert(0, "school", name)
        out.append(frame)
    return pd.concat(out, ignore_index=True)


def system_frame(system_rows: np.ndarray) -> pd.DataFrame:
    """The system measures, one row a week (:data:`SYSTEM_COLUMNS`), with the week as ``step``."""
    frame = pd.DataFrame(system_rows, columns=list(SYSTEM_COLUMNS))
    frame.insert(0, "step", np.arange(len(frame), dtype="int64"))
    return frame


def system_timeseries(
    names: list[str], frames: list[pd.DataFrame], school_rows: np.ndarray, system_rows: np.ndarray
) -> pd.DataFrame:
    """The system's time series: per school its own frame, its :data:`SCHOOL_COLUMNS` and the system's measures.

    Args:
        names: the schools, in order.
        frames: each school's own time series (``SchoolModel.timeseries()``), in the same order.
        school_rows: weeks x schools x :data:`SCHOOL_COLUMNS`, schools in the same order.
        system_rows: weeks x :data:`SYSTEM_COLUMNS`.
    """
    return with_system_measures(school_frames(names, frames, school_rows), system_rows)


def with_system_measures(schools: pd.DataFrame, system_rows: np.ndarray) -> pd.DataFrame:
    """:func:`school_frames` of some schools (every week of each) joined with the system measures of each week."""
    system = pd.DataFrame(system_rows, columns=list(SYSTEM_COLUMNS))
    weeks = len(system)
    if len(schools) % weeks:
        raise ValueError(f"{len(schools)} school rows are not whole runs of {weeks} weeks")
    repeated = pd.concat([system] * (len(schools) // weeks), ignore_index=True)
    return pd.concat([schools.reset_index(drop=True), repeated], axis=1)


def system_summary(last: np.ndarray, counts: dict[str, int]) -> dict[str, Any]:
    """``summary()`` of a system: the final system measures and the counts of :meth:`SystemModel.counts`."""
    out: dict[str, Any] = {f"final_{c}": float(v) for c, v in zip(SYSTEM_COLUMNS, last, strict=True)}
    return {**out, **counts}


def _ablest(sm: SchoolModel, taken: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` teachers with most leadership capacity not already away (senior roles first on ties)."""
    staff = sm.staff
    score = staff.capacity + 0.001 * staff.role
    score = np.where(taken, -np.inf, score)
    k = min(k, int((~taken).sum()))
    return np.argsort(-score, kind="stable")[:k]
