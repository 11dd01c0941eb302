"""More tests that a mutation run of ``checks/`` showed missing (``docs/MUTATION.md``).

Same rules as ``tests/test_engine_mutants.py``: each test pins down a behaviour a surviving
mutant changed without any other test noticing, is small and deterministic, and takes its
expected values from closed forms or from the documented rule, never from the engine's
output. Where the mutant weakens the checker, the test includes a wrong gradient that must be
rejected.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from checks import check_gradient, check_hessian, check_jacobian, estimate_gradient, taylor_test
from checks import strategies as S
from checks._util import EPS, DomainError, abs_max, default_steps, floor_steps
from checks.differences import STEP_FACTORS
from checks.evaluation import _BATCH_BYTES, _evaluate
from checks.ladder import JUMP, SMOOTH, UNRESOLVED, ladder
from checks.noise import baseline
from checks.search import Draws, SearchResult, _database_key


def _ladder_of(phi, h0, noise=0.0):
    """:func:`ladder` of the one-dimensional ``phi`` at ``0`` from the step ``h0`` (at ``x = 0``
    the applied steps are exactly ``h0 2^-j``)."""
    def evaluate(targets, entries):
        return np.array([[phi(float(t)) for t in row] for row in targets])

    return ladder(evaluate, np.array([0.0]), np.array([h0]), phi(0.0), noise)


# ------------------------------------------------------------------------------ _util


def test_a_domain_error_at_a_stencil_point_names_the_exception_the_point_and_the_domain():
    """``log(x_0)`` at ``x_0 = 1e-12``: the central stencil's ``x - h e_0`` is negative and
    ``math.log`` raises; the ``DomainError`` says what ``f`` raised, where, and why it is not
    a bug (kills ``_util.x_call_scalar__mutmut_12``, which raised it with no message)."""
    def g(v):
        return math.log(v[0]) + float(v[1] ** 2)

    with pytest.raises(DomainError) as info:
        estimate_gradient(g, np.array([1e-12, 3.0]), method="central")
    assert str(info.value) == ("f raised ValueError: math domain error at x + h e_(0,); the "
                               "point is outside f's domain")
    assert isinstance(info.value.__cause__, ValueError)


# ------------------------------------------------------------------------------ directional


def test_a_complex_step_on_a_function_that_drops_the_imaginary_part_says_so_in_full():
    """``sum(real(x)^2)`` drops the imaginary part of the complex step, whose derivative is
    then exactly 0: the error gives both derivatives and ends with the way out (kills
    ``directional.x__complex_agrees__mutmut_13``, which wrapped the advice in ``XX``)."""
    def real_square(v):
        return float(np.sum(np.real(v) ** 2))

    with pytest.raises(ValueError) as info:
        estimate_gradient(real_square, np.array([0.5, -1.5, 2.0]), method="complex")
    match = re.fullmatch(
        r"the complex step disagrees with a real central difference along a random "
        r"direction \((\S+) vs (\S+)\): f is not complex-safe \(abs, np\.real, comparisons "
        r"or casts drop the imaginary part\); use method='richardson'", str(info.value))
    assert match is not None, str(info.value)
    assert float(match.group(1)) == 0.0 and float(match.group(2)) != 0.0


# ------------------------------------------------------------------------------ evaluation


def test_a_vectorized_f_never_gets_a_batch_larger_than_the_batch_budget():
    """``x`` of ``2^21 + 1`` float64 entries is just over half of ``_BATCH_BYTES`` (32 MiB):
    one point fits in a batch, two do not, so ``f`` is called with one point at a time
    (module docstring of ``checks.evaluation``: stacks of at most ``_BATCH_BYTES``). Kills
    ``evaluation.x__evaluate__mutmut_53`` (at least two points per batch)."""
    n = 2**21 + 1
    assert 2 * n * 8 > _BATCH_BYTES >= n * 8
    x = np.zeros(n)
    seen = []

    def f(batch):
        seen.append(batch.nbytes)
        return batch[:, 0] + 2.0 * batch[:, 1]

    targets = np.array([[0.5], [-0.25]])  # entry 1 set to 0.5, then to -0.25
    values = _evaluate(f, x, targets, True, False, entries=np.array([1]))
    assert values[:, 0].tolist() == [1.0, -0.5]
    assert seen and max(seen) <= _BATCH_BYTES


# ------------------------------------------------------------------------------ crosscheck


@pytest.mark.parametrize("n", [4, 6])
def test_a_coupled_kink_direction_names_four_entries_and_marks_the_rest(n):
    """``max(x)`` at ``x = 0``: every entry is tied, and ``a = 1`` (the backward pass to every
    tied maximum) is no subgradient. The coupled-kink directions list the first four kink
    entries and ``...`` when there are more (kills ``crosscheck.x_coupled_kinks__mutmut_47``,
    which dropped the ``...``)."""
    x = np.zeros(n)
    r = check_gradient(lambda v: float(np.max(v)), lambda v: np.ones(n), (x,))
    assert r.verdict == "fail" and r.mismatched == 0, str(r)
    first_four = "(0,), (1,), (2,), (3,)"
    shown = first_four + (" ..." if n > 4 else "")
    assert r.crosschecks
    for j, c in enumerate(r.crosschecks):
        assert c.label.startswith(f"direction {j} mixing the kink entries {shown}"), c.label
        rest = c.label[len(f"direction {j} mixing the kink entries {shown}"):]
        assert rest in ("", " (the analytic gradient minus the middle of their intervals)",
                        " (all of them together)"), c.label
    # a subgradient (a convex combination of the unit vectors) passes
    assert check_gradient(lambda v: float(np.max(v)), lambda v: np.full(n, 1.0 / n),
                          (x,)).verdict == "pass"


# ------------------------------------------------------------------------------ ladder


def test_a_jump_is_followed_down_to_the_last_level_before_it_is_named():
    """A step of height 1 at 0 (``phi(t) = 1`` for ``t > 0``): the central differences grow
    like ``1/h`` at every level, so the entry descends to the bottom of the ladder,
    ``_MAX_HALVINGS = 40`` halvings (``h_0 10^-12``, module docstring), and only then is a
    jump: its step is ``h_0 2^-40`` (the longest of the last triple), after levels ``0 ..
    42`` (2 evaluations each). Kills ``ladder.x_ladder__mutmut_433`` (4 levels fewer)."""
    lad = _ladder_of(lambda t: 1.0 if t > 0 else 0.0, 1.0)
    assert lad.kind[0] == JUMP
    assert lad.step[0] == 2.0**-40 <= 1e-12
    assert lad.evaluations == 2 * 43


def test_an_imprecise_estimate_waits_five_irregular_levels_for_a_precise_one():
    """``sin(t)`` plus ``1e-3`` on ``h0/100 < |t| < h0/12`` (``h0 = 1/4``): levels 0-3 see
    only ``sin``, levels 4, 5, 6 see the even offset (it cancels in the central differences
    but makes ``J = F - B`` grow, so triples 4-7 are not candidates), levels 7 on ``sin``
    again. The triple ending at level 3 is taken with a truncation bound far above
    ``1e-10`` (imprecise); the ladder looks ``_PATIENCE = 5`` levels past it and takes the
    clean triple 6, 7, 8 (step ``h0 / 64``), whose bound is at round-off level. Kills
    ``ladder.x_ladder__mutmut_478`` (patience of 4: it stops at triple 7 with the
    imprecise estimate)."""
    h0 = 0.25

    def phi(t):
        return math.sin(t) + (1e-3 if h0 / 100 < abs(t) < h0 / 12 else 0.0)

    lad = _ladder_of(phi, h0)
    assert lad.kind[0] == SMOOTH
    # sin'(0) = 1; the bound holds and is the precision the ladder descends for
    assert abs(lad.value[0] - 1.0) <= lad.error[0] <= 1e-10
    assert lad.step[0] == h0 / 64


def test_an_unresolved_entry_has_the_spread_of_its_last_two_estimates_as_its_bound():
    """``phi(t) = t + 1e-3`` for ``t != 0``, ``phi(0) = 0``: ``f(x)`` does not fit its
    neighbours, so ``J = F - B = 2e-3 / h`` grows at every level and no triple is taken
    (unresolved, after 40 halvings); the offset cancels in every central difference,
    which is exactly ``1``, so the last two Richardson estimates agree to round-off and the
    bound (their spread plus ``T + E``, module docstring) is far below the value itself.
    Kills ``ladder.x_unsettled__mutmut_6`` (the bound ``|value|`` plus ``T + E``)."""
    lad = _ladder_of(lambda t: t + (1e-3 if t != 0 else 0.0), 1.0)
    assert lad.kind[0] == UNRESOLVED
    # T + E at the last step (2^-40): E = 7 eps 1e-3 / 2^-40 = 1.7e-6, T is round-off too
    assert abs(lad.value[0] - 1.0) <= lad.error[0] < 1e-3


# ------------------------------------------------------------------------------ noise


def test_a_cusp_where_f_is_zero_gets_the_probes_tightest_bound_as_its_noise():
    """``sqrt|x_0| + 3 (x_1 - 1)`` at ``(0, 1)``: along the probe's line ``f`` is ``sqrt`` at every
    spacing, never noise-like, so the noise is the tightest bound the probes gave (with the
    note), floored at ``eps |f(x)| = 0``. The check still judges the smooth entry: a wrong
    ``d/dx_1`` is rejected. Kills ``noise.x__measure__mutmut_255`` (``eps / |f(x)|``:
    division by zero)."""
    def f(v):
        return float(np.sqrt(abs(v[0])) + 3.0 * (v[1] - 1.0))

    x = np.array([0.0, 1.0])
    base = baseline(f, x, False)
    assert base.f0 == 0.0
    assert base.notes == ("the noise of f could not be measured cleanly (no probe spacing "
                          "gave noise-like differences); the tightest bound the probes gave "
                          "was used",)
    # a bound, not a measurement: positive, and below the variation of the sqrt along the
    # probe's first table (its points move x_0 by up to ~4e-8: sqrt of that is 2e-4)
    assert 0.0 < base.noise < 1e-4
    wrong = check_gradient(f, lambda v: np.array([0.0, 3.1]), (x,))
    assert wrong.verdict == "fail" and wrong.worst_index == (1,), str(wrong)


def test_at_a_subnormal_scale_point_the_probes_bound_stays_a_number():
    """``-1 + |(v - x)/1e-303|^2`` at ``x ~ 1e-303``: the probe's spacing ``1e-309`` is
    subnormal, so its slope's growth per unit of noise overflows to ``inf``; ``|f| <= 1 =
    |f(x)|`` near ``x``, so the round-off floor ``eps * reach`` equals the noise already
    measured and the baseline must stay as it is (``inf * 0`` would make the probe's bound
    ``nan``). The estimate then agrees with the probe, and a wrong entry is caught entry by
    entry. Kills ``noise.x_with_noise__mutmut_1`` (``<`` for ``<=``: the replace at equal
    noise)."""
    x0 = np.array([1e-303, -2e-303])

    def f(v):
        d = (v - x0) / 1e-303
        return float(-1.0 + np.sum(d * d))

    base = baseline(f, x0, False)
    assert base.noise == EPS * abs(base.f0) and base.slope_gain == np.inf  # the premise
    est = estimate_gradient(f, x0)
    assert est.inconsistent is None, est.inconsistent
    assert np.all(np.abs(est.value - 0.0) <= est.error)  # the gradient is 0 at the minimum
    wrong = check_gradient(f, lambda v: np.array([1e300, 0.0]), (x0,))
    assert wrong.verdict == "fail" and wrong.mismatched == 1 and wrong.worst_index == (0,), \
        str(wrong)


# ------------------------------------------------------------------------------ rule


def test_an_error_against_a_zero_numerical_gradient_is_infinitely_relative():
    """``|x|^2`` at 0: the numerical gradient is exactly 0 (the central differences of an
    even function), so any nonzero analytic entry is an infinite relative error (kills
    ``rule.x__compare__mutmut_33``, which reported 0)."""
    r = check_gradient(lambda v: float(v @ v), lambda v: np.array([1.0, 0.0]), (np.zeros(2),))
    assert r.verdict == "fail", str(r)
    assert np.all(r.numerical == 0.0)
    assert r.max_abs_error == 1.0 and r.max_rel_error == np.inf
    right = check_gradient(lambda v: float(v @ v), lambda v: 2.0 * v, (np.zeros(2),))
    assert right.max_abs_error == 0.0 and right.max_rel_error == 0.0


# ------------------------------------------------------------------------------ search


def test_functions_without_source_are_told_apart_by_their_qualified_names():
    """The database key names each function by module and qualified name: ``math.sin`` and
    ``math.cos`` (no source to read) must not share a key, or a failure saved for one search
    would be replayed into another (kills ``search.x__database_key__mutmut_14``, which
    dropped the qualified name)."""
    assert _database_key(math.sin, 1) != _database_key(math.cos, 1)
    assert _database_key(math.sin, 1) == _database_key(math.sin, 1)


def test_truth_of_a_search_result_is_refused_with_the_message():
    """``assert search_counterexample(...)`` would pass on any result: refused, with the
    message in full (kills ``search_results.xǁSearchResultǁ__bool____mutmut_5``)."""
    result = SearchResult(None, Draws(passed=3))
    with pytest.raises(TypeError) as info:
        bool(result)
    assert str(info.value) == ("use `.ok` or `.verdict` (or assert_no_counterexample) rather "
                               "than the truth of the result")


# ------------------------------------------------------------------------------ stencils


def test_the_step_of_a_refined_entry_is_the_one_its_value_came_from():
    """``sum(sin(30 x))``: the default central steps are truncation-dominated, so the fixed
    stencil refines them (``h/4``, ``h/16``); ``Estimate.step`` is the step each value came
    from: the central difference at it, computed here by hand, is the value
    (kills ``stencils.x__stencil__mutmut_160``, which reported the unrefined steps)."""
    def f(v):
        return float(np.sum(np.sin(30.0 * v)))

    x = np.array([0.3, -1.2, 2.0])
    est = estimate_gradient(f, x, method="central")
    for k in range(x.size):
        h = float(est.step[k])
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        by_hand = (f(up) - f(down)) / ((up[k] - x[k]) - (down[k] - x[k]))
        assert by_hand == est.value[k], (k, h)
    # the truth is within the bound, and at least one entry was refined (the premise)
    truth = 30.0 * np.cos(30.0 * x)
    assert np.all(np.abs(est.value - truth) <= est.error)
    assert np.any(est.step < floor_steps(x, default_steps(x, STEP_FACTORS["central"])))


# ------------------------------------------------------------------------------ strategies


def test_mlp_inputs_defaults_to_at_most_three_layers():
    """The docstring's default ``max_layers`` is 3: ``min_layers=4`` alone is refused with
    both bounds named (kills ``strategies.ml.x_mlp_inputs__mutmut_2``, default 4)."""
    with pytest.raises(ValueError) as info:
        S.mlp_inputs(min_layers=4)
    assert str(info.value) == "min_layers=4 must be <= max_layers=3"
    S.mlp_inputs(min_layers=3)  # the default bound itself is allowed


# ------------------------------------------------------------------------------ taylor


def test_taylor_test_names_the_direction_argument_when_it_is_not_real():
    """A complex direction is refused naming ``direction`` (kills
    ``taylor.x_taylor_test__mutmut_16``, which named ``DIRECTION``)."""
    with pytest.raises(ValueError) as info:
        taylor_test(lambda v: float(v @ v), lambda v: 2.0 * v, (np.ones(2),),
                    direction=np.array([1.0 + 1.0j, 0.0]))
    assert str(info.value) == "direction must be real, got complex dtype complex128"


def test_one_pair_that_cannot_be_judged_is_named_in_the_singular():
    """A Hessian check of ``|v_0 - 1| + |v|^2`` at ``v_0 = 1`` along one random pair: the
    second differences do not settle, the pair cannot be judged, and a wrong Hessian is not
    passed. The reason says "1 pair". Kills ``checks.rule.x__unjudged__mutmut_70``."""
    g = lambda v: float(abs(v[0] - 1.0) + v @ v)  # noqa: E731
    x = np.array([1.0, 0.3])
    r = check_hessian(g, lambda v: 2.0 * np.eye(2), (x,), mode="directional", directions=1)
    assert r.verdict == "inconclusive", str(r)
    assert r.reason.startswith("1 pair cannot be judged ((0,)): ")
    assert r.reason.endswith("; see the notes")
    wrong = check_hessian(g, lambda v: 7.0 * np.eye(2), (x,), mode="directional", directions=1)
    assert wrong.verdict != "pass", str(wrong)


def test_abs_max_of_arrays_other_than_float64():
    """``max|x|`` of a ``float32``, an integer and a complex array (kills
    ``checks._util.x_abs_max__mutmut_6``, which took the max of ``None``)."""
    assert abs_max(np.array([-3.0, 2.0], dtype=np.float32)) == 3.0
    assert abs_max(np.array([1, -7, 4])) == 7.0
    assert abs_max(np.array([3.0 + 4.0j, -1.0])) == 5.0
    assert abs_max(np.zeros(0, dtype=np.float32)) == 0.0
    assert abs_max(np.array([-2.5, 1.0])) == 2.5


def test_a_vectorized_map_gets_each_ladder_level_of_every_output_in_one_call():
    """A Jacobian of a vectorized ``f`` : the rows share their points through the memo, and a
    ladder level's points go to ``f`` in one batch (``checks._memo``'s docstring) -- the
    first level of 3 entries, ``x +- h_k e_k`` at three steps, is one call of 18 points, not
    18 calls of one (kills ``checks.evaluation.x__evaluate__mutmut_46``, which sent a memo's
    entries down the point-by-point loop)."""
    a = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
    x = np.array([0.5, -1.0, 2.0])
    batches = []

    def fv(zs):
        batches.append(len(zs))
        return np.tanh(zs @ a.T)

    r = check_jacobian(fv, lambda z: (1.0 - np.tanh(a @ z) ** 2)[:, None] * a, (x,),
                       vectorized=True)
    assert r.verdict == "pass", str(r)
    assert 3 * 6 in batches
    assert sum(batches) == r.evaluations
    assert len(batches) < 10, batches  # one per level and probe, not one per point
