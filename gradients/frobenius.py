r"""Problem 5: the Frobenius inner product and its gradients.

For two matrices :math:`A, B \in \mathbb{R}^{m \times n}` of one shape,

.. math::

    \langle A, B \rangle = \operatorname{tr}(A^\top B) = \sum_{ij} A_{ij} B_{ij}, \qquad
    \frac{\partial \langle A, B \rangle}{\partial A} = B, \qquad
    \frac{\partial \langle A, B \rangle}{\partial B} = A .

Derivation. :math:`[A^\top B]_{jj} = \sum_i A_{ij} B_{ij}`, so the trace is the sum of the
elementwise product, which is linear in each :math:`A_{ij}` with coefficient :math:`B_{ij}`
(sheet candidate 5). The sheet states :math:`A, B \in \mathbb{R}^{N \times N}`; nothing needs
them square.
"""

import numpy as np
from numpy.typing import ArrayLike

from ._validation import _as_float_array, _number, _require_same_shape

__all__ = ["frobenius_dot", "frobenius_dot_grad", "frobenius_dot_grad_B", "frobenius_dot_hessian"]


def _validate(A: ArrayLike, B: ArrayLike, *,
              complex_ok: bool = False) -> tuple[np.ndarray, np.ndarray]:
    A = _as_float_array("A", A, ndim=2, complex_ok=complex_ok)
    B = _as_float_array("B", B, ndim=2, complex_ok=complex_ok)
    return _require_same_shape("A", A, "B", B)


def frobenius_dot(A: ArrayLike, B: ArrayLike) -> float:
    r"""Return :math:`\langle A, B \rangle = \operatorname{tr}(A^\top B) = \sum_{ij} A_{ij} B_{ij}`.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Two matrices of one shape (no broadcasting).

    Returns
    -------
    float
        The inner product.

    Examples
    --------
    >>> frobenius_dot([[1.0, 2.0, 3.0]], [[4.0, 5.0, 6.0]])
    32.0
    """
    A, B = _validate(A, B, complex_ok=True)  # bilinear, no conjugate: complex-analytic
    return _number(np.sum(A * B))


def frobenius_dot_grad(A: ArrayLike, B: ArrayLike) -> np.ndarray:
    r"""Return :math:`\partial \langle A, B \rangle / \partial A = B`.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Two matrices of one shape.

    Returns
    -------
    ndarray, shape (m, n)
        A new array equal to ``B``.

    Examples
    --------
    >>> frobenius_dot_grad([[1.0, 2.0]], [[3.0, 4.0]])
    array([[3., 4.]])
    """
    _, B = _validate(A, B)
    return B.copy()


def frobenius_dot_grad_B(A: ArrayLike, B: ArrayLike) -> np.ndarray:
    r"""Return :math:`\partial \langle A, B \rangle / \partial B = A`.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Two matrices of one shape.

    Returns
    -------
    ndarray, shape (m, n)
        A new array equal to ``A``.

    Examples
    --------
    >>> frobenius_dot_grad_B([[1.0, 2.0]], [[3.0, 4.0]])
    array([[1., 2.]])
    """
    A, _ = _validate(A, B)
    return A.copy()


def frobenius_dot_hessian(A: ArrayLike, B: ArrayLike) -> np.ndarray:
    r"""Return the Hessian of :math:`\langle A, B \rangle` w.r.t. ``A``: zero.

    The product is linear in ``A`` (its gradient ``B`` does not depend on ``A``), so every
    second derivative vanishes. Shape ``A.shape + A.shape``.

    Examples
    --------
    >>> frobenius_dot_hessian([[1.0, 2.0]], [[3.0, 4.0]]).shape
    (1, 2, 1, 2)
    """
    A, B = _validate(A, B)
    return np.zeros(A.shape + A.shape)
