"""Hessians with error bars (``checks.hessian``): the estimate, the checks, the Taylor test.

The estimate reaches 1e-8 relative on smooth O(1) functions with its true error inside its
tolerance (10 error bars), with and without a gradient; its building blocks converge at the
orders they claim (2 for plain second differences, 4 after one Richardson step); known
Hessians (``x^T B x``, log-det as a 4-d array, log-sum-exp, a ``tanh`` network) pass as
matrices and as HVPs, planted wrong ones (a missing symmetrisation, a lost transpose, a
dropped term, ``x (1 + 1e-6)``) fail; the second-order Taylor test reads order 3 for a right
Hessian, 2 for a wrong one, 1 for a wrong gradient; bad arguments are clear errors.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

import checks.hessian
import checks.hessian_estimate
import checks.taylor_second
from checks import strategies as S
from checks._util import default_steps
from checks.hessian import check_hessian, check_hvp
from checks.hessian_estimate import HESSIAN_STEP_FACTOR, _all_pairs, numerical_hessian
from checks.second import _level, _richardson
from checks.taylor_second import taylor_test_hessian
from tests._functions import fewer

# ----------------------------------------------------------------------------- known Hessians


def quadratic(w, B):
    return w @ B @ w


def quadratic_grad(w, B):
    return (B + B.T) @ w


def quadratic_hess(w, B):
    return B + B.T


def logdet(A):
    return np.linalg.slogdet(A)[1]


def logdet_grad(A):
    return np.linalg.inv(A).T


def logdet_hess(A):
    B = np.linalg.inv(A)
    return -np.einsum("jk,li->ijkl", B, B)  # d^2 / dA_ij dA_kl = -B_jk B_li


def lse(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def lse_grad(x):
    return np.exp(x - lse(x))


def lse_hess(x):
    s = lse_grad(x)
    return np.diag(s) - np.outer(s, s)


def net(x, W, w2):
    return w2 @ np.tanh(W @ x)


def net_grad(x, W, w2):
    return W.T @ (w2 * (1 - np.tanh(W @ x) ** 2))


def net_hess(x, W, w2):
    t = np.tanh(W @ x)
    return W.T @ ((w2 * -2 * t * (1 - t**2))[:, None] * W)


def sincos(x, a, b):
    return np.sin(a @ x) * np.cos(b @ x)


def sincos_grad(x, a, b):
    return np.cos(a @ x) * np.cos(b @ x) * a - np.sin(a @ x) * np.sin(b @ x) * b


def sincos_hess(x, a, b):
    p, q = a @ x, b @ x
    return (-np.sin(p) * np.cos(q) * (np.outer(a, a) + np.outer(b, b))
            - np.cos(p) * np.sin(q) * (np.outer(a, b) + np.outer(b, a)))


o1 = S.elements(max_magnitude=2.0)


@st.composite
def net_args(draw):
    n = draw(st.integers(1, 4))
    x = draw(S.vectors(min_size=n, max_size=n, elements=o1))
    W = draw(S.matrices(min_rows=3, max_rows=3, min_cols=n, max_cols=n, elements=o1))
    return x, W / np.sqrt(n), draw(S.vectors(min_size=3, max_size=3, elements=o1))


@st.composite
def sincos_args(draw):
    n = draw(st.integers(1, 4))
    x, a, b = (draw(S.vectors(min_size=n, max_size=n, elements=o1)) for _ in range(3))
    return x, a / np.sqrt(n), b / np.sqrt(n)


SMOOTH = [
    pytest.param(quadratic, quadratic_grad, quadratic_hess,
                 S.vector_and_square_matrix(max_size=4, elements=o1), id="x^T B x"),
    pytest.param(lse, lse_grad, lse_hess,
                 S.vectors(max_size=4, elements=o1).map(lambda x: (x,)), id="log-sum-exp"),
    pytest.param(net, net_grad, net_hess, net_args(), id="tanh network"),
    pytest.param(sincos, sincos_grad, sincos_hess, sincos_args(), id="sin*cos"),
    pytest.param(logdet, logdet_grad, logdet_hess,
                 S.spd_matrices(max_side=2, max_condition=10.0).map(lambda A: (A,)),
                 id="log-det"),
]


# ----------------------------------------------------------------------------- the estimate


@pytest.mark.parametrize("with_grad", [False, True], ids=["second differences", "from grad"])
@pytest.mark.parametrize(("f", "grad", "hess", "inputs"), SMOOTH)
@fewer(2)
@given(data=st.data())
def test_estimate_is_within_1e_8_and_within_its_tolerance(f, grad, hess, inputs, with_grad,
                                                           data):
    args = data.draw(inputs)
    H = hess(*args)
    scale = np.max(np.abs(H))
    assume(scale > 1e-3)  # a Hessian of 0 (B = 0) has no relative error
    est = numerical_hessian(lambda z: f(z, *args[1:]), args[0],
                            grad=(lambda z: grad(z, *args[1:])) if with_grad else None)
    err = np.abs(est.value - H)
    note(f"true {err.max() / scale:.3g}, bar {est.error.max() / scale:.3g}, "
         f"evaluations {est.evaluations}")
    assert est.value.shape == est.error.shape == np.shape(args[0]) * 2
    assert np.max(err) <= 1e-8 * scale
    assert np.all(err <= 10.0 * est.error + 1e-15 * scale)  # the check's tolerance (safety 10)
    flat = est.value.reshape(args[0].size, -1)
    np.testing.assert_array_equal(flat, flat.T)


def test_cost_is_6_n_squared_plus_24_without_grad_and_6_n_plus_18_with_it():
    # at a point where no entry needs another step: the documented counts exactly (the noise
    # probe 10 to 26 with f(x) twice, 6 n^2, the curvature probe 6)
    rng = np.random.default_rng(5)
    B = rng.standard_normal((5, 5))
    w = rng.standard_normal(5)
    est = numerical_hessian(lambda u: quadratic(u, B), w)
    assert est.evaluations <= 6 * 25 + 24
    calls = []

    def grad(u):
        calls.append(1)
        return quadratic_grad(u, B)

    est = numerical_hessian(lambda u: quadratic(u, B), w, grad=grad)
    # the 6n + 18 of one gradient, whatever the 5 rows (its check against f reuses grad(x))
    assert len(calls) <= 6 * 5 + 18
    assert f"({len(calls)} evaluations of grad)" in est.notes[-1]


def exp_sin(x):
    # (not exp(x0) sin(x1): the h^2 term of its cross difference, (f_0001 + f_0111) h^2 / 6,
    # vanishes, and the plain cross difference converges at order 4)
    return np.exp(x[0]) * np.sin(2 * x[1])


def exp_sin_hess(x):
    e, s, c = np.exp(x[0]), np.sin(2 * x[1]), np.cos(2 * x[1])
    return np.array([[e * s, 2 * e * c], [2 * e * c, -4 * e * s]])


def slope(steps, errors) -> float:
    return float(np.polyfit(np.log(steps), np.log(errors), 1)[0])


@pytest.mark.parametrize("entry", [(0, 0), (0, 1), (1, 1)], ids=["diagonal", "cross", "diag 2"])
def test_plain_second_differences_converge_at_order_2_richardson_at_order_4(entry):
    # steps long enough for truncation to dominate round-off at every one of them
    x = np.array([0.3, 0.7])
    truth = exp_sin_hess(x)[entry]
    pairs = np.array([entry])
    steps = 0.4 * 2.0 ** -np.arange(5)
    plain, richardson = [], []
    for h in steps:
        d = [_level(exp_sin, x, pairs, np.full(2, h), level, exp_sin(x))[0][0]
             for level in range(3)]
        plain.append(abs(d[0] - truth))
        richardson.append(abs(_richardson(*d)[0] - truth))  # R_1(h) = (4 D(h/2) - D(h)) / 3
    assert slope(steps, plain) == pytest.approx(2.0, abs=0.1)
    assert slope(steps, richardson) == pytest.approx(4.0, abs=0.2)


def test_the_full_richardson_value_converges_at_order_6_with_a_user_step():
    # R_2 = (64 D(h/4) - 20 D(h/2) + D(h)) / 45; below h = 0.1 it reaches round-off (1e-12)
    x = np.array([0.3, 0.7])
    steps = 0.4 * 2.0 ** -np.arange(3)
    errors = [np.max(np.abs(numerical_hessian(exp_sin, x, step=h).value - exp_sin_hess(x)))
              for h in steps]
    assert slope(steps, errors) == pytest.approx(6.0, abs=0.3)


def test_matrix_argument_gives_a_4d_hessian_ordered_like_the_argument():
    A = np.array([[2.0, 0.3], [0.3, 1.5]])
    est = numerical_hessian(logdet, A)
    assert est.value.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(est.value, logdet_hess(A), atol=1e-9)
    assert est.step.shape == (2, 2, 2, 2) and np.all(est.step > 0)


def test_default_step_factor_is_4_eps_to_the_sixth():
    assert HESSIAN_STEP_FACTOR == pytest.approx(4 * np.finfo(float).eps ** (1 / 6))
    x = np.array([1.0, -3.0])  # rms(x) = sqrt(5): steps c * max(|x_k|, rms(x))
    expected = HESSIAN_STEP_FACTOR * np.array([np.sqrt(5.0), 3.0])
    np.testing.assert_allclose(default_steps(x, HESSIAN_STEP_FACTOR), expected, rtol=1e-15)
    assert _all_pairs(3).tolist() == [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]


# ----------------------------------------------------------------------------- the checks

MODES = ["full", "directional"]


def wrong_hessians():
    """(f, grad, right hess, wrong hess, inputs, id): the planted mistakes. ``x (1 + 1e-6)``
    is beyond the sensitivity of two random pairs (about 1e-6): full mode only."""
    spd = S.spd_matrices(min_side=2, max_side=2, max_condition=10.0).map(lambda A: (A,))
    lost = lambda A: -np.einsum("ik,jl->ijkl", *(2 * [np.linalg.inv(A)]))  # noqa: E731
    return [
        pytest.param(quadratic, quadratic_grad, quadratic_hess, lambda w, B: 2 * B,
                     S.vector_and_square_matrix(max_size=4, elements=o1),
                     id="x^T B x-missing symmetrisation"),
        pytest.param(logdet, logdet_grad, logdet_hess, lost, spd, id="log-det-lost transpose"),
        pytest.param(lse, lse_grad, lse_hess, lambda x: np.diag(lse_grad(x)),
                     S.vectors(min_size=2, max_size=4, elements=o1).map(lambda x: (x,)),
                     id="log-sum-exp-dropped term"),
        pytest.param(net, net_grad, net_hess, lambda *a: net_hess(*a) * (1 + 1e-6), net_args(),
                     id="tanh network-scaled"),
    ]


PLANTED = [pytest.param(*p.values, mode, id=f"{p.id}-{mode}") for p in wrong_hessians()
           for mode in MODES if not (p.id.endswith("scaled") and mode == "directional")]


@pytest.mark.parametrize("with_grad", [False, True], ids=["f only", "with grad"])
@pytest.mark.parametrize(("f", "grad", "hess", "wrong", "inputs", "mode"), PLANTED)
@fewer(5)
@given(data=st.data())
def test_right_hessians_pass_and_planted_wrong_ones_fail(f, grad, hess, wrong, inputs, mode,
                                                         with_grad, data):
    args = data.draw(inputs)
    kwargs = dict(mode=mode, grad=grad if with_grad else None)
    right = check_hessian(f, hess, args, **kwargs)
    note(str(right))
    assume(right.verdict != "inconclusive")  # H = 0 (B = 0): nothing to resolve
    assert right.verdict == "pass"
    a_right, a_wrong = hess(*args), wrong(*args)
    top, diff = np.max(np.abs(a_right)), np.max(np.abs(a_wrong - a_right))
    rel = diff / top if top > 0 else (np.inf if diff > 0 else 0.0)  # f = 0 has H = 0 exactly
    assume(rel > 10 * right.detectable)  # the promise: beyond it, a wrong Hessian fails
    bad = check_hessian(f, wrong, args, **kwargs)
    note(str(bad))
    assert bad.verdict == "fail"
    # the same as Hessian-vector products
    hvp = lambda h: (lambda v, *a: np.tensordot(h(*a), v, axes=v.ndim))  # noqa: E731
    assert check_hvp(f, hvp(hess), args, **kwargs).verdict == "pass"
    assert check_hvp(f, hvp(wrong), args, **kwargs).verdict == "fail"


def test_missing_symmetrisation_fails_in_every_mode_but_not_in_one_quadratic_form():
    w, B = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [1.0, 0.0, 1.0]])
    args = (w, B)
    wrong = lambda w, B: 2 * B  # noqa: E731
    for mode in MODES:
        assert check_hessian(quadratic, wrong, args, mode=mode).verdict == "fail"
    # v^T (2B - B - B^T) v = 0 for every v: one direction cannot see it, and says so
    t = taylor_test_hessian(quadratic, quadratic_grad, args, hess=wrong)
    assert t.verdict == "pass" and "antisymmetric" in str(t)


def test_report_names_the_worst_pair_of_entries():
    w, B = np.array([0.5, -1.0]), np.array([[1.0, 2.0], [0.5, 1.0]])

    def hess(w, B):
        H = B + B.T
        H[0, 1] += 1e-3
        return H

    r = check_hessian(quadratic, hess, (w, B))
    text = str(r)
    assert r.verdict == "fail" and r.worst_index == (0, 1) and r.mismatched == 1
    assert text.startswith("Hessian check FAILED: Hessian of quadratic with respect to args[0], "
                           "shape (2,)")
    assert "Worst entry (0, 1) (d2f / dx(0,) dx(1,))" in text


def test_a_grad_that_is_not_fs_gradient_is_refused():
    w, B = np.array([0.5, -1.0]), np.array([[1.0, 2.0], [0.5, 1.0]])
    with pytest.raises(ValueError, match="grad is not the gradient of f"):
        check_hessian(quadratic, quadratic_hess, (w, B), grad=lambda w, B: 2 * B @ w)
    # right at w, but its Jacobian is B + B^T + C with C antisymmetric: no gradient field
    C = np.array([[0.0, 1.0], [-1.0, 0.0]])
    twisted = lambda u: quadratic_grad(u, B) + C @ (u - w)  # noqa: E731
    with pytest.raises(ValueError, match=r"the Jacobian of grad is not symmetric: .* grad is "
                                         "not the gradient of any function near x"):
        numerical_hessian(lambda u: quadratic(u, B), w, grad=twisted)


def test_directional_cost_does_not_depend_on_the_size():
    def f(u, B):
        return quadratic(u, B) + np.sum(np.cos(u))

    def hvp(v, u, B):
        return (B + B.T) @ v - np.cos(u) * v

    for n in (3, 30):
        B = np.random.default_rng(n).standard_normal((n, n)) / n
        r = check_hvp(f, hvp, (np.full(n, 0.3), B))
        assert r.verdict == "pass"
        assert r.evaluations <= 12 * 2 + 18 + 2 * 2 * 10  # a few levels climbed at most


# ----------------------------------------------------------------------------- Taylor, second order


TAYLOR = [
    pytest.param(lse, lse_grad, lse_hess, (np.array([0.3, -1.2, 0.8]),), id="log-sum-exp"),
    pytest.param(net, net_grad, net_hess,
                 (np.array([0.4, -0.3]), np.array([[1.0, 0.5], [-0.7, 0.2], [0.3, 0.9]]),
                  np.array([1.0, -2.0, 0.5])), id="tanh network"),
    pytest.param(logdet, logdet_grad, logdet_hess, (np.array([[2.0, 0.3], [0.3, 1.5]]),),
                 id="log-det"),
]


@pytest.mark.parametrize("form", ["hess", "hvp"])
@pytest.mark.parametrize(("f", "grad", "hess", "args"), TAYLOR)
def test_taylor_order_is_3_right_2_wrong_hessian_1_wrong_gradient(f, grad, hess, args, form):
    def as_form(h):
        if form == "hess":
            return dict(hess=h)
        return dict(hvp=lambda v, *a: np.tensordot(h(*a), v, axes=v.ndim))

    right = taylor_test_hessian(f, grad, args, **as_form(hess))
    assert right.verdict == "pass", str(right)
    assert right.order == pytest.approx(3.0, abs=0.3)
    wrong = taylor_test_hessian(f, grad, args, **as_form(lambda *a: 1.5 * hess(*a)))
    assert wrong.verdict == "fail" and wrong.order == pytest.approx(2.0, abs=0.3), str(wrong)
    assert "the Hessian is wrong along this direction" in wrong.reason
    off = taylor_test_hessian(f, lambda *a: 1.1 * grad(*a), args, **as_form(hess))
    assert off.verdict == "fail" and off.order == pytest.approx(1.0, abs=0.3)
    assert "the gradient is wrong" in off.reason


def test_taylor_of_a_quadratic_is_exact_and_passes_without_an_order():
    w, B = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [1, 0, 1.0]])
    t = taylor_test_hessian(quadratic, quadratic_grad, (w, B), hess=quadratic_hess)
    assert t.verdict == "pass" and np.isnan(t.order)
    assert "no remainder rose above round-off" in t.reason
    bad = taylor_test_hessian(quadratic, quadratic_grad, (w, B),
                              hess=lambda w, B: quadratic_hess(w, B) + np.eye(3))
    assert bad.verdict == "fail" and bad.order == pytest.approx(2.0, abs=0.05)


@given(wB=S.vector_and_square_matrix(min_size=2, max_size=4, elements=o1))
def test_taylor_report_states_its_sensitivity(wB):
    f = lambda w, B: quadratic(w, B) + np.sum(np.sin(w))  # noqa: E731
    g = lambda w, B: quadratic_grad(w, B) + np.cos(w)  # noqa: E731
    h = lambda w, B: quadratic_hess(w, B) - np.diag(np.sin(w))  # noqa: E731
    t = taylor_test_hessian(f, g, wB, hess=h)
    assert t.verdict in ("pass", "inconclusive")
    text = str(t)
    assert text.startswith("Second-order Taylor test")
    if np.isfinite(t.detectable):
        assert "Sensitivity: no Hessian whose relative error along v" in text


# ----------------------------------------------------------------------------- bad arguments

W = (np.array([0.5, -1.0, 2.0]), np.eye(3))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="give exactly one of hess= .* and hvp="):
        taylor_test_hessian(quadratic, quadratic_grad, W)
    with pytest.raises(ValueError, match="give exactly one of hess="):
        taylor_test_hessian(quadratic, quadratic_grad, W, hess=quadratic_hess,
                            hvp=lambda v, w, B: v)
    with pytest.raises(ValueError, match=r"direction must have shape \(3,\), got \(2,\)"):
        taylor_test_hessian(quadratic, quadratic_grad, W, hess=quadratic_hess,
                            direction=np.ones(2))
    with pytest.raises(ValueError, match="method='central' applies with grad= only"):
        check_hessian(quadratic, quadratic_hess, W, method="central")
    with pytest.raises(ValueError, match="method='central' applies to the Jacobian of grad"):
        numerical_hessian(np.sum, np.ones(2), method="central")
    with pytest.raises(ValueError, match=r"step must be a scalar or have shape \(3,\), got "
                                         r"shape \(2,\)"):
        numerical_hessian(np.sum, np.ones(3), step=np.ones(2))
    with pytest.raises(ValueError, match=r"grad\(x\) must have the shape of x, \(3,\); got "
                                         r"\(2,\)"):
        numerical_hessian(np.sum, np.ones(3), grad=lambda x: x[:2])
    with pytest.raises(ValueError, match="f must return a scalar, got an array of shape"):
        numerical_hessian(lambda x: x, np.ones(3))
    with pytest.raises(ValueError, match="directions= applies to mode='directional' only"):
        check_hessian(quadratic, quadratic_hess, W, directions=2)
    with pytest.raises(ValueError, match=r"atol must be a scalar or \(in full mode\) an array "
                                         r"of shape \(3, 3\), got shape \(3,\)"):
        check_hessian(quadratic, quadratic_hess, W, atol=np.ones(3))
    with pytest.raises(TypeError, match=r"hvp cannot be called as hvp\(v, \*args\)"):
        check_hvp(quadratic, lambda w, B: w, W)


def test_wrongly_shaped_hessians_are_failed_checks_naming_both_shapes():
    r = check_hessian(quadratic, quadratic_grad, W)
    assert r.verdict == "fail"
    assert r.reason.startswith("hess(*args) has shape (3,), but shape + shape is (3, 3)")
    t = taylor_test_hessian(quadratic, quadratic_grad, W, hvp=lambda v, w, B: v[:2])
    assert t.verdict == "fail" and "hvp(v, *args) has shape (2,)" in t.reason


@pytest.mark.parametrize("module", [checks.hessian, checks.hessian_estimate,
                                    checks.taylor_second])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, extraglobs={"np": np})
    assert result.attempted >= 2 and result.failed == 0
