"""Departments' own agendas, middle leaders' brokerage, and the barriers of culture and distance."""

from __future__ import annotations

import numpy as np
import pytest
from leadsim.sim import Scenario, SchoolModel
from leadsim.sim import departments as D
from leadsim.sim import work as W
from leadsim.sim.staff import NONE, barriers_between, site_of
from leadsim.sim.vocabulary import DOMAINS
from test_model import scenario

K = len(DOMAINS)


def _model(**over: dict) -> SchoolModel:
    return SchoolModel(scenario(**over), rng=5)


def test_a_departments_agenda_is_the_domain_it_knows_best_relative_to_the_school():
    m = _model()
    staff = m.staff
    k = m.scenario.school.departments
    staff.expertise[:] = 0.2
    staff.expertise[:, 0] = 0.9  # everyone is strong in the first domain: it sets no department apart
    staff.expertise[staff.department == 0, 3] = 0.5
    staff.expertise[staff.department == 1, 2] = 0.5
    agenda = D.agendas(staff, k)
    assert agenda[0] == 3 and agenda[1] == 2
    # the agenda follows the staff: recomputed when their expertise changes (new teachers)
    staff.expertise[staff.department == 0, 1] = 0.6
    assert D.agendas(staff, k)[0] == 1


def test_a_head_initiative_off_a_departments_agenda_is_taken_up_less():
    m = _model()
    staff = m.staff
    k = m.scenario.school.departments
    staff.role[:] = NONE  # no post holder: nobody brokers
    agenda = D.agendas(staff, k)
    on = agenda[staff.department]
    other = (on + 1) % K
    up = D.uptake(m, int(on[0]))
    teachers_on = staff.department == staff.department[0]
    assert up[teachers_on] == pytest.approx(1.0)
    off = D.uptake(m, int(other[0]))
    assert off[teachers_on] == pytest.approx(1.0 - m.scenario.departments.agenda_pull)


def test_a_department_leader_who_trusts_the_head_brokers_the_initiative_into_the_department():
    m = _model()
    staff = m.staff
    k = m.scenario.school.departments
    dept = int(staff.department[np.flatnonzero(staff.role > 0)[0]])
    leaders = np.flatnonzero((staff.role > 0) & (staff.department == dept))
    off_domain = (int(D.agendas(staff, k)[dept]) + 1) % K
    members = staff.department == dept

    staff.trust_head[leaders] = 0.1
    wary = D.uptake(m, off_domain)[members][0]
    staff.trust_head[leaders] = 0.9
    staff.capacity[leaders] = 0.9
    brokered = D.uptake(m, off_domain)[members][0]
    assert brokered > wary
    assert brokered <= 1.0


def test_a_mandate_reaches_a_brokered_department_further_than_an_unbrokered_one():
    def practice_gain(trust_of_middle: float) -> float:
        m = _model(h={"head": {"authenticity": 1.0}})
        staff = m.staff
        staff.trust_head[staff.role > 0] = trust_of_middle
        staff.capacity[staff.role > 0] = 0.9
        k = m.scenario.school.departments
        domain = (int(D.agendas(staff, k)[0]) + 1) % K
        item = W._mandate(m, domain, -5.0)  # far below any competence: success all but certain
        m.items.remove(item)
        m.head_items -= 1
        before = staff.practice.copy()
        assert W.complete(m, item) == "success"
        off = D.agendas(staff, k)[staff.department] != domain
        return float((staff.practice - before)[off & (staff.role == NONE)].sum())

    assert practice_gain(0.9) > practice_gain(0.0)


def test_departments_carry_their_agendas_to_a_head_who_listens_but_not_to_an_empty_office():
    def need(distribution: float) -> np.ndarray:
        return D.agenda_need(_model(h={"head": {"distribution": distribution}}))

    listening, closed = need(0.9), need(0.1)
    assert 0 < closed.sum() < listening.sum() <= 1.0
    m = _model()
    agendas = set(D.agendas(m.staff, m.scenario.school.departments).tolist())
    assert set(np.flatnonzero(D.agenda_need(m)).tolist()) <= agendas
    m.head = None
    assert D.agenda_need(m).sum() == 0


def test_the_departments_agendas_shift_the_work_that_arises_toward_them():
    m = _model(h={"head": {"distribution": 1.0}}, v={"departments": {"voice": 5.0}})
    pushed = D.agenda_need(m)
    favoured = np.flatnonzero(pushed)
    with_voice = W.need_profile(m)
    m.scenario.departments.voice = 0.0
    without = W.need_profile(m)
    # The profile is a share, so the agendas' pull is read as a whole and for the most pushed
    # domain: one department's agenda can lose share to several departments' agenda.
    assert 0 < favoured.size < len(pushed)
    assert with_voice[favoured].sum() > without[favoured].sum()
    assert with_voice[pushed.argmax()] > without[pushed.argmax()]
    assert (with_voice[pushed == 0] < without[pushed == 0]).all()


def test_a_wary_department_leader_still_argues_for_the_department():
    m = _model()
    staff = m.staff
    k = m.scenario.school.departments
    before = D.advocacy(staff, k).copy()
    staff.trust_head[:] = 0.0
    assert (D.advocacy(staff, k) == before).all()
    assert (D.broker_strength(staff, k) == 0).all()


def test_without_voice_the_departments_agendas_do_not_reach_the_head():
    m = _model(b={"departments": {"voice": 0.0}})
    assert D.agenda_need(m).sum() == 0


def test_a_hierarchical_culture_keeps_post_holders_and_the_rest_apart():
    def cross_role_ties(hierarchy: float) -> float:
        total = 0.0
        for seed in range(3):
            m = SchoolModel(Scenario.model_validate({"school": {"hierarchy": hierarchy}, "years": 1}), rng=seed)
            post = m.staff.role > 0
            total += float(m.staff.ties[np.ix_(post, ~post)].sum())
        return total

    assert cross_role_ties(0.9) < 0.5 * cross_role_ties(0.0)


def test_teachers_on_different_sites_form_fewer_ties_working_together():
    m = SchoolModel(Scenario.model_validate({"school": {"sites": 2, "site_distance": 0.8, "egg_crate": 0.0}}), rng=2)
    staff = m.staff
    where = site_of(staff, 2)
    a = np.flatnonzero(where == 0)[:2]
    b = np.flatnonzero(where == 1)[:2]
    members = np.concatenate([a, b])
    staff.ties[np.ix_(members, members)] = 0.0
    W._strengthen_ties(m, members, 4, 1.0)
    block = staff.ties[np.ix_(members, members)]
    assert block[0, 1] > 0 and block[2, 3] > 0
    assert block[0, 2] < 0.5 * block[0, 1]
    assert block[0, 2] == pytest.approx(block[1, 3])


def test_a_school_on_one_site_with_no_hierarchy_has_no_barriers_beyond_the_egg_crate():
    m = SchoolModel(Scenario(), rng=0)
    assert barriers_between(m.staff, np.arange(m.staff.n), m.scenario) is None


def test_in_a_hierarchical_culture_teachers_without_a_post_take_up_leading_less():
    plain = _model()
    steep = _model(c={"school": {"hierarchy": 0.6}})
    no_post = plain.staff.role == NONE
    assert np.allclose(W.gap_propensity(steep)[no_post], 0.4 * W.gap_propensity(plain)[no_post])
    assert np.allclose(W.willingness(steep)[no_post], 0.4 * W.willingness(plain)[no_post])
    assert np.array_equal(W.willingness(steep)[~no_post], W.willingness(plain)[~no_post])


def test_a_team_spread_over_sites_is_less_competent_than_one_on_a_site():
    m = SchoolModel(Scenario.model_validate({"school": {"sites": 2, "site_distance": 0.8}}), rng=4)
    where = site_of(m.staff, 2)
    here = np.flatnonzero(where == 0)[:4]
    spread = np.concatenate([np.flatnonzero(where == 0)[:2], np.flatnonzero(where == 1)[:2]])
    # the same people would be as competent on one site: compare each team with itself on one site
    for team in (here, spread):
        item = W._begin(m, W.DESIGN, 1, 0.5, int(team[0]), team, support=0.5, discipline=0.5, time=0.15)
        m.items.remove(item)
        at_distance = W.competence(m, item)
        m.scenario.school.sites = 1
        together = W.competence(m, item)
        m.scenario.school.sites = 2
        if team is here:
            assert at_distance == together
        else:
            assert at_distance < together
