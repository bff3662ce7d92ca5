"""Auth, environments and error envelopes: what every client request meets first."""

from __future__ import annotations

import re

import httpx
import pytest

from cobalt_sync.sandbox.server import SandboxServer
from tests.conftest import Sandbox
from tests.sandbox.conftest import API, assert_vendor_error, client_for


@pytest.mark.parametrize("key", [None, "tk_nobody", "not-a-key"])
def test_missing_or_unknown_key_gets_the_401_envelope(sandbox: Sandbox, key: str | None) -> None:
    with client_for(sandbox, key) as client:
        for method, path in [
            ("GET", "/application"),
            ("GET", "/linked-account"),
            ("POST", "/application/event"),
        ]:
            body = assert_vendor_error(client.request(method, path), 401, "SERVER_ERROR")
            assert body["http_error_type"] == "UNAUTHORIZED"
            assert body["message"] == "Invalid Credentials"


def test_test_and_production_keys_see_separate_data(
    api: httpx.Client, prod_api: httpx.Client, sandbox: Sandbox
) -> None:
    api.put("/linked-account", json={"account_id": "only-in-test"}).raise_for_status()
    api.put("/application/hubspot/enable").raise_for_status()
    assert prod_api.get("/linked-account").json()["totalDocs"] == 0
    assert prod_api.get("/application").json() == []
    assert prod_api.get("/linked-account/only-in-test").status_code == 404
    assert sandbox.inspect("pk_sandbox")["environment"] == "production"
    assert api.get("/linked-account/only-in-test").json()["environment"] == "test"


def test_extra_keys_are_separate_orgs_with_ids_that_show_no_part_of_the_key() -> None:
    with SandboxServer(api_keys=["tk_acme", "pk_acme"]) as server:
        acme = httpx.Client(base_url=server.url + API, headers={"x-api-key": "tk_acme"})
        acme_prod = httpx.Client(base_url=server.url + API, headers={"x-api-key": "pk_acme"})
        default = httpx.Client(base_url=server.url + API, headers={"x-api-key": "tk_sandbox"})
        created = acme.put("/linked-account", json={"account_id": "a1"}).json()
        org = created["associated_org"]
        assert re.fullmatch(r"[0-9a-f]{24}", org) and "acme" not in org
        assert (
            acme_prod.put("/linked-account", json={"account_id": "b"}).json()["associated_org"]
            == org
        )  # tk_ and pk_ of one name: one org
        assert default.put("/linked-account", json={"account_id": "c"}).json()[
            "associated_org"
        ] not in (org, "org_sandbox")
        assert default.get("/linked-account").json()["totalDocs"] == 1


def test_a_key_without_tk_or_pk_prefix_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="tk_<name>"):
        SandboxServer(api_keys=["sk_live_123"])


def test_unknown_route_gets_the_404_envelope(api: httpx.Client) -> None:
    body = assert_vendor_error(api.get("/no-such-thing"), 404, "NOT_FOUND")
    assert "/api/v2/public/no-such-thing" in str(body["message"])


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"{not json", "Malformed JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"account_id": 42}', "must be a string"),
        (b'{"name": "no id"}', "linked_account_id is required"),
        (b'{"account_id": "a", "udf": {"plan": 3}}', "udf"),
        (b'{"account_id": "a", "udf": ["plan"]}', "udf"),
        (b'{"account_id": "a", "your_app": {}}', "your_app"),
    ],
)
def test_bad_bodies_get_vendor_400s(api: httpx.Client, content: bytes, fragment: str) -> None:
    response = api.put(
        "/linked-account", content=content, headers={"content-type": "application/json"}
    )
    body = assert_vendor_error(response, 400, "BAD_REQUEST")
    assert fragment in str(body["message"])
    assert api.get("/linked-account").json()["totalDocs"] == 0


@pytest.mark.parametrize("query", ["page=0", "limit=0", "page=x", "limit=-5"])
def test_bad_paging_parameters_get_400(api: httpx.Client, query: str) -> None:
    assert_vendor_error(api.get(f"/linked-account?{query}"), 400, "BAD_REQUEST")
