"""A system of schools: refusals of impossible groupings, and the direction of each cross-school mechanism.

Every mechanism test compares two systems that differ in one tie or parameter, with the same seed, so
the schools start identical and their own random streams are the same; the assertion is on the
direction the mechanism must push, and would fail if the mechanism did nothing or pushed the other way.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from leadsim.sim.model import SchoolModel
from leadsim.sim.scenario import ScenarioError
from leadsim.sim.system import SCHOOL_COLUMNS, SYSTEM_COLUMNS, SystemModel
from leadsim.sim.system_config import SystemScenario
from leadsim.sim.system_scenario import load_system_scenario

QUIET = {"head_exit_hazard": 0.0, "crisis_hazard": 0.0}


def system(**data) -> SystemModel:
    data.setdefault("years", 1)
    data.setdefault("events", {})
    data["events"] = {**QUIET, **data["events"]}
    return SystemModel(SystemScenario.model_validate(data))


def two(teachers: int = 12, students: int = 60, **more) -> dict:
    schools = [
        {"name": "a", "teachers": teachers, "students": students},
        {"name": "b", "teachers": teachers, "students": students},
    ]
    return {"schools": schools, **more}


# --- refusals --------------------------------------------------------------------------------------

BAD = {
    "federation_unknown_school": (
        "schools: [{name: a}, {name: b}]\nfederations:\n  - name: f\n    schools: [a, c]\n",
        ":4:",
        "federation 'f': school 'c' does not exist",
    ),
    "executive_head_of_zero": (
        "schools: [{name: a}, {name: b}]\nexecutive_heads:\n  - {name: e, home: a, schools: []}\n",
        ":3:",
        "executive head 'e' leads zero schools",
    ),
    "support_cycle": (
        "schools: [{name: a}, {name: b}, {name: c}]\nsupport:\n  - {supporter: a, supported: b}\n"
        "  - {supporter: b, supported: c}\n  - {supporter: c, supported: a}\n",
        "support",
        "a cycle of leading or supporting",
    ),
    "executive_cycle": (
        "schools: [{name: a}, {name: b}]\nexecutive_heads:\n  - {name: e1, home: a, schools: [b]}\n"
        "  - {name: e2, home: b, schools: [a]}\n",
        "executive_heads",
        "cycle",
    ),
    "two_federations": (
        "schools: [{name: a}, {name: b}, {name: c}]\nfederations:\n  - {name: f, schools: [a, b]}\n"
        "  - {name: g, schools: [b, c]}\n",
        ":4:",
        "already in federation 'f'",
    ),
    "takeover_unknown_head": (
        "schools: [{name: a}, {name: b}]\nevents:\n  takeovers:\n    - {executive_head: nobody, school: b, year: 1}\n",
        ":4:",
        "executive head 'nobody' does not exist",
    ),
    "lonely_network": (
        "schools: [{name: a}]\nnetworks:\n  - {name: n, schools: [a]}\n",
        ":3:",
        "needs at least 2 schools",
    ),
    "misspelt_key": ("schools: [{name: a, hed: {charisma: 0.5}}]\n", ":1:", "hed"),
}


@pytest.mark.parametrize("case", sorted(BAD), ids=str)
def test_impossible_system_is_refused_in_one_line(case: str, tmp_path: Path) -> None:
    text, where, what = BAD[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_system_scenario(path)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(path)) and where in msg and what in msg, msg


def test_cli_refuses_with_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    text, _, what = BAD["executive_head_of_zero"]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    for cmd in (["validate", str(path)], ["run", str(path), "--out", str(out)]):
        r = subprocess.run([sys.executable, "-m", "leadsim.cli", "system", *cmd], capture_output=True, text=True)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and what in lines[0] and "Traceback" not in r.stderr
    assert not out.exists()


def test_set_is_checked_like_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="boundary.partnership_cost"):
        load_system_scenario("federation", ["boundary.partnership_cost=2"])
    with pytest.raises(ScenarioError, match="did you mean"):
        load_system_scenario("federation", ["boundry.partnership_cost=0.1"])
    s = load_system_scenario("federation", ["boundary.partnership_cost=0.1", "events.crises=[]"])
    assert s.boundary.partnership_cost == 0.1 and s.events.crises == []


# --- the system as a Mesa model ---------------------------------------------------------------------


def test_schools_are_agents_on_a_network_space_holding_whole_school_models() -> None:
    m = system(**two(federations=[{"name": "f", "schools": ["a", "b"]}]))
    a, b = m.schools
    assert isinstance(a.school_model, SchoolModel) and a.school_model.staff.n == 12
    assert b.cell in a.cell.neighborhood  # tied in the network space
    assert m.network.G.edges[0, 1]["kinds"] == {"federation"}


def test_same_seed_same_result_and_seeds_differ() -> None:
    runs = []
    for seed in (3, 3, 4):
        m = system(**two(federations=[{"name": "f", "schools": ["a", "b"]}]), seed=seed)
        m.run()
        runs.append(m.timeseries())
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert not runs[0]["attainment"].equals(runs[2]["attainment"])
    df = runs[0]
    assert list(df.columns[:1]) == ["school"] and set(SCHOOL_COLUMNS) | set(SYSTEM_COLUMNS) <= set(df.columns)
    assert len(df) == 2 * (39 + 1)


def test_a_single_school_is_the_same_inside_a_system_without_ties() -> None:
    """With no ties nothing crosses: the school runs exactly as alone with the same seed."""
    m = system(schools=[{"name": "a", "teachers": 12, "students": 60}])
    m.run()
    seed = int(np.random.default_rng(0).integers(0, 2**63 - 1, size=1)[0])
    alone = SchoolModel(m.schools[0].school_model.scenario, rng=seed)
    alone.run()
    pd.testing.assert_frame_equal(m.schools[0].school_model.timeseries(), alone.timeseries())


# --- mechanisms -------------------------------------------------------------------------------------


def test_each_partnership_costs_head_time() -> None:
    cost = 0.05
    for k in (0, 1, 3):
        m = system(
            generate={"primaries": 8, "network_size": 4, "networks_per_school": k},
            boundary={"partnership_cost": cost},
        )
        m.step()
        presence = [s.presence for s in m.schools]
        assert presence == pytest.approx([1.0 - cost * k] * 8)


def test_executive_head_splits_time_and_lifts_the_school_they_take_on() -> None:
    spec = two(teachers=15)
    spec["schools"][0]["head"] = {"charisma": 0.8}
    alone = system(**spec)
    led = system(**spec, executive_heads=[{"name": "e", "home": "a", "schools": ["b"]}])
    for m in (alone, led):
        m.step()
    share = led.boundary.executive_share
    assert led.schools[0].presence == pytest.approx(1.0 - share)
    # The home school feels less of its head's personal lift, the school taken on feels some.
    assert led.schools[0].school_model.charisma_lift < alone.schools[0].school_model.charisma_lift
    assert led.schools[1].school_model.charisma_lift > alone.schools[1].school_model.charisma_lift
    # The head's own charisma is theirs again between weeks.
    assert led.schools[0].school_model.head.charisma == pytest.approx(0.8)


def test_an_executive_heads_lift_does_not_depend_on_which_school_comes_first() -> None:
    """The school taken on feels a share of the executive head's own charisma, not of what is left at home.

    With the led school listed before the home school or after it, the lift is the same: it reads
    the head as they are, before their presence at home is scaled for the week.
    """
    lifts = []
    for order in (["a", "b"], ["b", "a"]):
        spec = two(teachers=15)
        by_name = {s["name"]: s for s in spec["schools"]}
        by_name["a"]["head"] = {"charisma": 0.8}
        spec["schools"] = [by_name[n] for n in order]
        m = system(**spec, executive_heads=[{"name": "e", "home": "a", "schools": ["b"]}])
        home, led = m._school_index("a"), m._school_index("b")
        own = {s.index: (s.school_model.head.charisma, s.school_model.head.capacity) for s in m.schools}
        states = {s.index: m._show_presence(s, own) for s in m.schools}
        share = m.boundary.executive_share
        expected = min(1.0, m.schools[led].presence * own[led][0] + share * own[home][0])
        assert states[led].charisma_eff == pytest.approx(expected)
        lifts.append(states[led].charisma_eff)
    assert lifts[0] == pytest.approx(lifts[1])


def test_a_head_away_half_the_week_leads_half_as_much_alone_and_orchestrates_less() -> None:
    """The head's bandwidth is theirs only while they are in the school: solo items and the design
    teams the head can back shrink with presence; the senior team's share of orchestration does not."""
    from leadsim.sim import work

    m = system(**two(), boundary={"partnership_cost": 0.25}, networks=[{"name": "n", "schools": ["a", "b"]}])
    m.step()
    assert m.schools[0].school_model.head_presence == pytest.approx(0.75)  # one partnership
    sm = SchoolModel(rng=3)
    sm.run(2)
    full_slots, full_teams = work.head_slots(sm), work.orchestration_capacity(sm)
    sm.head_presence = 0.5
    assert work.design_teams(sm) == 0 and work.head_slots(sm) == pytest.approx(0.5 * full_slots)
    senior = sm.scenario.orchestration.senior_share * sm.staff.capacity[sm.staff.senior_slots()].sum()
    assert senior < work.orchestration_capacity(sm) < full_teams
    sm.head_presence = 0.0
    assert work.orchestration_capacity(sm) == pytest.approx(senior)


def test_cover_while_away_is_the_ablest_senior_colleague() -> None:
    """A head away half the week: day-to-day capacity is half theirs, half the senior colleague's."""
    for senior_capacity in (0.2, 0.8):
        m = system(**two(), boundary={"partnership_cost": 0.25}, networks=[{"name": "n", "schools": ["a", "b"]}])
        m.support = []
        sm = m.schools[0].school_model
        sm.staff.capacity[sm.staff.role == 2] = senior_capacity
        head = sm.head
        state = m._show_presence(m.schools[0], {0: (sm.head.charisma, sm.head.capacity)})
        p = m.schools[0].presence
        assert p == pytest.approx(0.75)
        assert state.capacity_eff == pytest.approx(p * state.capacity + (1 - p) * senior_capacity)
        m._restore(m.schools[0], state)
        assert head.capacity == pytest.approx(state.capacity)


def _spread_practice(m: SystemModel) -> None:
    m.schools[0].school_model.staff.practice[:] = 0.8
    m.schools[1].school_model.staff.practice[:] = 0.3


@pytest.mark.parametrize("kind", ["federations", "networks"])
def test_practice_travels_to_the_weaker_school_as_far_as_trust_allows(kind: str) -> None:
    results = {}
    for label, tie, trust in (("alone", False, 0.5), ("tied", True, 0.5), ("no trust", True, 0.0)):
        more = {kind: [{"name": "g", "schools": ["a", "b"]}]} if tie else {}
        m = system(
            **two(),
            **more,
            boundary={
                "federation_trust": trust,
                "network_trust": trust,
                "trust_growth": 0.0 if trust == 0 else 0.02,
                "network_crossers": 2.0,
            },
        )
        _spread_practice(m)
        m.run(20)
        results[label] = (m.schools[1].practice, m.schools[1].imported, m.schools[0].imported)
    assert results["tied"][0] > results["alone"][0] + 0.01
    assert results["tied"][1] > 0 and results["tied"][2] == 0  # nothing better to take from the weaker school
    assert results["no trust"][1] == 0


def test_trust_between_schools_grows_with_contact_and_fades_without() -> None:
    m = system(**two(), federations=[{"name": "f", "schools": ["a", "b"]}])
    start = m.trust[0, 1]
    m.run(10)
    grown = m.trust[0, 1]
    assert grown > start
    m.groups.clear()  # nobody crosses any more
    m.run(10)
    assert m.trust[0, 1] < grown


def test_support_lifts_the_supported_school_and_takes_leaders_from_home() -> None:
    out = {}
    for tie in (False, True):
        m = system(**two(), support=[{"supporter": "a", "supported": "b", "leaders": 2}] if tie else [])
        _spread_practice(m)
        loans = m._lend()
        away = m.schools[0].school_model.staff.away.copy()
        for loan in loans:
            m.schools[loan.school].school_model.release_time(loan.slots, loan.share, loan.ids)
        m.run(20)
        out[tie] = (m.schools[1].practice, m.schools[1].school_model.staff.capacity.mean(), away.max())
    assert out[True][0] > out[False][0] + 0.01
    assert out[True][1] > out[False][1]
    assert out[True][2] == 1.0 and out[False][2] == 0.0  # lent leaders spend the whole week away from home


def test_a_leader_lent_for_the_whole_week_takes_on_no_new_work_at_home() -> None:
    """Lent all week to a supported school: not free for a designed or volunteered team, and not in
    an all-hands crowd at home, even in a week whose commitments are not yet counted."""
    from leadsim.sim import work

    sm = SchoolModel(rng=2)
    sm.run(3)
    before = work._available(sm.staff).copy()
    lent = np.nonzero(before)[0][:2]
    sm.commit_time(lent, 1.0, 0.0)
    assert not work._available(sm.staff)[lent].any()
    assert np.array_equal(np.delete(work._available(sm.staff), lent), np.delete(before, lent))
    sm.staff.trust_colleagues[:] = 1.0
    sm.staff.cynicism[:] = 0.0
    sm.staff.fatigue[:] = 0.0
    for _ in range(20):
        item = work._all_hands(sm, 0, 0.5)
        assert item is None or not np.isin(lent, item.members).any()


def _week_with_two_away(share: float, cover: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Teaching and commitments of a school's staff after a month, with teachers 0 and 1 in another
    school for ``share`` of the week (their lessons taught at ``cover``)."""
    m = SchoolModel(rng=5)
    m.run(4)
    if share:
        m.commit_time(np.array([0, 1]), share, cover)
    m._commit_time()
    m._update_effort_and_teaching()
    return m.teaching.copy(), m.staff.commitment.copy(), m.overload.copy(), m.staff.time_available


def test_a_day_in_another_school_is_taught_by_cover_and_squeezes_the_rest_of_the_week() -> None:
    """A day away (0.2 of the week): the day's free time is gone and the lessons missed are taught
    at cover's effectiveness; nobody else's week changes."""
    t0, c0, _, free = _week_with_two_away(0.0)
    t1, c1, over1, _ = _week_with_two_away(0.2)
    assert c1[:2] == pytest.approx(c0[:2] + 0.2 * free)
    assert np.array_equal(c1[2:], c0[2:]) and np.array_equal(t1[2:], t0[2:])
    # their own teaching, with any overload the squeeze caused, for four days; cover for the fifth
    penalty = SchoolModel().scenario.time.overload_penalty
    assert t1[:2] == pytest.approx(0.8 * (t0[:2] - penalty * over1[:2] + penalty * np.maximum(c0[:2] - 1, 0)))
    better, _, _, _ = _week_with_two_away(0.2, cover=0.5)
    assert (better[:2] > t1[:2]).all()  # better cover, less lost


def test_overload_more_networks_cost_more_time_and_send_more_teachers_out() -> None:
    away = []
    for k in (1, 4):
        m = system(generate={"primaries": 8, "network_size": 4, "networks_per_school": k})
        m.run(10)
        df = m.timeseries()
        away.append(df["teachers_away"].mean())
    assert away[1] > away[0]


# --- events -----------------------------------------------------------------------------------------


def test_events_across_the_system() -> None:
    m = system(
        schools=[{"name": n, "teachers": 12, "students": 60} for n in ("a", "b", "c")],
        years=1,
        executive_heads=[{"name": "e", "home": "a", "schools": ["b"]}],
        networks=[{"name": "n", "schools": ["a", "b"]}],
        events={
            "head_departures": [{"school": "b", "week": 5}],
            "crises": [{"school": "a", "week": 6, "severity": 0.4}],
            "takeovers": [{"executive_head": "e", "school": "c", "week": 7}],
            "network_changes": [
                {"school": "c", "network": "n", "week": 8},
                {"school": "a", "network": "n", "week": 9, "action": "leave"},
            ],
        },
    )
    m.run()
    assert [d["week"] for d in m.schools[1].school_model.departures] == [5]
    assert [c["week"] for c in m.schools[0].school_model.crises] == [6]
    assert m.led[0] == [1, 2] and m.executive_of[2] == 0
    net = next(g for g in m.groups if g.kind == "network")
    assert sorted(net.members) == [1, 2]
    assert m.schools[0].presence == pytest.approx(1 - 2 * m.boundary.executive_share)
    assert [e["week"] for e in m.event_log] == [5, 6, 7, 8, 9]


# --- outputs ----------------------------------------------------------------------------------------


def test_system_run_writes_a_run_directory(tmp_path: Path) -> None:
    digests = []
    for name in ("one", "two"):
        out = tmp_path / name
        r = subprocess.run(
            [sys.executable, "-m", "leadsim.cli", "system", "run", "federation", "--years", "1", "--out", str(out)]
            + [f"--set=events.{e}=[]" for e in ("head_departures", "crises", "network_changes")],
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stderr
        assert sorted(p.name for p in out.iterdir()) == [
            "manifest.json",
            "scenario.yaml",
            "summary.json",
            "timeseries.parquet",
        ]
        digests.append(hashlib.sha256((out / "timeseries.parquet").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    df = pd.read_parquet(tmp_path / "one" / "timeseries.parquet")
    assert set(df["school"]) == {"hill", "dale", "vale", "moor"}
    again = load_system_scenario(tmp_path / "one" / "scenario.yaml")
    assert again.years == 1.0 and len(again.schools) == 4


def test_single_school_command_points_to_the_system_command() -> None:
    r = subprocess.run([sys.executable, "-m", "leadsim.cli", "run", "federation"], capture_output=True, text=True)
    assert r.returncode == 2 and "leadsim system run federation" in r.stderr


def test_odd_lists_every_system_parameter_as_the_code_has_it() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "docs" / "gen_system_params.py"
    spec = importlib.util.spec_from_file_location("gen_system_params", path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    odd = (path.parent / "ODD.md").read_text(encoding="utf-8")
    assert gen.current_block(odd) == gen.system_block(), "stale: run python docs/gen_system_params.py"
    assert "`boundary.partnership_cost`" in gen.system_block()
    block = gen.current_block(odd)
    tampered = odd.replace(block, block.replace("| 0.05 |", "| 0.06 |", 1))
    assert gen.current_block(tampered) != gen.system_block()  # a changed default would be caught


# --- studies ----------------------------------------------------------------------------------------

TINY_SYSTEM = """\
years: 0.3
schools:
  - {name: a, teachers: 8, students: 40}
  - {name: b, teachers: 8, students: 40}
events: {head_exit_hazard: 0, crisis_hazard: 0}
"""

TINY_STUDY = """\
scenario: tiny.yaml
replications: 2
seed: 5
factors:
  tie:
    none: {}
    federation: {federations: [{name: f, schools: [a, b]}]}
focus: [a]
measures: [final_attainment]
compare: {factor: tie, baseline: none}
"""


def test_a_study_runs_paired_seeds_resumes_and_reports(tmp_path: Path) -> None:
    from leadsim.analysis.system_report import study_report
    from leadsim.experiments.system_study import load_study, run_study

    (tmp_path / "tiny.yaml").write_text(TINY_SYSTEM)
    (tmp_path / "study.yaml").write_text(TINY_STUDY)
    spec, scenario = load_study(tmp_path / "study.yaml")
    out = tmp_path / "out"
    df = pd.read_parquet(run_study(spec, scenario, out, workers=0))
    assert len(df) == 4 and sorted(df["seed"].unique()) == [5, 6]
    assert (df.groupby("tie")["seed"].apply(sorted).tolist()) == [[5, 6], [5, 6]]
    row = out / "rows" / "p001-r0001.json"
    before = row.read_text()
    (out / "rows" / "p000-r0000.json").unlink()
    again = pd.read_parquet(run_study(spec, scenario, out, workers=0))
    pd.testing.assert_frame_equal(df, again)  # the rerun run gives the same row; the others were kept
    assert row.read_text() == before
    report = study_report(again, spec)
    assert "Paired differences (tie)" in report and "federation - none" in report


def test_a_study_with_an_impossible_level_is_refused(tmp_path: Path) -> None:
    from leadsim.experiments.system_study import load_study

    (tmp_path / "tiny.yaml").write_text(TINY_SYSTEM)
    (tmp_path / "study.yaml").write_text(TINY_STUDY.replace("schools: [a, b]", "schools: [a, zed]"))
    with pytest.raises(ScenarioError, match="school 'zed' does not exist"):
        load_study(tmp_path / "study.yaml")
    (tmp_path / "study.yaml").write_text(TINY_STUDY.replace("baseline: none", "baseline: nothing"))
    with pytest.raises(Exception, match="compare.baseline"):
        load_study(tmp_path / "study.yaml")


@pytest.mark.parametrize("name", ["federation-succession", "executive-head", "partnerships"])
def test_bundled_studies_load_and_say_what_they_show(name: str) -> None:
    from leadsim.experiments.system_study import BUNDLED_STUDIES, load_study

    spec, scenario = load_study(name)
    assert spec.name == name and scenario.exists() and len(spec.points()) >= 4
    text = BUNDLED_STUDIES.resolve(name).read_text(encoding="utf-8").lower()
    assert "literature expects" in text and "model shows" in text and "interval" in text


@pytest.mark.parametrize(
    "name", ["federation", "federation-succession", "executive-head", "partnerships", "local-authority"]
)
def test_bundled_systems_load_and_document_themselves(name: str) -> None:
    from leadsim.sim.system_scenario import BUNDLED_SYSTEMS

    s = load_system_scenario(name)
    assert s.name == name
    header = BUNDLED_SYSTEMS.resolve(name).read_text(encoding="utf-8").lower()
    assert "source" in header and "look at" in header and s.description
