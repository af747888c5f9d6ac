"""``leadsim serve``: the trainers' page, served by solara on this machine, with no network at run time.

The page itself is :mod:`leadsim.app.main` (one school: :mod:`leadsim.app.page`; a system:
:mod:`leadsim.app.systempage`). This module checks where it may listen (only the loopback
interface unless ``--public`` is given), checks that the page's front-end files are on this machine,
and runs solara's server (uvicorn) in this process.

Front-end files: solara's page loads its JavaScript and CSS from ``/_solara/cdn/...``. Solara's own
handler of that path fetches any file it lacks from a public CDN, in the request, so a room with no
network hangs and a flood of requests for missing files stalls the real ones. Here that path is
answered by :class:`LocalAssets` from one folder on disk only: a file that is not there is a 404 at
once, and nothing goes outward. The folder is filled *before* the page is needed, by
``scripts/setup.sh`` (``leadsim serve --prepare``): the exact npm package versions the installed
solara asks for, with ``npm pack`` (as the ``solara-assets`` package does), and plotly.js copied from
the plotly Python package. ``leadsim serve`` never runs npm: if files are missing it says so in
one line and exits 2, before starting anything.

Only the standard library is imported at the top, so that registering the command keeps ``leadsim`` fast.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

APP_MODULE = "leadsim.app.main"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: where solara's page asks for its front-end files
CDN_PREFIX = "/_solara/cdn"
#: seconds ``npm pack`` may take for one package (in ``--prepare`` only)
NPM_TIMEOUT = 120


#: plotly.js as shipped inside the plotly Python package, served from the front-end folder; the path
#: names the npm package of the same file
PLOTLY_JS = "plotly.js-dist-min@{version}/plotly.min.js"


class ServeError(Exception):
    """A user error of ``leadsim serve`` (one line, exit status 2)."""


# --- where to listen ----------------------------------------------------------------------------------


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as e:
        raise ServeError(f"--host {host}: cannot resolve this name ({e.strerror or e})") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def is_loopback(host: str) -> bool:
    """True when every address ``host`` stands for is on the loopback interface (127.0.0.0/8, ::1)."""
    return all(a.is_loopback for a in _addresses(host))


def check_host(host: str, public: bool) -> None:
    """Refuse an address other machines can reach (0.0.0.0, ::, a LAN or public address) unless ``public``."""
    if not host.strip():
        raise ServeError("--host must not be empty")
    if is_loopback(host) or public:
        return
    raise ServeError(
        f"refusing to serve on {host}, which other machines can reach; "
        "pass --public to allow that, or leave --host at 127.0.0.1"
    )


def check_port_free(host: str, port: int) -> None:
    """Fail early, with one line, when the port cannot be bound."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        if sys.platform != "win32":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host.strip("[]"), port))
        except OSError as e:
            raise ServeError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


# --- front-end files ----------------------------------------------------------------------------------


def assets_dir() -> Path:
    """The folder the page's front-end files are served from (solara's asset cache folder;
    ``SOLARA_ASSETS_PROXY_CACHE_DIR`` moves it)."""
    import solara.server.settings as server_settings

    return Path(server_settings.assets.proxy_cache_dir)


def plotly_js_path() -> str:
    """Where plotly.js sits in the front-end folder (named for the installed plotly's version)."""
    from plotly.offline import get_plotlyjs_version

    return PLOTLY_JS.format(version=get_plotlyjs_version())


def required_packages() -> list[tuple[str, str]]:
    """The npm packages (name, exact version) the installed solara's page loads from ``/_solara/cdn``."""
    import solara
    import solara.server.settings as server_settings
    from solara.util import IPYVUETIFY_V3

    template = (Path(solara.__file__).parent / "server" / "templates" / "solara.html.j2").read_text()
    app = "@widgetti/solara-vuetify3-app" if IPYVUETIFY_V3 else "@widgetti/solara-vuetify-app"
    found: list[tuple[str, str]] = []
    m = re.search(re.escape(app) + r"@(\d[\w.\-]*)/", template)
    if m:
        found.append((app, m.group(1)))
    m = re.search(r"requirejs@(\d[\w.\-]*)/", template)
    found.append(("requirejs", m.group(1) if m else "2.3.6"))
    if server_settings.assets.fontawesome_enabled:
        m = re.search(r"font-awesome@(\d[\w.\-]*)/", server_settings.assets.fontawesome_path)
        if m:
            found.append(("font-awesome", m.group(1)))
    return found


def missing_frontend(cache_dir: Path | None = None) -> list[str]:
    """The front-end files (npm package@version, plotly.js) not yet in ``cache_dir``; empty when ready."""
    cache = Path(cache_dir) if cache_dir is not None else assets_dir()
    missing = [f"{p}@{v}" for p, v in required_packages() if not (cache / f"{p}@{v}" / "package.json").is_file()]
    if not (cache / plotly_js_path()).is_file():
        missing.append(plotly_js_path().split("/")[0])
    return missing


def _npm_pack(package: str, version: str, target: Path) -> None:
    """Unpack ``package@version`` from the npm registry into ``target`` (atomically).

    ``npm pack`` runs in its own process group with a timeout, and the whole group is killed on
    timeout or interruption, so no npm process outlives this call.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise ServeError("npm not found")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [npm, "pack", f"{package}@{version}", "--silent"],
            cwd=tmp,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=NPM_TIMEOUT)
        except BaseException:
            _kill_group(proc)
            raise
        tarballs = list(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or not tarballs:
            raise ServeError(f"npm pack {package}@{version} failed: {(err or out).strip()[-300:]}")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(unpacked, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.move(str(unpacked / "package"), str(staging))
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)


def _kill_group(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def prepare_frontend(cache_dir: Path | None = None, *, log: Callable[[str], Any] = print) -> list[str]:
    """Put the page's front-end files into ``cache_dir`` (default :func:`assets_dir`); return what
    could not be put there. Needs the npm registry the first time; already-present packages are
    left alone, so a second call costs nothing."""
    import plotly

    cache = Path(cache_dir) if cache_dir is not None else assets_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return [f"cannot create {cache} ({e.strerror or e})"]
    plotly_js = cache / plotly_js_path()  # the copy inside the plotly Python package, no download
    if not plotly_js.exists():
        plotly_js.parent.mkdir(parents=True, exist_ok=True)
        tmp = plotly_js.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", tmp)
        os.replace(tmp, plotly_js)
    todo = [(p, v) for p, v in required_packages() if not (cache / f"{p}@{v}" / "package.json").is_file()]
    if todo:
        log(f"leadsim: fetching the page's front-end files into {cache}: " + ", ".join(f"{p}@{v}" for p, v in todo))
    missing = []
    for package, version in todo:
        try:
            _npm_pack(package, version, cache / f"{package}@{version}")
        except (ServeError, OSError, subprocess.SubprocessError, tarfile.TarError) as e:
            missing.append(f"{package}@{version} ({e})")
    return missing


# --- the server ---------------------------------------------------------------------------------------


class LocalAssets:
    """ASGI wrapper: ``/_solara/cdn/...`` from one local folder only (404 when absent), the rest to ``app``.

    Solara's own handler of that path fetches a missing file from the CDN inside the request, so
    requests for missing files could hang and hold the server's threads; this one never goes
    outward, so 100 requests for missing files cost no more than 100 quick 404s.
    """

    def __init__(self, app: Any, directory: Path) -> None:
        from starlette.applications import Starlette
        from starlette.routing import Mount
        from starlette.staticfiles import StaticFiles

        self.app = app
        self.directory = Path(directory)
        # follow_symlink=False (the default) keeps every answer inside the folder
        # a Starlette app (not a bare router) so that "not found" is a plain 404 response
        self.assets = Starlette(routes=[Mount(CDN_PREFIX, app=StaticFiles(directory=self.directory, check_dir=False))])

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == CDN_PREFIX or path.startswith(CDN_PREFIX + "/")):
            if "\x00" in path:  # the file system cannot even look such a name up
                from starlette.responses import PlainTextResponse

                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
                return
            await self.assets(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _quiet_solara() -> None:
    """Production mode, no telemetry, no phone-home checks, no banner: a trainer's machine."""
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_MODE"] = "production"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "False"
    import solara.server.settings as server_settings  # reads the environment once, when first imported

    server_settings.telemetry.mixpanel_enable = False
    server_settings.main.mode = "production"
    server_settings.theme.show_banner = False


def page_address(host: str, port: int) -> str:
    """The page's address as a browser takes it: an IPv6 host in brackets, given with or without them."""
    bare = host.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    return f"http://{shown}:{port}/"


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, public: bool = False, log_level: str = "warning"
) -> None:
    """Check the address and the front-end files, then run the page until interrupted.

    Raises:
        ServeError: the address is refused or taken, or front-end files are missing (nothing started).
    """
    check_host(host, public)
    check_port_free(host, port)
    _quiet_solara()
    missing = missing_frontend()
    if missing:
        raise ServeError(
            f"the page's front-end files are missing from {assets_dir()} ({', '.join(missing)}); "
            "run scripts/setup.sh or 'leadsim serve --prepare' once with network access"
        )
    os.environ["SOLARA_APP"] = APP_MODULE
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    import uvicorn
    from solara.server.starlette import app as solara_app

    print(f"leadsim: the trainers' page is at {page_address(host, port)} (Ctrl+C to stop)", flush=True)
    uvicorn.run(
        LocalAssets(solara_app, assets_dir()),
        host=host.strip("[]"),
        port=port,
        log_level=log_level,
        ws_ping_interval=20,
        ws_ping_timeout=60,
    )
