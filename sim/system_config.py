"""The typed configuration of a system of schools: the schools, their groupings and its story.

A :class:`SystemScenario` describes a local system: its schools (listed, or generated: how many
primaries and secondaries, their sizes, the intake mix), the groupings that tie them - federations,
executive headships, learning networks, school-to-school support - and the events that happen
across it. Each school is run by the single-school model (:class:`leadsim.sim.model.SchoolModel`)
with a :class:`leadsim.sim.config.Scenario` built from its entry here; the cross-school
mechanisms and their parameters (:class:`Boundary`) are the system's own. Every parameter is
declared with :func:`leadsim.sim.config.P` (default, range, unit, meaning, source), so ``docs/ODD.md``
lists them from the code.

References between entries (a school named by a federation, the executive head of a takeover) and
the shape of the groupings (no cycles of leading or support, an executive head leads at least one
school) are checked by :func:`grouping_problems`, which names the field of each problem so the
loader can give its file and line.
"""

from __future__ import annotations

from typing import Any, Literal

from leadsim.sim.config import (
    Head,
    Leadership,
    P,
    Section,
    Successor,
    When,
)
from pydantic import Field, model_validator

__all__ = [
    "Boundary",
    "ExecutiveHead",
    "Federation",
    "Generator",
    "LearningNetwork",
    "SchoolSpec",
    "Support",
    "SystemEvents",
    "SystemScenario",
    "grouping_problems",
]

#: sizes, cohorts and formal roles of the two kinds of school (English primary and secondary)
KINDS = ("primary", "secondary")

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def _name(meaning: str) -> str:
    return Field(..., pattern=NAME, description=meaning)


class SchoolSpec(Section):
    """One school of the system; what is not given comes from its kind's defaults (:class:`Generator`)."""

    name: str = _name("the school's name, used by groupings and events")
    kind: Literal["primary", "secondary"] = P("primary", "primary (Years R-6) or secondary (Years 7-11)")
    teachers: int | None = P(None, "teachers (default: the kind's size)", unit="people", ge=3, le=400)
    students: int | None = P(None, "students on roll (default: the kind's size)", unit="people", ge=10, le=20000)
    intake: float | None = P(
        None,
        "mean engagement of the intake (lower = a more disadvantaged intake; default students.engagement, 0.6)",
        unit="0-1",
        ge=0,
        le=1,
    )
    head: Head = Field(default_factory=Head, description="the head in post at the start")
    leadership: Leadership = Field(default_factory=Leadership, description="how leadership work is taken up")


class Generator(Section):
    """Schools made up from counts: how many primaries and secondaries, their sizes and intake mix."""

    primaries: int = P(0, "primary schools generated (named p001, p002, ...)", unit="schools", ge=0, le=20000)
    secondaries: int = P(0, "secondary schools generated (named s001, s002, ...)", unit="schools", ge=0, le=5000)
    primary_teachers: int = P(
        20, "teachers of a generated primary", unit="people", ge=3, le=400, source="issue 14: 20-teacher primaries"
    )
    primary_students: int = P(
        210,
        "pupils of a generated primary",
        unit="people",
        ge=10,
        le=20000,
        source="chosen so 135 primaries and 15 secondaries have about 40,000 pupils (issue 14); a 10:1 ratio counts "
        "the teaching staff of a small primary generously (England's pupil:teacher ratio is about 20:1)",
    )
    secondary_teachers: int = P(
        60, "teachers of a generated secondary", unit="people", ge=3, le=400, source="the reference school"
    )
    secondary_students: int = P(
        1000, "pupils of a generated secondary", unit="people", ge=10, le=20000, source="the reference school"
    )
    intake_mix: float = P(
        0.1,
        "spread (SD) between schools of their intake's mean engagement around 0.6",
        unit="0-1",
        ge=0,
        le=0.3,
        source="assumption: schools differ in intake; 0.1 puts most between 0.4 and 0.8",
    )
    distributive_share: float = P(
        0.3,
        "share of generated schools whose head distributes by design (the rest lead top-down)",
        unit="share",
        ge=0,
        le=1,
        source="top-down leadership 'still dominates many schools' (Harris 2008); assumption",
    )
    network_size: int = P(
        0,
        "group the generated schools into learning networks of about this many (0: none)",
        unit="schools",
        ge=0,
        le=50,
        source="Primary Strategy Learning Networks of 'approximately six' schools (seed 002)",
    )
    networks_per_school: int = P(
        1,
        "learning networks each generated school joins (each a fresh random grouping; with network_size > 0)",
        unit="networks",
        ge=0,
        le=20,
        source="schools are in 'multiple partnerships and networks' (seed 002); one by default",
    )


class Federation(Section):
    """Schools with a written agreement to raise standards and build capacity between them."""

    name: str = _name("the federation's name")
    schools: list[str] = Field(..., description="member schools (at least two)")


class ExecutiveHead(Section):
    """The head of ``home`` also leads ``schools``; each has a head of school who leads day to day."""

    name: str = _name("the executive headship's name (events refer to it)")
    home: str = Field(..., description="the school whose head is the executive head")
    schools: list[str] = Field(..., description="the other schools the executive head leads (at least one)")


class LearningNetwork(Section):
    """A learning network: teachers and leaders of about six schools meet and exchange practice."""

    name: str = _name("the network's name")
    schools: list[str] = Field(..., description="member schools (at least two)")


class Support(Section):
    """A school-to-school support partnership: leaders of ``supporter`` work in ``supported``."""

    supporter: str = Field(..., description="the school whose leaders give support")
    supported: str = Field(..., description="the school that receives it")
    leaders: int = P(2, "leaders the supporter lends each week", unit="people", ge=1, le=20, source="assumption")


class Boundary(Section):
    """The cross-school mechanisms' parameters (see the ODD, 'System of schools')."""

    partnership_cost: float = P(
        0.05,
        "share of a head's week each partnership takes (meetings, planning, brokering): a federation, a "
        "network, a support partnership on either side",
        unit="share/partnership",
        ge=0,
        le=0.5,
        source="assumption: about two hours of a 40-hour week; 'system overload' as partnerships multiply (seed 002)",
    )
    executive_share: float = P(
        0.3,
        "share of the executive head's week spent in each other school they lead (the rest at home)",
        unit="share/school",
        ge=0,
        le=0.5,
        source="assumption: an executive head of two schools is in the second one to two days a week",
    )
    head_of_school_capacity: float = P(
        0.5,
        "leadership capacity of a head of school appointed under an executive head (a senior leader acting up)",
        unit="0-1",
        ge=0,
        le=1,
        source="between a first-time head (0.45) and an experienced one (0.6); assumption",
    )
    federation_crossers: float = P(
        2.0,
        "teachers per school per week who work in another school of their federation (joint practice "
        "development, shared roles, visits)",
        unit="people/week",
        ge=0,
        le=20,
        source="assumption: a shared role or two per school; staff 'move between schools' (seed 002)",
    )
    network_crossers: float = P(
        0.5,
        "teachers per school per week who take part in a learning-network meeting (one every two weeks)",
        unit="people/week",
        ge=0,
        le=20,
        source="assumption: a network meets about twice a half-term",
    )
    crossing_time: float = P(
        0.2,
        "share of the week a teacher who crosses the boundary spends in the other school (a network meeting, "
        "a visit, joint practice development); the lessons missed are taught by cover",
        unit="share/week",
        ge=0,
        le=1,
        source="a day of a five-day week (network meetings and visits are typically a day or half a day)",
    )
    cover_teaching: float = P(
        0.0,
        "teaching effectiveness of the lessons a teacher working in another school misses (cover): 0 is no "
        "progress that day",
        unit="effectiveness",
        ge=0,
        le=2,
        source="teacher absence lowers achievement: 10 days cost 0.017 SD in maths (Clotfelter, Ladd & Vigdor "
        "2009) to 0.033 SD (Miller, Murnane & Willett 2008); at 0, 10 days cost 10 x 0.2 x learning_rate x "
        "reference_teaching = 0.018 SD, the lower estimate",
    )
    exchange_rate: float = P(
        0.05,
        "weekly share of the gap to the better practice they see that a teacher crossing the boundary "
        "closes (times trust between the schools and their buy-in)",
        unit="1/week",
        ge=0,
        le=1,
        source="as practice.gain for a successful item (0.05): a week of joint practice development",
    )
    federation_trust: float = P(
        0.5,
        "trust between two schools of a federation at the start",
        unit="0-1",
        ge=0,
        le=1,
        source="a written agreement: neutral trust (as teachers.trust_colleagues)",
    )
    network_trust: float = P(
        0.3,
        "trust between two schools of a learning network at the start",
        unit="0-1",
        ge=0,
        le=1,
        source="assumption: schools that compete for pupils start guarded",
    )
    support_trust: float = P(
        0.3,
        "trust of a supported school in its supporter at the start",
        unit="0-1",
        ge=0,
        le=1,
        source="assumption: support often arrives with an accountability label",
    )
    trust_growth: float = P(
        0.02,
        "weekly gain of trust between two schools whose teachers work together (times the crossers' openness)",
        unit="1/week",
        ge=0,
        le=1,
        source="half of trust.growth (0.04) per successful item: contact, not yet shared success",
    )
    trust_decay: float = P(
        0.005,
        "weekly loss of trust between two schools when nobody crosses between them",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption: as network.tie_decay",
    )
    support_coachees: int = P(
        3,
        "teachers of the supported school each lent leader coaches in a week",
        unit="people",
        ge=0,
        le=20,
        source="assumption: a coaching day covers about three colleagues",
    )
    support_rate: float = P(
        0.05,
        "weekly share of the gap to their coach's practice that a coached teacher closes (times trust and buy-in)",
        unit="1/week",
        ge=0,
        le=1,
        source="as exchange_rate",
    )
    support_capacity: float = P(
        0.02,
        "weekly gain of leadership capacity of a coached teacher (times the coach's capacity and room to grow)",
        unit="1/week",
        ge=0,
        le=1,
        source="two thirds of capacity.growth (0.03): coached, not yet leading",
    )


class SystemEvent(When):
    """Base of events in one school."""

    school: str = Field(..., description="the school it happens in")


class SystemDeparture(SystemEvent):
    """The head of a school leaves (its executive head, if the school is an executive head's home)."""

    successor: Successor | None = P(None, "who follows; default: the school's successor")


class SystemCrisis(SystemEvent):
    """A crisis in one school."""

    kind: Literal["results", "behaviour", "inspection"] = P("behaviour", "what kind of crisis")
    duration_weeks: int = P(8, "weeks the crisis lasts", unit="weeks", ge=1, le=104)
    severity: float = P(0.5, "how hard it hits (0-1)", unit="0-1", ge=0, le=1)


class Takeover(SystemEvent):
    """An executive head takes on another (typically struggling) school."""

    executive_head: str = Field(..., description="the executive headship that takes the school on")


class NetworkChange(SystemEvent):
    """A school joins or leaves a learning network."""

    network: str = Field(..., description="the network")
    action: Literal["join", "leave"] = P("join", "join or leave")


class SystemEvents(Section):
    """What happens across the system, and the hazards every school shares."""

    head_departures: list[SystemDeparture] = Field(default_factory=list, description="scheduled head departures")
    crises: list[SystemCrisis] = Field(default_factory=list, description="scheduled crises")
    takeovers: list[Takeover] = Field(default_factory=list, description="an executive head takes on a school")
    network_changes: list[NetworkChange] = Field(default_factory=list, description="schools join or leave networks")
    head_exit_hazard: float = P(
        0.18, "chance per year that a head leaves, in every school", unit="1/year", ge=0, le=1, source="as events.*"
    )
    crisis_hazard: float = P(
        0.05, "chance per year of a random crisis, in every school", unit="1/year", ge=0, le=1, source="as events.*"
    )
    successor: Successor = Field(default_factory=Successor, description="who follows a head who leaves")


class SystemScenario(Section):
    """A system of schools and its story."""

    name: str = P("system", "short name of the scenario")
    description: str = P("", "what the scenario shows, in one line")
    seed: int = P(0, "seed of the system's random generator (each school's is drawn from it)", ge=0, le=2**63 - 1)
    years: float = P(10, "length of the run", unit="years", ge=0.1, le=100)
    weeks_per_year: int = P(39, "school weeks in a year", unit="weeks", ge=4, le=52, source="as school.weeks_per_year")
    generate: Generator = Field(default_factory=Generator, description="schools made up from counts")
    schools: list[SchoolSpec] = Field(default_factory=list, description="schools listed one by one")
    federations: list[Federation] = Field(default_factory=list)
    executive_heads: list[ExecutiveHead] = Field(default_factory=list)
    networks: list[LearningNetwork] = Field(default_factory=list)
    support: list[Support] = Field(default_factory=list)
    boundary: Boundary = Field(default_factory=Boundary)
    events: SystemEvents = Field(default_factory=SystemEvents)

    @property
    def steps(self) -> int:
        """Number of weekly steps in the run."""
        return max(1, round(self.years * self.weeks_per_year))

    @model_validator(mode="after")
    def _some_school(self) -> SystemScenario:
        if not self.schools and self.generate.primaries + self.generate.secondaries == 0:
            raise ValueError("schools: a system needs at least one school (list 'schools' or set 'generate')")
        return self

    def school_names(self) -> list[str]:
        """Every school's name: the listed ones, then the generated ones."""
        g = self.generate
        return (
            [s.name for s in self.schools]
            + [f"p{i + 1:03d}" for i in range(g.primaries)]
            + [f"s{i + 1:03d}" for i in range(g.secondaries)]
        )


Problem = tuple[tuple[str | int, ...], str]


def grouping_problems(s: SystemScenario) -> list[Problem]:
    """Every impossible grouping or reference, as (field path, what is wrong); empty if none.

    Checked: unique school names; every school named by a grouping or event exists; a federation or
    network has two or more schools, each once; a school is in at most one federation; an executive
    head leads one or more schools besides home, no school has two executive heads, and nobody
    leads their own school; a support partnership (supporter, supported) is listed once; no cycle of
    leading and supporting (A leads or supports B, ..., which leads or supports A); federations,
    executive headships and networks each have names of their own;
    events fall inside the run and name existing groupings, and, played in time order, no takeover
    closes a cycle, no school joins a network it is in or leaves one it is not in, and no school has
    two scheduled head departures or two crises within a term (as one school's scenario may not).
    """
    import networkx as nx

    out: list[Problem] = []
    names = s.school_names()
    seen: set[str] = set()
    for i, n in enumerate(names[: len(s.schools)]):
        if n in seen or n in names[len(s.schools) :]:
            out.append((("schools", i, "name"), f"school '{n}' is named twice"))
        seen.add(n)
    known = set(names)

    def unknown(key: tuple, name: str, what: str) -> None:
        out.append((key, f"{what} '{name}' does not exist (schools: {_few(names)})"))

    def members(group: str, i: int, schools: list[str], least: int, noun: str) -> None:
        label = getattr(s, group)[i].name
        if len(schools) < least:
            out.append(((group, i, "schools"), f"{noun} '{label}' needs at least {least} schools (got {len(schools)})"))
        for j, n in enumerate(schools):
            if n not in known:
                unknown((group, i, "schools", j), n, f"{noun} '{label}': school")
            elif schools.index(n) != j:
                out.append(((group, i, "schools", j), f"school '{n}' is listed twice"))

    for group, noun in (
        ("federations", "federation"),
        ("executive_heads", "executive head"),
        ("networks", "learning network"),
    ):
        first: dict[str, int] = {}
        for i, g in enumerate(getattr(s, group)):
            if g.name in first:
                out.append(
                    (
                        (group, i, "name"),
                        f"{noun} '{g.name}' is named twice (also {group}[{first[g.name]}]); names must differ",
                    )
                )
            first.setdefault(g.name, i)
    fed_of: dict[str, str] = {}
    for i, f in enumerate(s.federations):
        members("federations", i, f.schools, 2, "federation")
        for j, n in enumerate(f.schools):
            if n in fed_of and fed_of[n] != f"{f.name}#{i}":
                other = fed_of[n].rpartition("#")[0]
                out.append((("federations", i, "schools", j), f"school '{n}' is already in federation '{other}'"))
            fed_of.setdefault(n, f"{f.name}#{i}")
    for i, g in enumerate(s.networks):
        members("networks", i, g.schools, 2, "learning network")
    led_by: dict[str, str] = {}
    leads = nx.DiGraph()
    for i, e in enumerate(s.executive_heads):
        if e.home not in known:
            unknown(("executive_heads", i, "home"), e.home, "school")
        if not e.schools:
            out.append(
                (("executive_heads", i, "schools"), f"executive head '{e.name}' leads zero schools besides home")
            )
        for j, n in enumerate(e.schools):
            key = ("executive_heads", i, "schools", j)
            if n not in known:
                unknown(key, n, "school")
            elif n == e.home:
                out.append((key, f"executive head '{e.name}' cannot lead their home school '{n}' as another school"))
            elif n in led_by:
                out.append((key, f"school '{n}' already has executive head '{led_by[n]}'"))
            else:
                led_by[n] = e.name
                leads.add_edge(e.home, n, why=f"executive head '{e.name}'")
    listed: dict[tuple[str, str], int] = {}
    for i, p in enumerate(s.support):
        for field in ("supporter", "supported"):
            if getattr(p, field) not in known:
                unknown(("support", i, field), getattr(p, field), "school")
        if p.supporter == p.supported:
            out.append((("support", i, "supported"), f"school '{p.supporter}' cannot support itself"))
        else:
            leads.add_edge(p.supporter, p.supported, why="support")
        # a second entry would lend the leaders twice and charge both heads a second partnership
        pair = (p.supporter, p.supported)
        if pair in listed:
            out.append(
                (
                    ("support", i),
                    f"the support partnership {p.supporter} -> {p.supported} is listed twice (also "
                    f"support[{listed[pair]}]); list it once, with all the leaders it lends",
                )
            )
        listed.setdefault(pair, i)
    if not _cycle(leads, ("executive_heads",), "", out):
        _event_problems(s, known, leads, out)
    return out


def _cycle(leads: Any, key: tuple[str | int, ...], when: str, out: list[Problem]) -> bool:
    """Report a cycle of leading or supporting in ``leads`` (at ``key``, or support's); whether there is one."""
    import networkx as nx

    try:
        cycle = nx.find_cycle(leads)
    except nx.NetworkXNoCycle:
        return False
    path = " -> ".join([cycle[0][0]] + [b for _, b in cycle])
    executive = any("executive" in leads.edges[a, b]["why"] for a, b in cycle)
    out.append((key if executive or when else ("support",), f"{when}a cycle of leading or supporting: {path}"))
    return True


def _event_problems(s: SystemScenario, known: set[str], leads: Any, out: list[Problem]) -> None:
    """Events inside the run, naming what exists; and, played in time order as the model applies them
    (a week's events in the order listed), no takeover closing a cycle of leading or supporting, no
    school joining a network it is in or leaving one it is not in (as the live events refuse them),
    and, as for one school (docs/ODD.md), at most one head departure and one crisis per term in a school."""
    last, wpy = s.steps, s.weeks_per_year
    homes = {e.name: e.home for e in s.executive_heads}
    members = {g.name: set(g.schools) for g in s.networks}
    led = {n for e in s.executive_heads for n in e.schools} | {e.home for e in s.executive_heads}
    timed: list[tuple[int, tuple[str | int, ...], SystemEvent]] = []
    for where in ("head_departures", "crises", "takeovers", "network_changes"):
        for i, ev in enumerate(getattr(s.events, where)):
            key = ("events", where, i)
            if ev.school not in known:
                out.append((key + ("school",), f"school '{ev.school}' does not exist"))
            elif ev.step(wpy) > last:
                out.append((key, f"at week {ev.step(wpy)} is beyond the run ({last} weeks)"))
            elif isinstance(ev, Takeover) and ev.executive_head not in homes:
                out.append((key + ("executive_head",), f"executive head '{ev.executive_head}' does not exist"))
            elif isinstance(ev, NetworkChange) and ev.network not in members:
                out.append((key + ("network",), f"learning network '{ev.network}' does not exist"))
            else:
                timed.append((ev.step(wpy), key, ev))
    term = max(1, wpy // 3)
    for where, noun in (("head_departures", "head departure"), ("crises", "crisis")):
        starts: dict[str, list[tuple[int, tuple[str | int, ...]]]] = {}
        for step, key, ev in timed:
            if key[1] == where:
                starts.setdefault(ev.school, []).append((step, key))
        for school, items in starts.items():
            items.sort()
            for (a, _), (b, key) in zip(items, items[1:], strict=False):
                if b - a < term:
                    out.append(
                        (key, f"a second {noun} in school '{school}' within a term (weeks {a} and {b}; at most one per "
                         f"term, {term} weeks apart at least)")
                    )  # fmt: skip
    for step, key, ev in sorted(timed, key=lambda t: t[0]):
        if isinstance(ev, Takeover):
            if ev.school in led:
                out.append((key + ("school",), f"school '{ev.school}' already has an executive head"))
                continue
            led.add(ev.school)
            leads.add_edge(homes[ev.executive_head], ev.school, why=f"executive head '{ev.executive_head}'")
            if _cycle(leads, key, f"at week {step} the takeover closes ", out):
                return
        elif isinstance(ev, NetworkChange):
            group = members[ev.network]
            if ev.action == "join" and ev.school in group:
                out.append((key, f"at week {step} school '{ev.school}' is already in learning network '{ev.network}'"))
            elif ev.action == "leave" and ev.school not in group:
                out.append((key, f"at week {step} school '{ev.school}' is not in learning network '{ev.network}'"))
            (group.add if ev.action == "join" else group.discard)(ev.school)


def _few(names: list[str], k: int = 6) -> str:
    return ", ".join(names[:k]) + (f", ... ({len(names)} in all)" if len(names) > k else "")
