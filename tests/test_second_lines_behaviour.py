"""One level of the second-difference ladder and its lines (``checks.second_lines``), pinned.

Polynomials make every quantity a closed form: the central second difference of a quadratic
is its second derivative, ``2 phi[0, a, b]`` of a cubic ``t^3`` is ``2 (a + b)``, of ``t^4``
``2 (a^2 + a b + b^2)``; a kink ``relu(t)^2 / 2`` has ``F = 1``, ``B = 0``. Noise weights are
the module docstring's: ``16 / t^2`` for ``F``, ``24 / t^2`` for ``J``, 92 for the central
round-off.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks.second_lines import (
    ROUNDOFF_CROSS,
    ROUNDOFF_DIAG,
    _interval,
    _level,
    _lines,
    _one_sided,
    _richardson,
)


def test_roundoff_constants_are_the_documented_sums_of_weights():
    # off the diagonal (1 + 20*4 + 64*16) / 45 = 24.6, rounded up to 25; on it
    # 2 (1 + 80 + 1024) / 45 + 2 |1 - 80 + 1024| / 45 = 49.1 + 42.0, rounded up to 92
    assert ROUNDOFF_CROSS == 25.0 and ROUNDOFF_CROSS >= (1 + 80 + 1024) / 45
    assert ROUNDOFF_DIAG == 92.0
    assert ROUNDOFF_DIAG >= 2 * (1 + 80 + 1024) / 45 + 2 * abs(1 - 80 + 1024) / 45


# ----------------------------------------------------------------------------- _richardson


def test_richardson_removes_h2_and_h4_exactly():
    # D(h) = 3 + 64 h^4 at h = 1, 1/2, 1/4: R_1(h) = 3 - 64 h^4 / 4, R_1(h/2) = 3 - 1,
    # R_2 = 3, T = |R_1(h/2) - R_1(h)| / 16 = 15 / 16
    r1a, r1b, r2, trunc = _richardson(3.0 + 64.0, 3.0 + 4.0, 3.0 + 0.25)
    assert (r1a, r1b, r2, trunc) == (3.0 - 16.0, 3.0 - 1.0, 3.0, 15.0 / 16.0)
    # D(h) = 3 + 5 h^2 - 64 h^4: the h^2 term is gone after one step
    r1a, r1b, r2, trunc = _richardson(3.0 + 5.0 - 64.0, 3.0 + 1.25 - 4.0, 3.0 + 0.3125 - 0.25)
    assert (r1a, r1b, r2, trunc) == (3.0 + 16.0, 3.0 + 1.0, 3.0, 15.0 / 16.0)


def test_richardson_leaves_a_sixth_order_term_of_one_sixty_fourth():
    # D(h) = 64 h^6: R_1(h) = -(5/16) 64 h^6 = -20, R_1(h/2) = -20/64, R_2 = 64/64 = 1
    r1a, r1b, r2, trunc = _richardson(64.0, 1.0, 1.0 / 64.0)
    assert (r1a, r1b, r2) == (-20.0, -0.3125, 1.0)
    assert trunc == abs(-0.3125 + 20.0) / 16.0


# ----------------------------------------------------------------------------- _one_sided


def test_one_sided_divided_difference_of_polynomials():
    for a, b in ((0.5, 1.0), (0.25, 1.0), (1.0, 3.0)):
        quad = lambda t: 7.0 - 2.0 * t + 1.5 * t**2  # noqa: E731  (phi'' = 3)
        value, w0, others = _one_sided(quad(a), quad(b), a, b, quad(0.0))
        assert value == pytest.approx(3.0, rel=1e-14, abs=0)
        assert w0 == 2.0 / (a * b)
        assert others == pytest.approx(2.0 / (a * (b - a)) + 2.0 / (b * (b - a)), rel=1e-15, abs=0)
        cubic = lambda t: t**3  # noqa: E731
        assert _one_sided(cubic(a), cubic(b), a, b, 0.0)[0] == pytest.approx(2.0 * (a + b),
                                                                             rel=1e-6, abs=0)
    # the weights of F(t) = 2 phi[0, t/2, t] sum to 16 / t^2: 4 on f(x), 12 on the others
    assert _one_sided(0.0, 0.0, 0.5, 1.0, 0.0) == (0.0, 4.0, 12.0)


# ----------------------------------------------------------------------------- _level

COEF = np.array([[2.0, 3.0], [3.0, 4.0]])  # f = x_0^2 + 3 x_0 x_1 + 2 x_1^2


def poly(z):
    return float(z[0] ** 2 + 3.0 * z[0] * z[1] + 2.0 * z[1] ** 2)


def test_level_of_a_quadratic_is_its_hessian_with_every_point_recorded():
    x = np.array([1.0, 2.0])
    h = np.array([0.5, 0.25])
    pairs = np.array([[0, 0], [0, 1], [1, 1]])
    d, coef, top, lines, evals = _level(poly, x, pairs, h, 1, poly(x))
    assert d.tolist() == [2.0, 3.0, 4.0]
    assert evals == 2 + 4 + 2
    # 4 / h^2 on the diagonal (steps 1/4 and 1/8), 4 / ((2 h_k)(2 h_l)) = 1 / (h_k h_l) off
    assert coef.tolist() == [4.0 / 0.25**2, 1.0 / (0.25 * 0.125), 4.0 / 0.125**2]
    f = lambda a, b: poly(np.array([a, b]))  # noqa: E731
    # the diagonal: P at +h, M at -h, nodes h; its second line is nan
    assert lines["P"][0, 0] == f(1.25, 2.0) and lines["M"][0, 0] == f(0.75, 2.0)
    assert lines["tp"][0, 0] == lines["tm"][0, 0] == 0.25
    assert lines["P"][2, 0] == f(1.0, 2.125) and lines["M"][2, 0] == f(1.0, 1.875)
    assert lines["tp"][2, 0] == 0.125
    assert all(np.isnan(lines[k][p, 1]) for k in lines for p in (0, 2))
    # the cross pair: w_+ through (+, +) and (-, -), w_- through (+, -) and (-, +), nominal t
    assert lines["P"][1].tolist() == [f(1.25, 2.125), f(1.25, 1.875)]
    assert lines["M"][1].tolist() == [f(0.75, 1.875), f(0.75, 2.125)]
    assert lines["tp"][1].tolist() == lines["tm"][1].tolist() == [0.5, 0.5]
    # the largest |f| among f(x) and the pair's points
    assert top.tolist() == [f(1.25, 2.0), f(1.25, 2.125), max(f(1.0, 2.125), poly(x))]


def test_level_top_includes_f_at_x_and_negative_values():
    x = np.array([0.0])
    d, _, top, _, _ = _level(lambda z: -float(z[0] ** 2), x, np.array([[0, 0]]),
                             np.array([1.0]), 0, -10.0)
    assert top[0] == 10.0  # |f(x)| = 10 beats |f(+-1)| = 1
    d, _, top, _, _ = _level(lambda z: -float(z[0] ** 2) - 20.0, x, np.array([[0, 0]]),
                             np.array([1.0]), 0, -20.0)
    assert top[0] == 21.0 and d[0] == -2.0


def test_level_divides_by_the_steps_actually_applied():
    # x_0 = 1e8 + 0.1: x_0 +- 1e-3 round to steps off by about 1e-8 (1e-5 relative); the
    # quadratic 0.5 (z - 1e8)^2 has second derivative 1, exact only with the applied steps
    c = 1e8
    x = np.array([c + 0.1])
    f = lambda z: 0.5 * float(z[0] - c) ** 2  # noqa: E731
    d, coef, _, lines, _ = _level(f, x, np.array([[0, 0]]), np.array([1e-3]), 0, f(x))
    assert lines["tp"][0, 0] != 1e-3  # the rounding is real
    assert abs(d[0] - 1.0) < 1e-8
    spa, sma = lines["tp"][0, 0], lines["tm"][0, 0]
    assert coef[0] == 2.0 * (2.0 / spa + 2.0 / sma) / (spa + sma)


def test_level_steps_halve_per_level():
    x = np.array([0.0])
    for level in (0, 1, 3):
        _, coef, _, lines, _ = _level(lambda z: float(z[0] ** 2), x, np.array([[0, 0]]),
                                      np.array([1.0]), level, 0.0)
        assert lines["tp"][0, 0] == 0.5**level
        assert coef[0] == 4.0 / 0.25**level


def test_level_cross_difference_survives_steps_whose_product_underflows():
    # steps 1e-170: (2h)^2 underflows to 0, the quotients taken one at a time do not
    f = lambda z: 1e300 * float(z[0]) * float(z[1])  # noqa: E731
    h = np.array([1e-170, 1e-170])
    d, _, _, _, _ = _level(f, np.zeros(2), np.array([[0, 1]]), h, 0, 0.0)
    assert d[0] == pytest.approx(1e300, rel=1e-12, abs=0)


def test_level_keeps_non_finite_values_as_nan_without_raising():
    f = lambda z: float(np.log(z[0]))  # noqa: E731  (nan left of 0)
    d, _, _, lines, evals = _level(f, np.array([0.5]), np.array([[0, 0]]), np.array([1.0]),
                                   0, f(np.array([0.5])))
    assert evals == 2 and not np.isfinite(d[0]) and not np.isfinite(lines["M"][0, 0])


# ----------------------------------------------------------------------------- _lines

T = np.array([1.0, 0.5, 0.25, 0.125])


def line_window(phi, s=0.0, k=1):
    """Both lines of ``k`` pairs following ``phi``; ``P`` at ``+t``, ``M`` at ``-t``."""
    P = np.broadcast_to(np.array([phi(t) for t in T])[:, None, None], (4, k, 2))
    M = np.broadcast_to(np.array([phi(-t) for t in T])[:, None, None], (4, k, 2))
    tt = np.broadcast_to(T[:, None, None], (4, k, 2))
    return _lines({"P": P, "M": M, "tp": tt, "tm": tt}, phi(0.0), np.full((k, 1), s))


def test_a_cubic_line_is_curved_not_kinked_and_its_sides_are_exact():
    # phi = t^2 + t^3: F(t) = 2 + 3 t, B(t) = 2 - 3 t, J(t) = 6 t halves per level;
    # K = 2 J(t/2) - J(t) = 0
    s = 1e-6
    out = line_window(lambda t: t**2 + t**3, s)
    assert out["curved"].all() and not out["kink"].any()
    assert np.all(out["k"] == 0.0)
    assert np.all(out["R"] == 2.0) and np.all(out["L"] == 2.0)
    assert out["central"] == pytest.approx(np.full((1, 2), 2.0), rel=1e-13, abs=0)
    # the largest one-sided value at the window's two finer levels: F(1/2) = 3.5
    assert np.all(out["variation"] == 3.5)
    # N_K = 2 N_J(1/4) + N_J(1/2) with N_J = 24 s / t^2
    assert out["n_k"] == pytest.approx(np.full((1, 2), (2 * 384 + 96) * s), rel=1e-14, abs=0)
    # the central estimate's bound: its truncation (0) and 92 s / t^2 at the top, t = 1/2
    assert out["central_err"] == pytest.approx(np.full((1, 2), 92.0 * s / 0.25), rel=1e-6, abs=0)
    # the sides' bounds: round-off 576 s + (576 s + 144 s) / 3 (their values agree)
    assert out["Rerr"] == pytest.approx(np.full((1, 2), 816.0 * s), rel=1e-6, abs=0)


def test_a_quartic_lines_side_bound_adds_a_third_of_the_richardson_change():
    # phi = t^4: F(t) = 2 (t^2/4 + t^2/2 + t^2) = 3.5 t^2; R_1 at the two levels
    # 2 F(1/4) - F(1/2) = -0.4375 and 2 F(1/2) - F(1) = -1.75: bound 1.3125 / 3 + round-off
    out = line_window(lambda t: t**4, 0.0)
    assert out["R"] == pytest.approx(np.full((1, 2), -0.4375), rel=1e-14, abs=0)
    assert out["L"] == pytest.approx(np.full((1, 2), -0.4375), rel=1e-14, abs=0)
    assert out["Rerr"] == pytest.approx(np.full((1, 2), 1.3125 / 3.0), rel=1e-14, abs=0)
    assert out["Lerr"] == pytest.approx(np.full((1, 2), 1.3125 / 3.0), rel=1e-14, abs=0)
    assert out["curved"].all() and not out["kink"].any()
    # the central differences 2 t^2 (t = 1/2, 1/4, 1/8) are a h^2 exactly: R_2 = 0, T = 0
    assert np.all(np.abs(out["central"]) <= 1e-15)
    assert np.all(out["central_err"] <= 1e-15)


def test_each_line_of_each_pair_has_its_own_variation():
    """``variation`` is per pair and per line: the largest ``|F|``, ``|B|`` of that line at
    the window's two finer levels (``F(1/2) = 3.5`` for ``t^2 + t^3``), whatever the other
    pairs show. Pair 1 is ``10^6`` times pair 0 on its first line, and its second line is
    ``nan`` like a diagonal's (``_level``): pair 0 keeps 3.5, pair 1's first line
    ``3.5e6``. Kills ``checks.second_lines.x__lines__mutmut_190`` (one maximum for all)."""
    phi = lambda t: t**2 + t**3  # noqa: E731
    P = np.empty((4, 2, 2))
    M = np.empty((4, 2, 2))
    P[:, 0, :] = np.array([phi(t) for t in T])[:, None]
    M[:, 0, :] = np.array([phi(-t) for t in T])[:, None]
    P[:, 1, 0], M[:, 1, 0] = 1e6 * P[:, 0, 0], 1e6 * M[:, 0, 0]
    P[:, 1, 1] = M[:, 1, 1] = np.nan
    tt = np.broadcast_to(T[:, None, None], (4, 2, 2))
    out = _lines({"P": P, "M": M, "tp": tt, "tm": tt}, 0.0, np.full((2, 1), 1e-12))
    assert out["variation"].shape == (2, 2)
    assert out["variation"][0].tolist() == [3.5, 3.5]
    assert out["variation"][1, 0] == pytest.approx(3.5e6, rel=1e-12, abs=0)


def test_a_kink_of_the_gradient_is_seen_on_its_line_with_its_sides():
    # relu(t)^2 / 2 + t: F = 1, B = 0, J = 1 at every level (not shrinking), K = K' = 1
    out = line_window(lambda t: 0.5 * max(t, 0.0) ** 2 + t, 1e-12)
    assert not out["curved"].any() and out["kink"].all()
    assert np.all(out["k"] == 1.0)
    assert np.all(out["R"] == 1.0) and np.all(out["L"] == 0.0)
    # mirrored: the jump is the same size, the sides swap
    out = line_window(lambda t: 0.5 * max(-t, 0.0) ** 2, 1e-12)
    assert out["kink"].all() and np.all(out["R"] == 0.0) and np.all(out["L"] == 1.0)


def test_a_jump_lost_in_noise_is_no_kink():
    # the same kink at s = 1e-3: N_K = 864 s = 0.864, 3 (0 + N_K) > |K| = 1
    out = line_window(lambda t: 0.5 * max(t, 0.0) ** 2, 1e-3)
    assert not out["kink"].any()
    # and J within 3 noise bounds of 0.6 J counts as shrinking: 1 <= 0.6 + 3 * 24 s / t^2
    assert out["curved"].all()


def test_a_growing_odd_part_is_not_curved():
    # phi = |t|^1.5: J grows as t shrinks (a feature narrower than the step)
    out = line_window(lambda t: abs(t) ** 1.5 * np.sign(t), 0.0)
    assert not out["curved"].any()


# ----------------------------------------------------------------------------- _interval


def st_(L, R, Lerr, Rerr, central, central_err):
    return {k: np.array([v], float) for k, v in
            dict(L=L, R=R, Lerr=Lerr, Rerr=Rerr, central=central,
                 central_err=central_err).items()}


def test_interval_of_a_kinked_diagonal_is_its_sides():
    st = st_([0.0, 50.0], [1.0, -50.0], [0.125, 9.0], [0.25, 9.0], [7.0, 7.0], [1.0, 1.0])
    lo, hi, err, jumps, j_err = _interval(st, np.array([[True, True]]), np.array([[1.0, 0.0]]))
    # the unused second line (w = 0) counts nowhere
    assert (lo[0], hi[0]) == (0.0, 1.0)
    assert err[0] == 2.0 * 0.5 * (0.125 + 0.25)
    assert (jumps[0], j_err[0]) == (1.0, 0.375)


def test_interval_of_a_cross_pair_with_one_kinked_line():
    # w = (1/4, -1/4); line 0 kinked (L 0, R 2: mid 1, |J| 2), line 1 smooth (central 3):
    # M = (1 - 3) / 4 = -1/2, d = |2 / 4| / 2 = 1/4; err 2 (1/4 (0.25 + 0.75) / 2 + 1/4 0.5)
    st = st_([0.0, 4.5], [2.0, 5.0], [0.25, 0.0625], [0.75, 0.0625], [100.0, 3.0],
             [100.0, 0.5])
    lo, hi, err, jumps, j_err = _interval(st, np.array([[True, False]]),
                                          np.array([[0.25, -0.25]]))
    assert (lo[0], hi[0]) == (-0.75, -0.25)
    assert err[0] == 2.0 * (0.25 * 0.5 + 0.25 * 0.5)
    # the consistency sums take every used line's |R - L|, kinked or not
    assert (jumps[0], j_err[0]) == (2.0 + 0.5, 1.0 + 0.125)


def test_interval_half_width_is_the_difference_of_the_lines_jumps():
    # both lines jump by 2 (one up, one down): ||J_+| - |J_-|| = 0, the pair does not jump
    st = st_([0.0, 2.0], [2.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0])
    lo, hi, _, jumps, _ = _interval(st, np.array([[True, True]]), np.array([[0.5, -0.5]]))
    assert lo[0] == hi[0] == 0.0 and jumps[0] == 4.0
    # jumps of 2 and 6: half-width |0.5 * 2 - 0.5 * 6| / 2 = 1 around (0.5 (1) - 0.5 (3)) = -1
    st = st_([0.0, 0.0], [2.0, 6.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0])
    lo, hi, _, _, _ = _interval(st, np.array([[True, True]]), np.array([[0.5, -0.5]]))
    assert (lo[0], hi[0]) == (-2.0, 0.0)
