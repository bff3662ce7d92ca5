"""Webhooks: CRUD per org and environment, no uniqueness, vendor 400s and 404s."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.conftest import assert_vendor_error

HOOK = {"webhook_url": "https://example.com/hook", "webhook_events": ["Connection Created"]}


def test_create_defaults_and_duplicates_are_allowed(
    api: httpx.Client, prod_api: httpx.Client
) -> None:
    first = api.post("/webhook", json=HOOK).json()
    assert (first["method"], first["webhook_type"], first["is_enabled"]) == (
        "POST",
        "default",
        True,
    )
    assert first["environment"] == "test" and len(first["_id"]) == 24
    api.post("/webhook", json=HOOK).raise_for_status()
    assert len(api.get("/webhook").json()) == 2  # no natural key: a retried POST duplicates
    assert prod_api.get("/webhook").json() == []


def test_update_is_partial_and_delete_returns_the_rest(api: httpx.Client) -> None:
    hook = api.post("/webhook", json=HOOK).json()
    other = api.post("/webhook", json={**HOOK, "description": "keep"}).json()
    updated = api.put(f"/webhook/{hook['_id']}", json={"is_enabled": False}).json()
    assert updated["is_enabled"] is False and updated["webhook_url"] == HOOK["webhook_url"]
    assert api.delete(f"/webhook/{hook['_id']}").json() == [other]
    assert_vendor_error(api.get(f"/webhook/{hook['_id']}"), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [
        {"webhook_events": ["x"]},
        {**HOOK, "webhook_url": "ftp://x"},
        {**HOOK, "webhook_events": []},
        {**HOOK, "webhook_events": ["Connection Made"]},
        {**HOOK, "method": "GET"},
        {**HOOK, "is_enabled": "yes"},
    ],
)
def test_bad_webhooks_are_400(api: httpx.Client, body: dict[str, object]) -> None:
    assert_vendor_error(api.post("/webhook", json=body), 400, "BAD_REQUEST")
