r"""Second derivatives by a ladder of second differences, per pair of entries, with error bars.

This is :mod:`checks.ladder` one order up: every entry ``H_kl`` (``k <= l``) of the Hessian
gets its own steps, halved (or doubled) until its estimate settles, and every decision about
the regime of a pair is made with that pair's own values and the noise of ``f``. The size of
the other entries decides how precise a pair needs to be, never whether its differences are
in the asymptotic regime: a coordinate of ``1e4`` (or an ``O(1)`` one beside it) starts
with a step of about ``100``, where ``sin`` aliases and its second differences are small
numbers of no meaning (``-3e-7`` for an entry of ``-0.39``: stable to 5 % of the Hessian's
scale, not of themselves).

**Lines.** A pair is read along one or two lines through ``x``. The diagonal ``H_kk`` along
``e_k``: ``phi(t) = f(x + t e_k)``, ``H_kk = phi''(0)``. The cross entry ``H_kl`` along
``w_{+-} = h_k e_k +- h_l e_l`` (``h`` the top steps), ``phi_{+-}(t) = f(x + t w_{+-})``,
whose second derivatives are ``q_{+-} = h_k^2 H_kk +- 2 h_k h_l H_kl + h_l^2 H_ll``, so
``H_kl = (q_+ - q_-) / (4 h_k h_l)``. The four corners ``x +- h_k e_k +- h_l e_l`` of the
usual cross difference are exactly the points of the two lines at ``t = +-1``: the lines
cost nothing more. Levels ``j`` have steps ``h 2^{-j}``; the top steps are ``h_k = c
max(|x_k|, rms(x))`` (:mod:`checks.hessian`), at least 16 ulps of ``x_k``. (Off the
diagonal the lines' points are rounded coordinate by coordinate, at most an ulp off the
line: that is noise of size ``|grad f| ulp(x)``, which the noise probe along its random
direction measures too.)

On a window of three levels ``h, h/2, h/4``, with ``s`` the noise of ``f`` (at least
``u |f|``, ``|f|`` the largest on the window's levels, and the smallest positive float;
``u`` the round-off of the precision ``f``'s values come in, :func:`checks.noise.roundoff_unit`:
``eps``, or ``2^-24`` where every value ``f`` returned is a float32 number; once every pair
has settled, at least ``u`` times the largest ``|f|`` on the windows the pairs were taken
from or stopped at -- the round-off of the quantities ``f`` is computed from,
:mod:`checks.ladder`: the stable log-sum-exp at ``[0, -25]`` is ``1.4e-11`` of a sum of
size 1, and its exact Hessian failed with an error bar of ``eps`` times that):

* **Value.** ``D(h)`` is the central second difference of the pair (``2 f[-h_-, 0, h_+]`` on
  the diagonal, with the steps actually applied; the four corners over ``(2 h_k)(2 h_l)``
  off it), ``D(h) = H + a h^2 + b h^4 + ...``. ``R_2 = (64 D(h/4) - 20 D(h/2) + D(h)) / 45``
  (error ``O(h^6)``), its truncation bounded by ``T = |R_1(h) - R_1(h/2)| / 16`` (derived in
  :func:`checks.ladder._triple`), its round-off by ``E = c s / (h_k h_l)``: the magnitudes
  of ``R_2``'s coefficients sum, in units of ``1 / (h_k h_l)``, to ``1/45 + 20*4/45 +
  64*16/45 = 24.6`` off the diagonal (each ``D`` divides 4 values by ``4 h^2``), and on the
  diagonal to ``2 (1 + 20*4 + 64*16) / 45 = 49.1`` for the points beside ``x`` plus ``2 |1 -
  20*4 + 64*16| / 45 = 42.0`` for ``f(x)``, which every level shares: ``c = 25`` and
  ``c = 92``.
* **Regime.** ``T`` is a bound only where ``D`` is dominated by its first correction:
  ``q = |R_1(h) - R_1(h/2)| / |D(h) - D(h/2)| <= 0.3`` (``O(h^2)`` in the regime) and
  ``|D(h) - D(h/2)| <= 0.05 |D(h/4)|`` (the step changes the pair's own estimate by at most
  5 %), or ``q <= 0.01`` (the differences are ``a + b h^2`` to 1 % of their correction: an
  entry of 0 with ``D(h) = a h^2``), or the differences are flat to 3 noise bounds.
* **Curvature of the lines.** Central second differences see only the even part of ``phi``.
  Its odd part shows in the one-sided second differences ``F(t) = 2 phi[0, t/2, t]`` and
  ``B(t) = 2 phi[0, -t/2, -t]`` (divided differences: ``2 phi[0, a, b] = sum_m 2
  phi^{(m)}(0) h_{m-2}(a, b) / m!``, ``h_k`` the complete symmetric polynomial, so the
  coefficients for ``a = t/2, b = t`` are ``1, t/2, 7 t^2/48, t^3/32``):

  .. math::

      F(t) = \phi'' + \phi''' t / 2 + 7 \phi'''' t^2 / 48 + \phi^{(5)} t^3 / 32 + \dots,
      \qquad J(t) = F(t) - B(t) = \phi''' t + \phi^{(5)} t^3 / 16 + \dots

  where ``phi`` is smooth, so ``|J|`` shrinks with every halving of ``t``: by 2 where
  ``phi'''`` dominates, by 8 where ``phi''' = 0``. (``J(t) = 8 (C(t) - C(t/2)) / t``, ``C``
  the central first difference: the odd part of ``phi``, which no second difference sees,
  must converge as a smooth function's does.) A window whose lines do not show
  ``|J(h/2)| <= 0.6 |J(h)| + 3 N_J(h/2)`` is never taken; ``N_J`` bounds the noise of ``J``,
  ``s`` times the magnitudes of the weights of both divided differences (``f(x)`` shared),
  ``24 s / t^2`` for equal steps. ``J`` constant is a kink of the gradient (below); ``J``
  growing as ``t`` shrinks is a feature narrower than the step.
* **Kinks of the gradient.** Where ``phi''`` jumps from ``L`` (left) to ``R`` (right) at 0
  (``relu(x)^2 / 2``: 0 and 1; ``x |x| / 2``: -1 and 1, where every central second
  difference is exactly 0), ``F(t) = R + O(t)``, ``B(t) = L + O(t)`` and ``J(t) = R - L +
  O(t)``. ``K = 2 J(h/2) - J(h)`` removes the linear term: ``R - L + O(h^2)`` at a kink,
  ``-(3/64) phi^{(5)} h^3`` where smooth; ``K'``, the same one level up, is ``8 K`` where
  smooth and ``K + O(h^2)`` at a kink. A kink is suspected on a line where ``|K| > 3 (|K -
  K'| + N_K)`` (``N_K = 2 N_J(h/2) + N_J(h)``; smooth, ``|K - K'| = 7 |K|``) and ``|K|``,
  in the pair's units, exceeds ``1e-9`` of the Hessian's scale. It needs the level above
  the window, so it is first seen on the second window: the first one fails the curvature
  test (``J`` does not shrink) and the pair descends; it then descends while the next level
  can still resolve the kink (``2 * 3 * 4 N_K < |K| / 3``: ``N_K`` grows by 4 per halving). The
  one-sided limits are Richardson's ``R_1(t) = 2 F(t/2) - F(t) = R - 7 phi''''_+ t^2 / 96 +
  O(t^3)``, with error ``|R_1(h) - R_1(2 h)| / 3`` (``R_1(2h) - R_1(h) = 3 (7/96) phi''''
  h^2``) plus their round-off (``F``'s weights sum to ``16 / t^2``).
* **Domain.** A level where ``f`` is not finite (or raised a domain error:
  :func:`checks._util.call_scalar` returns ``nan``) at one of the pair's points is not used;
  the pair descends until three consecutive levels are finite. A pair with no finite window
  at the bottom is on the edge of ``f``'s domain (an error naming it) -- unless ``f``'s
  values were all finite on some window whose differences were not: there the differences
  overflow (``1.7e308 tanh(1e3 x_0)`` at 0, finite, has the slope ``1.7e311``; ``0.5e308
  x_0^2`` has ``D = 1e308`` and ``64 D`` in ``R_2``), and the pair is an **overflow**
  (below).

A window that passes these tests is a **candidate**. It is taken at once when flat, or when
its first correction is negligible against the pair's own value (``|D(h) - D(h/2)| <= 1e-4
|D(h/4)|``). Otherwise two more things must confirm it. The window one level below must be a
candidate (or, dominated by round-off, within 10 times the flat test, a window the pair
climbed from) that agrees within both claims, ``T + 3E`` each (below; the bound taken
includes their spread), as in :mod:`checks.ladder`. And a **spot check** at ``2^-10`` times
the window's steps must agree:

.. math::

    |D(h 2^{-10}) - R_2| \le 3 c' s + T + E + 2 |D(h) - D(h/2)| 4^{-10}

(``c' s`` the round-off of that ``D``; the last term bounds the truncation left there if the
window's regime is real: ``D - H = a h^2 (1 + O(h^2))`` and ``D(h) - D(h/2) = (3/4) a h^2``,
so ``(4/3) |D(h) - D(h/2)| 4^-10``, and a margin for the ``O(h^2)``). Seven values of ``sin``
at a large ``x`` are those of a smooth parabola when the steps are all near multiples of
``2 pi`` (``h = 2 pi 36.03``: levels 0 to 2; ``h = 2 pi 7.87``: levels 0 to 3), which the
window below cannot see and the spot check does. The cost falls on the pairs that are not
clean: 2 to 4 evaluations for the window below (usually needed anyway), 2 to 4 for the spot.

**Settling.** Every candidate taken claims ``|R_2 - H| <= T + 3E``: ``E`` is ``s`` times a
sum of weights, and ``s`` measures the deviation of ``f``'s rounding, not its largest error
(a float32 ``f`` rounds by up to 3.5 of it). The pair keeps the taken candidate with the
smallest ``T + E``, and descends while its truncation exceeds 4 times its round-off and
``1e-10`` of the Hessian's scale (at most 5 levels past its last candidate), while the next
level's round-off ``4E`` stays below the larger of the Hessian's scale and the pair's own
variation (``|D|`` and its lines' ``|F|``, ``|B|``: an aliased entry can show ``D ~ 1e-17``
and ``F ~ 1``). The Hessian's scale is what the candidates prove: the largest ``|R_2| - (T +
E)``. Where two claims exclude each other one of them is wrong, and the bound becomes the
distance to the far end of every claim (:mod:`checks.ladder`). A pair whose candidate is
dominated by round-off (or flat to noise, or out of the regime by noise alone) **climbs**
instead -- doubles its steps, at most :data:`MAX_CLIMBS` times -- while its round-off exceeds
``1e-9`` of the Hessian's scale and its lines fit a smooth model: steps scale with ``x``, and
at a point much smaller than ``f``'s length scale the default is too short for ``1 / h^2``
(the log-sum-exp at ``x = [0, 2^-8]``: steps of ``2.7e-5``, round-off ``2e-5``; 32 times
longer still left ``7.6e-8`` of ``max|H|`` and a true error of ``1.25e-8``; 256 times longer
reach the ``1e-9``). Two things bound the climb, as for the first-order ladder's
(:func:`checks.adaptive._climb`):

* only where the noise of ``f`` is its round-off, at most :data:`checks.ladder._QUIET` (16)
  ulps ``u |f|`` of the largest ``|f|`` seen at ``x`` (and by a run at longer steps). That
  round-off follows ``|f|`` to the longer steps, and so does ``s`` (at least ``u |f|`` on
  the window's levels); a noise measured at ``x`` does not. A loss summed in float32 beside
  a ``1e-3 sum(z^4)`` in float64 (its values not float32 numbers) has quanta of ``6e-8`` of
  its float32 sum wherever it is evaluated, about ``5e-8 |f|`` at ``x`` and ``10^4`` times
  that at steps of 100: under the noise at ``x`` cross pairs climbed 4096 to 8192 times, to
  steps of 8 to 128, and their bars (``1e-9``, the true error ``3e-8`` to ``6e-8``) failed
  the exact Hessian at 6 of 30 points ``z ~ N(0, 1)`` (the float16 sum at 2); a float32
  ``f`` (every value a float32 number) is quiet in its own precision and climbs;
* only while it pays: the round-off ``E`` of the window climbed to at most half that of the
  window climbed from (a quarter where ``|f|`` stays put). Where ``|f|`` grows with the
  steps so does ``s``, and the climb stops where ``E`` no longer shrinks: the pairs of a
  float32 ``x_0^2 + x_1^2 + x_0 x_1`` at ``[0.3, 0.7]`` climb 128 times, not ``2^20`` times
  (where ``|f|`` is ``3e8``, and ``u`` times that widened every bar).

At the bottom (``4E`` above what the pair can show, or :data:`MAX_HALVINGS` levels):

* a pair with a taken candidate is **smooth**;
* a pair whose last window suspects a kink is a **kink**. On each line ``mid = (R + L) / 2``
  and ``|J| = |R - L|`` (the central ``R_2`` and 0 on a smooth line). Where the kink is one
  surface through ``x`` with normal ``n``, ``f`` being ``C^1``, the Hessian jumps across it
  by a rank-one ``c n n^T`` (Hadamard's condition), so along ``w`` the jump of ``phi''`` from
  the side ``n.w < 0`` to ``n.w > 0`` is ``c (n.w)^2``, and the two limiting values of
  ``H_kl`` are ``M +- d``: ``M = sum_l w_l mid_l`` and ``d = |sum_l w_l |J_l|| / 2`` with the
  lines' weights ``w = 1`` (diagonal) and ``+-1 / (4 h_k h_l)``. Off the diagonal that is
  ``d = ||J_+| - |J_-|| / (8 h_k h_l) = |c n_k n_l| / 2`` whichever side of ``n`` each line's
  positive ray lies on, where pairing the lines' sides blindly would add the jumps
  (``relu(x_0)^2 / 2 + x_0 sin(x_1)`` at ``x_0 = 0``: both lines jump by ``h_0^2``, and
  ``H_01 = cos(x_1)`` does not jump). The interval ``[M - d, M + d]`` is taken on the
  kink-suspected window of smallest error (``2 sum_l |w_l| err_l``, the errors of ``M``
  and of ``d``); any value in it is accepted. An interval narrower than its error is a
  smooth pair after all (its lines' kinks cancel);
* a cross pair whose kink does not fit one surface is **unresolved**: with one surface the
  jumps satisfy ``|J_+| + |J_-| = 2 (h_k^2 |J_k| + h_l^2 |J_l|)`` (``(u + v)^2 + (u - v)^2 =
  2 u^2 + 2 v^2``), ``J_k``, ``J_l`` the jumps of the diagonal pairs; where that fails by
  more than 3 error bounds (``relu(x_0) relu(x_1)`` at 0: the axes are smooth, ``w_+`` is
  not), several surfaces meet at ``x`` and no pairing of the lines' sides is sure to reach
  every limiting Hessian (there ``H_01`` is 1 in one quadrant that neither line enters);
* second differences growing like ``1/h`` (``|D|`` by 1.5 per halving beyond noise) are a
  **jump**: the gradient jumps, ``f`` has a kink along the pair, and there is no second
  derivative (``|x|`` at 0);
* a pair with no finite estimate whose differences overflowed where ``f`` was finite is an
  **overflow**: no value (``nan``), no bound (``inf``);
* otherwise the pair is **unresolved**: its value is the last ``R_2``, its bound the spread
  of the last two plus ``T + E``.

Jumps, overflows and unresolved pairs carry :mod:`checks.ladder`'s codes, so
:mod:`checks.jacobian` gives them an infinite tolerance: they cannot fail a check, which is
inconclusive instead.

**Cost.** ``f`` at 2 points per level of a diagonal pair and 4 of a cross pair: ``6 n^2``
for the first windows, plus 2 (4) per level a pair moves, and per confirmation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from checks._util import EPS, TINY
from checks.ladder import (
    _CLEAN,
    _GROWTH,
    _KINK_FLOOR,
    _PATIENCE,
    _PRECISION,
    _Q_EXACT,
    _Q_MAX,
    _QUIET,
    _RESOLVED,
    _SIGMAS,
    KINK,
    SMOOTH,
    floor_roundoff,
)
from checks.second_findings import Second, _corners, _finalize, _remember, describe_pairs
from checks.second_lines import (
    ROUNDOFF_CROSS,
    ROUNDOFF_DIAG,
    _interval,
    _level,
    _lines,
    _richardson,
)

__all__ = ["MAX_CLIMBS", "MAX_HALVINGS", "Second", "describe_pairs", "second_ladder"]

MAX_HALVINGS = 20
#: Doublings of the top step at most (``2^20`` times the default), where round-off dominates.
MAX_CLIMBS = 20
_TARGET = 1e-9  # round-off worth climbing for: above this fraction of the Hessian's scale
_NOISY = 10.0 * _SIGMAS  # differences within this many noise bounds: round-off dominates
_ABOVE = 1  # the table keeps one level above the highest climb (read, never evaluated)
_PAYS = 0.5  # a climb pays while it at least halves the round-off (a quarter: |f| constant)
_SPOT = 10  # the spot check of a confirmed candidate: steps 2^-10 times the window's


# ----------------------------------------------------------------------------- one level


# ----------------------------------------------------------------------------- the lines


# ----------------------------------------------------------------------------- the ladder


class _State:
    """Per-pair memory: the best candidate, the claims made, the kink interval."""

    def __init__(self, m: int):
        def full(value, dtype=float):
            return np.full(m, value, dtype=dtype)

        self.best_val, self.best_err = full(np.nan), full(np.inf)
        self.best_trunc, self.best_round = full(np.inf), full(np.nan)
        self.best_level = full(0, int)
        self.best_top, self.best_s = full(0.0), full(np.inf)  # |f| and noise of the best
        self.last_top = full(0.0)  # |f| on the last valid window
        self.cand_top = full(0.0)  # the largest |f| on a window in the regime (a candidate)
        self.last_val, self.prev_val, self.last_err = full(np.nan), full(np.nan), full(np.inf)
        self.last_level = full(0, int)
        self.claim_lo, self.claim_hi = full(-np.inf), full(np.inf)
        self.hull_lo, self.hull_hi = full(np.inf), full(-np.inf)
        self.kink_lo, self.kink_hi, self.kink_err = full(np.nan), full(np.nan), full(np.inf)
        self.kink_jumps, self.kink_jumps_err = full(np.nan), full(np.inf)
        self.growing = full(False, bool)
        # a window whose values of f were all finite but whose differences were not
        self.overflowed = full(False, bool)
        self.lev = full(0, int)
        self.heading = full(0, int)  # 0 first triple, +1 descending, -1 climbing
        self.climbed_from = full(np.inf)  # the round-off of the window a pair climbed from
        self.since = full(0, int)


class _Table:
    """The levels evaluated so far, per pair, and the statistics of any window of them."""

    def __init__(self, fun, x, pairs, h, f0, noise, reach=0.0, vectorized=False, unit=EPS):
        self.fun, self.x, self.pairs, self.h, self.f0, self.noise = fun, x, pairs, h, f0, noise
        self.vectorized, self.unit = vectorized, unit
        self.reach = max(reach, abs(f0))
        n_pairs = len(pairs)
        i, j = pairs[:, 0], pairs[:, 1]
        diag = i == j
        with np.errstate(divide="ignore", over="ignore"):  # steps of subnormal entries
            self.c_round = np.where(diag, ROUNDOFF_DIAG, ROUNDOFF_CROSS) / (h[i] * h[j])
            # line values to the pair's units: H_kk = q; H_kl = (q_+ - q_-) / (4 h_k h_l)
            quarter = 1.0 / (4.0 * h[i] * h[j])
        self.w = np.stack([np.where(diag, 1.0, quarter), np.where(diag, 0.0, -quarter)],
                          axis=1)
        self.first = -MAX_CLIMBS - _ABOVE
        n_rows = MAX_CLIMBS + _ABOVE + MAX_HALVINGS + 4
        self.data = {name: np.full((n_rows, n_pairs), np.nan) for name in ("d", "coef", "top")}
        self.data.update({name: np.full((n_rows, n_pairs, 2), np.nan)
                          for name in ("P", "M", "tp", "tm")})
        self.evaluations = 0

    def ensure(self, idx, levels) -> None:
        """Evaluate ``levels[k]`` of pair ``idx[k]`` where not yet done."""
        for level in np.unique(levels):
            row = level - self.first
            sub = idx[(levels == level) & np.isnan(self.data["top"][row, idx])]
            if sub.size:
                d, coef, top, lines, n = _level(self.fun, self.x, self.pairs[sub], self.h,
                                                int(level), self.f0, self.vectorized)
                self.data["d"][row, sub], self.data["coef"][row, sub] = d, coef
                self.data["top"][row, sub] = top
                for name, arr in lines.items():
                    self.data[name][row, sub] = arr
                self.evaluations += n

    def spot(self, idx, lev, value, err, delta) -> np.ndarray:
        """Whether ``D`` at the steps ``2^-SPOT`` times the window's top agrees with
        ``value`` (module docstring): within its round-off, ``err`` and the truncation
        ``(4/3) |delta| 4^-SPOT`` (with a margin: ``2``) left in the regime the window
        claims."""
        ok = np.ones(idx.size, dtype=bool)
        for level in np.unique(lev):
            at = np.flatnonzero(lev == level)
            d, coef, top, _, n = _level(self.fun, self.x, self.pairs[idx[at]], self.h,
                                        int(level) + _SPOT, self.f0, self.vectorized)
            self.evaluations += n
            s = np.maximum(np.maximum(self.noise, self.unit * np.maximum(top, self.reach)),
                           TINY)
            with np.errstate(invalid="ignore"):
                allowed = (_SIGMAS * coef * s + err[at]
                           + 2.0 * np.abs(delta[at]) * 4.0**-_SPOT)
                ok[at] = np.abs(d - value[at]) <= allowed
        return ok

    def window(self, idx, lev) -> dict:
        """The tests of the windows ``lev .. lev + 2`` of pairs ``idx`` (module docstring);
        the level above, ``lev - 1``, serves the kink test where it was evaluated."""
        data = self.data
        rows = [lev - self.first + k for k in (-1, 0, 1, 2)]
        d0, d1, d2 = (data["d"][r, idx] for r in rows[1:])
        n0, n1, n2 = (data["coef"][r, idx] for r in rows[1:])
        top = np.nanmax([data["top"][r, idx] for r in rows[1:]], axis=0)
        lines = {name: np.array([data[name][r, idx] for r in rows])
                 for name in ("P", "M", "tp", "tm")}
        valid = np.isfinite(d0) & np.isfinite(d1) & np.isfinite(d2)
        s = np.maximum(np.maximum(self.noise, self.unit * np.maximum(top, self.reach)), TINY)
        w = self.w[idx]
        used = w != 0.0
        with np.errstate(all="ignore"):
            r1a, r1b, r2, trunc = _richardson(d0, d1, d2)
            delta = d0 - d1
            st = _lines(lines, self.f0, s[:, None])
            st.update(
                r2=r2, trunc=trunc, roundoff=self.c_round[idx] * s * 4.0**lev, delta=delta,
                flat=((np.abs(delta) <= _SIGMAS * (n0 + n1) * s)
                      & (np.abs(d1 - d2) <= _SIGMAS * (n1 + n2) * s)),
                noisy=((np.abs(delta) <= _NOISY * (n0 + n1) * s)
                       & (np.abs(d1 - d2) <= _NOISY * (n1 + n2) * s)),
                q=np.where(np.abs(r1a - r1b) == 0.0, 0.0, np.abs(r1a - r1b) / np.abs(delta)),
                growing=((np.abs(d1) > _GROWTH * np.abs(d0) + _SIGMAS * (n0 + n1) * s)
                         & (np.abs(d2) > _GROWTH * np.abs(d1) + _SIGMAS * (n1 + n2) * s)),
            )
        # f's values on the window's three levels (every used line) all finite, while its
        # differences or their extrapolation R_2 are not: the differences overflow, which is
        # no edge of f's domain (module docstring, "Domain")
        f_finite = np.all((np.isfinite(lines["P"][1:]) & np.isfinite(lines["M"][1:]))
                          | ~used[None], axis=(0, 2))
        overflow = f_finite & ~(valid & np.isfinite(r2))
        own = np.where(valid, np.abs(d2), 0.0)
        shaped = valid & np.all(st["curved"] | ~used, axis=1)
        kink_raw = valid & np.any(st["kink"] & used, axis=1)
        settles = (np.abs(delta) <= _RESOLVED * own) | (st["q"] <= _Q_EXACT)
        candidate = shaped & ~kink_raw & (st["flat"] | ((st["q"] <= _Q_MAX) & settles))
        # taken at once when flat or when the first correction is negligible against the
        # pair's own value; otherwise the window below must confirm it
        clean = candidate & (st["flat"] | (np.abs(delta) <= _CLEAN * own))
        # how much the pair's values vary at these steps: its own D and its lines'
        # one-sided second differences (an aliased sin can give D ~ 0 and F, B ~ 1)
        with np.errstate(invalid="ignore", over="ignore"):  # (differences near overflow)
            variation = np.maximum(own, np.max(np.where(used, np.abs(w) * st["variation"],
                                                        0.0), axis=1))
        st.update(valid=valid, overflow=overflow, own=own, shaped=shaped, candidate=candidate,
                  clean=clean, top=top, s=s, w=w, used=used, err=trunc + st["roundoff"],
                  variation=np.where(valid, variation, 0.0))
        return st


def second_ladder(
    fun: Callable[[np.ndarray], float],
    x: np.ndarray,
    pairs: np.ndarray,
    h: np.ndarray,
    f0: float,
    noise: float,
    *,
    refine: bool = True,
    describe: Callable[[int], str] = str,
    reach: float = 0.0,
    vectorized: bool = False,
    unit: float = EPS,
) -> Second:
    """Second derivative ``e_k^T H e_l`` for every pair ``(k, l)`` (module docstring).

    ``h`` are the top steps per entry of ``x`` (flat, positive, exactly applied);
    ``refine=False`` (a step the user chose) evaluates only levels ``0, 1, 2``.
    ``describe(p)`` names pair ``p`` in errors. ``unit`` is the round-off of ``f``'s values
    relative to ``|f|`` (:func:`checks.noise.roundoff_unit`: ``eps``, ``2^-24`` for float32
    values). The noise of ``f`` is at least ``unit`` times ``|f|`` on the levels a window
    reads and times ``reach`` (found by a run at longer steps); the run's own reach is
    :attr:`Second.reach` (module docstring). Pairs climb only where ``noise`` is ``f``'s
    round-off (module docstring, "Settling"). With ``vectorized``, ``fun`` maps a stack of
    points ``(B, *x.shape)`` to shape ``(B,)`` and gets each level's points in stacks; else
    each point alone, on the active executor if there is one (:mod:`checks.executor`). The
    result is the same.

    Examples
    --------
    ``relu(x_0)^2 / 2`` at ``x_0 = 0``: its gradient has a kink there, and the second
    derivative is any value between the one-sided ones, 0 and 1:

    >>> f = lambda v: 0.5 * max(v[0], 0.0) ** 2 + v[1] ** 2
    >>> x = np.array([0.0, 1.0])
    >>> res = second_ladder(f, x, np.array([[0, 0], [1, 1]]), np.array([0.01, 0.01]),
    ...                     f(x), 1e-16)
    >>> [round(float(v), 6) for v in (res.lower[0], res.upper[0], res.value[1])]
    [0.0, 1.0, 2.0]
    """
    n_pairs = len(pairs)
    table = _Table(fun, x, pairs, h, f0, noise, reach, vectorized, unit)
    # only a pair whose noise is f's round-off climbs: that follows |f| to the longer steps,
    # and s with it; a noise measured at x does not (module docstring, "Settling")
    quiet = noise <= _QUIET * unit * table.reach
    out = {name: np.full(n_pairs, np.nan) for name in ("value", "error", "lower", "upper",
                                                         "step")}
    kind = np.full(n_pairs, SMOOTH, dtype=np.int8)
    mem = _State(n_pairs)
    scale = 0.0
    active = np.ones(n_pairs, dtype=bool)
    everyone = np.arange(n_pairs)
    for level in range(3):
        table.ensure(everyone, np.full(n_pairs, level))
    while True:
        idx = np.flatnonzero(active)
        lev = mem.lev[idx]
        st = table.window(idx, lev)
        valid, candidate = st["valid"], st["candidate"]
        if np.any(candidate):  # what the candidates prove of the Hessian's scale
            proven = np.abs(st["r2"][candidate]) - st["err"][candidate]
            scale = max(scale, float(np.max(proven)))
        big = np.maximum(st["own"], scale)
        with np.errstate(invalid="ignore"):
            k_pair = np.abs(st["w"]) * np.where(st["used"], st["k"], 0.0)
            line_kink = st["kink"] & st["used"] & (k_pair > _KINK_FLOOR * big[:, None])
        kink = valid & np.any(line_kink, axis=1)
        # confirmation from below: seven values of an aliased sin can be those of a parabola
        # (a step of 2 pi 36.03 halved twice), which the next level down breaks
        taken = st["clean"] | (candidate & (not refine))
        spread = np.zeros(idx.size)
        ask = np.flatnonzero(candidate & ~taken)
        if ask.size:
            table.ensure(idx[ask], lev[ask] + 3)
            below = table.window(idx[ask], lev[ask] + 1)
            # the window below agrees within both claims (``T + 3E``); where it is dominated
            # by round-off (within 10 times the flat test: a pair that climbed from there)
            # its agreement is all it can offer
            gap = np.abs(st["r2"][ask] - below["r2"])
            claims = (st["trunc"][ask] + _SIGMAS * st["roundoff"][ask] + below["trunc"]
                      + _SIGMAS * below["roundoff"])
            agree = ((below["candidate"] | (below["noisy"] & below["shaped"]))
                     & (gap <= claims))
            agree[agree] = table.spot(idx[ask][agree], lev[ask][agree], st["r2"][ask][agree],
                                      st["err"][ask][agree], st["delta"][ask][agree])
            taken[ask] = agree
            spread[ask] = np.where(agree, gap, 0.0)
        _remember(mem, idx, taken, valid, st["r2"], st["trunc"] + spread, st["roundoff"], lev,
                  st["top"], st["s"])
        mem.cand_top[idx] = np.where(candidate, np.maximum(mem.cand_top[idx], st["top"]),
                                     mem.cand_top[idx])
        mem.growing[idx] = np.where(valid, st["growing"], mem.growing[idx])
        mem.overflowed[idx] |= st["overflow"]
        if np.any(kink):
            lo, hi, k_err, jumps, j_err = _interval({k: v[kink] for k, v in st.items()},
                                                    line_kink[kink], st["w"][kink])
            ki = idx[kink]
            better = np.isfinite(k_err) & (k_err < mem.kink_err[ki])
            bi = ki[better]
            mem.kink_lo[bi], mem.kink_hi[bi], mem.kink_err[bi] = lo[better], hi[better], \
                k_err[better]
            mem.kink_jumps[bi], mem.kink_jumps_err[bi] = jumps[better], j_err[better]
        # decide
        roundoff, trunc = st["roundoff"], st["trunc"]
        has_best = np.isfinite(mem.best_err[idx])
        precise = ((mem.best_trunc[idx] <= 4.0 * mem.best_round[idx])
                   | (mem.best_trunc[idx] <= _PRECISION * big))
        # descend while the next level's round-off (4 E) stays below what the pair can show:
        # the Hessian's scale, or the pair's own variation at these steps
        reach = np.maximum(big, st["variation"])
        can_down = refine & (lev < MAX_HALVINGS) & (
            (4.0 * roundoff < np.where(reach > 0, reach, np.inf)) | ~valid)
        # a suspected kink is followed down while the next level can still resolve it
        # (its noise there, 4 N_K, three noise bounds below a third of |K|)
        with np.errstate(over="ignore"):  # the noise of K of an f near overflow
            resolvable = np.any(line_kink
                                & (2.0 * _SIGMAS * 4.0 * st["n_k"] < st["k"] / _SIGMAS), axis=1)
        down = can_down & np.where(has_best, ~precise & (mem.since[idx] < _PATIENCE),
                                   np.where(kink, resolvable, True))
        # climb: while round-off dominates (or hides the truncation: the triple is flat to
        # noise, or out of the regime but within 10 times the flat test: noise, not
        # truncation, spoils it) and is not yet negligible, and the lines fit a smooth model;
        # never after descending; only where the noise is f's round-off (quiet) and while the
        # last climb at least halved the round-off (|f| growing with the steps, s grows too)
        up = (refine & quiet & st["shaped"] & ~kink & (mem.heading[idx] <= 0)
              & (lev > -MAX_CLIMBS) & (roundoff > _TARGET * big)
              & (roundoff <= _PAYS * mem.climbed_from[idx])
              & np.where(candidate, st["flat"] | (20.0 * trunc < roundoff), st["noisy"]))
        mem.climbed_from[idx[up]] = roundoff[up]
        down &= (mem.heading[idx] >= 0) & ~up
        mem.heading[idx] = np.where(up, -1, np.where(down, 1, mem.heading[idx]))
        stop = ~(up | down)
        for p in np.flatnonzero(stop):
            _finalize(int(idx[p]), bool(kink[p]), out, kind, mem, describe)
        active[idx[stop]] = False
        if not active.any():
            break
        moving_up, moving_down = idx[up], idx[down]
        mem.lev[moving_up] -= 1
        mem.lev[moving_down] += 1
        table.ensure(moving_up, mem.lev[moving_up])
        table.ensure(moving_down, mem.lev[moving_down] + 2)
    corner = _corners(pairs, table.h, kind, out, mem)
    # a pair whose lines have kinks that cancel (H_01 of relu(x_0)^2 / 2 + x_0 sin(x_1) at
    # x_0 = 0: both lines jump by h_0^2) does not jump itself: it is smooth, with the bound of
    # its one-sided estimates
    with np.errstate(over="ignore"):
        gain = table.c_round * 4.0**mem.best_level  # E = c s 4^level / (h_k h_l)
    table.reach = floor_roundoff(out, kind, mem, table.reach, gain, unit)
    level_out = (kind == KINK) & (out["upper"] - out["lower"] <= out["error"])
    kind[level_out] = SMOOTH
    out["lower"][level_out] = out["upper"][level_out] = out["value"][level_out]
    return Second(out["value"], out["error"], out["lower"], out["upper"], out["step"], kind,
                  table.evaluations, corner, table.reach)


