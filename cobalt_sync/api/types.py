"""The values the Cobalt client returns: frozen dataclasses, already normalised from the wire.

Nothing here talks HTTP or knows a vendor field name; `wire.py` turns JSON into these. Server
ids appear only where a later call needs them (`Event.id`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cobalt_sync.resource import JsonObject


@dataclass(frozen=True)
class Application:
    """An app enabled for the org and environment of the key."""

    slug: str
    name: str
    auth_type: str
    connected: bool = False


@dataclass(frozen=True)
class Event:
    """An app event definition. `sample` is the payload when Cobalt returned it, else None;
    `shape` is the vendor's `(key, type)` list, derived locally when only the sample came back."""

    id: str
    name: str
    sample: JsonObject | None
    shape: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LinkedAccount:
    """An end-customer account; `integrations` are the slugs of its connected apps."""

    account_id: str
    name: str | None
    udf: dict[str, str]
    environment: str
    integrations: tuple[str, ...]


@dataclass(frozen=True)
class OAuthCredentials:
    """An app's OAuth client settings as far as they can be observed; never the secret.

    `mode` is `custom` (own client), `default` (Cobalt's shared client), `unset`, or `unknown`
    when read from real Cobalt's consent URL, which shows the client id and the effective
    scopes in use but not the secret (the fingerprint is None) nor whose client it is.
    `scopes` is None when they could not be seen.
    """

    slug: str
    mode: str
    client_id: str | None
    client_secret_fingerprint: str | None
    scopes: tuple[str, ...] | None
    mandatory_scopes: tuple[str, ...]
    callback_url: str | None


@dataclass(frozen=True)
class LinkedAccountPage:
    """One page of the linked-account list, with the vendor's paging facts."""

    items: list[LinkedAccount]
    total: int
    page: int
    total_pages: int
    has_next: bool
    # Items per page the server used: its echoed `limit` when it paged at fewer than we
    # asked (a clamp), else the limit we asked for; 0 when the page was built elsewhere.
    limit: int = 0


@dataclass(frozen=True)
class Endpoint:
    """One route the client calls: method, path template under the API prefix, and whether it
    is part of Cobalt's public API or the sandbox-only contract (cobalt-api.md §3.2)."""

    method: str
    template: str
    public: bool = True

    @property
    def label(self) -> str:
        """`GET /api/v2/public/linked-account/{linked_account_id}`: how errors name it."""
        return f"{self.method} {API_PREFIX}{self.template}"


API_PREFIX = "/api/v2/public"


class RequestStats:
    """Thread-safe counters of what the client sent: for `-v`, benchmarks and reports."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_status: dict[str, int] = {}
        self._retries = 0
        self._throttled_seconds = 0.0

    def record(self, status: int | str) -> None:
        """Count one attempt by its HTTP status, or by a word (`network`) when none came back."""
        with self._lock:
            key = str(status)
            self._by_status[key] = self._by_status.get(key, 0) + 1

    def record_retry(self) -> None:
        with self._lock:
            self._retries += 1

    def record_throttle(self, seconds: float) -> None:
        with self._lock:
            self._throttled_seconds += seconds

    @property
    def total(self) -> int:
        """Every attempt on the wire, retries included."""
        with self._lock:
            return sum(self._by_status.values())

    @property
    def by_status(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_status)

    @property
    def retries(self) -> int:
        with self._lock:
            return self._retries

    @property
    def throttled_seconds(self) -> float:
        """Seconds threads spent waiting for the client's own pacing, summed over threads."""
        with self._lock:
            return self._throttled_seconds

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "requests": sum(self._by_status.values()),
                "by_status": dict(sorted(self._by_status.items())),
                "retries": self._retries,
                "throttled_seconds": round(self._throttled_seconds, 3),
            }

    def __repr__(self) -> str:
        return f"RequestStats({self.snapshot()})"
