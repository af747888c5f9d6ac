"""Registers ``leadsim check``: the validation suite (brief patterns and empirical ranges) as a table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EPILOG = (
    "Examples:  leadsim check   |   leadsim check --seeds 40   |   leadsim check --only P1,E2 --seeds 10"
    "   |   leadsim check --figures validation.html"
)


#: patterns whose effects are small: they run twice the seeds (docs/validation.md)
DOUBLE_SEEDS = ("P5", "P8")


def suite() -> dict:
    """Every check by key: the brief's patterns (P1-P8), then the empirical ranges (E1-E6)."""
    from analysis.empirical import EMPIRICAL
    from analysis.validation import PATTERNS

    return {**PATTERNS, **EMPIRICAL}


def run_check(key: str, seeds: int, workers: int):
    """Run one check with its number of seeds; returns its :class:`~analysis.validation.PatternResult`."""
    n = 2 * seeds if key in DOUBLE_SEEDS else seeds
    return suite()[key](range(n), workers=workers)


def write_figures(results: list, path: Path, seeds: int) -> Path:
    """One self-contained HTML page: each check's verdict and the figure of the data behind it.

    Written atomically, so an interrupted run leaves no half-written page.
    """
    import html

    from sim.outputs import atomic_write_text

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
    atomic_write_text(path, page)
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

        from sim.cli import _fail

        checks = suite()
        keys = [k.strip().upper() for k in only.split(",") if k.strip()] or list(checks)
        unknown = [k for k in keys if k not in checks]
        if unknown:
            raise _fail(f"--only: unknown check {unknown[0]!r}; expected some of {', '.join(checks)}")
        if figures is not None:
            # Refuse a path the page cannot go to now, not after minutes of runs.
            if figures.is_dir():
                raise _fail(f"--figures: {figures} is a folder; expected the path of an .html file to write")
            # Nothing is created yet: the nearest existing folder above must take the page.
            base = figures.absolute().parent
            while not base.exists():
                base = base.parent
            if not base.is_dir() or not os.access(base, os.W_OK):
                raise _fail(f"--figures: cannot write {figures}: {base} is not a writable folder")
        n_workers = workers or (os.cpu_count() or 1)
        table = Table(title=f"leadsim validation ({seeds} seeds per arm)", show_lines=True)
        for col in ("check", "source", "expected", "measured", "pass"):
            table.add_column(col, overflow="fold")
        failed = []
        results = []
        console = Console()
        for key in keys:
            with console.status(f"running {key} ..."):
                result = run_check(key, seeds, n_workers)
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
