"""Ladders that climb where round-off dominates (issue 17, "ladders that can also climb").

The first step is ``0.0116 max(|x_k|, rms(x))``. At a point whose entries are all small
beside the scale on which ``f`` varies (``x ~ 1e-3`` for ``cos``, a ``tanh`` unit near its
inflection) that step is short, and the round-off of a central difference, about
``eps |f| / h``, dominates: ``eps / 1.2e-5 = 2e-11`` against a derivative of ``1e-3``, a
relative precision of ``1e-8`` where a step of ``1e-2`` gives ``1e-13``. The truncation error
at the longer step is still negligible (``h^6`` terms of an ``O(1)``-wide function), so
climbing is the only way to the precision the project promises.
"""

import numpy as np

from checks import check_gradient, estimate_gradient, numerical_hessian

X = np.array([1e-3, -2e-3, 5e-4])


def cosines(z):
    return np.sum(np.cos(z)) + 1.0


def test_small_entries_of_a_wide_function_are_estimated_to_1e_8_of_themselves():
    est = estimate_gradient(cosines, X)
    truth = -np.sin(X)
    err = np.abs(est.value - truth)
    # at a step of 4e-3 the round-off bound is 7 eps * 2 / 4e-3 ~ 8e-13 and the truncation of
    # R2 ~h^6 / 7! ~ 1e-18: 1e-8 of the smallest |g| (5e-12) is within reach; the first
    # steps (1.5e-5) had bounds of 4e-10, 8e-7 of it
    assert np.all(err <= 1e-8 * np.abs(truth)), err / np.abs(truth)
    assert np.all(err <= est.error)
    # the entries climb until their bounds are below 1e-9 of the gradient's scale (or stop
    # being round-off): 1e-9 of max |g| = 2e-12, where the first steps' bounds were 4e-10
    assert np.all(est.error <= 1e-9 * np.max(np.abs(truth))), est.error


def test_a_gradient_wrong_by_one_part_in_a_million_fails_at_small_entries():
    right = check_gradient(cosines, lambda z: -np.sin(z), (X,))
    assert right.ok and right.verdict == "pass", right
    wrong = check_gradient(cosines, lambda z: -np.sin(z) * (1.0 + 1e-6), (X,))
    assert wrong.verdict == "fail", wrong


def test_climbing_keeps_a_narrow_feature():
    # a bump of width 1e-3 at the point: the longer steps see it as flat, so whatever is
    # climbed must agree with the short steps' claim or be dropped -- the right gradient
    # passes, the gradient with the bump dropped fails
    w = 1e-3

    def bumped(z):
        return np.sum(np.cos(z)) + np.exp(-(z[0] - 2e-4) ** 2 / w**2)

    def grad(z):
        g = -np.sin(z)
        g[0] += -2.0 * (z[0] - 2e-4) / w**2 * np.exp(-(z[0] - 2e-4) ** 2 / w**2)
        return g

    assert check_gradient(bumped, grad, (X,)).verdict == "pass"
    r = check_gradient(bumped, lambda z: -np.sin(z), (X,))
    assert r.verdict == "fail", r


def test_hessian_from_grad_near_an_inflection_is_within_1e_8():
    # a draw of tests/test_hessian.py's property under the random profile: a tanh unit at
    # pre-activation 7e-4, its Hessian 1e-3 of the scale of grad; the Jacobian of grad at the
    # first steps (1.2e-5) had a round-off of 2e-11, 1.25e-8 of the Hessian
    x = np.array([0.0, 1e-3])
    W = np.array([[0.0, 0.0], [0.0, np.sqrt(0.5)], [0.0, 0.0]])
    w2 = np.array([0.0, 1.75, 0.0])

    def f(z):
        return w2 @ np.tanh(W @ z)

    def g(z):
        return W.T @ (w2 * (1.0 - np.tanh(W @ z) ** 2))

    t = np.tanh(W @ x)
    H = W.T @ ((w2 * -2.0 * t * (1.0 - t**2))[:, None] * W)
    est = numerical_hessian(f, x, grad=g)
    err = np.abs(est.value - H)
    assert np.max(err) <= 1e-8 * np.max(np.abs(H)), np.max(err) / np.max(np.abs(H))
    assert np.all(err <= 10.0 * est.error + 1e-15 * np.max(np.abs(H)))
