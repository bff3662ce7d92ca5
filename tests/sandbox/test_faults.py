"""Injected faults and the admin counters: what the client's retry and redaction tests rely on."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Sandbox
from tests.sandbox.conftest import assert_vendor_error


def test_drop_rate_commits_the_write_then_breaks_the_reply(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults(drop_rate=1.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post("/linked-account", json={"account_id": "lost-reply"})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post("/application/event", json={"name": "lost.event", "response": {"a": 1}})
    state = sandbox.inspect()
    assert [a["account_id"] for a in state["linked_accounts"]] == ["lost-reply"]
    assert [e["name"] for e in state["events"]] == ["lost.event"]
    assert sandbox.get("stats")["writes_applied"] == 2


def test_rate_limit_answers_429_with_retry_after(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.faults(rate_limit=0.01, rate_limit_burst=1)
    assert api.get("/application").status_code == 200
    limited = api.get("/application")
    body = assert_vendor_error(limited, 429, "TOO_MANY_REQUESTS")
    assert body["http_error_type"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(limited.headers["retry-after"]) <= 100
    sandbox.faults(retry_after=False)
    assert "retry-after" not in api.get("/application").headers


def test_rate_limit_buckets_are_per_key(
    api: httpx.Client, prod_api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults(rate_limit=0.01, rate_limit_burst=1)
    assert api.get("/application").status_code == 200
    assert prod_api.get("/application").status_code == 200
    assert api.get("/application").status_code == 429


def test_error_rate_fails_before_the_write(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.faults(error_rate=1.0)
    failed = api.put("/linked-account", json={"account_id": "never"})
    assert_vendor_error(failed, 500, "SERVER_ERROR")
    event = api.post("/application/event", json={"name": "e", "response": {}})
    assert event.status_code == 500
    assert set(event.json()) == {"status_code", "error_type", "message"}  # variant C
    assert sandbox.inspect()["counts"] == {"events": 0, "linked_accounts": 0}


def test_faults_can_target_routes_and_never_hit_admin(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.faults(error_rate=1.0, route=r"/application/event")
    assert api.get("/linked-account").status_code == 200
    assert api.get("/application/event").status_code == 500
    assert sandbox.inspect()["environment"] == "test"  # admin routes stay healthy


def test_ambiguous_success_is_200_with_error_and_no_write(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults(ambiguous_success_rate=1.0)
    response = api.put("/linked-account", json={"account_id": "maybe"})
    assert response.status_code == 200 and "error" in response.json()
    assert sandbox.inspect()["counts"]["linked_accounts"] == 0


def test_seeded_faults_are_reproducible(api: httpx.Client, sandbox: Sandbox) -> None:
    def statuses() -> list[int]:
        sandbox.faults(error_rate=0.5, seed=7)
        return [api.get("/application").status_code for _ in range(30)]

    first = statuses()
    assert first == statuses()
    assert {200, 500} == set(first)


def test_hostile_mode_echoes_the_key_and_body_in_errors(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults(echo_secrets_in_errors=True)
    response = api.put("/application/hubspot/oauth-credentials", json={"client_secret": "CANARY-9"})
    assert "tk_sandbox" in response.json()["message"]
    assert "CANARY-9" in response.json()["message"]


def test_bad_fault_settings_are_refused(sandbox: Sandbox) -> None:
    for bad in ({"error_rate": 2}, {"duplicate_create_status": 418}, {"nonsense": 1}):
        response = sandbox.admin.post(
            "/_sandbox/faults", json=bad, headers={"x-api-key": "tk_sandbox"}
        )
        assert response.status_code == 400 and response.json()["error"]


def test_stats_count_by_route_template_and_status(api: httpx.Client, sandbox: Sandbox) -> None:
    api.put("/linked-account", json={"account_id": "a1"})
    api.get("/linked-account/a1")
    api.get("/linked-account/missing")
    stats = sandbox.get("stats")
    assert stats["requests_total"] == 3
    assert stats["by_route"] == {
        "GET /api/v2/public/linked-account/{linked_account_id}": 2,
        "PUT /api/v2/public/linked-account": 1,
    }
    assert stats["by_status"] == {"200": 2, "404": 1}
    assert stats["writes_applied"] == 1
    assert sandbox.post("stats/reset")["requests_total"] == 0


def test_reset_restores_start_up_faults_and_wipes_data(api: httpx.Client, sandbox: Sandbox) -> None:
    api.put("/linked-account", json={"account_id": "a1"})
    sandbox.faults(error_rate=1.0)
    sandbox.reset()
    assert sandbox.get("faults")["error_rate"] == 0.0
    assert sandbox.get("stats")["requests_total"] == 0
    assert api.get("/linked-account").json()["totalDocs"] == 0


def test_injected_errors_can_be_gateway_errors(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.faults(error_rate=1.0, error_statuses=[502, 503], seed=3)
    statuses = {api.get("/application").status_code for _ in range(20)}
    assert statuses == {502, 503}
    assert sandbox.get("faults")["error_statuses"] == [502, 503]


def test_request_log_names_route_key_prefix_and_status_but_never_the_key(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    api.get("/linked-account/nobody")
    [entry] = sandbox.get("stats")["log"]
    assert entry == {
        "route": "GET /api/v2/public/linked-account/{linked_account_id}",
        "key_prefix": "tk",
        "status": 404,
    }
    assert "tk_sandbox" not in str(sandbox.get("stats"))


def test_hostile_mode_echoes_in_401s_and_injected_errors_too(sandbox: Sandbox) -> None:
    sandbox.faults(echo_secrets_in_errors=True)
    url = f"{sandbox.url}/api/v2/public/linked-account"
    refused = httpx.post(url, headers={"x-api-key": "tk_CANARY-KEY"}, json={"s": "CANARY-BODY"})
    assert "tk_CANARY-KEY" in refused.text and "CANARY-BODY" in refused.text
    sandbox.faults(error_rate=1.0)
    failed = httpx.put(url, headers={"x-api-key": "tk_sandbox"}, json={"s": "CANARY-BODY"})
    assert failed.status_code == 500
    assert "tk_sandbox" in failed.text and "CANARY-BODY" in failed.text


def test_a_stalled_route_answers_nothing_until_the_client_gives_up(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults(stall_ms=60_000, stall_route=r"^GET /api/v2/public/webhook$")
    with pytest.raises(httpx.ReadTimeout):
        api.get("/webhook", timeout=0.5)
    assert api.get("/application").status_code == 200  # only that route stalls
    [stall] = sandbox.get("stats")["stalls"]
    assert stall["request"] == "GET /api/v2/public/webhook"


def test_a_write_held_by_a_short_stall_then_lands_with_its_body(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults(stall_ms=200, stall_route="^PUT ")
    response = api.put("/linked-account", json={"account_id": "held", "name": "Held"})
    assert response.status_code == 200, response.text
    [account] = sandbox.inspect()["linked_accounts"]
    assert (account["account_id"], account["name"]) == ("held", "Held")
    assert len(sandbox.get("stats")["stalls"]) == 1


def test_stall_settings_are_checked(sandbox: Sandbox) -> None:
    for bad in ({"stall_ms": -1}, {"stall_route": "("}):
        response = sandbox.admin.post(
            "/_sandbox/faults", json=bad, headers={"x-api-key": "tk_sandbox"}
        )
        assert response.status_code == 400 and response.json()["error"], bad
