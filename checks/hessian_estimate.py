r"""The numerical Hessian with error bars: from the gradient, or from second differences of ``f``.

**The estimate** (:func:`numerical_hessian`). With the gradient given, the Hessian is the
Jacobian of ``grad`` (:func:`checks.estimate_jacobian`: a Richardson ladder per row, the rows
sharing ``grad``'s evaluations), symmetrised. ``grad`` is first checked against ``f`` along
two random directions (:func:`checks.check_gradient`), and a Jacobian that is not symmetric
beyond its error bars is refused: either would make the estimate the Jacobian of something
that is not ``f``'s gradient. Each entry carries the kind (:mod:`checks.ladder`) of the less
reliable of its two Jacobian entries: a kink of ``grad`` is an interval, a jump or an
unsettled entry cannot fail a check.

Without it, each entry comes from second differences of ``f``, by the ladder of
:mod:`checks.second` (its module docstring derives every rule below), from the top steps
``h_k = c max(|x_k|, rms(x))``, ``c = 4 eps^(1/6)`` (at least 16 ulps of ``x_k``):

.. math::

    D_{kk}(h) = \frac{f(x + h e_k) - 2 f(x) + f(x - h e_k)}{h^2}, \qquad
    D_{kl}(h) = \frac{f(x^{++}) - f(x^{+-}) - f(x^{-+}) + f(x^{--})}{(2 h_k)(2 h_l)}

(``x^{+-} = x + h_k e_k - h_l e_l``; taken with the steps actually applied), both
``H + a h^2 + b h^4 + ...``, combined on three levels ``h, h/2, h/4`` as the first-derivative
ladder combines central differences: ``R_2 = (64 D(h/4) - 20 D(h/2) + D(h)) / 45`` (error
``O(h^6)``), truncation bound ``T = |R_1(h) - R_1(h/2)| / 16``, round-off ``E = c s / (h_k
h_l)`` (``c = 92`` on the diagonal, 25 off it: the magnitudes of ``R_2``'s weights). Each pair
``k <= l`` (computed once: the result is symmetric) has its own ladder:

* **Own values.** Whether a pair's differences are in the asymptotic regime (``q <= 0.3`` and
  a first correction within 5 % of the pair's own ``|D|``, or ``q <= 0.01``, or flat to
  noise) is decided from its own values; the other entries' size only decides how precise it
  must be (truncation below ``1e-10`` of the Hessian's scale, round-off below ``1e-9``). The
  entry ``H_11 = -0.3896`` of ``sum tanh(x)^2 + sin(x)`` at ``x = [1e4, -2.3e4, 0.7,
  1.5e4]`` (a first step of ``226``, 36.03 periods of ``sin``) was taken at ``-3e-7`` with a
  bar of ``2e-14``, stable to 5 % of the Hessian's scale; by its own values it descends.
* **Lines.** ``H_kk`` is read along ``e_k``, ``H_kl`` along the two diagonals ``h_k e_k +-
  h_l e_l`` (whose points are the four corners of ``D_kl``). The one-sided second
  differences along each line, ``F = 2 phi[0, t/2, t]`` and ``B``, have ``J = F - B =
  phi''' t + O(t^3)``: a window where ``|J|`` does not shrink by 0.6 per halving is never
  taken (the values of ``f`` do not fit a smooth model at that step); ``J`` constant is a
  **kink of the gradient**, reported as the interval ``[M - d, M + d]`` of the limiting
  Hessians across one kink surface (rank-one jump: for ``relu(x_0)^2 / 2`` at 0 the
  interval ``[0, 1]``, both conventions pass, a value outside fails, and a note names the
  entry); several kinks meeting in a cross pair, second differences growing like ``1/h`` (a
  kink of ``f``: no second derivative) and pairs that never settle carry the kinds
  ``UNRESOLVED`` and ``JUMP`` of :mod:`checks.ladder`, and a pair whose second differences
  overflow while ``f`` is finite (``1.7e308 tanh(1e3 x_0)`` at 0: its slope is ``1.7e311``)
  the kind ``OVERFLOW``, with the value ``nan`` (as :func:`checks.numerical_gradient`'s
  entry whose differences overflow); their tolerance in the checks is infinite: they cannot
  fail, and the check is inconclusive.
* **Confirmation.** A window taken not at once (its first correction above ``1e-4`` of its
  own value) must be confirmed by the window one level below and by a spot second difference
  at ``2^-10`` times its steps: sines sampled at steps near multiples of ``2 pi`` look like a
  parabola on four levels.
* **Climbing.** A pair whose candidate is dominated by round-off doubles its steps, at most
  ``2^20`` times, while round-off is above ``1e-9`` of the Hessian's scale: steps scale with
  ``x``, and at ``x = [0, 2^-8]`` a log-sum-exp got steps of ``2.7e-5`` (round-off ``2e-5``);
  the former limit of 32 times left a bar of ``7.6e-8`` and a true error of ``1.25e-8`` of
  ``max|H|``, which 256 times brings below ``1e-9``. Only where the noise of ``f`` is its
  round-off (16 ulps of ``|f|`` in the precision of its values: ``eps``, float32's for a
  float32 ``f``), which grows with ``|f|`` at the longer steps as the floor of the noise
  does, and only while a climb at least halves the round-off: a noise measured at ``x``
  (float32 quanta beside a float64 term) need not hold there, and climbing on it failed the
  exact Hessian of such a loss at 6 of 30 points.

**The curvature probe.** Pairs whose every window aliases agree with each other, and a
coordinate's sines can do that over four levels. The estimate is held against ``p^T H p``
along the noise probe's random direction ``p`` (:func:`checks.noise.probe_direction`) at its
spacing ``delta = 1e-6 rms(x)``, from three levels ``delta, delta/2, delta/4`` (6
evaluations): ``|p^T H p - sum_kl p_k p_l [lo_kl, hi_kl]|`` must stay within 10 times the
sum of the probe's bound, ``sum |p_k p_l| e_kl`` and the round-off of the sum. At an ``O(1)``
point the probe is coarse (its round-off ``92 s / delta^2`` is about ``1e-2 |f|``) and never
in the way; at large ``|x|``, where aliasing happens, it is sharp. Where they disagree every
ladder runs again with its steps divided by ``2^10``, at most twice; then every entry is
unresolved (a note says why). It is skipped where an entry is already unresolved.

Cost: ``f(x)`` twice and the noise probe (10 to 26), ``6n`` for the diagonal and ``12`` per
pair ``k < l``, 6 for the curvature probe: ``6 n^2 + 24``, plus 2 (4 off the diagonal) per
level a pair moves or confirms. Measured on six smooth O(1) functions (log-sum-exp,
``log(1 + |x|^2)``, ``sin(a.x) cos(b.x)``, a ``tanh`` network, a quadratic plus cubic plus
exponential, Rosenbrock) at 20 points ``x ~ N(0, I)`` each, ``n = 2, 5, 10``: true error at
most ``7.7e-10`` of ``max|H|``, error bar at most ``2.1e-9``, true error at most 1.6 bars
(the check's tolerance is 10); on average ``0.99``, ``1.05`` and ``1.04`` times ``6 n^2 +
18`` evaluations at ``n = 2, 5, 10`` (at most 52, 268 and 794; before the ladder of
:mod:`checks.second`: ``0.86``, ``1.12`` and ``1.23`` times, at most 46, 262 and 826). From
``grad``: true error at most ``1e-11``, bars at most ``8e-11``, ``6n + 18`` to ``6n + 50``
evaluations of ``grad`` and about 20 of ``f``. The wider benchmark (``python -m
benchmarks.hessian``, six functions up to ``n = 20``, 20 points each) found entries up to 3.3
bars off (a ``tanh`` network at ``n = 20``, as before this ladder; from ``grad``, 2.0 bars):
inside the check's tolerance, but the bars are estimates, not bounds. Its evaluations fell
from 36, 191, 762 and 3119 at ``n = 2, 5, 10, 20`` to 42, 174, 644 and 2733, with no false
alarm and no false pass in either.

>>> est = numerical_hessian(lambda x: np.sum(x**3), np.array([1.0, 2.0]))
>>> bool(np.allclose(est.value, np.diag([6.0, 12.0])))
True
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from checks import scales as _scales
from checks._memo import Memo
from checks._util import EPS, as_float64, default_steps, floor_steps, typical_scale, user_steps
from checks.adaptive import _RETRIES_SHORTER, _SHORTER
from checks.compare import check_gradient
from checks.differences import _require_applied
from checks.directional import _Line
from checks.estimates import Estimate
from checks.jacobian_estimate import _jacobian_estimate
from checks.ladder import (
    JUMP,
    KINK,
    ONE_SIDED_LEFT,
    ONE_SIDED_RIGHT,
    OVERFLOW,
    SMOOTH,
    UNRESOLVED,
)
from checks.noise import (
    PROBE_SPACING,
    baseline,
    noise_note,
    quantised_along,
    roundoff_unit,
    with_noise,
)
from checks.probe import probe_direction
from checks.rule import DEFAULT_RTOL, DEFAULT_SAFETY
from checks.second import describe_pairs, second_ladder

__all__ = ["HESSIAN_STEP_FACTOR", "numerical_hessian"]


HESSIAN_STEP_FACTOR = 4.0 * EPS ** (1.0 / 6.0)


def _all_pairs(n: int) -> np.ndarray:
    i, j = np.triu_indices(n)
    return np.stack([i, j], axis=1)


def _second_differences(fx, x, step, base, vectorized: bool = False) -> Estimate:
    """The estimate without a gradient: every ``(k, l)``, ``k <= l``, mirrored, held against
    the curvature probe (module docstring). ``vectorized``: ``fx`` maps a stack of points to
    a stack of values (:func:`checks.second.second_ladder`)."""
    n = x.size
    if step is None:
        h = floor_steps(x, default_steps(x, HESSIAN_STEP_FACTOR)).ravel()
        h = (x.ravel() + h) - x.ravel()
    else:
        h = user_steps(step, x).ravel()
        _require_applied(x, h.reshape(x.shape))
    pairs = _all_pairs(n)
    i, j = pairs[:, 0], pairs[:, 1]

    def entries(k):
        a, b = (tuple(int(t) for t in np.unravel_index(int(v), x.shape)) for v in pairs[k])
        return (a, b)

    def describe(k):
        a, b = entries(k)
        return f"the entries {a} and {b}" if a != b else f"the entry {a}"

    evals = base.evaluations
    notes = list(base.notes)
    probe = None
    reach = 0.0
    unit = roundoff_unit(base.dtype)
    for attempt in range(_RETRIES_SHORTER + 1):
        res = second_ladder(fx, x, pairs, h, base.f0, base.noise, refine=step is None,
                            describe=describe, reach=reach, vectorized=vectorized, unit=unit)
        evals += res.evaluations
        if attempt == 0 and step is None:
            _later_scales(fx, x, pairs, h, res, vectorized)
        # f's round-off at the first steps holds at shorter ones and in the probe
        reach = res.reach
        base = with_noise(base, unit * reach)
        if step is not None or not np.all(np.isin(res.kind, (SMOOTH, KINK))):
            break
        if probe is None:
            probe = _curvature_probe(fx, x, base, vectorized)
            evals += probe["evaluations"]
            if probe["kind"] != SMOOTH:
                break
        gap, bound = _probe_gap(x, pairs, res, probe)
        if gap <= DEFAULT_SAFETY * bound:
            break
        if attempt == _RETRIES_SHORTER:
            res = dataclasses.replace(res, kind=np.full_like(res.kind, UNRESOLVED))
            notes.append(
                f"the Hessian estimate disagrees with the second derivative along a random "
                f"direction measured at spacing {PROBE_SPACING:g} rms(x) (by {gap:.3g}, "
                f"bound {bound:.3g}) even at steps {_SHORTER:g}^{_RETRIES_SHORTER} times "
                "shorter: f has a feature narrower than the steps tried; pass a shorter step="
            )
            break
        h = h / _SHORTER
    steps = res.step * h[i]
    arrays = {}
    for name, src in (("value", res.value), ("error", res.error), ("lower", res.lower),
                      ("upper", res.upper), ("step", steps), ("kind", res.kind)):
        arr = np.zeros((n, n), dtype=src.dtype)
        arr[i, j] = src
        arr[j, i] = src
        arrays[name] = arr.reshape(x.shape + x.shape)
    notes += describe_pairs(res, lambda k: "{} {}".format(*entries(k)), steps)
    noisy = noise_note(base.noise, base.scale, None)
    if noisy:
        notes.append(noisy)
    return Estimate(arrays["value"], arrays["error"], arrays["step"], "richardson", evals,
                    tuple(notes), arrays["lower"], arrays["upper"], arrays["kind"],
                    base.noise, base.f0, base.scale)


def _later_scales(fx, x, pairs, h, res, vectorized: bool) -> None:
    """Diagonal pairs that descended two levels or more and settled smooth: as for the
    entries of a gradient (:func:`checks.adaptive._later_scales`), whether the levels above
    straddled values quantised between the first and the settled step is measured only if
    the check fails (:func:`checks.noise.quantised_along`), the deepest pairs first."""
    diagonal = np.flatnonzero((pairs[:, 0] == pairs[:, 1]) & (res.kind == SMOOTH)
                              & (res.step <= 0.25))
    for p in diagonal[np.argsort(res.step[diagonal], kind="stable")]:
        k = int(pairs[p, 0])
        _scales.later(functools.partial(quantised_along, fx, x, k, vectorized, float(h[k]),
                                        float(res.step[p] * h[k])))


class _Psi:
    """``t -> f(x + (t_0 c) v)`` (``c`` omitted where ``None``): ``f`` along a line
    (:class:`checks.directional._Line` at ``t_0 c``), for :func:`checks.second.second_ladder`
    on the one-entry ``t``; vectorized, a stack of ``t`` (shape ``(B, 1)``). An object, so
    that an executor in other processes can receive it."""

    def __init__(self, f, x, v, c, vectorized):
        self.line, self.c = _Line(f, x, v, vectorized), c

    def __call__(self, t):
        s = np.asarray(t)[..., 0]
        return self.line(s if self.c is None else s * self.c)


def _curvature_probe(fx, x, base, vectorized: bool = False) -> dict[str, Any]:
    """``p^T H p`` along the noise probe's direction ``p`` at the spacing ``delta`` of the noise
    probe (three levels ``delta, delta/2, delta/4``, 6 evaluations)."""
    p = probe_direction(x.shape)
    delta = PROBE_SPACING * typical_scale(x)
    psi = _Psi(fx, x, p, delta, vectorized)
    res = second_ladder(psi, np.zeros(1), np.zeros((1, 2), dtype=int), np.ones(1), base.f0,
                        base.noise, refine=False, describe=lambda k: "the probe's direction",
                        vectorized=vectorized, unit=roundoff_unit(base.dtype))
    return dict(value=float(res.value[0]) / delta**2, error=float(res.error[0]) / delta**2,
                kind=int(res.kind[0]), evaluations=res.evaluations)


def _probe_gap(x, pairs, res, probe) -> tuple[float, float]:
    """Distance from the probe's ``p^T H p`` to the interval ``sum_kl p_k p_l [lo, hi]`` of
    the estimate (each pair ``k < l`` twice), and its bound: the probe's error, the estimate's
    ``sum |p_k p_l| e_kl``, and the round-off of the sum."""
    p = probe_direction(x.shape).ravel()
    weight = p[pairs[:, 0]] * p[pairs[:, 1]] * np.where(pairs[:, 0] == pairs[:, 1], 1.0, 2.0)
    ends = np.stack([weight * res.lower, weight * res.upper])
    low, high = float(np.sum(ends.min(axis=0))), float(np.sum(ends.max(axis=0)))
    gap = max(low - probe["value"], probe["value"] - high, 0.0)
    bound = (probe["error"] + float(np.sum(np.abs(weight) * res.error))
             + np.sqrt(weight.size) * EPS * float(np.sum(np.abs(ends).max(axis=0))))
    return gap, bound


def _along_second(fx, x, w, base, step, vectorized: bool = False) -> dict[str, Any]:
    """``w^T H w`` by second differences of ``t -> f(x + t w)``: ``value``, ``error``,
    ``lower``, ``upper`` (a kink's interval), ``kind`` and ``evaluations``. ``step`` is the
    absolute step in ``t`` (default scale-invariant). A line that descended two levels or
    more and settled smooth is recorded for :func:`checks.scales.later`, as a diagonal pair
    is (:func:`_later_scales`)."""
    unit = typical_scale(x) / typical_scale(w)
    if step is None:
        h = np.array([HESSIAN_STEP_FACTOR])
    else:
        h = user_steps(step, np.zeros(())).reshape(1) / unit
    wu = w * unit
    psi = _Psi(fx, x, wu, None, vectorized)
    t0, pair = np.zeros(1), np.zeros((1, 2), dtype=int)
    res = second_ladder(psi, t0, pair, h, base.f0, base.noise, refine=step is None,
                        describe=lambda k: "the direction", vectorized=vectorized,
                        unit=roundoff_unit(base.dtype))
    if step is None:
        # the line is the one diagonal pair of t -> psi(t): recorded as such a pair is
        _later_scales(psi, t0, pair, h, res, vectorized)
    out = {name: float(getattr(res, name)[0]) / unit**2
           for name in ("value", "error", "lower", "upper")}
    return dict(out, kind=int(res.kind[0]), evaluations=res.evaluations)


_PRIORITY = {SMOOTH: 0, ONE_SIDED_RIGHT: 1, ONE_SIDED_LEFT: 1, KINK: 2, UNRESOLVED: 3, JUMP: 4,
             OVERFLOW: 5}


def _worse(a, b):
    """Per entry, the kind of the two that is least reliable (:data:`_PRIORITY`)."""
    rank = np.vectorize(_PRIORITY.__getitem__, otypes=[int])
    return np.where(rank(a) >= rank(b), a, b).astype(np.int8)


def _polarised_pairs(fx, x, us, vs, step, vectorized: bool = False) -> Estimate:
    """``u_j^T H v_j = (q(u + v) - q(u - v)) / 4`` for every pair (module docstring)."""
    base = baseline(fx, x, vectorized)
    k = len(us)
    value, error, lower, upper = (np.zeros(k) for _ in range(4))
    kind = np.zeros(k, dtype=np.int8)
    evals = base.evaluations
    notes = list(base.notes)
    for j in range(k):
        plus, minus = (_along_second(fx, x, us[j] + s * vs[j], base, step, vectorized)
                       for s in (1.0, -1.0))
        # at a kink of the gradient (one surface, normal n, jump c n n^T: checks.second) the
        # limiting values of u^T H v are M +- d: M from the midpoints of the two lines'
        # intervals, d = ||J_+| - |J_-|| / 8 from their widths (c (n.u)(n.v) / 2 =
        # c ((n.(u + v))^2 - (n.(u - v))^2) / 8)
        center = (0.5 * (plus["lower"] + plus["upper"])
                  - 0.5 * (minus["lower"] + minus["upper"])) / 4.0
        half = abs((plus["upper"] - plus["lower"]) - (minus["upper"] - minus["lower"])) / 8.0
        value[j] = (plus["value"] - minus["value"]) / 4.0
        error[j] = (plus["error"] + minus["error"]) / 4.0
        lower[j], upper[j] = center - half, center + half
        kind[j] = _worse(np.int8(plus["kind"]), np.int8(minus["kind"]))
        evals += plus["evaluations"] + minus["evaluations"]
        if kind[j] == KINK:
            notes.append(f"pair {j}: the gradient of f has a kink along u + v or u - v; any "
                         f"value in [{lower[j]:.8g}, {upper[j]:.8g}] is accepted")
        elif kind[j] == OVERFLOW:
            notes.append(f"pair {j}: f's values are finite along u + v or u - v, but its "
                         "second differences overflow there; this pair is not judged")
        elif kind[j] != SMOOTH:
            notes.append(f"pair {j}: the second differences along u + v or u - v did not "
                         "settle (or grow like 1/h: f has a kink there); this pair is not "
                         "judged")
    return Estimate(value, error, np.zeros(k), "richardson", evals, tuple(notes), lower, upper,
                    kind, base.noise, base.f0, base.scale)


def numerical_hessian(
    f: Callable[[np.ndarray], Any],
    x: Any,
    *,
    grad: Callable[[np.ndarray], Any] | None = None,
    method: str | None = None,
    step: Any = None,
    vectorized: bool = False,
) -> Estimate:
    r"""Hessian of scalar ``f`` at ``x`` with a per-entry error bar: an :class:`Estimate`.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, deterministic.
    x : array_like
        The point, any shape; converted to float64 (noted).
    grad : callable, optional
        ``grad(x)``, the gradient of ``f`` (shape of ``x``). The Hessian is then its
        Jacobian (``6n + 18`` evaluations of ``grad`` and about 30 of ``f`` to check ``grad``
        along two random directions); a ``grad`` that fails that check, or whose Jacobian is
        not symmetric beyond its error bars, is a ``ValueError``. Without it, Richardson
        second differences of ``f`` (``6 n^2 + 24`` evaluations on a smooth ``f``; module
        docstring).
    method : str, optional
        The method for the Jacobian of ``grad`` (:func:`checks.estimate_gradient`'s, default
        ``"richardson"``); without ``grad`` only ``"richardson"`` applies.
    step : float or ndarray, optional
        The top step per entry (scalar or the shape of ``x``), without refinement; default
        ``HESSIAN_STEP_FACTOR * max(|x_k|, rms(x))`` (with ``grad``: the method's default).
    vectorized : bool, default False
        ``f`` maps a stack of points ``(B, *x.shape)`` to shape ``(B,)`` (and ``grad``, if
        given, to shape ``(B, *x.shape)``): the points of each level of the second
        differences (or of the Jacobian of ``grad``), of the noise probe and of the curvature
        probe go in one call. The numbers and the evaluation count (points, not calls) are
        those of the unbatched ``f`` wherever the batched one computes each point as the
        unbatched one does.

    Returns
    -------
    Estimate
        ``value`` and ``error`` of shape ``x.shape + x.shape`` (``value`` exactly symmetric),
        ``step`` the top step of each entry's settled triple, ``evaluations``, ``notes``.

    Examples
    --------
    >>> B = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> est = numerical_hessian(lambda w: w @ B @ w, np.ones(2))
    >>> bool(np.allclose(est.value, B + B.T)), bool(np.all(est.error < 1e-8))
    (True, True)
    """
    xf, note = as_float64("x", x)
    if grad is None:
        if method not in (None, "richardson"):
            raise ValueError(f"method={method!r} applies to the Jacobian of grad only: without "
                             "grad the Hessian comes from Richardson second differences")
        est = _second_differences(f, xf, step, baseline(f, xf, vectorized), vectorized)
    else:
        est = _from_gradient(f, grad, xf, "richardson" if method is None else method, step,
                             vectorized)
    return dataclasses.replace(est, notes=(note,) + est.notes) if note else est


def _grad_memo(fx, gx, x, vectorized: bool = False) -> tuple[Memo, int]:
    """``grad``'s memo, once ``grad`` is known to be ``f``'s gradient along two directions
    (``vectorized``: both map stacks of points)."""
    memo = Memo(gx, x, "grad", vectorized=vectorized)
    if memo.out_shape != x.shape:
        raise ValueError(f"grad(x) must have the shape of x, {x.shape}; got {memo.out_shape}")
    r = check_gradient(fx, lambda z: memo(z), (x,), mode="directional", vectorized=vectorized)
    if r.verdict == "fail":
        raise ValueError("grad is not the gradient of f (a Hessian estimated from it would not "
                         f"be f's); check it with check_gradient first:\n{r}")
    return memo, r.evaluations


def _from_gradient(fx, gx, x, method, step, vectorized: bool = False) -> Estimate:
    memo, f_evals = _grad_memo(fx, gx, x, vectorized)
    est = _jacobian_estimate(memo, x, method, step)
    n = x.size
    sq = {k: np.asarray(getattr(est, k), dtype=float).reshape(n, n)
          for k in ("value", "error", "lower", "upper")}
    gap = np.maximum(np.maximum(sq["lower"] - sq["upper"].T, sq["lower"].T - sq["upper"]), 0.0)
    size = np.maximum(np.abs(sq["value"]), np.abs(sq["value"].T))
    allowed = DEFAULT_SAFETY * (sq["error"] + sq["error"].T) + DEFAULT_RTOL * size
    if np.any(gap > allowed):
        k, m = np.unravel_index(int(np.argmax(gap - allowed)), gap.shape)
        a, b = (tuple(int(t) for t in np.unravel_index(int(v), x.shape)) for v in (k, m))
        raise ValueError(
            f"the Jacobian of grad is not symmetric: d grad_{a} / dx_{b} = "
            f"{sq['value'][k, m]:.8g} but d grad_{b} / dx_{a} = {sq['value'][m, k]:.8g} "
            f"(error bars {sq['error'][k, m]:.2g}, {sq['error'][m, k]:.2g}): grad is not the "
            "gradient of any function near x"
        )
    shape = x.shape + x.shape
    sym = {k: (0.5 * (v + v.T)).reshape(shape) for k, v in sq.items()}
    kind = None
    if est.kind is not None:  # an entry is as reliable as the less reliable of its two
        kk = np.asarray(est.kind).reshape(n, n)
        kind = _worse(kk, kk.T).reshape(shape)
    notes = est.notes + (f"the Hessian is the Jacobian of grad ({memo.evaluations} "
                         f"evaluations of grad), symmetrised; grad was checked against f along "
                         f"2 random directions ({f_evals} evaluations of f)",)
    return dataclasses.replace(est, value=sym["value"], error=sym["error"],
                               lower=sym["lower"], upper=sym["upper"], kind=kind, notes=notes,
                               evaluations=memo.evaluations + f_evals)
