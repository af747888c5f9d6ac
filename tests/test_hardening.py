"""Issue 16: every input bounded, every stored result verified, every worker checked.

One test (or a few) per break the issue found, each of which failed before the fix:

1. a worker running another model contributes rows to a sweep;
2. resume trusts stored shards (truncated, flipped bytes);
3. unbounded reads (alias bombs and recursive aliases in --set, /dev/zero, FIFOs, huge descriptions);
4. tracebacks instead of one line (unwritable --out, long names, huge integers, rich markup in names,
   check --figures under /proc) and a full disk mid-sweep;
5. accepted nonsense (a head departure a week, control characters in descriptions);
7. experiments/Readme.md contradicting the code on resuming after a model change.

Sweeps here run in this process (``--workers 0``) or on an in-process Dask cluster, so that
monkeypatching reaches the worker; they use ``experiments/smoke.yaml`` (12 runs of a small school).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from leadsim.cli import main
from leadsim.experiments import backends, store, worker

ROOT = Path(__file__).resolve().parents[1]
SMOKE = str(ROOT / "experiments" / "smoke.yaml")
TINY = "school: {teachers: 12, students: 100, parents: 100}\nyears: 0.2\n"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("leadsim: "), err
    assert "Traceback" not in err
    return lines[0]


def sweep_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """A sweep that stops: its progress lines (``  5/12 runs, ...``), then one line saying why."""
    err = capsys.readouterr().err
    *progress, last = err.splitlines()
    assert all(line.startswith("  ") and "runs," in line for line in progress), err
    assert last.startswith("leadsim: ") and "Traceback" not in err, err
    return last


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The smoke sweep, whole and undisturbed: what every repaired or resumed sweep must equal."""
    out = tmp_path_factory.mktemp("hardening") / "reference"
    assert main(["sweep", SMOKE, "--out", str(out), "--workers", "0"]) == 0
    return out


def copy_of(reference: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(reference, to)
    return to


def same_result(out: Path, reference: Path) -> None:
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "summaries.parquet"), pd.read_parquet(reference / "summaries.parquet")
    )
    assert (out / "summaries.parquet").read_bytes() == (reference / "summaries.parquet").read_bytes()


# --- 1. a sweep never mixes models ---------------------------------------------------------------


def test_every_task_carries_the_model_hash_it_expects(reference: Path) -> None:
    line = json.loads((reference / "runs" / "manifest.jsonl").read_text().splitlines()[0])
    assert set(line["sha256"]) == {"summaries", "timeseries"}
    assert (reference / "model.sha256").read_text().strip() == worker.model_hash()


def test_a_worker_running_another_model_refuses_its_task(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # This process is the worker (--workers 0); its model "changes" after the sweep was planned.
    monkeypatch.setattr(worker, "running_model", lambda: "f" * 64)
    out = tmp_path / "other-model"
    code = main(["sweep", SMOKE, "--out", str(out), "--workers", "0"])
    line = sweep_error_line(capsys)
    assert code == 1
    assert "sweep stopped: this process runs another model" in line and "0 of 12 runs done" in line
    assert not (out / "runs" / "manifest.jsonl").exists() or not (out / "runs" / "manifest.jsonl").read_text()
    assert not (out / "summaries.parquet").exists()


@pytest.mark.filterwarnings("ignore:Port .* is already in use")
def test_a_dask_worker_with_another_model_never_adds_a_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture
) -> None:
    """Two in-process Dask workers; worker 0 runs "another model" and joined after the start check."""
    from distributed import LocalCluster, get_worker

    refused: list[str] = []

    def running_model() -> str:
        if get_worker().name == 0:
            refused.append(get_worker().address)
            return "e" * 64
        return worker.model_hash()

    monkeypatch.setattr(worker, "running_model", running_model)
    monkeypatch.setattr(backends.DaskBackend, "prepare", lambda self, listener, stopped: None)  # joined later
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as local:
        code = main(["sweep", SMOKE, "--out", str(tmp_path / "out"), "--scheduler", local.scheduler_address])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert refused, "worker 0 was never sent a task: the test proves nothing"
    same_result(tmp_path / "out", reference)  # every row from the model of this process


@pytest.mark.filterwarnings("ignore:Port .* is already in use")
def test_a_sweep_whose_every_worker_runs_another_model_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(worker, "running_model", lambda: "e" * 64)
    monkeypatch.setattr(backends.DaskBackend, "prepare", lambda self, listener, stopped: None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as local:
        code = main(["sweep", SMOKE, "--out", str(tmp_path / "out"), "--scheduler", local.scheduler_address])
    assert code == 1
    assert "no worker runs this model: 2 refused" in sweep_error_line(capsys)
    assert not (tmp_path / "out" / "summaries.parquet").exists()


# --- 2. resume verifies every stored shard ---------------------------------------------------------


def damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    else:  # flip 40 bytes in the middle, where the values are
        for i in range(len(data) // 2, len(data) // 2 + 40):
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("kind", "how"),
    [("timeseries", "truncate"), ("summaries", "flip"), ("summaries", "truncate")],
)
def test_a_damaged_shard_is_found_and_its_runs_are_redone(
    reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture, kind: str, how: str
) -> None:
    out = copy_of(reference, tmp_path / "damaged")
    damage(out / "runs" / f"{kind}-00000.parquet", how)
    capsys.readouterr()
    assert main(["sweep", "--verify", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{kind}-00000.parquet: checksum differs from the manifest's (damaged; 12 runs)" in err
    assert "Traceback" not in err
    assert main(["sweep", SMOKE, "--out", str(out), "--workers", "0"]) == 0
    assert "12 stored runs failed verification (damaged shards): running them again" in capsys.readouterr().out
    same_result(out, reference)
    assert main(["sweep", "--verify", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"OK {out}: 12 runs")


def test_verify_finds_an_edited_final_table_and_a_missing_shard(
    reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = copy_of(reference, tmp_path / "edited")
    df = pd.read_parquet(out / "summaries.parquet")
    df.loc[0, "final_attainment"] = -300.0
    df.to_parquet(out / "summaries.parquet", index=False)
    assert main(["sweep", "--verify", str(out)]) == 1
    assert one_error_line(capsys).endswith("summaries.parquet: differs from what the shards hold (damaged or edited)")
    (out / "runs" / "summaries-00000.parquet").unlink()
    assert main(["sweep", "--verify", str(out)]) == 1
    assert "summaries-00000.parquet: missing (12 runs)" in capsys.readouterr().err
    assert main(["sweep", "--verify", str(tmp_path)]) == 1
    assert "not a sweep folder" in one_error_line(capsys)


def test_a_folder_someone_hands_you_cannot_exhaust_memory(
    reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = copy_of(reference, tmp_path / "bomb")
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"{b}: &{b} [{', '.join(['*' + a] * 10)}]" for a, b in zip("abcdefg", "bcdefgh", strict=False)]
    (out / "experiment.yaml").write_text("\n".join(levels) + "\n", encoding="utf-8")
    assert main(["sweep", SMOKE, "--out", str(out), "--workers", "0"]) == 2
    line = one_error_line(capsys)
    assert "experiment.yaml" in line and "too many values" in line


# --- 3. unbounded reads ------------------------------------------------------------------------------


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real command in a child process: a hang fails the test instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-m", "leadsim.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def assert_one_line_exit_2(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("leadsim: error: "), done.stderr
    for word in words:
        assert word in done.stderr


ALIAS_BOMB = (
    "["
    + ", ".join(
        [f"&a [{', '.join(['1'] * 9)}]"]
        + [f"&{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdef", "bcdefg", strict=False)]
    )
    + "]"
)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["validate", "demo", "--set", f"events.crises={ALIAS_BOMB}"], ["too many values"]),
        (["validate", "demo", "--set", "name=&a [*a]"], ["recursive YAML alias"]),
        (["sweep", SMOKE, "--set", f"replications={ALIAS_BOMB}"], ["too many values"]),
        (["validate", "/dev/zero"], ["/dev/zero: not a regular file"]),
        (["sweep", "/dev/zero"], ["/dev/zero: not a regular file", "an experiment file"]),
        (["validate", "demo", "--set", "seed=" + "9" * 5000], ["number too large (5000 digits; at most 30)"]),
    ],
)
def test_unbounded_inputs_end_in_one_line(args: list[str], words: list[str]) -> None:
    done = cli(*args)
    assert_one_line_exit_2(done, *words)
    assert len(done.stderr) < 400  # a 5000-digit value is not repeated back


def test_extends_a_device_or_a_fifo_and_a_fifo_scenario(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    (tmp_path / "zero.yaml").write_text("extends: /dev/zero\nyears: 1\n", encoding="utf-8")
    (tmp_path / "fifo.yaml").write_text(f"extends: {fifo}\nyears: 1\n", encoding="utf-8")
    assert_one_line_exit_2(cli("validate", str(tmp_path / "zero.yaml"), timeout=30), "/dev/zero: not a regular file")
    assert_one_line_exit_2(cli("validate", str(tmp_path / "fifo.yaml"), timeout=30), "pipe.yaml: not a regular file")
    assert_one_line_exit_2(cli("validate", str(fifo), timeout=30), "pipe.yaml: not a regular file")
    assert_one_line_exit_2(cli("run", str(fifo), "--out", str(tmp_path / "r"), timeout=30), "not a regular file")
    assert not (tmp_path / "r").exists()


def test_a_huge_description_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(TINY + "description: " + "x" * (2 << 20) + "\n", encoding="utf-8")
    assert main(["run", str(big), "--out", str(tmp_path / "r")]) == 2
    assert "too large for a scenario file" in one_error_line(capsys)
    long = tmp_path / "long.yaml"
    long.write_text(TINY + "description: " + "x" * 600 + "\n", encoding="utf-8")
    assert main(["run", str(long), "--out", str(tmp_path / "r")]) == 2
    assert "long.yaml:3: description: at most 500 characters (got 600)" in one_error_line(capsys)
    assert not (tmp_path / "r").exists()


# --- 4. one line, not a traceback; outputs checked by trying ----------------------------------------


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


def unwritable_outs(tmp_path: Path) -> list[tuple[str, str]]:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    return [
        ("/proc/leadsim-out", "cannot write"),
        (str(a_file / "out"), "is not a folder"),
        (str(tmp_path / ("n" * 300)), "File name too long"),
    ]


def test_run_refuses_an_unwritable_out_before_running(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import leadsim.sim.model

    def never(*a, **k):
        raise AssertionError("the model ran before the output was checked")

    monkeypatch.setattr(leadsim.sim.model.SchoolModel, "run", never)
    for out, words in unwritable_outs(tmp_path):
        assert main(["run", str(tiny), "--out", out]) == 2, out
        line = one_error_line(capsys)
        assert line.startswith("leadsim: error: --out ") and words in line, line


def test_a_name_that_makes_a_folder_name_over_255_bytes_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 70 letters of 4 bytes each: 280 bytes in runs/<name>-<seed>/, the default folder
    path = tmp_path / "long-name.yaml"
    path.write_text(TINY + "name: " + "\U0001d49c" * 70 + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path)]) == 2
    assert "File name too long" in one_error_line(capsys)
    assert not (tmp_path / "runs").exists()


def test_sweep_refuses_an_unwritable_out_before_any_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_cluster(self):
        raise AssertionError("a cluster started before the output was checked")

    monkeypatch.setattr(backends.DaskBackend, "__enter__", no_cluster)
    for out, words in unwritable_outs(tmp_path):
        assert main(["sweep", SMOKE, "--out", out, "--workers", "1"]) == 2, out
        line = one_error_line(capsys)
        assert line.startswith("leadsim: error: --out ") and words in line, line


def test_check_figures_refuses_an_unwritable_page_before_the_checks(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    # os.access says yes to root everywhere; trying says no
    assert main(["check", "--only", "P2", "--seeds", "3", "--figures", "/proc/x.html"]) == 2
    assert "--figures /proc/x.html: cannot write" in one_error_line(capsys)
    assert main(["check", "--only", "P2", "--seeds", "3", "--figures", str(tmp_path)]) == 2
    assert "is a folder" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_mid_sweep_keeps_every_run_already_stored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(store, "FLUSH_RUNS", 4)  # shards of 4 runs: 3 shards
    real = store.atomic_write_bytes
    written = []

    def filling(path, data):
        if "summaries-00001" in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(Path(path).name)
        return real(path, data)

    monkeypatch.setattr(store, "atomic_write_bytes", filling)
    out = tmp_path / "full"
    assert main(["sweep", SMOKE, "--out", str(out), "--workers", "0"]) == 1
    line = sweep_error_line(capsys)
    assert "sweep stopped: cannot write" in line and "No space left on device" in line
    assert "4 of 12 runs done and saved" in line
    assert [json.loads(x)["shard"] for x in (out / "runs" / "manifest.jsonl").read_text().splitlines()] == [0]
    monkeypatch.setattr(store, "atomic_write_bytes", real)
    assert main(["sweep", SMOKE, "--out", str(out), "--workers", "0"]) == 0
    assert "resuming" in capsys.readouterr().out
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "summaries.parquet"), pd.read_parquet(reference / "summaries.parquet")
    )


@pytest.mark.parametrize("name", ["[/bold]", "[link=https://example.org]x[/link]", "[red]x"])
def test_rich_markup_in_a_name_is_printed_as_text(tmp_path: Path, name: str) -> None:
    path = tmp_path / "markup.yaml"
    path.write_text(TINY + f"name: '{name}'\ndescription: '{name}'\n", encoding="utf-8")
    done = cli("run", str(path), "--out", str(tmp_path / "r"), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{name} seed 0:"), done.stdout
    assert (tmp_path / "r" / "manifest.json").exists()


def test_markup_in_a_sweep_folder_is_printed_as_text(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "spec.yaml"
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    spec.write_text("scenario: tiny.yaml\nreplications: 2\n", encoding="utf-8")
    out = tmp_path / "[/bold][link=x]"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"spec: 2 runs (1 design point x 2 replications) -> {out}/\n"), printed
    assert printed.endswith(f"wrote {out}/summaries.parquet\n"), printed
    # an experiment's name names its default folder: letters, digits, '.', '_' and '-' only
    spec.write_text("name: '[/bold]'\nscenario: tiny.yaml\n", encoding="utf-8")
    assert main(["sweep", str(spec), "--workers", "0"]) == 2
    assert "name: use letters, digits" in one_error_line(capsys)


# --- 5. accepted nonsense ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("events.head_departures=[" + ", ".join(f"{{week: {w}}}" for w in range(1, 390)) + "]", "at most one per term"),
        ("events.head_departures=[{week: 40}, {week: 50}]", "events.head_departures: at most one per term (13 weeks"),
        ("events.crises=[{week: 40}, {week: 41}]", "events.crises: at most one per term"),
        ('description="line one\\nline two"', "description: one line of text: control characters"),
        ('description="a\\x1b[31mred"', "control characters"),
        ("name=" + "n" * 101, "name: at most 100 characters (got 101)"),
    ],
)
def test_nonsense_is_refused(setting: str, words: str) -> None:
    done = cli("validate", "demo", "--set", "years=10", "--set", setting)
    assert_one_line_exit_2(done, words)


def test_departures_a_term_apart_are_accepted(capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "demo", "--set", "events.head_departures=[{week: 40}, {week: 53}]"]) == 0


# --- 7. the docs say what the code does ----------------------------------------------------------


def test_the_experiments_readme_says_a_resume_after_a_model_change_is_refused() -> None:
    text = " ".join((ROOT / "experiments" / "Readme.md").read_text(encoding="utf-8").split())
    assert "mixes results of two versions" not in text
    assert "A sweep resumed after `sim/` changed is refused" in text
