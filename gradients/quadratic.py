r"""Problem 6: the quadratic form :math:`w^\top X w` and its gradients.

For :math:`w \in \mathbb{R}^D` and a square, not necessarily symmetric,
:math:`X \in \mathbb{R}^{D \times D}`,

.. math::

    f(w, X) = w^\top X w = \sum_{ij} w_i X_{ij} w_j, \qquad
    \frac{\partial f}{\partial w} = (X + X^\top) w, \qquad
    \frac{\partial f}{\partial X} = w w^\top .

Derivation. :math:`\partial f / \partial w_k = \sum_j X_{kj} w_j + \sum_i w_i X_{ik}` (the
:math:`w_k` in the left factor, then in the right one; sheet candidate 6), i.e.
:math:`[X w]_k + [X^\top w]_k`. Only the symmetric part of :math:`X` matters for :math:`f`, so
:math:`2 X w` is right only when :math:`X = X^\top`. And :math:`\partial f / \partial X_{ij}
= w_i w_j`.
"""

import numpy as np
from numpy.typing import ArrayLike

from ._validation import _as_float_array, _number, _require_shape, _require_square

__all__ = ["quadratic_form", "quadratic_form_grad", "quadratic_form_grad_X",
           "quadratic_form_hessian"]


def _validate(w: ArrayLike, X: ArrayLike, *,
              complex_ok: bool = False) -> tuple[np.ndarray, np.ndarray]:
    X = _require_square("X", X, complex_ok=complex_ok)
    w = _as_float_array("w", w, ndim=1, complex_ok=complex_ok)
    _require_shape("w", w, (X.shape[0],), f"to match X's shape {X.shape}")
    return w, X


def quadratic_form(w: ArrayLike, X: ArrayLike) -> float:
    r"""Return :math:`w^\top X w`.

    Parameters
    ----------
    w : array_like, shape (D,)
        The vector.
    X : array_like, shape (D, D)
        A square matrix, not necessarily symmetric.

    Returns
    -------
    float
        The quadratic form.

    Examples
    --------
    >>> quadratic_form([1.0, 2.0], [[1.0, 3.0], [0.0, 1.0]])  # 1 + 3*1*2 + 4
    11.0
    """
    w, X = _validate(w, X, complex_ok=True)  # w^T X w, no conjugate: complex-analytic
    return _number(w @ X @ w)


def quadratic_form_grad(w: ArrayLike, X: ArrayLike) -> np.ndarray:
    r"""Return :math:`\partial (w^\top X w) / \partial w = (X + X^\top) w`.

    Parameters
    ----------
    w, X
        As in :func:`quadratic_form`.

    Returns
    -------
    ndarray, shape (D,)
        The gradient with respect to ``w``.

    Examples
    --------
    >>> quadratic_form_grad([1.0, 2.0], [[1.0, 3.0], [0.0, 1.0]])
    array([8., 7.])
    """
    w, X = _validate(w, X)
    return X @ w + X.T @ w


def quadratic_form_grad_X(w: ArrayLike, X: ArrayLike) -> np.ndarray:
    r"""Return :math:`\partial (w^\top X w) / \partial X = w w^\top`.

    Parameters
    ----------
    w, X
        As in :func:`quadratic_form`.

    Returns
    -------
    ndarray, shape (D, D)
        The gradient with respect to ``X``; entry ``[i, j]`` is :math:`w_i w_j`.

    Examples
    --------
    >>> quadratic_form_grad_X([1.0, 2.0], [[1.0, 3.0], [0.0, 1.0]])
    array([[1., 2.],
           [2., 4.]])
    """
    w, _ = _validate(w, X)
    return np.outer(w, w)


def quadratic_form_hessian(w: ArrayLike, X: ArrayLike) -> np.ndarray:
    r"""Return :math:`\nabla_w^2 (w^\top X w) = X + X^\top` (shape ``(D, D)``).

    The gradient :math:`(X + X^\top) w` is linear in ``w``; its Jacobian is the symmetric
    part of ``X`` twice, whatever ``w``.

    Examples
    --------
    >>> quadratic_form_hessian([1.0, 0.0], [[1.0, 2.0], [0.0, 3.0]])
    array([[2., 2.],
           [2., 6.]])
    """
    w, X = _validate(w, X)
    return X + X.T
