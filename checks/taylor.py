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

**Sensitivity.** An order above 1.5 does not mean every error would have shown: an error ``e
= <a - g, v>`` along ``v`` makes the remainder ``|h e + c h^2 + ...|``, which only looks
first-order where ``|e| >= |c| h``. With ``c`` estimated from the fitted remainders (``max
r(h) / h^2``) and ``h_1`` the longest fitted step, ``|e| >= 3 |c| h_1`` dominates at every
fitted step and fails, and so does ``|e| >= 100 sqrt(|c| floor)``, which lifts the
remainders above the floor at steps short enough for it to dominate; with nothing fitted, an
error must lift ``r`` above 100 times the floor at some step: ``|e| >= min_h 100 floor(h) /
h``. That bound ``tau`` is the test's promise along ``v``: ``detectable = tau / (|<a, v>| -
tau)`` bounds the relative error along the direction, ``|<a - g, v>| / |<g, v>|``, of any
gradient that passes (an error orthogonal to ``v`` is invisible to one direction: for a
promise on every entry use :func:`checks.check_gradient`). When it is ``>= 1`` the verdict
is ``"inconclusive"``: the remainders could not have shown even a gross error (``f = 10^6 +
|x|^2``, whose round-off hides the first-order term).

**The asymptotic regime.** The order is fitted over the shortest usable steps (at most four),
and only over those where the remainder follows one power law: while the local order of the
longest pair, ``log(r_1 / r_2) / log(h_1 / h_2)``, differs from the shortest pair's by more
than 0.5, the longest step is dropped (:func:`asymptotic_tail`). The higher-order terms of
the remainder can cancel near one step: ``c_3 h^3 + c_4 h^4`` vanishes at ``h = -c_3 / c_4``,
and a fit across that dip read a right Hessian's ``h^3`` as ``h^2.1``. As ``h -> 0`` the
lowest order dominates, so the shortest pair decides: an error shows at the shortest steps
(where ``e h`` dominates ``c h^2``), and is never dropped.

**Off the smooth path.** Steps where ``f`` is not finite (``x + h v`` outside its domain)
are skipped and noted. A remainder that collapses below the fitted law at the next shorter
step (to a thirtieth of the prediction, where the prediction stands 1000 times above the
floor) means the fitted steps crossed a kink that the shorter ones do not: ``f`` is
piecewise smooth along ``v`` there, the order measures the kink and not the gradient, and
the verdict is ``"inconclusive"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from checks._args import analytic_of, closure, generator, prepare
from checks._util import (
    EPS,
    NonFiniteValueError,
    as_float64,
    call_scalar,
    function_name,
    typical_scale,
)
from checks.noise import baseline

__all__ = ["TaylorResult", "taylor_test"]

_STEPS = 0.1 * 10.0 ** (-np.arange(19) / 2.0)  # 1e-1 ... 1e-10, relative to the scale of x
_FLOOR = 100.0  # a remainder counts when it is this many times above the round-off floor
_FIT_POINTS = 4
#: The longest fitted steps are dropped while the local order of the longest pair differs from
#: the shortest pair's by more than this: they are not yet in the asymptotic regime.
_REGIME = 0.5
_PASS_ORDER = 1.5
_COLLAPSE = 30.0


@dataclass(frozen=True)
class TaylorResult:
    """The outcome of :func:`taylor_test`.

    Attributes
    ----------
    ok : bool
        ``verdict == "pass"``.
    verdict : str
        ``"fail"`` when the observed order is 1.5 or less (or the gradient is unusable);
        otherwise ``"pass"`` when ``detectable < 1`` and ``"inconclusive"`` when not.
    detectable : float
        No gradient whose relative error along ``v``, ``|<a - g, v>| / |<g, v>|``, exceeds
        it passes.
    tau : float
        The smallest ``|<a - g, v>|`` the remainders were sure to show.
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
    verdict: str = "fail"
    detectable: float = float("inf")
    tau: float = float("inf")
    evaluations: int = 0

    def __bool__(self) -> bool:
        raise TypeError("use `.ok` (or assert_gradient) rather than the truth of the result")

    @property
    def conclusive(self) -> bool:
        """``verdict != "inconclusive"``."""
        return self.verdict != "inconclusive"

    def __str__(self) -> str:
        head = {"pass": "Taylor test passed", "fail": "Taylor test FAILED",
                "inconclusive": "Taylor test INCONCLUSIVE"}[self.verdict]
        lines = [
            f"{head}: gradient of {self.name} with respect to args[{self.argnum}], "
            f"shape {self.shape}",
            f"Observed order of the first-order remainder: {self.order:.3g} "
            f"(2 for a correct gradient, 1 for a wrong one; pass above {_PASS_ORDER})",
        ]
        if self.reason:
            lines.append(f"Reason: {self.reason}")
        if np.isfinite(self.detectable):
            lines.append(
                f"Sensitivity: no gradient whose relative error along v, |<a - g, v>| / "
                f"|<g, v>|, exceeds {self.detectable:.2g} can pass (|<a - g, v>| above "
                f"{self.tau:.2g} fails); errors orthogonal to v are not seen"
            )
        if self.verdict == "inconclusive":
            lines.append(
                "Inconclusive: the remainders could not have shown even a gradient wrong by "
                "100 % along v. What to try: check_gradient(..., mode='full'), whose error "
                "bars are per entry, or a point where f is smooth and not dominated by a "
                "constant"
            )
        lines.append("        h   remainder r(h)   above round-off")
        for h, r, u in zip(self.steps, self.remainders, self.usable, strict=True):
            lines.append(f"  {h:7.1e}   {r:14.6e}   {'yes' if u else 'no'}")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


def asymptotic_tail(tail: np.ndarray, remainders: np.ndarray) -> np.ndarray:
    """The fitted steps (indices into :data:`_STEPS`, longest first) in the asymptotic regime.

    The longest is dropped while the local order of the longest pair differs from the
    shortest pair's by more than :data:`_REGIME` (module docstring); two steps always remain.

    >>> r = np.abs(_STEPS[:4] ** 3 - 25.0 * _STEPS[:4] ** 4)   # c_3 h^3 + c_4 h^4 cancel at 0.04
    >>> asymptotic_tail(np.arange(4), r)   # local orders 4.7, 1.9, 2.8: 0.1 and 0.032 dropped
    array([2, 3])
    >>> asymptotic_tail(np.arange(4), _STEPS[:4] ** 2)
    array([0, 1, 2, 3])
    """
    tail = np.asarray(tail)
    while tail.size > 2:
        local = np.diff(np.log(remainders[tail])) / np.diff(np.log(_STEPS[tail]))
        if abs(local[0] - local[-1]) <= _REGIME:
            break
        tail = tail[1:]
    return tail


def fit_remainders(remainders: np.ndarray, floor: np.ndarray, inside: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray | None, float, tuple[float, float] | None]:
    """What the remainders of a Taylor test show, for both orders: ``(usable, tail, order,
    collapse)``.

    ``usable``: the steps more than ``_FLOOR`` times above the floor. ``tail``: the fitted
    steps -- the last :data:`_FIT_POINTS` usable ones (those 10 times above the floor when
    only one is usable) in the asymptotic regime (:func:`asymptotic_tail`) -- or ``None``
    when no remainder rose. ``order``: the slope of ``log r`` against ``log h`` over the tail
    (``nan`` for a single step). ``collapse``: ``(r, predicted)`` at the next shorter step
    where the remainder falls below a thirtieth of the fitted law standing 1000 times above
    the floor (a kink within the fitted steps), else ``None``.
    """
    usable = inside & (remainders > _FLOOR * floor)
    idx = np.flatnonzero(usable)
    if idx.size == 0:
        return usable, None, float("nan"), None
    if idx.size == 1:
        # one remainder above the floor cannot give an order; look at those 10x above it
        idx = np.flatnonzero(inside & (remainders > _FLOOR / 10.0 * floor))
    tail = asymptotic_tail(idx[-_FIT_POINTS:], remainders)
    if tail.size == 1:
        return usable, tail, float("nan"), None
    coef = np.polyfit(np.log(_STEPS[tail]), np.log(remainders[tail]), 1)
    below = int(tail[-1]) + 1
    collapse = None
    if below < _STEPS.size and inside[below]:
        predicted = float(np.exp(np.polyval(coef, np.log(_STEPS[below]))))
        if (predicted > 10.0 * _FLOOR * floor[below]
                and remainders[below] < predicted / _COLLAPSE):
            collapse = (float(remainders[below]), predicted)
    return usable, tail, float(coef[0]), collapse


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
    p = prepare(args, argnum)
    x = p.x
    given = direction is not None
    if given:
        v, _ = as_float64("direction", direction)
        if v.shape != x.shape:
            raise ValueError(f"direction must have shape {x.shape}, got {v.shape}")
        if not np.any(v):
            raise ValueError("direction must be non-zero: the remainder along 0 is always 0")
    else:
        v = generator(rng).standard_normal(x.shape)
    notes: tuple[str, ...] = (p.note,) if p.note else ()
    meta = dict(name=function_name(f), argnum=p.argnum, shape=x.shape)
    g, why = analytic_of(grad, p)
    empty = np.empty(0)
    if why is not None:
        return TaylorResult(False, float("nan"), empty, empty, empty.astype(bool), empty,
                            float("nan"), reason=why, notes=notes, **meta)
    unit = typical_scale(x) / typical_scale(v)
    v = v * unit
    fx = closure(f, p)
    base = baseline(fx, x, False)
    notes += base.notes
    f0 = base.f0
    noise = max(EPS * abs(f0), base.noise)
    gv = float(np.sum(g * v))
    gv_bound = float(np.sum(np.abs(g * v)))
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
    remainders = np.where(inside, np.abs(values - f0 - _STEPS * gv), 0.0)
    floor = (
        2 * np.maximum(noise, EPS * np.abs(values))
        + np.sqrt(x.size) * EPS * _STEPS * gv_bound
    )
    usable, tail, order, collapse = fit_remainders(remainders, floor, inside)
    # the smallest first-order error the remainders were sure to show (module docstring)
    tau = float(np.min(_FLOOR * floor / _STEPS))
    evaluations = base.evaluations + _STEPS.size
    failed = collapsed = False
    if tail is None:
        reason = ("no remainder rose above round-off: consistent with an exact gradient along "
                  "this direction")
    else:
        curvature = float(np.max(remainders[tail] / _STEPS[tail] ** 2))
        # the error must dominate c h^2 over the fitted steps, or lift the remainders above
        # the floor at steps so short that it dominates there (|e| >= 100 sqrt(c floor))
        tau = min(3.0 * curvature * float(_STEPS[tail[0]]),
                  _FLOOR * float(np.sqrt(curvature) * np.sqrt(np.min(floor))))
        if tail.size == 1:
            # Only the largest step shows a remainder (> 100x the floor) and the next one is
            # below 10x the floor: r fell more than 10-fold over half a decade of h, an order
            # above 2. A first-order remainder would only have fallen 3.2-fold and been fitted.
            reason = (
                "only one remainder rose above round-off: no evidence of a first-order error "
                "(the order cannot be measured)"
            )
        else:
            failed = order <= _PASS_ORDER
            reason = (
                f"the remainder shrinks like h^{order:.2g}, not h^2: the gradient is wrong "
                "along this direction" if failed else None
            )
            if collapse is not None:
                failed, collapsed = False, True
                reason = (
                    f"the remainder collapses below step {_STEPS[tail[-1]]:.2g} (to "
                    f"{collapse[0]:.2g}, against {collapse[1]:.2g} on the fitted "
                    f"h^{order:.2g}): f is not smooth along v within that distance of x "
                    "(a kink), so the order says nothing about the gradient"
                )
    along = abs(gv)
    detectable = tau / (along - tau) if along > tau else float("inf")
    if failed:
        verdict = "fail"
    elif collapsed or detectable >= 1.0:
        verdict = "inconclusive"
        if not collapsed:
            reason = "the remainders could not have shown a gross error along v"
    else:
        verdict = "pass"
    return TaylorResult(verdict == "pass", order, _STEPS.copy(), remainders, usable, floor, gv,
                        reason=reason, notes=notes, verdict=verdict, detectable=detectable,
                        tau=tau, evaluations=evaluations, **meta)
