"""The published JSON Schemas' text, generated from the code: the manifest's from the models
(manifest/json_schema.py), a plan's and a report's from render/schema.py. Printed by
`cobalt-sync schema`, written by scripts/generate-schemas.py, compared with the committed
copies by the tests.
"""

from __future__ import annotations


def generated_text(name: str) -> str:
    """The schema generated from the code (models and renderers), as committed."""
    if name == "cobalt":
        from cobalt_sync.manifest.json_schema import schema_text

        return schema_text()
    from cobalt_sync.render.json_format import dumps
    from cobalt_sync.render.schema import PLAN_SCHEMA, REPORT_SCHEMA

    return dumps({"plan": PLAN_SCHEMA, "report": REPORT_SCHEMA}[name])
