"""The sweep report's words: numbers to sensible precision, and the paragraphs written from them.

Every function here turns numbers that :mod:`leadsim.analysis.statistics` computed into text; none
reads a file or builds HTML. Numbers print to two or three significant digits, intervals to the
precision their width supports, and minus signs are true minus signs.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
from leadsim.analysis.report_measures import Measure, describe
from leadsim.analysis.statistics import Estimate, diff_ci
from leadsim.analysis.sweep_data import Grouping, Provenance, Sweep, level_text

YEAR_WORDS = {1: "one year", 2: "two years", 3: "three years", 4: "four years", 5: "five years"}
UNIT_SUFFIX = {"sd": " SD", "sd_year": " SD/year", "years": " years", "share": " %", "level": ""}

# --- numbers ----------------------------------------------------------------------------------------


def minus(text: str) -> str:
    """A true minus sign, and no '−0'."""
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", "−")


def decimals_for(v: float, sig: int = 2) -> int:
    """Decimals that show ``v`` to ``sig`` significant digits (0 to 4)."""
    if not math.isfinite(v) or v == 0:
        return sig - 1
    return int(min(4, max(0, sig - 1 - math.floor(math.log10(abs(v))))))


def fixed(v: float, decimals: int) -> str:
    """``v`` with this many decimals; a dash for a missing value."""
    return "—" if v is None or not math.isfinite(v) else minus(f"{v:.{decimals}f}")


def sig(v: float, digits: int = 3) -> str:
    """``v`` to ``digits`` significant digits (no exponent for everyday sizes)."""
    return "—" if v is None or not math.isfinite(v) else fixed(v, decimals_for(v, digits))


def _scale(unit: str) -> float:
    return 100.0 if unit == "share" else 1.0


def estimate_decimals(e: Estimate, unit: str) -> int:
    """Decimals for a mean and its interval: set by the interval's width (about two digits of it)."""
    s = _scale(unit)
    if e.has_interval and e.high > e.low:
        # the Particle Data Group's rule: two significant digits of the half-width if its first three
        # digits are below 355, else one; the mean to the same decimal place
        half = s * (e.high - e.low) / 2
        power = math.floor(math.log10(half))
        digits = 2 if half / 10**power < 3.55 else 1
        return int(min(4, max(0, digits - 1 - power)))
    return decimals_for(s * e.mean, 2)


def value(v: float, unit: str, decimals: int | None = None) -> str:
    """A value with its unit (shares as %)."""
    if v is None or not math.isfinite(v):
        return "—"
    s = _scale(unit)
    d = decimals_for(s * v, 2) if decimals is None else decimals
    return fixed(s * v, d) + UNIT_SUFFIX.get(unit, "")


def interval(e: Estimate, unit: str, decimals: int | None = None) -> str:
    """``a to b`` in the unit's scale, no unit."""
    s = _scale(unit)
    d = estimate_decimals(e, unit) if decimals is None else decimals
    return f"{fixed(s * e.low, d)} to {fixed(s * e.high, d)}"


def estimate(e: Estimate, unit: str) -> str:
    """``−0.054 SD (95 % CI −0.061 to −0.047)``; ``one run, so no interval`` for a single run."""
    if not e.ok:
        return "no value"
    d = estimate_decimals(e, unit)
    if not e.has_interval:
        return f"{value(e.mean, unit, d)} (one run, so no interval)"
    return f"{value(e.mean, unit, d)} (95 % CI {interval(e, unit, d)}{UNIT_SUFFIX.get(unit, '')})"


def runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def replications(n: Any) -> str:
    return "? replications" if n is None else f"{n} replication" if n == 1 else f"{n} replications"


def join(parts: list[str], word: str = "and") -> str:
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def capital(s: str) -> str:
    return s[:1].upper() + s[1:]


def output_words(column: str) -> str:
    """A summary column in words, lower case ("lost after 3 years: attainment ...")."""
    m = describe(column)
    text = re.sub(r"\s*\([^()]*\)$", "", m.meaning)  # the unit in brackets reads badly mid-sentence
    return text[:1].lower() + text[1:] if text else column


# --- provenance and methods -------------------------------------------------------------------------


def provenance_text(p: Provenance | None) -> str:
    """Which leadsim and model made the runs, as far as the sweep recorded it (fits "Runs made with ...")."""
    if p is None or p.model_sha256 is None:
        return "a model the sweep did not record (the folder has no model.sha256)"
    sha = f"model sha256 {p.model_sha256[:12]}"
    if p.versions:
        return f"leadsim {', '.join(p.versions)} ({sha})"
    if p.same_model:
        return f"leadsim {p.this_version} ({sha}, the same model source as this leadsim)"
    return (
        f"{sha}, a leadsim version the sweep did not record: not the model of this leadsim {p.this_version} "
        f"(model sha256 {p.this_sha256[:12]})"
    )


def methods_text(
    sweep: Sweep,
    measures: list[str],
    paired: bool,
    paired_years: tuple[int, ...],
    n_boot: int,
    intervals: str | None = None,
) -> str:
    """A methods paragraph a researcher can paste into a paper."""
    spec = sweep.spec
    p = sweep.provenance
    reps = spec.get("replications")
    scen = spec.get("scenario")
    scen_name = scen.get("name") if isinstance(scen, dict) else scen
    years = scen.get("years") if isinstance(scen, dict) else None
    factors = []
    for f in sweep.factors:
        col = sweep.design[f]
        if pd.api.types.is_numeric_dtype(col) and col.nunique() > 6:
            factors.append(f"{f} ({col.nunique()} values, {sig(col.min())} to {sig(col.max())})")
        else:
            vals = sorted(col.unique()) if pd.api.types.is_numeric_dtype(col) else list(pd.unique(col))
            factors.append(f"{f} ({', '.join(level_text(v) for v in vals)})")
    version = (
        f"leadsim {', '.join(p.versions)}" if p and p.versions else f"leadsim {p.this_version}" if p else "leadsim"
    )
    model = (
        f" (model source sha256 {p.model_sha256})"
        if p and p.model_sha256
        else " (the sweep recorded no model fingerprint)"
    )
    if p and p.model_sha256 and not p.versions and not p.same_model:
        version = "a leadsim version not recorded in the sweep"
    design = sweep.kind
    text = [
        f"We simulated schools with the agent-based model {version}{model}, starting from the scenario "
        f"'{scen_name}'" + (f" over {float(years):g} school years" if years else "") + ". "
        f"The {design} design varied {join(factors) or 'no factor'}: {len(sweep.design)} design points, "
        f"each run with {replications(reps)} ({len(sweep.summaries)} runs, {len(sweep.ok)} completed). "
    ]
    seeds = f"Run seeds were derived from the experiment seed {spec.get('seed', '?')} with NumPy's SeedSequence"
    if spec.get("paired"):
        seeds += (
            ", by replicate only (common random numbers), so replicate r of every design point starts from the "
            "same seed"
        )
    else:
        seeds += ", by design point and replicate"
    text.append(seeds + ". ")
    if paired:
        text.append(
            "Each run in which the head left was paired with the run of the same school and replicate in which "
            f"the head stayed; we report the paired difference (departure minus no departure) in students' mean "
            f"attainment (SD) in the week {join([str(y) for y in paired_years])} years after the departure, and in "
            "the school's value added (SD per year) over the school year ending then. Reading both runs at the same "
            "week of the school year removes the year-end saw-tooth of attainment from the comparison. "
        )
    if measures:
        text.append(
            ("Within-run measures around the first departure: " if paired else "Measures per run: ")
            + join([f"{describe(m).heading.lower()} ({m})" for m in measures])
            + ". "
        )
    text.append(
        intervals
        or f"Intervals are 95 % percentile bootstrap intervals of the mean over runs ({n_boot} resamples, fixed seed)."
    )
    return "".join(text)


SAWTOOTH_NOTE = (
    "Why attainment saw-tooths: at the end of every school year the oldest cohort leaves and a new cohort "
    "arrives at its intake level (0 SD), so the school's mean attainment drops at each year end and climbs "
    "again through the year. A value read at a year end is at a low point of the tooth. Compare values at the "
    "same week of the school year: the paired differences above do that, since both runs of a pair share the "
    "calendar."
)


# --- over time --------------------------------------------------------------------------------------


def median_at(b: pd.DataFrame, x: float, tol: float) -> float:
    """The median line at the time nearest ``x`` (within ``tol``), else NaN."""
    if b.empty:
        return math.nan
    i = int(np.argmin(np.abs(b["x"].to_numpy() - x)))
    return float(b["median"].iloc[i]) if abs(float(b["x"].iloc[i]) - x) <= tol else math.nan


def change_words(before: float, after: float, unit: str, scale: float) -> str:
    """``up 0.012 SD``, ``down 0.05`` or ``about the same`` (within 2 % of the chart's range)."""
    d = after - before
    if abs(d) < 0.02 * scale:
        return "about the same"
    return f"{'up' if d > 0 else 'down'} {value(abs(d), unit)}"


def trajectory_text(m: Measure, b: pd.DataFrame, g: Grouping, aligned: bool, n_runs: int, first: bool) -> str:
    """What a chart over time shows, how to read its band, and what it says, in words from ``b``."""
    unit = m.unit
    head = (
        f"This chart follows {m.meaning}, for each group of {g.factor} ({runs(n_runs)} in all). "
        if g.factors
        else f"This chart follows {m.meaning} ({runs(n_runs)}). "
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
            "the middle 90 % of runs. A wide band means the same settings led to very different schools; where "
            "two bands overlap, schools of the two groups often ended up in the same place. "
        )
    else:
        how += "As above, the line is the median run and the band holds the middle 90 % of runs. "
    scale = float(np.nanmax(b["high"]) - np.nanmin(b["low"])) if not b.empty else 0.0
    xs = np.unique(b["x"].to_numpy())
    spacing = float(np.median(np.diff(xs))) if xs.size > 1 else 0.0
    week = max(1.0 / 39, 0.51 * spacing) + 1e-9  # how near a time must be to count as "one year after"
    parts = []
    for lab in g.labels:
        gb = b[b["group"] == lab]
        if gb.empty:
            continue
        if aligned:
            pre = gb[gb["x"] < 0]
            before = float(pre["median"].iloc[-1]) if not pre.empty else math.nan
            if not math.isfinite(before):
                continue
            bits = []
            for yrs in (1, 3):
                v = median_at(gb, yrs, week)
                if math.isfinite(v):
                    bits.append(f"{value(v, unit)} {YEAR_WORDS[yrs]} after ({change_words(before, v, unit, scale)})")
            s = f"in {g.phrases[lab]} the median was {value(before, unit)} just before the departure"
            if bits:
                s += " and " + join(bits)
            parts.append(s)
        else:
            start, end = float(gb["median"].iloc[0]), float(gb["median"].iloc[-1])
            parts.append(
                f"in {g.phrases[lab]} the median went from {value(start, unit)} at the start to "
                f"{value(end, unit)} at year {fixed(float(gb['x'].iloc[-1]), 0)} "
                f"({change_words(start, end, unit, scale)})"
            )
    says = "In numbers: " + "; ".join(parts) + "." if parts else ""
    return head + how + says


# --- the answer: paired differences -----------------------------------------------------------------


def main_effects_text(effects: dict[str, dict[str, Estimate]], column: str, unit: str) -> str:
    """Per factor not in the grouping: the paired difference per level, averaged over the rest."""
    out = []
    for f, by_level in effects.items():
        parts = [f"{level} {estimate(e, unit)}" for level, e in by_level.items() if e.ok]
        if len(parts) >= 2:
            out.append(f"By {f}, averaged over the other settings ({column}): " + "; ".join(parts) + ".")
    return " ".join(out)


def paired_text(
    est: dict[str, dict[str, Estimate]], g: Grouping, column: str, years: tuple[int, ...], common: bool, n: int
) -> str:
    """The paragraph under the headline table: what a paired difference is and what it says."""
    unit_words = "SD of attainment" if column.startswith("attainment") else "SD per year of value added"
    unit = "sd" if column.startswith("attainment") else "sd_year"
    out = [
        f"Each cell is the mean, over {runs(n)} with a departure, of the difference between the run in which the "
        "head left and the same school (same settings, same replicate) in which the head stayed: below 0 the "
        "departure cost the school, above 0 the school did better without its head. Below each mean is its 95 % "
        "confidence interval (percentile bootstrap over runs). These are effect sizes in "
        f"{unit_words}, as education studies report them."
    ]
    if not common:
        out.append(
            "The two runs of a pair did not share a seed (the spec is not 'paired: true'), so each difference "
            "also holds the chance variation between two schools: the intervals are wider than they need be."
        )
    y = 3 if 3 in years else years[0]
    key = f"{column}_{y}y"
    found = [(lab, est[lab][key]) for lab in g.labels if lab in est and est[lab][key].ok]
    if found:
        worst = min(found, key=lambda t: t[1].mean)
        best = max(found, key=lambda t: t[1].mean)
        clear = [lab for lab, e in found if e.has_interval and (e.high < 0 or e.low > 0)]
        out.append(
            f"{YEAR_WORDS.get(y, f'{y} years').capitalize()} after the departure the difference was most negative in "
            f"{g.phrases[worst[0]]}: {estimate(worst[1], unit)}; and least negative in {g.phrases[best[0]]}: "
            f"{estimate(best[1], unit)}."
        )
        out.append(
            f"In {len(clear)} of {len(found)} groups the interval excludes 0 (a difference unlikely to be chance)."
        )
    return " ".join(out)


def left_text(est: dict[str, dict[str, Estimate]], g: Grouping, measures: list[tuple[str, str]], year: int) -> str:
    """The paragraph under the table of what a departing head left: which stores of improvement the
    departure took away, in which groups (``measures`` are (column with its year suffix, heading))."""
    when = YEAR_WORDS.get(year, f"{year} years")
    out = [
        f"Where the model keeps what a school gained, {when} after the departure, against the same school in which "
        "the head stayed (a negative cell: the departure took some of it away). The model keeps improvement in "
        "people (their practice, how far they own it, their leadership capacity), in how leading is shared, and in "
        "the routines the work left behind; a store that holds up after a departure is what the head left."
    ]
    for column, heading in measures:
        found = [(lab, est[lab][column]) for lab in g.labels if lab in est and est[lab][column].ok]
        fell = [lab for lab, e in found if e.has_interval and e.high < 0]
        rose = [lab for lab, e in found if e.has_interval and e.low > 0]
        if not found:
            continue
        worst = min(found, key=lambda t: t[1].mean)
        text = f"{heading}: lower in {len(fell)} of {len(found)} groups, higher in {len(rose)}"
        if fell:
            text += f"; most in {g.phrases[worst[0]]} ({estimate(worst[1], 'level')})"
        out.append(text + ".")
    return " ".join(out)


# --- within-run measures ----------------------------------------------------------------------------


def absolute_text(
    est: dict[str, dict[str, Estimate]], labels: list[str], g: Grouping, n_without: int, n_runs: int
) -> str:
    """The paragraph under the within-run table: attainment lost, deepest drop, recovery, capacity."""
    out = [
        "Each cell gives the mean over the group's runs, below it the 95 % confidence interval of that mean "
        "(percentile bootstrap) and n, the number of runs it rests on. These measures are read within each run, "
        "against its own level just before the departure: they include whatever the school would have done "
        "without the departure (see the paired differences above for that comparison)."
    ]
    if n_without:
        out.append(f"{runs(n_without)} of {n_runs} had no head departure and are left out of this table.")
    for col, what in (("succession_lost_3y", "three years"), ("succession_lost_1y", "one year")):
        found = [(lab, est[lab][col]) for lab in labels if col in est[lab] and est[lab][col].ok]
        if len(found) >= 1:
            if len(found) > 4:  # name the ends only: the table holds the rest
                found = [max(found, key=lambda t: t[1].mean), min(found, key=lambda t: t[1].mean)]
                lead = f"Attainment {what} after the departure had fallen furthest below its level just before by "
                clauses = [f"{estimate(found[0][1], 'sd')} in {g.phrases[found[0][0]]}"]
                clauses.append(f"least (or risen most) in {g.phrases[found[1][0]]}: {estimate(found[1][1], 'sd')}")
                out.append(lead + "; ".join(clauses) + " (a negative value: it was above).")
            else:
                clauses = [f"{estimate(e, 'sd')} in {g.phrases[lab]}" for lab, e in found]
                lead = f"Attainment {what} after the departure was below its level just before by "
                out.append(lead + join(clauses) + " (a negative value: it was above).")
            break
    drops = {lab: est[lab]["succession_deepest_drop"] for lab in labels if "succession_deepest_drop" in est[lab]}
    drops = {lab: e for lab, e in drops.items() if e.ok}
    if len(drops) >= 2:
        worst = max(drops, key=lambda lab: drops[lab].mean)
        best = min(drops, key=lambda lab: drops[lab].mean)
        out.append(
            f"The deepest drop was largest in {g.phrases[worst]}: {estimate(drops[worst], 'sd')}; and smallest in "
            f"{g.phrases[best]}: {estimate(drops[best], 'sd')}."
        )
    rec, never_back = [], []
    for lab in labels:
        e = est[lab].get("succession_years_to_recover")
        if e is None:
            continue
        never = f"; {e.missing} of {e.n + e.missing} runs never got back" if e.missing else ""
        if e.ok:
            rec.append(f"after {estimate(e, 'years')} in {g.phrases[lab]}{never}")
        elif e.missing:
            never_back.append(f"in {g.phrases[lab]} none of {runs(e.missing)} got back before the run ended")
    if rec:
        out.append("Attainment got back to its level before the departure " + "; ".join(rec) + ".")
    if never_back:
        out.append(capital("; ".join(never_back)) + ".")
    return " ".join(out)


def share_kept_text(shown: list[str], hidden: dict[str, str], g: Grouping) -> str:
    """Why the share kept is shown for some groups only."""
    out = [
        "The share of the gain kept divides what was left of the gain by the gain made before the departure. "
        "Where that gain is small, the share is noise divided by noise (it can read −500 % or +400 %), so it is "
        "shown only for groups whose mean gain before the departure was clearly above noise (its 95 % interval "
        "above 0.03 SD) and defined in at least 90 % of their runs. It is never the headline: it counts cohorts "
        "taught under the departed head, and reads year ends at a low point of the saw-tooth."
    ]
    if shown:
        out.append(f"Shown for {len(shown)} of {len(shown) + len(hidden)} groups.")
    if hidden:
        out.append("Not shown for " + "; ".join(f"{g.phrases[lab]}: {why}" for lab, why in hidden.items()) + ".")
    return " ".join(out)


def finals_text(est: dict[str, dict[str, Estimate]], labels: list[str], g: Grouping) -> str:
    out = [
        "Each cell gives the mean over the group's runs, below it the 95 % confidence interval of that mean "
        "(percentile bootstrap) and n, the number of runs."
    ]
    att = [
        f"{estimate(est[lab]['final_attainment'], 'sd')} in {g.phrases[lab]}"
        for lab in labels
        if "final_attainment" in est[lab] and est[lab]["final_attainment"].ok
    ]
    if att:
        out.append("At the end of the run attainment stood at " + join(att) + ".")
    return " ".join(out)


def points_text(
    sweep: Sweep, values: pd.DataFrame, est: dict[Any, dict[str, Estimate]], key: str, unit: str, name: str
) -> str:
    """The paragraph under the per-design-point table: each factor's main effect on ``key``.

    The highest and lowest point are named only for measures defined in every run: a ratio with a
    small denominator would make a noisy point the "highest".
    """
    from leadsim.analysis.sweep_data import grouping

    reps = values.groupby("point").size()
    n_txt = runs(int(reps.min())) if reps.min() == reps.max() else f"{int(reps.min())} to {int(reps.max())} runs"
    out = [
        f"Each row is one combination of the settings that were varied (a design point), with {n_txt} each; "
        "the cells read as in the table above."
    ]
    ok = {p: e[key] for p, e in est.items() if e[key].ok}
    if len(ok) < 2:
        return " ".join(out)
    effects = []
    for f in sweep.factors:
        col = sweep.design.set_index("point")[f]
        binned = pd.api.types.is_numeric_dtype(col) and col.nunique() > 6
        level = values["point"].map(grouping(sweep, [f]).by_point if binned else col)  # thirds of a wide range
        by_level = values.assign(level=level).groupby("level")[key].mean().dropna()
        if len(by_level) >= 2 and by_level.size <= 6:
            effects.append((float(by_level.max() - by_level.min()), f, by_level, binned))
    effects.sort(key=lambda t: -t[0])
    for i, (_, f, by_level, binned) in enumerate(effects):
        top, bottom = by_level.idxmax(), by_level.idxmin()

        def at(v: Any, f: str = f, binned: bool = binned) -> str:
            return str(v) if binned else f"{f} = {level_text(v)}"

        span = f"from {value(by_level[bottom], unit)} at {at(bottom)} to {value(by_level[top], unit)} at {at(top)}"
        if i == 0:
            most = " — the factor that mattered most" if len(effects) > 1 else ""
            out.append(f"Averaged over the other settings, {name} went {span}{most}.")
        else:
            out.append(f"By {f}: {span}.")
    return " ".join(out)


def difference_text(values: pd.DataFrame, key: str, g: Grouping, unit: str) -> str:
    """Between the highest and lowest group of a measure: the difference and its interval."""
    means = values.groupby("group")[key].mean().dropna()
    counts = values.groupby("group")[key].count()
    means = means[counts.reindex(means.index) >= 2]
    if len(means) < 2:
        return ""
    hi, lo = means.idxmax(), means.idxmin()
    d = diff_ci(values.loc[values["group"] == hi, key].to_numpy(float), values.loc[values["group"] == lo, key])
    verdict = "unlikely to be chance" if d.low > 0 else "could still be chance with this many runs"
    return (
        f"Between {g.phrases[hi]} and {g.phrases[lo]} the mean differs by {value(d.mean, unit)} "
        f"(95 % CI {interval(d, unit)}): {verdict}."
    )


# --- sensitivity ------------------------------------------------------------------------------------


def morris_text(res, output: str, reps: str) -> str:
    """The paragraph under a Morris chart."""
    name = output_words(output)
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
    lead = f"In these runs {name} depends most on " + join([f"{p} (μ* = {sig(t.loc[p, 'mu_star'])})" for p in strong])
    then = [p for p in notable if p not in strong]
    if then:
        lead += ", then on " + join([f"{p} (μ* = {sig(t.loc[p, 'mu_star'])})" for p in then])
    out.append(lead + ".")
    if len(t) >= 2:
        a, b = t.index[0], t.index[1]
        if t.loc[a, "mu_star"] - t.loc[a, "mu_star_conf"] <= t.loc[b, "mu_star"] + t.loc[b, "mu_star_conf"]:
            out.append(f"The intervals of {a} and {b} overlap: with this many trajectories their order is not certain.")
    for p in notable:
        mu, ms, sg = float(t.loc[p, "mu"]), float(t.loc[p, "mu_star"]), float(t.loc[p, "sigma"])
        if abs(mu) >= 0.8 * ms:
            way = f"Raising {p} {'raises' if mu > 0 else 'lowers'} it (μ = {sig(mu)})"
        elif abs(mu) < 0.5 * ms:
            way = f"The effect of {p} goes both ways, up in some settings and down in others (μ = {sig(mu)})"
        else:
            way = f"Raising {p} mostly {'raises' if mu > 0 else 'lowers'} it (μ = {sig(mu)})"
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
            "Hardly anything changes with " + join(list(weak), "or") + " here (μ* below a tenth of the largest)."
        )
    return " ".join(out)


def sobol_text(res, output: str, reps: str) -> str:
    """The paragraph under a Sobol chart."""
    name = output_words(output)
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
        + join([f"{p} (ST = {t.loc[p, 'ST']:.2f}, S1 = {t.loc[p, 'S1']:.2f})" for p in lead])
        + "."
    )
    s1 = float(t["S1"].clip(lower=0).sum())
    out.append(
        f"Together the settings alone account for about {value(min(s1, 1.0), 'share', 0)} of the variation; "
        "the rest comes from settings acting together (or from estimation error, with few samples)."
    )
    return " ".join(out)
