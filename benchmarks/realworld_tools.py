"""Checkers, planted mistakes and the independent reference of ``benchmarks.realworld``.

**Planted mistakes** (:func:`plant`), on the library's derivative ``D`` at the case's point,
seen as the ``(m, n)`` Jacobian of ``target`` (:meth:`Case.matrix`):

* ``entry-1e-4``: the largest entry times ``1 + 1e-4``;
* ``sign``: the sign of one entry flipped (drawn among those at least ``1e-3 max|D|``);
* ``x2``: the whole derivative times 2;
* ``swap``: the largest entry swapped with one that differs from it by at least
  ``1e-3 max|D|`` (drawn).

A mistake that would change nothing (``D = 0``, no second entry) is left out. For the
``"gradient"``, ``"jacobian"`` and ``"hessian"`` kinds the mistake is applied to the
library's output wherever it is called; for ``"hvp"``, ``hvp(v, x) + (D' - D) v``.

**Tools** (:func:`realworld_tools`): ours at its defaults (``check_gradient``,
``check_jacobian``, ``check_hessian(..., grad=)``, ``check_hvp(..., grad=)``: its verdict);
the peers give a numerical Jacobian ``N`` of ``target`` (computed once per case) which is
compared with each ``A`` (the library's or a planted one, as an ``(m, n)`` matrix) by the
rule their users write:

* scipy ``check_grad`` (gradients; ``approx_fprime``, the same forward difference, for
  the Jacobian kinds): ``||A - N||_2 <= 1e-5 ||A||_2`` (as in ``PEERS.md``);
* statsmodels ``approx_fprime`` (forward, its default): ``|A - N| <= 1e-4 + 1e-4 |N|``
  entrywise, the tolerance of statsmodels' own GLM score/hessian tests;
* statsmodels ``approx_fprime_cs`` (complex-safe cases only): ``|A - N| <= 1e-8 + 1e-8 |N|``,
  as its own complex-step Tweedie test;
* numdifftools ``Gradient`` / ``Jacobian`` (defaults): ``numpy.allclose(A, N, rtol=1e-6)``
  (``atol`` left at numpy's ``1e-8``).

**The independent reference** (:func:`reference`), to tell a library defect from a false
alarm: a complex step (``h = 1e-100``) where the case is complex-safe; mpmath at 30 digits
for scikit-learn's Matern kernels (``case.confirm``); otherwise a scan of Richardson central
differences over 31 steps ``0.1 max(1, |x_j|) 2^-k`` per column, each entry keeping the step
where consecutive estimates agree best (their disagreement plus the round-off bound
``eps |T| / h``) and, as its error bar, the largest disagreement among its neighbours plus that
round-off. A case computed in float32 (``case.precision``) is referred to its float64 twin
(``case.twin``: the same data, cast), since a scan of a float32 function finds the flat
steps below its resolution.

A case is a **library defect** when, for every reference (the step scan always, the complex
step and mpmath where they apply), some entry differs from it by more than ``100 x`` its
error bar plus ``1e-8 |ref|`` (our default ``rtol``), plus ``1e3 precision max|ref|`` for a
float32 computation. A defect whose error is below ``1e-6 max|ref|`` is *imprecise*
(rounding in the library's derivative, e.g. a difference taken in float32), above it *wrong*.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.realworld_cases import Case

__all__ = [
    "ERROR",
    "FAIL",
    "INCONCLUSIVE",
    "PASS",
    "RIGHT",
    "VARIANTS",
    "WITHIN",
    "Outcome",
    "Reference",
    "Tool",
    "plant",
    "realworld_tools",
    "reference",
]

PASS, FAIL, INCONCLUSIVE, ERROR = "pass", "fail", "inconclusive", "error"
#: Our verdict "pass" on a planted mistake whose error is within the check's ``detectable``.
WITHIN = "pass (within detectable)"
RIGHT = "right"
VARIANTS = ("entry-1e-4", "sign", "x2", "swap")


@dataclass
class Outcome:
    """One tool on one derivative: verdict, evaluations of ``f``/``grad``, seconds, detail."""

    verdict: str
    evaluations: int
    seconds: float
    detail: str = ""


# --------------------------------------------------------------------------- planting


def _wrap(case: Case, op: Callable[[np.ndarray], np.ndarray], scale: float | None,
          delta: np.ndarray) -> Callable[..., Any]:
    if case.kind == "hvp":
        if scale is not None:
            return lambda v, x: scale * np.asarray(case.deriv(v, x), dtype=float)
        return lambda v, x: (np.asarray(case.deriv(v, x), dtype=float)
                             + delta @ np.ravel(np.asarray(v, dtype=float)))

    def wrong(x: np.ndarray) -> np.ndarray:
        d = np.array(case.deriv(x), dtype=float)
        return op(d.reshape(-1, case.n)).reshape(d.shape)

    return wrong


def plant(case: Case, D: np.ndarray, rng: np.random.Generator
          ) -> dict[str, tuple[Callable[..., Any], float]]:
    """The planted mistakes of ``case`` (module docstring): label -> (derivative, error).

    Parameters
    ----------
    case : Case
    D : numpy.ndarray
        ``case.matrix()``, the library's derivative as an ``(m, n)`` matrix.
    rng : numpy.random.Generator
        Draws the entries (seeded per case by the caller).

    Returns
    -------
    dict
        Label -> (the wrong derivative in the case's convention, its error
        ``max|D' - D| / max|D|``).
    """
    flat = D.ravel()
    top = float(np.max(np.abs(flat), initial=0.0))
    out: dict[str, tuple[Callable[..., Any], float]] = {}
    if top == 0.0 or not math.isfinite(top):
        return out
    i = int(np.argmax(np.abs(flat)))
    big = np.flatnonzero(np.abs(flat) >= 1e-3 * top)
    j = int(rng.choice(big))
    other = np.flatnonzero(np.abs(flat - flat[i]) >= 1e-3 * top)
    k = int(rng.choice(other)) if other.size else -1

    def entry(m: np.ndarray) -> np.ndarray:
        m = m.copy()
        m.flat[i] *= 1 + 1e-4
        return m

    def sign(m: np.ndarray) -> np.ndarray:
        m = m.copy()
        m.flat[j] = -m.flat[j]
        return m

    def swap(m: np.ndarray) -> np.ndarray:
        m = m.copy()
        m.flat[i], m.flat[k] = m.flat[k], m.flat[i]
        return m

    ops: list[tuple[str, Callable[[np.ndarray], np.ndarray], float | None]] = [
        ("entry-1e-4", entry, None), ("sign", sign, None), ("x2", lambda m: 2 * m, 2.0)]
    if k >= 0:
        ops.append(("swap", swap, None))
    for label, op, scale in ops:
        wrong = op(D)
        err = float(np.max(np.abs(wrong - D))) / top
        if err > 0:
            out[label] = (_wrap(case, op, scale, wrong - D), err)
    return out


# --------------------------------------------------------------------------- the reference


@dataclass
class Reference:
    """The independent reference Jacobian of ``target`` and its verdict on the library."""

    method: str
    value: np.ndarray
    error: np.ndarray
    defect: bool
    rel_error: float
    evidence: str

    @property
    def severity(self) -> str:
        """``"wrong"`` or ``"imprecise"`` (below ``1e-6``) for a defect, else ``""``."""
        if not self.defect:
            return ""
        return "wrong" if self.rel_error >= 1e-6 else "imprecise"


def _scan(case: Case) -> tuple[np.ndarray, np.ndarray]:
    target = case.twin or case.target
    x = case.x
    levels = 31
    m = np.ravel(target(x)).size
    est = np.empty((levels, m, case.n))
    floor = np.empty((levels, m, case.n))
    eps = np.finfo(float).eps
    for j in range(case.n):
        s = 0.1 * max(1.0, abs(x[j]))
        cs, size = [], []
        for k in range(levels + 1):
            e = np.zeros_like(x)
            e[j] = s * 2.0 ** -k
            hp, hm = (x + e)[j] - x[j], x[j] - (x - e)[j]
            tp, tm = np.ravel(target(x + e)), np.ravel(target(x - e))
            cs.append((tp - tm) / (hp + hm))
            size.append(np.maximum(np.abs(tp), np.abs(tm)) / (hp + hm))
        for k in range(levels):
            est[k, :, j] = (4 * cs[k + 1] - cs[k]) / 3
            # round-off of (4 C(h/2) - C(h)) / 3: 2 eps |T| / (2h) per difference
            floor[k, :, j] = 4 * eps * (4 * size[k + 1] + size[k]) / 3
    diff = np.abs(np.diff(est, axis=0))  # (levels - 1, m, n)
    diff = np.where(np.isfinite(diff), diff, np.inf)
    best = np.argmin(diff + floor[:-1], axis=0)
    m_idx, n_idx = np.indices(best.shape)
    value = est[best, m_idx, n_idx]
    lo = np.clip(best - 1, 0, diff.shape[0] - 1)
    hi = np.clip(best + 1, 0, diff.shape[0] - 1)
    error = np.maximum.reduce([diff[best, m_idx, n_idx], diff[lo, m_idx, n_idx],
                               diff[hi, m_idx, n_idx]]) + floor[best, m_idx, n_idx]
    return value, error


def _complex_step(case: Case) -> tuple[np.ndarray, np.ndarray]:
    fn = case.f if case.kind in ("gradient", "jacobian") else case.grad
    cols = []
    for j in range(case.n):
        h = 1e-100 * max(1.0, abs(case.x[j]))
        z = case.x.astype(complex)
        z[j] += 1j * h
        cols.append(np.ravel(np.imag(np.asarray(fn(z)))) / h)
    value = np.stack(cols, axis=1)
    return value, np.full(value.shape, 1e-13 * float(np.max(np.abs(value), initial=0.0)))


def _judge(D: np.ndarray, method: str, value: np.ndarray, error: np.ndarray,
           precision: float) -> tuple[bool, float, str]:
    scale = float(np.max(np.abs(value), initial=0.0))
    gap = np.abs(D - value)
    gap = np.where(np.isfinite(gap), gap, np.inf)
    worst = np.unravel_index(int(np.argmax(gap - error)), gap.shape)
    rel = float(np.max(gap)) / scale if scale > 0 else math.inf
    # entrywise beyond our rtol (1e-8 of the entry); a float32 computation may be off by
    # 1e3 of its epsilon of the largest entry
    floor = 1e3 * precision * scale if precision > np.finfo(float).eps else 0.0
    beyond = (gap > 100 * error + 1e-8 * np.abs(value) + floor) & (gap > 1e-290)
    defect = bool(np.any(beyond) and np.all(np.isfinite(value)))
    if defect:
        worst = np.unravel_index(int(np.argmax(np.where(beyond, gap, -1.0))), gap.shape)
    evidence = (f"{method}: max|library - ref| / max|ref| = {rel:.2g}; worst entry "
                f"{tuple(int(w) for w in worst)}: library {D[worst]:.10g}, reference "
                f"{value[worst]:.10g} ± {error[worst]:.2g}")
    return defect, rel, evidence


def reference(case: Case, D: np.ndarray) -> Reference:
    """The independent reference for ``case`` and whether ``D`` (the library's) is a defect.

    Parameters
    ----------
    case : Case
    D : numpy.ndarray
        The library's derivative as an ``(m, n)`` matrix.

    Returns
    -------
    Reference
        The method (``"complex step"``, ``"mpmath"`` or ``"step scan"``), value, per-entry
        error bar of the most precise reference, and the defect decision of the module
        docstring (every reference must show it) with the evidence of each.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        refs = [("step scan", *_scan(case))]
        if case.complex_safe and case.twin is None:
            refs.append(("complex step", *_complex_step(case)))
        if case.confirm is not None:
            value = np.asarray(case.confirm(), dtype=float).reshape(D.shape)
            refs.append(("mpmath (30 digits)", value, 1e-300 + 1e-15 * np.abs(value)))
    verdicts = [_judge(D, *ref, case.precision) for ref in refs]
    # a defect only when every reference shows it (the step scan always runs)
    defect = all(v[0] for v in verdicts)
    method, value, error = refs[-1]
    rel = min(v[1] for v in verdicts)
    evidence = "; ".join(v[2] for v in verdicts)
    return Reference(method, value, error, defect, rel, evidence)


# --------------------------------------------------------------------------- the tools


class _Counted:
    """``fn`` counting its calls."""

    def __init__(self, fn: Callable[..., Any]):
        self.fn, self.calls = fn, 0

    def __call__(self, *a: Any, **k: Any) -> Any:
        self.calls += 1
        return self.fn(*a, **k)


def _guard(call: Callable[[], Outcome]) -> Outcome:
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return call()
    except Exception as exc:  # noqa: BLE001 - a raise is a result here
        text = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return Outcome(ERROR, 0, time.perf_counter() - t0, text)


class Tool:
    """A checker: ``outcomes(case, derivs) -> {label: Outcome}``.

    ``derivs`` maps a label (``"right"`` or a planted mistake's) to a derivative in the
    case's convention.
    """

    name = "tool"
    family = "tool"
    rule = ""

    def applies(self, case: Case) -> bool:
        """Whether the tool can check ``case`` (statsmodels' complex step: complex-safe only)."""
        return True

    def outcomes(self, case: Case, derivs: dict[str, Callable[..., Any]]
                 ) -> dict[str, Outcome]:
        raise NotImplementedError


def _our_verdict(r: Any) -> str:
    v = str(getattr(r, "verdict", "")).lower()
    if v in (PASS, FAIL, INCONCLUSIVE):
        return v
    return PASS if r.ok else FAIL


class Ours(Tool):
    name = "ours"
    family = "ours"
    rule = ("check_gradient / check_jacobian / check_hessian(grad=) / check_hvp(grad=) at "
            "defaults; their verdict")

    def outcomes(self, case, derivs):
        import checks

        D = case.matrix()
        top = float(np.max(np.abs(D), initial=0.0))
        out = {}
        for label, deriv in derivs.items():
            f, g = _Counted(case.f), _Counted(case.grad) if case.grad else None

            def one(deriv: Callable[..., Any] = deriv, f: _Counted = f,
                    g: _Counted | None = g, label: str = label) -> Outcome:
                t0 = time.perf_counter()
                args = (case.x.copy(),)
                if case.kind == "gradient":
                    r = checks.check_gradient(f, deriv, args)
                elif case.kind == "jacobian":
                    r = checks.check_jacobian(f, deriv, args)
                elif case.kind == "hessian":
                    r = checks.check_hessian(f, deriv, args, grad=g)
                else:
                    r = checks.check_hvp(f, deriv, args, grad=g)
                v = _our_verdict(r)
                detectable = float(getattr(r, "detectable", math.nan))
                if v == PASS and label != RIGHT and top > 0:
                    err = float(np.max(np.abs(case.matrix(deriv) - D))) / top
                    if err <= detectable:
                        v = WITHIN
                evals = f.calls + (g.calls if g else 0)
                return Outcome(v, evals, time.perf_counter() - t0,
                               f"detectable {detectable:.2g}")

            out[label] = _guard(one)
        return out


class _Estimate(Tool):
    """A peer: one numerical Jacobian ``N`` of ``target`` per case, a rule per derivative."""

    def function(self, case: Case) -> Callable[[np.ndarray], Any]:
        """What is differentiated: ``f`` (scalar) for a gradient, else ``target``."""
        return case.f if case.kind == "gradient" else case.target

    def estimate(self, case: Case, target: Callable[[np.ndarray], Any]) -> np.ndarray:
        raise NotImplementedError

    def accept(self, A: np.ndarray, N: np.ndarray) -> bool:
        raise NotImplementedError

    def outcomes(self, case, derivs):
        fn = _Counted(self.function(case))
        m = case.target(case.x).size
        est: dict[str, Any] = {}

        def numerical() -> Outcome:
            t0 = time.perf_counter()
            N = np.asarray(self.estimate(case, fn), dtype=float).reshape(m, case.n)
            est["N"] = N
            if not np.all(np.isfinite(N)):
                return Outcome(ERROR, fn.calls, time.perf_counter() - t0,
                               "non-finite numerical derivative")
            return Outcome(PASS, fn.calls, time.perf_counter() - t0)

        first = _guard(numerical)
        out = {}
        for label, deriv in derivs.items():
            if first.verdict == ERROR:
                out[label] = first
                continue

            def one(deriv: Callable[..., Any] = deriv) -> Outcome:
                t0 = time.perf_counter()
                A = case.matrix(deriv)
                v = PASS if self.accept(A, est["N"]) else FAIL
                return Outcome(v, first.evaluations,
                               first.seconds + time.perf_counter() - t0)

            out[label] = _guard(one)
        return out


def _norm(v: np.ndarray) -> float:
    v = np.asarray(v, dtype=float).ravel()
    m = float(np.max(np.abs(v), initial=0.0))
    if m == 0.0 or not math.isfinite(m):
        return m
    return m * float(np.linalg.norm(v / m))


class ScipyCheckGrad(_Estimate):
    name = "scipy check_grad"
    family = "scipy"
    rule = "‖A − N‖₂ ≤ 1e-5·‖A‖₂, N forward differences at step 1.49e-8 (check_grad)"

    def estimate(self, case, target):
        from scipy.optimize import approx_fprime

        return approx_fprime(case.x.copy(), target)

    def accept(self, A, N):
        return _norm(A - N) <= 1e-5 * _norm(A)


class StatsmodelsFprime(_Estimate):
    name = "statsmodels approx_fprime"
    family = "statsmodels"
    rule = "|A − N| ≤ 1e-4 + 1e-4·|N| (its GLM tests), N = approx_fprime (forward)"

    def estimate(self, case, target):
        from statsmodels.tools.numdiff import approx_fprime

        return approx_fprime(case.x.copy(), target)

    def accept(self, A, N):
        return bool(np.all(np.abs(A - N) <= 1e-4 + 1e-4 * np.abs(N)))


class StatsmodelsFprimeCs(_Estimate):
    name = "statsmodels approx_fprime_cs"
    family = "statsmodels"
    rule = "|A − N| ≤ 1e-8 + 1e-8·|N| (its Tweedie test), complex-safe cases only"

    def applies(self, case):
        return case.complex_safe

    def function(self, case):
        if case.kind == "gradient":
            return case.f
        fn = case.f if case.kind == "jacobian" else case.grad
        return lambda z: np.ravel(np.asarray(fn(z)))

    def estimate(self, case, target):
        from statsmodels.tools.numdiff import approx_fprime_cs

        return approx_fprime_cs(case.x.copy(), target)

    def accept(self, A, N):
        return bool(np.all(np.abs(A - N) <= 1e-8 + 1e-8 * np.abs(N)))


class Numdifftools(_Estimate):
    name = "numdifftools"
    family = "numdifftools"
    rule = "numpy.allclose(A, N, rtol=1e-6), N = Gradient / Jacobian (defaults)"

    def estimate(self, case, target):
        import numdifftools as nd

        if case.kind == "gradient":
            return nd.Gradient(target)(case.x.copy())
        return nd.Jacobian(target)(case.x.copy())

    def accept(self, A, N):
        return bool(np.allclose(A, N, rtol=1e-6))


#: Family -> (the module it needs, its tools).
_FAMILIES: dict[str, tuple[str, tuple[type[Tool], ...]]] = {
    "ours": ("checks", (Ours,)),
    "scipy": ("scipy", (ScipyCheckGrad,)),
    "statsmodels": ("statsmodels", (StatsmodelsFprime, StatsmodelsFprimeCs)),
    "numdifftools": ("numdifftools", (Numdifftools,)),
}


def realworld_tools(families: list[str] | None = None) -> tuple[list[Tool], list[str]]:
    """The tools of ``families`` (default all) that are installed, and a note per skipped one.

    Examples
    --------
    >>> tools, notes = realworld_tools(["ours"])
    >>> [t.name for t in tools]
    ['ours']
    """
    import importlib.util

    wanted = families or list(_FAMILIES)
    unknown = [f for f in wanted if f not in _FAMILIES]
    if unknown:
        raise ValueError(f"unknown tool family {unknown}; choose from {list(_FAMILIES)}")
    tools: list[Tool] = []
    notes: list[str] = []
    for family in wanted:
        module, classes = _FAMILIES[family]
        if importlib.util.find_spec(module) is None:
            notes.append(f"{module} is not installed: {family} skipped")
            continue
        tools += [cls() for cls in classes]
    return tools, notes
