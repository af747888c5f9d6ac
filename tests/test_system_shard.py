"""A system cut into shards gives the one-process run with the same seed, to the last bit.

The system of these tests has every kind of tie (a federation, an executive headship that takes on a
school during the run, support, learning networks listed and generated, two per school) and every
kind of event, so that what must stay together and what crosses between shards are both exercised;
each test checks that some learning networks do span shards, or it would prove nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from leadsim.cli.core import main
from leadsim.experiments import backends, system_shards
from leadsim.experiments.system_parts import PartShard
from leadsim.sim.shard import PartitionError, _Here, local_shards, partition, run_shards, spanning, together
from leadsim.sim.system import SystemModel
from leadsim.sim.system_config import SystemScenario

#: 20 primaries and 4 secondaries (small staffs: the test is about exactness, not scale)
SYSTEM = {
    "name": "sharded",
    "years": 1,
    "seed": 5,
    "generate": {
        "primaries": 20,
        "secondaries": 4,
        "primary_teachers": 6,
        "primary_students": 48,
        "secondary_teachers": 10,
        "secondary_students": 100,
        "network_size": 4,
        "networks_per_school": 2,
    },
    "federations": [{"name": "f1", "schools": ["p001", "p002"]}],
    "executive_heads": [{"name": "e1", "home": "s001", "schools": ["p003"]}],
    "support": [{"supporter": "p004", "supported": "p005"}],
    "networks": [{"name": "west", "schools": ["p010", "p011", "s002"]}],
    "events": {
        "takeovers": [{"executive_head": "e1", "school": "p006", "week": 10}],
        "network_changes": [
            {"school": "p012", "network": "west", "action": "join", "week": 8},
            {"school": "p010", "network": "west", "action": "leave", "week": 20},
        ],
        "head_departures": [{"school": "p013", "week": 12}],
        "crises": [{"school": "s003", "week": 5}],
    },
}

#: the same events within a run of 4 weeks
EARLY = {
    "takeovers": [{"executive_head": "e1", "school": "p006", "week": 3}],
    "network_changes": [
        {"school": "p012", "network": "west", "action": "join", "week": 2},
        {"school": "p010", "network": "west", "action": "leave", "week": 3},
    ],
    "head_departures": [{"school": "p013", "week": 4}],
    "crises": [{"school": "s003", "week": 1}],
}


def scenario(**more) -> SystemScenario:
    return SystemScenario.model_validate({**SYSTEM, **more})


@pytest.mark.parametrize(
    ("k", "more"), [(2, {}), (5, {"years": 0.1, "events": EARLY})], ids=["2 shards, a year", "5 shards, 4 weeks"]
)
def test_shards_in_process_give_the_one_process_run(k: int, more: dict) -> None:
    s = scenario(**more)
    one = SystemModel(s)
    one.run()
    parts = partition(SystemModel(s, own=[]), k)
    assert len(parts) == k and spanning(one, parts) > 0  # levels did cross between shards
    run = run_shards(s, local_shards(s, parts))
    pd.testing.assert_frame_equal(run.timeseries(), one.timeseries(), check_exact=True)
    assert run.summary() == one.summary()
    # as summary.json holds them (NaN, for a measure with nothing to measure, is not equal to itself)
    assert json.dumps(run.school_results()) == json.dumps(one.school_results())
    assert run.event_log == one.event_log and run.week == one.week == s.steps
    assert one.summary()["final_system_practice_travelled"] > 0


def test_shards_that_write_their_own_parts_give_the_one_process_run_read_back(tmp_path: Path) -> None:
    """Nothing of the schools' time series reaches the driver; the parts and the system measures are the run."""
    s = scenario(years=0.1, events=EARLY)
    one = SystemModel(s)
    one.run()
    cut = partition(SystemModel(s, own=[]), 3)
    run = run_shards(s, [_Here(PartShard(s, own, None, str(tmp_path))) for own in cut])
    assert run._frames is None and len(run.parts) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"part-{min(own):06d}.parquet" for own in sorted(cut)]
    pd.testing.assert_frame_equal(run.timeseries(), one.timeseries(), check_exact=True)
    system = run.system_series()
    assert list(system["step"]) == list(range(s.steps + 1))
    assert sum(p["rows"] for p in run.parts) == len(one.timeseries())
    assert run.summary() == one.summary()


def test_a_shard_refuses_live_events_which_would_reach_only_some_shards() -> None:
    s = scenario(years=0.1, events=EARLY)
    shard = SystemModel(s, own=partition(SystemModel(s, own=[]), 2)[0])
    for ask in (
        lambda: shard.head_leaves_now("p013"),
        lambda: shard.crisis_now("s003"),
        lambda: shard.executive_takes_on("s001", "p007"),
        lambda: shard.network_change_now("p010", "west", "leave"),
    ):
        with pytest.raises(ValueError, match="live events need the one-process run"):
            ask()


def test_the_cut_keeps_tied_schools_together_balances_teachers_and_refuses_impossible_counts() -> None:
    m = SystemModel(scenario(), own=[])
    parts = partition(m, 3)
    assert sorted(i for p in parts for i in p) == list(range(24))
    shard_of = {i: s for s, p in enumerate(parts) for i in p}
    ix = m.index
    for tied in (["p001", "p002"], ["s001", "p003", "p006"], ["p004", "p005"]):  # p006: the takeover
        assert len({shard_of[ix[x]] for x in tied}) == 1, tied
    assert len(together(m)) == 24 - 1 - 2 - 1
    teachers = [int(m.sizes[p].sum()) for p in parts]
    assert max(teachers) - min(teachers) <= 10, teachers  # within one secondary's staff
    # a cut along network ties spans fewer networks than dealing schools out in turn
    dealt = [list(range(s, 24, 3)) for s in range(3)]
    assert spanning(m, parts) < spanning(m, dealt)
    for k, what in ((0, "expected 1 or more"), (25, "at most one shard per school"), (21, "only 20 groups")):
        with pytest.raises(PartitionError, match=what):
            partition(m, k)


def _write(tmp_path: Path, **more) -> str:
    path = tmp_path / "sharded.yaml"
    path.write_text(yaml.safe_dump({**SYSTEM, **more}))
    return str(path)


def test_shards_on_a_local_dask_cluster_write_the_one_process_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--shards 3`` on two cores: two Dask worker processes on 127.0.0.1, one holding two actors; a few weeks."""
    started: list[int | None] = []

    class Recorded(system_shards.DaskBackend):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            started.append(self.workers)

    monkeypatch.setattr(system_shards, "DaskBackend", Recorded)
    monkeypatch.setattr(system_shards, "_cores", lambda: 2)
    path = _write(tmp_path, years=0.1, events=EARLY)
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["system", "run", path, "--out", str(one)]) == 0
    assert main(["system", "run", path, "--shards", "3", "--scheduler", "local", "--out", str(two)]) == 0
    assert started == [2]  # no more worker processes than cores
    a, b = (pd.read_parquet(d / "timeseries.parquet") for d in (one, two))
    assert len(a) == 24 * (4 + 1)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (one / "summary.json").read_text() == (two / "summary.json").read_text()
    # each shard writes its own part: the parts joined with the system measures are the same rows
    three = tmp_path / "three"
    assert main(["system", "run", path, "--shards", "3", "--parts", "--out", str(three)]) == 0
    names = sorted(p.name for p in three.iterdir())
    assert names == ["manifest.json", "scenario.yaml", "summary.json", "system.parquet", "timeseries"]
    c = pd.read_parquet(three / "timeseries").merge(pd.read_parquet(three / "system.parquet"), on="step")
    order = {name: k for k, name in enumerate(a["school"].unique())}
    c = c.sort_values(["school", "step"], key=lambda col: col.map(order) if col.name == "school" else col)
    pd.testing.assert_frame_equal(c.reset_index(drop=True)[list(a.columns)], a, check_exact=True)
    assert (three / "summary.json").read_text() == (one / "summary.json").read_text()
    files = json.loads((three / "manifest.json").read_text())["files"]
    parts = sorted((three / "timeseries").iterdir())
    assert len(parts) == 3 and {f"timeseries/{p.name}" for p in parts} <= set(files)
    for p in parts:
        assert files[f"timeseries/{p.name}"]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
    # summary.json lists the schools in order, to sort the parts' rows by
    assert list(json.loads((three / "summary.json").read_text())["schools"]) == list(order)
    # a run of either kind replaces an earlier run of the other kind, or of its own
    assert main(["system", "run", path, "--out", str(three)]) == 0
    assert sorted(p.name for p in three.iterdir()) == [
        "manifest.json",
        "scenario.yaml",
        "summary.json",
        "timeseries.parquet",
    ]
    assert main(["system", "run", path, "--shards", "2", "--parts", "--out", str(three)]) == 0
    assert (three / "system.parquet").exists() and not (three / "timeseries.parquet").exists()


def test_an_error_on_a_shards_worker_is_one_line_with_exit_2_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """What a shard raises on its worker comes back from its actor's future as itself; it is said in one line."""

    def fails(*args: object, **kwargs: object) -> None:
        raise ValueError("boom\nsecond line")

    monkeypatch.setattr(system_shards, "run_shards", fails)
    path = _write(tmp_path, years=0.1, events=EARLY)
    for parts in ([], ["--parts"]):  # with --parts, the staging folder the shards write into goes too
        out = tmp_path / "out"
        assert main(["system", "run", path, "--shards", "2", *parts, "--out", str(out)]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "a shard failed: ValueError: boom second line" in lines[0], lines
        assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["sharded.yaml"]


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["--shards", "0"], "--shards 0: expected 1 or more shards"),
        (["--shards", "30"], "--shards 30: 30 shards for 24 schools"),
        (["--scheduler", "local"], "--scheduler: give --shards K too"),
        (["--parts"], "--parts: give --shards K too"),
        (["--shards", "2", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler tcp://127.0.0.1:1: cannot connect"),
    ],
    ids=[
        "no shards",
        "more shards than schools",
        "scheduler without shards",
        "parts without shards",
        "unreachable scheduler",
    ],
)
def test_bad_sharding_is_refused_in_one_line_with_exit_2_and_nothing_written(
    args: list[str], what: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", "0.5s")
    out = tmp_path / "out"
    assert main(["system", "run", _write(tmp_path), *args, "--out", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and what in lines[0], lines
    assert not out.exists()
