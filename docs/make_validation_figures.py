"""Regenerate the validation figures in docs/img/validation/ (a development task, not part of a run).

    .venv/bin/python docs/make_validation_figures.py [--seeds 20] [--keys P4,E3]

Runs every check of ``leadsim check`` (as CI does, 20 seeds per arm by default), writes the
page of figures (``leadsim check --figures``) to a temporary folder, opens it in headless
Chromium (the system's /usr/bin/chromium, driven by Playwright) and saves each figure as a PNG
named after its check.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from leadsim.analysis.chromium import ARGS, CHROMIUM
from leadsim.analysis.suite import run_check, suite, write_figures

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img" / "validation"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--suite", default="school", help="school (P1-P9, E1-E6), network (N1-N4) or all")
    parser.add_argument("--keys", default="", help="only these checks of the suite, comma-separated (e.g. P4,E3)")
    args = parser.parse_args()
    keys = [k for k in suite(args.suite) if not args.keys or k in args.keys.split(",")]
    workers = os.cpu_count() or 1
    results = []
    for key in keys:
        results.append(run_check(key, args.seeds, workers))
        print(f"{key}: {'pass' if results[-1].passed else 'FAIL'}  {results[-1].row()['measured']}")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page_path = write_figures(results, Path(tmp) / "validation.html", args.seeds)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.goto(page_path.as_uri(), wait_until="load")
            for r in results:
                if r.figure is None:
                    continue
                div = page.locator(f"#fig-{r.key}")
                div.locator(".main-svg").first.wait_for(timeout=30_000)
                div.screenshot(path=str(OUT / f"{r.key}.png"))
            browser.close()
    print(f"wrote {sum(r.figure is not None for r in results)} figures to {OUT}")


if __name__ == "__main__":
    main()
