"""Pausing Python's cyclic garbage collector while a graph is built.

    >>> from autodiff import Value, collector_paused
    >>> with collector_paused():           # the collector rests while the graph grows
    ...     x = Value(0.5)
    ...     for _ in range(1000):
    ...         x = x * 0.999 + 0.001
    ...     x.backward()

CPython frees an object the moment its last reference goes (reference
counting); the cyclic collector is there only for objects that refer to each
other in a loop, which reference counting cannot free. To find such loops it
walks the objects made since its last walk, every few hundred new objects, and
every so often all of them. A computation graph is millions of new objects that
all stay alive until the graph is dropped, so the collector walks them again and
again and finds nothing: a graph holds no loops (a node refers to its parents,
never back), and reference counting frees it whole once ``C`` goes.
(``benchmarks/bench_engine.py`` times a 1,000,000-node chain both ways.)

``collector_paused()`` turns the collector off for a block of code and puts
back the caller's setting afterwards, however the block ends (an error, or
Ctrl-C too). Nested pauses are fine: only the outermost one turns it on again,
and only if it was on. The setting is the whole interpreter's: other threads
lose their collections for as long as the pause lasts. It also works as a
decorator. ``nn`` pauses the collector around its own graph building
(training, evaluation, comparisons, the command line).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Turn Python's cyclic garbage collector off for the block; restore the caller's setting.

    Reference counting still frees every graph the moment its last reference
    goes; only objects in reference cycles (which ``Value`` graphs never make)
    wait until the collector runs again.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
