"""Every bundled scenario loads, documents itself and runs to the end with sane values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from leadsim.sim.config import Scenario
from leadsim.sim.model import SchoolModel
from leadsim.sim.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))

#: columns that are shares or levels in 0-1 (teaching_quality and attainment are not)
SHARE_COLUMNS = (
    "teaching_practice",
    "leadership_capacity",
    "leadership_density",
    "distribution_index",
    "leadership_gini",
    "influence_centralisation",
    "trust",
    "trust_head",
    "trust_colleagues",
    "cynicism",
    "network_density",
    "network_clustering",
    "teacher_turnover",
    "student_engagement",
    "student_voice",
    "parent_engagement",
    "parent_trust",
    "head_charisma",
    "crisis",
)


def test_scenarios_are_bundled() -> None:
    names = {p.stem for p in SCENARIOS}
    assert {"charismatic-solo", "charismatic-design", "demo", "reference"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_documents_itself(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert len(header) >= 3, f"{path.name} must begin with a comment block (what, source, what to look at)"
    text = "\n".join(header).lower()
    assert "source" in text and "look at" in text, (
        f"{path.name}: the comment block must name its source and what to look at"
    )
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(raw.get("description"), str) and raw["description"].strip(), f"{path.name}: no description"
    # The loader names a scenario after its file; a different name here would mislabel its runs.
    assert raw.get("name", path.stem) == path.stem, f"{path.name}: name should be the file's stem, or left out"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_runs(path: Path) -> None:
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name == path.stem
    model = SchoolModel(scenario)
    model.run()
    ts = model.timeseries()
    assert len(ts) == scenario.steps + 1
    assert list(ts["step"]) == list(range(scenario.steps + 1))
    numeric = ts.select_dtypes("number")
    assert numeric.shape[1] == ts.shape[1], "every column should be numeric"
    assert np.isfinite(numeric.to_numpy(dtype=float)).all(), f"{path.stem}: NaN or inf in the time series"
    for col in SHARE_COLUMNS:
        values = ts[col]
        assert values.between(0.0, 1.0).all(), f"{path.stem}: {col} leaves [0, 1]: {values.min()}..{values.max()}"
    assert set(ts["crisis"].unique()) <= {0, 1}
    wpy = scenario.school.weeks_per_year
    # The scripted story happens: every scheduled departure and crisis shows up.
    departures = {d["week"] for d in model.departures}
    assert {d.step(wpy) for d in scenario.events.head_departures} <= departures
    starts = {c["week"] for c in model.crises}
    assert {c.step(wpy) for c in scenario.events.crises} <= starts


def test_extends_merges_with_the_base() -> None:
    base = load_scenario(Path(SCENARIOS[0]).with_name("charismatic-solo.yaml"))
    design = load_scenario(Path(SCENARIOS[0]).with_name("charismatic-design.yaml"))
    # inherited from charismatic-solo
    assert design.years == base.years == 12
    assert design.head.charisma == base.head.charisma == 0.8
    assert design.events.head_departures == base.events.head_departures
    assert design.events.head_exit_hazard == 0.0 and design.events.crisis_hazard == 0.0
    # its own
    assert design.head.distribution == 0.8 and design.head.authenticity == 0.9
    assert design.leadership.pattern.weights() == pytest.approx((0.2, 0.8, 0.0, 0.0))
    assert design.school.student_council and not base.school.student_council
