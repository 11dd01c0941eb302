r"""The catalog written once more, symbolically: each loss and each answer as a SymPy expression.

Beside the numpy functions of :data:`gradients.catalog.CATALOG`, this module writes every
entry's loss and the catalog's formula (its answer) as *builders*: functions of an operations
object ``o`` and the variables, in SymPy's matrix notation (``@`` the matrix product, ``.T``
the transpose, ``o.had`` the elementwise product, ``o.sigmoid`` an elementwise function).
The prover (:mod:`gradients.catalog.prove`) calls each builder twice:

* with :class:`~sympy.matrices.expressions.MatrixSymbol`\ s of *symbolic* size (``X`` of
  shape ``(n, n)``, ``n`` a symbol): the expression SymPy's matrix calculus differentiates for
  every size at once;
* with explicit matrices of fixed size whose entries are symbols (``X[0,1]``): the expression
  differentiated entry by entry, exactly.

The same text therefore serves both, and SymPy is imported by the prover only: this module
imports nothing but the standard library, so the catalog (and ``gradients show``, ``verify``,
``export``) works without SymPy.

The builders themselves, and their conventions, are in :mod:`gradients.catalog.builders`.

What the prover shows is about these expressions; that they are the numpy code's is checked
numerically (the prover evaluates both at random points: ``ProofResult.faithful``).

This module holds :data:`SYMBOLIC`, one :class:`SymbolicForm` per catalog id. The sheet's
answers (:data:`SHEET`) and the planted mistakes (:data:`MISTAKE_FORMS`) are answer builders
too, in :mod:`gradients.catalog.symbolic_answers` (re-exported here), so that the prover can
prove or refute them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gradients.catalog.builders import (
    _bipolar_grad,
    _bipolar_loss,
    _bipolar_map,
    _bipolar_map_jacobian,
    _bipolar_step,
    _fixed_k,
    _frob_grad_A,
    _frob_grad_B,
    _frob_hessian,
    _frob_loss,
    _gauss_grad,
    _gauss_hessian,
    _gauss_loss,
    _hidden_product,
    _hidden_product_vjp,
    _linear_map,
    _linear_map_jacobian,
    _logistic_grad,
    _logistic_hessian,
    _logistic_loss,
    _logistic_newton,
    _logistic_step,
    _mle,
    _net,
    _net_from_h_loss,
    _net_grad_h,
    _net_loss,
    _quad_grad_w,
    _quad_grad_X,
    _quad_hessian,
    _quad_loss,
    _readout,
    _readout_vjp,
    _residual_branch,
    _residual_branch_vjp,
    _sigmoid_map,
    _sigmoid_map_jacobian,
    _squared_residual,
    _squared_residual_grad,
    _trace_answer,
    _trace_hvp,
    _trace_loss,
    _W0_part,
    _W1_part,
    _w2_part,
    _X_part,
)
from gradients.catalog.symbolic_answers import MISTAKE_FORMS, SHEET, SheetAnswer, sheet_4_loss
from gradients.proof.forms import Builder, SymbolicForm

__all__ = [
    "MISTAKE_FORMS",
    "SHEET",
    "SYMBOLIC",
    "SheetAnswer",
    "SymbolicForm",
    "sheet_4_loss",
    "symbolic_form",
]


_DIM_ORDER = ("N", "D", "M", "m", "n")


def _dims_of(shapes: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Every size of ``shapes`` up to 3, in the order N, D, M."""
    used = {d for shape in shapes.values() for d in shape}
    return {d: 3 for d in _DIM_ORDER if d in used}


def _jacobian(id_: str, shapes: Mapping[str, tuple[str, ...]], args: tuple[str, ...],
              out: tuple[str, ...], f: Builder, jac: Builder) -> SymbolicForm:
    dims = _dims_of(shapes)
    return SymbolicForm(id_, shapes, args, args, args[0], f, jac, kind="jacobian", dims=dims,
                        out_shape=out)


def _vjp(id_: str, shapes: Mapping[str, tuple[str, ...]], args: tuple[str, ...],
         out: tuple[str, ...], f: Builder, vjp: Builder) -> SymbolicForm:
    dims = _dims_of(shapes)
    return SymbolicForm(id_, shapes, args, ("u", *args), args[0], f, vjp, kind="vjp",
                        dims=dims, direction="u", out_shape=out)


# --------------------------------------------------------------------------- the table

_N3 = {"N": 3, "D": 3}
_NET_SHAPES = {"W0": ("M", "D"), "W1": ("D", "M"), "w2": ("D",), "X": ("N", "D"), "y": ("N",)}
_NET_ARGS = ("W0", "W1", "w2", "X", "y")
_NET_DIMS = {"N": 3, "D": 3, "M": 3}


def _trace(id_: str, k: int | None) -> SymbolicForm:
    if k is None:
        return SymbolicForm(
            id_, {"X": ("n", "n")}, ("X", "k"), ("X", "k"), "X", _trace_loss, _trace_answer,
            dims={"n": 3}, params={"k": tuple(range(7))},
        )
    return SymbolicForm(
        id_, {"X": ("n", "n")}, ("X",), ("X",), "X", _fixed_k(k, _trace_loss),
        _fixed_k(k, _trace_answer), dims={"n": 3},
    )


def _logistic(id_: str, step: bool) -> SymbolicForm:
    args = ("w", "X", "y", "lr", "lam") if step else ("w", "X", "y", "lam")
    shapes = {"w": ("D",), "X": ("N", "D"), "y": ("N",), "lam": ()}
    if step:
        shapes["lr"] = ()
    return SymbolicForm(
        id_, shapes, ("w", "X", "y", "lam"), args, "w", _logistic_loss,
        _logistic_step if step else _logistic_grad, kind="step" if step else "gradient",
        dims=_N3, labels={"y": (0, 1)}, positive=("lr",), nonnegative=("lam",),
    )


def _bipolar(id_: str, step: bool) -> SymbolicForm:
    args = ("w", "X", "y", "lr") if step else ("w", "X", "y")
    shapes = {"w": ("D",), "X": ("N", "D"), "y": ("N",)}
    if step:
        shapes["lr"] = ()
    return SymbolicForm(
        id_, shapes, ("w", "X", "y"), args, "w", _bipolar_loss,
        _bipolar_step if step else _bipolar_grad, kind="step" if step else "gradient",
        dims=_N3, labels={"y": (-1, 1)}, positive=("lr",),
    )


def _network(id_: str, wrt: str, part: Callable[..., Any]) -> SymbolicForm:
    return SymbolicForm(
        id_, _NET_SHAPES, _NET_ARGS, _NET_ARGS, wrt, _net_loss, _net(part), dims=_NET_DIMS,
        labels={"y": (0, 1)},
    )


_FORMS: tuple[SymbolicForm, ...] = (
    _trace("1a", 2),
    _trace("1b", 3),
    _trace("1k", None),
    _logistic("2", step=False),
    _logistic("2-step", step=True),
    _bipolar("3", step=False),
    _bipolar("3-step", step=True),
    SymbolicForm(
        "4", {"w": ("D",), "X": ("N", "D"), "y": ("N",), "sigma": ()}, ("w", "X", "y", "sigma"),
        ("w", "X", "y", "sigma"), "w", _gauss_loss, _gauss_grad, dims=_N3, positive=("sigma",),
    ),
    SymbolicForm(
        "4-mle", {"w": ("D",), "X": ("N", "D"), "y": ("N",), "sigma": ()},
        ("w", "X", "y", "sigma"), ("X", "y"), "w", _gauss_loss, _mle, kind="stationary",
        dims=_N3, positive=("sigma",), size_ok=lambda s: s["D"] <= s["N"], size_rule="D <= N",
    ),
    SymbolicForm(
        "5", {"A": ("m", "n"), "B": ("m", "n")}, ("A", "B"), ("A", "B"), "A", _frob_loss,
        _frob_grad_A, dims={"m": 3, "n": 3},
    ),
    SymbolicForm(
        "5B", {"A": ("m", "n"), "B": ("m", "n")}, ("A", "B"), ("A", "B"), "B", _frob_loss,
        _frob_grad_B, dims={"m": 3, "n": 3},
    ),
    SymbolicForm(
        "6", {"w": ("n",), "X": ("n", "n")}, ("w", "X"), ("w", "X"), "w", _quad_loss,
        _quad_grad_w, dims={"n": 3},
    ),
    SymbolicForm(
        "6X", {"w": ("n",), "X": ("n", "n")}, ("w", "X"), ("w", "X"), "X", _quad_loss,
        _quad_grad_X, dims={"n": 3},
    ),
    SymbolicForm(
        "7a", {"H": ("N", "D"), "w2": ("D",), "y": ("N",)}, ("H", "w2", "y"), ("H", "w2", "y"),
        "H", _net_from_h_loss, _net_grad_h, dims=_N3, labels={"y": (0, 1)},
    ),
    _network("7b", "W1", _W1_part),
    _network("7-W0", "W0", _W0_part),
    _network("7-w2", "w2", _w2_part),
    _network("7-X", "X", _X_part),
    # second order
    SymbolicForm(
        "1k-hvp", {"V": ("n", "n"), "X": ("n", "n")}, ("X", "k"), ("V", "X", "k"), "X",
        _trace_loss, _trace_hvp, kind="hvp", dims={"n": 3}, params={"k": tuple(range(7))},
    ),
    SymbolicForm(
        "2-hess", {"w": ("D",), "X": ("N", "D"), "y": ("N",), "lam": ()},
        ("w", "X", "y", "lam"), ("w", "X", "y", "lam"), "w", _logistic_loss, _logistic_hessian,
        kind="hessian", dims=_N3, labels={"y": (0, 1)}, nonnegative=("lam",),
    ),
    SymbolicForm(
        "2-newton", {"w": ("D",), "X": ("N", "D"), "y": ("N",), "lam": ()},
        ("w", "X", "y", "lam"), ("w", "X", "y", "lam"), "w", _logistic_loss, _logistic_newton,
        kind="newton", dims={"N": 3, "D": 2}, labels={"y": (0, 1)}, positive=("lam",),
    ),
    SymbolicForm(
        "4-hess", {"w": ("D",), "X": ("N", "D"), "y": ("N",), "sigma": ()},
        ("w", "X", "y", "sigma"), ("w", "X", "y", "sigma"), "w", _gauss_loss, _gauss_hessian,
        kind="hessian", dims=_N3, positive=("sigma",),
    ),
    SymbolicForm(
        "5-hess", {"A": ("m", "n"), "B": ("m", "n")}, ("A", "B"), ("A", "B"), "A", _frob_loss,
        _frob_hessian, kind="hessian", dims={"m": 3, "n": 3},
    ),
    SymbolicForm(
        "6-hess", {"w": ("n",), "X": ("n", "n")}, ("w", "X"), ("w", "X"), "w", _quad_loss,
        _quad_hessian, kind="hessian", dims={"n": 3},
    ),
    # the chain-rule steps of problems 3 and 7
    SymbolicForm(
        "3-dL/df", {"f": ("N",), "y": ("N",)}, ("f", "y"), ("f", "y"), "f", _squared_residual,
        _squared_residual_grad, dims={"N": 3},
    ),
    _jacobian("3-df/da", {"a": ("N",)}, ("a",), ("N",), _bipolar_map, _bipolar_map_jacobian),
    _jacobian("3-da/dw", {"w": ("D",), "X": ("N", "D")}, ("w", "X"), ("N",), _linear_map,
              _linear_map_jacobian),
    SymbolicForm(
        "7-dL/dg", {"g": ("N",), "y": ("N",)}, ("g", "y"), ("g", "y"), "g",
        lambda o, g, y: _squared_residual(o, g, y),
        lambda o, g, y: _squared_residual_grad(o, g, y), dims={"N": 3},
    ),
    _jacobian("7-dg/ds", {"s": ("N",)}, ("s",), ("N",), _sigmoid_map, _sigmoid_map_jacobian),
    _vjp("7-ds/dh", {"u": ("N",), "H": ("N", "D"), "w2": ("D",)}, ("H", "w2"), ("N",),
         _readout, _readout_vjp),
    _vjp("7-dh/da1", {"u": ("N", "D"), "A1": ("N", "D"), "X": ("N", "D")}, ("A1", "X"),
         ("N", "D"), _residual_branch, _residual_branch_vjp),
    _vjp("7-da1/dW1", {"u": ("N", "D"), "W1": ("D", "M"), "Z": ("N", "M")}, ("W1", "Z"),
         ("N", "D"), _hidden_product, _hidden_product_vjp),
)

SYMBOLIC: dict[str, SymbolicForm] = {f.id: f for f in _FORMS}
"""One :class:`SymbolicForm` per catalog id."""


def symbolic_form(derivation_id: str) -> SymbolicForm | None:
    """The symbolic form of a catalog entry, or ``None`` (an entry without one).

    >>> form = symbolic_form("6")
    >>> form.wrt, dict(form.shapes), form.answer_args
    ('w', {'w': ('n',), 'X': ('n', 'n')}, ('w', 'X'))
    """
    return SYMBOLIC.get(derivation_id)
