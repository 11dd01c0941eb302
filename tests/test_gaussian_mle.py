"""Problem 4: Gaussian log-likelihood, its gradient, and the closed-form maximiser."""

import warnings

import numpy as np
import pytest

from checks import numerical_gradient, numerical_hessian
from gradients import gaussian_log_likelihood, mle_sigma2, mle_weights

SIGMAS = [0.1, 1.0, 7.5]


def regression(rng, n=20, d=4, noise=0.3):
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + noise * rng.standard_normal(n)
    return X, y


def densities(w, X, y, sigma):
    """The factors of the problem's product, written out."""
    return np.exp(-((y - X @ w) ** 2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)


@pytest.mark.parametrize("sigma", SIGMAS)
def test_log_likelihood_is_the_log_of_the_product_of_densities(rng, sigma):
    # residuals of the size of sigma, so that the product is representable (no underflow)
    X, w = rng.standard_normal((6, 3)), rng.standard_normal(3)
    y = X @ w + sigma * rng.standard_normal(6)
    expected = np.log(np.prod(densities(w, X, y, sigma)))
    assert expected > -np.inf
    assert gaussian_log_likelihood(w, X, y, sigma) == pytest.approx(expected, rel=1e-12, abs=0)


def test_log_likelihood_stays_finite_where_the_product_underflows(rng):
    X, y = regression(rng, n=2000, d=3)
    w = np.zeros(3)
    with np.errstate(under="ignore"):
        assert np.prod(densities(w, X, y, 0.5)) == 0.0
    expected = np.sum(np.log(densities(w, X, y, 0.5)))  # each factor is still representable
    assert gaussian_log_likelihood(w, X, y, 0.5) == pytest.approx(expected, rel=1e-12, abs=0)


@pytest.mark.parametrize(("n", "d"), [(1, 1), (5, 5), (20, 4), (100, 8)])
def test_mle_weights_equal_lstsq_on_full_rank_designs(rng, n, d):
    X, y = regression(rng, n, d)
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(mle_weights(X, y), expected, rtol=1e-10, atol=1e-12)


def test_mle_weights_raise_no_warning(rng):
    # with warnings as errors (as users may run): nothing deprecated or dubious on the way
    X, y = rng.standard_normal((8, 3)), rng.standard_normal(8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = mle_weights(X, y)
        w_min_norm = mle_weights(X[:2], y[:2], min_norm=True)
    assert w.shape == (3,) and w_min_norm.shape == (3,)


def test_mle_weights_on_an_ill_conditioned_design(rng):
    # columns with scales 1 .. 1e-6: cond(X) ~ 1e6, cond(X^T X) ~ 1e12
    X, y = regression(rng, n=30, d=4)
    X = X * np.array([1.0, 1e-2, 1e-4, 1e-6])
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(mle_weights(X, y), expected, rtol=1e-8)


@pytest.mark.parametrize("sigma", SIGMAS)
def test_numerical_gradient_vanishes_at_the_maximiser_for_every_sigma(rng, sigma):
    # w* is computed without sigma; it must be stationary whatever sigma is
    X, y = regression(rng)
    w_star = mle_weights(X, y)
    g = numerical_gradient(lambda w: gaussian_log_likelihood(w, X, y, sigma), w_star)
    scale = np.linalg.norm(X.T @ y) / sigma**2  # size of the gradient at w = 0
    assert np.linalg.norm(g) <= 1e-7 * scale


@pytest.mark.parametrize("sigma", SIGMAS)
def test_maximiser_beats_nearby_points_for_every_sigma(rng, sigma):
    X, y = regression(rng)
    w_star = mle_weights(X, y)
    best = gaussian_log_likelihood(w_star, X, y, sigma)
    for _ in range(20):
        w = w_star + 1e-3 * rng.standard_normal(w_star.shape)
        assert gaussian_log_likelihood(w, X, y, sigma) < best


@pytest.mark.parametrize("sigma", SIGMAS)
def test_hessian_at_the_maximiser_is_negative_definite(rng, sigma):
    X, y = regression(rng)
    w_star = mle_weights(X, y)
    H = numerical_hessian(lambda w: gaussian_log_likelihood(w, X, y, sigma), w_star).value
    expected = -X.T @ X / sigma**2
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    assert np.linalg.eigvalsh(H).max() < 0


def test_rank_deficient_fewer_rows_than_columns_raises_with_advice(rng):
    X, y = regression(rng, n=2, d=3)
    pattern = (
        r"needs X\^T X invertible.*X has rank 2 < D=3 \(N=2 rows < D=3 columns\)"
        r".*Pass min_norm=True for the minimum-norm maximiser"
    )
    with pytest.raises(ValueError, match=pattern):
        mle_weights(X, y)


@pytest.mark.parametrize("eps", [0.0, 1e-17], ids=["exact", "within-rounding"])
def test_rank_deficient_collinear_columns_raise_with_advice(rng, eps):
    X, y = regression(rng, n=10, d=3)
    X[:, 2] = X[:, 0] + 2 * X[:, 1] + eps * rng.standard_normal(10)
    pattern = r"X has rank 2 < D=3 \(its columns are linearly dependent\).*min_norm=True"
    with pytest.raises(ValueError, match=pattern):
        mle_weights(X, y)


def test_zero_rows_is_rank_deficient():
    with pytest.raises(ValueError, match=r"X has rank 0 < D=2"):
        mle_weights(np.zeros((0, 2)), np.zeros(0))


@pytest.mark.parametrize("design", ["wide", "collinear", "zero-column"])
def test_min_norm_maximiser_equals_lstsq(rng, design):
    X, y = regression(rng, n=4, d=6) if design == "wide" else regression(rng, n=10, d=3)
    if design == "collinear":
        X[:, 2] = X[:, 0] - X[:, 1]
    if design == "zero-column":
        X[:, 1] = 0.0
    w = mle_weights(X, y, min_norm=True)
    np.testing.assert_allclose(w, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10, atol=1e-12)
    # it is a maximiser (normal equations hold) and is orthogonal to the null space of X
    np.testing.assert_allclose(X.T @ (y - X @ w), 0.0, atol=1e-10 * np.linalg.norm(X.T @ y))
    null_space = np.linalg.svd(X)[2][np.linalg.matrix_rank(X) :]
    np.testing.assert_allclose(null_space @ w, 0.0, atol=1e-12)


def test_min_norm_on_a_full_rank_design_is_the_unique_maximiser(rng):
    X, y = regression(rng)
    np.testing.assert_allclose(mle_weights(X, y, min_norm=True), mle_weights(X, y), rtol=1e-14)


def test_mle_sigma2_is_the_mean_squared_residual(rng):
    X, y = regression(rng, noise=0.5)
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    assert mle_sigma2(X, y) == pytest.approx(np.mean((y - X @ w) ** 2), rel=1e-10, abs=0)
    w_other = rng.standard_normal(4)
    assert mle_sigma2(X, y, w_other) == pytest.approx(np.mean((y - X @ w_other) ** 2),
                                                      rel=1e-12, abs=0)


def test_mle_sigma2_maximises_the_likelihood_over_sigma(rng):
    X, y = regression(rng, noise=0.5)
    w_star = mle_weights(X, y)
    s_hat = np.sqrt(mle_sigma2(X, y))
    d_sigma = numerical_gradient(
        lambda s: gaussian_log_likelihood(w_star, X, y, float(s[0])), np.array([s_hat])
    )
    assert abs(d_sigma[0]) <= 1e-6 * len(y) / s_hat  # each term of dlnP/dsigma is ~ N / sigma
    best = gaussian_log_likelihood(w_star, X, y, s_hat)
    for s in (0.9 * s_hat, 1.1 * s_hat):
        assert gaussian_log_likelihood(w_star, X, y, s) < best
