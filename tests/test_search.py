"""The property-test API (``checks.search``): find_counterexample, assert_no_counterexample.

A wrong gradient is found and shrunk to the smallest input; a right one gives ``None``; the
assertion's message shows the minimal arguments and the report, and nothing of the engine's
internals; every misuse is a ``TypeError`` that says what to write instead, never a
"counterexample". (Inconclusive and non-finite draws: ``tests/test_hard_verdicts.py``.)
"""

import numpy as np
import pytest
from hypothesis import strategies as st

from checks import (
    Counterexample,
    assert_no_counterexample,
    find_counterexample,
)
from checks.strategies import square_matrices, vectors


def trace_square(X):
    return np.trace(X @ X)


def trace_square_grad(X):
    return 2.0 * X.T


ONE_MATRIX = square_matrices().map(lambda X: (X,))


def test_right_gradient_has_no_counterexample():
    assert find_counterexample(trace_square, trace_square_grad, ONE_MATRIX) is None


def test_wrong_gradient_is_found_and_shrunk_to_the_smallest_matrix_that_shows_it():
    # 2X is wrong only where X is not symmetric: 2x2 is the smallest such matrix
    cx = find_counterexample(trace_square, lambda X: 2.0 * X, ONE_MATRIX)
    assert isinstance(cx, Counterexample)
    assert cx.shapes == ((2, 2),)
    X = cx.args[0]
    assert not np.allclose(X, X.T)
    assert cx.check is not None and cx.check.verdict == "fail"
    assert cx.exception is None


def test_a_gradient_that_raises_is_a_counterexample_with_the_exception():
    def grad(X):
        if X.shape[0] > 1:
            raise ZeroDivisionError("two rows")
        return 2.0 * X.T

    cx = find_counterexample(trace_square, grad, ONE_MATRIX)
    assert cx is not None and cx.check is None
    assert cx.exception == "ZeroDivisionError: two rows"
    assert cx.shapes == ((2, 2),)


def test_assert_no_counterexample_passes_silently_on_a_right_gradient():
    assert assert_no_counterexample(trace_square, trace_square_grad, ONE_MATRIX) is None


def test_assert_no_counterexample_shows_the_minimal_arguments_and_the_report():
    with pytest.raises(AssertionError) as info:
        assert_no_counterexample(trace_square, lambda X: 2.0 * X, ONE_MATRIX, names=("X",))
    message = str(info.value)
    assert "Minimal counterexample" in message
    assert "X = [[" in message and "shape (2, 2)" in message
    assert "Gradient check FAILED" in message and "Mismatched elements" in message
    # none of hypothesis's or the engine's internals
    for internal in ("Explanation", "checks/compare.py", "Falsifying example", "Traceback"):
        assert internal not in message


def test_check_options_are_passed_on_and_unknown_ones_refused():
    inputs = vectors(min_size=2, max_size=4).map(lambda w: (w,))
    # a generous rtol lets a 1e-6 error through; the default does not
    def wrong(w):
        return 2.0 * w * (1 + 1e-6)

    assert find_counterexample(lambda w: w @ w, wrong, inputs, rtol=1e-3) is None
    assert find_counterexample(lambda w: w @ w, wrong, inputs) is not None
    with pytest.raises(TypeError, match=r"unknown check option\(s\) rtl; check_gradient takes"):
        find_counterexample(lambda w: w @ w, wrong, inputs, rtl=1e-3)


def test_argnum_selects_the_differentiated_argument():
    X = np.array([[1.0, 2.0], [0.0, 3.0]])
    inputs = st.tuples(st.just(X), vectors(min_size=2, max_size=2))

    def f(A, w):
        return w @ A @ w

    assert find_counterexample(f, lambda A, w: (A + A.T) @ w, inputs, argnum=1) is None
    cx = find_counterexample(f, lambda A, w: 2.0 * A @ w, inputs, argnum=1)
    assert cx is not None and cx.check.argnum == 1


# ------------------------------------------------------------------------------ misuse


def test_inputs_that_are_not_a_strategy_are_a_type_error():
    with pytest.raises(TypeError, match="inputs must be a hypothesis strategy of argument tuples"):
        find_counterexample(trace_square, trace_square_grad, [np.eye(2)])


def test_a_strategy_of_bare_arrays_is_a_type_error_naming_the_fix_not_a_counterexample():
    # before: tuple(X) split a matrix into its rows and the TypeError was the "counterexample"
    with pytest.raises(TypeError, match=r"inputs drew a ndarray, not a tuple .*\.map\(lambda w"):
        find_counterexample(trace_square, trace_square_grad, square_matrices())


def test_a_grad_with_the_wrong_signature_is_a_type_error_not_a_counterexample():
    inputs = st.tuples(vectors(), st.just(2.0))

    def f(w, c):
        return c * (w @ w)

    with pytest.raises(TypeError, match="grad cannot be called with the 2 drawn argument"):
        find_counterexample(f, lambda w: 4.0 * w, inputs)


def test_assert_no_counterexample_reports_misuse_the_same_way():
    with pytest.raises(TypeError, match="inputs drew a ndarray"):
        assert_no_counterexample(trace_square, trace_square_grad, square_matrices())
