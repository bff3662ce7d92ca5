"""Fixtures for the sandbox contract tests: an httpx client per key on the served sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import PROD_KEY, TEST_KEY, Sandbox

API = "/api/v2/public"


def client_for(sandbox: Sandbox, key: str | None) -> httpx.Client:
    headers = {"x-api-key": key} if key else {}
    return httpx.Client(base_url=sandbox.url + API, headers=headers, timeout=30)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """The test-environment key of the default org."""
    with client_for(sandbox, TEST_KEY) as client:
        yield client


@pytest.fixture
def prod_api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with client_for(sandbox, PROD_KEY) as client:
        yield client


def assert_vendor_error(
    response: httpx.Response, status: int, error_code: str
) -> dict[str, object]:
    """Variant A plus `error`: the envelope every client style can read."""
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    assert body["status_code"] == status
    assert body["error_code"] == error_code
    assert body["error"] == error_code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["request_id"], str) and body["request_id"]
    return body
