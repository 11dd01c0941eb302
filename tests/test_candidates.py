"""The sheet's handwritten answers (``gradients.catalog.candidates``), judged by the checker.

Every verdict comes from :func:`checks.check_gradient` / :func:`checks.search.find_counterexample`
over the catalog's input strategy for the entry the candidate answers, never from a number
worked out by hand: a right candidate has no counterexample among 100 drawn inputs, a wrong
one has a (shrunk) counterexample where its check fails (not merely where it raised) and on
which the project's own answer passes. The one test of how far a counterexample shrinks is
seeded (shrinking is a heuristic; see ``tests/test_mistakes.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import check_gradient, numerical_gradient
from checks import strategies as cs
from checks.search import find_counterexample
from gradients import (
    gaussian_log_likelihood,
    gaussian_log_likelihood_grad,
    logistic_l2_grad,
    logistic_l2_loss,
    logistic_l2_step,
    mle_weights,
)
from gradients.catalog import get
from gradients.catalog.candidates import (
    l2_penalty,
    l2_penalty_grad,
    logistic_norm_loss,
    sheet_1a,
    sheet_2_grad,
    sheet_2_step,
    sheet_2b_loss_grad,
    sheet_2b_penalty,
    sheet_2b_penalty_grad,
    sheet_3_dfdw,
    sheet_3_model,
    sheet_4_log_likelihood,
    sheet_5,
    sheet_6,
    sheet_7a,
    sheet_7a_prime,
)
from tests._helpers import first

EXAMPLES = 100


def search(entry_id, candidate, *, inputs=None, **kwargs):
    """find_counterexample for ``candidate`` over the entry's inputs (or ``inputs``)."""
    d = get(entry_id)
    f, grad, strategy = d.setup(candidate=candidate)
    return find_counterexample(f, grad, strategy if inputs is None else inputs,
                               argnum=d.argnum, options=d.options, max_examples=EXAMPLES,
                               **kwargs)


def assert_fails(cx):
    """``cx`` is a counterexample where the candidate's check failed, not where it raised."""
    __tracebackhide__ = True
    assert cx is not None, "no counterexample"
    assert cx.exception is None and cx.check is not None, str(cx)
    assert cx.check.verdict == "fail", str(cx)


def nonzero(w):
    return bool(np.any(w != 0))


def small(args, limit=4):
    """Every array dimension <= ``limit``: keeps the shrinking of a failing search quick."""
    return all(n <= limit for a in args for n in np.shape(a))


# --------------------------------------------------------------------------- right ones

RIGHT = [
    ("1a", sheet_1a),
    ("2", sheet_2_grad),
    ("2-step", sheet_2_step),
    ("5", sheet_5),
    ("6", sheet_6),
    ("7a", sheet_7a),
]


@pytest.mark.parametrize(("entry_id", "candidate"), RIGHT, ids=[r[0] for r in RIGHT])
def test_right_candidate_has_no_counterexample(entry_id, candidate):
    cx = search(entry_id, candidate)
    assert cx is None, str(cx)


@pytest.mark.parametrize(("entry_id", "candidate"), [("2", sheet_2_grad), ("2-step", sheet_2_step)])
def test_sheet_2_at_the_sheets_coefficient_one(entry_id, candidate):
    # the sheet's "+ 2w" is lam = 1 (its default); lam is the last argument of both entries
    d = get(entry_id)
    at_one = d.inputs().map(lambda a: (*a[:-1], 1.0))
    f, grad, _ = d.setup(candidate=lambda *a: candidate(*a[:-1]))
    cx = find_counterexample(f, grad, at_one, argnum=d.argnum, options=d.options,
                             max_examples=EXAMPLES)
    assert cx is None, str(cx)


def test_project_defaults_are_the_sheets_coefficient_one():
    # called without lam, the loss, its gradient and the step all use the sheet's "+ 2w"
    d = get("2")
    without_lam = d.inputs().map(lambda a: a[:3])
    for grad in (logistic_l2_grad, sheet_2_grad):
        cx = find_counterexample(logistic_l2_loss, grad, without_lam, max_examples=EXAMPLES)
        assert cx is None, str(cx)
    step = get("2-step")
    at_one = step.inputs().map(lambda a: (*a[:-1], 1.0))
    f, grad, _ = step.setup(candidate=lambda w, X, y, lr, lam: logistic_l2_step(w, X, y, lr))
    cx = find_counterexample(f, grad, at_one, options=step.options, max_examples=EXAMPLES)
    assert cx is None, str(cx)


# --------------------------------------------------------------------------- 2b: the norm


def _vectors():
    return cs.vectors().filter(nonzero).map(lambda w: (w,))


@pytest.mark.parametrize(
    ("penalty", "grad", "belongs"),
    [
        (sheet_2b_penalty, sheet_2b_penalty_grad, True),
        (l2_penalty, l2_penalty_grad, True),
        (l2_penalty, sheet_2b_penalty_grad, False),
        (sheet_2b_penalty, l2_penalty_grad, False),
    ],
    ids=["norm:w/|w|", "squared:2w", "squared:w/|w|", "norm:2w"],
)
def test_the_checker_says_which_gradient_belongs_to_which_penalty(penalty, grad, belongs):
    cx = find_counterexample(penalty, grad, _vectors(), max_examples=EXAMPLES)
    if belongs:
        assert cx is None, str(cx)
    else:
        assert_fails(cx)


def test_norm_penalty_does_not_give_the_gradient_of_L():
    # away from w = 0, where the norm has no gradient at all
    d = get("2")
    f, grad, _ = d.setup(candidate=sheet_2b_loss_grad)
    inputs = d.inputs().filter(lambda a: nonzero(a[0]) and small(a))
    # data term + lam w/||w|| is rejected for L (squared norm) ...
    cx = find_counterexample(f, grad, inputs, max_examples=EXAMPLES)
    assert_fails(cx)
    assert cx.args[3] > 0  # with lam = 0 there is no penalty to get wrong
    # ... and accepted for the loss the sheet's norm would define
    cx = find_counterexample(logistic_norm_loss, sheet_2b_loss_grad, inputs,
                             max_examples=EXAMPLES)
    assert cx is None, str(cx)


@given(w=cs.vectors().filter(nonzero), scale=cs.scales(min_scale=1e-3, max_scale=1e3))
def test_norm_gradient_has_unit_length_whatever_the_size_of_w(w, scale):
    # measured with finite differences of the two penalties, not with the candidate formulas
    v = scale * w
    g_norm = numerical_gradient(sheet_2b_penalty, v)
    g_square = numerical_gradient(l2_penalty, v)
    assert np.linalg.norm(g_norm) == pytest.approx(1.0, rel=1e-6, abs=0)
    assert np.linalg.norm(g_square) == pytest.approx(2.0 * np.linalg.norm(v), rel=1e-6, abs=0)
    # the norm pulls with the same force at every scale: only the direction of w matters
    np.testing.assert_allclose(g_norm, numerical_gradient(sheet_2b_penalty, w), rtol=1e-6,
                               atol=1e-6)


# --------------------------------------------------------------------------- 3: df/dw


def _one_sample():
    # w and the first sample x of problem 3's inputs
    return get("3").inputs().map(lambda a: (a[0], a[1][0]))


def test_sheet_3_is_the_derivative_of_the_model():
    cx = find_counterexample(sheet_3_model, sheet_3_dfdw, _one_sample(), max_examples=EXAMPLES)
    assert cx is None, str(cx)


def test_sheet_3_is_not_yet_the_gradient_of_the_loss():
    def summed(w, X, y):
        return sum(sheet_3_dfdw(w, x) for x in X)

    cx = search("3", summed)
    assert_fails(cx)
    d = get("3")
    f, right, _ = d.setup()
    assert check_gradient(f, right, cx.args, argnum=d.argnum,
                          **d.options(cx.args)).verdict != "fail", str(cx)


def test_sheet_3_completed_by_the_chain_rule_is_the_gradient_of_the_loss():
    # dL/dw = sum_i (f_i - y_i) df_i/dw, with the sheet's df/dw. The residual f_i - y_i is
    # written without cancellation (y = +-1: tanh(a/2) - y = -2 y / (1 + e^{y a})): taken as
    # sheet_3_model(w, x) - y_i it keeps only eps / |f - y| of its digits where the sigmoid
    # saturates (w.x = 20: 1e-8 relative), and the check rightly sees that 1e-8 error.
    def completed(w, X, y):
        pairs = zip(X, y, strict=True)
        return sum(-2.0 * y_i / (1.0 + np.exp(y_i * (x @ w))) * sheet_3_dfdw(w, x)
                   for x, y_i in pairs)

    cx = search("3", completed)
    assert cx is None, str(cx)


def test_sheet_3_completed_naively_loses_digits_where_the_sigmoid_saturates():
    # the same formula with the residual taken as f - y: at w.x = 27 the analytic side keeps
    # eps / (2 e^-27) ~ 6e-5 relative accuracy (cancellation in tanh(a/2) - 1), which the
    # check resolves; the stable form above passes there
    w = np.array([3.0, 0.0, 3.0, 3.0])
    X, y = w[None, :], np.array([1.0])

    def naive(w, X, y):
        pairs = zip(X, y, strict=True)
        return sum((sheet_3_model(w, x) - y_i) * sheet_3_dfdw(w, x) for x, y_i in pairs)

    d = get("3")
    f, _, _ = d.setup()
    r = check_gradient(f, naive, (w, X, y), argnum=d.argnum)
    assert r.verdict == "fail" and 1e-7 < r.max_rel_error < 1e-2, str(r)


# --------------------------------------------------------------------------- 4: ln P


def _densities(w, X, y, sigma):
    r = y - X @ w
    return np.exp(-(r**2) / (2.0 * sigma**2)) / np.sqrt(2.0 * np.pi * sigma**2)


# small entries, so that the product of the densities neither under- nor overflows
_SMALL_GAUSSIAN = st.tuples(
    cs.weights_and_dataset(labels="real", max_samples=5, max_features=3, max_magnitude=1.0),
    st.sampled_from([0.5, 1.0, 2.0]),
).map(lambda t: (*t[0], t[1]))


@given(args=_SMALL_GAUSSIAN)
def test_sheet_4_is_not_the_log_of_the_product(args):
    log_of_product = float(np.log(np.prod(_densities(*args))))
    assert np.isfinite(log_of_product)
    # the reference is the log of the product ...
    assert gaussian_log_likelihood(*args) == pytest.approx(log_of_product, rel=1e-12, abs=1e-12)
    # ... and the sheet's ln P is neither
    candidate = sheet_4_log_likelihood(*args)
    assert not np.isclose(candidate, log_of_product, rtol=1e-6, atol=0)
    assert not np.isclose(candidate, gaussian_log_likelihood(*args), rtol=1e-6, atol=0)


def test_sheet_4_is_not_even_the_log_of_the_product_up_to_a_constant():
    # a constant offset would leave the gradient alone; the checker rejects grad ln P for it
    d = get("4")
    cx = find_counterexample(sheet_4_log_likelihood, gaussian_log_likelihood_grad, d.inputs(),
                             max_examples=EXAMPLES)
    assert_fails(cx)
    # the same gradient is right for the true log-likelihood at that very input
    assert check_gradient(gaussian_log_likelihood, gaussian_log_likelihood_grad,
                          cx.args).verdict != "fail", str(cx)


def _sheet_4_options(args):
    """4-mle's round-off ``atol``, scaled by the sheet's factor 1/sqrt(2 pi sigma^2)."""
    sigma = args[3]
    return {"atol": get("4-mle").options(args)["atol"] / np.sqrt(2.0 * np.pi * sigma**2)}


def test_sheet_4_has_the_same_maximiser():
    # the numerical gradient of the sheet's ln P vanishes at mle_weights(X, y)
    _, zero, strategy = get("4-mle").setup()
    cx = find_counterexample(sheet_4_log_likelihood, zero, strategy, options=_sheet_4_options,
                             max_examples=EXAMPLES)
    assert cx is None, str(cx)


def test_the_stationarity_check_of_sheet_4_can_fail():
    # the same check rejects a point off the maximiser (one generic input)
    _, zero, strategy = get("4-mle").setup()
    w, X, y, sigma = first(strategy, lambda a: np.linalg.norm(a[0]) > 0.1)
    off = (w * (1 + 1e-3), X, y, sigma)
    at_w = check_gradient(sheet_4_log_likelihood, zero, (w, X, y, sigma),
                          **_sheet_4_options((w, X, y, sigma)))
    assert at_w.verdict != "fail", str(at_w)  # zero: "inconclusive", the stationary pass
    off_w = check_gradient(sheet_4_log_likelihood, zero, off, **_sheet_4_options(off))
    assert off_w.verdict == "fail", str(off_w)


@given(data=st.data())
def test_sheet_4_is_largest_at_the_mle(data):
    X, y = data.draw(cs.full_rank_designs(), label="design")
    sigma = data.draw(st.sampled_from([0.5, 1.0, 2.0]), label="sigma")
    # |delta| >= 0.1, so the drop (>= 1e-10 with cond(X) <= 1e3) is far above round-off
    steps = cs.vectors(min_size=X.shape[1], max_size=X.shape[1], min_nonzero=0.1)
    delta = data.draw(steps.filter(nonzero), label="delta")
    w = mle_weights(X, y)
    assert sheet_4_log_likelihood(w + delta, X, y, sigma) < sheet_4_log_likelihood(w, X, y, sigma)


# --------------------------------------------------------------------------- 7a': wrong


def test_sheet_7a_prime_has_a_minimal_counterexample_with_two_features():
    d = get("7a")
    f, right, _ = d.setup()
    cx = search("7a", sheet_7a_prime, names=d.variables, seed=0)
    assert_fails(cx)
    H, w2, y = cx.args
    assert H.shape[1] == 2 and w2.shape == (2,)  # one feature cannot show it (next test)
    assert H.shape[0] == 1
    # the counterexample is the candidate's fault: the right answer does not fail there
    assert check_gradient(f, right, cx.args).verdict != "fail"
    assert "Minimal counterexample" in str(cx)


def test_sheet_7a_prime_is_right_with_one_feature():
    # with D = 1, w_{2,j} h_j is w_2^T h: the two lines of the sheet agree
    one_feature = get("7a").inputs().map(lambda a: (a[0][:, :1], a[1][:1], a[2]))
    assert search("7a", sheet_7a_prime, inputs=one_feature) is None


def test_sheet_7a_is_accurate_where_the_output_saturates():
    """At ``s = w2^T h = 19.5625`` with ``y = 1``, ``g - y = sigma(s) - 1`` is -3.2e-9: computed
    as a difference it keeps only ``eps / 3.2e-9 = 3.5e-8`` relative precision, and the
    sheet's right formula was FAILED there (2.5e-8 off against the rtol of 1e-8; a
    derandomized search drew this input once its path changed). The candidate computes the
    same formula with ``sigma(s) - 1 = -sigma(-s)``, as the library does."""
    d = get("7a")
    f, grad, _ = d.setup(candidate=sheet_7a)
    args = (np.array([[-2.5, 3.5]]), np.array([-3.625, 3.0]), np.array([1.0]))
    r = check_gradient(f, grad, args, argnum=d.argnum, **d.options(args))
    assert r.verdict == "pass", str(r)
