"""The ``leadsim`` command: the top floor, which only parses, calls the library and prints.

Each command lives in a module named after its subject and adds itself to :data:`app` when
imported; every module imports its heavy libraries inside the command, so ``leadsim validate``
stays fast. Library functions return results; only these modules print or choose exit codes.
"""

from __future__ import annotations

from leadsim.cli import calibrate, check, diagnose, report, run, serve, sweep, system  # noqa: F401 - each registers its commands
from leadsim.cli.core import PROG, USAGE_ERROR, app, fail, main

__all__ = ["PROG", "USAGE_ERROR", "app", "fail", "main"]
