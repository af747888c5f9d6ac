"""The trainers' page in a real browser: ``leadsim serve`` as a subprocess, Debian's Chromium via Playwright.

The server runs with the npm registry and the CDN unreachable (as in a school hall with no
network), and every page records any request that leaves this machine: there must be none.
A scripted workshop drives every control a trainer uses at 1366x768; other tests cover a resize
while paused, two sessions, a bad link, the speed control and a reload. Screenshots go to the
test's temporary folder, and to docs/img/ when LEADSIM_SAVE_SCREENSHOTS is set.

Skipped only when /usr/bin/chromium is not installed (CI installs it); nothing here downloads a
browser. The page's front-end files come from scripts/setup.sh (``leadsim serve --prepare``).
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
from urllib.parse import parse_qs, urlparse

import pytest
from leadsim.analysis.chromium import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
SAVE = bool(os.environ.get("LEADSIM_SAVE_SCREENSHOTS"))
WEEKS_PER_YEAR = 39
SCREEN = {"width": 1366, "height": 768}
UNREACHABLE = "http://127.0.0.1:9/"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``python -m leadsim.cli serve`` on a free loopback port, with no registry or CDN reachable."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "npm_config_registry": UNREACHABLE, "SOLARA_ASSETS_CDN": UNREACHABLE}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "leadsim.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
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
                pytest.fail(f"leadsim serve did not answer within 120 s:\n{log.read_text()}")
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


#: the chart with this id has been drawn by plotly.js, with curves on it
_DRAWN = (
    "id => { const el = document.querySelector(`.leadsim-plot[data-chart='${id}']`); "
    "return !!(el && el.data && el.querySelectorAll('.scatterlayer .trace').length > 0); }"
)


def _open(browser, server, query: str = "", *, viewport=SCREEN, chart: str = "attainment"):
    url, log = server
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.on(
        "request",
        lambda r: (
            errors.append(f"outward request: {r.url}")
            if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    page.goto(url + query)
    try:
        page.locator(".leadsim-week").wait_for(timeout=60_000)
        page.wait_for_function(_DRAWN, arg=chart, timeout=60_000)
    except Exception:
        context.close()
        pytest.fail(f"the page did not draw; browser errors: {errors}; server log:\n{log.read_text()}")
    return context, page, errors


def _week(page) -> int:
    return int(re.search(r"\d+", page.locator(".leadsim-week").inner_text()).group())


def _wait_week(page, week: int, timeout: float = 60, exact: bool = True) -> int:
    page.wait_for_function(
        # the week's label is re-rendered while the page redraws (a busy machine catches it absent)
        "([n, exact]) => { const el = document.querySelector('.leadsim-week'); "
        "const m = el && el.innerText.match(/\\d+/); if (!m) return false; "
        "return exact ? +m[0] === n : +m[0] >= n; }",
        arg=[week, exact],
        timeout=timeout * 1000,
    )
    return _week(page)


def _chart(page, chart_id: str) -> dict:
    page.wait_for_function(_DRAWN, arg=chart_id, timeout=15_000)
    return page.evaluate(
        """id => { const el = document.querySelector(`.leadsim-plot[data-chart='${id}']`);
        return {traces: el.data.filter(d => (d.x || []).length).map(d => ({name: d.name, colour: d.line.color,
                   dash: d.line.dash, n: d.x.length})),
                shapes: (el.layout.shapes || []).map(s => Math.round(s.x0 * 39)),
                notes: (el.layout.annotations || []).map(a => a.text)}; }""",
        chart_id,
    )


def _wait_pending(page, text: str) -> None:
    page.wait_for_function(
        "t => { const el = document.querySelector('.leadsim-pending'); return !!el && el.innerText.includes(t); }",
        arg=text,
        timeout=30_000,
    )


def _wait_address(page, key: str, value: str) -> None:
    page.wait_for_function(
        "([k, v]) => new URLSearchParams(location.search).get(k) === v", arg=[key, value], timeout=15_000
    )


def _query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def _shot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 30_000
    if SAVE:
        target = ROOT / "docs" / "img" / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
    return shot


def _scrub(page, week: int) -> None:
    """Drag the timeline to ``week`` (what a trainer's mouse does: set the range, release)."""
    page.locator(".leadsim-scrub").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('change')); }", str(week)
    )


def test_a_workshop(server, browser, tmp_path):
    """A trainer's ten minutes: open a shared link, run to year 4, pause, present full screen, the head
    leaves now, replay from year 4 switching to design instead, export a chart, download the setup and
    run it with ``leadsim run``."""
    context, page, errors = _open(browser, server, "?compare=1")
    try:
        start = _chart(page, "attainment")
        assert [t["name"] for t in start["traces"]] == ["solo head", "distributes by design"]
        assert [t["dash"] for t in start["traces"]] == ["solid", "dash"]
        assert start["traces"][0]["colour"] != start["traces"][1]["colour"]  # two colours, not two dashes only
        for generic in ("Play Interval", "Render Interval", "Use Threads", "Information", "distribution index"):
            assert generic not in page.locator("body").inner_text()

        # run to year 4 (the schools step there), play a little, pause at a moment
        page.locator(".leadsim-year").select_option("4")
        assert _wait_week(page, 4 * WEEKS_PER_YEAR) == 156
        page.locator(".leadsim-play").click()
        _wait_week(page, 158, exact=False)
        page.locator(".leadsim-pause").click()
        page.locator(".leadsim-play").wait_for()
        # the pause is done when the address names the week on screen (the last thing pausing does)
        page.wait_for_function(
            "() => { const w = new URLSearchParams(location.search).get('week'); "
            "const m = document.querySelector('.leadsim-week').innerText.match(/\\d+/); "
            "return w !== null && +w >= 158 && +w === +m[0]; }",
            timeout=15_000,
        )
        paused = _week(page)
        time.sleep(1.0)
        assert _week(page) == paused  # paused means paused: no week arrives after it
        assert _query(page)["week"] == str(paused)
        _shot(page, tmp_path, "app")

        # presentation: full screen, larger type, the main charts only, all on a 1366x768 screen
        page.locator(".leadsim-fullscreen").click()
        page.wait_for_function("() => !document.querySelector('.leadsim-schools')", timeout=15_000)
        page.wait_for_function(_DRAWN, arg="distribution_index", timeout=30_000)
        charts = page.eval_on_selector_all(".leadsim-plot", "els => els.map(e => e.getAttribute('data-chart'))")
        assert charts == ["network-left", "network-right", "attainment", "distribution_index"]
        bottom = page.eval_on_selector(
            ".leadsim-plot[data-chart='attainment']", "e => e.getBoundingClientRect().bottom"
        )
        assert bottom <= SCREEN["height"], bottom
        _shot(page, tmp_path, "app-presentation")

        # the head leaves now: it acts on the week on screen, marked at the next week
        page.locator(".leadsim-head-leaves").click()
        _wait_pending(page, "the head leaves")
        page.get_by_role("button", name="+1 term").click()
        _wait_week(page, paused + 13)
        marks = _chart(page, "attainment")
        assert marks["notes"] == ["the head leaves"] and marks["shapes"] == [paused + 1]
        _wait_address(page, "do", f"{paused}:leave:own:both")

        # replay from year 4 with a different choice: switch to design instead of the departure
        _scrub(page, 156)
        _wait_week(page, 156)
        page.locator(".leadsim-preset").select_option("design")
        page.locator(".leadsim-switch").click()
        _wait_pending(page, "switch to teams by design")
        _wait_address(page, "do", "156:switch:design:both")
        page.get_by_role("button", name="+1 term").click()
        _wait_week(page, 169)
        after = _chart(page, "attainment")
        assert after["notes"] == ["switch to teams by design"] and after["shapes"] == [157]
        faint = [t for t in after["traces"] if t["name"].startswith("before going back")]
        assert len(faint) == 2 and faint[0]["n"] == paused + 14  # the run with the departure, kept to compare

        # out of presentation: export a chart, download the setup and run it
        page.locator(".leadsim-fullscreen").click()
        page.locator(".leadsim-schools").wait_for(timeout=15_000)
        page.wait_for_function(_DRAWN, arg="attainment", timeout=30_000)
        box = page.locator(".leadsim-box", has=page.locator(".leadsim-plot[data-chart='attainment']"))
        with page.expect_download() as png:
            box.get_by_text("PNG", exact=True).click()
        png_path = tmp_path / "chart.png"
        png.value.save_as(png_path)
        assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_path.stat().st_size > 10_000
        with page.expect_download() as svg:
            box.get_by_text("SVG", exact=True).click()
        assert b"<svg" in Path(svg.value.path()).read_bytes()[:2000]
        with page.expect_download() as data:
            box.get_by_text("CSV", exact=True).click()
        rows = Path(data.value.path()).read_text().splitlines()
        assert rows[0] == "series,x,y" and len(rows) > 2 * 169
        with page.expect_download() as setup:
            page.get_by_text("download the left school's setup (YAML)").click()
        yaml_path = tmp_path / "setup.yaml"
        setup.value.save_as(yaml_path)
        run = subprocess.run(
            [sys.executable, "-m", "leadsim.cli", "run", str(yaml_path), "--out", str(tmp_path / "run")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        assert "week: 157" in yaml_path.read_text()
        assert not errors, errors
    finally:
        context.close()


def test_charts_survive_resizes_and_relayouts_while_paused(server, browser, tmp_path):
    context, page, errors = _open(browser, server, "?compare=1&week=60")
    try:
        assert _week(page) == 60
        ids = ["network-left", "network-right", "attainment", "leadership_capacity", "distribution_index"]
        for viewport in ({"width": 1000, "height": 650}, {"width": 1600, "height": 1000}, SCREEN):
            page.set_viewport_size(viewport)
            time.sleep(1.0)
            for chart in ids:
                page.locator(f".leadsim-plot[data-chart='{chart}']").scroll_into_view_if_needed()
                page.wait_for_function(_DRAWN, arg=chart, timeout=10_000)
                width = page.eval_on_selector(
                    f".leadsim-plot[data-chart='{chart}']",
                    "e => [e.querySelector('.main-svg').getBoundingClientRect().width, e.clientWidth]",
                )
                assert width[0] > 100 and abs(width[0] - width[1]) < 30, (viewport, chart, width)
        # a re-layout (presentation and back) while paused redraws from what the page holds
        page.locator(".leadsim-fullscreen").click()
        page.wait_for_function(_DRAWN, arg="network-left", timeout=15_000)
        page.locator(".leadsim-fullscreen").click()
        for chart in ids:
            page.wait_for_function(_DRAWN, arg=chart, timeout=15_000)
        assert _week(page) == 60
        assert not errors, errors
    finally:
        context.close()


#: every chart whose text (title, legend, key) runs past its box: [chart, how far past, in px]
_CUT = """() => [...document.querySelectorAll('.leadsim-plot')].flatMap(el => {
    const box = el.getBoundingClientRect();
    return [...el.querySelectorAll('.annotation-text, .gtitle, .legendtext')]
        .map(t => t.getBoundingClientRect().right - box.right).filter(past => past > 1)
        .map(past => [el.getAttribute('data-chart'), Math.round(past)]); })"""


def test_nothing_is_cut_off_on_a_1280x720_projector(server, browser):
    """At 1280x720 the staff network's key ran past its box and was cut off ("lines = colla"), in
    presentation mode already after "size = i". Compare mode, the page and the presentation."""
    context, page, errors = _open(browser, server, "?compare=1&week=80", viewport={"width": 1280, "height": 720})
    try:
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        for chart in ("network-left", "network-right", "attainment"):
            page.wait_for_function(_DRAWN, arg=chart, timeout=30_000)
        assert page.evaluate(_CUT) == []
        page.locator(".leadsim-fullscreen").click()
        page.wait_for_function("() => !document.querySelector('.leadsim-schools')", timeout=15_000)
        for chart in ("network-left", "network-right", "attainment", "distribution_index"):
            page.wait_for_function(_DRAWN, arg=chart, timeout=30_000)
        time.sleep(1.0)  # the boxes settle into the presentation's row
        assert page.evaluate(_CUT) == []
        assert not errors, errors
    finally:
        context.close()


def test_two_sessions_do_not_share_a_school(server, browser):
    a_context, a, a_errors = _open(browser, server)
    b_context, b, b_errors = _open(browser, server)
    try:
        assert _week(a) == _week(b) == 0
        for _ in range(3):
            a.get_by_role("button", name="+1 week").click()
        _wait_week(a, 3)
        time.sleep(1.0)
        assert _week(b) == 0  # the other session's school did not move
        a.locator(".leadsim-head-leaves").click()
        a.get_by_role("button", name="+1 week").click()
        _wait_week(a, 4)
        a.wait_for_function(
            "() => (document.querySelector(\".leadsim-plot[data-chart='attainment']\").layout.annotations || [])"
            ".length === 1",
            timeout=30_000,
        )
        b.get_by_role("button", name="+1 week").click()
        _wait_week(b, 1)
        assert _chart(b, "attainment")["notes"] == []  # A's departure is not B's
        assert not a_errors and not b_errors, a_errors + b_errors
    finally:
        a_context.close()
        b_context.close()


def test_a_bad_link_says_why_and_changes_nothing(server, browser):
    context, page, errors = _open(browser, server, "?compare=1&left.charisma=9&do=5:leave:nobody:both")
    try:
        message = page.locator(".leadsim-message").inner_text()
        assert "nothing of it was applied" in message
        assert "left.charisma='9'" in message and "5:leave:nobody:both" in message
        assert page.eval_on_selector_all(".leadsim-status-line", "els => els.length") == 1  # not compare mode
        assert _week(page) == 0
        assert not errors, errors
    finally:
        context.close()


def test_a_reload_keeps_the_setup(server, browser):
    context, page, errors = _open(browser, server, "?compare=1&seed=3")
    try:
        page.get_by_role("button", name="+1 term").click()
        _wait_week(page, 13)
        page.locator(".leadsim-crisis-kind").select_option("results")
        page.locator(".leadsim-target").select_option("right")
        page.locator(".leadsim-crisis").click()
        page.get_by_role("button", name="+1 week").click()
        _wait_week(page, 14)
        _wait_address(page, "week", "14")
        before = _chart(page, "attainment")
        page.reload()
        page.locator(".leadsim-week").wait_for(timeout=60_000)
        page.wait_for_function(_DRAWN, arg="attainment", timeout=60_000)
        assert _week(page) == 14
        _wait_address(page, "week", "14")
        again = _chart(page, "attainment")
        assert again["notes"] == before["notes"] == ["results crisis 0.6 (right)"]
        assert again["traces"] == before["traces"]
        assert _query(page)["seed"] == "3"
        assert not errors, errors
    finally:
        context.close()


def test_the_speed_is_in_school_time_and_a_trainer_can_pause_at_a_moment(server, browser):
    context, page, errors = _open(browser, server)
    try:
        page.locator(".leadsim-speed").select_option(label="1 year in 40 s")
        assert page.locator(".leadsim-speed-value").inner_text() == "(1.0 weeks a second)"
        page.locator(".leadsim-play").click()
        time.sleep(3.0)
        page.locator(".leadsim-pause").click()
        page.locator(".leadsim-play").wait_for()
        week = _week(page)
        assert 1 <= week <= 5, week  # about one week a second: easy to stop where you want
        assert not errors, errors
    finally:
        context.close()


def test_a_trainer_sets_a_reform_pace_and_sees_its_strain_and_the_routines(server, browser, tmp_path):
    """Two solo-head schools; in the sidebar the right one gets three imposed initiatives a term.
    After *start again* and two years its staff are more tired than the left school's, it is named
    by that difference, and the routines panel shows a bar per routine for each school."""
    context, page, errors = _open(browser, server, "?compare=1&right=charismatic-solo")
    try:
        page.locator(".leadsim-schools").get_by_role("button", name="right", exact=True).click()
        slider = page.locator(".v-input", has_text="new initiatives imposed a term").locator("[role=slider]")
        slider.focus()
        for _ in range(6):  # steps of half an initiative
            slider.press("ArrowRight")
        page.get_by_text("new initiatives imposed a term: 3", exact=True).wait_for(timeout=15_000)
        page.locator(".leadsim-start").click()
        _wait_address(page, "right.reform_pace", "3")
        page.locator(".leadsim-year").select_option("2")
        _wait_week(page, 2 * WEEKS_PER_YEAR)
        # charts out of view are not redrawn until they come back (the room sees the top)
        page.locator(".leadsim-plot[data-chart='strain']").scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const el = document.querySelector(\".leadsim-plot[data-chart='strain']\"); "
            "return !!(el && el.data && el.data[0].x.length === 79); }",
            timeout=30_000,
        )
        strain = page.evaluate(
            """() => document.querySelector(".leadsim-plot[data-chart='strain']").data
                .map(d => ({name: d.name, colour: d.line.color, last: d.y[d.y.length - 1]}))"""
        )
        tired = {t["colour"]: t["last"] for t in strain if t["name"] == "tiredness"}
        assert len(tired) == 2
        calm, pressed = tired.values()
        assert pressed > calm + 0.1, strain
        names = [t["name"] for t in _chart(page, "attainment")["traces"]]
        assert names == ["no reforms imposed", "3 reforms a term"]
        page.locator(".leadsim-plot[data-chart='routines']").scroll_into_view_if_needed()
        page.wait_for_function(_DRAWN, arg="routines", timeout=15_000)
        bars = page.evaluate(
            """() => document.querySelector(".leadsim-plot[data-chart='routines']").data
                .filter(d => d.type === 'bar').map(d => ({y: d.y, n: d.x.length}))"""
        )
        assert len(bars) == 2 and all(b["n"] == 6 for b in bars)
        assert bars[0]["y"][0] == "data meetings" and bars[0]["y"][-1] == "student council"
        assert page.locator(".leadsim-plot[data-chart='routines'] .barlayer .trace").count() == 2
        _shot(page, tmp_path, "app-routines")
        assert not errors, errors
    finally:
        context.close()


def _title(page, chart_id: str) -> str:
    page.wait_for_function(_DRAWN, arg=chart_id, timeout=30_000)
    return page.evaluate(
        "id => document.querySelector(`.leadsim-plot[data-chart='${id}']`).layout.title.text", chart_id
    )


def test_a_trainer_runs_a_system_of_schools(server, browser, tmp_path):
    """A trainer opens the federation, clicks Hill in the system view and sees Hill's own panels, plays a
    few weeks, makes Hill's head leave and sees Hill's head change and no other school's, colours the
    schools by capacity, and opens the same system from the single-school page's sidebar."""
    context, page, errors = _open(browser, server, "?system=federation&school=dale", chart="system")
    try:
        assert "dale" in _title(page, "network-left")
        # a click on Hill's dot in the system view (where plotly drew it)
        xy = page.evaluate(
            """() => { const el = document.querySelector(".leadsim-plot[data-chart='system']");
            const nodes = el.data[el.data.length - 1], k = nodes.customdata.indexOf('hill');
            const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis, r = el.getBoundingClientRect();
            return [r.left + xa._offset + xa.l2p(nodes.x[k]), r.top + ya._offset + ya.l2p(nodes.y[k])]; }"""
        )
        page.mouse.click(*xy)
        page.wait_for_function(
            "() => document.querySelector(\".leadsim-plot[data-chart='network-left']\").layout.title.text"
            ".includes('hill')",
            timeout=30_000,
        )
        assert page.locator(".leadsim-school").input_value() == "hill"
        _wait_address(page, "school", "hill")
        page.locator(".leadsim-play").click()
        _wait_week(page, 3, exact=False)
        page.locator(".leadsim-pause").click()
        page.locator(".leadsim-play").wait_for()
        week = _week(page)
        page.locator(".leadsim-head-leaves").click()
        _wait_pending(page, "the head of hill leaves")
        page.get_by_role("button", name="+1 week").click()
        _wait_week(page, week + 1)
        lines = page.locator(".leadsim-status-line").all_inner_texts()
        assert lines[1].startswith("hill — 2nd head"), lines
        assert _chart(page, "attainment")["notes"] == ["the head leaves (requested)"]
        page.locator(".leadsim-school").select_option("vale")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.leadsim-status-line')]"
            ".some(e => e.innerText.startsWith('vale — 1st head'))",
            timeout=30_000,
        )
        assert _chart(page, "attainment")["notes"] == []
        page.locator(".leadsim-colour").select_option("capacity")
        page.wait_for_function(
            "() => document.querySelector(\".leadsim-plot[data-chart='system']\").data.slice(-1)[0]"
            ".marker.colorbar.title.text.startsWith('staff able to lead')",
            timeout=30_000,
        )
        _shot(page, tmp_path, "app-system")
        assert not errors, errors
    finally:
        context.close()
    context, page, errors = _open(browser, server)
    try:
        page.locator(".leadsim-open-system").click()
        page.wait_for_function(_DRAWN, arg="system", timeout=60_000)
        _wait_address(page, "system", "federation")
        page.locator(".leadsim-to-school").click()
        page.wait_for_function("() => !new URLSearchParams(location.search).has('system')", timeout=15_000)
        page.locator(".leadsim-school").wait_for(state="detached", timeout=30_000)  # the system's widget went
        page.wait_for_function(_DRAWN, arg="network-left", timeout=60_000)
        assert page.locator(".leadsim-head-leaves").inner_text() == "the head leaves now"  # one school again
        assert not errors, errors
    finally:
        context.close()


def test_the_seed_is_shown_so_a_trainer_can_name_it(server, browser):
    # "try another seed" is the page's advice; the slider shows which one runs, without dragging it.
    context, page, _ = _open(browser, server, "?seed=7")
    try:
        label = page.locator(".leadsim-schools .v-slider-thumb__label")
        label.first.wait_for(timeout=15_000)  # visible, not only in the page's source
        assert label.first.is_visible() and label.first.inner_text().strip() == "7"
    finally:
        context.close()


#: a click at the middle of the element ``sel`` reaches it: it is on screen and nothing lies over it
_UNCOVERED = """sel => { const el = document.querySelector(sel); if (!el) { return false; }
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) { return false; }
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!hit && el.contains(hit); }"""
_SIDEBAR_SHOWN = "() => { const el = document.querySelector('.leadsim-schools'); "
_SIDEBAR_SHOWN += "return !!el && el.getBoundingClientRect().left >= 0; }"


@pytest.mark.parametrize(
    "viewport", [{"width": 375, "height": 667}, {"width": 800, "height": 600}], ids=["phone", "small-laptop"]
)
def test_on_a_narrow_screen_the_sidebar_does_not_cover_the_controls(server, browser, viewport):
    """Below 1280 px wide solara's sidebar is a drawer over the page, and it was open at the start: on a
    phone (375x667) or a small laptop (800x600) it lay over the play and event buttons, and on the phone
    the page was wider than the screen. There the sidebar now starts closed, its menu button opens it."""
    context, page, errors = _open(browser, server, viewport=viewport)
    try:
        for button in (".leadsim-play", ".leadsim-head-leaves", ".leadsim-crisis", ".leadsim-switch"):
            page.wait_for_function(_UNCOVERED, arg=button, timeout=15_000)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        # Playwright clicks only what would receive the click, so these clicks are a trainer's
        page.locator(".leadsim-play").click(timeout=5_000)
        _wait_week(page, 2, exact=False)
        page.locator(".leadsim-pause").click(timeout=5_000)
        page.locator(".leadsim-play").wait_for()
        page.locator(".leadsim-head-leaves").click(timeout=5_000)
        _wait_pending(page, "the head leaves")
        # the settings are still a click away: the menu button shows its icon and opens the sidebar
        assert not page.evaluate(_SIDEBAR_SHOWN)
        glyph = page.evaluate(
            "() => getComputedStyle(document.querySelector('.v-app-bar-nav-icon .v-btn__content'), '::before').content"
        )
        assert glyph not in ("none", "normal", ""), glyph
        page.locator(".v-app-bar-nav-icon").click(timeout=5_000)
        page.wait_for_function(_SIDEBAR_SHOWN, timeout=15_000)
        assert not errors, errors
    finally:
        context.close()


#: the page's own Vue component (its methods send messages to the server, as its buttons do)
_VIEWS = """() => { const seen = new Set(); let found = null;
    const visit = (vn, depth) => {
        if (!vn || found || depth > 400 || seen.has(vn)) { return; }
        seen.add(vn);
        const c = vn.component;
        if (c) {
            if (c.proxy && typeof c.proxy.act === 'function' && typeof c.proxy.togglePresent === 'function') {
                found = c.proxy; return;
            }
            visit(c.subTree, depth + 1);
        }
        if (Array.isArray(vn.children)) { for (const child of vn.children) { visit(child, depth + 1); } }
        if (vn.suspense) { visit(vn.suspense.activeBranch, depth + 1); }
    };
    for (const el of document.querySelectorAll('*')) { if (el._vnode) { visit(el._vnode, 0); } if (found) { break; } }
    window.__leadsimViews = found; return !!found; }"""


def test_a_hand_made_crisis_message_is_refused_and_the_session_goes_on(server, browser):
    """A message written by hand to the page's websocket, with a severity that is text or NaN (which
    JSON sends as null): the null one left a traceback in the server's log, the clock stopped and the
    page still showed "pause". Now the page says why in one line and plays on."""
    url, log = server
    tracebacks = log.read_text().count("Traceback")
    context, page, errors = _open(browser, server)
    try:
        assert page.evaluate(_VIEWS)
        page.locator(".leadsim-play").click()
        _wait_week(page, 2, exact=False)
        for severity, shown in (("high", '"high"'), (float("nan"), "null")):
            page.evaluate(
                "s => window.__leadsimViews.act({kind: 'crisis', arg: 'behaviour', side: 'both', severity: s})",
                severity,
            )
            page.wait_for_function(
                "t => { const el = document.querySelector('.leadsim-message'); return !!el && el.innerText === t; }",
                arg=f"crisis severity: expected a number above 0 and at most 1 (got {shown})",
                timeout=15_000,
            )
            week = _week(page)
            _wait_week(page, week + 2, exact=False)  # still playing
        page.locator(".leadsim-pause").click()
        page.locator(".leadsim-play").wait_for()
        page.locator(".leadsim-crisis").click()  # the page's own button still works
        _wait_pending(page, "behaviour crisis 0.6")
        assert log.read_text().count("Traceback") == tracebacks
        assert not errors, errors
    finally:
        context.close()
