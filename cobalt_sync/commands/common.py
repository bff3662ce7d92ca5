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
from click.core import ParameterSource

from cobalt_sync.errors import InputError
from cobalt_sync.manifest import LoadedManifest, load_manifest
from cobalt_sync.manifest.overlay import EnvironmentChoice
from cobalt_sync.options import GlobalOptions
from cobalt_sync.plan import LINK_BASE_HINT, is_link_base
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


LINK_BASE_ENV = "COBALT_LINK_BASE"


def checked_link_base(ctx: click.Context, param: click.Parameter, url: str | None) -> str | None:
    """A bad link base is bad input (exit 3), found before anything is read; checked here
    without the renderers, whose import would hold back a plan's first reads."""
    if url and not is_link_base(url):
        from_env = ctx.get_parameter_source(str(param.name)) is ParameterSource.ENVIRONMENT
        source = LINK_BASE_ENV if from_env else "--link-base"
        raise InputError(
            f"{source}: not an http(s) URL without spaces, quotes or brackets",
            hint=LINK_BASE_HINT,
        )
    return url or None


def link_base_option(function: F) -> F:
    return click.option(
        "--link-base",
        metavar="URL",
        envvar=LINK_BASE_ENV,
        default=None,
        callback=checked_link_base,
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
