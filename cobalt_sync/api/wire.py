"""Pydantic models of the replies that belong to no kind: the paginated envelope, session
tokens and hosted Connect. Each kind owns its own reply models (`kinds/<kind>.py`).

Every model ignores unknown fields (the vendor adds them) but rejects wrong types, so a
surprising reply fails with a `ValidationError` that the client turns into an
`UnexpectedResponseError` naming the endpoint. No HTTP, no secrets.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from cobalt_sync.reply_shapes import REPLY_CONFIG


class Wire(BaseModel):
    model_config = REPLY_CONFIG


# --- listings -----------------------------------------------------------------------------


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
