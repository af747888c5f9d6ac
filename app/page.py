"""The trainers' page (``leadsim serve``): one school, or two side by side, live in the browser.

The page's top, :mod:`leadsim.app.main`, shows this page or the system view
(:mod:`leadsim.app.systempage`), which reuses this page's widget and session.

The classroom logic (schools, clock, interventions, replay) is :mod:`leadsim.app.classroom`, the
figures :mod:`leadsim.app.views`, links and files :mod:`leadsim.app.sharing`, "your school"
:mod:`leadsim.app.yourschool`. This module is only the Solara page around them.

One widget, :class:`TrainerViews` (a Vue template), holds the trainer's controls (play/pause, a
week, a term, go to a year, the speed in school time, full screen), the three interventions, the
timeline and the charts. The clock sets its traits directly after each week - one message to the
browser, no re-render of the page - and the browser says when it has drawn a week, so that the
clock never runs ahead of the screen (see :class:`~leadsim.app.classroom.Clock`). The widget is
created once per session, so a re-layout (a resize, full screen) re-mounts the same widget, which
redraws its charts from its traits.

The settings of the schools, "your school" and the files (save, open, data) are Solara components
in the sidebar; they change rarely. Every browser session (tab) has its own :class:`Session`, so
two tabs never share a school; nothing per-session lives at module level.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import ipyvuetify as v
import solara
import traitlets
from leadsim.app.classroom import (
    CRISIS_KINDS,
    DEFAULT_SPEED,
    NO_SWITCH,
    PATTERN_NAMES,
    PATTERN_WORDS,
    PRESETS,
    ROUTINE_KEYS,
    SCENARIO_SWITCH,
    SIDE_NAMES,
    SPEEDS,
    SUCCESSORS,
    Classroom,
    Clock,
    SchoolSettings,
    human_name,
    scenario_description,
    scenario_names,
    speed_label,
)
from leadsim.app.server import plotly_js_path
from leadsim.app.sharing import PageSetup, from_query, read_uploaded, setup_of, setup_yaml, to_address
from leadsim.app.views import (
    CHART_COLUMNS,
    CHART_TIPS,
    TIME_CHARTS,
    network_figure,
    routines_figure,
    time_chart,
    to_json,
)
from leadsim.app.yourschool import QUESTIONS, TYPICAL, register_answers

#: seconds to wait for the browser to draw a week before sending a newer one anyway
MAX_UNACKED = 1.0
#: the reform pace slider's top: six a term is already one every two weeks
REFORM_PACE_MAX = 6.0
#: the charts a presentation shows (large): the network(s), results, and leading shared
PRESENT_CHARTS = ("attainment", "distribution_index")


def figures(room: Classroom, *, presenting: bool = False) -> dict[str, dict]:
    """Every figure of the page at the week on screen: ``network-<side>`` and the time charts."""
    frame = room.frame()
    series = room.series()
    markers = room.markers()
    previous = [s for s in room.previous] if room.previous else []
    figs: dict[str, dict] = {}
    network_height = 400 if presenting else (340 if room.compare else 380)
    for s, (snap, pos) in enumerate(zip(frame.snaps, frame.positions, strict=True)):
        where = f"{SIDE_NAMES[s]}: " if room.compare else ""
        title = f"{'' if presenting else 'Staff network · '}{where}{room.labels[s]} · week {frame.week}"
        figs[f"network-{SIDE_NAMES[s]}"] = network_figure(snap, pos, title=title, height=network_height)
    if not presenting:
        where = " · left and right" if room.compare else ""
        figs["routines"] = routines_figure(room.routine_levels(), title=f"Routines now{where} · week {frame.week}")
    keys = PRESENT_CHARTS if presenting else tuple(TIME_CHARTS)
    for key in keys:
        figs[key] = time_chart(
            key,
            series,
            markers,
            years=room.years,
            previous=previous,
            large=presenting,
            height=330 if presenting else 250,
        )
    return figs


def pack_figures(figs: dict[str, str]) -> str:
    """The ``figures`` trait of :class:`TrainerViews` from figure JSON strings (not re-escaped)."""
    parts = [f'"{k}":{{"v":{zlib.crc32(f.encode())},"f":{f}}}' for k, f in figs.items()]
    return "{" + ",".join(parts) + "}"


def view_rows(room: Classroom, presenting: bool = False) -> list[dict]:
    """Which charts go in which row: the network(s) large on top, then the headline charts, then the rest."""
    networks = [f"network-{side}" for side in SIDE_NAMES[: len(room.schools)]]
    if presenting:
        # one row: a projector at 1366x768 shows everything without scrolling
        return [{"ids": [*networks, *PRESENT_CHARTS], "min": 300}]
    # routines and strain share a row: what a head leaves behind, and what a reform pace costs
    if room.compare:
        rows = [networks, ["attainment", "leadership_capacity", "distribution_index"]]
        rows += [["routines", "strain", "cynicism"], ["trust", "students", "parents"]]
    else:
        rows = [[*networks, "attainment"], ["leadership_capacity", "distribution_index", "trust"]]
        rows += [["routines", "strain", "cynicism"], ["students", "parents"]]
    return [{"ids": ids, "min": (360, 280, 280, 220)[k]} for k, ids in enumerate(rows)]


def live_state(room: Classroom, *, presenting: bool = False) -> dict[str, Any]:
    """The traits of the widget that change with the week on screen."""
    alerts = []
    pending = room.pending()
    if pending:
        alerts.append("from next week: " + "; ".join(pending))
    if room.at_end:
        alerts.append("The run has ended: go back on the timeline, or start again.")
    return {
        "figures": pack_figures({k: to_json(f) for k, f in figures(room, presenting=presenting).items()}),
        "week_text": f"week {room.cursor} · {room.when().split(' · ')[0]}",
        "cursor": room.cursor,
        "newest": room.week,
        "status": room.status(),
        "alert": " · ".join(alerts),
    }


def data_csv(room: Classroom) -> str:
    """Every chart's data up to the week on screen, one row per school and week (what "data (CSV)" saves)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["school", "week", "year", *CHART_COLUMNS, *ROUTINE_KEYS])
    with room.lock:  # the clock may step on between the two reads
        all_series, routines = room.series(), room.routine_history()
    for s, series in enumerate(all_series):
        name = f"{SIDE_NAMES[s]}: {series.label}" if room.compare else series.label
        for week, year in enumerate(series.years):
            writer.writerow(
                [
                    name,
                    week,
                    f"{year:.4f}",
                    *(f"{series.columns[c][week]:.5f}" for c in CHART_COLUMNS),
                    *(f"{x:.5f}" for x in routines[s][week]),
                ]
            )
    return out.getvalue()


# --- what the browser sends --------------------------------------------------------------------------
# The page's script sends numbers, but anyone can write to its websocket: a message's values are
# checked here, and a bad one is refused in the page's message line (never a traceback that leaves
# the clock paused while the page still shows "pause").


def _sent(value: Any) -> str:
    """A value as the browser sent it (JSON), shortened: what a refusal quotes."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def crisis_severity(value: Any) -> float:
    """A crisis's severity from a browser message: a number above 0 and at most 1.

    Raises:
        ValueError: anything else, e.g. text, null (what JSON makes of a NaN), a list, true, 1.5.
    """
    if not (_is_number(value) and 0.0 < value <= 1.0):  # NaN fails the comparison
        raise ValueError(f"crisis severity: expected a number above 0 and at most 1 (got {_sent(value)})")
    return float(value)


def whole_number(value: Any, what: str, most: int) -> int:
    """A whole number from 0 to ``most`` from a browser message (weeks to step, a week, a year).

    Raises:
        ValueError: anything else (text, null, a fraction, a negative or too large number).
    """
    if not (_is_number(value) and 0 <= value <= most and value == int(value)):
        raise ValueError(f"{what}: expected a whole number from 0 to {most} (got {_sent(value)})")
    return int(value)


def intervention_fields(data: Any) -> tuple[str, str, float]:
    """The kind, argument and crisis severity of an intervention message ``{kind, arg, side, severity}``.

    Raises:
        ValueError: ``data`` is not an object, or its severity is not a number above 0 and at most 1.
    """
    if not isinstance(data, dict):
        raise ValueError(f"an intervention: expected an object {{kind, arg, side, severity}} (got {_sent(data)})")
    return str(data.get("kind")), str(data.get("arg") or ""), crisis_severity(data.get("severity", 0.6))


# --- the widget ----------------------------------------------------------------------------------

#: what kind of crisis and how hard it hits: the same two choices on the one-school page and the
#: system view
_CRISIS_CHOICES = r"""        <select class="leadsim-crisis-kind" v-model="crisis">
          <option v-for="c in crises" :key="c[0]" :value="c[0]">{{ c[1] }}</option>
        </select>
        <select class="leadsim-severity" v-model="severity" title="How hard it hits">
          <option value="0.3">mild</option><option value="0.6">serious</option>
          <option value="0.9">severe</option>
        </select>
"""

_VIEWS_VUE = (
    r"""
<template>
  <div class="leadsim-views" :class="{ 'leadsim-presenting': presenting }" :style="rootStyle()">
    <div class="leadsim-controls" style="display: flex; flex-wrap: wrap; gap: 6px; align-items: center;">
      <button v-if="!playing" class="leadsim-btn leadsim-play" title="Play (the model: run)"
              @click="play()">▶ play</button>
      <button v-else class="leadsim-btn leadsim-pause" title="Pause" @click="pause()">❚❚ pause</button>
      <button class="leadsim-btn" title="One school week (the model: one step)" @click="step_weeks(1)">+1 week</button>
      <button class="leadsim-btn" title="One term: 13 weeks" @click="step_weeks(13)">+1 term</button>
      <label class="leadsim-label">go to
        <select class="leadsim-year" @change="go_year(+$event.target.value); $event.target.value = ''">
          <option value="">year…</option>
          <option v-for="y in years" :key="'y' + y" :value="y">year {{ y }}</option>
        </select>
      </label>
      <label class="leadsim-label" title="How fast the school year passes while playing">speed
        <select class="leadsim-speed" :value="speed" @change="speed = +$event.target.value">
          <option v-for="s in speeds" :key="'s' + s[0]" :value="s[0]">{{ s[1] }}</option>
        </select>
      </label>
      <span class="leadsim-speed-value" style="color: #555;">{{ speedText() }}</span>
      <span style="flex: 1;"></span>
      <button class="leadsim-btn leadsim-fullscreen" title="Full screen, larger type, main charts only"
              @click="togglePresent()">{{ presenting ? 'leave presentation' : 'present (full screen)' }}</button>
    </div>
    <div class="leadsim-interventions"
         style="display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 6px 0;">
      <span class="leadsim-group">
        <button class="leadsim-btn leadsim-head-leaves" style="background: #B00020; color: white;"
                title="The head in post leaves (the model: a requested departure)"
                @click="act({kind: 'leave', arg: successor, side: target})">the head leaves now</button>
        <select class="leadsim-successor" v-model="successor" title="Who follows">
          <option value="">successor as set for each school</option>
          <option v-for="s in successors" :key="s[0]" :value="s[0]">{{ s[1] }}</option>
        </select>
      </span>
      <span class="leadsim-group">
        <button class="leadsim-btn leadsim-crisis" style="background: #E69F00;"
                title="A crisis hits for eight weeks (pulls everyone in: leadership by desperation)"
                @click="act({kind: 'crisis', arg: crisis, side: target, severity: +severity})">crisis now</button>
"""
    + _CRISIS_CHOICES
    + r"""      </span>
      <span class="leadsim-group">
        <button class="leadsim-btn leadsim-switch" style="background: #6A3D9A; color: white;"
                title="Change how leadership is shared (the model: the pattern mix)"
                @click="act({kind: 'switch', arg: preset, side: target})">switch now to</button>
        <select class="leadsim-preset" v-model="preset">
          <option v-for="p in presets" :key="p[0]" :value="p[0]">{{ p[1] }}</option>
        </select>
      </span>
      <label v-if="compare" class="leadsim-label">apply to
        <select class="leadsim-target" v-model="target">
          <option value="both">both schools</option><option value="left">left school</option>
          <option value="right">right school</option>
        </select>
      </label>
    </div>
    <div class="leadsim-status" style="margin: 4px 0 4px 0;">
      <span class="leadsim-week" style="font-size: 1.25em; font-weight: bold;">{{ week_text }}</span>
      <div v-for="(line, k) in status" :key="'s' + k" class="leadsim-status-line" :style="lineStyle(k)">{{ line }}</div>
      <div v-if="alert" class="leadsim-pending" style="color: #B00020;">{{ alert }}</div>
      <div v-if="message" class="leadsim-message" style="color: #B00020; font-weight: bold;">{{ message }}</div>
    </div>
    <div class="leadsim-timeline"
         style="display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 6px;"
         title="Drag back to replay the weeks already run; acting at an earlier week replays from there">
      <span style="white-space: nowrap;">timeline</span>
      <input type="range" class="leadsim-scrub" min="0" :max="total" :value="cursor"
             style="flex: 1 1 8em; min-width: 6em;"
             @change="seek_to(+$event.target.value)">
      <span style="white-space: nowrap; color: #555;">run to week {{ newest }} of {{ total }}</span>
    </div>
    <div v-for="(row, r) in rows" :key="'row' + r" class="leadsim-row" :style="rowStyle(row)">
      <div v-for="id in row.ids" :key="id" class="leadsim-box" :title="tips[id] || ''"
           style="background: white; border: 1px solid #e0e0e0; border-radius: 6px; padding: 4px;
                  min-width: 0; position: relative;">
        <div class="leadsim-export" style="position: absolute; right: 8px; bottom: 2px; z-index: 2; font-size: 11px;">
          <a href="#" @click.prevent="exportChart(id, 'png')">PNG</a> ·
          <a href="#" @click.prevent="exportChart(id, 'svg')">SVG</a> ·
          <a href="#" @click.prevent="exportChart(id, 'csv')">CSV</a>
        </div>
        <div class="leadsim-plot" :data-chart="id" style="width: 100%;"></div>
      </div>
    </div>
  </div>
</template>
<style>
  .leadsim-btn { border: 1px solid #bbb; border-radius: 4px; padding: 3px 10px; background: #f5f5f5;
                 cursor: pointer; font-size: 14px; }
  .leadsim-btn:hover { filter: brightness(0.93); }
  .leadsim-views select { border: 1px solid #bbb; border-radius: 4px; padding: 2px 4px; background: white;
                          font-size: 13px; }
  .leadsim-label { font-size: 13px; color: #333; }
  .leadsim-presenting { font-size: 1.2em; }
  .leadsim-presenting .leadsim-btn { font-size: 17px; padding: 5px 14px; }
  .leadsim-presenting .leadsim-export { display: none; }
</style>
<script>
module.exports = {
  data() { return { successor: '', crisis: 'behaviour', severity: '0.6', preset: 'design', target: 'both' }; },
  mounted() {
    this.shown = {};
    this.visible = {};
    /* charts scrolled out of view are not redrawn until they come back: a room sees the top */
    this.observer = window.IntersectionObserver ? new IntersectionObserver((entries) => {
      for (const e of entries) { this.visible[e.target.getAttribute('data-chart')] = e.isIntersecting; }
      this.queue();
    }) : null;
    this.onFullscreen = () => { if (!document.fullscreenElement && this.presenting) { this.presenting = false; } };
    document.addEventListener('fullscreenchange', this.onFullscreen);
    this.queue();
  },
  watch: {
    seq() { this.queue(); },
    rows() { this.shown = {}; this.queue(); },
    address(value) {
      if (value !== window.location.search) {
        window.history.replaceState(window.history.state, '', window.location.pathname + value);
      }
    },
  },
  beforeDestroy() { this.cleanup(); },
  beforeUnmount() { this.cleanup(); },
  methods: {
    rootStyle() { return 'width: 100%;' + (this.presenting ? ' background: white; padding: 8px;' : ''); },
    rowStyle(row) {
      /* min(.., 100%): a screen narrower than a chart's least width gets one chart a row, not a page
         wider than the screen */
      return 'display: grid; gap: 8px; margin-bottom: 8px; '
        + 'grid-template-columns: repeat(auto-fit, minmax(min(' + row.min + 'px, 100%), 1fr));';
    },
    lineStyle(k) {
      const colours = ['#0072B2', '#D55E00'];
      return 'font-size: 0.92em; color: ' + (this.compare ? colours[k % 2] : '#222') + ';';
    },
    speedText() {
      const s = this.speeds.find(x => x[0] === this.speed);
      return s ? '(' + (39 / s[0]).toFixed(1) + ' weeks a second)' : '';
    },
    togglePresent() {
      const on = !this.presenting;
      this.presenting = on;
      try {
        if (on && document.documentElement.requestFullscreen && !document.fullscreenElement) {
          document.documentElement.requestFullscreen().catch(() => {});
        } else if (!on && document.fullscreenElement) { document.exitFullscreen().catch(() => {}); }
      } catch (e) { /* full screen refused: presentation mode still applies */ }
    },
    exportChart(id, format) {
      const el = this.$el.querySelector('.leadsim-plot[data-chart="' + id + '"]');
      if (!el || !el.data || !window.Plotly) { return; }
      const name = 'leadsim-' + id + '-week-' + this.cursor;
      if (format === 'csv') {
        const lines = ['series,x,y'];
        for (const d of el.data) {
          if (!d.x || !d.y || d.mode !== 'lines' && d.mode !== 'markers' && d.type !== 'bar') { continue; }
          if (d.hoverinfo === 'skip') { continue; }
          const label = '"' + String(d.name || '').replace(/"/g, '""') + '"';
          for (let i = 0; i < d.x.length; i++) {
            if (d.x[i] !== null && d.y[i] !== null) { lines.push(label + ',' + d.x[i] + ',' + d.y[i]); }
          }
        }
        const blob = new Blob([lines.join('\n') + '\n'], {type: 'text/csv'});
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob); a.download = name + '.csv';
        document.body.appendChild(a); a.click(); a.remove();
      } else {
        window.Plotly.downloadImage(el, {format: format, filename: name, width: el.offsetWidth,
                                         height: el.offsetHeight, scale: format === 'png' ? 2 : 1});
      }
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
        if (!el) { continue; }
        /* a chart whose element was replaced (re-layout, full screen) is drawn again whatever its version */
        if (shown[id] === entry.v && el.data) { continue; }
        if (this.observer && !el.__leadsimSeen) { el.__leadsimSeen = true; this.observer.observe(el); }
        if (this.observer && this.visible[id] === false && el.data) { continue; }
        window.Plotly.react(el, entry.f.data, entry.f.layout, entry.f.config || {});
        shown[id] = entry.v;
        el.setAttribute('data-version', String(entry.v));
        if (!el.__leadsimResize && window.ResizeObserver) {
          /* plotly follows window resizes only; the grid also resizes boxes. A resize while paused
             redraws from the figure already held, so the chart never goes blank. */
          el.__leadsimResize = new ResizeObserver(() => {
            if (el.data && el.isConnected && el.offsetParent !== null) {
              Promise.resolve(window.Plotly.Plots.resize(el)).catch(() => {});
            } else if (el.isConnected) { this.shown[id] = null; this.queue(); }
          });
          el.__leadsimResize.observe(el.parentElement);
        }
      }
      this.draws = (this.draws || 0) + 1;
      this.$el.setAttribute('data-draws', String(this.draws));
      /* tell the server this week is on screen: the clock moves on only then (lockstep) */
      if (this.drawn !== this.seq) { this.drawn = this.seq; }
    },
    cleanup() {
      if (this.observer) { this.observer.disconnect(); }
      if (this.onFullscreen) { document.removeEventListener('fullscreenchange', this.onFullscreen); }
      if (!this.$el || !this.$el.querySelectorAll || !window.Plotly) { return; }
      for (const el of this.$el.querySelectorAll('.leadsim-plot')) { window.Plotly.purge(el); }
    },
  },
};
</script>
"""
)


class TrainerViews(v.VuetifyTemplate):
    """The trainer's controls, interventions, timeline and charts: one widget, one message per week.

    ``figures`` is one JSON object ``{chart id: {"v": version, "f": figure}}``. A chart is redrawn
    (``Plotly.react``) only when its version changed or its element is new, at most once per
    animation frame. The ``vue_*`` methods are what the template's buttons call; they forward to
    the :class:`Session`.
    """

    template = traitlets.Unicode(_VIEWS_VUE).tag(sync=True)
    figures = traitlets.Unicode("{}").tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    tips = traitlets.Dict().tag(sync=True)
    plotly_url = traitlets.Unicode("").tag(sync=True)
    week_text = traitlets.Unicode("").tag(sync=True)
    status = traitlets.List(traitlets.Unicode()).tag(sync=True)
    alert = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    cursor = traitlets.Int(0).tag(sync=True)
    newest = traitlets.Int(0).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    years = traitlets.List(traitlets.Int()).tag(sync=True)
    compare = traitlets.Bool(False).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    presenting = traitlets.Bool(False).tag(sync=True)
    address = traitlets.Unicode("").tag(sync=True)  # the setup as a query string, put in the address bar
    speed = traitlets.Float(DEFAULT_SPEED).tag(sync=True)
    speeds = traitlets.List().tag(sync=True)
    successors = traitlets.List().tag(sync=True)
    crises = traitlets.List().tag(sync=True)
    presets = traitlets.List().tag(sync=True)
    seq = traitlets.Int(0).tag(sync=True)  # number of the state sent
    drawn = traitlets.Int(0).tag(sync=True)  # number of the state the browser has drawn (set by the browser)

    session: Session | None = None

    def vue_play(self, _=None) -> None:
        self.session.play()

    def vue_pause(self, _=None) -> None:
        self.session.pause()

    def vue_step_weeks(self, weeks: Any) -> None:
        self.session.checked(lambda: self.session.step(whole_number(weeks, "weeks", self.session.room.total_weeks)))

    def vue_go_year(self, year: Any) -> None:
        def go() -> None:
            years = whole_number(year, "year", int(self.session.room.years))
            if years:  # 0: the list's "year..." heading
                self.session.seek(years * self.session.room.weeks_per_year)

        self.session.checked(go)

    def vue_seek_to(self, week: Any) -> None:
        self.session.checked(lambda: self.session.seek(whole_number(week, "week", self.session.room.total_weeks)))

    def vue_act(self, data: Any) -> None:
        self.session.act(data)


# --- a session -----------------------------------------------------------------------------------


class Session:
    """One browser tab's page: its classroom, clock, widget and address.

    Args:
        search: the address's query string (``compare=1&seed=3...``); a bad one is reported in
            :attr:`errors` and replaced by the defaults.
    """

    def __init__(self, search: str | None = None) -> None:
        query = dict(parse_qsl(search or "", keep_blank_values=True))
        setup, self.errors = from_query(query)
        self.lock = threading.RLock()
        self.on_change: Any = None  # re-renders the sidebar (set by the page)
        self.widget = TrainerViews(
            plotly_url=plotly_js_path(),
            tips=CHART_TIPS,
            speeds=[[s, speed_label(s)] for s in SPEEDS],
            successors=[[k, label] for k, label in SUCCESSORS.items()],
            crises=[[k, label] for k, label in CRISIS_KINDS.items()],
            presets=[[k, label] for k, (label, _) in PRESETS.items()],
            message=("This link has problems, so nothing of it was applied: " + "; ".join(self.errors))
            if self.errors
            else "",
        )
        self.widget.session = self
        self.widget.observe(self._drawn, names="drawn")
        self.widget.observe(self._speed, names="speed")
        self.widget.observe(self._presenting, names="presenting")
        self._context = _kernel_context()
        self._stale = False
        self._sent_at = 0.0
        self._sent_week: dict[int, int] = {}
        self.room: Classroom = setup.classroom()
        self.clock = self._clock()
        self._layout()
        self.refresh()

    # --- wiring -------------------------------------------------------------------------------------

    def _clock(self) -> Clock:
        clock = Clock(self.room, self.refresh, self.widget.speed)
        clock.thread_setup = self._bind_thread
        return clock

    def _bind_thread(self, thread: threading.Thread) -> None:
        if self._context is not None:
            from solara.server.kernel_context import set_context_for_thread

            set_context_for_thread(self._context, thread)

    def _drawn(self, change: dict) -> None:
        if self._stale:
            self.refresh()

    def _speed(self, change: dict) -> None:
        self.clock.seconds_per_year = float(change["new"])

    def _presenting(self, change: dict) -> None:
        self._layout()
        self.refresh(force=True)
        if self.on_change is not None:
            self.on_change()

    def _layout(self) -> None:
        room = self.room
        with self.widget.hold_sync():
            self.widget.rows = view_rows(room, self.widget.presenting)
            self.widget.total = room.total_weeks
            self.widget.years = list(range(1, int(room.years) + 1))
            self.widget.compare = room.compare

    def refresh(self, force: bool = False) -> None:
        """Send the week on screen to the browser (the clock calls this after each week).

        Flow control: while the browser is still drawing the last week sent (for at most
        :data:`MAX_UNACKED` seconds) a new week is not sent but remembered, and sent when the
        browser says it has drawn; so a slow browser skips weeks instead of queueing them.
        """
        with self.lock:
            w = self.widget
            busy = w.seq > w.drawn and time.monotonic() - self._sent_at < MAX_UNACKED
            if busy and not force:
                self._stale = True
                return
            self._stale = False
            state = self._state(w.presenting)
            with w.hold_sync():
                for name, value in state.items():
                    setattr(w, name, value)
                w.playing = self.clock.playing
                w.seq = w.seq + 1
            self._sent_week[w.seq] = self.room.cursor
            for old in [k for k in self._sent_week if k < w.seq - 50]:
                del self._sent_week[old]
            self._sent_at = time.monotonic()

    def _state(self, presenting: bool) -> dict[str, Any]:
        """The widget's traits for the week on screen (the system view's session draws its own)."""
        return live_state(self.room, presenting=presenting)

    def shown_week(self) -> int:
        """The week the browser last drew (what the trainer sees)."""
        return self._sent_week.get(self.widget.drawn, self.room.cursor)

    def push_address(self) -> None:
        """Put the setup into the address bar (so that a reload or a shared link reopens it).

        The browser replaces its address itself (``history.replaceState`` in the widget): going
        through Solara's router would re-render the page at every click.
        """
        self.widget.address = to_address(setup_of(self.room))

    # --- what the trainer does --------------------------------------------------------------------

    def play(self) -> None:
        self.widget.message = ""
        self.clock.play()
        self.refresh(force=True)

    def pause(self) -> None:
        """Stop at the week on screen (the clock may have run a week or two past it)."""
        self.clock.pause()
        self.room.seek(self.shown_week())
        self.room.checkpoint()  # going back is likely now: make it quick
        self.refresh(force=True)
        self.push_address()

    def step(self, weeks: int) -> None:
        self.clock.pause()
        self.room.forward(weeks)
        self.refresh(force=True)
        self.push_address()

    def seek(self, week: int) -> None:
        self.clock.pause()
        self.room.seek(week)
        self.refresh(force=True)
        self.push_address()

    def checked(self, request: Callable[[], object]) -> None:
        """Carry out a trainer's request from the browser; a refused one (a value no control of the page
        sends) shows its one-line reason in the page instead, and the session goes on."""
        try:
            request()
        except ValueError as e:
            self.widget.message = str(e)
            self.refresh(force=True)

    def act(self, data: Any) -> None:
        """An intervention from the widget, ``{kind, arg, side, severity}``, on the week on screen.

        While playing, the clock may be a few weeks ahead of what the browser has drawn: the clock
        is paused, the schools go back to the week on screen (re-run from the last yearly copy),
        the intervention is logged there, and play goes on. A refused one changes nothing.
        """
        try:
            kind, arg, severity = intervention_fields(data)
        except ValueError as e:
            self.widget.message = str(e)
            self.refresh(force=True)
            return
        sides = {"left": (0,), "right": (1,)}.get(str(data.get("side", "both")))
        playing = self.clock.playing
        self.clock.pause()
        shown = self.shown_week()
        try:
            if shown < self.room.cursor:
                self.room.seek(shown)
            self.room.act(kind, arg, sides, severity)
            self.widget.message = ""
        except ValueError as e:
            self.widget.message = str(e)
        self.refresh(force=True)
        self.push_address()
        if playing:
            self.clock.play()

    def restart(self, setup: PageSetup) -> None:
        """New schools from ``setup`` (the sidebar's "start again", an opened file)."""
        self.clock.pause()
        with self.lock:
            self.room = setup.classroom()
            self.clock = self._clock()
        self.widget.message = ""
        self._layout()
        self.refresh(force=True)
        self.push_address()

    def close(self) -> None:
        self.clock.pause(wait=False)


def _kernel_context() -> Any:
    try:
        from solara.server.kernel_context import get_current_context

        return get_current_context()
    except Exception:  # not under solara's server (tests, benchmarks)
        return None


def mapping_html(rows: list) -> str:
    """What the "your school" answers set, as an HTML table (answer, setting, value, why)."""
    import html

    cells = "".join(
        f"<tr><td>{html.escape(r.answer)}</td><td><code>{html.escape(r.setting)}</code></td>"
        f"<td>{html.escape(str(r.value))}</td><td>{html.escape(r.why)}</td></tr>"
        for r in rows
    )
    head = "<tr><th>your answer</th><th>sets</th><th>to</th><th>why</th></tr>"
    return f'<table style="font-size: 0.78em; border-collapse: collapse;">{head}{cells}</table>'


# --- the sidebar ----------------------------------------------------------------------------------


def _slider(
    label: str,
    value: float,
    on_value,
    lo: float = 0.0,
    hi: float = 1.0,
    step: float = 0.05,
    tip: str = "",
    fmt: str = ".2f",
):
    with solara.Tooltip(tip) if tip else solara.Div():
        solara.SliderFloat(f"{label}: {value:{fmt}}", value=value, min=lo, max=hi, step=step, on_value=on_value)


@solara.component
def SchoolForm(settings: solara.Reactive, side: int):
    """One school's settings, in a school leader's words (the model's term in each tooltip)."""
    s: SchoolSettings = settings.value[side]

    def put(new: SchoolSettings) -> None:
        pair = list(settings.value)
        pair[side] = new
        settings.value = tuple(pair)

    def setter(name: str):
        return lambda value: put(dataclasses.replace(settings.value[side], **{name: value}))

    names = list(scenario_names())
    if s.scenario not in names:
        names.insert(0, s.scenario)
    labels = {n: human_name(n) for n in names}
    solara.Select(
        "starts as",
        value=labels[s.scenario],
        values=list(labels.values()),
        on_value=lambda label: put(SchoolSettings.from_scenario(next(n for n, lb in labels.items() if lb == label))),
    )
    solara.Text(scenario_description(s.scenario), style="font-size: 0.85em; color: #555;")
    solara.Text("Who leads improvement at the start", style="font-weight: bold; margin-top: 6px;")
    for name in PATTERN_NAMES:
        _slider(PATTERN_WORDS[name], getattr(s, name), setter(name), tip=f"model: leadership.pattern.{name} (weight)")
    switch_labels = {
        NO_SWITCH: NO_SWITCH,
        SCENARIO_SWITCH: SCENARIO_SWITCH,
        **{k: lb for k, (lb, _) in PRESETS.items()},
    }
    solara.Select(
        "later, switch to",
        value=switch_labels.get(s.switch_to, NO_SWITCH),
        values=list(switch_labels.values()),
        on_value=lambda label: put(
            dataclasses.replace(
                settings.value[side], switch_to=next(k for k, lb in switch_labels.items() if lb == label)
            )
        ),
    )
    if s.switch_to != NO_SWITCH:
        _slider("in year", s.switch_year, setter("switch_year"), 0.0, 10.0, 0.5, "model: leadership.schedule")
    solara.Text("The head", style="font-weight: bold; margin-top: 6px;")
    _slider("personal magnetism", s.charisma, setter("charisma"), tip="model: head.charisma")
    _slider("shares leadership", s.distribution, setter("distribution"), tip="model: head.distribution (stance)")
    _slider("means it (not just delegating)", s.authenticity, setter("authenticity"), tip="model: head.authenticity")
    solara.Text("The staff", style="font-weight: bold; margin-top: 6px;")
    _slider("trust at the start", s.trust, setter("trust"), tip="model: teachers.trust_head and trust_colleagues")
    _slider(
        "time for team work",
        s.time_for_collaboration,
        setter("time_for_collaboration"),
        0.0,
        0.6,
        tip="model: leadership.time_for_collaboration (share of the week)",
    )
    solara.Text("From outside", style="font-weight: bold; margin-top: 6px;")
    _slider(
        "new initiatives imposed a term",
        s.reform_pace,
        setter("reform_pace"),
        0.0,
        # a scenario file may ask for more than the slider offers; the slider must not cut it down
        max(REFORM_PACE_MAX, s.reform_pace),
        0.5,
        "model: reform.pace (whole-school initiatives per 13-week term; each takes every teacher's time "
        "and tires them when it starts). Watch the staff strain chart.",
        fmt="g",
    )
    solara.Select(
        "if the head leaves, the next head is",
        value=SUCCESSORS[s.successor],
        values=list(SUCCESSORS.values()),
        on_value=lambda label: put(
            dataclasses.replace(settings.value[side], successor=next(k for k, lb in SUCCESSORS.items() if lb == label))
        ),
    )


@solara.component
def SchoolsCard(session: Session, version: int, bump):
    """The schools' settings; "start again" applies them."""
    room = session.room
    settings = solara.use_reactive(room.settings)
    compare = solara.use_reactive(room.compare)
    seed = solara.use_reactive(room.seed)
    own = solara.use_reactive(room.own_events)
    side, set_side = solara.use_state(SIDE_NAMES[0])
    solara.use_effect(lambda: settings.set(session.room.settings) or None, [id(session.room)])
    s = SIDE_NAMES.index(side)

    def start():
        session.restart(PageSetup(settings.value, seed.value, compare.value, own.value))
        bump()

    changed = (settings.value, compare.value, seed.value, own.value) != (
        room.settings,
        room.compare,
        room.seed,
        room.own_events,
    )
    with solara.Card("Schools", classes=["leadsim-schools"], style="margin: 0;"):
        solara.Checkbox(label="compare two schools side by side", value=compare)
        solara.SliderInt("chance (seed) for both schools", value=seed, min=0, max=99, thumb_label="always")
        with solara.Tooltip("The scenarios' own planned and random departures and crises (otherwise only yours)"):
            solara.Checkbox(label="keep the scenarios' own events", value=own)
        solara.ToggleButtonsSingle(value=side, values=list(SIDE_NAMES), on_value=set_side, dense=True)
        SchoolForm(settings, s)
        if changed:
            solara.Warning("Changed: press 'start again' to run the schools with these settings.", dense=True)
        solara.Button(
            "start again", color="primary", on_click=start, classes=["leadsim-start"], style="margin-top: 6px;"
        )


@solara.component
def YourSchoolCard(session: Session, bump):
    """Start from a participant's own school: the seeds' questions, mapped onto settings."""
    answers = solara.use_reactive(dict(TYPICAL))
    rows, set_rows = solara.use_state(None)

    def use():
        key, _, mapped = register_answers(answers.value)
        room = session.room
        pair = list(room.settings)
        pair[0] = SchoolSettings.from_scenario(key)
        session.restart(PageSetup((pair[0], pair[1]), room.seed, room.compare, room.own_events))
        set_rows(mapped)
        bump()

    with solara.Card("Your school", classes=["leadsim-yourschool"], style="margin: 0;"):
        solara.Text(
            "Answer for your own school (Harris 2008's questions); the left school then starts as yours. "
            "Each answer sets a scenario setting, listed below with why. 'leadsim diagnose' does the same "
            "from a file.",
            style="font-size: 0.85em;",
        )
        for q in QUESTIONS:
            labels = q.answers
            solara.Select(
                q.text,
                value=labels[answers.value[q.key]],
                values=list(labels.values()),
                on_value=lambda label, q=q: answers.set(
                    {**answers.value, q.key: next(k for k, lb in q.answers.items() if lb == label)}
                ),
            )
        solara.Button("start from my school", color="primary", on_click=use, classes=["leadsim-use-mine"])
        if rows:
            solara.HTML(tag="div", unsafe_innerHTML=mapping_html(rows), classes=["leadsim-mapping"])


@solara.component
def FilesCard(session: Session, bump):
    """Save and open setups, save the data."""
    error, set_error = solara.use_state("")
    room = session.room

    def opened(info) -> None:
        try:
            key, _ = read_uploaded(info["data"], info["name"])
        except ValueError as e:
            set_error(str(e))
            return
        set_error("")
        pair = list(room.settings)
        pair[0] = SchoolSettings.from_scenario(key)
        session.restart(PageSetup((pair[0], pair[1]), room.seed, room.compare, room.own_events))
        bump()

    with solara.Card("Save and share", classes=["leadsim-files"], style="margin: 0;"):
        solara.Text(
            "The address bar always holds this setup: copy it to share it, or reload to come back to it.",
            style="font-size: 0.85em;",
        )
        for s in room.sides:
            solara.FileDownload(
                lambda s=s: setup_yaml(session.room, s).encode(),
                filename=f"leadsim-{SIDE_NAMES[s]}-school.yaml",
                label=f"download the {SIDE_NAMES[s]} school's setup (YAML)" if room.compare else "download this setup",
            )
        solara.FileDownload(
            lambda: data_csv(session.room).encode(), filename="leadsim-data.csv", label="download the data (CSV)"
        )
        solara.FileDrop(label="open a scenario file (drop it here)", on_file=opened, lazy=False)
        if error:
            solara.Error(error, classes=["leadsim-file-error"])
