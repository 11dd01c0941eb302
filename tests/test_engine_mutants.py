"""Tests that the mutation run of ``checks/`` showed missing (``docs/MUTATION.md``).

Each test pins down a behaviour that a surviving mutant changed without any other test
noticing: an argument passed on, an error message in full, a boundary of a rule, an
exception that must propagate unchanged. They are small and deterministic (fixed points,
fixed seeds) and each can fail: a test of the checker includes a wrong gradient it must
reject. Tolerances come from the engine's stated error bounds, never from its output.
"""

from __future__ import annotations

import os
import re
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import checks
from checks import (
    assert_gradient,
    check_gradient,
    estimate_gradient,
    numerical_gradient,
    taylor_test,
)
from checks.diagnosis import diagnose
from checks.ladder import RELIABLE, ladder
from checks.probe import _PROBE_T, probe_slope
from checks.rule import _detectable_by_entry
from checks.search import Counterexample, format_inputs
from tests._functions import sin_exp, sin_exp_grad

EPS = float(np.finfo(float).eps)
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ
X3 = np.array([0.3, -1.2, 2.0])


def flat(v):
    """``1 + 1e-20 |v|^2``: its gradient is far below what differences of ``f`` resolve."""
    return 1.0 + 1e-20 * float(v @ v)


def flat_grad(v):
    return 2e-20 * v


# ------------------------------------------------------------------------------ _util


@pytest.mark.parametrize("step", [Fraction(1, 1000), Decimal("0.001")],
                         ids=["Fraction", "Decimal"])
def test_a_step_of_any_real_number_type_is_the_same_float_step(step):
    """``user_steps`` converts the step to float64 before testing it (a ``Fraction`` or a
    ``Decimal`` makes an object array that ``isfinite`` refuses)."""
    ref = estimate_gradient(sin_exp, X3, step=1e-3)
    est = estimate_gradient(sin_exp, X3, step=step)
    assert np.array_equal(est.value, ref.value)
    assert np.array_equal(est.step, ref.step)


# ------------------------------------------------------------------------------ differences


def test_numerical_gradient_defaults_to_richardson_and_returns_the_estimate_value():
    value = numerical_gradient(sin_exp, X3)
    assert np.array_equal(value, estimate_gradient(sin_exp, X3, method="richardson").value)
    # Richardson's error bound at the default step is far below 1e-8 here (module docstring
    # of checks.differences: O(h^6) truncation, eps/h round-off)
    assert np.max(np.abs(value - sin_exp_grad(X3))) < 1e-8 * np.max(np.abs(sin_exp_grad(X3)))


def test_numerical_gradient_passes_vectorized_on():
    calls = []

    def batch_only(batch):
        calls.append(batch.shape)
        assert batch.ndim == 2, "called with a single point, not a batch"
        return np.sum(batch**2, axis=1)

    x = np.array([1.0, -2.0])
    value = numerical_gradient(batch_only, x, vectorized=True)
    assert np.max(np.abs(value - 2.0 * x)) < 1e-8
    assert calls and all(len(s) == 2 for s in calls)


@pytest.mark.parametrize(
    "x0, step, side",
    [(1.0, 1e-16, "x + h"), (-1.0, 1e-16, "x - h")],
    ids=["lost-upwards", "lost-downwards"],
)
def test_a_user_step_lost_on_one_side_only_is_refused_with_the_entry(x0, step, side):
    """``x + h == x`` or ``x - h == x`` (either side alone) makes a step unusable. At
    ``x = 1`` a step of ``1e-16`` is lost upwards (the spacing above 1 is ``2 eps``) but not
    downwards (``eps``); at ``x = -1`` the other way round."""
    x = np.array([0.5, x0])
    assert (x0 + step == x0) == (side == "x + h")
    assert (x0 - step == x0) == (side == "x - h")
    expected = (
        f"^step {_num(step)} underflows at entry \\(1,\\): x \\+ h == x there "
        f"\\(x = {_num(x0)}\\); use a step above {re.escape(f'{abs(x0) * EPS:.3g}')} or the "
        "default$"
    )
    with pytest.raises(ValueError, match=expected):
        estimate_gradient(lambda v: float(v @ v), x, step=step)


def _num(v: float) -> str:
    """A pattern for ``v`` printed by ``repr``: ``1e-16``, or numpy 2's ``np.float64(1e-16)``."""
    return rf"(?:{re.escape(repr(float(v)))}|np\.float64\({re.escape(repr(float(v)))}\))"


# ------------------------------------------------------------------------------ compare


def test_truth_of_a_result_is_refused_with_the_message():
    r = check_gradient(sin_exp, sin_exp_grad, (X3.copy(),))
    with pytest.raises(TypeError, match=r"^use `\.ok` \(or assert_gradient\) rather than the "
                                        r"truth of the result$"):
        bool(r)
    t = taylor_test(sin_exp, sin_exp_grad, (X3.copy(),))
    with pytest.raises(TypeError, match=r"^use `\.ok` \(or assert_gradient\) rather than the "
                                        r"truth of the result$"):
        bool(t)


def test_unknown_on_inconclusive_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"^on_inconclusive must be one of 'raise', 'warn', "
                                         r"'ignore'; got 'loud'$"):
        assert_gradient(sin_exp, sin_exp_grad, (X3.copy(),), on_inconclusive="loud")


def test_assert_gradient_hides_its_frame_from_pytest_tracebacks():
    with pytest.raises(AssertionError) as info:
        assert_gradient(sin_exp, lambda x: 2.0 * sin_exp_grad(x), (X3.copy(),))
    # the frame that raised is assert_gradient's own (the last of the traceback)
    *_, raising = _walk(info.value.__traceback__)
    assert raising.tb_frame.f_code.co_filename.endswith("compare.py")
    assert raising.tb_frame.f_locals.get("__tracebackhide__") is True


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def test_assert_gradient_warns_the_report_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = assert_gradient(flat, flat_grad, (X3.copy(),), on_inconclusive="warn")
    assert r.verdict == "inconclusive"
    [w] = [w for w in caught if issubclass(w.category, checks.InconclusiveWarning)]
    assert str(w.message) == str(r)
    assert not w.filename.endswith("compare.py")  # not the line of warnings.warn
    if not UNDER_MUTMUT:  # mutmut's trampoline adds a frame between the test and the function
        assert w.filename == __file__  # stacklevel=2: the line that called assert_gradient


def _counting(f):
    def g(*args):
        g.calls += 1
        return f(*args)

    g.calls = 0
    return g


def _two_arg_f(w, A):
    return float(np.sin(w) @ A @ np.exp(w / 2))


def _two_arg_grad(w, A):
    s, e = np.sin(w), np.exp(w / 2)
    return np.cos(w) * (A @ e) + 0.5 * e * (A.T @ s)


@pytest.mark.parametrize("mode", ["full", "directional"])
def test_assert_gradient_passes_every_option_on_to_check_gradient(mode):
    """The same options give ``assert_gradient`` and ``check_gradient`` the same result."""
    A = np.array([[1.0, 0.5, 0.0], [0.2, -1.0, 0.3], [0.0, 0.4, 2.0]])
    w = np.array([0.4, -0.7, 1.1])
    opts = dict(argnum=1, method="central", mode=mode, rtol=1e-7, atol=1e-9, safety=20.0,
                step=1e-4)
    if mode == "directional":
        opts.update(directions=3, rng=5)
    flipped = (A, w)

    def f(A_, w_):
        return _two_arg_f(w_, A_)

    def grad(A_, w_):
        return _two_arg_grad(w_, A_)

    ref = check_gradient(f, grad, flipped, **opts)
    got = assert_gradient(f, grad, flipped, on_inconclusive="ignore", **opts)
    assert ref.verdict == got.verdict == "pass", str(ref)
    for name in ("argnum", "method", "mode", "rtol", "atol", "safety", "step_factor",
                 "evaluations", "shape"):
        assert getattr(got, name) == getattr(ref, name), name
    assert got.argnum == 1 and got.shape == (3,) and got.step_factor is None
    assert (got.rtol, got.atol, got.safety) == (1e-7, 1e-9, 20.0)
    assert np.array_equal(got.numerical, ref.numerical)
    assert np.array_equal(got.analytic, ref.analytic)
    if mode == "directional":
        assert got.analytic.shape == (3,)
        # another seed gives other directions
        other = check_gradient(f, grad, flipped, **{**opts, "rng": 6})
        assert not np.array_equal(other.analytic, got.analytic)


def test_assert_gradient_passes_vectorized_on():
    def batch_only(batch):
        assert batch.ndim == 2, "called with a single point, not a batch"
        return np.sum(np.sin(batch) * np.exp(batch / 2), axis=1)

    def grad(x):
        return sin_exp_grad(x)

    r = assert_gradient(batch_only, grad, (X3.copy(),), vectorized=True)
    assert r.verdict == "pass"


# ------------------------------------------------------------------------------ _args


def test_a_type_error_inside_a_builtin_grad_propagates_unchanged():
    """``max`` has no signature (``inspect.signature`` raises ``ValueError``): its
    ``TypeError`` cannot be blamed on the call, and must reach the caller as it is."""
    with pytest.raises(TypeError) as info:
        check_gradient(lambda x: float(x) ** 2, max, (np.array(1.5),))
    assert "grad cannot be called" not in str(info.value)
    assert "0-d" in str(info.value)


# ------------------------------------------------------------------------------ search


def test_counterexample_report_lines():
    raised = Counterexample((np.array([1.0, 2.0]),), None, "ZeroDivisionError: two rows",
                            ("w",))
    assert str(raised).split("\n") == [
        "Minimal counterexample (after shrinking):",
        "  w = [1. 2.]   shape (2,)",
        "The gradient function raised: ZeroDivisionError: two rows",
    ]
    r = check_gradient(sin_exp, lambda x: 2.0 * sin_exp_grad(x), (X3.copy(),))
    failed = Counterexample((X3.copy(),), r, None, ("x",))
    lines = str(failed).split("\n")
    assert lines[0] == "Minimal counterexample (after shrinking):"
    assert lines[1].startswith("  x = [ 0.3 -1.2  2. ]")
    assert "\n".join(lines[2:]) == str(r)
    assert not any("raised" in line for line in lines)


def test_format_inputs_prints_six_digits_and_summarises_long_arrays():
    text = format_inputs((np.full(2, 1.0 / 3.0), np.arange(41.0), 7), ("a", "b"))
    assert text.split("\n") == [
        "  a = [0.333333 0.333333]   shape (2,)",
        "  b = [ 0.  1.  2. ... 38. 39. 40.]   shape (41,)",  # above 40 entries: summarised
        "  args[2] = 7",
    ]
    assert "..." not in format_inputs((np.arange(40.0),))


def test_format_inputs_wraps_at_100_columns_aligned_under_the_first_entry():
    # "  abcde = [" + 10 entries of 8 characters, 9 separators and "]" is 101 columns
    text = format_inputs((np.full(10, 1.0 / 3.0),), ("abcde",))
    assert text.split("\n") == [
        "  abcde = [" + " ".join(["0.333333"] * 9),
        "           0.333333]   shape (10,)",
    ]
    assert format_inputs((np.array([[1.0, 2.0], [3.0, 4.0]]),), ("X",)).split("\n") == [
        "  X = [[1. 2.]",
        "       [3. 4.]]   shape (2, 2)",
    ]


def test_format_inputs_prints_a_scalar_argument_in_full():
    assert format_inputs((1.0 / 3.0, "abc")) == "  args[0] = 0.3333333333333333\n  args[1] = 'abc'"


def test_format_inputs_refuses_more_names_than_arguments():
    with pytest.raises(ValueError):
        format_inputs((np.ones(2),), ("a", "b"))


# ------------------------------------------------------------------------------ ladder

KINK, ONE_SIDED_RIGHT, ONE_SIDED_LEFT, UNRESOLVED = 1, 2, 3, 4  # checks.ladder.KIND_NAMES
G = r"[-+0-9.e]+"  # a number printed with %g


def test_kinks_at_many_entries_are_reported_five_at_a_time():
    """``|x|`` summed at 7 zeros: every entry is a kink with one-sided slopes -1 and 1; the
    report lists five of them and counts the rest."""
    est = estimate_gradient(lambda v: float(np.sum(np.abs(v))), np.zeros(7))
    assert est.kind.tolist() == [KINK] * 7
    assert np.all(np.abs(est.lower + 1.0) <= est.error)
    assert np.all(np.abs(est.upper - 1.0) <= est.error)
    assert np.all(est.value == 0.5 * (est.lower + est.upper))
    lines = [n for n in est.notes if "entr" in n]
    assert len(lines) == 6, est.notes
    for k, line in enumerate(lines[:5]):
        assert re.fullmatch(
            rf"not differentiable at entry \({k},\): one-sided derivatives L = {G} and "
            rf"R = {G} \(error bound {G}\); any value between them is accepted", line), line
        assert re.search(r"L = -1\b", line) and re.search(r"R = 1\b", line), line
    assert lines[5] == "... and 2 more such entries (kink)"


def _right_only(v):
    """``sum(v + v^2)`` for ``v >= 0``, NaN elsewhere: a domain edge at 0."""
    return float(np.sum(v + v**2)) if np.all(v >= 0.0) else float("nan")


def _left_only(v):
    return float(np.sum(v + v**2)) if np.all(v <= 0.0) else float("nan")


@pytest.mark.parametrize(
    "f, x, code, side, other",
    [(_right_only, np.array([0.0, 1.0]), ONE_SIDED_RIGHT, "right", "left"),
     (_left_only, np.array([0.0, -1.0]), ONE_SIDED_LEFT, "left", "right")],
    ids=["right", "left"],
)
def test_a_domain_edge_gives_a_one_sided_derivative_and_says_so(f, x, code, side, other):
    est = estimate_gradient(f, x)
    assert est.kind.tolist() == [code, 0]
    exact = 1.0 + 2.0 * x
    assert np.all(np.abs(est.value - exact) <= est.error), (est.value, est.error)
    assert np.all(est.lower == est.value) and np.all(est.upper == est.value)
    [line] = [n for n in est.notes if n.startswith("entry")]
    assert re.fullmatch(
        rf"entry \(0,\): f is not finite on the {other} side down to step {G}; a one-sided "
        rf"\({side}\) derivative was used", line), line
    # the exact gradient passes, a wrong one at the edge entry fails
    assert check_gradient(f, lambda v: 1.0 + 2.0 * v, (x.copy(),)).verdict == "pass"
    wrong = check_gradient(f, lambda v: 1.0 + 2.0 * v + np.array([0.1, 0.0]), (x.copy(),))
    assert wrong.verdict == "fail" and wrong.worst_index == (0,), str(wrong)


def test_an_estimate_that_does_not_settle_is_unresolved_with_its_spread():
    """``sin(10 x)`` at a user's step of 1 (no refinement): the three levels are far from the
    asymptotic regime, so no entry settles; with no level before, the spread is ``|value|``
    itself, and a check on such an estimate cannot pass."""
    x = np.array([0.3, 0.7])

    def f(v):
        return float(np.sum(np.sin(10.0 * v)))

    est = estimate_gradient(f, x, step=1.0)
    assert est.kind.tolist() == [UNRESOLVED, UNRESOLVED]
    assert np.all(est.error >= np.abs(est.value)) and np.all(est.value != 0.0)
    assert np.all(est.step == 1.0)
    lines = [n for n in est.notes if n.startswith("entry")]
    assert len(lines) == 2
    for k, line in enumerate(lines):
        assert re.fullmatch(
            rf"entry \({k},\): the finite differences did not settle down to step 1 \(f varies "
            rf"on a scale below the steps tried, or its noise is larger than measured\); its "
            rf"estimate is not judged \(error bound {G}, the spread of the last estimates\)",
            line), line
    for factor in (1.0, -1.0):  # the exact gradient, and a wrong one
        r = check_gradient(f, lambda v, c=factor: c * 10.0 * np.cos(10.0 * v), (x.copy(),),
                           step=1.0)
        assert r.verdict == "inconclusive", str(r)
        lines = str(r).split("\n")
        at = lines.index("Inconclusive: some entries cannot be judged (see the notes); no other "
                         "entry differs from its estimate by more than its tolerance")
        assert lines[at + 1] == (
            "What to try: f varies on a scale below the steps tried at the entries named in "
            "the notes: a shorter step= there, or a point away from the feature; if f is "
            "noisy, compute it in float64 throughout")


def test_an_entry_with_no_finite_neighbour_is_named_in_the_error():
    def pinned(v):
        return float(np.sum(v)) if v[1] == 0.5 else float("nan")

    with pytest.raises(ValueError, match=(
            rf"^f is not finite at x \+ h e_\(1,\) or x - h e_\(1,\) for any step h down to "
            rf"{G} \(f\(x\) is finite\): the point is on the edge of f's domain along this "
            r"entry$")):
        estimate_gradient(pinned, np.array([0.25, 0.5, 2.0]))


# ------------------------------------------------------------------------------ report

TOLERANCE_RULE = ("Tolerance: |analytic - numerical| <= atol + safety * error_estimate + rtol "
                  "* |numerical|, ")
INCONCLUSIVE_LINES = [
    "Inconclusive: the finite differences cannot resolve the gradient here well enough to "
    "catch even a gradient wrong by 100 % (zero, or of the wrong sign); no evidence of an "
    "error was found, and none could have been",
    "What to try: a point where the gradient is larger than the noise of f; f computed in "
    "float64 throughout; method='complex' for a complex-safe f; or a larger atol if an "
    "absolute error is what matters here.",
]


def trace_sq(Y):
    return float(np.trace(Y @ Y))


def _g6(v: float) -> str:
    return f"{v:.6g}"


def _worst_line(r, label, numerical_text=None) -> str:
    i = r.worst_index
    n = numerical_text or f"numerical {_g6(r.numerical[i])}"
    return (f"Worst {label}: analytic {_g6(r.analytic[i])}, {n}, |diff| "
            f"{_g6(r.difference[i])}, tolerance {_g6(r.tolerance[i])} (error estimate "
            f"{_g6(r.error[i])})")


def test_report_of_a_full_failure_line_by_line():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    r = check_gradient(trace_sq, lambda Y: 2.0 * Y, (X,))  # 2 X instead of 2 X^T
    assert r.verdict == "fail" and r.mismatched == 2
    assert set(r.mismatched_indices) == {(0, 1), (1, 0)}
    assert abs(r.max_abs_error - 2.0) <= 10 * np.max(r.error)
    factor = f"{checks.STEP_FACTORS['richardson']:.3g}"
    assert str(r).split("\n") == [
        "Gradient check FAILED: gradient of trace_sq with respect to args[0], shape (2, 2)",
        "Reason: 2 of 4 entries differ by more than the tolerance",
        "Diagnosis: analytic = numerical transposed (the gradient laid out as its transpose: "
        "d/dX tr(A X) is A.T)",
        f"Method: richardson (full mode), step factor {factor} * max(|x_k|, rms(x)) with "
        f"per-entry adaptive steps, {r.evaluations} evaluations of f",
        TOLERANCE_RULE + "atol=0, safety=10, rtol=1e-08",
        f"Sensitivity: no gradient whose error max|a - g| / max|g| exceeds "
        f"{r.detectable:.2g} can pass",
        "Mismatched elements: 2 / 4 (50%)",
        f"Max absolute difference: {_g6(r.max_abs_error)}",
        f"Max relative difference (to max |numerical|): {_g6(r.max_rel_error)}",
        _worst_line(r, f"entry {r.worst_index}"),
        "Mismatched entries: " + ", ".join(str(b) for b in r.mismatched_indices),
        " ANALYTIC: [[2. 4.]",
        "            [6. 8.]]",
        " NUMERICAL: [[2. 6.]",
        "             [4. 8.]]",
    ]
    assert r.worst_index == r.mismatched_indices[0]


def test_report_of_a_directional_failure_line_by_line():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    r = check_gradient(trace_sq, lambda Y: 2.0 * Y, (X,), mode="directional", directions=3)
    assert r.verdict == "fail" and r.mismatched == 3
    lines = str(r).split("\n")
    factor = f"{checks.STEP_FACTORS['richardson']:.3g}"
    assert lines[:9] == [
        "Gradient check FAILED: directional derivatives of trace_sq with respect to args[0], "
        "shape (2, 2)",
        "Reason: 3 of 3 directional derivatives differ by more than the tolerance",
        f"Method: richardson (directional mode), step factor {factor} * max(|x_k|, rms(x)) "
        f"with per-entry adaptive steps, {r.evaluations} evaluations of f",
        TOLERANCE_RULE + "atol=0, safety=10, rtol=1e-08",
        f"Sensitivity: no gradient whose error max|a - g| / max|g| exceeds "
        f"{r.detectable:.2g} can pass (with probability >= 99.9 % over the random directions)",
        "Mismatched elements: 3 / 3 (100%)",
        f"Max absolute difference: {_g6(r.max_abs_error)}",
        f"Max relative difference (to max |numerical|): {_g6(r.max_rel_error)}",
        _worst_line(r, f"direction {r.worst_index[0]}"),
    ]
    assert lines[9] == "Mismatched directions: " + ", ".join(
        str(b[0]) for b in r.mismatched_indices)
    assert sorted(b[0] for b in r.mismatched_indices) == [0, 1, 2]
    assert lines[10].startswith(" ANALYTIC: [") and lines[11].startswith(" NUMERICAL: [")
    assert len(lines) == 12


def test_report_of_an_inconclusive_check_with_a_user_step_line_by_line():
    atol = np.array([1e-9, 2e-9, 3e-9])
    r = check_gradient(flat, flat_grad, (X3.copy(),), method="central", step=1e-3, atol=atol)
    assert r.verdict == "inconclusive" and r.step_factor is None
    assert str(r).split("\n")[:9] == [
        "Gradient check INCONCLUSIVE: gradient of flat with respect to args[0], shape (3,)",
        "Reason: the finite differences cannot resolve the gradient here",
        f"Method: central (full mode), {r.evaluations} evaluations of f",
        TOLERANCE_RULE + "atol=per entry (max 3e-09), safety=10, rtol=1e-08",
        "Sensitivity: none (the numerical gradient is zero within its error bounds, so no "
        "relative error can be judged)",
        *INCONCLUSIVE_LINES,
        "Mismatched elements: 0 / 3 (0%)",
        f"Max absolute difference: {_g6(r.max_abs_error)}",
    ]


def test_report_of_a_central_pass_has_the_step_factor_but_no_ladder():
    r = check_gradient(sin_exp, sin_exp_grad, (X3.copy(),), method="central", safety=5, rtol=0)
    assert r.verdict == "pass"
    factor = f"{checks.STEP_FACTORS['central']:.3g}"
    assert str(r).split("\n")[1:3] == [
        f"Method: central (full mode), step factor {factor} * max(|x_k|, rms(x)), "
        f"{r.evaluations} evaluations of f",
        TOLERANCE_RULE + "atol=0, safety=5, rtol=0",
    ]


def test_report_of_a_kink_shows_the_one_sided_derivatives_and_the_first_ten():
    r = check_gradient(lambda v: float(np.sum(np.abs(v))), lambda v: np.full(v.shape, 3.0),
                       (np.zeros(12),))
    assert r.verdict == "fail" and r.mismatched == 12
    lines = str(r).split("\n")
    lo, hi = (f"{b:.6g}" for b in (r.lower[r.worst_index], r.upper[r.worst_index]))
    assert (lo, hi) == ("-1", "1")
    assert lines[8] == _worst_line(
        r, f"entry {r.worst_index}",
        f"one-sided derivatives {lo} and {hi} (not differentiable)")
    assert lines[9] == ("Mismatched entries (first 10 of 12): "
                        + ", ".join(str(b) for b in r.mismatched_indices[:10]))
    assert [line for line in lines if line.startswith("Note: ")][-1] == (
        "Note: ... and 7 more such entries (kink)")


def _distinct(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` with the fewest significant digits, at least 6, that tell them apart."""
    d = 6
    while a != b and f"{a:.{d}g}" == f"{b:.{d}g}":
        d += 1
    return f"{a:.{d}g}", f"{b:.{d}g}"


def test_report_shows_as_many_digits_as_it_takes_to_tell_the_values_apart():
    def half_square(v):
        return 0.5 * float(v @ v)

    r = check_gradient(half_square, lambda v: v * (1.0 + 1e-7), (np.array([1.0]),), rtol=0.0)
    assert r.verdict == "fail"
    a, n = _distinct(float(r.analytic[0]), float(r.numerical[0]))
    assert a == "1.0000001"  # 8 digits: the 6 of the default say 1 and 1
    assert f"Worst entry (0,): analytic {a}, numerical {n}, |diff| " in str(r), str(r)
    # a numerical value that differs from the analytic one in the 15th digit shows it
    close = check_gradient(half_square, lambda v: v.copy(), (np.array([2.0]),))
    assert close.verdict == "pass" and close.numerical[0] != close.analytic[0]
    a, n = _distinct(float(close.analytic[0]), float(close.numerical[0]))
    assert a != n and f"Worst entry (0,): analytic {a}, numerical {n}, " in str(close)
    # equal values: 6 digits each (the differences of a linear f at a point with exact
    # steps are exact)
    same = check_gradient(lambda v: float(np.sum(v)), lambda v: np.ones(v.shape),
                          (np.array([1.0]),))
    assert same.numerical[0] == 1.0
    assert "Worst entry (0,): analytic 1, numerical 1, |diff| 0, " in str(same), str(same)


def test_report_of_an_unusable_gradient_stops_after_the_tolerance_rule():
    r = check_gradient(sin_exp, lambda x: np.zeros((3, 1)), (X3.copy(),))
    assert r.verdict == "fail" and r.tolerance is None
    lines = str(r).split("\n")
    assert lines[1] == ("Reason: the analytic gradient has shape (3, 1), but the argument has "
                        "shape (3,): a gradient must have exactly the shape of its argument "
                        "(no broadcasting)")
    assert lines[3].startswith("Tolerance: ") and len(lines) == 4


# ------------------------------------------------------------------------------ taylor

TAYLOR_STEPS = 0.1 * 10.0 ** (-np.arange(19) / 2.0)  # the module docstring's sequence


def _log_sum(v):
    return float(np.sum(np.log(v)))


def test_taylor_report_line_by_line_with_skipped_steps():
    """``log`` near 0 along ``-e_0``: the two longest steps leave the domain (noted), the
    rest show a second-order remainder for the right gradient and a first-order one for a
    wrong one."""
    x, v = np.array([0.05, 2.0]), np.array([-1.0, 0.0])
    r = taylor_test(_log_sum, lambda u: 1.0 / u, (x.copy(),), direction=v)
    assert r.verdict == "pass" and abs(r.order - 2.0) < 0.1
    assert np.array_equal(r.steps, TAYLOR_STEPS)
    assert r.usable[:2].tolist() == [False, False] and r.remainders[:2].tolist() == [0.0, 0.0]
    note = ("f is not finite at x + h v for 2 of the 19 steps (longest 0.1); they were "
            "skipped")
    assert r.notes == (note,)
    lines = str(r).split("\n")
    assert lines[:4] == [
        "Taylor test passed: gradient of _log_sum with respect to args[0], shape (2,)",
        f"Observed order of the first-order remainder: {r.order:.3g} (2 for a correct "
        "gradient, 1 for a wrong one; pass above 1.5)",
        f"Sensitivity: no gradient whose relative error along v, |<a - g, v>| / |<g, v>|, "
        f"exceeds {r.detectable:.2g} can pass (|<a - g, v>| above {r.tau:.2g} fails); "
        "errors orthogonal to v are not seen",
        "        h   remainder r(h)   above round-off",
    ]
    assert lines[4:23] == [
        f"  {h:7.1e}   {rem:14.6e}   {'yes' if u else 'no'}"
        for h, rem, u in zip(r.steps, r.remainders, r.usable, strict=True)
    ]
    assert lines[4].endswith("   no") and lines[5].endswith("   no")
    assert lines[6].endswith("   yes")
    assert lines[23:] == [f"Note: {note}"]
    wrong = taylor_test(_log_sum, lambda u: 1.1 / u, (x.copy(),), direction=v)
    assert wrong.verdict == "fail" and abs(wrong.order - 1.0) < 0.1
    assert wrong.reason == (f"the remainder shrinks like h^{wrong.order:.2g}, not h^2: the "
                            "gradient is wrong along this direction")
    assert str(wrong).split("\n")[:3] == [
        "Taylor test FAILED: gradient of _log_sum with respect to args[0], shape (2,)",
        f"Observed order of the first-order remainder: {wrong.order:.3g} (2 for a correct "
        "gradient, 1 for a wrong one; pass above 1.5)",
        f"Reason: {wrong.reason}",
    ]


def test_taylor_test_refuses_a_point_on_the_edge_of_the_domain_and_a_zero_direction():
    with pytest.raises(ValueError, match=(
            r"^f is not finite at x \+ h v for every step h from 0\.1 down to 1e-10: x is on "
            r"the edge of f's domain along v$")):
        taylor_test(_right_only, lambda u: 1.0 + 2.0 * u, (np.array([0.0, 1.0]),),
                    direction=np.array([-1.0, 0.0]))
    with pytest.raises(ValueError, match=r"^direction must be non-zero: the remainder along 0 "
                                         r"is always 0$"):
        taylor_test(sin_exp, sin_exp_grad, (X3.copy(),), direction=np.zeros(3))


def test_taylor_test_with_a_single_usable_remainder_passes_without_an_order():
    """``C + x + x^4`` at 0 along ``e_0``: the remainder of the right gradient is ``h^4``,
    which falls 100-fold per half decade. With ``C = 1e9`` (round-off floor ``2 eps C``,
    about ``4.4e-7``) only ``r(0.1) = 1e-4`` stands 100 times above it, and the next,
    ``1e-6``, not even 10 times: one remainder, no order, a pass. A wrong gradient adds
    ``0.1 h`` and shows order 1."""
    C = 1e9
    x, v = np.array([0.0]), np.array([1.0])

    def f(u):
        return C + float(np.sum(u)) + float(np.sum(u**4))

    r = taylor_test(f, lambda u: 1.0 + 4.0 * u**3, (x.copy(),), direction=v)
    assert r.usable.tolist() == [True] + [False] * 18
    assert r.verdict == "pass" and np.isnan(r.order)
    assert r.reason == ("only one remainder rose above round-off: no evidence of a first-order "
                        "error (the order cannot be measured)")
    # tau: 3 c h_1 with c = r(h_1) / h_1^2 (the module docstring), the smaller bound here
    c = r.remainders[0] / TAYLOR_STEPS[0] ** 2
    assert r.tau == pytest.approx(min(3.0 * c * TAYLOR_STEPS[0],
                                      100.0 * np.sqrt(c * np.min(r.floor))), rel=1e-12, abs=0)
    assert r.detectable == pytest.approx(r.tau / (1.0 - r.tau), rel=1e-12, abs=0)
    assert "Observed order of the first-order remainder: nan" in str(r)
    wrong = taylor_test(f, lambda u: 1.1 + 4.0 * u**3, (x.copy(),), direction=v)
    assert wrong.verdict == "fail" and abs(wrong.order - 1.0) < 0.1


@pytest.mark.parametrize("d", [0.002, 0.0005])
def test_taylor_test_that_crosses_a_kink_is_inconclusive_not_a_pass(d):
    """``|x_0 - d| + x_1^2`` at ``(0, 1)`` along ``e_0``: the steps longer than ``d`` cross
    the kink and give a first-order remainder even for the right gradient, which vanishes
    at the shorter steps: the collapse makes the test inconclusive (not "fail": the
    gradient is right; not "pass": the order measured the kink)."""
    x, v = np.array([0.0, 1.0]), np.array([1.0, 0.0])

    def f(u):
        return abs(u[0] - d) + u[1] ** 2

    r = taylor_test(f, lambda u: np.array([-1.0, 2.0 * u[1]]), (x.copy(),), direction=v)
    assert r.verdict == "inconclusive", str(r)
    last = int(np.flatnonzero(r.usable)[-1])
    assert TAYLOR_STEPS[last] > d >= TAYLOR_STEPS[last + 1]
    assert re.fullmatch(
        rf"the remainder collapses below step {TAYLOR_STEPS[last]:.2g} \(to {G}, against "
        rf"{G} on the fitted h\^{G}\): f is not smooth along v within that distance of x "
        r"\(a kink\), so the order says nothing about the gradient", r.reason), r.reason
    lines = str(r).split("\n")
    assert lines[0].startswith("Taylor test INCONCLUSIVE: gradient of ")
    assert lines[2] == f"Reason: {r.reason}"
    assert lines[4] == (
        "Inconclusive: the remainders could not have shown even a gradient wrong by 100 % "
        "along v. What to try: check_gradient(..., mode='full'), whose error bars are per "
        "entry, or a point where f is smooth and not dominated by a constant")
    wrong = taylor_test(f, lambda u: np.array([-1.2, 2.0 * u[1]]), (x.copy(),), direction=v)
    assert wrong.verdict == "fail"


# ------------------------------------------------------------------------------ noise


def test_a_float32_f_is_noted_and_its_round_off_is_in_the_noise():
    def f32(v):
        return np.float32(np.sum(np.sin(v)))

    est = estimate_gradient(f32, X3)
    unit = float(np.finfo(np.float32).eps)
    assert est.noise >= 0.5 * unit * abs(est.f0) > 0.0
    assert est.notes[0] == ("f returned float32: its values carry about 1e-07 relative "
                            "round-off, which the tolerance includes; return float64 for a "
                            "sharper check")
    assert check_gradient(f32, np.cos, (X3.copy(),)).verdict == "pass"
    assert check_gradient(f32, lambda v: 1.01 * np.cos(v), (X3.copy(),)).verdict == "fail"


def test_when_every_noise_probe_leaves_the_domain_the_noise_is_eps_f():
    """``f`` finite only where at most one entry differs from ``x``: the entries' steps stay
    inside, the noise probe (all entries at once) never does."""
    x = X3.copy()

    def pinned(v):
        return float(np.sum(np.sin(v))) if np.count_nonzero(v != x) <= 1 else float("nan")

    est = estimate_gradient(pinned, x)
    assert est.notes == ("every noise probe left f's domain; the noise of f was taken as "
                         "eps * |f|",)
    assert est.noise == EPS * abs(est.f0)
    assert np.all(np.abs(est.value - np.cos(x)) <= est.error)
    assert check_gradient(pinned, lambda v: np.cos(v) * (1 + 1e-6), (x.copy(),)).verdict == "fail"


def test_a_noisy_f_is_noted_with_its_level_and_the_checks_sensitivity():
    # a wiggle far below every spacing the noise probe uses (1e-6 and 1e-8 of rms(x)): noise
    # at both, the same size at both (a slower wiggle is a feature of f: see
    # test_noise_that_changes_with_the_spacing_is_structure_not_noise)
    def noisy(v):
        s = float(np.sum(np.sin(v)))
        return s + 1e-9 * np.sin(1e13 * s)

    est = estimate_gradient(noisy, X3)
    rel = est.noise / est.f_scale
    assert 1e-10 < rel < 1e-8  # the 1e-9 wiggle of the definition, relative to |f| ~ 0.3
    note = f"f is noisy at the {rel:.1g} level (relative to |f|; {est.noise:.2g} absolute)"
    assert est.notes == (note,)
    r = check_gradient(noisy, np.cos, (X3.copy(),))
    assert r.verdict == "pass"
    assert r.notes == (f"{note}; the smallest detectable relative error here is "
                       f"{r.detectable:.2g}",)
    assert check_gradient(noisy, lambda v: 1.01 * np.cos(v), (X3.copy(),)).verdict == "fail"


def test_a_smooth_f_is_not_called_noisy():
    est = estimate_gradient(sin_exp, X3)
    assert est.notes == () and est.noise <= 1e3 * EPS * est.f_scale


def test_a_random_f_is_refused_with_both_values():
    values = iter([1.0, 2.0])
    with pytest.raises(ValueError, match=(
            r"^f is not deterministic: two calls at the same x returned 1\.0 and 2\.0; a "
            r"finite difference of a random function \(a minibatch, dropout, a global counter\)"
            r" means nothing: fix its seed or its data inside f$")):
        estimate_gradient(lambda v: next(values), X3)


def test_a_vectorized_f_of_the_wrong_output_shape_is_refused():
    with pytest.raises(ValueError, match=(
            r"^a vectorized f must map a batch of shape \(B, \*x\.shape\) to shape \(B,\); got "
            r"\(2, 1\) for B=2$")):
        estimate_gradient(lambda b: np.sum(b, axis=1, keepdims=True), X3, vectorized=True)


# ------------------------------------------------------------------------------ search


# (Deleting rows and columns is hypothesis's shrinking through the strategies' keep flags
# now, never a step after it: tests/test_strategies.py, "deleting indices".)


def test_find_counterexample_applies_options_and_prepare_to_each_draw():
    """``prepare`` maps the drawn tuple to the check's arguments and ``options`` adds check
    options per input: here a tolerance wide enough for the planted error only where the
    input says so."""
    from hypothesis import strategies as st

    from checks import find_counterexample

    inputs = st.tuples(st.sampled_from([1.0, 2.0, 3.0]))

    def prepare(raw):
        (c,) = raw
        return (np.array([c, -c]),)

    def f(w):
        return float(w @ w)

    def wrong(w):
        return 2.0 * w * (1.0 + 1e-3)

    assert find_counterexample(f, wrong, inputs, prepare=prepare,
                               options=lambda args: {"rtol": 1e-2}) is None
    cx = find_counterexample(f, wrong, inputs, prepare=prepare,
                             options=lambda args: {"rtol": 1e-2 if args[0][0] < 3 else 0.0})
    assert cx is not None and cx.args[0].tolist() == [3.0, -3.0]
    assert cx.check.verdict == "fail" and cx.check.rtol == 0.0


def test_find_counterexample_is_reproducible_and_seed_none_still_finds_it():
    from checks import find_counterexample
    from checks.strategies import square_matrices

    inputs = square_matrices(max_side=3).map(lambda X: (X,))

    def wrong(X):
        return 2.0 * X

    a = find_counterexample(trace_sq, wrong, inputs, seed=3)
    b = find_counterexample(trace_sq, wrong, inputs, seed=3)
    assert a is not None and np.array_equal(a.args[0], b.args[0])
    c = find_counterexample(trace_sq, wrong, inputs, seed=None)
    assert c is not None and c.shapes == ((2, 2),)


def test_find_counterexample_misuse_messages_in_full():
    from hypothesis import strategies as st

    from checks import find_counterexample
    from checks.search import CHECK_OPTIONS

    assert "argnum" not in CHECK_OPTIONS and {"method", "mode", "rtol", "atol"} <= set(
        CHECK_OPTIONS)
    with pytest.raises(TypeError, match=(
            r"^inputs must be a hypothesis strategy of argument tuples, got list; e\.g\. "
            r"st\.tuples\(vectors\(\), st\.just\(X\)\), or vectors\(\)\.map\(lambda w: \(w,\)\)"
            r" for a single argument$")):
        find_counterexample(trace_sq, lambda X: 2.0 * X.T, [np.eye(2)])
    with pytest.raises(TypeError, match=(
            r"^unknown check option\(s\) rtl, stepp; check_gradient takes "
            + re.escape(", ".join(CHECK_OPTIONS)) + "$")):
        find_counterexample(trace_sq, lambda X: 2.0 * X.T, st.just((np.eye(2),)), rtl=1,
                            stepp=2)
    with pytest.raises(TypeError) as info:  # (hypothesis adds notes to this one)
        find_counterexample(lambda w: w * w, lambda w: 2 * w, st.just(1.5))
    assert str(info.value) == (
        "inputs drew a float, not a tuple of the arguments of f; map the strategy to tuples, "
        "e.g. vectors().map(lambda w: (w,)) or st.tuples(vectors(), st.just(X))")
    with pytest.raises(TypeError) as info:
        find_counterexample(trace_sq, lambda X, Y: X, st.just((np.eye(2),)))
    assert re.fullmatch(
        r"grad cannot be called with the 1 drawn argument\(s\) \(.*missing 1 required "
        r"positional argument: 'Y'\); grad must take the same arguments as f, in the same "
        r"order", str(info.value)), str(info.value)


def test_a_type_error_raised_inside_grad_is_a_counterexample_with_its_message():
    from hypothesis import strategies as st

    from checks import find_counterexample

    def grad(X):
        raise TypeError("unsupported operand")

    cx = find_counterexample(trace_sq, grad, st.just((np.eye(2),)))
    assert cx is not None and cx.check is None
    assert cx.exception == "TypeError: unsupported operand"


# ------------------------------------------------------------------------------ messages

W3 = np.array([0.5, -1.0, 2.0])


def _sq(w):
    return float(w @ w)


def _sq_grad(w):
    return 2.0 * w


def _py_exp_sum(w):
    """Plain-Python ``sum(exp(w))``: ``math.exp`` refuses the complex entries of ``tolist()``."""
    import math

    return sum(math.exp(t) for t in w.tolist())


def _complex_when_batched(b):
    """A vectorized ``f`` that is real on the baseline's batch of 2, complex on the others."""
    return np.sum(b, axis=1) + (0j if b.shape[0] > 2 else 0.0)


def _nan_off_entry0(b):
    return np.where(b[:, 0] == 0.5, np.sum(b, axis=1), np.nan)


MESSAGES = [
    # _util
    (lambda: check_gradient(_sq, _sq_grad, (W3,), method="bogus"), ValueError,
     "method must be one of 'forward', 'central', 'richardson', 'complex'; got 'bogus' "
     "(or 'auto', which picks one of them)"),
    (lambda: check_gradient(_sq, _sq_grad, (W3 + 1j,)), ValueError,
     "args[0] must be real, got complex dtype complex128"),
    (lambda: check_gradient(_sq, _sq_grad, (np.array(["a"]),)), ValueError,
     "args[0] must be a real numeric array, got dtype <U1"),
    (lambda: check_gradient(_sq, _sq_grad, (np.array([1.0, np.inf]),)), ValueError,
     "args[0] contains non-finite values: inf at index (1,)"),
    (lambda: estimate_gradient(_sq, W3, step=np.ones(2)), ValueError,
     "step must be a scalar or have shape (3,), got shape (2,)"),
    (lambda: estimate_gradient(_sq, W3, step=-1.0), ValueError,
     "step must be finite and > 0, got -1.0"),
    (lambda: estimate_gradient(_sq, W3, step=np.array([1.0, np.nan, 1.0])), ValueError,
     "step must be finite and > 0, got array([ 1., nan,  1.])"),
    (lambda: estimate_gradient(_py_exp_sum, W3, method="complex"), ValueError,
     "f does not accept complex input (must be real number, not complex); the complex step "
     "needs a complex-safe f: use method='richardson'"),
    (lambda: estimate_gradient(lambda w: w, W3), ValueError,
     "f must return a scalar, got an array of shape (3,) at x"),
    (lambda: estimate_gradient(lambda w: complex(1, 1), W3), ValueError,
     "f must return a real scalar, got a complex value at x"),
    (lambda: estimate_gradient(lambda w: "x", W3), ValueError,
     "f must return a real number, got str at x"),
    (lambda: estimate_gradient(lambda w: np.nan, W3), ValueError,
     "f returned nan at x; f must be finite near the point"),
    (lambda: estimate_gradient(lambda w: 1.0 if w[1] == -1.0 else np.nan, W3, method="central"),
     ValueError, "f returned nan at x + h e_(1,); f must be finite near the point"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), argnum=1.0), ValueError,
     "argnum must be an integer, got 1.0"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), argnum=True), ValueError,
     "argnum must be an integer, got True"),
    (lambda: check_gradient(_sq, _sq_grad, (W3, 2.0), argnum=2), ValueError,
     "argnum=2 is out of range for 2 argument(s)"),
    (lambda: check_gradient(_sq, _sq_grad, (W3, 2.0), argnum=-3), ValueError,
     "argnum=-3 is out of range for 2 argument(s)"),
    # _args
    (lambda: check_gradient(_sq, _sq_grad, W3), TypeError,
     "args must be a tuple of the arguments of f, got ndarray; for a single argument write "
     "(arg,) -- e.g. check_gradient(f, grad, (W,))"),
    # compare
    (lambda: check_gradient(_sq, _sq_grad, (W3,), mode="taylor"), ValueError,
     "mode='taylor' is a different test with a different result: call checks.taylor_test(f, "
     "grad, args, argnum=...) instead"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), mode="partial"), ValueError,
     "mode must be one of 'full', 'directional'; got 'partial'"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), directions=3), ValueError,
     "directions= applies to mode='directional' only; got directions=3 with mode='full'"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), rng=1), ValueError,
     "rng= applies to mode='directional' only; got rng=1 with mode='full'"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), rtol=-1), ValueError,
     "rtol must be finite and >= 0, got -1.0"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), safety=np.inf), ValueError,
     "safety must be finite and >= 0, got inf"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), atol=np.ones(2)), ValueError,
     "atol must be a scalar or (in full mode) an array of shape (3,), got shape (2,) in full "
     "mode"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), atol=np.ones(3), mode="directional"),
     ValueError, "atol must be a scalar or (in full mode) an array of shape (3,), got shape "
     "(3,) in directional mode"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), atol=-1.0), ValueError,
     "atol must be finite and >= 0, got -1.0"),
    (lambda: check_gradient(_sq, _sq_grad, (W3,), mode="directional", directions=0),
     ValueError, "directions must be >= 1, got 0"),
    # differences
    (lambda: checks.directional_derivative(_sq, W3, np.ones(2)), ValueError,
     "v must have the shape of x, (3,); got (2,)"),
    (lambda: checks.directional_derivative(_sq, W3, np.zeros(3)), ValueError,
     "v must be a non-zero direction"),
    (lambda: checks.directional_derivatives(_sq, W3, np.ones(3)), ValueError,
     "directions must have shape (K, *(3,)), got (3,)"),
    (lambda: checks.directional_derivatives(_sq, W3, np.array([np.ones(3), np.zeros(3)])),
     ValueError, "every direction must be non-zero"),
    (lambda: checks.directional_derivative(_sq, W3, np.ones(3), step=1e-30), ValueError,
     "step 1e-30 underflows along the direction: x + step * v == x for every entry; use a "
     "longer step or the default"),
    (lambda: estimate_gradient(_complex_when_batched, W3, vectorized=True), ValueError,
     "f must return real values, got complex ones"),
    (lambda: estimate_gradient(_nan_off_entry0, W3, vectorized=True, method="central"),
     ValueError, "f returned nan at x + h e_(0,); f must be finite"),
    (lambda: estimate_gradient(lambda b: np.sum(b), W3, vectorized=True), ValueError,
     "a vectorized f must map a batch of shape (B, *x.shape) to shape (B,); got () for B=2"),
    # taylor
    (lambda: taylor_test(_sq, _sq_grad, (W3,), direction=np.ones(2)), ValueError,
     "direction must have shape (3,), got (2,)"),
    # _memo (the maps of check_jacobian)
    (lambda: checks.check_jacobian(lambda v: v + 1j, lambda v: np.eye(3), (W3,)), ValueError,
     "f must return real values, got dtype complex128 at x"),
    (lambda: checks.check_jacobian(_shape_changes, lambda v: np.zeros((2, 3)), (W3,)),
     ValueError, "f returned shape (3,) at a perturbed point, but shape (2,) at x: its output "
     "shape must not depend on the point"),
]


def _shape_changes(v):
    return np.zeros(2) if v[0] == 0.5 else np.zeros(3)


@pytest.mark.parametrize("call, kind, message", MESSAGES,
                         ids=[f"{i}-{m[:30]}" for i, (_, _, m) in enumerate(MESSAGES)])
def test_every_misuse_message_in_full(call, kind, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        with pytest.raises(kind) as info:
            call()
    assert str(info.value) == message


@pytest.mark.parametrize(
    "grad, reason",
    [(lambda w: w + 0j, "the analytic gradient must be a real array, got dtype complex128"),
     (lambda w: np.array(["a", "b", "c"]),
      "the analytic gradient must be a real array, got dtype <U1"),
     (lambda w: np.array([1.0, np.nan, 2.0]),
      "the analytic gradient is not finite: nan at index (1,)")],
    ids=["complex", "str", "nan"],
)
def test_an_unusable_analytic_gradient_fails_with_the_reason(grad, reason):
    r = check_gradient(_sq, grad, (W3,))
    assert r.verdict == "fail" and r.reason == reason and r.mismatched == 3
    # the numerical side was estimated all the same, with its error bars
    assert r.numerical.shape == r.error.shape == (3,) and np.all(r.error > 0.0)
    assert np.all(np.abs(r.numerical - 2.0 * W3) <= checks.DEFAULT_SAFETY * r.error)


def test_the_report_names_f_by_qualname_partial_or_repr():
    import functools

    def scaled(w, c, k=1.0):
        return c * k * float(w @ w)

    def leading(c, w):
        return c * float(w @ w)

    class Quadratic:
        def __call__(self, w):
            return float(w @ w)

        def __repr__(self):
            return "Quadratic()"

    named = [
        (functools.partial(scaled, c=2.0, k=3.0), lambda w: 12.0 * w,
         "test_the_report_names_f_by_qualname_partial_or_repr.<locals>.scaled(..., c=2.0, "
         "k=3.0)"),
        (functools.partial(leading, 2.0), lambda w: 4.0 * w,
         "test_the_report_names_f_by_qualname_partial_or_repr.<locals>.leading(..., 2.0)"),
        (Quadratic(), _sq_grad, "Quadratic()"),
        (_sq, _sq_grad, "_sq"),
    ]
    for f, grad, name in named:
        r = check_gradient(f, grad, (W3,))
        assert r.verdict == "pass" and r.name == name
        assert str(r).startswith(f"Gradient check passed: gradient of {name} with respect to")


# ------------------------------------------------------------------------------ _memo


def _two_outputs(v):
    return np.array([np.sin(v[0]) * v[1], v[0] ** 2 * np.exp(v[2])])


def _two_outputs_jac(v):
    return np.array([[np.cos(v[0]) * v[1], np.sin(v[0]), 0.0],
                     [2.0 * v[0] * np.exp(v[2]), 0.0, v[0] ** 2 * np.exp(v[2])]])


def test_a_jacobian_by_the_complex_step_goes_through_the_memo():
    """The memo hands ``f`` complex points for ``method="complex"`` and keeps its complex
    values (a real ``f`` of a complex point would be refused as misuse)."""
    right = checks.check_jacobian(_two_outputs, _two_outputs_jac, (W3,), method="complex")
    assert right.verdict == "pass", str(right)
    wrong = checks.check_jacobian(_two_outputs, lambda v: _two_outputs_jac(v) * 1.001, (W3,),
                                  method="complex")
    assert wrong.verdict == "fail"


def test_the_memo_converts_integer_outputs_to_float64():
    from checks._memo import Memo

    memo = Memo(lambda z: np.floor(z).astype(np.int64), np.array([0.5, 1.5]))
    assert memo.value.dtype == np.float64 and memo.value.tolist() == [0.0, 1.0]
    at = memo(np.array([2.5, -0.5]))
    assert at.dtype == np.float64 and at.tolist() == [2.0, -1.0]
    assert float(memo.entry(1)(np.array([0.5, 3.5]))) == 3.0 and memo.evaluations == 4


# ------------------------------------------------------------------------------ strategies


def _quick():
    from hypothesis import Phase, settings

    return settings(phases=[Phase.generate, Phase.shrink], database=None, max_examples=200,
                    derandomize=True)


def _sizes_of(strategy_name):
    """``(strategy, sizes)``: a strategy at its defaults and a function giving the sizes
    (N, D, ...) of a draw, for :data:`DEFAULT_SIZES`."""
    from checks import strategies as S

    return {
        "square_matrices": (S.square_matrices(), lambda X: X.shape[:1]),
        "matrices": (S.matrices(), lambda A: A.shape),
        "matrix_pairs": (S.matrix_pairs(), lambda p: p[0].shape),
        "vector_and_square_matrix": (S.vector_and_square_matrix(), lambda p: p[0].shape),
        "weights_and_dataset": (S.weights_and_dataset(), lambda t: t[1].shape),
        "network_inputs": (S.network_inputs(), lambda t: (t[3].shape[0], t[2].size,
                                                          t[0].shape[0])),
    }[strategy_name]


#: default size ranges (the package docstring: 1 to 8 features, 12 samples, 6 hidden units)
DEFAULT_SIZES = {
    "square_matrices": [(1, 8)],
    "matrices": [(1, 8), (1, 8)],
    "matrix_pairs": [(1, 8), (1, 8)],
    "vector_and_square_matrix": [(1, 8)],
    "weights_and_dataset": [(1, 12), (1, 8)],
    "network_inputs": [(1, 12), (1, 8), (1, 6)],
}


@pytest.mark.parametrize("name", list(DEFAULT_SIZES))
def test_default_sizes_start_at_one_and_stay_within_the_bounds(name):
    from hypothesis import find, given, settings

    strategy, sizes = _sizes_of(name)
    bounds = DEFAULT_SIZES[name]
    assert list(sizes(find(strategy, lambda t: True, settings=_quick()))) == [
        lo for lo, _ in bounds]

    @given(strategy)
    @settings(max_examples=50, database=None, derandomize=True)
    def within(t):
        for n, (lo, hi) in zip(sizes(t), bounds, strict=True):
            assert lo <= n <= hi

    within()


@pytest.mark.parametrize("name", ["matrices", "matrix_pairs"])
def test_default_matrices_have_at_most_eight_columns(name):
    from hypothesis import Phase, find, settings
    from hypothesis.errors import NoSuchExample

    strategy, sizes = _sizes_of(name)
    generate = settings(phases=[Phase.generate], database=None, max_examples=200,
                        derandomize=True)
    with pytest.raises(NoSuchExample):
        find(strategy, lambda t: sizes(t)[1] > 8, settings=generate)


STRATEGY_ARGUMENTS = [
    ("matrices", {"min_rows": 3, "max_rows": 2}, "min_rows=3 must be <= max_rows=2"),
    ("matrices", {"max_rows": -1}, "max_rows=-1 must be >= 0"),
    ("matrix_pairs", {"min_cols": 3, "max_cols": 2}, "min_cols=3 must be <= max_cols=2"),
    ("matrix_pairs", {"max_cols": 1.5}, "max_cols must be an integer, got 1.5"),
    ("network_inputs", {"min_features": 3, "max_features": 2},
     "min_features=3 must be <= max_features=2"),
    ("network_inputs", {"min_samples": 3, "max_samples": 2},
     "min_samples=3 must be <= max_samples=2"),
    ("scales", {"max_scale": -1.0}, "max_scale=-1.0 must be finite and > 0"),
    ("scales", {"max_scale": "big"}, "max_scale must be a real number, got 'big'"),
]


@pytest.mark.parametrize("name, kwargs, message", STRATEGY_ARGUMENTS,
                         ids=[f"{n}-{'-'.join(k)}" for n, k, _ in STRATEGY_ARGUMENTS])
def test_strategy_arguments_are_named_in_full(name, kwargs, message):
    from checks import strategies as S

    with pytest.raises(ValueError) as info:
        getattr(S, name)(**kwargs)
    assert str(info.value) == message


def test_scales_of_one_value_and_of_one_decade():
    from hypothesis import find, given, settings
    from hypothesis.errors import NoSuchExample

    from checks.strategies import scales

    assert find(scales(min_scale=2.0, max_scale=2.0), lambda s: True) == 2.0
    # 10**t, t in [1, 2]: the low end is reached, nothing outside [10, 100]
    assert find(scales(min_scale=10.0, max_scale=100.0), lambda s: s < 10.5,
                settings=_quick()) == 10.0
    assert find(scales(min_scale=10.0, max_scale=100.0), lambda s: s > 99.0,
                settings=_quick()) <= 100.0
    with pytest.raises(NoSuchExample):
        find(scales(), lambda s: s > 1e4, settings=_quick())
    # log-uniform inside the range: the bounds are not where the draws pile up
    drawn = []

    @given(scales(min_scale=10.0, max_scale=100.0))
    @settings(max_examples=100, database=None, derandomize=True)
    def record(s):
        drawn.append(s)

    record()
    assert sum(s in (10.0, 100.0) for s in drawn) < len(drawn) / 2


def test_spectrum_spans_the_condition_number_and_stays_below_it():
    """``_spectrum`` (the singular values of ``full_rank_designs``): ``top * 10**t`` with
    ``t`` in ``[-log10(cond) (1 - 1e-6), 0]``, so ``max(s) / min(s)`` reaches
    ``cond^(1 - 1e-6)`` and never exceeds it."""
    from hypothesis import find, given, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    from checks.strategies._base import _spectrum

    cond = 10.0

    @st.composite
    def spectra(draw):
        return _spectrum(draw, 3, st.just(2.0), cond)

    bound = cond ** (1.0 - 1e-6)

    @given(spectra())
    @settings(max_examples=50, database=None, derandomize=True)
    def within(drawn):
        top, s = drawn
        assert top == 2.0 and np.max(s) <= top
        assert np.max(s) / np.min(s) <= bound * (1.0 + 4 * EPS)

    within()
    top, s = find(spectra(), lambda d: np.max(d[1]) / np.min(d[1]) > 2.0, settings=_quick())
    assert 2.0 < np.max(s) / np.min(s) <= bound * (1.0 + 4 * EPS)

    @st.composite
    def single(draw):
        return _spectrum(draw, 1, st.just(1.0), cond)

    # one value: 10**t with t >= -log10(cond) (1 - 1e-6), never below 1 / cond
    with pytest.raises(NoSuchExample):
        find(single(), lambda d: d[1][0] < 1.0 / (1.05 * cond), settings=_quick())

    @st.composite
    def perfectly_conditioned(draw):
        return _spectrum(draw, 3, st.just(2.0), 1.0)

    # a condition number of 1: every value is top
    top, s = find(perfectly_conditioned(), lambda d: True, settings=_quick())
    assert top == 2.0 and s.tolist() == [2.0, 2.0, 2.0]


def test_clean_zeroes_round_off_and_clips_the_last_ulp():
    from checks.strategies._base import _clean

    top = 4.0
    over = np.nextafter(top, np.inf)
    A = np.array([[over, -over], [1e-12 * top, -1e-12 * top], [2e-12 * top, 1e-12]])
    out = _clean(A.copy(), top)
    assert out.tolist() == [[top, -top], [0.0, 0.0], [2e-12 * top, 0.0]]
    assert not np.signbit(out[1, 1])  # -0.0 -> 0.0 too


def test_weights_and_dataset_default_sizes_hold_on_every_draw():
    from hypothesis import given, settings

    from checks.strategies import weights_and_dataset

    @given(weights_and_dataset())
    @settings(max_examples=50, database=None, derandomize=True)
    def sizes(t):
        w, X, y = t
        assert X.shape == (y.size, w.size)
        assert 1 <= y.size <= 12 and 1 <= w.size <= 8

    sizes()


# ------------------------------------------------------------------------------ more search


def _recording_grad(seen):
    def grad(w):
        seen.append(w.tolist())
        return 2.0 * w

    return grad


def test_assert_no_counterexample_passes_seed_and_max_examples_on():
    """The same seed (or the same derandomized settings) draws the same inputs as
    ``find_counterexample``; another seed, other inputs; ``max_examples`` bounds the draws."""
    from hypothesis import settings

    from checks import assert_no_counterexample, find_counterexample
    from checks.strategies import vectors

    inputs = vectors(min_size=2, max_size=3).map(lambda w: (w,))
    fixed = settings(derandomize=True)
    runs = {}
    for label, call, kwargs in [
        ("find-5", find_counterexample, {"seed": 5}),
        ("assert-5", assert_no_counterexample, {"seed": 5}),
        ("assert-6", assert_no_counterexample, {"seed": 6}),
        ("find-derandomized", find_counterexample, {"settings": fixed}),
        ("assert-derandomized", assert_no_counterexample, {"settings": fixed}),
    ]:
        seen = []
        assert call(_sq, _recording_grad(seen), inputs, max_examples=8, **kwargs) is None
        runs[label] = seen
    assert runs["assert-5"] == runs["find-5"] != runs["assert-6"]
    assert runs["assert-derandomized"] == runs["find-derandomized"] != runs["find-5"]


def test_assert_no_counterexample_has_the_default_budget_of_find_counterexample():
    from hypothesis import settings
    from hypothesis import strategies as st

    from checks import assert_no_counterexample, find_counterexample
    from checks.search import search_counterexample

    inputs = st.integers(0, 10**6).map(lambda k: (np.array([float(k)]),))
    runs = []
    for call in (find_counterexample, assert_no_counterexample):
        seen = []
        assert call(_sq, _recording_grad(seen), inputs) is None
        runs.append(seen)
    # the budget of the active hypothesis profile (its draws are random unless derandomized)
    assert len(runs[0]) == len(runs[1])
    draws = search_counterexample(_sq, _recording_grad([]), inputs).draws
    assert draws.drawn == settings.default.max_examples


def test_assert_no_counterexample_passes_argnum_and_check_options_on():
    from hypothesis import strategies as st

    from checks import assert_no_counterexample
    from checks.strategies import vectors

    A = np.array([[2.0, 1.0], [0.0, 3.0]])
    inputs = st.tuples(st.just(A), vectors(min_size=2, max_size=2))

    def f(A_, w):
        return float(w @ A_ @ w)

    assert_no_counterexample(f, lambda A_, w: (A_ + A_.T) @ w, inputs, argnum=1,
                             max_examples=10)

    def slightly_off(A_, w):
        return (A_ + A_.T) @ w * (1.0 + 1e-6)

    with pytest.raises(AssertionError):
        assert_no_counterexample(f, slightly_off, inputs, argnum=1, max_examples=10)
    assert_no_counterexample(f, slightly_off, inputs, argnum=1, max_examples=10, rtol=1e-4)


def test_assert_no_counterexample_stops_after_max_examples():
    """A gradient wrong only on large inputs: one draw (the simplest, 1) does not find it,
    200 do (half of the draws exceed 500: 200 miss them with probability 2^-200). (Not 0:
    where the gradient is 0 the only draw would be inconclusive, an ``InconclusiveError``.)
    The budget is named, not the active profile's: one run of the README command under the
    random profile did not find it with that."""
    from hypothesis import strategies as st

    from checks import assert_no_counterexample

    inputs = st.integers(1, 1000).map(lambda k: (np.array([float(k)]),))

    def grad(w):
        return 2.0 * w + (1.0 if w[0] > 500 else 0.0)

    # (seeded: no example database, which would replay the failure found below)
    assert_no_counterexample(_sq, grad, inputs, max_examples=1, seed=0)
    with pytest.raises(AssertionError):
        assert_no_counterexample(_sq, grad, inputs, max_examples=200)


def test_assert_no_counterexample_hides_its_frame_from_pytest_tracebacks():
    from checks import assert_no_counterexample
    from checks.strategies import square_matrices

    with pytest.raises(AssertionError) as info:
        assert_no_counterexample(trace_sq, lambda X: 2.0 * X,
                                 square_matrices(max_side=2).map(lambda X: (X,)))
    *_, raising = _walk(info.value.__traceback__)
    assert raising.tb_frame.f_code.co_filename.endswith("search.py")
    assert raising.tb_frame.f_locals.get("__tracebackhide__") is True


# ------------------------------------------------------------------------------ more ladder


def test_five_kinks_are_listed_without_a_count_of_more():
    est = estimate_gradient(lambda v: float(np.sum(np.abs(v))), np.zeros(5))
    assert est.kind.tolist() == [KINK] * 5
    assert len(est.notes) == 5 and not any("more such" in n for n in est.notes)


def test_directional_derivative_returns_every_field_of_the_estimate():
    x = np.array([1, -2, 3])  # integers: converted, and noted
    v = np.array([0.5, 1.0, -1.0])
    many = checks.directional_derivatives(_sq, x, v[None], method="central")
    one = checks.directional_derivative(_sq, x, v, method="central")
    assert one.method == "central"
    assert one.step == float(many.step[0]) and one.step > 0
    assert one.value == float(many.value[0])
    assert one.lower == one.upper == one.value
    assert one.notes == many.notes == ("x had dtype int64; it was differentiated in float64",)
    # f near x, as the noise probe saw it: f(x) = 14, the largest |f| seen at least that
    assert (one.noise, one.f0, one.f_scale) == (many.noise, many.f0, many.f_scale)
    assert one.f0 == 14.0 and one.f_scale >= 14.0 and 0.0 < one.noise < 1e-12
    assert abs(one.value - 2.0 * x @ v) <= one.error
    kink = checks.directional_derivative(lambda u: float(np.sum(np.abs(u))), np.zeros(3), v)
    assert kink.kind == KINK
    assert kink.lower == pytest.approx(-np.sum(np.abs(v)), abs=kink.error)
    assert kink.upper == pytest.approx(np.sum(np.abs(v)), abs=kink.error)
    assert kink.notes[0].startswith("not differentiable at direction 0: one-sided ")


# ------------------------------------------------------------------------------ survivors D


def test_a_forward_difference_has_an_error_bar_that_holds_and_is_near_sqrt_eps():
    """A forward difference resolves about half the digits of ``f'``: its error bar bounds
    the true error and is of that order, far below ``|f'|`` itself."""
    est = estimate_gradient(sin_exp, X3, method="forward")
    g = sin_exp_grad(X3)
    assert np.all(np.abs(est.value - g) <= est.error), (est.value - g, est.error)
    assert np.all(est.error <= 1e-6 * np.max(np.abs(g))), est.error


def _sin32_plus_square(z):
    """``sum(sin(z[1:]))`` rounded to float32 plus ``|z|^2 / 2`` in float64: quantised at
    ``6e-8`` along ``z_1`` and ``z_2``, smooth along ``z_0``, where the probe sees it move."""
    return float(np.float32(np.sum(np.sin(z[1:])))) + 0.5 * float(z @ z)


def test_noise_louder_along_several_entries_names_them_all():
    """At ``[0, 1, 1]`` the float32 part's quanta show along both entries it depends on;
    the note names the entries (plural) the noise was measured along."""
    z = np.array([0.0, 1.0, 1.0])
    est = estimate_gradient(_sin32_plus_square, z)
    true = z + np.r_[0.0, np.cos(z[1:])]
    assert np.all(np.abs(est.value - true) <= est.error)
    [note] = [n for n in est.notes if "noisier" in n]
    assert note.startswith("f is noisier (at the scale of the steps along entries (1,), (2,): ")


def test_a_directional_check_costs_the_same_at_any_scale_of_x():
    """``f(v / s)`` at ``s x`` is ``f`` at ``x`` in other units: the probe's slope, converted
    to the line's units with its error bound, agrees with the ladder as it does at ``s = 1``
    (an unconverted bound sent the ladder to shorter steps at ``s = 1000``)."""
    def at_scale(s):
        return check_gradient(lambda v: sin_exp(v / s), lambda v: sin_exp_grad(v / s) / s,
                              (s * X3,), mode="directional")
    unit, big = at_scale(1.0), at_scale(1e3)
    assert unit.verdict == big.verdict == "pass", (str(unit), str(big))
    assert big.evaluations == unit.evaluations
    assert big.detectable == pytest.approx(unit.detectable, rel=1e-3, abs=0)


def test_the_slope_of_a_smooth_probe_table_is_within_its_bound():
    """The bound of :func:`checks.noise.probe_slope` adds the change of the slope from degree
    2 to 3 *and* from 3 to 4: either may vanish by accident (``sin(0.3 t + phase)``)."""
    for c in (0.02, 0.05, 0.1, 0.2, 0.3):
        for phase in np.linspace(0.0, np.pi, 12, endpoint=False):
            delta = 1e-3  # per unit of tau = t * delta
            value, bound, _ = probe_slope(np.sin(c * _PROBE_T + phase), delta, 0.0)
            true = c * np.cos(phase) / delta
            assert abs(value - true) <= bound, (c, phase, value, true, bound)


def test_a_saturated_f_is_reported_as_moving_by_ulps_not_as_leaving_its_domain():
    """``sum tanh(v)`` at ``v ~ 20`` moves by a few ulps per probe step at every spacing: the
    noise probe says so, and does not claim ``f`` left its domain."""
    est = estimate_gradient(lambda v: float(np.sum(np.tanh(v))), np.array([20.0, 19.0, 18.5]))
    assert any(n.startswith("f moved by only a few ulps per step") for n in est.notes), est.notes
    assert not any("every noise probe left f's domain" in n for n in est.notes), est.notes


# ------------------------------------------------------------------------------ survivors E


def test_an_exact_tie_of_two_bounds_keeps_the_longer_steps_estimate():
    """Of two smooth triples whose bounds ``T + E`` are exactly equal, the ladder keeps the
    first (longer-step) one: only a strictly smaller bound replaces the best.

    ``phi(t) = c + 2 t^2 + D_j t`` at ``t = +-2^-j`` (``x = 0``, ``h0 = 1``): the central
    differences are ``D_j = 1 + k_j 2^-30`` (``k = 1536, 384, 108, 27``), the one-sided
    slopes differ by the curvature ``4 h`` (halving: no kink). The first extrapolants
    ``R_1 = (4 D_{j+1} - D_j) / 3`` are ``1, 1 + 16 u, 1`` (``u = 2^-30``): both triples have
    ``T = 16 u / 16 = u``, more than ``1e-10 |f'|`` (so the first is not precise and the
    ladder descends to the second), and both are clean (``|D(h) - D(h/2)| <= 1e-4``).
    ``c = 1 + 1152 u`` makes the largest ``|phi|`` of the first triple, ``4 + 2688 u``, exactly
    twice that of the second: the round-off ``E = 7 eps max|phi| / h`` is the same for both.
    Every value is a dyadic number of at most 35 bits, so the tie is exact in floats. Levels
    below the fourth are not finite: nothing later competes. The estimate taken is the first
    triple's ``R_2 = (16 R_1(h/2) - R_1(h)) / 15``, at step 1 -- not the second's."""
    u = 2.0**-30
    d = [1.0 + k * u for k in (1536, 384, 108, 27)]
    c = 1.0 + 1152 * u

    def phi(t):
        out = np.full(t.shape, np.nan)
        for j, dj in enumerate(d):
            at = np.abs(t) == 2.0**-j
            out[at] = c + 2.0 * t[at] ** 2 + dj * t[at]
        return out

    lad = ladder(lambda targets, entries: phi(targets), np.zeros(1), np.ones(1), c, 0.0)
    r1 = [(4 * Fraction(d[j + 1]) - Fraction(d[j])) / 3 for j in range(3)]
    assert r1 == [1, 1 + 16 * Fraction(u), 1]  # the premise: equal truncation bounds
    first = float((16 * r1[1] - r1[0]) / 15)
    second = float((16 * r1[2] - r1[1]) / 15)
    assert lad.kind[0] == 0 and lad.step[0] == 1.0
    assert abs(lad.value[0] - first) <= 4 * EPS * abs(first)
    assert abs(second - first) > 1e3 * EPS  # the second triple's estimate is far from it
    assert lad.error[0] >= abs(second - first)  # its claim excludes the first's: a wider bar


def _odd_quintic_cut(h0, levels):
    """``1 + t + t^3 + t^5``, finite only at ``|t| >= h0 2^-levels`` (and at 0)."""
    def phi(t):
        out = 1.0 + t + t**3 + t**5
        return np.where((np.abs(t) < h0 * 2.0**-levels) & (t != 0.0), np.nan, out)
    return phi


def test_a_chain_of_confirmations_hands_each_confirmed_bound_down():
    """A confirmed estimate hands its bound down, so that the next level can confirm against
    it. ``1 + t + t^3 + t^5`` from ``h0 = 0.1``: no triple is clean (``D(h) - D(h/2)`` is
    ``0.75 h^2 > 1e-4``), so each needs the level above; ``f`` is finite only down to
    ``h0 / 16``, so the triples are those of levels 0-2, 1-3 and 2-4. The second is confirmed
    by the first, the third only by the second's confirmed bound, and is taken: step
    ``h0 / 4``, a bound below the second triple's truncation bound ``15 h^4 / 1024`` at
    ``h = h0 / 2`` (``|R_1(h) - R_1(h/2)| / 16`` for ``D(h) = 1 + h^2 + h^4``)."""
    h0 = 0.1
    lad = ladder(lambda targets, entries: _odd_quintic_cut(h0, 4)(targets), np.zeros(1),
                 np.array([h0]), 1.0, 0.0)
    assert lad.kind[0] == 0
    assert lad.step[0] == pytest.approx(h0 / 4, rel=1e-15, abs=0)
    assert abs(lad.value[0] - 1.0) <= lad.error[0] < 15 * (h0 / 2) ** 4 / 1024


def test_differences_that_overflow_leave_the_entry_unresolved_not_off_the_domain():
    """``f = 1e308 x_0 + x_1`` is finite at every point the ladder tries (``|x_0| <= 0.02``),
    but its Richardson extrapolation ``(4 D(h/2) - D(h)) / 3`` overflows (``4e308``): the
    entry never settles and is unresolved (the check inconclusive), not declared "not finite
    at x + h e_0 or x - h e_0" -- that error is for a point on the edge of ``f``'s domain."""
    def f(v):
        return 1e308 * v[0] + v[1]

    x = np.array([0.0, 1.0])
    h = np.linspace(-0.02, 0.02, 41)
    assert np.all(np.isfinite(1e308 * h + 1.0))  # the premise: f is finite around x
    with np.errstate(over="ignore"):
        r = check_gradient(f, lambda v: np.array([1e308, 1.0]), (x,))
        est = estimate_gradient(f, x)
    assert r.verdict == "inconclusive"
    assert r.reason.startswith("1 entry cannot be judged ((0,))"), r.reason
    assert est.kind[0] not in RELIABLE and est.kind[1] in RELIABLE
    assert abs(est.value[1] - 1.0) <= est.error[1]


def test_detectable_by_entry_is_silent_where_tolerance_and_bound_are_infinite():
    """An entry whose tolerance is infinite (``rtol |inf|``) and whose numerical interval
    reaches ``inf`` with a finite error bar divides ``inf`` by ``inf``: the ratio is computed
    under ``errstate(invalid="ignore")``, so no ``RuntimeWarning`` escapes (an entry with
    finite values beside it keeps its finite ratio ``(tol + safety e) / (|g| - safety e)``)."""
    tol, error = np.array([np.inf, 1e-8]), np.array([1.0, 1e-10])
    lower = upper = np.array([np.inf, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = _detectable_by_entry(tol, error, 10.0, lower, upper)
    assert not np.isfinite(out[0])
    assert out[1] == pytest.approx((1e-8 + 1e-9) / (2.0 - 1e-9), rel=1e-12, abs=0)


def test_diagnose_takes_exact_numbers_as_the_numerical_side():
    """``diagnose`` converts the numerical side to float as it does the analytic side:
    ``Fraction`` values (an exact derivative used as the reference) give the diagnosis their
    float values give -- a factor of 2 -- instead of ``np.isfinite`` failing on an object
    array."""
    exact = [Fraction(1, 3), Fraction(-2, 7), Fraction(5, 4)]
    n = np.array([float(v) for v in exact])
    tol = np.full(3, 1e-9)
    text = diagnose(2.0 * n, exact, tol)
    assert text == diagnose(2.0 * n, n, tol)
    assert text.startswith("analytic = 2 x numerical: a factor of 2")


def test_directional_estimates_of_a_staircase_do_not_depend_on_the_units_of_x():
    """``g(y / s)`` at ``s x`` is ``g`` at ``x`` in other units: its derivative along ``v``
    is ``g``'s divided by ``s``, with the same cost. ``g`` is a line of slope 1e3 along ``c``
    plus a staircase (steps of ``4e-7`` every ``3e-7`` along ``c``): the ladder finds it
    noisier than the probe did, and the probe's slope bound grows with that noise -- by its
    gain per unit of noise, converted to the line's units (``t = 1`` moves ``y`` by
    ``rms(y)``) like the slope and its bound. At ``s = 1000`` the estimates, error bars
    and evaluations are those at ``s = 1`` (a gain divided by ``rms(x)`` instead sent the
    first direction to shorter steps there: 1000 times wider bars, more evaluations)."""
    x = np.array([-0.42, -0.23, 0.43])
    c = np.array([-0.4, 1.6, -1.2])
    vs = np.array([[0.3, -1.2, 0.8], [-0.6, -1.1, -0.9]])

    def g(u):
        z = (u - x) @ c
        return 1e3 * z + 4e-7 * np.round(z / 3e-7)

    def in_units(s):
        return checks.directional_derivatives(lambda y: g(y / s), s * x, vs)

    unit, big = in_units(1.0), in_units(1e3)
    assert big.evaluations == unit.evaluations
    assert big.value * 1e3 == pytest.approx(unit.value, rel=1e-9, abs=0)
    assert big.error * 1e3 == pytest.approx(unit.error, rel=1e-6, abs=0)
    # the staircase is seen: the bars are far wider than a line's round-off
    assert np.all(unit.error > 1e-6 * np.abs(unit.value))
