"""Fixtures for the client tests: a `CobaltApi` on the served sandbox (no pacing, no backoff),
and `hostile`, a tiny HTTP server on 127.0.0.1 that answers what a test tells it to, for
replies the sandbox never makes (HTML, cut-short JSON, redirects)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cobalt_sync.api import CobaltApi
from tests.conftest import TEST_KEY, Sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[CobaltApi]:
    with CobaltApi(sandbox.url, TEST_KEY, backoff=0, requests_per_second=None) as client:
        yield client


@pytest.fixture
def cobalt_api(cobalt_sandbox: Sandbox) -> Iterator[CobaltApi]:
    """A client on the sandbox that behaves like real Cobalt (`--profile cobalt`)."""
    with CobaltApi(cobalt_sandbox.url, TEST_KEY, backoff=0, requests_per_second=None) as client:
        yield client


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"[]"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


class HostileServer:
    """Answers every request with `reply`; remembers the paths and headers it was sent."""

    def __init__(self) -> None:
        self.reply = Reply()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                server.requests.append((self.command, self.path, dict(self.headers)))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                reply = server.reply
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, status: int, body: bytes | str, **headers: str) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.reply = Reply(status, data, {"Content-Type": "application/json", **headers})

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    yield server
    server.close()
