"""Checks beyond the per-entry estimate (``checks.crosscheck``), function by function.

The estimates are plain namespaces with hand-picked fields, so every expected value (the
distance to an interval, the tolerance ``atol_v + safety e_v + rtol |d_v| + round-off``, the
directions of the coupled-kink test, the labels) is worked out here from the module
docstring, not read off the module.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from checks._util import EPS
from checks.crosscheck import (
    KINK_DIRECTIONS,
    Comparison,
    _atol_along,
    _dot,
    along_probe,
    coupled_kinks,
    kink_directions,
)
from checks.ladder import KINK, SMOOTH

# ----------------------------------------------------------------------------- Comparison


def test_difference_is_the_distance_to_the_interval() -> None:
    assert Comparison("v", 5.0, 1.0, 2.0, 0.0, 0.0).difference == 3.0
    assert Comparison("v", -1.5, 1.0, 2.0, 0.0, 0.0).difference == 2.5
    assert Comparison("v", 1.5, 1.0, 2.0, 0.0, 0.0).difference == 0.0
    assert Comparison("v", 1.0, 1.0, 1.0, 0.0, 0.0).difference == 0.0


def test_ok_at_the_tolerance_and_not_beyond() -> None:
    assert Comparison("v", 3.0, 1.0, 2.0, 0.0, 1.0).ok is True
    assert Comparison("v", 3.0, 1.0, 2.0, 0.0, 0.9999).ok is False
    assert Comparison("v", 0.0, 1.0, 2.0, 0.0, 1.0).ok is True
    assert Comparison("v", 0.0, 1.0, 2.0, 0.0, 0.5).ok is False


def test_str_of_a_smooth_direction() -> None:
    c = Comparison("p", 1.234567891, 1.0, 1.0, 2.31e-7, 0.00012345)
    assert str(c) == ("along p: <analytic, v> = 1.2345679 is outside the tolerance 0.000123 "
                      "of the derivative 1 (error estimate 2.3e-07)")


def test_str_of_a_kink_direction() -> None:
    c = Comparison("d", 0.5, -1.0, 1.0, 0.0, 0.0)
    assert str(c) == ("along d: <analytic, v> = 0.5 is within the tolerance 0 of the "
                      "one-sided derivatives [-1, 1] (error estimate 0)")


# ----------------------------------------------------------------------------- _dot, _atol_along


def test_dot_and_its_round_off() -> None:
    a = np.array([[1, -2], [3, 4]])  # integers are taken as floats
    v = np.array([[0.5, 1.0], [-1.0, 2.0]])
    value, roundoff = _dot(a, v)
    assert value == 0.5 - 2.0 - 3.0 + 8.0
    assert roundoff == pytest.approx(np.sqrt(4) * EPS * (0.5 + 2.0 + 3.0 + 8.0), rel=1e-15, abs=0)


def test_atol_along_a_direction() -> None:
    v = np.array([1.0, -2.0, 0.5])
    assert _atol_along(0.25, v) == 0.25 * 3.5
    assert _atol_along(np.array([1.0, 10.0, 100.0]), v) == 1.0 + 20.0 + 50.0
    assert _atol_along(0.0, v) == 0.0


# ----------------------------------------------------------------------------- along_probe


def probe_est(**kw):
    base = dict(slope=2.0, slope_error=1e-3, kind=np.array([SMOOTH, SMOOTH]),
                probe_direction=np.array([0.6, -0.8]))
    base.update(kw)
    return SimpleNamespace(**base)


def test_along_probe_compares_the_dot_product_with_the_slope() -> None:
    a = np.array([1.0, -1.0])  # <a, p> = 0.6 + 0.8 = 1.4
    c = along_probe(a, probe_est(), rtol=0.1, atol=0.5, safety=3.0)
    assert c.label == "the noise probe's direction"
    assert c.analytic == pytest.approx(1.4, rel=1e-15, abs=0)
    assert (c.lower, c.upper, c.error) == (2.0, 2.0, 1e-3)
    roundoff = np.sqrt(2) * EPS * 1.4
    assert c.tolerance == pytest.approx(0.5 * 1.4 + 3.0 * 1e-3 + 0.1 * 2.0 + roundoff,
                                        rel=1e-14, abs=0)
    assert c.ok is True  # |1.4 - 2| = 0.6 <= 0.903
    c = along_probe(a, probe_est(slope=-1.5), rtol=0.5, atol=0.0, safety=0.0)
    assert c.tolerance == pytest.approx(0.5 * 1.5 + np.sqrt(2) * EPS * 1.4, rel=1e-14, abs=0)


def test_along_probe_gives_nothing_without_a_smooth_slope() -> None:
    a = np.array([1.0, -1.0])
    kw = dict(rtol=0.0, atol=0.0, safety=1.0)
    assert along_probe(a, probe_est(slope=None), **kw) is None
    assert along_probe(a, probe_est(kind=None), **kw) is None
    assert along_probe(a, probe_est(kind=np.array([SMOOTH, KINK])), **kw) is None
    assert along_probe(a, probe_est(probe_direction=None), **kw) is None
    assert along_probe(a, probe_est(probe_direction=np.ones(3)), **kw) is None
    assert along_probe(a, probe_est(slope=0.0), **kw) is not None  # a zero slope is a slope


# ----------------------------------------------------------------------------- kink_directions


def kink_est(kind, left, right):
    left, right = np.asarray(left, float), np.asarray(right, float)
    return SimpleNamespace(kind=np.asarray(kind), left=left, right=right,
                           lower=np.minimum(left, right), upper=np.maximum(left, right))


def test_no_directions_without_two_kinks() -> None:
    a = np.array([1.0, 2.0, 3.0])
    assert kink_directions(a, SimpleNamespace(kind=None)).shape == (0, 3)
    one = kink_est([KINK, SMOOTH, SMOOTH], [0.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert kink_directions(a, one).shape == (0, 3)


def test_no_directions_for_kinks_oriented_both_ways() -> None:
    est = kink_est([KINK, KINK], [-1.0, 1.0], [1.0, -1.0])  # |x0| - |x1| at 0
    assert kink_directions(np.array([1.0, 1.0]), est).shape == (0, 2)
    flat = kink_est([KINK, KINK], [0.0, -1.0], [0.0, 1.0])  # a kink that does not rise
    assert kink_directions(np.array([1.0, 1.0]), flat).shape == (0, 2)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_two_tied_kinks_give_the_lean_the_ones_and_random_directions(sign: float) -> None:
    # |x0 - x1| at x0 = x1 (sign 1: convex) or its negative (concave), a smooth third entry
    est = kink_est([KINK, KINK, SMOOTH], sign * np.array([-1.0, -1.0, 5.0]),
                   sign * np.array([1.0, 1.0, 5.0]))
    a = np.array([1.0, 1.0, 5.0])
    d = kink_directions(a, est)
    assert d.shape == (2 + KINK_DIRECTIONS, 3)
    assert d[0].tolist() == [1.0, 1.0, 0.0]  # a minus the midpoints 0, on the kinks only
    assert d[1].tolist() == [1.0, 1.0, 0.0]  # 1_K
    for row in d[2:]:
        assert row[2] == 0.0
        assert np.all(row[:2] != 0.0)
    assert not np.array_equal(d[2], d[3])
    assert np.array_equal(d, kink_directions(a, est))  # a fixed seed


def test_an_analytic_gradient_at_the_midpoints_has_no_lean_direction() -> None:
    est = kink_est([KINK, SMOOTH, KINK], [0.0, 3.0, 2.0], [2.0, 3.0, 4.0])
    d = kink_directions(np.array([1.0, 9.0, 3.0]), est)
    assert d.shape == (1 + KINK_DIRECTIONS, 3)
    assert d[0].tolist() == [1.0, 0.0, 1.0]
    lean = kink_directions(np.array([2.0, 9.0, 3.0]), est)
    assert lean.shape == (2 + KINK_DIRECTIONS, 3)
    assert lean[0].tolist() == [1.0, 0.0, 0.0]
    assert np.array_equal(lean[1:], d)


# ----------------------------------------------------------------------------- coupled_kinks


def along(lower, upper, error):
    return SimpleNamespace(lower=np.asarray(lower, float), upper=np.asarray(upper, float),
                           error=np.asarray(error, float))


def test_coupled_kinks_tolerance_and_values_by_hand() -> None:
    a = np.array([1.0, 1.0, 5.0])
    dirs = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.5, -2.0, 0.0], [-1.0, 0.25, 0.0]])
    est = along([0.0, 0.0, -3.0, -1.5], [0.0, 0.0, 3.0, 0.5], [1e-3, 0.0, 0.0, 2e-3])
    cs = coupled_kinks(a, dirs, est, rtol=0.1, atol=0.25, safety=2.0)
    assert [c.analytic for c in cs] == [2.0, 2.0, -1.5, -0.75]
    assert [(c.lower, c.upper, c.error) for c in cs] == [
        (0.0, 0.0, 1e-3), (0.0, 0.0, 0.0), (-3.0, 3.0, 0.0), (-1.5, 0.5, 2e-3)]
    tol0 = 0.25 * 2.0 + 2.0 * 1e-3 + 0.0 + np.sqrt(3) * EPS * 2.0
    tol2 = 0.25 * 2.5 + 0.0 + 0.1 * 3.0 + np.sqrt(3) * EPS * 2.5
    tol3 = 0.25 * 1.25 + 2.0 * 2e-3 + 0.1 * 1.5 + np.sqrt(3) * EPS * 1.25
    assert cs[0].tolerance == pytest.approx(tol0, rel=1e-14, abs=0)
    assert cs[2].tolerance == pytest.approx(tol2, rel=1e-14, abs=0)
    assert cs[3].tolerance == pytest.approx(tol3, rel=1e-14, abs=0)
    assert [c.ok for c in cs] == [False, False, True, True]


def test_coupled_kinks_labels_name_the_entries_and_the_direction() -> None:
    a = np.zeros((2, 3))
    on = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    dirs = np.array([on * 2, on, on * 3, on * -1])
    cs = coupled_kinks(a, dirs, along(np.zeros(4), np.zeros(4), np.zeros(4)), rtol=0.0,
                       atol=0.0, safety=0.0)
    entries = "(0, 0), (0, 1), (1, 0), (1, 1) ..."
    assert [c.label for c in cs] == [
        f"direction 0 mixing the kink entries {entries} (the analytic gradient minus the "
        "middle of their intervals)",
        f"direction 1 mixing the kink entries {entries} (all of them together)",
        f"direction 2 mixing the kink entries {entries}",
        f"direction 3 mixing the kink entries {entries}",
    ]


def test_coupled_kinks_without_a_lean_direction_start_with_all_together() -> None:
    a = np.zeros(4)
    on = np.array([1.0, 0.0, 1.0, 1.0])
    dirs = np.array([on, on * 2, on * 3])
    cs = coupled_kinks(a, dirs, along(np.zeros(3), np.zeros(3), np.zeros(3)), rtol=0.0,
                       atol=0.0, safety=0.0)
    assert [c.label for c in cs] == [
        "direction 0 mixing the kink entries (0,), (2,), (3,) (all of them together)",
        "direction 1 mixing the kink entries (0,), (2,), (3,)",
        "direction 2 mixing the kink entries (0,), (2,), (3,)",
    ]


def test_coupled_kinks_of_the_real_tie_reject_a_non_subgradient() -> None:
    from checks import check_gradient

    def f(x):
        return abs(x[0] - x[1])

    x = np.array([1.0, 1.0])
    wrong = check_gradient(f, lambda x: np.array([1.0, 1.0]), (x,))
    assert wrong.verdict == "fail"
    right = check_gradient(f, lambda x: np.array([0.0, 0.0]), (x,))
    assert right.verdict == "pass"


def test_coupled_kinks_show_four_entries_in_full() -> None:
    on = np.array([1.0, 1.0, 0.0, 1.0, 1.0])
    cs = coupled_kinks(np.zeros(5), np.array([on, on, on]),
                       along(np.zeros(3), np.zeros(3), np.zeros(3)), rtol=0.0, atol=0.0,
                       safety=0.0)
    assert cs[2].label == "direction 2 mixing the kink entries (0,), (1,), (3,), (4,)"
