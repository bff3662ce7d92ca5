"""The client's own values: a route (`Endpoint`) and the request counters of a run. The
values of a kind's replies are the kind's (`kinds/<kind>.py`). Nothing here talks HTTP."""

from __future__ import annotations

import threading
from dataclasses import dataclass


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
