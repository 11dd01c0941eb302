r"""The noise probe's table: nine jittered points along a direction, read as noise or as ``f``.

``f`` at ``x + t_j \delta p``, ``t_j = j + 0.5 u_j`` (``j = 0..8``, a fixed jitter ``u_j``
in [0, 1)) along a fixed random direction ``p`` (:func:`probe_direction`). Moré & Wild's
ECnoise (:func:`_ecnoise`): the ``k``-th divided differences of a smooth ``f``'s values are
pure noise; their root mean square normalised by the norm of their weights is ``\sigma_k``
(:func:`_scaled_sigma`), and the noise is ``\sigma_k`` at the first order whose differences
change sign and agree with the next two orders within a factor 4. A table whose largest
second difference is 8 times the median of the others has a kink in it; a staircase (moves
of fewer than 64 ulps) is quantised (:func:`_staircase`). :func:`probe_slope` fits a quartic
to the nine values: the slope of ``f`` along ``p`` at the probe's spacing, with its bound.
How the tables are used -- confirmed, refined, coarsened -- is :mod:`checks.noise`.

>>> delta = 1e-3
>>> table = 2.0 + 3.0 * _PROBE_T * delta          # f(x + t delta p) of a linear f
>>> slope, bound, _ = probe_slope(table, delta, 1e-15)
>>> abs(slope - 3.0) <= bound < 1e-10
True
>>> _staircase(np.full(9, 1.0)), _staircase(table)
(True, False)
>>> probe_direction((3,)).shape
(3,)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from checks import executor as _executor
from checks._util import EPS, batch_values, call_scalar, typical_scale

__all__ = ["NOISE_POINTS", "probe_direction", "probe_slope"]


NOISE_POINTS = 9  # evaluations of each noise probe (f(x) is shared)

_SIGMAS_SLOPE = 3.0


def probe_direction(shape: tuple[int, ...]) -> np.ndarray:
    """The fixed random direction of the noise probe for ``x`` of ``shape`` (rms 1,
    read-only): :attr:`Baseline.slope` is the derivative along it."""
    return _probe_direction(tuple(shape))


@functools.lru_cache(maxsize=32)
def _probe_direction(shape: tuple[int, ...]) -> np.ndarray:
    """The fixed random direction of the noise probe, scaled to rms 1 (cached per shape)."""
    p = np.random.default_rng(7).standard_normal(shape)
    p /= typical_scale(p)
    p.flags.writeable = False
    return p


_PROBE_T = np.arange(NOISE_POINTS) + 0.5 * np.r_[0.0, np.random.default_rng(11).random(
    NOISE_POINTS - 1)]


def _divided(table: np.ndarray, k: int) -> np.ndarray:
    """Normalised ``k``-th divided differences of the probe table, one per window of ``k + 1``
    consecutive points: ``sum_i w_i v_i / ||w||_2``, a standard normal times the noise where
    the noise dominates (``w_i = 1 / prod_{j != i} (t_i - t_j)``)."""
    return np.array([float(w @ table[start : start + k + 1]) / norm
                     for start, (w, norm) in enumerate(_weights(k)[: table.size - k])])


@functools.cache
def _weights(k: int) -> tuple[tuple[np.ndarray, float], ...]:
    """The weights ``w`` of :func:`_divided` and their norms, for every window of ``k + 1``
    probe points (they depend on the points alone: computed once, not at every probe)."""
    out = []
    for start in range(NOISE_POINTS - k):
        t = _PROBE_T[start : start + k + 1]
        w = np.array([1.0 / np.prod([t[i] - t[j] for j in range(k + 1) if j != i])
                      for i in range(k + 1)])
        w.flags.writeable = False
        out.append((w, float(np.linalg.norm(w))))
    return tuple(out)


def _scaled_sigma(values: np.ndarray, orders: tuple[int, ...]) -> float:
    """The largest noise estimate over ``orders``, computed on ``values / max|values|``."""
    top = float(np.max(np.abs(values)))
    if top == 0.0:
        return 0.0
    table = values / top
    return max(math.sqrt(float(np.mean(_divided(table, k) ** 2))) for k in orders) * top


def _probe_values(fun, x, delta, vectorized, p) -> np.ndarray:
    steps = delta * _PROBE_T[1:]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shared = getattr(fun, "probe_values", None)
        if shared is not None and not vectorized and _executor.current() is None:
            # one output of a map whose probe is shared (checks._memo): its column of the
            # table of the whole output vector, evaluated once for every output
            return shared(x, steps, p)
        if not vectorized and _executor.current() is None:
            # one point at a time, each a fresh array (f may keep it): x + (delta t_i) p,
            # the numbers of the stack below without holding eight copies of x at once
            return np.array([call_scalar(fun, probe_point(x, s, p), "the noise probe", False,
                                         finite=False) for s in steps])
    pts = x.ravel()[None] + steps[:, None] * p.ravel()[None, :]
    pts = pts.reshape((NOISE_POINTS - 1,) + x.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if vectorized:
            return batch_values(fun(pts), len(pts)).astype(float)
        prefetch = getattr(fun, "prefetch", None)
        if prefetch is not None and prefetch(pts):
            got = [_executor.RAISED] * len(pts)
        else:
            got = _executor.map_points(fun, pts, "the noise probe", False, False)
        return np.array([call_scalar(fun, pt, "the noise probe", False, finite=False)
                         if v is _executor.RAISED else v for pt, v in zip(pts, got, strict=True)])


def probe_point(x: np.ndarray, s: float, p: np.ndarray) -> np.ndarray:
    """``x + s p`` (C order, ``x``'s shape) in one new array: ``s p``, then ``x`` added in place
    (the same numbers: addition commutes exactly)."""
    pt = np.multiply(p.reshape(x.shape), s, out=np.empty(x.shape))
    pt += x
    return pt


def _median(a: np.ndarray) -> float:
    """``np.median`` of a short 1-d array, without its per-call overhead (a Jacobian's probe
    reads a table per output): the middle value, or the mean ``(a + b) / 2`` of the middle two
    -- numpy's arithmetic exactly. Empty or with a ``nan``: ``np.median`` itself."""
    s = sorted(a.tolist())
    if not s or any(v != v for v in s):
        return float(np.median(a))
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


_STAIRCASE_ULPS = 64.0


def _staircase(table: np.ndarray) -> bool:
    """``f`` moves by fewer than ``_STAIRCASE_ULPS`` ulps per probe step (median)."""
    steps = np.abs(np.diff(table))
    ulp = float(np.spacing(np.max(np.abs(table))))
    return bool(_median(steps) < _STAIRCASE_ULPS * ulp)


def _quantum(table: np.ndarray) -> float | None:
    """The quantum ``q`` of a table whose values move only in whole multiples of one step far
    above their ulps, standing still between moves: ``f`` is rounded at ``q`` inside (the
    stable log-sum-exp at ``[0, -35]`` adds ``log(1 + 6.3e-16)``, rounded at ``eps``, to 0: a
    value of ``6.7e-16`` that moves in steps of ``2.2e-16``). ``None`` otherwise: fewer than two
    moves, no standstill between two of them (a kink: ``relu`` moves at every step past it),
    moves of a few ulps (a staircase), or moves that are not multiples of the smallest."""
    d = np.diff(table)
    moves = np.flatnonzero(d != 0.0)
    if moves.size < 2 or not np.any(np.diff(moves) > 1):
        return None
    q = float(np.min(np.abs(d[moves])))
    if q <= _STAIRCASE_ULPS * float(np.spacing(np.max(np.abs(table)))):
        return None
    ratio = np.abs(d[moves]) / q
    if np.any(np.abs(ratio - np.round(ratio)) > 0.01):
        return None
    return q


_AGREE = 4.0  # three consecutive orders within this factor: the differences are noise


_KINK_OUTLIER = 8.0


def _ecnoise(table: np.ndarray) -> tuple[float | None, str]:
    """:func:`_ecnoise_order` without the order."""
    sigma, status, _ = _ecnoise_order(table)
    return sigma, status


def _ecnoise_order(table: np.ndarray) -> tuple[float | None, str, int]:
    """Moré & Wild's test of a probe table: ``(sigma, "ok")``, or ``(None, why)``.

    ``sigma_k`` for orders ``k = 1..6`` (of values scaled to at most 1); the noise is
    ``sigma_k`` at the first order whose ``k``-th differences change sign and where
    ``sigma_k, sigma_k+1, sigma_k+2`` agree within a factor 4. A table that moves in whole
    quanta far above its ulps, standing still between moves, is ``f`` rounded inside: its
    noise is half the quantum (:func:`_quantum`). ``"staircase"``: ``f`` moves
    by a few ulps per step (rounding errors correlated: probe coarser); ``"kink"``: one
    second difference stands out from the others (a kink within the probe: probe finer);
    ``"smooth"``: no order looks like noise (the differences are ``f``'s variation: probe
    finer). The third value is the order the noise was read at (0 where none was).
    """
    top = float(np.max(np.abs(table)))
    if top == 0.0:
        return 0.0, "ok", 1
    quantum = _quantum(table)
    if quantum is not None:
        # rounding to the nearest multiple: at most half a quantum
        return 0.5 * quantum, "ok", 1
    if _staircase(table):
        return None, "staircase", 0
    t = table / top
    d2 = np.abs(_divided(t, 2))
    others = np.delete(d2, int(np.argmax(d2)))
    if d2.max() > _KINK_OUTLIER * max(_median(others), 100.0 * EPS):
        return None, "kink", 0
    sig, sign = [], []
    for k in range(1, 7):
        dk = _divided(t, k)
        sig.append(math.sqrt(float(np.mean(dk * dk))))
        sign.append(bool(dk.min() < 0.0 < dk.max()))
    for k in range(4):
        window = sig[k : k + 3]
        if sign[k] and max(window) <= _AGREE * min(window):
            return sig[k] * top, "ok", k + 1
    return None, "smooth", 0


_T_POWERS = np.vander(_PROBE_T, 5, increasing=True)  # 1, t, ..., t^4 at the probe points


@functools.cache
def _slope_rows() -> tuple[np.ndarray, ...]:
    """The rows of the pseudo-inverses that give the slope at ``t = 0`` of the least-squares
    polynomials of degree 2, 3 and 4 (:func:`probe_slope`): they depend on the probe points
    alone, computed once."""
    rows = []
    for degree in (2, 3, 4):
        row = np.linalg.pinv(_T_POWERS[:, : degree + 1])[1].copy()
        row.flags.writeable = False
        rows.append(row)
    return tuple(rows)


def probe_slope(table: np.ndarray, delta: float, noise: float) -> tuple[float, float, float]:
    """The derivative along the probe direction from a noise-like probe table, and its bound.

    Least-squares polynomials of degree 2, 3 and 4 in ``t`` through the nine values; the
    slope at ``t = 0`` is the cubic's. Its bound is the change of the slope from degree 2 to
    3 and from 3 to 4 (truncation: the table is smooth at this spacing, which ECnoise's test
    has just shown) plus three times the noise carried by the cubic's slope
    (``noise * ||w||``, ``w`` the row of the pseudo-inverse that gives it). Per unit of the
    probe's parameter ``tau = t * delta``; the third value is the bound's growth per unit
    of noise.
    """
    rows = _slope_rows()
    slopes = [float(row @ table) for row in rows]
    value = slopes[1]
    gain = _SIGMAS_SLOPE * float(np.linalg.norm(rows[1]))
    bound = abs(slopes[1] - slopes[0]) + abs(slopes[2] - slopes[1]) + gain * noise
    return value / delta, bound / delta, gain / delta
