"""Behaviour of :mod:`checks.adaptive`: the cross-check against the probe's slope (agreeing,
disagreeing twice then marked inconsistent, skipped without refinement or without a slope),
the gap and its bound, and the
names of entries in notes. A :class:`Baseline` is built by hand where the test needs a slope
or a noise the probe would not give."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from checks._util import EPS
from checks.adaptive import _adaptive, _climb, _entries_text, _probe_gap
from checks.ladder import KINK, SMOOTH
from checks.noise import Baseline


def _f(v):
    return float(np.sum(v**3))


def _base(x, slope, slope_error=1e-12, direction=None, noise=None):
    f0 = _f(x)
    p = np.ones(x.shape) if direction is None else direction
    return Baseline(f0, EPS * abs(f0) if noise is None else noise, 0, slope=slope,
                    slope_error=slope_error, direction=p)


def test_entries_text():
    assert _entries_text((3,), np.array([1])) == "entry (1,)"
    assert _entries_text((2, 2), np.array([0, 3])) == "entries (0, 0), (1, 1)"
    assert _entries_text((9,), np.arange(5)) == "entries (0,), (1,), (2,), (3,), (4,)"
    assert _entries_text((9,), np.arange(7)) == ("entries (0,), (1,), (2,), (3,), (4,) and 2 "
                                                 "more")
    assert _entries_text((9,), np.arange(4), limit=2) == "entries (0,), (1,) and 2 more"


def test_probe_gap_and_its_bound():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    p = np.array([1.0, -2.0, 0.5, 0.0])
    parts = {"lower": np.array([1.0, 1.0, -2.0, 7.0]), "upper": np.array([1.0, 3.0, 2.0, 7.0]),
             "error": np.array([0.1, 0.2, 0.4, 5.0])}
    # p_k [lower_k, upper_k]: [1, 1], [-6, -2], [-1, 1], [0, 0]: the sum spans [-6, 0]
    base = Baseline(0.0, 0.0, 0, slope=2.5, slope_error=0.05, direction=p)
    gap, bound = _probe_gap(x, parts, base)
    assert gap == 2.5
    top = 1.0 + 6.0 + 1.0 + 0.0  # sum_k max |p_k lower_k|, |p_k upper_k|
    assert bound == pytest.approx(0.1 + 0.4 + 0.2 + 0.05 + 2.0 * EPS * top, rel=1e-15, abs=0)
    below = Baseline(0.0, 0.0, 0, slope=-7.0, slope_error=0.05, direction=p)
    assert _probe_gap(x, parts, below)[0] == 1.0
    inside = Baseline(0.0, 0.0, 0, slope=-3.0, slope_error=0.05, direction=p)
    assert _probe_gap(x, parts, inside)[0] == 0.0


def test_an_estimate_that_agrees_with_the_probe_is_taken_as_it_is():
    x = np.array([0.5, -1.0])
    h = np.full(2, 0.01)
    raw = _adaptive(_f, x, h, False, _base(x, float(np.sum(3 * x**2))), True)
    np.testing.assert_allclose(raw.value, 3 * x**2, rtol=1e-10)
    assert raw.inconsistent is None and raw.shrink == 1.0 and raw.noise is None
    assert raw.findings == () and np.all(raw.kind == SMOOTH)
    assert raw.step.shape == x.shape and raw.left.shape == x.shape


def test_an_estimate_that_disagrees_twice_is_marked_inconsistent():
    """A slope far from ``<n, p>``: the ladders run again at steps ``1024`` and ``1024^2``
    times shorter, still disagree, and the estimate says so."""
    x = np.array([0.5, -1.0])
    h = np.full(2, 0.01)
    truth = float(np.sum(3 * x**2))
    raw = _adaptive(_f, x, h, False, _base(x, truth + 1.0), True)
    assert raw.shrink == 2.0**20
    assert raw.inconsistent.startswith(
        "the per-entry estimates disagree with the derivative along a random direction "
        "measured at spacing 1e-06 rms(x) (by 1, bound ")
    assert raw.inconsistent.endswith("even at steps 1024^2 times shorter: f has a feature "
                                     "narrower than the steps tried; pass a shorter step=")
    # the steps taken are those of the last run (the applied steps: equal up to rounding)
    np.testing.assert_allclose(raw.step, h / 2.0**20, rtol=1e-6)
    # a gap within 10 times the bound is agreement: 5 bounds off
    near = _adaptive(_f, x, h, False, _base(x, truth + 5e-3, slope_error=1e-3), True)
    assert near.inconsistent is None and near.shrink == 1.0
    far = _adaptive(_f, x, h, False, _base(x, truth + 2e-2, slope_error=1e-3), True)
    assert far.inconsistent is not None


def test_no_cross_check_without_refinement_or_without_a_slope():
    x = np.array([0.5, -1.0])
    h = np.full(2, 0.01)
    truth = float(np.sum(3 * x**2))
    fixed = _adaptive(_f, x, h, False, _base(x, truth + 1.0), False)
    assert fixed.inconsistent is None and fixed.shrink == 1.0
    assert fixed.evaluations == 6 * 2
    none = _adaptive(_f, x, h, False, _base(x, None), True)
    assert none.inconsistent is None and none.shrink == 1.0


def test_a_kink_is_cross_checked_against_the_interval_and_reported():
    """``|x_0| + x_1^2`` at ``(0, 1)``: entry 0 is a kink with sides ``-1, 1``; a slope along
    ``p = (1, 1)`` anywhere in ``[-1 + 2, 1 + 2]`` agrees."""
    f = lambda v: float(abs(v[0]) + v[1] ** 2)  # noqa: E731
    x = np.array([0.0, 1.0])
    base = Baseline(f(x), EPS, 0, slope=2.5, slope_error=1e-9, direction=np.ones(2))
    raw = _adaptive(f, x, np.full(2, 0.01), False, base, True)
    assert raw.kind[0] == KINK and raw.kind[1] == SMOOTH
    assert raw.inconsistent is None and raw.shrink == 1.0
    assert raw.lower[0] == pytest.approx(-1.0, rel=1e-6, abs=0)
    assert raw.upper[0] == pytest.approx(1.0, rel=1e-6, abs=0)
    assert any(line.startswith("not differentiable at entry (0,)") for line in raw.findings)



def _climbing_parts(value, error):
    """One smooth entry taken from its first triple, its bound all round-off (no
    truncation) and far above ``1e-9`` of the derivative: it climbs (``_climb``'s docstring)."""
    return {"value": np.array([value]), "error": np.array([error]), "lower": np.array([value]),
            "upper": np.array([value]), "step": np.array([1e-3]), "kind": np.array([SMOOTH]),
            "irregular": np.array([0]), "truncation": np.array([0.0])}


class _Climbed:
    """A ``run`` whose ladder from the longer steps gives the one estimate it was told to."""

    def __init__(self, value, error, kind=SMOOTH):
        self.value, self.error, self.kind = value, error, kind
        self.tops = []

    def __call__(self, top, noise, sel):
        self.tops.append(top.copy())
        v = np.array([self.value])
        return SimpleNamespace(value=v, error=np.array([self.error]), lower=v, upper=v,
                               step=top[sel].copy(), kind=np.array([self.kind]),
                               irregular=np.array([0]), truncation=np.array([0.0]),
                               evaluations=4)


_CLIMB_NAMES = ("value", "error", "lower", "upper", "step", "kind", "irregular", "truncation")


def test_a_climbed_estimate_replaces_the_first_only_if_smooth_tighter_and_agreeing():
    # the first estimate: 1.0 +- 1e-6 from the step 1e-3
    # a smooth climbed estimate with a smaller bound whose claim intersects: taken
    parts = _climbing_parts(1.0, 1e-6)
    run = _Climbed(1.0 + 5e-7, 1e-8)
    _climb(run, np.array([1e-3]), np.array([0.0]), parts, _CLIMB_NAMES, np.array([True]))
    assert parts["value"][0] == 1.0 + 5e-7 and parts["error"][0] == 1e-8
    assert parts["step"][0] == 16.0 * 1e-3  # the steps were 16 times longer
    # smooth and agreeing, but a wider bound than the first: not taken
    parts = _climbing_parts(1.0, 1e-6)
    evals = _climb(_Climbed(1.0, 1e-5), np.array([1e-3]), np.array([0.0]), parts,
                   _CLIMB_NAMES, np.array([True]))
    assert evals == 4
    assert parts["value"][0] == 1.0 and parts["error"][0] == 1e-6 and parts["step"][0] == 1e-3
    # smooth and tighter, but contradicting the first beyond both bounds (|2 - 1| > 1e-6 +
    # 1e-9): a longer step that reads a narrow feature as flat is not taken
    parts = _climbing_parts(1.0, 1e-6)
    _climb(_Climbed(2.0, 1e-9), np.array([1e-3]), np.array([0.0]), parts, _CLIMB_NAMES,
           np.array([True]))
    assert parts["value"][0] == 1.0 and parts["error"][0] == 1e-6 and parts["step"][0] == 1e-3
    # tighter and agreeing, but not smooth: not taken
    parts = _climbing_parts(1.0, 1e-6)
    _climb(_Climbed(1.0, 1e-9, kind=KINK), np.array([1e-3]), np.array([0.0]), parts,
           _CLIMB_NAMES, np.array([True]))
    assert parts["value"][0] == 1.0 and parts["error"][0] == 1e-6
