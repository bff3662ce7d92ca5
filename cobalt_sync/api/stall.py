"""Notices requests that wait too long for an answer, so a stalled API is never silence.

One daemon thread, started on first use, looks at the requests in flight about once a
second and says (once per attempt) what a request still waiting is and what happens next.
It knows nothing of HTTP; the channel registers each attempt with a sentence builder.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Describe = Callable[[float], str]  # seconds waited so far → the sentence to say


class StallWatch:
    """Calls `say(describe(waited))` for each watched attempt still running `after` seconds."""

    def __init__(self, after: float, say: Callable[[str], None]) -> None:
        self.after = after
        self._say = say
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[float, Describe]] = {}
        self._tokens = itertools.count()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def watch(self, describe: Describe) -> Iterator[None]:
        token = next(self._tokens)
        with self._lock:
            self._waiting[token] = (time.monotonic(), describe)
            self._start()
        try:
            yield
        finally:
            with self._lock:
                self._waiting.pop(token, None)

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
        with self._lock:
            due = {t: e for t, e in self._waiting.items() if now - e[0] >= self.after}
            for token in due:
                del self._waiting[token]  # one notice per attempt is enough
        return [(now - started, describe) for started, describe in due.values()]
