r"""The chain-rule steps of problems 3 and 7, each a catalog entry verified on its own.

A final gradient is a composition of local derivatives; when it is wrong, the question is
*which* step. Problem 3 (``L = 1/2 sum (f - y)^2``, ``f = tanh(a / 2)``, ``a = X w``)::

    dL/dw = (da/dw)^T (df/da)^T dL/df,   dL/df = f - y,   df/da = diag((1 - f^2) / 2),
                                         da/dw = X

Problem 7 in the sheet's index convention (``W1[d, m]`` feeds ``z_m`` into ``h_d``; samples as
rows: ``A1 = Z W1^T``, ``H = X + sigma(A1)``, ``s = H w2``, ``g = sigma(s)``)::

    dL/dg = g - y,   dg/ds = diag(g (1 - g)),   u -> (ds/dH)^T u = u w2^T,
    u -> (dH/dA1)^T u = u * sigma'(A1),         u -> (dA1/dW1)^T u = u^T Z

Elementwise and linear steps are written as Jacobians (checked entry by entry with
:func:`checks.check_jacobian`); the steps into matrices as vector-Jacobian products, the
backward pass as one writes it (:func:`checks.check_vjp`, every entry through ``m`` products).

>>> import numpy as np
>>> from checks import check_jacobian, check_vjp
>>> a = np.array([-1.0, 0.5, 2.0])
>>> check_jacobian(bipolar_map, bipolar_map_jacobian, (a,)).verdict
'pass'
>>> H, w2 = np.array([[1.0, -0.5], [0.25, 2.0]]), np.array([0.5, -1.0])
>>> check_vjp(readout, readout_vjp, (H, w2)).verdict
'pass'
"""

from __future__ import annotations

import numpy as np

from gradients._numerics import _sigmoid
from gradients.bipolar import bipolar_sigmoid

__all__ = [
    "bipolar_map", "bipolar_map_jacobian", "linear_map", "linear_map_jacobian",
    "squared_residual", "squared_residual_grad", "sigmoid_map", "sigmoid_map_jacobian",
    "readout", "readout_vjp", "residual_branch", "residual_branch_vjp", "hidden_product",
    "hidden_product_vjp",
]


def squared_residual(F: np.ndarray, y: np.ndarray) -> float:
    """``1/2 sum (F - y)^2``: the loss as a function of the model's outputs."""
    return 0.5 * float(np.sum((np.asarray(F, dtype=float) - y) ** 2))


def squared_residual_grad(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``dL/dF = F - y``."""
    return np.asarray(F, dtype=float) - np.asarray(y, dtype=float)


def bipolar_map(a: np.ndarray) -> np.ndarray:
    """``f = tanh(a / 2)``, elementwise (problem 3's model on pre-activations)."""
    return bipolar_sigmoid(np.asarray(a, dtype=float))


def bipolar_map_jacobian(a: np.ndarray) -> np.ndarray:
    """``df/da = diag((1 - f^2) / 2)``, shape ``(N, N)``."""
    f = bipolar_sigmoid(np.asarray(a, dtype=float))
    return np.diag(0.5 * (1.0 - f) * (1.0 + f))


def linear_map(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``a = X w``."""
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)


def linear_map_jacobian(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``da/dw = X``, shape ``(N, D)``."""
    return np.array(X, dtype=float)


def sigmoid_map(s: np.ndarray) -> np.ndarray:
    """``g = sigma(s)``, elementwise."""
    return _sigmoid(np.asarray(s, dtype=float))


def sigmoid_map_jacobian(s: np.ndarray) -> np.ndarray:
    """``dg/ds = diag(g (1 - g))``, with ``1 - g`` as ``sigma(-s)``; shape ``(N, N)``."""
    s = np.asarray(s, dtype=float)
    return np.diag(_sigmoid(s) * _sigmoid(-s))


def readout(H: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """``s = H w2``: the output pre-activation of each sample."""
    return np.asarray(H, dtype=float) @ np.asarray(w2, dtype=float)


def readout_vjp(u: np.ndarray, H: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """``u -> (ds/dH)^T u = u w2^T``, shape of ``H``: ``ds_i / dH_{jd} = [i = j] w2_d``."""
    return np.outer(np.asarray(u, dtype=float), np.asarray(w2, dtype=float))


def residual_branch(A1: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``H = X + sigma(A1)``."""
    return np.asarray(X, dtype=float) + _sigmoid(np.asarray(A1, dtype=float))


def residual_branch_vjp(u: np.ndarray, A1: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``u -> u * sigma(A1) (1 - sigma(A1))``, elementwise (the residual adds nothing)."""
    A1 = np.asarray(A1, dtype=float)
    return np.asarray(u, dtype=float) * _sigmoid(A1) * _sigmoid(-A1)


def hidden_product(W1: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``A1 = Z W1^T``: ``A1[n, d] = sum_m W1[d, m] Z[n, m]`` (the sheet's convention)."""
    return np.asarray(Z, dtype=float) @ np.asarray(W1, dtype=float).T


def hidden_product_vjp(u: np.ndarray, W1: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``u -> (dA1/dW1)^T u = u^T Z``, shape of ``W1`` ``(D, M)``."""
    return np.asarray(u, dtype=float).T @ np.asarray(Z, dtype=float)
