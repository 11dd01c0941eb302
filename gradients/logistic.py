r"""Problem 2: logistic regression with an L2 penalty.

Data :math:`X \in \mathbb{R}^{N \times D}` (rows :math:`x_i`), labels :math:`y_i \in \{0, 1\}`,
:math:`f_i = \sigma(a_i)` with :math:`a_i = w^\top x_i`, and

.. math::

    L(w) = \sum_i \bigl( -y_i \ln f_i - (1 - y_i) \ln(1 - f_i) \bigr) + \lambda \lVert w \rVert^2
         = \sum_i \bigl( \ln(1 + e^{a_i}) - y_i a_i \bigr) + \lambda \lVert w \rVert^2 ,

.. math::

    \nabla L(w) = X^\top (\sigma(Xw) - y) + 2 \lambda w, \qquad
    w \leftarrow w - \eta \, \nabla L(w).

The sheet's penalty has :math:`\lambda = 1` (the default here).

Derivation. :math:`\ln \sigma(a) = -\ln(1 + e^{-a})` and :math:`\ln(1 - \sigma(a)) =
-\ln(1 + e^{a})`; since :math:`\ln(1 + e^{-a}) = \ln(1 + e^{a}) - a`, the per-sample loss is
:math:`\ln(1 + e^{a_i}) - y_i a_i`, i.e. :math:`\ln(1 + e^{-a_i})` if :math:`y_i = 1` and
:math:`\ln(1 + e^{a_i})` if :math:`y_i = 0` (evaluated so, with ``logaddexp(0, .)``: no
overflow, and no cancellation for well-classified samples). Its derivative in :math:`a_i` is
:math:`\sigma(a_i) - y_i`, and :math:`\partial a_i / \partial w = x_i`, which gives the data
term; the penalty contributes :math:`2 \lambda w`. This is the sheet's candidate 2,
:math:`\sum_i (-y_i (1 - f_i) + (1 - y_i) f_i) x_i + 2w`, simplified.

Effect of the penalty (asserted in ``tests/test_logistic.py``): the Hessian is
:math:`X^\top \operatorname{diag}(f_i (1 - f_i)) X + 2 \lambda I \succeq 2 \lambda I`, so for
:math:`\lambda > 0` the loss is strictly convex with a unique, finite minimiser, even on
linearly separable data where the unpenalised loss has none (:math:`\lVert w \rVert` grows
without bound under gradient descent); and :math:`\lVert w^*(\lambda) \rVert` shrinks as
:math:`\lambda` grows.
"""

import numpy as np
from numpy.typing import ArrayLike

from ._numerics import _sigmoid, _softplus
from ._validation import (
    _as_float_array,
    _as_scalar,
    _require_labels,
    _require_rows,
    _require_shape,
)

__all__ = ["logistic_l2_grad", "logistic_l2_hessian", "logistic_l2_loss", "logistic_l2_newton_step",
           "logistic_l2_step"]


def _validate(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    X = _as_float_array("X", X, ndim=2)
    w = _as_float_array("w", w, ndim=1)
    _require_shape("w", w, (X.shape[1],), f"to match X's {X.shape[1]} columns")
    y = _as_float_array("y", y, ndim=1)
    _require_rows("y", y, "X", X.shape[0])
    _require_labels("y", y, (0, 1))
    lam = _as_scalar("lam", lam, minimum=0, strict=False)
    return w, X, y, lam


def logistic_l2_loss(w: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float = 1.0) -> float:
    r"""Return the penalised logistic loss :math:`L(w)`.

    .. math::

        L(w) = \sum_i \bigl(\ln(1 + e^{w^\top x_i}) - y_i w^\top x_i\bigr)
               + \lambda \lVert w \rVert^2

    Parameters
    ----------
    w : array_like, shape (D,)
        Weights.
    X : array_like, shape (N, D)
        Samples as rows.
    y : array_like, shape (N,)
        Labels, each 0 or 1.
    lam : float, default 1.0
        Penalty coefficient :math:`\lambda \ge 0`.

    Returns
    -------
    float
        The penalised cross-entropy; finite for every finite input, and accurate to a few ulps
        per sample even where a sample's loss is far below 1 (well-classified samples).

    Examples
    --------
    >>> logistic_l2_loss([0.0, 0.0], [[1.0, 2.0]], [1])  # ln 2
    0.6931471805599453
    """
    w, X, y, lam = _validate(w, X, y, lam)
    a = X @ w
    per_sample = np.where(y == 1, _softplus(-a), _softplus(a))
    return float(np.sum(per_sample) + lam * (w @ w))


def logistic_l2_grad(w: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float = 1.0) -> np.ndarray:
    r"""Return :math:`\nabla L(w) = X^\top (\sigma(Xw) - y) + 2 \lambda w`.

    Parameters
    ----------
    w, X, y, lam
        As in :func:`logistic_l2_loss`.

    Returns
    -------
    ndarray, shape (D,)
        The gradient. :math:`\sigma(a_i) - y_i` is evaluated as :math:`-\sigma(-a_i)` when
        :math:`y_i = 1`, so it keeps its relative accuracy for well-classified samples.

    Examples
    --------
    >>> logistic_l2_grad([0.0, 0.0], [[1.0, 2.0]], [1], lam=0.0)  # (1/2 - 1) x
    array([-0.5, -1. ])
    """
    w, X, y, lam = _validate(w, X, y, lam)
    a = X @ w
    residual = np.where(y == 1, -_sigmoid(-a), _sigmoid(a))
    return X.T @ residual + 2.0 * lam * w


def logistic_l2_hessian(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float = 1.0
) -> np.ndarray:
    r"""Return :math:`\nabla^2 L(w) = X^\top S X + 2 \lambda I`.

    :math:`S = \mathrm{diag}(\sigma_i (1 - \sigma_i))`.

    Differentiating :math:`\nabla L = X^\top (\sigma(Xw) - y) + 2 \lambda w` once more:
    :math:`\partial \sigma(a_i) / \partial w = \sigma(a_i)(1 - \sigma(a_i)) x_i`. ``S`` is
    evaluated as :math:`\sigma(a)\sigma(-a)` (no cancellation in :math:`1 - \sigma`). Since
    ``S`` is non-negative, the Hessian is at least :math:`2\lambda I`: ``L`` is strictly
    convex for :math:`\lambda > 0`. Shape ``(D, D)``, symmetric.

    Examples
    --------
    >>> logistic_l2_hessian([0.0], [[2.0]], [1], lam=0.5)  # 2 * 1/4 * 2 + 1
    array([[2.]])
    """
    w, X, y, lam = _validate(w, X, y, lam)
    a = X @ w
    s = _sigmoid(a) * _sigmoid(-a)
    return X.T @ (s[:, None] * X) + 2.0 * lam * np.eye(w.size)


def logistic_l2_newton_step(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float = 1.0
) -> np.ndarray:
    r"""Return one Newton step :math:`w - (\nabla^2 L)^{-1} \nabla L`.

    The Hessian is positive definite for :math:`\lambda > 0`
    (:func:`logistic_l2_hessian`); the step solves the linear system rather than inverting.
    Never mutates ``w``.

    Examples
    --------
    >>> logistic_l2_newton_step([0.0], [[1.0]], [1], lam=0.0)  # w - (-1/2) / (1/4)
    array([2.])
    """
    w, X, y, lam = _validate(w, X, y, lam)
    H = logistic_l2_hessian(w, X, y, lam)
    if lam <= 0 and np.linalg.matrix_rank(H) < w.size:
        raise ValueError("the Hessian is singular (lam = 0 and X^T S X not of full rank): the "
                         "Newton step is undefined; use lam > 0")
    return w - np.linalg.solve(H, logistic_l2_grad(w, X, y, lam))


def logistic_l2_step(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, lr: float, lam: float = 1.0
) -> np.ndarray:
    r"""Return :math:`w - \eta \nabla L(w)`, one gradient-descent step (a new array).

    Parameters
    ----------
    w, X, y, lam
        As in :func:`logistic_l2_loss`. ``w`` is not modified.
    lr : float
        Learning rate :math:`\eta > 0`.

    Returns
    -------
    ndarray, shape (D,)
        The updated weights.

    Examples
    --------
    >>> logistic_l2_step([0.0, 0.0], [[1.0, 2.0]], [1], lr=0.1, lam=0.0)
    array([0.05, 0.1 ])
    """
    lr = _as_scalar("lr", lr, minimum=0, strict=True)
    w = _as_float_array("w", w, ndim=1)
    return w - lr * logistic_l2_grad(w, X, y, lam)


#: why the complex step cannot differentiate the loss (see gradients.cli.selection.complex_safe)
logistic_l2_loss.not_complex_analytic = (  # type: ignore[attr-defined]
    "not complex-analytic as computed: a stable real form (logaddexp, a sigmoid through |a|)")
