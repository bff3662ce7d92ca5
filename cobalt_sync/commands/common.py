"""Pieces the plan/apply/check/export commands share: their common options, the colour
decision, stderr progress lines, and opening a live session for a loaded manifest."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click

from cobalt_sync.connect import open_connection
from cobalt_sync.errors import CobaltSyncError
from cobalt_sync.kinds import RunContext
from cobalt_sync.manifest import LoadedManifest, draft_manifest, load_manifest
from cobalt_sync.manifest.overlay import EnvironmentChoice
from cobalt_sync.options import GlobalOptions
from cobalt_sync.planning import guard_environment
from cobalt_sync.read_ahead import ReadAhead, start_read_ahead
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
    return noted(load_manifest(path or Path(DEFAULT_MANIFEST), environment=environment))


def noted(loaded: LoadedManifest) -> LoadedManifest:
    for warning in loaded.warnings:
        note(warning.format())
    return loaded


@contextmanager
def open_session(
    options: GlobalOptions, loaded: LoadedManifest, parallelism: int
) -> Iterator[RunContext]:
    """Connect, then refuse on an environment mismatch before any request is sent. The
    run reads every live object of the kinds the manifest prunes."""
    with open_connection(options, parallelism=parallelism, beside=loaded.path) as run:
        yield checked_session(run, loaded)


def checked_session(run: RunContext, loaded: LoadedManifest) -> RunContext:
    guard_environment(loaded.manifest.environment, run.environment)
    note(f"Reading the live org: {run.target}")
    return replace(run, read_all=frozenset(loaded.manifest.prune))


@dataclass(frozen=True)
class Started:
    """A checked manifest, the session for it, and the reading started ahead, if any."""

    loaded: LoadedManifest
    run: RunContext
    ahead: ReadAhead | None


@contextmanager
def start_run(
    options: GlobalOptions,
    path: Path | None,
    environment: EnvironmentChoice | None,
    parallelism: int,
) -> Iterator[Started]:
    """Load the manifest and open the session, with the org's reads started as soon as the
    manifest's draft says what to read, while its models still check it (read_ahead.py).

    What a user sees does not change: the manifest's problems are raised before the
    connection's (a missing key, a bad URL), and nothing is sent when the draft's
    environment is not the key's. The embedded sandbox (--sandbox) starts only for a valid
    manifest, as before: it is started after the checks."""
    path = path or Path(DEFAULT_MANIFEST)
    draft = draft_manifest(path, environment=environment)
    with ExitStack() as stack:
        early = None
        if draft.document is not None and not options.sandbox:
            early = connect_early(stack, options, parallelism, path)
        ahead = start_read_ahead(early, draft.document) if early is not None else None
        loaded = noted(draft.finish())
        run = early or stack.enter_context(
            open_connection(options, parallelism=parallelism, beside=loaded.path)
        )
        yield Started(loaded, checked_session(run, loaded), ahead)


def connect_early(
    stack: ExitStack, options: GlobalOptions, parallelism: int, path: Path
) -> RunContext | None:
    """The connection, or None when it cannot be made: its error is then raised by the
    second attempt, after the manifest's own problems."""
    try:
        return stack.enter_context(open_connection(options, parallelism=parallelism, beside=path))
    except CobaltSyncError:
        return None


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
