"""`ProgressPrinter`: apply's changes on stderr as they land, with a running count and the
time elapsed (plain lines in a CI log, a progress bar under them on a terminal)."""

from __future__ import annotations

import sys
import threading
import time
from typing import ClassVar

import click

from cobalt_sync.applying.report import Outcome, Status
from cobalt_sync.commands.common import note
from cobalt_sync.render import progress_line


class ProgressPrinter:
    """Prints each landed change on stderr as it lands, with a running count and elapsed time.

    In a CI log these are plain lines; on a terminal a progress bar stays under them.
    """

    SYMBOLS: ClassVar[dict[Status, str]] = {
        Status.DONE: "✓",
        Status.FAILED: "✗",
        Status.SKIPPED: "-",
        Status.NOT_RUN: "·",
    }
    BAR_WIDTH = 30

    def __init__(self, total: int, *, terminal: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.terminal = sys.stderr.isatty() if terminal is None else terminal

    def __call__(self, outcome: Outcome) -> None:
        with self.lock:  # outcomes land from several threads
            self.done += 1
            what = f"{self.SYMBOLS[outcome.status]} {outcome.change.action.value} "
            what += outcome.change.address
            if outcome.reason:
                what += f": {outcome.reason}"
            elapsed = time.monotonic() - self.started
            line = progress_line(self.done, self.total, elapsed, what)
            if not self.terminal:
                note(line)
                return
            click.echo(f"\r\x1b[K{line}", err=True)
            click.echo(self.bar(elapsed), err=True, nl=False)

    def bar(self, elapsed: float) -> str:
        filled = self.BAR_WIDTH * self.done // max(1, self.total)
        shape = "#" * filled + " " * (self.BAR_WIDTH - filled)
        return f"[{shape}] {self.done}/{self.total} {elapsed:.1f}s"

    def close(self) -> None:
        if self.terminal and self.done:
            click.echo("\r\x1b[K", err=True, nl=False)
