r"""What ``f`` is like at the point, before anything is differentiated: its value, whether it is
deterministic, the precision it returns, and the noise of its computed values.

Every estimate at ``x`` shares one :class:`Baseline`:

* ``f(x)`` is evaluated **twice**; two different values mean ``f`` is not a function of ``x``
  alone (a random minibatch, a stochastic layer, a global counter): no finite difference of
  it means anything, so that is a ``ValueError`` showing both values, never a verdict.
* The **noise** of ``f`` near ``x`` is measured by Moré & Wild's ECnoise: ``f`` at
  ``x + j \delta p``, ``j = 0..8``, along a fixed random direction ``p``; for a smooth ``f``
  the ``k``-th differences of these values are pure noise, and
  ``\sigma_k = \sqrt{\gamma_k \operatorname{mean}((\Delta^k f)^2)}`` with
  ``\gamma_k = (k!)^2 / (2k)!`` estimates its standard deviation. The probe is fine
  (``\delta = 10^{-6} \operatorname{rms}(x)``, orders 4-6). Where ``f`` moves by fewer than
  64 ulps per probe step it is a staircase (a saturated ``tanh``) whose rounding errors are
  correlated and whose differences understate the noise: a coarse probe
  (``\delta = 10^{-4} \operatorname{rms}(x)``, order 6) is then run as well, and the larger
  estimate kept. The coarse probe is not run otherwise: along a random direction it crosses
  the kinks of a ReLU network, whose differences look like noise of size ``0.1 |jump| \delta``
  and would blunt every check. The estimate is never less than ``eps * |f|``: round-off in
  ``f`` can exceed that by orders of magnitude (``log(exp(x))`` for small ``x``; a loss
  computed in float32).
  The differences are taken of values divided by their largest magnitude, so that outputs of
  ``1e300`` do not overflow when squared.
* A probe point outside ``f``'s domain (a non-finite value) makes that probe retry at a
  hundredth of its spacing, three times at most; a probe that never fits is skipped.
* ``f`` returning a float32 (or float16) scalar is noted, and its noise is at least the
  unit round-off of that type times ``|f|``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks._util import EPS, call_scalar, typical_scale

__all__ = ["Baseline", "baseline", "NOISE_POINTS", "NOISE_PROBES"]

NOISE_POINTS = 9  # evaluations of each noise probe (f(x) is shared)
# (spacing relative to rms(x), orders of differences used)
NOISE_PROBES = ((1e-6, (4, 5, 6)), (1e-4, (6,)))
_PROBE_RETRIES = 3  # probes at most (each 8 evaluations)

#: ``f``'s noise relative to ``|f(x)|`` above which the report says ``f`` is noisy.
NOISY = 1e3 * EPS


@dataclass(frozen=True)
class Baseline:
    """``f`` at the point: value, noise, the dtype it returned, evaluations spent."""

    f0: float
    noise: float
    evaluations: int
    dtype: str = "float64"
    notes: tuple[str, ...] = ()
    scale: float = 0.0  # the largest |f| seen at the point and in the probe


@functools.lru_cache(maxsize=32)
def _probe_direction(shape: tuple[int, ...]) -> np.ndarray:
    """The fixed random direction of the noise probe, scaled to rms 1 (cached per shape)."""
    p = np.random.default_rng(7).standard_normal(shape)
    p /= typical_scale(p)
    p.flags.writeable = False
    return p


def _scaled_sigma(values: np.ndarray, orders: tuple[int, ...]) -> float:
    """ECnoise estimate from a table of values, computed on ``values / max|values|``."""
    top = float(np.max(np.abs(values)))
    if top == 0.0:
        return 0.0
    table = values / top
    sigmas = []
    for k in orders:
        dk = np.diff(table, n=k)
        gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
        sigmas.append(math.sqrt(gamma * float(np.mean(dk * dk))))
    return max(sigmas) * top


def _probe_values(fun, x, delta, vectorized) -> np.ndarray:
    p = _probe_direction(x.shape)
    pts = x.ravel()[None] + (delta * np.arange(1, NOISE_POINTS))[:, None] * p.ravel()[None, :]
    pts = pts.reshape((NOISE_POINTS - 1,) + x.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if vectorized:
            return np.asarray(fun(pts), dtype=float)
        return np.array([call_scalar(fun, pt, "the noise probe", False, finite=False)
                         for pt in pts])


_STAIRCASE_ULPS = 64.0


def _staircase(table: np.ndarray) -> bool:
    """``f`` moves by fewer than ``_STAIRCASE_ULPS`` ulps per probe step (median)."""
    steps = np.abs(np.diff(table))
    ulp = float(np.spacing(np.max(np.abs(table))))
    return bool(np.median(steps) < _STAIRCASE_ULPS * ulp)


_AGREE = 4.0  # three consecutive orders within this factor: the differences are noise


def _ecnoise(table: np.ndarray) -> tuple[float | None, str]:
    """Moré & Wild's test of a probe table: ``(sigma, "ok")``, or ``(None, why)``.

    ``sigma_k`` for orders ``k = 1..6`` (of values scaled to at most 1); the noise is
    ``sigma_k`` at the first order whose ``k``-th differences change sign and where
    ``sigma_k, sigma_k+1, sigma_k+2`` agree within a factor 4. ``"staircase"``: ``f`` moves
    by a few ulps per step (rounding errors correlated: probe coarser); ``"smooth"``: no
    order looks like noise (the differences are ``f``'s variation: probe finer).
    """
    top = float(np.max(np.abs(table)))
    if top == 0.0:
        return 0.0, "ok"
    if _staircase(table):
        return None, "staircase"
    t = table / top
    sig, sign = [], []
    for k in range(1, 7):
        dk = np.diff(t, n=k)
        gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
        sig.append(math.sqrt(gamma * float(np.mean(dk * dk))))
        sign.append(bool(dk.min() < 0.0 < dk.max()))
    for k in range(4):
        window = sig[k : k + 3]
        if sign[k] and max(window) <= _AGREE * min(window):
            return sig[k] * top, "ok"
    return None, "smooth"


def _measure(fun, x, f0, vectorized) -> tuple[float, int, list[str], float]:
    """The noise of ``f`` near ``x``, the evaluations spent, notes, and the largest ``|f|``.

    The fine probe first; a table that is not noise-like is probed again 100 times finer
    (``"smooth"``) or coarser (``"staircase"``), three probes at most, and a probe point
    outside ``f``'s domain makes the next probe 100 times finer. If no probe is noise-like,
    the largest order-4..6 estimate seen is kept (an overestimate: a blunter, never a false,
    verdict) and noted.
    """
    delta = NOISE_PROBES[0][0] * typical_scale(x)
    evals, notes = 0, []
    top = abs(f0)
    fallback: list[float] = []
    for _ in range(_PROBE_RETRIES):
        vals = _probe_values(fun, x, delta, vectorized)
        evals += NOISE_POINTS - 1
        if not np.all(np.isfinite(vals)):
            delta /= 100.0
            continue
        table = np.concatenate(([f0], vals))
        top = max(top, float(np.max(np.abs(table))))
        sigma, status = _ecnoise(table)
        if sigma is not None:
            return max(sigma, EPS * abs(f0)), evals, notes, top
        fallback.append(_scaled_sigma(table, (4, 5, 6)))
        delta = delta / 100.0 if status == "smooth" else delta * 100.0
    if fallback:
        notes.append("the noise of f could not be measured cleanly (no probe spacing gave "
                     "noise-like differences); a conservative estimate was used")
        return max(max(fallback), EPS * abs(f0)), evals, notes, top
    notes.append("every noise probe left f's domain; the noise of f was taken as eps * |f|")
    return EPS * abs(f0), evals, notes, top


def _returned_dtype(value: Any) -> str:
    dt = getattr(value, "dtype", None)
    return str(dt) if dt is not None and np.dtype(dt).kind == "f" else "float64"


def baseline(fun: Callable[[np.ndarray], Any], x: np.ndarray, vectorized: bool) -> Baseline:
    """``f(x)`` (twice: it must be deterministic), its noise near ``x``, and notes."""
    if vectorized:
        raw = np.asarray(fun(np.stack([x, x])))
        if raw.shape != (2,):
            raise ValueError(
                "a vectorized f must map a batch of shape (B, *x.shape) to shape (B,); "
                f"got {raw.shape} for B=2"
            )
        first, second = raw[0], raw[1]
        f0 = call_scalar(lambda _: first, x, "x", False)
        f1 = call_scalar(lambda _: second, x, "x", False)
    else:
        first = fun(x.copy())
        f0 = call_scalar(lambda _: first, x, "x", False)
        f1 = call_scalar(fun, x.copy(), "x", False)
    if not (f0 == f1):
        raise ValueError(
            f"f is not deterministic: two calls at the same x returned {f0!r} and {f1!r}; a "
            "finite difference of a random function (a minibatch, dropout, a global counter) "
            "means nothing: fix its seed or its data inside f"
        )
    notes = []
    dtype = _returned_dtype(first)
    noise, evals, probe_notes, top = _measure(fun, x, f0, vectorized)
    notes.extend(probe_notes)
    if dtype != "float64":
        unit = float(np.finfo(np.dtype(dtype)).eps)
        noise = max(noise, 0.5 * unit * abs(f0))
        notes.append(
            f"f returned {dtype}: its values carry about {unit:.1g} relative round-off, "
            "which the tolerance includes; return float64 for a sharper check"
        )
    return Baseline(f0, noise, 2 + evals, dtype, tuple(notes), top)


def noise_note(noise: float, scale: float, smallest: float | None) -> str | None:
    """The report's line about a noisy ``f`` (``None`` when the noise is plain round-off).

    ``scale`` is the size of ``f`` near the point (:attr:`Baseline.scale`).
    """
    if scale == 0.0 or noise <= NOISY * scale:
        return None
    rel = noise / scale
    text = f"f is noisy at the {rel:.1g} level (relative to |f|; {noise:.2g} absolute)"
    if smallest is not None:
        text += f"; the smallest detectable relative error here is {smallest:.2g}"
    return text
