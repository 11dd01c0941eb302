r"""The diagnosis of a failed check: one line naming a pattern of the mistake, or nothing.

A hand-derived gradient that fails is most often wrong in one of a few ways: a constant factor
(a missing ``1/2``, a symmetric term counted twice, a sum where a mean was meant, a sign), the
transpose of the right matrix, its rows or columns in another order, or a mistake confined to
one block (one parameter of a model, one row). Each pattern is a claim about *every* entry:
``analytic = T(numerical)`` for a transformation ``T``. A claim is made only when it holds to
the check's own tolerance: ``T^{-1}(analytic)`` lies within ``tolerance_k`` of the numerical
interval ``[lower_k, upper_k]`` at every entry ``k`` -- the test the verdict applies to
``analytic`` itself. Nothing is said when no pattern fits. The patterns, in the order tried:

* **zero**: the analytic gradient is identically 0 where the numerical one is not;
* **a constant factor** ``c``: ``c = <a, n> / <n, n>`` (least squares), snapped to the
  nearest of ``+-k`` and ``+-1/k`` (``k = 1..64``, within 1 %) when that holds too; ``-1``
  is a sign, ``2`` and ``1/2`` the usual symmetric-term slips, an integer ``k`` a sum where a
  mean was meant (or the reverse); any other ``c`` is named where at least two entries are
  resolved non-zero (one entry's ratio is no pattern);
* **the transpose** (a square matrix, or a square block of a Jacobian), possibly times ``c``;
* **rows or columns permuted**: each row of ``analytic`` is, within the tolerance, exactly one
  row of ``numerical``, and not its own;
* **one block**: the mismatched entries all lie in one leaf of a parameter tree, one row or
  one column (or are one entry); the block is diagnosed in turn (``params['W1'] = 2 x
  numerical``).
* **a marked term** (``terms=`` of :func:`checks.check_gradient`, the terms of ``f``'s sum
  by name): the analytic gradient is, to the tolerance, the numerical gradient of ``f``
  without one term (its gradient is missing) or with it twice (:func:`missing_term`: one
  estimate per term, on failure only). This takes precedence over the patterns above.

In directional mode only the factor is visible (``<a, v> = c <n, v>`` for every ``v``).

>>> n = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> tol = np.full(n.shape, 1e-9)
>>> diagnose(2.0 * n, n, tol)
'analytic = 2 x numerical: a factor of 2 (often a missing 1/2, or a symmetric term counted twice)'
>>> diagnose(n.T, n, tol)
'analytic = numerical transposed (the gradient laid out as its transpose: d/dX tr(A X) is A.T)'
>>> diagnose(n + 1.0, n, tol) is None
True
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from checks.rule import _distance, _rule

__all__ = ["diagnose", "missing_term"]

_NICE = 64  # factors k and 1/k named as such up to this k
_ROWS = 64  # permutations are looked for among at most this many rows


def _fits(candidate: np.ndarray, lower: np.ndarray, upper: np.ndarray, tol: np.ndarray
          ) -> bool:
    """``candidate`` within ``tol`` of ``[lower, upper]`` at every entry: the rule's own
    test (:func:`checks.rule._distance`)."""
    return bool(np.all(np.isfinite(candidate))
                and np.all(_distance(candidate, lower, upper) <= tol))


def _nice(c: float) -> Fraction | None:
    """The ``+-k`` or ``+-1/k`` (``k <= 64``) within 1 % of ``c``, else ``None`` (a
    candidate only: the claim is made where it fits the tolerance)."""
    if c == 0.0 or not np.isfinite(c):
        return None
    for value in (abs(c), 1.0 / abs(c)):
        k = round(value)
        if 1 <= k <= _NICE and abs(value - k) <= 1e-2 * k:
            frac = Fraction(k) if value == abs(c) else Fraction(1, k)
            return frac if c > 0 else -frac
    return None


def _factor_text(c: float, frac: Fraction | None) -> str:
    if frac is None:
        return f"analytic = {c:.6g} x numerical: wrong by a constant factor"
    if frac == -1:
        return ("analytic = -1 x numerical: a sign error (the gradient of the negated loss, "
                "or a step's direction taken for the gradient?)")
    shown = str(frac)
    if abs(frac) == 2:
        why = "often a missing 1/2, or a symmetric term counted twice"
    elif abs(frac) == Fraction(1, 2):
        why = "often a symmetric term counted once: d/dx x^T A x = (A + A^T) x"
    elif abs(frac).denominator == 1:
        k = abs(frac)
        why = f"a sum where a mean over {k} items was meant, or a factor {k} too many"
    else:
        why = (f"a mean where a sum was meant, or a 1/{abs(frac).denominator} too "
               "many")
    sign = "; and the sign is wrong" if frac < 0 else ""
    return f"analytic = {shown} x numerical: a factor of {shown} ({why}){sign}"


def _factor(a, n, lower, upper, tol) -> str | None:
    top = float(np.max(np.abs(n), initial=0.0))
    if top == 0.0 or not np.isfinite(top):
        return None
    # scaled by the largest |n|: values of 1e200 must not overflow when squared
    ns, as_ = n / top, a / top
    c = float(np.sum(as_ * ns)) / float(np.sum(ns * ns))
    if c == 0.0 or not np.isfinite(c) or np.allclose(c, 1.0, rtol=1e-12, atol=0.0):
        return None
    frac = _nice(c)
    if frac is not None and frac != 1 and _fits(a / float(frac), lower, upper, tol):
        return _factor_text(float(frac), frac)
    # any other constant only where two entries show it (one entry's ratio is no pattern)
    resolved = int(np.count_nonzero(np.abs(n) > tol))
    if resolved >= 2 and abs(c - 1.0) > 1e-6 and _fits(a / c, lower, upper, tol):
        return _factor_text(c, None)
    return None


def _transposed(a, n, lower, upper, tol) -> str | None:
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2 or np.allclose(a, a.T):
        return None
    if _fits(a.T, lower, upper, tol):
        return ("analytic = numerical transposed (the gradient laid out as its transpose: "
                "d/dX tr(A X) is A.T)")
    text = _factor(a.T, n, lower, upper, tol)
    if text is not None:
        return text.replace("analytic =", "analytic transposed =", 1)
    return None


def _transposed_layout(match: list[int], shape: tuple[int, ...] | None) -> bool:
    """``match`` (column ``k`` of the analytic side is numerical column ``match[k]``) reads a
    2-D ``shape`` ``(r, c)`` in its transpose's order: the result built as ``g.T`` reshaped
    to ``(r, c)`` (entry ``(i, j)`` is ``(j, i)`` where the shape is square)."""
    if shape is None or len(shape) != 2 or min(shape) < 2:
        return False
    r, c = shape
    return match == [(k % r) * c + k // r for k in range(r * c)]


def _permuted(a, lower, upper, tol, axis: int, in_shape=None) -> str | None:
    """Each row (``axis=0``) or column of ``a`` is exactly one row of the numerical side."""
    if a.ndim != 2 or a.shape[axis] < 2 or a.shape[axis] > _ROWS:
        return None
    rows = np.moveaxis(a, axis, 0)
    lo, hi, t = (np.moveaxis(v, axis, 0) for v in (lower, upper, tol))
    match = []
    for i in range(rows.shape[0]):
        found = [j for j in range(rows.shape[0]) if _fits(rows[i], lo[j], hi[j], t[j])]
        if len(found) != 1:
            return None
        match.append(found[0])
    if sorted(match) != list(range(len(match))) or match == list(range(len(match))):
        return None
    if axis == 1 and _transposed_layout(match, in_shape):
        r, c = in_shape
        if r == c:
            return ("analytic = numerical with the argument's entries transposed: the "
                    f"derivative with respect to entry (i, j) of the {r} x {c} argument is "
                    "the numerical one of (j, i) (a backward that returns its result "
                    "transposed)")
        return ("analytic = numerical with the argument's entries in its transpose's order: "
                f"the backward's ({r}, {c}) result is its ({c}, {r}) transpose reshaped "
                "(g.T.reshape instead of g)")
    moved = [(i, j) for i, j in enumerate(match) if i != j]
    what = "row" if axis == 0 else "column"
    shown = ", ".join(f"{what} {i} is numerical {what} {j}" for i, j in moved[:3])
    more = f" and {len(moved) - 3} more" if len(moved) > 3 else ""
    return f"analytic = numerical with its {what}s permuted: {shown}{more}"


def _whole(a, n, lower, upper, tol, directional: bool, in_shape=None) -> str | None:
    if not np.any(a) and np.any(np.maximum(np.abs(lower), np.abs(upper)) > tol):
        return "the analytic gradient is identically zero (a term, or the whole gradient, missing)"
    text = _factor(a, n, lower, upper, tol)
    if text is not None or directional:
        return text
    return (_transposed(a, n, lower, upper, tol) or _permuted(a, lower, upper, tol, 0)
            or _permuted(a, lower, upper, tol, 1, in_shape))


def diagnose(analytic: np.ndarray, numerical: np.ndarray, tolerance: np.ndarray,
             lower: np.ndarray | None = None, upper: np.ndarray | None = None, *,
             directional: bool = False, tree: Any = None, matrix: tuple[int, int] | None = None,
             in_shape: tuple[int, ...] | None = None) -> str | None:
    """One line naming the pattern of a failed check's mistake, or ``None``.

    ``tolerance`` is the check's per-entry tolerance, ``lower``/``upper`` the numerical
    interval (``numerical`` where ``None``). ``tree`` (:class:`checks.trees.Tree`) names the
    leaves of a flat vector; ``matrix`` reshapes the arrays to two dimensions (a Jacobian's
    output size by its input size) for the transpose and permutation patterns, and
    ``in_shape`` (the argument's shape) names a permutation of the columns that is its
    transpose.
    """
    with np.errstate(all="ignore"):  # 1e308 against 1e-3: ratios overflow, claims fail
        return _diagnose(analytic, numerical, tolerance, lower, upper, directional, tree,
                         matrix, in_shape)


def _diagnose(analytic, numerical, tolerance, lower, upper, directional, tree, matrix,
              in_shape):
    a = np.asarray(analytic, dtype=float)
    n = np.asarray(numerical, dtype=float)
    lower = n if lower is None else np.asarray(lower, dtype=float)
    upper = n if upper is None else np.asarray(upper, dtype=float)
    tol = np.broadcast_to(np.asarray(tolerance, dtype=float), n.shape)
    if a.shape != n.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(n)):
        return None
    if matrix is not None:
        a, n, lower, upper, tol = (v.reshape(matrix) for v in (a, n, lower, upper, tol))
    text = _whole(a, n, lower, upper, tol, directional, in_shape)
    if text is not None or directional:
        return text
    bad = _distance(a, lower, upper) > tol
    if not bad.any():
        return None
    if bad.sum() == 1:
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
        name = tree.name(int(np.ravel_multi_index(where, bad.shape))) if tree is not None \
            else f"entry {where}"
        return f"only {name} is wrong (every other entry agrees)"
    if tree is not None and len(tree.leaves) > 1:
        leaves = {tree.leaf_of(int(k)) for k in np.flatnonzero(bad.ravel())}
        if len(leaves) == 1:
            path = leaves.pop()
            parts = [tree.split(v)[path] for v in (a, n, lower, upper, tol)]
            inner = _whole(*parts, directional=False)
            head = f"only {path} is wrong (every other leaf agrees)"
            return head + (f": {inner.replace('analytic', path, 1)}" if inner else "")
    if a.ndim == 2:
        for axis, what in ((0, "row"), (1, "column")):
            lines = np.flatnonzero(bad.any(axis=1 - axis))
            if lines.size == 1:
                i = int(lines[0])
                inner = _factor(*(np.take(v, i, axis=axis) for v in (a, n, lower, upper, tol)))
                head = f"only {what} {i} is wrong (every other {what} agrees)"
                return head + (f": {inner.replace('analytic', f'{what} {i}', 1)}"
                               if inner else "")
    return None


def missing_term(parts: dict[str, Any], fx: Any, x: np.ndarray, r: Any, *, method: str,
                 step: Any) -> tuple[str, int] | None:
    """The marked term whose gradient ``r``'s analytic side misses or counts twice, as one
    line, and the evaluations spent; ``None`` when no single term explains it.

    For each term ``t``, the numerical gradient of ``f - t`` (and of ``f + t``) is estimated
    like the check's own and the analytic side held to it under the check's rule
    (``rtol``, ``atol``, ``safety`` of ``r``).
    """
    from checks.differences import estimate_gradient

    a = np.asarray(r.analytic, dtype=float)
    evaluations = 0
    found = []
    for name, t in parts.items():
        for sign, what in ((-1.0, "missing"), (1.0, "counted twice")):
            def g(v, t=t, sign=sign):
                return float(np.asarray(fx(v))) + sign * float(np.asarray(t(v)))
            est = estimate_gradient(g, x, method=method, step=step, vectorized=False)
            evaluations += est.evaluations
            tol = _rule(est.error, est.lower, est.upper, rtol=r.rtol, atol=r.atol,
                        safety=r.safety)
            if _fits(a, est.lower, est.upper, tol):
                found.append((name, what))
    if len(found) != 1:
        return None
    name, what = found[0]
    if what == "missing":
        text = (f"the analytic gradient is the gradient of f without its term {name!r}: that "
                "term's gradient is missing")
    else:
        text = (f"the analytic gradient is the gradient of f with its term {name!r} twice: "
                "that term's gradient is counted twice")
    return text, evaluations
