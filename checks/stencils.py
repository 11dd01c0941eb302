r"""The fixed methods: forward and central differences and the complex step, with error bars.

Each perturbs one entry ``x_k`` at a time by ``h_k`` and bounds its error by a truncation part,
measured from a second step, plus a round-off part ``c * noise / h_k`` (``c`` per method:
:data:`_ROUNDOFF`). Where an entry's truncation exceeds its round-off ``_REFINE_RATIO``-fold
its step is divided by 4, at most ``_REFINE_ROUNDS`` times. The complex step has no
subtraction: its bound is the round-off of the imaginary part plus the floor below which a
derivative cannot be told from 0.

>>> from checks.noise import baseline
>>> x = np.array([1.0, 2.0])
>>> f = lambda z: float(np.sum(z**3))
>>> raw = _stencil(f, x, 1e-5 * np.ones(2), "central", False, baseline(f, x, False))
>>> bool(np.allclose(raw.value, 3 * x**2, rtol=1e-8))
True
"""

from __future__ import annotations

import numpy as np

from checks._util import EPS, typical_scale
from checks.estimates import _Raw
from checks.evaluation import _evaluate
from checks.noise import Baseline

_OFFSETS: dict[str, tuple[float, ...]] = {
    "forward": (1.0, 2.0),
    "central": (1.0, -1.0, 2.0, -2.0),
}
"""The offsets of each fixed stencil, in units of the step (Richardson is the ladder's:
:mod:`checks.ladder`)."""

_ROUNDOFF = {"forward": 2.0, "central": 1.0}
"""Round-off amplification: the noise of the returned value is about ``_ROUNDOFF * noise / h``."""


def _combine(method: str, values, steps, f0: float):
    """Value, truncation-error estimate and base step from the evaluated stencil. Quotients
    that overflow are ``inf`` (their error ``nan``), without a warning: the rule takes such
    an entry as one that cannot be judged (:func:`checks.rule._unjudged`)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _quotients(method, values, steps, f0)


def _quotients(method: str, values, steps, f0: float):
    if method == "forward":
        d1 = (values[0] - f0) / steps[0]
        d2 = (values[1] - f0) / steps[1]
        return d1, np.abs(d2 - d1)
    # central differences with the exact applied steps on both sides
    d = [
        (values[i] - values[i + 1]) / (steps[i] - steps[i + 1])
        for i in range(0, len(values), 2)
    ]
    # central: D(2h) - D(h) is 3x the truncation error of D(h), and carries D(h)'s noise.
    return d[0], np.abs(d[1] - d[0])


_REFINE_ROUNDS = 2  # at most two refinements by a factor 4 of a truncation-dominated step
_REFINE_RATIO = 4.0  # truncation counts as dominant above this multiple of the round-off


def _stencil(fun, x, h, method, vectorized, base: Baseline, refine=True) -> _Raw:
    """A fixed stencil: the complex step, or central or forward differences with their
    refinement of truncation-dominated entries (:func:`_estimate`)."""
    flat = x.ravel()
    h = h.ravel()
    f0, noise = base.f0, base.noise
    if method == "complex":
        targets = flat[None, :] + 1j * h[None, :]
        values = _evaluate(fun, x, targets, vectorized, True)[0]
        with np.errstate(over="ignore"):  # inf where it overflows: an entry not judged
            value = values.imag / h
        # round-off of the imaginary part (relative eps), and the floor below which a
        # derivative cannot be told from 0: the noise of f over the length scale of x
        floor = 10.0 * max(noise, EPS * abs(f0)) / typical_scale(x)
        err = 10.0 * EPS * (np.abs(value) + np.max(np.abs(value), initial=0.0)) + floor
        value, err = value.reshape(x.shape), err.reshape(x.shape)
        return _Raw(value, err, value, value, None, h.size)
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
