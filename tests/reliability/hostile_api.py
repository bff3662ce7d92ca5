"""A deliberately broken "Cobalt" for scenario 5: a small raw ASGI app on 127.0.0.1 that
answers reads (an empty org) or writes with one chosen kind of bad reply, and a second
listener that records every request it gets (the host a redirect points to).

Test scaffolding only: it knows just enough of the vendor routes to let `plan` and `apply`
reach the phase under test.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import Message, Receive, Scope, Send

PREFIX = "/api/v2/public"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

MODES = (
    "html",
    "truncated-json",
    "cut-connection",
    "wrong-types",
    "missing-fields",
    "error-in-200",
    "redirect-elsewhere",
    "slow-headers",
    "slow-body",
    "empty-200",
    "huge-body",
    "endless-pages",
    "deep-json",
    "deep-json-inside",
)


@dataclass
class Recorder:
    """Every request a listener saw: method, path and headers (lower-case names)."""

    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def add(self, scope: Scope) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.requests.append((scope["method"], scope["path"], headers))


@dataclass
class HostileSettings:
    mode: str = "html"
    phase: str = "reads"  # which requests get the bad reply: "reads" | "writes"
    elsewhere: str = ""  # base URL of the second listener, for redirects


async def send_bytes(
    send: Send, status: int, body: bytes, content_type: bytes = b"application/json"
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type),
                        (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, value: Any) -> None:
    await send_bytes(send, status, json.dumps(value).encode())


EMPTY_PAGE = {
    "docs": [], "totalDocs": 0, "limit": 100, "page": 1, "totalPages": 1, "pagingCounter": 1,
    "hasPrevPage": False, "hasNextPage": False, "prevPage": None, "nextPage": None,
}
NOT_FOUND = {
    "status_code": 404, "http_error_type": "NOT_FOUND", "error_code": "RESOURCE_NOT_FOUND",
    "message": "not found",
}


async def healthy_read(path: str, send: Send) -> None:
    """An empty org: no apps enabled, no events, no linked accounts, default OAuth."""
    route = path.removeprefix(PREFIX)
    if route in ("/application", "/application/event"):
        await send_json(send, 200, [])
    elif route == "/linked-account":
        await send_json(send, 200, EMPTY_PAGE)
    elif route.endswith("/oauth-credentials"):
        slug = route.split("/")[2]
        await send_json(send, 200, {"slug": slug, "mode": "default", "scopes": [],
                                    "mandatory_scopes": []})
    else:
        await send_json(send, 404, NOT_FOUND)


async def wrong_types(path: str, send: Send) -> None:
    route = path.removeprefix(PREFIX)
    if route == "/linked-account":
        await send_json(send, 200, {**EMPTY_PAGE, "docs": "none", "totalDocs": "zero"})
    elif route.startswith("/application/event"):
        await send_json(send, 200, {"events": 3})
    else:
        await send_json(send, 200, [1, "two", None])


async def missing_fields(path: str, send: Send) -> None:
    route = path.removeprefix(PREFIX)
    if route == "/linked-account":
        await send_json(send, 200, {"docs": [{"name": "no id"}]})
    elif route.startswith("/application/event"):
        await send_json(send, 200, [{"name": "no id, no response"}])
    else:
        await send_json(send, 200, [{"description": "no slug"}])


async def slow_body(send: Send) -> None:
    """Headers at once, then one byte now and then, forever: every read is quick, the
    whole body never comes. Ends when the client goes away."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"[", "more_body": True})
    for _ in range(3600):
        await asyncio.sleep(0.2)
        await send({"type": "http.response.body", "body": b" ", "more_body": True})


async def huge_body(send: Send) -> None:
    """A JSON array that goes on and on, quickly: 8 MB chunks, 400 MB in all."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    chunk = b'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",' * (8 * 1024 * 1024 // 48)
    await send({"type": "http.response.body", "body": b"[", "more_body": True})
    for _ in range(50):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"1]"})


async def endless_pages(path: str, send: Send) -> None:
    """A list that claims ten billion pages: a client must not believe it (or allocate it)."""
    if path.removeprefix(PREFIX) == "/linked-account":
        docs = [{"account_id": f"page-{n}", "name": "x", "udf": []} for n in range(2)]
        await send_json(send, 200, {**EMPTY_PAGE, "docs": docs, "totalDocs": 10**12,
                                    "totalPages": 10**10, "hasNextPage": True, "nextPage": 2})
    else:
        await healthy_read(path, send)


async def deep_event(mode: str, path: str, send: Send) -> None:
    """An event whose sample is nested past Python's stack, or just under it."""
    if path.removeprefix(PREFIX) != "/application/event":
        await healthy_read(path, send)
        return
    depth = 200_000 if mode == "deep-json-inside" else 950
    deep = '{"a":' * depth + "1" + "}" * depth
    await send_json(send, 200, [{"_id": "6570a1b2c3d4e5f6a7b8c9d0", "name": "Hostile One",
                                 "raw_response": deep}])


class CutConnection(Exception):
    """Raised after a partial body: the server closes the socket mid-reply."""


async def hostile_reply(settings: HostileSettings, scope: Scope, send: Send) -> None:
    mode, path = settings.mode, scope["path"]
    if mode == "html":
        page = b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>"
        await send_bytes(send, 200, page, b"text/html")
    elif mode == "truncated-json":
        await send_bytes(send, 200, b'[{"_id": "6570a1b2c3d4e5f6a7b8c9d0", "name": "Ev')
    elif mode == "cut-connection":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b'[{"_id": "65', "more_body": True})
        raise CutConnection()
    elif mode == "wrong-types":
        await wrong_types(path, send)
    elif mode == "missing-fields":
        await missing_fields(path, send)
    elif mode == "error-in-200":
        await send_json(send, 200, {"error": "SOMETHING_WENT_WRONG", "message": "it failed"})
    elif mode == "redirect-elsewhere":
        target = settings.elsewhere + path
        await send({"type": "http.response.start", "status": 307,
                    "headers": [(b"location", target.encode()), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
    elif mode == "slow-headers":
        await asyncio.sleep(120)
        await send_json(send, 200, [])
    elif mode == "slow-body":
        await slow_body(send)
    elif mode == "empty-200":
        await send_bytes(send, 200, b"")
    elif mode == "huge-body":
        await huge_body(send)
    elif mode == "endless-pages":
        await endless_pages(path, send)
    elif mode == "deep-json":
        await send_bytes(send, 200, b"[" * 200_000 + b"]" * 200_000)
    elif mode in ("deep-json-inside", "deep-json-parseable"):
        await deep_event(mode, path, send)
    else:
        raise AssertionError(f"unknown mode {mode}")


class HostileApp:
    def __init__(self, settings: HostileSettings, recorder: Recorder) -> None:
        self.settings = settings
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.recorder.add(scope)
        body = await drain(receive)
        is_write = scope["method"] in WRITE_METHODS
        if self.settings.mode == "echo-errors" and is_write:
            await echo_error(scope, body, send)
            return
        hostile = (self.settings.phase == "writes") == is_write
        if hostile:
            await hostile_reply(self.settings, scope, send)
        else:
            await healthy_read(scope["path"], send)


class RecordingApp:
    """The other host: records and answers a plausible empty list, so a client that
    followed a redirect would look like it succeeded."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.recorder.add(scope)
        await drain(receive)
        await send_json(send, 200, [])


async def drain(receive: Receive) -> bytes:
    """The request body, read to the end."""
    message: Message = {"more_body": True}
    body = b""
    while message.get("more_body"):
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body += message.get("body", b"")
    return body


async def echo_error(scope: Scope, body: bytes, send: Send) -> None:
    """A careless server: refuses the write and quotes the request back, headers and body,
    raw and JSON-escaped, in every field a client might show."""
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    quoted = f"body={body.decode()} {scope['method']} {scope['path']} headers={headers}"
    await send_json(send, 400, {
        "status_code": 400, "http_error_type": "BAD_REQUEST", "error_code": quoted[:200],
        "error": quoted, "message": f"could not process request: {quoted}",
        "request_id": headers.get("x-api-key", ""),
    })


@contextmanager
def serve(app: Any, scheme: str = "http", **tls: Any) -> Iterator[str]:
    """Serve an ASGI app on a free 127.0.0.1 port in a thread; yields its base URL.
    `tls`: uvicorn's ssl_certfile/ssl_keyfile, to serve https."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None,
                            access_log=False, lifespan="off", log_level="critical", **tls)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("hostile server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True  # do not wait for a body that trickles forever
        thread.join(timeout=10)
