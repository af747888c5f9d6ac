""" "Your school": a participant's answers to the seeds' questions become a starting scenario.

The questions are those Harris (2008, seed 002) asks school leaders to put to their own school -
how far leadership is distributed, how many formal roles there are and whether they work, who the
informal leaders are, how far encouragement, time and opportunity to lead are given - plus the
head's style, trust, the three barriers she names (distance, culture, structure) and the school's
size. Each answer sets one or two scenario settings; :data:`QUESTIONS` says which, to what, and
why, and the page shows that table next to the result. The values are assumptions (stated in
docs/ODD.md), chosen to sit inside each setting's documented range around the reference school.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leadsim.app.classroom import drop_none, register_scenario
from leadsim.sim.config import Scenario
from leadsim.sim.scenario import load_scenario

#: the scenario a participant's school starts from: the reference school, no random events
BASE = "reference"


@dataclass(frozen=True)
class Question:
    """One question, its answers (key -> words) and what each answer sets.

    Attributes:
        key: short name (the answers file's key).
        text: the question as the page asks it.
        answers: answer key -> the words shown.
        sets: answer key -> {setting path: value}.
        why: why these settings, in one sentence.
    """

    key: str
    text: str
    answers: dict[str, str]
    sets: dict[str, dict[str, Any]]
    why: str


QUESTIONS: tuple[Question, ...] = (
    Question(
        "distributed",
        "How far is leadership distributed in your school now?",
        {
            "hardly": "hardly: the head and senior team lead",
            "a little": "a little: tasks are handed out",
            "quite": "quite a lot: teams lead some improvement work",
            "widely": "widely: most staff lead something",
        },
        {
            "hardly": {"leadership.pattern": {"solo": 1.0, "design": 0.0, "default": 0.0, "desperation": 0.0}},
            "a little": {"leadership.pattern": {"solo": 0.7, "design": 0.0, "default": 0.3, "desperation": 0.0}},
            "quite": {"leadership.pattern": {"solo": 0.4, "design": 0.3, "default": 0.3, "desperation": 0.0}},
            "widely": {"leadership.pattern": {"solo": 0.2, "design": 0.5, "default": 0.3, "desperation": 0.0}},
        },
        "the pattern mix is who takes up improvement work: the head alone (solo), teams by design, or volunteers",
    ),
    Question(
        "roles",
        "How many formal leadership roles are there (heads of department, year leads)?",
        {"few": "few", "some": "about one per department", "many": "many"},
        {
            "few": {"teachers.middle_leaders": 0.07},
            "some": {"teachers.middle_leaders": 0.13},
            "many": {"teachers.middle_leaders": 0.22},
        },
        "middle leaders are formal roles; given as a share of the teachers (the reference school has 8 of 60)",
    ),
    Question(
        "roles_work",
        "Are those roles effective: do they lead improvement, or mostly administer?",
        {"administer": "mostly administer", "some": "some lead improvement", "lead": "they lead improvement"},
        {"administer": {"shift": "default"}, "some": {}, "lead": {"shift": "design"}},
        "roles that lead improvement turn volunteering into teams by design; roles that administer leave "
        "the work to whoever volunteers (half of the other share moves)",
    ),
    Question(
        "informal",
        "Who are the informal leaders: do they have significant influence?",
        {"few": "hardly anyone", "some": "a few people", "many": "many people"},
        {
            "few": {"teachers.capacity_mean": 0.03},
            "some": {"teachers.capacity_mean": 0.08},
            "many": {"teachers.capacity_mean": 0.25},
        },
        "informal leaders are teachers able to lead beyond their classroom without a post: the leadership "
        "capacity of teachers without one",
    ),
    Question(
        "time",
        "How far are encouragement, time and opportunity provided for others to lead?",
        {"hardly": "hardly: no time set aside", "some": "some: now and then", "protected": "protected time every week"},
        {
            "hardly": {"leadership.time_for_collaboration": 0.05},
            "some": {"leadership.time_for_collaboration": 0.15},
            "protected": {"leadership.time_for_collaboration": 0.3},
        },
        "time protected for team leadership work (0.15 is about half a day a week, Harris 2008)",
    ),
    Question(
        "head",
        "How does the head lead?",
        {"alone": "from the front, alone", "consults": "consults, then decides", "shares": "shares leadership"},
        {
            "alone": {"head.distribution": 0.1},
            "consults": {"head.distribution": 0.4},
            "shares": {"head.distribution": 0.8},
        },
        "the head's stance toward sharing leadership scales the time and permission others get",
    ),
    Question(
        "trust",
        "How much do staff trust the head and each other?",
        {"low": "low", "middling": "middling", "high": "high"},
        {
            "low": {"teachers.trust_head": 0.3, "teachers.trust_colleagues": 0.3},
            "middling": {"teachers.trust_head": 0.5, "teachers.trust_colleagues": 0.5},
            "high": {"teachers.trust_head": 0.7, "teachers.trust_colleagues": 0.7},
        },
        "trust at the start, in the head and in colleagues",
    ),
    Question(
        "distance",
        "Barrier of distance: do your staff work on one site, or on several apart from each other?",
        {"close": "one site", "some": "two sites", "far": "three or more sites, far apart"},
        {
            "close": {"school.sites": 1},
            "some": {"school.sites": 2},
            "far": {"school.sites": 3, "school.site_distance": 0.8},
        },
        "'geographical separation makes it more difficult for teachers to connect' (Harris 2008): "
        "ties form less between sites",
    ),
    Question(
        "culture",
        "Barrier of culture: is there weariness of initiatives, a 'this too shall pass' feeling?",
        {"little": "little", "some": "some", "much": "much"},
        {
            "little": {"teachers.cynicism": 0.15},
            "some": {"teachers.cynicism": 0.28},
            "much": {"teachers.cynicism": 0.45},
        },
        "a culture wary of change is the model's cynicism about improvement efforts",
    ),
    Question(
        "hierarchy",
        "Barrier of culture: is leading seen as the job of those with a post?",
        {"no": "no: anyone may lead", "partly": "partly", "yes": "yes: leadership is the post holders'"},
        {"no": {"school.hierarchy": 0.0}, "partly": {"school.hierarchy": 0.25}, "yes": {"school.hierarchy": 0.5}},
        "where leadership 'resides in one person' (Harris 2008), teachers without a post take up leading less "
        "and form fewer ties with post holders",
    ),
    Question(
        "structure",
        "Barrier of structure: do departments and timetables keep staff apart?",
        {"open": "staff work across departments", "some": "somewhat", "silos": "departments are silos"},
        {"open": {"school.egg_crate": 0.25}, "some": {"school.egg_crate": 0.5}, "silos": {"school.egg_crate": 0.8}},
        "the 'egg crate' structure: how much harder ties form across departments (Harris 2008)",
    ),
    Question(
        "size",
        "How big is your school?",
        {
            "small": "small (about 15 teachers, 250 pupils)",
            "medium": "medium (about 35 teachers, 600 pupils)",
            "large": "large (about 60 teachers, 1000 pupils)",
            "very large": "very large (about 100 teachers, 1700 pupils)",
        },
        {
            "small": {"school.teachers": 15, "school.students": 250, "school.parents": 250, "school.departments": 3},
            "medium": {"school.teachers": 35, "school.students": 600, "school.parents": 600, "school.departments": 5},
            "large": {"school.teachers": 60, "school.students": 1000, "school.parents": 1000, "school.departments": 6},
            "very large": {
                "school.teachers": 100,
                "school.students": 1700,
                "school.parents": 1700,
                "school.departments": 8,
            },
        },
        "sizes at a pupil:teacher ratio of about 17 (DfE 2023), as in the reference school",
    ),
)
#: the answers of a school like the reference school (every question's middle answer; one site and no
#: hierarchy, as in the reference school)
TYPICAL: dict[str, str] = {
    "distributed": "a little",
    "roles": "some",
    "roles_work": "some",
    "informal": "some",
    "time": "some",
    "head": "consults",
    "trust": "middling",
    "distance": "close",
    "culture": "some",
    "hierarchy": "no",
    "structure": "some",
    "size": "large",
}


@dataclass(frozen=True)
class Mapped:
    """One row of what the answers were mapped to."""

    question: str
    answer: str
    setting: str
    value: Any
    why: str


def _set(d: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for p in parents:
        d = d[p]
    d[last] = copy.deepcopy(value)  # never share (and later change) a dict of QUESTIONS


def diagnose(answers: Mapping[str, str], name: str = "your-school") -> tuple[Scenario, list[Mapped]]:
    """The starting scenario for a school with these answers, and what each answer set.

    Args:
        answers: question key -> answer key (see :data:`QUESTIONS`); a question left out takes
            the reference school's answer (:data:`TYPICAL`).
        name: the scenario's name.

    Raises:
        ValueError: an unknown question or answer, naming it and the valid ones.
    """
    by_key = {q.key: q for q in QUESTIONS}
    for key, answer in answers.items():
        if key not in by_key:
            raise ValueError(f"{key}: not a question; expected one of {', '.join(by_key)}")
        if answer not in by_key[key].answers:
            raise ValueError(f"{key}: {answer!r} is not an answer; expected one of {', '.join(by_key[key].answers)}")
    chosen = {**TYPICAL, **answers}
    d = load_scenario(BASE).model_dump()
    d["name"] = name
    d["description"] = "A school described by its own leaders' answers (leadsim diagnose / the page's 'your school')."
    d["events"].update(head_departures=[], crises=[], head_exit_hazard=0.0, crisis_hazard=0.0)
    rows: list[Mapped] = []
    size = QUESTIONS[-1].sets[chosen["size"]]
    for path, value in size.items():
        _set(d, path, value)
    teachers = int(size["school.teachers"])
    for q in QUESTIONS:
        answer = chosen[q.key]
        if not q.sets[answer]:
            rows.append(Mapped(q.text, q.answers[answer], "(nothing)", "as in the reference school", q.why))
        for path, value in q.sets[answer].items():
            if path == "shift":
                pattern = d["leadership"]["pattern"]
                source = "design" if value == "default" else "default"
                moved = round(0.5 * pattern[source], 3)
                pattern[source] -= moved
                pattern[value] += moved
                rows.append(Mapped(q.text, q.answers[answer], f"leadership.pattern.{value}", f"+{moved:g}", q.why))
                continue
            if path == "teachers.middle_leaders":
                value = max(1, round(value * teachers))
            _set(d, path, value)
            rows.append(Mapped(q.text, q.answers[answer], path, value, q.why))
    d["teachers"]["senior_team"] = min(d["teachers"]["senior_team"], max(1, teachers // 6))
    d["leadership"]["team_size"] = min(d["leadership"]["team_size"], teachers)
    return Scenario.model_validate(drop_none(d)), rows


def register_answers(answers: Mapping[str, str]) -> tuple[str, Scenario, list[Mapped]]:
    """:func:`diagnose`, registered for the page as ``yours:<hash>``."""
    scenario, rows = diagnose(answers)
    key = "yours:" + hashlib.sha256(repr(sorted({**TYPICAL, **answers}.items())).encode()).hexdigest()[:8]
    register_scenario(key, scenario)
    return key, scenario, rows
