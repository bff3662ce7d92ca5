"""The Cobalt API client: `CobaltApi` and the values it returns.

A package because the client has separable parts: `channel.py` (HTTP, retries, pacing,
error mapping, redaction), `client.py` (the generic calls every kind uses, by route name) and
`wire.py` (the reply models that belong to no kind). `routes.py` is the route table.
Import from here, not from the submodules. The client is imported on first use (PEP 562): a
run opens its channel and sends its first reads before the reply models are loaded
(`connect.py`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cobalt_sync.api.keys import Environment, environment_of
from cobalt_sync.api.routes import ENDPOINTS
from cobalt_sync.api.types import API_PREFIX, Endpoint, RequestStats
from cobalt_sync.resource import JsonObject

if TYPE_CHECKING:
    from cobalt_sync.api.client import CobaltApi as CobaltApi

__all__ = [
    "API_PREFIX",
    "ENDPOINTS",
    "CobaltApi",
    "Endpoint",
    "Environment",
    "JsonObject",
    "RequestStats",
    "environment_of",
]


def __getattr__(name: str) -> Any:
    if name != "CobaltApi":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module("cobalt_sync.api.client").CobaltApi
