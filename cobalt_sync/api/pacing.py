"""Client-side pacing and retry delays: a thread-safe token bucket and full-jitter backoff.

Owns only time arithmetic; it never sends a request. Cobalt documents "20 per second with a
burst of 5" and nothing about its 429s (cobalt-api.md §1.5), so the client paces itself to
that budget rather than discovering it by being refused.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

# Retry waits never grow past this, whatever the attempt count or a server's Retry-After.
MAX_DELAY_SECONDS = 10.0  # our own backoff step
MAX_RETRY_AFTER_SECONDS = 30.0  # what we accept from a server's Retry-After


class TokenBucket:
    """At most `rate` acquisitions per second on average, `burst` at once, across threads.

    A generic cell-rate algorithm: one "theoretical arrival time" under a lock. Each caller
    reserves its slot under the lock and sleeps outside it, so waiting threads are served in
    arrival order and none spins.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._tolerance = (max(1, burst) - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._arrival = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one slot, sleeping until it is due; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            arrival = max(self._arrival, now)
            wait = max(0.0, arrival - self._tolerance - now)
            self._arrival = arrival + self._interval
        if wait > 0:
            self._sleep(wait)
        return wait

    def hold(self, seconds: float) -> None:
        """No slot before `seconds` from now, and no burst right after (the server said 429).

        Several threads refused at once all ask for the same pause; it is not added up.
        """
        with self._lock:
            resume = self._clock() + seconds + self._tolerance
            self._arrival = max(self._arrival, resume)


def backoff_delay(attempt: int, base: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base·2^attempt)]."""
    if base <= 0:
        return 0.0
    ceiling = min(MAX_DELAY_SECONDS, base * (2**attempt))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds form only), capped; None if unusable."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # the HTTP-date form: fall back to our own backoff
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(seconds, MAX_RETRY_AFTER_SECONDS)
