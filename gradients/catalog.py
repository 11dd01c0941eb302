r"""The formula catalog: one entry per derivation, the single source of truth.

Each :class:`Derivation` names a loss, its analytic gradient, the differentiated argument,
the variable names, the formula in LaTeX and a hypothesis strategy for its inputs. The
property test of the seven problems, ``gradients verify``, ``gradients show``,
``gradients try`` and ``FORMULAS.md`` all walk :data:`CATALOG`.

Three kinds of entry:

``"gradient"``
    ``grad(*args)`` is the gradient of ``loss(*args)`` with respect to ``args[argnum]``.
``"step"``
    ``grad(*args)`` is the new ``w`` after one gradient-descent step with rate ``lr`` (the
    last argument); it is checked through the gradient it implies, ``(w - w_new) / lr``.
``"stationary"``
    ``grad(X, y)`` is a maximiser ``w*``; it is checked by the numerical gradient of the loss
    vanishing at ``w*``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradients.bipolar import bipolar_squared_grad, bipolar_squared_loss, bipolar_step
from gradients.frobenius import frobenius_dot, frobenius_dot_grad, frobenius_dot_grad_B
from gradients.gaussian_mle import (
    gaussian_log_likelihood,
    gaussian_log_likelihood_grad,
    mle_weights,
)
from gradients.logistic import logistic_l2_grad, logistic_l2_loss, logistic_l2_step
from gradients.quadratic import quadratic_form, quadratic_form_grad, quadratic_form_grad_X
from gradients.residual_net import (
    residual_net_forward,
    residual_net_grad_h,
    residual_net_grad_W0,
    residual_net_grad_W1,
    residual_net_grad_w2,
    residual_net_grad_X,
    residual_net_loss,
    residual_net_loss_from_h,
)
from gradients.trace import trace_power, trace_power_grad

__all__ = ["CATALOG", "Derivation", "get"]

STEP_LR = 0.125  # learning rate of the step entries: a power of two, so w - lr*g is exact-ish


@dataclass(frozen=True)
class Derivation:
    """One verified derivation of the catalog.

    Attributes
    ----------
    id : str
        Short id (``"1a"``, ``"7b"``, ...), as on the sheet.
    title, statement : str
        A title and the problem in one line.
    formula : str
        The result in LaTeX.
    loss : callable
        The scalar function, ``loss(*args)``.
    grad : callable
        The analytic answer (a gradient, a new ``w``, or a maximiser: see ``kind``).
    argnum : int
        Which argument of ``loss`` is differentiated.
    variables : tuple of str
        Names of the arguments of ``grad`` (the names a candidate expression may use).
    inputs : callable
        ``inputs()`` returns a hypothesis strategy of argument tuples for ``grad``.
    kind : str
        ``"gradient"``, ``"step"`` or ``"stationary"``.
    lr_index : int
        For a step: the position of the learning rate among the arguments.
    reference : callable, optional
        For a maximiser: the analytic gradient of the loss, used only to put the size of the
        gradient at ``w*`` in proportion (see :meth:`relative_error`).
    """

    id: str
    title: str
    statement: str
    formula: str
    loss: Callable[..., float]
    grad: Callable[..., Any]
    argnum: int
    variables: tuple[str, ...]
    inputs: Callable[[], Any]
    kind: str = "gradient"
    lr_index: int = 3
    reference: Callable[..., Any] | None = None

    def options(self, args: tuple[Any, ...]) -> dict[str, Any]:
        """Extra :func:`checks.check_gradient` arguments for these (check) ``args``.

        A computed maximiser ``w~`` is exact only to round-off, so the gradient there is not
        0 but, by the backward stability of the least-squares solve (``w~`` solves a problem
        with ``X + dX``, ``||dX|| <= c eps ||X||``), bounded by
        ``c eps ||X|| (||y - X w~|| + ||X|| ||w~||) / sigma^2``; ``c = 8 max(N, D)`` is
        taken as ``atol``. A step entry gets a per-entry ``atol`` for the round-off of the
        update itself (see the code). A gradient entry uses the defaults.
        """
        if self.kind == "step":
            # (w - w_new) / lr: w_new = w - lr g is rounded to eps |w_new|, so the implied
            # gradient carries an error up to eps (|w| + lr |g|) / lr; the eps |g| part is
            # below rtol, the rest is the per-entry atol 2 eps |w| / lr.
            w = np.asarray(args[0], dtype=float)
            return {"atol": 2.0 * np.finfo(float).eps * np.abs(w) / args[self.lr_index]}
        if self.kind != "stationary":
            return {}
        w, X, y, sigma = (np.asarray(a, dtype=float) for a in args)
        norm_x = np.linalg.norm(X, 2)
        resid = np.linalg.norm(y - X @ w)
        c = 8.0 * max(X.shape)
        bound = c * np.finfo(float).eps * norm_x * (resid + norm_x * np.linalg.norm(w))
        return {"atol": float(bound / sigma**2)}

    def judged(self, result: Any) -> str:
        """The verdict of a check of this entry: ``"pass"``, ``"fail"`` or ``"inconclusive"``.

        A gradient or step takes the check's own verdict. A maximiser is checked by the
        gradient at ``w*``, which is 0: no relative error can be judged there, so the check
        can only be ``"fail"`` (the gradient exceeds the round-off bound of :meth:`options`)
        or ``"inconclusive"``, and the latter is this entry's pass.
        """
        if self.kind == "stationary" and result.verdict == "inconclusive":
            return "pass"
        return str(result.verdict)

    def relative_error(self, result: Any, args: tuple[Any, ...]) -> float:
        """The error of a check, relative to the size of the gradient.

        For a maximiser the analytic side is 0, so the figure is ``max|grad at w*|``
        relative to ``max|grad at w = 0|``: how stationary ``w*`` is, in the problem's scale.
        """
        if self.kind != "stationary" or self.reference is None:
            return float(result.max_rel_error)
        w, *rest = args
        scale = float(np.max(np.abs(self.reference(np.zeros_like(w), *rest)), initial=0.0))
        return float(result.max_abs_error) / scale if scale > 0 else 0.0

    def prepare(self, candidate: Callable[..., Any] | None = None):
        """Map a drawn tuple to the arguments of the check.

        The identity, except for a maximiser: ``(X, y, sigma) -> (w*, X, y, sigma)`` with
        ``w*`` from ``candidate`` (default: the catalog's answer).
        """
        if self.kind != "stationary":
            return tuple
        answer = self.grad if candidate is None else candidate

        def with_maximiser(args: tuple[Any, ...]) -> tuple[Any, ...]:
            return (np.asarray(answer(*args[:-1]), dtype=float), *args)

        return with_maximiser

    def setup(self, candidate: Callable[..., Any] | None = None):
        """``(f, grad, strategy)`` to hand to :func:`checks.check_gradient`.

        ``candidate`` replaces the catalog's answer (same arguments, same meaning). The
        strategy draws the arguments of the check (``strategy = inputs().map(prepare)``);
        pass ``**self.options(args)`` to the check as well.
        """
        f, grad = self.check_functions(candidate)
        return f, grad, self.inputs().map(self.prepare(candidate))

    def check_functions(self, candidate: Callable[..., Any] | None = None):
        """``(f, grad)`` of the check: the loss and the (implied) gradient."""
        answer = self.grad if candidate is None else candidate
        if self.kind == "gradient":
            return self.loss, answer
        if self.kind == "step":
            i = self.lr_index

            def implied_gradient(*args: Any) -> np.ndarray:
                w, lr = np.asarray(args[0], dtype=float), args[i]
                return (w - np.asarray(answer(*args), dtype=float)) / lr

            def loss(*args: Any) -> float:
                return self.loss(*args[:i], *args[i + 1 :])

            return loss, implied_gradient

        def zero(w: np.ndarray, *rest: Any) -> np.ndarray:
            return np.zeros_like(w)

        return self.loss, zero

    def find_counterexample(self, candidate: Callable[..., Any] | None = None, **kwargs: Any):
        """:func:`checks.find_counterexample` over this entry's inputs (shrinking the draws)."""
        from checks.search import find_counterexample

        f, grad = self.check_functions(candidate)
        names = ("w*", *self.variables, "sigma") if self.kind == "stationary" else self.variables
        return find_counterexample(
            f, grad, self.inputs(), argnum=self.argnum, names=names, options=self.options,
            prepare=self.prepare(candidate), **kwargs,
        )

    def check_args(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The arguments of the check for drawn ``args`` (the maximiser prepended if needed)."""
        return tuple(self.prepare()(tuple(args)))

    @property
    def implementation(self) -> Callable[..., Any]:
        """The named function behind the answer (unwrapping ``functools.partial``)."""
        fn = self.grad
        return fn.func if isinstance(fn, functools.partial) else fn

    @property
    def source(self) -> str:
        """The numpy source of the answer function."""
        fn = self.implementation
        try:
            return inspect.getsource(fn)
        except (OSError, TypeError):  # pragma: no cover - lambdas defined at runtime
            return repr(fn)


# --- input strategies (hypothesis is imported lazily: it is only needed to draw) ---------


def _st():
    from hypothesis import strategies as st

    from checks import strategies as cs

    return st, cs


def _square():
    st, cs = _st()
    return cs.square_matrices().map(lambda X: (X,))


def _square_and_k():
    st, cs = _st()
    return st.tuples(cs.square_matrices(), st.integers(0, 6))


def _logistic(step: bool = False):
    st, cs = _st()
    lam = st.sampled_from([0.0, 0.25, 1.0, 3.0])
    base = st.tuples(cs.weights_and_dataset(labels="binary"), lam).map(lambda t: (*t[0], t[1]))
    return base.map(lambda a: (*a[:3], STEP_LR, a[3])) if step else base


def _bipolar(step: bool = False):
    st, cs = _st()
    base = cs.weights_and_dataset(labels="bipolar")
    return base.map(lambda a: (*a, STEP_LR)) if step else base


def _sigma():
    st, _ = _st()
    return st.sampled_from([0.5, 1.0, 2.0])


def _gaussian():
    st, cs = _st()
    return st.tuples(cs.weights_and_dataset(labels="real"), _sigma()).map(
        lambda t: (*t[0], t[1])
    )


def _gaussian_design():
    st, cs = _st()
    return st.tuples(cs.full_rank_designs(), _sigma()).map(lambda t: (*t[0], t[1]))


def _pairs():
    st, cs = _st()
    return cs.matrix_pairs()


def _quadratic():
    st, cs = _st()
    return cs.vector_and_square_matrix()


def _network():
    st, cs = _st()
    return cs.network_inputs()


def _hidden():
    st, cs = _st()
    return cs.network_inputs().map(
        lambda a: (residual_net_forward(a[0], a[1], a[2], a[3]).H, a[2], a[4])
    )


# --- the entries ---------------------------------------------------------------------------

_NET = ("W0", "W1", "w2", "X", "y")
_NET_STATEMENT = (
    "L = 1/2 sum_i (g(x_i) - y_i)^2, g = sigma(w2^T h), h = x + sigma(W1 z), z = sigma(W0 x)"
)

CATALOG: tuple[Derivation, ...] = (
    Derivation(
        "1a", "Trace of a square", "f(X) = tr(X^2), X square",
        r"\frac{\partial\,\mathrm{tr}(X^2)}{\partial X} = 2X^\top",
        functools.partial(trace_power, k=2), functools.partial(trace_power_grad, k=2), 0,
        ("X",), _square,
    ),
    Derivation(
        "1b", "Trace of a cube", "g(X) = tr(X^3), X square",
        r"\frac{\partial\,\mathrm{tr}(X^3)}{\partial X} = 3(X^2)^\top",
        functools.partial(trace_power, k=3), functools.partial(trace_power_grad, k=3), 0,
        ("X",), _square,
    ),
    Derivation(
        "1k", "Trace of a power", "tr(X^k) for every integer k >= 0",
        r"\frac{\partial\,\mathrm{tr}(X^k)}{\partial X} = k\,(X^{k-1})^\top"
        r"\quad(0 \text{ for } k = 0)",
        trace_power, trace_power_grad, 0, ("X", "k"), _square_and_k,
    ),
    Derivation(
        "2", "Logistic regression with an L2 penalty",
        "L(w) = sum_i -y_i ln s(w^T x_i) - (1 - y_i) ln(1 - s(w^T x_i)) + lam ||w||^2",
        r"\nabla_w L = X^\top(\sigma(Xw) - y) + 2\lambda w",
        logistic_l2_loss, logistic_l2_grad, 0, ("w", "X", "y", "lam"), _logistic,
    ),
    Derivation(
        "2-step", "Gradient-descent update, logistic regression",
        "one step of gradient descent on the L2-regularised logistic loss",
        r"w \leftarrow w - \eta\left(X^\top(\sigma(Xw) - y) + 2\lambda w\right)",
        logistic_l2_loss, logistic_l2_step, 0, ("w", "X", "y", "lr", "lam"),
        lambda: _logistic(step=True), kind="step",
    ),
    Derivation(
        "3", "Bipolar sigmoid with squared loss",
        "L(w) = 1/2 sum_i (f(x_i) - y_i)^2, f(x) = (1 - e^{-w^T x}) / (1 + e^{-w^T x})",
        r"\nabla_w L = \tfrac12 X^\top\left((f - y) \odot (1 - f^2)\right),"
        r"\quad f = \tanh(Xw/2)",
        bipolar_squared_loss, bipolar_squared_grad, 0, ("w", "X", "y"), _bipolar,
    ),
    Derivation(
        "3-step", "Gradient-descent update, bipolar sigmoid",
        "one step of gradient descent on the bipolar squared loss",
        r"w \leftarrow w - \tfrac{\eta}{2} X^\top\left((f - y) \odot (1 - f^2)\right)",
        bipolar_squared_loss, bipolar_step, 0, ("w", "X", "y", "lr"),
        lambda: _bipolar(step=True), kind="step",
    ),
    Derivation(
        "4", "Gaussian log-likelihood",
        "ln P(w) = -N/2 ln(2 pi sigma^2) - sum_i (y_i - w^T x_i)^2 / (2 sigma^2)",
        r"\nabla_w \ln P = \frac{1}{\sigma^2} X^\top (y - Xw)",
        gaussian_log_likelihood, gaussian_log_likelihood_grad, 0, ("w", "X", "y", "sigma"),
        _gaussian,
    ),
    Derivation(
        "4-mle", "Maximum-likelihood weights",
        "w* = argmax_w P(w) for a full-column-rank design X",
        r"w^* = (X^\top X)^{-1} X^\top y \quad(\text{solved by QR, not an inverse})",
        gaussian_log_likelihood, mle_weights, 0, ("X", "y"), _gaussian_design,
        kind="stationary", reference=gaussian_log_likelihood_grad,
    ),
    Derivation(
        "5", "Frobenius product, w.r.t. A", "<A, B> = tr(A^T B), A and B of one shape (m, n)",
        r"\frac{\partial \langle A, B\rangle}{\partial A} = B",
        frobenius_dot, frobenius_dot_grad, 0, ("A", "B"), _pairs,
    ),
    Derivation(
        "5B", "Frobenius product, w.r.t. B", "<A, B> = tr(A^T B), A and B of one shape (m, n)",
        r"\frac{\partial \langle A, B\rangle}{\partial B} = A",
        frobenius_dot, frobenius_dot_grad_B, 1, ("A", "B"), _pairs,
    ),
    Derivation(
        "6", "Quadratic form, w.r.t. w", "f(w) = w^T X w, X square, not necessarily symmetric",
        r"\frac{\partial\, w^\top X w}{\partial w} = (X + X^\top) w",
        quadratic_form, quadratic_form_grad, 0, ("w", "X"), _quadratic,
    ),
    Derivation(
        "6X", "Quadratic form, w.r.t. X", "f(X) = w^T X w",
        r"\frac{\partial\, w^\top X w}{\partial X} = w w^\top",
        quadratic_form, quadratic_form_grad_X, 1, ("w", "X"), _quadratic,
    ),
    Derivation(
        "7a", "Residual network: dL/dh", "L = 1/2 sum_i (sigma(w2^T h_i) - y_i)^2, per sample",
        r"\frac{\partial L}{\partial h_{ij}} = (g_i - y_i)\, g_i (1 - g_i)\, w_{2,j},"
        r"\quad g_i = \sigma(w_2^\top h_i)",
        residual_net_loss_from_h, residual_net_grad_h, 0, ("H", "w2", "y"), _hidden,
    ),
    Derivation(
        "7b", "Residual network: dL/dW1", _NET_STATEMENT,
        r"\frac{\partial L}{\partial W_{1,dm}} = \sum_i \delta^{h}_{id}\, a_{id}(1 - a_{id})"
        r"\, z_{im},\quad \delta^{h}_{i} = (g_i - y_i) g_i (1 - g_i) w_2,"
        r"\ a = \sigma(Z W_1^\top)",
        residual_net_loss, residual_net_grad_W1, 1, _NET, _network,
    ),
    Derivation(
        "7-W0", "Residual network: dL/dW0", _NET_STATEMENT,
        r"\frac{\partial L}{\partial W_0} = \left(\left((\delta^h \odot a \odot (1 - a)) W_1"
        r"\right) \odot z \odot (1 - z)\right)^\top X",
        residual_net_loss, residual_net_grad_W0, 0, _NET, _network,
    ),
    Derivation(
        "7-w2", "Residual network: dL/dw2", _NET_STATEMENT,
        r"\frac{\partial L}{\partial w_2} = H^\top\left((g - y) \odot g \odot (1 - g)\right)",
        residual_net_loss, residual_net_grad_w2, 2, _NET, _network,
    ),
    Derivation(
        "7-X", "Residual network: dL/dX", _NET_STATEMENT,
        r"\frac{\partial L}{\partial X} = \delta^h + \left(\left((\delta^h \odot a \odot"
        r" (1 - a)) W_1\right) \odot z \odot (1 - z)\right) W_0",
        residual_net_loss, residual_net_grad_X, 3, _NET, _network,
    ),
)

_BY_ID = {d.id: d for d in CATALOG}


def get(derivation_id: str) -> Derivation:
    """The entry with this id; ``KeyError`` listing the known ids otherwise."""
    try:
        return _BY_ID[derivation_id]
    except KeyError:
        known = ", ".join(_BY_ID)
        raise KeyError(f"unknown derivation id {derivation_id!r}; known: {known}") from None
