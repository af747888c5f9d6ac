"""What is measured: weekly model-level measures and per-departure succession measures.

Weekly measures are small functions over the model's arrays; the succession measures are
computed from the collected time series, around each head departure.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from leadsim.sim.arrays import count_nonzero, mean, share_of
from leadsim.sim.work import DESIGN, attention, head_bandwidth

if TYPE_CHECKING:
    from leadsim.sim.model import SchoolModel


@dataclass(frozen=True)
class Measure:
    """One weekly measure: its column name in ``timeseries.parquet`` and what it means.

    The values are computed together, in one pass over the arrays, by :meth:`Measures.observe`
    (a test keeps its keys equal to :data:`MEASURES`); the README's column table is generated
    from this list (``docs/gen_params.py``) and reports label their charts with it.
    """

    name: str
    meaning: str


#: the model-level measures collected every step, in order
MEASURES: tuple[Measure, ...] = (
    Measure("step", "week of the run (0 is the starting state)"),
    Measure("year", "elapsed school years, `step / weeks_per_year`"),
    Measure(
        "attainment",
        "mean student attainment relative to expected progress, in SD; not 0 at the start: older year "
        "groups start with the value added of their years at the school",
    ),
    Measure(
        "learning_gain",
        "the school's value added this week, as SD of attainment per school year "
        "(expected growth, before individual noise)",
    ),
    Measure(
        "value_added",
        "mean `learning_gain` over the last school year, SD per year: the school's value added "
        "without the year-end saw-tooth of `attainment` (over the weeks so far in the first year)",
    ),
    Measure(
        "teaching_quality",
        "mean teaching effectiveness of teachers: practice + effort − overload (can exceed 1)",
    ),
    Measure("teaching_practice", "mean teaching practice of teachers, owned or not, without effort (0–1)"),
    Measure(
        "practice_owned",
        "share of teachers' teaching practice that they own rather than comply with (0–1)",
    ),
    Measure("leadership_capacity", "mean leadership capacity of teachers (0–1)"),
    Measure("leadership_density", "share of teachers exercising leadership now (0–1)"),
    Measure("distribution_index", "share of all leadership acts not performed by the head (0–1)"),
    Measure("leadership_gini", "Gini coefficient of leadership acts over the head and teachers (0–1)"),
    Measure(
        "influence_centralisation",
        "Freeman out-degree centralisation of the influence network (0–1; 1 is a star around one person)",
    ),
    Measure(
        "leadership_acts",
        "leadership acts per week by everyone (smoothed over a term): head, teachers, students, parents",
    ),
    Measure(
        "head_influence",
        "share of the teachers the head's leadership reaches (smoothed; mandates, line management, coaching teams)",
    ),
    Measure("staff_influence", "mean share of colleagues each teacher's leadership reaches (smoothed)"),
    Measure("trust", "mean of `trust_head` and `trust_colleagues` (0–1)"),
    Measure("trust_head", "teachers' mean trust in the head (0–1)"),
    Measure("trust_colleagues", "teachers' mean trust in colleagues (0–1)"),
    Measure("cynicism", "teachers' mean cynicism about improvement efforts (0–1)"),
    Measure("network_density", "share of possible collaboration ties among teachers that are present (0–1)"),
    Measure("network_clustering", "global clustering coefficient (transitivity) of the tie network (0–1)"),
    Measure("teacher_turnover", "share of teachers who left at the last year end (0–1)"),
    Measure("fatigue", "teachers' mean fatigue (strain) stock (0–1)"),
    Measure("overload", "teachers' mean commitments beyond their weekly time budget (share of the budget)"),
    Measure("routines", "mean strength of the school's improvement routines and structures (0–1)"),
    Measure("roles_held", "share of teachers holding a leadership role: a formal post or a whole-school role (0–1)"),
    Measure("design_readiness", "how far the head's distribution by design has been built up (0–1, in phases)"),
    Measure("student_engagement", "mean student engagement and behaviour (0–1)"),
    Measure("student_voice", "mean student voice: how far students are heard (0–1)"),
    Measure("parent_engagement", "mean parent engagement with the school (0–1)"),
    Measure("parent_trust", "mean parent trust in the school (0–1)"),
    Measure("head_id", "Mesa id of the head in post; -1 while the post is vacant"),
    Measure("head_charisma", "charisma of the head in post (0–1); 0 while vacant"),
    Measure("crisis", "1 during a crisis, else 0"),
    Measure("items_active", "improvement items running now"),
    Measure("items_succeeded", "improvement items succeeded so far (cumulative)"),
    Measure("items_failed", "improvement items failed so far (cumulative)"),
)
#: their column names
COLUMNS = tuple(m.name for m in MEASURES)
#: column name -> meaning
MEANINGS = {m.name: m.meaning for m in MEASURES}
#: smoothing of weekly acts and influence: an exponential window of about a school term
TERM_WEEKS = 13
ALPHA = 2.0 / (TERM_WEEKS + 1)
#: acts (smoothed per week) above which a teacher counts as exercising leadership now
DENSITY_THRESHOLD = 0.1
#: ndarray.sum and ndarray.max without their Python-level wrappers (the same reductions)
_sum = np.add.reduce
_max = np.maximum.reduce
#: the succession measures reported for each departure
KEPT_YEARS = (1, 3, 5)
#: below this gain (SD) before a departure, a share of it "kept" is noise, not a measure: about
#: 1.5x the between-seed spread (0.0065 SD, measured) of the default school's mean attainment after a year
MIN_GAIN = 0.01


def gini(x: np.ndarray, *, in_place: bool = False) -> float:
    """Gini coefficient of non-negative values (0 equal, near 1 one holds all).

    ``in_place``: sort ``x`` itself (a scratch array of the caller's) instead of a copy.
    """
    total = _sum(x)  # before sorting: the pairwise sum depends on the order
    n = x.size
    if n < 2 or total <= 0:
        return 0.0
    s = x if in_place else x.copy()  # np.sort(x) without its wrapper: the same copy, sorted in place
    s.sort()
    return float(_rank_weights(n) @ s / (n * total))


@functools.cache
def _rank_weights(n: int) -> np.ndarray:
    """The Gini coefficient's weight of each rank, ``2i - n - 1``: the same every week of a run."""
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    weights.flags.writeable = False
    return weights


def centralisation(out_strength: np.ndarray) -> float:
    """Freeman out-degree centralisation of the shares of influence each actor exerts.

    1 for a star (one actor influences everyone, nobody else influences anyone), 0 when all
    actors influence equally. On shares rather than amounts, it measures how influence is
    distributed and not how much there is: the slope of Tannenbaum's (1968) control graph, not
    its height, which can rise for everyone at once (Leithwood & Mascall 2008).
    """
    n = out_strength.size
    total = float(_sum(out_strength))
    if n < 2 or total <= 0:
        return 0.0
    share = out_strength / total
    return float(_sum(_max(share) - share) / (n - 1))


def density_and_clustering(ties: np.ndarray, threshold: float) -> tuple[float, float]:
    """Share of possible ties present, and the global clustering coefficient (transitivity)."""
    return _density_and_clustering(ties > threshold)


def _density_and_clustering(present: np.ndarray) -> tuple[float, float]:
    a = present.astype(float)
    n = a.shape[0]
    if n < 2:
        return 0.0, 0.0
    deg = a.sum(axis=1)
    density = float(deg.sum() / (n * (n - 1)))
    triples = float((deg * (deg - 1)).sum())
    if triples == 0:
        return density, 0.0
    closed = float(((a @ a) * a).sum())  # trace(A^3): matmul is BLAS, einsum here is not
    return density, closed / triples


def succession_measures(ts: pd.DataFrame, departures: list[dict], weeks_per_year: int) -> list[dict]:
    """Around each departure: level before, deepest drop, gains kept, recovery, capacity kept.

    Every reading after a departure is taken at the same point of the school year as the level
    before it: the mean over the term (``TERM_WEEKS``) before the departure's week, and the mean over
    the term before the same week 1, 2, ... years later. Attainment and capacity step at every year
    end (a cohort leaves with its gains and a new one arrives; teachers are replaced), so a reading
    straight after a year end would count about a year's value added as lost where nothing happened.
    The drop and the recovery are therefore read once a year, in whole years.

    Gains are attainment above the level at the start of the run (the intake baseline);
    ``kept_Ny`` is the share of the gain at departure still there N years later (may exceed
    1 where the school kept improving); NaN when the run ends too early or there was no gain.
    """
    out = []
    att = ts["attainment"].to_numpy()
    cap = ts["leadership_capacity"].to_numpy()
    steps = ts["step"].to_numpy()
    base = float(att[0])

    for dep in departures:
        d = int(np.searchsorted(steps, dep["week"]))
        # the term before the departure, shorter if the run is younger than a term; every later
        # reading spans the same weeks of the year, so that none reaches back across a year end
        width = min(TERM_WEEKS, d)

        def term_before(x: np.ndarray, j: int, width: int = width) -> float:
            return float(x[j - width : j].mean()) if width else float(x[j])

        before = term_before(att, d)
        cap_before = term_before(cap, d)
        gain = before - base
        # the term before the departure's week of the year, in each of the years after it
        later = {k: d + k * weeks_per_year for k in range(1, max(KEPT_YEARS) + 1)}
        level = {k: term_before(att, j) for k, j in later.items() if j <= att.size}
        drops = [before - v for v in level.values()]
        row = {
            "week": dep["week"],
            "head_id": dep["head_id"],
            "reason": dep["reason"],
            "level_before": before,
            "gain_before": gain,
            "deepest_drop": max(drops) if drops else math.nan,
            "capacity_before": cap_before,
        }
        for k in KEPT_YEARS:
            ok = k in level
            row[f"kept_{k}y"] = float((level[k] - base) / gain) if ok and gain > MIN_GAIN else math.nan
            # the same in absolute terms, defined whatever the gain: attainment lost since the departure
            row[f"lost_{k}y"] = float(before - level[k]) if ok else math.nan
            cap_k = term_before(cap, later[k]) if ok else math.nan
            row[f"capacity_kept_{k}y"] = float(cap_k / cap_before) if ok and cap_before > 0 else math.nan
        # whole years from the departure until attainment is back at its level before, from the
        # lowest reading on (0 if it never fell below it; NaN if it is not back within the run)
        if not drops or max(drops) <= 0:
            row["years_to_recover"] = 0.0 if drops else math.nan
        else:
            low = max(level, key=lambda k: before - level[k])
            back = [k for k, v in level.items() if k >= low and v >= before]
            row["years_to_recover"] = float(back[0]) if back else math.nan
        out.append(row)
    return out


class Measures:
    """Running state behind the weekly measures (smoothed acts and influence)."""

    def __init__(self, n_teachers: int) -> None:
        self.head_acts = 0.0
        self.other_acts = 0.0  # students and parents
        self.acts = np.zeros(n_teachers)
        # out-strength of the influence network: index 0 is the head, 1.. the teachers
        self.influence = np.zeros((n_teachers + 1, n_teachers + 1))
        self.turnover = 0.0
        self.weeks = 0
        self.succeeded = 0
        self.failed = 0
        self._network_key: bytes | None = None
        self._network = (0.0, 0.0)

    def forget(self, slots: np.ndarray) -> None:
        """A new teacher in these slots has no leadership history yet."""
        self.acts[slots] = 0.0
        self.influence[slots + 1, :] = 0.0
        self.influence[:, slots + 1] = 0.0

    def network(self, ties: np.ndarray, threshold: float) -> tuple[float, float]:
        """:func:`density_and_clustering` of the tie network, recomputed only when it has changed.

        Ties drift every week but cross the threshold in few weeks, and the clustering coefficient
        (a matrix product) is the dearest measure of the week.
        """
        present = ties > threshold
        key = present.tobytes()
        if key != self._network_key:
            self._network_key = key
            self._network = _density_and_clustering(present)
        return self._network

    def observe(self, model: SchoolModel) -> dict[str, float]:
        """Update the smoothed state from this week's work and return the measures."""
        staff = model.staff
        a = ALPHA
        head_acts = 0.0
        infl = self.influence
        infl *= 1.0 - a
        head = model.head
        # Influence counts as far as it is taken up: by those who trust its source, and not by the
        # cynical, who go through the motions whoever leads (the same drag as on buy-in to practice).
        receptive = 1.0 - model.scenario.trust.cynicism_drag * staff.cynicism
        # Influence flows through interaction: teachers working on improvement are in conversation
        # with whoever leads it and take up more of the head's direction than those only told
        # (Tannenbaum 1968, the control graph: participation expands the total amount of control).
        involved = 0.5 + 0.5 * np.minimum(staff.load, 1.0)
        take_up_head = receptive * involved * staff.trust_head
        take_up_peer = receptive * staff.trust_colleagues
        # How much of each teacher's work the head's leadership touches this week (0-1), by channel.
        if head is not None:
            # An overloaded head leads each item thinly: their items count as the slots they fill.
            head_acts = model.scenario.work.head_routine_acts + model.head_items * attention(model)
            senior = staff.senior()  # line management of the senior team: 1, before the other channels
            # Two whole-school channels (Leithwood et al. 2006, core practices): managing the
            # programme through the head's own mandates, as far as they fill the head's bandwidth
            # (one initiative is not a school run from the top), and redesigning the organisation
            # so that others lead: the roles, teams and protected time every teacher works within
            # ("the headteacher remains central, creating the conditions", Harris 2008).
            cfg = model.scenario
            room = head_bandwidth(model) * cfg.work.duration_weeks
            agenda = min(1.0, model.head_items / room) if room > 0 else float(model.head_items > 0)
            structures = float(model.weights[DESIGN]) * head.distribution
            reach = senior + (agenda + structures)  # (True + x is 1.0 + x; False + x is 0.0 + x)
        else:
            reach = np.zeros(staff.n)
        other = 0.0
        # Leading done this week: each member's part in the work (thin in a crowd), as for capacity
        # (a mandate has no members, so its part is nobody's).
        leading = model.parts()
        for item in model.items:
            if item.mode != 0:
                members = item.members + 1
                # A lead's influence is taken up as far as the members trust their colleagues.
                infl[item.leader + 1, members] += a * take_up_peer[item.members]
                other += item.students + item.parents
                if head is not None and item.support > 0:
                    # A head who backs a team gave it its time, its members and its purpose: they
                    # "may not implement the changes but they can motivate others to take
                    # responsibility" (Harris 2008, "leaders of leaders"). An act of the head's.
                    reach[item.members] += item.support
                    head_acts += item.support
        # Everyday influence among colleagues: the talk along ties through which practice spreads
        # (7.4), as focused as the discipline the pair brings to it (Spillane 2006: leadership is
        # in the interactions, formal and informal).
        d = staff.pair_discipline()
        infl[1:, 1:] += a * staff.ties * d * take_up_peer[None, :]
        # Nobody is influenced by the head beyond what they take up, however many channels reach them.
        infl[0, 1:] += a * np.minimum(reach, 1.0) * take_up_head
        np.minimum(infl, 1.0, out=infl)
        self.head_acts += a * (head_acts - self.head_acts)
        self.other_acts += a * (other - self.other_acts)
        self.acts += a * (leading - self.acts)
        # Early on the smoothed values have little history: correct for it (as in Adam's moments).
        self.weeks += 1
        corr = 1.0 / (1.0 - (1.0 - a) ** self.weeks)
        acts = self.acts * corr
        head_acts, other = self.head_acts * corr, self.other_acts * corr
        total = head_acts + other + _sum(acts)
        density, clustering = self.network(staff.ties, model.scenario.network.tie_threshold)
        pupils, families = model.pupils, model.families
        n = staff.n
        strength = np.minimum((_sum(infl, axis=1) - infl.diagonal()) * corr, infl.shape[0] - 1)
        # the acts of the teachers and the head, for the Gini coefficient
        everyone = np.empty(n + 1)
        everyone[:n] = acts
        everyone[n] = head_acts
        trust_head, trust_colleagues = mean(staff.trust_head), mean(staff.trust_colleagues)
        return {
            "step": model.week,
            "year": model.week / model.scenario.school.weeks_per_year,
            "attainment": mean(pupils.attainment),
            "learning_gain": model.learning_gain,
            "teaching_quality": mean(model.teaching),
            "teaching_practice": mean(staff.practice),
            "practice_owned": float(_sum(staff.owned) / max(_sum(staff.practice), 1e-12)),
            "value_added": model.value_added,
            "leadership_capacity": mean(staff.capacity),
            "leadership_density": share_of(acts > DENSITY_THRESHOLD),
            "distribution_index": float(1.0 - head_acts / total) if total > 0 else 0.0,
            "leadership_gini": gini(everyone, in_place=True),
            "influence_centralisation": centralisation(strength),
            "leadership_acts": float(total),
            "head_influence": float(strength[0] / n),
            "staff_influence": mean(strength[1:]) / max(1, n - 1),
            "trust": 0.5 * trust_head + 0.5 * trust_colleagues,
            "trust_head": trust_head,
            "trust_colleagues": trust_colleagues,
            "cynicism": mean(staff.cynicism),
            "network_density": density,
            "network_clustering": clustering,
            "teacher_turnover": self.turnover,
            "fatigue": mean(staff.fatigue),
            "overload": mean(model.overload),
            "routines": mean(model.routines),
            "roles_held": float(count_nonzero(staff.role_holders() | staff.whole_school)) / staff.n,
            "design_readiness": model.readiness,
            "student_engagement": mean(pupils.engagement),
            "student_voice": mean(pupils.voice),
            "parent_engagement": mean(families.engagement) if families.n else 0.0,
            "parent_trust": mean(families.trust) if families.n else 0.0,
            "head_id": int(head.unique_id) if head is not None else -1,
            "head_charisma": float(head.charisma) if head is not None else 0.0,
            "crisis": int(model.crisis is not None),
            "items_active": len(model.items),
            "items_succeeded": self.succeeded,
            "items_failed": self.failed,
        }
