"""``f`` evaluated at perturbed points: one entry replaced at a time, or a batch at once.

Every method and every ladder level evaluates ``f`` through :func:`_evaluate`: ``f`` gets a
fresh copy of the point at every call (an ``f`` that writes into its argument cannot corrupt
the points that follow), a non-finite value raises (or, outside ``f``'s domain, is returned
when asked), and a vectorized ``f`` gets stacks of at most ``_BATCH_BYTES`` of points.

>>> x = np.array([1.0, 2.0])    # x_0 -> 1.5 (f = 2.25 + 4), then x_1 -> 2.5 (f = 1 + 6.25)
>>> _evaluate(lambda z: float(z @ z), x, np.array([[1.5, 2.5]]), False, False)
array([[6.25, 7.25]])
"""

from __future__ import annotations

import numpy as np

from checks import executor as _executor
from checks._util import NonFiniteValueError, batch_values, call_scalar

_BATCH_BYTES = 32 * 2**20  # memory per vectorized call


def _evaluate(
    fun, x, targets, vectorized: bool, complex_ok: bool, entries=None, finite: bool = True
) -> np.ndarray:
    """``f`` at ``x`` with entry ``entries[k]`` replaced by ``targets[j, k]``, for all ``j, k``.

    ``entries`` defaults to every entry of ``x`` (flat indices). With ``finite=False``,
    non-finite values are returned (points outside ``f``'s domain) instead of raising.
    """
    n_off, m = targets.shape
    entries = np.arange(m) if entries is None else np.asarray(entries)
    dtype = targets.dtype
    values = np.empty((n_off, m), dtype=complex if complex_ok else float)
    flat = x.ravel()
    if not vectorized and _executor.current() is not None:
        return _on_executor(fun, x, targets, entries, values, complex_ok, finite)
    shared = getattr(fun, "values_at", None)
    if shared is not None and not vectorized and not complex_ok:
        # one output of a map (checks._memo): its slice of the whole output vector at these
        # points, evaluated once for every output -- where every value is finite; anything
        # else (a domain error, a non-finite value) takes the loop below, which says so
        got = shared(x, targets, entries)
        if got is not None:
            return got
    if not vectorized:
        # one working buffer: set entry e, copy, evaluate, restore. f gets its own copy, so an
        # f that writes into its argument cannot corrupt the points that follow.
        buf = flat.astype(dtype, copy=True)
        # a function that copies its argument itself (a memo's entry) gets the buffer as is
        own = getattr(fun, "copies_argument", False) is True
        for k in range(m):
            e = int(entries[k])

            def where(e: int = e) -> str:
                return f"x + h e_{_index(x.shape, e)}"

            for j in range(n_off):
                buf[e] = targets[j, k]
                point = buf.reshape(x.shape)
                values[j, k] = call_scalar(fun, point if own else point.copy(), where,
                                           complex_ok, finite)
            buf[e] = flat[e]
        return values
    per_batch = max(1, _BATCH_BYTES // max(1, x.size * np.dtype(dtype).itemsize))
    jj, kk = np.divmod(np.arange(n_off * m), m)
    for start in range(0, n_off * m, per_batch):
        sl = slice(start, start + per_batch)
        batch = np.repeat(flat.astype(dtype)[None, :], len(jj[sl]), axis=0)
        batch[np.arange(len(jj[sl])), entries[kk[sl]]] = targets[jj[sl], kk[sl]]
        out = batch_values(fun(batch.reshape((-1,) + x.shape)), len(jj[sl]), complex_ok)
        if finite and not np.all(np.isfinite(out)):
            bad = int(np.argmin(np.isfinite(out)))
            where = _index(x.shape, int(entries[kk[sl][bad]]))
            raise NonFiniteValueError(
                f"f returned {out[bad]} at x + h e_{where}; f must be finite"
            )
        values[jj[sl], kk[sl]] = out
    return values


def _on_executor(fun, x, targets, entries, values, complex_ok, finite) -> np.ndarray:
    """:func:`_evaluate`'s loop with the points sent to the executor as one batch, in the
    serial order (entry by entry, offset by offset); a point where ``f`` raised is evaluated
    again here, in that order, so that it raises as the serial loop would
    (:mod:`checks.executor`). A function whose ``prefetch``
    fills a memo from the executor (a Jacobian's row) is then evaluated here, from it."""
    n_off, m = targets.shape
    ee = np.repeat(entries, n_off)
    tt = targets.T.ravel()  # k-major: the serial order
    prefetch = getattr(fun, "prefetch", None)
    if prefetch is not None and prefetch(_points(x, ee, tt)):
        got = [_executor.RAISED] * len(ee)
    else:
        got = _executor.map_entries(fun, x, ee, tt, complex_ok, finite)
    for i, value in enumerate(got):
        k, j = divmod(i, n_off)
        if value is _executor.RAISED:
            e = int(ee[i])
            value = call_scalar(fun, _points(x, ee[i:i + 1], tt[i:i + 1])[0],
                                lambda e=e: f"x + h e_{_index(x.shape, e)}", complex_ok, finite)
        values[j, k] = value
    return values


def _points(x: np.ndarray, entries: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The stack of points ``x`` with ``x.flat[entries[i]] = targets[i]``."""
    pts = np.repeat(x.ravel().astype(targets.dtype)[None, :], len(entries), axis=0)
    pts[np.arange(len(entries)), entries] = targets
    return pts.reshape((-1,) + x.shape)


def _index(shape: tuple[int, ...], k: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(k, shape)) if shape else ()
