"""Progress of long jobs on stderr (进度显示): the end of day, the demo, the portfolio simulation,
report runs that compute missing positions.

::

    with Progress("end of day 2026-01-31", quiet=quiet) as progress:
        servicing.run_eod(day, progress=progress.update)      # update(done, total)

A bar (rich) shows on stderr only when stderr is a terminal and ``quiet`` is false, so a pipe, a
log file or CI gets the job's output and nothing else; machine output on stdout is never touched.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO


class Progress:
    """One progress bar; ``update(done, total)`` or ``advance(n)``; a no-op when switched off."""

    def __init__(
        self, label: str, *, total: int | None = None, quiet: bool = False, stream: TextIO | None = None
    ):
        out = stream or sys.stderr
        self.enabled = not quiet and out.isatty()
        self._label = label
        self._total = total
        self._stream = out
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            console = Console(file=self._stream, force_terminal=True)
            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=self._total)
        return self

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` of ``total`` finished (the end of day's ``progress(done, agenda)`` callback)."""
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total if total is not None else self._total)

    def advance(self, steps: int = 1, *, label: str | None = None) -> None:
        """``steps`` more done; ``label`` replaces the text shown before the bar."""
        if self._bar is not None:
            if label is not None:
                self._bar.update(self._task, description=label)
            self._bar.update(self._task, advance=steps)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()


__all__ = ["Progress"]
