"""The trainers' page's system of schools, without Solara: the system, its clock, the live events.

:class:`SystemRoom` holds one :class:`~leadsim.sim.system.SystemModel` built from a bundled system
scenario, the school on show, and what the views draw: the system view (schools and their ties)
and, for the school on show, the single-school page's own panels (its staff network, routines and
time charts, from :mod:`leadsim.app.views`). It has the clock's interface of
:class:`~leadsim.app.classroom.Classroom` (``forward``, ``week``, ``at_end``...), so the same
:class:`~leadsim.app.classroom.Clock` plays it.

The live events - the head of a school leaves, a crisis, an executive head takes a school on - go
through the system's public live-event API, which queues the very event a scenario would
schedule for the next week. The system view runs forward only: going back would mean re-running
the whole system, and a trainer who wants the other branch starts again with the same seed.

Only the public API of :class:`~leadsim.sim.system.SystemModel` and
:class:`~leadsim.sim.model.SchoolModel` is used.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from leadsim.app.classroom import (
    CRISIS_KINDS,
    ROUTINE_KEYS,
    SUCCESSORS,
    months_of_progress,
    network_snapshot,
)
from leadsim.app.views import (
    CHART_COLUMNS,
    SYSTEM_COLOURS,
    Marker,
    NetworkLayout,
    RoutineLevels,
    SchoolSeries,
    SystemSnapshot,
    centre_overload,
    system_layout,
)
from leadsim.sim.system import SystemModel
from leadsim.sim.system_config import SystemScenario
from leadsim.sim.system_scenario import bundled_systems, load_system_scenario

#: the system a trainer sees first: four schools with every kind of tie
DEFAULT_SYSTEM = "federation"
#: what a trainer calls the bundled systems (menus, titles); others show their file name
SYSTEM_NAMES: dict[str, str] = {
    "federation": "a federation, an executive head and a network (4 schools)",
    "federation-succession": "Hill's charismatic head leaves (3 schools, not tied)",
    "executive-head": "a strong school and a weak one (2 schools, not tied)",
    "partnerships": "eight primaries in learning networks",
    "local-authority": "a local authority (150 schools; slow)",
}
#: the live events a trainer can set off in the school on show: kind -> a marker's kind
LIVE_KINDS = {"leave": "departure", "crisis": "crisis", "takeover": "takeover"}


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@lru_cache(maxsize=1)
def system_names() -> tuple[str, ...]:
    """Bundled system scenarios, the default first."""
    names = [n for n, _, _ in bundled_systems()]
    return tuple(sorted(names, key=lambda n: (n != DEFAULT_SYSTEM, n)))


def system_label(name: str) -> str:
    """What a trainer calls a bundled system."""
    return SYSTEM_NAMES.get(name, name)


@lru_cache(maxsize=16)
def _scenario(name: str) -> SystemScenario:
    return load_system_scenario(name)


@dataclass(frozen=True)
class LiveEvent:
    """What the trainer set off: at ``week`` (on screen), acting in the step to ``week + 1``."""

    week: int
    kind: str  # leave | crisis | takeover
    school: str
    arg: str = ""  # successor style, crisis kind, or the executive head's home school
    severity: float = 0.6

    @property
    def label(self) -> str:
        if self.kind == "leave":
            return f"the head of {self.school} leaves"
        if self.kind == "crisis":
            return f"{CRISIS_KINDS.get(self.arg, self.arg)} {self.severity:.1f} in {self.school}"
        return f"{self.arg}'s executive head takes on {self.school}"


class SystemRoom:
    """A system of schools stepping week by week, with the school on show and the live events.

    Args:
        name: a bundled system scenario (:func:`system_names`).
        seed: the system's seed (each school's seed is drawn from it).

    Raises:
        ValueError: an unknown system.
    """

    compare = False

    def __init__(self, name: str = DEFAULT_SYSTEM, seed: int = 0) -> None:
        if name not in system_names():
            raise ValueError(f"no system scenario {name!r} (choose from {', '.join(system_names())})")
        self.name = name
        self.seed = int(seed)
        self.scenario = _scenario(name)
        self.model = SystemModel(self.scenario, rng=self.seed)
        self.lock = threading.RLock()
        self.total_weeks = self.scenario.steps
        self.weeks_per_year = self.scenario.weeks_per_year
        self.names = [s.name for s in self.model.schools]
        self.selected = 0
        self.colour_by = "attainment"
        self.log: list[LiveEvent] = []
        # Each school's staff layout is computed only while it is on show (150 schools would cost).
        self.layouts = [NetworkLayout(seed=self.seed) for _ in self.names]
        keys = ("year", *CHART_COLUMNS, *ROUTINE_KEYS)
        n = self.total_weeks + 1
        self._history = [{c: np.full(n, np.nan) for c in keys} for _ in self.names]
        self._markers: list[list[Marker]] = [[] for _ in self.names]
        self._seen = [(0, 0) for _ in self.names]
        self._log_seen = 0
        self._ties: list[tuple[int, int, str]] = []
        self.positions = np.zeros((len(self.names), 2))
        self._record()

    # --- the clock's interface --------------------------------------------------------------------

    @property
    def week(self) -> int:
        """The newest week run (also the week on screen: the system view runs forward only)."""
        return self.model.week

    @property
    def cursor(self) -> int:
        return self.model.week

    @property
    def years(self) -> float:
        return self.total_weeks / self.weeks_per_year

    @property
    def at_end(self) -> bool:
        return self.week >= self.total_weeks

    def forward(self, weeks: int = 1) -> int:
        """Run ``weeks`` more weeks (to the end at most); returns the week."""
        with self.lock:
            for _ in range(min(max(int(weeks), 0), self.total_weeks - self.week)):
                self.model.step()
                self._record()
            return self.week

    def seek(self, week: int) -> int:
        """Run on to ``week``.

        Raises:
            ValueError: ``week`` is behind the week on screen (the system view does not go back).
        """
        with self.lock:
            week = min(max(int(week), 0), self.total_weeks)
            if week < self.week:
                raise ValueError("the system view runs forward only: start again (same seed) to replay")
            return self.forward(week - self.week)

    def checkpoint(self) -> None:
        """Nothing to keep: the system view does not go back (the clock calls this once a year)."""

    # --- the school on show and the live events -------------------------------------------------------

    def select(self, school: str) -> None:
        """Show ``school``'s own panels.

        Raises:
            ValueError: no such school.
        """
        with self.lock:
            if school not in self.names:
                raise ValueError(f"no school {school!r} in this system")
            self.selected = self.names.index(school)

    def set_colour(self, by: str) -> None:
        """Colour the schools by ``attainment`` or ``capacity``."""
        if by not in SYSTEM_COLOURS:
            raise ValueError(f"colour by {by!r}: expected one of {', '.join(SYSTEM_COLOURS)}")
        self.colour_by = by

    def executive_homes(self) -> list[str]:
        """Schools whose head is an executive head (who can take another school on)."""
        homes = {e.home for e in self.scenario.executive_heads}
        return [n for n in self.names if n in homes]

    def act(self, kind: str, arg: str = "", severity: float = 0.6, school: str | None = None) -> LiveEvent:
        """Set off a live event in ``school`` (default the one on show); it acts from next week.

        Args:
            kind: ``leave`` (``arg`` a successor style of :data:`SUCCESSORS`, "" the system's own),
                ``crisis`` (``arg`` a kind of :data:`CRISIS_KINDS`) or ``takeover`` (``arg`` the home
                school of the executive head who takes the school on).

        Raises:
            ValueError: an unknown kind or argument, an impossible event, or the run has ended.
        """
        with self.lock:
            name = self.names[self.selected] if school is None else school
            m = self.model
            self._check_term(kind, name)
            if kind == "leave":
                if arg and arg not in SUCCESSORS:
                    raise ValueError(f"unknown successor {arg!r}")
                m.head_leaves_now(name, {"style": arg} if arg else None)
            elif kind == "crisis":
                m.crisis_now(name, arg or "behaviour", float(severity))
            elif kind == "takeover":
                m.executive_takes_on(arg, name)
            else:
                raise ValueError(f"unknown live event {kind!r}")
            event = LiveEvent(self.week, kind, name, arg, float(severity))
            self.log.append(event)
            return event

    def _check_term(self, kind: str, school: str) -> None:
        """At most one departure and one crisis a term in a school, as on the single-school page: a second
        click on "the head leaves now" in the same week would make the successor leave the week they came.

        Raises:
            ValueError: the trainer already made the head of ``school`` leave (or a crisis start) this term.
        """
        if kind not in ("leave", "crisis"):
            return
        term = max(1, self.weeks_per_year // 3)
        earlier = [e.week for e in self.log if e.kind == kind and e.school == school and self.week - e.week < term]
        if not earlier:
            return
        at = max(earlier) + 1
        what = "departure" if kind == "leave" else "crisis"
        if at == self.week + 1:
            done = (
                f"the head of {school} already leaves next week"
                if kind == "leave"
                else (f"a crisis already starts in {school} next week")
            )
            raise ValueError(f"{done}: at most one {what} a term ({term} weeks)")
        done = f"the head of {school} already left" if kind == "leave" else f"a crisis already began in {school}"
        rule = f"at most one {what} a term ({term} weeks)"
        raise ValueError(f"{done} in week {at}: {rule}, so from week {at + term - 1} on")

    def pending(self) -> list[str]:
        """Live events that act next week."""
        with self.lock:
            return [e.label for e in self.log if e.week == self.week]

    # --- what the views draw --------------------------------------------------------------------------

    def _record(self) -> None:
        w = self.week
        for i, school in enumerate(self.model.schools):
            sm = school.school_model
            h = self._history[i]
            cur = sm.current
            for c in CHART_COLUMNS:
                h[c][w] = cur[c]
            h["year"][w] = cur["year"]
            for key, strength in zip(ROUTINE_KEYS, sm.routines, strict=True):
                h[key][w] = strength
            deps, crises = self._seen[i]
            for d in sm.departures[deps:]:
                self._mark(i, w, "departure", f"the head leaves ({d['reason']})")
            for c in sm.crises[crises:]:
                self._mark(i, w, "crisis", f"{c['kind']} crisis {c['severity']:.1f}")
            self._seen[i] = (len(sm.departures), len(sm.crises))
        # the log's own "week" is the event's (None when scheduled by year): read what is new instead
        new, self._log_seen = self.model.event_log[self._log_seen :], len(self.model.event_log)
        for e in new:
            if e["event"] in ("Takeover", "NetworkChange"):
                i = self.names.index(e["school"])
                what = (
                    f"taken on by {e['executive_head']}"
                    if e["event"] == "Takeover"
                    else (f"{e['action']}s network {e['network']}")
                )
                self._mark(i, w, "pattern", what)
        ties = sorted(
            (int(a), int(b), kind) for a, b, kinds in self.model.network.G.edges(data="kinds") for kind in kinds
        )
        if ties != self._ties or w == 0:
            # ties change only at events; the schools keep their places unless the ties do
            self._ties = ties
            self.positions = system_layout(len(self.names), ties, self.seed)

    def _mark(self, i: int, week: int, kind: str, label: str) -> None:
        self._markers[i].append(Marker(week=week, year=week / self.weeks_per_year, kind=kind, label=label))

    def snapshot(self) -> SystemSnapshot:
        """The schools and their ties now."""
        with self.lock:
            m = self.model
            att = np.array([s.attainment for s in m.schools])
            cap = np.array([float(s.school_model.staff.capacity.mean()) for s in m.schools])
            students = np.array([float(s.school_model.pupils.n) for s in m.schools])
            hover = []
            for i, s in enumerate(m.schools):
                sm = s.school_model
                exec_home = m.executive_of.get(i)
                led = f"<br>executive head: {self.names[exec_home]}'s" if exec_home is not None else ""
                hover.append(
                    f"<b>{s.name}</b> ({s.kind}, {sm.pupils.n} pupils, {sm.staff.n} teachers)<br>"
                    f"results {att[i]:+.2f} SD · staff able to lead {cap[i]:.2f}<br>"
                    f"head's week at home {s.presence:.0%}{led}"
                )
            return SystemSnapshot(
                names=list(self.names),
                students=students,
                attainment=att,
                capacity=cap,
                hover=hover,
                ties=list(self._ties),
            )

    def series(self, school: int | None = None) -> list[SchoolSeries]:
        """The school on show's chart columns from week 0 to now."""
        with self.lock:
            i = self.selected if school is None else school
            n = self.week + 1
            h = self._history[i]
            return [
                SchoolSeries(
                    label=self.names[i],
                    side=0,
                    years=h["year"][:n].copy(),
                    columns={c: h[c][:n].copy() for c in CHART_COLUMNS},
                )
            ]

    def markers(self, school: int | None = None) -> list[Marker]:
        """The events of the school on show, at the week each took effect."""
        with self.lock:
            return list(self._markers[self.selected if school is None else school])

    def routine_levels(self) -> list[RoutineLevels]:
        """The school on show's routines now, and the strongest each has been."""
        with self.lock:
            h = self._history[self.selected]
            past = np.array([h[k][: self.week + 1] for k in ROUTINE_KEYS]).T
            return [RoutineLevels(label=self.names[self.selected], side=0, strength=past[-1].copy(), peak=past.max(0))]

    def staff(self) -> tuple:
        """The school on show's staff network snapshot and its layout."""
        with self.lock:
            snap = network_snapshot(self.model.schools[self.selected].school_model)
            return snap, self.layouts[self.selected].positions(snap, self.week).copy()

    def status(self) -> list[str]:
        """The system in one line, the school on show in another (a school leader's words)."""
        with self.lock:
            m = self.model
            att = np.array([s.attainment for s in m.schools])
            first = (
                f"{system_label(self.name)} — {len(self.names)} schools · results: mean {att.mean():+.2f} SD, "
                f"gap between schools {att.max() - att.min():.2f} SD"
            )
            i = self.selected
            s = m.schools[i]
            sm = s.school_model
            head = sm.head
            nth = ordinal(len(sm.departures) + 1)
            if head is None:
                who = "no head in post"
            else:
                years = head.years_in_post(sm.week, sm.scenario.school.weeks_per_year)
                who = f"{nth} head, in post {years:.1f} y"
            exec_home = m.executive_of.get(i)
            led = f" · executive head: {self.names[exec_home]}'s" if exec_home is not None else ""
            crisis = f" · {sm.crisis.kind} crisis" if sm.crisis else ""
            crisis += centre_overload(sm)
            # the school on show's progress, as its chart: the change since its week 0 (the line above
            # and the map compare the schools' levels, which differ at the start)
            history = self._history[i]["attainment"]
            change = history[self.week] - history[0]
            months = months_of_progress(change)
            return [
                first,
                f"{s.name} — {who}{led}{crisis} · head's week at home {s.presence:.0%} · "
                f"results since the start {change:+.2f} SD ({months:+d} months' progress)",
            ]

    def when(self) -> str:
        return f"year {self.week / self.weeks_per_year:.1f} · week {self.week} of {self.total_weeks}"
