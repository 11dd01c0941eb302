r"""A catalog of plausible wrong derivations, one or more per entry of the formula catalog.

Each :class:`Mistake` answers one entry of :data:`gradients.catalog.CATALOG` (same
arguments, same meaning: a gradient, a new ``w`` after a step, or a maximiser), so

>>> from gradients.catalog import get
>>> m = MISTAKES[0]
>>> f, grad, strategy = get(m.answers).setup(candidate=m.function)

checks it exactly as the project's own answer is checked. ``tests/test_mistakes.py`` asserts
that the checker rejects every one at default settings, and that the counterexample search
shrinks a failing input whose every array dimension is at most :attr:`Mistake.max_dim`.
:attr:`Mistake.min_dim` is the size the mathematics needs: ``1`` when a non-degenerate
``1 x 1`` input exposes the mistake, ``2`` when it hides there (the transpose of a ``1 x 1``
matrix, ``w_{2,j} h_j`` equal to ``w_2^T h`` when there is one feature, a sum over one
sample); both are asserted.

The functions are written the way the mistake is made on paper, not defensively: they do not
validate their arguments (the catalog's loss does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradients._numerics import _sigmoid, _sigmoid_prime
from gradients.catalog.candidates import sheet_7a_prime
from gradients.catalog.lookup import by_id as _by_id
from gradients.residual_net import residual_net_forward

__all__ = ["MISTAKES", "Mistake", "by_id"]


@dataclass(frozen=True)
class Mistake:
    """One wrong derivation.

    Attributes
    ----------
    id : str
        Short unique id, prefixed by the catalog id it answers.
    answers : str
        The id of the catalog entry (:func:`gradients.catalog.get`) whose answer it replaces.
    description : str
        What goes wrong, in one sentence.
    function : callable
        The wrong answer, with the arguments of the catalog entry's answer.
    max_dim : int
        Bound on the minimal counterexample: every array dimension of the failing input
        shrunk by :func:`checks.search.find_counterexample` is at most ``max_dim``.
    min_dim : int, default 1
        The size the mathematics needs: on inputs whose every dimension is below
        ``min_dim`` the mistake gives the right answer (e.g. ``2X`` and ``2X^T`` for
        ``1 x 1`` matrices). ``min_dim <= max_dim``; they differ where the shrinker can stop
        in a local minimum -- a failing pattern of non-zero entries at two different
        indices, which deleting one index at a time cannot merge into one.
    """

    id: str
    answers: str
    description: str
    function: Callable[..., Any]
    max_dim: int
    min_dim: int = 1


def _f(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=float)


# --------------------------------------------------------------------------- problem 1


def _tr2_untransposed(X):
    return 2.0 * _f(X)


def _tr2_no_factor(X):
    return _f(X).T


def _tr3_untransposed(X):
    X = _f(X)
    return 3.0 * X @ X


def _tr3_no_factor(X):
    X = _f(X)
    return (X @ X).T


def _trk_untransposed(X, k):
    return k * np.linalg.matrix_power(_f(X), max(k - 1, 0))


def _trk_power_not_lowered(X, k):
    return k * np.linalg.matrix_power(_f(X), k).T


# --------------------------------------------------------------------------- problem 2


def _logistic_residual(w, X, y):
    return _sigmoid(_f(X) @ _f(w)) - _f(y)


def _logistic_no_penalty(w, X, y, lam=1.0):
    return _f(X).T @ _logistic_residual(w, X, y)


def _logistic_half_penalty(w, X, y, lam=1.0):
    return _f(X).T @ _logistic_residual(w, X, y) + lam * _f(w)


def _logistic_sign(w, X, y, lam=1.0):
    return -_f(X).T @ _logistic_residual(w, X, y) + 2.0 * lam * _f(w)


def _logistic_squared_loss_habit(w, X, y, lam=1.0):
    a = _f(X) @ _f(w)
    return _f(X).T @ (_logistic_residual(w, X, y) * _sigmoid_prime(a)) + 2.0 * lam * _f(w)


def _logistic_step_ascent(w, X, y, lr, lam=1.0):
    grad = _f(X).T @ _logistic_residual(w, X, y) + 2.0 * lam * _f(w)
    return _f(w) + lr * grad


# --------------------------------------------------------------------------- problem 3


def _bipolar_parts(w, X, y):
    f = np.tanh(0.5 * (_f(X) @ _f(w)))
    return f, f - _f(y)


def _bipolar_logistic_derivative(w, X, y):
    f, r = _bipolar_parts(w, X, y)
    return _f(X).T @ (r * f * (1.0 - f))


def _bipolar_missing_half(w, X, y):
    f, r = _bipolar_parts(w, X, y)
    return _f(X).T @ (r * (1.0 - f**2))


def _bipolar_sign(w, X, y):
    f, r = _bipolar_parts(w, X, y)
    return _f(X).T @ (-r * 0.5 * (1.0 - f**2))


def _bipolar_no_residual(w, X, y):
    f, _ = _bipolar_parts(w, X, y)
    return _f(X).T @ (0.5 * (1.0 - f**2))


def _bipolar_step_logistic_derivative(w, X, y, lr):
    return _f(w) - lr * _bipolar_logistic_derivative(w, X, y)


# --------------------------------------------------------------------------- problem 4


def _gauss_residual(w, X, y):
    return _f(y) - _f(X) @ _f(w)


def _gauss_sign(w, X, y, sigma):
    return -_f(X).T @ _gauss_residual(w, X, y) / sigma**2


def _gauss_no_sigma(w, X, y, sigma):
    return _f(X).T @ _gauss_residual(w, X, y)


def _gauss_sigma_power(w, X, y, sigma):
    return _f(X).T @ _gauss_residual(w, X, y) / sigma


def _gauss_y_dropped(w, X, y, sigma):
    X = _f(X)
    return -X.T @ X @ _f(w) / sigma**2


def _mle_ridge(X, y):
    X = _f(X)
    return np.linalg.solve(X.T @ X + np.eye(X.shape[1]), X.T @ _f(y))


def _mle_no_inverse(X, y):
    return _f(X).T @ _f(y)


# --------------------------------------------------------------------------- problem 5


def _frob_transposed(A, B):
    return _f(B).T.copy()


def _frob_wrong_factor(A, B):
    return _f(A).copy()


def _frob_doubled(A, B):
    return 2.0 * _f(B)


def _frob_B_wrong_factor(A, B):
    return _f(B).copy()


# --------------------------------------------------------------------------- problem 6


def _quad_2Xw(w, X):
    return 2.0 * _f(X) @ _f(w)


def _quad_Xw(w, X):
    return _f(X) @ _f(w)


def _quad_XTw(w, X):
    return _f(X).T @ _f(w)


def _quad_X_doubled(w, X):
    w = _f(w)
    return 2.0 * np.outer(w, w)


def _quad_X_diagonal(w, X):
    return np.diag(_f(w) ** 2)


# --------------------------------------------------------------------------- problem 7


def _grad_h_no_activation_derivative(H, w2, y):
    H, w2 = _f(H), _f(w2)
    g = _sigmoid(H @ w2)
    return (g - _f(y))[:, None] * w2[None, :]


def _grad_h_summed_over_samples(H, w2, y):
    H, w2 = _f(H), _f(w2)
    s = H @ w2
    total = np.sum((_sigmoid(s) - _f(y)) * _sigmoid_prime(s))
    return np.tile(total * w2, (H.shape[0], 1))


def _backward(W0, W1, w2, X, y, *, a1_prime=True, a0_prime=True, s_prime=True):
    """The deltas (as in :mod:`gradients.residual_net`), optionally missing a sigma'."""
    W1, w2 = _f(W1), _f(w2)
    fwd = residual_net_forward(W0, W1, w2, X)
    d_s = (fwd.g - _f(y)) * (_sigmoid_prime(fwd.s) if s_prime else 1.0)
    d_h = d_s[:, None] * w2[None, :]
    d_a1 = d_h * (_sigmoid_prime(fwd.A1) if a1_prime else 1.0)
    d_a0 = (d_a1 @ W1) * (_sigmoid_prime(fwd.A0) if a0_prime else 1.0)
    return fwd, d_s, d_h, d_a1, d_a0


def _W1_no_activation_derivative(W0, W1, w2, X, y):
    fwd, _, _, d_a1, _ = _backward(W0, W1, w2, X, y, a1_prime=False)
    return d_a1.T @ fwd.Z


def _W1_transposed(W0, W1, w2, X, y):
    fwd, _, _, d_a1, _ = _backward(W0, W1, w2, X, y)
    return fwd.Z.T @ d_a1


def _W0_no_activation_derivative(W0, W1, w2, X, y):
    _, _, _, _, d_a0 = _backward(W0, W1, w2, X, y, a0_prime=False)
    return d_a0.T @ _f(X)


def _W0_no_hidden_derivative(W0, W1, w2, X, y):
    _, _, _, _, d_a0 = _backward(W0, W1, w2, X, y, a1_prime=False)
    return d_a0.T @ _f(X)


def _w2_no_activation_derivative(W0, W1, w2, X, y):
    fwd, d_s, _, _, _ = _backward(W0, W1, w2, X, y, s_prime=False)
    return fwd.H.T @ d_s


def _w2_x_for_h(W0, W1, w2, X, y):
    _, d_s, _, _, _ = _backward(W0, W1, w2, X, y)
    return _f(X).T @ d_s


def _X_no_residual(W0, W1, w2, X, y):
    _, _, _, _, d_a0 = _backward(W0, W1, w2, X, y)
    return d_a0 @ _f(W0)


def _X_only_residual(W0, W1, w2, X, y):
    _, _, d_h, _, _ = _backward(W0, W1, w2, X, y)
    return d_h


# --------------------------------------------------------------------------- the catalog

MISTAKES: tuple[Mistake, ...] = (
    # 1. trace powers
    Mistake("1a-untransposed", "1a", "2X for d tr(X^2)/dX: the transpose is missing "
            "(right only for symmetric X, so D = 2 is needed)", _tr2_untransposed, 2, min_dim=2),
    Mistake("1a-no-factor", "1a", "X^T: the factor 2 of the two X's in X^2 is dropped",
            _tr2_no_factor, 1),
    Mistake("1b-untransposed", "1b", "3X^2 for d tr(X^3)/dX: the transpose is missing",
            _tr3_untransposed, 2, min_dim=2),
    Mistake("1b-no-factor", "1b", "(X^2)^T: the factor 3 is dropped", _tr3_no_factor, 1),
    Mistake("1k-untransposed", "1k", "k X^(k-1) for d tr(X^k)/dX: the transpose is missing "
            "(wrong from k = 2 on, for non-symmetric X)", _trk_untransposed, 2, min_dim=2),
    Mistake("1k-power-not-lowered", "1k", "k (X^k)^T: the power is not lowered by one",
            _trk_power_not_lowered, 1),
    # 2. logistic regression with an L2 penalty
    Mistake("2-no-penalty", "2", "X^T(sigma - y): the penalty's 2 lam w is dropped",
            _logistic_no_penalty, 1),
    Mistake("2-half-penalty", "2", "X^T(sigma - y) + lam w: d||w||^2/dw taken as w, not 2w",
            _logistic_half_penalty, 1),
    Mistake("2-sign", "2", "X^T(y - sigma) + 2 lam w: the data term's sign is flipped",
            _logistic_sign, 1),
    Mistake("2-squared-loss-habit", "2", "X^T((sigma - y) sigma (1 - sigma)) + 2 lam w: the "
            "sigmoid's derivative multiplied in, as for a squared loss",
            _logistic_squared_loss_habit, 1),
    Mistake("2-step-ascent", "2-step", "w + lr grad: the update climbs the loss",
            _logistic_step_ascent, 1),
    # 3. bipolar sigmoid with squared loss
    Mistake("3-logistic-derivative", "3", "f (1 - f), the logistic sigmoid's derivative, used "
            "for the bipolar one (1 - f^2) / 2", _bipolar_logistic_derivative, 1),
    Mistake("3-missing-half", "3", "X^T((f - y)(1 - f^2)): the 1/2 of d tanh(a/2)/da is "
            "missing", _bipolar_missing_half, 1),
    Mistake("3-sign", "3", "X^T((y - f)(1 - f^2)/2): the residual's sign is flipped",
            _bipolar_sign, 1),
    Mistake("3-no-residual", "3", "sum_i df_i/dw: the chain rule's factor (f - y) of the "
            "squared loss is missing (the sheet stops there)", _bipolar_no_residual, 1),
    Mistake("3-step-logistic-derivative", "3-step", "the update with f (1 - f) for the "
            "bipolar derivative", _bipolar_step_logistic_derivative, 1),
    # 4. Gaussian maximum likelihood
    Mistake("4-sign", "4", "X^T(Xw - y) / sigma^2: the gradient of the negative "
            "log-likelihood", _gauss_sign, 1),
    Mistake("4-no-sigma", "4", "X^T(y - Xw): the 1 / sigma^2 is dropped (right only for "
            "sigma = 1)", _gauss_no_sigma, 1),
    Mistake("4-sigma-power", "4", "X^T(y - Xw) / sigma: the wrong power of sigma",
            _gauss_sigma_power, 1),
    Mistake("4-y-dropped", "4", "-X^T X w / sigma^2: the X^T y term is dropped",
            _gauss_y_dropped, 2),
    Mistake("4-mle-ridge", "4-mle", "(X^T X + I)^(-1) X^T y: the ridge solution, as if the "
            "likelihood had a penalty", _mle_ridge, 1),
    Mistake("4-mle-no-inverse", "4-mle", "X^T y: the inverse of X^T X is dropped",
            _mle_no_inverse, 1),
    # 5. Frobenius product
    Mistake("5-transposed", "5", "B^T: a transpose from tr(A^T B) carried into the result "
            "(wrong shape for non-square B)", _frob_transposed, 2, min_dim=2),
    Mistake("5-wrong-factor", "5", "A: differentiated with respect to the other factor",
            _frob_wrong_factor, 1),
    Mistake("5-doubled", "5", "2B: the rule for <A, A> applied to <A, B>", _frob_doubled, 1),
    Mistake("5B-wrong-factor", "5B", "B for d<A,B>/dB: differentiated with respect to the "
            "other factor", _frob_B_wrong_factor, 1),
    # 6. quadratic form
    Mistake("6-2Xw", "6", "2Xw: the symmetric-X rule used for a non-symmetric X (D = 2 is "
            "needed)", _quad_2Xw, 2, min_dim=2),
    Mistake("6-Xw", "6", "Xw: only the right-hand w differentiated", _quad_Xw, 1),
    Mistake("6-XTw", "6", "X^T w: only the left-hand w differentiated", _quad_XTw, 1),
    Mistake("6X-doubled", "6X", "2ww^T for df/dX: the 2 of df/dw carried over",
            _quad_X_doubled, 1),
    Mistake("6X-diagonal", "6X", "diag(w^2): only the i = j terms of w_i X_ij w_j kept",
            _quad_X_diagonal, 2, min_dim=2),
    # 7. residual network
    Mistake("7a-prime", "7a", "the sheet's 7a': sigma(w2_j h_j) where sigma(w2^T h) belongs "
            "(equal when D = 1)", sheet_7a_prime, 2, min_dim=2),
    Mistake("7a-no-activation-derivative", "7a", "(g - y) w2_j: the output sigmoid's "
            "derivative g (1 - g) is dropped", _grad_h_no_activation_derivative, 1),
    Mistake("7a-summed-over-samples", "7a", "the output delta summed over the samples and "
            "given to every row (equal when N = 1)", _grad_h_summed_over_samples, 2, min_dim=2),
    Mistake("7b-no-activation-derivative", "7b", "delta_h^T Z: the residual branch's "
            "sigma'(W1 z) is dropped", _W1_no_activation_derivative, 1),
    Mistake("7b-transposed", "7b", "Z^T delta_a1: the outer product the wrong way round, "
            "shape (M, D) instead of (D, M)", _W1_transposed, 2, min_dim=2),
    Mistake("7-W0-no-activation-derivative", "7-W0", "the hidden layer's sigma'(W0 x) is "
            "dropped", _W0_no_activation_derivative, 2),
    Mistake("7-W0-no-hidden-derivative", "7-W0", "the residual branch's sigma'(W1 z) is "
            "dropped on the way down to W0", _W0_no_hidden_derivative, 2),
    Mistake("7-w2-no-activation-derivative", "7-w2", "H^T (g - y): the output sigmoid's "
            "derivative is dropped", _w2_no_activation_derivative, 1),
    Mistake("7-w2-x-for-h", "7-w2", "X^T delta_s: the input x used where h = x + sigma(W1 z) "
            "belongs (the branch forgotten)", _w2_x_for_h, 1),
    Mistake("7-X-no-residual", "7-X", "delta_a0 W0: the residual (identity) path is dropped",
            _X_no_residual, 1),
    Mistake("7-X-only-residual", "7-X", "delta_h: only the residual path, the path through z "
            "is dropped", _X_only_residual, 2),
)


def by_id(mistake_id: str) -> Mistake:
    """The mistake with this id; ``KeyError`` listing the known ids otherwise."""
    return _by_id(MISTAKES, mistake_id, "mistake")
