r"""Check an analytic gradient against a numerical one: `check_gradient`, `assert_gradient`.

The rule (``|a_k - n_k| <= atol + safety * e_k + rtol * |n_k|``, the three-valued verdict and
``detectable``) is :mod:`checks.rule`, derived there. This module is the check as a pipeline:
the arguments prepared (:mod:`checks._args`), the numerical side estimated
(:func:`checks.estimate_gradient` in full mode, derivatives along random directions in
directional mode), the rule applied, the cross-checks along directions that mix coupled kink
entries and along the noise probe's direction (:mod:`checks.crosscheck`), and the report
(:mod:`checks.report`).

>>> check_gradient(lambda x: np.sum(x**2), lambda x: 2 * x, (np.ones(3),)).verdict
'pass'
>>> check_gradient(lambda x: np.sum(x**2), lambda x: 2.000001 * x, (np.ones(3),)).verdict
'fail'
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from checks import draws
from checks._args import analytic_of, call_grad, closure, generator, prepare
from checks._util import abs_max, c_order, function_name, validate_method
from checks.crosscheck import along_probe, coupled_kinks, kink_directions
from checks.diagnosis import diagnose, missing_term
from checks.differences import estimate_gradient
from checks.directional import _directional_derivatives, along_directions
from checks.executor import runs_on_executor
from checks.methods import STEP_FACTORS
from checks.noise import Baseline, noise_note
from checks.report import render
from checks.rule import (
    _LOW_PRECISION,
    DEFAULT_RTOL,
    DEFAULT_SAFETY,
    _compare,
    _detectable_by_entry,
    _detectable_full,
    _distance,
    _tolerance,
    _unjudged_note,
    _validate_atol,
    confirmed_zero,
    detectable_along,
    natural_scale,
)
from checks.scales import second_opinion
from checks.trees import Tree, is_tree

__all__ = [
    "DEFAULT_DIRECTIONS",
    "DEFAULT_RTOL",
    "DEFAULT_SAFETY",
    "GradientCheck",
    "InconclusiveError",
    "InconclusiveWarning",
    "check_gradient",
    "assert_gradient",
]

DEFAULT_DIRECTIONS = 2
_MODES = ("full", "directional")


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of :func:`check_gradient`.

    In ``"full"`` mode the arrays have the shape of the differentiated argument; in
    ``"directional"`` mode they are indexed by direction: ``analytic[j] = <grad, v_j>`` and
    ``numerical[j]`` the finite-difference derivative along ``v_j``.

    ``verdict`` is ``"pass"``, ``"fail"`` or ``"inconclusive"`` and ``ok == (verdict ==
    "pass")``; ``detectable`` is the promise of the module docstring: no gradient whose
    norm-relative error exceeds it can pass. ``lower``/``upper`` bound the numerical side
    (they differ from ``numerical`` only at kinks). ``step_factor`` is ``c`` of the default
    step ``c * max(|x_k|, rms(x))`` (``None`` when the caller gave the step).
    """

    ok: bool
    analytic: np.ndarray
    numerical: np.ndarray | None
    error: np.ndarray | None
    tolerance: np.ndarray | None
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple[int, ...] | None
    mismatched: int
    method: str
    mode: str
    rtol: float
    atol: Any
    safety: float
    evaluations: int
    name: str = "f"
    argnum: int = 0
    shape: tuple[int, ...] = ()
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())
    step_factor: float | None = None
    verdict: str = "fail"
    detectable: float = float("inf")
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    detectable_by_entry: np.ndarray | None = None
    crosschecks: tuple[Any, ...] = ()
    #: the differentiated arguments' leaves and names (:class:`checks.trees.Tree`) when the
    #: check was of a parameter tree, a tuple ``argnum`` or named arguments, else ``None``
    tree: Any = None
    #: one line naming a pattern of the mistake that holds to the tolerance
    #: (:mod:`checks.diagnosis`), or ``None``
    diagnosis: str | None = None
    #: the absolute promise of a derivative confirmed zero (:func:`checks.rule.confirmed_zero`:
    #: no analytic side with ``max|a - g|`` above it can pass), or ``None``
    absolute: float | None = None

    def entry_name(self, index: tuple[int, ...]) -> str:
        """How the report names entry ``index``: ``params['W1'][2, 3]`` for a tree,
        ``(2, 3)`` otherwise."""
        if self.tree is None or self.mode == "directional":
            return str(index)
        flat = int(np.ravel_multi_index(index, self.analytic.shape)) if index else 0
        return self.tree.name(flat)

    @property
    def difference(self) -> np.ndarray:
        """``|a - n|`` per entry: the distance from the analytic value to the numerical one
        (to the interval between the one-sided derivatives, at a kink)."""
        lower = self.numerical if self.lower is None else self.lower
        upper = self.numerical if self.upper is None else self.upper
        return _distance(self.analytic, lower, upper)

    @property
    def mismatched_indices(self) -> list[tuple[int, ...]]:
        """Indices of the entries (directions) that break the rule, worst first."""
        if self.tolerance is None:
            return []
        diff = self.difference
        tol = np.broadcast_to(self.tolerance, diff.shape)
        bad = np.flatnonzero(diff > tol)
        order = bad[np.argsort(-(diff.ravel()[bad] - tol.ravel()[bad]))]
        return [tuple(int(i) for i in np.unravel_index(int(k), diff.shape)) for k in order]

    def __bool__(self) -> bool:
        # `assert check_gradient(...)` would always pass on a truthy object: refuse it.
        raise TypeError("use `.ok` (or assert_gradient) rather than the truth of the result")

    def __str__(self) -> str:
        return render(self)


#: Probability that a gradient with an error above ``detectable`` passes a directional check.


_AUTO_DIRECTIONAL = ("method='auto' uses the ladder (richardson) in directional mode: "
                     "proving f complex-safe would cost as many evaluations as the "
                     "directional derivatives themselves")


@runs_on_executor
@second_opinion
def check_gradient(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "full",
    rtol: float | None = None,
    atol: float | None = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
    vectorized: bool = False,
    names: Sequence[str] | None = None,
    terms: Mapping[str, Callable[..., Any]] | None = None,
    executor: Any = None,
) -> GradientCheck:
    r"""Compare ``grad(*args)`` with the numerical gradient of ``f(*args)`` w.r.t. one argument
    (or a parameter tree, or several arguments).

    Parameters
    ----------
    f : callable
        The scalar function, ``f(*args) -> float``. It must be deterministic (it is called
        twice at the point to make sure) and gets fresh copies of the array arguments.
    grad : callable
        The analytic gradient, ``grad(*args)``, which must return an array of exactly the
        shape of ``args[argnum]`` (no broadcasting, no transposed layout).
    args : sequence
        The point. ``args[argnum]`` is converted to float64 (noted in the report). It may be
        a parameter tree -- a dict, list or tuple of arrays, nested -- and ``grad`` then
        returns the same structure: one check across every leaf, whose report names the
        leaf (``args[0]['W1'][2, 3]``; :mod:`checks.trees`).
    argnum : int or tuple of int, default 0
        Which argument is differentiated; a tuple differentiates several at once (``grad``
        returns a tuple of their gradients, in that order).
    method : {"richardson", "central", "forward", "complex", "auto"}, default "richardson"
        The finite-difference scheme (see :mod:`checks.differences`). Richardson adapts each
        entry's step (:mod:`checks.ladder`): kinks, domain edges, poles and offsets are
        handled there. ``"auto"`` takes the complex step where ``f`` proves complex-safe
        against real differences along random directions, the ladder elsewhere
        (:mod:`checks.auto`; the result's ``.method`` is the one used, a note says why); in
        directional mode it is the ladder.
    mode : {"full", "directional"}, default "full"
        ``"full"`` compares every entry (``6n + 10`` evaluations with Richardson on smooth
        functions, more for the entries that need shorter steps); ``"directional"`` compares
        ``<grad, v_j>`` with the derivative along ``directions`` random ``v_j`` (``6K + 10``
        evaluations, whatever ``n``). The Taylor test is :func:`checks.taylor_test`.
    rtol, atol, safety : float, optional
        Terms of the criterion ``|a - n| <= atol + safety * e + rtol * |n|``; defaults
        ``1e-8``, ``0`` and ``10`` (see the module docstring). In full mode ``atol`` may be
        an array of the argument's shape: a per-entry bound on the analytic side's own
        round-off, e.g. for a gradient recovered from an update ``(w - w_new) / lr``.
    step : float or ndarray, optional
        Absolute finite-difference step (default: scale-invariant, per method, adapted per
        entry). A step that underflows (``x + h == x``) is a ``ValueError``.
    directions : int, optional
        Number of random directions in ``"directional"`` mode (default 2); directional mode
        only.
    rng : numpy Generator or int, optional
        Source of the random directions (default: a fixed seed, so checks are reproducible);
        directional mode only.
    vectorized : bool, default False
        ``f`` accepts a leading batch axis on ``args[argnum]`` (see
        :func:`checks.differences.estimate_gradient`); plain arrays only.
    names : sequence of str, optional
        A name for each argument, used by the report (``params['W1'][2, 3]`` rather than
        ``args[0]['W1'][2, 3]``; ``W[1, 0]`` rather than ``entry (1, 0)``).
    terms : dict of str to callable, optional
        The terms of ``f``'s sum, by name (``{"data": data_loss, "penalty": l2}``, each
        called like ``f``; they must add up to ``f`` at the point). When the check fails in
        full mode, the diagnosis names the one term whose gradient the analytic side misses,
        or counts twice, where that holds to the tolerance (one more estimate per term, on
        failure only).
    executor : concurrent.futures.Executor, optional
        Where ``f`` is evaluated: a ``ThreadPoolExecutor``, a ``ProcessPoolExecutor`` (``f``
        must pickle: a module-level function), a Dask ``Client(...).get_executor()``. Each
        batch of points (a ladder level, a noise probe) goes out at once, in chunks; the
        result is the serial one, bit for bit (:mod:`checks.executor`). Not with
        ``vectorized=True``. The executor is not shut down.

    Returns
    -------
    GradientCheck
        ``.verdict`` (``"pass"``, ``"fail"``, ``"inconclusive"``), ``.ok``,
        ``.detectable``, ``.max_abs_error``, ``.max_rel_error``, ``.worst_index``,
        ``.analytic``, ``.numerical``, ``.error``, ``.tolerance``, ``.method`` and a readable
        ``str()``.

    Raises
    ------
    TypeError
        ``args`` is not a tuple (or list) of arguments, or ``grad`` cannot be called with
        them.
    ValueError
        Unknown method or mode, an argument that does not apply to the mode, ``argnum`` out
        of range, non-finite ``args[argnum]``, ``f`` not scalar, not deterministic, or not
        finite at the point or on either side of it along some entry. (A wrongly shaped or
        non-finite analytic gradient is a failed check, not an exception.)

    Examples
    --------
    >>> r = check_gradient(lambda X: np.trace(X @ X), lambda X: 2 * X.T, (np.eye(2) + 1,))
    >>> r.verdict, r.ok
    ('pass', True)
    """
    validate_method(method, auto=True)
    if mode == "taylor":
        raise ValueError("mode='taylor' is a different test with a different result: call "
                         "checks.taylor_test(f, grad, args, argnum=...) instead")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _MODES))}; got {mode!r}")
    if mode == "full":
        for label, value in (("directions", directions), ("rng", rng)):
            if value is not None:
                raise ValueError(f"{label}= applies to mode='directional' only; got "
                                 f"{label}={value!r} with mode='full'")
    if _is_tree_check(args, argnum, names):
        return _check_tree(f, grad, Tree.of(args, argnum, names), method=method, mode=mode,
                           rtol=rtol, atol=atol, safety=safety, step=step,
                           directions=directions, rng=rng, vectorized=vectorized, terms=terms)
    # the arguments, prepared once: x, a closure of f over copies of the others
    p = prepare(args, argnum)
    x = p.x
    rtol = DEFAULT_RTOL if rtol is None else float(rtol)
    safety = DEFAULT_SAFETY if safety is None else float(safety)
    atol = _validate_atol(atol, x.shape, mode)
    for label, value in (("rtol", rtol), ("safety", safety)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be finite and >= 0, got {value!r}")
    vs = None
    if mode == "directional":
        # the random directions, drawn from here on: the pool's threads (checks.draws) wake
        # and draw while grad and f(x) run
        vs = _draw_directions(directions, rng, x.shape)
    analytic, failure = analytic_of(grad, p)
    fx = closure(f, p)
    requested = method
    chosen: tuple[str, ...] = ()
    if method == "auto" and mode == "directional":
        # the complex step's cross-check would cost what the directional derivatives do
        method, chosen = "richardson", (_AUTO_DIRECTIONAL,)
    # f measured at the point (its baseline: value, determinism, precision, noise) and the
    # numerical side estimated, per entry or along random directions: an Estimate
    if mode == "full":
        est = estimate_gradient(fx, x, method=method, step=step, vectorized=vectorized)
        a = analytic
        method = est.method  # "auto" resolved: the method used (its note says why)
    else:
        if failure is None:
            # the gradient in C order, once (grad may return a transposed view, 2 X.T): its
            # products with the directions and the probe are then contiguous passes, and the
            # same numbers (they were formed in C order before being summed)
            analytic = c_order(analytic)
        assert vs is not None
        est, a = _directional(fx, x, analytic if failure is None else None, method, step, vs,
                              vectorized)
    common = dict(
        method=method, mode=mode, rtol=rtol, atol=atol, safety=safety, name=function_name(f),
        argnum=p.argnum, shape=x.shape,
        step_factor=STEP_FACTORS[method] if step is None else None,
    )
    lower, upper = est.lower, est.upper
    numerical, error, evals = est.value, est.error, est.evaluations
    notes = ((p.note,) if p.note else ()) + chosen + tuple(est.notes)
    if failure is not None:
        return GradientCheck(
            ok=False, analytic=analytic, numerical=numerical, error=error, tolerance=None,
            max_abs_error=float("nan"), max_rel_error=float("nan"), worst_index=None,
            mismatched=int(np.size(numerical)), evaluations=evals, reason=failure,
            notes=notes, verdict="fail", lower=lower, upper=upper, **common,
        )
    # the rule, the cross-checks and the verdict; the result's str is the report
    r = _judge(fx, x, analytic, a, est, notes, common, step=step, vectorized=vectorized)
    if terms is not None:
        r = _marked_terms(r, terms, lambda t: closure(t, p), fx, x, method=requested,
                          step=step)
    return r


def _marked_terms(r: GradientCheck, terms, as_function, fx, x, *, method, step
                  ) -> GradientCheck:
    """``r`` with the diagnosis of a marked term (``terms=``) where a full-mode check failed
    and exactly one term's gradient is missing or counted twice (:func:`missing_term`).
    ``as_function(t)`` is term ``t`` as a function of the flat argument ``x``, like ``fx``;
    the terms must add up to ``f`` at ``x`` (asking so calls ``f`` once more: counted)."""
    parts = _terms_at(terms, as_function, fx, x)
    r = dataclasses.replace(r, evaluations=r.evaluations + 1)
    if r.mismatched and r.mode == "full" and np.all(np.isfinite(r.analytic)):
        found = missing_term(parts, fx, x, r, method=method, step=step)
        if found is not None:
            r = dataclasses.replace(r, diagnosis=found[0], evaluations=r.evaluations + found[1])
    return r


def _terms_at(terms, as_function, fx, x) -> dict[str, Callable[[np.ndarray], Any]]:
    """The terms as functions of the differentiated argument; they must add up to ``f``."""
    if not isinstance(terms, Mapping) or not terms:
        raise ValueError(f"terms must be a non-empty dict of name -> function, got {terms!r}")
    parts = {str(name): as_function(t) for name, t in terms.items()}
    total = sum(float(np.asarray(t(x.copy()))) for t in parts.values())
    value = float(np.asarray(fx(x.copy())))
    size = abs(value) + sum(abs(float(np.asarray(t(x.copy())))) for t in parts.values())
    if not abs(total - value) <= 1e-10 * size:
        raise ValueError(f"terms must add up to f: at the point they sum to {total!r}, f is "
                         f"{value!r}")
    return parts


def _is_tree_check(args: Any, argnum: Any, names: Any) -> bool:
    """Whether the check goes through :mod:`checks.trees`: a tuple ``argnum``, ``names``,
    or a differentiated argument that is a dict, list or tuple."""
    if not isinstance(args, (tuple, list)):
        return False  # prepare() says how to write it
    if isinstance(argnum, (tuple, list)) or names is not None:
        return True
    return (isinstance(argnum, (int, np.integer)) and -len(args) <= argnum < len(args)
            and is_tree(args[argnum]))


def _check_tree(f, grad, tree: Tree, *, vectorized, terms=None, **options) -> GradientCheck:
    """:func:`check_gradient` of a tree: one check of the flat vector of its leaves
    (:mod:`checks.trees`), whose report names each entry by its path. An argument that is
    one array keeps its shape (its entries are named ``W[1, 0]``)."""
    single = len(tree.positions) == 1 and not is_tree(tree.args[tree.positions[0]])
    if single:
        k = tree.positions[0]
        r = check_gradient(f, grad, tree.args, argnum=k, vectorized=vectorized, terms=terms,
                           **options)
        return dataclasses.replace(r, tree=tree)
    if vectorized:
        raise ValueError("vectorized=True needs a plain array argument: a tree's leaves "
                         "cannot carry a batch axis")
    flat, why = tree.flatten_like(call_grad(grad, tree.rebuild(tree.x)))
    analytic = np.full(tree.size, np.nan) if flat is None else flat

    def flat_f(v):
        return f(*tree.rebuild(v))

    r = check_gradient(flat_f, lambda v: analytic, (tree.x,), **options)
    notes = tree.notes + tuple(n for n in r.notes if not n.startswith("args[0] had dtype"))
    r = dataclasses.replace(r, tree=tree, name=function_name(f), notes=notes,
                            argnum=tree.positions[0])
    if why is None and r.mismatched and r.mode == "full":  # the patterns, and one leaf wrong
        r = dataclasses.replace(r, diagnosis=diagnose(r.analytic, r.numerical, r.tolerance,
                                                      r.lower, r.upper, tree=tree))
    if terms is not None:  # a marked term's finding takes precedence
        r = _marked_terms(r, terms, lambda t: (lambda v: t(*tree.rebuild(v))), flat_f,
                          tree.x, method=options["method"], step=options["step"])
    if why is not None:
        return dataclasses.replace(r, reason=why, verdict="fail", ok=False, diagnosis=None)
    return r


def _judge(fx, x, analytic, a, est, notes, common, *, step, vectorized) -> GradientCheck:
    """The last stages of :func:`check_gradient`: the rule (:mod:`checks.rule`) entry by
    entry or along directions, the cross-checks (:mod:`checks.crosscheck`), the verdict, and
    the result, whose ``str`` is the report (:mod:`checks.report`)."""
    mode, method = common["mode"], common["method"]
    rtol, atol, safety = common["rtol"], common["atol"], common["safety"]
    lower, upper = est.lower, est.upper
    numerical, error, evals = est.value, est.error, est.evaluations
    tol, unjudged = _tolerance(numerical, error, est, analytic, rtol=rtol, atol=atol,
                               safety=safety, lower=lower, upper=upper,
                               label="direction" if mode == "directional" else "entr")
    bare = None if est.inconsistent else _unjudged_note(
        est.kind, tol, numerical, error, "direction" if mode == "directional" else "entr")
    if bare is not None:  # the entries the reason names and no estimator's note does
        notes += (bare,)
    if analytic.dtype.kind == "f" and analytic.dtype.itemsize < 8:
        notes += (_LOW_PRECISION.format(dtype=analytic.dtype,
                                        unit=float(np.finfo(analytic.dtype).eps)),)
    mismatched, max_abs, max_rel, worst = _compare(a, numerical, tol, lower, upper)
    by_entry = None
    if mode == "full":
        by_entry = _detectable_by_entry(tol, error, safety, lower, upper)
        detectable = _detectable_full(tol, error, safety, lower, upper)
    else:
        # along a direction the interval of a kink hides errors of any entry: add its width
        with np.errstate(invalid="ignore"):  # inf - inf: a direction with no estimate
            width = np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)
        detectable = detectable_along(tol + safety * error + width,
                                      abs_max(analytic))
    # the cross-checks can only turn a check that no entry failed into a failure
    extra = [] if mismatched else _crosschecks(fx, x, analytic, est, mode, method, step,
                                               vectorized, rtol=rtol, atol=atol, safety=safety)
    evals += sum(n for _, n in extra)
    crosschecks = tuple(c for cs, _ in extra for c in cs)
    off = [c for c in crosschecks if not c.ok]
    reason, absolute = None, None
    if mismatched:
        verdict = "fail"
        reason = (
            f"{mismatched} of {np.size(a)} "
            f"{'directional derivatives' if mode == 'directional' else 'entries'} differ by "
            "more than the tolerance"
        )
    elif off:
        verdict = "fail"
        reason = (f"entry by entry within the tolerance, but not {off[0].label.split(' (')[0]}"
                  if not off[0].label.startswith("direction") else
                  f"no subgradient: every entry lies between its own one-sided derivatives, "
                  f"but not {off[0].label.split(' (')[0]}")
    elif unjudged is not None:
        verdict = "inconclusive"
        reason = unjudged
    elif detectable >= 1.0:
        absolute = (confirmed_zero(a, tol, error, safety, lower, upper,
                                   natural_scale(est.f_scale, x)) if mode == "full" else None)
        verdict = "inconclusive" if absolute is None else "pass"
        if absolute is None:
            reason = "the finite differences cannot resolve the gradient here"
    else:
        verdict = "pass"
    loose = ("directions" if mode == "directional" else "entries") \
        if np.any(np.isinf(tol)) else None
    noisy = noise_note(est.noise, est.f_scale, detectable, loose)
    if noisy:
        notes = tuple(n for n in notes if not n.startswith("f is noisy")) + (noisy,)
    diagnosis = (diagnose(a, numerical, tol, lower, upper, directional=mode == "directional")
                 if mismatched else None)
    return GradientCheck(
        ok=verdict == "pass", analytic=a, numerical=numerical, error=error, tolerance=tol,
        max_abs_error=max_abs, max_rel_error=max_rel, worst_index=worst, mismatched=mismatched,
        evaluations=evals, reason=reason, notes=notes, verdict=verdict,
        detectable=detectable, lower=lower, upper=upper, detectable_by_entry=by_entry,
        crosschecks=crosschecks, diagnosis=diagnosis, absolute=absolute, **common,
    )


def _crosschecks(fx, x, analytic, est, mode, method, step, vectorized, *, rtol, atol, safety):
    """The comparisons of :mod:`checks.crosscheck`, with the evaluations each cost."""
    out = []
    # in full mode an estimate consistent with the probe's slope already holds every entry
    # to it (checks.differences._adaptive); the slope judges the analytic gradient only where
    # the estimate could not be trusted -- and in directional mode, where it is one more
    # direction, at a much shorter spacing than the random ones
    if mode == "directional" or est.inconsistent:
        probe = along_probe(analytic, est, rtol=rtol, atol=atol, safety=safety)
        if probe is not None:
            out.append(([probe], 0))
    if mode == "full":
        directions = kink_directions(analytic, est)
        if len(directions):
            base = Baseline(est.f0, est.noise, 0, scale=est.f_scale)
            along = along_directions(fx, x, directions, method=method, step=step,
                                     vectorized=vectorized, base=base)
            out.append((coupled_kinks(analytic, directions, along, rtol=rtol, atol=atol,
                                      safety=safety), along.evaluations))
    return out


def _draw_directions(directions, rng, shape) -> draws.Rows:
    """The ``directions`` (default :data:`DEFAULT_DIRECTIONS`) random normal directions of a
    directional check, by rows (:func:`checks.draws.rows`: each is complete when it is read,
    and the later ones are drawn while the check works along the first)."""
    k = DEFAULT_DIRECTIONS if directions is None else int(directions)
    if k < 1:
        raise ValueError(f"directions must be >= 1, got {directions!r}")
    return draws.rows(generator(rng), (k,) + shape)


def _directional(fx, x, analytic, method, step, vs: draws.Rows, vectorized):
    """The estimate along the random directions ``vs``, and ``<analytic, v_j>`` (error bars
    widened by the round-off of the dot products)."""
    k = len(vs)
    est = _directional_derivatives(fx, x, vs, method=method, step=step, vectorized=vectorized)
    a = np.full(k, np.nan)
    if analytic is not None:
        # round-off of each dot product itself: |error| <= sqrt(n) eps sum|a_k v_k| (typical);
        # one direction at a time in one buffer (the row sums of a (k, n) product, the same
        # numbers, with a k-th of the memory)
        size, buf = np.zeros(k), np.empty(x.shape)
        for j in range(k):
            np.multiply(analytic, vs[j], out=buf)
            a[j] = buf.sum()
            np.abs(buf, out=buf)
            size[j] = buf.sum()
        extra = np.sqrt(x.size) * np.finfo(float).eps * size
        est = dataclasses.replace(est, error=np.asarray(est.error, dtype=float) + extra)
    return est, a


class InconclusiveError(Exception):
    """:func:`assert_gradient` on a check that could not tell (verdict ``"inconclusive"``).

    Not an ``AssertionError``: a test expecting a wrong gradient to be rejected must not
    take "could not tell" for a rejection.
    """


class InconclusiveWarning(UserWarning):
    """Warned by :func:`assert_gradient` with ``on_inconclusive="warn"``."""


_ON_INCONCLUSIVE = ("raise", "warn", "ignore")


def assert_gradient(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    method: str = "richardson",
    mode: str = "full",
    rtol: float | None = None,
    atol: float | None = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
    vectorized: bool = False,
    on_inconclusive: str = "raise",
) -> GradientCheck:
    """Like :func:`check_gradient`, but raise ``AssertionError`` with the report on failure.

    On an inconclusive check (the finite differences could not have caught even a gross
    error) ``on_inconclusive`` decides: ``"raise"`` (default) raises
    :class:`InconclusiveError` with the report, which says why and what to try; ``"warn"``
    warns :class:`InconclusiveWarning` and returns the result; ``"ignore"`` returns it. A
    check that proved nothing never passes silently unless asked to. Returns the result when
    the check passes. The other arguments are those of :func:`check_gradient`.

    Examples
    --------
    >>> _ = assert_gradient(lambda w: w @ w, lambda w: 2 * w, (np.ones(3),))
    """
    __tracebackhide__ = True
    if on_inconclusive not in _ON_INCONCLUSIVE:
        raise ValueError(f"on_inconclusive must be one of {', '.join(map(repr, _ON_INCONCLUSIVE))}"
                         f"; got {on_inconclusive!r}")
    result = check_gradient(f, grad, args, argnum=argnum, method=method, mode=mode, rtol=rtol,
                            atol=atol, safety=safety, step=step, directions=directions,
                            rng=rng, vectorized=vectorized)
    if result.verdict == "fail":
        raise AssertionError(str(result))
    if result.verdict == "inconclusive":
        if on_inconclusive == "raise":
            raise InconclusiveError(str(result))
        if on_inconclusive == "warn":
            warnings.warn(str(result), InconclusiveWarning, stacklevel=2)
    return result
