r"""Problem 1: the trace of a matrix power and its gradient.

For a square :math:`X \in \mathbb{R}^{D \times D}` and an integer :math:`k \ge 0`,

.. math::

    f_k(X) = \operatorname{tr}(X^k), \qquad
    \frac{\partial f_k}{\partial X} = k \, (X^{k-1})^\top ,

with the convention :math:`[\partial f / \partial X]_{ij} = \partial f / \partial X_{ij}` (the
gradient has the shape of :math:`X`). The sheet's 1a is :math:`k = 2` (:math:`2 X^\top`), 1b is
:math:`k = 3` (:math:`3 (X^2)^\top`).

Derivation. By the product rule :math:`d(X^k) = \sum_{j=0}^{k-1} X^j \, dX \, X^{k-1-j}`, and by
the cyclic property of the trace every term has the same trace,
:math:`\operatorname{tr}(X^{k-1} dX)`, so :math:`df_k = k \operatorname{tr}(X^{k-1} dX)
= k \sum_{ij} [X^{k-1}]_{ji} \, dX_{ij}`, i.e. :math:`\partial f_k / \partial X_{ij}
= k [X^{k-1}]_{ji}`. For :math:`k = 0`, :math:`X^0 = I` and :math:`f_0 = D` is constant.
"""

import numpy as np
from numpy.typing import ArrayLike

from ._validation import _number, _require_int, _require_square

__all__ = ["trace_power", "trace_power_grad", "trace_power_hvp"]


def trace_power(X: ArrayLike, k: int) -> float:
    r"""Return :math:`\operatorname{tr}(X^k)`.

    Parameters
    ----------
    X : array_like, shape (D, D)
        A square matrix (need not be symmetric).
    k : int
        The power, an integer ``>= 0`` (Python or numpy integer; not ``bool``).

    Returns
    -------
    float
        :math:`\operatorname{tr}(X^k)`; ``D`` when ``k == 0``.

    Examples
    --------
    >>> trace_power([[1.0, 2.0], [3.0, 4.0]], 2)  # tr([[7, 10], [15, 22]])
    29.0
    """
    X = _require_square("X", X, complex_ok=True)  # complex-analytic: the complex step works
    k = _require_int("k", k, minimum=0)
    return _number(np.trace(np.linalg.matrix_power(X, k)))


def trace_power_grad(X: ArrayLike, k: int) -> np.ndarray:
    r"""Return :math:`\partial \operatorname{tr}(X^k) / \partial X = k (X^{k-1})^\top`.

    Parameters
    ----------
    X : array_like, shape (D, D)
        A square matrix (need not be symmetric).
    k : int
        The power, an integer ``>= 0``.

    Returns
    -------
    ndarray, shape (D, D)
        Entry ``[i, j]`` is :math:`\partial \operatorname{tr}(X^k) / \partial X_{ij}
        = k [X^{k-1}]_{ji}`; all zeros when ``k == 0``.

    Examples
    --------
    >>> trace_power_grad([[1.0, 2.0], [3.0, 4.0]], 2)  # 2 X^T
    array([[2., 6.],
           [4., 8.]])
    """
    X = _require_square("X", X)
    k = _require_int("k", k, minimum=0)
    if k == 0:
        return np.zeros_like(X)
    return k * np.linalg.matrix_power(X, k - 1).T


def trace_power_hvp(V: ArrayLike, X: ArrayLike, k: int) -> np.ndarray:
    r"""Return the Hessian of :math:`\mathrm{tr}(X^k)` applied to a direction ``V``.

    The derivative of the gradient :math:`k (X^{k-1})^\top` along ``V``:
    :math:`k \sum_{j=0}^{k-2} (X^j V X^{k-2-j})^\top` (0 for ``k < 2``; for ``k = 2``,
    :math:`2 V^\top`). Shape of ``X``.

    Examples
    --------
    >>> trace_power_hvp([[0.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], 2)
    array([[0., 0.],
           [2., 0.]])
    """
    X = _require_square("X", X)
    V = np.asarray(V, dtype=float)
    if V.shape != X.shape:
        raise ValueError(f"V must have the shape of X, {X.shape}; got {V.shape}")
    k = _require_int("k", k, minimum=0)
    out = np.zeros_like(X)
    if k < 2:
        return out
    powers = [np.eye(X.shape[0])]
    for _ in range(k - 2):
        powers.append(powers[-1] @ X)
    for j in range(k - 1):
        out += powers[j] @ V @ powers[k - 2 - j]
    return k * out.T
