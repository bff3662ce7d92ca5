"""`cobalt-sync validate`: check a manifest offline (YAML, format, catalog, variables, files).

Never opens a connection: it imports nothing that talks to the network. Problems reach the
user through cli.py (exit 3); warnings go to stderr and the one-line summary to stdout.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import click

from cobalt_sync.errors import InputError, ManifestError, Problem
from cobalt_sync.manifest import LoadedManifest, load_manifest
from cobalt_sync.manifest.load import environments_of
from cobalt_sync.manifest.overlay import EnvironmentChoice, MergedDocument

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

    A manifest with `environments:` is checked once per environment (its top level with
    that environment's section merged over it). Variables (${VAR}) are resolved from the
    environment, so run it with the same environment as plan and apply, or pass
    --allow-missing-variables.

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
        show(validate_file(paths[0], environ))
        return
    invalid = 0
    for path in paths:
        try:
            show(validate_file(path, environ))
        except ManifestError as error:
            invalid += 1
            for problem in error.problems:
                click.echo(problem.format(), err=True)
            click.echo(f"{path}: {error}", err=True)
    if invalid:
        raise InputError(f"{invalid} of {len(paths)} manifests are invalid")


def validate_file(path: Path, environ: Mapping[str, str]) -> list[LoadedManifest]:
    """The file loaded as each environment it declares (as itself in the single form). A
    problem in the shared top level shows up in every environment: it is reported once."""
    names = environments_of(path)
    if not names:
        return [load_manifest(path, environ)]
    loaded: list[LoadedManifest] = []
    problems: list[Problem] = []
    for name in names:
        try:
            loaded.append(load_manifest(path, environ, EnvironmentChoice(name, "validate")))
        except ManifestError as error:
            problems += [p for p in error.problems if p not in problems]
    if problems:
        raise ManifestError(sorted(problems, key=_position))
    return loaded


def _position(problem: Problem) -> tuple[int, int]:
    return (problem.line or 0, problem.column or 0)


def show(loaded: list[LoadedManifest]) -> None:
    seen: set[Problem] = set()
    for warning in (w for each in loaded for w in each.warnings):
        if warning not in seen:
            seen.add(warning)
            click.echo(warning.format(), err=True)
    if len(loaded) == 1 and not isinstance(loaded[0].document, MergedDocument):
        click.echo(summary(loaded[0]))
        return
    parts = [f"{each.manifest.environment}: {counts(each)}" for each in loaded]
    click.echo(f"{loaded[0].path} is valid: {'; '.join(parts)}")


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
    return f"{loaded.path} is valid: {counts(loaded)}"


def counts(loaded: LoadedManifest) -> str:
    """Every kind the manifest declares objects of, in the registry's order."""
    from cobalt_sync.kinds import KINDS

    parts = []
    for kind in KINDS.values():
        declared = sum(1 for _ in kind.desired(loaded.manifest))
        if declared:
            parts.append(_count(declared, kind.noun))
    if not parts:
        parts.append("no objects declared")
    if loaded.warnings:
        parts.append(_count(len(loaded.warnings), "warning"))
    return ", ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
