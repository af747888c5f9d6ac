"""The trainers' page (``leadsim serve``): one school, or two side by side, live in the browser.

Built the Mesa way: :func:`Page` hands a :class:`Classroom` (a ``mesa.Model`` holding one or two
:class:`~leadsim.sim.model.SchoolModel` instances that step in lockstep) to Mesa's ``SolaraViz``, which
provides the app bar, play / pause / step / reset, the speed (play interval) and the model
parameters (compare mode, seed, whether the scenarios' own events happen). Next to it the page
has the settings of each school, the live interventions (the head leaves now, crisis now, switch
the pattern now) and the views: the staff network and the time charts, plotly figures drawn by a
small plotly.js widget (:class:`PlotlyViews`).

The views are rendered next to ``SolaraViz`` (``components=[]``), not as its components: Mesa
3.5's components area is solara's ``GridDraggable``, which stays empty under ipyvuetify 3 (Vue 3,
what pip installs with solara 1.64), and re-rendering components after every step would cost a
reconciliation of the whole page each week. :func:`Live` follows Mesa's ``update_counter``
instead and updates the one widget in place (see ``benchmarks/README.md``).

Every browser session (tab) is its own solara kernel and builds its own ``Classroom`` inside
:func:`Page` (``use_memo``/``use_reactive``), so two tabs never share a school. Nothing
per-session lives at module level.

Run it with ``leadsim serve`` (see :mod:`leadsim.app.server`), which also makes the page work offline.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ipyvuetify as v
import mesa
import numpy as np
import solara
import traitlets
from leadsim.app.views import (
    CHART_COLUMNS,
    TIME_CHARTS,
    Marker,
    NetworkLayout,
    NetworkSnapshot,
    SchoolSeries,
    explanation_html,
    network_figure,
    time_chart,
    to_json,
)
from leadsim.sim.config import Scenario
from leadsim.sim.metrics import ALPHA
from leadsim.sim.model import SchoolModel
from leadsim.sim.scenario import bundled_scenarios, load_scenario
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

# --- what a trainer can choose ---------------------------------------------------------------------

#: pattern mixes offered for a later switch and for "switch the pattern now": key -> (label, weights)
PRESETS: dict[str, tuple[str, dict[str, float]]] = {
    "solo": ("solo: the head leads alone", {"solo": 1.0}),
    "design": ("by design: teams with time and support", {"solo": 0.2, "design": 0.8}),
    "default": ("by default: volunteers fill the gaps", {"solo": 0.3, "default": 0.7}),
    "desperation": ("by desperation: all hands", {"solo": 0.2, "desperation": 0.8}),
}
NO_SWITCH = "no later change"
SCENARIO_SWITCH = "as in the scenario"
#: successor styles (leadsim.sim.heads.STYLES and like_predecessor) -> label
SUCCESSORS: dict[str, str] = {
    "top_down": "an ordinary top-down head",
    "charismatic": "another charismatic head",
    "distributive": "a distributive head (leader of leaders)",
    "like_predecessor": "someone like the head who left",
}
AS_SET = "as set for each school"
CRISIS_KINDS = {"behaviour": "behaviour crisis", "results": "results crisis", "inspection": "inspection looms"}
PATTERN_NAMES = ("solo", "design", "default", "desperation")
DEFAULT_LEFT, DEFAULT_RIGHT = "charismatic-solo", "charismatic-design"
SIDE_NAMES = ("left", "right")


@lru_cache(maxsize=64)
def _scenario(name: str) -> Scenario:
    return load_scenario(name)


@lru_cache(maxsize=1)
def scenario_names() -> tuple[str, ...]:
    """Bundled scenarios, the two headline ones first."""
    names = [n for n, _, _ in bundled_scenarios()]
    first = [n for n in (DEFAULT_LEFT, DEFAULT_RIGHT) if n in names]
    return tuple(first + [n for n in names if n not in first])


@lru_cache(maxsize=64)
def scenario_description(name: str) -> str:
    return _scenario(name).description


@dataclass(frozen=True)
class SchoolSettings:
    """What the trainer sets for one school: a bundled scenario and the few settings that matter most.

    Attributes:
        scenario: name of the bundled scenario the school starts from.
        solo, design, default, desperation: the pattern mix at the start (weights, normalised by the model).
        switch_to: a key of :data:`PRESETS` to switch to at ``switch_year``, :data:`NO_SWITCH`, or
            :data:`SCENARIO_SWITCH` (keep the scenario's own schedule).
        switch_year: when the switch happens (years).
        charisma, distribution, authenticity: the head's.
        trust: teachers' trust in the head and in colleagues at the start.
        time_for_collaboration: share of the week protected for designed teamwork.
        successor: style of the head who follows a departure (a key of :data:`SUCCESSORS`).
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

    @classmethod
    def from_scenario(cls, name: str) -> SchoolSettings:
        cfg = _scenario(name)
        p = cfg.leadership.pattern
        switch_to, switch_year = NO_SWITCH, 3.0
        wpy = cfg.school.weeks_per_year
        if cfg.leadership.schedule:
            switch_to = SCENARIO_SWITCH
            first = cfg.leadership.schedule[0]
            switch_year = round(first.step(wpy) / wpy, 2)
            if len(cfg.leadership.schedule) == 1:
                weights = first.pattern.weights()
                for key, (_, preset) in PRESETS.items():
                    target = Scenario.model_validate({"leadership": {"pattern": preset}}).leadership.pattern
                    if np.allclose(weights, target.weights(), atol=1e-6):
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
        )

    def weights(self) -> dict[str, float]:
        """The pattern mix; the head leads alone if every weight is zero."""
        w = {k: float(getattr(self, k)) for k in PATTERN_NAMES}
        return w if sum(w.values()) > 0 else {"solo": 1.0, "design": 0.0, "default": 0.0, "desperation": 0.0}

    @property
    def changed(self) -> bool:
        """Differs from its scenario."""
        return self != SchoolSettings.from_scenario(self.scenario)


def default_settings() -> tuple[SchoolSettings, SchoolSettings]:
    names = scenario_names()
    left = DEFAULT_LEFT if DEFAULT_LEFT in names else names[0]
    right = DEFAULT_RIGHT if DEFAULT_RIGHT in names else names[-1]
    return SchoolSettings.from_scenario(left), SchoolSettings.from_scenario(right)


def build_scenario(s: SchoolSettings, *, seed: int, own_events: bool) -> Scenario:
    """The scenario of one school: its bundled scenario with the trainer's settings applied.

    Without ``own_events`` the scenario's scheduled and random head departures and crises are
    removed, so that only what the trainer presses happens.
    """
    d = _scenario(s.scenario).model_dump()
    d["seed"] = int(seed)
    d["leadership"]["pattern"] = s.weights()
    wpy = d["school"]["weeks_per_year"]
    if s.switch_to in PRESETS:
        d["leadership"]["schedule"] = [{"week": round(s.switch_year * wpy), "pattern": PRESETS[s.switch_to][1]}]
    elif s.switch_to == NO_SWITCH:
        d["leadership"]["schedule"] = []
    d["leadership"]["time_for_collaboration"] = float(s.time_for_collaboration)
    d["head"].update(charisma=float(s.charisma), distribution=float(s.distribution), authenticity=float(s.authenticity))
    d["teachers"].update(trust_head=float(s.trust), trust_colleagues=float(s.trust))
    d["events"]["successor"]["style"] = s.successor
    if not own_events:
        d["events"].update(head_departures=[], crises=[], head_exit_hazard=0.0, crisis_hazard=0.0)
    return Scenario.model_validate(_drop_none(d))


def _drop_none(d: Any) -> Any:
    """model_dump() writes unset optional fields as None; When wants exactly one of year/week."""
    if isinstance(d, dict):
        return {k: _drop_none(x) for k, x in d.items() if x is not None}
    if isinstance(d, list):
        return [_drop_none(x) for x in d]
    return d


# --- the model the page runs -------------------------------------------------------------------------


@dataclass
class Frame:
    """What the views draw at one week: per school, a network snapshot and its layout."""

    week: int
    snaps: list[NetworkSnapshot]
    positions: list[np.ndarray]


class Classroom(mesa.Model):
    """One school, or two in compare mode, stepping in lockstep: what the trainers' page runs.

    Both schools get the same seed, so they start identical unless their settings differ.
    Interventions are queued here and passed to the schools at the start of the next step, in
    the thread that steps them, and each is recorded as a :class:`~leadsim.app.views.Marker` at the
    week it takes effect.

    Args:
        settings: the (left, right) :class:`SchoolSettings`, or a solara reactive holding them
            (what Mesa's reset passes: the session's current settings); default the two
            headline scenarios.
        seed: seed of both schools.
        compare: run the right school too.
        own_events: keep the scenarios' own scheduled and random departures and crises.
    """

    def __init__(self, settings: Any = None, seed: int = 0, compare: bool = False, own_events: bool = False) -> None:
        super().__init__(rng=int(seed))
        pair = getattr(settings, "value", settings)
        self.settings: tuple[SchoolSettings, SchoolSettings] = tuple(pair) if pair else default_settings()
        self.seed = int(seed)
        self.compare = bool(compare)
        self.own_events = bool(own_events)
        sides = (0, 1) if self.compare else (0,)
        self.scenarios = [build_scenario(self.settings[s], seed=self.seed, own_events=self.own_events) for s in sides]
        self.schools = [SchoolModel(cfg, rng=self.seed) for cfg in self.scenarios]
        self.labels = [self._label(s) for s in sides]
        self.total_weeks = max(cfg.steps for cfg in self.scenarios)
        self.week = 0
        self.markers: list[Marker] = []
        self._requests: list[tuple[str, tuple[int, ...], dict, str]] = []
        self._lock = threading.Lock()
        self._schedules = [
            {c.step(cfg.school.weeks_per_year): c.pattern for c in cfg.leadership.schedule} for cfg in self.scenarios
        ]
        n = self.total_weeks + 1
        self._history = [{c: np.full(n, np.nan) for c in ("year", *CHART_COLUMNS)} for _ in self.schools]
        self.recorded = 0  # weeks recorded in the history (0 .. recorded-1)
        self.layouts = [NetworkLayout(seed=self.seed) for _ in self.schools]
        self.frame: Frame | None = None
        self._record()

    def _label(self, side: int) -> str:
        s = self.settings[side]
        return s.scenario + (" (changed)" if s.changed else "")

    # --- interventions ------------------------------------------------------------------------------

    def _sides(self, sides: Sequence[int] | None) -> tuple[int, ...]:
        if sides is None:
            return tuple(range(len(self.schools)))
        return tuple(s for s in sides if 0 <= s < len(self.schools))

    def _request(self, method: str, sides: Sequence[int] | None, args: dict, kind: str, label: str) -> None:
        with self._lock:
            self._requests.append((method, self._sides(sides), args, f"{kind}|{label}"))

    def head_leaves_now(self, successor: str | None = None, sides: Sequence[int] | None = None) -> None:
        """The head leaves at the start of the next week; ``successor`` a style of :data:`SUCCESSORS`
        (default: each school's own setting)."""
        args = {"successor": {"style": successor}} if successor else {}
        self._request("head_leaves_now", sides, args, "departure", "the head leaves")

    def crisis_now(
        self,
        kind: str = "behaviour",
        severity: float = 0.6,
        duration_weeks: int = 8,
        sides: Sequence[int] | None = None,
    ) -> None:
        """A crisis starts next week."""
        args = {"kind": kind, "severity": float(severity), "duration_weeks": int(duration_weeks)}
        self._request("crisis_now", sides, args, "crisis", f"{kind} crisis {severity:.1f}")

    def switch_pattern_now(self, preset: str, sides: Sequence[int] | None = None) -> None:
        """The schools run this pattern mix (a key of :data:`PRESETS`) from next week."""
        weights = {k: 0.0 for k in PATTERN_NAMES} | PRESETS[preset][1]
        self._request("switch_pattern_now", sides, weights, "pattern", f"switch to {preset}")

    def pending(self) -> list[str]:
        """Interventions that take effect next week, as short labels."""
        with self._lock:
            requests = list(self._requests)
        out = []
        for _, sides, _, tag in requests:
            label = tag.split("|", 1)[1]
            if self.compare and len(sides) == 1:
                label += f" ({SIDE_NAMES[sides[0]]})"
            out.append(label)
        return out

    # --- stepping ------------------------------------------------------------------------------------

    def step(self) -> None:
        """One week in every school, after this week's interventions."""
        if self.week >= self.total_weeks:
            self.running = False
            return
        with self._lock:
            requests, self._requests = self._requests, []
        week = self.week + 1
        asked: set[tuple[int, str]] = set()
        for method, sides, args, tag in requests:
            kind, label = tag.split("|", 1)
            for s in sides:
                school = self.schools[s]
                if method == "head_leaves_now":
                    school.head_leaves_now(args.get("successor"))
                else:
                    getattr(school, method)(**args)
                asked.add((s, kind))
            self._mark(week, kind, label, sides)
        before = [(len(m.departures), len(m.crises)) for m in self.schools]
        for school in self.schools:
            school.step()
        self.week = week
        # the scenarios' own events (scheduled or random), marked too
        for s, school in enumerate(self.schools):
            deps, crises = before[s]
            for d in school.departures[deps:]:
                if d["reason"] != "requested":
                    self._mark(week, "departure", f"the head leaves ({d['reason']})", (s,))
            if (s, "crisis") not in asked:
                for c in school.crises[crises:]:
                    self._mark(week, "crisis", f"{c['kind']} crisis {c['severity']:.1f}", (s,))
            if week in self._schedules[s] and (s, "pattern") not in asked:
                self._mark(week, "pattern", "planned pattern change", (s,))
        self._record()
        if self.week >= self.total_weeks:
            self.running = False

    def _mark(self, week: int, kind: str, label: str, sides: Sequence[int]) -> None:
        wpy = self.scenarios[0].school.weeks_per_year
        for m in self.markers:
            if m.week == week and m.kind == kind and m.label == label:
                m.sides = tuple(sorted(set(m.sides) | set(sides)))
                return
        self.markers.append(Marker(week=week, year=week / wpy, kind=kind, label=label, sides=tuple(sides)))

    def _record(self) -> None:
        snaps, positions = [], []
        for s, school in enumerate(self.schools):
            cur = school.current
            h = self._history[s]
            for c in CHART_COLUMNS:
                h[c][self.week] = cur[c]
            h["year"][self.week] = cur["year"]
            snap = network_snapshot(school)
            snaps.append(snap)
            positions.append(self.layouts[s].positions(snap, self.week).copy())
        self.recorded = self.week + 1
        self.frame = Frame(week=self.week, snaps=snaps, positions=positions)

    # --- what the views draw -------------------------------------------------------------------------

    def series(self) -> list[SchoolSeries]:
        n = self.recorded
        return [
            SchoolSeries(
                label=self.labels[s],
                side=s,
                years=h["year"][:n],
                columns={c: h[c][:n] for c in CHART_COLUMNS},
            )
            for s, h in enumerate(self._history)
        ]

    @property
    def years(self) -> float:
        return self.total_weeks / self.scenarios[0].school.weeks_per_year

    def figures(self) -> dict[str, dict]:
        """Every figure of the page at the current week: ``network-<side>`` and the time charts."""
        frame = self.frame
        series = self.series()
        markers = list(self.markers)
        figs: dict[str, dict] = {}
        for s, (snap, pos) in enumerate(zip(frame.snaps, frame.positions, strict=True)):
            where = f"{SIDE_NAMES[s]} school: " if self.compare else ""
            title = f"Staff network · {where}{self.labels[s]} · week {frame.week}"
            figs[f"network-{SIDE_NAMES[s]}"] = network_figure(snap, pos, title=title)
        for key in TIME_CHARTS:
            figs[key] = time_chart(key, series, markers, years=self.years)
        return figs

    def figures_json(self) -> dict[str, str]:
        return {k: to_json(f) for k, f in self.figures().items()}

    def status(self) -> list[str]:
        """One line per school: week, head, pattern mix, crisis."""
        out = []
        for s, school in enumerate(self.schools):
            wpy = school.scenario.school.weeks_per_year
            head = school.head
            if head is None:
                who = "post vacant"
            else:
                who = (
                    f"head: charisma {head.charisma:.2f}, shares leadership {head.distribution:.2f}, "
                    f"in post {head.tenure:.0f} y"
                )
            mix = ", ".join(f"{k} {w:.0%}" for k, w in zip(PATTERN_NAMES, school.weights, strict=True) if w >= 0.005)
            crisis = f" · {school.crisis.kind} crisis until week {school.crisis_end}" if school.crisis else ""
            where = f"{SIDE_NAMES[s]} ({'solid' if s == 0 else 'dashed'}): " if self.compare else ""
            when = f"week {school.week} (year {school.week / wpy:.1f})"
            out.append(f"{where}{self.labels[s]} — {when} · {who} · leading now: {mix}{crisis}")
        return out


def network_snapshot(school: SchoolModel) -> NetworkSnapshot:
    """Copy what the network view needs from a school (safe to draw while the school steps on)."""
    staff = school.staff
    meas = school.measures
    infl = meas.influence
    corr = 1.0 / (1.0 - (1.0 - ALPHA) ** max(meas.weeks, 1))
    strength = np.maximum((infl.sum(axis=1) - infl.diagonal()) * corr, 0.0)
    head = school.head
    if head is None:
        label = "post vacant"
    else:
        label = (
            f"head · charisma {head.charisma:.2f} · shares leadership {head.distribution:.2f} · "
            f"authenticity {head.authenticity:.2f} · influence {strength[0]:.1f}"
        )
    return NetworkSnapshot(
        capacity=staff.capacity.copy(),
        role=staff.role.copy(),
        department=staff.department.copy(),
        ties=staff.ties.copy(),
        influence=strength,
        head_reach=np.minimum(infl[0, 1:] * corr, 1.0),
        head_present=head is not None,
        head_capacity=float(head.capacity) if head is not None else 0.0,
        head_label=label,
        threshold=float(school.scenario.network.tie_threshold),
    )


# --- the plotly component ----------------------------------------------------------------------------

#: plotly.js as shipped inside the plotly Python package, served through solara's asset cache
#: (``leadsim.app.server`` puts it there); the path names the npm package of the same file
PLOTLY_JS = "plotly.js-dist-min@{version}/plotly.min.js"

_VIEWS_VUE = r"""
<template>
  <div class="leadsim-views" style="width: 100%;">
    <div class="leadsim-status" style="margin: 6px 0 8px 0;">
      <div class="leadsim-week" style="font-size: 1.3em; font-weight: bold;">{{ week_text }}</div>
      <div v-for="(line, k) in status" :key="'s' + k" style="font-size: 0.95em;">{{ line }}</div>
      <div v-if="alert" class="leadsim-pending" style="color: #B00020;">{{ alert }}</div>
    </div>
    <div v-for="(row, r) in rows" :key="'row' + r" class="leadsim-row" :style="rowStyle(row)">
      <div v-for="id in row.ids" :key="id" class="leadsim-box"
           style="background: white; border: 1px solid #e0e0e0; border-radius: 6px; padding: 4px; min-width: 0;">
        <div class="leadsim-plot" :data-chart="id" style="width: 100%;"></div>
      </div>
    </div>
  </div>
</template>
<script>
module.exports = {
  mounted() {
    this.shown = {};
    this.visible = {};
    /* charts scrolled out of view are not redrawn until they come back: a room sees the top */
    this.observer = window.IntersectionObserver ? new IntersectionObserver((entries) => {
      for (const e of entries) { this.visible[e.target.getAttribute('data-chart')] = e.isIntersecting; }
      this.queue();
    }) : null;
    this.queue();
  },
  watch: { seq() { this.queue(); }, rows() { this.shown = {}; this.queue(); } },
  beforeDestroy() { this.cleanup(); },
  beforeUnmount() { this.cleanup(); },
  methods: {
    rowStyle(row) {
      return 'display: grid; gap: 10px; margin-bottom: 10px; '
        + 'grid-template-columns: repeat(auto-fit, minmax(' + row.min + 'px, 1fr));';
    },
    cdn() {
      if (window.solara && window.solara.cdn) { return window.solara.cdn; }
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith('/')) { base += '/'; }
      return base + '_solara/cdn';
    },
    plotly() {
      if (window.Plotly) { return Promise.resolve(window.Plotly); }
      if (!window.__leadsimPlotly) {
        window.__leadsimPlotly = new Promise((resolve, reject) => {
          const s = document.createElement('script');
          s.src = this.cdn() + '/' + this.plotly_url;
          s.onload = () => resolve(window.Plotly);
          s.onerror = (e) => { window.__leadsimPlotly = null; reject(e); };
          document.head.appendChild(s);
        });
      }
      return window.__leadsimPlotly;
    },
    queue() {
      /* draw at most once per animation frame: weeks that arrive faster are skipped, never queued */
      if (this.queued) { return; }
      this.queued = true;
      this.plotly().then(() => {
        const go = () => { this.queued = false; this.$nextTick(() => this.draw()); };
        if (document.hidden) { setTimeout(go, 250); } else { window.requestAnimationFrame(go); }
      }, () => { this.queued = false; });
    },
    draw() {
      if (!this.figures || !this.$el || !this.$el.querySelectorAll) { return; }
      const figs = JSON.parse(this.figures);
      const shown = this.shown || (this.shown = {});
      for (const id of Object.keys(figs)) {
        const el = this.$el.querySelector('.leadsim-plot[data-chart="' + id + '"]');
        const entry = figs[id];
        if (!el || shown[id] === entry.v) { continue; }
        if (this.observer && !el.__leadsimSeen) { el.__leadsimSeen = true; this.observer.observe(el); }
        if (this.observer && this.visible[id] === false && el.data) { continue; }
        window.Plotly.react(el, entry.f.data, entry.f.layout, entry.f.config || {});
        shown[id] = entry.v;
        el.setAttribute('data-version', String(entry.v));
        if (!el.__leadsimResize && window.ResizeObserver) {
          /* plotly follows window resizes only; the grid also resizes boxes (compare mode) */
          el.__leadsimResize = new ResizeObserver(() => {
            if (el.data && el.isConnected && el.offsetParent !== null) {
              Promise.resolve(window.Plotly.Plots.resize(el)).catch(() => {});
            }
          });
          el.__leadsimResize.observe(el.parentElement);
        }
      }
      this.draws = (this.draws || 0) + 1;
      this.$el.setAttribute('data-draws', String(this.draws));
      /* tell the server this state is on screen: it sends the next one only then (flow control) */
      if (this.drawn !== this.seq) { this.drawn = this.seq; }
    },
    cleanup() {
      if (this.observer) { this.observer.disconnect(); }
      if (!this.$el || !this.$el.querySelectorAll || !window.Plotly) { return; }
      for (const el of this.$el.querySelectorAll('.leadsim-plot')) { window.Plotly.purge(el); }
    },
  },
};
</script>
"""


@lru_cache(maxsize=1)
def plotly_js_path() -> str:
    from plotly.offline import get_plotlyjs_version

    return PLOTLY_JS.format(version=get_plotlyjs_version())


class PlotlyViews(v.VuetifyTemplate):
    """Several plotly figures in rows of a CSS grid, drawn with plotly.js in the browser.

    ``figures`` is one JSON object ``{chart id: {"v": version, "f": figure}}``: one message per
    update for all charts. A chart is redrawn (``Plotly.react``) only when its version changed,
    and at most once per animation frame, so a browser slower than the model skips weeks instead
    of falling behind.
    """

    template = traitlets.Unicode(_VIEWS_VUE).tag(sync=True)
    figures = traitlets.Unicode("{}").tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    plotly_url = traitlets.Unicode("").tag(sync=True)
    week_text = traitlets.Unicode("").tag(sync=True)
    status = traitlets.List(traitlets.Unicode()).tag(sync=True)
    alert = traitlets.Unicode("").tag(sync=True)
    seq = traitlets.Int(0).tag(sync=True)  # number of the state sent
    drawn = traitlets.Int(0).tag(sync=True)  # number of the state the browser has drawn (set by the browser)


def pack_figures(figs: dict[str, str]) -> str:
    """The ``figures`` trait of :class:`PlotlyViews` from figure JSON strings (not re-escaped)."""
    parts = [f'"{k}":{{"v":{zlib.crc32(f.encode())},"f":{f}}}' for k, f in figs.items()]
    return "{" + ",".join(parts) + "}"


def view_rows(model: Classroom) -> list[dict]:
    """Which charts go in which row: the network(s) large on top, then the headline charts, then the rest."""
    networks = [f"network-{side}" for side in SIDE_NAMES[: len(model.schools)]]
    if model.compare:
        rows = [networks, ["attainment", "leadership_capacity", "distribution_index"]]
        rows.append(["trust", "cynicism", "students", "parents"])
    else:
        rows = [[*networks, "attainment"], ["leadership_capacity", "distribution_index", "trust"]]
        rows.append(["cynicism", "students", "parents"])
    return [{"ids": ids, "min": (420, 300, 240)[k]} for k, ids in enumerate(rows)]


# --- the page ----------------------------------------------------------------------------------------


@solara.component
def Interventions(model: Classroom):
    """The live interventions: the head leaves now, crisis now, switch the pattern now."""
    successor, set_successor = solara.use_state(AS_SET)
    kind, set_kind = solara.use_state("behaviour")
    severity, set_severity = solara.use_state(0.6)
    preset, set_preset = solara.use_state("design")
    target, set_target = solara.use_state("both schools")
    targets = {"both schools": None, "left school": (0,), "right school": (1,)}
    sides = targets.get(target) if model.compare else None

    def leave():
        style = next((k for k, label in SUCCESSORS.items() if label == successor), None)
        model.head_leaves_now(style, sides)
        force_update()

    def crisis():
        model.crisis_now(kind, severity, sides=sides)
        force_update()

    def switch():
        model.switch_pattern_now(preset, sides)
        force_update()

    with solara.Card("Interventions (take effect next week)", style="margin: 0;"):
        with solara.Row(style="flex-wrap: wrap; align-items: flex-start; gap: 12px;"):
            with solara.Column(style="min-width: 250px; flex: 1;", gap="4px"):
                solara.Button(
                    "the head leaves now",
                    color="error",
                    on_click=leave,
                    classes=["leadsim-head-leaves"],
                    style="font-weight: bold;",
                )
                solara.Select(
                    "successor", value=successor, values=[AS_SET, *SUCCESSORS.values()], on_value=set_successor
                )
            with solara.Column(style="min-width: 250px; flex: 1;", gap="4px"):
                solara.Button("crisis now", color="warning", on_click=crisis, classes=["leadsim-crisis"])
                solara.Select("kind", value=kind, values=list(CRISIS_KINDS), on_value=set_kind)
                solara.SliderFloat(
                    f"severity {severity:.1f}", value=severity, min=0.1, max=1.0, step=0.1, on_value=set_severity
                )
            with solara.Column(style="min-width: 250px; flex: 1;", gap="4px"):
                solara.Button("switch the pattern now", color="secondary", on_click=switch, classes=["leadsim-switch"])
                solara.Select("to", value=preset, values=list(PRESETS), on_value=set_preset)
            if model.compare:
                with solara.Column(style="min-width: 160px; flex: 0.6;", gap="4px"):
                    solara.Select("apply to", value=target, values=list(targets), on_value=set_target)


#: seconds to wait for the browser to draw a state before sending the next one anyway
MAX_UNACKED = 1.0


def live_state(model: Classroom) -> dict[str, Any]:
    """The traits of the live views at the model's current week."""
    alerts = []
    pending = model.pending()
    if pending:
        alerts.append("next week: " + "; ".join(pending))
    if model.week >= model.total_weeks:
        alerts.append("The run has ended: press RESET to start again.")
    return {
        "figures": pack_figures(model.figures_json()),
        "week_text": f"week {model.week}",
        "status": model.status(),
        "alert": " · ".join(alerts),
    }


@solara.component
def Live(model: Classroom):
    """The status lines and the figures: one widget, updated in place after every step.

    Mesa's step loop bumps ``update_counter`` after each step; instead of re-rendering components
    (reacton reconciles the whole page, which costs more than the step itself), this component
    subscribes to it and sets the widget's traits directly: one message per week to the browser.

    Flow control: a new state is sent only once the browser has drawn the previous one (or after
    :data:`MAX_UNACKED` seconds), so a slow browser skips weeks instead of queueing them, and the
    week on screen is the model's week: "the head leaves now" happens when the trainer sees it.
    """
    rows = solara.use_memo(lambda: view_rows(model), dependencies=[id(model)])
    # Only static traits go through reacton; the live ones are set by refresh() below, so that a
    # reconciliation of the page can never put back an older week.
    element = PlotlyViews.element(rows=rows, plotly_url=plotly_js_path())
    lock = solara.use_memo(threading.Lock, dependencies=[])

    def follow():
        seen: dict[str, Any] = {"key": None, "sent": 0.0}
        widget = solara.get_widget(element)

        def refresh(_=None):
            key = (model.recorded, tuple((m.week, m.sides) for m in model.markers), tuple(model.pending()))
            with lock:
                if key == seen["key"]:
                    return
                if widget.seq > widget.drawn and time.monotonic() - seen["sent"] < MAX_UNACKED:
                    return  # the browser is still drawing the last state: skip this one (it asks again)
                seen.update(key=key, sent=time.monotonic())
                state = live_state(model)
                with widget.hold_sync():
                    for name, value in state.items():
                        setattr(widget, name, value)
                    widget.seq = widget.seq + 1

        def on_drawn(change):
            refresh()

        refresh()
        widget.observe(on_drawn, names="drawn")
        unsubscribe = update_counter.subscribe(refresh)

        def cleanup():
            unsubscribe()
            widget.unobserve(on_drawn, names="drawn")

        return cleanup

    solara.use_effect(follow, dependencies=[id(model)])
    return element


@solara.component
def Dashboard(model: Classroom):
    """The main area: interventions, the live views and the explanation."""
    with solara.Column(style="padding: 4px 12px; width: 100%;", gap="4px"):
        Interventions(model)
        Live(model)
        with solara.Card("What am I looking at?", classes=["leadsim-explanation"]):
            solara.HTML(tag="div", unsafe_innerHTML=explanation_html(), style="max-width: 75em; line-height: 1.45;")


def _slider(label: str, value: float, on_value, lo: float = 0.0, hi: float = 1.0, step: float = 0.05, fmt: str = ".2f"):
    solara.SliderFloat(f"{label}: {value:{fmt}}", value=value, min=lo, max=hi, step=step, on_value=on_value)


@solara.component
def SchoolSettingsForm(settings: solara.Reactive, side: int, running: SchoolSettings | None):
    s: SchoolSettings = settings.value[side]

    def put(new: SchoolSettings) -> None:
        pair = list(settings.value)
        pair[side] = new
        settings.value = tuple(pair)

    def setter(field: str):
        return lambda value: put(dataclasses.replace(settings.value[side], **{field: value}))

    names = list(scenario_names())
    solara.Select("scenario", value=s.scenario, values=names, on_value=lambda n: put(SchoolSettings.from_scenario(n)))
    solara.Text(scenario_description(s.scenario), style="font-size: 0.85em; color: #555;")
    solara.Text("Pattern mix at the start (weights)", style="font-weight: bold; margin-top: 6px;")
    for name in PATTERN_NAMES:
        _slider(name, getattr(s, name), setter(name))
    switch_labels = {NO_SWITCH: NO_SWITCH, SCENARIO_SWITCH: SCENARIO_SWITCH, **{k: v[0] for k, v in PRESETS.items()}}
    solara.Select(
        "then switch to",
        value=switch_labels.get(s.switch_to, NO_SWITCH),
        values=list(switch_labels.values()),
        on_value=lambda label: put(
            dataclasses.replace(settings.value[side], switch_to=next(k for k, v in switch_labels.items() if v == label))
        ),
    )
    if s.switch_to != NO_SWITCH:
        _slider("at year", s.switch_year, setter("switch_year"), 0.0, 10.0, 0.5, ".1f")
    solara.Text("The head", style="font-weight: bold; margin-top: 6px;")
    _slider("charisma", s.charisma, setter("charisma"))
    _slider("shares leadership (stance)", s.distribution, setter("distribution"))
    _slider("authenticity", s.authenticity, setter("authenticity"))
    solara.Text("The staff", style="font-weight: bold; margin-top: 6px;")
    _slider("trust at start", s.trust, setter("trust"))
    _slider("time for collaboration", s.time_for_collaboration, setter("time_for_collaboration"), 0.0, 0.6)
    solara.Select(
        "successor when the head leaves",
        value=SUCCESSORS[s.successor],
        values=list(SUCCESSORS.values()),
        on_value=lambda label: put(
            dataclasses.replace(settings.value[side], successor=next(k for k, v in SUCCESSORS.items() if v == label))
        ),
    )
    if running is not None and s != running:
        solara.Warning("Changed: press RESET to start the schools with these settings.", dense=True)
    elif running is None and side == 1:
        solara.Info("Tick 'compare two schools' and press RESET to run this school too.", dense=True)


@solara.component
def SchoolSettingsCard(settings: solara.Reactive, model: Classroom):
    side, set_side = solara.use_state(SIDE_NAMES[0])
    s = SIDE_NAMES.index(side)
    running = model.settings[s] if s < len(model.schools) else None
    with solara.Card("Schools", classes=["leadsim-schools"]):
        solara.ToggleButtonsSingle(value=side, values=list(SIDE_NAMES), on_value=set_side, dense=True)
        SchoolSettingsForm(settings, s, running)


@solara.component
def SettingsSidebar(settings: solara.Reactive, model: Classroom):
    """The school settings, in the sidebar below Mesa's controls (a deeper component sorts later there)."""
    with solara.Sidebar():
        SchoolSettingsCard(settings, model)


@solara.component
def SettingsHolder(settings: solara.Reactive, model: Classroom):
    SettingsSidebar(settings, model)


@solara.component
def Page():
    """One session's page: its own settings and its own Classroom, inside Mesa's SolaraViz."""
    settings = solara.use_reactive(solara.use_memo(default_settings, []))
    model = solara.use_reactive(solara.use_memo(lambda: Classroom(settings=settings.value), []))
    model_params = {
        "settings": settings,  # fixed: Mesa's reset builds the Classroom from this session's settings
        "compare": {"type": "Checkbox", "value": False, "label": "Compare two schools side by side"},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed (both schools)"},
        "own_events": {
            "type": "Checkbox",
            "value": False,
            "label": "Keep the scenarios' own departures and crises",
        },
    }
    solara.Title("leadsim · leadership patterns in schools")
    SolaraViz(
        model,
        components=[],
        model_params=model_params,
        name="leadsim · leadership patterns in schools",
        play_interval=11,
        render_interval=1,
    )
    SettingsHolder(settings, model.value)
    Dashboard(model.value)
