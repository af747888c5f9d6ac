"""The README's commands, .ci/run and the project's scripts agree with each other."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from leadsim.sim.metrics import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

MAIN = (
    "scripts/setup.sh && .venv/bin/leadsim sweep experiments/succession.yaml --out runs/succession"
    " && .venv/bin/leadsim report runs/succession"
)
TESTS = "scripts/setup.sh && .venv/bin/pytest -q"


def first_code_block(text: str) -> list[str]:
    match = re.search(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    assert match, "README has no code block"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_readme_opens_with_the_two_commands() -> None:
    assert first_code_block(README) == [MAIN, TESTS]


def test_readme_keeps_the_figure_line() -> None:
    assert "![Attainment around a charismatic head's departure](docs/img/succession.png)" in README


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = first_code_block(README)[1]
    assert test_command in CI.splitlines(), ".ci/run must run the README's test command exactly as written"


def test_ci_fails_on_any_failure_and_lints() -> None:
    assert "set -euo pipefail" in CI
    assert ".venv/bin/ruff check ." in CI
    assert ".venv/bin/ruff format --check ." in CI


@pytest.mark.parametrize("script", ["scripts/setup.sh", ".ci/run"])
def test_scripts_are_executable(script: str) -> None:
    path = ROOT / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    if shutil.which("git") and (ROOT / ".git").exists():
        out = subprocess.run(
            ["git", "ls-files", "-s", "--", script], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout
        if out:  # tracked: the executable bit must be committed too
            assert out.startswith("100755"), f"{script} is tracked without its executable bit: {out.strip()}"
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(path)], check=True)


def test_the_main_command_names_a_bundled_experiment_and_reports_where_it_wrote() -> None:
    (spec,) = re.findall(r"leadsim sweep (\S+)", MAIN)
    assert (ROOT / spec).is_file(), f"README sweeps {spec}, which is not in the repository"
    (out,) = re.findall(r"--out (\S+)", MAIN)
    assert f"leadsim report {out}" in MAIN


def test_pyproject_entry_point_and_python() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["scripts"]["leadsim"] == "leadsim.cli:app"
    assert meta["project"]["requires-python"] == ">=3.12"
    assert "dev" in meta["project"]["optional-dependencies"]


def test_readme_lists_every_timeseries_column() -> None:
    section = README.split("## Outputs", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)
    assert listed == list(COLUMNS)


def test_setup_script_arguments() -> None:
    """--help and argument errors are handled before anything is created or installed."""
    setup = ROOT / "scripts" / "setup.sh"
    ok = subprocess.run(["bash", str(setup), "--help"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "--extras" in ok.stdout
    bad = subprocess.run(["bash", str(setup), "--no-such-option"], capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "unknown argument" in bad.stderr
