"""Problem 7: the residual network's forward pass and backpropagated gradients."""

import numpy as np
import pytest

from gradients import (
    residual_net_forward,
    residual_net_grad_h,
    residual_net_grad_W0,
    residual_net_grad_W1,
    residual_net_grad_w2,
    residual_net_grad_X,
    residual_net_loss,
    residual_net_loss_from_h,
)
from tests._helpers import strict_floats

SIZES = [(1, 1, 1), (4, 3, 2), (12, 8, 6), (5, 2, 7)]  # (N, D, M)


def sigma(a):
    return 1.0 / (1.0 + np.exp(-a))


def network(rng, n, d, m, scale=1.0):
    W0 = scale * rng.standard_normal((m, d))
    W1 = scale * rng.standard_normal((d, m))
    w2 = scale * rng.standard_normal(d)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, 2, size=n).astype(float)
    return W0, W1, w2, X, y


def reference_sample(W0, W1, w2, x):
    """One sample through the sheet's equations, index by index."""
    d_count, m_count = len(x), W0.shape[0]
    z = np.array([sigma(sum(W0[i, d] * x[d] for d in range(d_count))) for i in range(m_count)])
    h = np.array(
        [x[i] + sigma(sum(W1[i, m] * z[m] for m in range(m_count))) for i in range(d_count)]
    )
    g = sigma(sum(w2[d] * h[d] for d in range(d_count)))
    return z, h, g


@pytest.mark.parametrize(("n", "d", "m"), SIZES)
def test_forward_shapes_and_values_match_the_sheets_equations(rng, n, d, m):
    W0, W1, w2, X, _ = network(rng, n, d, m)
    fwd = residual_net_forward(W0, W1, w2, X)
    expected_shapes = {"A0": (n, m), "Z": (n, m), "A1": (n, d), "H": (n, d), "s": (n,), "g": (n,)}
    assert {k: v.shape for k, v in fwd._asdict().items()} == expected_shapes
    for i in range(n):
        z, h, g = reference_sample(W0, W1, w2, X[i])
        np.testing.assert_allclose(fwd.Z[i], z, rtol=1e-13)
        np.testing.assert_allclose(fwd.H[i], h, rtol=1e-13, atol=1e-15)
        assert fwd.g[i] == pytest.approx(g, rel=1e-13, abs=0)


@pytest.mark.parametrize(("n", "d", "m"), SIZES)
def test_loss_matches_the_definition_and_the_h_level_loss(rng, n, d, m):
    W0, W1, w2, X, y = network(rng, n, d, m)
    g = np.array([reference_sample(W0, W1, w2, x)[2] for x in X])
    loss = residual_net_loss(W0, W1, w2, X, y)
    assert loss == pytest.approx(0.5 * np.sum((g - y) ** 2), rel=1e-12, abs=0)
    H = residual_net_forward(W0, W1, w2, X).H
    assert residual_net_loss_from_h(H, w2, y) == pytest.approx(loss, rel=1e-14, abs=0)


def test_grad_h_is_sheet_candidate_7a(rng):
    # dL/dh_j = (g - y) sigma(w2^T h) (1 - sigma(w2^T h)) w2_j, per sample
    W0, W1, w2, X, y = network(rng, 5, 3, 2)
    H = residual_net_forward(W0, W1, w2, X).H
    g = sigma(H @ w2)
    expected = np.array(
        [[(g[i] - y[i]) * g[i] * (1 - g[i]) * w2[j] for j in range(3)] for i in range(5)]
    )
    np.testing.assert_allclose(residual_net_grad_h(H, w2, y), expected, rtol=1e-13)


GRADS = [residual_net_grad_W0, residual_net_grad_W1, residual_net_grad_w2, residual_net_grad_X]


def test_grad_W1_follows_the_index_convention(rng):
    # W1[d, m] feeds z_m into h_d: dL/dW1[d, m] = sum_i dL/dh_{i,d} sigma'(a1_{i,d}) z_{i,m}
    W0, W1, w2, X, y = network(rng, 6, 3, 2)
    fwd = residual_net_forward(W0, W1, w2, X)
    delta_h = residual_net_grad_h(fwd.H, w2, y)
    s1 = sigma(fwd.A1)
    expected = np.array(
        [
            [
                sum(delta_h[i, d] * s1[i, d] * (1 - s1[i, d]) * fwd.Z[i, m] for i in range(6))
                for m in range(2)
            ]
            for d in range(3)
        ]
    )
    np.testing.assert_allclose(residual_net_grad_W1(W0, W1, w2, X, y), expected, rtol=1e-12)


def test_grad_X_includes_the_residual_path(rng):
    W0, W1, w2, X, y = network(rng, 5, 3, 4)
    H = residual_net_forward(W0, W1, w2, X).H
    delta_h = residual_net_grad_h(H, w2, y)
    # with W0 = 0, z no longer depends on x: only the identity path is left
    W0_zero = np.zeros_like(W0)
    H0 = residual_net_forward(W0_zero, W1, w2, X).H
    np.testing.assert_allclose(
        residual_net_grad_X(W0_zero, W1, w2, X, y), residual_net_grad_h(H0, w2, y), rtol=1e-14
    )
    # in general both paths contribute
    assert not np.allclose(residual_net_grad_X(W0, W1, w2, X, y), delta_h)


def test_large_weights_give_finite_values_without_warnings(rng):
    W0, W1, w2, X, y = network(rng, 6, 3, 4, scale=300.0)
    X = 300.0 * X
    with strict_floats():
        values = [residual_net_loss(W0, W1, w2, X, y)]
        values += [grad(W0, W1, w2, X, y) for grad in GRADS]
    assert all(np.all(np.isfinite(v)) for v in values)
    assert np.abs(residual_net_forward(W0, W1, w2, X).s).max() > 1e3  # truly saturated
