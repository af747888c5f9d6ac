"""The ``leadsim`` command line's frame: the Typer app, :func:`main`, and :func:`fail`.

Every user mistake ends with one line on stderr, ``leadsim: error: <what is wrong>``, exit code 2,
no traceback and nothing written.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer

__all__ = ["PROG", "USAGE_ERROR", "app", "fail", "invocation", "main"]


def _click_errors() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    """(NoArgsIsHelpError, UsageError, ClickException, Abort) of the click typer uses (recent typers vendor it)."""
    modules = []
    try:
        from typer._click import exceptions as vendored

        modules.append(vendored)
    except ImportError:  # pragma: no cover - older typer uses click itself
        pass
    try:
        from click import exceptions as upstream

        modules.append(upstream)
    except ImportError:  # pragma: no cover
        pass
    names = ("NoArgsIsHelpError", "UsageError", "ClickException", "Abort")
    found = [tuple(getattr(m, n) for m in modules if hasattr(m, n)) for n in names]
    return found[0], found[1], found[2], (*found[3], typer.Abort)


_NO_ARGS, _USAGE, _CLICK, _ABORT = _click_errors()

PROG = "leadsim"
#: exit code of every user error (as for click's usage errors)
USAGE_ERROR = 2

#: the arguments of the current invocation, for the run manifest
_argv: list[str] = []


class _App(typer.Typer):
    """A Typer app whose errors are one line on stderr (see :func:`main`)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:  # called like a click command (e.g. by tests): behave as Typer does
            return super().__call__(*args, **kwargs)
        sys.exit(main())


app = _App(
    name=PROG,
    help="Agent-based simulation of leadership patterns in schools (solo, by design, by default, by desperation).\n\n"
    "Example: leadsim run demo --seed 3 --set head.charisma=0.9",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def fail(message: str) -> typer.Exit:
    """Print the one-line error and return the exit to raise: ``raise fail("...")``."""
    line = " ".join(str(message).split())
    print(f"{PROG}: error: {line}", file=sys.stderr, flush=True)
    return typer.Exit(USAGE_ERROR)


def invocation() -> list[str]:
    """The command line being run, as the manifests record it: ``["leadsim", "run", "demo", ...]``."""
    return [PROG, *(_argv or sys.argv[1:])]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    _argv[:] = args
    try:
        rv = command.main(args=args, prog_name=PROG, standalone_mode=False)
    except _NO_ARGS as e:  # the help has been shown already (rich prints it as it is made)
        text = e.format_message()
        if text.strip():
            print(text)
        return 0
    except _USAGE as e:
        ctx = getattr(e, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        fail(e.format_message() + hint)
        return USAGE_ERROR
    except _CLICK as e:
        fail(e.format_message())
        return USAGE_ERROR
    except _ABORT:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        _argv.clear()
    return rv if isinstance(rv, int) else 0
