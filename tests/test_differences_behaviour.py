"""Behaviour of :mod:`checks.differences`, the public entry: each method's value, bound,
steps and cost on exact polynomials, the user's step (validated, not refined), the notes,
and :func:`numerical_gradient` passing every argument on."""

from __future__ import annotations

import numpy as np
import pytest

from checks._util import EPS
from checks.differences import _require_applied, estimate_gradient, numerical_gradient
from checks.methods import STEP_FACTORS
from checks.probe import NOISE_POINTS

BASE = 2 + (NOISE_POINTS - 1)  # two calls at x and one probe, for a smooth f


def _cube(v):
    return float(np.sum(v**3))


def test_central_with_a_user_step_is_one_unrefined_pass():
    """``D(h) = 3 x^2 + h^2`` (dyadic, exact); bound ``T = 3 h^2`` plus round-off; the step
    the user gave, ``4n`` evaluations after the baseline."""
    x = np.array([1.0, -2.0])
    h = 2.0**-4
    est = estimate_gradient(_cube, x, method="central", step=h)
    np.testing.assert_array_equal(est.value, 3.0 * x**2 + h * h)
    assert np.all(est.error >= 3.0 * h * h) and np.all(est.error <= 3.0 * h * h * (1 + 1e-9))
    np.testing.assert_array_equal(est.step, [h, h])
    assert est.method == "central" and est.evaluations == BASE + 4 * 2
    assert est.f0 == -7.0 and est.notes == ()


def test_forward_with_a_user_step():
    x = np.array([1.0, 0.5])
    h = 2.0**-5
    est = estimate_gradient(_cube, x, method="forward", step=h)
    # F(h) = 3 x^2 + 3 x h + h^2
    np.testing.assert_array_equal(est.value, 3.0 * x**2 + 3.0 * x * h + h * h)
    assert est.evaluations == BASE + 2 * 2 and est.method == "forward"


def test_default_steps_are_refined_and_cover_the_truth():
    x = np.array([0.3, -1.1, 2.0])
    for method in ("richardson", "central", "forward"):
        est = estimate_gradient(lambda v: float(np.sum(np.sin(v))), x, method=method)
        assert np.all(np.abs(est.value - np.cos(x)) <= est.error), method
        assert est.method == method and est.step.shape == x.shape
        assert np.all(est.step > 0.0)


def test_the_steps_reported_are_those_the_values_came_from():
    """``tanh(t)^2`` at 0.7 beside an entry of 100: the default Richardson step of entry 0,
    ``2 eps^(1/7) rms(x)``, is about 0.8, where ``tanh^2`` is far from its asymptotic regime;
    its ladder descends, and the step reported is the shorter one its value came from."""
    x = np.array([0.7, 100.0])
    f = lambda v: float(np.tanh(v[0]) ** 2 + v[1])  # noqa: E731
    est = estimate_gradient(f, x)
    first = STEP_FACTORS["richardson"] * np.sqrt((0.49 + 1e4) / 2.0)
    assert est.step[0] < first / 2.0
    true = 2.0 * np.tanh(0.7) * (1.0 - np.tanh(0.7) ** 2)
    assert abs(est.value[0] - true) <= est.error[0]


def test_complex_step_is_cross_checked_and_tight():
    x = np.array([0.5, 1.5])
    est = estimate_gradient(lambda v: np.sum(np.exp(v)), x, method="complex")
    assert np.all(np.abs(est.value - np.exp(x)) <= est.error)
    assert np.all(est.error < 1e-10)
    # more than the baseline and one complex evaluation per entry: the cross-check
    assert est.evaluations > BASE + 2
    np.testing.assert_allclose(est.step, 1e-20 * np.maximum(np.abs(x), np.sqrt(1.25)),
                               rtol=1e-12)


def test_a_complex_step_chosen_by_the_user_is_not_required_to_move_x():
    """``x + 1e-30 == x`` in floating point, but the complex step perturbs the imaginary
    part: it is accepted."""
    est = estimate_gradient(lambda v: np.sum(v**2), np.array([1.0]), method="complex",
                            step=1e-30)
    assert est.value[0] == pytest.approx(2.0, rel=1e-14, abs=0)


def test_a_user_step_that_does_not_move_x_is_refused():
    with pytest.raises(ValueError, match=r"underflows at entry \(1,\): x \+ h == x there") as e:
        estimate_gradient(_cube, np.array([0.0, 2.0]), method="central", step=1e-20)
    assert "use a step above 4.44e-16 or the default" in str(e.value)  # 2 eps at x = 2
    # one side alone is enough: the spacing of floats below 1 is eps / 2, above it eps, so a
    # step of 0.4 eps moves 1 down but not up, and moves -1 up but not down
    h = np.array([0.4 * EPS])
    assert 1.0 + h[0] == 1.0 and 1.0 - h[0] != 1.0
    assert -1.0 - h[0] == -1.0 and -1.0 + h[0] != -1.0
    for x in (np.array([1.0]), np.array([-1.0])):
        with pytest.raises(ValueError, match=r"underflows at entry \(0,\)"):
            _require_applied(x, h)
    _require_applied(np.array([1.0, -1.0]), np.array([1e-8]))  # a step that moves x is fine


def test_integer_points_are_noted():
    est = estimate_gradient(_cube, np.array([1, 2]), method="central", step=2.0**-4)
    assert est.notes[0] == "x had dtype int64; it was differentiated in float64"


def test_a_noisy_function_is_noted():
    def f(v):
        key = int(np.frombuffer(v.tobytes(), dtype=np.uint64).sum() % (2**63))
        return float(np.sum(v**2)) + 1e-6 * np.random.default_rng(key).random()

    est = estimate_gradient(f, np.array([1.0, 2.0]))
    assert any(n.startswith("f is noisy at the ") for n in est.notes), est.notes
    assert est.noise > 1e-8


def test_numerical_gradient_passes_every_argument_on():
    x = np.array([1.0, -2.0])
    h = 2.0**-4
    g = numerical_gradient(_cube, x, method="central", step=h)
    np.testing.assert_array_equal(g, 3.0 * x**2 + h * h)
    g = numerical_gradient(_cube, x, method="forward", step=h)
    np.testing.assert_array_equal(g, 3.0 * x**2 + 3.0 * x * h + h * h)

    def cube_v(batch):
        return np.sum(np.asarray(batch) ** 3, axis=-1)

    gv = numerical_gradient(cube_v, x, method="central", step=h, vectorized=True)
    np.testing.assert_array_equal(gv, 3.0 * x**2 + h * h)
    gd = numerical_gradient(_cube, x)
    np.testing.assert_allclose(gd, 3.0 * x**2, rtol=1e-9)
    assert gd.dtype == np.float64 and gd.shape == x.shape
    with pytest.raises(ValueError):
        numerical_gradient(_cube, x, method="backward")


def test_the_underflow_message_shows_plain_numbers():
    """The step and the entry are printed as numbers, not as ``np.float64(...)`` reprs."""
    with pytest.raises(ValueError) as info:
        estimate_gradient(_cube, np.array([0.0, 2.0]), method="central", step=1e-20)
    assert str(info.value) == ("step 1e-20 underflows at entry (1,): x + h == x there "
                               "(x = 2.0); use a step above 4.44e-16 or the default")
