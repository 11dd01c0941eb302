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

>>> v = standard_normal(np.random.default_rng(0), (2, 3))
>>> bool(np.all(v == np.random.default_rng(0).standard_normal((2, 3))))
True
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["CHUNK", "PARALLEL_ENTRIES", "standard_normal"]

#: arrays with at least this many entries are drawn in chunks: 2^16 deviates take about
#: 0.5 ms on one core, and handing a chunk to a thread and back about 0.04 ms (below it the
#: hand-offs would cost what the second core saves)
PARALLEL_ENTRIES = 2**16

#: entries per chunk: each chunk is one generator's draw (about 0.5 ms), so a pool of a few
#: threads stays busy and the seeding (about 6 us per generator) is 1 % of the work (2^15,
#: 2^17 and 2^18 measured 0.5-1 ms slower at 2 x 2^20 or 2 x 2^16 entries)
CHUNK = 2**16

_POOL: tuple[int, ThreadPoolExecutor] | None = None
_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor | None:
    """The process's pool of drawing threads (``None`` on one core); a new one after a fork
    (a forked child inherits the pool object but not its threads)."""
    global _POOL
    cores = os.cpu_count() or 1
    if cores < 2:
        return None
    with _LOCK:
        if _POOL is None or _POOL[0] != os.getpid():
            _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=min(cores, 4),
                                                      thread_name_prefix="checks-draws"))
        return _POOL[1]


def _fill(seed: int, out: np.ndarray) -> None:
    np.random.default_rng(seed).standard_normal(out=out)


def standard_normal(gen: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """An array of ``shape`` of independent standard normal deviates from ``gen``.

    Below :data:`PARALLEL_ENTRIES` entries: ``gen.standard_normal(shape)``. From there on: in
    chunks of :data:`CHUNK` entries (C order), chunk ``i`` drawn by ``default_rng(s_i)``
    where ``s = gen.integers(2**63, size=chunks)``, on the pool's threads (module
    docstring); the same numbers whatever the number of threads.
    """
    n = math.prod(shape)
    if n < PARALLEL_ENTRIES:
        return gen.standard_normal(shape)
    out = np.empty(shape)
    flat = out.reshape(-1)
    chunks = -(-n // CHUNK)
    seeds = gen.integers(2**63, size=chunks).tolist()
    parts = [flat[i * CHUNK:(i + 1) * CHUNK] for i in range(chunks)]
    pool = _pool()
    if pool is None:
        for seed, part in zip(seeds, parts, strict=True):
            _fill(seed, part)
    else:
        for done in [pool.submit(_fill, seed, part) for seed, part in zip(seeds, parts,
                                                                          strict=True)]:
            done.result()
    return out
