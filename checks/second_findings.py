"""What a pair's second-difference ladder concluded, and how the notes of a check say it.

:func:`_corners` finds the pairs where several kinks of the gradient meet (unresolved),
:func:`_remember` keeps a pair's best candidate so far, :func:`_finalize` writes a pair's
result (value, bar, interval, kind), and :func:`describe_pairs` turns the kinds into the
notes of a Hessian check (``"Hessian entry (0, 1): ..."``).

>>> from checks.ladder import KINK
>>> res = Second(np.zeros(1), np.zeros(1), np.zeros(1), np.ones(1), np.ones(1),
...              np.array([KINK]), 10)
>>> describe_pairs(res, lambda k: "(0, 0)", np.array([1e-3]))[0][:39]
'Hessian entry (0, 0): the gradient of f'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from checks._util import NonFiniteValueError
from checks.ladder import _SIGMAS, JUMP, KINK, OVERFLOW, SMOOTH, UNRESOLVED, unsettled

__all__ = ["Second", "describe_pairs"]


@dataclass(frozen=True)
class Second:
    """Per-pair results of :func:`second_ladder` (arrays of the number of pairs).

    ``step`` is the settled triple's top step relative to the pair's ``h`` (``2^-level``);
    ``lower``/``upper`` the interval at a kink (else both ``value``); ``kind`` the codes of
    :mod:`checks.ladder` (``SMOOTH``, ``KINK``, ``UNRESOLVED``, ``JUMP``, ``OVERFLOW``).
    """

    value: np.ndarray
    error: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    step: np.ndarray
    kind: np.ndarray
    evaluations: int
    #: the unresolved pairs where several kinks of the gradient meet (:func:`_corners`)
    corner: np.ndarray | None = None
    #: the largest ``|f|`` at the point and on the windows the smooth pairs were taken
    #: from: the noise of ``f`` is at least ``u`` times it (as in :mod:`checks.ladder`; ``u``
    #: the round-off of ``f``'s precision, :func:`checks.noise.roundoff_unit`)
    reach: float = 0.0


def _corners(pairs, h, kind, out, mem) -> np.ndarray:
    """Unresolve the cross pairs whose kink is not one surface through ``x``.

    For one kink surface with normal ``n`` and jump ``c n n^T``, the jumps of the lines
    ``w_+- = h_k e_k +- h_l e_l`` and of the axes are ``|c| (h_k n_k +- h_l n_l)^2`` and
    ``|c| n_k^2``, ``|c| n_l^2``, so ``|J_+| + |J_-| = 2 (h_k^2 |J_k| + h_l^2 |J_l|)``
    (``(u + v)^2 + (u - v)^2 = 2 u^2 + 2 v^2``). Where the diagonal pairs say otherwise
    beyond three error bounds (``relu(x_0) relu(x_1)`` at 0: the axes are smooth, the
    diagonal ``w_+`` is not), several surfaces meet at ``x``, the two lines cannot tell
    which sides belong together, and the interval could miss a limiting Hessian: the pair is
    unresolved. So is a cross kink whose diagonal pairs are not both smooth or kinks.
    """
    corner = np.zeros(len(pairs), dtype=bool)
    diag_of = {int(a): p for p, (a, b) in enumerate(pairs) if a == b}
    for p in np.flatnonzero(kind == KINK):
        a, b = (int(v) for v in pairs[p])
        if a == b:
            continue
        if a not in diag_of or b not in diag_of:  # a line alone (directional mode)
            continue
        jumps, errs = [], []
        for e in (a, b):
            d = diag_of[e]
            if kind[d] not in (SMOOTH, KINK):
                jumps = None
                break
            jumps.append((out["upper"][d] - out["lower"][d]) * h[e] ** 2)
            errs.append(out["error"][d] * h[e] ** 2)
        if jumps is not None:
            predicted = 2.0 * (jumps[0] + jumps[1])
            allowed = _SIGMAS * (mem.kink_jumps_err[p] + 2.0 * (errs[0] + errs[1]))
            if abs(mem.kink_jumps[p] - predicted) <= allowed:
                continue
        kind[p] = UNRESOLVED
        corner[p] = True
        half = 0.5 * (out["upper"][p] - out["lower"][p])
        out["error"][p] += half
        out["lower"][p] = out["upper"][p] = out["value"][p]
    return corner


def _remember(mem, idx, candidate, valid, r2, trunc, roundoff, lev, top, s) -> None:
    """Record one window per pair: the best candidate taken (with its largest ``|f|`` and
    noise), its claim, the last estimates."""
    err = trunc + roundoff
    better = candidate & (err < mem.best_err[idx])
    bi = idx[better]
    mem.best_top[bi], mem.best_s[bi] = top[better], s[better]
    mem.best_val[bi], mem.best_err[bi], mem.best_level[bi] = r2[better], err[better], \
        lev[better]
    mem.best_trunc[bi], mem.best_round[bi] = trunc[better], roundoff[better]
    # a claim is the estimate with its truncation and three round-off bounds: E is a sum of
    # weights times the noise of f, which measures the deviation of f, not its largest
    # error (a float32 f rounds by up to 3.5 noise bounds); two claims that exclude each other
    # beyond that are a sign, not chance
    ci = idx[candidate]
    reach = (trunc + _SIGMAS * roundoff)[candidate]
    lo, hi = r2[candidate] - reach, r2[candidate] + reach
    mem.claim_lo[ci] = np.maximum(mem.claim_lo[ci], lo)
    mem.claim_hi[ci] = np.minimum(mem.claim_hi[ci], hi)
    mem.hull_lo[ci] = np.minimum(mem.hull_lo[ci], lo)
    mem.hull_hi[ci] = np.maximum(mem.hull_hi[ci], hi)
    mem.since[idx] = np.where(candidate, 0, mem.since[idx] + 1)
    vi = idx[valid]
    mem.prev_val[vi] = mem.last_val[vi]
    mem.last_val[vi], mem.last_err[vi] = r2[valid], err[valid]
    mem.last_level[vi] = lev[valid]
    mem.last_top[vi] = top[valid]


def _finalize(p, kink, out, kind, mem, describe) -> None:
    if np.isfinite(mem.best_err[p]):
        value, error = mem.best_val[p], mem.best_err[p]
        if mem.claim_lo[p] > mem.claim_hi[p]:  # two claims exclude each other
            error = max(error, value - mem.hull_lo[p], mem.hull_hi[p] - value)
        out["value"][p] = out["lower"][p] = out["upper"][p] = value
        out["error"][p] = error
        out["step"][p] = 0.5 ** mem.best_level[p]
        return
    if kink and np.isfinite(mem.kink_err[p]):
        kind[p] = KINK
        out["lower"][p], out["upper"][p] = mem.kink_lo[p], mem.kink_hi[p]
        out["value"][p] = 0.5 * (mem.kink_lo[p] + mem.kink_hi[p])
        out["error"][p] = mem.kink_err[p]
        out["step"][p] = 0.5 ** mem.lev[p]
        return
    if not np.isfinite(mem.last_val[p]) and mem.overflowed[p]:
        # f was finite on a window whose differences were not: no estimate, and no domain edge
        kind[p] = OVERFLOW
        out["value"][p] = out["lower"][p] = out["upper"][p] = np.nan
        out["error"][p] = np.inf
        out["step"][p] = 0.5 ** mem.lev[p]
        return
    if not np.isfinite(mem.last_val[p]):
        raise NonFiniteValueError(
            f"f is not finite around x along {describe(p)} for any step down to "
            f"{0.5 ** mem.lev[p]:.3g} times the first (f(x) is finite): the point is on "
            "the edge of f's domain there"
        )
    unsettled(p, mem, out, kind)
    out["step"][p] = 0.5 ** mem.last_level[p]


def describe_pairs(res: Second, name: Callable[[int], str], steps: np.ndarray,
                   limit: int = 5) -> list[str]:
    """Report lines for the pairs that are not plain smooth estimates; ``name(p)`` names pair
    ``p`` (``"(0,) and (1,)"``), ``steps[p]`` is its settled step (absolute)."""
    lines: list[str] = []
    for code in (KINK, JUMP, OVERFLOW, UNRESOLVED):
        where = np.flatnonzero(res.kind == code)
        for p in where[:limit]:
            lines.append(_finding(res, code, int(p), name(int(p)), float(steps[p])))
        if where.size > limit:
            what = {KINK: "kinks", JUMP: "jumps", OVERFLOW: "overflows",
                    UNRESOLVED: "unsettled"}[code]
            lines.append(f"... and {where.size - limit} more such Hessian entries ({what})")
    return lines


def _finding(res: Second, code: int, p: int, where: str, step: float) -> str:
    if code == KINK:
        return (f"Hessian entry {where}: the gradient of f has a kink there (its second "
                f"derivative jumps): the one-sided second differences give the interval "
                f"[{res.lower[p]:.8g}, {res.upper[p]:.8g}] (error bound {res.error[p]:.2g}); "
                "any value in it is accepted")
    if code == JUMP:
        return (f"Hessian entry {where}: the second differences grow like 1/h down to step "
                f"{step:.3g} (the gradient of f jumps: f has a kink there and no second "
                "derivative); this entry is not judged")
    if code == OVERFLOW:
        return (f"Hessian entry {where}: f's values are finite there, but its second "
                "differences overflow (they, or their Richardson extrapolation, exceed the "
                f"largest float) down to step {step:.3g}; this entry is not judged")
    if res.corner is not None and res.corner[p]:
        return (f"Hessian entry {where}: several kinks of the gradient meet there (the "
                "second differences along the two diagonals and the two axes do not fit one "
                "kink surface); this entry is not judged")
    return (f"Hessian entry {where}: the second differences did not settle down to step "
            f"{step:.3g}; this entry is not judged (error bound {res.error[p]:.2g}, the spread "
            "of the last estimates)")
