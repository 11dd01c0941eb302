"""The report of a :class:`checks.JacobianCheck` (``checks.jacobian_result``), line by line.

Each test builds a result by hand, with arrays whose report lines are worked out here from the
format the module docstring promises (head, reason, diagnosis, method, pairs, tolerance,
sensitivity, counts, worst entry, mismatched entries, the arrays, the notes), and compares the
whole line: a changed word, a dropped clause or a branch taken the wrong way shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from checks.jacobian_result import JacobianCheck, _render


def make(**kw: Any) -> JacobianCheck:
    """A full-mode 2x2 Jacobian result with entry (1, 0) wrong by 0.5, unless overridden."""
    a = np.array([[1.0, 2.0], [3.5, 4.0]])
    n = np.array([[1.0, 2.0], [3.0, 4.0]])
    base: dict[str, Any] = dict(
        ok=False, analytic=a, numerical=n, error=np.full((2, 2), 1e-3),
        tolerance=np.full((2, 2), 0.25), max_abs_error=0.5, max_rel_error=0.125,
        worst_index=(1, 0), mismatched=1, method="richardson", mode="full", rtol=1e-6,
        atol=0.0, safety=2.0, evaluations=30, name="g", argnum=1, shape=(2,), out_shape=(2,),
        verdict="fail", detectable=0.5, lower=n, upper=n, step_factor=None,
    )
    base.update(kw)
    return JacobianCheck(**base)


def lines(r: JacobianCheck) -> list[str]:
    text = _render(r)
    assert str(r) == text
    return text.splitlines()


def line(r: JacobianCheck, start: str) -> str:
    found = [s for s in lines(r) if s.startswith(start)]
    assert len(found) == 1, (start, lines(r))
    return found[0]


def test_head_line_of_each_verdict_and_each_mode() -> None:
    full = "Jacobian of g with respect to args[1], output shape (2,), input shape (2,)"
    assert lines(make())[0] == f"Jacobian check FAILED: {full}"
    assert lines(make(verdict="pass", ok=True))[0] == f"Jacobian check passed: {full}"
    assert lines(make(verdict="inconclusive"))[0] == f"Jacobian check INCONCLUSIVE: {full}"
    h = make(what="Hessian", out_shape=(2,), shape=(2,))
    assert lines(h)[0] == "Hessian check FAILED: Hessian of g with respect to args[1], shape (2,)"
    hvp = make(what="HVP", mode="directional", analytic=np.array([1.0, 2.0, 3.0]),
               numerical=np.array([1.0, 2.0, 3.0]), worst_index=None, tolerance=None)
    assert lines(hvp)[0] == ("HVP check FAILED: HVP of g with respect to args[1], shape (2,), "
                             "along 3 random pairs (u_j, v_j)")
    jvp = make(what="JVP", mode="directional", analytic=np.array([1.0, 2.0]),
               numerical=np.array([1.0, 2.0]), worst_index=None, tolerance=None,
               out_shape=(3,), shape=(4, 5))
    assert lines(jvp)[0] == ("JVP check FAILED: JVP of g with respect to args[1], output shape "
                             "(3,), input shape (4, 5), along 2 random pairs (u_j, v_j)")
    adj = make(what="adjoint", mode="adjoint", analytic=np.array([1.0]),
               numerical=np.array([1.0]), worst_index=None, tolerance=None, name="pair",
               argnum=0, shape=(3,), out_shape=(2, 2))
    assert lines(adj)[0] == ("adjoint check FAILED: jvp against vjp (pair) with respect to "
                             "args[0], input shape (3,), output shape (2, 2), along 1 random "
                             "pairs (u_j, v_j)")


def test_reason_and_diagnosis_lines_appear_only_when_given() -> None:
    plain = lines(make())
    assert not any(s.startswith(("Reason:", "Diagnosis:")) for s in plain)
    r = lines(make(reason="1 of 4 entries differ", diagnosis="a lost transpose"))
    assert r[1] == "Reason: 1 of 4 entries differ"
    assert r[2] == "Diagnosis: a lost transpose"


def test_method_line_with_and_without_a_step_factor() -> None:
    assert line(make(), "Method:") == "Method: richardson (full mode), 30 evaluations of f"
    with_step = make(step_factor=1e-3, evaluated="jvp", method="central")
    assert line(with_step, "Method:") == (
        "Method: central (full mode), step factor 0.001 * max(|x_k|, rms(x)), "
        "30 evaluations of jvp")
    adj = make(mode="adjoint", what="adjoint", analytic=np.array([1.0]),
               numerical=np.array([1.0]), worst_index=None, tolerance=None, step_factor=1e-3)
    assert line(adj, "Method:") == "Method: dot-product test, no finite differences"


def test_pairs_line_only_with_compares() -> None:
    assert not any(s.startswith("Pairs:") for s in lines(make()))
    assert line(make(compares="u^T A v against d/dt"), "Pairs:") == "Pairs: u^T A v against d/dt"


def test_tolerance_line_names_the_error_bar_of_the_mode() -> None:
    assert line(make(), "Tolerance:") == (
        "Tolerance: |analytic - numerical| <= atol + safety * error_estimate + rtol * "
        "|numerical|, atol=0, safety=2, rtol=1e-06")
    adj = make(mode="adjoint", what="adjoint", analytic=np.array([1.0]),
               numerical=np.array([1.0]), worst_index=None, tolerance=None, atol=0.5,
               safety=3.0, rtol=0.25)
    assert line(adj, "Tolerance:") == (
        "Tolerance: |analytic - numerical| <= atol + safety * round_off_bound + rtol * "
        "|numerical|, atol=0.5, safety=3, rtol=0.25")
    per_entry = make(atol=np.array([[0.0, 0.5], [0.25, 0.0]]))
    assert "atol=per entry (max 0.5)," in line(per_entry, "Tolerance:")


def test_without_a_tolerance_no_sensitivity_counts_or_worst_line() -> None:
    r = lines(make(tolerance=None, verdict="fail", reason="jac raised"))
    for start in ("Sensitivity", "Mismatched", "Max ", "Worst", "Inconclusive", "What to try"):
        assert not any(s.startswith(start) for s in r), start
    assert r[-4:] == [" ANALYTIC: [[1.  2. ]", "            [3.5 4. ]]",
                      " NUMERICAL: [[1. 2.]", "             [3. 4.]]"]


def test_sensitivity_full_mode_names_the_matrix_and_no_chance() -> None:
    assert line(make(detectable=0.5), "Sensitivity:") == (
        "Sensitivity: no Jacobian whose error max|A - J| / max|J| exceeds 0.5 can pass")
    h = make(what="Hessian", detectable=0.0123)
    assert line(h, "Sensitivity:") == (
        "Sensitivity: no Hessian whose error max|A - H| / max|H| exceeds 0.012 can pass")


def test_sensitivity_along_pairs_states_its_probability() -> None:
    r = make(what="VJP", mode="directional", analytic=np.array([1.0, 2.0]),
             numerical=np.array([1.0, 2.0]), error=np.zeros(2), tolerance=np.ones(2),
             lower=np.array([1.0, 2.0]), upper=np.array([1.0, 2.0]), worst_index=None,
             mismatched=0, detectable=2e-4)
    assert line(r, "Sensitivity:") == (
        "Sensitivity: no VJP whose error max|A - J| / max|J| exceeds 0.0002 can pass "
        "(with probability >= 99.9 % over the random pairs)")
    adj = make(what="adjoint", mode="adjoint", analytic=np.array([1.0]),
               numerical=np.array([1.0]), error=np.zeros(1), tolerance=np.ones(1),
               lower=np.array([1.0]), upper=np.array([1.0]), worst_index=None, mismatched=0,
               detectable=3e-12)
    assert line(adj, "Sensitivity:") == (
        "Sensitivity: no vjp whose mismatch max|A_vjp^T - A_jvp| / max|A_jvp| exceeds 3e-12 "
        "can pass (with probability >= 99.9 % over the random pairs)")


def test_sensitivity_absolute_and_none() -> None:
    r = make(absolute=2.5e-9, detectable=np.inf)
    assert line(r, "Sensitivity:") == (
        "Sensitivity: absolute: the Jacobian is zero, confirmed to the noise floor of f; no "
        "Jacobian with max|A - J| > 2.5e-09 can pass (a relative error of a zero cannot be "
        "judged)")
    h = make(what="Hessian", absolute=1e-3, detectable=0.5)  # absolute wins over finite
    assert "max|A - H| > 0.001" in line(h, "Sensitivity:")
    assert line(make(detectable=np.inf), "Sensitivity:") == (
        "Sensitivity: none (the numerical side is zero within its error bounds, so no "
        "relative error can be judged)")


def test_inconclusive_says_why_and_what_to_try_only_when_inconclusive() -> None:
    r = lines(make(verdict="inconclusive", detectable=np.inf))
    i = r.index(next(s for s in r if s.startswith("Inconclusive:")))
    assert r[i] == ("Inconclusive: the finite differences cannot resolve the derivatives "
                    "here well enough to catch even one wrong by 100 %; no evidence of an "
                    "error was found, and none could have been")
    assert r[i + 1] == _TRY_JACOBIAN
    for verdict in ("pass", "fail"):
        other = lines(make(verdict=verdict, detectable=np.inf))
        assert not any(s.startswith(("Inconclusive:", "What to try")) for s in other)


_TRY_JACOBIAN = ("What to try: a point where the Jacobian is larger than the noise of f; f "
                 "computed in float64 throughout; method='complex' for a complex-safe f; or a "
                 "larger atol if an absolute error is what matters here.")
_TRY_HESSIAN = ("What to try: a point where the Hessian is larger than the noise of f; f "
                "computed in float64 throughout; method='complex' with grad= for a complex-safe "
                "grad; or a larger atol if an absolute error is what matters here.")


@pytest.mark.parametrize(("what", "expected"),
                         [("Jacobian", _TRY_JACOBIAN), ("JVP", _TRY_JACOBIAN),
                          ("VJP", _TRY_JACOBIAN), ("Hessian", _TRY_HESSIAN),
                          ("HVP", _TRY_HESSIAN)])
def test_what_to_try_where_the_derivatives_cannot_be_resolved_names_what_was_checked(
        what: str, expected: str) -> None:
    """It said "a point where the gradient is larger than the noise of f" in every report, and
    method='complex' -- which a Hessian takes only with grad= (without it: a ValueError)."""
    r = make(verdict="inconclusive", detectable=np.inf, what=what)
    assert line(r, "What to try:") == expected


def test_counts_and_differences() -> None:
    r = make()
    assert line(r, "Mismatched elements:") == "Mismatched elements: 1 / 4 (25%)"
    assert line(r, "Max absolute difference:") == "Max absolute difference: 0.5"
    assert line(r, "Max relative difference") == (
        "Max relative difference (to max |numerical|): 0.125")
    three = make(analytic=np.ones((3, 1)), numerical=np.zeros((3, 1)), error=np.zeros((3, 1)),
                 tolerance=np.zeros((3, 1)), lower=np.zeros((3, 1)), upper=np.zeros((3, 1)),
                 shape=(1,), out_shape=(3,), mismatched=2, worst_index=(0, 0))
    assert line(three, "Mismatched elements:") == "Mismatched elements: 2 / 3 (66.7%)"
    pairs = make(mode="directional", analytic=np.ones(3), numerical=np.zeros(3),
                 error=np.zeros(3), tolerance=np.zeros(3), lower=np.zeros(3),
                 upper=np.zeros(3), mismatched=3, worst_index=(0,))
    assert lines(pairs)[lines(pairs).index("Mismatched pairs: 3 / 3 (100%)") + 1] == (
        "Max absolute difference: 0.5")


def test_empty_result_counts_zero_percent() -> None:
    empty = make(analytic=np.zeros((2, 0)), numerical=np.zeros((2, 0)), error=np.zeros((2, 0)),
                 tolerance=np.zeros((2, 0)), lower=np.zeros((2, 0)), upper=np.zeros((2, 0)),
                 mismatched=0, worst_index=None, shape=(0,), verdict="pass", ok=True,
                 max_abs_error=0.0, max_rel_error=0.0)
    assert line(empty, "Mismatched elements:") == "Mismatched elements: 0 / 0 (0%)"
    assert not any(s.startswith("Worst") for s in lines(empty))


def test_worst_line_full_mode_names_output_and_input() -> None:
    assert line(make(), "Worst") == (
        "Worst entry (1, 0) (output (1,), input (0,)): analytic 3.5, numerical 3, |diff| 0.5, "
        "tolerance 0.25 (error estimate 0.001)")


def test_worst_line_of_a_hessian_names_the_second_derivative() -> None:
    assert line(make(what="Hessian"), "Worst") == (
        "Worst entry (1, 0) (d2f / dx(1,) dx(0,)): analytic 3.5, numerical 3, |diff| 0.5, "
        "tolerance 0.25 (error estimate 0.001)")


def test_worst_line_along_pairs_names_the_pair() -> None:
    r = make(mode="directional", analytic=np.array([1.0, 7.0]), numerical=np.array([1.0, 5.0]),
             error=np.array([0.0, 0.125]), tolerance=np.array([1.0, 1.5]),
             lower=np.array([1.0, 5.0]), upper=np.array([1.0, 5.0]), worst_index=(1,))
    assert line(r, "Worst") == ("Worst pair 1: analytic 7, numerical 5, |diff| 2, tolerance "
                                "1.5 (error estimate 0.125)")


def test_worst_line_at_a_kink_gives_both_one_sided_derivatives() -> None:
    lower = np.array([[1.0, 2.0], [-1.0, 4.0]])
    upper = np.array([[1.0, 2.0], [1.0, 4.0]])
    r = make(analytic=np.array([[1.0, 2.0], [3.0, 4.0]]), numerical=np.zeros((2, 2)),
             lower=lower, upper=upper)
    assert line(r, "Worst") == (
        "Worst entry (1, 0) (output (1,), input (0,)): analytic 3, one-sided derivatives -1 and "
        "1 (not differentiable), |diff| 2, tolerance 0.25 (error estimate 0.001)")


def test_worst_values_get_the_digits_that_tell_them_apart() -> None:
    a = np.array([[1.0, 2.0], [1.0 + 1e-9, 4.0]])
    n = np.array([[1.0, 2.0], [1.0, 4.0]])
    r = make(analytic=a, numerical=n, lower=n, upper=n, tolerance=np.zeros((2, 2)))
    assert "analytic 1.000000001, numerical 1," in line(r, "Worst")


def mismatched_full(count: int) -> JacobianCheck:
    """A 3x4 result whose first ``count`` entries (row-major) are off by 10 + k."""
    n = np.zeros((3, 4))
    a = n.copy()
    a.flat[:count] = 10.0 + np.arange(count)
    return make(analytic=a, numerical=n, error=np.zeros((3, 4)), tolerance=np.ones((3, 4)),
                lower=n, upper=n, mismatched=count, shape=(4,), out_shape=(3,),
                worst_index=np.unravel_index(count - 1, (3, 4)))


def test_one_mismatched_entry_is_not_listed_again() -> None:
    assert not any(s.startswith("Mismatched entries") for s in lines(mismatched_full(1)))


def test_mismatched_entries_are_listed_worst_first() -> None:
    assert line(mismatched_full(2), "Mismatched entries") == (
        "Mismatched entries: (0, 1), (0, 0)")


def test_ten_mismatched_entries_are_all_listed_without_a_count() -> None:
    got = line(mismatched_full(10), "Mismatched entries")
    assert got == ("Mismatched entries: (2, 1), (2, 0), (1, 3), (1, 2), (1, 1), (1, 0), (0, 3), "
                   "(0, 2), (0, 1), (0, 0)")
    assert "first 10" not in got


def test_eleven_mismatched_entries_show_the_first_ten_of_eleven() -> None:
    got = line(mismatched_full(11), "Mismatched entries")
    assert got.startswith("Mismatched entries (first 10 of 11): (2, 2), (2, 1), (2, 0)")
    assert got.count("(") == 11  # ten entries and the "(first 10 of 11)"
    assert got.endswith("(0, 1)")


def test_mismatched_pairs_are_listed_by_their_number() -> None:
    a = np.array([5.0, 0.0, 7.0])
    n = np.zeros(3)
    r = make(mode="directional", analytic=a, numerical=n, error=np.zeros(3),
             tolerance=np.ones(3), lower=n, upper=n, mismatched=2, worst_index=(2,))
    listed = [s for s in lines(r) if s.startswith("Mismatched pairs")]
    assert listed == ["Mismatched pairs: 2 / 3 (66.7%)", "Mismatched pairs: 2, 0"]


def test_arrays_are_printed_aligned_and_notes_close_the_report() -> None:
    r = lines(make(notes=("first note", "second note")))
    assert r[-2:] == ["Note: first note", "Note: second note"]
    i = r.index(" ANALYTIC: [[1.  2. ]")
    assert r[i + 1] == "            [3.5 4. ]]"
    assert r[i + 2] == " NUMERICAL: [[1. 2.]"
    assert r[i + 3] == "             [3. 4.]]"


def test_arrays_print_eight_digits_and_summarise_beyond_64_entries() -> None:
    a = np.full((1, 1), 1.0 / 3.0)
    r = make(analytic=a, numerical=a, error=np.zeros((1, 1)), tolerance=np.ones((1, 1)),
             lower=a, upper=a, worst_index=None, mismatched=0, shape=(1,), out_shape=(1,))
    assert line(r, " ANALYTIC:") == " ANALYTIC: [[0.33333333]]"
    big = np.arange(65.0)
    r = make(mode="directional", analytic=big, numerical=None, tolerance=None,
             worst_index=None)
    text = line(r, " ANALYTIC:")
    assert text == " ANALYTIC: [ 0.  1.  2. ... 62. 63. 64.]"
    assert not any(s.startswith(" NUMERICAL:") for s in lines(r))
    small = np.arange(64.0)
    r = make(mode="directional", analytic=small, numerical=None, tolerance=None,
             worst_index=None)
    assert "..." not in _render(r)


def test_array_lines_wrap_at_100_columns() -> None:
    a = np.arange(40.0)
    r = make(mode="directional", analytic=a, numerical=None, tolerance=None, worst_index=None)
    printed = [s for s in lines(r) if s.startswith((" ANALYTIC:", "           "))]
    assert len(printed) >= 2
    assert all(len(s) <= 100 for s in printed)
    assert max(len(s) for s in printed) > 80  # filled up to the width, not wrapped at 75


@pytest.mark.parametrize(("scale", "verdict"), [(1.0, "pass"), (1.01, "fail")])
def test_the_real_checks_render_through_this_report(scale: float, verdict: str) -> None:
    from checks import check_jacobian

    x = np.array([0.5, 1.0])
    r = check_jacobian(np.sin, lambda x: np.diag(scale * np.cos(x)), (x,))
    assert r.verdict == verdict
    assert str(r) == _render(r)
    head = {"pass": "passed", "fail": "FAILED"}[verdict]
    assert str(r).startswith(f"Jacobian check {head}: Jacobian of sin with respect to args[0]")


# ------------------------------------------------------------ entries that cannot be judged


def _reason(kinds: list[list[int]], unit: str = "entr") -> str:
    """The reason :func:`checks.rule._unjudged` gives for these kinds (what the checks say)."""
    from checks.rule import _unjudged

    why = _unjudged(np.array(kinds), np.ones(np.shape(kinds)), unit)[1]
    assert why is not None
    return why


def unjudged(kinds: list[list[int]], **kw: Any) -> JacobianCheck:
    """An inconclusive 2x2 Hessian whose entries of a kind that is no bound are not judged:
    infinite tolerance; entry (0, 0) has no estimate (``nan``), as an overflow leaves it."""
    from checks.ladder import reliable

    loose = ~reliable(np.array(kinds))
    n = np.where(loose, 1.5, 0.0)
    n[0, 0] = np.nan
    base: dict[str, Any] = dict(
        what="Hessian", verdict="inconclusive", ok=False, analytic=np.zeros((2, 2)),
        numerical=n, lower=n, upper=n, error=np.where(loose, np.inf, 1e-3),
        tolerance=np.where(loose, np.inf, 0.25), mismatched=0, worst_index=(0, 0),
        max_abs_error=float("nan"), max_rel_error=float("inf"), detectable=np.inf,
        reason=_reason(kinds))
    base.update(kw)
    return make(**base)


_UNJUDGED_SENSITIVITY = ("Sensitivity: none promised: some entries cannot be judged (their "
                         "estimates are not bounds; see the notes)")
_UNJUDGED_INCONCLUSIVE = ("Inconclusive: some entries cannot be judged (see the notes); no other "
                          "entry differs from its estimate by more than its tolerance")
_TRY_OVERFLOW = ("What to try: the differences of f overflow at the entries named in the "
                 "reason: rescale f (divide f, and the derivative checked, by a constant such "
                 "as 1e10) or check at a point where the differences stay finite")
_TRY_UNSETTLED = ("What to try: f varies on a scale below the steps tried at the entries named "
                  "in the notes: a shorter step= there, or a point away from the feature; if f "
                  "is noisy, compute it in float64 throughout")


def test_entries_that_overflow_are_reported_as_not_judged_not_as_a_zero() -> None:
    """The Hessian of ``1.7e308 tanh(1e3 x_0) + x_1`` at 0: entry (0, 0) overflows. The
    report said "the numerical side is zero" and told the user to find a point where the
    gradient beats the noise; it says what the gradient report says of such entries, and
    what to try for an overflow."""
    from checks.ladder import OVERFLOW, SMOOTH

    r = unjudged([[OVERFLOW, SMOOTH], [SMOOTH, SMOOTH]])
    text = lines(r)
    assert line(r, "Sensitivity:") == _UNJUDGED_SENSITIVITY
    i = text.index(_UNJUDGED_INCONCLUSIVE)
    assert text[i + 1] == _TRY_OVERFLOW
    assert not text[i + 2].startswith("What to try")
    assert "the numerical side is zero" not in _render(r)
    assert "larger than the noise of f" not in _render(r)


def test_overflow_beside_entries_that_did_not_settle_gets_both_things_to_try() -> None:
    from checks.ladder import OVERFLOW, SMOOTH, UNRESOLVED

    r = unjudged([[OVERFLOW, UNRESOLVED], [UNRESOLVED, SMOOTH]])
    assert "overflow at (0, 0)" in r.reason and "did not settle at the others" in r.reason
    text = lines(r)
    i = text.index(_UNJUDGED_INCONCLUSIVE)
    assert text[i + 1: i + 3] == [_TRY_OVERFLOW, _TRY_UNSETTLED]
    unsettled = unjudged([[UNRESOLVED, SMOOTH], [SMOOTH, SMOOTH]])
    text = lines(unsettled)
    assert text[text.index(_UNJUDGED_INCONCLUSIVE) + 1] == _TRY_UNSETTLED


def test_a_jump_is_a_discontinuity_of_f_in_a_jacobian_and_of_the_gradient_in_a_hessian() -> None:
    from checks.ladder import JUMP, SMOOTH

    kinds = [[JUMP, SMOOTH], [SMOOTH, SMOOTH]]
    jac = unjudged(kinds, what="Jacobian")
    assert line(jac, "What to try:") == (
        "What to try: f is discontinuous at the entries named in the notes and has no "
        "derivative there: check at a point away from the jump")
    assert line(unjudged(kinds), "What to try:") == (
        "What to try: the gradient of f jumps at the entries named in the notes (f has a kink "
        "there and no second derivative): check at a point away from the kink")


def test_the_reason_of_a_jump_in_a_hessian_leads_to_what_to_try_at_a_kink() -> None:
    """The Hessian's reason says the gradient jumps (``rule._unjudged(..., second=True)``);
    the report finds that cause in it and says what to try at a kink -- from the reason's
    words, whatever the report's own ``what``."""
    from checks.ladder import JUMP, SMOOTH
    from checks.rule import _unjudged

    kinds = np.array([[JUMP, SMOOTH], [SMOOTH, SMOOTH]])
    why = _unjudged(kinds, np.ones((2, 2)), "entr", second=True)[1]
    kink = ("What to try: the gradient of f jumps at the entries named in the notes (f has a "
            "kink there and no second derivative): check at a point away from the kink")
    for what in ("Hessian", "Jacobian"):
        r = unjudged(kinds.tolist(), what=what, reason=why)
        assert line(r, "Reason:") == ("Reason: 1 entry cannot be judged ((0, 0)): the gradient "
                                      "jumps (f has a kink) there; see the notes")
        assert line(r, "What to try:") == kink


def test_pairs_that_cannot_be_judged_are_called_pairs() -> None:
    from checks.ladder import OVERFLOW

    n = np.array([np.nan, 2.0])
    r = make(what="HVP", mode="directional", verdict="inconclusive", analytic=np.zeros(2),
             numerical=n, lower=n, upper=n, error=np.array([np.inf, 1e-3]),
             tolerance=np.array([np.inf, 0.5]), mismatched=0, worst_index=(0,),
             detectable=np.inf, reason=_reason([OVERFLOW, 0], "pair"))
    assert line(r, "Sensitivity:") == ("Sensitivity: none promised: some pairs cannot be judged "
                                       "(their estimates are not bounds; see the notes)")
    assert line(r, "Inconclusive:") == (
        "Inconclusive: some pairs cannot be judged (see the notes); no other pair differs from "
        "its estimate by more than its tolerance")
    assert line(r, "What to try:") == _TRY_OVERFLOW.replace("entries", "pairs")


def test_a_failure_beside_entries_that_cannot_be_judged_promises_no_sensitivity() -> None:
    """The gradient report's rule: an infinite tolerance somewhere means no promise, whatever
    the verdict (the other entries can still fail)."""
    from checks.ladder import OVERFLOW, SMOOTH

    r = unjudged([[OVERFLOW, SMOOTH], [SMOOTH, SMOOTH]], verdict="fail",
                 analytic=np.array([[0.0, 0.0], [0.0, 7.0]]), mismatched=1, worst_index=(1, 1),
                 reason="1 of 4 entries differ by more than the tolerance")
    assert line(r, "Sensitivity:") == _UNJUDGED_SENSITIVITY
    assert not any(s.startswith(("Inconclusive:", "What to try")) for s in lines(r))


def test_worst_line_of_an_estimate_that_is_not_finite_is_no_kink() -> None:
    """``nan != nan``: a ``nan`` estimate (an entry whose differences overflow) was printed as
    "one-sided derivatives nan and nan (not differentiable)"; it is no kink but no estimate."""
    from checks.ladder import OVERFLOW, SMOOTH

    r = unjudged([[OVERFLOW, SMOOTH], [SMOOTH, SMOOTH]])
    assert line(r, "Worst") == (
        "Worst entry (0, 0) (d2f / dx(0,) dx(0,)): analytic 0, numerical not available (the "
        "estimate is nan, not finite), |diff| nan, tolerance inf (error estimate inf)")
    inf = np.array([[np.inf, 0.0], [0.0, 0.0]])
    r = unjudged([[OVERFLOW, SMOOTH], [SMOOTH, SMOOTH]], numerical=inf, lower=inf, upper=inf)
    assert "analytic 0, numerical not available (the estimate is inf, not finite), |diff| " \
        "inf," in line(r, "Worst")
    ends = (np.array([[-np.inf, 0.0], [0.0, 0.0]]), np.array([[np.inf, 0.0], [0.0, 0.0]]))
    r = unjudged([[OVERFLOW, SMOOTH], [SMOOTH, SMOOTH]], lower=ends[0], upper=ends[1])
    assert "numerical not available (the estimate is nan, not finite)" in line(r, "Worst")


def test_the_real_jacobian_of_a_map_whose_differences_overflow() -> None:
    """``(1.7e308 tanh(1e3 x_0) + x_1, x_1^2)`` at ``(0, 0.2)``: the entry (0, 0) has slope
    ``1.7e311``, which no difference holds. The report says it overflows and what to try,
    and promises no sensitivity; numpy warns nothing."""
    import warnings

    from checks import check_jacobian

    def f(v: np.ndarray) -> np.ndarray:
        return np.array([1.7e308 * np.tanh(1e3 * v[0]) + v[1], v[1] ** 2])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_jacobian(f, lambda v: np.array([[1.0, 1.0], [0.0, 2 * v[1]]]),
                           (np.array([0.0, 0.2]),))
    assert r.verdict == "inconclusive", str(r)
    assert r.reason == ("1 entry cannot be judged ((0, 0)): the finite differences overflow "
                        "there (f is finite near x, its differences are not); see the notes")
    assert line(r, "Sensitivity:") == _UNJUDGED_SENSITIVITY
    assert line(r, "Inconclusive:") == _UNJUDGED_INCONCLUSIVE
    assert line(r, "What to try:") == _TRY_OVERFLOW
    (note,) = (n for n in r.notes if "(0,)" in n)
    assert "f's values are finite there, but its finite differences overflow" in note, note


@pytest.mark.parametrize("mode", ["full", "directional"])
@pytest.mark.parametrize("method", ["richardson", "central", "complex"])
def test_a_jacobian_whose_differences_overflow_promises_nothing_quietly(method: str,
                                                                        mode: str) -> None:
    """The map above, with every method, in full mode and along pairs: along pairs the
    ``inf`` estimates of the fixed methods warned ("invalid value encountered in subtract",
    "... in add"), and in full mode ``detectable`` was ``nan``. It is ``inf``: no promise."""
    import warnings

    from checks import check_jacobian

    def f(v: np.ndarray) -> np.ndarray:
        return np.array([1.7e308 * np.tanh(1e3 * v[0]) + v[1], v[1] ** 2])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_jacobian(f, lambda v: np.array([[1.0, 1.0], [0.0, 2 * v[1]]]),
                           (np.array([0.0, 0.2]),), method=method, mode=mode)
    assert r.verdict == "inconclusive", str(r)
    assert r.detectable == float("inf"), r.detectable


def test_the_jacobian_from_central_differences_names_the_entry_that_overflows() -> None:
    """The reason says "see the notes"; a note names entry (0, 0) (there was none)."""
    import warnings

    from checks import check_jacobian

    def f(v: np.ndarray) -> np.ndarray:
        return np.array([1.7e308 * np.tanh(1e3 * v[0]) + v[1], v[1] ** 2])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_jacobian(f, lambda v: np.array([[1.0, 1.0], [0.0, 2 * v[1]]]),
                           (np.array([0.0, 0.2]),), method="central", mode="full")
    assert r.reason == ("1 entry cannot be judged ((0, 0)): the finite differences or their "
                        "error bars are not finite there (f, or its differences, overflow near "
                        "x); see the notes")
    v, e = float(r.numerical[0, 0]), float(r.error[0, 0])
    assert line(r, "Note: entry (0, 0)") == (
        f"Note: entry (0, 0) (estimate {v:.3g}, error bar {e:.3g}): no finite tolerance "
        "follows from them (f, or its differences, overflow near x); this entry is not judged")


def test_differences_over_the_entries_or_pairs_that_could_be_judged() -> None:
    """The report's largest differences are over the entries (pairs) that could be judged
    (finite tolerance), or not available where none could."""
    from checks.ladder import OVERFLOW, SMOOTH

    r = unjudged([[OVERFLOW, SMOOTH], [SMOOTH, SMOOTH]], max_abs_error=0.0, max_rel_error=0.0,
                 worst_index=(0, 1))
    assert line(r, "Max absolute difference:") == (
        "Max absolute difference: 0 (over the 3 of 4 entries that could be judged)")
    assert line(r, "Max relative difference") == (
        "Max relative difference (to max |numerical|): 0 (over the 3 of 4 entries that could "
        "be judged)")
    n = np.array([np.nan, np.inf])
    pairs = make(what="HVP", mode="directional", verdict="inconclusive", analytic=np.zeros(2),
                 numerical=n, lower=n, upper=n, error=np.array([np.inf, np.nan]),
                 tolerance=np.full(2, np.inf), mismatched=0, worst_index=None,
                 max_abs_error=float("nan"), max_rel_error=float("nan"), detectable=np.inf)
    assert line(pairs, "Max absolute difference:") == (
        "Max absolute difference: not available (no pair could be judged)")
    assert line(pairs, "Max relative difference") == (
        "Max relative difference (to max |numerical|): not available (no pair could be judged)")
    assert line(make(), "Max absolute difference:") == "Max absolute difference: 0.5"


def test_a_wrong_entry_beside_one_that_overflows_shows_in_the_differences() -> None:
    """``J[1, 1]`` wrong by 4.6 beside ``J[0, 0]``, whose differences overflow: the check
    fails, and the largest difference -- it read ``nan``, relative ``inf`` -- is that entry's,
    over the three that could be judged; the result's fields hold the same."""
    import warnings

    from checks import check_jacobian

    def f(v: np.ndarray) -> np.ndarray:
        return np.array([1.7e308 * np.tanh(1e3 * v[0]), v[1] ** 2])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_jacobian(f, lambda v: np.array([[1.0, 0.0], [0.0, 5.0]]),
                           (np.array([0.0, 0.2]),), mode="full")
    assert r.verdict == "fail", str(r)
    assert r.worst_index == (1, 1) and r.mismatched == 1
    assert r.max_abs_error == pytest.approx(4.6, rel=1e-9, abs=0)
    assert r.max_rel_error == pytest.approx(4.6 / 0.4, rel=1e-9, abs=0)
    assert line(r, "Max absolute difference:") == (
        f"Max absolute difference: {r.max_abs_error:.6g} (over the 3 of 4 entries that could "
        "be judged)")
    assert line(r, "Max relative difference") == (
        f"Max relative difference (to max |numerical|): {r.max_rel_error:.6g} (over the 3 of 4 "
        "entries that could be judged)")
    assert line(r, "Worst").startswith("Worst entry (1, 1) (output (1,), input (1,)): "
                                       "analytic 5, numerical 0.4")
