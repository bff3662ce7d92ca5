"""Error mapping: refused keys, URLs that would leak the key, and replies we cannot read."""

from __future__ import annotations

from typing import Any

import pytest

from cobalt_sync.api import CobaltApi
from cobalt_sync.errors import (
    ApiError,
    AuthError,
    ExitCode,
    InputError,
    InsecureUrlError,
    NotFoundError,
    UnexpectedResponseError,
)
from cobalt_sync.kinds.app_settings import enable_app, put_oauth_credentials
from cobalt_sync.kinds.events import list_events
from cobalt_sync.kinds.linked_accounts import account_page, delete_account, get_account
from tests.api.conftest import HostileServer
from tests.conftest import TEST_KEY, Sandbox


def quiet(url: str, key: str = TEST_KEY, **options: object) -> CobaltApi:
    return CobaltApi(url, key, backoff=0, requests_per_second=None, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "environment", "prefix"),
    [
        ("tk_not_a_key_of_this_org", "test", "tk…"),
        ("pk_not_a_key_of_this_org", "production", "pk…"),
    ],
)
def test_a_refused_key_is_an_auth_error_naming_its_environment(
    sandbox: Sandbox, key: str, environment: str, prefix: str
) -> None:
    with quiet(sandbox.url, key) as api, pytest.raises(AuthError) as caught:
        list_events(api)
    error = caught.value
    assert error.exit_code == ExitCode.API and error.status == 401
    assert error.request_id  # the vendor's request id, for support tickets
    assert f"[request_id {error.request_id}]" in str(error)
    # Said as a refused key of that environment, not the vendor's "SERVER_ERROR" label.
    assert f"Cobalt refused the {environment} API key in COBALT_API_KEY" in str(error)
    assert "(HTTP 401)" in str(error) and "SERVER_ERROR" not in str(error)
    assert error.hint is not None
    assert f"current {environment} key ({prefix})" in error.hint
    assert "not_a_key" not in str(error) + error.hint  # never the key itself
    assert api.stats.by_status == {"401": 1}  # a refused key is not retried


@pytest.mark.parametrize("key", ["sk_live_123456", "", "tk with space"])
def test_a_key_that_is_not_a_cobalt_key_is_bad_input_and_not_echoed(key: str) -> None:
    with pytest.raises(InputError) as caught:
        CobaltApi("https://app.refold.ai", key)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert "COBALT_API_KEY" in str(caught.value)
    if key:
        assert key not in str(caught.value) and key not in (caught.value.hint or "")


def test_the_key_prefix_decides_the_environment() -> None:
    assert CobaltApi("https://app.refold.ai", "tk_abc").environment == "test"
    assert CobaltApi("https://app.refold.ai", "pk_abc").environment == "production"


@pytest.mark.parametrize(
    "url", ["http://app.refold.ai", "http://10.0.0.5:8787", "http://localhost.example.com"]
)
def test_plain_http_to_another_host_is_refused_before_any_request(url: str) -> None:
    with pytest.raises(InsecureUrlError) as caught:
        CobaltApi(url, TEST_KEY)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert "https://" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "suggested"),
    [
        ("http://localhots:8787", "--api-url http://localhost:8787?"),
        ("http://locahost", "--api-url http://localhost?"),
        ("http://example.com:8787", None),
        ("http://10.0.0.5:8787", None),
    ],
)
def test_a_misspelt_localhost_is_refused_with_the_right_url(
    cli: Any, url: str, suggested: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_API_KEY", TEST_KEY)
    result = cli("--api-url", url, "export")
    assert result.exit_code == 3
    assert "refusing to send the API key in clear text" in result.stderr
    if suggested is None:
        assert "localhost is misspelt" not in result.stderr
    else:
        assert f"Hint: Did you mean {suggested} (localhost is misspelt)" in result.stderr


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://app.refold.ai/", "https://app.refold.ai"),
        ("https://app.refold.ai/api/v2/public", "https://app.refold.ai"),
        ("http://localhost:8787", "http://localhost:8787"),
        ("http://[::1]:8787", "http://[::1]:8787"),
    ],
)
def test_https_and_loopback_http_are_accepted(url: str, normalised: str) -> None:
    assert CobaltApi(url, TEST_KEY).base_url == normalised


def test_a_url_with_credentials_or_another_scheme_is_bad_input() -> None:
    for url in ("https://user:pw@app.refold.ai", "ftp://app.refold.ai", "app.refold.ai"):
        with pytest.raises(InputError):
            CobaltApi(url, TEST_KEY)


def test_a_redirect_is_refused_and_not_followed(hostile: HostileServer) -> None:
    hostile.answer(302, "", Location="https://elsewhere.example/steal")
    with quiet(hostile.url) as api, pytest.raises(UnexpectedResponseError) as caught:
        list_events(api)
    assert "redirect" in str(caught.value) and caught.value.status == 302
    assert len(hostile.requests) == 1  # nothing went to the Location


def test_an_html_page_with_200_is_an_unexpected_response_naming_the_endpoint(
    hostile: HostileServer,
) -> None:
    hostile.answer(200, "<html><body>Welcome</body></html>", **{"Content-Type": "text/html"})
    with quiet(hostile.url) as api, pytest.raises(UnexpectedResponseError) as caught:
        list_events(api)
    assert str(caught.value).startswith("GET /api/v2/public/application/event: ")
    assert "HTML" in str(caught.value)
    assert caught.value.exit_code == ExitCode.API


def test_cut_short_json_is_an_unexpected_response(hostile: HostileServer) -> None:
    hostile.answer(200, '{"docs": [{"account_id": "a"')
    with quiet(hostile.url) as api, pytest.raises(UnexpectedResponseError):
        account_page(api, 1)


def test_a_reply_of_the_wrong_shape_names_the_field_not_a_key_error(
    hostile: HostileServer,
) -> None:
    hostile.answer(
        200,
        '{"docs": [{"name": "no id"}], "totalDocs": 1, "page": 1, "totalPages": 1, '
        '"hasNextPage": false}',
    )
    with quiet(hostile.url) as api, pytest.raises(UnexpectedResponseError) as caught:
        account_page(api, 1)
    message = str(caught.value)
    assert message.startswith("GET /api/v2/public/linked-account: ")
    assert "docs.0.account_id" in message


def test_wrong_types_are_an_unexpected_response(hostile: HostileServer) -> None:
    hostile.answer(200, '[{"_id": 5, "name": ["x"]}]')
    with quiet(hostile.url) as api, pytest.raises(UnexpectedResponseError):
        list_events(api)


def test_an_event_sample_that_is_not_json_is_an_unexpected_response(
    hostile: HostileServer,
) -> None:
    hostile.answer(200, '[{"_id": "e1", "name": "x", "raw_response": "{not json"}]')
    with quiet(hostile.url) as api, pytest.raises(UnexpectedResponseError) as caught:
        list_events(api)
    assert "raw_response" in str(caught.value)


def test_a_string_response_field_is_parsed_and_its_shape_derived(hostile: HostileServer) -> None:
    hostile.answer(200, '[{"_id": "e1", "name": "x", "response": "{\\"a\\": {\\"b\\": 1}}"}]')
    with quiet(hostile.url) as api:
        [event] = list_events(api)
    assert event.sample == {"a": {"b": 1}}
    assert event.shape == (("a", "object"), ("a.b", "text"))


def test_a_non_json_error_page_still_maps_by_status(hostile: HostileServer) -> None:
    hostile.answer(403, "<html>Forbidden</html>", **{"Content-Type": "text/html"})
    with quiet(hostile.url) as api, pytest.raises(AuthError) as caught:
        list_events(api)
    assert caught.value.status == 403


def test_not_found_as_a_vendor_500_is_not_found_and_not_retried(
    api: CobaltApi, sandbox: Sandbox
) -> None:
    sandbox.faults(not_found_status=500)
    assert get_account(api, "nobody") is None
    delete_account(api, "nobody")
    assert api.stats.retries == 0


def test_a_plain_bad_request_is_an_api_error_with_the_vendor_message(api: CobaltApi) -> None:
    with pytest.raises(ApiError) as caught:
        put_oauth_credentials(api, "hubspot", "client", "a-long-secret", ["", "x"])
    error = caught.value
    assert type(error) is ApiError and error.status == 400 and error.error_code
    assert error.exit_code == ExitCode.API


def test_an_unknown_app_is_not_found(api: CobaltApi) -> None:
    with pytest.raises(NotFoundError):
        enable_app(api, "hubspt")
