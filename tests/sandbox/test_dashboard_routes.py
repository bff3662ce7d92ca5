"""The dashboard admin routes (`/_sandbox/dashboard/…`): what a person does in Cobalt's
dashboard, in both profiles, with clear 400s for bad requests and never the secret in a reply."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

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
        json={"key": "tk_sandbox", "client_id": "hub-client-1", "scopes": ["crm.lists.read"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["client_secret_fingerprint"] == secret_fingerprint("hub-client-1", "s1")


BAD_REQUESTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "apps/stripe", {"enabled": True}, "key is required"),
    ("POST", "apps/stripe", {"key": "tk_nobody", "enabled": True}, "unknown key"),
    ("POST", "apps/stripe", {"key": "tk_sandbox"}, "enabled is required"),
    ("POST", "apps/stripe", {"key": "tk_sandbox", "enabled": "yes"}, "enabled is required"),
    ("POST", "apps/hubspt", {"key": "tk_sandbox", "enabled": True}, "did you mean 'hubspot'"),
    ("POST", "apps/stripe", {"key": "tk_sandbox", "enable": True}, "unknown field(s) enable"),
    ("PUT", "oauth/hubspot", {"key": "tk_sandbox", "client_secret": "s"}, "client_id is required"),
    (
        "PUT",
        "oauth/hubspot",
        {"key": "tk_sandbox", "client_id": "c"},
        "client_secret is required the first time",
    ),
    (
        "PUT",
        "oauth/hubspot",
        {"key": "tk_sandbox", "client_id": "c", "client_secret": "s", "scopes": "oauth"},
        "scopes must be a list",
    ),
    (
        "PUT",
        "oauth/hubspot",
        {"key": "tk_sandbox", "client_id": "c", "client_secret": ""},
        "client_secret must be a non-empty string",
    ),
    (
        "PUT",
        "oauth/15file",
        {"key": "tk_sandbox", "client_id": "c", "client_secret": "s"},
        "does not use OAuth",
    ),
    ("DELETE", "oauth/15file", {"key": "tk_sandbox"}, "does not use OAuth"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "fragment"), BAD_REQUESTS, ids=[r[3] for r in BAD_REQUESTS]
)
def test_bad_requests_are_clear_400s(
    box: Sandbox, method: str, path: str, body: dict[str, Any], fragment: str
) -> None:
    response = box.admin.request(method, f"/_sandbox/dashboard/{path}", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert box.inspect()["apps_enabled"] == [] and box.inspect()["oauth"] == {}


def test_malformed_json_is_a_clear_400(box: Sandbox) -> None:
    response = httpx.post(f"{box.url}/_sandbox/dashboard/apps/stripe", content=b"{nope")
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed JSON")


def test_the_key_may_come_in_the_query(box: Sandbox) -> None:
    response = box.admin.delete("/_sandbox/dashboard/oauth/hubspot", params={"key": "tk_sandbox"})
    assert response.status_code == 200 and response.json()["mode"] == "default"
