"""The trainers' page without a browser: where ``leadsim serve`` may listen, what the page runs and draws.

The page in a real browser is tested in ``tests/test_app_browser.py``.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from leadsim.app.page import (
    PRESETS,
    Classroom,
    SchoolSettings,
    build_scenario,
    default_settings,
    pack_figures,
    scenario_names,
    view_rows,
)
from leadsim.app.server import ServeError, check_host, check_port_free, ensure_frontend, required_packages
from leadsim.app.views import TIME_CHARTS, explanation_html, node_sizes
from leadsim.sim.model import SchoolModel
from leadsim.sim.scenario import bundled_scenarios, load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _leadsim(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leadsim.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None,
    )


# --- where the server may listen ---------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_hosts_are_allowed(host):
    check_host(host, public=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "8.8.8.8"])
def test_reachable_hosts_are_refused_unless_public(host):
    with pytest.raises(ServeError, match="refusing to serve on .*--public"):
        check_host(host, public=False)
    check_host(host, public=True)  # asked for: allowed


def test_cli_refuses_a_public_address_with_one_line_and_exit_2():
    out = _leadsim("serve", "--host", "0.0.0.0", "--port", "8765")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("leadsim: error: refusing to serve on 0.0.0.0")
    assert "--public" in lines[0]
    assert out.stdout == ""


def test_cli_refuses_a_port_in_use_with_one_line_and_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ServeError, match="cannot listen"):
            check_port_free("127.0.0.1", port)
        out = _leadsim("serve", "--port", str(port))
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert out.stderr.startswith(f"leadsim: error: cannot listen on 127.0.0.1:{port}")


def test_cli_rejects_a_bad_port():
    out = _leadsim("serve", "--port", "70000")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and out.stderr.startswith("leadsim: error:")


# --- front-end files ---------------------------------------------------------------------------------


def test_required_packages_name_exact_versions():
    packages = dict(required_packages())
    app = [p for p in packages if p.startswith("@widgetti/solara-vuetify")]
    assert len(app) == 1
    assert "requirejs" in packages
    for version in packages.values():
        assert version[0].isdigit()


def test_without_npm_plotly_is_still_copied_and_the_rest_reported(tmp_path, monkeypatch):
    import leadsim.app.server

    monkeypatch.setattr(leadsim.app.server.shutil, "which", lambda name: None)
    missing = ensure_frontend(tmp_path, log=lambda m: None)
    assert len(missing) == len(required_packages())
    assert all("npm not found" in m for m in missing)
    plotly_js = list(tmp_path.glob("plotly.js-dist-min@*/plotly.min.js"))
    assert len(plotly_js) == 1 and plotly_js[0].stat().st_size > 1_000_000


# --- settings -> scenario ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["charismatic-solo", "arden", "crisis", "demo"])
def test_settings_from_a_scenario_rebuild_the_same_school(name):
    """Untouched settings with the scenario's own events give the scenario's run, week for week."""
    cfg = load_scenario(name)
    rebuilt = build_scenario(SchoolSettings.from_scenario(name), seed=cfg.seed, own_events=True)
    a, b = SchoolModel(cfg, rng=3), SchoolModel(rebuilt, rng=3)
    a.run(60)
    b.run(60)
    assert a.timeseries().equals(b.timeseries())


def test_every_bundled_scenario_can_be_chosen():
    names = scenario_names()
    assert names[:2] == ("charismatic-solo", "charismatic-design")
    assert set(names) == {n for n, _, _ in bundled_scenarios()}
    for name in names:
        build_scenario(SchoolSettings.from_scenario(name), seed=0, own_events=False)


def test_settings_reach_the_scenario():
    s = SchoolSettings.from_scenario("charismatic-solo")
    s = type(s)(**{**s.__dict__, "charisma": 0.35, "authenticity": 0.4, "trust": 0.7, "time_for_collaboration": 0.3})
    s = type(s)(**{**s.__dict__, "solo": 0.0, "design": 1.0, "switch_to": "default", "switch_year": 2.0})
    s = type(s)(**{**s.__dict__, "successor": "distributive"})
    cfg = build_scenario(s, seed=7, own_events=False)
    assert cfg.seed == 7
    assert (cfg.head.charisma, cfg.head.authenticity) == (0.35, 0.4)
    assert cfg.teachers.trust_head == cfg.teachers.trust_colleagues == 0.7
    assert cfg.leadership.time_for_collaboration == 0.3
    assert cfg.leadership.pattern.weights() == (0.0, 1.0, 0.0, 0.0)
    assert [c.step(39) for c in cfg.leadership.schedule] == [78]
    assert cfg.leadership.schedule[0].pattern.weights() == pytest.approx((0.3, 0.0, 0.7, 0.0))
    assert cfg.events.successor.style == "distributive"
    # only what the trainer presses happens
    assert cfg.events.head_departures == [] and cfg.events.crises == []
    assert cfg.events.head_exit_hazard == 0 and cfg.events.crisis_hazard == 0


def test_all_weights_zero_means_the_head_leads_alone():
    s = SchoolSettings.from_scenario("default")
    s = type(s)(**{**s.__dict__, "solo": 0.0, "default": 0.0})
    assert build_scenario(s, seed=0, own_events=False).leadership.pattern.weights() == (1.0, 0.0, 0.0, 0.0)


# --- the Classroom: lockstep, interventions, markers ----------------------------------------------------


def _demo_pair(**changes) -> tuple[SchoolSettings, SchoolSettings]:
    left = SchoolSettings.from_scenario("demo")
    right = type(left)(**{**left.__dict__, **changes}) if changes else left
    return left, right


def test_compare_mode_steps_two_schools_in_lockstep_with_the_same_seed():
    room = Classroom(settings=_demo_pair(), seed=4, compare=True)
    for _ in range(30):
        room.step()
    left, right = room.schools
    assert left.week == right.week == room.week == 30
    assert left.timeseries().equals(right.timeseries())  # same settings, same seed: the same school
    other = Classroom(settings=_demo_pair(solo=0.2, design=0.8, distribution=0.8), seed=4, compare=True)
    for _ in range(30):
        other.step()
    a, b = other.series()
    assert not np.allclose(a.columns["leadership_capacity"], b.columns["leadership_capacity"])
    assert len(a.years) == len(b.years) == 31


def test_single_mode_runs_one_school():
    room = Classroom(settings=default_settings(), seed=0, compare=False)
    assert len(room.schools) == 1 and room.labels == ["charismatic-solo"]
    assert [r["ids"] for r in view_rows(room)][0] == ["network-left", "attainment"]


def test_the_head_leaves_now_in_both_schools_and_is_marked_at_that_week():
    room = Classroom(settings=_demo_pair(), seed=1, compare=True)
    for _ in range(10):
        room.step()
    room.head_leaves_now("distributive")
    assert room.pending() == ["the head leaves"]
    room.step()
    assert room.pending() == []
    for school in room.schools:
        assert [(d["week"], d["reason"]) for d in school.departures] == [(11, "requested")]
        assert school.head is not None and school.head.distribution == pytest.approx(0.8)  # the chosen successor
    [marker] = room.markers
    assert (marker.week, marker.kind, marker.sides) == (11, "departure", (0, 1))
    assert marker.year == pytest.approx(11 / 39)


def test_a_crisis_in_one_school_only():
    room = Classroom(settings=_demo_pair(), seed=1, compare=True)
    room.step()
    room.crisis_now("results", 0.7, sides=(1,))
    assert room.pending() == ["results crisis 0.7 (right)"]
    room.step()
    assert room.schools[0].crises == []
    assert [(c["week"], c["kind"]) for c in room.schools[1].crises] == [(2, "results")]
    [marker] = room.markers
    assert (marker.kind, marker.sides) == ("crisis", (1,))


def test_switching_the_pattern_now():
    room = Classroom(settings=_demo_pair(), seed=1, compare=False)
    room.switch_pattern_now("design")
    room.step()
    assert room.schools[0].pattern.weights() == pytest.approx((0.2, 0.8, 0.0, 0.0))
    assert room.markers[0].kind == "pattern"


def test_the_scenarios_own_events_are_marked_when_kept():
    room = Classroom(settings=(SchoolSettings.from_scenario("demo"),) * 2, seed=0, compare=False, own_events=True)
    while room.running:
        room.step()
    assert room.week == room.total_weeks == load_scenario("demo").steps
    assert [(m.week, m.kind, m.label) for m in room.markers] == [(78, "departure", "the head leaves (scheduled)")]
    room.step()  # past the end: nothing happens
    assert room.week == room.total_weeks


def test_without_own_events_nothing_happens_unless_pressed():
    room = Classroom(settings=(SchoolSettings.from_scenario("reference"),) * 2, seed=0)
    for _ in range(200):
        room.step()
    assert room.markers == [] and room.schools[0].departures == [] and room.schools[0].crises == []


def test_mesa_reset_reads_the_sessions_current_settings():
    """SolaraViz's reset calls Classroom(**params) with the session's settings reactive (anything with .value)."""

    class Holder:
        value = _demo_pair(charisma=0.1)

    room = Classroom(settings=Holder(), seed=2, compare=True)
    assert room.settings == Holder.value
    assert room.schools[1].scenario.head.charisma == 0.1
    assert room.labels == ["demo", "demo (changed)"]


# --- the figures -------------------------------------------------------------------------------------


def _played(compare: bool = True, weeks: int = 50) -> Classroom:
    room = Classroom(settings=_demo_pair(solo=0.2, design=0.8), seed=2, compare=compare)
    for week in range(weeks):
        if week == 20:
            room.head_leaves_now()
        if week == 30:
            room.crisis_now("behaviour", 0.5, sides=(0,))
        room.step()
    return room


def test_every_figure_is_a_valid_plotly_figure():
    room = _played()
    figs = room.figures()
    assert set(figs) == {"network-left", "network-right", *TIME_CHARTS}
    for fig in figs.values():
        go.Figure(fig)  # raises on anything plotly does not know
        json.dumps(fig, allow_nan=False)


def test_time_charts_overlay_both_schools_and_mark_every_event():
    room = _played()
    figs = room.figures()
    for key, (_, series, _) in TIME_CHARTS.items():
        fig = figs[key]
        data = fig["data"]
        assert len(data) == 2 * len(series)
        assert {d["line"]["dash"] for d in data} == {"solid", "dash"}
        assert all(len(d["x"]) == 51 for d in data)
        assert fig["layout"]["showlegend"]
        shapes = fig["layout"]["shapes"]
        notes = [a["text"] for a in fig["layout"]["annotations"]]
        assert [round(s["x0"] * 39) for s in shapes] == [21, 31]
        assert notes == ["the head leaves", "behaviour crisis 0.5 (left)"]
    names = {d["name"] for d in figs["attainment"]["data"]}
    assert names == {"demo", "demo (changed)"}


def test_the_network_shows_head_teachers_roles_capacity_and_influence():
    room = _played(compare=False, weeks=10)
    fig = room.figures()["network-left"]
    teachers = next(d for d in fig["data"] if d["name"] == "teachers")
    head = next(d for d in fig["data"] if d["name"] == "head")
    staff = room.schools[0].staff
    assert len(teachers["x"]) == staff.n
    assert teachers["marker"]["color"] == pytest.approx(np.round(staff.capacity, 3).tolist())
    assert set(teachers["marker"]["symbol"]) == {"circle", "square", "diamond"}
    assert head["marker"]["symbol"] == "star"
    snap = room.frame.snaps[0]
    assert teachers["marker"]["size"] == pytest.approx(np.round(node_sizes(snap.influence[1:]), 2).tolist())
    ties = [d for d in fig["data"] if d["name"].startswith("ties")]
    drawn = sum(sum(v is None for v in d["x"]) for d in ties)
    assert drawn == int(np.triu(staff.ties > snap.threshold, 1).sum())


def test_the_layout_is_stable_between_recomputations():
    room = Classroom(settings=_demo_pair(), seed=5, compare=False)
    first = room.frame.positions[0]
    for _ in range(20):
        room.step()
    assert np.array_equal(room.frame.positions[0], first)  # recomputed once a school year only
    for _ in range(20):
        room.step()
    moved = np.abs(room.frame.positions[0] - first).max()
    assert 0 < moved < 1.0
    again = Classroom(settings=_demo_pair(), seed=5, compare=False)
    assert np.array_equal(again.frame.positions[0], first)  # seeded


def test_packed_figures_are_one_json_object_with_versions():
    room = _played(weeks=5)
    packed = json.loads(pack_figures(room.figures_json()))
    assert set(packed) == {"network-left", "network-right", *TIME_CHARTS}
    assert all(isinstance(v["v"], int) and "data" in v["f"] for v in packed.values())


def test_presets_and_explanation():
    for _, weights in PRESETS.values():
        assert sum(weights.values()) == pytest.approx(1.0)
    html = explanation_html()
    assert "<b>What you are seeing.</b>" in html and "**" not in html
