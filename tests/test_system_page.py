"""The trainers' page in system mode, without a browser: what a trainer sees and can do.

The live events' equivalence with scheduled events is tested in ``tests/test_system_live.py``; the
system view in a real browser in ``tests/test_app_browser.py``.
"""

from __future__ import annotations

import time

import plotly.graph_objects as go
import pytest
from leadsim.app.classroom import Clock
from leadsim.app.main import new_session
from leadsim.app.page import Session
from leadsim.app.systempage import SystemSession, system_figures
from leadsim.app.systemroom import SystemRoom, system_names
from leadsim.app.views import TIE_STYLES


def _session(query: str = "system=federation") -> SystemSession:
    s = new_session(query)
    assert isinstance(s, SystemSession)
    return s


def _heads(s: SystemSession) -> dict[str, int]:
    """Each school's head departures so far."""
    return {sc.name: len(sc.school_model.departures) for sc in s.room.model.schools}


def _figure(s: SystemSession, chart: str) -> dict:
    return system_figures(s.room)[chart]


def test_a_trainer_who_makes_the_head_of_hill_leave_sees_hills_head_change_and_the_others_not():
    s = _session("system=federation&school=hill")
    s.step(3)
    assert "1st head" in s.widget.status[1]
    s.act({"kind": "leave", "arg": "distributive"})
    assert "the head of hill leaves" in s.widget.alert  # said before it happens
    s.step(1)
    assert _heads(s) == {"hill": 1, "dale": 0, "vale": 0, "moor": 0}
    assert s.widget.status[1].startswith("hill — 2nd head, in post 0.0 y")
    marks = _figure(s, "attainment")["layout"]["shapes"]
    assert len(marks) == 1  # the departure, marked on hill's charts at the week it took effect
    s.select("dale")
    assert "1st head" in s.widget.status[1]
    assert _figure(s, "attainment")["layout"]["shapes"] == []  # and not on dale's


def test_a_crisis_in_one_school_shows_in_that_school_only():
    s = _session("system=federation&school=vale")
    s.act({"kind": "crisis", "arg": "results", "severity": 0.9})
    s.step(1)
    assert "results crisis" in s.widget.status[1]
    crises = {sc.name: len(sc.school_model.crises) for sc in s.room.model.schools}
    assert crises == {"hill": 0, "dale": 0, "vale": 1, "moor": 0}


def test_a_second_click_on_the_head_leaves_does_not_remove_the_successor_too():
    """Twice "the head of hill leaves now" in one week: one departure, not the successor's as well (it
    was a 3rd head at week 1), and the second click says why; a term later the head may leave again."""
    s = _session("system=federation&school=hill")
    s.act({"kind": "leave"})
    s.act({"kind": "leave"})
    assert "the head of hill already leaves next week: at most one departure a term" in s.widget.message
    assert s.widget.alert == "from next week: the head of hill leaves"
    s.act({"kind": "crisis", "arg": "results"})
    assert s.widget.message == ""
    s.act({"kind": "crisis", "arg": "behaviour"})
    assert "a crisis already starts in hill next week" in s.widget.message
    s.step(1)
    assert _heads(s)["hill"] == 1 and s.widget.status[1].startswith("hill — 2nd head")
    s.step(11)
    s.act({"kind": "leave"})
    assert "from week 13 on" in s.widget.message
    s.step(1)
    s.act({"kind": "leave"})
    s.step(1)
    assert _heads(s)["hill"] == 2 and s.widget.message == ""


def test_an_executive_head_takes_on_a_school_and_the_system_view_draws_the_new_tie():
    s = _session("system=federation&school=hill")
    assert s.widget.homes == ["dale"]  # only dale's head is an executive head

    def executive_ties() -> set[tuple[int, int]]:
        trace = next(t for t in _figure(s, "system")["data"] if t["name"] == TIE_STYLES["executive"][0])
        assert trace["x"].count(None) == len([k for *_, k in s.room.snapshot().ties if k == "executive"])
        return {(a, b) for a, b, k in s.room.snapshot().ties if k == "executive"}

    hill, dale = s.room.names.index("hill"), s.room.names.index("dale")
    assert (hill, dale) not in executive_ties()
    s.act({"kind": "takeover", "arg": "dale"})
    s.step(1)
    # the executive headship's schools are tied to each other (its teachers cross between them)
    assert (hill, dale) in executive_ties()
    assert "executive head: dale's" in s.widget.status[1]
    assert s.room.model.executive_of[s.room.names.index("hill")] == s.room.names.index("dale")


def test_an_impossible_event_is_refused_with_one_line_and_changes_nothing():
    s = _session("system=federation&school=moor")  # moor already has dale's executive head
    s.act({"kind": "takeover", "arg": "dale"})
    assert s.widget.message == "'moor' already has an executive head or is one's home"
    assert s.room.pending() == [] and s.widget.alert == ""
    s.act({"kind": "crisis", "arg": "flood"})
    assert "kind" in s.widget.message and "\n" not in s.widget.message


def test_clicking_a_school_shows_its_own_panels_and_puts_it_in_the_address():
    s = _session()
    s.step(2)
    s.select("vale")
    figs = system_figures(s.room)
    assert "vale" in figs["network-left"]["layout"]["title"]["text"]
    assert all("vale" in figs[k]["layout"]["title"]["text"] for k in ("attainment", "routines", "trust"))
    nodes = figs["system"]["data"][-1]
    assert nodes["customdata"] == ["hill", "dale", "vale", "moor"]  # what a click sends back
    widths = nodes["marker"]["line"]["width"]
    assert widths[2] > max(widths[:2] + widths[3:])  # the school on show is ringed
    assert "school=vale" in s.widget.address and s.widget.selected == "vale"
    s.select("york")
    assert s.widget.message == "no school 'york' in this system" and s.widget.selected == "vale"


def test_schools_are_sized_by_pupils_and_coloured_by_results_or_capacity():
    s = _session()
    s.step(5)
    nodes = _figure(s, "system")["data"][-1]
    students = [sc.school_model.pupils.n for sc in s.room.model.schools]
    sizes = nodes["marker"]["size"]
    assert sorted(range(4), key=lambda i: sizes[i]) == sorted(range(4), key=lambda i: students[i])
    assert nodes["marker"]["colorbar"]["title"]["text"].startswith("pupils' results")
    s.widget.colour_by = "capacity"  # what the toggle sends
    nodes = _figure(s, "system")["data"][-1]
    assert nodes["marker"]["colorbar"]["title"]["text"].startswith("staff able to lead")
    capacity = [float(sc.school_model.staff.capacity.mean()) for sc in s.room.model.schools]
    assert nodes["marker"]["color"] == pytest.approx(capacity, abs=1e-4)


def test_ties_are_drawn_by_kind():
    figs = system_figures(SystemRoom("federation"))
    shown = {t["name"]: t for t in figs["system"]["data"] if t.get("showlegend")}
    assert set(shown) == {words for words, *_ in TIE_STYLES.values()}
    assert len({(t["line"]["color"], t["line"]["dash"]) for t in shown.values()}) == 4
    untied = system_figures(SystemRoom("executive-head"))["system"]["data"]
    assert not any(t.get("showlegend") for t in untied)


@pytest.mark.parametrize("name", [n for n in system_names() if n != "local-authority"])
def test_every_bundled_system_opens_and_every_figure_is_valid_plotly(name):
    room = SystemRoom(name)
    room.forward(3)
    for fig in system_figures(room).values():
        go.Figure(fig)


def test_the_system_view_goes_forward_only_and_says_so():
    s = _session()
    s.step(4)
    s.seek(1)
    assert s.room.week == 4
    assert s.widget.message.startswith("the system view runs forward only")


def test_a_bad_system_link_says_why_and_opens_the_default():
    s = _session("system=atlantis&seed=x")
    assert "system='atlantis'" in s.widget.message and "seed='x'" in s.widget.message
    assert s.room.name == "federation" and s.room.seed == 0


def test_the_clock_plays_the_system():
    room = SystemRoom("executive-head")
    weeks: list[int] = []
    clock = Clock(room, lambda: weeks.append(room.week), seconds_per_year=0.5)
    clock.play()
    time.sleep(1.0)
    clock.pause()
    assert room.week >= 5 and weeks == sorted(weeks)


def test_the_single_school_page_is_still_the_default():
    s = new_session("")
    assert type(s) is Session and not isinstance(s, SystemSession)
    s.close()


@pytest.mark.parametrize("name", ["federation", "partnerships"])
def test_at_week_0_the_school_on_show_has_made_no_progress(name):
    """The school's line said "results -0.16 SD (-2 months' progress)" before anything had run."""
    s = _session(f"system={name}")
    assert s.room.model.schools[0].attainment != 0  # the model's level at the start
    assert "results since the start +0.00 SD (+0 months' progress)" in s.widget.status[1], s.widget.status
    y = next(d["y"] for d in _figure(s, "attainment")["data"] if d.get("x"))
    assert y == [0.0]


@pytest.mark.parametrize("severity", ["high", None, float("nan"), 0])
def test_a_hand_made_crisis_with_a_severity_that_is_no_number_is_refused_in_the_system_view(severity):
    """ "high" and null (JSON's NaN) ended in a traceback in the server's log; the session goes on."""
    s = _session("system=federation&school=hill")
    try:
        s.act({"kind": "crisis", "arg": "results", "severity": severity})
        assert s.widget.message.startswith("crisis severity: expected a number above 0 and at most 1 (got ")
        assert s.room.log == []
        s.act({"kind": "crisis", "arg": "results", "severity": 0.9})
        assert s.widget.message == "" and [e.severity for e in s.room.log] == [0.9]
    finally:
        s.close()
