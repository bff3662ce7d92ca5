"""`cobalt-sync schema`: print the JSON Schema of cobalt.yaml (generated from the models).

Prints only; the committed copy lives in schemas/cobalt.schema.json.
"""

from __future__ import annotations

import click

from cobalt_sync.manifest.json_schema import schema_text


@click.command("schema")
def command() -> None:
    """Print the JSON Schema of cobalt.yaml on stdout.

    \b
    Example:
      cobalt-sync schema > schemas/cobalt.schema.json
    """
    click.echo(schema_text(), nl=False)
