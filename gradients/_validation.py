"""Input validation shared by the gradient modules (private).

Every helper either returns the validated value (arrays converted to ``float64``) or raises
:class:`ValueError` with a message that names the argument and states what was expected and
what was received, e.g. ``"X must be a square matrix, got shape (2, 3)"``. Nothing is ever
broadcast silently: a ``(D, 1)`` column where a ``(D,)`` vector is expected is an error.
"""

import numbers

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "_as_float_array",
    "_as_scalar",
    "_number",
    "_require_finite",
    "_require_int",
    "_require_labels",
    "_require_rows",
    "_require_same_shape",
    "_require_shape",
    "_require_square",
]

_NDIM_NAMES = {0: "a scalar", 1: "a 1-D array (a vector)", 2: "a 2-D array (a matrix)"}


def _format_index(flat: int, shape: tuple[int, ...]) -> str:
    """Return ``"3"`` for a 1-D array, ``"(1, 2)"`` otherwise."""
    if len(shape) == 1:
        return str(flat)
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def _require_finite(name: str, a: np.ndarray) -> np.ndarray:
    """Raise if ``a`` holds NaN or +-inf; report the first offending value and its index."""
    finite = np.isfinite(a)
    if not finite.all():
        flat = int(np.flatnonzero(~finite.ravel())[0])
        value = a.ravel()[flat]
        where = "" if a.ndim == 0 else f" at index {_format_index(flat, a.shape)}"
        count = int(a.size - finite.sum())
        raise ValueError(
            f"{name} contains non-finite values ({value}{where}; {count} of {a.size} entries)"
        )
    return a


def _number(value: ArrayLike) -> float | complex:
    """A scalar result as ``float``, or as ``complex`` where a complex step made it complex.

    >>> _number(np.float64(2.0)), _number(np.complex128(2 + 1e-20j)).imag
    (2.0, 1e-20)
    """
    return complex(value) if np.iscomplexobj(value) else float(value)


def _as_float_array(name: str, a: ArrayLike, ndim: int | None = None, *,
                    complex_ok: bool = False) -> np.ndarray:
    """Convert ``a`` to a finite ``float64`` array with exactly ``ndim`` dimensions.

    Booleans, integers and floats are accepted; strings, complex numbers and objects are not,
    except that ``complex_ok=True`` (a complex-analytic loss, which the complex step
    differentiates) keeps a complex array as ``complex128``.

    >>> _as_float_array("X", [[1, 2], [3, 4]], ndim=2).dtype
    dtype('float64')
    >>> _as_float_array("w", [[1.0], [2.0]], ndim=1)    # a column is not a vector
    Traceback (most recent call last):
    ...
    ValueError: w must be a 1-D array (a vector), got shape (2, 1)
    """
    raw = np.asarray(a)
    if complex_ok and raw.dtype.kind == "c":
        arr = raw.astype(np.complex128, copy=False)
    elif raw.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must be a real numeric array, got dtype {raw.dtype} (from {type(a).__name__})"
        )
    else:
        arr = raw.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        kind = _NDIM_NAMES.get(ndim, f"a {ndim}-D array")
        raise ValueError(f"{name} must be {kind}, got shape {arr.shape}")
    return _require_finite(name, arr)


def _require_square(name: str, X: ArrayLike, *, complex_ok: bool = False) -> np.ndarray:
    """Return ``X`` as a finite float matrix, raising unless it has shape ``(D, D)``."""
    X = _as_float_array(name, X, ndim=2, complex_ok=complex_ok)
    if X.shape[0] != X.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {X.shape}")
    return X


def _require_shape(name: str, a: np.ndarray, shape: tuple[int, ...], reason: str) -> np.ndarray:
    """Raise unless ``a.shape == shape``; ``reason`` explains where ``shape`` comes from."""
    if a.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)} {reason}, got {a.shape}")
    return a


def _require_rows(name: str, a: np.ndarray, ref_name: str, n_rows: int) -> np.ndarray:
    """Raise unless the vector ``a`` has one entry per row of ``ref_name`` (``n_rows``)."""
    return _require_shape(name, a, (n_rows,), f"to match {ref_name}'s {n_rows} rows")


def _require_same_shape(
    name_a: str, a: np.ndarray, name_b: str, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Raise unless ``a`` and ``b`` have one shape (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(f"{name_b} must have the same shape as {name_a}, {a.shape}, got {b.shape}")
    return a, b


def _require_labels(name: str, y: np.ndarray, allowed: tuple[int, ...]) -> np.ndarray:
    """Raise unless every entry of ``y`` is one of ``allowed``; report the first offender."""
    bad = ~np.isin(y, np.asarray(allowed, dtype=np.float64))
    if bad.any():
        flat = int(np.flatnonzero(bad.ravel())[0])
        labels = "{" + ", ".join(str(v) for v in allowed) + "}"
        raise ValueError(
            f"{name} must contain only labels {labels}, got {y.ravel()[flat]} "
            f"at index {_format_index(flat, y.shape)}"
        )
    return y


def _as_scalar(name: str, x: object, *, minimum: float, strict: bool) -> float:
    """Return ``x`` as a finite float, raising unless ``x > minimum`` (``strict``) or ``>=``.

    Python and numpy real numbers are accepted; booleans, arrays and strings are not.
    """
    op = ">" if strict else ">="
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.floating)):
        raise ValueError(
            f"{name} must be a real number {op} {minimum}, got {x!r} of type {type(x).__name__}"
        )
    value = float(x)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number {op} {minimum}, got {value}")
    if value < minimum or (strict and value == minimum):
        raise ValueError(f"{name} must be {op} {minimum}, got {value}")
    return value


def _require_int(name: str, k: object, *, minimum: int = 0) -> int:
    """Return ``k`` as a Python int, raising unless it is an integer (not bool) ``>= minimum``."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Integral, np.integer)):
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {k!r} of type {type(k).__name__}"
        )
    if k < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {int(k)}")
    return int(k)
