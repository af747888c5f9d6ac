"""The validation suites: every check (brief patterns P1-P9, empirical ranges E1-E6, networks N1-N4), run and drawn."""

from __future__ import annotations

from pathlib import Path

#: patterns whose effects are small: they run twice the seeds (docs/validation.md)
DOUBLE_SEEDS = ("P5", "P8")


#: The standing docs/validation.md records for checks the model does not pass reliably, with the
#: reason: "fails" (fails at the default 20 seeds) or "unstable" (its verdict changes with the
#: number of seeds or the base seed, so it is not passing either). A check not listed holds: it
#: passed at 20 and 40 seeds and at three base seeds. ``leadsim check --as-documented`` (CI) fails
#: when a verdict departs from this, in either direction.
STANDING: dict[str, tuple[str, str]] = {
    "P1": ("fails", "design keeps 0.32-0.46 of its gain at every sample (the check asks more than half)"),
    "P2": (
        "unstable",
        "design's capacity is clearly above default's at base 2000 and 40 seeds only (0.33-0.35 against 0.31-0.32)",
    ),
    "P3": ("fails", "the genuine successor's later gain is not clearly smaller at any sample (-0.006 to +0.002)"),
    "P4": ("fails", "the trusting school's index is at a ceiling; the distrustful school's does not clearly fall"),
    "P5": ("unstable", "the next gain is not clearly smaller at base 1000 (-0.003 [-0.012, +0.005])"),
    "P6": ("unstable", "the share left with teaching frozen is at the threshold: 18 % at base 2000, 23-24 % else"),
    "P9": (
        "fails",
        "Arden's attainment is not above its start in years 2-3 at any sample (-0.005 to +0.000 SD), and its "
        "staff are no less cynical by year 3 than under a firefighting head at three samples of four",
    ),
    "E1": ("unstable", "head turnover's interval leaves 15-22 % at 20 seeds (to 23.3-23.7 %), not at 40"),
    "E3": ("fails", "the dip is in range but the yearly gap is not 3/4 made up within 5 years"),
    "E4": (
        "fails",
        "leadership acts explain 0.02-0.07 of attainment across schools, below the 0.10 the range starts at",
    ),
    "E2": ("unstable", "turnover's interval reaches below 14 % at base 0 (14.5 % [14.0, 15.0]), not elsewhere"),
    "E5": (
        "fails",
        "the partial r's interval leaves its band of +-0.15 (to 0.16-0.22) or the raw r's reaches below 0.2 at "
        "every sample",
    ),
    "N1": ("unstable", "the weak school's gain led solo is not clearly above zero at base 0 (+0.003 [-0.010, +0.015])"),
    "N2": ("fails", "the strong school pays no less for its head's absence when it distributes by design"),
    "N4": ("fails", "no number of networks is clearly better than none (-0.001 to +0.001 SD at the best)"),
}

#: the standings a check can have (not listed: "holds")
STANDINGS = ("holds", "fails", "unstable")


def standing(key: str) -> str:
    """``holds``, ``fails`` or ``unstable``: what docs/validation.md records of the check ``key``."""
    return STANDING.get(key, ("holds", ""))[0]


def as_documented(key: str, passed: bool) -> bool:
    """Whether a verdict is the one the check's standing expects (an unstable check may go either way)."""
    kind = standing(key)
    return kind == "unstable" or passed == (kind == "holds")


#: which checks each suite of ``leadsim check --suite`` runs (``school`` is the default and CI's)
SUITES = ("school", "network", "all")


def suite(which: str = "all") -> dict:
    """Checks by key: ``school``: the brief's patterns (P1-P9), then the empirical ranges (E1-E6);
    ``network``: the patterns about leadership across schools (N1-N4, minutes each); ``all``: both."""
    from leadsim.analysis.empirical import EMPIRICAL
    from leadsim.analysis.validation import BRIEF_CHECKS
    from leadsim.analysis.validation_network import NETWORK_CHECKS

    if which not in SUITES:
        raise ValueError(f"unknown suite {which!r}; expected one of {', '.join(SUITES)}")
    school = {**BRIEF_CHECKS, **EMPIRICAL}
    return {"school": school, "network": NETWORK_CHECKS, "all": {**school, **NETWORK_CHECKS}}[which]


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
