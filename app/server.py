"""``leadsim serve``: the trainers' page (issue 5), served by solara on this machine.

The page itself is :mod:`leadsim.app.page`. This module checks where it may listen (only the loopback
interface unless ``--public`` is given), makes sure the page's front-end files are available
offline, and runs solara's server (uvicorn) in this process.

Front-end files: solara's page loads its JavaScript and CSS through its asset proxy
(``/_solara/cdn/...``), which serves files from a cache folder and otherwise fetches them from a
public CDN. So that the page also works without that CDN (a training room, CI), the exact
package versions the installed solara asks for are put into that cache folder first, with
``npm pack`` from the npm registry (as the ``solara-assets`` package does), and plotly.js is
copied there from the plotly Python package. Without npm the proxy falls back to the CDN.

Only ``typer`` is imported at the top, so that registering the command keeps ``leadsim`` fast.
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
from pathlib import Path

APP_MODULE = "leadsim.app.page"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


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


def required_packages() -> list[tuple[str, str]]:
    """The npm packages (name, exact version) the installed solara's page loads through its asset proxy."""
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


def _npm_pack(package: str, version: str, target: Path) -> None:
    """Unpack ``package@version`` from the npm registry into ``target`` (atomically)."""
    npm = shutil.which("npm")
    if npm is None:
        raise ServeError("npm not found")
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [npm, "pack", f"{package}@{version}", "--silent"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=300,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if out.returncode != 0 or not tarballs:
            raise ServeError(f"npm pack {package}@{version} failed: {(out.stderr or out.stdout).strip()[-300:]}")
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


def ensure_frontend(cache_dir: Path | None = None, *, log=print) -> list[str]:
    """Put the page's front-end files into solara's asset cache; return what could not be put there.

    Already-present packages are left alone, so this costs nothing after the first start.
    """
    import solara.server.settings as server_settings
    from leadsim.app.page import plotly_js_path

    cache = Path(cache_dir) if cache_dir is not None else Path(server_settings.assets.proxy_cache_dir)
    missing: list[str] = []
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return [f"cannot create {cache} ({e.strerror or e})"]
    # plotly.js: the copy inside the plotly Python package, no download
    import plotly

    plotly_js = cache / plotly_js_path()
    if not plotly_js.exists():
        source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        plotly_js.parent.mkdir(parents=True, exist_ok=True)
        tmp = plotly_js.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, plotly_js)
    todo = [(p, v) for p, v in required_packages() if not (cache / f"{p}@{v}" / "package.json").exists()]
    if todo:
        log(
            f"leadsim: fetching the page's front-end files into {cache} (once): "
            + ", ".join(f"{p}@{v}" for p, v in todo)
        )
    for package, version in todo:
        try:
            _npm_pack(package, version, cache / f"{package}@{version}")
        except (ServeError, OSError, subprocess.SubprocessError, tarfile.TarError) as e:
            missing.append(f"{package}@{version} ({e})")
    return missing


# --- the server ---------------------------------------------------------------------------------------


def _quiet_solara() -> None:
    """Production mode, no telemetry, no phone-home checks, no banner: a trainer's machine."""
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_MODE"] = "production"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "False"
    import solara.server.settings as server_settings  # reads the environment once, when first imported

    server_settings.telemetry.mixpanel_enable = False
    server_settings.main.mode = "production"
    server_settings.theme.show_banner = False


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, public: bool = False, log_level: str = "warning"
) -> None:
    """Check the address, prepare the front-end files and run the page until interrupted."""
    check_host(host, public)
    check_port_free(host, port)
    _quiet_solara()
    os.environ["SOLARA_APP"] = APP_MODULE
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    missing = ensure_frontend(log=lambda m: print(m, file=sys.stderr, flush=True))
    if missing:
        print(
            "leadsim: warning: could not prepare " + "; ".join(missing) + " - the page will fetch them from "
            "the jsDelivr CDN instead, which needs internet access",
            file=sys.stderr,
            flush=True,
        )
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    print(f"leadsim: the trainers' page is at http://{shown}:{port}/ (Ctrl+C to stop)", flush=True)
    uvicorn.run(
        "solara.server.starlette:app",
        host=host.strip("[]"),
        port=port,
        log_level=log_level,
        ws_ping_interval=20,
        ws_ping_timeout=60,
    )
