"""``leadsim serve`` without a browser: where it may listen, its front-end files, its asset answers.

The page's logic is tested in ``tests/test_classroom.py``, the page in a real browser in
``tests/test_app_browser.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from leadsim.app.server import (
    CDN_PREFIX,
    LocalAssets,
    ServeError,
    assets_dir,
    check_host,
    check_port_free,
    missing_frontend,
    page_address,
    plotly_js_path,
    prepare_frontend,
    required_packages,
)

ROOT = Path(__file__).resolve().parents[1]


def _leadsim(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "leadsim.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None,
    )


# --- where the server may listen ---------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_hosts_are_allowed(host):
    check_host(host, public=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "8.8.8.8"])
def test_reachable_hosts_are_refused_unless_public(host):
    with pytest.raises(ServeError, match="refusing to serve on .*--public"):
        check_host(host, public=False)
    check_host(host, public=True)  # asked for: allowed


def test_cli_refuses_a_public_address_with_one_line_and_exit_2():
    out = _leadsim("serve", "--host", "0.0.0.0", "--port", "8765")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("leadsim: error: refusing to serve on 0.0.0.0")
    assert "--public" in lines[0]
    assert out.stdout == ""


def test_cli_refuses_a_port_in_use_with_one_line_and_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ServeError, match="cannot listen"):
            check_port_free("127.0.0.1", port)
        out = _leadsim("serve", "--port", str(port))
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert out.stderr.startswith(f"leadsim: error: cannot listen on 127.0.0.1:{port}")


def test_cli_rejects_a_bad_port():
    out = _leadsim("serve", "--port", "70000")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and out.stderr.startswith("leadsim: error:")


# --- front-end files ---------------------------------------------------------------------------------


def test_required_packages_name_exact_versions():
    packages = dict(required_packages())
    app = [p for p in packages if p.startswith("@widgetti/solara-vuetify")]
    assert len(app) == 1
    assert "requirejs" in packages
    for version in packages.values():
        assert version[0].isdigit()


def test_without_npm_plotly_is_still_copied_and_the_rest_reported(tmp_path, monkeypatch):
    import leadsim.app.server

    monkeypatch.setattr(leadsim.app.server.shutil, "which", lambda name: None)
    assert len(missing_frontend(tmp_path)) == len(required_packages()) + 1
    missing = prepare_frontend(tmp_path, log=lambda m: None)
    assert len(missing) == len(required_packages())
    assert all("npm not found" in m for m in missing)
    plotly_js = list(tmp_path.glob("plotly.js-dist-min@*/plotly.min.js"))
    assert len(plotly_js) == 1 and plotly_js[0].stat().st_size > 1_000_000
    assert missing_frontend(tmp_path) == [f"{p}@{v}" for p, v in required_packages()]


def _group_alive(pgid: int) -> list[int]:
    """Processes still in a process group (read from /proc: no extra package needed)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def test_serve_without_front_end_files_says_so_and_exits_2_leaving_nothing_behind(tmp_path):
    """No network at run time: with the files missing (and the npm registry unreachable) serve
    neither hangs nor fetches; one line, exit 2, no child process left."""
    env = {
        **os.environ,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(tmp_path / "empty"),
        "npm_config_registry": "http://127.0.0.1:9/",  # unreachable, should anything try
    }
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadsim.cli", "serve", "--port", str(_free_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert time.monotonic() - start < 30
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leadsim: error: the page's front-end files are missing"), err
    assert "scripts/setup.sh" in lines[0] and str(tmp_path / "empty") in lines[0]
    assert out == ""
    assert _group_alive(proc.pid) == []  # no npm, no server left running


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the asset answers: local only, 404 at once ------------------------------------------------------


@pytest.fixture(scope="module")
def assets_server(tmp_path_factory):
    """LocalAssets in front of a stand-in app, served by uvicorn on a free port, with a
    stand-in "CDN" that counts every request reaching it (there must be none)."""
    import http.server

    import uvicorn

    folder = tmp_path_factory.mktemp("cdn")
    (folder / "requirejs@2.3.6").mkdir()
    (folder / "requirejs@2.3.6" / "require.js").write_text("var requirejs = 1;\n" * 5000)
    hits: list[str] = []

    class Cdn(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            hits.append(self.path)
            time.sleep(5)  # a slow CDN: what used to stall the page
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    cdn = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Cdn)
    threading.Thread(target=cdn.serve_forever, daemon=True).start()

    async def inner(scope, receive, send):  # the page: anything not under the prefix
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"page"})

    port = _free_port()
    config = uvicorn.Config(LocalAssets(inner, folder), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", hits, f"http://127.0.0.1:{cdn.server_address[1]}/"
    server.should_exit = True
    thread.join(timeout=10)
    cdn.shutdown()


def _get(url: str) -> tuple[int, float, bytes]:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, time.monotonic() - start, r.read()
    except urllib.error.HTTPError as e:
        return e.code, time.monotonic() - start, b""


def test_unknown_asset_paths_are_404_and_nothing_goes_outward(assets_server, monkeypatch):
    url, hits, cdn = assets_server
    import solara.settings

    monkeypatch.setattr(solara.settings.assets, "cdn", cdn)  # were anything to ask the CDN, it would be this one
    assert _get(f"{url}{CDN_PREFIX}/requirejs@2.3.6/require.js")[0] == 200
    assert _get(f"{url}/")[2] == b"page"
    for path in ("nothing@1.0.0/x.js", "requirejs@2.3.6/missing.js", "..%2f..%2fetc%2fpasswd", "", "%00"):
        status, seconds, _ = _get(f"{url}{CDN_PREFIX}/{path}")
        assert status in (404, 400), (path, status)
        assert seconds < 5
    assert hits == []


def test_a_flood_of_missing_files_does_not_stall_real_ones(assets_server):
    """100 concurrent requests for missing files; a real file asked for meanwhile comes at once."""
    from concurrent.futures import ThreadPoolExecutor

    url, hits, _ = assets_server
    with ThreadPoolExecutor(max_workers=100) as pool:
        flood = [pool.submit(_get, f"{url}{CDN_PREFIX}/missing-{k}@1.0.0/index.js") for k in range(100)]
        time.sleep(0.05)
        status, seconds, body = _get(f"{url}{CDN_PREFIX}/requirejs@2.3.6/require.js")
        results = [f.result() for f in flood]
    assert status == 200 and body.startswith(b"var requirejs")
    assert seconds < 2.0, seconds
    assert [r[0] for r in results] == [404] * 100
    assert max(r[1] for r in results) < 10
    assert hits == []


def test_the_prepared_front_end_folder_is_complete():
    """What scripts/setup.sh fetched: every file the page loads is there (CI runs setup first)."""
    assert missing_frontend() == [], f"run scripts/setup.sh (leadsim serve --prepare): {assets_dir()}"
    assert (assets_dir() / plotly_js_path()).stat().st_size > 1_000_000


@pytest.mark.parametrize(
    ("host", "shown"),
    [("127.0.0.1", "http://127.0.0.1:8765/"), ("::1", "http://[::1]:8765/"), ("[::1]", "http://[::1]:8765/")],
)
def test_the_page_address_printed_is_one_a_browser_opens(host, shown):
    assert page_address(host, 8765) == shown
