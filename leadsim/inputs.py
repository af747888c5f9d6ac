"""Reading leadsim's YAML inputs safely, with the file and line of every value.

One reader for every input a user hands leadsim: scenario files, experiment specs, the
``experiment.yaml`` of a sweep folder, and ``--set key.path=value`` overrides. It

* reads regular files only (never a FIFO, device or directory), at most :data:`MAX_BYTES`;
* parses with PyYAML's *safe* loader (no Python object is ever built), refusing duplicate keys,
  non-text keys, recursive aliases, alias bombs (more than :data:`MAX_VALUES` values once aliases are
  expanded), nesting deeper than :data:`MAX_DEPTH` and integers longer than :data:`MAX_DIGITS` digits;
* follows ``extends:`` chains (relative to the extending file) and deep-merges them
  (:func:`deep_merge`: mappings merge, lists and scalars replace);
* applies ``--set`` overrides checked against the typed schema (a pydantic model);
* turns every problem into an :class:`InputError` whose message is one line,
  ``<file>:<line>: <field.path>: <what was expected> (got <value>)``.

The schema is a parameter: :mod:`leadsim.sim.scenario` passes :class:`~leadsim.sim.config.Scenario`,
:mod:`leadsim.experiments.spec` its experiment model, so both speak with one voice.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

__all__ = [
    "EXTENDS",
    "InputError",
    "Key",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_VALUES",
    "Origin",
    "apply_override",
    "closest",
    "deep_merge",
    "expected",
    "fmt_key",
    "get_path",
    "load_chain",
    "load_named",
    "note_origin",
    "locate",
    "one_line",
    "parse_override",
    "parse_value",
    "paths_below",
    "read_document",
    "read_text",
    "set_label",
    "show",
    "type_at",
    "validation_error",
]

#: the key by which a file names the file it builds on
EXTENDS = "extends"
#: an input file larger than this is refused before it is parsed (1 MiB: the largest bundled file is 3 kB)
MAX_BYTES = 1 << 20
#: more values than this (after expanding YAML aliases) is not an input
MAX_VALUES = 100_000
#: deeper nesting than this is not an input (the deepest setting is 5 levels down)
MAX_DEPTH = 32
#: integers longer than this are refused before Python converts them (no setting needs more)
MAX_DIGITS = 30

Key = tuple[str | int, ...]
#: where a value came from: (display file name, line or None, override label or None)
Origin = tuple[str, int | None, str | None]


class InputError(Exception):
    """An input that cannot be read or is invalid; ``str()`` is always a single line."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


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


def parse_value(text: str, name: str = "--set") -> Any:
    """One YAML value (a ``--set`` value), with the same limits as a file.

    Raises:
        InputError: the value is not YAML, or breaks a limit (aliases, depth, size, digits).
    """
    if len(text) > MAX_BYTES:
        raise InputError(f"{name}: value too long ({len(text):,} characters; at most {MAX_BYTES:,})")
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        _walk_node(node, (), {}, name, set(), {})
        return loader.construct_document(node)
    except yaml.YAMLError as e:
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(f"{name}: cannot read the value: {problem}") from None
    except RecursionError:
        raise InputError(f"{name}: value nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def read_text(path: str | Path, name: str | None = None, what: str = "input", limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, read without ever blocking.

    A FIFO, device, socket or directory is refused before anything is read (the file is opened
    non-blocking and checked with ``fstat``), so ``/dev/zero`` or a named pipe cannot hang or
    exhaust memory; a larger file is refused by its size.

    Raises:
        InputError: one line naming the file and what is wrong.
    """
    name = str(path) if name is None else name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not {_a(what)} file") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{name}: is a directory, not {_a(what)} file")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{name}: not a regular file (a pipe, device or socket); give {_a(what)} file")
        if st.st_size > limit:
            raise InputError(f"{name}: too large for {_a(what)} file ({st.st_size:,} bytes; at most {limit:,})")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # the file grew while it was read
                raise InputError(f"{name}: too large for {_a(what)} file (more than {limit:,} bytes)")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


def _yaml_error(name: str, err: yaml.YAMLError, what: str = "scenario") -> InputError:
    """One line for a YAML syntax or tag error."""
    if isinstance(err, yaml.reader.ReaderError):
        char = err.character
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        return InputError(f"{name}: not a text {what} file: unacceptable character {shown} ({err.reason})")
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    if isinstance(err, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
        tag = re.search(r"tag '([^']*)'", problem)
        shown = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "?"
        return InputError(
            f"{where}: YAML tag '{shown}' refused: {what} files may hold only plain values "
            "(numbers, text, true/false, lists, mappings)"
        )
    if "another document" in problem:
        return InputError(f"{where}: two YAML documents in one file ('---' starts a new one); give one {what}")
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
    return InputError(msg)


def read_document(path: Path, name: str, what: str = "scenario") -> tuple[Any, dict[Key, int]]:
    """Parse one file safely: its data and the line of every key and list item.

    Args:
        path: the file.
        name: how messages name it.
        what: what kind of file it is, for messages ("scenario", "experiment").
    """
    raw = read_text(path, name, what)
    if not raw.strip():
        example = {
            "experiment": "scenario: demo",
            "calibration": "parameters: {...}",
            "data": "E2.rate: {...}",
            "system study": "scenario: federation",
            "answers": "time: protected",
        }
        raise InputError(
            f"{name}: empty {what} file (give at least one setting, e.g. '{example.get(what, 'years: 10')}')"
        )
    if b"\x00" in raw:
        raise InputError(f"{name}: not a text {what} file (binary data)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(
            f"{name}:{line}: not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); save the file as UTF-8"
        ) from None
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise InputError(f"{name}: no settings (the file holds only comments); give at least one setting")
        lines: dict[Key, int] = {}
        _walk_node(node, (), lines, name, set(), {})
        data = loader.construct_document(node)
    except yaml.YAMLError as e:
        raise _yaml_error(name, e, what) from None
    except RecursionError:
        raise InputError(f"{name}: YAML nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise InputError(
            f"{name}:{node.start_mark.line + 1}: the top level must be a mapping of settings "
            f"(key: value lines), not {_kind(data)}"
        )
    return data, lines


_INT_TAG = "tag:yaml.org,2002:int"


def _walk_node(
    node: yaml.Node, key: Key, lines: dict[Key, int], name: str, active: set[int], sizes: dict[int, int]
) -> int:
    """Record the line of every key and item; refuse duplicate keys, non-text keys, alias bombs,
    deep nesting and huge integers.

    Returns the number of values below ``node`` with aliases expanded.
    """
    if id(node) in active:
        raise InputError(f"{name}:{node.start_mark.line + 1}: recursive YAML alias")
    if id(node) in sizes:  # an alias of a node already walked
        return sizes[id(node)]
    if len(active) >= MAX_DEPTH:
        raise InputError(f"{name}:{node.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG and len(node.value) > MAX_DIGITS:
        where = f"{fmt_key(key)}: " if key else ""
        raise InputError(
            f"{name}:{node.start_mark.line + 1}: {where}number too large "
            f"({len(node.value)} digits; at most {MAX_DIGITS})"
        )
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
                where = fmt_key(key) + ": " if key else ""
                raise InputError(f"{name}:{line}: {where}keys must be names, got {shown!r}{hint}")
            if k.value in seen:
                raise InputError(
                    f"{name}:{line}: {fmt_key(key + (k.value,))}: key given twice (also on line {seen[k.value]})"
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
        raise InputError(f"{name}:{node.start_mark.line + 1}: too many values ({size:,} with aliases expanded)")
    return size


# --- extends and merging ----------------------------------------------------------------------


def load_chain(
    path: Path, name: str, stack: list[tuple[Path, str]], what: str = "scenario"
) -> tuple[dict, dict[Key, Origin]]:
    """Data and origins of a file with everything it extends merged in (base first)."""
    real = path.resolve()
    seen = [p for p, _ in stack]
    if real in seen:
        here = Path(stack[0][1]).parent
        cycle = " -> ".join(os.path.relpath(n, here) for n in [n for _, n in stack[seen.index(real) :]] + [name])
        raise InputError(f"{stack[0][1]}: 'extends' cycle: {cycle}")
    data, lines = read_document(path, name, what)
    origins: dict[Key, Origin] = {k: (name, line, None) for k, line in lines.items()}
    if EXTENDS not in data:
        return data, origins
    parent = data.pop(EXTENDS)
    line = lines.get((EXTENDS,))
    where = f"{name}:{line}" if line else name
    if not isinstance(parent, str) or not parent.strip():
        raise InputError(f"{where}: extends: expected the path of another {what} file (got {show(parent)})")
    target = Path(parent).expanduser()
    if not target.is_absolute():
        target = path.parent / target
    target_name = parent if Path(parent).is_absolute() else os.path.normpath(Path(name).parent / parent)
    if not target.exists():
        raise InputError(f"{where}: extends: file not found: {target_name}")
    base, base_origins = load_chain(target, target_name, stack + [(real, name)], what)
    origins = {k: v for k, v in origins.items() if k != (EXTENDS,)}
    return deep_merge(base, data), _merge_origins(base_origins, origins, data)


def load_named(
    file: Path, top: str, parsed: list[tuple[str, Key, Any]], what: str = "scenario"
) -> tuple[dict, dict[Key, Origin]]:
    """A file with everything it extends merged in, named after the file unless it names itself, with
    ``parsed`` overrides (from :func:`parse_override`) applied: the data a schema is validated on.

    Raises:
        InputError: one line; a problem in a file it extends says "(extended by TOP)".
    """
    try:
        data, origins = load_chain(file, top, [], what)
    except InputError as e:
        if not str(e).startswith(f"{top}:"):  # the problem is in a file it extends
            raise InputError(f"{e} (extended by {top})") from None
        raise
    if origins.get(("name",), (None,))[0] != top:  # not set by the file itself (maybe by a base)
        data["name"] = file.stem
        origins.pop(("name",), None)
    for label, key, value in parsed:
        apply_override(data, origins, top, label, key, value)
    return data, origins


def deep_merge(base: Any, over: Any) -> Any:
    """Deep merge: mappings merge recursively; lists and scalars replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    return over


def _merge_origins(base: dict[Key, Origin], over: dict[Key, Origin], over_data: dict) -> dict[Key, Origin]:
    """Origins after a merge: a value that replaces (not a mapping) hides everything below it in the base."""
    replaced = [k for k in over if not isinstance(get_path(over_data, k), dict)]
    out = {k: v for k, v in base.items() if not any(k[: len(r)] == r for r in replaced)}
    out.update(over)
    return out


def get_path(data: Any, key: Key) -> Any:
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


def type_at(schema: type[BaseModel], key: Key) -> Any:
    """The annotation reached by following ``key`` from ``schema`` (None if not a valid path)."""
    ann: Any = schema
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


def _valid_names(schema: type[BaseModel], key: Key) -> list[str]:
    """The setting names allowed inside the section at ``key``."""
    ann = type_at(schema, key)
    names = list(ann.model_fields) if _is_model(ann) else []
    if key == ():
        names.append(EXTENDS)
    return names


def closest(schema: type[BaseModel], word: str, parent: Key, value: Any = None, *, in_file: bool = True) -> str | None:
    """The valid name at ``parent`` closest to ``word``, preferring one whose kind fits ``value``.

    A misspelt section (its value a mapping) is matched against sections first, a misspelt
    setting against settings: ``heed: {charisma: 0.8}`` suggests 'head', not 'seed'.
    """
    names = [n for n in _valid_names(schema, parent) if in_file or n != EXTENDS]
    close = difflib.get_close_matches(word, names, n=4, cutoff=0.6)
    if not close:
        return None
    if value is not None:
        wants_section = isinstance(value, dict | list)
        for name in close:
            ann = type_at(schema, parent + (name,)) if name != EXTENDS else None
            if (_is_model(ann) or typing.get_origin(ann) is list) == wants_section:
                return name
    return close[0]


def _suggest(schema: type[BaseModel], word: str, parent: Key, value: Any = None, *, in_file: bool = True) -> str:
    close = closest(schema, word, parent, value, in_file=in_file)
    if close:
        return f"did you mean '{close}'?"
    names = [n for n in _valid_names(schema, parent) if in_file or n != EXTENDS]
    if names:
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return f"valid keys here: {shown}"
    return "this setting has no sub-settings"


# --- overrides ----------------------------------------------------------------------------------


def parse_override(schema: type[BaseModel], item: str | tuple[str, str]) -> tuple[str, Key, Any]:
    """``key.path=value`` (or ``(label, "key.path=value")``) checked against ``schema``: (label, key, value)."""
    label, expr = (set_label(item), item) if isinstance(item, str) else item
    if "=" not in expr:
        raise InputError(f"{label}: expected key.path=value, e.g. --set head.charisma=0.9")
    path, _, value = expr.partition("=")
    path = path.strip()
    if not path or any(not p for p in path.split(".")):
        raise InputError(f"{label}: expected key.path=value, e.g. --set head.charisma=0.9")
    key: Key = tuple(int(p) if p.isdigit() else p for p in re.sub(r"\[(\d+)\]", r".\1", path).split("."))
    for i, part in enumerate(key):
        parent, ann = key[:i], type_at(schema, key[:i])
        if isinstance(part, int):
            if typing.get_origin(ann) is not list:
                raise InputError(f"{label}: {fmt_key(parent)} is not a list, so [{part}] cannot index it")
        elif type_at(schema, key[: i + 1]) is None:
            here = fmt_key(key[: i + 1])
            if typing.get_origin(ann) is list:
                raise InputError(
                    f"{label}: {fmt_key(parent)} is a list; name an item, e.g. {fmt_key(parent)}[0].{part}"
                )
            if not _is_model(ann):
                raise InputError(f"{label}: unknown parameter '{here}' ({fmt_key(parent)} has no sub-settings)")
            close = closest(schema, part, parent, in_file=False)
            hint = (
                f"did you mean '{fmt_key(parent + (close,))}'?"
                if close
                else _suggest(schema, part, parent, in_file=False)
            )
            raise InputError(f"{label}: unknown parameter '{here}'; {hint}")
    parsed = parse_value(value, label) if value.strip() else None
    return label, key, parsed


def apply_override(data: dict, origins: dict[Key, Origin], file_name: str, label: str, key: Key, value: Any) -> None:
    node: Any = data
    for i, part in enumerate(key[:-1]):
        child = node[part] if isinstance(part, int) else node.get(part)
        nxt = key[i + 1]
        if isinstance(nxt, int):
            n = len(child) if isinstance(child, list) else 0
            if nxt >= n:
                raise InputError(f"{label}: {fmt_key(key[: i + 1])} has {n} item(s), so [{nxt}] does not exist")
            child = list(child)
        else:
            child = dict(child) if isinstance(child, dict) else {}
        node[part] = child
        node = child
    node[key[-1]] = value
    note_origin(origins, key, value, (file_name, None, label))


def note_origin(origins: dict[Key, Origin], key: Key, value: Any, origin: Origin) -> None:
    """Record that ``value`` at ``key`` (and everything below it) now comes from ``origin``."""
    for k in [k for k in origins if k[: len(key)] == key]:
        del origins[k]
    origins[key] = origin
    for sub in paths_below(value, key):
        origins[sub] = origin


def paths_below(value: Any, key: Key) -> list[Key]:
    out: list[Key] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        out.append(key + (k,))
        out.extend(paths_below(v, key + (k,)))
    return out


# --- errors ------------------------------------------------------------------------------------


def one_line(text: str) -> str:
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else f"\\x{ord(ch):02x}" for ch in str(text))
    return " ".join(part.strip() for part in text.replace("\t", " ").splitlines() if part.strip())


def fmt_key(key: Key) -> str:
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


def set_label(item: str, limit: int = 80) -> str:
    """``--set key=value`` as messages name it: one line, long values shortened (a message stays readable)."""
    text = one_line(item)
    return "--set " + (text if len(text) <= limit else text[: limit - 3] + "...")


def show(value: Any, limit: int = 60) -> str:
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
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expected(schema: type[BaseModel], err: Mapping[str, Any], key: Key) -> str:
    """What was expected, in words, for one pydantic error."""
    typ, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if typ == "extra_forbidden":
        return f"unknown key; {_suggest(schema, str(key[-1]), key[:-1], value)}"
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
    if typ == "less_than_equal":
        return f"must be at most {_bound(ctx.get('le'))}"
    if typ == "less_than":
        return f"must be below {_bound(ctx.get('lt'))}"
    if typ == "greater_than_equal":
        return f"must be at least {_bound(ctx.get('ge'))}"
    if typ == "greater_than":
        return f"must be above {_bound(ctx.get('gt'))}"
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


def locate(key: Key, origins: dict[Key, Origin], default: str) -> tuple[str, Key | None]:
    """``file:line`` (or ``file: --set ...``) of the nearest ancestor of ``key`` that was given."""
    for n in range(len(key), 0, -1):
        origin = origins.get(key[:n])
        if origin is not None:
            name, line, label = origin
            if label is not None:
                return f"{name}: {label}", key[:n]
            return (f"{name}:{line}" if line else name), key[:n]
    return default, None


def validation_error(schema: type[BaseModel], err: ValidationError, origins: dict[Key, Origin], top: str) -> InputError:
    """One line for the first problem pydantic found (and how many more there are)."""
    errors = err.errors(include_url=False)
    lines = []
    for e in errors:
        key: Key = tuple(e["loc"])
        wanted = expected(schema, e, key)
        if key:
            where, _ = locate(key, origins, top)
            msg = f"{where}: {fmt_key(key)}: {wanted}"
            if e["type"] not in ("extra_forbidden", "missing", "value_error", "invalid_key"):
                msg += f" (got {show(e.get('input'))})"
        else:  # the whole-scenario checks name their fields in the message
            where = top
            for k in _text_key(wanted):
                found, at = locate(k, origins, "")
                if at is not None:
                    where = found
                    break
            msg = f"{where}: {wanted}"
        lines.append(msg)
    message = lines[0]
    if len(lines) > 1:
        message += f" (and {len(lines) - 1} more problem{'s' if len(lines) > 2 else ''})"
    return InputError(message)
