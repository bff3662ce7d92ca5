"""`cobalt-sync show PLANFILE`: render a saved plan (from `plan --out`) as text, JSON or
Markdown, offline: no API key, no network, no manifest. Reads the plan file only."""

from __future__ import annotations

from pathlib import Path

import click

from cobalt_sync.commands.common import format_option, use_color
from cobalt_sync.errors import ExitCode
from cobalt_sync.planning.saved_plan import load_saved_plan
from cobalt_sync.render import render_plan


@click.command("show")
@click.argument("planfile", type=click.Path(dir_okay=False, path_type=Path))
@format_option
def command(planfile: Path, fmt: str) -> int:
    """Show a saved plan, as `plan` showed it, without contacting Cobalt.

    \b
    Examples:
      cobalt-sync plan --out plan.json
      cobalt-sync show plan.json
      cobalt-sync show plan.json --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    plan, _manifest = load_saved_plan(planfile)
    click.echo(render_plan(plan, fmt, color=use_color() and fmt == "text"), nl=False)
    return int(ExitCode.OK)
