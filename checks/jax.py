r"""``check_grads`` for jax: the call of ``jax.test_util.check_grads``, run by our engine.

``check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None)`` checks
what ``jax.jvp`` (``"fwd"``) and ``jax.vjp`` (``"rev"``) compute for ``f`` -- custom rules
(``jax.custom_jvp``, ``jax.custom_vjp``) included -- against the engine's finite differences
of ``f`` (:func:`checks.check_jvp`, :func:`checks.check_vjp`: error bars, the rule
``|a - n| <= atol + safety * e + rtol * |n|`` and three verdicts). It returns ``None`` on
success, raises :class:`CheckGradsError` (an ``AssertionError``) with the engine's report on a
failure and :class:`checks.InconclusiveError` when a check could not tell. The rich results
are :func:`check`'s. This module imports jax; ``checks`` never imports it.

**Precision.** Every jax computation of the check runs under ``jax.enable_x64(True)``, a
context manager: the global ``jax_enable_x64`` is what it was before, afterwards. Every
floating leaf of ``args`` (float16, bfloat16, float32) is promoted to float64 before ``f``
sees it, so ``f``, ``jax.jvp`` and ``jax.vjp`` compute in float64 wherever ``f`` follows its
inputs' dtype (``jnp`` does): the check judges the *rule* (the formula of a custom JVP or
VJP) against a float64 reference, sharply, and float32 rounding cannot make a right rule fail
or flake. Where ``f`` casts to float32 itself, its outputs carry float32 rounding: the
engine measures that noise and widens its error bars, and a float32 analytic side gets its
own round-off term (:mod:`checks.rule`); the report says so. What this does not check is
float32 behaviour as such (overflow, cancellation at float32).

**Pytrees.** ``args`` and ``f``'s output may be nested dicts, lists and tuples of arrays.
Both are flattened with ``jax.tree_util``; each floating input leaf is checked against each
output leaf (one engine check per pair, the other leaves held at the point), and reports name
both by their key paths: ``args[0]['W1']``, ``out[1]``. Non-floating leaves (integers,
booleans) are a ``TypeError``: close over them (``functools.partial``).

**Full or directional.** A pair whose input and output leaves both have at most
:data:`FULL_MAX` entries is checked in full mode: every entry of its Jacobian block (``n``
JVP or ``m`` VJP calls; ``6n + 18`` evaluations of ``f`` on a smooth map); ``detectable`` is
the full-mode promise. A larger pair is checked along :data:`DIRECTIONS` random pairs
``(u_j, v_j)`` (``6K + 18`` evaluations whatever the sizes): no error ``E`` of the block with
``max|E| >= checks.jacobian.pair_error_bound(tau)`` passes, with probability ``>= 99.9 %``
(:mod:`checks.jacobian`); with 8 pairs that bound is about ``5 tau``, against ``131 tau``
for jax's single pair at the engine's defaults.

**Higher orders**, as jax does: for ``order > 1`` the derivative maps are checked as
functions in their turn. ``"fwd"``: ``(primals, tangents) -> (f(primals), J tangents)``, at
the point ``(args, t)``; ``"rev"``: ``(primals, cotangents) -> J^T cotangents``, at
``(args, u)``; ``t`` and ``u`` are standard normal, from a fixed seed. Their leaves are
named ``tangent[args[0]]``, ``cotangent[out]``, ``jvp[out]``, ``vjp[args[0]]``; a failure
says which check failed (``"VJP of JVP"``), as jax's does.

**Identically zero blocks.** A block of a derivative map is often exactly zero (``d f /
d tangents`` in ``"JVP of JVP"``; every block of order 2 of a linear map but two). The
engine calls such a block ``"inconclusive"``: its numerical side is zero within the error
bars, so no *relative* error can be judged. Here such a block passes when no entry broke
the rule and every numerical entry is zero within ``safety * e``, with the absolute promise
``max|A - J| <= B``: ``B = max_k (tol_k + safety e_k)`` in full mode,
``pair_error_bound(tol + safety e)`` along pairs (with probability 99.9 %). When other
blocks of the same map were resolved in full mode, ``B`` must also be below their ``G``
(the engine's lower bound on ``max|J|``), i.e. ``detectable < 1`` over the whole map;
otherwise the block stays inconclusive.

**Keywords.** ``atol`` and ``rtol`` (a number, or jax's dict from dtype to number, looked up
with the original dtypes of the input and output leaf, the larger kept) replace the engine's
``atol`` (default 0) and ``rtol`` (default 1e-8) in the rule, and nothing else: unlike jax,
no tolerance is multiplied by an array size. ``eps`` becomes the engine's ``step=``, the
absolute base step of every entry (Richardson still shortens it where the estimate does not
settle); by default the steps are the engine's, scale-invariant.

>>> import jax.numpy as jnp
>>> check_grads(lambda x: jnp.sin(x) * x, (np.array([0.5, 1.0]),), order=2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    import jax
except ImportError as exc:  # an optional integration: the core never imports this module
    raise ImportError("checks.jax needs jax (CPU is enough): pip install jax, or the "
                      "'peers' extra of gradcheck-suite") from exc

from checks._util import function_name
from checks.compare import InconclusiveError
from checks.jacobian import JacobianCheck, check_jvp, check_vjp, pair_error_bound

__all__ = ["DIRECTIONS", "FULL_MAX", "CheckGradsError", "LeafCheck", "check", "check_grads"]

#: A leaf pair is checked entry by entry when both leaves have at most this many entries.
FULL_MAX = 64
#: Random pairs ``(u_j, v_j)`` along which a larger leaf pair is checked.
DIRECTIONS = 8
_SEED = 0
_MODES = ("fwd", "rev")


class CheckGradsError(AssertionError):
    """:func:`check_grads` found a JVP or VJP that disagrees with the finite differences."""


@dataclass(frozen=True)
class LeafCheck:
    """One engine check: ``what`` (``"JVP"``, ``"VJP of JVP"``) of one input leaf against one
    output leaf. ``verdict`` is the engine's, except for an identically zero block confirmed
    zero (module docstring): ``"pass"`` with ``absolute`` the bound ``B`` on ``max|A - J|``."""

    what: str
    input: str
    output: str
    result: JacobianCheck
    verdict: str
    absolute: float | None = None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        r = self.result
        head = {"pass": "passed", "fail": "FAILED", "inconclusive": "INCONCLUSIVE"}
        lines = [f"{self.what} check {head[self.verdict]}: d {self.output} / d {self.input} "
                 f"(block of shape {r.out_shape} x {r.shape}, {r.mode} mode)"]
        if self.absolute is not None:
            lines.append(f"Zero block: the numerical derivative is 0 within its error bars and "
                         f"no entry broke the rule: max|A - J| <= {self.absolute:.3g} "
                         "(an absolute promise" + (", with probability >= 99.9 %)"
                                                   if r.mode != "full" else ")"))
        if r.mode == "full" and r.worst_index is not None and r.tolerance is not None:
            i = r.worst_index
            o, k = i[: len(r.out_shape)], i[len(r.out_shape):]
            lines.append(f"Worst entry: d {_at(self.output, o)} / d {_at(self.input, k)}: "
                         f"analytic {float(r.analytic[i]):.17g}, numerical "
                         f"{float(r.numerical[i]):.17g}, |diff| {float(r.difference[i]):.3g},"
                         f" tolerance {float(r.tolerance[i]):.3g}")
        lines.extend(f"Note: {n}" for n in self.notes)
        lines.append(f"In the engine's report, args[0] is {self.input} and the output is "
                     f"{self.output}:")
        lines.append(str(r))
        return "\n".join(lines)


def _at(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{', '.join(map(str, index))}]" if index else name


# ----------------------------------------------------------------------------- flat maps


@dataclass(frozen=True)
class _Map:
    """A function of a list of leaves to a list of leaves, at a point, with leaf names."""

    fn: Callable[[list[Any]], list[Any]]
    point: list[np.ndarray]
    inputs: list[str]
    outputs: list[str]
    in_dtypes: list[np.dtype]
    out_dtypes: list[np.dtype]
    name: str = "f"


def _floating(name: str, leaf: Any) -> np.ndarray:
    arr = np.asarray(leaf)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} is complex ({arr.dtype}); the engine checks real maps only")
    if not np.issubdtype(arr.dtype, np.floating) and arr.dtype.kind != "V":
        raise TypeError(f"{name} has dtype {arr.dtype}: only floating leaves can be "
                        "differentiated; close over the others (functools.partial)")
    return arr


def _top(f: Callable[..., Any], args: tuple[Any, ...]) -> _Map:
    paths, treedef = jax.tree_util.tree_flatten_with_path(args)
    names = [f"args{jax.tree_util.keystr(p)}" for p, _ in paths]
    raw = [_floating(n, leaf) for n, (_, leaf) in zip(names, paths, strict=True)]
    point = [np.asarray(a, dtype=np.float64) for a in raw]

    def fn(leaves):
        return jax.tree_util.tree_leaves(f(*jax.tree_util.tree_unflatten(treedef, list(leaves))))

    with jax.enable_x64(True):
        out = f(*jax.tree_util.tree_unflatten(treedef, [jax.numpy.asarray(p) for p in point]))
    flat, _ = jax.tree_util.tree_flatten_with_path(out)
    outputs = [f"out{jax.tree_util.keystr(p)}" for p, _ in flat]
    out_dtypes = [_floating(n, v).dtype for n, (_, v) in zip(outputs, flat, strict=True)]
    return _Map(fn, point, names, outputs, [a.dtype for a in raw], out_dtypes,
                function_name(f))


def _shapes(m: _Map) -> list[tuple[int, ...]]:
    out = m.fn([jax.numpy.asarray(p) for p in m.point])
    return [tuple(np.shape(v)) for v in out]


def _fwd_map(m: _Map, rng: np.random.Generator) -> _Map:
    n = len(m.point)

    def fn(leaves):
        primal, tangent = jax.jvp(m.fn, (list(leaves[:n]),), (list(leaves[n:]),))
        return list(primal) + list(tangent)

    tangents = [rng.standard_normal(p.shape) for p in m.point]
    return _Map(fn, m.point + tangents, m.inputs + [f"tangent[{i}]" for i in m.inputs],
                m.outputs + [f"jvp[{o}]" for o in m.outputs], m.in_dtypes * 2,
                m.out_dtypes * 2, f"jvp({m.name})")


def _rev_map(m: _Map, rng: np.random.Generator) -> _Map:
    n = len(m.point)

    def fn(leaves):
        out, pullback = jax.vjp(m.fn, list(leaves[:n]))
        # a cotangent has its output's dtype (float32 where f casts to float32 itself)
        cot = [u.astype(v.dtype) for u, v in zip(leaves[n:], out, strict=True)]
        return list(pullback(cot)[0])

    cotangents = [rng.standard_normal(s) for s in _shapes(m)]
    return _Map(fn, m.point + cotangents, m.inputs + [f"cotangent[{o}]" for o in m.outputs],
                [f"vjp[{i}]" for i in m.inputs], m.in_dtypes + m.out_dtypes, m.in_dtypes,
                f"vjp({m.name})")


# ----------------------------------------------------------------------------- one pair


def _tol(value: Any, dtypes: Sequence[np.dtype]) -> float | None:
    """jax's ``atol``/``rtol`` for a pair: a number, or a dict by dtype (the larger kept)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return float(value)
    found = [float(v) for k, v in value.items() if np.dtype(k) in dtypes]
    return max(found) if found else None


def _pair(m: _Map, mode: str, i: int, o: int, *, atol, rtol, eps) -> JacobianCheck:
    """The engine check of block ``d out[o] / d in[i]`` of ``m``'s JVP or VJP."""
    point = m.point

    def at(x):
        leaves = [jax.numpy.asarray(p) for p in point]
        leaves[i] = jax.numpy.asarray(x)
        return leaves

    def f(x):
        with jax.enable_x64(True):
            return np.asarray(m.fn(at(x))[o])

    def jvp(v, x):
        with jax.enable_x64(True):
            leaves = at(x)
            tangents = [jax.numpy.zeros_like(p) for p in leaves]
            tangents[i] = jax.numpy.asarray(v, dtype=tangents[i].dtype)
            return np.asarray(jax.jvp(m.fn, (leaves,), (tangents,))[1][o])

    def vjp(u, x):
        with jax.enable_x64(True):
            out, pullback = jax.vjp(m.fn, at(x))
            cot = [jax.numpy.zeros(np.shape(v), np.asarray(v).dtype) for v in out]
            cot[o] = jax.numpy.asarray(u, dtype=cot[o].dtype)
            return np.asarray(pullback(cot)[0][i])

    f.__name__ = f.__qualname__ = m.name
    n = point[i].size
    with jax.enable_x64(True):
        m_out = int(np.size(m.fn([jax.numpy.asarray(p) for p in point])[o]))
    full = n <= FULL_MAX and m_out <= FULL_MAX
    dtypes = (m.in_dtypes[i], m.out_dtypes[o])
    options = dict(mode="full" if full else "directional",
                   directions=None if full else DIRECTIONS,
                   atol=_tol(atol, dtypes), rtol=_tol(rtol, dtypes), step=eps)
    if mode == "fwd":
        return check_jvp(f, jvp, (point[i],), **options)
    return check_vjp(f, vjp, (point[i],), **options)


def _floor(r: JacobianCheck) -> float:
    """The engine's lower bound ``G`` on ``max|J|`` of a full-mode block (0 if unresolved)."""
    if r.mode != "full" or r.tolerance is None or not np.all(np.isfinite(r.tolerance)):
        return 0.0
    reach = r.safety * np.asarray(r.error, dtype=float)
    top = np.maximum(np.abs(r.lower), np.abs(r.upper)) - reach
    return float(np.max(top, initial=0.0))


def _zero_bound(r: JacobianCheck) -> float | None:
    """``B`` of the module docstring when ``r`` is a block confirmed zero, else ``None``."""
    if r.verdict != "inconclusive" or r.mismatched or r.tolerance is None:
        return None
    tol = np.asarray(r.tolerance, dtype=float)
    if not np.all(np.isfinite(tol)):  # unjudged entries: a jump, an unsettled estimate
        return None
    reach = r.safety * np.asarray(r.error, dtype=float)
    if np.any(np.maximum(np.abs(r.lower), np.abs(r.upper)) > reach):
        return None
    width = np.asarray(r.upper, dtype=float) - np.asarray(r.lower, dtype=float)
    if r.mode == "full":
        return float(np.max(tol + reach + width, initial=0.0))
    return pair_error_bound(tol + reach + width)


def _level(m: _Map, mode: str, what: str, *, atol, rtol, eps) -> list[LeafCheck]:
    notes = {i: f"{name} had dtype {dt}; it was checked in float64 (module docstring)"
             for i, (name, dt) in enumerate(zip(m.inputs, m.in_dtypes, strict=True))
             if dt != np.float64}
    results = [(i, o, _pair(m, mode, i, o, atol=atol, rtol=rtol, eps=eps))
               for i in range(len(m.inputs)) for o in range(len(m.outputs))]
    scale = max((_floor(r) for _, _, r in results), default=0.0)
    out = []
    for i, o, r in results:
        verdict, bound = r.verdict, _zero_bound(r)
        if getattr(r, "absolute", None) is not None:  # the engine confirmed the zero itself
            bound = r.absolute
        elif bound is not None and (scale == 0.0 or bound < scale):
            verdict = "pass"
        else:
            bound = None
        note = (notes[i],) if i in notes else ()
        out.append(LeafCheck(what, m.inputs[i], m.outputs[o], r, verdict, bound, note))
    return out


# ----------------------------------------------------------------------------- public


def check(f: Callable[..., Any], args: Sequence[Any], order: int,
          modes: Sequence[str] = _MODES, atol: Any = None, rtol: Any = None,
          eps: Any = None) -> list[LeafCheck]:
    """The checks of :func:`check_grads`, as results (one :class:`LeafCheck` per leaf pair
    and derivative map), in jax's order; stops after the first map with a failed block.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> rs = check(lambda p: {"y": jnp.tanh(p["w"])}, ({"w": np.ones(2)},), order=1)
    >>> [(r.what, r.input, r.output, r.verdict) for r in rs]
    [('JVP', "args[0]['w']", "out['y']", 'pass'), ('VJP', "args[0]['w']", "out['y']", 'pass')]
    """
    if isinstance(args, (tuple, list)):
        args = tuple(args)
    else:
        raise TypeError(f"args must be a tuple of the arguments of f, got "
                        f"{type(args).__name__}; for one argument write (x,)")
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order must be an integer >= 1, got {order!r}")
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    bad = [m for m in modes if m not in _MODES]
    if bad or not modes:
        raise ValueError(f"modes must be a non-empty subset of {_MODES}, got {modes!r}")
    rng = np.random.default_rng(_SEED)
    results: list[LeafCheck] = []

    def walk(m: _Map, order: int, label: str) -> bool:
        for mode in modes:
            kind = "JVP" if mode == "fwd" else "VJP"
            what = f"{kind} of {label}" if label else kind
            level = _level(m, mode, what, atol=atol, rtol=rtol, eps=eps)
            results.extend(level)
            if any(c.verdict == "fail" for c in level):
                return False
            if order > 1:
                inner = _fwd_map(m, rng) if mode == "fwd" else _rev_map(m, rng)
                if not walk(inner, order - 1, what):
                    return False
        return True

    with jax.enable_x64(True):
        walk(_top(f, args), int(order), "")
    return results


def check_grads(f: Callable[..., Any], args: Sequence[Any], order: int,
                modes: Sequence[str] = _MODES, atol: Any = None, rtol: Any = None,
                eps: Any = None) -> None:
    """Drop-in for ``jax.test_util.check_grads``: check ``jax.jvp`` / ``jax.vjp`` of ``f`` at
    ``args`` up to ``order`` against the engine's finite differences (module docstring).

    Parameters
    ----------
    f : callable
        ``f(*args)``, a pytree of floating arrays; jax-differentiable (custom rules welcome).
    args : tuple
        The point: a tuple of pytrees of floating arrays (promoted to float64).
    order : int
        Derivative maps up to this order are checked, as in jax.
    modes : sequence of {"fwd", "rev"}, default ("fwd", "rev")
    atol, rtol : float or dict from dtype to float, optional
        Replace the engine's ``atol`` (0) and ``rtol`` (1e-8); never scaled by a size.
    eps : float, optional
        The engine's absolute base step (default: its scale-invariant steps).

    Returns
    -------
    None

    Raises
    ------
    CheckGradsError
        An ``AssertionError``: some block failed; the message names the map, the input and
        output leaves, the worst entry and carries the engine's report.
    checks.InconclusiveError
        No block failed but some could not be judged; the message says why.
    TypeError, ValueError
        Bad arguments: non-floating leaves, an unknown mode, ``order < 1``.
    """
    __tracebackhide__ = True
    results = check(f, args, order, modes, atol=atol, rtol=rtol, eps=eps)
    failed = [c for c in results if c.verdict == "fail"]
    if failed:
        raise CheckGradsError(_summary(failed, "failed", results) + "\n\n" + str(failed[0]))
    unsure = [c for c in results if c.verdict == "inconclusive"]
    if unsure:
        raise InconclusiveError(_summary(unsure, "were inconclusive", results) + "\n\n"
                                + str(unsure[0]))


def _summary(which: list[LeafCheck], word: str, results: list[LeafCheck]) -> str:
    lines = [f"check_grads: {len(which)} of {len(results)} leaf checks {word}:"]
    for c in which[:10]:
        lines.append(f"  {c.what}: d {c.output} / d {c.input}: {c.result.reason}")
    if len(which) > 10:
        lines.append(f"  ... and {len(which) - 10} more")
    return "\n".join(lines)
