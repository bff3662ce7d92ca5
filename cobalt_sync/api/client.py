"""`CobaltApi`: one typed method per Cobalt endpoint cobalt-sync needs.

Owns the route table (`ENDPOINTS`, read by the test that checks every route against the vendor
spec), request bodies, pagination, the natural-key re-read that keeps a lost POST from
creating a duplicate, and parsing replies into `types.py` values. HTTP mechanics live in
`channel.py`. Routes that are not in Cobalt's public API sit under one marked banner.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import ValidationError

from cobalt_sync.api.channel import BURST, MAX_RETRIES, Call, Channel
from cobalt_sync.api.keys import Environment
from cobalt_sync.api.routes import DEFAULT_PAGE_SIZE, ENDPOINTS, MAX_PAGES
from cobalt_sync.api.types import (
    Application,
    Endpoint,
    Event,
    LinkedAccount,
    LinkedAccountPage,
    OAuthCredentials,
    RequestStats,
)
from cobalt_sync.api.wire import (
    WireApplication,
    WireAuthUrl,
    WireConnectUrl,
    WireDocs,
    WireEvent,
    WireLinkedAccount,
    WireOAuthView,
    WirePage,
    WireRevoke,
    WireSessionToken,
    WireToggle,
)
from cobalt_sync.errors import ConflictError, NotFoundError, UnexpectedResponseError
from cobalt_sync.redact import Redactor
from cobalt_sync.reply_shapes import ReplyShape
from cobalt_sync.resource import JsonObject, JsonValue

T = TypeVar("T")
V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)



_APPS: ReplyShape[list[WireApplication]] = ReplyShape(list[WireApplication])
_APP: ReplyShape[WireApplication] = ReplyShape(WireApplication)
_EVENTS: ReplyShape[list[WireEvent]] = ReplyShape(list[WireEvent])
_EVENT: ReplyShape[WireEvent] = ReplyShape(WireEvent)
# docs: the whole list; be lenient (a union is not a class: the adapter's type is spelled out)
_EVENT_WRITE: ReplyShape[list[WireEvent] | WireEvent] = ReplyShape(
    list[WireEvent] | WireEvent
)
_ACCOUNT: ReplyShape[WireLinkedAccount] = ReplyShape(WireLinkedAccount)
_PAGE: ReplyShape[WirePage] = ReplyShape(WirePage)
_TOKEN: ReplyShape[WireSessionToken] = ReplyShape(WireSessionToken)
_REVOKE: ReplyShape[WireRevoke] = ReplyShape(WireRevoke)
_CONNECT: ReplyShape[WireConnectUrl] = ReplyShape(WireConnectUrl)
_AUTH_URL: ReplyShape[WireAuthUrl] = ReplyShape(WireAuthUrl)
_TOGGLE: ReplyShape[WireToggle] = ReplyShape(WireToggle)
_OAUTH: ReplyShape[WireOAuthView] = ReplyShape(WireOAuthView)
_OBJECT: ReplyShape[dict[str, Any]] = ReplyShape(dict[str, Any])
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
    ) -> T:
        """Call route `name` of `ENDPOINTS` (retry-safe: GET, PUT, DELETE, or a POST that
        creates nothing) and validate the reply with `adapter`."""
        return self._get(name, adapter, path_params=path_params, params=params, body=body)

    def create_once(
        self, name: str, adapter: ReplyShape[T], body: JsonObject, find: Callable[[], T | None]
    ) -> T:
        """POST to create one object, never a duplicate: a POST whose reply was lost may have
        landed, so before repeating it `find` re-reads the object by its natural key."""
        call = Call(ENDPOINTS[name], body=body, repeatable=False)
        attempt = 0
        while True:
            outcome = self._channel.try_send(call)
            if outcome.error is None:
                return parse(call.endpoint, adapter, outcome.data)
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

    # --- applications --------------------------------------------------------------------

    def list_applications(self, linked_account_id: str | None = None) -> list[Application]:
        """Apps enabled for the org and environment (connection status of one account)."""
        apps = self._get("list_applications", _APPS, linked_account_id=linked_account_id)
        return [app.value() for app in apps]  # plain conversions: they cannot fail

    def get_application(
        self, slug: str, linked_account_id: str | None = None
    ) -> Application | None:
        """One enabled app, or None when it is not enabled (Cobalt answers 404)."""
        try:
            app = self._get(
                "get_application",
                _APP,
                path_params={"slug": slug},
                linked_account_id=linked_account_id,
            )
        except NotFoundError:
            return None
        return app.value()

    def get_auth_structure(self, slug: str) -> JsonObject:
        return self._get("get_auth_structure", _OBJECT, path_params={"slug": slug})

    def get_oauth_url(self, slug: str, linked_account_id: str) -> str:
        """The provider consent URL for an app; its `client_id` shows which OAuth client is live."""
        reply = self._get(
            "get_oauth_url",
            _AUTH_URL,
            path_params={"slug": slug},
            linked_account_id=linked_account_id,
        )
        return reply.auth_url

    # --- events ----------------------------------------------------------------------------

    def list_events(self) -> list[Event]:
        endpoint, data = self._send("list_events")
        return [convert(endpoint, event) for event in parse(endpoint, _EVENTS, data)]

    def get_event(self, event_id: str) -> Event | None:
        try:
            endpoint, data = self._send("get_event", path_params={"event_id": event_id})
        except NotFoundError:
            return None
        wire = parse(endpoint, _EVENT, data)
        return convert(endpoint, wire)

    def create_event(self, name: str, sample: JsonObject) -> Event:
        """Create an event, never a duplicate: a POST whose reply was lost may have landed, so
        before repeating it the client looks the name up; a duplicate-name refusal returns
        the event that already exists (its sample may differ: the caller compares)."""
        body: JsonObject = {"name": name, "response": json.dumps(sample)}
        call = Call(ENDPOINTS["create_event"], body=body, repeatable=False)
        attempt = 0
        while True:
            outcome = self._channel.try_send(call)
            if outcome.error is None:
                return self._pick_event(call.endpoint, outcome.data, name=name)
            if isinstance(outcome.error, ConflictError):
                existing = self._event_named(name)
                if existing is None:
                    raise outcome.error
                return existing
            if not outcome.uncertain or attempt >= self.max_retries:
                raise outcome.error
            self._channel.pause(attempt)
            attempt += 1
            existing = self._event_named(name)
            if existing is not None:
                return existing

    def update_event(self, event_id: str, name: str, sample: JsonObject) -> Event:
        """Replace an event's name and sample (PUT is retry-safe; a rename keeps its id)."""
        body: JsonObject = {"name": name, "response": json.dumps(sample)}
        endpoint, data = self._send("update_event", path_params={"event_id": event_id}, body=body)
        return self._pick_event(endpoint, data, event_id=event_id)

    def delete_event(self, event_id: str) -> None:
        """Delete an event; one that is already gone counts as deleted."""
        try:
            self._send("delete_event", path_params={"event_id": event_id})
        except NotFoundError:
            return

    def _event_named(self, name: str) -> Event | None:
        return next((event for event in self.list_events() if event.name == name), None)

    def _pick_event(
        self, endpoint: Endpoint, data: JsonValue, *, name: str = "", event_id: str = ""
    ) -> Event:
        """Writes answer with the whole list (§2c): find the event just written in it."""
        reply = parse(endpoint, _EVENT_WRITE, data)
        candidates = reply if isinstance(reply, list) else [reply]
        for wire in candidates:
            if (event_id and wire.id == event_id) or (not event_id and wire.name == name):
                return convert(endpoint, wire)
        found = self._event_named(name) if name else self.get_event(event_id)
        if found is None:
            raise UnexpectedResponseError(
                "answered success but the event is not in the reply or the event list",
                endpoint=endpoint.label,
            )
        return found

    # --- linked accounts -----------------------------------------------------------------

    def linked_account_page(self, page: int, limit: int | None = None) -> LinkedAccountPage:
        """One page; its `limit` is the page size the server used, which a server that clamps
        `limit` makes smaller than asked. Read the pages after it with `following_page`."""
        size = self.page_size if limit is None else limit
        params = {"page": str(page), "limit": str(size)}
        endpoint, data = self._send("list_linked_accounts", params=params)
        wire = parse(endpoint, _PAGE, data)
        return checked_page(endpoint, convert(endpoint, wire), size)

    def following_page(self, page: int, first: LinkedAccountPage) -> LinkedAccountPage:
        """Page `page` at the size the server used for `first`, so that page numbers (and
        `first.total_pages`) cover every account even when the server clamped our limit."""
        found = self.linked_account_page(page, limit=first.limit or self.page_size)
        if first.limit and found.limit < first.limit:
            # Page numbers computed at one size would skip accounts at a smaller one.
            raise UnexpectedResponseError(
                f"answered page {page} with {found.limit} linked accounts per page after "
                f"page 1 used {first.limit}; accounts could be missed, so nothing was "
                "concluded from the list (run again)",
                endpoint=ENDPOINTS["list_linked_accounts"].label,
            )
        return found

    def count_linked_accounts(self) -> int:
        """The number of linked accounts, in one small request."""
        return self.linked_account_page(1, limit=1).total

    def list_linked_accounts(self, concurrency: int = 8) -> list[LinkedAccount]:
        """Every linked account: page 1 says how many pages; the rest are fetched concurrently.

        An account that moves between pages while they are read is returned once.
        """
        first = self.linked_account_page(1)
        pages = [first]
        rest = list(range(2, first.total_pages + 1))
        if rest:
            workers = max(1, min(concurrency, len(rest)))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                pages.extend(pool.map(lambda number: self.following_page(number, first), rest))
        seen: dict[str, LinkedAccount] = {}
        for page in pages:
            for account in page.items:
                seen.setdefault(account.account_id, account)
        return list(seen.values())

    def get_linked_account(self, account_id: str) -> LinkedAccount | None:
        try:
            endpoint, data = self._send(
                "get_linked_account", path_params={"linked_account_id": account_id}
            )
        except NotFoundError:
            return None
        wire = parse(endpoint, _ACCOUNT, data)
        return convert(endpoint, wire)

    def upsert_linked_account(
        self, account_id: str, name: str | None, udf: dict[str, str]
    ) -> LinkedAccount:
        """Create or update by id (PUT: retry-safe, so a lost reply never duplicates)."""
        body: JsonObject = {"account_id": account_id, "udf": dict(udf)}
        if name is not None:
            body["name"] = name
        endpoint, data = self._send("upsert_linked_account", body=body)
        wire = parse(endpoint, _ACCOUNT, data)
        return convert(endpoint, wire)

    def delete_linked_account(self, account_id: str) -> None:
        """Delete an account; one that is already gone counts as deleted."""
        try:
            self._send("delete_linked_account", path_params={"linked_account_id": account_id})
        except NotFoundError:
            return

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

    # ===== NOT IN COBALT'S PUBLIC API: sandbox-defined contract, cobalt-api.md §3.2 =====

    def enable_app(self, slug: str) -> bool:
        """Enable an app; True when it was not enabled before."""
        return self._get("enable_app", _TOGGLE, path_params={"slug": slug}).changed

    def disable_app(self, slug: str) -> bool:
        """Disable an app (keeps its credentials); True when it was enabled before."""
        return self._get("disable_app", _TOGGLE, path_params={"slug": slug}).changed

    def get_oauth_credentials(self, slug: str) -> OAuthCredentials:
        return self._get("get_oauth_credentials", _OAUTH, path_params={"slug": slug}).value()

    def put_oauth_credentials(
        self, slug: str, client_id: str, client_secret: str | None, scopes: list[str]
    ) -> OAuthCredentials:
        """Set the app's own OAuth client; `client_secret=None` keeps the stored secret."""
        body: JsonObject = {"client_id": client_id, "scopes": list(scopes)}
        if client_secret is not None:
            self.register_secret(client_secret)  # before sending: a server may echo it
            body["client_secret"] = client_secret
        reply = self._get("put_oauth_credentials", _OAUTH, path_params={"slug": slug}, body=body)
        return reply.value()

    def delete_oauth_credentials(self, slug: str) -> OAuthCredentials:
        """Back to Cobalt's default client (or unset); answers the resulting view."""
        return self._get("delete_oauth_credentials", _OAUTH, path_params={"slug": slug}).value()


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


# Callers turn `total_pages` into that many requests (and a list of page numbers): a page
# envelope is believed only when it is consistent with the limit we asked for and names a
# plausible org. Ten million linked accounts is far beyond any org we know of.
MAX_LINKED_ACCOUNTS = 10_000_000


def checked_page(endpoint: Endpoint, page: LinkedAccountPage, asked: int) -> LinkedAccountPage:
    """The page with `limit` set to the page size the server used (its echoed `limit` when
    smaller than `asked`), or UnexpectedResponseError when its counts cannot be true."""
    limit = page.limit if 0 < page.limit < asked else asked
    most_pages = max(1, -(-page.total // limit))  # ceil(total / limit)
    problem = None
    if page.limit < 0:
        problem = f"limit {page.limit} is not a page size"
    elif not 0 <= page.total <= MAX_LINKED_ACCOUNTS:
        problem = f"totalDocs {page.total} is outside 0..{MAX_LINKED_ACCOUNTS:,}"
    elif not 0 <= page.total_pages <= most_pages:
        problem = f"totalPages {page.total_pages} does not fit {page.total} items of {limit}"
    elif len(page.items) > limit:
        problem = f"{len(page.items)} items on a page of at most {limit}"
    if problem is None:
        return replace(page, limit=limit)
    raise UnexpectedResponseError(
        f"answered with a page envelope that cannot be true ({problem})", endpoint=endpoint.label
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
