"""`cobalt-sync doctor`: a read-only compatibility report against the configured org (no
manifest needed). Connects as `plan` would, prints the report on stdout, exits 0 when every
read cobalt-sync needs answered as it expects and 4 otherwise. Writes nothing."""

from __future__ import annotations

import click

from cobalt_sync.commands.common import note
from cobalt_sync.errors import ExitCode
from cobalt_sync.options import GlobalOptions
from cobalt_sync.reading.connect import open_connection


@click.command("doctor")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format on stdout.",
)
@click.pass_obj
def command(options: GlobalOptions, fmt: str) -> int:
    """Check that the configured Cobalt org answers every read cobalt-sync makes.

    Sends only GETs: for each route, whether it answered, how fast, whether the reply
    validates against the vendor's spec and which documented variant it showed; then which
    settings are dashboard-only and how they are observed, whether the page size is honoured
    and which rate-limit headers came back. Attach the output to a bug report: it holds no
    key, secret or value from the org.

    \b
    Examples:
      cobalt-sync doctor
      cobalt-sync doctor --format json > doctor.json
    """
    from cobalt_sync.reading.doctor import diagnose
    from cobalt_sync.render.doctor import render_doctor

    with open_connection(options, parallelism=1) as run:
        note(f"Checking the live org: {run.target}")
        report = diagnose(run)
        click.echo(run.api.redact(render_doctor(report, fmt)), nl=False)
    return int(ExitCode.OK if report.ok else ExitCode.API)
