r"""One level of the second-difference ladder, and the lines through ``x`` it is read along.

:func:`_level` evaluates a level's points for every pair (the diagonal ``H_kk`` along
``e_k``; a cross entry ``H_kl`` along the two diagonals ``h_k e_k +- h_l e_l``, whose points
are the four corners of the usual cross difference) and returns the central second
differences; :func:`_richardson` combines three levels (``R_2``, error ``O(h^6)``, and its
truncation bound). :func:`_lines` gives the one-sided second differences along each line and
their difference ``J = F - B``, by which a kink of the gradient is seen; :func:`_interval` the
interval a kinked pair lies in. The rules are derived in :mod:`checks.second`.

>>> d = np.array([2.0 + 0.25, 2.0 + 0.0625, 2.0 + 0.015625])   # D(h) = 2 + h^2, h = 1/2, 1/4, 1/8
>>> r1a, r1b, r2, trunc = _richardson(*d)
>>> float(r2), float(trunc)
(2.0, 0.0)
"""

from __future__ import annotations

import numpy as np

from checks import executor as _executor
from checks._util import UsageError, batch_values, call_scalar
from checks.evaluation import _BATCH_BYTES
from checks.ladder import _DECAY, _SIGMAS

__all__ = ["ROUNDOFF_CROSS", "ROUNDOFF_DIAG"]


ROUNDOFF_DIAG = 92.0


ROUNDOFF_CROSS = 25.0


def _level(fun, x, pairs, h, level, f0, vectorized: bool = False):
    """Every pair at ``level`` (steps ``h 2^-level``): ``D``, its noise coefficient (times
    ``s``), the largest ``|f|`` used, the lines' values ``(P, M)`` at ``+-t`` and their nodes
    ``(tp, tm)`` (shape ``(pairs, 2)``; the diagonal's second line is ``nan``), and the
    evaluations.

    The level's points are gathered first, pair by pair (the diagonal's ``x + h e_k``, ``x -
    h e_k``; a cross pair's corners ``(+, +), (+, -), (-, +), (-, -)``), then evaluated by
    :func:`_values`: one at a time, on the executor, or in stacks when ``vectorized``. The
    values are the same whichever way, and so is everything computed from them."""
    flat = x.ravel()
    n = len(pairs)
    scale = 0.5**level
    d, coef = np.empty(n), np.empty(n)
    top = np.full(n, abs(f0))
    lines = {name: np.full((n, 2), np.nan) for name in ("P", "M", "tp", "tm")}
    changes: list[list[tuple]] = []  # the points, as the entries they change, in order
    applied = []  # per pair: the steps actually applied, (spa, sma) or (spa, sma, spb, smb)
    with np.errstate(all="ignore"):
        for a, b in pairs:
            ha, hb = h[a] * scale, h[b] * scale
            ap, am = flat[a] + ha, flat[a] - ha
            spa, sma = ap - flat[a], flat[a] - am
            if a == b:
                changes += [[(a, ap)], [(a, am)]]
                applied.append((spa, sma))
                continue
            bp, bm = flat[b] + hb, flat[b] - hb
            spb, smb = bp - flat[b], flat[b] - bm
            changes += [[(a, ap), (b, bp)], [(a, ap), (b, bm)],
                        [(a, am), (b, bp)], [(a, am), (b, bm)]]
            applied.append((spa, sma, spb, smb))
        values = iter(_values(fun, x, changes, vectorized))
        for p, steps in enumerate(applied):
            if len(steps) == 2:
                spa, sma = steps
                fp, fm = next(values), next(values)
                d[p] = 2.0 * ((fp - f0) / spa - (f0 - fm) / sma) / (spa + sma)
                coef[p] = 2.0 * (2.0 / spa + 2.0 / sma) / (spa + sma)
                top[p] = max(top[p], abs(fp), abs(fm))
                lines["P"][p, 0], lines["M"][p, 0] = fp, fm
                lines["tp"][p, 0], lines["tm"][p, 0] = spa, sma
                continue
            spa, sma, spb, smb = steps
            vals = [next(values) for _ in range(4)]
            den = (spa + sma) * (spb + smb)
            num = vals[0] - vals[1] - vals[2] + vals[3]
            # steps below about 1e-162: their product underflows to 0, the quotients do not
            d[p] = num / den if den > 0.0 else num / (spa + sma) / (spb + smb)
            coef[p] = 4.0 / den
            top[p] = max(top[p], *map(abs, vals))
            # w_+ through (+, +) and (-, -); w_- through (+, -) and (-, +); nominal t
            lines["P"][p] = vals[0], vals[1]
            lines["M"][p] = vals[3], vals[2]
            lines["tp"][p] = lines["tm"][p] = scale
    return d, coef, top, lines, len(changes)


def _values(fun, x, changes, vectorized) -> list[float]:
    """``f`` at ``x`` with the entries ``changes[i]`` (pairs ``(k, t)``: ``x_k = t``) set, for
    every ``i``, in order; non-finite values returned, a domain error ``nan`` (``finite=False``
    of :func:`checks._util.call_scalar`).

    Serially (no executor, not ``vectorized``) one point after the other, each a fresh array.
    On the executor (:mod:`checks.executor`) the points go out as one batch; a point where
    ``f`` raised is evaluated again here, in order, so that it raises as the serial loop
    would. A ``vectorized`` ``f`` gets stacks ``(B, *x.shape)`` of at most ``_BATCH_BYTES``
    and returns shape ``(B,)``; where it raises on a stack, that stack's points are evaluated
    one by one (each a stack of one) through ``call_scalar``, which makes of each point what
    the serial loop does.
    """
    def at(change) -> float:  # a fresh array: the stack of that one point
        return call_scalar(fun, _stack(x, [change])[0], lambda: f"x + perturbation {change}",
                           False, finite=False)

    if not vectorized and _executor.current() is None:
        return [at(change) for change in changes]
    if not vectorized:
        got = _executor.map_points(fun, _stack(x, changes), "a second-difference point",
                                   False, False)
        return [at(change) if value is _executor.RAISED else value
                for change, value in zip(changes, got, strict=True)]
    per_batch = max(1, _BATCH_BYTES // max(1, x.size * 8))
    out: list[float] = []
    for start in range(0, len(changes), per_batch):
        part = changes[start:start + per_batch]
        points = _stack(x, part)
        try:
            got = np.asarray(fun(points.copy()))
        except UsageError:
            raise
        except Exception:  # noqa: BLE001 - which point? each alone says, as serially
            one = _OneOfStack(fun)
            out += [call_scalar(one, pt, lambda c=change: f"x + perturbation {c}", False,
                                finite=False) for pt, change in zip(points, part, strict=True)]
            continue
        out += _batch_values(got, len(part))
    return out


def _stack(x, changes) -> np.ndarray:
    """The points of ``changes`` (:func:`_values`) as one stack ``(len(changes), *x.shape)``."""
    pts = np.repeat(x.ravel()[None, :], len(changes), axis=0)
    for i, change in enumerate(changes):
        for k, t in change:
            pts[i, k] = t
    return pts.reshape((-1,) + x.shape)


def _batch_values(got: np.ndarray, size: int) -> list[float]:
    """A vectorized ``f``'s output for a stack of ``size`` points, checked
    (:func:`checks._util.batch_values`); as floats (non-finite ones kept)."""
    return batch_values(got, size).astype(np.float64).tolist()


class _OneOfStack:
    """A vectorized ``f`` at one point: ``f`` of the stack of that point alone, its value."""

    def __init__(self, fun):
        self.fun = fun

    def __call__(self, z: np.ndarray):
        return batch_values(self.fun(z[None]), 1)[0]


def _richardson(d0, d1, d2):
    """``R_1(h)``, ``R_1(h/2)``, ``R_2`` and the truncation bound ``T`` of a triple."""
    r1a = (4.0 * d1 - d0) / 3.0
    r1b = (4.0 * d2 - d1) / 3.0
    r2 = (16.0 * r1b - r1a) / 15.0
    return r1a, r1b, r2, np.abs(r1b - r1a) / 16.0


def _one_sided(p_a, p_b, a, b, f0):
    """``2 phi[0, a, b]`` (nodes ``0 < a < b``, values ``p_a``, ``p_b``) and its weights on
    ``f(x)`` and on the two others' magnitudes: ``(value, w0, w_others)``."""
    value = 2.0 * ((p_b - p_a) / (b - a) - (p_a - f0) / a) / b
    w0 = 2.0 / (a * b)
    others = 2.0 / (a * (b - a)) + 2.0 / (b * (b - a))
    return value, w0, others


def _lines(L, f0, s):
    """Curvature, kink and one-sided statistics of every line of the window.

    ``L[name]`` has shape ``(4, k, 2)``: levels ``j - 1 .. j + 2`` (the first may be
    ``nan``), pairs, lines. Returns arrays of shape ``(k, 2)``.
    """
    F, B, J, nF, nB, nJ = ([] for _ in range(6))
    for i in range(3):  # the one-sided differences over levels (i, i + 1)
        fv, fw0, fwo = _one_sided(L["P"][i + 1], L["P"][i], L["tp"][i + 1], L["tp"][i], f0)
        bv, bw0, bwo = _one_sided(L["M"][i + 1], L["M"][i], L["tm"][i + 1], L["tm"][i], f0)
        F.append(fv)
        B.append(bv)
        J.append(fv - bv)
        nF.append((fw0 + fwo) * s)
        nB.append((bw0 + bwo) * s)
        nJ.append((np.abs(fw0 - bw0) + fwo + bwo) * s)
    curved = np.abs(J[2]) <= _DECAY * np.abs(J[1]) + _SIGMAS * nJ[2]
    k_now, k_up = 2.0 * J[2] - J[1], 2.0 * J[1] - J[0]
    n_k = 2.0 * nJ[2] + nJ[1]
    kink = np.abs(k_now) > _SIGMAS * (np.abs(k_now - k_up) + n_k)
    sides = {}
    for name, v, nv in (("R", F, nF), ("L", B, nB)):
        now, up = 2.0 * v[2] - v[1], 2.0 * v[1] - v[0]
        n_now, n_up = 2.0 * nv[2] + nv[1], 2.0 * nv[1] + nv[0]
        sides[name] = now
        sides[name + "err"] = np.abs(now - up) / 3.0 + n_now + (n_now + n_up) / 3.0
    # the line's own central estimate (for a smooth line beside a kinked one)
    tp, tm = L["tp"][1:], L["tm"][1:]
    c = 2.0 * ((L["P"][1:] - f0) / tp - (f0 - L["M"][1:]) / tm) / (tp + tm)
    _, _, c2, c_trunc = _richardson(c[0], c[1], c[2])
    t_top = 0.5 * (tp[0] + tm[0])
    c_err = c_trunc + ROUNDOFF_DIAG * s / t_top**2
    variation = np.max(np.abs([F[1], F[2], B[1], B[2]]), axis=0)
    return dict(curved=curved, kink=kink, k=np.abs(k_now), n_k=n_k, central=c2,
                central_err=c_err, variation=variation, **sides)


def _interval(st, line_kink, w):
    """The pair's interval at a kink (units of ``H_kl``), its error, and for the consistency
    test of :func:`_corners` the sum of the lines' jumps ``|R - L|`` (line units) with its
    error.

    On each line ``mid = (R + L) / 2`` and ``|J| = |R - L|`` (the central estimate and 0 on a
    smooth line). Where the gradient's kink is one surface through ``x`` with normal ``n``,
    the Hessian jumps across it by a rank-one ``c n n^T``, so along a line ``w`` whose
    positive side is across ``n`` the jump of ``phi''`` is ``J_w = c (n.w)^2 sign(n.w)``;
    the two limiting values of ``H_kl`` are ``M +- d`` with ``M = sum_l w_l mid_l`` and
    ``d = |sum_l w_l |J_l|| / 2`` (off the diagonal ``(q_+ - q_-) / (4 h_k h_l)`` pairs the
    sides of the two lines as ``n`` says: ``||J_+| - |J_-|| / 2`` is the right half-width
    whichever way, where pairing sides blindly would add the jumps).
    """
    kinked_mid = 0.5 * (st["L"] + st["R"])
    kinked_err = 0.5 * (st["Lerr"] + st["Rerr"])
    mid = np.where(line_kink, kinked_mid, st["central"])
    jump = np.where(line_kink, np.abs(st["R"] - st["L"]), 0.0)
    err_line = np.where(line_kink, kinked_err, st["central_err"])
    used = w != 0.0
    center = np.sum(np.where(used, w * mid, 0.0), axis=1)
    half = 0.5 * np.abs(np.sum(np.where(used, w * jump, 0.0), axis=1))
    # the error of the centre and of the half-width, each at most sum |w| err
    err = 2.0 * np.sum(np.where(used, np.abs(w) * err_line, 0.0), axis=1)
    all_jumps = np.sum(np.where(used, np.abs(st["R"] - st["L"]), 0.0), axis=1)
    all_err = np.sum(np.where(used, st["Rerr"] + st["Lerr"], 0.0), axis=1)
    return center - half, center + half, err, all_jumps, all_err
