"""Registers ``leadsim check``: the validation suite (brief patterns and empirical ranges) as a table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EPILOG = (
    "Examples:  leadsim check   |   leadsim check --seeds 40   |   leadsim check --only P1,E2 --seeds 10"
    "   |   leadsim check --figures validation.html"
)


def write_figures(results: list, path: Path, seeds: int) -> Path:
    """One self-contained HTML page: each check's verdict and the figure of the data behind it.

    Written to a temporary file and renamed, so an interrupted run leaves no half-written page.
    """
    import html

    parts = []
    first = True
    for r in results:
        verdict = "pass" if r.passed else "FAIL"
        parts.append(
            f'<section id="{r.key}"><h2>{html.escape(r.key)} {html.escape(r.name)} '
            f'<span class="{verdict.lower()}">{verdict}</span></h2>'
            f"<p><b>Source:</b> {html.escape(r.source)}. <b>Expected:</b> {html.escape(r.expected)}. "
            f"<b>Measured:</b> {html.escape(r.row()['measured'])}.</p>"
        )
        if r.figure is not None:
            js = "inline" if first else False
            parts.append(r.figure.to_html(full_html=False, include_plotlyjs=js, div_id=f"fig-{r.key}"))
            first = False
        parts.append("</section>")
    n_figures = sum(r.figure is not None for r in results)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="leadsim-figures" content="{n_figures}">'
        "<title>leadsim validation</title><style>body{font-family:system-ui,sans-serif;max-width:1100px;"
        "margin:2em auto;padding:0 1em}.pass{color:#009E73}.fail{color:#D55E00}</style></head><body>"
        f"<h1>leadsim validation ({seeds} seeds per arm)</h1>" + "".join(parts) + "</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def register(app: typer.Typer) -> None:
    """Add ``check`` to ``app``."""

    @app.command(epilog=EPILOG)
    def check(
        seeds: int = typer.Option(20, "--seeds", min=3, max=1000, help="Seeds per arm (patterns P5, P8 use twice)."),
        only: str = typer.Option("", "--only", help="Comma-separated checks to run, e.g. P1,E3 (default: all)."),
        workers: int = typer.Option(0, "--workers", min=0, help="Worker processes (0 = all cores)."),
        figures: Annotated[
            Path | None,
            typer.Option("--figures", help="Also write an HTML page with the figure behind each check here."),
        ] = None,
    ) -> None:
        """Run the validation suite and print pattern, source, expected range, measured value, pass/fail.

        Exit code 1 when any check fails.
        """
        import os

        from rich.console import Console
        from rich.table import Table

        from analysis.empirical import EMPIRICAL
        from analysis.validation import PATTERNS
        from sim.cli import _fail

        suite = {**PATTERNS, **EMPIRICAL}
        keys = [k.strip().upper() for k in only.split(",") if k.strip()] or list(suite)
        unknown = [k for k in keys if k not in suite]
        if unknown:
            raise _fail(f"--only: unknown check {unknown[0]!r}; expected some of {', '.join(suite)}")
        n_workers = workers or (os.cpu_count() or 1)
        table = Table(title=f"leadsim validation ({seeds} seeds per arm)", show_lines=True)
        for col in ("check", "source", "expected", "measured", "pass"):
            table.add_column(col, overflow="fold")
        if figures is not None and figures.exists() and figures.is_dir():
            raise _fail(f"--figures: {figures} is a folder; expected the path of an .html file to write")
        failed = []
        results = []
        console = Console()
        for key in keys:
            with console.status(f"running {key} ..."):
                n = 2 * seeds if key in ("P5", "P8") else seeds
                result = suite[key](range(n), workers=n_workers)
            results.append(result)
            row = result.row()
            table.add_row(
                row["pattern"],
                row["source"],
                row["expected"],
                row["measured"],
                "[green]pass[/]" if result.passed else "[red]FAIL[/]",
            )
            if not result.passed:
                failed.append(key)
        console.print(table)
        if figures is not None:
            console.print(f"figures: {write_figures(results, figures, seeds)}")
        if failed:
            console.print(f"{len(failed)} of {len(keys)} checks failed: {', '.join(failed)}")
            raise typer.Exit(1)
        console.print(f"all {len(keys)} checks passed")
