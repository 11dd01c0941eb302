"""Derivatives along directions (``checks.directional``): values, steps, counts, errors.

The exact values are closed forms (``d/dt sum sin(x + t v) = cos(x) . v``); the evaluation
counts are counted here, by the function itself; the default step is the docstring's
``STEP_FACTORS[method] * rms(x) / rms(v)``.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks.directional import (
    _complex_agrees,
    directional_derivative,
    directional_derivatives,
)
from checks.ladder import KINK, SMOOTH
from checks.methods import STEP_FACTORS

X = np.array([0.3, -0.7, 1.1])
V = np.array([1.0, 2.0, -0.5])


def rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(a))))


class Counted:
    """``sum sin(x)``, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return np.sum(np.sin(x))


@pytest.mark.parametrize("method", ["richardson", "central", "forward", "complex"])
def test_value_default_step_and_counted_evaluations(method: str) -> None:
    f = Counted()
    d = directional_derivative(f, X, V, method=method)
    exact = float(np.cos(X) @ V)
    assert abs(d.value - exact) <= d.error
    assert d.error < 1e-6 * abs(exact)
    assert d.evaluations == f.calls
    assert d.step == pytest.approx(STEP_FACTORS[method] * rms(X) / rms(V), rel=1e-12, abs=0)
    assert isinstance(d.value, float) and isinstance(d.error, float)
    assert d.lower == d.upper == d.value
    assert d.method == method


def test_default_step_of_a_zero_point_uses_rms_one() -> None:
    d = directional_derivative(Counted(), np.zeros(2), np.array([0.0, 4.0]))
    assert d.step == pytest.approx(STEP_FACTORS["richardson"] * 1.0 / rms(np.array([0.0, 4.0])),
                                   rel=1e-12, abs=0)
    assert d.value == pytest.approx(4.0, rel=1e-9, abs=0)


def test_a_given_step_is_the_absolute_step_in_t() -> None:
    d = directional_derivative(Counted(), X, 10.0 * V, step=1e-3, method="central")
    assert d.step == pytest.approx(1e-3, rel=1e-12, abs=0)
    exact = 10.0 * float(np.cos(X) @ V)
    assert abs(d.value - exact) <= d.error


def test_the_derivative_is_per_unit_of_t_along_v_itself() -> None:
    one = directional_derivative(Counted(), X, V)
    three = directional_derivative(Counted(), X, 3.0 * V)
    assert three.value == pytest.approx(3.0 * one.value, rel=1e-9, abs=0)
    assert three.error == pytest.approx(3.0 * one.error, rel=1e-6, abs=0)


def test_kind_of_a_smooth_and_of_a_kinked_line() -> None:
    assert directional_derivative(Counted(), X, V).kind == SMOOTH
    k = directional_derivative(lambda x: float(np.abs(x).sum()), np.array([0.0, 1.0]),
                               np.array([1.0, 1.0]))
    assert k.kind == KINK
    assert isinstance(k.kind, int)
    # |t| + (1 + t): one-sided derivatives 0 and 2
    assert k.lower == pytest.approx(0.0, abs=1e-8)
    assert k.upper == pytest.approx(2.0, rel=1e-8, abs=0)


def test_direction_errors() -> None:
    with pytest.raises(ValueError, match=r"^v must have the shape of x, \(3,\); got \(2,\)$"):
        directional_derivative(Counted(), X, np.ones(2))
    with pytest.raises(ValueError, match=r"^v must be a non-zero direction$"):
        directional_derivative(Counted(), X, np.zeros(3))
    with pytest.raises(ValueError, match=r"^directions must have shape \(K, \*\(3,\)\), got "
                                         r"\(2, 2\)$"):
        directional_derivatives(Counted(), X, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"directions must have shape \(K, \*\(3,\)\), got "
                                         r"\(3,\)$"):
        directional_derivatives(Counted(), X, np.ones(3))
    with pytest.raises(ValueError, match=r"^every direction must be non-zero$"):
        directional_derivatives(Counted(), X, np.array([V, np.zeros(3)]))
    with pytest.raises(ValueError, match="method"):
        directional_derivatives(Counted(), X, V[None], method="backward-ish")


def test_a_step_that_underflows_is_refused_except_for_the_complex_step() -> None:
    x = np.array([1e10, -1e10])
    with pytest.raises(ValueError, match=r"^step 1e-300 underflows along the direction: x \+ "
                                         r"step \* v == x for every entry; use a longer step "
                                         r"or the default$"):
        directional_derivative(Counted(), x, np.ones(2), step=1e-300)
    d = directional_derivative(lambda x: np.sum(x * x), x, np.ones(2), step=1e-300,
                               method="complex")
    assert d.value == pytest.approx(0.0, abs=1e-3)


def test_many_directions_share_the_baseline_and_count_every_call() -> None:
    f = Counted()
    vs = np.array([V, 2.0 * V, [0.0, 0.0, 1.0]])
    e = directional_derivatives(f, X, vs)
    assert e.evaluations == f.calls
    assert e.value.shape == e.error.shape == e.lower.shape == e.upper.shape == (3,)
    exact = np.cos(X) @ vs.T
    assert np.all(np.abs(e.value - exact) <= e.error)
    singles = Counted()
    for v in vs:
        directional_derivative(singles, X, v)
    assert f.calls < singles.calls  # f(x) and the noise probe once, not three times
    assert e.kind.tolist() == [SMOOTH] * 3


def test_an_integer_point_is_noted_first() -> None:
    e = directional_derivatives(Counted(), np.array([1, 2, 3]), V[None])
    assert e.notes[0] == "x had dtype int64; it was differentiated in float64"
    assert e.value[0] == pytest.approx(float(np.cos([1.0, 2.0, 3.0]) @ V), rel=1e-9, abs=0)


def test_findings_name_the_direction_they_belong_to() -> None:
    def f(x):
        return float(abs(x[1]) + x[0] ** 2)

    e = directional_derivatives(f, np.array([1.0, 0.0]),
                                np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    kink_notes = [n for n in e.notes if "kink" in n or "not differentiable" in n]
    assert kink_notes, e.notes
    assert not any("direction 0" in n for n in kink_notes)
    assert any("direction 1" in n for n in kink_notes)
    assert any("direction 2" in n for n in kink_notes)
    assert not any("the direction" in n for n in e.notes)
    assert e.kind.tolist() == [SMOOTH, KINK, KINK]


def test_vectorized_gives_the_same_derivatives() -> None:
    shapes = []

    def fv(xs):
        shapes.append(np.shape(xs))
        return np.sin(xs).sum(axis=-1)

    vs = np.array([V, [0.0, 1.0, 0.0]])
    a = directional_derivatives(fv, X, vs, vectorized=True)
    b = directional_derivatives(Counted(), X, vs)
    assert np.allclose(a.value, b.value, rtol=1e-9, atol=0)
    assert all(len(s) == 2 and s[1] == 3 for s in shapes)
    assert any(s[0] > 1 for s in shapes)


def test_a_complex_unsafe_function_is_refused() -> None:
    with pytest.raises(ValueError, match="f is not complex-safe"):
        directional_derivative(lambda x: np.sum(np.abs(x) ** 2), np.array([1.0, 2.0]),
                               np.array([1.0, 1.0]), method="complex")


def test_complex_agreement_bound() -> None:
    _complex_agrees(0.0, 0.5, 100.0, 0.5, 0.0)  # exactly 100 (0.5 + 0.5): agrees
    with pytest.raises(ValueError) as info:
        _complex_agrees(0.0, 0.5, 100.001, 0.5, 0.0)
    assert str(info.value) == (
        "the complex step disagrees with a real central difference along a random direction "
        "(0.0 vs 100.001): f is not complex-safe (abs, np.real, comparisons or casts drop the "
        "imaginary part); use method='richardson'")
    _complex_agrees(2.0, 0.0, 3.0, 0.0, 1e7)  # 1e-7 of the scale, 1
    with pytest.raises(ValueError):
        _complex_agrees(2.0, 0.0, 3.001, 0.0, 1e7)
    _complex_agrees(-1.0, 0.0, 0.0, 0.01, 0.0)
    with pytest.raises(ValueError):
        _complex_agrees(-1.0, 0.0, 0.0, 0.00999, 0.0)


# ----------------------------------------------------------------------------- noise, complex


def jagged(x):
    """A deterministic wiggle of amplitude 1e-9, far narrower than any step: noise."""
    return 1e-9 * np.sin(1e9 * np.sum(x * np.arange(1.0, x.size + 1.0) * np.pi))


def test_a_noisy_function_along_directions_is_noted_and_still_bounded() -> None:
    calls = []

    def f(x):
        calls.append(1)
        return float(np.sum(np.sin(x)) + jagged(x))

    vs = np.array([V, [0.0, 1.0, 0.0]])
    e = directional_derivatives(f, X, vs)
    assert e.evaluations == len(calls)
    exact = np.cos(X) @ vs.T
    assert np.all(np.abs(e.value - exact) <= e.error)
    assert np.all(e.error > 1e-9)  # the noise shows in the error bars
    noisy = [n for n in e.notes if n.startswith("f is noisy")]
    assert len(noisy) == 1
    assert noisy[0].startswith("f is noisy at the ")
    assert noisy[0].endswith("absolute)")  # no detectable to speak of here
    assert e.noise > 1e-10


def test_cross_check_of_a_complex_gradient_measures_its_disagreement() -> None:
    from checks.directional import _cross_check_complex
    from checks.noise import baseline

    calls = []

    def f(x):
        calls.append(1)
        return np.sin(x[0])

    x = np.array([0.7])
    base = baseline(f, x, False)
    g = np.array([np.cos(0.7)])
    calls.clear()
    evals, floor = _cross_check_complex(f, x, g, np.zeros(1), False, base)
    assert evals == len(calls) > 0
    assert 0.0 < floor < 1e-10  # only the reference's own error
    # an analytic value off by 1e-9: the floor is that disagreement (per unit of ||v||)
    evals, floor = _cross_check_complex(f, x, g + 1e-9, np.zeros(1), False, base)
    assert floor == pytest.approx(1e-9, abs=1e-10)
    with pytest.raises(ValueError, match="f is not complex-safe"):
        _cross_check_complex(f, x, 1.01 * g, np.zeros(1), False, base)
    # its own error bar widens what counts as agreement: 100 times it
    _cross_check_complex(f, x, 1.01 * g, np.full(1, 1e-3), False, base)


@pytest.mark.parametrize("width", [1e4, 1e6])
def test_a_feature_narrower_than_the_steps_is_seen_along_every_direction(width: float) -> None:
    # a step of height 2e-3 / width and width 1 / width at x_0 = 0.3: slope 1e-3 there
    calls = []

    def f(z):
        calls.append(1)
        return float(np.sum(np.sin(z)) + 1e-3 / width * np.tanh(width * (z[0] - 0.3)))

    vs = np.array([V, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    e = directional_derivatives(f, X, vs)
    exact = np.cos(X) @ vs.T + 1e-3 * vs[:, 0]
    assert np.all(np.abs(e.value - exact) <= e.error)
    assert np.all(e.error < 1e-5)  # fine enough to tell the 1e-3 apart
    assert e.evaluations == len(calls)
    assert e.kind.tolist() == [SMOOTH] * 3


def test_each_smooth_direction_costs_six_evaluations_more() -> None:
    # 6K + const with Richardson where f is smooth (directional_derivatives' docstring)
    rng = np.random.default_rng(1)
    counts = []
    for k in (1, 2, 3, 5):
        f = Counted()
        e = directional_derivatives(f, X, rng.standard_normal((k, 3)))
        assert e.evaluations == f.calls
        counts.append(e.evaluations)
    assert [c - counts[0] for c in counts] == [0, 6, 12, 24]


def test_the_step_of_a_line_that_descended_is_the_one_its_value_came_from() -> None:
    # a step of height 2e-7 and width 1e-4 at x_0 = 0.3 (slope 1e-3 there): the default
    # step along V (about 0.58) straddles it, and the estimate that resolves it comes from
    # steps shorter than its width -- the step reported is that one, not the default
    def f(z):
        return float(np.sum(np.sin(z)) + 1e-7 * np.tanh(1e4 * (z[0] - 0.3)))

    d = directional_derivative(f, X, V)
    exact = float(np.cos(X) @ V) + 1e-3 * V[0]
    assert abs(d.value - exact) <= d.error < 1e-6
    default = STEP_FACTORS["richardson"] * rms(X) / rms(V)
    assert d.step * abs(V[0]) < 1e-4 < default
