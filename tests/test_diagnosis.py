"""The diagnosis line of a failed check (``checks.diagnosis``): a pattern is named only when it
holds to the check's tolerance at every entry, and nothing is said when none fits.

Each planted mistake is a real slip of a hand derivation; the right gradient beside it passes
with no diagnosis.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from checks import check_gradient, check_jacobian, check_vjp
from checks.diagnosis import _nice, diagnose

RNG = np.random.default_rng(5)
N, D = 6, 3
XS = RNG.standard_normal((N, D))
YS = (RNG.random(N) < 0.5).astype(float)
W = RNG.standard_normal(D)


def logistic_loss(w, X, y):
    """Mean binary cross-entropy, in its stable form."""
    z = X @ w
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def logistic_grad(w, X, y):
    p = 0.5 * (1.0 + np.tanh(0.5 * (X @ w)))
    return X.T @ (p - y) / len(y)


@pytest.mark.parametrize(("factor", "start"), [
    (2.0, "analytic = 2 x numerical: a factor of 2 (often a missing 1/2"),
    (0.5, "analytic = 1/2 x numerical: a factor of 1/2"),
    (-1.0, "analytic = -1 x numerical: a sign error"),
    (float(N), f"analytic = {N} x numerical: a factor of {N} (a sum where a mean over {N} "
               "items was meant"),
    (1.0 / N, f"analytic = 1/{N} x numerical: a factor of 1/{N} (a mean where a sum was "
              "meant"),
    (-2.0, "analytic = -2 x numerical: a factor of -2"),
    (1.37, "analytic = 1.37 x numerical: wrong by a constant factor"),
])
def test_a_constant_factor_is_named(factor, start):
    right = check_gradient(logistic_loss, logistic_grad, (W, XS, YS))
    assert right.verdict == "pass" and right.diagnosis is None
    r = check_gradient(logistic_loss, lambda *a: factor * logistic_grad(*a), (W, XS, YS))
    assert r.verdict == "fail"
    assert r.diagnosis.startswith(start), r.diagnosis


def test_the_factor_shows_along_directions_too():
    r = check_gradient(logistic_loss, lambda *a: 2.0 * logistic_grad(*a), (W, XS, YS),
                       mode="directional")
    assert r.verdict == "fail" and r.diagnosis.startswith("analytic = 2 x numerical")


A = RNG.standard_normal((3, 3))


def test_a_transposed_matrix_gradient_is_named():
    """``d/dX tr(A X) = A^T``; ``A`` is the classic slip."""
    X0 = RNG.standard_normal((3, 3))
    f = lambda X: float(np.trace(A @ X))  # noqa: E731
    assert check_gradient(f, lambda X: A.T, (X0,)).diagnosis is None
    r = check_gradient(f, lambda X: A, (X0,))
    assert r.verdict == "fail"
    assert r.diagnosis.startswith("analytic = numerical transposed"), r.diagnosis
    r2 = check_gradient(f, lambda X: 2.0 * A, (X0,))
    assert r2.diagnosis.startswith("analytic transposed = 2 x numerical"), r2.diagnosis


def test_a_transposed_jacobian_is_named():
    B = RNG.standard_normal((3, 3))
    x = RNG.standard_normal(3)
    r = check_jacobian(lambda x: B @ np.sin(x), lambda x: (B * np.cos(x)).T, (x,))
    assert r.verdict == "fail"
    assert r.diagnosis.startswith("analytic = numerical transposed"), r.diagnosis
    assert "Diagnosis: analytic = numerical transposed" in str(r)


def test_rows_in_another_order_are_named():
    X0 = RNG.standard_normal((3, 2))
    f = lambda X: float(np.sum(np.sin(X) * np.arange(1.0, 7.0).reshape(3, 2)))  # noqa: E731
    g = lambda X: np.cos(X) * np.arange(1.0, 7.0).reshape(3, 2)  # noqa: E731
    r = check_gradient(f, lambda X: g(X)[[1, 0, 2]], (X0,))
    assert r.diagnosis == ("analytic = numerical with its rows permuted: row 0 is numerical "
                           "row 1, row 1 is numerical row 0"), r.diagnosis


def test_one_wrong_row_or_entry_is_located():
    X0 = RNG.standard_normal((3, 4))
    f = lambda X: float(np.sum(X**3))  # noqa: E731
    g = lambda X: 3.0 * X**2  # noqa: E731

    def row_doubled(X):
        out = g(X)
        out[2] *= 2.0
        return out

    r = check_gradient(f, row_doubled, (X0,))
    assert r.diagnosis == ("only row 2 is wrong (every other row agrees): row 2 = 2 x "
                           "numerical: a factor of 2 (often a missing 1/2, or a symmetric "
                           "term counted twice)"), r.diagnosis

    def one_entry(X):
        out = g(X)
        out[1, 3] += 1e-3
        return out

    assert check_gradient(f, one_entry, (X0,)).diagnosis == (
        "only entry (1, 3) is wrong (every other entry agrees)")


def test_no_pattern_no_claim():
    """An error that fits nothing is not given a name; nor is a factor that holds everywhere
    but at one entry (the claim must hold to the tolerance at every entry)."""
    noise = RNG.standard_normal(D) * 1e-3
    r = check_gradient(logistic_loss, lambda *a: logistic_grad(*a) + noise, (W, XS, YS))
    assert r.verdict == "fail" and r.diagnosis is None, r.diagnosis

    def almost_twice(*a):
        out = 2.0 * logistic_grad(*a)
        out[0] += 1e-6
        return out

    r = check_gradient(logistic_loss, almost_twice, (W, XS, YS))
    assert r.verdict == "fail" and r.diagnosis is None, r.diagnosis


def test_diagnose_never_names_a_pattern_that_misses_an_entry_by_more_than_its_tolerance():
    n = RNG.standard_normal((4, 4))
    tol = np.full(n.shape, 1e-9)
    a = 2.0 * n
    a[3, 3] += 1e-8
    assert diagnose(a, n, tol) is None
    assert diagnose(2.0 * n, n, tol).startswith("analytic = 2 x numerical")
    # the numerical interval of a kink counts: any value in it fits
    lower, upper = n - 1e-3, n + 1e-3
    assert diagnose(2.0 * n + 1e-3, n, tol, lower, upper).startswith(
        "analytic = 2 x numerical")


# ------------------------------------------------------------------------ the issue's LayerNorm

def layernorm(x):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5)


def layernorm_vjp(u, x, *, bug=None):
    """The backward pass of :func:`layernorm`, with one of four planted bugs."""
    n = x.shape[-1]
    mu = x.mean(axis=-1, keepdims=True)
    s = np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + 1e-5)
    xh = (x - mu) / s
    mean_u = u.mean(axis=-1, keepdims=True)
    if bug == "mean term forgotten":
        mean_u = 0.0
    g = (u - mean_u - xh * (u * xh).mean(axis=-1, keepdims=True)) / s
    if bug == "factor N":
        g = n * g
    if bug == "transposed":
        g = g.T.reshape(x.shape) if g.shape[0] != g.shape[1] else g.T
    if bug == "1e-5 relative":
        g = g * (1.0 + 1e-5)
    return g


X35 = RNG.standard_normal((3, 5))


@pytest.mark.parametrize(("bug", "expected"), [
    ("factor N", "analytic = 5 x numerical: a factor of 5"),
    ("1e-5 relative", "analytic = 1.00001 x numerical: wrong by a constant factor"),
    ("mean term forgotten", None),
    ("transposed", "analytic = numerical with the argument's entries in its transpose's "
                   "order: the backward's (3, 5) result is its (5, 3) transpose reshaped"),
])
def test_the_layernorm_bugs_of_the_issue(bug, expected):
    """A LayerNorm 3x5 with a hand-written backward: the right one passes; each planted bug
    fails, and the diagnosis names the pattern where one holds: a factor, or a backward
    whose (3, 5) result was built from its transpose. A forgotten mean term fits no pattern:
    nothing is claimed."""
    right = check_vjp(layernorm, lambda u, x: layernorm_vjp(u, x), (X35,), mode="full")
    assert right.verdict == "pass", str(right)
    r = check_vjp(layernorm, lambda u, x: layernorm_vjp(u, x, bug=bug), (X35,), mode="full")
    assert r.verdict == "fail", str(r)
    if expected is None:
        assert r.diagnosis is None, r.diagnosis
    else:
        assert r.diagnosis.startswith(expected), r.diagnosis


# ------------------------------------------------------------------------------ marked terms

LAM = 0.3


def data_term(w, X, y):
    z = X @ w
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def penalty_term(w, X, y):
    return 0.5 * LAM * float(w @ w)


def regularised(w, X, y):
    return data_term(w, X, y) + penalty_term(w, X, y)


TERMS = {"data": data_term, "penalty": penalty_term}


@pytest.mark.parametrize(("grad", "expected"), [
    (lambda w, X, y: logistic_grad(w, X, y),
     "the analytic gradient is the gradient of f without its term 'penalty': that term's "
     "gradient is missing"),
    (lambda w, X, y: logistic_grad(w, X, y) + 2 * LAM * w,
     "the analytic gradient is the gradient of f with its term 'penalty' twice: that term's "
     "gradient is counted twice"),
    (lambda w, X, y: LAM * w,
     "the analytic gradient is the gradient of f without its term 'data': that term's "
     "gradient is missing"),
])
def test_a_marked_term_missing_or_counted_twice_is_named(grad, expected):
    right = check_gradient(regularised, lambda w, X, y: logistic_grad(w, X, y) + LAM * w,
                           (W, XS, YS), terms=TERMS)
    assert right.verdict == "pass" and right.diagnosis is None
    r = check_gradient(regularised, grad, (W, XS, YS), terms=TERMS)
    assert r.verdict == "fail" and r.diagnosis == expected, r.diagnosis
    assert r.evaluations > right.evaluations  # the terms' estimates, on failure only


def test_no_single_term_explains_it_and_nothing_is_claimed():
    r = check_gradient(regularised, lambda w, X, y: logistic_grad(w, X, y) + LAM * w + 1e-3,
                       (W, XS, YS), terms=TERMS)
    assert r.verdict == "fail" and r.diagnosis is None, r.diagnosis


def test_terms_must_add_up_to_f():
    with pytest.raises(ValueError, match=r"^terms must add up to f: at the point they sum"):
        check_gradient(regularised, logistic_grad, (W, XS, YS), terms={"data": data_term})
    with pytest.raises(ValueError, match=r"^terms must be a non-empty dict"):
        check_gradient(regularised, logistic_grad, (W, XS, YS), terms={})


def test_a_marked_term_of_a_parameter_tree():
    """The same finding through a dict of parameters (the terms get the tree rebuilt)."""
    def f(p, X, y):
        return data_term(p["w"], X, y) + 0.5 * LAM * float(p["w"] @ p["w"]) + p["b"] ** 2

    def grad(p, X, y):  # forgets the penalty on w
        return {"w": logistic_grad(p["w"], X, y), "b": 2 * p["b"]}

    terms = {"data": lambda p, X, y: data_term(p["w"], X, y),
             "penalty": lambda p, X, y: 0.5 * LAM * float(p["w"] @ p["w"]),
             "bias": lambda p, X, y: p["b"] ** 2}
    r = check_gradient(f, grad, ({"w": W, "b": 0.7}, XS, YS), terms=terms)
    assert r.verdict == "fail"
    assert r.diagnosis.startswith("the analytic gradient is the gradient of f without its "
                                  "term 'penalty'"), r.diagnosis


def test_a_backward_returning_its_square_result_transposed_is_named():
    """The VJP of ``W -> W @ v`` (a 3 x 3 argument) returned as ``outer(u, v).T``: the
    Jacobian's columns are the argument's entries in transposed order, and the diagnosis
    says so in the argument's terms."""
    v = np.array([0.5, -1.0, 2.0])
    W0 = RNG.standard_normal((3, 3))
    assert check_vjp(lambda W: W @ v, lambda u, W: np.outer(u, v), (W0,), mode="full"
                     ).diagnosis is None
    r = check_vjp(lambda W: W @ v, lambda u, W: np.outer(u, v).T, (W0,), mode="full")
    assert r.verdict == "fail"
    assert r.diagnosis.startswith("analytic = numerical with the argument's entries "
                                  "transposed: the derivative with respect to entry (i, j) "
                                  "of the 3 x 3 argument"), r.diagnosis


@pytest.mark.parametrize(("shape", "swap", "expected"), [
    ((2, 3), lambda g: g[[1, 0]],
     "analytic = numerical with its rows permuted: row 0 is numerical row 1, row 1 is "
     "numerical row 0"),
    ((3, 2), lambda g: g[:, [1, 0]],
     "analytic = numerical with its columns permuted: column 0 is numerical column 1, "
     "column 1 is numerical column 0"),
], ids=["two-rows", "two-columns"])
def test_two_rows_or_two_columns_swapped_are_named(shape, swap, expected):
    """The smallest permutation: a gradient with only two rows (or two columns), swapped.
    (Not square, so no transpose can explain it.)"""
    X0 = RNG.standard_normal(shape)
    C = np.arange(1.0, 7.0).reshape(shape)
    f = lambda X: float(np.sum(np.sin(X) * C))  # noqa: E731
    g = lambda X: np.cos(X) * C  # noqa: E731
    assert check_gradient(f, g, (X0,)).verdict == "pass"
    r = check_gradient(f, lambda X: swap(g(X)), (X0,))
    assert r.verdict == "fail" and r.diagnosis == expected, r.diagnosis


def test_the_marked_terms_estimates_count_in_the_evaluations():
    """On failure the diagnosis estimates ``f`` minus and plus each term (four estimates
    for two terms), each calling ``f``: all of those calls show in the check's evaluation
    count. Counted by a wrapper: the failing check reports exactly as many more evaluations
    than the passing one as ``f`` received more calls."""
    calls = [0]

    def counted(w, X, y):
        calls[0] += 1
        return regularised(w, X, y)

    right = check_gradient(counted, lambda w, X, y: logistic_grad(w, X, y) + LAM * w,
                           (W, XS, YS), terms=TERMS)
    right_calls, calls[0] = calls[0], 0
    r = check_gradient(counted, logistic_grad, (W, XS, YS), terms=TERMS)
    assert right.verdict == "pass" and r.verdict == "fail"
    assert r.diagnosis.startswith("the analytic gradient is the gradient of f without its "
                                  "term 'penalty'"), r.diagnosis
    assert calls[0] > 4 * right_calls  # the four estimates ran
    assert r.evaluations - right.evaluations == calls[0] - right_calls
    # and every call, the one that checks the terms add up to f at the point included
    assert (right.evaluations, r.evaluations) == (right_calls, calls[0])


def test_a_factor_exactly_one_percent_from_a_whole_number_is_a_candidate():
    # "within 1 %" includes 1 %: 25.25 and 24.75 are 1 % (0.25, exact in binary) from 25,
    # 50.5 is 1 % from 50; 1 / 25.25 is 1 % from 1/25 in the reciprocal
    assert _nice(25.25) == Fraction(25)
    assert _nice(-24.75) == -Fraction(25)
    assert _nice(50.5) == Fraction(50)
    assert _nice(1.0 / 25.25) == Fraction(1, 25)
    # just beyond 1 %: no candidate
    assert _nice(25.2501) is None
