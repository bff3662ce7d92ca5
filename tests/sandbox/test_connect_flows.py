"""The quickstart's backend side against the served sandbox, with httpx as a team's backend
would call it: the seamless Connect flow (saving a key-based app's credentials, opening the
OAuth URL itself) and sending the app events `cobalt.yaml` declares."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import TEST_KEY, Sandbox
from tests.sandbox.conftest import API, assert_vendor_error

ACCOUNT = {"linked_account_id": "cust-1"}


@pytest.fixture
def backend(sandbox: Sandbox, api: httpx.Client) -> httpx.Client:
    """An org with Slack (OAuth) and 15Five (key-based) enabled, one account, one event."""
    sandbox.dashboard_enable("slack")
    sandbox.dashboard_enable("15file")
    api.put("/linked-account", json={"linked_account_id": "cust-1", "name": "Acme"})
    sample = {"ticket": {"id": 1, "title": "t"}}
    api.post("/application/event", json={"name": "Ticket Created", "response": sample})
    return api


def connections(sandbox: Sandbox) -> list[str]:
    accounts = sandbox.inspect()["linked_accounts"]
    return next(a["integrations"] for a in accounts if a["account_id"] == "cust-1")


def test_seamless_key_based_connect_saves_the_apps_fields(
    sandbox: Sandbox, backend: httpx.Client
) -> None:
    path = "/linked-account/integration/save-key-credentials/15file"
    missing = backend.put(path, json={}, headers=ACCOUNT)
    assert_vendor_error(missing, 400, "BAD_REQUEST")
    assert "api_key" in missing.json()["message"]
    assert connections(sandbox) == []
    saved = backend.put(path, json={"api_key": "CANARY-key-5521"}, headers=ACCOUNT)
    assert saved.status_code == 200, saved.text
    assert saved.json()["success"] is True
    assert connections(sandbox) == ["15file"]
    # The key itself is checked, then dropped: no read shows it.
    assert "CANARY-key-5521" not in str(sandbox.inspect())


def test_seamless_key_based_connect_refuses_an_oauth_app(backend: httpx.Client) -> None:
    path = "/linked-account/integration/save-key-credentials/slack"
    refused = backend.put(path, json={"api_key": "x"}, headers=ACCOUNT)
    assert_vendor_error(refused, 400, "AUTH_TYPE_MISMATCH")


def test_seamless_oauth_flow_from_a_backend(sandbox: Sandbox, backend: httpx.Client) -> None:
    """The backend asks for the OAuth URL, the user consents at the provider, the callback
    connects: the next application read says `connected`."""
    url = backend.get("/linked-account/integration/oauth-url/slack", headers=ACCOUNT)
    assert url.status_code == 200, url.text
    auth_url = url.json()["auth_url"]
    assert parse_qs(urlsplit(auth_url).query)["client_id"] == ["cobalt-default-slack"]
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        consent = browser.get(auth_url)
        assert consent.status_code == 200 and "Slack" in consent.text
        form = {
            name: value
            for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', consent.text)
        }
        done = browser.post(auth_url, data={**form, "decision": "allow"})
    assert done.status_code == 200 and "Slack connected" in done.text
    app = backend.get("/application/slack", headers=ACCOUNT).json()
    assert app["connected"] is True
    assert connections(sandbox) == ["slack"]


@pytest.mark.parametrize("route", ["/event/trigger", "/event/slack"])
def test_a_declared_event_is_accepted_and_recorded(
    sandbox: Sandbox, backend: httpx.Client, route: str
) -> None:
    payload = {"ticket": {"id": 7, "title": "Printer on fire"}}
    sent = backend.post(
        route, json={"event": "Ticket Created", "payload": payload}, headers=ACCOUNT
    )
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"message": "Webhook Fired Success"}
    [fired] = sandbox.inspect()["events_fired"]
    assert fired["event"] == "Ticket Created"
    assert fired["linked_account_id"] == "cust-1"
    assert fired["payload"] == payload
    assert fired["slug"] == ("slack" if route == "/event/slack" else None)


def test_an_event_is_sent_with_a_session_token_too(sandbox: Sandbox, backend: httpx.Client) -> None:
    token = backend.post("/session-token", json=ACCOUNT).json()["token"]
    with httpx.Client(base_url=sandbox.url + API, timeout=30) as client:
        sent = client.post(
            "/event/trigger",
            json={"trigger": "Ticket Created", "payload": {}},
            headers={"authorization": f"Bearer {token}"},
        )
    assert sent.status_code == 200, sent.text
    assert sandbox.inspect()["events_fired"][0]["linked_account_id"] == "cust-1"


def test_an_undeclared_event_is_refused_the_vendors_way(
    sandbox: Sandbox, backend: httpx.Client
) -> None:
    sent = backend.post("/event/trigger", json={"event": "Nope", "payload": {}}, headers=ACCOUNT)
    body = assert_vendor_error(sent, 404, "INVALID_EVENT")
    assert body["message"] == "Trigger not found"
    assert sandbox.inspect()["events_fired"] == []


def test_an_event_needs_a_linked_account(backend: httpx.Client) -> None:
    sent = backend.post("/event/trigger", json={"event": "Ticket Created"})
    assert_vendor_error(sent, 400, "BAD_REQUEST")
    unknown = backend.post(
        "/event/trigger",
        json={"event": "Ticket Created"},
        headers={"linked_account_id": "nobody"},
    )
    assert unknown.status_code == 404, unknown.text


def test_the_key_is_never_in_a_fired_events_record(sandbox: Sandbox, backend: httpx.Client) -> None:
    backend.post("/event/trigger", json={"event": "Ticket Created"}, headers=ACCOUNT)
    assert TEST_KEY not in str(sandbox.inspect()["events_fired"])


def test_deleting_an_account_deletes_its_app_configs(
    sandbox: Sandbox, backend: httpx.Client
) -> None:
    """The vendor's delete revokes the account's integrations, installs and tokens: a customer
    who comes back under the same id starts without the old config."""

    def session() -> httpx.Client:
        token = backend.post("/session-token", json=ACCOUNT).json()["token"]
        return httpx.Client(base_url=sandbox.url, headers={"authorization": f"Bearer {token}"})

    with session() as sdk:
        made = sdk.post("/api/v2/f-sdk/config", json={"slug": "slack", "labels": []})
        assert made.status_code == 200, made.text
        assert sdk.get("/api/v2/f-sdk/slug/slack/config").status_code == 200
    assert backend.delete("/linked-account/cust-1").status_code == 200
    backend.put("/linked-account", json={"linked_account_id": "cust-1"})
    with session() as sdk:
        assert sdk.get("/api/v2/f-sdk/slug/slack/config").status_code == 404
