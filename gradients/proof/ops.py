r"""The two back ends a builder runs on: explicit matrices, and matrices of symbolic size.

A builder (:data:`gradients.proof.forms.Builder`) is written once in the operations of ``o``.
:class:`_Ops` gives them on explicit SymPy matrices of symbolic entries (``X[0,1]``): the
exact checks at fixed sizes (:mod:`gradients.proof.exact`). :class:`_GeneralOps` gives them
on ``MatrixSymbol``\ s of symbolic size (``X`` of shape ``(n, n)``): SymPy's matrix calculus
for all sizes (:mod:`gradients.proof.canonical`). :func:`_general_variables` and
:func:`_explicit_variables` make a form's variables for each.

>>> from gradients.proof.forms import SymbolicForm
>>> form = SymbolicForm(id="tr", shapes={"X": ("n", "n")}, loss_args=("X",),
...                     answer_args=("X",), wrt="X", loss=lambda o, X: o.tr(X @ X),
...                     answer=lambda o, X: 2 * X.T, dims={"n": 2})
>>> X = _explicit_variables(form, {"n": 2})["X"]
>>> form.loss(_Ops(), X=X)
X[0,0]**2 + 2*X[0,1]*X[1,0] + X[1,1]**2
>>> _general_variables(form)["X"].shape
(n, n)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradients.proof.backend import _sympy, exact_inverse, functions
from gradients.proof.forms import SymbolicForm


class _Ops:
    """The operations a builder is written with, at fixed sizes (explicit SymPy matrices)."""

    general = False

    def __init__(self) -> None:
        self.sp = sp = _sympy()
        self.pi = sp.pi

    def ones(self, r: Any, c: Any) -> Any:
        return self.sp.ones(r, c)

    def zeros(self, r: Any, c: Any) -> Any:
        return self.sp.zeros(r, c)

    def eye(self, n: Any) -> Any:
        return self.sp.eye(n)

    def had(self, *ms: Any) -> Any:
        return functools.reduce(lambda a, b: a.multiply_elementwise(b), ms)

    def sigmoid(self, m: Any) -> Any:
        return m.applyfunc(lambda a: 1 / (1 + self.sp.exp(-a)))

    def tanh(self, m: Any) -> Any:
        return m.applyfunc(self.sp.tanh)

    def softplus(self, m: Any) -> Any:
        return m.applyfunc(lambda a: self.sp.log(1 + self.sp.exp(a)))

    def sum(self, m: Any) -> Any:
        return self.sp.Matrix([[sum(m)]])

    def tr(self, m: Any) -> Any:
        return m.trace()

    def pow(self, m: Any, k: int) -> Any:
        return m**k

    def inv(self, m: Any) -> Any:
        return exact_inverse(m)

    def diag(self, v: Any) -> Any:
        return self.sp.diag(*v)

    def zero_tensor(self, *shape: int) -> Any:
        return np.full(shape, self.sp.Integer(0), dtype=object)

    def const(self, c: Any) -> Any:
        return self.sp.Matrix([[c]])

    def log_scalar(self, c: Any) -> Any:
        return self.sp.log(c)

    def sqrt_scalar(self, c: Any) -> Any:
        return self.sp.sqrt(c)


class _GeneralOps(_Ops):
    """The same operations at symbolic sizes (SymPy matrix expressions)."""

    general = True

    def ones(self, r: Any, c: Any) -> Any:
        return self.sp.OneMatrix(r, c)

    def zeros(self, r: Any, c: Any) -> Any:
        return self.sp.ZeroMatrix(r, c)

    def eye(self, n: Any) -> Any:
        return self.sp.Identity(n)

    def had(self, *ms: Any) -> Any:
        return self.sp.HadamardProduct(*ms)

    def _apply(self, m: Any, body: Callable[[Any], Any]) -> Any:
        d = self.sp.Symbol("_d", real=True)  # one name: equal functions compare equal
        return m.applyfunc(self.sp.Lambda(d, body(d)))

    def sigmoid(self, m: Any) -> Any:
        return self._apply(m, lambda a: 1 / (1 + self.sp.exp(-a)))

    def tanh(self, m: Any) -> Any:
        return self._apply(m, self.sp.tanh)

    def softplus(self, m: Any) -> Any:
        return self._apply(m, lambda a: self.sp.log(1 + self.sp.exp(a)))

    def sum(self, m: Any) -> Any:
        r, c = m.shape
        return self.sp.OneMatrix(1, r) @ m @ self.sp.OneMatrix(c, 1)

    def tr(self, m: Any) -> Any:
        return self.sp.Trace(m)

    def pow(self, m: Any, k: int) -> Any:
        return self.sp.Identity(m.shape[0]) if k == 0 else self.sp.MatPow(m, k)

    def inv(self, m: Any) -> Any:
        return self.sp.Inverse(m)

    def diag(self, v: Any) -> Any:
        return self.sp.DiagMatrix(v)

    def zero_tensor(self, *shape: Any) -> Any:
        return self.sp.S.Zero  # the zero of any shape: compared as "does not depend on it"

    def const(self, c: Any) -> Any:
        return c * self.sp.Identity(1)


def _scalar_symbol(name: str, form: SymbolicForm) -> Any:
    sp = _sympy()
    if name in form.positive:
        return sp.Symbol(name, positive=True)
    if name in form.nonnegative:
        return sp.Symbol(name, nonnegative=True)
    return sp.Symbol(name, real=True)


@functools.cache
def _size_symbol(name: str) -> Any:
    return _sympy().Symbol(name, integer=True, positive=True)


def _general_variables(form: SymbolicForm) -> dict[str, Any]:
    sp = _sympy()
    out = {}
    for name, shape in form.shapes.items():
        if not shape:
            out[name] = _scalar_symbol(name, form)
        else:
            dims = [_size_symbol(d) for d in shape] + ([1] if len(shape) == 1 else [])
            out[name] = sp.MatrixSymbol(name, *dims)
    return out


def _explicit_variables(form: SymbolicForm, sizes: Mapping[str, int]) -> dict[str, Any]:
    """Explicit matrices of symbols (``X[0,1]``, ``w[2]``); vectors as columns."""
    sp = _sympy()
    out = {}
    for name, shape in form.shapes.items():
        if not shape:
            out[name] = _scalar_symbol(name, form)
        elif len(shape) == 1:
            out[name] = sp.Matrix(sizes[shape[0]], 1,
                                  lambda i, j, n=name: sp.Symbol(f"{n}[{i}]", real=True))
        else:
            out[name] = sp.Matrix(sizes[shape[0]], sizes[shape[1]],
                                  lambda i, j, n=name: sp.Symbol(f"{n}[{i},{j}]", real=True))
    return out


def _sigmoid_ops(ops: _Ops) -> _Ops:
    sig, soft = functions()
    ops.sigmoid = lambda m: m.applyfunc(sig)  # type: ignore[method-assign]
    ops.softplus = lambda m: m.applyfunc(soft)  # type: ignore[method-assign]
    return ops
