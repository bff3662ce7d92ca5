"""The published JSON Schemas' text, generated from the code: the manifest's from the models
(manifest/json_schema.py), a plan's and a report's from render/schema.py. Used by
scripts/generate-schemas.py and the tests that keep the committed copies current.
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
