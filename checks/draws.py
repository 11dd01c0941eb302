r"""Random Gaussian directions, drawn on every core when they are long.

A directional check draws its directions from ``N(0, I)``: the bound of
:func:`checks.rule.detectable_along` holds for every error vector ``e`` because ``<e, v>`` is
then exactly ``N(0, ||e||^2)``. Cheaper directions lose that (with ``+-1`` entries the error
``e_0 - e_1`` is invisible along half of them), so the normal deviates stay; what can change
is how they are drawn. numpy's generator draws about 1.2e8 of them a second on one core, so
the two directions of a check at ``n = 2^20`` cost 17 ms of the engine's own time, more than
everything else it does there (issue 21).

:func:`standard_normal` therefore draws an array of at least :data:`PARALLEL_ENTRIES` entries
in chunks of :data:`CHUNK` entries, each from its own generator seeded by the caller's
(``gen.integers``, one seed per chunk, in order), the chunks on a pool of threads (numpy's
generators release the GIL while they fill an array). The numbers depend on the caller's
generator and on ``CHUNK`` alone, never on how many threads ran or in which order the chunks
were filled: the same seed gives the same directions on one core or on eight. Shorter arrays
are drawn as before, in one call of the caller's generator.

A directional check reads its directions one at a time (:func:`rows`): the first is needed at
once, the second only after the noise probe and the ladder along the first. The thread that
reads a row fills the chunks that no pool thread has taken yet, and the pool goes on with the
later rows meanwhile: waking a pool thread takes about 0.5 ms on this machine's virtual cores
(as long as drawing 2^16 deviates), so waiting for the pool to draw the first row would cost
more than drawing it, and the second row's draw is hidden behind the work along the first.

>>> v = standard_normal(np.random.default_rng(0), (2, 3))
>>> bool(np.all(v == np.random.default_rng(0).standard_normal((2, 3))))
True
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, overload

import numpy as np

__all__ = ["CHUNK", "PARALLEL_ENTRIES", "Rows", "rows", "standard_normal"]

#: arrays with at least this many entries are drawn in chunks: 2^16 deviates take about
#: 0.5 ms on one core, and handing a chunk to a thread and back about 0.04 ms (below it the
#: hand-offs would cost what the second core saves)
PARALLEL_ENTRIES = 2**16

#: entries per chunk: each chunk is one generator's draw (about 0.5 ms), so a pool of a few
#: threads stays busy and the seeding (about 6 us per generator) is 1 % of the work (2^15,
#: 2^17 and 2^18 measured 0.5-1 ms slower at 2 x 2^20 or 2 x 2^16 entries)
CHUNK = 2**16

_POOL: tuple[int, ThreadPoolExecutor, int] | None = None
_LOCK = threading.Lock()


def _pool() -> tuple[ThreadPoolExecutor, int] | None:
    """The process's pool of drawing threads and their number, one fewer than the cores (the
    calling thread draws too; ``None`` on one core); a new one after a fork (a forked child
    inherits the pool object but not its threads)."""
    global _POOL
    cores = os.cpu_count() or 1
    if cores < 2:
        return None
    with _LOCK:
        if _POOL is None or _POOL[0] != os.getpid():
            workers = min(cores - 1, 3)
            _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=workers,
                                                      thread_name_prefix="checks-draws"),
                     workers)
        return _POOL[1], _POOL[2]


def _fill(seed: int, out: np.ndarray) -> None:
    np.random.default_rng(seed).standard_normal(out=out)


class _Chunks:
    """The chunks of one long draw, filled in order by whichever thread claims each next:
    the pool's threads and the thread that reads the rows (:meth:`ready`)."""

    def __init__(self, seeds: list[int], parts: list[np.ndarray]):
        self.seeds, self.parts = seeds, parts
        self.done = [threading.Event() for _ in parts]
        self.next = 0
        self.lock = threading.Lock()
        self.error: BaseException | None = None

    def _claim(self, upto: int) -> int | None:
        with self.lock:
            i = self.next
            if i >= upto:
                return None
            self.next = i + 1
            return i

    def work(self, upto: int | None = None) -> None:
        """Fill the chunks not yet claimed, in order, up to (not including) ``upto``."""
        upto = len(self.parts) if upto is None else upto
        while (i := self._claim(upto)) is not None:
            try:
                _fill(self.seeds[i], self.parts[i])
            except BaseException as e:  # re-raised by ready() in the reading thread
                self.error = e
            finally:
                self.done[i].set()

    def ready(self, upto: int) -> None:
        """Return once chunks ``0 .. upto - 1`` are filled, filling unclaimed ones here."""
        self.work(upto)
        for event in self.done[:upto]:
            event.wait()
        if self.error is not None:
            raise self.error


class Rows(Sequence[np.ndarray]):
    """The rows of a ``(k, *shape)`` array of standard normal deviates (:func:`rows`), each
    complete when it is read: row ``j`` waits only for the chunks it spans, and the later
    rows are drawn by the pool while the caller works with the first."""

    def __init__(self, out: np.ndarray, chunks: _Chunks | None, chunk: int):
        self.out, self._chunks, self._chunk = out, chunks, chunk
        self.shape = out.shape

    def __len__(self) -> int:
        return len(self.out)

    @overload
    def __getitem__(self, j: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, j: slice) -> Sequence[np.ndarray]: ...

    def __getitem__(self, j: int | slice) -> Any:
        if isinstance(j, slice):
            return [self[i] for i in range(len(self))[j]]
        j = range(len(self))[j]  # an IndexError past the end, as for an array
        if self._chunks is not None:
            row = self.out[0].size
            self._chunks.ready(-(-(j + 1) * row // self._chunk))
        return self.out[j]

    def array(self) -> np.ndarray:
        """Every row, as one array."""
        if self._chunks is not None:
            self._chunks.ready(len(self._chunks.parts))
        return self.out


def rows(gen: np.random.Generator, shape: tuple[int, ...]) -> Rows:
    """The numbers of :func:`standard_normal` ``(gen, shape)``, by rows: below
    :data:`PARALLEL_ENTRIES` entries drawn at once; from there on, the chunks are handed to
    the pool at once and row ``j`` is complete when read (the reading thread fills the chunks
    no pool thread has taken yet, in order). The first row of a directional check is then
    drawn while the pool's threads wake (about 0.5 ms on a virtual machine, as long as
    drawing 2^16 deviates), and the second while the check works along the first."""
    n = math.prod(shape)
    if n < PARALLEL_ENTRIES:
        return Rows(gen.standard_normal(shape), None, CHUNK)
    out = np.empty(shape)
    flat = out.reshape(-1)
    count = -(-n // CHUNK)
    seeds = gen.integers(2**63, size=count).tolist()
    chunks = _Chunks(seeds, [flat[i * CHUNK:(i + 1) * CHUNK] for i in range(count)])
    pool = _pool()
    if pool is not None:
        executor, workers = pool
        for _ in range(min(workers, count - 1)):
            executor.submit(chunks.work)
    return Rows(out, chunks, CHUNK)


def standard_normal(gen: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """An array of ``shape`` of independent standard normal deviates from ``gen``.

    Below :data:`PARALLEL_ENTRIES` entries: ``gen.standard_normal(shape)``. From there on: in
    chunks of :data:`CHUNK` entries (C order), chunk ``i`` drawn by ``default_rng(s_i)``
    where ``s = gen.integers(2**63, size=chunks)``, on the pool's threads and the caller's
    (module docstring); the same numbers whatever the number of threads.
    """
    return rows(gen, shape).array()
