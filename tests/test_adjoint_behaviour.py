"""The dot-product test (``checks.adjoint``): the pairs, both sides, the bar, the failures.

The random pairs are drawn here again from the documented order (``v_j`` first, then
``u_j``, from the given seed), and both sides and the round-off bar
``eps (sqrt(m) sum|u o jvp(v)| + sqrt(n) sum|vjp(u) o v|)`` of the module docstring are
computed term by term.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from checks._util import EPS
from checks.adjoint import check_adjoint

A = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, -1.0]])  # out (3,), in (2,)
X = np.array([0.5, 1.5])


def jvp(v, x):
    return A @ v


def vjp(u, x):
    return A.T @ u


def test_both_sides_and_the_bar_term_by_term() -> None:
    r = check_adjoint(jvp, vjp, (X,), directions=3, rng=11)
    gen = np.random.default_rng(11)
    vs = gen.standard_normal((3, 2))
    us = gen.standard_normal((3, 3))
    for j in range(3):
        left = [us[j, o] * sum(A[o, i] * vs[j, i] for i in range(2)) for o in range(3)]
        right = [sum(A[o, i] * us[j, o] for o in range(3)) * vs[j, i] for i in range(2)]
        assert r.analytic[j] == pytest.approx(math.fsum(left), rel=1e-13, abs=0)
        assert r.numerical[j] == pytest.approx(math.fsum(right), rel=1e-13, abs=0)
        bar = EPS * (math.sqrt(3) * sum(map(abs, left)) + math.sqrt(2) * sum(map(abs, right)))
        assert r.error[j] == pytest.approx(bar, rel=1e-12, abs=0)
    assert np.array_equal(r.lower, r.numerical) and np.array_equal(r.upper, r.numerical)
    assert r.verdict == "pass" and r.ok


def test_the_result_describes_the_adjoint_test() -> None:
    r = check_adjoint(jvp, vjp, (X,))
    assert r.mode == "adjoint" and r.what == "adjoint" and r.method == "dot-product"
    assert r.name == "jvp / vjp"
    assert r.compares == "<u, jvp(v)> against <vjp(u), v>"
    assert r.evaluations == 0 and r.evaluated == "f"
    assert r.step_factor is None
    assert r.shape == (2,) and r.out_shape == (3,)
    assert r.analytic.shape == (2,)  # two pairs by default
    assert (r.rtol, r.safety) == (1e-8, 10.0)
    assert 0.0 < r.detectable < 1.0
    assert str(r).startswith("adjoint check passed: jvp against vjp (jvp / vjp) with respect "
                             "to args[0], input shape (2,), output shape (3,), along 2 random "
                             "pairs (u_j, v_j)")


def test_a_wrong_vjp_fails_with_its_reason() -> None:
    r = check_adjoint(jvp, lambda u, x: A[:, ::-1].T @ u, (X,), directions=4)
    assert r.verdict == "fail"
    assert r.mismatched >= 1
    assert r.reason == f"{r.mismatched} of 4 pairs differ by more than the tolerance"


def test_a_vjp_wrong_by_a_relative_1e_6_fails_and_one_by_1e_10_passes() -> None:
    assert check_adjoint(jvp, lambda u, x: (1 + 1e-6) * (A.T @ u), (X,)).verdict == "fail"
    assert check_adjoint(jvp, lambda u, x: (1 + 1e-10) * (A.T @ u), (X,)).verdict == "pass"
    strict = check_adjoint(jvp, lambda u, x: (1 + 1e-10) * (A.T @ u), (X,), rtol=0)
    assert strict.verdict == "fail"


def test_a_jvp_that_changes_shape_is_a_failure_naming_the_pair() -> None:
    calls = []

    def jvp_changes(v, x):
        calls.append(v)
        return A @ v if len(calls) == 1 else (A @ v)[:2]

    r = check_adjoint(jvp_changes, vjp, (X,), directions=3)
    assert r.verdict == "fail" and not r.ok
    assert r.tolerance is None
    assert r.reason == ("jvp(v, *args) of pair 1 has shape (2,), but its shape at pair 0 is "
                        "(3,) (no broadcasting, no transposed layout)")
    assert r.mismatched == 3
    assert not np.isnan(r.analytic[0]) and np.isnan(r.analytic[1:]).all()


def test_a_wrong_vjp_shape_is_a_failure_naming_the_pair() -> None:
    r = check_adjoint(jvp, lambda u, x: np.append(A.T @ u, 0.0), (X,))
    assert r.verdict == "fail"
    assert r.reason == ("vjp(u, *args) of pair 0 has shape (3,), but the argument's shape is "
                        "(2,) (no broadcasting, no transposed layout)")
    assert np.isnan(r.analytic).all() and np.isnan(r.numerical).all()
    r = check_adjoint(jvp, lambda u, x: A.T @ u * np.array([1.0, np.nan]), (X,))
    assert r.reason == "vjp(u, *args) of pair 0 is not finite: nan at index (1,)"


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match=r"^directions must be an integer >= 1, got 0$"):
        check_adjoint(jvp, vjp, (X,), directions=0)
    with pytest.raises(ValueError, match=r"^rtol must be finite and >= 0"):
        check_adjoint(jvp, vjp, (X,), rtol=-1.0)
    with pytest.raises(ValueError, match="use mode='full'"):
        check_adjoint(lambda v, x: np.zeros(0), lambda u, x: np.zeros(2), (X,))


def test_an_integer_argument_is_noted_and_rtol_safety_atol_reach_the_result() -> None:
    r = check_adjoint(jvp, vjp, (np.array([1, 2]),), rtol=1e-6, safety=3.0, atol=1e-9)
    assert r.notes[0] == "args[0] had dtype int64; it was differentiated in float64"
    assert (r.rtol, r.safety, r.atol) == (1e-6, 3.0, 1e-9)
    n = np.abs(r.numerical)
    assert np.allclose(r.tolerance, 1e-9 + 3.0 * r.error + 1e-6 * n, rtol=1e-12, atol=0)


def test_the_argument_is_chosen_by_argnum() -> None:
    def jvp2(v, c, x):
        return c * (A @ v)

    def vjp2(u, c, x):
        return c * (A.T @ u)

    r = check_adjoint(jvp2, vjp2, (2.0, X), argnum=1)
    assert r.verdict == "pass" and r.argnum == 1 and r.shape == (2,)
    bad = check_adjoint(jvp2, lambda u, c, x: A.T @ u, (2.0, X), argnum=1)
    assert bad.verdict == "fail"


def test_detectable_is_the_pair_bound_over_the_jvps_lower_bound_on_max_a() -> None:
    from tests.test_jacobian_behaviour import detectable_by_hand

    r = check_adjoint(jvp, vjp, (X,), directions=5, rng=4)
    gen = np.random.default_rng(4)
    vs = gen.standard_normal((5, 2))
    us = gen.standard_normal((5, 3))
    top = max(float(np.max(np.abs(A @ v))) / np.abs(v).sum() for v in vs)
    assert r.detectable == pytest.approx(detectable_by_hand(r, us, vs, top), rel=1e-7, abs=0)
