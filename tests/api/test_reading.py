"""Reading through the client: pagination across pages, typed values, not-found as None."""

from __future__ import annotations

from cobalt_sync.api import CobaltApi, Event, JsonObject, LinkedAccount
from tests.conftest import Sandbox


def test_every_linked_account_is_returned_once_across_pages(sandbox: Sandbox) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=250)
    with CobaltApi(
        sandbox.url, "tk_sandbox", backoff=0, requests_per_second=None, page_size=100
    ) as api:
        accounts = api.list_linked_accounts(concurrency=4)
        assert len(accounts) == 250
        assert len({account.account_id for account in accounts}) == 250
        assert api.stats.by_status == {"200": 3}  # pages 1, 2 and 3, nothing more


def test_a_page_reports_the_vendor_paging_facts(api: CobaltApi, sandbox: Sandbox) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=25)
    page = api.linked_account_page(3, limit=10)
    assert (page.page, page.total, page.total_pages, page.has_next) == (3, 25, 3, False)
    assert len(page.items) == 5


def test_counting_accounts_costs_one_request(api: CobaltApi, sandbox: Sandbox) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=42)
    assert api.count_linked_accounts() == 42
    assert api.stats.total == 1


def test_linked_account_udfs_come_back_as_a_plain_mapping(api: CobaltApi) -> None:
    written = api.upsert_linked_account("acme", "Acme Inc", {"plan": "pro", "region": "eu"})
    read = api.get_linked_account("acme")
    expected = LinkedAccount("acme", "Acme Inc", {"plan": "pro", "region": "eu"}, "test", ())
    assert written == read == expected


def test_a_missing_account_or_app_reads_as_none(api: CobaltApi) -> None:
    assert api.get_linked_account("nobody-here") is None
    assert api.get_application("hubspot") is None  # not enabled
    api.enable_app("hubspot")
    app = api.get_application("hubspot")
    assert app is not None and app.slug == "hubspot" and app.auth_type == "oauth2"


def test_an_event_reads_back_with_its_sample_and_vendor_shape(api: CobaltApi) -> None:
    sample: JsonObject = {"email": "a@b.c", "prospect": {"email": "x"}, "tags": ["a"]}
    created = api.create_event("prospect.created", sample)
    [listed] = api.list_events()
    assert listed == created
    assert listed == Event(
        created.id,
        "prospect.created",
        sample,
        (("email", "text"), ("prospect", "object"), ("prospect.email", "text"), ("tags", "text")),
    )
    assert api.get_event(created.id) == created


def test_deleting_twice_is_not_an_error(api: CobaltApi) -> None:
    event = api.create_event("gone.soon", {"id": "1"})
    api.delete_event(event.id)
    api.delete_event(event.id)
    api.upsert_linked_account("tmp", None, {})
    api.delete_linked_account("tmp")
    api.delete_linked_account("tmp")
    assert api.list_events() == [] and api.get_linked_account("tmp") is None


def test_a_session_token_opens_connect_and_is_then_revoked(api: CobaltApi) -> None:
    api.upsert_linked_account("acme", None, {})
    token = api.create_session_token("acme")
    url = api.create_connect_url(token, "acme", {"color": "#000"})
    assert url.startswith("http") and url.endswith(token)
    api.revoke_session_token(token)
    assert api.redact(f"token {token} at {url}") == "token [REDACTED] at [REDACTED]"


def test_stats_count_every_attempt_by_status(api: CobaltApi) -> None:
    api.list_events()
    api.get_linked_account("missing")
    api.get_linked_account("missing")
    assert api.stats.by_status == {"200": 1, "404": 2}
    assert api.stats.total == 3 and api.stats.retries == 0
    assert api.stats.snapshot()["requests"] == 3
