"""Progress of a sweep as callbacks: :class:`SweepListener` (does nothing) and :class:`ConsoleProgress`.

:func:`~leadsim.experiments.runner.sweep` prints nothing itself; it tells a listener what happens
(the plan once the folder is open, each finished task, a wait for workers). The command line
passes :class:`ConsoleProgress`: a rich bar on a terminal, a line every 10 % otherwise.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape

__all__ = ["ConsoleProgress", "SweepListener", "SweepPlan", "clock"]


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep is about to do, known once its folder is open."""

    name: str
    out: Path
    total: int
    points: int
    replications: int
    #: runs finished before this invocation (of which ``failed_before`` failed)
    done_before: int
    failed_before: int
    #: runs whose stored shard failed verification and are run again
    repaired: int


class SweepListener:
    """Callbacks of a sweep; the default does nothing. Subclass and override what you need."""

    def waiting(self, scheduler: str) -> None:
        """The cluster at ``scheduler`` has no worker yet; the sweep waits for one."""

    def started(self, plan: SweepPlan) -> None:
        """The folder is open and the runs are about to go out."""

    def advanced(self, ok: int, failed: int) -> None:
        """A task finished: ``ok`` runs succeeded and ``failed`` became error rows."""

    def closed(self) -> None:
        """The sweep stopped (finished, interrupted or failed); called once if :meth:`started` was."""


class ConsoleProgress(SweepListener):
    """Runs done / total, failures and time left: a rich bar on a terminal, a line every 10 % otherwise."""

    def __init__(self) -> None:
        from rich.console import Console

        self.out = Console(soft_wrap=True)
        self.err = Console(stderr=True)
        self.total = self.done = self.failed = self.start_done = 0
        self.start = time.monotonic()
        self._bar = None
        self._task = None
        self._next_line = 0
        self._last_print = self.start

    def waiting(self, scheduler: str) -> None:
        print(f"waiting for workers to join {scheduler} ...", file=sys.stderr, flush=True)

    def started(self, plan: SweepPlan) -> None:
        name = escape(plan.name)  # a user's string: never rich markup
        s = "s" if plan.points != 1 else ""
        r = "s" if plan.replications != 1 else ""
        self.out.print(
            f"{name}: {plan.total} runs ({plan.points} design point{s} x {plan.replications} replication{r}) "
            f"-> {escape(str(plan.out))}/",
            highlight=False,
        )
        if plan.repaired:
            self.out.print(
                f"{plan.repaired} stored run{'s' if plan.repaired != 1 else ''} failed verification "
                "(damaged shards): running them again",
                highlight=False,
            )
        if plan.done_before and plan.done_before < plan.total:
            self.out.print(
                f"resuming {escape(str(plan.out))}: {plan.done_before} of {plan.total} runs already done",
                highlight=False,
            )
        self.total, self.done, self.failed = plan.total, plan.done_before, plan.failed_before
        self.start_done, self.start = plan.done_before, time.monotonic()
        self._last_print = self.start
        if self.err.is_terminal:
            from rich import progress as rp

            self._bar = rp.Progress(
                rp.TextColumn("[bold]{task.description}"),
                rp.BarColumn(),
                rp.MofNCompleteColumn(),
                rp.TextColumn("runs · {task.fields[failed]} failed ·"),
                rp.TimeElapsedColumn(),
                rp.TextColumn("elapsed ·"),
                rp.TimeRemainingColumn(),
                rp.TextColumn("left"),
                console=self.err,
            )
            self._bar.start()
            self._task = self._bar.add_task(name, total=plan.total, completed=self.done, failed=self.failed)
        self._next_line = self.done + max(1, plan.total // 10)

    def advanced(self, ok: int, failed: int) -> None:
        self.done += ok + failed
        self.failed += failed
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, failed=self.failed)
        elif (self.done >= self._next_line and time.monotonic() - self._last_print > 2) or (
            time.monotonic() - self._last_print > 60
        ):
            self._next_line = self.done + max(1, self.total // 10)
            self._last_print = time.monotonic()
            print(f"  {self.done}/{self.total} runs, {self.failed} failed, {self.left()} left", file=sys.stderr)

    def left(self) -> str:
        """Time left at the rate of this invocation, ``m:ss``; ``?`` before the first run."""
        new = self.done - self.start_done
        if new <= 0:
            return "?"
        rate = new / max(1e-9, time.monotonic() - self.start)
        return clock((self.total - self.done) / rate)

    def closed(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def clock(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
