"""The arguments of a check, prepared once for every kind of check.

:func:`prepare` validates ``args`` and ``argnum`` and converts the differentiated argument to
float64; :func:`analytic_of` calls the analytic side on copies and says why its result cannot
be compared; :func:`closure` is ``f`` as a function of the differentiated argument alone,
which hands ``f`` fresh copies of the other arrays at every call; :func:`generator` turns an
``rng`` argument into a numpy ``Generator``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks._util import as_float64, first_nonfinite, validate_argnum

__all__ = ["Prepared", "analytic_of", "bad_analytic", "call_grad", "closure", "copies",
           "generator", "prepare"]


@dataclass(frozen=True)
class Prepared:
    """``args`` with ``args[argnum]`` as a float64 copy ``x``; ``note`` if it was converted."""

    args: tuple[Any, ...]
    argnum: int
    x: np.ndarray
    note: str | None


def prepare(args: Any, argnum: Any, *, what: str = "args") -> Prepared:
    """Validate the point of a check: ``args`` a tuple or list, ``argnum`` an index into it.

    A bare array (``check_gradient(f, g, W)`` instead of ``(W,)``) is a ``TypeError`` that
    says how to write it: iterating over its rows would silently check something else.
    An ``np.matrix`` in any position is a ``TypeError`` naming it: ``f`` would get it back as
    an ndarray (the differentiated argument) or as a matrix (the others), and ``M * M`` means
    the elementwise product for one and the matrix product for the other.

    >>> prepare((np.ones(2), np.matrix([[1.0, 2.0]])), 0)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: args[1] is an np.matrix, whose * is the matrix product; ... np.asarray(M) ...
    """
    if not isinstance(args, (tuple, list)):
        kind = type(args).__name__
        raise TypeError(
            f"{what} must be a tuple of the arguments of f, got {kind}; for a single argument "
            f"write ({what.rstrip('s')},) -- e.g. check_gradient(f, grad, (W,))"
        )
    for i, item in enumerate(args):
        if isinstance(item, np.matrix):
            raise TypeError(
                f"{what}[{i}] is an np.matrix, whose * is the matrix product; the check works "
                "with ndarrays (where * is elementwise), so f would compute another function "
                "than the one you wrote. Pass np.asarray(M) instead, and write M @ M in f for "
                "the matrix product"
            )
    items = list(args)
    argnum = validate_argnum(argnum, len(items))
    x, note = as_float64(f"args[{argnum}]", items[argnum])
    items[argnum] = x
    return Prepared(tuple(items), argnum, x, note)


def copies(args: Sequence[Any]) -> list[Any]:
    """Fresh copies of the array arguments: a function that writes into them harms nothing."""
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def closure(f: Callable[..., Any], p: Prepared) -> Callable[[np.ndarray], Any]:
    """``v -> f(*args[:argnum], v, *args[argnum + 1:])`` with copies of the other arrays."""
    return _Bound(f, p.args[: p.argnum], p.args[p.argnum + 1 :])


class _Bound:
    """:func:`closure`'s function: an object, not a lambda, so that an executor in other
    processes can receive it whenever ``f`` and the other arguments can be pickled."""

    def __init__(self, f: Callable[..., Any], before: Sequence[Any], after: Sequence[Any]):
        self.f, self.before, self.after = f, tuple(before), tuple(after)

    def __call__(self, v: np.ndarray) -> Any:
        return self.f(*copies(self.before), v, *copies(self.after))


def bad_analytic(analytic: np.ndarray, shape: tuple[int, ...]) -> str | None:
    """Why an analytic gradient cannot be compared with one of ``shape``, or ``None``."""
    if analytic.shape != shape:
        return (
            f"the analytic gradient has shape {analytic.shape}, but the argument has shape "
            f"{shape}: a gradient must have exactly the shape of its argument (no broadcasting)"
        )
    if analytic.dtype.kind not in "biuf":
        return f"the analytic gradient must be a real array, got dtype {analytic.dtype}"
    idx = first_nonfinite(analytic)
    if idx is not None:
        return f"the analytic gradient is not finite: {analytic[idx]} at index {idx}"
    return None


def analytic_of(grad: Callable[..., Any], p: Prepared) -> tuple[np.ndarray, str | None]:
    """``grad(*args)`` (on copies) as an array, and why it cannot be compared (or ``None``).

    A ``grad`` that cannot be called with the arguments of ``f`` (a wrong signature) is a
    ``TypeError`` saying so, not a failed check: the check never ran.
    """
    analytic = np.asarray(call_grad(grad, copies(p.args)))
    return analytic, bad_analytic(analytic, p.x.shape)


def call_grad(grad: Callable[..., Any], args: Sequence[Any]) -> Any:
    """``grad(*args)``; a ``grad`` that cannot be called with the arguments of ``f`` (a wrong
    signature) is a ``TypeError`` saying so, not a failed check: the check never ran."""
    try:
        return grad(*args)
    except TypeError as exc:
        if _signature_mismatch(grad, len(args)):
            raise TypeError(
                f"grad cannot be called with the {len(args)} argument(s) of f ({exc}); "
                "grad must take the same arguments as f, in the same order"
            ) from exc
        raise


def _signature_mismatch(fn: Callable[..., Any], nargs: int) -> bool:
    import inspect

    try:
        inspect.signature(fn).bind(*range(nargs))
    except TypeError:
        return True
    except ValueError:  # no signature (a builtin)
        return False
    return False


def generator(rng: Any, default_seed: int = 0) -> np.random.Generator:
    """A numpy ``Generator`` from ``None`` (a fixed seed), an int seed, or a ``Generator``."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(default_seed if rng is None else rng)
