"""A stalled API is never silence and never endless: notices of requests waiting for an
answer, and the run's one budget of patience with an API that does not answer.

`StallWatch`: one daemon thread, started on first use, looks at the requests in flight about
once a second and says, once per stalled request (parallel requests to the same route and
the retries of a request share one notice), what it waits for and what happens next.
`StallBudget`: from the start of the first attempt that timed out, the API has `tries` ×
`timeout` to answer again, however many requests, retries, readers or re-reads a run makes;
after that, or once a request gave up, every request fails at once with the same error.
Neither knows HTTP: the channel tells them what happened.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Describe = Callable[[float], str]  # seconds waited so far → the sentence to say


class StallWatch:
    """Calls `say(describe(waited))` for a watched attempt still running `after` seconds,
    once per `key` until the key is forgotten (its route answered again)."""

    def __init__(self, after: float, say: Callable[[str], None]) -> None:
        self.after = after
        self._say = say
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[float, str, Describe]] = {}
        self._said: set[str] = set()
        self._tokens = itertools.count()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def watch(self, key: str, describe: Describe) -> Iterator[None]:
        token = next(self._tokens)
        with self._lock:
            self._waiting[token] = (time.monotonic(), key, describe)
            self._start()
        try:
            yield
        finally:
            with self._lock:
                self._waiting.pop(token, None)

    def forget(self, key: str) -> None:
        """`key` answered: a later stall of it is news again."""
        with self._lock:
            self._said.discard(key)

    def close(self) -> None:
        self._closed.set()

    def _start(self) -> None:
        if self._thread is None and not self._closed.is_set():
            self._thread = threading.Thread(target=self._run, name="stall-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        # A quarter of the notice delay, at most a second: the notice comes at most that late.
        tick = min(1.0, self.after / 4)
        while not self._closed.wait(tick):
            for waited, describe in self._due():
                self._say(describe(waited))

    def _due(self) -> list[tuple[float, Describe]]:
        now = time.monotonic()
        due: list[tuple[float, Describe]] = []
        with self._lock:
            for token, (started, key, describe) in list(self._waiting.items()):
                if now - started < self.after:
                    continue
                del self._waiting[token]  # one look per attempt is enough
                if key not in self._said:  # …and one notice per stalled route
                    self._said.add(key)
                    due.append((now - started, describe))
        return due


class StallBudget:
    """The run's patience with silence, shared by every thread of a run.

    An *episode* opens when an attempt times out: its deadline is that attempt's start plus
    `tries` × `timeout`, and every attempt until then may wait only up to the deadline. It
    closes when no request still waiting has timed out (each got an answer, or ended) and an
    attempt started after the last timeout got an answer: a slow moment, not a stalled API.
    A request that keeps timing out keeps it open, so answers from other routes do not buy
    it more time. Once the deadline passes, or a request gave up, every request fails.
    """

    def __init__(self, timeout: float, tries: int) -> None:
        self.timeout = timeout
        self.tries = max(1, tries)
        self._lock = threading.Lock()
        self._opened: float | None = None  # start of the episode's first timed-out attempt
        self._last_timeout = 0.0
        self._holders = 0  # requests still waiting that have timed out at least once
        self._spent: Exception | None = None

    @property
    def spent(self) -> Exception | None:
        """The error every request now fails with, once the budget is spent."""
        return self._spent

    def limit(self) -> float:
        """How long an attempt starting now may wait for its answer (≤ 0: not at all)."""
        with self._lock:
            if self._spent is not None:
                return 0.0
            if self._opened is None:
                return self.timeout
            return min(self.timeout, self._opened + self.tries * self.timeout - time.monotonic())

    def left(self, started: float) -> float:
        """Seconds from now until a stall that began at `started` ends the run (a notice)."""
        with self._lock:
            opened = started if self._opened is None else min(self._opened, started)
        return max(0.0, opened + self.tries * self.timeout - time.monotonic())

    def timed_out(self, started: float, *, holds: bool) -> None:
        """An attempt begun at `started` got no answer; `holds`: its request's first."""
        with self._lock:
            if self._opened is None:
                self._opened = started
            self._last_timeout = time.monotonic()
            self._holders += holds

    def release(self) -> None:
        """A request that had timed out ended, or got an answer."""
        with self._lock:
            self._holders = max(0, self._holders - 1)

    def answered(self, started: float) -> None:
        """An attempt begun at `started` got an answer (any HTTP reply)."""
        with self._lock:
            if self._holders == 0 and started >= self._last_timeout:
                self._opened = None

    def give_up(self, error: Exception) -> Exception:
        """Spend the budget with `error` (the first one given stays); the error it holds."""
        with self._lock:
            if self._spent is None:
                self._spent = error
            return self._spent
