"""The report of a system study: each design point's means and the paired differences, with intervals.

For every measure, the table gives each design point's mean over its replications with a 95 %
percentile bootstrap interval, and for each level of the compared factor its difference from the
baseline level *paired by seed* (replication ``r`` of both ran with the same seed), within each
combination of the other factors, with its interval (:func:`leadsim.analysis.statistics.mean_ci`
of the per-seed differences).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from leadsim.analysis.statistics import Estimate, mean_ci

__all__ = ["paired_differences", "study_report"]


def _fmt(e: Estimate, digits: int = 3) -> str:
    if not e.ok:
        return "–"
    if not e.has_interval or math.isnan(e.low):
        return f"{e.mean:.{digits}f}"
    return f"{e.mean:.{digits}f} [{e.low:.{digits}f}, {e.high:.{digits}f}]"


def paired_differences(df: pd.DataFrame, factors: list[str], factor: str, baseline: str, measure: str) -> pd.DataFrame:
    """Per combination of the other factors and per level of ``factor``: level minus baseline, paired by seed."""
    others = [f for f in factors if f != factor]
    rows: list[dict[str, Any]] = []
    groups = df.groupby(others, sort=False) if others else [((), df)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        base = sub[sub[factor] == baseline].set_index("seed")[measure]
        for level in sub[factor].unique():
            if level == baseline:
                continue
            other = sub[sub[factor] == level].set_index("seed")[measure]
            diff = (other - base).dropna()
            est = mean_ci(diff.to_numpy(dtype=float))
            rows.append({**dict(zip(others, key, strict=True)), factor: f"{level} - {baseline}", "estimate": est})
    return pd.DataFrame(rows)


def study_report(df: pd.DataFrame, spec: Any, question: str = "") -> str:
    """The markdown report of a finished study (``spec``: its ``leadsim.experiments.system_study.StudySpec``)."""
    factors = list(spec.factors)
    measures = [c for c in df.columns if "." in c or c.startswith("system_final_")]
    lines = [f"# {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    if question:
        lines += [question, ""]
    seeds = df["seed"].nunique()
    lines += [
        f"{len(df)} runs: {len(spec.points())} design points x {seeds} seeds (paired: replication r of every point "
        f"ran with seed {spec.seed} + r). Intervals are 95 % percentile bootstrap intervals.",
        "",
    ]
    for m in measures:
        if not pd.api.types.is_numeric_dtype(df[m]):
            continue
        lines += [f"## {m}", "", "| " + " | ".join(factors) + " | mean [95 % interval] | n |"]
        lines.append("|" + "---|" * (len(factors) + 2))
        for point in spec.points():
            sel = df
            for f, level in point.items():
                sel = sel[sel[f] == level]
            est = mean_ci(sel[m].to_numpy(dtype=float))
            lines.append("| " + " | ".join(point[f] for f in factors) + f" | {_fmt(est)} | {est.n} |")
        diffs = paired_differences(df, factors, spec.compare.factor, spec.compare.baseline, m)
        if not diffs.empty:
            lines += ["", f"Paired differences ({spec.compare.factor}):", ""]
            cols = [c for c in diffs.columns if c != "estimate"]
            lines.append("| " + " | ".join(cols) + " | difference [95 % interval] | pairs |")
            lines.append("|" + "---|" * (len(cols) + 2))
            for _, r in diffs.iterrows():
                est = r["estimate"]
                lines.append("| " + " | ".join(str(r[c]) for c in cols) + f" | {_fmt(est)} | {est.n} |")
        lines.append("")
    return "\n".join(lines) + "\n"
