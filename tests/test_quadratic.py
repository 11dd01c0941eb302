"""Problem 6: f(w, X) = w^T X w for non-symmetric X."""

import numpy as np
import pytest

from checks import assert_gradient
from gradients import quadratic_form, quadratic_form_grad, quadratic_form_grad_X

RNG = np.random.default_rng(0)


def case(d: int) -> tuple[np.ndarray, np.ndarray]:
    X = RNG.standard_normal((d, d))
    if d > 1:
        X[-1, 0] += 2.0  # not symmetric
    return RNG.standard_normal(d), X


@pytest.mark.parametrize("d", [1, 2, 5])
def test_quadratic_form_is_the_double_sum(d):
    w, X = case(d)
    expected = sum(w[i] * X[i, j] * w[j] for i in range(d) for j in range(d))
    assert quadratic_form(w, X) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_gradient_is_X_plus_XT_times_w_not_2Xw():
    # sheet candidate 6: [df/dw]_k = sum_j w_j X_kj + sum_i w_i X_ik
    w, X = case(4)
    expected = np.array([sum(w[j] * X[k, j] + w[j] * X[j, k] for j in range(4)) for k in range(4)])
    grad = quadratic_form_grad(w, X)
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(grad, 2 * X @ w)


def test_symmetric_X_gives_2Xw():
    w, X = case(3)
    S = X + X.T
    np.testing.assert_allclose(quadratic_form_grad(w, S), 2 * S @ w, rtol=1e-12, atol=1e-14)


def test_gradient_wrt_X_is_outer_product():
    w, X = case(3)
    expected = np.array([[w[i] * w[j] for j in range(3)] for i in range(3)])
    np.testing.assert_array_equal(quadratic_form_grad_X(w, X), expected)


@pytest.mark.parametrize("d", [1, 3, 6])
def test_gradients_match_finite_differences(d):
    w, X = case(d)
    assert_gradient(quadratic_form, quadratic_form_grad, (w, X), argnum=0)
    assert_gradient(quadratic_form, quadratic_form_grad_X, (w, X), argnum=1)
