"""Behaviour of :mod:`checks.noise`: the baseline's two calls and their errors, the dtype it
recognises and its note, the probe's evaluations and notes, the noise along one entry, the
louder noise handed on, and the report's noise line. Expected values are derived from the
module docstring (nine-point probes sharing ``f(x)``, ``eps`` floors, thresholds), not read
from the code's output.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from checks._util import EPS, TINY, DomainError, UsageError
from checks.noise import (
    NOISY,
    PROBE_SPACING,
    Baseline,
    _measure,
    _precision_of,
    _returned_dtype,
    baseline,
    noise_along,
    noise_note,
    with_noise,
)
from checks.probe import NOISE_POINTS

PER_PROBE = NOISE_POINTS - 1  # f(x) is shared by every probe


def _smooth(v):
    return float(np.sum(np.exp(v)) + 0.5 * np.sum(v * v))


def _noisy(level):
    """A deterministic ``f`` with noise of about ``level`` (a hash of the point)."""

    def f(v):
        key = np.frombuffer(np.asarray(v, dtype=np.float64).tobytes(), dtype=np.uint64)
        u = np.random.default_rng(int(np.bitwise_xor.reduce(key)) % (2**63)).random()
        return float(np.sum(np.sin(v))) + 3.0 + level * (2.0 * u - 1.0) * np.sqrt(3.0)

    return f


# -- with_noise ----------------------------------------------------------------------------


def test_with_noise_only_ever_raises_the_noise_and_carries_it_into_the_slope():
    base = Baseline(1.0, 1e-10, 10, slope=2.0, slope_error=1e-6, slope_gain=1e3)
    assert with_noise(base, 1e-11) is base
    assert with_noise(base, 1e-10) is base
    louder = with_noise(base, 1e-8)
    assert louder.noise == 1e-8
    assert louder.slope_error == pytest.approx(1e-6 + 1e3 * (1e-8 - 1e-10), rel=1e-14, abs=0)
    assert louder.slope == 2.0 and louder.f0 == 1.0 and louder.evaluations == 10


def test_baseline_defaults():
    b = Baseline(0.5, 1e-16, 3)
    assert b.dtype == "float64" and b.notes == () and b.scale == 0.0
    assert b.slope is None and b.slope_error == float("inf") and b.slope_gain == 0.0
    assert b.direction is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.noise = 1.0  # type: ignore[misc]


# -- precision and dtype ---------------------------------------------------------------------


def test_precision_of_values():
    f16 = tuple(float(np.float16(v)) for v in (0.1, 0.2, 0.3))
    f32 = tuple(float(np.float32(v)) for v in (0.1, 0.2, 0.3))
    assert _precision_of(f16) == "float16"  # float16 numbers are float32 numbers too
    assert _precision_of(f32) == "float32"
    assert _precision_of((0.1, 0.2, 0.3)) is None
    # fewer than three distinct finite values: nothing can be told
    assert _precision_of(f32[:2]) is None
    assert _precision_of((f32[0], f32[0], f32[1], f32[1])) is None
    assert _precision_of(f32[:2] + (float("nan"), float("inf"))) is None
    assert _precision_of(f32 + (float("nan"),)) == "float32"
    assert _precision_of(()) is None
    # a float32 number too large for float16 is not a float16 number
    assert _precision_of((1e5, 2e5, 3e5)) == "float32"


def test_returned_dtype():
    assert _returned_dtype(np.float32(1.0)) == "float32"
    assert _returned_dtype(np.float16(1.0)) == "float16"
    assert _returned_dtype(np.array(1.0, dtype=np.float32)) == "float32"
    assert _returned_dtype(1.0) == "float64"
    assert _returned_dtype(np.int64(3)) == "float64"  # not a float type: the default


# -- baseline ----------------------------------------------------------------------------------


def test_baseline_of_a_smooth_function():
    """One probe of round-off (smooth, below 100 ulps) suffices: ``2 + 8`` evaluations."""
    x = np.array([0.3, -1.2, 2.0])
    b = baseline(_smooth, x, False)
    assert b.f0 == _smooth(x) and b.dtype == "float64" and b.notes == ()
    assert b.evaluations == 2 + PER_PROBE
    assert EPS * abs(b.f0) <= b.noise < 100.0 * EPS * abs(b.f0)
    assert b.scale >= abs(b.f0)
    assert b.direction is not None and b.direction.shape == x.shape
    assert np.sqrt(np.mean(b.direction**2)) == pytest.approx(1.0, rel=1e-12, abs=0)
    # the probe's slope is the derivative along its direction
    assert b.slope is not None
    grad = np.exp(x) + x
    assert abs(b.slope - float(grad @ b.direction)) <= b.slope_error < 1e-3


def test_baseline_along_a_given_direction_scales_it_to_rms_one():
    x = np.array([0.3, -1.2])
    b = baseline(_smooth, x, False, direction=np.array([3.0, 4.0]))
    rms = np.sqrt((9.0 + 16.0) / 2.0)
    np.testing.assert_allclose(b.direction, np.array([3.0, 4.0]) / rms, rtol=1e-14)
    grad = np.exp(x) + x
    assert abs(b.slope - float(grad @ b.direction)) <= b.slope_error
    # a direction given in float32 (or as integers) is used in float64
    for given in (np.array([3.0, 4.0], dtype=np.float32), [3, 4]):
        b32 = baseline(_smooth, x, False, direction=given)
        assert b32.direction.dtype == np.float64
        np.testing.assert_allclose(b32.direction, np.array([3.0, 4.0]) / rms, rtol=1e-15)


def test_baseline_vectorized_agrees_and_checks_the_batch_shape():
    x = np.array([0.3, -1.2, 2.0])

    def fv(batch):
        return np.exp(batch).sum(axis=-1) + 0.5 * (batch * batch).sum(axis=-1)

    b = baseline(fv, x, True)
    assert b.f0 == pytest.approx(_smooth(x), rel=1e-15, abs=0)
    assert b.evaluations == 2 + PER_PROBE
    with pytest.raises(ValueError, match=r"a vectorized f must map a batch of shape "
                                         r"\(B, \*x.shape\) to shape \(B,\); got \(2, 3\) "
                                         r"for B=2"):
        baseline(lambda batch: batch, x, True)


def test_a_random_function_is_refused_with_both_values():
    calls = iter([1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match=r"f is not deterministic: two calls at the same x "
                                         r"returned 1.5 and 2.5") as info:
        baseline(lambda v: next(calls), np.array([1.0]), False)
    assert "fix its seed or its data inside f" in str(info.value)
    vcalls = iter([np.array([1.0, 2.0])])
    with pytest.raises(ValueError, match="returned 1.0 and 2.0"):
        baseline(lambda b: next(vcalls), np.array([1.0]), True)


def test_a_domain_error_at_the_point_itself():
    def f(v):
        raise ZeroDivisionError("boom")

    with pytest.raises(DomainError, match=r"f raised ZeroDivisionError: boom at the point x "
                                          r"itself: x is outside f's domain"):
        baseline(f, np.array([1.0]), False)

    def g(v):
        raise UsageError("misuse")

    with pytest.raises(UsageError, match="misuse"):
        baseline(g, np.array([1.0]), False)


@pytest.mark.parametrize("dtype, unit", [(np.float32, np.finfo(np.float32).eps),
                                         (np.float16, np.finfo(np.float16).eps)])
def test_a_low_precision_return_type_is_noted_and_floors_the_noise(dtype, unit):
    x = np.array([0.3, -1.2, 2.0])
    f = lambda v: dtype(np.sum(np.exp(v)))  # noqa: E731
    b = baseline(f, x, False)
    name = np.dtype(dtype).name
    assert b.dtype == name
    assert b.noise >= 0.5 * float(unit) * abs(b.f0)
    (note,) = b.notes
    assert note == (f"f returned {name}: its values carry about {float(unit):.1g} relative "
                    "round-off, which the tolerance includes; return float64 for a sharper "
                    "check")


def test_float32_values_returned_as_python_floats_are_recognised():
    x = np.array([0.3, -1.2, 2.0])
    b = baseline(lambda v: float(np.sum(np.exp(v.astype(np.float32)))), x, False)
    assert b.dtype == "float32"
    assert b.noise >= 0.5 * float(np.finfo(np.float32).eps) * abs(b.f0)
    assert any(n.startswith("every value f returned is a float32 number (computed in "
                            "float32?): its values carry about 1e-07 relative round-off")
               for n in b.notes), b.notes


def test_a_zero_function_has_the_smallest_positive_noise():
    b = baseline(lambda v: 0.0, np.array([1.0, 2.0]), False)
    assert b.noise == TINY and b.f0 == 0.0


# -- the probe ---------------------------------------------------------------------------------


def test_every_probe_outside_the_domain():
    """``f`` finite only at ``x``: four probes, each 8 evaluations, all non-finite; the noise
    is ``eps |f|`` and the note says so."""
    x = np.array([2.0])

    def f(v):
        return 4.0 if v[0] == 2.0 else float("nan")

    p = _measure(f, x, 4.0, False)
    assert p.evaluations == 4 * PER_PROBE
    assert p.noise == EPS * 4.0 and p.table is None
    assert p.notes == ("every noise probe left f's domain; the noise of f was taken as "
                       "eps * |f|",)
    # each failed probe makes the next 100 times finer: four divisions by 100
    assert p.delta == pytest.approx(PROBE_SPACING * 2.0 * 1e-8, rel=1e-12, abs=0)
    assert p.values == (4.0,)


def test_a_smooth_probe_is_taken_at_once_at_its_spacing():
    x = np.array([3.0, 4.0])
    f0 = _smooth(x)
    p = _measure(_smooth, x, f0, False)
    rms = np.sqrt((9.0 + 16.0) / 2.0)
    assert p.delta == pytest.approx(PROBE_SPACING * rms, rel=1e-14, abs=0)
    assert p.evaluations == PER_PROBE and p.notes == ()
    assert len(p.values) == NOISE_POINTS and p.values[0] == f0
    assert p.top >= abs(f0)
    linear = lambda v: float(np.sum(v))  # noqa: E731
    p2 = _measure(linear, x, linear(x), False, spacing=1e-3)
    assert p2.delta == 1e-3 and p2.evaluations == PER_PROBE


def test_measured_noise_is_confirmed_finer():
    """Noise of ``1e-8`` on an ``f`` of size 3: above 100 ulps, confirmed by a probe 100 times
    finer (two probes at least); the measurement agrees with the level within the factor 4."""
    x = np.array([0.5, 1.0, 1.5])
    f = _noisy(1e-8)
    b = baseline(f, x, False)
    # f(x) twice, probes of PER_PROBE sharing f(x), and at most one coarse probe
    # (checks.noise._coarser), which starts away from x: NOISE_POINTS = PER_PROBE + 1
    assert b.evaluations >= 2 + 2 * PER_PROBE and (b.evaluations - 2) % PER_PROBE in (0, 1)
    assert 1e-8 / 4.0 <= b.noise <= 4.0 * 1e-8
    assert b.notes == ()
    p = _measure(f, x, f(x), False, confirm=False)
    assert p.evaluations == PER_PROBE  # taken as it is
    assert 1e-8 / 4.0 <= p.noise <= 4.0 * 1e-8


# -- noise along one entry ---------------------------------------------------------------------


def test_noise_along_an_entry():
    x = np.array([0.5, 1.0, 1.5])
    f = _noisy(1e-8)
    noise, evals = noise_along(f, x, 1, f(x), False, 1e-4)
    assert evals == 1 + PER_PROBE
    assert 1e-8 / 4.0 <= noise <= 4.0 * 1e-8
    # a smooth f along the entry: round-off
    quiet, evals = noise_along(_smooth, x, 2, _smooth(x), False, 1e-4)
    assert quiet <= 100.0 * EPS * abs(_smooth(x)) and evals == 1 + PER_PROBE


def test_noise_along_an_entry_vectorized_agrees():
    """Batched, the same noise and the same count -- of points, which is what the batched
    ``f`` receives: the first point, ``x_k - reach``, is a batch of one."""
    x = np.array([0.5, 1.0, 1.5])
    f = _noisy(1e-8)
    batches = []

    def fv(batch):
        batches.append(len(batch))
        return np.array([f(row) for row in np.asarray(batch).reshape(-1, 3)])

    a = noise_along(f, x, 0, f(x), False, 1e-4)
    b = noise_along(fv, x, 0, f(x), True, 1e-4)
    assert a == b
    assert batches[0] == 1 and sum(batches) == b[1] == 1 + PER_PROBE
    # where f is not finite at x_k - reach, that one point is all it was asked for
    batches.clear()
    edge = np.array([0.5, 1.0, 1.5])

    def fv_edge(batch):
        batches.append(len(batch))
        return np.where(batch[:, 0] < 0.4, np.nan, np.sum(batch, axis=1))

    assert noise_along(fv_edge, edge, 0, 3.0, True, 0.25) == (0.0, 1)
    assert batches == [1]


def test_noise_along_starts_at_x_minus_reach():
    """A non-finite value at ``x_k - reach`` ends the probe: ``(0, 1)``."""
    x = np.array([1.0, 2.0])

    def f(v):
        return float("nan") if v[0] < 0.5 else float(np.sum(v))

    assert noise_along(f, x, 0, f(x), False, 0.75) == (0.0, 1)
    noise, evals = noise_along(f, x, 0, f(x), False, 0.25)
    assert evals == 1 + PER_PROBE and noise < 1e-12


def test_noise_along_a_kink_is_no_noise():
    """``relu`` with its kink within reach: the tables are ``f``'s variation, never noise."""
    x = np.array([0.0068, 3.0])
    f = lambda v: float(np.maximum(v[0], 0.0) + v[1])  # noqa: E731
    noise, _ = noise_along(f, x, 0, f(x), False, 0.01)
    assert noise == 0.0


# -- the report's line ----------------------------------------------------------------------------


def test_noise_note_thresholds_and_text():
    assert noise_note(1.0, 0.0, None) is None
    assert noise_note(NOISY * 2.0, 2.0, None) is None  # exactly at the threshold: round-off
    assert noise_note(NOISY * 2.0 * 1.01, 2.0, None) is not None
    assert noise_note(3e-8, 1.0, None) == ("f is noisy at the 3e-08 level (relative to |f|; "
                                           "3e-08 absolute)")
    assert noise_note(2e-8, 4.0, None) == ("f is noisy at the 5e-09 level (relative to |f|; "
                                           "2e-08 absolute)")
    assert noise_note(3e-8, 1.0, 1.0) == ("f is noisy at the 3e-08 level (relative to |f|; "
                                          "3e-08 absolute); no relative error can be "
                                          "detected here")
    assert noise_note(3e-8, 1.0, 2.0).endswith("; no relative error can be detected here")
    assert noise_note(3e-8, 1.0, 0.123) == ("f is noisy at the 3e-08 level (relative to |f|; "
                                            "3e-08 absolute); the smallest detectable "
                                            "relative error here is 0.12")
    assert NOISY == 1e3 * EPS


def test_noise_note_never_prints_a_nan_and_promises_nothing_beside_unjudged_entries():
    """A ``detectable`` of ``nan`` (an entry whose differences overflow) was printed: "the
    smallest detectable relative error here is nan". No number is printed that is no
    promise: a ``nan``, or a check some of whose entries cannot be judged, promises none."""
    head = "f is noisy at the 3e-08 level (relative to |f|; 3e-08 absolute)"
    assert noise_note(3e-8, 1.0, float("nan")) == (
        head + "; no sensitivity can be promised here")
    for smallest in (0.123, float("inf"), float("nan")):
        assert noise_note(3e-8, 1.0, smallest, unjudged="pairs") == (
            head + "; no sensitivity can be promised here (some pairs cannot be judged)")
    assert noise_note(3e-8, 1.0, None, unjudged="entries") == head


def test_a_constant_is_a_staircase_at_every_spacing():
    """``f`` does not move at all: each probe is a staircase and the next is 100 times
    coarser; after four, the noise is ``eps |f|`` and the note says why."""
    x = np.array([1.0, 2.0])
    p = _measure(lambda v: 1.0, x, 1.0, False)
    rms = np.sqrt(2.5)
    assert p.evaluations == 4 * PER_PROBE
    assert p.delta == pytest.approx(PROBE_SPACING * rms * 100.0**4, rel=1e-12, abs=0)
    assert p.noise == EPS and p.table is None
    assert p.notes == ("f moved by only a few ulps per step at every spacing of the noise "
                       "probe (or left its domain); the noise of f was taken as eps * |f|",)
    b = baseline(lambda v: 1.0, x, False)
    assert b.notes == p.notes and b.slope is None and b.slope_error == float("inf")
    assert b.slope_gain == 0.0 and b.evaluations == 2 + 4 * PER_PROBE


def test_quantised_values_are_confirmed_by_a_finer_staircase():
    """``f`` rounded to ``1e-8``: at ``1e-6 rms(x)`` its rounding errors look like noise
    (about ``q / sqrt(12)`` for a uniform rounding error), above 100 ulps; 100 times finer it
    moves by a few ulps per step (a staircase), which confirms the coarser measurement."""
    q = 1e-8
    f = lambda v: float(np.round(np.sum(v**2), 8))  # noqa: E731
    x = np.array([1.0, 2.0])
    p = _measure(f, x, f(x), False)
    assert p.evaluations == 2 * PER_PROBE
    assert p.delta == pytest.approx(PROBE_SPACING * np.sqrt(2.5), rel=1e-12, abs=0)
    assert q / np.sqrt(12.0) / 4.0 <= p.noise <= 4.0 * q / np.sqrt(12.0)
    assert p.table is not None and p.notes == ()


def test_a_kink_at_the_point_is_not_noise():
    """``|x_0 - 1| + |x_1 - 2|`` at ``(1, 2)``: the probe's table has a break of slope; it is
    probed again finer, and the noise stays at round-off, not at the kink's differences."""
    f = lambda v: float(abs(v[0] - 1.0) + abs(v[1] - 2.0))  # noqa: E731
    x = np.array([1.0, 2.0])
    p = _measure(f, x, f(x), False)
    assert p.evaluations >= 2 * PER_PROBE
    assert p.noise <= 100.0 * EPS * max(p.top, 1.0)


def _hash_unit(v):
    key = int(np.frombuffer(np.asarray(v, float).tobytes(), dtype=np.uint64).sum() % (2**63))
    return np.random.default_rng(key).random() - 0.5


def test_noise_that_shrinks_with_the_spacing_is_never_confirmed():
    """Noise of amplitude ``|v - x|``: each probe 100 times finer measures about 100 times
    less (never the same within the factor 4), so all four probes run and the finest
    measurement is used, with a note. At the finest spacing ``delta = 1e-6 rms(x) / 100^3``
    the points reach ``t_8 delta`` (``t_8 <= 8.5``) and a uniform error of width 1 has a
    standard deviation of ``0.29``: the noise is a few times ``1e-12``."""
    x = np.array([1.0, 2.0])
    f = lambda v: 3.0 + float(np.max(np.abs(v - x))) * _hash_unit(v)  # noqa: E731
    p = _measure(f, x, f(x), False)
    finest = PROBE_SPACING * np.sqrt(2.5) / 100.0**3
    assert p.evaluations == 4 * PER_PROBE
    assert p.delta == pytest.approx(finest, rel=1e-12, abs=0)
    assert 0.25 * 0.29 * finest <= p.noise <= 4.0 * 0.29 * 8.5 * finest
    assert p.notes == ("the noise of f changed with the spacing of its probe (a kink or a "
                       "narrow feature within 1e-6 of x?); the finest measurement was used",)
    assert p.table is not None


def test_no_noise_like_table_gives_the_tightest_bound():
    """``sqrt|x_0 - 1|`` at its cusp: no spacing gives noise-like differences (the cusp's
    differences grow as the spacing shrinks); the tightest bound is used and noted, and
    without a noise-like table there is no probe slope."""
    x = np.array([1.0, 2.0])
    f = lambda v: float(np.sqrt(np.abs(v[0] - 1.0)) + v[1])  # noqa: E731
    p = _measure(f, x, f(x), False)
    assert p.table is None and p.evaluations == 4 * PER_PROBE
    assert p.notes == ("the noise of f could not be measured cleanly (no probe spacing gave "
                       "noise-like differences); the tightest bound the probes gave was used",)
    assert p.noise >= EPS * abs(f(x))
    b = baseline(f, x, False)
    assert b.slope is None and b.slope_error == float("inf") and b.notes == p.notes


def test_errors_name_where_f_was_evaluated():
    with pytest.raises(ValueError, match=r"f returned nan at x; f must be finite near the "
                                         r"point"):
        baseline(lambda batch: np.array([np.nan, np.nan]), np.array([1.0]), True)
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape "
                                         r"\(2,\) at x - h e_k$"):
        noise_along(lambda v: np.ones(2), np.array([1.0, 2.0]), 0, 1.0, False, 0.1)


def test_a_smooth_table_below_round_off_takes_its_order_4_bound():
    """Module docstring: a table where no order looks like noise is ``f``'s own variation;
    "its order-4..6 differences bound the noise from above. Below ``100 eps |f|`` that bound
    is taken". ``f(z) = 1 + c (z - 1000)^4`` probed at ``delta = 1e-6 * 1000 = 1e-3``: its
    4th divided differences are exactly ``c delta^4`` in every window (the 5th and 6th are
    round-off), so the bound is ``rms_j(c delta^4 / ||w_j||)`` (``w_j`` the weights of window
    ``j``: ``w_i = 1 / prod_{l != i} (t_i - t_l)``), about ``4.5e-15``: 20 ulps of ``f``, taken
    at once. Kills ``checks.noise.x__measure__mutmut_107`` (order 4 left out of the bound:
    round-off, ``2.2e-16``, taken instead)."""
    from checks.probe import _PROBE_T

    c, delta = 1.7e-3, 1e-3
    norms = []
    for start in range(NOISE_POINTS - 4):
        t = _PROBE_T[start:start + 5]
        w = [1.0 / math.prod(t[i] - t[j] for j in range(5) if j != i) for i in range(5)]
        norms.append(math.sqrt(sum(v * v for v in w)))
    bound = math.sqrt(sum((c * delta**4 / n) ** 2 for n in norms) / len(norms))
    assert 10 * EPS < bound < 100 * EPS
    b = baseline(lambda z: 1.0 + c * float(z[0] - 1000.0) ** 4, np.array([1000.0]), False)
    assert b.noise == pytest.approx(bound, rel=0.02, abs=0.0)
    assert b.evaluations == 2 + PER_PROBE and b.notes == ()


def test_noise_four_times_larger_100_times_finer_is_the_same_noise():
    """Noise above round-off is confirmed by a probe 100 times finer when it "measures the
    same there (within the factor 4)" -- the factor included. ``f`` is 0 at ``x = 1`` and a
    fixed pattern ``N_j`` at the ``j``-th probe point, times 1 at the first spacing
    (``1e-6``), 4 at the spacing 100 times finer (16, 64 beyond): the tables scale by a
    power of 2, so the finer noise is exactly 4 times the first. That is the same noise:
    two probes, no note. Kills ``checks.noise.x__measure__mutmut_190`` (the factor 4 itself
    excluded: every probe finer disagrees, four probes and a note)."""
    from checks.probe import _PROBE_T

    pattern = np.random.default_rng(3).standard_normal(NOISE_POINTS - 1)

    def f(z):
        r = abs(float(z[0]) - 1.0)
        if r == 0.0:
            return 0.0
        for amp, spacing in ((1.0, 1e-6), (4.0, 1e-8), (16.0, 1e-10), (64.0, 1e-12)):
            j = int(np.argmin(np.abs(_PROBE_T - r / spacing)))
            if j > 0 and abs(_PROBE_T[j] - r / spacing) < 0.1:
                return amp * float(pattern[j - 1])
        raise AssertionError(f"not a probe point: {z}")

    b = baseline(f, np.array([1.0]), False)
    assert b.evaluations == 2 + 2 * PER_PROBE
    assert b.notes == ()
    # the finer measurement is taken: 4 times the noise the first spacing alone measures
    first = _measure(f, np.array([1.0]), 0.0, False, confirm=False)
    assert first.evaluations == PER_PROBE
    assert b.noise == 4.0 * first.noise > 1.0
