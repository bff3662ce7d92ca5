"""The wire under the Cobalt client: one pooled httpx.Client, pacing, retries, error mapping.

Owns every HTTP detail the endpoint methods must not repeat: which URLs may carry the key,
headers, timeouts, the retry rules (a request that may have changed something is repeated
only when it provably never left), the mapping of statuses to the `errors.py` tree, the
`-v` log line, and redaction of everything it says. It knows no endpoint's fields.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from difflib import get_close_matches
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from cobalt_sync import __version__
from cobalt_sync.api.keys import Environment, environment_of
from cobalt_sync.api.pacing import TokenBucket, backoff_delay, parse_retry_after
from cobalt_sync.api.stall import StallWatch
from cobalt_sync.api.types import API_PREFIX, Endpoint, RequestStats
from cobalt_sync.errors import (
    ApiError,
    AuthError,
    ConflictError,
    InputError,
    InsecureUrlError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
)
from cobalt_sync.redact import Redactor, one_line
from cobalt_sync.resource import JsonObject, JsonValue

log = logging.getLogger("cobalt_sync.api")

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

KEY_HINT = (
    "Set COBALT_API_KEY to an org API key from the Cobalt dashboard: keys starting with "
    "'tk' act on the test environment, 'pk' on production."
)
TOKEN_HINT = "The session token was refused (expired or revoked): mint a new one."
URL_HINT = "Check --api-url / COBALT_API_URL: it must be the exact base URL of the Cobalt API."

# Retried for any method: the server refused before doing anything.
_RETRY_ALWAYS = frozenset({429})
# Retried only when repeating the request is harmless (GET/PUT/DELETE, or a POST that
# creates nothing): the server may have done the work before failing.
_RETRY_IF_REPEATABLE = frozenset({500, 502, 503, 504})

# httpx's timeout bounds each read, not the whole reply: a server sending a byte now and then
# holds a run forever, and one sending without end fills memory. Replies are read against a
# deadline and a size cap (a page of 1,000 linked accounts is about 1 MB).
MAX_REPLY_BYTES = 64 * 1024 * 1024


class ReplyTooLarge(Exception):
    """The reply body passed MAX_REPLY_BYTES; reading stopped there."""


@dataclass(frozen=True)
class Call:
    """One logical request. `repeatable` is False for a POST that creates something: it is
    then retried only when it provably never reached the server."""

    endpoint: Endpoint
    path_params: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    body: JsonObject | None = None
    linked_account_id: str | None = None
    bearer: str | None = None
    repeatable: bool = True

    @property
    def identity(self) -> tuple[object, ...]:
        """What makes two reads the same request."""
        params = tuple(sorted((name, str(value)) for name, value in self.params.items()))
        return (self.endpoint.method, self.path(), params, self.linked_account_id, self.bearer)

    def path(self) -> str:
        encoded = {name: quote(value, safe="") for name, value in self.path_params.items()}
        return API_PREFIX + self.endpoint.template.format(**encoded)


# Connecting again and again to a host that refuses is rarely worth more than a few seconds;
# failures after the request was sent keep the full retry budget (`max_retries`).
CONNECT_RETRIES = 3
# A request that got no answer at all within the timeout is tried this many more times: a
# stalled API then ends a run in about 3 x COBALT_TIMEOUT (90 s by default), not 9 x.
STALL_RETRIES = 2
# A request still unanswered after this long (or half the timeout, if shorter) is named on
# stderr with what happens next, at default verbosity.
STALL_NOTICE_SECONDS = 10.0


def unreachable(outcome: Outcome) -> bool:
    return isinstance(outcome.error, NetworkError) and not outcome.uncertain


@dataclass(frozen=True)
class Outcome:
    """What one attempt produced: a parsed body, or an error and whether to try again."""

    data: JsonValue = None
    error: ApiError | None = None
    retry: bool = False
    retry_after: float | None = None
    # The request may have been carried out although it failed (lost reply, 5xx, a 2xx we
    # cannot read): a caller must re-read before repeating a write that is not idempotent.
    uncertain: bool = False
    timed_out: bool = False  # no answer (or no whole answer) within the timeout


def check_base_url(url: str) -> str:
    """The normalised base URL, or InsecureUrlError/InputError before any request is made."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InputError(
            "the API URL must be an absolute http(s) URL such as https://app.refold.ai",
            hint=URL_HINT,
        )
    if parts.username is not None or parts.password is not None:
        raise InputError("the API URL must not contain a user name or password", hint=URL_HINT)
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise InsecureUrlError(
            f"refusing to send the API key in clear text to http://{host}: "
            "use https://, or plain http only for localhost, 127.0.0.1 or ::1 (the sandbox)",
            hint=_loopback_hint(parts.scheme, parts.netloc, host) or URL_HINT,
        )
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):  # the user pasted a full API root; paths add it again
        path = path[: -len(API_PREFIX)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _loopback_hint(scheme: str, netloc: str, host: str) -> str | None:
    """`http://localhots:8787` is a typo of localhost, not a remote host: say so."""
    close = get_close_matches(host, ["localhost"], n=1, cutoff=0.7)
    if not close or host.replace(".", "").isdigit():
        return None
    fixed = netloc.lower().replace(host, close[0], 1)
    return f"Did you mean --api-url {scheme}://{fixed}? (localhost is misspelt)"


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in LOOPBACK_HOSTS


def _tls_context(base_url: str) -> ssl.SSLContext | bool:
    """httpx's verified default for https. A plain-http base URL (loopback only, see
    `check_base_url`) never opens TLS, and redirects are not followed: loading the CA bundle
    for it cost 20-30 ms of every sandbox run. Its context still verifies, and trusts
    nothing, so a TLS connection through it could only fail, never pass unverified."""
    if urlsplit(base_url).scheme == "https":
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


# The client's defaults (`CobaltApi`, `connect.py`).
MAX_RETRIES = 8
BURST = 5


# From the outcome of a read sent ahead, the reads that follow it (sent ahead in turn).
FollowUps = Callable[[Call, Outcome], Iterable[Call]]
# Rate-limit headers a reply may carry (the names only are ever reported: `doctor`).
RATE_LIMIT_HEADERS = ("retry-after", "x-ratelimit-", "ratelimit-")


@dataclass(frozen=True)
class Attempt:
    """One attempt on the wire, as `doctor` reports it: the route, the status (None when no
    reply came), how long it took, and the names of the rate-limit headers the reply had."""

    endpoint: Endpoint
    status: int | None
    milliseconds: float
    rate_limit_headers: tuple[str, ...] = ()


class Channel:
    """Sends `Call`s: paced, retried, logged, and mapped to `ApiError`s with redacted text."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        redactor: Redactor,
        stats: RequestStats,
        *,
        timeout: float,
        max_retries: int,
        backoff: float,
        requests_per_second: float | None,
        burst: int,
        max_connections: int,
        transport: httpx.BaseTransport | None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.environment: Environment = environment_of(api_key)
        self._key = api_key
        self.redactor = redactor
        self.stats = stats
        self.max_retries = max(0, max_retries)
        self._backoff = max(0.0, backoff)
        self._timeout = timeout
        self._stall = StallWatch(min(STALL_NOTICE_SECONDS, timeout / 2), log.warning)
        self._rng = random.Random()
        self._pacer = TokenBucket(requests_per_second, burst) if requests_per_second else None
        self._ahead: dict[tuple[object, ...], Future[Outcome]] = {}
        # Told of every attempt when set (`doctor`); nothing else watches the wire.
        self.observer: Callable[[Attempt], None] | None = None
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,  # the key must never be replayed to another host
            headers={"User-Agent": f"cobalt-sync/{__version__}", "Accept": "application/json"},
            transport=transport,
            verify=_tls_context(self.base_url),
            # Proxy variables and .netrc are for the outside world, not a loopback sandbox.
            trust_env=not is_loopback(self.base_url),
        )

    def close(self) -> None:
        self._stall.close()
        self._client.close()

    def send(self, call: Call) -> JsonValue:
        """The parsed JSON body of a successful reply (None when empty), or an ApiError."""
        outcome = self.try_send(call)
        if outcome.error is not None:
            raise outcome.error
        return outcome.data

    def send_ahead(
        self, calls: Iterable[Call], *, then: FollowUps | None = None, at_once: int = 8
    ) -> None:
        """Send these reads now, at most `at_once` at a time, each on a thread of its own; the
        first `try_send` of the same request then takes its outcome instead of sending it
        again. `then` names, from an outcome, the reads that follow it, sent the same way.
        For the reads every plan begins with, sent while the rest of the run is still
        loading (`connect.py`)."""
        self._send_ahead(calls, then, threading.BoundedSemaphore(max(1, at_once)))

    def _send_ahead(
        self, calls: Iterable[Call], then: FollowUps | None, slots: threading.BoundedSemaphore
    ) -> None:
        for call in calls:
            if call.endpoint.method != "GET":
                continue  # only reads: a write is sent when the run decides to
            ahead: Future[Outcome] = Future()
            self._ahead[call.identity] = ahead
            threading.Thread(
                target=self._send_one_ahead, args=(call, ahead, then, slots), daemon=True
            ).start()

    def _send_one_ahead(
        self,
        call: Call,
        ahead: Future[Outcome],
        then: FollowUps | None,
        slots: threading.BoundedSemaphore,
    ) -> None:
        try:
            with slots:
                outcome = self._send_now(call)
            if then is not None and outcome.error is None:
                # Before the outcome is handed over: whoever takes it next asks for these.
                self._send_ahead(then(call, outcome), None, slots)
        except BaseException as error:  # raised again where the run asks for the outcome
            ahead.set_exception(error)
        else:
            ahead.set_result(outcome)

    def try_send(self, call: Call) -> Outcome:
        """Like `send`, but the final failure is returned (with `uncertain`), not raised."""
        ahead = self._ahead.pop(call.identity, None) if self._ahead else None
        if ahead is not None:
            return ahead.result()
        return self._send_now(call)

    def _send_now(self, call: Call) -> Outcome:
        attempt = timeouts = 0
        while True:
            with self._stall.watch(self._stall_notice(call, timeouts)):
                outcome = self._attempt(call)
            timeouts += outcome.timed_out
            if outcome.error is None or not outcome.retry or attempt >= self.max_retries:
                return self._final(outcome, timeouts)
            if unreachable(outcome) and attempt >= CONNECT_RETRIES:
                return outcome  # a wrong URL or a down host should fail in seconds, not a minute
            if timeouts > STALL_RETRIES:
                return self._final(outcome, timeouts)
            self._wait_before_retry(call, outcome, attempt)
            attempt += 1

    def _stall_notice(self, call: Call, timeouts: int) -> Callable[[float], str]:
        """The sentence for an attempt still unanswered: the request, and what comes next."""
        label = call.endpoint.label
        if not call.repeatable:
            then = "cobalt-sync checks whether it landed before trying again"
        elif timeouts < STALL_RETRIES:
            then = f"is retried ({timeouts + 1} of {STALL_RETRIES})"
        else:
            then = "the run gives up (exit 4)"

        def describe(waited: float) -> str:
            return (
                f"waiting for {label}: no answer for {waited:.0f}s; at {self._timeout:g}s it "
                f"times out and {then}"
            )

        return describe

    def _final(self, outcome: Outcome, timeouts: int) -> Outcome:
        """The last outcome, its error saying how long and how often nothing answered."""
        if outcome.error is not None and outcome.timed_out:
            tries = "once" if timeouts == 1 else f"{timeouts} times"
            outcome.error.message = f"no answer within {self._timeout:g}s, {tries}"
            outcome.error.hint = (
                f"{urlsplit(self.base_url).hostname} accepted the connection but did not "
                "answer. Check the URL (--api-url / COBALT_API_URL) and your network or "
                "proxy; if the API is just slow, wait longer with --timeout SECONDS "
                "(or COBALT_TIMEOUT)."
            )
        return outcome

    def pause(self, attempt: int) -> None:
        """Sleep a backoff step: for callers that re-read before repeating a POST."""
        delay = backoff_delay(attempt, self._backoff, self._rng)
        if delay > 0:
            time.sleep(delay)

    # --- one attempt ------------------------------------------------------------------

    def _attempt(self, call: Call) -> Outcome:
        if self._pacer is not None:
            self.stats.record_throttle(self._pacer.acquire())
        path = call.path()
        started = time.perf_counter()
        request = self._client.build_request(
            call.endpoint.method,
            path,
            params=dict(call.params) or None,
            json=call.body,
            headers=self._headers(call),
        )
        status: int | None = None
        limits: tuple[str, ...] = ()
        try:
            response = self._client.send(request, stream=True)
            try:
                status = response.status_code
                limits = tuple(
                    name
                    for name in (key.lower() for key in response.headers)
                    if name.startswith(RATE_LIMIT_HEADERS)
                )
                raw = self._read_reply(response, deadline=started + self._timeout)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            outcome = self._transport_failure(call, exc)
        except ReplyTooLarge:
            outcome = Outcome(error=self._too_large(call, status))
        else:
            outcome = self._reply(call, response, raw)
        self._log(call, path, status, started)
        if self.observer is not None:
            elapsed = (time.perf_counter() - started) * 1000
            self.observer(Attempt(call.endpoint, status, elapsed, limits))
        return outcome

    @staticmethod
    def _read_reply(response: httpx.Response, *, deadline: float) -> bytes:
        """The whole body, or ReadTimeout past `deadline` / ReplyTooLarge past the cap."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise ReplyTooLarge()
            chunks.append(chunk)
            if time.perf_counter() > deadline:
                raise httpx.ReadTimeout("the reply did not arrive in full within the timeout")
        return b"".join(chunks)

    def _too_large(self, call: Call, status: int | None) -> ApiError:
        self.stats.record(status or "network")
        return UnexpectedResponseError(
            f"answered with a reply larger than {MAX_REPLY_BYTES // (1024 * 1024)} MB",
            endpoint=call.endpoint.label,
            status=status,
            hint=URL_HINT,
        )

    def digest_key(self) -> bytes:
        """A key for HMACs over saved-plan hashes, derived one-way from the API key."""
        return hashlib.sha256(b"cobalt-sync saved-plan digest\0" + self._key.encode()).digest()

    def _headers(self, call: Call) -> dict[str, str]:
        headers: dict[str, str] = {}
        if call.bearer is not None:
            headers["Authorization"] = f"Bearer {call.bearer}"
        else:
            headers["x-api-key"] = self._key
        if call.linked_account_id is not None:
            headers["linked_account_id"] = call.linked_account_id
        return headers

    def _transport_failure(self, call: Call, exc: httpx.HTTPError) -> Outcome:
        """No HTTP answer. Only a failure to connect proves the request never left."""
        self.stats.record("network")
        never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        reason = self._clean(str(exc)) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in reason:
            error = NetworkError(
                f"TLS certificate of {urlsplit(self.base_url).hostname} could not be verified",
                endpoint=call.endpoint.label,
                hint="cobalt-sync always verifies TLS; set SSL_CERT_FILE if you use a private CA.",
            )
            return Outcome(error=error, retry=False)
        if isinstance(exc, httpx.ConnectError) and _name_not_resolved(reason):
            return Outcome(error=self._not_resolved(call), retry=False)
        noun = "could not connect" if never_sent else "connection failed"
        if isinstance(exc, httpx.TimeoutException):
            noun = "timed out"
        error = NetworkError(f"{noun}: {reason}", endpoint=call.endpoint.label)
        retry = never_sent or (call.repeatable and isinstance(exc, httpx.TransportError))
        # Only a read or write timeout is a stall: a connect timeout is an unreachable host.
        stalled = isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout)
        return Outcome(error=error, retry=retry, uncertain=not never_sent, timed_out=stalled)

    def _not_resolved(self, call: Call) -> NetworkError:
        host = urlsplit(self.base_url).hostname
        return NetworkError(
            f"could not connect: the host name {host} did not resolve (DNS)",
            endpoint=call.endpoint.label,
            hint=f"Check the spelling of {host} in --api-url / COBALT_API_URL, and that this "
            "machine can resolve names (network, VPN, /etc/resolv.conf).",
        )

    def _reply(self, call: Call, response: httpx.Response, raw: bytes) -> Outcome:
        status = response.status_code
        self.stats.record(status)
        if 200 <= status < 300:
            return self._success(call, response, raw)
        if 300 <= status < 400:
            error = UnexpectedResponseError(
                "answered with a redirect, which cobalt-sync never follows "
                "(the API key must not travel to another address)",
                endpoint=call.endpoint.label,
                status=status,
                hint=URL_HINT + " Use https:// and no trailing path.",
            )
            return Outcome(error=error)
        return self._failure(call, response, raw)

    def _success(self, call: Call, response: httpx.Response, raw: bytes) -> Outcome:
        if not raw.strip():
            return Outcome(data=None)
        try:
            data: JsonValue = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: `[[[[…` nested past the stack
            looks = "HTML" if raw.lstrip()[:1] == b"<" else "not JSON (or cut short)"
            error = UnexpectedResponseError(
                f"answered HTTP {response.status_code} with a body that is {looks}",
                endpoint=call.endpoint.label,
                status=response.status_code,
                hint=URL_HINT,
            )
            return Outcome(error=error, uncertain=True)
        if isinstance(data, dict) and data.get("error") and data.get("success") is not True:
            # cobalt-api.md §1.3: a 2xx carrying {"error": …} is a failure in disguise.
            envelope = _envelope(data)
            error = UnexpectedResponseError(
                f"answered HTTP {response.status_code} but reported an error: "
                f"{self._clean(_message(envelope)) or 'no message'}",
                endpoint=call.endpoint.label,
                status=response.status_code,
                error_code=self._clean(_code(envelope)) or None,
                request_id=self._clean(_request_id(envelope)) or None,
            )
            return Outcome(error=error, retry=call.repeatable, uncertain=True)
        return Outcome(data=data)

    def _failure(self, call: Call, response: httpx.Response, raw: bytes) -> Outcome:
        status = response.status_code
        envelope = _envelope_of(raw)
        message = self._clean(_message(envelope)) or response.reason_phrase or "error"
        code = self._clean(_code(envelope)) or None
        request_id = self._clean(_request_id(envelope)) or None
        kind, hint = self._classify(call, status, message, code)
        if kind is AuthError and call.bearer is None:
            message, hint = self._key_refused(message)
            # Cobalt labels a refused key SERVER_ERROR: misleading next to "refused".
            code = None if code == "SERVER_ERROR" else code
        error = kind(
            message,
            endpoint=call.endpoint.label,
            status=status,
            error_code=code,
            request_id=request_id,
            hint=hint,
        )
        retry = status in _RETRY_ALWAYS or (
            status in _RETRY_IF_REPEATABLE and call.repeatable and kind is ServerError
        )
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        uncertain = kind is ServerError
        return Outcome(error=error, retry=retry, retry_after=retry_after, uncertain=uncertain)

    def _key_refused(self, message: str) -> tuple[str, str]:
        """The message and hint for a refused key, naming its environment from the
        documented prefix, never a character of the key: a production key in a test job,
        or a revoked one, is a common slip."""
        test = self.environment == "test"
        mine, other = ("test", "production") if test else ("production", "test")
        prefix, other_prefix = ("tk", "pk") if test else ("pk", "tk")
        return (
            f"Cobalt refused the {mine} API key in COBALT_API_KEY ({message})",
            f"Copy the org's current {mine} key ({prefix}…) from the Cobalt dashboard into "
            f"COBALT_API_KEY: a revoked key, or another org's, is refused. For the {other} "
            f"environment use its {other_prefix}… key.",
        )

    @staticmethod
    def _classify(
        call: Call, status: int, message: str, code: str | None
    ) -> tuple[type[ApiError], str | None]:
        lowered = message.lower()
        if status in (401, 403):
            return AuthError, TOKEN_HINT if call.bearer is not None else KEY_HINT
        if status == 404 or (status in (400, 500) and "not found" in lowered):
            # The vendor also says "not found" with 400 and 500 (old docs, §2b/§2c).
            return NotFoundError, None
        if status == 409 or (status == 400 and ("already exists" in lowered or code == "CONFLICT")):
            return ConflictError, None
        if status == 429:
            return RateLimitedError, "Cobalt kept refusing for rate limiting: lower COBALT_MAX_RPS."
        if status >= 500:
            return ServerError, None
        return ApiError, None

    def _wait_before_retry(self, call: Call, outcome: Outcome, attempt: int) -> None:
        self.stats.record_retry()
        delay = outcome.retry_after
        if delay is None:
            delay = backoff_delay(attempt, self._backoff, self._rng)
        log.info(
            "%s retry %d/%d in %.2fs",
            call.endpoint.label,
            attempt + 1,
            self.max_retries,
            delay,
        )
        if self._pacer is not None and isinstance(outcome.error, RateLimitedError):
            self._pacer.hold(delay)  # every thread slows down, not just this one
        elif delay > 0:
            time.sleep(delay)

    def _log(self, call: Call, path: str, status: int | None, started: float) -> None:
        """`GET /api/v2/public/linked-account?limit&page 200 53ms`: never values or headers."""
        if not log.isEnabledFor(logging.INFO):
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        shown = path + ("?" + "&".join(sorted(call.params)) if call.params else "")
        text = f"{call.endpoint.method} {shown} {status or 'no-response'} {elapsed_ms:.0f}ms"
        log.info("%s", self.redactor.redact(text))

    def _clean(self, text: str | None) -> str:
        """Vendor text made safe to show: secrets masked, one line, bounded length."""
        return one_line(self.redactor.redact(text)) if text else ""


# getaddrinfo's wording differs by libc: glibc, musl and macOS respectively.
_NOT_RESOLVED = (
    "name or service not known",
    "temporary failure in name resolution",
    "no address associated with hostname",
    "nodename nor servname",
    "name does not resolve",
    "[errno -2]",
    "[errno -3]",
    "[errno -5]",
    "[errno 8]",
)


def _name_not_resolved(reason: str) -> bool:
    lowered = reason.lower()
    return any(marker in lowered for marker in _NOT_RESOLVED)


# --- reading error envelopes leniently (§1.3: four variants, or not JSON at all) ---------


def _envelope_of(raw: bytes) -> dict[str, JsonValue]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return _envelope(data)


def _envelope(data: JsonValue) -> dict[str, JsonValue]:
    return data if isinstance(data, dict) else {}


def _text_field(envelope: Mapping[str, JsonValue], *names: str) -> str | None:
    for name in names:
        value = envelope.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _message(envelope: Mapping[str, JsonValue]) -> str | None:
    return _text_field(envelope, "message", "error")


def _code(envelope: Mapping[str, JsonValue]) -> str | None:
    return _text_field(envelope, "error_code", "error", "error_type", "http_error_type")


def _request_id(envelope: Mapping[str, JsonValue]) -> str | None:
    return _text_field(envelope, "request_id")
