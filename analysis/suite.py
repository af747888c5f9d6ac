"""The validation suite: every check (brief patterns P1-P8, empirical ranges E1-E6), run and drawn."""

from __future__ import annotations

from pathlib import Path

#: patterns whose effects are small: they run twice the seeds (docs/validation.md)
DOUBLE_SEEDS = ("P5", "P8")


def suite() -> dict:
    """Every check by key: the brief's patterns (P1-P8), then the empirical ranges (E1-E6)."""
    from leadsim.analysis.empirical import EMPIRICAL
    from leadsim.analysis.validation import BRIEF_CHECKS

    return {**BRIEF_CHECKS, **EMPIRICAL}


def run_check(key: str, seeds: int, workers: int, base_seed: int = 0):
    """Run one check with its number of seeds; returns its :class:`~leadsim.analysis.validation.PatternResult`.

    The seeds are ``base_seed, base_seed + 1, ...``: another base seed draws other schools, to show
    that a verdict does not hang on one sample.
    """
    n = 2 * seeds if key in DOUBLE_SEEDS else seeds
    return suite()[key](range(base_seed, base_seed + n), workers=workers)


def write_figures(results: list, path: Path, seeds: int) -> Path:
    """One self-contained HTML page: each check's verdict and the figure of the data behind it.

    Written atomically, so an interrupted run leaves no half-written page.
    """
    import html

    from leadsim.experiments.outputs import atomic_write_text

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
