"""Behaviour of :mod:`checks.compare`'s entry points: argument validation and its messages,
the documented costs and defaults, the result's properties, and :func:`assert_gradient`'s
three answers to an inconclusive check. A wrong gradient is rejected where it matters."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from checks.compare import (
    DEFAULT_DIRECTIONS,
    GradientCheck,
    InconclusiveError,
    InconclusiveWarning,
    assert_gradient,
    check_gradient,
)
from checks.methods import STEP_FACTORS


def _f(w):
    return float(w @ w)


def _g(w):
    return 2.0 * w


def _wrong(w):
    return 2.0 * w + np.array([0.0, 1e-3, 0.0])


X = (np.array([0.5, -1.0, 2.0]),)


def _saturated(w):
    return float(np.sum(np.tanh(w)))


SAT = (np.array([30.0, 35.0]),)


def test_validation_messages():
    with pytest.raises(ValueError, match=r"^mode='taylor' is a different test with a different "
                                         r"result: call checks.taylor_test\(f, grad, args, "
                                         r"argnum=...\) instead$"):
        check_gradient(_f, _g, X, mode="taylor")
    with pytest.raises(ValueError, match=r"^mode must be one of 'full', 'directional'; got "
                                         r"'partial'$"):
        check_gradient(_f, _g, X, mode="partial")
    with pytest.raises(ValueError, match=r"^directions= applies to mode='directional' only; got "
                                         r"directions=3 with mode='full'$"):
        check_gradient(_f, _g, X, directions=3)
    with pytest.raises(ValueError, match=r"^rng= applies to mode='directional' only; got "
                                         r"rng=7 with mode='full'$"):
        check_gradient(_f, _g, X, rng=7)
    with pytest.raises(ValueError, match=r"^rtol must be finite and >= 0, got -1.0$"):
        check_gradient(_f, _g, X, rtol=-1.0)
    with pytest.raises(ValueError, match=r"^safety must be finite and >= 0, got inf$"):
        check_gradient(_f, _g, X, safety=float("inf"))
    with pytest.raises(ValueError, match="rtol must be finite"):
        check_gradient(_f, _g, X, rtol=float("nan"))
    # zero is allowed for both
    assert check_gradient(_f, _g, X, rtol=0.0, safety=0.0).mode == "full"


def test_defaults_and_costs_on_a_quadratic():
    """``6n + 10`` evaluations in full mode (two calls at x, one probe of 8, three levels of
    central differences per entry, all exact for a quadratic); ``6K + 10`` along ``K = 2``
    default directions."""
    r = check_gradient(_f, _g, X)
    assert r.verdict == "pass" and r.ok
    assert r.evaluations == 6 * 3 + 10
    assert r.rtol == 1e-8 and r.safety == 10.0 and r.atol == 0.0
    assert r.method == "richardson" and r.step_factor == STEP_FACTORS["richardson"]
    assert r.name == "_f" and r.argnum == 0 and r.shape == (3,)
    d = check_gradient(_f, _g, X, mode="directional")
    assert DEFAULT_DIRECTIONS == 2 and d.analytic.shape == (2,)
    assert d.evaluations == 6 * 2 + 10 and d.verdict == "pass"
    stepped = check_gradient(_f, _g, X, step=1e-3)
    assert stepped.step_factor is None
    central = check_gradient(_f, _g, X, method="central")
    assert central.step_factor == STEP_FACTORS["central"]


def test_a_wrong_gradient_fails_with_its_worst_entry():
    r = check_gradient(_f, _wrong, X)
    assert r.verdict == "fail" and not r.ok
    assert r.worst_index == (1,) and r.mismatched == 1
    assert r.mismatched_indices == [(1,)]
    assert r.max_abs_error == pytest.approx(1e-3, rel=1e-6, abs=0)
    assert r.max_rel_error == pytest.approx(1e-3 / 4.0, rel=1e-6, abs=0)  # max |n| = 4
    assert r.entry_name((1,)) == "(1,)"
    with pytest.raises(TypeError, match=r"^use `.ok` \(or assert_gradient\) rather than the "
                                        r"truth of the result$"):
        bool(r)


def test_a_gradient_of_the_wrong_shape_is_a_failed_check():
    r = check_gradient(_f, lambda w: np.zeros(2), X)
    assert r.verdict == "fail" and r.tolerance is None and r.mismatched == 3
    assert np.isnan(r.max_abs_error) and np.isnan(r.max_rel_error) and r.worst_index is None
    assert r.mismatched_indices == [] and r.reason


def test_mismatched_indices_worst_first_and_the_distance_to_a_kink():
    a = np.array([0.0, 5.0, 10.0, 1.0])
    n = np.array([1.0, 1.0, 1.0, 1.0])
    r = GradientCheck(ok=False, analytic=a, numerical=n, error=np.zeros(4),
                      tolerance=np.array([0.5, 0.5, 8.0, 0.0]), max_abs_error=9.0,
                      max_rel_error=9.0, worst_index=(1,), mismatched=2, method="central",
                      mode="full", rtol=0.0, atol=0.0, safety=10.0, evaluations=0,
                      lower=np.array([1.0, 1.0, 1.0, 0.0]),
                      upper=np.array([1.0, 1.0, 1.0, 2.0]))
    np.testing.assert_array_equal(r.difference, [1.0, 4.0, 9.0, 0.0])
    # excess over the tolerance: 0.5, 3.5, 1.0 (the kink entry is inside its interval)
    assert r.mismatched_indices == [(1,), (2,), (0,)]
    plain = GradientCheck(ok=True, analytic=a, numerical=n, error=None, tolerance=None,
                          max_abs_error=0.0, max_rel_error=0.0, worst_index=None,
                          mismatched=0, method="central", mode="full", rtol=0.0, atol=0.0,
                          safety=10.0, evaluations=0)
    np.testing.assert_array_equal(plain.difference, [1.0, 4.0, 9.0, 0.0])
    assert plain.mismatched_indices == []
    assert plain.verdict == "fail" and plain.name == "f" and plain.notes == ()


def test_assert_gradient_on_each_verdict():
    assert assert_gradient(_f, _g, X).verdict == "pass"
    with pytest.raises(AssertionError, match="^Gradient check FAILED"):
        assert_gradient(_f, _wrong, X)
    with pytest.raises(InconclusiveError, match="^Gradient check INCONCLUSIVE"):
        assert_gradient(_saturated, lambda w: 3.0 / np.cosh(w) ** 2, SAT)
    with pytest.warns(InconclusiveWarning, match="^Gradient check INCONCLUSIVE"):
        r = assert_gradient(_saturated, lambda w: 3.0 / np.cosh(w) ** 2, SAT,
                            on_inconclusive="warn")
    assert r.verdict == "inconclusive"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = assert_gradient(_saturated, lambda w: 3.0 / np.cosh(w) ** 2, SAT,
                            on_inconclusive="ignore")
    assert r.verdict == "inconclusive"
    with pytest.raises(ValueError, match=r"^on_inconclusive must be one of 'raise', 'warn', "
                                         r"'ignore'; got 'skip'$"):
        assert_gradient(_f, _g, X, on_inconclusive="skip")
    assert not issubclass(InconclusiveError, AssertionError)


def test_assert_gradient_passes_its_arguments_on():
    r = assert_gradient(_f, _g, X, method="central", mode="directional", directions=3, rng=1,
                        rtol=1e-6, safety=5.0, atol=1e-12)
    assert (r.method, r.mode, r.analytic.shape, r.rtol, r.safety, r.atol) == \
        ("central", "directional", (3,), 1e-6, 5.0, 1e-12)
    r = assert_gradient(lambda a, w: float(w @ w) * a, lambda a, w: 2.0 * w * a,
                        (2.0, X[0]), argnum=1, step=1e-4)
    assert r.argnum == 1 and r.step_factor is None

    def fv(batch):
        return np.sum(np.asarray(batch) ** 2, axis=-1)

    assert assert_gradient(fv, _g, X, vectorized=True).verdict == "pass"
