"""Problem 3: the bipolar sigmoid tanh(a/2) with a squared loss."""

import numpy as np
import pytest

from gradients import bipolar_sigmoid, bipolar_squared_grad, bipolar_squared_loss, bipolar_step
from tests._helpers import strict_floats


def sheet_f(a):
    """The sheet's definition, (1 - exp(-a)) / (1 + exp(-a)); overflows for a < -709."""
    return (1 - np.exp(-a)) / (1 + np.exp(-a))


def random_problem(rng, n=10, d=3, scale=1.0):
    X = rng.standard_normal((n, d))
    y = rng.choice([-1.0, 1.0], size=n)
    return scale * rng.standard_normal(d), X, y


def test_bipolar_sigmoid_is_tanh_of_half_a():
    a = np.linspace(-50, 50, 1001)
    np.testing.assert_allclose(bipolar_sigmoid(a), np.tanh(a / 2), rtol=1e-15, atol=0)


def test_bipolar_sigmoid_equals_the_sheets_formula_for_moderate_a():
    a = np.concatenate([np.linspace(-30, 30, 601), [1e-8, -1e-8]])
    np.testing.assert_allclose(bipolar_sigmoid(a), sheet_f(a), rtol=1e-12, atol=1e-15)


def test_bipolar_sigmoid_is_odd_bounded_and_keeps_shape(rng):
    a = rng.standard_normal((3, 4)) * 10
    f = bipolar_sigmoid(a)
    assert f.shape == (3, 4)
    np.testing.assert_array_equal(bipolar_sigmoid(-a), -f)
    assert np.all(np.abs(f) <= 1)
    assert bipolar_sigmoid(0.0).shape == ()


def test_bipolar_sigmoid_saturates_without_overflow():
    with strict_floats():
        f = bipolar_sigmoid(np.array([-1e3, -800.0, 800.0, 1e3]))
    np.testing.assert_array_equal(f, [-1.0, -1.0, 1.0, 1.0])


def test_loss_matches_the_definition(rng):
    w, X, y = random_problem(rng)
    expected = 0.5 * np.sum((sheet_f(X @ w) - y) ** 2)
    assert bipolar_squared_loss(w, X, y) == pytest.approx(expected, rel=1e-12, abs=0)


def test_gradient_is_sheet_candidate_3_times_the_loss_factor(rng):
    # candidate 3 gives df/dw = 2 x e^{-a} / (1 + e^{-a})^2; the loss adds the factor (f - y)
    w, X, y = random_problem(rng)
    a = X @ w
    df_dw = (2 * np.exp(-a) / (1 + np.exp(-a)) ** 2)[:, None] * X
    expected = np.sum((sheet_f(a) - y)[:, None] * df_dw, axis=0)
    np.testing.assert_allclose(bipolar_squared_grad(w, X, y), expected, rtol=1e-12)


def test_extreme_margins_give_finite_values_without_warnings():
    # a = X @ w = [1000, -1000, 1000, -1000, 0]
    X = np.array([[1.0], [-1.0], [1.0], [-1.0], [0.0]])
    w = np.array([1000.0])
    y = np.array([-1.0, 1.0, 1.0, -1.0, 1.0])
    with strict_floats():
        loss = bipolar_squared_loss(w, X, y)
        grad = bipolar_squared_grad(w, X, y)
    assert loss == 0.5 * (4 + 4 + 0 + 0 + 1)
    # saturated samples have f' = 0 exactly in float64; the a = 0 sample has x = 0
    np.testing.assert_array_equal(grad, [0.0])


def test_step_is_one_gradient_descent_update_and_does_not_mutate(rng):
    w, X, y = random_problem(rng)
    w_before = w.copy()
    new = bipolar_step(w, X, y, lr=0.1)
    np.testing.assert_array_equal(w, w_before)
    assert not np.shares_memory(new, w)
    a = X @ w
    expected_grad = X.T @ ((sheet_f(a) - y) * (1 - sheet_f(a) ** 2) / 2)
    np.testing.assert_allclose(new, w - 0.1 * expected_grad, rtol=1e-12)


def test_small_step_decreases_the_loss(rng):
    for _ in range(5):
        w, X, y = random_problem(rng, scale=1.5)
        g = bipolar_squared_grad(w, X, y)
        assert np.linalg.norm(g) > 1e-6
        before = bipolar_squared_loss(w, X, y)
        for lr in (1e-1, 1e-2, 1e-3):
            after = bipolar_squared_loss(bipolar_step(w, X, y, lr), X, y)
            assert after < before
            # first-order prediction: L(w - lr g) = L(w) - lr ||g||^2 + O(lr^2)
            assert after == pytest.approx(before - lr * (g @ g), abs=10 * lr**2 * (1 + g @ g))
