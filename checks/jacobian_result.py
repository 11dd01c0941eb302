"""The result of a Jacobian check, :class:`JacobianCheck`, and its report.

The report has :func:`checks.report.render`'s shape: the head line (passed, FAILED or
INCONCLUSIVE, what was checked, in which mode), the mismatched entries or pairs, the worst one
with its analytic and numerical values, the sensitivity, and the notes.

>>> from checks import check_jacobian
>>> r = check_jacobian(np.sin, lambda x: np.diag(np.cos(x)), (np.array([0.5, 1.0]),))
>>> _render(r).splitlines()[0]
'Jacobian check passed: Jacobian of sin with respect to args[0], output shape (2,), ...'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from checks.compare import GradientCheck
from checks.report import (
    _atol_text,
    _fmt,
    difference_lines,
    resolve_try,
    unjudged_lines,
    unjudged_sensitivity,
    worst_values,
)

__all__ = ["JacobianCheck"]


@dataclass(frozen=True)
class JacobianCheck(GradientCheck):
    """The outcome of :func:`checks.check_jacobian`, :func:`checks.check_jvp`,
    :func:`checks.check_vjp`, :func:`checks.check_adjoint`, :func:`checks.check_hessian` and
    :func:`checks.check_hvp`.

    A :class:`checks.GradientCheck` (same fields, same rule, same ``verdict`` and
    ``detectable``) whose arrays have shape ``out_shape + shape`` in ``"full"`` mode (``shape``
    is the differentiated argument's) and ``(K,)`` along the ``K`` random pairs in
    ``"directional"`` and ``"adjoint"`` mode. ``what`` names the checked object
    (``"Jacobian"``, ``"JVP"``, ``"VJP"``, ``"Hessian"``, ``"HVP"``, ``"adjoint"``) in the
    report, ``compares`` says what a pair compares, ``evaluated`` which function the
    ``evaluations`` count.
    """

    out_shape: tuple[int, ...] = ()
    what: str = "Jacobian"
    compares: str = ""
    evaluated: str = "f"

    def __str__(self) -> str:
        return _render(self)



_HEADS = {"pass": "passed", "fail": "FAILED", "inconclusive": "INCONCLUSIVE"}


def _render(r: JacobianCheck) -> str:
    """The report of a :class:`JacobianCheck`, in :func:`checks.report.render`'s shape."""
    pairs = r.mode != "full"
    hessian = r.what in ("Hessian", "HVP")
    k = int(np.size(r.analytic)) if pairs else 0
    if r.mode == "adjoint":
        subject = (f"jvp against vjp ({r.name}) with respect to args[{r.argnum}], input shape "
                   f"{r.shape}, output shape {r.out_shape}")
    else:
        subject = f"{r.what} of {r.name} with respect to args[{r.argnum}], " + (
            f"shape {r.shape}" if hessian else
            f"output shape {r.out_shape}, input shape {r.shape}")
    if pairs:
        subject += f", along {k} random pairs (u_j, v_j)"
    lines = [f"{r.what} check {_HEADS[r.verdict]}: {subject}"]
    if r.reason:
        lines.append(f"Reason: {r.reason}")
    if r.diagnosis:
        lines.append(f"Diagnosis: {r.diagnosis}")
    if r.mode == "adjoint":
        lines.append("Method: dot-product test, no finite differences")
    else:
        step = ("" if r.step_factor is None
                else f", step factor {r.step_factor:.3g} * max(|x_k|, rms(x))")
        lines.append(f"Method: {r.method} ({r.mode} mode){step}, {r.evaluations} evaluations "
                     f"of {r.evaluated}")
    if r.compares:
        lines.append(f"Pairs: {r.compares}")
    bar = "round_off_bound" if r.mode == "adjoint" else "error_estimate"
    lines.append(f"Tolerance: |analytic - numerical| <= atol + safety * {bar} + rtol * "
                 f"|numerical|, atol={_atol_text(r.atol)}, safety={r.safety:g}, rtol={r.rtol:g}")
    if r.tolerance is not None:
        symbol = "H" if hessian else "J"
        if r.mode == "adjoint":
            claim = "no vjp whose mismatch max|A_vjp^T - A_jvp| / max|A_jvp|"
        else:
            claim = f"no {r.what} whose error max|A - {symbol}| / max|{symbol}|"
        # entries (pairs) whose estimate is not a bound: infinite tolerance (checks.rule)
        unjudged = bool(np.any(np.isinf(r.tolerance)))
        unit = "pair" if pairs else "entry"
        if r.absolute is not None:
            lines.append(f"Sensitivity: absolute: the {r.what} is zero, confirmed to the noise "
                         f"floor of f; no {r.what} with max|A - {symbol}| > {r.absolute:.2g} "
                         "can pass (a relative error of a zero cannot be judged)")
        elif np.isfinite(r.detectable):
            chance = (" (with probability >= 99.9 % over the random pairs)" if pairs else "")
            lines.append(f"Sensitivity: {claim} exceeds {r.detectable:.2g} can pass{chance}")
        elif unjudged:
            lines.append(unjudged_sensitivity(unit))
        else:
            lines.append("Sensitivity: none (the numerical side is zero within its error "
                         "bounds, so no relative error can be judged)")
        if r.verdict == "inconclusive" and unjudged:
            lines.extend(unjudged_lines(r.reason, unit, second=hessian))
        elif r.verdict == "inconclusive":
            lines.append("Inconclusive: the finite differences cannot resolve the derivatives "
                         "here well enough to catch even one wrong by 100 %; no evidence of "
                         "an error was found, and none could have been")
            lines.append(resolve_try("Hessian", "method='complex' with grad= for a "
                                     "complex-safe grad") if hessian else
                         resolve_try("Jacobian"))
        total = int(np.size(r.analytic))
        pct = 100.0 * r.mismatched / total if total else 0.0
        lines.append(f"Mismatched {'pairs' if pairs else 'elements'}: {r.mismatched} / {total} "
                     f"({pct:.3g}%)")
        lines.extend(difference_lines(r, unit))
        if r.worst_index is not None:
            lines.append(_worst_line(r, pairs, hessian))
            bad = r.mismatched_indices[:10]
            if len(bad) > 1:
                shown = ", ".join(str(b[0] if pairs else b) for b in bad)
                more = "" if r.mismatched <= 10 else f" (first 10 of {r.mismatched})"
                lines.append(f"Mismatched {'pairs' if pairs else 'entries'}{more}: {shown}")
    with np.printoptions(precision=8, threshold=64, edgeitems=3, linewidth=100):
        lines.append(f" ANALYTIC: {np.array2string(np.asarray(r.analytic), prefix=' ANALYTIC: ')}")
        if r.numerical is not None:
            lines.append(f" NUMERICAL: {np.array2string(r.numerical, prefix=' NUMERICAL: ')}")
    lines.extend(f"Note: {n}" for n in r.notes)
    return "\n".join(lines)


def _worst_line(r: JacobianCheck, pairs: bool, hessian: bool) -> str:
    i = r.worst_index
    if pairs:
        label = f"pair {i[0]}"
    else:
        o, rest = i[: len(r.out_shape)], i[len(r.out_shape):]
        label = (f"entry {i} (d2f / dx{o} dx{rest})" if hessian
                 else f"entry {i} (output {o}, input {rest})")
    ta, numerical = worst_values(float(r.analytic[i]), float(r.numerical[i]),
                                 float(r.lower[i]), float(r.upper[i]))
    return (f"Worst {label}: analytic {ta}, {numerical}, |diff| {_fmt(float(r.difference[i]))}, "
            f"tolerance {_fmt(float(r.tolerance[i]))} (error estimate {_fmt(float(r.error[i]))})")
