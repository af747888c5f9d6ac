"""The model's mechanisms, stated as claims, and its invariants."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from leadsim.sim import Scenario, SchoolModel, heads
from leadsim.sim import work as W
from leadsim.sim.metrics import COLUMNS, centralisation, density_and_clustering, gini, succession_measures
from leadsim.sim.vocabulary import MIXES

ROOT = Path(__file__).resolve().parent.parent
SMALL = {
    "school": {"teachers": 20, "students": 200, "parents": 200, "departments": 4},
    "teachers": {"senior_team": 2, "middle_leaders": 4},
    "events": {"head_exit_hazard": 0.0, "crisis_hazard": 0.0},
}
DESIGN = {"head": {"distribution": 0.8, "authenticity": 0.9}, "leadership": {"pattern": MIXES["design"]}}


def scenario(**over: dict) -> Scenario:
    def merge(a: dict, b: dict) -> dict:
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    spec = dict(SMALL)
    for part in over.values():
        spec = merge(spec, part)
    return Scenario.model_validate(spec)


# --- charisma and succession ------------------------------------------------------------------


def _successor_at(week: int) -> SchoolModel:
    """A calm school whose head leaves at ``week`` (a first-time successor arrives the same week)."""
    calm = {"events": {"head_exit_hazard": 0.0, "crisis_hazard": 0.0}}
    m = SchoolModel(scenario(c=calm), rng=9)
    m.run(week - 1)
    m.head_leaves_now({"experienced": False, "origin": "external"})
    m.step()
    assert m.head is not None and m.head.arrived == week
    return m


def test_a_successor_who_arrives_at_a_year_end_has_a_whole_first_year():
    w = 39
    m = _successor_at(2 * w)  # the year-end week, as the succession study's departures
    # the year end of their arrival week counts none of it as served
    assert m.head.tenure == 0.0
    assert m.head.capacity == pytest.approx(heads.NOVICE_CAPACITY)
    unsettled_effort = m.effort.copy()
    m.run(w - 1)  # the last week of their first year
    assert m.week - m.head.arrived == w - 1
    m.step()  # a year in post: the uncertainty of a new head's first year is over
    assert m.head.tenure == pytest.approx(1.0)
    gap = heads.EXPERIENCED_CAPACITY - heads.NOVICE_CAPACITY
    assert m.head.capacity == pytest.approx(heads.NOVICE_CAPACITY + m.scenario.head.learning * gap)
    assert unsettled_effort.mean() < m.effort.mean()


def test_a_head_who_arrives_mid_year_has_served_part_of_it_at_the_year_end():
    m = _successor_at(2 * 39 + 13)
    m.run(3 * 39 - m.week)
    assert m.head.tenure == pytest.approx(26 / 39)
    m.run(10)
    assert m.head.years_in_post(m.week, 39) == pytest.approx(36 / 39)
    m.head_leaves_now({})
    m.step()
    assert m.departures[-1]["tenure"] == pytest.approx(37 / 39)  # logged with the weeks in post


def test_a_charismatic_heads_lift_vanishes_the_week_they_leave():
    m = SchoolModel(scenario(h={"head": {"charisma": 0.8}}), rng=3)
    m.run(20)
    assert m.charisma_lift == pytest.approx(m.scenario.practice.charisma_effect * 0.8)
    effort = m.effort.mean()
    m.head_leaves_now({"interim_weeks": 5})
    m.step()
    assert m.head is None
    assert m.charisma_lift == 0.0
    # the week's effort falls by at least the whole lift (cynicism at dropped initiatives adds to it)
    assert effort - m.effort.mean() >= 0.95 * m.scenario.practice.charisma_effect * 0.8
    assert m.timeseries()["head_charisma"].iloc[-1] == 0.0
    assert m.departures[-1]["reason"] == "requested"


def test_a_successor_arrives_after_the_interim_with_their_style():
    m = SchoolModel(scenario(), rng=1)
    m.run(5)
    m.head_leaves_now({"interim_weeks": 3, "style": "charismatic", "origin": "external"})
    for _ in range(3):
        m.step()
        assert m.head is None
    m.step()
    assert m.head is not None and m.head.charisma == pytest.approx(0.8)


def test_an_internal_successor_leaves_a_teaching_post_filled_by_a_novice():
    m = SchoolModel(scenario(), rng=2)
    m.run(5)
    n_agents = len(m.agents)
    m.head_leaves_now({"origin": "internal"})
    m.step()
    assert m.head.internal
    assert len(m.agents) == n_agents  # head replaced, teacher slot refilled
    assert (m.staff.tenure == 0).sum() >= 1


def test_a_promoted_deputy_starts_no_abler_than_an_experienced_head():
    # A deputy's capacity to lead colleagues saturates near 1 in a distributing school; as head they
    # are a first-time head whose preparation closes the gap to an experienced head, not more.
    from leadsim.sim.heads import EXPERIENCED_CAPACITY, NOVICE_CAPACITY, deputy

    m = SchoolModel(scenario(d=DESIGN), rng=2)
    m.run(200)
    prepared = float(m.staff.capacity[deputy(m)])
    m.head_leaves_now({"origin": "internal", "experienced": False})
    m.step()
    assert NOVICE_CAPACITY < m.head.capacity <= EXPERIENCED_CAPACITY
    expected = NOVICE_CAPACITY + (EXPERIENCED_CAPACITY - NOVICE_CAPACITY) * prepared
    assert m.head.capacity == pytest.approx(expected, abs=0.02)


def test_an_abandoning_successor_makes_the_people_on_running_work_more_cynical():
    m = SchoolModel(scenario(d=DESIGN), rng=4)
    m.run(30)
    members = np.unique(np.concatenate([i.members for i in m.items if i.members.size]))
    before = m.staff.cynicism[members].copy()
    m.head_leaves_now({"keeps_running_work": False})
    m.step()
    assert not any(i.start < m.week for i in m.items)  # nothing older than this week survives
    assert (m.staff.cynicism[members] > before).mean() > 0.9


# --- the patterns decide who leads -----------------------------------------------------------------


def test_the_head_alone_is_a_bottleneck():
    m = SchoolModel(scenario(w={"work": {"rate": 5.0}}), rng=5)
    cap = m.scenario.head.bandwidth * m.scenario.work.duration_weeks
    for _ in range(60):
        m.step()
        assert m.head_items <= cap
        assert sum(i.mode == W.SOLO for i in m.items) == m.head_items


def test_solo_leadership_is_concentrated_and_design_is_distributed():
    solo = SchoolModel(scenario(), rng=6)
    design = SchoolModel(scenario(d=DESIGN), rng=6)
    solo.run(78)
    design.run(78)
    s, d = solo.timeseries().iloc[-39:], design.timeseries().iloc[-39:]
    assert d["distribution_index"].mean() > s["distribution_index"].mean() + 0.3
    assert d["influence_centralisation"].mean() < s["influence_centralisation"].mean()
    assert d["leadership_density"].mean() > s["leadership_density"].mean()


def test_a_crisis_in_a_trusting_school_widens_participation_within_weeks():
    m = SchoolModel(scenario(t={"teachers": {"trust_colleagues": 0.8, "cynicism": 0.1}}), rng=7)
    m.run(39)
    before = m.timeseries()["distribution_index"].iloc[-13:].mean()
    m.crisis_now("behaviour", severity=0.8, duration_weeks=8)
    m.run(4)
    ts = m.timeseries()
    assert ts["crisis"].iloc[-1] == 1
    assert ts["distribution_index"].iloc[-1] > before + 0.2


def test_switching_the_pattern_now_changes_who_takes_up_new_work():
    m = SchoolModel(scenario(), rng=8)
    m.run(5)
    m.switch_pattern_now(design=1.0)
    m.step()
    # design runs as far as the staff are ready for it (phases, Day et al. 2009); the head leads the rest
    assert m.weights[W.DESIGN] == pytest.approx(m.readiness)
    assert m.weights[W.SOLO] == pytest.approx(1.0 - m.readiness)
    assert m.readiness > 0.5
    m.run(10)
    assert any(i.mode == W.DESIGN for i in m.items)


def test_a_head_under_pressure_reverts_toward_control():
    calm = {"events": {"crises": [{"week": 10, "kind": "results", "severity": 1.0}]}}
    m = SchoolModel(scenario(d=DESIGN, h={"head": {"control_reversion": 1.0}}, c=calm), rng=9)
    m.run(11)
    # the crisis pulls work to all-hands collaboration, and the head takes much of it back
    assert m.weights[W.SOLO] > 0.5


# --- how work goes and what follows ------------------------------------------------------------------


def _item(m: SchoolModel, members: list[int], difficulty: float, mode: int = W.DESIGN, support: float = 0.5):
    return W._begin(m, mode, 1, difficulty, members[0], np.array(members), support=support, discipline=0.9, time=0.1)


def test_successful_work_changes_practice_and_builds_ties_and_trust():
    m = SchoolModel(scenario(h={"head": {"authenticity": 1.0}}), rng=10)
    members = [0, 1, 2, 3]
    practice = m.staff.practice[members].copy()
    ties = m.staff.ties[np.ix_(members, members)].copy()
    trust = m.staff.trust_colleagues[members].copy()
    item = _item(m, members, difficulty=-1.0)  # far below any competence: success all but certain
    m.items.remove(item)
    assert W.complete(m, item) == "success"
    assert (m.staff.practice[members] > practice).all()
    off = ~np.eye(4, dtype=bool)
    assert (m.staff.ties[np.ix_(members, members)][off] > ties[off]).all()
    assert (m.staff.trust_colleagues[members] > trust).all()


def test_failed_work_raises_cynicism():
    m = SchoolModel(scenario(h={"head": {"authenticity": 1.0}}), rng=11)
    members = [4, 5, 6]
    before = m.staff.cynicism[members].copy()
    item = _item(m, members, difficulty=2.0, support=0.0)
    m.items.remove(item)
    assert W.complete(m, item) == "failure"
    assert (m.staff.cynicism[members] > before).all()


def test_an_inauthentic_head_overrides_teams_and_loses_their_trust_and_efficacy():
    m = SchoolModel(scenario(h={"head": {"authenticity": 0.0}}), rng=12)
    members = [7, 8, 9]
    trust, cap = m.staff.trust_head[members].copy(), m.staff.capacity[members].copy()
    item = _item(m, members, difficulty=-1.0)
    m.items.remove(item)
    assert W.complete(m, item) == "overridden"
    assert (m.staff.trust_head[members] < trust).all()
    assert (m.staff.capacity[members] < cap).all()


def test_diverse_teams_cover_more_of_what_an_item_needs_than_like_minded_ones():
    req = W.REQUIREMENTS[0]
    alike = np.tile([0.8, 0.2, 0.2, 0.2, 0.2], (4, 1))
    diverse = np.array(
        [[0.8, 0.2, 0.2, 0.2, 0.2], [0.2, 0.8, 0.2, 0.2, 0.2], [0.2, 0.2, 0.8, 0.2, 0.2], [0.2, 0.2, 0.2, 0.8, 0.2]]
    )
    assert alike.sum() == diverse.sum()
    assert W.coverage(diverse, req) > W.coverage(alike, req)


def test_practice_spreads_along_ties_only_where_collaboration_is_disciplined():
    def spread(discipline: float) -> float:
        m = SchoolModel(scenario(), rng=13)
        m.staff.ties[:] = 0.5
        np.fill_diagonal(m.staff.ties, 0.0)
        m.staff.discipline[:] = discipline
        m.staff.tenure[:] = 10  # no experience growth
        m.staff.mentor[:] = -1  # no mentoring pairs
        m.staff.owned[:] = m.staff.practice  # all owned: nothing to erode or internalise
        m.weights = np.array([1.0, 0.0, 0.0, 0.0])
        before = m.staff.practice.copy()
        m._update_practice()
        return float(np.abs(m.staff.practice - before).sum())

    assert spread(0.0) == 0.0
    assert spread(1.0) > 0.01


def test_leadership_capacity_fades_without_use_and_grows_by_leading():
    m = SchoolModel(scenario(), rng=14)
    m.items.clear()
    m.staff.load[:] = 0
    lead = int(np.flatnonzero(m.staff.role == 0)[0])
    _item(m, [lead], difficulty=0.5)  # one teacher without a role leads an item alone
    cap = m.staff.capacity.copy()
    m._update_climate()
    assert m.staff.capacity[lead] > cap[lead]
    idle = np.setdiff1d(np.arange(m.staff.n), [lead])
    # teachers with no role and nothing to lead lose capacity; role holders lead every week
    idle = idle[(idle != __import__("leadsim.sim.heads", fromlist=["deputy"]).deputy(m)) & (m.staff.role[idle] == 0)]
    idle = idle[cap[idle] > 0]  # (a teacher with no capacity has none to lose)
    assert idle.size > 5
    assert (m.staff.capacity[idle] < cap[idle]).all()
    holders = np.flatnonzero(m.staff.role > 0)
    assert (m.staff.capacity[holders] > cap[holders]).all()


def test_the_egg_crate_slows_ties_across_departments():
    m = SchoolModel(scenario(s={"school": {"egg_crate": 0.9}}), rng=15)
    d = m.staff.department
    a = 0
    same = int(np.flatnonzero((d == d[a]) & (np.arange(m.staff.n) != a))[0])
    other = int(np.flatnonzero(d != d[a])[0])
    m.staff.ties[:] = 0.0
    W._strengthen_ties(m, np.array([a, same, other]), weeks=6, factor=1.0)
    assert m.staff.ties[a, same] > 5 * m.staff.ties[a, other] > 0


def test_freezing_teaching_holds_teaching_effectiveness():
    m = SchoolModel(scenario(d=DESIGN, f={"practice": {"freeze_teaching": True}}), rng=16)
    start = m.teaching.copy()
    m.run(60)
    assert np.array_equal(m.teaching, start)


# --- year end and populations ------------------------------------------------------------------------


def test_year_end_replaces_leavers_and_the_oldest_cohort_with_new_people():
    m = SchoolModel(scenario(), rng=17)
    old_students = {a.unique_id for a in m.student_agents}
    old_teachers = {a.unique_id for a in m.teacher_agents}
    m.run(39)
    new_students = {a.unique_id for a in m.student_agents}
    cohort_size = m.pupils.n // m.scenario.school.cohorts
    assert len(old_students - new_students) == pytest.approx(cohort_size, abs=1)
    assert (m.pupils.cohort == 0).sum() == len(new_students - old_students)
    left = len(old_teachers - {a.unique_id for a in m.teacher_agents})
    assert left == round(m.timeseries()["teacher_turnover"].iloc[-1] * m.staff.n)


def _people(m: SchoolModel) -> tuple:
    """Every agent as Mesa holds it (in order, per class too), and the model's lists of them."""
    every = [(type(a).__name__, a.unique_id, getattr(a, "slot", None), a.pos, vars(a).keys()) for a in m.agents]
    by_type = {k.__name__: [a.unique_id for a in v] for k, v in m.agents_by_type.items()}
    lists = [[a.unique_id for a in people] for people in (m.teacher_agents, m.student_agents, m.parent_agents)]
    return every, by_type, lists, m.agent_id_counter


def test_people_made_in_bulk_are_the_agents_mesas_own_calls_make(monkeypatch):
    from leadsim.sim import agents

    def run() -> tuple:
        m = SchoolModel(scenario(), rng=4)
        m.run(80)  # two year ends
        return _people(m)

    assert agents._registries(SchoolModel(scenario(), rng=4), agents.Student) is not None  # the bulk path is taken
    fast = run()
    monkeypatch.setattr(agents, "_MESA_REGISTRIES", False)
    assert run() == fast


def test_an_observer_of_mesas_agent_signals_sees_every_arrival_and_departure():
    from mesa.experimental.mesa_signals import ModelSignals

    m = SchoolModel(scenario(), rng=4)
    seen = {ModelSignals.AGENT_ADDED: 0, ModelSignals.AGENT_REMOVED: 0}

    def count(signal) -> None:
        seen[signal.signal_type] += 1

    m.observe("agents", ModelSignals.AGENT_ADDED, count)
    m.observe("agents", ModelSignals.AGENT_REMOVED, count)
    before = {a.unique_id for a in m.agents}
    m.run(40)
    after = {a.unique_id for a in m.agents}
    assert seen[ModelSignals.AGENT_ADDED] == len(after - before) > 0
    assert seen[ModelSignals.AGENT_REMOVED] == len(before - after)


@pytest.mark.parametrize(
    "spec",
    [
        {},
        DESIGN,
        {"leadership": {"pattern": {"default": 1.0}}},
        {"leadership": {"pattern": {"desperation": 1.0}}},
        {"events": {"head_exit_hazard": 0.5, "crisis_hazard": 0.5}},
    ],
)
def test_invariants_hold_in_every_pattern(spec):
    m = SchoolModel(scenario(x=spec), rng=18)
    agents = 1 + m.staff.n + m.pupils.n + m.families.n
    for _ in range(3 * 39):
        m.step()
        assert len(m.agents) == agents - (m.head is None)
        assert (m.staff.load >= 0).all()
    ts = m.timeseries()
    assert list(ts.columns) == list(COLUMNS)
    assert not ts.isna().any().any()
    shares = [
        c
        for c in COLUMNS
        if c
        not in (
            "step",
            "year",
            "attainment",
            "learning_gain",
            "value_added",
            "teaching_quality",
            "leadership_acts",
            "head_id",
            "items_active",
            "items_succeeded",
            "items_failed",
        )
    ]
    assert ((ts[shares] >= 0) & (ts[shares] <= 1.0 + 1e-9)).all().all()
    for arr in (m.staff.practice, m.staff.capacity, m.staff.trust_head, m.staff.cynicism, m.pupils.engagement):
        assert ((arr >= 0) & (arr <= 1)).all()
    assert len({a.unique_id for a in m.agents}) == len(m.agents)


# --- reproducibility -----------------------------------------------------------------------------------


def test_same_seed_same_series_and_different_seed_different():
    a = SchoolModel(scenario(), rng=21)
    b = SchoolModel(scenario(), rng=21)
    c = SchoolModel(scenario(), rng=22)
    for m in (a, b, c):
        m.run(80)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    assert not a.timeseries().equals(c.timeseries())


def _digest_in_fresh_process(hashseed: str) -> str:
    code = (
        "import hashlib; from sim import SchoolModel, Scenario;"
        "m = SchoolModel(Scenario.model_validate({'years': 2, 'school': {'teachers': 20, 'students': 200,"
        " 'parents': 200}, 'teachers': {'senior_team': 2, 'middle_leaders': 4}}), rng=99); m.run();"
        "print(hashlib.sha256(m.timeseries().to_csv().encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip()


def test_same_seed_gives_identical_series_in_separate_processes():
    assert _digest_in_fresh_process("1") == _digest_in_fresh_process("2")


def test_the_initial_network_comes_from_the_models_generator():
    a, b = SchoolModel(scenario(), rng=30), SchoolModel(scenario(), rng=31)
    assert not np.array_equal(a.staff.ties, b.staff.ties)
    assert np.array_equal(a.staff.ties, SchoolModel(scenario(), rng=30).staff.ties)


# --- measures -------------------------------------------------------------------------------------------


def test_gini_and_centralisation_on_known_shapes():
    assert gini(np.ones(10)) == pytest.approx(0.0)
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
    star = np.array([9.0] + [0.0] * 9)
    assert centralisation(star) == pytest.approx(1.0)
    assert centralisation(np.full(10, 3.0)) == pytest.approx(0.0)


def test_centralisation_is_about_the_shape_of_influence_not_its_amount():
    # More influence for everyone (a higher control graph) is not more centralised.
    s = np.array([8.0, 2.0, 1.0, 1.0])
    assert centralisation(2 * s) == pytest.approx(centralisation(s))
    assert centralisation(s + np.array([0.0, 4.0, 4.0, 4.0])) < centralisation(s)


def test_density_and_clustering_of_a_triangle_and_a_path():
    tri = np.ones((3, 3)) - np.eye(3)
    assert density_and_clustering(tri, 0.5) == pytest.approx((1.0, 1.0))
    path = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float)
    assert density_and_clustering(path, 0.5) == pytest.approx((2 / 3, 0.0))


def test_succession_measures_on_a_known_trajectory():
    wpy = 20
    steps = np.arange(0, 100)
    att = np.where(steps < 30, np.minimum(steps / 15, 1.0) * 0.3, 0.3 - (steps - 30) * 0.005)  # gains 0.3, then slides
    cap = np.full(100, 0.4)
    ts = pd.DataFrame({"step": steps, "attainment": att, "leadership_capacity": cap})
    (row,) = succession_measures(ts, [{"week": 30, "head_id": 1, "reason": "scheduled"}], wpy)
    assert row["gain_before"] == pytest.approx(att[17:30].mean())
    # read over the term before the same week a year on
    assert row["kept_1y"] == pytest.approx(att[37:50].mean() / att[17:30].mean())
    assert row["lost_1y"] == pytest.approx(att[17:30].mean() - att[37:50].mean())
    assert row["deepest_drop"] == pytest.approx(att[17:30].mean() - att[77:90].mean())  # year 3, the last read
    assert row["kept_5y"] != row["kept_5y"]  # NaN: the run ends before 5 years
    assert np.isnan(row["years_to_recover"])
    assert row["capacity_kept_3y"] == pytest.approx(1.0)


def test_a_departure_at_a_year_end_loses_nothing_where_only_the_saw_tooth_moves():
    # Every year attainment climbs through the year and drops when a cohort leaves; nothing else
    # changes. A head leaving at a year end must not be charged with the drop that follows it.
    wpy = 20
    steps = np.arange(0, 200)
    att = 0.1 + 0.002 * (steps % wpy)
    ts = pd.DataFrame({"step": steps, "attainment": att, "leadership_capacity": 0.3 + 0.01 * (steps % wpy)})
    (row,) = succession_measures(ts, [{"week": 60, "head_id": 1, "reason": "scheduled"}], wpy)
    for k in (1, 3, 5):
        assert row[f"lost_{k}y"] == pytest.approx(0.0, abs=1e-12)
        assert row[f"capacity_kept_{k}y"] == pytest.approx(1.0)
    assert row["deepest_drop"] == pytest.approx(0.0, abs=1e-12)
    assert row["years_to_recover"] == 0.0  # it never fell
    # a departure in the run's first term: its later readings span the same few weeks of the year
    (early,) = succession_measures(ts, [{"week": 5, "head_id": 1, "reason": "random"}], wpy)
    assert early["lost_1y"] == pytest.approx(0.0, abs=1e-12)
    assert early["capacity_kept_1y"] == pytest.approx(1.0)


def test_recovery_is_counted_from_the_lowest_point_after_the_departure():
    # flat for a year after the departure, 0.1 lower in years 2-4, back in year 5
    wpy = 20
    steps = np.arange(0, 320)
    year = (steps - 100) // wpy + 1  # the departure at week 100 starts year 1 after it
    att = np.where((year >= 2) & (year <= 4), 0.2, 0.3)
    ts = pd.DataFrame({"step": steps, "attainment": att, "leadership_capacity": np.full(320, 0.4)})
    (row,) = succession_measures(ts, [{"week": 100, "head_id": 1, "reason": "scheduled"}], wpy)
    assert row["deepest_drop"] == pytest.approx(0.1)
    assert row["years_to_recover"] == 5.0


def test_a_first_time_head_grows_into_the_job():
    m = SchoolModel(scenario(), rng=40)
    m.run(3)
    m.head_leaves_now({"experienced": False, "origin": "external"})
    m.step()
    start = m.head.capacity
    m.run(3 * 39)
    assert start < m.head.capacity < 0.6
    assert m.head.capacity - start > 0.5 * (0.6 - start)  # most of the gap closed in three years


def test_learning_gain_is_the_weekly_value_added_in_sd_per_year():
    m = SchoolModel(scenario(n={"students": {"learning_noise": 0.0}}), rng=41)
    m.run(10)
    before = m.pupils.attainment.copy()
    m.step()
    gain = m.timeseries()["learning_gain"].iloc[-1]
    assert gain == pytest.approx((m.pupils.attainment - before).mean() * 39)


def test_value_added_is_the_mean_of_the_last_school_years_gains():
    m = SchoolModel(scenario(), rng=43)
    m.run(100)
    ts = m.timeseries()
    expected = ts["learning_gain"].where(ts["step"] > 0).rolling(39, min_periods=1).mean().fillna(0.0)
    np.testing.assert_allclose(ts["value_added"], expected, atol=1e-12)


def test_attainment_saw_tooths_at_the_year_end_and_value_added_does_not():
    """A cohort leaves with its gains and a new one arrives at 0: attainment drops; a year's mean gain does not."""
    m = SchoolModel(scenario(d=DESIGN), rng=44)
    m.run(6 * 39)
    ts = m.timeseries().iloc[40:]  # after the first school year
    year_end = (ts["step"] % 39 == 0).to_numpy()
    att, va = ts["attainment"].diff().abs().to_numpy(), ts["value_added"].diff().abs().to_numpy()
    assert np.nanmean(att[year_end]) > 5 * np.nanmean(att[~year_end])  # the saw-tooth
    assert np.nanmean(va[year_end]) < 2 * np.nanmean(va[~year_end])  # none in value added


def test_older_cohorts_start_with_the_value_added_of_their_years_at_the_school():
    weak = {"teachers": {"practice_mean": 0.42}, "students": {"learning_noise": 0.0}}
    m = SchoolModel(scenario(w=weak), rng=45)
    p = m.pupils
    by_year = np.array([p.attainment[p.cohort == g].mean() for g in range(int(p.cohort.max()) + 1)])
    assert by_year[0] == 0.0 and by_year[-1] < -0.1  # a weak school's oldest are behind their intake
    np.testing.assert_allclose(np.diff(by_year), by_year[1], rtol=1e-9)  # one year's value added a year


def test_a_school_whose_teaching_does_not_change_starts_at_the_attainment_it_holds():
    # Teaching frozen at its first week: the school is as it has been, so its attainment must not drift
    # while its cohorts turn over (it did when every cohort started at 0).
    # (no inspections: a crisis costs learning while it lasts)
    weak = {
        "teachers": {"practice_mean": 0.42},
        "practice": {"freeze_teaching": True},
        "threat": {"inspection_trigger": -1.0},
    }
    m = SchoolModel(scenario(w=weak), rng=46)
    m.run(5 * 39)
    att = m.timeseries()["attainment"].to_numpy()
    start, later = att[0], att[[39 * y for y in (1, 2, 3, 4, 5)]]
    assert start < -0.1
    # What is left is students' and parents' engagement settling to a weak school's teaching
    # (not started settled; ODD, Initialisation): about a sixth of the level in five years, against
    # all of it while the cohorts filled up from 0.
    assert np.abs(later - start).max() < 0.2 * abs(start)


def test_the_years_before_the_head_came_are_counted_without_their_lift():
    # A charismatic head new to the school lifted none of its older students' past years.
    def oldest(tenure: float) -> float:
        h = {"head": {"charisma": 0.9, "tenure": tenure}, "students": {"learning_noise": 0.0}}
        m = SchoolModel(scenario(h=h), rng=47)
        return float(m.pupils.attainment[m.pupils.cohort == m.pupils.cohort.max()].mean())

    assert oldest(0.0) < oldest(1.0) < oldest(10.0)


def test_a_head_who_coaches_teams_gains_influence_with_them():
    solo = SchoolModel(scenario(), rng=42)
    design = SchoolModel(scenario(d=DESIGN), rng=42)
    solo.run(78)
    design.run(78)
    s, d = solo.timeseries().iloc[-39:], design.timeseries().iloc[-39:]
    assert d["staff_influence"].mean() > s["staff_influence"].mean()
    assert d["head_influence"].mean() > 0.1  # the head still leads, through the teams


@pytest.mark.xfail(
    strict=True,
    reason="fails since the stationary start of 2026-12-01: an experienced successor leaves 0.54 of a "
    "first-time successor's dip over 32 seeds at stop 27 (0.017 against 0.031 SD/yr; 0.59 over 16 seeds "
    "before), not under half; at 6 seeds, the test's sample until stop 27, it passed at stop 27; "
    "docs/validation.md, 'What the model does not yet reproduce'",
)
def test_an_experienced_successor_largely_offsets_the_dip_after_a_head_change():
    # Bartanen, Grissom & Rogers 2019: the drop after a change comes from the newcomer's inexperience.
    # 32 seeds: at 6 the verdict depended on the sample.
    seeds = 32

    def gains(departures: list) -> float:
        total = 0.0
        for seed in range(seeds):
            events = {"head_exit_hazard": 0.0, "crisis_hazard": 0.0, "head_departures": departures}
            m = SchoolModel(scenario(e={"years": 7, "events": events}), rng=seed)
            m.run()
            total += m.timeseries()["learning_gain"].iloc[5 * 39 + 1 :].mean()
        return total / seeds

    stay = gains([])
    experienced = stay - gains([{"year": 5, "successor": {"experienced": True}}])
    first_time = stay - gains([{"year": 5, "successor": {"experienced": False}}])
    assert first_time > 0
    assert experienced < 0.5 * first_time


# --- where improvement lives: one practice stock, ownership, routines, memory (issue 12) --------------


def test_ownership_grows_with_trust_in_the_aim_support_and_time():
    m = SchoolModel(scenario(), rng=50)
    who = np.arange(5)
    m.staff.cynicism[who] = 0.2
    low = W.ownership(m, who, np.full(5, 0.1), support=0.0, time=0.0)
    trusting = W.ownership(m, who, np.full(5, 0.9), support=0.0, time=0.0)
    backed = W.ownership(m, who, np.full(5, 0.9), support=1.0, time=0.2)
    assert (low < trusting).all() and (trusting < backed).all()
    m.staff.cynicism[who] = 0.9
    assert (W.ownership(m, who, np.full(5, 0.9), support=1.0, time=0.2) < backed).all()


def test_a_mandate_leaves_owned_practice_only_in_those_involved_in_carrying_it_out():
    def owned_share(involvement: float) -> float:
        m = SchoolModel(scenario(h={"head": {"involvement": involvement}}), rng=51)
        m.staff.owned[:] = m.staff.practice
        before = m.staff.practice.copy()
        item = W._mandate(m, 1, -1.0)
        m.items.remove(item)
        assert W.complete(m, item) == "success"
        assert (m.staff.practice > before).all()  # everyone is told to carry it out
        return float((m.staff.owned - before).sum() / (m.staff.practice - before).sum())

    assert owned_share(0.0) == pytest.approx(0.0)  # nobody took part: compliance only
    assert owned_share(1.0) > 0.3  # a solo head who involves staff can leave owned practice


def test_practice_nobody_owns_erodes_unless_someone_presses_for_it():
    def after(press_from_head: bool) -> float:
        m = SchoolModel(scenario(), rng=52)
        m.staff.tenure[:] = 10
        m.staff.mentor[:] = -1
        m.staff.ties[:] = 0.0
        m.staff.owned[:] = m.staff.practice - 0.1  # a change imposed and not owned
        if press_from_head:
            m.head_items = int(W.head_slots(m))  # the head follows up a full agenda of their own
        else:
            m.head = None
        before = m.staff.practice.copy()
        m._update_practice()
        return float((before - m.staff.practice).mean())

    assert after(press_from_head=False) > 0.003
    assert after(press_from_head=True) < 0.5 * after(press_from_head=False)


def test_collaboration_is_as_disciplined_as_its_facilitation_whatever_the_pattern():
    f = W.facilitated_discipline
    assert f(0.2, 0.0, 0.0) < f(0.8, 0.0, 0.0) < f(0.8, 0.8, 0.0) < f(0.8, 0.8, 0.8) <= 1.0
    # the same people with the same backing get the same discipline in a design team and as volunteers
    m = SchoolModel(scenario(d=DESIGN), rng=53)
    m.run(40)
    for item in m.items:
        if item.mode in (W.DESIGN, W.DEFAULT):
            lead = float(m.staff.capacity[item.leader])
            assert item.discipline == pytest.approx(f(lead, item.support, float(m.routines[0])), abs=0.2)


def test_a_mentored_novice_closes_the_gap_to_their_own_mentors_practice():
    m = SchoolModel(scenario(), rng=54)
    m.staff.tenure[:] = 10
    m.staff.tenure[0] = 0
    m.staff.mentor[:] = -1
    m.staff.practice[0] = 0.3
    m.staff.practice[1] = 0.9
    m.staff.mentor[0] = 1
    m.staff.owned[0] = 0.3
    from leadsim.sim.mentoring import mentoring_lift, mentoring_time

    mentoring_lift(m)
    gain = m.staff.practice[0] - 0.3
    assert gain == pytest.approx(m.scenario.mentoring.rate * 0.6)
    assert m.staff.owned[0] == pytest.approx(0.3 + gain)  # the novice did it: they own it
    t = mentoring_time(m)
    assert t[1] > 0 and t[2] == 0  # the mentor gives time, others do not


def test_routines_left_by_successful_work_survive_a_successor_who_keeps_them():
    from leadsim.sim import routines as R
    from leadsim.sim.heads import keep_chance

    m = SchoolModel(scenario(d=DESIGN), rng=55)
    m.routines[:] = [0.6, 0.6, 0.6, 0.6, 0.6, 0.0]
    assert (keep_chance(m, 1.0) == 1.0).all()
    m.head_leaves_now({"style": "distributive", "distribution": 1.0, "interim_weeks": 0})
    m.step()
    assert (m.routines[:5] > 0.5).all()
    # a top-down successor keeps strong routines more readily than weak ones
    m.routines[:] = [0.9, 0.9, 0.1, 0.1, 0.1, 0.0]
    k = keep_chance(m, 0.2)
    assert k[0] > k[2]
    assert R.ROUTINES[R.DATA] == "data_meetings"


def test_a_successor_who_dismantles_routines_makes_staff_cynical():
    from leadsim.sim import routines as R

    m = SchoolModel(scenario(), rng=56)
    m.routines[:] = [0.8, 0.8, 0.8, 0.8, 0.8, 0.0]
    before = m.staff.cynicism.copy()
    R.dismantle(m, np.zeros(len(R.ROUTINES)))
    assert (m.routines[:5] == 0).all()
    assert (m.staff.cynicism > before).all()


def test_routines_decay_without_people_to_run_them():
    m = SchoolModel(scenario(), rng=57)
    from leadsim.sim import routines as R

    m.routines[:] = [0.8, 0.8, 0.8, 0.8, 0.8, 0.0]
    run = m.routines.copy()
    R.upkeep(m)
    kept = run - m.routines
    m.routines[:] = run
    m.head = None
    m.staff.role[:] = 0
    R.upkeep(m)
    assert ((run - m.routines)[:5] > kept[:5]).all()


def test_cynicism_keeps_rising_with_each_abandoned_cycle():
    from leadsim.sim.model import cynicism_floor

    cfg = Scenario()
    floors = cynicism_floor(np.arange(0, 9, dtype=float), cfg)
    steps = np.diff(floors)
    assert (steps > 0).all()
    assert floors[8] - floors[2] > 0.2  # no plateau after two cycles
    # in a run: each successor who abandons the running work leaves the staff more cynical
    story = {
        "events": {
            "head_departures": [
                {"year": y, "successor": {"style": "distributive", "keeps_running_work": False, "interim_weeks": 4}}
                for y in (1, 2, 3, 4, 5, 6)
            ]
        },
        "years": 7,
    }
    m = SchoolModel(scenario(d=DESIGN, s=story, t={"teachers": {"exit_rate": 0.0}}), rng=58)
    m.run()
    cyn = m.timeseries()["cynicism"].to_numpy()
    yearly = [cyn[y * 39 - 1] for y in (1, 3, 5, 7)]
    assert all(b > a for a, b in zip(yearly, yearly[1:], strict=False))


def test_a_newcomer_takes_on_part_of_colleagues_memory_of_what_failed():
    m = SchoolModel(scenario(), rng=59)
    m.staff.memory[:] = 4.0
    m.staff.ties[0, 1:] = 0.5
    m.replace_teachers(np.array([0]))
    assert 0 < m.staff.memory[0] < 4.0


# --- leadership has costs: time, fatigue, threat, orchestration, pace, context (issue 11) -------------


def test_a_teacher_whose_commitments_exceed_the_week_teaches_worse():
    m = SchoolModel(scenario(), rng=60)
    m._commit_time()
    m._update_effort_and_teaching()
    calm = m.teaching[0]
    m.staff.load[0] = 10  # ten items at once
    m._commit_time()
    assert m.overload[0] > 0 and m.overload[1:].sum() == pytest.approx(m.overload[1:].sum())
    m._update_effort_and_teaching()
    assert m.teaching[0] < calm - 0.05


def test_protected_time_replaces_other_duties_instead_of_adding_hours():
    m = SchoolModel(scenario(d=DESIGN), rng=61)
    m.staff.cynicism[:] = 0.0  # everyone willing: the head's first choice of lead accepts
    m.staff.trust_head[:] = 1.0
    item = W._design_team(m, 1, 0.5)
    assert item is not None and item.mode == W.DESIGN
    m._commit_time()
    with_protection = m.staff.commitment[item.members].copy()
    m.scenario.time.protected_budget = 0.0
    m._commit_time()
    assert (with_protection < m.staff.commitment[item.members]).all()


def test_a_permanent_all_hands_school_burns_out():
    tired, calm = [], []
    for seed in range(3):
        spec = {"years": 3}
        a = SchoolModel(scenario(x={"leadership": {"pattern": {"desperation": 0.8, "solo": 0.2}}}, y=spec), rng=seed)
        d = SchoolModel(scenario(d=DESIGN, y=spec), rng=seed)
        a.run()
        d.run()
        tired.append(a.timeseries()["fatigue"].iloc[-60:].mean())
        calm.append(d.timeseries()["fatigue"].iloc[-60:].mean())
    assert np.mean(tired) > 2 * np.mean(calm)


def test_staff_who_trust_no_colleague_form_no_crowd_and_trusting_staff_mostly_join():
    m = SchoolModel(scenario(), rng=64)
    m.staff.trust_colleagues[:] = 0.0
    assert all(W._all_hands(m, W.BEHAVIOUR, 0.5) is None for _ in range(20))
    m.staff.trust_colleagues[:] = 1.0
    m.staff.cynicism[:] = 0.0
    m.staff.fatigue[:] = 0.0
    m.staff.load[:] = 0
    item = W._all_hands(m, W.BEHAVIOUR, 0.5)
    assert item is not None and item.members.size > 0.7 * m.staff.n


def test_fatigue_lowers_effort_and_the_holiday_restores_most_of_it():
    m = SchoolModel(scenario(), rng=62)
    m._update_effort_and_teaching()
    fresh = m.effort.copy()
    m.staff.fatigue[:] = 0.6
    m._update_effort_and_teaching()
    assert (m.effort < fresh).all()
    m.run(39 - m.week)  # to the year end
    assert m.staff.fatigue.mean() < 0.3


def test_a_crisis_in_a_distrustful_school_centralises_and_in_a_trusting_school_opens_up():
    def weights(trust: float, cynicism: float) -> np.ndarray:
        t = {"teachers": {"trust_colleagues": trust, "trust_head": trust, "cynicism": cynicism}}
        h = {"head": {"control_reversion": 0.0}}
        m = SchoolModel(scenario(t=t, h=h), rng=63)
        m.run(5)
        m.crisis_now("behaviour", severity=0.8, duration_weeks=8)
        m.step()
        return m.weights.copy()

    distrustful = weights(0.2, 0.6)
    trusting = weights(0.8, 0.1)
    assert distrustful[W.SOLO] > distrustful[W.DESPERATION]
    assert trusting[W.DESPERATION] > trusting[W.SOLO]


def _teacher_led_under_a_crisis(trust: float, cynicism: float, weeks: int) -> tuple[int, int]:
    """Teacher-led items running before a crisis and, of those, how many are still teacher-led after it began."""
    t = {"teachers": {"trust_colleagues": trust, "trust_head": trust, "cynicism": cynicism}}
    d = {"head": {"distribution": 0.5}, "leadership": {"pattern": MIXES["default"]}}
    m = SchoolModel(scenario(t=t, d=d, w={"work": {"rate": 3.0, "gap_filling": 5.0}}), rng=68)
    m.run(20)
    before = [i for i in m.items if i.mode != W.SOLO]
    m.crisis_now("behaviour", severity=0.8, duration_weeks=8)
    m.run(weeks)
    return len(before), sum(1 for i in before if i.mode != W.SOLO)


def _head_load_per_slot(trust: float, cynicism: float, crisis: bool) -> list[float]:
    """Items the head holds per slot, week by week, in a busy school led by default (8 weeks)."""
    t = {"teachers": {"trust_colleagues": trust, "trust_head": trust, "cynicism": cynicism}}
    d = {"head": {"distribution": 0.5}, "leadership": {"pattern": MIXES["default"]}}
    m = SchoolModel(scenario(t=t, d=d, w={"work": {"rate": 6.0, "gap_filling": 8.0}}), rng=70)
    m.run(10)
    if crisis:
        m.crisis_now("behaviour", severity=1.0, duration_weeks=8)
    load = []
    for _ in range(8):
        m.step()
        load.append(m.head_items / W.head_slots(m))
    return load


def test_outside_a_threat_a_head_takes_on_no_more_than_they_have_room_to_lead():
    slots = W.head_slots(SchoolModel(scenario(), rng=70))
    # new work may take the last slot the same week
    assert max(_head_load_per_slot(0.2, 0.6, crisis=False)) <= (slots + 1) / slots


def test_a_threatened_head_whose_staff_distrust_each_other_takes_in_work_beyond_their_room():
    # threat-rigidity: a threatened centre pulls control in without weighing its bandwidth (Staw et al. 1981)
    assert max(_head_load_per_slot(0.2, 0.6, crisis=True)) > 1.5
    # where staff trust each other the crisis opens leadership up instead
    assert max(_head_load_per_slot(0.8, 0.1, crisis=True)) <= 1.5


def test_an_overloaded_head_leads_each_of_their_mandates_less_well():
    m = SchoolModel(scenario(), rng=71)
    item = W._mandate(m, W.BEHAVIOUR, 0.5)
    slots = W.head_slots(m)
    m.head_items = int(3 * slots)
    # slots that shrink under running mandates (as design teams form) do not thin them
    assert W.attention(m) == 1.0
    full = W.success_chance(m, item)
    m.beyond_room = 1  # but work taken in with no free slot, under threat, does
    m.head_attention = W.attention(m)
    assert m.head_attention == pytest.approx(slots / int(3 * slots))
    assert W.success_chance(m, item) < full


def test_the_overload_of_a_threatened_centre_drains_when_its_work_ends():
    t = {"teachers": {"trust_colleagues": 0.2, "trust_head": 0.2, "cynicism": 0.6}}
    d = {"head": {"distribution": 0.5}, "leadership": {"pattern": MIXES["default"]}}
    m = SchoolModel(scenario(t=t, d=d, w={"work": {"rate": 6.0, "gap_filling": 8.0}}), rng=70)
    m.run(10)
    m.crisis_now("behaviour", severity=1.0, duration_weeks=8)
    m.run(8)
    assert m.beyond_room > 0 and W.attention(m) < 1.0
    m.run(m.scenario.work.duration_weeks + 2)
    assert m.crisis is None
    assert m.beyond_room == 0 and W.attention(m) == 1.0
    assert m.head_items <= W.head_slots(m) + 1


def test_a_threatened_head_in_a_distrustful_school_takes_running_work_into_their_own_hands():
    # threat-rigidity: control constricts (Staw et al. 1981), so running teacher-led work becomes the head's
    running, still_led = _teacher_led_under_a_crisis(0.2, 0.6, 2)
    assert running >= 2
    assert still_led < running / 2


def test_in_a_trusting_school_a_crisis_leaves_teachers_leading_their_work():
    running, still_led = _teacher_led_under_a_crisis(0.8, 0.1, 2)
    assert running >= 2
    assert still_led == running


def test_work_taken_over_is_carried_out_by_its_members_as_told_and_fills_a_head_slot():
    m = SchoolModel(scenario(), rng=69)
    item = W._volunteer(m, W.BEHAVIOUR, 0.5) or W._all_hands(m, W.BEHAVIOUR, 0.5)
    assert item is not None
    members = item.members.copy()
    load = m.staff.load[members].copy()
    trust, capacity = m.staff.trust_head[members].copy(), m.staff.capacity[members].copy()
    head_items = m.head_items
    W.take_over(m, item)
    # relieved of their work, they trust the head less and feel less able to lead (Daly 2009)
    assert (m.staff.trust_head[members] < trust).all()
    assert (m.staff.capacity[members] <= capacity).all() and (m.staff.capacity[members] < capacity).any()
    assert item.mode == W.SOLO and item.members.size == 0
    assert set(item.involved.tolist()) == set(members.tolist())
    assert (m.staff.load[members] == load - 1).all()
    assert m.head_items == head_items + 1
    W._release(m, item)  # when it ends, the slot is freed again
    assert m.head_items == head_items


def test_a_crisis_costs_learning_while_it_lasts():
    calm = SchoolModel(scenario(), rng=64)
    hit = SchoolModel(scenario(), rng=64)
    for m in (calm, hit):
        m.run(10)
    hit.crisis_now("results", severity=0.8, duration_weeks=6)
    calm.run(4)
    hit.run(4)
    assert hit.timeseries()["learning_gain"].iloc[-4:].mean() < calm.timeseries()["learning_gain"].iloc[-4:].mean()


def test_a_crisis_costs_learning_even_in_a_school_that_adds_less_than_expected():
    # The schools an inspection finds are those below expected progress: disruption must cost their
    # students learning too, not make them fall behind more slowly.
    after = {}
    for cost in (0.0, 0.3):
        m = SchoolModel(
            scenario(s={"students": {"reference_teaching": 1.0}}, t={"threat": {"learning_cost": cost}}), rng=67
        )
        m.run(10)
        assert m.value_added < 0
        m.crisis_now("results", severity=0.8, duration_weeks=8)
        m.run(8)
        after[cost] = float(m.pupils.attainment.mean())
    assert after[0.3] < after[0.0] - 0.005


def test_sustained_low_value_added_brings_an_inspection():
    m = SchoolModel(scenario(x={"threat": {"inspection_trigger": 0.5}}), rng=65)
    m.run(39)
    assert m.crisis is None or m.crisis.kind == "inspection"
    m.run(2)
    assert m._last_inspection >= 39


def test_a_head_can_orchestrate_only_so_many_design_teams_fewer_in_an_interim():
    m = SchoolModel(scenario(d=DESIGN, w={"work": {"rate": 5.0}}), rng=66)
    for _ in range(40):
        m.step()
        assert W.design_teams(m) <= W.orchestration_capacity(m) + 1
    with_head = W.orchestration_capacity(m)
    m.head_leaves_now({"interim_weeks": 10})
    m.step()
    assert W.orchestration_capacity(m) < with_head


def test_the_head_pays_only_for_the_design_teams_the_senior_team_cannot_orchestrate():
    m = SchoolModel(scenario(d=DESIGN), rng=70)
    full = W.head_bandwidth(m) * m.scenario.work.duration_weeks
    m.items = [it for it in m.items if it.mode != W.DESIGN]
    assert W.head_slots(m) == pytest.approx(full)
    m.staff.capacity[m.staff.senior_slots()] = 1.0  # a capable senior team orchestrates teams of its own
    senior = W.senior_teams(m)
    assert senior >= 1.0
    team = W._begin(m, W.DESIGN, 1, 0.5, 0, np.array([0, 1]), support=0.5, discipline=0.5, time=0.1)
    assert W.head_slots(m) == pytest.approx(full)  # within the senior team's share: free to the head
    for _ in range(int(senior) + 1):
        W._begin(m, W.DESIGN, 1, 0.5, 0, np.array([0, 1]), support=0.5, discipline=0.5, time=0.1)
    cost = m.scenario.orchestration.team_cost * (W.design_teams(m) - senior)
    assert W.head_slots(m) == pytest.approx(max(0.0, W.head_bandwidth(m) - cost) * m.scenario.work.duration_weeks)
    assert W.head_slots(m) < full
    assert team in m.items


def test_after_distribution_felt_as_manipulation_the_teacher_asked_to_lead_declines():
    # Reluctant to engage (Harris 2014, seed 001): the head asks the teacher best suited to lead the
    # team; if that teacher declines, no team forms, even with willing colleagues to spare, and the
    # work is left to whoever picks it up.
    def first_choice_declines(reluctant: bool) -> W.Item | None:
        m = SchoolModel(scenario(d=DESIGN, x={"trust": {"cynicism_drag": 1.0}}), rng=71)
        m.staff.cynicism[:] = 0.0
        m.staff.trust_head[:] = 1.0
        m.staff.expertise[3, 1] = 1.0  # teacher 3 is clearly the one to lead work in domain 1
        m.staff.capacity[3] = 1.0
        if reluctant:
            m.staff.cynicism[3] = 1.0  # willingness 0
        return W._design_team(m, 1, 0.5)

    willing = first_choice_declines(False)
    assert willing is not None and willing.mode == W.DESIGN and willing.leader == 3
    declined = first_choice_declines(True)
    # at this seed a volunteer takes it up: the work is left to whoever picks it up, not dropped
    assert declined is not None and declined.mode == W.DEFAULT and declined.support == 0.0


def test_the_head_asks_the_best_suited_first_and_stops_at_the_first_who_accepts():
    inf = -np.inf
    score = np.array([0.2, 0.9, inf, 0.5, 0.7])
    willing = np.array([True, False, True, True, True])
    assert W._ask_to_lead(score, willing, 1) == -1  # teacher 1 is asked and declines
    assert W._ask_to_lead(score, willing, 2) == 4  # then teacher 4, who accepts
    assert W._ask_to_lead(score, willing, 100) == 4
    assert score[1] == 0.9  # the caller's scores are left as they were
    nobody = np.zeros(5, dtype=bool)
    assert W._ask_to_lead(score, nobody, 100) == -1  # all four available asked, none willing
    assert W._ask_to_lead(np.full(3, inf), np.ones(3, dtype=bool), 2) == -1  # nobody available


def test_a_head_who_asks_a_second_teacher_forms_the_team_the_first_declined():
    def team(asks: int) -> W.Item | None:
        m = SchoolModel(scenario(d=DESIGN, x={"trust": {"cynicism_drag": 1.0}}), rng=72)
        m.scenario.leadership.asks = asks
        m.staff.cynicism[:] = 0.0
        m.staff.trust_head[:] = 1.0
        m.staff.expertise[[3, 5], 1] = [1.0, 0.95]  # teacher 3 the one to lead, teacher 5 next
        m.staff.capacity[[3, 5]] = 1.0
        m.staff.cynicism[3] = 1.0  # teacher 3 declines
        return W._design_team(m, 1, 0.5)

    once, twice = team(1), team(2)
    assert once is None or once.mode == W.DEFAULT
    assert twice is not None and twice.mode == W.DESIGN and twice.leader == 5


def test_design_is_built_up_as_trust_in_the_head_grows():
    t = {"teachers": {"trust_head": 0.3}}
    m = SchoolModel(scenario(d=DESIGN, t=t), rng=67)
    start = m.readiness
    assert start < 0.6
    m.staff.trust_head[:] = 0.9
    m.run(39)
    assert m.readiness - start > 0.4 * (1.0 - start)  # about half the gap closed in a school year
    assert m.weights[W.DESIGN] <= m.pattern.weights()[W.DESIGN] + 1e-9


def test_a_faster_imposed_reform_tires_and_embitters_the_staff():
    def end(pace: float) -> pd.Series:
        m = SchoolModel(scenario(r={"reform": {"pace": pace}}, y={"years": 2}), rng=68)
        m.run()
        return m.timeseries().iloc[-39:].mean()

    slow, fast = end(0.0), end(6.0)
    assert fast["fatigue"] > slow["fatigue"]
    assert fast["cynicism"] > slow["cynicism"]


def test_a_disadvantaged_intake_makes_improvement_harder():
    easy = SchoolModel(scenario(s={"school": {"disadvantage": 0.1}}), rng=69)
    hard = SchoolModel(scenario(s={"school": {"disadvantage": 0.8}}), rng=69)
    members = [0, 1, 2]
    a = W._begin(easy, W.DESIGN, 1, 0.5, 0, np.array(members), support=0.5, discipline=0.5, time=0.1)
    b = W._begin(hard, W.DESIGN, 1, 0.5, 0, np.array(members), support=0.5, discipline=0.5, time=0.1)
    assert W.competence(hard, b) < W.competence(easy, a)
    assert hard.pupils.engagement.mean() < easy.pupils.engagement.mean()


def test_staff_loyal_to_a_departing_head_are_more_likely_to_leave_that_year():
    def exits(loyal: float) -> float:
        total = 0
        for seed in range(4):
            m = SchoolModel(scenario(t={"teachers": {"trust_head": loyal}}), rng=seed)
            m.run(30)
            m.head_leaves_now({"interim_weeks": 0})
            m.run(9)
            total += m.timeseries()["teacher_turnover"].iloc[-1]
        return total

    assert exits(0.9) > exits(0.1)


def test_a_stable_school_is_stationary_over_thirty_years():
    levels = ["leadership_capacity", "teaching_practice", "trust", "cynicism", "leadership_density"]
    rows = []
    calm = {"years": 30, "events": {"head_exit_hazard": 0.0, "crisis_hazard": 0.0}}
    for seed in range(2):
        # the ordinary school of the defaults: the calibration target is that it does not drift
        m = SchoolModel(Scenario.model_validate(calm), rng=seed)
        m.run()
        ts = m.timeseries()
        rows.append((ts[levels].iloc[4 * 39 : 6 * 39].mean(), ts[levels].iloc[-2 * 39 :].mean()))
    early = pd.concat([r[0] for r in rows], axis=1).mean(axis=1)
    late = pd.concat([r[1] for r in rows], axis=1).mean(axis=1)
    for level in levels:
        assert abs(late[level] - early[level]) < 0.05, (level, early[level], late[level])


def test_a_member_of_a_crowd_changes_practice_less_than_a_member_of_a_working_group():
    m = SchoolModel(scenario(h={"head": {"authenticity": 1.0}}), rng=12)
    crowd = list(range(15))
    assert W.part(m, _item(m, [0, 1, 2, 3], difficulty=-1.0)) == 1.0
    item = _item(m, crowd, difficulty=-1.0)
    assert W.part(m, item) == pytest.approx(5 / 15)
    m.items.clear()
    before = m.staff.practice.copy()
    assert W.complete(m, item) == "success"
    in_crowd = (m.staff.practice - before)[crowd].mean()

    m2 = SchoolModel(scenario(h={"head": {"authenticity": 1.0}}), rng=12)
    team = _item(m2, [0, 1, 2, 3], difficulty=-1.0)
    m2.items.clear()
    before = m2.staff.practice.copy()
    assert W.complete(m2, team) == "success"
    in_team = (m2.staff.practice - before)[[0, 1, 2, 3]].mean()
    assert in_crowd < 0.6 * in_team


def test_practice_learned_in_another_school_is_owned_and_does_not_erode():
    m = SchoolModel(scenario(), rng=71)
    m.run(5)
    slots = np.array([0, 1, 2])
    before_owned = m.staff.owned[slots].copy()
    before = m.staff.practice[slots].copy()
    gained = m.adopt_practice(slots, np.ones(3), 0.5)
    assert gained > 0
    np.testing.assert_allclose(m.staff.owned[slots] - before_owned, m.staff.practice[slots] - before)
    gain = float((m.staff.practice[slots] - before).mean())
    m.run(39)  # a year on: owned practice does not erode (stored as compliance, about half of it did)
    assert float((m.staff.practice[slots] - before).mean()) > 0.9 * gain


def test_a_lead_who_accepts_with_nobody_willing_to_join_leaves_the_work_to_a_volunteer(monkeypatch):
    # The same rule as when the lead declines: work no team can take is left to whoever picks it
    # up, never silently dropped because of which step failed.
    m = SchoolModel(scenario(d=DESIGN, x={"trust": {"cynicism_drag": 1.0}}, g={"work": {"gap_filling": 50.0}}), rng=73)
    m.staff.trust_head[:] = 1.0
    m.staff.trust_colleagues[:] = 1.0
    m.staff.cynicism[:] = 1.0  # nobody is willing to join a designed team ...
    m.staff.cynicism[3] = 0.0  # ... but teacher 3, the one asked to lead
    m.staff.expertise[3, 1] = 1.0
    m.staff.capacity[3] = 1.0
    only_3 = np.zeros(m.staff.n)
    only_3[3] = 1.0  # teacher 3 surely accepts; nobody else joins
    monkeypatch.setattr(W, "willingness", lambda model: only_3)
    item = W._design_team(m, 1, 0.5)
    assert item is not None and item.mode == W.DEFAULT


def test_a_teacher_committed_beyond_their_week_does_not_pick_up_unled_work():
    m = SchoolModel(scenario(g={"work": {"gap_filling": 50.0}}), rng=74)
    m.staff.commitment[:] = 1.5  # every teacher's week is full ...
    m.staff.commitment[6] = 0.0  # ... but teacher 6's
    m.staff.capacity[:] = 0.8
    leads = {item.leader for _ in range(30) if (item := W._volunteer(m, 1, 0.5)) is not None}
    assert leads == {6}


def test_a_design_team_taken_over_is_judged_against_the_room_it_leaves_the_head():
    # Taking over a design team frees the orchestration it cost the head: the head's room is judged
    # with the team already theirs, so a take-over that fits is not counted as beyond it.
    m = SchoolModel(scenario(d=DESIGN), rng=75)
    m.scenario.orchestration.senior_share = 0.0  # the head orchestrates every team
    team = W._begin(m, W.DESIGN, 1, 0.5, 0, np.array([0, 1]), support=0.5, discipline=0.5, time=0.1)
    # fill the head's slots exactly while the team still takes its share of them
    m.head_items = int(np.ceil(W.head_slots(m)))
    assert m.head_items >= W.head_slots(m)
    room_without_team = (W.head_bandwidth(m)) * m.scenario.work.duration_weeks
    assert m.head_items < room_without_team
    W.take_over(m, team)
    assert not team.beyond_room and m.beyond_room == 0


# --- what a departed head leaves in people; all-hands work by what it is (stop 28) ----------------


def _charismatic_school_whose_head_leaves(capacity: float) -> SchoolModel:
    m = SchoolModel(scenario(h={"head": {"charisma": 0.8}}), rng=5)
    m.run(40)
    m.staff.capacity[:] = capacity
    m.head_leaves_now({"interim_weeks": 5})
    m.step()
    return m


def test_a_departed_heads_expectations_are_held_where_colleagues_can_lead():
    able = _charismatic_school_whose_head_leaves(0.8)
    alone = _charismatic_school_whose_head_leaves(0.05)
    lost = able.held_expectations - (able.charisma_lift + able.head_lift)
    assert lost > 0.2  # at least the charisma lift of 0.8 went with the head
    # the same school, the same week: only the capability around the teachers differs
    held = able.effort.mean() - alone.effort.mean()
    assert held == pytest.approx((0.8 - 0.05) * lost, rel=0.05)


def test_a_departed_heads_expectations_fade_toward_the_successors_lift():
    m = _charismatic_school_whose_head_leaves(0.5)
    start = m.held_expectations
    m.run(78)  # two school years: the default half-life
    lift = m.charisma_lift + m.head_lift
    assert m.held_expectations - lift < 0.6 * (start - lift)


def test_work_started_in_a_calm_week_runs_its_full_length_whoever_takes_it_up():
    m = SchoolModel(scenario(), rng=65)
    full = m.scenario.work.duration_weeks
    crowd = _item(m, list(range(8)), 0.5, mode=W.DESPERATION)
    assert crowd.end - crowd.start == full
    m.crisis_now("behaviour", severity=0.8, duration_weeks=8)
    m.step()
    urgent = _item(m, list(range(8, 12)), 0.5, mode=W.DESIGN)
    assert urgent.end - urgent.start == max(1, full // 2)


def test_a_crowd_member_takes_only_their_share_of_its_learner_focus():
    m = SchoolModel(scenario(), rng=66)
    m.items.clear()
    m.staff.discipline[:] = 0.0
    _item(m, [0, 1, 2, 3], 0.5)  # a working group: each member takes the whole focus
    _item(m, list(range(4, 20)), 0.5, mode=W.DESPERATION)  # 16 members: a crowd
    m._update_practice()
    team, crowd = m.staff.discipline[0], m.staff.discipline[4]
    assert team == pytest.approx(0.1 * 0.9)
    assert crowd == pytest.approx(team * m.scenario.work.working_group / 16)


def test_a_crowd_has_the_time_its_members_have_spare():
    m = SchoolModel(scenario(), rng=67)
    m.staff.trust_colleagues[:] = 1.0
    m.staff.cynicism[:] = 0.0
    spare = m.staff.spare_time().copy()
    item = W._all_hands(m, W.BEHAVIOUR, 0.5)
    assert item is not None and item.mode == W.DESPERATION
    assert item.time == pytest.approx(spare[item.members].mean())
    assert item.time <= m.staff.time_available + 1e-12  # never more than a teacher has for it


def test_parents_are_asked_into_all_hands_work_only_on_problems_they_can_help_with():
    m = SchoolModel(scenario(p={"leadership": {"parent_involvement": 1.0}}), rng=68)
    m.staff.trust_colleagues[:] = 1.0
    m.staff.cynicism[:] = 0.0
    curriculum = [W._all_hands(m, W.CURRICULUM, 0.5) for _ in range(10)]
    behaviour = [W._all_hands(m, W.BEHAVIOUR, 0.5) for _ in range(10)]
    assert not any(i.parents for i in curriculum if i is not None and i.mode == W.DESPERATION)
    assert all(i.parents for i in behaviour if i is not None and i.mode == W.DESPERATION)
