"""Problem 1: tr(X^k) and its gradient k (X^{k-1})^T."""

import numpy as np
import pytest

from checks import check_gradient
from gradients import trace_power, trace_power_grad


def nonsymmetric(rng: np.random.Generator, d: int) -> np.ndarray:
    X = rng.standard_normal((d, d))
    if d > 1:
        X[0, -1] += 3.0  # make sure X != X^T
    return X


@pytest.mark.parametrize("k", range(7))
@pytest.mark.parametrize("d", [1, 2, 4])
def test_trace_power_is_the_sum_of_eigenvalue_powers(rng, d, k):
    X = nonsymmetric(rng, d)
    expected = np.sum(np.linalg.eigvals(X) ** k).real
    assert trace_power(X, k) == pytest.approx(expected, rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("d", [1, 3, 5])
def test_k0_gradient_is_zero_and_passes_with_an_absolute_promise(rng, d):
    # tr(X^0) = D is constant: the numerical gradient is 0 within error bars at the noise
    # floor of f, against which no relative error can be judged -- the zero passes with an
    # absolute promise (checks.rule, "A zero confirmed is a pass"), a non-zero one fails
    X = nonsymmetric(rng, d)
    right = check_gradient(trace_power, trace_power_grad, (X, 0))
    assert right.verdict == "pass" and not np.any(right.numerical), str(right)
    assert 0.0 < right.absolute <= 1e-6 * d / np.sqrt(np.mean(X**2)), right.absolute
    assert "Sensitivity: absolute: the gradient is zero" in str(right)
    wrong = check_gradient(trace_power, lambda Y, k: np.eye(len(Y)), (X, 0))
    assert wrong.verdict == "fail", str(wrong)


def test_k0_is_constant_D_with_zero_gradient(rng):
    X = nonsymmetric(rng, 4)
    assert trace_power(X, 0) == 4.0
    np.testing.assert_array_equal(trace_power_grad(X, 0), np.zeros((4, 4)))


def test_k1_gradient_is_identity(rng):
    np.testing.assert_array_equal(trace_power_grad(nonsymmetric(rng, 3), 1), np.eye(3))


def test_k2_gradient_is_2_X_transposed_not_2_X(rng):
    # sheet candidate 1a: df/dX = 2 X^T; the transpose matters for non-symmetric X
    X = nonsymmetric(rng, 3)
    grad = trace_power_grad(X, 2)
    np.testing.assert_allclose(grad, 2 * X.T, rtol=1e-14)
    assert not np.allclose(grad, 2 * X)


def test_k3_gradient_entrywise_from_the_index_formula(rng):
    # d tr(X^3) / dX_ij = 3 sum_{a} X_ja X_ai  (written with einsum, not matrix_power)
    X = nonsymmetric(rng, 4)
    expected = 3 * np.einsum("ja,ai->ij", X, X)
    np.testing.assert_allclose(trace_power_grad(X, 3), expected, rtol=1e-12, atol=1e-12)


def test_numpy_integer_k_is_accepted(rng):
    X = nonsymmetric(rng, 3)
    assert trace_power(X, np.int64(3)) == pytest.approx(np.trace(X @ X @ X), rel=1e-12, abs=0)
