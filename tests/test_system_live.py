"""Live events in a system of schools (what the trainers' page calls between weeks).

A live event asked for at week ``w`` (the week on screen) acts in the step to week ``w + 1``, the first
week that can still change, and must do exactly what the same event scheduled for week ``w + 1``
does: the same seed gives the same time series, to the last bit. Impossible requests are refused in one line.
"""

from __future__ import annotations

import pandas as pd
import pytest
from leadsim.sim.system import SystemModel
from leadsim.sim.system_config import SystemScenario

WEEK = 20
QUIET = {"head_exit_hazard": 0.0, "crisis_hazard": 0.0}
SCHOOLS = [{"name": n, "teachers": 10, "students": 60} for n in ("hill", "dale", "vale", "moor")]
BASE = {
    "years": 1,
    "schools": SCHOOLS,
    "federations": [{"name": "fed", "schools": ["hill", "dale"]}],
    "executive_heads": [{"name": "dale-exec", "home": "dale", "schools": ["vale"]}],
    "networks": [{"name": "valley", "schools": ["hill", "dale", "vale", "moor"]}],
    "support": [{"supporter": "hill", "supported": "moor"}],
    "events": QUIET,
}


def _system(**events: list) -> SystemModel:
    return SystemModel(SystemScenario.model_validate({**BASE, "events": {**QUIET, **events}}), rng=7)


def _scheduled(where: str, event: dict) -> pd.DataFrame:
    m = _system(**{where: [{**event, "week": WEEK + 1}]})
    m.run()
    return m.timeseries()


def _live(act) -> pd.DataFrame:
    m = _system()
    m.run(WEEK)
    act(m)
    m.run()
    return m.timeseries()


CASES = {
    "head leaves": ("head_departures", {"school": "hill"}, lambda m: m.head_leaves_now("hill")),
    "head leaves, named successor": (
        "head_departures",
        {"school": "vale", "successor": {"style": "distributive", "origin": "internal"}},
        lambda m: m.head_leaves_now("vale", {"style": "distributive", "origin": "internal"}),
    ),
    "crisis": (
        "crises",
        {"school": "moor", "kind": "results", "severity": 0.8, "duration_weeks": 6},
        lambda m: m.crisis_now("moor", "results", 0.8, 6),
    ),
    "executive takes on": (
        "takeovers",
        {"school": "moor", "executive_head": "dale-exec"},
        lambda m: m.executive_takes_on("dale", "moor"),
    ),
    "school leaves a network": (
        "network_changes",
        {"school": "moor", "network": "valley", "action": "leave"},
        lambda m: m.network_change_now("moor", "valley", "leave"),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_live_event_is_the_same_event_scheduled_for_that_week(case: str) -> None:
    where, event, act = CASES[case]
    live, scheduled = _live(act), _scheduled(where, event)
    pd.testing.assert_frame_equal(live, scheduled, check_exact=True)
    # and it did something: without it the run differs
    quiet = _system()
    quiet.run()
    assert not quiet.timeseries().equals(live)


def test_a_live_event_acts_in_its_school_only() -> None:
    m = _system()
    m.run(WEEK)
    m.head_leaves_now("hill")
    m.run(1)
    left = {s.name: len(s.school_model.departures) for s in m.schools}
    assert left == {"hill": 1, "dale": 0, "vale": 0, "moor": 0}


BAD = {
    "unknown school": (lambda m: m.head_leaves_now("york"), "no school 'york'"),
    "unknown crisis kind": (lambda m: m.crisis_now("hill", "flood"), "kind: Input should be"),
    "severity out of range": (lambda m: m.crisis_now("hill", "behaviour", 1.5), "severity: "),
    "bad successor": (lambda m: m.head_leaves_now("hill", {"style": "saintly"}), "successor.style"),
    "no executive head at home": (lambda m: m.executive_takes_on("hill", "moor"), "'hill' has no executive head"),
    "already led": (lambda m: m.executive_takes_on("dale", "vale"), "already has an executive head"),
    "its own home": (lambda m: m.executive_takes_on("dale", "dale"), "already has an executive head"),
    "unknown network": (lambda m: m.network_change_now("moor", "ocean", "join"), "no learning network 'ocean'"),
    "join twice": (lambda m: m.network_change_now("moor", "valley", "join"), "already in network"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_an_impossible_request_is_refused_in_one_line_and_changes_nothing(case: str) -> None:
    act, message = BAD[case]
    m = _system()
    m.run(2)
    with pytest.raises(ValueError, match=message) as err:
        act(m)
    assert "\n" not in str(err.value)
    assert m._events == {}  # nothing queued
    m.run()
    quiet = _system()
    quiet.run()
    pd.testing.assert_frame_equal(m.timeseries(), quiet.timeseries(), check_exact=True)


def test_a_takeover_that_would_close_a_cycle_is_refused() -> None:
    # moor's executive head would be dale's, while hill supports moor: fine; but dale taking on hill,
    # when hill is in a chain that leads back to dale, must be refused.
    data = {**BASE, "support": [{"supporter": "hill", "supported": "dale"}]}
    m = SystemModel(SystemScenario.model_validate(data), rng=7)
    with pytest.raises(ValueError, match="would close a cycle"):
        m.executive_takes_on("dale", "hill")


def test_nothing_is_accepted_after_the_end() -> None:
    m = _system()
    m.run()
    with pytest.raises(ValueError, match="the run has ended"):
        m.crisis_now("hill")
