"""The report of a gradient check, in numpy ``assert_allclose``'s shape.

The head line gives the verdict, then the reason, the method and the number of evaluations,
the tolerance rule with its terms, the sensitivity the check had (``detectable``), the
mismatch count and percentage, the largest absolute and relative differences, the worst
entry (analytic next to numerical, with enough digits to show that they differ, and the
one-sided derivatives at a kink), up to ten mismatched entries, the two arrays, and the
notes of the estimate (noise, kinks, domain edges, float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from checks.rule import UNJUDGED_CAUSES

__all__ = ["difference_lines", "render", "resolve_try", "unjudged_lines",
           "unjudged_sensitivity", "worst_values"]


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _fmt_pair(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` with enough significant digits to show that they differ (up to 17)."""
    for digits in range(6, 18):
        ta, tb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if ta != tb or a == b:
            return ta, tb
    return f"{a!r}", f"{b!r}"


def worst_values(a: float, n: float, lower: float, upper: float) -> tuple[str, str]:
    """The analytic value and the numerical side of the worst-entry line: ``numerical n``,
    the one-sided derivatives at a kink (``lower != upper``), or, where the estimate is not
    finite (an entry whose differences overflow: ``nan``, and ``nan != nan``), that there is
    none -- a ``nan`` is no kink.

    >>> worst_values(1.0, float("nan"), float("nan"), float("nan"))[1]
    'numerical not available (the estimate is nan, not finite)'
    """
    ta, tn = _fmt_pair(a, n)
    if not np.isfinite(n):
        return ta, f"numerical not available (the estimate is {_fmt(n)}, not finite)"
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return ta, (f"numerical not available (the one-sided derivatives {_fmt(lower)} and "
                    f"{_fmt(upper)} are not finite)")
    if lower != upper:
        tl, th = _fmt_pair(lower, upper)
        return ta, f"one-sided derivatives {tl} and {th} (not differentiable)"
    return ta, f"numerical {tn}"


def _atol_text(atol: Any) -> str:
    if np.ndim(atol) == 0:
        return f"{float(atol):g}"
    return f"per entry (max {float(np.max(atol)):g})"


_HEADS = {"pass": "Gradient check passed", "fail": "Gradient check FAILED",
          "inconclusive": "Gradient check INCONCLUSIVE"}

def resolve_try(what: str = "gradient",
                complex_step: str = "method='complex' for a complex-safe f") -> str:
    """The "What to try" line of a check whose finite differences cannot resolve ``what``
    (the gradient, the Jacobian, the Hessian); ``complex_step`` says how that check takes
    the complex step (a Hessian's only with ``grad=``)."""
    return (f"What to try: a point where the {what} is larger than the noise of f; f computed "
            f"in float64 throughout; {complex_step}; or a larger atol if an absolute error is "
            "what matters here.")


_TRY = resolve_try()


def _sensitivity(r: Any) -> str:
    if getattr(r, "absolute", None) is not None:
        return (f"Sensitivity: absolute: the gradient is zero, confirmed to the noise floor of "
                f"f; no gradient with max|a - g| > {r.absolute:.2g} can pass (a relative "
                "error of a zero cannot be judged)")
    if np.isfinite(r.detectable):
        chance = (" (with probability >= 99.9 % over the random directions)"
                  if r.mode == "directional" else "")
        return (f"Sensitivity: no gradient whose error max|a - g| / max|g| exceeds "
                f"{r.detectable:.2g} can pass{chance}")
    if np.any(np.isinf(r.tolerance)):
        return unjudged_sensitivity("direction" if r.mode == "directional" else "entry")
    text = ("Sensitivity: none (the numerical gradient is zero within its error bounds, so no "
            "relative error can be judged)")
    if r.verdict == "fail":
        text += "; the failing entries differ from it by more than their error bounds"
    return text


#: An entry whose own sensitivity is worse than this is named in the report.
_ENTRY_SENSITIVITY = 1e-6


def _per_entry(r: Any) -> str | None:
    """The entries that could hide an error above ``1e-6`` of their own size although they
    are resolved (a small entry beside large ones), or ``None``."""
    d = getattr(r, "detectable_by_entry", None)
    if d is None or r.mode == "directional":
        return None
    weak = np.flatnonzero(np.isfinite(d) & (d > _ENTRY_SENSITIVITY))
    if weak.size == 0:
        return None
    worst = weak[np.argsort(-d.ravel()[weak])][:3]
    shown = ", ".join(f"{_name(r, tuple(int(i) for i in np.unravel_index(int(k), d.shape)))} "
                      f"{float(d.ravel()[k]):.2g}" for k in worst)
    return (f"Per entry: {weak.size} entr{'y' if weak.size == 1 else 'ies'} could hide an "
            f"error above {_ENTRY_SENSITIVITY:g} of their own size (worst: {shown}); "
            ".detectable_by_entry has every entry's")


_UNITS = {"entry": "entries", "direction": "directions", "pair": "pairs"}


def difference_lines(r: Any, unit: str = "entry") -> list[str]:
    """The lines of the largest absolute and relative differences (``r.max_abs_error``,
    ``r.max_rel_error``), which :func:`checks.rule._compare` takes over the entries (``unit``:
    ``"entry"``, ``"direction"`` or ``"pair"``) that can be judged: where some cannot (an
    infinite tolerance), over how many of them; where none can, not available.

    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(max_abs_error=0.5, max_rel_error=0.25,
    ...                     tolerance=np.array([1.0, np.inf]))
    >>> difference_lines(r)[0]
    'Max absolute difference: 0.5 (over the 1 of 2 entries that could be judged)'
    """
    tol = np.asarray(r.tolerance, dtype=float)
    judged, total = int(np.count_nonzero(np.isfinite(tol))), int(tol.size)
    if total and not judged:
        values = [f"not available (no {unit} could be judged)"] * 2
    else:
        over = ("" if judged == total else
                f" (over the {judged} of {total} {_UNITS[unit]} that could be judged)")
        values = [f"{_fmt(r.max_abs_error)}{over}", f"{_fmt(r.max_rel_error)}{over}"]
    return [f"Max absolute difference: {values[0]}",
            f"Max relative difference (to max |numerical|): {values[1]}"]


def unjudged_sensitivity(unit: str = "entry") -> str:
    """The sensitivity line of a check some of whose entries (``unit``: ``"entry"``,
    ``"direction"`` or ``"pair"``) cannot be judged: it promises nothing."""
    return (f"Sensitivity: none promised: some {_UNITS[unit]} cannot be judged (their "
            "estimates are not bounds; see the notes)")


#: What to try for each cause of :data:`checks.rule.UNJUDGED_CAUSES` (``"jump"`` of a first
#: derivative; ``"kink"`` is a jump of the gradient, in a Hessian).
_TRY_UNJUDGED = {
    "overflow": ("the differences of f overflow at the {units} named in the reason: rescale f "
                 "(divide f, and the derivative checked, by a constant such as 1e10) or check "
                 "at a point where the differences stay finite"),
    "jump": ("f is discontinuous at the {units} named in the notes and has no derivative "
             "there: check at a point away from the jump"),
    "kink": ("the gradient of f jumps at the {units} named in the notes (f has a kink there "
             "and no second derivative): check at a point away from the kink"),
    "unsettled": ("f varies on a scale below the steps tried at the {units} named in the "
                  "notes: a shorter step= there, or a point away from the feature; if f is "
                  "noisy, compute it in float64 throughout"),
}


def unjudged_lines(reason: str | None, unit: str = "entry", second: bool = False) -> list[str]:
    """The lines of an inconclusive check some of whose entries (``unit``: ``"entry"``,
    ``"direction"`` or ``"pair"``) cannot be judged: that they cannot, and what to try for
    each cause its ``reason`` (:func:`checks.rule._unjudged`) names -- an overflow, a jump of
    the gradient (a kink of ``f``), a jump of ``f`` (taken for one of the gradient where
    ``second``: a Hessian), differences that did not settle; the last
    where the reason names none of them.

    >>> why = "2 pairs cannot be judged ((0,), (1,)): the finite differences overflow there"
    >>> for line in unjudged_lines(why, "pair"):  # doctest: +NORMALIZE_WHITESPACE
    ...     print(line)
    Inconclusive: some pairs cannot be judged (see the notes); no other pair differs from its
    estimate by more than its tolerance
    What to try: the differences of f overflow at the pairs named in the reason: rescale f
    (divide f, and the derivative checked, by a constant such as 1e10) or check at a point
    where the differences stay finite
    """
    reason, units = reason or "", _UNITS[unit]
    lines = [f"Inconclusive: some {units} cannot be judged (see the notes); no other {unit} "
             "differs from its estimate by more than its tolerance"]
    causes = []
    if UNJUDGED_CAUSES["overflow"] in reason or UNJUDGED_CAUSES["nonfinite"] in reason:
        causes.append("overflow")
    if UNJUDGED_CAUSES["kink"] in reason:
        causes.append("kink")
    elif UNJUDGED_CAUSES["jump"] in reason:
        causes.append("kink" if second else "jump")
    if UNJUDGED_CAUSES["unsettled"] in reason or not causes:
        causes.append("unsettled")
    lines.extend(f"What to try: {_TRY_UNJUDGED[c].format(units=units)}" for c in causes)
    return lines


def _inconclusive(r: Any) -> list[str]:
    if np.any(np.isinf(r.tolerance)):
        return unjudged_lines(r.reason, "direction" if r.mode == "directional" else "entry")
    return [
        "Inconclusive: the finite differences cannot resolve the gradient here well enough to "
        "catch even a gradient wrong by 100 % (zero, or of the wrong sign); no evidence of an "
        "error was found, and none could have been",
        _TRY,
    ]


def _name(r: Any, index: tuple[int, ...]) -> str:
    """``params['W1'][2, 3]`` for a tree, ``(2, 3)`` otherwise."""
    name = getattr(r, "entry_name", None)
    return name(index) if name is not None else str(index)


#: Leaves of a tree printed in full at most (the mismatched ones first).
_LEAVES_SHOWN = 4


def _arrays(r: Any) -> list[str]:
    """The two arrays; a tree's per leaf (the leaves with mismatches first)."""
    tree = getattr(r, "tree", None)
    if tree is None or r.mode == "directional" or len(tree.leaves) == 1:
        return [f" ANALYTIC: {np.array2string(r.analytic, prefix=' ANALYTIC: ')}",
                f" NUMERICAL: {np.array2string(r.numerical, prefix=' NUMERICAL: ')}"]
    bad = {tree.leaf_of(int(np.ravel_multi_index(i, r.analytic.shape)))
           for i in r.mismatched_indices}
    order = sorted(tree.leaves, key=lambda leaf: leaf.path not in bad)
    analytic, numerical = tree.split(r.analytic), tree.split(r.numerical)
    lines = []
    for leaf in order[:_LEAVES_SHOWN]:
        for tag, arrays in ((" ANALYTIC", analytic), (" NUMERICAL", numerical)):
            prefix = f"{tag} {leaf.path}: "
            lines.append(prefix + np.array2string(arrays[leaf.path], prefix=prefix))
    if len(order) > _LEAVES_SHOWN:
        lines.append(f" ... and {len(order) - _LEAVES_SHOWN} more leaves "
                     "(.tree.split(.analytic) has them all)")
    return lines


def render(r: Any) -> str:
    """The report of :class:`checks.compare.GradientCheck` ``r``.

    What ``str(check_gradient(...))`` prints; its first line says the verdict:

    >>> from checks import check_gradient
    >>> r = check_gradient(lambda w: np.sum(w**2), lambda w: 2 * w, (np.ones(3),))
    >>> print(render(r).splitlines()[0])
    Gradient check passed: gradient of <lambda> with respect to args[0], shape (3,)
    """
    what = "directional derivatives" if r.mode == "directional" else "gradient"
    tree = getattr(r, "tree", None)
    if tree is None:
        wrt = f"args[{r.argnum}], shape {r.shape}"
    elif len(tree.leaves) == 1 and tree.leaves[0].shape == tuple(r.shape):
        wrt = f"{tree.label}, shape {r.shape}"
    else:
        wrt = tree.describe()
    lines = [f"{_HEADS[r.verdict]}: {what} of {r.name} with respect to {wrt}"]
    if r.reason:
        lines.append(f"Reason: {r.reason}")
    if getattr(r, "diagnosis", None):
        lines.append(f"Diagnosis: {r.diagnosis}")
    factor = r.step_factor
    step = "" if factor is None else f", step factor {factor:.3g} * max(|x_k|, rms(x))"
    adaptive = " with per-entry adaptive steps" if r.method == "richardson" and factor else ""
    lines.append(f"Method: {r.method} ({r.mode} mode){step}{adaptive}, {r.evaluations} "
                 "evaluations of f")
    lines.append(
        f"Tolerance: |analytic - numerical| <= atol + safety * error_estimate + rtol * "
        f"|numerical|, atol={_atol_text(r.atol)}, safety={r.safety:g}, rtol={r.rtol:g}"
    )
    if r.numerical is not None and r.tolerance is not None:
        lines.append(_sensitivity(r))
        per_entry = _per_entry(r)
        if per_entry:
            lines.append(per_entry)
        if r.verdict == "inconclusive":
            lines.extend(_inconclusive(r))
        for check in getattr(r, "crosschecks", ()):
            if not check.ok:
                lines.append(f"Cross-check FAILED: {check}")
        total = r.analytic.size
        pct = 100.0 * r.mismatched / total if total else 0.0
        lines.append(f"Mismatched elements: {r.mismatched} / {total} ({pct:.3g}%)")
        lines.extend(difference_lines(r, "direction" if r.mode == "directional" else "entry"))
        if r.worst_index is not None:
            i = r.worst_index
            label = f"direction {i[0]}" if r.mode == "directional" else f"entry {_name(r, i)}"
            ta, numerical = worst_values(float(r.analytic[i]), float(r.numerical[i]),
                                         float(r.lower[i]), float(r.upper[i]))
            bad = r.mismatched_indices[:10]
            lines.append(
                f"Worst {label}: analytic {ta}, {numerical}, |diff| "
                f"{_fmt(float(r.difference[i]))}, tolerance {_fmt(float(r.tolerance[i]))} "
                f"(error estimate {_fmt(float(r.error[i]))})"
            )
            if len(bad) > 1:
                shown = ", ".join(str(b[0]) if r.mode == "directional" else _name(r, b)
                                  for b in bad)
                more = "" if r.mismatched <= 10 else f" (first 10 of {r.mismatched})"
                lines.append(f"Mismatched {'directions' if r.mode == 'directional' else 'entries'}"
                             f"{more}: {shown}")
        with np.printoptions(precision=8, threshold=64, edgeitems=3, linewidth=100):
            lines.extend(_arrays(r))
    for note in r.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)
