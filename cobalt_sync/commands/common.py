"""Pieces the plan/apply/check/export commands share: their common options, the colour
decision, stderr notes, and starting a run (the manifest, the session, the first reads).

Light on purpose: `plan` imports it before its first reads are sent, so the kinds, the
models and the planner are imported where they are used, once those reads are on their way
(`start_run`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cobalt_sync.errors import CobaltSyncError
from cobalt_sync.gc_tuning import rare_collections
from cobalt_sync.manifest import LoadedManifest, draft_manifest, load_manifest
from cobalt_sync.manifest.overlay import EnvironmentChoice
from cobalt_sync.options import GlobalOptions
from cobalt_sync.reading.connect import DraftReads, open_connection

if TYPE_CHECKING:
    from cobalt_sync.kinds import RunContext
    from cobalt_sync.reading.read_ahead import ReadAhead

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


LINK_BASE_ENV = "COBALT_LINK_BASE"


def link_base_option(function: F) -> F:
    return click.option(
        "--link-base",
        metavar="URL",
        envvar=LINK_BASE_ENV,
        default=None,
        help="With --format markdown, link each change to its manifest line under URL, the "
        "repository at a commit: https://github.com/OWNER/REPO/blob/SHA (env "
        f"{LINK_BASE_ENV}; the GitHub Action sets it to the pull request's head).",
    )(function)


def verbose() -> bool:
    """-v: a plan shows every note, those about unchanged objects too."""
    ctx = click.get_current_context(silent=True)
    options = ctx.find_object(GlobalOptions) if ctx is not None else None
    return options is not None and options.verbose > 0


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
    from cobalt_sync.planning.pipeline import guard_environment  # see start_run

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
    with ExitStack() as stack:
        # Most of a run's imports and model building happen here: see gc_tuning.py.
        with rare_collections():
            started = start(stack, options, path, environment, parallelism)
        yield started


def start(
    stack: ExitStack,
    options: GlobalOptions,
    path: Path,
    environment: EnvironmentChoice | None,
    parallelism: int,
) -> Started:
    draft = draft_manifest(path, environment=environment)
    reads = DraftReads.of(draft.document) if draft.document is not None else None
    early = None
    if reads is not None and not options.sandbox:
        early = connect_early(stack, options, parallelism, path, reads)
    ahead = None
    if early is not None:
        from cobalt_sync.reading.read_ahead import start_read_ahead

        ahead = start_read_ahead(early, draft.document, reads)
    loaded = noted(draft.finish())
    run = early or stack.enter_context(
        open_connection(options, parallelism=parallelism, beside=loaded.path)
    )
    return Started(loaded, checked_session(run, loaded), ahead)


def connect_early(
    stack: ExitStack,
    options: GlobalOptions,
    parallelism: int,
    path: Path,
    draft: DraftReads | None,
) -> RunContext | None:
    """The connection, with the first reads sent when the draft's environment is the key's;
    None when it cannot be made: its error is then raised by the second attempt, after the
    manifest's own problems."""
    try:
        return stack.enter_context(
            open_connection(options, parallelism=parallelism, beside=path, draft=draft)
        )
    except CobaltSyncError:
        return None
