"""``leadsim sweep`` on one machine: output layout, seeds, resuming after SIGKILL and Ctrl-C, failing runs, specs.

The sweeps are real ``python -m leadsim.cli sweep`` subprocesses on two local Dask worker processes (and
in-process ones, ``--workers 0``, where a test needs to make a run fail by monkeypatching). The
experiment is ``experiments/smoke.yaml`` with 40 replications: 160 runs of a tiny school, enough
for the manifest to grow in several shards (one every 50 runs) before the sweep ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from leadsim.cli import main
from leadsim.experiments import runner, worker
from leadsim.experiments.spec import load_experiment, run_key, run_seed, summary_columns

ROOT = Path(__file__).resolve().parents[1]
SMOKE = str(ROOT / "experiments" / "smoke.yaml")
#: 4 design points x 40 replications = 160 runs: four shards of 50, 50, 50 and 10 runs
REPS = ["--set", "replications=40"]
N_RUNS = 160
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def sweep_process(out: Path, *extra: str) -> subprocess.Popen:
    """``python -m leadsim.cli sweep`` in its own process group (so the test can kill it and its workers)."""
    return subprocess.Popen(
        [sys.executable, "-m", "leadsim.cli", "sweep", SMOKE, *REPS, "--out", str(out), *extra],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_sweep(out: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    p = sweep_process(out, *extra)
    try:
        stdout, stderr = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        raise
    return subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)


def manifest_runs(out: Path) -> list[str]:
    path = out / "runs" / "manifest.jsonl"
    if not path.exists():
        return []
    runs = []
    for line in path.read_text().splitlines():
        try:
            runs.extend(json.loads(line)["runs"])
        except (ValueError, KeyError):
            pass  # a line being written right now
    return runs


def wait_for_partial_manifest(p: subprocess.Popen, out: Path, timeout: float = 90) -> int:
    """Wait until some but not all runs are in the manifest; return how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = len(manifest_runs(out))
        if 0 < n < N_RUNS:
            return n
        if p.poll() is not None:
            pytest.fail(f"the sweep ended before it could be interrupted (exit {p.returncode}): {p.stderr.read()}")
        time.sleep(0.01)
    os.killpg(p.pid, signal.SIGKILL)
    pytest.fail("the manifest never had part of the runs")


def summaries(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "summaries.parquet")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted sweep on two workers: the result every other sweep must reproduce exactly."""
    out = tmp_path_factory.mktemp("sweeps") / "reference"
    done = run_sweep(out, "--workers", "2")
    assert done.returncode == 0, done.stderr
    return out


# --- the output folder --------------------------------------------------------------------------


def test_layout_of_a_finished_sweep(reference: Path) -> None:
    assert sorted(p.name for p in reference.iterdir()) == [
        "design.parquet",
        "experiment.yaml",
        "model.sha256",
        "runs",
        "summaries.parquet",
    ]
    design = pd.read_parquet(reference / "design.parquet")
    assert list(design.columns) == ["point", "label", "pattern", "head.charisma"]
    assert design["point"].tolist() == [0, 1, 2, 3]
    assert design["label"].tolist()[0] == "pattern=solo, head.charisma=0.3"
    assert design["pattern"].tolist() == ["solo", "solo", "design", "design"]
    assert design["head.charisma"].tolist() == [0.3, 0.9, 0.3, 0.9]

    df = summaries(reference)
    factors = ["label", "pattern", "head.charisma"]
    assert list(df.columns) == [*runner.RUN_COLUMNS, *factors, *summary_columns()]
    assert len(df) == N_RUNS
    assert df["run_key"].tolist() == [run_key(p, r) for p in range(4) for r in range(40)]
    assert (df["status"] == "ok").all() and df["error"].isna().all()
    assert df[list(summary_columns())].dtypes.eq("float64").all()
    assert df["seed"].tolist() == [run_seed(7, p, r) for p in range(4) for r in range(40)]
    assert df.loc[df.point == 2, "pattern"].eq("design").all()
    # the factors reached the model: distributing by design spreads leadership
    assert df.groupby("pattern")["mean_distribution_index"].mean()["design"] > 0.2

    lines = (reference / "runs" / "manifest.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    # streamed: several shards, numbered in order (how many depends on how Dask batched the runs)
    assert [e["shard"] for e in entries] == list(range(len(entries))) and len(entries) >= 2
    keys = [k for e in entries for k in e["runs"]]
    assert sorted(keys) == sorted(df["run_key"]) and len(set(keys)) == len(keys)
    for e in entries:
        shard = pd.read_parquet(reference / "runs" / f"summaries-{e['shard']:05d}.parquet")
        assert shard["run_key"].tolist() == e["runs"]
        ts = pd.read_parquet(reference / "runs" / f"timeseries-{e['shard']:05d}.parquet")
        assert list(ts.columns[:4]) == ["run_key", "point", "replicate", "step"]
        assert set(ts["run_key"]) == set(e["runs"])
        assert (ts["step"] % 13 == 0).all()  # timeseries_every: 13
        assert ts.groupby("run_key").size().eq(7).all()  # steps 0, 13, ..., 78


def test_experiment_yaml_is_the_resolved_spec_and_runs_again(reference: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load((reference / "experiment.yaml").read_text())
    assert spec["name"] == "smoke" and spec["replications"] == 40 and spec["seed"] == 7
    assert spec["scenario"]["school"]["students"] == 100  # the base in full, set: applied
    assert spec["scenario"]["head"]["bandwidth"] == 1.0  # defaults included
    again = load_experiment(reference / "experiment.yaml")
    assert yaml.safe_load(again.resolved_yaml()) == spec
    # the same sweep from the resolved spec, into the same folder: nothing left to run, same file
    before = (reference / "summaries.parquet").read_bytes()
    assert main(["sweep", str(reference / "experiment.yaml"), "--out", str(reference), "--workers", "0"]) == 0
    assert (reference / "summaries.parquet").read_bytes() == before


def test_seeds_do_not_depend_on_the_number_of_workers(reference: Path, tmp_path: Path) -> None:
    one = run_sweep(tmp_path / "one", "--workers", "1")
    assert one.returncode == 0, one.stderr
    pd.testing.assert_frame_equal(summaries(tmp_path / "one"), summaries(reference))
    assert (tmp_path / "one" / "summaries.parquet").read_bytes() == (reference / "summaries.parquet").read_bytes()
    # and in this process, without Dask
    assert main(["sweep", SMOKE, *REPS, "--out", str(tmp_path / "zero"), "--workers", "0"]) == 0
    pd.testing.assert_frame_equal(summaries(tmp_path / "zero"), summaries(reference))


def test_seed_tree() -> None:
    expected = np.random.SeedSequence(entropy=2026, spawn_key=(3, 7)).generate_state(1, np.uint64)[0]
    assert run_seed(2026, 3, 7) == int(expected) & (2**63 - 1)
    assert len({run_seed(2026, p, r) for p in range(20) for r in range(20)}) == 400
    assert run_key(12, 3) == "p00012-r003"


# --- interruptions ------------------------------------------------------------------------------


def test_sigkill_halfway_then_resume_gives_exactly_the_uninterrupted_result(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    p = sweep_process(out, "--workers", "2")
    n = wait_for_partial_manifest(p, out)
    os.killpg(p.pid, signal.SIGKILL)
    p.communicate(timeout=30)
    assert not (out / "summaries.parquet").exists()
    # a crash can also leave a shard the manifest never listed and a torn manifest line
    shard = out / "runs" / "summaries-00099.parquet"
    shard.write_bytes(b"half a shard")
    with open(out / "runs" / "manifest.jsonl", "a") as f:
        f.write('{"shard": 99, "runs": ["p0000')
    done_before = len(manifest_runs(out))
    assert n <= done_before < N_RUNS

    resumed = run_sweep(out, "--workers", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {out}: {done_before} of {N_RUNS} runs already done" in resumed.stdout
    assert f"{N_RUNS - done_before} this time" in resumed.stdout
    assert not shard.exists()
    pd.testing.assert_frame_equal(summaries(out), summaries(reference))
    keys = manifest_runs(out)
    assert len(keys) == len(set(keys)) == N_RUNS  # no duplicated or missing run keys
    ts = pd.concat(pd.read_parquet(f) for f in sorted((out / "runs").glob("timeseries-*.parquet")))
    ref_ts = pd.concat(pd.read_parquet(f) for f in sorted((reference / "runs").glob("timeseries-*.parquet")))
    order = ["run_key", "step"]
    pd.testing.assert_frame_equal(
        ts.sort_values(order).reset_index(drop=True), ref_ts.sort_values(order).reset_index(drop=True)
    )


def test_ctrl_c_saves_what_is_done_and_says_how_to_resume(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    p = sweep_process(out, "--workers", "2")
    wait_for_partial_manifest(p, out)
    os.killpg(p.pid, signal.SIGINT)  # as a terminal does: the sweep and its workers
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    assert "interrupted" in last and "to resume, run the same command again" in last and str(out) in last
    assert "Traceback" not in stderr
    saved = manifest_runs(out)
    assert 0 < len(saved) < N_RUNS and len(saved) == len(set(saved))
    resumed = run_sweep(out, "--workers", "2")
    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(summaries(out), summaries(reference))


def test_a_resumed_sweep_with_another_spec_is_refused(reference: Path, capsys: pytest.CaptureFixture) -> None:
    before = {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    code = main(["sweep", SMOKE, "--set", "replications=3", "--out", str(reference), "--workers", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("leadsim: error: ")
    assert "experiment.yaml" in err and "replications: 40 there, 3 here" in err
    assert {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()} == before


def test_a_resumed_sweep_run_by_another_model_is_refused(reference: Path, capsys: pytest.CaptureFixture) -> None:
    # Resuming after sim/ changed would mix runs of two models in one table.
    stamp = reference / "model.sha256"
    assert stamp.read_text().strip() == worker.model_hash()
    stamp.write_text("0" * 64 + "\n")
    try:
        before = {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()}
        code = main(["sweep", SMOKE, *REPS, "--out", str(reference), "--workers", "0"])
        err = capsys.readouterr().err
        assert code == 2
        assert err.count("\n") == 1 and err.startswith("leadsim: error: ")
        assert "model.sha256" in err and "another version of the model" in err
        assert {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()} == before
    finally:
        stamp.write_text(worker.model_hash() + "\n")


# --- failing runs -------------------------------------------------------------------------------


def test_a_run_that_raises_becomes_an_error_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    real = worker.simulate
    bad = {run_seed(7, 1, 2), run_seed(7, 3, 0)}

    def fragile(data: dict, seed: int):
        if seed in bad:
            raise ValueError(f"the model broke\nfor seed {seed}")
        return real(data, seed)

    monkeypatch.setattr(worker, "simulate", fragile)
    out = tmp_path / "failing"
    code = main(["sweep", SMOKE, "--out", str(out), "--workers", "0"])
    stdout = capsys.readouterr().out
    assert code == 1
    assert "2 failed" in stdout and "2 runs failed" in stdout
    assert "p00001-r002: ValueError: the model broke for seed" in stdout
    df = summaries(out)
    assert len(df) == 12
    errors = df[df.status == "error"]
    assert errors["run_key"].tolist() == ["p00001-r002", "p00003-r000"]
    assert errors["error"].str.startswith("ValueError: the model broke for seed").all()
    assert "\n" not in "".join(errors["error"])
    assert errors[list(summary_columns())].isna().all().all()
    ok = df[df.status == "ok"]
    assert ok["error"].isna().all() and ok["final_attainment"].notna().all()
    ts_keys = set(pd.read_parquet(out / "runs" / "timeseries-00000.parquet")["run_key"])
    assert ts_keys == set(ok["run_key"])
    # a failed run is finished: running again does not retry it, and still reports it
    monkeypatch.setattr(worker, "simulate", real)
    assert main(["sweep", SMOKE, "--out", str(out), "--workers", "0"]) == 1
    assert "2 failed" in capsys.readouterr().out


# --- malformed specs ----------------------------------------------------------------------------

MALFORMED = {
    "typo.yaml": ("scenario: demo\nreplicatons: 5\n", ["typo.yaml:2:", "replicatons", "did you mean 'replications'?"]),
    "range.yaml": (
        "scenario: demo\nfactors:\n  head.charisma: [0.5, 1.9]\n",
        ["range.yaml:3:", "head.charisma", "at most 1", "(got 1.9)"],
    ),
    "level.yaml": (
        "scenario: demo\nfactors:\n  pattern:\n    solo: {head: {distribution: 0.2}}\n"
        "    design:\n      head: {distribution: 1.3}\n",
        ["level.yaml:6:", "head.distribution", "at most 1", "(got 1.3)", "pattern=design"],
    ),
    "setting.yaml": (
        "scenario: demo\nfactors:\n  head.charsma: [0.5, 0.9]\n",
        ["setting.yaml:3:", "factors.head.charsma", "did you mean 'head.charisma'?"],
    ),
    "design.yaml": ("scenario: demo\ndesign: factorail\n", ["design.yaml:2:", "design", "(got 'factorail')"]),
    "base.yaml": ("scenario: charismatic-sol\n", ["base.yaml:1:", "scenario", "did you mean 'charismatic-solo'?"]),
    "reps.yaml": ("scenario: demo\nreplications: 0\n", ["reps.yaml:2:", "replications", "at least 1", "(got 0)"]),
    "morris.yaml": (
        "scenario: demo\ndesign: morris\nsamples: 4\nfactors:\n  head.charisma: {min: 0, max: 1.5}\n"
        "  head.distribution: {min: 0, max: 1}\n",
        ["morris.yaml:5:", "head.charisma", "at most 1", "(got 1.5)"],
    ),
    # SALib only warned ("num_levels should be an even number, sample may be biased") and the sweep ran
    "odd-levels.yaml": (
        "scenario: demo\nset: {years: 1, events.head_departures: []}\ndesign: morris\nsamples: 2\nlevels: 5\n"
        "factors:\n  head.charisma: {min: 0, max: 1}\n  head.distribution: {min: 0, max: 1}\n",
        ["odd-levels.yaml:5:", "levels", "an even number of levels", "(got 5)"],
    ),
    "nosamples.yaml": (
        "scenario: demo\ndesign: lhs\nfactors:\n  head.charisma: {min: 0, max: 1}\n",
        ["nosamples.yaml:2:", "samples", "lhs"],
    ),
    "whole.yaml": (
        "scenario: demo\ndesign: lhs\nsamples: 4\nfactors:\n  school.teachers: {min: 20.1, max: 20.4}\n",
        ["whole.yaml:5:", "school.teachers", "round to different whole numbers"],
    ),
    "set.yaml": ("scenario: demo\nset:\n  heed: {charisma: 0.9}\n", ["set.yaml:3:", "heed", "did you mean 'head'?"]),
    "yaml.yaml": ("scenario: demo\nfactors: [\n", ["yaml.yaml:", "invalid YAML"]),
    "outputs.yaml": (
        "scenario: demo\noutputs: [succession_kept_3yr]\n",
        ["outputs.yaml:2:", "outputs[0]", "did you mean 'succession_kept_3y'?"],
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_spec_is_one_line_exit_2_and_writes_nothing(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    text, expected = MALFORMED[name]
    spec = tmp_path / name
    spec.write_text(text)
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--out", str(out), "--workers", "0"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("leadsim: error: "), captured.err
    for part in expected:
        assert part in captured.err, (part, captured.err)
    assert not out.exists()


def test_malformed_spec_through_the_real_command(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("scenario: demo\nfactors:\n  head.charisma: [0.5, 1.9]\n")
    done = subprocess.run(
        [sys.executable, "-m", "leadsim.cli", "sweep", str(spec), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "bad.yaml:3: head.charisma: must be at most 1 (got 1.9)" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "replicatons=3"], "did you mean 'replications'?"),
        (["--set", "set.years=0.5"], "beyond the run"),
        (["--set", "factors.head.charisma=[2]"], "(got 2)"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "either --workers or --scheduler"),
        (["--workers", "-1"], "--workers"),
    ],
)
def test_bad_options_are_one_line_exit_2(
    args: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    code = main(["sweep", SMOKE, "--out", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and expected in err, err
    assert not out.exists()


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["sweep", SMOKE, "--out", str(tmp_path), "--workers", "0"]) == 2
    assert "not a sweep folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_bundled_experiments_are_valid() -> None:
    succession = load_experiment("succession")
    assert (succession.n_points, succession.n_runs) == (32, 1600)
    keys = [f.key for f in succession.factors]
    assert keys == ["pattern", "events.successor.style", "events.successor.origin", "departure"]
    assert succession.spec.paired  # every departure has its no-departure twin with the same seed
    arms = {p[0]: succession.scenario(succession.points.index((p[0], "top_down", "external", "leaves")))
            for p in succession.points}  # fmt: skip
    for arm in arms.values():  # the arms differ in leadership only: same crises, council and head elsewhere
        assert [(c.year, c.kind, c.severity) for c in arm.events.crises] == [
            (2, "behaviour", 0.7),
            (4, "behaviour", 0.7),
        ]
        assert not arm.school.student_council and arm.head.charisma == arms["solo"].head.charisma
        assert arm.head.authenticity == arms["solo"].head.authenticity and arm.years == 12
    assert arms["design"].leadership.pattern.weights()[:2] == pytest.approx((0.2, 0.8))
    stays = succession.scenario(succession.points.index(("design", "distributive", "internal", "stays")))
    assert stays.events.head_departures == [] and arms["design"].events.head_departures

    sensitivity = load_experiment("sensitivity")
    assert sensitivity.spec.design == "morris" and len(sensitivity.factors) == 12
    assert sensitivity.n_points == 20 * 13 and sensitivity.n_runs == 780
    assert load_experiment("sensitivity").points == sensitivity.points
    base = sensitivity.scenario(0)
    assert base.leadership.pattern.weights() == pytest.approx((0.3, 0.7, 0.0, 0.0))
    assert [d.year for d in base.events.head_departures] == [5]


# --- sampled designs ----------------------------------------------------------------------------

SAMPLED = """\
scenario: demo
set: {years: 1, school: {students: 50, parents: 50}, events.head_departures: []}
design: DESIGN
samples: SAMPLES
seed: 11
factors:
  head.charisma: {min: 0.2, max: 0.8}
  school.teachers: {min: 10, max: 20}
"""


@pytest.mark.parametrize(("design", "samples", "points"), [("lhs", 5, 5), ("morris", 2, 2 * 3), ("sobol", 4, 4 * 6)])
def test_sampled_designs(design: str, samples: int, points: int, tmp_path: Path) -> None:
    spec = tmp_path / f"{design}.yaml"
    spec.write_text(SAMPLED.replace("DESIGN", design).replace("SAMPLES", str(samples)))
    exp = load_experiment(spec)
    assert exp.n_points == points and exp.n_runs == points
    assert load_experiment(spec).points == exp.points  # the samplers are seeded from the experiment's seed
    assert load_experiment(spec, ["seed=12"]).points != exp.points
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0"]) == 0
    design_df = pd.read_parquet(out / "design.parquet")
    assert list(design_df.columns) == ["point", "label", "head.charisma", "school.teachers"]
    assert design_df["head.charisma"].between(0.2, 0.8).all() and design_df["head.charisma"].dtype == "float64"
    assert design_df["school.teachers"].between(10, 20).all() and design_df["school.teachers"].dtype == "int64"
    df = summaries(out)
    assert df["school.teachers"].tolist() == design_df["school.teachers"].tolist()
    assert (df["status"] == "ok").all()
    if design == "lhs":  # a Latin hypercube: one sample in each of the 5 strata of each factor
        strata = ((design_df["head.charisma"] - 0.2) / 0.6 * 5).astype(int).clip(0, 4)
        assert sorted(strata) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "path",
    [p for p in sorted((ROOT / "experiments").glob("*.yaml")) if not p.stem.startswith("calibrate")],
    ids=lambda p: p.stem,
)
def test_every_bundled_experiment_loads_and_is_listed_in_the_readme(path):
    # calibrate-*.yaml are calibration specs (leadsim calibrate), tested in test_calibrate.py
    from leadsim.experiments.spec import load_experiment

    exp = load_experiment(path)
    assert exp.runs(), f"{path.name} plans no runs"
    readme = (ROOT / "experiments" / "Readme.md").read_text(encoding="utf-8")
    assert f"`{path.stem}`" in readme, f"{path.name} is not in experiments/Readme.md"


def test_a_whole_number_range_that_rounds_to_two_values_is_sampled_at_both(tmp_path: Path) -> None:
    # 20.2-20.8 holds no second whole number, but its sampled values round to 20 and 21
    spec = tmp_path / "whole.yaml"
    spec.write_text("scenario: demo\ndesign: lhs\nsamples: 8\nfactors:\n  school.teachers: {min: 20.2, max: 20.8}\n")
    loaded = load_experiment(spec)
    assert {point[0] for point in loaded.points} == {20, 21}
