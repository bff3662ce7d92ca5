"""`cobalt-sync export`: write the live org as a manifest, to adopt an existing org.

Reads the live org through the kinds' own readers and writes what `export.export_manifest`
makes of it, to stdout or atomically to a file it will not overwrite unless forced. Never
writes to Cobalt, and never holds a secret: the export carries `${VAR}` placeholders.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import click

from cobalt_sync import atomic_file
from cobalt_sync.catalog import load_catalog
from cobalt_sync.commands.common import note, parallelism_option
from cobalt_sync.commands.environment import choose_environment, environment_option
from cobalt_sync.errors import InputError
from cobalt_sync.exporting.document import Export, ExportOptions, export_manifest
from cobalt_sync.kinds import KIND_ORDER, KINDS
from cobalt_sync.options import GlobalOptions
from cobalt_sync.reading.connect import open_connection
from cobalt_sync.reading.state import read_live
from cobalt_sync.resource import State

STDOUT = "-"


def parse_kinds(ctx: click.Context, param: click.Parameter, value: str) -> frozenset[str]:
    kinds = frozenset(word.strip() for word in value.split(",") if word.strip())
    unknown = sorted(kinds - set(KIND_ORDER))
    if unknown or not kinds:
        raise click.BadParameter(
            f"unknown kind {', '.join(map(repr, unknown))}; choose from {', '.join(KIND_ORDER)}"
            if unknown
            else f"name at least one of {', '.join(KIND_ORDER)}"
        )
    for name in sorted(kinds):
        under = KINDS[name].written_under
        if under is not None and under not in kinds:
            raise click.BadParameter(f"{name} are written under {under}: add {under}")
    return kinds


@click.command("export")
@click.option(
    "-o",
    "--output",
    default=STDOUT,
    metavar="FILE",
    help="Write the manifest to FILE (atomically) instead of stdout ('-').",
)
@click.option(
    "--kinds",
    default=",".join(KIND_ORDER),
    show_default=True,
    callback=parse_kinds,
    help="Comma-separated kinds to export (oauth_credentials are written under apps).",
)
@click.option(
    "--all-linked-accounts",
    is_flag=True,
    help="Export every linked account, not only those cobalt-sync created "
    "(udf managed_by=cobalt-sync): on a production org that means every customer.",
)
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@environment_option
@parallelism_option
@click.pass_obj
def command(
    options: GlobalOptions,
    output: str,
    kinds: frozenset[str],
    all_linked_accounts: bool,
    force: bool,
    environment: str | None,
    parallelism: int,
) -> None:
    """Write the live org as a manifest: the start of managing an existing org.

    The environment comes from COBALT_API_KEY (tk… test, pk… production). OAuth client
    secrets cannot be read from Cobalt: they are written as variables such as
    ${SLACK_CLIENT_SECRET}, listed on stderr. Only linked accounts cobalt-sync created are
    exported by default; finding them reads every linked account of the org. Never writes.

    \b
    Examples:
      cobalt-sync export > cobalt.yaml
      cobalt-sync export -o cobalt.yaml --kinds apps,oauth_credentials,events
      cobalt-sync export -o cobalt.yaml --force && cobalt-sync plan   # expect no changes
      COBALT_API_KEY=pk_… cobalt-sync export -e production -o cobalt.yaml

    With -e/--environment NAME and -o FILE, the org is written into FILE's
    `environments: NAME:` section only (as what differs from the top level), leaving the
    rest of the file as it is; a missing FILE becomes a manifest with the export as its top
    level and an empty NAME section.
    """
    target = None if output == STDOUT else Path(output)
    section = environment_section(environment, options, target)
    if target is not None and section is None:
        refuse_overwrite(target, force)
    with open_connection(options, parallelism=parallelism, beside=target) as connected:
        note(f"Reading the live org: {connected.target}")
        # Export's own read scope: every live object of each exported kind.
        run = replace(connected, read_all=frozenset(kinds))
        live = read_live(run, State(), tuple(k for k in KIND_ORDER if k in kinds))
        for name, kind in live.kinds.items():
            for key, text in kind.notes:
                note(f"Note: {text}" if key is None else f"Note: {name}/{key}: {text}")
        export = export_manifest(
            live,
            ExportOptions(
                environment=run.environment,
                kinds=kinds,
                all_linked_accounts=all_linked_accounts,
                known_apps=frozenset(load_catalog().slugs()),
            ),
        )
    if target is None:
        click.echo(export.text, nl=False)
    elif section is not None:
        write_section(target, export.text, section)
    else:
        write_atomically(target, export.text, force)
    tell(export, target)


def environment_section(
    requested: str | None, options: GlobalOptions, target: Path | None
) -> str | None:
    """The environment section to write into, refused before any request when the key is
    of another environment; None without --environment. (COBALT_ENVIRONMENT, set for a
    whole CI job, does not turn a plain export into a write into a file's section.)"""
    if not requested:
        return None
    choice = choose_environment(requested, options, {**os.environ, "COBALT_ENVIRONMENT": ""})
    assert choice is not None  # an explicit name was given
    if target is None:
        raise InputError(
            f"{choice.source} {choice.name}: writes into a manifest's section; give the file",
            hint=f"cobalt-sync export -e {choice.name} -o cobalt.yaml",
        )
    if target.is_dir():
        raise InputError(f"{target}: is a directory", hint="give a file name, e.g. -o cobalt.yaml")
    return choice.name


def write_section(target: Path, export_text: str, name: str) -> None:
    from cobalt_sync.exporting.environment_section import new_manifest, write_into

    if not target.exists():
        write_atomically(target, new_manifest(export_text, name), force=False)
        return
    current = target.read_text(encoding="utf-8")
    write_atomically(target, write_into(current, export_text, name, str(target)), force=True)
    note(f"Wrote the {name} environment into `environments: {name}:` of {target}.")


def refuse_overwrite(target: Path, force: bool) -> None:
    """Checked before reading the org, so a mistyped path costs no requests."""
    if target.is_dir():
        raise InputError(f"{target}: is a directory", hint="give a file name, e.g. -o cobalt.yaml")
    if not target.parent.is_dir():
        raise InputError(f"{target}: directory {target.parent} does not exist")
    if target.exists() and not force:
        raise InputError(
            f"{target}: already exists; export does not overwrite a manifest",
            hint="choose another file, or pass --force to replace it",
        )


def write_atomically(target: Path, text: str, force: bool) -> None:
    """Atomically, never through a link (atomic_file.py); without --force, a file that
    appeared meanwhile is refused rather than replaced."""
    try:
        atomic_file.write_atomically(target, text, overwrite=force)
    except FileExistsError:
        raise InputError(
            f"{target}: already exists; export does not overwrite a manifest",
            hint="choose another file, or pass --force to replace it",
        ) from None


def tell(export: Export, target: Path | None) -> None:
    """What the user must know, on stderr so that stdout stays a clean manifest."""
    for warning in export.warnings:
        note(f"Warning: {warning}")
    if export.accounts_left_out:
        note(
            f"Left out {export.accounts_left_out} linked accounts that cobalt-sync did not "
            "create (customers' accounts); --all-linked-accounts exports them too."
        )
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in export.counts.items())
    note(f"Exported {counts} to {target if target is not None else 'stdout'}.")
    if export.variables:
        note("Set these variables before validate, plan or apply (Cobalt never returns secrets):")
        width = max(len(v.name) for v in export.variables)
        for variable in export.variables:
            note(f"  {variable.name.ljust(width)}  {variable.purpose}")
