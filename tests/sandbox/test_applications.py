"""Apps: enablement (the marked non-vendor routes), the read-only vendor views of it,
auth structure, connection flags, and OAuth credentials that never come back."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import Sandbox
from tests.sandbox.conftest import API, assert_vendor_error


def fingerprint(client_id: str, secret: str) -> str:
    return "sha256:" + hashlib.sha256(f"{client_id}:{secret}".encode()).hexdigest()[:16]


def test_enable_unknown_slug_is_404_application_not_found(api: httpx.Client) -> None:
    body = assert_vendor_error(api.put("/application/hubspt/enable"), 404, "APPLICATION_NOT_FOUND")
    assert body["message"] == "Application 'hubspt' not found in catalog"


def test_enable_and_disable_report_whether_anything_changed(api: httpx.Client) -> None:
    assert api.put("/application/hubspot/enable").json() == {
        "slug": "hubspot",
        "enabled": True,
        "changed": True,
    }
    assert api.put("/application/hubspot/enable").json()["changed"] is False
    assert [a["slug"] for a in api.get("/application").json()] == ["hubspot"]
    assert api.delete("/application/hubspot/enable").json() == {
        "slug": "hubspot",
        "enabled": False,
        "changed": True,
    }
    assert api.get("/application").json() == []


def test_get_application_of_a_disabled_app_is_the_vendor_404(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    body = assert_vendor_error(api.get("/application/slack"), 404, "EXTERNAL_API_FAILURE")
    assert body["http_error_type"] == "EXTERNAL_API_ERROR"
    org = sandbox.inspect()["org"]
    assert body["message"] == f"Application with app_type 'slack' not found for org {org}"


def test_application_item_fields_and_filters(api: httpx.Client) -> None:
    for slug in ("hubspot", "15file"):
        api.put(f"/application/{slug}/enable").raise_for_status()
    items = {a["slug"]: a for a in api.get("/application").json()}
    assert items["hubspot"]["auth_type"] == "oauth2" and items["hubspot"]["type"] == "hubspot"
    assert "connected" not in items["hubspot"]  # no linked_account_id: sandbox leniency
    keyed = api.get("/application", params={"auth_type": "keybased"}).json()
    assert [a["slug"] for a in keyed] == ["15file"]


def test_connected_flags_follow_the_linked_account(api: httpx.Client, sandbox: Sandbox) -> None:
    api.put("/application/hubspot/enable").raise_for_status()
    for account in ("a1", "a2"):
        api.put("/linked-account", json={"account_id": account}).raise_for_status()
    sandbox.post("connect", key="tk_sandbox", account_id="a1", slug="hubspot")
    one = api.get("/application", headers={"linked_account_id": "a1"}).json()[0]
    two = api.get("/application", params={"linked_account_id": "a2"}).json()[0]
    assert one["connected"] is True and len(one["connected_accounts"]) == 1
    assert two["connected"] is False and two["connected_accounts"] == []
    assert [i["type"] for i in api.get("/linked-account/a1").json()["integrations"]] == ["hubspot"]
    missing = api.get("/application", headers={"linked_account_id": "nobody"})
    assert missing.status_code == 404 and "nobody" in missing.json()["message"]


def test_auth_structure_needs_no_key_and_unknown_slug_is_500(sandbox: Sandbox) -> None:
    oauth = httpx.get(f"{sandbox.url}{API}/auth-structure/hubspot").json()
    assert oauth["oauth2"]["callback_url"] == {"type": "string", "required": False}
    keyed = httpx.get(f"{sandbox.url}{API}/auth-structure/15file").json()
    assert keyed == {"keybased": {"api_key": "string"}}
    unknown = httpx.get(f"{sandbox.url}{API}/auth-structure/nope")
    assert unknown.status_code == 500
    assert unknown.json() == {
        "error": "Internal Server Error",
        "message": "Schema not found for integration type: nope",
    }


def test_oauth_credentials_never_return_the_secret(api: httpx.Client, sandbox: Sandbox) -> None:
    secret = "CANARY-secret-9f1e"
    put = api.put(
        "/application/hubspot/oauth-credentials",
        json={
            "client_id": "cid-1",
            "client_secret": secret,
            "scopes": ["crm.objects.contacts.read", "oauth"],
        },
    )
    for response in (put, api.get("/application/hubspot/oauth-credentials")):
        assert secret not in response.text
        view = response.json()
        assert view["mode"] == "custom" and view["client_id"] == "cid-1"
        assert view["client_secret_set"] is True
        assert view["client_secret_fingerprint"] == fingerprint("cid-1", secret)
        assert view["scopes"] == ["crm.objects.contacts.read"]  # mandatory ones excluded
        assert view["mandatory_scopes"] == ["crm.objects.owners.read", "oauth"]
        assert view["callback_url"].endswith("/api/v1/hubspot/callback")
    inspected = sandbox.inspect()["oauth"]["hubspot"]
    assert inspected["client_secret_fingerprint"] == fingerprint("cid-1", secret)
    assert secret not in str(sandbox.inspect())


def test_omitting_the_secret_keeps_it_while_the_client_id_stays(api: httpx.Client) -> None:
    path = "/application/hubspot/oauth-credentials"
    first = api.put(path, json={"client_id": "a"})
    assert_vendor_error(first, 400, "INVALID_REQUEST")  # no secret stored yet
    api.put(path, json={"client_id": "a", "client_secret": "s"}).raise_for_status()
    view = api.put(path, json={"client_id": "a", "scopes": ["crm.objects.deals.read"]}).json()
    assert view["client_secret_fingerprint"] == fingerprint("a", "s")
    assert view["scopes"] == ["crm.objects.deals.read"]


def test_a_new_client_id_needs_its_secret(api: httpx.Client) -> None:
    # Only the fingerprint of (client id, secret) is stored, so the old secret cannot follow a
    # new client id; a new OAuth client comes with its own secret anyway.
    path = "/application/hubspot/oauth-credentials"
    api.put(path, json={"client_id": "a", "client_secret": "s"}).raise_for_status()
    body = assert_vendor_error(api.put(path, json={"client_id": "b"}), 400, "INVALID_REQUEST")
    assert "client_secret is required when client_id changes" in str(body["message"])
    assert api.get(path).json()["client_id"] == "a"


def test_deleting_credentials_falls_back_to_default_or_unset(api: httpx.Client) -> None:
    path = "/application/hubspot/oauth-credentials"
    assert api.get(path).json()["mode"] == "default"
    api.put(path, json={"client_id": "a", "client_secret": "s"}).raise_for_status()
    after = api.delete(path).json()
    assert after["mode"] == "default" and after["client_secret_fingerprint"] is None
    assert api.get("/application/clio_manage/oauth-credentials").json()["mode"] == "unset"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_key_based_apps_have_no_oauth_credentials(api: httpx.Client, method: str) -> None:
    response = api.request(
        method,
        "/application/15file/oauth-credentials",
        json={"client_id": "a", "client_secret": "s"},
    )
    assert_vendor_error(response, 400, "AUTH_TYPE_MISMATCH")


@pytest.mark.parametrize("scopes", ["read", [""], [1]])
def test_bad_scopes_are_400(api: httpx.Client, scopes: object) -> None:
    response = api.put(
        "/application/hubspot/oauth-credentials",
        json={"client_id": "a", "client_secret": "s", "scopes": scopes},
    )
    assert_vendor_error(response, 400, "INVALID_REQUEST")


def test_oauth_url_carries_the_effective_client_id(api: httpx.Client) -> None:
    api.put("/application/hubspot/enable").raise_for_status()
    api.put("/linked-account", json={"account_id": "a1"}).raise_for_status()

    def client_id() -> str:
        response = api.get(
            "/linked-account/integration/oauth-url/hubspot", headers={"linked_account_id": "a1"}
        )
        return str(parse_qs(urlsplit(response.json()["auth_url"]).query)["client_id"][0])

    assert client_id() == "cobalt-default-hubspot"
    api.put(
        "/application/hubspot/oauth-credentials", json={"client_id": "mine", "client_secret": "s"}
    ).raise_for_status()
    assert client_id() == "mine"
