"""The Cobalt API client: `CobaltApi` and the values it returns.

A package because the client has three separable parts: `channel.py` (HTTP, retries, pacing,
error mapping, redaction), `wire.py` (private pydantic models of replies) and `client.py`
(one method per endpoint, the route table). Import from here, not from the submodules.
"""

from cobalt_sync.api.client import ENDPOINTS, CobaltApi, Environment, environment_of
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
