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

from ._validation import _require_int, _require_square

__all__ = ["trace_power", "trace_power_grad"]


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
    X = _require_square("X", X)
    k = _require_int("k", k, minimum=0)
    return float(np.trace(np.linalg.matrix_power(X, k)))


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
