"""Pieces the plan/apply/check/export commands share: their common options, the colour
decision, stderr progress lines, and opening a live session for a loaded manifest."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click

from cobalt_sync.connect import Connection, open_connection
from cobalt_sync.kinds import KindContext
from cobalt_sync.manifest import LoadedManifest, load_manifest
from cobalt_sync.manifest.overlay import EnvironmentChoice
from cobalt_sync.options import GlobalOptions
from cobalt_sync.planning import guard_environment
from cobalt_sync.render import progress_line
from cobalt_sync.report import Outcome, Status

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_MANIFEST = "cobalt.yaml"


def manifest_option(function: F) -> F:
    return click.option(
        "-f",
        "--file",
        "manifest_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"The manifest to read (default: {DEFAULT_MANIFEST}).",
    )(function)


def format_option(function: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help="Output format on stdout.",
    )(function)


def parallelism_option(function: F) -> F:
    return click.option(
        "--parallelism",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        help="Requests in flight at once.",
    )(function)


def target_option(function: F) -> F:
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="ADDRESS",
        help="Plan only this object (`apps/slack`, `events/Invoice Paid`) or kind (`events`); "
        "repeatable. Prerequisites outside the targets come along, with a note.",
    )(function)


def use_color() -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR set (no-color.org)."""
    ctx = click.get_current_context(silent=True)
    options = ctx.find_object(GlobalOptions) if ctx is not None else None
    if options is not None and options.no_color:
        return False
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def note(message: str) -> None:
    click.echo(message, err=True)


def load(path: Path | None, environment: EnvironmentChoice | None = None) -> LoadedManifest:
    loaded = load_manifest(path or Path(DEFAULT_MANIFEST), environment=environment)
    for warning in loaded.warnings:
        note(warning.format())
    return loaded


@dataclass(frozen=True)
class Session:
    connection: Connection
    ctx: KindContext


@contextmanager
def open_session(
    options: GlobalOptions, loaded: LoadedManifest, parallelism: int
) -> Iterator[Session]:
    """Connect, then refuse on an environment mismatch before any request is sent."""
    with open_connection(options, parallelism=parallelism, beside=loaded.path) as connection:
        guard_environment(loaded.manifest.environment, connection.environment)
        note(f"Reading the live org: {connection.target}")
        ctx = KindContext(
            api=connection.api,
            settings=connection.settings,
            parallelism=parallelism,
            prune=frozenset(loaded.manifest.prune),
        )
        yield Session(connection, ctx)


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
