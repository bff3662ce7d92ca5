"""Pieces the plan/apply/check/export commands share: their common options, the colour
decision, stderr notes, and the start of a run (reading/start.py) with its notes on stderr.

Light on purpose: `plan` imports it before its first reads are sent, so the kinds, the
models and the planner are imported where they are used, once those reads are on their way."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cobalt_sync.manifest import LoadedManifest, load_manifest
from cobalt_sync.manifest.overlay import EnvironmentChoice
from cobalt_sync.options import GlobalOptions
from cobalt_sync.reading import start
from cobalt_sync.reading.start import Started as Started

if TYPE_CHECKING:
    from cobalt_sync.kinds import RunContext

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
    """Connect for a manifest already loaded, then guard (reading/start.py)."""
    with start.open_session(options, loaded, parallelism, note) as run:
        yield run


@contextmanager
def start_run(
    options: GlobalOptions,
    path: Path | None,
    environment: EnvironmentChoice | None,
    parallelism: int,
) -> Iterator[Started]:
    """The start of a run (reading/start.py), with warnings and progress on stderr."""
    with start.start_run(
        options, path or Path(DEFAULT_MANIFEST), environment, parallelism, note
    ) as started:
        yield started
