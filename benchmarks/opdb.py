"""Our drop-ins against the frameworks' own checks on real operators, ``python -m benchmarks.opdb``.

**torch.** A documented subset of torch's operator database
(``torch.testing._internal.common_methods_invocations.op_db``: the OpInfo entries and their
sample inputs, the set torch's own ``test_ops`` gradchecks): :data:`TORCH_OPS`, every op with
``supports_autograd``, float64 samples from ``op.sample_inputs("cpu", torch.float64,
requires_grad=True)``. Of each op the first ``--samples`` (default :data:`SAMPLES`) eligible
samples are taken; a sample is *eligible* when its input is a tensor (not a list of tensors:
``cat``, ``stack``, ``einsum`` need their own recomposition), at least one floating tensor
requires grad, no tensor is empty, none is complex, and all its tensors together have at most
``--max-entries`` (default :data:`MAX_ENTRIES`) entries (the elementwise unary ops' one sample
is a 20 x 20 tensor: a cap of 200 would drop every one of them). The function checked is built
as torch's ``test_ops`` builds it (``common_utils._check_helper``): the tensors that require
grad (from the input, the positional args, the kwargs, in that order) are its arguments, the
rest is bound, the op is called through ``op.gradcheck_wrapper`` (Hermitian or triangular
inputs) and ``sample.output_process_fn_grad`` is applied (tuple outputs are kept as tuples).

**jax.** :data:`JAX_FUNCS`: ``jax.numpy`` / ``jax.nn`` / ``jax.scipy.special`` functions, each
on float64 inputs of :data:`JAX_SHAPES` drawn from a seeded generator (positive where the
domain asks), under ``jax.enable_x64(True)``.

**The checks.** On the *right* backward (the framework's own rule): torch
``torch.autograd.gradcheck(f, inputs)`` at its defaults against
``checks.torch.gradcheck(f, inputs, raise_exception=False)``; jax
``jax.test_util.check_grads(f, args, order=1, modes=("rev",))`` against
``checks.jax.check_grads`` with the same arguments. Then on *planted wrong* backwards: ``f``
wrapped in a ``torch.autograd.Function`` (a ``jax.custom_vjp``) whose forward is ``f`` and
whose backward is the true VJP (``torch.autograd.grad`` / ``jax.vjp``) with one entry of one
input's gradient multiplied by ``1 + delta``, ``delta`` in :data:`DELTAS` (1e-4 and 1e-6). The
entry is the input entry ``k`` of the Jacobian's largest entry ``|J[o, k]|`` (over every
differentiable input and output), the same for every cotangent: the planted backward is the
linear map ``J`` with column ``k`` scaled, so its error ``max|J' - J| / max|J|`` is exactly
``delta``.

Counted per tool: **false alarm** -- the right backward rejected (``False``, or torch's
``GradcheckError`` / jax's ``AssertionError``); **inconclusive** -- our
``checks.InconclusiveError`` (neither); **error** -- any other exception (its type kept);
**miss** -- a planted backward accepted. For our tool a miss whose ``delta`` is within the
check's own printed ``detectable`` is counted apart ("within sens."): its report said it could
not see an error that small. **Library defects**: a right backward our check rejects is
compared, Jacobian column by column, with an independent float64 reference (five-point central
differences at three hand-chosen steps, :func:`reference_jacobian`); when the backward is
further from the reference than the reference's own spread, the defect is confirmed and the
sample is listed apart, not counted as a false alarm. **Time**: the wall time of each call,
per check; the ratio is ours / theirs (median over checks, and of the totals).

Usage::

    python -m benchmarks.opdb                                # the markdown section, to stdout
    python -m benchmarks.opdb --out docs/OPDB.md --json /tmp/opdb.json
    python -m benchmarks.opdb --ops all --samples 10         # every eligible op of op_db
    python -m benchmarks.opdb --ops exp mm --jax-funcs tanh --samples 1
    python -m benchmarks.opdb --framework torch
"""

from __future__ import annotations

import os

# One BLAS thread unless the caller says otherwise (as benchmarks.run; set before numpy).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import unittest  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.output import bold, emit, revision, table, versions  # noqa: E402

__all__ = ["DELTAS", "JAX_FUNCS", "JAX_SHAPES", "MAX_ENTRIES", "SAMPLES", "TORCH_OPS",
           "Record", "main", "reference_jacobian", "render_section", "run"]

#: Planted relative errors of one entry of the backward.
DELTAS = (1e-4, 1e-6)
#: Samples per op (the first eligible ones) and jax shapes per function.
SAMPLES = 3
#: Largest number of entries of all a sample's tensors together.
MAX_ENTRIES = 400

#: The default torch subset (op_db names, variant after a dot-free ``:``), by family.
TORCH_FAMILIES: dict[str, tuple[str, ...]] = {
    "elementwise unary": ("exp", "log", "log1p", "expm1", "sin", "tan", "tanh", "sigmoid",
                          "sqrt", "rsqrt", "asin", "atan", "erf", "erfinv", "lgamma",
                          "digamma"),
    "elementwise binary": ("add", "mul", "div:no_rounding_mode", "pow", "atan2", "hypot",
                           "xlogy", "logaddexp"),
    "reductions and scans": ("sum", "mean", "prod", "var", "std", "logsumexp", "cumsum",
                             "cumprod", "amax", "linalg.vector_norm"),
    "matmul and linear algebra": ("matmul", "mm", "addmm", "mv", "dot", "outer", "trace",
                                  "linalg.det", "linalg.inv", "linalg.solve"),
    "softmax": ("softmax", "log_softmax"),
    "nn.functional": ("nn.functional.softplus", "nn.functional.gelu", "nn.functional.silu",
                      "nn.functional.elu", "nn.functional.hardsigmoid",
                      "nn.functional.hardswish", "nn.functional.mish",
                      "nn.functional.logsigmoid", "nn.functional.layer_norm",
                      "nn.functional.normalize", "nn.functional.mse_loss",
                      "nn.functional.binary_cross_entropy", "nn.functional.cross_entropy",
                      "nn.functional.linear"),
}
TORCH_OPS: tuple[str, ...] = tuple(n for names in TORCH_FAMILIES.values() for n in names)

#: Shapes of the jax inputs (one sample each).
JAX_SHAPES: tuple[tuple[int, ...], ...] = ((5,), (3, 4), (2, 3, 4))


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# =============================================================================== records


@dataclass
class Check:
    """One call of one tool: its verdict (``pass``, ``fail``, ``inconclusive``,
    ``error: Type``), its wall time, and for ours the check's ``detectable``."""

    verdict: str
    seconds: float
    detectable: float | None = None
    detail: str = ""


@dataclass
class Record:
    """One sample of one op: what it is and every tool's :class:`Check` per label (``right``,
    ``1e-04``, ``1e-06``)."""

    framework: str
    op: str
    sample: int
    shapes: list[list[int]]
    entries: int
    plant: str = ""
    checks: dict[str, dict[str, Check]] = field(default_factory=dict)
    defect: bool = False
    evidence: str = ""
    skipped: str = ""


RIGHT = "right"


def _label(delta: float) -> str:
    return f"{delta:.0e}"


PASS, FAIL, INCONCLUSIVE, ERROR = "pass", "fail", "inconclusive", "error"


def _timed(call: Callable[[], Any], failure: tuple[type[BaseException], ...],
           inconclusive: tuple[type[BaseException], ...] = ()) -> Check:
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call()
        verdict = FAIL if out is False else PASS
        detail = ""
    except inconclusive as exc:
        verdict, detail = INCONCLUSIVE, str(exc).splitlines()[0][:300]
    except failure as exc:
        verdict, detail = FAIL, str(exc).splitlines()[0][:300] if str(exc) else ""
    except Exception as exc:  # noqa: BLE001 - counted as an error, with its type
        verdict, detail = f"{ERROR}: {type(exc).__name__}", str(exc).splitlines()[0][:300] \
            if str(exc) else ""
    return Check(verdict, time.perf_counter() - t0, None, detail)


# =============================================================================== reference


def reference_jacobian(fun: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                       analytic: np.ndarray) -> dict[str, Any]:
    """An independent float64 check of ``analytic`` (``m x n``), the Jacobian of ``fun`` at
    ``x`` (both flat): per column, five-point central differences at steps ``s * max(|x_k|,
    1e-2)``, ``s`` in 1e-2, 1e-3, 1e-4; of the three, the two adjacent estimates that agree
    best give the reference (their mean) and its spread (their difference). A column is
    *confirmed wrong* where ``|A - ref| > 10 * spread + 1e-12 * max|J|``.

    Returns
    -------
    dict
        ``confirmed`` (bool), ``worst`` (the entry ``(o, k)`` of largest excess), its
        ``analytic`` and ``reference`` values, ``spread``, ``rel`` (``max|A - ref| /
        max|A|`` over confirmed entries).
    """
    x = np.asarray(x, dtype=float).ravel()
    A = np.asarray(analytic, dtype=float).reshape(-1, x.size)
    scale = float(np.max(np.abs(A), initial=0.0)) or 1.0
    best: dict[str, Any] = {"confirmed": False, "excess": -np.inf}
    for k in range(x.size):
        ests = []
        for s in (1e-2, 1e-3, 1e-4):
            h = s * max(abs(x[k]), 1e-2)

            def at(t, k=k):
                z = x.copy()
                z[k] += t
                return np.asarray(fun(z), dtype=float).ravel()

            ests.append((-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h))
        pairs = [(np.abs(ests[j] - ests[j + 1]), (ests[j] + ests[j + 1]) / 2) for j in (0, 1)]
        spread = np.minimum(pairs[0][0], pairs[1][0])
        ref = np.where(pairs[0][0] <= pairs[1][0], pairs[0][1], pairs[1][1])
        excess = np.abs(A[:, k] - ref) - (10 * spread + 1e-12 * scale)
        o = int(np.nanargmax(np.where(np.isfinite(excess), excess, -np.inf)))
        if excess[o] > best["excess"]:
            best = {"confirmed": bool(excess[o] > 0), "excess": float(excess[o]),
                    "worst": (o, k), "analytic": float(A[o, k]), "reference": float(ref[o]),
                    "spread": float(spread[o]),
                    "rel": float(abs(A[o, k] - ref[o]) / scale)}
    return best


def _evidence(ref: dict[str, Any], what: str) -> str:
    o, k = ref["worst"]
    return (f"{what}: d out[{o}] / d x[{k}]: backward {ref['analytic']:.17g}, five-point "
            f"float64 reference {ref['reference']:.17g} (spread {ref['spread']:.2g}); "
            f"relative error {ref['rel']:.2g} of max|J|")


# =============================================================================== torch


def _import_op_db():
    """``op_db``; torch's test helpers import ``expecttest`` (a test-only package) only to
    subclass its ``TestCase``: where it is not installed a stand-in module is registered."""
    try:
        import expecttest  # noqa: F401
    except ImportError:
        stub = types.ModuleType("expecttest")
        stub.TestCase = unittest.TestCase  # type: ignore[attr-defined]
        sys.modules["expecttest"] = stub
    with hypothesis_profiles_kept():
        from torch.testing._internal.common_methods_invocations import op_db

    return op_db


@contextlib.contextmanager
def hypothesis_profiles_kept():
    """Put hypothesis's profiles back as they were: torch's test helpers
    (``common_utils``), imported with ``op_db``, register profiles named ``"dev"``,
    ``"debug"`` and ``"pytorch_ci"`` and load one of them (``"dev"``: 10 examples, no
    database, random), as the module is first imported. In this project's test suite, which
    runs under its own ``"dev"`` or ``"ci"`` profile, every later test of that process then
    drew under torch's: 10 random examples, also in CI. The registrations (hypothesis keeps
    them in ``settings._profiles``, a private dict: there is no public way to read them all)
    and the active profile are restored."""
    try:
        from hypothesis import settings
    except ImportError:
        yield
        return
    name = settings.get_current_profile_name()
    registered = getattr(settings, "_profiles", None)
    saved = dict(registered) if isinstance(registered, dict) else None
    active = settings.default
    try:
        yield
    finally:
        if saved is not None:
            registered.clear()
            registered.update(saved)
        else:  # a hypothesis without the dict: at least the active profile, under its name
            settings.register_profile(name, parent=active)
        settings.load_profile(name)


def _find_ops(op_db, names: Sequence[str] | None):
    by = {}
    for op in op_db:
        key = op.name + (f":{op.variant_test_name}" if op.variant_test_name else "")
        by[key] = op
    if names is None:
        return [by[n] for n in TORCH_OPS], []
    if list(names) == ["all"]:
        return [op for key, op in by.items() if op.supports_autograd], []
    missing = [n for n in names if n not in by]
    return [by[n] for n in names if n in by], missing


def _op_key(op) -> str:
    return op.name + (f":{op.variant_test_name}" if op.variant_test_name else "")


def _sample_function(op, sample):
    """torch test_ops' ``fn`` and ``gradcheck_args`` for one sample (tensor inputs only)."""
    import torch

    def grad_tensor(x):
        return isinstance(x, torch.Tensor) and x.requires_grad and x.is_floating_point()

    values = [sample.input, *sample.args, *sample.kwargs.values()]
    args = tuple(x for x in values if grad_tensor(x))
    variant = op.get_op()
    n_pos = 1 + len(sample.args)
    keys = list(sample.kwargs)

    def fn(*inputs):
        it = iter(inputs)
        full = [next(it) if grad_tensor(x) else x for x in values]
        out = op.gradcheck_wrapper(variant, *full[:n_pos], **dict(zip(keys, full[n_pos:],
                                                                        strict=True)))
        if sample.output_process_fn_grad is not None:
            out = sample.output_process_fn_grad(out)
        return out

    fn.__qualname__ = _op_key(op)
    return fn, args


def _eligible(sample, max_entries: int) -> str:
    """Why a sample is left out ("" when it is taken)."""
    import torch

    values = [sample.input, *sample.args, *sample.kwargs.values()]
    if not isinstance(sample.input, torch.Tensor):
        return "input is a list of tensors"
    if any(isinstance(v, (list, tuple)) and any(isinstance(t, torch.Tensor) for t in v)
           for v in values):
        return "a list of tensors among the args"
    tensors = [v for v in values if isinstance(v, torch.Tensor)]
    if any(t.is_complex() for t in tensors):
        return "complex"
    if any(t.numel() == 0 for t in tensors):
        return "an empty tensor"
    if not any(t.requires_grad and t.is_floating_point() for t in tensors):
        return "no tensor requires grad"
    if sum(t.numel() for t in tensors) > max_entries:
        return f"more than {max_entries} entries"
    return ""


def _flat_out(out) -> Any:
    import torch

    outs = out if isinstance(out, (tuple, list)) else (out,)
    parts = [t.reshape(-1).to(torch.float64) for t in outs
             if isinstance(t, torch.Tensor) and t.is_floating_point()]
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.float64)


def _torch_jacobians(fn, args) -> list[np.ndarray]:
    """The Jacobian of every floating output (flattened, concatenated) w.r.t. each arg."""
    import torch

    xs = [a.detach().clone().requires_grad_(True) for a in args]
    with torch.enable_grad():
        y = _flat_out(fn(*xs))
    jacs = [np.zeros((y.numel(), x.numel())) for x in xs]
    for r in range(y.numel()):
        if not y.requires_grad:
            break
        gs = torch.autograd.grad(y[r], xs, retain_graph=True, allow_unused=True)
        for j, g in enumerate(gs):
            if g is not None:
                jacs[j][r] = g.detach().reshape(-1).to(torch.float64).numpy()
    return jacs


def _negligible(fn, args, jacs) -> bool:
    """Whether the Jacobian is zero up to round-off: ``max|J| <= 1e-10 * max|out| /
    rms(in)`` (``normalize`` along a dimension of size 1 is ``sign(x)``; its backward returns
    entries of 1e-15, and an error of 1e-4 of those is no planted mistake)."""
    import torch

    top = max((float(np.max(np.abs(J), initial=0.0)) for J in jacs), default=0.0)
    with torch.no_grad():
        y = _flat_out(fn(*args))
    out = float(y.abs().max()) if y.numel() else 0.0
    rms = max(float(torch.sqrt(torch.mean(a.detach() ** 2))) for a in args) or 1.0
    return top <= 1e-10 * out / rms


def _torch_plant(fn, args, jacs, delta):
    """``fn`` with a backward whose entry ``k`` of input ``i``'s gradient is times ``1 +
    delta`` (``(i, k)``: the column of the largest |J| entry)."""
    import torch

    i, k = _plant_position(jacs)
    n = len(args)

    class Planted(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *xs):
            ctx.save_for_backward(*xs)
            with torch.no_grad():
                out = fn(*xs)
            outs = out if isinstance(out, (tuple, list)) else (out,)
            ctx.mark_non_differentiable(*[t for t in outs if isinstance(t, torch.Tensor)
                                          and not t.is_floating_point()])
            ctx.tuple = isinstance(out, (tuple, list))
            return tuple(outs) if ctx.tuple else out

        @staticmethod
        def backward(ctx, *gos):
            xs = [x.detach().clone().requires_grad_(True) for x in ctx.saved_tensors]
            with torch.enable_grad():
                out = fn(*xs)
                outs = out if isinstance(out, (tuple, list)) else (out,)
                pairs = [(o, g) for o, g in zip(outs, gos, strict=True)
                         if isinstance(o, torch.Tensor) and o.is_floating_point()
                         and o.requires_grad and g is not None]
                grads = torch.autograd.grad([o for o, _ in pairs], xs,
                                            [g for _, g in pairs], allow_unused=True,
                                            materialize_grads=True)
            grads = list(grads)
            flat = grads[i].reshape(-1).clone()  # a copy: a gradient may be non-contiguous
            flat[k] = flat[k] * (1 + delta)
            grads[i] = flat.reshape(grads[i].shape)
            return tuple(grads[j] for j in range(n))

    def planted(*xs):
        return Planted.apply(*xs)

    planted.__qualname__ = f"{getattr(fn, '__qualname__', 'f')} (planted {delta:g})"
    return planted, (i, k)


def _plant_position(jacs) -> tuple[int, int]:
    best, pos = -1.0, (0, 0)
    for i, J in enumerate(jacs):
        if J.size:
            r, k = np.unravel_index(int(np.argmax(np.abs(J))), J.shape)
            if abs(J[r, k]) > best:
                best, pos = float(abs(J[r, k])), (i, int(k))
    return pos


def _ours_detectable_torch(fn, args) -> float | None:
    import checks.torch as ct

    try:
        return float(ct.check(fn, args).detectable)
    except Exception:  # noqa: BLE001
        return None


def _torch_sample(op, si: int, sample, deltas) -> Record:
    import torch
    from torch.autograd.gradcheck import GradcheckError

    import checks.torch as ct
    from checks.compare import InconclusiveError

    fn, args = _sample_function(op, sample)
    rec = Record("torch", _op_key(op), si, [list(a.shape) for a in args],
                 int(sum(a.numel() for a in args)))
    ours_fail = (ct.GradcheckError, GradcheckError)

    def tools(f):
        theirs = _timed(lambda: torch.autograd.gradcheck(f, args), (GradcheckError,))
        ours = _timed(lambda: ct.gradcheck(f, args, raise_exception=False), ours_fail,
                      (InconclusiveError,))
        return {"torch": theirs, "ours": ours}

    rec.checks[RIGHT] = tools(fn)
    try:
        jacs = _torch_jacobians(fn, args)
    except Exception as exc:  # noqa: BLE001
        rec.skipped = f"Jacobian for the plant failed: {type(exc).__name__}"
        jacs = None
    if jacs is not None and not _negligible(fn, args, jacs):
        for delta in deltas:
            planted, (i, k) = _torch_plant(fn, args, jacs, delta)
            rec.plant = f"input {i}, entry {k}"
            res = tools(planted)
            if res["ours"].verdict == PASS:
                res["ours"].detectable = _ours_detectable_torch(planted, args)
            rec.checks[_label(delta)] = res
    elif jacs is not None:
        rec.skipped = ("Jacobian zero to round-off (max|J| <= 1e-10 max|out| / rms(in)): "
                       "nothing to plant")
    right = rec.checks[RIGHT]["ours"]
    if right.verdict in (FAIL, INCONCLUSIVE):
        right.detail = _ours_torch_detail(fn, args) or right.detail
    if right.verdict == FAIL and jacs is not None:
        rec.defect, rec.evidence = _confirm_torch(fn, args, jacs)
    return rec


def _ours_torch_detail(fn, args) -> str:
    """The reason and the worst entry of each item of ours that did not pass."""
    import checks.torch as ct

    try:
        r = ct.check(fn, args)
    except Exception:  # noqa: BLE001
        return ""
    parts = []
    for it in r.items:
        if it.verdict != PASS:
            worst = [n for n in it.notes if n.startswith("worst entry")]
            parts.append(f"{it.head()}: {it.result.reason}" + (f"; {worst[0]}" if worst
                                                                 else ""))
    return " / ".join(parts)


def _confirm_torch(fn, args, jacs) -> tuple[bool, str]:
    import torch

    found = []
    for i in range(len(args)):
        base = [t.detach().to(torch.float64) for t in args]

        def fun(z, i=i, base=base):
            xs = list(base)
            xs[i] = torch.as_tensor(z).reshape(base[i].shape)
            with torch.no_grad():
                return _flat_out(fn(*xs)).numpy()

        ref = reference_jacobian(fun, base[i].reshape(-1).numpy(), jacs[i])
        found.append((ref, i))
    ref, i = max(found, key=lambda p: p[0]["excess"])
    return ref["confirmed"], _evidence(ref, f"input {i}")


def run_torch(ops: Sequence[str] | None = None, samples: int = SAMPLES,
              max_entries: int = MAX_ENTRIES, deltas: Sequence[float] = DELTAS
              ) -> tuple[list[Record], list[str], dict[str, str]]:
    """Every eligible sample of ``ops`` (default :data:`TORCH_OPS`; ``["all"]``: every op
    with ``supports_autograd``), checked by both tools. Returns the records, notes and the
    ops left out with the reason."""
    import torch

    op_db = _import_op_db()
    chosen, missing = _find_ops(op_db, ops)
    notes = [f"not in op_db: {', '.join(missing)}"] if missing else []
    excluded: dict[str, str] = {}
    records = []
    for op in chosen:
        key = _op_key(op)
        if not op.supports_autograd:
            excluded[key] = "not differentiable (supports_autograd=False)"
            continue
        if not op.supports_dtype(torch.float64, "cpu"):
            excluded[key] = "no float64 on CPU"
            continue
        taken, reasons = 0, {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                it = iter(op.sample_inputs("cpu", torch.float64, requires_grad=True))
                for si, sample in enumerate(it):
                    why = _eligible(sample, max_entries)
                    if why:
                        reasons[why] = reasons.get(why, 0) + 1
                        continue
                    t0 = time.perf_counter()
                    rec = _torch_sample(op, si, sample, deltas)
                    records.append(rec)
                    taken += 1
                    _log(f"torch {key:34s} #{si:<3d} n={rec.entries:<4d} "
                         f"{time.perf_counter() - t0:6.2f} s  "
                         + " ".join(f"{lab}: {c['torch'].verdict[:4]}/{c['ours'].verdict[:4]}"
                                    for lab, c in rec.checks.items()))
                    if taken >= samples:
                        break
        except Exception as exc:  # noqa: BLE001 - an op whose samples cannot be built
            excluded[key] = f"sample_inputs raised {type(exc).__name__}"
            continue
        if not taken:
            excluded[key] = "no eligible sample (" + "; ".join(
                f"{k}: {v}" for k, v in reasons.items()) + ")"
    return records, notes, excluded


# =============================================================================== jax


def _jax_funcs() -> dict[str, tuple[Callable[..., Any], str]]:
    """name -> (function of one float64 array, domain: "real" or "positive")."""
    import jax
    import jax.numpy as jnp
    import jax.scipy.special as jss

    rng = np.random.default_rng(1234)
    mats = {n: rng.standard_normal((n, 3)) for n in (4, 5)}

    def matmul(x):
        return jnp.matmul(x, jnp.asarray(mats[x.shape[-1] if x.shape[-1] in mats else 5]
                                         [: x.shape[-1]]))

    return {
        "exp": (jnp.exp, "real"), "log": (jnp.log, "positive"),
        "log1p": (jnp.log1p, "positive"), "expm1": (jnp.expm1, "real"),
        "sin": (jnp.sin, "real"), "tanh": (jnp.tanh, "real"),
        "arctan": (jnp.arctan, "real"), "sqrt": (jnp.sqrt, "positive"),
        "erf": (jss.erf, "real"), "gammaln": (jss.gammaln, "positive"),
        "softplus": (jax.nn.softplus, "real"), "sigmoid": (jax.nn.sigmoid, "real"),
        "silu": (jax.nn.silu, "real"), "gelu": (jax.nn.gelu, "real"),
        "gelu-exact": (lambda x: jax.nn.gelu(x, approximate=False), "real"),
        "elu": (jax.nn.elu, "real"), "log_sigmoid": (jax.nn.log_sigmoid, "real"),
        "softmax": (jax.nn.softmax, "real"), "log_softmax": (jax.nn.log_softmax, "real"),
        "logsumexp": (jss.logsumexp, "real"), "standardize": (jax.nn.standardize, "real"),
        "matmul": (matmul, "real"), "norm": (jnp.linalg.norm, "real"),
        "mean": (jnp.mean, "real"), "var": (jnp.var, "real"), "std": (jnp.std, "real"),
        "prod": (jnp.prod, "real"), "cumsum": (lambda x: jnp.cumsum(x, axis=-1), "real"),
        "cumprod": (lambda x: jnp.cumprod(x, axis=-1), "real"),
        "sort": (lambda x: jnp.sort(x, axis=-1), "real"),
    }


JAX_FUNCS: tuple[str, ...] = (
    "exp", "log", "log1p", "expm1", "sin", "tanh", "arctan", "sqrt", "erf", "gammaln",
    "softplus", "sigmoid", "silu", "gelu", "gelu-exact", "elu", "log_sigmoid", "softmax",
    "log_softmax", "logsumexp", "standardize", "matmul", "norm", "mean", "var", "std",
    "prod", "cumsum", "cumprod", "sort")


def _jax_point(name: str, shape: tuple[int, ...], domain: str, index: int) -> np.ndarray:
    import zlib

    rng = np.random.default_rng(zlib.crc32(f"{name}/{index}".encode()))
    x = rng.standard_normal(shape)
    return np.abs(x) + 0.1 if domain == "positive" else x


def _jax_plant(f, x, J, delta):
    import jax
    import jax.numpy as jnp

    k = int(np.unravel_index(int(np.argmax(np.abs(J))), J.shape)[1])

    @jax.custom_vjp
    def planted(x):
        return f(x)

    def fwd(x):
        y, pullback = jax.vjp(f, x)
        return y, pullback

    def bwd(pullback, g):
        (gx,) = pullback(g)
        flat = gx.reshape(-1)
        return (flat.at[k].multiply(1 + delta).reshape(gx.shape),)

    planted.defvjp(fwd, bwd)
    del jnp
    return planted, k


def _jax_sample(name: str, f, x: np.ndarray, si: int, deltas) -> Record:
    import jax
    import jax.test_util as jtu

    import checks.jax as cj
    from checks.compare import InconclusiveError

    rec = Record("jax", name, si, [list(x.shape)], int(x.size))

    def tools(g):
        def theirs():
            with jax.enable_x64(True):
                jtu.check_grads(g, (jax.numpy.asarray(x),), order=1, modes=("rev",))

        ours = _timed(lambda: cj.check_grads(g, (x,), order=1, modes=("rev",)),
                      (AssertionError,), (InconclusiveError,))
        return {"jax": _timed(theirs, (AssertionError,)), "ours": ours}

    rec.checks[RIGHT] = tools(f)
    with jax.enable_x64(True):
        J = np.asarray(jax.jacrev(f)(jax.numpy.asarray(x))).reshape(-1, x.size)
    for delta in deltas:
        planted, k = _jax_plant(f, x, J, delta)
        rec.plant = f"entry {k}"
        res = tools(planted)
        if res["ours"].verdict == PASS:
            try:
                rs = cj.check(planted, (x,), order=1, modes=("rev",))
                rel = [r.result.detectable for r in rs if r.absolute is None]
                res["ours"].detectable = float(max(rel, default=0.0))
            except Exception:  # noqa: BLE001
                pass
        rec.checks[_label(delta)] = res
    right = rec.checks[RIGHT]["ours"]
    if right.verdict in (FAIL, INCONCLUSIVE):
        try:
            cj.check_grads(f, (x,), order=1, modes=("rev",))
        except Exception as exc:  # noqa: BLE001 - the message is the detail
            right.detail = " ".join(str(exc).splitlines()[:8])[:600]
    if right.verdict == FAIL:
        def fun(z):
            with jax.enable_x64(True):
                return np.asarray(f(jax.numpy.asarray(z.reshape(x.shape)))).ravel()

        ref = reference_jacobian(fun, x.ravel(), J)
        rec.defect, rec.evidence = ref["confirmed"], _evidence(ref, "x")
    return rec


def run_jax(funcs: Sequence[str] | None = None, samples: int = SAMPLES,
            deltas: Sequence[float] = DELTAS) -> tuple[list[Record], list[str]]:
    """Every function of ``funcs`` (default :data:`JAX_FUNCS`) on the first ``samples``
    shapes of :data:`JAX_SHAPES` (cycled with new seeds beyond three)."""
    table = _jax_funcs()
    names = list(funcs) if funcs else list(JAX_FUNCS)
    missing = [n for n in names if n not in table]
    notes = [f"unknown jax functions: {', '.join(missing)}"] if missing else []
    records = []
    for name in names:
        if name not in table:
            continue
        f, domain = table[name]
        for si in range(samples):
            shape = JAX_SHAPES[si % len(JAX_SHAPES)]
            x = _jax_point(name, shape, domain, si)
            t0 = time.perf_counter()
            rec = _jax_sample(name, f, x, si, deltas)
            records.append(rec)
            _log(f"jax   {name:34s} #{si:<3d} n={rec.entries:<4d} "
                 f"{time.perf_counter() - t0:6.2f} s  "
                 + " ".join(f"{lab}: {c['jax'].verdict[:4]}/{c['ours'].verdict[:4]}"
                            for lab, c in rec.checks.items()))
    return records, notes


# =============================================================================== run


def _versions() -> dict[str, str]:
    return versions(("numpy", "torch", "jax", "jaxlib"))




def run(*, frameworks: Sequence[str] = ("torch", "jax"), ops: Sequence[str] | None = None,
        jax_funcs: Sequence[str] | None = None, samples: int = SAMPLES,
        max_entries: int = MAX_ENTRIES, deltas: Sequence[float] = DELTAS,
        command: str = "python -m benchmarks.opdb") -> dict[str, Any]:
    """Both parts (module docstring).

    Returns
    -------
    dict
        ``records`` (one :class:`Record` per sample), ``excluded`` (torch ops left out, with
        the reason), ``notes``, ``versions``, ``revision``, ``elapsed``, the settings.
    """
    started = time.perf_counter()
    records: list[Record] = []
    notes: list[str] = []
    excluded: dict[str, str] = {}
    if "torch" in frameworks:
        recs, n, excluded = run_torch(ops, samples, max_entries, deltas)
        records += recs
        notes += n
    if "jax" in frameworks:
        recs, n = run_jax(jax_funcs, samples, deltas)
        records += recs
        notes += n
    return {"records": records, "excluded": excluded, "notes": notes,
            "frameworks": list(frameworks), "samples": samples, "max_entries": max_entries,
            "deltas": list(deltas), "command": command, "versions": _versions(),
            "revision": revision(), "elapsed": time.perf_counter() - started,
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


# =============================================================================== markdown






@dataclass
class Tally:
    """One tool's counts over a framework's (non-defect) records."""

    ops: int = 0
    samples: int = 0
    alarms: int = 0
    inc_right: int = 0
    inc_wrong: int = 0
    errors_right: int = 0
    errors_wrong: int = 0
    error_types: dict[str, int] = field(default_factory=dict)
    planted: dict[str, int] = field(default_factory=dict)
    misses: dict[str, int] = field(default_factory=dict)
    within: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _tally(records: Sequence[Record], tool: str, deltas: Sequence[float]) -> Tally:
    t = Tally()
    good = [r for r in records if not r.defect]
    t.ops, t.samples = len({r.op for r in good}), len(good)
    for d in deltas:
        t.planted[_label(d)] = t.misses[_label(d)] = t.within[_label(d)] = 0
    for r in good:
        for label, by in r.checks.items():
            c = by[tool]
            t.seconds += c.seconds
            err = c.verdict.startswith(ERROR)
            if err:
                t.error_types[c.verdict[len(ERROR) + 2:]] = t.error_types.get(
                    c.verdict[len(ERROR) + 2:], 0) + 1
            if label == RIGHT:
                t.alarms += c.verdict == FAIL
                t.inc_right += c.verdict == INCONCLUSIVE
                t.errors_right += err
            else:
                t.planted[label] += 1
                t.inc_wrong += c.verdict == INCONCLUSIVE
                t.errors_wrong += err
                if c.verdict == PASS:
                    d = float(label)
                    if c.detectable is not None and d <= c.detectable:
                        t.within[label] += 1
                    else:
                        t.misses[label] += 1
    return t


def _ratios(records: Sequence[Record], peer: str) -> tuple[float, float]:
    rs = [by["ours"].seconds / by[peer].seconds for r in records if not r.defect
          for by in r.checks.values() if by[peer].seconds > 0]
    return (float(np.median(rs)) if rs else math.nan), 0.0


def _framework_table(records: Sequence[Record], peer: str, peer_name: str,
                     deltas: Sequence[float]) -> list[str]:
    labels = [_label(d) for d in deltas]
    header = ["tool", "ops", "samples", "false alarms", "inconclusive (right / planted)",
              "errors (right / planted)"] + [f"misses at {lab}" for lab in labels] + ["time"]
    theirs, ours = _tally(records, peer, deltas), _tally(records, "ours", deltas)
    median, _ = _ratios(records, peer)
    rows = []
    for name, t in ((peer_name, theirs), ("ours: " + ("`checks.torch.gradcheck`"
                                                      if peer == "torch"
                                                      else "`checks.jax.check_grads`"), ours)):
        row = [name, t.ops, t.samples, f"{bold(t.alarms)} of {t.samples}",
               f"{t.inc_right} / {t.inc_wrong}", f"{t.errors_right} / {t.errors_wrong}"
               + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(t.error_types.items())) + ")"
                  if t.error_types else "")]
        for lab in labels:
            cell = f"{bold(t.misses[lab])} of {t.planted[lab]}"
            if t.within[lab]:
                cell += f" (+{t.within[lab]} within sens.)"
            row.append(cell)
        if t is ours:
            ratio = t.seconds / theirs.seconds if theirs.seconds else math.nan
            row.append(f"{t.seconds:.1f} s (× {ratio:.1f} total, × {median:.1f} median)")
        else:
            row.append(f"{t.seconds:.1f} s")
        rows.append(row)
    return table(header, rows)


def _per_op(records: Sequence[Record], peer: str) -> list[str]:
    ops: dict[str, list[Record]] = {}
    for r in records:
        ops.setdefault(r.op, []).append(r)
    rows = []
    for op, rs in ops.items():
        def cell(tool, label, rs=rs):
            vs = [r.checks[label][tool].verdict for r in rs if label in r.checks]
            if not vs:
                return "—"
            short = {PASS: "p", FAIL: "F", INCONCLUSIVE: "i"}
            return "".join(short.get(v, "E") for v in vs)

        labels = [lab for lab in (RIGHT, *(_label(d) for d in DELTAS))]
        t_ours = sum(c["ours"].seconds for r in rs for c in r.checks.values())
        t_peer = sum(c[peer].seconds for r in rs for c in r.checks.values())
        rows.append([f"`{op}`", len(rs), ", ".join(str(r.entries) for r in rs)]
                    + [f"{cell(peer, lab)} · {cell('ours', lab)}" for lab in labels]
                    + [f"{t_peer:.2f} / {t_ours:.2f} s"])
    return table(["op", "samples", "entries", "right", "planted 1e-04", "planted 1e-06",
                   f"time {peer} / ours"], rows)


def render_section(res: dict[str, Any], *, level: int = 2) -> str:
    """The op-database section (``docs/OPDB.md``) from :func:`run`'s results."""
    h = "#" * level
    records: list[Record] = res["records"]
    deltas = res["deltas"]
    torch_recs = [r for r in records if r.framework == "torch"]
    jax_recs = [r for r in records if r.framework == "jax"]
    lines = [
        f"{h} Real operators: torch's op database and jax.numpy / jax.nn",
        "",
        f"Generated by `{res['command']}` in {res['elapsed']:.0f} s on {res['date']}, git "
        f"{res['revision']}; " + ", ".join(f"{k} {v}" for k, v in res["versions"].items())
        + ". Timings vary ×1.3–×2 between runs on this kind of machine: compare tools only "
        "within one run.",
        "",
        "Every sample is checked on its **right** backward (the framework's own) and on two "
        "**planted** wrong ones: the true VJP with one entry of one input's gradient times "
        f"(1 + δ), δ = {', '.join(f'{d:g}' for d in deltas)} (the input entry of the "
        "Jacobian's largest entry, the same for every cotangent: a relative error of exactly "
        "δ of max|J|). **False alarm**: the right backward rejected. **Miss**: a planted "
        "backward accepted; for ours, \"within sens.\" counts the passes where δ was within "
        "the check's own printed `detectable` (allowed by its promise). **Inconclusive**: our "
        "third verdict (`checks.InconclusiveError`), neither. **Errors**: any other "
        "exception. A right backward our check rejects is compared with an independent "
        "float64 reference (five-point central differences at three hand-chosen steps); a "
        "confirmed error is a **library defect**, left out of the counts and listed below. "
        "Time: wall time of all the calls of each tool (right and planted); the ratio is "
        "ours / theirs, of the totals and the median of the per-check ratios.",
        "",
    ]
    if torch_recs:
        lines += [f"{h}# torch: `op_db` (OpInfo samples)", "",
                  "`torch.autograd.gradcheck(f, inputs)` at its defaults (eps 1e-6, atol 1e-5, "
                  "rtol 1e-3) against `checks.torch.gradcheck(f, inputs, "
                  f"raise_exception=False)`; float64 samples, the first {res['samples']} "
                  f"eligible of each op (at most {res['max_entries']} entries), `f` built as "
                  "torch's `test_ops` builds it (`op.gradcheck_wrapper`, "
                  "`output_process_fn_grad`).", ""]
        lines += _framework_table(torch_recs, "torch", "torch `gradcheck`", deltas)
        lines += [""]
    if jax_recs:
        lines += [f"{h}# jax: `jax.numpy` / `jax.nn` / `jax.scipy.special`", "",
                  "`jax.test_util.check_grads(f, (x,), order=1, modes=(\"rev\",))` under "
                  "`jax.enable_x64(True)` against `checks.jax.check_grads` with the same "
                  "arguments; float64 inputs of shapes "
                  + ", ".join(str(s) for s in JAX_SHAPES[: res["samples"]])
                  + " (seeded normal; |x| + 0.1 for log, log1p, sqrt, gammaln); planted rules "
                  "are `jax.custom_vjp` wrappers.", ""]
        lines += _framework_table(jax_recs, "jax", "jax `check_grads`", deltas)
        lines += [""]
    defects = [r for r in records if r.defect]
    lines += [f"{h}# Library defects (confirmed by the independent reference)", ""]
    if defects:
        rows = [[r.framework, f"`{r.op}` #{r.sample}", r.evidence,
                 r.checks[RIGHT][_peer(r)].verdict, r.checks[RIGHT]["ours"].verdict]
                for r in defects]
        lines += table(["framework", "op, sample", "independent confirmation",
                         "their check", "ours"], rows)
    else:
        lines.append("None.")
    lines += [""]
    alarms = [r for r in records if not r.defect
              and r.checks[RIGHT]["ours"].verdict in (FAIL,)]
    lines += [f"{h}# Our false alarms (refuted by the reference)", ""]
    if alarms:
        lines += [f"* {r.framework} `{r.op}` #{r.sample} (shapes {r.shapes}): {r.evidence}; "
                  f"our report: {r.checks[RIGHT]['ours'].detail}" for r in alarms]
    else:
        lines.append("None.")
    lines += [""]
    others = [(r, lab, c) for r in records for lab, by in r.checks.items()
              for tool, c in by.items() if c.verdict.startswith(ERROR)
              or (tool == "ours" and lab == RIGHT and c.verdict == INCONCLUSIVE)]
    if others:
        lines += [f"{h}# Errors and our inconclusive verdicts on right backwards", ""]
        lines += [f"* {r.framework} `{r.op}` #{r.sample} {lab}, "
                  f"{'ours' if c is r.checks[lab]['ours'] else _peer(r)}: {c.verdict}: "
                  f"{c.detail}" for r, lab, c in others]
        lines += [""]
    if torch_recs:
        lines += [f"{h}# What was checked and what was excluded", "",
                  "The torch ops, by family (the default set, `TORCH_FAMILIES`): "
                  + "; ".join(f"{fam}: " + ", ".join(f"`{o}`" for o in names)
                              for fam, names in TORCH_FAMILIES.items()) + ".", "",
                  "Per op: samples, their entries, verdicts per sample (torch · ours; "
                  "p pass, F fail, i inconclusive, E error), time:", ""]
        lines += _per_op(torch_recs, "torch")
        lines += [""]
        lines += ["Not in the default set: ops whose samples are lists of tensors (`cat`, "
                  "`stack`, `einsum`, `block_diag`: their inputs need their own "
                  "recomposition), non-differentiable ops and integer-valued ones (`floor`, "
                  "`sign`, `argmax`, comparison ops), complex-only and sparse ops, in-place "
                  "and `out=` variants, random ops (`dropout`, `bernoulli`), ops whose samples "
                  f"all exceed {res['max_entries']} entries (convolutions, pooling, "
                  "`bmm`, interpolation), ops that need a special point (`linalg.cholesky`, "
                  "`linalg.eigh`: Hermitian inputs; `polygamma` orders), and the many "
                  "near-duplicates of the families above (every other unary and binary "
                  "elementwise op, every other norm and loss). Samples are skipped when "
                  "empty, complex, without a tensor that requires grad, or too large. "
                  "`--ops all --samples N` runs every differentiable op."]
        if res["excluded"]:
            lines += ["", "Ops of the chosen set left out by the run: "
                      + "; ".join(f"`{k}` ({v})" for k, v in res["excluded"].items()) + "."]
        lines += [""]
    if jax_recs:
        lines += ["The jax functions: " + ", ".join(f"`{n}`" for n in
                                                     dict.fromkeys(r.op for r in jax_recs))
                  + ". Per function (jax · ours):", ""]
        lines += _per_op(jax_recs, "jax")
        lines += [""]
    skipped = [r for r in records if r.skipped]
    if skipped:
        lines += ["Samples checked on their right backward only (no plant): "
                  + "; ".join(f"{r.framework} `{r.op}` #{r.sample}: {r.skipped}"
                              for r in skipped) + ".", ""]
    if res["notes"]:
        lines += [f"* {n}" for n in res["notes"]] + [""]
    return "\n".join(lines)


def _peer(r: Record) -> str:
    return "torch" if r.framework == "torch" else "jax"


# =============================================================================== command




def main(argv: Sequence[str] | None = None) -> int:
    """The command line (module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.opdb",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", nargs="+", choices=["torch", "jax"],
                        default=["torch", "jax"], help="which parts to run (default both)")
    parser.add_argument("--ops", nargs="+", help="op_db names (variant as name:variant), or "
                        "'all' (default: TORCH_OPS, about 60 ops)")
    parser.add_argument("--jax-funcs", nargs="+", help="jax function names (default "
                        "JAX_FUNCS)")
    parser.add_argument("--samples", type=int, default=SAMPLES, help=f"samples per op / "
                        f"shapes per jax function (default {SAMPLES})")
    parser.add_argument("--max-entries", type=int, default=MAX_ENTRIES, help="largest sample "
                        f"(entries of all its tensors; default {MAX_ENTRIES})")
    parser.add_argument("--out", help="write the markdown section here (default: print it)")
    parser.add_argument("--json", help="write every per-sample result here ('-': stdout)")
    args = parser.parse_args(argv)
    command = "python -m benchmarks.opdb" + ("" if argv is None and len(sys.argv) <= 1 else
                                             " " + " ".join(sys.argv[1:] if argv is None
                                                            else argv))
    res = run(frameworks=args.framework, ops=args.ops, jax_funcs=args.jax_funcs,
              samples=args.samples, max_entries=args.max_entries, command=command)
    text = render_section(res)
    emit(text, res, out=args.out, json_path=args.json, log=_log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
