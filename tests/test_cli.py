"""The command line refuses every malformed scenario with one line, exit code 2, and writes nothing.

The corpus in ``tests/malformed/`` holds realistic mistakes, one per file, each starting with a
comment saying what is wrong (files under ``_parts/`` are bases that malformed files extend).
Every file is run through ``leadsim validate`` and ``leadsim run`` in this process (the command
line's ``main``, in the file's own empty working folder), and a few of them also as real
``python -m leadsim.cli`` subprocesses, so that what a user's shell sees is checked too.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import leadsim.sim.scenario
import pytest
from leadsim.cli import main
from leadsim.sim.config import iter_parameters

ROOT = Path(__file__).resolve().parents[1]
MALFORMED_DIR = ROOT / "tests" / "malformed"
MALFORMED = sorted(MALFORMED_DIR.glob("*.yaml"))
COMMANDS = ("validate", "run")

#: for some files, what the one-line message must say (field path, suggestion, line)
EXPECTED = {
    "misspelt_top_key.yaml": ["misspelt_top_key.yaml:3:", "heed", "did you mean 'head'?"],
    "misspelt_nested_key.yaml": ["misspelt_nested_key.yaml:4:", "head.charsma", "did you mean 'charisma'?"],
    "misspelt_successor_field.yaml": [
        "misspelt_successor_field.yaml:7:",
        "events.head_departures[0].successor.stlye",
        "did you mean 'style'?",
    ],
    "misspelt_event_key.yaml": ["events.crises[0].yaer", "did you mean 'year'?"],
    "string_for_number.yaml": ["string_for_number.yaml:3:", "head.charisma", "expected a number", "(got 'high')"],
    "list_for_mapping.yaml": ["head:", "expected a mapping"],
    "mapping_for_list.yaml": ["events.head_departures", "expected a list"],
    "number_for_bool.yaml": ["school.student_council", "true or false", "(got 1)"],
    "float_for_int.yaml": ["school.teachers", "whole number", "(got 60.5)"],
    "negative_value.yaml": ["head.charisma", "at least 0", "(got -0.2)"],
    "share_above_one.yaml": ["school.egg_crate", "at most 1", "(got 1.5)"],
    "tab_indent.yaml": ["tab_indent.yaml:3:", "tabs"],
    "unclosed_bracket.yaml": ["invalid YAML", "started at line 2"],
    "empty.yaml": ["empty"],
    "only_comment.yaml": ["only comments"],
    "binary_garbage.yaml": ["binary"],
    "not_utf8.yaml": ["not_utf8.yaml:2:", "UTF-8"],
    "python_object_tag.yaml": ["!!python/object/apply:os.system", "refused"],
    "python_name_tag.yaml": ["!!python/name:os.system", "refused"],
    "cycle_a.yaml": ["cycle", "cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml"],
    "self_extends.yaml": ["cycle", "self_extends.yaml -> self_extends.yaml"],
    "extends_missing.yaml": ["extends_missing.yaml:2:", "no_such_base.yaml", "not found"],
    "extends_bad_base.yaml": ["typo_base.yaml:4:", "head.autenticity", "did you mean 'authenticity'?"],
    "huge_float.yaml": ["head.charisma", "at most 1"],
    "huge_int.yaml": ["school.students", "at most 20000"],
    "departure_beyond_run.yaml": ["departure_beyond_run.yaml:5:", "events.head_departures[0]", "beyond the run"],
    "crisis_beyond_run.yaml": ["crisis_beyond_run.yaml:5:", "events.crises[0]", "beyond the run"],
    "pattern_all_zero.yaml": ["leadership.pattern", "at least one pattern weight"],
    "event_year_and_week.yaml": ["events.head_departures[0]", "exactly one of 'year' or 'week'"],
    "event_no_time.yaml": ["events.crises[0]", "exactly one of 'year' or 'week'"],
    "parents_exceed_students.yaml": ["parents_exceed_students.yaml:4:", "school.parents"],
    "top_level_list.yaml": ["top level must be a mapping"],
    "unknown_successor_style.yaml": ["events.successor.style", "'top_down'", "(got 'visionary')"],
    "unknown_crisis_kind.yaml": ["events.crises[0].kind", "(got 'flood')"],
    "duplicate_key.yaml": ["duplicate_key.yaml:4:", "head.charisma", "line 3"],
    "schedule_missing_pattern.yaml": ["leadership.schedule[0].pattern", "missing"],
    "team_size_exceeds_staff.yaml": ["team_size_exceeds_staff.yaml:8:", "leadership.team_size"],
    "staff_too_small_for_roles.yaml": ["staff_too_small_for_roles.yaml:3:", "school.teachers"],
    "alias_bomb.yaml": ["too many values"],
}


def sim_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("COLUMNS", None)
    return env


def _run_one(job: tuple[str, Path, Path]) -> tuple[subprocess.CompletedProcess, list[str]]:
    """One command on one file in ``cwd``, in this process: its exit code, output and what it left."""
    command, path, cwd = job
    cwd.mkdir(parents=True)
    args = [command, str(path)]
    if command == "run":
        args += ["--out", str(cwd / "x")]
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue()), sorted(
        p.name for p in cwd.iterdir()
    )


def _run_process(job: tuple[str, Path, Path]) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The same as a real ``python -m leadsim.cli`` subprocess."""
    command, path, cwd = job
    cwd.mkdir(parents=True)
    args = [sys.executable, "-m", "leadsim.cli", command, str(path)]
    if command == "run":
        args += ["--out", str(cwd / "x")]
    proc = subprocess.run(args, cwd=cwd, env=sim_env(), capture_output=True, text=True, timeout=120)
    return proc, sorted(p.name for p in cwd.iterdir())


#: files also run as subprocesses: the exploits, the resource bomb, bytes that are not text
AS_PROCESSES = ("alias_bomb", "python_name_tag", "python_object_tag", "binary_garbage", "misspelt_nested_key")


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the (command, file) pairs the collected tests need; a few also as subprocesses (in parallel)."""
    wanted = set()
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "corpus" in getattr(item, "fixturenames", ()) and "path" in params:
            wanted.update((c, params["path"]) for c in ([params["command"]] if "command" in params else COMMANDS))
    base = tmp_path_factory.mktemp("corpus")
    jobs = [(c, p, base / f"{p.stem}-{c}") for c, p in sorted(wanted)]
    results = {(c, p): _run_one((c, p, cwd)) for c, p, cwd in jobs}
    processes = [(c, p, base / f"{p.stem}-{c}-process") for c, p, _ in jobs if p.stem in AS_PROCESSES]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for (c, p, _), r in zip(processes, pool.map(_run_process, processes), strict=True):
            results[(c, p, "process")] = r
    return results


def test_corpus_is_large_and_documented() -> None:
    assert len(MALFORMED) >= 35
    for path in MALFORMED:
        if path.name == "empty.yaml":
            assert path.read_bytes() == b""
            continue
        assert path.read_bytes().startswith(b"# "), f"{path.name} must start with a comment saying what is wrong"
    assert set(EXPECTED) <= {p.name for p in MALFORMED}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.stem)
def test_malformed_scenario_is_refused(corpus: dict, command: str, path: Path) -> None:
    for key in [(command, path), (command, path, "process")]:
        if key in corpus:
            _refused_cleanly(*corpus[key], command, path)


def _refused_cleanly(proc: subprocess.CompletedProcess, left: list[str], command: str, path: Path) -> None:
    assert proc.returncode == 2, f"exit {proc.returncode}; stderr: {proc.stderr}"
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"stderr must be one line, got: {proc.stderr!r}"
    line = lines[0]
    assert line.startswith("leadsim: error: ")
    assert path.name in line
    assert proc.stdout == ""
    # nothing written: not the --out directory, not a runs/ directory, and no exploit ran
    assert left == [], f"{command} {path.name} left {left} behind"


@pytest.mark.parametrize("path", [MALFORMED_DIR / name for name in EXPECTED], ids=lambda p: p.stem)
def test_message_names_the_problem(corpus: dict, path: Path) -> None:
    proc, _ = corpus[("validate", path)]
    line = proc.stderr.strip()
    for part in EXPECTED[path.name]:
        assert part in line, f"{part!r} not in {line!r}"


@pytest.mark.parametrize("path", MALFORMED[::7], ids=lambda p: p.stem)
def test_validate_and_run_give_the_same_message(corpus: dict, path: Path) -> None:
    assert corpus[("validate", path)][0].stderr == corpus[("run", path)][0].stderr


# --- the rest of the command line (in-process, fast) ----------------------------------------------

TINY = "school: {teachers: 12, students: 100, parents: 100}\nyears: 1\n"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("leadsim: error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--seed", "abc"], "--seed"),
        (["--sed", "3"], "--sed"),
        (["--years", "zero"], "--years"),
        (["--years", "0"], "--years 0: years: must be at least 0.1"),
        (["--seed", "-1"], "--seed -1: seed: must be at least 0"),
        (["--set", "head.charsma=0.9"], "--set head.charsma=0.9: unknown parameter 'head.charsma'; did you mean"),
        (["--set", "head.charisma"], "--set head.charisma: expected key.path=value"),
        (["--set", "head.charisma=2"], "--set head.charisma=2: head.charisma: must be at most 1 (got 2)"),
        (["--set", "schol.teachers=3"], "did you mean 'school'?"),
        (["--set", "events.crises[0].week=3"], "events.crises has 0 item(s)"),
    ],
)
def test_bad_cli_values_are_one_line(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    out = tmp_path / "out"
    assert main(["run", str(tiny), "--out", str(out), *args]) == 2
    assert expected in one_error_line(capsys)
    assert not out.exists()


def test_missing_argument_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    assert "Missing argument" in one_error_line(capsys)
    assert main(["rnu"]) == 2
    assert "No such command" in one_error_line(capsys)


def test_missing_scenario_suggests_bundled_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no-such-scenario-here"]) == 2
    assert "no such scenario file" in one_error_line(capsys)


def test_out_that_is_not_a_run_dir_is_not_replaced(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work", encoding="utf-8")
    assert main(["run", str(tiny), "--out", str(out)]) == 2
    assert "not a leadsim run directory" in one_error_line(capsys)
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    assert main(["run", str(tiny), "--out", str(a_file)]) == 2
    assert "not a directory" in one_error_line(capsys)


def test_validate_ok(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tiny)]) == 0
    assert capsys.readouterr().out.strip() == f"OK {tiny}"


@pytest.mark.parametrize("command", ["run", "validate", "scenarios", "params"])
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example" in out and "leadsim " + command in out


def test_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("run", "validate", "scenarios", "params"):
        assert command in out


def test_params_markdown_lists_every_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["params", "--markdown"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| name | meaning | default | unit | range | source |"
    assert lines[1] == "|---|---|---|---|---|---|"
    rows = lines[2:]
    params = iter_parameters()
    assert len(rows) == len(params)
    for row, param in zip(rows, params, strict=True):
        assert row.startswith(f"| `{param['name']}` |")
        assert row.count(" | ") == 5, row  # six cells; any '|' inside a cell is escaped
    assert any(r.startswith("| `head.charisma` |") and "0–1" in r for r in rows)


def test_params_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    assert "head.charisma" in out and "default" in out


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scenarios/ directory with two tiny scenarios (and a part that is not listed)."""
    directory = tmp_path / "scenarios"
    directory.mkdir()
    (directory / "tiny-demo.yaml").write_text(
        "# tiny-demo: a tiny school\n# more text\ndescription: The tiniest school that runs.\n" + TINY,
        encoding="utf-8",
    )
    (directory / "commented.yaml").write_text(
        "#\n# A scenario described only by its first comment.\n" + TINY, encoding="utf-8"
    )
    (directory / "_part.yaml").write_text("years: 2\n", encoding="utf-8")
    monkeypatch.setattr(leadsim.sim.scenario.BUNDLED_SCENARIOS, "folder", lambda: directory)
    return directory


def test_bundled_scenarios_and_descriptions(bundled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = leadsim.sim.scenario.bundled_scenarios()
    assert [(n, p.name, d) for n, p, d in found] == [
        ("commented", "commented.yaml", "A scenario described only by its first comment."),
        ("tiny-demo", "tiny-demo.yaml", "The tiniest school that runs."),
    ]
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "tiny-demo" in out and "The tiniest school" in out and "_part" not in out


def test_run_a_bundled_scenario_by_name_into_the_default_dir(
    bundled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["run", "tiny-demo", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    run_dir = work / "runs" / "tiny-demo-5"
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(
        ["timeseries.parquet", "summary.json", "scenario.yaml", "manifest.json"]
    )
    for word in ("attainment", "capacity", "distribution index", "trust", "cynicism", "runs/tiny-demo-5"):
        assert word in out
    assert main(["validate", "tiny-demo"]) == 0
    assert capsys.readouterr().out.strip() == f"OK {bundled / 'tiny-demo.yaml'}"


def test_run_prints_succession_per_departure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "leaving.yaml"
    path.write_text(TINY.replace("years: 1", "years: 2") + "events: {head_departures: [{year: 1}]}\n", "utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "r"), "--set", "events.head_exit_hazard=0"]) == 0
    out = capsys.readouterr().out
    assert "gain before" in out and "kept 1y" in out and "kept 5y" in out and "scheduled" in out


def test_python_dash_m_sim_runs(tiny: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "leadsim.cli", "validate", str(tiny)], env=sim_env(), capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"OK {tiny}" and proc.stderr == ""


def test_params_piped_prints_every_name_whole() -> None:
    """Piped into another program, ``leadsim params`` is one tab-separated line per parameter, names whole."""
    from leadsim.sim.config import iter_parameters

    proc = subprocess.run(
        [sys.executable, "-m", "leadsim.cli", "params"], env=sim_env(), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split("\t") == ["name", "default", "range", "unit", "meaning"]
    names = [line.split("\t")[0] for line in lines[1:]]
    assert names == [r["name"] for r in iter_parameters()]
