"""The school: one head, teachers, students and parents, one step per school week."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd
from leadsim.sim import work
from leadsim.sim.agents import Parent, Student, Teacher
from leadsim.sim.community import (
    elect_council,
    initial_families,
    initial_pupils,
    new_families,
    new_intake,
    update_parents,
    update_students,
)
from leadsim.sim.config import Crisis, Departure, Pattern, Scenario, Successor
from leadsim.sim.conventions import LeadsimModel
from leadsim.sim.heads import EXPERIENCED_CAPACITY, NOVICE_CAPACITY, arrive, depart, deputy, first_head
from leadsim.sim.metrics import COLUMNS, Measures, succession_measures
from leadsim.sim.staff import fill_roles, initial_staff, replace_with_novice


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
        wpy = cfg.school.weeks_per_year
        self.staff = initial_staff(self.rng, cfg)
        self.pupils = initial_pupils(self.rng, cfg)
        self.families = initial_families(self.rng, cfg)
        self.head = first_head(self)
        self.teacher_agents = [Teacher(self, i) for i in range(self.staff.n)]
        self._same_department = self.staff.same_department()
        self.student_agents = [Student(self, i) for i in range(self.pupils.n)]
        self.parent_agents = [Parent(self, i) for i in range(self.families.n)]

        self.pattern: Pattern = cfg.leadership.pattern
        self._schedule = {c.step(wpy): c.pattern for c in cfg.leadership.schedule}
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
        self.departures: list[dict] = []
        self.teacher_exits: list[dict] = []
        self.pending_successor = None
        self.previous_head: dict | None = None
        self.last_support = 0.0

        self.weights = np.array(self.pattern.weights())
        self.permission = 1.0
        self.pressure = 0.0
        self.learning_gain = 0.0  # the school's value added this week, in SD per school year
        self.effort = np.zeros(self.staff.n)
        self.teaching = np.zeros(self.staff.n)
        self._update_effort_and_teaching()
        self._frozen = self.teaching.copy() if cfg.practice.freeze_teaching else None

        self.measures = Measures(self.staff.n, self.scenario.school.weeks_per_year)
        self.current: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(model_reporters={c: (lambda m, c=c: m.current[c]) for c in COLUMNS})
        self._observe()

    # --- properties the mechanisms read ------------------------------------------------------

    @property
    def council_exists(self) -> bool:
        return self.scenario.school.student_council

    @property
    def council_open(self) -> bool:
        """The council is consulted now: it exists and someone leads in a way that invites it."""
        return self.council_exists and (self.weights[work.DESIGN] + self.weights[work.DESPERATION]) > 0

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

    def commit_time(self, slots: np.ndarray, load: float) -> list[int]:
        """Teachers in ``slots`` give ``load`` items' worth of this week to work in another school.

        Returns:
            The teachers' Mesa ids, for :meth:`release_time` (a slot may change hands at year end).
        """
        self.staff.load[slots] += load
        return [self.teacher_agents[int(s)].unique_id for s in slots]

    def release_time(self, slots: np.ndarray, load: float, ids: list[int]) -> None:
        """The same teachers are back: their load falls again (a novice who took a slot owes nothing)."""
        same = np.array([self.teacher_agents[int(s)].unique_id == i for s, i in zip(slots, ids, strict=True)])
        if same.any():
            back = slots[same]
            self.staff.load[back] = np.maximum(self.staff.load[back] - load, 0.0)

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
                depart(self, succ, "requested")
            elif kind == "crisis":
                self._start_crisis(Crisis(week=w, **args))
            elif kind == "pattern":
                self.pattern = Pattern(**{"solo": 0.0, **args})
        self._pending_requests.clear()
        if w in self._schedule:
            self.pattern = self._schedule[w]
        if self.pending_successor is not None and w >= self.pending_successor[2]:
            arrive(self)
        draw = rng.random()  # drawn every week so the stream does not depend on who is in post
        if w in self._departures:
            dep = self._departures[w]
            depart(self, dep.successor or cfg.events.successor, "scheduled")
        elif self.head is not None and draw < self._head_hazard:
            depart(self, cfg.events.successor, "random")
        if self.crisis is not None and w >= self.crisis_end:
            self.crisis = None
        draw = rng.random()
        if w in self._crises:
            self._start_crisis(self._crises[w])
        elif self.crisis is None and draw < self._crisis_hazard:
            kind = ("results", "behaviour", "inspection")[int(rng.integers(3))]
            self._start_crisis(Crisis(week=w, kind=kind, severity=float(rng.uniform(0.3, 0.8))))

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
        if crisis is not None:
            s = self.scenario.work.crisis_pull * crisis.severity
            w = (1.0 - s) * w
            w[work.DESPERATION] += s
        head = self.head
        if head is not None and self.pressure > 0:
            r = head.control_reversion * self.pressure
            w = (1.0 - r) * w
            w[work.SOLO] += r
        self.weights = w
        # How free teachers feel to act without asking: a controlling head narrows it.
        self.permission = 1.0 - 0.7 * w[work.SOLO] * (1.0 - head.distribution) if head is not None else 1.0

    def _do_work(self) -> None:
        due = [i for i in self.items if i.end <= self.week]
        for item in due:
            self.items.remove(item)
            outcome = work.complete(self, item)
            if outcome == "success":
                self.measures.succeeded += 1
            else:
                self.measures.failed += 1
        work.arise(self)

    def _update_practice(self) -> None:
        """Compliance fades without pressure, some becomes habit; practice spreads along ties."""
        if self._frozen is not None:
            return
        staff, cfg = self.staff, self.scenario.practice
        head = self.head
        press = float(self.weights[work.SOLO]) if head is not None else 0.0
        moved = cfg.internalisation * press * staff.compliance
        staff.practice += moved
        staff.compliance -= moved + cfg.compliance_decay * (1.0 - 0.5 * press) * staff.compliance
        staff.lapsing *= 1.0 - cfg.compliance_decay
        # Early-career teachers grow into the practice of their department's experienced colleagues
        # (socialisation into "how we teach here"), and at least into the profession's typical practice.
        early = staff.tenure < 5
        if early.any():
            staff.practice += cfg.experience_growth * early * np.maximum(self._norm() - staff.practice, 0.0)
        # The learner focus of the collaboration each teacher is part of now.
        focus = np.zeros(staff.n)
        for item in self.items:
            if item.members.size:
                np.maximum.at(focus, item.members, item.discipline)
        staff.discipline += 0.1 * (focus - staff.discipline)
        p = staff.practice
        d = 0.5 * (staff.discipline[:, None] + staff.discipline[None, :])
        w = staff.ties * d
        gap = np.maximum(p[None, :] - p[:, None], 0.0)
        staff.practice += cfg.spread * (w * gap).sum(axis=1) / (1.0 + staff.ties.sum(axis=1))
        wd = float(self.weights[work.DESIGN])
        if wd > 0 and head is not None:
            # Designed mentoring: middle leaders coach novices (Arden School).
            novices = staff.tenure < 3
            mentors = staff.role > 0
            if novices.any() and mentors.any():
                lift = np.maximum(staff.practice[mentors].mean() - staff.practice[novices], 0.0)
                staff.practice[novices] += self.scenario.capacity.novice_mentoring * wd * head.support * lift
        np.clip(staff.practice, 0.0, 1.0, out=staff.practice)

    def _norm(self) -> np.ndarray:
        """Each teacher's department norm: experienced colleagues' mean practice, floored at the profession's."""
        staff = self.staff
        k = self.scenario.school.departments
        veteran = staff.tenure >= 5
        total = np.bincount(staff.department, weights=staff.practice * veteran, minlength=k)
        count = np.bincount(staff.department, weights=veteran.astype(float), minlength=k)
        dept = np.where(count > 0, total / np.maximum(count, 1.0), 0.0)
        return np.maximum(dept, self.scenario.teachers.practice_mean)[staff.department]

    def _update_effort_and_teaching(self) -> None:
        staff, cfg = self.staff, self.scenario
        drag = cfg.trust.cynicism_drag
        # The head's personal lift exists only while that head is in post.
        self.charisma_lift = cfg.practice.charisma_effect * self.head.charisma if self.head is not None else 0.0
        # Everyday instructional leadership holds effort up as far as the head knows the job; with no
        # head in post, a senior colleague acting up does it as a first-time head would.
        capacity = self.head.capacity if self.head is not None else NOVICE_CAPACITY
        self.head_lift = cfg.practice.head_capacity_effect * (capacity - EXPERIENCED_CAPACITY)
        self.effort = staff.motivation * (1.0 - drag * staff.cynicism) + self.charisma_lift + self.head_lift
        if getattr(self, "_frozen", None) is not None:
            self.teaching = self._frozen
            return
        self.teaching = staff.practice + staff.compliance + staff.lapsing + cfg.practice.effort_weight * self.effort

    def _update_climate(self) -> None:
        """Capacity grows by leading and fades unused; ties fade; motivation follows the climate."""
        staff, cfg = self.staff, self.scenario
        c = cfg.capacity
        engaged = np.minimum(staff.load, 1.0)
        coached = 1.0 + c.coaching * staff.support / np.maximum(staff.load, 1.0)
        staff.capacity += c.growth * engaged * coached * (1.0 - staff.capacity)
        staff.capacity -= c.disuse_decay * (engaged == 0) * staff.capacity
        head = self.head
        if head is not None and head.succession_planning > 0:
            d = deputy(self)
            staff.capacity[d] += c.growth * head.succession_planning * (1.0 - staff.capacity[d])
        net = cfg.network
        floor = net.everyday_tie * self._same_department * (staff.ties > 0)
        staff.ties -= net.tie_decay * np.maximum(staff.ties - floor, 0.0)
        tr = cfg.trust
        staff.cynicism -= tr.cynicism_relaxation * staff.cynicism
        strength = staff.ties.sum(axis=1)
        tied = strength > 0
        if tr.contagion > 0 and tied.any():
            around = staff.ties @ staff.cynicism
            staff.cynicism[tied] += tr.contagion * (around[tied] / strength[tied] - staff.cynicism[tied])
        target = (
            cfg.teachers.motivation_mean
            + 0.3 * (staff.trust_head - 0.5)
            + 0.2 * (staff.trust_colleagues - 0.5)
            + 0.1 * engaged
            - 0.4 * staff.cynicism
            + 0.1 * (self.permission - 0.5)
        )
        staff.motivation += tr.motivation_rate * (np.clip(target, 0.0, 1.0) - staff.motivation)
        for arr in (staff.trust_head, staff.trust_colleagues, staff.cynicism, staff.capacity):
            np.clip(arr, 0.0, 1.0, out=arr)

    def _update_community(self) -> None:
        w = self.weights
        head = self.head
        council = self.council_exists
        openness = 0.0
        if council:
            genuine = head.authenticity if head is not None else 0.5
            openness = float(w[work.DESIGN] + w[work.DESPERATION] + 0.2 * w[work.DEFAULT]) * genuine
        weekly = update_students(self.rng, self.pupils, self.families, self.teaching, openness, self.scenario)
        self.learning_gain = weekly * self.scenario.school.weeks_per_year
        invitation = self.scenario.leadership.parent_involvement * float(w[work.DESIGN] + w[work.DESPERATION])
        if self.crisis is not None and self.crisis.kind == "behaviour":
            invitation += 0.3
        shock, self._crisis_shock = self._crisis_shock, 0.0
        update_parents(self.families, self.pupils, min(invitation, 1.0), shock, self.scenario)

    def _year_end(self) -> None:
        """Teachers leave and novices join; a cohort leaves and a new one arrives; classes change."""
        cfg, rng, staff = self.scenario, self.rng, self.staff
        t = cfg.teachers
        novice = staff.tenure < 3
        p = (
            t.exit_rate
            * np.where(novice, t.novice_exit_multiplier, 1.0)
            * (0.7 + 0.4 * staff.cynicism + 0.6 * (1.0 - staff.motivation))
        )
        leavers = np.flatnonzero(rng.random(staff.n) < np.clip(p, 0.0, 1.0))
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
        if leavers.size:
            work.drop_members(self, leavers)
            for s in leavers:
                self.teacher_agents[s].remove()
            replace_with_novice(rng, staff, leavers, cfg)
            self.measures.forget(leavers)
            for s in leavers:
                self.teacher_agents[s] = Teacher(self, int(s))
            fill_roles(staff, cfg)
        if self.head is not None:
            self.head.tenure += 1.0
            self.head.experience += 1.0
            # New heads learn the job: capacity closes part of the gap to an experienced head's each year.
            gap = max(0.0, EXPERIENCED_CAPACITY - self.head.capacity)
            self.head.capacity += cfg.head.learning * gap
        pupils = self.pupils
        leaving = np.flatnonzero(pupils.cohort == cfg.school.cohorts - 1)
        pupils.cohort += 1
        new_intake(rng, pupils, leaving, cfg)
        carers = leaving[leaving < self.families.n]
        new_families(rng, self.families, carers, cfg)
        for s in leaving:
            self.student_agents[s].remove()
            self.student_agents[s] = Student(self, int(s))
        for s in carers:
            self.parent_agents[s].remove()
            self.parent_agents[s] = Parent(self, int(s))
        pupils.teacher = rng.integers(0, staff.n, pupils.n)
        elect_council(rng, pupils, cfg)

    def _observe(self) -> None:
        self.current = self.measures.observe(self)
        self.datacollector.collect(self)

    # --- results ----------------------------------------------------------------------------------

    def timeseries(self) -> pd.DataFrame:
        """One row per step (step 0 is the starting state), the model-level columns."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
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
