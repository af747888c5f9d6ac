"""The output folder of a sweep: shards of finished runs, their manifest, resuming and verifying.

A sweep writes one folder (``runs/<experiment>/`` by default)::

    experiment.yaml                  the resolved spec (written first; a resumed sweep must match it)
    model.sha256                     hash of the model's source that made the runs (a resumed sweep
                                     must be run by the same model, or its table would mix two)
    design.parquet                   one row per design point: point, label, one column per factor
    runs/summaries-00000.parquet     shards of finished runs, one row per run
    runs/timeseries-00000.parquet    their time series (if kept), every Nth step
    runs/manifest.jsonl              one line per shard: its runs and the SHA-256 of its files
    summaries.parquet                when every run is done: one row per run, design columns joined

A run is finished if and only if its key is in the manifest *and* its shard's files still have
the checksums the manifest recorded. Reopening the folder verifies every shard; the runs of a
shard that fails (truncated, flipped bytes, deleted) are dropped and run again, and
:attr:`SweepStore.repaired` says how many. :func:`verify_sweep` checks a finished folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from leadsim.experiments.outputs import atomic_write_bytes, atomic_write_text
from leadsim.experiments.spec import LoadedExperiment, SpecError, load_experiment, summary_columns, tiny_timeseries
from leadsim.experiments.worker import model_hash

from leadsim.inputs import InputError, parse_value, read_text

__all__ = [
    "FLUSH_RUNS",
    "FLUSH_SECONDS",
    "RUN_COLUMNS",
    "SweepError",
    "SweepStore",
    "design_table",
    "summary_schema",
    "timeseries_schema",
    "verify_sweep",
]

#: the first columns of every summaries shard and of summaries.parquet
RUN_COLUMNS = ("run_key", "point", "replicate", "seed", "status", "error")
#: write a shard after this many finished runs...
FLUSH_RUNS = 50
#: ...or when the oldest unsaved run finished this long ago
FLUSH_SECONDS = 30.0
#: fields of the spec that change no run: a resumed sweep may differ in these
NOT_RUN_FIELDS = ("name", "description", "outputs")

SHARD_NAME = re.compile(r"^(summaries|timeseries)-(\d{5,})\.parquet$")


class SweepError(Exception):
    """The sweep cannot start or go on (unusable folder, another spec or model there, a full disk); one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str | None:
    """The file's SHA-256, or None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


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
        #: runs whose shard failed verification when the folder was read: they are run again
        self.repaired = 0

    # opening

    def check(self) -> None:
        """Refuse an unusable folder or another spec's sweep, and learn which runs are done; writes nothing."""
        try:
            self._check()
        except OSError as e:  # a name too long, a folder we may not list or read
            raise SweepError(f"--out {self.out}: cannot write: {e.strerror or e}") from None

    def _check(self) -> None:
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
        try:  # the folder may come from anyone: read it with the bounded reader, like any input
            old = parse_value(read_text(spec_file, what="experiment").decode("utf-8"), str(spec_file))
        except (InputError, UnicodeDecodeError) as e:
            raise SweepError(f"{spec_file}: cannot read the spec of the sweep in this folder: {e}") from None
        new = parse_value(self.exp.resolved_yaml(), "the resolved spec")
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
        here = model_hash()
        there = path.read_text(encoding="utf-8", errors="replace").strip()[:64] if path.exists() else None
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
        """The finished runs: the manifest's shards whose files still have their recorded checksums.

        With ``cleanup``, a torn line, shards that fail verification, shards the manifest does not
        list and temporary files are deleted, and the manifest is rewritten without them.
        """
        entries, clean = read_manifest(self.manifest)
        keep_ts = self.exp.spec.keeps_timeseries
        self.repaired = 0
        for shard in list(entries):
            if self._shard_problem(shard, entries[shard], keep_ts) is not None:
                self.repaired += len(entries[shard]["runs"])
                del entries[shard]
                clean = False
        if cleanup and not clean:
            atomic_write_text(self.manifest, "".join(json.dumps(entries[s]) + "\n" for s in sorted(entries)))
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
        self.done = {r for e in entries.values() for r in e["runs"]}
        self.next_shard = max(entries, default=-1) + 1
        self.failed_before = self._count_failed(sorted(entries)) if self.done else 0

    def _shard_problem(self, shard: int, entry: dict, keep_ts: bool) -> str | None:
        """What is wrong with a listed shard's files (missing, checksum differs, unreadable), or None."""
        kinds = ("summaries", "timeseries") if keep_ts else ("summaries",)
        sums = entry.get("sha256")
        for kind in kinds:
            path = self._shard_path(kind, shard)
            if not path.exists():
                return f"{path.name}: missing ({len(entry['runs'])} runs)"
            if sums is not None:  # written by this version: the checksum decides
                if _file_sha256(path) != sums.get(kind):
                    return f"{path.name}: checksum differs from the manifest's (damaged; {len(entry['runs'])} runs)"
                continue
            try:  # a manifest from before checksums: at least the file must read whole
                pq.read_table(path)
            except (OSError, pa.ArrowException) as e:
                return f"{path.name}: unreadable ({type(e).__name__}; {len(entry['runs'])} runs)"
        return None

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
        """Write the finished runs as shard N, then list them and their checksums in the manifest (fsynced).

        Safe to repeat after an interruption: the shard number moves on only once the manifest has the line.

        Raises:
            SweepError: the shard cannot be written (a full disk, a folder gone read-only); every run
                already in the manifest stays stored, the unsaved ones are run again on resume.
        """
        if not self.rows:
            return
        n = self.next_shard
        keys = [r["run_key"] for r in self.rows]
        sums: dict[str, str] = {}
        try:
            if self.exp.spec.keeps_timeseries:
                data = _parquet_bytes(self._timeseries_table())
                atomic_write_bytes(self._shard_path("timeseries", n), data)
                sums["timeseries"] = _sha256(data)
            columns = {f.name: [r.get(f.name, math.nan if f.type == pa.float64() else None) for r in self.rows]
                       for f in self._schema}  # fmt: skip
            data = _parquet_bytes(pa.table(columns, schema=self._schema))
            atomic_write_bytes(self._shard_path("summaries", n), data)
            sums["summaries"] = _sha256(data)
            _fsync_dir(self.runs_dir)
            line = json.dumps({"shard": n, "runs": keys, "sha256": sums}) + "\n"
            with open(self.manifest, "ab") as f:
                if f.tell() > 0:
                    with open(self.manifest, "rb") as r:
                        r.seek(-1, os.SEEK_END)
                        if r.read(1) != b"\n":
                            line = "\n" + line
                f.write(line.encode())
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            self.rows, self.tables, self.oldest = [], [], None  # run again on resume
            raise SweepError(f"cannot write {self.runs_dir}/: {e.strerror or e}") from None
        self.next_shard = n + 1
        self.done.update(keys)
        self.rows, self.tables, self.oldest = [], [], None

    def _timeseries_table(self) -> pa.Table:
        schema = timeseries_schema()
        if not self.tables:
            return schema.empty_table()
        return pa.concat_tables([t.cast(schema) for t in self.tables])

    # at the end

    def assembled(self) -> pa.Table:
        """Every run of the listed shards, sorted by point and replicate, with the design's columns.

        Raises:
            SweepError: the shards do not hold exactly the experiment's runs.
        """
        entries, _ = read_manifest(self.manifest)
        tables = [pq.read_table(self._shard_path("summaries", s)).cast(self._schema) for s in sorted(entries)]
        table = pa.concat_tables(tables) if tables else self._schema.empty_table()
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
        return table

    def assemble(self) -> pa.Table:
        """Write summaries.parquet (see :meth:`assembled`) and return its table."""
        table = self.assembled()
        try:
            atomic_write_bytes(self.out / "summaries.parquet", _parquet_bytes(table))
        except OSError as e:
            raise SweepError(f"cannot write {self.out / 'summaries.parquet'}: {e.strerror or e}") from None
        _fsync_dir(self.out)
        return table


def read_manifest(path: Path) -> tuple[dict[int, dict], bool]:
    """The manifest's entries by shard (``shard``, ``runs``, ``sha256`` if recorded), and whether it was clean.

    A torn or malformed line, or a shard listed twice with other runs, makes it not clean (and is dropped).
    """
    entries: dict[int, dict] = {}
    raw = path.read_bytes() if path.exists() else b""
    clean = raw.endswith(b"\n") or not raw
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            entry = {"shard": int(obj["shard"]), "runs": [str(r) for r in obj["runs"]]}
            if "sha256" in obj:
                entry["sha256"] = {str(k): str(v) for k, v in dict(obj["sha256"]).items()}
        except (ValueError, KeyError, TypeError):
            clean = False
            continue
        shard = entry["shard"]
        if shard in entries and entries[shard]["runs"] != entry["runs"]:
            clean = False
        entries[shard] = entry
    return entries, clean


def timeseries_schema() -> pa.Schema:
    """Columns of a timeseries shard: run_key, point, replicate, then the model's time series."""
    ts = pa.Schema.from_pandas(tiny_timeseries(), preserve_index=False).remove_metadata()
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


def verify_sweep(out: str | Path) -> tuple[int, list[str]]:
    """Check a finished sweep's folder against its own records; nothing is written.

    Checks that the spec loads, the model hash is there, the manifest is whole, every shard has
    the checksum the manifest recorded, the shards hold every run of the experiment exactly once,
    and ``summaries.parquet`` is exactly what the shards give.

    Args:
        out: the sweep's folder.

    Returns:
        The number of runs the folder holds, and one line per problem (none: the folder is sound).
    """
    out = Path(out)
    spec_file = out / "experiment.yaml"
    if not out.is_dir():
        return 0, [f"{out}: not a folder"]
    if not spec_file.exists():
        return 0, [f"{out}: not a sweep folder (no experiment.yaml)"]
    try:
        exp = load_experiment(spec_file)
    except SpecError as e:
        return 0, [str(e)]
    store = SweepStore(out, exp)
    problems: list[str] = []
    stamp = out / "model.sha256"
    if not stamp.exists():
        problems.append(f"{stamp}: missing (which model made the runs is unknown)")
    if not store.manifest.exists():
        return 0, [*problems, f"{store.manifest}: missing (no finished runs)"]
    entries, clean = read_manifest(store.manifest)
    if not clean:
        problems.append(f"{store.manifest}: torn or malformed lines (an interrupted sweep: run it again to finish)")
    keep_ts = exp.spec.keeps_timeseries
    good: dict[int, dict] = {}
    for shard, entry in sorted(entries.items()):
        if "sha256" not in entry:
            problems.append(f"{store.runs_dir}: shard {shard} has no checksum in the manifest (cannot be verified)")
        problem = store._shard_problem(shard, entry, keep_ts)
        if problem is not None:
            problems.append(f"{store.runs_dir}/{problem}")
        else:
            good[shard] = entry
    listed = [r for e in entries.values() for r in e["runs"]]
    expected = [k for k, _, _, _ in exp.runs()]
    missing = len(set(expected) - set(listed))
    if missing:
        problems.append(f"{store.manifest}: {missing} of {len(expected)} runs not finished (run the sweep again)")
    if len(listed) != len(set(listed)):
        problems.append(f"{store.manifest}: {len(listed) - len(set(listed))} runs listed more than once")
    final = out / "summaries.parquet"
    if not final.exists():
        if not missing:
            problems.append(f"{final}: missing (run the sweep again to assemble it)")
    elif len(good) == len(entries) and not problems:
        try:
            same = final.read_bytes() == _parquet_bytes(store.assembled())
        except (OSError, pa.ArrowException, SweepError):
            same = False
        if not same:
            problems.append(f"{final}: differs from what the shards hold (damaged or edited)")
    return len(set(listed)), problems
