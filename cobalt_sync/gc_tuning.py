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
from collections.abc import Iterator
from contextlib import contextmanager

# Young collections every 50,000 allocations (not 700), a middle one every 20 of those, and
# no full collection inside the block (the default's 10 and 10 make one every ~70,000).
RARE_THRESHOLDS = (50_000, 20, 1_000)


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely inside the block (it nests); the thresholds that were
    set before are set again after it, exception or not. A disabled collector stays off."""
    before = gc.get_threshold()
    gc.set_threshold(*RARE_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
