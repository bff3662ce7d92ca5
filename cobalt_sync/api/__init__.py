"""The Cobalt API client: `CobaltApi` and the values it returns.

A package because the client has three separable parts: `channel.py` (HTTP, retries, pacing,
error mapping, redaction), `wire.py` (private pydantic models of replies) and `client.py`
(one method per endpoint). `routes.py` is the route table. Import from here, not from the
submodules. The client is imported on first use (PEP 562): a run opens its channel and sends
its first reads before the reply models are loaded (`connect.py`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cobalt_sync.api.keys import Environment, environment_of
from cobalt_sync.api.routes import ENDPOINTS
from cobalt_sync.api.types import (
    API_PREFIX,
    Application,
    Endpoint,
    Event,
    LinkedAccount,
    LinkedAccountPage,
    OAuthCredentials,
    RequestStats,
)
from cobalt_sync.resource import JsonObject

if TYPE_CHECKING:
    from cobalt_sync.api.client import CobaltApi as CobaltApi

__all__ = [
    "API_PREFIX",
    "ENDPOINTS",
    "Application",
    "CobaltApi",
    "Endpoint",
    "Environment",
    "Event",
    "JsonObject",
    "LinkedAccount",
    "LinkedAccountPage",
    "OAuthCredentials",
    "RequestStats",
    "environment_of",
]


def __getattr__(name: str) -> Any:
    if name != "CobaltApi":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module("cobalt_sync.api.client").CobaltApi
