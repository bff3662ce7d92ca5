"""`cobalt-sync diff --from test --to production`: what promoting one environment of a
manifest to another would change, per kind and field, offline and without a key.

Loads the manifest once per environment (`--allow-missing-variables` as in validate: secrets
then compare by variable name) and renders `promotion.promotion_plan`. Never connects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from cobalt_sync.commands.common import DEFAULT_MANIFEST, format_option, manifest_option, note
from cobalt_sync.commands.validate import PlaceholderEnviron
from cobalt_sync.errors import ExitCode, InputError, ManifestError, Problem
from cobalt_sync.manifest import LoadedManifest, load_manifest
from cobalt_sync.manifest.overlay import EnvironmentChoice
from cobalt_sync.planning.promotion import promotion_plan, render_promotion
from cobalt_sync.reading.environment import checked_name


@click.command("diff")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="ENV",
    help="The environment promoted from, e.g. test.",
)
@click.option(
    "--to",
    "target",
    required=True,
    metavar="ENV",
    help="The environment promoted to, e.g. production.",
)
@manifest_option
@format_option
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when the environments are identical and 2 when they differ.",
)
@click.option(
    "--allow-missing-variables",
    is_flag=True,
    help="Accept unset ${VAR} references (e.g. secrets not available here): such values "
    "compare by variable name.",
)
def command(
    source: str,
    target: str,
    manifest_path: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    allow_missing_variables: bool,
) -> int:
    """Show what the --to environment would receive or lose relative to --from.

    Offline: reads only the manifest, needs no key. `+` is only in --to, `-` only in
    --from, `~` differs field by field; review tags (breaking, reauthorize) as in plan.
    Secrets are compared by fingerprint and shown as (sensitive).

    \b
    Examples:
      cobalt-sync diff --from test --to production
      cobalt-sync diff --from test --to production --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    source = checked_name(source, "--from")
    target = checked_name(target, "--to")
    if source == target:
        raise InputError(f"--from and --to are both {source}", hint="compare two environments")
    path = manifest_path or Path(DEFAULT_MANIFEST)
    environ: Mapping[str, str] = os.environ
    if allow_missing_variables:
        environ = PlaceholderEnviron(os.environ)
    before, after = load_both(path, environ, source, target)
    for warning in dict.fromkeys([*before.warnings, *after.warnings]):  # shared ones once
        note(warning.format())
    promotion = promotion_plan(before.manifest, after.manifest)
    click.echo(render_promotion(promotion, fmt), nl=False)
    if detailed_exitcode and not promotion.identical:
        return int(ExitCode.CHANGES)
    return int(ExitCode.OK)


def load_both(
    path: Path, environ: Mapping[str, str], source: str, target: str
) -> tuple[LoadedManifest, LoadedManifest]:
    """Both environments loaded; the problems of both reported at once (a shared problem
    once, in file order), as validate does: fixing one environment only to meet the
    other's problems on the next run wastes a CI round."""
    loaded: list[LoadedManifest] = []
    problems: list[Problem] = []
    for name, flag in ((source, "--from"), (target, "--to")):
        try:
            loaded.append(load_as(path, environ, name, flag))
        except ManifestError as error:
            problems += [p for p in error.problems if p not in problems]
    if problems:
        raise ManifestError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return loaded[0], loaded[1]


def load_as(path: Path, environ: Mapping[str, str], name: str, flag: str) -> LoadedManifest:
    loaded = load_manifest(path, environ, EnvironmentChoice(name, flag))
    if loaded.manifest.environment != name:
        raise InputError(
            f"{path} describes only {loaded.manifest.environment} (`environment:`): nothing "
            f"to compare with {name}",
            hint="declare both environments under `environments:` in one manifest",
        )
    return loaded
