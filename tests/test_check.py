"""`leadsim check`: the validation suite as a command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _leadsim(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def test_check_prints_the_table_and_passes_a_check_that_holds():
    out = _leadsim("check", "--only", "E2", "--seeds", "3", "--workers", "1")
    assert out.returncode == 0, out.stderr
    assert "E2 teacher turnover" in out.stdout and "pass" in out.stdout
    assert "NCES" in out.stdout


def test_check_refuses_an_unknown_check_with_one_line():
    out = _leadsim("check", "--only", "P9")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leadsim: error:") and "P9" in lines[0]
