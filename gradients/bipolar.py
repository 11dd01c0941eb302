r"""Problem 3: the bipolar sigmoid with a squared loss.

Data :math:`X \in \mathbb{R}^{N \times D}`, labels :math:`y_i \in \{-1, 1\}`,
:math:`a_i = w^\top x_i` and

.. math::

    f(a) = \frac{1 - e^{-a}}{1 + e^{-a}} = \tanh(a / 2), \qquad
    L(w) = \tfrac12 \sum_i (f(a_i) - y_i)^2 ,

.. math::

    f'(a) = \tfrac12 \bigl(1 - f(a)^2\bigr), \qquad
    \nabla L(w) = X^\top \Bigl( (f(Xw) - y) \odot \tfrac12 \bigl(1 - f(Xw)^2\bigr) \Bigr),
    \qquad w \leftarrow w - \eta \nabla L(w).

Derivation. Multiplying numerator and denominator by :math:`e^{a/2}` shows
:math:`f(a) = \tanh(a/2)`, so :math:`f'(a) = \tfrac12 \operatorname{sech}^2(a/2)
= \tfrac12 (1 - f^2) = 2 e^{-a} / (1 + e^{-a})^2`. By the chain rule
:math:`\partial L / \partial w = \sum_i (f(a_i) - y_i) f'(a_i) \, \partial a_i / \partial w` with
:math:`\partial a_i / \partial w = x_i`. (The sheet's candidate 3,
:math:`2 x e^{-a} / (1 + e^{-a})^2`, is :math:`df/dw` — the derivative of the model, not of
the loss; the factor :math:`(f - y)` of the squared loss is still missing.)

``f`` is evaluated as ``tanh(a / 2)`` and ``f'`` as :math:`2e/(1+e)^2` with
:math:`e = e^{-|a|}`, neither of which overflows.
"""

import numpy as np
from numpy.typing import ArrayLike

from ._numerics import _bipolar_prime, _sigmoid
from ._validation import (
    _as_float_array,
    _as_scalar,
    _require_labels,
    _require_rows,
    _require_shape,
)

__all__ = ["bipolar_sigmoid", "bipolar_squared_grad", "bipolar_squared_loss", "bipolar_step"]


def _validate(
    w: ArrayLike, X: ArrayLike, y: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = _as_float_array("X", X, ndim=2)
    w = _as_float_array("w", w, ndim=1)
    _require_shape("w", w, (X.shape[1],), f"to match X's {X.shape[1]} columns")
    y = _as_float_array("y", y, ndim=1)
    _require_rows("y", y, "X", X.shape[0])
    _require_labels("y", y, (-1, 1))
    return w, X, y


def _residual(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""``f(a) - y`` for labels in {-1, 1}, without cancellation.

    ``tanh(a/2) - 1 = -2 / (1 + e^a) = -2 sigma(-a)`` and ``tanh(a/2) + 1 = 2 sigma(a)``, so
    ``f(a) - y = -2 y sigma(-y a)``: accurate to full relative precision even when ``f``
    saturates towards ``y`` (subtracting ``y`` from ``tanh(a/2)`` there loses all digits:
    at ``a = 25`` the difference is ``-2.8e-11``, with a relative error of ``4e-6``).
    """
    return -2.0 * y * _sigmoid(-y * a)


def bipolar_sigmoid(a: ArrayLike) -> np.ndarray:
    r"""Return the bipolar sigmoid :math:`(1 - e^{-a}) / (1 + e^{-a}) = \tanh(a/2)`, elementwise.

    Parameters
    ----------
    a : array_like, any shape
        Finite pre-activations.

    Returns
    -------
    ndarray, shape of ``a``
        Values in :math:`[-1, 1]` (a 0-d array for scalar input).

    Examples
    --------
    >>> float(bipolar_sigmoid(0.0))
    0.0
    """
    a = _as_float_array("a", a)
    return np.tanh(0.5 * a)


def bipolar_squared_loss(w: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
    r"""Return :math:`L(w) = \tfrac12 \sum_i (\tanh(w^\top x_i / 2) - y_i)^2`.

    Parameters
    ----------
    w : array_like, shape (D,)
        Weights.
    X : array_like, shape (N, D)
        Samples as rows.
    y : array_like, shape (N,)
        Labels, each -1 or 1.

    Returns
    -------
    float
        The loss, in :math:`[0, 2N]`.

    Examples
    --------
    >>> bipolar_squared_loss([0.0], [[1.0], [2.0]], [1, -1])  # (0 - 1)^2/2 + (0 + 1)^2/2
    1.0
    """
    w, X, y = _validate(w, X, y)
    r = _residual(X @ w, y)
    return float(0.5 * (r @ r))


def bipolar_squared_grad(w: ArrayLike, X: ArrayLike, y: ArrayLike) -> np.ndarray:
    r"""Return :math:`\nabla L(w) = X^\top \bigl((f - y) \odot \tfrac12 (1 - f^2)\bigr)`.

    Here :math:`f = \tanh(Xw/2)` elementwise.

    Parameters
    ----------
    w, X, y
        As in :func:`bipolar_squared_loss`.

    Returns
    -------
    ndarray, shape (D,)
        The gradient.

    Examples
    --------
    >>> bipolar_squared_grad([0.0], [[2.0]], [1])  # (0 - 1) * 1/2 * 2
    array([-1.])
    """
    w, X, y = _validate(w, X, y)
    a = X @ w
    return X.T @ (_residual(a, y) * _bipolar_prime(a))


def bipolar_step(w: ArrayLike, X: ArrayLike, y: ArrayLike, lr: float) -> np.ndarray:
    r"""Return :math:`w - \eta \nabla L(w)`, one gradient-descent step (a new array).

    Parameters
    ----------
    w, X, y
        As in :func:`bipolar_squared_loss`. ``w`` is not modified.
    lr : float
        Learning rate :math:`\eta > 0`.

    Returns
    -------
    ndarray, shape (D,)
        The updated weights.

    Examples
    --------
    >>> bipolar_step([0.0], [[2.0]], [1], lr=0.5)
    array([0.5])
    """
    lr = _as_scalar("lr", lr, minimum=0, strict=True)
    w = _as_float_array("w", w, ndim=1)
    return w - lr * bipolar_squared_grad(w, X, y)


#: why the complex step cannot differentiate the loss (see gradients.cli.selection.complex_safe)
bipolar_squared_loss.not_complex_analytic = (  # type: ignore[attr-defined]
    "not complex-analytic as computed: tanh(a/2) - y in a stable real form (through |a|)")
