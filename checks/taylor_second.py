r"""The Taylor test one order up: a gradient and a Hessian together, along one direction.

The remainder (:func:`taylor_test_hessian`)

.. math::

    r(h) = |f(x + h v) - f(x) - h \langle g, v \rangle - \tfrac{h^2}{2} v^T A v|

shrinks like ``h^3`` when ``g`` and ``A`` are right along ``v``, like ``h^2`` when only ``A``
is wrong (``r ~ h^2 |v^T (A - H) v| / 2``) and like ``h`` when ``g`` is. It is
:func:`checks.taylor_test` one order up: same steps, round-off floor (plus the round-off of
the quadratic term), fit over the asymptotic regime and kink detection; it passes above order
2.5. **Sensitivity.** An error ``e = v^T (A - H) v`` makes ``r = |e h^2 / 2 + c h^3 + ...|``,
which reads as second order where ``|e| >= 6 |c| h``; with ``c = max r / h^3`` over the fitted
steps and ``h_1`` the longest of them, ``|e| >= 6 |c| h_1`` fails; so does ``|e| >= 200
|c|^(2/3) F^(1/3)`` (``F`` the floor): the error lifts ``r`` above ``100 F`` from ``h* =
sqrt(200 F / |e|)`` on, and dominates over the four fitted steps ``h* .. 10^1.5 h*`` when ``|e|
>= 6 |c| 10^1.5 h*``. With nothing fitted, ``|e| >= min_h 200 F(h) / h^2``.
``detectable = tau / (|v^T A v| - tau)``. One direction cannot see an antisymmetric error,
nor one with ``v^T E v = 0``: for a promise on every entry use :func:`checks.check_hessian`.

>>> f = lambda x: np.sum(np.exp(x))
>>> x = np.array([0.1, -0.2])
>>> taylor_test_hessian(f, np.exp, (x,), hess=lambda x: np.diag(np.exp(x))).ok
True
>>> taylor_test_hessian(f, np.exp, (x,), hess=lambda x: 2 * np.diag(np.exp(x))).ok
False
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks._args import analytic_of, closure, copies, generator, prepare
from checks._util import (
    EPS,
    NonFiniteValueError,
    as_float64,
    call_scalar,
    function_name,
    typical_scale,
)
from checks.analytic import _bad
from checks.noise import baseline
from checks.taylor import _FLOOR, _STEPS, TaylorResult, fit_remainders

__all__ = ["HessianTaylorResult", "taylor_test_hessian"]


_PASS_ORDER = 2.5


@dataclass(frozen=True)
class HessianTaylorResult(TaylorResult):
    """The outcome of :func:`taylor_test_hessian`: a :class:`checks.TaylorResult` whose
    ``order`` is that of the second-order remainder (3 when right), ``directional`` the
    analytic ``v^T A v`` and ``tau`` the smallest ``|v^T (A - H) v|`` sure to show."""

    method: str = "taylor-2"

    def __str__(self) -> str:
        head = {"pass": "Second-order Taylor test passed",
                "fail": "Second-order Taylor test FAILED",
                "inconclusive": "Second-order Taylor test INCONCLUSIVE"}[self.verdict]
        lines = [
            f"{head}: Hessian of {self.name} with respect to args[{self.argnum}], shape "
            f"{self.shape}",
            f"Observed order of the second-order remainder: {self.order:.3g} (3 for a correct "
            f"Hessian, 2 for a wrong one, 1 for a wrong gradient; pass above {_PASS_ORDER})",
        ]
        if self.reason:
            lines.append(f"Reason: {self.reason}")
        if np.isfinite(self.detectable):
            lines.append(
                f"Sensitivity: no Hessian whose relative error along v, |v^T (A - H) v| / "
                f"|v^T H v|, exceeds {self.detectable:.2g} can pass (|v^T (A - H) v| above "
                f"{self.tau:.2g} fails); errors with v^T E v = 0 (antisymmetric ones, a "
                "missing symmetrisation) are not seen: use check_hessian for those"
            )
        if self.verdict == "inconclusive":
            lines.append("Inconclusive: the remainders could not have shown even a Hessian "
                         "wrong by 100 % along v. What to try: check_hessian(...), whose error "
                         "bars are per entry, or a point where f is smooth")
        lines.append("        h   remainder r(h)   above round-off")
        for h, r, u in zip(self.steps, self.remainders, self.usable, strict=True):
            lines.append(f"  {h:7.1e}   {r:14.6e}   {'yes' if u else 'no'}")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


def _curvature(hess, hvp, p, v) -> tuple[float, float, str | None]:
    """``v^T A v``, ``sum|terms|`` of it, and why the analytic side cannot be used."""
    x = p.x
    if hess is not None:
        arr = np.asarray(hess(*copies(p.args)))
        why = _bad(arr, x.shape + x.shape, "hess(*args)", "shape + shape")
        if why is not None:
            return float("nan"), float("nan"), why
        mat = arr.reshape(x.size, x.size).astype(float)
        vf = v.ravel()
        return float(vf @ mat @ vf), float(np.abs(vf) @ np.abs(mat) @ np.abs(vf)), None
    arr = np.asarray(hvp(v.copy(), *copies(p.args)))
    why = _bad(arr, x.shape, "hvp(v, *args)", "the argument's shape")
    if why is not None:
        return float("nan"), float("nan"), why
    return float(np.sum(v * arr)), float(np.sum(np.abs(v * arr))), None


def taylor_test_hessian(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    args: Sequence[Any],
    *,
    hess: Callable[..., Any] | None = None,
    hvp: Callable[..., Any] | None = None,
    argnum: int = 0,
    direction: Any = None,
    rng: Any = None,
) -> HessianTaylorResult:
    """Check a Hessian (with its gradient) by the order of the second-order Taylor remainder.

    Parameters
    ----------
    f, grad, args, argnum
        As in :func:`checks.taylor_test`.
    hess, hvp : callable
        Exactly one: ``hess(*args)`` of shape ``x.shape + x.shape``, or
        ``hvp(v, *args)`` of the shape of ``x``.
    direction, rng
        As in :func:`checks.taylor_test`.

    Returns
    -------
    HessianTaylorResult
        ``order`` about 3 when ``grad`` and the Hessian are right along ``v``, 2 when the
        Hessian is wrong, 1 when the gradient is; pass above 2.5 (module docstring).

    Examples
    --------
    >>> f, g = lambda w: np.sum(w**4), lambda w: 4 * w**3
    >>> taylor_test_hessian(f, g, (np.ones(3),), hess=lambda w: np.diag(12 * w**2)).ok
    True
    >>> taylor_test_hessian(f, g, (np.ones(3),), hvp=lambda v, w: 6 * w**2 * v).ok
    False
    """
    if (hess is None) == (hvp is None):
        raise ValueError("give exactly one of hess= (hess(*args), shape x.shape + x.shape) and "
                         "hvp= (hvp(v, *args), shape x.shape)")
    p = prepare(args, argnum)
    x = p.x
    if direction is not None:
        v, _ = as_float64("direction", direction)
        if v.shape != x.shape:
            raise ValueError(f"direction must have shape {x.shape}, got {v.shape}")
        if not np.any(v):
            raise ValueError("direction must be non-zero: the remainder along 0 is always 0")
    else:
        v = generator(rng).standard_normal(x.shape)
    notes: tuple[str, ...] = (p.note,) if p.note else ()
    meta = dict(name=function_name(f), argnum=p.argnum, shape=x.shape)
    empty = np.empty(0)
    v = v * (typical_scale(x) / typical_scale(v))
    g, why = analytic_of(grad, p)
    hv, hv_bound = float("nan"), float("nan")
    if why is None:
        hv, hv_bound, why = _curvature(hess, hvp, p, v)
    if why is not None:
        return HessianTaylorResult(False, float("nan"), empty, empty, empty.astype(bool), empty,
                                   float("nan"), reason=why, notes=notes, **meta)
    fx = closure(f, p)
    base = baseline(fx, x, False)
    notes += base.notes
    f0 = base.f0
    noise = max(EPS * abs(f0), base.noise)
    gv, gv_bound = float(np.sum(g * v)), float(np.sum(np.abs(g * v)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        values = np.array([call_scalar(fx, x + h * v, "x + h v", False, finite=False)
                           for h in _STEPS])
    inside = np.isfinite(values)
    if not inside.any():
        raise NonFiniteValueError(
            f"f is not finite at x + h v for every step h from {_STEPS[0]:g} down to "
            f"{_STEPS[-1]:g}: x is on the edge of f's domain along v"
        )
    if not inside.all():
        notes += (f"f is not finite at x + h v for {int(np.sum(~inside))} of the "
                  f"{_STEPS.size} steps (longest {float(_STEPS[~inside][0]):.2g}); they were "
                  "skipped",)
    values = np.where(inside, values, f0)
    model = f0 + _STEPS * gv + 0.5 * _STEPS**2 * hv
    remainders = np.where(inside, np.abs(values - model), 0.0)
    floor = (2 * np.maximum(noise, EPS * np.abs(values))
             + np.sqrt(x.size) * EPS * (_STEPS * gv_bound + 0.5 * _STEPS**2 * hv_bound))
    result = _fit(remainders, floor, inside)
    detectable = (result["tau"] / (abs(hv) - result["tau"]) if abs(hv) > result["tau"]
                  else float("inf"))
    verdict, reason = result["verdict"], result["reason"]
    if verdict == "pass" and detectable >= 1.0:
        verdict = "inconclusive"
        reason = "the remainders could not have shown a gross error along v"
    return HessianTaylorResult(
        verdict == "pass", result["order"], _STEPS.copy(), remainders, result["usable"], floor,
        hv, reason=reason, notes=notes, verdict=verdict, detectable=detectable,
        tau=result["tau"], evaluations=base.evaluations + _STEPS.size, **meta,
    )


def _fit(remainders, floor, inside) -> dict[str, Any]:
    """Order, verdict, reason, usable steps and ``tau`` of the remainders (module docstring;
    the fit is :func:`checks.taylor.fit_remainders`, shared with the first-order test)."""
    usable, tail, order, collapse = fit_remainders(remainders, floor, inside)
    tau = float(np.min(2.0 * _FLOOR * floor / _STEPS**2))
    verdict, reason = "pass", None
    if tail is None:
        reason = ("no remainder rose above round-off: consistent with an exact second-order "
                  "expansion along this direction")
    else:
        cubic = float(np.max(remainders[tail] / _STEPS[tail] ** 3))
        tau = min(6.0 * cubic * float(_STEPS[tail[0]]),
                  2.0 * _FLOOR * cubic ** (2.0 / 3.0) * float(np.min(floor)) ** (1.0 / 3.0))
        if tail.size == 1:
            reason = ("only one remainder rose above round-off: no evidence of a second-order "
                      "error (the order cannot be measured)")
        else:
            if order <= _PASS_ORDER:
                verdict = "fail"
                reason = (f"the remainder shrinks like h^{order:.2g}, not h^3: " + (
                    "the gradient is wrong along this direction (check it with taylor_test)"
                    if order <= 1.5 else "the Hessian is wrong along this direction"))
            if collapse is not None:
                verdict = "inconclusive"
                reason = (
                    f"the remainder collapses below step {_STEPS[tail[-1]]:.2g} (to "
                    f"{collapse[0]:.2g}, against {collapse[1]:.2g} on the fitted "
                    f"h^{order:.2g}): f is not smooth along v within that distance of x "
                    "(a kink), so the order says nothing about the Hessian"
                )
    return dict(order=order, verdict=verdict, reason=reason, usable=usable, tau=tau)
