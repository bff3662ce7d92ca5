"""Client-side pacing: the client keeps to its request budget instead of collecting 429s.

Assertions are on counts (how many 429s, how long the bucket asked to wait), never on times.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from cobalt_sync.api import CobaltApi
from cobalt_sync.api.pacing import TokenBucket, backoff_delay, parse_retry_after
from cobalt_sync.errors import RateLimitedError
from cobalt_sync.kinds.linked_accounts import count_accounts
from tests.conftest import TEST_KEY, Sandbox

REQUESTS = 150


def hammer(api: CobaltApi) -> list[BaseException | None]:
    def one(_: int) -> BaseException | None:
        try:
            count_accounts(api)
        except RateLimitedError as refused:
            return refused
        return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(REQUESTS)))


def test_a_paced_client_stays_within_a_matching_rate_limit(sandbox: Sandbox) -> None:
    sandbox.faults(rate_limit=50)
    with CobaltApi(sandbox.url, TEST_KEY, backoff=0, requests_per_second=50) as api:
        failures = hammer(api)
        by_status = api.stats.by_status
    assert failures == [None] * REQUESTS
    assert by_status["200"] == REQUESTS
    assert by_status.get("429", 0) < 0.05 * REQUESTS


def test_an_unpaced_client_would_be_refused_often(sandbox: Sandbox) -> None:
    """The contrast that shows the test above measures pacing, not a lenient server."""
    sandbox.faults(rate_limit=50)
    with CobaltApi(
        sandbox.url, TEST_KEY, backoff=0, requests_per_second=None, max_retries=0
    ) as api:
        failures = hammer(api)
    assert sum(failure is not None for failure in failures) > 0.2 * REQUESTS


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_bucket_allows_a_burst_then_spaces_requests_at_the_rate() -> None:
    time = FakeTime()
    bucket = TokenBucket(20, 5, clock=time.clock, sleep=time.sleep)
    waits = [bucket.acquire() for _ in range(7)]
    assert waits[:5] == [0.0] * 5
    assert [round(w, 3) for w in waits[5:]] == [0.05, 0.05]


def test_a_hold_pauses_the_bucket_once_not_per_caller() -> None:
    time = FakeTime()
    bucket = TokenBucket(10, 5, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        bucket.hold(2.0)  # three threads refused at once ask for the same pause
    assert round(bucket.acquire(), 3) == 2.0
    assert round(bucket.acquire(), 3) == 0.1  # no burst straight after a 429


def test_backoff_is_full_jitter_capped_and_zero_when_disabled() -> None:
    import random

    rng = random.Random(1)
    assert backoff_delay(5, 0.0, rng) == 0.0
    delays = [backoff_delay(attempt, 0.5, rng) for attempt in range(12)]
    assert all(0 <= delay <= min(30.0, 0.5 * 2**n) for n, delay in enumerate(delays))


def test_retry_after_is_read_in_seconds_and_capped() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("86400") == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None and parse_retry_after(None) is None
