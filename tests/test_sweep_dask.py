"""``leadsim sweep --scheduler``: a real Dask scheduler and two workers on 127.0.0.1, started by the tests.

The cluster is ``python -m dask scheduler`` and two ``python -m dask worker ... --nworkers 1
--nthreads 1`` processes, each in its own process group. A sweep on it must give exactly the
summaries of the same sweep in one process, also when one worker is killed (SIGKILL) mid-sweep.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from leadsim.cli import main
from leadsim.experiments import worker
from leadsim.experiments.spec import run_seed, summary_columns

ROOT = Path(__file__).resolve().parents[1]
SMOKE = str(ROOT / "experiments" / "smoke.yaml")
REPS = ["--set", "replications=40"]  # 160 runs: shards of 50, 50, 50, 10
N_RUNS = 160
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    # as experiments/Readme.md advises for a cluster (the sweep's local cluster sets these itself)
    "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "5",
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__ADMIN__LOW_LEVEL_LOG_LENGTH": "50",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        cwd=ROOT,
        env=ENV,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=30)


def workers_on(address: str) -> int:
    from distributed import Client

    with Client(address, timeout="10s") as client:
        return len(client.nthreads())


class Cluster:
    def __init__(self, address: str, scheduler: subprocess.Popen, workers: list[subprocess.Popen]) -> None:
        self.address, self.scheduler, self.workers = address, scheduler, workers


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("dask-logs")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], logs / "scheduler")
    workers = [
        start(
            ["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"],
            logs / f"worker-{i}",
        )
        for i in range(2)
    ]
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if workers_on(address) == 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the Dask cluster did not start: " + (logs / "worker-0").read_text()[-2000:])
            time.sleep(0.5)
        yield Cluster(address, scheduler, workers)
    finally:
        for p in [*workers, scheduler]:
            stop(p)


@pytest.fixture(scope="module")
def single_machine(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The same sweep in one process, without Dask."""
    out = tmp_path_factory.mktemp("single") / "smoke"
    assert main(["sweep", SMOKE, *REPS, "--out", str(out), "--workers", "0"]) == 0
    return pd.read_parquet(out / "summaries.parquet")


def sweep_on(address: str, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "leadsim.cli", "sweep", SMOKE, *REPS, "--out", str(out), "--scheduler", address],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finished(out: Path) -> int:
    path = out / "runs" / "manifest.jsonl"
    n = 0
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                n += len(json.loads(line)["runs"])
            except (ValueError, KeyError):
                pass
    return n


def test_sweep_on_a_dask_cluster_equals_the_single_machine_result(
    cluster: Cluster, single_machine: pd.DataFrame, tmp_path: Path
) -> None:
    p = sweep_on(cluster.address, tmp_path / "cluster")
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    assert f"on the Dask cluster at {cluster.address}" in stdout
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cluster" / "summaries.parquet"), single_machine)


@pytest.mark.filterwarnings("ignore:Port .* is already in use")
def test_a_failing_run_on_dask_is_an_error_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Workers in this process (threads), so that the monkeypatched model reaches them."""
    from distributed import LocalCluster

    real = worker.simulate
    bad = run_seed(7, 2, 1)

    def fragile(data: dict, seed: int):
        if seed == bad:
            raise RuntimeError("the model broke")
        return real(data, seed)

    monkeypatch.setattr(worker, "simulate", fragile)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as local:
        code = main(["sweep", SMOKE, "--out", str(tmp_path / "out"), "--scheduler", local.scheduler_address])
    stdout = capsys.readouterr().out
    assert code == 1
    assert "1 failed" in stdout and "p00002-r001: RuntimeError: the model broke" in stdout
    df = pd.read_parquet(tmp_path / "out" / "summaries.parquet")
    assert df.loc[df.status == "error", "run_key"].tolist() == ["p00002-r001"]
    assert df.loc[df.status == "error", list(summary_columns())].isna().all().all()
    assert (df.status == "ok").sum() == 11


def test_a_worker_killed_mid_sweep_changes_nothing(
    cluster: Cluster, single_machine: pd.DataFrame, tmp_path: Path
) -> None:
    assert workers_on(cluster.address) == 2
    out = tmp_path / "killed-worker"
    p = sweep_on(cluster.address, out)
    deadline = time.monotonic() + 90
    while not 0 < finished(out) < N_RUNS:
        assert p.poll() is None, p.communicate()[1]
        assert time.monotonic() < deadline, "the sweep never got going"
        time.sleep(0.01)
    os.killpg(cluster.workers[0].pid, signal.SIGKILL)  # the worker and its nanny: it does not come back
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    assert workers_on(cluster.address) == 1
    df = pd.read_parquet(out / "summaries.parquet")
    pd.testing.assert_frame_equal(df, single_machine)
    assert df["run_key"].is_unique and len(df) == N_RUNS
