r"""Problem 7: a two-layer network with a residual connection, and its backward pass.

Index convention
----------------
The sheet's prose says ":math:`w_{i,j,k}` connects the j-th node of layer i to the k-th node of
layer i+1", but its equations use the opposite order (:math:`w_{1,i,m}` multiplies :math:`z_m`
into :math:`h_i`). The equations are authoritative, so here **the first index is the receiving
node and the second the sending node**, as in ``output = W @ input``:

* ``W0``, shape ``(M, D)``: ``W0[m, d]`` feeds :math:`x_d` into :math:`z_m`;
* ``W1``, shape ``(D, M)``: ``W1[d, m]`` feeds :math:`z_m` into :math:`h_d`;
* ``w2``, shape ``(D,)``: ``w2[d]`` feeds :math:`h_d` into :math:`g`.

Model and loss
--------------
For samples :math:`x_i \in \mathbb{R}^D` (rows of ``X``, shape ``(N, D)``), labels
:math:`y_i \in \{0, 1\}`:

.. math::

    z = \sigma(W_0 x) \in \mathbb{R}^M, \quad
    h = x + \sigma(W_1 z) \in \mathbb{R}^D, \quad
    g = \sigma(w_2^\top h), \quad
    L = \tfrac12 \sum_i (g(x_i) - y_i)^2 .

Backward pass (the delta rule)
------------------------------
Write :math:`a_0 = W_0 x`, :math:`a_1 = W_1 z`, :math:`s = w_2^\top h`, and
:math:`\delta_v = \partial L / \partial v` per sample. From the output back:

.. math::

    \delta_s &= (g - y)\, \sigma'(s) = (g - y)\, g (1 - g)                      \\
    \delta_h &= \delta_s \, w_2                   && \text{(a): } \partial L / \partial h_j
                                                     = \delta_s w_{2,j}         \\
    \delta_{a_1} &= \delta_h \odot \sigma'(a_1)                                  \\
    \delta_{a_0} &= (W_1^\top \delta_{a_1}) \odot \sigma'(a_0)

and the parameter gradients sum outer products over the samples:

.. math::

    \frac{\partial L}{\partial w_2} = \sum_i \delta_s h, \quad
    \frac{\partial L}{\partial W_1} = \sum_i \delta_{a_1} z^\top \text{ (b)}, \quad
    \frac{\partial L}{\partial W_0} = \sum_i \delta_{a_0} x^\top, \quad
    \frac{\partial L}{\partial x} = \delta_h + W_0^\top \delta_{a_0} .

The last one has two paths: the identity (residual) path :math:`\partial h / \partial x = I`
and the path through :math:`z`. (Sheet candidate 7a is :math:`\delta_h`; 7a' puts
:math:`\sigma(w_{2,j} h_j)` where :math:`\sigma(w_2^\top h)` belongs.)

With samples as rows every delta is a matrix (``(N,)``, ``(N, D)``, ``(N, D)``, ``(N, M)``) and
each sum over samples is one matrix product.
"""

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._numerics import _sigmoid, _sigmoid_prime
from ._validation import (
    _as_float_array,
    _require_labels,
    _require_rows,
    _require_shape,
)

__all__ = [
    "ResidualNetForward",
    "residual_net_forward",
    "residual_net_grad_W0",
    "residual_net_grad_W1",
    "residual_net_grad_X",
    "residual_net_grad_h",
    "residual_net_grad_w2",
    "residual_net_loss",
    "residual_net_loss_from_h",
]


class ResidualNetForward(NamedTuple):
    """Intermediates of the forward pass, samples as rows.

    Attributes
    ----------
    A0 : ndarray, shape (N, M)
        Pre-activation of the hidden layer, ``X @ W0.T``.
    Z : ndarray, shape (N, M)
        Hidden layer, ``sigma(A0)``.
    A1 : ndarray, shape (N, D)
        Pre-activation of the residual branch, ``Z @ W1.T``.
    H : ndarray, shape (N, D)
        Residual layer, ``X + sigma(A1)``.
    s : ndarray, shape (N,)
        Output pre-activation, ``H @ w2``.
    g : ndarray, shape (N,)
        Output, ``sigma(s)``.
    """

    A0: np.ndarray
    Z: np.ndarray
    A1: np.ndarray
    H: np.ndarray
    s: np.ndarray
    g: np.ndarray


class _Deltas(NamedTuple):
    """The deltas of the module docstring, one row per sample."""

    d_s: np.ndarray  # delta_s = dL/ds, (N,)
    d_h: np.ndarray  # delta_h = dL/dH, (N, D)
    d_a1: np.ndarray  # delta_a1 = dL/dA1, (N, D)
    d_a0: np.ndarray  # delta_a0 = dL/dA0, (N, M)


def _validate_params(
    W0: ArrayLike, W1: ArrayLike, w2: ArrayLike, X: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X = _as_float_array("X", X, ndim=2)
    d = X.shape[1]
    W0 = _as_float_array("W0", W0, ndim=2)
    m = W0.shape[0]
    _require_shape("W0", W0, (m, d), f"(M, D) with D={d} from X's columns")
    W1 = _as_float_array("W1", W1, ndim=2)
    _require_shape("W1", W1, (d, m), f"(D, M) with D={d} from X, M={m} from W0")
    w2 = _as_float_array("w2", w2, ndim=1)
    _require_shape("w2", w2, (d,), f"(D,) with D={d} from X's columns")
    return W0, W1, w2, X


def _validate_labels(y: ArrayLike, n: int, ref: str) -> np.ndarray:
    y = _as_float_array("y", y, ndim=1)
    _require_rows("y", y, ref, n)
    return _require_labels("y", y, (0, 1))


def _validate_h(
    H: ArrayLike, w2: ArrayLike, y: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    H = _as_float_array("H", H, ndim=2)
    w2 = _as_float_array("w2", w2, ndim=1)
    _require_shape("w2", w2, (H.shape[1],), f"to match H's {H.shape[1]} columns")
    return H, w2, _validate_labels(y, H.shape[0], "H")


def _forward(W0: np.ndarray, W1: np.ndarray, w2: np.ndarray, X: np.ndarray) -> ResidualNetForward:
    A0 = X @ W0.T
    Z = _sigmoid(A0)
    A1 = Z @ W1.T
    H = X + _sigmoid(A1)
    s = H @ w2
    return ResidualNetForward(A0, Z, A1, H, s, _sigmoid(s))


def _residual(s: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""``g - y = sigma(s) - y`` for labels in {0, 1}, without cancellation.

    ``sigma(s) - 1 = -sigma(-s)``, so ``g - y = c sigma(c s)`` with ``c = 1 - 2y``: full
    relative precision when ``g`` saturates towards ``y`` (``1 - sigma(s)`` computed as a
    difference loses every digit below ``eps``, e.g. 0.4 % relative error at ``s = 45``).
    """
    c = 1.0 - 2.0 * y
    return c * _sigmoid(c * s)


def _delta_out(s: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _residual(s, y) * _sigmoid_prime(s)


def _backward(W1: np.ndarray, w2: np.ndarray, fwd: ResidualNetForward, y: np.ndarray) -> _Deltas:
    """Propagate the deltas from the output down to the first pre-activation.

    Products of tiny deltas and tiny sigmoid slopes may underflow to 0 (large weights): that
    is the right value to the last representable digit, so underflow is not an error here.
    """
    with np.errstate(under="ignore"):
        d_s = _delta_out(fwd.s, y)
        d_h = d_s[:, None] * w2[None, :]
        d_a1 = d_h * _sigmoid_prime(fwd.A1)
        d_a0 = (d_a1 @ W1) * _sigmoid_prime(fwd.A0)
    return _Deltas(d_s, d_h, d_a1, d_a0)


def _setup(
    W0: ArrayLike, W1: ArrayLike, w2: ArrayLike, X: ArrayLike, y: ArrayLike
) -> tuple[ResidualNetForward, _Deltas, np.ndarray, np.ndarray]:
    """Validate, run the forward pass and the backward pass; also return ``W0`` and ``X``."""
    W0, W1, w2, X = _validate_params(W0, W1, w2, X)
    y = _validate_labels(y, X.shape[0], "X")
    fwd = _forward(W0, W1, w2, X)
    return fwd, _backward(W1, w2, fwd, y), W0, X


def residual_net_forward(
    W0: ArrayLike, W1: ArrayLike, w2: ArrayLike, X: ArrayLike
) -> ResidualNetForward:
    r"""Run the forward pass and return every intermediate.

    :math:`z = \sigma(W_0 x)`, :math:`h = x + \sigma(W_1 z)`, :math:`g = \sigma(w_2^\top h)`,
    for all samples at once.

    Parameters
    ----------
    W0 : array_like, shape (M, D)
        ``W0[m, d]`` feeds :math:`x_d` into :math:`z_m`.
    W1 : array_like, shape (D, M)
        ``W1[d, m]`` feeds :math:`z_m` into :math:`h_d`.
    w2 : array_like, shape (D,)
        Output weights.
    X : array_like, shape (N, D)
        Samples as rows.

    Returns
    -------
    ResidualNetForward
        ``(A0, Z, A1, H, s, g)`` with shapes ``(N, M), (N, M), (N, D), (N, D), (N,), (N,)``.

    Examples
    --------
    >>> residual_net_forward([[0.0]], [[0.0]], [0.0], [[1.0]]).g  # sigma(0)
    array([0.5])
    """
    return _forward(*_validate_params(W0, W1, w2, X))


def residual_net_loss(
    W0: ArrayLike, W1: ArrayLike, w2: ArrayLike, X: ArrayLike, y: ArrayLike
) -> float:
    r"""Return :math:`L = \tfrac12 \sum_i (g(x_i) - y_i)^2`.

    Parameters
    ----------
    W0, W1, w2, X
        As in :func:`residual_net_forward`.
    y : array_like, shape (N,)
        Labels, each 0 or 1.

    Returns
    -------
    float
        The loss, in :math:`[0, N/2]`.

    Examples
    --------
    >>> residual_net_loss([[0.0]], [[0.0]], [0.0], [[1.0]], [1])  # (1/2 - 1)^2 / 2
    0.125
    """
    W0, W1, w2, X = _validate_params(W0, W1, w2, X)
    y = _validate_labels(y, X.shape[0], "X")
    r = _residual(_forward(W0, W1, w2, X).s, y)
    return float(0.5 * (r @ r))


def residual_net_loss_from_h(H: ArrayLike, w2: ArrayLike, y: ArrayLike) -> float:
    r"""Return :math:`L = \tfrac12 \sum_i (\sigma(w_2^\top h_i) - y_i)^2` as a function of ``H``.

    Parameters
    ----------
    H : array_like, shape (N, D)
        The residual layer's outputs :math:`h(x_i)` as rows.
    w2 : array_like, shape (D,)
        Output weights.
    y : array_like, shape (N,)
        Labels, each 0 or 1.

    Returns
    -------
    float
        The loss.

    Examples
    --------
    >>> residual_net_loss_from_h([[0.0, 3.0]], [1.0, 0.0], [0])  # (1/2)^2 / 2
    0.125
    """
    H, w2, y = _validate_h(H, w2, y)
    r = _residual(H @ w2, y)
    return float(0.5 * (r @ r))


def residual_net_grad_h(H: ArrayLike, w2: ArrayLike, y: ArrayLike) -> np.ndarray:
    r"""Return :math:`\partial L / \partial h_{ij} = (g_i - y_i) g_i (1 - g_i) w_{2,j}` (part a).

    Parameters
    ----------
    H, w2, y
        As in :func:`residual_net_loss_from_h`.

    Returns
    -------
    ndarray, shape (N, D)
        Row ``i`` is :math:`\partial L / \partial h(x_i)`.

    Examples
    --------
    >>> residual_net_grad_h([[0.0, 0.0]], [1.0, 2.0], [0])[0] / 0.125  # (g - y) g (1 - g) w2
    array([1., 2.])
    """
    H, w2, y = _validate_h(H, w2, y)
    s = H @ w2
    return _delta_out(s, y)[:, None] * w2[None, :]


def residual_net_grad_w2(
    W0: ArrayLike, W1: ArrayLike, w2: ArrayLike, X: ArrayLike, y: ArrayLike
) -> np.ndarray:
    r"""Return :math:`\partial L / \partial w_2 = \sum_i \delta_{s,i}\, h(x_i)`.

    Parameters
    ----------
    W0, W1, w2, X, y
        As in :func:`residual_net_loss`.

    Returns
    -------
    ndarray, shape (D,)
        ``H.T @ delta_s``.

    Examples
    --------
    >>> residual_net_grad_w2([[0.0]], [[0.0]], [0.0], [[1.0]], [0])  # 1/8 * (1 + 1/2)
    array([0.1875])
    """
    fwd, deltas, _, _ = _setup(W0, W1, w2, X, y)
    return fwd.H.T @ deltas.d_s


def residual_net_grad_W1(
    W0: ArrayLike, W1: ArrayLike, w2: ArrayLike, X: ArrayLike, y: ArrayLike
) -> np.ndarray:
    r"""Return :math:`\partial L / \partial W_1 = \sum_i \delta_{a_1,i}\, z_i^\top` (part b).

    Entry ``[d, m]`` is :math:`\sum_i (g_i - y_i) g_i (1 - g_i)\, w_{2,d}\,
    \sigma'(a_{1,id})\, z_{im}`.

    Parameters
    ----------
    W0, W1, w2, X, y
        As in :func:`residual_net_loss`.

    Returns
    -------
    ndarray, shape (D, M)
        ``delta_a1.T @ Z``.

    Examples
    --------
    >>> residual_net_grad_W1([[0.0]], [[0.0]], [1.0], [[-0.5]], [0]) / (0.125 / 8)
    array([[1.]])
    """
    fwd, deltas, _, _ = _setup(W0, W1, w2, X, y)
    return deltas.d_a1.T @ fwd.Z


def residual_net_grad_W0(
    W0: ArrayLike, W1: ArrayLike, w2: ArrayLike, X: ArrayLike, y: ArrayLike
) -> np.ndarray:
    r"""Return :math:`\partial L / \partial W_0 = \sum_i \delta_{a_0,i}\, x_i^\top`.

    Parameters
    ----------
    W0, W1, w2, X, y
        As in :func:`residual_net_loss`.

    Returns
    -------
    ndarray, shape (M, D)
        ``delta_a0.T @ X``, with ``delta_a0 = (delta_a1 @ W1) * sigma'(A0)``.

    Examples
    --------
    >>> residual_net_grad_W0([[0.0]], [[1.0]], [1.0], [[0.0]], [1]).shape
    (1, 1)
    """
    _, deltas, _, X = _setup(W0, W1, w2, X, y)
    return deltas.d_a0.T @ X


def residual_net_grad_X(
    W0: ArrayLike, W1: ArrayLike, w2: ArrayLike, X: ArrayLike, y: ArrayLike
) -> np.ndarray:
    r"""Return :math:`\partial L / \partial X`, the gradient with respect to the inputs.

    Row ``i`` is :math:`\delta_{h,i} + W_0^\top \delta_{a_0,i}`: the first term is the
    residual (identity) path, the second the path through :math:`z`.

    Parameters
    ----------
    W0, W1, w2, X, y
        As in :func:`residual_net_loss`.

    Returns
    -------
    ndarray, shape (N, D)
        ``delta_h + delta_a0 @ W0``.

    Examples
    --------
    >>> residual_net_grad_X([[0.0]], [[0.0]], [2.0], [[-0.5]], [0])  # 1/2 * 1/4 * 2 + 0
    array([[0.25]])
    """
    _, deltas, W0, _ = _setup(W0, W1, w2, X, y)
    return deltas.d_h + deltas.d_a0 @ W0


#: why the complex step cannot differentiate the losses (see gradients.cli.selection.complex_safe)
for _loss in (residual_net_loss, residual_net_loss_from_h):
    _loss.not_complex_analytic = (  # type: ignore[attr-defined]
        "not complex-analytic as computed: its sigmoids in a stable real form (through |a|)")
del _loss
