"""`leadsim report`: the HTML report of a sweep, from sweep folders built here in-process.

The fixture builders write the layout `leadsim sweep` writes (experiment.yaml, design.parquet,
runs/timeseries-*.parquet, runs/manifest.jsonl, summaries.parquet) from a few tiny SchoolModel
runs, so these tests do not depend on the sweep runner.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
import sys
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from leadsim.analysis.report import build_report, load_sweep, write_report
from leadsim.analysis.statistics import bootstrap_ci, mean_ci
from leadsim.cli import main
from leadsim.experiments.worker import model_hash as code_fingerprint

ROOT = Path(__file__).resolve().parents[1]

#: a tiny school whose head leaves at year 2 of 5, no random events
TINY = {
    "years": 5,
    "school": {"teachers": 12, "students": 100, "parents": 100},
    "events": {"head_exit_hazard": 0.0, "crisis_hazard": 0.0, "head_departures": [{"year": 2}]},
}
PATTERNS = {
    "solo": {"head": {"distribution": 0.2, "authenticity": 0.8}, "leadership": {"pattern": {"solo": 1.0}}},
    "design": {
        "head": {"distribution": 0.8, "authenticity": 0.9},
        "leadership": {"pattern": {"solo": 0.2, "design": 0.8}},
    },
}
CHARISMA = (0.5, 0.9)
REPLICATIONS = 4
#: the run that "failed" in the fixture sweep
FAILED = (3, 1)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def make_sweep(
    d: Path,
    description: str = "Tiny succession sweep for the report tests.",
    charisma: tuple[float, ...] = CHARISMA,
    replications: int = REPLICATIONS,
    departure: bool = True,
    design: str = "factorial",
    failed: tuple[int, int] | None = FAILED,
) -> Path:
    """A sweep of pattern x head.charisma (by default 4 replications, one failed run)."""
    from leadsim.sim.config import Scenario
    from leadsim.sim.metrics import COLUMNS
    from leadsim.sim.model import SchoolModel

    d.mkdir(parents=True, exist_ok=True)
    (d / "runs").mkdir()
    spec = {
        "description": description,
        "scenario": "charismatic-solo",
        "set": ["school.teachers=12", "school.students=100", "school.parents=100", "years=5"],
        "design": design,
        "replications": replications,
        "seed": 100,
        "keep": "timeseries",
        "factors": {"pattern": {k: v for k, v in PATTERNS.items()}, "head.charisma": list(charisma)},
    }
    (d / "experiment.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    points = [
        {"point": i, "label": f"pattern={p}, head.charisma={c:g}", "pattern": p, "head.charisma": c}
        for i, (p, c) in enumerate(product(PATTERNS, charisma))
    ]
    pd.DataFrame(points).to_parquet(d / "design.parquet", index=False)
    rows, manifest = [], []
    for pt in points:
        series = []
        for r in range(replications):
            key = f"p{pt['point']:05d}-r{r:03d}"
            seed = 100 + pt["point"] * replications + r
            design_cols = {k: pt[k] for k in ("label", "pattern", "head.charisma")}
            base = {"run_key": key, "point": pt["point"], "replicate": r, "seed": seed}
            if (pt["point"], r) == failed:
                rows.append({**base, "status": "error", "error": "RuntimeError: simulated failure", **design_cols})
                manifest.append({"run_key": key, "status": "error"})
                continue
            spec_run = _merge(_merge(TINY, PATTERNS[pt["pattern"]]), {"head": {"charisma": pt["head.charisma"]}})
            if not departure:
                spec_run["events"] = {**spec_run["events"], "head_departures": []}
            model = SchoolModel(Scenario.model_validate(spec_run), rng=seed)
            model.run()
            ts = model.timeseries()
            ts.insert(0, "replicate", r)
            ts.insert(0, "point", pt["point"])
            ts.insert(0, "run_key", key)
            series.append(ts[["run_key", "point", "replicate", *COLUMNS]])
            rows.append({**base, "status": "ok", "error": None, **design_cols, **model.summary()})
            manifest.append({"run_key": key, "status": "ok", "leadsim": "0.1.0"})
        pd.concat(series).to_parquet(d / "runs" / f"timeseries-{pt['point']:05d}.parquet", index=False)
    (d / "runs" / "manifest.jsonl").write_text("".join(json.dumps(m) + "\n" for m in manifest), encoding="utf-8")
    (d / "model.sha256").write_text(code_fingerprint() + "\n", encoding="utf-8")
    pd.DataFrame(rows).to_parquet(d / "summaries.parquet", index=False)
    return d


#: the synthetic Morris truth: output = sum of coefficient x (value scaled to 0-1 over the range)
MORRIS_FACTORS = {
    "head.charisma": ((0.0, 1.0), 5.0),
    "head.distribution": ((0.0, 1.0), -2.0),
    "work.rate": ((1.0, 2.0), 0.8),
    "teachers.cynicism": ((0.0, 0.5), 0.0),
}


def make_morris_sweep(d: Path, trajectories: int = 12, nan_point: int | None = 5) -> Path:
    """A Morris sweep whose output is a known linear function of the factors (plus a little noise)."""
    from SALib.sample import morris as morris_sample

    d.mkdir(parents=True, exist_ok=True)
    (d / "runs").mkdir()
    names = list(MORRIS_FACTORS)
    problem = {"num_vars": len(names), "names": names, "bounds": [b for b, _ in MORRIS_FACTORS.values()]}
    x = morris_sample.sample(problem, trajectories, num_levels=4, seed=7)
    spec = {
        "description": "Synthetic Morris screening with a known ranking.",
        "scenario": "demo",
        "design": "morris",
        "replications": 2,
        "seed": 5,
        "keep": "summaries",
        "samples": trajectories,
        "levels": 4,
        "outputs": ["succession_kept_3y", "final_attainment", "no_such_output"],
        "factors": {n: {"low": b[0], "high": b[1]} for n, (b, _) in MORRIS_FACTORS.items()},
    }
    (d / "experiment.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    design = pd.DataFrame(x, columns=names)
    design.insert(0, "label", [f"point {i}" for i in range(len(x))])
    design.insert(0, "point", np.arange(len(x)))
    design.to_parquet(d / "design.parquet", index=False)
    rng = np.random.default_rng(3)
    rows = []
    for i, row in enumerate(x):
        truth = sum(c * (v - b[0]) / (b[1] - b[0]) for v, (b, c) in zip(row, MORRIS_FACTORS.values(), strict=True))
        for r in range(2):
            y = truth + rng.normal(0, 0.01)
            rows.append(
                {
                    "run_key": f"p{i:05d}-r{r:03d}",
                    "point": i,
                    "replicate": r,
                    "seed": 5 + 2 * i + r,
                    "status": "ok",
                    "error": None,
                    "label": f"point {i}",
                    **dict(zip(names, row, strict=True)),
                    "succession_kept_3y": float("nan") if i == nan_point else y,
                    "final_attainment": -y,
                    "departures": 1,
                }
            )
    pd.DataFrame(rows).to_parquet(d / "summaries.parquet", index=False)
    return d


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("sweep") / "succession")


@pytest.fixture(scope="session")
def report_html(sweep_dir) -> str:
    path = write_report(sweep_dir)
    return path.read_text(encoding="utf-8")


def _visible(doc: str) -> str:
    """The report without its scripts: what the reader sees as text."""
    return re.sub(r"<script\b.*?</script>", "", doc, flags=re.S | re.I)


def _cells(doc: str, table_class: str) -> list[dict[str, str]]:
    table = re.search(rf'<table class="{table_class}".*?</table>', doc, flags=re.S).group(0)
    out = []
    for m in re.finditer(r"<td ([^>]*data-column[^>]*)>(.*?)</td>", table, flags=re.S):
        attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', m.group(1)))
        attrs["text"] = html.unescape(re.sub(r"<[^>]+>", " ", m.group(2)))
        out.append(attrs)
    return out


def test_report_has_figures_tables_and_paragraphs(report_html):
    doc = report_html
    assert doc.startswith("<!DOCTYPE html>")
    n = int(re.search(r'<meta name="leadsim-figures" content="(\d+)"', doc).group(1))
    assert n == 6  # attainment, value added, leadership capacity, trust, cynicism, routines around the departure
    assert len(re.findall(r'class="plotly-graph-div"', doc)) == n
    for title in ("Attainment", "Value added", "Leadership capacity", "Trust", "Cynicism", "Routines"):
        assert f"<h3>{title}</h3>" in doc
    assert '<table class="by-group"' in doc and '<table class="by-point"' in doc
    # a paragraph under every figure and every table (by group, share kept, by point)
    assert doc.count("<p class='explain'>") == 6
    assert doc.count('<p class="explain">') == 3
    text = html.unescape(_visible(doc))
    assert "Tiny succession sweep for the report tests." in text
    assert "16 runs: 15 finished, 1 failed" in text
    assert "simulated failure" in text and "p00003-r001" in text
    assert "16 distinct, listed in summaries.parquet" in text
    # the sentences are written from the numbers: absolute measures, not shares, carry the story
    assert re.search(r"Attainment three years after the departure was below its level just before by −?\d", text)
    assert "The deepest drop was largest in schools where the head led alone" in text
    assert "the median was" in text and "just before the departure" in text
    assert "Why attainment saw-tooths" in text


def test_header_names_the_leadsim_and_model_that_made_the_runs(sweep_dir, report_html):
    from leadsim.sim import __version__

    sha = code_fingerprint()
    header = html.unescape(re.search(r"<header>(.*?)</header>", report_html, re.S).group(1))
    assert f"Runs made with leadsim 0.1.0 (model sha256 {sha[:12]})" in header  # the manifest's version
    assert f"report made with leadsim {__version__}" in header
    methods = html.unescape(re.search(r'<p class="methods">(.*?)</p>', report_html, re.S).group(1))
    assert f"leadsim 0.1.0 (model source sha256 {sha})" in methods


def test_header_says_when_another_model_made_the_runs(sweep_dir, tmp_path):
    import shutil

    d = tmp_path / "other-model"
    shutil.copytree(sweep_dir, d, ignore=shutil.ignore_patterns("report.html"))
    (d / "model.sha256").write_text("ab" * 32 + "\n", encoding="utf-8")
    lines = (d / "runs" / "manifest.jsonl").read_text(encoding="utf-8").replace('"leadsim": "0.1.0"', '"x": 1')
    (d / "runs" / "manifest.jsonl").write_text(lines, encoding="utf-8")
    doc, _ = build_report(d)
    header = html.unescape(re.search(r"<header>(.*?)</header>", doc, re.S).group(1))
    assert "model sha256 abababababab, a leadsim version the sweep did not record: not the model of this" in header
    (d / "model.sha256").write_text(code_fingerprint() + "\n", encoding="utf-8")
    doc, _ = build_report(d)
    assert "the same model source as this leadsim" in html.unescape(doc)
    (d / "model.sha256").unlink()
    doc, _ = build_report(d)
    assert "a model the sweep did not record (the folder has no model.sha256)" in html.unescape(doc)


def test_report_has_no_missing_numbers_as_text(report_html):
    text = html.unescape(_visible(report_html))
    assert not re.search(r"\bnan\b|\binf\b|nan ?%", text, flags=re.I), re.findall(r".{40}\bnan\b.{20}", text)
    assert "None" not in text


def test_report_is_self_contained(report_html):
    doc = report_html
    assert not re.search(r"<script[^>]*\bsrc\s*=", doc, flags=re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", doc, flags=re.I)
    assert not re.search(r"<img[^>]*\bsrc\s*=\s*[\"']?https?:", doc, flags=re.I)
    assert "Plotly.newPlot" in doc and "plotly.js v" in doc  # plotly.js is inlined


def test_ci_in_tables_match_a_direct_bootstrap(sweep_dir, report_html):
    summ = pd.read_parquet(sweep_dir / "summaries.parquet")
    ok = summ[(summ["status"] == "ok") & (summ["departures"] > 0)]
    cells = _cells(report_html, "by-group")
    assert len(cells) == 2 * 7  # two patterns x seven measures
    checked = 0
    for i, group in enumerate(("solo", "design")):
        for cell in cells[7 * i : 7 * i + 7]:
            col = cell["column"]
            x = ok.loc[ok["pattern"] == group, col].to_numpy(dtype=float)
            keep = x[~np.isnan(x)]
            assert int(cell["n"]) == keep.size and int(cell["missing"]) == x.size - keep.size
            if keep.size == 0:
                assert "mean" not in cell and "no value" in cell["text"]
                continue
            lo, hi = bootstrap_ci(keep)
            assert float(cell["mean"]) == pytest.approx(keep.mean(), abs=1e-12)
            assert float(cell["low"]) == pytest.approx(lo, abs=1e-12)
            assert float(cell["high"]) == pytest.approx(hi, abs=1e-12)
            # shown to the precision the interval supports: 2-3 significant digits, never six decimals
            shown = cell["text"].split()[0].replace("−", "-")
            scale = 100 if col == "succession_capacity_kept_3y" else 1
            decimals = len(shown.partition(".")[2])
            assert decimals <= 4 and len(shown.lstrip("-0.").replace(".", "")) <= 3, shown
            assert float(shown) == pytest.approx(scale * keep.mean(), abs=0.51 * 10**-decimals)
            checked += 1
    assert checked >= 10
    # the per-point table: one row per design point
    pcells = _cells(report_html, "by-point")
    assert len(pcells) == 4 * 7
    x = ok.loc[ok["point"] == 0, "succession_capacity_kept_3y"].to_numpy(dtype=float)
    e = mean_ci(x)
    first = next(c for c in pcells if c["column"] == "succession_capacity_kept_3y")
    assert (float(first["low"]), float(first["high"])) == pytest.approx((e.low, e.high), abs=1e-12)


def test_grouping_by_another_factor(sweep_dir, tmp_path):
    out = write_report(sweep_dir, tmp_path / "by-charisma.html", by="head.charisma")
    doc = out.read_text(encoding="utf-8")
    assert "group the runs by <b>head.charisma</b>" in doc
    assert "schools with head.charisma = 0.9" in html.unescape(doc)
    assert len(_cells(doc, "by-group")) == 2 * 7


def test_grouping_by_two_factors_crossed(sweep_dir):
    doc, _ = build_report(sweep_dir, by="pattern,head.charisma")
    text = html.unescape(_visible(doc))
    assert "group the runs by <b>pattern × head.charisma</b>" in html.unescape(doc)
    rows = re.findall(r"<tr><td>(solo|design)</td><td>(0.5|0.9)</td><td>(\d+)</td>", doc)
    assert {(a, b) for a, b, _ in rows} == {("solo", "0.5"), ("solo", "0.9"), ("design", "0.5"), ("design", "0.9")}
    assert len(_cells(doc, "by-group")) == 4 * 7
    assert "schools where the head led alone, with head.charisma = 0.9" in text
    with pytest.raises(Exception, match="names a factor twice"):
        build_report(sweep_dir, by="pattern,pattern")


def test_outputs_choose_what_a_factorial_report_is_about(sweep_dir, tmp_path):
    import shutil

    d = tmp_path / "outputs"
    shutil.copytree(sweep_dir, d, ignore=shutil.ignore_patterns("report.html"))
    spec = yaml.safe_load((d / "experiment.yaml").read_text(encoding="utf-8"))
    spec["outputs"] = ["succession_deepest_drop", "final_trust", "not_a_column"]
    (d / "experiment.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    doc, _ = build_report(d)
    assert [c["column"] for c in _cells(doc, "by-group")[:2]] == ["succession_deepest_drop", "final_trust"]
    assert len(_cells(doc, "by-group")) == 2 * 2
    assert "'not_a_column' listed in experiment.yaml is not a measure" in html.unescape(doc)
    assert '<table class="share-kept"' not in doc  # not asked for


def test_share_kept_only_where_the_gain_is_clearly_above_noise(report_html, sweep_dir):
    from leadsim.analysis.statistics import CLEAR_GAIN

    summ = pd.read_parquet(sweep_dir / "summaries.parquet")
    ok = summ[(summ["status"] == "ok") & (summ["departures"] > 0)]
    cells = _cells(report_html, "share-kept")
    for group in ("solo", "design"):
        gain = mean_ci(ok.loc[ok["pattern"] == group, "succession_gain_before"].to_numpy(float))
        kept = [c for c in cells if c["column"] == "succession_kept_1y"][("solo", "design").index(group)]
        if gain.low > CLEAR_GAIN:
            assert "mean" in kept or "defined in only" in kept["text"]
        else:
            assert kept.get("hidden") == "1" and "too close to noise" in kept["text"]
    text = html.unescape(_visible(report_html))
    assert not re.search(r"highest[^.]*kept|kept[^.]*highest", text)  # a ratio is never "the highest point"


def test_every_figure_and_table_downloads(report_html):
    from urllib.parse import unquote

    figures = int(re.search(r'<meta name="leadsim-figures" content="(\d+)"', report_html).group(1))
    for fmt in ("png", "svg"):
        assert len(re.findall(rf'data-format="{fmt}" onclick="Plotly.downloadImage', report_html)) == figures
    tables = re.findall(r"<table class=\"([a-z-]+)\"", report_html)
    links = re.findall(r'<a class="csv" download="([^"]+)" href="data:text/csv;charset=utf-8,([^"]*)"', report_html)
    assert {n for n, _ in links} >= {f"{t}.csv" for t in tables}
    csv = dict(links)["by-group.csv"]
    frame = pd.read_csv(io.StringIO(unquote(csv)))
    cells = _cells(report_html, "by-group")
    assert len(frame) == len(cells) and frame["mean"].notna().sum() == sum(1 for c in cells if "mean" in c)
    first = next(c for c in cells if "mean" in c)
    row = frame[(frame["pattern"] == "solo") & (frame["measure"] == first["column"])].iloc[0]
    assert row["mean"] == pytest.approx(float(first["mean"]), abs=1e-12)
    assert row["ci_low"] == pytest.approx(float(first["low"]), abs=1e-12)


def test_lhs_without_departures_groups_into_thirds(tmp_path):
    values = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    d = make_sweep(tmp_path / "lhs", "No departures", values, replications=1, departure=False, design="lhs")
    doc, figures = build_report(d, by="head.charisma")
    text = html.unescape(_visible(doc))
    assert figures == 6 + 6  # six measures over time, and each of six outputs against the factor
    assert doc.count('<section id="scatter">') == 1
    assert "<h3>Trust at the end <code>final_trust</code></h3>" in doc
    assert "<h3>Routines at the end <code>final_routines</code></h3>" in doc
    assert "No head left in these runs" in text and "Where the runs ended, by head.charisma" in text
    for third in ("low head.charisma", "middle head.charisma", "high head.charisma"):
        assert third in text
    assert len(_cells(doc, "by-group")) == 3 * 6  # three thirds x six final measures
    assert len(_cells(doc, "by-point")) == 18 * 6
    assert not re.search(r"\bnan\b|nan ?%", text, flags=re.I)


def test_sweep_without_time_series(sweep_dir, tmp_path):
    import shutil

    d = tmp_path / "summaries-only"
    shutil.copytree(sweep_dir, d, ignore=shutil.ignore_patterns("timeseries-*", "report.html"))
    doc, figures = build_report(d)
    assert figures == 0
    assert "kept no time series" in doc
    assert len(_cells(doc, "by-group")) == 2 * 7


def test_morris_ranking_matches_the_truth(tmp_path):
    d = make_morris_sweep(tmp_path / "morris")
    doc, figures = build_report(d)
    assert figures == 2  # succession_kept_3y and final_attainment
    for output in ("succession_kept_3y", "final_attainment"):
        table = re.search(rf'<table class="sensitivity" data-output="{output}".*?</table>', doc, re.S).group(0)
        ranked = re.findall(r'data-parameter="([^"]+)" data-rank="(\d+)" data-mu-star="([^"]+)"', table)
        order = [p for p, _, _ in sorted(ranked, key=lambda t: int(t[1]))]
        truth = sorted(MORRIS_FACTORS, key=lambda k: -abs(MORRIS_FACTORS[k][1]))
        assert order == truth
        mu_star = {p: float(v) for p, _, v in ranked}
        for p, (_, coef) in MORRIS_FACTORS.items():
            assert mu_star[p] == pytest.approx(abs(coef), abs=0.05)
    text = html.unescape(_visible(doc))
    assert "depends most on head.charisma" in text
    assert "Raising head.distribution lowers it" in text
    assert "Hardly anything changes with teachers.cynicism" in text
    assert "1 of 12 trajectories were left out" in text  # the point without a value
    assert "'no_such_output'" in text
    assert not re.search(r"\bnan\b|nan ?%", text, flags=re.I)


def test_sobol_report(tmp_path):
    from SALib.sample import sobol as sobol_sample

    d = tmp_path / "sobol"
    (d / "runs").mkdir(parents=True)
    names = ["a", "b", "c"]
    x = sobol_sample.sample({"num_vars": 3, "names": names, "bounds": [[0, 1]] * 3}, 64, seed=2)
    y = 4 * x[:, 0] + x[:, 1] + 0 * x[:, 2]
    spec = {"description": "Sobol", "design": "sobol", "replications": 1, "seed": 1, "outputs": ["final_attainment"]}
    (d / "experiment.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    design = pd.DataFrame(x, columns=names)
    design.insert(0, "point", np.arange(len(x)))
    design.to_parquet(d / "design.parquet", index=False)
    summ = design.assign(run_key=[f"r{i}" for i in range(len(x))], replicate=0, status="ok", final_attainment=y)
    summ.to_parquet(d / "summaries.parquet", index=False)
    doc, figures = build_report(d)
    assert figures == 1
    ranks = re.findall(r'data-parameter="([^"]+)" data-rank="(\d+)"', doc)
    assert [p for p, _ in sorted(ranks, key=lambda t: int(t[1]))] == ["a", "b", "c"]
    assert "varies most with a" in html.unescape(doc)
    methods = html.unescape(re.search(r'<p class="methods">(.*?)</p>', doc, re.S).group(1))
    assert "The sobol design varied a (" in methods and "Sobol indices (Saltelli sampling) were computed" in methods
    assert "Measures per run: attainment at the end (final_attainment)" in methods


# --- the command line ------------------------------------------------------------------------------


def test_command_writes_and_prints_the_path(sweep_dir, tmp_path, capsys):
    out = tmp_path / "r.html"
    # an earlier report's numbers: a sweep without pairs writes none, and removes none
    (tmp_path / "paired.parquet").write_bytes(b"earlier")
    assert main(["report", str(sweep_dir), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.is_file() and out.stat().st_size > 1_000_000
    assert not list(tmp_path.glob(".*.tmp"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paired.parquet", "r.html"]
    assert (tmp_path / "paired.parquet").read_bytes() == b"earlier"


def test_a_sweep_without_pairs_gets_no_paired_files(sweep_dir, report_html):
    assert '<table class="paired"' not in report_html
    assert not list(sweep_dir.glob("*paired*"))
    assert "paired-effects.csv" not in report_html


def _bad_inputs(tmp: Path, sweep: Path) -> dict[str, tuple[list[str], str]]:
    empty = tmp / "empty"
    empty.mkdir()
    only_summ = tmp / "only-summaries"
    only_summ.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(only_summ / "summaries.parquet")
    wrong = tmp / "wrong-columns"
    wrong.mkdir()
    (wrong / "experiment.yaml").write_text("design: factorial\n", encoding="utf-8")
    pd.DataFrame({"point": [0]}).to_parquet(wrong / "design.parquet")
    pd.DataFrame({"x": [1]}).to_parquet(wrong / "summaries.parquet")
    corrupt = tmp / "corrupt"
    corrupt.mkdir()
    (corrupt / "experiment.yaml").write_text("design: factorial\n", encoding="utf-8")
    pd.DataFrame({"point": [0]}).to_parquet(corrupt / "design.parquet")
    (corrupt / "summaries.parquet").write_bytes(b"PAR1 this is not parquet")
    fifo = tmp / "fifo"  # experiment.yaml is read by the bounded reader: a pipe must not hang the report
    fifo.mkdir()
    pd.DataFrame({"point": [0]}).to_parquet(fifo / "design.parquet")
    pd.DataFrame({"run_key": ["a"], "point": [0], "status": ["ok"]}).to_parquet(fifo / "summaries.parquet")
    os.mkfifo(fifo / "experiment.yaml")
    bomb = tmp / "bomb"
    bomb.mkdir()
    pd.DataFrame({"point": [0]}).to_parquet(bomb / "design.parquet")
    pd.DataFrame({"run_key": ["a"], "point": [0], "status": ["ok"]}).to_parquet(bomb / "summaries.parquet")
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"{c}: &{c} [{', '.join(['*' + p] * 10)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    (bomb / "experiment.yaml").write_text("\n".join(levels) + "\n", encoding="utf-8")
    a_file = tmp / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    return {
        "missing": ([str(tmp / "nope")], "no such folder"),
        "file": ([str(a_file)], "is not a folder"),
        "empty": ([str(empty)], "no summaries.parquet"),
        "no spec": ([str(only_summ)], "no experiment.yaml"),
        "wrong columns": ([str(wrong)], "not a sweep's summaries"),
        "corrupt": ([str(corrupt)], "cannot be read as Parquet"),
        "experiment.yaml a pipe": ([str(fifo)], "experiment.yaml: not a regular file"),
        "experiment.yaml an alias bomb": ([str(bomb)], "experiment.yaml"),
        "bad --by": ([str(sweep), "--by", "head.charsma"], "not a factor of this sweep"),
        "--out folder missing": ([str(sweep), "--out", str(tmp / "no" / "r.html")], "does not exist"),
        "--out is a folder": ([str(sweep), "--out", str(tmp)], "is a folder"),
        "--out named as a data file": ([str(sweep), "--out", str(tmp / "paired.parquet")], "own data file"),
        "--out named as a report's data file": ([str(sweep), "--out", str(tmp / "r.paired-effects.csv")], "data file"),
        "--by on a morris sweep": ([str(make_morris_sweep(tmp / "morris")), "--by", "head.charisma"], "--by applies"),
    }


def test_bad_inputs_exit_2_with_one_line(sweep_dir, tmp_path, capsys):
    before = sorted(p.name for p in sweep_dir.iterdir())
    for name, (args, words) in _bad_inputs(tmp_path, sweep_dir).items():
        assert main(["report", *args]) == 2, name
        cap = capsys.readouterr()
        lines = cap.err.strip().splitlines()
        assert len(lines) == 1, (name, cap.err)
        assert lines[0].startswith("leadsim: error: ") and words in lines[0], (name, lines[0])
        assert cap.out == ""
    assert sorted(p.name for p in sweep_dir.iterdir()) == before
    assert not list(tmp_path.rglob("*.html"))


def test_bad_input_in_a_real_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "leadsim.cli", "report", str(tmp_path / "nope")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("leadsim: error: ")


def test_load_sweep_reads_factors(sweep_dir):
    sweep = load_sweep(sweep_dir)
    assert sweep.factors == ["pattern", "head.charisma"]
    assert sweep.kind == "factorial"
    assert len(sweep.ok) == 15 and len(sweep.failed) == 1
