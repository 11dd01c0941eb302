r"""Hessians: estimates' accuracy and cost, checks' verdicts, ``python -m benchmarks.hessian``.

Six smooth functions with closed-form Hessians (:func:`make_cases`), at ``n`` in
:data:`SIZES`, each on :data:`SEEDS` random points (``rng = np.random.default_rng(seed)``
draws the function's parameters, then ``x ~ N(0, I)``):

* ``logsumexp``: ``log sum exp x``, ``H = diag(s) - s s^T`` (``s`` the softmax);
* ``log1p-norm``: ``log(1 + |x|^2)``, ``H = 2 I / r - 4 x x^T / r^2`` (``r = 1 + |x|^2``);
* ``tanh-net``: ``w2 . tanh(W x) + mu |x|^2 / 2`` (``W`` square, ``mu = 0.1``),
  ``H = W^T diag(d) W + mu I`` with ``d = -2 w2 t (1 - t^2)``, ``t = tanh(W x)``;
* ``quad-cubic``: ``x^T B x + sum x^3 / 6`` (``B`` not symmetric), ``H = B + B^T + diag(x)``;
* ``rosenbrock``: ``sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2``;
* ``logistic``: problem 2, :func:`gradients.logistic_l2_loss` (``N = 4n`` samples,
  ``X ~ N(0, 1/n)``, labels ``0/1``, ``lam = 1`` as on the sheet),
  ``H = X^T S X + 2 lam I``, ``S = diag(sigma (1 - sigma))``.

The exact Hessians are evaluated in ``np.longdouble`` and rounded to float64.

**Accuracy** (:data:`ACCURACY_TOOLS`), per Hessian: the true error ``max|H~ - H| / max|H|``;
for the tools that return a per-entry error bar, the bar ``max(bar) / max|H|`` and the
honesty ``max(|H~ - H| / bar)`` (at most 1: every true error is inside its bar); the calls of
``f`` and of ``grad`` (counted by wrappers, not taken from the tools' reports); wall time.

* ours ``numerical_hessian(f, x)`` (second differences of ``f``) and
  ``numerical_hessian(f, x, grad=g)`` (Jacobian of ``g``, symmetrised);
* numdifftools ``Hessian(f, full_output=True)(x)`` (default method; ``full_output`` returns
  its ``error_estimate`` per entry, which is taken as its bar) and
  ``Hessian(f_c, method="complex")(x)`` on a complex-safe twin ``f_c`` of the function;
* torch: the numerical side of ``gradgradcheck``, i.e. ``_get_numerical_jacobian`` (central
  differences, ``eps = 1e-6``) of the gradient wrapped in a ``torch.autograd.Function``: the
  Hessian torch compares against. No bar (torch's tolerance is fixed: ``atol=1e-5``,
  ``rtol=1e-3``).

**Verdicts** (:data:`VERDICT_TOOLS`, at :data:`VERDICT_SIZES`), on the exact Hessian (a
rejection is a false alarm) and on planted wrong ones (an acceptance is a false pass):
``scaled-1e-6`` (``H (1 + 1e-6)``), ``transpose`` (a lost transpose or a missing
symmetrisation, where the function has a non-symmetric part: ``quad-cubic`` ``2B + diag(x)``
for ``B + B^T + diag(x)``, ``tanh-net`` ``W diag(d) W^T`` for ``W^T diag(d) W``,
``rosenbrock`` the sub-diagonal left at 0: only the upper band filled) and ``dropped-term``
(one term of ``H`` left out: ``-s s^T``; ``-4 x x^T / r^2``; ``mu I``; ``diag(x)``; the
``-400 x_{i+1}`` of the diagonal; ``2 lam I``). The Hessian-vector product under test is
``hvp(v, x) = A(x) v`` with ``A`` the matrix under test.

* ours ``check_hessian(f, hess, (x,))`` (full; also with ``grad=g``) and
  ``check_hvp(f, hvp, (x,))`` (directional, the default; also with ``grad=g``), their
  ``verdict`` (``"inconclusive"`` counted apart);
* torch ``gradgradcheck(loss, (x,))`` at its defaults and with ``fast_mode=True``. The
  numpy loss is a ``torch.autograd.Function`` whose backward returns
  ``grad_output * G(x)``, ``G`` a second ``Function`` whose forward is the numpy gradient
  (exact) and whose backward is ``u -> hvp(u, x)``: gradgradcheck differentiates the
  backward, so it compares ``hvp`` (analytic second derivative) with central differences of
  the numpy gradient. It checks the Hessian given the gradient: it never looks at ``f``.

Usage::

    python -m benchmarks.hessian                      # the markdown section, to stdout
    python -m benchmarks.hessian --out hessian.md --json hessian.json
    python -m benchmarks.hessian --seeds 3 --sizes 2 5 --tools ours
"""

from __future__ import annotations

import os

# One BLAS thread unless the caller says otherwise (as benchmarks.run; set before numpy).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.output import bold, emit, table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "ACCURACY_TOOLS",
    "CASE_IDS",
    "SEEDS",
    "SIZES",
    "VARIANTS",
    "VERDICT_SIZES",
    "VERDICT_TOOLS",
    "Case",
    "main",
    "make_cases",
    "render_section",
    "run",
]

SEEDS = 20
SIZES = (2, 5, 10, 20)
VERDICT_SIZES = (2, 5, 10)
CASE_IDS = ("logsumexp", "log1p-norm", "tanh-net", "quad-cubic", "rosenbrock", "logistic")
EXACT = "exact"
VARIANTS = ("scaled-1e-6", "transpose", "dropped-term")
PASS, FAIL, INCONCLUSIVE, ERROR = "pass", "fail", "inconclusive", "error"

L = np.longdouble


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


# --------------------------------------------------------------------------- the functions


@dataclass
class Case:
    """One function at one drawn point: ``f``, ``grad``, the exact Hessian ``H`` (float64),
    a complex-safe twin ``f_complex`` and the planted wrong Hessians ``wrong[label](x)``."""

    id: str
    n: int
    x: np.ndarray
    f: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    hess: Callable[[np.ndarray], np.ndarray]
    f_complex: Callable[[np.ndarray], complex]
    wrong: dict[str, Callable[[np.ndarray], np.ndarray]] = field(default_factory=dict)

    @property
    def H(self) -> np.ndarray:
        return self.hess(self.x)

    def matrices(self) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
        """``"exact"`` and every wrong variant (in :data:`VARIANTS` order): label ->
        ``x -> matrix``."""
        out = {EXACT: self.hess, "scaled-1e-6": lambda x: self.hess(x) * (1.0 + 1e-6)}
        out.update({v: self.wrong[v] for v in VARIANTS if v in self.wrong})
        return out


def _f64(fn):
    return lambda x: np.asarray(fn(x), dtype=np.float64)


def _logsumexp(n, rng):
    def f(x):
        m = np.max(x)
        return float(m + np.log(np.sum(np.exp(x - m))))

    def g(x):
        return np.exp(x - f(x))

    def soft(x):
        s = np.exp(L(x) - np.max(x))
        return s / s.sum()

    def h(x):
        s = soft(x)
        return np.diag(s) - np.outer(s, s)

    wrong = {"dropped-term": _f64(lambda x: np.diag(soft(x)))}
    return f, g, _f64(h), lambda x: np.log(np.sum(np.exp(x))), wrong


def _log1p_norm(n, rng):
    def f(x):
        return float(np.log1p(x @ x))

    def g(x):
        return 2.0 * x / (1.0 + x @ x)

    def h(x, drop=False):
        x = L(x)
        r = 1 + x @ x
        out = 2 * np.eye(x.size, dtype=L) / r
        return out if drop else out - 4 * np.outer(x, x) / r**2

    wrong = {"dropped-term": _f64(lambda x: h(x, drop=True))}
    return f, g, _f64(h), lambda x: np.log(1 + x @ x), wrong


def _tanh_net(n, rng, mu=0.1):
    W = rng.standard_normal((n, n)) / np.sqrt(n)
    w2 = rng.standard_normal(n)

    def f(x):
        return float(w2 @ np.tanh(W @ x) + 0.5 * mu * (x @ x))

    def g(x):
        return W.T @ (w2 * (1.0 - np.tanh(W @ x) ** 2)) + mu * x

    def h(x, variant=EXACT):
        WW = W.astype(L)
        t = np.tanh(WW @ L(x))
        d = w2 * (-2 * t * (1 - t**2))
        if variant == "transpose":
            return WW @ (d[:, None] * WW.T) + mu * np.eye(n, dtype=L)
        core = WW.T @ (d[:, None] * WW)
        return core if variant == "dropped-term" else core + mu * np.eye(n, dtype=L)

    wrong = {v: _f64(lambda x, v=v: h(x, v)) for v in ("transpose", "dropped-term")}
    return (f, g, _f64(h), lambda x: w2 @ np.tanh(W @ x) + 0.5 * mu * (x @ x), wrong)


def _quad_cubic(n, rng):
    B = rng.standard_normal((n, n)) / np.sqrt(n)

    def f(x):
        return float(x @ B @ x + np.sum(x**3) / 6.0)

    def g(x):
        return (B + B.T) @ x + x**2 / 2.0

    def h(x):
        return (B + B.T).astype(L) + np.diag(L(x))

    wrong = {
        "transpose": _f64(lambda x: 2 * B.astype(L) + np.diag(L(x))),
        "dropped-term": _f64(lambda x: (B + B.T).astype(L)),
    }
    return f, g, _f64(h), lambda x: x @ B @ x + np.sum(x**3) / 6.0, wrong


def _rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosenbrock(n, rng):
    def g(x):
        out = np.zeros_like(x)
        d = x[1:] - x[:-1] ** 2
        out[:-1] += -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
        out[1:] += 200.0 * d
        return out

    def h(x, variant=EXACT):
        x = L(x)
        H = np.zeros((n, n), dtype=L)
        for i in range(n - 1):
            H[i, i] += 1200 * x[i] ** 2 + 2 - (0 if variant == "dropped-term" else 400 * x[i + 1])
            H[i + 1, i + 1] += 200
            H[i, i + 1] = -400 * x[i]
            if variant != "transpose":
                H[i + 1, i] = -400 * x[i]
        return H

    wrong = {v: _f64(lambda x, v=v: h(x, v)) for v in ("transpose", "dropped-term")}
    return lambda x: float(_rosen(x)), g, _f64(h), _rosen, wrong


def _logistic(n, rng, lam=1.0):
    from gradients import logistic_l2_grad, logistic_l2_loss

    N = 4 * n
    X = rng.standard_normal((N, n)) / np.sqrt(n)
    y = rng.integers(0, 2, N).astype(float)

    def h(w, drop=False):
        XX = X.astype(L)
        s = 1 / (1 + np.exp(-(XX @ L(w))))
        data = XX.T @ ((s * (1 - s))[:, None] * XX)
        return data if drop else data + 2 * L(lam) * np.eye(n, dtype=L)

    def fc(w):
        a = X @ w
        return np.sum(np.log(1 + np.exp(a)) - y * a) + lam * (w @ w)

    wrong = {"dropped-term": _f64(lambda w: h(w, drop=True))}
    return (lambda w: logistic_l2_loss(w, X, y, lam), lambda w: logistic_l2_grad(w, X, y, lam),
            _f64(h), fc, wrong)


_BUILDERS = {
    "logsumexp": _logsumexp,
    "log1p-norm": _log1p_norm,
    "tanh-net": _tanh_net,
    "quad-cubic": _quad_cubic,
    "rosenbrock": _rosenbrock,
    "logistic": _logistic,
}

#: What each function is and what its wrong variants are, for the table.
CASE_INFO = {
    "logsumexp": ("log Σ exp xᵢ", "diag(s) − s sᵀ", "—", "−s sᵀ"),
    "log1p-norm": ("log(1 + |x|²)", "2I/r − 4xxᵀ/r²", "—", "−4xxᵀ/r²"),
    "tanh-net": ("w₂·tanh(Wx) + μ|x|²/2, W n×n, μ = 0.1", "Wᵀ diag(d) W + μI",
                 "W diag(d) Wᵀ (lost transpose)", "μI"),
    "quad-cubic": ("xᵀBx + Σxᵢ³/6, B not symmetric", "B + Bᵀ + diag(x)",
                   "2B + diag(x) (missing symmetrisation)", "diag(x)"),
    "rosenbrock": ("Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²", "tridiagonal",
                   "sub-diagonal left 0 (not mirrored)", "−400xᵢ₊₁ on the diagonal"),
    "logistic": ("problem 2: `logistic_l2_loss`, N = 4n, λ = 1", "XᵀSX + 2λI", "—", "2λI"),
}


def make_cases(n: int, seed: int, case_ids: Sequence[str] = CASE_IDS) -> list[Case]:
    """The functions at size ``n``; each draws its parameters, then ``x``, from
    ``default_rng(seed)`` (its own generator per function)."""
    out = []
    for cid in case_ids:
        rng = np.random.default_rng([seed, n, CASE_IDS.index(cid)])
        f, g, h, fc, wrong = _BUILDERS[cid](n, rng)
        x = rng.standard_normal(n)
        out.append(Case(cid, n, x, f, g, h, fc, wrong))
    return out


# --------------------------------------------------------------------------- counting


class _Counter:
    """``fn`` that counts its calls."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *a, **k):
        self.calls += 1
        return self.fn(*a, **k)


def _guard(call: Callable[[], Any]) -> tuple[Any, str]:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return call(), ""
    except Exception as exc:  # noqa: BLE001 - a raise is a result here
        return None, f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


# --------------------------------------------------------------------------- accuracy tools


@dataclass
class Accuracy:
    """One estimate of one Hessian."""

    tool: str
    case: str
    n: int
    seed: int
    true: float = float("nan")
    bar: float = float("nan")
    honesty: float = float("nan")
    f_evals: int = 0
    g_evals: int = 0
    seconds: float = float("nan")
    cpu: float = float("nan")
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ours_estimate(with_grad: bool):
    def estimate(case: Case, f, g):
        from checks import numerical_hessian

        est = numerical_hessian(f, case.x, grad=g if with_grad else None)
        return est.value, est.error

    return estimate


def _nd_default(case: Case, f, g):
    import numdifftools as nd

    r = nd.Hessian(f, full_output=True)(case.x)
    return np.asarray(r[0], dtype=float), np.asarray(r[1], dtype=float)


def _nd_complex(case: Case, f, g):
    import numdifftools as nd

    return np.asarray(nd.Hessian(f, method="complex")(case.x), dtype=float), None


def _torch_grad_function(g, hvp=None):
    """``x -> g(x)`` as a ``torch.autograd.Function``; its backward is ``u -> hvp(u, x)``."""
    import torch

    class Grad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.from_numpy(np.array(g(x.detach().numpy()), dtype=np.float64))

        @staticmethod
        def backward(ctx, u):
            (x,) = ctx.saved_tensors
            v = hvp(u.detach().numpy().copy(), x.detach().numpy().copy())
            return torch.from_numpy(np.array(v, dtype=np.float64))

    return Grad.apply


def _torch_loss(f, g, hvp):
    """The numpy loss as a ``torch.autograd.Function`` whose backward is
    ``grad_output * G(x)``, ``G`` = :func:`_torch_grad_function` (differentiable: its
    backward is ``hvp``), so ``gradgradcheck`` checks ``hvp`` against differences of ``g``."""
    import torch

    grad_fn = _torch_grad_function(g, hvp)

    class Loss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.tensor(float(f(x.detach().numpy())), dtype=torch.float64)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * grad_fn(x)

    return Loss.apply


def _torch_numerical(case: Case, f, g):
    import torch

    tg = sys.modules.get("torch.autograd.gradcheck") or importlib.import_module(
        "torch.autograd.gradcheck")
    fn = _torch_grad_function(g)
    x = torch.tensor(case.x, dtype=torch.float64, requires_grad=True)
    jac = tg._get_numerical_jacobian(fn, (x,), eps=1e-6)
    # torch stores d out_j / d in_i at [i, j]
    return jac[0][0].numpy().T.copy(), None


@dataclass(frozen=True)
class AccuracyTool:
    name: str
    family: str
    uses: str  # "f", "grad" or "f_complex"
    estimate: Callable[..., tuple[np.ndarray, np.ndarray | None]]
    scheme: str


ACCURACY_TOOLS = (
    AccuracyTool("ours numerical_hessian (f only)", "ours", "f", _ours_estimate(False),
                 "Richardson second differences of f, per-entry error bar"),
    AccuracyTool("ours numerical_hessian (grad=)", "ours", "grad", _ours_estimate(True),
                 "Richardson Jacobian of grad, symmetrised, per-entry error bar"),
    AccuracyTool("numdifftools Hessian", "numdifftools", "f", _nd_default,
                 "default (central, many steps, Richardson); full_output error_estimate"),
    AccuracyTool("numdifftools Hessian complex", "numdifftools", "f_complex", _nd_complex,
                 "method='complex' on a complex-safe twin of f; no error estimate"),
    AccuracyTool("torch numerical Jacobian of grad", "torch", "grad", _torch_numerical,
                 "gradgradcheck's numerical side: central differences of grad, eps=1e-6"),
)


def _measure_accuracy(tool: AccuracyTool, case: Case, seed: int) -> Accuracy:
    res = Accuracy(tool.name, case.id, case.n, seed)
    f = _Counter(case.f_complex if tool.uses == "f_complex" else case.f)
    g = _Counter(case.grad)
    t0, c0 = time.perf_counter(), time.process_time()
    out, err = _guard(lambda: tool.estimate(case, f, g))
    res.seconds, res.cpu = time.perf_counter() - t0, time.process_time() - c0
    res.f_evals, res.g_evals = f.calls, g.calls
    if err:
        res.error = err
        return res
    value, bar = out
    H = case.H
    scale = float(np.max(np.abs(H)))
    diff = np.abs(np.asarray(value, dtype=float).reshape(H.shape) - H)
    if not np.all(np.isfinite(diff)):
        res.error = "non-finite estimate"
        return res
    res.true = float(np.max(diff)) / scale
    if bar is not None:
        bar = np.asarray(bar, dtype=float).reshape(H.shape)
        res.bar = float(np.max(bar)) / scale
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(diff == 0.0, 0.0, diff / bar)
        res.honesty = float(np.max(ratio))
    return res


# --------------------------------------------------------------------------- verdict tools


@dataclass
class Verdict:
    """One check of one (exact or wrong) Hessian."""

    tool: str
    case: str
    n: int
    seed: int
    variant: str
    verdict: str = ""
    detectable: float = float("nan")
    f_evals: int = 0
    g_evals: int = 0
    h_evals: int = 0
    seconds: float = float("nan")
    cpu: float = float("nan")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _our_verdict(r) -> str:
    v = str(getattr(r, "verdict", "")).lower()
    if v in (PASS, FAIL, INCONCLUSIVE):
        return v
    return PASS if r.ok else FAIL


def _ours_check(kind: str, with_grad: bool):
    def check(case: Case, f, g, hess, hvp):
        from checks import check_hessian, check_hvp

        kw = {"grad": g} if with_grad else {}
        r = (check_hessian(f, hess, (case.x,), **kw) if kind == "hessian"
             else check_hvp(f, hvp, (case.x,), **kw))
        return _our_verdict(r), float(getattr(r, "detectable", float("nan")))

    return check


def _gradgradcheck(fast_mode: bool):
    def check(case: Case, f, g, hess, hvp):
        import torch
        from torch.autograd import gradgradcheck

        x = torch.tensor(case.x, dtype=torch.float64, requires_grad=True)
        ok = gradgradcheck(_torch_loss(f, g, hvp), (x,), raise_exception=False,
                           fast_mode=fast_mode)
        return (PASS if ok else FAIL), float("nan")

    return check


@dataclass(frozen=True)
class VerdictTool:
    name: str
    family: str
    check: Callable[..., tuple[str, float]]
    rule: str


VERDICT_TOOLS = (
    VerdictTool("ours check_hessian full (f only)", "ours", _ours_check("hessian", False),
                "check_hessian(f, hess, (x,)): every entry against second differences of f"),
    VerdictTool("ours check_hessian full (grad=)", "ours", _ours_check("hessian", True),
                "check_hessian(f, hess, (x,), grad=g): every entry against the Jacobian of g"),
    VerdictTool("ours check_hvp directional (f only)", "ours", _ours_check("hvp", False),
                "check_hvp(f, hvp, (x,)): <u, hvp(v)> on 2 random pairs, polarised second "
                "differences of f"),
    VerdictTool("ours check_hvp directional (grad=)", "ours", _ours_check("hvp", True),
                "check_hvp(f, hvp, (x,), grad=g): <u, hvp(v)> on 2 random pairs against "
                "d/dt <u, g(x + t v)>"),
    VerdictTool("torch gradgradcheck", "torch", _gradgradcheck(False),
                "every entry: hvp(e_k) against central differences of g, eps=1e-6; "
                "|a − n| ≤ 1e-5 + 1e-3|n|"),
    VerdictTool("torch gradgradcheck fast_mode", "torch", _gradgradcheck(True),
                "one random pair u, v: uᵀ hvp(v) against the same differences; same tolerance"),
)


def _measure_verdict(tool: VerdictTool, case: Case, seed: int, label: str, A) -> Verdict:
    res = Verdict(tool.name, case.id, case.n, seed, label)
    f, g = _Counter(case.f), _Counter(case.grad)
    hess = _Counter(lambda x: A(x))
    hvp = _Counter(lambda v, x: A(x) @ v)
    t0, c0 = time.perf_counter(), time.process_time()
    out, err = _guard(lambda: tool.check(case, f, g, hess, hvp))
    res.seconds, res.cpu = time.perf_counter() - t0, time.process_time() - c0
    res.f_evals, res.g_evals, res.h_evals = f.calls, g.calls, hess.calls + hvp.calls
    if err:
        res.verdict = f"{ERROR}: {err}"
    else:
        res.verdict, res.detectable = out
    return res


# --------------------------------------------------------------------------- running


def _families(names: Sequence[str] | None) -> tuple[set[str], list[str]]:
    want = set(names) if names else {"ours", "numdifftools", "torch"}
    notes = []
    for family, module in (("ours", "checks"), ("numdifftools", "numdifftools"),
                           ("torch", "torch")):
        if family in want and not _installed(module):
            want.discard(family)
            notes.append(f"{module} is not installed: its rows are skipped")
    return want, notes


def _warm_up(families: set[str]) -> None:
    """Imports and first-call costs out of the timings."""
    case = make_cases(3, 0, ("quad-cubic",))[0]
    for tool in ACCURACY_TOOLS:
        if tool.family in families:
            _measure_accuracy(tool, case, 0)
    for tool in VERDICT_TOOLS:
        if tool.family in families:
            _measure_verdict(tool, case, 0, EXACT, case.hess)


def run(*, seeds: int = SEEDS, sizes: Sequence[int] = SIZES,
        verdict_sizes: Sequence[int] | None = None, case_ids: Sequence[str] | None = None,
        families: Sequence[str] | None = None) -> dict[str, Any]:
    """Measure every tool; the results dictionary :func:`render_section` formats."""
    from benchmarks.peers import peer_versions

    started, cpu_started = time.perf_counter(), time.process_time()
    want, notes = _families(families)
    for note in notes:
        _log(f"note: {note}")
    ids = list(case_ids) if case_ids else list(CASE_IDS)
    unknown = [c for c in ids if c not in _BUILDERS]
    if unknown:
        raise ValueError(f"unknown cases {unknown}; known: {', '.join(CASE_IDS)}")
    vsizes = [n for n in (verdict_sizes if verdict_sizes is not None else VERDICT_SIZES)]
    acc_tools = [t for t in ACCURACY_TOOLS if t.family in want]
    ver_tools = [t for t in VERDICT_TOOLS if t.family in want]
    _warm_up(want)
    accuracy: list[Accuracy] = []
    verdicts: list[Verdict] = []
    for n in sorted(set(sizes) | set(vsizes)):
        t0 = time.perf_counter()
        for seed in range(seeds):
            for case in make_cases(n, seed, ids):
                if n in sizes:
                    accuracy += [_measure_accuracy(t, case, seed) for t in acc_tools]
                if n in vsizes:
                    for label, A in case.matrices().items():
                        verdicts += [_measure_verdict(t, case, seed, label, A)
                                     for t in ver_tools]
        _log(f"n={n:<3d} {seeds} seeds x {len(ids)} functions: "
             f"{time.perf_counter() - t0:6.1f} s")
    try:
        from benchmarks.provenance import git_revision

        revision = git_revision()
    except Exception:  # noqa: BLE001
        revision = "unknown"
    versions = {k: v for k, v in peer_versions().items() if k in ("numdifftools", "torch")}
    return {
        "seeds": seeds, "sizes": sorted(sizes), "verdict_sizes": sorted(vsizes), "cases": ids,
        "notes": notes,
        "accuracy_tools": [{"name": t.name, "family": t.family, "scheme": t.scheme}
                           for t in acc_tools],
        "verdict_tools": [{"name": t.name, "family": t.family, "rule": t.rule}
                          for t in ver_tools],
        "accuracy": accuracy, "verdicts": verdicts, "versions": versions,
        "revision": revision, "elapsed": time.perf_counter() - started,
        "cpu": time.process_time() - cpu_started,
    }


# --------------------------------------------------------------------------- the markdown






def _e(v: float) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:.1e}"


def _finite(values) -> list[float]:
    """The values that are not NaN (an infinite honesty, a true error where the bar is 0,
    is kept)."""
    return [v for v in values if v is not None and not math.isnan(v)]


def _max(values) -> float:
    v = _finite(values)
    return max(v) if v else float("nan")


def _median(values) -> float:
    v = _finite(values)
    return float(np.median(v)) if v else float("nan")


def _honesty(rows: Sequence[Accuracy]) -> str:
    """Worst ``true / bar`` and how many Hessians have an entry outside its bar."""
    values = _finite(a.honesty for a in rows)
    if not values:
        return "—"
    return f"{max(values):.2g} ({sum(v > 1.0 for v in values)} of {len(values)})"


def _evals(rows: Sequence[Any], with_h: bool = False) -> str:
    f = [r.f_evals for r in rows]
    g = [r.g_evals for r in rows]
    parts = []
    if any(f):
        parts.append(f"{np.mean(f):.0f} f")
    if any(g):
        parts.append(f"{np.mean(g):.0f} grad")
    if with_h:
        h = [r.h_evals for r in rows]
        if any(h):
            parts.append(f"{np.mean(h):.0f} hess/hvp")
    return " + ".join(parts) or "0"


def _ms(rows) -> str:
    """Median CPU time of the process (robust to a loaded machine; BLAS has one thread)."""
    return f"{1e3 * _median([r.cpu for r in rows]):.1f}"


def render_section(res: dict[str, Any], *, level: int = 2) -> str:
    """The "Hessians" section of ``docs/BENCHMARKS.md`` from :func:`run`'s results."""
    h = "#" * level
    seeds = res["seeds"]
    acc: list[Accuracy] = res["accuracy"]
    ver: list[Verdict] = res["verdicts"]
    sizes = res["sizes"]
    lines = [
        f"{h} Hessians",
        "",
        f"Six functions with closed-form Hessians, at n = {', '.join(map(str, sizes))}, each on "
        f"{seeds} random points (seeds 0..{seeds - 1}: the function's parameters, then "
        "x ~ N(0, I)); the exact Hessian is evaluated in long double. Planted wrong Hessians "
        "for the verdicts: `scaled-1e-6` (H·(1 + 1e-6)), `transpose` and `dropped-term` as "
        "listed.",
        "",
    ]
    rows = [[f"`{cid}`", *CASE_INFO[cid]] for cid in res["cases"]]
    lines += table(["function", "f", "H", "`transpose` variant", "`dropped-term` drops"], rows)
    # ---- accuracy
    lines += [
        "",
        f"{h}# Accuracy and cost of the estimate",
        "",
        "Per Hessian: **true error** `max|H~ − H| / max|H|`; **bar** `max(bar) / max|H|` for "
        "the tools that give a per-entry error bar (ours; numdifftools' `error_estimate` with "
        "`full_output=True`); **honesty** `max(|H~ − H| / bar)` over the entries (≤ 1: every "
        "true error inside its bar; our check's tolerance is 10 bars), with the number of "
        "Hessians that have an entry outside its bar. Max (and median) over "
        f"the {len(res['cases'])} functions × {seeds} points; evaluations (calls of f and of "
        "grad, counted by wrappers) are the mean, **CPU ms** the median CPU time of single "
        "calls (process time, one BLAS thread: robust to a loaded machine). torch's "
        "row is the numerical Hessian `gradgradcheck` compares against "
        "(`_get_numerical_jacobian` of the gradient, eps = 1e-6, not symmetrised); torch has "
        "no numerical Hessian of f alone.",
        "",
    ]
    tools = [t["name"] for t in res["accuracy_tools"]]
    rows = []
    for t in tools:
        for n in sizes:
            mine = [a for a in acc if a.tool == t and a.n == n]
            if not mine:
                continue
            ok = [a for a in mine if not a.error]
            errs = len(mine) - len(ok)
            rows.append([
                t, n, f"{_e(_max(a.true for a in ok))} ({_e(_median(a.true for a in ok))})",
                _e(_max(a.bar for a in ok)), _honesty(ok),
                _evals(mine), _ms(ok or mine), bold(errs),
            ])
    lines += table(["estimate", "n", "true error max (median)", "bar max", "honesty max",
                     "evaluations", "CPU ms", "errors"], rows)
    # per function, worst over sizes
    lines += ["", f"Worst true error per function (over n = {', '.join(map(str, sizes))} and "
              "the points); honesty max in brackets where there is a bar:", ""]
    rows = []
    for cid in res["cases"]:
        row = [f"`{cid}`"]
        for t in tools:
            ok = [a for a in acc if a.tool == t and a.case == cid and not a.error]
            bad = sum(1 for a in acc if a.tool == t and a.case == cid and a.error)
            if not ok:
                row.append(f"error ×{bad}" if bad else "—")
                continue
            cell = _e(_max(a.true for a in ok))
            if _finite(a.honesty for a in ok):
                cell += f" ({_max(a.honesty for a in ok):.2g})"
            if bad:
                cell += f", error ×{bad}"
            row.append(cell)
        rows.append(row)
    lines += table(["function"] + tools, rows)
    errors = sorted({(a.tool, a.case, a.error) for a in acc if a.error})
    if errors:
        lines += ["", "Errors of the estimates:", ""]
        lines += [f"* {t} on `{c}`: {e}" for t, c, e in errors[:10]]
    # ---- verdicts
    vs = res["verdict_sizes"]
    lines += [
        "",
        f"{h}# Verdicts: false alarms, false passes, cost per check",
        "",
        f"At n = {', '.join(map(str, vs))} ({seeds} points each), every function: the exact "
        "Hessian (a rejection is a **false alarm**) and each planted wrong one (an acceptance "
        "is a **false pass**); the Hessian-vector product under test is `v ↦ A(x) v` for the "
        "matrix `A` under test. Our verdict `\"inconclusive\"` counts as neither; a raise is no "
        "pass (shown under errors). torch's `gradgradcheck` runs on the numpy loss wrapped in "
        "a `torch.autograd.Function` whose backward is `grad_output · G(x)`, `G` a second "
        "`Function` (forward: the numpy gradient; backward: `u ↦ hvp(u, x)`), so it compares "
        "the HVP under test with central differences of the exact gradient (it never "
        "evaluates f's second differences, and trusts the gradient).",
        "",
    ]
    vtools = res["verdict_tools"]
    rows = []
    for t in vtools:
        mine = [v for v in ver if v.tool == t["name"]]
        exact = [v for v in mine if v.variant == EXACT]
        alarms = sum(v.verdict.startswith((FAIL, ERROR)) for v in exact)
        inc_exact = sum(v.verdict == INCONCLUSIVE for v in exact)
        row = [t["name"], f"{bold(alarms)} of {len(exact)}"]
        wrong_all = []
        for label in VARIANTS:
            w = [v for v in mine if v.variant == label]
            wrong_all += w
            passes = sum(v.verdict == PASS for v in w)
            row.append(f"{bold(passes)} of {len(w)}" if w else "—")
        inc_w = sum(v.verdict == INCONCLUSIVE for v in wrong_all)
        err = (sum(v.verdict.startswith(ERROR) for v in exact),
               sum(v.verdict.startswith(ERROR) for v in wrong_all))
        row += [f"{inc_exact} / {inc_w}", f"{err[0]} / {err[1]}"]
        rows.append(row)
    lines += table(["check", "false alarms"] + [f"false passes: `{v}`" for v in VARIANTS]
                    + ["inconclusive (exact / wrong)", "errors (exact / wrong)"], rows)
    # per function
    lines += ["", "Per function: false alarms · false passes "
              f"({' / '.join(VARIANTS)}), over n = {', '.join(map(str, vs))}:", ""]
    rows = []
    for cid in res["cases"]:
        row = [f"`{cid}`"]
        for t in vtools:
            mine = [v for v in ver if v.tool == t["name"] and v.case == cid]
            if not mine:
                row.append("—")
                continue
            alarms = sum(v.verdict.startswith((FAIL, ERROR)) for v in mine
                         if v.variant == EXACT)
            parts = []
            for label in VARIANTS:
                w = [v for v in mine if v.variant == label]
                parts.append(str(sum(v.verdict == PASS for v in w)) if w else "—")
            row.append(f"{bold(alarms)} · {' / '.join(parts)}")
        rows.append(row)
    lines += table(["function"] + [t["name"] for t in vtools], rows)
    # detectable and cost per check
    lines += ["", "Cost per check (mean calls of f, grad and of the Hessian / HVP under test; "
              "median CPU ms) and, for ours, the median `detectable` it reported on the exact "
              "Hessian: the promise for any error pattern (no Hessian whose error "
              "`max|A − H| / max|H|` exceeds it can pass; in directional mode with probability "
              "≥ 99.9 % over the random pairs). An error spread over the whole matrix, such as "
              "`scaled-1e-6`, is seen far below it, at the pairs' tolerance (about 1e-8 "
              "relative):", ""]
    rows = []
    for t in vtools:
        for n in vs:
            mine = [v for v in ver if v.tool == t["name"] and v.n == n]
            if not mine:
                continue
            exact = [v for v in mine if v.variant == EXACT]
            det = _median(v.detectable for v in exact)
            rows.append([t["name"], n, _evals(mine, with_h=True), _ms(mine),
                         _e(det) if t["family"] == "ours" else "—"])
    lines += table(["check", "n", "evaluations per check", "CPU ms", "detectable (median)"], rows)
    lines += ["", "Checks and their rules:", ""]
    lines += [f"* {t['name']}: {t['rule']}" for t in vtools]
    # errors
    verrs = sorted({(v.tool, v.case, v.verdict) for v in ver if v.verdict.startswith(ERROR)})
    if verrs:
        lines += ["", "Errors of the checks (first ones):", ""]
        lines += [f"* {t} on `{c}`: {e}" for t, c, e in verrs[:10]]
    cpu = f" ({res['cpu']:.0f} s CPU)" if "cpu" in res else ""
    lines += ["", "Generated by `python -m benchmarks.hessian` in "
              f"{res['elapsed']:.0f} s{cpu}, git "
              f"{res['revision']}; "
              + ", ".join(f"{k} {v}" for k, v in res["versions"].items()) + "."]
    if res["notes"]:
        lines += [""] + [f"* {n}" for n in res["notes"]]
    return "\n".join(lines) + "\n"




def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hessian",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=SEEDS,
                        help=f"points per function and size (default {SEEDS})")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES),
                        help="sizes n of the accuracy table (default "
                        f"{' '.join(map(str, SIZES))}; none: skip it)")
    parser.add_argument("--verdict-sizes", type=int, nargs="*", default=list(VERDICT_SIZES),
                        help="sizes n of the verdict table (default "
                        f"{' '.join(map(str, VERDICT_SIZES))}; none: skip it)")
    parser.add_argument("--cases", nargs="+", help=f"functions (default: {' '.join(CASE_IDS)})")
    parser.add_argument("--tools", nargs="+",
                        help="families: ours numdifftools torch (default: all installed)")
    parser.add_argument("--out", help="write the markdown section here (default: print it)")
    parser.add_argument("--json", help="write the raw measurements here ('-': stdout)")
    args = parser.parse_args(argv)
    res = run(seeds=args.seeds, sizes=args.sizes, verdict_sizes=args.verdict_sizes,
              case_ids=args.cases, families=args.tools)
    text = render_section(res)
    emit(text, res, out=args.out, json_path=args.json, log=_log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
