"""leadsim: an agent-based model of leadership patterns in schools, built on Mesa.

One import package whose parts are the repository's folders (``pyproject.toml`` maps them)::

    leadsim.sim          sim/          the model (imports nothing above it)
    leadsim.experiments  experiments/  run outputs, experiment specs, the sweep runner
    leadsim.analysis     analysis/     statistics, reports, figures, validation
    leadsim.app          app/          the trainers' page
    leadsim.cli          cli/          the ``leadsim`` command: the top floor
    leadsim.scenarios    scenarios/    the bundled scenarios (package data)
    leadsim.inputs, leadsim.bundled    the floor below all of them: safe YAML, bundled files

Importing ``leadsim`` loads nothing else, so every layer can import this package cheaply.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("leadsim")
except metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
