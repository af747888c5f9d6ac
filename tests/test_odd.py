"""docs/ODD.md stays honest: it names what the code has, with the values the code has now.

Each check is a function that returns the problems it finds in a text, so that the tests
below can show both that the real ODD passes and that a broken one would not.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from leadsim.sim import community, heads, mentoring, metrics, routines, work
from leadsim.sim import model as model_module
from leadsim.sim.config import PATTERNS, SUCCESSOR_STYLES, iter_parameters
from leadsim.sim.metrics import COLUMNS, succession_measures
from leadsim.sim.model import SchoolModel

ROOT = Path(__file__).resolve().parents[1]
ODD_PATH = ROOT / "docs" / "ODD.md"
GEN_PATH = ROOT / "docs" / "gen_params.py"

#: named constants the ODD must give with their current value: (module, name)
CONSTANTS = [
    (work, "W_SKILL"),
    (work, "W_LEAD"),
    (work, "W_TRUST"),
    (work, "W_TIME"),
    (work, "W_EFFORT"),
    (work, "W_SUPPORT"),
    (work, "PRIMARY_WEIGHT"),
    (work, "MAX_LOAD"),
    (work, "TIME_HALF"),
    (work, "MANDATE_SHARE"),
    (work, "MANDATE_DEPTH"),
    (work, "SPONSOR_KEPT"),
    (work, "STUDENT_RESULT_LIFT"),
    (work, "DISADVANTAGE_DIFFICULTY"),
    (work, "D_LEAD"),
    (work, "D_SUPPORT"),
    (work, "D_EVIDENCE"),
    (work, "WITNESS_SHARE"),
    (work, "FAILURE_MEMORY"),
    (work, "MANDATE_FAILURE_MEMORY"),
    (community, "AVERAGE_DISADVANTAGE"),
    (community, "DISADVANTAGE_ENGAGEMENT"),
    (routines, "KEPT_SHARE"),
    (mentoring, "NOVICE_YEARS"),
    (mentoring, "MENTOR_YEARS"),
    (mentoring, "MAX_MENTEES"),
    (model_module, "TRUST_TO_OPEN"),
    (model_module, "INSPECTION_GAP_YEARS"),
    (metrics, "TERM_WEEKS"),
    (metrics, "ALPHA"),
    (metrics, "DENSITY_THRESHOLD"),
    (metrics, "KEPT_YEARS"),
]
NUMBER = r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def load_gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_params", GEN_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return load_gen()


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD_PATH.read_text(encoding="utf-8")


def mentions(text: str, name: str) -> bool:
    """``name`` occurs as a whole dotted name (not as part of a longer one)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text) is not None


def parameter_names() -> list[str]:
    return [row["name"] for row in iter_parameters()]


def missing_parameters(text: str) -> list[str]:
    return [name for name in parameter_names() if not mentions(text, name)]


def prose(text: str, gen: ModuleType) -> str:
    """The ODD without its generated parameter table."""
    return text.replace(gen.current_block(text), "")


def missing_columns(text: str) -> list[str]:
    return [c for c in COLUMNS if f"`{c}`" not in text]


def succession_keys() -> list[str]:
    """The keys succession_measures returns, taken from the code on a small made-up series."""
    steps = list(range(30))
    ts = pd.DataFrame({"step": steps, "attainment": [0.01 * s for s in steps], "leadership_capacity": [0.2] * 30})
    rows = succession_measures(ts, [{"week": 15, "head_id": 1, "reason": "scheduled"}], weeks_per_year=2)
    return list(rows[0])


def missing_succession_measures(text: str) -> list[str]:
    return [k for k in succession_keys() if f"`{k}`" not in text]


def _format(value: object) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(f"{v:g}" for v in value) + ")"
    return f"{value:g}"


def constant_problems(text: str) -> list[str]:
    """Every constant is given with a value (``NAME = v`` or a table row ``| NAME | v``), and
    every value given for it is the current one."""
    problems = []
    for module, name in CONSTANTS:
        value = getattr(module, name)
        pattern = rf"(?<![\w.]){name}`?\s*(?:=|\|)\s*`?({NUMBER}|\([^)]*\))"
        found = re.findall(pattern, text)
        if not found:
            problems.append(f"{name}: no value given (expected {_format(value)})")
        for given in found:
            if isinstance(value, tuple):
                ok = re.sub(r"\s", "", given) == re.sub(r"\s", "", _format(value))
            else:
                ok = not given.startswith("(") and math.isclose(float(given), value, rel_tol=1e-5, abs_tol=1e-12)
            if not ok:
                problems.append(f"{name}: ODD says {given}, code has {_format(value)}")
    return problems


def table_row(text: str, key: str) -> list[str] | None:
    """Cells of the markdown table row whose first cell is ``key`` in backticks."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and cells and cells[0] == f"`{key}`":
            return cells
    return None


def style_problems(text: str) -> list[str]:
    """The successor-style table gives every style with the code's charisma, stance,
    authenticity and pattern."""
    problems = []
    for style in SUCCESSOR_STYLES:
        row = table_row(text, style)
        if row is None:
            problems.append(f"style {style}: no table row")
            continue
        if style not in heads.STYLES:
            continue  # like_predecessor copies the predecessor: described in words
        spec = heads.STYLES[style]
        for i, key in enumerate(("charisma", "distribution", "authenticity"), start=1):
            if not re.fullmatch(NUMBER, row[i]) or not math.isclose(float(row[i]), spec[key]):
                problems.append(f"style {style}: {key} is {row[i]!r} in the ODD, {spec[key]} in the code")
        given = {k: float(v) for k, v in re.findall(rf"(\w+) ({NUMBER})", row[4])}
        pattern = spec["pattern"]
        wanted = {k: getattr(pattern, k) for k in PATTERNS if getattr(pattern, k) > 0}
        if given != wanted:
            problems.append(f"style {style}: pattern {given} in the ODD, {wanted} in the code")
    return problems


def step_calls() -> list[str]:
    """The methods SchoolModel.step() calls, in order."""
    return re.findall(r"self\.(_\w+)\(", inspect.getsource(SchoolModel.step))


def schedule_problems(text: str) -> list[str]:
    """Section 3 names the weekly submodels in the order step() calls them."""
    start = text.find("## 3. Process overview and scheduling")
    end = text.find("# 4. Design concepts")
    if start < 0 or end < start:
        return ["section 3 (Process overview and scheduling) not found before section 4"]
    section = text[start:end]
    problems, last = [], -1
    for name in step_calls():
        at = section.find(f"`{name}()`")
        if at < 0:
            problems.append(f"{name}() not in section 3")
        elif at < last:
            problems.append(f"{name}() out of order in section 3")
        else:
            last = at
    return problems


# --- the real ODD -----------------------------------------------------------------------------


def test_every_parameter_appears(odd: str) -> None:
    assert missing_parameters(odd) == []


def test_every_parameter_is_described_outside_the_generated_table(odd: str, gen: ModuleType) -> None:
    assert missing_parameters(prose(odd, gen)) == []


def test_every_measure_column_appears(odd: str) -> None:
    assert missing_columns(odd) == []


def test_every_succession_measure_appears(odd: str) -> None:
    assert len(succession_keys()) > 10
    assert missing_succession_measures(odd) == []


def test_params_block_is_what_gen_params_generates_now(odd: str, gen: ModuleType) -> None:
    assert gen.current_block(odd) == gen.params_block(), "stale table: run PYTHONPATH=. python docs/gen_params.py"
    assert gen.main(["--check"]) == 0


def test_params_block_has_one_row_per_parameter(gen: ModuleType) -> None:
    block = gen.params_block()
    names = parameter_names()
    assert len(names) == len(set(names))
    for name in names:
        assert table_row(block, name) is not None, name
    rows = [line for line in block.splitlines() if line.startswith("| `")]
    assert len(rows) == len(names)


def test_named_constants_with_current_values(odd: str) -> None:
    assert constant_problems(odd) == []


def test_successor_styles_with_current_values(odd: str) -> None:
    assert style_problems(odd) == []


def test_weekly_schedule_in_the_order_of_step(odd: str) -> None:
    assert len(step_calls()) >= 8
    assert schedule_problems(odd) == []


def test_design_principle_is_stated(odd: str) -> None:
    assert "Design principle" in odd
    assert "who gets the opportunity" in odd


# --- the checks can fail ----------------------------------------------------------------------


def test_a_missing_parameter_is_caught(odd: str, gen: ModuleType) -> None:
    name = "trust.cynicism_drag"
    assert mentions(odd, name)
    broken = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w])", "trust.something_else", odd)
    assert name in missing_parameters(broken)
    # in the table only is not enough for the prose check
    only_table = prose(odd, gen).replace(name, "x") + gen.current_block(odd)
    assert name in missing_parameters(prose(only_table, gen))
    assert name not in missing_parameters(only_table)


def test_a_missing_column_is_caught(odd: str) -> None:
    assert "leadership_gini" in missing_columns(odd.replace("`leadership_gini`", "`gini`"))


def test_a_stale_table_is_caught(odd: str, gen: ModuleType) -> None:
    block = gen.current_block(odd)
    stale = odd.replace(block, block.replace("| `trust.cynicism_drag` |", "| `trust.cynicism_drag` | x |", 1))
    assert gen.current_block(stale) != gen.params_block()


def test_a_wrong_constant_value_is_caught(odd: str) -> None:
    assert constant_problems(odd.replace("`W_SKILL = 0.35`", "`W_SKILL = 0.4`"))
    assert constant_problems(odd.replace("| `MAX_LOAD` | 2 |", "| `MAX_LOAD` | 3 |"))
    no_value = re.sub(r"(?<![\w.])TIME_HALF`?\s*(?:=|\|)", "TIME_HALF is", odd)
    assert any(p.startswith("TIME_HALF: no value") for p in constant_problems(no_value))
    assert constant_problems(odd.replace("| `KEPT_YEARS` | (1, 3, 5) |", "| `KEPT_YEARS` | (1, 2, 5) |"))


def test_a_wrong_style_is_caught(odd: str) -> None:
    row = "| `distributive` | 0.3 | 0.8 | 0.9 | solo 0.2, design 0.8 |"
    assert row in odd
    assert style_problems(odd.replace(row, "| `distributive` | 0.3 | 0.7 | 0.9 | solo 0.2, design 0.8 |"))
    assert style_problems(odd.replace(row, "| `distributive` | 0.3 | 0.8 | 0.9 | design 1 |"))


def test_a_reordered_schedule_is_caught(odd: str) -> None:
    swapped = odd.replace("`_update_climate()`", "@@").replace("`_update_practice()`", "`_update_climate()`")
    swapped = swapped.replace("@@", "`_update_practice()`")
    assert schedule_problems(swapped)


def test_readme_column_table_is_made_from_the_measures_list(gen: ModuleType) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = gen.current_block(readme, gen.MEASURES_START, gen.MEASURES_END)
    assert block == gen.measures_block(), "stale table: run python docs/gen_params.py"
