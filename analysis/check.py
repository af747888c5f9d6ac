"""Registers ``leadsim check``: the validation suite (brief patterns and empirical ranges) as a table."""

from __future__ import annotations

import typer

EPILOG = "Examples:  leadsim check   |   leadsim check --seeds 40   |   leadsim check --only P1,E2 --seeds 10"


def register(app: typer.Typer) -> None:
    """Add ``check`` to ``app``."""

    @app.command(epilog=EPILOG)
    def check(
        seeds: int = typer.Option(20, "--seeds", min=3, max=1000, help="Seeds per arm (patterns P5, P8 use twice)."),
        only: str = typer.Option("", "--only", help="Comma-separated checks to run, e.g. P1,E3 (default: all)."),
        workers: int = typer.Option(0, "--workers", min=0, help="Worker processes (0 = all cores)."),
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
        failed = []
        console = Console()
        for key in keys:
            with console.status(f"running {key} ..."):
                n = 2 * seeds if key in ("P5", "P8") else seeds
                result = suite[key](range(n), workers=n_workers)
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
        if failed:
            console.print(f"{len(failed)} of {len(keys)} checks failed: {', '.join(failed)}")
            raise typer.Exit(1)
        console.print(f"all {len(keys)} checks passed")
