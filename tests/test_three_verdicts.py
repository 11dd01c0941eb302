"""Three verdicts -- "pass", "fail", "inconclusive" -- and what each entry point does with them.

``check_gradient`` says ``"inconclusive"`` where finite differences cannot resolve the
gradient; ``assert_gradient`` raises ``AssertionError`` only on ``"fail"`` and, on
``"inconclusive"``, raises ``checks.InconclusiveError`` (not an ``AssertionError``: a test
that cannot decide is not a test that found a bug), warns ``checks.InconclusiveWarning`` or
stays silent, as ``on_inconclusive`` says. ``find_counterexample`` returns only points where
the check fails, and skips draws where ``f`` itself is not finite.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import checks
from checks import assert_gradient, check_gradient
from checks.search import find_counterexample
from tests._functions import fewer, sin_exp, sin_exp_grad
from tests._hard import assert_promise, log_sum, log_sum_grad

MODES = ("full", "directional")
modes = pytest.mark.parametrize("mode", MODES)

X = np.array([0.3, -1.2, 2.0])


def flat(v):
    """``1 + 1e-20 |v|^2``: its gradient is far below what differences of ``f`` resolve."""
    return 1.0 + 1e-20 * float(v @ v)


def flat_grad(v):
    return 2e-20 * v


# ------------------------------------------------------------------------------ check_gradient


@modes
def test_exact_gradient_of_a_smooth_function_passes(mode):
    r = check_gradient(sin_exp, sin_exp_grad, (X.copy(),), mode=mode)
    assert (r.verdict, r.ok) == ("pass", True), str(r)
    assert r.detectable < 1e-6, str(r)


@modes
def test_gradient_off_by_one_part_in_a_million_fails(mode):
    r = check_gradient(sin_exp, lambda x: (1 + 1e-6) * sin_exp_grad(x), (X.copy(),), mode=mode)
    assert (r.verdict, r.ok) == ("fail", False), str(r)


@modes
@pytest.mark.parametrize("factor", [1.0, 2.0, -1.0], ids=["right", "doubled", "negated"])
def test_gradient_below_the_resolution_of_f_is_inconclusive(mode, factor):
    r = check_gradient(flat, lambda v: factor * flat_grad(v), (X.copy(),), mode=mode)
    assert (r.verdict, r.ok) == ("inconclusive", False), str(r)
    assert r.detectable >= 1.0, str(r)
    assert "nconclusive" in str(r), str(r)


@modes
@given(x=arrays(np.float64, st.integers(1, 5), elements=st.floats(-3.0, 3.0)),
       rel=st.sampled_from([0.0, 1e-9, 1e-7, 1e-6, 1e-4, 1e-2]))
@fewer(2)
def test_ok_is_pass_and_detectable_is_a_promise(mode, x, rel):
    def grad(v):
        return (1.0 + rel) * sin_exp_grad(v)

    r = check_gradient(sin_exp, grad, (x.copy(),), mode=mode)
    assert_promise(r, grad(x), sin_exp_grad(x))


# ------------------------------------------------------------------------------ assert_gradient


def test_inconclusive_error_is_an_exception_but_not_an_assertion_error():
    assert issubclass(checks.InconclusiveError, Exception)
    assert not issubclass(checks.InconclusiveError, AssertionError)
    assert issubclass(checks.InconclusiveWarning, Warning)


@pytest.mark.parametrize("on_inconclusive", ["raise", "warn", "ignore"])
def test_assert_gradient_raises_assertion_error_on_fail_whatever_on_inconclusive(on_inconclusive):
    with pytest.raises(AssertionError):
        assert_gradient(sin_exp, lambda x: 2.0 * sin_exp_grad(x), (X.copy(),),
                        on_inconclusive=on_inconclusive)


@pytest.mark.parametrize("on_inconclusive", ["raise", "warn", "ignore"])
def test_assert_gradient_returns_the_result_on_pass_whatever_on_inconclusive(on_inconclusive):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = assert_gradient(sin_exp, sin_exp_grad, (X.copy(),), on_inconclusive=on_inconclusive)
    assert r.verdict == "pass", str(r)


def test_assert_gradient_raises_inconclusive_error_by_default():
    with pytest.raises(checks.InconclusiveError) as info:
        assert_gradient(flat, flat_grad, (X.copy(),))
    assert not isinstance(info.value, AssertionError)
    assert "nconclusive" in str(info.value)


def test_assert_gradient_raises_inconclusive_error_when_asked():
    with pytest.raises(checks.InconclusiveError):
        assert_gradient(flat, flat_grad, (X.copy(),), on_inconclusive="raise")


def test_assert_gradient_warns_and_returns_the_result_when_asked():
    with pytest.warns(checks.InconclusiveWarning):
        r = assert_gradient(flat, flat_grad, (X.copy(),), on_inconclusive="warn")
    assert r.verdict == "inconclusive", str(r)


def test_assert_gradient_stays_silent_when_told_to_ignore():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would raise here
        assert_gradient(flat, flat_grad, (X.copy(),), on_inconclusive="ignore")


def test_inconclusive_error_is_not_caught_as_a_failed_assertion():
    """Code that catches ``AssertionError`` to mean "the gradient is wrong" must not see it."""
    with pytest.raises(checks.InconclusiveError):
        try:
            assert_gradient(flat, flat_grad, (X.copy(),))
        except AssertionError:  # pragma: no cover - the wrong outcome
            pytest.fail("an inconclusive check was raised as a failed assertion")


# ------------------------------------------------------------------------------ search


def tanh_sum(x):
    return float(np.sum(np.tanh(x)))


def tanh_grad(x):
    return 1.0 / np.cosh(x) ** 2


def wrong_where_saturated(x):
    """``tanh'`` -- tripled where ``x > 20``, where ``tanh(x)`` is 1 to the last bit."""
    return np.where(x > 20.0, 3.0, 1.0) * tanh_grad(x)


MODERATE = arrays(np.float64, st.integers(1, 4), elements=st.floats(-2.0, 2.0))
# Saturated on the positive side only: there f = n exactly, and differences of f resolve
# nothing below eps n / h. (With both signs, f can be exactly 0 around the point -- e.g.
# tanh(21) + tanh(-21) -- and what finite differences may conclude there is another question.)
SATURATED = arrays(np.float64, st.integers(1, 4), elements=st.floats(21.0, 40.0))


def test_search_never_returns_a_point_where_the_check_is_inconclusive():
    # the premise: where the planted error is, the check cannot see it
    r = check_gradient(tanh_sum, wrong_where_saturated, (np.array([25.0, 30.0]),))
    assert r.verdict == "inconclusive", str(r)
    inputs = st.one_of(MODERATE, SATURATED).map(lambda x: (x,))
    found = find_counterexample(tanh_sum, wrong_where_saturated, inputs, max_examples=60)
    assert found is None, str(found)


def test_search_returns_a_failing_point_when_the_error_shows_somewhere():
    inputs = st.one_of(SATURATED, MODERATE).map(lambda x: (x,))
    found = find_counterexample(tanh_sum, lambda x: 3.0 * tanh_grad(x), inputs, max_examples=60)
    assert found is not None
    assert found.check is not None and found.check.verdict == "fail", str(found)
    assert np.all(found.args[0] <= 2.0), str(found)


POSITIVE_OR_NOT = arrays(np.float64, st.integers(1, 3),
                         elements=st.one_of(st.floats(0.1, 5.0), st.floats(-5.0, -0.1)))


def test_search_skips_draws_where_f_is_not_finite():
    found = find_counterexample(log_sum, log_sum_grad, POSITIVE_OR_NOT.map(lambda x: (x,)),
                                max_examples=60)
    assert found is None, str(found)


def test_search_skipping_non_finite_draws_still_finds_a_wrong_gradient():
    found = find_counterexample(log_sum, lambda x: 1.1 / x, POSITIVE_OR_NOT.map(lambda x: (x,)),
                                max_examples=60)
    assert found is not None
    assert np.isfinite(log_sum(found.args[0])), str(found)
    assert found.check is not None and found.check.verdict == "fail", str(found)


# ------------------------------------------------------------------ a zero confirmed is a pass


def _linear(x):
    return float(np.array([1.0, -2.0, 0.5]) @ x)


X_LIN = np.array([0.3, -1.2, 2.0])


def test_a_zero_confirmed_to_the_noise_floor_passes_with_an_absolute_promise():
    """The Hessian of a linear function is zero: the second differences are 0 within bars at
    the noise floor of ``f``, so the zero passes, with the absolute promise in the result
    and the report; a Hessian wrong by 1e-9 of the gradient's scale still fails."""
    from checks import check_hessian, check_jacobian

    r = check_hessian(_linear, lambda x: np.zeros((3, 3)), (X_LIN,))
    scale = abs(_linear(X_LIN)) / np.sqrt(np.mean(X_LIN**2)) ** 2
    assert r.verdict == "pass" and r.ok and np.isinf(r.detectable), str(r)
    assert 0.0 < r.absolute <= 1e-6 * scale
    assert ("Sensitivity: absolute: the Hessian is zero, confirmed to the noise floor of f; "
            f"no Hessian with max|A - H| > {r.absolute:.2g} can pass") in str(r)
    wrong = check_hessian(_linear, lambda x: np.full((3, 3), 1e-9), (X_LIN,))
    assert wrong.verdict == "fail", str(wrong)
    # the Jacobian of a constant map, and the gradient of a constant
    const = check_jacobian(lambda x: np.array([1.0, 2.0]) + 0.0 * x[:2], lambda x: np.zeros(
        (2, 3)), (X_LIN,))
    assert const.verdict == "pass" and const.absolute is not None, str(const)
    flat = check_gradient(lambda x: 4.0 + 0.0 * float(x @ x), lambda x: np.zeros(3), (X_LIN,))
    assert flat.verdict == "pass" and flat.absolute is not None, str(flat)
    # f identically 0: its values stand still to the last bit, the bars are subnormal
    zero = check_gradient(lambda v: 0.0 * float(np.sum(v)), lambda v: np.zeros(3), (X_LIN,))
    assert zero.verdict == "pass" and zero.absolute < np.finfo(float).tiny, str(zero)


@pytest.mark.parametrize("case", ["below-noise", "directional", "noisy"])
def test_what_is_not_a_confirmed_zero_stays_inconclusive(case):
    """A derivative below the noise whose analytic side is not zero (a saturated ``tanh``),
    a zero along random directions (the absolute rule is full mode's), and a zero whose bars
    are far above the noise floor (``f`` rounded to 1e-3) are not confirmed zeros:
    "inconclusive", never a pass."""
    x = np.array([30.0, 35.0])
    if case == "below-noise":
        r = check_gradient(lambda v: float(np.sum(np.tanh(v))), lambda v: 1 / np.cosh(v) ** 2,
                           (x,))
    elif case == "directional":
        r = check_gradient(lambda v: 4.0 + 0.0 * float(np.sum(v)), lambda v: np.zeros(2), (x,),
                           mode="directional")
    else:
        r = check_gradient(lambda v: float(np.round(1e-3 * np.sum(np.sin(v)), 3)) + 7.0,
                           lambda v: np.zeros(2), (np.array([0.3, 0.4]),))
    assert r.verdict == "inconclusive" and r.absolute is None, str(r)
