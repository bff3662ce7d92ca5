"""`cobalt-sync show PLANFILE`: render a saved plan (from `plan --out`) as text, JSON or
Markdown, offline: no API key, no network, no manifest. Reads the plan file only."""

from __future__ import annotations

from pathlib import Path

import click

from cobalt_sync.commands.common import format_option, link_base_option, use_color, verbose
from cobalt_sync.errors import ExitCode
from cobalt_sync.planning.saved_plan import load_saved_plan
from cobalt_sync.render import render_plan


@click.command("show")
@click.argument("planfile", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@link_base_option
def command(planfile: Path, fmt: str, link_base: str | None) -> int:
    """Show a saved plan, as `plan` showed it, without contacting Cobalt.

    \b
    Examples:
      cobalt-sync plan --out plan.json
      cobalt-sync show plan.json
      cobalt-sync show plan.json --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    plan, _manifest = load_saved_plan(planfile)
    color = use_color() and fmt == "text"
    shown = render_plan(plan, fmt, color=color, verbose=verbose(), link_base=link_base)
    click.echo(shown, nl=False)
    return int(ExitCode.OK)
