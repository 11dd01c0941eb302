r"""The catalog's losses and formulas as *builders*, the text both proofs run on.

A builder is a function of an operations object ``o`` and the variables, in SymPy's matrix
notation (``@`` the matrix product, ``.T`` the transpose, ``o.had`` the elementwise product,
``o.sigmoid`` an elementwise function). The proof layer (:mod:`gradients.proof`) calls each
one with matrices of symbolic size and with explicit matrices of symbols.

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

>>> from gradients.proof.ops import _Ops
>>> import sympy
>>> X = sympy.Matrix(2, 2, sympy.symbols("a b c d"))
>>> _trace_answer(_Ops(), X, 2)
Matrix([
[2*a, 2*c],
[2*b, 2*d]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradients.proof.forms import Builder

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
