"""``leadsim sweep``: run an experiment on local processes or a Dask cluster.

Only typer is imported here, so ``leadsim validate`` stays fast; the runner (and Dask) are
imported when the command runs.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from leadsim.cli.core import PROG, app, fail, invocation
from rich.markup import escape

if TYPE_CHECKING:
    from leadsim.experiments.runner import SweepResult
    from rich.console import Console

EXPERIMENT_HELP = "An experiment YAML file, or the name of a bundled one (experiments/*.yaml, e.g. 'succession')."


@app.command(
    epilog="Examples:  leadsim sweep succession   |   leadsim sweep experiments/smoke.yaml --workers 2 "
    "--set replications=5   |   leadsim sweep sensitivity --scheduler tcp://10.0.0.5:8786   |   "
    "leadsim sweep --verify runs/succession",
)
def sweep(
    experiment: Annotated[str, typer.Argument(help=EXPERIMENT_HELP, show_default=False)],
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder \\[default: runs/<experiment-name>/].")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Change one field of the spec, FIELD=VALUE (VALUE is YAML), e.g. replications=5 or "
            "set.years=3; repeatable.",
            metavar="FIELD=VALUE",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Local worker processes \\[default: all cores]; 0 runs in this process."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Check the finished sweep in folder EXPERIMENT (checksums, every run, summaries.parquet); "
            "runs nothing.",
        ),
    ] = False,
) -> None:
    """Run every run of an experiment (its design points x replications) and write the results.

    Writes experiment.yaml, design.parquet, runs/ (shards, manifest) and, when all runs are done, summaries.parquet.

    Run the same command again to resume an interrupted sweep: only the missing runs are run, and
    stored runs whose files were damaged are run again.

    Exit status: 0 if every run succeeded, 1 if any failed, 130 if interrupted, 2 for a wrong spec or folder.
    With --verify: 0 if the folder is sound, 1 with one line per problem.
    """
    from leadsim.experiments.progress import ConsoleProgress
    from leadsim.experiments.runner import SpecError, SweepError
    from leadsim.experiments.runner import sweep as run_sweep

    if verify:
        if set_ or workers is not None or scheduler is not None or out is not None:
            raise fail("--verify checks a sweep folder: give only the folder")
        _verify(Path(experiment))
    progress = ConsoleProgress()
    try:
        result = run_sweep(
            experiment, out=out, overrides=list(set_ or []), workers=workers, scheduler=scheduler, listener=progress
        )
    except (SpecError, SweepError) as e:
        raise fail(str(e)) from None
    raise typer.Exit(_report(result, progress.out, shlex.join(invocation())))


def _verify(folder: Path) -> None:
    """``--verify``: one line per problem on stderr and exit 1, or one OK line and exit 0."""
    from leadsim.experiments.store import verify_sweep

    runs, problems = verify_sweep(folder)
    for line in problems:
        print(f"{PROG}: {' '.join(line.split())}", file=sys.stderr)
    if problems:
        raise typer.Exit(1)
    print(f"OK {folder}: {runs} runs, every shard matches its checksum, summaries.parquet matches the shards")
    raise typer.Exit(0)


def _report(result: SweepResult, console: Console, resume: str) -> int:
    """Print how the sweep ended; return the exit code (0 ok, 1 failed or incomplete, 130 interrupted)."""
    from leadsim.experiments.progress import clock

    def say(text: str) -> None:
        print(f"{PROG}: {' '.join(text.split())}", file=sys.stderr, flush=True)

    again = f"run the same command again: {resume}"
    saved = f"{result.done} of {result.total} runs done and saved in {result.out}/; to resume, {again}"
    if result.status == "interrupted":
        say(f"interrupted: {saved}" if result.started else "interrupted before the sweep started; nothing written")
        return 130
    if result.status == "stopped":
        say(f"sweep stopped: {result.message}; {saved}")
        return 1
    if result.status == "incomplete":
        say(f"{result.lost} of {result.total} runs not done: {result.message}; to retry them, {again}")
        return 1
    s = "s" if result.points != 1 else ""
    ran = f"{result.ran} this time on {result.where}" if result.ran else "all done before"
    console.print(
        f"[bold]{escape(result.name)}[/bold]: {result.total} runs of {result.points} design point{s} ({escape(ran)}), "
        f"{result.failed} failed, wall time {clock(result.wall)}",
        highlight=False,
    )
    if result.failed:
        console.print(
            f"{result.failed} run{'s' if result.failed != 1 else ''} failed (status 'error'):", highlight=False
        )
        for key, error in result.failures:
            console.print(f"  {key}: {error}", highlight=False, markup=False)
        if result.failed > len(result.failures):
            console.print(f"  ... and {result.failed - len(result.failures)} more", highlight=False)
    console.print(f"wrote {result.summaries}", highlight=False, markup=False)
    return 1 if result.failed else 0
