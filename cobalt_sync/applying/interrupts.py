"""SIGINT and SIGTERM, turned into something the CLI can report: by default a signal raises
`Interrupted` (not KeyboardInterrupt, which click swallows into its own `Abort`); while
apply writes, the first signal only asks it to stop scheduling writes and a second one ends
the process at once. Signal handlers can only be set from the main thread: elsewhere (a
test runner's worker thread) these are no-ops.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType

# The shell's convention, and what CI runners expect: 128 + the signal's number.
EXIT_CODES: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}
SIGNALS = (signal.SIGINT, signal.SIGTERM)
NAMES: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


# How long a command may take to unwind after a signal before the process just exits.
UNWIND_SECONDS = 2.0


def signal_name(signum: int) -> str:
    return NAMES.get(signum, f"signal {signum}")


class Interrupted(KeyboardInterrupt):
    """A signal arrived outside apply's write phase: stop here, nothing half-done. A
    KeyboardInterrupt, so code waiting for Ctrl-C (a server until stopped) catches it as
    usual; click turns it into `Abort`, whose context cli.run reads the signal from."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signum, 128 + self.signum)


class StopRequest:
    """Set by the first signal during apply's writes; apply_plan checks it between changes."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None

    def request(self, signum: int) -> None:
        self.signum = signum
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()

    @property
    def exit_code(self) -> int:
        return 0 if self.signum is None else Interrupted(self.signum).exit_code

    @property
    def name(self) -> str:
        return "" if self.signum is None else signal_name(self.signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def stopped_line(signum: int) -> str:
    """The one line a command interrupted outside apply's writes ends with."""
    return f"Interrupted ({signal_name(signum)}): stopped before changing anything."


@contextmanager
def signals_raise(last_words: Callable[[int], str] = stopped_line) -> Iterator[None]:
    """Within, SIGINT and SIGTERM raise `Interrupted` in the main thread. Unwinding can be
    held up by a worker thread stuck in a stalled request (an executor waits for its
    threads), so a watchdog ends the process UNWIND_SECONDS later if it is still running;
    a second signal ends it at once. Either way `last_words(signum)` is its last line."""
    raised = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        if raised.is_set():
            exit_now(signum, last_words)
        raised.set()
        watchdog = threading.Timer(UNWIND_SECONDS, exit_now, args=(signum, last_words))
        watchdog.daemon = True
        watchdog.start()
        raise Interrupted(signum)

    with _handlers(handle):
        yield


def exit_now(signum: int, last_words: Callable[[int], str]) -> None:
    _say(last_words(signum) + "\n")
    os._exit(Interrupted(signum).exit_code)


@contextmanager
def graceful_stop(grace_seconds: float) -> Iterator[StopRequest]:
    """Within, the first signal sets the yielded StopRequest and says so on stderr; the
    second ends the process at once with the signal's exit code."""
    stop = StopRequest()

    def handle(signum: int, frame: FrameType | None) -> None:
        if not stop.is_set():
            stop.request(signum)
            _say(
                f"\nInterrupted ({stop.name}): no new writes; waiting up to "
                f"{grace_seconds:g}s for the ones in flight, then reporting what landed. "
                "Interrupt again to stop at once.\n"
            )
            return
        _say(
            f"\nStopped at once ({signal_name(signum)}): writes in "
            "flight may or may not have landed. Re-running `cobalt-sync apply` is safe.\n"
        )
        os._exit(Interrupted(signum).exit_code)  # the user insisted: no cleanup, no waiting

    with _handlers(handle):
        yield stop


def _say(text: str) -> None:
    """Straight to fd 2: a signal handler must not re-enter a buffered stream being written."""
    with suppress(OSError):
        os.write(2, text.encode("utf-8", "replace"))


@contextmanager
def _handlers(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    if not _in_main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    for signum in SIGNALS:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
