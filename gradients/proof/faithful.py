"""Faithfulness: whether a symbolic form is the numpy code it stands for.

What the prover shows is about the builders; that they compute what the numpy loss and
formula compute is checked numerically: both are evaluated at random points, the symbolic
side exactly at the floats given and rounded at the end (:func:`_evaluate_builder`), and the
largest relative difference is :attr:`~gradients.proof.results.ProofResult.faithful`.

>>> import numpy as np
>>> from gradients.proof.forms import SymbolicForm
>>> form = SymbolicForm(id="tr", shapes={"X": ("n", "n")}, loss_args=("X",),
...                     answer_args=("X",), wrt="X", loss=lambda o, X: o.tr(X @ X),
...                     answer=lambda o, X: 2 * X.T, dims={"n": 2})
>>> err, where = _faithful(form, lambda X: np.trace(X @ X), lambda X: 2 * X.T)
>>> err < 1e-12
True
>>> _faithful(form, lambda X: np.trace(X @ X), lambda X: 2 * X)[1]
'answer'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradients.proof.backend import _sympy
from gradients.proof.exact import (
    _ZERO_DIGITS,
    _answer_shape,
    _as_array,
    _param_sets,
    _scalar_loss,
)
from gradients.proof.forms import SymbolicForm
from gradients.proof.ops import _Ops, _sigmoid_ops
from gradients.proof.zero import _numeric


def _evaluate_builder(form: SymbolicForm, builder: Callable[..., Any],
                      numbers: Mapping[str, Any], args: Sequence[str], loss: bool) -> Any:
    sp = _sympy()
    values: dict[str, Any] = {}
    for name in args:
        if name not in form.shapes:
            values[name] = numbers[name]  # a fixed parameter (k)
            continue
        array = np.asarray(numbers[name], dtype=float)
        if array.ndim == 0:
            values[name] = sp.Float(float(array), _ZERO_DIGITS)
        else:
            rows = array.reshape(array.shape[0], -1)
            values[name] = sp.Matrix(rows.shape[0], rows.shape[1],
                                     lambda i, j, r=rows: sp.Float(float(r[i, j]), _ZERO_DIGITS))
    result = builder(_sigmoid_ops(_Ops()), **values)
    sizes = {d: n for name in args if name in form.shapes
             for d, n in zip(form.shapes[name], np.shape(numbers[name]), strict=True)}
    if loss and form.kind not in ("jacobian", "vjp"):
        return float(sp.N(_numeric(_scalar_loss(result)), _ZERO_DIGITS))
    shape = tuple(sizes[d] for d in form.out_shape) if loss else _answer_shape(form, sizes)
    array = _as_array(result, shape)
    return np.vectorize(lambda e: float(sp.N(_numeric(e), _ZERO_DIGITS)),
                        otypes=[float])(array)


def _faithful(form: SymbolicForm, loss: Callable[..., Any],
              grad: Callable[..., Any]) -> tuple[float, str]:
    """Largest relative difference of the symbolic loss and answer from the numpy code.

    ``loss`` and ``grad`` are the numpy functions (of ``form.loss_args`` and
    ``form.answer_args``). At one size (every dimension 2, or its bound if smaller), for every
    fixed parameter, at a random point (labels from their set); the symbolic side evaluated
    to 30 digits.
    """
    sizes = {dim: min(2, bound) for dim, bound in form.dims.items()}
    rng = np.random.default_rng(0)
    worst, where = 0.0, ""
    for params in _param_sets(form):
        numbers: dict[str, Any] = dict(params)
        for name, shape in form.shapes.items():
            dims = tuple(sizes[s] for s in shape)
            if name in form.labels:
                x = rng.choice(np.array(form.labels[name], dtype=float), size=dims)
            elif name == form.lr:
                x = np.float64(0.125)
            elif name in form.positive or name in form.nonnegative:
                x = rng.uniform(0.5, 2.0, size=dims)
            else:
                x = rng.standard_normal(dims)
            numbers[name] = x if dims else float(x)
        pairs = [
            ("loss", form.loss, form.loss_args, loss),
            ("answer", form.answer, form.answer_args, grad),
        ]
        for what, builder, args, fn in pairs:
            got = np.asarray(_evaluate_builder(form, builder, numbers, args, what == "loss"),
                             dtype=float)
            want = np.asarray(fn(*[numbers[a] for a in args]), dtype=float)
            got = got.reshape(want.shape)
            err = float(np.max(np.abs(got - want), initial=0.0)
                        / max(1.0, float(np.max(np.abs(want), initial=0.0))))
            if err >= worst:
                worst, where = err, what
    return worst, where
