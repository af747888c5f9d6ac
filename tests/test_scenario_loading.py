"""Loading scenarios (extends, overrides, one-line errors) and writing runs (four files, atomically, reproducibly)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import leadsim.experiments.outputs
import pytest
import yaml
from leadsim.cli import main
from leadsim.sim.config import Scenario
from leadsim.sim.model import SchoolModel
from leadsim.sim.scenario import ScenarioError, load_scenario, scenario_to_yaml

ROOT = Path(__file__).resolve().parents[1]
#: a school small enough to run a year in a few hundredths of a second
TINY = "school: {teachers: 12, students: 100, parents: 100}\nyears: 1\n"
RUN_FILES = {"timeseries.parquet", "summary.json", "scenario.yaml", "manifest.json"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write(tmp_path / "tiny.yaml", TINY)


def error_of(path: Path, overrides: tuple = ()) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    message = str(info.value)
    assert "\n" not in message and message.strip() == message and message
    return message


# --- extends and merging ---------------------------------------------------------------------------


def test_extends_chain_merges(tmp_path: Path) -> None:
    write(
        tmp_path / "base.yaml",
        "name: the-base\ndescription: base story\nyears: 3\nhead: {charisma: 0.8, distribution: 0.2}\n"
        "school: {teachers: 12, students: 100, parents: 100}\n"
        "events:\n  crises:\n    - {year: 1}\n    - {year: 2, kind: results}\n",
    )
    write(
        tmp_path / "mid.yaml",
        "extends: base.yaml\nhead: {distribution: 0.7}\nevents:\n  crises:\n    - {week: 5, severity: 0.9}\n",
    )
    top = write(tmp_path / "sub" / "top.yaml", "extends: ../mid.yaml\nschool: {student_council: true}\n")
    s = load_scenario(top)
    assert s.years == 3  # from the base, two levels up
    assert s.head.charisma == 0.8  # mappings merge: base value kept ...
    assert s.head.distribution == 0.7  # ... and the nearer file wins
    assert s.school.teachers == 12 and s.school.student_council is True
    assert [(c.week, c.severity) for c in s.events.crises] == [(5, 0.9)]  # lists replace
    assert s.description == "base story"
    assert s.name == "top"  # the name is the file's own, not inherited


def test_extends_error_names_the_file_and_line_where_the_mistake_is(tmp_path: Path) -> None:
    write(tmp_path / "parts" / "base.yaml", "years: 3\nhead:\n  charisma: 0.8\n  distrbution: 0.4\n")
    child = write(tmp_path / "child.yaml", "extends: parts/base.yaml\nyears: 2\n")
    message = error_of(child)
    assert "parts/base.yaml:4: head.distrbution: unknown key; did you mean 'distribution'?" in message
    assert message.endswith(f"(extended by {child})")


def test_value_from_child_is_located_in_the_child(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "years: 3\nhead:\n  charisma: 0.8\n")
    child = write(tmp_path / "child.yaml", "extends: base.yaml\n\nhead:\n  charisma: 3\n")
    assert error_of(child).startswith(f"{child}:4: head.charisma: must be at most 1 (got 3)")


def test_cycle_is_named(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", "extends: b.yaml\n")
    write(tmp_path / "b.yaml", "extends: c.yaml\n")
    write(tmp_path / "c.yaml", "extends: a.yaml\n")
    assert "'extends' cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml" in error_of(a)


def test_name_defaults_to_the_file_stem(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path / "my-school.yaml", TINY)).name == "my-school"
    assert load_scenario(write(tmp_path / "x.yaml", TINY + "name: arden\n")).name == "arden"


# --- overrides -------------------------------------------------------------------------------------


def test_overrides_are_yaml_values(tiny: Path) -> None:
    s = load_scenario(
        tiny,
        [
            "head.charisma=0.9",
            "school.student_council=true",
            "leadership.pattern={solo: 0, design: 1}",
            "events.head_departures=[{year: 0.5}]",
            "events.head_departures[0].successor={style: distributive}",
            "work.rate=1e-3",
            "years=1",
        ],
    )
    assert s.head.charisma == 0.9
    assert s.school.student_council is True
    assert s.leadership.pattern.weights() == (0.0, 1.0, 0.0, 0.0)
    assert s.events.head_departures[0].year == 0.5
    assert s.events.head_departures[0].successor.style == "distributive"
    assert s.work.rate == 0.001


def test_later_override_wins_and_replaces_lists(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", TINY + "events:\n  crises: [{year: 0.5}, {week: 3}]\n")
    s = load_scenario(path, ["head.charisma=0.1", "head.charisma=0.2", "events.crises=[]"])
    assert s.head.charisma == 0.2 and s.events.crises == []


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("head.charisma", "--set head.charisma: expected key.path=value"),
        ("=3", "--set =3: expected key.path=value"),
        ("head.charsma=0.9", "--set head.charsma=0.9: unknown parameter 'head.charsma'; did you mean 'head.charisma'?"),
        ("nonsense=1", "--set nonsense=1: unknown parameter 'nonsense'"),
        ("head.charisma.x=1", "--set head.charisma.x=1: unknown parameter 'head.charisma.x'"),
        ("events.crises.week=3", "--set events.crises.week=3: events.crises is a list"),
        ("head.charisma=[1", "--set head.charisma=[1: cannot read the value"),
        ("head.charisma=high", "--set head.charisma=high: head.charisma: expected a number (got 'high')"),
    ],
)
def test_bad_override(tiny: Path, override: str, expected: str) -> None:
    assert expected in error_of(tiny, (override,))


def test_labelled_override(tiny: Path) -> None:
    assert f"{tiny}: --seed -1: seed: must be at least 0 (got -1)" == error_of(tiny, (("--seed -1", "seed=-1"),))


# --- one-line errors (cases beyond the subprocess corpus in tests/malformed/) -------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("leadership:\n  time_for_collaboration: 15%\n", ":2: leadership.time_for_collaboration: expected a number"),
        ("years: 10 years\n", ":1: years: expected a number (got '10 years')"),
        ("events:\n  head_exit_hazard: 18\n", ":2: events.head_exit_hazard: must be at most 1 (got 18)"),
        ('school:\n  teachers: "60"\n', ":2: school.teachers: expected a whole number (got '60')"),
        ("seed: -5\n", ":1: seed: must be at least 0 (got -5)"),
        ("years: 0\n", ":1: years: must be at least 0.1 (got 0)"),
        ("years: .nan\n", ":1: years: expected a number (got .nan)"),
        ("years: 1.0e+400\n", ":1: years: must be at most 100 (got .inf)"),
        (
            "school:\n  teachers: " + "9" * 400 + "\n",
            ":2: school.teachers: number too large (400 digits; at most 30)",
        ),
        ("head:\n  charisma: " + "9" * 400 + "\n", ":2: head.charisma: number too large"),
        ("head:\n    charisma: 0.8\n  distribution: 0.5\n", ":3:3: invalid YAML"),
        ('name: "arden\nyears: 5\n', "invalid YAML: found unexpected end of stream"),
        ("years: 5\n---\nyears: 6\n", ":2:1: two YAML documents in one file"),
        (
            "events:\n  successor:\n    orgin: internal\n",
            ":3: events.successor.orgin: unknown key; did you mean 'origin'?",
        ),
        ("demo\n", ": the top level must be a mapping of settings"),
        (
            "leadership:\n  schedule:\n    - {year: 4, pattern: {design: 1}}\n    - {year: 2, pattern: {solo: 1}}\n",
            ":2: leadership.schedule: changes must be in time order",
        ),
        ("events:\n  head_departures: [{year: 2}, {week: 78}]\n", "two departures in the same week"),
        (
            "school: {teachers: 20}\nleadership:\n  schedule:\n"
            "    - {year: 1, pattern: {design: 1}, senior_team: 18}\n",
            ":4: leadership.schedule[0]: senior_team + middle_leaders (26) cannot exceed school.teachers (20)",
        ),
        (
            "leadership:\n  schedule:\n    - {year: 1, pattern: {design: 1}, whole_school_roles: 2}\n",
            ":3: leadership.schedule[0].whole_school_roles: must be at most 1 (got 2)",
        ),
        ("roles:\n  leading: -0.1\n", ":2: roles.leading: must be at least 0 (got -0.1)"),
        ("leadership:\n  pattern: {solo: 0.5, desparation: 0.5}\n", "did you mean 'desperation'?"),
        ("extends: [a.yaml]\n", ":1: extends: expected the path of another scenario file"),
        ("extends: 3\n", ":1: extends: expected the path"),
        ("extend: base.yaml\n", ":1: extend: unknown key; did you mean 'extends'?"),
        ("school:\n  on: 3\n", ":2: school: keys must be names, got 'on' (YAML reads yes/no/on/off as true/false"),
        ("a: &a [*a]\n", "recursive YAML alias"),
        ("head: !custom 3\n", "YAML tag '!custom' refused"),
        (
            "head:\ncharisma: 0.8\n",
            ":1: head: expected a mapping of settings (key: value lines) (got null) (and 1 more",
        ),
        ("name: 5\n", ":1: name: expected text"),
        (
            "years: 2\nevents:\n  head_departures:\n    - year: 1\n      successor: {interim_weeks: 2.5}\n",
            ":5: events.head_departures[0].successor.interim_weeks: expected a whole number",
        ),
    ],
)
def test_one_line_error(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "case.yaml", text)
    message = error_of(path)
    assert message.startswith(str(path))
    assert expected in message, message


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    assert error_of(tmp_path) == f"{tmp_path}: is a directory, not a scenario file"
    assert "no such scenario file" in error_of(tmp_path / "nope.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    assert error_of(latin) == f"{latin}:1: not UTF-8 text (byte 0xe9 at offset 9); save the file as UTF-8"
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(os.urandom(64) + b"\x00")
    assert error_of(garbage) == f"{garbage}: not a text scenario file (binary data)"
    control = tmp_path / "control.yaml"
    control.write_bytes(b"years: 5\x07\n")
    assert "not a text scenario file: unacceptable character #x0007" in error_of(control)


def test_bom_and_windows_line_endings_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "win.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + TINY.replace("\n", "\r\n").encode())
    assert load_scenario(path).school.teachers == 12


def test_python_tags_are_never_executed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "evil.yaml", 'years: !!python/object/apply:os.system ["touch pwned"]\n')
    assert "refused" in error_of(path)
    assert not (tmp_path / "pwned").exists()


# --- resolved YAML ---------------------------------------------------------------------------------


def test_scenario_to_yaml_round_trips(tmp_path: Path) -> None:
    scenario = load_scenario(
        write(tmp_path / "s.yaml", TINY + "events:\n  head_departures: [{year: 0.5, successor: {charisma: 0.1}}]\n"),
        ["work.rate=1e-5"],
    )
    text = scenario_to_yaml(scenario)
    assert text.index("name:") < text.index("school:")  # field order kept
    again = load_scenario(write(tmp_path / "resolved.yaml", text))
    assert again == scenario
    assert load_scenario(write(tmp_path / "default.yaml", scenario_to_yaml(Scenario()))) == Scenario()


# --- runs ------------------------------------------------------------------------------------------


def test_run_writes_the_four_files_and_overrides_reach_the_model(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "runs" / "x"
    assert main(["run", str(tiny), "--seed", "3", "--set", "head.charisma=0.9", "--out", str(out)]) == 0
    capsys.readouterr()
    assert {p.name for p in out.iterdir()} == RUN_FILES
    resolved = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    assert resolved["head"]["charisma"] == 0.9 and resolved["seed"] == 3 and resolved["name"] == "tiny"
    scenario = load_scenario(out / "scenario.yaml")
    assert SchoolModel(scenario).head.charisma == 0.9
    import pandas as pd

    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == scenario.steps + 1 and ts["head_charisma"].iloc[0] == 0.9

    def no_nan(token: str) -> None:
        raise AssertionError(f"{token} in JSON")

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"), parse_constant=no_nan)
    assert set(summary) >= {"summary", "succession", "departures", "crises"}
    assert summary["seed"] == 3
    assert summary["summary"]["succession_kept_1y"] is None  # NaN written as null
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["leadsim_version"] == leadsim.sim.__version__
    assert manifest["seed"] == 3
    assert manifest["command"].startswith("leadsim run ") and "head.charisma=0.9" in manifest["command"]
    assert manifest["created_utc"].endswith("+00:00")
    assert manifest["python_version"].count(".") == 2 and manifest["mesa_version"]
    assert set(manifest["files"]) == RUN_FILES - {"manifest.json"}
    assert sorted(p.name for p in out.parent.iterdir()) == ["x"]  # no temporary directory left


def test_same_seed_gives_byte_identical_timeseries(tiny: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = {"a": "7", "b": "7", "c": "8"}
    procs = {
        k: subprocess.Popen(
            [sys.executable, "-m", "leadsim.cli", "run", str(tiny), "--seed", seed, "--out", str(tmp_path / k)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for k, seed in runs.items()
    }
    for proc in procs.values():
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    data = {k: (tmp_path / k / "timeseries.parquet").read_bytes() for k in runs}
    assert data["a"] == data["b"]
    assert data["a"] != data["c"]
    summaries = {k: (tmp_path / k / "summary.json").read_bytes() for k in runs}
    assert summaries["a"] == summaries["b"]


def test_interrupted_run_leaves_nothing(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = SchoolModel.step

    def step(self: SchoolModel) -> None:
        if self.week == 10:
            raise RuntimeError("power cut")
        original(self)

    monkeypatch.setattr(SchoolModel, "step", step)
    out = tmp_path / "deep" / "runs" / "x"
    with pytest.raises(RuntimeError, match="power cut"):
        main(["run", str(tiny), "--out", str(out)])
    assert not (tmp_path / "deep").exists()  # not even the parents it would have created
    assert list(tmp_path.iterdir()) == [tiny]

    def interrupt(self: SchoolModel) -> None:
        if self.week == 10:
            raise KeyboardInterrupt
        original(self)

    monkeypatch.setattr(SchoolModel, "step", interrupt)
    assert main(["run", str(tiny), "--out", str(out)]) == 130
    assert "nothing written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tiny]


def test_failed_write_keeps_the_previous_run(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x"
    assert main(["run", str(tiny), "--seed", "1", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    original = leadsim.experiments.outputs.write_json

    def failing(path: Path, obj: object) -> None:
        if Path(path).name == "manifest.json":
            raise OSError("disk full")
        original(path, obj)

    monkeypatch.setattr(leadsim.experiments.outputs, "write_json", failing)
    with pytest.raises(OSError, match="disk full"):
        main(["run", str(tiny), "--seed", "2", "--out", str(out)])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml", "x"]

    monkeypatch.setattr(leadsim.experiments.outputs, "write_json", original)
    assert main(["run", str(tiny), "--seed", "2", "--out", str(out)]) == 0  # a complete run replaces it
    assert (out / "timeseries.parquet").read_bytes() != before["timeseries.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml", "x"]


def test_atomic_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.json"
    leadsim.experiments.outputs.write_json(target, {"a": float("nan"), "b": [1.5, float("inf")]})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": None, "b": [1.5, None]}

    def boom(*args: object) -> None:
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        leadsim.experiments.outputs.write_json(target, {"a": 2})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": None, "b": [1.5, None]}
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
