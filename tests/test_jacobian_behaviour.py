"""The Jacobian, JVP and VJP checks (``checks.jacobian``): options, bounds, verdicts, reports.

``pair_error_bound`` is held against an independent solve of the module docstring's
``prod_j q(r_j) = 1e-3`` with ``q(r) = r (1.1152 + 0.7979 ln(1/r))``; ``_pairs_detectable``
against the docstring's ``M_min / G`` worked by hand; the verdicts against Jacobians known in
closed form, right and planted wrong.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from checks.estimates import Estimate
from checks.jacobian import (
    _conclude,
    _count,
    _options,
    _pairs_detectable,
    _require_entries,
    check_jacobian,
    check_jvp,
    check_vjp,
    pair_error_bound,
)
from checks.ladder import JUMP, SMOOTH, UNRESOLVED
from checks.methods import STEP_FACTORS

A = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
X = np.array([0.5, -1.0, 2.0])


def f(x):
    return np.tanh(A @ x)


def jac(x):
    return (1.0 - np.tanh(A @ x) ** 2)[:, None] * A


def jvp(v, x):
    return jac(x) @ v


def vjp(u, x):
    return jac(x).T @ u


# ----------------------------------------------------------------------------- pair_error_bound


def m_min_by_hand(taus: list[float]) -> float:
    """Bisection on ``log M`` of ``sum_j log q(r_j) = log 1e-3`` (module docstring)."""
    c = [math.sqrt(2.0 / math.pi) * t for t in taus]

    def log_pass(m: float) -> float:
        total = 0.0
        for cj in c:
            r = cj / m
            total += math.log(min(1.0, r * (1.1152 + 0.7979 * math.log(1.0 / r)))) if r < 1 else 0
        return total

    lo, hi = math.log(min(c)), math.log(min(c)) + 60.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if log_pass(math.exp(mid)) > math.log(1e-3):
            lo = mid
        else:
            hi = mid
    return math.exp(hi)


@pytest.mark.parametrize("taus", [[1e-9, 1e-9], [1.0], [3.0, 0.5, 2.0], [1e-3] * 8])
def test_pair_error_bound_solves_the_docstrings_equation(taus: list[float]) -> None:
    assert pair_error_bound(taus) == pytest.approx(m_min_by_hand(taus), rel=1e-9, abs=0)


def test_pair_error_bound_scales_with_tau() -> None:
    assert pair_error_bound([2e-6, 4e-6]) == pytest.approx(1e-6 * pair_error_bound([2.0, 4.0]),
                                                            rel=1e-9, abs=0)


def test_pair_error_bound_edge_values() -> None:
    assert pair_error_bound([]) == math.inf
    assert pair_error_bound([np.inf, np.nan]) == math.inf
    assert pair_error_bound([1.0, 0.0]) == 0.0
    assert pair_error_bound([1.0, -1.0]) == 0.0
    assert pair_error_bound([1.0, np.inf]) == pytest.approx(m_min_by_hand([1.0]), rel=1e-9, abs=0)
    assert pair_error_bound(np.array([[1.0], [2.0]])) == pytest.approx(
        m_min_by_hand([1.0, 2.0]), rel=1e-9, abs=0)


def test_more_pairs_detect_smaller_errors() -> None:
    one, two, ten = (pair_error_bound([1.0] * k) for k in (1, 2, 10))
    assert one > two > ten > 0.0


# ----------------------------------------------------------------------------- _pairs_detectable


def test_pairs_detectable_by_hand() -> None:
    us = np.array([[1.0, -1.0], [2.0, 0.0]])  # ||u||_1 = 2, 2
    vs = np.array([[0.5, 0.5, 0.0], [1.0, 1.0, 1.0]])  # ||v||_1 = 1, 3
    low = np.array([3.0, -5.0])
    high = np.array([4.0, -1.0])
    # distance of 0 to the bars: 3 and 1; over the norms: 3 / 2 and 1 / 6: G = 1.5
    assert _pairs_detectable(0.3, low, high, us, vs, None) == pytest.approx(0.2, rel=1e-15, abs=0)
    # max|A| - M_min = 2.5 - 0.5 = 2 beats 1.5
    assert _pairs_detectable(0.5, low, high, us, vs, 2.5) == pytest.approx(0.25, rel=1e-15, abs=0)
    # 1.6 - 0.5 = 1.1 does not
    assert _pairs_detectable(0.5, low, high, us, vs, 1.6) == pytest.approx(0.5 / 1.5, rel=1e-15,
                                                                           abs=0)


def test_pairs_detectable_without_a_lower_bound() -> None:
    us = np.ones((1, 2))
    vs = np.ones((1, 2))
    around_zero = (np.array([-1.0]), np.array([1.0]))
    assert _pairs_detectable(0.5, *around_zero, us, vs, None) == math.inf
    assert _pairs_detectable(0.0, *around_zero, us, vs, None) == 0.0
    assert _pairs_detectable(0.5, *around_zero, us, vs, 0.5) == math.inf  # 0.5 - 0.5 = 0
    assert _pairs_detectable(math.inf, np.array([3.0]), np.array([4.0]), us, vs, 9.0) == math.inf
    zero_u = np.zeros((1, 2))
    assert _pairs_detectable(0.5, np.array([3.0]), np.array([4.0]), zero_u, vs, None) == math.inf


# ----------------------------------------------------------------------------- options


def test_options_defaults_and_values() -> None:
    assert _options("full", None, None, None, None) == (1e-8, 10.0)
    assert _options("directional", 3, 5, 0.0, 0.0) == (0.0, 0.0)
    assert _options("full", None, None, 1, 2) == (1.0, 2.0)
    assert _count(None) == 2
    assert _count(1) == 1
    assert _count(np.int64(4)) == 4


@pytest.mark.parametrize(("args", "message"), [
    (("taylor", None, None, None, None),
     "mode='taylor' is a different test with a different result: call "
     "checks.taylor_test_hessian (second order) or checks.taylor_test"),
    (("both", None, None, None, None), "mode must be one of 'full', 'directional'; got 'both'"),
    (("full", 3, None, None, None),
     "directions= applies to mode='directional' only; got directions=3 with mode='full'"),
    (("full", None, 7, None, None),
     "rng= applies to mode='directional' only; got rng=7 with mode='full'"),
    (("full", None, None, -1e-9, None), "rtol must be finite and >= 0, got -1e-09"),
    (("full", None, None, np.inf, None), "rtol must be finite and >= 0, got inf"),
    (("full", None, None, None, np.nan), "safety must be finite and >= 0, got nan"),
    (("full", None, None, None, -1.0), "safety must be finite and >= 0, got -1.0"),
    (("directional", 0, None, None, None), "directions must be an integer >= 1, got 0"),
    (("directional", True, None, None, None), "directions must be an integer >= 1, got True"),
    (("directional", 2.0, None, None, None), "directions must be an integer >= 1, got 2.0"),
])
def test_options_errors(args, message: str) -> None:
    with pytest.raises(ValueError) as info:
        _options(*args)
    assert str(info.value) == message


def test_require_entries() -> None:
    _require_entries(np.ones(2), (1,), 0)
    for x, out in ((np.ones(0), (2,)), (np.ones(2), (0, 3))):
        with pytest.raises(ValueError) as info:
            _require_entries(x, out, 3)
        assert str(info.value) == (
            f"args[3] has shape {x.shape} and the output shape {out}: a map with no entries "
            "has nothing to show along random pairs; use mode='full'")


# ----------------------------------------------------------------------------- the checks


@pytest.mark.parametrize(("check", "analytic", "what", "mode", "side"), [
    (check_jacobian, jac, "Jacobian", "full", None),
    (check_jacobian, jac, "Jacobian", "directional", "u^T A v"),
    (check_jvp, jvp, "JVP", "directional", "<u, jvp(v)>"),
    (check_vjp, vjp, "VJP", "directional", "<vjp(u), v>"),
    (check_jvp, jvp, "JVP", "full", None),
    (check_vjp, vjp, "VJP", "full", None),
])
def test_right_sides_pass_with_their_labels(check, analytic, what, mode, side) -> None:
    r = check(f, analytic, (X,), mode=mode)
    assert r.verdict == "pass" and r.ok
    assert r.what == what and r.mode == mode
    assert r.step_factor == STEP_FACTORS["richardson"]
    assert r.rtol == 1e-8 and r.safety == 10.0
    assert r.out_shape == (2,) and r.shape == (3,)
    assert r.reason is None and r.diagnosis is None
    assert 0.0 < r.detectable < 1.0
    if side is None:
        assert r.analytic.shape == (2, 3)
        assert r.compares == ""
    else:
        assert r.analytic.shape == (2,)  # the default two pairs
        assert r.compares == f"analytic {side} against numerical d/dt <u, f(x + t v)>"


def test_default_modes() -> None:
    assert check_jacobian(f, jac, (X,)).mode == "full"
    assert check_jvp(f, jvp, (X,)).mode == "directional"
    assert check_vjp(f, vjp, (X,)).mode == "directional"


def test_a_given_step_has_no_step_factor_and_directions_count() -> None:
    r = check_jvp(f, jvp, (X,), step=1e-4, method="central", directions=5, rng=1)
    assert r.step_factor is None
    assert r.method == "central"
    assert r.analytic.shape == (5,)
    assert r.verdict == "pass"


@pytest.mark.parametrize("mode", ["full", "directional"])
def test_a_wrong_jacobian_fails_with_reason_and_diagnosis(mode: str) -> None:
    r = check_jacobian(f, lambda x: jac(x) * np.array([1.0, 1.01])[:, None], (X,), mode=mode)
    assert r.verdict == "fail" and not r.ok
    n = r.mismatched
    assert n >= 1
    unit = "entries" if mode == "full" else "pairs"
    assert r.reason == f"{n} of {r.analytic.size} {unit} differ by more than the tolerance"


def test_a_wrong_full_jacobian_gets_a_diagnosis() -> None:
    r = check_jacobian(f, lambda x: jac(x) * np.array([1.0, 1.01])[:, None], (X,))
    assert r.verdict == "fail"
    assert "row 1" in r.diagnosis  # the planted error: row 1 scaled by 1.01


def g(c, x):
    return c * np.sin(x)


def test_an_argument_other_than_the_first() -> None:
    r = check_jacobian(g, lambda c, x: c * np.diag(np.cos(x)), (2.0, X), argnum=1)
    assert r.verdict == "pass"
    assert r.argnum == 1
    assert r.name == "g"
    r = check_jacobian(g, lambda c, x: np.diag(np.cos(x)), (2.0, X), argnum=1)
    assert r.verdict == "fail"


def test_a_badly_shaped_jacobian_is_a_failure_with_its_reason() -> None:
    r = check_jacobian(f, lambda x: jac(x).T, (X,))
    assert r.verdict == "fail" and not r.ok
    assert r.tolerance is None
    assert math.isnan(r.max_abs_error) and math.isnan(r.max_rel_error)
    assert r.worst_index is None
    assert r.mismatched == 6
    assert r.reason == ("jac(*args) has shape (3, 2), but f's output shape + the argument's "
                        "shape is (2, 3) (no broadcasting, no transposed layout)")
    r = check_vjp(f, lambda u, x: np.ones(2), (X,))
    assert r.verdict == "fail"
    assert r.mismatched == 2
    assert r.reason.startswith("vjp(u, *args) of pair 0 has shape (2,)")


def test_an_unresolvable_jacobian_is_inconclusive_and_says_why() -> None:
    # 1 + 1e-15 sin(x): derivative 1e-15 cos(x), moving f = 1 by a few ulps over a unit step,
    # below the round-off of f even at the longest steps a ladder climbs to (about 0.5:
    # 7 eps / 0.5 = 3e-15); 1e-13 was resolved once the ladders climbed (checks.adaptive)
    def g(x):
        return 1.0 + 1e-15 * np.sin(x)

    r = check_jacobian(g, lambda x: 1e-15 * np.diag(np.cos(x)) * 5.0, (X,))
    assert r.verdict == "inconclusive" and not r.ok
    assert r.reason == "the finite differences cannot resolve the derivatives here"
    assert r.detectable >= 1.0


# ----------------------------------------------------------------------------- _conclude

COMMON = dict(method="richardson", name="f", argnum=0, shape=(2,), out_shape=(1,),
              what="Jacobian", step_factor=None)


def estimate(n, error, kind=None, notes=(), noise=0.0, f_scale=0.0, lower=None, upper=None):
    n = np.asarray(n, dtype=float)
    return Estimate(n, np.asarray(error, dtype=float), np.zeros_like(n), "richardson", 7,
                    tuple(notes), n if lower is None else lower, n if upper is None else upper,
                    kind, noise, 0.0, f_scale)


def conclude(a, est, failure=None, pairs=False, scale=0.0, **kw):
    k = np.size(a)
    us = vs = np.ones((k, 1)) if pairs else None
    opts = dict(rtol=1e-8, atol=0.0, safety=10.0)
    opts.update(kw)
    return _conclude(np.asarray(a, dtype=float), est, failure, pairs=pairs, us=us, vs=vs,
                     analytic_max=None, common=dict(COMMON, mode="directional" if pairs
                                                    else "full"), scale=scale, **opts)


def test_conclude_a_failure_without_a_comparison() -> None:
    est = estimate([[1.0, 2.0]], [[1e-9, 1e-9]], notes=("n1",))
    r = conclude([[np.nan, np.nan]], est, failure="jac raised")
    assert (r.verdict, r.ok, r.reason) == ("fail", False, "jac raised")
    assert r.tolerance is None and r.worst_index is None
    assert math.isnan(r.max_abs_error) and math.isnan(r.max_rel_error)
    assert r.mismatched == 2
    assert r.evaluations == 7 and r.notes == ("n1",)
    assert (r.rtol, r.atol, r.safety) == (1e-8, 0.0, 10.0)


def test_conclude_a_pass_and_a_mismatch() -> None:
    est = estimate([[2.0, 4.0]], [[1e-10, 1e-10]], kind=np.array([[SMOOTH, SMOOTH]]))
    ok = conclude([[2.0, 4.0]], est)
    assert (ok.verdict, ok.ok, ok.reason, ok.mismatched, ok.absolute) == (
        "pass", True, None, 0, None)
    assert ok.diagnosis is None
    # tol = 10 * 1e-10 + 1e-8 |n|; the largest entry 4 is known to 1e-9
    assert np.allclose(ok.tolerance, [[1e-9 + 2e-8, 1e-9 + 4e-8]], rtol=1e-12, atol=0)
    assert 0.0 < ok.detectable < 1e-7
    bad = conclude([[2.0, 4.5]], est)
    assert (bad.verdict, bad.ok, bad.mismatched, bad.worst_index) == ("fail", False, 1, (0, 1))
    assert bad.reason == "1 of 2 entries differ by more than the tolerance"
    assert bad.max_abs_error == pytest.approx(0.5, rel=1e-12, abs=0)
    pairs = conclude([2.0, 4.5], estimate([2.0, 4.0], [1e-10, 1e-10]), pairs=True)
    assert pairs.reason == "1 of 2 pairs differ by more than the tolerance"
    assert pairs.worst_index == (1,)


def test_conclude_entries_that_cannot_be_judged() -> None:
    est = estimate([[2.0, 4.0]], [[1e-10, 1e-10]], kind=np.array([[SMOOTH, JUMP]]))
    r = conclude([[2.0, 9.0]], est)  # wrong only where it cannot be judged
    assert (r.verdict, r.ok, r.mismatched) == ("inconclusive", False, 0)
    assert r.reason == ("1 entry cannot be judged ((0, 1)): f jumps (is discontinuous) there; "
                        "see the notes")
    assert r.tolerance[0, 1] == math.inf
    wrong = conclude([[2.5, 9.0]], est)  # and wrong where it can
    assert (wrong.verdict, wrong.mismatched, wrong.worst_index) == ("fail", 1, (0, 0))
    assert wrong.reason == "1 of 2 entries differ by more than the tolerance"
    pairs = conclude([2.0, 9.0], estimate([2.0, 4.0], [1e-10, 1e-10],
                                          kind=np.array([SMOOTH, UNRESOLVED])), pairs=True)
    assert pairs.verdict == "inconclusive"
    assert pairs.reason == ("1 pair cannot be judged ((1,)): the finite differences did not "
                            "settle there; see the notes")


def test_conclude_a_zero_is_confirmed_in_full_mode_only() -> None:
    z = np.zeros((1, 2))
    est = estimate(z, np.full((1, 2), 1e-20), kind=np.zeros((1, 2), int))
    confirmed = conclude(z, est, scale=1.0)
    assert (confirmed.verdict, confirmed.ok, confirmed.reason) == ("pass", True, None)
    assert confirmed.absolute > 0.0
    assert confirmed.detectable == math.inf
    unscaled = conclude(z, est, scale=0.0)
    assert (unscaled.verdict, unscaled.absolute) == ("inconclusive", None)
    assert unscaled.reason == "the finite differences cannot resolve the derivatives here"
    pairs = conclude(np.zeros(2), estimate(np.zeros(2), np.full(2, 1e-20)), pairs=True,
                     scale=1.0)
    assert (pairs.verdict, pairs.absolute) == ("inconclusive", None)
    assert pairs.reason == "the finite differences cannot resolve the derivatives here"


def test_conclude_writes_one_noise_note_with_the_detectable() -> None:
    notes = ("first", "f is noisy at some level", "last")
    est = estimate([[2.0, 4.0]], [[1e-6, 1e-6]], notes=notes, noise=1e-5, f_scale=1.0)
    r = conclude([[2.0, 4.0]], est)
    assert r.notes[:2] == ("first", "last")
    assert len(r.notes) == 3
    assert r.notes[2].startswith("f is noisy at the 1e-05 level (relative to |f|; 1e-05 "
                                 "absolute); the smallest detectable relative error here is ")
    quiet = conclude([[2.0, 4.0]], estimate([[2.0, 4.0]], [[1e-6, 1e-6]], notes=notes))
    assert quiet.notes == notes


@pytest.mark.parametrize("mode", ["full", "directional"])
def test_an_integer_argument_is_noted_first_in_both_modes(mode: str) -> None:
    r = check_jacobian(f, jac, (np.array([1, 0, 2]),), mode=mode)
    assert r.notes[0] == "args[0] had dtype int64; it was differentiated in float64"
    assert r.verdict == "pass"


def test_a_per_entry_atol_in_full_mode() -> None:
    atol = np.zeros((2, 3))
    atol[1, 2] = 0.5
    wrong = lambda x: jac(x) + np.where(np.arange(6).reshape(2, 3) == 5, 0.25, 0.0)  # noqa: E731
    r = check_jacobian(f, wrong, (X,), atol=atol)
    assert r.verdict == "pass"
    assert np.array_equal(r.atol, atol)
    assert check_jacobian(f, wrong, (X,)).verdict == "fail"
    with pytest.raises(ValueError, match="atol"):
        check_jacobian(f, jac, (X,), atol=np.zeros((3, 2)))


def test_directional_mode_needs_entries() -> None:
    with pytest.raises(ValueError, match=r"^args\[0\] has shape \(0,\) and the output shape"):
        check_jvp(lambda x: np.ones(2), lambda v, x: np.zeros(2), (np.zeros(0),))
    r = check_jacobian(lambda x: np.ones(2), lambda x: np.zeros((2, 0)), (np.zeros(0),))
    assert r.analytic.shape == (2, 0)
    # no entry to judge: nothing is detectable, so no pass (and nothing to fail)
    assert (r.verdict, r.mismatched, r.detectable) == ("inconclusive", 0, math.inf)


def test_the_pairs_are_drawn_from_the_given_seed() -> None:
    a = check_vjp(f, vjp, (X,), rng=5, directions=3)
    b = check_vjp(f, vjp, (X,), rng=5, directions=3)
    c = check_vjp(f, vjp, (X,), rng=6, directions=3)
    d = check_vjp(f, vjp, (X,), directions=3)
    assert np.array_equal(a.analytic, b.analytic)
    assert not np.array_equal(a.analytic, c.analytic)
    gen = np.random.default_rng(5)
    vs = gen.standard_normal((3, 3))
    us = gen.standard_normal((3, 2))
    J = jac(X)
    assert np.allclose(a.analytic, [u @ J @ v for u, v in zip(us, vs, strict=True)],
                       rtol=1e-12, atol=0)
    gen = np.random.default_rng(0)  # the fixed seed of the default
    vs = gen.standard_normal((3, 3))
    us = gen.standard_normal((3, 2))
    assert np.allclose(d.analytic, [u @ J @ v for u, v in zip(us, vs, strict=True)],
                       rtol=1e-12, atol=0)


def detectable_by_hand(r, us, vs, top: float) -> float:
    """``M_min / G`` of the module docstring from the result's own bars."""
    reach = r.safety * r.error
    m_min = m_min_by_hand(list(r.tolerance + reach + (r.upper - r.lower)))
    g = top - m_min
    for j in range(len(us)):
        lo, hi = r.lower[j] - reach[j], r.upper[j] + reach[j]
        dist = max(lo, -hi, 0.0)
        g = max(g, dist / (np.abs(us[j]).sum() * np.abs(vs[j]).sum()))
    return m_min / g


@pytest.mark.parametrize(("check", "analytic"), [(check_jacobian, jac), (check_jvp, jvp),
                                                 (check_vjp, vjp)])
def test_detectable_along_pairs_by_hand(check, analytic) -> None:
    r = check(f, analytic, (X,), mode="directional", directions=4, rng=9)
    gen = np.random.default_rng(9)
    vs = gen.standard_normal((4, 3))
    us = gen.standard_normal((4, 2))
    J = jac(X)
    if check is check_jacobian:  # max|A| is known exactly
        top = float(np.max(np.abs(J)))
    elif check is check_jvp:  # max|A v_j| / ||v_j||_1
        top = max(float(np.max(np.abs(J @ v))) / np.abs(v).sum() for v in vs)
    else:  # max|A^T u_j| / ||u_j||_1
        top = max(float(np.max(np.abs(J.T @ u))) / np.abs(u).sum() for u in us)
    assert r.detectable == pytest.approx(detectable_by_hand(r, us, vs, top), rel=1e-7, abs=0)
    assert r.verdict == "pass"


@pytest.mark.parametrize(("check", "which"), [(check_jvp, "tangent"), (check_vjp, "cotangent")])
def test_detectable_of_a_small_map_uses_its_small_products(check, which) -> None:
    # every |A w| / ||w||_1 is far below 1 here: no floor of 1 may creep into max|A|
    s = 1e-3
    side = ((lambda v, x: s * jvp(v, x)) if which == "tangent"
            else (lambda u, x: s * vjp(u, x)))
    r = check(lambda x: s * f(x), side, (X,), directions=3, rng=2)
    gen = np.random.default_rng(2)
    vs = gen.standard_normal((3, 3))
    us = gen.standard_normal((3, 2))
    J = s * jac(X)
    ws = vs if which == "tangent" else us
    M = J if which == "tangent" else J.T
    top = max(float(np.max(np.abs(M @ w))) / np.abs(w).sum() for w in ws)
    assert top < 1e-2
    assert r.detectable == pytest.approx(detectable_by_hand(r, us, vs, top), rel=1e-7, abs=0)
    assert r.verdict == "pass"


@pytest.mark.parametrize("check", [check_jacobian, check_jvp])
def test_a_given_step_reaches_the_pairs(check) -> None:
    side = jac if check is check_jacobian else jvp
    with pytest.raises(ValueError, match="underflows along the direction"):
        check(f, side, (X,), mode="directional", step=1e-300)
    coarse = check(f, side, (X,), mode="directional", step=0.3, method="forward")
    fine = check(f, side, (X,), mode="directional")
    assert np.all(coarse.error > 1e3 * fine.error)  # a forward step of 0.3 is far coarser


def test_conclude_a_failure_keeps_the_estimates_bounds() -> None:
    n = np.array([[1.0, 2.0]])
    est = estimate(n, [[1e-9, 1e-9]], lower=n - 0.5, upper=n + 0.25)
    r = conclude([[np.nan, np.nan]], est, failure="jac raised")
    np.testing.assert_array_equal(r.lower, [[0.5, 1.5]])
    np.testing.assert_array_equal(r.upper, [[1.25, 2.25]])
    np.testing.assert_array_equal(r.numerical, n)
