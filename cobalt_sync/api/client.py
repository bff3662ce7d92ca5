"""`CobaltApi`: the one way every kind reaches Cobalt — generic calls by route name.

A kind reads and writes its objects with `request`, `find`, `create_once` (the natural-key
re-read that keeps a lost POST from creating a duplicate), `remove` and `all_docs`, naming a
route of `routes.ENDPOINTS` and the reply shape it owns (`kinds/<kind>.py`); no method here
knows a kind. Sessions and hosted Connect, which belong to no kind, have their own methods.
HTTP mechanics live in `channel.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, TypeVar

import httpx
from pydantic import ValidationError

from cobalt_sync.api.channel import BURST, MAX_RETRIES, Attempt, Call, Channel
from cobalt_sync.api.keys import Environment
from cobalt_sync.api.routes import DEFAULT_PAGE_SIZE, ENDPOINTS, MAX_PAGES
from cobalt_sync.api.types import Endpoint, RequestStats
from cobalt_sync.api.wire import (
    WireConnectUrl,
    WireDocs,
    WireRevoke,
    WireSessionToken,
)
from cobalt_sync.errors import ApiError, ConflictError, NotFoundError, UnexpectedResponseError
from cobalt_sync.redact import Redactor
from cobalt_sync.reply_shapes import ReplyShape
from cobalt_sync.resource import JsonObject, JsonValue

T = TypeVar("T")
V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)

_TOKEN: ReplyShape[WireSessionToken] = ReplyShape(WireSessionToken)
_REVOKE: ReplyShape[WireRevoke] = ReplyShape(WireRevoke)
_CONNECT: ReplyShape[WireConnectUrl] = ReplyShape(WireConnectUrl)
_DOCS: ReplyShape[WireDocs] = ReplyShape(WireDocs)


class CobaltApi:
    """A thread-safe client for one org and environment (chosen by the key). One per run."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        max_retries: int = MAX_RETRIES,
        backoff: float = 0.5,
        requests_per_second: float | None = 20.0,
        burst: int = BURST,
        max_connections: int = 32,
        page_size: int = DEFAULT_PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        channel = Channel(
            base_url,
            api_key,
            Redactor(api_key),
            RequestStats(),
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            requests_per_second=requests_per_second,
            burst=burst,
            max_connections=max_connections,
            transport=transport,
        )
        self._adopt(channel, page_size)

    @classmethod
    def over(cls, channel: Channel, *, page_size: int = DEFAULT_PAGE_SIZE) -> CobaltApi:
        """A client over a channel already open: `connect.py` opens it and sends the run's
        first reads on it before this module is loaded."""
        api = cls.__new__(cls)
        api._adopt(channel, page_size)
        return api

    def _adopt(self, channel: Channel, page_size: int) -> None:
        self._channel = channel
        self.environment: Environment = channel.environment
        self._redactor = channel.redactor
        self.stats = channel.stats
        self.max_retries = channel.max_retries
        self.page_size = max(1, page_size)
        self.base_url: str = channel.base_url

    def __repr__(self) -> str:
        return f"CobaltApi(base_url={self.base_url!r}, environment={self.environment!r})"

    def register_secret(self, value: str) -> None:
        """Mask this value in every message and log line from now on."""
        self._redactor.add(value)

    def digest_key(self) -> bytes:
        """Keys the hashes in saved plans, so that a plan file (or a PR comment) cannot be used
        to test guesses of a weak client secret offline without the API key."""
        return self._channel.digest_key()

    def redact(self, text: str) -> str:
        """`text` with the key and every registered secret masked (for callers' own messages)."""
        return self._redactor.redact(text)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> CobaltApi:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- plumbing ------------------------------------------------------------------------

    def _send(
        self,
        name: str,
        *,
        path_params: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        body: JsonObject | None = None,
        linked_account_id: str | None = None,
        bearer: str | None = None,
        repeatable: bool = True,
    ) -> tuple[Endpoint, JsonValue]:
        endpoint = ENDPOINTS[name]
        call = Call(
            endpoint,
            path_params=path_params or {},
            params=params or {},
            body=body,
            linked_account_id=linked_account_id,
            bearer=bearer,
            repeatable=repeatable,
        )
        return endpoint, self._channel.send(call)

    def _get(
        self,
        name: str,
        adapter: ReplyShape[T],
        *,
        path_params: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        body: JsonObject | None = None,
        linked_account_id: str | None = None,
        bearer: str | None = None,
        repeatable: bool = True,
    ) -> T:
        endpoint, data = self._send(
            name,
            path_params=path_params,
            params=params,
            body=body,
            linked_account_id=linked_account_id,
            bearer=bearer,
            repeatable=repeatable,
        )
        return parse(endpoint, adapter, data)

    # --- generic calls: a kind reads and writes its objects through these and a route name --

    def request(
        self,
        name: str,
        adapter: ReplyShape[T],
        *,
        path_params: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        body: JsonObject | None = None,
        linked_account_id: str | None = None,
    ) -> T:
        """Call route `name` of `ENDPOINTS` (retry-safe: GET, PUT, DELETE, or a POST that
        creates nothing) and validate the reply with `adapter`; `linked_account_id` is sent
        as the header that scopes a read to one account."""
        return self._get(
            name,
            adapter,
            path_params=path_params,
            params=params,
            body=body,
            linked_account_id=linked_account_id,
        )

    def find(
        self,
        name: str,
        adapter: ReplyShape[T],
        *,
        path_params: dict[str, str] | None = None,
        linked_account_id: str | None = None,
    ) -> T | None:
        """GET one object through route `name`; None when Cobalt answers 404."""
        try:
            return self.request(
                name, adapter, path_params=path_params, linked_account_id=linked_account_id
            )
        except NotFoundError:
            return None

    def create_once(
        self,
        name: str,
        adapter: ReplyShape[T],
        body: JsonObject,
        find: Callable[[], T | None],
        *,
        conflict_finds: bool = False,
    ) -> T:
        """POST to create one object, never a duplicate: a POST whose reply was lost may have
        landed, so before repeating it `find` re-reads the object by its natural key. With
        `conflict_finds`, a refusal as a duplicate (409) answers the object that exists."""
        call = Call(ENDPOINTS[name], body=body, repeatable=False)
        attempt = 0
        while True:
            outcome = self._channel.try_send(call)
            if outcome.error is None:
                return parse(call.endpoint, adapter, outcome.data)
            if conflict_finds and isinstance(outcome.error, ConflictError):
                existing = find()
                if existing is None:
                    raise outcome.error
                return existing
            if not outcome.uncertain or attempt >= self.max_retries:
                raise outcome.error
            self._channel.pause(attempt)
            attempt += 1
            existing = find()
            if existing is not None:
                return existing

    def remove(self, name: str, path_params: dict[str, str]) -> None:
        """DELETE through route `name`; an object that is already gone counts as deleted."""
        try:
            self._send(name, path_params=path_params)
        except NotFoundError:
            return

    def all_docs(
        self,
        name: str,
        adapter: ReplyShape[T],
        *,
        path_params: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> list[T]:
        """Every item of a paginated `{docs, totalPages}` listing, validated one by one."""
        endpoint = ENDPOINTS[name]
        items: list[T] = []
        page, pages = 1, 1
        while page <= pages:
            query = {**(params or {}), "page": str(page), "limit": str(self.page_size)}
            envelope = self._get(name, _DOCS, path_params=path_params, params=query)
            items.extend(parse(endpoint, adapter, doc) for doc in envelope.docs)
            pages = min(envelope.totalPages, MAX_PAGES)
            page += 1
        return items

    def raw(
        self,
        name: str,
        *,
        path_params: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        linked_account_id: str | None = None,
    ) -> tuple[JsonValue, ApiError | None]:
        """A read's reply as JSON, not validated, with its error instead of raising it: for
        `doctor`, which reports what a route answered rather than stopping at it."""
        endpoint = ENDPOINTS[name]
        if endpoint.method != "GET":
            raise ValueError(f"{name} is not a read")  # a bug: doctor never writes
        call = Call(
            endpoint,
            path_params=path_params or {},
            params=params or {},
            linked_account_id=linked_account_id,
        )
        outcome = self._channel.try_send(call)
        return outcome.data, outcome.error

    def observe(self, observer: Callable[[Attempt], None]) -> None:
        """Tell `observer` of every attempt on the wire (route, status, time, rate-limit
        header names): `doctor` reports latency per route."""
        self._channel.observer = observer

    def value(self, name: str, wire: Convertible[V]) -> V:
        """The value of a validated reply model (`wire.value()`), or UnexpectedResponseError
        naming route `name` when the reply cannot be read (an event sample that is not JSON)."""
        return convert(ENDPOINTS[name], wire)

    def unexpected(self, name: str, problem: str) -> UnexpectedResponseError:
        """The error for a reply of route `name` that validates but cannot be true."""
        return UnexpectedResponseError(problem, endpoint=ENDPOINTS[name].label)

    # --- sessions and hosted Connect (tokens are secrets: registered, never logged) -------

    def create_session_token(self, account_id: str, force_refresh: bool = True) -> str:
        # Minting creates nothing a retry could duplicate, so the POST may be repeated.
        reply = self._get(
            "create_session_token",
            _TOKEN,
            params={"force_refresh": "true" if force_refresh else "false"},
            body={"linked_account_id": account_id},
        )
        self.register_secret(reply.token)
        if reply.refresh_token:
            self.register_secret(reply.refresh_token)
        return reply.token

    def revoke_session_token(self, token: str) -> None:
        self.register_secret(token)
        # Not repeated after a lost reply: the second try would be refused as a bad token.
        self._get("revoke_session_token", _REVOKE, bearer=token, repeatable=False)

    def create_connect_url(
        self, token: str, account_id: str, body: JsonObject | None = None
    ) -> str:
        """The hosted Connect URL for an account (it embeds the token: treat it as a secret)."""
        self.register_secret(token)
        reply = self._get(
            "create_connect_url",
            _CONNECT,
            params={"linked_account_id": account_id},
            body=dict(body or {}),
            bearer=token,
        )
        self.register_secret(reply.hosted_url)
        return reply.hosted_url


# --- parsing replies -----------------------------------------------------------------------


def parse(endpoint: Endpoint, adapter: ReplyShape[T], data: JsonValue) -> T:
    """Validate a reply, or UnexpectedResponseError naming the endpoint and the first bad field.

    Raised outside the `except`, so the exception carries no chain holding the reply body.
    """
    try:
        return adapter.validate_python(data)
    except ValidationError as invalid:
        problem = describe(invalid)
    raise UnexpectedResponseError(
        f"answered with a reply of an unexpected shape ({problem})", endpoint=endpoint.label
    )


class Convertible(Protocol[V_co]):
    def value(self) -> V_co: ...


def convert(endpoint: Endpoint, wire: Convertible[V]) -> V:
    """A wire model's value, or UnexpectedResponseError (e.g. an event sample that is not JSON)."""
    try:
        return wire.value()
    except ValueError as bad:
        problem = str(bad)
    raise UnexpectedResponseError(
        f"answered with a reply we cannot read ({problem})", endpoint=endpoint.label
    )


def describe(invalid: ValidationError) -> str:
    """`docs.0.account_id: Field required (and 2 more)`: locations and kinds, never values."""
    errors = invalid.errors(include_input=False, include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"
