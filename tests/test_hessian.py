"""Hessians with error bars (``checks.hessian``): the estimate, the checks, the Taylor test.

The estimate reaches 1e-8 relative on smooth O(1) functions with its true error inside its
tolerance (10 error bars), with and without a gradient; its building blocks converge at the
orders they claim (2 for plain second differences, 4 after one Richardson step); known
Hessians (``x^T B x``, log-det as a 4-d array, log-sum-exp, a ``tanh`` network) pass as
matrices and as HVPs, planted wrong ones (a missing symmetrisation, a lost transpose, a
dropped term, ``x (1 + 1e-6)``) fail; the second-order Taylor test reads order 3 for a right
Hessian, 2 for a wrong one, 1 for a wrong gradient; bad arguments are clear errors. The
ladder's parts keep their promises: the one-sided second derivatives lie within their bounds
whatever the noise, a kink's interval within the propagated errors of its sides, an aliased
sine is caught by the spot check; the precision does not depend on the scale of ``f``.
"""

from __future__ import annotations

import doctest
import itertools
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

import checks.hessian
import checks.hessian_estimate
import checks.taylor_second
from checks import ladder
from checks import strategies as S
from checks._util import EPS, NonFiniteValueError, default_steps
from checks.hessian import check_hessian, check_hvp
from checks.hessian_estimate import HESSIAN_STEP_FACTOR, _all_pairs, numerical_hessian
from checks.second import second_ladder
from checks.second_lines import _interval, _level, _lines, _richardson
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


def _counted(fun, calls, key):
    def wrapped(*a):
        calls[key] += 1
        return fun(*a)
    return wrapped


def _cos_plus_cross(u):
    return float(np.sum(np.cos(u)) + u[0] * u[-1])


def _cos_plus_cross_grad(u):
    g = -np.sin(u)
    g[0] += u[-1]
    g[-1] += u[0]
    return g


def _cos_plus_cross_hess(u):
    H = -np.diag(np.cos(u))
    H[0, -1] += 1.0
    H[-1, 0] += 1.0
    return H


@pytest.mark.parametrize("n", [3, 20])
def test_reported_evaluations_are_the_calls_made_and_grad_is_checked_along_2_directions(n):
    # every result's count is the number of calls of f (and grad) it made; with grad, f is
    # only evaluated to check grad along 2 random directions: about 30 calls, whatever n
    u = np.linspace(0.2, 1.3, n)
    f, g, hess = _cos_plus_cross, _cos_plus_cross_grad, _cos_plus_cross_hess
    if n == 3:
        calls = {"f": 0}
        est = numerical_hessian(_counted(f, calls, "f"), u)
        assert est.evaluations == calls["f"]
    calls = {"f": 0, "g": 0}
    est = numerical_hessian(_counted(f, calls, "f"), u, grad=_counted(g, calls, "g"))
    assert est.evaluations == calls["f"] + calls["g"]
    assert calls["f"] <= 40
    calls = {"f": 0, "g": 0}
    r = check_hessian(_counted(f, calls, "f"), hess, (u,), grad=_counted(g, calls, "g"),
                      mode="directional")
    assert r.verdict == "pass" and r.evaluations == calls["f"] + calls["g"]
    assert calls["f"] <= 40
    calls = {"f": 0}
    t = taylor_test_hessian(_counted(f, calls, "f"), g, (u,), hess=hess)
    assert t.evaluations == calls["f"]


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
    assert HESSIAN_STEP_FACTOR == pytest.approx(4 * np.finfo(float).eps ** (1 / 6), rel=1e-6, abs=0)
    x = np.array([1.0, -3.0])  # rms(x) = sqrt(5): steps c * max(|x_k|, rms(x))
    expected = HESSIAN_STEP_FACTOR * np.array([np.sqrt(5.0), 3.0])
    np.testing.assert_allclose(default_steps(x, HESSIAN_STEP_FACTOR), expected, rtol=1e-15)
    assert _all_pairs(3).tolist() == [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]


def test_kinds_are_the_ladders_int8_codes_with_and_without_grad():
    B = np.array([[2.0, 1.0], [0.0, 3.0]])
    w = np.array([0.5, -1.0])
    for grad in (None, lambda u: quadratic_grad(u, B)):
        est = numerical_hessian(lambda u: quadratic(u, B), w, grad=grad)
        assert est.kind.dtype == np.int8 and est.kind.shape == (2, 2)
        assert np.all(est.kind == ladder.SMOOTH)


def test_a_noisy_f_is_noted_with_its_level():
    # a wiggle far below the noise probe's spacings: noise of 1e-9 on an f of about 0.3
    def noisy(v):
        s = float(np.sum(np.sin(v)))
        return s + 1e-9 * np.sin(1e13 * s)

    est = numerical_hessian(noisy, np.array([0.3, -1.2, 2.0]))
    assert all(isinstance(n, str) for n in est.notes), est.notes
    assert any(n.startswith("f is noisy at the ") for n in est.notes), est.notes


@pytest.mark.parametrize("x0", [1.0, -0.3, 2.5])
def test_a_concave_function_of_one_variable_agrees_with_the_curvature_probe(x0):
    # p^T H p < 0: the probe's value must be compared with the interval of the estimate, sum
    # over the pairs of their lower and upper ends, whatever the sign
    est = numerical_hessian(lambda z: -float(np.cosh(z[0])), np.array([x0]))
    assert est.kind[0, 0] == ladder.SMOOTH and est.notes == (), est.notes
    assert est.value[0, 0] == pytest.approx(-np.cosh(x0), rel=1e-8, abs=0)


def test_a_user_step_with_grad_is_the_step_taken():
    B = np.array([[2.0, 1.0], [0.0, 3.0]])
    est = numerical_hessian(lambda w: quadratic(w, B), np.ones(2),
                            grad=lambda w: quadratic_grad(w, B), step=0.25)
    np.testing.assert_array_equal(est.step, np.full((2, 2), 0.25))
    np.testing.assert_allclose(est.value, B + B.T, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e-6, 1e-12])
def test_the_relative_precision_does_not_depend_on_the_scale_of_f(scale):
    # at x = [0, 2^-8] the default steps are too short for 1 / h^2 and the ladders climb
    # while their round-off exceeds 1e-9 of the Hessian's scale: of f's scale, whatever it is
    x = np.array([0.0, 0.00390625])
    est = numerical_hessian(lambda z: scale * lse(z), x)
    H = scale * lse_hess(x)
    err = np.abs(est.value - H)
    assert np.max(err) <= 1e-8 * np.max(np.abs(H))
    assert np.all(err <= 10 * est.error)


@pytest.mark.parametrize("step", [0.01, 0.1])
def test_with_a_user_step_an_entry_out_of_the_asymptotic_regime_is_not_judged(step):
    # |x_0|^3 at 0: D(h) = 2 h, shrinking like h and not like h^2; with the steps fixed the
    # entry cannot descend to where that vanishes, so it is unresolved (and H_00 = 0 right)
    def f(z):
        return float(abs(z[0]) ** 3 + np.cos(z[1]))

    def hess(z):
        return np.diag([6.0 * abs(z[0]), -np.cos(z[1])])

    x = np.array([0.0, 0.5])
    est = numerical_hessian(f, x, step=step)
    assert est.kind[0, 0] == ladder.UNRESOLVED and est.kind[1, 1] == ladder.SMOOTH
    assert check_hessian(f, hess, (x,), step=step).verdict == "inconclusive"
    assert check_hessian(f, hess, (x,)).verdict == "pass"  # the default steps descend


@pytest.mark.parametrize("periods", [7.87, 7.871])
def test_a_sine_aliased_over_four_levels_is_caught_by_the_spot_check(periods):
    # steps near multiples of 2 pi: levels 0 to 3 see a parabola (module docstring of
    # checks.second), which the spot check at 2^-10 of the steps breaks
    x = np.array([0.7])
    res = second_ladder(lambda z: float(np.sin(z[0])), x, np.array([[0, 0]]),
                        np.array([2 * np.pi * periods]), float(np.sin(x[0])), 1e-16)
    assert res.kind[0] == ladder.SMOOTH
    assert abs(res.value[0] + np.sin(x[0])) <= max(10 * res.error[0], 1e-8)


@given(curv=st.lists(st.floats(-10.0, 10.0), min_size=4, max_size=4),
       slope=st.floats(-1.0, 1.0), t0=st.floats(1e-2, 1.0),
       noise=st.lists(st.floats(-1.0, 1.0), min_size=17, max_size=17))
def test_one_sided_second_derivatives_lie_within_their_bounds_whatever_the_noise(curv, slope,
                                                                                  t0, noise):
    # two lines through x, each quadratic on either side (left curvature L, right R): the
    # one-sided estimates from four levels of values, each off by at most s, lie within
    # their bounds
    s = 1e-9
    left, right = np.array(curv[:2]), np.array(curv[2:])
    t = t0 * np.array([2.0, 1.0, 0.5, 0.25])
    eps = s * np.array(noise[:16]).reshape(2, 4, 1, 2)
    f0 = s * noise[16]
    lines = {
        "P": slope * t[:, None, None] + right * t[:, None, None] ** 2 / 2 + eps[0],
        "M": -slope * t[:, None, None] + left * t[:, None, None] ** 2 / 2 + eps[1],
        "tp": np.broadcast_to(t[:, None, None], (4, 1, 2)),
        "tm": np.broadcast_to(t[:, None, None], (4, 1, 2)),
    }
    out = _lines(lines, f0, np.full((1, 1), s))
    assert np.all(np.abs(out["R"] - right) <= out["Rerr"]), (out["R"], out["Rerr"])
    assert np.all(np.abs(out["L"] - left) <= out["Lerr"]), (out["L"], out["Lerr"])


@given(sides=st.lists(st.floats(-10.0, 10.0), min_size=4, max_size=4),
       errs=st.lists(st.floats(1e-6, 1e-2), min_size=4, max_size=4),
       q=st.floats(0.1, 100.0), cross=st.booleans())
def test_a_kinks_interval_is_within_the_propagated_errors_of_its_sides(sides, errs, q, cross):
    # the ends M -+ d move by at most the errors of M and of d, each at most
    # sum_l |w_l| (Lerr_l + Rerr_l) / 2: a bound reached by no wider error
    w = np.array([[q, -q]]) if cross else np.array([[1.0, 0.0]])
    kinked = w != 0.0
    L, R = np.array([sides[:2]]), np.array([sides[2:]])
    Lerr, Rerr = np.array([errs[:2]]), np.array([errs[2:]])

    def interval(L, R):
        st_ = dict(L=L, R=R, Lerr=Lerr, Rerr=Rerr, central=np.zeros((1, 2)),
                   central_err=np.zeros((1, 2)))
        return _interval(st_, kinked, w)

    lo, hi, err = interval(L, R)[:3]
    bound = float(np.sum(np.where(kinked, np.abs(w) * (Lerr + Rerr), 0.0)))
    assert lo[0] <= hi[0] and err[0] <= bound * (1 + 1e-12)
    for signs in itertools.product((-1.0, 1.0), repeat=4):  # the sides' true values
        dl = np.array([signs[:2]]) * Lerr
        dr = np.array([signs[2:]]) * Rerr
        lo_t, hi_t = interval(L + dl, R + dr)[:2]
        assert abs(lo_t[0] - lo[0]) <= err[0] * (1 + 1e-9) + 1e-12
        assert abs(hi_t[0] - hi[0]) <= err[0] * (1 + 1e-9) + 1e-12


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


def test_the_polarised_pairs_error_bar_holds_and_is_not_needlessly_loose():
    # without grad, u^T H v = (q(u + v) - q(u - v)) / 4: its bar is the two lines' bars over
    # 4; on a smooth f it covers the true error, and the largest of 8 is within 30 of it
    x = np.array([0.3, -0.7])
    r = check_hessian(exp_sin, lambda u: exp_sin_hess(u), (x,), mode="directional",
                      directions=8, rng=1)
    ratio = np.abs(r.numerical - r.analytic) / r.error
    assert r.verdict == "pass" and np.all(ratio <= 1.0)
    assert np.max(ratio) >= 1.0 / 30.0


def test_directional_options_are_applied_and_reported():
    w, B = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [1, 0, 1.0]])
    r = check_hessian(quadratic, quadratic_hess, (w, B), mode="directional", directions=5,
                      grad=quadratic_grad, safety=3.0)
    text = str(r)
    assert r.verdict == "pass" and r.analytic.shape == (5,) and r.safety == 3.0
    assert "shape (3,), along 5 random pairs (u_j, v_j)" in text
    assert "Pairs: analytic u^T A v against numerical d/dt <u, grad(x + t v)>" in text
    assert "safety=3, rtol=1e-08" in text
    r = check_hessian(quadratic, quadratic_hess, (w, B), safety=3.0)
    assert r.safety == 3.0 and "safety=3, rtol=1e-08" in str(r)


def test_the_hvp_report_names_the_hvp():
    w, B = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [1, 0, 1.0]])
    r = check_hvp(quadratic, lambda v, w, B: (B + B.T) @ v, (w, B))
    assert r.verdict == "pass" and r.what == "HVP"
    assert str(r).startswith("HVP check passed: HVP of quadratic with respect to args[0], "
                             "shape (3,), along 2 random pairs (u_j, v_j)")


def test_a_domain_edge_along_a_pairs_line_is_a_clear_error():
    # sqrt(x_0) at x_0 = 0: every line through x with a component along e_0 leaves the domain
    def f(z):
        return float(np.sqrt(z[0]) + z[1] ** 2)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sqrt of a negative, in f itself
        with pytest.raises(NonFiniteValueError, match="f is not finite around x along the "
                                                      "direction for any step"):
            check_hessian(f, lambda z: np.diag([0.0, 2.0]), (np.array([0.0, 1.0]),),
                          mode="directional")


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
        # an A that passes has |v^T H v| >= |v^T A v| - tau (module docstring)
        assert t.detectable == pytest.approx(t.tau / (abs(t.directional) - t.tau), rel=1e-6, abs=0)


def test_an_unusable_hessian_gives_empty_arrays_and_a_report():
    t = taylor_test_hessian(quadratic, quadratic_grad, W, hess=lambda w, B: np.ones(2))
    assert t.verdict == "fail" and t.reason.startswith("hess(*args) has shape (2,)")
    assert t.ok is False
    for arr in (t.steps, t.remainders, t.usable, t.floor):
        assert isinstance(arr, np.ndarray) and arr.shape == (0,)
    assert str(t).startswith("Second-order Taylor test FAILED")


def test_the_taylor_report_marks_the_remainders_above_round_off():
    t = taylor_test_hessian(lse, lse_grad, (np.array([0.3, -1.2, 0.8]),), hess=lse_hess)
    rows = str(t).splitlines()
    start = rows.index("        h   remainder r(h)   above round-off") + 1
    marks = [row.split()[-1] for row in rows[start:start + t.steps.size]]
    assert marks == ["yes" if u else "no" for u in t.usable]
    assert "yes" in marks and "no" in marks


def test_taylor_dominated_by_a_constant_is_inconclusive_and_says_what_to_try():
    t = taylor_test_hessian(lambda w: 1e14 + np.sum(w**4), lambda w: 4 * w**3, (np.ones(3),),
                            hess=lambda w: np.diag(12 * w**2))
    assert t.verdict == "inconclusive" and not t.ok
    text = str(t)
    assert text.startswith("Second-order Taylor test INCONCLUSIVE")
    assert ("Inconclusive: the remainders could not have shown even a Hessian wrong by 100 % "
            "along v") in text


def test_taylor_across_a_kink_of_the_hessian_is_inconclusive():
    # f is exactly quadratic up to 1e-3 along v: the remainders of the longer steps follow
    # the cubic beyond, and collapse to round-off below it
    def f(w):
        return float(np.sum(w**2) + 100 * max(w[0] - 1.001, 0.0) ** 3)

    t = taylor_test_hessian(f, lambda w: 2 * w, (np.array([1.0, 2.0]),),
                            hess=lambda w: 2 * np.eye(2), direction=np.array([1.0, 0.0]))
    assert t.verdict == "inconclusive", str(t)
    assert t.reason.startswith("the remainder collapses below step 0.001")
    assert str(t).startswith("Second-order Taylor test INCONCLUSIVE")


def test_taylor_sees_a_collapse_below_a_long_fitted_tail():
    # a cubic term that switches off within 2e-4 of x along v: the remainders of the four
    # longest fitted steps are exactly 100 h^3 (order 3), those below collapse to round-off;
    # the collapse is below the shortest fitted step, whatever the length of the tail
    def f(w):
        return float(np.sum(w**2) + (100 * (w[0] - 1.0) ** 3 if w[0] - 1.0 > 2e-4 else 0.0))

    t = taylor_test_hessian(f, lambda w: 2 * w, (np.array([1.0, 2.0]),),
                            hess=lambda w: 2 * np.eye(2), direction=np.array([1.0, 0.0]))
    assert t.verdict == "inconclusive", str(t)
    assert t.reason.startswith("the remainder collapses below step 0.0001 ")


def test_taylor_steps_outside_the_domain_are_skipped_without_warnings():
    # log(max(x_0, 0)) is -inf beyond x_0 = 0, reached by the longer steps along -e_0
    def f(w):
        return float(np.sum(w**2) + np.log(np.maximum(w[0], 0.0)))

    def grad(w):
        return 2 * w + np.array([1 / w[0], 0.0])

    def hess(w):
        return np.diag([2 - 1 / w[0] ** 2, 2.0])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = taylor_test_hessian(f, grad, (np.array([1e-3, 1.0]),), hess=hess,
                                direction=np.array([-1.0, 0.0]))
    assert t.verdict == "pass", str(t)
    assert any(n.startswith("f is not finite at x + h v for 5 of the 19 steps")
               for n in t.notes), t.notes


def test_taylor_at_exact_values_sees_errors_near_round_off_of_the_quadratic_term():
    # at x = 0 a quadratic's values are its quadratic term: the only round-off is that term's
    # own, a few hundred eps of sum|v_i A_ij v_j|; an error of 1e-12 along v stands far above
    w = np.zeros(2)
    B = np.eye(2)
    v = np.array([1.0, 1.0])
    right = taylor_test_hessian(quadratic, quadratic_grad, (w, B), hess=quadratic_hess,
                                direction=v)
    assert right.verdict == "pass" and right.tau <= 1e3 * EPS * 4.0, str(right)
    wrong = taylor_test_hessian(quadratic, quadratic_grad, (w, B), direction=v,
                                hess=lambda w, B: quadratic_hess(w, B) + 5e-13 * np.eye(2))
    assert wrong.verdict == "fail" and wrong.order == pytest.approx(2.0, abs=0.1), str(wrong)


def test_a_right_hessian_does_not_fail_along_a_direction_of_zero_curvature():
    # x^T B x at 0 along v with v^T B v = 0 (to round-off): the values and the model are
    # round-off of size eps h^2 sum|v_i B_ij v_j|, which the floor must cover at every step
    B = np.diag([2.0, -1.0])
    v = np.array([1.0, np.sqrt(2.0)])
    t = taylor_test_hessian(quadratic, quadratic_grad, (np.zeros(2), B), hess=quadratic_hess,
                            direction=v)
    assert t.verdict != "fail", str(t)
    assert not np.any(t.usable)


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
    with pytest.raises(ValueError, match="method='central' applies with grad= only: without "
                                         "grad the Hessian comes from Richardson second "
                                         "differences"):
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
    x = np.array([1.0, 2.0])  # f turns into an array 1e-2 away from x: at the Taylor steps
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape "
                                         r"\(2,\) at x \+ h v$"):
        taylor_test_hessian(lambda w: float(w @ w) if abs(w[0] - 1.0) < 1e-2 else w,
                            lambda w: 2 * w, (x,), hess=lambda w: 2 * np.eye(2),
                            direction=[1.0, 0.0])
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


def test_the_second_order_taylor_test_fits_the_asymptotic_regime_only():
    """Found by the ``thorough`` profile: at ``w = [1.75, 1.75]``, ``B = [[0, 1], [2, 2]]`` the
    remainder of ``w^T B w + sum(sin w)`` has its ``h^3`` and ``h^4`` terms cancel near
    ``h = 0.04``; a fit across the dip read the right Hessian's ``h^3`` as ``h^2.1`` and
    failed it. Fitted over the steps in one power law it passes, and a Hessian wrong by a
    relative 1e-4 still fails."""
    f = lambda w, B: quadratic(w, B) + np.sum(np.sin(w))  # noqa: E731
    g = lambda w, B: quadratic_grad(w, B) + np.cos(w)  # noqa: E731
    h = lambda w, B: quadratic_hess(w, B) - np.diag(np.sin(w))  # noqa: E731
    args = (np.array([1.75, 1.75]), np.array([[0.0, 1.0], [2.0, 2.0]]))
    right = taylor_test_hessian(f, g, args, hess=h)
    assert right.verdict == "pass" and right.order > 2.5, right
    wrong = taylor_test_hessian(f, g, args, hess=lambda w, B: h(w, B) * (1.0 + 1e-4))
    assert right.detectable < 1e-4 and wrong.verdict == "fail", wrong
