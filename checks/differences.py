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
perturbation that was really applied; a user's step that vanishes that way (``x + h == x``)
is a ``ValueError``.

The default method, Richardson, does not stop at the default step: each entry descends a
ladder of halved steps until its estimate settles, with kinks, domain edges and poles told
apart (:mod:`checks.ladder`). ``f`` gets a fresh copy of the point at every call, so an ``f``
that writes into its argument cannot corrupt the points that follow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from checks._util import (
    EPS,
    NonFiniteValueError,
    as_float64,
    call_scalar,
    default_steps,
    floor_steps,
    typical_scale,
    user_steps,
    validate_method,
)
from checks.ladder import RELIABLE, SMOOTH, UNRESOLVED, Ladder, describe_findings, ladder
from checks.noise import (
    PROBE_SPACING,
    Baseline,
    baseline,
    noise_along,
    noise_note,
    with_noise,
)

__all__ = [
    "STEP_FACTORS",
    "along_directions",
    "Estimate",
    "estimate_gradient",
    "numerical_gradient",
    "directional_derivative",
    "directional_derivatives",
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
        Remarks, e.g. that the input was converted to float64, that ``f`` is noisy, or that
        an entry is not differentiable (a kink) or was differentiated one-sidedly.
    lower, upper : ndarray or float
        The interval the derivative lies in: equal to ``value`` except at a kink, where they
        are the smaller and the larger one-sided derivative (and ``value`` their midpoint).
    kind : ndarray of int8 or None
        Per entry, :data:`checks.ladder.KIND_NAMES` index (0 smooth, 1 kink, 2/3 one-sided,
        4 unresolved); ``None`` for methods without the ladder.
    noise : float
        The noise of ``f`` near ``x`` (absolute), as measured.
    f0 : float
        ``f(x)``.
    f_scale : float
        The largest ``|f|`` seen at ``x`` and in the noise probe.
    slope, slope_error : float or None, float
        The derivative of ``f`` along the noise probe's direction (:attr:`probe_direction`)
        at its short spacing, and its bound; ``None`` where no probe table was noise-like.
        :mod:`checks.compare` holds the analytic gradient against it as one more direction.
    inconsistent : str or None
        Why the estimate cannot be trusted as a whole, or ``None``: the per-entry estimates
        disagree with :attr:`slope` even at much shorter steps (see
        :func:`_adaptive`). No entry of such an estimate can fail a check.
    probe_direction : ndarray or None
        The direction of the noise probe (rms 1), the shape of ``x``.
    left, right : ndarray or None
        The one-sided derivatives where an entry is a kink (``nan`` elsewhere; ``None`` for
        methods without the ladder): ``lower`` and ``upper`` are their minimum and maximum.
    """

    value: Any
    error: Any
    step: Any
    method: str
    evaluations: int
    notes: tuple[str, ...] = field(default=())
    lower: Any = None
    upper: Any = None
    kind: Any = None
    noise: float = 0.0
    f0: float = 0.0
    f_scale: float = 0.0
    slope: float | None = None
    slope_error: float = float("inf")
    inconsistent: str | None = None
    probe_direction: Any = None
    left: Any = None
    right: Any = None


def _evaluate(
    fun, x, targets, vectorized: bool, complex_ok: bool, entries=None, finite: bool = True
) -> np.ndarray:
    """``f`` at ``x`` with entry ``entries[k]`` replaced by ``targets[j, k]``, for all ``j, k``.

    ``entries`` defaults to every entry of ``x`` (flat indices). With ``finite=False``,
    non-finite values are returned (points outside ``f``'s domain) instead of raising.
    """
    n_off, m = targets.shape
    entries = np.arange(m) if entries is None else np.asarray(entries)
    dtype = targets.dtype
    values = np.empty((n_off, m), dtype=complex if complex_ok else float)
    flat = x.ravel()
    if not vectorized:
        # one working buffer: set entry e, copy, evaluate, restore. f gets its own copy, so an
        # f that writes into its argument cannot corrupt the points that follow.
        buf = flat.astype(dtype, copy=True)
        for k in range(m):
            e = int(entries[k])
            for j in range(n_off):
                buf[e] = targets[j, k]
                values[j, k] = call_scalar(
                    fun, buf.reshape(x.shape).copy(),
                    lambda e=e: f"x + h e_{_index(x.shape, e)}", complex_ok, finite,
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
        if finite and not np.all(np.isfinite(out)):
            bad = int(np.argmin(np.isfinite(out)))
            where = _index(x.shape, int(entries[kk[sl][bad]]))
            raise NonFiniteValueError(
                f"f returned {out[bad]} at x + h e_{where}; f must be finite"
            )
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


_REFINE_ROUNDS = 2  # at most two refinements by a factor 4 of a truncation-dominated step
_REFINE_RATIO = 4.0  # truncation counts as dominant above this multiple of the round-off


@dataclass(frozen=True)
class _Raw:
    """What one estimate at ``x`` found, before it is wrapped for the caller."""

    value: np.ndarray
    error: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    kind: np.ndarray | None
    evaluations: int
    findings: tuple[str, ...] = ()
    step: np.ndarray | None = None
    inconsistent: str | None = None
    noise: float | None = None  # the noise used, where measured louder than the baseline's
    shrink: float = 1.0  # the factor the steps were divided by to agree with the probe
    left: np.ndarray | None = None
    right: np.ndarray | None = None


def _estimate(fun, x, h, method, vectorized, base: Baseline, refine=True, unit=1.0) -> _Raw:
    """Core: the derivative of scalar ``fun`` at float64 array ``x`` with base steps ``h``.

    ``base`` (``f(x)`` and the noise of ``f`` near ``x``) comes from
    :func:`checks.noise.baseline`. Richardson runs the adaptive ladder of
    :mod:`checks.ladder` (only its first three levels when the caller chose the step:
    ``refine=False``). Central and forward differences use their fixed stencil; where the
    truncation part of an entry's error exceeds its round-off part ``_REFINE_RATIO``-fold,
    the entry is recomputed with the step divided by 4, at most ``_REFINE_ROUNDS`` times.
    """
    flat = x.ravel()
    h = h.ravel()
    f0, noise = base.f0, base.noise
    if method == "complex":
        targets = flat[None, :] + 1j * h[None, :]
        values = _evaluate(fun, x, targets, vectorized, True)[0]
        value = values.imag / h
        # round-off of the imaginary part (relative eps), and the floor below which a
        # derivative cannot be told from 0: the noise of f over the length scale of x
        floor = 10.0 * max(noise, EPS * abs(f0)) / typical_scale(x)
        err = 10.0 * EPS * (np.abs(value) + np.max(np.abs(value), initial=0.0)) + floor
        value, err = value.reshape(x.shape), err.reshape(x.shape)
        return _Raw(value, err, value, value, None, h.size)
    if method == "richardson":
        return _adaptive(fun, x, h, vectorized, base, refine, unit)
    value, trunc, roundoff, evals = _real_pass(fun, x, flat, h, method, vectorized, f0, noise,
                                               np.arange(flat.size))
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
    value = value.reshape(x.shape)
    # the steps each entry's value came from (a refined entry's h / 4, h / 16)
    return _Raw(value, (trunc + roundoff).reshape(x.shape), value, value, None, evals,
                step=h.reshape(x.shape))


#: Entries whose first candidate came this many irregular levels down have their own noise
#: measured.
_DESCENT_NOISE = 2
#: Steps are divided by this before the ladder runs again where the per-entry estimates and
#: the noise probe's slope disagree (a feature narrower than the steps), at most twice.
_SHORTER = 2.0**10
_RETRIES_SHORTER = 2


def _adaptive(fun, x, h, vectorized, base: Baseline, refine, unit=1.0) -> _Raw:
    """The Richardson ladder of every entry (:mod:`checks.ladder`), then two cross-checks.

    * **Noise along the entry.** An entry whose ladder passed :data:`_DESCENT_NOISE` levels
      or more that were in no regime before it took a triple flat to noise (its differences
      were irregular at the longer steps and stopped changing below them: what unseen noise,
      or quantised values, look like -- not a smooth entry descending for precision, which
      has candidates all the way down) has the noise
      of ``f`` measured along it alone, within its first step, where the levels it descended
      from saw ``f`` irregular (:func:`checks.noise.noise_along`: 9 to 33 evaluations);
      where that is more than 4 times the noise of the shared probe, every entry's ladder
      runs again with it (the noise is a property of ``f``'s values, whichever entry showed
      it). Noise depends on the direction and on the scale: a shared probe at
      ``1e-6 rms(x)`` cannot see noise along an entry that ``f`` hardly varies with, nor a
      float32 part of ``f`` that moves in quanta only every few steps, so that the shorter
      steps the ladder descends to see a smooth ``f`` without it.
    * **The probe's slope.** The noise probe also measured the derivative of ``f`` along its
      direction ``p`` at a spacing of ``1e-6 rms(x)`` (:attr:`Baseline.slope`). The
      per-entry estimates must agree with it: ``|<n, p> - slope| <= 10 (sum_k |p_k| e_k +
      slope_error)``. A feature narrower than an entry's steps whose central differences are
      flat and whose ``f(x)`` fits its neighbours (an odd bump ``t exp(-(t / w)^2)``) escapes
      every test of the ladder, but not this one. Where they disagree the ladder runs again
      with all steps divided by :data:`_SHORTER`, at most twice; if they still disagree the
      estimate says so (``_Raw.inconsistent``) and no entry of it can fail a check.
    """
    flat = x.ravel()

    def evaluate_on(entries_of):
        def evaluate(targets, entries):
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return _evaluate(fun, x, targets, vectorized, False, entries_of[entries],
                                 finite=False)
        return evaluate

    everyone = np.arange(flat.size)

    def run(steps, noise, entries=everyone):
        return ladder(evaluate_on(entries), flat[entries], steps[entries], base.f0,
                      noise if np.ndim(noise) == 0 else noise[entries], refine=refine,
                      describe=lambda k: str(_index(x.shape, int(entries[k]))))

    names = ("value", "error", "lower", "upper", "step", "kind", "left", "right", "flat",
             "irregular")
    first_noise = base.noise
    noise = np.full(flat.size, base.noise)
    measured = np.zeros(flat.size, dtype=bool)
    steps, evals, notes, inconsistent = h, 0, [], None
    for attempt in range(_RETRIES_SHORTER + 1):
        lad = run(steps, noise)
        evals += lad.evaluations
        parts = {name: getattr(lad, name).copy() for name in names}
        if not refine:
            break
        deep = np.flatnonzero(~measured & (parts["kind"] == SMOOTH) & parts["flat"]
                              & (parts["irregular"] >= _DESCENT_NOISE))
        measured[deep] = True
        own = noise.copy()
        for k in deep:
            # nine points within the first step of x, both sides: where the levels the
            # entry descended from saw f irregular (a kink there makes the probe look
            # closer: checks.noise; quantised values that only move at that scale are
            # noise for every level below it)
            own[k], n_evals = noise_along(fun, x, int(k), base.f0, vectorized,
                                          reach=float(steps[k]))
            evals += n_evals
        louder = deep[own[deep] > 4.0 * noise[deep]]
        if louder.size:
            # the noise of f's values is theirs, whichever entry showed it: every entry's
            # estimate at that scale carries it
            noise[:] = float(np.max(own[louder]))
            base = with_noise(base, float(noise[0]))
            again = run(steps, noise)
            evals += again.evaluations
            parts = {name: getattr(again, name).copy() for name in names}
            measured[:] = True
            notes.append(f"f is noisier (at the scale of the steps along "
                         f"{_entries_text(x.shape, louder)}: {noise[0]:.2g}) than the shared "
                         "noise probe showed; that noise was used for every entry")
        if base.slope is None or not np.all(np.isin(parts["kind"], RELIABLE)):
            break
        gap, bound = _probe_gap(x, parts, base)
        if gap <= _PROBE_SAFETY * bound:
            break
        if attempt == _RETRIES_SHORTER:
            inconsistent = (
                f"the per-entry estimates disagree with the derivative along a random "
                f"direction measured at spacing {PROBE_SPACING:g} rms(x) (by {gap:.3g}, "
                f"bound {bound:.3g}) even at steps {_SHORTER:g}^{_RETRIES_SHORTER} times "
                "shorter: f has a feature narrower than the steps tried; pass a shorter step="
            )
            break
        steps = steps / _SHORTER
    lad = Ladder(**parts, evaluations=evals)
    shrink = float(np.max(h / steps)) if flat.size else 1.0
    findings = tuple(notes) + (describe_findings(lad, x.shape, unit=unit)
                               if np.any(lad.kind != SMOOTH) else ())
    shape = x.shape
    louder = float(noise[0]) if flat.size and noise[0] > first_noise else None
    return _Raw(lad.value.reshape(shape), lad.error.reshape(shape), lad.lower.reshape(shape),
                lad.upper.reshape(shape), lad.kind.reshape(shape), evals, findings,
                lad.step.reshape(shape), inconsistent, louder, shrink,
                lad.left.reshape(shape), lad.right.reshape(shape))


_PROBE_SAFETY = 10.0


def _probe_gap(x, parts, base: Baseline) -> tuple[float, float]:
    """The distance from the probe's slope to ``<n, p>`` (to the interval of
    ``sum_k p_k [lower_k, upper_k]`` where entries are kinks: the directional derivative of a
    convex kink lies in it) and its bound ``sum_k |p_k| e_k + slope_error`` plus the
    round-off of the dot product (``sqrt(n) eps sum_k |n_k p_k|``)."""
    p = base.direction.ravel()
    ends = np.stack([parts["lower"] * p, parts["upper"] * p])
    low, high = float(np.sum(ends.min(axis=0))), float(np.sum(ends.max(axis=0)))
    gap = max(low - base.slope, base.slope - high, 0.0)
    bound = (float(np.sum(np.abs(p) * parts["error"])) + base.slope_error
             + np.sqrt(x.size) * EPS * float(np.sum(np.abs(ends).max(axis=0))))
    return gap, bound


def _entries_text(shape, entries, limit=5) -> str:
    shown = ", ".join(str(_index(shape, int(k))) for k in entries[:limit])
    more = f" and {entries.size - limit} more" if entries.size > limit else ""
    return f"entr{'y' if entries.size == 1 else 'ies'} {shown}{more}"


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
    if step is not None:
        h = user_steps(step, xf)
    elif method == "complex":
        h = default_steps(xf, STEP_FACTORS[method])
    else:
        h = floor_steps(xf, default_steps(xf, STEP_FACTORS[method]))
    if step is not None and method != "complex":
        _require_applied(xf, h)
    base = baseline(f, xf, vectorized)
    raw = _estimate(f, xf, h, method, vectorized, base, step is None)
    evals = base.evaluations + raw.evaluations
    if raw.noise is not None:
        base = with_noise(base, raw.noise)
    error = raw.error
    if method == "complex":
        n_evals, floor = _cross_check_complex(f, xf, raw.value, error, vectorized, base)
        evals += n_evals
        error = np.maximum(error, floor)
    notes = ((note,) if note else ()) + base.notes + raw.findings
    noisy = noise_note(base.noise, base.scale, None)
    if noisy:
        notes += (noisy,)
    used = h.reshape(xf.shape) if raw.step is None else raw.step
    if raw.inconsistent:
        notes += (raw.inconsistent,)
    return Estimate(raw.value, error, used, method, evals, notes, raw.lower, raw.upper,
                    raw.kind, base.noise, base.f0, base.scale, base.slope, base.slope_error,
                    raw.inconsistent, base.direction, raw.left, raw.right)


def _require_applied(x: np.ndarray, h: np.ndarray) -> None:
    """A user's step must move every entry: ``x + h != x`` (else it underflows)."""
    flat, hs = x.ravel(), np.broadcast_to(h, x.shape).ravel()
    lost = np.flatnonzero((flat + hs == flat) | (flat - hs == flat))
    if lost.size:
        k = int(lost[0])
        raise ValueError(
            f"step {hs[k]!r} underflows at entry {_index(x.shape, k)}: x + h == x there "
            f"(x = {flat[k]!r}); use a step above {abs(flat[k]) * EPS:.3g} or the default"
        )


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
                    est.evaluations, est.notes, float(est.lower[0]), float(est.upper[0]),
                    None if est.kind is None else int(est.kind[0]), est.noise, est.f0,
                    est.f_scale)


def _along(f, x, v, method, step, vectorized, base: Baseline, shrink: float = 1.0):
    """The derivative of ``f`` at ``x`` along ``v``, as an :class:`_Raw` of 0-d arrays.

    Works in ``t``-units where ``t = 1`` moves ``x`` by ``rms(x)``, so that every default
    constant of the per-entry methods applies; ``f(x)`` and the noise of ``f`` near ``x``
    (in units of ``f``) do not depend on the direction and are shared between them. The
    returned ``value``, ``error``, ``lower``, ``upper`` and ``step`` are per unit of ``t``
    along ``v`` itself. ``shrink`` divides the default step (another direction needed
    shorter steps to agree with the noise probe).
    """
    unit = typical_scale(x) / typical_scale(v)
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
    if (base.slope is not None and base.direction is not None
            and np.array_equal(base.direction, v / typical_scale(v))):
        # the probe ran along v (a directional check's first direction): its slope, per unit
        # of t (t = 1 moves x by rms(x) along v / rms(v)), cross-checks this ladder
        s = typical_scale(x)
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
    base = baseline(f, xf, vectorized, direction=vs[0])
    est = along_directions(f, xf, vs, method=method, step=step, vectorized=vectorized,
                           base=base)
    notes = ((note,) if note else ()) + base.notes + est.notes
    noisy = noise_note(base.noise, base.scale, None)
    if noisy:
        notes += (noisy,)
    return dataclasses.replace(est, evaluations=base.evaluations + est.evaluations,
                               notes=notes)


def along_directions(f: Callable[[np.ndarray], Any], x: np.ndarray, vs: np.ndarray, *,
                     method: str, step: Any, vectorized: bool, base: Baseline) -> Estimate:
    """The derivatives along ``vs`` at float64 ``x`` whose baseline (``f(x)``, noise) is
    known: :func:`directional_derivatives` without it. ``evaluations`` counts only the
    ones spent here; ``notes`` are the directions' own findings."""
    out = [_along(f, x, v, method, step, vectorized, base) for v in vs]
    evals = sum(o.evaluations for o in out)
    louder = max((o.noise for o in out if o.noise is not None), default=None)
    shrink = max(o.shrink for o in out)
    if louder is not None or shrink > 1.0:
        # noise that one direction showed is in f's values, and a feature narrower than the
        # steps that the probe showed along the first is there for every direction: all of
        # them again, with that noise and at those steps
        base = with_noise(base, louder) if louder is not None else base
        out = [_along(f, x, v, method, step, vectorized, base, shrink) for v in vs]
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
