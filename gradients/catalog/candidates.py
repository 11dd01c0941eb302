r"""The sheet's handwritten answers, encoded as code so the checker can judge them.

The homework sheet carries handwritten final answers; the readable ones are the candidates
below. Each one is a function here, taking the arguments of the catalog entry it
answers (:mod:`gradients.catalog`), so that ``get(id).setup(candidate=...)`` checks it with
the same loss, argument and input strategy as the project's own answer. The verdicts are
asserted by the checker in ``tests/test_candidates.py``, never by hand:

=======  ==========================================  ===========  ==============================
id       candidate                                   answers      verdict
=======  ==========================================  ===========  ==============================
1a       :func:`sheet_1a`                            ``"1a"``     right
2        :func:`sheet_2_grad`, :func:`sheet_2_step`  ``"2"``,     right
                                                     ``"2-step"``
2b       :func:`sheet_2b_penalty` (the norm)         --           not the penalty of ``L``
3        :func:`sheet_3_dfdw`                        ``df/dw``    right (of the model ``f``)
4        :func:`sheet_4_log_likelihood`              --           wrong value, right maximiser
5        :func:`sheet_5`                             ``"5"``      right
6        :func:`sheet_6`                             ``"6"``      right
7a       :func:`sheet_7a`                            ``"7a"``     right
7a'      :func:`sheet_7a_prime`                      ``"7a"``     wrong (for ``D >= 2``)
=======  ==========================================  ===========  ==============================

Where the sheet writes :math:`1 - \sigma(a)` the code evaluates :math:`\sigma(-a)`: the same
number mathematically, without the cancellation that would cost ``1 - \sigma(a)`` its
relative accuracy for large :math:`a` (the checker compares to a relative ``1e-8``, so a
faithful but cancelling evaluation would be rejected for its round-off, not its maths).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from gradients._numerics import _sigmoid
from gradients.bipolar import bipolar_sigmoid
from gradients.logistic import logistic_l2_loss
from gradients.residual_net import _residual

__all__ = [
    "l2_penalty",
    "l2_penalty_grad",
    "logistic_norm_loss",
    "sheet_1a",
    "sheet_2_grad",
    "sheet_2_step",
    "sheet_2b_loss_grad",
    "sheet_2b_penalty",
    "sheet_2b_penalty_grad",
    "sheet_3_dfdw",
    "sheet_3_model",
    "sheet_4_log_likelihood",
    "sheet_5",
    "sheet_6",
    "sheet_7a",
    "sheet_7a_prime",
]


# --------------------------------------------------------------------------- problem 1


def sheet_1a(X: ArrayLike) -> np.ndarray:
    r"""Sheet 1a: :math:`df/dX = 2X^\top` for :math:`f = \operatorname{tr}(X^2)`.

    The sheet: "= 2(x_{kl})^T = 2x^T". Answers catalog entry ``"1a"``.

    Judged as every candidate is, with the entry's own loss and inputs:

    >>> from checks import check_gradient
    >>> from gradients.catalog import get
    >>> loss, grad, _inputs = get("1a").setup(candidate=sheet_1a)
    >>> check_gradient(loss, grad, (np.array([[1.0, 2.0], [3.0, 4.0]]),)).verdict
    'pass'
    """
    return 2.0 * np.asarray(X, dtype=float).T


# --------------------------------------------------------------------------- problem 2


def sheet_2_grad(w: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float = 1.0) -> np.ndarray:
    r"""Sheet 2(1): :math:`\nabla L = \sum_i (-y_i (1 - f_i) x_i + (1 - y_i) f_i x_i) + 2w`.

    :math:`f_i = \sigma(w^\top x_i)`. The sheet's penalty has coefficient 1 (its ``+ 2w``);
    the project exposes the coefficient as ``lam``, so the penalty term is ``2 lam w`` and
    ``lam = 1`` is the sheet's line verbatim. Answers catalog entry ``"2"``. The sum is
    written per sample, as on the sheet (no ``X^T r`` simplification).
    """
    w = np.asarray(w, dtype=float)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    total = np.zeros_like(w)
    for x_i, y_i in zip(X, y, strict=True):
        a_i = x_i @ w
        f_i, one_minus_f_i = _sigmoid(a_i), _sigmoid(-a_i)
        total = total + (-y_i * one_minus_f_i * x_i + (1.0 - y_i) * f_i * x_i)
    return total + 2.0 * lam * w


def sheet_2_step(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, lr: float, lam: float = 1.0
) -> np.ndarray:
    r"""Sheet 2(1), the update: :math:`w \leftarrow w - \eta \nabla L` with :func:`sheet_2_grad`.

    Answers catalog entry ``"2-step"``; returns a new array.
    """
    w = np.asarray(w, dtype=float)
    return w - lr * sheet_2_grad(w, X, y, lam)


def sheet_2b_penalty(w: ArrayLike) -> float:
    r"""Sheet 2(2): "L2 loss = sqrt(Σ w^2)", the norm :math:`\lVert w \rVert`.

    Not the penalty of ``L``, which is the *squared* norm (:func:`l2_penalty`).
    """
    w = np.asarray(w, dtype=float)
    return float(np.sqrt(np.sum(w**2)))


def sheet_2b_penalty_grad(w: ArrayLike) -> np.ndarray:
    r"""Gradient of the sheet's norm penalty: :math:`w / \lVert w \rVert` (for ``w != 0``)."""
    w = np.asarray(w, dtype=float)
    return w / np.sqrt(np.sum(w**2))


def l2_penalty(w: ArrayLike) -> float:
    r"""The penalty of ``L`` in problem 2 (coefficient 1): :math:`\lVert w \rVert^2`."""
    w = np.asarray(w, dtype=float)
    return float(np.sum(w**2))


def l2_penalty_grad(w: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`l2_penalty`: :math:`2w`."""
    return 2.0 * np.asarray(w, dtype=float)


def logistic_norm_loss(w: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float = 1.0) -> float:
    r"""Problem 2's cross-entropy with the sheet's 2(2) penalty: ``... + lam * ||w||``.

    The loss the sheet's norm would define; ``L`` itself has ``lam * ||w||^2``.
    """
    return logistic_l2_loss(w, X, y, 0.0) + lam * sheet_2b_penalty(w)


def sheet_2b_loss_grad(w: ArrayLike, X: ArrayLike, y: ArrayLike, lam: float = 1.0) -> np.ndarray:
    r"""Sheet 2's data term with the norm's gradient: ``... + lam * w / ||w||``.

    The gradient of :func:`logistic_norm_loss`, not of ``L`` (catalog entry ``"2"``).
    """
    data = sheet_2_grad(w, X, y, 0.0)
    return data + lam * sheet_2b_penalty_grad(w)


# --------------------------------------------------------------------------- problem 3


def sheet_3_model(w: ArrayLike, x: ArrayLike) -> float:
    r"""The model of problem 3 for one sample.

    :math:`f(x; w) = (1 - e^{-w^\top x}) / (1 + e^{-w^\top x})`.
    """
    return float(bipolar_sigmoid(np.asarray(x, dtype=float) @ np.asarray(w, dtype=float)))


def sheet_3_dfdw(w: ArrayLike, x: ArrayLike) -> np.ndarray:
    r"""Sheet 3: :math:`df/dw = 2 x e^{-w^\top x} / (1 + e^{-w^\top x})^2`.

    The derivative of the model :func:`sheet_3_model` (one sample ``x``) with respect to
    ``w`` -- not yet the gradient of the loss (the sheet stops before the chain rule's
    :math:`(f - y)`). Evaluated as written; with :math:`|w^\top x| \le 128` (the input
    strategies' range) nothing overflows.
    """
    x = np.asarray(x, dtype=float)
    e = np.exp(-(x @ np.asarray(w, dtype=float)))
    return 2.0 * x * e / (1.0 + e) ** 2


# --------------------------------------------------------------------------- problem 4


def sheet_4_log_likelihood(w: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float) -> float:
    r"""Sheet 4's log-likelihood, with its constant and its sum mangled.

    .. math::

        \ln P = -\frac{1}{\sqrt{2\pi\sigma^2}} \cdot \frac{1}{2\sigma^2}
                 \sum_i (y_i - w^\top x_i)^2

    The sheet writes the term without the sum (read here as summed over the samples) and keeps
    the normalising constant as a factor instead of the additive :math:`-\frac N2
    \ln(2\pi\sigma^2)`: not the logarithm of the product, but a positive multiple of
    :math:`-\sum_i r_i^2`, so it has the same maximiser.
    """
    r = np.asarray(y, dtype=float) - np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)
    return float(-(1.0 / np.sqrt(2.0 * np.pi * sigma**2)) * (1.0 / (2.0 * sigma**2)) * (r @ r))


# --------------------------------------------------------------------------- problem 5


def sheet_5(A: ArrayLike, B: ArrayLike) -> np.ndarray:
    r"""Sheet 5: :math:`d\langle A,B\rangle/dA = B`.

    The sheet: :math:`\langle A, B\rangle = \sum_{ij} A_{ij} B_{ij}`, the sum of the
    element-wise product, whose derivative in :math:`A_{ij}` is :math:`B_{ij}`. Answers
    catalog entry ``"5"``; returns a new array.
    """
    return np.array(B, dtype=float, copy=True)


# --------------------------------------------------------------------------- problem 6


def sheet_6(w: ArrayLike, X: ArrayLike) -> np.ndarray:
    r"""Sheet 6: :math:`[df/dw]_k = \sum_j w_j X_{kj} + \sum_i w_i X_{ik}`.

    That is :math:`(X + X^\top) w`. Written with the sheet's indices. Answers catalog entry ``"6"``.
    """
    w = np.asarray(w, dtype=float)
    X = np.asarray(X, dtype=float)
    return np.einsum("j,kj->k", w, X) + np.einsum("i,ik->k", w, X)


# --------------------------------------------------------------------------- problem 7


def sheet_7a(H: ArrayLike, w2: ArrayLike, y: ArrayLike) -> np.ndarray:
    r"""Sheet 7(1), second line: :math:`\partial L / \partial h_j`.

    .. math::

        \frac{\partial L}{\partial h_j}
            = (g - y)\,\sigma(w_2^\top h)(1 - \sigma(w_2^\top h))\, w_{2,j}

    Per sample (rows of ``H``), ``g = σ(w_2^T h)``. Answers catalog entry ``"7a"``. ``g - y``
    is computed as the library's ``_residual`` (the same number, without cancellation: as a
    difference it keeps only ``eps / |g - y|`` relative precision where ``g`` saturates
    towards ``y``, 3.5e-8 at ``s = 19.6``, above the checker's rtol of 1e-8).
    """
    H = np.asarray(H, dtype=float)
    w2 = np.asarray(w2, dtype=float)
    y = np.asarray(y, dtype=float)
    s = H @ w2
    return (_residual(s, y) * _sigmoid(s) * _sigmoid(-s))[:, None] * w2[None, :]


def sheet_7a_prime(H: ArrayLike, w2: ArrayLike, y: ArrayLike) -> np.ndarray:
    r"""Sheet 7(1), third line (7a'): :math:`\partial L / \partial h_j`, wrongly.

    .. math::

        \frac{\partial L}{\partial h_j}
            = (g - y)\,\sigma(w_{2,j} h_j)(1 - \sigma(w_{2,j} h_j))\, w_{2,j}

    Puts the single term :math:`w_{2,j} h_j` where the whole pre-activation
    :math:`w_2^\top h` belongs: wrong whenever ``D >= 2`` (with ``D = 1`` the two agree).
    Answers (wrongly) catalog entry ``"7a"``.
    """
    H = np.asarray(H, dtype=float)
    w2 = np.asarray(w2, dtype=float)
    y = np.asarray(y, dtype=float)
    a = H * w2[None, :]
    return _residual(H @ w2, y)[:, None] * _sigmoid(a) * _sigmoid(-a) * w2[None, :]
