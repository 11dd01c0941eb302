"""Behaviour of :mod:`checks.rule`, function by function, against the module docstring's
formulas worked by hand: the per-entry tolerance, the distance to a kink's interval, the
verdict figures, entries that cannot be judged, ``detectable`` in full and directional mode,
the confirmed zero, and ``atol``'s validation."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from checks.ladder import (
    JUMP,
    KINK,
    ONE_SIDED_LEFT,
    ONE_SIDED_RIGHT,
    OVERFLOW,
    SMOOTH,
    UNRESOLVED,
)
from checks.rule import (
    DEFAULT_RTOL,
    DEFAULT_SAFETY,
    MISS_PROBABILITY,
    ZERO_FLOOR,
    _compare,
    _detectable_by_entry,
    _detectable_full,
    _distance,
    _rule,
    _tolerance,
    _unjudged,
    _validate_atol,
    _verdict,
    confirmed_zero,
    detectable_along,
    natural_scale,
)

SMALLEST_NORMAL = 2.0**-1022


def test_documented_defaults():
    assert DEFAULT_RTOL == 1e-8 and DEFAULT_SAFETY == 10.0
    assert ZERO_FLOOR == 1e-6 and MISS_PROBABILITY == 1e-3


def test_natural_scale():
    x = np.array([3.0, 4.0])  # rms = sqrt(12.5)
    assert natural_scale(5.0, x) == pytest.approx(5.0 / math.sqrt(12.5), rel=1e-15, abs=0)
    assert natural_scale(5.0, x, order=2) == pytest.approx(5.0 / 12.5, rel=1e-15, abs=0)
    assert natural_scale(5.0, np.array([1e-200]), order=2) == float("inf")  # rms^2 underflows


def test_rule_and_distance():
    error = np.array([0.5, 0.0])
    lower, upper = np.array([-4.0, 2.0]), np.array([3.0, 2.0])
    tol = _rule(error, lower, upper, rtol=0.25, atol=0.125, safety=2.0)
    # atol + safety e + rtol max(|lower|, |upper|): 0.125 + 1 + 1, 0.125 + 0 + 0.5
    np.testing.assert_array_equal(tol, [2.125, 0.625])
    d = _distance(np.array([-5.0, 0.0, 4.5, 3.0]), np.array([-4.0] * 4), np.array([3.0] * 4))
    np.testing.assert_array_equal(d, [1.0, 0.0, 1.5, 0.0])


def test_verdict_counts_strictly_greater_differences():
    analytic = np.array([1.0, 2.0, 3.0])
    numerical = np.array([1.0, 2.5, 3.0 + 2.0**-10])
    error = np.array([0.0, 0.0, 0.0])
    tol, bad, max_abs, max_rel, worst = _verdict(analytic, numerical, error, rtol=0.0,
                                                 atol=2.0**-10, safety=10.0)
    np.testing.assert_array_equal(tol, [2.0**-10] * 3)
    assert bad == 1  # the third differs by exactly atol: not a mismatch
    assert max_abs == 0.5 and max_rel == pytest.approx(0.5 / (3.0 + 2.0**-10), rel=1e-15, abs=0)
    assert worst == (1,)


def test_compare_relative_error_worst_entry_and_empty():
    z = np.zeros(2)
    assert _compare(z, z, np.zeros(2), None, None) == (0, 0.0, 0.0, (0,))
    bad, max_abs, max_rel, worst = _compare(np.array([0.0, 1e-3]), z, np.zeros(2), None, None)
    assert (bad, max_abs, max_rel, worst) == (1, 1e-3, float("inf"), (1,))
    # the worst entry exceeds its own tolerance the most, not the largest difference
    an = np.array([[10.0, 1.0]])
    nu = np.array([[11.0, 1.5]])
    bad, max_abs, max_rel, worst = _compare(an, nu, np.array([[10.0, 0.1]]), None, None)
    assert (bad, max_abs, worst) == (1, 1.0, (0, 1))
    assert max_rel == pytest.approx(1.0 / 11.0, rel=1e-15, abs=0)
    # an interval numerical side: the distance to it
    bad, max_abs, _, worst = _compare(np.array([0.0, 5.0]), np.array([1.0, 1.0]),
                                      np.array([0.5, 0.5]), np.array([-1.0, -1.0]),
                                      np.array([2.0, 2.0]))
    assert (bad, max_abs, worst) == (1, 3.0, (1,))
    assert _compare(np.zeros(0), np.zeros(0), np.zeros(0), None, None) == (0, 0.0, 0.0, None)


def test_compare_reports_only_the_entries_that_can_be_judged():
    """An entry with an infinite tolerance (:func:`_unjudged`) cannot be judged: its ``nan``
    estimate made the largest difference ``nan`` and the relative one ``inf`` (``max|n|`` was
    ``nan``), an ``inf`` one ``inf`` and ``nan``, a jump's finite last estimate a difference
    of ``1e10``; and a tie made it the worst entry. The figures and the worst entry are over
    the entries that can be judged -- a failing one among them shows in full -- and ``nan``,
    ``nan``, ``None`` where none can."""
    with np.errstate(all="raise"):
        one = np.array([1.0, 1.0])
        tol = np.array([np.inf, 0.5])
        assert _compare(one, np.array([np.nan, 1.0]), tol, None, None) == (0, 0.0, 0.0, (1,))
        assert _compare(one, np.array([np.inf, 1.0]), tol, None, None) == (0, 0.0, 0.0, (1,))
        # a failing entry beside one that cannot be judged: its figures, relative to its own
        bad, max_abs, max_rel, worst = _compare(np.array([7.0, 3.0]), np.array([np.nan, 2.0]),
                                                tol, None, None)
        assert (bad, max_abs, max_rel, worst) == (1, 1.0, 0.5, (1,))
        bad, max_abs, max_rel, worst = _compare(np.array([0.0, 1.0]), np.array([1e10, 2.0]),
                                                np.array([np.inf, 0.1]), None, None)
        assert (bad, max_abs, max_rel, worst) == (1, 1.0, 0.5, (1,))
        # none can be judged
        bad, max_abs, max_rel, worst = _compare(one, np.array([np.nan, np.inf]),
                                                np.array([np.inf, np.inf]), None, None)
        assert bad == 0 and worst is None
        assert math.isnan(max_abs) and math.isnan(max_rel)


def test_unjudged_entries():
    tol = np.array([1.0, 2.0, 3.0])
    same, why = _unjudged(None, tol)
    np.testing.assert_array_equal(same, tol) and None
    assert why is None
    assert _unjudged(np.array([SMOOTH]), tol)[1] is None  # shapes differ: not per entry
    reliable = np.array([SMOOTH, KINK, ONE_SIDED_LEFT])
    out, why = _unjudged(reliable, tol)
    assert why is None and np.all(np.isfinite(out))
    kinds = np.array([UNRESOLVED, ONE_SIDED_RIGHT, JUMP])
    out, why = _unjudged(kinds, tol)
    np.testing.assert_array_equal(out, [np.inf, 2.0, np.inf])
    np.testing.assert_array_equal(tol, [1.0, 2.0, 3.0])  # the input is not changed
    assert why == ("2 entries cannot be judged ((0,), (2,)): the finite differences did not "
                   "settle there; see the notes")
    out, why = _unjudged(np.array([[JUMP, SMOOTH]]), np.ones((1, 2)), "direction")
    assert why == ("1 direction cannot be judged ((0, 0)): f jumps (is discontinuous) there; "
                   "see the notes")
    many = np.full(7, JUMP)
    _, why = _unjudged(many, np.ones(7), "pair")
    assert why == ("7 pairs cannot be judged ((0,), (1,), (2,), (3,), (4,) ...): f jumps (is "
                   "discontinuous) there; see the notes")
    _, why = _unjudged(np.full(2, UNRESOLVED), np.ones(2), "direction")
    assert why.startswith("2 directions cannot be judged ((0,), (1,)): the finite")
    _, why = _unjudged(np.array([UNRESOLVED]), np.ones(1), "pair")
    assert why.startswith("1 pair cannot be judged ((0,)):")
    _, why = _unjudged(np.full(5, UNRESOLVED), np.ones(5))
    assert "((0,), (1,), (2,), (3,), (4,)):" in why  # exactly five: no ellipsis


def test_a_jump_in_a_hessian_is_a_jump_of_the_gradient_not_of_f():
    """Second differences that grow like ``1/h`` say the gradient jumps (``f`` has a kink):
    the reason of a second derivative (``second=True``: the Hessian's path) says so, and
    none of its words says ``f`` jumps; a first derivative's reason is unchanged."""
    kinds, tol = np.array([[JUMP, SMOOTH], [SMOOTH, JUMP]]), np.ones((2, 2))
    out, why = _unjudged(kinds, tol, "entr", second=True)
    np.testing.assert_array_equal(out, [[np.inf, 1.0], [1.0, np.inf]])
    assert why == ("2 entries cannot be judged ((0, 0), (1, 1)): the gradient jumps (f has a "
                   "kink) there; see the notes")
    assert "f jumps" not in why and "discontinuous" not in why
    _, why = _unjudged(np.array([JUMP, SMOOTH]), np.ones(2), "pair", second=True)
    assert why == ("1 pair cannot be judged ((0,)): the gradient jumps (f has a kink) there; "
                   "see the notes")
    assert _unjudged(kinds, tol, "entr")[1] == (
        "2 entries cannot be judged ((0, 0), (1, 1)): f jumps (is discontinuous) there; see "
        "the notes")


def test_entries_with_a_tolerance_that_is_not_finite_cannot_be_judged():
    """A nan tolerance (an error bar of inf - inf) is never exceeded by ``diff > tol``: such
    an entry passed whatever the analytic side said. It, and an infinite one, cannot be
    judged, with or without kinds."""
    tol = np.array([1.0, np.nan, np.inf])
    out, why = _unjudged(None, tol)
    np.testing.assert_array_equal(out, [1.0, np.inf, np.inf])
    assert why == ("2 entries cannot be judged ((1,), (2,)): the finite differences or their "
                   "error bars are not finite there (f, or its differences, overflow near x); "
                   "see the notes")
    _, why = _unjudged(np.array([SMOOTH, UNRESOLVED, SMOOTH]), tol)
    assert "did not settle there" in why  # an unresolved entry among them: the usual reason


def test_entries_whose_differences_overflow_cannot_be_judged_and_the_reason_says_so():
    """``OVERFLOW`` (f finite, its differences not: :mod:`checks.second`) is not a bound;
    alone, or beside tolerances that are not finite, the reason is the overflow; beside
    entries that did not settle it names both, the overflowing ones first."""
    tol = np.array([np.inf, 1.0, np.nan, 2.0])
    out, why = _unjudged(np.array([OVERFLOW, SMOOTH, SMOOTH, SMOOTH]), tol)
    np.testing.assert_array_equal(out, [np.inf, 1.0, np.inf, 2.0])
    assert why == ("2 entries cannot be judged ((0,), (2,)): the finite differences overflow "
                   "there (f is finite near x, its differences are not); see the notes")
    _, why = _unjudged(np.array([OVERFLOW, SMOOTH]), np.array([np.nan, 1.0]), "pair")
    assert why == ("1 pair cannot be judged ((0,)): the finite differences overflow there "
                   "(f is finite near x, its differences are not); see the notes")
    _, why = _unjudged(np.array([[OVERFLOW, UNRESOLVED], [UNRESOLVED, SMOOTH]]),
                       np.array([[np.inf, 1.0], [1.0, 1.0]]))
    assert why == ("3 entries cannot be judged ((0, 0), (0, 1), (1, 0)): the finite "
                   "differences overflow at (0, 0) (f is finite near x, its differences are "
                   "not) and did not settle at the others; see the notes")


def test_the_note_on_entries_whose_tolerance_is_not_finite():
    """The reason of such entries says "see the notes"; for the fixed methods (no kinds) no
    note named them. :func:`checks.rule._unjudged_note` does: each entry with an infinite
    tolerance and a kind that is a bound (or no kind), with its estimate and error bar; the
    kinds that are no bound have their estimators' own notes and are left out."""
    from checks.rule import _unjudged_note

    tol = np.array([np.inf, 1.0, np.inf])
    value = np.array([np.inf, 1.0, 2.5])
    error = np.array([np.nan, 1e-3, 1e300])
    assert _unjudged_note(None, np.ones(3), value, error) is None
    assert _unjudged_note(None, tol, value, error) == (
        "entries (0,) (estimate inf, error bar nan), (2,) (estimate 2.5, error bar 1e+300): no "
        "finite tolerance follows from them (f, or its differences, overflow near x); these "
        "entries are not judged")
    # an overflow (or a jump, an unresolved entry) is named by its estimator's note
    assert _unjudged_note(np.array([OVERFLOW, SMOOTH, SMOOTH]), tol, value, error) == (
        "entry (2,) (estimate 2.5, error bar 1e+300): no finite tolerance follows from them (f, "
        "or its differences, overflow near x); this entry is not judged")
    assert _unjudged_note(np.array([OVERFLOW, SMOOTH, JUMP]), tol, value, error) is None
    assert _unjudged_note(None, tol[:2], value[:2], error[:2], "direction") == (
        "direction 0 (estimate inf, error bar nan): no finite tolerance follows from them (f, "
        "or its differences, overflow near x); this direction is not judged")
    many = _unjudged_note(None, np.full(7, np.inf), np.arange(7.0), np.full(7, np.nan), "pair")
    assert many == (
        "pairs 0 (estimate 0, error bar nan), 1 (estimate 1, error bar nan), 2 (estimate 2, "
        "error bar nan), 3 (estimate 3, error bar nan), 4 (estimate 4, error bar nan) and 2 "
        "more: no finite tolerance follows from them (f, or its differences, overflow near "
        "x); these pairs are not judged")
    two_d = _unjudged_note(None, np.array([[1.0, np.inf]]), np.array([[1.0, np.inf]]),
                           np.array([[0.0, np.nan]]))
    assert two_d.startswith("entry (0, 1) (estimate inf, error bar nan): ")


def test_detectable_full():
    assert _detectable_full(np.zeros(0), np.zeros(0), 10.0, np.zeros(0), np.zeros(0)) == \
        float("inf")
    tol, error = np.array([1.0, 2.0]), np.array([0.1, 0.1])
    lower = upper = np.array([5.0, -3.0])
    # reach 1; G = max(5 - 1, 3 - 1) = 4; top = max(1 + 1, 2 + 1) = 3
    assert _detectable_full(tol, error, 10.0, lower, upper) == 0.75
    # at a kink the larger end counts
    assert _detectable_full(tol, error, 10.0, np.array([-9.0, 0.0]), np.array([1.0, 0.0])) \
        == 3.0 / 8.0
    z = np.zeros(2)
    assert _detectable_full(z, z, 10.0, z, z) == 0.0
    assert _detectable_full(np.array([0.0, 1e-9]), z, 10.0, z, z) == float("inf")
    # G exactly 0: nothing can be told from 0
    assert _detectable_full(np.ones(1), np.array([0.5]), 10.0, np.array([5.0]),
                            np.array([5.0])) == float("inf")


def test_detectable_of_entries_that_cannot_be_judged_is_inf_never_nan():
    """An entry with an infinite tolerance and an estimate that is not finite (``nan``, error
    ``inf``: the ladder's overflow; ``inf``, error ``nan``: the fixed stencils') made
    ``detectable`` ``nan`` -- a promise that is no number. No promise is ``inf``; per
    entry too; and along directions whose bounds are not finite."""
    with np.errstate(all="raise"):
        for n, e in ((np.nan, np.inf), (np.inf, np.nan)):
            value = np.array([n, 1.0])
            error = np.array([e, 1e-3])
            tol = np.array([np.inf, 0.5])
            assert _detectable_full(tol, error, 10.0, value, value) == float("inf")
            np.testing.assert_array_equal(_detectable_by_entry(tol, error, 10.0, value, value),
                                          [np.inf, (0.5 + 1e-2) / (1.0 - 1e-2)])
        assert detectable_along(np.array([np.nan, 1e-6]), 1.0) == float("inf")
        assert detectable_along(np.array([np.inf, 1e-6]), 1.0) == float("inf")


def test_detectable_by_entry():
    tol = np.array([1.0, 1.0, 0.0, 0.5])
    error = np.array([0.1, 1.0, 0.0, 0.0])
    value = np.array([5.0, 5.0, 0.0, -2.0])
    out = _detectable_by_entry(tol, error, 10.0, value, value)
    # (1 + 1) / (5 - 1); floor 5 - 10 < 0: inf; 0 / 0 with top 0: 0; 0.5 / 2
    np.testing.assert_array_equal(out, [0.5, np.inf, 0.0, 0.25])


def test_detectable_along_random_directions():
    assert detectable_along(np.zeros(0), 1.0) == float("inf")
    assert detectable_along(np.array([1e-6]), 0.0) == float("inf")
    assert detectable_along(np.array([1e-6]), -1.0) == float("inf")
    assert detectable_along(np.array([1e-6, 0.0]), 1.0) == 0.0
    taus = np.array([1e-6, 4e-6])
    c = math.sqrt(2.0 / math.pi)
    # P(every direction misses) <= prod_j c tau_j / max|e| <= p: (prod_j c tau_j / p)^(1/K)
    eps_min = math.sqrt((c * 1e-6) * (c * 4e-6) / 1e-3)
    assert detectable_along(taus, 2.0) == pytest.approx(eps_min / (2.0 - eps_min), rel=1e-12, abs=0)
    one = math.sqrt(2.0 / math.pi) * 1e-6 / 1e-3
    assert detectable_along(np.array([1e-6]), 10.0) == pytest.approx(one / (10.0 - one),
                                                                     rel=1e-12, abs=0)
    assert detectable_along(np.array([1.0]), 0.5) == float("inf")  # eps_min >= max|a|
    # many small taus: no underflow
    assert detectable_along(np.full(400, 1e-300), 1.0) == pytest.approx(
        c * 1e-300 / 1e-3 ** (1 / 400), rel=1e-9, abs=0)


def test_confirmed_zero():
    z = np.zeros(2)
    tol, err = np.array([1e-12, 2e-12]), np.array([1e-13, 0.0])
    width = np.array([0.0, 3e-12])
    lo, up = z, width
    bound = max(1e-12 + 10 * 1e-13, 2e-12 + 3e-12)
    assert confirmed_zero(z, tol, err, 10.0, lo, up, scale=1.0) == pytest.approx(bound,
                                                                                 rel=1e-15, abs=0)
    assert confirmed_zero(np.array([0.0, 1e-30]), tol, err, 10.0, lo, up, 1.0) is None
    assert confirmed_zero(np.zeros(0), np.zeros(0), np.zeros(0), 10.0, np.zeros(0),
                          np.zeros(0), 1.0) is None
    assert confirmed_zero(z, np.array([np.inf, 0.0]), err, 10.0, lo, up, 1.0) is None
    # the floor: B <= 1e-6 scale, boundary included
    assert confirmed_zero(z, np.array([1e-6, 0.0]), z, 10.0, z, z, 1.0) == 1e-6
    assert confirmed_zero(z, np.array([2e-6, 0.0]), z, 10.0, z, z, 1.0) is None
    assert confirmed_zero(z, np.array([1e-9, 0.0]), z, 10.0, z, z, 0.0) is None
    assert confirmed_zero(z, np.array([1e-9, 0.0]), z, 10.0, z, z, float("inf")) is None
    # below the smallest normal float: confirmed whatever the scale
    tiny = SMALLEST_NORMAL
    assert confirmed_zero(z, np.array([tiny, 0.0]), z, 10.0, z, z, 0.0) == tiny
    assert confirmed_zero(z, np.array([2 * tiny, 0.0]), z, 10.0, z, z, 0.0) is None
    # a scalar tolerance broadcast over the entries
    assert confirmed_zero(z, 1e-9, np.array([0.0, 1e-10]), 10.0, z, z, 1.0) == \
        pytest.approx(2e-9, rel=1e-15, abs=0)


def test_tolerance_of_a_low_precision_analytic_gradient():
    est = SimpleNamespace(inconsistent=None, kind=None)
    num = np.array([1.0, -2.0])
    err = np.array([0.0, 0.0])
    a64 = np.array([1.0, -2.0])
    tol, why = _tolerance(num, err, est, a64, rtol=0.0, atol=0.0, safety=10.0, lower=None,
                          upper=None, label="entr")
    np.testing.assert_array_equal(tol, [0.0, 0.0])
    assert why is None
    a32 = a64.astype(np.float32)
    tol, _ = _tolerance(num, err, est, a32, rtol=0.0, atol=0.0, safety=10.0, lower=None,
                        upper=None, label="entr")
    u = float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(tol, [10.0 * u * 2.0] * 2, rtol=1e-15)
    a16 = a64.astype(np.float16)
    tol, _ = _tolerance(num, err, est, a16, rtol=0.0, atol=0.0, safety=10.0, lower=None,
                        upper=None, label="entr")
    np.testing.assert_allclose(tol, [10.0 * float(np.finfo(np.float16).eps) * 2.0] * 2)


def test_tolerance_of_an_inconsistent_estimate_and_of_unjudged_entries():
    num, err, a = np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.array([1.0, 2.0])
    est = SimpleNamespace(inconsistent="the estimate disagrees with the probe", kind=None)
    tol, why = _tolerance(num, err, est, a, rtol=0.0, atol=0.0, safety=10.0, lower=None,
                          upper=None, label="entr")
    assert np.all(np.isinf(tol)) and why == "the estimate disagrees with the probe"
    est = SimpleNamespace(inconsistent=None, kind=np.array([SMOOTH, JUMP]))
    tol, why = _tolerance(num, err, est, a, rtol=0.5, atol=0.0, safety=10.0,
                          lower=np.array([0.0, 0.0]), upper=np.array([3.0, 2.0]),
                          label="entr")
    assert tol[0] == 1.5 and np.isinf(tol[1])  # rtol times the larger end, 3
    assert why.startswith("1 entry cannot be judged ((1,)): f jumps")


def test_validate_atol():
    assert _validate_atol(None, (2,), "full") == 0.0
    assert _validate_atol(0.5, (2,), "full") == 0.5
    assert isinstance(_validate_atol(np.float32(0.5), (2,), "full"), float)
    arr = _validate_atol([0.0, 1.0], (2,), "full")
    np.testing.assert_array_equal(arr, [0.0, 1.0])
    with pytest.raises(ValueError, match=r"^atol must be a scalar or \(in full mode\) an array "
                                         r"of shape \(2,\), got shape \(3,\) in full mode$"):
        _validate_atol([0.0, 1.0, 2.0], (2,), "full")
    with pytest.raises(ValueError, match=r"got shape \(2,\) in directional mode"):
        _validate_atol([0.0, 1.0], (2,), "directional")
    with pytest.raises(ValueError, match=r"^atol must be finite and >= 0, got -1.0$"):
        _validate_atol(-1.0, (2,), "full")
    with pytest.raises(ValueError, match="finite and >= 0"):
        _validate_atol(float("nan"), (2,), "full")
    with pytest.raises(ValueError, match="finite and >= 0"):
        _validate_atol([0.0, float("inf")], (2,), "full")
    assert _validate_atol(0.0, (2,), "full") == 0.0


def test_detectable_along_checks_its_inputs_before_the_taus():
    """A zero ``max|a|`` promises nothing even with a zero tau; a zero tau is handled without
    taking its logarithm (no warning)."""
    assert detectable_along(np.array([0.0, 1e-6]), 0.0) == float("inf")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert detectable_along(np.array([0.0, 1e-6]), 1.0) == 0.0
