"""Problem 6: f(w, X) = w^T X w for non-symmetric X."""

import numpy as np
import pytest

from gradients import quadratic_form, quadratic_form_grad, quadratic_form_grad_X


def case(rng: np.random.Generator, d: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((d, d))
    if d > 1:
        X[-1, 0] += 2.0  # not symmetric
    return rng.standard_normal(d), X


@pytest.mark.parametrize("d", [1, 2, 5])
def test_quadratic_form_is_the_double_sum(rng, d):
    w, X = case(rng, d)
    expected = sum(w[i] * X[i, j] * w[j] for i in range(d) for j in range(d))
    assert quadratic_form(w, X) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_gradient_is_X_plus_XT_times_w_not_2Xw(rng):
    # sheet candidate 6: [df/dw]_k = sum_j w_j X_kj + sum_i w_i X_ik
    w, X = case(rng, 4)
    expected = np.array([sum(w[j] * X[k, j] + w[j] * X[j, k] for j in range(4)) for k in range(4)])
    grad = quadratic_form_grad(w, X)
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(grad, 2 * X @ w)


def test_symmetric_X_gives_2Xw(rng):
    w, X = case(rng, 3)
    S = X + X.T
    np.testing.assert_allclose(quadratic_form_grad(w, S), 2 * S @ w, rtol=1e-12, atol=1e-14)


def test_gradient_wrt_X_is_outer_product(rng):
    w, X = case(rng, 3)
    expected = np.array([[w[i] * w[j] for j in range(3)] for i in range(3)])
    np.testing.assert_array_equal(quadratic_form_grad_X(w, X), expected)
