"""The files shipped inside leadsim (bundled scenarios and experiments), found by name.

Bundled files are package data: ``leadsim.scenarios`` holds ``*.yaml`` scenarios and
``leadsim.experiments`` the ``*.yaml`` experiment specs. They are found through
:mod:`importlib.resources`, so a wheel installed without ``-e`` finds them as a checkout does.

Example:
    >>> from leadsim.bundled import Bundled
    >>> Bundled("leadsim.scenarios", "scenario").resolve("demo").name
    'demo.yaml'
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

import yaml

from leadsim.inputs import InputError, one_line, read_text

__all__ = ["Bundled"]


class Bundled:
    """The ``*.yaml`` files of one package of leadsim, by name (the file's stem).

    Args:
        package: the import package holding the files, e.g. ``"leadsim.scenarios"``.
        kind: what they are, for messages ("scenario", "experiment").
    """

    def __init__(self, package: str, kind: str) -> None:
        self.package = package
        self.kind = kind

    def folder(self) -> Path | None:
        """The folder of the files (None if the package is missing)."""
        try:
            root = resources.files(self.package)
        except ModuleNotFoundError:
            return None
        path = Path(str(root))
        return path if path.is_dir() else None

    def paths(self) -> list[tuple[str, Path]]:
        """(name, path) of every bundled file, by name; files starting with '_' or '.' are not listed."""
        folder = self.folder()
        if folder is None:
            return []
        return [(p.stem, p) for p in sorted(folder.glob("*.yaml")) if not p.name.startswith(("_", "."))]

    def listing(self) -> list[tuple[str, Path, str]]:
        """(name, path, one-line description) of every bundled file, by name."""
        return [(name, path, describe(path)) for name, path in self.paths()]

    def resolve(self, given: str | Path) -> Path:
        """The path of a file given as a path or as the name of a bundled file.

        Raises:
            InputError: neither a file nor a bundled name (with the closest name, if any).
        """
        path = Path(given).expanduser()
        if path.exists():
            return path
        text = str(given)
        if text and "/" not in text and "\\" not in text:
            stem = text.removesuffix(".yaml").removesuffix(".yml")
            found = dict(self.paths())
            if stem in found:
                return found[stem]
            if not Path(text).suffix:
                hint = difflib.get_close_matches(stem, list(found), n=1)
                more = (
                    f"; did you mean '{hint[0]}'?"
                    if hint
                    else (f"; bundled {self.kind}s: {', '.join(found)}" if found else "")
                )
                raise InputError(f"{text}: no such {self.kind} file or bundled {self.kind}{more}")
        raise InputError(f"{text}: no such {self.kind} file")


def describe(path: Path) -> str:
    """A file's one-line description: its ``description:`` or else its first comment line."""
    try:
        text = read_text(path).decode("utf-8-sig")
    except (InputError, UnicodeDecodeError):
        return ""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("description"), str) and data["description"].strip():
        return one_line(data["description"])
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if comment:
                return one_line(comment)
        elif stripped:
            break
    return ""
