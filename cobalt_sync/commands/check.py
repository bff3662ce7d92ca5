"""`cobalt-sync check`: after a deploy, prove each seed linked account can open Connect and is
offered the manifest's enabled apps.

The checks are `smoke.run_smoke_check`; this module loads the manifest, guards the
environment, prints the report on stdout and turns the verdicts into an exit code.
"""

from __future__ import annotations

import threading
from pathlib import Path

import click

from cobalt_sync.applying.smoke import (
    AccountCheck,
    Verdict,
    render_checks,
    run_smoke_check,
    smoke_target,
)
from cobalt_sync.commands.common import (
    load,
    manifest_option,
    note,
    open_session,
    parallelism_option,
)
from cobalt_sync.commands.environment import choose_environment, environment_option
from cobalt_sync.errors import ApiError, ExitCode, RefusedError
from cobalt_sync.options import GlobalOptions


@click.command("check")
@manifest_option
@environment_option
@click.option(
    "--show-url",
    is_flag=True,
    help="Print each account's hosted Connect URL to open Connect by hand. The URL embeds "
    "a live session token, which is then NOT revoked (a revoked one opens nothing) and "
    "stays valid until it expires: keep it out of CI logs and tickets.",
)
@parallelism_option
@click.pass_obj
def command(
    options: GlobalOptions,
    manifest_path: Path | None,
    environment: str | None,
    show_url: bool,
    parallelism: int,
) -> int:
    """Smoke-check Connect for every seed linked account in the manifest.

    For each account: mint a session token, create the hosted Connect URL with it, confirm
    Connect offers every app the manifest enables, then revoke the token. Tokens are never
    printed (only inside the URLs --show-url prints). Exit 0 when all pass, 5 when a check
    fails (an account or app is missing), 4 when Cobalt's API fails.

    \b
    Examples:
      cobalt-sync check                       # after `cobalt-sync apply`
      cobalt-sync check -f prod/cobalt.yaml
      cobalt-sync check --show-url            # print the Connect URLs (they embed a token)
    """
    loaded = load(manifest_path, choose_environment(environment, options))
    target = smoke_target(loaded.manifest)
    with open_session(options, loaded, parallelism) as run:
        if not target.account_ids:
            note(f"{loaded.path} declares no linked accounts: nothing to check.")
            return int(ExitCode.OK)
        note(
            f"Checking Connect for {len(target.account_ids)} linked accounts "
            f"({len(target.enabled_apps)} enabled apps expected)…"
        )
        results = run_smoke_check(run, target, keep_urls=show_url)
        click.echo(render_checks(results, show_urls=show_url), nl=False)
        urls = show_url and any(r.hosted_url for r in results)
        if urls:
            note(
                "The Connect URLs above embed session tokens that were not revoked: they stay "
                "valid until they expire."
            )
        if urls and options.sandbox:
            serve_until_interrupted()
    return verdict(results)


def serve_until_interrupted() -> None:
    """The embedded sandbox lives as long as this command: without this wait, the URLs
    just printed would point at a server that has already stopped."""
    note("The embedded sandbox keeps serving so these URLs open. Press Ctrl-C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:  # also our Interrupted (SIGINT/SIGTERM): a normal end here
        note("Stopping the embedded sandbox.")


def verdict(results: list[AccountCheck]) -> int:
    """A verified failure (exit 5) outranks an API error (exit 4): it is the firmer news."""
    failed = [r.account_id for r in results if r.verdict is Verdict.FAILED]
    errors = [r.account_id for r in results if r.verdict is Verdict.ERROR]
    if failed:
        raise RefusedError(
            f"smoke check failed for {len(failed)} of {len(results)} linked accounts: "
            + ", ".join(failed),
            hint="run `cobalt-sync apply` (or `cobalt-sync plan` to see what differs), "
            "then check again",
        )
    if errors:
        raise ApiError(
            f"the Cobalt API failed while checking {len(errors)} linked accounts: "
            + ", ".join(errors),
            hint="re-run `cobalt-sync check`; the report above names each error",
        )
    return int(ExitCode.OK)
