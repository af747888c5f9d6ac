"""The trainers' page in a real browser: ``leadsim serve`` as a subprocess, headless Chromium via Playwright.

A trainer's session: compare mode, play, "the head leaves now" - the charts move and the event is
marked on every time chart. Two browser contexts (two sessions) never share a school. A screenshot
goes to the test's temporary folder, and to docs/img/app.png when LEADSIM_SAVE_SCREENSHOTS is set
(then the run goes on to the departure at year 5 and three years after it, as in the README).

Skipped only when /usr/bin/chromium is not installed (CI installs it); nothing here downloads a
browser. The first start of the server on a new environment fetches the page's front-end files
with npm (see sim/serve.py), which the generous start-up timeout allows for.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from leadsim.analysis.chromium import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
SAVE = bool(os.environ.get("LEADSIM_SAVE_SCREENSHOTS"))
WEEKS_PER_YEAR = 39

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``python -m leadsim.cli serve`` on a free loopback port: its address and its log."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "leadsim.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 240
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"leadsim serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"leadsim serve did not answer within 240 s:\n{log.read_text()}")
            time.sleep(0.5)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, server, *, height: int = 1000):
    url, log = server
    context = browser.new_context(viewport={"width": 1600, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto(url)
    try:
        page.locator(".leadsim-week").wait_for(timeout=60_000)
        page.wait_for_function(_DRAWN, arg="attainment", timeout=60_000)
    except Exception:
        context.close()
        pytest.fail(f"the page did not draw; browser errors: {errors}; server log:\n{log.read_text()}")
    return context, page, errors


#: the chart with this id has been drawn by plotly.js
_DRAWN = "id => { const el = document.querySelector(`.leadsim-plot[data-chart='${id}']`); return !!(el && el.data); }"


#: the chart with this id shows the departure marker
_MARKED = (
    "id => { const el = document.querySelector(`.leadsim-plot[data-chart='${id}']`); "
    "return !!(el && el.layout && (el.layout.annotations || []).some(a => a.text === 'the head leaves')); }"
)


def _week(page) -> int:
    return int(re.search(r"\d+", page.locator(".leadsim-week").inner_text()).group())


def _wait_week(page, at_least: int, timeout: float = 60) -> int:
    page.wait_for_function(
        "n => { const m = document.querySelector('.leadsim-week').innerText.match(/\\d+/); return +m[0] >= n; }",
        arg=at_least,
        timeout=timeout * 1000,
    )
    return _week(page)


def _chart(page, chart_id: str) -> dict:
    return page.evaluate(
        """id => { const el = document.querySelector(`.leadsim-plot[data-chart='${id}']`);
        return {traces: el.data.map(d => ({name: d.name, dash: d.line && d.line.dash, n: (d.x || []).length})),
                shapes: (el.layout.shapes || []).map(s => s.x0),
                notes: (el.layout.annotations || []).map(a => a.text)}; }""",
        chart_id,
    )


def test_compare_play_and_the_head_leaves_now(server, browser, tmp_path):
    context, page, errors = _open(browser, server, height=1900 if SAVE else 1000)
    try:
        # compare mode: Mesa's model parameter, applied by Reset
        page.get_by_label("Compare two schools side by side").check()
        page.get_by_role("button", name="Reset").click()
        page.wait_for_function(_DRAWN, arg="network-right", timeout=30_000)
        start = _chart(page, "attainment")
        assert [t["name"] for t in start["traces"]] == ["charismatic-solo", "charismatic-design"]
        assert [t["dash"] for t in start["traces"]] == ["solid", "dash"]
        assert start["shapes"] == []

        page.get_by_role("button", name="▶").click()
        if SAVE:  # for the README: the departure exactly at year 5, as in the headline scenarios
            _wait_week(page, 5 * WEEKS_PER_YEAR - 12, timeout=120)
            page.get_by_role("button", name="❚❚").click()
            while (week := _week(page)) < 5 * WEEKS_PER_YEAR - 1:
                page.get_by_role("button", name="Step").click()
                _wait_week(page, week + 1)
            page.locator(".leadsim-head-leaves").click()
            page.get_by_role("button", name="▶").click()
        else:  # while playing, as in the room
            _wait_week(page, 15, timeout=120)
            page.locator(".leadsim-head-leaves").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.leadsim-plot')].some(el => el.layout && "
            "(el.layout.annotations || []).some(a => a.text === 'the head leaves'))",
            timeout=30_000,
        )
        _wait_week(page, _week(page) + (3 * WEEKS_PER_YEAR if SAVE else 8), timeout=120)
        page.get_by_role("button", name="❚❚").click()
        time.sleep(1.0)

        week = _week(page)
        after = _chart(page, "attainment")
        assert all(t["n"] > start["traces"][0]["n"] + 10 for t in after["traces"]), after  # the curves grew
        # the event is marked on every time chart, at the week it took effect
        for chart in ("attainment", "leadership_capacity", "distribution_index", "trust", "cynicism", "students"):
            # charts out of view are redrawn when they come into view
            page.locator(f".leadsim-plot[data-chart='{chart}']").scroll_into_view_if_needed()
            page.wait_for_function(_MARKED, arg=chart, timeout=15_000)
            marks = _chart(page, chart)
            assert marks["notes"] == ["the head leaves"], (chart, marks)
            assert len(marks["shapes"]) == 1
            assert 0 < marks["shapes"][0] * WEEKS_PER_YEAR <= week
        status = page.locator(".leadsim-status").inner_text()
        assert "left (solid): charismatic-solo" in status and "right (dashed): charismatic-design" in status
        shot = tmp_path / "app.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 50_000
        if SAVE:
            target = ROOT / "docs" / "img" / "app.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, target)
        assert not errors, errors
    finally:
        context.close()


def test_two_sessions_do_not_share_a_school(server, browser):
    a_context, a, a_errors = _open(browser, server)
    b_context, b, b_errors = _open(browser, server)
    try:
        assert _week(a) == _week(b) == 0
        step_a = a.get_by_role("button", name="Step")
        for _ in range(3):
            step_a.click()
        assert _wait_week(a, 3) == 3
        time.sleep(1.5)
        assert _week(b) == 0  # the other session's school did not move
        a.locator(".leadsim-head-leaves").click()
        step_a.click()
        a.wait_for_function(
            "() => (document.querySelector(\".leadsim-plot[data-chart='attainment']\").layout.annotations || [])"
            ".length === 1",
            timeout=30_000,
        )
        b.get_by_role("button", name="Step").click()
        assert _wait_week(b, 1) == 1
        time.sleep(1.0)
        assert _week(a) == 4
        assert _chart(b, "attainment")["notes"] == []  # A's departure is not B's
        assert not a_errors and not b_errors, a_errors + b_errors
    finally:
        a_context.close()
        b_context.close()
