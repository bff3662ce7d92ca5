"""Write `cobalt_sync/api/vendor_replies.json`: the vendor spec's 200-reply schema of every
public read cobalt-sync makes, as plain JSON Schema (references inlined, OpenAPI's
`nullable` turned into a null type), for `cobalt-sync doctor` to check real replies against.
Read from the committed extract (tests/spec/cobalt-openapi-extract.yaml), so no prose of the
vendor's reaches the package; `tests/test_doctor.py` fails when the file is stale.

Usage:
  python scripts/vendor_replies.py > cobalt_sync/api/vendor_replies.json
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from cobalt_sync.api.routes import ENDPOINTS
from cobalt_sync.api.types import API_PREFIX

EXTRACT = Path(__file__).resolve().parent.parent / "tests" / "spec" / "cobalt-openapi-extract.yaml"

# (schema, property) → replacement, with why. Every docs example shows an event's `response`
# as the derived [{key, type}] list (cobalt-api.md §2c); the spec types it as a string. Both
# are documented, so both validate; `doctor` says which one it saw.
DEVIATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("CustomTrigger", "response"): {"type": ["string", "array"]},
}


def to_json_schema(spec: dict[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    """OpenAPI 3.0 → JSON Schema: inline `$ref`s, turn `nullable` into a null type."""
    if isinstance(node, list):
        return [to_json_schema(spec, item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            raise ValueError(f"recursive schema {name}")
        return to_json_schema(spec, component(spec, name), (*seen, name))
    converted = {k: to_json_schema(spec, v, seen) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in converted:
        converted["type"] = [converted["type"], "null"]
    return converted


def component(spec: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = copy.deepcopy(spec["components"]["schemas"][name])
    for (owner, prop), replacement in DEVIATIONS.items():
        if owner == name:
            schema["properties"][prop] = replacement
    return schema


def vendor_replies(spec: dict[str, Any]) -> dict[str, Any]:
    """`GET /path` → the 200 reply's JSON Schema, for the public reads of the route table."""
    found: dict[str, Any] = {}
    for endpoint in ENDPOINTS.values():
        if not endpoint.public or endpoint.method != "GET":
            continue
        operation = spec["paths"].get(API_PREFIX + endpoint.template, {}).get("get", {})
        schema = operation.get("responses", {}).get("200", {}).get("schema")
        if schema is not None:
            found[f"GET {endpoint.template}"] = to_json_schema(spec, schema)
    return dict(sorted(found.items()))


def text(spec: dict[str, Any]) -> str:
    return json.dumps(vendor_replies(spec), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(text(yaml.safe_load(EXTRACT.read_text(encoding="utf-8"))))
