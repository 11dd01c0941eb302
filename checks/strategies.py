"""Hypothesis strategies for the inputs of the seven problems.

Import this module explicitly (``from checks import strategies``); ``checks`` itself does not
import it, so hypothesis stays a test-only dependency.

Element range
-------------
Every array entry drawn here is a finite float64 that is either exactly ``0.0`` or has a
magnitude in ``[min_nonzero, max_magnitude]`` (defaults ``1e-3`` and ``4.0``; see
:func:`elements`). The reasons:

* **Bounded above** (``|x| <= 4``): the losses are polynomials (``tr(X^k)``, ``w^T X w``) and
  exponentials (``exp(-w^T x)``) of the inputs. With ``D <= 8`` entries of magnitude ``<= 4``,
  ``|w^T x| <= 128`` and ``tr(X^3) <= 8^3 * 4^3``, so nothing comes near overflow and the
  finite-difference error bound (truncation ``~ h^2 |f'''|``, round-off ``~ eps |f| / h``)
  holds with the default steps. Larger scales are tested separately with :func:`scales`.
* **Bounded away from zero** (``x == 0`` or ``|x| >= 1e-3``): steps are scaled to ``|x_k|``;
  subnormal or tiny non-zero entries make relative steps degenerate and test the step floor
  instead of the gradient. Exact zeros stay in: they are the interesting edge case and the
  value hypothesis shrinks towards. ``-0.0`` is normalised to ``0.0``.

Shrinking
---------
Every strategy draws its sizes first (``st.integers``, shrinking towards the minimum) and then
the arrays, whose entries shrink towards ``0.0`` and then to small integers such as ``1.0``.
A failing property therefore reports a minimal counterexample: ``D = 1`` or ``2``, entries
``0.0`` or ``1.0``.

Size arguments are keyword-only ``min_*``/``max_*`` pairs, validated when the strategy is
built (a ``ValueError`` that names the argument and its value), as in
``hypothesis.extra.numpy``. Default sizes go from 1 up to 8 features (``D``), 12 samples
(``N``) and 6 hidden units (``M``).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

__all__ = [
    "MAX_MAGNITUDE",
    "MIN_NONZERO",
    "LABEL_KINDS",
    "elements",
    "vectors",
    "square_matrices",
    "matrices",
    "matrix_pairs",
    "vector_and_square_matrix",
    "datasets",
    "weights_and_dataset",
    "full_rank_designs",
    "network_inputs",
    "scales",
    "finite_elements",
    "binary_datasets",
    "bipolar_datasets",
    "real_datasets",
]

MAX_MAGNITUDE = 4.0
"""Default bound on ``|x|`` for every drawn entry."""

MIN_NONZERO = 1e-3
"""Default smallest magnitude of a non-zero drawn entry."""

LABEL_KINDS = {"binary": (0.0, 1.0), "bipolar": (-1.0, 1.0), "real": None}
"""Label sets accepted by :func:`datasets`: ``y`` in {0, 1}, {-1, 1}, or real values."""

# A computed condition number may exceed the exact one by a few ulps times the condition
# number; singular values are drawn inside the bound with this relative margin.
_COND_MARGIN = 1e-6


# --------------------------------------------------------------------------- validation


def _check_int(name: str, value: object, floor: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < floor:
        raise ValueError(f"{name}={value} must be >= {floor}")


def _check_size_range(name: str, lo: object, hi: object, *, floor: int = 0) -> None:
    """Validate a ``min_<name>``/``max_<name>`` pair: integers, ``floor <= lo <= hi``."""
    _check_int(f"min_{name}", lo, floor)
    _check_int(f"max_{name}", hi, floor)
    if lo > hi:
        raise ValueError(f"min_{name}={lo} must be <= max_{name}={hi}")


def _check_positive_finite(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}={value!r} must be finite and > 0")


def _check_elements(max_magnitude: object, min_nonzero: object) -> None:
    _check_positive_finite("max_magnitude", max_magnitude)
    if isinstance(min_nonzero, bool) or not isinstance(min_nonzero, Real):
        raise ValueError(f"min_nonzero must be a real number, got {min_nonzero!r}")
    if not (0 <= min_nonzero <= max_magnitude):
        raise ValueError(
            f"min_nonzero={min_nonzero!r} must satisfy 0 <= min_nonzero <= "
            f"max_magnitude={max_magnitude!r}"
        )


def _check_labels(labels: object) -> None:
    if labels not in LABEL_KINDS:
        raise ValueError(f"labels={labels!r} must be one of {sorted(LABEL_KINDS)}")


# --------------------------------------------------------------------------- elements


def elements(
    *, max_magnitude: float = MAX_MAGNITUDE, min_nonzero: float = MIN_NONZERO
) -> st.SearchStrategy[float]:
    """Finite floats that are ``0.0`` or have ``min_nonzero <= |x| <= max_magnitude``.

    Parameters
    ----------
    max_magnitude : float, default 4.0
        Upper bound on ``|x|``; finite and positive.
    min_nonzero : float, default 1e-3
        Non-zero values smaller than this in magnitude are replaced by ``0.0``;
        ``0 <= min_nonzero <= max_magnitude``. Subnormals are never drawn.

    Returns
    -------
    SearchStrategy[float]
        Shrinks towards ``0.0``, then towards small integers.

    Examples
    --------
    >>> x = elements(max_magnitude=2.0).example()
    >>> x == 0.0 or 1e-3 <= abs(x) <= 2.0
    True
    """
    _check_elements(max_magnitude, min_nonzero)
    floats = st.floats(
        min_value=-float(max_magnitude),
        max_value=float(max_magnitude),
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )
    cutoff = float(min_nonzero)
    # The map also turns -0.0 into 0.0 (abs(-0.0) == 0.0).
    return floats.map(lambda x: 0.0 if x == 0.0 or abs(x) < cutoff else x)


def _array(draw, shape, elems):
    return draw(arrays(np.float64, shape, elements=elems))


def _label_array(draw, n, labels, elems):
    values = LABEL_KINDS[labels]
    label_elements = elems if values is None else st.sampled_from(values)
    return _array(draw, n, label_elements)


# --------------------------------------------------------------------------- vectors, matrices


def vectors(
    *,
    min_size: int = 1,
    max_size: int = 8,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[np.ndarray]:
    """1-D float64 arrays ``w`` of length ``D`` in ``[min_size, max_size]``.

    Parameters
    ----------
    min_size, max_size : int, default 1 and 8
        Bounds on the length ``D``; ``0 <= min_size <= max_size``.
    max_magnitude, min_nonzero : float
        Element range, see :func:`elements`.

    Examples
    --------
    >>> w = vectors(min_size=2, max_size=3).example()
    >>> w.dtype, 2 <= w.shape[0] <= 3
    (dtype('float64'), True)
    """
    _check_size_range("size", min_size, max_size)
    elems = elements(max_magnitude=max_magnitude, min_nonzero=min_nonzero)
    return arrays(np.float64, st.integers(min_size, max_size), elements=elems)


@st.composite
def _matrices(draw, min_rows, max_rows, min_cols, max_cols, elems, count):
    rows = draw(st.integers(min_rows, max_rows))
    cols = draw(st.integers(min_cols, max_cols))
    out = tuple(_array(draw, (rows, cols), elems) for _ in range(count))
    return out[0] if count == 1 else out


def square_matrices(
    *,
    min_side: int = 1,
    max_side: int = 8,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[np.ndarray]:
    """Square float64 matrices ``X`` of shape ``(D, D)``, not necessarily symmetric.

    Parameters
    ----------
    min_side, max_side : int, default 1 and 8
        Bounds on ``D``; ``0 <= min_side <= max_side``.
    max_magnitude, min_nonzero : float
        Element range, see :func:`elements`.

    Examples
    --------
    >>> X = square_matrices(max_side=4).example()
    >>> X.shape[0] == X.shape[1] <= 4
    True
    """
    _check_size_range("side", min_side, max_side)
    elems = elements(max_magnitude=max_magnitude, min_nonzero=min_nonzero)
    return st.integers(min_side, max_side).flatmap(
        lambda d: arrays(np.float64, (d, d), elements=elems)
    )


def matrices(
    *,
    min_rows: int = 1,
    max_rows: int = 8,
    min_cols: int = 1,
    max_cols: int = 8,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[np.ndarray]:
    """Rectangular float64 matrices of shape ``(m, n)``.

    Parameters
    ----------
    min_rows, max_rows : int, default 1 and 8
        Bounds on ``m``.
    min_cols, max_cols : int, default 1 and 8
        Bounds on ``n``.
    max_magnitude, min_nonzero : float
        Element range, see :func:`elements`.

    Examples
    --------
    >>> A = matrices(min_rows=2, max_rows=2, max_cols=3).example()
    >>> A.shape[0] == 2 and 1 <= A.shape[1] <= 3
    True
    """
    _check_size_range("rows", min_rows, max_rows)
    _check_size_range("cols", min_cols, max_cols)
    elems = elements(max_magnitude=max_magnitude, min_nonzero=min_nonzero)
    return _matrices(min_rows, max_rows, min_cols, max_cols, elems, 1)


def matrix_pairs(
    *,
    min_rows: int = 1,
    max_rows: int = 8,
    min_cols: int = 1,
    max_cols: int = 8,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Pairs ``(A, B)`` of float64 matrices of one shape ``(m, n)``, for ``<A, B>``.

    Parameters are those of :func:`matrices`.

    Examples
    --------
    >>> A, B = matrix_pairs(max_rows=3, max_cols=3).example()
    >>> A.shape == B.shape
    True
    """
    _check_size_range("rows", min_rows, max_rows)
    _check_size_range("cols", min_cols, max_cols)
    elems = elements(max_magnitude=max_magnitude, min_nonzero=min_nonzero)
    return _matrices(min_rows, max_rows, min_cols, max_cols, elems, 2)


@st.composite
def _vector_and_square_matrix(draw, min_size, max_size, elems):
    d = draw(st.integers(min_size, max_size))
    return _array(draw, d, elems), _array(draw, (d, d), elems)


def vector_and_square_matrix(
    *,
    min_size: int = 1,
    max_size: int = 8,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Pairs ``(w, X)`` with ``w`` of shape ``(D,)`` and ``X`` of shape ``(D, D)``.

    For the quadratic form ``w^T X w``; ``X`` is not necessarily symmetric.

    Parameters
    ----------
    min_size, max_size : int, default 1 and 8
        Bounds on ``D``.
    max_magnitude, min_nonzero : float
        Element range, see :func:`elements`.

    Examples
    --------
    >>> w, X = vector_and_square_matrix(max_size=4).example()
    >>> X.shape == (w.size, w.size)
    True
    """
    _check_size_range("size", min_size, max_size)
    elems = elements(max_magnitude=max_magnitude, min_nonzero=min_nonzero)
    return _vector_and_square_matrix(min_size, max_size, elems)


# --------------------------------------------------------------------------- data sets


@st.composite
def _datasets(draw, labels, min_samples, max_samples, min_features, max_features, elems, w):
    n = draw(st.integers(min_samples, max_samples))
    d = draw(st.integers(min_features, max_features))
    weights = _array(draw, d, elems) if w else None
    X = _array(draw, (n, d), elems)
    y = _label_array(draw, n, labels, elems)
    return (weights, X, y) if w else (X, y)


def _dataset_args(labels, min_samples, max_samples, min_features, max_features, mag, nz):
    _check_labels(labels)
    _check_size_range("samples", min_samples, max_samples)
    _check_size_range("features", min_features, max_features)
    elems = elements(max_magnitude=mag, min_nonzero=nz)
    return labels, min_samples, max_samples, min_features, max_features, elems


def datasets(
    *,
    labels: str = "binary",
    min_samples: int = 1,
    max_samples: int = 12,
    min_features: int = 1,
    max_features: int = 8,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Data sets ``(X, y)``: ``X`` of shape ``(N, D)``, labels ``y`` of shape ``(N,)``.

    Parameters
    ----------
    labels : {"binary", "bipolar", "real"}, default "binary"
        ``y`` in {0, 1} (problems 2, 7), in {-1, 1} (problem 3), or real values drawn like
        the entries of ``X`` (problem 4). Labels are float64.
    min_samples, max_samples : int, default 1 and 12
        Bounds on ``N``.
    min_features, max_features : int, default 1 and 8
        Bounds on ``D``.
    max_magnitude, min_nonzero : float
        Element range of ``X`` (and of real ``y``), see :func:`elements`.

    Examples
    --------
    >>> X, y = datasets(labels="bipolar").example()
    >>> X.shape[0] == y.shape[0] and set(y.tolist()) <= {-1.0, 1.0}
    True
    """
    args = _dataset_args(
        labels, min_samples, max_samples, min_features, max_features, max_magnitude, min_nonzero
    )
    return _datasets(*args, False)


def weights_and_dataset(
    *,
    labels: str = "binary",
    min_samples: int = 1,
    max_samples: int = 12,
    min_features: int = 1,
    max_features: int = 8,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Triples ``(w, X, y)``: weights ``(D,)`` and a data set as drawn by :func:`datasets`.

    Parameters are those of :func:`datasets`.

    Examples
    --------
    >>> w, X, y = weights_and_dataset(labels="real").example()
    >>> X.shape == (y.size, w.size)
    True
    """
    args = _dataset_args(
        labels, min_samples, max_samples, min_features, max_features, max_magnitude, min_nonzero
    )
    return _datasets(*args, True)


@st.composite
def _full_rank_designs(
    draw, max_condition, min_samples, max_samples, min_features, max_features, max_magnitude, elems
):
    d = draw(st.integers(min_features, min(max_features, max_samples)))
    n = draw(st.integers(max(d, min_samples), max_samples))
    # Orthonormal factors from Householder QR: orthonormal even when the drawn matrix is
    # rank-deficient (all zeros gives the identity), so nothing has to be filtered out.
    U = np.linalg.qr(_array(draw, (n, d), elems))[0]
    V = np.linalg.qr(_array(draw, (d, d), elems))[0]
    top = draw(st.floats(min(1.0, max_magnitude), max_magnitude))
    span = math.log10(max_condition) * (1.0 - _COND_MARGIN)
    exponents = _array(draw, d, st.floats(-span, 0.0) if span > 0 else st.just(0.0))
    X = (U * (top * 10.0**exponents)) @ V.T
    X[np.abs(X) <= 1e-12 * top] = 0.0  # round-off noise (and -0.0) to exact zeros
    # |X_ij| <= ||X||_2 = top <= max_magnitude holds exactly, but the product can round one
    # ulp past it (found by the thorough profile: 4.000000000000001); clip that ulp away
    np.clip(X, -max_magnitude, max_magnitude, out=X)
    assume(np.linalg.cond(X) <= max_condition)  # a safety net; does not fire in practice
    return X, _array(draw, n, elems)


def full_rank_designs(
    *,
    max_condition: float = 1e3,
    min_samples: int = 1,
    max_samples: int = 12,
    min_features: int = 1,
    max_features: int = 8,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Full-column-rank designs ``(X, y)`` with ``N >= D`` and ``cond(X) <= max_condition``.

    ``X = U diag(s) V^T`` with ``U`` (``N x D``, orthonormal columns) and ``V`` (``D x D``,
    orthogonal) from QR factorisations of drawn matrices, and singular values
    ``s_i = top * 10**t_i``, ``top`` in ``[1, max_magnitude]``, ``t_i`` in
    ``[-log10(max_condition), 0]``. Hence ``|X_ij| <= top <= max_magnitude`` and
    ``X^T X`` is invertible. The entries of ``X`` are not drawn from :func:`elements`: they
    may be small without being zero. ``y`` holds real targets drawn from :func:`elements`.

    Parameters
    ----------
    max_condition : float, default 1e3
        Bound on the 2-norm condition number of ``X``; finite and > 1.
    min_samples, max_samples : int, default 1 and 12
        Bounds on ``N``; ``N >= D`` always, so ``max_samples >= min_features`` is required.
    min_features, max_features : int, default 1 and 8
        Bounds on ``D``; ``min_features >= 1``.
    max_magnitude, min_nonzero : float
        Bound on ``|X_ij|``; element range of ``y`` (see :func:`elements`).

    Examples
    --------
    >>> X, y = full_rank_designs(max_condition=10.0).example()
    >>> bool(X.shape[0] >= X.shape[1] and np.linalg.cond(X) <= 10.0)
    True
    """
    _check_positive_finite("max_condition", max_condition)
    if max_condition <= 1:
        raise ValueError(f"max_condition={max_condition!r} must be > 1")
    _check_size_range("samples", min_samples, max_samples, floor=1)
    _check_size_range("features", min_features, max_features, floor=1)
    if max_samples < min_features:
        raise ValueError(
            f"max_samples={max_samples} must be >= min_features={min_features}: "
            "a full-column-rank design needs N >= D"
        )
    elems = elements(max_magnitude=max_magnitude, min_nonzero=min_nonzero)
    return _full_rank_designs(
        float(max_condition),
        min_samples,
        max_samples,
        min_features,
        max_features,
        float(max_magnitude),
        elems,
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
    return W0, W1, w2, X, y


def network_inputs(
    *,
    min_features: int = 1,
    max_features: int = 8,
    min_hidden: int = 1,
    max_hidden: int = 6,
    min_samples: int = 1,
    max_samples: int = 12,
    max_magnitude: float = MAX_MAGNITUDE,
    min_nonzero: float = MIN_NONZERO,
) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """Weights and data ``(W0, W1, w2, X, y)`` for the residual network of problem 7.

    Shapes follow the equations of the sheet (see ``gradients.residual_net``): ``W0`` is
    ``(M, D)``, ``W1`` is ``(D, M)``, ``w2`` is ``(D,)``, ``X`` is ``(N, D)`` and ``y`` is
    ``(N,)`` with labels in {0, 1}.

    Parameters
    ----------
    min_features, max_features : int, default 1 and 8
        Bounds on ``D``.
    min_hidden, max_hidden : int, default 1 and 6
        Bounds on ``M``.
    min_samples, max_samples : int, default 1 and 12
        Bounds on ``N``.
    max_magnitude, min_nonzero : float
        Element range, see :func:`elements`.

    Examples
    --------
    >>> W0, W1, w2, X, y = network_inputs().example()
    >>> W1.shape == W0.T.shape and X.shape == (y.size, w2.size)
    True
    """
    _check_size_range("features", min_features, max_features)
    _check_size_range("hidden", min_hidden, max_hidden)
    _check_size_range("samples", min_samples, max_samples)
    elems = elements(max_magnitude=max_magnitude, min_nonzero=min_nonzero)
    return _network_inputs(
        (min_features, max_features), (min_hidden, max_hidden), (min_samples, max_samples), elems
    )


# --------------------------------------------------------------------------- scales


def scales(*, min_scale: float = 1e-8, max_scale: float = 1e4) -> st.SearchStrategy[float]:
    """Positive scale factors ``s``, log-uniform in ``[min_scale, max_scale]``.

    Drawn as ``10**t`` with ``t`` uniform in ``[log10(min_scale), log10(max_scale)]``, so every
    decade is equally likely; shrinks towards ``s = 1`` when 1 is in range. For the
    scale-invariance property: multiplying the inputs by ``s`` must change no verdict.

    Parameters
    ----------
    min_scale, max_scale : float, default 1e-8 and 1e4
        Bounds on ``s``; ``0 < min_scale <= max_scale``, both finite.

    Examples
    --------
    >>> s = scales().example()
    >>> 1e-8 <= s <= 1e4
    True
    """
    _check_positive_finite("min_scale", min_scale)
    _check_positive_finite("max_scale", max_scale)
    if min_scale > max_scale:
        raise ValueError(f"min_scale={min_scale!r} must be <= max_scale={max_scale!r}")
    lo, hi = float(min_scale), float(max_scale)
    exponents = st.floats(math.log10(lo), math.log10(hi))
    return exponents.map(lambda t: min(max(10.0**t, lo), hi))


# --------------------------------------------------------------------------- named strategies

finite_elements = elements()
"""The default element strategy: ``0.0`` or ``1e-3 <= |x| <= 4``."""

binary_datasets = datasets(labels="binary")
"""Data sets ``(X, y)`` with ``y`` in {0, 1} (problems 2 and 7)."""

bipolar_datasets = datasets(labels="bipolar")
"""Data sets ``(X, y)`` with ``y`` in {-1, 1} (problem 3)."""

real_datasets = datasets(labels="real")
"""Data sets ``(X, y)`` with real targets (problem 4)."""
