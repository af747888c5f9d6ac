"""Leadership as practice: improvement work, who takes it up, and how it goes.

Each week improvement items arise from the school's situation, each in an expertise
domain with a difficulty. The leadership pattern decides only *who gets the opportunity,
time and support* to lead an item:

- ``solo``: the head leads it alone, up to their bandwidth (a bottleneck), and tells every
  teacher to carry it out, involving a share of them (``head.involvement``);
- ``design``: the head forms a team around expertise, protects its time and coaches it, as far
  as the head and senior team can orchestrate teams;
- ``default``: nobody is assigned; a capable, motivated teacher may pick it up with
  colleagues they trust, on their own time (overflow from a busy head lands here too);
- ``desperation``: everyone available piles in (spontaneous collaboration).

How well it goes depends on the people who took it up: their pooled expertise, capacity,
trust, time, effort and the head's support. What follows comes from the outcome and from how
the change was made, never from the pattern's name: one practice stock, of which teachers own
as much as they took part in the change, agreed with its aim and were supported
(:func:`ownership`); collaboration as disciplined as its facilitation, the lead's capacity and
the evidence at hand make it (:func:`facilitated_discipline`); routines left behind; capacity,
ties, trust, cynicism and the school's memory of what failed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from leadsim.sim import departments, routines
from leadsim.sim.arrays import any_of, choose, choose_distinct, clip, clip01, mean
from leadsim.sim.community import AVERAGE_DISADVANTAGE
from leadsim.sim.staff import NONE, Staff, barriers_between, site_of
from leadsim.sim.vocabulary import DOMAINS, Mode

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel

SOLO, DESIGN, DEFAULT, DESPERATION = Mode
HEAD = -1
BEHAVIOUR = DOMAINS.index("behaviour")
INCLUSION = DOMAINS.index("inclusion")
CURRICULUM = DOMAINS.index("curriculum")
#: domains that results crises call for
RESULTS_DOMAINS = np.array([DOMAINS.index("curriculum"), DOMAINS.index("pedagogy"), DOMAINS.index("assessment")])
#: domains that students who are heard put on the agenda (an index array: a list is converted every week)
VOICE_DOMAINS = np.array([BEHAVIOUR, INCLUSION, CURRICULUM])
#: weight of the item's own domain in what it requires; the rest is spread evenly
PRIMARY_WEIGHT = 0.6
#: weights of the terms of competence (sum to 1): pooled expertise, lead's capacity, trust,
#: time, effort, the head's support
W_SKILL, W_LEAD, W_TRUST, W_TIME, W_EFFORT, W_SUPPORT = 0.35, 0.15, 0.15, 0.1, 0.1, 0.15
#: time at which the time term reaches half its value (share of a week)
TIME_HALF = 0.05
#: share of a failed or abandoned head's mandate felt by each teacher (they were not its authors)
MANDATE_SHARE = 0.2
#: an item a teacher is already carrying counts against joining another
MAX_LOAD = 2
#: a mandate reaches every teacher, each carrying it out less deeply than a team member who worked on it
MANDATE_DEPTH = 0.25
#: share of a departed head's backing of running teams that the senior team keeps up
SPONSOR_KEPT = 0.3
#: chance that a teacher who fully trusts colleagues and is not cynical joins all-hands work in a week
#: (the old 0.2 + 0.7 at full trust); below full trust the chance falls in proportion
ALL_HANDS_JOIN = 0.9
#: share of the gap to full engagement students close when work they took part in succeeds
STUDENT_RESULT_LIFT = 0.02
#: competence lost per unit of disadvantage above the average: improvement is harder in challenging
#: circumstances (Harris & Chapman 2002; Muijs et al. 2004)
DISADVANTAGE_DIFFICULTY = 0.2
#: weights of facilitated discipline (sum to 1): the lead's capacity, support and pressure from
#: whoever backs the work, evidence from data routines (Harris & Jones 2012; seeds 000, 001)
D_LEAD, D_SUPPORT, D_EVIDENCE = 0.4, 0.3, 0.3
#: memory an initiative leaves in those who saw it dropped (members 1, everyone else this share)
#: and in the members of a failed item
WITNESS_SHARE = 0.2
FAILURE_MEMORY = 0.5
#: memory a failed mandate leaves in every teacher: one of many initiatives, not their own work
MANDATE_FAILURE_MEMORY = 0.01


@dataclass
class Item:
    """One piece of improvement work in progress."""

    mode: int
    domain: int
    difficulty: float
    start: int
    end: int
    leader: int
    members: np.ndarray
    support: float
    discipline: float
    time: float
    students: bool = False
    parents: bool = False
    imposed: bool = False
    #: the head took it in with no free slot, as a threat-rigid centre does (7.2)
    beyond_room: bool = False
    involved: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    req: np.ndarray = field(default_factory=lambda: np.zeros(len(DOMAINS)))


def requirement(domain: int) -> np.ndarray:
    """What an item needs from each domain: mostly its own, a little of every other."""
    k = len(DOMAINS)
    req = np.full(k, (1.0 - PRIMARY_WEIGHT) / (k - 1))
    req[domain] = PRIMARY_WEIGHT
    return req


REQUIREMENTS = [requirement(d) for d in range(len(DOMAINS))]


def coverage(expertise: np.ndarray, req: np.ndarray) -> float:
    """Pooled expertise of a group for an item: the best member in each domain, weighted by need.

    Members who think alike cover the same domains, so a diverse group of the same size
    covers more: this is where diversity pays, with no bonus written in.
    """
    if expertise.shape[0] == 0:
        return 0.0
    return float(np.maximum.reduce(expertise, axis=0) @ req)  # expertise.max(axis=0) without its wrapper


@functools.lru_cache(maxsize=1024)
def _level_coverage(level: float, req: bytes) -> float:
    """:func:`coverage` of a group at ``level`` in every domain, for the requirement ``req`` (its bytes):
    ``np.full(domains, level) @ req``, kept, since a head's capacity changes once a year (the same product)."""
    return float(np.full(len(DOMAINS), level) @ np.frombuffer(req))


def need_profile(model: SchoolModel) -> np.ndarray:
    """Probabilities of each domain for new items, from the school's situation."""
    staff, pupils = model.staff, model.pupils
    teaching_gap = max(0.0, 1.0 - mean(staff.practice))
    behaviour_gap = max(0.0, 1.0 - mean(pupils.engagement))
    need = np.array([0.5 + teaching_gap, 0.5 + teaching_gap, 0.5 + 2 * behaviour_gap, 0.5 + teaching_gap, 0.6])
    # Students who are heard put their own concerns on the agenda: behaviour, inclusion, the curriculum.
    voice = mean(pupils.voice)
    if voice:  # (adding 0.0 to these positive needs would change none of them)
        need[VOICE_DOMAINS] += voice
    # Middle leaders carry their departments' own agendas up to the head (Busher & Harris 1999).
    need += departments.agenda_need(model)
    crisis = model.crisis
    if crisis is not None:
        if crisis.kind == "behaviour":
            need[BEHAVIOUR] += 4 * crisis.severity
        elif crisis.kind == "results":
            need[RESULTS_DOMAINS] += 2 * crisis.severity
        else:
            need += crisis.severity
    return need / np.add.reduce(need)  # need.sum() without its wrapper


def arise(model: SchoolModel) -> int:
    """Start this week's new items; returns how many arose."""
    cfg = model.scenario.work
    rate = cfg.rate * (cfg.crisis_rate_multiplier if model.crisis is not None else 1.0)
    rng = model.rng
    n = int(rng.poisson(rate))
    if n == 0:
        return 0
    domains = choose(rng, need_profile(model), n)
    modes = choose(rng, model.weights, n)
    difficulty = clip(rng.normal(cfg.difficulty, 0.1, n), 0.05, 0.95)
    for d, m, diff in zip(domains, modes, difficulty, strict=True):
        start_item(model, int(m), int(d), float(diff))
    return n


def start_item(model: SchoolModel, mode: int, domain: int, difficulty: float) -> Item | None:
    """Route one item by its intended mode; returns the started item, or None if nobody took it."""
    head = model.head
    if mode == SOLO:
        if head is not None:
            # With no free slot the head takes it on only while a threat constricts control (7.2):
            # a threat-rigid centre does not weigh its own bandwidth before pulling work in (Staw,
            # Sandelands & Dutton 1981), and pays for it in :func:`attention`.
            beyond = model.head_items >= head_slots(model)
            if not beyond or model.constricted:
                return _beyond_room(model, _mandate(model, domain, difficulty), beyond)
        mode = DEFAULT  # the head is busy or absent: a gap someone may fill
    if mode == DESIGN:
        if design_teams(model) < orchestration_capacity(model):
            return _design_team(model, domain, difficulty)
        mode = DEFAULT  # nobody can orchestrate another team: the work is left to whoever picks it up
    if mode == DESPERATION:
        return _all_hands(model, domain, difficulty)
    return _volunteer(model, domain, difficulty)


def head_bandwidth(model: SchoolModel) -> float:
    """The head's bandwidth this week: ``head.bandwidth`` for the share of the week they are in the
    school (all of it, unless a system of schools takes some of it: partnerships, other schools led)."""
    return model.scenario.head.bandwidth * model.head_presence


def head_slots(model: SchoolModel) -> float:
    """Items the head can lead alone at once: bandwidth over the items' duration, less what orchestrating
    design teams takes (the head's time is one budget). The head is charged only for the teams the
    senior team cannot orchestrate (:func:`senior_teams`): the senior team's share is its own time."""
    cfg = model.scenario
    own_teams = max(0.0, design_teams(model) - senior_teams(model))
    free = head_bandwidth(model) - cfg.orchestration.team_cost * own_teams
    return max(0.0, free) * cfg.work.duration_weeks


def attention(model: SchoolModel) -> float:
    """The share of a slot's leading each of the head's items gets: all of it, unless the head holds
    items taken in with no free slot (the overloaded centre, 7.2); then their slots are spread over
    all they hold. (Slots that shrink under running mandates, as design teams form, do not thin
    them: the head chose to take on the teams, and the mandates ran before.)"""
    if model.beyond_room == 0:
        return 1.0
    return min(1.0, head_slots(model) / model.head_items)


def _beyond_room(model: SchoolModel, item: Item, beyond: bool) -> Item:
    """Mark an item the head took in with no free slot; it thins their attention until it ends."""
    if beyond:
        item.beyond_room = True
        model.beyond_room += 1
    return item


def design_teams(model: SchoolModel) -> int:
    """Design teams running now."""
    return sum(1 for item in model.items if item.mode == DESIGN)


def senior_teams(model: SchoolModel) -> float:
    """How many design teams the senior team can orchestrate at once, by its capacity (Arden, seed 002:
    senior and middle leaders share the orchestration)."""
    staff = model.staff
    return model.scenario.orchestration.senior_share * float(np.add.reduce(staff.capacity[staff.senior_slots()]))


def orchestration_capacity(model: SchoolModel) -> float:
    """How many design teams the head and senior team can form, back and follow up at once.

    The head's share is their bandwidth (less their own mandates) over the cost of a team, scaled
    by their capacity against an experienced head's; the senior team adds teams by its capacity.
    With no head in post only the senior team orchestrates (Day et al. 2009; Harris 2008).
    """
    cfg = model.scenario
    o = cfg.orchestration
    teams = senior_teams(model)
    head = model.head
    if head is not None and o.team_cost > 0:
        own = model.head_items / cfg.work.duration_weeks
        teams += max(0.0, head_bandwidth(model) - own) / o.team_cost * min(1.0, head.capacity / 0.6)
    elif o.team_cost == 0:
        return float("inf")
    return teams


def facilitated_discipline(leader_capacity: float, support: float, evidence: float) -> float:
    """How focused on learners a piece of collaboration is (0-1), from how it is facilitated.

    Disciplined collaboration, not loose cooperation (Harris & Jones 2012; seeds 000 and 001),
    comes from the lead's skill, the support and pressure of whoever backs the work, and the
    evidence to hand (data routines); it is the same rule whoever routed the work.
    """
    x = D_LEAD * leader_capacity + D_SUPPORT * support + D_EVIDENCE * evidence
    # np.clip of one number, without converting it to a NumPy scalar and back (the same value, NaN too)
    return float(min(max(x, 0.0), 1.0))


def ownership(model: SchoolModel, who: np.ndarray, trust_in_aim: np.ndarray, support: float, time: float) -> np.ndarray:
    """Share of a practice change each of ``who`` owns rather than complies with (0-1).

    Ownership follows from how the change was made: taking part in it (only those in ``who``
    did), trust in and agreement with its aim (less for the cynical, whose cynicism the memory of
    initiatives dropped before keeps up, 7.12), the support given and the time to do it properly
    (Fullan 2001; Harris 2008).
    """
    staff = model.staff
    drag = model.scenario.trust.cynicism_drag
    agree = (1.0 - drag * staff.cynicism[who]) * (0.5 + 0.5 * trust_in_aim)
    backing = 0.5 + 0.25 * support + 0.25 * time / (time + TIME_HALF)
    return clip01(agree * backing)


def _evidence(model: SchoolModel) -> float:
    return float(model.routines[routines.DATA])


def _mandate(model: SchoolModel, domain: int, difficulty: float, imposed: bool = False) -> Item:
    """The head leads it; every teacher is told to carry it out, a share of them involved in doing so."""
    head = model.head
    staff, rng = model.staff, model.rng
    share = model.scenario.head.involvement
    involved = (rng.random(staff.n) < share).nonzero()[0]
    return _begin(
        model,
        SOLO,
        domain,
        difficulty,
        HEAD,
        np.empty(0, dtype=np.intp),
        support=head.capacity if head is not None else 0.0,
        discipline=facilitated_discipline(head.capacity if head is not None else 0.0, 0.0, _evidence(model)),
        time=0.1,
        imposed=imposed,
        involved=involved,
    )


def impose_initiative(model: SchoolModel) -> Item | None:
    """A whole-school initiative of an imposed reform programme: it takes every teacher's time for
    its weeks and adds to their fatigue when it lands (Fullan 2001; Hargreaves & Fink 2006)."""
    if model.head is None:
        return None
    domain = int(choose(model.rng, need_profile(model)))
    difficulty = float(clip(model.rng.normal(model.scenario.work.difficulty, 0.1), 0.05, 0.95))
    item = _mandate(model, domain, difficulty, imposed=True)
    item.end = model.week + model.scenario.reform.initiative_weeks
    staff = model.staff
    staff.fatigue += model.scenario.fatigue.initiative * (1.0 - staff.fatigue)
    return item


def _begin(
    model: SchoolModel,
    mode: int,
    domain: int,
    difficulty: float,
    leader: int,
    members: np.ndarray,
    *,
    support: float,
    discipline: float,
    time: float,
    students: bool = False,
    parents: bool = False,
    imposed: bool = False,
    involved: np.ndarray | None = None,
) -> Item:
    duration = model.scenario.work.duration_weeks
    if model.crisis is not None:
        # A crisis demands immediate action (seed 002): whatever takes the work up. Keyed on the
        # crisis, not on the all-hands mode, which a school may also run in calm weeks.
        duration = max(1, duration // 2)
    item = Item(
        mode=mode,
        domain=domain,
        difficulty=difficulty,
        start=model.week,
        end=model.week + duration,
        leader=leader,
        members=members,
        support=support,
        discipline=discipline,
        time=time,
        students=students,
        parents=parents,
        imposed=imposed,
        involved=involved if involved is not None else np.empty(0, dtype=np.intp),
        req=REQUIREMENTS[domain],
    )
    staff = model.staff
    if members.size:  # a mandate has none: its load is the head's
        np.add.at(staff.load, members, 1.0)
        np.add.at(staff.support, members, support)
    if mode == SOLO and not imposed:
        model.head_items += 1
    model.items.append(item)
    return item


def _available(staff: Staff) -> np.ndarray:
    # A teacher already committed beyond their week does not take on more; nor does one working in
    # another school all week (a system of schools), whose week this one's commitments do not show yet.
    free = (staff.load < MAX_LOAD) & (staff.commitment < 1.0)
    if any_of(staff.away):
        free &= staff.away < 1.0
    return free


def _invite_students(model: SchoolModel, domain: int) -> bool:
    """Students join work on what concerns them as far as the council is used."""
    council = float(model.routines[routines.COUNCIL])
    return council > 0 and domain in (BEHAVIOUR, INCLUSION, CURRICULUM) and model.rng.random() < council


def _invite_parents(model: SchoolModel, domain: int) -> bool:
    """Parents are asked into the problems they can help with (behaviour, inclusion), whoever
    leads the work; a behaviour crisis draws them in through the school's own invitation (7.7)."""
    return domain in (BEHAVIOUR, INCLUSION) and model.rng.random() < model.scenario.leadership.parent_involvement


def _design_team(model: SchoolModel, domain: int, difficulty: float) -> Item | None:
    """The head forms a team around expertise, gives it time and backs it.

    When no team can be formed - too few teachers are free, every teacher the head asks to lead it
    declines (``leadership.asks`` of them, best suited first), or too few are willing to join the one
    who accepts - the work is left to whoever picks it up (a default item, or none)."""
    staff, cfg = model.staff, model.scenario
    rng = model.rng
    free = _available(staff)
    if np.count_nonzero(free) < 2:
        return _volunteer(model, domain, difficulty)
    exp = staff.expertise
    # Staff embrace the opportunity as far as they trust the head and are not cynical about it.
    willing = rng.random(staff.n) < willingness(model)
    score = exp[:, domain] * (0.5 + staff.capacity) + 0.1 * (staff.role != NONE) + 0.01 * rng.random(staff.n)
    score[~free] = -np.inf
    # The head asks the teacher best suited to lead it, then the next (``leadership.asks`` in all).
    # Where they are reluctant to engage (after distribution that felt like manipulation, "no point
    # in trying again": Harris 2014, seed 001), they decline, and if all asked do, no team forms.
    leader = _ask_to_lead(score, willing, cfg.leadership.asks)
    if leader < 0:
        return _volunteer(model, domain, difficulty)
    free &= willing
    n_free = np.count_nonzero(free)
    if n_free < 2:
        return _volunteer(model, domain, difficulty)
    team = [leader]
    req = REQUIREMENTS[domain]
    size = min(cfg.leadership.team_size, n_free)
    free = free.copy()
    free[leader] = False
    if cfg.leadership.team_selection == "complementary":
        cover = exp[leader].copy()
        for _ in range(size - 1):
            gain = np.maximum(exp - cover, 0.0) @ req + 0.02 * staff.capacity + 0.001 * rng.random(staff.n)
            gain[~free] = -np.inf
            j = int(gain.argmax())
            team.append(j)
            free[j] = False
            np.maximum(cover, exp[j], out=cover)
    else:  # like-minded: closest expertise profile to the lead's, own department first
        prof = exp[leader] / np.linalg.norm(exp[leader])
        sim = exp @ prof / np.linalg.norm(exp, axis=1) + 0.1 * (staff.department == staff.department[leader])
        sim += 0.001 * rng.random(staff.n)
        sim[~free] = -np.inf
        team.extend(int(j) for j in np.argsort(-sim)[: size - 1])
    head = model.head
    # Without a head in post, the senior team keeps the structures going with less backing.
    support = head.support if head is not None else 0.3 * model.last_support
    time = cfg.leadership.time_for_collaboration * (head.distribution if head is not None else 0.5)
    parents = _invite_parents(model, domain)
    return _begin(
        model,
        DESIGN,
        domain,
        difficulty,
        leader,
        np.array(team, dtype=np.intp),
        support=support,
        discipline=facilitated_discipline(float(staff.capacity[leader]), support, _evidence(model)),
        time=time,
        students=_invite_students(model, domain),
        parents=parents,
    )


def _ask_to_lead(score: np.ndarray, willing: np.ndarray, asks: int) -> int:
    """The first of the ``asks`` best-scored teachers (``-inf``: not available) who is willing, or -1.
    ``score`` is left as it was."""
    score = score.copy()
    for _ in range(asks):
        j = int(score.argmax())
        if score[j] == -np.inf:
            return -1
        if willing[j]:
            return j
        score[j] = -np.inf
    return -1


def willingness(model: SchoolModel) -> np.ndarray:
    """Chance each teacher accepts a place on a team the head forms (Harris 2008: staff must embrace it)."""
    staff = model.staff
    tired = 1.0 - staff.fatigue
    will = (1.0 - model.scenario.trust.cynicism_drag * staff.cynicism) * (0.5 + 0.5 * staff.trust_head) * tired
    return will * post_culture(model)


def gap_propensity(model: SchoolModel) -> np.ndarray:
    """How likely each teacher is to pick up work nobody leads (leadership by default)."""
    staff = model.staff
    drag = model.scenario.trust.cynicism_drag
    spare = staff.spare_time() / max(staff.time_available, 1e-9)
    prop = staff.capacity * staff.motivation * (1.0 - drag * staff.cynicism) * staff.trust_colleagues * spare
    return prop * (1.0 - staff.fatigue) * model.permission * post_culture(model)


def post_culture(model: SchoolModel) -> np.ndarray | float:
    """How far each teacher sees leading as their job (0-1): 1 for a post holder; ``1 − school.hierarchy``
    for a teacher without a post in a culture where leadership "resides in one person" (Harris 2008).
    Exactly 1 (a float, multiplying nothing) where the school has no such culture."""
    h = model.scenario.school.hierarchy
    if h == 0:
        return 1.0
    return 1.0 - h * (model.staff.role == NONE)


def _volunteer(model: SchoolModel, domain: int, difficulty: float) -> Item | None:
    """Maybe a teacher sees the gap and fills it, with one or two colleagues they trust."""
    staff, rng = model.staff, model.rng
    # Only a teacher with room in their week picks it up (a teacher committed beyond it takes on
    # nothing more), as for those they bring in.
    avail = _available(staff)
    prop = gap_propensity(model) * avail
    total = float(prop.sum())
    if total <= 0:
        return None
    p_fill = 1.0 - np.exp(-model.scenario.work.gap_filling * total / staff.n)
    if rng.random() >= p_fill:
        return None
    leader = int(choose(rng, prop / total))
    w = staff.ties[leader] * avail
    w[leader] = 0.0
    team = [leader]
    k = min(2, int(np.count_nonzero(w)))
    if k:
        team.extend(choose_distinct(rng, w / np.add.reduce(w), k).tolist())
    return _begin(
        model,
        DEFAULT,
        domain,
        difficulty,
        leader,
        np.array(team, dtype=np.intp),
        support=0.0,
        discipline=facilitated_discipline(float(staff.capacity[leader]), 0.0, _evidence(model)),
        time=float(staff.spare_time()[leader]),
        students=_invite_students(model, domain),
    )


def _all_hands(model: SchoolModel, domain: int, difficulty: float) -> Item | None:
    """Spontaneous collaboration: whoever trusts enough, can, and is not worn out, joins."""
    staff, rng = model.staff, model.rng
    # No base chance: a teacher who trusts no colleague does not join a crowd of them (Gronn's
    # spontaneous collaboration is among those who trust each other; threat-rigidity elsewhere).
    p = ALL_HANDS_JOIN * staff.trust_colleagues * (1.0 - staff.cynicism) * (1.0 - staff.fatigue) / (1.0 + staff.load)
    if any_of(staff.away):
        p = p * (staff.away < 1.0)  # not there this week: lent to another school for all of it
    members = (rng.random(staff.n) < p).nonzero()[0]
    if members.size < 2:  # no crowd gathers: the work is left to whoever picks it up, as any gap
        return _volunteer(model, domain, difficulty)
    score = staff.capacity[members] + staff.expertise[members, domain]
    leader = int(members[score.argmax()])
    head = model.head
    support = 0.5 * head.support if head is not None else 0.0
    parents = _invite_parents(model, domain)  # as for designed work, not by the way it was taken up
    return _begin(
        model,
        DESPERATION,
        domain,
        difficulty,
        leader,
        members,
        support=support,
        discipline=facilitated_discipline(float(staff.capacity[leader]), support, _evidence(model)),
        # What a crowd has for the work is what its members have spare, as for any other work (7.9).
        time=float(staff.spare_time()[members].mean()),
        students=_invite_students(model, domain),
        parents=parents,
    )


def competence(model: SchoolModel, item: Item) -> float:
    """How well placed the people on an item are to succeed (0-1)."""
    staff = model.staff
    head = model.head
    disadvantage = model.scenario.school.disadvantage - AVERAGE_DISADVANTAGE
    if item.mode == SOLO:
        cap = head.capacity if head is not None else 0.0
        # The head alone covers every domain at one level: the coverage of that one-member group
        # (its best member in each domain is the head) without building it.
        skill = _level_coverage(0.5 + 0.2 * cap, item.req.tobytes())
        # What the head knows is theirs whatever the load; their leading and backing are spread
        # over the items they hold (an overloaded centre: 7.2), as they stand when the week's work
        # is decided (``head_attention``, taken once a week so items ending together are alike).
        lead = cap * model.head_attention if head is not None else 0.0
        trust = mean(staff.trust_head)
        effort = 0.5 + 0.5 * (head.charisma if head is not None else 0.0)
        # Imposed on a tired staff, an initiative is carried out worse.
        effort *= 1.0 - mean(staff.fatigue)
        return (
            W_SKILL * skill
            + W_LEAD * lead
            + W_TRUST * trust
            + W_TIME * item.time / (item.time + TIME_HALF)
            + W_EFFORT * effort
            + W_SUPPORT * lead
            - DISADVANTAGE_DIFFICULTY * disadvantage
        )
    m = item.members
    skill = coverage(staff.expertise[m], item.req)
    k = m.size
    time = item.time
    school = model.scenario.school
    if school.sites > 1 and school.site_distance > 0 and k > 1:
        # A team spread over sites loses part of its time to meeting across them (Harris 2008, distance).
        where = site_of(staff, school.sites)[m]
        apart = float((where[:, None] != where[None, :]).sum()) / (k * (k - 1))
        time = time * (1.0 - school.site_distance * apart)
    pair_ties = staff.ties[m[:, None], m].sum() / (k * (k - 1)) if k > 1 else 0.0  # np.ix_ without its wrapper
    trust = 0.5 * pair_ties + 0.5 * mean(staff.trust_colleagues[m])
    effort = mean(model.effort[m])
    bonus = 0.0
    if item.students:
        bonus += 0.05 * mean(model.pupils.voice[model.pupils.council]) if model.pupils.council.any() else 0.0
    if item.parents and model.families.n:
        bonus += 0.05 * mean(model.families.engagement)
    return (
        W_SKILL * skill
        + W_LEAD * float(staff.capacity[item.leader])
        + W_TRUST * trust
        + W_TIME * time / (time + TIME_HALF)
        + W_EFFORT * effort
        + W_SUPPORT * item.support
        + bonus
        - DISADVANTAGE_DIFFICULTY * disadvantage
    )


def part(model: SchoolModel, item: Item) -> float:
    """Each member's part in a piece of work: whole in a working group, thinner in a crowd.

    A lead can involve four or five people fully; beyond that members coordinate more and each
    does, learns and leads less of the work (Hackman & Vidmar 1970; Steiner 1972). The same rule
    holds for any group, whoever formed it.
    """
    k = item.members.size
    g = model.scenario.work.working_group
    return 1.0 if k <= g else g / k


def parts(model: SchoolModel) -> np.ndarray:
    """Each teacher's summed part in the work running now (0 for someone on no item)."""
    out = np.zeros(model.staff.n)
    for item in model.items:
        if item.members.size:
            out[item.members] += part(model, item)
    return out


def success_chance(model: SchoolModel, item: Item) -> float:
    """Logistic in competence above the item's difficulty."""
    x = model.scenario.work.success_steepness * (competence(model, item) - item.difficulty)
    return float(1.0 / (1.0 + np.exp(-x)))


def _release(model: SchoolModel, item: Item) -> None:
    staff = model.staff
    if item.members.size:
        np.subtract.at(staff.load, item.members, 1.0)
        np.subtract.at(staff.support, item.members, item.support)
    np.maximum(staff.load, 0.0, out=staff.load)
    np.maximum(staff.support, 0.0, out=staff.support)
    if item.mode == SOLO and not item.imposed:
        model.head_items -= 1
        if item.beyond_room:
            model.beyond_room -= 1


def _strengthen_ties(model: SchoolModel, m: np.ndarray, weeks: int, factor: float) -> None:
    """Working together builds ties; across departments less so (egg crate)."""
    if m.size < 2:
        return
    staff = model.staff
    cfg = model.scenario
    rows = m[:, None]  # np.ix_(m, m) without its wrapper: the same block
    block = staff.ties[rows, m]
    dept = staff.department[m]
    cross = dept[:, None] != dept[None, :]
    barrier = cfg.school.egg_crate
    if any_of(staff.whole_school):
        # Two holders of whole-school roles meet on whole-school issues across key stages (Arden).
        ws = staff.whole_school[m]
        barrier = barrier * (1.0 - cfg.roles.bridging * (ws[:, None] & ws[None, :]))
    rate = cfg.network.tie_growth * factor * np.where(cross, 1.0 - barrier, 1.0)
    apart = barriers_between(staff, m, cfg)  # culture and distance, where the school has them
    if apart is not None:
        rate = rate * (1.0 - apart)
    block += (1.0 - block) * (1.0 - (1.0 - rate) ** weeks)
    np.fill_diagonal(block, 0.0)
    staff.ties[rows, m] = block


def adopt(model: SchoolModel, who: np.ndarray | slice, depth: np.ndarray, own: np.ndarray, focus: float) -> None:
    """Those in ``who`` change their practice by ``depth`` of the room left; they own ``own`` of it.

    ``who`` is slots, or ``slice(None)`` for every teacher.
    """
    staff = model.staff
    room = np.maximum(0.0, 1.0 - staff.practice[who])
    gain = model.scenario.practice.gain * focus * depth * room
    staff.practice[who] += gain
    staff.owned[who] += own * gain


def complete(model: SchoolModel, item: Item) -> str:
    """Resolve a finished item; returns 'success', 'failure' or 'overridden'."""
    _release(model, item)
    staff, cfg, rng = model.staff, model.scenario, model.rng
    tr = cfg.trust
    success = rng.random() < success_chance(model, item)
    head = model.head
    focus = 0.4 + 0.6 * item.discipline
    if item.mode == SOLO:
        everyone = slice(None)  # every slot, without indexing by each one
        if success:
            # Everyone is told to carry it out; they follow as far as they trust the head (further for a
            # charismatic one) and are not cynical. Those involved in doing it can own it.
            follow = staff.trust_head * (0.5 + (head.charisma if head is not None else 0.0))
            buy_in = 1.0 - tr.cynicism_drag * staff.cynicism
            own = np.zeros(staff.n)
            inv = item.involved
            if inv.size:
                # an overloaded head backs those doing it as thinly as they lead it
                support = item.support * model.head_attention
                own[inv] = ownership(model, inv, staff.trust_head[inv], support, item.time)
                follow[inv] = np.maximum(follow[inv], 1.0)
            # It reaches the classroom through the departments, which give less to what is off their own
            # agenda unless their middle leader brokers it.
            follow *= departments.uptake(model, item.domain)
            adopt(model, everyone, clip(follow * buy_in, 0.0, 1.5) * MANDATE_DEPTH, own, focus)
            # A routine the head institutes is as strong as the staff's belief in it, across the school.
            routines.create(model, item.domain, mean(own), False)
            # Seeing initiatives work lets the staff let go of a little of what failed before.
            staff.memory *= 1.0 - WITNESS_SHARE * cfg.memory.forget
        else:
            # A failed initiative imposed on everyone still costs everyone a little faith.
            staff.cynicism += MANDATE_SHARE * tr.cynicism_failure * (1.0 - staff.cynicism)
            staff.memory += MANDATE_FAILURE_MEMORY
        return "success" if success else "failure"
    m = item.members
    weeks = item.end - item.start
    share = part(model, item)
    overridden = item.mode == DESIGN and head is not None and rng.random() < (1.0 - head.authenticity)
    if overridden:
        # Delegation dressed up as sharing: the head reverses what the team decided.
        staff.cynicism[m] += tr.cynicism_abandon * (1.0 - staff.cynicism[m])
        staff.trust_head[m] -= tr.betrayal * staff.trust_head[m]
        # Everyone sees it happen, members most.
        staff.trust_head -= 0.2 * tr.betrayal * staff.trust_head
        staff.memory[m] += 1.0
        # Being overruled undermines the self-efficacy that leading had built.
        staff.capacity[m] -= cfg.capacity.override_loss * staff.capacity[m]
        _strengthen_ties(model, m, weeks, 0.5 * share)
        return "overridden"
    if success:
        # Cynical members go through the motions: they adopt less of what the team found.
        buy_in = 1.0 - tr.cynicism_drag * staff.cynicism[m]
        aim = (
            staff.trust_colleagues[m] if item.support <= 0 else 0.5 * (staff.trust_head[m] + staff.trust_colleagues[m])
        )
        own = ownership(model, m, aim, item.support, item.time)
        adopt(model, m, buy_in * share, own, focus)
        staff.trust_colleagues[m] += tr.growth * (1.0 - staff.trust_colleagues[m])
        staff.cynicism[m] -= tr.cynicism_recovery * staff.cynicism[m]
        staff.memory[m] *= 1.0 - cfg.memory.forget
        if head is not None and item.support > 0:
            staff.trust_head[m] += tr.growth * item.support * (1.0 - staff.trust_head[m])
        _strengthen_ties(model, m, weeks, share)
        routines.create(model, item.domain, mean(own), item.students)
        if item.students:
            # Students who see their concerns acted on engage more (student voice with effects).
            model.pupils.engagement += STUDENT_RESULT_LIFT * model.pupils.voice * (1.0 - model.pupils.engagement)
    else:
        # Failing with backing is learning; failing alone breeds cynicism.
        staff.cynicism[m] += tr.cynicism_failure * (1.0 - 0.5 * item.support) * (1.0 - staff.cynicism[m])
        staff.trust_colleagues[m] -= tr.loss * staff.trust_colleagues[m]
        staff.memory[m] += FAILURE_MEMORY * (1.0 - 0.5 * item.support)
        _strengthen_ties(model, m, weeks, 0.5 * share)
    return "success" if success else "failure"


def _abandon(model: SchoolModel, item: Item) -> None:
    """Running work stopped before it finished: those who put effort in grow cynical and remember it."""
    _release(model, item)
    m = item.members if item.mode != SOLO else item.involved
    if m.size:
        cyn = model.staff.cynicism
        cyn[m] += model.scenario.trust.cynicism_abandon * (1.0 - cyn[m])
        model.staff.memory[m] += 1.0


def _staff_sees_work_dropped(model: SchoolModel) -> None:
    cyn = model.staff.cynicism
    cyn += MANDATE_SHARE * model.scenario.trust.cynicism_abandon * (1.0 - cyn)
    model.staff.memory += WITNESS_SHARE


def take_over(model: SchoolModel, item: Item) -> None:
    """The head takes a teacher-led item into their own hands: it goes on as the head's mandate.

    Its members stop leading it and carry it out as told (its ``involved``), so what it leaves is
    compliance unless they come to own it; it fills one of the head's slots until it ends. Being
    relieved of one's work is an override of one's authority over it: the members lose trust in
    the head and some of the self-efficacy leading had built, as when the head reverses a team's
    decision (Daly 2009: threat-rigid responses go with lower trust in the principal and lower
    teacher efficacy). The work goes on, so nobody remembers it as dropped.
    """
    head = model.head
    staff, cfg = model.staff, model.scenario
    m = item.members
    _release(model, item)
    staff.trust_head[m] -= cfg.trust.betrayal * staff.trust_head[m]
    staff.capacity[m] -= cfg.capacity.override_loss * staff.capacity[m]
    item.involved = m
    item.members = np.empty(0, dtype=np.intp)
    item.mode = SOLO
    item.leader = HEAD
    item.support = head.capacity
    item.discipline = facilitated_discipline(head.capacity, 0.0, _evidence(model))
    item.time = 0.1  # a mandate's, as in _mandate
    item.students = item.parents = False  # the head's mandate does not invite them in
    # Judged once the team has become the head's work: a design team taken in no longer counts
    # against the head's slots as a team to orchestrate.
    beyond = model.head_items >= head_slots(model)
    model.head_items += 1
    _beyond_room(model, item, beyond)


def centralise(model: SchoolModel, share: float) -> int:
    """Under threat, a head whose staff do not trust one another pulls running work to the centre.

    Threat-rigidity (Staw, Sandelands & Dutton 1981): a threatened organisation constricts control,
    decisions move up and are taken by fewer people; schools under accountability pressure with low
    trust do the same (Daly 2009). Each teacher-led item is taken over this week with chance
    ``share``, the part of the school's work the threat pulls to the centre (7.2), so running work
    goes the way new work does. It is called only while the threat constricts control, when the
    head takes work in whatever their room: beyond their slots the head's leading is spread thinner
    over all they hold (:func:`attention`). Returns how many were taken over.
    """
    rng = model.rng
    taken = 0
    for item in model.items:
        if item.mode != SOLO and rng.random() < share:
            take_over(model, item)
            taken += 1
    return taken


def abandon_mandates(model: SchoolModel) -> None:
    """A departing head's own initiatives stop with them; the staff sees them dropped (once)."""
    mandates = [i for i in model.items if i.mode == SOLO]
    if not mandates:
        return
    for item in mandates:
        model.items.remove(item)
        _abandon(model, item)
    _staff_sees_work_dropped(model)


def withdraw_sponsor(model: SchoolModel) -> None:
    """The head who backed running teams has gone: their support goes with them (loss of a sponsor)."""
    staff = model.staff
    for item in model.items:
        if item.support > 0 and item.members.size:
            np.subtract.at(staff.support, item.members, item.support)
            item.support *= SPONSOR_KEPT
            np.add.at(staff.support, item.members, item.support)


def abandon_all(model: SchoolModel) -> None:
    """A new head stops everything that was running: members lose most, the whole staff sees it."""
    if not model.items:
        return
    for item in list(model.items):
        model.items.remove(item)
        _abandon(model, item)
    _staff_sees_work_dropped(model)


def drop_members(model: SchoolModel, slots: np.ndarray) -> None:
    """Teachers in ``slots`` leave: they drop out of their items; an item nobody is left on lapses."""
    staff = model.staff
    # np.isin(x, slots) for slot numbers, as a lookup: isin sorts and searches for every item
    leaving = np.zeros(staff.n, dtype=bool)
    leaving[slots] = True
    for item in list(model.items):
        if item.mode == SOLO:
            item.involved = item.involved[~leaving[item.involved]]
            continue
        gone = leaving[item.members]
        if not gone.any():
            continue
        _release(model, item)
        item.members = item.members[~gone]
        if item.members.size == 0:
            model.items.remove(item)
            continue
        if item.leader in slots:
            item.leader = int(item.members[staff.capacity[item.members].argmax()])
        np.add.at(staff.load, item.members, 1.0)
        np.add.at(staff.support, item.members, item.support)
