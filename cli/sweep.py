"""``leadsim sweep``: run an experiment on local processes or a Dask cluster.

Only typer is imported here, so ``leadsim validate`` stays fast; the runner (and Dask) are
imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from leadsim.cli.core import app, fail, invocation

EXPERIMENT_HELP = "An experiment YAML file, or the name of a bundled one (experiments/*.yaml, e.g. 'succession')."


@app.command(
    epilog="Examples:  leadsim sweep succession   |   leadsim sweep experiments/smoke.yaml --workers 2 "
    "--set replications=5   |   leadsim sweep sensitivity --scheduler tcp://10.0.0.5:8786",
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
) -> None:
    """Run every run of an experiment (its design points x replications) and write the results.

    Writes experiment.yaml, design.parquet, runs/ (shards, manifest) and, when all runs are done, summaries.parquet.

    Run the same command again to resume an interrupted sweep: only the missing runs are run.

    Exit status: 0 if every run succeeded, 1 if any failed, 130 if interrupted, 2 for a wrong spec or folder.
    """
    from leadsim.experiments.runner import SweepError
    from leadsim.experiments.runner import sweep as run_sweep
    from leadsim.experiments.spec import SpecError

    try:
        code = run_sweep(
            experiment,
            out=out,
            overrides=list(set_ or []),
            workers=workers,
            scheduler=scheduler,
            command=invocation(),
        )
    except (SpecError, SweepError) as e:
        raise fail(str(e)) from None
    raise typer.Exit(code)
