"""Every route the client calls exists in the vendor spec, or is marked as ours (§3.2)."""

from __future__ import annotations

from pathlib import Path

import yaml

from cobalt_sync.api import API_PREFIX, ENDPOINTS
from cobalt_sync.api import routes as routes_module

SPEC = Path(__file__).resolve().parent.parent / "spec" / "cobalt-openapi-extract.yaml"
BANNER = "NOT IN COBALT'S PUBLIC API"


def spec_routes() -> set[tuple[str, str]]:
    paths = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def test_every_public_route_is_in_the_vendor_spec() -> None:
    routes = spec_routes()
    missing = [
        f"{endpoint.method} {API_PREFIX}{endpoint.template}"
        for endpoint in ENDPOINTS.values()
        if endpoint.public and (endpoint.method, API_PREFIX + endpoint.template) not in routes
    ]
    assert missing == []


def test_routes_marked_non_public_really_are_absent_from_the_spec() -> None:
    routes = spec_routes()
    ours = [e for e in ENDPOINTS.values() if not e.public]
    assert ours, "the sandbox-only routes must be marked"
    assert [e for e in ours if (e.method, API_PREFIX + e.template) in routes] == []


def test_non_public_routes_sit_below_the_banner_in_the_route_table() -> None:
    source = Path(routes_module.__file__).read_text(encoding="utf-8")
    table = source[source.index("ENDPOINTS: dict") :]
    banner = table.index(BANNER)
    for name, endpoint in ENDPOINTS.items():
        position = table.index(f'"{name}"')
        assert (position > banner) == (not endpoint.public), name
