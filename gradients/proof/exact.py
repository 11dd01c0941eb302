"""Exact proofs at fixed sizes, and refutation with a witness.

At every size up to a form's bounds (``n <= 3``, ...) the loss is written with explicit
matrices of symbolic entries (``X[0,1]``), differentiated entry by entry with ordinary scalar
calculus, and the difference to the formula is reduced to zero by the exact zero test
(:mod:`gradients.proof.zero`): a proof at that size, for all values of the entries (and
labels). Where it does not reduce, the difference is evaluated at random rational points
(labels from their set, 30 significant digits); a clearly non-zero value refutes the formula
at that size, with the difference and the point as the :class:`~gradients.proof.results.Witness`.

>>> from gradients.proof.forms import Candidate, SymbolicForm
>>> form = SymbolicForm(id="tr", shapes={"X": ("n", "n")}, loss_args=("X",),
...                     answer_args=("X",), wrt="X", loss=lambda o, X: o.tr(X @ X),
...                     answer=lambda o, X: 2 * X.T, dims={"n": 2})
>>> [s["n"] for s in _all_sizes(form)]
[1, 2]
>>> _check_size(form, None, {"n": 2}, {}).kind
'zero'
>>> wrong = Candidate("2 X", builder=lambda o, X: 2 * X)
>>> _check_size(form, wrong, {"n": 2}, {}).witness.sizes
{'n': 2}
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradients.proof.backend import _sympy
from gradients.proof.forms import Candidate, SymbolicForm
from gradients.proof.ops import (
    _explicit_variables,
    _general_variables,
    _Ops,
    _sigmoid_ops,
    _size_symbol,
)
from gradients.proof.results import Witness
from gradients.proof.zero import _exact, _is_zero, _numeric, _with_inverses

_ZERO_DIGITS = 30  # significant digits of a witness evaluation
_NONZERO = 1e-12  # a witness value above this (at 30 digits) is not round-off


def _all_sizes(form: SymbolicForm) -> list[dict[str, int]]:
    dims = list(form.dims)
    combos = itertools.product(*(range(1, form.dims[d] + 1) for d in dims))
    sizes = [dict(zip(dims, c, strict=True)) for c in combos]
    if form.size_ok is not None:
        sizes = [s for s in sizes if form.size_ok(s)]
    return sorted(sizes, key=lambda s: (sum(s.values()), tuple(s.values())))


def _param_sets(form: SymbolicForm) -> list[dict[str, int]]:
    names = list(form.params)
    return [dict(zip(names, vals, strict=True))
            for vals in itertools.product(*(form.params[n] for n in names))]


@dataclass
class _Outcome:
    kind: str  # "zero", "refuted", "undecided"
    witness: Witness | None = None
    labels_needed: bool = False


def _answer_shape(form: SymbolicForm, sizes: Mapping[str, int]) -> tuple[int, ...]:
    """The numpy shape of the answer: the differentiated variable's, twice for a Hessian."""
    shape = tuple(sizes[d] for d in form.shapes[form.wrt])
    if form.kind == "jacobian":
        return tuple(sizes[d] for d in form.out_shape) + shape
    return shape + shape if form.kind == "hessian" else shape


def _to_numpy(value: Any, shape: tuple[str, ...] | None) -> Any:
    """An explicit variable as the numpy code sees it: 1-d vectors, 0-d scalars as symbols."""
    if shape is None or not isinstance(value, _sympy().MatrixBase):
        return value
    array = np.array(value.tolist(), dtype=object)
    return array.reshape(-1) if len(shape) == 1 else array


def _as_array(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    sp = _sympy()
    if isinstance(value, sp.MatrixBase):
        array = np.array(value.tolist(), dtype=object)
        if len(shape) == 1 and array.shape == (shape[0], 1):
            array = array.reshape(-1)
        return array
    return np.asarray(value, dtype=object)


def _answer_at(form: SymbolicForm, cand: Candidate | None, values: Mapping[str, Any],
               sizes: Mapping[str, int]) -> Any:
    sp = _sympy()
    o = _sigmoid_ops(_Ops())
    args = {a: values[a] for a in form.answer_args}
    if cand is None:
        return form.answer(o, **args)
    if cand.builder is not None:
        return cand.builder(o, **args)
    if cand.explicit is not None:
        shaped = [_to_numpy(values[a], form.shapes.get(a)) for a in form.answer_args]
        return cand.explicit(*shaped)
    assert cand.general is not None
    general = _general_variables(form)
    expr = cand.general({**general, **{k: v for k, v in values.items() if k not in general}})
    swap = {general[n]: sp.ImmutableMatrix(values[n]) if isinstance(values[n], sp.MatrixBase)
            else values[n] for n in general}
    swap.update({_size_symbol(d): sizes[d] for d in sizes})
    out = expr.xreplace(swap)
    out = out.doit() if hasattr(out, "doit") else out
    return out.as_explicit() if hasattr(out, "as_explicit") else out


def _scalar_loss(loss: Any) -> Any:
    sp = _sympy()
    if isinstance(loss, sp.MatrixBase):
        if loss.shape != (1, 1):
            raise ValueError(f"a loss must be 1 x 1, got shape {loss.shape}")
        return loss[0, 0]
    return loss


def _difference(form: SymbolicForm, cand: Candidate | None, sizes: Mapping[str, int],
                params: Mapping[str, int], loss_builder: Callable[..., Any] | None,
                what: str) -> tuple[np.ndarray | None, str, dict[str, Any]]:
    """``(difference, shape_message, values)`` at one size: zero where the claim holds."""
    sp = _sympy()
    values: dict[str, Any] = {**_explicit_variables(form, sizes), **params}
    o = _sigmoid_ops(_Ops())
    if form.kind in ("jacobian", "vjp"):
        return _map_difference(form, cand, sizes, values)
    true_loss = _scalar_loss(form.loss(o, **{a: values[a] for a in form.loss_args}))
    if what == "loss":
        assert loss_builder is not None
        other = _scalar_loss(loss_builder(o, **{a: values[a] for a in form.loss_args}))
        return np.array([[other - true_loss]], dtype=object), "", values
    loss = true_loss if loss_builder is None else _scalar_loss(
        loss_builder(o, **{a: values[a] for a in form.loss_args}))
    V = values[form.wrt]
    shape = tuple(sizes[d] for d in form.shapes[form.wrt])
    if loss.is_polynomial(*V):  # a sum of monomials differentiates fast; a product tree not
        loss = sp.expand(loss)
    grad = _as_array(V.applyfunc(lambda x: sp.diff(loss, x)), shape)
    expected = _answer_shape(form, sizes)
    array = _as_array(_answer_at(form, cand, values, sizes), expected)
    if array.shape != expected:
        what = {"stationary": "maximiser", "step": "new w", "newton": "new w",
                "hessian": "Hessian", "hvp": "Hessian-vector product"}.get(form.kind, "gradient")
        return None, (f"the candidate has shape {array.shape}, the {what} has shape "
                      f"{expected}"), values
    array = np.vectorize(_exact, otypes=[object])(array)
    w = _as_array(V, shape)
    entries = list(w.ravel())
    if form.kind == "step":
        implied = (w - array) / values[form.lr]
        return implied - grad, "", values
    if form.kind == "stationary":
        swap = {a: b for a, b in zip(entries, array.ravel(), strict=True)}
        return np.vectorize(lambda g: sp.sympify(g).xreplace(swap), otypes=[object])(grad), \
            "", values
    if form.kind == "hessian":
        hessian = np.array([[sp.diff(g, x) for x in entries] for g in grad.ravel()],
                           dtype=object).reshape(expected)
        return array - hessian, "", values
    if form.kind == "hvp":
        # H V = grad <grad L, V> (mixed partials commute): n + n derivatives, not n^2
        direction = list(_as_array(values[form.direction], shape).ravel())
        along = sum((g * v for g, v in zip(grad.ravel(), direction, strict=True)),
                    sp.Integer(0))
        hvp = np.array([sp.diff(along, x) for x in entries], dtype=object).reshape(shape)
        return array - hvp, "", values
    if form.kind == "newton":
        hessian = np.array([[sp.diff(g, x) for x in entries] for g in grad.ravel()],
                           dtype=object)
        implied = hessian.dot(w.ravel() - array.ravel())
        return (implied - grad.ravel()).reshape(shape), "", values
    return array - grad, "", values


def _map_difference(form: SymbolicForm, cand: Candidate | None, sizes: Mapping[str, int],
                    values: dict[str, Any]) -> tuple[np.ndarray | None, str, dict[str, Any]]:
    """:func:`_difference` for a map ``F``: its Jacobian, or ``grad <u, F>`` for a VJP."""
    sp = _sympy()
    o = _sigmoid_ops(_Ops())
    F = form.loss(o, **{a: values[a] for a in form.loss_args})
    V = values[form.wrt]
    entries = list(V)
    if form.kind == "vjp":
        u = values[form.direction]
        along = sum((a * b for a, b in zip(u, F, strict=True)), sp.Integer(0))
        truth = np.array([sp.diff(along, x) for x in entries], dtype=object)
    else:
        truth = np.array([[sp.diff(f, x) for x in entries] for f in F], dtype=object)
    expected = _answer_shape(form, sizes)
    truth = truth.reshape(expected)
    array = _as_array(_answer_at(form, cand, values, sizes), expected)
    if array.shape != expected:
        what = "Jacobian" if form.kind == "jacobian" else "vector-Jacobian product"
        return None, (f"the candidate has shape {array.shape}, the {what} has shape "
                      f"{expected}"), values
    return np.vectorize(_exact, otypes=[object])(array) - truth, "", values


def _point(form: SymbolicForm, values: Mapping[str, Any], rng: random.Random) -> dict[Any, Any]:
    sp = _sympy()
    point: dict[Any, Any] = {}
    choices = [sp.Rational(n, 2) for n in range(-5, 6) if n]
    for name, value in values.items():
        if name not in form.shapes:
            continue
        symbols = list(value) if isinstance(value, sp.MatrixBase) else [value]
        for s in symbols:
            if name in form.labels:
                point[s] = sp.Integer(rng.choice(form.labels[name]))
            elif name in form.positive:
                point[s] = sp.Rational(rng.randint(1, 6), 2)
            elif name in form.nonnegative:
                point[s] = sp.Rational(rng.randint(0, 6), 2)
            else:
                point[s] = rng.choice(choices)
    return point


def _evaluate(e: Any, point: Mapping[Any, Any]) -> Any:
    sp = _sympy()
    value = _numeric(e).xreplace(point)
    try:
        value = sp.N(value, _ZERO_DIGITS)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None
    try:
        complex(value)
    except TypeError:
        return None
    return value


def _display(array: np.ndarray, zero: np.ndarray) -> str:
    sp = _sympy()
    shown = np.empty(array.shape, dtype=object)
    for idx in np.ndindex(array.shape):
        e = _with_inverses(sp.sympify(array[idx]))
        if zero[idx]:
            shown[idx] = sp.Integer(0)
            continue
        try:
            shown[idx] = sp.factor(sp.simplify(e)) if sp.count_ops(e) < 150 else e
        except Exception:  # noqa: BLE001 - display only; the raw difference is as good
            shown[idx] = e
    text = str(sp.Matrix(shown.reshape(shown.shape[0], -1) if shown.ndim else [[shown[()]]]))
    if shown.ndim == 1:
        text = str(list(shown))
    return text if len(text) <= 800 else text[:800] + " ..."


def _check_size(form: SymbolicForm, cand: Candidate | None, sizes: Mapping[str, int],
                params: Mapping[str, int], loss_builder: Callable[..., Any] | None = None,
                what: str = "answer") -> _Outcome:
    sp = _sympy()
    at = {**sizes, **params}
    diff, shape_message, values = _difference(form, cand, sizes, params, loss_builder, what)
    label = "candidate's loss - loss" if what == "loss" else {
        "stationary": "gradient of the loss at the candidate",
        "step": "implied gradient (w - candidate) / lr - derivative",
        "newton": "H (w - candidate) - gradient, H the Hessian",
        "hessian": "candidate - Hessian",
        "hvp": "candidate - Hessian applied to V",
        "jacobian": "candidate - Jacobian",
        "vjp": "candidate - (dF/dV)^T u",
    }.get(form.kind, "candidate - derivative")
    if diff is None:
        return _Outcome("refuted", Witness(at, "", shape=shape_message))
    zero = np.vectorize(_is_zero, otypes=[bool])(diff)
    if zero.all():
        return _Outcome("zero")
    open_ = [idx for idx in np.ndindex(diff.shape) if not zero[idx]]
    rng = random.Random(0)
    for _ in range(6):
        point = _point(form, values, rng)
        best = None
        for idx in open_:
            v = _evaluate(diff[idx], point)
            if v is not None and (best is None or abs(v) > abs(best[1])):
                best = (idx, v)
        if best is not None and abs(best[1]) > _NONZERO:
            used = set().union(*(sp.sympify(diff[i]).free_symbols for i in open_))
            shown = {str(k): str(v) for k, v in point.items() if k in used}
            return _Outcome("refuted", Witness(
                at, _display(diff, zero), shown, str(sp.N(best[1], 12)),
                tuple(int(i) for i in best[0]), what=label))
    if form.labels:  # zero for every label value, perhaps, though not for symbolic labels
        label_symbols = [(s, form.labels[n]) for n in form.labels
                         for s in (values[n] if isinstance(values[n], sp.MatrixBase)
                                   else [values[n]])]
        combos = itertools.product(*(vals for _, vals in label_symbols))
        if all(_is_zero(sp.sympify(diff[idx]).xreplace(
                {s: sp.Integer(c) for (s, _), c in zip(label_symbols, combo, strict=True)}))
               for combo in combos for idx in open_):
            return _Outcome("zero", labels_needed=True)
    return _Outcome("undecided")
