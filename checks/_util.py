"""Private helpers shared by the engine modules: input validation and safe evaluation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

EPS = float(np.finfo(np.float64).eps)

METHODS = ("forward", "central", "richardson", "complex")


class NonFiniteValueError(ValueError):
    """``f`` is not finite where it had to be: at the point, or on both sides of it down to
    the shortest step. A ``ValueError``; :func:`checks.search.find_counterexample` skips such
    draws instead of taking them for counterexamples."""


def validate_method(method: str) -> str:
    if method not in METHODS:
        choices = ", ".join(repr(m) for m in METHODS)
        raise ValueError(f"method must be one of {choices}; got {method!r}")
    return method


def as_float64(name: str, x: Any) -> tuple[np.ndarray, str | None]:
    """Return ``x`` as a float64 array (a copy) and a note if it had another dtype.

    Complex, object and non-numeric input, and non-finite entries, raise ``ValueError``
    naming ``name``.
    """
    arr = np.asarray(x)
    note = None
    if arr.dtype.kind == "c":
        raise ValueError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.dtype != np.float64:
        note = f"{name} had dtype {arr.dtype}; it was differentiated in float64"
    out = np.array(arr, dtype=np.float64, copy=True)
    require_finite(name, out)
    return out, note


def first_nonfinite(a: np.ndarray) -> tuple[int, ...] | None:
    """Index of the first non-finite entry of ``a``, or ``None`` when all are finite."""
    finite = np.isfinite(a)
    if finite.all():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmin(finite.ravel())), a.shape))


def require_finite(name: str, a: np.ndarray) -> None:
    """Raise ``ValueError`` naming the first non-finite entry of ``a``."""
    idx = first_nonfinite(a)
    if idx is not None:
        raise ValueError(f"{name} contains non-finite values: {a[idx]} at index {idx}")


def typical_scale(x: np.ndarray) -> float:
    """The scale that steps are measured in: the root mean square of ``x``, 1 if ``x == 0``.

    Computed as ``m * rms(x / m)`` with ``m = max|x|``, so that entries of ``1e200`` do not
    overflow when squared (nor entries of ``1e-200`` underflow).
    """
    if x.size == 0:
        return 1.0
    top = float(np.max(np.abs(x)))
    if top == 0.0 or not np.isfinite(top):
        return 1.0
    return top * float(np.sqrt(np.mean(np.square(x / top))))


def default_steps(x: np.ndarray, factor: float) -> np.ndarray:
    """``h_k = factor * max(|x_k|, rms(x))``: scale-invariant, never zero."""
    return factor * np.maximum(np.abs(x), typical_scale(x))


def user_steps(step: Any, x: np.ndarray) -> np.ndarray:
    """Validate a user-given absolute step (scalar or array of ``x``'s shape)."""
    h = np.asarray(step, dtype=np.float64)
    if h.ndim and h.shape != x.shape:
        raise ValueError(f"step must be a scalar or have shape {x.shape}, got shape {h.shape}")
    if not (np.all(np.isfinite(h)) and np.all(h > 0)):
        raise ValueError(f"step must be finite and > 0, got {step!r}")
    return np.broadcast_to(h, x.shape).astype(np.float64)


def function_name(f: Callable[..., Any]) -> str:
    """A short readable name: ``qualname``, or ``func(k=3)`` for a ``functools.partial``."""
    if isinstance(f, functools.partial):
        bound = [repr(a) for a in f.args] + [f"{k}={v!r}" for k, v in f.keywords.items()]
        return f"{function_name(f.func)}(..., {', '.join(bound)})"
    name = getattr(f, "__qualname__", None) or getattr(f, "__name__", None)
    return name if name else repr(f)


def call_scalar(
    f: Callable[[np.ndarray], Any], x: np.ndarray, where: Any, complex_ok: bool,
    finite: bool = True,
):
    """Evaluate ``f(x)`` and insist on a scalar (0-d) result, finite unless ``finite=False``.

    ``where`` names the point in error messages: a string, or a callable that builds it
    (called only on error: formatting it for every evaluation costs more than many ``f``).
    With ``finite=False`` a non-finite value is returned (the caller treats the point as
    outside ``f``'s domain) instead of raising.
    """

    def at() -> str:
        return where() if callable(where) else where

    try:
        value = f(x)
    except TypeError as exc:
        if complex_ok and np.iscomplexobj(x):
            raise ValueError(
                f"f does not accept complex input ({exc}); the complex step needs a "
                "complex-safe f: use method='richardson'"
            ) from exc
        raise
    arr = np.asarray(value)
    if arr.ndim != 0:
        raise ValueError(f"f must return a scalar, got an array of shape {arr.shape} at {at()}")
    if arr.dtype.kind == "c" and not complex_ok:
        raise ValueError(f"f must return a real scalar, got a complex value at {at()}")
    if arr.dtype.kind not in "biufc":
        raise ValueError(f"f must return a real number, got {type(value).__name__} at {at()}")
    if finite and not np.isfinite(arr):
        raise NonFiniteValueError(
            f"f returned {arr[()]} at {at()}; f must be finite near the point"
        )
    return arr[()] if complex_ok else float(np.real(arr))


def validate_argnum(argnum: Any, nargs: int) -> int:
    """``argnum`` as a non-negative index into ``nargs`` arguments, or ``ValueError``."""
    if not isinstance(argnum, (int, np.integer)) or isinstance(argnum, (bool, np.bool_)):
        raise ValueError(f"argnum must be an integer, got {argnum!r}")
    if not -nargs <= argnum < nargs:
        raise ValueError(f"argnum={argnum} is out of range for {nargs} argument(s)")
    return int(argnum) % nargs
