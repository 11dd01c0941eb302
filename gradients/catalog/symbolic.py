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

Conventions of a builder
------------------------
* A vector of numpy shape ``(D,)`` is a column ``D x 1``; a scalar variable (``lam``,
  ``sigma``, ``lr``) is a SymPy symbol; a loss returns a ``1 x 1`` matrix or a scalar
  (``o.tr(...)``); an answer returns a matrix of the variable's shape (a vector as a column).
* The shapes of the variables are named by size symbols (``"N"``, ``"D"``, ...), their
  fixed-size ranges by :attr:`SymbolicForm.dims`; a discrete parameter (1k's power ``k``) is
  fixed per proof and passed as a Python ``int``.
* Labels (logistic, bipolar, network) are symbols: the loss is written in the form that equals
  the numpy loss for every label value (``softplus(a) - y a`` for the cross-entropy), so a
  proof for a symbolic ``y`` covers the labels; a refutation is shown with labels drawn from
  their set (:attr:`SymbolicForm.labels`).

What the prover shows is about these expressions; that they are the numpy code's is checked
numerically (the prover evaluates both at random points: ``ProofResult.faithful``).

Besides :data:`SYMBOLIC` (one :class:`SymbolicForm` per catalog id), the sheet's answers
(:data:`SHEET`, from :mod:`gradients.catalog.candidates`) and the planted mistakes
(:data:`MISTAKE_FORMS`, keyed by :attr:`gradients.catalog.mistakes.Mistake.id`) are written
here as answer builders, so that the prover can prove or refute them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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

@dataclass(frozen=True)
class SheetAnswer:
    """One of the sheet's handwritten answers (:mod:`gradients.catalog.candidates`).

    ``answer`` is a builder like :attr:`SymbolicForm.answer` for the entry ``answers``;
    ``expected`` is ``"right"`` or ``"wrong"``; ``function`` names the numpy function it
    transcribes (checked numerically against it by the tests).
    """

    name: str
    answers: str
    answer: Builder
    expected: str
    function: str
    description: str = ""


# --------------------------------------------------------------------------- helpers


def _one_minus(o: Any, M: Any) -> Any:
    return o.ones(*M.shape) - M


def _dsigmoid(o: Any, g: Any) -> Any:
    """``g (1 - g)``, the sigmoid's derivative written through its value ``g``."""
    return o.had(g, _one_minus(o, g))


# --------------------------------------------------------------------------- problem 1


def _trace_loss(o: Any, X: Any, k: int) -> Any:
    return o.tr(o.pow(X, k))


def _trace_answer(o: Any, X: Any, k: int) -> Any:
    return k * o.pow(X, k - 1).T if k else o.zeros(*X.shape)


def _fixed_k(k: int, builder: Builder) -> Builder:
    def fixed(o: Any, X: Any) -> Any:
        return builder(o, X, k)

    return fixed


# --------------------------------------------------------------------------- problem 2


def _logistic_loss(o: Any, w: Any, X: Any, y: Any, lam: Any) -> Any:
    a = X @ w
    return o.sum(o.softplus(a)) - y.T @ a + lam * (w.T @ w)


def _logistic_grad(o: Any, w: Any, X: Any, y: Any, lam: Any) -> Any:
    return X.T @ (o.sigmoid(X @ w) - y) + 2 * lam * w


def _logistic_step(o: Any, w: Any, X: Any, y: Any, lr: Any, lam: Any) -> Any:
    return w - lr * _logistic_grad(o, w, X, y, lam)


# --------------------------------------------------------------------------- problem 3


def _bipolar_loss(o: Any, w: Any, X: Any, y: Any) -> Any:
    r = o.tanh(X @ w / 2) - y
    return (r.T @ r) / 2


def _bipolar_grad(o: Any, w: Any, X: Any, y: Any) -> Any:
    f = o.tanh(X @ w / 2)
    return X.T @ o.had(f - y, _one_minus(o, o.had(f, f))) / 2


def _bipolar_step(o: Any, w: Any, X: Any, y: Any, lr: Any) -> Any:
    return w - lr * _bipolar_grad(o, w, X, y)


# --------------------------------------------------------------------------- problem 4


def _gauss_loss(o: Any, w: Any, X: Any, y: Any, sigma: Any) -> Any:
    r = y - X @ w
    n = X.shape[0]
    return o.const(-n * o.log_scalar(2 * o.pi * sigma**2) / 2) - (r.T @ r) / (2 * sigma**2)


def _gauss_grad(o: Any, w: Any, X: Any, y: Any, sigma: Any) -> Any:
    return X.T @ (y - X @ w) / sigma**2


def _mle(o: Any, X: Any, y: Any) -> Any:
    return o.inv(X.T @ X) @ X.T @ y


# --------------------------------------------------------------------------- problem 5


def _frob_loss(o: Any, A: Any, B: Any) -> Any:
    return o.tr(A.T @ B)


def _frob_grad_A(o: Any, A: Any, B: Any) -> Any:
    return B


def _frob_grad_B(o: Any, A: Any, B: Any) -> Any:
    return A


# --------------------------------------------------------------------------- problem 6


def _quad_loss(o: Any, w: Any, X: Any) -> Any:
    return w.T @ X @ w


def _quad_grad_w(o: Any, w: Any, X: Any) -> Any:
    return (X + X.T) @ w


def _quad_grad_X(o: Any, w: Any, X: Any) -> Any:
    return w @ w.T


# --------------------------------------------------------------------------- problem 7


def _net_from_h_loss(o: Any, H: Any, w2: Any, y: Any) -> Any:
    r = o.sigmoid(H @ w2) - y
    return (r.T @ r) / 2


def _delta_out(o: Any, s: Any, y: Any) -> Any:
    g = o.sigmoid(s)
    return o.had(g - y, _dsigmoid(o, g))


def _net_grad_h(o: Any, H: Any, w2: Any, y: Any) -> Any:
    return _delta_out(o, H @ w2, y) @ w2.T


def _net_forward(o: Any, W0: Any, W1: Any, w2: Any, X: Any) -> tuple[Any, Any, Any, Any]:
    Z = o.sigmoid(X @ W0.T)
    S1 = o.sigmoid(Z @ W1.T)
    H = X + S1
    return Z, S1, H, H @ w2


def _net_loss(o: Any, W0: Any, W1: Any, w2: Any, X: Any, y: Any) -> Any:
    *_, s = _net_forward(o, W0, W1, w2, X)
    r = o.sigmoid(s) - y
    return (r.T @ r) / 2


def _net_backward(o: Any, W0: Any, W1: Any, w2: Any, X: Any, y: Any, *, a1_prime: bool = True,
                  a0_prime: bool = True, s_prime: bool = True) -> dict[str, Any]:
    """The deltas of :mod:`gradients.residual_net` (optionally missing a sigma')."""
    Z, S1, H, s = _net_forward(o, W0, W1, w2, X)
    g = o.sigmoid(s)
    d_s = o.had(g - y, _dsigmoid(o, g)) if s_prime else g - y
    d_h = d_s @ w2.T
    d_a1 = o.had(d_h, _dsigmoid(o, S1)) if a1_prime else d_h
    d_a0 = o.had(d_a1 @ W1, _dsigmoid(o, Z)) if a0_prime else d_a1 @ W1
    return {"Z": Z, "H": H, "d_s": d_s, "d_h": d_h, "d_a1": d_a1, "d_a0": d_a0}


def _net(part: Callable[[dict[str, Any], Any, Any], Any], **toggles: bool) -> Builder:
    def builder(o: Any, W0: Any, W1: Any, w2: Any, X: Any, y: Any) -> Any:
        return part(_net_backward(o, W0, W1, w2, X, y, **toggles), W0, X)

    return builder


def _W1_part(b: dict[str, Any], W0: Any, X: Any) -> Any:
    return b["d_a1"].T @ b["Z"]


def _W0_part(b: dict[str, Any], W0: Any, X: Any) -> Any:
    return b["d_a0"].T @ X


def _w2_part(b: dict[str, Any], W0: Any, X: Any) -> Any:
    return b["H"].T @ b["d_s"]


def _X_part(b: dict[str, Any], W0: Any, X: Any) -> Any:
    return b["d_h"] + b["d_a0"] @ W0


# --------------------------------------------------------------------------- second order


def _trace_hvp(o: Any, V: Any, X: Any, k: int) -> Any:
    if k < 2:
        return o.zeros(*X.shape)
    terms = [(o.pow(X, j) @ V @ o.pow(X, k - 2 - j)).T for j in range(k - 1)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return k * total


def _logistic_hessian(o: Any, w: Any, X: Any, y: Any, lam: Any) -> Any:
    return X.T @ o.diag(_dsigmoid(o, o.sigmoid(X @ w))) @ X + 2 * lam * o.eye(w.shape[0])


def _logistic_newton(o: Any, w: Any, X: Any, y: Any, lam: Any) -> Any:
    return w - o.inv(_logistic_hessian(o, w, X, y, lam)) @ _logistic_grad(o, w, X, y, lam)


def _gauss_hessian(o: Any, w: Any, X: Any, y: Any, sigma: Any) -> Any:
    return -(X.T @ X) / sigma**2


def _frob_hessian(o: Any, A: Any, B: Any) -> Any:
    return o.zero_tensor(*A.shape, *A.shape)


def _quad_hessian(o: Any, w: Any, X: Any) -> Any:
    return X + X.T


# --------------------------------------------------------------------------- chain-rule steps


def _squared_residual(o: Any, f: Any, y: Any) -> Any:
    r = f - y
    return (r.T @ r) / 2


def _squared_residual_grad(o: Any, f: Any, y: Any) -> Any:
    return f - y


def _bipolar_map(o: Any, a: Any) -> Any:
    return o.tanh(a / 2)


def _bipolar_map_jacobian(o: Any, a: Any) -> Any:
    f = o.tanh(a / 2)
    return o.diag(_one_minus(o, o.had(f, f)) / 2)


def _linear_map(o: Any, w: Any, X: Any) -> Any:
    return X @ w


def _linear_map_jacobian(o: Any, w: Any, X: Any) -> Any:
    return X


def _sigmoid_map(o: Any, s: Any) -> Any:
    return o.sigmoid(s)


def _sigmoid_map_jacobian(o: Any, s: Any) -> Any:
    return o.diag(_dsigmoid(o, o.sigmoid(s)))


def _readout(o: Any, H: Any, w2: Any) -> Any:
    return H @ w2


def _readout_vjp(o: Any, u: Any, H: Any, w2: Any) -> Any:
    return u @ w2.T


def _residual_branch(o: Any, A1: Any, X: Any) -> Any:
    return X + o.sigmoid(A1)


def _residual_branch_vjp(o: Any, u: Any, A1: Any, X: Any) -> Any:
    return o.had(u, _dsigmoid(o, o.sigmoid(A1)))


def _hidden_product(o: Any, W1: Any, Z: Any) -> Any:
    return Z @ W1.T


def _hidden_product_vjp(o: Any, u: Any, W1: Any, Z: Any) -> Any:
    return u.T @ Z


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


# --------------------------------------------------------------------------- the sheet


def _sheet_2b(o: Any, w: Any, X: Any, y: Any, lam: Any) -> Any:
    """``sheet_2b_loss_grad``: the data term with the norm's gradient ``lam w / ||w||``."""
    norm = o.sqrt_scalar((w.T @ w)[0, 0])
    return X.T @ (o.sigmoid(X @ w) - y) + lam * w / norm


def _sheet_2(o: Any, w: Any, X: Any, y: Any, lam: Any) -> Any:
    """``sheet_2_grad``: sum_i (-y_i (1 - f_i) + (1 - y_i) f_i) x_i + 2 lam w."""
    f = o.sigmoid(X @ w)
    ones = o.ones(*f.shape)
    return X.T @ (-o.had(y, ones - f) + o.had(ones - y, f)) + 2 * lam * w


def _sheet_2_step(o: Any, w: Any, X: Any, y: Any, lr: Any, lam: Any) -> Any:
    return w - lr * _sheet_2(o, w, X, y, lam)


def _sheet_7a(o: Any, H: Any, w2: Any, y: Any) -> Any:
    """``sheet_7a``: (g - y) sigma(w2^T h)(1 - sigma(w2^T h)) w2_j, per sample."""
    g = o.sigmoid(H @ w2)
    return o.had(g - y, _dsigmoid(o, g)) @ w2.T


def _sheet_7a_prime(o: Any, H: Any, w2: Any, y: Any) -> Any:
    """``sheet_7a_prime``: sigma(w2_j h_j) where sigma(w2^T h) belongs."""
    g = o.sigmoid(H @ w2)
    n = H.shape[0]
    W = o.ones(n, 1) @ w2.T  # w2 broadcast over the rows
    a = o.had(H, W)
    return o.had((g - y) @ o.ones(1, H.shape[1]), _dsigmoid(o, o.sigmoid(a)), W)


SHEET: dict[str, SheetAnswer] = {
    s.name: s
    for s in (
        SheetAnswer("sheet_1a", "1a", _fixed_k(2, _trace_answer), "right", "sheet_1a",
                    "2X^T"),
        SheetAnswer("sheet_2_grad", "2", _sheet_2, "right", "sheet_2_grad",
                    "sum_i (-y_i (1 - f_i) + (1 - y_i) f_i) x_i + 2 lam w"),
        SheetAnswer("sheet_2_step", "2-step", _sheet_2_step, "right", "sheet_2_step",
                    "w - lr (sheet 2's gradient)"),
        SheetAnswer("sheet_2b_loss_grad", "2", _sheet_2b, "wrong", "sheet_2b_loss_grad",
                    "the penalty's gradient taken from the norm ||w||, not ||w||^2"),
        SheetAnswer("sheet_5", "5", _frob_grad_A, "right", "sheet_5", "B"),
        SheetAnswer("sheet_6", "6", _quad_grad_w, "right", "sheet_6",
                    "sum_j w_j X_kj + sum_i w_i X_ik"),
        SheetAnswer("sheet_7a", "7a", _sheet_7a, "right", "sheet_7a",
                    "(g - y) g (1 - g) w2_j"),
        SheetAnswer("sheet_7a_prime", "7a", _sheet_7a_prime, "wrong", "sheet_7a_prime",
                    "sigma(w2_j h_j) where sigma(w2^T h) belongs"),
    )
}
"""The sheet's answers to catalog entries, by the name of their function in
:mod:`gradients.catalog.candidates`. (Sheet 3's ``df/dw`` answers no entry, 2b's norm is a
penalty, not a gradient; sheet 4's log-likelihood is a loss: the prover compares it with the
catalog's by :func:`gradients.catalog.prove.compare_loss`, with :func:`sheet_4_loss`.)"""


def sheet_4_loss(o: Any, w: Any, X: Any, y: Any, sigma: Any) -> Any:
    """``sheet_4_log_likelihood``: -1/sqrt(2 pi sigma^2) * 1/(2 sigma^2) * sum_i r_i^2."""
    r = y - X @ w
    return -(r.T @ r) / (o.sqrt_scalar(2 * o.pi * sigma**2) * 2 * sigma**2)


# --------------------------------------------------------------------------- the mistakes


MISTAKE_FORMS: dict[str, Builder] = {
    # 1. trace powers
    "1a-untransposed": lambda o, X: 2 * X,
    "1a-no-factor": lambda o, X: X.T,
    "1b-untransposed": lambda o, X: 3 * X @ X,
    "1b-no-factor": lambda o, X: (X @ X).T,
    "1k-untransposed": lambda o, X, k: k * o.pow(X, max(k - 1, 0)),
    "1k-power-not-lowered": lambda o, X, k: k * o.pow(X, k).T,
    # 2. logistic regression
    "2-no-penalty": lambda o, w, X, y, lam: X.T @ (o.sigmoid(X @ w) - y),
    "2-half-penalty": lambda o, w, X, y, lam: X.T @ (o.sigmoid(X @ w) - y) + lam * w,
    "2-sign": lambda o, w, X, y, lam: -X.T @ (o.sigmoid(X @ w) - y) + 2 * lam * w,
    "2-squared-loss-habit": lambda o, w, X, y, lam: (
        X.T @ o.had(o.sigmoid(X @ w) - y, _dsigmoid(o, o.sigmoid(X @ w))) + 2 * lam * w
    ),
    "2-step-ascent": lambda o, w, X, y, lr, lam: w + lr * _logistic_grad(o, w, X, y, lam),
    # 3. bipolar sigmoid
    "3-logistic-derivative": lambda o, w, X, y: (
        X.T @ o.had(o.tanh(X @ w / 2) - y, _dsigmoid(o, o.tanh(X @ w / 2)))
    ),
    "3-missing-half": lambda o, w, X, y: (
        X.T @ o.had(o.tanh(X @ w / 2) - y,
                    _one_minus(o, o.had(o.tanh(X @ w / 2), o.tanh(X @ w / 2))))
    ),
    "3-sign": lambda o, w, X, y: -_bipolar_grad(o, w, X, y),
    "3-no-residual": lambda o, w, X, y: (
        X.T @ _one_minus(o, o.had(o.tanh(X @ w / 2), o.tanh(X @ w / 2))) / 2
    ),
    "3-step-logistic-derivative": lambda o, w, X, y, lr: (
        w - lr * X.T @ o.had(o.tanh(X @ w / 2) - y, _dsigmoid(o, o.tanh(X @ w / 2)))
    ),
    # 4. Gaussian maximum likelihood
    "4-sign": lambda o, w, X, y, sigma: -X.T @ (y - X @ w) / sigma**2,
    "4-no-sigma": lambda o, w, X, y, sigma: X.T @ (y - X @ w),
    "4-sigma-power": lambda o, w, X, y, sigma: X.T @ (y - X @ w) / sigma,
    "4-y-dropped": lambda o, w, X, y, sigma: -X.T @ X @ w / sigma**2,
    "4-mle-ridge": lambda o, X, y: o.inv(X.T @ X + o.eye(X.shape[1])) @ X.T @ y,
    "4-mle-no-inverse": lambda o, X, y: X.T @ y,
    # 5. Frobenius product
    "5-transposed": lambda o, A, B: B.T,
    "5-wrong-factor": lambda o, A, B: A,
    "5-doubled": lambda o, A, B: 2 * B,
    "5B-wrong-factor": lambda o, A, B: B,
    # 6. quadratic form
    "6-2Xw": lambda o, w, X: 2 * X @ w,
    "6-Xw": lambda o, w, X: X @ w,
    "6-XTw": lambda o, w, X: X.T @ w,
    "6X-doubled": lambda o, w, X: 2 * w @ w.T,
    "6X-diagonal": lambda o, w, X: o.diag(o.had(w, w)),
    # 7. residual network
    "7a-prime": _sheet_7a_prime,
    "7a-no-activation-derivative": lambda o, H, w2, y: (o.sigmoid(H @ w2) - y) @ w2.T,
    "7a-summed-over-samples": lambda o, H, w2, y: (
        o.ones(H.shape[0], 1) @ o.ones(1, H.shape[0]) @ _delta_out(o, H @ w2, y) @ w2.T
    ),
    "7b-no-activation-derivative": _net(_W1_part, a1_prime=False),
    "7b-transposed": _net(lambda b, W0, X: b["Z"].T @ b["d_a1"]),
    "7-W0-no-activation-derivative": _net(_W0_part, a0_prime=False),
    "7-W0-no-hidden-derivative": _net(_W0_part, a1_prime=False),
    "7-w2-no-activation-derivative": _net(_w2_part, s_prime=False),
    "7-w2-x-for-h": _net(lambda b, W0, X: X.T @ b["d_s"]),
    "7-X-no-residual": _net(lambda b, W0, X: b["d_a0"] @ W0),
    "7-X-only-residual": _net(lambda b, W0, X: b["d_h"]),
}
"""The planted mistakes of :mod:`gradients.catalog.mistakes`, as answer builders (same
arguments as the catalog entry's answer; 1k's take ``k`` too), by mistake id."""
