"""Every bad input to ``gradients`` raises ``ValueError`` naming the argument.

One table of cases (id, call, expected message) walked by one parametrized test; each message
names the argument and gives the expected versus the actual shape or value.
"""

import re

import numpy as np
import pytest

import gradients as G

M, D, N = 2, 3, 4
W3 = np.array([0.1, -0.2, 0.3])
Y01 = np.array([0.0, 1.0, 1.0, 0.0])
YPM = np.array([-1.0, 1.0, 1.0, -1.0])


def _drawn_constants():
    """The table's random arrays, drawn once at import from a local generator (fixed values,
    whatever tests run): ``X43`` (4, 3), ``SQ3`` (3, 3), the network's ``W0``, ``W1``, ``W2``."""
    rng = np.random.default_rng(0)
    return tuple(rng.standard_normal(shape) for shape in [(4, 3), (3, 3), (M, D), (D, M), D])


X43, SQ3, W0, W1, W2 = _drawn_constants()


def with_entry(a, index, value):
    """Return a float copy of ``a`` with ``a[index] = value``."""
    b = np.array(a, dtype=float)
    b[index] = value
    return b


RESIDUAL_FUNCS = [
    G.residual_net_loss,
    G.residual_net_grad_W0,
    G.residual_net_grad_W1,
    G.residual_net_grad_w2,
    G.residual_net_grad_X,
]

CASES = [
    # -- problem 1: trace powers
    (
        "trace-nonsquare",
        lambda: G.trace_power(np.ones((2, 3)), 2),
        r"X must be a square matrix, got shape \(2, 3\)",
    ),
    (
        "trace-grad-nonsquare",
        lambda: G.trace_power_grad(np.ones((3, 2)), 2),
        r"X must be a square matrix, got shape \(3, 2\)",
    ),
    (
        "trace-1d",
        lambda: G.trace_power(np.ones(3), 2),
        r"X must be a 2-D array \(a matrix\), got shape \(3,\)",
    ),
    ("trace-k-negative", lambda: G.trace_power(SQ3, -1), r"k must be an integer >= 0, got -1"),
    (
        "trace-grad-k-negative",
        lambda: G.trace_power_grad(SQ3, np.int64(-3)),
        r"k must be an integer >= 0, got -3",
    ),
    (
        "trace-k-float",
        lambda: G.trace_power(SQ3, 2.0),
        r"k must be an integer >= 0, got 2\.0 of type float",
    ),
    (
        "trace-k-bool",
        lambda: G.trace_power(SQ3, True),
        r"k must be an integer >= 0, got True of type bool",
    ),
    (
        "trace-nan",
        lambda: G.trace_power(with_entry(SQ3, (0, 1), np.nan), 2),
        r"X contains non-finite values \(nan at index \(0, 1\)",
    ),
    (
        "trace-grad-inf",
        lambda: G.trace_power_grad(with_entry(SQ3, (2, 2), -np.inf), 3),
        r"X contains non-finite values \(-inf at index \(2, 2\)",
    ),
    (
        "trace-string",
        lambda: G.trace_power([["a", "b"], ["c", "d"]], 2),
        r"X must be a real numeric array, got dtype <U1 \(from list\)",
    ),
    # -- problem 2: logistic regression
    (
        "logistic-X-1d",
        lambda: G.logistic_l2_loss(W3, np.ones(3), Y01),
        r"X must be a 2-D array \(a matrix\), got shape \(3,\)",
    ),
    (
        "logistic-w-column",
        lambda: G.logistic_l2_loss(W3[:, None], X43, Y01),
        r"w must be a 1-D array \(a vector\), got shape \(3, 1\)",
    ),
    (
        "logistic-w-length",
        lambda: G.logistic_l2_grad(W3[:2], X43, Y01),
        r"w must have shape \(3,\) to match X's 3 columns, got \(2,\)",
    ),
    (
        "logistic-y-length",
        lambda: G.logistic_l2_loss(W3, X43, Y01[:3]),
        r"y must have shape \(4,\) to match X's 4 rows, got \(3,\)",
    ),
    (
        "logistic-y-column",
        lambda: G.logistic_l2_grad(W3, X43, Y01[:, None]),
        r"y must be a 1-D array \(a vector\), got shape \(4, 1\)",
    ),
    (
        "logistic-label-half",
        lambda: G.logistic_l2_loss(W3, X43, with_entry(Y01, 2, 0.5)),
        r"y must contain only labels \{0, 1\}, got 0\.5 at index 2",
    ),
    (
        "logistic-label-pm1",
        lambda: G.logistic_l2_grad(W3, X43, YPM),
        r"y must contain only labels \{0, 1\}, got -1\.0 at index 0",
    ),
    (
        "logistic-lam-negative",
        lambda: G.logistic_l2_loss(W3, X43, Y01, lam=-1.0),
        r"lam must be >= 0, got -1\.0",
    ),
    (
        "logistic-lam-nan",
        lambda: G.logistic_l2_grad(W3, X43, Y01, lam=np.nan),
        r"lam must be a finite number >= 0, got nan",
    ),
    (
        "logistic-lam-array",
        lambda: G.logistic_l2_loss(W3, X43, Y01, lam=np.ones(2)),
        r"lam must be a real number >= 0, got array",
    ),
    (
        "logistic-lr-zero",
        lambda: G.logistic_l2_step(W3, X43, Y01, lr=0.0),
        r"lr must be > 0, got 0\.0",
    ),
    (
        "logistic-lr-negative",
        lambda: G.logistic_l2_step(W3, X43, Y01, lr=-0.1),
        r"lr must be > 0, got -0\.1",
    ),
    (
        "logistic-lr-inf",
        lambda: G.logistic_l2_step(W3, X43, Y01, lr=np.inf),
        r"lr must be a finite number > 0, got inf",
    ),
    (
        "logistic-step-lam",
        lambda: G.logistic_l2_step(W3, X43, Y01, lr=0.1, lam=-2),
        r"lam must be >= 0, got -2\.0",
    ),
    (
        "logistic-w-nan",
        lambda: G.logistic_l2_grad(with_entry(W3, 1, np.nan), X43, Y01),
        r"w contains non-finite values \(nan at index 1",
    ),
    (
        "logistic-X-inf",
        lambda: G.logistic_l2_loss(W3, with_entry(X43, (3, 0), np.inf), Y01),
        r"X contains non-finite values \(inf at index \(3, 0\)",
    ),
    (
        "logistic-y-nan",
        lambda: G.logistic_l2_loss(W3, X43, with_entry(Y01, 3, np.nan)),
        r"y contains non-finite values \(nan at index 3",
    ),
    (
        "logistic-step-w-nan",
        lambda: G.logistic_l2_step(with_entry(W3, 0, np.nan), X43, Y01, 0.1),
        r"w contains non-finite values \(nan at index 0",
    ),
    # -- problem 3: bipolar sigmoid
    (
        "bipolar-sigmoid-nan",
        lambda: G.bipolar_sigmoid([0.0, np.nan]),
        r"a contains non-finite values \(nan at index 1",
    ),
    (
        "bipolar-sigmoid-scalar-nan",
        lambda: G.bipolar_sigmoid(np.nan),
        r"a contains non-finite values \(nan; 1 of 1 entries\)",
    ),
    (
        "bipolar-label-zero",
        lambda: G.bipolar_squared_loss(W3, X43, Y01),
        r"y must contain only labels \{-1, 1\}, got 0\.0 at index 0",
    ),
    (
        "bipolar-label-two",
        lambda: G.bipolar_squared_grad(W3, X43, with_entry(YPM, 1, 2)),
        r"y must contain only labels \{-1, 1\}, got 2\.0 at index 1",
    ),
    (
        "bipolar-w-column",
        lambda: G.bipolar_squared_grad(W3[:, None], X43, YPM),
        r"w must be a 1-D array \(a vector\), got shape \(3, 1\)",
    ),
    (
        "bipolar-w-length",
        lambda: G.bipolar_squared_loss(np.ones(4), X43, YPM),
        r"w must have shape \(3,\) to match X's 3 columns, got \(4,\)",
    ),
    (
        "bipolar-y-length",
        lambda: G.bipolar_squared_grad(W3, X43, YPM[:2]),
        r"y must have shape \(4,\) to match X's 4 rows, got \(2,\)",
    ),
    (
        "bipolar-X-1d",
        lambda: G.bipolar_squared_loss(W3, np.ones(3), YPM),
        r"X must be a 2-D array \(a matrix\), got shape \(3,\)",
    ),
    (
        "bipolar-y-column",
        lambda: G.bipolar_squared_loss(W3, X43, YPM[:, None]),
        r"y must be a 1-D array \(a vector\), got shape \(4, 1\)",
    ),
    (
        "bipolar-step-w-nan",
        lambda: G.bipolar_step(with_entry(W3, 2, np.nan), X43, YPM, 0.1),
        r"w contains non-finite values \(nan at index 2",
    ),
    ("bipolar-lr-zero", lambda: G.bipolar_step(W3, X43, YPM, 0), r"lr must be > 0, got 0\.0"),
    (
        "bipolar-lr-string",
        lambda: G.bipolar_step(W3, X43, YPM, "0.1"),
        r"lr must be a real number > 0, got '0\.1' of type str",
    ),
    (
        "bipolar-X-nan",
        lambda: G.bipolar_step(W3, with_entry(X43, (1, 2), np.nan), YPM, 0.1),
        r"X contains non-finite values \(nan at index \(1, 2\)",
    ),
    # -- problem 4: Gaussian maximum likelihood
    (
        "gauss-sigma-zero",
        lambda: G.gaussian_log_likelihood(W3, X43, Y01, 0.0),
        r"sigma must be > 0, got 0\.0",
    ),
    (
        "gauss-sigma-negative",
        lambda: G.gaussian_log_likelihood_grad(W3, X43, Y01, -1.0),
        r"sigma must be > 0, got -1\.0",
    ),
    (
        "gauss-sigma-nan",
        lambda: G.gaussian_log_likelihood(W3, X43, Y01, np.nan),
        r"sigma must be a finite number > 0, got nan",
    ),
    (
        "gauss-w-length",
        lambda: G.gaussian_log_likelihood(np.ones(2), X43, Y01, 1.0),
        r"w must have shape \(3,\) to match X's 3 columns, got \(2,\)",
    ),
    (
        "gauss-w-column",
        lambda: G.gaussian_log_likelihood_grad(W3[:, None], X43, Y01, 1.0),
        r"w must be a 1-D array \(a vector\), got shape \(3, 1\)",
    ),
    (
        "gauss-y-length",
        lambda: G.gaussian_log_likelihood_grad(W3, X43, np.ones(5), 1.0),
        r"y must have shape \(4,\) to match X's 4 rows, got \(5,\)",
    ),
    (
        "gauss-X-1d",
        lambda: G.gaussian_log_likelihood(W3, np.ones(4), Y01, 1.0),
        r"X must be a 2-D array \(a matrix\), got shape \(4,\)",
    ),
    (
        "gauss-y-column",
        lambda: G.gaussian_log_likelihood_grad(W3, X43, Y01[:, None], 1.0),
        r"y must be a 1-D array \(a vector\), got shape \(4, 1\)",
    ),
    (
        "gauss-y-inf",
        lambda: G.gaussian_log_likelihood(W3, X43, with_entry(Y01, 0, np.inf), 1.0),
        r"y contains non-finite values \(inf at index 0",
    ),
    (
        "mle-y-length",
        lambda: G.mle_weights(X43, np.ones(3)),
        r"y must have shape \(4,\) to match X's 4 rows, got \(3,\)",
    ),
    (
        "mle-X-nan",
        lambda: G.mle_weights(with_entry(X43, (0, 0), np.nan), Y01),
        r"X contains non-finite values \(nan at index \(0, 0\)",
    ),
    (
        "mle-zero-square",
        lambda: G.mle_weights(np.zeros((2, 2)), np.ones(2)),
        r"the closed form w\* = \(X\^T X\)\^\{-1\} X\^T y needs X\^T X invertible, i\.e\. X "
        r"of full column rank; X has rank 0 < D=2 \(its columns are linearly dependent\)",
    ),
    (
        "mle-wide",
        lambda: G.mle_weights(np.ones((1, 2)), np.ones(1)),
        r"the closed form .* X has rank 1 < D=2 \(N=1 rows < D=2 columns\), so the maximiser is "
        r"not unique\. Pass min_norm=True for the minimum-norm maximiser \(the pseudo-inverse "
        r"solution\)\.$",
    ),
    (
        "mle-sigma2-w-length",
        lambda: G.mle_sigma2(X43, Y01, np.ones(4)),
        r"w must have shape \(3,\) to match X's 3 columns, got \(4,\)",
    ),
    (
        "mle-sigma2-no-rows",
        lambda: G.mle_sigma2(np.ones((0, 2)), np.ones(0), np.ones(2)),
        r"X must have at least 1 row to estimate sigma\^2, got shape \(0, 2\)",
    ),
    # -- problem 5: Frobenius product
    (
        "frob-mismatch",
        lambda: G.frobenius_dot(np.ones((2, 3)), np.ones((3, 2))),
        r"B must have the same shape as A, \(2, 3\), got \(3, 2\)",
    ),
    (
        "frob-grad-mismatch",
        lambda: G.frobenius_dot_grad(np.ones((2, 2)), np.ones((2, 1))),
        r"B must have the same shape as A, \(2, 2\), got \(2, 1\)",
    ),
    (
        "frob-gradB-mismatch",
        lambda: G.frobenius_dot_grad_B(np.ones((1, 3)), np.ones((3, 3))),
        r"B must have the same shape as A, \(1, 3\), got \(3, 3\)",
    ),
    (
        "frob-A-1d",
        lambda: G.frobenius_dot(np.ones(3), np.ones((1, 3))),
        r"A must be a 2-D array \(a matrix\), got shape \(3,\)",
    ),
    (
        "frob-B-1d",
        lambda: G.frobenius_dot(np.ones((1, 3)), np.ones(3)),
        r"B must be a 2-D array \(a matrix\), got shape \(3,\)",
    ),
    (
        "frob-B-nan",
        lambda: G.frobenius_dot_grad(SQ3, with_entry(SQ3, (1, 1), np.nan)),
        r"B contains non-finite values \(nan at index \(1, 1\)",
    ),
    (
        "frob-A-complex",  # the loss takes the complex step (tests/test_cli_complex.py)
        lambda: G.frobenius_dot_grad(SQ3 + 1j, SQ3),
        r"A must be a real numeric array, got dtype complex128",
    ),
    # -- problem 6: quadratic form
    (
        "quad-nonsquare",
        lambda: G.quadratic_form(W3, np.ones((3, 4))),
        r"X must be a square matrix, got shape \(3, 4\)",
    ),
    (
        "quad-w-length",
        lambda: G.quadratic_form_grad(np.ones(2), SQ3),
        r"w must have shape \(3,\) to match X's shape \(3, 3\), got \(2,\)",
    ),
    (
        "quad-w-column",
        lambda: G.quadratic_form_grad_X(W3[:, None], SQ3),
        r"w must be a 1-D array \(a vector\), got shape \(3, 1\)",
    ),
    (
        "quad-w-inf",
        lambda: G.quadratic_form(with_entry(W3, 2, np.inf), SQ3),
        r"w contains non-finite values \(inf at index 2",
    ),
    # -- problem 7: residual network, H-level functions
    (
        "net-h-w2-length",
        lambda: G.residual_net_loss_from_h(X43, np.ones(2), Y01),
        r"w2 must have shape \(3,\) to match H's 3 columns, got \(2,\)",
    ),
    (
        "net-h-y-length",
        lambda: G.residual_net_grad_h(X43, W2, Y01[:3]),
        r"y must have shape \(4,\) to match H's 4 rows, got \(3,\)",
    ),
    (
        "net-h-label",
        lambda: G.residual_net_grad_h(X43, W2, YPM),
        r"y must contain only labels \{0, 1\}, got -1\.0 at index 0",
    ),
    (
        "net-h-H-1d",
        lambda: G.residual_net_grad_h(np.ones(3), W2, Y01),
        r"H must be a 2-D array \(a matrix\), got shape \(3,\)",
    ),
    (
        "net-h-w2-column",
        lambda: G.residual_net_loss_from_h(X43, W2[:, None], Y01),
        r"w2 must be a 1-D array \(a vector\), got shape \(3, 1\)",
    ),
    (
        "net-h-nan",
        lambda: G.residual_net_loss_from_h(with_entry(X43, (2, 1), np.nan), W2, Y01),
        r"H contains non-finite values \(nan at index \(2, 1\)",
    ),
    (
        "net-forward-W1",
        lambda: G.residual_net_forward(W0, W1.T, W2, X43),
        r"W1 must have shape \(3, 2\) \(D, M\) with D=3 from X, M=2 from W0, got \(2, 3\)",
    ),
]

# -- problem 7: the same bad input for every function taking (W0, W1, w2, X, y)
RESIDUAL_BAD_INPUTS = [
    (
        "W0-columns",
        (W0[:, :2], W1, W2, X43, Y01),
        r"W0 must have shape \(2, 3\) \(M, D\) with D=3 from X's columns, got \(2, 2\)",
    ),
    ("W0-1d", (W0[0], W1, W2, X43, Y01), r"W0 must be a 2-D array \(a matrix\), got shape \(3,\)"),
    ("W1-1d", (W0, W1[0], W2, X43, Y01), r"W1 must be a 2-D array \(a matrix\), got shape \(2,\)"),
    ("X-1d", (W0, W1, W2, X43[0], Y01), r"X must be a 2-D array \(a matrix\), got shape \(3,\)"),
    (
        "y-column",
        (W0, W1, W2, X43, Y01[:, None]),
        r"y must be a 1-D array \(a vector\), got shape \(4, 1\)",
    ),
    (
        "W1-transposed",
        (W0, W1.T, W2, X43, Y01),
        r"W1 must have shape \(3, 2\) \(D, M\) with D=3 from X, M=2 from W0, got \(2, 3\)",
    ),
    (
        "w2-column",
        (W0, W1, W2[:, None], X43, Y01),
        r"w2 must be a 1-D array \(a vector\), got shape \(3, 1\)",
    ),
    (
        "w2-length",
        (W0, W1, np.ones(2), X43, Y01),
        r"w2 must have shape \(3,\) \(D,\) with D=3 from X's columns, got \(2,\)",
    ),
    (
        "y-length",
        (W0, W1, W2, X43, Y01[:3]),
        r"y must have shape \(4,\) to match X's 4 rows, got \(3,\)",
    ),
    (
        "y-label",
        (W0, W1, W2, X43, with_entry(Y01, 1, 0.25)),
        r"y must contain only labels \{0, 1\}, got 0\.25 at index 1",
    ),
    (
        "W1-nan",
        (W0, with_entry(W1, (1, 0), np.nan), W2, X43, Y01),
        r"W1 contains non-finite values \(nan at index \(1, 0\)",
    ),
    (
        "X-inf",
        (W0, W1, W2, with_entry(X43, (0, 2), -np.inf), Y01),
        r"X contains non-finite values \(-inf at index \(0, 2\)",
    ),
]


@pytest.mark.parametrize(("call", "match"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=f"^{match}"):  # the message starts with the name
        call()


@pytest.mark.parametrize("func", RESIDUAL_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("args", "match"), [c[1:] for c in RESIDUAL_BAD_INPUTS], ids=[c[0] for c in RESIDUAL_BAD_INPUTS]
)
def test_residual_net_bad_input_raises(func, args, match):
    with pytest.raises(ValueError, match=f"^{match}"):
        func(*args)


def test_non_finite_message_counts_the_bad_entries():
    w = np.array([0.0, np.nan, np.inf])
    with pytest.raises(ValueError, match=re.escape("(nan at index 1; 2 of 3 entries)")):
        G.quadratic_form(w, np.eye(3))


def test_integer_array_likes_are_accepted_and_converted():
    # lists of Python ints are valid input; results are float64
    X = [[1, 2], [3, 4]]
    assert G.trace_power(X, np.int32(2)) == 1 + 2 * 3 + 3 * 2 + 16
    grad = G.trace_power_grad(X, 2)
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, [[2.0, 6.0], [4.0, 8.0]])
    assert G.logistic_l2_loss([0, 0], X, [True, False], lam=0) == pytest.approx(2 * np.log(2),
                                                                               rel=1e-6, abs=0)


def test_inputs_are_never_broadcast():
    # a (1, D) row would broadcast against (N, D) in numpy; here it must be rejected
    with pytest.raises(ValueError, match=r"B must have the same shape as A"):
        G.frobenius_dot(np.ones((3, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"y must have shape \(4,\)"):
        G.gaussian_log_likelihood(W3, X43, np.ones(1), 1.0)
