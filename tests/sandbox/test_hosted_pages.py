"""The hosted Connect page, the stand-in consent page and the dashboard pages over plain HTTP:
the rules a browser test would not notice — token scoping, CSRF, expired links, the registered
redirect URI, single-use consents, escaping, the loopback guard. (tests/browser clicks through
the same pages in Chromium.)"""

from __future__ import annotations

import base64
import json
import re
import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cobalt_sync.sandbox.server import SandboxServer
from tests.conftest import TEST_KEY, Sandbox
from tests.sandbox.conftest import API

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def hosted_url(box: Sandbox, account_id: str, account_name: str, **props: str) -> str:
    """A Connect link for `account_id` (created with `account_name`); `props` is the body."""
    with httpx.Client(base_url=box.url + API, headers={"x-api-key": TEST_KEY}) as api:
        api.put("/linked-account", json={"account_id": account_id, "name": account_name})
        token = api.post(
            "/session-token",
            json={"linked_account_id": account_id},
            params={"force_refresh": "true"},
        ).json()["token"]
        reply = api.post("/connect-url", json=props, headers={"authorization": f"Bearer {token}"})
    return str(reply.json()["hosted_url"])


@pytest.fixture
def browser(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A cookie-keeping client, as a browser would be."""
    with httpx.Client(base_url=sandbox.url) as client:
        yield client


@pytest.fixture
def org(sandbox: Sandbox) -> Sandbox:
    for slug in ("hubspot", "15file"):
        sandbox.dashboard_enable(slug)
    return sandbox


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form"
    return found.group(1)


def test_a_token_sees_and_changes_only_its_own_account(org: Sandbox, browser: httpx.Client) -> None:
    mine = hosted_url(org, "a1", "Alice Co")
    theirs = hosted_url(org, "b2", "Bob Co")
    org.post("connect", key=TEST_KEY, account_id="a1", slug="hubspot")
    org.post("connect", key=TEST_KEY, account_id="b2", slug="15file")
    page = browser.get(mine)
    assert "Alice Co" in page.text and "Bob Co" not in page.text
    assert re.findall(
        r'data-slug="(\w+)">\s*<span class="app-name">[^<]*</span>\s*<span '
        r'class="badge ok"',
        page.text,
    ) == ["hubspot"]
    # A valid form of my session, replayed against theirs, is refused.
    token = csrf_of(page.text)
    refused = browser.post(f"{theirs}/apps/15file/disconnect", data={"csrf": token})
    assert refused.status_code == 403
    assert org.inspect()["linked_accounts"][1]["integrations"] == ["15file"]


@pytest.mark.parametrize(
    ("headers", "keep_cookie", "field"),
    [
        ({}, True, ""),  # no token in the form
        ({"origin": "https://evil.example"}, True, None),  # another site
        ({}, False, None),  # the form without this browser's cookie
    ],
    ids=["no-field", "foreign-origin", "no-cookie"],
)
def test_forms_are_protected_against_cross_site_requests(
    org: Sandbox,
    browser: httpx.Client,
    headers: dict[str, str],
    keep_cookie: bool,
    field: str | None,
) -> None:
    url = hosted_url(org, "a1", "Alice Co")
    org.post("connect", key=TEST_KEY, account_id="a1", slug="15file")
    token = csrf_of(browser.get(url).text)
    if not keep_cookie:
        browser.cookies.clear()
    sent = browser.post(
        f"{url}/apps/15file/disconnect",
        data={"csrf": token if field is None else field},
        headers=headers,
    )
    assert sent.status_code == 403
    assert org.inspect()["linked_accounts"][0]["integrations"] == ["15file"]


def test_a_revoked_or_forged_link_shows_the_expired_page(
    org: Sandbox, browser: httpx.Client
) -> None:
    url = hosted_url(org, "a1", "Alice Co")
    token = url.rsplit("/", 1)[1]
    httpx.post(f"{org.url}{API}/session-token/revoke", headers={"authorization": f"Bearer {token}"})
    for link in (url, url[:-3] + "xyz", f"{url}/apps/hubspot"):
        page = browser.get(link, follow_redirects=False)
        assert page.status_code == 401
        assert "This link has expired" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"


def test_the_key_form_enforces_required_fields_and_keeps_no_credentials(
    org: Sandbox, browser: httpx.Client
) -> None:
    url = hosted_url(org, "a1", "Alice Co")
    form = browser.get(f"{url}/apps/15file")
    assert 'type="password"' in form.text and "required" in form.text
    empty = browser.post(f"{url}/apps/15file", data={"csrf": csrf_of(form.text), "api_key": " "})
    assert empty.status_code == 400 and "API key is required" in empty.text
    assert org.inspect()["linked_accounts"][0]["integrations"] == []
    done = browser.post(
        f"{url}/apps/15file", data={"csrf": csrf_of(form.text), "api_key": "CANARY-key-77"}
    )
    assert done.status_code == 303
    assert org.inspect()["linked_accounts"][0]["integrations"] == ["15file"]
    assert "CANARY-key-77" not in str(org.inspect())


def test_consent_goes_only_to_the_registered_callback_and_only_once(
    org: Sandbox, browser: httpx.Client
) -> None:
    url = hosted_url(org, "a1", "Alice Co")
    consent_url = browser.get(f"{url}/apps/hubspot").headers["location"]
    evil = consent_url.replace("redirect_uri=", "redirect_uri=https%3A%2F%2Fevil.example%2F&x=")
    page = browser.get(evil)
    assert page.status_code == 200 and "Cobalt (default credentials)" in page.text
    state = parse_qs(urlsplit(consent_url).query)["state"][0]
    allowed = browser.post(
        evil, data={"csrf": csrf_of(page.text), "state": state, "decision": "allow"}
    )
    callback = allowed.headers["location"]
    assert callback.startswith(f"{org.url}/api/v1/hubspot/callback?")
    back = browser.get(callback)
    assert back.status_code == 303 and back.headers["location"].endswith("?connected=hubspot")
    assert org.inspect()["linked_accounts"][0]["integrations"] == ["hubspot"]
    replayed = browser.get(callback)
    assert replayed.status_code == 400 and "already used" in replayed.text


def test_a_consent_url_from_the_api_completes_too(org: Sandbox, browser: httpx.Client) -> None:
    with httpx.Client(base_url=org.url + API, headers={"x-api-key": TEST_KEY}) as api:
        api.put("/linked-account", json={"account_id": "a1"})
        auth_url = api.get(
            "/linked-account/integration/oauth-url/hubspot", headers={"linked_account_id": "a1"}
        ).json()["auth_url"]
    page = browser.get(auth_url)
    state = parse_qs(urlsplit(auth_url).query)["state"][0]
    denied = browser.post(
        auth_url, data={"csrf": csrf_of(page.text), "state": state, "decision": "deny"}
    )
    shown = browser.get(denied.headers["location"])
    assert "Hubspot not connected" in shown.text and "access_denied" in shown.text
    assert org.inspect()["linked_accounts"][0]["integrations"] == []


def test_request_values_are_escaped_and_colours_sanitised(
    org: Sandbox, browser: httpx.Client
) -> None:
    url = hosted_url(
        org, "a1", "<script>alert(1)</script>", name="<b>Acme</b>", color="red;} *{display:none"
    )
    page = browser.get(url).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<b>Acme</b>" not in page
    assert "theme.css" not in page  # an invalid colour is dropped, not passed into CSS
    themed = hosted_url(org, "a2", "A", color="#aa3300", bgColor="papayawhip")
    assert browser.get(f"{themed}/theme.css").text == (
        ":root { --accent: #aa3300; --page: papayawhip; }\n"
    )


def sign_in(browser: httpx.Client, key: str) -> str:
    """Sign the browser in to the dashboard with `key`; the path of that org's page."""
    form = browser.get("/_sandbox/login")
    assert form.status_code == 200 and "Sign in" in form.text
    signed = browser.post("/_sandbox/login", data={"csrf": csrf_of(form.text), "key": key})
    assert signed.status_code == 303, signed.text
    return str(signed.headers["location"])


def test_the_dashboard_shows_an_org_only_after_signing_in_with_its_key(
    sandbox: Sandbox, browser: httpx.Client
) -> None:
    org_id = sandbox.inspect()["org"]
    assert "Sign in" in browser.get("/_sandbox/").text  # not signed in: the sign-in form
    assert browser.get(f"/_sandbox/org/{org_id}/test").status_code == 401
    form = browser.get("/_sandbox/login")
    wrong = browser.post("/_sandbox/login", data={"csrf": csrf_of(form.text), "key": "tk_nope"})
    assert wrong.status_code == 401 and "not an API key this sandbox accepts" in wrong.text
    assert "tk_sandbox" not in wrong.text and "tk_nope" not in wrong.text
    forged = browser.post("/_sandbox/login", data={"csrf": "0" * 64, "key": TEST_KEY})
    assert forged.status_code == 403
    assert sign_in(browser, TEST_KEY) == f"/_sandbox/org/{org_id}/test"
    index = browser.get("/_sandbox/").text
    assert f"/_sandbox/org/{org_id}/test" in index
    assert f"/_sandbox/org/{org_id}/production" not in index  # pk_ was not typed
    assert "tk_sandbox" not in index and "_sandbox ·" not in index
    assert browser.get(f"/_sandbox/org/{org_id}/production").status_code == 401
    with httpx.Client(base_url=sandbox.url) as stranger:  # another browser: no cookie
        assert stranger.get(f"/_sandbox/org/{org_id}/test").status_code == 401
    out = browser.post("/_sandbox/logout", data={"csrf": csrf_of(index)})
    assert out.status_code == 303
    assert browser.get(f"/_sandbox/org/{org_id}/test").status_code == 401


def test_dashboard_forms_change_the_org_and_never_show_the_secret(
    sandbox: Sandbox, browser: httpx.Client
) -> None:
    org_page = sign_in(browser, TEST_KEY)
    page = browser.get(org_page)
    assert page.status_code == 200
    enabled = browser.post(
        org_page, data={"csrf": csrf_of(page.text), "action": "enable", "slug": "hubspot"}
    )
    assert enabled.status_code == 303
    assert sandbox.inspect()["apps_enabled"] == ["hubspot"]
    form = {"csrf": csrf_of(page.text), "action": "set-oauth", "slug": "hubspot"}
    bad = browser.post(org_page, data={**form, "client_id": "", "client_secret": "x"})
    assert bad.status_code == 400 and "client_id is required" in bad.text
    saved = browser.post(
        org_page,
        data={**form, "client_id": "hub-1", "client_secret": "CANARY-dash-9", "scopes": "a, b"},
    )
    assert saved.status_code == 303
    assert sandbox.inspect()["oauth"]["hubspot"]["scopes"] == ["a", "b"]
    shown = browser.get(org_page).text
    assert "hub-1" in shown and "CANARY-dash-9" not in shown
    production = sign_in(browser, "pk_sandbox")
    other_org = browser.post(
        production, data={"csrf": csrf_of(page.text), "action": "enable", "slug": "stripe"}
    )
    assert other_org.status_code == 403  # a form of one org's page is not valid for another
    assert sandbox.inspect("pk_sandbox")["apps_enabled"] == []


def outward_address() -> str | None:
    """This machine's address on a non-loopback interface, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for UDP connect
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


@pytest.mark.parametrize("allow", [False, True], ids=["default", "allow-remote-admin"])
def test_admin_routes_answer_only_loopback_unless_allowed(allow: bool) -> None:
    address = outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to test from")
    with SandboxServer(
        host="0.0.0.0", port=0, allow_remote_admin=allow, allowed_hosts=[address]
    ) as server:
        remote_url = f"http://{address}:{server.port}"
        local = httpx.get(f"http://127.0.0.1:{server.port}/_sandbox/")
        remote = httpx.get(f"{remote_url}/_sandbox/")
        keyed = httpx.post(f"{remote_url}/_sandbox/reset", headers={"x-api-key": TEST_KEY})
        keyless = httpx.post(f"{remote_url}/_sandbox/reset")
        api = httpx.get(f"{remote_url}{API}/auth-structure/hubspot")
    assert local.status_code == 200
    assert remote.status_code == (200 if allow else 403)
    assert keyed.status_code == (200 if allow else 403)
    assert keyless.status_code == (401 if allow else 403)  # the key is needed either way
    assert api.status_code == 200  # the API itself is not an admin route
    if not allow:
        assert "--allow-remote-admin" in remote.text


def test_a_host_name_the_sandbox_was_not_told_about_is_421() -> None:
    address = outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to test from")
    with SandboxServer(host="0.0.0.0", port=0) as server:
        refused = httpx.get(f"http://{address}:{server.port}{API}/auth-structure/hubspot")
    assert refused.status_code == 421
    assert "--allowed-host" in refused.json()["message"]


def test_an_oauth_app_without_any_client_says_so_instead_of_failing_at_the_provider(
    sandbox: Sandbox, browser: httpx.Client
) -> None:
    sandbox.dashboard_enable("clio_manage")  # no Cobalt default credentials for this app
    url = hosted_url(sandbox, "a1", "Alice Co")
    page = browser.get(f"{url}/apps/clio_manage", follow_redirects=False)
    assert page.status_code == 409 and "no OAuth client configured" in page.text
    sandbox.dashboard_set_oauth("clio_manage", "clio-1", "s")
    assert "client_id=clio-1" in browser.get(f"{url}/apps/clio_manage").headers["location"]


@pytest.mark.parametrize("moment", ["before Allow", "before the callback"])
def test_a_consent_whose_session_was_revoked_ends_expired_with_nothing_connected(
    org: Sandbox, browser: httpx.Client, moment: str
) -> None:
    url = hosted_url(org, "a1", "Alice Co")
    token = url.rsplit("/", 1)[1]
    consent_url = browser.get(f"{url}/apps/hubspot").headers["location"]
    page = browser.get(consent_url)
    state = parse_qs(urlsplit(consent_url).query)["state"][0]
    form = {"csrf": csrf_of(page.text), "state": state, "decision": "allow"}
    revoke = {"authorization": f"Bearer {token}"}
    if moment == "before Allow":
        httpx.post(f"{org.url}{API}/session-token/revoke", headers=revoke).raise_for_status()
        ended = browser.post(consent_url, data=form)
    else:
        allowed = browser.post(consent_url, data=form)
        assert allowed.status_code == 303
        httpx.post(f"{org.url}{API}/session-token/revoke", headers=revoke).raise_for_status()
        ended = browser.get(allowed.headers["location"])
    assert ended.status_code == 401 and "This link has expired" in ended.text
    assert org.inspect()["linked_accounts"][0]["integrations"] == []


def test_tokens_and_ids_show_no_part_of_a_key(org: Sandbox, browser: httpx.Client) -> None:
    """The session token's readable payload holds an opaque id, not the org or account; the
    org id is random, so neither leads to the key (`tk_sandbox` here)."""
    url = hosted_url(org, "a1", "Alice Co")
    token = url.rsplit("/", 1)[1]
    _, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(claims) == {"sid", "iat", "exp"}
    assert "Alice" not in json.dumps(claims) and 'a1"' not in json.dumps(claims)
    with httpx.Client(
        base_url=org.url + API, headers={"authorization": f"Bearer {token}"}
    ) as session:
        active = session.get("/session/active-linked-account")
    org_id = active.json()["associated_org"]
    assert re.fullmatch(r"[0-9a-f]{24}", org_id)
    pages = [active.text, browser.get(url).text, browser.get(f"{url}/apps/15file").text]
    for text in pages:
        for spelling in ("tk_sandbox", "pk_sandbox", "org_sandbox", "sandbox/test"):
            assert spelling not in text


def test_the_dashboard_shows_variables_fired_events_and_mcp_servers_and_takes_env_steps(
    sandbox: Sandbox, browser: httpx.Client
) -> None:
    sandbox.dashboard_enable("slack")
    headers = {"x-api-key": TEST_KEY}
    with httpx.Client(base_url=sandbox.url + API, headers=headers) as api:
        api.put("/linked-account", json={"account_id": "cust-1"}).raise_for_status()
        api.post("/application/event", json={"name": "Order Placed", "response": {"id": 1}})
        fired = {"event": "Order Placed", "payload": {"id": 42}}
        api.post("/event/slack", json=fired, headers={"linked_account_id": "cust-1"})
        api.post("/mcp-servers", json={"name": "Support bot", "description": "Answers"})
    org_page = sign_in(browser, TEST_KEY)
    page = browser.get(org_page)
    assert 'id="events-fired"' in page.text and '<code class="small">{"id": 42}</code>' in page.text
    assert "Support bot" in page.text
    # The scope choices, in the plan's wording with the API's value beside each.
    assert '<option value="organization">organization (org)</option>' in page.text
    form = {"csrf": csrf_of(page.text), "action": "define-env", "name": "CRM_TOKEN"}
    created = browser.post(org_page, data={**form, "scope": "organization", "encrypted": "on"})
    assert created.status_code == 303
    again = browser.post(org_page, data={**form, "scope": "organization"})
    assert again.status_code == 400 and "a definition named CRM_TOKEN exists" in again.text
    with httpx.Client(base_url=sandbox.url + API, headers=headers) as api:
        [definition] = api.get("/env/definitions", params={"scope": "org"}).json()["docs"]
        assert (definition["scope"], definition["encrypted"]) == ("org", True)
        body = {"variable_definition_id": definition["_id"], "value": "CANARY-env-31"}
        value_id = api.post("/env/values", json=body).json()["_id"]
    shown = browser.get(org_page).text
    assert "[REDACTED]" in shown and "CANARY-env-31" not in shown
    removed = browser.post(
        org_page,
        data={"csrf": csrf_of(shown), "action": "remove-env-value", "value_id": value_id},
    )
    assert removed.status_code == 303
    assert "not set" in browser.get(org_page).text
