"""Round-off, randomness and size: what ``f`` is, not where it is evaluated.

A loss computed in float32 (noisy: the report says so), a float32 scalar returned (the report
says so), a minibatch loss that draws a new batch on every call (an error: "not
deterministic"), a step that vanishes against ``x`` (an error: "underflows"), values near
overflow (``1e170 |x|^2``, ``tr(X^2)`` at ``1e100``), functions that write into their input
(they get copies), and inputs or outputs scaled by ``1e+-150`` (the verdicts do not move).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import check_gradient
from tests._functions import fewer, sin_exp, sin_exp_grad
from tests._hard import (
    MODES,
    assert_promise,
    assert_right_never_fails,
    assert_sharp,
    assert_wrong_never_passes,
    by_id,
    huge_square,
    huge_square_grad,
    inverse_sum,
    inverse_sum_grad,
    log_sum,
    log_sum_grad,
    relu_sum,
    relu_sum_grad,
    sin300,
    sin300_grad,
    strategy,
    trace_square,
    trace_square_grad,
)

GROUP = ("float32-logistic", "huge-trace", "huge-output")
cases = pytest.mark.parametrize("case", [by_id(i) for i in GROUP], ids=GROUP)
modes = pytest.mark.parametrize("mode", MODES)


# ------------------------------------------------------------------------------ every case


@modes
@cases
@given(data=st.data())
@fewer(5)
def test_exact_gradient_never_fails(case, mode, data):
    assert_right_never_fails(case, data.draw(strategy(case), label="args"), mode)


@modes
@cases
@given(data=st.data())
@fewer(5)
def test_wrong_gradient_never_passes_with_an_error_above_detectable(case, mode, data):
    assert_wrong_never_passes(case, data.draw(strategy(case), label="args"), mode)


@cases
@given(data=st.data())
@fewer(5)
def test_one_entry_ten_percent_off_fails_in_full_mode(case, data):
    assert_sharp(case, data.draw(strategy(case), label="args"))


# ------------------------------------------------------------------------------ float32


@modes
def test_loss_computed_in_float32_is_reported_noisy(mode):
    case = by_id("float32-logistic")
    args = case.draw(np.random.default_rng(0))
    r = assert_right_never_fails(case, args, mode)
    assert "noisy" in str(r), str(r)


def f32_square(x):
    return np.float32(np.sum(x.astype(np.float32) ** 2))


@modes
def test_float32_scalar_returned_by_f_is_reported(mode):
    x = np.array([0.3, -1.2, 2.0])
    r = check_gradient(f32_square, lambda v: 2.0 * v, (x,), mode=mode)
    assert_promise(r, 2.0 * x, 2.0 * x)
    assert r.verdict != "fail", str(r)
    assert "float32" in str(r), str(r)


def test_float32_loss_with_a_gradient_off_by_half_fails():
    case = by_id("float32-logistic")
    args = case.draw(np.random.default_rng(1))
    r = check_gradient(case.f, lambda *a: 1.5 * case.grad(*a), args)
    assert r.verdict == "fail", str(r)


# ------------------------------------------------------------------------------ determinism


def minibatch_loss():
    """Mean squared error of ``w`` on 8 of 100 rows, drawn anew on every call."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((100, 3)), rng.standard_normal(100)
    draws = np.random.default_rng(1)

    def loss(w):
        rows = draws.choice(100, 8, replace=False)
        r = X[rows] @ w - y[rows]
        return float(r @ r) / 8.0

    def grad(w):
        r = X @ w - y
        return 2.0 * X.T @ r / 100.0

    return loss, grad


@modes
def test_non_deterministic_minibatch_loss_is_an_error(mode):
    loss, grad = minibatch_loss()
    with pytest.raises(ValueError, match="not deterministic"):
        check_gradient(loss, grad, (np.array([0.5, -1.0, 2.0]),), mode=mode)


# ------------------------------------------------------------------------------ step underflow


@pytest.mark.parametrize(
    "mode, x, step",
    [("full", np.array([1.0, 2.0, 3.0]), 1e-17),
     ("full", np.array([1e-3, 1e3]), 1e-14),  # only the second entry: ulp(1e3) = 1.1e-13
     ("full", np.array([1.0, 2.0]), np.array([1e-3, 1e-17])),
     ("directional", np.array([1.0, 2.0, 3.0]), 1e-17)],
    ids=["all-entries", "one-entry-by-scale", "one-entry-by-step", "directional"],
)
def test_step_that_underflows_against_x_is_an_error(mode, x, step):
    with pytest.raises(ValueError, match="underflows"):
        check_gradient(lambda v: float(v @ v), lambda v: 2.0 * v, (x,), mode=mode, step=step)


def test_step_that_barely_moves_x_is_not_an_underflow():
    x = np.array([1.0, 2.0])
    r = check_gradient(lambda v: float(v @ v), lambda v: 2.0 * v, (x,), step=1e-6)
    assert r.verdict == "pass", str(r)


# ------------------------------------------------------------------------------ huge values


HUGE_AT = np.array([0.3, -1.2, 2.0])
HUGE_X = 1e100 * np.array([[1.0, 2.0], [-3.0, 0.5]])


@modes
def test_1e170_times_square_passes_with_2e170_x_and_fails_with_4e170_x(mode):
    right = check_gradient(huge_square, huge_square_grad, (HUGE_AT.copy(),), mode=mode)
    assert right.verdict == "pass", str(right)
    wrong = check_gradient(huge_square, lambda x: 4e170 * x, (HUGE_AT.copy(),), mode=mode)
    assert wrong.verdict == "fail", str(wrong)


@modes
def test_trace_of_square_at_1e100_passes_with_2xt_and_fails_with_2x(mode):
    right = check_gradient(trace_square, trace_square_grad, (HUGE_X.copy(),), mode=mode)
    assert right.verdict == "pass", str(right)
    wrong = check_gradient(trace_square, lambda X: 2.0 * X, (HUGE_X.copy(),), mode=mode)
    assert wrong.verdict == "fail", str(wrong)


# ------------------------------------------------------------------------------ copies

POINT = np.array([0.3, -1.2, 2.0])


def scribbling_sin_exp(x):
    """``sin_exp``, then the input overwritten: a loss that reuses its argument as a buffer."""
    value = sin_exp(x)
    x[...] = 0.0
    return value


def in_place_gradient(factor):
    def grad(x):
        g = sin_exp_grad(x)
        x[...] = factor * g  # computed into the input, and returned
        return x

    return grad


@modes
@pytest.mark.parametrize("factor, verdict", [(1.0, "pass"), (1.1, "fail")], ids=["right", "wrong"])
def test_f_that_writes_into_its_input_gets_the_verdict_of_one_that_does_not(mode, factor, verdict):
    grad = lambda x: factor * sin_exp_grad(x)  # noqa: E731
    x = POINT.copy()
    clean = check_gradient(sin_exp, grad, (POINT.copy(),), mode=mode)
    dirty = check_gradient(scribbling_sin_exp, grad, (x,), mode=mode)
    assert (clean.verdict, dirty.verdict) == (verdict, verdict), str(dirty)
    np.testing.assert_array_equal(x, POINT)


@modes
@pytest.mark.parametrize("factor, verdict", [(1.0, "pass"), (1.1, "fail")], ids=["right", "wrong"])
def test_grad_that_writes_into_its_input_gets_the_verdict_of_one_that_does_not(
    mode, factor, verdict
):
    x = POINT.copy()
    r = check_gradient(sin_exp, in_place_gradient(factor), (x,), mode=mode)
    assert r.verdict == verdict, str(r)
    np.testing.assert_array_equal(x, POINT)


def test_grad_that_writes_into_another_argument_does_not_change_f():
    def f(w, c):
        return float(c @ np.sin(w))

    def grad(w, c):
        c *= np.cos(w)  # the right gradient, computed into the fixed argument
        return c

    c = np.array([1.0, -2.0, 0.5])
    r = check_gradient(f, grad, (POINT.copy(), c))
    assert r.verdict == "pass", str(r)
    np.testing.assert_array_equal(c, [1.0, -2.0, 0.5])


# ------------------------------------------------------------------------------ scale


SCALED = [
    pytest.param(inverse_sum, inverse_sum_grad, [0.001, 1.0, 2.0], id="pole"),
    pytest.param(log_sum, log_sum_grad, [0.01, 1.0, 10.0], id="log-edge"),
    pytest.param(lambda x: float(np.sum(np.abs(x))), np.sign, [2.0, 0.002], id="abs-small"),
    pytest.param(relu_sum, relu_sum_grad, [0.0, 1.0, -2.0], id="relu-exact-kink"),
    pytest.param(sin300, sin300_grad, [0.3, -1.2, 0.8], id="sin300"),
    pytest.param(sin_exp, sin_exp_grad, [0.3, -1.2, 2.0], id="sin-exp"),
]


def input_scaled(f, grad, s):
    """``f`` and ``grad`` of ``u = x / s``: the same function, on inputs ``s`` times larger."""
    return (lambda x: f(x / s)), (lambda x: np.asarray(grad(x / s)) / s)


def output_scaled(f, grad, t):
    return (lambda x: t * f(x)), (lambda x: t * np.asarray(grad(x)))


def one_off(grad):
    def wrong(x):
        g = np.array(grad(x), dtype=float)
        g[int(np.argmax(np.abs(g)))] *= 1.1
        return g

    return wrong


@modes
@pytest.mark.parametrize("scaling", [input_scaled, output_scaled], ids=["inputs", "outputs"])
@pytest.mark.parametrize("s", [1e150, 1e-150])
@pytest.mark.parametrize("f, grad, x", SCALED)
def test_verdicts_do_not_change_when_inputs_or_outputs_are_scaled_by_1e150(
    mode, scaling, s, f, grad, x
):
    x = np.array(x)
    point = s * x if scaling is input_scaled else x
    verdicts = []
    for g in (grad, one_off(grad)):
        plain = check_gradient(f, g, (x.copy(),), mode=mode)
        fs, gs = scaling(f, g, s)
        scaled = check_gradient(fs, gs, (point.copy(),), mode=mode)
        assert scaled.verdict == plain.verdict, f"{plain}\n--- scaled by {s:g}:\n{scaled}"
        verdicts.append(plain.verdict)
    # the unscaled verdicts are right, so that "unchanged" is not "equally wrong"
    assert verdicts[0] != "fail" and verdicts[1] != "pass", verdicts
    assert mode == "directional" or verdicts == ["pass", "fail"], verdicts
