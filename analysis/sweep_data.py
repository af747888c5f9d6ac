"""A sweep folder as the report reads it: spec, design, runs, time series, provenance, groups.

``leadsim sweep`` writes ``experiment.yaml`` (the resolved spec), ``model.sha256`` (the model's
fingerprint), ``design.parquet``, ``summaries.parquet`` and ``runs/timeseries-*.parquet``. This
module reads them (``experiment.yaml`` through :mod:`leadsim.inputs`, the bounded safe reader, as
a folder someone hands you may hold anything) and shapes them for the statistics: runs grouped by
one or more factors, time series lined up on the head's departure. It computes no statistic and
writes no words.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadsim.inputs import InputError, read_document

__all__ = [
    "MAX_LEVELS",
    "Grouping",
    "Provenance",
    "ReportError",
    "Sweep",
    "align_on_departure",
    "grouping",
    "level_text",
    "load_sweep",
    "read_timeseries",
]

#: columns every summaries.parquet of a sweep has
REQUIRED = ("run_key", "point", "status")
#: a numeric factor with more distinct values than this is grouped into thirds
MAX_LEVELS = 6
#: time-series columns every shard has, besides the measures
TIMESERIES_KEYS = ("run_key", "point", "step", "year", "head_id")

PATTERN_WORDS = {
    "solo": "schools where the head led alone",
    "design": "schools with leadership distributed by design",
    "default": "schools where leadership fell to volunteers by default",
    "desperation": "schools where everyone piled in (leadership by desperation)",
}
STYLE_WORDS = {
    "charismatic": "schools whose successor was charismatic",
    "top_down": "schools whose successor ran things top-down",
    "distributive": "schools whose successor distributed leadership",
    "like_predecessor": "schools whose successor led like the predecessor",
}
ORIGIN_WORDS = {
    "internal": "schools whose successor was promoted from within",
    "external": "schools whose successor came from outside",
    "auto": "schools whose successor came from within or outside",
}


class ReportError(Exception):
    """A sweep folder or option the report cannot use; the message is one line for the user."""


@dataclass(frozen=True)
class Provenance:
    """Which model made the runs: the fingerprint the sweep recorded, and leadsim versions if recorded."""

    model_sha256: str | None  # from model.sha256 (None: not recorded)
    versions: tuple[str, ...]  # leadsim versions named by the sweep's manifests (often none)
    this_sha256: str  # the model of the leadsim that writes the report
    this_version: str

    @property
    def same_model(self) -> bool:
        """The runs were made by the same model source as this leadsim's."""
        return self.model_sha256 is not None and self.model_sha256 == self.this_sha256


@dataclass
class Sweep:
    """A sweep folder as read: its spec, design, one row per run, and what made them."""

    path: Path
    spec: dict[str, Any]
    design: pd.DataFrame
    summaries: pd.DataFrame
    factors: list[str]
    provenance: Provenance | None = None

    @property
    def kind(self) -> str:
        return str(self.spec.get("design") or "factorial").lower()

    @property
    def ok(self) -> pd.DataFrame:
        return self.summaries[self.summaries["status"] == "ok"]

    @property
    def failed(self) -> pd.DataFrame:
        return self.summaries[self.summaries["status"] != "ok"]

    @property
    def outputs(self) -> list[str]:
        """The summary columns the spec's ``outputs:`` asks about, as given (may be empty)."""
        asked = self.spec.get("outputs") or []
        return [str(o) for o in ([asked] if isinstance(asked, str) else asked)]

    def timeseries_files(self) -> list[Path]:
        return sorted((self.path / "runs").glob("timeseries-*.parquet"))


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise ReportError(f"{path} cannot be read as Parquet ({type(e).__name__}: {e})") from None


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep folder, or raise :class:`ReportError` saying what is missing."""
    d = Path(path)
    if not d.exists():
        raise ReportError(f"{d}: no such folder")
    if not d.is_dir():
        raise ReportError(f"{d} is not a folder: give the output folder of 'leadsim sweep'")
    summaries_file, spec_file, design_file = d / "summaries.parquet", d / "experiment.yaml", d / "design.parquet"
    if not summaries_file.is_file():
        if list((d / "runs").glob("summaries-*.parquet")) or (spec_file.is_file() and (d / "model.sha256").is_file()):
            raise ReportError(
                f"{d} has no summaries.parquet yet: the sweep has not finished (or was stopped); run the same "
                "'leadsim sweep' command again to finish it"
            )
        raise ReportError(f"{d} is not a sweep folder: it has no summaries.parquet (made by 'leadsim sweep')")
    if not spec_file.exists():
        raise ReportError(f"{d} is not a sweep folder: it has no experiment.yaml")
    if not design_file.is_file():
        raise ReportError(f"{d} is not a sweep folder: it has no design.parquet")
    try:  # bounded and safe: a folder someone hands you may hold an alias bomb or a FIFO
        spec, _ = read_document(spec_file, str(spec_file), "experiment")
    except InputError as e:
        raise ReportError(str(e)) from None
    design = _read_parquet(design_file)
    summaries = _read_parquet(summaries_file)
    if "point" not in design.columns:
        raise ReportError(f"{design_file} has no 'point' column: not a sweep design")
    missing = [c for c in REQUIRED if c not in summaries.columns]
    if missing:
        raise ReportError(f"{summaries_file} has no column {', '.join(map(repr, missing))}: not a sweep's summaries")
    if summaries.empty:
        raise ReportError(f"{summaries_file} has no runs")
    factors = [c for c in design.columns if c not in ("point", "label")]
    design = design.sort_values("point").reset_index(drop=True)
    return Sweep(d, spec, design, summaries, factors, read_provenance(d, spec))


# --- provenance -----------------------------------------------------------------------------------


def _version_in(d: Any) -> str | None:
    """A leadsim version recorded in a manifest entry (``leadsim_version``, ``leadsim`` or ``versions``)."""
    if not isinstance(d, dict):
        return None
    v = d.get("leadsim_version") or d.get("leadsim")
    if v is None and isinstance(d.get("versions"), dict):
        v = d["versions"].get("leadsim")
    return v if isinstance(v, str) and len(v) <= 64 else None


def read_provenance(d: Path, spec: dict[str, Any]) -> Provenance:
    """What made the runs: ``model.sha256`` and any leadsim version in the sweep's manifests.

    Today's sweeps record the model's fingerprint (``model.sha256``, the hash of ``sim/*.py``);
    a version is read too where a manifest names one (a run folder's ``manifest.json``, a line of
    ``runs/manifest.jsonl``, or the spec), so the header names it once the sweep records it.
    """
    from leadsim.experiments.worker import model_hash as code_fingerprint
    from leadsim.sim import __version__

    sha = None
    f = d / "model.sha256"
    if f.is_file():
        try:
            text = f.read_bytes()[:200].decode("ascii", "replace").strip()
        except OSError:
            text = ""
        sha = text if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else None
    found = {v for v in [_version_in(spec)] if v}
    for name in ("manifest.json", "sweep.json"):
        m = d / name
        if m.is_file() and m.stat().st_size < 1 << 20:
            try:
                found.update(v for v in [_version_in(json.loads(m.read_text(encoding="utf-8")))] if v)
            except (OSError, ValueError):
                pass
    lines = d / "runs" / "manifest.jsonl"
    if lines.is_file() and lines.stat().st_size < 64 << 20:
        try:
            with lines.open(encoding="utf-8") as fh:
                for line in fh:
                    try:
                        v = _version_in(json.loads(line))
                    except ValueError:
                        continue
                    if v:
                        found.add(v)
        except (OSError, UnicodeDecodeError):
            pass
    return Provenance(sha, tuple(sorted(found)), code_fingerprint(), __version__)


# --- grouping -------------------------------------------------------------------------------------


def level_text(v: Any) -> str:
    """A factor's level as shown: numbers to three significant digits, labels as they are."""
    if isinstance(v, float | np.floating):
        return f"{float(v):.3g}"
    return str(v)


@dataclass
class Grouping:
    """Runs grouped by one or more factors: each design point's group, the groups in order, their phrases."""

    factors: list[str]
    by_point: pd.Series  # point -> group label
    labels: list[str]
    phrases: dict[str, str]
    binned: bool = False
    #: per group label, the level label of each factor (for CSV columns and tables)
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def factor(self) -> str:
        """The factors' names as one heading (``pattern × events.successor.style``)."""
        return " × ".join(self.factors)

    def of(self, points: pd.Series) -> pd.Series:
        return points.map(self.by_point)


def _phrase(factor: str, level: Any, label: str) -> str:
    """The schools of one level, in words ("schools where the head led alone")."""
    key = str(level)
    leaf = factor.rsplit(".", 1)[-1]
    for name, words in (("pattern", PATTERN_WORDS), ("style", STYLE_WORDS), ("origin", ORIGIN_WORDS)):
        if leaf == name and key in words:
            return words[key]
    return f"schools with {factor} = {label}"


def _one_factor(design: pd.DataFrame, by: str) -> tuple[pd.Series, list[str], dict[str, str], bool]:
    """(label by point, labels in order, phrase per label, binned) for one factor."""
    col = design[by]
    points = design["point"].to_numpy()
    if pd.api.types.is_numeric_dtype(col) and col.nunique() > MAX_LEVELS:
        values = col.astype(float)
        bins = pd.qcut(values, 3, duplicates="drop")
        cats = list(bins.cat.categories)
        words = ["low", "middle", "high"] if len(cats) == 3 else [f"part {i + 1}" for i in range(len(cats))]
        span = {c: (values[bins == c].min(), values[bins == c].max()) for c in cats}  # the values, not the edges
        names = {c: f"{w} {by} ({span[c][0]:.3g} to {span[c][1]:.3g})" for c, w in zip(cats, words, strict=True)}
        phrases = {
            names[c]: f"schools with a {w} {by} ({span[c][0]:.3g} to {span[c][1]:.3g})"
            for c, w in zip(cats, words, strict=True)
        }
        return pd.Series([names[c] for c in bins], index=points), [names[c] for c in cats], phrases, True
    levels = sorted(col.dropna().unique()) if pd.api.types.is_numeric_dtype(col) else list(pd.unique(col.dropna()))
    labels = [level_text(v) for v in levels]
    phrases = {lab: _phrase(by, v, lab) for v, lab in zip(levels, labels, strict=True)}
    return pd.Series([level_text(v) for v in col], index=points), labels, phrases, False


def default_grouping_factors(sweep: Sweep, exclude: Sequence[str] = ()) -> list[str]:
    """The factors to group by when none are asked for: the pattern and the successor's style if the
    sweep varies them, else the first named factor, else the first factor."""
    factors = [f for f in sweep.factors if f not in exclude]
    wanted = [f for f in factors if f.rsplit(".", 1)[-1] in ("pattern", "style")]
    if wanted:
        return wanted[:2]
    named = [f for f in factors if not pd.api.types.is_numeric_dtype(sweep.design[f])]
    return named[:1] or factors[:1]


def grouping(sweep: Sweep, by: Sequence[str] | str | None, exclude: Sequence[str] = ()) -> Grouping:
    """How runs are grouped: by the factors ``by`` (crossed), by default :func:`default_grouping_factors`."""
    if isinstance(by, str):
        by = [b.strip() for b in by.split(",") if b.strip()]
    if by:
        for b in by:
            if b not in sweep.factors:
                known = ", ".join(sweep.factors) or "none"
                raise ReportError(f"--by {b!r} is not a factor of this sweep (factors: {known})")
        if len(set(by)) != len(by):
            raise ReportError(f"--by names a factor twice ({', '.join(by)})")
        factors = list(by)
    else:
        factors = default_grouping_factors(sweep, exclude)
    design = sweep.design
    points = design["point"].to_numpy()
    if not factors:
        everyone = pd.Series("all runs", index=points)
        # one level, "all runs", under the tables' "group" heading: every row needs a cell for it
        only = {"all runs": ("all runs",)}
        return Grouping([], everyone, ["all runs"], {"all runs": "all schools in the sweep"}, levels=only)
    parts = [_one_factor(design, f) for f in factors]
    if len(parts) == 1:
        by_point, labels, phrases, binned = parts[0]
        return Grouping(factors, by_point, labels, phrases, binned, {lab: (lab,) for lab in labels})
    # crossed: every combination that occurs, in the order of the factors' levels
    combos = list(zip(*(p[0].to_numpy() for p in parts), strict=True))
    present = set(combos)
    ordered = [c for c in itertools.product(*(p[1] for p in parts)) if c in present]
    label = {c: " × ".join(c) for c in ordered}
    phrase = {}
    for c in ordered:
        bits = [parts[i][2][lev] for i, lev in enumerate(c)]
        phrase[label[c]] = bits[0] + "".join(", " + b.removeprefix("schools ") for b in bits[1:])
    by_point = pd.Series([label[c] for c in combos], index=points)
    return Grouping(
        factors,
        by_point,
        [label[c] for c in ordered],
        phrase,
        any(p[3] for p in parts),
        {label[c]: c for c in ordered},
    )


# --- time series ------------------------------------------------------------------------------------


def read_timeseries(sweep: Sweep, measures: Sequence[str]) -> pd.DataFrame | None:
    """The runs' time series, only the columns needed, only successful runs; None if none were kept."""
    files = sweep.timeseries_files()
    if not files:
        return None
    import pyarrow.dataset as ds

    try:
        dataset = ds.dataset([str(f) for f in files], format="parquet")
        names = set(dataset.schema.names)
        absent = [c for c in TIMESERIES_KEYS if c not in names]
        if absent:
            raise ReportError(f"{files[0]} has no column {', '.join(map(repr, absent))}: not a sweep's time series")
        cols = list(TIMESERIES_KEYS) + [m for m in dict.fromkeys(measures) if m in names]
        ts = dataset.to_table(columns=cols).to_pandas()
    except ReportError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ReportError(f"{sweep.path / 'runs'}: time series cannot be read ({type(e).__name__}: {e})") from None
    keys = set(sweep.ok["run_key"])
    return ts[ts["run_key"].isin(keys)]


def departure_steps(ts: pd.DataFrame) -> pd.Series:
    """The step of each run's first head departure (runs without one are absent).

    The departure is the first week the head in post differs from the head at the start (the post
    may stay vacant for an interim: that counts too).
    """
    ts = ts.sort_values(["run_key", "step"], kind="stable")
    first = ts.groupby("run_key", sort=False)["head_id"].transform("first")
    moved = ts["head_id"].to_numpy() != first.to_numpy()
    return ts.loc[moved].groupby("run_key")["step"].min()


def weeks_per_year(ts: pd.DataFrame) -> pd.Series:
    """Weeks per school year of each run, from its step and year columns."""
    later = ts[ts["step"] > 0]
    return (later["step"] / later["year"]).groupby(later["run_key"]).median().round()


def align_on_departure(ts: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Each run's rows with ``x``, years since its first head departure; and how many runs had none."""
    dep = departure_steps(ts)
    wpy = weeks_per_year(ts)
    runs = ts["run_key"].nunique()
    out = ts[ts["run_key"].isin(dep.index)].sort_values(["run_key", "step"], kind="stable").copy()
    out["x"] = ((out["step"] - out["run_key"].map(dep)) / out["run_key"].map(wpy)).round(6)
    return out, int(runs - dep.size)
