r"""Check Jacobians, JVPs and VJPs with the error bars and the verdict of the gradient check.

``f(*args)`` returns an array of shape ``out``; its Jacobian with respect to
``x = args[argnum]`` has shape ``out + in`` (``J[o + i] = d f_o / d x_i``). Three analytic
sides are checked against finite differences of ``f``: the whole matrix
(:func:`check_jacobian`, ``jac(*args)``), its action on tangents (:func:`check_jvp`,
``jvp(v, *args) = J v`` of shape ``out``) and on cotangents (:func:`check_vjp`,
``vjp(u, *args) = J^T u`` of shape ``in``); :func:`check_adjoint` checks a ``jvp`` against a
``vjp`` without ``f``. The rule is :mod:`checks.compare`'s, entry by entry:
``|a - n| <= atol + safety * e + rtol * |n|`` (``n`` an interval at a kink), with its
defaults, its three-valued verdict and its ``detectable``.

**Full mode** compares every entry. Row ``o`` of ``J`` is the gradient of the scalar ``f_o``;
each row is :func:`checks.estimate_gradient` of ``x -> f(x)[o]`` (its adaptive ladder, kinks,
domain edges and noise included), through a memo of ``f`` (:mod:`checks._memo`): the rows
evaluate the same points, so the whole Jacobian costs ``6n + 18`` evaluations of ``f`` on a
smooth map, plus those of the entries that descend to shorter steps. ``detectable`` is
:func:`checks.compare._detectable_full` over all ``m n`` entries: no ``A`` with
``max|A - J| / max|J|`` above it passes. A ``jvp`` is made a matrix by ``n`` calls on the unit
tangents, a ``vjp`` by ``m`` calls on the unit cotangents.

**Directional mode** draws ``K`` random pairs ``(u_j, v_j)``, ``u_j ~ N(0, I)`` of shape
``out`` and ``v_j ~ N(0, I)`` of shape ``in`` (``v`` first, from a fixed seed unless ``rng``
is given), and compares the analytic ``u_j^T A v_j`` (from ``jac``, ``<u_j, jvp(v_j)>`` or
``<vjp(u_j), v_j>``) with the derivative of the scalar ``t -> <u_j, f(x + t v_j)>``
(:func:`checks.directional_derivatives`): ``6K + 18`` evaluations whatever ``m`` and ``n``.
One pair sees the tangent and the cotangent side at once. The analytic side's error bar gets
the round-off of its own dot product, ``sqrt(N) eps sum|terms|`` (``N`` terms), as in
:mod:`checks.compare`.

**Sensitivity along pairs.** An error ``E = A - J`` shows as ``u^T E v``. Given ``u`` it is
normal with deviation ``||E^T u||_2 >= |(E^T u)_b|``, which is itself normal with deviation
``||E_{:b}||_2 >= M = max|E|`` (``b`` the column of the largest entry). With
``P(|N(0, s^2)| <= tau) <= sqrt(2/pi) tau / s``, one pair passes with probability at most
``q(r) = E[min(1, r / |Z|)]``, ``r = sqrt(2/pi) tau / M``, and for ``r < 1``

.. math::

    q(r) = P(|Z| \le r) + 2 r \int_r^\infty \frac{\varphi(z)}{z} dz
         \le r \, (1.1152 + 0.7979 \ln(1 / r))

(``P(|Z| <= r) <= 2 phi(0) r``; split the integral at 1). ``K`` independent pairs all pass
with probability at most ``prod_j q(r_j)``; ``M_min`` is the ``M`` where that product is
``p = 1e-3`` (:func:`pair_error_bound`, by bisection). The ``ln(1/r)`` is the price of a
bilinear test (a product of two normals is more often small than one normal): about 5 times
the ``M_min`` of :func:`checks.compare.detectable_along` at equal ``tau``.
``detectable = M_min / G`` with ``G`` a lower bound on ``max|J|``: the larger of
``max|A| - M_min`` (a passing ``A`` is within ``M_min`` of ``J``, with probability
``1 - p``), where ``max|A|`` is exact for ``jac`` and bounded below by
``max_j max|A w_j| / ||w_j||_1`` for a ``jvp`` (``w = v``) or ``vjp`` (``w = u``), and
``max_j dist(0, [lower_j - safety e_j, upper_j + safety e_j]) / (||u_j||_1 ||v_j||_1)``
(``|u^T J v| <= max|J| ||u||_1 ||v||_1``). For a matrix-free check these are pessimistic by
up to ``sqrt(n)`` (``sqrt(m)``): it cannot know the largest entry.

**The adjoint test** (:func:`check_adjoint`) compares ``a_j = <u_j, jvp(v_j)>`` with
``b_j = <vjp(u_j), v_j>``: equal to round-off for an exact pair of maps, whatever ``f``. Each
side is a sum of ``N`` products (``N = m`` and ``n``), computed with ``math.fsum`` (exactly
rounded): the sum adds at most ``eps sum|terms|`` (the products' own rounding, ``eps / 2``
each, and the final rounding). The terms' factors come out of ``jvp`` and ``vjp`` with
relative errors of a few ``eps`` each; with random signs those add like ``sqrt(N)``, so the
error bar is ``e_j = eps (sqrt(m) sum|u_j o jvp(v_j)| + sqrt(n) sum|vjp(u_j) o v_j|)``, the
bound of :mod:`checks.compare`'s directional mode. It does not model round-off that a map
amplifies (an ill-conditioned solve inside ``jvp``): pass ``atol`` there. With the default
``rtol = 1e-8`` the test is as sharp as the others; ``rtol=0`` makes it a test to round-off.
``detectable`` is the pair bound above, relative to ``max|A_jvp| >= max_j max|jvp(v_j)| /
||v_j||_1``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks._args import _signature_mismatch, closure, copies, generator, prepare
from checks._memo import Memo
from checks._util import (
    EPS,
    NonFiniteValueError,
    as_float64,
    first_nonfinite,
    function_name,
    validate_method,
)
from checks.compare import (
    DEFAULT_DIRECTIONS,
    DEFAULT_RTOL,
    DEFAULT_SAFETY,
    MISS_PROBABILITY,
    GradientCheck,
    _compare,
    _detectable_full,
    _unjudged,
    _validate_atol,
    _verdict,
)
from checks.differences import (
    STEP_FACTORS,
    Estimate,
    directional_derivatives,
    estimate_gradient,
)
from checks.ladder import UNRESOLVED
from checks.noise import noise_note
from checks.report import _TRY, _atol_text, _fmt, _fmt_pair

__all__ = [
    "JacobianCheck",
    "check_adjoint",
    "check_jacobian",
    "check_jvp",
    "check_vjp",
    "estimate_jacobian",
    "pair_error_bound",
]

_MODES = ("full", "directional")
_NOTE_LIMIT = 10


@dataclass(frozen=True)
class JacobianCheck(GradientCheck):
    """The outcome of :func:`check_jacobian`, :func:`check_jvp`, :func:`check_vjp`,
    :func:`check_adjoint`, :func:`checks.check_hessian` and :func:`checks.check_hvp`.

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


# ----------------------------------------------------------------------------- estimates


def estimate_jacobian(
    f: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: str = "richardson",
    step: Any = None,
) -> Estimate:
    """Numerical Jacobian of an array-valued ``f`` at ``x``, with a per-entry error estimate.

    Row ``o`` is :func:`checks.estimate_gradient` of ``f(x)[o]``; the rows share ``f``'s
    evaluations (module docstring), so the cost is about one gradient's.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of any fixed shape ``out`` (a scalar gives a gradient). It must be
        deterministic; it is called twice at ``x`` to make sure.
    x : array_like
        The point, converted to float64.
    method, step
        As in :func:`checks.estimate_gradient`.

    Returns
    -------
    Estimate
        ``value``, ``error``, ``lower``, ``upper`` and ``kind`` of shape ``out + x.shape``;
        ``noise``, ``f0`` and ``f_scale`` of the output with the largest relative noise.

    Examples
    --------
    >>> est = estimate_jacobian(np.sin, np.array([0.0, 1.0]))
    >>> bool(np.allclose(est.value, np.diag(np.cos([0.0, 1.0]))))
    True
    """
    validate_method(method)
    xf, note = as_float64("x", x)
    est = _jacobian_estimate(Memo(f, xf), xf, method, step)
    return dataclasses.replace(est, notes=(note,) + est.notes) if note else est


def _jacobian_estimate(memo: Memo, x: np.ndarray, method: str, step: Any) -> Estimate:
    """Every row of the Jacobian through the memo, stacked into ``out + in`` arrays."""
    out = memo.out_shape
    m = int(np.prod(out, dtype=int))
    rows = []
    for k in range(m):
        try:
            rows.append(estimate_gradient(memo.entry(k), x, method=method, step=step))
        except NonFiniteValueError as exc:
            raise NonFiniteValueError(f"{memo.what}, output {_index(out, k)}: {exc}") from exc
    shape = out + x.shape

    def stack(name: str) -> np.ndarray:
        if not rows:
            return np.zeros(shape)
        return np.stack([np.asarray(getattr(r, name), dtype=float) for r in rows]).reshape(shape)

    # a row whose estimate disagrees with its noise probe is unresolved as a whole
    kinds = [r.kind if not r.inconsistent else np.full_like(r.kind, UNRESOLVED)
             for r in rows]
    kind = None if not rows or any(k is None for k in kinds) else np.stack(kinds).reshape(shape)
    noisiest = max(rows, key=lambda r: r.noise / r.f_scale if r.f_scale else 0.0, default=None)
    return Estimate(
        stack("value"), stack("error"), stack("step"), method, memo.evaluations,
        _row_notes([r.notes for r in rows], out), stack("lower"), stack("upper"), kind,
        0.0 if noisiest is None else noisiest.noise,
        0.0 if noisiest is None else noisiest.f0,
        0.0 if noisiest is None else noisiest.f_scale,
    )


def _index(shape: tuple[int, ...], k: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(k, shape)) if shape else ()


def _row_notes(notes: list[tuple[str, ...]], out: tuple[int, ...]) -> tuple[str, ...]:
    """The rows' notes, each once: per-entry findings prefixed with their output, capped."""
    shared: list[str] = []
    local: list[str] = []
    for k, row in enumerate(notes):
        for note in row:
            if note.startswith("f is noisy"):
                continue  # one noise note for the whole check, written with its verdict
            if "entry" in note or "direction" in note:
                local.append(f"output {_index(out, k)}: {note}")
            elif note not in shared:
                shared.append(note)
    if len(local) > _NOTE_LIMIT:
        local = local[:_NOTE_LIMIT] + [f"... and {len(local) - _NOTE_LIMIT} more such notes"]
    return tuple(shared + local)


def _draw_pairs(rng: Any, k: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]):
    gen = generator(rng)
    vs = gen.standard_normal((k,) + in_shape)
    us = gen.standard_normal((k,) + out_shape)
    return us, vs


def _pair_estimates(memo: Memo, x: np.ndarray, us: np.ndarray, vs: np.ndarray, method: str,
                    step: Any) -> Estimate:
    """``d/dt <u_j, f(x + t v_j)>`` for every pair, as one :class:`Estimate` of shape (K,)."""
    ests = []
    for j, (u, v) in enumerate(zip(us, vs, strict=True)):
        try:
            ests.append(directional_derivatives(memo.dot(u), x, v[None], method=method,
                                                step=step))
        except NonFiniteValueError as exc:
            raise NonFiniteValueError(f"<u, {memo.what}(x + t v)> of pair {j}: {exc}") from exc
    notes: list[str] = []
    for j, e in enumerate(ests):
        for note in e.notes:
            if note.startswith("f is noisy"):
                continue
            note = note.replace("direction 0", f"pair {j}")
            if note not in notes:
                notes.append(note)
    noisiest = max(ests, key=lambda e: e.noise / e.f_scale if e.f_scale else 0.0)

    def stack(name: str) -> np.ndarray:
        return np.array([float(getattr(e, name)[0]) for e in ests])

    return Estimate(stack("value"), stack("error"), stack("step"), method, memo.evaluations,
                    tuple(notes), stack("lower"), stack("upper"), None, noisiest.noise,
                    noisiest.f0, noisiest.f_scale)


def pair_error_bound(taus: Any) -> float:
    """``M_min`` of the module docstring: an error with ``max|E| >= M_min`` passes every pair
    ``|u_j^T E v_j| <= tau_j`` with probability at most :data:`checks.compare.MISS_PROBABILITY`.

    Examples
    --------
    >>> round(pair_error_bound([1e-9, 1e-9]) / 1e-9)  # detectable_along's would be 25
    131
    """
    taus = np.asarray(taus, dtype=float).ravel()
    taus = taus[np.isfinite(taus)]
    if taus.size == 0:
        return float("inf")
    if np.any(taus <= 0.0):
        return 0.0
    c = np.sqrt(2.0 / np.pi) * taus
    target = np.log(MISS_PROBABILITY)

    def log_pass(log_m: float) -> float:
        r = c / np.exp(log_m)
        with np.errstate(divide="ignore"):
            q = np.where(r < 1.0, r * (1.1152 + 0.7979 * np.log(1.0 / r)), 1.0)
        return float(np.sum(np.log(np.minimum(q, 1.0))))

    lo = float(np.log(c.min()))  # every r >= 1: passing is certain
    hi = lo + 1.0
    while log_pass(hi) > target:
        hi += 2.0 * (hi - lo)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if log_pass(mid) > target else (lo, mid)
    return float(np.exp(hi))


# ----------------------------------------------------------------------------- analytic side


@dataclass(frozen=True)
class _Analytic:
    """The analytic side: a whole matrix (``jac``, ``hess``), or its action on tangents
    (``jvp``, ``hvp``: ``fn(v, *args)``) or cotangents (``vjp``: ``fn(u, *args)``)."""

    kind: str  # "matrix", "tangent" or "cotangent"
    fn: Callable[..., Any]
    name: str


def _call(an: _Analytic, p, *lead: np.ndarray) -> np.ndarray:
    """``an.fn(*lead, *args)`` on copies; a wrong signature is a ``TypeError`` that says so."""
    nargs = len(lead) + len(p.args)
    try:
        return np.asarray(an.fn(*lead, *copies(p.args)))
    except TypeError as exc:
        if _signature_mismatch(an.fn, nargs):
            form = f"{an.name}(v, *args)" if an.kind == "tangent" else (
                f"{an.name}(u, *args)" if an.kind == "cotangent" else f"{an.name}(*args)")
            raise TypeError(f"{an.name} cannot be called as {form} with the {len(p.args)} "
                            f"argument(s) of f ({exc})") from exc
        raise


def _bad(arr: np.ndarray, shape: tuple[int, ...], label: str, expected: str) -> str | None:
    """Why ``arr`` (the value of ``label``) cannot be compared with an array of ``shape``."""
    if arr.shape != shape:
        return (f"{label} has shape {arr.shape}, but {expected} is {shape} (no broadcasting, "
                "no transposed layout)")
    if arr.dtype.kind not in "biuf":
        return f"{label} must be a real array, got dtype {arr.dtype}"
    idx = first_nonfinite(arr)
    if idx is not None:
        return f"{label} is not finite: {arr[idx]} at index {idx}"
    return None


def _expected(an: _Analytic, in_shape, out_shape, hessian: bool):
    """Shape and description of one analytic value: the matrix, a JVP or a VJP."""
    out_word = "the argument's shape" if hessian else "f's output shape"
    if an.kind == "matrix":
        words = "shape + shape" if hessian else "f's output shape + the argument's shape"
        return out_shape + in_shape, f"{an.name}(*args)", words
    if an.kind == "tangent":
        return out_shape, f"{an.name}(v, *args)", out_word
    return in_shape, f"{an.name}(u, *args)", "the argument's shape"


def _full_matrix(an: _Analytic, p, out_shape, hessian=False):
    """The analytic Jacobian as an ``out + in`` array (columns from a jvp, rows from a vjp),
    and why it cannot be compared (or ``None``)."""
    in_shape = p.x.shape
    shape, label, words = _expected(an, in_shape, out_shape, hessian)
    if an.kind == "matrix":
        arr = _call(an, p)
        return arr, _bad(arr, shape, label, words)
    units_shape = in_shape if an.kind == "tangent" else out_shape
    parts = []
    for k in range(int(np.prod(units_shape, dtype=int))):
        unit = np.zeros(units_shape)
        unit.flat[k] = 1.0
        arr = _call(an, p, unit)
        why = _bad(arr, shape, f"{label} at the unit vector {_index(units_shape, k)}", words)
        if why is not None:
            return arr, why
        parts.append(arr.astype(float))
    full = out_shape + in_shape
    if not parts:
        return np.zeros(full), None
    if an.kind == "tangent":
        return np.stack(parts, axis=-1).reshape(full), None
    return np.stack(parts, axis=0).reshape(full), None


def _along_pairs(an: _Analytic, p, us, vs, out_shape, hessian=False):
    """Analytic ``u_j^T A v_j``, the round-off of each, why they cannot be compared, and
    ``max|A|`` (exact for a matrix; for a product ``A w`` the lower bound
    ``max|A w| / ||w||_1``)."""
    k = len(vs)
    in_shape = p.x.shape
    a, extra = np.full(k, np.nan), np.zeros(k)
    shape, label, words = _expected(an, in_shape, out_shape, hessian)
    if an.kind == "matrix":
        arr = _call(an, p)
        why = _bad(arr, shape, label, words)
        if why is not None:
            return a, extra, why, None
        mat = arr.reshape(us[0].size, vs[0].size).astype(float)
        for j in range(k):
            u, v = us[j].ravel(), vs[j].ravel()
            a[j] = u @ mat @ v
            extra[j] = np.sqrt(mat.size) * EPS * (np.abs(u) @ np.abs(mat) @ np.abs(v))
        return a, extra, None, float(np.max(np.abs(mat), initial=0.0))
    top = 0.0
    for j in range(k):
        lead, other = (vs[j], us[j]) if an.kind == "tangent" else (us[j], vs[j])
        arr = _call(an, p, lead)
        why = _bad(arr, shape, f"{label} of pair {j}", words)
        if why is not None:
            return a, extra, why, None
        prod = other * arr
        a[j] = float(np.sum(prod))
        extra[j] = np.sqrt(prod.size) * EPS * float(np.sum(np.abs(prod)))
        # |(A w)_o| <= max|A| ||w||_1: a lower bound on max|A| from each product
        top = max(top, float(np.max(np.abs(arr), initial=0.0)) / float(np.abs(lead).sum()))
    return a, extra, None, top


# ----------------------------------------------------------------------------- the verdict


def _options(mode, directions, rng, rtol, safety):
    """Validated ``rtol`` and ``safety``; the mode and its own arguments checked."""
    if mode == "taylor":
        raise ValueError("mode='taylor' is a different test with a different result: call "
                         "checks.taylor_test_hessian (second order) or checks.taylor_test")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _MODES))}; got {mode!r}")
    if mode == "full":
        for label, value in (("directions", directions), ("rng", rng)):
            if value is not None:
                raise ValueError(f"{label}= applies to mode='directional' only; got "
                                 f"{label}={value!r} with mode='full'")
    rtol = DEFAULT_RTOL if rtol is None else float(rtol)
    safety = DEFAULT_SAFETY if safety is None else float(safety)
    for label, value in (("rtol", rtol), ("safety", safety)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be finite and >= 0, got {value!r}")
    if mode == "directional":
        _count(directions)
    return rtol, safety


def _count(directions: Any) -> int:
    k = DEFAULT_DIRECTIONS if directions is None else directions
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"directions must be an integer >= 1, got {directions!r}")
    return int(k)


def _require_entries(x: np.ndarray, out_shape: tuple[int, ...], argnum: int) -> None:
    if x.size == 0 or int(np.prod(out_shape, dtype=int)) == 0:
        raise ValueError(
            f"args[{argnum}] has shape {x.shape} and the output shape {out_shape}: a map with "
            "no entries has nothing to show along random pairs; use mode='full'"
        )


def _conclude(a, est: Estimate, failure: str | None, *, pairs, us, vs, analytic_max, rtol,
              atol, safety, common) -> JacobianCheck:
    """Apply the rule to ``a`` against ``est`` and decide the verdict (see the docstrings)."""
    lower, upper, numerical, error = est.lower, est.upper, est.value, est.error
    if failure is not None:
        return JacobianCheck(
            ok=False, analytic=a, numerical=numerical, error=error, tolerance=None,
            max_abs_error=float("nan"), max_rel_error=float("nan"), worst_index=None,
            mismatched=int(np.size(numerical)), evaluations=est.evaluations, reason=failure,
            notes=est.notes, verdict="fail", lower=lower, upper=upper, rtol=rtol, atol=atol,
            safety=safety, **common,
        )
    tol, mismatched, max_abs, max_rel, worst = _verdict(
        a, numerical, error, rtol=rtol, atol=atol, safety=safety, lower=lower, upper=upper
    )
    # an entry whose estimate is not a bound cannot fail (checks.compare._unjudged)
    tol, unjudged = _unjudged(est.kind, tol, "pair" if pairs else "entr")
    if unjudged is not None:
        mismatched, max_abs, max_rel, worst = _compare(a, numerical, tol, lower, upper)
    if pairs:
        reach = safety * np.asarray(error, dtype=float)
        width = np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)
        bound = pair_error_bound(tol + reach + width)
        detectable = _pairs_detectable(bound, lower - reach, upper + reach, us, vs, analytic_max)
    else:
        detectable = _detectable_full(tol, error, safety, lower, upper)
    reason = None
    if mismatched:
        verdict = "fail"
        unit = "pairs" if pairs else "entries"
        reason = f"{mismatched} of {np.size(a)} {unit} differ by more than the tolerance"
    elif unjudged is not None:
        verdict = "inconclusive"
        reason = unjudged
    elif detectable >= 1.0:
        verdict = "inconclusive"
        reason = "the finite differences cannot resolve the derivatives here"
    else:
        verdict = "pass"
    notes = est.notes
    noisy = noise_note(est.noise, est.f_scale, detectable)
    if noisy:
        notes = notes + (noisy,)
    return JacobianCheck(
        ok=verdict == "pass", analytic=a, numerical=numerical, error=error, tolerance=tol,
        max_abs_error=max_abs, max_rel_error=max_rel, worst_index=worst, mismatched=mismatched,
        evaluations=est.evaluations, reason=reason, notes=notes, verdict=verdict,
        detectable=detectable, lower=lower, upper=upper, rtol=rtol, atol=atol, safety=safety,
        **common,
    )


def _pairs_detectable(bound, low, high, us, vs, analytic_max) -> float:
    """``M_min / G`` (module docstring): ``G`` bounds ``max|J|`` from below."""
    reach = np.maximum(np.maximum(low, -high), 0.0)  # |u^T J v| >= distance of 0 to the bar
    norms = np.array([np.abs(u).sum() * np.abs(v).sum() for u, v in zip(us, vs, strict=True)])
    with np.errstate(divide="ignore", invalid="ignore"):
        g = float(np.max(np.where(norms > 0, reach / norms, 0.0), initial=0.0))
    if analytic_max is not None:
        g = max(g, analytic_max - bound)
    if not np.isfinite(bound):
        return float("inf")
    if g <= 0.0:
        return 0.0 if bound == 0.0 else float("inf")
    return bound / g


def _run(f, an: _Analytic, args, *, argnum, method, mode, rtol, atol, safety, step,
         directions, rng, what) -> JacobianCheck:
    """The three checks against ``f``: build the numerical and the analytic side, conclude."""
    validate_method(method)
    rtol, safety = _options(mode, directions, rng, rtol, safety)
    p = prepare(args, argnum)
    x = p.x
    memo = Memo(closure(f, p), x)
    out = memo.out_shape
    atol = _validate_atol(atol, out + x.shape, mode)
    common = dict(method=method, mode=mode, name=function_name(f), argnum=p.argnum,
                  shape=x.shape, out_shape=out, what=what,
                  step_factor=STEP_FACTORS[method] if step is None else None)
    if mode == "full":
        est = _jacobian_estimate(memo, x, method, step)
        a, failure = _full_matrix(an, p, out)
        us = vs = None
        analytic_max = None
    else:
        _require_entries(x, out, p.argnum)
        us, vs = _draw_pairs(rng, _count(directions), x.shape, out)
        est = _pair_estimates(memo, x, us, vs, method, step)
        a, extra, failure, analytic_max = _along_pairs(an, p, us, vs, out)
        est = dataclasses.replace(est, error=est.error + extra)
        side = {"matrix": "u^T A v", "tangent": f"<u, {an.name}(v)>",
                "cotangent": f"<{an.name}(u), v>"}[an.kind]
        common["compares"] = f"analytic {side} against numerical d/dt <u, f(x + t v)>"
    if p.note:
        est = dataclasses.replace(est, notes=(p.note,) + est.notes)
    return _conclude(a, est, failure, pairs=mode != "full", us=us, vs=vs,
                     analytic_max=analytic_max, rtol=rtol, atol=atol, safety=safety,
                     common=common)


# ----------------------------------------------------------------------------- public checks


def check_jacobian(
    f: Callable[..., Any],
    jac: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "full",
    rtol: float | None = None,
    atol: Any = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
) -> JacobianCheck:
    r"""Compare ``jac(*args)`` with the numerical Jacobian of ``f(*args)`` w.r.t. one argument.

    Parameters
    ----------
    f : callable
        ``f(*args)`` returns an array of a fixed shape ``out`` (a scalar makes this a gradient
        check). It must be deterministic (called twice at the point to make sure) and gets
        fresh copies of the array arguments.
    jac : callable
        ``jac(*args)``, of shape ``out + args[argnum].shape``: ``jac[o + i] = d f_o / d x_i``.
    args, argnum, method, rtol, atol, safety, step, directions, rng
        As in :func:`checks.check_gradient`; ``atol`` may be an array of shape ``out + in``
        in full mode.
    mode : {"full", "directional"}, default "full"
        ``"full"`` compares every entry (``6n + 18`` evaluations of ``f`` on a smooth map);
        ``"directional"`` compares ``u_j^T jac v_j`` with ``d/dt <u_j, f(x + t v_j)>`` along
        ``directions`` random pairs (``6K + 18`` evaluations; see the module docstring).

    Returns
    -------
    JacobianCheck
        ``.verdict``, ``.ok``, ``.detectable``, ``.worst_index`` (an ``out + in`` index in full
        mode, ``(j,)`` for pair ``j`` otherwise), the arrays and a readable ``str()``.

    Raises
    ------
    TypeError
        ``args`` not a tuple or list, or ``jac`` not callable with them.
    ValueError
        Unknown method or mode, an argument that does not apply to the mode, ``argnum`` out
        of range, non-finite ``args[argnum]``, ``f`` not deterministic, not real, not finite
        at the point, or with an output shape that changes. (A wrongly shaped or non-finite
        ``jac`` is a failed check, not an exception.)

    Examples
    --------
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> def jac(x):
    ...     return (1 - np.tanh(W @ x) ** 2)[:, None] * W
    >>> r = check_jacobian(lambda x: np.tanh(W @ x), jac, (np.array([0.1, -0.2]),))
    >>> r.verdict, r.analytic.shape
    ('pass', (3, 2))
    """
    return _run(f, _Analytic("matrix", jac, "jac"), args, argnum=argnum, method=method,
                mode=mode, rtol=rtol, atol=atol, safety=safety, step=step,
                directions=directions, rng=rng, what="Jacobian")


def check_jvp(
    f: Callable[..., Any],
    jvp: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "directional",
    rtol: float | None = None,
    atol: Any = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
) -> JacobianCheck:
    r"""Check a Jacobian-vector product ``jvp(v, *args) = J v`` (shape of ``f``'s output).

    ``"directional"`` (default) compares ``<u_j, jvp(v_j)>`` with ``d/dt <u_j, f(x + t v_j)>``
    along ``directions`` random pairs: ``6K + 18`` evaluations of ``f`` and ``K`` calls of
    ``jvp``, whatever the sizes. ``"full"`` builds ``J`` from ``n`` calls of ``jvp`` on the
    unit tangents and compares every entry, as :func:`check_jacobian` does. The other
    arguments are those of :func:`check_jacobian`.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> check_jvp(lambda x: A @ x**2, lambda v, x: A @ (2 * x * v), (np.ones(2),)).verdict
    'pass'
    """
    return _run(f, _Analytic("tangent", jvp, "jvp"), args, argnum=argnum, method=method,
                mode=mode, rtol=rtol, atol=atol, safety=safety, step=step,
                directions=directions, rng=rng, what="JVP")


def check_vjp(
    f: Callable[..., Any],
    vjp: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "directional",
    rtol: float | None = None,
    atol: Any = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
) -> JacobianCheck:
    r"""Check a vector-Jacobian product ``vjp(u, *args) = J^T u`` (shape of ``args[argnum]``):
    a backward pass written by hand.

    ``"directional"`` (default) compares ``<vjp(u_j), v_j>`` with
    ``d/dt <u_j, f(x + t v_j)>`` along ``directions`` random pairs: ``6K + 18`` evaluations
    of ``f`` and ``K`` calls of ``vjp``, whatever the sizes. ``"full"`` builds ``J`` from
    ``m`` calls of ``vjp`` on the unit cotangents and compares every entry. The other
    arguments are those of :func:`check_jacobian`.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
    >>> check_vjp(lambda x: A @ x, lambda u, x: A.T @ u, (np.ones(2),)).verdict
    'pass'
    >>> check_vjp(lambda x: A @ x, lambda u, x: A[:2] @ u[:2], (np.ones(2),)).verdict
    'fail'
    """
    return _run(f, _Analytic("cotangent", vjp, "vjp"), args, argnum=argnum, method=method,
                mode=mode, rtol=rtol, atol=atol, safety=safety, step=step,
                directions=directions, rng=rng, what="VJP")


def check_adjoint(
    jvp: Callable[..., Any],
    vjp: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    rtol: float | None = None,
    atol: float | None = None,
    safety: float | None = None,
    directions: int | None = None,
    rng: Any = None,
) -> JacobianCheck:
    r"""The dot-product test: ``<u, jvp(v)> = <vjp(u), v>`` along random pairs ``(u_j, v_j)``.

    Checks that ``vjp`` is the adjoint of ``jvp`` (to the round-off bound of the module
    docstring), with no finite differences and no ``f``: ``K`` calls of each. It says nothing
    about whether either is the derivative of ``f``: use :func:`check_jvp` or
    :func:`check_vjp` for that.

    Parameters
    ----------
    jvp, vjp : callable
        ``jvp(v, *args)`` of ``f``'s output shape (taken from the first call) and
        ``vjp(u, *args)`` of the shape of ``args[argnum]``.
    args, argnum, rtol, atol, safety, directions, rng
        As in :func:`check_jacobian` (``atol`` a scalar).

    Returns
    -------
    JacobianCheck
        In ``"adjoint"`` mode: ``analytic[j] = <u_j, jvp(v_j)>``,
        ``numerical[j] = <vjp(u_j), v_j>``, ``error`` the round-off bound.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
    >>> check_adjoint(lambda v, x: A @ v, lambda u, x: A.T @ u, (np.ones(2),)).verdict
    'pass'
    >>> check_adjoint(lambda v, x: A @ v, lambda u, x: A[:, ::-1].T @ u, (np.ones(2),)).verdict
    'fail'
    """
    rtol, safety = _options("directional", directions, rng, rtol, safety)
    atol = _validate_atol(atol, (), "directional")
    p = prepare(args, argnum)
    x = p.x
    k = _count(directions)
    gen = generator(rng)
    vs = gen.standard_normal((k,) + x.shape)
    fwd, bwd = _Analytic("tangent", jvp, "jvp"), _Analytic("cotangent", vjp, "vjp")
    ws = [_call(fwd, p, v) for v in vs]
    out = ws[0].shape
    _require_entries(x, out, p.argnum)
    us = gen.standard_normal((k,) + out)
    a, b, err = np.full(k, np.nan), np.full(k, np.nan), np.zeros(k)
    failure = None
    for j in range(k):
        failure = _bad(ws[j], out, f"jvp(v, *args) of pair {j}", "its shape at pair 0")
        if failure is not None:
            break
        g = _call(bwd, p, us[j])
        failure = _bad(g, x.shape, f"vjp(u, *args) of pair {j}", "the argument's shape")
        if failure is not None:
            break
        left, right = us[j] * ws[j], g * vs[j]
        a[j] = math.fsum(left.ravel().tolist())
        b[j] = math.fsum(right.ravel().tolist())
        err[j] = EPS * (np.sqrt(left.size) * np.abs(left).sum()
                        + np.sqrt(right.size) * np.abs(right).sum())
    est = Estimate(b, err, np.zeros(k), "dot-product", 0, (p.note,) if p.note else (), b, b)
    common = dict(method="dot-product", mode="adjoint", name=f"{function_name(jvp)} / "
                  f"{function_name(vjp)}", argnum=p.argnum, shape=x.shape, out_shape=out,
                  what="adjoint", evaluated="f", step_factor=None,
                  compares="<u, jvp(v)> against <vjp(u), v>")
    top = None if failure else max(float(np.max(np.abs(w), initial=0.0)) / float(np.abs(v).sum())
                                   for w, v in zip(ws, vs, strict=True))
    return _conclude(a, est, failure, pairs=True, us=us, vs=vs, analytic_max=top, rtol=rtol,
                     atol=atol, safety=safety, common=common)


# ----------------------------------------------------------------------------- the report

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
        if np.isfinite(r.detectable):
            chance = (" (with probability >= 99.9 % over the random pairs)" if pairs else "")
            lines.append(f"Sensitivity: {claim} exceeds {r.detectable:.2g} can pass{chance}")
        else:
            lines.append("Sensitivity: none (the numerical side is zero within its error "
                         "bounds, so no relative error can be judged)")
        if r.verdict == "inconclusive":
            lines.append("Inconclusive: the finite differences cannot resolve the derivatives "
                         "here well enough to catch even one wrong by 100 %; no evidence of "
                         "an error was found, and none could have been")
            lines.append(_TRY)
        total = int(np.size(r.analytic))
        pct = 100.0 * r.mismatched / total if total else 0.0
        lines.append(f"Mismatched {'pairs' if pairs else 'elements'}: {r.mismatched} / {total} "
                     f"({pct:.3g}%)")
        lines.append(f"Max absolute difference: {_fmt(r.max_abs_error)}")
        lines.append(f"Max relative difference (to max |numerical|): {_fmt(r.max_rel_error)}")
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
    a, n = float(r.analytic[i]), float(r.numerical[i])
    ta, tn = _fmt_pair(a, n)
    lo, hi = float(r.lower[i]), float(r.upper[i])
    if lo != hi:
        tl, th = _fmt_pair(lo, hi)
        numerical = f"one-sided derivatives {tl} and {th} (not differentiable)"
    else:
        numerical = f"numerical {tn}"
    return (f"Worst {label}: analytic {ta}, {numerical}, |diff| {_fmt(float(r.difference[i]))}, "
            f"tolerance {_fmt(float(r.tolerance[i]))} (error estimate {_fmt(float(r.error[i]))})")
