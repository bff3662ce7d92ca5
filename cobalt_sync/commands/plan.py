"""`cobalt-sync plan`: show exactly what apply would change in the live org. Never writes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cobalt_sync.atomic_file import ensure_folder
from cobalt_sync.commands.common import (
    format_option,
    link_base_option,
    manifest_option,
    note,
    parallelism_option,
    start_run,
    target_option,
    use_color,
    verbose,
)
from cobalt_sync.commands.environment import choose_environment, environment_option
from cobalt_sync.errors import ExitCode, RefusedError
from cobalt_sync.options import GlobalOptions

if TYPE_CHECKING:
    from cobalt_sync.planning.targets import Target


@click.command("plan")
@manifest_option
@environment_option
@format_option
@link_base_option
@parallelism_option
@target_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (no secrets) for `cobalt-sync apply PLANFILE`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes and 2 when there are (terraform's meaning).",
)
@click.option(
    "--fail-on-breaking",
    is_flag=True,
    help="Exit 5 when an event schema change is breaking (a key removed or retyped).",
)
@click.option(
    "--impact",
    is_flag=True,
    help="Count, for each app change, the linked accounts that have the app connected. "
    "Reads every linked account (one request per page of 1,000): off by default.",
)
@click.pass_obj
def command(
    options: GlobalOptions,
    manifest_path: Path | None,
    environment: str | None,
    fmt: str,
    link_base: str | None,
    parallelism: int,
    out: Path | None,
    detailed_exitcode: bool,
    fail_on_breaking: bool,
    impact: bool,
    targets: tuple[str, ...],
) -> int:
    """Show what apply would change in the live org, field by field.

    \b
    Examples:
      cobalt-sync plan
      cobalt-sync plan -f cobalt.yaml --out plan.json --detailed-exitcode
      cobalt-sync plan --format markdown > plan.md
      cobalt-sync -v plan            # every note, also those about unchanged objects
      cobalt-sync plan --target apps/slack --target events
    """
    chosen = parsed_targets(targets)
    if out is not None:
        ensure_folder(out)  # a bad --out fails (exit 3) before any request
    with start_run(
        options, manifest_path, choose_environment(environment, options), parallelism
    ) as started:
        # Imported here, not at the top: `start_run` sends the plan's first reads before
        # the kinds and models these load are built (commands/common.py).
        from cobalt_sync.planning.impact import annotate, app_slugs, connected_counts
        from cobalt_sync.planning.pipeline import compute
        from cobalt_sync.planning.saved_plan import save_plan
        from cobalt_sync.render import render_plan

        loaded, run = started.loaded, started.run
        computed = compute(loaded, run, run.environment, chosen, started.ahead)
        plan = computed.plan
        if impact:
            counts = connected_counts(run.api, app_slugs(plan), parallelism)
            plan = annotate(plan, counts)
    shown = render_plan(
        plan, fmt, color=use_color() and fmt == "text", verbose=verbose(), link_base=link_base
    )
    click.echo(shown, nl=False)
    if out is not None:
        save_plan(plan, loaded.path, out)
        note(f"Saved the plan to {out}; apply it with `cobalt-sync apply {out}`.")
    for finding in plan.mass_delete:
        note(f"Warning: apply will refuse this plan: {finding} (--allow-mass-delete).")
    breaking = [c.address for c in plan.changes if "breaking" in c.tags]
    if fail_on_breaking and breaking:
        raise RefusedError(
            f"breaking event schema changes: {', '.join(breaking)}",
            hint="workflows reading the removed or retyped keys may fail; drop "
            "--fail-on-breaking once they are updated",
        )
    if detailed_exitcode and plan.has_changes:
        return int(ExitCode.CHANGES)
    return int(ExitCode.OK)


def parsed_targets(texts: tuple[str, ...]) -> tuple[Target, ...]:
    """The --target addresses, checked before anything is read (the kinds are loaded for
    that only when there are some)."""
    if not texts:
        return ()
    from cobalt_sync.planning.targets import parse_targets

    return parse_targets(texts)
