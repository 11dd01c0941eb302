"""The numerical Hessian (``checks.hessian_estimate``): its parts and messages, pinned.

Quadratics (whose second differences are exact), ``relu(x)^2 / 2`` (a kink of the gradient:
the interval ``[0, 1]``) and ``|x|`` (a jump) at 0, and a gradient field that is not a
gradient (``2 w + A w``, ``A`` antisymmetric): each rule of the module docstring against
values derived by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks._util import EPS, NonFiniteValueError
from checks.hessian_estimate import (
    HESSIAN_STEP_FACTOR,
    _all_pairs,
    _along_second,
    _curvature_probe,
    _polarised_pairs,
    _probe_gap,
    _worse,
    numerical_hessian,
)
from checks.ladder import JUMP, KINK, ONE_SIDED_LEFT, ONE_SIDED_RIGHT, SMOOTH, UNRESOLVED
from checks.noise import PROBE_SPACING, baseline
from checks.probe import probe_direction
from checks.second_findings import Second

B = np.array([[2.0, 1.0], [0.0, 3.0]])


def quad(w):
    return float(w @ B @ w)


def test_the_step_factor_is_4_eps_to_the_sixth():
    assert HESSIAN_STEP_FACTOR == 4.0 * EPS ** (1.0 / 6.0)


def test_all_pairs_are_the_upper_triangle_row_by_row():
    assert _all_pairs(1).tolist() == [[0, 0]]
    assert _all_pairs(3).tolist() == [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]


def test_worse_ranks_smooth_one_sided_kink_unresolved_jump():
    order = [SMOOTH, ONE_SIDED_RIGHT, KINK, UNRESOLVED, JUMP]
    for i, a in enumerate(order):
        for b in order[i:]:
            assert _worse(np.int8(a), np.int8(b)) == b and _worse(np.int8(b), np.int8(a)) == b
    # the two one-sided kinds rank alike: the first is kept
    assert _worse(np.int8(ONE_SIDED_LEFT), np.int8(ONE_SIDED_RIGHT)) == ONE_SIDED_LEFT
    assert _worse(np.int8(ONE_SIDED_RIGHT), np.int8(ONE_SIDED_LEFT)) == ONE_SIDED_RIGHT
    out = _worse(np.array([SMOOTH, JUMP], dtype=np.int8), np.array([KINK, SMOOTH], dtype=np.int8))
    assert out.tolist() == [KINK, JUMP] and out.dtype == np.int8


# ----------------------------------------------------------------------------- without grad


def test_a_quadratics_hessian_is_exact_symmetric_and_taken_at_the_default_steps():
    x = np.array([1.0, 2.0])
    est = numerical_hessian(quad, x)
    assert np.allclose(est.value, B + B.T, rtol=0, atol=1e-9)
    assert np.array_equal(est.value, est.value.T) and np.array_equal(est.error, est.error.T)
    assert np.array_equal(est.kind, np.zeros((2, 2))) and est.method == "richardson"
    # the top steps c max(|x_k|, rms(x)): rms = sqrt(2.5) for x_0, |x_1| = 2 for x_1; each
    # entry's step is its pair's first entry's top step halved some number of times
    top = HESSIAN_STEP_FACTOR * np.array([np.sqrt(2.5), 2.0])
    for k in range(2):
        for m in range(2):
            ratio = est.step[k, m] / top[min(k, m)]
            assert ratio == pytest.approx(2.0 ** np.round(np.log2(ratio)), rel=1e-6, abs=0)
    assert est.notes == ()


def test_a_vectorized_f_without_grad_gets_stacks_and_gives_the_unbatched_estimate():
    """``vectorized=True``: ``f`` maps a stack ``(B, *x.shape)`` to ``(B,)``, and the
    second differences' levels go to it as stacks; where the batched ``f`` computes each
    point as the unbatched one does, the estimate, its error bars and the evaluation count
    (points, not calls) are the unbatched ones (the docstring of ``numerical_hessian``).
    ``f = w^T A w / 2 + sum sin(w)``: ``H = A - diag(sin w)``."""
    a = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 4.0]])
    x = np.array([0.3, -0.8, 1.2])

    def f(w):
        return float(w @ a @ w / 2.0 + np.sum(np.sin(w)))

    shapes = []

    def batched(ws):
        ws = np.asarray(ws)
        shapes.append(ws.shape)
        assert ws.ndim == 2 and ws.shape[1:] == x.shape, ws.shape  # a stack, never a point
        return np.array([f(w) for w in ws])

    serial = numerical_hessian(f, x)
    est = numerical_hessian(batched, x, vectorized=True)
    np.testing.assert_array_equal(est.value, serial.value)
    np.testing.assert_array_equal(est.error, serial.error)
    assert est.evaluations == serial.evaluations == sum(s[0] for s in shapes)
    assert len(shapes) < est.evaluations / 4  # levels in few calls, not point by point
    exact = a - np.diag(np.sin(x))
    assert np.all(np.abs(est.value - exact) <= est.error)


def test_a_method_other_than_richardson_needs_grad():
    with pytest.raises(ValueError, match="^method='central' applies to the Jacobian of grad "
                                         "only: without grad the Hessian comes from "
                                         "Richardson second differences$"):
        numerical_hessian(quad, np.ones(2), method="central")
    est = numerical_hessian(quad, np.ones(2), method="richardson")
    assert np.allclose(est.value, B + B.T, atol=1e-9)


def test_a_converted_point_is_noted_first():
    est = numerical_hessian(quad, [1, 2])
    assert est.notes[0] == "x had dtype int64; it was differentiated in float64"
    assert np.allclose(est.value, B + B.T, atol=1e-9)


def test_a_user_step_is_the_step_of_every_entry():
    x = np.array([1.0, 2.0])
    est = numerical_hessian(quad, x, step=np.array([0.25, 0.125]))
    assert est.step.tolist() == [[0.25, 0.25], [0.25, 0.125]]
    assert np.allclose(est.value, B + B.T, atol=1e-9)
    with pytest.raises(ValueError):
        numerical_hessian(quad, np.array([1e20, 1.0]), step=1e-10)  # not applied to 1e20


def test_a_kink_of_the_gradient_is_an_interval_named_in_a_note():
    def f(w):
        return 0.5 * max(w[0], 0.0) ** 2 + w[1] ** 2

    est = numerical_hessian(f, np.array([0.0, 1.0]))
    assert est.kind[0, 0] == KINK and est.kind[1, 1] == SMOOTH
    assert est.lower[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert est.upper[0, 0] == pytest.approx(1.0, abs=1e-6)
    assert est.value[1, 1] == pytest.approx(2.0, abs=1e-8)
    (kink,) = [n for n in est.notes if "kink" in n]
    assert kink.startswith("Hessian entry (0,) (0,): the gradient of f has a kink there")


def test_a_jump_of_the_gradient_is_not_judged_and_named():
    est = numerical_hessian(lambda w: abs(float(w[0])) + float(w[1]) ** 2, np.array([0.0, 1.0]))
    assert est.kind[0, 0] == JUMP
    (jump,) = [n for n in est.notes if "grow like 1/h" in n]
    assert jump.startswith("Hessian entry (0,) (0,): the second differences grow like 1/h")


def test_a_pair_never_finite_names_its_entries():
    # finite at x and on the lines of the diagonal pairs only: the cross pair's corners are
    # never finite
    def f(w):
        return float(w @ w) if (w[0] == 0.5 or w[1] == -0.5) else float("nan")

    with pytest.raises(NonFiniteValueError, match=r"along the entries \(0,\) and \(1,\) for "
                                                  "any step"):
        numerical_hessian(f, np.array([0.5, -0.5]))


# ----------------------------------------------------------------------------- with grad


def test_with_grad_the_note_counts_both_functions_and_the_evaluations_add_up():
    calls = {"f": 0, "g": 0}

    def f(w):
        calls["f"] += 1
        return quad(w)

    def g(w):
        calls["g"] += 1
        return (B + B.T) @ w

    est = numerical_hessian(f, np.array([1.0, -1.0]), grad=g)
    assert np.allclose(est.value, B + B.T, atol=1e-9)
    assert np.array_equal(est.value, est.value.T)
    assert est.evaluations == calls["f"] + calls["g"]
    assert est.notes[-1] == (f"the Hessian is the Jacobian of grad ({calls['g']} evaluations of "
                             "grad), symmetrised; grad was checked against f along 2 random "
                             f"directions ({calls['f']} evaluations of f)")


def test_a_grad_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"^grad\(x\) must have the shape of x, \(2,\); got "
                                         r"\(3,\)$"):
        numerical_hessian(quad, np.ones(2), grad=lambda w: np.ones(3))


def test_a_grad_that_is_not_fs_gradient_is_refused():
    with pytest.raises(ValueError, match="^grad is not the gradient of f"):
        numerical_hessian(quad, np.ones(2), grad=lambda w: 3 * B @ w)


def test_a_field_that_is_no_gradient_is_refused_by_its_asymmetry():
    # 2 w + A w with A antisymmetric: right at 0 (where f's gradient is checked), but its
    # Jacobian [[2, 1], [-1, 2]] is not symmetric: no function has it as its gradient
    A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    with pytest.raises(ValueError) as info:
        numerical_hessian(lambda w: float(w @ w), np.zeros(2), grad=lambda w: 2 * w + A @ w)
    msg = str(info.value)
    assert msg.startswith("the Jacobian of grad is not symmetric: d grad_(0,) / dx_(1,) = 1 "
                          "but d grad_(1,) / dx_(0,) = -1 (error bars ")
    assert msg.endswith("): grad is not the gradient of any function near x")


def test_with_grad_each_entry_is_as_reliable_as_the_worse_of_its_two():
    def g(w):
        return np.array([max(w[0], 0.0) + w[1], w[0] + 2.0 * w[1]])

    est = numerical_hessian(lambda w: 0.5 * max(w[0], 0.0) ** 2 + w[0] * w[1] + w[1] ** 2,
                            np.array([0.0, 1.0]), grad=g)
    assert est.kind[0, 0] == KINK and est.kind[1, 1] == SMOOTH
    assert est.kind[0, 1] == est.kind[1, 0]


# ----------------------------------------------------------------------------- the probe


def test_the_curvature_probe_reads_p_h_p_in_six_evaluations():
    x = np.array([1.0, 2.0])
    base = baseline(quad, x, False)
    probe = _curvature_probe(quad, x, base)
    p = probe_direction(x.shape)
    assert probe["kind"] == SMOOTH and probe["evaluations"] == 6
    # at an O(1) point the probe is coarse (round-off 92 s / delta^2 at delta = 1e-6 rms(x),
    # about 1e-2 |f|), but its value is within its bar, and the bar near that size
    exact = float(p @ (B + B.T) @ p)
    assert abs(probe["value"] - exact) <= probe["error"]
    delta = PROBE_SPACING * np.sqrt(2.5)
    assert 0.1 < probe["error"] / (92.0 * EPS * abs(quad(x)) / delta**2) < 100.0


def second_of(lower, upper, error):
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    return Second(0.5 * (lower + upper), np.asarray(error, float), lower, upper,
                  np.ones(lower.size), np.zeros(lower.size, np.int8), 0)


def test_the_probe_gap_is_the_distance_to_the_weighted_interval():
    x = np.zeros(2)
    pairs = _all_pairs(2)
    p = probe_direction(x.shape).ravel()
    w = np.array([p[0] ** 2, 2.0 * p[0] * p[1], p[1] ** 2])  # cross pairs count twice
    res = second_of([1.0, -1.0, 2.0], [1.0, 1.0, 2.0], [0.125, 0.25, 0.5])
    low = float(np.sum(np.minimum(w * res.lower, w * res.upper)))
    high = float(np.sum(np.maximum(w * res.lower, w * res.upper)))
    assert low < high
    err_sum = 0.125 * w[0] + 0.25 * abs(w[1]) + 0.5 * w[2]
    roundoff = np.sqrt(3.0) * EPS * float(np.sum(np.maximum(np.abs(w * res.lower),
                                                            np.abs(w * res.upper))))
    for value, gap in ((high + 3.0, 3.0), (low - 2.0, 2.0), (0.5 * (low + high), 0.0)):
        got_gap, bound = _probe_gap(x, pairs, res, {"value": value, "error": 0.75})
        assert got_gap == pytest.approx(gap, rel=1e-12, abs=1e-15)
        assert bound == pytest.approx(0.75 + err_sum + roundoff, rel=1e-12, abs=0)
    # without error bars the bound is the round-off of the sum alone
    # (of size 1e3: the round-off grows with the entries)
    exact = second_of([1e3, -1e3, 2e3], [1e3, 1e3, 2e3], [0.0, 0.0, 0.0])
    _, bound = _probe_gap(x, pairs, exact, {"value": 1e3 * high, "error": 0.0})
    assert bound == pytest.approx(1e3 * roundoff, rel=1e-12, abs=0)


# ----------------------------------------------------------------------------- polarised pairs


def test_along_second_is_w_h_w_in_the_units_of_w():
    x = np.array([1.0, 2.0])
    base = baseline(quad, x, False)
    w = np.array([3.0, -1.0])
    out = _along_second(quad, x, w, base, None)
    assert out["kind"] == SMOOTH
    assert out["value"] == pytest.approx(float(w @ (B + B.T) @ w), rel=1e-9, abs=0)
    assert out["lower"] == out["upper"] == out["value"]
    out = _along_second(quad, x, w, base, 0.25)  # a user step, absolute along w
    assert out["value"] == pytest.approx(float(w @ (B + B.T) @ w), rel=1e-9, abs=0)


def test_polarised_pairs_give_u_h_v_with_half_the_summed_errors():
    x = np.array([1.0, 2.0])
    us = np.array([[1.0, 0.0], [0.5, -1.0]])
    vs = np.array([[0.0, 1.0], [2.0, 1.0]])
    est = _polarised_pairs(quad, x, us, vs, None)
    H = B + B.T
    assert est.value == pytest.approx([us[j] @ H @ vs[j] for j in range(2)], rel=1e-8, abs=0)
    assert est.kind.tolist() == [SMOOTH, SMOOTH] and est.notes == ()
    assert np.array_equal(est.lower, est.upper)
    assert est.lower == pytest.approx(est.value, rel=1e-12, abs=1e-12)


def test_a_polarised_pair_across_a_kink_is_the_interval_of_h_00():
    # u = v = e_0 at relu(x_0)^2 / 2: q(2 e_0) in [0, 4], q(0) = 0: M = 1/2, d = 4/8
    def f(w):
        return 0.5 * max(float(w[0]), 0.0) ** 2

    est = _polarised_pairs(f, np.zeros(1), np.ones((1, 1)), np.ones((1, 1)), None)
    assert est.kind[0] == KINK
    assert est.lower[0] == pytest.approx(0.0, abs=1e-6)
    assert est.upper[0] == pytest.approx(1.0, abs=1e-6)
    assert est.notes[-1].startswith("pair 0: the gradient of f has a kink along u + v or u - v;"
                                    " any value in [")
    assert est.notes[-1].endswith("] is accepted")


def test_a_polarised_pair_across_a_jump_is_not_judged():
    est = _polarised_pairs(lambda w: abs(float(w[0])), np.zeros(1), np.ones((1, 1)),
                           np.ones((1, 1)), None)
    assert est.kind[0] == JUMP
    assert est.notes[-1] == ("pair 0: the second differences along u + v or u - v did not "
                             "settle (or grow like 1/h: f has a kink there); this pair is not "
                             "judged")


# ----------------------------------------------------------------------------- user steps


def r2(d):
    """Richardson's R_2 of D(s), D(s/2), D(s/4) (module docstring)."""
    return (64.0 * d[2] - 20.0 * d[1] + d[0]) / 45.0


def fexp(w):
    return float(np.exp(w[0] + 0.5 * w[1]))


XE = np.array([0.1, 0.2])


def test_a_user_step_along_a_direction_is_absolute_in_units_of_the_direction():
    # w^T H w from D(s) = (f(x + s w) - 2 f(x) + f(x - s w)) / s^2 at s = 1/2, 1/4, 1/8
    w = np.array([3.0, -1.0])
    base = baseline(fexp, XE, False)
    out = _along_second(fexp, XE, w, base, 0.5)
    d = [(fexp(XE + s * w) - 2.0 * fexp(XE) + fexp(XE - s * w)) / s**2
         for s in (0.5, 0.25, 0.125)]
    assert out["value"] == pytest.approx(r2(d), rel=1e-9, abs=0)
    assert out["evaluations"] == 6
    # and not the exact value: the step was taken as given
    exact = fexp(XE) * (3.0 - 0.5) ** 2
    assert abs(out["value"] - exact) > 1e-6


def test_a_user_step_for_the_full_hessian_is_taken_per_entry_without_refinement():
    step = np.array([0.5, 0.25])
    g, calls = counted(fexp)
    est = numerical_hessian(g, XE, step=step)
    e = np.eye(2)
    for k in range(2):
        d = [(fexp(XE + s * e[k]) - 2.0 * fexp(XE) + fexp(XE - s * e[k])) / s**2
             for s in (step[k], step[k] / 2, step[k] / 4)]
        assert est.value[k, k] == pytest.approx(r2(d), rel=1e-9, abs=0)
    d = []
    for lev in range(3):
        a, b = step * 0.5**lev
        corners = [fexp(XE + [sa * a, sb * b]) for sa, sb in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
        d.append((corners[0] - corners[1] - corners[2] + corners[3]) / (4.0 * a * b))
    assert est.value[0, 1] == est.value[1, 0] == pytest.approx(r2(d), rel=1e-9, abs=0)
    # three levels: 2 points per diagonal pair, 4 for the cross pair, and the baseline's
    assert len(calls) == est.evaluations
    assert est.evaluations - 3 * (2 + 4 + 2) == baseline(fexp, XE, False).evaluations


def counted(f):
    calls = []

    def g(z):
        calls.append(1)
        return f(z)

    return g, calls


def test_polarised_pairs_take_a_user_step_along_both_lines():
    # u^T H v = (q(u + v) - q(u - v)) / 4, each q the R_2 of three levels at the step given
    u, v = np.array([1.0, 0.5]), np.array([-0.5, 2.0])

    def q(w, s):
        return r2([(fexp(XE + t * w) - 2.0 * fexp(XE) + fexp(XE - t * w)) / t**2
                   for t in (s, s / 2, s / 4)])

    est = _polarised_pairs(fexp, XE, u[None], v[None], 0.5)
    assert est.value[0] == pytest.approx((q(u + v, 0.5) - q(u - v, 0.5)) / 4.0, rel=1e-9, abs=0)
    exact = fexp(XE) * (u[0] + 0.5 * u[1]) * (v[0] + 0.5 * v[1])
    assert abs(est.value[0] - exact) > 1e-8  # the step, not the default (1e-10), was taken


def test_polarised_pairs_carry_the_ladders_int8_kinds():
    est = _polarised_pairs(quad, np.ones(2), np.eye(2), np.eye(2)[::-1], None)
    assert est.kind.dtype == np.int8 and est.kind.tolist() == [SMOOTH, SMOOTH]
    assert est.f0 == quad(np.ones(2))  # f at x, the scale a zero is confirmed against
