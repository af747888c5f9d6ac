"""Speed of the trainers' page (``leadsim serve``) on the reference school.

Two measures:

1. In process (always): the page's work per simulated week - the model step of one school (or
   two, in compare mode), its network snapshot, and building every figure and its JSON
   (network(s), seven time charts), as the page does after each week - over N weeks of the
   reference school. Prints weeks/second.
2. The real page (``--browser``): ``leadsim serve`` as a subprocess and headless Chromium (the
   system's, /usr/bin/chromium) through Playwright; the page is opened on a link that sets the
   reference school (``?left=reference``) and played at the fastest speed (1 year in 2 s = 19.5
   weeks a second) until the screen shows the last weeks. Prints the simulated weeks per second
   on screen over the whole run and plotly's redraws per second (a browser slower than the
   clock skips weeks rather than slowing it).

    python benchmarks/bench_app.py [--weeks 390] [--repeats 3] [--browser]

Target (issues 5 and 15): >= 10 simulated weeks per second on the reference school while the
network and the charts update, one school and compare mode.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leadsim.analysis.chromium import ARGS, CHROMIUM  # noqa: E402
from leadsim.app.classroom import SPEEDS, Classroom, SchoolSettings, speed_label  # noqa: E402
from leadsim.app.page import live_state  # noqa: E402


def in_process(weeks: int, repeats: int, compare: bool) -> tuple[float, float, float]:
    """Median (weeks/s, ms per step, ms per figure build) of step + all figures, reference school."""
    ref = SchoolSettings.from_scenario("reference")
    rates, steps, figs = [], [], []
    for seed in range(repeats):
        room = Classroom(settings=(ref, ref), seed=seed, compare=compare)
        t_step = t_figs = 0.0
        for _ in range(weeks):
            t0 = time.perf_counter()
            room.forward(1)
            t1 = time.perf_counter()
            live_state(room)  # every figure, as JSON, and the status lines
            t2 = time.perf_counter()
            t_step += t1 - t0
            t_figs += t2 - t1
        rates.append(weeks / (t_step + t_figs))
        steps.append(1000 * t_step / weeks)
        figs.append(1000 * t_figs / weeks)
    return statistics.median(rates), statistics.median(steps), statistics.median(figs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _week(page) -> int:
    return int(re.search(r"\d+", page.locator(".leadsim-week").inner_text()).group())


def _draws(page) -> int:
    return int(page.evaluate("+(document.querySelector('.leadsim-views').getAttribute('data-draws') || 0)"))


def in_browser(seconds: float, compare: bool, url: str) -> dict:
    """Play the reference school in the real page at its fastest speed; the screen's and browser's rates."""
    from playwright.sync_api import sync_playwright

    query = "?left=reference&right=reference" + ("&compare=1" if compare else "")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url + query)
        page.locator(".leadsim-week").wait_for(timeout=60_000)
        page.wait_for_function(
            "() => document.querySelector('.leadsim-status').innerText.includes('reference')", timeout=90_000
        )
        page.locator(".leadsim-speed").select_option(label=speed_label(min(SPEEDS)))
        w0, d0 = _week(page), _draws(page)
        t0 = time.monotonic()
        page.locator(".leadsim-play").click()
        # the whole run: from play until the screen shows (nearly) the last week
        last = 10 * 39 - 5
        page.wait_for_function(
            "n => +document.querySelector('.leadsim-week').innerText.match(/\\d+/)[0] >= n",
            arg=last,
            timeout=seconds * 1000,
            polling=50,
        )
        t1 = time.monotonic()
        w1, d1 = _week(page), _draws(page)
        browser.close()
    return {"weeks_per_s": (w1 - w0) / (t1 - t0), "redraws_per_s": (d1 - d0) / (t1 - t0), "seconds": t1 - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=390)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also measure the real page in headless Chromium")
    parser.add_argument("--seconds", type=float, default=180.0, help="give up on a run after this long")
    args = parser.parse_args()
    for compare in (False, True):
        rate, step, figs = in_process(args.weeks, args.repeats, compare)
        what = "two reference schools (compare)" if compare else "one reference school"
        print(
            f"in process, {what}: {rate:.0f} weeks/s (step {step:.1f} ms + all figures {figs:.1f} ms per week, "
            f"median of {args.repeats} x {args.weeks} weeks)"
        )
    if not args.browser:
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadsim.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("leadsim serve did not start") from None
                time.sleep(0.5)
        for compare in (False, True):
            r = in_browser(args.seconds, compare, url)
            what = "two reference schools (compare)" if compare else "one reference school"
            print(
                f"real page in headless Chromium, {what}: {r['weeks_per_s']:.1f} simulated weeks/s on screen "
                f"over the whole run ({r['seconds']:.1f} s for ten years at the fastest speed, which asks "
                f"for 19.5), {r['redraws_per_s']:.1f} redraws/s"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
