"""`cobalt-sync schema`: print (or write to a file) a JSON Schema cobalt-sync publishes.

Generates it from the code it runs (so a kind added to the registry is in it), the same text
as the release publishes and the package ships (cobalt_sync/schemas/; a test keeps them
equal); `--output` writes it where an editor without network can read it.
"""

from __future__ import annotations

from pathlib import Path

import click

from cobalt_sync.atomic_file import ensure_folder, write_atomically
from cobalt_sync.commands.common import note
from cobalt_sync.schemas import schema_url
from cobalt_sync.schemas.generate import generated_text

# What a user asks for → the schema's file name (the manifest's is cobalt.schema.json).
CHOICES = {"manifest": "cobalt", "plan": "plan", "report": "report"}


@click.command("schema")
@click.argument("name", type=click.Choice(list(CHOICES)), default="manifest")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the schema to FILE (atomically, creating its folder) instead of stdout.",
)
def command(name: str, output: Path | None) -> None:
    """Print the JSON Schema of cobalt.yaml (or of a plan or an apply report).

    The same file is published with each release; editors find it through the modeline
    `export` writes, `# yaml-language-server: $schema=<URL>`. Offline, write it beside
    the manifest and point the modeline at that file.

    \b
    Examples:
      cobalt-sync schema > cobalt.schema.json
      cobalt-sync schema --output .cobalt/cobalt.schema.json
      cobalt-sync schema plan
    """
    text = generated_text(CHOICES[name])
    if output is None:
        click.echo(text, nl=False)
        return
    ensure_folder(output)
    write_atomically(output, text, overwrite=True)
    note(f"Wrote the {name} schema to {output} (published as {schema_url(CHOICES[name])}).")
    if name == "manifest":
        note(
            "Point a manifest at it with its first line: "
            "# yaml-language-server: $schema=<its path relative to the manifest>"
        )
