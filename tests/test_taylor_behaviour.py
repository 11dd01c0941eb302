"""The first-order Taylor test (``checks.taylor``): its fit, verdicts, messages, pinned.

:func:`fit_remainders` and :func:`asymptotic_tail` on synthetic remainders whose slopes are
known (``c h^p`` fits order ``p`` exactly), with the floor placed at the documented
thresholds (100 and 10 times, the collapse at a thirtieth of a prediction 1000 times above
it); :func:`taylor_test` on polynomials whose remainders are closed forms, with wrong
gradients that must fail; the report's lines for each verdict.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks._util import NonFiniteValueError
from checks.taylor import _STEPS, TaylorResult, asymptotic_tail, fit_remainders, taylor_test

N = _STEPS.size
INSIDE = np.ones(N, dtype=bool)


def test_the_steps_are_half_decades_from_1e_minus_1_to_1e_minus_10():
    assert N == 19
    assert _STEPS[0] == pytest.approx(0.1, rel=1e-15, abs=0)
    assert _STEPS[-1] == pytest.approx(1e-10, rel=1e-14, abs=0)
    assert np.allclose(_STEPS[:-1] / _STEPS[1:], np.sqrt(10.0), rtol=1e-14, atol=0)


# ----------------------------------------------------------------------------- the fit


def test_a_power_law_is_fitted_over_the_last_four_usable_steps_with_its_exponent():
    for p in (1.0, 2.0, 3.0):
        r = 5.0 * _STEPS**p
        usable, tail, order, collapse = fit_remainders(r, np.full(N, 1e-300), INSIDE)
        assert usable.all()
        assert tail.tolist() == [15, 16, 17, 18]
        assert order == pytest.approx(p, abs=1e-9)
        assert collapse is None


def test_usable_means_strictly_more_than_100_times_the_floor():
    r = np.zeros(N)
    r[:6] = 100.0 * 2.0 ** -np.arange(6)  # 100, 50, ... against floors 1, 1/2, ...
    floor = 2.0 ** -np.arange(N)
    floor[:3] *= 0.5  # steps 0..2 stand 200 times above their floor, 3..5 exactly 100 times
    usable, tail, order, _ = fit_remainders(r, floor, INSIDE)
    assert usable.tolist() == [True] * 3 + [False] * (N - 3)
    # three usable: all fitted (r halves per half decade: order log 2 / log sqrt 10)
    assert tail.tolist() == [0, 1, 2]
    assert order == pytest.approx(np.log(2.0) / np.log(np.sqrt(10.0)), rel=1e-12, abs=0)


def test_steps_outside_the_domain_are_never_usable():
    r = 3.0 * _STEPS**2
    inside = INSIDE.copy()
    inside[16:] = False
    usable, tail, _, _ = fit_remainders(r, np.full(N, 1e-300), inside)
    assert not usable[16:].any() and usable[:16].all()
    assert tail.tolist() == [12, 13, 14, 15]


def test_nothing_above_the_floor_fits_nothing():
    usable, tail, order, collapse = fit_remainders(np.full(N, 50.0), np.ones(N), INSIDE)
    assert not usable.any() and tail is None and np.isnan(order) and collapse is None


def test_one_usable_step_looks_at_those_ten_times_above_the_floor():
    r = np.zeros(N)
    r[0], r[1], r[2] = 1000.0, 50.0, 10.0  # 1000 > 100; 50 > 10; 10 is not > 10
    usable, tail, order, collapse = fit_remainders(r, np.ones(N), INSIDE)
    assert usable.tolist() == [True] + [False] * (N - 1)
    assert tail.tolist() == [0, 1]
    assert order == pytest.approx(np.log(20.0) / np.log(np.sqrt(10.0)), rel=1e-12, abs=0)
    assert collapse is None
    r[1] = 10.0  # nothing else 10 times above: a single step, no order
    usable, tail, order, collapse = fit_remainders(r, np.ones(N), INSIDE)
    assert tail.tolist() == [0] and np.isnan(order) and collapse is None


def linear_then_drop(r_below, floor_below, inside_below=True):
    """``r = h`` on steps 0..8 (floor 1e-30), then ``r_below`` at step 9 (floor
    ``floor_below``): the fitted law predicts ``h_9`` there."""
    r = _STEPS.copy()
    r[9:] = 0.0
    r[9] = r_below
    floor = np.full(N, 1e-30)
    floor[9] = floor_below
    inside = INSIDE.copy()
    inside[9] = inside_below
    return fit_remainders(r, floor, inside)


def test_a_remainder_collapsing_below_a_thirtieth_of_the_law_is_a_collapse():
    h9 = float(_STEPS[9])
    # prediction 2000 floors: a remainder just under a thirtieth (60 floors, not usable) is
    # a collapse, one just over it is not
    floor = h9 / 2000.0
    _, tail, order, collapse = linear_then_drop(0.99 * h9 / 30.0, floor)
    assert tail.tolist() == [5, 6, 7, 8] and order == pytest.approx(1.0, abs=1e-9)
    assert collapse is not None
    assert collapse[0] == 0.99 * h9 / 30.0
    assert collapse[1] == pytest.approx(h9, rel=1e-9, abs=0)
    assert linear_then_drop(1.01 * h9 / 30.0, floor)[3] is None


def test_no_collapse_where_the_prediction_is_within_1000_floors_or_outside_the_domain():
    h9 = float(_STEPS[9])
    assert linear_then_drop(0.0, h9 / 900.0)[3] is None
    assert linear_then_drop(0.0, h9 / 1100.0)[3] is not None
    assert linear_then_drop(0.0, 1e-30, inside_below=False)[3] is None


def test_no_collapse_past_the_last_step():
    r = 5.0 * _STEPS**2
    assert fit_remainders(r, np.full(N, 1e-300), INSIDE)[3] is None


def tail_with_orders(*orders):
    """Remainders at steps 0..3 whose local orders (longest pair first) are ``orders``."""
    r = np.ones(4)
    for i in range(3, 0, -1):
        r[i - 1] = r[i] * (_STEPS[i - 1] / _STEPS[i]) ** orders[i - 1]
    return asymptotic_tail(np.arange(4), r).tolist()


def test_the_asymptotic_tail_drops_long_steps_until_the_local_orders_agree_within_half():
    assert tail_with_orders(2.0, 2.0, 2.0) == [0, 1, 2, 3]
    assert tail_with_orders(2.4, 2.0, 2.0) == [0, 1, 2, 3]
    assert tail_with_orders(1.6, 1.8, 2.0) == [0, 1, 2, 3]
    assert tail_with_orders(2.6, 2.0, 2.0) == [1, 2, 3]
    assert tail_with_orders(1.4, 2.2, 2.0) == [1, 2, 3]
    assert tail_with_orders(1.4, 3.0, 2.0) == [2, 3]
    # the middle pair does not decide: orders 2, 5, 2 keep every step
    assert tail_with_orders(2.0, 5.0, 2.0) == [0, 1, 2, 3]
    # orders 4, 3, 2: both long steps dropped; two always remain
    assert tail_with_orders(4.0, 3.0, 2.0) == [2, 3]
    assert tail_with_orders(9.0, 9.0, 2.0) == [2, 3]
    assert asymptotic_tail(np.array([4, 5]), np.ones(N)).tolist() == [4, 5]


# ----------------------------------------------------------------------------- taylor_test

ONE = (np.array([1.0]),)


def cube(w):
    return float(np.sum(w**3))


def test_a_right_gradient_passes_with_order_two_and_its_sensitivity():
    r = taylor_test(cube, lambda w: 3 * w**2, ONE, direction=[1.0])
    assert r.verdict == "pass" and r.ok and r.conclusive
    assert r.order == pytest.approx(2.0, abs=0.05)
    assert r.reason is None and r.method == "taylor"
    assert r.notes == ()  # a float64 argument, a quiet f: nothing to note
    assert r.directional == 3.0  # <g, v> with v = 1
    # tau from the documented rule on the reported remainders and floor
    usable = r.remainders > 100.0 * r.floor
    assert np.array_equal(usable, r.usable)
    tail = np.flatnonzero(usable)[-4:]
    c = np.max(r.remainders[tail] / _STEPS[tail] ** 2)
    tau = min(3.0 * c * _STEPS[tail[0]], 100.0 * np.sqrt(c) * np.sqrt(np.min(r.floor)))
    assert r.tau == pytest.approx(tau, rel=1e-12, abs=0)
    assert r.detectable == pytest.approx(tau / (3.0 - tau), rel=1e-12, abs=0)
    assert r.detectable < 1e-3


def test_a_wrong_gradient_fails_with_order_one_and_says_so():
    r = taylor_test(cube, lambda w: 2 * w**2, ONE, direction=[1.0])
    assert r.verdict == "fail" and not r.ok and r.conclusive
    assert r.order == pytest.approx(1.0, abs=0.05)
    assert r.reason == ("the remainder shrinks like h^1, not h^2: the gradient is wrong along "
                        "this direction")
    text = str(r)
    assert text.startswith("Taylor test FAILED: gradient of cube with respect to args[0], "
                           "shape (1,)")
    assert "Reason: the remainder shrinks like h^1" in text
    assert "(2 for a correct gradient, 1 for a wrong one; pass above 1.5)" in text


def test_a_linear_f_with_its_gradient_passes_without_an_order():
    a = np.array([1.0, -2.0, 0.5])
    r = taylor_test(lambda w: float(a @ w), lambda w: a, (np.array([0.25, 0.5, 1.0]),))
    assert r.verdict == "pass" and np.isnan(r.order) and not r.usable.any()
    assert r.reason == ("no remainder rose above round-off: consistent with an exact gradient "
                        "along this direction")
    # nothing fitted: tau is the smallest error that would lift r above 100 floors
    assert r.tau == pytest.approx(float(np.min(100.0 * r.floor / _STEPS)), rel=1e-12, abs=0)
    assert r.detectable == pytest.approx(r.tau / (abs(r.directional) - r.tau), rel=1e-12, abs=0)


def test_only_one_remainder_above_round_off_is_no_evidence_of_an_error():
    # r = h^4 over a floor of about 4.4e-7 (round-off of f = 1e9): 1e-4 at the longest
    # step is above 100 floors, the next (1e-6) not 10 floors: no order, a pass with that
    # reason (the first-order term w, exact, keeps the sensitivity finite)
    r = taylor_test(lambda w: float(w[0] + w[0] ** 4) + 1e9, lambda w: 1.0 + 4 * w**3,
                    (np.array([0.0]),), direction=[1.0])
    assert np.all((r.floor > 1e-7) & (r.floor < 1e-6))
    assert np.isnan(r.order) and r.usable.tolist() == [True] + [False] * (N - 1)
    assert r.verdict == "pass"
    assert r.reason is not None and r.reason.startswith("only one remainder rose above "
                                                        "round-off")


def test_a_constant_that_hides_the_first_order_term_is_inconclusive():
    r = taylor_test(lambda w: 1e6 + float(w @ w), lambda w: 2 * w, (np.array([1e-4, 2e-4]),))
    assert r.verdict == "inconclusive" and not r.ok and not r.conclusive
    assert r.detectable >= 1.0
    assert r.reason == "the remainders could not have shown a gross error along v"
    text = str(r)
    assert text.startswith("Taylor test INCONCLUSIVE: ")
    assert "Inconclusive: the remainders could not have shown even a gradient wrong by 100 %" \
        in text


def test_a_kink_within_the_fitted_steps_is_inconclusive_not_failed():
    # |w - 1e-6| at 0 along +1: the steps down to 1e-6 see a slope of 1 beside a gradient -1
    # (order 1), the shorter ones the line left of the kink (remainder 0)
    r = taylor_test(lambda w: abs(float(w[0]) - 1e-6), lambda w: -np.ones(1),
                    (np.array([0.0]),), direction=[1.0])
    assert r.verdict == "inconclusive" and not r.ok
    assert r.reason.startswith("the remainder collapses below step ")
    assert r.reason.endswith("so the order says nothing about the gradient")


def test_steps_outside_the_domain_are_skipped_and_noted():
    # log along -e_1 from x_1 = 0.01: h = 0.1, 0.032 (negative) and 0.01 (zero) are outside
    x = np.array([1.0, 0.01])
    unit = float(np.sqrt(np.mean(x**2))) / float(np.sqrt(0.5))
    assert unit == pytest.approx(1.0, abs=1e-3)
    r = taylor_test(lambda w: float(np.sum(np.log(w))), lambda w: 1.0 / w, (x,),
                    direction=[0.0, -1.0])
    assert r.verdict == "pass"
    assert r.notes[-1] == ("f is not finite at x + h v for 3 of the 19 steps (longest 0.1); "
                           "they were skipped")
    assert r.remainders[:3].tolist() == [0.0, 0.0, 0.0] and not r.usable[:3].any()


def test_f_finite_only_at_x_is_a_clear_error():
    x = np.array([0.5])

    def f(w):
        return 1.0 if w[0] == 0.5 else float("nan")

    with pytest.raises(NonFiniteValueError) as info:
        taylor_test(f, lambda w: np.ones(1), (x,), direction=[1.0])
    assert str(info.value) == ("f is not finite at x + h v for every step h from 0.1 down to "
                               "1e-10: x is on the edge of f's domain along v")


def test_bad_directions_are_clear_errors():
    with pytest.raises(ValueError, match=r"^direction must have shape \(1,\), got \(2,\)$"):
        taylor_test(cube, lambda w: 3 * w**2, ONE, direction=[1.0, 2.0])
    with pytest.raises(ValueError, match="^direction must be non-zero: the remainder along 0 "
                                         "is always 0$"):
        taylor_test(cube, lambda w: 3 * w**2, ONE, direction=[0.0])


def test_the_direction_is_scaled_to_x_and_random_directions_follow_rng():
    x = np.array([3.0, 4.0])
    # v = (1, 0) scaled by rms(x) / rms(v) = sqrt(12.5) / sqrt(0.5) = 5: <g, v> = 2 * 3 * 5
    r = taylor_test(lambda w: float(w @ w), lambda w: 2 * w, (x,), direction=[1.0, 0.0])
    assert r.directional == pytest.approx(30.0, rel=1e-14, abs=0)
    a = taylor_test(lambda w: float(w @ w), lambda w: 2 * w, (x,), rng=1)
    b = taylor_test(lambda w: float(w @ w), lambda w: 2 * w, (x,), rng=1)
    c = taylor_test(lambda w: float(w @ w), lambda w: 2 * w, (x,), rng=2)
    d = taylor_test(lambda w: float(w @ w), lambda w: 2 * w, (x,))
    e = taylor_test(lambda w: float(w @ w), lambda w: 2 * w, (x,))
    assert a.directional == b.directional != c.directional
    assert d.directional == e.directional


def test_the_evaluations_are_the_calls_of_f():
    calls = []

    def f(w):
        calls.append(1)
        return cube(w)

    r = taylor_test(f, lambda w: 3 * w**2, ONE, direction=[1.0])
    assert r.evaluations == len(calls) and r.evaluations >= N


def test_an_unusable_gradient_is_a_failed_result_with_empty_arrays():
    r = taylor_test(cube, lambda w: np.ones(3), ONE)
    assert r.verdict == "fail" and not r.ok and np.isnan(r.order)
    assert r.steps.size == r.remainders.size == r.usable.size == r.floor.size == 0
    assert np.isnan(r.directional) and r.reason and "shape" in r.reason
    assert r.name == "cube" and r.shape == (1,)


def test_the_report_lists_every_step_and_the_sensitivity():
    r = taylor_test(cube, lambda w: 3 * w**2, ONE, direction=[1.0])
    lines = str(r).splitlines()
    assert lines[0] == "Taylor test passed: gradient of cube with respect to args[0], shape (1,)"
    assert lines[1].startswith("Observed order of the first-order remainder: 2")
    assert lines[2].startswith("Sensitivity: no gradient whose relative error along v, "
                               "|<a - g, v>| / |<g, v>|, exceeds ")
    assert lines[2].endswith("fails); errors orthogonal to v are not seen")
    assert lines[3] == "        h   remainder r(h)   above round-off"
    rows = lines[4:4 + N]
    assert len(rows) == N and rows[0].startswith("  1.0e-01   ")
    assert [row.endswith("yes") for row in rows] == r.usable.tolist()
    assert [row.endswith("no") for row in rows] == (~r.usable).tolist()
    assert not any(line.startswith("Reason") for line in lines)


def test_notes_end_the_report_and_infinite_sensitivity_is_not_printed():
    r = TaylorResult(False, float("nan"), np.empty(0), np.empty(0), np.empty(0, bool),
                     np.empty(0), float("nan"), reason="why", notes=("one", "two"))
    lines = str(r).splitlines()
    assert lines[0].startswith("Taylor test FAILED")
    assert lines[2] == "Reason: why"
    assert lines[-2:] == ["Note: one", "Note: two"]
    assert not any(line.startswith("Sensitivity") for line in lines)
    with pytest.raises(TypeError, match="use `.ok`"):
        bool(r)


def test_a_converted_argument_is_noted_first():
    r = taylor_test(cube, lambda w: 3 * w**2, ([1, 2],))
    assert r.verdict == "pass"
    assert r.notes[0] == "args[0] had dtype int64; it was differentiated in float64"
    r = taylor_test(cube, lambda w: np.ones(3), ([1, 2],))  # unusable: the note is kept
    assert r.verdict == "fail" and r.notes == ("args[0] had dtype int64; it was "
                                               "differentiated in float64",)


@pytest.mark.parametrize("direction, why", [([1j], "must be real"), (["a"], "must be a real"),
                                            ([np.nan], "")])
def test_an_unusable_direction_is_an_error_naming_the_direction(direction, why):
    with pytest.raises(ValueError, match="^direction " + why):
        taylor_test(cube, lambda w: 3 * w**2, ONE, direction=direction)


def test_the_floor_adds_the_round_off_of_the_first_order_term():
    # f = 1e8 (w_0 - w_1) along (1, 1) from (1, 1): f is 0 at every step and the remainder
    # too; the floor is a constant (the noise of f, its values all 0) plus sqrt(n) eps h
    # sum |g_k v_k| (v scaled to rms(x) / rms(v) = 1): it falls with h by exactly that term
    r = taylor_test(lambda w: 1e8 * float(w[0] - w[1]), lambda w: np.array([1e8, -1e8]),
                    (np.ones(2),), direction=[1.0, 1.0])
    assert np.all(r.remainders == 0.0) and not r.usable.any()
    eps = np.finfo(float).eps
    drop = r.floor[0] - r.floor[-1]
    assert drop == pytest.approx(np.sqrt(2.0) * eps * (_STEPS[0] - _STEPS[-1]) * 2e8,
                                 rel=1e-9, abs=0)
    assert r.verdict == "inconclusive"  # <g, v> = 0: nothing along v can be judged


def test_a_non_scalar_f_away_from_x_names_the_step():
    x = np.array([1.0, 2.0])

    def f(w):
        return float(w @ w) if np.max(np.abs(w - x)) < 1e-3 else w

    with pytest.raises(ValueError, match=r"^f must return a scalar, got an array of shape "
                                         r"\(2,\) at x \+ h v$"):
        taylor_test(f, lambda w: 2 * w, (x,))


def test_a_result_whose_arrays_disagree_in_length_is_not_printed_truncated():
    r = TaylorResult(True, 2.0, np.ones(2), np.ones(1), np.ones(2, bool), np.ones(2), 1.0,
                     verdict="pass")
    with pytest.raises(ValueError):
        str(r)
