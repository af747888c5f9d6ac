"""The trainers' page's classroom logic, without Solara: schools, the clock, interventions, replay.

:class:`Classroom` holds one school, or two in compare mode, that step in lockstep, and a
*cursor*: the week on screen. Everything a trainer does acts on the cursor:

- ``forward(n)`` moves it on, stepping the schools when it reaches the newest week run; ``seek(week)``
  moves it anywhere (back through the weeks already run: replay; on: the schools step there).
- ``head_leaves_now()``, ``crisis_now()``, ``switch_pattern_now()`` act on the school *as shown*:
  they take effect at the start of the week after the cursor, the first week that can still
  change. If the cursor is behind the newest week run (the trainer went back), the run
  branches there: the later weeks are dropped, kept as a faint "previous run" line, and the
  schools are put back to the cursor's week (re-run from the nearest copy taken earlier, with the
  same seed and the same logged interventions, so they are exactly the schools that were there)
  before the new choice applies.

Every intervention is logged with its week, so a run is fully described by its settings, seed and
log: :mod:`leadsim.app.setup` turns that into an address (a shareable link) and a scenario file.

Only the public API of :class:`~leadsim.sim.model.SchoolModel` is used.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from leadsim.app.views import (
    CHART_COLUMNS,
    ROUTINE_WORDS,
    Marker,
    NetworkLayout,
    NetworkSnapshot,
    RoutineLevels,
    SchoolSeries,
    centre_overload,
)
from leadsim.sim.config import Scenario
from leadsim.sim.metrics import ALPHA
from leadsim.sim.model import SchoolModel
from leadsim.sim.scenario import bundled_scenarios, load_scenario
from leadsim.sim.vocabulary import MIXES, PATTERNS

# --- what a trainer can choose ---------------------------------------------------------------------

#: pattern mixes offered for a later switch and for "switch the pattern now": key -> (label, weights)
PRESETS: dict[str, tuple[str, dict[str, float]]] = {
    "solo": ("the head leads alone", MIXES["solo"]),
    "design": ("shared by design: teams with time and support", MIXES["design"]),
    "default": ("left to volunteers", MIXES["default"]),
    "desperation": ("all hands in a crisis", MIXES["desperation"]),
}
#: the model's pattern names -> a school leader's words (the model's term goes in a tooltip)
PATTERN_WORDS: dict[str, str] = {
    "solo": "the head alone",
    "design": "teams by design",
    "default": "volunteers",
    "desperation": "all hands",
}
PATTERN_NAMES = PATTERNS
assert tuple(PATTERN_WORDS) == PATTERNS, "one word for each of the model's patterns, in its order"
NO_SWITCH = "no later change"
SCENARIO_SWITCH = "as in the scenario"
#: successor styles (leadsim.sim.heads.STYLES and like_predecessor) -> label
SUCCESSORS: dict[str, str] = {
    "top_down": "an ordinary top-down head",
    "charismatic": "another charismatic head",
    "distributive": "a head who shares leadership",
    "like_predecessor": "someone like the head who left",
}
CRISIS_KINDS = {"behaviour": "behaviour crisis", "results": "results crisis", "inspection": "inspection looms"}
DEFAULT_LEFT, DEFAULT_RIGHT = "charismatic-solo", "charismatic-design"
SIDE_NAMES = ("left", "right")
#: the routines' keys in a classroom's history and the page's data file
ROUTINE_KEYS: tuple[str, ...] = tuple(f"routine:{name}" for name in ROUTINE_WORDS)
#: what a trainer calls the bundled scenarios (legends, status, menus); others show their file name
HUMAN_NAMES: dict[str, str] = {
    "charismatic-solo": "solo head",
    "charismatic-design": "distributes by design",
    "arden": "Arden: firefights, then designs",
    "crisis": "ordinary school in crises",
    "default": "left to volunteers",
    "demo": "small school, solo head",
    "inauthentic": "delegation dressed as sharing",
    "reference": "reference school",
    "reform-cycles": "a new head every two years",
    "split-site": "designs across three sites",
}
#: months of additional progress for an effect size (EEF Teaching and Learning Toolkit): upper
#: bound of each band of |effect size| -> months; 0.96 and above is 12 months
EEF_MONTHS: tuple[tuple[float, int], ...] = (
    (0.01, 0),
    (0.09, 1),
    (0.18, 2),
    (0.26, 3),
    (0.35, 4),
    (0.44, 5),
    (0.52, 6),
    (0.61, 7),
    (0.69, 8),
    (0.78, 9),
    (0.87, 10),
    (0.95, 11),
)
EEF_SOURCE = "Education Endowment Foundation, Teaching and Learning Toolkit: months' progress from effect size"


def months_of_progress(sd: float) -> int:
    """Months of additional progress for an attainment difference of ``sd`` (EEF's conversion)."""
    size = round(abs(float(sd)), 2)
    months = next((m for upper, m in EEF_MONTHS if size <= upper), 12)
    return -months if sd < 0 else months


_UPLOADED: dict[str, Scenario] = {}
_UPLOAD_LOCK = threading.Lock()
#: uploaded scenarios kept by this server (content-addressed, so sessions sharing one is harmless)
MAX_UPLOADED = 64


def register_scenario(key: str, scenario: Scenario) -> None:
    """Make an uploaded or "your school" scenario choosable under ``key`` (e.g. ``upload:1a2b3c4d``)."""
    with _UPLOAD_LOCK:
        if len(_UPLOADED) >= MAX_UPLOADED:
            _UPLOADED.pop(next(iter(_UPLOADED)))
        _UPLOADED[key] = scenario


def is_known_scenario(name: str) -> bool:
    """A bundled scenario, or one registered on this server."""
    return name in _UPLOADED or name in scenario_names()


def base_scenario(name: str) -> Scenario:
    """The scenario a school starts from: bundled (by name) or registered (``upload:...``)."""
    with _UPLOAD_LOCK:
        found = _UPLOADED.get(name)
    return found if found is not None else _bundled(name)


@lru_cache(maxsize=64)
def _bundled(name: str) -> Scenario:
    return load_scenario(name)


@lru_cache(maxsize=1)
def scenario_names() -> tuple[str, ...]:
    """Bundled scenarios, the two headline ones first."""
    names = [n for n, _, _ in bundled_scenarios()]
    first = [n for n in (DEFAULT_LEFT, DEFAULT_RIGHT) if n in names]
    return tuple(first + [n for n in names if n not in first])


def human_name(name: str) -> str:
    """What a trainer calls a scenario."""
    if name in HUMAN_NAMES:
        return HUMAN_NAMES[name]
    if name.startswith(("upload:", "yours:")):
        return base_scenario(name).name if name in _UPLOADED else name
    return name


def scenario_description(name: str) -> str:
    """The scenario's one-line description."""
    return base_scenario(name).description


@dataclass(frozen=True)
class SchoolSettings:
    """What the trainer sets for one school: a starting scenario and the few settings that matter most.

    Attributes:
        scenario: name of the scenario the school starts from (bundled, or ``upload:``/``yours:``).
        solo, design, default, desperation: the pattern mix at the start (weights, normalised by the model).
        switch_to: a key of :data:`PRESETS` to switch to at ``switch_year``, :data:`NO_SWITCH`, or
            :data:`SCENARIO_SWITCH` (keep the scenario's own schedule).
        switch_year: when the switch happens (years).
        charisma, distribution, authenticity: the head's.
        trust: teachers' trust in the head and in colleagues at the start.
        time_for_collaboration: share of the week protected for designed teamwork.
        successor: style of the head who follows a departure (a key of :data:`SUCCESSORS`).
        reform_pace: whole-school initiatives imposed per term from outside (``reform.pace``; 0 none).
    """

    scenario: str
    solo: float
    design: float
    default: float
    desperation: float
    switch_to: str
    switch_year: float
    charisma: float
    distribution: float
    authenticity: float
    trust: float
    time_for_collaboration: float
    successor: str
    reform_pace: float = 0.0

    @classmethod
    def from_scenario(cls, name: str) -> SchoolSettings:
        """The settings a scenario starts with (so that building it back changes nothing)."""
        cfg = base_scenario(name)
        p = cfg.leadership.pattern
        switch_to, switch_year = NO_SWITCH, 3.0
        wpy = cfg.school.weeks_per_year
        if cfg.leadership.schedule:
            switch_to = SCENARIO_SWITCH
            first = cfg.leadership.schedule[0]
            switch_year = round(first.step(wpy) / wpy, 2)
            if len(cfg.leadership.schedule) == 1:
                for key, (_, preset) in PRESETS.items():
                    if _same_mix(first.pattern.model_dump(), preset):
                        switch_to = key
        t = cfg.teachers
        return cls(
            scenario=name,
            solo=float(p.solo),
            design=float(p.design),
            default=float(p.default),
            desperation=float(p.desperation),
            switch_to=switch_to,
            switch_year=float(switch_year),
            charisma=cfg.head.charisma,
            distribution=cfg.head.distribution,
            authenticity=cfg.head.authenticity,
            trust=round(0.5 * (t.trust_head + t.trust_colleagues), 3),
            time_for_collaboration=cfg.leadership.time_for_collaboration,
            successor=cfg.events.successor.style,
            reform_pace=float(cfg.reform.pace),
        )

    def weights(self) -> dict[str, float]:
        """The pattern mix; the head leads alone if every weight is zero."""
        w = {k: float(getattr(self, k)) for k in PATTERN_NAMES}
        return w if sum(w.values()) > 0 else {"solo": 1.0, "design": 0.0, "default": 0.0, "desperation": 0.0}

    @property
    def changed(self) -> bool:
        """Differs from its scenario."""
        return self != SchoolSettings.from_scenario(self.scenario)

    def differences(self, other: SchoolSettings) -> list[str]:
        """Short words for what this school has that ``other`` has not (for legends in compare mode)."""
        if self.scenario != other.scenario:
            return [human_name(self.scenario)]
        out = []
        if self.weights() != other.weights():
            top = max(self.weights().items(), key=lambda kv: kv[1])[0]
            out.append(f"mostly {PATTERN_WORDS[top]}")
        for name, words in (
            ("charisma", "charisma"),
            ("distribution", "head shares"),
            ("authenticity", "authenticity"),
            ("trust", "trust"),
            ("time_for_collaboration", "team time"),
        ):
            a, b = getattr(self, name), getattr(other, name)
            if abs(a - b) > 1e-9:
                out.append(f"{words} {a:.2f}")
        if abs(self.reform_pace - other.reform_pace) > 1e-9:
            out.append(f"{self.reform_pace:g} reforms a term" if self.reform_pace else "no reforms imposed")
        if self.switch_to != other.switch_to or self.switch_year != other.switch_year:
            out.append("later: " + (PRESETS[self.switch_to][0] if self.switch_to in PRESETS else self.switch_to))
        if self.successor != other.successor:
            out.append("then " + SUCCESSORS[self.successor])
        return out


def default_settings() -> tuple[SchoolSettings, SchoolSettings]:
    """The two headline scenarios: a solo head and one who distributes by design."""
    names = scenario_names()
    left = DEFAULT_LEFT if DEFAULT_LEFT in names else names[0]
    right = DEFAULT_RIGHT if DEFAULT_RIGHT in names else names[-1]
    return SchoolSettings.from_scenario(left), SchoolSettings.from_scenario(right)


#: what a scheduled change may restructure besides the pattern (leadsim.sim.config.PatternChange)
RESTRUCTURE = ("senior_team", "middle_leaders", "whole_school_roles")


def _same_mix(a: dict, b: dict) -> bool:
    """Whether two pattern mixes are the same once normalised."""
    mix = [Scenario.model_validate({"leadership": {"pattern": p}}).leadership.pattern.weights() for p in (a, b)]
    return bool(np.allclose(mix[0], mix[1], atol=1e-6))


def build_scenario(s: SchoolSettings, *, seed: int, own_events: bool) -> Scenario:
    """The scenario of one school: its starting scenario with the trainer's settings applied.

    Without ``own_events`` the scenario's scheduled and random head departures and crises are
    removed, so that only what the trainer presses happens.
    """
    d = base_scenario(s.scenario).model_dump()
    d["seed"] = int(seed)
    d["leadership"]["pattern"] = s.weights()
    wpy = d["school"]["weeks_per_year"]
    if s.switch_to in PRESETS:
        change = {"week": round(s.switch_year * wpy), "pattern": PRESETS[s.switch_to][1]}
        own = d["leadership"]["schedule"]
        # The posts the scenario's head creates with the switch (Arden: a senior team, a role for
        # every teacher) come with it wherever the trainer puts it, but only with the switch the
        # scenario makes: a head who switches to another mix does not create them.
        if own and _same_mix(own[0]["pattern"], change["pattern"]):
            change |= {k: own[0][k] for k in RESTRUCTURE if own[0].get(k) is not None}
        d["leadership"]["schedule"] = [change]
    elif s.switch_to == NO_SWITCH:
        d["leadership"]["schedule"] = []
    d["leadership"]["time_for_collaboration"] = float(s.time_for_collaboration)
    d["head"].update(charisma=float(s.charisma), distribution=float(s.distribution), authenticity=float(s.authenticity))
    d["teachers"].update(trust_head=float(s.trust), trust_colleagues=float(s.trust))
    d["events"]["successor"]["style"] = s.successor
    d["reform"]["pace"] = float(s.reform_pace)
    if not own_events:
        d["events"].update(head_departures=[], crises=[], head_exit_hazard=0.0, crisis_hazard=0.0)
    return Scenario.model_validate(drop_none(d))


def drop_none(d: Any) -> Any:
    """model_dump() writes unset optional fields as None; When wants exactly one of year/week."""
    if isinstance(d, dict):
        return {k: drop_none(x) for k, x in d.items() if x is not None}
    if isinstance(d, list):
        return [drop_none(x) for x in d]
    return d


# --- interventions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intervention:
    """Something the trainer did, logged at the week on screen; it takes effect the week after.

    Attributes:
        week: the week on screen when it was done (it acts at the start of ``week + 1``).
        kind: ``leave`` (the head leaves now), ``crisis`` or ``switch`` (the pattern).
        sides: which schools (0 left, 1 right).
        arg: the successor style (``leave``, "" for each school's own), the crisis kind, or the preset.
        severity: of a crisis.
    """

    week: int
    kind: str
    sides: tuple[int, ...] = (0,)
    arg: str = ""
    severity: float = 0.6

    @property
    def label(self) -> str:
        """What the charts write at its marker."""
        if self.kind == "leave":
            return "the head leaves"
        if self.kind == "crisis":
            return f"{CRISIS_KINDS.get(self.arg, self.arg)} {self.severity:.1f}"
        return f"switch to {PATTERN_WORDS.get(self.arg, self.arg)}"

    @property
    def marker_kind(self) -> str:
        return {"leave": "departure", "crisis": "crisis", "switch": "pattern"}[self.kind]

    def apply(self, school: SchoolModel, default_successor: str) -> None:
        """Queue this on ``school`` (it acts when the school next steps)."""
        if self.kind == "leave":
            school.head_leaves_now({"style": self.arg} if self.arg else {"style": default_successor})
        elif self.kind == "crisis":
            school.crisis_now(self.arg, float(self.severity), 8)
        else:
            school.switch_pattern_now(**({k: 0.0 for k in PATTERN_NAMES} | PRESETS[self.arg][1]))


def event_too_close(kind: str, week: int, log: Sequence[Intervention], side: int, scenario: Scenario) -> str:
    """Why the head cannot leave (or a crisis cannot start) in school ``side`` the week after ``week``,
    or "" when it can.

    At most one departure and one crisis a term, as in a scenario file (``leadsim.sim.config``: a
    head cannot arrive, settle and leave within a term), counting the trainer's earlier clicks in
    ``log`` and the scenario's own scheduled events. Without this, a second click on "the head
    leaves now" in the same week made the successor leave the week they arrived, and the setup
    could no longer be saved as a scenario file.
    """
    if kind not in ("leave", "crisis"):
        return ""
    wpy = scenario.school.weeks_per_year
    term = max(1, wpy // 3)
    own = scenario.events.head_departures if kind == "leave" else scenario.events.crises
    clicked = [iv.week + 1 for iv in log if iv.kind == kind and side in iv.sides]
    starts = sorted({*clicked, *(item.step(wpy) for item in own)})
    at = week + 1
    near = [w for w in starts if abs(w - at) < term]
    if not near:
        return ""
    w = min(near, key=lambda x: abs(x - at))
    what = "departure" if kind == "leave" else "crisis"
    rule = f"at most one {what} a term ({term} weeks)"
    if w == at:
        done = "the head already leaves next week" if kind == "leave" else "a crisis already starts next week"
        return f"{done}: {rule}"
    if w > at:
        return f"the scenario's own {what} comes in week {w}: {rule}"
    done = "the head already left" if kind == "leave" else "a crisis already began"
    return f"{done} in week {w}: {rule}, so from week {w + term - 1} on"


# --- the classroom -----------------------------------------------------------------------------------


@dataclass
class Frame:
    """What the network view draws at one week: per school, a network snapshot and its layout."""

    week: int
    snaps: list[NetworkSnapshot]
    positions: list[np.ndarray]
    layout_weeks: list[int] = field(default_factory=list)


class Classroom:
    """One school, or two in compare mode, stepping in lockstep, with a cursor (the week on screen).

    Both schools get the same seed, so they start identical unless their settings differ. Safe to
    use from two threads (the page's clock and the trainer's clicks): every public method takes
    the classroom's lock.

    Args:
        settings: the (left, right) :class:`SchoolSettings`; default the two headline scenarios.
        seed: seed of both schools.
        compare: run the right school too.
        own_events: keep the scenarios' own scheduled and random departures and crises.
        log: interventions to replay as their weeks come (a shared link's).
    """

    def __init__(
        self,
        settings: Sequence[SchoolSettings] | None = None,
        seed: int = 0,
        compare: bool = False,
        own_events: bool = False,
        log: Sequence[Intervention] = (),
    ) -> None:
        self.settings: tuple[SchoolSettings, SchoolSettings] = tuple(settings) if settings else default_settings()
        self.seed = int(seed)
        self.compare = bool(compare)
        self.own_events = bool(own_events)
        self.sides = (0, 1) if self.compare else (0,)
        self.scenarios = [
            build_scenario(self.settings[s], seed=self.seed, own_events=self.own_events) for s in self.sides
        ]
        self.labels = [self._label(s) for s in self.sides]
        self.total_weeks = max(cfg.steps for cfg in self.scenarios)
        self.weeks_per_year = self.scenarios[0].school.weeks_per_year
        self.lock = threading.RLock()
        self.log: list[Intervention] = sorted((iv for iv in log if iv.week < self.total_weeks), key=lambda iv: iv.week)
        self._own_markers: list[Marker] = []
        self.previous: list[SchoolSeries] = []  # the run before the last branch, drawn faintly
        self.schools = [SchoolModel(cfg, rng=self.seed) for cfg in self.scenarios]
        self.layouts = [NetworkLayout(seed=self.seed) for _ in self.schools]
        n = self.total_weeks + 1
        # the routines are read from the live schools each week (the time series has only their mean),
        # so that replaying an earlier week shows the routines of that week
        keys = ("year", *CHART_COLUMNS, *ROUTINE_KEYS)
        self._history = [{c: np.full(n, np.nan) for c in keys} for _ in self.schools]
        self.frames: list[Frame] = []
        self._checkpoints: dict[int, tuple[list[SchoolModel], int]] = {}
        self.week = 0  # the newest week run
        self.cursor = 0  # the week on screen
        self._schedules = [
            {c.step(cfg.school.weeks_per_year): c.pattern for c in cfg.leadership.schedule} for cfg in self.scenarios
        ]
        self._record()
        self._checkpoint()

    def _label(self, side: int) -> str:
        """The school's name in legends: its scenario's human name, or what differs from the other school."""
        s = self.settings[side]
        if self.compare:
            other = self.settings[1 - side]
            if s.scenario == other.scenario and s != other:
                return ", ".join(s.differences(other)[:2])
            if s == other:  # the same school twice (a seed check): name it and its side
                return f"{human_name(s.scenario)} ({SIDE_NAMES[side]})"
        return human_name(s.scenario) + (" (changed)" if s.changed else "")

    @property
    def years(self) -> float:
        """Length of the run in years."""
        return self.total_weeks / self.weeks_per_year

    @property
    def at_end(self) -> bool:
        return self.cursor >= self.total_weeks

    # --- the clock ------------------------------------------------------------------------------------

    def forward(self, weeks: int = 1) -> int:
        """Move the cursor on by ``weeks`` (replaying weeks already run, stepping past them); returns the cursor."""
        with self.lock:
            target = min(self.cursor + max(int(weeks), 0), self.total_weeks)
            while self.week < target:
                self._step()
            self.cursor = target
            return self.cursor

    def seek(self, week: int) -> int:
        """Put the cursor at ``week`` (clamped to the run); steps the schools if it is beyond the newest week."""
        with self.lock:
            week = min(max(int(week), 0), self.total_weeks)
            if week <= self.week:
                self.cursor = week
                return week
        return self.forward(week - self.cursor)

    def _step(self) -> None:
        """One week in every school, after the interventions logged for it."""
        now = self.week
        for iv in self.log:
            if iv.week == now:
                for s in iv.sides:
                    if s < len(self.schools):
                        iv.apply(self.schools[s], self.settings[s].successor)
        before = [(len(m.departures), len(m.crises)) for m in self.schools]
        for school in self.schools:
            school.step()
        self.week = week = now + 1
        asked = {(s, iv.kind) for iv in self.log if iv.week == now for s in iv.sides}
        # the scenarios' own events (scheduled or random), marked at the week they happened
        for s, school in enumerate(self.schools):
            deps, crises = before[s]
            for d in school.departures[deps:]:
                if d["reason"] != "requested":
                    self._mark_own(week, "departure", f"the head leaves ({d['reason']})", s)
            if (s, "crisis") not in asked:
                for c in school.crises[crises:]:
                    self._mark_own(week, "crisis", f"{c['kind']} crisis {c['severity']:.1f}", s)
            if week in self._schedules[s] and (s, "switch") not in asked:
                self._mark_own(week, "pattern", "planned pattern change", s)
        self._record()

    def _mark_own(self, week: int, kind: str, label: str, side: int) -> None:
        for m in self._own_markers:
            if m.week == week and m.kind == kind and m.label == label:
                m.sides = tuple(sorted({*m.sides, side}))
                return
        self._own_markers.append(
            Marker(week=week, year=week / self.weeks_per_year, kind=kind, label=label, sides=(side,))
        )

    def _checkpoint(self) -> None:
        self._checkpoints[self.week] = (copy.deepcopy(self.schools), len(self._own_markers))

    def checkpoint(self) -> None:
        """Keep a copy of the schools at the newest week, so that going back to it or later is quick.

        A copy costs about as much as 40-60 weeks of stepping, so the page takes one when the
        trainer pauses (when going back is likely), not every week; without one, going back
        re-runs the schools from the nearest earlier copy (week 0 at worst).
        """
        with self.lock:
            if self.week not in self._checkpoints:
                self._checkpoint()

    def _record(self) -> None:
        snaps, positions, layout_weeks = [], [], []
        for s, school in enumerate(self.schools):
            cur = school.current
            h = self._history[s]
            for c in CHART_COLUMNS:
                h[c][self.week] = cur[c]
            h["year"][self.week] = cur["year"]
            for key, strength in zip(ROUTINE_KEYS, school.routines, strict=True):
                h[key][self.week] = strength
            snap = network_snapshot(school)
            snaps.append(snap)
            positions.append(self.layouts[s].positions(snap, self.week).copy())
            layout_weeks.append(self.layouts[s].computed_at)
        del self.frames[self.week :]
        self.frames.append(Frame(week=self.week, snaps=snaps, positions=positions, layout_weeks=layout_weeks))

    # --- interventions ----------------------------------------------------------------------------------

    def _targets(self, sides: Sequence[int] | None) -> tuple[int, ...]:
        if sides is None:
            return self.sides
        return tuple(s for s in sides if s in self.sides) or self.sides

    def act(self, kind: str, arg: str = "", sides: Sequence[int] | None = None, severity: float = 0.6) -> Intervention:
        """Log an intervention at the week on screen; branch there first if later weeks were run.

        Raises:
            ValueError: an unknown kind, preset, crisis kind or successor style.
        """
        valid = {"leave": ("", *SUCCESSORS), "crisis": tuple(CRISIS_KINDS), "switch": tuple(PRESETS)}
        if kind not in valid or arg not in valid[kind]:
            raise ValueError(f"unknown intervention {kind!r} {arg!r}")
        if not 0.0 < float(severity) <= 1.0:  # also refuses nan
            raise ValueError(f"a crisis's severity must be above 0 and at most 1 (got {severity!r})")
        with self.lock:
            if self.cursor >= self.total_weeks:
                raise ValueError("the run has ended: start again or go back to an earlier week")
            targets = self._targets(sides)
            # checked before branching: a refused click changes nothing, not even the weeks run
            log = [iv for iv in self.log if iv.week < self.cursor] if self.cursor < self.week else self.log
            for s in targets:
                problem = event_too_close(kind, self.cursor, log, s, self.scenarios[s])
                if problem:
                    raise ValueError((f"{SIDE_NAMES[s]} school: " if self.compare else "") + problem)
            if self.cursor < self.week:
                self.branch(self.cursor)
            if kind == "switch":  # a second switch in the same week replaces the first: the last choice holds
                kept = []
                for old in self.log:
                    if old.kind == kind and old.week == self.cursor:
                        rest = tuple(x for x in old.sides if x not in targets)
                        if not rest:
                            continue
                        old = replace(old, sides=rest)
                    kept.append(old)
                self.log = kept
            iv = Intervention(week=self.cursor, kind=kind, sides=targets, arg=arg, severity=float(severity))
            self.log.append(iv)
            return iv

    def head_leaves_now(self, successor: str | None = None, sides: Sequence[int] | None = None) -> Intervention:
        """The head leaves at the start of the week after the one on screen; ``successor`` a style of
        :data:`SUCCESSORS` (default: each school's own setting)."""
        return self.act("leave", successor or "", sides)

    def crisis_now(self, kind: str = "behaviour", severity: float = 0.6, sides: Sequence[int] | None = None):
        """A crisis starts the week after the one on screen."""
        return self.act("crisis", kind, sides, severity)

    def switch_pattern_now(self, preset: str, sides: Sequence[int] | None = None) -> Intervention:
        """The schools run this pattern mix (a key of :data:`PRESETS`) from the week after the one on screen."""
        return self.act("switch", preset, sides)

    def branch(self, week: int) -> None:
        """Drop every week after ``week`` (kept as :attr:`previous`) and put the schools back at ``week``.

        The schools are restored from the last checkpoint at or before ``week`` and stepped on with
        the same logged interventions, so they are exactly the schools that were at ``week``.
        """
        with self.lock:
            week = min(max(int(week), 0), self.week)
            if week == self.week:
                return
            self.previous = [replace(s, label=f"before going back: {s.label}") for s in self.series(upto=self.week)]
            self.log = [iv for iv in self.log if iv.week < week]
            start = max(k for k in self._checkpoints if k <= week)
            schools, n_markers = self._checkpoints[start]
            self._checkpoints = {k: v for k, v in self._checkpoints.items() if k <= start}
            self.schools = copy.deepcopy(schools)
            self._own_markers = self._own_markers[:n_markers]
            frame = self.frames[start]
            for s, layout in enumerate(self.layouts):
                layout.pos = frame.positions[s].copy()
                layout.computed_at = frame.layout_weeks[s]
            for h in self._history:
                for a in h.values():
                    a[start + 1 :] = np.nan
            self.week = start
            del self.frames[start + 1 :]
            while self.week < week:
                self._step()
            self.cursor = week

    def pending(self) -> list[str]:
        """Interventions that take effect in the week after the one on screen, as short labels."""
        with self.lock:
            out = []
            for iv in self.log:
                if iv.week == self.cursor:
                    label = iv.label
                    if self.compare and len(iv.sides) == 1:
                        label += f" ({SIDE_NAMES[iv.sides[0]]})"
                    out.append(label)
            return out

    def markers(self, upto: int | None = None) -> list[Marker]:
        """Every event up to week ``upto`` (default the cursor), at the week it took effect."""
        with self.lock:
            upto = self.cursor if upto is None else upto
            out = [replace(m) for m in self._own_markers if m.week <= upto]
            for iv in self.log:
                week = iv.week + 1
                if week > upto:
                    continue
                same = next((m for m in out if m.week == week and m.label == iv.label), None)
                if same is not None:
                    same.sides = tuple(sorted({*same.sides, *iv.sides}))
                else:
                    kind = iv.marker_kind
                    out.append(
                        Marker(week=week, year=week / self.weeks_per_year, kind=kind, label=iv.label, sides=iv.sides)
                    )
            return sorted(out, key=lambda m: m.week)

    # --- what the views draw ------------------------------------------------------------------------

    def series(self, upto: int | None = None) -> list[SchoolSeries]:
        """Each school's chart columns from week 0 to ``upto`` (default the cursor)."""
        with self.lock:
            n = (self.cursor if upto is None else upto) + 1
            return [
                SchoolSeries(
                    label=self.labels[s],
                    side=s,
                    years=h["year"][:n].copy(),
                    columns={c: h[c][:n].copy() for c in CHART_COLUMNS},
                )
                for s, h in enumerate(self._history)
            ]

    def routine_history(self, upto: int | None = None) -> list[np.ndarray]:
        """Each school's routines from week 0 to ``upto`` (default the cursor): (weeks, routines) arrays."""
        with self.lock:
            n = (self.cursor if upto is None else upto) + 1
            return [np.array([h[k][:n] for k in ROUTINE_KEYS]).T for h in self._history]

    def routine_levels(self, upto: int | None = None) -> list[RoutineLevels]:
        """Each school's routines at week ``upto`` (default the cursor), and the strongest each has been."""
        with self.lock:
            return [
                RoutineLevels(label=self.labels[s], side=s, strength=past[-1].copy(), peak=past.max(axis=0))
                for s, past in enumerate(self.routine_history(upto))
            ]

    def frame(self) -> Frame:
        """The network snapshots at the cursor."""
        with self.lock:
            return self.frames[self.cursor]

    def status(self) -> list[str]:
        """One line per school, in a school leader's words: the year, the head, how leadership is shared now.

        Only the newest week has a live school to describe; at an earlier week (replay) the lines
        say what the charts show.
        """
        with self.lock:
            out = []
            for s, school in enumerate(self.schools):
                where = f"{SIDE_NAMES[s]}: " if self.compare else ""
                history = self._history[s]["attainment"]
                att = history[self.cursor] - history[0]  # the change since the start, as the chart
                months = months_of_progress(att)
                gain = f"attainment {att:+.2f} SD ({months:+d} months' progress)"
                if self.cursor != self.week:
                    out.append(f"{where}{self.labels[s]} — replaying week {self.cursor} · {gain}")
                    continue
                head = school.head
                if head is None:
                    who = "no head in post"
                else:
                    years = head.years_in_post(school.week, school.scenario.school.weeks_per_year)
                    who = f"head in post {years:.1f} y"
                mix = ", ".join(
                    f"{PATTERN_WORDS[k]} {w:.0%}"
                    for k, w in zip(PATTERN_NAMES, school.weights, strict=True)
                    if w >= 0.005
                )
                crisis = f" · {school.crisis.kind} crisis" if school.crisis else ""
                crisis += centre_overload(school)
                out.append(f"{where}{self.labels[s]} — {who} · leading now: {mix}{crisis} · {gain}")
            return out

    def when(self) -> str:
        """The cursor in school time, e.g. "year 3.3 · week 129 of 390"."""
        return f"year {self.cursor / self.weeks_per_year:.1f} · week {self.cursor} of {self.total_weeks}"


def network_snapshot(school: SchoolModel) -> NetworkSnapshot:
    """Copy what the network view needs from a school (safe to draw while the school steps on)."""
    staff = school.staff
    meas = school.measures
    infl = meas.influence
    corr = 1.0 / (1.0 - (1.0 - ALPHA) ** max(meas.weeks, 1))
    strength = np.maximum((infl.sum(axis=1) - infl.diagonal()) * corr, 0.0)
    head = school.head
    if head is None:
        label = "no head in post"
    else:
        label = (
            f"head · charisma {head.charisma:.2f} · shares leadership {head.distribution:.2f} · "
            f"authenticity {head.authenticity:.2f} · influence {strength[0]:.1f}"
        )
    return NetworkSnapshot(
        capacity=staff.capacity.copy(),
        role=staff.role.copy(),
        department=staff.department.copy(),
        ties=staff.ties.astype(np.float32),
        influence=strength,
        head_reach=np.minimum(infl[0, 1:] * corr, 1.0),
        head_present=head is not None,
        head_capacity=float(head.capacity) if head is not None else 0.0,
        head_label=label,
        threshold=float(school.scenario.network.tie_threshold),
    )


# --- the clock ---------------------------------------------------------------------------------------

#: the speeds offered, in school time: seconds for one school year (39 weeks)
SPEEDS: tuple[float, ...] = (40.0, 20.0, 10.0, 5.0, 3.0, 2.0)
DEFAULT_SPEED = 10.0


def speed_label(seconds_per_year: float) -> str:
    """``1 year in 10 s`` (and the weeks per second it means)."""
    return f"1 year in {seconds_per_year:g} s"


class Clock:
    """Plays a :class:`Classroom`: moves its cursor on one week at a time at the chosen speed.

    The clock keeps school time whatever the browser does: ``on_week`` is called after each week
    and the page decides what to send (it skips weeks while the browser is still drawing, see
    :meth:`leadsim.app.page.Session.refresh`). A copy of the schools is kept once a school year
    while playing, so that acting on an earlier week (the one on screen, or one chosen on the
    timeline) re-runs at most a year.

    Args:
        room: the classroom to play.
        on_week: called in the clock's thread after each week (and when play stops).
        seconds_per_year: the speed.
    """

    def __init__(self, room: Classroom, on_week: Any, seconds_per_year: float = DEFAULT_SPEED) -> None:
        self.room = room
        self.on_week = on_week
        self.seconds_per_year = float(seconds_per_year)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: called with the clock's thread before it starts (the page binds it to the browser session)
        self.thread_setup: Any = None

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def play(self) -> None:
        """Start playing (from the cursor; weeks already run are replayed, then new ones run)."""
        if self.playing or self.room.at_end:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="leadsim-clock", daemon=True)
        if self.thread_setup is not None:
            self.thread_setup(self._thread)
        self._thread.start()

    def pause(self, wait: bool = True) -> None:
        """Stop after the current week; with ``wait``, return once stopped."""
        self._stop.set()
        thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def _run(self) -> None:
        room = self.room
        due = time.monotonic()
        try:
            while not self._stop.is_set() and not room.at_end:
                due += self.seconds_per_year / room.weeks_per_year
                wait = due - time.monotonic()
                if wait > 0 and self._stop.wait(wait):
                    break
                due = max(due, time.monotonic() - 0.5)  # a slow week is not made up in a burst
                newest = room.week
                room.forward(1)
                if room.week > newest and room.week % room.weeks_per_year == 0:
                    room.checkpoint()
                if self._stop.is_set():
                    break  # paused during the week: whoever paused sends the week to show
                self.on_week()
        finally:
            paused = self._stop.is_set()
            self._stop.set()
            if not paused:
                self.on_week()  # play ran to the end: the page learns it stopped
