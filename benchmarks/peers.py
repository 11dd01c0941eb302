"""Adapters for the peers, each at its default settings, on the same numpy functions.

* ``scipy.optimize.check_grad`` (forward difference, absolute step ``sqrt(eps)``; returns
  ``||g - fd||_2``, no verdict); its accuracy is that of ``approx_fprime`` with the same step.
* ``numdifftools.Gradient`` default and ``method="complex"`` (an estimate, no verdict). The
  complex row evaluates the problem's complex-safe twin.
* ``torch.autograd.gradcheck`` default and ``fast_mode=True``: the numpy loss is wrapped in a
  ``torch.autograd.Function`` whose forward calls it and whose backward returns the gradient
  under test, so torch checks *our* gradient, not its own autograd.
* ``jax.test_util.check_grads(f, (x,), order=1)`` (modes ``fwd`` and ``rev``): the loss is a
  ``jax.custom_jvp`` whose primal and tangent call numpy through ``jax.pure_callback``
  (float64, ``jax_enable_x64``).

A peer that is not installed is skipped; :func:`peer_tools` returns a note saying so.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np

from benchmarks.measure import Outcome, Tool

__all__ = [
    "JaxCheckGrads",
    "Numdifftools",
    "ScipyCheckGrad",
    "TorchGradcheck",
    "peer_tools",
    "peer_versions",
]


def _flat(problem, fn):
    shape = problem.x.shape
    return lambda v: fn(np.reshape(v, shape))


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class ScipyCheckGrad(Tool):
    name = "scipy check_grad"
    family = "scipy"
    scope = "full"
    has_verdict = False
    scheme = "forward, absolute step 1.49e-8; returns ||g - fd||_2, no verdict"

    def check(self, problem, grad):
        from scipy.optimize import check_grad

        shape = problem.x.shape
        value = check_grad(
            _flat(problem, problem.f), lambda v: grad(np.reshape(v, shape)).ravel(),
            problem.x.ravel(),
        )
        return Outcome(None, detail=f"||g - fd|| = {value:.2g}")

    def numerical(self, problem):
        from scipy.optimize import approx_fprime

        g = approx_fprime(problem.x.ravel(), _flat(problem, problem.f))
        return g.reshape(problem.x.shape), problem.exact


class Numdifftools(Tool):
    family = "numdifftools"
    scope = "full"
    has_verdict = False

    def __init__(self, method: str | None = None):
        self.method = method
        if method is None:
            self.name = "numdifftools Gradient"
            self.scheme = "central, many steps + Richardson; an estimate, no verdict"
        else:
            self.name = f"numdifftools Gradient {method}"
            self.scheme = f"{method} step; an estimate, no verdict"

    def check(self, problem, grad):
        import numdifftools as nd

        if self.method is None:
            est = nd.Gradient(_flat(problem, problem.f))
        else:
            est = nd.Gradient(_flat(problem, problem.f_complex), method=self.method)
        g = np.asarray(est(problem.x.ravel()), dtype=float).reshape(problem.x.shape)
        return Outcome(None, g, problem.exact)


def _torch_function(problem, grad):
    import torch

    class Loss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.tensor(problem.f(x.detach().numpy()), dtype=torch.float64)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            g = np.ascontiguousarray(grad(x.detach().numpy()), dtype=np.float64)
            return grad_output * torch.from_numpy(g)

    return Loss.apply


class TorchGradcheck(Tool):
    family = "torch"
    has_verdict = True

    def __init__(self, fast_mode: bool = False):
        self.fast_mode = fast_mode
        self.scope = "directional" if fast_mode else "full"
        self.name = "torch gradcheck fast_mode" if fast_mode else "torch gradcheck"
        self.scheme = (
            "central, eps=1e-6, one random u >= 0; |a-n| <= 1e-5 + 1e-3|n|"
            if fast_mode
            else "central, eps=1e-6, every entry; |a-n| <= 1e-5 + 1e-3|n|"
        )

    def check(self, problem, grad):
        import torch
        from torch.autograd import gradcheck

        x = torch.tensor(problem.x, dtype=torch.float64, requires_grad=True)
        ok = gradcheck(
            _torch_function(problem, grad), (x,), raise_exception=False, fast_mode=self.fast_mode
        )
        return Outcome(bool(ok))

    def numerical(self, problem):
        """The numerical side of torch's check, with torch's own (private) helpers."""
        import torch

        tg = sys.modules["torch.autograd.gradcheck"]
        fn = _torch_function(problem, problem.grad)
        x = torch.tensor(problem.x, dtype=torch.float64, requires_grad=True)
        if not self.fast_mode:
            jac = tg._get_numerical_jacobian(fn, (x,), eps=1e-6)
            return jac[0][0].numpy().reshape(problem.x.shape), problem.exact
        u = tg._vec_from_tensor(x, torch.Generator().manual_seed(0))
        ju = tg._get_numerical_vJu(fn, (x,), [0], fn(x), [u], None, 1e-6, False)
        num = float(np.ravel(ju[0][0].detach().numpy())[0])
        ref = float(problem.exact.ravel() @ u.numpy())
        return np.array([num]), np.array([ref])


def _jax():
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def _jax_function(problem, grad):
    jax = _jax()
    jnp = jax.numpy
    shape = problem.x.shape

    def f_np(x):
        return np.float64(problem.f(np.asarray(x, dtype=np.float64)))

    def g_np(x):
        return np.asarray(grad(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    @jax.custom_jvp
    def loss(x):
        return jax.pure_callback(f_np, jax.ShapeDtypeStruct((), jnp.float64), x)

    @loss.defjvp
    def loss_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        g = jax.pure_callback(g_np, jax.ShapeDtypeStruct(shape, jnp.float64), x)
        return loss(x), jnp.sum(g * t)

    return loss


class JaxCheckGrads(Tool):
    name = "jax check_grads"
    family = "jax"
    scope = "directional"
    has_verdict = True
    scheme = "central, eps=1e-4, one N(0,1) tangent (seed 0); atol=rtol=1e-5 (float64)"

    def __init__(self):
        # one traced function per (problem, gradient): repeated checks reuse jax's caches,
        # as a user's repeated calls on one function would
        self._functions: dict = {}

    def _function(self, problem, grad):
        key = (id(problem), grad)
        if key not in self._functions:
            self._functions[key] = (problem, _jax_function(problem, grad))
        return self._functions[key][1]

    def check(self, problem, grad):
        jax = _jax()
        from jax.test_util import check_grads

        x = jax.numpy.asarray(problem.x)
        try:
            check_grads(self._function(problem, grad), (x,), order=1)
        except AssertionError:
            return Outcome(False)
        return Outcome(True)

    def numerical(self, problem):
        jax = _jax()
        from jax._src import public_test_util as ptu

        x = jax.numpy.asarray(problem.x)
        t = ptu.rand_like(np.random.RandomState(0), problem.x)
        num = ptu.numerical_jvp(_jax_function(problem, problem.grad), (x,), (t,), eps=ptu.EPS)
        ref = float(np.sum(problem.exact * t))
        return np.array([float(num)]), np.array([ref])


def peer_tools() -> tuple[list[Tool], list[str]]:
    """The installed peers, in table order, and a note for each one that is skipped."""
    tools: list[Tool] = []
    notes: list[str] = []
    if _installed("scipy"):
        tools.append(ScipyCheckGrad())
    else:
        notes.append("scipy is not installed: scipy check_grad skipped")
    if _installed("numdifftools"):
        tools += [Numdifftools(), Numdifftools("complex")]
    else:
        notes.append("numdifftools is not installed: numdifftools Gradient skipped")
    if _installed("torch"):
        tools += [TorchGradcheck(), TorchGradcheck(fast_mode=True)]
    else:
        notes.append("torch is not installed (pip install torch): torch gradcheck skipped")
    if _installed("jax") and _installed("jaxlib"):
        tools.append(JaxCheckGrads())
    else:
        notes.append("jax is not installed (pip install jax jaxlib): jax check_grads skipped")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return tools, notes


def peer_versions() -> dict[str, str]:
    """Installed versions of the peers (``"not installed"`` otherwise)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("scipy", "numdifftools", "torch", "jax", "jaxlib", "matplotlib"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out
