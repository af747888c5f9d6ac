"""``leadsim calibrate``: refusals of bad specs, recovery of a known parameter, and determinism.

The calibrations here run a small school (20 teachers) for a few years so that each takes seconds
per generation; the bundled example (``experiments/calibrate-turnover.yaml``) is run by hand and
reported in docs/validation.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from leadsim.analysis.calibration import (
    MEASURES,
    calibrate,
    load_calibration,
    simulate,
)
from leadsim.cli import main
from leadsim.sim.config import Scenario
from leadsim.sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"school": {"teachers": 20, "students": 100, "parents": 100, "departments": 2}}
#: years of the small school's ordinary run: 2 seeds see about 120 teacher-years per candidate
YEARS = 3
SMALL_YAML = "set:\n  school: {teachers: 20, students: 100, parents: 100, departments: 2}\n"


def _leadsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "leadsim.cli", *args], capture_output=True, text=True, env=env, cwd=cwd
    )


def _spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\ntargets: [E2.rate]\n"

#: a spec (and optional data file) with one mistake -> what the one-line message must say
BAD = {
    "unknown target": (
        "parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\ntargets: [E2.rat]\n",
        None,
        ["spec.yaml:3:", "unknown target 'E2.rat'", "did you mean 'E2.rate'?"],
    ),
    "unknown parameter": (
        "parameters:\n  teachers.exit_rat: {min: 0.02, max: 0.4}\ntargets: [E2.rate]\n",
        None,
        ["spec.yaml:2:", "unknown parameter 'teachers.exit_rat'", "did you mean 'teachers.exit_rate'?"],
    ),
    "min above max": (
        "parameters:\n  teachers.exit_rate: {min: 0.4, max: 0.02}\ntargets: [E2.rate]\n",
        None,
        ["spec.yaml:2:", "parameters.teachers.exit_rate", "min (0.4) must be below max (0.02)"],
    ),
    "range beyond the setting's": (
        "parameters:\n  teachers.exit_rate: {min: 0.02, max: 1.5}\ntargets: [E2.rate]\n",
        None,
        ["parameters.teachers.exit_rate.max", "must be at most 1", "(got 1.5)"],
    ),
    "a whole-number setting": (
        "parameters:\n  school.teachers: {min: 10, max: 40}\ntargets: [E2.rate]\n",
        None,
        ["parameters.school.teachers", "numeric (non-integer) setting"],
    ),
    "a target without an E-range or value": (
        "parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\ntargets: [E2.novices]\n",
        None,
        ["E2.novices has no E-range", "value"],
    ),
    "no targets": ("parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\n", None, ["give at least one target"]),
    "data file that does not parse": (
        "parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\ndata: data.yaml\n",
        "E2.rate: {value: 0.17, sd: 0.01\n",
        ["data.yaml:", "invalid YAML"],
    ),
    "data file with an unknown measure": (
        "parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\ndata: data.yaml\n",
        "E2.rate: {value: 0.17, sd: 0.01}\nE9.rate: {value: 1, sd: 1}\n",
        ["data.yaml:2:", "unknown target 'E9.rate'"],
    ),
    "data file with half a target": (
        "parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\ndata: data.yaml\n",
        "E2.rate: {value: 0.17}\n",
        ["data.yaml:1:", "E2.rate", "give both value and sd"],
    ),
    "missing data file": (
        "parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\ndata: nowhere.yaml\n",
        None,
        ["spec.yaml:3:", "data: file not found", "nowhere.yaml"],
    ),
    "misspelt spec field": (
        GOOD + "populaton: 10\n",
        None,
        ["spec.yaml:4:", "populaton", "did you mean 'population'?"],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_spec_is_refused_with_one_line_and_nothing_written(tmp_path, monkeypatch, capsys, case):
    text, data, wanted = BAD[case]
    spec = _spec(tmp_path, text)
    if data is not None:
        _spec(tmp_path, data, "data.yaml")
    monkeypatch.chdir(tmp_path)
    code = main(["calibrate", "spec.yaml", "--out", "out", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leadsim: error:"), err
    for w in wanted:
        assert w in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["spec.yaml", *(["data.yaml"] if data else [])])
    assert spec.exists()


def test_an_output_folder_that_holds_something_else_is_refused_before_running(tmp_path):
    spec = _spec(tmp_path, GOOD)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    out = _leadsim("calibrate", str(spec), "--out", str(tmp_path / "out"))
    assert out.returncode == 2 and "not a leadsim calibration directory" in out.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_the_bundled_example_loads_with_the_e_ranges_as_targets():
    loaded = load_calibration("calibrate-turnover")
    assert set(loaded.priors) == {"events.head_exit_hazard", "teachers.exit_rate", "practice.head_capacity_effect"}
    assert loaded.targets["E1.rate"] == pytest.approx((0.185, 0.035))  # centre and half-width of 15-22 %
    assert loaded.targets["E3.dip"] == pytest.approx((0.035, 0.025))
    for key, (lo, hi) in loaded.priors.items():  # the model's defaults lie inside the priors
        default = Scenario().model_dump()
        for part in key.split("."):
            default = default[part]
        assert lo < default < hi


def test_the_measures_are_those_the_checks_compute():
    """The turnover measures on a run agree with E2's figures on the same seeds (E2 runs 10 years)."""
    from leadsim.analysis.empirical import e2_teacher_turnover

    got = simulate({}, {}, ["E2.rate", "E2.novices", "E2.veterans"], [0, 1, 2], ordinary_years=10)
    e2 = e2_teacher_turnover(range(3))
    assert got["E2.rate"] == pytest.approx(e2.details["rate"])
    assert got["E2.novices"] == pytest.approx(e2.details["novices"])
    assert got["E2.veterans"] == pytest.approx(e2.details["veterans"])
    assert set(MEASURES) >= {"E1.rate", "E2.rate", "E3.dip"}


def _tiny(tmp_path: Path, target: float, population: int, generations: int, seed: int) -> Path:
    _spec(tmp_path, f"E2.rate: {{value: {target!r}, sd: 0.01}}\n", "data.yaml")
    return _spec(
        tmp_path,
        "parameters:\n  teachers.exit_rate: {min: 0.02, max: 0.4}\ndata: data.yaml\n"
        + SMALL_YAML
        + f"population: {population}\ngenerations: {generations}\nseeds: 2\nordinary_years: {YEARS}\nseed: {seed}\n",
    )


def test_a_known_parameter_is_recovered_from_its_own_measure(tmp_path):
    """Data made at exit_rate 0.12: the posterior's centre lies within 0.04 of it and its 90 % interval covers it."""
    pytest.importorskip("pyabc")
    true = 0.12
    observed = simulate(SMALL, {"teachers.exit_rate": true}, ["E2.rate"], range(100, 124), ordinary_years=YEARS)
    loaded = load_calibration(_tiny(tmp_path, observed["E2.rate"], population=12, generations=3, seed=5))
    result = calibrate(loaded, workers=1)
    centre, spread = result.centre["teachers.exit_rate"], result.spread["teachers.exit_rate"]
    assert abs(centre - true) < 0.04, (centre, spread)
    assert spread["q05"] < true < spread["q95"], spread
    assert spread["q95"] - spread["q05"] < 0.5 * (0.4 - 0.02), spread  # narrower than half the prior
    assert result.generations["acceptance_rate"].iloc[-1] < 1.0


def test_same_seed_same_posterior_on_any_number_of_workers(tmp_path):
    pytest.importorskip("pyabc")
    loaded = load_calibration(_tiny(tmp_path, 0.17, population=4, generations=2, seed=11))
    one = calibrate(loaded, workers=1)
    again = calibrate(loaded, workers=1)
    two = calibrate(loaded, workers=2)
    pd.testing.assert_frame_equal(one.posterior, again.posterior)
    pd.testing.assert_frame_equal(one.posterior, two.posterior)
    assert one.evaluations == two.evaluations > 4
    other = calibrate(load_calibration(_tiny(tmp_path, 0.17, population=4, generations=2, seed=12)), workers=1)
    assert not np.allclose(one.posterior["teachers.exit_rate"], other.posterior["teachers.exit_rate"])


def test_the_command_writes_posterior_page_and_scenario_all_or_nothing(tmp_path):
    pytest.importorskip("pyabc")
    spec = _tiny(tmp_path, 0.17, population=4, generations=2, seed=3)
    out = tmp_path / "cal"
    done = _leadsim("calibrate", str(spec), "--out", str(out), "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["posterior.parquet", "generations.parquet", "calibration.html", "calibrated.yaml", "summary.json"]
    )
    post = pd.read_parquet(out / "posterior.parquet")
    assert list(post.columns) == ["teachers.exit_rate", "weight", "distance"] and len(post) == 4
    assert post["weight"].sum() == pytest.approx(1.0)
    page = (out / "calibration.html").read_text(encoding="utf-8")
    assert 'id="marginal-0"' in page and "plotly.js v" in page  # the library inline: opens offline
    assert "<script src=" not in page and 'src="http' not in page
    scenario = load_scenario(str(out / "calibrated.yaml"))
    centre = float(np.average(post["teachers.exit_rate"], weights=post["weight"]))
    assert scenario.teachers.exit_rate == pytest.approx(centre, rel=1e-3)
    assert scenario.school.teachers == 20  # the spec's 'set' is part of the calibrated school
    assert "teachers.exit_rate: centre" in done.stdout
    assert not list(tmp_path.glob("cal.tmp-*"))
    again = _leadsim("calibrate", str(spec), "--out", str(out), "--workers", "1", cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # a calibration folder is replaced
    assert pd.read_parquet(out / "posterior.parquet").equals(post)


def test_a_dask_cluster_gives_the_same_posterior(tmp_path):
    """``--scheduler``: two Dask worker processes on 127.0.0.1 give the posterior of one local process."""
    pytest.importorskip("pyabc")
    from distributed import LocalCluster

    loaded = load_calibration(_tiny(tmp_path, 0.17, population=4, generations=2, seed=11))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster:
        on_cluster = calibrate(loaded, scheduler=cluster.scheduler_address)
    here = calibrate(loaded, workers=1)
    pd.testing.assert_frame_equal(on_cluster.posterior, here.posterior)


@pytest.mark.parametrize(
    "value", ["teachers.exit_rate=abc", "teachers.exit_rate=2", "nosuch.x=1", "teachers.exit_rate"]
)
def test_the_baseline_calibration_refuses_a_bad_setting_in_one_line_before_running(value):
    script = ROOT / "docs" / "calibrate_baseline.py"
    out = subprocess.run([sys.executable, str(script), "--set", value], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("calibrate_baseline.py: --set ")
    assert "Traceback" not in out.stderr and out.stdout == ""
