"""The finite-difference engine (``checks.differences``) against known derivatives.

Accuracy is measured against gradients evaluated in extended precision (see
``tests/_functions.py``) as the worst error relative to ``max |exact|``; the error estimate
that every method returns must bound the true error, entry by entry, with the default safety
factor of ``check_gradient``. Convergence orders are fitted as log-log slopes. Then
vectorized evaluation, directional derivatives, the Hessian, and every bad input.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, example, given, note
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from checks import (
    DEFAULT_SAFETY,
    STEP_FACTORS,
    directional_derivative,
    directional_derivatives,
    estimate_gradient,
    numerical_gradient,
    numerical_hessian,
)
from checks import strategies as S
from tests._functions import (
    CASE_IDS,
    CASES,
    MAX_CONDITION,
    REFERENCE_EPS,
    by_id,
    condition,
    fewer,
    poly0,
    poly0_grad,
    quadratic_form,
    reference_gradient,
    sin_exp,
    sin_exp_grad,
    small_arrays,
    trace_cube,
    trace_cube_grad,
)

METHODS = ("forward", "central", "richardson", "complex")

#: Worst error relative to max|exact| that each method must reach on the functions of
#: ``tests/_functions.py`` (issue 2); forward differences, whose error depends on the
#: curvature of f, are held entry by entry to their error analysis instead
#: (:func:`forward_error_bound`). The reference gradient's own round-off (about
#: MAX_CONDITION ulps of REFERENCE_EPS, negligible where ``np.longdouble`` has extended
#: precision) is added: it is not the engine's error.
RELATIVE_BOUND = {
    method: bound + 4.0 * MAX_CONDITION * REFERENCE_EPS
    for method, bound in {"central": 1e-9, "richardson": 1e-12, "complex": 1e-15}.items()
}

cases = pytest.mark.parametrize("case", CASES, ids=CASE_IDS)


# ------------------------------------------------------------------------------ accuracy


#: Slack of the forward-difference bound (:func:`forward_error_bound`). The bound is attained
#: where truncation dominates (a quadratic's error is exactly ``h f_kk / 2``); what it leaves
#: out is the variation of ``f_kk`` within the step and the extended-precision reference's own
#: round-off. Measured worst error / bound over 7,000 draws of the cases: 1.0000 (0.99999999),
#: so a forward difference with the error of twice its step fails.
FORWARD_SLACK = 1.25


def _moved(x: np.ndarray, k: int, h: float) -> np.ndarray:
    y = np.array(x, dtype=float)
    y.flat[k] = x.flat[k] + h
    return y


def _rounding(case, y: np.ndarray) -> float:
    """``|r(y)|``: f computed in float64 minus f in extended precision, at ``y``."""
    exact = np.longdouble(case.f(y.astype(np.longdouble)))
    return float(abs(np.longdouble(case.f(y)) - exact))


def _curvature(case, y: np.ndarray, k: int) -> float:
    """``|d^2 f / dx_k^2|`` at ``y``: a central difference of the extended-precision gradient
    with a step of ``2^-20`` of the scale of ``y`` (error ~1e-12 relative)."""
    scale = max(abs(float(y.flat[k])), float(np.sqrt(np.mean(np.square(y)))))
    d = np.longdouble(2.0**-20) * np.longdouble(scale if scale > 0 else 1.0)
    up, down = y.astype(np.longdouble), y.astype(np.longdouble)
    up.flat[k] += d
    down.flat[k] -= d
    diff = np.asarray(case.grad(up)).flat[k] - np.asarray(case.grad(down)).flat[k]
    return float(abs(diff / (2 * d)))


def forward_steps(x: np.ndarray) -> np.ndarray:
    """The forward difference's documented step ``sqrt(eps) max(|x_k|, rms(x))`` (``rms`` 1
    at ``x = 0``): it balances the two terms of the bound below for ``f`` of unit size and
    curvature on the scale of ``x``."""
    rms = float(np.sqrt(np.mean(np.square(x)))) if np.any(x) else 1.0
    return np.sqrt(np.finfo(float).eps) * np.maximum(np.abs(x), rms)


def forward_error_bound(case, x: np.ndarray, value: np.ndarray) -> np.ndarray:
    r"""Per entry, the error the forward difference may have at ``x`` (see the docstring of
    :func:`test_estimate_is_accurate_and_its_error_bar_holds`), over the steps it may use:
    :func:`forward_steps` ``h`` and, where truncation dominated, ``h/4`` and ``h/16``."""
    bound = np.zeros(x.shape)
    r0 = _rounding(case, x)
    steps = forward_steps(x)
    for k in range(x.size):
        worst = 0.0
        for shorter in (1.0, 4.0, 16.0):
            y = _moved(x, k, float(steps.flat[k]) / shorter)
            h = float(y.flat[k] - x.flat[k])  # the step applied: exactly representable
            curvature = max(_curvature(case, x, k), _curvature(case, y, k))
            roundoff = r0 + _rounding(case, y) + 4 * REFERENCE_EPS * abs(float(case.f(y)))
            worst = max(worst, h / 2 * curvature + roundoff / h)
        bound.flat[k] = worst + np.finfo(float).eps * abs(float(value.flat[k]))
    return bound


@pytest.mark.parametrize("method", METHODS)
@cases
@given(data=st.data())
def test_estimate_is_accurate_and_its_error_bar_holds(case, method, data):
    r"""Central, Richardson and the complex step reach their relative targets
    (``RELATIVE_BOUND``) away from stationary points; the forward difference reaches the
    bound of its error analysis, entry by entry, everywhere; every method's error bar holds.

    The forward difference's error. With ``f`` computed as ``f + r`` (``r`` its round-off)
    and the applied step ``h`` (exactly representable, so the divisor is exact),

    .. math::

        D_k = \frac{\hat f(x + h e_k) - \hat f(x)}{h}
            = g_k + \frac{h}{2} f_{kk}(\xi) + \frac{r(x + h e_k) - r(x)}{h},
        \qquad \xi \in [x, x + h e_k]

    (Taylor's theorem with the Lagrange remainder), so, with ``eps |D_k|`` for the division,

    .. math::

        |D_k - g_k| \le \frac{h}{2} \max_{[x, x + h e_k]} |f_{kk}|
            + \frac{|r(x)| + |r(x + h e_k)|}{h} + \varepsilon |D_k|.

    The test measures each term independently of the engine: ``f_kk`` at both ends of the step
    (over a step of at most ``sqrt(eps) * 4`` it is monotone for these functions), by a central
    difference of the extended-precision gradient; ``r`` as float64 ``f`` minus extended
    ``f``. ``h`` is the documented step (:func:`forward_steps`, computed here, not read from
    the engine) or, where the engine finds truncation dominant, ``h/4`` or ``h/16``
    (``checks.differences._estimate``): the largest of the three bounds counts. The bound is
    sharp (a quadratic's error is exactly ``h f_kk / 2``), so it is checked with a slack of
    ``FORWARD_SLACK``, not the error bar's ``safety``: a forward difference with twice the
    error its analysis allows, or at a longer step than documented, fails.
    """
    x = data.draw(case.inputs, label="x")
    est = estimate_gradient(case.f, x, method=method)
    exact = reference_gradient(case, x)
    err = np.abs(est.value - exact).astype(float)
    kappa = condition(case, x)
    note(f"method={method}, step={est.step}, error={err}, estimate={est.error}, "
         f"condition={kappa:.3g}")
    if method == "forward":
        bound = forward_error_bound(case, x, est.value)
        note(f"forward error bound={bound}")
        assert np.all(err <= FORWARD_SLACK * bound), (
            f"forward error {err.ravel()[np.argmax(err / np.maximum(bound, 1e-300))]:.3g} "
            f"exceeds {FORWARD_SLACK:g} x its analysis' bound; errors {err}, bounds {bound}"
        )
    elif kappa <= MAX_CONDITION:
        # Near a stationary point the relative error of any difference formula grows like the
        # cancellation factor kappa (see tests/_functions.py): the targets hold away from them.
        rel = float(np.max(err) / np.max(np.abs(exact)))
        note(f"relative error={rel:.3g}")
        assert rel <= RELATIVE_BOUND[method]
    else:
        note("near a stationary point: no relative target, the error bar is checked below")
    # the error estimate bounds the true error, entry by entry, at every point
    assert np.all(err <= DEFAULT_SAFETY * est.error), (
        f"true error {err.max():.3g} exceeds {DEFAULT_SAFETY:g} x the estimate "
        f"{est.error.ravel()[np.argmax(err)]:.3g}"
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "f, grad, x",
    [
        (poly0, poly0_grad, np.array(1.0)),  # x^5 - 3x^2 + x has f'(1) = 0
        (trace_cube, trace_cube_grad, np.zeros((3, 3))),  # grad tr(X^3) = 0 at X = 0
    ],
    ids=["poly-0d-at-1", "trace-cube-at-0"],
)
def test_error_estimate_holds_at_a_stationary_point(f, grad, x, method):
    # Regression: the complex step's estimate, 10 eps (|value| + max|value|), is relative to
    # the computed derivative only, so it vanishes where the gradient does, while the round-off
    # of Im f(x + ih)/h is eps times the terms that cancel (4.5e-16 at x = 1 for poly-0d) and
    # the truncation h^2 f'''/6 is 1e-40 at X = 0. check_gradient(method="complex") then
    # rejects the exact (zero) gradient.
    est = estimate_gradient(f, x, method=method)
    err = np.abs(est.value - grad(x))
    assert np.all(err <= DEFAULT_SAFETY * est.error), f"value {est.value}, estimate {est.error}"


@pytest.mark.parametrize("method", METHODS)
@given(x=small_arrays(min_dims=0, max_dims=3))
@fewer(2)
def test_output_is_float64_of_the_input_shape(method, x):
    est = estimate_gradient(sin_exp, x, method=method)
    for name in ("value", "error", "step"):
        a = getattr(est, name)
        assert a.dtype == np.float64, f"{name}.dtype={a.dtype}, but should be float64"
        assert a.shape == x.shape, f"{name}.shape={a.shape}, but should be {x.shape}"
    assert est.method == method
    assert np.all(est.error >= 0) and np.all(est.step > 0)


@pytest.mark.parametrize("method", METHODS)
@given(x=small_arrays(min_dims=1, max_dims=2), s=S.scales())
@fewer(2)
def test_default_steps_scale_with_the_input(method, x, s):
    """The first step is ``h_k = c * max(|x_k|, rms(x))``, at ``x`` and at ``s x`` alike (so
    multiplying x by s multiplies it by s). The reported step is the one each entry's value
    came from: that step itself or divided by 4 once or twice (forward, central: a
    truncation-dominated step refined), or halved ``j >= 0`` times (Richardson: as the entry's
    ladder needed). Whether an entry is refined is decided on differences at the level of
    round-off, which do not scale exactly, so the reported steps at ``x`` and ``s x`` may
    differ by these factors (``x = [3.9375]``, ``s = 749.89...``, central: ``h`` and
    ``s h / 4``)."""
    assume(np.any(x))
    base = 2.0 if method == "richardson" else 4.0
    for y, fun in ((x, sin_exp), (x * s, lambda u: sin_exp(u / s))):
        h = estimate_gradient(fun, y, method=method).step
        top = STEP_FACTORS[method] * np.maximum(np.abs(y), np.sqrt(np.mean(y**2)))
        divisions = np.log(top / h) / np.log(base)
        np.testing.assert_allclose(divisions, np.round(divisions), atol=1e-9)
        assert np.all(np.round(divisions) >= 0)
        if method != "richardson":
            assert np.all(np.round(divisions) <= 2), f"refined more than twice: {divisions}"


# ------------------------------------------------------------------------------ convergence


def _slope(steps, errors) -> float:
    return float(np.polyfit(np.log(steps), np.log(errors), 1)[0])


def _exp_sum(x):
    return np.sum(np.exp(x))


CONVERGENCE_POINTS = [
    pytest.param(sin_exp, sin_exp_grad, np.array([0.3, -0.7, 1.1]), id="sin-exp"),
    pytest.param(_exp_sum, np.exp, np.array(0.5), id="exp-0d"),
]


def _central(f, x, h):
    return numerical_gradient(f, x, method="central", step=h)


@pytest.mark.parametrize(
    "scheme, order, steps",
    [
        # each range keeps truncation far above round-off (eps / h ~ 1e-12 at the low end)
        ("forward", 1, np.geomspace(1e-1, 1e-4, 7)),
        ("central", 2, np.geomspace(1e-1, 1e-3, 7)),
        ("one Richardson step", 4, np.geomspace(2e-1, 1e-2, 7)),
    ],
)
@pytest.mark.parametrize("f, grad, x", CONVERGENCE_POINTS)
def test_convergence_order(f, grad, x, scheme, order, steps):
    def estimate(h):
        if scheme == "forward":
            return numerical_gradient(f, x, method="forward", step=h)
        if scheme == "central":
            return _central(f, x, h)
        return (4.0 * _central(f, x, h / 2) - _central(f, x, h)) / 3.0

    errors = [np.max(np.abs(estimate(h) - grad(x))) for h in steps]
    slope = _slope(steps, errors)
    assert abs(slope - order) <= 0.3, f"{scheme}: slope {slope:.3f}, errors {errors}"


# ------------------------------------------------------------------------------ vectorized


def _sin_exp_batched(X):
    """``sin_exp`` over a leading batch axis: shape ``(B, *x.shape) -> (B,)``."""
    return np.sum(np.sin(X) * np.exp(X / 2.0), axis=tuple(range(1, X.ndim)))


def _trace_cube_batched(X):
    return np.trace(X @ X @ X, axis1=-2, axis2=-1)


class _Counter:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


@pytest.mark.parametrize("method", METHODS)
@given(x=small_arrays(min_dims=1, max_dims=1))
def test_vectorized_gives_the_numbers_of_the_loop_in_fewer_calls(method, x):
    # elementwise ops and a sum along one contiguous axis round identically with and without
    # the batch axis, so the estimates are bitwise equal
    loop, batched = _Counter(sin_exp), _Counter(_sin_exp_batched)
    a = estimate_gradient(loop, x, method=method)
    b = estimate_gradient(batched, x, method=method, vectorized=True)
    note(f"method={method}, calls: loop {loop.calls}, vectorized {batched.calls}")
    np.testing.assert_array_equal(b.value, a.value)
    np.testing.assert_array_equal(b.error, a.error)
    assert a.evaluations == b.evaluations == loop.calls
    assert batched.calls < loop.calls


@pytest.mark.parametrize("method", METHODS)
def test_vectorized_calls_do_not_grow_with_the_size(method):
    calls = {}
    for n in (1, 8, 200):
        f = _Counter(_sin_exp_batched)
        estimate_gradient(f, np.linspace(-1.0, 1.0, n), method=method, vectorized=True)
        calls[n] = f.calls
    # one call for f(x), two for the noise probes, one per stencil pass: the first, plus at
    # most two refinements of entries whose step proved long -- whatever the size
    assert all(c <= 3 + 1 + 2 for c in calls.values()), calls


@pytest.mark.parametrize("method", METHODS)
@given(X=S.square_matrices(min_side=2, max_side=6))
@fewer(2)
def test_vectorized_matrix_function_agrees_within_round_off(method, X):
    # a batched matmul may round differently from a single one: agreement within the
    # estimated error (which contains the round-off) is what "the same numbers" can mean
    a = estimate_gradient(trace_cube, X, method=method)
    b = estimate_gradient(_trace_cube_batched, X, method=method, vectorized=True)
    assert np.all(np.abs(a.value - b.value) <= a.error + b.error)


def test_vectorized_f_of_the_wrong_output_shape_is_an_error():
    with pytest.raises(ValueError, match=r"vectorized f must map a batch.*\(B,\)"):
        estimate_gradient(sin_exp, np.ones(3), vectorized=True)  # returns a scalar


@pytest.mark.parametrize("method", METHODS)
def test_evaluations_count_the_calls_of_f(method):
    f = _Counter(sin_exp)
    est = estimate_gradient(f, np.linspace(-1.0, 1.0, 5), method=method)
    assert est.evaluations == f.calls


# ------------------------------------------------------------------------------ directional


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
@cases
@given(data=st.data())
@fewer(2)
def test_directional_derivative_is_the_gradient_dotted_with_v(case, method, data):
    x = data.draw(case.inputs, label="x")
    v = data.draw(arrays(np.float64, x.shape, elements=S.elements()), label="v")
    assume(np.any(v))
    est = directional_derivative(case.f, x, v, method=method)
    exact = float(np.sum(reference_gradient(case, x) * v))
    note(f"method={method}, step={est.step}, value={est.value}, exact={exact}, "
         f"estimate={est.error}")
    assert abs(est.value - exact) <= DEFAULT_SAFETY * est.error


@pytest.mark.parametrize("method", METHODS)
def test_directional_derivative_costs_the_same_for_any_size(method):
    counts = set()
    for n in (1, 10, 1000):
        f = _Counter(lambda x: np.sum(np.sin(x)))
        x = np.linspace(0.1, 1.0, n)
        est = directional_derivative(f, x, np.cos(np.arange(n)), method=method)
        assert est.evaluations == f.calls
        counts.add(f.calls)
    # the same stencil for every size; Richardson's ladder may take one more level (2 calls)
    assert max(counts) - min(counts) <= (2 if method in ("richardson", "complex") else 0), (
        f"{method}: calls {counts} depend on x.size")


@pytest.mark.parametrize("method", METHODS)
@given(x=small_arrays(min_dims=1, max_dims=2), k=st.integers(1, 4))
@fewer(2)
def test_directional_derivatives_agree_with_one_direction_at_a_time(method, x, k):
    vs = np.random.default_rng(k).standard_normal((k,) + x.shape)
    many = directional_derivatives(sin_exp, x, vs, method=method)
    assert many.value.shape == many.error.shape == (k,)
    exact = np.array([float(np.sum(reference_gradient(by_id("sin-exp"), x) * v)) for v in vs])
    note(f"method={method}, values={many.value}, exact={exact}, estimates={many.error}")
    assert np.all(np.abs(many.value - exact) <= DEFAULT_SAFETY * many.error)
    for j, v in enumerate(vs):
        one = directional_derivative(sin_exp, x, v, method=method)
        assert abs(one.value - many.value[j]) <= one.error + many.error[j]


@pytest.mark.parametrize(
    "directions, match",
    [(np.ones((2, 4)), r"directions must have shape \(K, \*\(3,\)\)"),
     (np.ones(3), r"directions must have shape"),
     (np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), "every direction must be non-zero")],
    ids=["wrong-shape", "missing-k-axis", "zero-direction"],
)
def test_directional_derivatives_rejects_bad_directions(directions, match):
    with pytest.raises(ValueError, match=match):
        directional_derivatives(sin_exp, np.ones(3), directions)


@given(x=small_arrays(min_dims=1, max_dims=2), s=S.scales(min_scale=1e-6, max_scale=1e6))
def test_directional_derivative_is_linear_in_v(x, s):
    v = np.random.default_rng(0).standard_normal(x.shape)
    d1 = directional_derivative(sin_exp, x, v)
    ds = directional_derivative(sin_exp, x, s * v)
    assert abs(ds.value - s * d1.value) <= DEFAULT_SAFETY * (ds.error + s * d1.error)


def test_directional_derivative_vectorized_matches_the_loop():
    x, v = np.array([0.3, -0.7, 1.1]), np.array([1.0, 2.0, -0.5])
    a = directional_derivative(sin_exp, x, v)
    b = directional_derivative(_sin_exp_batched, x, v, vectorized=True)
    assert b.value == pytest.approx(a.value, abs=a.error + b.error)
    assert b.value == pytest.approx(float(sin_exp_grad(x) @ v), abs=DEFAULT_SAFETY * b.error)


def _sin_and_kink(v):
    """``sin(v_0) + sin(v_1) + |v_2 - 0.5|``: smooth along ``(1, 2, 0)``, a kink along any
    direction that moves ``v_2`` at ``v_2 = 0.5``."""
    return float(np.sum(np.sin(v[:2])) + abs(v[2] - 0.5))


def test_directions_that_disagree_with_the_probes_slope_are_unresolved_and_say_so():
    """The noise probe runs along the first direction; where its slope and that direction's
    ladder disagree even at steps ``1024^2`` times shorter (a feature narrower than the
    steps, which only the probe saw: here a probe slope off by 10, far beyond its bound),
    no direction's estimate can be trusted: each is unresolved, the notes say why and keep
    what the other directions found, and every evaluation is counted (the directions run
    twice, the second time at the shorter steps)."""
    import dataclasses

    from checks.directional import along_directions
    from checks.noise import baseline

    x = np.array([0.3, -1.2, 0.5])
    vs = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 1.0]])
    base = baseline(_sin_and_kink, x, False, direction=vs[0])
    assert base.slope is not None and base.slope_error < 1e-3
    f = _Counter(_sin_and_kink)
    honest = along_directions(f, x, vs, method="richardson", step=None, vectorized=False,
                              base=base)
    assert honest.kind.tolist() == [0, 1] and honest.evaluations == f.calls
    assert abs(honest.value[0] - float(np.cos(x[:2]) @ vs[0, :2])) <= honest.error[0]
    off = dataclasses.replace(base, slope=base.slope + 10.0)
    f = _Counter(_sin_and_kink)
    est = along_directions(f, x, vs, method="richardson", step=None, vectorized=False,
                           base=off)
    assert est.kind.tolist() == [4, 4]  # checks.ladder.UNRESOLVED: not judged
    assert est.evaluations == f.calls > honest.evaluations
    assert len(est.notes) == 2, est.notes
    assert est.notes[0].startswith("not differentiable at direction 1: one-sided derivatives")
    assert est.notes[1].startswith(
        "the directional estimates disagree with the derivative along a random direction "
        "measured at spacing 1e-06 rms(x) (by ")
    assert est.notes[1].endswith("f has a feature narrower than the steps tried; pass a "
                                 "shorter step=")


@pytest.mark.parametrize(
    "v, match",
    [(np.zeros(3), "non-zero direction"), (np.ones(4), r"shape of x"),
     (np.array([1.0, np.nan, 0.0]), "v contains non-finite")],
    ids=["zero", "wrong-shape", "nan"],
)
def test_directional_derivative_rejects_a_bad_direction(v, match):
    with pytest.raises(ValueError, match=match):
        directional_derivative(sin_exp, np.ones(3), v)


# ------------------------------------------------------------------------------ Hessian


@given(wA=S.vector_and_square_matrix())
def test_hessian_of_a_quadratic_form_is_a_plus_a_transpose(wA):
    w, A = wA
    H = numerical_hessian(lambda u: quadratic_form(u, A), w).value
    # second differences of a quadratic are exact up to round-off eps |f| / (h_i h_j) with
    # h = eps^(1/4) max(|w_k|, rms(w)): about sqrt(eps) n^2 max|A| at worst (measured 3e-8)
    note(f"max |H - (A + A^T)| = {np.max(np.abs(H - (A + A.T))):.3g}")
    assert H.shape == (w.size, w.size)
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_allclose(H, A + A.T, rtol=0, atol=1e-6 * max(np.max(np.abs(A)), 1e-300))


def test_hessian_of_a_matrix_argument_is_ordered_as_ravel():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    H = numerical_hessian(lambda Y: np.sum(Y.ravel() ** 2 * np.arange(1, 5)), X).value.reshape(4, 4)
    np.testing.assert_allclose(H, np.diag([2.0, 4.0, 6.0, 8.0]), atol=1e-6)


# ------------------------------------------------------------------------------ bad inputs


BAD_CALLS = [
    pytest.param(lambda x: x * 2.0, np.ones(3), {}, "f must return a scalar", id="non-scalar-f"),
    pytest.param(lambda x: np.sum(x), np.array([1.0, np.nan]), {},
                 r"x contains non-finite values: .*nan.* at index \(1,\)", id="nan-x"),
    pytest.param(lambda x: np.sum(x), np.array([[1.0, 2.0], [np.inf, 0.0]]), {},
                 r"x contains non-finite values: .*inf.* at index \(1, 0\)", id="inf-x"),
    pytest.param(lambda x: np.sum(x) + np.nan, np.ones(2), {}, r"f returned .*nan", id="nan-f"),
    pytest.param(lambda x: np.inf * np.sum(x), np.ones(2), {}, r"f returned .*inf", id="inf-f"),
    pytest.param(lambda x: np.where(x[0] == 1.0, np.inf, 0.0), np.ones(2), {},
                 r"f returned .*inf.* at x;",
                 id="inf-f-at-x"),
    pytest.param(lambda x: np.sum(x), np.ones(2), {"method": "backward"},
                 r"method must be one of 'forward', 'central', 'richardson', 'complex'; "
                 r"got 'backward'", id="unknown-method"),
    pytest.param(lambda x: np.sum(x), np.ones(2), {"step": 0.0}, r"step must be finite and > 0",
                 id="zero-step"),
    pytest.param(lambda x: np.sum(x), np.ones(2), {"step": -1e-3}, r"step must be finite and > 0",
                 id="negative-step"),
    pytest.param(lambda x: np.sum(x), np.ones(2), {"step": np.array([1e-3, 0.0])},
                 r"step must be finite and > 0", id="zero-entry-step"),
    pytest.param(lambda x: np.sum(x), np.ones(2), {"step": np.nan}, r"step must be finite",
                 id="nan-step"),
    pytest.param(lambda x: np.sum(x), np.ones(2), {"step": np.ones(3)},
                 r"step must be a scalar or have shape \(2,\)", id="step-shape"),
    pytest.param(lambda x: "one", np.ones(2), {}, r"f must return a real number",
                 id="string-f"),
    pytest.param(lambda x: np.sum(x), np.array([1 + 2j]), {}, r"x must be real", id="complex-x"),
]


@pytest.mark.parametrize("f, x, kwargs, match", BAD_CALLS)
def test_bad_input_is_a_clear_error(f, x, kwargs, match):
    with pytest.raises(ValueError, match=match):
        estimate_gradient(f, x, **kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"method": "backward"}, r"method must be one of"), ({"step": 0.0}, r"step must be")],
)
def test_directional_derivative_validates_like_the_gradient(kwargs, match):
    with pytest.raises(ValueError, match=match):
        directional_derivative(sin_exp, np.ones(2), np.ones(2), **kwargs)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int8, bool])
def test_non_float64_input_is_differentiated_in_float64_and_noted(method, dtype):
    x = np.array([1, 0, 1, 1], dtype=dtype)
    seen = []

    def f(u):
        seen.append(u.dtype)
        return np.sum(u**3)

    est = estimate_gradient(f, x, method=method)
    assert est.value.dtype == np.float64
    assert set(seen) <= {np.dtype(np.float64), np.dtype(np.complex128)}
    assert any(f"dtype {np.dtype(dtype)}" in n and "float64" in n for n in est.notes), est.notes
    np.testing.assert_allclose(est.value, 3.0 * x.astype(float) ** 2, atol=1e-6)


def test_float64_input_has_no_note():
    assert estimate_gradient(sin_exp, np.ones(2)).notes == ()


def _abs_cubed(x):
    return np.sum(np.abs(x) ** 3)


def _real_square(x):
    return np.sum(np.real(x) ** 2)


def _math_sin(x):
    return math.sin(x.item())  # a Python complex makes math.sin raise TypeError


@pytest.mark.parametrize(
    "f, x",
    [(_abs_cubed, np.array([0.5, -1.5, 2.0])), (_real_square, np.array([[1.0, 2.0]])),
     (_math_sin, np.array(0.3))],
    ids=["abs", "real", "math.sin"],
)
def test_complex_step_on_a_function_that_is_not_complex_safe_is_an_error(f, x):
    with pytest.raises(ValueError, match="complex-safe"):
        estimate_gradient(f, x, method="complex")
    with pytest.raises(ValueError, match="complex-safe"):
        directional_derivative(f, x, np.ones(x.shape), method="complex")


@example(x=np.array(1.0))
@given(x=small_arrays(min_dims=0, max_dims=1))
def test_complex_step_cross_check_accepts_complex_safe_functions(x):
    est = estimate_gradient(poly0 if x.ndim == 0 else sin_exp, x, method="complex")
    assert np.all(np.isfinite(est.value))
