"""Plotly figures of the trainers' page (``leadsim serve``): the staff network, time charts, panels.

Every builder returns a plotly figure as a plain dict (``{"data": [...], "layout": {...}}``), the
JSON plotly.js draws; ``plotly.graph_objects.Figure(fig)`` accepts each one unchanged (the tests
check that). Dicts, not ``go.Figure`` objects, because the page redraws a dozen figures every
simulated week and plotly's Python-side validation would cost more than the model's step.

Nothing here knows about solara or the page: the builders take snapshots of the schools (numbers
and arrays) so that they can be tested, timed (``benchmarks/bench_app.py``) and reused.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from leadsim.sim.routines import ROUTINES
from leadsim.sim.work import head_slots

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel

#: the time charts: key -> (title in a school leader's words, [(column, series label)], y-axis title)
TIME_CHARTS: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "attainment": ("Pupils' results", [("attainment", "results")], "change since the start (SD)"),
    "leadership_capacity": ("Staff able to lead", [("leadership_capacity", "able to lead")], "average teacher, 0-1"),
    "distribution_index": (
        "Leading done by others than the head",
        [("distribution_index", "shared"), ("roles_held", "staff with a role")],
        "share, 0-1",
    ),
    "trust": ("Trust", [("trust", "trust")], "average teacher, 0-1"),
    "cynicism": ("Weariness of initiatives", [("cynicism", "weariness")], "average teacher, 0-1"),
    "students": (
        "Pupils",
        [("student_engagement", "engagement"), ("student_voice", "voice")],
        "average, 0-1",
    ),
    "parents": ("Parents", [("parent_engagement", "engagement"), ("parent_trust", "trust")], "average, 0-1"),
    "strain": (
        "Staff strain",
        [("fatigue", "tiredness"), ("overload", "overwork")],
        "average teacher, 0-1",
    ),
}
#: the model's term and meaning of each chart, for the tooltip on its box
CHART_TIPS: dict[str, str] = {
    "attainment": "Model term: attainment - pupils' learning against expected progress, in standard deviations "
    "(SD) from where the school started; the right-hand axis gives months of additional progress "
    "(EEF Teaching and Learning Toolkit conversion). The saw-tooth: it steps down at every year end "
    "(the faint dotted lines), when the oldest cohort leaves and new pupils and teachers arrive, and climbs "
    "through the year; compare the same time of year, not a summer with the autumn after it.",
    "leadership_capacity": "Model term: leadership_capacity - how able teachers are to lead improvement "
    "beyond their own classroom (mean of teachers). It steps down at every year end (the faint dotted lines), "
    "when experienced teachers leave and novices join.",
    "distribution_index": "Model term: distribution_index - the share of improvement leading done by "
    "someone other than the head; roles_held - the share of teachers with a leadership role (a formal post, "
    "or a whole-school academic or pastoral role the head gave them, as at Arden).",
    "trust": "Model term: trust - teachers' trust in the head and in colleagues.",
    "cynicism": "Model term: cynicism - teachers' weariness of, and doubt about, improvement initiatives.",
    "students": "Model terms: student_engagement (behaviour and effort) and student_voice (being heard).",
    "parents": "Model terms: parent_engagement and parent_trust (in the school).",
    "strain": "Model terms: fatigue - teachers' mean strain (0-1), from overwork, crises and each imposed "
    "initiative as it starts; overload - commitments beyond the week's time, as a share of it (teaching, "
    "improvement work, routines, mentoring and imposed initiatives). Set the reform pace in the sidebar.",
    "routines": "Model term: routines - the strength (0-1) of each of the school's improvement routines "
    "(model.routines). Successful work leaves the routine of its domain behind; role holders and the head "
    "keep routines up, and without them they lapse; a successor may dismantle them. The tick marks the "
    "strongest each has been in this run.",
    "network-left": "The staff network: the star is the head, dots are teachers. Colour = leadership_capacity, "
    "size = influence (leading done lately), shape = formal role, lines = collaboration ties.",
}
CHART_TIPS["network-right"] = CHART_TIPS["network-left"]
#: the model's routines (leadsim.sim.routines.ROUTINES) -> a school leader's words, in the model's order
ROUTINE_WORDS: dict[str, str] = {
    "data_meetings": "data meetings",
    "peer_observation": "peer observation",
    "team_time": "protected team time",
    "mentoring_scheme": "mentoring scheme",
    "behaviour_routines": "behaviour routines",
    "student_council": "student council",
}
assert tuple(ROUTINE_WORDS) == ROUTINES, "one word for each of the model's routines, in its order"
#: every column the charts read
CHART_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(c for _, series, _ in TIME_CHARTS.values() for c, _ in series))

#: a colour per school (colour-blind safe, Okabe-Ito: blue, vermilion); the line style tells them
#: apart too (left solid, right dashed), for print and for colour-blind viewers
SCHOOL_COLOURS = ("#0072B2", "#D55E00")
#: left school solid, right school dashed
DASHES = ("solid", "dash")
#: where a chart has two measures, the second is dotted (left) or dash-dotted (right)
SECOND_DASHES = ("dot", "dashdot")
PREVIOUS_COLOUR = "rgba(120,120,120,0.55)"
#: colour of an event marker by kind
MARKER_COLOURS = {"departure": "#B00020", "crisis": "#E69F00", "pattern": "#6A3D9A"}
#: plotly marker symbols of the formal roles (0 none, 1 middle leader, 2 senior team)
ROLE_SYMBOLS = ("circle", "square", "diamond")
ROLE_NAMES = ("teacher", "middle leader", "senior team")
CAPACITY_SCALE = "Viridis"
#: months of additional progress -> smallest effect size (SD) of that band (EEF Toolkit)
MONTH_TICKS = ((1, 0.02), (2, 0.10), (3, 0.19), (4, 0.27), (5, 0.36), (6, 0.45), (7, 0.53), (8, 0.62))

FONT = {"family": "Roboto, Helvetica, Arial, sans-serif", "size": 12}
#: plotly.js options: the camera button saves a PNG; the page adds SVG and CSV links (no other buttons)
CONFIG = {
    "displayModeBar": "hover",
    "displaylogo": False,
    "responsive": True,
    "modeBarButtons": [["toImage"]],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


@dataclass
class SchoolSeries:
    """The time series of one school, as the charts need them.

    Attributes:
        label: legend name of the school (e.g. "left: charismatic-solo").
        side: 0 for the left school (solid lines), 1 for the right (dashed).
        years: elapsed years of each recorded week.
        columns: measure name -> values, one per recorded week.
    """

    label: str
    side: int
    years: np.ndarray
    columns: dict[str, np.ndarray]

    def since_start(self, column: str) -> np.ndarray:
        """``column`` as the charts draw it: attainment as the change since the school's week 0."""
        y = self.columns[column]
        # the model's attainment at week 0 is not 0: older cohorts start with the value added of the
        # years they have already spent at the school (settle_attainment); the chart says "change"
        return y - y[0] if column == "attainment" and len(y) else y


@dataclass
class Marker:
    """An event marked on every time chart: a vertical line and a label at the week it took effect."""

    week: int
    year: float
    kind: str  # departure | crisis | pattern
    label: str
    sides: tuple[int, ...] = (0,)


@dataclass
class RoutineLevels:
    """One school's routines at the week on screen, for the routines panel.

    Attributes:
        label: legend name of the school.
        side: 0 left, 1 right.
        strength: strength of each routine of :data:`ROUTINE_WORDS` now (0-1).
        peak: the strongest each has been from week 0 to now.
    """

    label: str
    side: int
    strength: np.ndarray
    peak: np.ndarray


@dataclass
class NetworkSnapshot:
    """The staff of one school at one week: what the network view draws.

    Attributes:
        capacity: leadership capacity of each teacher (0-1).
        role: formal role of each teacher (0 none, 1 middle, 2 senior).
        department: department of each teacher.
        ties: (n, n) collaboration tie strength.
        influence: out-strength of the head (index 0) and each teacher (1..n) in the smoothed influence
            network: row sums of the influence matrix without the diagonal, bias-corrected as in the measures.
        head_reach: (n,) the head's smoothed influence on each teacher (0-1).
        head_present: a head is in post.
        head_capacity: the head's own leadership capacity.
        head_label: a few words on the head, for the hover text.
        threshold: tie strength drawn as an edge.
    """

    capacity: np.ndarray
    role: np.ndarray
    department: np.ndarray
    ties: np.ndarray
    influence: np.ndarray
    head_reach: np.ndarray
    head_present: bool
    head_capacity: float
    head_label: str
    threshold: float


@dataclass
class NetworkLayout:
    """Stable positions for the head (node 0, fixed at the centre) and the teachers (1..n).

    Seeded once with the model's seed and recomputed only every ``every`` weeks, starting from the
    previous positions, so that nodes drift slowly as ties change instead of jumping each week.
    """

    seed: int
    every: int = 39
    pos: np.ndarray | None = None
    computed_at: int = field(default=-(10**9))

    def positions(self, snap: NetworkSnapshot, week: int) -> np.ndarray:
        """Positions at ``week``; recomputed from the ties when ``every`` weeks have passed."""
        if self.pos is None or self.pos.shape[0] != snap.ties.shape[0] + 1 or week - self.computed_at >= self.every:
            self.pos = self._layout(snap, self.pos)
            self.computed_at = week
        return self.pos

    def _layout(self, snap: NetworkSnapshot, previous: np.ndarray | None) -> np.ndarray:
        import networkx as nx

        n = snap.ties.shape[0]
        g = nx.Graph()
        g.add_nodes_from(range(n + 1))
        ties = np.triu(snap.ties, 1)
        i, j = np.nonzero(ties > snap.threshold)
        g.add_weighted_edges_from(zip((i + 1).tolist(), (j + 1).tolist(), ties[i, j].tolist(), strict=True))
        # Weak pulls keep the picture readable: colleagues of a department near each other, nobody
        # drifting off, the head among the senior team (line management).
        dept = snap.department
        for a in range(n):
            for b in np.flatnonzero(dept[a + 1 :] == dept[a]) + a + 1:
                if not g.has_edge(a + 1, int(b) + 1):
                    g.add_edge(a + 1, int(b) + 1, weight=0.03)
            if not g.has_edge(0, a + 1):
                g.add_edge(0, a + 1, weight=0.3 if snap.role[a] == 2 else 0.02)
        if previous is None:
            angle = 2 * np.pi * (dept + np.arange(n) / (2.0 * n)) / max(int(dept.max()) + 1, 1)
            start = {k + 1: np.array([np.cos(angle[k]), np.sin(angle[k])]) * 0.8 for k in range(n)}
            iterations = 100
        else:
            start = {k: previous[k] for k in range(n + 1)}
            iterations = 30
        start[0] = np.zeros(2)
        pos = nx.spring_layout(
            g, pos=start, fixed=[0], iterations=iterations, seed=self.seed, k=1.2 / math.sqrt(n + 1), weight="weight"
        )
        out = np.array([pos[k] for k in range(n + 1)], dtype=float)
        out -= out[0]
        # robust scale: most nodes fill the circle, the odd outlier is pulled to its rim
        r = np.hypot(out[:, 0], out[:, 1])
        scale = float(np.quantile(r[1:], 0.95)) if n > 1 else float(r.max())
        if scale <= 0:
            return out
        out /= scale
        r = np.hypot(out[:, 0], out[:, 1])
        far = r > 1.05
        out[far] *= (1.05 / r[far])[:, None]
        return out


# --- helpers ---------------------------------------------------------------------------------------


def centre_overload(model: SchoolModel) -> str:
    """In a trainer's words, a threatened head holding more work than they have time to lead
    (threat-rigidity, ODD 7.2), or "" when they are not."""
    if model.head is None or not model.beyond_room:
        return ""
    slots = head_slots(model)
    # Work taken in beyond the head's time thins their attention only while they hold more than
    # they have time for (sim.work.attention): once items have ended, "6 pieces for time to lead 6"
    # (or, rounded, "5 for 6") would claim an overload that is no longer there.
    if model.head_items <= slots:
        return ""
    room = f"{slots:.1f}".removesuffix(".0")
    return f" · the head has pulled in {model.head_items} pieces of work for time to lead {room}"


def _r(a: np.ndarray, digits: int = 4) -> list:
    """Rounded plain list (shorter JSON; the charts need no more precision)."""
    return np.round(np.asarray(a, dtype=float), digits).tolist()


def to_json(fig: dict) -> str:
    """Compact JSON of a figure, as the page sends it to the browser."""
    return json.dumps(fig, separators=(",", ":"), allow_nan=False)


def _base_layout(title: str, height: int) -> dict:
    return {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        "height": height,
        "margin": {"l": 48, "r": 12, "t": 36, "b": 36},
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "uirevision": "keep",
    }


def _span(values: Sequence[np.ndarray], include: Sequence[float], min_span: float, clip: tuple[float, float] | None):
    """A y range covering the values and ``include``, at least ``min_span`` wide, snapped to a 0.05 grid
    so that the axis does not jitter from week to week."""
    points = [float(x) for x in include]
    for v in values:
        v = np.asarray(v, dtype=float)
        v = v[np.isfinite(v)]
        if v.size:
            points += [float(v.min()), float(v.max())]
    if not points:
        return list(clip) if clip is not None else [0.0, 1.0]
    a, b = min(points), max(points)
    if b - a < min_span:
        mid = 0.5 * (a + b)
        a, b = mid - 0.5 * min_span, mid + 0.5 * min_span
    pad = 0.06 * (b - a)
    a, b = a - pad, b + pad
    if clip is not None:
        a, b = max(a, clip[0]), min(b, clip[1])
    return [round(math.floor(a / 0.05) * 0.05, 2), round(math.ceil(b / 0.05) * 0.05, 2)]


def _marker_shapes(markers: Sequence[Marker], show_side: bool) -> tuple[list[dict], list[dict]]:
    shapes, notes = [], []
    for m in markers:
        colour = MARKER_COLOURS.get(m.kind, "#444")
        dash = "dot" if m.sides == (1,) else "solid"
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": m.year,
                "x1": m.year,
                "y0": 0,
                "y1": 1,
                "line": {"color": colour, "width": 2, "dash": dash},
                "name": f"event:{m.kind}",
            }
        )
        label = m.label
        if show_side and len(m.sides) == 1:
            label += " (left)" if m.sides[0] == 0 else " (right)"
        notes.append(
            {
                "x": m.year,
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "text": label,
                "showarrow": False,
                "textangle": -90,
                "xanchor": "right",
                "yanchor": "top",
                "font": {"size": 11, "color": colour},
                "bgcolor": "rgba(255,255,255,0.75)",
                "name": f"event:{m.kind}",
            }
        )
    return shapes, notes


# --- time charts -----------------------------------------------------------------------------------


def _months_axis(yrange: list[float]) -> dict:
    """A right-hand axis over the attainment axis: months of additional progress (EEF's bands)."""
    vals, text = [0.0], ["0"]
    # on a tall axis the 1-month band (0.02 SD) would print on top of 0
    ticks = MONTH_TICKS[1:] if yrange[1] - yrange[0] > 0.15 else MONTH_TICKS
    for months, sd in ticks:
        for sign in (1, -1):
            if yrange[0] <= sign * sd <= yrange[1]:
                vals.append(sign * sd)
                text.append(f"{'+' if sign > 0 else '-'}{months}")
    return {
        "overlaying": "y",
        "side": "right",
        "range": yrange,
        "tickvals": vals,
        "ticktext": text,
        "showgrid": False,
        "zeroline": False,
        "title": {"text": "months' progress", "font": {"size": 11}},
        "fixedrange": True,
    }


def time_chart(
    key: str,
    schools: Sequence[SchoolSeries],
    markers: Sequence[Marker] = (),
    *,
    years: float = 10.0,
    height: int = 250,
    previous: Sequence[SchoolSeries] = (),
    large: bool = False,
) -> dict:
    """One time chart (``key`` of :data:`TIME_CHARTS`): each school's curves in its own colour (left
    blue and solid, right orange and dashed), a second measure dotted, the run before the last
    "go back" faint grey, and a vertical line and label at each event. The legend sits below the
    plot so that it never covers the title."""
    title, series, ytitle = TIME_CHARTS[key]
    compare = len(schools) > 1
    data = []
    values = []
    for school in previous:
        y = school.since_start(series[0][0])
        values.append(y)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": _r(school.years),
                "y": _r(y),
                "name": school.label,
                "line": {"color": PREVIOUS_COLOUR, "width": 1.5, "dash": DASHES[school.side]},
                "hovertemplate": f"{school.label}<br>year %{{x:.2f}}: %{{y:.3f}}<extra></extra>",
                "showlegend": school.side == 0 and key == "attainment",
                "legendgroup": "previous",
            }
        )
    for school in schools:
        for k, (col, name) in enumerate(series):
            y = school.since_start(col)
            values.append(y)
            legend = name if len(series) > 1 else school.label
            dash = (DASHES, SECOND_DASHES)[min(k, 1)][school.side]
            hover = f"{legend}<br>year %{{x:.2f}}: %{{y:.3f}}"
            if key == "attainment":
                hover += " SD"
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": _r(school.years),
                    "y": _r(y),
                    "name": legend,
                    "line": {"color": SCHOOL_COLOURS[school.side % 2], "width": 3 if large else 2.5, "dash": dash},
                    "hovertemplate": hover + "<extra></extra>",
                    # two measures: the legend names the measures once (the colour is the school)
                    "showlegend": len(series) == 1 or school.side == 0,
                }
            )
    if key == "attainment":
        yrange = _span(values, (0.0,), 0.1, None)
    else:
        yrange = _span(values, (), 0.2, (0.0, 1.0))
    shapes, notes = _marker_shapes(markers, compare)
    layout = _base_layout(title, height)
    legend_rows = 1
    # the schools' colours are named once, on the results chart (and in the status lines above
    # the charts); the other single-measure charts keep their whole height for the curves
    show_legend = len(series) > 1 or ((compare or bool(previous)) and key == "attainment")
    layout.update(
        {
            "xaxis": {
                "title": {"text": "years", "standoff": 0, "font": {"size": 11}},
                "range": [0, max(years, 0.1)],
                "showgrid": True,
                "gridcolor": "#eee",
                "zeroline": False,
                # a faint line at every year end: where results and capacity step down (the saw-tooth)
                "minor": {"dtick": 1, "showgrid": True, "gridcolor": "#e2e2e2", "griddash": "dot"},
            },
            "yaxis": {
                "title": {"text": ytitle, "font": {"size": 11}},
                "range": yrange,
                "gridcolor": "#eee",
                "zeroline": key == "attainment",
                "zerolinecolor": "#bbb",
            },
            "shapes": shapes,
            "annotations": notes,
            "showlegend": show_legend,
            "legend": {
                "orientation": "h",
                "x": 0,
                "y": -0.22 if not large else -0.14,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 13 if large else 11},
                "tracegroupgap": 0,
            },
        }
    )
    if key == "attainment":
        layout["yaxis2"] = _months_axis(yrange)
        layout["margin"] = {**layout["margin"], "r": 44}
        data.append(  # an invisible trace that puts the months axis on the chart
            {"type": "scatter", "x": [], "y": [], "yaxis": "y2", "showlegend": False, "hoverinfo": "skip"}
        )
    if show_legend:
        layout["margin"] = {**layout["margin"], "b": 56 + 18 * legend_rows}
        layout["height"] = height + 18 * legend_rows
    if large:
        layout["font"] = {**FONT, "size": 15}
        layout["title"]["font"] = {"size": 17}
    return {"data": data, "layout": layout, "config": CONFIG}


# --- routines --------------------------------------------------------------------------------------


def routines_figure(schools: Sequence[RoutineLevels], *, title: str = "Routines now", height: int = 250) -> dict:
    """A bar per routine and school (left blue, right orange and hatched), at the week on screen.

    A tick marks the strongest each routine has been so far, so that a routine a successor dismantled
    (a bar gone, its tick left behind) reads differently from one that was never built. Routines are
    listed top to bottom in the model's order.
    """
    names = list(ROUTINE_WORDS.values())
    compare = len(schools) > 1
    data = []
    for school in schools:
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": _r(school.strength, 3),
                "y": names,
                "name": school.label,
                "marker": {
                    "color": SCHOOL_COLOURS[school.side % 2],
                    # print and colour-blind viewers: the right school's bars are hatched as its lines are dashed
                    "pattern": {
                        "shape": "/" if school.side == 1 else "",
                        # white stripes over the school's colour (plotly's default replaces the colour)
                        "fillmode": "overlay",
                        "fgcolor": "white",
                        "size": 6,
                    },
                },
                "customdata": _r(school.peak, 3),
                "hovertemplate": f"{school.label}<br>%{{y}}: %{{x:.2f}} (strongest so far %{{customdata:.2f}})"
                "<extra></extra>",
                "showlegend": compare,
            }
        )
    # The ticks sit on a numeric twin of the category axis, at the centre of their school's bar:
    # grouped bars with a gap of 0.2 are 0.4 wide, centred 0.2 either side of the category.
    centre = np.arange(len(names), dtype=float)
    for school in schools:
        shift = (-0.2 if school.side == 0 else 0.2) if compare else 0.0
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                # no tick for a routine never built: it would sit on the axis like a bar
                "x": [x if x >= 0.005 else None for x in _r(school.peak, 3)],
                "y": _r(centre + shift, 3),
                "yaxis": "y2",
                "marker": {"symbol": "line-ns", "size": 13 if compare else 20, "line": {"width": 2.5, "color": "#333"}},
                "name": "strongest so far" + (f" ({school.label})" if compare else ""),
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    layout = _base_layout(title, height + (18 if compare else 0))
    layout.update(
        {
            "barmode": "group",
            "bargap": 0.2,
            "bargroupgap": 0.0,
            "xaxis": {
                "title": {"text": "strength, 0-1 (| strongest so far)", "standoff": 0, "font": {"size": 11}},
                "range": [0, 1],
                "gridcolor": "#eee",
                "fixedrange": True,
            },
            "yaxis": {"autorange": "reversed", "fixedrange": True, "automargin": True},
            "yaxis2": {"overlaying": "y", "range": [len(names) - 0.5, -0.5], "visible": False, "fixedrange": True},
            "showlegend": compare,
            "legend": {
                "orientation": "h",
                "x": 0,
                "y": -0.22,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 11},
            },
            "margin": {"l": 130, "r": 12, "t": 36, "b": 56 if compare else 36},
        }
    )
    return {"data": data, "layout": layout, "config": CONFIG}


# --- the staff network -----------------------------------------------------------------------------


def node_sizes(influence: np.ndarray) -> np.ndarray:
    """Marker size (px) from influence (out-strength): the same scale in every school and week."""
    return 7.0 + 4.5 * np.sqrt(np.maximum(influence, 0.0))


def network_figure(snap: NetworkSnapshot, pos: np.ndarray, *, title: str, height: int = 420) -> dict:
    """The staff network: the head (star, centre) and the teachers.

    Node colour is leadership capacity, size is influence (row sums of the smoothed influence
    matrix), shape the formal role; edges are collaboration ties above the threshold (wider and
    darker when stronger); faint spokes show whom the head influences directly.
    """
    n = snap.ties.shape[0]
    data = []
    # collaboration ties, in three strength bands (one trace each: cheap to draw)
    iu, ju = np.nonzero(np.triu(snap.ties > snap.threshold, 1))
    strength = snap.ties[iu, ju]
    bands = ((snap.threshold, 0.4, 0.8, "rgba(90,90,90,0.28)"), (0.4, 0.6, 1.6, "rgba(70,70,70,0.45)"))
    bands += ((0.6, 10.0, 2.6, "rgba(40,40,40,0.65)"),)
    for lo, hi, width, colour in bands:
        sel = (strength > lo) & (strength <= hi)
        xs = np.full((int(sel.sum()), 3), np.nan)
        ys = np.full_like(xs, np.nan)
        xs[:, 0], xs[:, 1] = pos[iu[sel] + 1, 0], pos[ju[sel] + 1, 0]
        ys[:, 0], ys[:, 1] = pos[iu[sel] + 1, 1], pos[ju[sel] + 1, 1]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [None if math.isnan(v) else v for v in np.round(xs.ravel(), 4).tolist()],
                "y": [None if math.isnan(v) else v for v in np.round(ys.ravel(), 4).tolist()],
                "line": {"width": width, "color": colour},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": f"ties {lo:g}-{hi:g}",
            }
        )
    # the head's direct reach (mandates reach everyone; line management only the senior team)
    reach = np.flatnonzero(snap.head_reach > 0.25) if snap.head_present else np.array([], dtype=int)
    xs = np.full((reach.size, 3), np.nan)
    ys = np.full_like(xs, np.nan)
    xs[:, 0], ys[:, 0] = pos[0, 0], pos[0, 1]
    xs[:, 1], ys[:, 1] = pos[reach + 1, 0], pos[reach + 1, 1]
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": [None if math.isnan(v) else v for v in np.round(xs.ravel(), 4).tolist()],
            "y": [None if math.isnan(v) else v for v in np.round(ys.ravel(), 4).tolist()],
            "line": {"width": 1, "color": "rgba(176,0,32,0.16)"},
            "hoverinfo": "skip",
            "showlegend": False,
            "name": "head's reach",
        }
    )
    infl = snap.influence
    role_names = np.array(ROLE_NAMES)[snap.role]
    text = [
        f"teacher {k + 1} · {role_names[k]} · dept {int(snap.department[k]) + 1}<br>"
        f"leadership capacity {snap.capacity[k]:.2f} · influence {infl[k + 1]:.1f}"
        for k in range(n)
    ]
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": _r(pos[1:, 0]),
            "y": _r(pos[1:, 1]),
            "text": text,
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {
                "size": _r(node_sizes(infl[1:]), 2),
                "color": _r(snap.capacity, 3),
                "cmin": 0.0,
                "cmax": 1.0,
                "colorscale": CAPACITY_SCALE,
                "symbol": [ROLE_SYMBOLS[int(r)] for r in snap.role],
                "line": {"width": [0.5 if r == 0 else 1.8 for r in snap.role.tolist()], "color": "#222"},
                "colorbar": {
                    "title": {"text": "leadership<br>capacity", "side": "top", "font": {"size": 11}},
                    "thickness": 10,
                    "len": 0.6,
                    "x": 1.0,
                    "y": 0.5,
                    "tickvals": [0, 0.5, 1],
                },
            },
            "showlegend": False,
            "name": "teachers",
        }
    )
    head_size = float(max(22.0, node_sizes(np.array([infl[0]]))[0]))
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [float(pos[0, 0])],
            "y": [float(pos[0, 1])],
            "text": ["head" if snap.head_present else "no head in post"],
            "textposition": "top center",
            "textfont": {"size": 11, "color": "#B00020" if snap.head_present else "#777"},
            "hovertext": [snap.head_label],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {
                "symbol": "star" if snap.head_present else "star-open",
                "size": head_size if snap.head_present else 22.0,
                "color": snap.head_capacity if snap.head_present else 0.0,
                "cmin": 0.0,
                "cmax": 1.0,
                "colorscale": CAPACITY_SCALE,
                "line": {"width": 2.5, "color": "#B00020" if snap.head_present else "#999"},
            },
            "showlegend": False,
            "name": "head",
        }
    )
    layout = _base_layout(title, height)
    axis = {"visible": False, "range": [-1.18, 1.18], "fixedrange": True}
    layout.update(
        {
            "xaxis": dict(axis),
            "yaxis": {**axis, "scaleanchor": "x", "scaleratio": 1},
            "margin": {"l": 6, "r": 6, "t": 36, "b": 44},
            "hovermode": "closest",
            "annotations": [
                {
                    # two lines: on one it ran past the box at 1280 px (a projector) and was cut off
                    "text": "★ head  ◆ senior team  ■ middle leader  ● teacher<br>"
                    "size = influence · lines = collaboration ties",
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0,
                    "y": -0.02,
                    "yanchor": "top",
                    "xanchor": "left",
                    "align": "left",
                    "showarrow": False,
                    "font": {"size": 11, "color": "#555"},
                }
            ],
        }
    )
    return {"data": data, "layout": layout, "config": CONFIG}


EXPLANATION = """\
**What you are seeing.** Each step is one school week; a school year is 39 weeks. Every week
improvement work comes up and is taken on according to how leadership is shared: by *the head
alone*, by *teams by design* (teams the head forms and gives time), by *volunteers* (whoever
steps in) or by *all hands* in a crisis. In compare mode the two schools start identical (same
seed) and differ only in their settings: **left blue and solid, right orange and dashed**.

**The staff network.** The star is the head; the other dots are teachers (◆ senior team,
■ middle leaders). Colour is how able a teacher is to lead: dark purple little, yellow a lot.
Size is influence: how much leading they have done lately. Lines are working ties between
colleagues, faint red spokes the head's direct reach. When the head leads alone, the head is a big
star with spokes to everyone and the teachers stay small and dark; with teams by design the dots
grow, turn green and yellow, and the ties thicken.

**The charts.** *Pupils' results*: learning against expected progress, in standard deviations from
where the school started; the right-hand axis gives months of additional progress, by the
Education Endowment Foundation's conversion (0.10-0.18 SD is 2 months, 0.19-0.26 SD 3 months...).
**The saw-tooth**: results and *staff able to lead* drop at every year end (the faint dotted
lines), when the oldest cohort of pupils leaves, a new one arrives and teachers who leave are
replaced by newly qualified ones, and they climb again through the year. That is the school
year, not a crisis: compare a school with itself, or with the other school, at the same time of
year.
*Staff able to lead*, *leading done by others than the head*, *trust* and *weariness of
initiatives* describe the teachers; the small charts show pupils and parents. Hover over a chart's
box for the model's own term. A vertical line marks each event at the week it took effect.

**Routines and strain.** *Routines now* shows each school's improvement routines, the ones
successful work leaves behind: data meetings, peer observation, protected team time, a mentoring
scheme, behaviour routines and the student council, each from 0 (none) to 1 (at full strength);
the tick marks the strongest it has been in this run. Middle and senior leaders and the head keep
routines going; without them they lapse, and a new head may dismantle them: watch the bars when
the head leaves. *Staff strain* shows tiredness and overwork (commitments beyond the week's time).
Set *new initiatives imposed a term* for a school in the sidebar, then *start again*, to see what
a reform programme costs: each initiative takes every teacher's time and tires them as it starts.

**After the head leaves**, watch the results over the next two or three years: where the head led
alone the personal lift goes the same week and imposed practice lapses; where leadership was
shared by design, capacity stays with the teachers and most of the gain holds. The model is a
thinking tool, not a forecast: try other seeds to see what is robust.

**Driving the page.** ▶ plays, ❚❚ pauses, *+1 week* and *+1 term* step on, *go to year* jumps.
The speed is in school time (*1 year in 10 s*). The buttons "the head leaves now", "crisis now"
and "switch now" act on the week on screen; they show from the next week. Drag the timeline
back to replay; acting at an earlier week replays from there with the new choice (the earlier
run stays as a faint grey line). The address bar always holds the setup: copy it to share it.
"""


def explanation_html(text: str = EXPLANATION) -> str:
    """The explanation as HTML: paragraphs, **bold** and *italic* (all the markup it uses)."""
    import html
    import re

    paragraphs = []
    for block in text.strip().split("\n\n"):
        body = html.escape(" ".join(block.split()), quote=False)
        body = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", body)
        body = re.sub(r"\*(.+?)\*", r"<i>\1</i>", body)
        paragraphs.append(f"<p>{body}</p>")
    return "\n".join(paragraphs)


# --- a system of schools -------------------------------------------------------------------------------

#: how each kind of tie between schools is drawn: (a school leader's words, colour, width, dash)
TIE_STYLES: dict[str, tuple[str, str, float, str]] = {
    "federation": ("federation", "#0072B2", 4.0, "solid"),
    "executive": ("executive head", "#6A3D9A", 3.0, "solid"),
    "support": ("school-to-school support", "#009E73", 2.5, "dash"),
    "network": ("learning network", "rgba(110,110,110,0.7)", 1.2, "dot"),
}
#: what colours the schools: key -> (a school leader's words, colour scale, range or None for centred)
SYSTEM_COLOURS: dict[str, tuple[str, str, tuple[float, float] | None]] = {
    "attainment": ("pupils' results (SD)", "RdBu", None),
    "capacity": ("staff able to lead (0-1)", CAPACITY_SCALE, (0.0, 1.0)),
}
CHART_TIPS["system"] = (
    "The system of schools: each dot is a school, sized by its pupils and coloured by pupils' results "
    "(attainment, SD) or by how able its staff are to lead (leadership_capacity); lines are the ties "
    "between schools by kind. Click a school (or choose it in the list) to see its own panels."
)


@dataclass
class SystemSnapshot:
    """The schools of a system at one week: what the system view draws.

    Attributes:
        names: each school's name.
        students: pupils on roll of each school.
        attainment: mean attainment of each school (SD).
        capacity: mean leadership capacity of each school's teachers (0-1).
        hover: a line or two on each school.
        ties: (school a, school b, kind) for every tie, a kind of :data:`TIE_STYLES`.
    """

    names: list[str]
    students: np.ndarray
    attainment: np.ndarray
    capacity: np.ndarray
    hover: list[str]
    ties: list[tuple[int, int, str]]


def system_figure(
    snap: SystemSnapshot,
    pos: np.ndarray,
    *,
    colour_by: str = "attainment",
    selected: int | None = None,
    title: str = "The system of schools",
    height: int = 380,
) -> dict:
    """The system view: schools as nodes (size = pupils, colour = results or capacity), ties by kind.

    Each point carries its school's name as ``customdata``, which the page's click handler reads.
    """
    data = []
    for kind, (words, colour, width, dash) in TIE_STYLES.items():
        pairs = [(a, b) for a, b, k in snap.ties if k == kind]
        xs: list = []
        ys: list = []
        for a, b in pairs:
            xs += [round(float(pos[a, 0]), 4), round(float(pos[b, 0]), 4), None]
            ys += [round(float(pos[a, 1]), 4), round(float(pos[b, 1]), 4), None]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": xs,
                "y": ys,
                "name": words,
                "line": {"width": width, "color": colour, "dash": dash},
                "hoverinfo": "skip",
                "showlegend": bool(pairs),
            }
        )
    words, scale, span = SYSTEM_COLOURS[colour_by]
    values = snap.attainment if colour_by == "attainment" else snap.capacity
    if span is None:  # centred on 0: blue above the start, red below
        top = max(0.1, float(np.nanmax(np.abs(values))) if len(values) else 0.1)
        span = (-top, top)
    size = 14 + 26 * np.sqrt(snap.students / max(float(snap.students.max()), 1.0))
    outline = ["#000000" if i == selected else "#ffffff" for i in range(len(snap.names))]
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text" if len(snap.names) <= 30 else "markers",
            "x": _r(pos[:, 0]),
            "y": _r(pos[:, 1]),
            "text": snap.names,
            "textposition": "top center",
            "customdata": snap.names,
            "hovertext": snap.hover,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "name": "schools",
            "showlegend": False,
            "marker": {
                "size": _r(size, 1),
                "color": _r(values),
                "colorscale": scale,
                "cmin": span[0],
                "cmax": span[1],
                "line": {"color": outline, "width": [4 if i == selected else 1 for i in range(len(snap.names))]},
                "colorbar": {"title": {"text": words, "side": "right"}, "thickness": 10},
            },
        }
    )
    layout = _base_layout(title, height)
    axis = {"visible": False, "range": [-1.25, 1.25], "fixedrange": True}
    layout.update(
        xaxis=axis,
        yaxis={**axis, "range": [-1.25, 1.4], "scaleanchor": "x"},  # room for the top school's name
        legend={"orientation": "h", "y": -0.02, "x": 0.0, "font": {"size": 11}},
        hovermode="closest",
        clickmode="event",
    )
    return {"data": data, "layout": layout, "config": CONFIG}


def system_layout(n: int, ties: Sequence[tuple[int, int, str]], seed: int) -> np.ndarray:
    """Positions of ``n`` schools: tied schools near each other, in a circle of radius about 1."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((a, b) for a, b, _ in ties)
    if n == 1:
        return np.zeros((1, 2))
    pos = nx.spring_layout(g, seed=seed, k=1.5 / math.sqrt(n))
    out = np.array([pos[k] for k in range(n)], dtype=float)
    out -= out.mean(axis=0)
    scale = float(np.abs(out).max()) or 1.0
    return out / scale
