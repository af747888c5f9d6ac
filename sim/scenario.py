"""Loading scenario files: YAML with ``extends``, ``--set`` overrides and one-line errors.

A scenario file gives only what differs from the defaults of :class:`leadsim.sim.config.Scenario`::

    # my-school.yaml
    extends: demo.yaml             # optional; relative to this file; may chain
    head: {charisma: 0.4, distribution: 0.8}
    leadership:
      pattern: {solo: 0.2, design: 0.8}

Reading, merging and overriding are :mod:`leadsim.inputs` (safe YAML, limits, file and line of
every value); this module adds the schema (:class:`Scenario`) and the bundled scenarios. Every
problem becomes a :class:`ScenarioError` whose message is one line of the form
``<file>:<line>: <field.path>: <what was expected> (got <value>)``.

Example:
    >>> from leadsim.sim.scenario import load_scenario
    >>> s = load_scenario("demo", ["head.charisma=0.9", "years=2"])
    >>> s.head.charisma, s.years
    (0.9, 2.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml
from leadsim.sim.config import Scenario
from pydantic import ValidationError

from leadsim.bundled import Bundled
from leadsim.inputs import InputError, load_named, parse_override, validation_error

__all__ = [
    "BUNDLED_SCENARIOS",
    "ScenarioError",
    "bundled_scenarios",
    "load_scenario",
    "resolve_scenario_path",
    "scenario_to_yaml",
]

#: the scenarios shipped with leadsim (``leadsim scenarios``), package data of ``leadsim.scenarios``
BUNDLED_SCENARIOS = Bundled("leadsim.scenarios", "scenario")


class ScenarioError(InputError):
    """A scenario that cannot be loaded; ``str()`` is always a single line."""


# --- public API --------------------------------------------------------------------------------


def resolve_scenario_path(scenario: str | Path) -> Path:
    """A path to a scenario file from a path or the name of a bundled scenario (``demo``)."""
    try:
        return BUNDLED_SCENARIOS.resolve(scenario)
    except InputError as e:
        raise ScenarioError(str(e)) from None


def load_scenario(path: str | Path, overrides: Sequence[str | tuple[str, str]] = ()) -> Scenario:
    """Load, merge, override and validate a scenario file.

    Args:
        path: a YAML file, or the name of a bundled scenario (``demo`` for ``scenarios/demo.yaml``).
        overrides: ``key.path=value`` strings applied after the file (values are YAML, so
            ``school.student_council=true`` and ``leadership.pattern={solo: 0, design: 1}`` work);
            an item may also be ``(label, "key.path=value")`` to name its origin in messages
            (e.g. ``("--seed 3", "seed=3")``).

    Returns:
        The validated scenario; ``name`` is the file's stem unless the file sets it.

    Raises:
        ScenarioError: anything wrong, as one line naming file, line and field.
    """
    try:
        parsed = [parse_override(Scenario, o) for o in overrides]
    except InputError as e:
        raise ScenarioError(str(e)) from None
    file = resolve_scenario_path(path)
    top = str(path) if Path(path).expanduser().exists() else str(file)
    try:
        data, origins = load_named(file, top, parsed)
    except InputError as e:
        raise ScenarioError(str(e)) from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        error = str(validation_error(Scenario, e, origins, top))
        if not error.startswith(f"{top}:"):
            error = f"{error} (extended by {top})"
        raise ScenarioError(error) from None
    except (RecursionError, OverflowError, ValueError, TypeError) as e:
        raise ScenarioError(f"{top}: invalid scenario: {e}") from None


def scenario_to_yaml(s: Scenario) -> str:
    """The fully resolved scenario as YAML (every setting, defaults included)."""
    return yaml.safe_dump(s.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def bundled_scenarios() -> list[tuple[str, Path, str]]:
    """The bundled scenarios: (name, path, one-line description), by name."""
    return BUNDLED_SCENARIOS.listing()
