"""The per-entry ladder (``checks.ladder``) under the attacks of issue 17: every regime test on
the entry's own values, a curvature test, claims that must agree, jumps named, and floors
at the spacing of floats.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks import check_gradient, estimate_gradient
from checks._util import MIN_STEP_ULPS, TINY, floor_steps
from checks.ladder import JUMP, KINK, SMOOTH, UNRESOLVED, ladder


def _ladder_of(phi, x0, h0, noise=0.0):
    """:func:`ladder` of the one-dimensional ``phi`` at ``x0`` from the step ``h0``."""
    x = np.array([float(x0)])

    def evaluate(targets, entries):
        return np.array([[phi(t) for t in row] for row in targets])

    return ladder(evaluate, x, np.array([h0]), phi(float(x0)), noise)


@pytest.mark.parametrize("h0", [116.0, 30.0, 2.0])
def test_a_saturated_even_function_is_not_read_as_flat(h0):
    """``tanh(t)^2`` at ``0.7`` with a first step of ``116`` (what an O(1) entry beside
    entries of 1e4 got from ``rms(x)``): both sides saturate, the central differences are
    exactly 0 at the first three levels, and before this issue that was 'flat': the
    estimate 0 with an error bar of 0. ``f(x)`` does not fit the values around it, so the
    one-sided slopes differ more as the step shrinks: never taken."""
    def phi(t):
        return float(np.tanh(t) ** 2)

    true = 2.0 * np.tanh(0.7) * (1.0 - np.tanh(0.7) ** 2)
    lad = _ladder_of(phi, 0.7, h0)
    assert lad.kind[0] == SMOOTH
    assert abs(lad.value[0] - true) <= lad.error[0] <= 1e-9, (lad.value, lad.error)


def test_two_kinks_on_either_side_are_not_read_as_smooth():
    """``|t - 1e-5| + |t + 2e-5|`` plus a slope, at 0: the first steps straddle both kinks
    and their central differences agree (before: a wrong value with an error bar of 1e-11)."""
    def phi(t):
        return 0.3 * t + abs(t - 1e-5) + abs(t + 2e-5)

    lad = _ladder_of(phi, 0.0, 0.01)
    assert lad.kind[0] == SMOOTH
    assert abs(lad.value[0] - 0.3) <= lad.error[0] <= 1e-9, (lad.value, lad.error)


def test_a_jump_is_a_jump():
    lad = _ladder_of(lambda t: float(np.floor(t)) + t * t, 2.0, 0.02)
    assert lad.kind[0] == JUMP and lad.error[0] > 0.0
    kink = _ladder_of(lambda t: abs(t - 2.0), 2.0, 0.02)
    assert kink.kind[0] == KINK
    assert (kink.left[0], kink.right[0]) == pytest.approx((-1, 1), rel=1e-6, abs=0)


def test_claims_that_exclude_each_other_widen_the_bound():
    """Three levels of the stable log-sum-exp whose quanta halve with the step look exactly
    linear (an estimate 4e-3 off with a bound of 3e-20, before); the longer triple's claim
    excludes it, and the bound grows to cover both."""
    z = np.array([0.0, -29.0])

    def lse(v):
        m = float(np.max(v))
        return m + float(np.log(np.sum(np.exp(v - m))))

    true = np.exp(-29.0) / (1.0 + np.exp(-29.0))

    def phi(t):
        return lse(np.array([0.0, t]))

    lad = _ladder_of(phi, -29.0, 0.0116 * 29.0 * 2.0**-2, noise=1e-16)
    assert abs(lad.value[0] - true) <= lad.error[0], (lad.value, true, lad.error)
    est = estimate_gradient(lse, z)
    assert abs(est.value[1] - true) <= est.error[1]


def test_a_derivative_of_zero_with_exact_differences_is_resolved():
    """``tr(X^3)`` at ``X = 0``: ``D(h) = h^2`` on the diagonal, so ``R_1 = 0`` exactly at every
    level but the step changes ``D`` by 75 %; the extrapolation is exact, not unresolved."""
    X = np.zeros((3, 3))
    est = estimate_gradient(lambda A: float(np.trace(A @ A @ A)), X)
    assert np.all(est.kind == SMOOTH) and np.all(est.value == 0.0)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # a subnormal step: no overflow warning
def test_steps_move_their_entry_and_bounds_carry_the_spacing_of_floats():
    x = np.array([5e-324, -5e-324, 0.0, 1.0])
    h = floor_steps(x, np.zeros(4))
    assert np.all(x + h != x) and np.all(h >= MIN_STEP_ULPS * TINY)
    est = estimate_gradient(lambda v: 0.5 * float(v @ v), np.array([5e-324]))
    assert est.error[0] > 0.0  # f underflows to 0: 0 +- the spacing of floats, not 0 +- 0
    r = check_gradient(lambda v: 0.5 * float(v @ v), lambda v: v.copy(), (np.array([5e-324]),))
    assert r.verdict == "inconclusive", str(r)


def test_an_entry_that_cannot_settle_is_not_judged():
    """``sin(10 t)`` at a user's step of 1 (no refinement): unresolved, and a check on it is
    inconclusive -- its bound is a guess, not a bound, so even a wrong gradient is not
    called wrong there."""
    x = np.array([0.3, 0.7])
    f = lambda v: float(np.sum(np.sin(10.0 * v)))  # noqa: E731
    est = estimate_gradient(f, x, step=1.0)
    assert np.all(est.kind == UNRESOLVED)
    for grad in (lambda v: 10.0 * np.cos(10.0 * v), lambda v: -10.0 * np.cos(10.0 * v)):
        r = check_gradient(f, grad, (x,), step=1.0)
        assert r.verdict == "inconclusive" and np.all(np.isinf(r.tolerance)), str(r)


def test_a_steep_entry_does_not_blunt_the_error_bars_of_the_others():
    """``exp(3000 x_0) + sin(x_1)`` at ``(0, 1)``: ``f`` reaches ``1e10`` and more at the first
    steps along ``x_0``, while along ``x_1`` it stays near 1. Each entry's round-off is that of
    the values along its own steps, so ``x_1`` keeps the error bar of ``sin`` alone and an
    error of ``1e-6`` there fails."""
    def f(v):
        return float(np.exp(3000.0 * v[0]) + np.sin(v[1]))

    def grad(v):
        return np.array([3000.0 * np.exp(3000.0 * v[0]), np.cos(v[1])])

    x = np.array([0.0, 1.0])
    est = estimate_gradient(f, x)
    assert np.all(est.kind == SMOOTH)
    assert abs(est.value[1] - np.cos(1.0)) <= est.error[1] <= 1e-10, est.error
    assert check_gradient(f, grad, (x,)).verdict == "pass"
    off = check_gradient(f, lambda v: grad(v) * np.array([1.0, 1.0 + 1e-6]), (x,))
    assert off.verdict == "fail" and off.worst_index == (1,), str(off)
