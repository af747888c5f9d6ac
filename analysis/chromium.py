"""The system's headless Chromium, as the browser tests, the app benchmark and the docs' figure export use it.

Nothing here downloads a browser: Debian's ``chromium`` package provides ``/usr/bin/chromium``
(CI installs it with apt-get).
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
#: a quiet, offline browser: no sandbox (containers), no GPU, nothing fetched in the background
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
