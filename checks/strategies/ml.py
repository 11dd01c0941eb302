"""Strategies of the inputs machine-learning losses need.

Symmetric positive definite matrices with a bounded condition number, logits with class
labels, probability vectors, the weights and batch of a multilayer perceptron, and the
queries, keys and values of an attention layer. Like every strategy of the package, each is
keyword-only, validated when it is built (a ``ValueError`` naming the argument and its
value), and takes ``elements=``: the strategy of the drawn entries, as in
``hypothesis.extra.numpy.arrays`` (default :data:`~checks.strategies.finite_elements`, ``0.0``
or ``1e-3 <= |x| <= 4``). Sizes are drawn first and shrink to their minimum.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from checks.strategies._base import (
    MAX_MAGNITUDE,
    _array,
    _check_condition,
    _check_real,
    _check_size_range,
    _clean,
    _indices,
    _orthonormal,
    _resolve_elements,
    _spectrum,
    _take,
    _tops,
)

__all__ = [
    "attention_inputs",
    "logits_and_labels",
    "mlp_inputs",
    "probability_vectors",
    "spd_matrices",
]


@st.composite
def _spd_matrices(draw, min_side, max_side, max_condition, elems, tops):
    d = draw(st.integers(min_side, max_side))
    Q = _orthonormal(_array(draw, (d, d), elems))
    top, eigenvalues = _spectrum(draw, d, tops, max_condition)
    A = (Q * eigenvalues) @ Q.T
    A = _clean((A + A.T) / 2, top)  # exactly symmetric: fl(a + b) == fl(b + a)
    # a principal submatrix: symmetric, its eigenvalues within those of A (they interlace)
    k = _indices(draw, d, min_side)
    A = _take(A, k, k)
    # a safety net; does not fire in practice
    assume(np.linalg.eigvalsh(A)[0] > 0 and np.linalg.cond(A) <= max_condition)
    return A


def spd_matrices(
    *,
    min_side: int = 1,
    max_side: int = 8,
    max_condition: float = 1e3,
    elements: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Symmetric positive definite float64 matrices ``A`` of shape ``(D, D)``.

    ``A = Q diag(lam) Q^T``, symmetrised as ``(A + A^T) / 2`` (so ``A == A.T`` exactly), with
    ``Q`` orthogonal (the QR factor of a drawn matrix) and eigenvalues
    ``lam_i = top * 10**t_i``, ``t_i`` in ``[-log10(max_condition), 0]``: they lie in
    ``[top / max_condition, top]``, and ``|A_ij| <= top``. The 2-norm condition number obeys
    ``np.linalg.cond(A) <= max_condition`` for every draw (eigenvalues are drawn with a
    relative margin of 1e-6 on the exponent, so round-off does not cross the bound), and
    ``np.linalg.cholesky(A)`` succeeds. Shrinks to the identity ``[[1.0]]``.

    Parameters
    ----------
    min_side, max_side : int, default 1 and 8
        Bounds on ``D``; ``1 <= min_side <= max_side``.
    max_condition : float, default 1e3
        Bound on the condition number; ``1 < max_condition <= 1e10``. Beyond, the
        round-off of a computed condition number (about ``eps * max_condition`` relative)
        exceeds the margin the eigenvalues are drawn with (``1e-6 * ln(max_condition)``).
    elements : SearchStrategy[float], optional
        Draws the matrix whose QR factor is ``Q``, and ``top = |e|`` for a finite non-zero
        draw ``e`` (so ``|A_ij| <= max |e|``). By default ``top`` is in ``[1, 4]``. The
        entries of ``A`` themselves are not drawn from it: a bounded condition number cannot
        be drawn entry by entry.

    Examples
    --------
    >>> A = spd_matrices(max_side=4, max_condition=10.0).example()
    >>> bool(np.all(A == A.T) and np.all(np.linalg.eigvalsh(A) > 0))
    True
    >>> bool(np.linalg.cond(A) <= 10.0)
    True
    """
    _check_size_range("side", min_side, max_side, floor=1)
    _check_condition(max_condition)
    if max_condition > 1e10:
        raise ValueError(
            f"max_condition={max_condition!r} must be <= 1e10: beyond, the round-off of a "
            "computed condition number exceeds the margin the eigenvalues are drawn with"
        )
    elems = _resolve_elements(elements)
    tops = _tops(elements, MAX_MAGNITUDE)
    return _spd_matrices(min_side, max_side, float(max_condition), elems, tops)


@st.composite
def _logits_and_labels(draw, samples, classes, one_hot, elems):
    n = draw(st.integers(*samples))
    c = draw(st.integers(*classes))
    Z = _array(draw, (n, c), elems)
    y = draw(arrays(np.int64, n, elements=st.integers(0, c - 1)))
    rows = _indices(draw, n, samples[0])
    Z, y = _take(Z, rows), _take(y, rows)
    return Z, (np.eye(c)[y] if one_hot else y)


def logits_and_labels(
    *,
    min_samples: int = 1,
    max_samples: int = 12,
    min_classes: int = 2,
    max_classes: int = 6,
    one_hot: bool = False,
    elements: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Pairs ``(Z, y)``: logits ``Z`` of shape ``(N, C)`` and a class label per row.

    For a classification loss such as softmax cross-entropy. Labels are integers
    ``y`` of shape ``(N,)``, dtype int64, in ``[0, C)``; with ``one_hot=True``, float64 rows
    ``Y`` of shape ``(N, C)``, each holding a single ``1.0`` (``Y == np.eye(C)[y]``). Labels
    shrink to class 0.

    Parameters
    ----------
    min_samples, max_samples : int, default 1 and 12
        Bounds on ``N``; ``0 <= min_samples <= max_samples``.
    min_classes, max_classes : int, default 2 and 6
        Bounds on ``C``; ``1 <= min_classes <= max_classes``.
    one_hot : bool, default False
        Whether labels are one-hot float64 rows instead of integers.
    elements : SearchStrategy[float], optional
        The entries of ``Z``; default :data:`~checks.strategies.finite_elements`.

    Examples
    --------
    >>> Z, y = logits_and_labels(max_classes=3).example()
    >>> y.dtype == np.int64 and y.shape == Z.shape[:1] and bool(np.all(y < Z.shape[1]))
    True
    >>> Z, Y = logits_and_labels(one_hot=True).example()
    >>> Y.shape == Z.shape and bool(np.all(Y.sum(axis=1) == 1.0))
    True
    """
    _check_size_range("samples", min_samples, max_samples)
    _check_size_range("classes", min_classes, max_classes, floor=1)
    if not isinstance(one_hot, bool):
        raise ValueError(f"one_hot must be True or False, got {one_hot!r}")
    elems = _resolve_elements(elements)
    return _logits_and_labels(
        (min_samples, max_samples), (min_classes, max_classes), one_hot, elems
    )


@st.composite
def _probability_vectors(draw, min_size, max_size, floor, elems):
    k = draw(st.integers(min_size, max_size))
    z = _array(draw, k, elems)
    z = _take(z, _indices(draw, k, min_size))
    k = z.size
    e = np.exp(z - z.max())
    # fl(floor + x) >= floor for x >= 0 (rounding is monotonic): the floor holds exactly
    p = floor + max(1.0 - k * floor, 0.0) * (e / math.fsum(e))
    # the residual of the exact sum, put on the largest entry: the exact sum of p is then
    # within 1 eps of 1 (one rounding of fsum, one of the addition)
    j = int(np.argmax(p))
    p[j] = max(p[j] + (1.0 - math.fsum(p)), floor)
    return p


def probability_vectors(
    *,
    min_size: int = 1,
    max_size: int = 8,
    min_probability: float = 1e-6,
    elements: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Probability vectors ``p`` of length ``K``: float64, ``p_i >= min_probability``, sum 1.

    ``p = m + (1 - K m) softmax(z)`` with ``m = min_probability`` and logits ``z`` drawn
    from ``elements``; the round-off left in the sum is then added to the largest entry.
    Every entry is at least ``m`` exactly (so ``np.log(p)`` is finite when ``m > 0``) and at
    most 1. The sum is 1 within one ``eps = 2**-52 ~ 2.2e-16`` when summed exactly:
    ``abs(math.fsum(p) - 1) <= eps``. A float sum such as ``p.sum()`` adds its own
    round-off, at most ``(K - 1) * eps / 2`` in any order, so
    ``abs(p.sum() - 1) <= (K + 1) * eps / 2`` (measured: at most ``eps`` for ``K <= 8``,
    ``3 * eps`` for ``K <= 64``). Shrinks to the uniform vector (all logits ``0``).

    Parameters
    ----------
    min_size, max_size : int, default 1 and 8
        Bounds on ``K``; ``1 <= min_size <= max_size``.
    min_probability : float, default 1e-6
        Lower bound on every entry; ``0 <= min_probability <= 1 / max_size`` (so the bound
        can hold).
    elements : SearchStrategy[float], optional
        The logits ``z``; finite floats. Default :data:`~checks.strategies.finite_elements`,
        for which ``max(p) / min(p) <= exp(8)``.

    Examples
    --------
    >>> p = probability_vectors(max_size=4).example()
    >>> bool(abs(math.fsum(p) - 1.0) <= 2.3e-16 and np.all(p >= 1e-6))
    True
    """
    _check_size_range("size", min_size, max_size, floor=1)
    _check_real("min_probability", min_probability)
    if not 0 <= min_probability <= 1 / max_size:
        raise ValueError(
            f"min_probability={min_probability!r} must satisfy 0 <= min_probability <= "
            f"1 / max_size = {1 / max_size!r}: K entries of at least min_probability sum to 1"
        )
    elems = _resolve_elements(elements)
    return _probability_vectors(min_size, max_size, float(min_probability), elems)


@st.composite
def _mlp_inputs(draw, layers, widths, samples, elems):
    n_layers = draw(st.integers(*layers))
    dims = [draw(st.integers(*widths)) for _ in range(n_layers + 1)]
    n = draw(st.integers(*samples))
    weights = tuple(_array(draw, shape, elems) for shape in pairwise(dims))
    X = _array(draw, (n, dims[0]), elems)
    kept = [_indices(draw, width, widths[0]) for width in dims]
    rows = _indices(draw, n, samples[0])
    weights = tuple(_take(W, *k) for W, k in zip(weights, pairwise(kept), strict=True))
    return weights, _take(X, rows, kept[0])


def mlp_inputs(
    *,
    min_layers: int = 1,
    max_layers: int = 3,
    min_width: int = 1,
    max_width: int = 6,
    min_samples: int = 1,
    max_samples: int = 8,
    elements: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[tuple[tuple[np.ndarray, ...], np.ndarray]]:
    """Pairs ``(weights, X)``: the weight matrices of a multilayer perceptron and a batch.

    Row-vector convention, a sample per row as in ``X``: the forward pass is
    ``H_0 = X``, ``H_l = act(H_{l-1} @ W_l)``, so ``weights = (W_1, ..., W_L)`` has shapes
    ``(d_0, d_1), (d_1, d_2), ..., (d_{L-1}, d_L)`` (input dimension first, as flax's
    ``Dense`` kernels; the transpose of ``torch.nn.Linear.weight``) and ``X`` is
    ``(N, d_0)``. No biases. Every width ``d_l`` is drawn on its own.

    Parameters
    ----------
    min_layers, max_layers : int, default 1 and 3
        Bounds on the number of matrices ``L``; ``1 <= min_layers <= max_layers``.
    min_width, max_width : int, default 1 and 6
        Bounds on every width ``d_0, ..., d_L``; ``1 <= min_width <= max_width``.
    min_samples, max_samples : int, default 1 and 8
        Bounds on the batch size ``N``; ``0 <= min_samples <= max_samples``.
    elements : SearchStrategy[float], optional
        The entries of the weights and of ``X``; default
        :data:`~checks.strategies.finite_elements`.

    Examples
    --------
    >>> weights, X = mlp_inputs().example()
    >>> H = X
    >>> for W in weights:
    ...     H = np.tanh(H @ W)
    >>> H.shape == (X.shape[0], weights[-1].shape[1])
    True
    """
    _check_size_range("layers", min_layers, max_layers, floor=1)
    _check_size_range("width", min_width, max_width, floor=1)
    _check_size_range("samples", min_samples, max_samples)
    elems = _resolve_elements(elements)
    return _mlp_inputs(
        (min_layers, max_layers), (min_width, max_width), (min_samples, max_samples), elems
    )


def _following(name, lo, hi, of, of_lo, of_hi):
    """The ``min_<name>``/``max_<name>`` pair, each ``None`` end taken from ``<of>``'s pair."""
    resolved = (of_lo if lo is None else lo, of_hi if hi is None else hi)
    try:
        _check_size_range(name, *resolved, floor=1)
    except ValueError as exc:
        defaults = [
            f"{end}_{name} defaults to {end}_{of}"
            for end, value in (("min", lo), ("max", hi))
            if value is None
        ]
        raise ValueError(f"{exc} ({'; '.join(defaults)})" if defaults else str(exc)) from None
    return resolved


@st.composite
def _attention_inputs(draw, lengths, key_lengths, dims, value_dims, elems):
    lq, lk = draw(st.integers(*lengths)), draw(st.integers(*key_lengths))
    d, dv = draw(st.integers(*dims)), draw(st.integers(*value_dims))
    Q, K, V = (_array(draw, (lq, d), elems), _array(draw, (lk, d), elems),
               _array(draw, (lk, dv), elems))
    kq, kk = _indices(draw, lq, lengths[0]), _indices(draw, lk, key_lengths[0])
    kd, kv = _indices(draw, d, dims[0]), _indices(draw, dv, value_dims[0])
    return _take(Q, kq, kd), _take(K, kk, kd), _take(V, kk, kv)


def attention_inputs(
    *,
    min_length: int = 1,
    max_length: int = 6,
    min_key_length: int | None = None,
    max_key_length: int | None = None,
    min_dim: int = 1,
    max_dim: int = 6,
    min_value_dim: int | None = None,
    max_value_dim: int | None = None,
    elements: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Triples ``(Q, K, V)`` for an attention layer ``softmax(Q K^T / sqrt(d)) V``.

    Queries ``Q`` are ``(Lq, d)``, keys ``K`` are ``(Lk, d)`` and values ``V`` are
    ``(Lk, dv)``, a position per row: the scores ``Q @ K.T`` are ``(Lq, Lk)`` and the output
    ``(Lq, dv)``. ``Lq``, ``Lk``, ``d`` and ``dv`` are drawn independently: ``Lk == Lq`` is
    not implied, but ``min_length == max_length`` fixes both (the key bounds follow).

    Parameters
    ----------
    min_length, max_length : int, default 1 and 6
        Bounds on the query length ``Lq``; ``1 <= min_length <= max_length``.
    min_key_length, max_key_length : int, optional
        Bounds on the key length ``Lk`` (at least 1: a softmax over no keys is undefined);
        each defaults to its ``length`` counterpart.
    min_dim, max_dim : int, default 1 and 6
        Bounds on the query/key dimension ``d``; ``1 <= min_dim <= max_dim``.
    min_value_dim, max_value_dim : int, optional
        Bounds on the value dimension ``dv``; each defaults to its ``dim`` counterpart.
    elements : SearchStrategy[float], optional
        The entries of ``Q``, ``K`` and ``V``; default
        :data:`~checks.strategies.finite_elements`.

    Examples
    --------
    >>> Q, K, V = attention_inputs(min_value_dim=2, max_value_dim=2).example()
    >>> (Q @ K.T @ V).shape == (Q.shape[0], 2)
    True
    """
    _check_size_range("length", min_length, max_length, floor=1)
    _check_size_range("dim", min_dim, max_dim, floor=1)
    key_lengths = _following(
        "key_length", min_key_length, max_key_length, "length", min_length, max_length
    )
    value_dims = _following("value_dim", min_value_dim, max_value_dim, "dim", min_dim, max_dim)
    elems = _resolve_elements(elements)
    return _attention_inputs(
        (min_length, max_length), key_lengths, (min_dim, max_dim), value_dims, elems
    )
