"""The eight benchmark problems, built at a size ``D`` from a fixed seed.

One instance per problem of the sheet (problem 1 counts twice, ``tr(X^2)`` and ``tr(X^3)``):

====  ==========================  =====================  ==================
id    function                    differentiated         variables ``n``
====  ==========================  =====================  ==================
1a    ``tr(X^2)``                 ``X``, ``D x D``       ``D^2``
1b    ``tr(X^3)``                 ``X``, ``D x D``       ``D^2``
2     logistic loss + L2          ``w``, ``(D,)``        ``D``
3     bipolar squared loss        ``w``, ``(D,)``        ``D``
4     Gaussian log-likelihood     ``w``, ``(D,)``        ``D``
5     ``<A, B>``                  ``A``, ``D x D``       ``D^2``
6     ``w^T X w``                 ``w``, ``(D,)``        ``D``
7b    residual network loss       ``W1``, ``D x M``      ``D M``, ``M = D/2``
====  ==========================  =====================  ==================

Data sets have ``N = 2D`` samples of dimension ``D``. Entries are standard normal; weights
are scaled by ``1/sqrt(fan-in)`` so that every pre-activation is of order 1. The loss and the
exact gradient are the catalog's (:data:`gradients.catalog.CATALOG`), as functions of the
differentiated argument alone; every evaluation of the loss is counted.

The catalog's functions validate their input and reject complex arrays, so the complex-step
methods get a *twin*: the same formula in plain, complex-safe numpy. The builder checks that
the twin agrees with the catalog's loss to ``1e-12`` relative at the point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gradients.catalog import get

__all__ = ["PROBLEM_IDS", "Problem", "build_problem", "build_problems"]

PROBLEM_IDS = ("1a", "1b", "2", "3", "4", "5", "6", "7b")
SEED = 20240601


@dataclass
class _Counter:
    calls: int = 0


@dataclass(frozen=True)
class Problem:
    """One instance: ``f(x)`` (counted), its exact gradient and a complex-safe twin.

    Attributes
    ----------
    id, title : str
        The catalog id and title.
    D : int
        The size parameter.
    x : ndarray
        The point (the differentiated argument).
    exact : ndarray
        The catalog's gradient at ``x``.
    """

    id: str
    title: str
    D: int
    x: np.ndarray
    exact: np.ndarray
    _loss: Callable[[np.ndarray], float] = field(repr=False)
    _twin: Callable[[np.ndarray], Any] = field(repr=False)
    _grad: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    counter: _Counter = field(default_factory=_Counter, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of variables."""
        return int(self.x.size)

    def f(self, x: np.ndarray) -> float:
        """The catalog's loss at ``x`` (counted)."""
        self.counter.calls += 1
        return self._loss(x)

    def f_complex(self, x: np.ndarray) -> Any:
        """The complex-safe twin of :meth:`f` (counted)."""
        self.counter.calls += 1
        return self._twin(x)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """The catalog's exact gradient at ``x`` (not counted)."""
        return np.asarray(self._grad(x), dtype=float)

    def reset(self) -> None:
        self.counter.calls = 0

    @property
    def calls(self) -> int:
        return self.counter.calls

    def scaled(self, s: float) -> Problem:
        """The same function at ``s * x`` (a fresh counter)."""
        x = self.x * s
        return replace(self, x=x, exact=self.grad(x), counter=_Counter())


def _sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def _data(rng, D):
    return rng.standard_normal((2 * D, D))


def _bind(derivation_id: str, args: tuple[Any, ...]):
    """Loss and gradient of a catalog entry as functions of ``args[argnum]`` alone."""
    d = get(derivation_id)
    i = d.argnum

    def loss(x):
        return d.loss(*args[:i], x, *args[i + 1 :])

    def grad(x):
        return d.grad(*args[:i], x, *args[i + 1 :])

    return d, args[i], loss, grad


def _instance(pid: str, D: int, rng: np.random.Generator):
    """``(args, twin)`` for problem ``pid``: the catalog's arguments and a complex-safe loss."""
    if pid in ("1a", "1b"):
        X = rng.standard_normal((D, D))
        if pid == "1a":
            return (X,), lambda Z: np.trace(Z @ Z)
        return (X,), lambda Z: np.trace(Z @ Z @ Z)
    if pid == "2":
        X = _data(rng, D)
        y = (rng.random(2 * D) < 0.5).astype(float)
        w = rng.standard_normal(D) / np.sqrt(D)
        lam = 1.0

        def logistic(v):
            a = X @ v
            return np.sum(np.log(1.0 + np.exp(a)) - y * a) + lam * (v @ v)

        return (w, X, y, lam), logistic
    if pid == "3":
        X = _data(rng, D)
        y = np.where(rng.random(2 * D) < 0.5, -1.0, 1.0)
        w = rng.standard_normal(D) / np.sqrt(D)

        def bipolar(v):
            r = np.tanh(0.5 * (X @ v)) - y
            return 0.5 * (r @ r)

        return (w, X, y), bipolar
    if pid == "4":
        X = _data(rng, D)
        w_true = rng.standard_normal(D) / np.sqrt(D)
        y = X @ w_true + 0.5 * rng.standard_normal(2 * D)
        w = rng.standard_normal(D) / np.sqrt(D)
        sigma = 1.0
        N = X.shape[0]

        def gaussian(v):
            r = y - X @ v
            return -0.5 * N * np.log(2.0 * np.pi * sigma**2) - (r @ r) / (2.0 * sigma**2)

        return (w, X, y, sigma), gaussian
    if pid == "5":
        A, B = rng.standard_normal((D, D)), rng.standard_normal((D, D))
        return (A, B), lambda Z: np.sum(Z * B)
    if pid == "6":
        w, X = rng.standard_normal(D), rng.standard_normal((D, D))
        return (w, X), lambda v: v @ X @ v
    if pid == "7b":
        M = max(1, D // 2)
        X = _data(rng, D)
        y = (rng.random(2 * D) < 0.5).astype(float)
        W0 = rng.standard_normal((M, D)) / np.sqrt(D)
        W1 = rng.standard_normal((D, M)) / np.sqrt(M)
        w2 = rng.standard_normal(D) / np.sqrt(D)

        def network(V):
            Z = _sig(X @ W0.T)
            H = X + _sig(Z @ V.T)
            r = _sig(H @ w2) - y
            return 0.5 * (r @ r)

        return (W0, W1, w2, X, y), network
    raise KeyError(f"unknown benchmark problem {pid!r}; known: {', '.join(PROBLEM_IDS)}")


def build_problem(pid: str, D: int, *, seed: int = SEED) -> Problem:
    """Problem ``pid`` at size ``D`` (``D >= 2``), from a seed that depends on ``(seed, D)``.

    Examples
    --------
    >>> p = build_problem("1b", 4)
    >>> p.x.shape, p.n, bool(np.allclose(p.exact, 3 * (p.x @ p.x).T))
    ((4, 4), 16, True)
    """
    if int(D) < 2:
        raise ValueError(f"D must be >= 2, got {D!r}")
    rng = np.random.default_rng([seed, PROBLEM_IDS.index(pid) if pid in PROBLEM_IDS else 99, D])
    args, twin = _instance(pid, int(D), rng)
    d, x, loss, grad = _bind(pid, args)
    x = np.asarray(x, dtype=float)
    value, twin_value = loss(x), twin(x)
    if abs(value - twin_value) > 1e-12 * max(1.0, abs(value)):
        raise AssertionError(
            f"problem {pid}: the complex-safe twin gives {twin_value!r}, the catalog {value!r}"
        )
    return Problem(pid, d.title, int(D), x, np.asarray(grad(x), dtype=float), loss, twin, grad)


def build_problems(D: int, *, seed: int = SEED, ids: tuple[str, ...] = PROBLEM_IDS):
    """The problems ``ids`` (default all eight) at size ``D``."""
    return [build_problem(pid, D, seed=seed) for pid in ids]
