"""``leadsim system run | validate | scenarios | study``: systems of schools.

A system scenario (``scenarios/systems/*.yaml``) describes several schools and the ties between
them; ``leadsim system run`` writes the same four files as ``leadsim run``, with a ``school`` column
in ``timeseries.parquet``. ``leadsim system study`` runs a paired-seed experiment on a system
(``experiments/systems/*.yaml``) and writes ``summaries.parquet`` and ``report.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from leadsim.cli.core import PROG, app, fail, invocation
from leadsim.cli.run import OutOption, SeedOption, SetOption, YearsOption, run_dir, run_overrides
from leadsim.sim.scenario import ScenarioError
from rich.console import Console
from rich.table import Table

system_app = typer.Typer(
    name="system",
    help="Systems of schools: federations, executive heads, learning networks, school-to-school support.",
    no_args_is_help=True,
)
app.add_typer(system_app, name="system")

SYSTEM_HELP = "A system scenario YAML file, or the name of a bundled one (see 'leadsim system scenarios')."
SET_HELP = "Override one setting, KEY.PATH=VALUE (VALUE is YAML); repeatable."


def _load(scenario: str, overrides: list[str | tuple[str, str]]):
    from leadsim.sim.system_scenario import load_system_scenario

    try:
        return load_system_scenario(scenario, overrides)
    except ScenarioError as e:
        raise fail(str(e)) from None


@system_app.command(
    "run",
    epilog="Examples:  leadsim system run federation --seed 3 --set years=5   |   "
    "leadsim system run local-authority --shards 2   |   leadsim system run big.yaml --shards 8 "
    "--scheduler tcp://10.0.0.5:8786",
)
def run(
    scenario: Annotated[str, typer.Argument(help=SYSTEM_HELP, show_default=False)],
    seed: SeedOption = None,
    years: YearsOption = None,
    set_: SetOption = None,
    out: OutOption = None,
    shards: Annotated[
        int | None,
        typer.Option(
            "--shards",
            help="Cut the system into K shards run side by side on a Dask cluster (the same results as one process).",
            metavar="K",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="With --shards: 'local' (K worker processes on 127.0.0.1) or the address of a running Dask "
            "scheduler, e.g. tcp://10.0.0.5:8786 \\[default: local].",
        ),
    ] = None,
    parts: Annotated[
        bool,
        typer.Option(
            "--parts",
            help="With --shards: each shard writes its own schools' rows (timeseries/part-*.parquet) and the "
            "system measures go to system.parquet; only the few per-school numbers the system measures need "
            "are gathered here (a national system). On a cluster the workers must reach the output folder.",
        ),
    ] = False,
) -> None:
    """Run a system scenario: timeseries.parquet (a 'school' column), summary.json, scenario.yaml, manifest.json.

    The run directory appears only when the run is complete; an earlier run there is replaced.
    """
    if scheduler is not None and shards is None:
        raise fail("--scheduler: give --shards K too (how many shards to cut the system into)")
    if parts and shards is None:
        raise fail("--parts: give --shards K too (each shard writes its own part)")
    cfg = _load(scenario, run_overrides(seed, years, set_))
    from leadsim.experiments.outputs import OutputError
    from leadsim.experiments.system_outputs import write_system_run
    from leadsim.experiments.system_parts import SYSTEM_RUN_FILES

    out_dir = run_dir(out, cfg.name, cfg.seed, SYSTEM_RUN_FILES)
    from leadsim.sim.system import SystemModel

    cut = None if shards is None else _cut(cfg, shards)
    model: Any = SystemModel(cfg) if cut is None else None
    week = [0]  # weeks done on the shards, for the message if interrupted

    def on_dask(parts_dir: str | None) -> Any:
        from leadsim.experiments.store import SweepError
        from leadsim.experiments.system_shards import run_on_dask

        try:
            return run_on_dask(
                cfg, cut, scheduler or "local", progress=lambda w: week.__setitem__(0, w), parts_dir=parts_dir
            )
        except SweepError as e:
            raise fail(str(e) if scheduler not in (None, "local") else f"--shards {shards}: {e}") from None

    where = "" if cut is None else f" on {shards} shard{'s' if shards != 1 else ''}"
    try:
        if cut is None:
            model.run()
            written = write_system_run(out_dir, model, cfg, cfg.seed, invocation())
        elif parts:
            from leadsim.experiments.system_outputs import system_run_summary
            from leadsim.experiments.system_parts import PARTS, staged_parted_dir, write_parted_run

            # The shards write into the staging folder: the run directory appears complete or not at all.
            with staged_parted_dir(out_dir) as tmp:
                (tmp / PARTS).mkdir()
                model = on_dask(str((tmp / PARTS).absolute()))
                write_parted_run(tmp, model, system_run_summary(model, cfg, cfg.seed), cfg, cfg.seed, invocation())
            written = out_dir
            where += ", each writing its part"
        else:
            model = on_dask(None)
            written = write_system_run(out_dir, model, cfg, cfg.seed, invocation())
    except KeyboardInterrupt:
        done = week[0] if model is None else model.week
        print(f"{PROG}: interrupted at week {done} of {cfg.steps}; nothing written", file=sys.stderr)
        raise typer.Exit(130) from None
    except OutputError as e:
        raise fail(f"--out {e}") from None
    s = model.summary()
    console = Console()
    console.print(
        f"[bold]{cfg.name}[/bold] seed {cfg.seed}: {s['schools']} schools, {s['teachers']} teachers, "
        f"{s['students']} students, {model.week} weeks{where}; {s['departures']} head departure(s)",
        highlight=False,
    )
    console.print(
        f"  attainment mean {s['final_system_attainment_mean']:.3f} SD, "
        f"spread {s['final_system_attainment_spread']:.3f}, "
        f"gap {s['final_system_attainment_gap']:.3f} · practice travelled {s['final_system_practice_travelled']:.2f} "
        f"· head time away {s['final_system_head_time_away']:.0%}",
        highlight=False,
    )
    console.print(f"wrote {written}/", highlight=False)


def _cut(cfg: Any, shards: int) -> list[list[int]]:
    """``--shards``: the system cut into that many shards, or one line and exit 2."""
    from leadsim.sim.shard import PartitionError, partition
    from leadsim.sim.system import SystemModel

    try:
        return partition(SystemModel(cfg, own=[]), shards)
    except PartitionError as e:
        raise fail(f"--shards {shards}: {e}") from None


@system_app.command("validate", epilog="Example:  leadsim system validate my-system.yaml")
def validate(
    scenario: Annotated[str, typer.Argument(help=SYSTEM_HELP, show_default=False)],
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP, metavar="KEY=VALUE")] = None,
) -> None:
    """Check a system scenario, groupings included, without running it."""
    cfg = _load(scenario, list(set_ or []))
    print(f"OK {scenario} ({len(cfg.school_names())} schools)")


@system_app.command("scenarios")
def scenarios() -> None:
    """List the bundled system scenarios (scenarios/systems/*.yaml)."""
    from leadsim.sim.system_scenario import bundled_systems

    table = Table("name", "description")
    for name, _, description in bundled_systems():
        table.add_row(name, description)
    Console().print(table)


@system_app.command("study", epilog="Examples:  leadsim system study federation-succession --workers 2")
def study(
    spec: Annotated[str, typer.Argument(help="A system study YAML file or bundled name.", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", help="Output folder \\[default: runs/<study>/].")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Change one field of the study, FIELD=VALUE.", metavar="F=V")
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Local worker processes; 0: this process.")] = None,
) -> None:
    """Run a paired-seed system study (resumable); write summaries.parquet and report.md."""
    from leadsim.experiments.system_study import default_workers, load_study, run_study

    from leadsim.inputs import InputError

    try:
        parsed, scenario = load_study(spec, list(set_ or []))
    except (InputError, ScenarioError) as e:
        raise fail(str(e)) from None
    if workers is not None and workers < 0:
        raise fail("--workers: expected 0 or more")
    folder = out if out is not None else Path("runs") / parsed.name
    from leadsim.experiments.outputs import OutputError
    from leadsim.experiments.system_study import check_study_dir, study_fingerprint

    try:  # before any run: run_study checks again, as it must for callers of the library
        check_study_dir(folder, parsed, study_fingerprint(parsed, scenario))
    except OutputError as e:
        raise fail(f"--out {e}") from None
    err = Console(stderr=True)
    total = len(parsed.points()) * parsed.replications

    def progress(done: int, _total: int) -> None:
        if done % max(1, total // 10) == 0 or done == total:
            err.print(f"{parsed.name}: {done}/{total} runs", highlight=False)

    import pandas as pd
    from leadsim.analysis.system_report import study_report
    from leadsim.experiments.outputs import atomic_write_text

    n = default_workers() if workers is None else workers
    try:
        path = run_study(parsed, scenario, folder, workers=n, progress=progress)
    except OutputError as e:
        raise fail(f"--out {e}") from None
    report = study_report(pd.read_parquet(path), parsed)
    atomic_write_text(folder / "report.md", report)
    print(f"wrote {path} and {folder / 'report.md'}")
