"""Running an experiment: every run of every design point, on Dask workers or in this process, resumable.

A sweep writes one folder (``runs/<experiment>/`` by default)::

    experiment.yaml                  the resolved spec (written first; a resumed sweep must match it)
    model.sha256                     fingerprint of the model's source that made the runs (a resumed
                                     sweep must be run by the same model, or its table would mix two)
    design.parquet                   one row per design point: point, label, one column per factor
    runs/summaries-00000.parquet     shards of finished runs, one row per run
    runs/timeseries-00000.parquet    their time series (if kept), every Nth step
    runs/manifest.jsonl              one line per shard: {"shard": N, "runs": [run_key, ...]}
    summaries.parquet                when every run is done: one row per run, design columns joined

A run is finished if and only if its key is in the manifest, so a sweep that was killed, crashed or
interrupted resumes where it stopped: shards not in the manifest are deleted and the missing runs
are run again, with the same seeds (a run's seed depends only on its design point and replicate).

Runs go to a Dask cluster (a local one by default; ``distributed.Client(address)`` for an existing
one), a bounded number of tasks in flight, each task a few runs; results are flushed to a shard
every :data:`FLUSH_RUNS` runs or :data:`FLUSH_SECONDS` seconds, so memory stays flat.

Example:
    >>> from leadsim.experiments.runner import sweep
    >>> code = sweep("experiments/smoke.yaml", out="runs/smoke", workers=2)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import math
import os
import re
import shlex
import signal
import sys
import time
import traceback
import uuid
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from leadsim.experiments.outputs import atomic_write_bytes, atomic_write_text
from leadsim.experiments.spec import LoadedExperiment, SpecError, load_experiment, summary_columns

__all__ = [
    "FLUSH_RUNS",
    "FLUSH_SECONDS",
    "RUN_COLUMNS",
    "SweepError",
    "SweepStore",
    "run_chunk",
    "sweep",
]

#: the first columns of every summaries shard and of summaries.parquet
RUN_COLUMNS = ("run_key", "point", "replicate", "seed", "status", "error")
#: the first columns of every timeseries shard
TS_KEY_COLUMNS = ("run_key", "point", "replicate")
#: write a shard after this many finished runs...
FLUSH_RUNS = 50
#: ...or when the oldest unsaved run finished this long ago
FLUSH_SECONDS = 30.0
#: tasks in flight per worker thread (enough to keep workers busy, few enough to keep memory flat)
IN_FLIGHT_PER_SLOT = 4
#: runs are batched into tasks of about this many seconds (Dask's overhead per task is a few ms)
TASK_SECONDS = 0.5
MAX_CHUNK = 64
#: a task whose worker dies this many times is given up (its runs are retried by the next sweep)
ALLOWED_FAILURES = 5
#: Dask settings for the sweep's cluster (the local one, and this process's client). Dask's statistical
#: profiler keeps 1000 one-second profiles of each worker's stack and its message logs the last 1000
#: batches of messages, task payloads included: hundreds of MB per process on a long sweep
DASK_CONFIG = {
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.low-level-log-length": 50,
}
#: error messages are cut to this length in summaries.parquet
MAX_ERROR = 500

#: fields of the spec that change no run: a resumed sweep may differ in these
NOT_RUN_FIELDS = ("name", "description", "outputs")

SHARD_NAME = re.compile(r"^(summaries|timeseries)-(\d{5,})\.parquet$")


class SweepError(Exception):
    """The sweep cannot start (unusable output folder, a different spec there, unusable workers); one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


# --- in the worker ------------------------------------------------------------------------------


def _simulate(scenario_data: dict, seed: int, keep_timeseries: bool, every: int) -> tuple[dict, Any]:
    """One run: the model's summary and (if kept) its time series, every ``every``-th step."""
    from leadsim.sim.config import Scenario
    from leadsim.sim.model import SchoolModel

    model = SchoolModel(Scenario.model_validate(scenario_data), rng=seed)
    model.run()
    summary = model.summary()
    ts = None
    if keep_timeseries:
        ts = model.timeseries()
        if every > 1:
            ts = ts.iloc[::every]
    return summary, ts


def _error_line(exc: BaseException) -> str:
    """``ValueError: message (sim/work.py:120)``: one line, the innermost frame of leadsim's code."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/sim/" in f.filename.replace("\\", "/")] or frames
    if ours:
        f = ours[-1]
        parts = Path(f.filename).parts
        where = "/".join(parts[-2:])
        text += f" ({where}:{f.lineno})"
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 3] + "..."


def run_chunk(task: dict) -> dict:
    """Run a few runs in a worker. A run that raises becomes an error row; the others go on.

    Args:
        task: ``runs`` (a list of (run_key, point, replicate, seed)), ``scenarios`` (the scenario
            data of each design point among them, by point), ``keep_timeseries`` and ``every``.

    Returns:
        ``rows`` (one dict per run: the run columns and the summary's values), ``timeseries``
        (Arrow IPC bytes of the kept series, or None) and ``seconds`` (compute time).
    """
    keep, every, scenarios = task["keep_timeseries"], task["every"], task["scenarios"]
    rows, tables = [], []
    start = time.perf_counter()
    for key, point, replicate, seed in task["runs"]:
        row: dict[str, Any] = {
            "run_key": key,
            "point": point,
            "replicate": replicate,
            "seed": seed,
            "status": "ok",
            "error": None,
        }
        try:
            summary, ts = _simulate({**scenarios[point], "seed": seed}, seed, keep, every)
        except Exception as e:  # noqa: BLE001 - any failure of a run is recorded, not raised
            row["status"] = "error"
            row["error"] = _error_line(e)
        else:
            row.update({k: float(v) for k, v in summary.items()})
            if ts is not None:
                table = pa.Table.from_pandas(ts, preserve_index=False).replace_schema_metadata(None)
                n = table.num_rows
                table = table.add_column(0, "replicate", pa.array([replicate] * n, pa.int64()))
                table = table.add_column(0, "point", pa.array([point] * n, pa.int64()))
                table = table.add_column(0, "run_key", pa.array([key] * n, pa.string()))
                tables.append(table)
        rows.append(row)
    blob = None
    if tables:
        sink = io.BytesIO()
        combined = pa.concat_tables(tables)
        with pa.ipc.new_stream(sink, combined.schema) as writer:
            writer.write_table(combined)
        blob = sink.getvalue()
    return {"rows": rows, "timeseries": blob, "seconds": time.perf_counter() - start}


def code_fingerprint() -> str:
    """SHA-256 of the model's source (``sim/*.py``): workers must run the same model as this process."""
    root = Path(__file__).resolve().parent.parent / "sim"
    digest = hashlib.sha256()
    for path in sorted(root.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _worker_info() -> dict:
    import platform

    from leadsim.sim import __version__

    return {"fingerprint": code_fingerprint(), "leadsim": __version__, "python": platform.python_version()}


# --- the output folder --------------------------------------------------------------------------


def _parquet_bytes(table: pa.Table) -> bytes:
    """Deterministic Parquet: no pandas metadata, nothing time-dependent."""
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(None), sink, compression="zstd", write_statistics=True)
    return sink.getvalue().to_pybytes()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}


def design_table(exp: LoadedExperiment) -> pa.Table:
    """design.parquet: point, label, then one column per factor."""
    cols = {
        "point": pa.array(range(exp.n_points), pa.int64()),
        "label": pa.array([exp.label(i) for i in range(exp.n_points)], pa.string()),
    }
    for name, values, kind in exp.design_columns():
        cols[name] = pa.array(values, _ARROW[kind])
    return pa.table(cols)


def summary_schema() -> pa.Schema:
    fields = [
        pa.field("run_key", pa.string()),
        pa.field("point", pa.int64()),
        pa.field("replicate", pa.int64()),
        pa.field("seed", pa.int64()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
    ]
    return pa.schema(fields + [pa.field(k, pa.float64()) for k in summary_columns()])


class SweepStore:
    """The output folder of a sweep: what is finished, the shards, and the final summaries.parquet."""

    def __init__(self, out: Path, exp: LoadedExperiment) -> None:
        self.out = Path(out)
        self.exp = exp
        self.runs_dir = self.out / "runs"
        self.manifest = self.runs_dir / "manifest.jsonl"
        self.done: set[str] = set()
        self.failed_before = 0
        self.next_shard = 0
        self.rows: list[dict] = []
        self.tables: list[pa.Table] = []
        self.oldest: float | None = None
        self._lock_fd: int | None = None
        self._schema = summary_schema()

    # opening

    def check(self) -> None:
        """Refuse an unusable folder or another spec's sweep, and learn which runs are done; writes nothing."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise SweepError(f"{out}: exists and is not a directory")
        spec_file = out / "experiment.yaml"
        if out.is_dir() and not spec_file.exists() and any(out.iterdir()):
            raise SweepError(f"{out}: exists and is not a sweep folder (no experiment.yaml); not writing into it")
        if spec_file.exists():
            self._check_same_spec(spec_file, rewrite=False)
        if self.runs_dir.is_dir():
            self._read_manifest(cleanup=False)

    def open(self) -> None:
        """Create or reopen the folder: lock it, write experiment.yaml (first) and design.parquet, and
        delete what the manifest does not list (the leftovers of a crash)."""
        self.check()
        spec_file = self.out / "experiment.yaml"
        resumed = spec_file.exists()
        self.out.mkdir(parents=True, exist_ok=True)
        self._lock()
        if resumed:
            self._check_same_spec(spec_file, rewrite=True)
        else:
            atomic_write_text(spec_file, self.exp.resolved_yaml())
        self._write_design()
        self.runs_dir.mkdir(exist_ok=True)
        self._read_manifest(cleanup=True)
        self._check_same_model()

    def missing(self) -> int:
        """How many runs of the experiment are not finished."""
        return sum(1 for run in self.exp.runs() if run[0] not in self.done)

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        fd = os.open(self.out, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SweepError(f"{self.out}: another sweep is writing to this folder right now") from None
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _check_same_spec(self, spec_file: Path, rewrite: bool) -> None:
        try:
            old = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise SweepError(f"{spec_file}: cannot read the spec of the sweep in this folder: {e}") from None
        new = yaml.safe_load(self.exp.resolved_yaml())
        if not isinstance(old, dict):
            raise SweepError(f"{spec_file}: not a sweep's spec; use another --out, or delete the folder")
        was, now = ({k: v for k, v in d.items() if k not in NOT_RUN_FIELDS} for d in (old, new))
        if was != now:
            where, before, after = _first_difference(was, now)
            raise SweepError(
                f"{spec_file}: this folder holds a sweep of a different spec ({where}: {before} there, {after} "
                "here); use another --out, or delete the folder to start again"
            )
        if old != new and rewrite:  # only the name, description or outputs changed: the runs are the same
            atomic_write_text(spec_file, self.exp.resolved_yaml())

    def _check_same_model(self) -> None:
        """Finished runs and the runs still to do must come from the same model source (``sim/*.py``)."""
        path = self.out / "model.sha256"
        here = code_fingerprint()
        there = path.read_text(encoding="utf-8").strip() if path.exists() else None
        if self.done and there is not None and there != here:
            raise SweepError(
                f"{path}: the {len(self.done)} finished runs in this folder were made by another version of "
                "the model (sim/ has changed since); use another --out, or delete the folder to start again"
            )
        if there != here:
            atomic_write_text(path, here + "\n")

    def _write_design(self) -> None:
        table = design_table(self.exp)
        path = self.out / "design.parquet"
        if path.exists():
            try:
                old = pq.read_table(path)
            except (OSError, pa.ArrowException):
                old = None
            if old is not None and not old.equals(table):
                raise SweepError(
                    f"{path}: the design points differ from the ones this spec gives now (another SALib or SciPy?); "
                    "use another --out to run the experiment again"
                )
            if old is not None:
                return
        atomic_write_bytes(path, _parquet_bytes(table))

    def _read_manifest(self, cleanup: bool) -> None:
        """The finished runs; with ``cleanup``, a torn line, shards it does not list and temporary files go."""
        entries: dict[int, list[str]] = {}
        raw = self.manifest.read_bytes() if self.manifest.exists() else b""
        lines = raw.split(b"\n")
        clean = raw.endswith(b"\n") or not raw
        for line in lines:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                shard, runs = int(obj["shard"]), [str(r) for r in obj["runs"]]
            except (ValueError, KeyError, TypeError):
                clean = False
                continue
            if shard in entries and entries[shard] != runs:
                clean = False
            entries[shard] = runs
        keep_ts = self.exp.spec.keeps_timeseries
        for shard in list(entries):
            needed = [self._shard_path("summaries", shard)] + (
                [self._shard_path("timeseries", shard)] if keep_ts else []
            )
            if not all(p.exists() for p in needed):
                del entries[shard]
                clean = False
        if cleanup and not clean:
            text = "".join(json.dumps({"shard": s, "runs": r}) + "\n" for s, r in sorted(entries.items()))
            atomic_write_text(self.manifest, text)
        for path in self.runs_dir.iterdir() if cleanup else ():
            m = SHARD_NAME.match(path.name)
            leftover = path.name.startswith(".") and path.name.endswith(".tmp")
            if leftover or (m and int(m.group(2)) not in entries):
                with contextlib.suppress(OSError):
                    path.unlink()
        if entries:  # the model's summary must still have the columns the shards have
            first = pq.read_schema(self._shard_path("summaries", min(entries))).remove_metadata()
            if first.names != self._schema.names:
                raise SweepError(
                    f"{self.runs_dir}: its runs were made by another version of the model (other summary "
                    "columns); use another --out to run the experiment again"
                )
        self.done = {r for runs in entries.values() for r in runs}
        self.next_shard = max(entries, default=-1) + 1
        if self.done:
            self.failed_before = self._count_failed(sorted(entries))

    def _count_failed(self, shards: list[int]) -> int:
        n = 0
        for s in shards:
            status = pq.read_table(self._shard_path("summaries", s), columns=["status"]).column("status")
            n += sum(1 for v in status.to_pylist() if v != "ok")
        return n

    def _shard_path(self, kind: str, shard: int) -> Path:
        return self.runs_dir / f"{kind}-{shard:05d}.parquet"

    # during the sweep

    def add(self, result: dict) -> None:
        self.rows.extend(result["rows"])
        if result.get("timeseries"):
            self.tables.append(pa.ipc.open_stream(result["timeseries"]).read_all())
        if self.oldest is None:
            self.oldest = time.monotonic()

    def due(self) -> bool:
        if not self.rows:
            return False
        return len(self.rows) >= FLUSH_RUNS or time.monotonic() - (self.oldest or 0) >= FLUSH_SECONDS

    def flush(self) -> None:
        """Write the finished runs as shard N, then list them in the manifest (fsynced).

        Safe to repeat after an interruption: the shard number moves on only once the manifest has the line.
        """
        if not self.rows:
            return
        n = self.next_shard
        keys = [r["run_key"] for r in self.rows]
        if self.exp.spec.keeps_timeseries:
            atomic_write_bytes(self._shard_path("timeseries", n), _parquet_bytes(self._timeseries_table()))
        columns = {f.name: [r.get(f.name, math.nan if f.type == pa.float64() else None) for r in self.rows]
                   for f in self._schema}  # fmt: skip
        atomic_write_bytes(self._shard_path("summaries", n), _parquet_bytes(pa.table(columns, schema=self._schema)))
        _fsync_dir(self.runs_dir)
        line = json.dumps({"shard": n, "runs": keys}) + "\n"
        with open(self.manifest, "ab") as f:
            if f.tell() > 0:
                with open(self.manifest, "rb") as r:
                    r.seek(-1, os.SEEK_END)
                    if r.read(1) != b"\n":
                        line = "\n" + line
            f.write(line.encode())
            f.flush()
            os.fsync(f.fileno())
        self.next_shard = n + 1
        self.done.update(keys)
        self.rows, self.tables, self.oldest = [], [], None

    def _timeseries_table(self) -> pa.Table:
        schema = timeseries_schema()
        if not self.tables:
            return schema.empty_table()
        return pa.concat_tables([t.cast(schema) for t in self.tables])

    # at the end

    def assemble(self) -> pa.Table:
        """summaries.parquet: every run sorted by point and replicate, with the design's columns."""
        shards = sorted({int(json.loads(x)["shard"]) for x in self.manifest.read_text().splitlines() if x.strip()})
        table = pa.concat_tables([pq.read_table(self._shard_path("summaries", s)).cast(self._schema) for s in shards])
        table = table.sort_by([("point", "ascending"), ("replicate", "ascending")])
        keys = table.column("run_key").to_pylist()
        expected = [k for k, _, _, _ in self.exp.runs()]
        if keys != expected:
            raise SweepError(
                f"{self.runs_dir}: the shards hold {len(keys)} rows for {len(set(keys))} runs, not the "
                f"{len(expected)} runs of the experiment; delete {self.out} and run the sweep again"
            )
        design = design_table(self.exp).take(table.column("point"))
        at = len(RUN_COLUMNS)
        for i, name in enumerate(design.column_names[1:]):
            table = table.add_column(at + i, name, design.column(name))
        atomic_write_bytes(self.out / "summaries.parquet", _parquet_bytes(table))
        _fsync_dir(self.out)
        return table


def timeseries_schema() -> pa.Schema:
    """Columns of a timeseries shard: run_key, point, replicate, then the model's time series."""
    from leadsim.experiments.spec import _tiny_timeseries

    ts = pa.Schema.from_pandas(_tiny_timeseries(), preserve_index=False).remove_metadata()
    keys = [pa.field("run_key", pa.string()), pa.field("point", pa.int64()), pa.field("replicate", pa.int64())]
    return pa.schema(keys + list(ts))


def _first_difference(old: Any, new: Any, key: str = "") -> tuple[str, str, str]:
    if isinstance(old, dict) and isinstance(new, dict):
        for k in list(old) + [k for k in new if k not in old]:
            if old.get(k, ...) != new.get(k, ...):
                return _first_difference(old.get(k, "(absent)"), new.get(k, "(absent)"), f"{key}.{k}" if key else k)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{key}[{i}]")
    return key or "the spec", _short(old), _short(new)


def _short(v: Any) -> str:
    text = json.dumps(v, default=str) if not isinstance(v, str) else v
    return text if len(text) <= 40 else text[:37] + "..."


# --- progress -----------------------------------------------------------------------------------


class Progress:
    """Runs done / total, failures and time left: a rich bar on a terminal, a line every 10 % otherwise."""

    def __init__(self, name: str, total: int, done: int, failed: int) -> None:
        from rich.console import Console

        self.total, self.done, self.failed = total, done, failed
        self.start_done = done
        self.start = time.monotonic()
        self.console = Console(stderr=True)
        self._bar = None
        self._next_line = 0.0
        self._last_print = self.start
        if self.console.is_terminal:
            from rich import progress as rp

            self._bar = rp.Progress(
                rp.TextColumn("[bold]{task.description}"),
                rp.BarColumn(),
                rp.MofNCompleteColumn(),
                rp.TextColumn("runs · {task.fields[failed]} failed ·"),
                rp.TimeElapsedColumn(),
                rp.TextColumn("elapsed ·"),
                rp.TimeRemainingColumn(),
                rp.TextColumn("left"),
                console=self.console,
            )
            self._bar.start()
            self._task = self._bar.add_task(name, total=total, completed=done, failed=failed)
        self._next_line = self.done + max(1, total // 10)

    def advance(self, ok: int, failed: int) -> None:
        self.done += ok + failed
        self.failed += failed
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, failed=self.failed)
        elif (self.done >= self._next_line and time.monotonic() - self._last_print > 2) or (
            time.monotonic() - self._last_print > 60
        ):
            self._next_line = self.done + max(1, self.total // 10)
            self._last_print = time.monotonic()
            print(f"  {self.done}/{self.total} runs, {self.failed} failed, {self.left()} left", file=sys.stderr)

    def left(self) -> str:
        new = self.done - self.start_done
        if new <= 0:
            return "?"
        rate = new / max(1e-9, time.monotonic() - self.start)
        return _clock((self.total - self.done) / rate)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# --- running ------------------------------------------------------------------------------------


class _Stop:
    """Ctrl-C (SIGINT) or SIGTERM asks the sweep to stop at the next safe point; a second one aborts."""

    def __init__(self) -> None:
        self.requested = False
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Stop:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: Any) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


class _Aborted(Exception):
    """The cluster failed in a way no run caused (lost scheduler, a task that cannot be run); one line."""


def _payload(exp: LoadedExperiment, chunk: list[tuple[str, int, int, int]]) -> dict:
    return {
        "runs": chunk,
        "scenarios": {p: exp.scenario_data(p) for p in sorted({p for _, p, _, _ in chunk})},
        "keep_timeseries": exp.spec.keeps_timeseries,
        "every": exp.spec.timeseries_every,
    }


def _run_local(exp: LoadedExperiment, todo: Iterator, store: SweepStore, progress: Progress, stop: _Stop) -> None:
    for item in todo:
        if stop.requested:
            return
        result = run_chunk(_payload(exp, [item]))
        store.add(result)
        failed = sum(r["status"] != "ok" for r in result["rows"])
        progress.advance(len(result["rows"]) - failed, failed)
        if store.due():
            store.flush()


def _run_dask(
    exp: LoadedExperiment,
    todo: Iterator,
    remaining: int,
    store: SweepStore,
    progress: Progress,
    stop: _Stop,
    client: Any,
    fixed_slots: int | None,
) -> list[str]:
    """Keep a bounded number of tasks in flight; returns the run keys lost to dying workers."""
    from distributed import KilledWorker, as_completed

    token = uuid.uuid4().hex[:8]
    ac = as_completed()
    pending: dict[Any, list[str]] = {}
    lost: list[str] = []
    per_run: float | None = None
    slots = fixed_slots or 1
    checked = 0.0
    exhausted = False
    try:
        while True:
            if stop.requested:
                return lost
            if fixed_slots is None and time.monotonic() - checked > 5:
                slots = max(1, sum(client.nthreads().values()))
                checked = time.monotonic()
            while not exhausted and len(pending) < IN_FLIGHT_PER_SLOT * slots:
                size = 1 if per_run is None else max(1, min(MAX_CHUNK, int(TASK_SECONDS / max(per_run, 1e-6))))
                size = max(1, min(size, math.ceil(remaining / (2 * slots))))
                chunk = list(itertools.islice(todo, size))
                if not chunk:
                    exhausted = True
                    break
                remaining -= len(chunk)
                key = f"leadsim-{exp.name}-{chunk[0][0]}-{len(chunk)}-{token}"
                future = client.submit(run_chunk, _payload(exp, chunk), key=key, pure=False, retries=0)
                pending[future] = [c[0] for c in chunk]
                ac.add(future)
            if not pending:
                return lost
            batch = ac.next_batch(block=False)
            if not batch:
                time.sleep(0.02)
                if store.due():
                    store.flush()
                continue
            for future in batch:
                keys = pending.pop(future)
                try:
                    result = future.result()
                except KilledWorker:
                    lost.extend(keys)
                    continue
                except Exception as e:  # noqa: BLE001 - run_chunk records run errors; this is the cluster
                    raise _Aborted(_error_line(e)) from None
                finally:
                    future.release()
                store.add(result)
                n = len(result["rows"])
                seconds = result["seconds"] / max(1, n)
                per_run = seconds if per_run is None else 0.8 * per_run + 0.2 * seconds
                failed = sum(r["status"] != "ok" for r in result["rows"])
                progress.advance(n - failed, failed)
            if store.due():
                store.flush()
    finally:
        if pending:
            with contextlib.suppress(Exception):
                client.cancel(list(pending))


@contextlib.contextmanager
def _cluster(workers: int | None, scheduler: str | None, stop: _Stop) -> Iterator[tuple[Any, int | None, str]]:
    """A Dask client: on a new local cluster of ``workers`` processes, or on the scheduler at ``scheduler``."""
    import logging

    import dask
    import distributed

    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    cluster = client = None
    try:
        with dask.config.set(DASK_CONFIG):
            if scheduler is None:
                old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # workers inherit: Ctrl-C is ours to handle
                try:
                    with warnings.catch_warnings():
                        # with the dashboard off the scheduler still serves /health, on 8787 or, if taken, another port
                        warnings.filterwarnings("ignore", message="Port .* is already in use")
                        cluster = distributed.LocalCluster(
                            n_workers=workers,
                            threads_per_worker=1,
                            processes=True,
                            host="127.0.0.1",
                            dashboard_address=None,
                            silence_logs=logging.ERROR,
                        )
                finally:
                    signal.signal(signal.SIGINT, old)
                client = distributed.Client(cluster)
                where = f"{workers} local worker process{'es' if workers != 1 else ''}"
                yield client, workers, where
            else:
                try:
                    client = distributed.Client(scheduler, timeout="10s")
                except (OSError, TimeoutError, ValueError) as e:
                    raise SweepError(f"--scheduler {scheduler}: cannot connect: {e}") from None
                yield client, None, f"the Dask cluster at {scheduler}"
    finally:
        for thing in (client, cluster):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.close(timeout=10) if thing is cluster else thing.close()
        quiet.setLevel(level)


def _check_workers(client: Any, scheduler: str | None, stop: _Stop) -> None:
    """Wait for a worker, then make sure every worker runs this model's code."""
    if not client.nthreads():
        print(f"waiting for workers to join {scheduler} ...", file=sys.stderr, flush=True)
        while not client.nthreads():
            if stop.requested:
                raise KeyboardInterrupt
            time.sleep(0.5)
    try:
        infos = client.run(_worker_info)
    except Exception as e:  # noqa: BLE001 - anything a worker raises is a setup problem
        raise SweepError(
            f"the workers cannot run leadsim ({type(e).__name__}: {e}); install leadsim on every worker"
        ) from None
    here = code_fingerprint()
    for address, info in sorted(infos.items()):
        if info["fingerprint"] != here:
            raise SweepError(
                f"worker {address} runs other leadsim code (leadsim {info['leadsim']}, its sim/ differs from this "
                "one's); install the same leadsim on every worker"
            )


def sweep(
    experiment: str | Path,
    out: str | Path | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    command: Sequence[str] | None = None,
) -> int:
    """Run every missing run of an experiment; write the output folder. Returns the exit code.

    Args:
        experiment: an experiment file, or a bundled experiment's name.
        out: the output folder (default ``runs/<experiment name>/``).
        overrides: ``field=value`` changes to the spec (``replications=5``, ``set.years=3``).
        workers: local worker processes (default: all cores); 0 runs in this process, without Dask.
        scheduler: the address of a running Dask scheduler (``tcp://host:8786``) to use instead.
        command: the command line, for the message that says how to resume.

    Returns:
        0 if every run succeeded, 1 if any failed (error rows) or was lost, 130 if interrupted.

    Raises:
        SpecError, SweepError: the sweep cannot start (one line; nothing was run).
    """
    if workers is not None and scheduler is not None:
        raise SweepError("give either --workers or --scheduler, not both")
    if workers is not None and workers < 0:
        raise SweepError(f"--workers: expected 0 or more (got {workers})")
    exp = load_experiment(experiment, overrides)
    out_dir = Path(out) if out is not None else Path("runs") / exp.name
    if scheduler is None and workers is None:
        workers = _cores()
    store = SweepStore(out_dir, exp)
    store.check()  # nothing is written before the cluster is up: a wrong --scheduler leaves no folder
    total = exp.n_runs
    console = _console()
    resume = shlex.join(list(command)) if command else f"leadsim sweep {experiment} --out {out_dir}"
    started = time.monotonic()
    lost: list[str] = []
    aborted = ""
    where = "this process"
    progress: Progress | None = None
    n_missing = 0

    def begin() -> Iterator[tuple[str, int, int, int]]:
        nonlocal progress, n_missing
        store.open()
        n_missing = store.missing()
        reps = exp.spec.replications
        console.print(
            f"{exp.name}: {total} runs ({exp.n_points} design point{'s' if exp.n_points != 1 else ''} x {reps} "
            f"replication{'s' if reps != 1 else ''}) -> {out_dir}/",
            highlight=False,
        )
        if store.done and n_missing:
            console.print(f"resuming {out_dir}: {len(store.done)} of {total} runs already done", highlight=False)
        progress = Progress(exp.name, total, len(store.done), store.failed_before)
        return (run for run in exp.runs() if run[0] not in store.done)  # streamed: memory stays flat

    try:
        with _Stop() as stop:
            try:
                if workers == 0 or not store.missing():
                    todo = begin()
                    _run_local(exp, todo, store, progress, stop)
                else:
                    with _cluster(workers, scheduler, stop) as (client, fixed, where):
                        _check_workers(client, scheduler, stop)
                        todo = begin()
                        lost = _run_dask(exp, todo, n_missing, store, progress, stop, client, fixed)
                store.flush()
            except KeyboardInterrupt:
                stop.requested = True
                store.flush()
            except _Aborted as e:
                aborted = str(e)
                store.flush()
            finally:
                if progress is not None:
                    progress.close()
        if progress is None:  # interrupted before anything was opened
            print("leadsim: interrupted before the sweep started; nothing written", file=sys.stderr, flush=True)
            return 130
        wall = time.monotonic() - started
        done = len(store.done)
        if stop.requested and done < total:
            print(
                f"leadsim: interrupted: {done} of {total} runs done and saved in {out_dir}/; "
                f"to resume, run the same command again: {resume}",
                file=sys.stderr,
                flush=True,
            )
            return 130
        if aborted:
            print(
                f"leadsim: sweep stopped: {aborted}; {done} of {total} runs done and saved in {out_dir}/; "
                f"to resume, run the same command again: {resume}",
                file=sys.stderr,
                flush=True,
            )
            return 1
        if lost or done < total:
            print(
                f"leadsim: {total - done} of {total} runs not done: their workers died {ALLOWED_FAILURES} times "
                f"running them (out of memory?); to retry them, run the same command again: {resume}",
                file=sys.stderr,
                flush=True,
            )
            return 1
        table = store.assemble()
        return _report(exp, table, out_dir, wall, where, total - n_missing, console)
    finally:
        store.close()


def _report(
    exp: LoadedExperiment, table: pa.Table, out_dir: Path, wall: float, where: str, before: int, console
) -> int:
    status = table.column("status").to_pylist()
    failed = [i for i, s in enumerate(status) if s != "ok"]
    total = table.num_rows
    new = total - before
    ran = f"{new} this time on {where}" if new else "all done before"
    console.print(
        f"[bold]{exp.name}[/bold]: {total} runs of {exp.n_points} design point{'s' if exp.n_points != 1 else ''} "
        f"({ran}), {len(failed)} failed, wall time {_clock(wall)}",
        highlight=False,
    )
    if failed:
        keys, errors = table.column("run_key").to_pylist(), table.column("error").to_pylist()
        console.print(f"{len(failed)} run{'s' if len(failed) != 1 else ''} failed (status 'error'):", highlight=False)
        for i in failed[:5]:
            console.print(f"  {keys[i]}: {errors[i]}", highlight=False, markup=False)
        if len(failed) > 5:
            console.print(f"  ... and {len(failed) - 5} more", highlight=False)
    console.print(f"wrote {out_dir / 'summaries.parquet'}", highlight=False)
    return 1 if failed else 0


def _console():
    from rich.console import Console

    return Console(soft_wrap=True)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


__all__ += ["SpecError"]
