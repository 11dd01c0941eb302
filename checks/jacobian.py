r"""Check Jacobians, JVPs and VJPs with the error bars and the verdict of the gradient check.

``f(*args)`` returns an array of shape ``out``; its Jacobian with respect to
``x = args[argnum]`` has shape ``out + in`` (``J[o + i] = d f_o / d x_i``). Three analytic
sides are checked against finite differences of ``f``: the whole matrix
(:func:`check_jacobian`, ``jac(*args)``), its action on tangents (:func:`check_jvp`,
``jvp(v, *args) = J v`` of shape ``out``) and on cotangents (:func:`check_vjp`,
``vjp(u, *args) = J^T u`` of shape ``in``); :func:`checks.check_adjoint` checks a ``jvp`` against
a ``vjp`` without ``f``. The rule is :mod:`checks.compare`'s, entry by entry:
``|a - n| <= atol + safety * e + rtol * |n|`` (``n`` an interval at a kink), with its
defaults, its three-valued verdict and its ``detectable``.

**Full mode** compares every entry. Row ``o`` of ``J`` is the gradient of the scalar ``f_o``;
each row is :func:`checks.estimate_gradient` of ``x -> f(x)[o]`` (its adaptive ladder, kinks,
domain edges and noise included), through a memo of ``f`` (:mod:`checks._memo`): the rows
evaluate the same points, so the whole Jacobian costs ``6n + 18`` evaluations of ``f`` on a
smooth map, plus those of the entries that descend to shorter steps. ``detectable`` is
:func:`checks.rule._detectable_full` over all ``m n`` entries: no ``A`` with
``max|A - J| / max|J|`` above it passes. A ``jvp`` is made a matrix by ``n`` calls on the unit
tangents, a ``vjp`` by ``m`` calls on the unit cotangents.

**Directional mode** draws ``K`` random pairs ``(u_j, v_j)``, ``u_j ~ N(0, I)`` of shape
``out`` and ``v_j ~ N(0, I)`` of shape ``in`` (``v`` first, from a fixed seed unless ``rng``
is given), and compares the analytic ``u_j^T A v_j`` (from ``jac``, ``<u_j, jvp(v_j)>`` or
``<vjp(u_j), v_j>``) with the derivative of the scalar ``t -> <u_j, f(x + t v_j)>``
(:func:`checks.directional_derivatives`): ``6K + 18`` evaluations whatever ``m`` and ``n``.
One pair sees the tangent and the cotangent side at once. The analytic side's error bar gets
the round-off of its own dot product, ``sqrt(N) eps sum|terms|`` (``N`` terms), as in
:mod:`checks.compare`.

**Sensitivity along pairs.** An error ``E = A - J`` shows as ``u^T E v``. Given ``u`` it is
normal with deviation ``||E^T u||_2 >= |(E^T u)_b|``, which is itself normal with deviation
``||E_{:b}||_2 >= M = max|E|`` (``b`` the column of the largest entry). With
``P(|N(0, s^2)| <= tau) <= sqrt(2/pi) tau / s``, one pair passes with probability at most
``q(r) = E[min(1, r / |Z|)]``, ``r = sqrt(2/pi) tau / M``, and for ``r < 1``

.. math::

    q(r) = P(|Z| \le r) + 2 r \int_r^\infty \frac{\varphi(z)}{z} dz
         \le r \, (1.1152 + 0.7979 \ln(1 / r))

(``P(|Z| <= r) <= 2 phi(0) r``; split the integral at 1). ``K`` independent pairs all pass
with probability at most ``prod_j q(r_j)``; ``M_min`` is the ``M`` where that product is
``p = 1e-3`` (:func:`pair_error_bound`, by bisection). The ``ln(1/r)`` is the price of a
bilinear test (a product of two normals is more often small than one normal): about 5 times
the ``M_min`` of :func:`checks.rule.detectable_along` at equal ``tau``.
``detectable = M_min / G`` with ``G`` a lower bound on ``max|J|``: the larger of
``max|A| - M_min`` (a passing ``A`` is within ``M_min`` of ``J``, with probability
``1 - p``), where ``max|A|`` is exact for ``jac`` and bounded below by
``max_j max|A w_j| / ||w_j||_1`` for a ``jvp`` (``w = v``) or ``vjp`` (``w = u``), and
``max_j dist(0, [lower_j - safety e_j, upper_j + safety e_j]) / (||u_j||_1 ||v_j||_1)``
(``|u^T J v| <= max|J| ||u||_1 ||v||_1``). For a matrix-free check these are pessimistic by
up to ``sqrt(n)`` (``sqrt(m)``): it cannot know the largest entry.

The adjoint test (:func:`checks.check_adjoint`, a ``jvp`` against a ``vjp`` without ``f``) is
:mod:`checks.adjoint`; the numerical side is :mod:`checks.jacobian_estimate`, the analytic
side :mod:`checks.analytic`, the result type and its report :mod:`checks.jacobian_result`.
This module holds the verdict over pairs and the public checks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from checks._args import closure, prepare
from checks._memo import Memo
from checks._util import (
    function_name,
    validate_method,
)
from checks.analytic import _along_pairs, _Analytic, _full_matrix
from checks.compare import DEFAULT_DIRECTIONS
from checks.diagnosis import diagnose
from checks.estimates import Estimate
from checks.executor import runs_on_executor
from checks.jacobian_estimate import (
    _draw_pairs,
    _jacobian_estimate,
    _pair_estimates,
    estimate_jacobian,
)
from checks.jacobian_result import JacobianCheck
from checks.methods import STEP_FACTORS
from checks.noise import noise_note
from checks.rule import (
    DEFAULT_RTOL,
    DEFAULT_SAFETY,
    MISS_PROBABILITY,
    _compare,
    _detectable_full,
    _unjudged,
    _unjudged_note,
    _validate_atol,
    _verdict,
    confirmed_zero,
    natural_scale,
)
from checks.scales import second_opinion

__all__ = [
    "JacobianCheck",
    "check_jacobian",
    "check_jvp",
    "check_vjp",
    "estimate_jacobian",
    "pair_error_bound",
]

_MODES = ("full", "directional")




# ----------------------------------------------------------------------------- estimates


def pair_error_bound(taus: Any) -> float:
    """``M_min`` of the module docstring: an error with ``max|E| >= M_min`` passes every pair
    ``|u_j^T E v_j| <= tau_j`` with probability at most :data:`checks.rule.MISS_PROBABILITY`.

    Examples
    --------
    >>> round(pair_error_bound([1e-9, 1e-9]) / 1e-9)  # detectable_along's would be 25
    131
    """
    taus = np.asarray(taus, dtype=float).ravel()
    taus = taus[np.isfinite(taus)]
    if taus.size == 0:
        return float("inf")
    if np.any(taus <= 0.0):
        return 0.0
    c = np.sqrt(2.0 / np.pi) * taus
    target = np.log(MISS_PROBABILITY)

    def log_pass(log_m: float) -> float:
        r = c / np.exp(log_m)
        with np.errstate(divide="ignore"):
            q = np.where(r < 1.0, r * (1.1152 + 0.7979 * np.log(1.0 / r)), 1.0)
        return float(np.sum(np.log(np.minimum(q, 1.0))))

    lo = float(np.log(c.min()))  # every r >= 1: passing is certain
    hi = lo + 1.0
    while log_pass(hi) > target:
        hi += 2.0 * (hi - lo)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if log_pass(mid) > target else (lo, mid)
    return float(np.exp(hi))


# ----------------------------------------------------------------------------- analytic side


# ----------------------------------------------------------------------------- the verdict


def _options(mode, directions, rng, rtol, safety):
    """Validated ``rtol`` and ``safety``; the mode and its own arguments checked."""
    if mode == "taylor":
        raise ValueError("mode='taylor' is a different test with a different result: call "
                         "checks.taylor_test_hessian (second order) or checks.taylor_test")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _MODES))}; got {mode!r}")
    if mode == "full":
        for label, value in (("directions", directions), ("rng", rng)):
            if value is not None:
                raise ValueError(f"{label}= applies to mode='directional' only; got "
                                 f"{label}={value!r} with mode='full'")
    rtol = DEFAULT_RTOL if rtol is None else float(rtol)
    safety = DEFAULT_SAFETY if safety is None else float(safety)
    for label, value in (("rtol", rtol), ("safety", safety)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be finite and >= 0, got {value!r}")
    if mode == "directional":
        _count(directions)
    return rtol, safety


def _count(directions: Any) -> int:
    k = DEFAULT_DIRECTIONS if directions is None else directions
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"directions must be an integer >= 1, got {directions!r}")
    return int(k)


def _require_entries(x: np.ndarray, out_shape: tuple[int, ...], argnum: int) -> None:
    if x.size == 0 or int(np.prod(out_shape, dtype=int)) == 0:
        raise ValueError(
            f"args[{argnum}] has shape {x.shape} and the output shape {out_shape}: a map with "
            "no entries has nothing to show along random pairs; use mode='full'"
        )


def _conclude(a, est: Estimate, failure: str | None, *, pairs, us, vs, analytic_max, rtol,
              atol, safety, common, scale: float = 0.0, second: bool = False) -> JacobianCheck:
    """Apply the rule to ``a`` against ``est`` and decide the verdict (see the docstrings);
    ``second``: ``a`` is a Hessian (a jump of its differences is one of the gradient)."""
    lower, upper, numerical, error = est.lower, est.upper, est.value, est.error
    if failure is not None:
        return JacobianCheck(
            ok=False, analytic=a, numerical=numerical, error=error, tolerance=None,
            max_abs_error=float("nan"), max_rel_error=float("nan"), worst_index=None,
            mismatched=int(np.size(numerical)), evaluations=est.evaluations, reason=failure,
            notes=est.notes, verdict="fail", lower=lower, upper=upper, rtol=rtol, atol=atol,
            safety=safety, **common,
        )
    tol, mismatched, max_abs, max_rel, worst = _verdict(
        a, numerical, error, rtol=rtol, atol=atol, safety=safety, lower=lower, upper=upper
    )
    # an entry whose estimate is not a bound cannot fail (checks.rule._unjudged)
    tol, unjudged = _unjudged(est.kind, tol, "pair" if pairs else "entr", second)
    if unjudged is not None:
        mismatched, max_abs, max_rel, worst = _compare(a, numerical, tol, lower, upper)
    if pairs:
        reach = safety * np.asarray(error, dtype=float)
        with np.errstate(invalid="ignore"):  # inf - inf: a pair with no estimate
            width = np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)
            low, high = lower - reach, upper + reach
        bound = pair_error_bound(tol + reach + width)
        detectable = _pairs_detectable(bound, low, high, us, vs, analytic_max)
    else:
        detectable = _detectable_full(tol, error, safety, lower, upper)
    reason, absolute = None, None
    if mismatched:
        verdict = "fail"
        unit = "pairs" if pairs else "entries"
        reason = f"{mismatched} of {np.size(a)} {unit} differ by more than the tolerance"
    elif unjudged is not None:
        verdict = "inconclusive"
        reason = unjudged
    elif detectable >= 1.0:
        # a zero confirmed to the noise floor passes with an absolute promise (checks.rule)
        absolute = (None if pairs else
                    confirmed_zero(a, tol, error, safety, lower, upper, scale))
        verdict = "inconclusive" if absolute is None else "pass"
        if absolute is None:
            reason = "the finite differences cannot resolve the derivatives here"
    else:
        verdict = "pass"
    notes = est.notes
    bare = _unjudged_note(est.kind, tol, numerical, error, "pair" if pairs else "entr")
    if bare is not None:  # the entries the reason names and no estimator's note does
        notes += (bare,)
    loose = ("pairs" if pairs else "entries") if np.any(np.isinf(tol)) else None
    noisy = noise_note(est.noise, est.f_scale, detectable, loose)
    if noisy:  # replaces the estimate's own line about the noise (without the detectable)
        notes = tuple(n for n in notes if not n.startswith("f is noisy")) + (noisy,)
    diagnosis = None
    if mismatched:
        n_in = int(np.prod(common.get("shape", ()), dtype=int))
        matrix = None if pairs or n_in == 0 else (int(np.size(a)) // n_in, n_in)
        diagnosis = diagnose(a, numerical, tol, lower, upper, directional=pairs,
                             matrix=matrix, in_shape=tuple(common.get("shape", ())))
    return JacobianCheck(
        ok=verdict == "pass", analytic=a, numerical=numerical, error=error, tolerance=tol,
        max_abs_error=max_abs, max_rel_error=max_rel, worst_index=worst, mismatched=mismatched,
        evaluations=est.evaluations, reason=reason, notes=notes, verdict=verdict,
        detectable=detectable, lower=lower, upper=upper, rtol=rtol, atol=atol, safety=safety,
        diagnosis=diagnosis, absolute=absolute, **common,
    )


def _pairs_detectable(bound, low, high, us, vs, analytic_max) -> float:
    """``M_min / G`` (module docstring): ``G`` bounds ``max|J|`` from below."""
    reach = np.maximum(np.maximum(low, -high), 0.0)  # |u^T J v| >= distance of 0 to the bar
    norms = np.array([np.abs(u).sum() * np.abs(v).sum() for u, v in zip(us, vs, strict=True)])
    with np.errstate(divide="ignore", invalid="ignore"):
        g = float(np.max(np.where(norms > 0, reach / norms, 0.0), initial=0.0))
    if analytic_max is not None:
        g = max(g, analytic_max - bound)
    if not np.isfinite(bound):
        return float("inf")
    if g <= 0.0:
        return 0.0 if bound == 0.0 else float("inf")
    return bound / g


def _run(f, an: _Analytic, args, *, argnum, method, mode, rtol, atol, safety, step,
         directions, rng, what, vectorized: bool = False) -> JacobianCheck:
    """The three checks against ``f``: build the numerical and the analytic side, conclude."""
    validate_method(method)
    rtol, safety = _options(mode, directions, rng, rtol, safety)
    p = prepare(args, argnum)
    x = p.x
    memo = Memo(closure(f, p), x, vectorized=vectorized)
    out = memo.out_shape
    atol = _validate_atol(atol, out + x.shape, mode)
    common = dict(method=method, mode=mode, name=function_name(f), argnum=p.argnum,
                  shape=x.shape, out_shape=out, what=what,
                  step_factor=STEP_FACTORS[method] if step is None else None)
    if mode == "full":
        est = _jacobian_estimate(memo, x, method, step)
        a, failure = _full_matrix(an, p, out)
        us = vs = None
        analytic_max = None
    else:
        _require_entries(x, out, p.argnum)
        us, vs = _draw_pairs(rng, _count(directions), x.shape, out)
        est = _pair_estimates(memo, x, us, vs, method, step)
        a, extra, failure, analytic_max = _along_pairs(an, p, us, vs, out)
        est = dataclasses.replace(est, error=est.error + extra)
        side = {"matrix": "u^T A v", "tangent": f"<u, {an.name}(v)>",
                "cotangent": f"<{an.name}(u), v>"}[an.kind]
        common["compares"] = f"analytic {side} against numerical d/dt <u, f(x + t v)>"
    if p.note:
        est = dataclasses.replace(est, notes=(p.note,) + est.notes)
    return _conclude(a, est, failure, pairs=mode != "full", us=us, vs=vs,
                     analytic_max=analytic_max, rtol=rtol, atol=atol, safety=safety,
                     common=common, scale=natural_scale(est.f_scale, x))


# ----------------------------------------------------------------------------- public checks


@runs_on_executor
@second_opinion
def check_jacobian(
    f: Callable[..., Any],
    jac: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "full",
    rtol: float | None = None,
    atol: Any = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
    vectorized: bool = False,
    executor: Any = None,
) -> JacobianCheck:
    r"""Compare ``jac(*args)`` with the numerical Jacobian of ``f(*args)`` w.r.t. one argument.

    Parameters
    ----------
    f : callable
        ``f(*args)`` returns an array of a fixed shape ``out`` (a scalar makes this a gradient
        check). It must be deterministic (called twice at the point to make sure) and gets
        fresh copies of the array arguments.
    jac : callable
        ``jac(*args)``, of shape ``out + args[argnum].shape``: ``jac[o + i] = d f_o / d x_i``.
    args, argnum, method, rtol, atol, safety, step, directions, rng, executor
        As in :func:`checks.check_gradient`; ``atol`` may be an array of shape ``out + in``
        in full mode.
    mode : {"full", "directional"}, default "full"
        ``"full"`` compares every entry (``6n + 18`` evaluations of ``f`` on a smooth map);
        ``"directional"`` compares ``u_j^T jac v_j`` with ``d/dt <u_j, f(x + t v_j)>`` along
        ``directions`` random pairs (``6K + 18`` evaluations; see the module docstring).
    vectorized : bool, default False
        ``f`` takes a stack of points in place of ``args[argnum]`` (shape ``(B, *x.shape)``)
        and returns a stack of outputs ``(B, *out)``: in full mode the points of each ladder
        level and of each noise probe go in one call (:func:`checks.estimate_jacobian`).
        The numbers are those of the unbatched ``f`` wherever the batched one computes each
        point as the unbatched one does. Not with ``executor=``.

    Returns
    -------
    JacobianCheck
        ``.verdict``, ``.ok``, ``.detectable``, ``.worst_index`` (an ``out + in`` index in full
        mode, ``(j,)`` for pair ``j`` otherwise), the arrays and a readable ``str()``.

    Raises
    ------
    TypeError
        ``args`` not a tuple or list, or ``jac`` not callable with them.
    ValueError
        Unknown method or mode, an argument that does not apply to the mode, ``argnum`` out
        of range, non-finite ``args[argnum]``, ``f`` not deterministic, not real, not finite
        at the point, or with an output shape that changes. (A wrongly shaped or non-finite
        ``jac`` is a failed check, not an exception.)

    Examples
    --------
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> def jac(x):
    ...     return (1 - np.tanh(W @ x) ** 2)[:, None] * W
    >>> r = check_jacobian(lambda x: np.tanh(W @ x), jac, (np.array([0.1, -0.2]),))
    >>> r.verdict, r.analytic.shape
    ('pass', (3, 2))
    """
    return _run(f, _Analytic("matrix", jac, "jac"), args, argnum=argnum, method=method,
                mode=mode, rtol=rtol, atol=atol, safety=safety, step=step,
                directions=directions, rng=rng, what="Jacobian", vectorized=vectorized)


def check_jvp(
    f: Callable[..., Any],
    jvp: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "directional",
    rtol: float | None = None,
    atol: Any = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
) -> JacobianCheck:
    r"""Check a Jacobian-vector product ``jvp(v, *args) = J v`` (shape of ``f``'s output).

    ``"directional"`` (default) compares ``<u_j, jvp(v_j)>`` with ``d/dt <u_j, f(x + t v_j)>``
    along ``directions`` random pairs: ``6K + 18`` evaluations of ``f`` and ``K`` calls of
    ``jvp``, whatever the sizes. ``"full"`` builds ``J`` from ``n`` calls of ``jvp`` on the
    unit tangents and compares every entry, as :func:`check_jacobian` does. The other
    arguments are those of :func:`check_jacobian`.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> check_jvp(lambda x: A @ x**2, lambda v, x: A @ (2 * x * v), (np.ones(2),)).verdict
    'pass'
    """
    return _run(f, _Analytic("tangent", jvp, "jvp"), args, argnum=argnum, method=method,
                mode=mode, rtol=rtol, atol=atol, safety=safety, step=step,
                directions=directions, rng=rng, what="JVP")


def check_vjp(
    f: Callable[..., Any],
    vjp: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "directional",
    rtol: float | None = None,
    atol: Any = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
) -> JacobianCheck:
    r"""Check a vector-Jacobian product ``vjp(u, *args) = J^T u`` (shape of ``args[argnum]``):
    a backward pass written by hand.

    ``"directional"`` (default) compares ``<vjp(u_j), v_j>`` with
    ``d/dt <u_j, f(x + t v_j)>`` along ``directions`` random pairs: ``6K + 18`` evaluations
    of ``f`` and ``K`` calls of ``vjp``, whatever the sizes. ``"full"`` builds ``J`` from
    ``m`` calls of ``vjp`` on the unit cotangents and compares every entry. The other
    arguments are those of :func:`check_jacobian`.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
    >>> check_vjp(lambda x: A @ x, lambda u, x: A.T @ u, (np.ones(2),)).verdict
    'pass'
    >>> check_vjp(lambda x: A @ x, lambda u, x: A[:2] @ u[:2], (np.ones(2),)).verdict
    'fail'
    """
    return _run(f, _Analytic("cotangent", vjp, "vjp"), args, argnum=argnum, method=method,
                mode=mode, rtol=rtol, atol=atol, safety=safety, step=step,
                directions=directions, rng=rng, what="VJP")


# ----------------------------------------------------------------------------- the report


