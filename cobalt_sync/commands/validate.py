"""`cobalt-sync validate`: check a manifest offline (YAML, format, catalog, variables, files).

Never opens a connection: it imports nothing that talks to the network. Problems reach the
user through cli.py (exit 3); warnings go to stderr and the one-line summary to stdout.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import click

from cobalt_sync.errors import InputError, ManifestError
from cobalt_sync.manifest import LoadedManifest, load_manifest

DEFAULT_MANIFEST = "cobalt.yaml"


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--file",
    "manifest_paths",
    type=click.Path(path_type=Path),
    multiple=True,
    help=f"A manifest to check (default: {DEFAULT_MANIFEST}). Repeatable.",
)
@click.option(
    "--allow-missing-variables",
    is_flag=True,
    help="Accept ${VAR} references whose variable is not set (for pre-commit and editors, "
    "where the secrets are not available). Everything else is checked as usual.",
)
def command(
    files: tuple[Path, ...], manifest_paths: tuple[Path, ...], allow_missing_variables: bool
) -> None:
    """Check manifests without contacting Cobalt (exit 0 valid, 3 invalid).

    Variables (${VAR}) are resolved from the environment, so run it with the same
    environment as plan and apply, or pass --allow-missing-variables.

    \b
    Examples:
      cobalt-sync validate -f cobalt.yaml
      cobalt-sync validate --allow-missing-variables envs/test.yaml envs/production.yaml
    """
    paths = [*manifest_paths, *files] or [Path(DEFAULT_MANIFEST)]
    environ: Mapping[str, str] = os.environ
    if allow_missing_variables:
        environ = PlaceholderEnviron(os.environ)
    if len(paths) == 1:
        show(load_manifest(paths[0], environ))
        return
    invalid = 0
    for path in paths:
        try:
            show(load_manifest(path, environ))
        except ManifestError as error:
            invalid += 1
            for problem in error.problems:
                click.echo(problem.format(), err=True)
            click.echo(f"{path}: {error}", err=True)
    if invalid:
        raise InputError(f"{invalid} of {len(paths)} manifests are invalid")


def show(loaded: LoadedManifest) -> None:
    for warning in loaded.warnings:
        click.echo(warning.format(), err=True)
    click.echo(summary(loaded))


class PlaceholderEnviron(Mapping[str, str]):
    """The real environment, where every unset variable reads as a placeholder value."""

    def __init__(self, real: Mapping[str, str]) -> None:
        self.real = real

    def __getitem__(self, name: str) -> str:
        return self.real.get(name, f"unset-{name}")

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.real)

    def __len__(self) -> int:
        return len(self.real)


def summary(loaded: LoadedManifest) -> str:
    """`cobalt.yaml is valid: 3 apps, 2 events, 2 linked accounts`."""
    manifest = loaded.manifest
    counts = [
        _count(len(manifest.apps), "app"),
        _count(len(manifest.events), "event"),
        _count(len(manifest.linked_accounts), "linked account"),
    ]
    if loaded.warnings:
        counts.append(_count(len(loaded.warnings), "warning"))
    return f"{loaded.path} is valid: {', '.join(counts)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
