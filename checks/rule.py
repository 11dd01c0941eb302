r"""The verdict rule, written once: an analytic derivative against a numerical one, entry by entry.

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

Where ``f`` is not differentiable along an entry (a kink, :mod:`checks.ladder`), the
numerical side is the interval ``[lower_k, upper_k]`` between the one-sided derivatives and
``|a_k - n_k|`` is the distance from ``a_k`` to that interval: any value between them (any
convention for ``relu'(0)``) is right, and the report says the entry is not differentiable.

``max_rel_error`` is ``max|a - n| / max|n|`` (the error relative to the largest entry, as
the peers' accuracy is measured), 0 when both are zero and ``inf`` when only ``n`` is. Both
it and ``max_abs_error`` (and the worst entry) are over the entries that can be judged (a
finite tolerance: an entry whose estimate is no bound has an infinite one), ``nan`` where
none can.

**One verdict, three values.** ``"fail"`` when some entry breaks the rule; otherwise
``"pass"`` when the check was sharp enough to catch a gross error, and ``"inconclusive"``
when it was not: when ``detectable >= 1``, i.e. even a gradient wrong by 100 % (zero, or of
the wrong sign) could have passed, because the finite differences cannot resolve the
gradient (it is zero or below the noise of ``f``). ``ok`` is ``verdict == "pass"``.

**Sensitivity is a promise.** ``detectable`` bounds the norm-relative error
``max|a - g| / max|g|`` of any gradient ``a`` that can pass, ``g`` being the true gradient
(at a kink entry, the nearest value between the one-sided derivatives). With honest error
bars, ``|n_k - g_k| <= safety * e_k``, a passing ``a`` has
``|a_k - g_k| <= tol_k + safety * e_k``, and
``max|g| >= G = max_k (max(|lower_k|, |upper_k|) - safety * e_k)``, so

.. math::

    \text{detectable} = \max_k (\text{tol}_k + \text{safety} \cdot e_k) / G

(``inf`` when ``G <= 0``). In directional mode an error ``e`` shows only through
``<e, v_j>``; for ``v_j ~ N(0, I)`` drawn independently of it,
``P(|<e, v_j>| <= tau_j) <= sqrt(2/pi) tau_j / max|e|``, so an error with
``max|e| >= eps_min = (prod_j 0.8 tau_j / p)^(1/K)`` (``tau_j = tol_j + safety * e_j``, plus
the width of the interval where the direction crosses a kink) passes with probability at most
``p = 1e-3``; relative to ``max|g| >= max|a| - max|e|`` that is
``detectable = eps_min / (max|a| - eps_min)``, a promise that holds with probability
``1 - p`` over the random directions.

**A zero confirmed is a pass.** Where ``detectable >= 1`` because the derivative is zero, the
relative promise cannot be made, but an absolute one can: with honest bars a passing ``a``
has ``|a_k - g_k| <= B = max_k (tol_k + safety e_k + (upper_k - lower_k))``. In full mode the
check passes with that promise (:attr:`checks.GradientCheck.absolute`) when the analytic side
is exactly zero at every entry, every entry is judged, and ``B`` is at the noise floor of
``f``: at most ``1e-6`` (:data:`ZERO_FLOOR`) of the derivative's natural scale
``|f| / rms(x)^order`` (``|f|`` the largest value seen at the point and in the noise probe;
``order`` 2 for a Hessian from second differences) -- or ``B`` is below the smallest normal
float (``f`` is 0 and stands still to its last bit: ``hardsigmoid`` at -4.8). A linear
function's Hessian, ``tr(X^0)``'s gradient and a backward pass of a constant are zero, and
pass saying how small an error could have passed. A derivative below the noise but not zero
(a saturated ``tanh``) has a non-zero analytic side and stays ``"inconclusive"``, as does a
zero whose bars are not at the noise floor.

>>> one = np.array([1.0])
>>> float(_rule(np.array([1e-9]), one, one, rtol=1e-8, atol=0.0, safety=10.0)[0])
2e-08
>>> tol, mismatched, *_ = _verdict(one, one + 1e-7, np.array([1e-9]), rtol=1e-8, atol=0.0,
...                                safety=10.0)
>>> mismatched
1
"""

from __future__ import annotations

from typing import Any

import numpy as np

from checks._util import abs_max, typical_scale
from checks.ladder import JUMP, OVERFLOW, reliable

__all__ = ["DEFAULT_RTOL", "DEFAULT_SAFETY", "MISS_PROBABILITY", "UNJUDGED_CAUSES", "ZERO_FLOOR",
           "confirmed_zero", "detectable_along"]


DEFAULT_RTOL = 1e-8


DEFAULT_SAFETY = 10.0

#: A zero derivative is confirmed where its absolute promise is at most this fraction of the
#: derivative's natural scale (module docstring).
ZERO_FLOOR = 1e-6


def natural_scale(f_scale: float, x: np.ndarray, order: int = 1) -> float:
    """``|f| / rms(x)^order``, the scale of an ``order``-th derivative of ``f`` at ``x``
    (``inf`` where ``rms(x)^order`` underflows: no zero can be confirmed against it)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        value = np.float64(f_scale) / np.float64(typical_scale(x)) ** order
    return float(value) if np.isfinite(value) else float("inf")


def confirmed_zero(analytic, tol, error, safety, lower, upper, scale: float) -> float | None:
    """The absolute promise ``B`` of a derivative confirmed zero, or ``None`` (module
    docstring, "A zero confirmed is a pass")."""
    a = np.asarray(analytic)
    tol = np.broadcast_to(np.asarray(tol, dtype=float), np.shape(error))
    if a.size == 0 or np.any(a != 0) or not np.all(np.isfinite(tol)):
        return None
    width = np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)
    bound = float(np.max(tol + safety * np.asarray(error, dtype=float) + width))
    at_floor = np.isfinite(scale) and scale > 0.0 and bound <= ZERO_FLOOR * scale
    if not (at_floor or bound <= _SMALLEST_NORMAL):  # or f did not move by one normal float
        return None
    return bound


_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)


def _distance(analytic, lower, upper):
    """``|a - n|`` where ``n`` is the interval ``[lower, upper]``: 0 inside it."""
    return np.maximum(np.maximum(lower - analytic, analytic - upper), 0.0)


def _rule(error, lower, upper, *, rtol, atol, safety):
    """Each entry's tolerance ``atol + safety * e + rtol * |n|``: the module docstring's rule
    (``|n|`` the larger end of the interval at a kink)."""
    return atol + safety * error + rtol * np.maximum(np.abs(lower), np.abs(upper))


def _verdict(analytic, numerical, error, *, rtol, atol, safety, lower=None, upper=None):
    """The comparison rule of the module docstring; returns the per-entry arrays and figures."""
    lower = numerical if lower is None else lower
    upper = numerical if upper is None else upper
    tol = _rule(error, lower, upper, rtol=rtol, atol=atol, safety=safety)
    return (tol,) + _compare(analytic, numerical, tol, lower, upper)


#: The causes :func:`_unjudged` gives in its reason, each by a phrase that only it contains:
#: the reports (:mod:`checks.report`) look them up to say what to try. ``"jump"`` is a jump
#: of ``f`` (a first derivative's differences grow like ``1/h``), ``"kink"`` a jump of the
#: gradient (a second derivative's do: ``f`` has a kink).
UNJUDGED_CAUSES = {
    "jump": "f jumps",
    "kink": "the gradient jumps",
    "overflow": "the finite differences overflow",
    "nonfinite": "the finite differences or their error bars are not finite",
    "unsettled": "did not settle",
}


#: What :func:`_unjudged` and :func:`_unjudged_note` call one and several of their ``unit``
_UNIT_NAMES = {"direction": ("direction", "directions"), "entr": ("entry", "entries"),
               "pair": ("pair", "pairs")}


def _unjudged(kind, tol, unit: str = "entr", second: bool = False
              ) -> tuple[np.ndarray, str | None]:
    """``tol`` with an infinite tolerance where ``kind`` is not a bound (a jump, an
    unresolved entry, second differences that overflow: :data:`checks.ladder.RELIABLE`) or
    where the tolerance is not finite (the estimate or its error bar overflowed: ``inf``, or
    ``nan`` from ``inf - inf``), and the reason, or ``None``. A ``nan`` tolerance compared
    with ``diff > tol`` is never exceeded: such an entry would pass whatever the analytic
    side says. The reason names the overflow where some entries are ``OVERFLOW`` and the
    others, if any, are reliable kinds with a tolerance that is not finite; beside entries
    that did not settle it names both. A jump is of ``f`` where the entries are first
    derivatives, of the gradient where they are second derivatives (``second``: a Hessian,
    whose differences -- of ``f`` twice, or of ``grad`` once -- grow like ``1/h`` at a kink
    of ``f``)."""
    tol = np.array(tol, dtype=float)
    nonfinite = ~np.isfinite(tol)
    judged_kind = kind is not None and np.shape(kind) == np.shape(tol)
    unreliable = ~reliable(kind) if judged_kind else np.zeros(tol.shape, dtype=bool)
    loose = nonfinite | unreliable
    if not np.any(loose):
        return tol, None
    tol[loose] = np.inf
    where = [tuple(int(i) for i in np.unravel_index(int(k), tol.shape))
             for k in np.flatnonzero(loose)]
    shown = ", ".join(str(w) for w in where[:5]) + (" ..." if len(where) > 5 else "")
    jumps = np.count_nonzero(np.asarray(kind)[loose] == JUMP) if judged_kind else 0
    overflow = (np.asarray(kind) == OVERFLOW) if judged_kind else np.zeros(tol.shape, bool)
    unsettled = unreliable & ~overflow
    cause = UNJUDGED_CAUSES
    if jumps == len(where):
        what = (f"{cause['kink']} (f has a kink) there" if second
                else f"{cause['jump']} (is discontinuous) there")
    elif np.any(overflow) and not np.any(unsettled[loose]):
        what = f"{cause['overflow']} there (f is finite near x, its differences are not)"
    elif np.any(overflow):
        at = [tuple(int(i) for i in np.unravel_index(int(k), tol.shape))
              for k in np.flatnonzero(overflow)]
        what = (f"{cause['overflow']} at " + ", ".join(str(w) for w in at[:5])
                + (" ..." if len(at) > 5 else "") + " (f is finite near x, its differences "
                f"are not) and {cause['unsettled']} at the others")
    elif not np.any(unreliable[loose]):  # (every loose entry is then a non-finite one)
        what = f"{cause['nonfinite']} there (f, or its differences, overflow near x)"
    else:
        what = f"the finite differences {cause['unsettled']} there"
    names = _UNIT_NAMES[unit]
    return tol, (f"{len(where)} {names[len(where) > 1]} cannot be judged ({shown}): {what}; "
                 "see the notes")


def _unjudged_note(kind, tol, numerical, error, unit: str = "entr") -> str | None:
    """The note on the entries (``unit``: ``"entr"``, ``"direction"``, ``"pair"``) that
    :func:`_unjudged` left with an infinite tolerance because it was not finite -- their kind,
    if any, is a bound, so no estimator's note names them (the fixed methods have no kinds;
    the kinds that are no bound have their own notes) -- with their estimates and error bars,
    or ``None``. ``tol`` is :func:`_unjudged`'s."""
    tol = np.asarray(tol, dtype=float)
    judged_kind = kind is not None and np.shape(kind) == np.shape(tol)
    named = ~reliable(kind) if judged_kind else np.zeros(tol.shape, dtype=bool)
    bare = np.flatnonzero(np.isinf(tol) & ~named)
    if bare.size == 0:
        return None
    value = np.broadcast_to(np.asarray(numerical, dtype=float), tol.shape).ravel()
    bar = np.broadcast_to(np.asarray(error, dtype=float), tol.shape).ravel()

    def label(k: int) -> str:
        if unit != "entr":
            return str(k)
        return str(tuple(int(i) for i in np.unravel_index(k, tol.shape)))

    shown = ", ".join(f"{label(int(k))} (estimate {value[k]:.3g}, error bar {bar[k]:.3g})"
                      for k in bare[:5])
    more = f" and {bare.size - 5} more" if bare.size > 5 else ""
    one, many = _UNIT_NAMES[unit]
    which = f"this {one} is" if bare.size == 1 else f"these {many} are"
    return (f"{one if bare.size == 1 else many} {shown}{more}: no finite tolerance follows "
            f"from them (f, or its differences, overflow near x); {which} not judged")


def _detectable_full(tol, error, safety, lower, upper) -> float:
    """``max_k (tol_k + safety e_k) / G`` with ``G`` a lower bound on ``max|g|``; ``inf``
    (no promise) where some entry has no finite bound (an entry that cannot be judged: its
    tolerance is ``inf``, its estimate or error bar may be ``nan``)."""
    if np.size(tol) == 0:
        return float("inf")
    reach = safety * np.asarray(error, dtype=float)
    with np.errstate(invalid="ignore"):
        top = float(np.max(np.broadcast_to(tol, np.shape(reach)) + reach))
    if not np.isfinite(top):  # then the other terms may be inf - inf
        return float("inf")
    # at a kink entry any value in [lower, upper] is right: its size is the larger end's
    floor = float(np.max(np.maximum(np.maximum(np.abs(lower), np.abs(upper)) - reach, 0.0)))
    if floor <= 0.0:
        return 0.0 if top == 0.0 else float("inf")
    return top / floor


MISS_PROBABILITY = 1e-3


def detectable_along(taus: np.ndarray, analytic_max: float) -> float:
    """``detectable`` of a check along random normal directions (module docstring)."""
    taus = np.asarray(taus, dtype=float)
    if taus.size == 0 or analytic_max <= 0.0:
        return float("inf")
    if np.any(taus == 0.0):
        return 0.0
    if not np.all(np.isfinite(taus)):  # a direction with no bound (nan: inf - inf)
        return float("inf")
    # geometric mean in logs: the product of many small taus would underflow
    logs = np.log(np.sqrt(2.0 / np.pi) * taus).sum() - np.log(MISS_PROBABILITY)
    eps_min = float(np.exp(logs / taus.size))
    if eps_min >= analytic_max:
        return float("inf")
    return eps_min / (analytic_max - eps_min)


_LOW_PRECISION = ("grad returned {dtype}: its entries carry about {unit:.1g} relative round-off "
                  "(of the largest entry), which the tolerance includes; return float64 for a "
                  "sharper check")


def _tolerance(numerical, error, est, analytic, *, rtol, atol, safety, lower, upper, label):
    """Each entry's tolerance, and why the check cannot fail (``None`` when it can).

    The rule of the module docstring, plus the round-off of an analytic gradient returned in
    float32 or float16 (``safety * u * max|a|``, ``u`` its unit round-off: each entry is
    known to about ``u`` of the largest, as for ``f`` returned in float32). An entry whose
    estimate is not a bound (a jump, an unresolved entry: :data:`checks.ladder.RELIABLE`),
    and every entry of an estimate that disagrees with the noise probe's slope
    (:attr:`checks.differences.Estimate.inconsistent`), has an infinite tolerance: it cannot
    fail, and the check promises nothing about it (``detectable`` is ``inf``).
    """
    lower = numerical if lower is None else lower
    upper = numerical if upper is None else upper
    tol = _rule(error, lower, upper, rtol=rtol, atol=atol, safety=safety)
    if analytic.dtype.kind == "f" and analytic.dtype.itemsize < 8:
        unit = float(np.finfo(analytic.dtype).eps)
        tol = tol + safety * unit * abs_max(analytic)
    tol = np.array(tol, dtype=float)
    if est.inconsistent:
        tol[...] = np.inf
        return tol, est.inconsistent
    return _unjudged(est.kind, tol, label)


def _compare(analytic, numerical, tol, lower, upper):
    """Mismatch count, largest absolute and relative difference, the worst entry -- over the
    entries that can be judged: those with a finite tolerance (:func:`_unjudged` gives the
    others an infinite one; their estimate may be ``nan`` or ``inf``, or a jump's last
    guess). A failing entry always has a finite tolerance, so it is never left out. Where
    no entry can be judged the differences are ``nan`` and the worst entry ``None``."""
    lower = numerical if lower is None else lower
    upper = numerical if upper is None else upper
    with np.errstate(invalid="ignore"):  # inf - inf at an entry that cannot be judged
        diff = _distance(analytic, lower, upper)
    tol = np.broadcast_to(np.asarray(tol, dtype=float), diff.shape)
    judged = np.isfinite(tol)
    bad = diff > tol
    if diff.size == 0:
        return int(bad.sum()), 0.0, 0.0, None
    if not np.any(judged):
        return int(bad.sum()), float("nan"), float("nan"), None
    max_abs = float(diff[judged].max())
    scale = float(np.abs(np.asarray(numerical, dtype=float)[judged]).max())
    if scale > 0.0:
        max_rel = max_abs / scale
    else:
        max_rel = 0.0 if max_abs == 0.0 else float("inf")
    # the entry that exceeds its tolerance the most (or comes closest to it)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ratio = np.where(tol > 0, diff / np.where(tol > 0, tol, 1.0),
                         np.where(diff > 0, np.inf, 0))
    ratio = np.where(judged & ~np.isnan(ratio), ratio, -1.0)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), diff.shape))
    return int(bad.sum()), max_abs, max_rel, worst


def _detectable_by_entry(tol, error, safety, lower, upper) -> np.ndarray:
    """Per entry, ``(tol_k + safety e_k) / G_k`` with ``G_k = max(|lower_k|, |upper_k|) -
    safety e_k`` a lower bound on ``|g_k|``: no analytic entry whose error relative to the
    true ``|g_k|`` exceeds it can pass (``inf`` where ``G_k <= 0``: the entry cannot be told
    from 0; and where the entry has no finite bound: it cannot be judged)."""
    reach = safety * np.asarray(error, dtype=float)
    with np.errstate(invalid="ignore"):  # inf - inf, where an entry cannot be judged
        floor = np.maximum(np.abs(lower), np.abs(upper)) - reach
        top = np.broadcast_to(tol, np.shape(reach)) + reach
    bounded = np.isfinite(top) & (floor > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(bounded, top / np.where(bounded, floor, 1.0), np.inf)
    return np.where((floor <= 0.0) & (top == 0.0), 0.0, out)


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
