"""Retries: transient failures are absorbed; a write whose reply was lost never duplicates."""

from __future__ import annotations

import socket

import pytest

from cobalt_sync.api import CobaltApi
from cobalt_sync.errors import ConflictError, NetworkError, ServerError, UnexpectedResponseError
from cobalt_sync.kinds.events import create_event, list_events, update_event
from cobalt_sync.kinds.linked_accounts import list_accounts, upsert_account
from tests.conftest import TEST_KEY, Sandbox


def test_injected_500s_are_retried_until_the_read_succeeds(
    api: CobaltApi, sandbox: Sandbox
) -> None:
    sandbox.post("seed", key=TEST_KEY, events=3)
    sandbox.faults(error_rate=0.5, seed=7)
    for _ in range(10):
        assert len(list_events(api)) == 3
    assert api.stats.retries > 0
    assert api.stats.by_status["500"] == api.stats.retries


def test_a_429_is_retried_after_the_servers_retry_after(sandbox: Sandbox) -> None:
    sandbox.faults(rate_limit=1, rate_limit_burst=1, retry_after=True)
    with CobaltApi(sandbox.url, TEST_KEY, backoff=0, requests_per_second=None) as api:
        list_events(api)
        list_events(api)  # refused once (429, Retry-After: 1), then served
        assert api.stats.by_status.get("429", 0) >= 1
        assert api.stats.by_status["200"] == 2


def test_retries_end_in_a_server_error_naming_the_endpoint(sandbox: Sandbox) -> None:
    sandbox.faults(error_rate=1.0)
    with CobaltApi(
        sandbox.url, TEST_KEY, backoff=0, requests_per_second=None, max_retries=2
    ) as api:
        with pytest.raises(ServerError) as caught:
            list_accounts(api)
        assert api.stats.by_status == {"500": 3}
    message = str(caught.value)
    assert message.startswith("GET /api/v2/public/linked-account: ")
    assert "HTTP 500" in message and "\n" not in message
    assert caught.value.exit_code == 4


def test_dropped_replies_create_no_duplicates(api: CobaltApi, sandbox: Sandbox) -> None:
    sandbox.faults(drop_rate=0.4, seed=11)
    for index in range(15):
        upsert_account(api, f"acct-{index}", f"Account {index}", {"n": str(index)})
        create_event(api, f"event.{index}", {"n": str(index)})
    sandbox.faults(drop_rate=0.0)
    report = sandbox.inspect()
    assert report["duplicates"] == {"events": {}, "linked_accounts": {}}
    assert report["counts"] == {"events": 15, "linked_accounts": 15}
    assert api.stats.retries > 0  # the drops really happened
    names = sorted(event.name for event in list_events(api))
    assert names == sorted(f"event.{index}" for index in range(15))


@pytest.mark.parametrize("status", [400, 409])
def test_a_duplicate_name_answer_returns_the_existing_event(
    api: CobaltApi, sandbox: Sandbox, status: int
) -> None:
    first = create_event(api, "order.created", {"id": "1"})
    sandbox.faults(duplicate_create_status=status)
    again = create_event(api, "order.created", {"id": "2"})
    assert again == first  # the caller sees the live sample and decides to update
    assert sandbox.inspect()["counts"]["events"] == 1


def test_a_conflict_on_another_write_is_a_conflict_error(api: CobaltApi, sandbox: Sandbox) -> None:
    create_event(api, "a", {"id": "1"})
    b = create_event(api, "b", {"id": "1"})
    with pytest.raises(ConflictError) as caught:
        update_event(api, b.id, "a", {"id": "1"})  # renaming onto a taken name
    assert caught.value.exit_code == 4


def test_ambiguous_200_with_an_error_body_is_not_success(sandbox: Sandbox) -> None:
    sandbox.faults(ambiguous_success_rate=1.0)
    with (
        CobaltApi(sandbox.url, TEST_KEY, backoff=0, requests_per_second=None, max_retries=1) as api,
        pytest.raises(UnexpectedResponseError) as caught,
    ):
        list_events(api)
    assert "INJECTED_AMBIGUOUS_FAILURE" in str(caught.value)


def test_a_refused_connection_is_retried_then_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    with CobaltApi(
        f"http://127.0.0.1:{port}", TEST_KEY, backoff=0, requests_per_second=None, max_retries=2
    ) as api:
        with pytest.raises(NetworkError) as caught:
            create_event(api, "never.sent", {"id": "1"})
        # A connect failure proves the POST never left, so it is retried like a GET.
        assert api.stats.by_status == {"network": 3}
    assert "could not connect" in str(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None
