r"""Per-entry adaptive steps: a ladder of central differences, halved until they settle.

Each entry ``k`` is differentiated from its own one-dimensional behaviour
``phi(t) = f(x + t e_k)``. Its steps form a ladder ``h_j = h_0 2^{-j}`` from the default
``h_0 = c max(|x_k|, rms(x))``; levels ``0, 1, 2`` are evaluated for every entry (``6n``
evaluations, the cost of one Richardson pass), and an entry descends one level (2 more
evaluations) only while the last three levels fail the tests below. On a smooth, well-scaled
function every entry settles at once; the extra evaluations go to the entries that need them.

On three consecutive levels ``h, h/2, h/4``, with ``D`` the central differences (taken with
the steps actually applied) and ``s`` the noise of ``f`` (at least ``eps * |f|``):

* **Value.** ``R_2 = (64 D(h/4) - 20 D(h/2) + D(h)) / 45`` (Richardson, error ``O(h^6)``).
  Its truncation error is bounded by ``T = |R_1(h) - R_1(h/2)| / 16`` (derived in
  :func:`_triple`), its round-off by ``E = 7 s / h`` (the weights sum to ``297 / 45 < 7``).
* **Regime.** ``T`` is a bound only in the asymptotic regime, where ``D(h) = f' + a h^2 +
  O(h^4)`` is dominated by its first correction. That is tested, not assumed:
  ``q = |R_1(h) - R_1(h/2)| / |D(h) - D(h/2)| <= 0.3`` (``q`` is ``O(h^2)`` in the regime,
  ``0.25`` when ``a = 0``, and of order 1 or more where the step straddles a kink, a pole or a
  period) and ``|D(h) - D(h/2)| <= 0.05 S``, where ``S`` is the larger of ``|D|`` and the
  largest settled entry of the gradient (the step changes the estimate by at most 5 %).
  Differences that are all within ``3`` noise bounds of zero pass too: ``D`` is flat to noise.
* **Kinks.** The one-sided slopes ``F(h) = (f(x + h) - f(x)) / h`` and
  ``B(h) = (f(x) - f(x - h)) / h`` differ by ``J(h) = F - B = f'' h + O(h^3)`` where ``f`` is
  smooth and by ``J(h) = (R - L) + O(h)`` at a kink. ``K = 2 J(h/4) - J(h/2)`` removes the
  linear term: ``O(h^3)`` when smooth, ``R - L + O(h^2)`` at a kink, and ``K' = 2 J(h/2) - J(h)``
  is the same one level up. A kink is suspected where ``|K| > 3 |K - K'| + 120 s / h``
  (``40 s / h`` bounds the noise of ``K``) and ``|K| > 1e-9 S``; when smooth,
  ``|K| ~ |K - K'| / 7``.
* **Domain.** A level where ``f(x + h)`` or ``f(x - h)`` is not finite is not used; the entry
  descends until three consecutive levels are finite on both sides.

An entry **settles** when its last triple is in the regime with no kink suspected; while
``T > 4 E`` and ``T > 1e-10 S`` (the step is long: truncation dominates and is not yet
negligible) it descends further, keeping the triple with the smallest ``T + E``. Otherwise it
descends while a shorter step can still tell something: while the round-off ``E`` of the
next level stays below ``S``, at most ``_MAX_HALVINGS`` levels (``h_0 \cdot 10^{-12}``), and,
for a suspected kink, while the next level could still resolve it (``240 s / h < |K| / 3``).
At the bottom:

* a kink suspected at every level down to there is a **kink**: the entry is not
  differentiable along ``e_k``, and its one-sided derivatives ``L`` and ``R`` (one-sided
  Richardson, error ``O(h^3)``, on the kink-suspected triple where their error bound is
  smallest) are returned as the interval ``[min(L, R), max(L, R)]``;
* a side that is finite on the last three levels while the other is not gives a
  **one-sided** derivative from that side;
* an entry that never settled is **unresolved**: its value is the last Richardson estimate
  and its error bound the spread of the last two estimates plus ``T + E``;
* an entry with no finite level is a ``ValueError`` naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from checks._util import EPS, NonFiniteValueError

__all__ = ["KIND_NAMES", "Ladder", "describe_findings", "ladder"]

_Q_MAX = 0.3
_RESOLVED = 0.05
_CLEAN = 1e-4
_PATIENCE = 5
_SIGMAS = 3.0
_PRECISION = 1e-10
_KINK_FLOOR = 1e-9
_MAX_HALVINGS = 40
_ROUNDOFF_R2 = 7.0  # noise of R2 <= (64*4 + 20*2 + 1) / 45 s / h = 6.6 s / h
_ROUNDOFF_SIDE = 30.0  # noise of a one-sided Richardson estimate <= 30 s / h
_ROUNDOFF_K = 40.0  # noise of K <= 40 s / h

SMOOTH, KINK, ONE_SIDED_RIGHT, ONE_SIDED_LEFT, UNRESOLVED = range(5)
KIND_NAMES = ("smooth", "kink", "one-sided (right)", "one-sided (left)", "unresolved")


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


def _triple(fp, fm, sp, sm, f0, sigma):
    """Statistics of one triple of levels (arrays of shape ``(3, k)``, longest step first)."""
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
    s = np.maximum(sigma, EPS * np.maximum(top, abs(f0)))
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
    k_now = 2.0 * jump[2] - jump[1]
    k_up = 2.0 * jump[1] - jump[0]
    kink = np.abs(k_now) > _SIGMAS * (np.abs(k_now - k_up) + _ROUNDOFF_K * s / h)
    return dict(value=r2, trunc=trunc, roundoff=roundoff, delta1=delta1, flat=flat, q=q,
                d3=d3, h=h, s=s, right=right, right_err=right_err, left=left,
                left_err=left_err, kink=kink, k=np.abs(k_now),
                sides=symmetric & sides_agree)


def _one_sided(slopes, s, h):
    """One-sided Richardson limit, its truncation bound, and its full error bound."""
    f1a = 2.0 * slopes[1] - slopes[0]
    f1b = 2.0 * slopes[2] - slopes[1]
    value = (4.0 * f1b - f1a) / 3.0
    trunc = np.abs(f1b - f1a) / 3.0
    return value, trunc, trunc + _ROUNDOFF_SIDE * s / h


def ladder(
    evaluate: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x: np.ndarray,
    h0: np.ndarray,
    f0: float,
    noise: float,
    *,
    refine: bool = True,
    describe: Callable[[int], str] = str,
) -> Ladder:
    """Adaptive derivative of every entry of ``x`` (see the module docstring).

    ``evaluate(targets, entries)`` returns ``f`` at ``x`` with ``x.flat[entries[k]]``
    replaced by ``targets[j, k]`` for every ``j, k``, non-finite values allowed.
    ``h0`` are the top steps (flat, positive). ``refine=False`` (a step the user chose)
    evaluates only levels ``0, 1, 2``. ``describe(k)`` names entry ``k`` in errors.
    """
    flat = x.ravel()
    m = flat.size
    h0 = np.asarray(h0, dtype=float).ravel()
    fp_levels: list[np.ndarray] = []
    fm_levels: list[np.ndarray] = []
    sp_levels: list[np.ndarray] = []
    sm_levels: list[np.ndarray] = []
    evals = 0

    def add_levels(idx: np.ndarray, levels: list[int]) -> None:
        nonlocal evals
        hs = np.array([h0[idx] * 0.5**j for j in levels])  # (L, k)
        base = flat[idx][None, :]
        targets = np.concatenate([base + hs, base - hs])
        values = evaluate(targets, idx)
        evals += targets.size
        nl = len(levels)
        for i in range(nl):
            for store, vals in ((fp_levels, values[i]), (fm_levels, values[nl + i])):
                arr = np.full(m, np.nan)
                arr[idx] = vals
                store.append(arr)
            sp = np.full(m, np.nan)
            sm = np.full(m, np.nan)
            sp[idx] = targets[i] - flat[idx]
            sm[idx] = flat[idx] - targets[nl + i]
            sp_levels.append(sp)
            sm_levels.append(sm)

    out = {name: np.full(m, np.nan) for name in
           ("value", "error", "lower", "upper", "step", "left", "right")}
    kind = np.full(m, SMOOTH, dtype=np.int8)
    best_val = np.full(m, np.nan)
    best_err = np.full(m, np.inf)
    best_h = np.full(m, np.nan)
    side = {name: np.full(m, np.nan) for name in ("L", "Lerr", "R", "Rerr")}
    side["Lerr"][:] = np.inf
    side["Rerr"][:] = np.inf
    last_val = np.full(m, np.nan)
    prev_val = np.full(m, np.nan)
    last_err = np.full(m, np.inf)
    pend_val = np.full(m, np.nan)
    pend_err = np.full(m, np.inf)
    best_trunc = np.full(m, np.inf)
    best_round = np.full(m, np.nan)
    since = np.zeros(m, dtype=int)
    scale = 0.0

    add_levels(np.arange(m), [0, 1, 2])
    level = 2
    active = np.ones(m, dtype=bool)
    while True:
        idx = np.flatnonzero(active)
        sl = slice(level - 2, level + 1)
        fp = np.array([a[idx] for a in fp_levels[sl]])
        fm = np.array([a[idx] for a in fm_levels[sl]])
        sp = np.array([a[idx] for a in sp_levels[sl]])
        sm = np.array([a[idx] for a in sm_levels[sl]])
        valid = np.all(np.isfinite(fp) & np.isfinite(fm) & (sp > 0) & (sm > 0), axis=0)
        with np.errstate(all="ignore"):
            st = _triple(np.where(np.isfinite(fp), fp, 0.0), np.where(np.isfinite(fm), fm, 0.0),
                         np.where(sp > 0, sp, 1.0), np.where(sm > 0, sm, 1.0), f0, noise)
        own = np.where(valid, np.abs(st["d3"]), 0.0)
        steady = st["q"] <= _Q_MAX
        regime_own = valid & (st["flat"] | (steady & st["sides"]
                                            & (np.abs(st["delta1"]) <= _RESOLVED * own)))
        settled_own = regime_own & ~st["kink"]
        if np.any(settled_own):
            scale = max(scale, float(np.max(np.abs(st["value"][settled_own]))))
        big = np.maximum(own, scale)
        kink = valid & st["kink"] & (st["k"] > _KINK_FLOOR * big)
        candidate = valid & ~kink & (st["flat"] | (steady & st["sides"]))
        err = st["trunc"] + st["roundoff"]
        # A candidate is taken at once when its first correction is negligible (the step is
        # far inside the regime); otherwise the next triple, one level down, must confirm it
        # (the two estimates agree within their bounds): several kinks straddled by the
        # longer steps can mimic every test of one triple, but not of two. A confirmed
        # estimate's bound includes the change from the level above: a bound confirmed only
        # by a coarser estimate with a wider bound is not confirmed (a LayerNorm with offset 5
        # gave T = 0.02 at one level, agreeing with a coarser 2.2-wide bound, 0.29 off).
        clean = candidate & (st["flat"] | (np.abs(st["delta1"]) <= _CLEAN * big))
        if not refine:
            clean = candidate
        spread = np.abs(st["value"] - pend_val[idx])
        confirmed = candidate & np.isfinite(pend_err[idx]) & (spread <= pend_err[idx] + err)
        smooth = clean | confirmed
        cand_t = st["trunc"] + np.where(clean, 0.0, np.where(confirmed, spread, 0.0))
        cand_r = st["roundoff"]
        cand_err = cand_t + cand_r
        better = smooth & (cand_err < best_err[idx])
        bi = idx[better]
        best_val[bi], best_err[bi] = st["value"][better], cand_err[better]
        best_h[bi] = st["h"][better]
        best_trunc[bi], best_round[bi] = cand_t[better], cand_r[better]
        pend_val[idx] = np.where(candidate, st["value"], np.nan)
        # a confirmed estimate hands down its confirmed bound, so that a chain of levels can
        # confirm each other as the steps shrink
        pend_err[idx] = np.where(candidate, np.where(confirmed, cand_err, err), np.inf)
        vi = idx[valid]
        prev_val[vi] = last_val[vi]
        last_val[vi] = st["value"][valid]
        last_err[vi] = err[valid]
        with np.errstate(invalid="ignore"):
            r_ok = np.all(np.isfinite(fp) & (sp > 0), axis=0) & (kink | ~valid)
            l_ok = np.all(np.isfinite(fm) & (sm > 0), axis=0) & (kink | ~valid)
        for ok, key, val, e in ((r_ok, "R", "right", "right_err"), (l_ok, "L", "left", "left_err")):
            upd = ok & (st[e] < side[key + "err"][idx])
            ui = idx[upd]
            side[key][ui] = st[val][upd]
            side[key + "err"][ui] = st[e][upd]
        # decide
        h_next = st["h"] / 2.0
        can = np.full(idx.size, refine and level - 2 < _MAX_HALVINGS)
        limit = _ROUNDOFF_R2 * st["s"] / h_next < np.where(big > 0, big, np.inf)
        can &= limit | ~valid
        has_best = np.isfinite(best_err[idx])
        # the best estimate so far is precise when its truncation no longer dominates or is
        # negligible; until then the entry descends, past triples that are not candidates
        # too (a smooth f can fail a test of one triple), at most _PATIENCE levels past it
        precise = ((best_trunc[idx] <= 4.0 * best_round[idx])
                   | (best_trunc[idx] <= _PRECISION * big))
        since[idx] = np.where(smooth, 0, since[idx] + 1)
        resolvable = 2.0 * _SIGMAS * _ROUNDOFF_K * st["s"] / h_next < st["k"] / _SIGMAS
        go_on = np.where(
            has_best, ~precise & can & (since[idx] < _PATIENCE),
            np.where(kink, can & resolvable, can),
        )
        done = ~go_on
        for j in np.flatnonzero(done):
            _finalize(int(idx[j]), bool(has_best[j] or smooth[j]), bool(kink[j]),
                      bool(valid[j]), out, kind, best_val, best_err, best_h, side, last_val,
                      prev_val, last_err, float(st["h"][j]), describe)
        active[idx[done]] = False
        if not active.any():
            break
        level += 1
        add_levels(np.flatnonzero(active), [level])
    return Ladder(out["value"], out["error"], out["lower"], out["upper"], out["step"], kind,
                  out["left"], out["right"], evals)


def _finalize(k, smooth, kink, valid, out, kind, best_val, best_err, best_h, side, last_val,
              prev_val, last_err, h, describe) -> None:
    if smooth and np.isfinite(best_err[k]):
        out["value"][k] = out["lower"][k] = out["upper"][k] = best_val[k]
        out["error"][k] = best_err[k]
        out["step"][k] = best_h[k]
        return
    out["step"][k] = h
    if kink and np.isfinite(side["Lerr"][k]) and np.isfinite(side["Rerr"][k]):
        left, right = side["L"][k], side["R"][k]
        kind[k] = KINK
        out["left"][k], out["right"][k] = left, right
        out["value"][k] = 0.5 * (left + right)
        out["lower"][k], out["upper"][k] = min(left, right), max(left, right)
        out["error"][k] = max(side["Lerr"][k], side["Rerr"][k])
        return
    if not valid and not np.isfinite(last_val[k]):
        for key, code, name in (("R", ONE_SIDED_RIGHT, "right"), ("L", ONE_SIDED_LEFT, "left")):
            if np.isfinite(side[key + "err"][k]):
                kind[k] = code
                out[name][k] = side[key][k]
                out["value"][k] = out["lower"][k] = out["upper"][k] = side[key][k]
                out["error"][k] = side[key + "err"][k]
                return
        raise NonFiniteValueError(
            f"f is not finite at x + h e_{describe(k)} or x - h e_{describe(k)} for any step "
            f"h down to {h:.3g} (f(x) is finite): the point is on the edge of f's domain "
            "along this entry"
        )
    kind[k] = UNRESOLVED
    value = last_val[k]
    spread = abs(value - prev_val[k]) if np.isfinite(prev_val[k]) else abs(value)
    out["value"][k] = out["lower"][k] = out["upper"][k] = value
    out["error"][k] = last_err[k] + spread


def describe_findings(lad: Ladder, shape: tuple[int, ...], limit: int = 5) -> tuple[str, ...]:
    """Report lines for the entries that are not plain smooth estimates."""
    lines = []
    for code in (KINK, ONE_SIDED_RIGHT, ONE_SIDED_LEFT, UNRESOLVED):
        where = np.flatnonzero(lad.kind == code)
        for k in where[:limit]:
            idx = tuple(int(i) for i in np.unravel_index(int(k), shape)) if shape else ()
            if code == KINK:
                lines.append(
                    f"not differentiable at entry {idx}: one-sided derivatives "
                    f"L = {lad.left[k]:.8g} and R = {lad.right[k]:.8g} (error bound "
                    f"{lad.error[k]:.2g}); any value between them is accepted"
                )
            elif code == UNRESOLVED:
                lines.append(
                    f"entry {idx}: the finite differences did not settle down to step "
                    f"{lad.step[k]:.3g}; its error bound {lad.error[k]:.2g} is the spread of "
                    "the last estimates"
                )
            else:
                side = "right" if code == ONE_SIDED_RIGHT else "left"
                lines.append(
                    f"entry {idx}: f is not finite on the {'left' if side == 'right' else 'right'}"
                    f" side down to step {lad.step[k]:.3g}; a one-sided ({side}) derivative "
                    "was used"
                )
        if where.size > limit:
            lines.append(f"... and {where.size - limit} more such entries "
                         f"({KIND_NAMES[code]})")
    return tuple(lines)
