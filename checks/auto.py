r"""``method="auto"``: the complex step where ``f`` proves complex-safe, the ladder elsewhere.

The complex step ``Im f(x + i h e_k) / h`` costs one evaluation per entry and has no
subtraction, but it is right only for an ``f`` that is complex-analytic in the code it runs:
``abs``, ``np.real``, ``.conj()``, a norm, a cast to float or a Hermitian-only routine drop or
flip the imaginary part. ``auto`` decides per call, in three stages, and falls back to the
Richardson ladder (:mod:`checks.adaptive`) the moment a stage fails:

1. **One complex call**, ``f(x + i h v_0)`` along a random direction ``v_0``: ``f`` must
   accept it, return a complex (not a real) finite scalar, and not warn ``ComplexWarning``
   (numpy's sign that an imaginary part was discarded). Cost: 1 evaluation.
2. **The real reference**: the ladder's derivatives along ``K = 3`` random Gaussian
   directions ``v_j`` with their error bars ``r_j`` (:func:`checks.directional.along_directions`;
   ``6K`` evaluations where ``f`` is smooth along them), sharing ``f(x)`` and the noise probe
   with everything else. Each must be smooth (no kink, pole or edge on the line), and the
   complex step along ``v_0`` must agree with its reference: ``|c_0 - d_0| <=``
   :data:`SAFETY` ``(r_0 + e_0)``.
3. **The complex-step gradient** ``g`` (``n`` evaluations), held against every reference:
   ``D_j = |<g, v_j> - d_j| <= SAFETY (r_j + e_j)``, ``e_j`` the complex step's own bars along
   ``v_j`` plus the round-off of the dot product.

Where all three hold, ``g`` is the estimate: ``n + 6K + 1 = n + 19`` evaluations beyond the
baseline's where ``f`` is smooth along the directions (a direction whose ladder needs a
fourth level adds 2, up to ``n + 8K + 1`` in all), against the ladder's ``6n``; where one
fails, the note says which and why (``"f is not complex-safe: ...; the ladder was used"``)
and the ladder's estimate is returned.

**The error bar.** The complex step's own error at step ``h`` is

.. math::

    \left|\frac{\operatorname{Im} f(x + i h e_k)}{h} - \partial_k f\right|
    \le \frac{h^2}{6} |\partial_k^3 f| + \text{round-off},

with ``h = 10^{-20} \max(|x_k|, \operatorname{rms} x)``: the truncation is ``10^{-40}``
relative, nothing. The round-off is that of the imaginary part, about ``eps |\partial_k f|``
for an ``f`` whose real intermediates are exact, but it inherits their round-off where they
cancel (near Rosenbrock's minimum ``y - x^2`` carries ``eps |y|``, and the derivative built
on it that error): ``10 eps (|g_k| + max|g|)`` plus the floor below which a derivative cannot
be told from 0 (:func:`checks.stencils._stencil`) covers the first part and not the second.
The references bound the whole error ``\delta = g - \nabla f``, whatever its cause (round-off,
or a non-analytic term too small for stage 2 and 3 to reject): ``<\delta, v_j>`` is
``N(0, ||\delta||^2)`` for a Gaussian ``v_j`` drawn independently of ``f``, and
``|<\delta, v_j>| \le D_j + r_j + f_j =: B_j`` (``f_j = (\log_2 n + 1) eps \sum_k |g_k v_{jk}|``
the round-off of the dot product's pairwise sum; the complex step's own bars do not enter:
``D_j`` is its measured error). All ``K`` of them fall below
``c ||\delta||`` with probability ``\le (c \sqrt{2/\pi})^K``; with ``c =`` :data:`QUANTILE`
``= 1/20`` and ``K = 3`` that is ``6.4 \cdot 10^{-5}``. So each entry's bar is

.. math::

    e_k = \max\left(10\,\text{eps}\,(|g_k| + \max|g|) + \text{floor},\;
          \max_j B_j / c\right) \ge |\delta_k|,

the resolution of the real references (a few ``10^{-10}`` relative to ``||\nabla f||``),
not the ``10^{-16}`` the value itself usually has: a bar the real differences can vouch for.

>>> from checks.noise import baseline
>>> x = np.array([0.3, -1.2, 2.0])
>>> f = lambda z: np.sum(np.exp(z) * z)
>>> used, raw, evals, why = auto_estimate(f, x, False, baseline(f, x, False))
>>> used, bool(np.allclose(raw.value, np.exp(x) * (1 + x), rtol=1e-14)), evals  # 3 + 1 + 20
('complex', True, 24)
>>> g = lambda z: float(np.sum(np.abs(z) ** 3))
>>> used, raw, evals, why = auto_estimate(g, x, False, baseline(g, x, False))
>>> used, why.startswith("method='auto': f is not complex-safe")
('richardson', True)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from checks._util import EPS, default_steps, floor_steps, typical_scale
from checks.directional import along_directions
from checks.estimates import _Raw
from checks.ladder import SMOOTH
from checks.methods import STEP_FACTORS, _estimate
from checks.noise import Baseline

__all__ = ["DIRECTIONS", "QUANTILE", "SAFETY", "auto_estimate"]

#: Random directions the complex step is held against (``K``).
DIRECTIONS = 3
#: ``c``: a Gaussian ``<delta, v>`` is below ``c ||delta||`` with probability ``<= 0.8 c``.
QUANTILE = 1.0 / 20.0
#: How many error bars a complex-step derivative may differ from its real reference.
SAFETY = 10.0
#: The directions' seed: fixed, so that a check is reproducible.
SEED = 20260521

try:  # numpy >= 1.25
    _COMPLEX_WARNING: type[Warning] = np.exceptions.ComplexWarning
except AttributeError:  # pragma: no cover
    _COMPLEX_WARNING = np.ComplexWarning  # type: ignore[attr-defined]


def auto_estimate(
    f: Callable[[np.ndarray], Any], x: np.ndarray, vectorized: bool, base: Baseline
) -> tuple[str, _Raw, int, str]:
    """The gradient of ``f`` at float64 ``x`` by the complex step where ``f`` proves
    complex-safe, else by the ladder: ``(method used, estimate, evaluations, note)``.

    ``base`` is :func:`checks.noise.baseline` at ``x`` (its evaluations are not counted
    here). The note says which method was used and why.
    """
    vs = np.random.default_rng(SEED).standard_normal((DIRECTIONS,) + x.shape)
    spent = 0

    def ladder(why: str) -> tuple[str, _Raw, int, str]:
        h = floor_steps(x, default_steps(x, STEP_FACTORS["richardson"]))
        raw = _estimate(f, x, h, "richardson", vectorized, base, True)
        return ("richardson", raw, spent + raw.evaluations,
                f"method='auto': f is not complex-safe: {why}; the ladder (richardson) "
                "was used")

    # stage 1: one complex call along v_0
    unit = typical_scale(x) / typical_scale(vs[0])
    t = STEP_FACTORS["complex"] * unit
    spent += 1
    value, why = _complex_call(f, x + 1j * t * vs[0], vectorized)
    if why is not None:
        return ladder(why)
    c0 = float(value.imag) / t
    floor = 10.0 * max(base.noise, EPS * abs(base.f0)) / typical_scale(x)
    e0 = 10.0 * EPS * abs(c0) + floor * float(np.sum(np.abs(vs[0])))

    # stage 2: the real references, and the complex step along v_0 against the first
    ref = along_directions(f, x, vs, method="richardson", step=None, vectorized=vectorized,
                           base=base)
    spent += ref.evaluations
    d, r = np.asarray(ref.value, dtype=float), np.asarray(ref.error, dtype=float)
    if ref.inconsistent or ref.kind is None or np.any(ref.kind != SMOOTH):
        return ladder("f is not smooth along a random direction (a kink, edge or pole "
                      "near x), where the ladder's per-entry steps are needed")
    if not abs(c0 - d[0]) <= SAFETY * (r[0] + e0):
        return ladder(f"the complex step along a random direction gives {c0!r}, the real "
                      f"differences {float(d[0])!r} +- {r[0]:.2g} (abs, np.real, conj, a norm or a "
                      "cast drops or flips the imaginary part)")

    # stage 3: the complex-step gradient, held against every reference
    h = default_steps(x, STEP_FACTORS["complex"])
    try:
        raw = _estimate(f, x, h, "complex", vectorized, base)
    except Exception as exc:  # noqa: BLE001 -- any failure on complex input means: not safe
        return ladder(f"f failed on complex input at an entry ({type(exc).__name__}: {exc})")
    spent += raw.evaluations
    g, err = np.asarray(raw.value, dtype=float), np.asarray(raw.error, dtype=float)
    flat_v = vs.reshape(DIRECTIONS, -1)
    prod = g.ravel()[None, :] * flat_v
    dots = prod.sum(axis=1)
    # the round-off of the (pairwise) sums, and the complex step's own bars along v_j
    fl = (math.log2(max(x.size, 2)) + 1.0) * EPS * np.abs(prod).sum(axis=1)
    e = np.abs(flat_v) @ err.ravel() + fl
    gap = np.abs(dots - d)
    if not np.all(gap <= SAFETY * (r + e)):
        j = int(np.argmax(gap - SAFETY * (r + e)))
        return ladder(f"the complex-step gradient along random direction {j} gives "
                      f"{float(dots[j])!r}, the real differences {float(d[j])!r} +- {r[j]:.2g}")
    # |<delta, v_j>| <= gap_j + r_j + fl_j: the true error, whatever the complex step's own
    # bars claim, so they do not enter
    bound = float(np.max(gap + r + fl)) / QUANTILE
    error = np.maximum(err, bound)
    note = (f"method='auto': the complex step was used: f accepted complex input, and its "
            f"derivatives along {DIRECTIONS} random directions agree with the real "
            f"differences' (largest gap {float(np.max(gap)):.2g}, their error bars up to "
            f"{float(np.max(r)):.2g}); each entry's error bar is at least "
            f"{bound:.2g}, what those directions can vouch for")
    return "complex", _Raw(g, error, g, g, None, raw.evaluations), spent, note


def _complex_call(f, z: np.ndarray, vectorized: bool) -> tuple[complex, str | None]:
    """``f(z)`` at a complex point, or why ``f`` is not complex-safe there."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", _COMPLEX_WARNING)
            out = f(z[None]) if vectorized else f(z.copy())
    except _COMPLEX_WARNING as w:
        return 0j, f"f discards the imaginary part of complex input (numpy: {w})"
    except Exception as exc:  # noqa: BLE001 -- whatever f raises on complex input
        return 0j, f"f raised {type(exc).__name__} on complex input ({exc})"
    arr = np.asarray(out)
    if vectorized:
        if arr.shape != (1,):
            return 0j, f"f returned shape {arr.shape} for a batch of one complex point"
        arr = arr[0]
    if arr.ndim != 0 or arr.dtype.kind not in "biufc":
        return 0j, f"f returned {type(out).__name__} of shape {arr.shape} for complex input"
    if arr.dtype.kind != "c":
        return 0j, ("f returned a real value for complex input: the imaginary part was "
                    "dropped (abs, np.real, a norm, float() or a real-typed result)")
    value = complex(arr[()])
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        return 0j, f"f returned {value!r} for complex input"
    return value, None
