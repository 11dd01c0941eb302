"""The Taylor-remainder test (``checks.taylor``): order 2 for a right gradient, 1 for a wrong one.

``r(h) = |f(x + h v) - f(x) - h <g, v>|`` shrinks like ``h^2`` when ``g`` is the gradient and
like ``h`` when ``<g - grad f, v> != 0``; the test reports the observed order and needs no
step or tolerance. Verdicts must not depend on the scale of the inputs.
"""

import numpy as np
import pytest
from hypothesis import assume, example, given, note
from hypothesis import strategies as st

from checks import TaylorResult, check_gradient, taylor_test
from checks import strategies as S
from tests._functions import (
    CASE_IDS,
    CASES,
    sin_exp,
    sin_exp_grad,
    trace_cube,
    trace_cube_grad,
    trace_square,
    trace_square_grad,
)

cases = pytest.mark.parametrize("case", CASES, ids=CASE_IDS)


def generic(case, rng: np.random.Generator) -> np.ndarray:
    """A generic point of ``case``, where the curvature along the default direction is not 0."""
    shape = (3, 3) if case.id.startswith("trace") else (() if case.id == "poly-0d" else (4,))
    return rng.uniform(0.5, 2.0, shape)


def grossly_wrong(grad):
    """``grad + 0.1 (1 + max|grad|)``: wrong by a constant along every direction."""

    def wrong(x):
        g = np.asarray(grad(x), dtype=float)
        return g + 0.1 * (1.0 + np.max(np.abs(g)))

    return wrong


def run(f, grad, args, **kwargs) -> TaylorResult:
    """``taylor_test`` with the outcome noted, inside a hypothesis property."""
    r = taylor_test(f, grad, args, **kwargs)
    note(f"order={r.order:.3g}, usable={int(np.sum(r.usable))}, reason={r.reason}")
    return r


# ------------------------------------------------------------------------------ orders


@cases
def test_right_gradient_has_order_two(case, rng):
    r = taylor_test(case.f, case.grad, (generic(case, rng),))
    assert r.ok, str(r)
    assert abs(r.order - 2.0) <= 0.3, str(r)


@cases
def test_grossly_wrong_gradient_has_order_one(case, rng):
    r = taylor_test(case.f, grossly_wrong(case.grad), (generic(case, rng),))
    assert not r.ok, str(r)
    assert abs(r.order - 1.0) <= 0.3, str(r)
    assert "not h^2: the gradient is wrong" in str(r)


@cases
@given(data=st.data())
def test_right_gradient_is_accepted(case, data):
    x = data.draw(case.inputs, label="x")
    r = run(case.f, case.grad, (x,))
    # order 2, or 3 where f has no curvature along v (tr(X^3) at X = 0), or nan when no
    # remainder rises above round-off; never "fail" ("inconclusive" where the gradient
    # is zero, as tr(X^3) at X = 0)
    assert r.verdict != "fail", str(r)
    assert np.isnan(r.order) or r.order > 1.5


@cases
@given(data=st.data())
def test_grossly_wrong_gradient_is_rejected_with_order_one(case, data):
    x = data.draw(case.inputs, label="x")
    r = run(case.f, grossly_wrong(case.grad), (x,))
    assert r.verdict == "fail", str(r)
    assert abs(r.order - 1.0) <= 0.3, str(r)


def _trace_cube_grad_plus_mean_square(Y):
    """Wrong by ``mean(Y^2)`` in every entry: homogeneous of degree 2, like the gradient."""
    return trace_cube_grad(Y) + np.mean(Y**2)


@given(X=S.square_matrices(), s=S.scales())
@example(X=np.array([[1.0, 2.0], [-3.0, 0.5]]), s=1e-8)
@example(X=np.array([[0.0, 0.0], [2.0, 0.0]]), s=1e4)  # nilpotent: grad tr(X^3) = 0
def test_verdicts_do_not_depend_on_the_scale(X, s):
    note(f"s={s:.3g}")
    assert run(trace_cube, trace_cube_grad, (s * X,)).verdict != "fail"
    assert run(trace_square, trace_square_grad, (s * X,)).verdict != "fail"


@given(X=S.square_matrices(), s=S.scales())
@example(X=np.array([[1.0, 2.0], [-3.0, 0.5]]), s=1e-8)
@example(X=np.array([[0.0, 0.0], [2.0, 0.0]]), s=1e4)  # nilpotent: grad tr(X^3) = 0
def test_wrong_gradient_is_rejected_at_every_scale(X, s):
    # a wrong gradient that scales like the right one (a constant error such as
    # grossly_wrong's 0.1 becomes negligible next to s^2 at s = 1e4); at X = 0 it is right
    assume(np.any(X))
    note(f"s={s:.3g}")
    wrong = run(trace_cube, _trace_cube_grad_plus_mean_square, (s * X,))
    assert wrong.verdict == "fail" and abs(wrong.order - 1.0) <= 0.3


@given(X=S.square_matrices(min_side=2), s=S.scales())
@example(X=np.array([[1.0, 2.0], [0.0, 1.0]]), s=1e-8)
def test_two_x_for_grad_tr_x_squared_is_rejected_at_every_scale(X, s):
    v = np.random.default_rng(0).standard_normal(X.shape)  # taylor_test's default direction
    # <2X - 2X^T, v> = 0 would leave nothing to detect along this direction
    assume(abs(np.sum((X - X.T) * v)) > 1e-6 * np.sum(np.abs(X * v)))
    r = run(trace_square, lambda Y: 2.0 * Y, (s * X,))
    assert not r.ok, str(r)


# ------------------------------------------------------------------------------ edge cases


def test_linear_function_passes_with_no_measurable_order():
    r = taylor_test(lambda x: 3.0 * np.sum(x), lambda x: np.full(x.shape, 3.0), (np.ones(4),))
    assert r.ok and np.isnan(r.order)
    assert "no remainder rose above round-off" in str(r)


def test_wrong_gradient_of_a_linear_function_is_rejected():
    r = taylor_test(lambda x: 3.0 * np.sum(x), lambda x: np.full(x.shape, 2.0), (np.ones(4),))
    assert not r.ok and abs(r.order - 1.0) <= 0.3


@pytest.mark.parametrize("c", [1e-9, 3e-11, 1e-11, 1e-12])
def test_right_gradient_of_a_nearly_linear_function_is_accepted(c):
    # Regression: with f = sum(x) + c sum(x^2) at x = 1, only the remainder at h = 0.1
    # (about c / 100) rises 100x above round-off when c is near 1e-11, and the test
    # fails the exact gradient ("the order cannot be measured"); it passes for c = 1e-12
    # (no usable remainder) and for c = 1e-9 (order 2).
    r = taylor_test(lambda x: np.sum(x) + c * np.sum(x**2), lambda x: 1.0 + 2.0 * c * x,
                    (np.ones(3),))
    assert r.ok, str(r)


@pytest.mark.parametrize(
    "grad, why",
    [(lambda w: (2.0 * w)[:, None], "shape (3, 1), but the argument has shape (3,)"),
     (lambda w: np.full(w.shape, np.nan), "the analytic gradient is not finite: nan at index"),
     (lambda w: 2.0 * w + 0j, "the analytic gradient must be a real array, got dtype complex128")],
    ids=["d-1-for-d", "nan", "complex"],
)
def test_unusable_gradient_fails_with_a_reason(grad, why):
    r = taylor_test(lambda w: w @ w, grad, (np.array([0.5, -1.0, 2.0]),))
    assert not r.ok and np.isnan(r.order)
    assert why in str(r)


def test_a_given_direction_is_used():
    x = np.array([1.0, 2.0])
    wrong = lambda u: sin_exp_grad(u) + np.array([0.0, 1.0])  # noqa: E731
    assert taylor_test(sin_exp, wrong, (x,), direction=np.array([1.0, 0.0])).ok
    assert not taylor_test(sin_exp, wrong, (x,), direction=np.array([0.0, 1.0])).ok


def test_direction_of_the_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match=r"direction must have shape \(2,\)"):
        taylor_test(sin_exp, sin_exp_grad, (np.ones(2),), direction=np.ones(3))


@pytest.mark.parametrize("argnum", [2, -3, True, 1.5])
def test_bad_argnum_is_a_clear_error_as_in_check_gradient(argnum):
    args = (np.array([0.5, -1.0, 2.0]), 2.0)

    def f(w, c):
        return c * (w @ w)

    def grad(w, c):
        return 2.0 * c * w

    with pytest.raises(ValueError, match="argnum"):
        check_gradient(f, grad, args, argnum=argnum)
    with pytest.raises(ValueError, match="argnum"):
        taylor_test(f, grad, args, argnum=argnum)


def test_non_finite_point_is_a_clear_error():
    with pytest.raises(ValueError, match=r"args\[0\] contains non-finite"):
        taylor_test(sin_exp, sin_exp_grad, (np.array([1.0, np.nan]),))


def test_a_fall_short_of_the_fitted_law_by_less_than_30_is_not_a_collapse():
    # f is linear along v, with a slope 7e-9 off the gradient's from 2e-4 on and 20 times
    # less below: the remainders follow h^1 down to 3.2e-4 and fall 20-fold short of that
    # law at 1e-4 (below the floor there). A collapse is a fall to a thirtieth of the law:
    # this is none, and the wrong gradient fails
    def f(w):
        t = w[0] - 1.0
        return float(1.0 + 2.0 * t + (7e-9 * t if t >= 2e-4 else 3.5e-10 * t))

    r = taylor_test(f, lambda w: np.array([2.0]), (np.array([1.0]),), direction=np.array([1.0]))
    assert r.verdict == "fail" and abs(r.order - 1.0) <= 0.1, str(r)
    assert r.reason.startswith("the remainder shrinks like h^1, not h^2")


def test_the_differentiated_argument_is_reported():
    def scaled_square(c, w):
        return c * (w @ w)

    r = taylor_test(scaled_square, lambda c, w: 2.0 * c * w, (2.0, np.array([0.5, -1.0, 2.0])),
                    argnum=1)
    assert r.ok and r.argnum == 1 and r.shape == (3,)
    head = str(r).splitlines()[0]
    assert head.startswith("Taylor test passed: gradient of ") and "scaled_square" in head
    assert head.endswith(" with respect to args[1], shape (3,)")


# ------------------------------------------------------------------------------ the API


def test_check_gradient_refuses_the_taylor_mode_and_names_taylor_test():
    # one function, one result type: the Taylor test has its own function and result
    with pytest.raises(ValueError, match=r"checks\.taylor_test"):
        check_gradient(sin_exp, sin_exp_grad, (np.array([0.3, 1.1]),), mode="taylor")


def test_taylor_test_returns_the_taylor_result():
    r = taylor_test(sin_exp, sin_exp_grad, (np.array([0.3, 1.1]),))
    assert isinstance(r, TaylorResult) and r.ok and r.method == "taylor"
    assert r.steps.shape == r.remainders.shape == r.usable.shape
    report = str(r)
    assert report.startswith("Taylor test passed: gradient of sin_exp")
    assert "Observed order of the first-order remainder: 2" in report


def test_truth_of_a_taylor_result_is_refused():
    with pytest.raises(TypeError, match=r"use `\.ok`"):
        bool(taylor_test(sin_exp, sin_exp_grad, (np.ones(2),)))


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_non_float64_argument_is_noted(dtype):
    r = taylor_test(lambda w: w @ w, lambda w: 2.0 * w, (np.array([1, 2, 3], dtype=dtype),))
    assert r.ok
    assert f"args[0] had dtype {np.dtype(dtype)}; it was differentiated in float64" in str(r)


# ------------------------------------------------------------------------------ the regime


@pytest.mark.parametrize("cancel", [0.04, 3.2e-3, 1e-3, 3.2e-4])
def test_the_fit_keeps_only_the_steps_in_the_asymptotic_regime(cancel):
    """``r(h) = |h^2 - h^3 / cancel|`` vanishes at ``h = cancel``: the steps around the dip are
    not in one power law, and the longest ones are dropped until the local orders of the
    longest and the shortest fitted pair agree (within 0.5); two always remain."""
    from checks.taylor import _STEPS, asymptotic_tail

    r = np.abs(_STEPS**2 - _STEPS**3 / (1.01 * cancel))  # near, not at, a step: no exact 0
    for start in range(_STEPS.size - 3):
        tail = asymptotic_tail(np.arange(start, start + 4), r)
        assert tail.size >= 2 and tail[-1] == start + 3
        local = np.diff(np.log(r[tail])) / np.diff(np.log(_STEPS[tail]))
        assert tail.size == 2 or abs(local[0] - local[-1]) <= 0.5
    # one power law: nothing dropped
    assert asymptotic_tail(np.arange(4), _STEPS**2).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("cancel", [3.2e-3, 1e-3, 3.2e-4, 1e-4])
def test_a_cancellation_of_higher_orders_neither_fails_a_right_gradient_nor_hides_a_wrong_one(
        cancel):
    """The remainder of ``1e4 + x + x^2 - x^3 / cancel`` at 0 along ``e_0`` dips to 0 at
    ``h = cancel``. The right gradient passes; one wrong by a relative 1e-2 fails, and one
    wrong by more than ``detectable`` never passes."""
    f = lambda x: float(1e4 + x[0] + x[0] ** 2 - x[0] ** 3 / cancel)  # noqa: E731
    g = lambda x: np.array([1.0 + 2.0 * x[0] - 3.0 * x[0] ** 2 / cancel])  # noqa: E731
    x, v = np.array([0.0]), np.array([1.0])
    right = taylor_test(f, g, (x,), direction=v)
    assert right.verdict == "pass", right
    for rel in (1e-5, 1e-4, 1e-3, 1e-2):
        wrong = taylor_test(f, lambda x, rel=rel: g(x) * (1.0 + rel), (x,), direction=v)
        if rel > right.detectable:
            assert wrong.verdict == "fail", (rel, wrong)
    assert right.detectable < 1e-2
