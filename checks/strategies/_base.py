"""Shared pieces of the strategies: argument validation, :func:`elements`, element resolution.

Everything an array strategy needs before it draws: the checks of its size arguments, the
default element strategy and :func:`_resolve_elements`, the one place where ``elements=`` and
``max_magnitude``/``min_nonzero`` are reconciled; the spectrum helpers shared by the
strategies that build a matrix from its singular values or eigenvalues; and the keep flags
that let hypothesis delete any index of any dimension while it shrinks (:func:`_indices`).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

__all__ = ["LABEL_KINDS", "MAX_MAGNITUDE", "MIN_NONZERO", "elements", "finite_elements"]

MAX_MAGNITUDE = 4.0
"""Default bound on ``|x|`` for every drawn entry."""

MIN_NONZERO = 1e-3
"""Default smallest magnitude of a non-zero drawn entry."""

LABEL_KINDS = {"binary": (0.0, 1.0), "bipolar": (-1.0, 1.0), "real": None}
"""Label sets accepted by ``datasets``: ``y`` in {0, 1}, {-1, 1}, or real values."""

# A computed condition number may exceed the exact one by a few ulps times the condition
# number; singular values and eigenvalues are drawn inside the bound with this relative margin.
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


def _check_real(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")


def _check_positive_finite(name: str, value: object) -> None:
    _check_real(name, value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}={value!r} must be finite and > 0")


def _check_condition(max_condition: object) -> None:
    _check_positive_finite("max_condition", max_condition)
    if max_condition <= 1:
        raise ValueError(f"max_condition={max_condition!r} must be > 1")


def _check_elements(max_magnitude: object, min_nonzero: object) -> None:
    _check_positive_finite("max_magnitude", max_magnitude)
    _check_real("min_nonzero", min_nonzero)
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


finite_elements = elements()
"""The default element strategy: ``0.0`` or ``1e-3 <= |x| <= 4``."""


def _resolve_elements(
    strategy: object, max_magnitude: object = None, min_nonzero: object = None
) -> st.SearchStrategy[float]:
    """The element strategy of an array strategy: its ``elements=`` argument, or the default.

    ``strategy`` is the ``elements=`` argument; ``max_magnitude`` and ``min_nonzero`` are
    ``None`` unless the caller gave them. They only build the default strategy (with
    :func:`elements`), so giving one of them together with ``elements=`` is an error: one
    would silently override the other.
    """
    if strategy is None:
        return elements(
            max_magnitude=MAX_MAGNITUDE if max_magnitude is None else max_magnitude,
            min_nonzero=MIN_NONZERO if min_nonzero is None else min_nonzero,
        )
    both = [
        f"{name}={value!r}"
        for name, value in (("max_magnitude", max_magnitude), ("min_nonzero", min_nonzero))
        if value is not None
    ]
    if both:
        raise ValueError(
            f"elements and {' and '.join(both)} were both given: max_magnitude and "
            "min_nonzero only build the default element strategy, which elements replaces; "
            "give one or the other"
        )
    if not isinstance(strategy, st.SearchStrategy):
        raise ValueError(
            "elements must be a hypothesis strategy of floats (such as st.floats(-1, 1)), "
            f"got {strategy!r}"
        )
    return strategy


# --------------------------------------------------------------------------- drawing helpers


def _array(draw, shape, elems):
    return draw(arrays(np.float64, shape, elements=elems))


def _label_array(draw, n, labels, elems):
    values = LABEL_KINDS[labels]
    label_elements = elems if values is None else st.sampled_from(values)
    return _array(draw, n, label_elements)


def _tops(elems: st.SearchStrategy[float] | None, max_magnitude: float) -> st.SearchStrategy:
    """The largest singular value or eigenvalue ``top`` of a matrix built from its spectrum.

    ``[min(1, max_magnitude), max_magnitude]`` by default (``elems`` is ``None``); with a
    user's element strategy, ``|e|`` for a finite non-zero draw ``e``, so that every entry of
    the matrix, bounded by ``top``, stays within the magnitude bound of that strategy.
    """
    if elems is None:
        return st.floats(min(1.0, max_magnitude), max_magnitude)
    return elems.map(lambda e: abs(float(e))).filter(lambda t: 0.0 < t < math.inf)


def _spectrum(draw, size, tops, max_condition):
    """``(top, s)``: ``size`` values ``s_i = top * 10**t_i``, ``t_i`` in ``[-log10(cond), 0]``.

    The exponent range is shrunk by ``_COND_MARGIN`` so that ``max(s) / min(s)`` stays below
    ``max_condition`` after round-off; the exponents shrink to ``0`` (all ``s_i = top``).
    """
    top = draw(tops)
    span = math.log10(max_condition) * (1.0 - _COND_MARGIN)
    exponents = _array(draw, size, st.floats(-span, 0.0) if span > 0 else st.just(0.0))
    return top, top * 10.0**exponents


def _orthonormal(A):
    """The Q of ``A``'s QR: orthonormal columns, the shape of ``A`` (rows >= columns).

    Householder QR gives orthonormal columns even when ``A`` is rank-deficient (all zeros
    gives the identity), so nothing has to be filtered out.
    """
    return np.linalg.qr(A)[0]


# --------------------------------------------------------------------------- deleting indices

_KEEP_FLAGS = st.integers(0, 255)
"""The flag drawn for each index of a dimension (:func:`_flags`): the index is deleted where
it is ``0``.

Hypothesis shrinks every choice towards its simplest value, ``0`` here: shrinking tries
deleting each index of each dimension, everywhere that dimension occurs (row ``i`` and column
``i`` of a square matrix and entry ``i`` of its vector together), and keeps the deletion
while the property still fails. Hypothesis cannot do that on its own: it lowers sizes
(dropping the *last* indices) and values, but cannot move a non-zero entry to a smaller
index. While drawing, about 2 % of flags are ``0`` (hypothesis draws the ends of a range more
often than the middle), so a few draws have an index fewer than their drawn size.
"""


def _flags(draw, n, minimum):
    """One :data:`_KEEP_FLAGS` draw per index of a dimension of drawn length ``n`` (``True``
    where the index is kept), or none when ``n <= minimum``, the dimension's lower bound.

    Where they are drawn is a trade-off, measured on the searches of the catalog's planted
    mistakes. After the arrays (most strategies), hypothesis can still lower a size cheaply:
    the arrays' choices stay where they were and only the trailing rows go, as without
    flags; flags before the arrays shift every array choice when a size changes, and
    everywhere they made the searches take two to seven times as many checks. Before the
    arrays (a square matrix and the vector that shares its size; a full-rank design),
    deletions are tried while the values are still generic, before hypothesis simplifies
    them into a local minimum (``w = e0``, ``X = e0 e1^T``, where a 1 x 1 counterexample
    needs a diagonal entry); there lowering the size shifts the values anyway (a row and a
    column go together), and a design's entries are built, not drawn.

    Whether flags are drawn depends only on ``n`` and the strategy's fixed bound: hypothesis
    prefers shorter choice sequences, so a deletion that made flags appear elsewhere would
    never be kept; and flags that could delete nothing would shrink to ``0`` and delete
    indices as soon as a size changed.
    """
    if n <= minimum:
        return [True] * n
    return [draw(_KEEP_FLAGS) != 0 for _ in range(n)]


def _kept(flags, minimum):
    """The indices kept by ``flags``, in order; a deletion that would leave fewer than
    ``minimum`` indices is ignored, so every size bound of the strategy holds."""
    n, kept = len(flags), []
    for i, keep in enumerate(flags):
        if keep or n - i + len(kept) <= minimum:
            kept.append(i)
    return np.array(kept, dtype=np.intp)


def _indices(draw, n, minimum):
    """The kept indices of a dimension of drawn length ``n`` and lower bound ``minimum``:
    :func:`_flags`, then :func:`_kept`."""
    return _kept(_flags(draw, n, minimum), minimum)


def _take(a, *indices):
    """``a`` restricted to ``indices`` along its leading axes (one index array per axis)."""
    return a[np.ix_(*indices)] if a.ndim else a


def _clean(A, top):
    """Round-off noise (and ``-0.0``) to exact zeros; clip the ulp past ``|A_ij| <= top``."""
    A[np.abs(A) <= 1e-12 * top] = 0.0
    # |A_ij| <= ||A||_2 = top holds exactly, but the product can round one ulp past it (found
    # by the thorough profile: 4.000000000000001); clip that ulp away.
    np.clip(A, -top, top, out=A)
    return A
