"""leadsim installed from its wheel, outside the checkout, works: bundled scenarios and experiments
are shipped as package data and nothing squats on a generic top-level import name.

The wheel is built from the checkout and installed into a fresh virtual environment in a temporary
folder, which borrows its dependencies from the environment running the tests (see ``venv``).
Commands run with the temporary folder as working directory, so nothing of the checkout can be
imported by accident.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _source_copy(dest: Path) -> Path:
    """The checkout's tracked files, copied: setuptools builds in ``build/`` inside the source tree,
    so two test workers building from the checkout itself collide there (CI saw ``File exists``)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    if tracked.returncode == 0 and tracked.stdout:
        for rel in filter(None, tracked.stdout.split("\0")):
            src = ROOT / rel
            if src.is_file():
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / rel)
    else:  # not a git checkout: everything but environments and build products
        shutil.copytree(
            ROOT,
            dest,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache"),
        )
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = _source_copy(tmp_path_factory.mktemp("source"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (found,) = out.glob("leadsim-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment holding the wheel; its dependencies are borrowed from this environment.

    Installing numpy, pandas, mesa, solara... again would take minutes and test pip rather than
    leadsim: a ``.pth`` file puts this environment's site-packages *after* the fresh one's, where
    ``.pth`` files are not run, so this checkout's editable ``leadsim`` stays invisible; the widgets'
    data files under ``etc/`` and ``share/`` are copied. ``pip check`` then says whether the
    wheel's declared dependencies are all there.
    """
    home = tmp_path_factory.mktemp("venv")
    env_dir = home / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=300)
    py = env_dir / "bin" / "python"
    fresh = Path(
        subprocess.check_output(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (fresh / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    for data in ("etc/jupyter", "share/jupyter"):  # the widgets' data files (solara reads their config)
        if (Path(sys.prefix) / data).is_dir():
            shutil.copytree(Path(sys.prefix) / data, env_dir / data, symlinks=True)
    proc = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    checked = subprocess.run(
        [str(py), "-m", "pip", "check", "--disable-pip-version-check"], capture_output=True, text=True, timeout=300
    )
    assert checked.returncode == 0, checked.stdout[-2000:]
    return env_dir


def _run(venv: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(venv / "bin" / "leadsim"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_the_wheel_ships_one_package_and_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("leadsim-")}
    assert tops == {"leadsim"}, tops
    assert "leadsim/scenarios/demo.yaml" in names
    assert "leadsim/experiments/smoke.yaml" in names
    assert "leadsim/experiments/succession.yaml" in names


def test_installed_leadsim_imports_from_site_packages(venv: Path, tmp_path: Path) -> None:
    py = venv / "bin" / "python"
    where = subprocess.check_output(
        [str(py), "-c", "import leadsim.sim; print(leadsim.sim.__file__)"], cwd=tmp_path, text=True
    )
    assert str(venv) in where and str(ROOT) not in where
    probe = subprocess.run([str(py), "-c", "import sim"], cwd=tmp_path, capture_output=True, text=True)
    assert probe.returncode != 0, "a generic top-level 'sim' package is importable"


def test_run_scenarios_and_sweep_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    listed = _run(venv, "scenarios", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "demo" in listed.stdout and "charismatic-solo" in listed.stdout
    ran = _run(venv, "run", "demo", "--out", "demo-run", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "demo-run" / "manifest.json").is_file()
    swept = _run(venv, "sweep", "smoke", "--set", "replications=1", "--workers", "0", "--out", "smoke", cwd=tmp_path)
    assert swept.returncode == 0, swept.stderr
    assert (tmp_path / "smoke" / "summaries.parquet").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_from_the_wheel_answers(venv: Path, tmp_path: Path) -> None:
    """A wheel install serves the page once its front-end files are prepared (``leadsim serve --prepare``,
    which ``scripts/setup.sh`` runs): the files this environment prepared are copied over, so the test
    needs no network; without them, the installed command prepares its own."""
    from leadsim.app.server import assets_dir

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    prepared = assets_dir()
    target = venv / "share" / "solara" / "cdn"
    if prepared.is_dir() and any(prepared.iterdir()):
        shutil.copytree(prepared, target, dirs_exist_ok=True)
    else:
        done = _run(venv, "serve", "--prepare", cwd=tmp_path, timeout=900)
        assert done.returncode == 0, done.stderr
    port = _free_port()
    proc = subprocess.Popen(
        [str(venv / "bin" / "leadsim"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.5)
        if status is None:
            proc.terminate()
            out = proc.communicate(timeout=30)[0]
            pytest.fail(f"leadsim serve did not answer (exit {proc.returncode}): {out[-2000:]}")
        assert status == 200
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
