"""The trainers' page in system mode (``leadsim serve``, ``?system=federation``): a system of schools.

The system view draws the schools as nodes (size: pupils; colour: results or staff able to lead)
and their ties by kind; the school on show (clicked, or chosen in the list) gets the single-school
page's own panels, drawn by the same builders of :mod:`leadsim.app.views`. The live events act on
the school on show. The system logic is :class:`leadsim.app.systemroom.SystemRoom`; this module is
only the Solara page around it, reusing the single-school page's widget (its template with the
interventions row swapped for the system's) and session (its clock, flow control and play/pause).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import solara
import traitlets
from leadsim.app.classroom import CRISIS_KINDS, SPEEDS, SUCCESSORS, speed_label
from leadsim.app.page import (
    _CRISIS_CHOICES,
    _VIEWS_VUE,
    Session,
    TrainerViews,
    _kernel_context,
    intervention_fields,
    pack_figures,
)
from leadsim.app.server import plotly_js_path
from leadsim.app.systemroom import DEFAULT_SYSTEM, SystemRoom, system_label, system_names
from leadsim.app.views import (
    CHART_TIPS,
    SYSTEM_COLOURS,
    TIME_CHARTS,
    network_figure,
    routines_figure,
    system_figure,
    time_chart,
    to_json,
)

#: the most a seed in a link may be (as the single-school page)
MAX_SEED = 10_000

# The single-school template with its interventions row replaced by the system's live events, and
# a click on a school in the system view choosing that school. Anchors are checked: a change to the
# single-school template that moves them fails here at import, not silently in a browser.
_START = '    <div class="leadsim-interventions"'
_END = '    <div class="leadsim-status"'
_SYSTEM_ROW = (
    r"""    <div class="leadsim-interventions"
         style="display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 6px 0;">
      <label class="leadsim-label" title="The school whose own panels are shown (or click it in the system view)">school
        <select class="leadsim-school" :value="selected" @change="select_school($event.target.value)">
          <option v-for="s in schools" :key="'school-' + s" :value="s">{{ s }}</option>
        </select>
      </label>
      <span class="leadsim-group">
        <button class="leadsim-btn leadsim-head-leaves" style="background: #B00020; color: white;"
                title="The head of this school leaves (the model: a scheduled departure, now)"
                @click="act({kind: 'leave', arg: successor})">the head of {{ selected }} leaves now</button>
        <select class="leadsim-successor" v-model="successor" title="Who follows">
          <option value="">successor as in the scenario</option>
          <option v-for="s in successors" :key="s[0]" :value="s[0]">{{ s[1] }}</option>
        </select>
      </span>
      <span class="leadsim-group">
        <button class="leadsim-btn leadsim-crisis" style="background: #E69F00;"
                title="A crisis hits this school for eight weeks"
                @click="act({kind: 'crisis', arg: crisis, severity: +severity})">crisis now in {{ selected }}</button>
"""
    + _CRISIS_CHOICES
    + r"""      </span>
      <span v-if="homes.length" class="leadsim-group">
        <button class="leadsim-btn leadsim-takeover" style="background: #6A3D9A; color: white;"
                title="An executive head takes this school on (the model: a takeover, now)"
                @click="act({kind: 'takeover', arg: home || homes[0]})">executive head of</button>
        <select class="leadsim-home" :value="home || homes[0]" @change="home = $event.target.value">
          <option v-for="h in homes" :key="'home-' + h" :value="h">{{ h }}</option>
        </select>
        <span class="leadsim-label">takes on {{ selected }}</span>
      </span>
      <label class="leadsim-label">colour schools by
        <select class="leadsim-colour" :value="colour_by" @change="colour_by = $event.target.value">
          <option v-for="c in colours" :key="'c-' + c[0]" :value="c[0]">{{ c[1] }}</option>
        </select>
      </label>
    </div>
"""
)
_REACT = "        window.Plotly.react(el, entry.f.data, entry.f.layout, entry.f.config || {});\n"
_CLICK = r"""        if (id === 'system' && !el.__leadsimClick && el.on) {
          el.__leadsimClick = true;
          el.on('plotly_click', (ev) => {
            const p = ev && ev.points && ev.points.find(q => q.customdata);
            if (p) { this.select_school(p.customdata); }
          });
        }
"""
_DATA = "data() { return { successor: '',"
assert _VIEWS_VUE.count(_START) == 1 and _VIEWS_VUE.count(_END) == 1, "the page's interventions row moved"
assert _VIEWS_VUE.count(_REACT) == 1 and _VIEWS_VUE.count(_DATA) == 1, "the page's draw() or data() changed"
_head, _rest = _VIEWS_VUE.split(_START)
_tail = _rest.split(_END, 1)[1].replace(_REACT, _REACT + _CLICK)
_SYSTEM_VUE = _head + _SYSTEM_ROW + _END + _tail.replace(_DATA, _DATA.replace("{ successor", "{ home: '', successor"))

#: the system view's rows: the system and the school on show's staff, then that school's charts
SYSTEM_ROWS = (
    ("system", "network-left"),
    ("attainment", "leadership_capacity", "distribution_index"),
    ("routines", "strain", "cynicism"),
    ("trust", "students", "parents"),
)


def system_figures(room: SystemRoom) -> dict[str, dict]:
    """Every figure of the system view now: the system, and the school on show's own panels."""
    with room.lock:
        week = room.week
        school = room.names[room.selected]
        figs = {
            "system": system_figure(
                room.snapshot(),
                room.positions,
                colour_by=room.colour_by,
                selected=room.selected,
                title=f"{system_label(room.name)} · week {week}",
            )
        }
        snap, pos = room.staff()
        figs["network-left"] = network_figure(snap, pos, title=f"Staff network · {school} · week {week}", height=380)
        figs["routines"] = routines_figure(room.routine_levels(), title=f"Routines now · {school} · week {week}")
        series, markers = room.series(), room.markers()
    for key in TIME_CHARTS:
        figs[key] = time_chart(key, series, markers, years=room.years, height=250)
        figs[key]["layout"]["title"]["text"] += f" · {school}"
    return figs


def system_state(room: SystemRoom) -> dict[str, Any]:
    """The traits of the system widget that change with the week."""
    alerts = []
    pending = room.pending()
    if pending:
        alerts.append("from next week: " + "; ".join(pending))
    if room.at_end:
        alerts.append("The run has ended: start again (another seed, or the same one to replay).")
    return {
        "figures": pack_figures({k: to_json(f) for k, f in system_figures(room).items()}),
        "week_text": f"week {room.week} · {room.when().split(' · ')[0]}",
        "cursor": room.week,
        "newest": room.week,
        "status": room.status(),
        "alert": " · ".join(alerts),
        "selected": room.names[room.selected],
        "colour_by": room.colour_by,
    }


class SystemViews(TrainerViews):
    """The single-school widget with the system's live events, a school list and a click on a school."""

    template = traitlets.Unicode(_SYSTEM_VUE).tag(sync=True)
    schools = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    homes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    colour_by = traitlets.Unicode("attainment").tag(sync=True)
    colours = traitlets.List().tag(sync=True)

    def vue_select_school(self, name: Any) -> None:
        self.session.select(str(name))


def system_query(query: dict[str, str]) -> tuple[str, int, str | None, list[str]]:
    """The system, seed and school on show an address describes, and its problems (one line each)."""
    errors = [f"{k}: not a setting of the system view" for k in query if k not in ("system", "seed", "school")]
    name = query.get("system") or DEFAULT_SYSTEM
    if name not in system_names():
        errors.append(f"system={name!r}: no such system (choose from {', '.join(system_names())})")
        name = DEFAULT_SYSTEM
    text = query.get("seed", "0")
    seed = int(text) if text.isdigit() and int(text) <= MAX_SEED else 0
    if not (text.isdigit() and int(text) <= MAX_SEED):
        errors.append(f"seed={text!r}: expected a whole number from 0 to {MAX_SEED}")
    return name, seed, query.get("school"), errors


class SystemSession(Session):
    """One browser tab's system view: its :class:`SystemRoom`, clock and widget (play/pause as the
    single-school page: the same clock and flow control).

    Args:
        search: the address's query string (``system=federation&seed=3&school=hill``).
    """

    def __init__(self, search: str | None = None) -> None:
        query = dict(parse_qsl(search or "", keep_blank_values=True))
        name, seed, school, self.errors = system_query(query)
        self.lock = threading.RLock()
        self.on_change: Any = None
        self.room: SystemRoom = SystemRoom(name, seed)
        if school in self.room.names:
            self.room.select(school)
        elif school is not None:
            self.errors.append(f"school={school!r}: no such school in {name}")
        self.widget = SystemViews(
            plotly_url=plotly_js_path(),
            tips=CHART_TIPS,
            speeds=[[s, speed_label(s)] for s in SPEEDS],
            successors=[[k, label] for k, label in SUCCESSORS.items()],
            crises=[[k, label] for k, label in CRISIS_KINDS.items()],
            colours=[[k, words] for k, (words, _, _) in SYSTEM_COLOURS.items()],
            message=("This link has problems: " + "; ".join(self.errors)) if self.errors else "",
        )
        self.widget.session = self
        self.widget.observe(self._drawn, names="drawn")
        self.widget.observe(self._speed, names="speed")
        self.widget.observe(self._presenting, names="presenting")
        self.widget.observe(self._colour, names="colour_by")
        self._context = _kernel_context()
        self._stale = False
        self._sent_at = 0.0
        self._sent_week: dict[int, int] = {}
        self.clock = self._clock()
        self._layout()
        self.refresh()

    def _layout(self) -> None:
        room = self.room
        with self.widget.hold_sync():
            self.widget.rows = [{"ids": list(ids), "min": (360, 280, 280, 220)[k]} for k, ids in enumerate(SYSTEM_ROWS)]
            self.widget.total = room.total_weeks
            self.widget.years = list(range(1, int(room.years) + 1))
            self.widget.compare = False
            self.widget.schools = list(room.names)
            self.widget.homes = room.executive_homes()

    def _state(self, presenting: bool) -> dict[str, Any]:
        return system_state(self.room)

    def _colour(self, change: dict) -> None:
        try:
            self.room.set_colour(str(change["new"]))
        except ValueError as e:
            self.widget.message = str(e)
        self.refresh(force=True)

    def push_address(self) -> None:
        room = self.room
        query = {"system": room.name, "seed": str(room.seed), "school": room.names[room.selected]}
        self.widget.address = "?" + urlencode(query)

    def _apply(self, request: Callable[..., object], *args: Any) -> None:
        """Carry out a trainer's request on the room; a refused one shows its one-line reason instead."""
        try:
            request(*args)
            self.widget.message = ""
        except ValueError as e:
            self.widget.message = str(e)
        self.refresh(force=True)
        self.push_address()

    def select(self, school: str) -> None:
        """Show ``school``'s own panels (a click in the system view, or the list)."""
        self._apply(self.room.select, school)

    def pause(self) -> None:
        # the system view runs forward only, so the weeks the clock ran past the screen stay
        self.clock.pause()
        self.refresh(force=True)
        self.push_address()

    def seek(self, week: int) -> None:
        self.clock.pause()
        self._apply(self.room.seek, week)

    def act(self, data: Any) -> None:
        """A live event from the widget, ``{kind, arg, severity}``, in the school on show; it acts from
        the week after the one the system has reached (the clock is paused to set it, then plays on)."""
        playing = self.clock.playing
        self.clock.pause()
        self._apply(lambda: self.room.act(*intervention_fields(data)))
        if playing:
            self.clock.play()

    def restart_system(self, name: str, seed: int) -> None:
        """A new system (the sidebar's "start again")."""
        self.clock.pause()
        with self.lock:
            self.room = SystemRoom(name, seed)
            self.clock = self._clock()
        self.widget.message = ""
        self._layout()
        self.refresh(force=True)
        self.push_address()


@solara.component
def SystemCard(session: SystemSession, bump, to_school):
    """Choose the system and its seed; go back to one school."""
    room = session.room
    labels = {n: system_label(n) for n in system_names()}
    name = solara.use_reactive(room.name)
    seed = solara.use_reactive(room.seed)

    def start():
        session.restart_system(name.value, seed.value)
        bump()

    with solara.Card("A system of schools", classes=["leadsim-system"], style="margin: 0;"):
        solara.Select(
            "system",
            value=labels[name.value],
            values=list(labels.values()),
            on_value=lambda label: name.set(next(n for n, lb in labels.items() if lb == label)),
        )
        solara.Text(
            "Schools as dots (size: pupils; colour: results or staff able to lead), ties by kind. Click a "
            "school, or choose it above the charts, to see its own panels; the live events act on it.",
            style="font-size: 0.85em; color: #555;",
        )
        solara.SliderInt("chance (seed)", value=seed, min=0, max=99, thumb_label="always")
        if (name.value, seed.value) != (room.name, room.seed):
            solara.Warning("Changed: press 'start again' to run this system.", dense=True)
        solara.Button("start again", color="primary", on_click=start, classes=["leadsim-system-start"])
        solara.Button("back to one school", on_click=to_school, classes=["leadsim-to-school"], text=True)


@solara.component
def SystemEntryCard(to_system):
    """On the single-school page: open the system view."""
    labels = {n: system_label(n) for n in system_names()}
    chosen, set_chosen = solara.use_state(DEFAULT_SYSTEM)
    with solara.Card("A system of schools", classes=["leadsim-system-entry"], style="margin: 0;"):
        solara.Select(
            "system",
            value=labels[chosen],
            values=list(labels.values()),
            on_value=lambda label: set_chosen(next(n for n, lb in labels.items() if lb == label)),
        )
        solara.Button(
            "open the system view",
            color="primary",
            on_click=lambda: to_system(chosen),
            classes=["leadsim-open-system"],
        )
