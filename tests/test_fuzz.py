"""Fuzzing the command line's inputs (issue 16): scenarios, ``--set`` values and experiment specs.

Hypothesis writes random scenario files (valid keys with random values, random keys, random text
and bytes), random ``--set key=value`` items and random experiment specs, and runs the real
command in this process. Every case must end in exit 0, or exit 2 with exactly one line on
stderr (``leadsim: error: ...``); never a traceback (an exception escaping ``main`` fails the
case), never a hang (a case that takes longer than :data:`CASE_SECONDS` fails), and nothing
written when the input is refused.

Seeded (``derandomize=True``: the same cases on every machine, no example database) and bounded:
:data:`CASES` cases in all, well under a minute on one core (valid runs are 0.1 years of a school).
"""

from __future__ import annotations

import collections
import contextlib
import io
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leadsim.cli import main
from leadsim.sim.config import iter_parameters

#: cases per test (scenario files, --set items, experiment specs): the figures docs/promises.md quotes
SCENARIO_CASES, SET_CASES, SPEC_CASES = 120, 120, 60
CASES = SCENARIO_CASES + SET_CASES + SPEC_CASES
#: the base of --set cases and specs: a run of four weeks of a small school
TINY = "school: {teachers: 12, students: 100, parents: 100}\nyears: 0.1\n"
#: a case that runs longer than this has hung
CASE_SECONDS = 60


def fuzz(cases: int) -> settings:
    """Seeded, bounded settings for ``cases`` cases."""
    return settings(
        max_examples=cases,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


PARAMETERS = [row["name"] for row in iter_parameters()]
#: strings that have broken terminals, markup and parsers before
NASTY = [
    "[/bold]",
    "[link=https://example.org]x[/link]",
    "\x1b[31mred",
    "a\nb",
    "\t",
    "\x00",
    "‮",
    "9" * 60,
    "~",
    "&a [*a]",
    "*a",
    "!!python/object:os.system",
    "/dev/zero",
    "..",
    "",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(NASTY),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
#: values a setting may well accept (so that part of the cases run), or anything at all
plausible = st.one_of(
    st.floats(0, 1),
    st.integers(1, 12),
    st.booleans(),
    st.sampled_from(["solo", "design", "top_down", "distributive", "results", "behaviour"]),
)
setting_values = st.one_of(plausible, values)
#: a valid setting's name most of the time, else random text or a list index
keys = st.one_of(
    st.sampled_from(PARAMETERS),
    st.sampled_from(PARAMETERS).map(lambda k: k + ".x"),
    st.sampled_from(["events.crises[0].week", "events.head_departures[0].year", "leadership.pattern.solo"]),
    st.text(max_size=12),
)


def nest(flat: dict[str, object]) -> dict:
    """``{"head.charisma": 0.5}`` -> ``{"head": {"charisma": 0.5}}`` (what a file holds)."""
    out: dict = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[last] = value
    return out


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, default_flow_style=False, width=10**6)


scenario_texts = st.one_of(
    st.dictionaries(st.sampled_from(PARAMETERS), plausible, max_size=3).map(lambda d: dump(nest(d))),
    st.dictionaries(keys, setting_values, max_size=5).map(lambda d: dump(nest(d))),
    st.dictionaries(keys, setting_values, max_size=5).map(dump),  # dotted keys in a file: refused
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@contextlib.contextmanager
def at_most(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when a case runs too long."""

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"no answer within {seconds} s: the command hangs")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with at_most(CASE_SECONDS), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


#: exit codes seen, by test: printed at the end (``pytest -s``) for docs/promises.md
OUTCOMES: collections.Counter[tuple[str, int]] = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def report_outcomes() -> Iterator[None]:
    yield
    print("\nfuzz outcomes:", dict(sorted(OUTCOMES.items())))


def check_outcome(code: int, err: str, written: Path, *, progress: bool = False) -> None:
    """Exit 0, or exit 2 with one line and nothing written; never a traceback."""
    if os.environ.get("FUZZ_SHOW"):
        print(code, err.strip()[:150])
    OUTCOMES[(os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split(" ")[0], code)] += 1
    assert "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("leadsim: error: "), err
        assert not written.exists(), f"{written} written by a refused command"
    elif not progress:
        assert err == "", err


@fuzz(SCENARIO_CASES)
@given(text=scenario_texts)
def test_fuzzed_scenario_files(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = Path(tmp) / "out"
        code, _, err = run_cli(["run", str(path), "--years", "0.1", "--out", str(out)])
        check_outcome(code, err, out)
        if code == 0:
            assert (out / "manifest.json").exists()


set_values = st.one_of(setting_values.map(lambda v: dump(v).strip().removesuffix("...").strip()), st.text(max_size=40))


@fuzz(SET_CASES)
@given(
    item=st.one_of(
        st.tuples(st.sampled_from(PARAMETERS), plausible.map(lambda v: dump(v).strip().removesuffix("...").strip())),
        st.tuples(keys, set_values),
    )
)
def test_fuzzed_set_values(item: tuple[str, str]) -> None:
    key, value = item
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "tiny.yaml"
        base.write_text(TINY, encoding="utf-8")
        out = Path(tmp) / "out"
        code, _, err = run_cli(["run", str(base), "--set", f"{key}={value}", "--out", str(out)])
        check_outcome(code, err, out)


#: small numbers or junk, never a number that makes thousands of runs (a valid spec is run)
small = st.one_of(st.integers(-1, 3), st.floats(allow_nan=True), st.text(max_size=5), st.sampled_from(NASTY), st.none())
factor_keys = st.sampled_from(["head.charisma", "head.distribution", "events.successor.style", "school.teachers", "x"])
factor_values = st.one_of(
    st.lists(small, min_size=1, max_size=3),
    st.lists(scalars, min_size=1, max_size=3),
    st.fixed_dictionaries({"min": scalars, "max": scalars}),
    st.fixed_dictionaries({"min": st.floats(0, 1), "max": st.floats(0, 1)}),
    values,
)
spec_values = {
    "scenario": st.one_of(st.just("tiny.yaml"), st.just("demo"), scalars, st.sampled_from(["/dev/zero", "."])),
    "set": st.dictionaries(factor_keys, scalars, max_size=2),
    "design": st.one_of(st.sampled_from(["factorial", "lhs", "morris", "sobol"]), scalars),
    "replications": small,
    "seed": st.one_of(st.integers(-1, 2**64), scalars),
    "keep": st.one_of(st.sampled_from(["summaries", "timeseries", "both"]), scalars),
    "timeseries_every": st.one_of(st.integers(-1, 5), scalars),
    "factors": st.dictionaries(factor_keys, factor_values, max_size=2),
    "samples": small,
    "levels": small,
    "name": st.one_of(st.text(max_size=10), st.sampled_from(NASTY)),
    "description": st.one_of(st.text(max_size=10), st.sampled_from(NASTY)),
}
specs = st.one_of(
    st.fixed_dictionaries(
        {"scenario": spec_values["scenario"]}, optional={k: v for k, v in spec_values.items() if k != "scenario"}
    ),
    st.fixed_dictionaries(  # mostly valid: part of the cases run
        {"scenario": st.just("tiny.yaml"), "replications": st.integers(1, 2)},
        optional={
            "factors": st.dictionaries(
                st.sampled_from(["head.charisma", "head.distribution"]),
                st.lists(st.floats(0, 1), min_size=1, max_size=2),
                max_size=2,
            ),
            "keep": spec_values["keep"],
            "timeseries_every": st.integers(1, 3),
            "seed": st.integers(0, 2**63 - 1),
            "description": spec_values["description"],
        },
    ),
)


@fuzz(SPEC_CASES)
@given(spec=specs)
def test_fuzzed_experiment_specs(spec: dict) -> None:
    if spec.get("scenario") == "demo":  # a valid base: keep it short
        spec = {**spec, "set": {**spec.get("set", {}), "years": 0.1}}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "tiny.yaml").write_text(TINY, encoding="utf-8")
        path = Path(tmp) / "spec.yaml"
        path.write_text(dump(spec), encoding="utf-8")
        out = Path(tmp) / "out"
        code, _, err = run_cli(["sweep", str(path), "--workers", "0", "--out", str(out)])
        check_outcome(code, err, out, progress=True)
        if code == 0:
            assert (out / "summaries.parquet").exists()
