"""Problem 5: <A, B> = tr(A^T B) for any two matrices of one shape (m, n)."""

import numpy as np
import pytest

from gradients import frobenius_dot, frobenius_dot_grad, frobenius_dot_grad_B

SHAPES = [(1, 1), (2, 3), (5, 2), (4, 4)]


def pair(rng, shape):
    return rng.standard_normal(shape), rng.standard_normal(shape)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_frobenius_dot_is_trace_of_AT_B(rng, shape):
    A, B = pair(rng, shape)
    assert frobenius_dot(A, B) == pytest.approx(np.trace(A.T @ B), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients_are_the_other_matrix(rng, shape):
    A, B = pair(rng, shape)
    np.testing.assert_array_equal(frobenius_dot_grad(A, B), B)
    np.testing.assert_array_equal(frobenius_dot_grad_B(A, B), A)


def test_returned_gradients_do_not_alias_the_inputs(rng):
    A, B = pair(rng, (2, 3))
    B_before = B.copy()
    frobenius_dot_grad(A, B)[0, 0] += 1.0
    np.testing.assert_array_equal(B, B_before)
    A_before = A.copy()
    frobenius_dot_grad_B(A, B)[0, 0] += 1.0
    np.testing.assert_array_equal(A, A_before)
