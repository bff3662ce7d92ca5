"""Session tokens, hosted Connect URL and hosted properties, revocation."""

from __future__ import annotations

import httpx

from tests.conftest import Sandbox
from tests.sandbox.conftest import API, assert_vendor_error


def bearer(sandbox: Sandbox, token: str) -> httpx.Client:
    return httpx.Client(base_url=sandbox.url + API, headers={"authorization": f"Bearer {token}"})


def test_token_is_reused_until_forced(api: httpx.Client) -> None:
    api.put("/linked-account", json={"account_id": "a1"}).raise_for_status()
    first = api.post("/session-token", json={"linked_account_id": "a1"}).json()
    assert set(first) == {"token", "refresh_token", "expires_in", "refresh_expires_in"}
    again = api.post("/session-token", json={"linked_account_id": "a1"}).json()
    forced = api.post("/session-token?force_refresh=true", json={"linked_account_id": "a1"})
    assert again["token"] == first["token"] and forced.json()["token"] != first["token"]


def test_unknown_or_missing_account_is_400(api: httpx.Client) -> None:
    assert_vendor_error(
        api.post("/session-token", json={"linked_account_id": "ghost"}),
        400,
        "INVALID_LINKED_ACCOUNT_ID",
    )
    assert_vendor_error(api.post("/session-token", json={}), 400, "BAD_REQUEST")


def test_connect_url_stores_properties_and_revoke_kills_the_token(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    api.put("/linked-account", json={"account_id": "a1"}).raise_for_status()
    token = api.post("/session-token", json={"linked_account_id": "a1"}).json()["token"]
    with bearer(sandbox, token) as session:
        hosted = session.post("/connect-url?linked_account_id=a1", json={"color": "#123"})
        assert hosted.json()["hosted_url"] == f"{sandbox.url}/connect/{token}"
        assert session.get("/hosted-properties").json() == {"color": "#123"}
        assert session.get("/session/active-linked-account").json()["account_id"] == "a1"
        assert session.post("/session-token/revoke").json() == {"success": True, "revoked_count": 1}
        assert_vendor_error(session.get("/hosted-properties"), 401, "INVALID_TOKEN")


def test_deleting_the_account_kills_its_tokens(api: httpx.Client, sandbox: Sandbox) -> None:
    api.put("/linked-account", json={"account_id": "a1"}).raise_for_status()
    token = api.post("/session-token", json={"linked_account_id": "a1"}).json()["token"]
    api.delete("/linked-account/a1").raise_for_status()
    with bearer(sandbox, token) as session:
        assert_vendor_error(session.post("/connect-url", json={}), 401, "INVALID_TOKEN")


def test_missing_or_forged_bearer_is_401(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.url + API) as anonymous:
        assert_vendor_error(anonymous.post("/connect-url", json={}), 401, "INVALID_TOKEN")
    with bearer(sandbox, "eyJhbGciOiJIUzI1NiJ9.e30.forged") as forged:
        assert_vendor_error(forged.get("/hosted-properties"), 401, "INVALID_TOKEN")
