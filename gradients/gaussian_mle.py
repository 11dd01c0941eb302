r"""Problem 4: Gaussian maximum likelihood for a linear model.

Data :math:`X \in \mathbb{R}^{N \times D}`, targets :math:`y \in \mathbb{R}^N`, residuals
:math:`r = y - Xw`, noise scale :math:`\sigma > 0`. The likelihood is a product of normal
densities; its logarithm (the product under/overflows, the sum does not) and gradient are

.. math::

    \ln P(w) = \sum_i \ln \mathcal{N}(y_i; w^\top x_i, \sigma^2)
             = -\frac{N}{2} \ln(2 \pi \sigma^2) - \frac{1}{2 \sigma^2} \sum_i r_i^2 ,
    \qquad
    \nabla_w \ln P(w) = \frac{1}{\sigma^2} X^\top (y - Xw).

Derivation. :math:`\partial r_i / \partial w = -x_i`, so
:math:`\partial (r_i^2) / \partial w = -2 r_i x_i` and the constant term drops out. Setting the
gradient to zero gives the normal equations :math:`X^\top X w = X^\top y`, hence

.. math::

    w^* = (X^\top X)^{-1} X^\top y, \qquad
    \hat\sigma^2 = \frac{1}{N} \lVert y - X w^* \rVert^2 .

:math:`w^*` does not depend on :math:`\sigma`; it is a maximum because the Hessian
:math:`-X^\top X / \sigma^2` is negative definite when :math:`X` has full column rank. If it
has not (:math:`N < D` or collinear columns) the maximisers form an affine subspace and
:func:`mle_weights` refuses unless asked for its minimum-norm element (``min_norm=True``).
The solve goes through the SVD of :math:`X`, never an explicit inverse of :math:`X^\top X`
(which would square the condition number).
"""

import numpy as np
from numpy.typing import ArrayLike

from ._validation import _as_float_array, _as_scalar, _number, _require_rows, _require_shape

__all__ = [
    "gaussian_log_likelihood_hessian",
    "gaussian_log_likelihood",
    "gaussian_log_likelihood_grad",
    "mle_sigma2",
    "mle_weights",
]


def _validate_data(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    X = _as_float_array("X", X, ndim=2)
    y = _as_float_array("y", y, ndim=1)
    _require_rows("y", y, "X", X.shape[0])
    return X, y


def _validate_w(w: ArrayLike, X: np.ndarray, *, complex_ok: bool = False) -> np.ndarray:
    w = _as_float_array("w", w, ndim=1, complex_ok=complex_ok)
    return _require_shape("w", w, (X.shape[1],), f"to match X's {X.shape[1]} columns")


def gaussian_log_likelihood(w: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float) -> float:
    r"""Return the log-likelihood :math:`\ln P(w)`.

    .. math::

        \ln P(w) = -\frac{N}{2}\ln(2\pi\sigma^2) - \frac{1}{2\sigma^2}\lVert y - Xw \rVert^2

    Parameters
    ----------
    w : array_like, shape (D,)
        Weights.
    X : array_like, shape (N, D)
        Samples as rows.
    y : array_like, shape (N,)
        Real-valued targets.
    sigma : float
        Noise standard deviation, ``> 0``.

    Returns
    -------
    float
        The log-likelihood (sum of the log densities).

    Examples
    --------
    >>> round(gaussian_log_likelihood([1.0], [[1.0]], [1.0], sigma=1.0), 6)  # -ln(2 pi)/2
    -0.918939
    """
    X, y = _validate_data(X, y)
    w = _validate_w(w, X, complex_ok=True)  # r @ r, not |r|^2: complex-analytic in w
    sigma = _as_scalar("sigma", sigma, minimum=0, strict=True)
    r = y - X @ w
    return _number(-0.5 * X.shape[0] * np.log(2.0 * np.pi * sigma**2) - (r @ r) / (2.0 * sigma**2))


def gaussian_log_likelihood_grad(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float
) -> np.ndarray:
    r"""Return :math:`\nabla_w \ln P(w) = X^\top (y - Xw) / \sigma^2`.

    Parameters
    ----------
    w, X, y, sigma
        As in :func:`gaussian_log_likelihood`.

    Returns
    -------
    ndarray, shape (D,)
        The gradient (zero exactly at the maximisers).

    Examples
    --------
    >>> gaussian_log_likelihood_grad([0.0], [[2.0]], [1.0], sigma=2.0)  # 2 * 1 / 4
    array([0.5])
    """
    X, y = _validate_data(X, y)
    w = _validate_w(w, X)
    sigma = _as_scalar("sigma", sigma, minimum=0, strict=True)
    return X.T @ (y - X @ w) / sigma**2


def gaussian_log_likelihood_hessian(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float
) -> np.ndarray:
    r"""Return :math:`\nabla^2 \ln P(w) = -X^\top X / \sigma^2` (shape ``(D, D)``).

    The log-likelihood is quadratic in ``w``, so its Hessian does not depend on ``w`` or
    ``y``; it is negative semi-definite (definite when ``X`` has full column rank), which is
    why the stationary point :func:`mle_weights` is the maximum.

    Examples
    --------
    >>> gaussian_log_likelihood_hessian([0.0], [[1.0], [2.0]], [0.0, 0.0], 1.0)
    array([[-5.]])
    """
    X, y = _validate_data(X, y)
    _validate_w(w, X)
    sigma = float(sigma)
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be finite and > 0, got {sigma!r}")
    return -(X.T @ X) / sigma**2


def mle_weights(X: ArrayLike, y: ArrayLike, *, min_norm: bool = False) -> np.ndarray:
    r"""Return the maximum-likelihood weights :math:`w^* = (X^\top X)^{-1} X^\top y`.

    Solved through the thin SVD :math:`X = U S V^\top`, :math:`w^* = V S^{-1} U^\top y`. The
    numerical rank counts singular values above :math:`\max(N, D)\,\varepsilon\,s_{\max}`
    (the tolerance of ``np.linalg.matrix_rank``).

    Parameters
    ----------
    X : array_like, shape (N, D)
        Design matrix, samples as rows.
    y : array_like, shape (N,)
        Targets.
    min_norm : bool, default False
        If ``X`` is rank-deficient, return the minimum-norm maximiser
        :math:`X^+ y` (pseudo-inverse, as ``np.linalg.lstsq``) instead of raising.

    Returns
    -------
    ndarray, shape (D,)
        The maximiser (independent of :math:`\sigma`).

    Raises
    ------
    ValueError
        If ``X`` has numerical rank below ``D`` (``N < D`` or collinear columns) and
        ``min_norm`` is false: the maximiser is then not unique.

    Examples
    --------
    >>> mle_weights([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], [3.0, 4.0, 5.0])
    array([3., 2.])
    """
    X, y = _validate_data(X, y)
    n, d = X.shape
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    tol = max(n, d) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    rank = int(np.count_nonzero(s > tol))
    if rank < d and not min_norm:
        why = f"N={n} rows < D={d} columns" if n < d else "its columns are linearly dependent"
        raise ValueError(
            "the closed form w* = (X^T X)^{-1} X^T y needs X^T X invertible, i.e. X of full "
            f"column rank; X has rank {rank} < D={d} ({why}), so the maximiser is not unique. "
            "Pass min_norm=True for the minimum-norm maximiser (the pseudo-inverse solution)."
        )
    inv_s = np.zeros_like(s)
    inv_s[:rank] = 1.0 / s[:rank]
    return Vt.T @ (inv_s * (U.T @ y))


def mle_sigma2(X: ArrayLike, y: ArrayLike, w: ArrayLike | None = None) -> float:
    r"""Return the maximum-likelihood noise variance :math:`\frac1N \lVert y - Xw \rVert^2`.

    Setting :math:`\partial \ln P / \partial \sigma = -N/\sigma + \lVert r \rVert^2 / \sigma^3`
    to zero gives this value.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Design matrix, ``N >= 1``.
    y : array_like, shape (N,)
        Targets.
    w : array_like, shape (D,), optional
        Weights at which to evaluate the residuals; default :func:`mle_weights(X, y)`
        (which raises for a rank-deficient ``X``; pass ``w`` explicitly then).

    Returns
    -------
    float
        The mean squared residual.

    Examples
    --------
    >>> mle_sigma2([[1.0], [1.0]], [0.0, 2.0])  # w* = 1, residuals -1 and 1
    1.0
    """
    X, y = _validate_data(X, y)
    if X.shape[0] == 0:
        raise ValueError(f"X must have at least 1 row to estimate sigma^2, got shape {X.shape}")
    w = mle_weights(X, y) if w is None else _validate_w(w, X)
    r = y - X @ w
    return float(r @ r / X.shape[0])
