"""Behaviour of :mod:`checks.ladder` piece by piece: the statistics of one triple on
polynomials whose differences are known in closed form, the one-sided extrapolation, each
way an entry can end (smooth, kink, one-sided, jump, unresolved, no finite level), the
round-off floor, and the report lines. Every expected number is derived by hand below.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from checks._util import EPS, TINY, NonFiniteValueError
from checks.ladder import (
    JUMP,
    KIND_NAMES,
    KINK,
    ONE_SIDED_LEFT,
    ONE_SIDED_RIGHT,
    OVERFLOW,
    RELIABLE,
    SMOOTH,
    UNRESOLVED,
    Ladder,
    _finalize,
    _one_sided,
    _remember,
    _State,
    _triple,
    describe_findings,
    floor_roundoff,
    ladder,
    unsettled,
)


def _levels(phi, h):
    """``fp, fm, sp, sm`` of the three levels ``h, h/2, h/4`` of ``phi`` at 0 (one entry)."""
    hs = np.array([h, h / 2.0, h / 4.0])
    fp = np.array([[phi(t)] for t in hs])
    fm = np.array([[phi(-t)] for t in hs])
    return fp, fm, hs[:, None].copy(), hs[:, None].copy()


def _run(phi, x0, h0, noise=0.0, **kw):
    x = np.array([float(x0)])

    def evaluate(targets, entries):
        return np.array([[phi(t) for t in row] for row in targets])

    return ladder(evaluate, x, np.array([float(h0)]), phi(float(x0)), noise, **kw)


def _run_sum(phis, x, h0, noise=0.0, **kw):
    """The ladder of ``f(x) = sum_k phi_k(x_k)`` (entries independent)."""
    x = np.asarray(x, dtype=float)

    def f(v):
        return sum(p(t) for p, t in zip(phis, v, strict=True))

    def evaluate(targets, entries):
        out = np.empty(targets.shape)
        for j in range(targets.shape[0]):
            for c, k in enumerate(entries):
                v = x.copy()
                v[k] = targets[j, c]
                out[j, c] = f(v)
        return out

    return ladder(evaluate, x, np.asarray(h0, dtype=float), f(x), noise, **kw)


# -- one triple ---------------------------------------------------------------------------


def test_a_cubic_triple_in_closed_form():
    """``phi = 5 + t + t^2 + t^3`` at 0 from ``h = 1``: ``D(h) = 1 + h^2``, so
    ``R_1 = 1`` exactly at both levels (value 1, truncation 0, ``q = 0``);
    ``F(h) = 1 + h + h^2`` and ``B(h) = 1 - h + h^2`` give ``J(h) = 2h`` (halves: curved, no
    kink), one-sided limits ``1`` with truncation ``|F1(h/2) - F1(h)| / 3 = h^2 / 8``."""
    phi = lambda t: 5.0 + t + t**2 + t**3  # noqa: E731
    fp, fm, sp, sm = _levels(phi, 1.0)
    sigma = np.array([1e-3])
    st = _triple(fp, fm, sp, sm, phi(0.0), sigma)
    assert st["value"][0] == 1.0 and st["trunc"][0] == 0.0 and st["q"][0] == 0.0
    assert st["h"][0] == 1.0
    assert st["d3"][0] == 1.0 + 1.0 / 16.0
    assert st["delta1"][0] == 0.75  # D(1) - D(1/2) = 2 - 1.25
    assert st["top"][0] == 8.0  # phi(1) = 8 is the largest |f| on the triple
    assert st["s"][0] == 1e-3  # the noise given, far above eps * 8
    assert st["roundoff"][0] == pytest.approx(7.0 * 1e-3 / 1.0, rel=1e-15, abs=0)
    assert not st["flat"][0]  # |delta1| = 0.75 >> 9 s / h
    assert st["curved"][0] and not st["kink"][0] and not st["growing"][0]
    assert st["k"][0] == 0.0  # K = 2 J(1/4) - J(1/2) = 2 (1/2) - 1
    assert st["right"][0] == pytest.approx(1.0, abs=1e-15)
    assert st["left"][0] == pytest.approx(1.0, abs=1e-15)
    side = 1.0 / 8.0 + 30.0 * 1e-3  # h^2 / 8 + 30 s / h
    assert st["right_err"][0] == pytest.approx(side, rel=1e-12, abs=0)
    assert st["left_err"][0] == pytest.approx(side, rel=1e-12, abs=0)
    assert st["sides"][0]
    # max(|F|, |B|) over the triple: F(1) = 3
    assert st["variation"][0] == 3.0


def test_a_quintic_triple_has_q_one_quarter_and_an_exact_zero():
    """``phi = t^5``: ``D(h) = h^4``, ``R_1(h) = -h^4 / 4``, ``R_1(h/2) = -h^4 / 64``: ``R_2 = 0``
    exactly, ``T = (15/64) / 16`` at ``h = 1`` and ``q = (15/64) / (15/16) = 1/4``."""
    fp, fm, sp, sm = _levels(lambda t: t**5, 1.0)
    st = _triple(fp, fm, sp, sm, 0.0, np.array([0.0]))
    assert st["value"][0] == 0.0
    assert st["trunc"][0] == pytest.approx(15.0 / 64.0 / 16.0, rel=1e-14, abs=0)
    assert st["q"][0] == pytest.approx(0.25, rel=1e-14, abs=0)
    # noise 0: s is eps times the largest |f| (1 at t = +-1)
    assert st["s"][0] == EPS
    assert st["roundoff"][0] == pytest.approx(7.0 * EPS, rel=1e-15, abs=0)


def test_noise_floors_eps_f0_reach_and_the_smallest_float():
    """``s = max(sigma, eps max(top, |f0|, reach), TINY)``: each term can be the largest."""
    fp, fm, sp, sm = _levels(lambda t: 0.0 * t, 1.0)
    assert _triple(fp, fm, sp, sm, 0.0, np.array([0.0]))["s"][0] == TINY
    assert _triple(fp, fm, sp, sm, -4.0, np.array([0.0]))["s"][0] == 4.0 * EPS
    assert _triple(fp, fm, sp, sm, 1.0, np.array([0.0]), 1e6)["s"][0] == 1e6 * EPS
    assert _triple(fp, fm, sp, sm, 1.0, np.array([1e-3]), 1e6)["s"][0] == 1e-3
    fp2, fm2, sp2, sm2 = _levels(lambda t: -50.0 if t < 0 else 2.0, 1.0)
    assert _triple(fp2, fm2, sp2, sm2, 1.0, np.array([0.0]))["s"][0] == 50.0 * EPS
    assert _triple(fp2, fm2, sp2, sm2, 1.0, np.array([0.0]))["top"][0] == 50.0


def test_a_kink_triple():
    """``|t| + t / 2``: ``F = 3/2``, ``B = -1/2`` at every step: ``J = 2`` constant (not
    curved), ``K = K' = 2`` (kink), one-sided limits exact, sides disagreeing."""
    fp, fm, sp, sm = _levels(lambda t: abs(t) + 0.5 * t, 0.5)
    st = _triple(fp, fm, sp, sm, 0.0, np.array([1e-12]))
    assert not st["curved"][0] and st["kink"][0] and st["k"][0] == 2.0
    assert (st["right"][0], st["left"][0]) == (1.5, -0.5)
    assert st["right_err"][0] == pytest.approx(30.0 * 1e-12 / 0.5, rel=1e-12, abs=0)
    assert not st["sides"][0]
    assert st["value"][0] == 0.5 and st["q"][0] == 0.0  # the odd part is linear
    # a noise large enough to hide the kink: 3 (40 s / h) >= 2
    assert not _triple(fp, fm, sp, sm, 0.0, np.array([0.01]))["kink"][0]


def test_a_jump_triple_grows_like_one_over_h():
    """``sign(t)``: ``D(h) = 1 / h`` doubles at every halving (more than 1.5-fold): growing."""
    fp, fm, sp, sm = _levels(lambda t: float(np.sign(t)), 1.0)
    st = _triple(fp, fm, sp, sm, 0.0, np.array([1e-12]))
    assert st["growing"][0]
    assert st["curved"][0] and st["k"][0] == 0.0  # F = B = 1 / h: J = 0, sign is odd
    assert st["variation"][0] == 4.0  # F(1/4) = 1 / (1/4)
    # D(h) = 1.4 / h-like growth (factor 1.4 < 1.5) is not a jump
    fp2 = np.array([[1.0], [0.7], [0.35]])
    st2 = _triple(fp2, -fp2, sp, sm, 0.0, np.array([1e-12]))
    assert not st2["growing"][0]


@pytest.mark.parametrize("ratio, curved", [(0.5, True), (0.6, True), (0.61, False)])
def test_the_curvature_test_is_a_decay_by_0_6(ratio, curved):
    """An even part whose ``J`` shrinks by ``ratio`` per halving: curved iff ``ratio <= 0.6``
    (noise 0). Built as ``fp = c_i``, ``fm = c_i`` (odd part 0) with ``J(h_i) = 2 c_i / h_i``."""
    hs = np.array([1.0, 0.5, 0.25])
    jumps = np.array([1.0, ratio, ratio * ratio])
    c = 0.5 * jumps * hs  # J = (c - 0)/h - (0 - c)/h = 2 c / h
    fp = c[:, None]
    st = _triple(fp, fp.copy(), hs[:, None], hs[:, None].copy(), 0.0, np.array([0.0]))
    assert bool(st["curved"][0]) is curved


def test_flat_within_nine_and_eighteen_noise_bounds():
    """Flat: ``|D(h) - D(h/2)| <= 9 s / h`` and ``|D(h/2) - D(h/4)| <= 18 s / h``."""
    hs = np.array([1.0, 0.5, 0.25])[:, None]
    s = 1e-3

    def st_of(delta1, delta2):
        d = np.array([1.0 + delta1 + delta2, 1.0 + delta2, 1.0])
        fp = d[:, None] * hs  # odd part: D = fp / h (fm = -fp)
        return _triple(fp, -fp, hs, hs.copy(), 0.0, np.array([s]))

    assert st_of(8.9 * s, 17.9 * s)["flat"][0]
    assert not st_of(9.2 * s, 0.0)["flat"][0]
    assert not st_of(0.0, 18.2 * s)["flat"][0]


def test_one_sided_richardson():
    """``F(h) = R + a h + b h^2 + c h^3``: the limit is ``R + c h^3 / 8`` and the truncation
    bound ``|F1(h/2) - F1(h)| / 3``; the error adds ``30 s / h``."""
    h = 1.0
    hs = np.array([h, h / 2, h / 4])
    R, a, b, c = 2.0, 3.0, 5.0, 8.0
    slopes = (R + a * hs + b * hs**2 + c * hs**3)[:, None]
    value, trunc, err = _one_sided(slopes, np.array([0.01]), np.array([h]))
    assert value[0] == pytest.approx(R + c * h**3 / 8.0, rel=1e-14, abs=0)
    # F1(h) = 2 F(h/2) - F(h) = R - b h^2 / 2 - 3 c h^3 / 4, F1(h/2) the same at h/2
    f1 = lambda t: R - b * t**2 / 2.0 - 3.0 * c * t**3 / 4.0  # noqa: E731
    assert trunc[0] == pytest.approx(abs(f1(h / 2) - f1(h)) / 3.0, rel=1e-14, abs=0)
    assert err[0] == pytest.approx(trunc[0] + 30.0 * 0.01 / h, rel=1e-14, abs=0)


# -- whole ladders ------------------------------------------------------------------------


def test_a_quadratic_settles_at_once_for_six_evaluations_per_entry():
    """Central differences of a quadratic are exact: flat, taken at the first triple, six
    evaluations per entry, steps the first ones, irregular 0."""
    phis = [lambda t: 3.0 * t * t - 2.0 * t, lambda t: -t * t + 7.0 * t, lambda t: 0.5 * t]
    x = np.array([0.25, 1.5, -2.0])
    lad = _run_sum(phis, x, [0.5, 0.25, 0.125])
    assert lad.evaluations == 6 * 3
    assert np.all(lad.kind == SMOOTH)
    np.testing.assert_allclose(lad.value, [6 * 0.25 - 2.0, -3.0 + 7.0, 0.5], rtol=1e-12)
    assert np.all(lad.lower == lad.value) and np.all(lad.upper == lad.value)
    np.testing.assert_array_equal(lad.step, [0.5, 0.25, 0.125])
    assert np.all(lad.flat) and np.all(lad.irregular == 0)
    assert np.all(np.isnan(lad.left)) and np.all(np.isnan(lad.right))
    assert np.all(lad.error > 0.0) and np.all(lad.error < 1e-12)
    # the reach: the largest |f| seen on the taken triples is at least |f(x)|
    f0 = sum(p(t) for p, t in zip(phis, x, strict=True))
    assert lad.reach >= abs(f0)


def test_an_entry_descends_and_costs_two_evaluations_per_level():
    """``sin`` from a step of 1 is not clean at once: it descends (an even number of
    evaluations above 6) and its bound covers the truth and is small."""
    lad = _run(np.sin, 0.4, 1.0)
    assert lad.kind[0] == SMOOTH
    assert lad.evaluations > 6 and lad.evaluations % 2 == 0
    assert abs(lad.value[0] - np.cos(0.4)) <= lad.error[0] <= 1e-10
    assert lad.step[0] < 1.0


def test_without_refinement_only_three_levels_are_evaluated():
    """``refine=False``: six evaluations whatever happens; ``tanh^2`` saturated at a step of
    100 cannot settle there: unresolved, its error the spread plus ``T + E``."""
    phi = lambda t: float(np.tanh(t) ** 2)  # noqa: E731
    lad = _run(phi, 0.7, 100.0, refine=False)
    assert lad.evaluations == 6
    assert lad.kind[0] == UNRESOLVED
    assert lad.step[0] == 100.0
    # the same function with refinement settles
    full = _run(phi, 0.7, 100.0)
    assert full.kind[0] == SMOOTH and full.evaluations > 6
    # refine=False takes a candidate at once even when its correction is not negligible
    cubic = _run(lambda t: t**3, 1.0, 0.5, refine=False)
    assert cubic.evaluations == 6 and cubic.kind[0] == SMOOTH
    assert cubic.value[0] == pytest.approx(3.0, rel=1e-14, abs=0)  # R_2 is exact for a cubic


def test_a_kink_reports_both_sides():
    """``|t - 1| + t / 4`` at 1: left ``-3/4``, right ``5/4``; value the midpoint, lower and
    upper the two sides, error the larger side bound."""
    lad = _run(lambda t: abs(t - 1.0) + 0.25 * t, 1.0, 0.1)
    assert lad.kind[0] == KINK
    assert lad.left[0] == pytest.approx(-0.75, abs=1e-9)
    assert lad.right[0] == pytest.approx(1.25, abs=1e-9)
    assert lad.lower[0] == lad.left[0] and lad.upper[0] == lad.right[0]
    assert lad.value[0] == pytest.approx(0.25, abs=1e-9)
    assert 0.0 < lad.error[0] < 1e-6
    mirrored = _run(lambda t: -abs(t - 1.0) + 0.25 * t, 1.0, 0.1)
    assert mirrored.kind[0] == KINK
    assert mirrored.lower[0] == mirrored.right[0] == pytest.approx(-0.75, abs=1e-9)
    assert mirrored.upper[0] == mirrored.left[0] == pytest.approx(1.25, abs=1e-9)


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_one_sided_derivative_at_the_edge_of_the_domain(side):
    """``3 t + t^2`` defined only on one side of 0: the finite side's derivative, 3."""
    sign = 1.0 if side == "right" else -1.0

    def phi(t):
        return 3.0 * t + t * t if sign * t >= 0.0 else float("nan")

    lad = _run(phi, 0.0, 0.1)
    assert lad.kind[0] == (ONE_SIDED_RIGHT if side == "right" else ONE_SIDED_LEFT)
    got = lad.right[0] if side == "right" else lad.left[0]
    other = lad.left[0] if side == "right" else lad.right[0]
    assert got == pytest.approx(3.0, abs=1e-8) and np.isnan(other)
    assert lad.value[0] == lad.lower[0] == lad.upper[0] == got
    assert abs(got - 3.0) <= lad.error[0]


def test_no_finite_level_names_the_entry():
    def phi(t):
        return 1.0 if t == 0.5 else float("nan")

    with pytest.raises(NonFiniteValueError, match=r"x \+ h e_\[7\] or x - h e_\[7\]") as info:
        _run(phi, 0.5, 0.1, describe=lambda k: f"[{k + 7}]")
    msg = str(info.value)
    assert "for any step h down to" in msg and "edge of f's domain" in msg
    assert "(f(x) is finite)" in msg


def test_a_jump_and_its_bound():
    lad = _run(lambda t: float(np.floor(t)), 3.0, 0.25)
    assert lad.kind[0] == JUMP
    assert np.isfinite(lad.value[0]) and lad.error[0] > 0.0
    assert lad.lower[0] == lad.upper[0] == lad.value[0]


def test_kind_names_and_reliable_kinds():
    assert KIND_NAMES[SMOOTH] == "smooth" and KIND_NAMES[KINK] == "kink"
    assert KIND_NAMES[ONE_SIDED_RIGHT] == "one-sided (right)"
    assert KIND_NAMES[ONE_SIDED_LEFT] == "one-sided (left)"
    assert KIND_NAMES[UNRESOLVED] == "unresolved" and KIND_NAMES[JUMP] == "jump"
    assert KIND_NAMES[OVERFLOW] == "overflow"  # the second differences' (checks.second)
    assert set(RELIABLE) == {SMOOTH, KINK, ONE_SIDED_RIGHT, ONE_SIDED_LEFT}


def test_a_given_reach_raises_the_noise_floor():
    """A reach of ``1e12`` makes ``s >= 1e12 eps``: the bound of a quadratic's exact estimate
    becomes at least ``7 s / h`` and the reach is handed back."""
    phi = lambda t: t * t  # noqa: E731
    base = _run(phi, 1.0, 0.5)
    big = _run(phi, 1.0, 0.5, reach=1e12)
    assert big.reach == 1e12 and base.reach < 10.0
    assert big.error[0] >= 7.0 * 1e12 * EPS / 0.5 * (1.0 - 1e-12)
    assert base.error[0] < 1e-12
    assert big.value[0] == base.value[0] == pytest.approx(2.0, rel=1e-14, abs=0)


def test_per_entry_noise():
    """A noise per entry: the bound of each grows with its own noise (``7 s / h``)."""
    phis = [lambda t: t * t, lambda t: t * t]
    lad = _run_sum(phis, [1.0, 1.0], [0.5, 0.5], noise=np.array([0.0, 1e-6]))
    assert lad.error[0] < 1e-12
    assert lad.error[1] >= 7.0 * 1e-6 / 0.5 * (1.0 - 1e-12)


# -- the round-off floor --------------------------------------------------------------------


def _mem(m):
    mem = _State(m)
    return mem


def test_floor_roundoff_widens_settled_entries_only():
    m = 3
    mem = _mem(m)
    kind = np.array([SMOOTH, SMOOTH, UNRESOLVED], dtype=np.int8)
    mem.best_err[:] = [1.0, np.inf, 1.0]  # entry 1 never had a candidate: not settled
    mem.best_top[:] = [10.0, 1e9, 1e9]
    mem.last_top[:] = [1e9, 1e9, 100.0]
    mem.cand_top[:] = [0.0, 0.0, 0.0]
    mem.best_s[:] = [EPS, 0.0, 0.0]
    out = {"error": np.array([1.0, 2.0, 3.0])}
    gain = np.array([2.0, 2.0, 2.0])
    reach = floor_roundoff(out, kind, mem, 5.0, gain)
    # seen: best_top for the settled entry 0 (10), last_top for 1 and 2 (1e9, 100)
    assert reach == 1e9
    np.testing.assert_allclose(out["error"], [1.0 + 2.0 * (EPS * 1e9 - EPS), 2.0, 3.0],
                               rtol=1e-14)


def test_floor_roundoff_counts_candidates_and_the_given_reach():
    mem = _mem(1)
    kind = np.array([SMOOTH], dtype=np.int8)
    mem.best_err[:] = 1.0
    mem.best_top[:] = 1.0
    mem.cand_top[:] = 4.0
    mem.best_s[:] = 0.0
    out = {"error": np.array([0.0])}
    assert floor_roundoff(out, kind, mem, 2.0, np.array([3.0])) == 4.0
    assert out["error"][0] == pytest.approx(3.0 * 4.0 * EPS, rel=1e-14, abs=0)
    out = {"error": np.array([0.0])}
    assert floor_roundoff(out, kind, mem, 64.0, np.array([3.0])) == 64.0
    assert out["error"][0] == pytest.approx(3.0 * 64.0 * EPS, rel=1e-14, abs=0)
    # a noise already above the floor adds nothing; an infinite gain adds nothing either
    mem.best_s[:] = 1.0
    out = {"error": np.array([0.5])}
    floor_roundoff(out, kind, mem, 2.0, np.array([3.0]))
    assert out["error"][0] == 0.5
    mem.best_s[:] = 0.0
    out = {"error": np.array([0.5])}
    floor_roundoff(out, kind, mem, 2.0, np.array([np.inf]))
    assert out["error"][0] == 0.5
    # nothing seen at all: the reach given
    empty = _mem(0)
    assert floor_roundoff({"error": np.zeros(0)}, np.zeros(0, np.int8), empty, 7.0,
                          np.zeros(0)) == 7.0


# -- how an entry ends ------------------------------------------------------------------------


def _out(m):
    return {name: np.full(m, np.nan) for name in
            ("value", "error", "lower", "upper", "step", "left", "right")}


def test_finalize_a_smooth_entry_and_claims_that_exclude_each_other():
    mem = _mem(1)
    mem.best_val[0], mem.best_err[0], mem.best_h[0] = 2.0, 0.1, 0.25
    mem.claim_lo[0], mem.claim_hi[0] = 1.9, 2.1
    mem.hull_lo[0], mem.hull_hi[0] = 1.0, 2.5
    out, kind = _out(1), np.zeros(1, np.int8)
    _finalize(0, True, False, True, out, kind, mem, 9.0, str)
    assert (out["value"][0], out["lower"][0], out["upper"][0]) == (2.0, 2.0, 2.0)
    assert out["error"][0] == 0.1 and out["step"][0] == 0.25 and kind[0] == SMOOTH
    # claims excluding each other: the distance to the far end of the hull (1.0 below)
    mem.claim_lo[0], mem.claim_hi[0] = 2.2, 2.1
    out = _out(1)
    _finalize(0, True, False, True, out, kind, mem, 9.0, str)
    assert out["error"][0] == 1.0
    mem.hull_lo[0], mem.hull_hi[0] = 1.5, 3.25
    out = _out(1)
    _finalize(0, True, False, True, out, kind, mem, 9.0, str)
    assert out["error"][0] == 1.25
    # touching claims (lo == hi) do not exclude each other
    mem.claim_lo[0], mem.claim_hi[0] = 2.1, 2.1
    out = _out(1)
    _finalize(0, True, False, True, out, kind, mem, 9.0, str)
    assert out["error"][0] == 0.1


def test_finalize_a_kink_needs_both_sides():
    mem = _mem(1)
    mem.side["L"][0], mem.side["R"][0] = 3.0, -1.0
    mem.side_err["L"][0], mem.side_err["R"][0] = 0.5, 0.25
    mem.last_val[0], mem.prev_val[0], mem.last_err[0] = 7.0, 6.0, 0.5
    out, kind = _out(1), np.zeros(1, np.int8)
    _finalize(0, False, True, True, out, kind, mem, 0.125, str)
    assert kind[0] == KINK and out["step"][0] == 0.125
    assert (out["left"][0], out["right"][0]) == (3.0, -1.0)
    assert (out["lower"][0], out["upper"][0], out["value"][0]) == (-1.0, 3.0, 1.0)
    assert out["error"][0] == 0.5
    # one side missing: not a kink; valid, so unsettled (unresolved, spread 1 + 0.5)
    mem.side_err["R"][0] = np.inf
    out, kind = _out(1), np.zeros(1, np.int8)
    _finalize(0, False, True, True, out, kind, mem, 0.125, str)
    assert kind[0] == UNRESOLVED and out["value"][0] == 7.0 and out["error"][0] == 1.5
    # smooth claimed but no finite best: not taken as smooth
    out, kind = _out(1), np.zeros(1, np.int8)
    _finalize(0, True, False, True, out, kind, mem, 0.125, str)
    assert kind[0] == UNRESOLVED


def test_finalize_one_sided_prefers_the_right_side():
    mem = _mem(1)
    mem.side["L"][0], mem.side["R"][0] = 3.0, -1.0
    mem.side_err["L"][0], mem.side_err["R"][0] = 0.5, 0.25
    out, kind = _out(1), np.zeros(1, np.int8)
    _finalize(0, False, False, False, out, kind, mem, 0.5, str)
    assert kind[0] == ONE_SIDED_RIGHT and out["right"][0] == -1.0 and np.isnan(out["left"][0])
    assert out["value"][0] == out["lower"][0] == out["upper"][0] == -1.0
    assert out["error"][0] == 0.25
    # a valid last level is not one-sided: unsettled with no previous value (spread |value|)
    mem.last_val[0], mem.last_err[0] = -2.0, 0.5
    out, kind = _out(1), np.zeros(1, np.int8)
    _finalize(0, False, False, True, out, kind, mem, 0.5, str)
    assert kind[0] == UNRESOLVED and out["error"][0] == 2.5
    # invalid now but a finite estimate before: unsettled too
    out, kind = _out(1), np.zeros(1, np.int8)
    _finalize(0, False, False, False, out, kind, mem, 0.5, str)
    assert kind[0] == UNRESOLVED


def test_unsettled_jump_or_unresolved():
    mem = _mem(2)
    mem.growing[:] = [True, False]
    mem.last_val[:] = [4.0, -3.0]
    mem.prev_val[:] = [1.0, np.nan]
    mem.last_err[:] = [0.5, 0.25]
    out, kind = _out(2), np.zeros(2, np.int8)
    unsettled(0, mem, out, kind)
    unsettled(1, mem, out, kind)
    assert list(kind) == [JUMP, UNRESOLVED]
    assert list(out["value"]) == [4.0, -3.0] and list(out["lower"]) == [4.0, -3.0]
    assert list(out["upper"]) == [4.0, -3.0]
    assert list(out["error"]) == [0.5 + 3.0, 0.25 + 3.0]


# -- report lines ---------------------------------------------------------------------------


def _lad(kinds, **fields):
    m = len(kinds)
    base = dict(value=np.zeros(m), error=np.full(m, 0.5), lower=np.zeros(m),
                upper=np.zeros(m), step=np.full(m, 0.25), left=np.full(m, -1.5),
                right=np.full(m, 2.5))
    base.update(fields)
    return Ladder(kind=np.array(kinds, dtype=np.int8), evaluations=0, **base)


def test_report_lines_in_order_with_their_numbers():
    lad = _lad([SMOOTH, JUMP, KINK, UNRESOLVED, ONE_SIDED_LEFT, ONE_SIDED_RIGHT])
    lines = describe_findings(lad, (2, 3))
    assert len(lines) == 5  # the smooth entry has none
    kink, right, left, jump, unresolved = lines
    assert kink == ("not differentiable at entry (0, 2): one-sided derivatives L = -1.5 and "
                    "R = 2.5 (error bound 0.5); any value between them is accepted")
    assert right == ("entry (1, 2): f is not finite on the left side down to step 0.25; a "
                     "one-sided (right) derivative was used")
    assert left == ("entry (1, 1): f is not finite on the right side down to step 0.25; a "
                    "one-sided (left) derivative was used")
    assert jump == ("f jumps at entry (0, 1): its central differences grow like 1/h down to "
                    "step 0.25 (f is discontinuous there and has no derivative); this entry "
                    "is not judged")
    assert unresolved.startswith("entry (1, 0): the finite differences did not settle down "
                                 "to step 0.25 (")
    assert "its estimate is not judged (error bound 0.5, the spread" in unresolved


def test_report_lines_in_units_and_a_scalar_shape():
    lad = _lad([KINK], left=np.array([-3.0]), right=np.array([5.0]), error=np.array([1.0]),
               step=np.array([0.5]))
    (line,) = describe_findings(lad, (), unit=2.0)
    assert line.startswith("not differentiable at entry (): ")
    assert "L = -1.5 and R = 2.5 (error bound 0.5)" in line
    jump = _lad([JUMP], step=np.array([0.5]))
    (line,) = describe_findings(jump, (), unit=4.0)
    assert "down to step 2 (" in line


def test_report_lines_are_limited_per_kind():
    lad = _lad([KINK] * 7 + [JUMP] * 5)
    lines = describe_findings(lad, (12,))
    assert len(lines) == 5 + 1 + 5
    assert lines[5] == "... and 2 more such entries (kink)"
    assert "entry (4,)" in lines[4] and "entry (7,)" in lines[6]
    short = describe_findings(lad, (12,), limit=2)
    assert short[2] == "... and 5 more such entries (kink)"
    assert short[-1] == "... and 3 more such entries (jump)"
    assert len(short) == 6
    assert describe_findings(_lad([SMOOTH] * 3), (3,)) == ()
    assert len(describe_findings(_lad([KINK] * 5), (5,))) == 5  # exactly the limit: no tail


def test_numbers_are_formatted_to_their_precision():
    lad = _lad([KINK, UNRESOLVED], left=np.array([1.0 / 3.0, 0.0]),
               right=np.array([2.0 / 3.0, 0.0]), error=np.array([0.123456, 0.987654]),
               step=np.array([0.0123456, 0.0123456]))
    kink, unresolved = describe_findings(lad, (2,))
    assert "L = 0.33333333 and R = 0.66666667 (error bound 0.12)" in kink
    assert "down to step 0.0123 (" in unresolved and "(error bound 0.99," in unresolved


def _sided(F, B, s, h=1.0):
    """``_triple`` of one-sided slopes ``F(h)``, ``B(h)`` given as functions (``f(0) = 0``)."""
    hs = np.array([h, h / 2.0, h / 4.0])
    fp = np.array([[t * F(t)] for t in hs])
    fm = np.array([[-t * B(t)] for t in hs])
    return _triple(fp, fm, hs[:, None], hs[:, None].copy(), 0.0, np.array([s]))


@pytest.mark.parametrize("factor, agree", [(1.01, True), (0.99, False)])
def test_sides_agree_within_their_bounds_plus_180_noise_bounds(factor, agree):
    """Constant slopes ``R = 1``, ``L = -1`` from ``h = 1/2``: no truncation, each side's
    bound ``30 s / h``; the sides agree iff ``|R - L| = 2 <= 60 s / h + 180 s / h`` (the
    last ``2 * 3 * 30 s / h``)."""
    h = 0.5
    s = factor * 2.0 * h / 240.0
    st = _sided(lambda t: 1.0, lambda t: -1.0, s, h)
    assert st["right"][0] == 1.0 and st["left"][0] == -1.0
    assert bool(st["sides"][0]) is agree


@pytest.mark.parametrize("factor, symmetric", [(1.01, True), (0.99, False)])
def test_sides_must_have_symmetric_truncation(factor, symmetric):
    """``F(h) = a h^2`` (truncation ``a h^2 / 8 = 1`` at ``h = 1/2``, ``a = 32``) against a
    constant ``B = 0`` (truncation 0): symmetric iff ``1 <= 0.9 + 180 s / h``."""
    h = 0.5
    s = factor * 0.1 * h / 180.0
    st = _sided(lambda t: 32.0 * t * t, lambda t: 0.0, s, h)
    assert st["right"][0] == pytest.approx(0.0, abs=1e-12)  # the limit of a h^2 is 0
    assert bool(st["sides"][0]) is symmetric


def test_a_jump_descends_the_whole_ladder():
    """``floor(t)`` at 3 from ``h_0 = 1/4``: ``F = 0``, ``B = 1 / h``; the central differences
    double at every halving (a jump, no kink: ``|K| = 6/h`` is not above ``3 |K - K'| =
    9/h``) and the round-off ``7 s / h`` stays below ``max(|F|, |B|) = 1 / h``: it descends
    until ``_MAX_HALVINGS = 40`` levels below the first triple, ``6 + 2 * 40`` evaluations,
    and reports the last triple's step ``h_0 2^-40``."""
    lad = _run(lambda t: float(np.floor(t)), 3.0, 0.25)
    assert lad.kind[0] == JUMP
    assert lad.evaluations == 6 + 2 * 40
    assert lad.step[0] == 0.25 * 2.0**-40


def test_irregular_counts_the_levels_above_the_first_candidate_taken():
    smooth = _run(lambda t: t * t, 1.0, 0.5)
    assert smooth.irregular[0] == 0 and smooth.flat[0]
    phi = lambda t: float(np.tanh(t) ** 2)  # noqa: E731
    saturated = _run(phi, 0.7, 100.0)
    # the first triples straddle both saturated sides: several levels above the one taken
    assert saturated.irregular[0] >= 5
    assert not saturated.flat[0]


def test_a_kink_descends_while_the_next_level_can_resolve_it():
    """``|t - 1| + t / 4`` at 1 with noise ``s = 1e-6``: ``J = 2`` at every step, so
    ``|K| = 2``; the kink is resolvable at the next step ``h / 2`` while ``240 s / (h / 2) <
    |K| / 3``, i.e. ``h / 2 > 3.6e-4``. From ``h_0 = 0.1`` the triple at ``h = 0.1 / 2^8`` is
    the first whose next level is below that: 8 levels down, ``6 + 2 * 8`` evaluations. The
    sides are linear (no truncation), so their smallest bound is at the longest step:
    ``30 s / h_0``. Without noise the cap of 40 halvings stops it instead."""
    phi = lambda t: abs(t - 1.0) + 0.25 * t  # noqa: E731
    lad = _run(phi, 1.0, 0.1, noise=1e-6)
    assert lad.kind[0] == KINK and lad.evaluations == 6 + 2 * 8
    assert lad.step[0] == pytest.approx(0.1 * 2.0**-8, rel=1e-9, abs=0)
    assert lad.error[0] == pytest.approx(30.0 * 1e-6 / 0.1, rel=1e-6, abs=0)
    quiet = _run(phi, 1.0, 0.1)
    assert quiet.kind[0] == KINK and quiet.evaluations == 6 + 2 * 40


def test_the_default_description_of_an_entry_is_its_flat_index():
    with pytest.raises(NonFiniteValueError, match=r"x \+ h e_0 or x - h e_0 for any step"):
        _run(lambda t: 1.0 if t == 0.5 else float("nan"), 0.5, 0.1)


@pytest.mark.parametrize("h0, clean", [(0.5, False), (0.025, False), (0.019, True)])
def test_a_candidate_is_taken_at_once_only_when_its_correction_is_negligible(h0, clean):
    """``t^3`` at 1: ``D(h) = 3 + h^2``, ``R_2 = 3`` exactly, a candidate at every level.
    ``|D(h) - D(h/2)| = 3 h^2 / 4`` is negligible when at most ``1e-4 S`` (``S`` about 3):
    ``h^2 <= 4e-4``. Clean: taken at the first triple (6 evaluations); otherwise the next
    triple confirms it (8 evaluations, its step ``h_0 / 2``, one level irregular)."""
    lad = _run(lambda t: t**3, 1.0, h0)
    assert lad.kind[0] == SMOOTH and lad.value[0] == pytest.approx(3.0, rel=1e-14, abs=0)
    assert lad.evaluations == (6 if clean else 8)
    assert lad.step[0] == pytest.approx(h0 if clean else h0 / 2.0, rel=1e-12, abs=0)
    assert lad.irregular[0] == (0 if clean else 1)


@pytest.mark.parametrize("h0, resolved", [(0.4545, True), (0.503, False)])
def test_a_candidate_must_change_by_at_most_five_percent(h0, resolved):
    """``t + t^5`` at 0: ``D(h) = 1 + h^4`` and ``q = 1/4`` (not exact), so the first
    triple is a candidate iff ``|D(h) - D(h/2)| = 15 h^4 / 16 <= 0.05 S`` (``S`` about 1):
    ``h = 0.4545`` gives 0.040, ``h = 0.503`` gives 0.060. A candidate there is confirmed one
    level down (first taken at level 1); otherwise the first candidate is one level down and
    confirmed at the next (level 2)."""
    lad = _run(lambda t: t + t**5, 0.0, h0)
    assert lad.kind[0] == SMOOTH and abs(lad.value[0] - 1.0) <= lad.error[0] < 1e-9
    assert lad.irregular[0] == (1 if resolved else 2)


def test_only_settled_entries_set_the_scale_of_the_others():
    """``S`` is the larger of ``|D|`` and the largest *settled* entry. Entry 0,
    ``1000 (t + t^5)`` from ``h = 0.503``, is steady (``q = 1/4``) but changes by 6 % at its
    first triple: not settled there, so entry 1 (``t + t^5``, same step, also 6 %) is no
    candidate at level 0. At level 1 entry 0 settles (1000): entry 1's change there,
    ``0.06 / 16``, is below ``1e-4 S = 0.1`` and it is taken at once (alone it needed a
    confirmation at level 2: :func:`test_a_candidate_must_change_by_at_most_five_percent`).
    Entry 0's own change at level 1, ``60 / 16``, is not: it is confirmed at level 2."""
    phis = [lambda t: 1000.0 * (t + t**5), lambda t: t + t**5]
    lad = _run_sum(phis, [0.0, 0.0], [0.503, 0.503])
    assert np.all(lad.kind == SMOOTH)
    assert list(lad.irregular) == [2, 1]
    np.testing.assert_allclose(lad.value, [1000.0, 1.0], rtol=1e-9)


def test_growing_is_strictly_more_than_one_and_a_half_fold():
    """``|D(h/4)| > 1.5 |D(h/2)| + 3 s / (h/4)``: exactly equal is not growing. With
    ``s = 2^-10`` and ``h = 1``: ``D = (1, 2, 3 + 3 * 2^-8)`` sits on the boundary."""
    hs = np.array([1.0, 0.5, 0.25])[:, None]
    s = 2.0**-10

    def growing(d3):
        d = np.array([1.0, 2.0, d3])[:, None]
        return bool(_triple(d * hs, -d * hs, hs, hs.copy(), 0.0, np.array([s]))["growing"][0])

    edge = 1.5 * 2.0 + 3.0 * s / 0.25
    assert not growing(edge)
    assert growing(edge + 2.0**-20)


def test_the_first_taken_level_is_not_moved_by_later_candidates():
    """``t + t^5`` at 0 from ``h = 0.05``: ``D(h) = 1 + h^4`` changes by ``15 h^4 / 16 = 6e-6``
    (clean, below ``1e-4``), so the first triple is taken; its truncation bound
    ``15 h^4 / 1024 = 9e-8`` is neither below ``4 E`` nor negligible (``1e-10 |R_2|``), so
    the entry descends and is taken again: ``irregular`` stays 0. The bound falls 16-fold per
    level: three more levels bring it below ``1e-10``, 12 evaluations."""
    lad = _run(lambda t: t + t**5, 0.0, 0.05)
    assert lad.kind[0] == SMOOTH and lad.irregular[0] == 0
    assert lad.evaluations == 6 + 2 * 3
    assert abs(lad.value[0] - 1.0) <= lad.error[0] <= 1e-10



def _claim(mem, value, err):
    """Remember one smooth, confirmed-free candidate of entry 0 claiming ``value +- err``."""
    one = np.array([True])
    st = {"value": np.array([value]), "h": np.array([0.5]), "flat": np.array([False]),
          "top": np.array([1.0]), "s": np.array([1e-16])}
    e = np.array([err])
    _remember(mem, np.array([0]), one, st, e, np.zeros(1), e, one, np.array([False]), e, one)


def test_claims_that_exclude_each_other_widen_the_bound_to_their_hull():
    """Two taken candidates claim ``2 +- 0.25`` and ``3 +- 0.5``: ``[1.75, 2.25]`` and
    ``[2.5, 3.5]`` exclude each other, so the best (smaller bound, value 2) gets the distance
    to the far end of every claim, ``3.5 - 2 = 1.5``. Claims that overlap keep the bound."""
    mem = _State(1)
    assert mem.claim_lo[0] == -np.inf and mem.claim_hi[0] == np.inf  # no claim yet
    assert mem.hull_lo[0] == np.inf and mem.hull_hi[0] == -np.inf
    _claim(mem, 2.0, 0.25)
    _claim(mem, 3.0, 0.5)
    assert (mem.claim_lo[0], mem.claim_hi[0]) == (2.5, 2.25)
    assert (mem.hull_lo[0], mem.hull_hi[0]) == (1.75, 3.5)
    out, kind = _out(1), np.zeros(1, np.int8)
    _finalize(0, True, False, True, out, kind, mem, 0.5, str)
    assert out["value"][0] == 2.0 and out["error"][0] == 1.5
    overlap = _State(1)
    _claim(overlap, 2.0, 0.25)
    _claim(overlap, 2.25, 0.5)
    out = _out(1)
    _finalize(0, True, False, True, out, np.zeros(1, np.int8), overlap, 0.5, str)
    assert out["value"][0] == 2.0 and out["error"][0] == 0.25


def test_a_kink_beside_an_entry_outside_the_domain():
    """``f = phi_0(x_0) + |x_1|`` where ``phi_0`` is not finite to the right of 0: entry 0 is
    one-sided (left), and entry 1's right side is still recorded: a kink with sides
    ``-1, 1``. Each entry's sides are its own."""
    def phi0(t):
        return 2.0 * t if t <= 0.0 else float("nan")

    lad = _run_sum([phi0, abs], [0.0, 0.0], [0.1, 0.1])
    assert lad.kind[0] == ONE_SIDED_LEFT and lad.left[0] == pytest.approx(2.0, abs=1e-9)
    assert lad.kind[1] == KINK
    assert (lad.left[1], lad.right[1]) == (pytest.approx(-1.0, abs=1e-9),
                                           pytest.approx(1.0, abs=1e-9))


@pytest.mark.parametrize("h0", [1e-20, 0.0, -1e-3, float("nan"), float("inf")])
def test_a_top_step_that_cannot_move_x_is_refused_by_name(h0):
    """A step that rounds away (x + h0 == x) used to read as f leaving its domain: 'f is not
    finite at x + h e_0 ... for any step h down to 1' for exp, finite everywhere. ladder()
    now refuses h0 that is not a finite step > 0 moving x, naming the entry and both values;
    a step that moves x is accepted."""
    phi = np.exp
    with pytest.raises(ValueError, match=r"h0 must be finite steps > 0 that move x: at entry 0, "
                                         r"x = 1\.0 and h0 = "):
        ladder(lambda t, e: phi(t), np.array([1.0]), np.array([h0]), float(phi(1.0)), 1e-16)
    lad = ladder(lambda t, e: phi(t), np.array([1.0]), np.array([1e-3]), float(phi(1.0)), 1e-16)
    assert abs(lad.value[0] - np.e) <= lad.error[0]


# -- differences that overflow where f is finite ---------------------------------------------


def _steep(t):
    """``1.7e308 tanh(1e3 t)``: finite everywhere, but its slope at 0 is ``1.7e311``, so every
    central difference there is ``inf`` (and ``inf - inf`` in the extrapolation)."""
    return float(1.7e308 * np.tanh(1e3 * t))


@pytest.mark.parametrize("phi", [_steep, lambda t: 1e308 * t], ids=["slope", "richardson"])
def test_differences_that_overflow_where_f_is_finite_are_an_overflow(phi):
    """``f`` finite at every step tried, its differences (``_steep``) or their Richardson
    extrapolation (``1e308 t``: ``D = 1e308``, ``4 D`` is not) not: kind ``OVERFLOW``, no value
    (``nan``), no bound (``inf``), as :mod:`checks.second` says of its pairs -- not
    "unresolved" with a ``nan`` bound, and not the edge of ``f``'s domain."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lad = _run(phi, 0.0, 0.01)
    assert lad.kind[0] == OVERFLOW
    assert np.isnan(lad.value[0]) and np.isnan(lad.lower[0]) and np.isnan(lad.upper[0])
    assert lad.error[0] == np.inf
    assert lad.step[0] > 0.0


def test_an_overflow_at_the_longer_steps_alone_leaves_the_entry_smooth():
    """``1.7e308 tanh(t / 100)`` from a step of 1000: ``f(h) - f(-h)`` overflows on the first
    levels (``tanh(10)`` is 1); at the shorter steps the differences are finite and the entry
    settles on ``1.7e306``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lad = _run(lambda t: float(1.7e308 * np.tanh(t / 100.0)), 0.0, 1000.0)
    assert lad.kind[0] == SMOOTH
    assert abs(lad.value[0] - 1.7e306) <= lad.error[0] <= 1e-6 * 1.7e306


def test_f_not_finite_at_the_bottom_is_still_the_edge_of_its_domain():
    """Overflowing differences at the longer steps do not excuse an ``f`` that is not finite
    at every shorter one: that is still the edge of ``f``'s domain (an error), as without the
    overflow."""
    def phi(t):
        if t == 0.0 or abs(t) > 1e-6:
            return _steep(t)
        return float("nan")

    with pytest.raises(NonFiniteValueError, match="edge of f's domain"):
        _run(phi, 0.0, 0.01)


def test_the_report_line_of_an_overflow():
    lad = _lad([SMOOTH, OVERFLOW], value=np.array([0.0, np.nan]),
               error=np.array([0.5, np.inf]), step=np.array([0.25, 0.125]))
    (line,) = describe_findings(lad, (2,), unit=2.0)
    assert line == ("entry (1,): f's values are finite there, but its finite differences "
                    "overflow (they, or their Richardson extrapolation, exceed the largest "
                    "float) down to step 0.25; this entry is not judged")
    many = describe_findings(_lad([OVERFLOW] * 7, value=np.full(7, np.nan)), (7,))
    assert many[-1] == "... and 2 more such entries (overflow)"
