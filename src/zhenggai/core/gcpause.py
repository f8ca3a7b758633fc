"""Pausing the cyclic garbage collector while a big table is built and checked (issue 22).

Python's cyclic collector runs every 700 net allocations and, every so often, walks every
container object alive. Reading a 100,000-row table leaves about a million of them (the
grid's rows and cells); building its records and row models then allocates millions more,
and the collector's walks over the grid cost about a quarter of a ``validate`` (100,000 rows:
~1.3 of ~5.4 s CPU) while finding nothing: rows, records, models and findings hold no
reference cycles. Reference counting still frees everything as before; only cycles made
during the pause wait for the collector, which runs again afterwards.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off inside, back to what it was after (nested pauses are fine)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
