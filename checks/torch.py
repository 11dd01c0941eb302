r"""``torch.autograd.gradcheck`` and ``gradgradcheck`` run on this engine: :func:`gradcheck`,
:func:`gradgradcheck`, :func:`check` (the rich result) and :func:`check_module`.

torch's own check compares each entry with a central difference at ``eps=1e-6`` under
``|a - n| <= 1e-5 + 1e-3 |n|``: it passes backwards wrong by 1e-3 relative, and fails right
float32 backwards. Here every derivative gets the engine's error bar and rule
(:mod:`checks.rule`, ``|a - n| <= atol + safety * e + rtol * |n|``) and one of three verdicts.

**What is checked.** For every input ``i`` with ``requires_grad=True`` and every floating
output ``o`` of ``func``, one engine check of the Jacobian ``J = d out_o / d in_i``: its
analytic side comes from torch's autograd at the inputs as given (the backward,
``torch.autograd.grad`` with a cotangent: a VJP; with ``check_forward_ad=True`` also
``torch.autograd.forward_ad`` dual numbers: a JVP), its numerical side from finite differences
of ``func`` wrapped as a numpy function of that one input (the others held fixed).

**Full or directional.** With ``m n <= FULL_ENTRIES`` (``m`` output, ``n`` input entries) the
whole ``J`` is built from ``m`` VJPs (``n`` JVPs) and compared entry by entry
(:func:`checks.check_jacobian`: ``6n + 18`` evaluations of ``func``); above it, or with
``fast_mode=True``, along ``DIRECTIONS`` random pairs ``u^T J v``
(:func:`checks.check_vjp` / :func:`checks.check_jvp`: ``6K + 18`` evaluations whatever the
sizes, a promise that holds with probability 0.999).

**Precision.** The analytic side is computed at the inputs' own dtype: a float32 backward is
what the user runs, so that is what is judged. The numerical side evaluates ``func`` with every
floating input promoted to float64 when ``func`` is dtype-generic (it returns float64 for
float64 inputs): float32 values are exact in float64, so the finite differences see the same
point without float32's noise, and stay sharp. The analytic side's own rounding then enters the
tolerance: a float32 (float16, bfloat16) result carries about ``u`` (its unit round-off) of
its largest entry, so ``atol += safety * u * max|A|`` -- the engine's rule for a gradient
returned in float32 (:func:`checks.rule._tolerance`), stated in the report with the dtype. A
right float32 backward is never near that bound (measured: within ``2 u max|A|``); a float32
backward wrong by 1e-4 relative is far above it. A ``func`` that is not dtype-generic is
evaluated at its own dtype and the engine's noise floor (:mod:`checks.noise`) widens the error
bars instead (noted). Along random pairs the product ``w = A^T u`` (``A v``) is computed in
float32 and dotted with the other vector, ``v ~ N(0, I)`` drawn independently of its round-off
``delta``: ``<delta, v>`` is normal with deviation ``||delta||_2 <= u max|w| sqrt(len w)``
(entries within ``u`` of the largest), so ``atol += safety * u * max_j max|w_j| sqrt(len w_j)``
(a 10-sigma bound).

**Non-finite entries** of an input (the ``-inf`` logits of a masked softmax) are held fixed:
they are not differentiated, and their analytic entries are not compared (noted). Non-finite
output entries at the point are dropped the same way.

**Identically zero derivatives** (a linear op at second order): no *relative* error of a zero
can be judged, but the engine confirms a zero to the noise floor of ``func`` in full mode
(:func:`checks.rule.confirmed_zero`: the backward exactly zero, the numerical side zero
within bars at most 1e-6 of ``max|out| / rms(in)``): the item passes with the absolute
bound ``B`` of the engine's report (:attr:`TorchItem.absolute`). Otherwise it stays
inconclusive.

**torch's keywords.** ``eps`` -- ``None`` (default) lets the engine choose and adapt the step
per entry; a number becomes its absolute ``step=`` (torch's default 1e-6 is not imposed: it is
the cause of torch's float32 failures). ``atol``/``rtol`` -- ``None`` keeps the engine's
``atol=0``, ``rtol=1e-8``; a number given is passed on and loosens the rule only as asked
(torch's defaults 1e-5 and 1e-3 are what miss errors). ``raise_exception`` -- as torch's.
``check_backward_ad`` / ``check_forward_ad`` -- which analytic side is checked.
``check_grad_dtypes`` -- a gradient whose dtype is not its input's is a failure. ``fast_mode``
-- directional mode whatever the size. ``nondet_tol`` -- accepted; the engine evaluates
``func`` twice at the point and raises ``ValueError`` when it is not deterministic.
``check_undefined_grad``, ``check_batched_grad``, ``check_batched_forward_grad``, ``masked``
(and gradgradcheck's ``gen_non_contig_grad_outputs``) -- accepted for compatibility and not
performed: they test torch's plumbing (undefined gradients, vmap, sparse masks, memory
layout), not a derivative; run ``torch.autograd.gradcheck`` for them.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:
    import torch
    import torch.autograd.forward_ad as fwad
    from torch.autograd.gradcheck import GradcheckError as _TorchGradcheckError
except ImportError as exc:  # pragma: no cover - the extra is not installed
    raise ImportError("checks.torch needs PyTorch (pip install torch); the rest of checks "
                      "works without it") from exc

from checks.compare import GradientCheck, InconclusiveError, check_gradient
from checks.diagnosis import diagnose
from checks.jacobian import check_jacobian, check_jvp, check_vjp
from checks.jacobian_estimate import _draw_pairs
from checks.rule import DEFAULT_SAFETY

__all__ = ["DIRECTIONS", "FULL_ENTRIES", "GradcheckError", "TorchCheck", "TorchItem", "check",
           "check_module", "gradcheck", "gradgradcheck"]

#: Largest ``m n`` (output entries times input entries) checked entry by entry.
FULL_ENTRIES = 4096
#: Random pairs ``(u, v)`` of a directional check.
DIRECTIONS = 10
_SEED = 0


class GradcheckError(AssertionError, _TorchGradcheckError):
    """A failed check: an ``AssertionError`` carrying our report, and torch's own
    ``GradcheckError`` (a ``RuntimeError``), so code catching either still works."""


@dataclass(frozen=True)
class TorchItem:
    """One engine check: input ``input_index`` against output ``output_index``.

    ``side`` is ``"backward"`` (VJPs) or ``"forward"`` (JVPs); ``result`` the engine's
    :class:`checks.JacobianCheck` (or :class:`checks.GradientCheck`); ``verdict`` is its
    verdict, except for a confirmed zero derivative (module docstring), which passes with the
    absolute promise ``absolute``.
    """

    input_index: int
    input_label: str
    output_index: int
    side: str
    dtype: str
    result: GradientCheck
    verdict: str
    absolute: float | None = None
    notes: tuple[str, ...] = ()
    names: Callable[[int], str] | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"

    def head(self) -> str:
        heads = {"pass": "passed", "fail": "FAILED", "inconclusive": "INCONCLUSIVE"}
        return (f"{self.side} of input {self.input_index} ({self.input_label}, {self.dtype}) "
                f"-> output {self.output_index}: {heads[self.verdict]}")

    def __str__(self) -> str:
        lines = [f"== {self.head()} =="]
        lines += [f"Note: {n}" for n in self.notes]
        lines.append(str(self.result))
        return "\n".join(lines)


@dataclass(frozen=True)
class TorchCheck:
    """The result of :func:`check`, :func:`gradcheck` and :func:`check_module`.

    ``verdict``: ``"fail"`` if any item failed, else ``"inconclusive"`` if any was, else
    ``"pass"``; ``ok == (verdict == "pass")``. ``detectable`` is the largest relative promise
    of the items (``max|A - J| / max|J|``; items with only an absolute promise, confirmed zero
    derivatives, are left out: see :attr:`TorchItem.absolute`). ``reports`` maps
    ``(input index, output index)`` to the engine's result (``(i, o, "forward")`` for JVPs).
    """

    items: tuple[TorchItem, ...]
    what: str = "gradcheck"
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> str:
        verdicts = {item.verdict for item in self.items}
        for v in ("fail", "inconclusive"):
            if v in verdicts:
                return v
        return "pass"

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"

    @property
    def detectable(self) -> float:
        rel = [it.result.detectable for it in self.items if it.absolute is None]
        return float(max(rel, default=0.0))

    @property
    def reports(self) -> dict[tuple[Any, ...], GradientCheck]:
        return {(it.input_index, it.output_index) + (("forward",) if it.side == "forward"
                                                     else ()): it.result for it in self.items}

    def __bool__(self) -> bool:
        raise TypeError("use `.ok` (or checks.torch.gradcheck) rather than the truth of the "
                        "result")

    def __str__(self) -> str:
        heads = {"pass": "passed", "fail": "FAILED", "inconclusive": "INCONCLUSIVE"}
        lines = [f"checks.torch {self.what} {heads[self.verdict]}: {len(self.items)} checks"]
        lines += [f"Note: {n}" for n in self.notes]
        lines += [f"  {it.head()}" for it in self.items]
        order = sorted(self.items, key=lambda it: ("fail", "inconclusive", "pass")
                       .index(it.verdict))
        lines += [str(it) for it in order]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- helpers


def _tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _floating(t: Any) -> bool:
    return isinstance(t, torch.Tensor) and t.is_floating_point()


def _labels(func: Callable[..., Any], n: int) -> list[str]:
    """``name`` of each positional input where ``func``'s signature gives one."""
    try:
        params = [p.name for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[k] if k < len(params) else f"inputs[{k}]" for k in range(n)]


def _index_text(shape: tuple[int, ...], flat: int) -> str:
    if not shape:
        return ""
    return "[" + ", ".join(str(int(k)) for k in np.unravel_index(flat, shape)) + "]"


def _low_precision(dtype: torch.dtype) -> float | None:
    return None if dtype == torch.float64 else float(torch.finfo(dtype).eps)


class _Problem:
    """``func`` at ``inputs``: the numerical evaluator (float64 when ``func`` is dtype-generic)
    and the analytic side (VJPs and JVPs by torch's autograd at the inputs' dtypes)."""

    def __init__(self, func, inputs):
        self.func, self.inputs = func, inputs
        self.grad_mask = [_floating(t) and t.requires_grad for t in inputs]
        outs = self._call(inputs)
        self.outputs = [k for k, t in enumerate(outs) if _floating(t)]
        self.out_values = {k: outs[k].detach() for k in self.outputs}
        self.generic = self._generic()

    def _call(self, inputs):
        with torch.enable_grad():
            return _tuple(self.func(*inputs))

    def _fresh(self, dtype_of):
        """Detached copies of the inputs (floating ones at ``dtype_of(t)``), with the grad
        flags of the originals."""
        out = []
        for t, g in zip(self.inputs, self.grad_mask, strict=True):
            if _floating(t):
                t = t.detach().to(dtype_of(t)).clone().requires_grad_(g)
            out.append(t)
        return out

    def _generic(self) -> bool:
        if all(t.dtype == torch.float64 for t in self.inputs if _floating(t)):
            return True
        try:
            outs = self._call(self._fresh(lambda t: torch.float64))
        except Exception:  # a func that only runs at its own dtype
            return False
        return all(outs[k].dtype == torch.float64 for k in self.outputs)

    def numerical(self, i: int, o: int, free: np.ndarray, out_free: np.ndarray):
        """``z -> out_o`` (float64, the entries ``out_free``) with input ``i``'s entries
        ``free`` set to ``z`` and everything else held fixed."""
        base = self.inputs[i].detach().to(torch.float64).reshape(-1).clone()

        def f(z):
            x = base.clone()
            x[torch.as_tensor(free)] = torch.as_tensor(np.asarray(z, dtype=np.float64))
            args = self._fresh(lambda t: torch.float64 if self.generic else t.dtype)
            t = self.inputs[i]
            args[i] = x.reshape(t.shape).to(args[i].dtype).requires_grad_(self.grad_mask[i])
            out = self._call(args)[o].detach().to(torch.float64).reshape(-1)
            return out.numpy()[out_free]

        return f

    def graph(self):
        args = self._fresh(lambda t: t.dtype)
        return args, self._call(args)

    def vjp(self, i: int, o: int, free, out_free, check_dtype: bool):
        args, outs = self.graph()
        out, x = outs[o], args[i]

        def vjp(u, *_):
            if not out.requires_grad:
                return np.zeros(len(free))
            go = torch.zeros(out.numel(), dtype=out.dtype)
            go[torch.as_tensor(out_free)] = torch.as_tensor(np.asarray(u)).to(out.dtype)
            (g,) = torch.autograd.grad(out, x, go.reshape(out.shape), retain_graph=True,
                                       allow_unused=True)
            return _grad_array(g, x, free, check_dtype, vjp.mismatch)

        vjp.mismatch = []  # type: ignore[attr-defined]
        return vjp

    def jvp(self, i: int, o: int, free, out_free, check_dtype: bool):
        def jvp(v, *_):
            args = self._fresh(lambda t: t.dtype)
            x = args[i]
            tangent = torch.zeros(x.numel(), dtype=x.dtype)
            tangent[torch.as_tensor(free)] = torch.as_tensor(np.asarray(v)).to(x.dtype)
            with fwad.dual_level():
                # the primal keeps requires_grad: over a backward (fwd-over-rev), the function
                # differentiated along the tangent calls torch.autograd.grad on it
                args[i] = fwad.make_dual(x.detach().requires_grad_(x.requires_grad),
                                         tangent.reshape(x.shape))
                out = _tuple(self.func(*args))[o]
                t = fwad.unpack_dual(out).tangent
            return _grad_array(t, out, out_free, check_dtype, jvp.mismatch)

        jvp.mismatch = []  # type: ignore[attr-defined]
        return jvp


def _grad_array(g, like, entries, check_dtype, mismatch: list[str]):
    if g is None:
        return np.zeros(len(entries))
    if check_dtype and g.dtype != like.dtype:
        # a failed check (nan entries), whose reason _item replaces with the dtypes recorded
        mismatch.append(f"{str(g.dtype).replace('torch.', '')}, not the "
                        f"{str(like.dtype).replace('torch.', '')}")
        return np.full(len(entries), np.nan)
    return g.detach().to(torch.float64).reshape(-1).numpy()[entries]


# ----------------------------------------------------------------------------- one item


def _item(problem: _Problem, i: int, o: int, side: str, label: str, opts: dict) -> TorchItem:
    x = problem.inputs[i]
    y = problem.out_values[o]
    free = np.flatnonzero(torch.isfinite(x.detach()).reshape(-1).numpy())
    out_free = np.flatnonzero(torch.isfinite(y).reshape(-1).numpy())
    notes = []
    dtype = str(x.dtype).replace("torch.", "")
    if free.size < x.numel():
        notes.append(f"{x.numel() - free.size} non-finite entries of input {i} held fixed "
                     "(not differentiated, their analytic entries not compared)")
    if out_free.size < y.numel():
        notes.append(f"{y.numel() - out_free.size} non-finite entries of output {o} dropped")
    f = problem.numerical(i, o, free, out_free)
    z0 = x.detach().to(torch.float64).reshape(-1).numpy()[free]
    make = problem.vjp if side == "backward" else problem.jvp
    an = make(i, o, free, out_free, opts["check_grad_dtypes"])
    m, n = out_free.size, free.size
    unit = _low_precision(x.dtype) if side == "backward" else _low_precision(y.dtype)
    safety = DEFAULT_SAFETY
    atol = 0.0 if opts["atol"] is None else float(opts["atol"])
    if not problem.generic:
        notes.append(f"func does not run in float64 at these inputs: the finite differences "
                     f"evaluate it at {dtype} (error bars include its round-off)")
    common = dict(rtol=opts["rtol"], step=opts["eps"])
    if m * n <= FULL_ENTRIES and not opts["fast_mode"] and m and n:
        units = np.eye(m if side == "backward" else n)
        parts = [an(e) for e in units]
        mat = np.stack(parts, axis=0) if side == "backward" else np.stack(parts, axis=1)
        mat = mat.reshape(m, n)
        if unit is not None and np.all(np.isfinite(mat)):
            extra = safety * unit * float(np.max(np.abs(mat), initial=0.0))
            atol += extra
            notes.append(f"the {side} ran in {dtype}: its round-off, {safety:g} * {unit:.2g} "
                         f"* max|A| = {extra:.3g}, is part of atol")
        result = check_jacobian(f, lambda z: mat, (z0,), atol=atol, mode="full", **common)
    else:
        if unit is not None:
            us, vs = _draw_pairs(_SEED, DIRECTIONS, (n,), (m,))
            tau = 0.0
            for u, v in zip(us, vs, strict=True):
                w = an(u if side == "backward" else v)
                tau = max(tau, float(np.max(np.abs(w), initial=0.0)) * np.sqrt(w.size))
            extra = safety * unit * tau
            atol += extra
            notes.append(f"the {side} ran in {dtype}: its round-off along the pairs, "
                         f"{safety:g} * {unit:.2g} * max_j max|w_j| sqrt(len w_j) = "
                         f"{extra:.3g} (w_j the {side} product of pair j), is part of atol")
        run = check_vjp if side == "backward" else check_jvp
        result = run(f, an, (z0,), atol=atol, mode="directional", directions=DIRECTIONS,
                     rng=_SEED, **common)
    shapes = (tuple(y.shape), tuple(x.shape))
    # the report names input i (its argnum), not the one-argument closure's args[0]
    result = dataclasses.replace(result, name=f"output {o} of {_name(problem.func)}", argnum=i)
    if an.mismatch:
        of = f"input {i}" if side == "backward" else f"output {o}"
        result = dataclasses.replace(result, verdict="fail", ok=False, reason=(
            f"check_grad_dtypes: the {side} derivative has dtype {an.mismatch[0]} of "
            f"{of} (torch's gradcheck requires them equal)"))
    if (result.mode == "full" and result.mismatched and len(free) == x.numel()
            and len(out_free) == y.numel()):
        # the diagnosis in the input's own shape (a backward returning its result transposed)
        result = dataclasses.replace(result, diagnosis=diagnose(
            result.analytic, result.numerical, result.tolerance, result.lower, result.upper,
            matrix=result.analytic.shape, in_shape=shapes[1]))
    if result.mode == "full" and result.worst_index is not None:
        oo, ii = result.worst_index
        notes.append(f"worst entry: d output{o}{_index_text(shapes[0], int(out_free[oo]))} / "
                     f"d {label}{_index_text(shapes[1], int(free[ii]))}: analytic "
                     f"{result.analytic[oo, ii]:.10g}, numerical {result.numerical[oo, ii]:.10g}")
    # a zero the engine confirmed itself (checks.rule.confirmed_zero) comes with its promise
    verdict, absolute = result.verdict, getattr(result, "absolute", None)
    if verdict == "inconclusive" and unit is not None and result.mode != "full":
        notes.append(f"{dtype} along random pairs: its round-off is judged against a lower "
                     "bound on max|J| that is pessimistic by up to sqrt(m n); check at float64 "
                     "(.double()) or a smaller input (full mode, m n <= FULL_ENTRIES)")
    return TorchItem(i, label, o, side, dtype, result, verdict, absolute, tuple(notes))


def _name(func) -> str:
    return getattr(func, "__qualname__", None) or type(func).__name__


# ----------------------------------------------------------------------------- public


def check(func: Callable[..., Any], inputs: Any, *, eps: float | None = None,
          atol: float | None = None, rtol: float | None = None, check_forward_ad: bool = False,
          check_backward_ad: bool = True, check_grad_dtypes: bool = False,
          fast_mode: bool = False, _labels_: Sequence[str] | None = None,
          **ignored: Any) -> TorchCheck:
    """Check every differentiable input of ``func`` against every output; the rich result.

    The keywords are :func:`gradcheck`'s (the module docstring says what each means here);
    ``raise_exception`` and the plumbing keywords are accepted and have no effect.

    Returns
    -------
    TorchCheck
        ``.verdict``, ``.ok``, ``.detectable``, ``.reports`` (one engine result per
        ``(input index, output index)``) and a readable ``str()``.
    """
    unknown = set(ignored) - _PLUMBING
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    if not (check_backward_ad or check_forward_ad):
        raise ValueError("check_backward_ad=False and check_forward_ad=False: nothing to check")
    inputs = _tuple(inputs)
    for k, t in enumerate(inputs):
        if isinstance(t, torch.Tensor) and t.requires_grad and (t.is_sparse or t.is_complex()):
            raise TypeError(f"input {k} is sparse or complex: checks.torch checks dense real "
                            "tensors")
    if not any(_floating(t) and t.requires_grad for t in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    problem = _Problem(func, inputs)
    labels = list(_labels_) if _labels_ is not None else _labels(func, len(inputs))
    opts = dict(eps=eps, atol=atol, rtol=rtol, check_grad_dtypes=check_grad_dtypes,
                fast_mode=fast_mode)
    sides = (["backward"] if check_backward_ad else []) + (
        ["forward"] if check_forward_ad else [])
    items = [_item(problem, i, o, side, labels[i], opts)
             for side in sides for i, g in enumerate(problem.grad_mask) if g
             for o in problem.outputs]
    notes = tuple(f"{k}={v!r} accepted, not performed (torch plumbing, not a derivative)"
                  for k, v in ignored.items() if k in _NOT_PERFORMED and v)
    return TorchCheck(tuple(items), notes=notes)


# reported when switched on; check_undefined_grad (on by default) is documented instead
_NOT_PERFORMED = {"check_batched_grad", "check_batched_forward_grad",
                  "masked", "gen_non_contig_grad_outputs"}
_PLUMBING = _NOT_PERFORMED | {"nondet_tol", "raise_exception", "check_undefined_grad"}


def _conclude(result: TorchCheck, raise_exception: bool) -> bool:
    __tracebackhide__ = True
    if result.verdict == "fail":
        if raise_exception:
            raise GradcheckError(str(result))
        return False
    if result.verdict == "inconclusive":
        raise InconclusiveError(str(result))
    return True


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float | None = None,
              atol: float | None = None, rtol: float | None = None,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Drop-in for ``torch.autograd.gradcheck``, judged by this engine.

    Returns ``True`` when every check passes. A failure raises :class:`GradcheckError` (an
    ``AssertionError`` and torch's ``GradcheckError``) with the report -- input index and
    name, output index, the worst entry, the values -- or returns ``False`` with
    ``raise_exception=False``. An inconclusive check raises :class:`checks.InconclusiveError`
    (with the reason and what to try) whatever ``raise_exception``. The keywords are torch's;
    the module docstring says what each means here.

    Examples
    --------
    >>> x = torch.linspace(-2, 2, 12, dtype=torch.float64).reshape(3, 4).requires_grad_()
    >>> gradcheck(torch.tanh, (x,))
    True
    """
    __tracebackhide__ = True
    result = check(func, inputs, eps=eps, atol=atol, rtol=rtol,
                   check_forward_ad=check_forward_ad, check_backward_ad=check_backward_ad,
                   check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode,
                   nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                   check_batched_grad=check_batched_grad,
                   check_batched_forward_grad=check_batched_forward_grad, masked=masked)
    return _conclude(result, raise_exception)


def _second_order(func, inputs, grad_outputs):
    """``(inputs..., grad_outputs...) -> d <outputs, grad_outputs> / d inputs`` (the
    gradients built with ``create_graph=True``) and its inputs, as torch's gradgradcheck."""
    inputs = _tuple(inputs)
    diff = [k for k, t in enumerate(inputs) if _floating(t) and t.requires_grad]
    with torch.enable_grad():
        outs = _tuple(func(*inputs))
    kept = [k for k, t in enumerate(outs) if _floating(t) and t.requires_grad]
    if grad_outputs is None:
        gen = torch.Generator().manual_seed(_SEED)
        grad_outputs = [(torch.rand(outs[k].shape, generator=gen, dtype=torch.float64) * 2 - 1)
                        .to(outs[k].dtype) for k in kept]
    gos = [g.detach().clone().requires_grad_(True) for g in _tuple(grad_outputs)]
    if len(gos) != len(kept):
        raise ValueError(f"grad_outputs has {len(gos)} tensors; func has {len(kept)} "
                         "differentiable outputs")
    n = len(inputs)

    def grads(*args):
        xs, us = args[:n], args[n:]
        with torch.enable_grad():
            ys = _tuple(func(*xs))
            gs = torch.autograd.grad([ys[k] for k in kept], [xs[k] for k in diff], us,
                                     create_graph=True, allow_unused=True,
                                     materialize_grads=True)
        return tuple(gs)

    grads.__qualname__ = f"the gradients of {_name(func)}"
    labels = _labels(func, n) + [f"grad_outputs[{k}]" for k in range(len(gos))]
    return grads, tuple(inputs) + tuple(gos), labels


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *,
                  eps: float | None = None, atol: float | None = None,
                  rtol: float | None = None, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """Drop-in for ``torch.autograd.gradgradcheck``: second derivatives, as torch's.

    The function ``(inputs, grad_outputs) -> the gradients of func`` (built with
    ``create_graph=True``) is checked by :func:`gradcheck`'s machinery; ``grad_outputs`` are
    differentiable inputs too (uniform in [-1, 1) from a fixed seed when ``None``, as torch
    draws them). ``check_rev_over_rev`` checks its backward (the double backward),
    ``check_fwd_over_rev`` its forward-mode derivative. Returns, raises as :func:`gradcheck`.

    Examples
    --------
    >>> x = torch.tensor([0.1, -0.7, 2.0], dtype=torch.float64, requires_grad=True)
    >>> gradgradcheck(lambda x: x.sin(), (x,))
    True
    """
    __tracebackhide__ = True
    grads, args, labels = _second_order(func, inputs, grad_outputs)
    result = check(grads, args, eps=eps, atol=atol, rtol=rtol,
                   check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev,
                   check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode, _labels_=labels,
                   nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                   check_batched_grad=check_batched_grad, masked=masked,
                   gen_non_contig_grad_outputs=gen_non_contig_grad_outputs)
    result = dataclasses.replace(result, what="gradgradcheck")
    return _conclude(result, raise_exception)


def check_module(module: torch.nn.Module, loss_fn: Callable[[Any], Any] | None, *inputs: Any,
                 atol: float | None = None, rtol: float | None = None) -> TorchCheck:
    """The gradient of ``loss_fn(module(*inputs))`` w.r.t. every named parameter, one report.

    The parameters (those with ``requires_grad``) are one flat float64 vector ``theta``;
    ``module`` is called through ``torch.func.functional_call`` with ``theta``'s pieces as its
    parameters, its buffers and floating ``inputs`` promoted to float64 (the module itself is
    not changed). The analytic gradient is the module's backward (``torch.autograd.grad``); it
    is checked by :func:`checks.check_gradient`, entry by entry up to :data:`FULL_ENTRIES`
    parameters, along :data:`DIRECTIONS` random directions above. ``loss_fn=None`` means
    ``module(*inputs)`` is itself the scalar loss; ``loss_fn`` receives float64 outputs. The
    report names entries by parameter (``0.weight[2, 3]``). A module with dropout must be in
    ``eval()`` mode: the engine insists on a deterministic function.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    >>> check_module(net, lambda y: (y**2).sum(), torch.ones(4, 3)).verdict
    'pass'
    """
    named = [(k, p) for k, p in module.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("the module has no parameter that requires grad")
    sizes = [p.numel() for _, p in named]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    theta0 = np.concatenate([p.detach().to(torch.float64).reshape(-1).numpy() for _, p in named])
    buffers = {k: (b.to(torch.float64) if b.is_floating_point() else b)
               for k, b in module.named_buffers()}
    args = tuple(t.detach().to(torch.float64) if _floating(t) else t for t in inputs)

    def loss(theta: torch.Tensor) -> torch.Tensor:
        params = {k: theta[offsets[j]:offsets[j + 1]].reshape(p.shape)
                  for j, (k, p) in enumerate(named)}
        out = torch.func.functional_call(module, {**params, **buffers}, args)
        value = out if loss_fn is None else loss_fn(out)
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise ValueError("the loss must be a scalar tensor: pass loss_fn (or a module "
                             "whose output is a scalar)")
        return value.reshape(())

    def f(theta):
        with torch.no_grad():
            return float(loss(torch.as_tensor(theta)))

    def grad(theta):
        t = torch.as_tensor(theta).clone().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(loss(t), t, allow_unused=True, materialize_grads=True)
        return g.detach().numpy()

    def entry(k: int) -> str:
        j = int(np.searchsorted(offsets, k, side="right")) - 1
        name, p = named[j]
        return f"{name}{_index_text(tuple(p.shape), k - int(offsets[j]))}"

    full = theta0.size <= FULL_ENTRIES
    result = check_gradient(f, grad, (theta0,), atol=atol, rtol=rtol,
                            mode="full" if full else "directional",
                            directions=None if full else DIRECTIONS,
                            rng=None if full else _SEED)
    notes = [f"parameters: {', '.join(f'{k} {tuple(p.shape)}' for k, p in named)} "
             f"({theta0.size} entries, checked in float64)"]
    if full and result.worst_index is not None:
        k = result.worst_index[0]
        notes.append(f"worst entry: {entry(k)}: analytic {result.analytic[k]:.10g}, "
                     f"numerical {result.numerical[k]:.10g}")
        bad = [entry(b[0]) for b in result.mismatched_indices[:10]]
        if bad:
            notes.append(f"mismatched entries: {', '.join(bad)}")
    label = type(module).__name__
    item = TorchItem(0, f"parameters of {label}", 0, "backward", "float64", result,
                     result.verdict, None, tuple(notes))
    return TorchCheck((item,), what="check_module")
