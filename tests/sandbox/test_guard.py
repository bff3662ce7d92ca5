"""The sandbox's outer wall, over plain HTTP: every admin route keyed (and the error naming no
key), the Host allow-list, Origin checked against that list and never against Host, writes
only as JSON (or the pages' own forms), body limits enforced before a body is read whole.
(tests/browser shows the same refusals from a page in Chromium.)"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from cobalt_sync.sandbox.guard import MAX_FORM_BYTES, MAX_JSON_BYTES
from cobalt_sync.sandbox.server import SandboxServer
from tests.conftest import TEST_KEY, Sandbox
from tests.sandbox.conftest import API

KEY = {"x-api-key": TEST_KEY}
FAULTS_AT_START = {"error_rate": 0.0, "latency_ms": 0.0}

# Every admin JSON route, with a body that would change something if it were accepted.
ADMIN_ROUTES: list[tuple[str, str, dict[str, object] | None]] = [
    ("POST", "reset", None),
    ("POST", "seed", {"linked_accounts": 3}),
    ("GET", "inspect", None),
    ("GET", "faults", None),
    ("POST", "faults", {"error_rate": 1}),
    ("GET", "stats", None),
    ("POST", "stats/reset", None),
    ("POST", "connect", {"account_id": "a1", "slug": "hubspot"}),
    ("POST", "dashboard/apps/hubspot", {"enabled": True}),
    ("PUT", "dashboard/oauth/hubspot", {"client_id": "c", "client_secret": "s"}),
    ("DELETE", "dashboard/oauth/hubspot", None),
    ("POST", "dashboard/env/definitions", {"name": "X"}),
]


def said(response: httpx.Response) -> str:
    """The message of a refusal: the admin API's `error`, the vendor envelope's `message`."""
    body = response.json()
    return str(body.get("message") or body["error"])


def untouched(sandbox: Sandbox) -> None:
    """The org and the sandbox's faults are as the reset left them."""
    org = sandbox.inspect()
    assert (org["apps_enabled"], org["oauth"], org["counts"]) == (
        [],
        {},
        {"events": 0, "linked_accounts": 0},
    )
    faults = sandbox.get("faults")
    assert {name: faults[name] for name in FAULTS_AT_START} == FAULTS_AT_START


@pytest.mark.parametrize(
    ("method", "path", "body"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p, _ in ADMIN_ROUTES]
)
@pytest.mark.parametrize("key", [None, "tk_wrong", "tk_sandbo"], ids=["no key", "wrong", "near"])
def test_every_admin_route_needs_a_key_of_this_sandbox_from_loopback_too(
    sandbox: Sandbox, method: str, path: str, body: dict[str, object] | None, key: str | None
) -> None:
    sandbox.post("seed", linked_accounts=1, account_prefix="keep-")  # something to wipe
    headers = {"x-api-key": key} if key else {}
    refused = httpx.request(method, f"{sandbox.url}/_sandbox/{path}", json=body, headers=headers)
    assert refused.status_code == 401, refused.text
    message = refused.json()["error"]
    assert "x-api-key" in message
    for part in ("tk_", "pk_", "_sandbox", "known keys"):
        assert part not in refused.text
    assert sandbox.inspect()["counts"]["linked_accounts"] == 1
    assert sandbox.get("faults")["error_rate"] == 0.0


def test_reset_empties_only_the_keys_org(sandbox_server: SandboxServer) -> None:
    with SandboxServer(api_keys=["tk_acme"]) as server:
        box = Sandbox(server)
        box.post("seed", linked_accounts=2)
        box.post("seed", key="tk_acme", linked_accounts=3)
        assert box.post("reset", key="tk_acme")["reset"] is True
        assert box.inspect()["counts"]["linked_accounts"] == 2
        assert box.inspect("tk_acme")["counts"]["linked_accounts"] == 0
        box.admin.close()


@pytest.fixture
def raw(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url) as client:
        yield client


@pytest.mark.parametrize(
    "host", ["evil.example", "rebind.attacker.test:8787", "localhost.evil.example", "[::2]"]
)
def test_an_unknown_host_header_is_421_on_every_route(
    sandbox: Sandbox, raw: httpx.Client, host: str
) -> None:
    """What a DNS-rebinding page would send: the attacker's name, resolved to 127.0.0.1."""
    for method, path in [("POST", "/_sandbox/reset"), ("GET", f"{API}/linked-account")]:
        refused = raw.request(method, path, headers={**KEY, "host": host})
        assert refused.status_code == 421, refused.text
        assert "does not answer to the host name" in said(refused)
        assert "--allowed-host" in said(refused)
    sandbox.post("seed", linked_accounts=1)
    assert sandbox.inspect()["counts"]["linked_accounts"] == 1  # nothing was reset


def test_loopback_names_and_allowed_hosts_are_answered() -> None:
    with SandboxServer(allowed_hosts=["devbox.example", "proxy.example:9000"]) as server:
        for host in ("127.0.0.1", "localhost", f"localhost:{server.port}", "devbox.example"):
            answered = httpx.get(f"{server.url}{API}/linked-account", headers={**KEY, "host": host})
            assert answered.status_code == 200, host
        # An Origin through a proxy names the proxy's port: allowed when listed with it.
        proxied = httpx.post(
            f"{server.url}/_sandbox/stats/reset",
            headers={**KEY, "origin": "http://proxy.example:9000"},
        )
        assert proxied.status_code == 200
        elsewhere = httpx.post(
            f"{server.url}/_sandbox/stats/reset",
            headers={**KEY, "origin": "http://devbox.example:9001"},
        )
        assert elsewhere.status_code == 403


@pytest.mark.parametrize(
    "origin",
    ["http://localhost:3000", "http://127.0.0.1:1", "https://evil.example", "null"],
)
def test_a_write_from_another_origin_is_refused_whatever_the_host_header_says(
    sandbox: Sandbox, raw: httpx.Client, origin: str
) -> None:
    port = sandbox.server.port
    refused = raw.post(
        "/_sandbox/faults", json={"error_rate": 1}, headers={**KEY, "origin": origin}
    )
    assert refused.status_code == 403, refused.text
    assert "sent by a page on another site" in said(refused)
    # Host made to match the Origin (as a rebinding page's would): still refused.
    matching = raw.post(
        "/_sandbox/faults",
        json={"error_rate": 1},
        headers={**KEY, "origin": origin, "host": origin.split("//")[-1]},
    )
    assert matching.status_code in (403, 421), matching.text
    same = raw.post(
        "/_sandbox/faults", json={"latency_ms": 0}, headers={**KEY, "origin": sandbox.url}
    )
    assert same.status_code == 200  # the sandbox's own origin is fine
    localhost = raw.post(
        "/_sandbox/faults",
        json={"latency_ms": 0},
        headers={**KEY, "origin": f"http://localhost:{port}"},
    )
    assert localhost.status_code == 200
    untouched(sandbox)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/_sandbox/faults", "text/plain;charset=UTF-8"),
        ("/_sandbox/dashboard/apps/hubspot", "text/plain"),
        ("/_sandbox/seed", "application/x-www-form-urlencoded"),
        ("/_sandbox/reset", "multipart/form-data; boundary=x"),
        (f"{API}/linked-account", "text/plain"),
        (f"{API}/application/hubspot/enable", "text/plain"),
        ("/_sandbox/faults", None),
    ],
)
def test_writes_take_only_json(
    sandbox: Sandbox, raw: httpx.Client, path: str, content_type: str | None
) -> None:
    """A no-cors request from a page can only be a "simple" one: text/plain, a form or
    multipart. None of them is JSON, so none of them gets through."""
    headers = {**KEY, **({"content-type": content_type} if content_type else {})}
    method = "PUT" if path.endswith(("/enable", "linked-account")) else "POST"
    refused = raw.request(
        method, path, content=b'{"error_rate": 1, "enabled": true}', headers=headers
    )
    assert refused.status_code == 415, refused.text
    assert "application/json" in refused.text
    untouched(sandbox)


def test_form_routes_take_only_forms(sandbox: Sandbox, raw: httpx.Client) -> None:
    refused = raw.post("/_sandbox/login", json={"key": TEST_KEY})
    assert refused.status_code == 415
    assert "application/x-www-form-urlencoded" in said(refused)


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read(
    sandbox: Sandbox,
) -> None:
    """Headers only: the sandbox answers without waiting for a byte of the 1 GB body."""
    host, port = "127.0.0.1", sandbox.server.port
    for path, content_type in [
        ("/_sandbox/seed", "application/json"),
        (f"{API}/linked-account", "application/json"),
        ("/connect/x/apps/15file", "application/x-www-form-urlencoded"),
    ]:
        with socket.create_connection((host, port), timeout=10) as conn:
            conn.sendall(
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nx-api-key: {TEST_KEY}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {1 << 30}\r\n\r\n".encode()
            )
            reply = b"".join(iter(lambda: conn.recv(65536), b"")).decode()  # until closed
        assert reply.startswith("HTTP/1.1 413"), reply
        assert "Request body too large" in reply and "connection: close" in reply.lower()


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    yield b'{"linked_accounts": 1, "pad": "'
    while sent < total:
        yield b"x" * size
        sent += size


@pytest.mark.parametrize(
    ("path", "limit", "content_type"),
    [
        ("/_sandbox/seed", MAX_JSON_BYTES, "application/json"),
        (f"{API}/linked-account", MAX_JSON_BYTES, "application/json"),
        ("/_sandbox/login", MAX_FORM_BYTES, "application/x-www-form-urlencoded"),
    ],
)
def test_a_streamed_body_over_the_limit_is_413_while_reading(
    sandbox: Sandbox, path: str, limit: int, content_type: str
) -> None:
    """Chunked, so no length is declared: the limit is counted as the body comes in."""
    headers = {**KEY, "content-type": content_type}
    try:
        response = httpx.post(
            sandbox.url + path, content=chunks(limit * 3), headers=headers, timeout=60
        )
    except httpx.TransportError:
        pytest.fail("the sandbox closed the connection without answering 413")
    assert response.status_code == 413, response.text
    assert "Request body too large" in response.text
    assert sandbox.inspect()["counts"]["linked_accounts"] == 0


def test_a_form_posted_with_origin_null_is_left_to_its_csrf_token(
    sandbox: Sandbox, raw: httpx.Client
) -> None:
    """Our pages send no Referer, so a browser labels their own form posts `Origin: null`:
    the guard lets those through to the CSRF check, which refuses a forged one (403 page)
    and takes a real one. `null` on the JSON admin API stays refused."""
    page = raw.get("/_sandbox/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    null = {"origin": "null"}
    forged = raw.post("/_sandbox/login", data={"csrf": "0" * 64, "key": TEST_KEY}, headers=null)
    assert forged.status_code == 403 and "Form expired" in forged.text
    real = raw.post("/_sandbox/login", data={"csrf": csrf, "key": TEST_KEY}, headers=null)
    assert real.status_code == 303
    elsewhere = raw.post(
        "/_sandbox/login",
        data={"csrf": csrf, "key": TEST_KEY},
        headers={"origin": "http://localhost:3000"},
    )
    assert elsewhere.status_code == 403 and "another site" in said(elsewhere)
    api = raw.post("/_sandbox/faults", json={"error_rate": 1}, headers={**KEY, **null})
    assert api.status_code == 403
    untouched(sandbox)
