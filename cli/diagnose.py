"""``leadsim diagnose``: a school's own answers to the seeds' questions become a starting scenario."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from leadsim.cli.core import app, fail


@app.command(
    epilog="Example:  leadsim diagnose answers.yaml --out my-school.yaml   then   leadsim run my-school.yaml",
)
def diagnose(
    answers: Annotated[
        Path,
        typer.Argument(
            help="YAML of question: answer (e.g. 'time: protected'); omitted questions take the reference "
            "school's answer. 'leadsim diagnose --questions' lists them.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the scenario here (default: print it).", show_default=False)
    ] = None,
    questions: Annotated[bool, typer.Option("--questions", help="List the questions and their answers.")] = False,
) -> None:
    """Turn a school's answers (how far leadership is distributed, roles, time, trust, barriers...) into a
    scenario, and say which answer set which setting and why. The trainers' page does the same
    under "Your school"."""
    import yaml
    from leadsim.app.classroom import drop_none
    from leadsim.app.yourschool import QUESTIONS
    from leadsim.app.yourschool import diagnose as map_answers

    from leadsim.inputs import InputError, read_document

    if questions:
        for q in QUESTIONS:
            print(f"{q.key}: {q.text}")
            for key, words in q.answers.items():
                print(f"    {key}: {words}")
        return
    if answers is None:
        raise fail("give an answers file (see 'leadsim diagnose --questions')")
    try:
        data, _ = read_document(answers, str(answers), "answers")
    except InputError as e:
        raise fail(str(e)) from None
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise fail(f"{answers}: {bad[0]}: expected an answer word (see 'leadsim diagnose --questions')")
    try:
        scenario, rows = map_answers(data, name=answers.stem)
    except ValueError as e:
        raise fail(f"{answers}: {e}") from None
    text = yaml.safe_dump(drop_none(scenario.model_dump(mode="json")), sort_keys=False)
    header = "".join(f"# {r.answer} -> {r.setting} = {r.value} ({r.why})\n" for r in rows)
    if out is None:
        sys.stdout.write(header + text)
        return
    _check_out(out, answers)
    try:
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(header + text)
        tmp.replace(out)
    except OSError as e:
        raise fail(f"--out {out}: cannot write ({e.strerror or e})") from None
    for r in rows:
        print(f"{r.setting} = {r.value}   <- {r.answer}", file=sys.stderr)
    print(f"wrote {out}  (run it: leadsim run {out})")


def _check_out(out: Path, answers: Path) -> None:
    """``--out`` may replace a scenario this command wrote, never the answers or any other file."""
    import os

    if out.is_dir():
        raise fail(f"--out {out}: is a folder; expected the path of a scenario file to write")
    if not out.exists():
        return
    if os.path.samefile(out, answers):
        raise fail(f"--out {out}: is the answers file; writing the scenario there would lose the answers")
    try:
        with out.open("rb") as f:
            first = f.readline(4096).decode("utf-8", errors="replace")
    except OSError as e:
        raise fail(f"--out {out}: cannot read what is there ({e.strerror or e})") from None
    if not (first.startswith("# ") and " -> " in first):  # the first line of what this command writes
        raise fail(f"--out {out}: exists and was not written by 'leadsim diagnose'; not replacing it")
