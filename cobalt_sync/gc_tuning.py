"""`rare_collections()`: build large, acyclic data without the cyclic garbage collector
rescanning it every few hundred allocations.

A plan of a large manifest builds a few hundred thousand dicts, models and Resources that all
live until the end of the run. By default the collector runs every 700 allocations and, as
the heap grows, rescans the older generations, finding nothing (the data has no cycles and
reference counting frees it): on a 10,000-account plan that was ~0.5 s of CPU, a quarter of
the run. Inside the block, young garbage is still collected, every 50,000 allocations, so a
cycle made there (an exception's traceback, an HTTP reply's internals) cannot pile up.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Young collections every 50,000 allocations (not 700), a middle one every 20 of those, and
# no full collection inside the block (the default's 10 and 10 make one every ~70,000).
RARE_THRESHOLDS = (50_000, 20, 1_000)


class _Blocks:
    """The blocks running now, in any thread: the thresholds are the collector's, one set for
    the process, so the first block to start sets them and the last one to end puts back
    those it found (blocks in two threads need not end in the order they started)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.found = gc.get_threshold()

    def enter(self) -> None:
        with self.lock:
            if self.running == 0:
                self.found = gc.get_threshold()
                gc.set_threshold(*RARE_THRESHOLDS)
            self.running += 1

    def leave(self) -> None:
        with self.lock:
            self.running -= 1
            if self.running == 0:
                gc.set_threshold(*self.found)


_BLOCKS = _Blocks()


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely while the block runs (blocks nest, and may overlap in
    threads); once no block runs, the thresholds set before are set again, exception or not.
    A disabled collector stays off."""
    _BLOCKS.enter()
    try:
        yield
    finally:
        _BLOCKS.leave()
