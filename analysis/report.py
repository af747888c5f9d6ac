"""One self-contained HTML report of a sweep, for researchers and for readers who do not program.

``leadsim report DIR`` reads a sweep folder and writes one HTML file with plotly.js inlined, so it
opens offline. The page leads with the answer: for a succession study that pairs every departure
with the same school in which the head stays, the paired differences (effect sizes in SD, with 95 %
intervals) by leadership pattern and successor style, then a methods paragraph to paste into a
paper; the same numbers, unrounded, go to files next to the report and named after it
(:func:`data_files`: every pair's differences, and the answer's table). Below: within-run measures
(attainment lost, deepest drop, years to recover), the share of the gain kept where it means
something, charts over time, one row per design point, scatters of each output against each
factor (sampled designs), and Morris or Sobol indices (sensitivity designs). Every figure
downloads as PNG and SVG, every table as CSV.

The work is split by job: :mod:`~leadsim.analysis.sweep_data` reads the folder,
:mod:`~leadsim.analysis.statistics` computes, :mod:`~leadsim.analysis.report_words` writes the
sentences, :mod:`~leadsim.analysis.report_page` the HTML, and
:mod:`~leadsim.analysis.report_measures` lists the measures shown. This module puts the sections
together.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from leadsim.analysis import report_words as words
from leadsim.analysis.report_measures import (
    AFTER_DEPARTURE,
    AT_THE_END,
    LEFT,
    LEFT_YEAR,
    OVER_TIME,
    PAIRED,
    PAIRED_YEARS,
    SHARE_KEPT,
    Measure,
    describe,
)
from leadsim.analysis.report_page import Page, document, esc, estimates_table, legend
from leadsim.analysis.statistics import (
    CLEAR_GAIN,
    RESAMPLES,
    Estimate,
    Pairing,
    bands,
    find_pairing,
    gain_is_clear,
    group_estimates,
    mean_ci,
    paired_differences,
)
from leadsim.analysis.sweep_data import (
    MAX_LEVELS,
    Grouping,
    ReportError,
    Sweep,
    align_on_departure,
    grouping,
    level_text,
    load_sweep,
    read_timeseries,
)

__all__ = [
    "EFFECTS_FILE",
    "PAIRED_FILE",
    "PairedTables",
    "ReportError",
    "Sweep",
    "build_report",
    "data_files",
    "load_sweep",
    "write_report",
    "write_report_files",
]

#: at most this many groups share one chart over time (more: the charts group by the first factor only)
MAX_BANDS = 4
#: written next to the report of a paired sweep, after the report's name (``succession.paired.parquet``
#: for ``succession.html``): every pair's differences, and the answer's table
PAIRED_FILE = "paired.parquet"
EFFECTS_FILE = "paired-effects.csv"
#: the Parquet metadata that marks every pair's differences as a report's: only such a file is replaced
DATA_MARK = {"leadsim": "report: every pair's differences"}
#: the last columns of the answer's table (after the group's): only a CSV with them is replaced
EFFECTS_COLUMNS = ("pairs", "measure", "years", "mean", "ci_low", "ci_high", "n", "missing")


def data_files(report: str | Path) -> tuple[Path, Path]:
    """Where the numbers of the report ``report`` go: beside it, named after it (``ch4.paired.parquet``
    and ``ch4.paired-effects.csv`` for ``ch4.html``), so that two reports in one folder, or a
    researcher's own ``paired.parquet`` there, are never written over."""
    report = Path(report)
    return report.with_name(f"{report.stem}.{PAIRED_FILE}"), report.with_name(f"{report.stem}.{EFFECTS_FILE}")


def _a_reports_numbers(path: Path) -> bool:
    """Whether ``path`` may be written with a report's numbers: it does not exist, or a report wrote it."""
    if not path.exists():
        return True
    if not path.is_file():
        return False
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            marks = pq.read_schema(path).metadata or {}
            return all(marks.get(k.encode()) == v.encode() for k, v in DATA_MARK.items())
        with path.open("rb") as f:
            header = f.readline(4096).decode("utf-8").strip().split(",")
        return tuple(header[-len(EFFECTS_COLUMNS) :]) == EFFECTS_COLUMNS
    except (OSError, UnicodeDecodeError, ValueError):  # unreadable, or not Parquet: not a report's
        return False


@dataclass(frozen=True)
class PairedTables:
    """The answer of a paired sweep, computed once for the page and for the files next to it.

    Attributes:
        differences: one row per departure run, exactly as :func:`paired_differences` returns it.
        effects: the answer's estimates table, one row per group, measure and year: the group
            columns, ``pairs``, ``measure`` (a column of the time series), ``years`` (after the
            departure), ``mean``, ``ci_low``, ``ci_high`` (95 % bootstrap), ``n`` and ``missing``
            (pairs without a value), unrounded.
    """

    differences: pd.DataFrame
    effects: pd.DataFrame


# --- which measures ---------------------------------------------------------------------------------


def chosen_measures(sweep: Sweep, defaults: Sequence[Measure]) -> tuple[list[Measure], list[str]]:
    """The measures of the tables: the spec's ``outputs:`` if it names any, else ``defaults``; and notes
    on outputs that are not columns of the runs."""
    cols = set(sweep.summaries.columns)
    notes, found = [], []
    for o in sweep.outputs:
        c = o if o in cols else (f"succession_{o}" if f"succession_{o}" in cols else None)
        if c is None:
            notes.append(f"The output {o!r} listed in experiment.yaml is not a measure of the runs: it is skipped.")
        elif c not in [m.column for m in found]:
            found.append(describe(c))
    if not found:
        found = [m for m in defaults if m.column in cols]
    return found, notes


# --- the answer: paired differences -------------------------------------------------------------------


def _paired_section(
    sweep: Sweep, pairing: Pairing, by: Sequence[str] | None, page: Page, files: tuple[Path, Path] | None
) -> PairedTables | None:
    """The headline: departure minus the same school without it, per group; None if nothing to show.

    Returns the numbers it shows, so that the files next to the report are these numbers and not a
    second computation; ``files``: where they will be written (:func:`data_files`), and the page says so.
    """
    columns = [p.column for p in PAIRED]
    ts = read_timeseries(sweep, columns + [p.column for p in LEFT])
    if ts is None or ts.empty:
        page.add(
            "answer",
            "The answer: what a departure costs",
            "<p>This sweep pairs departures with schools in which the head stays, but kept no time series "
            "(<code>keep: summaries</code>), so the paired differences cannot be computed; the within-run measures "
            "follow.</p>",
        )
        return None
    others = [f for f in sweep.factors if f != pairing.factor]
    measured = [(p.column, p.how) for p in PAIRED + LEFT if p.column in ts.columns]
    diffs = paired_differences(ts, sweep.ok, pairing, others, measured, PAIRED_YEARS)
    if diffs.empty:
        return None
    asked = [b for b in (by or []) if b != pairing.factor] or None
    g = grouping(sweep, asked, exclude=[pairing.factor])
    point_of = sweep.ok.set_index("run_key")["point"]
    diffs["group"] = g.of(diffs["run_key"].map(point_of))
    labels = [lab for lab in g.labels if (diffs["group"] == lab).any()]
    shown = [p for p in PAIRED if f"{p.column}_{PAIRED_YEARS[0]}y" in diffs.columns]
    read_at = {f"{p.column}_{y}y": (p, y) for p in shown for y in PAIRED_YEARS}
    cols = [Measure(c, f"{p.heading}, {y} y", p.meaning.replace("N", str(y)), p.unit) for c, (p, y) in read_at.items()]
    est = group_estimates(diffs, labels, [m.column for m in cols])
    heads = [*(g.factors or ["group"]), "pairs"]
    rows = [(list(g.levels.get(lab, (lab,))) + [str(int((diffs["group"] == lab).sum()))], est[lab]) for lab in labels]
    table, data = estimates_table(rows, heads, cols, "paired")
    # measure and years in columns of their own: what R or pandas filter on, rather than a suffix to parse
    answer = data.assign(measure=data["measure"].map(lambda c: read_at[c][0].column))
    answer.insert(answer.columns.get_loc("measure") + 1, "years", data["measure"].map(lambda c: read_at[c][1]))
    key = f"{shown[0].column}_{3 if 3 in PAIRED_YEARS else PAIRED_YEARS[0]}y"
    effects = {
        f: {level_text(v): mean_ci(sub[key].to_numpy(float)) for v, sub in diffs.groupby(f, sort=True)}
        for f in others
        if f not in g.factors and diffs[f].nunique() > 1
    }
    mains = words.main_effects_text(effects, key, shown[0].unit)
    parts = [
        f"<p class='lead'>Departure minus the same school in which the head stayed, by {esc(g.factor or 'group')}: "
        "the mean over paired runs and its 95 % interval.</p>",
        page.table(table, answer, "paired-effects"),
        '<p class="explain">'
        + esc(words.paired_text(est, g, columns[0], PAIRED_YEARS, pairing.common_seeds, len(diffs)))
        + (" " + esc(mains) if mains else "")
        + "</p>",
    ]
    pair_data = diffs.drop(columns=["group"])
    parts.append(
        '<div class="downloads">'
        + _csv_only(pair_data, "paired-differences", "Download every pair's differences (CSV)")
        + "</div>"
    )
    if files:
        parts.append(
            f"<p class='note'>Every pair's differences: <code>{esc(files[0].name)}</code>; the table: "
            f"<code>{esc(files[1].name)}</code>, next to this report.</p>"
        )
    from leadsim.analysis.figures import effect_figure

    for p in shown:
        frame = pd.DataFrame(
            [
                {"group": lab, "years": y, "mean": e.mean, "low": e.low, "high": e.high, "n": e.n}
                for lab in labels
                for y in PAIRED_YEARS
                for e in [est[lab][f"{p.column}_{y}y"]]
                if e.ok
            ]
        )
        if frame.empty:
            continue
        unit = "SD" if p.unit == "sd" else "SD per year"
        fig = effect_figure(
            frame, f"{p.heading}: departure minus no departure, by {g.factor or 'group'}", f"difference ({unit})"
        )
        parts.append(page.figure(fig, f"paired-{p.column}"))
    page.add("answer", "The answer: what a departure costs, against the same school without it", "".join(parts))
    _left_section(diffs, g, labels, page)
    return PairedTables(pair_data, answer)


def _left_section(diffs: pd.DataFrame, g: Grouping, labels: list[str], page: Page) -> None:
    """What the departing head left: the stores of improvement, paired like the answer, at one year."""
    shown = [p for p in LEFT if f"{p.column}_{LEFT_YEAR}y" in diffs.columns]
    if not shown:
        return
    cols = [
        Measure(f"{p.column}_{LEFT_YEAR}y", p.heading, p.meaning.replace("N", str(LEFT_YEAR)), p.unit) for p in shown
    ]
    est = group_estimates(diffs, labels, [m.column for m in cols])
    heads = [*(g.factors or ["group"]), "pairs"]
    rows = [(list(g.levels.get(lab, (lab,))) + [str(int((diffs["group"] == lab).sum()))], est[lab]) for lab in labels]
    table, data = estimates_table(rows, heads, cols, "paired-left")
    text = words.left_text(est, g, [(m.column, m.heading) for m in cols], LEFT_YEAR)
    page.add(
        "left",
        "What the departing head left: where the gains were kept",
        f"{page.table(table, data, 'paired-left')}<p class='explain'>{esc(text)}</p>{legend(cols)}",
    )


def _csv_only(df: pd.DataFrame, name: str, text: str) -> str:
    from leadsim.analysis.report_page import csv_link

    return csv_link(df, name).replace("Download table (CSV)", esc(text))


# --- within-run measures --------------------------------------------------------------------------------


def _within_run_sections(sweep: Sweep, g: Grouping, page: Page, headline: bool) -> list[Measure]:
    """Tables per group and per design point of the chosen measures; returns the measures shown."""
    ok = sweep.ok.copy()
    ok["group"] = g.of(ok["point"])
    has_departures = "departures" in ok.columns and bool((ok["departures"] > 0).any())
    measures, notes = chosen_measures(sweep, AFTER_DEPARTURE if has_departures else AT_THE_END)
    if not measures:
        return []
    values = ok[ok["departures"] > 0] if has_departures else ok
    n_without = len(ok) - len(values)
    labels = [lab for lab in g.labels if (values["group"] == lab).any()]
    est = group_estimates(values, labels, [m.column for m in measures])
    heads = [*(g.factors or ["group"]), "runs"]
    rows = [(list(g.levels.get(lab, (lab,))) + [str(int((values["group"] == lab).sum()))], est[lab]) for lab in labels]
    table, data = estimates_table(rows, heads, measures, "by-group")
    if has_departures:
        text = words.absolute_text(est, labels, g, n_without, len(ok))
        title = "Within each run: what was lost after the head left, by " + (g.factor or "group")
    else:
        text = words.finals_text(est, labels, g)
        title = "Where the runs ended, by " + (g.factor or "group")
    first = measures[0]
    diff = words.difference_text(values, first.column, g, first.unit)
    body = "".join(f"<p>{esc(n)}</p>" for n in notes)
    body += page.table(table, data, "by-group") + legend(measures)
    body += f'<p class="explain">{esc(text + (" " + diff if diff else ""))}</p>'
    page.add("by-group" if not headline else "answer", title, body)
    if has_departures and (not sweep.outputs or any(m.column.startswith("succession_kept") for m in measures)):
        _share_kept_section(values, labels, g, page)
    _points_section(sweep, values, measures, page)
    return measures


def _share_kept_section(values: pd.DataFrame, labels: list[str], g: Grouping, page: Page) -> None:
    """The share of the gain kept, only for groups whose gain before was clearly above noise."""
    shares = [m for m in SHARE_KEPT if m.column in values.columns]
    if not shares or "succession_gain_before" not in values.columns:
        return
    est = group_estimates(values, labels, [m.column for m in shares] + ["succession_gain_before"])
    rows, shown, hidden = [], [], {}
    gain_m = describe("succession_gain_before")
    for lab in labels:
        gain = est[lab]["succession_gain_before"]
        cells: dict[str, Estimate | str] = {"succession_gain_before": gain}
        for m in shares:
            share = est[lab][m.column]
            if not (gain.has_interval and gain.low > CLEAR_GAIN):
                cells[m.column] = "gain before too close to noise"
            elif share.n + share.missing == 0 or share.n == 0:
                cells[m.column] = "not measured (run too short?)"
            elif not gain_is_clear(gain, share):
                cells[m.column] = f"defined in only {share.n} of {share.n + share.missing} runs"
            else:
                cells[m.column] = share
        if any(isinstance(c, Estimate) for k, c in cells.items() if k != "succession_gain_before"):
            shown.append(lab)
        else:
            hidden[lab] = f"gain before {words.estimate(gain, 'sd')}" if gain.ok else "no gain measured"
        rows.append((list(g.levels.get(lab, (lab,))) + [str(int((values["group"] == lab).sum()))], cells))
    heads = [*(g.factors or ["group"]), "runs"]
    table, data = estimates_table(rows, heads, [gain_m, *shares], "share-kept")
    body = (
        page.table(table, data, "share-kept") + f'<p class="explain">{esc(words.share_kept_text(shown, hidden, g))}</p>'
    )
    page.add("share-kept", "Share of the gain kept (where the gain was clearly above noise)", body)


def _points_section(sweep: Sweep, values: pd.DataFrame, measures: list[Measure], page: Page) -> None:
    pts = list(sweep.design["point"])
    pts = [p for p in pts if (values["point"] == p).any()]
    if not pts:
        return
    cols = [m.column for m in measures]
    pest = {p: {c: mean_ci(values.loc[values["point"] == p, c].to_numpy(dtype=float)) for c in cols} for p in pts}
    design = sweep.design.set_index("point")
    rows = []
    for p in pts:
        lead = [str(p)] + [level_text(design.loc[p, f]) for f in sweep.factors]
        rows.append((lead + [str(int((values["point"] == p).sum()))], pest[p]))
    table, data = estimates_table(rows, ["point", *sweep.factors, "runs"], measures, "by-point")
    key = measures[0]
    text = words.points_text(sweep, values, pest, key.column, key.unit, words.output_words(key.column))
    page.add(
        "by-point",
        "Every combination of settings",
        page.table(table, data, "by-point") + f'<p class="explain">{esc(text)}</p>',
    )


# --- over time and scatters ---------------------------------------------------------------------------


def _over_time_section(sweep: Sweep, g: Grouping, page: Page, pairing: Pairing | None) -> None:
    ok = sweep.ok
    has_departures = "departures" in ok.columns and bool((ok["departures"] > 0).any())
    ts = read_timeseries(sweep, [m.column for m in OVER_TIME])
    if ts is None or ts.empty:
        page.add(
            "over-time",
            "Over time",
            "<p>This sweep kept no time series of its runs (see <code>keep</code> in experiment.yaml), so there "
            "are no charts over time.</p>",
        )
        return
    if len(g.labels) > MAX_BANDS and len(g.factors) > 1:
        g = grouping(sweep, g.factors[:1])
    if has_departures:
        frame, n_without = align_on_departure(ts)
    else:
        frame, n_without = ts.assign(x=ts["year"].round(6)), 0
    group = g.of(frame["point"])
    n_runs = frame["run_key"].nunique()
    intro = (
        f"<p>{words.runs(n_runs)} are lined up on the week their first head left.</p>"
        if has_departures
        else "<p>No head left in these runs: the charts show the whole run.</p>"
    )
    if n_without and has_departures:
        what = " (the runs in which the head stays)" if pairing else ""
        intro += f"<p>{words.runs(n_without)} had no head departure{what} and are left out of these charts.</p>"
    parts = [intro]
    from leadsim.analysis.figures import band_figure

    first = True
    for m in OVER_TIME:
        if m.column not in frame.columns:
            continue
        b = bands(frame, m.column, group)
        unit = {"sd": " (SD)", "sd_year": " (SD per year)"}.get(m.unit, "")
        fig = band_figure(
            b,
            list(g.labels),
            f"{m.heading}, median and 90 % band by {g.factor or 'group'}",
            f"{m.heading.lower()}{unit}",
            "years since the head left" if has_departures else "year",
            marker="head leaves" if has_departures else None,
        )
        text = words.trajectory_text(m, b, g, has_departures, n_runs, first)
        parts.append(f"<h3>{esc(m.heading)}</h3>{page.figure(fig, m.column)}<p class='explain'>{esc(text)}</p>")
        if m.column == "attainment":
            parts.append(f'<p class="note">{esc(words.SAWTOOTH_NOTE)}</p>')
        first = False
    page.add("over-time", "Around the head's departure" if has_departures else "Over the run", "".join(parts))


def _scatter_section(sweep: Sweep, measures: list[Measure], page: Page) -> None:
    """Sampled designs: each output against each factor, one point per run."""
    from leadsim.analysis.figures import scatter_figure

    numeric = [f for f in sweep.factors if pd.api.types.is_numeric_dtype(sweep.design[f])]
    if not numeric or not measures:
        return
    parts = [
        "<p>One point per run: how each output moved with each sampled setting (the others varied at the same "
        "time, so a cloud without a slope means the setting mattered little on its own).</p>"
    ]
    ok = sweep.ok
    for m in measures:
        if m.column not in ok.columns or not ok[m.column].notna().any():
            continue
        fig = scatter_figure(ok, m.column, numeric, f"{m.heading} against each setting", m.heading)
        parts.append(f"<h3>{esc(m.heading)} <code>{esc(m.column)}</code></h3>{page.figure(fig, 'scatter-' + m.column)}")
    page.add("scatter", "Each output against each setting", "".join(parts))


# --- sensitivity ------------------------------------------------------------------------------------------


def _parameter_meanings() -> dict[str, str]:
    try:
        from leadsim.sim.config import iter_parameters

        return {r["name"]: r["meaning"] for r in iter_parameters()}
    except Exception:  # noqa: BLE001 - meanings are a courtesy
        return {}


def sensitivity_resamples() -> int:
    """The bootstrap resamples behind the Morris and Sobol intervals."""
    from leadsim.analysis.sensitivity import RESAMPLES as n

    return n


def _sensitivity_section(sweep: Sweep, page: Page) -> None:
    from leadsim.analysis import sensitivity
    from leadsim.analysis.figures import morris_figure, sobol_figure

    measures, notes = chosen_measures(sweep, [describe("succession_kept_3y"), describe("final_attainment")][:2])
    if not sweep.outputs and measures:
        measures = measures[:1]
        notes.append(f"No output was listed in experiment.yaml; {measures[0].column} is analysed.")
    meanings = _parameter_meanings()
    reps = sweep.ok.groupby("point").size()
    r = f"{int(reps.min())}" if len(reps) and reps.min() == reps.max() else "a varying number of"
    rep_txt = f"each point's value is the mean of its {r} replicate runs"
    method = sweep.kind
    parts = [f"<p>{esc(n)}</p>" for n in notes]
    if not sweep.factors:
        parts.append("<p>The design has no factors: there is nothing to rank.</p>")
    for m in measures:
        out = m.column
        if method == "morris":
            res = sensitivity.morris(
                sweep.design, sweep.summaries, sweep.factors, out, int(sweep.spec.get("levels") or 4)
            )
        else:
            second = sweep.spec.get("calc_second_order", sweep.spec.get("second_order"))
            res = sensitivity.sobol(sweep.design, sweep.summaries, sweep.factors, out, second)
        title = words.capital(words.output_words(out))
        parts.append(f"<h3>{esc(title)} <code>{esc(out)}</code></h3>")
        if res.ok:
            if method == "morris":
                fig = morris_figure(res.table, title, "μ* (change over the setting's range)")
                text = words.morris_text(res, out, rep_txt)
            else:
                fig = sobol_figure(res.table, title)
                text = words.sobol_text(res, out, rep_txt)
            parts.append(page.figure(fig, f"{method}-{out}"))
            parts.append(f"<p class='explain'>{esc(text)}</p>")
            table, data = _sensitivity_table(res, meanings)
            parts.append(page.table(table, data, f"{method}-{out}"))
        else:
            parts.append(f"<p class='explain'>{esc(' '.join(res.notes) or 'No result.')}</p>")
    page.add("sensitivity", f"Which settings matter ({method.capitalize()} method)", "".join(parts))


def _sensitivity_table(res: Any, meanings: dict[str, str]) -> tuple[str, pd.DataFrame]:
    t = res.table
    if res.method == "morris":
        t = t.sort_values("mu_star", ascending=False)
        rows = []
        for i, (p, r) in enumerate(t.iterrows(), 1):
            ratio = r["sigma"] / r["mu_star"] if r["mu_star"] > 0 else float("nan")
            rows.append(
                {"rank": i, "parameter": p, "what it is": meanings.get(p, ""), "μ*": words.sig(r["mu_star"]),
                 "μ* 95 % ±": words.sig(r["mu_star_conf"], 2), "μ": words.sig(r["mu"]), "σ": words.sig(r["sigma"]),
                 "σ / μ*": words.fixed(ratio, 2), "mu-star": repr(float(r["mu_star"]))}
            )  # fmt: skip
        shown = pd.DataFrame(rows)
        html_rows = []
        for _, r in shown.iterrows():
            attrs = f'data-parameter="{esc(r["parameter"])}" data-rank="{r["rank"]}" data-mu-star="{r["mu-star"]}"'
            cells = "".join(f"<td>{esc(r[c])}</td>" for c in shown.columns if c != "mu-star")
            html_rows.append(f"<tr {attrs}>{cells}</tr>")
        heads = [c for c in shown.columns if c != "mu-star"]
        data = t.reset_index().rename(columns={"index": "parameter"})
    else:
        t = t.sort_values("ST", ascending=False)
        rows = [
            {"rank": i, "parameter": p, "what it is": meanings.get(p, ""),
             **{k: words.fixed(r[k], 2) for k in ("S1", "S1_conf", "ST", "ST_conf")}}
            for i, (p, r) in enumerate(t.iterrows(), 1)
        ]  # fmt: skip
        shown = pd.DataFrame(rows).rename(columns={"S1_conf": "S1 95 % ±", "ST_conf": "ST 95 % ±"})
        html_rows = [
            f'<tr data-parameter="{esc(r["parameter"])}" data-rank="{r["rank"]}">'
            + "".join(f"<td>{esc(r[c])}</td>" for c in shown.columns)
            + "</tr>"
            for _, r in shown.iterrows()
        ]
        heads = list(shown.columns)
        data = t.reset_index().rename(columns={"index": "parameter"})
    th = "".join(f"<th>{esc(h)}</th>" for h in heads)
    table = (
        f'<table class="sensitivity" data-output="{esc(res.output)}"><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(html_rows)}</tbody></table>"
    )
    return table, data


# --- the header and the sweep's details -------------------------------------------------------------------


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
            text = yaml.safe_dump(node, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()
            pairs.append(f"{prefix}={text}")

    walk(sets, "")
    return ", ".join(pairs)


def _header(sweep: Sweep) -> str:
    """Title, what was run, and which leadsim and model made the runs: the first lines of the page."""
    name = sweep.spec.get("name") or sweep.path.resolve().name
    desc = sweep.spec.get("description") or "(no description)"
    made = words.provenance_text(sweep.provenance)
    return (
        f"<h1>Sweep report: {esc(name)}</h1><p>{esc(desc)}</p>"
        f'<p class="provenance">Runs made with {esc(made)}; report made with leadsim '
        f"{esc(sweep.provenance.this_version if sweep.provenance else '?')}.</p>"
    )


def _sweep_section(sweep: Sweep, g: Grouping | None, page: Page) -> None:
    spec = sweep.spec
    s = sweep.summaries
    failed = sweep.failed
    meanings = _parameter_meanings()
    rows = [
        ("What was run", spec.get("description") or "(no description)"),
        ("Scenario", _scenario_text(spec.get("scenario"))),
        ("Design", f"{sweep.kind}, {len(sweep.design)} design points × {words.replications(spec.get('replications'))}"),
        ("Runs", f"{len(s)} runs: {len(sweep.ok)} finished, {len(failed)} failed"),
    ]
    if spec.get("set"):
        rows.append(("Settings for every run", _set_text(spec["set"])))
    paired = " by replicate only (paired: common random numbers)" if spec.get("paired") else ""
    if "seed" in s.columns and s["seed"].notna().any():
        seeds = s["seed"].dropna().astype("int64")
        rows.append(
            (
                "Seeds",
                f"sweep seed {spec.get('seed', '—')}; run seeds derived from it{paired} ({seeds.nunique()} distinct, "
                "listed in summaries.parquet)",
            )
        )
    else:
        rows.append(("Seeds", f"sweep seed {spec.get('seed', '—')}"))
    made = datetime.fromtimestamp((sweep.path / "summaries.parquet").stat().st_mtime, UTC)
    rows.append(
        ("Date", f"sweep written {made:%Y-%m-%d %H:%M} UTC; report made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    )
    rows.append(("Model", words.provenance_text(sweep.provenance)))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    factors = []
    for f in sweep.factors:
        col = sweep.design[f]
        if pd.api.types.is_numeric_dtype(col) and col.nunique() > MAX_LEVELS:
            levels = f"{col.nunique()} values from {col.min():.3g} to {col.max():.3g}"
        else:
            vals = sorted(col.unique()) if pd.api.types.is_numeric_dtype(col) else list(pd.unique(col))
            levels = ", ".join(level_text(v) for v in vals)
        what = f" — {meanings[f]}" if f in meanings else ""
        factors.append(f"<li><b>{esc(f)}</b>: {esc(levels)}{esc(what)}</li>")
    out = f'<dl class="about">{dl}</dl>'
    if factors:
        out += f"<p>The settings that were varied (factors):</p><ul>{''.join(factors)}</ul>"
    if g is not None and g.factors:
        out += f"<p>Figures and tables group the runs by <b>{esc(g.factor)}</b>.</p>"
    if len(failed):
        items = []
        for _, r in failed.head(50).iterrows():
            err = " ".join(str(r.get("error", "") or "").split())[:300]
            where = f"point {r['point']}" + (f" ({r['label']})" if "label" in r and pd.notna(r["label"]) else "")
            seed = f", seed {r['seed']}" if "seed" in r and pd.notna(r["seed"]) else ""
            items.append(f"<li>{esc(r['run_key'])}: {esc(where)}{esc(seed)}: {esc(err or 'no message')}</li>")
        more = f"<li>and {len(failed) - 50} more</li>" if len(failed) > 50 else ""
        out += (
            f'<div class="failures"><p><b>{len(failed)} failed {"run" if len(failed) == 1 else "runs"}</b>, left '
            f"out of everything above:</p><ul>{''.join(items)}{more}</ul></div>"
        )
    else:
        out += "<p>No run failed.</p>"
    out += (
        "<p>This report was written by <code>leadsim report</code> from the sweep's files; the numbers in the text "
        "are computed from the runs, not written in advance. Hover over a chart to read its values.</p>"
    )
    page.add("sweep", "The sweep", out)


# --- the report ---------------------------------------------------------------------------------------------


def _split_by(by: str | Sequence[str] | None) -> list[str] | None:
    if by is None:
        return None
    items = [b.strip() for b in ([by] if isinstance(by, str) else by) for b in b.split(",")]
    items = [b for b in items if b]
    return items or None


def build_report(path: str | Path | Sweep, by: str | Sequence[str] | None = None) -> tuple[str, int]:
    """The report of a sweep (its folder, or as read) as one HTML document, and how many figures it holds.

    Args:
        path: the sweep folder, or a :class:`Sweep` already read.
        by: the factors to group by (``"pattern,events.successor.style"`` or a list); default: the
            pattern and the successor's style if varied, else the first named factor.
    """
    sweep = path if isinstance(path, Sweep) else load_sweep(path)
    doc, figures, _ = _compose(sweep, by, files=None)
    return doc, figures


def _compose(
    sweep: Sweep, by: str | Sequence[str] | None, files: tuple[Path, Path] | None
) -> tuple[str, int, PairedTables | None]:
    """The document, its number of figures and, for a paired sweep, the answer's numbers (see :func:`build_report`)."""
    factors_by = _split_by(by)
    page = Page()
    sensitivity = sweep.kind in ("morris", "sobol")
    if sensitivity and factors_by is not None:
        raise ReportError(f"--by applies to factorial and lhs sweeps; this one is {sweep.kind}")
    g: Grouping | None = None
    paired: PairedTables | None = None
    if sweep.ok.empty:
        page.add("answer", "No results", "<p>Every run of this sweep failed.</p>")
    elif sensitivity:
        _sensitivity_section(sweep, page)
        outputs = [m.column for m in chosen_measures(sweep, [describe("succession_kept_3y")])[0]]
        method = "Morris elementary effects" if sweep.kind == "morris" else "Sobol indices (Saltelli sampling)"
        intervals = (
            f"{method} were computed with SALib from the design matrix and each point's mean over its replicates; "
            f"their 95 % intervals are SALib's bootstrap intervals ({sensitivity_resamples()} resamples, fixed seed)."
        )
        methods = words.methods_text(sweep, outputs, False, PAIRED_YEARS, RESAMPLES, intervals)
        page.add("methods", "Methods (to cite)", f'<p class="methods">{esc(methods)}</p>')
    else:
        pairing = find_pairing(sweep.summaries, sweep.factors)
        g = grouping(sweep, factors_by, exclude=[pairing.factor] if pairing else [])
        paired = _paired_section(sweep, pairing, factors_by, page, files) if pairing else None
        headline = paired is not None
        measures_shown = _within_run_sections(sweep, g, page, headline=not headline)
        methods = words.methods_text(sweep, [m.column for m in measures_shown], headline, PAIRED_YEARS, RESAMPLES)
        page.sections.insert(  # right after the answer: the first screen holds both
            min(1, len(page.sections)),
            f'<section id="methods"><h2>Methods (to cite)</h2><p class="methods">{esc(methods)}</p></section>',
        )
        if sweep.kind == "lhs":
            _scatter_section(sweep, measures_shown, page)
        _over_time_section(sweep, g, page, pairing)
    _sweep_section(sweep, g, page)
    name = sweep.spec.get("name") or sweep.path.resolve().name
    doc = document(f"leadsim report: {name}", _header(sweep), "".join(page.sections), page.figures)
    return doc, page.figures, paired


def write_report(path: str | Path, out: str | Path | None = None, by: str | Sequence[str] | None = None) -> Path:
    """Write the report of the sweep in ``path`` (default ``path/report.html``) atomically; return its path.

    A paired sweep also gets its answer's numbers next to the report: see :func:`write_report_files`.
    """
    return write_report_files(path, out, by)[0]


def write_report_files(
    path: str | Path, out: str | Path | None = None, by: str | Sequence[str] | None = None
) -> list[Path]:
    """Write the report of a sweep and, if the sweep is paired, its answer's numbers next to it.

    Every file is written atomically. The numbers are those the report shows, in two files named
    after the report (:func:`data_files`): ``<name>.paired.parquet`` holds every pair's differences,
    ``<name>.paired-effects.csv`` the answer's table unrounded (see :class:`PairedTables`). A sweep
    without pairs gets neither, and files of an earlier report are left as they are. A file of that
    name that a report did not write is not replaced: nothing is written.

    Args:
        path: the sweep folder.
        out: the report's file (default ``path/report.html``); the numbers go beside it.
        by: the factors to group by, as for :func:`build_report`.

    Returns:
        The report's path, then the paths of the files of numbers written, if any.

    Raises:
        ReportError: the folder is not a finished sweep, ``by`` or ``out`` is wrong, a file of the
            report's names is not a report's, or a file cannot be written.
    """
    from leadsim.experiments.outputs import atomic_write_bytes, parquet_bytes

    sweep = load_sweep(path)
    target = Path(out) if out is not None else sweep.path / "report.html"
    if target.is_dir():
        raise ReportError(f"--out {target} is a folder: give a file name")
    if not target.parent.is_dir():
        raise ReportError(f"--out {target}: folder {target.parent} does not exist")
    if target.name.endswith((PAIRED_FILE, EFFECTS_FILE)):
        raise ReportError(f"--out {target}: that name is a report's own data file; give another, e.g. report.html")
    from leadsim.experiments.outputs import replaceable_page

    if not replaceable_page(target):
        raise ReportError(f"--out {target}: exists and is not a leadsim report; not replacing it")
    files = data_files(target)
    doc, _, paired = _compose(sweep, by, files=files)
    written: list[Path] = []
    if paired is not None:
        for file in files:  # checked before anything is written: a refusal leaves every file as it was
            if not _a_reports_numbers(file):
                raise ReportError(
                    f"--out {target}: {file} exists and is not a report's numbers; not replacing it "
                    "(move it, or give the report another name)"
                )
        # before the report, so that a report never names files older than itself
        contents = {
            files[0]: parquet_bytes(paired.differences, metadata=DATA_MARK),
            files[1]: paired.effects.to_csv(index=False).encode("utf-8"),
        }
        for file, data in contents.items():
            try:
                atomic_write_bytes(file, data)
            except OSError as e:
                raise ReportError(f"{file} cannot be written ({e.strerror or e})") from None
            written.append(file)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(doc, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ReportError(f"--out {target} cannot be written ({e.strerror or e})") from None
    return [target, *written]
