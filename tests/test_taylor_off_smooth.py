"""The Taylor test on the hard cases: three verdicts, and a sensitivity it must not overstate.

``taylor_test`` sees the error along its direction ``v`` only, and only above the round-off
floor of ``f``: on ``1e6 + |x|^2`` that floor is ``1e6 eps`` and a gradient entry off by a
relative ``1e-6`` leaves a first-order remainder below it at every step where the
second-order one is below it too. The result's ``detectable`` bounds the relative error
along ``v`` that it would have seen; a larger one never gets ``"pass"``, and where
``detectable`` is large the verdict is ``"inconclusive"``.

The error along ``v`` is measured here as ``|<a - g, v>|`` divided by the largest of
``|<g, v>|``, ``|g|_2 |v|_2`` and ``max|g| |v|_1`` -- the smallest of the plausible relative
measures, so that the promise is asserted whichever of them the engine uses.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import taylor_test
from tests._functions import fewer, sin_exp, sin_exp_grad
from tests._hard import (
    HARD_CASES,
    VERDICTS,
    by_id,
    offset_square,
    offset_square_grad,
    strategy,
)

# At an exact kink a one-sided Taylor remainder is first order even for an admissible
# gradient, and the contract says nothing of kinks for the Taylor test: that case is left out.
SMOOTH_AT_X = [c for c in HARD_CASES if c.onesided is None]
cases = pytest.mark.parametrize("case", SMOOTH_AT_X, ids=[c.id for c in SMOOTH_AT_X])


def directional_error(a, g, v) -> float:
    """The Taylor test's own measure: the relative error along v, |<a - g, v>| / |<g, v>|."""
    a, g, v = (np.asarray(t, dtype=float) for t in (a, g, v))
    d = abs(float(np.sum((a - g) * v)))
    scale = abs(float(np.sum(g * v)))
    if d == 0.0:
        return 0.0
    return d / scale if scale > 0.0 else float("inf")


def assert_taylor_promise(r, a, g, v) -> float:
    __tracebackhide__ = True
    err = directional_error(a, g, v)
    report = str(r)
    assert r.verdict in VERDICTS, report
    assert r.ok == (r.verdict == "pass"), report
    detectable = float(r.detectable)
    assert detectable >= 0.0 and not np.isnan(detectable), report
    assert not (r.verdict == "pass" and err > detectable), (
        f"an error of {err:.3g} along v passed, but detectable is {detectable:.3g}:\n{report}"
    )
    return err


def draw_case(case, data):
    args = data.draw(strategy(case), label="args")
    seed = data.draw(st.integers(0, 2**32 - 1), label="direction seed")
    v = np.random.default_rng(seed).standard_normal(np.shape(args[case.argnum]))
    return args, v


def copied(args):
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)


# ------------------------------------------------------------------------------ every case


@cases
@given(data=st.data())
@fewer(5)
def test_exact_gradient_never_fails_the_taylor_test(case, data):
    args, v = draw_case(case, data)
    r = taylor_test(case.f, case.grad, copied(args), argnum=case.argnum, direction=v)
    assert_taylor_promise(r, case.grad(*args), case.grad(*args), v)
    assert r.verdict != "fail", str(r)


@cases
@given(data=st.data())
@fewer(5)
def test_wrong_gradient_never_passes_the_taylor_test_above_detectable(case, data):
    args, v = draw_case(case, data)
    g = case.grad(*copied(args))
    for label, wrong in case.wrong:
        r = taylor_test(case.f, wrong, copied(args), argnum=case.argnum, direction=v)
        try:
            assert_taylor_promise(r, wrong(*copied(args)), g, v)
        except AssertionError as exc:
            raise AssertionError(f"{case.id}, {label!r}: {exc}") from None


# ------------------------------------------------------------------------------ the offset


OFFSET_AT = np.array([0.3, -1.2, 2.0, 0.7])


@pytest.mark.parametrize("k", range(4))
def test_taylor_test_on_an_offset_square_never_claims_a_1e_6_sensitivity_it_lacks(k):
    """``1e6 + |x|^2`` with entry ``k`` off by ``1e-6 |g_k|``: along ``e_k`` an error of 1e-6."""
    g = offset_square_grad(OFFSET_AT)
    v = np.eye(4)[k]

    def wrong(x):
        a = offset_square_grad(x)
        a[k] += 1e-6 * abs(a[k])
        return a

    r = taylor_test(offset_square, wrong, (OFFSET_AT.copy(),), direction=v)
    err = assert_taylor_promise(r, wrong(OFFSET_AT), g, v)
    assert err == pytest.approx(1e-6, rel=1e-9, abs=0)
    report = str(r).lower()
    assert "sensitivity" in report or "detectable" in report, str(r)


def test_taylor_test_on_an_offset_square_with_the_right_gradient_never_fails():
    v = np.array([1.0, -0.5, 0.25, 2.0])
    r = taylor_test(offset_square, offset_square_grad, (OFFSET_AT.copy(),), direction=v)
    assert_taylor_promise(r, offset_square_grad(OFFSET_AT), offset_square_grad(OFFSET_AT), v)
    assert r.verdict != "fail", str(r)


# ------------------------------------------------------------------------------ three verdicts


SMOOTH_AT = np.array([0.3, -1.2, 2.0])
V = np.array([1.0, 0.5, -0.75])


def test_taylor_test_passes_a_right_gradient_of_a_smooth_function():
    r = taylor_test(sin_exp, sin_exp_grad, (SMOOTH_AT.copy(),), direction=V)
    assert r.verdict == "pass" and r.ok, str(r)
    assert r.detectable < 1e-3, str(r)


def test_taylor_test_fails_a_gradient_off_by_ten_percent():
    r = taylor_test(sin_exp, lambda x: 1.1 * sin_exp_grad(x), (SMOOTH_AT.copy(),), direction=V)
    assert r.verdict == "fail" and not r.ok, str(r)


@pytest.mark.parametrize("factor", [1.0, 2.0], ids=["right", "doubled"])
def test_taylor_test_below_the_resolution_of_f_is_inconclusive(factor):
    def f(v):
        return 1.0 + 1e-20 * float(v @ v)

    r = taylor_test(f, lambda v: factor * 2e-20 * v, (np.array([1.0, 2.0]),))
    assert r.verdict == "inconclusive" and not r.ok, str(r)


def test_taylor_test_of_the_huge_output_keeps_its_verdicts():
    case = by_id("huge-output")
    x = np.array([0.3, -1.2, 2.0])
    right = taylor_test(case.f, case.grad, (x.copy(),), direction=V)
    wrong = taylor_test(case.f, lambda u: 4e170 * u, (x.copy(),), direction=V)
    assert (right.verdict, wrong.verdict) == ("pass", "fail"), f"{right}\n{wrong}"


# ------------------------------------------------------------------------------ arguments


@pytest.mark.parametrize("shape", [(3,), (2, 2), ()])
def test_zero_direction_is_an_error(shape):
    x = np.ones(shape)
    with pytest.raises(ValueError, match="non-zero"):
        taylor_test(lambda u: float(np.sum(u**2)), lambda u: 2.0 * u, (x,),
                    direction=np.zeros(shape))
