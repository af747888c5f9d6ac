"""Writing a run's results so that an interrupted run never leaves a half-written file.

A run directory holds four files::

    runs/demo-0/
      timeseries.parquet   one row per week (step 0 = the start), byte-identical for the same seed
      summary.json         final levels, succession measures per departure, departures, crises
      scenario.yaml        the fully resolved scenario (every setting), loadable again
      manifest.json        leadsim/python/mesa versions, seed, command line, UTC time, file hashes

Everything is written into a sibling ``<out>.tmp-<pid>`` directory that is renamed into place
only when complete; an existing run directory is replaced only after the new one is complete.

Example:
    >>> from leadsim.experiments.outputs import write_run
    >>> write_run("runs/demo-0", model, scenario, seed=0, command=["leadsim", "run", "demo"])  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import platform
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadsim.sim.config import Scenario
from leadsim.sim.scenario import scenario_to_yaml

if TYPE_CHECKING:
    import pandas as pd
    from leadsim.sim.model import SchoolModel

__all__ = [
    "RUN_FILES",
    "OutputError",
    "atomic_write_bytes",
    "probe_writable",
    "atomic_write_text",
    "check_out_dir",
    "run_summary",
    "staged_dir",
    "to_jsonable",
    "write_json",
    "write_parquet",
    "write_run",
    "write_run_files",
]

#: the files of a complete run directory (manifest.json last: its presence marks completion)
RUN_FILES = ("timeseries.parquet", "summary.json", "scenario.yaml", "manifest.json")


class OutputError(Exception):
    """The output directory cannot be used (exists as a file, or holds something other than a run)."""


# --- single files -------------------------------------------------------------------------------


def _file_mode() -> int:
    """Permissions of a newly created file under the current umask (mkstemp would give 0600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, flush it to disk, then ``os.replace`` it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with contextlib.suppress(OSError):
            os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def probe_writable(path: str | Path, *, file: bool = False, staged: bool = False) -> None:
    """Make sure ``path`` can be written, by trying, and leave no trace.

    Permission bits say little (root passes every ``os.access`` check, ``/proc`` refuses writes
    anyway), so this does what the real write will do: it creates the missing folders, then a
    probe file holding one byte (a full disk fails here) in the folder that will be written,
    and removes everything it created.

    Args:
        path: the output folder (or file, with ``file=True``) about to be written.
        file: ``path`` is a file to write, not a folder.
        staged: the folder is written as ``<path>.tmp-<pid>`` next to it, then renamed
            (:func:`staged_dir`): probe that one.

    Raises:
        OutputError: one line naming the path and why it cannot be written.
    """
    target = Path(path)
    if file and target.is_dir():
        raise OutputError(f"{path}: is a folder; expected the path of a file to write")
    folder = target.parent if file else target.with_name(f"{target.name}.tmp-{os.getpid()}") if staged else target
    made: list[Path] = []
    try:
        missing, base = [], folder.absolute()
        while not os.path.lexists(base):
            missing.append(base)
            base = base.parent
        if not base.is_dir():
            raise OutputError(f"{path}: cannot write: {base} is not a folder")
        for d in reversed(missing):
            os.mkdir(d)
            made.append(d)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".leadsim-probe-")
        try:
            os.write(fd, b"x")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
        if file and not target.exists():  # the name itself (too long, say)
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.unlink(target)
    except OSError as e:
        raise OutputError(f"{path}: cannot write: {e.strerror or e}") from None
    finally:
        for d in reversed(made):
            with contextlib.suppress(OSError):
                os.rmdir(d)


def replaceable_page(path: str | Path) -> bool:
    """Whether ``path`` may be written as an HTML page: it does not exist, or is a page leadsim wrote.

    ``leadsim report --out`` and ``leadsim check --figures`` replace their own earlier page, never a
    file of the user's (a sweep's summaries.parquet, a thesis): their pages carry, in the head, the
    ``leadsim-figures`` meta tag.
    """
    target = Path(path)
    if not target.exists():
        return True
    try:
        with target.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.lstrip()[:15].lower() == b"<!doctype html>" and b'<meta name="leadsim-figures"' in head


def atomic_write_text(path: str | Path, text: str) -> None:
    """Atomically write UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj: Any) -> Any:
    """Plain JSON values: NaN and infinities become ``None``, numpy scalars and arrays become Python ones."""
    if type(obj).__module__ == "numpy" and hasattr(obj, "tolist"):  # numpy scalar or array
        obj = obj.tolist()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: str | Path, obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON (NaN written as ``null``)."""
    text = json.dumps(to_jsonable(obj), indent=2, allow_nan=False, ensure_ascii=False)
    atomic_write_text(path, text + "\n")


def parquet_bytes(df: pd.DataFrame, metadata: Mapping[str, str] | None = None) -> bytes:
    """A data frame as deterministic Parquet: no index, no pandas metadata, nothing time-dependent;
    ``metadata``: the only key-value metadata of its schema (e.g. what wrote it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue().to_pybytes()


def write_parquet(path: str | Path, df: pd.DataFrame) -> None:
    """Atomically write ``df`` as deterministic Parquet (same data => same bytes)."""
    atomic_write_bytes(path, parquet_bytes(df))


# --- run directories ----------------------------------------------------------------------------


def check_out_dir(out_dir: str | Path, files: Sequence[str] = RUN_FILES, kind: str = "run") -> None:
    """Refuse an output path that is a file, or a directory that is neither empty nor a ``kind`` directory.

    A ``kind`` directory holds only ``files``, the last of which marks it complete.

    Raises:
        OutputError: with a one-line message.
    """
    out = Path(out_dir)
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a directory")
        if out.is_dir():
            names = {p.name for p in out.iterdir()}
            if names and (files[-1] not in names or not names <= set(files)):
                raise OutputError(f"{out}: exists and is not a leadsim {kind} directory; not replacing it")
    except OSError as e:  # a name too long, a folder we may not list
        raise OutputError(f"{out}: cannot write: {e.strerror or e}") from None


@contextlib.contextmanager
def staged_dir(out_dir: str | Path, files: Sequence[str] = RUN_FILES, kind: str = "run") -> Iterator[Path]:
    """Yield an empty ``<out>.tmp-<pid>`` directory; on success it becomes ``out_dir``.

    On any exception (or Ctrl-C) the temporary directory is removed, parents created for it are
    removed again, and an existing ``out_dir`` is left untouched. ``files`` and ``kind`` are
    those of :func:`check_out_dir`.
    """
    out = Path(out_dir)
    check_out_dir(out, files, kind)
    created = []
    for parent in reversed(out.absolute().parents):
        if not parent.exists():
            created.append(parent)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        yield tmp
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for parent in reversed(created):
            with contextlib.suppress(OSError):
                parent.rmdir()  # only if still empty
        raise


def _swap_into_place(tmp: Path, out: Path) -> None:
    if out.exists():
        old = out.with_name(f"{out.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(out, old)
        try:
            os.replace(tmp, out)
        except BaseException:
            os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
    with contextlib.suppress(OSError):  # make the rename durable where the platform allows it
        fd = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def run_summary(model: SchoolModel, scenario: Scenario, seed: int) -> dict[str, Any]:
    """What ``summary.json`` holds: per-run summary, succession measures per departure, events."""
    return {
        "scenario": scenario.name,
        "seed": seed,
        "weeks": model.week,
        "summary": model.summary(),
        "succession": model.succession(),
        "departures": model.departures,
        "crises": model.crises,
    }


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def manifest(scenario: Scenario, seed: int, command: Sequence[str] | str, files: Mapping[str, Path]) -> dict:
    """Provenance of a run: versions, seed, command line, time, and a hash of every file."""
    from leadsim.sim import __version__

    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    return {
        "leadsim_version": __version__,
        "scenario": scenario.name,
        "seed": seed,
        "command": shlex.join(argv),
        "argv": argv,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python_version": platform.python_version(),
        "mesa_version": _version("mesa"),
        "numpy_version": _version("numpy"),
        "pandas_version": _version("pandas"),
        "pydantic_version": _version("pydantic"),
        "pyarrow_version": _version("pyarrow"),
        "platform": platform.platform(),
        "executable": sys.executable,
        "files": {
            name: {"bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
            for name, path in files.items()
        },
    }


def write_run(
    out_dir: str | Path, model: SchoolModel, scenario: Scenario, seed: int, command: Sequence[str] | str
) -> Path:
    """Write the four files of a finished run into ``out_dir``, all or nothing.

    Args:
        out_dir: the run directory; created (with parents), or replaced if it holds an earlier run.
        model: the model after ``run()``.
        scenario: the scenario it ran (written fully resolved).
        seed: the seed it ran with.
        command: the command line, for the manifest.

    Returns:
        ``out_dir`` as a Path.
    """
    summary = run_summary(model, scenario, seed)
    return write_run_files(out_dir, model.timeseries(), summary, scenario_to_yaml(scenario), scenario, seed, command)


def write_run_files(
    out_dir: str | Path,
    timeseries: pd.DataFrame,
    summary: Mapping[str, Any],
    scenario_yaml: str,
    scenario: Any,
    seed: int,
    command: Sequence[str] | str,
    replaceable: Sequence[str] = RUN_FILES,
) -> Path:
    """Write the four files of a run from their contents, all or nothing (a system run uses it too).

    ``scenario`` needs only a ``name`` (for the manifest). An existing ``out_dir`` is replaced only
    if it holds nothing but ``replaceable`` files (the last marking a complete run).
    """
    out = Path(out_dir)
    with staged_dir(out, replaceable) as tmp:
        files = {name: tmp / name for name in RUN_FILES[:-1]}
        write_parquet(files["timeseries.parquet"], timeseries)
        write_json(files["summary.json"], summary)
        atomic_write_text(files["scenario.yaml"], scenario_yaml)
        write_json(tmp / "manifest.json", manifest(scenario, seed, command, files))
    return out
