"""``f``'s values by point, shared by the scalar problems a check splits a map into.

A Jacobian is estimated row by row: row ``i`` is the gradient of the scalar ``f_i``, and the
ladder of every row (:mod:`checks.ladder`) evaluates the same points at its first levels
(``x``, ``x +- h_k e_k`` at three steps, the noise probe). :class:`Memo` evaluates ``f`` once
per point and hands each row its entry, so a full Jacobian costs about what one gradient
costs (``6n + 18`` evaluations with Richardson on a smooth map), not ``m`` times that; the
rows that descend to shorter steps add only their own points. The random pairs of the
directional modes share ``f(x)`` and the noise probe the same way.

The noise probe (:mod:`checks.noise`) is shared further: its points depend on ``x``, the
spacing and the direction alone, so :meth:`Memo.probe_table` forms them and reads the whole
output vector there once per spacing, and each row's probe takes its column
(:meth:`_Entry.probe_values`) -- the same values, without forming the points and looking
them up again for every output.

A memo would hide a random ``f`` (the second call at ``x`` would return the stored value), so
:class:`Memo` calls ``f`` twice at ``x`` itself before storing anything: two different
outputs are a ``ValueError``, as in :func:`checks.noise.baseline`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np

from checks import executor as _executor
from checks._util import DOMAIN_ERRORS, UsageError, first_nonfinite
from checks.evaluation import _points
from checks.probe import probe_point

__all__ = ["Memo"]


class Memo:
    """``fx`` (a function of the differentiated argument alone) evaluated once per point.

    ``Memo(fx, x, what)`` calls ``fx`` twice at ``x``, insists on a deterministic, real and
    finite array, and keeps its shape as :attr:`out_shape`; every later call must return that
    shape (non-finite values are allowed there: the ladder treats them as points outside
    ``f``'s domain). :attr:`evaluations` counts the calls of ``fx``. ``what`` names the
    function in errors (``"f"``, ``"grad"``).

    Two outputs of ``f`` as two scalar functions, for the price of one evaluation per point:

    >>> def f(z):
    ...     return np.array([z @ z, np.sum(z)])
    >>> memo = Memo(f, np.array([1.0, 2.0]))
    >>> memo.out_shape, memo.evaluations      # two calls at x: is f deterministic?
    ((2,), 2)
    >>> z = np.array([1.5, 2.0])
    >>> float(memo.entry(0)(z)), float(memo.entry(1)(z)), memo.evaluations
    (6.25, 3.5, 3)
    """

    def __init__(self, fx: Callable[[np.ndarray], Any], x: np.ndarray, what: str = "f",
                 vectorized: bool = False):
        self._fx = fx
        self.what = what
        #: ``fx`` maps a stack of points ``(B, *x.shape)`` to a stack of outputs ``(B, *out)``:
        #: the points of a ladder level or a noise probe go in one call
        self.vectorized = vectorized
        if vectorized:
            both = np.asarray(fx(np.stack([x, x])))
            if both.ndim < 1 or both.shape[0] != 2:
                raise ValueError(f"a vectorized {what} must map a batch of shape "
                                 f"(B, *x.shape) to shape (B, *out); got {both.shape} for B=2")
            raw = (both[0], both[1])
        else:
            raw = (fx(x.copy()), None)
        first = self._output(raw[0], "x", shape=None)
        idx = first_nonfinite(first) if first.size else None
        if idx is not None:
            raise ValueError(f"{what}(x) is not finite: {first[idx]} at output index {idx}")
        second = self._output(raw[1] if vectorized else fx(x.copy()), "x", shape=first.shape)
        if not np.array_equal(first, second) or first.dtype != second.dtype:
            raise ValueError(
                f"{what} is not deterministic: two calls at the same x returned different "
                "values; a finite difference of a random function (a minibatch, dropout, a "
                "global counter) means nothing: fix its seed or its data inside it"
            )
        self.value = first
        self.out_shape: tuple[int, ...] = first.shape
        self.evaluations = 2
        self._store: dict[tuple[Any, ...], np.ndarray] = {self._key(x): first}
        self._probes: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._levels: dict[tuple[Any, ...], np.ndarray | None] = {}

    @staticmethod
    def _key(z: np.ndarray) -> tuple[Any, ...]:
        return (z.dtype, z.shape, z.tobytes())  # the dtype itself: hashed faster than .str

    def _output(self, value: Any, where: str, shape: tuple[int, ...] | None,
                complex_ok: bool = False) -> np.ndarray:
        arr = np.asarray(value)
        if arr.dtype.kind == "c" and not complex_ok:
            raise UsageError(f"{self.what} must return real values, got dtype {arr.dtype} at "
                             f"{where}")
        if arr.dtype.kind not in "biufc":
            raise UsageError(f"{self.what} must return a numeric array, got "
                             f"{type(value).__name__} at {where}")
        if shape is not None and arr.shape != shape:
            raise UsageError(
                f"{self.what} returned shape {arr.shape} at {where}, but shape {shape} at x: "
                "its output shape must not depend on the point"
            )
        if arr.dtype.kind in "biu":
            arr = arr.astype(np.float64)
        return arr

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z)
        key = self._key(z)
        hit = self._store.get(key)
        if hit is None:
            value = self._batch(z[None])[0] if self.vectorized else self._fx(z.copy())
            hit = self._output(value, "a perturbed point", self.out_shape,
                               complex_ok=np.iscomplexobj(z))
            self.evaluations += 1
            self._store[key] = hit
        return hit

    def _batch(self, points: np.ndarray) -> np.ndarray:
        """A vectorized ``fx`` at a stack of points, its output's shape checked."""
        got = np.asarray(self._fx(points.copy()))
        if got.shape != (len(points),) + self.out_shape:
            raise UsageError(
                f"a vectorized {self.what} must map a batch of shape (B, *x.shape) to shape "
                f"(B, *{self.out_shape}); got {got.shape} for B={len(points)}")
        return got

    def _missing(self, points: Any) -> dict[tuple[Any, ...], np.ndarray]:
        """Those of ``points`` not yet stored, once each, by key (in order)."""
        todo: dict[tuple[Any, ...], np.ndarray] = {}
        for z in points:
            key = self._key(z)
            if key not in self._store and key not in todo:
                todo[key] = z
        return todo

    def _fill(self, points: list[np.ndarray]) -> None:
        """Store a vectorized ``fx`` at those of ``points`` not yet stored: one call."""
        todo = self._missing(points)
        if not todo:
            return
        got = self._batch(np.stack(list(todo.values())))
        for (key, z), value in zip(todo.items(), got, strict=True):
            self._store[key] = self._output(value, "a perturbed point", self.out_shape,
                                            complex_ok=np.iscomplexobj(z))
            self.evaluations += 1

    def prefetch(self, points: np.ndarray) -> bool:
        """Store ``fx`` at those of ``points`` (a stack along axis 0) not yet stored, evaluated
        on the current executor (:mod:`checks.executor`): the calls that follow find them, and
        :attr:`evaluations` grows by what the same calls would have cost. A point where ``fx``
        raised, or returned what :meth:`__call__` refuses, is left for that call to raise. True:
        the memo is filled (the protocol of :func:`checks.evaluation._evaluate`)."""
        todo = self._missing(points)
        if not todo:
            return True
        got = _executor.map_raw(self._fx, np.stack(list(todo.values())))
        for (key, z), value in zip(todo.items(), got, strict=True):
            if value is _executor.RAISED:
                continue
            try:
                self._store[key] = self._output(value, "a perturbed point", self.out_shape,
                                                complex_ok=np.iscomplexobj(z))
            except UsageError:
                continue
            self.evaluations += 1
        return True

    def probe_table(self, x: np.ndarray, steps: np.ndarray, p: np.ndarray) -> np.ndarray:
        """``f`` at the probe points ``x + s p`` (``s`` in ``steps``; :func:`probe_point`),
        flattened: shape ``(len(steps), m)``, float64, each point evaluated through the memo
        once for all outputs. A row is ``nan`` where ``f`` raised a domain error there (as
        :func:`checks._util.call_scalar` makes of it for one output); any other exception
        propagates, as it would from every output."""
        key = (x.tobytes(), x.shape, steps.tobytes(), id(p))
        hit = self._probes.get(key)
        if hit is not None and hit[0] is p:
            return hit[1]
        table = np.empty((len(steps), int(np.prod(self.out_shape, dtype=int))))
        points = [probe_point(x, float(s), p) for s in steps]
        if self.vectorized:
            with contextlib.suppress(*DOMAIN_ERRORS):  # UsageError is raised again below
                self._fill(points)
        for i, point in enumerate(points):
            try:
                table[i] = self(point).ravel()
            except UsageError:
                raise
            except DOMAIN_ERRORS:
                table[i] = np.nan
        self._probes[key] = (p, table)  # p kept: its id cannot be reused while stored
        return table

    def level_table(self, x: np.ndarray, targets: np.ndarray,
                    entries: np.ndarray) -> np.ndarray | None:
        """``f`` at ``x`` with entry ``entries[k]`` set to ``targets[j, k]``, every output:
        shape ``(j, k, m)``, float64, the points evaluated through the memo in the order of
        :func:`checks.evaluation._evaluate`'s loop (entry by entry, offset by offset).
        ``None`` where ``f`` raised at one of them or some value is not finite: the caller's
        loop then evaluates (the memo keeps what was evaluated) and reports as it would."""
        key = (x.tobytes(), x.shape, targets.tobytes(), targets.shape, entries.tobytes())
        if key in self._levels:
            return self._levels[key]
        n_off, m = targets.shape
        table = np.empty((n_off, m, int(np.prod(self.out_shape, dtype=int))))
        buf = x.ravel().astype(targets.dtype, copy=True)
        flat = x.ravel()
        try:
            if self.vectorized:  # the loop's points, in its order
                self._fill(list(_points(x, np.repeat(entries, n_off), targets.T.ravel())))
            for k in range(m):
                e = int(entries[k])
                for j in range(n_off):
                    buf[e] = targets[j, k]
                    table[j, k] = self(buf.reshape(x.shape)).ravel()
                buf[e] = flat[e]
        except (UsageError, *DOMAIN_ERRORS):
            # what the loop would raise or turn into nan, point by point: left to it
            self._levels[key] = None
            return None
        result = table if np.all(np.isfinite(table)) else None
        self._levels[key] = result
        return result

    def entry(self, k: int) -> Callable[[np.ndarray], Any]:
        """``z -> f(z).flat[k]``: output ``k`` (flat index) as a scalar function.

        It never keeps nor writes ``z`` (``fx`` gets a copy), and says so by its attribute
        ``copies_argument``: the evaluation loop may then pass its working buffer itself
        (:func:`checks.evaluation._evaluate`), saving a copy per point.
        """
        return _Entry(self, k)

    def dot(self, u: np.ndarray) -> Callable[[np.ndarray], Any]:
        """``z -> <u, f(z)>``: the output contracted with the cotangent ``u``."""
        return _Dot(self, u)


class _View:
    """A scalar function of the memo's output; :meth:`prefetch` lets an executor fill the
    memo first (the protocol of :func:`checks.evaluation._evaluate`)."""

    memo: Memo

    def prefetch(self, points: np.ndarray) -> bool:
        self.memo.prefetch(points)
        return True


class _Entry(_View):
    """``z -> memo(z).flat[k]``."""

    copies_argument = True  # the memo copies the point before f sees it

    def __init__(self, memo: Memo, k: int):
        self.memo, self.k = memo, k

    def __call__(self, z: np.ndarray) -> Any:
        return self.memo(z).flat[self.k]

    def values_at(self, x: np.ndarray, targets: np.ndarray,
                  entries: np.ndarray) -> np.ndarray | None:
        """Output ``k`` at a ladder level's points (:meth:`Memo.level_table`), or ``None``."""
        table = self.memo.level_table(x, targets, np.asarray(entries))
        return None if table is None else table[:, :, self.k].copy()

    def probe_values(self, x: np.ndarray, steps: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Output ``k`` at the noise probe's points (:meth:`Memo.probe_table`)."""
        return self.memo.probe_table(x, steps, p)[:, self.k].copy()


class _Dot(_View):
    """``z -> <u, memo(z)>``."""

    def __init__(self, memo: Memo, u: np.ndarray):
        self.memo, self.u = memo, u

    def __call__(self, z: np.ndarray) -> Any:
        return np.sum(self.u * self.memo(z))
