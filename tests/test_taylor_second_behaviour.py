"""The second-order Taylor test (``checks.taylor_second``): fit, verdicts, messages, pinned.

:func:`_fit` on synthetic remainders ``c h^p`` (the order is ``p``, the sensitivity the module
docstring's ``min(6 |c| h_1, 200 |c|^(2/3) F^(1/3))`` or ``min_h 200 F / h^2``);
:func:`taylor_test_hessian` on functions whose Hessians are known, with a wrong Hessian and a
wrong gradient that must fail with the message for each; :func:`_curvature` on both analytic
forms; the report's lines.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks._util import NonFiniteValueError
from checks.taylor import _STEPS
from checks.taylor_second import HessianTaylorResult, _curvature, _fit, taylor_test_hessian

N = _STEPS.size
INSIDE = np.ones(N, dtype=bool)
TINY_FLOOR = np.full(N, 1e-300)


# ----------------------------------------------------------------------------- _fit


def test_a_cubic_remainder_passes_with_order_three():
    res = _fit(5.0 * _STEPS**3, TINY_FLOOR, INSIDE)
    assert res["verdict"] == "pass" and res["reason"] is None
    assert res["order"] == pytest.approx(3.0, abs=1e-9) and res["usable"].all()


@pytest.mark.parametrize("p", [2.0, 2.4, 1.6])
def test_an_order_at_most_2_5_is_a_wrong_hessian(p):
    res = _fit(5.0 * _STEPS**p, TINY_FLOOR, INSIDE)
    assert res["verdict"] == "fail"
    assert res["reason"] == (f"the remainder shrinks like h^{p:.2g}, not h^3: the Hessian is "
                             "wrong along this direction")


@pytest.mark.parametrize("p", [1.0, 1.4])
def test_an_order_at_most_1_5_is_a_wrong_gradient(p):
    res = _fit(5.0 * _STEPS**p, TINY_FLOOR, INSIDE)
    assert res["verdict"] == "fail"
    assert res["reason"] == (f"the remainder shrinks like h^{p:.2g}, not h^3: the gradient is "
                             "wrong along this direction (check it with taylor_test)")


def test_an_order_just_above_2_5_passes():
    assert _fit(5.0 * _STEPS**2.55, TINY_FLOOR, INSIDE)["verdict"] == "pass"


def test_nothing_above_the_floor_passes_and_tau_is_200_floors_over_h_squared():
    floor = np.full(N, 3.0)
    res = _fit(np.zeros(N), floor, INSIDE)
    assert res["verdict"] == "pass" and np.isnan(res["order"]) and not res["usable"].any()
    assert res["reason"] == ("no remainder rose above round-off: consistent with an exact "
                             "second-order expansion along this direction")
    # min_h 200 F / h^2 is at the longest step
    assert res["tau"] == pytest.approx(200.0 * 3.0 / 0.01, rel=1e-14, abs=0)


@pytest.mark.parametrize("level, longest_wins", [(1e-30, False), (1e-6, True)])
def test_a_fitted_tail_bounds_tau_by_the_cubic_term(level, longest_wins):
    r = 5.0 * _STEPS**3
    res = _fit(r, np.full(N, level), INSIDE)
    # the documented rule: the last four steps above 100 floors (floor 1e-30: 14..17; 1e-6:
    # 0 and 1), c = max r / h^3 = 5 over them, h_1 the longest
    tail = np.flatnonzero(r > 100.0 * level)[-4:]
    assert tail.tolist() == ([14, 15, 16, 17] if level == 1e-30 else [0, 1])
    assert res["usable"].tolist() == (r > 100.0 * level).tolist()
    by_step = 6.0 * 5.0 * _STEPS[tail[0]]
    by_floor = 200.0 * 5.0 ** (2 / 3) * level ** (1 / 3)
    assert (by_step < by_floor) == longest_wins  # each bound decides one case
    assert res["tau"] == pytest.approx(min(by_step, by_floor), rel=1e-9, abs=0)


def test_a_single_remainder_above_round_off_is_no_evidence():
    r = np.zeros(N)
    r[0] = 1000.0
    res = _fit(r, np.ones(N), INSIDE)
    assert res["verdict"] == "pass" and np.isnan(res["order"])
    assert res["reason"] == ("only one remainder rose above round-off: no evidence of a "
                             "second-order error (the order cannot be measured)")
    # c = r / h^3 at the single step 0.1: 1e6; tau = min(6e6 * 0.1, 200 * 1e4 * 1)
    assert res["tau"] == pytest.approx(min(6e5, 2e6), rel=1e-12, abs=0)


def test_a_collapse_is_inconclusive_and_overrides_the_order():
    # r = h (order 1, a fail) down to step 8, then 0 where h_9 stands far above the floor
    r = _STEPS.copy()
    r[9:] = 0.0
    res = _fit(r, np.full(N, 1e-30), INSIDE)
    assert res["verdict"] == "inconclusive"
    assert res["reason"].startswith(f"the remainder collapses below step {_STEPS[8]:.2g} (to "
                                    "0, against ")
    assert res["reason"].endswith("f is not smooth along v within that distance of x (a kink), "
                                  "so the order says nothing about the Hessian")


# ----------------------------------------------------------------------------- _curvature


class P:
    def __init__(self, x):
        self.x = x
        self.args = (x,)


def test_curvature_from_a_matrix_and_from_an_hvp():
    A = np.array([[2.0, -1.0], [3.0, 4.0]])
    v = np.array([1.0, -2.0])
    x = np.zeros(2)
    # v^T A v = 2 + 2 - 6 + 16 = 14; |v|^T |A| |v| = 2 + 2 + 6 + 16 = 26
    assert _curvature(lambda w: A, None, P(x), v) == (14.0, 26.0, None)
    # <v, A v> the same; sum |v * A v|: A v = (4, -5): |4| + |10| = 14
    assert _curvature(None, lambda u, w: A @ u, P(x), v) == (14.0, 14.0, None)


def test_curvature_of_the_wrong_shape_says_why():
    x = np.zeros(2)
    v = np.ones(2)
    hv, bound, why = _curvature(lambda w: np.eye(3), None, P(x), v)
    assert np.isnan(hv) and np.isnan(bound) and "hess(*args)" in why
    hv, bound, why = _curvature(None, lambda u, w: np.ones(3), P(x), v)
    assert np.isnan(hv) and np.isnan(bound) and "hvp(v, *args)" in why


def test_the_hvp_gets_a_copy_of_v():
    seen = []

    def hvp(u, w):
        seen.append(u.copy())
        u[:] = 0.0  # vandalism must not change v
        return u + 1.0

    v = np.array([1.0, 2.0])
    hv, _, _ = _curvature(None, hvp, P(np.zeros(2)), v)
    assert seen[0].tolist() == [1.0, 2.0] and v.tolist() == [1.0, 2.0] and hv == 3.0


# ----------------------------------------------------------------------------- taylor_test_hessian


def expsum(w):
    return float(np.sum(np.exp(w)))


X = (np.array([0.1, -0.2]),)


def right_hess(w):
    return np.diag(np.exp(w))


def test_right_gradient_and_hessian_pass_with_order_three():
    r = taylor_test_hessian(expsum, np.exp, X, hess=right_hess, direction=[1.0, 1.0])
    assert r.verdict == "pass" and r.ok and r.method == "taylor-2"
    assert r.notes == ()
    assert r.order == pytest.approx(3.0, abs=0.1)
    # v = (1, 1) scaled by rms(x) / rms(v): v^T A v
    unit = float(np.sqrt(np.mean(X[0] ** 2)))
    assert r.directional == pytest.approx(unit**2 * float(np.sum(np.exp(X[0]))), rel=1e-12, abs=0)
    assert r.detectable == pytest.approx(r.tau / (abs(r.directional) - r.tau), rel=1e-12, abs=0)
    assert r.detectable < 1e-3


def test_a_wrong_hessian_fails_naming_the_hessian():
    for kw in (dict(hess=lambda w: 2 * right_hess(w)), dict(hvp=lambda u, w: 2 * np.exp(w) * u)):
        r = taylor_test_hessian(expsum, np.exp, X, direction=[1.0, 1.0], **kw)
        assert r.verdict == "fail" and not r.ok
        assert r.order == pytest.approx(2.0, abs=0.1)
        assert r.reason.endswith("not h^3: the Hessian is wrong along this direction")
        text = str(r)
        assert text.startswith("Second-order Taylor test FAILED: Hessian of expsum with respect "
                               "to args[0], shape (2,)")
        assert ("(3 for a correct Hessian, 2 for a wrong one, 1 for a wrong gradient; pass "
                "above 2.5)") in text


def test_a_wrong_gradient_fails_naming_the_gradient():
    r = taylor_test_hessian(expsum, lambda w: 2 * np.exp(w), X, hess=right_hess,
                            direction=[1.0, 1.0])
    assert r.verdict == "fail" and r.order == pytest.approx(1.0, abs=0.1)
    assert r.reason.endswith("the gradient is wrong along this direction (check it with "
                             "taylor_test)")


def test_exactly_one_of_hess_and_hvp():
    msg = r"^give exactly one of hess= \(hess\(\*args\), shape x.shape \+ x.shape\) and hvp="
    with pytest.raises(ValueError, match=msg):
        taylor_test_hessian(expsum, np.exp, X)
    with pytest.raises(ValueError, match=msg):
        taylor_test_hessian(expsum, np.exp, X, hess=right_hess,
                            hvp=lambda u, w: np.exp(w) * u)


def test_bad_directions_are_clear_errors():
    with pytest.raises(ValueError, match=r"^direction must have shape \(2,\), got \(1,\)$"):
        taylor_test_hessian(expsum, np.exp, X, hess=right_hess, direction=[1.0])
    with pytest.raises(ValueError, match="^direction must be non-zero"):
        taylor_test_hessian(expsum, np.exp, X, hess=right_hess, direction=[0.0, 0.0])


def test_unusable_analytic_sides_fail_with_empty_arrays():
    for kw in (dict(grad=lambda w: np.ones(3), hess=right_hess),
               dict(grad=np.exp, hess=lambda w: np.eye(3))):
        r = taylor_test_hessian(expsum, args=X, **kw)
        assert r.verdict == "fail" and not r.ok and np.isnan(r.order)
        assert r.steps.size == r.remainders.size == r.usable.size == r.floor.size == 0
        assert np.isnan(r.directional) and "shape" in r.reason
        assert str(r).startswith("Second-order Taylor test FAILED")


def test_a_quadratic_is_exact_and_passes_without_an_order():
    B = np.array([[2.0, 0.5], [0.5, 1.0]])
    x = np.array([1.0, -1.0])
    r = taylor_test_hessian(lambda w: float(w @ B @ w), lambda w: 2 * B @ w, (x,),
                            hess=lambda w: 2 * B, direction=[1.0, 0.0])
    assert r.verdict == "pass" and np.isnan(r.order) and not r.usable.any()
    assert r.reason == ("no remainder rose above round-off: consistent with an exact "
                        "second-order expansion along this direction")
    assert r.tau == pytest.approx(float(np.min(200.0 * r.floor / _STEPS**2)), rel=1e-12, abs=0)
    # v = (1, 0) scaled by rms(x) / rms(v) = sqrt 2: v^T A v = 2 * 4 = 8
    assert r.directional == pytest.approx(8.0, rel=1e-14, abs=0)


def test_a_constant_that_hides_the_quadratic_term_is_inconclusive():
    r = taylor_test_hessian(lambda w: 1e8 + float(w @ w), lambda w: 2 * w,
                            (np.array([1e-4, 2e-4]),), hess=lambda w: 2 * np.eye(2))
    assert r.verdict == "inconclusive" and not r.ok and r.detectable >= 1.0
    assert r.reason == "the remainders could not have shown a gross error along v"
    text = str(r)
    assert text.startswith("Second-order Taylor test INCONCLUSIVE: ")
    assert "Inconclusive: the remainders could not have shown even a Hessian wrong by 100 %" \
        in text


def test_steps_outside_the_domain_are_skipped_and_noted():
    x = np.array([1.0, 0.01])
    r = taylor_test_hessian(lambda w: float(np.sum(np.log(w))), lambda w: 1.0 / w, (x,),
                            hess=lambda w: np.diag(-1.0 / w**2), direction=[0.0, -1.0])
    assert r.verdict == "pass"
    assert r.notes[-1] == ("f is not finite at x + h v for 3 of the 19 steps (longest 0.1); "
                           "they were skipped")
    assert r.remainders[:3].tolist() == [0.0, 0.0, 0.0]


def test_f_finite_only_at_x_is_a_clear_error():
    def f(w):
        return 1.0 if w[0] == 0.5 else float("nan")

    with pytest.raises(NonFiniteValueError, match="^f is not finite at x \\+ h v for every "
                                                  "step h from 0.1 down to 1e-10: x is on"):
        taylor_test_hessian(f, lambda w: np.ones(1), (np.array([0.5]),),
                            hess=lambda w: np.ones((1, 1)), direction=[1.0])


def test_the_evaluations_are_the_calls_of_f():
    calls = []

    def f(w):
        calls.append(1)
        return expsum(w)

    r = taylor_test_hessian(f, np.exp, X, hess=right_hess)
    assert r.evaluations == len(calls) and r.evaluations >= N


def test_the_report_lists_the_sensitivity_and_every_step():
    r = taylor_test_hessian(expsum, np.exp, X, hess=right_hess, direction=[1.0, 1.0])
    lines = str(r).splitlines()
    assert lines[0] == ("Second-order Taylor test passed: Hessian of expsum with respect to "
                        "args[0], shape (2,)")
    assert lines[1].startswith("Observed order of the second-order remainder: 3")
    assert lines[2].startswith("Sensitivity: no Hessian whose relative error along v, "
                               "|v^T (A - H) v| / |v^T H v|, exceeds ")
    assert lines[2].endswith("are not seen: use check_hessian for those")
    assert lines[3] == "        h   remainder r(h)   above round-off"
    rows = lines[4:4 + N]
    assert [row.endswith("yes") for row in rows] == r.usable.tolist()
    assert [row.endswith("no") for row in rows] == (~r.usable).tolist()


def test_a_bare_result_reports_its_reason_and_notes():
    r = HessianTaylorResult(False, float("nan"), np.empty(0), np.empty(0), np.empty(0, bool),
                            np.empty(0), float("nan"), reason="why", notes=("n1",))
    lines = str(r).splitlines()
    assert lines[2] == "Reason: why" and lines[-1] == "Note: n1"
    assert not any(line.startswith("Sensitivity") for line in lines)
    assert r.method == "taylor-2"


def test_a_converted_argument_is_noted_first():
    r = taylor_test_hessian(expsum, np.exp, ([0, 1],), hess=right_hess)
    assert r.verdict == "pass"
    assert r.notes[0] == "args[0] had dtype int64; it was differentiated in float64"
    r = taylor_test_hessian(expsum, np.exp, ([0, 1],), hess=lambda w: np.eye(3))
    assert r.verdict == "fail" and r.notes == ("args[0] had dtype int64; it was "
                                               "differentiated in float64",)


@pytest.mark.parametrize("direction, why", [([1j], "must be real"), (["a"], "must be a real"),
                                            ([np.nan], "")])
def test_an_unusable_direction_is_an_error_naming_the_direction(direction, why):
    direction = direction * 2  # the shape of x
    with pytest.raises(ValueError, match="^direction " + why):
        taylor_test_hessian(expsum, np.exp, X, hess=right_hess, direction=direction)


def test_a_non_scalar_f_away_from_x_names_the_step():
    x = np.array([1.0, 2.0])

    def f(w):
        return float(w @ w) if np.max(np.abs(w - x)) < 1e-3 else w

    with pytest.raises(ValueError, match=r"^f must return a scalar, got an array of shape "
                                         r"\(2,\) at x \+ h v$"):
        taylor_test_hessian(f, lambda w: 2 * w, (x,), hess=lambda w: 2 * np.eye(2))


def test_an_hvp_of_the_wrong_shape_is_named_against_the_arguments_shape():
    r = taylor_test_hessian(expsum, np.exp, X, hvp=lambda u, w: np.ones(3))
    assert r.verdict == "fail"
    assert r.reason == ("hvp(v, *args) has shape (3,), but the argument's shape is (2,) (no "
                        "broadcasting, no transposed layout)")
    r = taylor_test_hessian(expsum, np.exp, X, hess=lambda w: np.ones(2))
    assert r.reason == ("hess(*args) has shape (2,), but shape + shape is (2, 2) (no "
                        "broadcasting, no transposed layout)")


def test_a_result_whose_arrays_disagree_in_length_is_not_printed_truncated():
    r = HessianTaylorResult(True, 3.0, np.ones(2), np.ones(1), np.ones(2, bool), np.ones(2),
                            1.0, verdict="pass")
    with pytest.raises(ValueError):
        str(r)
