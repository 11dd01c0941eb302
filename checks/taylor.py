r"""The Taylor-remainder test: a gradient check with no step and no tolerance to choose.

For a smooth ``f`` and a direction ``v``, the first-order remainder

.. math::

    r(h) = |f(x + h v) - f(x) - h \langle g, v \rangle|

shrinks like ``h^2`` when ``g`` is the gradient, and like ``h`` when it is not (then
``r(h) ~ h |<g - \nabla f, v>|``). The test evaluates ``r`` on a geometric sequence of ``h``
(``1e-1`` down to ``1e-10`` times the scale of ``x``, half a decade apart), keeps the
remainders that stand at least 100 times above the round-off floor of ``f``, and fits the slope
of ``log r`` against ``log h`` over the smallest four of them: the observed order. The gradient
passes when the order exceeds 1.5; when no remainder rises above the floor (``f`` linear along
``v``, or ``g`` exact to round-off) it passes with the order reported as ``nan``. When only one
does, those 10 times above the floor are fitted; if still one, it passes with order ``nan``: a
first-order error would have shown at the next step as well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from checks._util import (
    EPS,
    as_float64,
    call_scalar,
    function_name,
    typical_scale,
    validate_argnum,
)
from checks.differences import _noise_level

__all__ = ["TaylorResult", "taylor_test"]

_STEPS = 0.1 * 10.0 ** (-np.arange(19) / 2.0)  # 1e-1 ... 1e-10, relative to the scale of x
_FLOOR = 100.0  # a remainder counts when it is this many times above the round-off floor
_FIT_POINTS = 4
_PASS_ORDER = 1.5


@dataclass(frozen=True)
class TaylorResult:
    """The outcome of :func:`taylor_test`.

    Attributes
    ----------
    ok : bool
        The observed order exceeds 1.5, or no remainder rose above round-off.
    order : float
        Slope of ``log r(h)`` vs ``log h`` at the smallest usable steps (``nan`` if none).
    steps, remainders : ndarray
        ``h`` (in units of the scaled direction) and ``r(h)``.
    usable : ndarray of bool
        Which remainders stood above the round-off floor ``floor``.
    """

    ok: bool
    order: float
    steps: np.ndarray
    remainders: np.ndarray
    usable: np.ndarray
    floor: np.ndarray
    directional: float
    name: str = "f"
    argnum: int = 0
    shape: tuple[int, ...] = ()
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())
    method: str = "taylor"

    def __bool__(self) -> bool:
        raise TypeError("use `.ok` (or assert_gradient) rather than the truth of the result")

    def __str__(self) -> str:
        head = "Taylor test passed" if self.ok else "Taylor test FAILED"
        lines = [
            f"{head}: gradient of {self.name} with respect to args[{self.argnum}], "
            f"shape {self.shape}",
            f"Observed order of the first-order remainder: {self.order:.3g} "
            f"(2 for a correct gradient, 1 for a wrong one; pass above {_PASS_ORDER})",
        ]
        if self.reason:
            lines.append(f"Reason: {self.reason}")
        lines.append("        h   remainder r(h)   above round-off")
        for h, r, u in zip(self.steps, self.remainders, self.usable, strict=True):
            lines.append(f"  {h:7.1e}   {r:14.6e}   {'yes' if u else 'no'}")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


def taylor_test(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    direction: Any = None,
    rng: Any = None,
) -> TaylorResult:
    """Check ``grad`` by the convergence order of the first-order Taylor remainder.

    Parameters
    ----------
    f, grad, args, argnum
        As in :func:`checks.check_gradient`.
    direction : array_like, optional
        The direction ``v`` (shape of ``args[argnum]``); default a random normal one.
    rng : numpy Generator or int, optional
        Source of the random direction (default: a fixed seed).

    Returns
    -------
    TaylorResult

    Examples
    --------
    >>> taylor_test(lambda w: np.sum(w**3), lambda w: 3 * w**2, (np.ones(3),)).ok
    True
    >>> taylor_test(lambda w: np.sum(w**3), lambda w: 2 * w**2, (np.ones(3),)).ok
    False
    """
    args = list(args)
    argnum = validate_argnum(argnum, len(args))
    x, note = as_float64(f"args[{argnum}]", args[argnum])
    args[argnum] = x
    notes = (note,) if note else ()
    base = dict(name=function_name(f), argnum=argnum, shape=x.shape, notes=notes)
    g = np.asarray(grad(*args))
    empty = np.empty(0)
    if g.shape != x.shape or g.dtype.kind not in "biuf" or not np.all(np.isfinite(g)):
        why = (
            f"the analytic gradient has shape {g.shape}, but the argument has shape {x.shape}"
            if g.shape != x.shape
            else "the analytic gradient is not a finite real array"
        )
        return TaylorResult(False, float("nan"), empty, empty, empty.astype(bool), empty,
                            float("nan"), reason=why, **base)
    if direction is None:
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
            0 if rng is None else rng
        )
        v = gen.standard_normal(x.shape)
    else:
        v, _ = as_float64("direction", direction)
        if v.shape != x.shape:
            raise ValueError(f"direction must have shape {x.shape}, got {v.shape}")
    v = v * (typical_scale(x) / typical_scale(v))

    def fx(point: np.ndarray) -> float:
        return call_scalar(lambda p: f(*args[:argnum], p, *args[argnum + 1 :]), point,
                           "x + h v", False)

    f0 = fx(x)
    noise = max(EPS * abs(f0), _noise_level(fx, x, f0, False))
    gv = float(np.sum(g * v))
    gv_bound = float(np.sum(np.abs(g * v)))
    values = np.array([fx(x + h * v) for h in _STEPS])
    remainders = np.abs(values - f0 - _STEPS * gv)
    floor = (
        2 * np.maximum(noise, EPS * np.abs(values))
        + np.sqrt(x.size) * EPS * _STEPS * gv_bound
    )
    usable = remainders > _FLOOR * floor
    idx = np.flatnonzero(usable)
    if idx.size == 0:
        return TaylorResult(True, float("nan"), _STEPS.copy(), remainders, usable, floor, gv,
                            reason="no remainder rose above round-off: consistent with an "
                            "exact gradient along this direction", **base)
    if idx.size == 1:
        # one remainder above the floor cannot give an order; look at those 10x above it
        idx = np.flatnonzero(remainders > _FLOOR / 10.0 * floor)
    tail = idx[-_FIT_POINTS:]
    if tail.size == 1:
        # Only the largest step shows a remainder (> 100x the floor) and the next one is below
        # 10x the floor: r fell more than 10-fold over half a decade of h, an order above 2.
        # A first-order remainder would only have fallen 3.2-fold and been fitted.
        order = float("nan")
        ok = True
        reason = (
            "only one remainder rose above round-off: no evidence of a first-order error "
            "(the order cannot be measured)"
        )
    else:
        slope = np.polyfit(np.log(_STEPS[tail]), np.log(remainders[tail]), 1)[0]
        order = float(slope)
        ok = order > _PASS_ORDER
        reason = None if ok else (
            f"the remainder shrinks like h^{order:.2g}, not h^2: the gradient is wrong along "
            "this direction"
        )
    return TaylorResult(ok, order, _STEPS.copy(), remainders, usable, floor, gv,
                        reason=reason, **base)
