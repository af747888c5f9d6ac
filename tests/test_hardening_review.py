"""A careful researcher's review of the command line: each test is a break found, and failed before its fix.

1. system scenarios: impossible groupings that were accepted (names given twice, a school in two
   federations, a support partnership listed twice, a scheduled takeover closing a cycle, joining a
   network twice, two departures in a week) and a school whose own scenario is impossible
   (validate said OK, run gave a traceback);
2. system studies: a changed spec resumed into the old rows, a foreign or unwritable --out, an
   unknown focus school found only after the runs, a misspelt measure reported as an empty column;
3. experiment specs: two factors that vary one setting (the table's column lied);
4. calibration specs: a name that leaves runs/, a target no share can reach;
5. one-line errors that said the wrong thing ("must be at least 0 (got 0)"), check --only with no
   check or a check twice, report on a sweep that is not finished.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from leadsim.cli import main
from test_system import TINY_STUDY as _TWO_REPLICATIONS
from test_system import TINY_SYSTEM

THREE = "years: 2\nschools: [{name: a}, {name: b}, {name: c}]\n"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("leadsim: error: "), err
    assert "Traceback" not in err
    return lines[0]


def refused(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    assert main(args) == 2
    return one_error_line(capsys)


# --- 1. system scenarios ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "executive_heads: [{name: e, home: a, schools: [b]}, {name: e, home: c, schools: [a]}]\n",
            r"s.yaml:3: executive_heads\[1\].name: executive head 'e' is named twice",
        ),
        (
            "networks: [{name: n, schools: [a, b]}, {name: n, schools: [b, c]}]\n",
            r"s.yaml:3: networks\[1\].name: learning network 'n' is named twice",
        ),
        (
            "federations: [{name: f, schools: [a, b]}, {name: f, schools: [c, a]}]\n",
            r"federations\[1\].name: federation 'f' is named twice .*\(and 1 more problem\)",
        ),
        (
            "support: [{supporter: a, supported: b}]\nexecutive_heads: [{name: e, home: b, schools: [c]}]\n"
            "events: {takeovers: [{school: a, executive_head: e, year: 1}]}\n",
            r"s.yaml:5: events.takeovers\[0\]: at week 39 the takeover closes a cycle of leading or supporting: "
            r"b -> a -> b",
        ),
        (
            "networks: [{name: n, schools: [a, b]}]\n"
            "events: {network_changes: [{school: a, network: n, action: join, year: 1}]}\n",
            r"events.network_changes\[0\]: at week 39 school 'a' is already in learning network 'n'",
        ),
        (
            "networks: [{name: n, schools: [a, b]}]\n"
            "events: {network_changes: [{school: c, network: n, action: leave, year: 1}]}\n",
            r"events.network_changes\[0\]: at week 39 school 'c' is not in learning network 'n'",
        ),
        (  # accepted: both heads were charged a second partnership and the leaders lent twice
            "support:\n  - {supporter: a, supported: b}\n  - {supporter: c, supported: b}\n"
            "  - {supporter: a, supported: b, leaders: 3}\n",
            r"s.yaml:6: support\[2\]: the support partnership a -> b is listed twice \(also support\[0\]\); "
            r"list it once",
        ),
        (
            "events: {head_departures: [{school: a, year: 1}, {school: a, year: 1}]}\n",
            r"events.head_departures\[1\]: a second head departure in school 'a' within a term",
        ),
        (
            "events: {crises: [{school: b, year: 1}, {school: b, week: 41}]}\n",
            r"events.crises\[1\]: a second crisis in school 'b' within a term \(weeks 39 and 41",
        ),
        (
            "schools: [{name: a, leadership: {schedule: [{year: 50, pattern: {solo: 1}}]}}, {name: b}]\n",
            r"s.yaml:\d: schools\[0\].leadership.schedule: school 'a': leadership.schedule\[0\] at week 1950 is "
            r"beyond the run",
        ),
        (
            "schools: [{name: a, leadership: {schedule: [{year: 1.5, pattern: {solo: 1}}, "
            "{year: 1, pattern: {design: 1}}]}}, {name: b}]\n",
            r"schools\[0\].leadership.schedule: school 'a': leadership.schedule: changes must be in time order",
        ),
    ],
)
def test_an_impossible_system_is_refused_in_one_line_by_validate_and_run_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, expected: str
) -> None:
    text = THREE + extra
    if extra.startswith("schools:"):
        text = "years: 2\n" + extra
    (tmp_path / "s.yaml").write_text(text)
    for command in ("validate", "run"):
        args = ["system", command, str(tmp_path / "s.yaml")]
        if command == "run":
            args += ["--out", str(tmp_path / "out")]
        line = refused(capsys, args)
        assert re.search(expected, line), line
    assert not (tmp_path / "out").exists()


def test_a_network_left_and_joined_again_is_a_possible_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s.yaml").write_text(
        THREE + "networks: [{name: n, schools: [a, b]}]\nevents: {network_changes: ["
        "{school: a, network: n, action: leave, year: 1}, {school: a, network: n, action: join, year: 1.5}]}\n"
    )
    assert main(["system", "validate", str(tmp_path / "s.yaml")]) == 0


# --- 2. system studies -----------------------------------------------------------------------------

# the system and study of test_system.py, with one replication
TINY_STUDY = _TWO_REPLICATIONS.replace("replications: 2", "replications: 1")


@pytest.fixture
def study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """A finished tiny study: (its spec, its output folder)."""
    (tmp_path / "tiny.yaml").write_text(TINY_SYSTEM)
    (tmp_path / "study.yaml").write_text(TINY_STUDY)
    out = tmp_path / "out"
    assert main(["system", "study", str(tmp_path / "study.yaml"), "--workers", "0", "--out", str(out)]) == 0
    capsys.readouterr()
    return tmp_path / "study.yaml", out


def _folder(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_study_resumed_with_another_seed_is_refused_not_answered_with_the_old_runs(
    study: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = study
    before = _folder(out)
    args = ["system", "study", str(spec), "--workers", "0", "--out", str(out), "--set", "seed=6"]
    line = refused(capsys, args)
    assert "holds a study of a different spec (seed: 5 there, 6 here)" in line
    assert _folder(out) == before


def test_a_study_whose_system_scenario_changed_is_refused(
    study: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = study
    before = _folder(out)
    (spec.parent / "tiny.yaml").write_text(TINY_SYSTEM.replace("teachers: 8", "teachers: 9"))
    line = refused(capsys, ["system", "study", str(spec), "--workers", "0", "--out", str(out)])
    assert "fingerprint.json: the runs in this folder were made from other system scenarios" in line
    assert _folder(out) == before


def test_a_study_with_more_replications_keeps_the_runs_it_has(
    study: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = study
    first = (out / "rows" / "p000-r0000.json").read_bytes()
    args = ["system", "study", str(spec), "--workers", "0", "--out", str(out), "--set", "replications=2"]
    assert main(args) == 0
    assert (out / "rows" / "p000-r0000.json").read_bytes() == first
    assert (out / "rows" / "p001-r0001.json").exists()


@pytest.mark.parametrize("where", ["foreign", "file", "proc"])
def test_a_study_into_a_folder_of_something_else_or_nowhere_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (tmp_path / "tiny.yaml").write_text(TINY_SYSTEM)
    (tmp_path / "study.yaml").write_text(TINY_STUDY)
    out = {"foreign": tmp_path / "thesis", "file": tmp_path / "notes.txt", "proc": Path("/proc/leadsim-x")}[where]
    if where == "foreign":
        out.mkdir()
        (out / "chapter1.tex").write_text("mine")
    if where == "file":
        out.write_text("mine")
    line = refused(capsys, ["system", "study", str(tmp_path / "study.yaml"), "--workers", "0", "--out", str(out)])
    assert line.startswith(f"leadsim: error: --out {out}")
    if where == "foreign":
        assert sorted(p.name for p in out.iterdir()) == ["chapter1.tex"]
    if where == "file":
        assert out.read_text() == "mine"


@pytest.mark.parametrize(
    ("part", "mistake", "expected"),
    [
        # found only after the runs, when the table for the focus school was made
        (
            "focus: [a]",
            "focus: [a, nowhere]",
            "study.yaml:8: focus[1]: school 'nowhere' is not a school of the system at tie=none",
        ),
        # a misspelt measure was reported as an empty column after the runs
        (
            "[final_attainment]",
            "[final_attainmnet]",
            "study.yaml:9: measures[0]: unknown measure 'final_attainmnet'; did you mean 'final_attainment'?",
        ),
    ],
    ids=["focus school the system does not have", "measure no school has"],
)
def test_a_study_naming_what_the_system_does_not_have_is_refused_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str, mistake: str, expected: str
) -> None:
    (tmp_path / "tiny.yaml").write_text(TINY_SYSTEM)
    assert TINY_STUDY.count(part) == 1
    (tmp_path / "study.yaml").write_text(TINY_STUDY.replace(part, mistake))
    out = tmp_path / "out"
    line = refused(capsys, ["system", "study", str(tmp_path / "study.yaml"), "--workers", "0", "--out", str(out)])
    assert expected in line, line
    assert not out.exists()


# --- 3. experiment specs ---------------------------------------------------------------------------

SPEC_HEAD = "scenario: demo\nset: {years: 2}\nreplications: 1\nfactors:\n"


@pytest.mark.parametrize(
    ("factors", "expected"),
    [
        (
            "  head.charisma: [0.3, 0.5]\n  style:\n    a: {head.charisma: 0.1}\n    b: {head: {charisma: 0.9}}\n",
            "spec.yaml:6: factors.style: has a level that sets 'head.charisma', which factor 'head.charisma' "
            "varies too; vary each setting in one factor only",
        ),
        (
            "  head.charisma: [0.3, 0.5]\n  head: [{charisma: 0.1}, {charisma: 0.9}]\n",
            "spec.yaml:6: factors.head: varies 'head', which factor 'head.charisma' varies too",
        ),
        (
            "  events.head_departures[0].year: [1, 1.5]\n  events.head_departures.0.year: [1, 1.5]\n",
            "spec.yaml:6: factors.events.head_departures.0.year: varies 'events.head_departures[0].year', which "
            "factor 'events.head_departures[0].year' varies too",
        ),
    ],
)
def test_two_factors_that_vary_one_setting_are_refused_in_one_line_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], factors: str, expected: str
) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC_HEAD + factors)
    out = tmp_path / "out"
    line = refused(capsys, ["sweep", str(tmp_path / "spec.yaml"), "--workers", "0", "--out", str(out)])
    assert expected in line, line
    assert not out.exists()


def test_factors_that_vary_different_settings_of_one_section_are_a_design(tmp_path: Path) -> None:
    from leadsim.experiments.spec import load_experiment

    (tmp_path / "spec.yaml").write_text(
        SPEC_HEAD + "  head.charisma: [0.3, 0.5]\n  style:\n    a: {head: {distribution: 0.2}}\n    b: {}\n"
    )
    assert load_experiment(tmp_path / "spec.yaml").n_points == 4


# --- 4. calibration specs --------------------------------------------------------------------------

CALIBRATION = """\
parameters:
  events.head_exit_hazard: {min: 0.05, max: 0.4}
population: 2
generations: 1
seeds: 1
ordinary_years: 1
"""


@pytest.fixture
def no_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fit must never start: each case here is refused before it."""
    from leadsim.analysis import calibration

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the calibration ran")

    monkeypatch.setattr(calibration, "calibrate", refuse)


@pytest.mark.parametrize(
    ("spec", "data", "expected"),
    [
        (
            "name: ../../escaped\ntargets: [E1.rate]\n",
            None,
            "c.yaml:7: name: use letters, digits, '.', '_' and '-' only, starting with a letter or digit "
            "(got '../../escaped')",
        ),
        (
            "targets: {E2.rate: {low: 1.5, high: 2.0}}\n",
            None,
            "c.yaml:7: targets.E2.rate.low: E2.rate is the share of teachers leaving a year, so the model gives "
            "only values between 0 and 1 (got 1.5)",
        ),
        (
            "data: mine.yaml\n",
            "E2.novices: {value: 1.4, sd: 0.1}\n",
            "mine.yaml:1: E2.novices.value: E2.novices is the share of teachers in their first 3 years leaving, so "
            "the model gives only values between 0 and 1 (got 1.4)",
        ),
        (
            "targets: [E1.rate, E2.rate, E1.rate]\n",
            None,
            "c.yaml:7: targets[2]: E1.rate is listed twice",
        ),
        (
            "targets: [E1.rate]\ndata: mine.yaml\n",
            "E1.rate: {value: 0.3, sd: 0.01}\n",
            "mine.yaml:1: E1.rate: a target the spec gives too (E-range of E1); give each target in one place",
        ),
        (
            "data: mine.yaml\n",
            "E1.rate: {low: -0.2, high: 0.1}\n",
            "mine.yaml:1: E1.rate.low: E1.rate is the share of heads leaving a year, so the model gives only "
            "values of at least 0 (got -0.2)",
        ),
    ],
)
def test_a_calibration_that_cannot_be_meant_is_refused_in_one_line_before_it_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_fit: None,
    spec: str,
    data: str | None,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(CALIBRATION + spec)
    if data is not None:
        (tmp_path / "mine.yaml").write_text(data)
    line = refused(capsys, ["calibrate", "c.yaml", "--workers", "1"])
    assert line == f"leadsim: error: {expected}", line
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["c.yaml"] + (["mine.yaml"] if data else []))


def test_a_calibration_into_a_folder_it_cannot_write_is_refused_before_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_fit: None
) -> None:
    (tmp_path / "c.yaml").write_text(CALIBRATION + "targets: [E1.rate]\n")
    line = refused(capsys, ["calibrate", str(tmp_path / "c.yaml"), "--workers", "1", "--out", "/proc/leadsim-x"])
    assert line.startswith("leadsim: error: --out /proc/leadsim-x: cannot write")


# --- 5. one-line errors that said the wrong thing ---------------------------------------------------


def test_a_bound_that_excludes_its_value_says_above_not_at_least(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_fit: None
) -> None:
    (tmp_path / "c.yaml").write_text(CALIBRATION + "data: mine.yaml\n")
    (tmp_path / "mine.yaml").write_text("E1.rate: {value: 0.2, sd: 0}\n")
    line = refused(capsys, ["calibrate", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "out")])
    assert line.endswith("mine.yaml:1: E1.rate.sd: must be above 0 (got 0)"), line


@pytest.mark.parametrize(
    ("only", "expected"),
    [
        (",", "--only ',': name at least one check"),
        (" , ", "name at least one check"),
        ("P1,p1", "'P1' is named twice"),
    ],
)
def test_check_only_with_no_check_or_a_check_twice_is_refused_rather_than_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], only: str, expected: str
) -> None:
    from leadsim.cli import check

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a check ran")

    monkeypatch.setattr(check, "run_check", refuse)
    assert expected in refused(capsys, ["check", "--only", only, "--seeds", "3"])


def test_report_on_a_sweep_stopped_before_its_first_run_says_to_finish_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "experiment.yaml").write_text("name: smoke\nscenario: demo\n")
    (out / "model.sha256").write_text("0" * 64 + "\n")
    (out / "design.parquet").write_bytes(b"")
    line = refused(capsys, ["report", str(out)])
    assert "has no summaries.parquet yet: the sweep has not finished" in line
    assert "run the same 'leadsim sweep' command again" in line


@pytest.mark.parametrize(("command", "what", "example"), [("sweep", "experiment", "scenario: demo")])
def test_an_empty_experiment_file_is_told_what_an_experiment_begins_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, what: str, example: str
) -> None:
    (tmp_path / "e.yaml").write_text("\n")
    line = refused(capsys, [command, str(tmp_path / "e.yaml"), "--out", str(tmp_path / "out")])
    assert line.endswith(f"empty {what} file (give at least one setting, e.g. '{example}')"), line


def test_sweeping_a_calibration_spec_says_to_calibrate_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    line = refused(capsys, ["sweep", "calibrate-turnover", "--out", str(tmp_path / "out")])
    assert "this is a calibration spec" in line and "run it with 'leadsim calibrate calibrate-turnover'" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("target", ["answers", "mine"])
def test_diagnose_never_writes_its_scenario_over_the_answers_or_a_file_of_the_users(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("time: protected\n")
    (tmp_path / "mine.yaml").write_text("years: 3\nhead: {charisma: 0.9}\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    line = refused(capsys, ["diagnose", str(answers), "--out", str(tmp_path / f"{target}.yaml")])
    assert ("is the answers file" if target == "answers" else "was not written by 'leadsim diagnose'") in line
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_diagnose_replaces_the_scenario_it_wrote_before(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("time: protected\n")
    out = tmp_path / "school.yaml"
    assert main(["diagnose", str(answers), "--out", str(out)]) == 0
    answers.write_text("time: hardly\n")
    assert main(["diagnose", str(answers), "--out", str(out)]) == 0
    assert "hardly" in out.read_text()


# --- 6. pages written over the user's files -------------------------------------------------------


@pytest.fixture(scope="module")
def smoke_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("review") / "smoke"
    smoke = Path(__file__).resolve().parents[1] / "experiments" / "smoke.yaml"
    assert main(["sweep", str(smoke), "--out", str(out), "--workers", "0"]) == 0
    return out


@pytest.mark.parametrize("target", ["summaries.parquet", "experiment.yaml", "thesis.txt"])
def test_report_never_writes_its_page_over_the_sweeps_results_or_a_file_of_the_users(
    smoke_sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    capsys.readouterr()
    out = smoke_sweep / target if target != "thesis.txt" else tmp_path / target
    if target == "thesis.txt":
        out.write_text("chapter 1\n")
    before = out.read_bytes()
    line = refused(capsys, ["report", str(smoke_sweep), "--out", str(out)])
    assert line == f"leadsim: error: --out {out}: exists and is not a leadsim report; not replacing it"
    assert out.read_bytes() == before
    assert main(["sweep", "--verify", str(smoke_sweep)]) == 0


def test_report_replaces_its_own_page(smoke_sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(smoke_sweep), "--out", str(out)]) == 0
    assert main(["report", str(smoke_sweep), "--out", str(out)]) == 0


def test_check_figures_never_writes_over_a_file_of_the_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from leadsim.cli import check

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a check ran")

    monkeypatch.setattr(check, "run_check", refuse)
    notes = tmp_path / "notes.html"
    notes.write_text("<!DOCTYPE html><html><body>my notes</body></html>")
    line = refused(capsys, ["check", "--only", "E1", "--seeds", "3", "--figures", str(notes)])
    assert "exists and is not a page leadsim wrote; not replacing it" in line
    assert "my notes" in notes.read_text()


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("federation.yaml", "spec.yaml:1: scenario: federation.yaml is a system of schools; a sweep runs one school"),
        (
            "{extends: demo.yaml, years: 1}",
            "spec.yaml:1: scenario.extends: a scenario given in the spec cannot extend a file; name the file as the "
            "base",
        ),
    ],
)
def test_a_base_scenario_a_sweep_cannot_run_is_refused_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, expected: str
) -> None:
    root = Path(__file__).resolve().parents[1] / "scenarios"
    (tmp_path / "federation.yaml").write_bytes((root / "systems" / "federation.yaml").read_bytes())
    (tmp_path / "demo.yaml").write_bytes((root / "demo.yaml").read_bytes())
    (tmp_path / "spec.yaml").write_text(f"scenario: {base}\nreplications: 1\n")
    out = tmp_path / "out"
    line = refused(capsys, ["sweep", str(tmp_path / "spec.yaml"), "--workers", "0", "--out", str(out)])
    assert expected in line, line
    assert not out.exists()


@pytest.mark.parametrize("name", ["../../escaped", "a/b"])
def test_a_study_name_that_would_leave_runs_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(TINY_SYSTEM)
    (tmp_path / "study.yaml").write_text(f"name: '{name}'\n" + TINY_STUDY)
    line = refused(capsys, ["system", "study", "study.yaml", "--workers", "0"])
    assert "study.yaml:1: name: use letters, digits, '.', '_' and '-' only" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.yaml", "tiny.yaml"]
    assert not (tmp_path.parent / "escaped").exists()
