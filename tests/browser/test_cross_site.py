"""A page on another origin attacks the sandbox from a real headless Chromium, while the same
browser is signed in to the sandbox's dashboard: no-cors fetches with text/plain bodies, a
CORS fetch with the (public) default key, forms posted at the admin API and the dashboard,
and a DNS-rebinding page whose requests carry its own host name. Nothing changes; a control
request from the same page shows its requests do reach the sandbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARGS, CHROMIUM
from tests.conftest import TEST_KEY, Sandbox

pytestmark = pytest.mark.browser

# Each attack resolves to a short outcome; `window.outcomes` collects them by name.
ATTACKS = """
const S = %(sandbox)s, ORG = %(org_page)s, KEY = %(key)s;
const outcome = (p) => p.then(r => r.type === "opaque" ? "sent (opaque)" : String(r.status),
                              e => "blocked: " + e.name);
function post(url, fields, enctype) {
  return new Promise(done => {
    const frame = document.createElement("iframe");
    frame.name = "f" + Math.random().toString(36).slice(2);
    document.body.appendChild(frame);
    const form = document.createElement("form");
    Object.assign(form, {method: "POST", action: url, target: frame.name});
    if (enctype) form.enctype = enctype;
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      Object.assign(input, {type: "hidden", name, value});
      form.appendChild(input);
    }
    document.body.appendChild(form);
    frame.onload = () => done("posted");
    form.submit();
  });
}
const json = (body) => JSON.stringify(body);
const noCors = (method, body) => ({method, mode: "no-cors", body,
  headers: {"content-type": "text/plain", "x-api-key": KEY}});
window.outcomes = (async () => ({
  control: await outcome(fetch(S + "/api/v2/public/auth-structure/hubspot", {mode: "no-cors"})),
  faults_no_cors: await outcome(
    fetch(S + "/_sandbox/faults", noCors("POST", json({error_rate: 1})))),
  enable_no_cors: await outcome(
    fetch(S + "/_sandbox/dashboard/apps/hubspot", noCors("POST", json({enabled: true})))),
  reset_no_cors: await outcome(fetch(S + "/_sandbox/reset", {method: "POST", mode: "no-cors"})),
  account_no_cors: await outcome(
    fetch(S + "/api/v2/public/linked-account", noCors("PUT", json({account_id: "evil"})))),
  faults_cors_with_key: await outcome(fetch(S + "/_sandbox/faults", {method: "POST",
    headers: {"content-type": "application/json", "x-api-key": KEY}, body: json({error_rate: 1})})),
  enable_text_form: await post(S + "/_sandbox/dashboard/apps/hubspot",
    {'{"enabled": true, "x": "': '"}'}, "text/plain"),
  dashboard_form: await post(S + ORG, {csrf: "0".repeat(64), action: "enable", slug: "stripe"}),
  login_form: await post(S + "/_sandbox/login", {csrf: "0".repeat(64), key: KEY}),
}))();
"""

REBINDING = """
const KEY = %(key)s;
const status = (p) => p.then(r => String(r.status), e => "blocked: " + e.name);
const write = (method, path, body) => status(fetch(path, {method, body: JSON.stringify(body),
  headers: {"content-type": "application/json", "x-api-key": KEY}}));
window.outcomes = (async () => ({
  faults: await write("POST", "/_sandbox/faults", {error_rate: 1}),
  reset: await write("POST", "/_sandbox/reset", {}),
  enable: await write("POST", "/_sandbox/dashboard/apps/hubspot", {enabled: true}),
  account: await write("PUT", "/api/v2/public/linked-account", {account_id: "evil"}),
  read: await status(fetch("/api/v2/public/linked-account", {headers: {"x-api-key": KEY}})),
}))();
"""


PRIVATE_NETWORK_CHECKS = (
    "BlockInsecurePrivateNetworkRequests",
    "PrivateNetworkAccessSendPreflights",
    "PrivateNetworkAccessRespectPreflightResults",
    "LocalNetworkAccessChecks",
)


class AttackPage(BaseHTTPRequestHandler):
    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(self.html)))
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def attacker() -> Iterator[tuple[ThreadingHTTPServer, type[AttackPage]]]:
    """Another origin on this machine (another port of 127.0.0.1), serving `html`."""
    handler = type("Page", (AttackPage,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def launch(playwright_driver: Any, profile: Path, *extra: str) -> Any:
    from playwright.sync_api import Error

    try:
        context = playwright_driver.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=[*ARGS, *extra], headless=True
        )
    except Error as error:
        pytest.skip(f"chromium could not be launched: {str(error).splitlines()[0]}")
    context.set_default_timeout(15_000)
    return context


def sign_in(page: Any, sandbox: Sandbox) -> str:
    page.goto(f"{sandbox.url}/_sandbox/")
    page.get_by_label("API key").fill(TEST_KEY)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/_sandbox/org/**")
    return str(page.url).removeprefix(sandbox.url)


def untouched(sandbox: Sandbox) -> None:
    org = sandbox.inspect()
    assert (org["apps_enabled"], org["counts"]) == ([], {"events": 0, "linked_accounts": 0})
    assert sandbox.get("faults")["error_rate"] == 0.0


def script(template: str, **values: str) -> bytes:
    quoted = {name: json.dumps(value) for name, value in values.items()}
    return f"<!doctype html><body><script>{template % quoted}</script>".encode()


def test_a_page_on_another_origin_changes_nothing(
    sandbox: Sandbox, attacker: Any, playwright_driver: Any, tmp_path: Path
) -> None:
    server, handler = attacker
    context = launch(playwright_driver, tmp_path / "profile")
    try:
        page = context.new_page()
        org_page = sign_in(page, sandbox)  # the victim's browser holds a dashboard session
        sandbox.post("stats/reset")
        handler.html = script(ATTACKS, sandbox=sandbox.url, org_page=org_page, key=TEST_KEY)
        attack = context.new_page()
        attack.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        outcomes = attack.evaluate("window.outcomes")
        # Still signed in: the dashboard session was there to be abused.
        page.goto(sandbox.url + org_page)
        assert page.get_by_label("Enable an app").count() == 1
    finally:
        context.close()
    assert outcomes["control"] == "sent (opaque)"
    assert outcomes["faults_cors_with_key"] == "blocked: TypeError"  # preflight refused
    reached = sandbox.get("stats")["by_route"]
    assert reached.get("GET /api/v2/public/auth-structure/{slug}") == 1, reached
    untouched(sandbox)


def test_a_dns_rebinding_page_is_refused_for_its_host_name(
    sandbox: Sandbox, playwright_driver: Any, tmp_path: Path
) -> None:
    """The attacker's name resolves to 127.0.0.1 (as after a rebinding), so the page's
    same-origin requests reach the sandbox, may read replies and send the public default
    key — and name the attacker's host, which the sandbox refuses."""
    port = sandbox.server.port
    origin = f"http://rebind.test:{port}"
    context = launch(
        playwright_driver,
        tmp_path / "profile",
        "--host-resolver-rules=MAP rebind.test 127.0.0.1",
        # Chromium's own Private Network Access check would block these requests first;
        # browsers without it (Firefox, Safari, older Chromium) rely on the sandbox alone.
        f"--disable-features={','.join(PRIVATE_NETWORK_CHECKS)}",
    )
    try:
        page = context.new_page()
        html = script(REBINDING, key=TEST_KEY)
        # The first answer for the name came from the attacker's server, with this page.
        page.route(f"{origin}/", lambda route: route.fulfill(body=html, content_type="text/html"))
        page.goto(f"{origin}/")
        outcomes = page.evaluate("window.outcomes")
    finally:
        context.close()
    assert outcomes == {name: "421" for name in ("faults", "reset", "enable", "account", "read")}
    untouched(sandbox)
