"""`cobalt-sync apply`: make the live org match the manifest, or a saved, reviewed plan.

Confirmation, the mass-delete guard and the stale-plan check happen here, before any write;
the writes themselves are `apply.apply_plan`, and the re-read afterwards is a fresh plan.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cobalt_sync.apply import apply_plan
from cobalt_sync.backends.app_settings import ManualAppSettings
from cobalt_sync.commands.common import (
    ProgressPrinter,
    Session,
    format_option,
    load,
    manifest_option,
    note,
    open_session,
    parallelism_option,
    show_backend_notes,
    use_color,
)
from cobalt_sync.commands.environment import choose_environment, environment_option
from cobalt_sync.errors import ApiError, ExitCode, PartialApplyError, RefusedError
from cobalt_sync.manifest import LoadedManifest
from cobalt_sync.options import GlobalOptions
from cobalt_sync.plan import Plan
from cobalt_sync.render import render_plan, render_report
from cobalt_sync.report import ApplyReport, Status
from cobalt_sync.workflow import Computed, check_saved_plan, compute, load_saved_plan


@click.command("apply")
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@manifest_option
@environment_option
@format_option
@parallelism_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--allow-mass-delete",
    is_flag=True,
    help="Allow a plan that deletes more than 10 objects or over 25% of a kind.",
)
@click.pass_obj
def command(
    options: GlobalOptions,
    planfile: Path | None,
    manifest_path: Path | None,
    environment: str | None,
    fmt: str,
    parallelism: int,
    auto_approve: bool,
    allow_mass_delete: bool,
) -> int:
    """Make the live org match the manifest (or apply a saved plan).

    \b
    Examples:
      cobalt-sync apply                       # plan, confirm, apply
      cobalt-sync apply --auto-approve        # in CI, no prompt
      cobalt-sync plan --out plan.json && cobalt-sync apply plan.json --auto-approve
    """
    saved: Plan | None = None
    if planfile is not None:
        saved, saved_manifest = load_saved_plan(planfile)
        manifest_path = manifest_path or saved_manifest
    loaded = load(manifest_path, choose_environment(environment, options))
    with open_session(options, loaded, parallelism) as session:
        computed = compute(loaded, session.ctx, session.connection.environment)
        show_backend_notes(session)
        if saved is not None:
            check_saved_plan(saved, computed.plan)
        show_plan(computed.plan, fmt)
        if not computed.plan.has_changes:
            return int(ExitCode.OK)
        guard_mass_delete(computed.plan, allow_mass_delete)
        confirm(auto_approve, session.connection.target)
        report, unverified = run_apply(computed, session, loaded)
    click.echo(render_report(report, fmt, color=use_color() and fmt == "text"), nl=False)
    if unverified is not None and report.complete:
        raise unverified  # failures, if any, are the bigger news: finish() reports them
    return finish(report)


def show_plan(plan: Plan, fmt: str) -> None:
    """The plan the user confirms: on stdout in text mode; on stderr when stdout is reserved
    for a machine-readable report."""
    text = render_plan(plan, "text", color=use_color())
    click.echo(text, nl=False, err=fmt != "text")


def guard_mass_delete(plan: Plan, allowed: bool) -> None:
    if plan.mass_delete and not allowed:
        raise RefusedError(
            "refusing a mass delete: " + "; ".join(plan.mass_delete),
            hint="check the plan; if it is right, re-run with --allow-mass-delete",
        )


def confirm(auto_approve: bool, target: str) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise RefusedError(
            "not confirmed: no terminal to ask on",
            hint="pass --auto-approve to apply without a prompt (e.g. in CI)",
        )
    answer = click.prompt(
        f"Apply these changes to {target}? Only 'yes' is accepted",
        default="",
        show_default=False,
        err=True,
    )
    if answer.strip() != "yes":
        raise RefusedError("not confirmed: nothing was changed")


def run_apply(
    computed: Computed, session: Session, loaded: LoadedManifest
) -> tuple[ApplyReport, ApiError | None]:
    """The report, and the API error that stopped the re-read to verify, if one did."""
    plan = computed.plan
    settings = session.connection.settings
    if isinstance(settings, ManualAppSettings):
        settings.ensure_probe()  # later reads of enabled apps go through the probe account
    progress = ProgressPrinter(len(plan.changes))
    try:
        outcomes = apply_plan(plan, computed.desired, computed.live, session.ctx, progress)
    finally:
        progress.close()
    note("Re-reading the live org to verify…")
    try:
        recheck = compute(loaded, session.ctx, session.connection.environment)
    except ApiError as error:
        # The writes happened: their report must still be shown (and parsed, with --format
        # json), so the failed re-read is raised only after it.
        error.hint = (
            "the changes in the report were applied, but the org could not be re-read to "
            "verify them; run `cobalt-sync plan` to check (re-running apply is safe)"
        )
        return ApplyReport(plan=plan, outcomes=outcomes, verified=False), error
    report = ApplyReport(
        plan=plan,
        outcomes=outcomes,
        remaining=recheck.plan.changes,
        verified=not recheck.plan.changes,
    )
    return report, None


def finish(report: ApplyReport) -> int:
    failed = report.by_status(Status.FAILED)
    manual = report.by_status(Status.MANUAL)
    if failed or report.by_status(Status.SKIPPED):
        raise PartialApplyError(
            f"apply finished part-way: {len(failed)} failed, "
            f"{len(report.by_status(Status.SKIPPED))} skipped",
            hint="re-running `cobalt-sync apply` is safe and converges",
        )
    if manual:
        raise PartialApplyError(
            f"{len(manual)} changes need manual steps in the Cobalt dashboard (listed above)",
            hint="take the steps, then run `cobalt-sync plan` to confirm no changes remain",
        )
    if report.remaining:
        raise PartialApplyError(
            f"apply reported success but the org still differs in {len(report.remaining)} "
            "places (someone else may be changing it)",
            hint="run `cobalt-sync plan` to see the differences",
        )
    return int(ExitCode.OK)
