"""The ``leadsim`` command line: run, validate and list scenarios, and document parameters.

Every user mistake ends with one line on stderr, ``leadsim: error: <what is wrong>``, exit code 2,
no traceback and nothing written.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sim.config import iter_parameters
from sim.scenario import ScenarioError, bundled_scenarios, load_scenario, resolve_scenario_path

__all__ = ["app", "main"]


def _click_errors() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    """(NoArgsIsHelpError, UsageError, ClickException, Abort) of the click typer uses (recent typers vendor it)."""
    modules = []
    try:
        from typer._click import exceptions as vendored

        modules.append(vendored)
    except ImportError:  # pragma: no cover - older typer uses click itself
        pass
    try:
        from click import exceptions as upstream

        modules.append(upstream)
    except ImportError:  # pragma: no cover
        pass
    names = ("NoArgsIsHelpError", "UsageError", "ClickException", "Abort")
    found = [tuple(getattr(m, n) for m in modules if hasattr(m, n)) for n in names]
    return found[0], found[1], found[2], (*found[3], typer.Abort)


_NO_ARGS, _USAGE, _CLICK, _ABORT = _click_errors()

PROG = "leadsim"
#: exit code of every user error (as for click's usage errors)
USAGE_ERROR = 2

SCENARIO_HELP = "A scenario YAML file, or the name of a bundled scenario (see 'leadsim scenarios')."
#: the arguments of the current invocation, for the run manifest
_argv: list[str] = []

SET_HELP = "Override one setting, KEY.PATH=VALUE (VALUE is YAML); repeatable."


class _App(typer.Typer):
    """A Typer app whose errors are one line on stderr (see :func:`main`)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:  # called like a click command (e.g. by tests): behave as Typer does
            return super().__call__(*args, **kwargs)
        sys.exit(main())


app = _App(
    name=PROG,
    help="Agent-based simulation of leadership patterns in schools (solo, by design, by default, by desperation).\n\n"
    "Example: leadsim run demo --seed 3 --set head.charisma=0.9",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _fail(message: str) -> typer.Exit:
    """Print the one-line error and return the exit to raise."""
    line = " ".join(str(message).split())
    print(f"{PROG}: error: {line}", file=sys.stderr, flush=True)
    return typer.Exit(USAGE_ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    _argv[:] = args
    try:
        rv = command.main(args=args, prog_name=PROG, standalone_mode=False)
    except _NO_ARGS as e:  # the help has been shown already (rich prints it as it is made)
        text = e.format_message()
        if text.strip():
            print(text)
        return 0
    except _USAGE as e:
        ctx = getattr(e, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _fail(e.format_message() + hint)
        return USAGE_ERROR
    except _CLICK as e:
        _fail(e.format_message())
        return USAGE_ERROR
    except _ABORT:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        _argv.clear()
    return rv if isinstance(rv, int) else 0


def _load(scenario: str, overrides: list[str | tuple[str, str]]):
    try:
        return load_scenario(scenario, overrides)
    except ScenarioError as e:
        raise _fail(str(e)) from None


# --- commands ---------------------------------------------------------------------------------


@app.command(
    epilog="Examples:  leadsim run demo --seed 3   |   "
    "leadsim run my.yaml --years 5 --set head.charisma=0.9 --set school.student_council=true --out runs/x",
)
def run(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP, show_default=False)],
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (shorthand for --set seed=N).")] = None,
    years: Annotated[float | None, typer.Option("--years", help="Years to run (shorthand for --set years=Y).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP, metavar="KEY=VALUE")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Run directory \\[default: runs/<scenario-name>-<seed>/].")
    ] = None,
) -> None:
    """Run a scenario and write timeseries.parquet, summary.json, scenario.yaml and manifest.json.

    The run directory appears only when the run is complete; an earlier run there is replaced.
    """
    overrides: list[str | tuple[str, str]] = list(set_ or [])
    if seed is not None:
        overrides.append((f"--seed {seed}", f"seed={seed}"))
    if years is not None:
        overrides.append((f"--years {years:g}", f"years={years!r}"))
    cfg = _load(scenario, overrides)
    from sim.outputs import OutputError, check_out_dir, write_run  # only when running

    out_dir = out if out is not None else Path("runs") / f"{_safe_name(cfg.name)}-{cfg.seed}"
    try:
        check_out_dir(out_dir)
    except OutputError as e:
        raise _fail(f"--out {e}") from None

    from sim.model import SchoolModel  # heavy import: only when running

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
        written = write_run(out_dir, model, cfg, cfg.seed, [PROG, *(_argv or sys.argv[1:])])
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted at week {model.week} of {total}; nothing written", file=sys.stderr)
        raise typer.Exit(130) from None
    except OutputError as e:
        raise _fail(f"--out {e}") from None
    _print_summary(model, cfg, written)


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
        f"[bold]{cfg.name}[/bold] seed {cfg.seed}: {model.week} weeks ({model.week / cfg.school.weeks_per_year:g} "
        f"years), {len(model.departures)} head departure(s), {len(model.crises)} crisis(es)",
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
    console.print(f"wrote {out_dir}/", highlight=False)


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
        raise _fail(str(e)) from None
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
        table.add_row(name, description, _relative(path))
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
    table = Table("name", "default", "range", "unit", "meaning")
    for r in rows:
        table.add_row(r["name"], _cell(r["default"]), r["range"], r["unit"], r["meaning"])
    Console().print(table)


def _register_commands() -> None:
    """Commands that live with their subject add themselves: the sweep runner with the experiments,
    reports and validation checks with the analysis, the trainers' page with the app.

    Each ``register`` module imports only typer at the top, so ``leadsim validate`` stays fast.
    """
    from analysis.check import register as check_commands
    from analysis.commands import register as report_commands
    from experiments.commands import register as sweep_commands
    from sim.serve import register as serve_commands

    for register in (sweep_commands, report_commands, check_commands, serve_commands):
        register(app)


_register_commands()
