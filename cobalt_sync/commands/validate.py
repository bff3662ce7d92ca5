"""`cobalt-sync validate`: check a manifest offline (YAML, format, catalog, variables, files).

Never opens a connection: it imports nothing that talks to the network. Problems reach the
user through cli.py (exit 3); warnings go to stderr and the one-line summary to stdout.
"""

from __future__ import annotations

from pathlib import Path

import click

from cobalt_sync.manifest import LoadedManifest, load_manifest

DEFAULT_MANIFEST = "cobalt.yaml"


@click.command("validate")
@click.option(
    "-f",
    "--file",
    "manifest_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_MANIFEST,
    show_default=True,
    help="The manifest to check.",
)
def command(manifest_path: Path) -> None:
    """Check a manifest without contacting Cobalt (exit 0 valid, 3 invalid).

    Variables (${VAR}) are resolved from the environment, so run it with the same
    environment as plan and apply.

    \b
    Example:
      cobalt-sync validate -f cobalt.yaml
    """
    loaded = load_manifest(manifest_path)
    for warning in loaded.warnings:
        click.echo(warning.format(), err=True)
    click.echo(summary(loaded))


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
