"""Redaction: the API key, OAuth secrets and session tokens appear in no message, hint, repr,
log line or exception chain, even when the server echoes them back in its errors."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest

from cobalt_sync.api import CobaltApi
from cobalt_sync.errors import ApiError, AuthError
from cobalt_sync.kinds.app_settings import put_oauth_credentials
from cobalt_sync.kinds.events import create_event, list_events
from cobalt_sync.kinds.linked_accounts import upsert_account
from cobalt_sync.sandbox.server import SandboxServer
from tests.conftest import Sandbox

CANARY_KEY = "tk_CANARY_4f1d9a7c2b"
CANARY_SECRET = "CANARY-SECRET-93be01"


@pytest.fixture(scope="module")
def canary_server() -> Iterator[SandboxServer]:
    """A sandbox that knows the canary key, so it gets past authentication."""
    with SandboxServer(port=0, api_keys=[CANARY_KEY]) as server:
        yield server


@pytest.fixture
def canary(canary_server: SandboxServer) -> Iterator[Sandbox]:
    box = Sandbox(canary_server)
    box.reset()
    box.faults(echo_secrets_in_errors=True)
    yield box
    box.admin.close()


def everything_said(error: BaseException) -> str:
    """Every text a user or a log could get from an exception, its chain included."""
    texts = [str(error), repr(error), *traceback.format_exception(error)]
    if isinstance(error, ApiError):
        texts += [error.hint or "", error.message, str(error.args)]
    return "\n".join(texts)


def test_an_echoed_key_is_masked_in_the_error(canary: Sandbox) -> None:
    with (
        CobaltApi(canary.url, CANARY_KEY, backoff=0, requests_per_second=None) as api,
        pytest.raises(ApiError) as caught,
    ):
        create_event(api, "bad", "not an object")  # type: ignore[arg-type]
    said = everything_said(caught.value)
    assert "echo" in said and "=[REDACTED]" in said  # the server really did echo it
    assert CANARY_KEY not in said


def test_an_echoed_client_secret_is_masked(canary: Sandbox) -> None:
    with (
        CobaltApi(canary.url, CANARY_KEY, backoff=0, requests_per_second=None) as api,
        pytest.raises(ApiError) as caught,
    ):
        put_oauth_credentials(api, "hubspot", "client-1", CANARY_SECRET, ["", "bad"])
    said = everything_said(caught.value)
    assert "body=" in said and "[REDACTED]" in said
    assert CANARY_SECRET not in said and CANARY_KEY not in said


def test_an_unknown_key_echoed_in_a_401_is_masked(sandbox: Sandbox) -> None:
    sandbox.faults(echo_secrets_in_errors=True)
    with (
        CobaltApi(sandbox.url, CANARY_KEY, backoff=0, requests_per_second=None) as api,
        pytest.raises(AuthError) as caught,
    ):
        list_events(api)
    assert CANARY_KEY not in everything_said(caught.value)


def test_no_exception_chain_carries_the_request(sandbox: Sandbox) -> None:
    """httpx exceptions hold the request and its headers: none may hang off ours."""
    with (
        CobaltApi(
            "http://127.0.0.1:9", CANARY_KEY, backoff=0, requests_per_second=None, max_retries=0
        ) as api,
        pytest.raises(ApiError) as caught,
    ):
        list_events(api)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert CANARY_KEY not in everything_said(caught.value)


def test_repr_of_the_client_hides_the_key() -> None:
    api = CobaltApi("https://app.refold.ai", CANARY_KEY)
    assert CANARY_KEY not in repr(api) and CANARY_KEY not in str(vars(api))
    assert "environment='test'" in repr(api)


def test_verbose_log_lines_carry_method_path_status_time_and_no_secrets(
    canary: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cobalt_sync")
    with CobaltApi(canary.url, CANARY_KEY, backoff=0, requests_per_second=None) as api:
        upsert_account(api, "acme", None, {})
        token = api.create_session_token("acme")
        api.create_connect_url(token, "acme")
        with pytest.raises(ApiError):
            put_oauth_credentials(api, "hubspot", "client-1", CANARY_SECRET, ["", "bad"])
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("cobalt_sync")]
    assert any(
        line.startswith("POST /api/v2/public/session-token?force_refresh 200 ")
        and line.endswith("ms")
        for line in ours
    )
    assert any(
        line.startswith("PUT /api/v2/public/application/hubspot/oauth-credentials 400 ")
        for line in ours
    )
    everything = caplog.text
    for secret in (CANARY_KEY, CANARY_SECRET, token):
        assert secret not in everything


def test_a_secret_registered_by_the_caller_is_masked_in_every_spelling() -> None:
    api = CobaltApi("https://app.refold.ai", "tk_x")
    api.register_secret("s3cr3t/with+odd chars")
    text = (
        'raw s3cr3t/with+odd chars, url s3cr3t%2Fwith%2Bodd%20chars, json "s3cr3t/with+odd chars"'
    )
    assert "s3cr3t" not in api.redact(text)
