r"""Per-entry adaptive steps: a ladder of central differences, halved until they settle.

Each entry ``k`` is differentiated from its own one-dimensional behaviour
``phi(t) = f(x + t e_k)``. Its steps form a ladder ``h_j = h_0 2^{-j}`` from the default
``h_0 = c max(|x_k|, rms(x))``; levels ``0, 1, 2`` are evaluated for every entry (``6n``
evaluations, the cost of one Richardson pass), and an entry descends one level (2 more
evaluations) only while the last three levels fail the tests below. On a smooth, well-scaled
function every entry settles at once; the extra evaluations go to the entries that need them.
Every test is made with the entry's own values and the noise of ``f``: the size of the other
entries decides how precise an entry needs to be, never whether its estimate is in the
asymptotic regime. (An ``O(1)`` entry beside entries of ``1e4`` starts with a step of about
``100``, where a ``tanh`` has saturated: its own values show that, and it descends.)

On three consecutive levels ``h, h/2, h/4``, with ``D`` the central differences (taken with
the steps actually applied) and ``s`` the noise of ``f`` (at least ``eps * |f|``, and at least
the smallest positive float: values near ``1e-320`` are spaced by ``5e-324``, not by ``eps``
times themselves):

* **Round-off.** ``eps |f(x)|`` is no floor for the rounding of ``f``'s values: ``f`` is
  computed from quantities that can be far larger than ``f`` itself. The stable log-sum-exp
  at ``[0, -37]`` is ``log`` of a sum of size 1 whose tail, ``exp(-37) = 8.5e-17``, is below
  that sum's half ulp: ``f(x) = 0``, ``f`` stands exactly still along ``z_1`` at every short
  step and moves by one quantum, ``eps * 1``, at the first; with ``s = eps |f(x)| = 0`` its
  zero difference had an error bar of ``1e-21`` and failed the exact softmax (at
  ``[0, -31]``, a difference of 0 at steps where the tail moves ``f`` by less than one
  quantum did the same). The size of those quantities is not visible at ``x``; ``f``'s
  values on triples in the regime of another entry are: there ``f`` is smooth, computed
  from the same quantities as at ``x``, and a value ``V`` is rounded by about ``eps |V|``.
  So once every entry has settled, the noise of each is raised to at least ``eps`` times
  the largest ``|f|`` on the triples that were candidates (in the regime) or that the
  entries were taken from (:attr:`Ladder.reach`: ``0.3`` for the log-sum-exp, along
  ``z_0``; the settled triples alone missed the Hessian of ``[0, -21.76, -21.76]``, whose
  ``z_0`` entry settled at steps of ``7e-4``), and its bound grows by the round-off of the
  difference (``7 s / h``; a kink's one-sided estimates keep theirs). A run at shorter steps
  starts from the reach of the longer one. Values at the *first* steps would not do: along
  a steep entry (``exp(3000 x_0)``) they reach ``1e15`` while ``f`` is 1 where that entry
  settles and along every other entry. On a well-scaled ``f`` the reach is ``|f| + O(|g|
  h)`` and adds nothing the ulps of ``f`` did not; it costs no evaluation.
* **Value.** ``R_2 = (64 D(h/4) - 20 D(h/2) + D(h)) / 45`` (Richardson, error ``O(h^6)``).
  Its truncation error is bounded by ``T = |R_1(h) - R_1(h/2)| / 16`` (derived in
  :func:`_triple`), its round-off by ``E = 7 s / h`` (the weights sum to ``297 / 45 < 7``).
* **Regime.** ``T`` is a bound only in the asymptotic regime, where ``D(h) = f' + a h^2 +
  O(h^4)`` is dominated by its first correction. That is tested, not assumed:
  ``q = |R_1(h) - R_1(h/2)| / |D(h) - D(h/2)| <= 0.3`` (``q`` is ``O(h^2)`` in the regime,
  ``0.25`` when ``a = 0``, and of order 1 or more where the step straddles a kink, a pole or a
  period) and ``|D(h) - D(h/2)| <= 0.05 S``, where ``S`` is the larger of ``|D|`` and the
  largest settled entry of the gradient (the step changes the estimate by at most 5 %).
  Differences that are all within ``3`` noise bounds of each other pass too: ``D`` is flat
  to noise.
* **Curvature.** Central differences see only the odd part of ``phi``. The even part shows in
  the difference of the one-sided slopes ``F(h) = (f(x + h) - f(x)) / h`` and
  ``B(h) = (f(x) - f(x - h)) / h``: ``J(h) = F - B = f'' h + f^{(4)} h^3 / 12 + ...`` where
  ``f`` is smooth, so ``|J|`` shrinks at least by half with every halving of the step (by 2
  where ``f''`` dominates, by 8 where ``f'' = 0``). A smooth triple must show it:
  ``|J(h/2)| <= 0.6 |J(h)|`` and ``|J(h/4)| <= 0.6 |J(h/2)|``, each up to three noise bounds of
  ``J`` (``4 s / h`` at step ``h``). ``J`` constant is a kink (below). ``J`` growing as the
  step shrinks means that ``f(x)`` does not fit the values around it: a feature narrower than
  the step -- a Gaussian bump of width ``1e-4``, a ``tanh^2`` saturated on both sides, a pole,
  two kinks on either side -- where the central differences can agree on a flat, wrong value
  at every step tried. Such a triple is never taken: the entry descends.
* **Kinks.** ``J(h) = (R - L) + O(h)`` at a kink. ``K = 2 J(h/4) - J(h/2)`` removes the
  linear term: ``O(h^3)`` when smooth, ``R - L + O(h^2)`` at a kink, and
  ``K' = 2 J(h/2) - J(h)`` is the same one level up. A kink is suspected where
  ``|K| > 3 |K - K'| + 120 s / h`` (``40 s / h`` bounds the noise of ``K``) and
  ``|K| > 1e-9 S``; when smooth, ``|K| ~ |K - K'| / 7``.
* **Domain.** A level where ``f(x + h)`` or ``f(x - h)`` is not finite (or where ``f``
  raised: :func:`checks._util.call_scalar`) is not used; the entry descends until three
  consecutive levels are finite on both sides.

A triple that passes is a **candidate**. It is taken at once when it is flat or its first
correction is negligible (``|D(h) - D(h/2)| <= 1e-4 S``);
otherwise the next triple, one level down, must confirm it (the two estimates agree within
their bounds, and the bound handed down includes their spread): several kinks straddled by
the longer steps can mimic every test of one triple, but not of two. While ``T > 4 E`` and
``T > 1e-10 |R_2|`` (truncation dominates and is not negligible against the entry itself)
the entry descends further, keeping the candidate with the smallest ``T + E``. Otherwise it
descends while a shorter step can still tell something: while the round-off ``E`` of the next
level stays below the entry's own variation ``max(|F|, |B|)``, at most ``_MAX_HALVINGS``
levels (``h_0 \cdot 10^{-12}``), and, for a suspected kink, while the next level could still
resolve it (``240 s / h < |K| / 3``).

**Consistency.** Every candidate that was taken claims ``|R_2 - f'| <= T + E``. Where two
such claims exclude each other one of them is wrong, and the entry's bound becomes the
distance from its value to the far end of every claim: a wider, honest error bar instead of a
confident, wrong one. Noise that the probe of :mod:`checks.noise` cannot see does this: the
usual log-sum-exp at ``[0, -29]`` rounds ``log(1 + 2.5e-13)``, so its values are quantised at
``1e-16`` while ``|f| = 2.5e-13``, and three levels whose quanta happen to halve with the step
look exactly linear (an estimate ``4e-3`` off with a bound of ``3e-20``, before this rule).

At the bottom:

* a kink suspected at every level down to there is a **kink**: the entry is not
  differentiable along ``e_k``, and its one-sided derivatives ``L`` and ``R`` (one-sided
  Richardson, error ``O(h^3)``, on the kink-suspected triple where their error bound is
  smallest) are returned as the interval ``[min(L, R), max(L, R)]``;
* a side that is finite on the last three levels while the other is not gives a
  **one-sided** derivative from that side;
* central differences that grow like ``1/h`` all the way down are a **jump**: ``f`` is
  discontinuous along ``e_k`` (``floor``, a threshold) and has no derivative there;
* an entry whose last triple has ``f`` finite on every level but an estimate that is not
  (``1.7e308 tanh(1e3 t)`` at 0: its slope ``1.7e311`` is no float; ``1e308 t``: ``D =
  1e308``, but not ``4 D`` in the extrapolation) is an **overflow**, as in
  :mod:`checks.second`: no value (``nan``) and no bound (``inf``). Where ``f`` itself is not
  finite at the bottom the rules above apply (one-sided, or the edge of its domain);
* an entry that never settled otherwise is **unresolved**: its value is the last Richardson
  estimate and its error bound the spread of the last two estimates plus ``T + E``.

A jump, an overflow or an unresolved entry is never a reason to fail a check (its bound is a
guess, not a bound): :mod:`checks.compare` calls the check ``"inconclusive"`` instead. An
entry with no finite level is a ``ValueError`` naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from checks._util import EPS, TINY, NonFiniteValueError

__all__ = ["KIND_NAMES", "RELIABLE", "Ladder", "describe_findings", "floor_roundoff", "ladder",
           "unsettled"]

_Q_MAX = 0.3
_Q_EXACT = 0.01
_RESOLVED = 0.05
_CLEAN = 1e-4
_PATIENCE = 5
_SIGMAS = 3.0
_PRECISION = 1e-10
_KINK_FLOOR = 1e-9
#: Noise at most this many ulps (of ``f``'s precision) of the largest ``|f|`` seen is ``f``'s
#: round-off, which follows ``|f|`` at other steps: only entries (pairs) with such noise climb
#: to longer steps (:func:`checks.adaptive._climb`, :mod:`checks.second`).
_QUIET = 16.0
_MAX_HALVINGS = 40
_DECAY = 0.6  # |J| must shrink at least this much per halving where f is smooth
_GROWTH = 1.5  # |D| growing this much per halving, all the way down: a jump
_ROUNDOFF_R2 = 7.0  # noise of R2 <= (64*4 + 20*2 + 1) / 45 s / h = 6.6 s / h
_ROUNDOFF_SIDE = 30.0  # noise of a one-sided Richardson estimate <= 30 s / h
_ROUNDOFF_K = 40.0  # noise of K <= 40 s / h

SMOOTH, KINK, ONE_SIDED_RIGHT, ONE_SIDED_LEFT, UNRESOLVED, JUMP, OVERFLOW = range(7)
#: ``OVERFLOW``: ``f``'s values are finite but its differences (or their extrapolation) are not
KIND_NAMES = ("smooth", "kink", "one-sided (right)", "one-sided (left)", "unresolved", "jump",
              "overflow")
#: kinds whose error bound is a bound: an entry of another kind cannot fail a check
RELIABLE = (SMOOTH, KINK, ONE_SIDED_RIGHT, ONE_SIDED_LEFT)


def reliable(kind: np.ndarray) -> np.ndarray:
    """``np.isin(kind, RELIABLE)``, without its per-call cost (every row of a Jacobian asks)."""
    kind = np.asarray(kind)
    out = kind == RELIABLE[0]
    for k in RELIABLE[1:]:
        out |= kind == k
    return out


@dataclass(frozen=True)
class Ladder:
    """Per-entry results of :func:`ladder` (flat arrays of ``x.size``)."""

    value: np.ndarray
    error: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    step: np.ndarray
    kind: np.ndarray
    left: np.ndarray
    right: np.ndarray
    evaluations: int
    #: the estimate taken came from a triple flat to noise
    flat: np.ndarray | None = None
    #: levels below the first triple where the first candidate was taken: the levels above
    #: it were irregular (not in any regime), not merely imprecise
    irregular: np.ndarray | None = None
    #: the largest ``|f|`` at the point and on the triples the smooth entries were taken
    #: from: the noise of ``f`` is at least ``eps`` times it (module docstring, "Round-off")
    reach: float = 0.0
    #: the truncation part of each smooth entry's bound (``T``, with the spread of a
    #: confirmation); ``inf`` where the entry is not smooth: the rest of the bound is round-off
    truncation: np.ndarray | None = None


def _triple(fp, fm, sp, sm, f0, sigma, reach=0.0):
    """Statistics of one triple of levels (arrays of shape ``(3, k)``, longest step first);
    ``reach`` is the round-off scale shared by every entry (:func:`_reach`)."""
    d = (fp - fm) / (sp + sm)
    d1, d2, d3 = d
    r1a = (4.0 * d2 - d1) / 3.0
    r1b = (4.0 * d3 - d2) / 3.0
    r2 = (16.0 * r1b - r1a) / 15.0
    # With R1(h) = f' + a4 h^4 + a6 h^6: R2 = f' - a6 h^6 / 20 and
    # R1(h) - R1(h/2) = (15/16) a4 h^4 + (63/64) a6 h^6, so |R1(h) - R1(h/2)| / 16 bounds
    # the error of R2 both when a4 dominates and when a4 vanishes (it is then >= 0.062
    # |a6| h^6 > 0.05 |a6| h^6). The regime test keeps it away from long steps.
    trunc = np.abs(r1b - r1a) / 16.0
    h = 0.5 * (sp[0] + sm[0])
    top = np.maximum(np.max(np.abs(fp), axis=0), np.max(np.abs(fm), axis=0))
    s = np.maximum(np.maximum(sigma, EPS * np.maximum(top, max(abs(f0), reach))), TINY)
    roundoff = _ROUNDOFF_R2 * s / h
    delta1, delta2 = d1 - d2, d2 - d3
    flat = (np.abs(delta1) <= _SIGMAS * 3.0 * s / h) & (np.abs(delta2) <= _SIGMAS * 6.0 * s / h)
    corr = np.abs(r1a - r1b)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(corr == 0.0, 0.0, corr / np.abs(delta1))
    # one-sided slopes and their Richardson limits (F(h) = R + a h + b h^2 + c h^3:
    # (8 F(h/4) - 6 F(h/2) + F(h)) / 3 = R + c h^3 / 8, bounded by |F1(h/2) - F1(h)| / 3)
    fwd = (fp - f0) / sp
    bwd = (f0 - fm) / sm
    right, right_trunc, right_err = _one_sided(fwd, s, h)
    left, left_trunc, left_err = _one_sided(bwd, s, h)
    # Where f is smooth the two sides see the same expansion up to the sign of odd terms, so
    # their truncation bounds agree to O(h) and their limits to within those bounds. A kink
    # straddled by the longer steps of one side only (the other side is clean) breaks this
    # symmetry even where the central differences happen to look asymptotic.
    noise_side = 2.0 * _SIGMAS * _ROUNDOFF_SIDE * s / h
    symmetric = (np.abs(right_trunc - left_trunc)
                 <= 0.9 * np.maximum(right_trunc, left_trunc) + noise_side)
    sides_agree = np.abs(right - left) <= right_err + left_err + noise_side
    jump = fwd - bwd
    # the noise of J(h_i) = F - B is at most 2 s / sp + 2 s / sm
    jump_noise = _SIGMAS * (2.0 * s / sp + 2.0 * s / sm)
    curved = ((np.abs(jump[1]) <= _DECAY * np.abs(jump[0]) + jump_noise[1])
              & (np.abs(jump[2]) <= _DECAY * np.abs(jump[1]) + jump_noise[2]))
    # central differences growing like 1/h (beyond their noise, s / h each): a jump in f
    noise_d = _SIGMAS * s / (0.5 * (sp + sm))
    growing = ((np.abs(d2) > _GROWTH * np.abs(d1) + noise_d[1])
               & (np.abs(d3) > _GROWTH * np.abs(d2) + noise_d[2]))
    k_now = 2.0 * jump[2] - jump[1]
    k_up = 2.0 * jump[1] - jump[0]
    kink = np.abs(k_now) > _SIGMAS * (np.abs(k_now - k_up) + _ROUNDOFF_K * s / h)
    variation = np.maximum(np.max(np.abs(fwd), axis=0), np.max(np.abs(bwd), axis=0))
    return dict(value=r2, trunc=trunc, roundoff=roundoff, delta1=delta1, flat=flat, q=q, top=top,
                d3=d3, h=h, s=s, right=right, right_err=right_err, left=left,
                left_err=left_err, kink=kink, k=np.abs(k_now), curved=curved,
                growing=growing, variation=variation, sides=symmetric & sides_agree)


def _one_sided(slopes, s, h):
    """One-sided Richardson limit, its truncation bound, and its full error bound."""
    f1a = 2.0 * slopes[1] - slopes[0]
    f1b = 2.0 * slopes[2] - slopes[1]
    value = (4.0 * f1b - f1a) / 3.0
    trunc = np.abs(f1b - f1a) / 3.0
    return value, trunc, trunc + _ROUNDOFF_SIDE * s / h


#: the float fields of :class:`_State` and their first values
_STATE_FLOATS = {
    "best_val": np.nan, "best_err": np.inf, "best_h": np.nan, "best_trunc": np.inf,
    "best_round": np.nan, "best_top": 0.0, "best_s": np.inf, "last_top": 0.0, "cand_top": 0.0,
    "last_val": np.nan, "prev_val": np.nan, "last_err": np.inf, "pend_val": np.nan,
    "pend_err": np.inf, "claim_lo": -np.inf, "claim_hi": np.inf, "hull_lo": np.inf,
    "hull_hi": -np.inf, "side_L": np.nan, "side_R": np.nan, "side_err_L": np.inf,
    "side_err_R": np.inf,
}
_STATE_START = np.array(list(_STATE_FLOATS.values()))[:, None]


class _State:
    """Per-entry memory of the ladder: the best candidate, the claims made, the sides.

    ``best_*``: the best candidate so far (value, bound, step, truncation and round-off parts,
    whether flat, ``|f|`` and noise on its triple); ``last_top`` the ``|f|`` on the last valid
    triple, ``cand_top`` the largest on a triple in the regime; ``last_val``, ``prev_val``,
    ``last_err`` the last two estimates; ``pend_*`` the candidate awaiting confirmation;
    ``claim_lo/hi`` the intersection of the claims ``|R2 - f'| <= err`` of every candidate
    taken, ``hull_lo/hi`` their hull; ``side``/``side_err`` the best one-sided limits. The
    float fields are rows of one array (one allocation, not twenty: a directional check runs
    a ladder of one entry per direction, where the allocations were most of its cost)."""

    def __init__(self, m: int):
        block = np.repeat(_STATE_START, m, axis=1)
        for row, name in zip(block, _STATE_FLOATS, strict=True):
            setattr(self, name, row)
        self.side = {"L": self.side_L, "R": self.side_R}
        self.side_err = {"L": self.side_err_L, "R": self.side_err_R}
        # overflowed: a triple whose values of f were all finite but whose estimate was not
        flags = np.zeros((3, m), dtype=bool)
        self.best_flat, self.growing, self.overflowed = flags
        counts = np.zeros((2, m), dtype=int)
        self.first_taken, self.since = counts[0], counts[1]
        self.first_taken[:] = -1


def ladder(
    evaluate: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x: np.ndarray,
    h0: np.ndarray,
    f0: float,
    noise: float | np.ndarray,
    *,
    refine: bool = True,
    describe: Callable[[int], str] = str,
    reach: float = 0.0,
) -> Ladder:
    """Adaptive derivative of every entry of ``x`` (see the module docstring).

    ``evaluate(targets, entries)`` returns ``f`` at ``x`` with ``x.flat[entries[k]]``
    replaced by ``targets[j, k]`` for every ``j, k``, non-finite values allowed.
    ``h0`` are the top steps (flat, positive); ``noise`` the noise of ``f``, one value or one
    per entry (measured along it). ``refine=False`` (a step the user chose)
    evaluates only levels ``0, 1, 2``. ``describe(k)`` names entry ``k`` in errors.
    ``reach`` is a round-off scale found before (:attr:`Ladder.reach` of a run at longer
    steps): the floor of the noise is ``eps`` times the larger of it and this run's own.

    Examples
    --------
    ``tanh(t)^2`` at ``0.7`` from a step of 100: saturated on both sides at the first levels
    (the central differences are exactly 0 there), it descends until ``f`` is smooth:

    >>> phi = lambda t: np.tanh(t) ** 2
    >>> evaluate = lambda targets, entries: phi(targets)
    >>> lad = ladder(evaluate, np.array([0.7]), np.array([100.0]), phi(0.7), 1e-16)
    >>> true = 2 * np.tanh(0.7) * (1 - np.tanh(0.7) ** 2)
    >>> KIND_NAMES[lad.kind[0]], bool(abs(lad.value[0] - true) <= lad.error[0] < 1e-9)
    ('smooth', True)
    """
    flat = x.ravel()
    m = flat.size
    h0 = np.asarray(h0, dtype=float).ravel()
    with np.errstate(invalid="ignore", over="ignore"):
        moves = (h0 > 0) & np.isfinite(h0) & (flat + h0 != flat) & (flat - h0 != flat)
    if not np.all(moves):
        # a step that does not move x would read as f leaving its domain there: say so
        k = int(np.flatnonzero(~moves)[0])
        raise ValueError(
            f"h0 must be finite steps > 0 that move x: at entry {describe(k)}, x = "
            f"{float(flat[k])!r} and h0 = {float(h0[k])!r} (x + h0 == x or x - h0 == x where "
            "the step is too short for x: use a longer step)"
        )
    sigma = np.broadcast_to(np.asarray(noise, dtype=float), (m,))
    levels: dict[str, list[np.ndarray]] = {"fp": [], "fm": [], "sp": [], "sm": []}
    evals = 0

    def add_levels(idx: np.ndarray, new: list[int]) -> None:
        nonlocal evals
        hs = np.array([h0[idx] * 0.5**j for j in new])  # (L, k)
        base = flat[idx][None, :]
        targets = np.concatenate([base + hs, base - hs])
        values = evaluate(targets, idx)
        evals += targets.size
        nl = len(new)
        # per level: f at x + h and x - h, and the steps actually taken (nan where the entry
        # was not evaluated), in one (4, L, m) array
        got = np.full((4, nl, m), np.nan)
        got[0][:, idx], got[1][:, idx] = values[:nl], values[nl:]
        got[2][:, idx], got[3][:, idx] = targets[:nl] - base, base - targets[nl:]
        for name, rows in zip(("fp", "fm", "sp", "sm"), got, strict=True):
            levels[name].extend(rows)

    block = np.full((7, m), np.nan)
    out = dict(zip(("value", "error", "lower", "upper", "step", "left", "right"), block,
                   strict=True))
    kind = np.full(m, SMOOTH, dtype=np.int8)
    mem = _State(m)
    scale = 0.0

    add_levels(np.arange(m), [0, 1, 2])
    level = 2
    active = np.ones(m, dtype=bool)
    while True:
        idx = np.flatnonzero(active)
        sl = slice(level - 2, level + 1)
        fp, fm, sp, sm = (np.array([a[idx] for a in levels[name][sl]])
                          for name in ("fp", "fm", "sp", "sm"))
        valid = np.all(np.isfinite(fp) & np.isfinite(fm) & (sp > 0) & (sm > 0), axis=0)
        with np.errstate(all="ignore"):
            st = _triple(np.where(np.isfinite(fp), fp, 0.0), np.where(np.isfinite(fm), fm, 0.0),
                         np.where(sp > 0, sp, 1.0), np.where(sm > 0, sm, 1.0), f0, sigma[idx],
                         reach)
        own = np.where(valid, np.abs(st["d3"]), 0.0)
        steady = st["q"] <= _Q_MAX
        shaped = valid & st["curved"]
        regime_own = shaped & (st["flat"] | (steady & st["sides"]
                                             & (np.abs(st["delta1"]) <= _RESOLVED * own)))
        settled_own = regime_own & ~st["kink"]
        if np.any(settled_own):
            scale = max(scale, float(np.max(np.abs(st["value"][settled_own]))))
        big = np.maximum(own, scale)
        kink = valid & st["kink"] & (st["k"] > _KINK_FLOOR * big)
        # resolved: the step changes the estimate by at most 5 % of the gradient's scale --
        # or the differences are so nearly a + b h^2 that the first extrapolants agree to 1 %
        # of their correction (a derivative of 0 is never 5 % of anything: tr(X^3) at X = 0
        # has D(h) = h^2 exactly, and R_1 = 0 at every level)
        resolved = ((np.abs(st["delta1"]) <= _RESOLVED * big) | (st["q"] <= _Q_EXACT))
        candidate = shaped & ~kink & (st["flat"] | (steady & st["sides"] & resolved))
        err = st["trunc"] + st["roundoff"]
        # A candidate is taken at once when it is flat or its first correction is negligible
        # against the gradient's scale; otherwise the next triple, one level down, must confirm
        # it (the two estimates agree within their bounds). A confirmed estimate's bound
        # includes the change from the level above: a bound confirmed only by a coarser
        # estimate with a wider bound is not confirmed (a LayerNorm with offset 5 gave
        # T = 0.02 at one level, agreeing with a coarser 2.2-wide bound, 0.29 off).
        clean = candidate & (st["flat"] | (np.abs(st["delta1"]) <= _CLEAN * big))
        if not refine:
            clean = candidate
        spread = np.abs(st["value"] - mem.pend_val[idx])
        confirmed = candidate & np.isfinite(mem.pend_err[idx]) & (spread <= mem.pend_err[idx]
                                                                   + err)
        smooth = clean | confirmed
        cand_t = st["trunc"] + np.where(clean, 0.0, np.where(confirmed, spread, 0.0))
        cand_r = st["roundoff"]
        cand_err = cand_t + cand_r
        _remember(mem, idx, smooth, st, cand_t, cand_r, cand_err, candidate, confirmed, err,
                  valid)
        fresh = idx[smooth & (mem.first_taken[idx] < 0)]
        mem.first_taken[fresh] = level - 2
        mem.growing[idx] = np.where(valid, st["growing"], mem.growing[idx])
        mem.overflowed[idx] |= valid & ~np.isfinite(st["value"])
        with np.errstate(invalid="ignore"):
            r_ok = np.all(np.isfinite(fp) & (sp > 0), axis=0) & (kink | ~valid)
            l_ok = np.all(np.isfinite(fm) & (sm > 0), axis=0) & (kink | ~valid)
        for ok, key, val, e in ((r_ok, "R", "right", "right_err"),
                                (l_ok, "L", "left", "left_err")):
            upd = ok & (st[e] < mem.side_err[key][idx])
            ui = idx[upd]
            mem.side[key][ui] = st[val][upd]
            mem.side_err[key][ui] = st[e][upd]
        # decide
        h_next = st["h"] / 2.0
        can = np.full(idx.size, refine and level - 2 < _MAX_HALVINGS)
        variation = np.maximum(st["variation"], own)
        limit = _ROUNDOFF_R2 * st["s"] / h_next < np.where(variation > 0, variation, np.inf)
        can &= limit | ~valid
        has_best = np.isfinite(mem.best_err[idx])
        # the best estimate so far is precise when its truncation no longer dominates or is
        # negligible against the entry; until then the entry descends, past triples that are
        # not candidates too (a smooth f can fail a test of one triple), at most _PATIENCE
        # levels past it
        precise = ((mem.best_trunc[idx] <= 4.0 * mem.best_round[idx])
                   | (mem.best_trunc[idx] <= _PRECISION * np.abs(mem.best_val[idx])))
        mem.since[idx] = np.where(smooth, 0, mem.since[idx] + 1)
        resolvable = 2.0 * _SIGMAS * _ROUNDOFF_K * st["s"] / h_next < st["k"] / _SIGMAS
        go_on = np.where(
            has_best, ~precise & can & (mem.since[idx] < _PATIENCE),
            np.where(kink, can & resolvable, can),
        )
        done = ~go_on
        for j in np.flatnonzero(done):
            _finalize(int(idx[j]), bool(has_best[j] or smooth[j]), bool(kink[j]),
                      bool(valid[j]), out, kind, mem, float(st["h"][j]), describe)
        active[idx[done]] = False
        if not active.any():
            break
        level += 1
        add_levels(np.flatnonzero(active), [level])
    with np.errstate(divide="ignore", over="ignore"):  # (a subnormal step: gain inf)
        gain = _ROUNDOFF_R2 / out["step"]  # E = 7 s / h
    reach = floor_roundoff(out, kind, mem, max(reach, abs(f0)), gain)
    truncation = np.where((kind == SMOOTH) & np.isfinite(mem.best_err), mem.best_trunc, np.inf)
    return Ladder(out["value"], out["error"], out["lower"], out["upper"], out["step"], kind,
                  out["left"], out["right"], evals, mem.best_flat,
                  np.maximum(mem.first_taken, 0), reach, truncation)


def floor_roundoff(out, kind, mem, reach: float, gain, unit: float = EPS) -> float:
    """The round-off floor (module docstring, "Round-off"), for this ladder and the second
    ladder of :mod:`checks.second`: the largest ``|f|`` on the triples (windows) in the
    regime (candidates), those the smooth entries were taken from, the last ones of the
    others, and ``reach``; each smooth entry's
    bound widened by ``gain`` (its bound's growth per unit of noise) times the noise it had
    below ``unit`` (``eps``; the round-off of ``f``'s precision,
    :func:`checks.noise.roundoff_unit`) times that. Returns the reach."""
    settled = (kind == SMOOTH) & np.isfinite(mem.best_err)
    seen = np.maximum(np.where(settled, mem.best_top, mem.last_top), mem.cand_top)
    reach = max(reach, float(np.max(seen, initial=0.0)))
    floor = unit * reach
    with np.errstate(invalid="ignore", over="ignore"):
        extra = np.where(settled & (floor > mem.best_s), gain * (floor - mem.best_s), 0.0)
    out["error"] += np.where(np.isfinite(extra), extra, 0.0)
    return reach


def _remember(mem, idx, smooth, st, cand_t, cand_r, cand_err, candidate, confirmed, err,
              valid) -> None:
    """Record one level's triples: the best candidate, the claims, the pending estimate."""
    better = smooth & (cand_err < mem.best_err[idx])
    bi = idx[better]
    mem.best_val[bi], mem.best_err[bi] = st["value"][better], cand_err[better]
    mem.best_h[bi] = st["h"][better]
    mem.best_trunc[bi], mem.best_round[bi] = cand_t[better], cand_r[better]
    mem.best_flat[bi] = st["flat"][better]
    mem.best_top[bi], mem.best_s[bi] = st["top"][better], st["s"][better]
    si = idx[smooth]
    lo, hi = st["value"][smooth] - cand_err[smooth], st["value"][smooth] + cand_err[smooth]
    mem.claim_lo[si] = np.maximum(mem.claim_lo[si], lo)
    mem.claim_hi[si] = np.minimum(mem.claim_hi[si], hi)
    mem.hull_lo[si] = np.minimum(mem.hull_lo[si], lo)
    mem.hull_hi[si] = np.maximum(mem.hull_hi[si], hi)
    mem.pend_val[idx] = np.where(candidate, st["value"], np.nan)
    # a confirmed estimate hands down its confirmed bound, so that a chain of levels can
    # confirm each other as the steps shrink
    mem.pend_err[idx] = np.where(candidate, np.where(confirmed, cand_err, err), np.inf)
    vi = idx[valid]
    mem.prev_val[vi] = mem.last_val[vi]
    mem.last_val[vi] = st["value"][valid]
    mem.last_top[vi] = st["top"][valid]
    mem.cand_top[idx] = np.where(candidate, np.maximum(mem.cand_top[idx], st["top"]),
                                 mem.cand_top[idx])
    mem.last_err[vi] = err[valid]


def _finalize(k, smooth, kink, valid, out, kind, mem, h, describe) -> None:
    if smooth and np.isfinite(mem.best_err[k]):
        value, error = mem.best_val[k], mem.best_err[k]
        if mem.claim_lo[k] > mem.claim_hi[k]:  # two claims exclude each other
            error = max(error, value - mem.hull_lo[k], mem.hull_hi[k] - value)
        out["value"][k] = out["lower"][k] = out["upper"][k] = value
        out["error"][k] = error
        out["step"][k] = mem.best_h[k]
        return
    out["step"][k] = h
    if kink and np.isfinite(mem.side_err["L"][k]) and np.isfinite(mem.side_err["R"][k]):
        left, right = mem.side["L"][k], mem.side["R"][k]
        kind[k] = KINK
        out["left"][k], out["right"][k] = left, right
        out["value"][k] = 0.5 * (left + right)
        out["lower"][k], out["upper"][k] = min(left, right), max(left, right)
        out["error"][k] = max(mem.side_err["L"][k], mem.side_err["R"][k])
        return
    if not valid and not np.isfinite(mem.last_val[k]):
        for key, code, name in (("R", ONE_SIDED_RIGHT, "right"), ("L", ONE_SIDED_LEFT, "left")):
            if np.isfinite(mem.side_err[key][k]):
                kind[k] = code
                out[name][k] = mem.side[key][k]
                out["value"][k] = out["lower"][k] = out["upper"][k] = mem.side[key][k]
                out["error"][k] = mem.side_err[key][k]
                return
        raise NonFiniteValueError(
            f"f is not finite at x + h e_{describe(k)} or x - h e_{describe(k)} for any step "
            f"h down to {h:.3g} (f(x) is finite): the point is on the edge of f's domain "
            "along this entry"
        )
    if valid and not np.isfinite(mem.last_val[k]) and mem.overflowed[k]:
        # f finite on the last triple, its estimate not: no value, and no domain edge
        kind[k] = OVERFLOW
        out["value"][k] = out["lower"][k] = out["upper"][k] = np.nan
        out["error"][k] = np.inf
        return
    unsettled(k, mem, out, kind)


def unsettled(k: int, mem, out: dict[str, np.ndarray], kind: np.ndarray) -> None:
    """Entry ``k`` never settled: a jump where its differences grew like ``1/h`` to the end,
    else unresolved; its value the last estimate, its bound the spread of the last two
    estimates plus that estimate's ``T + E`` (shared with :mod:`checks.second`)."""
    kind[k] = JUMP if mem.growing[k] else UNRESOLVED
    value = mem.last_val[k]
    spread = abs(value - mem.prev_val[k]) if np.isfinite(mem.prev_val[k]) else abs(value)
    out["value"][k] = out["lower"][k] = out["upper"][k] = value
    out["error"][k] = mem.last_err[k] + spread


def describe_findings(lad: Ladder, shape: tuple[int, ...], limit: int = 5,
                      unit: float = 1.0) -> tuple[str, ...]:
    """Report lines for the entries that are not plain smooth estimates.

    ``unit`` is the length of one unit of the ladder's variable in the caller's: a ladder run
    along ``t`` with ``x + t unit v`` reports derivatives per unit of ``v`` (its values divided
    by ``unit``) and steps along ``v`` (multiplied by it).
    """
    lines = []
    for code in (KINK, ONE_SIDED_RIGHT, ONE_SIDED_LEFT, JUMP, OVERFLOW, UNRESOLVED):
        where = np.flatnonzero(lad.kind == code)
        for k in where[:limit]:
            idx = tuple(int(i) for i in np.unravel_index(int(k), shape)) if shape else ()
            lines.append(_finding(lad, code, k, idx, unit))
        if where.size > limit:
            lines.append(f"... and {where.size - limit} more such entries "
                         f"({KIND_NAMES[code]})")
    return tuple(lines)


def _finding(lad: Ladder, code: int, k: int, idx: tuple[int, ...], unit: float = 1.0) -> str:
    step, error = lad.step[k] * unit, lad.error[k] / unit
    if code == KINK:
        return (f"not differentiable at entry {idx}: one-sided derivatives "
                f"L = {lad.left[k] / unit:.8g} and R = {lad.right[k] / unit:.8g} (error bound "
                f"{error:.2g}); any value between them is accepted")
    if code == JUMP:
        return (f"f jumps at entry {idx}: its central differences grow like 1/h down to step "
                f"{step:.3g} (f is discontinuous there and has no derivative); this "
                "entry is not judged")
    if code == OVERFLOW:
        return (f"entry {idx}: f's values are finite there, but its finite differences "
                "overflow (they, or their Richardson extrapolation, exceed the largest float) "
                f"down to step {step:.3g}; this entry is not judged")
    if code == UNRESOLVED:
        return (f"entry {idx}: the finite differences did not settle down to step "
                f"{step:.3g} (f varies on a scale below the steps tried, or its noise "
                f"is larger than measured); its estimate is not judged (error bound "
                f"{error:.2g}, the spread of the last estimates)")
    side = "right" if code == ONE_SIDED_RIGHT else "left"
    return (f"entry {idx}: f is not finite on the {'left' if side == 'right' else 'right'}"
            f" side down to step {step:.3g}; a one-sided ({side}) derivative was used")
