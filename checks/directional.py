"""Derivatives along directions: ``d/dt f(x + t v)`` at ``t = 0``, with error bars.

A direction is a scalar function of ``t`` differentiated by the methods of
:mod:`checks.methods` (the ladder, with its own noise probe along the line); many directions
share ``f(x)`` and the noise probe (:func:`directional_derivatives`, :func:`along_directions`).
The complex step is cross-checked against a real difference along a random direction
(:func:`_cross_check_complex`).

>>> d = directional_derivative(lambda x: float(x @ x), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
>>> round(float(d.value), 8)
2.0
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from checks._util import as_float64, typical_scale, user_steps, validate_method
from checks.estimates import Estimate, _Raw
from checks.ladder import UNRESOLVED
from checks.methods import STEP_FACTORS, _estimate
from checks.noise import Baseline, baseline, noise_note, with_noise
from checks.probe import probe_point

__all__ = ["along_directions", "directional_derivative", "directional_derivatives"]


def _direction_fun(f, x, v, vectorized):
    return _Line(f, x, v, vectorized)


class _Line:
    """``t -> f(x + t v)`` (a stack of ``t`` when vectorized): an object, not a lambda, so
    that an executor in other processes can receive it (:mod:`checks.executor`)."""

    def __init__(self, f, x, v, vectorized):
        self.f, self.x, self.v, self.vectorized = f, x, v, vectorized

    def __call__(self, t):
        x, v = self.x, self.v
        if self.vectorized:
            return self.f(x[None] + np.reshape(t, (-1,) + (1,) * x.ndim) * v[None])
        if np.iscomplexobj(t):
            return self.f(x + t * v)  # the complex step
        # x + t v in one new array (probe_point's way: t v, then x added in place -- the same
        # numbers, addition commutes exactly -- without a second array of x's size)
        return self.f(probe_point(x, t, v))

    def prefetch(self, ts: np.ndarray) -> bool:
        """Pass the points ``x + t v`` on to ``f``'s own prefetch (a memo), if it has one."""
        pre = getattr(self.f, "prefetch", None)
        return pre is not None and pre(np.stack([self.x + t * self.v for t in ts]))


def directional_derivative(
    f: Callable[[np.ndarray], Any],
    x: Any,
    v: Any,
    *,
    method: str = "richardson",
    step: Any = None,
    vectorized: bool = False,
) -> Estimate:
    r"""Derivative of ``f`` at ``x`` along ``v``: ``d/dt f(x + t v)`` at ``t = 0``.

    Costs a fixed number of evaluations (23 for Richardson), whatever the size of ``x``.
    The default step in ``t`` is ``STEP_FACTORS[method] * rms(x) / rms(v)`` (``rms(x)``
    taken as 1 when ``x == 0``): the perturbation ``t v`` has the size a per-entry step
    would have. A given ``step`` is the absolute step in ``t``.

    Returns
    -------
    Estimate
        Scalar ``value`` and ``error``.

    Examples
    --------
    >>> d = directional_derivative(lambda x: x @ x, np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    >>> round(float(d.value), 10)
    2.0
    """
    vf, _ = as_float64("v", v)
    if vf.shape != np.shape(x):
        raise ValueError(f"v must have the shape of x, {np.shape(x)}; got {vf.shape}")
    if not np.any(vf):
        raise ValueError("v must be a non-zero direction")
    est = directional_derivatives(f, x, vf[None], method=method, step=step,
                                  vectorized=vectorized)
    return Estimate(float(est.value[0]), float(est.error[0]), float(est.step[0]), method,
                    est.evaluations, est.notes, float(est.lower[0]), float(est.upper[0]),
                    None if est.kind is None else int(est.kind[0]), est.noise, est.f0,
                    est.f_scale)


def _along(f, x, v, method, step, vectorized, base: Baseline, shrink: float = 1.0,
           scales: tuple[float, float, bool] | None = None):
    """The derivative of ``f`` at ``x`` along ``v``, as an :class:`_Raw` of 0-d arrays.

    Works in ``t``-units where ``t = 1`` moves ``x`` by ``rms(x)``, so that every default
    constant of the per-entry methods applies; ``f(x)`` and the noise of ``f`` near ``x``
    (in units of ``f``) do not depend on the direction and are shared between them. The
    returned ``value``, ``error``, ``lower``, ``upper`` and ``step`` are per unit of ``t``
    along ``v`` itself. ``shrink`` divides the default step (another direction needed
    shorter steps to agree with the noise probe). ``scales`` is :func:`_scales` of ``x``
    and ``v`` where the caller has it (it costs passes over ``x`` and ``v``).
    """
    sx, sv, probed = _scales(x, v, base) if scales is None else scales
    unit = sx / sv
    if step is None:
        h = STEP_FACTORS[method] / shrink
    else:
        h = float(user_steps(step, np.zeros(()))) / unit
        if method != "complex" and np.all(x + (h * unit) * v == x):
            raise ValueError(
                f"step {step!r} underflows along the direction: x + step * v == x for every "
                "entry; use a longer step or the default"
            )
    phi = _direction_fun(f, x, v * unit, vectorized)
    t0 = np.zeros(())
    line_base = dataclasses.replace(base, slope=None, direction=np.ones(()))
    if base.slope is not None and probed:
        # the probe ran along v (a directional check's first direction): its slope, per unit
        # of t (t = 1 moves x by rms(x) along v / rms(v)), cross-checks this ladder
        s = sx
        line_base = dataclasses.replace(line_base, slope=base.slope * s,
                                        slope_error=base.slope_error * s,
                                        slope_gain=base.slope_gain * s)
    raw = _estimate(phi, t0, np.array(h), method, vectorized, line_base, step is None, unit)
    error, evals = float(raw.error), raw.evaluations
    if method == "complex":
        rich = STEP_FACTORS["richardson"]
        ref = _estimate(phi, t0, np.array(rich), "richardson", vectorized, line_base)
        _complex_agrees(float(raw.value), error, float(ref.value), float(ref.error),
                        abs(float(ref.value)))
        # the disagreement bounds round-off the complex step inherits from real
        # intermediates (see _cross_check_complex)
        error = max(error, abs(float(raw.value) - float(ref.value)) + float(ref.error))
        evals += ref.evaluations
    used = h if raw.step is None else float(raw.step)
    findings = tuple(line.replace("entry ()", "the direction") for line in raw.findings)
    return _Raw(np.array(float(raw.value) / unit), np.array(error / unit),
                np.array(float(raw.lower) / unit), np.array(float(raw.upper) / unit),
                raw.kind, evals, findings, np.array(used * unit), raw.inconsistent,
                raw.noise, raw.shrink * shrink)


def _scales(x: np.ndarray, v: np.ndarray, base: Baseline,
            sx: float | None = None) -> tuple[float, float, bool]:
    """``rms(x)`` (``sx`` where known), ``rms(v)``, and whether the noise probe of ``base``
    ran along ``v`` (only asked where the probe measured a slope)."""
    sv = typical_scale(v)
    d = base.direction
    # array_equal(d, v / sv), answered by the first entry where that differs (other directions)
    probed = (base.slope is not None and d is not None and d.shape == v.shape
              and (d.size == 0 or d.flat[0] == v.flat[0] / sv) and np.array_equal(d, v / sv))
    return typical_scale(x) if sx is None else sx, sv, probed


def directional_derivatives(
    f: Callable[[np.ndarray], Any],
    x: Any,
    directions: Any,
    *,
    method: str = "richardson",
    step: Any = None,
    vectorized: bool = False,
) -> Estimate:
    """Derivatives of ``f`` at ``x`` along each of ``directions`` (shape ``(K, *x.shape)``).

    Like :func:`directional_derivative` for each direction, but ``f(x)`` and the noise probe
    are evaluated once: ``6K + 18`` evaluations with Richardson where ``f`` is smooth along
    every direction (each direction descends its own ladder of steps where it is not).
    Returns an :class:`Estimate` whose ``value``, ``error``, ``lower`` and ``upper`` have
    shape ``(K,)``.
    """
    validate_method(method)
    xf, note = as_float64("x", x)
    vs, _ = as_float64("directions", directions)
    if vs.shape[1:] != xf.shape or vs.ndim != xf.ndim + 1:
        raise ValueError(f"directions must have shape (K, *{xf.shape}), got {vs.shape}")
    if not all(np.any(v) for v in vs):
        raise ValueError("every direction must be non-zero")
    return _directional_derivatives(f, xf, vs, method=method, step=step, vectorized=vectorized,
                                    note=note)


def _directional_derivatives(f: Callable[[np.ndarray], Any], xf: np.ndarray,
                             vs: Sequence[np.ndarray], *, method: str, step: Any,
                             vectorized: bool, note: str | None = None) -> Estimate:
    """:func:`directional_derivatives` at a float64 ``xf`` along non-zero float64 directions
    ``vs`` of shape ``xf.shape`` that the caller owns (a check's own copy of the point, its
    own random directions): without copying and validating them again. ``vs`` is read one
    direction at a time, in order (a :class:`checks.draws.Rows` is still drawing the later
    ones while the first is worked along)."""
    v0 = vs[0]
    sx, sv0 = typical_scale(xf), typical_scale(v0)
    base = baseline(f, xf, vectorized, direction=v0, scales=(sx, sv0))
    # the probe ran along vs[0] / sv0 (computed just so in baseline): no need to compare;
    # the others' scales are taken when each is reached
    scales: list[tuple[float, float, bool] | None] = [(sx, sv0, base.slope is not None)]
    scales += [None] * (len(vs) - 1)
    est = along_directions(f, xf, vs, method=method, step=step, vectorized=vectorized,
                           base=base, scales=scales)
    notes = ((note,) if note else ()) + base.notes + est.notes
    noisy = noise_note(base.noise, base.scale, None)
    if noisy:
        notes += (noisy,)
    return dataclasses.replace(est, evaluations=base.evaluations + est.evaluations,
                               notes=notes)


def along_directions(f: Callable[[np.ndarray], Any], x: np.ndarray, vs: Sequence[np.ndarray],
                     *, method: str, step: Any, vectorized: bool, base: Baseline,
                     scales: list[tuple[float, float, bool] | None] | None = None
                     ) -> Estimate:
    """The derivatives along ``vs`` at float64 ``x`` whose baseline (``f(x)``, noise) is
    known: :func:`directional_derivatives` without it. ``evaluations`` counts only the
    ones spent here; ``notes`` are the directions' own findings. ``scales`` is
    :func:`_scales` of each direction where the caller has it (``None`` where not)."""
    # rms(x), rms(v) and whether the probe ran along v: once per direction, not per pass,
    # each taken when its direction is first reached
    known = [None] * len(vs) if scales is None else list(scales)
    if len(known) != len(vs):
        raise ValueError(f"{len(known)} scales for {len(vs)} directions")
    sx = next((sc[0] for sc in known if sc is not None), None)
    out, full = [], []
    for j in range(len(vs)):
        v, sc = vs[j], known[j]
        if sc is None:
            sx = typical_scale(x) if sx is None else sx
            sc = _scales(x, v, base, sx)
        full.append(sc)
        out.append(_along(f, x, v, method, step, vectorized, base, scales=sc))
    evals = sum(o.evaluations for o in out)
    louder = max((o.noise for o in out if o.noise is not None), default=None)
    shrink = max(o.shrink for o in out)
    if louder is not None or shrink > 1.0:
        # noise that one direction showed is in f's values, and a feature narrower than the
        # steps that the probe showed along the first is there for every direction: all of
        # them again, with that noise and at those steps
        base = with_noise(base, louder) if louder is not None else base
        out = [_along(f, x, vs[j], method, step, vectorized, base, shrink, full[j])
               for j in range(len(vs))]
        evals += sum(o.evaluations for o in out)
    inconsistent = next((o.inconsistent for o in out if o.inconsistent), None)
    notes: tuple[str, ...] = ()
    for j, o in enumerate(out):
        notes += tuple(line.replace("the direction", f"direction {j}") for line in o.findings)
    kinds = [o.kind for o in out]
    kind = None if any(k is None for k in kinds) else np.array([int(k) for k in kinds])
    if inconsistent:
        notes += (inconsistent.replace("per-entry estimates", "directional estimates"),)
        if kind is not None:
            kind[:] = UNRESOLVED

    def stack(name):
        return np.array([float(getattr(o, name)) for o in out])

    return Estimate(stack("value"), stack("error"), stack("step"), method, evals, notes,
                    stack("lower"), stack("upper"), kind, base.noise, base.f0, base.scale,
                    base.slope, base.slope_error, None, base.direction)


def _complex_agrees(cs: float, cs_err: float, ref: float, ref_err: float, scale: float) -> None:
    """Raise if the complex step and a real Richardson difference disagree."""
    if abs(cs - ref) > 100.0 * (cs_err + ref_err) + 1e-7 * scale:
        raise ValueError(
            "the complex step disagrees with a real central difference along a random "
            f"direction ({cs!r} vs {ref!r}): f is not complex-safe (abs, np.real, "
            "comparisons or casts drop the imaginary part); use method='richardson'"
        )


def _cross_check_complex(f, x, value, error, vectorized, base) -> tuple[int, float]:
    """Compare ``<complex gradient, v>`` with a Richardson directional derivative.

    Raises when they disagree grossly (f not complex-safe). Otherwise returns the evaluations
    and an error floor for every entry: the measured disagreement plus the reference's own
    error, per unit of ``||v||``. The complex step has no subtraction, but it inherits the
    round-off of ``f``'s real intermediates (near Rosenbrock's minimum ``y - x^2`` keeps 1e-11
    relative accuracy, and so does the imaginary part built on it), which its own
    ``eps``-relative bound cannot see and this comparison does.
    """
    v = np.random.default_rng(20201126).standard_normal(x.shape)
    ref_raw = _along(f, x, v, "richardson", None, vectorized, base)
    ref, ref_err, evals = float(ref_raw.value), float(ref_raw.error), ref_raw.evaluations
    dot = float(np.sum(value * v))
    bound = float(np.sum(np.abs(value * v)) + np.sum(error * np.abs(v)))
    _complex_agrees(dot, float(np.sum(error * np.abs(v))), float(ref), float(ref_err), bound)
    floor = (abs(dot - float(ref)) + float(ref_err)) / float(np.linalg.norm(v))
    return evals, floor
