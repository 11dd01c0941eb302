"""The analytic side of a matrix check: ``jac``, ``jvp``, ``vjp``, ``hess`` or ``hvp``, called.

Each is called on copies of the arguments (a signature mismatch is a ``TypeError`` that says
so), its value checked for shape and finiteness (a message naming the call and the expected
shape), and turned into what the numerical side estimates: the whole matrix (``n`` calls of
a ``jvp`` on the unit tangents, ``m`` of a ``vjp`` on the unit cotangents), or its action
``u_j^T A v_j`` on random pairs.

>>> from checks._args import prepare
>>> p = prepare((np.ones(2),), 0)
>>> jac = _Analytic("matrix", lambda x: np.diag(2 * x), "jac")
>>> _full_matrix(jac, p, (2,))[0]
array([[2., 0.],
       [0., 2.]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks._args import _signature_mismatch, copies
from checks._util import EPS, first_nonfinite
from checks.evaluation import _index


@dataclass(frozen=True)
class _Analytic:
    """The analytic side: a whole matrix (``jac``, ``hess``), or its action on tangents
    (``jvp``, ``hvp``: ``fn(v, *args)``) or cotangents (``vjp``: ``fn(u, *args)``)."""

    kind: str  # "matrix", "tangent" or "cotangent"
    fn: Callable[..., Any]
    name: str


def _call(an: _Analytic, p, *lead: np.ndarray) -> np.ndarray:
    """``an.fn(*lead, *args)`` on copies; a wrong signature is a ``TypeError`` that says so."""
    nargs = len(lead) + len(p.args)
    try:
        return np.asarray(an.fn(*lead, *copies(p.args)))
    except TypeError as exc:
        if _signature_mismatch(an.fn, nargs):
            form = f"{an.name}(v, *args)" if an.kind == "tangent" else (
                f"{an.name}(u, *args)" if an.kind == "cotangent" else f"{an.name}(*args)")
            raise TypeError(f"{an.name} cannot be called as {form} with the {len(p.args)} "
                            f"argument(s) of f ({exc})") from exc
        raise


def _bad(arr: np.ndarray, shape: tuple[int, ...], label: str, expected: str) -> str | None:
    """Why ``arr`` (the value of ``label``) cannot be compared with an array of ``shape``."""
    if arr.shape != shape:
        return (f"{label} has shape {arr.shape}, but {expected} is {shape} (no broadcasting, "
                "no transposed layout)")
    if arr.dtype.kind not in "biuf":
        return f"{label} must be a real array, got dtype {arr.dtype}"
    idx = first_nonfinite(arr)
    if idx is not None:
        return f"{label} is not finite: {arr[idx]} at index {idx}"
    return None


def _expected(an: _Analytic, in_shape, out_shape, hessian: bool):
    """Shape and description of one analytic value: the matrix, a JVP or a VJP."""
    out_word = "the argument's shape" if hessian else "f's output shape"
    if an.kind == "matrix":
        words = "shape + shape" if hessian else "f's output shape + the argument's shape"
        return out_shape + in_shape, f"{an.name}(*args)", words
    if an.kind == "tangent":
        return out_shape, f"{an.name}(v, *args)", out_word
    return in_shape, f"{an.name}(u, *args)", "the argument's shape"


def _full_matrix(an: _Analytic, p, out_shape, hessian=False):
    """The analytic Jacobian as an ``out + in`` array (columns from a jvp, rows from a vjp),
    and why it cannot be compared (or ``None``)."""
    in_shape = p.x.shape
    shape, label, words = _expected(an, in_shape, out_shape, hessian)
    if an.kind == "matrix":
        arr = _call(an, p)
        return arr, _bad(arr, shape, label, words)
    units_shape = in_shape if an.kind == "tangent" else out_shape
    parts = []
    for k in range(int(np.prod(units_shape, dtype=int))):
        unit = np.zeros(units_shape)
        unit.flat[k] = 1.0
        arr = _call(an, p, unit)
        why = _bad(arr, shape, f"{label} at the unit vector {_index(units_shape, k)}", words)
        if why is not None:
            return arr, why
        parts.append(arr.astype(float))
    full = out_shape + in_shape
    if not parts:
        return np.zeros(full), None
    if an.kind == "tangent":
        return np.stack(parts, axis=-1).reshape(full), None
    return np.stack(parts, axis=0).reshape(full), None


def _along_pairs(an: _Analytic, p, us, vs, out_shape, hessian=False):
    """Analytic ``u_j^T A v_j``, the round-off of each, why they cannot be compared, and
    ``max|A|`` (exact for a matrix; for a product ``A w`` the lower bound
    ``max|A w| / ||w||_1``)."""
    k = len(vs)
    in_shape = p.x.shape
    a, extra = np.full(k, np.nan), np.zeros(k)
    shape, label, words = _expected(an, in_shape, out_shape, hessian)
    if an.kind == "matrix":
        arr = _call(an, p)
        why = _bad(arr, shape, label, words)
        if why is not None:
            return a, extra, why, None
        mat = arr.reshape(us[0].size, vs[0].size).astype(float)
        for j in range(k):
            u, v = us[j].ravel(), vs[j].ravel()
            a[j] = u @ mat @ v
            extra[j] = np.sqrt(mat.size) * EPS * (np.abs(u) @ np.abs(mat) @ np.abs(v))
        return a, extra, None, float(np.max(np.abs(mat), initial=0.0))
    top = 0.0
    for j in range(k):
        lead, other = (vs[j], us[j]) if an.kind == "tangent" else (us[j], vs[j])
        arr = _call(an, p, lead)
        why = _bad(arr, shape, f"{label} of pair {j}", words)
        if why is not None:
            return a, extra, why, None
        prod = other * arr
        a[j] = float(np.sum(prod))
        extra[j] = np.sqrt(prod.size) * EPS * float(np.sum(np.abs(prod)))
        # |(A w)_o| <= max|A| ||w||_1: a lower bound on max|A| from each product
        top = max(top, float(np.max(np.abs(arr), initial=0.0)) / float(np.abs(lead).sum()))
    return a, extra, None, top
