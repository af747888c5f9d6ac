"""``leadsim calibrate``: fit parameters to empirical targets by ABC-SMC and write the posterior."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from leadsim.cli.core import app, fail, invocation

SPEC_HELP = "A calibration YAML file, or the name of a bundled one (e.g. 'calibrate-turnover')."


@app.command(
    epilog="Examples:  leadsim calibrate calibrate-turnover --workers 2   |   "
    "leadsim calibrate my-calibration.yaml --out runs/cal   |   "
    "leadsim calibrate calibrate-turnover --scheduler tcp://10.0.0.5:8786",
)
def calibrate(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder \\[default: runs/<calibration-name>/].")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=0, help="Local worker processes (0 = all cores, 1 = this process).")
    ] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786."),
    ] = None,
) -> None:
    """Fit the spec's parameters to its targets (E-ranges or your own data) by ABC-SMC (pyabc).

    Writes posterior.parquet, generations.parquet, calibration.html (the marginals),
    calibrated.yaml (a scenario at the posterior's centre) and summary.json, all or nothing.
    The same spec and seed give the same posterior, on any number of workers or a Dask cluster.

    Exit status: 0 when done, 2 for a wrong spec, data file or output folder, 130 if interrupted.
    """
    import contextlib
    import logging
    import os

    from leadsim.analysis.calibration import CalibrationError, calibrate, load_calibration, write_calibration
    from leadsim.experiments.outputs import OutputError, check_out_dir, probe_writable
    from rich.console import Console

    try:
        loaded = load_calibration(spec)
    except CalibrationError as e:
        raise fail(str(e)) from None
    from leadsim.analysis.calibration import OUTPUT_FILES

    out_dir = out if out is not None else Path("runs") / f"calibrate-{loaded.name}"
    try:
        check_out_dir(out_dir, OUTPUT_FILES, "calibration")
        probe_writable(out_dir, staged=True)  # by trying, before minutes of model runs (root passes os.access)
    except OutputError as e:
        raise fail(f"--out {e}") from None
    with contextlib.suppress(ImportError):  # pyabc sets its loggers' levels when imported
        import pyabc  # noqa: F401
    for name in ("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon"):  # our progress lines instead
        logging.getLogger(name).setLevel(logging.WARNING)
    console = Console(stderr=True)
    n_workers = workers or (os.cpu_count() or 1)
    where = f"Dask scheduler {scheduler}" if scheduler else f"{n_workers} local worker(s)"
    console.print(
        f"calibrating {', '.join(loaded.priors)} to {', '.join(loaded.targets)}: "
        f"{loaded.spec.generations} generations of {loaded.spec.population} on {where}",
        highlight=False,
    )

    def progress(t: int, evaluations: int) -> None:
        console.print(f"generation {t}: {evaluations} evaluations", highlight=False)

    try:
        result = calibrate(loaded, workers=n_workers, scheduler=scheduler, progress=progress)
        write_calibration(out_dir, result, invocation())
    except CalibrationError as e:
        raise fail(str(e)) from None
    except OutputError as e:
        raise fail(f"--out {e}") from None
    for k in loaded.priors:
        s = result.spread[k]
        print(
            f"{k}: centre {result.centre[k]:.4g} (sd {s['sd']:.3g}, 90 % [{s['q05']:.4g}, {s['q95']:.4g}]); "
            f"default {result.defaults[k]:.4g}"
        )
    print(f"wrote {out_dir}/ ({result.evaluations} model evaluations)")
