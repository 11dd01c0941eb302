"""Behaviour of :mod:`checks.report`: every line of the report from a hand-made result, so
that each text, number format and condition is pinned (the real checks are exercised in
``test_verdicts``; here the inputs are chosen to hit each branch)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from checks.report import (
    _atol_text,
    _fmt_pair,
    _inconclusive,
    _per_entry,
    _sensitivity,
    render,
)


def _result(**kw):
    analytic = np.array([1.0, 2.0, 3.0])
    numerical = np.array([1.0, 2.5, 3.0])
    base = dict(verdict="fail", mode="full", argnum=0, shape=(3,), name="loss", reason=None,
                diagnosis=None, step_factor=None, method="central", evaluations=29,
                atol=0.0, safety=10.0, rtol=1e-8, analytic=analytic, numerical=numerical,
                tolerance=np.array([0.1, 0.1, 0.1]), absolute=None, detectable=0.05,
                detectable_by_entry=None, mismatched=1, max_abs_error=0.5,
                max_rel_error=0.5 / 3.0, worst_index=(1,), lower=numerical.copy(),
                upper=numerical.copy(), difference=np.abs(analytic - numerical),
                error=np.array([1e-9, 2e-9, 3e-9]), mismatched_indices=[(1,)], notes=(),
                crosschecks=(), tree=None)
    base.update(kw)
    return SimpleNamespace(**base)


def test_fmt_pair_shows_just_enough_digits():
    assert _fmt_pair(1.0, 1.0) == ("1", "1")
    assert _fmt_pair(1.5, 2.5) == ("1.5", "2.5")
    assert _fmt_pair(1.0, 1.0000001) == ("1", "1.0000001")
    assert _fmt_pair(0.1, 0.1 + 2**-55) == ("0.10000000000000001", "0.10000000000000003")
    assert _fmt_pair(float("nan"), float("nan")) == ("nan", "nan")


def test_atol_text():
    assert _atol_text(0.0) == "0"
    assert _atol_text(1e-8) == "1e-08"
    assert _atol_text(np.array([0.0, 0.5, 0.25])) == "per entry (max 0.5)"


def test_sensitivity_lines():
    assert _sensitivity(_result(absolute=3e-12)) == (
        "Sensitivity: absolute: the gradient is zero, confirmed to the noise floor of f; no "
        "gradient with max|a - g| > 3e-12 can pass (a relative error of a zero cannot be "
        "judged)")
    assert _sensitivity(_result(detectable=0.0123)) == (
        "Sensitivity: no gradient whose error max|a - g| / max|g| exceeds 0.012 can pass")
    assert _sensitivity(_result(detectable=0.0123, mode="directional")).endswith(
        "exceeds 0.012 can pass (with probability >= 99.9 % over the random directions)")
    assert _sensitivity(_result(detectable=np.inf, tolerance=np.array([1.0, np.inf]))) == (
        "Sensitivity: none promised: some entries cannot be judged (their estimates are not "
        "bounds; see the notes)")
    none = ("Sensitivity: none (the numerical gradient is zero within its error bounds, so "
            "no relative error can be judged)")
    assert _sensitivity(_result(detectable=np.inf, verdict="inconclusive")) == none
    assert _sensitivity(_result(detectable=np.inf, verdict="fail")) == (
        none + "; the failing entries differ from it by more than their error bounds")


def test_per_entry_sensitivity():
    assert _per_entry(_result()) is None
    d = np.array([1e-6, 0.5, 2e-6, np.inf, 0.25, 1e-3])
    assert _per_entry(_result(detectable_by_entry=d, mode="directional")) is None
    assert _per_entry(_result(detectable_by_entry=np.array([1e-6, np.inf]))) is None
    assert _per_entry(_result(detectable_by_entry=d)) == (
        "Per entry: 4 entries could hide an error above 1e-06 of their own size (worst: (1,) "
        "0.5, (4,) 0.25, (5,) 0.001); .detectable_by_entry has every entry's")
    one = _per_entry(_result(detectable_by_entry=np.array([[0.0, 3e-6]])))
    assert one.startswith("Per entry: 1 entry could hide an error above 1e-06 of their own "
                          "size (worst: (0, 1) 3e-06)")
    named = _result(detectable_by_entry=np.array([0.0, 3e-6]),
                    entry_name=lambda i: f"w[{i[0]}]")
    assert "(worst: w[1] 3e-06)" in _per_entry(named)


def test_inconclusive_lines():
    jumps = _inconclusive(_result(tolerance=np.array([np.inf]),
                                  reason="1 entry cannot be judged ((0,)): f jumps there"))
    assert jumps[0] == ("Inconclusive: some entries cannot be judged (see the notes); no other "
                        "entry differs from its estimate by more than its tolerance")
    assert jumps[1].startswith("What to try: f is discontinuous at the entries named in the "
                               "notes and has no derivative there")
    unsettled = _inconclusive(_result(tolerance=np.array([np.inf]), reason=None))
    assert unsettled[1].startswith("What to try: f varies on a scale below the steps tried")
    flat = _inconclusive(_result(tolerance=np.array([1.0]), reason="zero"))
    assert flat[0].startswith("Inconclusive: the finite differences cannot resolve the "
                              "gradient here well enough to catch even a gradient wrong by "
                              "100 %")
    assert flat[1].startswith("What to try: a point where the gradient is larger than the "
                              "noise of f")


def test_render_a_failure_line_by_line():
    lines = render(_result(reason="1 entry differs", diagnosis="a factor 1.25",
                           notes=("first note", "second"))).splitlines()
    assert lines[0] == ("Gradient check FAILED: gradient of loss with respect to args[0], "
                        "shape (3,)")
    assert lines[1] == "Reason: 1 entry differs"
    assert lines[2] == "Diagnosis: a factor 1.25"
    assert lines[3] == "Method: central (full mode), 29 evaluations of f"
    assert lines[4] == ("Tolerance: |analytic - numerical| <= atol + safety * error_estimate + "
                        "rtol * |numerical|, atol=0, safety=10, rtol=1e-08")
    assert lines[5].startswith("Sensitivity: no gradient whose error")
    assert lines[6] == "Mismatched elements: 1 / 3 (33.3%)"
    assert lines[7] == "Max absolute difference: 0.5"
    assert lines[8] == "Max relative difference (to max |numerical|): 0.166667"
    assert lines[9] == ("Worst entry (1,): analytic 2, numerical 2.5, |diff| 0.5, tolerance "
                        "0.1 (error estimate 2e-09)")
    assert lines[10].startswith(" ANALYTIC: [1. 2. 3.]")
    assert lines[11].startswith(" NUMERICAL: [1.  2.5 3. ]")
    assert lines[12:] == ["Note: first note", "Note: second"]


def test_render_heads_method_and_kinks():
    r = _result(verdict="pass", method="richardson", step_factor=0.011,
                mismatched=0, mismatched_indices=[])
    text = render(r)
    assert text.startswith("Gradient check passed: gradient of loss")
    assert ("Method: richardson (full mode), step factor 0.011 * max(|x_k|, rms(x)) with "
            "per-entry adaptive steps, 29 evaluations of f") in text
    r = _result(verdict="inconclusive", method="central", step_factor=1e-5)
    text = render(r)
    assert text.startswith("Gradient check INCONCLUSIVE: gradient")
    assert "Method: central (full mode), step factor 1e-05 * max(|x_k|, rms(x)), 29 " in text
    assert "adaptive" not in text and "Inconclusive: " in text
    kink = _result(lower=np.array([1.0, -1.0, 3.0]), upper=np.array([1.0, 1.5, 3.0]))
    assert "Worst entry (1,): analytic 2, one-sided derivatives -1 and 1.5 (not " \
        "differentiable), |diff| 0.5" in render(kink)
    assert "Mismatched elements: 0 / 0 (0%)" in render(_result(
        analytic=np.zeros(0), numerical=np.zeros(0), mismatched=0, worst_index=None,
        tolerance=np.zeros(0), mismatched_indices=[]))


def test_differences_are_over_the_entries_that_could_be_judged():
    """An entry with an infinite tolerance cannot be judged: the largest differences are over
    the others, and the report says so -- or that they are not available where no entry could
    be judged (the result then holds ``nan``)."""
    part = render(_result(tolerance=np.array([0.1, 0.1, np.inf]))).splitlines()
    assert "Max absolute difference: 0.5 (over the 2 of 3 entries that could be judged)" in part
    assert ("Max relative difference (to max |numerical|): 0.166667 (over the 2 of 3 entries "
            "that could be judged)") in part
    one = render(_result(tolerance=np.array([np.inf, 0.1, np.inf]))).splitlines()
    assert "Max absolute difference: 0.5 (over the 1 of 3 entries that could be judged)" in one
    for mode, unit in (("full", "entry"), ("directional", "direction")):
        none = render(_result(mode=mode, verdict="inconclusive", mismatched=0,
                              mismatched_indices=[], tolerance=np.full(3, np.inf),
                              max_abs_error=float("nan"), max_rel_error=float("nan"),
                              worst_index=None)).splitlines()
        assert f"Max absolute difference: not available (no {unit} could be judged)" in none
        assert (f"Max relative difference (to max |numerical|): not available (no {unit} "
                "could be judged)") in none
        assert not any(s.startswith("Worst") for s in none)
    assert "Max absolute difference: 0.5" in render(_result()).splitlines()


def test_render_lists_the_mismatched_entries_and_directions():
    n = 12
    analytic = np.arange(n, dtype=float)
    numerical = analytic + 1.0
    r = _result(analytic=analytic, numerical=numerical, shape=(n,), tolerance=np.zeros(n),
                lower=numerical, upper=numerical, difference=np.ones(n), error=np.zeros(n),
                mismatched=n, mismatched_indices=[(i,) for i in range(n)], worst_index=(0,))
    text = render(r)
    assert ("Mismatched entries (first 10 of 12): (0,), (1,), (2,), (3,), (4,), (5,), (6,), "
            "(7,), (8,), (9,)") in text
    few = _result(mismatched=2, mismatched_indices=[(0,), (1,)])
    assert "Mismatched entries: (0,), (1,)" in render(few)
    assert "Mismatched entries" not in render(_result())  # one entry: the worst line says it
    d = _result(mode="directional", mismatched=2, mismatched_indices=[(0,), (2,)],
                worst_index=(2,))
    text = render(d)
    assert text.startswith("Gradient check FAILED: directional derivatives of loss")
    assert "Worst direction 2: analytic 3," in text
    assert "Mismatched directions: 0, 2" in text
    assert "(directional mode)" in text


def test_render_without_numerical_side_and_failed_crosschecks():
    r = _result(numerical=None, notes=("only note",))
    lines = render(r).splitlines()
    assert lines[-1] == "Note: only note"
    assert not any(line.startswith("Mismatched") for line in lines)
    good = SimpleNamespace(ok=True)

    class Check:
        ok = False

        def __str__(self):
            return "the adjoint disagrees"

    text = render(_result(crosschecks=(good, Check())))
    assert "Cross-check FAILED: the adjoint disagrees" in text
    assert text.count("Cross-check FAILED") == 1


# ------------------------------------------------------------ entries that cannot be judged

_TRY_OVERFLOW = ("What to try: the differences of f overflow at the entries named in the "
                 "reason: rescale f (divide f, and the derivative checked, by a constant such "
                 "as 1e10) or check at a point where the differences stay finite")


def _why(kinds, tol=None, unit="entr"):
    """The reason :func:`checks.rule._unjudged` gives (what a real check says)."""
    from checks.rule import _unjudged

    tol = np.ones(len(kinds)) if tol is None else np.asarray(tol)
    return _unjudged(None if kinds is None else np.array(kinds), tol, unit)[1]


def test_inconclusive_lines_say_what_to_try_for_differences_that_overflow():
    """An overflow (kind ``OVERFLOW``, or a tolerance that is not finite: the fixed stencils'
    overflow) is no feature below the steps: rescale ``f``, or move. Beside entries that did
    not settle, both things to try, the overflow's first."""
    from checks.ladder import OVERFLOW, SMOOTH, UNRESOLVED

    head = ("Inconclusive: some entries cannot be judged (see the notes); no other entry "
            "differs from its estimate by more than its tolerance")
    inf = np.array([np.inf, 1.0])
    overflow = _inconclusive(_result(tolerance=inf, reason=_why([OVERFLOW, SMOOTH])))
    assert overflow == [head, _TRY_OVERFLOW]
    nonfinite = _inconclusive(_result(tolerance=inf, reason=_why(None, [np.nan, 1.0])))
    assert nonfinite == [head, _TRY_OVERFLOW]
    both = _inconclusive(_result(tolerance=np.array([np.inf, np.inf, 1.0]),
                                 reason=_why([OVERFLOW, UNRESOLVED, SMOOTH])))
    assert both[0] == head and both[1] == _TRY_OVERFLOW
    assert both[2].startswith("What to try: f varies on a scale below the steps tried")
    assert len(both) == 3


def test_directions_that_cannot_be_judged_are_called_directions():
    from checks.ladder import UNRESOLVED

    r = _result(mode="directional", verdict="inconclusive", tolerance=np.array([np.inf, 1.0]),
                detectable=np.inf, reason=_why([UNRESOLVED, 0], unit="direction"))
    assert _sensitivity(r) == ("Sensitivity: none promised: some directions cannot be judged "
                               "(their estimates are not bounds; see the notes)")
    assert _inconclusive(r)[0] == (
        "Inconclusive: some directions cannot be judged (see the notes); no other direction "
        "differs from its estimate by more than its tolerance")
    assert _inconclusive(r)[1].startswith("What to try: f varies on a scale below the steps "
                                          "tried at the directions named in the notes")


def test_worst_line_of_an_estimate_that_is_not_finite_is_no_kink():
    """``nan != nan`` made a ``nan`` estimate "one-sided derivatives nan and nan (not
    differentiable)": it is no kink, the estimate is not available."""
    n = np.array([1.0, np.nan, 3.0])
    r = _result(verdict="inconclusive", numerical=n, lower=n, upper=n, mismatched=0,
                mismatched_indices=[], tolerance=np.array([0.1, np.inf, 0.1]),
                difference=np.array([0.0, np.nan, 0.0]), error=np.array([1e-9, np.inf, 1e-9]))
    assert ("Worst entry (1,): analytic 2, numerical not available (the estimate is nan, not "
            "finite), |diff| nan, tolerance inf (error estimate inf)") in render(r).splitlines()
    n = np.array([1.0, np.inf, 3.0])
    r = _result(verdict="inconclusive", numerical=n, lower=n, upper=n, mismatched=0,
                mismatched_indices=[], tolerance=np.array([0.1, np.inf, 0.1]),
                difference=np.array([0.0, np.inf, 0.0]))
    assert "analytic 2, numerical not available (the estimate is inf, not finite)," in render(r)


def test_the_report_of_a_gradient_whose_differences_overflow():
    """``1.7e308 tanh(1e3 x_0) + x_1`` at 0: ``f`` is finite, its slope ``1.7e311`` is not.
    The report names the overflow (reason, note, what to try) and shows no kink, whether or
    not the analytic side is right; numpy warns nothing."""
    import warnings

    from checks import check_gradient

    def f(v):
        return 1.7e308 * np.tanh(1e3 * v[0]) + v[1]

    for g in ([1.0, 1.0], [1e300, 1.0]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r = check_gradient(f, lambda v, g=g: np.array(g), (np.array([0.0, 0.2]),))
        assert r.verdict == "inconclusive", str(r)
        lines = str(r).splitlines()
        assert r.reason == ("1 entry cannot be judged ((0,)): the finite differences overflow "
                            "there (f is finite near x, its differences are not); see the notes")
        assert ("Sensitivity: none promised: some entries cannot be judged (their estimates "
                "are not bounds; see the notes)") in lines
        assert lines[lines.index(
            "Inconclusive: some entries cannot be judged (see the notes); no other entry "
            "differs from its estimate by more than its tolerance") + 1] == _TRY_OVERFLOW
        # the worst entry is one that was judged: entry (1,), not the nan of entry (0,)
        (worst,) = (s for s in lines if s.startswith("Worst"))
        assert worst.startswith("Worst entry (1,): analytic 1, numerical 1, |diff| 0, "), worst
        assert ("Max absolute difference: 0 (over the 1 of 2 entries that could be judged)"
                in lines)
        (note,) = (s for s in lines if s.startswith("Note: entry (0,)"))
        assert note.startswith("Note: entry (0,): f's values are finite there, but its finite "
                               "differences overflow"), note
        assert note.endswith("this entry is not judged")
        assert "did not settle" not in str(r) and "one-sided" not in str(r)


def huge_tanh(v):
    """Finite near 0, but its slope there along ``e_0`` is ``1.7e311``: no float."""
    return 1.7e308 * np.tanh(1e3 * v[0]) + v[1]


@pytest.mark.parametrize("mode", ["full", "directional"])
@pytest.mark.parametrize("method", ["richardson", "central", "forward", "complex"])
def test_a_gradient_whose_differences_overflow_promises_nothing_with_any_method(method, mode):
    """``detectable`` was ``nan`` (``inf - inf`` and ``inf / nan`` in the promise), and along
    directions the fixed methods' ``inf`` estimates warned "invalid value encountered in
    subtract". No promise is ``inf``, quietly, for a right and a wrong gradient alike."""
    import warnings

    from checks import check_gradient

    for g in ([1.0, 1.0], [1e300, 1.0]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r = check_gradient(huge_tanh, lambda v, g=g: np.array(g), (np.array([0.0, 0.2]),),
                               method=method, mode=mode)
        assert r.verdict == "inconclusive", str(r)
        assert r.detectable == float("inf"), r.detectable
        assert "relative error here is nan" not in " ".join(r.notes), r.notes


@pytest.mark.parametrize("mode", ["full", "directional"])
@pytest.mark.parametrize("method", ["central", "forward", "complex"])
def test_the_fixed_methods_name_the_entries_that_overflow_in_the_notes(method, mode):
    """Their reason said "1 entry cannot be judged ((0,)): the finite differences or their
    error bars are not finite there (...); see the notes", and the Sensitivity and
    Inconclusive lines "see the notes", but there were no notes. A note names every entry
    (direction) the reason names, with its estimate and error bar."""
    import warnings

    from checks import check_gradient

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_gradient(huge_tanh, lambda v: np.array([1.0, 1.0]), (np.array([0.0, 0.2]),),
                           method=method, mode=mode)
    assert r.verdict == "inconclusive", str(r)
    assert r.reason.endswith("; see the notes"), r.reason
    unit = "direction" if mode == "directional" else "entr"
    (note,) = (n for n in r.notes if "no finite tolerance" in n)
    loose = np.flatnonzero(np.isinf(r.tolerance))
    assert loose.size
    for k in loose:
        name = f"{k}" if mode == "directional" else f"({k},)"
        v, e = float(r.numerical[k]), float(r.error[k])
        assert f"{name} (estimate {v:.3g}, error bar {e:.3g})" in note, note
    assert note.startswith(unit), note
    assert note.endswith("not judged"), note
    assert f"Note: {note}" in str(r).splitlines()


def test_the_note_of_a_central_difference_that_overflows_line_by_line():
    import warnings

    from checks import check_gradient

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_gradient(huge_tanh, lambda v: np.array([1.0, 1.0]), (np.array([0.0, 0.2]),),
                           method="central")
    assert r.reason == ("1 entry cannot be judged ((0,)): the finite differences or their error "
                        "bars are not finite there (f, or its differences, overflow near x); see "
                        "the notes")
    assert str(r).splitlines()[-1] == (
        "Note: entry (0,) (estimate inf, error bar nan): no finite tolerance follows from them "
        "(f, or its differences, overflow near x); this entry is not judged")


@pytest.mark.parametrize("mode", ["full", "directional"])
@pytest.mark.parametrize("method", ["richardson", "central", "forward", "complex"])
def test_the_differences_of_a_gradient_whose_differences_overflow(method, mode):
    """They read "Max absolute difference: nan" and "Max relative difference ...: inf" (or
    inf and nan): the figures of the entry that cannot be judged. They are over the entries
    that can be, or "not available"; the result's fields say the same, and the worst entry
    is one that was judged. A wrong entry among those shows; the check stays inconclusive."""
    import warnings

    from checks import check_gradient

    for g in ([1.0, 1.0], [1e300, 1.0]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r = check_gradient(huge_tanh, lambda v, g=g: np.array(g), (np.array([0.0, 0.2]),),
                               method=method, mode=mode)
        lines = str(r).splitlines()
        judged = np.isfinite(r.tolerance)
        n, total = int(judged.sum()), r.tolerance.size
        unit = "direction" if mode == "directional" else "entry"
        if n == 0:
            assert math.isnan(r.max_abs_error) and math.isnan(r.max_rel_error)
            assert r.worst_index is None
            assert f"Max absolute difference: not available (no {unit} could be judged)" in lines
            assert not any(s.startswith("Worst") for s in lines)
            continue
        diff = r.difference[judged]
        assert r.max_abs_error == float(diff.max())
        assert r.max_rel_error == float(diff.max() / np.abs(r.numerical[judged]).max())
        assert judged[r.worst_index]
        over = f" (over the {n} of {total} {unit[:-1] + 'ies' if unit == 'entry' else unit + 's'}"
        assert (f"Max absolute difference: {r.max_abs_error:.6g}{over} that could be "
                "judged)") in lines, str(r)
        assert (f"Max relative difference (to max |numerical|): {r.max_rel_error:.6g}{over} "
                "that could be judged)") in lines, str(r)
        assert "difference: nan" not in str(r) and "difference: inf" not in str(r)
