"""The sweep report renders in a real browser: headless Chromium (the system's), driven by Playwright.

Every plotly figure must draw, nothing may be fetched from the network, and the console must stay
free of errors. A screenshot goes to the test's temporary folder, and the top of the page (header
and first chart) to docs/img/report.png when LEADSIM_SAVE_SCREENSHOTS is set. Skipped only when
/usr/bin/chromium is not installed (CI installs it); nothing here downloads a browser."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from leadsim.analysis.chromium import ARGS, CHROMIUM
from leadsim.analysis.report import write_report

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def _render(context, report: Path, screenshot: Path, top: Path | None = None) -> dict:
    """Open ``report``, wait for every figure to draw, take a full-page screenshot (and one of the
    top of the page to ``top``); return what the page did."""
    doc = report.read_text(encoding="utf-8")
    expected = int(re.search(r'<meta name="leadsim-figures" content="(\d+)"', doc).group(1))
    errors: list[str] = []
    requests: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.resolve().as_uri(), wait_until="load")
    drawn = (
        "n => [...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(d => d.querySelector('.main-svg') && d.querySelector('.main-svg .trace')).length === n"
    )
    page.wait_for_function(drawn, arg=expected, timeout=60_000)
    plots = page.evaluate("document.querySelectorAll('.js-plotly-plot').length")
    with_svg = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')].filter(d => d.querySelector('.main-svg')).length"
    )
    page.screenshot(path=str(screenshot), full_page=True)
    if top is not None:
        top.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(top), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1800})
    page.close()
    return {"expected": expected, "plots": plots, "with_svg": with_svg, "errors": errors, "requests": requests}


def test_succession_report_renders(browser_context, tmp_path):
    from test_report import make_sweep

    sweep = make_sweep(tmp_path / "succession", "Tiny succession sweep rendered in Chromium.")
    report = write_report(sweep)
    shot = tmp_path / "report.png"
    docs = ROOT / "docs" / "img" / "report.png" if os.environ.get("LEADSIM_SAVE_SCREENSHOTS") else None
    seen = _render(browser_context, report, shot, top=docs)
    assert seen["expected"] == 6  # five measures over time and the routines
    assert seen["plots"] == seen["with_svg"] == 6
    assert seen["errors"] == []
    assert [u for u in seen["requests"] if not u.startswith(("file:", "data:", "blob:"))] == []
    assert shot.stat().st_size > 20_000


def test_figures_and_tables_download_and_the_page_fits_1280_px(browser_context, tmp_path):
    from test_report import make_sweep

    report = write_report(make_sweep(tmp_path / "succession", "Downloads."), by="pattern,head.charisma")
    page = browser_context.new_page()
    page.goto(report.resolve().as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=60_000)
    # nothing wider than the window: the tables fit (or scroll inside their own box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    got = {}
    for fmt in ("png", "svg"):
        with page.expect_download(timeout=60_000) as info:
            page.locator(f'button[data-format="{fmt}"]').first.click()
        got[fmt] = info.value
    with page.expect_download(timeout=30_000) as info:
        page.locator("a.csv").first.click()
    got["csv"] = info.value
    page.close()
    for fmt, download in got.items():
        assert download.suggested_filename.endswith(f".{fmt}"), download.suggested_filename
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        data = path.read_bytes()
        assert len(data) > 100
        if fmt == "png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        elif fmt == "svg":
            assert b"<svg" in data[:500]
        else:
            assert data.decode("utf-8").splitlines()[0].startswith("pattern,head.charisma,runs,measure,mean")


def test_morris_report_renders(browser_context, tmp_path):
    from test_report import make_morris_sweep

    report = write_report(make_morris_sweep(tmp_path / "morris"))
    seen = _render(browser_context, report, tmp_path / "morris.png")
    assert seen["expected"] == 2
    assert seen["plots"] == seen["with_svg"] == 2
    assert seen["errors"] == []
    assert [u for u in seen["requests"] if not u.startswith(("file:", "data:", "blob:"))] == []
