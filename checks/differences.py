r"""Finite-difference derivatives of scalar functions, each with a per-entry error estimate.

Every method perturbs one entry ``x_k`` at a time by a step ``h_k`` and returns an
:class:`Estimate` whose ``error`` bounds (up to a small constant) the difference between the
estimate and the true derivative: a truncation part, measured from a second step, plus a
round-off part, ``c * noise / h_k``, where ``noise`` is the larger of ``eps * max|f|`` and
the noise of ``f`` measured near ``x`` by two probes of 8 extra evaluations each (see
:func:`_noise_level`): round-off in ``f`` can exceed ``eps * |f|`` by orders of magnitude.

Default steps balance truncation against round-off and are scale-invariant:

.. math::

    h_k = c_{\text{method}} \cdot \max(|x_k|, \operatorname{rms}(x)),

with ``c = eps^(1/2)`` (forward, error ``O(h) + O(eps/h)``), ``c = eps^(1/3)`` (central,
``O(h^2) + O(eps/h)``), ``c = 2 eps^(1/7)`` (Richardson over ``h, h/2, h/4``,
``O(h^6) + O(eps/h)``) and ``c = 1e-20`` (complex step: no subtraction, no round-off
amplification). Multiplying ``x`` by ``s`` multiplies every step by ``s``; no absolute
constant enters, so verdicts do not depend on the scale of the inputs.

Each step is made exactly representable (``h = (x + h) - x``) so that the divisor is the
perturbation that was really applied.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from checks._util import (
    EPS,
    as_float64,
    call_scalar,
    default_steps,
    typical_scale,
    user_steps,
    validate_method,
)

__all__ = [
    "STEP_FACTORS",
    "Estimate",
    "estimate_gradient",
    "numerical_gradient",
    "directional_derivative",
    "directional_derivatives",
    "numerical_hessian",
]

#: ``c`` in the default step ``h_k = c * max(|x_k|, rms(x))``, per method.
STEP_FACTORS: dict[str, float] = {
    "forward": EPS**0.5,
    "central": EPS ** (1.0 / 3.0),
    "richardson": 2.0 * EPS ** (1.0 / 7.0),
    "complex": 1e-20,
}

# Offsets (in units of h) evaluated for each real method, besides f(x) itself.
_OFFSETS: dict[str, tuple[float, ...]] = {
    "forward": (1.0, 2.0),
    "central": (1.0, -1.0, 2.0, -2.0),
    "richardson": (1.0, -1.0, 0.5, -0.5, 0.25, -0.25),
}

# Round-off amplification: noise of the returned value ~ _ROUNDOFF * eps * F / h.
_ROUNDOFF = {"forward": 2.0, "central": 1.0, "richardson": 5.0, "complex": 0.0}

_BATCH_BYTES = 32 * 2**20  # memory per vectorized call


@dataclass(frozen=True)
class Estimate:
    """A numerical derivative with its error bar.

    Attributes
    ----------
    value : ndarray or float
        The derivative estimate (the shape of ``x`` for a gradient).
    error : ndarray or float
        Estimated absolute error of each entry (truncation + round-off).
    step : ndarray or float
        The base step ``h`` used for each entry.
    method : str
        ``"forward"``, ``"central"``, ``"richardson"`` or ``"complex"``.
    evaluations : int
        Number of calls of ``f`` (points, when vectorized).
    notes : tuple of str
        Remarks, e.g. that the input was converted to float64.
    """

    value: Any
    error: Any
    step: Any
    method: str
    evaluations: int
    notes: tuple[str, ...] = field(default=())


def _evaluate(fun, x, targets, vectorized: bool, complex_ok: bool, entries=None) -> np.ndarray:
    """``f`` at ``x`` with entry ``entries[k]`` replaced by ``targets[j, k]``, for all ``j, k``.

    ``entries`` defaults to every entry of ``x`` (flat indices).
    """
    n_off, m = targets.shape
    entries = np.arange(m) if entries is None else np.asarray(entries)
    dtype = targets.dtype
    values = np.empty((n_off, m), dtype=complex if complex_ok else float)
    flat = x.ravel()
    if not vectorized:
        # one working buffer: set entry e, evaluate, restore. f sees a read-only view, so an
        # f that writes into its argument fails loudly instead of corrupting later points.
        buf = flat.astype(dtype, copy=True)
        view = buf.reshape(x.shape)
        view.flags.writeable = False
        for k in range(m):
            e = int(entries[k])
            for j in range(n_off):
                buf[e] = targets[j, k]
                values[j, k] = call_scalar(
                    fun, view, lambda e=e: f"x + h e_{_index(x.shape, e)}", complex_ok
                )
            buf[e] = flat[e]
        return values
    per_batch = max(1, _BATCH_BYTES // max(1, x.size * np.dtype(dtype).itemsize))
    jj, kk = np.divmod(np.arange(n_off * m), m)
    for start in range(0, n_off * m, per_batch):
        sl = slice(start, start + per_batch)
        batch = np.repeat(flat.astype(dtype)[None, :], len(jj[sl]), axis=0)
        batch[np.arange(len(jj[sl])), entries[kk[sl]]] = targets[jj[sl], kk[sl]]
        out = np.asarray(fun(batch.reshape((-1,) + x.shape)))
        if out.shape != (len(jj[sl]),):
            raise ValueError(
                "a vectorized f must map a batch of shape (B, *x.shape) to shape (B,); "
                f"got {out.shape} for B={len(jj[sl])}"
            )
        if out.dtype.kind == "c" and not complex_ok:
            raise ValueError("f must return real values, got complex ones")
        if not np.all(np.isfinite(out)):
            bad = int(np.argmin(np.isfinite(out)))
            where = _index(x.shape, int(entries[kk[sl][bad]]))
            raise ValueError(f"f returned {out[bad]} at x + h e_{where}; f must be finite")
        values[jj[sl], kk[sl]] = out
    return values


def _index(shape: tuple[int, ...], k: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(k, shape)) if shape else ()


def _combine(method: str, values, steps, f0: float):
    """Value, truncation-error estimate and base step from the evaluated stencil."""
    if method == "forward":
        d1 = (values[0] - f0) / steps[0]
        d2 = (values[1] - f0) / steps[1]
        return d1, np.abs(d2 - d1)
    # central differences with the exact applied steps on both sides
    d = [
        (values[i] - values[i + 1]) / (steps[i] - steps[i + 1])
        for i in range(0, len(values), 2)
    ]
    if method == "central":
        # D(2h) - D(h) is 3x the truncation error of D(h), and carries D(h)'s noise.
        return d[0], np.abs(d[1] - d[0])
    r1a = (4.0 * d[1] - d[0]) / 3.0
    r1b = (4.0 * d[2] - d[1]) / 3.0
    r2 = (16.0 * r1b - r1a) / 15.0
    # With R1(h) = f' + a4 h^4 + a6 h^6: R2 = f' - a6 h^6 / 20 and
    # R1(h) - R1(h/2) = (15/16) a4 h^4 + (63/64) a6 h^6, so |R1(h) - R1(h/2)| / 16 bounds
    # the error of R2 both when a4 dominates and when a4 vanishes (it then is >= 0.062
    # |a6| h^6 > 0.05 |a6| h^6); it fails only where the two terms cancel, i.e. at a step so
    # long that a6 h^2 ~ a4. The difference carries the noise of D(h/2) and D(h/4) with
    # weights 4/3, which the round-off term bounds separately.
    return r2, np.abs(r1b - r1a) / 16.0


_NOISE_POINTS = 9  # evaluations of each noise probe (f(x) is shared)
# (spacing relative to rms(x), orders of differences used): a fine probe, whose k-th
# differences are noise for any smooth f, and a coarser one, whose rounding errors are
# independent even where f is a staircase of few ulps (a saturated tanh, say) -- there the
# fine probe's errors are correlated and its differences understate the noise.
_NOISE_PROBES = ((1e-6, (4, 5, 6)), (1e-4, (6,)))


@functools.lru_cache(maxsize=32)
def _probe_direction(shape: tuple[int, ...]) -> np.ndarray:
    """The fixed random direction of the noise probe, scaled to rms 1 (cached per shape)."""
    p = np.random.default_rng(7).standard_normal(shape)
    p /= typical_scale(p)
    p.flags.writeable = False
    return p


def _noise_level(fun, x, f0, vectorized) -> float:
    """Estimate the noise of computed ``f`` near ``x`` (Moré & Wild's ECnoise).

    ``f`` is evaluated at ``x + j * delta * p``, ``j = 0..8``, along a fixed random direction
    ``p``; for a smooth ``f`` the ``k``-th differences of these values are pure noise, and
    ``sigma_k = sqrt(gamma_k * mean(diff^k f ** 2))`` with ``gamma_k = (k!)^2 / (2k)!``
    estimates its standard deviation. This catches round-off far above ``eps * |f|``, as in
    ``log(exp(x))`` for small ``x`` where the intermediate is about 1 while ``f`` is tiny.
    The largest estimate over the probes of ``_NOISE_PROBES`` is returned, and at least
    ``eps * max|f|`` over the probe points.
    """
    p = _probe_direction(x.shape) * typical_scale(x)
    steps = np.arange(1, _NOISE_POINTS)
    sigmas = []
    for delta, orders in _NOISE_PROBES:
        if vectorized:
            pts = x[None] + (delta * steps).reshape((-1,) + (1,) * x.ndim) * p[None]
            vals = np.asarray(fun(pts), dtype=float)
        else:
            vals = np.array([
                call_scalar(fun, x + (delta * j) * p, "x + noise probe", False) for j in steps
            ])
        if not np.all(np.isfinite(vals)):
            raise ValueError("f returned non-finite values near x (noise probe)")
        table = np.concatenate(([f0], vals))
        for k in orders:
            dk = np.diff(table, n=k)
            gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
            sigmas.append(math.sqrt(gamma * float(np.mean(dk**2))))
        sigmas.append(EPS * float(np.max(np.abs(table))))
    return max(sigmas)


_REFINE_ROUNDS = 2  # at most two refinements by a factor 4 of a truncation-dominated step
_REFINE_RATIO = 4.0  # truncation counts as dominant above this multiple of the round-off


def _baseline(f, x, vectorized) -> tuple[float, float, int]:
    """``(f(x), noise of f near x, evaluations)``: shared by every estimate at ``x``."""
    if vectorized:
        f0 = float(_evaluate(f, x, x.ravel()[None, :1], True, False, entries=[0])[0, 0])
    else:
        f0 = call_scalar(f, x, "x", False)
    noise = _noise_level(f, x, f0, vectorized)
    return f0, noise, 1 + (_NOISE_POINTS - 1) * len(_NOISE_PROBES)


def _estimate(fun, x, h, method, vectorized, f0, noise, refine=True):
    """Core: the derivative of scalar ``fun`` at float64 array ``x`` with base steps ``h``.

    ``f0 = fun(x)`` and ``noise``, the noise level of ``fun`` near ``x``, come from
    :func:`_baseline`.
    Where the truncation part of an entry's error exceeds its round-off part
    ``_REFINE_RATIO``-fold (the step is long for that entry: ``f`` varies on a shorter length
    than ``|x_k|``), the entry is recomputed with the step divided by 4, at most
    ``_REFINE_ROUNDS`` times (not when the caller chose the step: ``refine=False``). The
    shorter step's value also tightens the longer one's bound; the shorter step is taken
    only when its bound is four times tighter, since it carries four times the noise.
    Returns ``(value, error, evaluations)``.
    """
    flat = x.ravel()
    h = h.ravel()
    evals = 0
    if method == "complex":
        targets = flat[None, :] + 1j * h[None, :]
        values = _evaluate(fun, x, targets, vectorized, True)[0]
        value = values.imag / h
        # round-off of the imaginary part (relative eps), and the floor below which a
        # derivative cannot be told from 0: the noise of f over the length scale of x
        floor = 10.0 * max(noise, EPS * abs(f0)) / typical_scale(x)
        err = 10.0 * EPS * (np.abs(value) + np.max(np.abs(value), initial=0.0)) + floor
        return value.reshape(x.shape), err.reshape(x.shape), h.size + evals
    value, trunc, roundoff, n_evals = _real_pass(fun, x, flat, h, method, vectorized, f0, noise,
                                                 np.arange(flat.size))
    evals += n_evals
    active = np.ones(flat.size, dtype=bool)
    for _ in range(_REFINE_ROUNDS if refine else 0):
        todo = np.flatnonzero(active & (trunc > _REFINE_RATIO * roundoff))
        if todo.size == 0:
            break
        h = h.copy()
        h[todo] /= 4.0
        v2, t2, r2, n_evals = _real_pass(fun, x, flat, h[todo], method, vectorized, f0, noise,
                                         todo)
        evals += n_evals
        # The shorter step's value bounds the longer one's truncation more tightly:
        # |e(h)| <= |v(h) - v(h/4)| + |e(h/4)|. Keep the longer step (less noise, in
        # practice the more accurate) unless the shorter is bounded four times better.
        tighter = np.minimum(trunc[todo], np.abs(value[todo] - v2) + t2 + r2)
        take = (t2 + r2) < 0.25 * (tighter + roundoff[todo])
        keep = todo[~take]
        trunc[keep] = tighter[~take]
        h[keep] *= 4.0
        active[keep] = False
        idx = todo[take]
        value[idx], trunc[idx], roundoff[idx] = v2[take], t2[take], r2[take]
    return value.reshape(x.shape), (trunc + roundoff).reshape(x.shape), evals


def _real_pass(fun, x, flat, h, method, vectorized, f0, noise, entries):
    """One stencil evaluation for ``entries``: ``(value, truncation, round-off, evals)``."""
    offsets = _OFFSETS[method]
    base = flat[entries]
    targets = base[None, :] + np.asarray(offsets)[:, None] * h[None, :]
    steps = targets - base[None, :]
    values = _evaluate(fun, x, targets, vectorized, False, entries)
    value, trunc = _combine(method, values, steps, f0)
    scale_f = np.maximum(np.max(np.abs(values), axis=0), abs(f0))
    roundoff = _ROUNDOFF[method] * np.maximum(EPS * scale_f, noise) / np.abs(steps[0])
    return value, trunc, roundoff, len(offsets) * entries.size


def estimate_gradient(
    f: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: str = "richardson",
    step: Any = None,
    vectorized: bool = False,
) -> Estimate:
    r"""Numerical gradient of a scalar function, with a per-entry error estimate.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It receives a read-only array (it must not modify its argument).
        With ``vectorized=True``, ``f`` maps a batch of shape
        ``(B, *x.shape)`` to shape ``(B,)`` and all perturbed points go in few calls.
    x : array_like
        The point; any shape (0-d included). Converted to float64 (noted).
    method : {"richardson", "central", "forward", "complex"}, default "richardson"
        ``"richardson"`` combines central differences at ``h, h/2, h/4`` (error
        ``O(h^6)``, ``6n + 17`` evaluations); ``"central"`` uses ``h`` and ``2h``
        (``O(h^2)``, ``4n + 17``); ``"forward"`` uses ``h`` and ``2h`` (``O(h)``,
        ``2n + 17``); ``"complex"`` is the complex step ``Im f(x + i h e_k) / h`` (exact to
        round-off, ``n + 23``; ``f`` must be complex-safe, which is cross-checked against a
        Richardson directional derivative along a random direction). The 16 extra
        evaluations are the noise probes; entries whose step proves long (truncation well
        above round-off) are recomputed with shorter steps, at extra cost.
    step : float or ndarray, optional
        Absolute base step ``h`` (scalar or per entry). Default
        ``STEP_FACTORS[method] * max(|x_k|, rms(x))``.
    vectorized : bool, default False
        Whether ``f`` accepts a leading batch axis.

    Returns
    -------
    Estimate
        ``value`` and ``error`` of ``x``'s shape; the steps' disagreement measures the
        truncation error, ``c * noise / h`` the round-off (see the module docstring).

    Examples
    --------
    >>> est = estimate_gradient(lambda x: np.sum(x**3), np.array([1.0, 2.0]))
    >>> np.allclose(est.value, [3.0, 12.0]), bool(np.all(est.error < 1e-8))
    (True, True)
    """
    validate_method(method)
    xf, note = as_float64("x", x)
    h = default_steps(xf, STEP_FACTORS[method]) if step is None else user_steps(step, xf)
    f0, noise, base_evals = _baseline(f, xf, vectorized)
    value, error, evals = _estimate(f, xf, h, method, vectorized, f0, noise, step is None)
    evals += base_evals
    if method == "complex":
        n_evals, floor = _cross_check_complex(f, xf, value, error, vectorized, f0, noise)
        evals += n_evals
        error = np.maximum(error, floor)
    notes = (note,) if note else ()
    return Estimate(value, error, h.reshape(xf.shape), method, evals, notes)


def numerical_gradient(
    f: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: str = "richardson",
    step: Any = None,
    vectorized: bool = False,
) -> np.ndarray:
    """Finite-difference gradient of scalar ``f`` at ``x``: float64, the shape of ``x``.

    Same arguments as :func:`estimate_gradient`, which also returns the error estimate.

    Examples
    --------
    >>> g = numerical_gradient(lambda X: np.trace(X @ X), np.eye(2))
    >>> np.allclose(g, 2 * np.eye(2))
    True
    """
    return estimate_gradient(f, x, method=method, step=step, vectorized=vectorized).value


def _direction_fun(f, x, v, vectorized):
    if vectorized:
        return lambda t: f(x[None] + np.reshape(t, (-1,) + (1,) * x.ndim) * v[None])
    return lambda t: f(x + t * v)


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
                    est.evaluations, est.notes)


def _along(f, x, v, method, step, vectorized, f0, noise):
    """``(value, error, step, evaluations)`` of the derivative of ``f`` at ``x`` along ``v``.

    Works in ``t``-units where ``t = 1`` moves ``x`` by ``rms(x)``, so that every default
    constant of the per-entry methods applies; ``f0 = f(x)`` and the noise of ``f`` near
    ``x`` (in units of ``f``) do not depend on the direction and are shared between them.
    """
    unit = typical_scale(x) / typical_scale(v)
    h = STEP_FACTORS[method] if step is None else float(user_steps(step, np.zeros(()))) / unit
    phi = _direction_fun(f, x, v * unit, vectorized)
    t0 = np.zeros(())
    value, error, evals = _estimate(phi, t0, np.array(h), method, vectorized, f0, noise,
                                    step is None)
    if method == "complex":
        rich = STEP_FACTORS["richardson"]
        ref, ref_err, ref_evals = _estimate(phi, t0, np.array(rich), "richardson", vectorized,
                                            f0, noise)
        _complex_agrees(float(value), float(error), float(ref), float(ref_err), abs(float(ref)))
        # the disagreement bounds round-off the complex step inherits from real
        # intermediates (see _cross_check_complex)
        error = max(float(error), abs(float(value) - float(ref)) + float(ref_err))
        evals += ref_evals
    return float(value) / unit, float(error) / unit, h * unit, evals


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
    are evaluated once: ``6K + 17`` evaluations with Richardson. Returns an
    :class:`Estimate` whose ``value`` and ``error`` have shape ``(K,)``.
    """
    validate_method(method)
    xf, note = as_float64("x", x)
    vs, _ = as_float64("directions", directions)
    if vs.shape[1:] != xf.shape or vs.ndim != xf.ndim + 1:
        raise ValueError(f"directions must have shape (K, *{xf.shape}), got {vs.shape}")
    if not all(np.any(v) for v in vs):
        raise ValueError("every direction must be non-zero")
    f0, noise, base_evals = _baseline(f, xf, vectorized)
    out = [_along(f, xf, v, method, step, vectorized, f0, noise) for v in vs]
    evals = base_evals + sum(o[3] for o in out)
    notes = (note,) if note else ()
    return Estimate(
        np.array([o[0] for o in out]), np.array([o[1] for o in out]),
        np.array([o[2] for o in out]), method, evals, notes,
    )


def _complex_agrees(cs: float, cs_err: float, ref: float, ref_err: float, scale: float) -> None:
    """Raise if the complex step and a real Richardson difference disagree."""
    if abs(cs - ref) > 100.0 * (cs_err + ref_err) + 1e-7 * scale:
        raise ValueError(
            "the complex step disagrees with a real central difference along a random "
            f"direction ({cs!r} vs {ref!r}): f is not complex-safe (abs, np.real, "
            "comparisons or casts drop the imaginary part); use method='richardson'"
        )


def _cross_check_complex(f, x, value, error, vectorized, f0, noise) -> tuple[int, float]:
    """Compare ``<complex gradient, v>`` with a Richardson directional derivative.

    Raises when they disagree grossly (f not complex-safe). Otherwise returns the evaluations
    and an error floor for every entry: the measured disagreement plus the reference's own
    error, per unit of ``||v||``. The complex step has no subtraction, but it inherits the
    round-off of ``f``'s real intermediates (near Rosenbrock's minimum ``y - x^2`` keeps 1e-11
    relative accuracy, and so does the imaginary part built on it), which its own
    ``eps``-relative bound cannot see and this comparison does.
    """
    v = np.random.default_rng(20201126).standard_normal(x.shape)
    ref, ref_err, _, evals = _along(f, x, v, "richardson", None, vectorized, f0, noise)
    dot = float(np.sum(value * v))
    bound = float(np.sum(np.abs(value * v)) + np.sum(error * np.abs(v)))
    _complex_agrees(dot, float(np.sum(error * np.abs(v))), float(ref), float(ref_err), bound)
    floor = (abs(dot - float(ref)) + float(ref_err)) / float(np.linalg.norm(v))
    return evals, floor


def numerical_hessian(
    f: Callable[[np.ndarray], Any], x: Any, *, step: Any = None
) -> np.ndarray:
    r"""Hessian of scalar ``f`` at ``x`` by second central differences, shape ``(n, n)``.

    .. math::

        H_{ij} \approx \frac{f(x + h_i e_i + h_j e_j) - f(x + h_i e_i - h_j e_j)
        - f(x - h_i e_i + h_j e_j) + f(x - h_i e_i - h_j e_j)}{4 h_i h_j}

    with ``h_k = eps^(1/4) * max(|x_k|, rms(x))`` (error ``O(h^2) + O(eps/h^2)``, about
    1e-8 relative). ``n = x.size``; entries are ordered as ``x.ravel()``. Costs ``2n(n+1)``
    evaluations; the result is symmetric.

    Examples
    --------
    >>> H = numerical_hessian(lambda w: w @ np.array([[2.0, 1.0], [0.0, 3.0]]) @ w, np.ones(2))
    >>> np.allclose(H, [[4.0, 1.0], [1.0, 6.0]], atol=1e-6)
    True
    """
    xf, _ = as_float64("x", x)
    flat = xf.ravel()
    n = flat.size
    h = default_steps(flat, EPS**0.25) if step is None else user_steps(step, xf).ravel()
    h = (flat + h) - flat

    def at(delta: np.ndarray) -> float:
        return call_scalar(f, (flat + delta).reshape(xf.shape), "x + perturbation", False)

    hess = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h[i]
            ej[j] = h[j]
            val = (at(ei + ej) - at(ei - ej) - at(ej - ei) + at(-ei - ej)) / (4.0 * h[i] * h[j])
            hess[i, j] = hess[j, i] = val
    return hess
