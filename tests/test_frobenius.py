"""Problem 5: <A, B> = tr(A^T B) for any two matrices of one shape (m, n)."""

import numpy as np
import pytest

from checks import assert_gradient
from gradients import frobenius_dot, frobenius_dot_grad, frobenius_dot_grad_B

RNG = np.random.default_rng(0)
SHAPES = [(1, 1), (2, 3), (5, 2), (4, 4)]


def pair(shape):
    return RNG.standard_normal(shape), RNG.standard_normal(shape)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_frobenius_dot_is_trace_of_AT_B(shape):
    A, B = pair(shape)
    assert frobenius_dot(A, B) == pytest.approx(np.trace(A.T @ B), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients_are_the_other_matrix(shape):
    A, B = pair(shape)
    np.testing.assert_array_equal(frobenius_dot_grad(A, B), B)
    np.testing.assert_array_equal(frobenius_dot_grad_B(A, B), A)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients_match_finite_differences(shape):
    A, B = pair(shape)
    assert_gradient(frobenius_dot, frobenius_dot_grad, (A, B), argnum=0)
    assert_gradient(frobenius_dot, frobenius_dot_grad_B, (A, B), argnum=1)


def test_returned_gradients_do_not_alias_the_inputs():
    A, B = pair((2, 3))
    B_before = B.copy()
    frobenius_dot_grad(A, B)[0, 0] += 1.0
    np.testing.assert_array_equal(B, B_before)
    A_before = A.copy()
    frobenius_dot_grad_B(A, B)[0, 0] += 1.0
    np.testing.assert_array_equal(A, A_before)
