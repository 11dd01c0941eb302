"""The gradient check (``checks.compare``): the checker is tested.

Exact gradients are accepted; planted wrong ones (transposed, scaled by ``1 + 1e-6``, one
entry off, wrongly shaped, NaN) are rejected with a report that says why, in full and in
directional mode; verdicts do not change when the inputs are multiplied by any
``s`` in ``[1e-8, 1e4]``; bad arguments raise ``ValueError``; the report has numpy's shape.
"""

import re
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, note
from hypothesis import strategies as st

from checks import (
    DEFAULT_RTOL,
    DEFAULT_SAFETY,
    GradientCheck,
    assert_gradient,
    check_gradient,
)
from checks import strategies as S
from tests._functions import (
    CASE_IDS,
    CASES,
    MAX_CONDITION,
    by_id,
    condition,
    fewer,
    quadratic_form,
    quadratic_form_grad,
    sin_exp,
    sin_exp_grad,
    small_arrays,
    trace_cube,
    trace_cube_grad,
    trace_square,
    trace_square_grad,
)

MODES = ("full", "directional")

cases = pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
modes = pytest.mark.parametrize("mode", MODES)


def check(f, grad, args, **kwargs) -> GradientCheck:
    r = check_gradient(f, grad, args, **kwargs)
    note(f"method={r.method}, mode={r.mode}, max_abs_error={r.max_abs_error:.3g}, "
         f"max_rel_error={r.max_rel_error:.3g}, worst={r.worst_index}")
    return r


def assert_rejected(r: GradientCheck, *why: str) -> None:
    __tracebackhide__ = True
    report = str(r)
    assert not r.ok, f"a wrong gradient was accepted:\n{report}"
    assert "Gradient check FAILED" in report
    for text in why:
        assert text in report, f"{text!r} not in the report:\n{report}"


def assert_accepted(r: GradientCheck) -> None:
    """Never "fail"; "inconclusive" only where the gradient is zero within its error bars."""
    __tracebackhide__ = True
    assert r.verdict != "fail", f"an exact gradient was rejected:\n{r}"
    if r.verdict == "inconclusive":
        assert not np.isfinite(r.detectable), f"inconclusive with a finite sensitivity:\n{r}"


def nonsymmetric(a: np.ndarray, rel: float = 1e-5) -> bool:
    """``a`` differs from its transpose by more than ``rel`` of its largest entry."""
    return bool(np.max(np.abs(a - a.T)) > rel * np.max(np.abs(a)))


# ------------------------------------------------------------------------------ accepted


@modes
@cases
@given(data=st.data())
def test_exact_gradient_is_accepted(case, mode, data):
    x = data.draw(case.inputs, label="x")
    assert_accepted(check(case.f, case.grad, (x,), mode=mode))


@pytest.mark.parametrize("method", ["forward", "central", "complex"])
@cases
@given(data=st.data())
@fewer(2)
def test_exact_gradient_is_accepted_by_every_method(case, method, data):
    x = data.draw(case.inputs, label="x")
    assert_accepted(check(case.f, case.grad, (x,), method=method))


@pytest.mark.parametrize(
    "f, grad, x",
    [(trace_cube, trace_cube_grad, np.zeros((2, 2))),
     (lambda x: x**5 - 3.0 * x**2 + x, lambda x: 5.0 * x**4 - 6.0 * x + 1.0, np.array(1.0))],
    ids=["trace-cube-at-0", "poly-0d-at-1"],
)
def test_exact_zero_gradient_is_accepted_by_the_complex_step(f, grad, x):
    # Regression: see test_differences.test_error_estimate_holds_at_a_stationary_point.
    assert_accepted(check_gradient(f, grad, (x,), method="complex"))


def test_zero_gradient_compared_with_zero_is_not_rejected_and_nothing_is_divided():
    """A constant ``f``: the differences are exactly 0, and a value of ``f`` is known to the
    spacing of floats near 0 (``5e-324``: an ``f`` that underflowed looks the same), so a
    gradient below ``5e-324 / h`` cannot be told from 0: no relative error can be judged,
    and the zero passes with that absolute promise (checks.rule, "A zero confirmed is a
    pass") -- never a failure, and no ``0 / 0`` anywhere."""
    r = check_gradient(lambda x: 0.0 * np.sum(x), lambda x: np.zeros_like(x), (np.ones(3),))
    assert r.verdict == "pass" and r.mismatched == 0 and np.isinf(r.detectable)
    assert 0.0 < r.absolute < 1e-300
    assert r.max_abs_error == 0.0 and r.max_rel_error == 0.0
    assert np.all(r.error > 0.0) and np.all(r.error < 1e-300)
    wrong = check_gradient(lambda x: 0.0 * np.sum(x), lambda x: np.full(x.shape, 1e-300),
                           (np.ones(3),))
    assert wrong.verdict == "fail"


def test_integer_analytic_gradient_is_accepted():
    assert_accepted(check_gradient(lambda x: 3.0 * np.sum(x), lambda x: np.full(x.shape, 3),
                                   (np.ones(4),)))


# ------------------------------------------------------------------------------ rejected


@modes
@given(X=S.square_matrices(min_side=2))
@example(X=np.array([[1.0, 2.0], [0.0, 1.0]]))
def test_transposed_gradient_is_rejected(mode, X):
    """``3 X^2`` for ``grad tr(X^3) = 3 (X^2)^T``: wrong unless X^2 is symmetric."""
    assume(nonsymmetric(X @ X))
    r = check(trace_cube, lambda Y: 3.0 * Y @ Y, (X,), mode=mode)
    assert_rejected(r, "differ by more than the tolerance", "Mismatched elements")


@modes
@cases
@given(data=st.data())
def test_gradient_scaled_by_one_plus_1e_6_is_rejected(case, mode, data):
    """The sensitivity floor: a relative error of 1e-6 is caught at default settings."""
    x = data.draw(case.inputs, label="x")
    assume(condition(case, x) <= MAX_CONDITION)  # a gradient that is not a cancelled sum
    r = check(case.f, lambda u: (1.0 + 1e-6) * case.grad(u), (x,), mode=mode)
    assert_rejected(r, "differ by more than the tolerance")


@modes
def test_sensitivity_floor_holds_where_the_default_step_is_long(mode):
    # Regression, found by the thorough profile: at x ~ -4, sin(x) exp(x/2) varies on a scale
    # of 1 while the default Richardson step is 0.0116 |x| = 0.046; the truncation estimate
    # |R1(h) - R1(h/2)| measures the O(h^4) error of the first extrapolation (about 1e-7
    # relative here), not that of the returned value (about 1e-13), so 10x the estimate
    # covers a relative 1e-6: the directional check accepts the (1 + 1e-6)-scaled gradient,
    # and the full check rejects it with a margin of only 1.7.
    x = np.array([-3.5, -4.0, -4.0, -4.0])
    r = check_gradient(sin_exp, lambda u: (1.0 + 1e-6) * sin_exp_grad(u), (x,), mode=mode)
    assert_rejected(r, "differ by more than the tolerance")


@cases
@given(data=st.data())
@fewer(2)
def test_one_entry_off_is_rejected_and_located(case, data):
    x = data.draw(case.inputs, label="x")
    assume(condition(case, x) <= MAX_CONDITION)
    k = np.unravel_index(data.draw(st.integers(0, x.size - 1), label="k"), x.shape)
    k = tuple(int(i) for i in k)
    delta = 1e-6 * float(np.max(np.abs(case.grad(x))))

    def wrong(u):
        g = np.array(case.grad(u), dtype=float)
        g[k] += delta
        return g

    r = check(case.f, wrong, (x,))
    assert_rejected(r, "Mismatched elements: 1 /", f"Worst entry {k}:")
    assert r.worst_index == k and r.mismatched == 1
    assert_rejected(check(case.f, wrong, (x,), mode="directional"), "directional derivatives")


@modes
@given(w=S.vectors())
def test_gradient_of_shape_d_1_for_d_is_rejected_never_broadcast(mode, w):
    r = check(lambda u: u @ u, lambda u: (2.0 * u)[:, None], (w,), mode=mode)
    assert_rejected(r, f"shape ({w.size}, 1), but the argument has shape ({w.size},)")
    assert r.reason is not None and "no broadcasting" in r.reason


@modes
@pytest.mark.parametrize("shape", [(), (1,), (3, 3), (9,)])
def test_gradient_of_another_shape_is_rejected(mode, shape):
    r = check_gradient(trace_cube, lambda X: np.zeros(shape), (np.eye(3),), mode=mode)
    assert_rejected(r, "shape")


@modes
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_analytic_gradient_is_rejected(mode, bad):
    def grad(x):
        g = sin_exp_grad(x)
        g[1] = bad
        return g

    r = check_gradient(sin_exp, grad, (np.array([0.1, 0.2, 0.3]),), mode=mode)
    assert_rejected(r, "not finite", "(1,)")


def test_complex_analytic_gradient_is_rejected():
    r = check_gradient(sin_exp, lambda x: sin_exp_grad(x) + 0j, (np.ones(2),))
    assert_rejected(r, "must be a real array")


# ------------------------------------------------------------------------------ safety x error
# The tolerance is atol + safety * e + rtol * |n|. With the default rtol = 1e-8 the rtol term
# dominates on smooth problems and hides the error-bar term (a tolerance of 1000 * safety * e
# failed 1 test of this file: issue 17). With rtol = 0 and atol = 0 the error bar is all that
# stands between a gradient and a failure, so these tests pin that term alone.


def assert_error_bar_rule(r: GradientCheck) -> None:
    """The verdict of ``r`` follows ``|a - n| <= safety * e`` entry by entry (rtol = atol = 0),
    recomputed here from the figures ``r`` reports."""
    __tracebackhide__ = True
    assert r.rtol == 0 and r.atol == 0
    reach = r.safety * np.asarray(r.error)
    np.testing.assert_array_equal(r.tolerance, reach, err_msg="tolerance is not safety * e")
    lower, upper = np.asarray(r.lower), np.asarray(r.upper)
    a = np.asarray(r.analytic)
    distance = np.maximum(np.maximum(lower - a, a - upper), 0.0)
    bad = distance > reach
    assert r.mismatched == int(bad.sum()), (r.mismatched, distance, reach)
    assert (r.verdict == "fail") == bool(bad.any()), f"{r.verdict}:\n{r}"


def off_by(r0: GradientCheck, factor: float) -> tuple[np.ndarray, tuple[int, ...]]:
    """The numerical gradient of ``r0`` with its best-resolved entry moved ``factor`` times
    its error-bar tolerance ``safety * e`` beyond the numerical interval; that entry."""
    lower, upper, e = (np.asarray(v, dtype=float) for v in (r0.lower, r0.upper, r0.error))
    size = np.maximum(np.abs(lower), np.abs(upper))
    # the entry whose error bar is largest relative to its value: moving it by a multiple of
    # the bar is not lost to rounding
    k = np.unravel_index(int(np.argmax(e / np.maximum(size, np.finfo(float).tiny))), e.shape)
    k = tuple(int(i) for i in k)
    a = np.array(r0.numerical, dtype=float)
    a[k] = upper[k] + factor * r0.safety * e[k]
    return a, k


@modes
@cases
@pytest.mark.parametrize("safety", [1.0, DEFAULT_SAFETY])
@given(data=st.data())
@fewer(4)
def test_with_rtol_0_the_tolerance_is_safety_times_the_error_bar(case, mode, safety, data):
    x = data.draw(case.inputs, label="x")
    r = check(case.f, case.grad, (x,), mode=mode, rtol=0.0, safety=safety)
    assert_error_bar_rule(r)
    if safety == DEFAULT_SAFETY:  # honest error bars cover the true error without rtol
        assert_accepted(r)


@pytest.mark.parametrize("factor", [2.0, 0.5])
@cases
@given(data=st.data())
@fewer(4)
def test_with_rtol_0_an_entry_off_by_twice_its_tolerance_fails_and_by_half_passes(
        case, factor, data):
    x = data.draw(case.inputs, label="x")
    r0 = check(case.f, case.grad, (x,), rtol=0.0)
    a, k = off_by(r0, factor)
    assume(a[k] - r0.upper[k] > 0.5 * factor * r0.safety * r0.error[k])  # not lost to rounding
    r = check(case.f, lambda u: a, (x,), rtol=0.0)
    assert_error_bar_rule(r)
    if factor > 1:
        assert_rejected(r, "Mismatched elements: 1 /", f"Worst entry {k}:")
        assert r.worst_index == k
    else:
        assert r.verdict != "fail", str(r)
        # the default rtol only widens the tolerance: still no failure
        assert check(case.f, lambda u: a, (x,)).verdict != "fail"


@cases
@given(data=st.data())
@fewer(4)
def test_with_rtol_0_a_direction_off_by_twice_its_tolerance_fails(case, data):
    """``(1 + rho) grad`` with ``|rho| <a_j, v_j>| = 2 safety e_j`` at the largest directional
    derivative ``j``, the sign of ``rho`` moving it away from the numerical value: that
    direction is off by at least twice its tolerance."""
    x = data.draw(case.inputs, label="x")
    r0 = check(case.f, case.grad, (x,), mode="directional", rtol=0.0)
    j = int(np.argmax(np.abs(r0.analytic)))
    a0, n0, e0 = float(r0.analytic[j]), float(r0.numerical[j]), float(r0.error[j])
    assume(a0 != 0.0 and e0 > 0.0)
    away = np.sign(a0 - n0) if a0 != n0 else 1.0
    rho = away * np.sign(a0) * 2.0 * r0.safety * e0 / abs(a0)
    assume(abs(rho) > 4 * np.finfo(float).eps)  # (1 + rho) differs from 1 in float64
    r = check(case.f, lambda u: (1.0 + rho) * case.grad(u), (x,), mode="directional",
              rtol=0.0)
    assert_error_bar_rule(r)
    assert_rejected(r, "directional derivatives")


def test_safety_alone_decides_with_rtol_0():
    """An entry 3 error bars off: rejected at safety 1 and 2, accepted at 4 and 10."""
    x = np.array([0.3, -1.2, 2.0])
    r0 = check_gradient(sin_exp, sin_exp_grad, (x,), rtol=0.0, safety=1.0)
    a, k = off_by(r0, 3.0)
    verdicts = {s: check_gradient(sin_exp, lambda u: a, (x,), rtol=0.0, safety=s).verdict
                for s in (1.0, 2.0, 4.0, 10.0)}
    assert verdicts == {1.0: "fail", 2.0: "fail", 4.0: "pass", 10.0: "pass"}, verdicts


# ------------------------------------------------------------------------------ scale


@modes
@given(X=S.square_matrices(), s=S.scales())
@example(X=np.array([[1.0, 2.0], [-3.0, 0.5]]), s=1e-8)
@example(X=np.array([[1.0, 2.0], [-3.0, 0.5]]), s=1e4)
def test_exact_gradients_are_accepted_at_every_scale(mode, X, s):
    w = X[0]
    note(f"s={s:.3g}")
    assert_accepted(check(trace_cube, trace_cube_grad, (s * X,), mode=mode))
    assert_accepted(check(trace_square, trace_square_grad, (s * X,), mode=mode))
    assert_accepted(check(quadratic_form, quadratic_form_grad, (s * w, s * X), mode=mode))


@modes
@given(X=S.square_matrices(min_side=2), s=S.scales())
@example(X=np.array([[1.0, 2.0], [-3.0, 0.5]]), s=1e-8)  # torch/jax/autograd accept 2X here
def test_untransposed_gradient_is_rejected_at_every_scale(mode, X, s):
    """``2 X`` for ``grad tr(X^2) = 2 X^T``: wrong unless X is symmetric."""
    assume(nonsymmetric(X))
    note(f"s={s:.3g}")
    r = check(trace_square, lambda Y: 2.0 * Y, (s * X,), mode=mode)
    assert_rejected(r, "differ by more than the tolerance")


@modes
@given(X=S.square_matrices(min_side=2), s=S.scales())
@example(X=np.array([[1.0, 2.0], [-3.0, 0.5]]), s=1e-8)
def test_gradient_scaled_by_one_plus_1e_6_is_rejected_at_every_scale(mode, X, s):
    assume(condition(by_id("trace-cube"), X) <= MAX_CONDITION)  # not a cancelled sum
    note(f"s={s:.3g}")
    r = check(trace_cube, lambda Y: (1.0 + 1e-6) * trace_cube_grad(Y), (s * X,), mode=mode)
    assert_rejected(r, "differ by more than the tolerance")


# ------------------------------------------------------------------------------ bad input

W = np.array([0.5, -1.0, 2.0])


def _sq(w, c=1.0):
    return c * (w @ w)


def _sq_grad(w, c=1.0):
    return 2.0 * c * w


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"argnum": 2}, r"argnum=2 is out of range for 2 argument\(s\)"),
        ({"argnum": -3}, r"argnum=-3 is out of range"),
        ({"argnum": True}, r"argnum must be an integer, got True"),
        ({"argnum": False}, r"argnum must be an integer, got False"),
        ({"argnum": 1.0}, r"argnum must be an integer"),
        ({"method": "finite"},
         r"method must be one of 'forward', 'central', 'richardson', 'complex'; got 'finite'"),
        ({"mode": "partial"},
         r"mode must be one of 'full', 'directional'; got 'partial'"),
        ({"rtol": -1e-3}, r"rtol must be finite and >= 0"),
        ({"atol": np.nan}, r"atol must be finite and >= 0"),
        ({"safety": np.inf}, r"safety must be finite and >= 0"),
        ({"mode": "directional", "directions": 0}, r"directions must be >= 1"),
        ({"directions": 3}, r"directions= applies to mode='directional' only"),
        ({"rng": 1}, r"rng= applies to mode='directional' only"),
        ({"step": 0.0}, r"step must be finite and > 0"),
        ({"step": -1.0, "mode": "directional"}, r"step must be finite and > 0"),
    ],
    # the pattern without its backslashes: pytest doubles them in the id, and that node id
    # does not select the test when passed back to pytest (mutmut runs tests by node id)
    ids=lambda v: repr(v) if isinstance(v, dict) else v.replace("\\", ""),
)
def test_bad_arguments_are_a_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_gradient(_sq, _sq_grad, (W, 2.0), **kwargs)


@modes
@pytest.mark.parametrize(
    "f, args, match",
    [
        (lambda w: 2.0 * w, (W,), r"f must return a scalar"),
        (lambda w: np.nan * (w @ w), (W,), r"f returned .*nan"),
        (lambda w: (w @ w) + np.inf, (W,), r"f returned .*inf"),
        (_sq, (np.array([1.0, np.inf]),), r"args\[0\] contains non-finite values: .*inf"),
        (_sq, (np.nan,), r"args\[0\] contains non-finite values"),
        (_sq, (np.array(["a", "b"]),), r"args\[0\] must be a real numeric array"),
    ],
    ids=["non-scalar-f", "nan-f", "inf-f", "inf-arg", "nan-arg", "string-arg"],
)
def test_bad_function_or_point_is_a_clear_error(mode, f, args, match):
    with pytest.raises(ValueError, match=match):
        check_gradient(f, _sq_grad, args, mode=mode)


def test_non_finite_value_of_another_argument_names_it_not_argnum():
    with pytest.raises(ValueError, match=r"args\[1\] contains non-finite"):
        check_gradient(_sq, _sq_grad, (W, np.nan), argnum=1)


@modes
def test_complex_step_on_a_non_complex_safe_function_is_an_error(mode):
    with pytest.raises(ValueError, match="complex-safe"):
        check_gradient(lambda w: np.sum(np.abs(w) ** 3), lambda w: 3 * w * np.abs(w), (W,),
                       method="complex", mode=mode)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64])
@modes
def test_non_float64_argument_is_checked_in_float64_and_the_report_says_so(dtype, mode):
    seen = []

    def f(w):
        seen.append(w.dtype)
        return w @ w

    r = check_gradient(f, lambda w: 2.0 * w, (np.array([1, -2, 3], dtype=dtype),), mode=mode)
    assert r.ok
    assert set(seen) == {np.dtype(np.float64)}
    assert f"args[0] had dtype {np.dtype(dtype)}; it was differentiated in float64" in str(r)


def test_argnum_selects_the_argument_and_the_others_stay_fixed():
    r = check_gradient(_sq, lambda w, c: w @ w, (W, 2.0), argnum=1)
    assert r.ok and r.shape == () and "args[1]" in str(r)
    r = check_gradient(_sq, _sq_grad, (W, 2.0), argnum=-2)
    assert r.ok and r.argnum == 0


# ------------------------------------------------------------------------------ the API


def test_truth_of_a_result_is_refused():
    r = check_gradient(_sq, _sq_grad, (W,))
    with pytest.raises(TypeError, match=r"use `\.ok`"):
        bool(r)
    with pytest.raises(TypeError):
        assert r  # the guard against `assert check_gradient(...)`


def test_assert_gradient_returns_the_result_when_it_passes():
    r = assert_gradient(_sq, _sq_grad, (W,))
    assert isinstance(r, GradientCheck) and r.ok


@modes
def test_assert_gradient_raises_with_the_report_and_hides_its_frames(mode):
    wrong = (lambda w: 2.001 * w, (W,))
    with pytest.raises(AssertionError) as info:
        assert_gradient(_sq, *wrong, mode=mode)
    assert str(info.value) == str(check_gradient(_sq, *wrong, mode=mode))
    names = [entry.name for entry in info.traceback.filter(info)]
    assert "assert_gradient" not in names, names


def test_assert_gradient_passes_keyword_arguments_on():
    with pytest.raises(ValueError, match="method must be one of"):
        assert_gradient(_sq, _sq_grad, (W,), method="nope")


# ------------------------------------------------------------------------------ the report


def test_report_of_a_failure_has_numpys_shape():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])

    def wrong(Y):
        g = trace_square_grad(Y)
        g[0, 1] += 0.5
        return g

    r = check_gradient(trace_square, wrong, (X,))
    report = str(r)
    i = (0, 1)
    assert not r.ok and r.worst_index == i and r.mismatched == 1
    assert r.method == "richardson" and r.mode == "full"
    assert r.max_abs_error == pytest.approx(0.5, rel=1e-9, abs=0)
    assert r.max_rel_error == pytest.approx(0.5 / 8.0, rel=1e-9, abs=0)
    for text in [
        "Gradient check FAILED: gradient of trace_square with respect to args[0], shape (2, 2)",
        "Reason: 1 of 4 entries differ by more than the tolerance",
        "Method: richardson (full mode)",
        f"rtol={DEFAULT_RTOL:g}",
        f"safety={DEFAULT_SAFETY:g}",
        "atol=0",
        "Mismatched elements: 1 / 4 (25%)",
        "Max absolute difference: 0.5",
        f"Worst entry {i}: analytic {r.analytic[i]:.6g}, numerical {r.numerical[i]:.6g}",
        f"tolerance {r.tolerance[i]:.6g} (error estimate {r.error[i]:.6g})",
        " ANALYTIC: [[2.  6.5]",
        " NUMERICAL: [[2. 6.]",
    ]:
        assert text in report, f"{text!r} not in:\n{report}"


def test_report_of_a_directional_failure_names_the_direction():
    r = check_gradient(sin_exp, lambda x: 1.1 * sin_exp_grad(x), (np.array([0.3, 1.2]),),
                       mode="directional", directions=3)
    report = str(r)
    assert not r.ok and r.analytic.shape == (3,) and r.numerical.shape == (3,)
    assert "directional derivatives of sin_exp" in report
    assert "Method: richardson (directional mode)" in report
    assert f"Worst direction {r.worst_index[0]}: analytic" in report


def test_report_of_a_pass_says_so_with_the_figures():
    report = str(check_gradient(_sq, _sq_grad, (W,), method="central"))
    assert report.startswith("Gradient check passed: gradient of _sq")
    assert "Method: central (full mode)" in report
    assert "Mismatched elements: 0 / 3 (0%)" in report


def test_report_of_an_empty_argument_counts_no_elements_and_divides_nothing():
    """A function of an empty array has an empty gradient: nothing can be judged, and the
    report says ``0 / 0 (0%)`` rather than dividing by the size."""
    r = check_gradient(lambda w: 1.0, lambda w: np.zeros(0), (np.zeros(0),))
    assert r.verdict == "inconclusive" and r.mismatched == 0
    assert "Mismatched elements: 0 / 0 (0%)" in str(r).split("\n")


def _floor_sq(v):
    """``floor(v_0) + |v|^2``: jumps along every direction that moves ``v_0`` at an integer."""
    return float(np.floor(v[0]) + v @ v)


@pytest.mark.parametrize(("n", "directions"), [(3, 2), (2, 2), (3, 3), (2, 1)])
def test_what_cannot_be_judged_is_counted_in_directions_or_in_entries(n, directions):
    """The reason of an inconclusive check counts the directions that cannot be judged in
    directional mode -- also when there are as many directions as entries (it said
    "entries" then) -- and the entries in full mode."""
    x = np.array([1.0, 0.3, 0.5])[:n]
    r = check_gradient(_floor_sq, lambda v: 2.0 * v, (x,), mode="directional",
                       directions=directions)
    assert r.verdict == "inconclusive", str(r)
    shown = ", ".join(f"({j},)" for j in range(directions))
    what = "direction" if directions == 1 else "directions"
    assert r.reason == (f"{directions} {what} cannot be judged ({shown}): f jumps (is "
                        "discontinuous) there; see the notes")
    full = check_gradient(_floor_sq, lambda v: 2.0 * v, (x,))
    assert full.verdict == "inconclusive", str(full)
    assert full.reason == ("1 entry cannot be judged ((0,)): f jumps (is discontinuous) "
                           "there; see the notes")
    [jump] = [line for line in full.notes if line.startswith("f jumps")]
    assert re.fullmatch(r"f jumps at entry \(0,\): its central differences grow like 1/h down "
                        r"to step [-+0-9.e]+ \(f is discontinuous there and has no "
                        r"derivative\); this entry is not judged", jump), jump


def test_tolerance_is_never_scaled_by_the_array_size():
    """The criterion is per entry: the same entry error passes or fails whatever n is."""
    for n in (1, 10, 100):
        x = np.linspace(0.5, 1.5, n)
        ok = check_gradient(sin_exp, lambda u: sin_exp_grad(u) * (1 + 1e-9), (x,)).ok
        bad = check_gradient(sin_exp, lambda u: sin_exp_grad(u) * (1 + 1e-6), (x,)).ok
        assert (ok, bad) == (True, False), n


# ------------------------------------------------------------------------------ directional


@pytest.mark.parametrize("k", [1, 4, 9])
def test_directional_mode_costs_o_k_evaluations_whatever_the_size(k):
    def evaluations(n, directions):
        x = np.linspace(-1.0, 1.0, n)
        return check_gradient(sin_exp, sin_exp_grad, (x,), mode="directional",
                              directions=directions).evaluations

    counts = {n: evaluations(n, k) for n in (2, 50, 2000)}
    # f(x) twice and the 8-point noise probe once, then 6 per direction (a smooth f settles
    # on the first three levels of its ladder, or one more): bounded by k, whatever n
    assert all(10 + 6 * k <= c <= 10 + 8 * k for c in counts.values()), counts


@given(seed=st.integers(0, 2**32 - 1))
@fewer(5)
def test_directional_mode_accepts_with_any_random_directions(seed):
    x = np.array([[0.3, -1.2, 2.0], [0.0, 1.5, -0.7]])
    assert_accepted(check(sin_exp, sin_exp_grad, (x,), mode="directional", rng=seed))
    r = check(sin_exp, sin_exp_grad, (x,), mode="directional", rng=np.random.default_rng(seed))
    assert_accepted(r)


def test_directional_mode_is_reproducible_by_default():
    a = check_gradient(sin_exp, sin_exp_grad, (np.ones(5),), mode="directional")
    b = check_gradient(sin_exp, sin_exp_grad, (np.ones(5),), mode="directional")
    np.testing.assert_array_equal(a.numerical, b.numerical)


def test_one_random_direction_is_enough_for_a_verdict():
    """With ``directions=1`` the promise rests on one direction (``0.8 tau / 1e-3`` of the
    module docstring), still far below 1 on a smooth ``f``: the exact gradient passes, one
    wrong by 0.1 % fails."""
    x = np.array([0.3, -1.2, 2.0])
    right = check_gradient(sin_exp, sin_exp_grad, (x,), mode="directional", directions=1)
    assert right.verdict == "pass" and right.analytic.shape == (1,), str(right)
    assert right.detectable < 1e-3
    wrong = check_gradient(sin_exp, lambda v: 1.001 * sin_exp_grad(v), (x,),
                           mode="directional", directions=1)
    assert wrong.verdict == "fail", str(wrong)


def test_vectorized_check_agrees_with_the_loop():
    def batched(X):
        return np.sum(np.sin(X) * np.exp(X / 2.0), axis=-1)

    x = np.array([0.3, -0.7, 1.1, 2.0])
    for mode in MODES:
        a = check_gradient(sin_exp, sin_exp_grad, (x,), mode=mode)
        b = check_gradient(batched, sin_exp_grad, (x,), mode=mode, vectorized=True)
        assert a.ok and b.ok
        np.testing.assert_allclose(b.numerical, a.numerical, rtol=1e-12)


@pytest.mark.parametrize("sign", [1.0, -1.0])
@given(x=small_arrays(min_dims=1, max_dims=1))
@fewer(2)
def test_detectable_is_a_promise_no_larger_error_passes(sign, x):
    """An error just above ``detectable`` (norm-relative), put on any one entry, fails."""
    right = check_gradient(sin_exp, sin_exp_grad, (x,))
    assume(right.verdict == "pass")
    g = sin_exp_grad(x)
    size = 1.01 * right.detectable * np.max(np.abs(g))
    for k in range(x.size):
        def wrong(v, k=k):
            a = sin_exp_grad(v)
            a[k] += sign * size
            return a

        r = check_gradient(sin_exp, wrong, (x,))
        assert r.verdict == "fail", f"entry {k}: an error above detectable passed\n{r}"


def test_detectable_is_reported_and_sharp_on_smooth_functions():
    x = np.array([0.3, -1.2, 2.0])
    right = check_gradient(sin_exp, sin_exp_grad, (x,))
    assert right.verdict == "pass" and right.ok
    assert right.detectable < 1e-6
    assert (f"Sensitivity: no gradient whose error max|a - g| / max|g| exceeds "
            f"{right.detectable:.2g} can pass") in str(right)


def test_a_gradient_below_the_resolution_of_f_is_reported_inconclusive():
    # f = 1 + 1e-20 |x|^2: the gradient (~1e-20) is far below eps * |f| / h, so finite
    # differences cannot see it -- and cannot see a wrong one either: say so
    def f(v):
        return 1.0 + 1e-20 * float(v @ v)

    x = np.array([1.0, 2.0])
    right = check_gradient(f, lambda v: 2e-20 * v, (x,))
    wrong = check_gradient(f, lambda v: 4e-20 * v, (x,))
    for r in (right, wrong):
        assert r.verdict == "inconclusive" and not r.ok
        assert r.detectable >= 1
        report = str(r)
        assert "Gradient check INCONCLUSIVE" in report and "What to try" in report


def test_a_bare_array_for_args_is_a_type_error_saying_how_to_write_it():
    # iterating over the rows of W would check a different function: refuse, and show (W,)
    W = np.ones((2, 3))
    how = r"args must be a tuple .* check_gradient\(f, grad, \(W,\)\)"
    with pytest.raises(TypeError, match=how):
        check_gradient(lambda W: np.sum(W**2), lambda W: 2 * W, W)


def test_a_grad_with_the_wrong_signature_is_a_type_error_not_a_failed_check():
    with pytest.raises(TypeError, match="grad cannot be called with the 2 argument"):
        check_gradient(lambda w, c: c * (w @ w), lambda w: 2 * w, (np.ones(3), 2.0))


def test_a_grad_that_raises_a_type_error_of_its_own_is_not_blamed_on_its_signature():
    def grad(w, c):
        return w + "oops"  # a bug inside grad, not a wrong signature

    with pytest.raises(TypeError) as info:
        check_gradient(lambda w, c: c * (w @ w), grad, (np.ones(3), 2.0))
    assert "cannot be called" not in str(info.value)


def _matrix_checkers():
    """Every public check that takes ``args``, each on a function of two 2x2 arrays."""
    import checks

    def f(A, B):
        return np.sum(A * B)

    def g(A, B):
        return B

    return {
        "check_gradient": lambda a: checks.check_gradient(f, g, a),
        "check_jacobian": lambda a: checks.check_jacobian(lambda A, B: A * B, g, a),
        "check_jvp": lambda a: checks.check_jvp(lambda A, B: A * B, lambda v, A, B: v * B, a),
        "check_vjp": lambda a: checks.check_vjp(lambda A, B: A * B, lambda u, A, B: u * B, a),
        "check_hessian": lambda a: checks.check_hessian(f, lambda A, B: 0 * A, a),
        "check_hvp": lambda a: checks.check_hvp(f, lambda V, A, B: 0 * V, a),
        "check_adjoint": lambda a: checks.check_adjoint(lambda v, A, B: v * B,
                                                        lambda u, A, B: u * B, a),
        "taylor_test": lambda a: checks.taylor_test(f, g, a),
    }


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("position", [0, 1])
@pytest.mark.parametrize("checker", sorted(_matrix_checkers()))
def test_an_np_matrix_argument_is_a_type_error_naming_it_and_saying_what_to_pass(
        checker, position):
    # Issue 17, item 12: np.matrix's * is the matrix product, an ndarray's the elementwise
    # one. The differentiated argument used to be converted silently (so f's `A * A` changed
    # meaning) and the others were passed as matrices: refuse it, in any position.
    A = np.array([[0.5, -1.0], [2.0, 0.25]])
    args = [A, A.copy()]
    args[position] = np.matrix(A)
    assert np.any(np.asarray(args[position] * args[position]) != A * A)  # what goes wrong
    pattern = (rf"args\[{position}\] is an np\.matrix, whose \* is the matrix product; the "
               r"check works with ndarrays \(where \* is elementwise\), .* Pass "
               r"np\.asarray\(M\) instead, and write M @ M in f for the matrix product$")
    with pytest.raises(TypeError, match=pattern):
        _matrix_checkers()[checker](tuple(args))
    # the same arguments, converted as the message says, are checked
    fixed = [np.asarray(a) for a in args]
    _matrix_checkers()[checker](tuple(fixed))


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_an_np_matrix_in_a_list_of_args_or_beside_argnum_is_named_by_its_position():
    v = np.ones(2)
    with pytest.raises(TypeError, match=r"args\[2\] is an np\.matrix"):
        check_gradient(lambda v, c, M: c * np.sum(v), lambda v, c, M: c * np.ones(2),
                       [v, 2.0, np.matrix(np.eye(2))], argnum=0)


def test_more_than_five_directions_that_cannot_be_judged_are_cut_after_five():
    """The reason counts every direction f jumps along and lists the first five, then
    ``...``."""
    r = check_gradient(_floor_sq, lambda v: 2.0 * v, (np.array([1.0, 0.3, 0.5]),),
                       mode="directional", directions=7)
    assert r.verdict == "inconclusive", str(r)
    assert r.reason == ("7 directions cannot be judged ((0,), (1,), (2,), (3,), (4,) ...): f "
                        "jumps (is discontinuous) there; see the notes")


class _Named:
    """A callable with a ``__name__`` but no ``__qualname__`` (as some wrappers are)."""

    __name__ = "wrapped_loss"

    def __call__(self, v):
        return float(v @ v)


def test_a_function_without_a_qualname_is_named_by_its_name():
    r = check_gradient(_Named(), lambda v: 2.0 * v, (np.array([0.5, -1.0]),))
    assert r.verdict == "pass" and r.name == "wrapped_loss", str(r)
    assert "gradient of wrapped_loss with respect to args[0]" in str(r)


def test_a_gradient_of_the_wrong_shape_still_reports_the_numerical_interval():
    """When the analytic gradient is unusable the report keeps the estimate in full: at a
    kink of ``sum |v|`` its interval ``[-1, 1]`` per entry."""
    r = check_gradient(lambda v: float(np.sum(np.abs(v))), lambda v: np.zeros(2), (np.zeros(3),))
    assert r.verdict == "fail" and "shape (2,)" in r.reason
    assert r.lower is not None and r.upper is not None
    assert np.all(np.abs(r.lower + 1.0) <= 10 * r.error), r.lower
    assert np.all(np.abs(r.upper - 1.0) <= 10 * r.error), r.upper


def test_a_gradient_wrong_by_300_orders_of_magnitude_fails_without_numpy_warnings():
    """The ratio of a huge difference to a tiny tolerance overflows to ``inf``: that entry is
    the worst one, and numpy does not warn about it."""
    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_gradient(lambda v: 1e-3 * float(v @ v),
                           lambda v: np.array([1e308, 2e-3 * v[1]]), (x,))
    assert r.verdict == "fail" and r.worst_index == (0,), str(r)
