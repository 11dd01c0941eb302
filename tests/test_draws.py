"""The random directions of directional checks: drawn in parallel chunks when long
(checks.draws), the same numbers on any number of threads, independent chunks; and
typical_scale's one-pass root mean square and c_order's tiled copy (checks._util)."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from checks import check_gradient, draws
from checks._util import c_order, typical_scale


def _long() -> tuple[int, ...]:
    """A shape of more entries than PARALLEL_ENTRIES and two full chunks, not a multiple of
    CHUNK (a short last chunk)."""
    return (3, max(draws.PARALLEL_ENTRIES, 2 * draws.CHUNK) // 3 + 17)


def test_short_arrays_are_the_generators_own_draw():
    shape = (2, draws.PARALLEL_ENTRIES // 2 - 1)
    got = draws.standard_normal(np.random.default_rng(5), shape)
    assert np.array_equal(got, np.random.default_rng(5).standard_normal(shape))


def test_long_arrays_are_the_same_numbers_on_one_thread_or_many(monkeypatch):
    pooled = draws.standard_normal(np.random.default_rng(9), _long())
    monkeypatch.setattr(draws, "_pool", lambda: None)
    serial = draws.standard_normal(np.random.default_rng(9), _long())
    assert np.array_equal(pooled, serial)
    # and they follow the caller's generator: another seed, other numbers
    assert not np.array_equal(serial, draws.standard_normal(np.random.default_rng(10), _long()))


def test_long_arrays_are_filled_and_their_chunks_independent():
    """Every entry drawn (no chunk left as np.empty's garbage), standard normal moments, and
    no two chunks alike: the correlation of neighbouring chunks is ~ N(0, 1/CHUNK), so 6 /
    sqrt(CHUNK) fails by chance with probability 2e-9 per pair. One seed for every chunk
    (or a seed reused) would give a correlation of 1."""
    v = draws.standard_normal(np.random.default_rng(2), _long())
    assert v.shape == _long() and np.all(np.isfinite(v))
    flat = v.ravel()
    n = flat.size
    assert abs(flat.mean()) < 6 / np.sqrt(n)
    assert abs(flat.var() - 1.0) < 6 * np.sqrt(2 / n)
    c = draws.CHUNK
    chunks = [flat[i * c:(i + 1) * c] for i in range(n // c)]
    assert len(chunks) >= 2
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert abs(np.corrcoef(a, b)[0, 1]) < 6 / np.sqrt(c)


def test_rows_are_the_arrays_rows_read_in_any_order():
    """draws.rows gives the numbers of draws.standard_normal, row by row, read first to last
    or last to first, by index, negative index or slice; past the end is an IndexError."""
    whole = draws.standard_normal(np.random.default_rng(3), _long())
    forward = draws.rows(np.random.default_rng(3), _long())
    assert len(forward) == len(whole) and forward.shape == whole.shape
    for j in range(len(whole)):
        assert np.array_equal(forward[j], whole[j])
    backward = draws.rows(np.random.default_rng(3), _long())
    assert np.array_equal(backward[-1], whole[-1])
    assert all(np.array_equal(a, b) for a, b in zip(backward[::-1], whole[::-1], strict=True))
    assert np.array_equal(backward.array(), whole)
    with pytest.raises(IndexError):
        backward[len(whole)]
    short = draws.rows(np.random.default_rng(3), (2, 5))
    assert np.array_equal(short.array(), np.random.default_rng(3).standard_normal((2, 5)))


def test_rows_never_wait_on_a_pool_that_does_not_run(monkeypatch):
    """The reading thread fills every chunk the pool has not taken: with the pool's only
    thread held up, each row and the whole array are still drawn, with the same numbers.
    (Waiting on the pool instead would hang here: a pytest timeout would show it.)"""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    held = threading.Event()
    stuck = ThreadPoolExecutor(max_workers=1)
    stuck.submit(held.wait)  # the pool's one thread is busy until released
    monkeypatch.setattr(draws, "_pool", lambda: (stuck, 1))
    try:
        got = draws.rows(np.random.default_rng(6), _long())
        first = got[0].copy()
        whole = got.array()
    finally:
        held.set()
        stuck.shutdown(wait=True)
    monkeypatch.setattr(draws, "_pool", lambda: None)
    want = draws.standard_normal(np.random.default_rng(6), _long())
    assert np.array_equal(first, want[0]) and np.array_equal(whole, want)


def test_a_failed_chunk_is_raised_where_its_row_is_read(monkeypatch):
    """An error in filling a chunk (on a pool thread or here) is raised when a row that spans
    it is read, not lost with the thread."""
    real = draws._fill
    bad_seed = draws.CHUNK  # no seed of gen.integers(2**63) equals this by chance

    def fill(seed, out):
        if seed == bad_seed:
            raise MemoryError("planted")
        real(seed, out)

    class Gen:
        def integers(self, high, size):
            return np.array([1] * (size - 1) + [bad_seed])

    monkeypatch.setattr(draws, "_fill", fill)
    got = draws.rows(Gen(), _long())
    with pytest.raises(MemoryError, match="planted"):
        got[len(got) - 1]


def _draw_in_child(seed: int) -> np.ndarray:
    return draws.standard_normal(np.random.default_rng(seed), _long())


def test_a_forked_child_draws_on_its_own_pool():
    """The parent's pool has run (its threads exist only in the parent); a child forked from
    it must not wait on them for ever, and draws the parent's numbers."""
    here = _draw_in_child(4)
    # (a multiprocessing pool: leaving its block terminates a child that hangs)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        there = pool.apply_async(_draw_in_child, (4,)).get(timeout=60)
    assert np.array_equal(here, there)


def test_a_directional_check_of_a_long_argument_sees_a_planted_error():
    """Long enough for the parallel draw: the right gradient passes, one entry wrong by
    1e-3 of the gradient's size fails (the directions are random normal in every entry)."""
    n = draws.PARALLEL_ENTRIES
    x = np.random.default_rng(1).standard_normal(n)

    def f(v):
        return float(v @ v)

    def wrong(v):
        g = 2 * v
        g[n // 2] += 1e-3 * np.sqrt(n)
        return g

    assert check_gradient(f, lambda v: 2 * v, (x,), mode="directional").verdict == "pass"
    assert check_gradient(f, wrong, (x,), mode="directional").verdict == "fail"


@pytest.mark.parametrize("scale", [1.0, 1e200, 1e-200, 1e-310, 3e-162, 1e154])
def test_typical_scale_is_the_root_mean_square_at_every_scale(scale):
    """One pass of sum x_k^2 where that neither overflows nor underflows, the scaled form
    m rms(x / m) elsewhere: both the root mean square, to a few ulp times sqrt(n)."""
    base = np.random.default_rng(0).uniform(0.5, 2.0, 1000) * np.r_[1.0, -1.0].repeat(500)
    x = base * scale
    want = float(np.sqrt(np.mean(base**2))) * scale  # exact scaling where scale is a power
    assert typical_scale(x) == pytest.approx(want, rel=1e-13, abs=0.0)


def test_typical_scale_of_mixed_tiny_and_huge_entries():
    """Squares that overflow (1e200) beside ones that are fine: the scaled form."""
    x = np.array([1e200, 1.0, -1e200, 1e-300])
    assert typical_scale(x) == pytest.approx(1e200 * np.sqrt(0.5), rel=1e-15, abs=0.0)
    assert typical_scale(np.zeros(5)) == 1.0


def test_a_directional_check_draws_its_directions_while_grad_runs(monkeypatch):
    """The directions are handed to the pool before grad is called: here grad waits until a
    pool thread has drawn every chunk (it would wait its whole timeout, and the test fail, if
    the draw began after grad), and the check reads the pool's numbers."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-draws")
    monkeypatch.setattr(draws, "_pool", lambda: (pool, 1))
    filled: list[str] = []
    all_drawn = threading.Event()
    real = draws._fill
    n = draws.PARALLEL_ENTRIES
    chunks = -(-2 * n // draws.CHUNK)  # two directions

    def fill(seed, out):
        real(seed, out)
        filled.append(threading.current_thread().name)
        if len(filled) == chunks:
            all_drawn.set()

    monkeypatch.setattr(draws, "_fill", fill)
    waited = []

    def grad(v):
        waited.append(all_drawn.wait(timeout=30))
        return 2 * v

    x = np.random.default_rng(1).standard_normal(n)
    try:
        r = check_gradient(lambda v: float(v @ v), grad, (x,), mode="directional")
    finally:
        pool.shutdown(wait=True)
    assert waited == [True]
    assert len(filled) == chunks and all(name.startswith("test-draws") for name in filled)
    assert r.verdict == "pass"


@pytest.mark.parametrize("shape", [(64, 64), (300, 129), (65, 1000), (1000, 70), (5, 7)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_c_order_copies_a_transposed_matrix_exactly(shape, dtype):
    """Tiles that do not divide the sides, tall and wide matrices, float32: every entry in
    place, in C order; C-ordered input is returned as is, other layouts copied."""
    base = np.random.default_rng(0).standard_normal(shape[::-1]).astype(dtype)
    a = base.T  # Fortran order
    got = c_order(a)
    assert got.flags.c_contiguous and got.dtype == dtype
    assert np.array_equal(got, a)
    assert c_order(base) is base
    strided = base[::2, ::3]
    assert np.array_equal(c_order(strided), strided) and c_order(strided).flags.c_contiguous
    cube = np.asfortranarray(np.arange(24.0).reshape(2, 3, 4))
    assert np.array_equal(c_order(cube), cube) and c_order(cube).flags.c_contiguous
