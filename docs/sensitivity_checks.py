"""How school checks move with one setting: a sensitivity of an assumed size, not a fit.

Many sizes in the ODD are assumptions (their source column says so). This runs chosen checks of
the school suite with one setting changed in every school they build (their calm base,
``analysis.validation.CALM``), at 20 seeds from a base seed, for each value given, and prints one
line per check and value. Only checks whose schools are all built on that base are offered
(P1-P3), so the setting reaches every run. From the repository root (about a minute per check
and value on 2 cores)::

    .venv/bin/python docs/sensitivity_checks.py succession.expectations_fade 0,0.0089,0.036,1 \
        --checks P1 [--with succession.uncertainty=0 ...] [--base 0] [--seeds 20] [--workers 2]

``--with SETTING=VALUE`` (repeatable) holds other settings fixed at a value in every run, to see
one setting's effect with others switched off.

A value is read as YAML (``0.5``, ``true``) and checked as a scenario would be: a setting that
does not exist or a value out of its range is refused in one line, exit 2, before anything runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import yaml
from leadsim.analysis import validation
from leadsim.analysis.suite import run_check, suite
from leadsim.sim.config import Scenario
from pydantic import ValidationError

#: the checks whose schools are all built on ``CALM`` (so a setting given there reaches every one of them)
BUILT_ON_CALM = ("P1", "P2", "P3")


def nested(dotted: str, value: Any) -> dict[str, Any]:
    """``("a.b", 1)`` -> ``{"a": {"b": 1}}``."""
    out: Any = value
    for part in reversed(dotted.split(".")):
        out = {part: out}
    return out


@contextmanager
def calm_with(over: dict[str, Any]) -> Iterator[None]:
    """Every school the checks build carries ``over`` while inside; the base is restored after."""
    calm = validation.CALM
    kept = dict(calm)
    calm.clear()
    calm.update(validation.merge(kept, over))
    try:
        yield
    finally:
        calm.clear()
        calm.update(kept)


def sweep(
    dotted: str,
    values: Sequence[Any],
    checks: Sequence[str],
    seeds: int = 20,
    workers: int = 2,
    base: int = 0,
    held: dict[str, Any] | None = None,
    say: Callable[[str], None] = print,
) -> list[tuple[Any, Any]]:
    """Run ``checks`` at each value of the setting ``dotted`` (with ``held``, a scenario dict of other
    settings, in every run); returns ``(value, PatternResult)`` pairs."""
    out = []
    for value in values:
        with calm_with(validation.merge(held or {}, nested(dotted, value))):
            for key in checks:
                r = run_check(key, seeds, workers, base)
                say(f"{dotted}={value}  {key}  {'pass' if r.passed else 'fail'}: {r.measured}")
                out.append((value, r))
    return out


def _error(message: str) -> int:
    print(f"sensitivity_checks.py: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("setting", help="a scenario setting, dotted: succession.expectations_fade")
    parser.add_argument("values", help="its values, comma-separated")
    parser.add_argument("--checks", default="P1", help="school checks, comma-separated (some of P1, P2, P3)")
    parser.add_argument("--base", type=int, default=0, help="base seed (default 0)")
    parser.add_argument("--seeds", type=int, default=20, help="seeds per arm (default 20)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--with", dest="held", action="append", default=[], metavar="SETTING=VALUE", help="hold a setting fixed"
    )
    args = parser.parse_args(argv)
    held: dict[str, Any] = {}
    for item in args.held:
        name, eq, text = item.partition("=")
        try:
            value = yaml.safe_load(text) if eq else None
        except yaml.YAMLError:
            value = None
        if not eq or not name or value is None:
            return _error(f"--with {item!r}: expected SETTING=VALUE, e.g. succession.uncertainty=0")
        held = validation.merge(held, nested(name, value))
    try:
        values = [yaml.safe_load(v) for v in args.values.split(",") if v.strip()]
    except yaml.YAMLError:
        values = []
    if not values:
        return _error(f"values {args.values!r}: expected comma-separated values, e.g. 0,0.5,1")
    for value in values:
        try:
            Scenario.model_validate(
                validation.merge(validation.merge(validation.CALM, held), nested(args.setting, value))
            )
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return _error(f"{where}: {first['msg']}")
    checks = [k.strip().upper() for k in args.checks.split(",") if k.strip()]
    school = [k for k in suite("school") if k in BUILT_ON_CALM]
    if not checks or any(k not in school for k in checks):
        return _error(f"--checks {args.checks!r}: expected some of {', '.join(school)}")
    sweep(args.setting, values, checks, args.seeds, args.workers, args.base, held)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
