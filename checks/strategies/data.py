"""Strategies of data: data sets with labels, full-rank designs, a residual network's inputs.

Samples are rows: ``X`` has shape ``(N, D)``. Labels are float64 and come in the kinds of
:data:`~checks.strategies.LABEL_KINDS`.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from checks.strategies._base import (
    MAX_MAGNITUDE,
    _array,
    _check_condition,
    _check_labels,
    _check_size_range,
    _clean,
    _flags,
    _indices,
    _kept,
    _label_array,
    _orthonormal,
    _resolve_elements,
    _spectrum,
    _take,
    _tops,
)

__all__ = [
    "binary_datasets",
    "bipolar_datasets",
    "datasets",
    "full_rank_designs",
    "network_inputs",
    "real_datasets",
    "weights_and_dataset",
]


@st.composite
def _datasets(draw, labels, min_samples, max_samples, min_features, max_features, elems, w):
    n = draw(st.integers(min_samples, max_samples))
    d = draw(st.integers(min_features, max_features))
    weights = _array(draw, d, elems) if w else None
    X = _array(draw, (n, d), elems)
    y = _label_array(draw, n, labels, elems)
    rows, cols = _indices(draw, n, min_samples), _indices(draw, d, min_features)
    X, y = _take(X, rows, cols), _take(y, rows)
    return (_take(weights, cols), X, y) if w else (X, y)


def _check_dataset(labels, samples, features):
    _check_labels(labels)
    _check_size_range("samples", *samples)
    _check_size_range("features", *features)


def datasets(
    *,
    labels: str = "binary",
    min_samples: int = 1,
    max_samples: int = 12,
    min_features: int = 1,
    max_features: int = 8,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Data sets ``(X, y)``: ``X`` of shape ``(N, D)``, labels ``y`` of shape ``(N,)``.

    Parameters
    ----------
    labels : {"binary", "bipolar", "real"}, default "binary"
        ``y`` in {0, 1}, in {-1, 1}, or real values drawn like the entries of ``X``.
        Labels are float64.
    min_samples, max_samples : int, default 1 and 12
        Bounds on ``N``.
    min_features, max_features : int, default 1 and 8
        Bounds on ``D``.
    elements : SearchStrategy[float], optional
        The entries of ``X`` (and of real ``y``), as in ``hypothesis.extra.numpy.arrays``.
    max_magnitude, min_nonzero : float, optional
        Build the default element strategy (4.0 and 1e-3 unless given, see
        :func:`~checks.strategies.elements`); a ``ValueError`` together with ``elements``.

    Examples
    --------
    >>> X, y = datasets(labels="bipolar").example()
    >>> X.shape[0] == y.shape[0] and set(y.tolist()) <= {-1.0, 1.0}
    True
    """
    _check_dataset(labels, (min_samples, max_samples), (min_features, max_features))
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _datasets(labels, min_samples, max_samples, min_features, max_features, elems, False)


def weights_and_dataset(
    *,
    labels: str = "binary",
    min_samples: int = 1,
    max_samples: int = 12,
    min_features: int = 1,
    max_features: int = 8,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Triples ``(w, X, y)``: weights ``(D,)`` and a data set as drawn by :func:`datasets`.

    Parameters are those of :func:`datasets`; ``w`` draws from ``elements`` too.

    Examples
    --------
    >>> w, X, y = weights_and_dataset(labels="real").example()
    >>> X.shape == (y.size, w.size)
    True
    """
    _check_dataset(labels, (min_samples, max_samples), (min_features, max_features))
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _datasets(labels, min_samples, max_samples, min_features, max_features, elems, True)


@st.composite
def _full_rank_designs(
    draw, max_condition, min_samples, max_samples, min_features, max_features, elems, tops
):
    d = draw(st.integers(min_features, min(max_features, max_samples)))
    n = draw(st.integers(max(d, min_samples), max_samples))
    # The spectrum and y first, then the flags, then the factors at the kept size. A design's
    # entries are built, not drawn: a deletion shifts the factors' choices anyway, so drawing
    # them at the drawn size only kept every deleted row's and column's choices in each
    # shrinking step (a 1 x 1 counterexample redrew a 10 x 7 and a 7 x 7 matrix some 500
    # times: 4-mle, issue 19). The singular values and y, drawn before, keep their values
    # while indices are deleted (they are what a counterexample usually hangs on).
    top, s = _spectrum(draw, d, tops, max_condition)
    y = _array(draw, n, elems)
    row_flags = _flags(draw, n, max(min_samples, min_features))
    col_flags = _flags(draw, d, min_features)
    cols = _kept(col_flags, min_features)
    rows = _kept(row_flags, max(cols.size, min_samples))
    U = _orthonormal(_array(draw, (rows.size, cols.size), elems))
    V = _orthonormal(_array(draw, (cols.size, cols.size), elems))
    X = _clean((U * s[cols]) @ V.T, top)
    # X's singular values are s[cols] (within [min s, max s]) up to round-off, hence the
    # assume (which then can fire)
    assume(np.linalg.cond(X) <= max_condition)
    return X, _take(y, rows)


def full_rank_designs(
    *,
    max_condition: float = 1e3,
    min_samples: int = 1,
    max_samples: int = 12,
    min_features: int = 1,
    max_features: int = 8,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Full-column-rank designs ``(X, y)`` with ``N >= D`` and ``cond(X) <= max_condition``.

    ``X = U diag(s) V^T`` with ``U`` (``N x D``, orthonormal columns) and ``V`` (``D x D``,
    orthogonal) from QR factorisations of drawn matrices, and singular values
    ``s_i = top * 10**t_i``, ``t_i`` in ``[-log10(max_condition), 0]``. Hence
    ``|X_ij| <= top`` and ``X^T X`` is invertible. The entries of ``X`` are not drawn from
    the element strategy (a bounded condition number cannot be drawn entry by entry): it
    draws the matrices whose QR factors are ``U`` and ``V``, and the targets ``y``.
    Shrinking deletes rows and columns of ``X`` (with ``y``'s entries): flags drawn after the
    singular values and ``y`` choose the kept indices (rows only while ``N >= D``), the
    factors are drawn at the kept size, and ``X``'s singular values are the kept ``s_i``.

    Parameters
    ----------
    max_condition : float, default 1e3
        Bound on the 2-norm condition number of ``X`` (``np.linalg.cond(X) <= max_condition``
        holds for every draw); finite and > 1.
    min_samples, max_samples : int, default 1 and 12
        Bounds on ``N``; ``N >= D`` always, so ``max_samples >= min_features`` is required.
    min_features, max_features : int, default 1 and 8
        Bounds on ``D``; ``min_features >= 1``.
    elements : SearchStrategy[float], optional
        Draws ``y`` and the matrices factored into ``U`` and ``V``; then ``top = |e|`` for a
        finite non-zero draw ``e``, so ``|X_ij| <= max |e|``.
    max_magnitude, min_nonzero : float, optional
        Without ``elements``: ``top`` is drawn in ``[min(1, max_magnitude), max_magnitude]``
        (``[1, 4]`` by default), and both build the element strategy of ``y`` (see
        :func:`~checks.strategies.elements`). A ``ValueError`` together with ``elements``.

    Examples
    --------
    >>> X, y = full_rank_designs(max_condition=10.0).example()
    >>> bool(X.shape[0] >= X.shape[1] and np.linalg.cond(X) <= 10.0)
    True
    """
    _check_condition(max_condition)
    _check_size_range("samples", min_samples, max_samples, floor=1)
    _check_size_range("features", min_features, max_features, floor=1)
    if max_samples < min_features:
        raise ValueError(
            f"max_samples={max_samples} must be >= min_features={min_features}: "
            "a full-column-rank design needs N >= D"
        )
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    tops = _tops(elements, MAX_MAGNITUDE if max_magnitude is None else float(max_magnitude))
    return _full_rank_designs(
        float(max_condition), min_samples, max_samples, min_features, max_features, elems, tops
    )


@st.composite
def _network_inputs(draw, features, hidden, samples, elems):
    d = draw(st.integers(*features))
    m = draw(st.integers(*hidden))
    n = draw(st.integers(*samples))
    W0 = _array(draw, (m, d), elems)
    W1 = _array(draw, (d, m), elems)
    w2 = _array(draw, d, elems)
    X = _array(draw, (n, d), elems)
    y = _label_array(draw, n, "binary", elems)
    kd = _indices(draw, d, features[0])
    km = _indices(draw, m, hidden[0])
    kn = _indices(draw, n, samples[0])
    return (_take(W0, km, kd), _take(W1, kd, km), _take(w2, kd), _take(X, kn, kd),
            _take(y, kn))


def network_inputs(
    *,
    min_features: int = 1,
    max_features: int = 8,
    min_hidden: int = 1,
    max_hidden: int = 6,
    min_samples: int = 1,
    max_samples: int = 12,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """Weights and data ``(W0, W1, w2, X, y)`` of a one-block residual network.

    The network ``h = x + act(W1 act(W0 x))``, ``out = act(w2^T h)`` writes a weight's
    receiving node first (``output = W @ input``): ``W0`` is ``(M, D)``, ``W1`` is
    ``(D, M)``, ``w2`` is ``(D,)``, ``X`` is ``(N, D)`` (a row per sample) and ``y`` is
    ``(N,)`` with labels in {0, 1}. (:func:`~checks.strategies.mlp_inputs` uses the
    row-vector convention ``H @ W`` instead.)

    Parameters
    ----------
    min_features, max_features : int, default 1 and 8
        Bounds on ``D``.
    min_hidden, max_hidden : int, default 1 and 6
        Bounds on ``M``.
    min_samples, max_samples : int, default 1 and 12
        Bounds on ``N``.
    elements, max_magnitude, min_nonzero
        The entries of the weights and of ``X``, as in :func:`datasets`.

    Examples
    --------
    >>> W0, W1, w2, X, y = network_inputs().example()
    >>> W1.shape == W0.T.shape and X.shape == (y.size, w2.size)
    True
    """
    _check_size_range("features", min_features, max_features)
    _check_size_range("hidden", min_hidden, max_hidden)
    _check_size_range("samples", min_samples, max_samples)
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _network_inputs(
        (min_features, max_features), (min_hidden, max_hidden), (min_samples, max_samples), elems
    )


# --------------------------------------------------------------------------- named strategies

binary_datasets = datasets(labels="binary")
"""Data sets ``(X, y)`` with labels in {0, 1}."""

bipolar_datasets = datasets(labels="bipolar")
"""Data sets ``(X, y)`` with labels in {-1, 1}."""

real_datasets = datasets(labels="real")
"""Data sets ``(X, y)`` with real targets."""
