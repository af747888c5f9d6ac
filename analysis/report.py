"""One self-contained HTML report of a sweep, for readers who do not program.

``leadsim report DIR`` reads a sweep folder (``experiment.yaml``, ``design.parquet``,
``summaries.parquet`` and ``runs/timeseries-*.parquet``) and writes one HTML file with
plotly.js inlined, so it opens offline. What it holds depends on the design:

* factorial and LHS sweeps: measures around the first head departure (or over the run when no
  head left), median and 90 % band per level of a grouping factor; the succession measures per
  group and per design point with bootstrap 95 % intervals of the mean;
* Morris sweeps: mu*, mu, sigma and mu*_conf per parameter and output; Sobol sweeps: S1 and ST.

Every figure and table has a paragraph under it, written from the numbers.
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from leadsim.analysis.statistics import Estimate, diff_ci, mean_ci

#: columns every summaries.parquet of a sweep has
REQUIRED = ("run_key", "point", "status")
#: a numeric factor with more distinct values than this is grouped into thirds
MAX_LEVELS = 6
#: the measures followed over time: column -> (title, what it is, unit, decimals)
MEASURES: dict[str, tuple[str, str, str, int]] = {
    "attainment": (
        "Attainment",
        "students' mean attainment, in standard deviations (SD) of progress above what was expected at the start",
        "SD",
        3,
    ),
    "leadership_capacity": (
        "Leadership capacity",
        "teachers' mean leadership capacity (0 none, 1 full)",
        "",
        2,
    ),
    "trust": ("Trust", "teachers' mean trust in the head and in colleagues (0 none, 1 full)", "", 2),
    "cynicism": (
        "Cynicism",
        "teachers' mean cynicism about improvement efforts (0 none, 1 full; higher is worse)",
        "",
        2,
    ),
}
#: succession measures in the tables: summary key -> (heading, what it is, kind)
SUCCESSION: dict[str, tuple[str, str, str]] = {
    "succession_kept_1y": ("Kept after 1 year", "share of the gain still there one year after the head left", "share"),
    "succession_kept_3y": ("Kept after 3 years", "the same, three years after", "share"),
    "succession_kept_5y": ("Kept after 5 years", "the same, five years after", "share"),
    "succession_deepest_drop": (
        "Deepest drop",
        "largest fall of attainment below its level before the departure, within five years",
        "sd",
    ),
    "succession_years_to_recover": (
        "Years to recover",
        "years until attainment was back at its level before the departure (runs that never got back are "
        "left out and counted)",
        "years",
    ),
    "succession_capacity_kept_3y": (
        "Capacity kept after 3 years",
        "teachers' leadership capacity three years on, as a share of its level before the departure",
        "share",
    ),
    "succession_gain_before": (
        "Gain before",
        "attainment gained from the start of the run to the departure: what the shares are shares of",
        "sd",
    ),
}
#: the table of a sweep in which no head left: final levels per group
FINALS: dict[str, tuple[str, str, str]] = {
    "final_attainment": ("Attainment at the end", "students' mean attainment at the end of the run (SD)", "sd"),
    "final_leadership_capacity": ("Capacity at the end", "teachers' mean leadership capacity at the end", "level"),
    "final_trust": ("Trust at the end", "teachers' mean trust at the end", "level"),
    "final_cynicism": ("Cynicism at the end", "teachers' mean cynicism at the end", "level"),
    "mean_distribution_index": (
        "Distribution",
        "mean share of leadership acts not performed by the head over the run",
        "share",
    ),
}
#: outputs of a sensitivity analysis in words
OUTPUT_WORDS = {
    "succession_kept_1y": "the share of the gain kept one year after the head left",
    "succession_kept_3y": "the share of the gain kept three years after the head left",
    "succession_kept_5y": "the share of the gain kept five years after the head left",
    "succession_deepest_drop": "the deepest drop in attainment after the head left",
    "succession_years_to_recover": "the years attainment took to recover after the head left",
    "succession_gain_before": "the gain in attainment before the head left",
    "succession_level_before": "the level of attainment before the head left",
    "succession_capacity_kept_1y": "the share of leadership capacity kept one year after the head left",
    "succession_capacity_kept_3y": "the share of leadership capacity kept three years after the head left",
    "succession_capacity_kept_5y": "the share of leadership capacity kept five years after the head left",
    "mean_distribution_index": "how far leadership was distributed over the run",
    "mean_teacher_turnover": "the mean yearly teacher turnover",
}
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
YEAR_WORDS = {1: "one year", 2: "two years", 3: "three years", 4: "four years", 5: "five years"}


class ReportError(Exception):
    """A sweep folder or option the report cannot use; the message is one line for the user."""


# --- reading a sweep ----------------------------------------------------------------------------


@dataclass
class Sweep:
    """A sweep folder as read: its spec, design and one row per run."""

    path: Path
    spec: dict[str, Any]
    design: pd.DataFrame
    summaries: pd.DataFrame
    factors: list[str]

    @property
    def kind(self) -> str:
        return str(self.spec.get("design") or "factorial").lower()

    @property
    def ok(self) -> pd.DataFrame:
        return self.summaries[self.summaries["status"] == "ok"]

    @property
    def failed(self) -> pd.DataFrame:
        return self.summaries[self.summaries["status"] != "ok"]

    def timeseries_files(self) -> list[Path]:
        return sorted((self.path / "runs").glob("timeseries-*.parquet"))


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise ReportError(f"{path} cannot be read as Parquet ({type(e).__name__}: {e})") from None


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep folder, or raise :class:`ReportError` saying what is missing."""
    import yaml

    d = Path(path)
    if not d.exists():
        raise ReportError(f"{d}: no such folder")
    if not d.is_dir():
        raise ReportError(f"{d} is not a folder: give the output folder of 'leadsim sweep'")
    summaries_file, spec_file, design_file = d / "summaries.parquet", d / "experiment.yaml", d / "design.parquet"
    if not summaries_file.is_file():
        if list((d / "runs").glob("summaries-*.parquet")):
            raise ReportError(f"{d} has no summaries.parquet yet: the sweep has not finished (or was stopped)")
        raise ReportError(f"{d} is not a sweep folder: it has no summaries.parquet (made by 'leadsim sweep')")
    if not spec_file.is_file():
        raise ReportError(f"{d} is not a sweep folder: it has no experiment.yaml")
    if not design_file.is_file():
        raise ReportError(f"{d} is not a sweep folder: it has no design.parquet")
    try:
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ReportError(f"{spec_file} cannot be read ({type(e).__name__})") from None
    if not isinstance(spec, dict):
        raise ReportError(f"{spec_file} does not describe a sweep (expected a mapping)")
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
    return Sweep(d, spec, design.sort_values("point").reset_index(drop=True), summaries, factors)


# --- numbers in words ---------------------------------------------------------------------------


def _num(v: float, decimals: int = 2) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    s = f"{v:.{decimals}f}"
    if float(s) == 0:
        s = f"{0:.{decimals}f}"  # no "-0.00"
    return s.replace("-", "−")


def _g(v: float) -> str:
    """Three significant digits, with a true minus sign."""
    return "—" if v is None or not math.isfinite(v) else f"{v:.3g}".replace("-", "−")


def _pct(v: float) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{_num(100 * v, 0)} %"


def fmt(v: float, kind: str) -> str:
    """A value of a measure as the report shows it."""
    if kind == "share":
        return _pct(v)
    if kind == "sd":
        return f"{_num(v, 3)} SD" if math.isfinite(v) else "—"
    if kind == "years":
        return f"{_num(v, 1)} years" if math.isfinite(v) else "—"
    return _num(v, 2)


def _ci(e: Estimate, kind: str) -> str:
    """'95 % CI a to b' in the measure's unit ('one run, no interval' for a single run)."""
    if e.n < 2:
        return "one run, so no interval"
    if kind == "share":
        return f"95 % CI {_num(100 * e.low, 0)} to {_num(100 * e.high, 0)} %"
    if kind == "sd":
        return f"95 % CI {_num(e.low, 3)} to {_num(e.high, 3)} SD"
    if kind == "years":
        return f"95 % CI {_num(e.low, 1)} to {_num(e.high, 1)} years"
    return f"95 % CI {_num(e.low, 2)} to {_num(e.high, 2)}"


def _reps(n: Any) -> str:
    return "? replications" if n is None else f"{n} replication" if n == 1 else f"{n} replications"


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _join(parts: list[str], word: str = "and") -> str:
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _level_text(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):.3g}"
    return str(v)


# --- grouping -----------------------------------------------------------------------------------


@dataclass
class Grouping:
    """Runs grouped by one factor: each design point's group label, the labels in order, their phrases."""

    factor: str
    by_point: pd.Series  # point -> group label
    labels: list[str]
    phrases: dict[str, str]
    binned: bool = False

    def of(self, points: pd.Series) -> pd.Series:
        return points.map(self.by_point)


def _phrase(factor: str, level: Any, label: str) -> str:
    """The schools of one group, in words ("schools where the head led alone")."""
    key = str(level)
    leaf = factor.rsplit(".", 1)[-1]
    if leaf == "pattern" and key in PATTERN_WORDS:
        return PATTERN_WORDS[key]
    if leaf == "style" and key in STYLE_WORDS:
        return STYLE_WORDS[key]
    return f"schools with {factor} = {label}"


def grouping(sweep: Sweep, by: str | None) -> Grouping:
    """How runs are grouped: by ``by``, by default the first named factor, else the first factor."""
    design = sweep.design
    if by is not None and by not in sweep.factors:
        known = ", ".join(sweep.factors) or "none"
        raise ReportError(f"--by {by!r} is not a factor of this sweep (factors: {known})")
    if by is None:
        named = [f for f in sweep.factors if not pd.api.types.is_numeric_dtype(design[f])]
        by = named[0] if named else (sweep.factors[0] if sweep.factors else None)
    if by is None:
        everyone = pd.Series("all runs", index=design["point"].to_numpy())
        return Grouping("", everyone, ["all runs"], {"all runs": "all schools in the sweep"})
    col = design[by]
    points = design["point"].to_numpy()
    if pd.api.types.is_numeric_dtype(col) and col.nunique() > MAX_LEVELS:
        values = col.astype(float)
        bins = pd.qcut(values, 3, duplicates="drop")
        cats = list(bins.cat.categories)
        words = ["low", "middle", "high"] if len(cats) == 3 else [f"part {i + 1}" for i in range(len(cats))]
        span = {c: (values[bins == c].min(), values[bins == c].max()) for c in cats}  # the values, not the edges
        names = {c: f"{w} {by} ({span[c][0]:.3g} to {span[c][1]:.3g})" for c, w in zip(cats, words, strict=True)}
        labels = [names[c] for c in cats]
        by_point = pd.Series([names[c] for c in bins], index=points)
        phrases = {
            names[c]: f"schools with a {w} {by} ({span[c][0]:.3g} to {span[c][1]:.3g})"
            for c, w in zip(cats, words, strict=True)
        }
        return Grouping(by, by_point, labels, phrases, binned=True)
    if pd.api.types.is_numeric_dtype(col):
        levels = sorted(col.dropna().unique())
    else:
        levels = list(pd.unique(col.dropna()))
    labels = [_level_text(v) for v in levels]
    by_point = pd.Series([_level_text(v) for v in col], index=points)
    phrases = {lab: _phrase(by, v, lab) for v, lab in zip(levels, labels, strict=True)}
    return Grouping(by, by_point, labels, phrases)


# --- time series around the departure -----------------------------------------------------------


def read_timeseries(sweep: Sweep, measures: list[str]) -> pd.DataFrame | None:
    """The runs' time series, only the columns needed, only successful runs; None if none were kept."""
    files = sweep.timeseries_files()
    if not files:
        return None
    import pyarrow.dataset as ds

    try:
        dataset = ds.dataset([str(f) for f in files], format="parquet")
        names = set(dataset.schema.names)
        need = ["run_key", "point", "step", "year", "head_id"]
        absent = [c for c in need if c not in names]
        if absent:
            raise ReportError(f"{files[0]} has no column {', '.join(map(repr, absent))}: not a sweep's time series")
        cols = need + [m for m in measures if m in names]
        ts = dataset.to_table(columns=cols).to_pandas()
    except ReportError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ReportError(f"{sweep.path / 'runs'}: time series cannot be read ({type(e).__name__}: {e})") from None
    keys = set(sweep.ok["run_key"])
    return ts[ts["run_key"].isin(keys)]


def align_on_departure(ts: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Each run's rows with ``x``, years since its first head departure; and how many runs had none.

    The departure is the first week the head in post differs from the head at the start (the post
    may stay vacant for an interim: that counts too).
    """
    ts = ts.sort_values(["run_key", "step"], kind="stable")
    g = ts.groupby("run_key", sort=False)
    first = g["head_id"].transform("first")
    moved = ts["head_id"].to_numpy() != first.to_numpy()
    dep = ts.loc[moved].groupby("run_key")["step"].min()
    later = ts[ts["step"] > 0]
    wpy = (later["step"] / later["year"]).groupby(later["run_key"]).median().round()
    runs = ts["run_key"].nunique()
    out = ts[ts["run_key"].isin(dep.index)].copy()
    d = out["run_key"].map(dep)
    out["x"] = ((out["step"] - d) / out["run_key"].map(wpy)).round(6)
    return out, int(runs - dep.size)


def bands(df: pd.DataFrame, measure: str, group: pd.Series) -> pd.DataFrame:
    """Median and 5-95 % band of ``measure`` per group and ``x``.

    Where runs start or end at different times relative to the departure, only times covered by
    at least half of a group's runs are kept.
    """
    frame = pd.DataFrame({"group": group.to_numpy(), "x": df["x"].to_numpy(), "v": df[measure].to_numpy()})
    frame["run"] = df["run_key"].to_numpy()
    grp = frame.groupby(["group", "x"], sort=True)["v"]
    q = grp.quantile([0.05, 0.5, 0.95]).unstack()
    q.columns = ["low", "median", "high"]
    q["n"] = grp.count()
    q = q.reset_index()
    runs = frame.groupby("group")["run"].nunique()
    need = np.maximum(1, np.ceil(0.5 * q["group"].map(runs).to_numpy()))
    return q[q["n"].to_numpy() >= need].reset_index(drop=True)


def _at(b: pd.DataFrame, x: float, tol: float) -> float:
    """Median at the time nearest ``x`` (within ``tol``), else NaN."""
    if b.empty:
        return math.nan
    i = int(np.argmin(np.abs(b["x"].to_numpy() - x)))
    return float(b["median"].iloc[i]) if abs(float(b["x"].iloc[i]) - x) <= tol else math.nan


def _move(before: float, after: float, decimals: int, unit: str, scale: float) -> str:
    d = after - before
    u = f" {unit}" if unit else ""
    if abs(d) < 0.02 * scale:
        return "about the same"
    return f"{'up' if d > 0 else 'down'} {_num(abs(d), decimals)}{u}"


def trajectory_text(
    measure: str, b: pd.DataFrame, grouping_: Grouping, aligned: bool, n_runs: int, first: bool = True
) -> str:
    """What the figure shows, how to read the band, and what it says, in words from ``b``."""
    title, what, unit, dec = MEASURES[measure]
    u = f" {unit}" if unit else ""
    factor = grouping_.factor or "group"
    head = (
        f"This chart follows {what}, for each {factor} group ({_runs(n_runs)} in all). "
        if grouping_.factor
        else f"This chart follows {what} ({_runs(n_runs)}). "
    )
    if aligned:
        how = (
            "Each run is lined up on the week its head left, the dashed line at 0: −2 on the horizontal axis "
            "means two years before the departure, 3 three years after. "
        )
    else:
        how = "No head left in these runs, so the horizontal axis is simply the year of the run. "
    if first:
        how += (
            "The solid line is the median run (half the runs were above it, half below); the shaded band holds "
            "the middle 90 % of runs, so one run in twenty lay above it and one in twenty below. A wide band means "
            "the same settings led to very different schools; where two bands overlap, schools of the two groups "
            "often ended up in the same place. "
        )
    else:
        how += "As above, the line is the median run and the band holds the middle 90 % of runs. "
    scale = float(np.nanmax(b["high"]) - np.nanmin(b["low"])) if not b.empty else 0.0
    xs = np.unique(b["x"].to_numpy())
    spacing = float(np.median(np.diff(xs))) if xs.size > 1 else 0.0
    week = max(1.0 / 39, 0.51 * spacing) + 1e-9  # how near a time must be to count as "one year after"
    parts = []
    for lab in grouping_.labels:
        g = b[b["group"] == lab]
        if g.empty:
            continue
        if aligned:
            pre = g[g["x"] < 0]
            before = float(pre["median"].iloc[-1]) if not pre.empty else math.nan
            if not math.isfinite(before):
                continue
            bits = []
            for yrs in (1, 3):
                v = _at(g, yrs, week)
                if math.isfinite(v):
                    bits.append(f"{_num(v, dec)}{u} {YEAR_WORDS[yrs]} after ({_move(before, v, dec, unit, scale)})")
            s = f"in {grouping_.phrases[lab]} the median was {_num(before, dec)}{u} just before the departure"
            if bits:
                s += " and " + _join(bits)
            parts.append(s)
        else:
            start, end = float(g["median"].iloc[0]), float(g["median"].iloc[-1])
            parts.append(
                f"in {grouping_.phrases[lab]} the median went from {_num(start, dec)}{u} at the start to "
                f"{_num(end, dec)}{u} at year {_num(float(g['x'].iloc[-1]), 0)} "
                f"({_move(start, end, dec, unit, scale)})"
            )
    says = ""
    if parts:
        says = "In numbers: " + "; ".join(parts) + "."
    if aligned and len(grouping_.labels) > 1:
        falls = {}
        for lab in grouping_.labels:
            g = b[b["group"] == lab]
            pre, post = g[g["x"] < 0], g[(g["x"] >= 0) & (g["x"] <= 5)]
            if pre.empty or post.empty:
                continue
            falls[lab] = float(pre["median"].iloc[-1] - post["median"].min())
        if len(falls) > 1 and measure != "cynicism":
            worst = max(falls, key=falls.get)
            if falls[worst] > 0.02 * scale:
                says += (
                    f" The median fell furthest after the departure in {grouping_.phrases[worst]} "
                    f"(by {_num(falls[worst], dec)}{u} to its lowest point within five years)."
                )
    return head + how + says


# --- tables of measures per group -----------------------------------------------------------------


def group_estimates(values: pd.DataFrame, labels: list[str], columns: list[str]) -> dict[str, dict[str, Estimate]]:
    """Mean and bootstrap 95 % interval of every column per group (``values`` has a ``group`` column)."""
    out: dict[str, dict[str, Estimate]] = {}
    for lab in labels:
        sub = values[values["group"] == lab]
        out[lab] = {c: mean_ci(sub[c].to_numpy(dtype=float)) for c in columns}
    return out


def _cell(e: Estimate, kind: str, column: str) -> str:
    attrs = f'data-column="{_esc(column)}" data-n="{e.n}" data-missing="{e.missing}"' + (
        f' data-mean="{float(e.mean)!r}" data-low="{float(e.low)!r}" data-high="{float(e.high)!r}"' if e.ok else ""
    )
    if not e.ok:
        why = f"{_runs(e.missing)} without a value" if e.missing else "no runs"
        return f'<td class="na" {attrs}>no value<br><span class="n">{why}</span></td>'
    if e.n < 2:
        ci = "no interval"
    elif kind == "share":
        ci = f"{_num(100 * e.low, 0)} to {_num(100 * e.high, 0)} %"
    elif kind == "sd":
        ci = f"{_num(e.low, 3)} to {_num(e.high, 3)}"
    elif kind == "years":
        ci = f"{_num(e.low, 1)} to {_num(e.high, 1)}"
    else:
        ci = f"{_num(e.low, 2)} to {_num(e.high, 2)}"
    left = f", {e.missing} left out" if e.missing else ""
    return (
        f'<td {attrs}><span class="est">{fmt(e.mean, kind)}</span><br><span class="ci">{ci}</span><br>'
        f'<span class="n">n = {e.n}{left}</span></td>'
    )


def estimates_table(
    rows: list[tuple[list[str], dict[str, Estimate]]], heads: list[str], columns: dict[str, tuple[str, str, str]], cls
) -> str:
    """HTML table: leading cells per row, then one cell per measure (mean, interval, n)."""
    th = "".join(f"<th>{_esc(h)}</th>" for h in heads)
    th += "".join(f'<th title="{_esc(w)}">{_esc(h)}</th>' for h, w, _ in columns.values())
    body = []
    for lead, est in rows:
        tds = "".join(f"<td>{_esc(x)}</td>" for x in lead)
        tds += "".join(_cell(est[c], kind, c) for c, (_, _, kind) in columns.items())
        body.append(f"<tr>{tds}</tr>")
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _legend(columns: dict[str, tuple[str, str, str]]) -> str:
    items = "".join(f"<li><b>{_esc(h)}</b>: {_esc(w)}</li>" for h, w, _ in columns.values())
    return f'<ul class="legend">{items}</ul>'


def _share_clause(e: Estimate, years: str, full: bool = True) -> str:
    """What a mean share kept says, in words (``full``: with when it was measured)."""
    p, ci = _pct(e.mean), _ci(e, "share")
    when = f" {years} after the head left" if full else ""
    if e.mean > 1.05:
        return (
            f"more than kept their gains ({p} of the gain was there{when}: they went on improving; {ci}, {_runs(e.n)})"
        )
    if e.mean < -0.05:
        return (
            f"lost all their gains and more (attainment{when} was below where it started, at {p} of the gain; "
            f"{ci}, {_runs(e.n)})"
        )
    return f"kept about {p}" + (f" of their gains{when}" if full else "") + f" ({ci}, {_runs(e.n)})"


def succession_text(
    est: dict[str, dict[str, Estimate]], values: pd.DataFrame, g: Grouping, n_without: int, n_runs: int
) -> str:
    """The paragraph under the succession table per group."""
    out = [
        "Each row is one group of runs; each cell gives the mean over the group's runs, below it the 95 % "
        "confidence interval of that mean (a percentile bootstrap: the range in which the true mean of such "
        "schools lies, given how much the runs varied) and n, the number of runs it is based on. A share kept "
        "of 100 % means the whole gain made under the head was still there; 0 % that the school fell back to "
        "where it started; above 100 % that it went on improving, below 0 % that it ended up worse than it started."
    ]
    if n_without:
        out.append(f"{_runs(n_without)} of {n_runs} had no head departure and are left out of this table.")
    labels = [lab for lab in g.labels if lab in est]
    key = next((k for k in ("succession_kept_3y", "succession_kept_1y") if any(est[lab][k].ok for lab in labels)), None)
    if key is None:
        out.append(
            "No run had a gain large enough to measure a share kept (at least 0.01 SD before the departure, "
            "with enough of the run left after it), so the shares kept cannot be given."
        )
    else:
        years = "three years" if key.endswith("3y") else "one year"
        clauses = []
        for lab in labels:
            e = est[lab][key]
            clauses.append(
                f"{g.phrases[lab]} {_share_clause(e, years, full=not clauses)}"
                if e.ok
                else f"for {g.phrases[lab]} there is no value (no run had a measurable gain)"
            )
        out.append(_cap("; ".join(clauses)) + ".")
        ranked = sorted((lab for lab in labels if est[lab][key].n >= 2), key=lambda lab: est[lab][key].mean)
        if len(ranked) >= 2:
            lo, hi = ranked[0], ranked[-1]
            a = values.loc[values["group"] == hi, key].to_numpy(dtype=float)
            b = values.loc[values["group"] == lo, key].to_numpy(dtype=float)
            d = diff_ci(a, b)
            verdict = (
                "a difference this large is very unlikely to be chance"
                if d.low > 0
                else "with this many runs the difference could still be chance"
            )
            out.append(
                f"Between {g.phrases[hi]} (highest) and {g.phrases[lo]} (lowest) the difference is "
                f"{_num(100 * d.mean, 0)} percentage points (95 % CI {_num(100 * d.low, 0)} to "
                f"{_num(100 * d.high, 0)}): {verdict}."
            )
        dropped = sum(est[lab][key].missing for lab in labels)
        if dropped:
            out.append(
                f"In {_runs(dropped)} the gain before the departure was too small to take a share of "
                "(below 0.01 SD) or the run ended too soon; they are left out of the shares and counted in n."
            )
    drops = {lab: est[lab]["succession_deepest_drop"] for lab in labels if est[lab]["succession_deepest_drop"].ok}
    if len(drops) >= 2:
        worst = max(drops, key=lambda lab: drops[lab].mean)
        best = min(drops, key=lambda lab: drops[lab].mean)
        out.append(
            f"After the departure attainment fell furthest in {g.phrases[worst]} (on average "
            f"{fmt(drops[worst].mean, 'sd')} below its level before, {_ci(drops[worst], 'sd')}) and least in "
            f"{g.phrases[best]} ({fmt(drops[best].mean, 'sd')}, {_ci(drops[best], 'sd')})."
        )
    rec, never_back = [], []
    for lab in labels:
        e = est[lab]["succession_years_to_recover"]
        never = f"; {e.missing} of {e.n + e.missing} runs never got back before the run ended" if e.missing else ""
        if e.ok:
            rec.append(f"after about {fmt(e.mean, 'years')} in {g.phrases[lab]} ({_ci(e, 'years')}{never})")
        elif e.missing:
            never_back.append(f"in {g.phrases[lab]} none of {_runs(e.missing)} got back before the run ended")
    if rec:
        out.append("Attainment got back to its level before the departure " + "; ".join(rec) + ".")
    if never_back:
        out.append(_cap("; ".join(never_back)) + ".")
    cap = [
        f"{_pct(est[lab]['succession_capacity_kept_3y'].mean)} in {g.phrases[lab]}"
        for lab in labels
        if est[lab]["succession_capacity_kept_3y"].ok
    ]
    if cap:
        cap[0] = cap[0].replace(" in ", " of its level before the departure in ", 1)
    if cap:
        out.append(
            "Three years on, teachers' leadership capacity, what is left to carry the work on without the head, "
            "was at " + _join(cap) + "."
        )
    gains = [
        f"{fmt(est[lab]['succession_gain_before'].mean, 'sd')} in {g.phrases[lab]}"
        for lab in labels
        if est[lab]["succession_gain_before"].ok
    ]
    if gains:
        out.append(
            "Before the departure the schools had gained " + _join(gains) + ": the shares kept are shares of these."
        )
    return " ".join(out)


def points_text(
    sweep: Sweep, values: pd.DataFrame, est: dict[Any, dict[str, Estimate]], key: str, kind: str, name: str
) -> str:
    """The paragraph under the per-design-point table: best and worst point, then each factor's main effect."""
    reps = values.groupby("point").size()
    n_txt = _runs(int(reps.min())) if reps.min() == reps.max() else f"{int(reps.min())} to {int(reps.max())} runs"
    out = [
        f"Each row is one combination of the settings that were varied (a design point), with {n_txt} each; "
        "the cells read as in the table above."
    ]
    ok = {p: e[key] for p, e in est.items() if e[key].ok}
    labels = sweep.design.set_index("point")["label"] if "label" in sweep.design else None

    def lab(p: Any) -> str:
        return str(labels.get(p, p)) if labels is not None else str(p)

    if len(ok) >= 2:
        hi = max(ok, key=lambda p: ok[p].mean)
        lo = min(ok, key=lambda p: ok[p].mean)
        out.append(
            f"{_cap(name)} was highest at {lab(hi)} ({fmt(ok[hi].mean, kind)}, {_ci(ok[hi], kind)}) and lowest at "
            f"{lab(lo)} ({fmt(ok[lo].mean, kind)}, {_ci(ok[lo], kind)})."
        )
        effects = []
        for f in sweep.factors:
            col = sweep.design.set_index("point")[f]
            binned = pd.api.types.is_numeric_dtype(col) and col.nunique() > MAX_LEVELS
            level = values["point"].map(grouping(sweep, f).by_point if binned else col)  # thirds of a wide range
            by_level = values.assign(level=level).groupby("level")[key].mean().dropna()
            if len(by_level) >= 2 and by_level.size <= MAX_LEVELS:
                effects.append((float(by_level.max() - by_level.min()), f, by_level, binned))
        effects.sort(key=lambda t: -t[0])
        for _, f, by_level, binned in effects:
            top, bottom = by_level.idxmax(), by_level.idxmin()

            def at(v: Any, f: str = f, binned: bool = binned) -> str:
                return str(v) if binned else f"{f} = {_level_text(v)}"

            span = f"from {fmt(by_level[bottom], kind)} at {at(bottom)} to {fmt(by_level[top], kind)} at {at(top)}"
            if f == effects[0][1]:
                most = " — the factor that mattered most" if len(effects) > 1 else ""
                out.append(f"Averaged over the other settings, {name} went {span}{most}.")
            else:
                out.append(f"By {f}: {span}.")
    return " ".join(out)


# --- sensitivity ------------------------------------------------------------------------------------


def _output_words(key: str) -> str:
    if key in OUTPUT_WORDS:
        return OUTPUT_WORDS[key]
    if key.startswith("final_"):
        return f"{key[6:].replace('_', ' ')} at the end of the run"
    return key.replace("_", " ")


def sensitivity_outputs(sweep: Sweep) -> tuple[list[str], list[str]]:
    """The outputs to analyse (as columns of summaries.parquet) and notes on any that are not there."""
    asked = sweep.spec.get("outputs") or []
    if isinstance(asked, str):
        asked = [asked]
    cols = set(sweep.summaries.columns)
    found, notes = [], []
    for o in asked:
        o = str(o)
        c = o if o in cols else (f"succession_{o}" if f"succession_{o}" in cols else None)
        if c is None:
            notes.append(f"The output {o!r} listed in experiment.yaml is not a measure of the runs: it is skipped.")
        elif c not in found:
            found.append(c)
    if not found:
        found = [c for c in ("succession_kept_3y", "final_attainment") if c in cols][:1]
        if found:
            notes.append(f"No output was listed in experiment.yaml; {found[0]} is analysed.")
    return found, notes


def _parameter_meanings() -> dict[str, str]:
    try:
        from leadsim.sim.config import iter_parameters

        return {r["name"]: r["meaning"] for r in iter_parameters()}
    except Exception:  # noqa: BLE001 - meanings are a courtesy
        return {}


def morris_text(res, output: str, reps: str) -> str:
    """The paragraph under a Morris chart."""
    name = _output_words(output)
    out = [
        f"How to read this: the Morris method changed one setting at a time, by a fixed step, along "
        f"{res.units} random paths (trajectories) through the ranges of all the settings, and recorded how far "
        f"{name} moved each time ({reps}). Each move is scaled to the whole range of the setting, so it reads as "
        "roughly how much the output would change if the setting went from its lowest to its highest value. "
        "μ* (left, the bar) is the average size of those moves: the longer the bar, the more the output depends "
        "on that setting; the line on each bar is its 95 % confidence interval. μ is the same average with signs: "
        "close to μ* (or to −μ*) means the setting always pushes the output the same way. σ (right) is how much "
        "the moves differed from path to path: a point above the dotted line (σ larger than μ*) marks a setting "
        "whose effect bends (is not a straight line) or depends on the other settings (interacts)."
    ]
    if res.dropped:
        out.append(
            f"{res.dropped} of {res.units} trajectories were left out because at least one of their "
            f"{len(res.table) + 1} points had no value of {name} ({res.points_missing} design "
            "points without a value, e.g. no gain to keep); the method needs every point of a trajectory."
        )
    out.extend(res.notes)
    t = res.table.dropna(subset=["mu_star"]).sort_values("mu_star", ascending=False)
    if t.empty:
        return " ".join(out)
    top = float(t["mu_star"].iloc[0])
    if not top > 0:
        out.append(f"No setting moved {name} at all in these runs.")
        return " ".join(out)
    strong = [p for p in t.index if t.loc[p, "mu_star"] >= 0.5 * top][:3]
    weak = [p for p in t.index if t.loc[p, "mu_star"] < 0.1 * top]
    notable = [p for p in t.index if p not in weak][:3]
    lead = f"In these runs {name} depends most on " + _join([f"{p} (μ* = {_g(t.loc[p, 'mu_star'])})" for p in strong])
    then = [p for p in notable if p not in strong]
    if then:
        lead += ", then on " + _join([f"{p} (μ* = {_g(t.loc[p, 'mu_star'])})" for p in then])
    out.append(lead + ".")
    if len(t) >= 2:
        a, b = t.index[0], t.index[1]
        if t.loc[a, "mu_star"] - t.loc[a, "mu_star_conf"] <= t.loc[b, "mu_star"] + t.loc[b, "mu_star_conf"]:
            out.append(f"The intervals of {a} and {b} overlap: with this many trajectories their order is not certain.")
    for p in notable:
        mu, ms, sg = float(t.loc[p, "mu"]), float(t.loc[p, "mu_star"]), float(t.loc[p, "sigma"])
        if abs(mu) >= 0.8 * ms:
            way = f"Raising {p} {'raises' if mu > 0 else 'lowers'} it (μ = {_g(mu)})"
        elif abs(mu) < 0.5 * ms:
            way = f"The effect of {p} goes both ways, up in some settings and down in others (μ = {_g(mu)})"
        else:
            way = f"Raising {p} mostly {'raises' if mu > 0 else 'lowers'} it (μ = {_g(mu)})"
        ratio = sg / ms if math.isfinite(sg) else 0.0
        if ratio > 1:
            shape = f"; its effect is strongly non-linear or interacts with other settings (σ is {ratio:.1f} × μ*)."
        elif ratio > 0.5:
            shape = f"; its effect is somewhat non-linear or interacting (σ is {ratio:.1f} × μ*)."
        else:
            shape = f", by about the same amount wherever the other settings are (σ is {ratio:.1f} × μ*)."
        out.append(way + shape)
    if weak:
        out.append(
            "Hardly anything changes with " + _join(list(weak), "or") + " here (μ* below a tenth of the largest)."
        )
    return " ".join(out)


def sobol_text(res, output: str, reps: str) -> str:
    """The paragraph under a Sobol chart."""
    name = _output_words(output)
    out = [
        f"How to read this: the Sobol method splits how much {name} varied across the sweep ({reps}) into parts "
        "due to each setting. S1 (first order) is the share due to the setting alone; ST (total) adds everything "
        "it does together with other settings. A long ST bar with a short S1 bar marks a setting that acts "
        "mainly through interactions. The lines are 95 % confidence intervals."
    ]
    if res.dropped:
        out.append(
            f"{res.dropped} of {res.units} base samples were left out because at least one of their points had no "
            f"value of {name}."
        )
    out.extend(res.notes)
    t = res.table.dropna(subset=["ST"]).sort_values("ST", ascending=False)
    if t.empty:
        return " ".join(out)
    lead = [p for p in t.index if t.loc[p, "ST"] >= 0.5 * float(t["ST"].iloc[0])][:3]
    out.append(
        f"In these runs {name} varies most with "
        + _join([f"{p} (ST = {t.loc[p, 'ST']:.2f}, S1 = {t.loc[p, 'S1']:.2f})" for p in lead])
        + "."
    )
    s1 = float(t["S1"].clip(lower=0).sum())
    out.append(
        f"Together the settings alone account for about {_pct(min(s1, 1.0))} of the variation; the rest comes from "
        "settings acting together (or from estimation error, with few samples)."
    )
    return " ".join(out)


def sensitivity_table(res, meanings: dict[str, str]) -> str:
    t = res.table
    if res.method == "morris":
        heads = ["rank", "parameter", "what it is", "μ*", "μ* 95 % ±", "μ", "σ", "σ / μ*"]
        t = t.sort_values("mu_star", ascending=False)
        rows = []
        for i, (p, r) in enumerate(t.iterrows(), 1):
            ratio = r["sigma"] / r["mu_star"] if r["mu_star"] > 0 else math.nan
            cells = [str(i), p, meanings.get(p, "")]
            cells += [_g(v) for v in (r["mu_star"], r["mu_star_conf"], r["mu"], r["sigma"])] + [_num(ratio, 2)]
            attrs = f'data-parameter="{_esc(p)}" data-rank="{i}" data-mu-star="{float(r["mu_star"])!r}"'
            rows.append(f"<tr {attrs}>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>")
    else:
        heads = ["rank", "parameter", "what it is", "S1", "S1 95 % ±", "ST", "ST 95 % ±"]
        t = t.sort_values("ST", ascending=False)
        rows = []
        for i, (p, r) in enumerate(t.iterrows(), 1):
            cells = [str(i), p, meanings.get(p, "")]
            cells += [_num(r[k], 2) for k in ("S1", "S1_conf", "ST", "ST_conf")]
            attrs = f'data-parameter="{_esc(p)}" data-rank="{i}"'
            rows.append(f"<tr {attrs}>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>")
    th = "".join(f"<th>{_esc(h)}</th>" for h in heads)
    return (
        f'<table class="sensitivity" data-output="{_esc(res.output)}"><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# --- the page ---------------------------------------------------------------------------------------


@dataclass
class Page:
    """The report being built: sections of HTML and the figures in them."""

    sections: list[str] = field(default_factory=list)
    figures: int = 0

    def figure(self, fig) -> str:
        import plotly.io as pio

        self.figures += 1
        div = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"figure-{self.figures}",
            config={"displaylogo": False, "responsive": True},
            default_height=f"{int(fig.layout.height or 420)}px",
        )
        return f'<div class="figure">{div}</div>'


def _header(sweep: Sweep, g: Grouping | None) -> str:
    spec = sweep.spec
    s = sweep.summaries
    n, n_ok = len(s), len(sweep.ok)
    failed = sweep.failed
    meanings = _parameter_meanings()
    rows = [
        ("What was run", spec.get("description") or "(no description)"),
        ("Scenario", _scenario_text(spec.get("scenario"))),
        ("Design", f"{sweep.kind}, {len(sweep.design)} design points × {_reps(spec.get('replications'))}"),
        ("Runs", f"{n} runs: {n_ok} finished, {len(failed)} failed"),
    ]
    if spec.get("set"):
        rows.append(("Settings for every run", _set_text(spec["set"])))
    if "seed" in s.columns and s["seed"].notna().any():
        seeds = s["seed"].dropna().astype("int64")
        span = f"from {seeds.min()} to {seeds.max()}" if seeds.max() < 10**7 else "derived from it"
        rows.append(
            (
                "Seeds",
                f"sweep seed {spec.get('seed', '—')}; one seed per run, {span} ({seeds.nunique()} distinct, listed "
                "in summaries.parquet)",
            )
        )
    else:
        rows.append(("Seeds", f"sweep seed {spec.get('seed', '—')}"))
    made = datetime.fromtimestamp((sweep.path / "summaries.parquet").stat().st_mtime, UTC)
    rows.append(
        ("Date", f"sweep written {made:%Y-%m-%d %H:%M} UTC; report made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    )
    import leadsim.sim

    ver = _sweep_version(sweep)
    rows.append(
        ("leadsim", f"report made with leadsim {leadsim.sim.__version__}" + (f"; runs made with {ver}" if ver else ""))
    )
    dl = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in rows)
    factors = []
    for f in sweep.factors:
        col = sweep.design[f]
        if pd.api.types.is_numeric_dtype(col) and col.nunique() > MAX_LEVELS:
            levels = f"{col.nunique()} values from {col.min():.3g} to {col.max():.3g}"
        else:
            vals = sorted(col.unique()) if pd.api.types.is_numeric_dtype(col) else list(pd.unique(col))
            levels = ", ".join(_level_text(v) for v in vals)
        what = f" — {meanings[f]}" if f in meanings else ""
        factors.append(f"<li><b>{_esc(f)}</b>: {_esc(levels)}{_esc(what)}</li>")
    out = f'<dl class="about">{dl}</dl>'
    if factors:
        out += f"<p>The settings that were varied (factors):</p><ul>{''.join(factors)}</ul>"
    if g is not None and g.factor:
        out += f"<p>Figures and tables group the runs by <b>{_esc(g.factor)}</b>.</p>"
    if len(failed):
        items = []
        for _, r in failed.head(50).iterrows():
            err = " ".join(str(r.get("error", "") or "").split())[:300]
            where = f"point {r['point']}" + (f" ({r['label']})" if "label" in r and pd.notna(r["label"]) else "")
            seed = f", seed {r['seed']}" if "seed" in r and pd.notna(r["seed"]) else ""
            items.append(f"<li>{_esc(r['run_key'])}: {_esc(where)}{_esc(seed)}: {_esc(err or 'no message')}</li>")
        more = f"<li>and {len(failed) - 50} more</li>" if len(failed) > 50 else ""
        out += (
            f'<div class="failures"><p><b>{len(failed)} failed {"run" if len(failed) == 1 else "runs"}</b>, left '
            f"out of everything below:</p><ul>{''.join(items)}{more}</ul></div>"
        )
    else:
        out += "<p>No run failed.</p>"
    return out


def _scenario_text(scenario: Any) -> str:
    """The base scenario in a line: its name and description (experiment.yaml may hold all of it)."""
    if isinstance(scenario, dict):
        name = scenario.get("name") or "(inline scenario)"
        desc = scenario.get("description")
        return f"{name} — {desc}" if desc else str(name)
    return "—" if scenario is None else str(scenario)


def _set_text(sets: Any) -> str:
    """``set`` of experiment.yaml as ``path=value`` pairs."""
    import yaml

    if isinstance(sets, list):
        return ", ".join(map(str, sets))
    if not isinstance(sets, dict):
        return str(sets)
    pairs: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node and prefix.count(".") < 6:
            for k, v in node.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))
        else:
            value = yaml.safe_dump(node, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()
            pairs.append(f"{prefix}={value}")

    walk(sets, "")
    return ", ".join(pairs)


def _version_of(d: Any) -> str | None:
    if not isinstance(d, dict):
        return None
    versions = d.get("versions")
    v = d.get("leadsim") or d.get("leadsim_version")
    if v is None and isinstance(versions, dict):
        v = versions.get("leadsim")
    return v if isinstance(v, str) else None


def _sweep_version(sweep: Sweep) -> str | None:
    """The leadsim version(s) that made the runs, if experiment.yaml or the manifest records it."""
    found = {v for v in [_version_of(sweep.spec)] if v}
    f = sweep.path / "runs" / "manifest.jsonl"
    if f.is_file():
        try:
            with f.open(encoding="utf-8") as fh:
                for line in fh:
                    try:
                        v = _version_of(json.loads(line))
                    except ValueError:
                        continue
                    if v:
                        found.add(v)
        except (OSError, UnicodeDecodeError):
            pass
    return "leadsim " + ", ".join(sorted(found)) if found else None


def _succession_sections(sweep: Sweep, g: Grouping, page: Page) -> None:
    ok = sweep.ok.copy()
    ok["group"] = g.of(ok["point"])
    has_departures = "departures" in ok.columns and bool((ok["departures"] > 0).any())
    measures = list(MEASURES)
    ts = read_timeseries(sweep, measures)
    n_runs = len(ok)
    if ts is None or ts.empty:
        page.sections.append(
            "<section><h2>Over time</h2><p>This sweep kept no time series of its runs (see <code>keep</code> in "
            "experiment.yaml), so there are no charts over time.</p></section>"
        )
    else:
        if has_departures:
            frame, n_without = align_on_departure(ts)
        else:
            frame, n_without = ts.assign(x=ts["year"].round(6)), 0
        group = g.of(frame["point"])
        title = "Around the head's departure" if has_departures else "Over the run"
        intro = (
            f"<p>{_runs(n_runs - n_without)} are lined up on the week their first head left.</p>"
            if has_departures
            else "<p>No head left in these runs: the charts show the whole run.</p>"
        )
        if n_without and has_departures:
            intro += f"<p>{_runs(n_without)} had no head departure and are left out of these charts.</p>"
        parts = [f'<section id="over-time"><h2>{title}</h2>{intro}']
        for m in measures:
            if m not in frame.columns:
                continue
            b = bands(frame, m, group)
            ttl, _, unit, _ = MEASURES[m]
            from leadsim.analysis.figures import band_figure

            fig = band_figure(
                b,
                [lab for lab in g.labels],
                f"{ttl}, median and 90 % band by {g.factor or 'group'}",
                f"{ttl.lower()}" + (f" ({unit})" if unit else ""),
                "years since the head left" if has_departures else "year",
                marker="head leaves" if has_departures else None,
            )
            text = trajectory_text(m, b, g, has_departures, frame["run_key"].nunique(), first=m == measures[0])
            parts.append(f"<h3>{ttl}</h3>{page.figure(fig)}<p class='explain'>{_esc(text)}</p>")
        parts.append("</section>")
        page.sections.append("".join(parts))

    columns = SUCCESSION if has_departures else FINALS
    columns = {c: v for c, v in columns.items() if c in ok.columns}
    if not columns:
        return
    values = ok[ok["departures"] > 0] if has_departures else ok
    n_without = len(ok) - len(values)
    labels = [lab for lab in g.labels if (values["group"] == lab).any()]
    est = group_estimates(values, labels, list(columns))
    heads = [g.factor or "group", "runs"]
    rows = [([lab, str(int((values["group"] == lab).sum()))], est[lab]) for lab in labels]
    table = estimates_table(rows, heads, columns, "by-group")
    if has_departures:
        text = succession_text(est, values, g, n_without, len(ok))
        h = "What was kept after the head left, by " + (g.factor or "group")
    else:
        text = _finals_text(est, labels, g)
        h = "Where the runs ended, by " + (g.factor or "group")
    page.sections.append(
        f'<section id="by-group"><h2>{_esc(h)}</h2>{table}{_legend(columns)}<p class="explain">{_esc(text)}</p>'
        "</section>"
    )
    # one row per design point
    pts = list(sweep.design["point"])
    pest = {p: {c: mean_ci(values.loc[values["point"] == p, c].to_numpy(dtype=float)) for c in columns} for p in pts}
    design = sweep.design.set_index("point")
    prow = []
    for p in pts:
        lead = [str(p)] + [_level_text(design.loc[p, f]) for f in sweep.factors]
        lead.append(str(int((values["point"] == p).sum())))
        prow.append((lead, pest[p]))
    ptable = estimates_table(prow, ["point", *sweep.factors, "runs"], columns, "by-point")
    key = next((k for k in ("succession_kept_3y", "succession_kept_1y", "final_attainment") if k in columns), None)
    ptext = ""
    if key is not None:
        kind = columns[key][2]
        name = _output_words(key) if key.startswith("succession") else "attainment at the end of the run"
        ptext = points_text(sweep, values, pest, key, kind, name)
    page.sections.append(
        f'<section id="by-point"><h2>Every combination of settings</h2>{ptable}<p class="explain">{_esc(ptext)}</p>'
        "</section>"
    )


def _finals_text(est: dict[str, dict[str, Estimate]], labels: list[str], g: Grouping) -> str:
    out = [
        "Each cell gives the mean over the group's runs, below it the 95 % confidence interval of that mean "
        "(percentile bootstrap) and n, the number of runs."
    ]
    att = []
    for lab in labels:
        e = est[lab].get("final_attainment")
        if e is not None and e.ok:
            att.append(f"{fmt(e.mean, 'sd')} in {g.phrases[lab]} ({_ci(e, 'sd')})")
    if att:
        out.append("At the end of the run attainment stood at " + _join(att) + ".")
    return " ".join(out)


def _sensitivity_sections(sweep: Sweep, page: Page) -> None:
    from leadsim.analysis import sensitivity
    from leadsim.analysis.figures import morris_figure, sobol_figure

    outputs, notes = sensitivity_outputs(sweep)
    meanings = _parameter_meanings()
    reps = sweep.ok.groupby("point").size()
    r = f"{int(reps.min())}" if len(reps) and reps.min() == reps.max() else "a varying number of"
    rep_txt = f"each point's value is the mean of its {r} replicate runs"
    method = sweep.kind
    parts = [f'<section id="sensitivity"><h2>Which settings matter ({method.capitalize()} method)</h2>']
    parts.extend(f"<p>{_esc(n)}</p>" for n in notes)
    if not sweep.factors:
        parts.append("<p>The design has no factors: there is nothing to rank.</p>")
    for out in outputs:
        if method == "morris":
            res = sensitivity.morris(
                sweep.design, sweep.summaries, sweep.factors, out, int(sweep.spec.get("levels") or 4)
            )
        else:
            second = sweep.spec.get("calc_second_order", sweep.spec.get("second_order"))
            res = sensitivity.sobol(sweep.design, sweep.summaries, sweep.factors, out, second)
        title = _cap(_output_words(out))
        parts.append(f"<h3>{_esc(title)} <code>{_esc(out)}</code></h3>")
        if res.ok:
            if method == "morris":
                fig = morris_figure(res.table, title, "μ* (change over the setting's range)")
                text = morris_text(res, out, rep_txt)
            else:
                fig = sobol_figure(res.table, title)
                text = sobol_text(res, out, rep_txt)
            parts.append(page.figure(fig))
            parts.append(f"<p class='explain'>{_esc(text)}</p>")
            parts.append(sensitivity_table(res, meanings))
        else:
            parts.append(f"<p class='explain'>{_esc(' '.join(res.notes) or 'No result.')}</p>")
    parts.append("</section>")
    page.sections.append("".join(parts))


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;
color:#222;line-height:1.5}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
dl.about{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dl.about dt{font-weight:600}
dl.about dd{margin:0}p.explain{background:#f6f8fa;border-left:4px solid #0072B2;padding:.6em .9em;max-width:75em}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.35em .6em;
vertical-align:top;text-align:left}th{background:#f0f0f0}td .ci,td .n{color:#555;font-size:.85em}
td.na{color:#777}.failures{background:#fff4f0;border-left:4px solid #D55E00;padding:.2em .9em}
ul.legend{font-size:.9em;color:#444}.figure{margin:.5em 0}code{background:#f0f0f0;padding:0 .2em}
"""


def build_report(path: str | Path | Sweep, by: str | None = None) -> tuple[str, int]:
    """The report of a sweep (its folder, or as read) as one HTML document, and how many figures it holds."""
    from plotly.offline import get_plotlyjs

    sweep = path if isinstance(path, Sweep) else load_sweep(path)
    page = Page()
    sensitivity = sweep.kind in ("morris", "sobol")
    if sensitivity and by is not None:
        raise ReportError(f"--by applies to factorial and lhs sweeps; this one is {sweep.kind}")
    g = None if sensitivity else grouping(sweep, by)
    if sweep.ok.empty:
        page.sections.append("<section><h2>No results</h2><p>Every run of this sweep failed.</p></section>")
    elif sensitivity:
        _sensitivity_sections(sweep, page)
    else:
        _succession_sections(sweep, g, page)
    name = sweep.spec.get("name") or sweep.path.resolve().name
    how = (
        "This report was written by <code>leadsim report</code> from the sweep's files. Under every chart and "
        "table a paragraph says what it shows and what the numbers say; the numbers in the text are computed "
        "from the runs, not written in advance. Hover over a chart to read its values."
    )
    body = "".join(page.sections)
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="leadsim-figures" content="{page.figures}">'
        f"<title>leadsim report: {_esc(name)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>Sweep report: {_esc(name)}</h1>{_header(sweep, g)}<p>{how}</p></header>"
        f"<main>{body}</main></body></html>\n"
    )
    return doc, page.figures


def write_report(path: str | Path, out: str | Path | None = None, by: str | None = None) -> Path:
    """Write the report of the sweep in ``path`` (default ``path/report.html``) atomically; return its path."""
    sweep = load_sweep(path)
    target = Path(out) if out is not None else sweep.path / "report.html"
    if target.is_dir():
        raise ReportError(f"--out {target} is a folder: give a file name")
    if not target.parent.is_dir():
        raise ReportError(f"--out {target}: folder {target.parent} does not exist")
    doc, _ = build_report(sweep, by)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(doc, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ReportError(f"--out {target} cannot be written ({e.strerror or e})") from None
    return target
