r"""The analytic gradient held against directions beyond the per-entry estimate.

A full check compares each entry of the analytic gradient ``a`` with the derivative along
that entry. Two kinds of error are invisible entry by entry; each is held here against a
derivative along a direction that mixes entries, with the verdict rule of
:mod:`checks.compare` (``|<a, v> - d_v| <= atol_v + safety * e_v + rtol * |d_v|``, the
distance to the interval of one-sided derivatives where the direction crosses a kink).

**Coupled kinks.** Where several entries sit on one kink (a tie: ``|x_0 - x_1|`` at
``x_0 = x_1``, a max-pool over an integer image whose maximum is attained twice), each entry's
own one-sided derivatives allow any value between them, and a vector that takes an extreme
value in every tied entry passes entry by entry without being a subgradient (``(1, 1)`` for
``|x_0 - x_1|``: along ``(1, 1)`` the function is constant). For a convex ``f`` (``max``,
``|.|``, ``relu``, a hinge), ``a`` is a subgradient exactly when ``<a, v> <= f'(x; v)`` for
every ``v``, and then ``<a, v>`` lies between the one-sided derivatives of
``t -> f(x + t v)`` -- the rule each entry already follows along ``e_k``; for a concave
``f`` (``min``, ``-relu``) the mirror holds. Where two or more entries are kinks, all
oriented alike (every right derivative above its left one, as a convex ``f`` has them, or
every one below, as a concave ``f``), that rule is applied along ``v = a_K - m_K`` (``a``
restricted to the kink entries ``K``, minus the midpoints ``m`` of their intervals: the
direction in which an ``a`` that leans to the same extreme in every tied entry is furthest
out), along ``1_K`` (every kink entry at once: the direction in which tied entries move
together, ``f`` constant along it for ``|x_0 - x_1|``, rising by one per window for a
max-pool) and along two random directions on ``K`` (Gaussian, fixed seed). Each costs one
directional ladder, ``6`` evaluations or more. Kinks oriented both ways (``|x_0| - |x_1|``
at ``0``, a ReLU network at zero weights) are not convex or concave there: their Clarke
subgradients can fail such a direction (``(1, -1)`` is one for ``|x_0| - |x_1|``, constant
along ``(1, -1)``), so they are left to the per-entry rule.

**The noise probe's direction.** :mod:`checks.noise` measured the derivative of ``f`` along
a fixed random direction ``p`` at a spacing of ``1e-6 rms(x)`` (``Estimate.slope``, with its
bound). Where every entry is smooth there, ``<a, p>`` must agree with it: a feature of ``f``
narrower than the per-entry steps that they all miss, and that the analytic gradient leaves
out, is caught along ``p`` (in directional mode too, where the random directions of the check
would miss it the same way).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks._util import EPS
from checks.ladder import KINK, SMOOTH

__all__ = ["Comparison", "coupled_kinks", "along_probe"]

#: Random directions on the kink entries besides ``a_K - m_K``.
KINK_DIRECTIONS = 2
_SEED = 20261205


@dataclass(frozen=True)
class Comparison:
    """``<a, v>`` against the derivative along one direction ``v``.

    Examples
    --------
    >>> c = Comparison("v", analytic=2.0, lower=0.0, upper=0.0, error=1e-13, tolerance=1e-12)
    >>> c.ok, c.difference
    (False, 2.0)
    >>> Comparison("v", analytic=0.5, lower=-1.0, upper=1.0, error=0.0, tolerance=0.0).ok
    True
    """

    label: str
    analytic: float
    lower: float
    upper: float
    error: float
    tolerance: float

    @property
    def difference(self) -> float:
        return max(self.lower - self.analytic, self.analytic - self.upper, 0.0)

    @property
    def ok(self) -> bool:
        return self.difference <= self.tolerance

    def __str__(self) -> str:
        if self.lower == self.upper:
            derivative = f"the derivative {self.lower:.8g}"
        else:
            derivative = f"the one-sided derivatives [{self.lower:.8g}, {self.upper:.8g}]"
        verdict = "within" if self.ok else "outside"
        return (f"along {self.label}: <analytic, v> = {self.analytic:.8g} is {verdict} the "
                f"tolerance {self.tolerance:.3g} of {derivative} (error estimate "
                f"{self.error:.2g})")


def _dot(a: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """``<a, v>`` and the round-off of computing it (``sqrt(n) eps sum |a_k v_k|``)."""
    terms = np.asarray(a, dtype=float).ravel() * v.ravel()
    total = float(np.sum(terms))
    np.abs(terms, out=terms)  # (no second array of x's size)
    return total, float(np.sqrt(terms.size) * EPS * np.sum(terms))


def _atol_along(atol: Any, v: np.ndarray) -> float:
    if np.ndim(atol) == 0 and float(atol) == 0.0 and math.isfinite(float(np.sum(v))):
        return 0.0  # the default atol: 0 * |v_k| is 0 for every (finite) entry, so is the sum
    t = np.abs(v, out=np.empty_like(v, dtype=float))  # an array also when v is 0-d
    np.multiply(np.broadcast_to(atol, v.shape), t, out=t)  # atol * |v|, in place
    return float(np.sum(t))


def along_probe(analytic: np.ndarray, est: Any, *, rtol: float, atol: Any,
                safety: float) -> Comparison | None:
    """``<a, p>`` against the noise probe's slope (module docstring), or ``None`` where the
    probe measured no slope or some entry (direction) is not smooth."""
    if est.slope is None or est.kind is None or np.any(np.asarray(est.kind) != SMOOTH):
        return None
    p = est.probe_direction
    if p is None or np.shape(p) != np.shape(analytic):
        return None
    value, roundoff = _dot(analytic, p)
    slope = float(est.slope)
    tol = _atol_along(atol, p) + safety * float(est.slope_error) + rtol * abs(slope) + roundoff
    return Comparison("the noise probe's direction", value, slope, slope, float(est.slope_error),
                      tol)


def kink_directions(analytic: np.ndarray, est: Any) -> np.ndarray:
    """The directions of the coupled-kink test, shape ``(K, *x.shape)``; none (``K = 0``)
    unless two or more entries are kinks, all oriented alike (module docstring)."""
    kind = np.asarray(est.kind) if est.kind is not None else None
    empty = np.zeros((0,) + np.shape(analytic))
    if kind is None or np.count_nonzero(kind == KINK) < 2:
        return empty
    on = kind == KINK
    rising = np.asarray(est.right)[on] > np.asarray(est.left)[on]
    if not (np.all(rising) or not np.any(rising)):
        return empty  # kinks oriented both ways: neither convex nor concave there
    mid = 0.5 * (np.asarray(est.lower) + np.asarray(est.upper))
    first = np.where(on, np.asarray(analytic, dtype=float) - mid, 0.0)
    rng = np.random.default_rng(_SEED)
    rows = [first] if np.any(first) else []
    rows.append(on.astype(float))
    rows += [np.where(on, rng.standard_normal(on.shape), 0.0) for _ in range(KINK_DIRECTIONS)]
    return np.array(rows)


def coupled_kinks(analytic: np.ndarray, directions: np.ndarray, along: Any, *, rtol: float,
                  atol: Any, safety: float) -> list[Comparison]:
    """``<a, v_j>`` against the derivatives ``along`` (an estimate along ``directions``,
    :func:`checks.differences.directional_derivatives`' shape) for each direction."""
    out = []
    for j, v in enumerate(directions):
        value, roundoff = _dot(analytic, v)
        lo, hi = float(along.lower[j]), float(along.upper[j])
        err = float(along.error[j])
        tol = (_atol_along(atol, v) + safety * err + rtol * max(abs(lo), abs(hi)) + roundoff)
        entries = [tuple(int(i) for i in np.unravel_index(int(k), v.shape))
                   for k in np.flatnonzero(v)]
        shown = ", ".join(map(str, entries[:4])) + (" ..." if len(entries) > 4 else "")
        what = ""
        if j < len(directions) - KINK_DIRECTIONS:
            first = len(directions) - KINK_DIRECTIONS == 2 and j == 0
            what = (" (the analytic gradient minus the middle of their intervals)" if first
                    else " (all of them together)")
        label = f"direction {j} mixing the kink entries {shown}{what}"
        out.append(Comparison(label, value, lo, hi, err, tol))
    return out
