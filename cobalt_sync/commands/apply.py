"""`cobalt-sync apply`: make the live org match the manifest, or a saved, reviewed plan.

Confirmation, the mass-delete guard and the stale-plan check happen here, before any write;
the writes themselves are `apply.apply_plan`, and the re-read afterwards is a fresh plan.
Dashboard steps (real Cobalt) are never written: the re-read verifies them, and
`--wait-for-dashboard` keeps re-reading while a person takes them.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import replace
from pathlib import Path

import click

from cobalt_sync.applying.apply import GRACE_SECONDS, apply_plan
from cobalt_sync.applying.interrupts import (
    EXIT_CODES,
    Interrupted,
    graceful_stop,
    signal_name,
    signals_raise,
)
from cobalt_sync.applying.report import ApplyReport, Outcome, Status
from cobalt_sync.commands.common import (
    format_option,
    manifest_option,
    note,
    parallelism_option,
    start_run,
    target_option,
    use_color,
    verbose,
)
from cobalt_sync.commands.environment import choose_environment, environment_option
from cobalt_sync.commands.progress import ProgressPrinter
from cobalt_sync.commands.waiting import (
    POLL_SECONDS,
    ReportOnce,
    WaitPace,
    wait_for_dashboard,
)
from cobalt_sync.errors import (
    ApiError,
    ApplyInterrupted,
    DashboardStepsRemain,
    ExitCode,
    InputError,
    PartialApplyError,
    RefusedError,
)
from cobalt_sync.kinds import RunContext
from cobalt_sync.manifest import LoadedManifest
from cobalt_sync.options import GlobalOptions
from cobalt_sync.plan import Plan
from cobalt_sync.planning.pipeline import Computed, compute
from cobalt_sync.planning.saved_plan import check_saved_plan, load_saved_plan
from cobalt_sync.planning.targets import Target, parse_targets
from cobalt_sync.render import render_plan, render_report
from cobalt_sync.render.values import plural

EXIT_CODES_HELP = """\b
Exit codes:
  0  done: the live org matches (API changes and dashboard steps)
  1  internal error (a bug): re-run with --debug for the traceback
  3  bad input (manifest, variables, plan file, options)
  4  Cobalt API error (unreachable, key refused, unexpected answer)
  5  refused by a safety rule (stale plan, mass delete, environment, not confirmed)
  6  finished part-way: an API change failed; re-running is safe
  7  every API change done; dashboard steps remain (listed); re-run or --wait-for-dashboard
  130 / 143  interrupted by SIGINT (Ctrl-C) / SIGTERM (while writing, verifying or waiting
     for dashboard steps): no new writes, the ones in flight finished, the report lists
     what landed; re-running is safe
"""


@click.command("apply")
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@manifest_option
@environment_option
@format_option
@parallelism_option
@target_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--allow-mass-delete",
    is_flag=True,
    help="Allow a plan that deletes more than 10 objects or over 25% of a kind.",
)
@click.option(
    "--wait-for-dashboard",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=0,
    metavar="SECONDS",
    help="When dashboard steps remain after the API changes, re-check every "
    f"{POLL_SECONDS:g} s until they are seen done (exit 0) or SECONDS pass (exit 7).",
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
    wait_seconds: float,
    targets: tuple[str, ...],
) -> int:
    """Make the live org match the manifest (or apply a saved plan).

    A saved plan is applied when the org moved only toward it since it was made (an earlier
    run of it, or dashboard steps taken by a person, count as done); otherwise exit 5.

    \b
    Examples:
      cobalt-sync apply                       # plan, confirm, apply
      cobalt-sync apply --auto-approve        # in CI, no prompt
      cobalt-sync plan --out plan.json && cobalt-sync apply plan.json --auto-approve
      cobalt-sync apply plan.json --auto-approve --wait-for-dashboard 900
    """
    saved: Plan | None = None
    chosen = parse_targets(targets)
    pace = WaitPace.from_environment(os.environ)  # a bad setting is refused before any write
    color = use_color() and fmt == "text"  # decided here: a watchdog thread may print it
    out = ReportOnce(lambda done: render_report(done, fmt, color=color))
    if planfile is not None:
        saved, saved_manifest = load_saved_plan(planfile)
        manifest_path = manifest_path or saved_manifest
        chosen = targets_of_saved(saved, chosen)
    with start_run(
        options, manifest_path, choose_environment(environment, options), parallelism
    ) as started:
        loaded, run = started.loaded, started.run
        computed = compute(loaded, run, run.environment, chosen, started.ahead)
        if saved is not None:
            check_saved_plan(saved, computed.plan)
        show_plan(computed.plan, fmt)
        if not computed.plan.has_changes:
            return int(ExitCode.OK)
        if computed.plan.changes:
            guard_mass_delete(computed.plan, allow_mass_delete)
            confirm(auto_approve, run.target)
        report, unverified = run_apply(computed, run, loaded, out)
        if unverified is None and report.complete and report.dashboard_steps and wait_seconds:
            report, unverified = wait_for_dashboard(
                report,
                lambda: rechecked(report, computed, run, loaded),
                wait_seconds,
                pace,
                out,
            )
    out.emit(report)
    if unverified is not None and report.complete:
        raise unverified  # failures, if any, are the bigger news: finish() reports them
    return finish(report)


command.epilog = EXIT_CODES_HELP


def targets_of_saved(saved: Plan, given: tuple[Target, ...]) -> tuple[Target, ...]:
    """A saved plan carries its targets; naming others on the command line is a mistake."""
    recorded = parse_targets(saved.targets)
    if given and given != recorded:
        listed = ", ".join(saved.targets) or "none (the whole manifest)"
        raise InputError(
            f"--target differs from the saved plan's targets ({listed})",
            hint="apply a saved plan without --target, or make a new plan with the targets",
        )
    return recorded


def show_plan(plan: Plan, fmt: str) -> None:
    """The plan the user confirms: on stdout in text mode; on stderr when stdout is reserved
    for a machine-readable report."""
    text = render_plan(plan, "text", color=use_color(), verbose=verbose())
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
    computed: Computed, run: RunContext, loaded: LoadedManifest, out: ReportOnce
) -> tuple[ApplyReport, ApiError | None]:
    """The report, and the API error that stopped the re-read to verify, if one did."""
    plan = computed.plan
    outcomes: tuple[Outcome, ...] = ()
    if plan.changes:
        progress = ProgressPrinter(len(plan.changes))
        # While writes run, a signal stops new ones instead of raising (see interrupts.py).
        with graceful_stop(GRACE_SECONDS) as stop:
            try:
                outcomes = apply_plan(
                    plan, computed.desired, computed.live, run, progress, stop
                )
            finally:
                progress.close()
        if stop.is_set():
            return ApplyReport(plan=plan, outcomes=outcomes, interrupted=stop.name), None
    note("Re-reading the live org to verify…")

    def last_words(signum: int) -> str:
        # The reads did not unwind in time: the report is still printed, once.
        out.emit(ApplyReport(plan=plan, outcomes=outcomes, interrupted=signal_name(signum)))
        return interrupted_while_verifying(signum)

    try:
        with signals_raise(last_words):
            recheck = compute(
                loaded, run, run.environment, targets_of(plan)
            )
    except Interrupted as interrupt:
        # Every write is done; only the check was cut short: the report still matters.
        return ApplyReport(plan=plan, outcomes=outcomes, interrupted=str(interrupt)), None
    except ApiError as error:
        # The writes happened: their report must still be shown (and parsed, with --format
        # json), so the failed re-read is raised only after it.
        error.hint = (
            "the changes in the report were applied, but the org could not be re-read to "
            "verify them; run `cobalt-sync plan` to check (re-running apply is safe)"
        )
        return ApplyReport(plan=plan, outcomes=outcomes, verified=False), error
    duplicates = declared_duplicates(recheck)
    report = ApplyReport(
        plan=plan,
        outcomes=outcomes,
        remaining=recheck.plan.changes,
        verified=not recheck.plan.changes and not duplicates,
        dashboard_steps=recheck.plan.dashboard_steps,
        duplicates=duplicates,
    )
    return report, None


def declared_duplicates(recheck: Computed) -> tuple[str, ...]:
    """Declared keys the re-read found held by several live objects: a plan skips them (it
    does not guess which is meant), so without this check apply would call them verified."""
    return tuple(
        f"{kind}/{key}"
        for kind, state in recheck.live.kinds.items()
        for key in sorted(state.duplicates)
        if recheck.desired.get(kind, key) is not None
    )


def interrupted_while_verifying(signum: int) -> str:
    """What a signal during the re-read says if the reads do not unwind in time to print
    the report: every write had already finished."""
    return (
        f"Interrupted ({signal_name(signum)}) while re-reading to verify: every write had "
        "finished (the progress lines above list them). Re-running `cobalt-sync apply` is safe."
    )
def rechecked(
    report: ApplyReport, computed: Computed, run: RunContext, loaded: LoadedManifest
) -> ApplyReport:
    """The report with what a fresh read of the org still finds to do."""
    recheck = compute(loaded, run, run.environment, targets_of(computed.plan))
    return replace(
        report,
        remaining=recheck.plan.changes,
        verified=not recheck.plan.changes,
        dashboard_steps=recheck.plan.dashboard_steps,
    )


def targets_of(plan: Plan) -> tuple[Target, ...]:
    """Verify what was applied: a targeted apply is re-read with the same targets."""
    return parse_targets(plan.targets)


def finish(report: ApplyReport) -> int:
    if report.interrupted:
        raise ApplyInterrupted(
            interruption_message(report),
            exit_code=EXIT_CODES[getattr(signal, report.interrupted)],
            hint="re-running `cobalt-sync apply` is safe: it plans again from what landed",
        )
    failed = report.by_status(Status.FAILED)
    if failed or report.by_status(Status.SKIPPED):
        raise PartialApplyError(
            f"apply finished part-way: {len(failed)} failed, "
            f"{len(report.by_status(Status.SKIPPED))} skipped",
            hint="re-running `cobalt-sync apply` is safe and converges",
        )
    if report.duplicates:
        raise PartialApplyError(
            f"apply finished but {len(report.duplicates)} declared objects are held by "
            f"several live objects each: {', '.join(report.duplicates[:5])}",
            hint="run `cobalt-sync plan`: its warnings say which and what to do",
        )
    if report.remaining:
        raise PartialApplyError(
            f"apply reported success but the org still differs in {len(report.remaining)} "
            "places (someone else may be changing it)",
            hint="run `cobalt-sync plan` to see the differences",
        )
    if report.dashboard_steps:
        steps = plural(len(report.dashboard_steps), "dashboard step")
        raise DashboardStepsRemain(
            f"every API change is done; {steps} still to take (listed above)",
            hint="take them in the Cobalt dashboard, then re-run the same command (a saved "
            "plan stays valid), or pass --wait-for-dashboard SECONDS to wait for them",
        )
    return int(ExitCode.OK)


def interruption_message(report: ApplyReport) -> str:
    """What an interrupt cut short, truthfully: the writes, the re-read, or the wait."""
    done = len(report.by_status(Status.DONE))
    if not report.complete:
        not_run = len(report.by_status(Status.NOT_RUN))
        return (
            f"{report.interrupted} during the writes: {done} changes landed, {not_run} not "
            "run (the report above lists them)"
        )
    landed = f"every API change had landed ({plural(done, 'change')})"
    if report.dashboard_steps and report.verified:
        steps = plural(len(report.dashboard_steps), "dashboard step")
        return f"{report.interrupted} while waiting for {steps}; {landed}"
    return f"{report.interrupted} before the re-read had verified it; {landed}"
