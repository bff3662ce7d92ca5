"""Private pydantic models of Cobalt's JSON replies, and their conversion to `types.py` values.

The only place that knows vendor field names (`_id`, `docs`, `totalDocs`, `key_name`…). Every
model ignores unknown fields (the vendor adds them) but rejects wrong types, so a surprising
reply fails here with a `ValueError`/`ValidationError` that the client turns into an
`UnexpectedResponseError` naming the endpoint. No HTTP, no secrets.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from cobalt_sync.api.types import (
    Application,
    Event,
    LinkedAccount,
    LinkedAccountPage,
    OAuthCredentials,
)
from cobalt_sync.kinds.rules import event_shape
from cobalt_sync.reply_shapes import REPLY_CONFIG
from cobalt_sync.resource import JsonObject

Scalar = str | int | float | bool | None


class Wire(BaseModel):
    model_config = REPLY_CONFIG


# --- applications ---------------------------------------------------------------------------


class WireApplication(Wire):
    slug: str
    name: str
    auth_type: str | None = None
    connected: bool | None = None

    def value(self) -> Application:
        return Application(self.slug, self.name, self.auth_type or "", bool(self.connected))


# --- events -----------------------------------------------------------------------------


class WireShapeItem(Wire):
    key: str
    type: str


class WireEvent(Wire):
    id: str = Field(alias="_id")
    name: str
    response: list[WireShapeItem] | str | dict[str, Any] | None = None
    raw_response: str | None = None

    def value(self) -> Event:
        sample = self._sample()
        if isinstance(self.response, list):
            shape = tuple((item.key, item.type) for item in self.response)
        elif sample is not None:
            shape = tuple(event_shape(sample).items())
        else:
            shape = ()
        return Event(self.id, self.name, sample, shape)

    def _sample(self) -> JsonObject | None:
        """The sample payload: `raw_response`, else a `response` that is the sample itself."""
        if self.raw_response:
            return _json_object(self.raw_response, "raw_response")
        if isinstance(self.response, dict):
            return dict(self.response)
        if isinstance(self.response, str) and self.response.strip():
            return _json_object(self.response, "response")
        return None


def _json_object(text: str, field: str) -> JsonObject:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested past the stack
        raise ValueError(f"event field '{field}' is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"event field '{field}' is JSON but not an object")
    return parsed


# --- linked accounts --------------------------------------------------------------------


class WireUdf(Wire):
    key_name: str
    key_value: Scalar = None


class WireIntegration(Wire):
    type: str


class WireLinkedAccount(Wire):
    account_id: str
    name: str | None = None
    udf: list[WireUdf] | dict[str, Scalar] | None = None
    environment: str = ""
    integrations: list[WireIntegration] | None = None

    def value(self) -> LinkedAccount:
        return LinkedAccount(
            account_id=self.account_id,
            name=self.name,
            udf=self._udf(),
            environment=self.environment,
            integrations=tuple(item.type for item in self.integrations or ()),
        )

    def _udf(self) -> dict[str, str]:
        """UDFs go in as an object and come back as `[{key_name, key_value}]` (§2b)."""
        if self.udf is None:
            return {}
        if isinstance(self.udf, dict):
            return {key: _text(value) for key, value in self.udf.items()}
        return {item.key_name: _text(item.key_value) for item in self.udf}


def _text(value: Scalar) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


class WirePage(Wire):
    docs: list[WireLinkedAccount]
    # Vendor field names, camelCase as sent.
    totalDocs: int
    page: int
    totalPages: int
    hasNextPage: bool
    limit: int | None = None  # the page size the server used (may be less than asked)

    def value(self) -> LinkedAccountPage:
        return LinkedAccountPage(
            items=[doc.value() for doc in self.docs],
            total=self.totalDocs,
            page=self.page,
            total_pages=self.totalPages,
            has_next=self.hasNextPage,
            limit=self.limit or 0,
        )


class WireDocs(Wire):
    """The vendor's paginated envelope around any kind of item (items validated later)."""

    docs: list[Any]
    totalPages: int = 1


# --- sessions and Connect ---------------------------------------------------------------


class WireSessionToken(Wire):
    token: str = Field(min_length=1)
    refresh_token: str | None = None


class WireRevoke(Wire):
    success: bool
    revoked_count: int = 0


class WireConnectUrl(Wire):
    hosted_url: str = Field(min_length=1)


class WireAuthUrl(Wire):
    auth_url: str = Field(min_length=1)


# --- sandbox-only contract (cobalt-api.md §3.2) -----------------------------------------


class WireToggle(Wire):
    slug: str
    enabled: bool
    changed: bool


class WireOAuthView(Wire):
    slug: str
    mode: str
    client_id: str | None = None
    client_secret_fingerprint: str | None = None
    scopes: list[str] = Field(default_factory=list)
    mandatory_scopes: list[str] = Field(default_factory=list)
    callback_url: str | None = None

    def value(self) -> OAuthCredentials:
        return OAuthCredentials(
            slug=self.slug,
            mode=self.mode,
            client_id=self.client_id,
            client_secret_fingerprint=self.client_secret_fingerprint,
            scopes=tuple(self.scopes),
            mandatory_scopes=tuple(self.mandatory_scopes),
            callback_url=self.callback_url,
        )
