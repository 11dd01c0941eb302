"""Private helpers shared by the engine modules: input validation and safe evaluation."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

EPS = float(np.finfo(np.float64).eps)
#: The smallest positive float64 (subnormal): the spacing of floats near 0, so the least
#: round-off any computed value can carry -- ``eps * |f|`` is far below it for ``|f| < 1e-308``.
TINY = float(np.nextafter(0.0, 1.0))
#: A real finite-difference step moves its entry by at least this many ulps: below that,
#: ``x + h`` rounds back to ``x`` (a subnormal ``x`` of ``5e-324`` gets a default step of 0).
MIN_STEP_ULPS = 16.0
#: What ``f`` may raise where it is not defined (``math.log(-1)``, a Cholesky factorisation
#: of a matrix that is not positive definite, an overflow): at a point the engine chose, the
#: point is outside ``f``'s domain, as if ``f`` had returned ``nan``. Any other exception
#: (``TypeError``, ``IndexError``, ...) is a bug in ``f`` and propagates.
DOMAIN_ERRORS: tuple[type[BaseException], ...] = (ArithmeticError, ValueError)

METHODS = ("forward", "central", "richardson", "complex")
#: The method that picks one of :data:`METHODS` per function (:mod:`checks.auto`): gradients only.
AUTO = "auto"


class NonFiniteValueError(ValueError):
    """``f`` is not finite where it had to be: at the point, or on both sides of it down to
    the shortest step. A ``ValueError``; :func:`checks.search.find_counterexample` skips such
    draws instead of taking them for counterexamples."""


class UsageError(ValueError):
    """A misuse found while ``f`` was being evaluated (its output changed shape or type):
    never mistaken for a point outside ``f``'s domain, always raised."""


def batch_values(got: Any, size: int, complex_ok: bool = False) -> np.ndarray:
    """A vectorized ``f``'s output for a stack of ``size`` points, checked: an array of
    shape ``(size,)`` of real numbers (complex ones too where ``complex_ok``: the complex
    step), else a :class:`UsageError` saying what came back. Non-finite values are kept.

    >>> batch_values([1.0, 2.0], 2)
    array([1., 2.])
    >>> batch_values(np.ones((2, 1)), 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    checks._util.UsageError: a vectorized f must map a batch ... got (2, 1) for B=2
    """
    arr = np.asarray(got)
    if arr.shape != (size,):
        raise UsageError(
            "a vectorized f must map a batch of shape (B, *x.shape) to shape (B,); "
            f"got {arr.shape} for B={size}"
        )
    if arr.dtype.kind == "c" and not complex_ok:
        raise UsageError("f must return real values, got complex ones")
    if arr.dtype.kind not in "biufc":
        raise UsageError(f"f must return real numbers, got an array of dtype {arr.dtype}")
    return arr


class DomainError(NonFiniteValueError):
    """``f`` raised a domain error (:data:`DOMAIN_ERRORS`) at the point itself: the point is
    outside ``f``'s domain. The original exception is its ``__cause__``; like a non-finite
    value there, :func:`checks.search.find_counterexample` skips such a draw."""


def validate_method(method: str, *, auto: bool = False) -> str:
    """``method`` if it is one of :data:`METHODS` (or ``"auto"`` where ``auto=True``: the
    gradient's estimates), else ``ValueError``."""
    allowed = METHODS + ((AUTO,) if auto else ())
    if method == AUTO and not auto:
        raise ValueError(
            "method='auto' applies to gradients (check_gradient, estimate_gradient, "
            f"numerical_gradient); here choose one of {', '.join(map(repr, METHODS))}"
        )
    if not isinstance(method, str) or method not in allowed:
        choices = ", ".join(repr(m) for m in METHODS)
        also = " (or 'auto', which picks one of them)" if auto else ""
        raise ValueError(f"method must be one of {choices}; got {method!r}{also}")
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
    if a.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            if math.isfinite(float(np.sum(a))):
                return None  # a sum is finite only where every term is (one pass, no |a|)
    finite = np.isfinite(a)
    if finite.all():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmin(finite.ravel())), a.shape))


def require_finite(name: str, a: np.ndarray) -> None:
    """Raise ``ValueError`` naming the first non-finite entry of ``a``."""
    idx = first_nonfinite(a)
    if idx is not None:
        raise ValueError(f"{name} contains non-finite values: {a[idx]} at index {idx}")


#: the side of the square tiles :func:`c_order` copies a transposed matrix in
_TILE = 64


def c_order(a: np.ndarray) -> np.ndarray:
    """``a`` in C order: ``a`` itself when it already is, else a copy (the same numbers).

    A matrix in Fortran order (``2 * X.T``, a gradient returned transposed) is copied in
    square tiles of :data:`_TILE`: numpy's own copy reads it with a stride of a whole row for
    every entry written, and at ``1024 x 1024`` took 3.5 ms where the tiles take 1.8 ms (each
    tile's rows stay in the cache while the tile is written)."""
    if a.flags.c_contiguous:
        return a
    if a.ndim != 2 or not a.flags.f_contiguous or a.size < _TILE * _TILE:
        return np.asarray(a, order="C")
    out = np.empty(a.shape, dtype=a.dtype)
    rows, cols = a.shape
    for i in range(0, rows, _TILE):
        for j in range(0, cols, _TILE):
            out[i:i + _TILE, j:j + _TILE] = a[i:i + _TILE, j:j + _TILE]
    return out


def abs_max(x: np.ndarray) -> float:
    """``max|x|`` (0 for an empty ``x``), without forming ``|x|`` for float64."""
    if x.size == 0:
        return 0.0
    if x.dtype != np.float64:
        return float(np.max(np.abs(x)))
    return abs(max(float(np.max(x)), -float(np.min(x))))  # abs: -0.0 when x is all -0.0


#: the least sum of squares per entry computed directly by :func:`typical_scale` (1e-290:
#: an underflowed square's absolute error, 2^-1074 = 5e-324, is then 5e-34 of it)
_SQUARES_FLOOR = 1e-290


def typical_scale(x: np.ndarray) -> float:
    """The scale that steps are measured in: the root mean square of ``x``, 1 if ``x == 0``.

    Computed as ``m * rms(x / m)`` with ``m = max|x|``, so that entries of ``1e200`` do not
    overflow when squared (nor entries of ``1e-200`` underflow).
    """
    if x.size == 0:
        return 1.0
    if x.dtype != np.float64 or x.ndim == 0:
        top = float(np.max(np.abs(x)))
        if top == 0.0 or not np.isfinite(top):
            return 1.0
        return top * float(np.sqrt(np.mean(np.square(x / top))))
    # one pass without a temporary where the squares can neither overflow nor lose what
    # matters by underflowing (x may have 10^6 entries; a directional check calls this per
    # direction): sum x_k^2 in float64 is finite only if no square overflowed, and a square
    # that underflows is off by less than 2^-1074 absolutely, n of them by less than 5e-34
    # of a sum >= n _SQUARES_FLOOR (relatively). The sum is einsum's (no BLAS:
    # its threads would cost more than they save beside f): its rounding, at most about
    # n eps relatively, only moves a step by as much.
    flat = x.reshape(-1)
    squares = float(np.einsum("i,i->", flat, flat))
    if math.isfinite(squares) and squares >= x.size * _SQUARES_FLOOR:
        return math.sqrt(squares / x.size)
    # otherwise as m * rms(x / m) without the temporaries: max|x| as max(max x, -min x), and
    # x / top squared in place
    top = abs_max(x)
    if top == 0.0 or not np.isfinite(top):
        return 1.0
    scaled = np.divide(x, top, out=np.empty_like(x))  # the layout x / top would have
    np.square(scaled, out=scaled)
    return top * float(np.sqrt(np.mean(scaled)))


def default_steps(x: np.ndarray, factor: float) -> np.ndarray:
    """``h_k = factor * max(|x_k|, rms(x))``: scale-invariant, never zero."""
    return factor * np.maximum(np.abs(x), typical_scale(x))


def floor_steps(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """``h`` raised to at least :data:`MIN_STEP_ULPS` ulps of each entry of ``x`` (and of
    the smallest positive float): a real difference step must move its entry.

    Examples
    --------
    >>> x = np.array([5e-324, 1.0])
    >>> h = floor_steps(x, 0.0116 * np.abs(x))  # 0.0116 * 5e-324 rounds to 0
    >>> bool(np.all(x + h != x)), float(h[1])
    (True, 0.0116)
    """
    return np.maximum(h, MIN_STEP_ULPS * np.spacing(np.abs(x)))


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


_REAL_SCALARS = (float, np.float64)


def call_scalar(
    f: Callable[[np.ndarray], Any], x: np.ndarray, where: Any, complex_ok: bool,
    finite: bool = True,
):
    """Evaluate ``f(x)`` and insist on a scalar (0-d) result, finite unless ``finite=False``.

    ``where`` names the point in error messages: a string, or a callable that builds it
    (called only on error: formatting it for every evaluation costs more than many ``f``).
    With ``finite=False`` a non-finite value is returned (the caller treats the point as
    outside ``f``'s domain) instead of raising, and so is ``nan`` where ``f`` raised one of
    :data:`DOMAIN_ERRORS`; with ``finite=True`` such an exception is a :class:`DomainError`.
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
    except UsageError:
        raise
    except DOMAIN_ERRORS as exc:
        if finite:
            raise DomainError(
                f"f raised {type(exc).__name__}: {exc} at {at()}; the point is outside f's "
                "domain"
            ) from exc
        return float("nan")
    if type(value) in _REAL_SCALARS and not complex_ok and (not finite or math.isfinite(value)):
        # the common case, a Python or numpy float (a memo's entry, any float-returning loss):
        # what the checks below would return, without their per-call cost (a Jacobian check
        # makes hundreds of thousands of these calls)
        return float(value)
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
