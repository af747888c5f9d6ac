"""``leadsim run | validate | scenarios | params``: one school, scenario files and the parameters."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from leadsim.cli.core import PROG, app, fail, invocation
from leadsim.sim.config import iter_parameters
from leadsim.sim.scenario import ScenarioError, bundled_scenarios, load_scenario, resolve_scenario_path
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

SCENARIO_HELP = "A scenario YAML file, or the name of a bundled scenario (see 'leadsim scenarios')."
SET_HELP = "Override one setting, KEY.PATH=VALUE (VALUE is YAML); repeatable."
#: the options every run command takes (``leadsim run``, ``leadsim system run``)
SeedOption = Annotated[int | None, typer.Option("--seed", help="Seed (shorthand for --set seed=N).")]
YearsOption = Annotated[float | None, typer.Option("--years", help="Years to run (shorthand for --set years=Y).")]
SetOption = Annotated[list[str] | None, typer.Option("--set", help=SET_HELP, metavar="KEY=VALUE")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Run directory \\[default: runs/<scenario-name>-<seed>/].")
]


def _load(scenario: str, overrides: list[str | tuple[str, str]]):
    try:
        return load_scenario(scenario, overrides)
    except ScenarioError as e:
        from leadsim.sim.system_scenario import is_system_file

        if is_system_file(scenario):  # several schools: say which command runs it
            raise fail(f"{scenario}: a system of schools; run it with '{PROG} system run {scenario}'") from None
        raise fail(str(e)) from None


# --- commands ---------------------------------------------------------------------------------


@app.command(
    epilog="Examples:  leadsim run demo --seed 3   |   "
    "leadsim run my.yaml --years 5 --set head.charisma=0.9 --set school.student_council=true --out runs/x",
)
def run(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP, show_default=False)],
    seed: SeedOption = None,
    years: YearsOption = None,
    set_: SetOption = None,
    out: OutOption = None,
) -> None:
    """Run a scenario and write timeseries.parquet, summary.json, scenario.yaml and manifest.json.

    The run directory appears only when the run is complete; an earlier run there is replaced.
    """
    cfg = _load(scenario, run_overrides(seed, years, set_))
    from leadsim.experiments.outputs import OutputError, write_run  # only when running

    out_dir = run_dir(out, cfg.name, cfg.seed)

    from leadsim.sim.model import SchoolModel  # heavy import: only when running

    err = Console(stderr=True)
    model = SchoolModel(cfg, rng=cfg.seed)
    total = cfg.steps
    try:
        if err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("weeks"),
                TimeRemainingColumn(),
            )
            with Progress(*columns, console=err, transient=True) as progress:
                task = progress.add_task(cfg.name, total=total)
                while model.week < total:
                    model.step()
                    progress.update(task, completed=model.week)
        else:
            model.run()
        written = write_run(out_dir, model, cfg, cfg.seed, invocation())
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted at week {model.week} of {total}; nothing written", file=sys.stderr)
        raise typer.Exit(130) from None
    except OutputError as e:
        raise fail(f"--out {e}") from None
    _print_summary(model, cfg, written)


def run_overrides(seed: int | None, years: float | None, set_: list[str] | None) -> list[str | tuple[str, str]]:
    """The ``--set`` overrides of a run, with ``--seed`` and ``--years`` as the settings they stand for."""
    overrides: list[str | tuple[str, str]] = list(set_ or [])
    if seed is not None:
        overrides.append((f"--seed {seed}", f"seed={seed}"))
    if years is not None:
        overrides.append((f"--years {years:g}", f"years={years!r}"))
    return overrides


def run_dir(out: Path | None, name: str, seed: int, replaceable: Sequence[str] | None = None) -> Path:
    """The run directory (default ``runs/<name>-<seed>``), refused in one line if it cannot be used.

    Writability is tried (a probe file) before the run, not discovered after minutes of simulation.
    ``replaceable``: the files an earlier run there may hold (default a single run's).
    """
    from leadsim.experiments.outputs import RUN_FILES, OutputError, check_out_dir, probe_writable

    out_dir = out if out is not None else Path("runs") / f"{_safe_name(name)}-{seed}"
    try:
        check_out_dir(out_dir, replaceable or RUN_FILES)
        probe_writable(out_dir, staged=True)
    except OutputError as e:
        raise fail(f"--out {e}") from None
    return out_dir


def _safe_name(name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name).strip("._")
    return keep or "scenario"


def _num(x: Any, fmt: str = ".3f") -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if not math.isfinite(x) else format(x, fmt)


def _print_summary(model: Any, cfg: Any, out_dir: Path) -> None:
    console = Console()
    s = model.summary()
    console.print(
        f"[bold]{escape(cfg.name)}[/bold] seed {cfg.seed}: {model.week} weeks "
        f"({model.week / cfg.school.weeks_per_year:g} years), {len(model.departures)} head departure(s), "
        f"{len(model.crises)} crisis(es)",
        highlight=False,
    )
    console.print(
        f"  final attainment {_num(s.get('final_attainment'))} SD · leadership capacity "
        f"{_num(s.get('final_leadership_capacity'))} · distribution index {_num(s.get('final_distribution_index'))} "
        f"· trust {_num(s.get('final_trust'))} · cynicism {_num(s.get('final_cynicism'))}",
        highlight=False,
    )
    succession = model.succession()
    if succession:
        table = Table(title="after each head departure", title_justify="left", box=None, pad_edge=False)
        for col in ("week", "reason", "gain before", "kept 1y", "kept 3y", "kept 5y"):
            table.add_column(col, justify="left" if col == "reason" else "right")
        for row in succession:
            table.add_row(
                str(row["week"]),
                str(row["reason"]),
                _num(row["gain_before"]),
                *(_num(row[f"kept_{k}y"], ".0%") for k in (1, 3, 5)),
            )
        console.print(table)
    console.print(f"wrote {out_dir}/", highlight=False, markup=False)


@app.command(epilog="Examples:  leadsim validate scenarios/demo.yaml   |   leadsim validate my.yaml --set years=3")
def validate(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP, show_default=False)],
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP, metavar="KEY=VALUE")] = None,
) -> None:
    """Check a scenario file without running it: prints 'OK <path>' or the one-line error."""
    _load(scenario, list(set_ or []))
    try:
        path = resolve_scenario_path(scenario)
    except ScenarioError as e:  # pragma: no cover - loading succeeded, so it resolves
        raise fail(str(e)) from None
    print(f"OK {scenario if Path(scenario).exists() else path}")


@app.command(epilog="Example:  leadsim scenarios   (then: leadsim run <name>)")
def scenarios() -> None:
    """List the bundled scenarios (scenarios/*.yaml) with their one-line descriptions."""
    found = bundled_scenarios()
    console = Console()
    if not found:
        console.print("no bundled scenarios found", highlight=False)
        return
    table = Table("name", "description", "file")
    for name, path, description in found:
        table.add_row(escape(name), escape(description), escape(_relative(path)))  # users' text, not markup
    console.print(table)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _cell(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@app.command(epilog="Examples:  leadsim params   |   leadsim params --markdown > docs/parameters.md")
def params(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a markdown table for the docs.")] = False,
) -> None:
    """List every parameter with its default, range, unit and meaning (set them with --set or in YAML)."""
    rows = iter_parameters()
    if markdown:

        def md(x: Any) -> str:
            return _cell(x).replace("|", "\\|").replace("\n", " ")

        print("| name | meaning | default | unit | range | source |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            cells = [
                f"`{r['name']}`",
                md(r["meaning"]),
                md(r["default"]),
                md(r["unit"]),
                md(r["range"]),
                md(r["source"]),
            ]
            print("| " + " | ".join(cells) + " |")
        return
    if not sys.stdout.isatty():
        # Piped or redirected: one tab-separated line per parameter, nothing cut short.
        print("name\tdefault\trange\tunit\tmeaning")
        for r in rows:
            cells = (r["name"], _cell(r["default"]), r["range"], r["unit"], r["meaning"])
            print("\t".join(" ".join(str(c).split()) for c in cells))
        return
    table = Table("default", "range", "unit", "meaning")
    table.columns.insert(0, Column("name", no_wrap=True, min_width=max(len(r["name"]) for r in rows)))
    for r in rows:
        table.add_row(
            escape(r["name"]), escape(_cell(r["default"])), escape(r["range"]), escape(r["unit"]), escape(r["meaning"])
        )
    Console().print(table)
