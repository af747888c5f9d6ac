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
            help="Factor to group runs by (factorial and LHS sweeps) \\[default: the first named factor].",
            metavar="FACTOR",
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML report of a sweep (opens offline) and print its path.

    Factorial and LHS sweeps: measures around the head's departure per group and the share of the gain kept, with 95 % confidence intervals. Morris and Sobol sweeps: which settings matter. Every chart and table comes with a paragraph in plain words.
    """  # noqa: E501 - one line per paragraph: the help reflows it
    from leadsim.analysis.report import ReportError, write_report

    try:
        path = write_report(dir, out, by)
    except ReportError as e:
        raise fail(str(e)) from None
    print(path)


app.command(
    "report",
    epilog="Examples:  leadsim report runs/succession   |   "
    "leadsim report runs/succession --by head.charisma --out succession.html",
)(report)
