"""Domain edges within one step: ``log`` and ``sqrt`` by 0, a Gaussian likelihood's ``sigma``.

``f`` is finite at the point but nan a default step away (``log`` of a negative number, a
negative ``sigma``). The check must keep its steps inside the domain -- not raise, not
fail the exact gradient -- and still see a wrong one.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import check_gradient
from tests._functions import fewer
from tests._hard import (
    MODES,
    assert_promise,
    assert_right_never_fails,
    assert_sharp,
    assert_wrong_never_passes,
    by_id,
    gauss_nll,
    gauss_nll_grad,
    log_sum,
    log_sum_grad,
    sqrt_sum,
    sqrt_sum_grad,
    strategy,
)

GROUP = ("log-edge", "sqrt-edge", "gauss-nll")
cases = pytest.mark.parametrize("case", [by_id(i) for i in GROUP], ids=GROUP)
modes = pytest.mark.parametrize("mode", MODES)


# ------------------------------------------------------------------------------ every case


@modes
@cases
@given(data=st.data())
@fewer(5)
def test_exact_gradient_never_fails(case, mode, data):
    assert_right_never_fails(case, data.draw(strategy(case), label="args"), mode)


@modes
@cases
@given(data=st.data())
@fewer(5)
def test_wrong_gradient_never_passes_with_an_error_above_detectable(case, mode, data):
    assert_wrong_never_passes(case, data.draw(strategy(case), label="args"), mode)


@cases
@given(data=st.data())
@fewer(5)
def test_one_entry_ten_percent_off_fails_in_full_mode(case, data):
    assert_sharp(case, data.draw(strategy(case), label="args"))


# ------------------------------------------------------------------------------ the situations


EDGES = [
    pytest.param(log_sum, log_sum_grad, [0.01, 1.0, 10.0], id="log-at-0.01-1-10"),
    pytest.param(sqrt_sum, sqrt_sum_grad, [0.001, 1.0, 2.0], id="sqrt-at-0.001-1-2"),
    pytest.param(log_sum, log_sum_grad, [1e-4, 3.0, 20.0], id="log-at-1e-4-3-20"),
]


@modes
@pytest.mark.parametrize("f, grad, x", EDGES)
def test_exact_gradient_by_a_domain_edge_passes_without_raising(mode, f, grad, x):
    x = np.array(x)
    r = check_gradient(f, grad, (x.copy(),), mode=mode)
    assert_promise(r, grad(x), grad(x))
    assert r.verdict == "pass", str(r)


@pytest.mark.parametrize("f, grad, x", EDGES)
def test_edge_entry_ten_percent_off_fails(f, grad, x):
    x = np.array(x)

    def wrong(v):
        g = grad(v)
        g[0] *= 1.1  # the entry next to the edge
        return g

    r = check_gradient(f, wrong, (x.copy(),))
    assert r.verdict == "fail", str(r)


THETA = np.array([100.0, 0.5])
Y = 100.0 + 0.5 * np.array([0.3, -1.1, 0.8, 1.9, -0.4, 0.0, -2.1, 0.6, 1.2, -0.7])


@modes
def test_gaussian_nll_at_mu_100_sigma_half_passes_without_raising(mode):
    r = check_gradient(gauss_nll, gauss_nll_grad, (THETA.copy(), Y), mode=mode)
    assert_promise(r, gauss_nll_grad(THETA, Y), gauss_nll_grad(THETA, Y))
    assert r.verdict == "pass", str(r)


@pytest.mark.parametrize("k", [0, 1], ids=["mu", "sigma"])
def test_gaussian_nll_with_one_partial_ten_percent_off_fails(k):
    def wrong(theta, y):
        g = gauss_nll_grad(theta, y)
        g[k] *= 1.1
        return g

    r = check_gradient(gauss_nll, wrong, (THETA.copy(), Y))
    assert r.verdict == "fail", str(r)


def test_gaussian_nll_with_the_partials_swapped_fails():
    r = check_gradient(gauss_nll, lambda t, y: gauss_nll_grad(t, y)[::-1].copy(),
                       (THETA.copy(), Y))
    assert r.verdict == "fail", str(r)


@pytest.mark.parametrize("method", ["central", "forward", "complex", "richardson"])
def test_an_estimate_that_overflows_is_never_a_pass(method):
    """``1.7e308 tanh(1e3 x_0) + x_1`` at ``x_0 = 0``: the difference quotient of entry 0
    overflows (inf, with a nan error bar). The fixed stencils passed ``(1, 1)`` -- the
    gradient is ``(1.7e311, 1)`` -- because ``diff > nan`` is never true. Now the entry
    cannot be judged and the check is inconclusive, for a right or a wrong gradient alike
    (entry 1 is buried under f's round-off of 1.7e308 * eps: nothing can be promised)."""
    def f(v):
        return 1.7e308 * np.tanh(1e3 * v[0]) + v[1]

    with np.errstate(over="ignore", invalid="ignore"):
        for g in ([1.0, 1.0], [1e300, 1.0], [1.0, 5.0]):
            r = check_gradient(f, lambda v, g=g: np.array(g), (np.array([0.0, 1.0]),),
                               method=method)
            assert r.verdict == "inconclusive", (g, str(r))
            assert "cannot be judged ((0," in r.reason, r.reason


@pytest.mark.parametrize("method", ["central", "forward"])
def test_a_jacobian_entry_that_overflows_is_never_a_pass(method):
    """The same overflow in one output of a map: ``check_jacobian`` passed the wrong
    ``d out_0 / d x_0 = 1`` (it is 1.7e311); now that entry cannot be judged."""
    from checks import check_jacobian

    def f(v):
        return np.array([1.7e308 * np.tanh(1e3 * v[0]) + v[1], v[1] ** 2])

    with np.errstate(over="ignore", invalid="ignore"):
        r = check_jacobian(f, lambda v: np.array([[1.0, 1.0], [0.0, 2 * v[1]]]),
                           (np.array([0.0, 1.0]),), method=method)
    assert r.verdict == "inconclusive", str(r)
    assert "cannot be judged ((0, 0))" in r.reason, r.reason


@pytest.mark.parametrize("method", ["central", "forward", "complex", "richardson"])
def test_an_overflowing_difference_warns_nothing(method):
    """Under warnings as errors (``-W error``, a common pytest setting), numpy's
    "overflow encountered in divide" from the engine's own quotients raised out of the check
    instead of its verdict; the quotient is inf by design (an entry not judged)."""
    import warnings

    from checks import check_jacobian

    def f(v):
        return 1.7e308 * np.tanh(1e3 * v[0]) + v[1]

    x = np.array([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_gradient(f, lambda v: np.ones(2), (x,), method=method).verdict == (
            "inconclusive")
        if method != "complex":
            r = check_jacobian(lambda v: np.array([f(v), v[1] ** 2]),
                               lambda v: np.array([[1.0, 1.0], [0.0, 2 * v[1]]]), (x,),
                               method=method)
            assert r.verdict == "inconclusive"
