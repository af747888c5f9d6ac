"""The house has floors: every import runs down (or sideways inside a floor), never up, and no
module imports itself back through others.

Floors, bottom to top: the root package (safe inputs, bundled files), the model, experiments,
analysis, the trainers' page, the command line. Read from the source with ``ast``, so the test
needs nothing installed beyond the standard library.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: import package -> folder, as pyproject.toml maps them
PACKAGES = {
    "leadsim": "leadsim",
    "leadsim.sim": "sim",
    "leadsim.experiments": "experiments",
    "leadsim.analysis": "analysis",
    "leadsim.app": "app",
    "leadsim.cli": "cli",
}
FLOORS = {
    "leadsim": 0,
    "leadsim.sim": 1,
    "leadsim.experiments": 2,
    "leadsim.analysis": 3,
    "leadsim.app": 4,
    "leadsim.cli": 5,
}


def _modules() -> dict[str, Path]:
    out = {}
    for package, folder in PACKAGES.items():
        for path in sorted((ROOT / folder).glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            out[name] = path
    return out


def _package_of(module: str) -> str:
    return max((p for p in PACKAGES if module == p or module.startswith(p + ".")), key=len)


def _imports(path: Path, module: str) -> set[str]:
    """Modules of leadsim a file imports (inside functions too: a lazy import is still an arrow)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Names imported only for type checking are not imports at run time.
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("leadsim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("leadsim"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in _modules() else node.module)
    return found - {module}


GRAPH = {m: _imports(p, m) for m, p in _modules().items()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_runs_up_a_floor(module: str) -> None:
    here = FLOORS[_package_of(module)]
    up = sorted(t for t in GRAPH[module] if t in GRAPH and FLOORS[_package_of(t)] > here)
    assert not up, f"{module} (floor {here}) imports from a higher floor: {up}"


def test_the_model_imports_nothing_above_it() -> None:
    for module, targets in GRAPH.items():
        if _package_of(module) == "leadsim.sim":
            assert all(_package_of(t) in ("leadsim", "leadsim.sim") for t in targets if t in GRAPH), module


def test_no_circle_of_imports() -> None:
    """Depth-first search for a back edge among module-level and lazy imports alike."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for t in sorted(GRAPH.get(m, ())):
            if t not in GRAPH:
                continue
            if state.get(t) == 1:
                cycle = path[path.index(t) :] + [t]
                raise AssertionError("circle of imports: " + " -> ".join(cycle))
            if state.get(t) is None:
                visit(t)
        path.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)
