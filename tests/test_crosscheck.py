"""Directions beyond the per-entry estimate (``checks.crosscheck``): coupled kinks, and the
noise probe's slope in directional mode.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks import check_gradient, estimate_gradient
from checks.crosscheck import KINK_DIRECTIONS, along_probe, kink_directions
from tests._attack import maxpool, maxpool_grad, odd_bump, odd_bump_grad


def _absdiff(x):
    return float(abs(x[0] - x[1]))


@pytest.mark.parametrize(("grad", "verdict"), [
    ((1.0, -1.0), "pass"), ((0.0, 0.0), "pass"), ((-0.5, 0.5), "pass"),
    ((1.0, 1.0), "fail"), ((-1.0, -1.0), "fail"), ((0.5, 0.0), "fail"),
])
def test_a_tie_accepts_subgradients_only(grad, verdict):
    """``|x_0 - x_1|`` at ``x_0 = x_1``: the subgradients are ``(s, -s)``, ``|s| <= 1``;
    entry by entry every value in ``[-1, 1]`` is allowed, so ``(1, 1)`` passed before."""
    r = check_gradient(_absdiff, lambda x: np.array(grad), (np.array([0.5, 0.5]),))
    assert r.verdict == verdict, str(r)
    if verdict == "fail":
        assert r.mismatched == 0 and "no subgradient" in r.reason
        assert any(not c.ok for c in r.crosschecks) and "Cross-check FAILED" in str(r)


def test_a_max_pool_backward_pass_to_every_tied_maximum_fails():
    X = np.array([[3.0, 3.0], [1.0, 0.0]])
    right = check_gradient(maxpool, maxpool_grad, (X,))
    assert right.verdict == "pass", str(right)
    every = check_gradient(maxpool, lambda A: (A == A.max()).astype(float), (X,))
    assert every.verdict == "fail", str(every)


def test_kinks_oriented_both_ways_are_left_to_the_per_entry_rule():
    """``|x_0| - |x_1|`` at 0 is neither convex nor concave: ``(1, -1)`` is a Clarke
    subgradient (the gradient of the quadrant ``x_0, x_1 > 0``) although ``f`` is constant
    along ``(1, -1)``; no coupled direction is tried."""
    f = lambda x: float(abs(x[0]) - abs(x[1]))  # noqa: E731
    x = np.zeros(2)
    est = estimate_gradient(f, x)
    assert kink_directions(np.array([1.0, -1.0]), est).shape == (0, 2)
    for grad in ((1.0, -1.0), (1.0, 1.0), (0.0, 0.0)):
        assert check_gradient(f, lambda x, g=grad: np.array(g), (x,)).verdict == "pass"
    assert check_gradient(f, lambda x: np.array([1.5, 0.0]), (x,)).verdict == "fail"


def test_the_kink_directions():
    x = np.array([0.5, 0.5, 2.0])
    f = lambda v: float(abs(v[0] - v[1]) + v[2] ** 2)  # noqa: E731
    est = estimate_gradient(f, x)
    a = np.array([1.0, 1.0, 4.0])
    vs = kink_directions(a, est)
    assert vs.shape == (2 + KINK_DIRECTIONS, 3)
    assert np.all(vs[:, 2] == 0.0)  # only the kink entries move
    assert np.allclose(vs[0], [1.0, 1.0, 0.0], atol=0)  # a minus the midpoints (0) on the kinks
    assert np.array_equal(vs[1], [1.0, 1.0, 0.0])  # every kink entry at once
    one = estimate_gradient(lambda v: float(abs(v[0]) + v[1] ** 2), np.array([0.0, 1.0]))
    assert kink_directions(np.array([1.0, 2.0]), one).shape == (0, 2)


def test_the_first_kink_direction_leaves_the_middle_of_intervals_that_are_not_centred():
    """``max(x_0, x_1)`` at a tie: each entry's one-sided derivatives are 0 and 1, the middle
    1/2; ``a = (1, 1)``, at the top of both intervals, is furthest out along ``a - m =
    (1/2, 1/2)`` (``f`` rises by 1/2 along it, ``<a, v>`` by 1) and is no subgradient."""
    x = np.array([0.5, 0.5, 1.0])
    f = lambda v: float(max(v[0], v[1]) + v[2] ** 2)  # noqa: E731
    est = estimate_gradient(f, x)
    a = np.array([1.0, 1.0, 2.0])
    vs = kink_directions(a, est)
    assert np.allclose(vs[0], [0.5, 0.5, 0.0], rtol=0.0, atol=10.0 * np.max(est.error))
    r = check_gradient(f, lambda v: np.array([1.0, 1.0, 2.0 * v[2]]), (x,))
    assert r.verdict == "fail" and r.mismatched == 0, str(r)
    first = r.crosschecks[0]
    assert not first.ok and first.label.endswith(
        "(the analytic gradient minus the middle of their intervals)"), first.label
    half = check_gradient(f, lambda v: np.array([0.5, 0.5, 2.0 * v[2]]), (x,))
    assert half.verdict == "pass", str(half)


def test_directional_mode_compares_the_analytic_gradient_with_the_probes_slope():
    """The probe ran along the first direction at 1e-6 rms(x): ``<a, p>`` is held to its slope
    as one more comparison, which the exact gradient is within and a wrong one is not."""
    x = np.array([0.3, -1.2, 2.0])
    f = lambda v: float(np.sum(np.sin(v) * np.exp(v / 2.0)))  # noqa: E731
    g = lambda v: np.exp(v / 2.0) * (np.cos(v) + 0.5 * np.sin(v))  # noqa: E731
    r = check_gradient(f, g, (x,), mode="directional")
    assert r.verdict == "pass", str(r)
    [probe] = [c for c in r.crosschecks if c.label == "the noise probe's direction"]
    assert probe.ok and probe.lower == probe.upper
    assert str(probe).startswith("along the noise probe's direction: <analytic, v> = ")
    assert " is within the tolerance " in str(probe) and "of the derivative " in str(probe)
    est = estimate_gradient(f, x)
    wrong = along_probe(1.01 * g(x), est, rtol=1e-8, atol=0.0, safety=10.0)
    assert not wrong.ok and " is outside the tolerance " in str(wrong)
    assert along_probe(g(x), est, rtol=1e-8, atol=0.0, safety=10.0).ok


def test_directional_mode_holds_the_analytic_gradient_to_the_probes_slope():
    """An odd bump of width 1e-6: ``f(x)`` fits its neighbours and the differences along any
    direction are flat at the usual steps; the probe along the first direction sees it at
    1e-6 rms(x) and every direction runs again at shorter steps."""
    c, w = 0.2, 1e-6
    x = np.array([c, 0.5, -0.8])
    right = check_gradient(odd_bump, odd_bump_grad, (x, c, w), mode="directional")
    assert right.verdict == "pass", str(right)
    dropped = check_gradient(odd_bump, lambda v, c, w: 2.0 * v, (x, c, w), mode="directional")
    assert dropped.verdict == "fail", str(dropped)
