"""The trainers' page's logic without Solara or a browser: schools, clock, interventions, replay,
links, scenario files, "your school" and the figures.

The page itself (Solara, in Chromium) is tested in ``tests/test_app_browser.py``; the server in
``tests/test_serve.py``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import yaml
from leadsim.app.classroom import (
    PRESETS,
    ROUTINE_KEYS,
    Classroom,
    Clock,
    Intervention,
    SchoolSettings,
    build_scenario,
    default_settings,
    months_of_progress,
    scenario_names,
)
from leadsim.app.page import Session, data_csv, figures, live_state, pack_figures, view_rows
from leadsim.app.sharing import PageSetup, from_query, read_uploaded, setup_of, setup_yaml, to_address, to_query
from leadsim.app.views import (
    CHART_TIPS,
    ROUTINE_WORDS,
    SCHOOL_COLOURS,
    TIME_CHARTS,
    explanation_html,
    node_sizes,
    time_chart,
    to_json,
)
from leadsim.app.yourschool import QUESTIONS, TYPICAL, diagnose
from leadsim.sim.model import SchoolModel
from leadsim.sim.scenario import bundled_scenarios, load_scenario
from leadsim.sim.vocabulary import MIXES, PATTERNS
from leadsim.sim.work import head_slots

ROOT = Path(__file__).resolve().parents[1]


def _demo_pair(**changes) -> tuple[SchoolSettings, SchoolSettings]:
    left = SchoolSettings.from_scenario("demo")
    return left, dataclasses.replace(left, **changes)


def _columns(room: Classroom) -> list[dict[str, np.ndarray]]:
    return [s.columns for s in room.series()]


def _same(a: Classroom, b: Classroom) -> bool:
    return all(
        np.allclose(x[c], y[c], equal_nan=True) for x, y in zip(_columns(a), _columns(b), strict=True) for c in x
    )


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


def test_every_bundled_scenario_has_a_name_a_trainer_would_use():
    """split-site was the only bundled scenario shown by its file name in the menus and legends."""
    from leadsim.app.classroom import HUMAN_NAMES, human_name

    for name in scenario_names():
        assert name in HUMAN_NAMES and human_name(name) != name


def test_every_bundled_scenario_can_be_chosen():
    names = scenario_names()
    assert names[:2] == ("charismatic-solo", "charismatic-design")
    assert set(names) == {n for n, _, _ in bundled_scenarios()}
    for name in names:
        build_scenario(SchoolSettings.from_scenario(name), seed=0, own_events=False)


def test_settings_reach_the_scenario():
    s = dataclasses.replace(
        SchoolSettings.from_scenario("charismatic-solo"),
        charisma=0.35,
        authenticity=0.4,
        trust=0.7,
        time_for_collaboration=0.3,
        solo=0.0,
        design=1.0,
        switch_to="default",
        switch_year=2.0,
        successor="distributive",
    )
    cfg = build_scenario(s, seed=7, own_events=False)
    assert cfg.seed == 7
    assert (cfg.head.charisma, cfg.head.authenticity) == (0.35, 0.4)
    assert cfg.teachers.trust_head == cfg.teachers.trust_colleagues == 0.7
    assert cfg.leadership.time_for_collaboration == 0.3
    assert cfg.leadership.pattern.weights() == (0.0, 1.0, 0.0, 0.0)
    assert [c.step(39) for c in cfg.leadership.schedule] == [78]
    # "switch to volunteers" is the vocabulary's named mix for leadership by default
    want = tuple(MIXES["default"].get(k, 0.0) for k in PATTERNS)
    assert cfg.leadership.schedule[0].pattern.weights() == pytest.approx(want)
    assert cfg.events.successor.style == "distributive"
    assert build_scenario(dataclasses.replace(s, reform_pace=2.5), seed=7, own_events=False).reform.pace == 2.5
    assert cfg.reform.pace == 0.0  # the scenario's own pace when untouched
    assert cfg.events.head_departures == [] and cfg.events.crises == []  # only what the trainer presses
    assert cfg.events.head_exit_hazard == 0 and cfg.events.crisis_hazard == 0


# --- the classroom: the clock, interventions on the week on screen, replay ---------------------------


def test_compare_mode_steps_two_schools_in_lockstep_with_the_same_seed():
    room = Classroom(settings=_demo_pair(), seed=4, compare=True)
    assert room.forward(30) == 30
    left, right = room.schools
    assert left.week == right.week == room.week == room.cursor == 30
    assert left.timeseries().equals(right.timeseries())  # same settings, same seed: the same school
    other = Classroom(settings=_demo_pair(solo=0.2, design=0.8, distribution=0.8), seed=4, compare=True)
    other.forward(30)
    a, b = other.series()
    assert not np.allclose(a.columns["leadership_capacity"], b.columns["leadership_capacity"])
    assert len(a.years) == len(b.years) == 31


def test_an_intervention_acts_on_the_week_on_screen():
    """Clicked while week 10 is shown: it takes effect at the start of week 11, marked there."""
    room = Classroom(settings=_demo_pair(), seed=1, compare=True)
    room.forward(10)
    room.head_leaves_now("distributive")
    assert room.pending() == ["the head leaves"]
    assert room.markers() == []  # not yet on the charts: week 11 is not shown
    room.forward(1)
    assert room.pending() == []
    for school in room.schools:
        assert [(d["week"], d["reason"]) for d in school.departures] == [(11, "requested")]
        assert school.head is not None and school.head.distribution == pytest.approx(0.8)  # the chosen successor
    [marker] = room.markers()
    assert (marker.week, marker.kind, marker.sides) == (11, "departure", (0, 1))
    assert marker.year == pytest.approx(11 / 39)


def test_a_crisis_in_one_school_only_and_a_switch():
    room = Classroom(settings=_demo_pair(), seed=1, compare=True)
    room.forward(1)
    room.crisis_now("results", 0.7, sides=(1,))
    assert room.pending() == ["results crisis 0.7 (right)"]
    room.switch_pattern_now("design", sides=(0,))
    room.forward(1)
    assert room.schools[0].crises == []
    assert [(c["week"], c["kind"]) for c in room.schools[1].crises] == [(2, "results")]
    assert room.schools[0].pattern.weights() == pytest.approx((0.2, 0.8, 0.0, 0.0))
    assert {(m.kind, m.sides) for m in room.markers()} == {("crisis", (1,)), ("pattern", (0,))}


def test_unknown_interventions_and_acting_after_the_end_are_refused():
    room = Classroom(settings=_demo_pair(), seed=1)
    with pytest.raises(ValueError):
        room.act("leave", "nobody")
    with pytest.raises(ValueError):
        room.act("fire", "")
    room.seek(room.total_weeks)
    with pytest.raises(ValueError, match="ended"):
        room.head_leaves_now()


def test_a_second_click_on_the_head_leaves_in_the_same_week_does_not_remove_the_successor_too():
    """Two clicks on "the head leaves now" before the run starts (a double click, or twice in a row):
    one head leaves, not the head and then the successor who has just arrived, and the page says why."""
    room = Classroom(settings=_demo_pair(), seed=1)
    room.head_leaves_now()
    with pytest.raises(ValueError, match="the head already leaves next week: at most one departure a term"):
        room.head_leaves_now()
    assert room.pending() == ["the head leaves"]
    room.forward(2)
    assert [d["week"] for d in room.schools[0].departures] == [1]


def test_departures_and_crises_closer_than_a_term_are_refused_so_the_setup_can_always_be_saved(tmp_path):
    """A scenario file allows one departure and one crisis a term; the page the same, so that "download
    this setup" never fails: the second crisis five weeks after the first is refused with its reason,
    and a term later it is accepted."""
    room = Classroom(settings=_demo_pair(), seed=1, compare=True)
    room.forward(10)
    room.crisis_now("behaviour", sides=(1,))
    room.head_leaves_now()
    room.forward(5)
    with pytest.raises(ValueError, match="right school: a crisis already began in week 11.*from week 23 on"):
        room.crisis_now("results")
    with pytest.raises(ValueError, match="the head already left in week 11"):
        room.head_leaves_now(sides=(0,))
    room.crisis_now("results", sides=(0,))  # the left school had none
    room.forward(8)
    room.crisis_now("results", sides=(1,))  # week 23: a term after the first
    room.forward(1)
    for side in (0, 1):
        path = tmp_path / f"{side}.yaml"
        path.write_text(setup_yaml(room, side))  # raised a validation error before
        assert load_scenario(path).events.crises
    # a refused click changed nothing, even after going back
    room.seek(12)
    with pytest.raises(ValueError, match="a crisis already began in week 11"):
        room.crisis_now("results", sides=(1,))
    assert room.week == 24 and len(room.log) == 4


def test_the_scenarios_own_departure_counts_when_its_events_are_kept():
    settings = (SchoolSettings.from_scenario("charismatic-solo"),) * 2
    room = Classroom(settings=settings, own_events=True)
    departure = build_scenario(settings[0], seed=0, own_events=True).events.head_departures[0].step(39)
    room.seek(departure - 5)
    with pytest.raises(ValueError, match=f"the scenario's own departure comes in week {departure}"):
        room.head_leaves_now()
    without = Classroom(settings=settings)  # without the scenario's own events only the click counts
    without.seek(departure - 5)
    assert without.head_leaves_now().week == departure - 5


def test_a_second_switch_in_the_same_week_replaces_the_first():
    room = Classroom(settings=_demo_pair(), seed=1, compare=True)
    room.switch_pattern_now("design")
    room.switch_pattern_now("default", sides=(1,))
    assert room.pending() == ["switch to teams by design (left)", "switch to volunteers (right)"]
    room.forward(1)
    assert room.schools[0].pattern.weights() == pytest.approx((0.2, 0.8, 0.0, 0.0))
    assert room.schools[1].pattern.weights() == pytest.approx(tuple(MIXES["default"].get(p, 0.0) for p in PATTERNS))


def test_a_crisis_severity_out_of_range_is_refused():
    room = Classroom(settings=_demo_pair(), seed=1)
    for bad in (float("nan"), 0.0, 3.0):
        with pytest.raises(ValueError, match="severity"):
            room.crisis_now("results", bad)
    assert room.log == []


def test_replay_moves_the_cursor_without_changing_the_run():
    room = Classroom(settings=_demo_pair(), seed=2, compare=True)
    room.forward(40)
    before = _columns(room)
    assert room.seek(12) == 12 and room.week == 40  # back: nothing re-run
    assert len(room.series()[0].years) == 13
    assert room.frame().week == 12
    assert room.forward(5) == 17 and room.week == 40  # replaying weeks already run
    room.seek(40)
    assert all(
        np.array_equal(a[c], b[c], equal_nan=True) for a, b in zip(before, _columns(room), strict=True) for c in a
    )
    assert room.seek(10_000) == room.total_weeks == room.week  # beyond: runs to the end


def test_going_back_and_acting_branches_exactly_as_a_fresh_run_would():
    """Same school with and without the head leaving: act at week 20, run on, go back, choose otherwise."""
    room = Classroom(settings=_demo_pair(), seed=3, compare=True)
    room.forward(20)
    room.head_leaves_now()
    room.forward(30)
    room.checkpoint()
    room.seek(20)
    room.switch_pattern_now("design")  # instead of the departure
    assert [iv.kind for iv in room.log] == ["switch"]
    assert room.week == room.cursor == 20
    assert [s.label.startswith("before going back") for s in room.previous] == [True, True]
    assert len(room.previous[0].years) == 51  # the earlier run, kept to draw faintly
    room.forward(30)
    fresh = Classroom(settings=_demo_pair(), seed=3, compare=True, log=[Intervention(20, "switch", (0, 1), "design")])
    fresh.forward(50)
    assert _same(room, fresh)
    assert [(m.week, m.kind) for m in room.markers()] == [(21, "pattern")]
    # from a later checkpoint too (week 50 was kept at the pause above)
    room.seek(45)
    room.crisis_now("behaviour", 0.6)
    room.forward(5)
    fresh2 = Classroom(
        settings=_demo_pair(),
        seed=3,
        compare=True,
        log=[Intervention(20, "switch", (0, 1), "design"), Intervention(45, "crisis", (0, 1), "behaviour", 0.6)],
    )
    fresh2.forward(50)
    assert _same(room, fresh2)


def test_the_scenarios_own_events_are_marked_when_kept():
    room = Classroom(settings=(SchoolSettings.from_scenario("demo"),) * 2, seed=0, compare=False, own_events=True)
    room.seek(room.total_weeks)
    assert room.week == room.total_weeks == load_scenario("demo").steps
    assert [(m.week, m.kind, m.label) for m in room.markers()] == [(78, "departure", "the head leaves (scheduled)")]
    assert room.forward(1) == room.total_weeks  # past the end: nothing happens


def test_without_own_events_nothing_happens_unless_pressed():
    room = Classroom(settings=(SchoolSettings.from_scenario("reference"),) * 2, seed=0)
    room.forward(200)
    assert room.markers() == [] and room.schools[0].departures == [] and room.schools[0].crises == []


def test_the_clock_keeps_school_time():
    room = Classroom(settings=_demo_pair(), seed=0)
    shown: list[int] = []
    clock = Clock(room, lambda: shown.append(room.cursor), seconds_per_year=3.9)  # 10 weeks a second
    clock.play()
    time.sleep(1.55)
    clock.pause()
    weeks = room.cursor
    assert 8 <= weeks <= 16, weeks  # about 15 (a loaded machine may lose a few)
    assert shown[:weeks] == list(range(1, weeks + 1))  # every week, in order
    assert not clock.playing
    time.sleep(0.3)
    assert room.cursor == weeks  # paused means paused


def test_a_click_acts_on_the_week_the_browser_shows_even_while_playing():
    """The browser is still drawing an earlier week when the trainer clicks: that week is the one acted on."""
    session = Session("compare=1")
    session.step(20)  # sent as one state; the "browser" draws it
    session.widget.drawn = session.widget.seq
    drawn_week = session.shown_week()
    assert drawn_week == 20
    session.room.forward(3)  # the clock runs on; week 23 is sent...
    session.refresh()
    assert session.widget.cursor == 23
    session.widget.drawn = session.widget.seq - 1  # ...but the browser still shows week 20 when the click comes
    session.act({"kind": "leave", "arg": "", "side": "both"})
    assert [(iv.week, iv.kind) for iv in session.room.log] == [(20, "leave")]
    assert session.room.cursor == session.room.week == 20  # back to the week on screen, later weeks dropped
    assert "do=20:leave:own:both" in session.widget.address
    session.close()


def test_the_clock_stops_at_the_end():
    room = Classroom(settings=_demo_pair(), seed=0)
    room.seek(room.total_weeks - 3)
    clock = Clock(room, lambda: None, seconds_per_year=0.5)
    clock.play()
    for _ in range(100):
        if not clock.playing:
            break
        time.sleep(0.05)
    assert not clock.playing and room.cursor == room.total_weeks


def test_months_of_progress_follow_the_eef_table():
    assert [months_of_progress(x) for x in (0.0, 0.01, 0.05, 0.1, 0.18, 0.19, 0.26, 0.5, 0.96, 1.5)] == [
        0,
        0,
        1,
        2,
        2,
        3,
        3,
        6,
        12,
        12,
    ]
    assert months_of_progress(-0.2) == -3


# --- reform pace and routines --------------------------------------------------------------------------


def test_a_trainer_who_sets_a_faster_reform_pace_sees_more_strain():
    """Three imposed initiatives a term against none, same school and seed: the staff strain chart
    shows the right school more tired and more overworked, and its legend names the difference."""
    room = Classroom(settings=_demo_pair(reform_pace=3.0), seed=1, compare=True)
    room.forward(78)
    calm, pressed = room.series()
    for column in ("fatigue", "overload"):
        assert np.mean(pressed.columns[column][39:]) > np.mean(calm.columns[column][39:]) + 0.05, column
    assert pressed.label == "3 reforms a term"
    fig = figures(room)["strain"]
    lines = {(d["name"], d["line"]["color"]): d["y"] for d in fig["data"] if d.get("x")}
    assert set(lines) == {(name, colour) for name in ("tiredness", "overwork") for colour in SCHOOL_COLOURS}
    assert lines[("tiredness", SCHOOL_COLOURS[1])] == pytest.approx(np.round(pressed.columns["fatigue"], 4).tolist())


def test_the_reform_pace_travels_in_the_link_and_the_saved_file(tmp_path):
    room = Classroom(settings=_demo_pair(reform_pace=2.5), seed=3, compare=True)
    room.forward(5)
    query = to_query(setup_of(room))
    assert query["right.reform_pace"] == "2.5" and "left.reform_pace" not in query
    setup, errors = from_query(query)
    assert errors == [] and setup.settings[1].reform_pace == 2.5
    assert _same(room, setup.classroom())
    saved = yaml.safe_load(setup_yaml(room, 1))
    assert saved["reform"]["pace"] == 2.5


def test_the_routines_panel_shows_each_schools_routines_as_the_model_holds_them():
    room = Classroom(settings=_demo_pair(solo=0.0, design=1.0), seed=2, compare=True)
    room.forward(60)
    fig = figures(room)["routines"]
    bars = [d for d in fig["data"] if d["type"] == "bar"]
    assert [d["marker"]["color"] for d in bars] == list(SCHOOL_COLOURS)
    for bar, school in zip(bars, room.schools, strict=True):
        assert bar["y"] == list(ROUTINE_WORDS.values())
        assert bar["x"] == pytest.approx(np.round(school.routines, 3).tolist())
    assert bars[1]["name"] == "mostly teams by design" and max(bars[1]["x"]) > max(bars[0]["x"])
    go.Figure(fig)


def test_a_trainer_sees_routines_dismantled_when_the_head_leaves():
    """After a top-down successor takes over, some routines fall to almost nothing while their tick
    stays at the strength they had before the head left."""
    room = Classroom(settings=(SchoolSettings.from_scenario("charismatic-design"),) * 2, seed=0)
    room.forward(117)
    before = room.routine_levels()[0].strength
    room.head_leaves_now("top_down")
    room.forward(40)
    after = room.routine_levels()[0]
    gone = (after.strength < 0.1) & (before > 0.4)
    assert gone.any(), (before, after.strength)
    assert np.all(after.peak[gone] >= before[gone])
    ticks = [d for d in figures(room)["routines"]["data"] if d["type"] == "scatter"]
    assert ticks[0]["x"] == pytest.approx(np.round(after.peak, 3).tolist())


def test_replaying_an_earlier_week_shows_that_weeks_routines():
    room = Classroom(settings=_demo_pair(solo=0.0, design=1.0), seed=4)
    room.forward(80)
    room.seek(50)
    fresh = Classroom(settings=_demo_pair(solo=0.0, design=1.0), seed=4)
    fresh.forward(50)
    assert np.array_equal(room.routine_levels()[0].strength, fresh.schools[0].routines)
    assert np.array_equal(room.routine_levels()[0].peak, fresh.routine_levels()[0].peak)
    assert not np.array_equal(room.routine_levels()[0].strength, room.schools[0].routines)  # week 80's differ


# --- links and files ---------------------------------------------------------------------------------


def test_a_link_reopens_the_same_run():
    room = Classroom(settings=_demo_pair(charisma=0.3), seed=5, compare=True)
    room.forward(20)
    room.head_leaves_now("charismatic", sides=(0,))
    room.forward(10)
    room.crisis_now("results", 0.9)
    room.forward(7)
    address = to_address(setup_of(room))
    assert address.startswith("?") and "do=20:leave:charismatic:left,30:crisis:results:0.9:both" in address
    setup, errors = from_query(to_query(setup_of(room)))
    assert errors == []
    again = setup.classroom()
    assert again.cursor == room.cursor == 37 and again.compare and again.seed == 5
    assert again.settings == room.settings
    assert _same(room, again)
    assert from_query({}) == (PageSetup(default_settings()), [])


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"seed": "-1"}, "seed='-1': expected"),
        ({"seed": "1e9"}, "seed='1e9'"),
        ({"compare": "yes"}, "compare='yes': expected 0 or 1"),
        ({"left.charisma": "7"}, "left.charisma='7': expected a number from 0 to 1"),
        ({"right.trust": "nan"}, "right.trust='nan'"),
        ({"left": "no-such"}, "left='no-such': no such scenario"),
        ({"do": "5:leave:nobody:both"}, "for leave, expected one of"),
        ({"do": "99999:leave:own:both"}, "the week must be"),
        ({"do": "5:crisis:results:3:left"}, "expected a number from 0.1 to 1"),
        ({"week": "100000"}, "week='100000'"),
        ({"hack": "1"}, "hack: not a setting"),
        ({"right.reform_pace": "20"}, "right.reform_pace='20': expected a number from 0 to 13"),
        ({"do": "5:leave:own:both,6:leave:own:left"}, "'6:leave:own:left': left school: the head already left"),
        ({"do": "5:crisis:results:0.5:right,9:crisis:behaviour:0.5:both"}, "right school: a crisis already began"),
    ],
)
def test_a_bad_link_changes_nothing_and_says_why(query, problem):
    setup, errors = from_query({"compare": "1", **query})
    assert setup == PageSetup(default_settings())  # the defaults, not half of the link
    assert any(problem in e for e in errors), errors


def test_the_session_shows_a_bad_links_problem_and_runs_the_defaults():
    session = Session("compare=1&left.charisma=9")
    assert "left.charisma='9'" in session.widget.message and "nothing of it was applied" in session.widget.message
    assert not session.room.compare and session.room.cursor == 0


def test_a_saved_setup_runs_with_leadsim_run_and_reopens(tmp_path):
    room = Classroom(settings=_demo_pair(), seed=2, compare=True)
    room.forward(20)
    room.head_leaves_now(sides=(0,))
    room.forward(10)
    room.switch_pattern_now("design")
    path = tmp_path / "setup.yaml"
    path.write_text(setup_yaml(room, 0))
    data = yaml.safe_load(path.read_text())
    assert data["events"]["head_departures"] == [{"week": 21}]
    assert data["leadership"]["schedule"][-1]["week"] == 31
    out = subprocess.run(
        [sys.executable, "-m", "leadsim.cli", "run", str(path), "--out", str(tmp_path / "run")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "run").is_dir()
    # the same file, opened on the page, is the same school with the same events
    key, scenario = read_uploaded(path.read_bytes(), "setup.yaml")
    assert key.startswith("upload:") and scenario.events.head_departures[0].week == 21
    a = SchoolModel(scenario, rng=2)
    a.run(35)
    b = SchoolModel(load_scenario(path), rng=2)
    b.run(35)
    assert a.timeseries().equals(b.timeseries())


def test_a_bad_uploaded_file_gets_the_clis_one_line_error():
    with pytest.raises(ValueError) as e:
        read_uploaded(b"school:\n  teachers: -3\n", "mine.yaml")
    assert str(e.value).startswith("mine.yaml:2: school.teachers") and "\n" not in str(e.value)
    with pytest.raises(ValueError, match="mine.yaml"):
        read_uploaded(b"school: [unclosed\n", "mine.yaml")


def test_an_uploaded_file_cannot_read_the_servers_files_through_extends(tmp_path):
    """``extends`` in an opened file named any path on the server (read relative to a temporary
    folder), and the error gave away what was there: now only a bundled scenario may be extended."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("years: 3\nthe_password: hunter2\n")
    for target in (str(secret), "../" * 12 + str(secret).lstrip("/"), "/etc/passwd"):
        with pytest.raises(ValueError) as e:
            read_uploaded(f"extends: {target}\nseed: 1\n".encode(), "mine.yaml")
        message = str(e.value)
        assert message.startswith("mine.yaml:1: extends: a file opened on the page may extend only a bundled scenario")
        assert "the_password" not in message and "\n" not in message


def test_a_bundled_scenario_that_extends_another_opens_as_leadsim_run_reads_it():
    """scenarios/charismatic-design.yaml (extends: charismatic-solo.yaml), saved by a trainer and opened
    on the page, failed with 'file not found: /tmp/tmp.../charismatic-solo.yaml'."""
    for name in ("charismatic-design", "arden", "split-site"):
        path = ROOT / "scenarios" / f"{name}.yaml"
        _, scenario = read_uploaded(path.read_bytes(), path.name)
        assert scenario == load_scenario(name)
    with pytest.raises(ValueError) as e:
        read_uploaded(b"extends: demo.yaml\nyears: 300\n", "mine.yaml")
    assert str(e.value) == "mine.yaml:2: years: must be at most 100 (got 300)"


# --- your school ---------------------------------------------------------------------------------------


def test_every_answer_sets_what_the_table_says():
    for q in QUESTIONS:
        for answer, sets in q.sets.items():
            scenario, rows = diagnose({q.key: answer})
            mine = [r for r in rows if r.question == q.text]
            assert mine and all(r.answer == q.answers[answer] for r in mine)
            for path, value in sets.items():
                if path in ("shift", "teachers.middle_leaders"):
                    continue  # relative settings: checked below
                got = scenario.model_dump()
                for part in path.split("."):
                    got = got[part]
                want = value if not isinstance(value, dict) else value | {}
                assert got == pytest.approx(want) if not isinstance(want, dict) else got == want, (q.key, path)


def test_your_school_answers_move_the_settings_the_right_way():
    base, _ = diagnose({})
    assert base.school.teachers == 60 and base.events.head_exit_hazard == 0
    shared, _ = diagnose({"distributed": "widely", "roles_work": "lead", "time": "protected", "head": "shares"})
    assert shared.leadership.pattern.design > base.leadership.pattern.design
    assert shared.leadership.pattern.solo < base.leadership.pattern.solo
    assert shared.leadership.time_for_collaboration > base.leadership.time_for_collaboration
    assert shared.head.distribution > base.head.distribution
    far, _ = diagnose({"distance": "far"})
    assert base.school.sites == 1 and far.school.sites > 1 and far.school.site_distance > 0
    small, _ = diagnose({"size": "small", "roles": "many"})
    assert small.school.teachers == 15 and small.teachers.middle_leaders == 3
    silos, _ = diagnose({"structure": "silos", "culture": "much", "hierarchy": "yes"})
    assert silos.school.egg_crate > base.school.egg_crate and silos.teachers.cynicism > base.teachers.cynicism
    assert base.school.hierarchy == 0 and silos.school.hierarchy > 0
    assert set(TYPICAL) == {q.key for q in QUESTIONS}


def test_diagnosing_changes_nothing_for_the_next_school():
    first, _ = diagnose({"roles_work": "lead"})
    for _ in range(3):
        again, _ = diagnose({"roles_work": "lead"})
        assert again == first


def test_unknown_questions_and_answers_are_named():
    with pytest.raises(ValueError, match="colour: not a question"):
        diagnose({"colour": "blue"})
    with pytest.raises(ValueError, match="size: 'huge' is not an answer; expected one of small"):
        diagnose({"size": "huge"})


# --- the figures ----------------------------------------------------------------------------------------


def _played(compare: bool = True, weeks: int = 50) -> Classroom:
    room = Classroom(settings=_demo_pair(solo=0.2, design=0.8), seed=2, compare=compare)
    room.forward(20)
    room.head_leaves_now()
    room.forward(10)
    room.crisis_now("behaviour", 0.5, sides=(0,))
    room.forward(weeks - 30)
    return room


def test_every_figure_is_a_valid_plotly_figure():
    room = _played()
    for presenting in (False, True):
        figs = figures(room, presenting=presenting)
        assert set(figs) == (
            {"network-left", "network-right", "attainment", "distribution_index"}
            if presenting
            else {"network-left", "network-right", "routines", *TIME_CHARTS}
        )
        for fig in figs.values():
            go.Figure(fig)  # raises on anything plotly does not know
            json.dumps(fig, allow_nan=False)


def test_the_schools_have_their_own_colours_and_names_and_every_event_is_marked():
    room = _played()
    figs = figures(room)
    for key, (_, series, _) in TIME_CHARTS.items():
        data = [d for d in figs[key]["data"] if d.get("x")]
        assert len(data) == 2 * len(series)
        assert {d["line"]["color"] for d in data} == set(SCHOOL_COLOURS)
        assert {d["line"]["dash"] for d in data if d["line"]["color"] == SCHOOL_COLOURS[0]} <= {"solid", "dot"}
        assert all(len(d["x"]) == 51 for d in data)
        notes = [a["text"] for a in figs[key]["layout"]["annotations"]]
        assert [round(s["x0"] * 39) for s in figs[key]["layout"]["shapes"]] == [21, 31]
        assert notes == ["the head leaves", "behaviour crisis 0.5 (left)"]
        layout = figs[key]["layout"]
        if layout["showlegend"]:  # below the plot: it never covers the title
            assert layout["legend"]["yanchor"] == "top" and layout["legend"]["y"] < 0
    names = [d["name"] for d in figs["attainment"]["data"] if d.get("x")]
    # named by what differs (both start as the same scenario), not by file names
    assert names == ["mostly the head alone", "mostly teams by design"]
    single = figures(Classroom(settings=default_settings()))["attainment"]
    assert [d["name"] for d in single["data"] if d.get("x")] == ["solo head"]
    months = figs["attainment"]["layout"]["yaxis2"]
    assert months["title"]["text"] == "months' progress" and "0" in months["ticktext"]


def test_after_going_back_the_earlier_run_is_drawn_faintly():
    room = _played()
    room.seek(25)
    room.switch_pattern_now("solo")
    fig = figures(room)["attainment"]
    faint = [d for d in fig["data"] if d.get("name", "").startswith("before going back")]
    assert len(faint) == 2 and len(faint[0]["x"]) == 51


def test_the_network_shows_head_teachers_roles_capacity_and_influence():
    room = _played(compare=False, weeks=40)
    fig = figures(room)["network-left"]
    teachers = next(d for d in fig["data"] if d["name"] == "teachers")
    head = next(d for d in fig["data"] if d["name"] == "head")
    staff = room.schools[0].staff
    assert len(teachers["x"]) == staff.n
    assert teachers["marker"]["color"] == pytest.approx(np.round(staff.capacity, 3).tolist())
    assert set(teachers["marker"]["symbol"]) <= {"circle", "square", "diamond"}
    assert head["marker"]["symbol"] == "star"
    snap = room.frame().snaps[0]
    assert teachers["marker"]["size"] == pytest.approx(np.round(node_sizes(snap.influence[1:]), 2).tolist())
    ties = [d for d in fig["data"] if d["name"].startswith("ties")]
    drawn = sum(sum(v is None for v in d["x"]) for d in ties)
    assert drawn == int(np.triu(staff.ties > snap.threshold, 1).sum())


def test_the_layout_is_stable_between_recomputations():
    room = Classroom(settings=_demo_pair(), seed=5, compare=False)
    first = room.frame().positions[0]
    room.forward(20)
    assert np.array_equal(room.frame().positions[0], first)  # recomputed once a school year only
    room.forward(20)
    moved = np.abs(room.frame().positions[0] - first).max()
    assert 0 < moved < 1.0
    assert np.array_equal(Classroom(settings=_demo_pair(), seed=5).frame().positions[0], first)  # seeded


def test_live_state_packs_every_figure_and_says_what_is_pending():
    room = _played(weeks=34)  # a term after the first departure (week 21): one a term at most
    room.head_leaves_now()
    state = live_state(room)
    packed = json.loads(state["figures"])
    assert set(packed) == {"network-left", "network-right", "routines", *TIME_CHARTS}
    assert all(isinstance(v["v"], int) and "data" in v["f"] for v in packed.values())
    assert state["week_text"].startswith("week 34 ")
    assert state["alert"] == "from next week: the head leaves"
    assert state["cursor"] == state["newest"] == 34
    assert json.loads(pack_figures({"a": to_json(time_chart("trust", room.series()))}))["a"]["f"]["data"]


def test_rows_and_csv():
    single = Classroom(settings=default_settings(), seed=0)
    assert [r["ids"] for r in view_rows(single)][0] == ["network-left", "attainment"]
    assert view_rows(single, presenting=True) == [
        {"ids": ["network-left", "attainment", "distribution_index"], "min": 300}
    ]
    room = Classroom(settings=_demo_pair(), compare=True)
    room.forward(5)
    lines = data_csv(room).splitlines()
    assert lines[0].startswith("school,week,year,attainment")
    assert lines[0].endswith(",routine:behaviour_routines,routine:student_council")
    assert len(lines) == 1 + 2 * 6
    last = lines[-1].split(",")
    assert [float(x) for x in last[-len(ROUTINE_KEYS) :]] == pytest.approx(room.schools[1].routines, abs=1e-5)


def test_presets_and_explanation():
    for _, weights in PRESETS.values():
        assert sum(weights.values()) == pytest.approx(1.0)
    html = explanation_html()
    assert "<b>What you are seeing.</b>" in html and "**" not in html
    for jargon in ("distribution index", "SD above the start", "Play Interval", "stance"):
        assert jargon not in html


def test_the_year_end_saw_tooth_is_explained_where_a_trainer_looks():
    """Results and capacity drop at every year end (a cohort leaves, novices arrive): a room sees a
    saw-tooth. The page says why, in the explanation and the charts' tips, and marks the year ends."""
    html = explanation_html()
    assert "saw-tooth" in html and "every year end" in html and "same time of year" in html
    for key in ("attainment", "leadership_capacity"):
        assert "every year end" in CHART_TIPS[key]
        axis = time_chart(key, _played().series(), years=4.0)["layout"]["xaxis"]
        assert axis["minor"]["dtick"] == 1 and axis["minor"]["showgrid"]


def _diagnose_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leadsim.cli", "diagnose", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_leadsim_diagnose_writes_a_scenario_that_runs(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("time: protected\nhead: shares\nsize: small\n")
    out = _diagnose_cli(str(answers), "--out", str(tmp_path / "mine.yaml"))
    assert out.returncode == 0, out.stderr
    assert "leadership.time_for_collaboration = 0.3" in out.stderr
    scenario = load_scenario(tmp_path / "mine.yaml")
    assert scenario.school.teachers == 15 and scenario.head.distribution == 0.8
    assert scenario == diagnose({"time": "protected", "head": "shares", "size": "small"}, name="answers")[0]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("time: lots\n", "time: 'lots' is not an answer; expected one of hardly, some, protected"),
        ("colour: blue\n", "colour: not a question"),
        ("time: [1, 2]\n", "time: expected an answer word"),
        ("time: [unclosed\n", "answers.yaml:2:1: invalid YAML"),
    ],
)
def test_leadsim_diagnose_refuses_bad_answers_with_one_line(tmp_path, text, problem):
    answers = tmp_path / "answers.yaml"
    answers.write_text(text)
    out = _diagnose_cli(str(answers), "--out", str(tmp_path / "mine.yaml"))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("leadsim: error:") and problem in out.stderr
    assert not (tmp_path / "mine.yaml").exists()


def test_the_status_says_when_a_threatened_head_has_pulled_in_more_than_they_can_lead():
    # a distrustful school in a crisis: control goes to the centre beyond the head's time (ODD 7.2)
    distrustful = dataclasses.replace(SchoolSettings.from_scenario("demo"), trust=0.2, default=0.6, solo=0.4)
    room = Classroom(settings=(distrustful, distrustful), seed=2, compare=True)
    room.forward(10)
    assert not any("pulled in" in line for line in room.status())
    room.crisis_now("behaviour", 1.0, sides=(0,))
    said = []
    for _ in range(8):
        room.forward(1)
        said.append(room.status())
    assert any("pulled in" in lines[0] for lines in said)
    assert not any("pulled in" in lines[1] for lines in said)  # the other school had no crisis


def test_the_status_claims_an_overloaded_head_only_while_they_hold_more_than_they_have_time_for():
    """The line said "pulled in 6 pieces of work for time to lead 6" (and "5 for 6") in a crisis: work
    once taken in beyond the head's time, now within it, which thins nothing (sim.work.attention)."""
    for name in ("charismatic-solo", "crisis", "reference"):
        room = Classroom(settings=(SchoolSettings.from_scenario(name),) * 2, seed=0)
        room.crisis_now("behaviour", 0.6)
        for _ in range(20):
            room.forward(1)
            school = room.schools[0]
            line = room.status()[0]
            if "pulled in" in line:
                held, room_for = re.search(r"pulled in (\d+) pieces of work for time to lead ([\d.]+)", line).groups()
                assert int(held) > float(room_for), line
            assert ("pulled in" in line) == (school.beyond_room > 0 and school.head_items > head_slots(school))


@pytest.mark.parametrize("compare", [False, True])
def test_at_week_0_the_results_have_not_changed(compare):
    """Before anything has run the page said "attainment +0.01 SD": the model's attainment at week 0
    is the value added older cohorts already had, and the page showed it as the change since the start."""
    room = Classroom(compare=compare)
    assert all(school.current["attainment"] != 0 for school in room.schools)  # the model's level is not 0
    for line in room.status():
        assert "attainment +0.00 SD (+0 months' progress)" in line, line
    chart = figures(room)["attainment"]
    assert [d["y"][0] for d in chart["data"] if d.get("x")] == [0.0] * len(room.schools)
    room.forward(39)
    later = figures(room)["attainment"]
    level = room.series()[0].columns["attainment"]
    y = next(d["y"] for d in later["data"] if d.get("x"))
    assert y[-1] == pytest.approx(level[-1] - level[0], abs=1e-3)  # the change since the start, not the level
    assert data_csv(room).splitlines()[1].split(",")[3] == f"{level[0]:.5f}"  # the data file keeps the model's term


@pytest.mark.parametrize("severity", ["high", None, float("nan"), [0.5], True, 1.5, "0.5"])
def test_a_hand_made_crisis_with_a_severity_that_is_no_number_is_refused_and_play_goes_on(severity):
    """Anyone can write to the page's websocket. A crisis whose severity was null (what JSON makes of
    NaN) or a list ended in a traceback in the server's log, the clock paused and the page still showing
    "pause"; "high" got "could not convert string to float: 'high'"."""
    session = Session("compare=1")
    try:
        session.play()
        session.act({"kind": "crisis", "arg": "behaviour", "side": "both", "severity": severity})
        message = session.widget.message
        assert message.startswith("crisis severity: expected a number above 0 and at most 1 (got "), message
        assert "\n" not in message
        assert session.clock.playing and session.widget.playing  # nothing stopped
        assert session.room.log == []
        session.pause()
        session.act({"kind": "crisis", "arg": "behaviour", "side": "both", "severity": 0.9})  # the session works
        assert session.widget.message == "" and [iv.severity for iv in session.room.log] == [0.9]
    finally:
        session.close()


@pytest.mark.parametrize(
    ("handler", "value", "words"),
    [
        ("vue_act", "crisis", 'an intervention: expected an object {kind, arg, side, severity} (got "crisis")'),
        ("vue_step_weeks", "x", 'weeks: expected a whole number from 0 to 468 (got "x")'),
        ("vue_step_weeks", 1.5, "weeks: expected a whole number from 0 to 468 (got 1.5)"),
        ("vue_seek_to", None, "week: expected a whole number from 0 to 468 (got null)"),
        ("vue_go_year", 1e308, "year: expected a whole number from 0 to 12 (got 1e+308)"),
    ],
)
def test_other_hand_made_messages_are_refused_in_one_line(handler, value, words):
    session = Session("")
    try:
        getattr(session.widget, handler)(value)
        assert session.widget.message == words
        assert session.room.cursor == 0 and session.room.log == []
        session.widget.vue_step_weeks(2)
        assert session.room.cursor == 2
    finally:
        session.close()
