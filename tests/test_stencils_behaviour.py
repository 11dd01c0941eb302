"""Behaviour of :mod:`checks.stencils` on polynomials whose differences are known exactly:
forward and central values and truncation estimates, their round-off, the refinement of
truncation-dominated entries (taken, kept, not needed, not allowed) and the complex step's
bound. Every point and step is dyadic, so the differences below are exact in floating point.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks import estimate_gradient
from checks._util import EPS
from checks.noise import Baseline
from checks.stencils import _combine, _stencil


def _base(f, x, noise):
    return Baseline(float(f(x)), noise, 0)


def _sq(v):  # f = sum c_k x_k^2, c = (1, 2)
    return float(v[0] ** 2 + 2.0 * v[1] ** 2)


def _cube(v):
    return float(np.sum(v**3))


def test_forward_differences_of_a_quadratic():
    """``F(h) = 2 c x + c h``; the value is ``F(h)``, its truncation ``|F(2h) - F(h)| = c h``
    and its round-off ``2 max(eps |f|, noise) / h``."""
    x = np.array([1.0, -0.5])
    h = np.array([2.0**-4, 2.0**-5])
    noise = 2.0**-30
    raw = _stencil(_sq, x, h, "forward", False, _base(_sq, x, noise), refine=False)
    c = np.array([1.0, 2.0])
    np.testing.assert_array_equal(raw.value, 2.0 * c * x + c * h)
    roundoff = 2.0 * noise / h
    np.testing.assert_allclose(raw.error, c * h + roundoff, rtol=1e-15)
    assert raw.evaluations == 2 * 2  # two offsets per entry
    np.testing.assert_array_equal(raw.step, h)
    assert raw.kind is None
    np.testing.assert_array_equal(raw.lower, raw.value)
    np.testing.assert_array_equal(raw.upper, raw.value)


def test_central_differences_of_a_cubic():
    """``D(h) = 3 x^2 + h^2``, ``D(2h) = 3 x^2 + 4 h^2``: truncation ``3 h^2``, round-off
    ``max(eps |f|, noise) / h``."""
    x = np.array([1.0, 2.0, -1.5])
    h = np.full(3, 2.0**-3)
    noise = 2.0**-20
    raw = _stencil(_cube, x, h, "central", False, _base(_cube, x, noise), refine=False)
    np.testing.assert_array_equal(raw.value, 3.0 * x**2 + h**2)
    np.testing.assert_allclose(raw.error, 3.0 * h**2 + noise / h, rtol=1e-15)
    assert raw.evaluations == 4 * 3


def test_round_off_uses_the_largest_value_on_the_stencil():
    """With no noise the round-off is ``eps`` times the largest ``|f|`` of the entry's
    stencil: for ``x^2`` at 1 from ``h = 1/2`` that is ``f(1 + 2h) = 4``."""
    x = np.array([1.0])
    f = lambda v: float(v[0] ** 2)  # noqa: E731
    raw = _stencil(f, x, np.array([0.5]), "central", False, _base(f, x, 0.0), refine=False)
    # D is exact for a quadratic: truncation 0
    assert raw.value[0] == 2.0
    assert raw.error[0] == pytest.approx(1.0 * EPS * 4.0 / 0.5, rel=1e-15, abs=0)
    fwd = _stencil(f, x, np.array([0.5]), "forward", False, _base(f, x, 0.0), refine=False)
    assert fwd.value[0] == 2.5  # F(h) = 2 + h
    assert fwd.error[0] == pytest.approx(0.5 + 2.0 * EPS * 4.0 / 0.5, rel=1e-15, abs=0)


def test_refinement_takes_shorter_steps_while_truncation_dominates():
    """Round-off negligible: each of the two refinements divides the step by 4 and is taken
    (``T(h/4) = 3 h^2 / 16`` beats a quarter of the tighter bound); twelve evaluations."""
    x = np.array([1.0])
    h = np.array([2.0**-2])
    raw = _stencil(_cube, x, h, "central", False, _base(_cube, x, 0.0))
    hh = h[0] / 16.0
    assert raw.value[0] == 3.0 + hh**2
    assert raw.step[0] == hh
    assert raw.evaluations == 12
    assert raw.error[0] == pytest.approx(3.0 * hh**2, rel=1e-9, abs=0)
    # without refinement: one pass at h
    once = _stencil(_cube, x, h, "central", False, _base(_cube, x, 0.0), refine=False)
    assert once.evaluations == 4 and once.step[0] == h[0] and once.value[0] == 3.0 + h[0] ** 2


def test_refinement_keeps_the_longer_step_unless_four_times_better():
    """``T = 3 h^2 = 5 r``: refined (``T > 4 r``); at ``h / 4``, ``T + E = 3h^2/16 + 4 r =
    4.3125 r`` is not below a quarter of ``min(T, |v - v'| + T' + E') + r = 6 r``: the longer
    step is kept, with its own truncation, and the entry is not refined again."""
    x = np.array([1.0])
    h = 2.0**-4
    r = 3.0 * h * h / 5.0
    raw = _stencil(_cube, x, np.array([h]), "central", False, _base(_cube, x, r * h))
    assert raw.value[0] == 3.0 + h * h
    assert raw.step[0] == h
    assert raw.evaluations == 8
    assert raw.error[0] == pytest.approx(3.0 * h * h + r, rel=1e-12, abs=0)


def test_no_refinement_when_truncation_is_at_most_four_round_offs():
    """``T = 3 h^2`` exactly ``4 r``: not dominant, no refinement."""
    x = np.array([1.0])
    h = 2.0**-4
    r = 3.0 * h * h / 4.0
    raw = _stencil(_cube, x, np.array([h]), "central", False, _base(_cube, x, r * h))
    assert raw.evaluations == 4 and raw.step[0] == h
    assert raw.error[0] == 3.0 * h * h + r
    # slightly above: refined
    more = _stencil(_cube, x, np.array([h]), "central", False, _base(_cube, x, 0.99 * r * h))
    assert more.evaluations > 4


def test_refinement_is_per_entry():
    """``x_0^3 + x_1^2``: only the cubic entry has truncation; the quadratic one is exact."""
    f = lambda v: float(v[0] ** 3 + v[1] ** 2)  # noqa: E731
    x = np.array([1.0, 1.0])
    h = np.array([2.0**-2, 2.0**-2])
    raw = _stencil(f, x, h, "central", False, _base(f, x, 0.0))
    assert raw.evaluations == 4 * 2 + 4 + 4
    np.testing.assert_array_equal(raw.step, [h[0] / 16.0, h[1]])
    np.testing.assert_array_equal(raw.value, [3.0 + (h[0] / 16.0) ** 2, 2.0])


def test_forward_refinement_of_a_first_order_error_is_kept_at_the_longer_step():
    """Forward differences of ``x^2``: ``T = h`` dominates, so ``h / 4`` is tried; there
    ``T' + E' = h / 4 + 4 r`` is not below ``(min(h, 3h/4 + h/4 + 4r) + r) / 4 = h/4 + r/4``:
    an error of first order is only four times smaller, never four times *better*. The
    longer step is kept with its truncation ``h``; one refinement, four evaluations."""
    f = lambda v: float(v[0] ** 2)  # noqa: E731
    x = np.array([1.0])
    h = 2.0**-3
    raw = _stencil(f, x, np.array([h]), "forward", False, _base(f, x, 0.0))
    assert raw.value[0] == 2.0 + h and raw.step[0] == h
    assert raw.evaluations == 2 * 2
    r = 2.0 * EPS * f(x + 2.0 * h) / h
    assert raw.error[0] == pytest.approx(h + r, rel=1e-15, abs=0)


def test_vectorized_stencils_agree():
    x = np.array([1.0, 2.0, -1.5])
    h = np.full(3, 2.0**-3)

    def cube_v(batch):
        return np.sum(np.asarray(batch) ** 3, axis=-1)

    a = _stencil(_cube, x, h, "central", False, _base(_cube, x, 0.0))
    b = _stencil(cube_v, x, h, "central", True, _base(_cube, x, 0.0))
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(a.error, b.error)
    assert a.evaluations == b.evaluations


def test_the_complex_step_and_its_bound():
    """``Im f(x + i h) / h`` is ``3 x^2 - h^2`` for a cubic; the bound is ``10 eps`` of
    ``|v| + max|v|`` plus the floor ``10 max(noise, eps |f|) / rms(x)``."""
    x = np.array([1.0, -2.0])
    h = np.array([2.0**-10, 2.0**-10])
    noise = 1e-12
    f0 = _cube(x)
    raw = _stencil(lambda v: np.sum(v**3), x, h, "complex", False, Baseline(f0, noise, 0))
    value = 3.0 * x**2 - h**2
    np.testing.assert_allclose(raw.value, value, rtol=1e-15)
    rms = np.sqrt((1.0 + 4.0) / 2.0)
    floor = 10.0 * max(noise, EPS * abs(f0)) / rms
    top = np.max(np.abs(value))  # 12 - h^2
    np.testing.assert_allclose(raw.error, 10.0 * EPS * (np.abs(value) + top) + floor,
                               rtol=1e-12)
    assert raw.evaluations == 2 and raw.step is None and raw.kind is None
    np.testing.assert_array_equal(raw.lower, raw.value)
    # with no noise the floor is eps |f0|: f0 = -7
    quiet = _stencil(lambda v: np.sum(v**3), x, h, "complex", False, Baseline(f0, 0.0, 0))
    np.testing.assert_allclose(
        quiet.error, 10.0 * EPS * (np.abs(value) + top) + 10.0 * EPS * 7.0 / rms, rtol=1e-12)


def test_combine_forward_and_central():
    # forward: (values - f0) / steps at h and 2h
    v, t = _combine("forward", np.array([[3.0], [5.0]]), np.array([[1.0], [2.0]]), 1.0)
    assert (v[0], t[0]) == (2.0, 0.0)
    # central: D(h) from offsets +-1, D(2h) from +-2, with the applied steps
    values = np.array([[4.0], [0.0], [9.0], [-3.0]])
    steps = np.array([[1.0], [-1.0], [2.0], [-2.0]])
    v, t = _combine("central", values, steps, 0.0)
    assert v[0] == 2.0 and t[0] == 1.0  # D(2h) = 12 / 4 = 3


def test_each_entry_s_round_off_is_bounded_by_its_own_stencil_values():
    """``f = exp(40 x_0) + x_1`` at 0, central differences at the fixed step ``h = 1/2``:
    entry 0's stencil sees ``f`` up to ``e^40 ~ 2e17``, entry 1's only ``1 + t`` for
    ``|t| <= 2h``. Entry 1's central difference ``D(h) = (f(x + h e_1) - f(x - h e_1)) / 2h``
    subtracts two values each rounded to within ``eps |f|``, so its round-off is at most
    ``eps max|f| / h`` over its own stencil (``max|f| = 2``), and ``D(2h) - D(h) = 0`` (a
    linear entry has no truncation): its error bar must be a few of those ulps, whatever
    entry 0's values are."""
    f = lambda z: float(np.exp(40.0 * z[0]) + z[1])  # noqa: E731
    h = 0.5
    est = estimate_gradient(f, np.zeros(2), method="central", step=h)
    assert est.value[1] == 1.0  # dyadic points: exact
    own = max(abs(f(np.array([0.0, t]))) for t in (h, -h, 2 * h, -2 * h))
    assert est.error[1] <= 4.0 * EPS * own / h
    # entry 0's own bar is large (its truncation), and does not leak into entry 1's
    assert est.error[0] > 1e6
