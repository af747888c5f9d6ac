"""The school: one head, teachers, students and parents, one step per school week."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd
from leadsim.sim import routines, work
from leadsim.sim.agents import Head, Parent, Student, Teacher, new_people, replace_people
from leadsim.sim.arrays import any_of, clip, clip01, count_nonzero, mean
from leadsim.sim.community import (
    elect_council,
    initial_families,
    initial_pupils,
    new_families,
    new_intake,
    settle_attainment,
    update_parents,
    update_students,
)
from leadsim.sim.config import Crisis, Departure, Pattern, PatternChange, Scenario, Successor
from leadsim.sim.config import Head as HeadSection
from leadsim.sim.conventions import LeadsimModel
from leadsim.sim.heads import (
    EXPERIENCED_CAPACITY,
    NOVICE_CAPACITY,
    deputy,
    first_head,
    keep_chance,
    successor_head,
    trust_in_successor,
)
from leadsim.sim.mentoring import assign_mentors, mentoring_lift, mentoring_time
from leadsim.sim.metrics import COLUMNS, Measures, succession_measures
from leadsim.sim.staff import Posts, Staff, fill_roles, initial_staff, replace_with_novice

#: a crisis opens leadership up fully where staff trust each other at least this much (trust in
#: colleagues times one minus cynicism); below it, threat-rigidity centralises (Staw et al. 1981)
TRUST_TO_OPEN = 0.5


def crisis_opening(trust: float, rigidity: float) -> float:
    """Share of a crisis's pull on leadership that goes to all-hands work rather than to the centre.

    Args:
        trust: the staff's mean trust in colleagues times one minus cynicism.
        rigidity: ``threat.rigidity`` (0: every school opens up; 1: a school with no trust only
            centralises).
    """
    return 1.0 - rigidity * (1.0 - min(1.0, trust / TRUST_TO_OPEN))


def head_lifts(cfg: Scenario, charisma: float, capacity: float) -> tuple[float, float]:
    """A head's lifts to teachers' everyday effort (7.5): personal (charisma) and from knowing the job
    (capacity against an experienced head's)."""
    p = cfg.practice
    return p.charisma_effect * charisma, p.head_capacity_effect * (capacity - EXPERIENCED_CAPACITY)


def capability_near(staff: Staff) -> np.ndarray:
    """The leadership capability around each teacher: the mean capacity of their department,
    themselves and its middle leader included (0-1)."""
    k = int(staff.department.max()) + 1
    total = np.bincount(staff.department, weights=staff.capacity, minlength=k)
    count = np.bincount(staff.department, minlength=k)
    return (total / np.maximum(count, 1))[staff.department]


def cynicism_floor(memory: np.ndarray, cfg: Scenario) -> np.ndarray:
    """The level cynicism relaxes to, set by the initiatives a teacher remembers failing or dropped:
    every one raises it, without limit short of 1 (Harris 2008)."""
    base = 0.5 * cfg.teachers.cynicism
    return base + (1.0 - base) * (1.0 - np.exp(-memory / cfg.memory.scale))


def memory_behind(cynicism: np.ndarray, cfg: Scenario) -> np.ndarray:
    """The memory that holds a starting cynicism where it is (the inverse of :func:`cynicism_floor`):
    a school's staff arrive at the run with a past."""
    base = 0.5 * cfg.teachers.cynicism
    above = clip((cynicism - base) / max(1.0 - base, 1e-9), 0.0, 0.95)
    return -cfg.memory.scale * np.log1p(-above)


#: ndarray.sum without its Python-level wrapper (the same reduction)
_sum = np.add.reduce
#: a school re-inspected at most once a school year
INSPECTION_GAP_YEARS = 1
#: the DataCollector table of weekly measures (one row a step, the columns of ``metrics.COLUMNS``)
WEEKLY_TABLE = "weekly"


class SchoolModel(LeadsimModel):
    """A simulated school under a mix of leadership patterns.

    Args:
        scenario: the school and its story; defaults to an ordinary school.
        rng: seed or generator; defaults to ``scenario.seed``. Every random draw of the run,
            the initial networks included, comes from this generator.

    Example:
        >>> from sim import SchoolModel, Scenario
        >>> model = SchoolModel(Scenario(years=1), rng=42)
        >>> model.run()
        >>> df = model.timeseries()
    """

    def __init__(self, scenario: Scenario | None = None, *, rng: Any = None) -> None:
        cfg = scenario if scenario is not None else Scenario()
        super().__init__(rng=cfg.seed if rng is None else rng)
        self._leadsim_scenario = cfg
        self.routines = np.zeros(len(routines.ROUTINES))
        wpy = cfg.school.weeks_per_year
        self.staff = initial_staff(self.rng, cfg)
        self.pupils = initial_pupils(self.rng, cfg)
        self.families = initial_families(self.rng, cfg)
        self.head = first_head(self)
        self.teacher_agents = new_people(self, Teacher, range(self.staff.n))
        self._same_department = self.staff.same_department()
        self._everyday: tuple[float, np.ndarray] | None = None
        self.student_agents = new_people(self, Student, range(self.pupils.n))
        self.parent_agents = new_people(self, Parent, range(self.families.n))

        self.pattern: Pattern = cfg.leadership.pattern
        #: the leadership posts as the head has set them up now
        self.posts = Posts.of(cfg)
        self._schedule = {c.step(wpy): c for c in cfg.leadership.schedule}
        self._departures: dict[int, Departure] = {d.step(wpy): d for d in cfg.events.head_departures}
        self._crises: dict[int, Crisis] = {c.step(wpy): c for c in cfg.events.crises}
        self._head_hazard = 1.0 - (1.0 - cfg.events.head_exit_hazard) ** (1.0 / wpy)
        self._crisis_hazard = 1.0 - (1.0 - cfg.events.crisis_hazard) ** (1.0 / wpy)
        self.crisis: Crisis | None = None
        self.crisis_end = 0
        self.crises: list[dict] = []
        self._pending_requests: list[tuple[str, dict]] = []
        self._crisis_shock = 0.0

        self.items: list[work.Item] = []
        self.head_items = 0
        #: of them, items the head took in with no free slot (7.2), and the share of a slot's
        #: leading each of the head's items gets this week (``work.attention``)
        self.beyond_room = 0
        self.head_attention = 1.0
        self.departures: list[dict] = []
        #: the lift to effort that heads who have left set, as far as it is still held (7.5); it
        #: only ever acts above the lift of the head in post
        self.held_expectations = 0.0
        self.teacher_exits: list[dict] = []
        self.pending_successor = None
        self.previous_head: dict | None = None
        self.last_support = 0.0
        self.routines = routines.initial_routines(self)
        self.staff.memory = memory_behind(self.staff.cynicism, cfg)
        # Trust in the head who left, held for a year: loyalty that raises intention to leave.
        self.loyalty = np.zeros(self.staff.n)
        self.overload = np.zeros(self.staff.n)
        #: teaching effectiveness of cover lessons, set with the first teacher lent to another school
        self.cover_teaching = 0.0
        #: share of the week the head is in this school (a system of schools sets it each week)
        self.head_presence = 1.0
        # How much of the planned design the head can run yet: built as trust grows (Day et al. 2009).
        self.readiness = float(clip(mean(self.staff.trust_head) / 0.6, 0.0, 1.0))
        self.value_added = 0.0  # mean learning_gain over the last school year
        self._recent_gain = np.zeros(wpy)
        self._last_inspection = -(10**9)
        assign_mentors(self)

        self.weights = np.array(self.pattern.weights())
        self.permission = 1.0
        self.pressure = 0.0
        #: a threat constricts control this week (7.2): the head takes work in beyond their room
        self.constricted = False
        self.learning_gain = 0.0  # the school's value added this week, in SD per school year
        self.effort = np.zeros(self.staff.n)
        self.teaching = np.zeros(self.staff.n)
        self._parts: np.ndarray | None = None
        self._commit_time()
        self._update_effort_and_teaching()
        head_years = self.head.tenure if self.head is not None else 0.0
        settle_attainment(self.pupils, self.teaching, cfg, head_years, self._lift_over_ordinary())
        self._frozen = self.teaching.copy() if cfg.practice.freeze_teaching else None

        self.measures = Measures(self.staff.n)
        self.current: dict[str, float] = {}
        # One table row a week: the measures come as one dict, so a reporter per column (called and
        # deep-copied one by one) would only add cost.
        self.datacollector = mesa.DataCollector(tables={WEEKLY_TABLE: list(COLUMNS)})
        # The table's own column lists, appended to directly: add_table_row checks every column of
        # every row for a table whose columns are fixed here.
        table = self.datacollector.tables[WEEKLY_TABLE]
        self._weekly_columns = [(c, table[c]) for c in COLUMNS]
        self._observe()

    def _lift_over_ordinary(self) -> float:
        """This week's lift to teaching from the head in post over an ordinary head's (the defaults of
        the ``head`` section), for the years before they came (:func:`settle_attainment`)."""
        cfg = self.scenario
        ordinary = HeadSection()
        usual = sum(head_lifts(cfg, ordinary.charisma, ordinary.capacity))
        return cfg.practice.effort_weight * (self.charisma_lift + self.head_lift - usual)

    # --- properties the mechanisms read ------------------------------------------------------

    @property
    def council_exists(self) -> bool:
        return self.scenario.school.student_council

    @property
    def council_open(self) -> bool:
        """Students are taking part in improvement work now."""
        return any(item.students for item in self.items)

    # --- interventions (the trainers' page calls these mid-run) ----------------------------------

    def head_leaves_now(self, successor: dict | None = None) -> None:
        """The head in post leaves at the start of the next step.

        Args:
            successor: fields of :class:`leadsim.sim.config.Successor`; default the scenario's successor.
        """
        self._pending_requests.append(("depart", successor or {}))

    def crisis_now(self, kind: str = "behaviour", severity: float = 0.5, duration_weeks: int = 8) -> None:
        """A crisis starts at the next step."""
        self._pending_requests.append(
            ("crisis", {"kind": kind, "severity": severity, "duration_weeks": duration_weeks})
        )

    def switch_pattern_now(self, **weights: float) -> None:
        """The school runs this pattern mix from the next step (weights of solo/design/default/desperation)."""
        self._pending_requests.append(("pattern", weights))

    # --- a school among schools (leadsim.sim.system calls these between weeks) --------------------

    def commit_time(self, slots: np.ndarray, share: float, cover: float) -> list[int]:
        """Teachers in ``slots`` spend ``share`` of this week working in another school.

        Their lessons in that time are taught by cover at teaching effectiveness ``cover``, and
        what else they have on this week must fit into the rest of it (:meth:`_commit_time`,
        :meth:`_update_effort_and_teaching`).

        Returns:
            The teachers' Mesa ids, for :meth:`release_time` (a slot may change hands at year end).
        """
        self.staff.away[slots] += share
        self.cover_teaching = cover
        return [self.teacher_agents[int(s)].unique_id for s in slots]

    def release_time(self, slots: np.ndarray, share: float, ids: list[int]) -> None:
        """The same teachers are back for next week (a novice who took a slot was never away)."""
        same = [self.teacher_agents[int(s)].unique_id == i for s, i in zip(slots, ids, strict=True)]
        if all(same):  # the usual case: every slot in the same hands, so all of them, without a mask
            back = slots
        elif any(same):
            back = slots[np.array(same)]
        else:
            back = None
        if back is not None:
            self.staff.away[back] = np.maximum(self.staff.away[back] - share, 0.0)

    def adopt_practice(self, slots: np.ndarray, level: np.ndarray, rate: float) -> float:
        """Teachers in ``slots`` close ``rate`` of the gap to practice ``level`` seen elsewhere, as far as they buy in.

        The gain goes into the one practice stock (owned practice), which then spreads along the
        school's own ties. Cynical teachers go through the motions and adopt less (as for a team's success).

        Returns:
            The practice gained, summed over the teachers.
        """
        staff = self.staff
        buy_in = 1.0 - self.scenario.trust.cynicism_drag * staff.cynicism[slots]
        gain = rate * buy_in * np.maximum(np.asarray(level) - staff.practice[slots], 0.0)
        staff.practice[slots] = np.minimum(staff.practice[slots] + gain, 1.0)
        # Owned, as practice spread along ties is: they worked on it with colleagues and took it up.
        staff.owned[slots] = np.minimum(staff.owned[slots] + gain, staff.practice[slots])
        return float(gain.sum())

    def grow_capacity(self, slots: np.ndarray, rate: float) -> None:
        """Teachers in ``slots`` are coached in leading: capacity closes ``rate`` of its room to grow."""
        cap = self.staff.capacity
        cap[slots] += rate * (1.0 - cap[slots])

    # --- the week ---------------------------------------------------------------------------------

    def step(self) -> None:
        """One school week (Mesa has already advanced ``steps``); ``running`` turns False at the end."""
        self._events()
        self._set_weights()
        self._do_work()
        self._commit_time()
        self._update_practice()
        self._update_effort_and_teaching()
        self._update_climate()
        self._update_community()
        if self.week % self.scenario.school.weeks_per_year == 0:
            self._year_end()
        self._observe()
        self.running = self.steps < self.scenario.steps

    def run(self, steps: int | None = None) -> None:
        """Run the whole scenario (or ``steps`` more weeks)."""
        for _ in range(self.scenario.steps - self.week if steps is None else steps):
            self.step()

    def _events(self) -> None:
        cfg, rng, w = self.scenario, self.rng, self.week
        for kind, args in self._pending_requests:
            if kind == "depart":
                succ = Successor.model_validate({**cfg.events.successor.model_dump(), **args})
                self.depart_head(succ, "requested")
            elif kind == "crisis":
                self._start_crisis(Crisis(week=w, **args))
            elif kind == "pattern":
                self.pattern = Pattern(**{"solo": 0.0, **args})
        self._pending_requests.clear()
        if w in self._schedule:
            self._restructure(self._schedule[w])
        if self.pending_successor is not None and w >= self.pending_successor[2]:
            self.install_successor()
        draw = rng.random()  # drawn every week so the stream does not depend on who is in post
        if w in self._departures:
            dep = self._departures[w]
            self.depart_head(dep.successor or cfg.events.successor, "scheduled")
        elif self.head is not None and draw < self._head_hazard:
            self.depart_head(cfg.events.successor, "random")
        if self.crisis is not None and w >= self.crisis_end:
            self.crisis = None
        draw = rng.random()
        if w in self._crises:
            self._start_crisis(self._crises[w])
        elif self.crisis is None and draw < self._crisis_hazard:
            kind = ("results", "behaviour", "inspection")[int(rng.integers(3))]
            self._start_crisis(Crisis(week=w, kind=kind, severity=float(rng.uniform(0.3, 0.8))))
        elif self.crisis is None and self._inspection_due():
            # Sustained low value added brings the inspectors: a crisis of the school's own results.
            self._last_inspection = w
            self._start_crisis(Crisis(week=w, kind="inspection", severity=0.5))
        pace = cfg.reform.pace
        if pace > 0 and rng.random() < min(1.0, pace / 13.0):
            work.impose_initiative(self)

    def _inspection_due(self) -> bool:
        wpy = self.scenario.school.weeks_per_year
        return (
            self.week >= wpy
            and self.week - self._last_inspection >= INSPECTION_GAP_YEARS * wpy
            and self.value_added < self.scenario.threat.inspection_trigger
        )

    def _start_crisis(self, crisis: Crisis) -> None:
        self.crisis = crisis
        self.crisis_end = self.week + crisis.duration_weeks
        self.crises.append({"week": self.week, "kind": crisis.kind, "severity": crisis.severity})
        if crisis.kind == "behaviour":
            self.pupils.engagement *= 1.0 - 0.3 * crisis.severity
        self._crisis_shock = 0.2 * crisis.severity

    def _set_weights(self) -> None:
        """The pattern mix in effect this week: the plan, a crisis's pull, the head's reversion."""
        w = np.array(self.pattern.weights())
        crisis = self.crisis
        self.pressure = crisis.severity if crisis is not None else 0.0
        self.constricted = False
        head = self.head
        if self.scenario.leadership.pattern.design > 0 or w[work.DESIGN] > 0:
            target = float(clip(mean(self.staff.trust_head) / 0.6, 0.0, 1.0)) if head is not None else 0.0
            self.readiness += self.scenario.orchestration.phase_rate * (target - self.readiness)
        if w[work.DESIGN] > 0:
            # What the staff are not ready to take on yet the head still leads (or nobody does).
            held = w[work.DESIGN] * (1.0 - self.readiness)
            w[work.DESIGN] -= held
            w[work.SOLO if head is not None else work.DEFAULT] += held
        if crisis is not None:
            s = self.scenario.work.crisis_pull * crisis.severity
            staff = self.staff
            trust = mean(staff.trust_colleagues * (1.0 - staff.cynicism))
            # Threat-rigidity: where staff trust each other a crisis opens leadership up; where they
            # do not, control is pulled to the centre (Staw, Sandelands & Dutton 1981; Daly 2009).
            opens = crisis_opening(trust, self.scenario.threat.rigidity)
            w = (1.0 - s) * w
            w[work.DESPERATION] += s * opens
            w[work.SOLO if head is not None else work.DEFAULT] += s * (1.0 - opens)
            # A threatened head whose staff do not trust each other takes work in beyond their room.
            self.constricted = head is not None and opens < 1.0
            if self.constricted and self.items:
                # Running work goes the way new work does: a rigid head takes it back (7.2).
                work.centralise(self, s * (1.0 - opens))
        if head is not None and self.pressure > 0:
            r = head.control_reversion * self.pressure
            w = (1.0 - r) * w
            w[work.SOLO] += r
        self.weights = w
        # How free teachers feel to act without asking: a controlling head narrows it.
        self.permission = 1.0 - 0.7 * w[work.SOLO] * (1.0 - head.distribution) if head is not None else 1.0

    def _do_work(self) -> None:
        self.head_attention = work.attention(self)
        due = [i for i in self.items if i.end <= self.week]
        for item in due:
            self.items.remove(item)
            outcome = work.complete(self, item)
            if outcome == "success":
                self.measures.succeeded += 1
            else:
                self.measures.failed += 1
        work.arise(self)

    def _commit_time(self) -> None:
        """Each teacher's week: teaching and preparation first, then items, routines, mentoring, initiatives.

        Teams formed by design draw protected time from the school's budget (and from team time
        once it is a routine) instead of adding hours; what exceeds the week is overload.
        """
        staff, cfg = self.staff, self.scenario
        t = cfg.time
        teaching = 1.0 - staff.time_available
        items = t.item_time * staff.load
        # Protected time: asked for by design teams, given from what the school funds.
        designed = None
        initiatives = 0
        for item in self.items:
            if item.mode == work.DESIGN:
                if designed is None:
                    designed = np.zeros(staff.n)
                designed[item.members] += 1.0
            elif item.imposed:
                initiatives += 1
        committed = teaching + items
        if designed is not None:
            supply = t.protected_budget * staff.n * (1.0 + float(self.routines[routines.TEAM_TIME]))
            demand = t.item_time * float(designed.sum())
            committed = committed - t.item_time * designed * (min(1.0, supply / demand) if demand > 0 else 0.0)
        # (without design teams nothing is protected: taking off zeros would change no value)
        staff.commitment = committed + routines.weekly_time(self) + mentoring_time(self) + t.item_time * initiatives
        if any_of(staff.whole_school):
            staff.commitment += cfg.roles.time * staff.whole_school
        if any_of(staff.away):
            # A day in another school takes that day's lessons (taught by cover) and that day's
            # free time: what else the teacher has on must fit into the rest of the week.
            staff.commitment += staff.away * staff.time_available
        self.overload = np.maximum(staff.commitment - 1.0, 0.0)

    def _update_practice(self) -> None:
        """Practice nobody owns erodes unless someone presses for it; practice spreads along ties."""
        self._update_fatigue()
        if self._frozen is not None:
            return
        staff, cfg = self.staff, self.scenario.practice
        head = self.head
        # Press: a head following up their own initiatives (as far as they fill the head's time and
        # the head knows the job), and routines that make practice visible.
        agenda = 0.0
        if head is not None:
            agenda = head.capacity * min(1.0, self.head_items / max(work.head_slots(self), 1e-9))
        press = min(1.0, agenda + routines.press(self))
        unowned = np.maximum(staff.practice - staff.owned, 0.0)
        habit = cfg.internalisation * press * unowned
        staff.owned += habit
        staff.practice -= cfg.erosion * (1.0 - press) * (unowned - habit)
        # Early-career teachers grow into the practice of their department's experienced colleagues
        # (socialisation into "how we teach here"), and at least into the profession's typical practice.
        early = staff.early_career()
        if any_of(early):
            growth = cfg.experience_growth * early * np.maximum(self._norm() - staff.practice, 0.0)
            staff.practice += growth
            staff.owned += growth
        mentoring_lift(self)
        # The learner focus of the collaboration each teacher is part of now.
        focus = np.zeros(staff.n)
        group = self.scenario.work.working_group
        for item in self.items:
            m = item.members
            if m.size:
                # In a crowd each member takes part in only their share of the talk (7.3.6), so takes
                # only that share of its learner focus.
                d = item.discipline * min(1.0, group / m.size)
                # np.maximum.at without its unbuffered loop: a maximum with one value is the same for repeats
                focus[m] = np.maximum(focus[m], d)
        staff.discipline += 0.1 * (focus - staff.discipline)
        p = staff.practice
        d = staff.pair_discipline()
        w = staff.ties * d
        gap = np.maximum(p[None, :] - p[:, None], 0.0)
        # Peer observation carries practice further along the same ties.
        spread = cfg.spread * (1.0 + float(self.routines[routines.OBSERVATION]))
        learned = spread * _sum(w * gap, axis=1) / (1.0 + _sum(staff.ties, axis=1))
        staff.practice += learned
        staff.owned += learned
        clip01(staff.practice, out=staff.practice)
        clip(staff.owned, 0.0, staff.practice, out=staff.owned)

    def _update_fatigue(self) -> None:
        """Strain rises with overload and crisis work, and eases as it is recovered from."""
        staff, f = self.staff, self.scenario.fatigue
        strain = f.overload_gain * self.overload
        if self.crisis is not None:
            strain = strain + f.crisis_strain * self.crisis.severity * np.minimum(staff.load, 1.0)
        staff.fatigue += strain * (1.0 - staff.fatigue) - f.recovery * staff.fatigue
        clip01(staff.fatigue, out=staff.fatigue)

    def _norm(self) -> np.ndarray:
        """Each teacher's department norm: experienced colleagues' mean practice, floored at the profession's."""
        staff = self.staff
        k = self.scenario.school.departments
        veteran = staff.experienced()
        total = np.bincount(staff.department, weights=staff.practice * veteran, minlength=k)
        # A department without experienced teachers has a total of exactly 0.0 (a sum of zero weights), so
        # dividing it by the floored count gives the 0.0 a mask would put there.
        dept = total / staff.experienced_per_department(k, floor=1.0)
        return np.maximum(dept, self.scenario.teachers.practice_mean)[staff.department]

    def _update_effort_and_teaching(self) -> None:
        staff, cfg = self.staff, self.scenario
        drag = cfg.trust.cynicism_drag
        # The head's personal lift exists only while that head is in post. Everyday instructional
        # leadership holds effort up as far as the head knows the job; with no head in post, a senior
        # colleague acting up does it as a first-time head would.
        head = self.head
        self.charisma_lift, self.head_lift = (
            head_lifts(cfg, head.charisma, head.capacity) if head is not None else head_lifts(cfg, 0.0, NOVICE_CAPACITY)
        )
        # Uncertainty while the post is vacant and in a new head's first year: a year from the
        # week they arrive, whichever week of the school year that is.
        unsettled = head is None or self.week - head.arrived < cfg.school.weeks_per_year
        effort = (
            staff.motivation * (1.0 - drag * staff.cynicism)
            + self.charisma_lift
            + self.head_lift
            - cfg.fatigue.effort_effect * staff.fatigue
        )
        if unsettled and self.departures:  # (subtracting 0.0 otherwise would change no value)
            effort -= cfg.succession.uncertainty
        lift = self.charisma_lift + self.head_lift
        if self.departures and self.held_expectations > lift:
            # The expectations a head who left set are held up, after they go, by the leadership
            # capability around each teacher, not by one person (Harris 2008; Fullan 2001).
            effort = effort + capability_near(staff) * (self.held_expectations - lift)
        self.effort = effort
        if getattr(self, "_frozen", None) is not None:
            self.teaching = self._frozen
            return
        overload = getattr(self, "overload", None)  # none yet while the model is being set up
        if overload is None:
            overload = np.zeros(staff.n)
        self.teaching = staff.practice + cfg.practice.effort_weight * self.effort - cfg.time.overload_penalty * overload
        if any_of(staff.away):
            # Lessons missed while working in another school are taught by cover (a system of schools).
            self.teaching = self.teaching - staff.away * (self.teaching - self.cover_teaching)

    def _update_climate(self) -> None:
        """Capacity grows by leading and fades unused; ties fade; cynicism and motivation follow the climate."""
        staff, cfg = self.staff, self.scenario
        c = cfg.capacity
        # Leading done this week: each teacher's part in the work running now (thin in a crowd).
        engaged = np.minimum(self.parts(), 1.0)
        # Formal role holders lead their departments and year groups every week, improvement or not.
        leading = np.maximum(engaged, c.everyday_leadership * staff.role_holders())
        if any_of(staff.whole_school):
            leading = np.maximum(leading, cfg.roles.leading * staff.whole_school)
        grow = c.growth * leading
        # Coaching multiplies growth by 1 + coaching x support; with no support anywhere (most weeks) the
        # factor is exactly 1 and multiplying by it changes nothing.
        if any_of(staff.support):
            grow = grow * (1.0 + c.coaching * staff.support / np.maximum(staff.load, 1.0))
        staff.capacity += grow * (1.0 - staff.capacity)
        staff.capacity -= c.disuse_decay * (leading == 0) * staff.capacity
        head = self.head
        if head is not None and head.succession_planning > 0:
            d = deputy(self)
            staff.capacity[d] += c.growth * head.succession_planning * (1.0 - staff.capacity[d])
        net = cfg.network
        # Ties fade toward the everyday level of the pair's department where a tie exists. Where none does
        # (0.0) the fade is max(0 - floor, 0) = 0, as with a floor of 0, since neither is ever negative:
        # the floor needs no mask of the existing ties.
        staff.ties -= net.tie_decay * np.maximum(staff.ties - self._everyday_ties(net.everyday_tie), 0.0)
        tr = cfg.trust
        # Cynicism relaxes toward a floor the school's memory sets: every initiative remembered as
        # dropped or failed raises it, without limit short of 1 (Harris 2008).
        floor_c = cynicism_floor(staff.memory, cfg)
        staff.cynicism -= tr.cynicism_relaxation * (staff.cynicism - floor_c)
        staff.cynicism += cfg.fatigue.cynicism_effect * staff.fatigue * (1.0 - staff.cynicism)
        strength = _sum(staff.ties, axis=1)
        tied = strength > 0
        n_tied = count_nonzero(tied) if tr.contagion > 0 else 0
        if n_tied:
            around = staff.ties @ staff.cynicism
            if n_tied == staff.n:
                # everyone has a tie (the usual case): the same update without selecting them
                staff.cynicism += tr.contagion * (around / strength - staff.cynicism)
            else:
                staff.cynicism[tied] += tr.contagion * (around[tied] / strength[tied] - staff.cynicism[tied])
        target = (
            cfg.teachers.motivation_mean
            + 0.3 * (staff.trust_head - 0.5)
            + 0.2 * (staff.trust_colleagues - 0.5)
            + 0.1 * engaged
            - 0.4 * staff.cynicism
            + 0.1 * (self.permission - 0.5)
        )
        staff.motivation += tr.motivation_rate * (clip01(target) - staff.motivation)
        if self.departures:
            # A departed head's expectations fade toward those of the head in post.
            lift = self.charisma_lift + self.head_lift
            if self.held_expectations > lift:
                self.held_expectations -= cfg.succession.expectations_fade * (self.held_expectations - lift)
        for arr in (staff.trust_head, staff.trust_colleagues, staff.cynicism, staff.capacity):
            clip01(arr, out=arr)
        routines.upkeep(self)

    def _everyday_ties(self, everyday_tie: float) -> np.ndarray:
        """``everyday_tie`` for colleagues in the same department, else 0: the floor ties decay to where a
        tie exists. Departments and the setting do not change in a run: built once, not every week.
        Never negative (``everyday_tie >= 0``): :meth:`_update_climate` relies on it."""
        kept = self._everyday
        if kept is None or kept[0] != everyday_tie:
            kept = self._everyday = (everyday_tie, everyday_tie * self._same_department)
        return kept[1]

    def _update_community(self) -> None:
        cfg = self.scenario
        head = self.head
        # Students are heard as far as the council is used, and genuinely (not for show).
        genuine = head.authenticity if head is not None else 0.5
        used = sum(1 for item in self.items if item.students) / max(1, len(self.items))
        openness = float(self.routines[routines.COUNCIL]) * (0.2 + 0.8 * used) * genuine
        engagement_lift = 0.1 * float(self.routines[routines.BEHAVIOUR_ROUTINES])
        taught = self.teaching
        if self.crisis is not None:
            # A threat costs learning while it lasts (disruption, attention elsewhere): that share of
            # the week's lessons gives no progress, as a lesson missed does (``boundary.cover_teaching``
            # 0). A share of the learning taught, not of the value added: that is near 0 in an ordinary
            # school and below 0 in one an inspection finds weak, where it would make a crisis help.
            taught = taught * (1.0 - cfg.threat.learning_cost * self.crisis.severity)
        weekly = update_students(
            self.rng, self.pupils, self.families, taught, openness, cfg, engagement_lift=engagement_lift
        )
        self.learning_gain = weekly * cfg.school.weeks_per_year
        wpy = cfg.school.weeks_per_year
        self._recent_gain[self.week % wpy] = self.learning_gain
        self.value_added = (
            mean(self._recent_gain)
            if self.week >= wpy
            else mean(self._recent_gain[1 : self.week + 1])
            if self.week
            else 0.0
        )
        # Parents are invited in by the work that asks for them, and by a behaviour crisis.
        asked = sum(1 for item in self.items if item.parents) / max(1, len(self.items))
        invitation = cfg.leadership.parent_involvement * asked * 2.0
        if self.crisis is not None and self.crisis.kind == "behaviour":
            invitation += 0.3
        shock, self._crisis_shock = self._crisis_shock, 0.0
        update_parents(self.families, self.pupils, min(invitation, 1.0), shock, cfg)

    def _year_end(self) -> None:
        """Teachers leave and novices join; a cohort leaves and a new one arrives; classes change."""
        cfg, rng, staff = self.scenario, self.rng, self.staff
        t = cfg.teachers
        novice = staff.tenure < 3
        hard = 1.0 + 2.0 * max(0.0, cfg.school.disadvantage - work.AVERAGE_DISADVANTAGE)
        p = (
            t.exit_rate
            * hard
            * np.where(novice, t.novice_exit_multiplier, 1.0)
            * (0.7 + 0.4 * staff.cynicism + 0.6 * (1.0 - staff.motivation))
            * (1.0 + cfg.fatigue.exit_effect * staff.fatigue)
            * (1.0 + cfg.succession.loyalty_exit * self.loyalty)
        )
        self.loyalty[:] = 0.0
        leavers = np.flatnonzero(rng.random(staff.n) < clip(p, 0.0, 1.0))
        self.measures.turnover = leavers.size / staff.n
        left = np.zeros(staff.n, dtype=bool)
        left[leavers] = True
        self.teacher_exits.append(
            {
                "week": self.week,
                "novices": int(novice.sum()),
                "novice_leavers": int((left & novice).sum()),
                "veterans": int((~novice).sum()),
                "veteran_leavers": int((left & ~novice).sum()),
            }
        )
        staff.tenure += 1.0
        # The summer holiday restores most strain.
        staff.fatigue *= 1.0 - cfg.fatigue.holiday_recovery
        self.replace_teachers(leavers)
        assign_mentors(self)
        if self.head is not None:
            # The part of this school year the head was in post: a head who arrived this week (at
            # the year end, as the succession study's departures do) has served none of it yet.
            served = (self.week - self.head.counted_to) / cfg.school.weeks_per_year
            self.head.tenure += served
            self.head.experience += served
            self.head.counted_to = self.week
            # New heads learn the job: capacity closes part of the gap to an experienced head's each
            # year in post.
            gap = max(0.0, EXPERIENCED_CAPACITY - self.head.capacity)
            self.head.capacity += cfg.head.learning * served * gap
        pupils = self.pupils
        leaving = np.flatnonzero(pupils.cohort == cfg.school.cohorts - 1)
        pupils.cohort += 1
        new_intake(rng, pupils, leaving, cfg)
        carers = leaving[leaving < self.families.n]
        new_families(rng, self.families, carers, cfg)
        # (as Python ints: indexing a list by numpy integers is slower, and the agents want ints)
        replace_people(self, self.student_agents, Student, leaving.tolist())
        replace_people(self, self.parent_agents, Parent, carers.tolist())
        pupils.teacher = rng.integers(0, staff.n, pupils.n)
        elect_council(rng, pupils, cfg)

    # --- changes of people: the model's own state changes here -----------------------------------

    def replace_teachers(self, slots: np.ndarray) -> None:
        """Teachers in ``slots`` leave; newly qualified teachers take their places at once.

        A newcomer takes on part of their colleagues' memory of what failed before (staffroom talk).
        """
        if slots.size == 0:
            return
        staff, cfg = self.staff, self.scenario
        work.drop_members(self, slots)
        self._parts = None
        replace_with_novice(self.rng, staff, slots, cfg)
        self.measures.forget(slots)
        # (replaced in turn: the same ids and registry order as removing every leaver first, then adding
        # the newcomers in slot order; nothing between reads the agents)
        replace_people(self, self.teacher_agents, Teacher, slots.tolist())
        for s in slots:
            w = staff.ties[s]
            if _sum(w) > 0:
                staff.memory[s] = cfg.memory.transmission * float(w @ staff.memory / _sum(w))
        self.loyalty[slots] = 0.0
        fill_roles(staff, self.posts)

    def _restructure(self, change: PatternChange) -> None:
        """A planned change: the pattern mix the head runs from now, and any posts the head creates or cuts."""
        self.pattern = change.pattern
        p = self.posts
        if change.senior_team is not None:
            p.senior = change.senior_team
        if change.middle_leaders is not None:
            p.middle = change.middle_leaders
        if change.whole_school_roles is not None:
            p.whole_school = change.whole_school_roles
        fill_roles(self.staff, p)

    def depart_head(self, successor: Successor, reason: str) -> None:
        """The head in post leaves now; the successor arrives after any interim.

        Their own initiatives stop; teams they backed lose their sponsor; staff who trusted them
        are more likely to leave at the year's end (loyalty).
        """
        head = self.head
        if head is None:
            return
        work.abandon_mandates(self)
        work.withdraw_sponsor(self)
        self.loyalty = self.staff.trust_head.copy()
        # What this head set (and what earlier heads set, as far as it is still held) outlasts them.
        self.held_expectations = max(self.held_expectations, self.charisma_lift + self.head_lift)
        self.departures.append(
            {
                "week": self.week,
                "head_id": head.unique_id,
                "reason": reason,
                "charisma": head.charisma,
                "tenure": head.years_in_post(self.week, self.scenario.school.weeks_per_year),
            }
        )
        self.last_support = head.support
        self.previous_head = {
            "charisma": head.charisma,
            "distribution": head.distribution,
            "authenticity": head.authenticity,
            "succession_planning": head.succession_planning,
            "control_reversion": head.control_reversion,
            "pattern": self.pattern,
        }
        planning = head.succession_planning
        head.remove()
        self.head = None
        origin = successor.origin
        if origin == "auto":
            origin = "internal" if self.rng.random() < planning else "external"
        self.pending_successor = (successor, origin, self.week + successor.interim_weeks)
        if successor.interim_weeks == 0:
            self.install_successor()

    def install_successor(self) -> None:
        """The pending successor takes up post: they bring their style, keep or dismantle routines,
        and keep or stop the running work."""
        successor, origin, _ = self.pending_successor
        self.pending_successor = None
        traits = successor_head(self, successor, origin, self.previous_head or {})
        pattern = traits.pop("pattern")
        staff = self.staff
        staff.trust_head = trust_in_successor(self, traits["internal"])
        # Decided before an internal successor's teaching post is refilled, so a novice taking it
        # is not given a role only to lose it the same week.
        self._keep_or_drop_roles(traits["distribution"])
        if traits["internal"]:
            self.replace_teachers(np.array([deputy(self)]))
        self.head = Head(self, **traits, arrived=self.week)
        self.pattern = pattern
        # A new head builds distribution again from the trust they have, not from the predecessor's.
        self.readiness = min(self.readiness, float(clip(mean(staff.trust_head) / 0.6, 0.0, 1.0)))
        routines.dismantle(self, keep_chance(self, traits["distribution"]))
        if not successor.keeps_running_work:
            work.abandon_all(self)

    def _keep_or_drop_roles(self, distribution: float) -> None:
        """An arriving head keeps the whole-school roles with a chance equal to their stance toward
        distribution; taking them away costs the holders cynicism (formal posts are contracts and stay)."""
        staff = self.staff
        if not staff.whole_school.any():
            return  # no draw: the stream of a school without such roles does not change
        if self.rng.random() < distribution:
            return
        held = staff.whole_school.copy()
        staff.cynicism[held] += self.scenario.roles.dismantle_cost * (1.0 - staff.cynicism[held])
        staff.memory[held] += routines.DISMANTLE_MEMORY
        self.posts.whole_school = 0.0
        staff.whole_school[:] = False

    def _observe(self) -> None:
        row = self.current = self.measures.observe(self)
        for name, column in self._weekly_columns:
            column.append(row[name])
        self._parts = None  # next week's work is another

    def parts(self) -> np.ndarray:
        """:func:`work.parts` of the work running now, read-only: capacity and the weekly measures both read it.

        Kept from the climate update to the week's measures; a change of the teams in between (teachers
        leaving at the year end) drops it.
        """
        if self._parts is None:
            self._parts = work.parts(self)
            self._parts.flags.writeable = False
        return self._parts

    # --- results ----------------------------------------------------------------------------------

    def timeseries(self) -> pd.DataFrame:
        """One row per step (step 0 is the starting state), the model-level columns."""
        df = self.datacollector.get_table_dataframe(WEEKLY_TABLE).reset_index(drop=True)
        return df.astype(
            {
                "step": "int64",
                "head_id": "int64",
                "crisis": "int64",
                "items_active": "int64",
                "items_succeeded": "int64",
                "items_failed": "int64",
            }
        )

    def succession(self) -> list[dict]:
        """Succession measures around each head departure so far."""
        return succession_measures(self.timeseries(), self.departures, self.scenario.school.weeks_per_year)

    def summary(self) -> dict[str, Any]:
        """Per-run summary: final levels, succession measures of the first departure, events."""
        ts = self.timeseries()
        last = ts.iloc[-1]
        out: dict[str, Any] = {f"final_{c}": float(last[c]) for c in COLUMNS if c not in ("step", "year", "head_id")}
        out["weeks"] = int(last["step"])
        out["departures"] = len(self.departures)
        out["crises"] = len(self.crises)
        out["mean_distribution_index"] = float(ts["distribution_index"].mean())
        out["mean_teacher_turnover"] = (
            float(ts["teacher_turnover"].iloc[self.scenario.school.weeks_per_year :].mean())
            if len(ts) > self.scenario.school.weeks_per_year
            else float("nan")
        )
        succ = self.succession()
        first = succ[0] if succ else {}
        for k in (
            "level_before",
            "gain_before",
            "deepest_drop",
            "kept_1y",
            "kept_3y",
            "kept_5y",
            "lost_1y",
            "lost_3y",
            "lost_5y",
            "years_to_recover",
            "capacity_before",
            "capacity_kept_1y",
            "capacity_kept_3y",
            "capacity_kept_5y",
        ):
            out[f"succession_{k}"] = float(first.get(k, float("nan")))
        return out
