"""The dashboard admin routes (`/_sandbox/dashboard/…`): what a person does in Cobalt's
dashboard, in both profiles, with clear 400s for bad requests and never the secret in a reply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from cobalt_sync.sandbox import admin
from cobalt_sync.sandbox.app import KINDS
from cobalt_sync.sandbox.store import secret_fingerprint
from tests.conftest import PROD_KEY, Sandbox
from tests.sandbox.conftest import client_for

LA = {"linked_account_id": "a1"}


@pytest.fixture(params=["sandbox", "cobalt_sandbox"], ids=["extended", "cobalt"])
def box(request: pytest.FixtureRequest) -> Sandbox:
    found: Sandbox = request.getfixturevalue(request.param)
    return found


def enabled_slugs(box: Sandbox) -> list[str]:
    with client_for(box, "tk_sandbox") as client:
        client.put("/linked-account", json={"account_id": "a1"}).raise_for_status()
        return [item["slug"] for item in client.get("/application", headers=LA).json()]


def test_enabling_and_disabling_an_app_shows_in_the_public_list(box: Sandbox) -> None:
    assert box.dashboard_enable("stripe") == {"slug": "stripe", "enabled": True, "changed": True}
    assert box.dashboard_enable("stripe")["changed"] is False
    assert enabled_slugs(box) == ["stripe"]
    assert box.dashboard_enable("stripe", enabled=False)["changed"] is True
    assert enabled_slugs(box) == []


def test_the_key_names_the_org_and_environment(box: Sandbox) -> None:
    box.dashboard_enable("stripe", key=PROD_KEY)
    assert box.inspect(key=PROD_KEY)["apps_enabled"] == ["stripe"]
    assert box.inspect()["apps_enabled"] == []


def test_setting_and_clearing_the_oauth_client(box: Sandbox) -> None:
    view = box.dashboard_set_oauth(
        "hubspot", "hub-client-1", "CANARY-dash-1", scopes=["crm.objects.deals.read", "oauth"]
    )
    assert view["mode"] == "custom" and view["client_id"] == "hub-client-1"
    assert view["scopes"] == ["crm.objects.deals.read"]  # mandatory ones are implied
    assert view["client_secret_fingerprint"] == secret_fingerprint("hub-client-1", "CANARY-dash-1")
    assert "CANARY-dash-1" not in str(view) + str(box.inspect())
    assert box.inspect()["oauth"]["hubspot"]["client_id"] == "hub-client-1"
    cleared = box.dashboard_clear_oauth("hubspot")
    assert cleared["mode"] == "default" and cleared["client_id"] is None
    assert box.inspect()["oauth"] == {}


def test_a_second_save_without_the_secret_keeps_it(box: Sandbox) -> None:
    box.dashboard_set_oauth("hubspot", "hub-client-1", "s1")
    response = box.admin.put(
        "/_sandbox/dashboard/oauth/hubspot",
        headers=KEY,
        json={"client_id": "hub-client-1", "scopes": ["crm.lists.read"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["client_secret_fingerprint"] == secret_fingerprint("hub-client-1", "s1")


KEY = {"x-api-key": "tk_sandbox"}
BAD_REQUESTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "apps/stripe", {}, "enabled is required"),
    ("POST", "apps/stripe", {"enabled": "yes"}, "enabled is required"),
    ("POST", "apps/hubspt", {"enabled": True}, "did you mean 'hubspot'"),
    ("POST", "apps/stripe", {"enable": True}, "unknown field(s) enable"),
    ("POST", "apps/stripe", {"key": "tk_sandbox", "enabled": True}, "x-api-key header"),
    ("PUT", "oauth/hubspot", {"client_secret": "s"}, "client_id is required"),
    ("PUT", "oauth/hubspot", {"client_id": "c"}, "client_secret is required the first time"),
    (
        "PUT",
        "oauth/hubspot",
        {"client_id": "c", "client_secret": "s", "scopes": "oauth"},
        "scopes must be a list",
    ),
    (
        "PUT",
        "oauth/hubspot",
        {"client_id": "c", "client_secret": ""},
        "client_secret must be a non-empty string",
    ),
    ("PUT", "oauth/15file", {"client_id": "c", "client_secret": "s"}, "does not use OAuth"),
    ("DELETE", "oauth/15file", {}, "does not use OAuth"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "fragment"), BAD_REQUESTS, ids=[r[3] for r in BAD_REQUESTS]
)
def test_bad_requests_are_clear_400s(
    box: Sandbox, method: str, path: str, body: dict[str, Any], fragment: str
) -> None:
    response = box.admin.request(method, f"/_sandbox/dashboard/{path}", json=body, headers=KEY)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert box.inspect()["apps_enabled"] == [] and box.inspect()["oauth"] == {}


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "needs the org's API key in the x-api-key header"),
        ({"x-api-key": "tk_nobody"}, "holds no key this sandbox accepts"),
        ({"x-api-key": "tk_sandboy"}, "holds no key this sandbox accepts"),
    ],
    ids=["no key", "unknown key", "near miss"],
)
def test_a_missing_or_wrong_key_is_401_and_names_no_key(
    box: Sandbox, headers: dict[str, str], fragment: str
) -> None:
    response = box.admin.post(
        "/_sandbox/dashboard/apps/stripe", json={"enabled": True}, headers=headers
    )
    assert response.status_code == 401
    assert response.json() == {"error": response.json()["error"]}
    assert fragment in response.json()["error"]
    for known in ("tk_", "pk_", "_sandbox"):
        assert known not in response.text
    assert box.inspect()["apps_enabled"] == []


def test_malformed_json_is_a_clear_400(box: Sandbox) -> None:
    response = httpx.post(
        f"{box.url}/_sandbox/dashboard/apps/stripe",
        content=b"{nope",
        headers={**KEY, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed JSON")


def test_the_key_is_refused_in_the_query(box: Sandbox) -> None:
    """A key in a URL ends up in logs and shell history: refused, with where it goes."""
    response = box.admin.delete(
        "/_sandbox/dashboard/oauth/hubspot", params={"key": "tk_sandbox"}, headers=KEY
    )
    assert response.status_code == 400
    assert "x-api-key header" in response.json()["error"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [("organization", "org"), ("org", "org"), ("linked account", "linked_account"), (None, "org")],
)
def test_a_definition_takes_the_plans_wording_of_its_scope(
    box: Sandbox, given: str | None, stored: str
) -> None:
    body: dict[str, Any] = {"name": "SUPPORT_EMAIL", "encrypted": False}
    if given is not None:
        body["scope"] = given
    created = box.admin.post("/_sandbox/dashboard/env/definitions", json=body, headers=KEY)
    assert created.status_code == 200, created.text
    assert created.json()["scope"] == stored


def test_a_bad_definition_lists_the_allowed_values(box: Sandbox) -> None:
    body = {"name": "X", "scope": "everywhere"}
    refused = box.admin.post("/_sandbox/dashboard/env/definitions", json=body, headers=KEY)
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "scope 'everywhere' is not one of: org, workspace, linked_account, workflow, "
        "organization, linked account"
    )
    body = {"name": "X", "var_format": "json"}
    refused = box.admin.post("/_sandbox/dashboard/env/definitions", json=body, headers=KEY)
    assert refused.json()["error"] == "var_format 'json' is not one of: string, number, url"


def test_oauth_credentials_can_be_set_before_the_app_is_enabled(box: Sandbox) -> None:
    box.dashboard_set_oauth("hubspot", "hub-early", "s")
    assert box.inspect()["apps_enabled"] == []
    assert box.inspect()["oauth"]["hubspot"]["client_id"] == "hub-early"


def test_the_readme_lists_every_sandbox_json_route_with_its_body() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("  | `")]
    routes = [*admin.ROUTES, *(route for kind in KINDS for route in kind.ADMIN_ROUTES)]
    for route in routes:
        assert isinstance(route, Route)
        assert any(f" {route.path}`" in row or f" {route.path}," in row for row in rows), route.path
