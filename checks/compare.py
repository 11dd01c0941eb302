r"""Compare an analytic gradient with a numerical one: the verdict rule, written once.

The criterion, entry by entry, is

.. math::

    |a_k - n_k| \le \text{atol} + \text{safety} \cdot e_k + \text{rtol} \cdot |n_k|

where ``a`` is the analytic gradient, ``n`` the numerical one and ``e_k`` the error estimate of
the finite difference at entry ``k`` (:class:`checks.differences.Estimate`). Defaults:
``safety = 10`` (the estimate is an order-of-magnitude bound, measured to be within a factor
of about 1 of the true error on smooth functions), ``rtol = 1e-8`` (a floor 100x below the
sensitivity target of a relative 1e-6) and ``atol = 0``. No term is scaled by the array
size, and no absolute constant enters by default, so multiplying every input by ``s``
changes no verdict: all three terms scale like the gradient. A zero gradient compared with
zero passes (``0 <= 0``); nothing is divided.

``max_rel_error`` is ``max|a - n| / max|n|`` (the error relative to the largest entry, as
``PEERS.md`` measures accuracy), 0 when both are zero and ``inf`` when only ``n`` is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from checks._util import (
    as_float64,
    first_nonfinite,
    function_name,
    validate_argnum,
    validate_method,
)
from checks.differences import (
    STEP_FACTORS,
    directional_derivatives,
    estimate_gradient,
)

__all__ = [
    "DEFAULT_RTOL",
    "DEFAULT_SAFETY",
    "GradientCheck",
    "check_gradient",
    "assert_gradient",
]

DEFAULT_RTOL = 1e-8
DEFAULT_SAFETY = 10.0
DEFAULT_DIRECTIONS = 2
_MODES = ("full", "directional", "taylor")


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of :func:`check_gradient`.

    In ``"full"`` mode the arrays have the shape of the differentiated argument; in
    ``"directional"`` mode they are indexed by direction: ``analytic[j] = <grad, v_j>`` and
    ``numerical[j]`` the finite-difference derivative along ``v_j``.
    """

    ok: bool
    analytic: np.ndarray
    numerical: np.ndarray | None
    error: np.ndarray | None
    tolerance: np.ndarray | None
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple[int, ...] | None
    mismatched: int
    method: str
    mode: str
    rtol: float
    atol: Any
    safety: float
    evaluations: int
    name: str = "f"
    argnum: int = 0
    shape: tuple[int, ...] = ()
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())
    step: float | None = None

    @property
    def detectable(self) -> float:
        """The smallest relative error this check can see: ``min_k tolerance_k / |numerical_k|``.

        An analytic gradient wrong by a relative ``e`` (``a = g (1 + e)``) fails when ``e``
        exceeds this at some entry. ``inf`` when every numerical entry is 0. Where the
        gradient is below the resolution of finite differences of ``f`` (e.g. ``e^{-100}``
        behind a saturated sigmoid) it is ``>= 1``: the check is then inconclusive, and
        ``ok`` only says "no evidence of an error".
        """
        if self.numerical is None or self.tolerance is None:
            return float("inf")
        n = np.abs(self.numerical)
        nonzero = n > 0
        if not nonzero.any():
            return float("inf")
        return float(np.min(np.broadcast_to(self.tolerance, n.shape)[nonzero] / n[nonzero]))

    @property
    def conclusive(self) -> bool:
        """The finite difference resolves the gradient somewhere: ``detectable < 1``."""
        return self.detectable < 1.0

    def __bool__(self) -> bool:
        # `assert check_gradient(...)` would always pass on a truthy object: refuse it.
        raise TypeError("use `.ok` (or assert_gradient) rather than the truth of the result")

    def __str__(self) -> str:
        return _report(self)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _atol_text(atol: Any) -> str:
    if np.ndim(atol) == 0:
        return f"{float(atol):g}"
    return f"per entry (max {float(np.max(atol)):g})"


def _report(r: GradientCheck) -> str:
    head = "Gradient check passed" if r.ok else "Gradient check FAILED"
    what = "directional derivatives" if r.mode == "directional" else "gradient"
    lines = [f"{head}: {what} of {r.name} with respect to args[{r.argnum}], shape {r.shape}"]
    if r.reason:
        lines.append(f"Reason: {r.reason}")
    step = "" if r.step is None else f", step factor {r.step:.3g} * max(|x_k|, rms(x))"
    lines.append(f"Method: {r.method} ({r.mode} mode){step}, {r.evaluations} evaluations of f")
    lines.append(
        f"Tolerance: |analytic - numerical| <= atol + safety * error_estimate + rtol * "
        f"|numerical|, atol={_atol_text(r.atol)}, safety={r.safety:g}, rtol={r.rtol:g}"
    )
    if r.numerical is not None and r.tolerance is not None:
        if r.conclusive:
            lines.append(
                f"Sensitivity: an analytic gradient wrong by a relative {r.detectable:.2g} or "
                "more would fail"
            )
        elif r.ok:
            lines.append(
                "Inconclusive: no entry of the numerical gradient exceeds its tolerance; the "
                "gradient is below the resolution of finite differences of f here"
            )
    if r.numerical is not None and r.tolerance is not None:
        total = r.analytic.size
        pct = 100.0 * r.mismatched / total if total else 0.0
        lines.append(f"Mismatched elements: {r.mismatched} / {total} ({pct:.3g}%)")
        lines.append(f"Max absolute difference: {_fmt(r.max_abs_error)}")
        lines.append(f"Max relative difference (to max |numerical|): {_fmt(r.max_rel_error)}")
        if r.worst_index is not None:
            i = r.worst_index
            label = f"direction {i[0]}" if r.mode == "directional" else f"entry {i}"
            lines.append(
                f"Worst {label}: analytic {_fmt(float(r.analytic[i]))}, numerical "
                f"{_fmt(float(r.numerical[i]))}, |diff| "
                f"{_fmt(abs(float(r.analytic[i] - r.numerical[i])))}, tolerance "
                f"{_fmt(float(r.tolerance[i]))} (error estimate {_fmt(float(r.error[i]))})"
            )
        with np.printoptions(precision=8, threshold=64, edgeitems=3, linewidth=100):
            lines.append(f" ANALYTIC: {np.array2string(r.analytic, prefix=' ANALYTIC: ')}")
            lines.append(f" NUMERICAL: {np.array2string(r.numerical, prefix=' NUMERICAL: ')}")
    for note in r.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def _verdict(analytic, numerical, error, *, rtol, atol, safety):
    """The comparison rule of the module docstring; returns the per-entry arrays and figures."""
    diff = np.abs(analytic - numerical)
    tol = atol + safety * error + rtol * np.abs(numerical)
    bad = diff > tol
    max_abs = float(diff.max(initial=0.0))
    scale = float(np.abs(numerical).max(initial=0.0))
    if scale > 0.0:
        max_rel = max_abs / scale
    else:
        max_rel = 0.0 if max_abs == 0.0 else float("inf")
    if diff.size == 0:
        worst = None
    else:
        # the entry that exceeds its tolerance the most (or comes closest to it)
        ratio = np.where(tol > 0, diff / np.where(tol > 0, tol, 1.0), np.where(diff > 0, np.inf, 0))
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), diff.shape))
    return tol, int(bad.sum()), max_abs, max_rel, worst


def _closure(f, args, argnum):
    before, after = tuple(args[:argnum]), tuple(args[argnum + 1 :])
    return lambda v: f(*before, v, *after)


def check_gradient(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "full",
    rtol: float | None = None,
    atol: float | None = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
    vectorized: bool = False,
) -> Any:
    r"""Compare ``grad(*args)`` with the numerical gradient of ``f(*args)`` w.r.t. one argument.

    Parameters
    ----------
    f : callable
        The scalar function, ``f(*args) -> float``.
    grad : callable
        The analytic gradient, ``grad(*args)``, which must return an array of exactly the
        shape of ``args[argnum]`` (no broadcasting, no transposed layout).
    args : sequence
        The point. ``args[argnum]`` is converted to float64 (noted in the report).
    argnum : int, default 0
        Which argument is differentiated.
    method : {"richardson", "central", "forward", "complex"}, default "richardson"
        The finite-difference scheme (see :mod:`checks.differences`).
    mode : {"full", "directional", "taylor"}, default "full"
        ``"full"`` compares every entry (``6n + 17`` evaluations with Richardson);
        ``"directional"`` compares ``<grad, v_j>`` with the derivative along ``directions``
        random ``v_j`` (``6K + 17`` evaluations with Richardson, whatever ``n``); ``"taylor"`` runs
        :func:`checks.taylor.taylor_test` and returns its :class:`~checks.taylor.TaylorResult`.
    rtol, atol, safety : float, optional
        Terms of the criterion ``|a - n| <= atol + safety * e + rtol * |n|``; defaults
        ``1e-8``, ``0`` and ``10`` (see the module docstring). In full mode ``atol`` may be
        an array of the argument's shape: a per-entry bound on the analytic side's own
        round-off, e.g. for a gradient recovered from an update ``(w - w_new) / lr``.
    step : float or ndarray, optional
        Absolute finite-difference step (default: scale-invariant, per method).
    directions : int, optional
        Number of random directions in ``"directional"`` mode (default 2).
    rng : numpy Generator or int, optional
        Source of the random directions (default: a fixed seed, so checks are reproducible).
    vectorized : bool, default False
        ``f`` accepts a leading batch axis on ``args[argnum]`` (see
        :func:`checks.differences.estimate_gradient`).

    Returns
    -------
    GradientCheck
        ``.ok``, ``.max_abs_error``, ``.max_rel_error``, ``.worst_index``, ``.analytic``,
        ``.numerical``, ``.error``, ``.tolerance``, ``.method`` and a readable ``str()``.

    Raises
    ------
    ValueError
        Unknown method or mode, ``argnum`` out of range, non-finite ``args[argnum]``, ``f``
        not scalar or not finite near the point. (A wrongly shaped or non-finite analytic
        gradient is a failed check, not an exception.)

    Examples
    --------
    >>> r = check_gradient(lambda X: np.trace(X @ X), lambda X: 2 * X.T, (np.eye(2) + 1,))
    >>> r.ok
    True
    """
    validate_method(method)
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _MODES))}; got {mode!r}")
    args = list(args)
    argnum = validate_argnum(argnum, len(args))
    if mode == "taylor":
        from checks.taylor import taylor_test

        return taylor_test(f, grad, args, argnum=argnum, rng=rng)
    x, note = as_float64(f"args[{argnum}]", args[argnum])
    args[argnum] = x
    rtol = DEFAULT_RTOL if rtol is None else float(rtol)
    safety = DEFAULT_SAFETY if safety is None else float(safety)
    atol = _validate_atol(atol, x.shape, mode)
    for label, value in (("rtol", rtol), ("safety", safety)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be finite and >= 0, got {value!r}")
    common = dict(
        method=method, mode=mode, rtol=rtol, atol=atol, safety=safety, name=function_name(f),
        argnum=argnum, shape=x.shape, notes=(note,) if note else (),
        step=STEP_FACTORS[method] if step is None else None,
    )
    analytic = np.asarray(grad(*args))
    failure = _bad_analytic(analytic, x.shape)
    fx = _closure(f, args, argnum)
    if mode == "full":
        est = estimate_gradient(fx, x, method=method, step=step, vectorized=vectorized)
        numerical, error, evals, a = est.value, est.error, est.evaluations, analytic
    else:
        numerical, error, evals, a = _directional(
            fx, x, analytic if failure is None else None, method, step, directions, rng, vectorized
        )
    if failure is not None:
        return GradientCheck(
            ok=False, analytic=analytic, numerical=numerical, error=error, tolerance=None,
            max_abs_error=float("nan"), max_rel_error=float("nan"), worst_index=None,
            mismatched=int(np.size(numerical)), evaluations=evals, reason=failure, **common,
        )
    tol, mismatched, max_abs, max_rel, worst = _verdict(
        a, numerical, error, rtol=rtol, atol=atol, safety=safety
    )
    reason = None
    if mismatched:
        reason = (
            f"{mismatched} of {np.size(a)} "
            f"{'directional derivatives' if mode == 'directional' else 'entries'} differ by "
            "more than the tolerance"
        )
    return GradientCheck(
        ok=mismatched == 0, analytic=a, numerical=numerical, error=error, tolerance=tol,
        max_abs_error=max_abs, max_rel_error=max_rel, worst_index=worst, mismatched=mismatched,
        evaluations=evals, reason=reason, **common,
    )


def _validate_atol(atol: Any, shape: tuple[int, ...], mode: str) -> Any:
    """``atol`` as a float, or a per-entry array of the argument's shape (full mode only)."""
    if atol is None:
        return 0.0
    arr = np.asarray(atol, dtype=float)
    if arr.ndim and (mode != "full" or arr.shape != shape):
        raise ValueError(
            f"atol must be a scalar or (in full mode) an array of shape {shape}, "
            f"got shape {arr.shape} in {mode} mode"
        )
    if not (np.all(np.isfinite(arr)) and np.all(arr >= 0)):
        raise ValueError(f"atol must be finite and >= 0, got {atol!r}")
    return float(arr) if arr.ndim == 0 else arr


def _bad_analytic(analytic: np.ndarray, shape: tuple[int, ...]) -> str | None:
    """Why an analytic gradient cannot be compared, or ``None``."""
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


def _directional(fx, x, analytic, method, step, directions, rng, vectorized):
    """Numerical and analytic derivatives along random directions, with error bounds."""
    k = DEFAULT_DIRECTIONS if directions is None else int(directions)
    if k < 1:
        raise ValueError(f"directions must be >= 1, got {directions!r}")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
        0 if rng is None else rng
    )
    vs = gen.standard_normal((k,) + x.shape)
    est = directional_derivatives(fx, x, vs, method=method, step=step, vectorized=vectorized)
    error = np.array(est.error, dtype=float)
    a = np.full(k, np.nan)
    if analytic is not None:
        prod = analytic[None] * vs
        a = prod.reshape(k, -1).sum(axis=1)
        # round-off of each dot product itself: |error| <= sqrt(n) eps sum|a_k v_k| (typical)
        error += np.sqrt(x.size) * np.finfo(float).eps * np.abs(prod).reshape(k, -1).sum(axis=1)
    return np.asarray(est.value, dtype=float), error, est.evaluations, a


def assert_gradient(
    f: Callable[..., Any], grad: Callable[..., Any], args: Sequence[Any], **kwargs: Any
) -> Any:
    """Like :func:`check_gradient`, but raise ``AssertionError`` with the report on failure.

    Returns the result when the check passes.

    Examples
    --------
    >>> _ = assert_gradient(lambda w: w @ w, lambda w: 2 * w, (np.ones(3),))
    """
    __tracebackhide__ = True
    result = check_gradient(f, grad, args, **kwargs)
    if not result.ok:
        raise AssertionError(str(result))
    return result
