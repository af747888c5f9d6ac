"""Teaching staff as arrays: expertise, practice, capacity, trust, ties.

One row (slot) per teacher. When a teacher leaves, a novice takes the slot; their Mesa
agent is new, the arrays are reset in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from leadsim.sim.arrays import any_of, clip
from leadsim.sim.config import DOMAINS, Scenario

NONE, MIDDLE, SENIOR = 0, 1, 2
#: years at the school after which a teacher sets the department's norm of practice (before it, they grow into it)
EXPERIENCED_YEARS = 5


@dataclass
class Staff:
    """State of all teachers; arrays are indexed by slot.

    Attributes:
        expertise: (n, domains) expertise per domain, 0-1.
        practice: teaching practice quality, 0-1: one stock, however a change came about.
        owned: how much of ``practice`` the teacher owns (at most ``practice``); the rest erodes
            unless someone presses for it.
        capacity: leadership capacity, 0-1.
        motivation: 0-1.
        trust_head: trust in the head in post, 0-1.
        trust_colleagues: 0-1.
        cynicism: 0-1.
        role: 0 none, 1 middle leader, 2 senior team.
        whole_school: holds a whole-school academic or pastoral role alongside teaching (no formal post).
        department: department index.
        tenure: years at this school.
        ties: (n, n) symmetric collaboration tie strength, 0-1, zero diagonal.
        load: number of improvement items each teacher is working on now.
        support: summed head support of those items (coaching while leading).
        discipline: learner focus of the collaboration each teacher is part of (smoothed).
        fatigue: strain from overload, crisis work and imposed initiatives, 0-1.
        memory: abandoned and failed initiatives the teacher remembers (witnessed or heard of).
        mentor: slot of the teacher's mentor, or -1.
        commitment: share of this week's time committed (teaching first); above 1 is overload.
        away: share of this week spent working in another school (a system of schools); the
            lessons missed are taught by cover.
    """

    expertise: np.ndarray
    practice: np.ndarray
    owned: np.ndarray
    capacity: np.ndarray
    motivation: np.ndarray
    trust_head: np.ndarray
    trust_colleagues: np.ndarray
    cynicism: np.ndarray
    role: np.ndarray
    whole_school: np.ndarray
    department: np.ndarray
    tenure: np.ndarray
    ties: np.ndarray
    load: np.ndarray
    support: np.ndarray
    discipline: np.ndarray
    fatigue: np.ndarray
    memory: np.ndarray
    mentor: np.ndarray
    commitment: np.ndarray
    away: np.ndarray
    time_available: float
    _memo: dict[str, tuple[bytes, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        return self.practice.shape[0]

    def _kept(self, name: str, source: np.ndarray, build: Callable[[], Any]) -> Any:
        """``build()``, kept until ``source`` changes.

        Several arrays derived from slowly changing state (roles, mentors, discipline) are read a
        few times a week; rebuilt each time, they cost more than the week's means. Keyed on the
        source's bytes, so a change made anywhere, in place or by assignment, is seen.
        """
        key = source.tobytes()
        kept = self._memo.get(name)
        if kept is None or kept[0] != key:
            value = build()
            value.flags.writeable = False
            kept = self._memo[name] = (key, value)
        return kept[1]

    def pair_discipline(self) -> np.ndarray:
        """Each pair's mean discipline, the focus two colleagues bring to their talk: (n, n), read-only.

        Practice spread and the influence measure both read it in a week.
        """
        d = self.discipline
        return self._kept("pair_discipline", d, lambda: 0.5 * (d[:, None] + d[None, :]))

    def role_holders(self) -> np.ndarray:
        """Teachers with a formal role (middle leaders and the senior team), read-only."""
        return self._kept("role_holders", self.role, lambda: self.role > 0)

    def role_holder_slots(self) -> np.ndarray:
        """Slots of :meth:`role_holders`, in order, read-only (indexing by them selects what the mask does)."""
        return self._kept("role_holder_slots", self.role, lambda: (self.role > 0).nonzero()[0])

    def senior(self) -> np.ndarray:
        """Members of the senior team, read-only."""
        return self._kept("senior", self.role, lambda: self.role == SENIOR)

    def senior_slots(self) -> np.ndarray:
        """Slots of the senior team's members, in order, read-only."""
        return self._kept("senior_slots", self.role, lambda: (self.role == SENIOR).nonzero()[0])

    def experienced(self) -> np.ndarray:
        """Teachers with at least :data:`EXPERIENCED_YEARS` at the school (the department's norm), read-only."""
        return self._kept("experienced", self.tenure, lambda: self.tenure >= EXPERIENCED_YEARS)

    def early_career(self) -> np.ndarray:
        """Teachers in their first :data:`EXPERIENCED_YEARS` at the school, read-only."""
        return self._kept("early_career", self.tenure, lambda: self.tenure < EXPERIENCED_YEARS)

    def experienced_per_department(self, k: int, floor: float | None = None) -> np.ndarray:
        """How many experienced teachers each of the ``k`` departments has (as floats), read-only.

        Changes at the year end only (a slot keeps its department when its teacher is replaced).
        With ``floor``, counts below it are raised to it (``np.maximum(count, floor)``, kept as well).
        """
        count = self._kept(
            "experienced_per_department",
            self.tenure,
            lambda: np.bincount(self.department, weights=self.experienced().astype(float), minlength=k),
        )
        if floor is None:
            return count
        return self._kept(f"experienced_per_department>={floor}", self.tenure, lambda: np.maximum(count, floor))

    def mentees(self) -> np.ndarray:
        """Novices each teacher mentors now, read-only."""
        m = self.mentor
        return self._kept("mentees", m, lambda: np.bincount(m[m >= 0], minlength=self.n))

    def mentoring_time(self, per_mentee: float) -> np.ndarray:
        """:meth:`mentees` times ``per_mentee`` (share of the week a mentee takes), as floats, read-only."""
        return self._kept(f"mentoring_time:{per_mentee!r}", self.mentor, lambda: per_mentee * self.mentees())

    def mentored(self) -> np.ndarray:
        """Slots of the teachers who have a mentor, read-only."""
        return self._kept("mentored", self.mentor, lambda: (self.mentor >= 0).nonzero()[0])

    def spare_time(self) -> np.ndarray:
        """Share of the week each teacher still has for leadership on their own initiative."""
        spare = self.time_available * (1.0 - 0.5 * self.load)
        if any_of(self.away):  # (with nobody away the factor is exactly 1 and changes no value)
            spare = spare * (1.0 - self.away)
        return np.maximum(0.0, spare)

    def same_department(self) -> np.ndarray:
        return self.department[:, None] == self.department[None, :]


def draw_expertise(rng: np.random.Generator, n: int, diversity: float) -> np.ndarray:
    """Expertise profiles: a broad base plus a specialism.

    ``diversity`` sets how spread specialisms are across the staff: at 0 every teacher
    specialises in the same domain (they think alike), at 1 specialisms are uniform over
    the domains. The total expertise of a teacher does not depend on it, so only the mix
    differs.
    """
    k = len(DOMAINS)
    probs = np.full(k, diversity / k)
    probs[0] += 1.0 - diversity
    spec = rng.choice(k, size=n, p=probs)
    exp = rng.uniform(0.15, 0.35, size=(n, k))
    exp[np.arange(n), spec] = rng.uniform(0.7, 0.9, size=n)
    return exp


def initial_staff(rng: np.random.Generator, cfg: Scenario) -> Staff:
    """The staff at the start of a run, with departments, roles and initial ties."""
    n = cfg.school.teachers
    t = cfg.teachers
    dept = np.arange(n) % cfg.school.departments
    rng.shuffle(dept)
    # Tenure under steady turnover is geometric; its rate is set by the share in their first three years.
    exit_share = 1.0 - (1.0 - min(t.novice_share, 0.999)) ** (1.0 / 3.0)
    tenure = rng.geometric(max(exit_share, 1e-3), size=n).astype(float) - 1.0
    capacity = clip(rng.normal(t.capacity_mean, t.capacity_sd, n), 0.0, 1.0)
    role = np.zeros(n, dtype=np.int8)
    # Formal roles go to those with most capacity (then longest serving): role by position.
    order = np.lexsort((-tenure, -capacity))
    role[order[: t.senior_team]] = SENIOR
    role[order[t.senior_team : t.senior_team + t.middle_leaders]] = MIDDLE
    practice = clip(rng.normal(t.practice_mean, t.practice_sd, n), 0.0, 1.0)
    novices = tenure < 3
    practice[novices] = clip(practice[novices] - 0.5 * (t.practice_mean - t.novice_practice), 0.0, 1.0)
    staff = Staff(
        expertise=draw_expertise(rng, n, cfg.school.expertise_diversity),
        practice=practice,
        owned=practice.copy(),
        capacity=capacity,
        motivation=clip(rng.normal(t.motivation_mean, 0.1, n), 0.0, 1.0),
        trust_head=clip(rng.normal(t.trust_head, 0.1, n), 0.0, 1.0),
        trust_colleagues=clip(rng.normal(t.trust_colleagues, 0.1, n), 0.0, 1.0),
        cynicism=clip(rng.normal(t.cynicism, 0.05, n), 0.0, 1.0),
        role=role,
        whole_school=np.zeros(n, dtype=bool),
        department=dept,
        tenure=tenure,
        ties=np.zeros((n, n)),
        load=np.zeros(n),
        support=np.zeros(n),
        discipline=np.zeros(n),
        fatigue=np.zeros(n),
        memory=np.zeros(n),
        mentor=np.full(n, -1, dtype=np.intp),
        commitment=np.zeros(n),
        away=np.zeros(n),
        time_available=t.time_available,
    )
    staff.ties = initial_ties(rng, staff, cfg)
    fill_roles(staff, Posts.of(cfg))
    # Post holders have led their departments and year groups every week of their years at the
    # school (capacity.everyday_leadership, ODD 7.6): they start with the capacity that leading grew
    # from their draw, so that a run does not open with its post holders growing into the job.
    post = staff.role > NONE
    weekly = cfg.capacity.growth * cfg.capacity.everyday_leadership
    weeks = cfg.school.weeks_per_year * tenure[post]
    staff.capacity[post] = 1.0 - (1.0 - staff.capacity[post]) * (1.0 - weekly) ** weeks
    return staff


def initial_ties(rng: np.random.Generator, staff: Staff, cfg: Scenario) -> np.ndarray:
    """A random collaboration network, dense within departments, sparse across (egg crate)."""
    n = staff.n
    t = cfg.teachers
    same = staff.same_department()
    p = np.where(same, t.within_department_ties, t.across_department_ties * (1.0 - cfg.school.egg_crate))
    # The culture and distance barriers keep apart from the start whom they keep apart later.
    apart = barriers_between(staff, np.arange(n), cfg)
    if apart is not None:
        p = p * (1.0 - apart)
    draw = rng.random((n, n)) < p
    strength = rng.uniform(0.2, 0.6, (n, n))
    ties = np.triu(np.where(draw, strength, 0.0), 1)
    return ties + ties.T


def site_of(staff: Staff, n_sites: int) -> np.ndarray:
    """The site each teacher works on: departments are housed on sites in turn (department mod sites)."""
    return staff.department % n_sites


def barriers_between(staff: Staff, m: np.ndarray, cfg: Scenario) -> np.ndarray | None:
    """The culture and distance barriers between each pair of ``m``: the share of tie growth they
    take, (len(m), len(m)); None where there are none (the structure barrier is the egg crate).

    Culture: a pair of a post holder and a teacher without a post, in a school whose culture keeps
    leadership with the posts (``school.hierarchy``). Distance: a pair on different sites
    (``school.site_distance``). They combine as independent obstacles: ``1 - (1 - h)(1 - d)``.

    Args:
        staff: the teachers.
        m: the slots of the teachers concerned.
        cfg: the scenario (``school.hierarchy``, ``school.sites``, ``school.site_distance``).

    Returns:
        The pairwise barriers, or None when the school has neither.
    """
    s = cfg.school
    out = None
    if s.hierarchy > 0:
        post = staff.role[m] > 0
        out = s.hierarchy * (post[:, None] != post[None, :])
    if s.sites > 1 and s.site_distance > 0:
        where = site_of(staff, s.sites)[m]
        far = s.site_distance * (where[:, None] != where[None, :])
        out = far if out is None else 1.0 - (1.0 - out) * (1.0 - far)
    return out


def replace_with_novice(rng: np.random.Generator, staff: Staff, slots: np.ndarray, cfg: Scenario) -> None:
    """Reset ``slots`` to newly qualified teachers: low practice and capacity, few ties."""
    if slots.size == 0:
        return
    t = cfg.teachers
    k = slots.size
    staff.expertise[slots] = draw_expertise(rng, k, cfg.school.expertise_diversity)
    staff.practice[slots] = clip(rng.normal(t.novice_practice, t.practice_sd / 2, k), 0.0, 1.0)
    staff.owned[slots] = staff.practice[slots]
    staff.fatigue[slots] = 0.0
    staff.memory[slots] = 0.0
    staff.mentor[slots] = -1
    staff.mentor[np.isin(staff.mentor, slots)] = -1
    staff.commitment[slots] = 0.0
    staff.away[slots] = 0.0
    staff.capacity[slots] = clip(rng.normal(t.novice_capacity, 0.02, k), 0.0, 1.0)
    staff.motivation[slots] = clip(rng.normal(t.motivation_mean + 0.1, 0.1, k), 0.0, 1.0)
    staff.trust_head[slots] = t.trust_head
    staff.trust_colleagues[slots] = t.trust_colleagues
    staff.cynicism[slots] = t.cynicism / 2
    staff.role[slots] = NONE
    staff.whole_school[slots] = False
    staff.tenure[slots] = 0.0
    staff.load[slots] = 0.0
    staff.support[slots] = 0.0
    staff.discipline[slots] = 0.0
    staff.ties[slots, :] = 0.0
    staff.ties[:, slots] = 0.0
    # A new colleague is introduced to their department: a few weak ties.
    same = staff.department[slots][:, None] == staff.department[None, :]
    draw = (rng.random((k, staff.n)) < t.within_department_ties) & same
    new = np.where(draw, rng.uniform(0.2, 0.4, (k, staff.n)), 0.0)
    new[np.arange(k), slots] = 0.0
    staff.ties[slots, :] = np.maximum(staff.ties[slots, :], new)
    staff.ties[:, slots] = np.maximum(staff.ties[:, slots], new.T)


@dataclass
class Posts:
    """The school's leadership posts as the head has set them up (the head can restructure them).

    Attributes:
        senior: members of the senior team.
        middle: middle leaders.
        whole_school: share of teachers without a formal post who hold a whole-school role.
    """

    senior: int
    middle: int
    whole_school: float

    @classmethod
    def of(cls, cfg: Scenario) -> Posts:
        """The posts a scenario starts with."""
        return cls(cfg.teachers.senior_team, cfg.teachers.middle_leaders, cfg.roles.whole_school)


def fill_roles(staff: Staff, posts: Posts) -> None:
    """Bring the roles held to ``posts``: vacant posts go to the most capable teachers without one
    (promotion by position); posts cut go from the least capable holders.

    No random draw: who is appointed follows from capacity and tenure, so a run's stream does not
    depend on the structure.
    """
    merit = staff.capacity + 0.01 * staff.tenure
    for role, wanted in ((SENIOR, posts.senior), (MIDDLE, posts.middle)):
        holders = np.flatnonzero(staff.role == role)
        if holders.size > wanted:
            cut = holders[np.argsort(merit[holders], kind="stable")[: holders.size - wanted]]
            staff.role[cut] = NONE
            continue
        missing = wanted - holders.size
        if missing <= 0:
            continue
        # Senior posts go to middle leaders first (the ablest of them), then to the rest; middle
        # posts to teachers without a post.
        rest = np.flatnonzero(staff.role == NONE)
        ranked = rest[np.argsort(-merit[rest], kind="stable")]
        if role == SENIOR:
            middle = np.flatnonzero(staff.role == MIDDLE)
            ranked = np.concatenate([middle[np.argsort(-merit[middle], kind="stable")], ranked])
        staff.role[ranked[:missing]] = role
    # A formal post replaces a whole-school role; the rest are brought to the share the head set.
    staff.whole_school &= staff.role == NONE
    free = np.flatnonzero(staff.role == NONE)
    wanted = round(posts.whole_school * free.size)
    holders = free[staff.whole_school[free]]
    if holders.size > wanted:
        cut = holders[np.argsort(merit[holders], kind="stable")[: holders.size - wanted]]
        staff.whole_school[cut] = False
    elif holders.size < wanted:
        cand = free[~staff.whole_school[free]]
        staff.whole_school[cand[np.argsort(-merit[cand], kind="stable")[: wanted - holders.size]]] = True
