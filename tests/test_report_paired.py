"""The paired succession design end to end: a real (tiny) sweep with ``paired: true`` and a
'departure' factor whose 'stays' level removes the departure, then the report's headline and the
files of numbers written next to it and named after it (succession.paired.parquet and
succession.paired-effects.csv beside succession.html).

The paired differences in the report are checked against a direct computation from the sweep's
time-series shards: the same week of the school year in both runs of a pair.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from leadsim.analysis.report import build_report
from leadsim.analysis.report_measures import PAIRED, PAIRED_YEARS
from leadsim.analysis.statistics import find_pairing, mean_ci
from leadsim.cli import main
from leadsim.experiments.runner import sweep
from leadsim.experiments.spec import load_experiment, run_seed

SPEC = """\
description: Tiny paired succession study for the report tests.
scenario: charismatic-solo
set:
  years: 4
  school: {teachers: 12, students: 100, parents: 100}
  events.head_departures: [{year: 1}]
design: factorial
replications: 4
seed: 11
paired: true
keep: both
factors:
  pattern:
    solo: {head.distribution: 0.2, leadership.pattern: {solo: 1}}
    design: {head.distribution: 0.8, leadership.pattern: {solo: 0.2, design: 0.8}}
  departure:
    leaves: {}
    stays: {events.head_departures: []}
"""


@pytest.fixture(scope="module")
def paired_sweep(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("paired")
    spec = d / "paired.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    out = d / "out"
    assert sweep(spec, out=out, workers=0).status == "ok"
    return out


@pytest.fixture(scope="module")
def paired_report(paired_sweep) -> str:
    doc, _ = build_report(paired_sweep)
    return doc


def test_paired_seeds_depend_on_the_replicate_only(paired_sweep, tmp_path):
    summ = pd.read_parquet(paired_sweep / "summaries.parquet")
    assert (summ.groupby("replicate")["seed"].nunique() == 1).all()
    assert summ.groupby("point")["seed"].nunique().eq(4).all()
    assert sorted(summ["seed"].unique()) == sorted(run_seed(11, 0, r, paired=True) for r in range(4))
    # unpaired seeds are untouched: the same tree as before, by point and replicate
    unpaired = tmp_path / "unpaired.yaml"
    unpaired.write_text(SPEC.replace("paired: true\n", ""), encoding="utf-8")
    exp = load_experiment(unpaired)
    assert [s for _, _, _, s in exp.runs()] == [run_seed(11, p, r) for p in range(4) for r in range(4)]
    assert "paired" not in exp.resolved()  # nothing new written for specs that do not ask


def test_the_pairing_factor_is_found(paired_sweep):
    summ = pd.read_parquet(paired_sweep / "summaries.parquet")
    p = find_pairing(summ, ["pattern", "departure"])
    assert p is not None and p.factor == "departure" and p.stays == "stays" and p.leaves == ["leaves"]
    assert p.common_seeds


def test_the_answer_leads_the_page(paired_report):
    sections = re.findall(r'<section id="([a-z-]+)">', paired_report)
    assert sections[:2] == ["answer", "methods"]
    answer = re.search(r'<section id="answer">(.*?)</section>', paired_report, re.S).group(1)
    assert '<table class="paired"' in answer and "Download PNG" in answer
    methods = html.unescape(re.search(r'<p class="methods">(.*?)</p>', paired_report, re.S).group(1))
    assert "common random numbers" in methods and "paired with the run of the same school" in methods
    assert "model source sha256" in methods and "4 replications" in methods


def _direct_differences(d: Path) -> pd.DataFrame:
    ts = pd.concat(pd.read_parquet(f) for f in sorted((d / "runs").glob("timeseries-*.parquet")))
    summ = pd.read_parquet(d / "summaries.parquet").set_index("run_key")
    rows = []
    for key, run in ts.groupby("run_key"):
        if summ.loc[key, "departure"] != "leaves":
            continue
        run = run.set_index("step")
        partner = summ[
            (summ["departure"] == "stays")
            & (summ["pattern"] == summ.loc[key, "pattern"])
            & (summ["replicate"] == summ.loc[key, "replicate"])
        ].index[0]
        other = ts[ts["run_key"] == partner].set_index("step")
        dep = int(run.index[run["head_id"] != run["head_id"].iloc[0]].min())
        row = {"run_key": key, "pattern": summ.loc[key, "pattern"]}
        for n in (1, 3):
            end = dep + 39 * n
            row[f"attainment_{n}y"] = run.loc[end, "attainment"] - other.loc[end, "attainment"]
            year = slice(end - 38, end)
            row[f"learning_gain_{n}y"] = run.loc[year, "learning_gain"].mean() - other.loc[year, "learning_gain"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def test_paired_differences_match_a_direct_computation(paired_sweep, paired_report):
    direct = _direct_differences(paired_sweep)
    assert len(direct) == 2 * 4
    table = re.search(r'<table class="paired".*?</table>', paired_report, re.S).group(0)
    rows = re.findall(r"<tr><td>(solo|design)</td><td>(\d+)</td>(.*?)</tr>", table, re.S)
    assert [(p, n) for p, n, _ in rows] == [("solo", "4"), ("design", "4")]
    checked = 0
    for pattern, _, cells in rows:
        for col, mean, low, high in re.findall(
            r'data-column="([a-z_0-9]+)" data-n="\d+" data-missing="\d+" data-mean="([^"]+)" '
            r'data-low="([^"]+)" data-high="([^"]+)"',
            cells,
        ):
            if col not in direct.columns:
                continue
            e = mean_ci(direct.loc[direct["pattern"] == pattern, col].to_numpy(float))
            assert (float(mean), float(low), float(high)) == pytest.approx((e.mean, e.low, e.high), abs=1e-12)
            checked += 1
    assert checked == 2 * 4  # two patterns x (attainment, value added) x (1, 3 years)
    # five years after a departure at year 1 of 4 is past the end of the run: no value, not a made-up one
    assert 'data-column="attainment_5y" data-n="0"' in table
    assert np.isfinite(direct.drop(columns=["run_key", "pattern"]).to_numpy(dtype=float)).all()


def test_stays_runs_stay_out_of_the_departure_measures(paired_report):
    text = html.unescape(re.sub(r"<script\b.*?</script>", "", paired_report, flags=re.S))
    assert "16 runs are lined up" not in text and "8 runs are lined up on the week their first head left" in text
    assert "(the runs in which the head stays)" in text


def test_paired_differences_by_hand_with_dotted_factor_names():
    from leadsim.analysis.statistics import Pairing, paired_differences

    steps = np.arange(0, 5 * 39 + 1)

    def series(key: str, head_change: int | None, slope: float) -> pd.DataFrame:
        head = np.where((steps >= head_change) if head_change is not None else False, 2, 1)
        return pd.DataFrame(
            {"run_key": key, "point": 0, "step": steps, "year": steps / 39, "head_id": head,
             "attainment": slope * steps, "learning_gain": np.full(steps.size, slope)}
        )  # fmt: skip

    ts = pd.concat([series("a", 39, 0.001), series("b", None, 0.003)])
    runs = pd.DataFrame(
        {"run_key": ["a", "b"], "point": [0, 1], "replicate": [0, 0], "departure": ["leaves", "stays"],
         "events.successor.style": ["top_down", "top_down"]}
    )  # fmt: skip
    pairing = Pairing("departure", ["leaves"], "stays", True)
    out = paired_differences(
        ts, runs, pairing, ["events.successor.style"], [("attainment", "week"), ("learning_gain", "year")], (1, 3, 5)
    )
    assert out.loc[0, "stays_key"] == "b" and out.loc[0, "events.successor.style"] == "top_down"
    assert out.loc[0, "attainment_1y"] == pytest.approx(-0.002 * 78)  # week 39 + 39, both runs
    assert out.loc[0, "learning_gain_3y"] == pytest.approx(-0.002)
    assert np.isnan(out.loc[0, "attainment_5y"])  # past the end of the run
    # a series that keeps every 5th week only (timeseries_every: 5): the kept week at or before the target
    sparse = ts[ts["step"] % 5 == 0]
    out = paired_differences(
        sparse, runs, pairing, ["events.successor.style"], [("attainment", "week"), ("learning_gain", "year")], (1, 5)
    )
    assert out.loc[0, "attainment_1y"] == pytest.approx(-0.002 * 75)  # week 75, the last kept before 78
    assert out.loc[0, "learning_gain_1y"] == pytest.approx(-0.002)
    assert np.isnan(out.loc[0, "attainment_5y"])


def test_the_report_says_where_the_departing_heads_gains_were_kept(paired_sweep, paired_report):
    # After the answer and its methods: practice, ownership, capacity, distribution and routines,
    # each as the departure minus the same school in which the head stayed, three years on.
    sections = re.findall(r'<section id="([a-z-]+)">', paired_report)
    assert sections[:3] == ["answer", "methods", "left"]
    table = re.search(r'<table class="paired-left".*?</table>', paired_report, re.S).group(0)
    ts = pd.concat(pd.read_parquet(f) for f in sorted((paired_sweep / "runs").glob("timeseries-*.parquet")))
    summ = pd.read_parquet(paired_sweep / "summaries.parquet").set_index("run_key")
    checked = 0
    for pattern in ("solo", "design"):
        diffs = {c: [] for c in ("routines", "leadership_capacity", "practice_owned")}
        for key, run in ts.groupby("run_key"):
            if summ.loc[key, "departure"] != "leaves" or summ.loc[key, "pattern"] != pattern:
                continue
            run = run.set_index("step")
            stays = summ[
                (summ["departure"] == "stays")
                & (summ["pattern"] == pattern)
                & (summ["replicate"] == summ.loc[key, "replicate"])
            ].index[0]
            other = ts[ts["run_key"] == stays].set_index("step")
            end = int(run.index[run["head_id"] != run["head_id"].iloc[0]].min()) + 3 * 39
            for c in diffs:
                diffs[c].append(run.loc[end, c] - other.loc[end, c])
        row = re.search(rf"<tr><td>{pattern}</td><td>4</td>(.*?)</tr>", table, re.S).group(1)
        for c, values in diffs.items():
            mean = float(re.search(rf'data-column="{c}_3y"[^>]*data-mean="([^"]+)"', row).group(1))
            assert mean == pytest.approx(np.mean(values), abs=1e-12)
            checked += 1
    assert checked == 6
    section = html.unescape(re.search(r'<section id="left">(.*?)</section>', paired_report, re.S).group(1))
    assert "Routines: lower in" in section and "the same school in which the head stayed" in section


# --- the numbers next to the report -------------------------------------------------------------------


@pytest.fixture(scope="module")
def paired_files(paired_sweep, tmp_path_factory) -> tuple[list[str], Path]:
    """``leadsim report`` of the paired sweep into a folder of its own: what it printed, and the folder."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("paired-report")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["report", str(paired_sweep), "--out", str(out / "succession.html")]) == 0
    return printed.getvalue().splitlines(), out


def test_the_report_writes_its_numbers_next_to_it_and_prints_their_paths(paired_files):
    lines, out = paired_files
    names = ["succession.html", "succession.paired.parquet", "succession.paired-effects.csv"]
    assert lines == [str(out / name) for name in names]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    doc = html.unescape(re.sub(r"<[^>]+>", "", (out / "succession.html").read_text(encoding="utf-8")))
    note = "Every pair's differences: succession.paired.parquet; the table: succession.paired-effects.csv, next to"
    assert note in doc


def test_a_researchers_own_files_beside_the_report_are_never_written_over(paired_sweep, tmp_path, capsys):
    """``--out thesis/ch4.html`` wrote paired.parquet and paired-effects.csv into thesis/, over any files
    of those names there (another study's numbers, say). The numbers are now named after the report, and
    a file of the report's names that no report wrote is refused, before anything is written."""
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    mine = {"paired.parquet": b"another study's pairs", "paired-effects.csv": b"group,effect\na,1\n"}
    for name, data in mine.items():
        (thesis / name).write_bytes(data)
    assert main(["report", str(paired_sweep), "--out", str(thesis / "ch4.html")]) == 0
    capsys.readouterr()
    assert {name: (thesis / name).read_bytes() for name in mine} == mine
    assert len(pd.read_parquet(thesis / "ch4.paired.parquet")) == 8
    assert main(["report", str(paired_sweep), "--out", str(thesis / "ch4.html")]) == 0  # its own: replaced
    capsys.readouterr()
    # a file that has the report's names but that no report wrote
    for name in ("ch5.paired.parquet", "ch5.paired-effects.csv"):
        (thesis / name).write_bytes(b"mine")
        before = sorted(p.name for p in thesis.iterdir())
        assert main(["report", str(paired_sweep), "--out", str(thesis / "ch5.html")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert f"{thesis / name} exists and is not a report's numbers; not replacing it" in err, err
        assert sorted(p.name for p in thesis.iterdir()) == before and (thesis / name).read_bytes() == b"mine"
        (thesis / name).unlink()


def test_a_report_built_without_its_files_does_not_name_them(paired_report):
    assert "next to this report" not in paired_report and "paired.parquet" not in paired_report


def test_paired_parquet_holds_one_row_per_departure_run(paired_sweep, paired_files):
    _, out = paired_files
    pairs = pd.read_parquet(out / "succession.paired.parquet")
    summ = pd.read_parquet(paired_sweep / "summaries.parquet")
    ok = summ[summ["status"] == "ok"]
    assert len(pairs) == (ok["departure"] == "leaves").sum() == 8
    assert sorted(pairs["run_key"]) == sorted(ok.loc[ok["departure"] == "leaves", "run_key"])
    assert set(pairs["stays_key"]) <= set(ok.loc[ok["departure"] == "stays", "run_key"])
    assert list(pairs.columns[:3]) == ["run_key", "stays_key", "pattern"]
    assert all(re.fullmatch(rf".+_({'|'.join(map(str, PAIRED_YEARS))})y", c) for c in pairs.columns[3:])
    for p in PAIRED:
        for y in PAIRED_YEARS:
            assert f"{p.column}_{y}y" in pairs.columns
    # the same numbers as a direct computation from the time series, pair by pair
    direct = _direct_differences(paired_sweep).set_index("run_key").sort_index()
    mine = pairs.set_index("run_key").loc[direct.index]
    assert (mine["pattern"] == direct["pattern"]).all()
    for col in direct.columns.drop("pattern"):
        assert mine[col].to_numpy() == pytest.approx(direct[col].to_numpy(), abs=1e-12), col
    assert pairs["attainment_5y"].isna().all()  # past the end of a 4-year run: no value, not a made-up one


def test_paired_effects_csv_is_the_answers_table_unrounded(paired_files):
    _, out = paired_files
    pairs = pd.read_parquet(out / "succession.paired.parquet")
    effects = pd.read_csv(out / "succession.paired-effects.csv")
    columns = ["pattern", "pairs", "measure", "years", "mean", "ci_low", "ci_high", "n", "missing"]
    assert list(effects.columns) == columns
    assert len(effects) == 2 * len(PAIRED) * len(PAIRED_YEARS)  # two patterns
    checked = 0
    for (pattern, measure, years), row in effects.set_index(["pattern", "measure", "years"]).iterrows():
        values = pairs.loc[pairs["pattern"] == pattern, f"{measure}_{years}y"]
        assert row["n"] == values.notna().sum() and row["missing"] == values.isna().sum()
        assert row["pairs"] == len(values) == 4
        if row["n"] == 0:
            assert np.isnan(row["mean"]) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
            continue
        assert row["mean"] == pytest.approx(values.mean(), abs=1e-12)
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]
        checked += 1
    assert checked == 2 * len(PAIRED) * 2  # every measure at 1 and 3 years; none at 5
    # unrounded: the very numbers the page holds in its cells, to the last digit
    doc = (out / "succession.html").read_text(encoding="utf-8")
    table = re.search(r'<table class="paired".*?</table>', doc, re.S).group(0)
    cells = re.findall(r'data-column="([a-z_]+)_(\d)y" data-n="\d+" data-missing="\d+" data-mean="([^"]+)"', table)
    assert len(cells) == checked
    shown = [float(m) for _, _, m in cells]
    assert shown == effects.dropna(subset=["mean"])["mean"].tolist()


def test_a_sweep_of_the_departure_alone_has_one_group(tmp_path):
    # no factor left to group by once the departure is paired: one group, "all runs", in the tables
    spec = tmp_path / "alone.yaml"
    alone = SPEC.replace("replications: 4", "replications: 2").replace("years: 4", "years: 2")
    spec.write_text(re.sub(r"  pattern:\n(    .*\n)+", "", alone), encoding="utf-8")
    assert sweep(spec, out=tmp_path / "out", workers=0).status == "ok"
    assert main(["report", str(tmp_path / "out")]) == 0
    effects = pd.read_csv(tmp_path / "out" / "report.paired-effects.csv")
    assert list(effects.columns[:2]) == ["group", "pairs"] and set(effects["group"]) == {"all runs"}
    assert (effects["pairs"] == 2).all()
    assert len(pd.read_parquet(tmp_path / "out" / "report.paired.parquet")) == 2
