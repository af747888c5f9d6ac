"""The one typed configuration of a simulated school and its story.

A :class:`Scenario` flows untouched from a YAML file (or from keyword arguments) to
:class:`leadsim.sim.model.SchoolModel`. Every parameter carries its default, range, unit,
meaning and the source or reasoning behind the default; ``leadsim params`` and the
parameter table in ``docs/ODD.md`` are generated from these declarations, so they
cannot drift from the code.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from leadsim.sim.vocabulary import CRISIS_KINDS, DOMAINS, PATTERNS, SUCCESSOR_STYLES
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["CRISIS_KINDS", "DOMAINS", "PATTERNS", "SUCCESSOR_STYLES", "Scenario", "iter_parameters"]

#: longest scenario name and description, in characters
TEXT_LIMITS = {"name": 100, "description": 500}


def P(
    default: Any,
    meaning: str,
    *,
    unit: str = "",
    source: str = "",
    ge: float | None = None,
    le: float | None = None,
) -> Any:
    """Declare a parameter: default, range, unit, meaning and source in one place."""
    return Field(
        default,
        ge=ge,
        le=le,
        description=meaning,
        json_schema_extra={"unit": unit, "source": source},
    )


class Section(BaseModel):
    """Base of every configuration section: unknown keys are errors, values are checked."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)


class School(Section):
    """Sizes and structure of the school."""

    teachers: int = P(
        60,
        "number of teachers (the head is extra)",
        unit="people",
        ge=3,
        le=400,
        source="reference secondary school of ~1000 pupils, pupil:teacher ratio ~17 (DfE 2023)",
    )
    students: int = P(
        1000, "number of students on roll", unit="people", ge=10, le=20000, source="reference school of the design card"
    )
    parents: int = P(
        1000,
        "number of parents/carers modelled, one per child (the first N students)",
        unit="people",
        ge=0,
        le=20000,
        source="one carer per child, as in the design card",
    )
    departments: int = P(
        6,
        "number of subject departments teachers belong to",
        unit="count",
        ge=1,
        le=30,
        source="typical English secondary: English, maths, science, humanities, arts, technology",
    )
    cohorts: int = P(
        5,
        "year groups on roll; one leaves and one arrives each year",
        unit="count",
        ge=1,
        le=13,
        source="secondary Years 7-11",
    )
    weeks_per_year: int = P(
        39,
        "school weeks in a year; one step is one week",
        unit="weeks",
        ge=4,
        le=52,
        source="190 teaching days in England = 38-39 weeks",
    )
    egg_crate: float = P(
        0.5,
        "compartmentalisation of departments: how much harder ties form and carry across "
        "department boundaries (0 none, 1 no cross-department ties)",
        unit="share",
        ge=0,
        le=1,
        source="Harris 2008 ('egg crate' compartmentalisation, seed 002); mid-range as no estimate exists",
    )
    hierarchy: float = P(
        0.0,
        "culture barrier: how much harder ties form between teachers with a formal post and those "
        "without, where leadership is held to reside in the posts (0 none, 1 no such ties form)",
        unit="share",
        ge=0,
        le=1,
        source="Harris 2008 (seed 002): 'hierarchical divisions' and a culture of leadership 'that resides in "
        "one person'; no estimate exists, so 0 in the default school (the egg crate divides it already)",
    )
    sites: int = P(
        1,
        "sites the school works on; departments are housed on them in turn (department mod sites)",
        unit="count",
        ge=1,
        le=10,
        source="most schools have one site; split-site schools and federations have more (Harris 2008, distance)",
    )
    site_distance: float = P(
        0.5,
        "distance barrier: how much harder ties form between teachers on different sites (0 none, 1 none form)",
        unit="share",
        ge=0,
        le=1,
        source="Harris 2008 (seed 002): 'geographical separation makes it more difficult for teachers to "
        "connect'; mid-range as no estimate exists, as for the egg crate",
    )
    expertise_diversity: float = P(
        0.8,
        "how spread teachers' specialisms are over the expertise domains "
        "(0 every teacher specialises in the same domain)",
        unit="share",
        ge=0,
        le=1,
        source="Harris 2014: 'if two heads think the same, collaboration yields little'; "
        "schools recruit across specialisms, so high",
    )
    student_council: bool = P(
        False, "a student council exists and is consulted (student leadership)", source="Arden School case (seed 002)"
    )
    council_share: float = P(
        0.04,
        "share of students elected to the council (about one per class)",
        unit="share",
        ge=0,
        le=0.5,
        source="one or two representatives per class of ~25-30",
    )
    disadvantage: float = P(
        0.24,
        "share of students from poor homes; 0.24 is the national average, where the model's other "
        "defaults sit: above it starting engagement is lower, improvement harder, turnover higher",
        unit="share",
        ge=0,
        le=1,
        source="England: 24.6% of pupils eligible for free school meals (DfE 2024); schools in challenging "
        "circumstances (Harris & Chapman 2002; Muijs, Harris, Chapman, Stoll & Russ 2004)",
    )


class Head(Section):
    """The head teacher in post at the start."""

    charisma: float = P(
        0.3,
        "personal lift to staff effort while this head is in post",
        unit="0-1",
        ge=0,
        le=1,
        source="Harris 2008: charismatic 'superhero' heads lift staff; ordinary head moderate",
    )
    distribution: float = P(
        0.3,
        "stance toward distribution: how much opportunity, time and support the head creates for others to lead",
        unit="0-1",
        ge=0,
        le=1,
        source="Harris 2008: heads provide empowerment, time, development; ordinary head low",
    )
    authenticity: float = P(
        0.8,
        "genuine sharing (1) versus delegation or manipulation dressed up as sharing (0)",
        unit="0-1",
        ge=0,
        le=1,
        source="Harris 2014; 'Distributed leadership does not mean delegating' (seed 004)",
    )
    succession_planning: float = P(
        0.2,
        "how much the head prepares a successor from inside: chance the "
        "successor is internal when not fixed, and mentoring of the deputy",
        unit="0-1",
        ge=0,
        le=1,
        source="Harris 2008: failures of succession planning; most schools plan little",
    )
    control_reversion: float = P(
        0.3,
        "tendency to take control back under pressure (a crisis, by its severity)",
        unit="0-1",
        ge=0,
        le=1,
        source="Harris 2008: heads must resist 'reverting to traditional structures and control'",
    )
    experience: float = P(
        5.0,
        "years of headship experience at the start",
        unit="years",
        ge=0,
        le=40,
        source="median head experience in England/US ~5 years",
    )
    tenure: float = P(
        2.0,
        "years already in post at the start of the run",
        unit="years",
        ge=0,
        le=40,
        source="mean tenure 3.5-5 years (Miller 2013), so mid-tenure at a random start",
    )
    capacity: float = P(
        0.6,
        "the head's own leadership capacity (skill at leading improvement work)",
        unit="0-1",
        ge=0,
        le=1,
        source="experienced leader; above a typical teacher (0.2)",
    )
    learning: float = P(
        0.3,
        "share of the gap to an experienced head's capacity (0.6) that a head closes each year in post",
        unit="1/year",
        ge=0,
        le=1,
        source="principal effectiveness rises over the first 3-5 years (Clark, Martorell & Rockoff 2009; "
        "Béteille, Kalogrides & Loeb 2012)",
    )
    bandwidth: float = P(
        1.0,
        "improvement items the head can lead alone per week",
        unit="items/week",
        ge=0.1,
        le=10,
        source="the head as bottleneck (Harris 2008); about one new initiative a week",
    )
    involvement: float = P(
        0.05,
        "share of the staff a head involves in carrying out the changes they lead alone (the rest are told); "
        "involved teachers can own the change",
        unit="share",
        ge=0,
        le=1,
        source="Harris 2008: heads who involve staff in implementation; ownership comes from participation "
        "(Fullan 2001); calibrated: the share that holds the default school's practice stationary "
        "(docs/validation.md)",
    )


class Successor(Section):
    """Who replaces a head who leaves."""

    origin: Literal["external", "internal", "auto"] = P(
        "auto",
        "internal (promoted from the senior team), external, or auto: internal with probability "
        "equal to the outgoing head's succession_planning",
        source="Bartanen et al. 2019: mix of internal and external replacements",
    )
    style: Literal["charismatic", "top_down", "distributive", "like_predecessor"] = P(
        "top_down",
        "leadership style of the successor; sets charisma, stance and the pattern they run",
        source="most replacement heads run the school top-down at first (Arden: 'firefight' in year 1)",
    )
    experienced: bool = P(
        False,
        "the successor has headship experience (else a first-time head)",
        source="most new heads are first-time heads (Bartanen et al. 2019)",
    )
    keeps_running_work: bool = P(
        True,
        "the successor lets running improvement work finish (else abandons it)",
        source="abandoned efforts raise cynicism (Harris 2008); default the kinder case",
    )
    interim_weeks: int = P(
        0,
        "weeks with no head in post before the successor arrives",
        unit="weeks",
        ge=0,
        le=520,
        source="most schools appoint before the post falls vacant",
    )
    charisma: float | None = P(None, "override the style's charisma", unit="0-1", ge=0, le=1)
    distribution: float | None = P(None, "override the style's stance toward distribution", unit="0-1", ge=0, le=1)
    authenticity: float | None = P(None, "override the style's authenticity", unit="0-1", ge=0, le=1)


class Pattern(Section):
    """Weights of the four ways leadership work is taken up (normalised to sum 1)."""

    solo: float = P(
        1.0,
        "share of improvement work the head keeps and leads alone (top-down)",
        ge=0,
        le=1000,
        source="top-down leadership 'still dominates many schools' (Harris 2008)",
    )
    design: float = P(
        0.0,
        "share given to teams the head forms around expertise, with time and support",
        ge=0,
        le=1000,
        source="Harris 2008: distribution by design (Arden School)",
    )
    default: float = P(
        0.0,
        "share left for volunteers to pick up, uncoordinated",
        ge=0,
        le=1000,
        source="Hargreaves & Fink 2006: teachers fill gaps (by default)",
    )
    desperation: float = P(
        0.0,
        "share handled by spontaneous all-hands collaboration (Gronn)",
        ge=0,
        le=1000,
        source="Gronn 2002 via Harris 2008: distribution by desperation",
    )

    @model_validator(mode="after")
    def _some_weight(self) -> Pattern:
        if self.solo + self.design + self.default + self.desperation <= 0:
            raise ValueError("at least one pattern weight must be positive")
        return self

    def weights(self) -> tuple[float, float, float, float]:
        """Normalised weights in the order of :data:`PATTERNS`."""
        w = (self.solo, self.design, self.default, self.desperation)
        s = sum(w)
        return tuple(x / s for x in w)  # type: ignore[return-value]


class When(Section):
    """A point in the run: give ``year`` (elapsed years, may be fractional) or ``week`` (step)."""

    year: float | None = P(
        None, "elapsed school years from the start (5 = after five years)", unit="years", ge=0, le=200
    )
    week: int | None = P(None, "elapsed weeks (steps) from the start", unit="weeks", ge=0, le=10400)

    @model_validator(mode="after")
    def _one_of(self) -> When:
        if (self.year is None) == (self.week is None):
            raise ValueError("give exactly one of 'year' or 'week'")
        return self

    def step(self, weeks_per_year: int) -> int:
        """The step at which this happens."""
        if self.week is not None:
            return self.week
        return round(self.year * weeks_per_year)  # type: ignore[operator]


class PatternChange(When):
    """From this point on, the school runs this pattern mix, and the head may restructure the posts
    (Arden: design from year 1, a senior team replacing a two-person leadership, a role for every teacher)."""

    pattern: Pattern
    senior_team: int | None = P(
        None,
        "the head resizes the senior team to this many (default: unchanged)",
        unit="people",
        ge=0,
        le=30,
        source="Arden: a senior team replaced the two-person leadership (Harris 2008, seed 002)",
    )
    middle_leaders: int | None = P(
        None,
        "the head appoints or removes middle leaders to this many (default: unchanged)",
        unit="people",
        ge=0,
        le=100,
        source="the formation of new leadership positions (Harris 2008, seed 002)",
    )
    whole_school_roles: float | None = P(
        None,
        "the head gives this share of teachers without a post a whole-school role (default: unchanged)",
        unit="share",
        ge=0,
        le=1,
        source="Arden: 'every teacher was also given responsibilities within either academic or pastoral "
        "development' (Harris 2008, seed 002)",
    )


class Departure(When):
    """The head in post leaves at this point."""

    successor: Successor | None = P(None, "who follows; default: events.successor")


class Crisis(When):
    """A crisis hits: results plummet, behaviour surges, or an inspection looms."""

    kind: Literal["results", "behaviour", "inspection"] = P(
        "behaviour", "what kind of crisis", source="Harris 2008 (seed 002) examples"
    )
    duration_weeks: int = P(
        8, "weeks the crisis lasts", unit="weeks", ge=1, le=104, source="a half-term of acute pressure"
    )
    severity: float = P(0.5, "how hard it hits (0-1)", unit="0-1", ge=0, le=1)


class Leadership(Section):
    """How leadership work is taken up, and how that changes over time."""

    pattern: Pattern = Field(default_factory=Pattern, description="pattern mix at the start")
    schedule: list[PatternChange] = Field(default_factory=list, description="later changes of the pattern mix")
    team_size: int = P(
        4,
        "members of a team formed by design (including its lead)",
        unit="people",
        ge=2,
        le=12,
        source="Arden School: 'teams of four to five teachers'",
    )
    asks: int = P(
        1,
        "teachers the head asks in turn, best suited first, to lead a design team before leaving the work to "
        "whoever picks it up (each accepts with their willingness)",
        unit="people",
        ge=1,
        le=100,
        source="staff 'reluctant to engage' after inauthentic distribution (Harris 2014, seed 001); one ask is "
        "an assumption (a large number gives about the rule before stop 26: the best suited among the willing)",
    )
    team_selection: Literal["complementary", "similar"] = P(
        "complementary",
        "design teams chosen for complementary expertise, or among like-minded colleagues",
        source="Harris 2014: leadership by expertise; diversity matters",
    )
    time_for_collaboration: float = P(
        0.15,
        "share of a teacher's week protected for leadership work in teams "
        "formed by design (scaled by the head's stance)",
        unit="share",
        ge=0,
        le=0.6,
        source="Harris 2008: heads must set time aside; ~half a day a week",
    )
    parent_involvement: float = P(
        0.3,
        "how strongly the school invites parents into problem solving when the pattern is design or desperation",
        unit="0-1",
        ge=0,
        le=1,
        source="Harris 2008: parents join problem solving in a behaviour crisis",
    )


class Events(Section):
    """Departures, successors and crises."""

    head_departures: list[Departure] = Field(default_factory=list, description="scheduled head departures")
    head_exit_hazard: float = P(
        0.18,
        "chance per year that the head in post leaves (random departures)",
        unit="1/year",
        ge=0,
        le=1,
        source="18%/yr: NCES principal attrition; Bartanen, Grissom & Rogers 2019 (15-22%)",
    )
    successor: Successor = Field(
        default_factory=Successor, description="successor for random departures and scheduled ones that name none"
    )
    crises: list[Crisis] = Field(default_factory=list, description="scheduled crises")
    crisis_hazard: float = P(
        0.05,
        "chance per year of a random crisis",
        unit="1/year",
        ge=0,
        le=1,
        source="serious incidents/inspection shocks are rare; one in ~20 school-years",
    )


class Teachers(Section):
    """The teaching staff at the start and as novices join."""

    practice_mean: float = P(
        0.62,
        "mean teaching practice quality at the start",
        unit="0-1",
        ge=0,
        le=1,
        source="calibrated: the level an unchanged ordinary school holds (stationary baseline, docs/validation.md)",
    )
    practice_sd: float = P(
        0.1,
        "spread of teaching practice quality",
        unit="0-1",
        ge=0,
        le=0.5,
        source="teacher effectiveness varies ~0.1-0.2 SD of pupil outcomes (Hanushek & Rivkin 2010)",
    )
    novice_practice: float = P(
        0.38,
        "practice quality of a newly qualified teacher",
        unit="0-1",
        ge=0,
        le=1,
        source="novices are markedly less effective for 3-5 years (Kini & Podolsky 2016)",
    )
    capacity_mean: float = P(
        0.06,
        "mean leadership capacity drawn for every teacher at the start; posts go to the highest draws, "
        "whose holders start with what their everyday leading has grown from it over their years at the school",
        unit="0-1",
        ge=0,
        le=1,
        source="calibrated: the level teachers without a post hold in an unchanged ordinary school (stationary "
        "baseline, docs/validation.md); few teachers lead beyond their classroom in top-down schools (Harris 2008)",
    )
    capacity_sd: float = P(
        0.06,
        "spread of leadership capacity at the start",
        unit="0-1",
        ge=0,
        le=0.5,
        source="calibrated with capacity_mean (stationary baseline, docs/validation.md)",
    )
    novice_capacity: float = P(
        0.05, "leadership capacity of a new teacher", unit="0-1", ge=0, le=1, source="assumption"
    )
    motivation_mean: float = P(0.6, "mean motivation at the start", unit="0-1", ge=0, le=1, source="assumption")
    trust_head: float = P(
        0.5, "teachers' trust in the head at the start", unit="0-1", ge=0, le=1, source="neutral start"
    )
    trust_colleagues: float = P(
        0.5, "teachers' trust in colleagues at the start", unit="0-1", ge=0, le=1, source="neutral start"
    )
    cynicism: float = P(
        0.35,
        "cynicism about improvement efforts at the start",
        unit="0-1",
        ge=0,
        le=1,
        source="calibrated: the level an unchanged ordinary school holds (stationary baseline, docs/validation.md)",
    )
    novice_share: float = P(
        0.41,
        "share of teachers in their first three years at the school at the start (tenure is then spread "
        "geometrically, as under steady turnover)",
        unit="share",
        ge=0,
        le=1,
        source="1 - 0.84^3 = 0.41: steady state of ~16%/yr turnover (NCES); higher in challenging schools "
        "(Muijs et al. 2004)",
    )
    time_available: float = P(
        0.05,
        "share of the week a teacher can give to leadership work on their own initiative (without protected time)",
        unit="share",
        ge=0,
        le=0.5,
        source="teachers' weeks are full; little slack (TALIS 2018)",
    )
    senior_team: int = P(
        4,
        "senior leadership team members (deputies, assistant heads)",
        unit="people",
        ge=0,
        le=30,
        source="Arden School: senior team replaced a two-person leadership",
    )
    middle_leaders: int = P(
        8,
        "middle leaders (heads of department, key stage leads)",
        unit="people",
        ge=0,
        le=100,
        source="about one per department plus pastoral leads",
    )
    exit_rate: float = P(
        0.102,
        "base chance per year that a mid-career teacher leaves the school (raised for novices and the cynical)",
        unit="1/year",
        ge=0,
        le=1,
        source="calibrated so overall turnover is ~16%/yr (NCES Teacher Follow-up Survey; E2, "
        "docs/calibrate_baseline.py)",
    )
    novice_exit_multiplier: float = P(
        1.6,
        "how much likelier a teacher in their first 3 years is to leave",
        unit="ratio",
        ge=1,
        le=5,
        source="early-career attrition is higher (Ingersoll 2003; NCES)",
    )
    within_department_ties: float = P(
        0.35,
        "chance two teachers of one department start with a tie",
        unit="probability",
        ge=0,
        le=1,
        source="assumption; departments are close",
    )
    across_department_ties: float = P(
        0.04,
        "chance two teachers of different departments start with a tie (before the egg-crate penalty)",
        unit="probability",
        ge=0,
        le=1,
        source="assumption; few cross-department ties (Harris 2008)",
    )


class Students(Section):
    """Students, their learning and voice."""

    engagement: float = P(0.6, "mean engagement/behaviour at intake", unit="0-1", ge=0, le=1, source="assumption")
    learning_rate: float = P(
        0.012,
        "attainment growth per week per unit of teaching effectiveness above the reference",
        unit="SD/week",
        ge=0,
        le=1,
        source="calibrated so a strong school gains ~0.2-0.4 SD over a cohort's years (Hattie 2009 effect sizes)",
    )
    reference_teaching: float = P(
        0.746,
        "teaching effectiveness at which students make exactly expected progress (the intake baseline)",
        unit="effectiveness",
        ge=0,
        le=2,
        source="calibrated: the default school's long-run teaching effectiveness, so an unchanged ordinary "
        "school adds only expected progress (stationary baseline, docs/validation.md)",
    )
    learning_noise: float = P(
        0.01, "week-to-week spread of individual learning", unit="SD/week", ge=0, le=1, source="assumption"
    )
    engagement_rate: float = P(
        0.05,
        "weekly rate at which engagement moves toward what teaching and home support",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption: a term to settle",
    )
    voice_rate: float = P(
        0.05,
        "weekly rate at which student voice moves toward the school's openness to it",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption",
    )


class Parents(Section):
    """Parents and carers."""

    engagement: float = P(
        0.4,
        "mean engagement with the school at the start",
        unit="0-1",
        ge=0,
        le=1,
        source="assumption: disadvantaged intake (Arden)",
    )
    trust: float = P(0.5, "mean trust in the school at the start", unit="0-1", ge=0, le=1, source="neutral")
    support_effect: float = P(
        0.2,
        "how much a parent's engagement lifts their child's engagement",
        unit="0-1",
        ge=0,
        le=1,
        source="parental engagement supports pupil engagement (Desforges 2003)",
    )
    rate: float = P(
        0.03,
        "weekly rate at which parent engagement and trust move toward what the school offers",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption",
    )


class Work(Section):
    """Improvement work: how it arises and how it goes."""

    rate: float = P(
        1.5,
        "new improvement items arising per week in an ordinary situation",
        unit="items/week",
        ge=0,
        le=20,
        source="assumption: a school always has more to improve than one person can lead",
    )
    duration_weeks: int = P(
        6,
        "weeks an improvement item runs before its outcome shows",
        unit="weeks",
        ge=1,
        le=52,
        source="a half-term cycle of planning, trying, reviewing",
    )
    difficulty: float = P(
        0.5,
        "mean difficulty of an item (competence needed for an even chance)",
        unit="0-1",
        ge=0,
        le=1,
        source="calibrated: ordinary teams succeed about half the time",
    )
    success_steepness: float = P(
        10.0,
        "how sharply the chance of success rises with competence above difficulty",
        unit="1/unit",
        ge=0.1,
        le=100,
        source="assumption (logistic)",
    )
    crisis_rate_multiplier: float = P(
        3.0,
        "how many times more items arise during a crisis",
        unit="ratio",
        ge=1,
        le=20,
        source="a crisis 'demands immediate action' (Harris 2008)",
    )
    crisis_pull: float = P(
        0.7,
        "share of work taken up by spontaneous collaboration during a crisis of severity 1",
        unit="share",
        ge=0,
        le=1,
        source="Harris 2008: 'abrupt and powerful shift' in distribution",
    )
    gap_filling: float = P(
        8.0,
        "propensity of capable, motivated teachers to pick up work nobody leads (by default)",
        unit="1/item",
        ge=0,
        le=100,
        source="Hargreaves & Fink 2006: teachers see gaps and fill them",
    )
    working_group: float = P(
        5.0,
        "members who can each take a full part in one piece of improvement work; in a larger group each "
        "member's part (depth of practice change, ties built, leading done) is working_group / members",
        unit="people",
        ge=1,
        le=50,
        source="Hackman & Vidmar 1970 (a group of about 4.6 works best); process losses in larger groups "
        "(Steiner 1972; Latané, Williams & Harkins 1979)",
    )
    head_routine_acts: float = P(
        2.0,
        "leadership acts per week the head performs outside improvement items (vision, line management)",
        unit="acts/week",
        ge=0,
        le=50,
        source="the head remains central (Harris 2008)",
    )


class PracticeParams(Section):
    """How teaching practice changes and spreads."""

    gain: float = P(
        0.05,
        "practice gain for a teacher who carries out a successful item (times learner focus, buy-in and room to "
        "improve); the same for a head's mandate and a team's finding",
        unit="0-1",
        ge=0,
        le=1,
        source="assumption: a successful inquiry cycle moves practice a little",
    )
    internalisation: float = P(
        0.002,
        "weekly share of practice not (yet) owned that becomes owned while someone presses for it (habit)",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption: habits form slowly",
    )
    erosion: float = P(
        0.04,
        "weekly loss of practice a teacher does not own when nobody presses for it (a head following up, "
        "observation, data meetings); full press stops it",
        unit="1/week",
        ge=0,
        le=1,
        source="imposed change fades when pressure goes (Harris 2008; Fullan 2001); the rate of the former "
        "compliance decay, so the default school's stock is unchanged",
    )
    spread: float = P(
        0.02,
        "weekly rate at which practice spreads along collaboration ties",
        unit="1/week",
        ge=0,
        le=1,
        source="practice spreads through professional collaboration (Harris 2014)",
    )
    experience_growth: float = P(
        0.008,
        "weekly share of the gap to their department's norm (experienced "
        "colleagues' practice, at least teachers.practice_mean) that a teacher in "
        "their first five years closes",
        unit="1/week",
        ge=0,
        le=1,
        source="returns to experience are steep in years 1-5 (Kini & Podolsky 2016); "
        "novices are socialised into department norms (Kardos & Johnson 2007)",
    )
    effort_weight: float = P(
        0.3, "how much effort adds to teaching effectiveness", unit="ratio", ge=0, le=2, source="assumption"
    )
    charisma_effect: float = P(
        0.25,
        "effort lift per unit of head charisma",
        unit="effort",
        ge=0,
        le=2,
        source="charismatic heads lift effort (Harris 2008); calibrated",
    )
    head_capacity_effect: float = P(
        0.6,
        "effort change per unit of the head's capacity above (below) an experienced head's (0.6): the "
        "everyday instructional leadership (monitoring, feedback, expectations) that holds effort up",
        unit="effort",
        ge=0,
        le=2,
        source="first-time principals are less effective (Clark, Martorell & Rockoff 2009); an experienced "
        "successor largely offsets the drop after a change (Bartanen et al. 2019); calibrated to E3",
    )
    freeze_teaching: bool = P(
        False,
        "experimental switch: hold each teaching post's effectiveness (practice + effort) at its "
        "starting value whatever leadership does (pattern 6, Heck & Hallinger 2009)",
        source="validation experiment",
    )


class CapacityParams(Section):
    """How leadership capacity grows and decays."""

    growth: float = P(
        0.03,
        "capacity gain for each week spent leading or co-leading an item",
        unit="1/week",
        ge=0,
        le=1,
        source="capacity grows by leading (Harris 2008)",
    )
    coaching: float = P(
        1.0,
        "extra growth multiplier from the head's support (coaching, mentoring, training) on items the head backs "
        "(designed teams fully, crisis work at half)",
        unit="ratio",
        ge=0,
        le=10,
        source="Arden: coaching and mentoring programme",
    )
    disuse_decay: float = P(
        0.002,
        "weekly loss of capacity when a teacher leads nothing",
        unit="1/week",
        ge=0,
        le=1,
        source="capacity is 'lost without use' (model brief)",
    )
    everyday_leadership: float = P(
        0.5,
        "how much of a week's leading a formal role holder does in everyday departmental and pastoral "
        "leadership, outside improvement items (keeps their capacity in use)",
        unit="0-1",
        ge=0,
        le=1,
        source="middle leaders lead their departments every week (Harris 2008; Bennett et al. 2003)",
    )
    override_loss: float = P(
        0.1,
        "share of leadership capacity (self-efficacy) a member loses when the head overrides the team's decision "
        "or takes its work over under threat",
        unit="share",
        ge=0,
        le=1,
        source="delegation without authority does not build leaders (Harris 2014; seed 004); "
        "efficacy falls with reversed decisions (Bandura 1997) and under threat-rigid leadership (Daly 2009)",
    )


class TrustParams(Section):
    """Trust, cynicism and motivation."""

    growth: float = P(
        0.04,
        "trust gain among members of a successful item",
        unit="0-1",
        ge=0,
        le=1,
        source="trust grows in successful joint work (Harris 2014)",
    )
    loss: float = P(
        0.02,
        "share of their trust in colleagues that members of a failed item lose",
        unit="share",
        ge=0,
        le=1,
        source="assumption",
    )
    betrayal: float = P(
        0.08,
        "share of their trust in the head members lose when shared work is overridden or taken over under threat",
        unit="0-1",
        ge=0,
        le=1,
        source="inauthentic distribution backfires on trust (Harris 2014); threat-rigid responses go with "
        "lower trust in the principal (Daly 2009)",
    )
    cynicism_failure: float = P(
        0.03,
        "cynicism gain for members of a failed item",
        unit="0-1",
        ge=0,
        le=1,
        source="Harris 2008: each failure leaves staff 'more cynical'",
    )
    cynicism_abandon: float = P(
        0.15,
        "cynicism gain for members of abandoned or overridden work",
        unit="0-1",
        ge=0,
        le=1,
        source="Harris 2008: 'failed or terminated effort'",
    )
    cynicism_recovery: float = P(
        0.01,
        "cynicism loss for members of a successful item",
        unit="0-1",
        ge=0,
        le=1,
        source="assumption: success heals slowly",
    )
    cynicism_drag: float = P(
        0.6, "how much cynicism reduces effort and willingness to lead", unit="0-1", ge=0, le=1, source="assumption"
    )
    cynicism_relaxation: float = P(
        0.0015,
        "weekly rate at which cynicism fades when nothing feeds it",
        unit="1/week",
        ge=0,
        le=1,
        source="slow: schools 'never entirely return' (Harris 2008); half-life ~12 school years",
    )
    contagion: float = P(
        0.03,
        "weekly rate at which a teacher's cynicism moves toward that of the colleagues "
        "they are tied to (staffroom culture)",
        unit="1/week",
        ge=0,
        le=1,
        source="newcomers are socialised into staff attitudes (Kardos & Johnson 2007); assumption",
    )
    motivation_rate: float = P(
        0.02,
        "weekly rate at which motivation moves toward what the work climate gives",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption",
    )


class NetworkParams(Section):
    """Collaboration ties among staff."""

    tie_growth: float = P(
        0.08,
        "tie strength gained per week two teachers work on an item together",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption",
    )
    tie_decay: float = P(
        0.004,
        "weekly decay of tie strength above the everyday level",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption: unused ties fade slowly (half-life ~4.4 school years)",
    )
    everyday_tie: float = P(
        0.25,
        "strength an existing tie inside a department keeps from everyday contact",
        unit="0-1",
        ge=0,
        le=1,
        source="departments share rooms and routines (egg crate)",
    )
    tie_threshold: float = P(
        0.2, "tie strength counted as a tie for density and clustering", unit="0-1", ge=0, le=1, source="assumption"
    )


class TimeParams(Section):
    """Each teacher's weekly time: teaching and preparation first, then leading and collaborating."""

    item_time: float = P(
        0.08,
        "share of a teacher's week one improvement item takes from each person on it",
        unit="share/week",
        ge=0,
        le=0.5,
        source="a team meeting and follow-up, about 3-4 hours of a 45-hour week (TALIS 2018); assumption",
    )
    protected_budget: float = P(
        0.04,
        "protected time the school can fund, as a share of all teachers' time (cover, timetabling); teams "
        "formed by design draw on it instead of adding hours",
        unit="share",
        ge=0,
        le=0.5,
        source="Arden: time set aside for teams; about 2 periods a fortnight for a fifth of staff; assumption",
    )
    overload_penalty: float = P(
        0.5,
        "teaching effectiveness lost per unit of commitments beyond a teacher's week",
        unit="per share",
        ge=0,
        le=5,
        source="workload crowds out preparation (TALIS 2018; Day et al. 2007); assumption",
    )


class FatigueParams(Section):
    """Strain: raised by overload, crisis work and imposed initiatives, lowered by calm weeks and holidays."""

    overload_gain: float = P(
        0.3,
        "fatigue gained per week per unit of commitments beyond the week",
        unit="per share",
        ge=0,
        le=5,
        source="assumption: sustained overload accumulates (Day et al. 2007, teacher well-being)",
    )
    crisis_strain: float = P(
        0.02,
        "fatigue gained per week of crisis work, times the crisis's severity",
        unit="1/week",
        ge=0,
        le=1,
        source="leadership by desperation is short-lived (Gronn 2002; Harris 2008, seed 002)",
    )
    initiative: float = P(
        0.02,
        "fatigue each imposed whole-school initiative adds to every teacher when it starts",
        unit="per initiative",
        ge=0,
        le=1,
        source="initiative overload (Fullan 2001; Hargreaves & Fink 2006)",
    )
    recovery: float = P(
        0.05,
        "weekly share of fatigue lost in a week without overload",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption: a calm half-term halves strain",
    )
    holiday_recovery: float = P(
        0.7,
        "share of fatigue lost over the summer holiday",
        unit="share",
        ge=0,
        le=1,
        source="assumption: holidays restore most, not all, strain",
    )
    effort_effect: float = P(
        0.5,
        "effort lost per unit of fatigue",
        unit="per unit",
        ge=0,
        le=2,
        source="burnout lowers effort (Maslach & Leiter 2016); assumption",
    )
    cynicism_effect: float = P(
        0.002,
        "weekly cynicism gained per unit of fatigue",
        unit="1/week",
        ge=0,
        le=1,
        source="exhaustion breeds cynicism (Maslach & Leiter 2016); assumption",
    )
    exit_effect: float = P(
        1.0,
        "relative rise in a teacher's chance of leaving per unit of fatigue",
        unit="per unit",
        ge=0,
        le=10,
        source="workload is the main reason teachers give for leaving (DfE 2018); assumption",
    )


class ThreatParams(Section):
    """A crisis is a threat with costs, and how a school meets it depends on its trust."""

    learning_cost: float = P(
        0.3,
        "share of a week's lessons that give no progress, per unit of crisis severity, while the crisis lasts",
        unit="share",
        ge=0,
        le=1,
        source="disruption costs learning; assumption (at severity 0.8, eight weeks cost about what ten days of "
        "teacher absence cost: Clotfelter, Ladd & Vigdor 2009; Miller, Murnane & Willett 2008)",
    )
    rigidity: float = P(
        1.0,
        "how far low trust turns a crisis's pull toward central control instead of all-hands work "
        "(0: every school opens up; 1: a school with no trust only centralises)",
        unit="0-1",
        ge=0,
        le=1,
        source="threat-rigidity (Staw, Sandelands & Dutton 1981); low-trust schools centralise under "
        "accountability pressure (Daly 2009)",
    )
    inspection_trigger: float = P(
        -0.05,
        "value added (SD per year, mean over the last school year) below which an inspection crisis starts; -1 never",
        unit="SD/year",
        ge=-1,
        le=1,
        source="accountability triggers after sustained low progress (Ofsted; Muijs et al. 2004); assumption",
    )


class OrchestrationParams(Section):
    """Distribution by design is work for the head and the senior team, built up in phases."""

    team_cost: float = P(
        0.25,
        "share of the head's bandwidth one running design team takes (forming, backing, following up)",
        unit="items",
        ge=0,
        le=5,
        source="the head as 'leader of leaders' orchestrates (Harris 2008); assumption",
    )
    senior_share: float = P(
        0.5,
        "teams each senior-team member can orchestrate, per unit of their capacity",
        unit="teams",
        ge=0,
        le=10,
        source="senior and middle leaders share orchestration (Arden, seed 002); assumption",
    )
    phase_rate: float = P(
        0.02,
        "weekly rate at which the share of design a head can run follows staff trust in the head",
        unit="1/week",
        ge=0,
        le=1,
        source="heads distribute in phases as trust grows (Day et al. 2009); about a year to build",
    )


class ReformParams(Section):
    """An imposed reform programme: whole-school initiatives at a pace."""

    pace: float = P(
        0.0,
        "whole-school initiatives imposed per term (13 weeks) on top of the improvement work",
        unit="1/term",
        ge=0,
        le=13,
        source="Fullan 2001; Hargreaves & Fink 2006 ('sustainable leadership'); 0 = no programme",
    )
    initiative_weeks: int = P(
        13,
        "weeks each imposed initiative runs",
        unit="weeks",
        ge=1,
        le=52,
        source="a term; assumption",
    )


class MentoringParams(Section):
    """Mentoring as pairs: a mentor and a novice."""

    time: float = P(
        0.04,
        "share of a mentor's week a mentee takes",
        unit="share/week",
        ge=0,
        le=0.5,
        source="about an hour and a half a week; assumption",
    )
    rate: float = P(
        0.02,
        "weekly share of the gap to their mentor's practice a mentee closes",
        unit="1/week",
        ge=0,
        le=1,
        source="Arden: middle leaders mentor new staff; induction effects (Ingersoll & Strong 2011)",
    )
    informal: float = P(
        0.3,
        "chance a novice finds a mentor when no scheme exists (the best practitioner near them)",
        unit="share",
        ge=0,
        le=1,
        source="assumption",
    )


class RoutinesParams(Section):
    """Routines and structures: where leadership practice lives beyond people (Spillane 2006)."""

    creation: float = P(
        0.15,
        "strength a successful collaborative item adds to the routine of its domain",
        unit="0-1",
        ge=0,
        le=1,
        source="leadership practice is stretched over routines and tools (Spillane 2006); assumption",
    )
    decay: float = P(
        0.01,
        "weekly loss of a routine's strength when nobody keeps it up",
        unit="1/week",
        ge=0,
        le=1,
        source="assumption: an unused routine lapses within about two years",
    )
    upkeep: float = P(
        0.3,
        "capacity (summed over role holders and the head) needed to keep one unit of routine strength up",
        unit="capacity",
        ge=0.01,
        le=10,
        source="assumption",
    )
    time: float = P(
        0.01,
        "share of every teacher's week one routine at full strength takes",
        unit="share/week",
        ge=0,
        le=0.2,
        source="a meeting a fortnight; assumption",
    )
    press: float = P(
        0.5,
        "press on practice from observation and data routines at full strength (0-1 each)",
        unit="0-1",
        ge=0,
        le=1,
        source="making practice visible holds it (Harris 2014; Spillane 2006); assumption",
    )
    dismantle_cost: float = P(
        0.1,
        "cynicism a successor causes in every teacher by dismantling a routine at full strength",
        unit="0-1",
        ge=0,
        le=1,
        source="sustainable succession (Hargreaves & Fink 2006); assumption",
    )


class RolesParams(Section):
    """Whole-school roles: academic or pastoral responsibilities held alongside teaching (Arden)."""

    whole_school: float = P(
        0.0,
        "share of teachers without a formal post who hold a whole-school academic or pastoral role at the start",
        unit="share",
        ge=0,
        le=1,
        source="most schools give leadership roles by position only (Harris 2008); Arden gave every teacher one",
    )
    leading: float = P(
        0.25,
        "how much of a week's leading a whole-school role brings (a formal post brings capacity.everyday_leadership)",
        unit="0-1",
        ge=0,
        le=1,
        source="'along with their teaching responsibilities' (Arden, seed 002): half a post's; assumption",
    )
    time: float = P(
        0.02,
        "share of the week a whole-school role takes from its holder",
        unit="share/week",
        ge=0,
        le=0.2,
        source="a meeting a fortnight, as a routine (routines.time); assumption",
    )
    bridging: float = P(
        0.5,
        "share of the egg-crate penalty lifted between two holders of whole-school roles working together",
        unit="share",
        ge=0,
        le=1,
        source="cross-subject teams 'ensured that teachers from different key stages worked together' "
        "(Arden, seed 002); assumption",
    )
    dismantle_cost: float = P(
        0.1,
        "cynicism a successor causes in each holder by taking whole-school roles away",
        unit="0-1",
        ge=0,
        le=1,
        source="as routines.dismantle_cost (Hargreaves & Fink 2006)",
    )


class MemoryParams(Section):
    """The school's memory of abandoned and failed initiatives."""

    scale: float = P(
        3.0,
        "memories of abandoned initiatives at which the floor of a teacher's cynicism is 63 % of the way to 1",
        unit="initiatives",
        ge=0.1,
        le=100,
        source="each failed or abandoned effort leaves staff more cynical (Harris 2008); assumption",
    )
    forget: float = P(
        0.05,
        "share of their memory a teacher lets go of when an item they are on succeeds",
        unit="share",
        ge=0,
        le=1,
        source="cynicism falls slowly after a run of success (Harris 2008); assumption",
    )
    transmission: float = P(
        0.5,
        "share of their colleagues' (tie-weighted) memory a newcomer takes on",
        unit="share",
        ge=0,
        le=1,
        source="newcomers are socialised into staff attitudes (Kardos & Johnson 2007)",
    )


class DepartmentsParams(Section):
    """Departments' own agendas and the middle leaders who broker between them and the head."""

    agenda_pull: float = P(
        0.3,
        "share of a head's initiative outside a department's own agenda (the domain it knows best relative to "
        "the school) that the department does not take up, when its leader does not broker it",
        unit="share",
        ge=0,
        le=1,
        source="departments as subcultures with priorities of their own (Siskin 1994; Busher & Harris 1999); "
        "the size is an assumption",
    )
    brokerage: float = P(
        1.0,
        "how far a department leader's trust in the head times their capacity translates a head's initiative "
        "into the department's terms (downward brokering)",
        unit="ratio",
        ge=0,
        le=2,
        source="middle leaders 'bridging and brokering' between department and senior team (Busher & Harris "
        "1999; Wenger 1998); 1 takes their trust and capacity as they are: assumption",
    )
    voice: float = P(
        1.0,
        "most the departments' agendas add, together, to the need for work in their domains, when their "
        "leaders argue at full capacity to a head who fully shares leadership (upward brokering)",
        unit="need",
        ge=0,
        le=5,
        source="middle leaders represent their departments to the senior team (Busher & Harris 1999); 'reciprocal "
        "engagement and communication' (Harris 2008); the size is an assumption (need entries are 0.5-2)",
    )


class SuccessionParams(Section):
    """What a head's departure does to the staff, through their own state."""

    uncertainty: float = P(
        0.1,
        "effort lost while the post is vacant and in the successor's first year",
        unit="0-1",
        ge=0,
        le=1,
        source="uncertainty after a principal change (Hargreaves & Fink 2006; Béteille et al. 2012)",
    )
    expectations_fade: float = P(
        0.0089,
        "weekly share by which the expectations a departed head set fade toward those of the head in "
        "post, where the leadership capability around a teacher still holds them",
        unit="per week",
        ge=0,
        le=1,
        source="assumption: a half-life of two school years, within the 3-5 years in which achievement "
        "recovers after a head change (Bartanen, Grissom & Rogers 2019; Miller 2013)",
    )
    loyalty_exit: float = P(
        0.5,
        "relative rise in the chance of leaving, in the year after the departure, per unit of trust in "
        "the head who left",
        unit="per unit",
        ge=0,
        le=5,
        source="teacher turnover rises after principal turnover (Béteille, Kalogrides & Loeb 2012)",
    )


class Scenario(Section):
    """A school and its story: everything a run needs besides the seed."""

    name: str = P("default", "short name of the scenario")
    description: str = P("", "what the scenario shows, in one line")
    seed: int = P(0, "seed of the model's random generator", ge=0, le=2**63 - 1)
    years: float = P(10, "length of the run", unit="years", ge=0.1, le=100)
    school: School = Field(default_factory=School)
    head: Head = Field(default_factory=Head)
    leadership: Leadership = Field(default_factory=Leadership)
    events: Events = Field(default_factory=Events)
    teachers: Teachers = Field(default_factory=Teachers)
    students: Students = Field(default_factory=Students)
    parents: Parents = Field(default_factory=Parents)
    work: Work = Field(default_factory=Work)
    practice: PracticeParams = Field(default_factory=PracticeParams)
    capacity: CapacityParams = Field(default_factory=CapacityParams)
    trust: TrustParams = Field(default_factory=TrustParams)
    network: NetworkParams = Field(default_factory=NetworkParams)
    time: TimeParams = Field(default_factory=TimeParams)
    fatigue: FatigueParams = Field(default_factory=FatigueParams)
    threat: ThreatParams = Field(default_factory=ThreatParams)
    orchestration: OrchestrationParams = Field(default_factory=OrchestrationParams)
    reform: ReformParams = Field(default_factory=ReformParams)
    mentoring: MentoringParams = Field(default_factory=MentoringParams)
    routines: RoutinesParams = Field(default_factory=RoutinesParams)
    roles: RolesParams = Field(default_factory=RolesParams)
    memory: MemoryParams = Field(default_factory=MemoryParams)
    succession: SuccessionParams = Field(default_factory=SuccessionParams)
    departments: DepartmentsParams = Field(default_factory=DepartmentsParams)

    @field_validator("name", "description")
    @classmethod
    def _one_line_of_text(cls, text: str, info: Any) -> str:
        # both are printed to terminals and written into every run's files: short, plain text
        limit = TEXT_LIMITS[info.field_name]
        if len(text) > limit:
            raise ValueError(f"at most {limit} characters (got {len(text):,})")
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            raise ValueError("one line of text: control characters (newlines, tabs, escapes) are not allowed")
        return text

    @property
    def steps(self) -> int:
        """Number of weekly steps in the run."""
        return max(1, round(self.years * self.school.weeks_per_year))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        s = self.school
        if s.parents > s.students:
            raise ValueError(f"school.parents ({s.parents}) cannot exceed school.students ({s.students})")
        if s.sites > s.departments:
            raise ValueError(
                f"school.sites ({s.sites}) cannot exceed school.departments ({s.departments}): "
                "each site houses whole departments"
            )
        t = self.teachers
        if t.senior_team + t.middle_leaders > s.teachers:
            raise ValueError(
                f"teachers.senior_team + teachers.middle_leaders ({t.senior_team + t.middle_leaders}) "
                f"cannot exceed school.teachers ({s.teachers})"
            )
        if self.leadership.team_size > s.teachers:
            raise ValueError(f"leadership.team_size ({self.leadership.team_size}) exceeds school.teachers")
        wpy, last = s.weeks_per_year, self.steps
        for where, items in (
            ("leadership.schedule", self.leadership.schedule),
            ("events.head_departures", self.events.head_departures),
            ("events.crises", self.events.crises),
        ):
            for i, item in enumerate(items):
                if item.step(wpy) > last:
                    raise ValueError(
                        f"{where}[{i}] at week {item.step(wpy)} is beyond the run ({last} weeks = {self.years} years)"
                    )
        weeks = sorted(d.step(wpy) for d in self.events.head_departures)
        if len(set(weeks)) != len(weeks):
            raise ValueError("events.head_departures: two departures in the same week")
        term = max(1, wpy // 3)  # a head cannot arrive, settle and leave within a term (docs/ODD.md)
        for where, items in (("head_departures", self.events.head_departures), ("crises", self.events.crises)):
            starts = sorted(item.step(wpy) for item in items)
            if any(b - a < term for a, b in zip(starts, starts[1:], strict=False)):
                raise ValueError(f"events.{where}: at most one per term ({term} weeks apart at least)")
        changes = [c.step(wpy) for c in self.leadership.schedule]
        if changes != sorted(changes):
            raise ValueError("leadership.schedule: changes must be in time order")
        senior, middle = t.senior_team, t.middle_leaders
        for i, c in enumerate(self.leadership.schedule):
            senior = c.senior_team if c.senior_team is not None else senior
            middle = c.middle_leaders if c.middle_leaders is not None else middle
            if senior + middle > s.teachers:
                raise ValueError(
                    f"leadership.schedule[{i}]: senior_team + middle_leaders ({senior + middle}) "
                    f"cannot exceed school.teachers ({s.teachers})"
                )
        return self


def iter_parameters(model: type[BaseModel] = Scenario, prefix: str = "") -> list[dict[str, Any]]:
    """Every scalar parameter as a row: path, default, range, unit, meaning, source.

    Used by ``leadsim params`` and to generate the ODD parameter table.
    """
    rows: list[dict[str, Any]] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            rows.extend(iter_parameters(ann, path + "."))
            continue
        if field.default_factory is not None:  # lists of events: documented as structures
            continue
        extra = field.json_schema_extra or {}
        lo = hi = None
        for m in field.metadata:
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        args = getattr(ann, "__args__", None)
        if args and all(isinstance(a, str) for a in args):
            rng = " | ".join(args)
        elif ann is bool:
            rng = "true | false"
        elif lo is not None or hi is not None:
            rng = f"{_fmt(lo)}–{_fmt(hi)}"
        else:
            rng = ""
        rows.append(
            {
                "name": path,
                "default": field.default,
                "range": rng,
                "unit": extra.get("unit", ""),
                "meaning": field.description or "",
                "source": extra.get("source", ""),
            }
        )
    return rows


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:g}"
