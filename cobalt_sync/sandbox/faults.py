"""Fault injection and request accounting, as an ASGI middleware around the vendor routes.

Owns latency, stalls (no answer at all until the client gives up), the per-key token bucket
(429 + Retry-After), injected 500s, ambiguous 200s, commit-then-drop, and the stats counters.
Never applies to `/_sandbox/` admin routes nor to the pages a person clicks through (hosted
Connect, the provider stand-in, the OAuth callback): the knobs are for API clients.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cobalt_sync.sandbox.problems import ApiProblem, problem_body, send_json

ADMIN_PREFIX = "/_sandbox"
UNFAULTED_PREFIXES = (ADMIN_PREFIX, "/connect/", "/oauth/", "/api/v1/")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LOG_SIZE = 1000  # the request log keeps the most recent requests only


class DroppedConnection(Exception):
    """Raised after the response has started, so uvicorn closes the socket mid-reply."""


@dataclass(frozen=True)
class FaultSettings:
    """Every knob the admin API and `sandbox serve` flags can turn."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500,)
    drop_rate: float = 0.0
    ambiguous_success_rate: float = 0.0
    rate_limit: float | None = None
    rate_limit_burst: float | None = None
    retry_after: bool = True
    duplicate_create_status: int = 400
    not_found_status: int = 404
    echo_secrets_in_errors: bool = False
    share_events: bool = False  # one event set per org instead of per environment
    route: str | None = None
    # A stall: requests matching `stall_route` (a regex searched in "METHOD /path", every
    # faulted request when None) get no answer for `stall_ms`, or until the client hangs up.
    stall_ms: float = 0.0
    stall_route: str | None = None
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        settings = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**settings, "error_statuses": list(self.error_statuses)}

    def updated(self, changes: dict[str, Any]) -> FaultSettings:
        """A copy with `changes` applied; ValueError names the first bad setting."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        if isinstance(changes.get("error_statuses"), list):
            changes = {**changes, "error_statuses": tuple(changes["error_statuses"])}
        new = replace(self, **changes)
        new.check()
        return new

    def check(self) -> None:
        for name in ("error_rate", "drop_rate", "ambiguous_success_rate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1")
        for name in ("latency_ms", "jitter_ms", "stall_ms"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
        if self.rate_limit is not None and (
            not isinstance(self.rate_limit, int | float) or self.rate_limit <= 0
        ):
            raise ValueError("rate_limit must be a positive number of requests per second")
        if not self.error_statuses or not set(self.error_statuses) <= {500, 502, 503}:
            raise ValueError("error_statuses must be a non-empty list drawn from 500, 502, 503")
        if self.duplicate_create_status not in (400, 409):
            raise ValueError("duplicate_create_status must be 400 or 409")
        if self.not_found_status not in (404, 500):
            raise ValueError("not_found_status must be 404 or 500")
        for name in ("route", "stall_route"):
            pattern = getattr(self, name)
            try:
                if pattern is not None:
                    re.compile(pattern)
            except (re.error, TypeError) as bad:
                raise ValueError(f"{name} must be a regular expression ({bad})") from None

    @property
    def burst(self) -> float:
        if self.rate_limit_burst is not None:
            return max(1.0, float(self.rate_limit_burst))
        return max(1.0, (self.rate_limit or 0) / 5)


@dataclass
class TokenBucket:
    tokens: float
    stamp: float


@dataclass
class Stats:
    requests_total: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    writes_applied: int = 0
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    # Each stalled request: "METHOD /path?query" and when it arrived (Unix time), so a test
    # can time a client from the first request that got no answer.
    stalls: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests_total": self.requests_total,
            "log": list(self.log),
            "stalls": list(self.stalls),
            "by_route": dict(sorted(self.by_route.items())),
            "by_status": dict(sorted(self.by_status.items())),
            "writes_applied": self.writes_applied,
        }


class FaultState:
    """Current settings, the RNG they draw from, token buckets and counters."""

    def __init__(self, startup: FaultSettings) -> None:
        startup.check()
        self.startup = startup
        self.stats = Stats()
        self.apply(startup)

    def apply(self, settings: FaultSettings) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.buckets: dict[str, TokenBucket] = {}

    def reset(self) -> None:
        self.apply(self.startup)
        self.stats = Stats()

    def roll(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability

    def take_token(self, bucket_key: str) -> float:
        """0 if a request may pass, else the seconds until the bucket refills one token."""
        rate = self.settings.rate_limit
        if rate is None:
            return 0.0
        burst, now = self.settings.burst, time.monotonic()
        bucket = self.buckets.setdefault(bucket_key, TokenBucket(burst, now))
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate


class FaultMiddleware:
    """Wraps the app: faults before the handler (latency, 429, 500), drop after it."""

    def __init__(self, app: ASGIApp, state: FaultState, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.state = state
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNFAULTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        stats = self.state.stats
        stats.requests_total += 1
        route = f"{scope['method']} {self._template(scope)}"
        stats.by_route[route] += 1
        status_seen: list[int] = []

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(int(message["status"]))
                stats.by_status[str(message["status"])] += 1
            await send(message)

        try:
            if self._stalls(scope):
                replay = await self._stall(scope, receive)
                if replay is None:
                    return  # the client gave up waiting: nothing to answer
                receive = replay
            if self._faulty(scope["method"], scope["path"]):
                await self._with_faults(scope, receive, counting_send)
            else:
                await self.app(scope, receive, counting_send)
        finally:
            # A dropped reply still counts: the write was applied before the drop.
            if scope["method"] in WRITE_METHODS and status_seen and status_seen[0] < 300:
                stats.writes_applied += 1
            stats.log.append(
                {
                    "route": route,
                    "key_prefix": _key_prefix(scope),
                    "status": status_seen[0] if status_seen else None,
                }
            )

    def _template(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return str(getattr(route, "path", scope["path"]))
        return "<unknown route>"

    def _faulty(self, method: str, path: str) -> bool:
        """`route` is searched in the path, and in `METHOD path`: `^POST ` faults creates."""
        pattern = self.state.settings.route
        if pattern is None:
            return True
        return any(re.search(pattern, text) for text in (path, f"{method} {path}"))

    def _stalls(self, scope: Scope) -> bool:
        settings = self.state.settings
        if settings.stall_ms <= 0:
            return False
        request = f"{scope['method']} {scope['path']}"
        return settings.stall_route is None or re.search(settings.stall_route, request) is not None

    async def _stall(self, scope: Scope, receive: Receive) -> Receive | None:
        """Hold the request without a byte of answer for `stall_ms`. None when the client
        hung up meanwhile; else a `receive` that hands the handler the body read here."""
        query = scope.get("query_string", b"").decode("latin-1")
        request = f"{scope['method']} {scope['path']}" + (f"?{query}" if query else "")
        self.state.stats.stalls.append({"request": request, "at": time.time()})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.state.settings.stall_ms / 1000
        held: list[Message] = []
        while (left := deadline - loop.time()) > 0:
            try:
                message = await asyncio.wait_for(receive(), left)
            except TimeoutError:
                break
            if message["type"] == "http.disconnect":
                return None
            held.append(message)

        async def replay() -> Message:
            return held.pop(0) if held else await receive()

        return replay

    async def _with_faults(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings, state = self.state.settings, self.state
        delay_ms = settings.latency_ms + state.rng.uniform(0, settings.jitter_ms)
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)
        wait = state.take_token(_bucket_key(scope))
        if wait > 0:
            body = _rate_limited()
            await send_json(
                send, 429, await self._echo(body, scope, receive), _retry_headers(settings, wait)
            )
            return
        if state.roll(settings.error_rate):
            status = state.rng.choice(settings.error_statuses)
            body = _injected_error(status, scope["path"])
            await send_json(send, status, await self._echo(body, scope, receive), [])
            return
        if state.roll(settings.ambiguous_success_rate):
            body = {
                "error": "INJECTED_AMBIGUOUS_FAILURE",
                "message": "sandbox fault: 200 carrying an error",
            }
            await send_json(send, 200, body, [])
            return
        if state.roll(settings.drop_rate):
            await self._commit_then_drop(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _echo(self, body: dict[str, Any], scope: Scope, receive: Receive) -> dict[str, Any]:
        """Hostile mode: injected errors echo the key and body too (the handler never ran,
        so the request body is still unread and ours to take)."""
        if not self.state.settings.echo_secrets_in_errors:
            return body
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        key = dict(scope["headers"]).get(b"x-api-key", b"").decode("latin-1")
        echoed = b"".join(chunks).decode("utf-8", "replace")
        return {**body, "message": f"{body['message']} [echo x-api-key={key} body={echoed}]"}

    async def _commit_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the handler (the write commits), then break the HTTP exchange mid-reply."""
        started: list[Message] = []

        async def swallow(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.append(message)

        await self.app(scope, receive, swallow)
        if started:
            await send(started[0])  # counted in stats, then the body never comes
        raise DroppedConnection("sandbox fault: response dropped after the write committed")


def _key_prefix(scope: Scope) -> str | None:
    """`tk`/`pk` only: the log must never hold a whole key."""
    for name, value in scope["headers"]:
        if name == b"x-api-key":
            return bytes(value[:2]).decode("latin-1")
    return None


def _bucket_key(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-api-key":
            return "key:" + bytes(value).decode("latin-1")
    return "anonymous"


def _rate_limited() -> dict[str, Any]:
    return problem_body(ApiProblem(429, "TOO_MANY_REQUESTS", "Too many requests, slow down"))


def _retry_headers(settings: FaultSettings, wait: float) -> list[tuple[bytes, bytes]]:
    if not settings.retry_after:
        return []
    # Retry-After is whole seconds (RFC 9110); round up so a client that obeys never
    # comes back before a token is there.
    return [(b"retry-after", str(max(1, math.ceil(wait))).encode())]


def _injected_error(status: int, path: str) -> dict[str, Any]:
    variant = "C" if "/application/event" in path else "A"
    problem = ApiProblem(
        status, "SERVER_ERROR", f"Request failed with status code {status}", variant=variant
    )
    return problem_body(problem)
