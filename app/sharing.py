"""Keep and share a page's setup: in the address (a link), as a scenario file, from an uploaded file.

The address holds everything needed to rebuild the same schools: compare mode, seed, whether the
scenarios' own events happen, each school's starting scenario and changed settings, the
interventions clicked (week, what, which school) and the week on screen. The same seed and log give
the same schools, so a link reopens the run exactly. Bad values are refused one by one with a
message naming the parameter; nothing of a bad address is applied.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from leadsim.app.classroom import (
    CRISIS_KINDS,
    NO_SWITCH,
    PRESETS,
    SCENARIO_SWITCH,
    SIDE_NAMES,
    SUCCESSORS,
    Classroom,
    Intervention,
    SchoolSettings,
    build_scenario,
    default_settings,
    drop_none,
    event_too_close,
    is_known_scenario,
    register_scenario,
)
from leadsim.sim.config import Scenario
from leadsim.sim.scenario import ScenarioError, bundled_scenarios, load_scenario

from leadsim.inputs import EXTENDS, InputError, read_document

#: the settings a link may change, with their ranges (the page's sliders')
RANGES: dict[str, tuple[float, float]] = {
    "solo": (0.0, 1.0),
    "design": (0.0, 1.0),
    "default": (0.0, 1.0),
    "desperation": (0.0, 1.0),
    "switch_year": (0.0, 10.0),
    "charisma": (0.0, 1.0),
    "distribution": (0.0, 1.0),
    "authenticity": (0.0, 1.0),
    "trust": (0.0, 1.0),
    "time_for_collaboration": (0.0, 0.6),
    # the model's own range (reform.pace): a scenario file may set more than the slider's 6
    "reform_pace": (0.0, 13.0),
}
MAX_SEED = 999
#: most interventions a link may carry (the model allows at most one departure per week anyway)
MAX_EVENTS = 200
_SIDE_CODES = {"both": None, "left": (0,), "right": (1,)}


@dataclasses.dataclass
class PageSetup:
    """What a link describes: the Classroom's arguments and the week on screen."""

    settings: tuple[SchoolSettings, SchoolSettings]
    seed: int = 0
    compare: bool = False
    own_events: bool = False
    log: list[Intervention] = dataclasses.field(default_factory=list)
    week: int = 0

    def classroom(self) -> Classroom:
        """The schools of this setup, run to its week."""
        room = Classroom(self.settings, self.seed, self.compare, self.own_events, self.log)
        room.seek(self.week)
        return room


def setup_of(room: Classroom) -> PageSetup:
    """A classroom's setup (what its link holds)."""
    return PageSetup(room.settings, room.seed, room.compare, room.own_events, list(room.log), room.cursor)


# --- the address -------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _event_code(iv: Intervention) -> str:
    side = "both" if len(iv.sides) != 1 else SIDE_NAMES[iv.sides[0]]
    arg = iv.arg or "own"
    extra = f":{_fmt(iv.severity)}" if iv.kind == "crisis" else ""
    return f"{iv.week}:{iv.kind}:{arg}{extra}:{side}"


def to_query(setup: PageSetup) -> dict[str, str]:
    """The address's query parameters for a setup (only what differs from the page's defaults)."""
    q: dict[str, str] = {}
    if setup.compare:
        q["compare"] = "1"
    if setup.seed:
        q["seed"] = str(setup.seed)
    if setup.own_events:
        q["events"] = "1"
    for side, s in zip(SIDE_NAMES, setup.settings, strict=True):
        base = SchoolSettings.from_scenario(s.scenario)
        if s.scenario != default_settings()[SIDE_NAMES.index(side)].scenario:
            q[side] = s.scenario
        for f in dataclasses.fields(s):
            value, was = getattr(s, f.name), getattr(base, f.name)
            if f.name != "scenario" and value != was:
                q[f"{side}.{f.name}"] = _fmt(value) if isinstance(value, float) else str(value)
    if setup.log:
        q["do"] = ",".join(_event_code(iv) for iv in setup.log)
    if setup.week:
        q["week"] = str(setup.week)
    return q


def to_address(setup: PageSetup) -> str:
    """``?compare=1&...``: the query string of a setup ("" for the defaults)."""
    q = to_query(setup)
    return "?" + urlencode(q, safe=":,") if q else ""


def _number(name: str, text: str, lo: float, hi: float) -> float:
    try:
        x = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r}: expected a number from {lo:g} to {hi:g}") from None
    if not lo <= x <= hi:  # also refuses nan
        raise ValueError(f"{name}={text!r}: expected a number from {lo:g} to {hi:g}")
    return x


def _flag(name: str, text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(f"{name}={text!r}: expected 0 or 1")
    return text == "1"


def _event(text: str, total_weeks: int) -> Intervention:
    parts = text.split(":")
    if len(parts) not in (4, 5):
        raise ValueError(f"do: {text!r}: expected week:kind:what:school, e.g. 195:leave:own:both")
    if not parts[0].isdigit() or len(parts[0]) > 6 or int(parts[0]) >= total_weeks:
        raise ValueError(f"do: {text!r}: the week must be a whole number from 0 to {total_weeks - 1}")
    week = int(parts[0])
    kind, arg, side = parts[1], parts[2], parts[-1]
    valid = {"leave": ("own", *SUCCESSORS), "crisis": tuple(CRISIS_KINDS), "switch": tuple(PRESETS)}
    if kind not in valid:
        raise ValueError(f"do: {text!r}: the kind must be one of leave, crisis, switch")
    if arg not in valid[kind]:
        raise ValueError(f"do: {text!r}: for {kind}, expected one of {', '.join(valid[kind])}")
    if side not in _SIDE_CODES:
        raise ValueError(f"do: {text!r}: the school must be left, right or both")
    severity = 0.6
    if kind == "crisis":
        if len(parts) != 5:
            raise ValueError(f"do: {text!r}: a crisis is week:crisis:kind:severity:school")
        severity = _number("do", parts[3], 0.1, 1.0)
    elif len(parts) != 4:
        raise ValueError(f"do: {text!r}: expected week:{kind}:what:school")
    sides = _SIDE_CODES[side] or (0, 1)
    return Intervention(week=week, kind=kind, sides=sides, arg="" if arg == "own" else arg, severity=severity)


def _too_close(setup: PageSetup, items: list[str]) -> list[str]:
    """A link's departures or crises closer than a term in one school (as the page refuses them)."""
    if len(items) != len(setup.log):  # some were refused already
        return []
    sides = (0, 1) if setup.compare else (0,)
    scenarios = [build_scenario(setup.settings[s], seed=setup.seed, own_events=setup.own_events) for s in sides]
    errors: list[str] = []
    done: list[Intervention] = []
    for text, iv in sorted(zip(items, setup.log, strict=True), key=lambda pair: pair[1].week):
        for s in sides:
            problem = event_too_close(iv.kind, iv.week, done, s, scenarios[s]) if s in iv.sides else ""
            if problem:
                errors.append(f"do: {text!r}: " + (f"{SIDE_NAMES[s]} school: " if setup.compare else "") + problem)
                break
        done.append(iv)
    return errors


def from_query(query: Mapping[str, str]) -> tuple[PageSetup, list[str]]:
    """The setup an address describes, and its problems (one line each).

    With any problem the defaults are returned, unchanged: a bad link changes nothing.
    """
    errors: list[str] = []
    known = {"compare", "seed", "events", "do", "week", *SIDE_NAMES}
    known |= {
        f"{side}.{f.name}" for side in SIDE_NAMES for f in dataclasses.fields(SchoolSettings) if f.name != "scenario"
    }
    for key in query:
        if key not in known:
            errors.append(f"{key}: not a setting of this page")
    setup = PageSetup(default_settings())
    try:
        setup.compare = _flag("compare", query.get("compare", "0"))
        setup.own_events = _flag("events", query.get("events", "0"))
        setup.seed = int(_number("seed", query.get("seed", "0"), 0, MAX_SEED))
        if not query.get("seed", "0").isdigit():
            raise ValueError(f"seed={query['seed']!r}: expected a whole number from 0 to {MAX_SEED}")
    except ValueError as e:
        errors.append(str(e))
    pair = list(setup.settings)
    for k, side in enumerate(SIDE_NAMES):
        name = query.get(side, pair[k].scenario)
        if not is_known_scenario(name):
            errors.append(f"{side}={name!r}: no such scenario on this server")
            continue
        s = SchoolSettings.from_scenario(name)
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(SchoolSettings):
            key = f"{side}.{f.name}"
            if f.name == "scenario" or key not in query:
                continue
            text = query[key]
            try:
                if f.name in RANGES:
                    changes[f.name] = _number(key, text, *RANGES[f.name])
                elif f.name == "successor":
                    if text not in SUCCESSORS:
                        raise ValueError(f"{key}={text!r}: expected one of {', '.join(SUCCESSORS)}")
                    changes[f.name] = text
                elif f.name == "switch_to":
                    if text not in (NO_SWITCH, SCENARIO_SWITCH, *PRESETS):
                        raise ValueError(f"{key}={text!r}: expected one of {', '.join(PRESETS)} or {NO_SWITCH!r}")
                    changes[f.name] = text
            except ValueError as e:
                errors.append(str(e))
        pair[k] = dataclasses.replace(s, **changes)
    setup.settings = (pair[0], pair[1])
    total = min(build_scenario(s, seed=0, own_events=False).steps for s in setup.settings)
    if query.get("do"):
        items = query["do"].split(",")
        if len(items) > MAX_EVENTS:
            errors.append(f"do: {len(items)} interventions; at most {MAX_EVENTS}")
        else:
            for item in items:
                try:
                    setup.log.append(_event(item, total))
                except ValueError as e:
                    errors.append(str(e))
            errors += _too_close(setup, items)
    if "week" in query:
        text = query["week"]
        if not text.isdigit() or int(text) > total:
            errors.append(f"week={text!r}: expected a whole number from 0 to {total}")
        else:
            setup.week = int(text)
    if errors:
        return PageSetup(default_settings()), errors
    return setup, []


# --- scenario files ----------------------------------------------------------------------------------


def setup_scenario(room: Classroom, side: int = 0) -> Scenario:
    """One school of the page as a scenario ``leadsim run`` and ``leadsim sweep`` accept: its settings,
    seed, and the interventions clicked as scheduled events (at the weeks they took effect)."""
    cfg = build_scenario(room.settings[side], seed=room.seed, own_events=room.own_events)
    d = drop_none(cfg.model_dump(mode="json"))
    where = {
        "leave": ("events", "head_departures"),
        "crisis": ("events", "crises"),
        "switch": ("leadership", "schedule"),
    }
    taken: set[int] = set()
    for iv in room.log:
        if side not in iv.sides:
            continue
        week = iv.week + 1
        section, key = where[iv.kind]
        if iv.kind == "leave":
            if week in taken:
                continue  # the model allows one departure a week
            taken.add(week)
            item: dict[str, Any] = {"week": week}
            if iv.arg:
                item["successor"] = {"style": iv.arg}
        elif iv.kind == "crisis":
            item = {"week": week, "kind": iv.arg, "severity": iv.severity, "duration_weeks": 8}
        else:
            item = {"week": week, "pattern": {"solo": 0.0, **PRESETS[iv.arg][1]}}
        d[section][key] = [*d[section][key], item]
    d["leadership"]["schedule"] = sorted(d["leadership"]["schedule"], key=lambda c: c.get("week", 0))
    d["name"] = f"page-{SIDE_NAMES[side]}"
    d["description"] = f"From the trainers' page: {room.labels[side]} (seed {room.seed})."
    return Scenario.model_validate(d)


def setup_yaml(room: Classroom, side: int = 0) -> str:
    """:func:`setup_scenario` as YAML text."""
    head = (
        f"# Saved from the trainers' page (leadsim serve): {room.labels[side]}, seed {room.seed}.\n"
        "# Run it with:  leadsim run THIS-FILE.yaml   (or open it on the page again)\n"
    )
    return head + yaml.safe_dump(drop_none(setup_scenario(room, side).model_dump(mode="json")), sort_keys=False)


def _check_extends(path: Path, name: str) -> None:
    """An uploaded file may extend a bundled scenario only (by its file name), never a file of the server's.

    ``extends`` is read relative to the file, and an absolute or ``../`` path would read any file the
    server can: its content or existence would show in the error (and with ``--public`` to anyone in the
    room's network).

    Raises:
        ValueError: ``extends`` names anything but a bundled scenario's file.
    """
    try:
        data, lines = read_document(path, name)
    except InputError:
        return  # not a mapping or not YAML: load_scenario says so, in the CLI's words
    if not isinstance(data, dict) or EXTENDS not in data:
        return
    target = data[EXTENDS]
    allowed = sorted(p.name for _, p, _ in bundled_scenarios())
    if isinstance(target, str) and target.strip() in allowed:
        return
    line = lines.get((EXTENDS,))
    raise ValueError(
        f"{name}:{line}: extends: a file opened on the page may extend only a bundled scenario "
        f"({', '.join(allowed)}), not {target!r}; use leadsim run for a file that extends your own files"
    )


def read_uploaded(data: bytes, filename: str = "uploaded.yaml") -> tuple[str, Scenario]:
    """Validate an uploaded scenario file exactly as ``leadsim run`` does and register it.

    Returns:
        The key the page knows it by (``upload:<hash>``) and the scenario.

    Raises:
        ValueError: the CLI's one-line error (file, line, field, what was expected).
    """
    name = Path(filename).name or "uploaded.yaml"
    if not name.endswith((".yaml", ".yml")):
        name += ".yaml"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        _check_extends(path, name)
        # the bundled scenarios beside it, so that a copy of one (charismatic-design.yaml extends
        # charismatic-solo.yaml) opens as it runs with leadsim run in scenarios/
        for _, bundled, _ in bundled_scenarios():
            if bundled.name != name:
                shutil.copyfile(bundled, Path(tmp) / bundled.name)
        try:
            scenario = load_scenario(path)
        except ScenarioError as e:
            raise ValueError(str(e).replace(str(path), name).replace(tmp + os.sep, "")) from None
    key = "upload:" + hashlib.sha256(data).hexdigest()[:10]
    register_scenario(key, scenario)
    return key, scenario
