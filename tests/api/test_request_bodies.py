"""What the client sends, against the vendor spec: every JSON body written while creating,
updating and deleting webhooks, MCP servers and environment-variable values validates against
the spec's request schema for its route (the extract keeps them: scripts/extract_openapi.py).
The bodies are recorded through the client's transport seam, on the served sandbox."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from cobalt_sync.api import API_PREFIX, CobaltApi
from cobalt_sync.applying.apply import apply_plan
from cobalt_sync.applying.report import Status
from cobalt_sync.backends import SandboxAppSettings
from cobalt_sync.kinds import RunContext
from cobalt_sync.manifest import load_manifest
from cobalt_sync.planning.pipeline import compute
from tests.conftest import TEST_KEY, Sandbox
from tests.sandbox.test_vendor_spec import SPEC, to_json_schema

HOOK = "https://hooks.example.com/cobalt"
VERSIONS = [
    f"""
    webhooks:
      "{HOOK}":
        events: [Connection Created]
        headers: {{Authorization: "Bearer ${{HOOK_TOKEN}}"}}
        description: first
    mcp_servers:
      Support Agent: {{description: Answers, apps: [hubspot]}}
    environment_variables:
      SUPPORT_EMAIL: help@example.com
    """,
    f"""
    webhooks:
      "{HOOK}":
        events: [Connection Created, Workflow Errored]
        method: PUT
        enabled: false
        headers: {{Authorization: "Bearer ${{HOOK_TOKEN}}", X-Team: ops}}
    mcp_servers:
      Support Agent: {{description: Answers more, apps: [slack, hubspot]}}
    environment_variables:
      SUPPORT_EMAIL: support@example.com
    """,
    f"""
    webhooks:
      "{HOOK}": {{state: absent}}
    mcp_servers:
      Support Agent: {{state: absent}}
    environment_variables:
      SUPPORT_EMAIL: {{state: absent}}
    """,
]


class Recording(httpx.HTTPTransport):
    """The real transport, remembering each request's method, path and JSON body."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.sent.append((request.method, request.url.path, body))
        return super().handle_request(request)


def spec_route(method: str, path: str) -> dict[str, Any]:
    """The spec operation whose path template matches `path`."""
    for template, item in SPEC["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            operation: dict[str, Any] = item[method.lower()]
            return operation
    raise AssertionError(f"{method} {path} is not in the vendor spec")


@pytest.fixture
def recorded(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, str, Any]]:
    monkeypatch.setenv("HOOK_TOKEN", "t0ken")
    sandbox.post("dashboard/env/definitions", key=TEST_KEY, name="SUPPORT_EMAIL")
    transport = Recording()
    with CobaltApi(
        sandbox.url, TEST_KEY, backoff=0, requests_per_second=None, transport=transport
    ) as api:
        run = RunContext(api, SandboxAppSettings(api), "test", "sandbox")
        for version in VERSIONS:
            path = tmp_path / "cobalt.yaml"
            path.write_text("version: 1\nenvironment: test\n" + textwrap.dedent(version))
            computed = compute(load_manifest(path), run, "test")
            outcomes = apply_plan(computed.plan, computed.desired, computed.live, run)
            assert outcomes and all(o.status is Status.DONE for o in outcomes), outcomes
    return transport.sent


def test_every_body_the_new_kinds_write_validates_against_the_vendor_spec(
    recorded: list[tuple[str, str, Any]],
) -> None:
    writes = [(m, p, b) for m, p, b in recorded if m in ("POST", "PUT", "DELETE")]
    routes = {(m, re.sub(r"/[0-9a-f]{24}$", "/{id}", p)) for m, p, _ in writes}
    assert {
        ("POST", f"{API_PREFIX}/webhook"),
        ("PUT", f"{API_PREFIX}/webhook/{{id}}"),
        ("DELETE", f"{API_PREFIX}/webhook/{{id}}"),
        ("POST", f"{API_PREFIX}/mcp-servers"),
        ("PUT", f"{API_PREFIX}/mcp-servers/{{id}}"),
        ("DELETE", f"{API_PREFIX}/mcp-servers/{{id}}"),
        ("POST", f"{API_PREFIX}/env/values"),
        ("DELETE", f"{API_PREFIX}/env/values/{{id}}"),
    } <= routes
    for method, path, body in writes:
        schema = spec_route(method, path).get("request")
        if schema is None:
            assert body is None, f"{method} {path} sends a body the spec does not take"
            continue
        jsonschema.validate(body, to_json_schema(schema))


def test_the_request_check_can_fail() -> None:
    schema = spec_route("POST", f"{API_PREFIX}/webhook")["request"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"webhook_url": "ftp://x", "webhook_events": []}, to_json_schema(schema)
        )
