"""Loading system scenario files: YAML with ``extends``, ``--set`` overrides and one-line errors.

A system scenario file has a ``schools`` list or a ``generate`` section (see
:class:`leadsim.sim.system_config.SystemScenario`)::

    # federation.yaml
    years: 12
    schools:
      - {name: hill, head: {charisma: 0.8}}
      - {name: vale}
    federations:
      - {name: hill-vale, schools: [hill, vale]}

Reading, merging and overriding are :mod:`leadsim.inputs`, as for single-school scenarios. Besides
the schema, every impossible grouping (a school a federation names that does not exist, an executive
head of zero schools, a cycle of leading or support) is refused as one line naming the file and
line of the entry at fault.

Example:
    >>> from leadsim.sim.system_scenario import load_system_scenario
    >>> s = load_system_scenario("federation", ["years=2"])
    >>> s.years
    2.0
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from leadsim.sim.scenario import ScenarioError
from leadsim.sim.system_config import Problem, SystemScenario, grouping_problems
from pydantic import ValidationError

from leadsim.bundled import Bundled
from leadsim.inputs import InputError, fmt_key, load_chain, load_named, locate, parse_override, validation_error

__all__ = [
    "BUNDLED_SYSTEMS",
    "SYSTEM_KEYS",
    "bundled_systems",
    "is_system_file",
    "load_system_scenario",
    "school_problems",
    "system_scenario_to_yaml",
]

#: the bundled system scenarios (``leadsim system scenarios``), package data of ``leadsim.scenarios.systems``;
#: a folder of their own, so that the single-school listings (page, sweeps) never meet one
BUNDLED_SYSTEMS = Bundled("leadsim.scenarios.systems", "system scenario")

#: top-level keys only a system scenario has: a file with one of them is a system scenario
SYSTEM_KEYS = ("schools", "generate", "federations", "executive_heads", "networks", "support", "boundary")


def is_system_file(scenario: str | Path) -> bool:
    """Whether a scenario file (or bundled name) describes a system of schools rather than one school."""
    try:
        file = BUNDLED_SYSTEMS.resolve(scenario)
        data, _ = load_chain(file, str(file), [])
    except InputError:
        return False
    return isinstance(data, dict) and any(k in data for k in SYSTEM_KEYS)


def load_system_scenario(path: str | Path, overrides: Sequence[str | tuple[str, str]] = ()) -> SystemScenario:
    """Load, merge, override and validate a system scenario file, groupings included.

    Args:
        path: a YAML file, or the name of a bundled scenario.
        overrides: ``key.path=value`` strings (or ``(label, "key.path=value")``) applied after the file.

    Returns:
        The validated system scenario; ``name`` is the file's stem unless the file sets it.

    Raises:
        ScenarioError: anything wrong, as one line naming file, line and field.
    """
    try:
        parsed = [parse_override(SystemScenario, o) for o in overrides]
        file = BUNDLED_SYSTEMS.resolve(path)
    except InputError as e:
        raise ScenarioError(str(e)) from None
    top = str(path) if Path(path).expanduser().exists() else str(file)
    try:
        data, origins = load_named(file, top, parsed)
    except InputError as e:
        raise ScenarioError(str(e)) from None
    try:
        scenario = SystemScenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(str(validation_error(SystemScenario, e, origins, top))) from None
    except (RecursionError, OverflowError, ValueError, TypeError) as e:
        raise ScenarioError(f"{top}: invalid system scenario: {e}") from None
    problems = grouping_problems(scenario) + school_problems(scenario)
    if problems:
        key, message = problems[0]
        where, _ = locate(key, origins, top)
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        raise ScenarioError(f"{where}: {fmt_key(key)}: {message}{more}")
    return scenario


def school_problems(s: SystemScenario) -> list[Problem]:
    """Each listed school's own scenario must be one the single-school model accepts (its schedule of
    pattern changes within the run and in time order, its posts within its staff, ...): as
    :func:`~leadsim.sim.system_config.grouping_problems`, (field path, what is wrong) pairs, so that
    ``leadsim system validate`` refuses what ``leadsim system run`` could not build."""
    from leadsim.sim.system import school_scenario

    out: list[Problem] = []

    g = s.generate
    sizes = {
        "primary": (g.primary_teachers, g.primary_students),
        "secondary": (g.secondary_teachers, g.secondary_students),
    }
    for i, spec in enumerate(s.schools):
        try:
            school_scenario(spec, s, sizes[spec.kind])
        except ValidationError as e:
            err = e.errors(include_url=False)[0]
            message = str(err["msg"]).removeprefix("Value error, ")
            where: tuple[str | int, ...] = ("schools", i)
            if "leadership.schedule" in message:
                where += ("leadership", "schedule")
            elif err["loc"]:
                message = f"{'.'.join(str(k) for k in err['loc'])}: {message}"
            out.append((where, f"school '{spec.name}': {message}"))
    return out


def system_scenario_to_yaml(s: SystemScenario) -> str:
    """The fully resolved system scenario as YAML (every setting, defaults included)."""
    data: dict[str, Any] = s.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def bundled_systems() -> list[tuple[str, Path, str]]:
    """The bundled system scenarios: (name, path, one-line description), by name."""
    return BUNDLED_SYSTEMS.listing()
