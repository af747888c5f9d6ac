"""``leadsim report``: one self-contained HTML report of a sweep.

Only typer is imported at the top: the report's own imports (pandas, plotly, SALib) load when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from leadsim.cli.core import app, fail


def report(
    dir: Annotated[Path, typer.Argument(help="Output folder of 'leadsim sweep'.", show_default=False)],
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML file to write \\[default: DIR/report.html].", metavar="FILE")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Factors to group runs by, comma-separated, crossed (factorial and LHS sweeps), e.g. "
            "pattern,events.successor.style \\[default: the pattern and the successor's style if varied, else the "
            "first named factor].",
            metavar="FACTOR[,FACTOR...]",
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML report of a sweep (opens offline) and print its path.

    Factorial and LHS sweeps: leads with the answer (a departure against the same school in which the head stays, when the sweep pairs them; else the measures around the departure), with 95 % confidence intervals and a methods paragraph; then the measures per group and design point, charts over time and (LHS) each output against each factor. Morris and Sobol sweeps: which settings matter. Every chart downloads as PNG and SVG, every table as CSV; every chart and table comes with a paragraph in plain words.

    A sweep that pairs departures also gets, next to the report and named after it, NAME.paired.parquet (every pair's differences, one row per departure run) and NAME.paired-effects.csv (the answer's table: mean, 95 % interval and n per group, measure and year, unrounded); their paths are printed after the report's. A file of those names that a report did not write is never replaced: the command refuses, and writes nothing.
    """  # noqa: E501 - one line per paragraph: the help reflows it
    from leadsim.analysis.report import ReportError, write_report_files

    try:
        paths = write_report_files(dir, out, by)
    except ReportError as e:
        raise fail(str(e)) from None
    for path in paths:  # the report first: scripts read its path from the first line
        print(path)


app.command(
    "report",
    epilog="Examples:  leadsim report runs/succession   |   "
    "leadsim report runs/succession --by pattern,events.successor.origin --out succession.html",
)(report)
