"""Reading through the client: pagination across pages, typed values, not-found as None."""

from __future__ import annotations

from cobalt_sync.api import CobaltApi, JsonObject
from cobalt_sync.kinds.app_settings import enable_app, get_application
from cobalt_sync.kinds.events import Event, create_event, delete_event, get_event, list_events
from cobalt_sync.kinds.linked_accounts import (
    LinkedAccount,
    account_page,
    count_accounts,
    delete_account,
    get_account,
    list_accounts,
    upsert_account,
)
from tests.conftest import Sandbox


def test_every_linked_account_is_returned_once_across_pages(sandbox: Sandbox) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=250)
    with CobaltApi(
        sandbox.url, "tk_sandbox", backoff=0, requests_per_second=None, page_size=100
    ) as api:
        accounts = list_accounts(api, concurrency=4)
        assert len(accounts) == 250
        assert len({account.account_id for account in accounts}) == 250
        assert api.stats.by_status == {"200": 3}  # pages 1, 2 and 3, nothing more


def test_a_page_reports_the_vendor_paging_facts(api: CobaltApi, sandbox: Sandbox) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=25)
    page = account_page(api, 3, limit=10)
    assert (page.page, page.total, page.total_pages, page.has_next) == (3, 25, 3, False)
    assert len(page.items) == 5


def test_counting_accounts_costs_one_request(api: CobaltApi, sandbox: Sandbox) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=42)
    assert count_accounts(api) == 42
    assert api.stats.total == 1


def test_linked_account_udfs_come_back_as_a_plain_mapping(api: CobaltApi) -> None:
    written = upsert_account(api, "acme", "Acme Inc", {"plan": "pro", "region": "eu"})
    read = get_account(api, "acme")
    expected = LinkedAccount("acme", "Acme Inc", {"plan": "pro", "region": "eu"}, "test", ())
    assert written == read == expected


def test_a_missing_account_or_app_reads_as_none(api: CobaltApi) -> None:
    assert get_account(api, "nobody-here") is None
    assert get_application(api, "hubspot") is None  # not enabled
    enable_app(api, "hubspot")
    app = get_application(api, "hubspot")
    assert app is not None and app.slug == "hubspot" and app.auth_type == "oauth2"


def test_an_event_reads_back_with_its_sample_and_vendor_shape(api: CobaltApi) -> None:
    sample: JsonObject = {"email": "a@b.c", "prospect": {"email": "x"}, "tags": ["a"]}
    created = create_event(api, "prospect.created", sample)
    [listed] = list_events(api)
    assert listed == created
    assert listed == Event(
        created.id,
        "prospect.created",
        sample,
        (("email", "text"), ("prospect", "object"), ("prospect.email", "text"), ("tags", "text")),
    )
    assert get_event(api, created.id) == created


def test_deleting_twice_is_not_an_error(api: CobaltApi) -> None:
    event = create_event(api, "gone.soon", {"id": "1"})
    delete_event(api, event.id)
    delete_event(api, event.id)
    upsert_account(api, "tmp", None, {})
    delete_account(api, "tmp")
    delete_account(api, "tmp")
    assert list_events(api) == [] and get_account(api, "tmp") is None


def test_a_session_token_opens_connect_and_is_then_revoked(api: CobaltApi) -> None:
    upsert_account(api, "acme", None, {})
    token = api.create_session_token("acme")
    url = api.create_connect_url(token, "acme", {"color": "#000"})
    assert url.startswith("http") and url.endswith(token)
    api.revoke_session_token(token)
    assert api.redact(f"token {token} at {url}") == "token [REDACTED] at [REDACTED]"


def test_stats_count_every_attempt_by_status(api: CobaltApi) -> None:
    list_events(api)
    get_account(api, "missing")
    get_account(api, "missing")
    assert api.stats.by_status == {"200": 1, "404": 2}
    assert api.stats.total == 3 and api.stats.retries == 0
    assert api.stats.snapshot()["requests"] == 3
