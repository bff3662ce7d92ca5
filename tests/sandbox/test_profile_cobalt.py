"""Profile `cobalt`: the sandbox behaves like real Cobalt where profile `extended` is lenient or
extended — no §3.2 routes, applications need a linked account, event replies without the raw
sample — while the OAuth consent URL and the dashboard routes work in both profiles."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cobalt_sync.sandbox.app import extended_routes
from tests.conftest import Sandbox
from tests.sandbox.conftest import API, assert_vendor_error, client_for

LA = {"linked_account_id": "a1"}


@pytest.fixture
def cobalt_api(cobalt_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with client_for(cobalt_sandbox, "tk_sandbox") as client:
        yield client


@pytest.fixture(params=["sandbox", "cobalt_sandbox"], ids=["extended", "cobalt"])
def any_box(request: pytest.FixtureRequest) -> Sandbox:
    box: Sandbox = request.getfixturevalue(request.param)
    return box


def proposed_calls() -> list[tuple[str, str]]:
    paths = {(m, r.path) for r in extended_routes() for m in r.methods if m != "HEAD"}
    return sorted((m, p.replace("{slug}", "hubspot")) for m, p in paths)


@pytest.mark.parametrize(("method", "path"), proposed_calls())
def test_the_non_public_routes_are_unknown_routes(
    cobalt_sandbox: Sandbox, sandbox: Sandbox, method: str, path: str
) -> None:
    body = {"client_id": "c", "client_secret": "s"} if method == "PUT" else None
    headers = {"x-api-key": "tk_sandbox"}
    served = httpx.request(method, sandbox.url + path, headers=headers, json=body)
    assert served.status_code == 200, "the extended profile serves the §3.2 routes"
    refused = httpx.request(method, cobalt_sandbox.url + path, headers=headers, json=body)
    unknown = httpx.request(
        method, cobalt_sandbox.url + path + "-no-such-route", headers=headers, json=body
    )
    for response in (refused, unknown):
        found = assert_vendor_error(response, 404, "NOT_FOUND")
        assert found["message"] == f"Cannot {method} {urlsplit(str(response.url)).path}"
        assert set(found) == set(unknown.json())
    assert cobalt_sandbox.inspect()["apps_enabled"] == []


@pytest.mark.parametrize("path", ["/application", "/application/hubspot"])
def test_applications_without_a_linked_account_are_refused(
    cobalt_sandbox: Sandbox, cobalt_api: httpx.Client, path: str
) -> None:
    cobalt_sandbox.dashboard_enable("hubspot")
    cobalt_api.put("/linked-account", json={"account_id": "a1"}).raise_for_status()
    refused = assert_vendor_error(cobalt_api.get(path), 400, "BAD_REQUEST")
    assert "linked_account_id is required" in str(refused["message"])
    by_header = cobalt_api.get(path, headers=LA)
    by_query = cobalt_api.get(path, params=LA)
    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json() == by_query.json()
    unknown = cobalt_api.get(path, headers={"linked_account_id": "nobody"})
    assert_vendor_error(unknown, 404, "RESOURCE_NOT_FOUND")


def test_the_extended_profile_stays_lenient(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.dashboard_enable("hubspot")
    listed = api.get("/application")
    assert listed.status_code == 200
    assert [item["slug"] for item in listed.json()] == ["hubspot"]
    assert "connected" not in listed.json()[0]


def test_event_replies_use_the_derived_key_type_list(
    cobalt_api: httpx.Client, api: httpx.Client
) -> None:
    event = {"name": "Order Placed", "response": {"order": {"id": 1, "tags": ["a"]}}}
    expected = [
        {"key": "order", "type": "object"},
        {"key": "order.id", "type": "text"},
        {"key": "order.tags", "type": "text"},
    ]
    created = cobalt_api.post("/application/event", json=event)
    assert created.status_code == 200
    (doc,) = created.json()
    assert doc["response"] == expected and "raw_response" not in doc
    assert "raw_response" not in cobalt_api.get(f"/application/event/{doc['_id']}").json()
    replaced = cobalt_api.put(f"/application/event/{doc['_id']}", json=event).json()
    assert "raw_response" not in replaced[0]
    # The extended profile keeps the sample, which lets a client see value-only changes.
    (extended,) = api.post("/application/event", json=event).json()
    assert extended["response"] == expected
    assert extended["raw_response"] == '{"order":{"id":1,"tags":["a"]}}'


def consent_query(box: Sandbox, slug: str) -> dict[str, list[str]]:
    with client_for(box, "tk_sandbox") as client:
        response = client.get(f"/linked-account/integration/oauth-url/{slug}", headers=LA)
        assert response.status_code == 200, response.text
        return parse_qs(urlsplit(response.json()["auth_url"]).query)


def test_the_consent_url_carries_client_id_redirect_and_effective_scopes(any_box: Sandbox) -> None:
    any_box.dashboard_enable("hubspot")
    with client_for(any_box, "tk_sandbox") as client:
        client.put("/linked-account", json={"account_id": "a1"}).raise_for_status()
    default = consent_query(any_box, "hubspot")
    assert default["client_id"] == ["cobalt-default-hubspot"]
    assert default["redirect_uri"] == [f"{any_box.url}/api/v1/hubspot/callback"]
    assert default["scope"] == ["crm.objects.owners.read oauth"]

    any_box.dashboard_set_oauth(
        "hubspot", "hub-client-1", "s3cret", scopes=["crm.objects.deals.read", "oauth"]
    )
    own = consent_query(any_box, "hubspot")
    assert own["client_id"] == ["hub-client-1"]
    assert own["scope"] == ["crm.objects.deals.read crm.objects.owners.read oauth"]
    assert "s3cret" not in str(own)

    any_box.dashboard_clear_oauth("hubspot")
    assert consent_query(any_box, "hubspot")["client_id"] == ["cobalt-default-hubspot"]


def test_the_consent_url_of_an_app_that_is_not_enabled_is_404(any_box: Sandbox) -> None:
    with client_for(any_box, "tk_sandbox") as client:
        client.put("/linked-account", json={"account_id": "a1"}).raise_for_status()
        response = client.get("/linked-account/integration/oauth-url/hubspot", headers=LA)
    body = assert_vendor_error(response, 404, "EXTERNAL_API_FAILURE")
    assert "hubspot" in str(body["message"])


def test_sandbox_serve_takes_the_profile_from_the_environment() -> None:
    serve = [sys.executable, "-m", "cobalt_sync", "sandbox", "serve", "--port", "0"]
    env = {**os.environ, "COBALT_SANDBOX_PROFILE": "cobalt"}
    process = subprocess.Popen(serve, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        url = re.search(r"http://[\d.:]+$", banner.strip())
        assert url and "(profile cobalt)" in banner, banner
        headers = {"x-api-key": "tk_sandbox"}
        enable = httpx.put(f"{url.group(0)}{API}/application/hubspot/enable", headers=headers)
        assert enable.status_code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_an_unknown_profile_is_bad_input(cli: Any) -> None:
    result = cli("sandbox", "serve", "--port", "0", "--profile", "real")
    assert result.exit_code == 3
    assert "'real' is not one of 'extended', 'cobalt'" in result.stderr


EVENTS_ONLY = """\
version: 1
environment: test
events:
  Order Placed:
    schema: {order: {id: 1, items: [1, 2]}, total: 3}
"""


def test_events_converge_on_the_derived_list_alone(
    cobalt_sandbox: Sandbox, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client compares the derived shape when no raw sample comes back: the second plan
    against profile cobalt shows no event change."""
    for name, value in {
        "COBALT_API_URL": cobalt_sandbox.url,
        "COBALT_API_KEY": "tk_sandbox",
        "COBALT_MAX_RPS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    with client_for(cobalt_sandbox, "tk_sandbox") as client:  # Cobalt lists apps per account
        client.put("/linked-account", json={"account_id": "cobalt-sync-probe"}).raise_for_status()
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(EVENTS_ONLY)
    args = ("--app-settings", "manual")
    applied = cli(*args, "apply", "-f", str(manifest), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert [e["name"] for e in cobalt_sandbox.inspect()["events"]] == ["Order Placed"]
    again = cli(*args, "plan", "-f", str(manifest))
    assert again.exit_code == 0, again.output
    assert "events/" not in again.stdout
