"""Students and parents as arrays, updated in bulk each week.

Leadership reaches students only through teaching (the effectiveness of their teacher)
and, weakly, through their parents' engagement; student voice grows where the pattern
invites the council in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from leadsim.sim.arrays import any_of, clip, clip01, mean
from leadsim.sim.config import Scenario


@dataclass
class Pupils:
    """State of all students, indexed by slot.

    Attributes:
        attainment: SD units against the intake baseline (value added since intake).
        engagement: engagement and behaviour, 0-1.
        intake_engagement: what the student brought on arrival, 0-1.
        voice: how much the student is heard in school decisions, 0-1.
        council: on the student council.
        teacher: slot of the teacher of the student's class.
        cohort: year group, 0 = newest intake.
    """

    attainment: np.ndarray
    engagement: np.ndarray
    intake_engagement: np.ndarray
    voice: np.ndarray
    council: np.ndarray
    teacher: np.ndarray
    cohort: np.ndarray

    _heard: tuple[bytes, np.ndarray] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        return self.attainment.shape[0]

    def heard(self) -> np.ndarray:
        """How far each student is heard when the school is fully open: council members fully, others
        less; read-only. Rebuilt only when the council changes (a new one is elected each year)."""
        key = self.council.tobytes()
        if self._heard is None or self._heard[0] != key:
            heard = np.where(self.council, 1.0, 0.4)
            heard.flags.writeable = False
            self._heard = (key, heard)
        return self._heard[1]


@dataclass
class Families:
    """State of parents; parent ``i`` is the carer of student ``i``.

    Attributes:
        engagement: engagement with the school, 0-1.
        base_engagement: engagement the family brings, 0-1.
        trust: trust in the school, 0-1.
    """

    engagement: np.ndarray
    base_engagement: np.ndarray
    trust: np.ndarray

    @property
    def n(self) -> int:
        return self.engagement.shape[0]


#: the national average share of disadvantaged students, where the other defaults sit (DfE 2024)
AVERAGE_DISADVANTAGE = 0.24
#: intake engagement lower per unit of disadvantage above the average (Muijs et al. 2004)
DISADVANTAGE_ENGAGEMENT = 0.3


def intake_engagement(cfg: Scenario) -> float:
    """Mean engagement students bring on arrival, lower in schools serving poorer communities."""
    shift = DISADVANTAGE_ENGAGEMENT * (cfg.school.disadvantage - AVERAGE_DISADVANTAGE)
    return float(clip(cfg.students.engagement - shift, 0.0, 1.0))


def initial_pupils(rng: np.random.Generator, cfg: Scenario) -> Pupils:
    """Students spread evenly over cohorts; attainment is set once teaching is known (:func:`settle_attainment`)."""
    n = cfg.school.students
    intake = clip(rng.normal(intake_engagement(cfg), 0.15, n), 0.0, 1.0)
    pupils = Pupils(
        attainment=np.zeros(n),
        engagement=intake.copy(),
        intake_engagement=intake,
        voice=np.zeros(n),
        council=np.zeros(n, dtype=bool),
        teacher=rng.integers(0, cfg.school.teachers, n),
        cohort=np.arange(n) % cfg.school.cohorts,
    )
    elect_council(rng, pupils, cfg)
    return pupils


def expected_growth(taught: np.ndarray, engagement: np.ndarray, cfg: Scenario) -> np.ndarray:
    """Each student's expected learning this week (SD), before the noise: their teacher's
    effectiveness above the reference and their engagement above the usual (7.9)."""
    s = cfg.students
    return s.learning_rate * (taught + 0.3 * (engagement - s.engagement))


def settle_attainment(pupils: Pupils, teaching: np.ndarray, cfg: Scenario, head_years: float, head_lift: float) -> None:
    """Older cohorts start with the value added of the years they have already spent at the school.

    As for the staff (``initial_staff``), the school is taken to have been as it is now for as long
    as its students have been in it, except for its head, who has been in post ``head_years``:
    before that, the students were taught without this head's own lift to effort and with an
    ordinary head's instead (``head_lift``: the present head's lift less an ordinary head's, in
    teaching). A student in year group ``g`` has had ``g`` school years of value added (the mean
    expected growth of a week, at the starting teaching and engagement, without the noise).
    Otherwise the attainment of every school with a value added away from zero drifts for its
    first ``school.cohorts`` years while its cohorts fill up.

    Args:
        head_years: the head's years in post at the start (``head.tenure``).
        head_lift: the present head's lift to teaching over an ordinary head's.
    """
    s = cfg.students
    growth = expected_growth(teaching[pupils.teacher] - s.reference_teaching, pupils.engagement, cfg)
    wpy = cfg.school.weeks_per_year
    now = mean(growth) * wpy
    before = now - s.learning_rate * head_lift * wpy
    g = pupils.cohort.astype(float)
    with_head = np.minimum(g, head_years)
    pupils.attainment[:] = with_head * now + (g - with_head) * before


def elect_council(rng: np.random.Generator, pupils: Pupils, cfg: Scenario) -> None:
    """Elect the student council afresh (every year, and at the start)."""
    pupils.council[:] = False
    if cfg.school.student_council:
        k = max(1, round(cfg.school.council_share * pupils.n))
        pupils.council[rng.choice(pupils.n, size=k, replace=False)] = True


def new_intake(rng: np.random.Generator, pupils: Pupils, slots: np.ndarray, cfg: Scenario) -> None:
    """A new cohort takes the slots of the one that left."""
    k = slots.size
    intake = clip(rng.normal(intake_engagement(cfg), 0.15, k), 0.0, 1.0)
    pupils.attainment[slots] = 0.0
    pupils.engagement[slots] = intake
    pupils.intake_engagement[slots] = intake
    pupils.voice[slots] = 0.0
    pupils.cohort[slots] = 0


def initial_families(rng: np.random.Generator, cfg: Scenario) -> Families:
    n = cfg.school.parents
    base = clip(rng.normal(cfg.parents.engagement, 0.15, n), 0.0, 1.0)
    return Families(
        engagement=base.copy(),
        base_engagement=base,
        trust=clip(rng.normal(cfg.parents.trust, 0.1, n), 0.0, 1.0),
    )


def new_families(rng: np.random.Generator, families: Families, slots: np.ndarray, cfg: Scenario) -> None:
    """The carers of the new intake arrive."""
    k = slots.size
    base = clip(rng.normal(cfg.parents.engagement, 0.15, k), 0.0, 1.0)
    families.engagement[slots] = base
    families.base_engagement[slots] = base
    families.trust[slots] = clip(rng.normal(cfg.parents.trust, 0.1, k), 0.0, 1.0)


def update_students(
    rng: np.random.Generator,
    pupils: Pupils,
    families: Families,
    teaching: np.ndarray,
    openness: float,
    cfg: Scenario,
    engagement_lift: float = 0.0,
) -> float:
    """One week of learning, engagement and voice; returns the mean expected growth (SD/week).

    Args:
        teaching: effectiveness of each teacher this week.
        openness: how much the school invites student voice now (0-1).
        engagement_lift: steadier engagement from the school's behaviour routines (0-1).
    """
    s = cfg.students
    ref = s.reference_teaching
    taught = teaching[pupils.teacher] - ref
    m = families.n
    home_effect = cfg.parents.support_effect * (families.engagement - cfg.parents.engagement) if m else None
    if m and m == pupils.n:
        home = home_effect  # every student has a parent: no zeros to fill in
    else:
        home = np.zeros(pupils.n)
        if m:
            home[:m] = home_effect
    target = clip01(pupils.intake_engagement + 0.5 * taught + home + engagement_lift)
    pupils.engagement += s.engagement_rate * (target - pupils.engagement)
    growth = expected_growth(taught, pupils.engagement, cfg)
    expected = mean(growth)
    if s.learning_noise > 0:
        growth += rng.normal(0.0, s.learning_noise, pupils.n)
    pupils.attainment += growth
    if openness > 0 or any_of(pupils.voice):
        voice_target = openness * pupils.heard()
        pupils.voice += s.voice_rate * (voice_target - pupils.voice)
    return expected


def update_parents(families: Families, pupils: Pupils, invitation: float, shock: float, cfg: Scenario) -> None:
    """Parents' engagement follows the school's invitation; trust follows their child and the news.

    Args:
        invitation: how much the school invites parents into problem solving now (0-1).
        shock: loss of trust from a crisis starting this week (0-1).
    """
    m = families.n
    if m == 0:
        return
    p = cfg.parents
    child = pupils.engagement[:m]
    target_eng = clip01(families.base_engagement + 0.5 * invitation + 0.2 * (families.trust - p.trust))
    families.engagement += p.rate * (target_eng - families.engagement)
    target_trust = clip01(p.trust + 0.6 * (child - cfg.students.engagement) + 0.3 * invitation)
    families.trust += p.rate * (target_trust - families.trust)
    if shock:
        families.trust *= 1.0 - shock
