"""Hessians without ``grad=`` under the attacks of issue 17: each test holds a right Hessian
that must not fail and a wrong one that must fail.

* **Mixed scales** (mechanism 2): an ``O(1)`` entry beside entries of ``1e4`` starts with a
  step of about ``100``, where ``tanh`` has saturated and ``sin`` aliases; the second
  differences' regime is decided from each pair's own values, so that entry descends.
* **Kinks of the gradient** (mechanism 9): at ``relu(x)^2 / 2`` the second derivative jumps
  from 0 to 1; every value between the one-sided second derivatives is right (both usual
  conventions), one outside is wrong, and the report names the entry. Also an odd kink
  (``x |x| / 2``: ``[-1, 1]``) and a kink across two entries (``relu(x_0 + x_1)^2 / 2``).
* **No second derivative** (a kink of ``f`` itself): the entry is not judged -- the check is
  inconclusive, never a fail -- while a wrong smooth entry still fails.
* **Steps below ``f``'s length scale** (the precision gap of the log-sum-exp near 0): the
  estimate reaches ``1e-8`` of ``max|H|`` there as on any O(1) point.
* **Tiny points** (entries of ``1e-160``, whose steps' product underflows): inconclusive,
  never a false "edge of f's domain" and never a floating-point warning.
* **Differences that overflow** (``1.7e308 tanh(1e3 x_0) + x_1`` at ``x_0 = 0``: ``f`` is
  finite, its slope ``1.7e311`` is not): the entry is not judged and the check is
  inconclusive saying so -- never a pass, a fail or a false "edge of f's domain" -- while a
  real edge (``sqrt``, ``log`` at 0, ``inf`` beside ``x``) is still that error.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st

from checks import check_hessian, check_hvp, numerical_gradient, numerical_hessian
from checks._util import NonFiniteValueError
from checks.hessian_estimate import HESSIAN_STEP_FACTOR
from checks.ladder import JUMP, KINK, OVERFLOW, RELIABLE, SMOOTH, UNRESOLVED
from tests._functions import fewer

MODES = ["full", "directional"]


def relu(t):
    return np.maximum(t, 0.0)


# ------------------------------------------------------------------------------------ mixed scales


def tanh_sin(x):
    return float(np.sum(np.tanh(x) ** 2) + np.sum(np.sin(x)))


def tanh_sin_hess(x):
    t = np.tanh(x)
    s = 1.0 - t**2
    return np.diag(2 * s * s - 4 * t * t * s - np.sin(x))


def tanh_sin_without_sin(x):  # the sin term dropped: wrong by up to |sin x_k| on the diagonal
    t = np.tanh(x)
    s = 1.0 - t**2
    return np.diag(2 * s * s - 4 * t * t * s)


MIXED = [
    pytest.param(np.array([1e4, -2.3e4, 0.7, 1.5e4]), id="issue-17"),
    pytest.param(np.array([3e3, 0.2, -0.5]), id="one-big"),
    pytest.param(np.array([-7.5e4, 1.3, 2e4, -0.4, 5e2]), id="five"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("x", MIXED)
def test_an_o1_entry_beside_entries_of_1e4_is_judged_from_its_own_values(x, mode):
    right = check_hessian(tanh_sin, tanh_sin_hess, (x,), mode=mode)
    assert right.verdict == "pass", str(right)
    wrong = check_hessian(tanh_sin, tanh_sin_without_sin, (x,), mode=mode)
    assert wrong.verdict == "fail", str(wrong)


def test_the_issue_17_reproducer_agrees_with_and_without_grad():
    x = np.array([1e4, -2.3e4, 0.7, 1.5e4])

    def grad(z):
        t = np.tanh(z)
        return 2 * t * (1 - t**2) + np.cos(z)

    plain = numerical_hessian(tanh_sin, x)
    H = tanh_sin_hess(x)
    assert np.all(np.abs(plain.value - H) <= 10 * plain.error + 1e-8 * np.max(np.abs(H)))
    assert np.max(np.abs(plain.value - H)) <= 1e-6 * np.max(np.abs(H))
    assert check_hessian(tanh_sin, tanh_sin_hess, (x,), grad=grad).verdict == "pass"


def test_an_alias_too_clean_to_be_confirmed_is_caught_by_the_curvature_probe():
    # the first step of x_0 is 64 periods of sin and 0.01: every level down to h/64 sees
    # sin(x_0 + 0.01 t / h), a parabola whose first correction is 1e-6 of itself, so the
    # window is taken at once (D = -5e-10 for H_00 = -0.832); only the second derivative
    # along the noise probe's direction, at 1e-6 rms(x), disagrees, and the ladders run again
    # at steps 1024 times shorter
    X = (2 * np.pi * 64 + 0.01) / HESSIAN_STEP_FACTOR
    x = np.array([X, 0.5])
    est = numerical_hessian(tanh_sin, x)
    H = tanh_sin_hess(x)
    assert np.all(np.abs(est.value - H) <= 10 * est.error + 1e-8 * np.max(np.abs(H)))
    assert check_hessian(tanh_sin, tanh_sin_hess, (x,)).verdict == "pass"
    assert check_hessian(tanh_sin, tanh_sin_without_sin, (x,)).verdict == "fail"


mixed_vectors = st.lists(
    st.tuples(st.floats(-1.0, 5.0), st.floats(0.5, 1.0), st.booleans()),
    min_size=2, max_size=4,
).map(lambda t: np.array([(-1.0 if neg else 1.0) * m * 10.0**e for e, m, neg in t]))


@fewer(5)
@given(x=mixed_vectors)
# steps near multiples of 2 pi for four levels: the first windows see a parabola
@example(x=np.array([1.0, 1.0, 1e3, 1e4]))
# the same, and the noise probe's direction has p_0 = 0.005: it hardly sees entry (0, 0)
@example(x=np.array([3.32505245e4, 1.0, 6.26433537e4]))
def test_a_right_hessian_at_mixed_scales_never_fails(x):
    r = check_hessian(tanh_sin, tanh_sin_hess, (x,))
    note(str(r))
    assert r.verdict != "fail"


# --------------------------------------------------------------------------- kinks of the gradient


def relu_sq(x):
    """``relu(x_0)^2 / 2 + sin(x_1) x_0 + x_1^2``: at ``x_0 = 0`` the gradient has a kink."""
    return float(0.5 * relu(x[0]) ** 2 + np.sin(x[1]) * x[0] + x[1] ** 2)


def relu_sq_hess(h00):
    def hess(x):
        c = np.cos(x[1])
        return np.array([[h00, c], [c, 2.0 - np.sin(x[1]) * x[0]]])

    return hess


KINK_POINT = np.array([0.0, 0.4])


@pytest.mark.parametrize("h00", [0.0, 1.0, 0.5], ids=["relu''(0)=0", "relu''(0)=1", "midpoint"])
def test_at_a_kink_of_the_gradient_both_conventions_pass_and_the_entry_is_named(h00):
    r = check_hessian(relu_sq, relu_sq_hess(h00), (KINK_POINT,))
    assert r.verdict == "pass", str(r)
    text = str(r)
    assert "kink" in text and "(0,)" in text, text


@pytest.mark.parametrize("h00", [-0.5, 1.5, 3.0])
def test_at_a_kink_of_the_gradient_a_value_outside_the_one_sided_ones_fails(h00):
    r = check_hessian(relu_sq, relu_sq_hess(h00), (KINK_POINT,))
    assert r.verdict == "fail", str(r)
    assert r.worst_index == (0, 0)


def test_the_kink_estimate_is_the_interval_of_the_one_sided_second_derivatives():
    est = numerical_hessian(relu_sq, KINK_POINT)
    assert est.kind is not None and est.kind[0, 0] == KINK
    assert est.kind[1, 1] == SMOOTH and est.kind[0, 1] == SMOOTH
    assert est.lower[0, 0] == pytest.approx(0.0, abs=10 * est.error[0, 0] + 1e-9)
    assert est.upper[0, 0] == pytest.approx(1.0, abs=10 * est.error[0, 0] + 1e-9)
    assert est.error[0, 0] < 1e-3
    assert any("(0,)" in n and "kink" in n for n in est.notes), est.notes


def wrong_h11(by):
    def hess(x):
        H = relu_sq_hess(0.0)(x)
        H[1, 1] += by
        return H

    return hess


def test_a_kink_in_one_entry_leaves_the_other_entries_judged():
    assert check_hessian(relu_sq, wrong_h11(1e-3), (KINK_POINT,)).verdict == "fail"


def test_directional_pairs_across_a_kink_accept_both_conventions_and_catch_gross_errors():
    # along a pair (u, v) the kink leaves u^T H v anywhere in u_0 v_0 [0, 1] + the rest: an
    # error smaller than that width cannot show (the check says inconclusive), a larger one
    # fails
    for h00 in (0.0, 1.0):
        r = check_hessian(relu_sq, relu_sq_hess(h00), (KINK_POINT,), mode="directional")
        assert r.verdict != "fail", str(r)
        assert "kink" in str(r)
    for wrong in (relu_sq_hess(3.0), wrong_h11(50.0)):
        r = check_hessian(relu_sq, wrong, (KINK_POINT,), mode="directional")
        assert r.verdict == "fail", str(r)
    # just outside [0, 1]: the pair's interval is u_0 v_0 [0, 1] + the rest (the jump is
    # rank-one), not the (u_0^2 + v_0^2) / 2 that pairing the lines' sides blindly would give
    for h00 in (-0.05, 1.05):
        r = check_hessian(relu_sq, relu_sq_hess(h00), (KINK_POINT,), mode="directional")
        assert r.verdict == "fail", str(r)


def odd_kink(x):
    """``x_0 |x_0| / 2 + cos(x_1)``: at ``x_0 = 0`` the second derivative jumps from -1 to 1,
    and the central second differences are exactly 0 at every step."""
    return float(0.5 * x[0] * abs(x[0]) + np.cos(x[1]))


@pytest.mark.parametrize("h00", [-1.0, 0.0, 1.0])
def test_an_odd_kink_accepts_every_value_between_minus_1_and_1(h00):
    x = np.array([0.0, 1.1])

    def hess(z, value=h00):
        return np.diag([value, -np.cos(z[1])])

    assert check_hessian(odd_kink, hess, (x,)).verdict == "pass"
    assert check_hessian(odd_kink, lambda z: hess(z, 2.0), (x,)).verdict == "fail"


def cross_kink(x):
    """``relu(x_0 + x_1)^2 / 2 + x_0^2 - x_0 x_1``: on the line ``x_0 + x_1 = 0`` every entry
    of the Hessian jumps (by ``[[1, 1], [1, 1]]``)."""
    return float(0.5 * relu(x[0] + x[1]) ** 2 + x[0] ** 2 - x[0] * x[1])


def cross_kink_hess(lam):
    def hess(x):
        return np.array([[2.0, -1.0], [-1.0, 0.0]]) + lam * np.ones((2, 2))

    return hess


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_a_kink_across_two_entries_accepts_both_limiting_hessians(lam):
    x = np.array([0.3, -0.3])
    r = check_hessian(cross_kink, cross_kink_hess(lam), (x,))
    assert r.verdict == "pass", str(r)
    assert check_hessian(cross_kink, cross_kink_hess(2.5), (x,)).verdict == "fail"


def corner(x):
    """``relu(x_0) relu(x_1) + x_0^2 + x_1^2 + 0.3 x_0 x_2 + cos(x_2)``: at ``x_0 = x_1 = 0``
    two kinks of the gradient meet; ``H_01`` is 1 in the quadrant ``x_0, x_1 > 0`` and 0
    elsewhere, and no pair of lines through the point sees the quadrant's value as a side."""
    return float(relu(x[0]) * relu(x[1]) + x[0] ** 2 + x[1] ** 2 + 0.3 * x[2] * x[0]
                 + np.cos(x[2]))


def corner_hess(h01, h00=2.0):
    def hess(x):
        return np.array([[h00, h01, 0.3], [h01, 2.0, 0.0], [0.3, 0.0, -np.cos(x[2])]])

    return hess


@pytest.mark.parametrize("h01", [0.0, 1.0])
def test_where_two_kinks_meet_the_entry_between_them_is_not_judged(h01):
    x = np.array([0.0, 0.0, 0.5])
    r = check_hessian(corner, corner_hess(h01), (x,))
    assert r.verdict == "inconclusive", str(r)
    assert "several kinks of the gradient meet" in str(r)
    assert check_hessian(corner, corner_hess(h01, h00=2.5), (x,)).verdict == "fail"


def cross_kink_3(x):
    """``cross_kink`` beside a smooth third entry: the kink is still one surface."""
    return cross_kink(x[:2]) + float(np.cos(x[2]))


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_a_kink_across_two_of_three_entries_accepts_both_limiting_hessians(lam):
    # the cross pair's lines are held against its own diagonal pairs (0, 0) and (1, 1), not
    # against the pairs with the third entry
    def hess(x):
        H = np.zeros((3, 3))
        H[:2, :2] = cross_kink_hess(lam)(x[:2])
        H[2, 2] = -np.cos(x[2])
        return H

    x = np.array([0.3, -0.3, 0.5])
    r = check_hessian(cross_kink_3, hess, (x,))
    assert r.verdict == "pass", str(r)


def corner_and_kink(x):
    """``corner`` with ``relu(x_0)^2 / 2`` added: the diagonal pair (0, 0) is a kink too, and
    the cross pair (0, 1) still does not fit one kink surface."""
    return corner(x) + float(0.5 * relu(x[0]) ** 2)


def test_where_two_kinks_meet_beside_a_kinked_diagonal_the_entry_is_not_judged():
    x = np.array([0.0, 0.0, 0.5])
    r = check_hessian(corner_and_kink, corner_hess(0.5, h00=2.5), (x,))
    assert r.verdict == "inconclusive", str(r)
    assert any(n.startswith("Hessian entry (0,) (1,): several kinks of the gradient meet there")
               for n in r.notes), r.notes


# ---------------------------------------------------------------------------- no second derivative


def abs_kink(x):
    """``|x_0| + x_1^2 + x_0 x_1``: ``f`` itself has a kink at ``x_0 = 0``, so ``d2f/dx_0^2``
    does not exist there (the second differences grow like ``1/h``)."""
    return float(abs(x[0]) + x[1] ** 2 + x[0] * x[1])


@pytest.mark.parametrize("h00", [0.0, 1.0, 1e6])
def test_an_entry_without_a_second_derivative_cannot_fail_but_others_still_can(h00):
    x = np.array([0.0, 0.7])

    def hess(z, h11=2.0):
        return np.array([[h00, 1.0], [1.0, h11]])

    r = check_hessian(abs_kink, hess, (x,))
    assert r.verdict == "inconclusive", str(r)
    est = numerical_hessian(abs_kink, x)
    assert est.kind[0, 0] in (JUMP, UNRESOLVED)
    assert check_hessian(abs_kink, lambda z: hess(z, 2.5), (x,)).verdict == "fail"


def abs_kink_grad(x):
    return np.array([np.sign(x[0]) + x[1], 2 * x[1] + x[0]])


@pytest.mark.parametrize(("mode", "grad", "unit"),
                         [("full", None, "1 entry cannot be judged ((0, 0))"),
                          ("full", abs_kink_grad, "1 entry cannot be judged ((0, 0))"),
                          ("directional", None, "2 pairs cannot be judged ((0,), (1,))")],
                         ids=["full", "full-grad", "directional"])
def test_the_reason_of_a_jump_in_a_hessian_says_the_gradient_jumps(mode, grad, unit):
    """At ``x_0 = 0`` ``abs_kink`` has a kink: its gradient jumps, ``f`` does not. The
    reason said "f jumps (is discontinuous) there" while the notes and the "What to try"
    line said the gradient jumps; it says what they say."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_hessian(abs_kink, lambda z: np.array([[0.0, 1.0], [1.0, 2.0]]),
                          (np.array([0.0, 0.7]),), mode=mode, grad=grad)
    assert r.verdict == "inconclusive", str(r)
    assert r.reason == f"{unit}: the gradient jumps (f has a kink) there; see the notes"
    lines = str(r).splitlines()
    assert f"Reason: {r.reason}" in lines
    (what,) = (s for s in lines if s.startswith("What to try"))
    assert what.startswith("What to try: the gradient of f jumps at the "), what
    assert "discontinuous" not in r.reason and "f jumps (is discontinuous)" not in str(r)


def test_the_differences_of_a_hessian_leave_out_the_entry_without_a_second_derivative():
    """The jump entry's last estimate (about ``2 / h``, ``4.8e9``) made "Max absolute
    difference: 4.8e+09" and relative 1 -- figures of an entry that cannot be judged. They
    are over the three entries that can be, as is the worst entry."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_hessian(abs_kink, lambda z: np.array([[0.0, 1.0], [1.0, 2.0]]),
                          (np.array([0.0, 0.7]),), mode="full")
    assert r.verdict == "inconclusive", str(r)
    judged = np.isfinite(r.tolerance)
    assert judged.sum() == 3 and not judged[0, 0]
    assert r.max_abs_error == float(r.difference[judged].max())
    assert r.max_abs_error < 1e-6 and r.max_rel_error < 1e-6
    assert judged[r.worst_index]
    lines = str(r).splitlines()
    assert (f"Max absolute difference: {r.max_abs_error:.6g} (over the 3 of 4 entries that "
            "could be judged)") in lines, str(r)


def test_a_hessian_that_cannot_be_resolved_says_what_to_try_for_a_hessian():
    """Central differences of ``grad`` across its jump resolve nothing: the report's "What to
    try" line spoke of "the gradient" and of method='complex' for ``f``; it names the
    Hessian, and the complex step of ``grad``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_hessian(abs_kink, lambda z: np.array([[0.0, 1.0], [1.0, 2.0]]),
                          (np.array([0.0, 0.7]),), mode="full", grad=abs_kink_grad,
                          method="central")
    assert r.verdict == "inconclusive", str(r)
    assert r.reason == "the finite differences cannot resolve the derivatives here"
    (what,) = (s for s in str(r).splitlines() if s.startswith("What to try"))
    assert what == ("What to try: a point where the Hessian is larger than the noise of f; f "
                    "computed in float64 throughout; method='complex' with grad= for a "
                    "complex-safe grad; or a larger atol if an absolute error is what matters "
                    "here.")


def test_a_jump_entry_keeps_its_last_estimate_and_is_named_as_not_judged():
    # |x_0| at 0: D(h) grows like 1/h; the entry is a jump, its value the last estimate (finite),
    # its bound the spread of the last two
    est = numerical_hessian(abs_kink, np.array([0.0, 0.7]))
    assert est.kind[0, 0] == JUMP
    assert np.all(np.isfinite(est.value)) and np.all(np.isfinite(est.error))
    assert est.value[0, 0] > 1e6  # about 2 / h at the last step
    # ... and the step reported is that last triple's top step h: D(h), D(h/2), D(h/4) are
    # 2/h, 4/h, 8/h, and their Richardson value is of that order
    assert 2.0 <= est.value[0, 0] * est.step[0, 0] <= 32.0
    assert any(n.startswith("Hessian entry (0,) (0,): the second differences grow like 1/h")
               and n.endswith("(the gradient of f jumps: f has a kink there and no second "
                              "derivative); this entry is not judged") for n in est.notes), \
        est.notes


# -------------------------------------------------------------------------- steps and length scale


def lse(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def lse_hess(x):
    s = np.exp(x - lse(x))
    return np.diag(s) - np.outer(s, s)


@pytest.mark.parametrize("x", [
    pytest.param(np.array([0.0, 0.00390625]), id="hypothesis-found"),
    pytest.param(np.array([1e-6, -2e-6, 0.0]), id="1e-6"),
    pytest.param(np.array([0.0, 0.0]), id="zero"),
])
def test_a_point_much_smaller_than_fs_length_scale_is_estimated_within_1e_8(x):
    est = numerical_hessian(lse, x)
    H = lse_hess(x)
    scale = np.max(np.abs(H))
    err = np.abs(est.value - H)
    assert np.max(err) <= 1e-8 * scale, (np.max(err) / scale, est.step)
    assert np.all(err <= 10 * est.error)


@given(tail=st.lists(st.floats(20.0, 45.0), min_size=1, max_size=2))
@example(tail=[25.0]).via("issue 17: an exact Hessian FAILED, its (1, 1) entry 0 +- 2e-17")
@example(tail=[31.0]).via("issue 17")
@example(tail=[37.0]).via("issue 17: f(x) is exactly 0")
def test_the_tail_of_a_log_sum_exp_whose_largest_logit_is_0_never_fails_a_right_hessian(tail):
    """``f = log(1 + sum exp(-t))`` is computed from a sum of size 1: its values move in
    quanta of ``eps`` while ``|f|`` is ``1e-11`` or 0 -- a rounding that ``eps |f|`` misses
    by orders of magnitude. A right Hessian passes or is inconclusive; one without its outer
    product (wrong by about 1 at ``(0, 0)``) never passes (where ``(0, 0)`` does not settle it
    cannot fail: :func:`test_the_tail_of_a_log_sum_exp_still_catches_a_gross_error`)."""
    x = np.concatenate(([0.0], -np.asarray(tail)))
    right = check_hessian(lse, lse_hess, (x,))
    assert right.verdict != "fail", str(right)
    assert sum(n.startswith("f is noisy") for n in right.notes) <= 1, right.notes
    wrong = check_hessian(lse, lambda z: np.diag(np.exp(z - lse(z))), (x,))
    assert wrong.verdict != "pass", str(wrong)


@pytest.mark.parametrize("tail", [20.0, 25.0, 31.0, 37.0, 45.0])
def test_the_tail_of_a_log_sum_exp_still_catches_a_gross_error(tail):
    """The floor on the noise widens every bar by ``eps`` over ``h^2``, far below 1: a
    Hessian without its outer product, wrong by about 1 at ``(0, 0)``, fails."""
    x = np.array([0.0, -tail])
    wrong = check_hessian(lse, lambda z: np.diag(np.exp(z - lse(z))), (x,))
    assert wrong.verdict == "fail", str(wrong)


def sin32(x):
    return float(np.float32(np.sum(np.sin(x.astype(np.float32)))))


def test_a_float32_f_is_estimated_at_its_own_precision_with_an_honest_bar():
    # its rounding errors are up to 3.5 times its measured noise: the claims of the windows
    # climbed through must not exclude each other by chance (and widen the bar to 4e-2)
    x = np.array([0.3, 1.2])
    est = numerical_hessian(sin32, x)
    H = -np.diag(np.sin(x))
    err = np.abs(est.value - H)
    assert np.all(err <= 10 * est.error)
    assert np.max(est.error) < 1e-4  # float32: eps 1.2e-7, a second difference 1e-4 or so
    assert check_hessian(sin32, lambda z: -np.diag(np.sin(z)), (x,)).verdict == "pass"
    assert check_hessian(sin32, lambda z: -1.01 * np.diag(np.sin(z)), (x,)).verdict == "fail"


def test_a_subnormal_point_is_inconclusive_not_an_error():
    # steps floored at 16 ulps of 5e-324 (before: a step of 0, and "f is not finite")
    r = check_hessian(lambda z: float(np.sum(np.cos(z))), lambda z: -np.diag(np.cos(z)),
                      (np.array([5e-324]),))
    assert r.verdict == "inconclusive"


@pytest.mark.parametrize("scale", [1e-155, 1e-160, 1e-300])
def test_a_tiny_point_is_inconclusive_without_floating_point_warnings(scale):
    # steps of 1e-157 and below: 1 / (h_k h_l) overflows, and h_k h_l underflows to 0, where
    # the cross differences must still not be taken for a domain edge
    x = scale * np.array([1.0, -3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_hessian(lambda z: float(np.sum(np.cos(z))), lambda z: -np.diag(np.cos(z)),
                          (x,))
    assert r.verdict == "inconclusive", str(r)


def test_f_raising_outside_its_domain_is_a_domain_edge_for_the_hessian():
    import math

    def logs(z):
        return sum(math.log(t) for t in z)  # ValueError for t <= 0

    x = np.array([1e-3, 1.0, 2.0])
    assert check_hessian(logs, lambda z: np.diag(-1 / z**2), (x,)).verdict == "pass"
    assert check_hessian(logs, lambda z: np.diag(-1.00001 / z**2), (x,)).verdict == "fail"


def test_directional_pairs_along_which_f_has_a_kink_cannot_fail():
    x = np.array([0.0, 0.7])
    for h00 in (0.0, 1e6):
        def hess(z, h00=h00):
            return np.array([[h00, 1.0], [1.0, 2.0]])

        r = check_hessian(abs_kink, hess, (x,), mode="directional")
        assert r.verdict == "inconclusive", str(r)
        assert any(n.startswith("pair 0: the second differences along u + v or u - v did not "
                                "settle") and n.endswith("this pair is not judged")
                   for n in r.notes), r.notes


# ------------------------------------------------------------------ differences that overflow


def huge_tanh(v):
    """Finite everywhere (``|f| <= 1.7e308 + |v_1|``), but at ``v_0 = 0`` its slope along
    ``e_0`` is ``1.7e311``: every second difference along ``e_0`` overflows (``inf - inf``).
    Its Hessian there is exactly 0 (``tanh'' (0) = 0``)."""
    return 1.7e308 * np.tanh(1e3 * v[0]) + v[1]


HUGE_AT = np.array([0.0, 0.2])
# the right Hessian (0), wrong ones along the entry that overflows and along one beside it
HUGE_HESSIANS = {"right": [[0.0, 0.0], [0.0, 0.0]], "h00=1": [[1.0, 0.0], [0.0, 0.0]],
                 "h00=1e300": [[1e300, 0.0], [0.0, 0.0]], "h11=5": [[0.0, 0.0], [0.0, 5.0]]}


@pytest.mark.parametrize("step", [None, 1e-3], ids=["adaptive", "step=1e-3"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("hess", list(HUGE_HESSIANS.values()), ids=list(HUGE_HESSIANS))
def test_second_differences_that_overflow_are_inconclusive_not_a_domain_edge(hess, mode, step):
    """``f`` is finite around ``x``; what overflows are its second differences. The check
    raised "f is not finite around x ... the point is on the edge of f's domain there"; now
    the entry (the pairs along it) cannot be judged, the check is inconclusive for a right
    or a wrong Hessian alike, its reason names the overflow, and numpy warns nothing (at a
    step the user chose, "overflow encountered in multiply" escaped from the ladder)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_hessian(huge_tanh, lambda v: np.array(hess), (HUGE_AT,), mode=mode,
                          step=step)
    assert r.verdict == "inconclusive", str(r)
    assert "cannot be judged (" in r.reason and "overflow" in r.reason, r.reason
    assert "domain" not in str(r)
    if mode == "full":
        assert "cannot be judged ((0, 0)" in r.reason, r.reason
        assert any(n.startswith("Hessian entry (0,) (0,): ") and "overflow" in n
                   for n in r.notes), r.notes
    if mode == "full" and step is None:
        assert r.reason == ("3 entries cannot be judged ((0, 0), (0, 1), (1, 0)): the finite "
                            "differences overflow at (0, 0) (f is finite near x, its "
                            "differences are not) and did not settle at the others; see the "
                            "notes")


_UNJUDGED_TRY_OVERFLOW = (
    "What to try: the differences of f overflow at the {unit} named in the reason: rescale f "
    "(divide f, and the derivative checked, by a constant such as 1e10) or check at a point "
    "where the differences stay finite")


@pytest.mark.parametrize(("mode", "step", "unit"),
                         [("full", None, "entries"), ("full", 1e-3, "entries"),
                          ("directional", None, "pairs")],
                         ids=["full", "full-step=1e-3", "directional"])
def test_the_report_of_second_differences_that_overflow_says_so(mode, step, unit):
    """The report of the check above: it said "Sensitivity: none (the numerical side is zero
    ...)", the generic "What to try: a point where the gradient is larger than the noise of
    f ..." and, for the ``nan`` estimate, "one-sided derivatives nan and nan (not
    differentiable)". It says what the gradient report says of entries that cannot be
    judged, what to try for an overflow (and, beside it, for entries that did not settle),
    and -- as the worst entry is one that was judged -- over how many entries the largest
    differences are taken (the worst line showed the entry with no estimate)."""
    one = unit[:-1] if unit == "pairs" else "entry"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_hessian(huge_tanh, lambda v: np.zeros((2, 2)), (HUGE_AT,), mode=mode,
                          step=step)
    text = str(r)
    lines = text.splitlines()
    assert (f"Sensitivity: none promised: some {unit} cannot be judged (their estimates are "
            "not bounds; see the notes)") in lines, text
    i = lines.index(f"Inconclusive: some {unit} cannot be judged (see the notes); no other "
                    f"{one} differs from its estimate by more than its tolerance")
    assert lines[i + 1] == _UNJUDGED_TRY_OVERFLOW.format(unit=unit)
    unsettled = "did not settle" in r.reason
    assert unsettled == (mode == "full" and step is None), r.reason
    if unsettled:
        assert lines[i + 2].startswith("What to try: f varies on a scale below the steps tried")
    judged = int(np.isfinite(r.tolerance).sum())
    worst = [s for s in lines if s.startswith("Worst")]
    if judged:
        assert (f"Max absolute difference: 0 (over the {judged} of {r.tolerance.size} {unit} "
                "that could be judged)") in lines, text
        assert len(worst) == 1 and np.isfinite(r.tolerance[r.worst_index]), text
        assert "numerical not available" not in worst[0]
    else:
        assert f"Max absolute difference: not available (no {one} could be judged)" in lines
        assert not worst and r.worst_index is None
    assert (mode, judged) in (("full", 1), ("full", 3), ("directional", 0)), (mode, judged)
    for wrong in ("the numerical side is zero", "larger than the noise of f", "one-sided"):
        assert wrong not in text, wrong


@pytest.mark.parametrize("step", [None, 1e-3], ids=["adaptive", "step=1e-3"])
def test_beside_second_differences_that_overflow_no_sensitivity_is_promised_nor_a_nan(step):
    """At ``step=1e-3`` the noise note said "the smallest detectable relative error here is
    nan": ``detectable`` was ``nan``. It is ``inf`` (no promise), and a noise note says, as
    the Sensitivity line does, that none can be promised."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_hessian(huge_tanh, lambda v: np.zeros((2, 2)), (HUGE_AT,), mode="full",
                          step=step)
    assert r.detectable == float("inf")
    assert "nan" not in " ".join(r.notes), r.notes
    noisy = [n for n in r.notes if n.startswith("f is noisy")]
    assert len(noisy) == (step is not None), r.notes
    for n in noisy:
        assert n.endswith("; no sensitivity can be promised here (some entries cannot be "
                          "judged)"), n


def test_an_overflowing_pair_is_a_nan_estimate_of_its_own_kind_as_the_gradient_is_nan():
    """``numerical_hessian`` as ``numerical_gradient`` on the same ``f``: the entry whose
    differences overflow is ``nan`` (no estimate), of a kind that is not a bound
    (``OVERFLOW``), with a note that says so; the others keep their estimates."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = numerical_hessian(huge_tanh, HUGE_AT)
    with np.errstate(over="ignore", invalid="ignore"):
        grad = numerical_gradient(huge_tanh, HUGE_AT)
    # the first-order behaviour
    assert np.isnan(grad[0]) and grad[1] == pytest.approx(1.0, rel=1e-9, abs=0.0)
    assert np.isnan(est.value[0, 0]) and est.error[0, 0] == np.inf
    assert est.kind[0, 0] == OVERFLOW and OVERFLOW not in RELIABLE
    assert np.all(np.isfinite(est.value.ravel()[1:]))
    (note,) = (n for n in est.notes if n.startswith("Hessian entry (0,) (0,): "))
    assert "second differences overflow" in note and "f's values are finite" in note, note
    assert note.endswith("this entry is not judged")


def test_a_large_f_whose_differences_do_not_overflow_is_still_checked():
    """``1e300 tanh(x_0) + x_1`` at ``x_0 = 0.3``: values of ``3e299``, second differences of
    about ``1e302``, finite. A right Hessian passes, one 1 % off fails, in both modes."""
    def f(v):
        return 1e300 * np.tanh(v[0]) + v[1]

    def hess(c):
        def h(v):
            t = np.tanh(v[0])
            return np.array([[c * 1e300 * -2.0 * t * (1.0 - t * t), 0.0], [0.0, 0.0]])
        return h

    x = np.array([0.3, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mode in MODES:
            assert check_hessian(f, hess(1.0), (x,), mode=mode).verdict == "pass", mode
            assert check_hessian(f, hess(1.01), (x,), mode=mode).verdict == "fail", mode


EDGES = {
    "sqrt at 0": (lambda v: float(np.sqrt(v[0]) + v[1] ** 2), [0.0, 1.0]),
    "log at 5e-324": (lambda v: math.log(v[0]) + v[1] ** 2, [5e-324, 1.0]),  # ValueError: nan
    "inf beside x": (lambda v: v[1] ** 2 + (0.0 if v[0] == 0.0 else np.inf), [0.0, 1.0]),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(EDGES.values()), ids=list(EDGES))
def test_a_real_domain_edge_is_still_a_clear_error(case, mode):
    """``f`` itself not finite at every step tried along ``e_0`` (``nan`` or ``inf``): the
    point is on the edge of ``f``'s domain, as before -- an overflow of the differences is
    only where ``f``'s values are finite."""
    f, x = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sqrt of a negative, in f itself
        with pytest.raises(NonFiniteValueError, match="edge of f's domain"):
            check_hessian(f, lambda v: np.diag([0.0, 2.0]), (np.array(x),), mode=mode)


# -------------------------------------------------------------------------------- kinds with grad=


def test_the_estimate_from_grad_carries_the_kinds_of_its_entries():
    def grad(x):
        return np.array([relu(x[0]) + np.sin(x[1]), np.cos(x[1]) * x[0] + 2 * x[1]])

    est = numerical_hessian(relu_sq, KINK_POINT, grad=grad)
    assert est.kind is not None and est.kind.shape == (2, 2)
    assert est.kind[0, 0] == KINK and est.kind[1, 1] == SMOOTH
    for h00 in (0.0, 1.0):
        assert check_hessian(relu_sq, relu_sq_hess(h00), (KINK_POINT,),
                             grad=grad).verdict == "pass"
    assert check_hessian(relu_sq, relu_sq_hess(2.0), (KINK_POINT,), grad=grad).verdict == "fail"


# -------------------------------------------------------------------------------------------- HVPs


def test_hvp_at_a_kink_of_the_gradient_accepts_both_conventions():
    def hvp(h00):
        return lambda v, x: relu_sq_hess(h00)(x) @ v

    for h00 in (0.0, 1.0):
        assert check_hvp(relu_sq, hvp(h00), (KINK_POINT,), mode="full").verdict == "pass"
    assert check_hvp(relu_sq, hvp(2.0), (KINK_POINT,), mode="full").verdict == "fail"
