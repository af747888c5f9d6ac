"""Loading scenario files: YAML with ``extends``, ``--set`` overrides and one-line errors.

A scenario file gives only what differs from the defaults of :class:`sim.config.Scenario`::

    # my-school.yaml
    extends: scenarios/demo.yaml   # optional; relative to this file; may chain
    head: {charisma: 0.4, distribution: 0.8}
    leadership:
      pattern: {solo: 0.2, design: 0.8}

Files are parsed with PyYAML's safe loader only (no Python tags are ever constructed), merged
(mappings merge recursively, lists and scalars replace), overridden by ``key.path=value`` strings
and validated by ``Scenario.model_validate``. Every problem becomes a :class:`ScenarioError`
whose message is one line of the form ``<file>:<line>: <field.path>: <what was expected> (got <value>)``.

Example:
    >>> from sim.scenario import load_scenario
    >>> s = load_scenario("scenarios/demo.yaml", ["head.charisma=0.9", "years=2"])  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import math
import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config import Scenario

__all__ = [
    "ScenarioError",
    "bundled_scenarios",
    "load_scenario",
    "resolve_scenario_path",
    "scenario_to_yaml",
    "SCENARIO_DIR",
]

#: the scenarios shipped with the repository (``leadsim scenarios``)
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"

#: the key by which a file names the file it builds on
EXTENDS = "extends"

Key = tuple[str | int, ...]
#: where a value came from: (display file name, line or None, override label or None)
Origin = tuple[str, int | None, str | None]


class ScenarioError(Exception):
    """A scenario that cannot be loaded; ``str()`` is always a single line."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


# --- YAML -------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, also reading ``1e-3`` and ``1e400`` as numbers (as YAML 1.2 does).

    PyYAML (YAML 1.1) reads a float without a dot (``1e-3``) as text, which strict validation
    would then refuse; constructors are the safe loader's, so no Python object is ever built.
    """


_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the number resolver of :class:`_Loader` (used for ``--set`` values)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader


def _yaml_error(name: str, err: yaml.YAMLError) -> ScenarioError:
    """One line for a YAML syntax or tag error."""
    if isinstance(err, yaml.reader.ReaderError):
        char = err.character
        what = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        return ScenarioError(f"{name}: not a text scenario file: unacceptable character {what} ({err.reason})")
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    if isinstance(err, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
        tag = re.search(r"tag '([^']*)'", problem)
        shown = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "?"
        return ScenarioError(
            f"{where}: YAML tag '{shown}' refused: scenario files may hold only plain values "
            "(numbers, text, true/false, lists, mappings)"
        )
    if "another document" in problem:
        return ScenarioError(f"{where}: two YAML documents in one file ('---' starts a new one); give one scenario")
    msg = f"{where}: invalid YAML: {problem}"
    context = getattr(err, "context", None)
    cmark = getattr(err, "context_mark", None)
    if context:
        msg += f" ({context}"
        if cmark is not None and mark is not None and cmark.line != mark.line:
            msg += f" started at line {cmark.line + 1}"
        msg += ")"
    if "'\\t'" in problem:
        msg += "; YAML cannot be indented with tabs, use spaces"
    return ScenarioError(msg)


def _read_document(path: Path, name: str) -> tuple[Any, dict[Key, int]]:
    """Parse one file safely: its data and the line of every key and list item."""
    try:
        if path.is_dir():
            raise ScenarioError(f"{name}: is a directory, not a scenario file")
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError(f"{name}: cannot read: {e.strerror or e}") from None
    if not raw.strip():
        raise ScenarioError(f"{name}: empty scenario file (give at least one setting, e.g. 'years: 10')")
    if b"\x00" in raw:
        raise ScenarioError(f"{name}: not a text scenario file (binary data)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ScenarioError(
            f"{name}:{line}: not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); save the file as UTF-8"
        ) from None
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(f"{name}: no settings (the file holds only comments); give at least one setting")
        lines: dict[Key, int] = {}
        _walk_node(node, (), lines, name, set(), {})
        data = loader.construct_document(node)
    except yaml.YAMLError as e:
        raise _yaml_error(name, e) from None
    except RecursionError:
        raise ScenarioError(f"{name}: YAML nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{name}:{node.start_mark.line + 1}: the top level must be a mapping of settings "
            f"(key: value lines), not {_kind(data)}"
        )
    return data, lines


#: more values than this (after expanding YAML aliases) is not a scenario
MAX_VALUES = 100_000


def _walk_node(
    node: yaml.Node, key: Key, lines: dict[Key, int], name: str, active: set[int], sizes: dict[int, int]
) -> int:
    """Record the line of every key and item; refuse duplicate keys, non-text keys and alias bombs.

    Returns the number of values below ``node`` with aliases expanded.
    """
    if id(node) in active:
        raise ScenarioError(f"{name}:{node.start_mark.line + 1}: recursive YAML alias")
    if id(node) in sizes:  # an alias of a node already walked
        return sizes[id(node)]
    active.add(id(node))
    size = 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            line = k.start_mark.line + 1
            if k.tag == "tag:yaml.org,2002:merge":
                size += _walk_node(v, key, lines, name, active, sizes)
                continue
            if not isinstance(k, yaml.ScalarNode) or k.tag != "tag:yaml.org,2002:str":
                shown = k.value if isinstance(k, yaml.ScalarNode) else "a " + type(k).__name__[:-4].lower()
                hint = " (YAML reads yes/no/on/off as true/false; quote it)" if k.tag.endswith(":bool") else ""
                where = _fmt_key(key) + ": " if key else ""
                raise ScenarioError(f"{name}:{line}: {where}keys must be names, got {shown!r}{hint}")
            if k.value in seen:
                raise ScenarioError(
                    f"{name}:{line}: {_fmt_key(key + (k.value,))}: key given twice (also on line {seen[k.value]})"
                )
            seen[k.value] = line
            lines[key + (k.value,)] = line
            size += _walk_node(v, key + (k.value,), lines, name, active, sizes)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            lines[key + (i,)] = v.start_mark.line + 1
            size += _walk_node(v, key + (i,), lines, name, active, sizes)
    active.discard(id(node))
    sizes[id(node)] = size
    if size > MAX_VALUES:
        raise ScenarioError(f"{name}:{node.start_mark.line + 1}: too many values ({size:,} with aliases expanded)")
    return size


# --- extends and merging ----------------------------------------------------------------------


def _load_chain(path: Path, name: str, stack: list[tuple[Path, str]]) -> tuple[dict, dict[Key, Origin]]:
    """Data and origins of a file with everything it extends merged in (base first)."""
    real = path.resolve()
    seen = [p for p, _ in stack]
    if real in seen:
        here = Path(stack[0][1]).parent
        cycle = " -> ".join(os.path.relpath(n, here) for n in [n for _, n in stack[seen.index(real) :]] + [name])
        raise ScenarioError(f"{stack[0][1]}: 'extends' cycle: {cycle}")
    data, lines = _read_document(path, name)
    origins: dict[Key, Origin] = {k: (name, line, None) for k, line in lines.items()}
    if EXTENDS not in data:
        return data, origins
    parent = data.pop(EXTENDS)
    line = lines.get((EXTENDS,))
    where = f"{name}:{line}" if line else name
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(f"{where}: extends: expected the path of another scenario file (got {_show(parent)})")
    target = Path(parent).expanduser()
    if not target.is_absolute():
        target = path.parent / target
    target_name = parent if Path(parent).is_absolute() else os.path.normpath(Path(name).parent / parent)
    if not target.exists():
        raise ScenarioError(f"{where}: extends: file not found: {target_name}")
    base, base_origins = _load_chain(target, target_name, stack + [(real, name)])
    origins = {k: v for k, v in origins.items() if k != (EXTENDS,)}
    return _merge(base, data), _merge_origins(base_origins, origins, data)


def _merge(base: Any, over: Any) -> Any:
    """Deep merge: mappings merge recursively; lists and scalars replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


def _merge_origins(base: dict[Key, Origin], over: dict[Key, Origin], over_data: dict) -> dict[Key, Origin]:
    """Origins after a merge: a value that replaces (not a mapping) hides everything below it in the base."""
    replaced = [k for k in over if not isinstance(_get(over_data, k), dict)]
    out = {k: v for k, v in base.items() if not any(k[: len(r)] == r for r in replaced)}
    out.update(over)
    return out


def _get(data: Any, key: Key) -> Any:
    for part in key:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# --- the pydantic model tree --------------------------------------------------------------------


def _unwrap(ann: Any) -> Any:
    """The model class or list type inside ``X | None``."""
    if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union:
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return ann


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _type_at(key: Key) -> Any:
    """The annotation reached by following ``key`` from :class:`Scenario` (None if not a valid path)."""
    ann: Any = Scenario
    for part in key:
        ann = _unwrap(ann)
        if isinstance(part, int):
            if typing.get_origin(ann) is not list:
                return None
            ann = typing.get_args(ann)[0]
        elif _is_model(ann) and part in ann.model_fields:
            ann = ann.model_fields[part].annotation
        else:
            return None
    return _unwrap(ann)


def _valid_names(key: Key) -> list[str]:
    """The setting names allowed inside the section at ``key``."""
    ann = _type_at(key)
    names = list(ann.model_fields) if _is_model(ann) else []
    if key == ():
        names.append(EXTENDS)
    return names


def _closest(word: str, parent: Key, value: Any = None, *, in_file: bool = True) -> str | None:
    """The valid name at ``parent`` closest to ``word``, preferring one whose kind fits ``value``.

    A misspelt section (its value a mapping) is matched against sections first, a misspelt
    setting against settings: ``heed: {charisma: 0.8}`` suggests 'head', not 'seed'.
    """
    names = [n for n in _valid_names(parent) if in_file or n != EXTENDS]
    close = difflib.get_close_matches(word, names, n=4, cutoff=0.6)
    if not close:
        return None
    if value is not None:
        wants_section = isinstance(value, dict | list)
        for name in close:
            ann = _type_at(parent + (name,)) if name != EXTENDS else None
            if (_is_model(ann) or typing.get_origin(ann) is list) == wants_section:
                return name
    return close[0]


def _suggest(word: str, parent: Key, value: Any = None, *, in_file: bool = True) -> str:
    close = _closest(word, parent, value, in_file=in_file)
    if close:
        return f"did you mean '{close}'?"
    names = [n for n in _valid_names(parent) if in_file or n != EXTENDS]
    if names:
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return f"valid keys here: {shown}"
    return "this setting has no sub-settings"


# --- overrides ----------------------------------------------------------------------------------


def _parse_override(item: str | tuple[str, str]) -> tuple[str, Key, Any]:
    label, expr = (f"--set {item}", item) if isinstance(item, str) else item
    if "=" not in expr:
        raise ScenarioError(f"{label}: expected key.path=value, e.g. --set head.charisma=0.9")
    path, _, value = expr.partition("=")
    path = path.strip()
    if not path or any(not p for p in path.split(".")):
        raise ScenarioError(f"{label}: expected key.path=value, e.g. --set head.charisma=0.9")
    key: Key = tuple(int(p) if p.isdigit() else p for p in re.sub(r"\[(\d+)\]", r".\1", path).split("."))
    for i, part in enumerate(key):
        parent, ann = key[:i], _type_at(key[:i])
        if isinstance(part, int):
            if typing.get_origin(ann) is not list:
                raise ScenarioError(f"{label}: {_fmt_key(parent)} is not a list, so [{part}] cannot index it")
        elif _type_at(key[: i + 1]) is None:
            here = _fmt_key(key[: i + 1])
            if typing.get_origin(ann) is list:
                raise ScenarioError(
                    f"{label}: {_fmt_key(parent)} is a list; name an item, e.g. {_fmt_key(parent)}[0].{part}"
                )
            if not _is_model(ann):
                raise ScenarioError(f"{label}: unknown parameter '{here}' ({_fmt_key(parent)} has no sub-settings)")
            close = _closest(part, parent, in_file=False)
            hint = f"did you mean '{_fmt_key(parent + (close,))}'?" if close else _suggest(part, parent, in_file=False)
            raise ScenarioError(f"{label}: unknown parameter '{here}'; {hint}")
    try:
        parsed = _safe_load(value) if value.strip() else None
    except yaml.YAMLError as e:
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ScenarioError(f"{label}: cannot read the value: {problem}") from None
    return label, key, parsed


def _apply_override(data: dict, origins: dict[Key, Origin], file_name: str, label: str, key: Key, value: Any) -> None:
    node: Any = data
    for i, part in enumerate(key[:-1]):
        child = node[part] if isinstance(part, int) else node.get(part)
        nxt = key[i + 1]
        if isinstance(nxt, int):
            n = len(child) if isinstance(child, list) else 0
            if nxt >= n:
                raise ScenarioError(f"{label}: {_fmt_key(key[: i + 1])} has {n} item(s), so [{nxt}] does not exist")
            child = list(child)
        else:
            child = dict(child) if isinstance(child, dict) else {}
        node[part] = child
        node = child
    node[key[-1]] = value
    for k in [k for k in origins if k[: len(key)] == key]:
        del origins[k]
    origin: Origin = (file_name, None, label)
    origins[key] = origin
    for sub in _paths(value, key):
        origins[sub] = origin


def _paths(value: Any, key: Key) -> list[Key]:
    out: list[Key] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        out.append(key + (k,))
        out.extend(_paths(v, key + (k,)))
    return out


# --- errors ------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else f"\\x{ord(ch):02x}" for ch in str(text))
    return " ".join(part.strip() for part in text.replace("\t", " ").splitlines() if part.strip())


def _fmt_key(key: Key) -> str:
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "nothing" if value is None else type(value).__name__


def _show(value: Any, limit: int = 60) -> str:
    """A value as the user would write it in YAML, shortened."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf") if math.isinf(value) else repr(value)
    elif isinstance(value, int):
        text = str(value) if abs(value) < 10**30 else f"{str(value)[:3]}...({len(str(abs(value)))} digits)"
    elif isinstance(value, str):
        text = repr(value)
    else:
        try:
            text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
        except yaml.YAMLError:
            text = repr(value)
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expected(err: Mapping[str, Any], key: Key) -> str:
    """What was expected, in words, for one pydantic error."""
    typ, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if typ == "extra_forbidden":
        return f"unknown key; {_suggest(str(key[-1]), key[:-1], value)}"
    if typ == "missing":
        return "required setting is missing"
    if typ in ("float_type", "float_parsing"):
        return "number too large" if isinstance(value, int) and not isinstance(value, bool) else "expected a number"
    if typ in ("int_type", "int_parsing", "int_from_float"):
        return "expected a whole number" + (" (no decimal point)" if isinstance(value, float) else "")
    if typ in ("bool_type", "bool_parsing"):
        return "expected true or false"
    if typ == "string_type":
        return "expected text (put it in quotes)"
    if typ in ("model_type", "dict_type", "model_attributes_type"):
        return "expected a mapping of settings (key: value lines)"
    if typ == "list_type":
        return "expected a list (lines starting with '- ')"
    if typ == "literal_error":
        return f"expected one of {ctx.get('expected', '')}".replace(" or ", ", ")
    if isinstance(value, float) and math.isnan(value):
        return "expected a number"
    if typ in ("less_than_equal", "less_than"):
        return f"must be at most {_bound(ctx.get('le', ctx.get('lt')))}"
    if typ in ("greater_than_equal", "greater_than"):
        return f"must be at least {_bound(ctx.get('ge', ctx.get('gt')))}"
    if typ == "finite_number":
        return "expected a finite number"
    if typ == "invalid_key":
        return "keys must be names"
    if typ == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return str(err["msg"])


def _bound(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


_PATH_IN_TEXT = re.compile(r"\b([a-z_]+(?:\.[a-z_]+|\[\d+\])+)")


def _text_key(text: str) -> list[Key]:
    """Field paths mentioned in a validator's message (``events.crises[0]`` -> key)."""
    keys = []
    for m in _PATH_IN_TEXT.finditer(text):
        parts = re.sub(r"\[(\d+)\]", r".\1", m.group(1)).split(".")
        keys.append(tuple(int(p) if p.isdigit() else p for p in parts))
    return keys


def _locate(key: Key, origins: dict[Key, Origin], default: str) -> tuple[str, Key | None]:
    """``file:line`` (or ``file: --set ...``) of the nearest ancestor of ``key`` that was given."""
    for n in range(len(key), 0, -1):
        origin = origins.get(key[:n])
        if origin is not None:
            name, line, label = origin
            if label is not None:
                return f"{name}: {label}", key[:n]
            return (f"{name}:{line}" if line else name), key[:n]
    return default, None


def _validation_error(err: ValidationError, origins: dict[Key, Origin], top: str) -> ScenarioError:
    errors = err.errors(include_url=False)
    lines = []
    for e in errors:
        key: Key = tuple(e["loc"])
        expected = _expected(e, key)
        if key:
            where, _ = _locate(key, origins, top)
            msg = f"{where}: {_fmt_key(key)}: {expected}"
            if e["type"] not in ("extra_forbidden", "missing", "value_error", "invalid_key"):
                msg += f" (got {_show(e.get('input'))})"
        else:  # the whole-scenario checks name their fields in the message
            where = top
            for k in _text_key(expected):
                found, at = _locate(k, origins, "")
                if at is not None:
                    where = found
                    break
            msg = f"{where}: {expected}"
        lines.append(msg)
    message = lines[0]
    if len(lines) > 1:
        message += f" (and {len(lines) - 1} more problem{'s' if len(lines) > 2 else ''})"
    return ScenarioError(message)


# --- public API --------------------------------------------------------------------------------


def resolve_scenario_path(scenario: str | Path) -> Path:
    """A path to a scenario file from a path or the name of a bundled scenario (``demo``)."""
    path = Path(scenario).expanduser()
    if path.exists():
        return path
    text = str(scenario)
    if text and "/" not in text and "\\" not in text:
        stem = text.removesuffix(".yaml").removesuffix(".yml")
        for name, bundled, _ in bundled_scenarios():
            if name == stem:
                return bundled
        names = [n for n, _, _ in bundled_scenarios()]
        if not Path(text).suffix:
            hint = difflib.get_close_matches(stem, names, n=1)
            more = (
                f"; did you mean '{hint[0]}'?"
                if hint
                else (f"; bundled scenarios: {', '.join(names)}" if names else "")
            )
            raise ScenarioError(f"{text}: no such scenario file or bundled scenario{more}")
    raise ScenarioError(f"{text}: no such scenario file")


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
    parsed = [_parse_override(o) for o in overrides]
    file = resolve_scenario_path(path)
    top = str(path) if Path(path).expanduser().exists() else str(file)
    try:
        data, origins = _load_chain(file, top, [])
    except ScenarioError as e:
        if not str(e).startswith(f"{top}:"):  # the problem is in a file it extends
            raise ScenarioError(f"{e} (extended by {top})") from None
        raise
    if origins.get(("name",), (None,))[0] != top:  # not set by the file itself (maybe by a base)
        data["name"] = file.stem
        origins.pop(("name",), None)
    for label, key, value in parsed:
        _apply_override(data, origins, top, label, key, value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        error = _validation_error(e, origins, top)
        if not str(error).startswith(f"{top}:"):
            error = ScenarioError(f"{error} (extended by {top})")
        raise error from None
    except (RecursionError, OverflowError, ValueError, TypeError) as e:
        raise ScenarioError(f"{top}: invalid scenario: {e}") from None


def scenario_to_yaml(s: Scenario) -> str:
    """The fully resolved scenario as YAML (every setting, defaults included)."""
    return yaml.safe_dump(s.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def bundled_scenarios() -> list[tuple[str, Path, str]]:
    """The repository's ``scenarios/*.yaml``: (name, path, one-line description), by name."""
    out = []
    if not SCENARIO_DIR.is_dir():
        return out
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        if path.name.startswith(("_", ".")):
            continue
        out.append((path.stem, path, _description(path)))
    return out


def _description(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("description"), str) and data["description"].strip():
        return _one_line(data["description"])
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if comment:
                return _one_line(comment)
        elif stripped:
            break
    return ""
