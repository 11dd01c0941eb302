"""What :func:`check_hessian` and :func:`check_hvp` (``checks.hessian``) report, pinned.

The options each check records (method, mode, the function evaluated, the step factor, what
is checked, what a pair compares), the notes it carries, and that a given ``grad`` is the one
used: each against the documented defaults (module and function docstrings), with a wrong
Hessian where the verdict is the point.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks._util import EPS
from checks.hessian import check_hessian, check_hvp
from checks.methods import STEP_FACTORS

B = np.array([[2.0, 1.0], [0.0, 3.0]])
X = np.array([0.5, -1.0])


def f(w):
    return float(w @ B @ w)


def grad(w):
    return (B + B.T) @ w


def hess(w):
    return B + B.T


def hvp(v, w):
    return (B + B.T) @ v


def wrong_hvp(v, w):
    return 2 * B @ v  # the missing symmetrisation


def test_without_grad_the_hessian_is_richardson_second_differences_of_f():
    r = check_hessian(f, hess, (X,))
    assert r.verdict == "pass" and r.method == "richardson" and r.mode == "full"
    assert r.evaluated == "f" and r.what == "Hessian" and r.compares == ""
    assert r.step_factor == 4.0 * EPS ** (1.0 / 6.0)
    text = str(r)
    assert text.startswith("Hessian check passed: Hessian of f with respect to args[0], "
                           "shape (2,)")
    assert "Method: richardson (full mode), step factor" in text
    assert "evaluations of f\n" in text


@pytest.mark.parametrize("method", ["central", "richardson", "forward"])
def test_with_grad_the_method_and_its_step_factor_are_the_gradients(method):
    r = check_hessian(f, hess, (X,), grad=grad, method=method)
    assert r.verdict == "pass" and r.method == method
    assert r.evaluated == "grad and f"
    assert r.step_factor == STEP_FACTORS[method]
    assert "evaluations of grad and f" in str(r)


def test_with_grad_and_no_method_the_method_is_richardson():
    r = check_hessian(f, hess, (X,), grad=grad)
    assert r.method == "richardson" and r.step_factor == STEP_FACTORS["richardson"]


@pytest.mark.parametrize("method", ["central", "forward", "complex"])
def test_a_method_without_grad_is_refused(method):
    with pytest.raises(ValueError, match=f"method='{method}' applies with grad= only"):
        check_hessian(f, hess, (X,), method=method)
    with pytest.raises(ValueError, match="Richardson second differences"):
        check_hvp(f, hvp, (X,), method=method)


def test_an_explicit_richardson_without_grad_is_accepted():
    assert check_hessian(f, hess, (X,), method="richardson").verdict == "pass"


def test_a_user_step_has_no_step_factor():
    for r in (check_hessian(f, hess, (X,), step=1e-2),
              check_hessian(f, hess, (X,), grad=grad, step=1e-4)):
        assert r.verdict == "pass" and r.step_factor is None
        assert "step factor" not in str(r)


def test_the_hvp_check_is_directional_by_default_and_says_what_it_compares():
    r = check_hvp(f, hvp, (X,))
    assert r.verdict == "pass" and r.mode == "directional" and r.what == "HVP"
    assert r.evaluated == "f" and r.method == "richardson"
    assert r.compares == ("analytic <u, hvp(v)> against numerical (q(u + v) - q(u - v)) / 4, "
                          "q(w) = d2/dt2 f(x + t w)")
    assert str(r).startswith("HVP check passed: HVP of f with respect to args[0], shape (2,), "
                             "along ")
    assert check_hvp(f, wrong_hvp, (X,)).verdict == "fail"


def test_the_hvp_check_with_grad_differentiates_grad():
    r = check_hvp(f, hvp, (X,), grad=grad)
    assert r.verdict == "pass" and r.evaluated == "grad and f"
    assert r.compares == "analytic <u, hvp(v)> against numerical d/dt <u, grad(x + t v)>"
    assert r.step_factor == STEP_FACTORS["richardson"]
    assert check_hvp(f, wrong_hvp, (X,), grad=grad).verdict == "fail"


def test_the_grad_given_is_the_one_differentiated():
    # a grad that is not f's gradient (its Jacobian is 2 B) is checked against f first and
    # refused: the check differentiates the grad it was given, never ignores it
    def not_grad(w):
        return 2 * B @ w

    for check, right in ((check_hvp, hvp), (check_hessian, hess)):
        with pytest.raises(ValueError, match="grad is not the gradient of f"):
            check(f, right, (X,), grad=not_grad)


def test_directional_hessian_check_compares_u_a_v():
    r = check_hessian(f, hess, (X,), mode="directional")
    assert r.verdict == "pass" and r.mode == "directional"
    assert r.compares.startswith("analytic u^T A v against numerical (q(u + v) - q(u - v))")
    r = check_hessian(f, hess, (X,), mode="directional", grad=grad)
    assert r.compares == "analytic u^T A v against numerical d/dt <u, grad(x + t v)>"
    assert check_hessian(f, lambda w: 2 * B, (X,), mode="directional").verdict == "fail"


def test_full_hvp_builds_the_matrix_from_unit_vectors():
    r = check_hvp(f, hvp, (X,), mode="full")
    assert r.verdict == "pass" and np.shape(r.analytic) == (2, 2)
    assert np.array_equal(r.analytic, B + B.T)
    assert check_hvp(f, wrong_hvp, (X,), mode="full").verdict == "fail"


@pytest.mark.parametrize("mode", ["full", "directional"])
def test_a_converted_argument_is_noted_first(mode):
    xi = np.array([1, -2])  # int64: differentiated in float64, and said so
    r = check_hessian(f, hess, (xi,), mode=mode)
    assert r.verdict == "pass"
    assert r.notes[0] == "args[0] had dtype int64; it was differentiated in float64"
    r = check_hessian(f, hess, (X,), mode=mode)
    assert not any("had dtype" in n for n in r.notes)


def test_argnum_selects_the_differentiated_argument():
    def g(c, w):
        return c * float(w @ w)

    r = check_hessian(g, lambda c, w: 2 * c * np.eye(2), (3.0, X), argnum=1)
    assert r.verdict == "pass" and r.argnum == 1 and r.shape == (2,)
    assert "with respect to args[1]" in str(r)
    assert check_hessian(g, lambda c, w: c * np.eye(2), (3.0, X), argnum=1).verdict == "fail"


def test_the_directional_evaluations_with_grad_count_fs_calls_too():
    calls = {"f": 0, "g": 0}

    def fc(w):
        calls["f"] += 1
        return f(w)

    def gc(w):
        calls["g"] += 1
        return grad(w)

    r = check_hvp(fc, hvp, (X,), grad=gc)
    assert r.evaluations == calls["f"] + calls["g"]
    assert calls["f"] > 0


CHECKS = [pytest.param(check_hessian, hess, id="check_hessian"),
          pytest.param(check_hvp, hvp, id="check_hvp")]


@pytest.mark.parametrize("check, right", CHECKS)
def test_the_tolerances_given_are_the_ones_applied(check, right):
    r = check(f, right, (X,), rtol=1e-3, safety=4.0, atol=0.5)
    assert (r.rtol, r.safety) == (1e-3, 4.0) and np.all(np.asarray(r.atol) == 0.5)
    assert "atol=0.5, safety=4, rtol=0.001" in str(r)
    # an atol above the error passes a wrong one; without it, it fails
    off = (lambda w: hess(w) + 0.25) if check is check_hessian else \
        (lambda v, w: hvp(v, w) + 0.25 * np.sum(v))
    assert check(f, off, (X,), mode="full").verdict == "fail"
    assert check(f, off, (X,), mode="full", atol=0.5).verdict == "pass"


@pytest.mark.parametrize("check, right", CHECKS)
def test_directions_and_rng_choose_the_random_pairs(check, right):
    a = check(f, right, (X,), mode="directional", directions=3, rng=1)
    b = check(f, right, (X,), mode="directional", directions=3, rng=1)
    c = check(f, right, (X,), mode="directional", directions=3, rng=2)
    assert np.size(a.analytic) == 3 and "along 3 random pairs" in str(a)
    assert np.array_equal(a.analytic, b.analytic) and not np.array_equal(a.analytic, c.analytic)
    d = check(f, right, (X,), mode="directional")
    assert np.size(d.analytic) == 2  # the default: two random pairs


@pytest.mark.parametrize("check, right", CHECKS)
def test_a_user_step_and_the_method_are_passed_on(check, right):
    r = check(f, right, (X,), step=1e-2)
    assert r.verdict == "pass" and r.step_factor is None
    r = check(f, right, (X,), grad=grad, method="central")
    assert r.method == "central" and r.step_factor == STEP_FACTORS["central"]


def test_the_hvp_check_differentiates_the_argument_named_by_argnum():
    def g(c, w):
        return c * float(w @ w)

    r = check_hvp(g, lambda v, c, w: 2 * c * v, (3.0, X), argnum=1)
    assert r.verdict == "pass" and r.argnum == 1
    assert check_hvp(g, lambda v, c, w: c * v, (3.0, X), argnum=1).verdict == "fail"


def test_an_analytic_side_of_the_wrong_shape_is_named():
    r = check_hessian(f, lambda w: np.ones(2), (X,))
    assert r.verdict == "fail" and r.reason.startswith("hess(*args) has shape (2,)")
    r = check_hvp(f, lambda v, w: np.ones(3), (X,), mode="full")
    assert r.verdict == "fail"
    assert r.reason.startswith("hvp(v, *args) at the unit vector (0,) has shape (3,)")
