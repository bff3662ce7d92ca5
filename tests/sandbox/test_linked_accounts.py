"""Linked accounts: the pagination envelope, UDF shapes and merging, duplicates, not-found."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Sandbox
from tests.sandbox.conftest import assert_vendor_error

ENVELOPE_FIELDS = {
    "docs",
    "totalDocs",
    "limit",
    "page",
    "totalPages",
    "pagingCounter",
    "hasPrevPage",
    "hasNextPage",
    "prevPage",
    "nextPage",
}


def test_empty_list_has_the_full_envelope_with_defaults(api: httpx.Client) -> None:
    page = api.get("/linked-account").json()
    assert set(page) == ENVELOPE_FIELDS
    assert page == {
        "docs": [],
        "totalDocs": 0,
        "limit": 10,
        "page": 1,
        "totalPages": 1,
        "pagingCounter": 1,
        "hasPrevPage": False,
        "hasNextPage": False,
        "prevPage": None,
        "nextPage": None,
    }


def test_pages_walk_every_account_once_in_creation_order(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=25, account_prefix="p-")
    first = api.get("/linked-account").json()
    assert (first["totalDocs"], first["totalPages"], first["nextPage"]) == (25, 3, 2)
    assert first["prevPage"] is None and first["hasNextPage"] is True
    middle = api.get("/linked-account", params={"page": 2}).json()
    assert (middle["prevPage"], middle["nextPage"], middle["pagingCounter"]) == (1, 3, 11)
    last = api.get("/linked-account", params={"page": 3}).json()
    assert last["nextPage"] is None and last["hasNextPage"] is False and len(last["docs"]) == 5
    seen = [d["account_id"] for p in (first, middle, last) for d in p["docs"]]
    assert seen == [f"p-{i:06d}" for i in range(1, 26)]


def test_page_past_the_end_is_empty_but_points_back(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=3)
    beyond = api.get("/linked-account", params={"page": 5, "limit": 2}).json()
    assert beyond["docs"] == [] and beyond["hasNextPage"] is False
    assert beyond["prevPage"] == 4 and beyond["totalPages"] == 2


def test_limit_above_the_cap_is_clamped_and_says_so(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=1200)
    page = api.get("/linked-account", params={"limit": 5000}).json()
    assert page["limit"] == 1000 and len(page["docs"]) == 1000 and page["nextPage"] == 2


def test_udf_goes_in_as_an_object_and_comes_out_as_entries(api: httpx.Client) -> None:
    body = {"linked_account_id": "acme", "name": "Acme", "udf": {"plan": "enterprise"}}
    created = api.post("/linked-account", json=body).json()
    assert "integrations" not in created  # the spec: create returns it without integrations
    fetched = api.get("/linked-account/acme").json()
    assert fetched["account_id"] == "acme" and fetched["name"] == "Acme"
    assert fetched["integrations"] == []
    [entry] = fetched["udf"]
    assert (entry["key_name"], entry["key_value"]) == ("plan", "enterprise")
    assert {"_id", "createdAt", "updatedAt"} <= set(entry)
    assert len(fetched["_id"]) == 24 and fetched["__v"] == 0


def test_upsert_merges_udf_bumps_version_and_reports_new_account(api: httpx.Client) -> None:
    first = api.put(
        "/linked-account", json={"account_id": "a", "udf": {"plan": "free", "region": "eu"}}
    )
    assert first.json()["new_account"] is True
    second = api.put(
        "/linked-account",
        json={"payload": {"account_id": "a", "udf": {"plan": "pro"}}, "account_id": "ignored"},
    ).json()
    assert second["new_account"] is False and second["__v"] == 1
    assert {e["key_name"]: e["key_value"] for e in second["udf"]} == {"plan": "pro", "region": "eu"}
    assert api.get("/linked-account/ignored").status_code == 404  # `payload` won


@pytest.mark.parametrize("status, code", [(400, "BAD_REQUEST"), (409, "CONFLICT")])
def test_duplicate_create_is_400_by_default_or_409_by_switch(
    api: httpx.Client, sandbox: Sandbox, status: int, code: str
) -> None:
    sandbox.faults(duplicate_create_status=status)
    api.post("/linked-account", json={"account_id": "dup"}).raise_for_status()
    body = assert_vendor_error(
        api.post("/linked-account", json={"account_id": "dup"}), status, code
    )
    assert body["message"] == "Linked account with id dup already exists in the test environment"
    assert sandbox.inspect()["counts"]["linked_accounts"] == 1


@pytest.mark.parametrize("status", [404, 500])
def test_missing_account_get_and_delete_follow_the_not_found_switch(
    api: httpx.Client, sandbox: Sandbox, status: int
) -> None:
    sandbox.faults(not_found_status=status)
    for response in (api.get("/linked-account/ghost"), api.delete("/linked-account/ghost")):
        assert response.status_code == status
        assert "not found" in response.json()["message"]


def test_delete_removes_the_account(api: httpx.Client) -> None:
    api.put("/linked-account", json={"account_id": "bye"}).raise_for_status()
    assert api.delete("/linked-account/bye").json() == {"message": "User deleted successfully"}
    assert api.get("/linked-account/bye").status_code == 404
