"""Strategies of plain arrays: vectors, matrices, pairs of them, and positive scale factors.

Every array strategy takes ``elements=``, the strategy of its entries as in
``hypothesis.extra.numpy.arrays``, or else builds it with :func:`~checks.strategies.elements`
from ``max_magnitude`` and ``min_nonzero`` (not both ways at once).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from hypothesis import strategies as st

from checks.strategies._base import (
    _array,
    _check_positive_finite,
    _check_size_range,
    _indices,
    _resolve_elements,
    _take,
)

__all__ = [
    "matrices",
    "matrix_pairs",
    "parameter_dicts",
    "scales",
    "square_matrices",
    "vector_and_square_matrix",
    "vectors",
]


def vectors(
    *,
    min_size: int = 1,
    max_size: int = 8,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """1-D float64 arrays ``w`` of length ``D`` in ``[min_size, max_size]``.

    Parameters
    ----------
    min_size, max_size : int, default 1 and 8
        Bounds on the length ``D``; ``0 <= min_size <= max_size``.
    elements : SearchStrategy[float], optional
        The strategy of every entry, as in ``hypothesis.extra.numpy.arrays``. Default:
        ``elements(max_magnitude=..., min_nonzero=...)``.
    max_magnitude, min_nonzero : float, optional
        Build the default element strategy (4.0 and 1e-3 unless given, see
        :func:`~checks.strategies.elements`); a ``ValueError`` together with ``elements``.

    Examples
    --------
    >>> w = vectors(min_size=2, max_size=3).example()
    >>> w.dtype, 2 <= w.shape[0] <= 3
    (dtype('float64'), True)
    >>> bool(np.all(vectors(elements=st.just(1.0)).example() == 1.0))
    True
    """
    _check_size_range("size", min_size, max_size)
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _vectors(min_size, max_size, elems)


@st.composite
def _vectors(draw, min_size, max_size, elems):
    d = draw(st.integers(min_size, max_size))
    w = _array(draw, d, elems)
    return _take(w, _indices(draw, d, min_size))


@st.composite
def _square_matrices(draw, min_side, max_side, elems):
    d = draw(st.integers(min_side, max_side))
    k = _indices(draw, d, min_side)  # before the entries: see _flags
    return _take(_array(draw, (d, d), elems), k, k)


@st.composite
def _matrices(draw, min_rows, max_rows, min_cols, max_cols, elems, count):
    rows = draw(st.integers(min_rows, max_rows))
    cols = draw(st.integers(min_cols, max_cols))
    out = tuple(_array(draw, (rows, cols), elems) for _ in range(count))
    r, c = _indices(draw, rows, min_rows), _indices(draw, cols, min_cols)
    out = tuple(_take(a, r, c) for a in out)
    return out[0] if count == 1 else out


def square_matrices(
    *,
    min_side: int = 1,
    max_side: int = 8,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Square float64 matrices ``X`` of shape ``(D, D)``, not necessarily symmetric.

    Parameters
    ----------
    min_side, max_side : int, default 1 and 8
        Bounds on ``D``; ``0 <= min_side <= max_side``.
    elements, max_magnitude, min_nonzero
        The entries, as in :func:`vectors`.

    Examples
    --------
    >>> X = square_matrices(max_side=4).example()
    >>> X.shape[0] == X.shape[1] <= 4
    True
    """
    _check_size_range("side", min_side, max_side)
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _square_matrices(min_side, max_side, elems)


def matrices(
    *,
    min_rows: int = 1,
    max_rows: int = 8,
    min_cols: int = 1,
    max_cols: int = 8,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Rectangular float64 matrices of shape ``(m, n)``.

    Parameters
    ----------
    min_rows, max_rows : int, default 1 and 8
        Bounds on ``m``.
    min_cols, max_cols : int, default 1 and 8
        Bounds on ``n``.
    elements, max_magnitude, min_nonzero
        The entries, as in :func:`vectors`.

    Examples
    --------
    >>> A = matrices(min_rows=2, max_rows=2, max_cols=3).example()
    >>> A.shape[0] == 2 and 1 <= A.shape[1] <= 3
    True
    """
    _check_size_range("rows", min_rows, max_rows)
    _check_size_range("cols", min_cols, max_cols)
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _matrices(min_rows, max_rows, min_cols, max_cols, elems, 1)


def matrix_pairs(
    *,
    min_rows: int = 1,
    max_rows: int = 8,
    min_cols: int = 1,
    max_cols: int = 8,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Pairs ``(A, B)`` of float64 matrices of one shape ``(m, n)``, for ``<A, B>``.

    Parameters are those of :func:`matrices`; both matrices draw from ``elements``.

    Examples
    --------
    >>> A, B = matrix_pairs(max_rows=3, max_cols=3).example()
    >>> A.shape == B.shape
    True
    """
    _check_size_range("rows", min_rows, max_rows)
    _check_size_range("cols", min_cols, max_cols)
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _matrices(min_rows, max_rows, min_cols, max_cols, elems, 2)


@st.composite
def _vector_and_square_matrix(draw, min_size, max_size, elems):
    d = draw(st.integers(min_size, max_size))
    k = _indices(draw, d, min_size)  # before the entries: see _flags
    return _take(_array(draw, d, elems), k), _take(_array(draw, (d, d), elems), k, k)


def vector_and_square_matrix(
    *,
    min_size: int = 1,
    max_size: int = 8,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Pairs ``(w, X)`` with ``w`` of shape ``(D,)`` and ``X`` of shape ``(D, D)``.

    For a quadratic form ``w^T X w``; ``X`` is not necessarily symmetric.

    Parameters
    ----------
    min_size, max_size : int, default 1 and 8
        Bounds on ``D``.
    elements, max_magnitude, min_nonzero
        The entries of ``w`` and ``X``, as in :func:`vectors`.

    Examples
    --------
    >>> w, X = vector_and_square_matrix(max_size=4).example()
    >>> X.shape == (w.size, w.size)
    True
    """
    _check_size_range("size", min_size, max_size)
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _vector_and_square_matrix(min_size, max_size, elems)


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


def parameter_dicts(
    shapes: Mapping[str, tuple[int | str, ...]],
    *,
    sizes: Mapping[str, tuple[int, int]] | None = None,
    elements: st.SearchStrategy[float] | None = None,
    max_magnitude: float | None = None,
    min_nonzero: float | None = None,
) -> st.SearchStrategy[dict[str, np.ndarray]]:
    """Dicts of float64 arrays -- a model's parameters -- for a check of a parameter tree.

    ``shapes`` maps each parameter to its shape, whose dimensions are fixed integers or named
    sizes shared by every parameter that names them: ``{"W1": ("D", "H"), "b1": ("H",),
    "w2": ("H",)}``. Each named size is drawn once from ``sizes[name]`` (``(min, max)``,
    default ``(1, 4)``), and shrinking deletes one of its indices from every parameter at
    once (the package's keep flags), so a counterexample stays consistent: ``H = 1`` removes
    the same hidden unit from ``W1``, ``b1`` and ``w2``. The dict keeps the order of
    ``shapes``.

    Examples
    --------
    >>> p = parameter_dicts({"W": ("D", "H"), "b": ("H",), "c": ()}).example()
    >>> list(p), p["W"].shape[1] == p["b"].shape[0], p["c"].shape
    (['W', 'b', 'c'], True, ())
    """
    if not isinstance(shapes, Mapping) or not shapes:
        raise ValueError(f"shapes must be a non-empty dict of name -> shape, got {shapes!r}")
    sizes = dict(sizes or {})
    named = []
    for key, shape in shapes.items():
        if not isinstance(shape, tuple):
            raise ValueError(f"shapes[{key!r}] must be a tuple of ints and size names, got "
                             f"{shape!r}")
        for dim in shape:
            if isinstance(dim, str):
                if dim not in named:
                    named.append(dim)
            elif not isinstance(dim, int) or isinstance(dim, bool) or dim < 0:
                raise ValueError(f"shapes[{key!r}] has dimension {dim!r}: expected an int "
                                 ">= 0 or a size name")
    for name in sizes:
        if name not in named:
            raise ValueError(f"sizes names {name!r}, which no shape uses")
    bounds = {name: sizes.get(name, (1, 4)) for name in named}
    for name, (lo, hi) in bounds.items():
        _check_size_range(f"sizes[{name!r}]", lo, hi)
    elems = _resolve_elements(elements, max_magnitude, min_nonzero)
    return _parameter_dicts(dict(shapes), bounds, elems)


@st.composite
def _parameter_dicts(draw, shapes, bounds, elems):
    drawn = {name: draw(st.integers(lo, hi)) for name, (lo, hi) in bounds.items()}
    out = {key: _array(draw, tuple(drawn[d] if isinstance(d, str) else d for d in shape),
                       elems) for key, shape in shapes.items()}
    kept = {name: _indices(draw, drawn[name], bounds[name][0]) for name in bounds}
    for key, shape in shapes.items():
        index = [kept[d] if isinstance(d, str) else np.arange(d) for d in shape]
        out[key] = _take(out[key], *index) if shape else out[key]
    return out
