"""Problem 2: logistic regression with an L2 penalty, and the penalty's effect as facts."""

import numpy as np
import pytest

from checks import numerical_hessian
from gradients import logistic_l2_grad, logistic_l2_loss, logistic_l2_step
from tests._helpers import strict_floats


def naive_sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def random_problem(rng, n=12, d=4, scale=1.0):
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.5).astype(float)
    return scale * rng.standard_normal(d), X, y


def separable_problem(rng):
    """Labels from a hyperplane through the origin, with a margin."""
    X = rng.standard_normal((40, 3))
    m = X @ np.array([2.0, -1.0, 0.5])
    X = X[np.abs(m) > 0.3]
    return X, (m[np.abs(m) > 0.3] > 0).astype(float)


def lipschitz(X, lam):
    """Upper bound on the Hessian's largest eigenvalue: ||X||_2^2 / 4 + 2 lam."""
    return np.linalg.norm(X, 2) ** 2 / 4 + 2 * lam


def test_loss_matches_the_cross_entropy_definition(rng):
    w, X, y = random_problem(rng)
    f = naive_sigmoid(X @ w)
    for lam in (0.0, 1.0, 2.5):
        expected = np.sum(-y * np.log(f) - (1 - y) * np.log(1 - f)) + lam * np.sum(w**2)
        assert logistic_l2_loss(w, X, y, lam) == pytest.approx(expected, rel=1e-12, abs=0)


def test_default_penalty_is_the_sheets_coefficient_one(rng):
    w, X, y = random_problem(rng)
    assert logistic_l2_loss(w, X, y) == logistic_l2_loss(w, X, y, lam=1.0)
    assert logistic_l2_loss(w, X, y) - logistic_l2_loss(w, X, y, lam=0.0) == pytest.approx(
        np.sum(w**2), rel=1e-12
    , abs=0)


def test_gradient_matches_sheet_candidate_2(rng):
    # sum_i (-y_i (1 - f_i) x_i + (1 - y_i) f_i x_i) + 2 lam w
    w, X, y = random_problem(rng)
    f = naive_sigmoid(X @ w)
    for lam in (0.0, 1.0, 3.0):
        expected = np.sum((-y * (1 - f) + (1 - y) * f)[:, None] * X, axis=0) + 2 * lam * w
        np.testing.assert_allclose(logistic_l2_grad(w, X, y, lam), expected, rtol=1e-12)


@pytest.mark.parametrize("lam", [0.1, 1.0])
@pytest.mark.parametrize(("n", "d"), [(10, 3), (2, 5)])  # (2, 5): the data term is singular
def test_hessian_dominates_2_lam_identity(rng, n, d, lam):
    w, X, y = random_problem(rng, n, d)
    H = numerical_hessian(lambda v: logistic_l2_loss(v, X, y, lam), w).value
    f = naive_sigmoid(X @ w)
    expected = X.T @ ((f * (1 - f))[:, None] * X) + 2 * lam * np.eye(d)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    assert np.linalg.eigvalsh(H).min() >= 2 * lam * (1 - 1e-5)


def test_extreme_margins_give_finite_exact_values_without_warnings():
    # a = X @ w = [1000, -1000, 1000, -1000, 40, -40, 0]
    X = np.array([[1.0], [-1.0], [1.0], [-1.0], [0.04], [-0.04], [0.0]])
    w = np.array([1000.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    with strict_floats():
        loss = logistic_l2_loss(w, X, y, lam=0.0)
        grad = logistic_l2_grad(w, X, y, lam=0.0)
    # misclassified at |a| = 1000 cost 1000 each; ln 2 at a = 0; the rest ~exp(-40) or less
    assert loss == pytest.approx(2000.0 + np.log(2) + 2 * np.exp(-40.0), rel=1e-15, abs=0)
    # sigma(a) - y: 1, -1, ~0, ~0, -exp(-40), +exp(-40), -1/2, kept to full relative accuracy
    tail = np.exp(-40.0) / (1 + np.exp(-40.0))
    expected = 1.0 + 1.0 + 0.04 * (-tail) + (-0.04) * tail
    np.testing.assert_allclose(grad, [expected], rtol=1e-15)
    with strict_floats():
        assert np.isfinite(logistic_l2_loss(-w, X, y))
        assert np.all(np.isfinite(logistic_l2_grad(-w, X, y)))


def test_loss_keeps_relative_accuracy_for_well_classified_samples():
    # y = 1, a = 40: the loss is ln(1 + exp(-40)) ~ 4e-18; softplus(a) - y a would give 0
    for y, a in [(1.0, 40.0), (0.0, -40.0), (1.0, 700.0)]:
        loss = logistic_l2_loss(np.array([a]), np.array([[1.0]]), np.array([y]), lam=0.0)
        assert loss == pytest.approx(np.log1p(np.exp(-abs(a))), rel=1e-14, abs=0)


def test_gradient_keeps_relative_accuracy_for_well_classified_samples():
    # one sample, y = 1, a = 40: the gradient is -sigma(-40) x, about -4e-18 x, not 0
    grad = logistic_l2_grad(np.array([40.0]), np.array([[1.0]]), np.array([1.0]), lam=0.0)
    assert grad[0] == pytest.approx(-np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-14, abs=0)


def test_step_is_one_gradient_descent_update_and_does_not_mutate(rng):
    w, X, y = random_problem(rng)
    w_before = w.copy()
    new = logistic_l2_step(w, X, y, lr=0.01, lam=0.5)
    np.testing.assert_array_equal(w, w_before)
    assert not np.shares_memory(new, w)
    f = naive_sigmoid(X @ w)
    np.testing.assert_allclose(new, w - 0.01 * (X.T @ (f - y) + 2 * 0.5 * w), rtol=1e-12)


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_small_step_decreases_the_loss(rng, lam):
    for _ in range(5):
        w, X, y = random_problem(rng, scale=2.0)
        lr = 1.0 / lipschitz(X, lam)  # descent lemma: L(w - lr g) <= L(w) - lr/2 ||g||^2
        g = logistic_l2_grad(w, X, y, lam)
        new_loss = logistic_l2_loss(logistic_l2_step(w, X, y, lr, lam), X, y, lam)
        assert new_loss <= logistic_l2_loss(w, X, y, lam) - 0.5 * lr * (g @ g) * (1 - 1e-9)
        assert new_loss < logistic_l2_loss(w, X, y, lam)


def test_separable_data_without_penalty_norm_grows_without_bound(rng):
    X, y = separable_problem(rng)
    lr = 1.0 / lipschitz(X, 0.0)
    w, norms = np.zeros(3), []
    for t in range(1, 4001):
        w = logistic_l2_step(w, X, y, lr, lam=0.0)
        if t in (250, 500, 1000, 2000, 4000):
            norms.append(np.linalg.norm(w))
    # ||w|| grows like log t: every doubling of t adds a roughly constant amount
    assert np.all(np.diff(norms) > 1.0), norms
    assert np.all((X @ w > 0) == (y == 1))  # w separates the data, and the loss -> 0


def test_separable_data_with_penalty_converges_to_a_finite_stationary_point(rng):
    X, y = separable_problem(rng)
    lam = 0.1
    lr = 1.0 / lipschitz(X, lam)
    w = np.zeros(3)
    for _ in range(3000):
        w = logistic_l2_step(w, X, y, lr, lam)
    assert np.linalg.norm(logistic_l2_grad(w, X, y, lam)) < 1e-10
    # lam ||w*||^2 <= L(w*) <= L(0) = N ln 2
    assert np.linalg.norm(w) <= np.sqrt(len(y) * np.log(2) / lam)
    # further steps do not move it: a fixed point, not a slow drift
    w_later = w
    for _ in range(1000):
        w_later = logistic_l2_step(w_later, X, y, lr, lam)
    np.testing.assert_allclose(w_later, w, atol=1e-12)


def newton_minimiser(X, y, lam, iters=50):
    """Minimise L by Newton's method with the Hessian written out independently."""
    w = np.zeros(X.shape[1])
    for _ in range(iters):
        f = naive_sigmoid(X @ w)
        H = X.T @ ((f * (1 - f))[:, None] * X) + 2 * lam * np.eye(X.shape[1])
        w = w - np.linalg.solve(H, logistic_l2_grad(w, X, y, lam))
    return w


@pytest.mark.parametrize("separable", [False, True], ids=["noisy", "separable"])
def test_minimiser_norm_decreases_as_lam_grows(rng, separable):
    X, y = separable_problem(rng) if separable else random_problem(rng, n=30, d=3)[1:]
    lams = [0.01, 0.1, 1.0, 10.0, 100.0]
    minimisers = [newton_minimiser(X, y, lam) for lam in lams]
    for lam, w in zip(lams, minimisers, strict=True):
        assert np.linalg.norm(logistic_l2_grad(w, X, y, lam)) < 1e-9
    norms = [np.linalg.norm(w) for w in minimisers]
    assert np.all(np.diff(norms) < 0), norms
