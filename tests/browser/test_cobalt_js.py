"""The assisted Connect flow with Cobalt's own frontend SDK (`@cobaltio/cobalt-js`, pinned in
`.ci/run`, installed into `.ci/sdk/`) in a real headless Chromium: a customer's page on another
origin loads the SDK's published `cobalt.js` unchanged and points `baseUrl` at the sandbox.
Nothing here is our code on the client side; the sandbox must answer what the SDK asks."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from cobalt_sync.sandbox import sdk
from tests.conftest import TEST_KEY, Sandbox

pytestmark = pytest.mark.browser

SDK_VERSION = "8.0.0"
SDK_DIR = Path(__file__).resolve().parents[2] / ".ci" / "sdk" / "node_modules" / "@cobaltio"
SDK_JS = SDK_DIR / "cobalt-js" / "cobalt.js"
PAGE = """<!doctype html><html><head><title>Integrations</title>
<script>var exports = {};</script><script src="/cobalt.js"></script>
</head><body><h1>Integrations</h1></body></html>"""


def installed_sdk() -> Path:
    if not SDK_JS.exists():
        pytest.skip(
            f"@cobaltio/cobalt-js is not installed in .ci/sdk/ (run .ci/run, or: npm install "
            f"--prefix .ci/sdk --no-save @cobaltio/cobalt-js@{SDK_VERSION})"
        )
    return SDK_JS


@pytest.fixture
def org(sandbox: Sandbox) -> str:
    """Slack on Cobalt's default client, HubSpot on the org's own, 15Five key-based; one
    customer; the session token the customer's backend would hand its page."""
    sandbox.dashboard_enable("slack")
    sandbox.dashboard_set_oauth("hubspot", client_id="hub-own-client", client_secret="s3")
    sandbox.dashboard_enable("hubspot")
    sandbox.dashboard_enable("15file")
    headers = {"x-api-key": TEST_KEY}
    with httpx.Client(base_url=sandbox.url + "/api/v2/public", headers=headers) as api:
        api.put("/linked-account", json={"linked_account_id": "cust-1", "name": "Acme"})
        token: str = api.post("/session-token", json={"linked_account_id": "cust-1"}).json()[
            "token"
        ]
    return token


class CustomerSite(http.server.BaseHTTPRequestHandler):
    """The customer's own dev server: its integrations page and the SDK's `cobalt.js`."""

    files: ClassVar[dict[str, tuple[str, bytes]]] = {"/": ("text/html", PAGE.encode())}

    def do_GET(self) -> None:
        kind, body = self.files.get(self.path, ("text/plain", b""))
        self.send_response(200 if body else 404)
        self.send_header("content-type", kind)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


@pytest.fixture
def customer_site() -> Iterator[str]:
    """http://localhost:PORT: another origin than the sandbox's 127.0.0.1:PORT."""
    sdk = installed_sdk().read_bytes()
    CustomerSite.files["/cobalt.js"] = ("application/javascript", sdk)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CustomerSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def sdk_page(browser_page: Any, sandbox: Sandbox, org: str, customer_site: str) -> Iterator[Any]:
    page = browser_page
    page.goto(f"{customer_site}/")
    page.evaluate(
        "([token, baseUrl]) => { window.cobalt = new exports.Cobalt({token, baseUrl}); }",
        [org, sandbox.url],
    )
    yield page


def call(page: Any, expression: str) -> Any:
    """Await one SDK call in the page; a rejection comes back as {"error": message}."""
    return page.evaluate(
        f"async () => {{ try {{ return await cobalt.{expression}; }}"
        " catch (e) { return {error: String(e.message || e)}; } }"
    )


def connect_through_popup(page: Any, slug: str) -> tuple[str, bool]:
    """`connect(slug)` for an OAuth app: the SDK opens the consent in a popup and polls until
    the app is connected. Returns what the consent page named as the client, and the result."""
    with page.context.expect_page() as opened:
        page.evaluate(
            f"() => {{ window.result = undefined;"
            f" cobalt.connect('{slug}').then(v => window.result = v,"
            " e => window.result = 'error: ' + e.message); }"
        )
    popup = opened.value
    popup.wait_for_load_state()
    client = popup.locator("#client").inner_text()
    popup.get_by_role("button", name="Allow").click()
    page.wait_for_function("window.result !== undefined", timeout=20_000)
    if not popup.is_closed():  # the SDK closes its popup once the app reads connected
        popup.wait_for_event("close")
    return client, page.evaluate("window.result")


def test_get_app_lists_exactly_the_enabled_apps(sdk_page: Any, sandbox: Sandbox) -> None:
    apps = call(sdk_page, "getApp()")
    assert isinstance(apps, list), apps
    assert sorted(app["slug"] for app in apps) == ["15file", "hubspot", "slack"]
    for app in apps:
        assert app["auth_type"] in ("oauth2", "keybased")
        assert app["connected"] is False and app["reauth_required"] is False
    sandbox.dashboard_enable("slack", enabled=False)
    assert sorted(app["slug"] for app in call(sdk_page, "getApp()")) == ["15file", "hubspot"]


def test_get_app_gives_a_key_based_apps_input_map(sdk_page: Any) -> None:
    app = call(sdk_page, "getApp('15file')")
    assert app["auth_type"] == "keybased"
    assert [field["name"] for field in app["auth_input_map"]] == ["api_key"]
    assert call(sdk_page, "getApp('salesforce')") == {"error": "Not Found"}  # not enabled


def test_connect_a_key_based_app_then_disconnect(sdk_page: Any, sandbox: Sandbox) -> None:
    assert call(sdk_page, "connect('15file', {})") == {"error": "Bad Request"}
    assert call(sdk_page, "connect('15file', {api_key: 'CANARY-k-77'})") is True
    assert call(sdk_page, "getApp('15file')")["connected"] is True
    assert sandbox.inspect()["linked_accounts"][0]["integrations"] == ["15file"]
    assert call(sdk_page, "disconnect('15file')") is None
    assert call(sdk_page, "getApp('15file')")["connected"] is False


def test_connect_oauth_apps_through_the_popup(sdk_page: Any, sandbox: Sandbox) -> None:
    assert connect_through_popup(sdk_page, "hubspot") == ("OAuth client hub-own-client", True)
    assert connect_through_popup(sdk_page, "slack") == ("Cobalt (default credentials)", True)
    connected = {app["slug"]: app["connected"] for app in call(sdk_page, "getApp()")}
    assert connected == {"15file": False, "hubspot": True, "slack": True}
    assert sandbox.inspect()["linked_accounts"][0]["integrations"] == ["hubspot", "slack"]


def test_config_create_read_update_delete(sdk_page: Any) -> None:
    created = call(sdk_page, "config({slug: 'slack', labels: [{name: 'team', value: 'ops'}]})")
    assert (created["slug"], created["config_id"], created["fields"]) == ("slack", "default", [])
    updated = call(
        sdk_page,
        "updateConfig({slug: 'slack', fields: {channel: '#ops'},"
        " workflows: [{id: 'wf-1', enabled: true, fields: {quiet: true}}]})",
    )
    assert updated["fields"] == [{"id": "channel", "name": "channel", "value": "#ops"}]
    assert updated["workflows"] == [
        {"id": "wf-1", "enabled": True, "fields": [{"id": "quiet", "value": True}]}
    ]
    assert call(sdk_page, "getConfig('slack')") == updated
    assert call(sdk_page, "deleteConfig('slack')") == {"message": "Config deleted"}
    assert call(sdk_page, "getConfig('slack')") == {"error": "Not Found"}
    # A named config is its own installation.
    call(sdk_page, "config({slug: 'slack', config_id: 'eu', labels: []})")
    assert call(sdk_page, "getConfig('slack', 'eu')")["config_id"] == "eu"


def test_account_details_name_the_customer_and_no_key(sdk_page: Any) -> None:
    details = call(sdk_page, "getAccountDetails()")
    assert details["customer"] == {"_id": "cust-1", "name": "Acme"}
    assert TEST_KEY not in str(details)


def test_a_revoked_token_is_refused(sdk_page: Any, sandbox: Sandbox, org: str) -> None:
    revoke = httpx.post(
        sandbox.url + "/api/v2/public/session-token/revoke",
        headers={"authorization": f"Bearer {org}"},
    )
    assert revoke.status_code == 200
    assert call(sdk_page, "getApp()") == {"error": "Unauthorized"}


OPTIONAL_SEGMENT = re.compile(r"\$\{(\w+) \? `/\$\{\w+\}` : \"\"\}")


def sdk_calls(source: str) -> set[tuple[str, str]]:
    """(method, path) of every `fetch` in the SDK's published JS, with Starlette's `{name}`
    placeholders; an optional `/${x}` segment counts both ways."""
    lines = source.splitlines()
    calls: set[tuple[str, str]] = set()
    for n, line in enumerate(lines):
        if "fetch(`${this.baseUrl}" not in line:
            continue
        template = line.split("${this.baseUrl}", 1)[1].rsplit("`, {", 1)[0]
        template = re.sub(r"\?\$\{new URLSearchParams.*", "", template)  # the query string
        found = re.search(r'method: "(\w+)"', "\n".join(lines[n + 1 : n + 3]))
        method = found.group(1) if found else "GET"
        for segment in ("", r"/{\1}"):
            path = OPTIONAL_SEGMENT.sub(segment, template)
            path = re.sub(r"\$\{(\w+)\}", r"{\1}", path).replace("{configId}", "{config_id}")
            calls.add((method, path))
    return calls


def test_the_sandbox_serves_exactly_the_routes_the_sdk_calls() -> None:
    served = {
        (method, route.path)
        for route in sdk.ROUTES
        for method in route.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert served == sdk_calls(installed_sdk().read_text(encoding="utf-8"))


def test_a_popup_consent_whose_token_was_revoked_connects_nothing(
    sdk_page: Any, sandbox: Sandbox, org: str
) -> None:
    with sdk_page.context.expect_page() as opened:
        sdk_page.evaluate(
            "() => { window.result = undefined; cobalt.connect('slack').then("
            "v => window.result = v, e => window.result = 'error: ' + e.message); }"
        )
    popup = opened.value
    popup.wait_for_load_state()
    revoke = httpx.post(
        sandbox.url + "/api/v2/public/session-token/revoke",
        headers={"authorization": f"Bearer {org}"},
    )
    assert revoke.status_code == 200
    popup.get_by_role("button", name="Allow").click()
    assert popup.get_by_role("heading").inner_text() == "This link has expired"
    sdk_page.wait_for_function("window.result !== undefined", timeout=20_000)
    assert sdk_page.evaluate("window.result") == "error: Unauthorized"
    assert sandbox.inspect()["linked_accounts"][0]["integrations"] == []
