"""Module-level functions for tests/test_executor.py: a process or Dask executor receives
``f`` by pickle, which a lambda or a nested function cannot pass."""

from __future__ import annotations

import math

import numpy as np

B = np.diag([1.0, 2.0, 3.0, 4.0])


def sin_sq(x: np.ndarray) -> float:
    """``sum(sin(x)^2) + prod(x)``."""
    return float(np.sum(np.sin(x) ** 2) + np.prod(x))


def sin_sq_grad(x: np.ndarray) -> np.ndarray:
    return np.sin(2 * x) + np.array([np.prod(np.delete(x, k)) for k in range(x.size)])


def sin_sq_wrong_grad(x: np.ndarray) -> np.ndarray:
    """The chain rule forgotten: ``sin(x)`` where ``2 sin(x) cos(x)`` belongs."""
    return np.sin(x) + np.array([np.prod(np.delete(x, k)) for k in range(x.size)])


def log_sum(x: np.ndarray) -> float:
    """``sum(log(x))`` with :func:`math.log`: raises ``ValueError`` at ``x_k <= 0``."""
    return sum(math.log(v) for v in x)


def log_sum_grad(x: np.ndarray) -> np.ndarray:
    return 1.0 / x


def tanh_map(x: np.ndarray) -> np.ndarray:
    """``[sum(x^2), tanh(x_0 x_1)]``."""
    return np.array([np.sum(x**2), np.tanh(x[0] * x[1])])


def tanh_map_jac(x: np.ndarray) -> np.ndarray:
    s = 1.0 - np.tanh(x[0] * x[1]) ** 2
    row = np.zeros_like(x)
    row[0], row[1] = s * x[1], s * x[0]
    return np.stack([2 * x, row])


def quartic(w: np.ndarray) -> float:
    """``w^T B w + sum(w^4)``."""
    return float(w @ B @ w + np.sum(w**4))


def quartic_grad(w: np.ndarray) -> np.ndarray:
    return 2 * B @ w + 4 * w**3


def quartic_hess(w: np.ndarray) -> np.ndarray:
    return 2 * B + np.diag(12 * w**2)


def tanh_sum(x: np.ndarray) -> float:
    return float(np.sum(np.tanh(x)))


def tanh_sum_wrong_grad(x: np.ndarray) -> np.ndarray:
    """Right only near 0: ``1 - x^2`` is the first term of ``sech(x)^2``."""
    return 1.0 - x**2
